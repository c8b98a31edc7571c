/*
 * The Transformer's parameters: configuration, GPT-2's initialization,
 * names, saving and loading. The forward pass is layers.c, the heads
 * heads.c.
 */
#include "transformer_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

transformer_config transformer_default_config(void)
{
    return (transformer_config){.vocab_size = 0,
                                .block_size = 64,
                                .n_layer = 4,
                                .n_head = 4,
                                .n_embd = 128,
                                .dropout = 0.0,
                                .pooling = TRANSFORMER_POOL_LAST};
}

int transformer_config_check(const transformer_config *c)
{
    if (!c)
        return nd_set_last_error(ND_ERR_VALUE, "no model configuration given");
    if (c->vocab_size < 1)
        return nd_set_last_error(ND_ERR_VALUE, "vocab_size must be at least 1 (got %lld)",
                                 (long long)c->vocab_size);
    if (c->n_layer > TRANSFORMER_MAX_LAYERS)
        return nd_set_last_error(ND_ERR_VALUE, "at most %d layers (got %d)", TRANSFORMER_MAX_LAYERS,
                                 c->n_layer);
    if (c->block_size < 1 || c->n_layer < 1 || c->n_head < 1 || c->n_embd < 1)
        return nd_set_last_error(ND_ERR_VALUE, "block, layers, heads and embd must all be "
                                               "positive");
    if (c->n_embd % c->n_head != 0)
        return nd_set_last_error(ND_ERR_VALUE, "n_embd (%lld) must be a multiple of n_head (%d)",
                                 (long long)c->n_embd, c->n_head);
    if (!(c->dropout >= 0 && c->dropout < 1))
        return nd_set_last_error(ND_ERR_VALUE, "dropout must be in [0, 1) (got %g)", c->dropout);
    if (c->num_classes < 0)
        return nd_set_last_error(ND_ERR_VALUE, "num_classes must be >= 0 (got %lld)",
                                 (long long)c->num_classes);
    if (c->pooling != TRANSFORMER_POOL_FIRST && c->pooling != TRANSFORMER_POOL_LAST &&
        c->pooling != TRANSFORMER_POOL_MEAN)
        return nd_set_last_error(ND_ERR_VALUE, "pooling must be first, last or mean");
    if (c->precision != TRANSFORMER_FLOAT32 && c->precision != TRANSFORMER_BF16)
        return nd_set_last_error(ND_ERR_VALUE, "precision must be float32 or bf16 (got %d)",
                                 (int)c->precision);
    return 0;
}

/* ---- parameters --------------------------------------------------------------- */

/* How add_param fills a parameter. */
typedef enum param_init {
    INIT_NORMAL, /* normal(0, std) from the model's generator */
    INIT_ZEROS,
    INIT_ONES,
} param_init;

/* Adds a parameter of the given shape, filled as `init` says. */
static ag_tensor *add_param(transformer_model *m, nd_rng *rng, const char *name, int ndim,
                            const int64_t *shape, param_init init, double std)
{
    if (m->ntensors == TRANSFORMER_MAX_TENSORS) {
        nd_set_last_error(ND_ERR_VALUE, "model too deep (more than %d tensors)",
                          TRANSFORMER_MAX_TENSORS);
        return NULL;
    }
    nd_array *value = init == INIT_NORMAL ? nd_rng_normal(rng, 0.0, std, ND_FLOAT32, ndim, shape)
                      : init == INIT_ONES ? nd_ones(ND_FLOAT32, ndim, shape)
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

transformer_model *transformer_new(const transformer_config *config, uint64_t seed)
{
    if (transformer_config_check(config) < 0)
        return NULL;
    transformer_model *m = calloc(1, sizeof *m);
    nd_rng *rng = nd_rng_new(seed);
    if (!m || !rng) {
        free(m);
        nd_rng_free(rng);
        nd_set_last_error(ND_ERR_MEMORY, "out of memory creating the model");
        return NULL;
    }
    m->config = *config;
    const int64_t C = config->n_embd, V = config->vocab_size;
    const double std = TRANSFORMER_INIT_STD,
                 residual_std = TRANSFORMER_INIT_STD / sqrt(2.0 * config->n_layer);
    bool ok = (m->wte = add_param(m, rng, "transformer.wte.weight", 2, (int64_t[]){V, C},
                                  INIT_NORMAL, std));
    if (ok && config->learned_positions)
        ok = (m->wpe = add_param(m, rng, "transformer.wpe.weight", 2,
                                 (int64_t[]){config->block_size, C}, INIT_NORMAL, std));
    for (int l = 0; ok && l < config->n_layer; l++) {
        transformer_block *b = &m->blocks[l];
        char name[TRANSFORMER_NAME_MAX];
#define PARAM(field, suffix, ndim, init, s, ...)                 \
    (snprintf(name, sizeof name, "transformer.h.%d." suffix, l), \
     (b->field = add_param(m, rng, name, ndim, (int64_t[]){__VA_ARGS__}, init, s)) != NULL)
        ok = PARAM(ln_1_weight, "ln_1.weight", 1, INIT_ONES, 0, C) &&
             PARAM(ln_1_bias, "ln_1.bias", 1, INIT_ZEROS, 0, C) &&
             PARAM(attn_weight, "attn.c_attn.weight", 2, INIT_NORMAL, std, 3 * C, C) &&
             PARAM(attn_bias, "attn.c_attn.bias", 1, INIT_ZEROS, 0, 3 * C) &&
             PARAM(attn_proj_weight, "attn.c_proj.weight", 2, INIT_NORMAL, residual_std, C, C) &&
             PARAM(attn_proj_bias, "attn.c_proj.bias", 1, INIT_ZEROS, 0, C) &&
             PARAM(ln_2_weight, "ln_2.weight", 1, INIT_ONES, 0, C) &&
             PARAM(ln_2_bias, "ln_2.bias", 1, INIT_ZEROS, 0, C) &&
             PARAM(fc_weight, "mlp.c_fc.weight", 2, INIT_NORMAL, std, 4 * C, C) &&
             PARAM(fc_bias, "mlp.c_fc.bias", 1, INIT_ZEROS, 0, 4 * C) &&
             PARAM(mlp_proj_weight, "mlp.c_proj.weight", 2, INIT_NORMAL, residual_std, C, 4 * C) &&
             PARAM(mlp_proj_bias, "mlp.c_proj.bias", 1, INIT_ZEROS, 0, C);
#undef PARAM
    }
    ok = ok &&
         (m->ln_f_weight =
              add_param(m, rng, "transformer.ln_f.weight", 1, (int64_t[]){C}, INIT_ONES, 0)) &&
         (m->ln_f_bias =
              add_param(m, rng, "transformer.ln_f.bias", 1, (int64_t[]){C}, INIT_ZEROS, 0));
    /* The classifier comes last, so that the body draws the same values
     * with or without it. */
    const int64_t K = config->num_classes;
    if (ok && K > 0)
        ok = (m->classifier_weight =
                  add_param(m, rng, "classifier.weight", 2, (int64_t[]){K, C}, INIT_NORMAL, std)) &&
             (m->classifier_bias =
                  add_param(m, rng, "classifier.bias", 1, (int64_t[]){K}, INIT_ZEROS, 0));
    if (ok && !config->learned_positions) {
        nd_array *pe = sinusoidal_positions(config->block_size, C);
        ok = pe && (m->positions = ag_const(pe));
        nd_free(pe);
    }
    nd_rng_free(rng);
    if (!ok) {
        transformer_free(m);
        return NULL;
    }
    return m;
}

void transformer_free(transformer_model *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->ntensors; i++) {
        ag_tensor_free(m->tensors[i]);
        nd_free(m->bf16_copy[i]);
    }
    ag_tensor_free(m->positions);
    free(m);
}

/* The accessors' guard: a NULL model is an error (ND_ERR_VALUE). */
static int null_model(const char *fn)
{
    return nd_set_last_error(ND_ERR_VALUE, "%s: model is NULL", fn);
}

/* The model forgets its bf16 copies (an optimizer holding them may go on
 * writing its own views; nothing reads them). */
static void drop_bf16_copies(transformer_model *m)
{
    for (int i = 0; i < m->ntensors; i++) {
        nd_free(m->bf16_copy[i]);
        m->bf16_copy[i] = NULL;
    }
}

int transformer_keep_bf16_copies(transformer_model *m, ag_optimizer *opt)
{
    if (!m)
        return null_model("transformer_keep_bf16_copies");
    if (!opt && m->config.precision != TRANSFORMER_BF16)
        return 0; /* inference in float32: nothing to cast */
    for (int i = 0; i < m->ntensors; i++) {
        const nd_array *value = ag_value(m->tensors[i]);
        int j = opt ? ag_optimizer_index(opt, m->tensors[i]) : 0;
        if (j < 0 || nd_ndim(value) != 2) /* not opt's, or not a product's operand */
            continue;
        nd_array *copy =
            m->bf16_copy[i] ? nd_view(m->bf16_copy[i]) : nd_empty(ND_BFLOAT16, 2, nd_shape(value));
        int status = !copy ? nd_last_status()
                     : opt ? ag_optimizer_set_copy(opt, j, copy)
                           : nd_copyto(copy, value, ND_CAST_SAME_KIND); /* nearest even */
        if (status < 0) {
            nd_free(copy);
            return nd_last_status();
        }
        if (m->bf16_copy[i])
            nd_free(copy);
        else
            m->bf16_copy[i] = copy;
    }
    return 0;
}

const transformer_config *transformer_get_config(const transformer_model *m)
{
    if (!m) {
        null_model("transformer_get_config");
        return NULL;
    }
    return &m->config;
}

int transformer_num_tensors(const transformer_model *m)
{
    return m ? m->ntensors : null_model("transformer_num_tensors");
}

int transformer_set_precision(transformer_model *m, transformer_precision precision)
{
    if (!m)
        return nd_set_last_error(ND_ERR_VALUE, "transformer_set_precision: model is NULL");
    if (precision != TRANSFORMER_FLOAT32 && precision != TRANSFORMER_BF16)
        return nd_set_last_error(ND_ERR_VALUE, "precision must be float32 or bf16 (got %d)",
                                 (int)precision);
    m->config.precision = precision;
    drop_bf16_copies(m);
    return 0;
}

ag_tensor *transformer_tensor(const transformer_model *m, int i, const char **name)
{
    if (!m) {
        null_model("transformer_tensor");
        return NULL;
    }
    if (i < 0 || i >= m->ntensors) {
        nd_set_last_error(ND_ERR_INDEX, "tensor index %d is out of range for a model of %d tensors",
                          i, m->ntensors);
        return NULL;
    }
    if (name)
        *name = m->names[i];
    return m->tensors[i];
}

int64_t transformer_num_parameters(const transformer_model *m)
{
    if (!m)
        return null_model("transformer_num_parameters");
    int64_t n = 0;
    for (int i = 0; i < m->ntensors; i++)
        n += nd_size(ag_value(m->tensors[i]));
    return n;
}


int transformer_save(const transformer_model *m, const char *path, int n_meta,
                     const char *const *meta)
{
    if (!m)
        return null_model("transformer_save");
    const char *names[TRANSFORMER_MAX_TENSORS];
    for (int i = 0; i < m->ntensors; i++)
        names[i] = m->names[i];
    return ag_save_params(path, m->ntensors, names, m->tensors, n_meta, meta);
}

int transformer_load(transformer_model *m, const char *path, bool skip_classifier)
{
    if (!m)
        return null_model("transformer_load");
    const char *names[TRANSFORMER_MAX_TENSORS];
    for (int i = 0; i < m->ntensors; i++)
        names[i] = m->names[i];
    /* The classifier's two tensors are the last two. */
    int n = m->ntensors - (skip_classifier && m->classifier_weight ? 2 : 0);
    drop_bf16_copies(m); /* the weights change outside any optimizer */
    return ag_load_params(path, n, names, m->tensors);
}
