/*
 * gpt.h: a GPT (decoder-only Transformer) on libautograd.
 *
 * The model of "Attention Is All You Need" as GPT-2 uses it, written the way
 * the original NumPy project wrote it, one function per idea:
 *
 *   x = wte[idx] + position(t)                    token + positional encoding
 *   for each block:  x = x + attn(ln_1(x))        pre-LN (post-LN selectable:
 *                    x = x + mlp(ln_2(x))          x = ln_1(x + attn(x)) ...)
 *   logits = ln_f(x) @ wte^T                      LM head tied to the embedding
 *
 * attn is multi-head causal self-attention with 1/sqrt(d_k) scaling; mlp is
 * Linear(C, 4C) -> GELU -> Linear(4C, C). Parameters are named and shaped as
 * nanoGPT's (Linear weights (out, in), used as x @ W^T), so weights move
 * between this model and PyTorch by name.
 *
 * Ownership: a gpt_model owns its parameters (ag_tensor, freed by
 * gpt_free). Tensors returned by gpt_forward / gpt_loss belong to the
 * calling thread's autograd tape (ag_tape_reset frees them).
 */
#ifndef GPT_H
#define GPT_H

#include <autograd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The deepest model and the most parameter tensors it can have. */
#define GPT_MAX_LAYERS 64
#define GPT_MAX_TENSORS (3 + 12 * GPT_MAX_LAYERS)

typedef struct gpt_config {
    int64_t vocab_size;
    int64_t block_size;       /* the longest context, T_max */
    int n_layer;
    int n_head;
    int64_t n_embd;           /* C; a multiple of n_head (d_k = C / n_head) */
    double dropout;           /* on embeddings and residual branches */
    bool learned_positions;   /* false: sinusoidal, as in the original paper */
    bool post_ln;             /* false: pre-LN (GPT-2); true: post-LN */
} gpt_config;

/* nanoGPT's CPU "baby" shakespeare_char model: 4 layers, 4 heads, 128
 * embd, block 64, dropout 0; vocab_size must still be set. */
gpt_config gpt_default_config(void);
/* 0, or a negative status with a one-line reason ("n_embd (100) must be a
 * multiple of n_head (3)"). */
int gpt_config_check(const gpt_config *config);

typedef struct gpt_model gpt_model;

/* A new model with GPT-2's initialization: weights and embeddings
 * N(0, 0.02), the residual projections (attn.c_proj, mlp.c_proj)
 * N(0, 0.02 / sqrt(2 n_layer)), biases 0, LayerNorm weights 1; drawn from
 * nd_rng_new(seed) in parameter order. */
gpt_model *gpt_new(const gpt_config *config, uint64_t seed);
void gpt_free(gpt_model *model);   /* NULL is fine */
const gpt_config *gpt_get_config(const gpt_model *model);

/* The parameters in a fixed order, with nanoGPT's names
 * ("transformer.h.0.attn.c_attn.weight"). Borrowed. */
int gpt_num_tensors(const gpt_model *model);
ag_tensor *gpt_tensor(const gpt_model *model, int i, const char **name);
/* Number of scalars in all parameters. */
int64_t gpt_num_parameters(const gpt_model *model);

/* Options of a forward pass. */
typedef struct gpt_forward_options {
    nd_rng *dropout_rng;      /* dropout is applied only with an rng and dropout > 0 */
    bool composed;            /* the reference path: composed ops instead of fused */
} gpt_forward_options;

/* Logits (B, T, V) for token ids idx (B, T) of any integer dtype, T <=
 * block_size ("Cannot forward sequence of length 65, block size is only
 * 64"). options may be NULL. */
ag_tensor *gpt_forward(gpt_model *model, const nd_array *idx, const gpt_forward_options *options);
/* Mean cross-entropy of the next-token predictions: idx and targets (B, T). */
ag_tensor *gpt_loss(gpt_model *model, const nd_array *idx, const nd_array *targets,
                    const gpt_forward_options *options);

/* ---- generation with a KV cache ------------------------------------------------ */

/* Keys and values of every layer for the tokens seen so far, so each new
 * token costs one position of work instead of re-running the prefix. */
typedef struct gpt_kv_cache gpt_kv_cache;

gpt_kv_cache *gpt_kv_cache_new(const gpt_model *model);
void gpt_kv_cache_free(gpt_kv_cache *cache);
/* Number of positions cached (0..block_size). */
int64_t gpt_kv_cache_length(const gpt_kv_cache *cache);
void gpt_kv_cache_clear(gpt_kv_cache *cache);
/* Feeds n tokens at the next positions and returns the logits (V,) float32
 * after the last one (a new array). Fails when the cache would pass
 * block_size; the caller then clears it and refeeds the last tokens. */
nd_array *gpt_feed(gpt_model *model, gpt_kv_cache *cache, const int32_t *tokens, int64_t n);

/* Draws the next token from logits (V,): divided by temperature (> 0;
 * 0 means greedy), restricted to the top_k most likely (0: all) and to the
 * smallest set whose probability reaches top_p (1: all). */
int gpt_sample(const nd_array *logits, double temperature, int64_t top_k, double top_p,
               nd_rng *rng, int32_t *token);

#ifdef __cplusplus
}
#endif
#endif /* GPT_H */
