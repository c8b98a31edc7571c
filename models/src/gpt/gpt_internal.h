/* gpt_internal.h: the model's private layout, shared by model.c (training
 * forward) and generate.c (inference with a KV cache). */
#ifndef GPT_INTERNAL_H
#define GPT_INTERNAL_H

#include "gpt.h"

#define GPT_NAME_MAX 64

/* One Transformer block's parameters (nanoGPT's names in comments). */
typedef struct gpt_block {
    ag_tensor *ln_1_weight, *ln_1_bias;           /* ln_1 (C) */
    ag_tensor *attn_weight, *attn_bias;           /* attn.c_attn (3C, C), (3C) */
    ag_tensor *attn_proj_weight, *attn_proj_bias; /* attn.c_proj (C, C), (C) */
    ag_tensor *ln_2_weight, *ln_2_bias;           /* ln_2 (C) */
    ag_tensor *fc_weight, *fc_bias;               /* mlp.c_fc (4C, C), (4C) */
    ag_tensor *mlp_proj_weight, *mlp_proj_bias;   /* mlp.c_proj (C, 4C), (C) */
} gpt_block;

struct gpt_model {
    gpt_config config;
    ag_tensor *wte;                 /* transformer.wte (V, C), also the LM head */
    ag_tensor *wpe;                 /* transformer.wpe (block, C) if learned, else NULL */
    ag_tensor *positions;           /* the sinusoidal table (block, C), a constant */
    gpt_block blocks[GPT_MAX_LAYERS];
    ag_tensor *ln_f_weight, *ln_f_bias;
    /* Every parameter in order, with its name, for saving and optimizers. */
    ag_tensor *tensors[GPT_MAX_TENSORS];
    char names[GPT_MAX_TENSORS][GPT_NAME_MAX];
    int ntensors;
};

#endif
