/*
 * The GPT: parameters, initialization, and the training forward pass.
 *
 * Shapes, with B batch, T time, C = n_embd, H = n_head, D = C / H, V vocab:
 *
 *   idx (B, T) -> x = wte[idx] + pos[:T]       (B, T, C), kept flat as (B*T, C)
 *   block:  h = ln_1(x)                        (B*T, C)
 *           qkv = h @ c_attn^T + b             (B*T, 3C)
 *           q, k, v = split(qkv) -> (B, H, T, D) views
 *           y = softmax(q k^T / sqrt(D) + causal) v   (B, H, T, D)
 *           x = x + (y as (B*T, C)) @ c_proj^T + b
 *           x = x + gelu(ln_2(x) @ c_fc^T + b) @ c_proj^T + b
 *   logits = ln_f(x) @ wte^T                   (B*T, V)
 *
 * Activations stay 2-D (B*T, C) between blocks so that every Linear is one
 * matrix product and its weight gradient one gemm.
 */
#include "gpt_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gpt_config gpt_default_config(void)
{
    return (gpt_config){.vocab_size = 0, .block_size = 64, .n_layer = 4, .n_head = 4,
                        .n_embd = 128, .dropout = 0.0};
}

int gpt_config_check(const gpt_config *c)
{
    if (!c)
        return nd_set_last_error(ND_ERR_VALUE, "no model configuration given");
    if (c->vocab_size < 1)
        return nd_set_last_error(ND_ERR_VALUE, "vocab_size must be at least 1 (got %lld)",
                                 (long long)c->vocab_size);
    if (c->n_layer > GPT_MAX_LAYERS)
        return nd_set_last_error(ND_ERR_VALUE, "at most %d layers (got %d)", GPT_MAX_LAYERS,
                                 c->n_layer);
    if (c->block_size < 1 || c->n_layer < 1 || c->n_head < 1 || c->n_embd < 1)
        return nd_set_last_error(ND_ERR_VALUE, "block, layers, heads and embd must all be "
                                 "positive");
    if (c->n_embd % c->n_head != 0)
        return nd_set_last_error(ND_ERR_VALUE, "n_embd (%lld) must be a multiple of n_head (%d)",
                                 (long long)c->n_embd, c->n_head);
    if (!(c->dropout >= 0 && c->dropout < 1))
        return nd_set_last_error(ND_ERR_VALUE, "dropout must be in [0, 1) (got %g)", c->dropout);
    return 0;
}

/* ---- parameters --------------------------------------------------------------- */

/* Adds a parameter of the given shape, filled by `init`: 'n' normal(0,
 * std), 'z' zeros, 'o' ones. */
static ag_tensor *add_param(gpt_model *m, nd_rng *rng, const char *name, int ndim,
                            const int64_t *shape, char init, double std)
{
    if (m->ntensors == GPT_MAX_TENSORS) {
        nd_set_last_error(ND_ERR_VALUE, "model too deep (more than %d tensors)", GPT_MAX_TENSORS);
        return NULL;
    }
    nd_array *value = init == 'n' ? nd_rng_normal(rng, 0.0, std, ND_FLOAT32, ndim, shape)
                    : init == 'o' ? nd_ones(ND_FLOAT32, ndim, shape)
                                  : nd_zeros(ND_FLOAT32, ndim, shape);
    ag_tensor *t = value ? ag_param(value) : NULL;
    nd_free(value);
    if (!t)
        return NULL;
    m->tensors[m->ntensors] = t;
    snprintf(m->names[m->ntensors], sizeof m->names[0], "%s", name);
    m->ntensors++;
    return t;
}

/* PE[t, 2i] = sin(t / 10000^(2i/C)), PE[t, 2i+1] = cos(t / 10000^(2i/C)). */
static nd_array *sinusoidal_positions(int64_t block, int64_t C)
{
    nd_array *pe = nd_empty(ND_FLOAT32, 2, (const int64_t[]){block, C});
    if (!pe)
        return NULL;
    float *p = nd_data(pe);
    for (int64_t t = 0; t < block; t++)
        for (int64_t i = 0; i < C; i++) {
            double angle = (double)t / pow(10000.0, (double)(i - i % 2) / (double)C);
            p[t * C + i] = (float)(i % 2 == 0 ? sin(angle) : cos(angle));
        }
    return pe;
}

gpt_model *gpt_new(const gpt_config *config, uint64_t seed)
{
    if (gpt_config_check(config) < 0)
        return NULL;
    gpt_model *m = calloc(1, sizeof *m);
    nd_rng *rng = nd_rng_new(seed);
    if (!m || !rng) {
        free(m);
        nd_rng_free(rng);
        nd_set_last_error(ND_ERR_MEMORY, "out of memory creating the model");
        return NULL;
    }
    m->config = *config;
    const int64_t C = config->n_embd, V = config->vocab_size;
    const double std = 0.02, residual_std = 0.02 / sqrt(2.0 * config->n_layer);
    bool ok = (m->wte = add_param(m, rng, "transformer.wte.weight", 2, (int64_t[]){V, C}, 'n', std));
    if (ok && config->learned_positions)
        ok = (m->wpe = add_param(m, rng, "transformer.wpe.weight", 2,
                                 (int64_t[]){config->block_size, C}, 'n', std));
    for (int l = 0; ok && l < config->n_layer; l++) {
        gpt_block *b = &m->blocks[l];
        char name[GPT_NAME_MAX];
#define PARAM(field, suffix, ndim, init, s, ...)                                           \
    (snprintf(name, sizeof name, "transformer.h.%d." suffix, l),                          \
     (b->field = add_param(m, rng, name, ndim, (int64_t[]){__VA_ARGS__}, init, s)) != NULL)
        ok = PARAM(ln_1_weight, "ln_1.weight", 1, 'o', 0, C) &&
             PARAM(ln_1_bias, "ln_1.bias", 1, 'z', 0, C) &&
             PARAM(attn_weight, "attn.c_attn.weight", 2, 'n', std, 3 * C, C) &&
             PARAM(attn_bias, "attn.c_attn.bias", 1, 'z', 0, 3 * C) &&
             PARAM(attn_proj_weight, "attn.c_proj.weight", 2, 'n', residual_std, C, C) &&
             PARAM(attn_proj_bias, "attn.c_proj.bias", 1, 'z', 0, C) &&
             PARAM(ln_2_weight, "ln_2.weight", 1, 'o', 0, C) &&
             PARAM(ln_2_bias, "ln_2.bias", 1, 'z', 0, C) &&
             PARAM(fc_weight, "mlp.c_fc.weight", 2, 'n', std, 4 * C, C) &&
             PARAM(fc_bias, "mlp.c_fc.bias", 1, 'z', 0, 4 * C) &&
             PARAM(mlp_proj_weight, "mlp.c_proj.weight", 2, 'n', residual_std, C, 4 * C) &&
             PARAM(mlp_proj_bias, "mlp.c_proj.bias", 1, 'z', 0, C);
#undef PARAM
    }
    ok = ok && (m->ln_f_weight = add_param(m, rng, "transformer.ln_f.weight", 1, (int64_t[]){C}, 'o', 0)) &&
         (m->ln_f_bias = add_param(m, rng, "transformer.ln_f.bias", 1, (int64_t[]){C}, 'z', 0));
    if (ok && !config->learned_positions) {
        nd_array *pe = sinusoidal_positions(config->block_size, C);
        ok = pe && (m->positions = ag_const(pe));
        nd_free(pe);
    }
    nd_rng_free(rng);
    if (!ok) {
        gpt_free(m);
        return NULL;
    }
    return m;
}

void gpt_free(gpt_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->ntensors; i++)
        ag_tensor_free(m->tensors[i]);
    ag_tensor_free(m->positions);
    free(m);
}

const gpt_config *gpt_get_config(const gpt_model *m) { return &m->config; }
int gpt_num_tensors(const gpt_model *m) { return m->ntensors; }

ag_tensor *gpt_tensor(const gpt_model *m, int i, const char **name)
{
    if (i < 0 || i >= m->ntensors)
        return NULL;
    if (name)
        *name = m->names[i];
    return m->tensors[i];
}

int64_t gpt_num_parameters(const gpt_model *m)
{
    int64_t n = 0;
    for (int i = 0; i < m->ntensors; i++)
        n += nd_size(ag_value(m->tensors[i]));
    return n;
}

/* ---- the forward pass ------------------------------------------------------------ */

/* y = x @ W^T + b for x (N, in), W (out, in): one gemm, W read transposed;
 * its backward writes dW (out, in) directly (ag_linear). */
static ag_tensor *linear(ag_tensor *x, ag_tensor *weight, ag_tensor *bias)
{
    return ag_linear(x, weight, bias);
}

static ag_tensor *layer_norm(const gpt_forward_options *o, ag_tensor *x, ag_tensor *w, ag_tensor *b)
{
    return o->composed ? ag_layer_norm_composed(x, w, b, 1e-5) : ag_layer_norm(x, w, b, 1e-5);
}

static ag_tensor *gelu(const gpt_forward_options *o, ag_tensor *x)
{
    return o->composed ? ag_gelu_composed(x) : ag_gelu(x);
}

static ag_tensor *dropout(const gpt_model *m, const gpt_forward_options *o, ag_tensor *x)
{
    return o->dropout_rng && m->config.dropout > 0 ? ag_dropout(x, m->config.dropout, o->dropout_rng)
                                                   : x;
}

/* Multi-head causal self-attention on h (B*T, C); returns (B*T, C). */
static ag_tensor *attention(const gpt_model *m, const gpt_forward_options *o, const gpt_block *b,
                            ag_tensor *h, int64_t B, int64_t T)
{
    const int64_t C = m->config.n_embd, H = m->config.n_head, D = C / H;
    ag_tensor *qkv = ag_reshape(linear(h, b->attn_weight, b->attn_bias), 3,
                                (int64_t[]){B, T, 3 * C});
    /* q, k, v: (B, T, C) slices -> (B, T, H, D) -> (B, H, T, D), all views. */
    ag_tensor *heads[3];
    for (int i = 0; i < 3; i++) {
        ag_tensor *part = ag_slice(qkv, 2, i * C, (i + 1) * C, 1);
        heads[i] = ag_transpose(ag_reshape(part, 4, (int64_t[]){B, T, H, D}), (int[]){0, 2, 1, 3});
    }
    ag_tensor *y = o->composed ? ag_attention_composed(heads[0], heads[1], heads[2], true, NULL)
                               : ag_attention(heads[0], heads[1], heads[2], true, NULL);
    /* (B, H, T, D) -> (B, T, H, D) -> (B*T, C) */
    y = ag_reshape(ag_transpose(y, (int[]){0, 2, 1, 3}), 2, (int64_t[]){B * T, C});
    return dropout(m, o, linear(y, b->attn_proj_weight, b->attn_proj_bias));
}

static ag_tensor *mlp(const gpt_model *m, const gpt_forward_options *o, const gpt_block *b,
                      ag_tensor *h)
{
    ag_tensor *up = gelu(o, linear(h, b->fc_weight, b->fc_bias));
    return dropout(m, o, linear(up, b->mlp_proj_weight, b->mlp_proj_bias));
}

/* The hidden states after the last block and ln_f: (B*T, C). */
static ag_tensor *hidden_states(gpt_model *m, const nd_array *idx, const gpt_forward_options *o)
{
    const gpt_config *c = &m->config;
    if (!idx || nd_ndim(idx) != 2) {
        nd_set_last_error(ND_ERR_VALUE, "idx must be a (B, T) array of token ids");
        return NULL;
    }
    int64_t B = nd_shape(idx)[0], T = nd_shape(idx)[1];
    if (T > c->block_size) {
        nd_set_last_error(ND_ERR_VALUE, "Cannot forward sequence of length %lld, block size is "
                          "only %lld", (long long)T, (long long)c->block_size);
        return NULL;
    }
    ag_tensor *pos = ag_slice(c->learned_positions ? m->wpe : m->positions, 0, 0, T, 1);
    ag_tensor *tokens = ag_embedding(m->wte, idx);                   /* (B, T, C) */
    /* With the fixed sinusoidal table (entries of size ~1) the token
     * embeddings are scaled by sqrt(C), as in the original paper, so that
     * N(0, 0.02) token vectors are not drowned by the positions. */
    if (!c->learned_positions)
        tokens = ag_mul_scalar(tokens, sqrt((double)c->n_embd));
    ag_tensor *x = ag_add(tokens, pos);
    x = ag_reshape(dropout(m, o, x), 2, (int64_t[]){B * T, c->n_embd});
    for (int l = 0; l < c->n_layer; l++) {
        const gpt_block *b = &m->blocks[l];
        if (c->post_ln) {   /* the original Transformer: normalize after the sum */
            x = layer_norm(o, ag_add(x, attention(m, o, b, x, B, T)), b->ln_1_weight, b->ln_1_bias);
            x = layer_norm(o, ag_add(x, mlp(m, o, b, x)), b->ln_2_weight, b->ln_2_bias);
        } else {            /* GPT-2: normalize the branch input */
            x = ag_add(x, attention(m, o, b, layer_norm(o, x, b->ln_1_weight, b->ln_1_bias), B, T));
            x = ag_add(x, mlp(m, o, b, layer_norm(o, x, b->ln_2_weight, b->ln_2_bias)));
        }
    }
    return layer_norm(o, x, m->ln_f_weight, m->ln_f_bias);
}

/* logits = x @ wte^T: the LM head shares the token embedding. */
static ag_tensor *lm_head(gpt_model *m, ag_tensor *x)
{
    return ag_linear(x, m->wte, NULL);
}

ag_tensor *gpt_forward(gpt_model *m, const nd_array *idx, const gpt_forward_options *options)
{
    gpt_forward_options none = {0};
    const gpt_forward_options *o = options ? options : &none;
    ag_tensor *logits = lm_head(m, hidden_states(m, idx, o));
    if (!logits)
        return NULL;
    return ag_reshape(logits, 3, (int64_t[]){nd_shape(idx)[0], nd_shape(idx)[1],
                                             m->config.vocab_size});
}

ag_tensor *gpt_loss(gpt_model *m, const nd_array *idx, const nd_array *targets,
                    const gpt_forward_options *options)
{
    gpt_forward_options none = {0};
    const gpt_forward_options *o = options ? options : &none;
    if (!targets || !idx || nd_ndim(targets) != 2 || nd_ndim(idx) != 2 ||
        nd_shape(targets)[0] != nd_shape(idx)[0] || nd_shape(targets)[1] != nd_shape(idx)[1]) {
        nd_set_last_error(ND_ERR_VALUE, "targets must have the shape of idx (B, T)");
        return NULL;
    }
    ag_tensor *logits = lm_head(m, hidden_states(m, idx, o));           /* (B*T, V) */
    nd_array *flat = nd_reshape(targets, 1, (int64_t[]){nd_size(targets)});
    ag_tensor *loss = !flat ? NULL
                    : o->composed ? ag_cross_entropy_composed(logits, flat, -100, 0.0)
                                  : ag_cross_entropy(logits, flat);
    nd_free(flat);
    return loss;
}
