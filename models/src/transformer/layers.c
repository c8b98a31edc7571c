/*
 * The one forward pass: embeddings, the blocks, the final LayerNorm.
 * Training (every head), evaluation and generation with a KV cache all run
 * transformer_layers; nothing else in models/ computes a LayerNorm, a
 * GELU, a softmax or an attention.
 *
 * Shapes, with B batch, T time, C = n_embd, H = n_head, D = C / H:
 *
 *   idx (B, T) -> x = wte[idx] + pos[s : s+T]  (B, T, C), kept flat as (B*T, C)
 *   block:  h = ln_1(x)                        (B*T, C)
 *           qkv = h @ c_attn^T + b             (B*T, 3C)
 *           q, k, v = split(qkv) -> (B, H, T, D) views
 *           y = softmax(q k^T / sqrt(D) + mask) v   (B, H, T, D)
 *           x = x + (y as (B*T, C)) @ c_proj^T + b
 *           x = x + gelu(ln_2(x) @ c_fc^T + b) @ c_proj^T + b
 *   (the experiment switches drop the / sqrt(D) or the "x +")
 *   h = ln_f(x)                                (B*T, C)
 *
 * The mask is what makes a decoder or an encoder: causal (key j visible to
 * query i only if j <= i) or none, plus the padding keys of each row.
 * Activations stay 2-D (B*T, C) between blocks so that every Linear is one
 * matrix product and its weight gradient one gemm.
 */
#include "transformer_internal.h"

#include <math.h>

ag_tensor *transformer_tape_constant(const nd_array *a)
{
    ag_tensor *c = a ? ag_const(a) : NULL;
    ag_tensor *t = c ? ag_detach(c) : NULL;
    ag_tensor_free(c);
    return t;
}

static ag_tensor *layer_norm(const transformer_forward_options *o, ag_tensor *x, ag_tensor *w,
                             ag_tensor *b)
{
    const double eps = TRANSFORMER_LAYER_NORM_EPS;
    return o->composed ? ag_layer_norm_composed(x, w, b, eps) : ag_layer_norm(x, w, b, eps);
}

/* A pre-LN block's norm, whose output only the branch's first Linear reads:
 * in bf16 stored as that product's operand (ag_layer_norm_to, the cast in
 * the same pass); the composed forward casts it in transformer_linear. */
static ag_tensor *branch_norm(const transformer_model *m, const transformer_forward_options *o,
                              ag_tensor *x, ag_tensor *w, ag_tensor *b)
{
    if (m->config.precision == TRANSFORMER_BF16 && !o->composed)
        return ag_layer_norm_to(x, w, b, TRANSFORMER_LAYER_NORM_EPS, ND_BFLOAT16);
    return layer_norm(o, x, w, b);
}

static ag_tensor *gelu(const transformer_forward_options *o, ag_tensor *x)
{
    return o->composed ? ag_gelu_composed(x) : ag_gelu(x);
}

static ag_tensor *dropout(const transformer_model *m, const transformer_forward_options *o,
                          ag_tensor *x)
{
    return o->dropout_rng && m->config.dropout > 0 ? ag_dropout(x, m->config.dropout, o->dropout_rng)
                                                   : x;
}

/* The forward's bf16 copy of parameter w, made by its first use: one cast
 * per weight and forward pass however many products use it, so the
 * gradients of all its uses meet in one bf16 gradient, widened once by the
 * cast's backward into the float32 master's. The scan is over the model's
 * few hundred tensor pointers at most, nothing beside a cast. */
static ag_tensor *bf16_weight(transformer_model *m, ag_tensor *w)
{
    for (int i = 0; i < m->ntensors; i++)
        if (m->tensors[i] == w) {
            /* The optimizer's copy when one is kept: the cast without a
             * pass over the weight. */
            if (!m->bf16[i])
                m->bf16[i] = m->bf16_copy[i] ? ag_to_dtype_from(w, m->bf16_copy[i])
                                             : ag_to_dtype(w, ND_BFLOAT16);
            return m->bf16[i];
        }
    return ag_to_dtype(w, ND_BFLOAT16); /* not a parameter (never the case): cast here */
}

ag_tensor *transformer_linear(transformer_model *m, ag_tensor *x, ag_tensor *w, ag_tensor *b)
{
    if (m->config.precision != TRANSFORMER_BF16 || !x) /* NULL x: its error stands */
        return ag_linear(x, w, b);
    return ag_linear(ag_to_dtype(x, ND_BFLOAT16), bf16_weight(m, w), b);
}

/* A bf16 model's Linear whose output only bf16 operands read (c_attn's
 * q, k, v; c_fc's, GELU's input): stored as bf16 by the product itself
 * (ag_linear_to), or on the composed path by a cast after it. */
static ag_tensor *linear_stored_bf16(transformer_model *m, const transformer_forward_options *o,
                                     ag_tensor *x, ag_tensor *w, ag_tensor *b)
{
    if (o->composed)
        return ag_to_dtype(transformer_linear(m, x, w, b), ND_BFLOAT16);
    return ag_linear_to(ag_to_dtype(x, ND_BFLOAT16), bf16_weight(m, w), b, ND_BFLOAT16);
}

/* k or v of the new positions, (1, H, T, D), written into the cache at
 * start.. ; returns every cached position 0..start+T as a (1, H, L, D)
 * tape constant, what the new queries attend over. */
static ag_tensor *through_cache(ag_tensor *part, nd_array *cached, int64_t start, int64_t T)
{
    if (!part)
        return NULL;
    nd_array *dst = nd_slice(cached, 1, start, start + T, 1);
    nd_array *src = nd_squeeze(ag_value(part), 1, (const int[]){0});
    int status = dst && src ? nd_copyto(dst, src, ND_CAST_SAME_KIND) : ND_ERR_MEMORY;
    nd_free(dst);
    nd_free(src);
    nd_array *all = status == 0 ? nd_slice(cached, 1, 0, start + T, 1) : NULL;
    ag_tensor *t = transformer_tape_constant(all);
    nd_free(all);
    return t;
}

/* Multi-head self-attention on h (B*T, C); returns (B*T, C). */
static ag_tensor *attention(transformer_model *m, const transformer_forward_options *o, int l,
                            ag_tensor *h, int64_t B, int64_t T, const transformer_cache_view *cache)
{
    const transformer_block *b = &m->blocks[l];
    const int64_t C = m->config.n_embd, H = m->config.n_head, D = C / H;
    const bool causal = !m->config.bidirectional;
    /* Training and evaluation: one op from qkv to the joined heads. The
     * steps spelled out below are its composed form, and what generation
     * (keys and values through the cache) and the experiment without the
     * scale run. In bf16, qkv is stored as bf16 by c_attn's product
     * (ag_linear_to): q, k and v are only the attention's bf16 operands. */
    if (!o->composed && !cache && !m->config.no_attention_scale) {
        const bool bf16 = m->config.precision == TRANSFORMER_BF16;
        ag_tensor *qkv = bf16 ? linear_stored_bf16(m, o, h, b->attn_weight, b->attn_bias)
                              : transformer_linear(m, h, b->attn_weight, b->attn_bias);
        qkv = ag_reshape(qkv, 3, (int64_t[]){B, T, 3 * C});
        nd_dtype operand = bf16 ? ND_BFLOAT16 : qkv ? nd_dtype_of(ag_value(qkv)) : ND_FLOAT32;
        ag_tensor *y = ag_reshape(ag_attention_packed(qkv, H, causal, o->padding, operand), 2,
                                  (int64_t[]){B * T, C});
        return dropout(m, o, transformer_linear(m, y, b->attn_proj_weight, b->attn_proj_bias));
    }
    ag_tensor *qkv = ag_reshape(transformer_linear(m, h, b->attn_weight, b->attn_bias), 3,
                                (int64_t[]){B, T, 3 * C});
    /* q, k, v: (B, T, C) slices -> (B, T, H, D) -> (B, H, T, D), all views. */
    ag_tensor *heads[3];
    for (int i = 0; i < 3; i++) {
        ag_tensor *part = ag_slice(qkv, 2, i * C, (i + 1) * C, 1);
        heads[i] = ag_transpose(ag_reshape(part, 4, (int64_t[]){B, T, H, D}), (int[]){0, 2, 1, 3});
    }
    if (cache) { /* the queries are the last T of start+T positions */
        heads[1] = through_cache(heads[1], cache->keys[l], cache->start, T);
        heads[2] = through_cache(heads[2], cache->values[l], cache->start, T);
    }
    /* The experiment without the 1/sqrt(D) scale: both ops divide q k^T
     * by sqrt(D), so multiplying q by sqrt(D) first leaves q k^T itself. */
    if (m->config.no_attention_scale)
        heads[0] = ag_mul_scalar(heads[0], sqrt((double)D));
    /* bf16: q, k, v are the products' operands, rounded once here (a
     * contiguous copy of each head-major view); the softmax stays float32. */
    if (m->config.precision == TRANSFORMER_BF16)
        for (int i = 0; i < 3; i++)
            heads[i] = ag_to_dtype(heads[i], ND_BFLOAT16);
    ag_tensor *y = o->composed
                       ? ag_attention_composed(heads[0], heads[1], heads[2], causal, o->padding)
                       : ag_attention(heads[0], heads[1], heads[2], causal, o->padding);
    /* (B, H, T, D) -> (B, T, H, D) -> (B*T, C) */
    y = ag_reshape(ag_transpose(y, (int[]){0, 2, 1, 3}), 2, (int64_t[]){B * T, C});
    return dropout(m, o, transformer_linear(m, y, b->attn_proj_weight, b->attn_proj_bias));
}

static ag_tensor *mlp(transformer_model *m, const transformer_forward_options *o,
                      const transformer_block *b, ag_tensor *h)
{
    /* bf16: c_fc's output is only GELU's input and GELU's output only
     * c_proj's operand, so both are stored as bf16 (c_fc's rounded as a
     * Linear's output is under torch's autocast; ag_gelu_to computes in
     * float32, the cast in the same pass). The composed forward rounds
     * with casts of their own, GELU's in transformer_linear. */
    ag_tensor *up;
    if (m->config.precision != TRANSFORMER_BF16)
        up = gelu(o, transformer_linear(m, h, b->fc_weight, b->fc_bias));
    else if (o->composed)
        up = gelu(o, ag_to_dtype(linear_stored_bf16(m, o, h, b->fc_weight, b->fc_bias), ND_FLOAT32));
    else
        up = ag_gelu_to(linear_stored_bf16(m, o, h, b->fc_weight, b->fc_bias), ND_BFLOAT16);
    return dropout(m, o, transformer_linear(m, up, b->mlp_proj_weight, b->mlp_proj_bias));
}

/* x + branch, or the branch alone in the experiment without residual
 * connections (config.no_residual). */
static ag_tensor *residual(const transformer_model *m, ag_tensor *x, ag_tensor *branch)
{
    return m->config.no_residual ? branch : ag_add(x, branch);
}

static int check_padding(const nd_array *padding, int64_t B, int64_t T)
{
    if (!padding)
        return 0;
    if (nd_dtype_of(padding) != ND_BOOL || nd_ndim(padding) != 2 || nd_shape(padding)[0] != B ||
        nd_shape(padding)[1] != T)
        return nd_set_last_error(ND_ERR_VALUE, "padding must be a bool (B, T) = (%lld, %lld) array",
                                 (long long)B, (long long)T);
    return 0;
}

ag_tensor *transformer_layers(transformer_model *m, const nd_array *idx,
                              const transformer_forward_options *options,
                              const transformer_cache_view *cache)
{
    transformer_forward_options none = {0};
    const transformer_forward_options *o = options ? options : &none;
    const transformer_config *c = &m->config;
    for (int i = 0; i < m->ntensors; i++) /* a new forward: no bf16 copy yet */
        m->bf16[i] = NULL;
    if (!idx || nd_ndim(idx) != 2) {
        nd_set_last_error(ND_ERR_VALUE, "idx must be a (B, T) array of token ids");
        return NULL;
    }
    const int64_t B = nd_shape(idx)[0], T = nd_shape(idx)[1];
    const int64_t start = cache ? cache->start : 0;
    if (start + T > c->block_size) {
        nd_set_last_error(ND_ERR_VALUE,
                          "Cannot forward sequence of length %lld, block size is "
                          "only %lld",
                          (long long)(start + T), (long long)c->block_size);
        return NULL;
    }
    if (check_padding(o->padding, B, T) < 0)
        return NULL;
    ag_tensor *pos = ag_slice(c->learned_positions ? m->wpe : m->positions, 0, start, start + T, 1);
    ag_tensor *tokens = ag_embedding(m->wte, idx); /* (B, T, C) */
    /* With the fixed sinusoidal table (entries of size ~1) the token
     * embeddings are scaled by sqrt(C), as in the original paper, so that
     * N(0, 0.02) token vectors are not drowned by the positions. */
    if (!c->learned_positions)
        tokens = ag_mul_scalar(tokens, sqrt((double)c->n_embd));
    ag_tensor *x = ag_add(tokens, pos);
    x = ag_reshape(dropout(m, o, x), 2, (int64_t[]){B * T, c->n_embd});
    for (int l = 0; l < c->n_layer; l++) {
        const transformer_block *b = &m->blocks[l];
        if (o->tape_marks)
            o->tape_marks[l] = ag_tape_size();
        if (c->post_ln) { /* the original Transformer: normalize after the sum */
            x = layer_norm(o, residual(m, x, attention(m, o, l, x, B, T, cache)), b->ln_1_weight,
                           b->ln_1_bias);
            x = layer_norm(o, residual(m, x, mlp(m, o, b, x)), b->ln_2_weight, b->ln_2_bias);
        } else { /* GPT-2: normalize the branch input */
            x = residual(m, x,
                         attention(m, o, l, branch_norm(m, o, x, b->ln_1_weight, b->ln_1_bias), B,
                                   T, cache));
            x = residual(m, x, mlp(m, o, b, branch_norm(m, o, x, b->ln_2_weight, b->ln_2_bias)));
        }
    }
    if (o->tape_marks)
        o->tape_marks[c->n_layer] = ag_tape_size();
    return layer_norm(o, x, m->ln_f_weight, m->ln_f_bias);
}

ag_tensor *transformer_lm_head(transformer_model *m, ag_tensor *h)
{
    return transformer_linear(m, h, m->wte, NULL);
}
