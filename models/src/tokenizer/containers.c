/* tokenizer/containers.c: the two containers every tokenizer file shares,
 * the pair map (BPE's merge ranks, training's pair indices, GPT-2's ranks)
 * and the growable id array (the encoders' output). They depend on nothing
 * of the tokenizers, so the files that use them (bpe.c, gpt2.c, tok.c)
 * depend on this one and never on each other for it. */
#include <stdlib.h>
#include <string.h>

#include "tok_internal.h"

int tok_pairmap_put(tok_pairmap *m, int32_t a, int32_t b, int32_t val)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 512;
        uint64_t *keys = malloc(nc * sizeof *keys);
        int32_t *vals = malloc(nc * sizeof *vals);
        if (!keys || !vals) {
            free(keys), free(vals);
            return nd_set_last_error(ND_ERR_MEMORY, "out of memory for %zu pairs", m->n);
        }
        memset(keys, 0xFF, nc * sizeof *keys);
        for (size_t k = 0; k < m->cap; k++) {
            if (m->keys[k] == UINT64_MAX)
                continue;
            size_t i = tok_mix64(m->keys[k]) & (nc - 1);
            while (keys[i] != UINT64_MAX)
                i = (i + 1) & (nc - 1);
            keys[i] = m->keys[k];
            vals[i] = m->vals[k];
        }
        free(m->keys), free(m->vals);
        m->keys = keys, m->vals = vals, m->cap = nc;
    }
    uint64_t key = tok_pair_key(a, b);
    size_t i = tok_mix64(key) & (m->cap - 1);
    while (m->keys[i] != UINT64_MAX && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (m->keys[i] == UINT64_MAX) {
        m->keys[i] = key;
        m->n++;
    }
    m->vals[i] = val;
    return 0;
}

void tok_pairmap_free(tok_pairmap *m)
{
    free(m->keys);
    free(m->vals);
    *m = (tok_pairmap){0};
}

int tok_ivec_reserve(tok_ivec *a, size_t extra)
{
    if (a->cap - a->n >= extra && a->v)
        return 0;
    size_t nc = a->cap ? a->cap : 16;
    while (nc - a->n < extra) {
        if (nc > SIZE_MAX / 2 / sizeof *a->v)
            return nd_set_last_error(ND_ERR_MEMORY, "out of memory for %zu token ids", a->n + extra);
        nc *= 2;
    }
    int32_t *v = realloc(a->v, nc * sizeof *v);
    if (!v)
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory for %zu token ids", a->n + extra);
    a->v = v;
    a->cap = nc;
    return 0;
}
