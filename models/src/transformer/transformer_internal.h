/* transformer/transformer_internal.h: the model's private layout and the one layer
 * code, shared by model.c (parameters, the forward pass and its heads) and
 * generate.c (cache bookkeeping and sampling around the same forward). */
#ifndef TRANSFORMER_INTERNAL_H
#define TRANSFORMER_INTERNAL_H

#include "transformer.h"

#define TRANSFORMER_NAME_MAX 64

/* One Transformer block's parameters (nanoGPT's names in comments). */
typedef struct transformer_block {
    ag_tensor *ln_1_weight, *ln_1_bias; /* ln_1 (C) */
    ag_tensor *attn_weight, *attn_bias; /* attn.c_attn (3C, C), (3C) */
    ag_tensor *attn_proj_weight, *attn_proj_bias; /* attn.c_proj (C, C), (C) */
    ag_tensor *ln_2_weight, *ln_2_bias; /* ln_2 (C) */
    ag_tensor *fc_weight, *fc_bias; /* mlp.c_fc (4C, C), (4C) */
    ag_tensor *mlp_proj_weight, *mlp_proj_bias; /* mlp.c_proj (C, 4C), (C) */
} transformer_block;

struct transformer_model {
    transformer_config config;
    ag_tensor *wte; /* transformer.wte (V, C), also the LM/MLM head */
    ag_tensor *wpe; /* transformer.wpe (block, C) if learned, else NULL */
    ag_tensor *positions; /* the sinusoidal table (block, C), a constant */
    transformer_block blocks[TRANSFORMER_MAX_LAYERS];
    ag_tensor *ln_f_weight, *ln_f_bias;
    ag_tensor *classifier_weight, *classifier_bias; /* (K, C), (K) or NULL */
    /* Every parameter in order, with its name, for saving and optimizers. */
    ag_tensor *tensors[TRANSFORMER_MAX_TENSORS];
    char names[TRANSFORMER_MAX_TENSORS][TRANSFORMER_NAME_MAX];
    int ntensors;
    /* bf16 precision: the bfloat16 copy of tensors[i] made by this forward
     * pass (a tensor of the current tape), NULL until a product first
     * needs it. transformer_layers empties it when a forward begins; the
     * head that follows in the same call uses it; nothing reads it after
     * the tape is reset. */
    ag_tensor *bf16[TRANSFORMER_MAX_TENSORS];
    /* transformer_keep_bf16_copies: tensors[i] rounded to bf16, rewritten
     * by an optimizer with every update (NULL: cast in each forward). */
    nd_array *bf16_copy[TRANSFORMER_MAX_TENSORS];
};

/* Where the keys and values of the positions being computed go, when a KV
 * cache is in use: keys[l], values[l] (H, block, D) float32 per layer, the
 * new positions start at `start`. */
typedef struct transformer_cache_view {
    nd_array **keys, **values;
    int64_t start;
} transformer_cache_view;

/* THE forward pass through the embeddings, every block and ln_f, for idx
 * (B, T) at positions start.. (start = cache->start with a cache, 0
 * without): (B*T, C). With a cache (B must be 1) each layer's k and v are
 * written into it and attention runs over the cached positions 0..start+T.
 * Training, evaluation and generation all run this function. */
ag_tensor *transformer_layers(transformer_model *m, const nd_array *idx,
                              const transformer_forward_options *o,
                              const transformer_cache_view *cache);
/* A tape tensor holding a copy of a (no gradient): ag_const copies, the
 * detached tape tensor shares that copy, and the tape frees it with the
 * rest of the step. */
ag_tensor *transformer_tape_constant(const nd_array *a);
/* x (N, in) @ weight^T + bias in the model's precision (transformer.h):
 * ag_linear on the float32 values, or on x rounded to bf16 and the
 * forward's one bf16 copy of weight (a parameter of m); float32 result. */
ag_tensor *transformer_linear(transformer_model *m, ag_tensor *x, ag_tensor *weight,
                              ag_tensor *bias);
/* logits = h @ wte^T: the LM head shares the token embedding. */
ag_tensor *transformer_lm_head(transformer_model *m, ag_tensor *h);

#endif
