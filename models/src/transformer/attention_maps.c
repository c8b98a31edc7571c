/*
 * Attention maps: what each head of each layer looks at, for pictures.
 *
 * No second attention is written here. The model's one forward
 * (transformer_layers) runs with recording on; its fused attention op
 * saves P = softmax(q k^T / sqrt(D) + mask) for its backward, one node per
 * layer in layer order, and the tape hands those saved arrays out
 * (ag_tape_node). They are copied out and the tape is reset. P is the
 * first array ag_attention saves, and the fourth of ag_attention_packed
 * (after q, k and v).
 */
#include "transformer_internal.h"

#include <string.h>

nd_array *transformer_attention_maps(transformer_model *m, const nd_array *idx)
{
    if (!m || !idx) {
        nd_set_last_error(ND_ERR_VALUE, "transformer_attention_maps: %s is NULL",
                          m ? "idx" : "model");
        return NULL;
    }
    if (!ag_is_grad_enabled()) {
        nd_set_last_error(ND_ERR_VALUE, "transformer_attention_maps records a forward: grad mode "
                                        "is off");
        return NULL;
    }
    ag_tape_reset();
    transformer_forward_options plain = {0}; /* fused ops, no dropout */
    ag_tensor *h = transformer_layers(m, idx, &plain, NULL);
    const transformer_config *c = &m->config;
    nd_array *maps = NULL;
    if (h) {
        const int64_t B = nd_shape(idx)[0], T = nd_shape(idx)[1];
        maps = nd_zeros(ND_FLOAT32, 5, (const int64_t[]){c->n_layer, B, c->n_head, T, T});
    }
    int layer = 0;
    for (size_t i = 0; maps && i < ag_tape_size(); i++) {
        ag_tape_node_info info;
        if (ag_tape_node(i, &info) < 0)
            continue;
        int which = strcmp(info.op, "attention") == 0          ? 0
                    : strcmp(info.op, "attention_packed") == 0 ? 3
                                                               : -1;
        if (which < 0)
            continue;
        if (layer == c->n_layer || info.nsaved <= which) {
            nd_set_last_error(ND_ERR_VALUE,
                              "the forward recorded an attention op that is not one "
                              "of the %d layers'",
                              c->n_layer);
            nd_free(maps);
            maps = NULL;
            break;
        }
        nd_array *dst = nd_slice(maps, 0, layer, layer + 1, 1);
        nd_array *p = dst ? nd_reshape(info.saved[which], 5, nd_shape(dst)) : NULL;
        if (!p || nd_copyto(dst, p, ND_CAST_SAME_KIND) < 0) {
            nd_free(maps);
            maps = NULL;
        }
        nd_free(p);
        nd_free(dst);
        layer++;
    }
    if (maps && layer != c->n_layer) {
        nd_set_last_error(ND_ERR_VALUE, "the forward recorded %d attention ops for %d layers",
                          layer, c->n_layer);
        nd_free(maps);
        maps = NULL;
    }
    ag_tape_reset();
    return maps;
}
