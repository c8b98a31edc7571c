/*
 * Generation: the model's own forward pass (layers.c) run under no-grad,
 * one chunk of new tokens at a time, with a KV cache; sampling from the
 * logits; and the generation loop.
 *
 * Training recomputes attention over the whole sequence; generating token
 * t+1 that way would redo all t previous positions every step (cost growing
 * with the prompt). Here every layer keeps the keys and values of the
 * positions already seen, K, V (H, block, D), so a new token computes its
 * own q, k, v, appends k and v, and attends over the cache: one position of
 * work per token. This file holds only that bookkeeping; the layers that
 * compute q, k, v and the attention are the training code's.
 */
#include "transformer_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct transformer_kv_cache {
    int n_layer;
    int64_t length; /* positions filled */
    nd_array *keys[TRANSFORMER_MAX_LAYERS]; /* (H, block, D) float32 */
    nd_array *values[TRANSFORMER_MAX_LAYERS];
};

transformer_kv_cache *transformer_kv_cache_new(const transformer_model *m)
{
    if (!m) {
        nd_set_last_error(ND_ERR_VALUE, "transformer_kv_cache_new: model is NULL");
        return NULL;
    }
    const transformer_config *c = &m->config;
    if (c->bidirectional) {
        nd_set_last_error(ND_ERR_VALUE, "a KV cache needs a causal model (this one is "
                                        "bidirectional)");
        return NULL;
    }
    transformer_kv_cache *cache = calloc(1, sizeof *cache);
    if (!cache) {
        nd_set_last_error(ND_ERR_MEMORY, "out of memory for the KV cache");
        return NULL;
    }
    cache->n_layer = c->n_layer;
    const int64_t shape[3] = {c->n_head, c->block_size, c->n_embd / c->n_head};
    for (int l = 0; l < c->n_layer; l++) {
        cache->keys[l] = nd_zeros(ND_FLOAT32, 3, shape);
        cache->values[l] = nd_zeros(ND_FLOAT32, 3, shape);
        if (!cache->keys[l] || !cache->values[l]) {
            transformer_kv_cache_free(cache);
            return NULL;
        }
    }
    return cache;
}

void transformer_kv_cache_free(transformer_kv_cache *cache)
{
    if (!cache)
        return;
    for (int l = 0; l < cache->n_layer; l++) {
        nd_free(cache->keys[l]);
        nd_free(cache->values[l]);
    }
    free(cache);
}

int64_t transformer_kv_cache_length(const transformer_kv_cache *cache)
{
    return cache ? cache->length
                 : nd_set_last_error(ND_ERR_VALUE, "transformer_kv_cache_length: cache is NULL");
}

void transformer_kv_cache_clear(transformer_kv_cache *cache)
{
    if (cache)
        cache->length = 0;
}

nd_array *transformer_kv_cache_feed(transformer_model *m, transformer_kv_cache *cache,
                                    const int32_t *tokens, int64_t n)
{
    if (!m || !cache || n < 1 || !tokens) {
        nd_set_last_error(ND_ERR_VALUE, "feed at least one token to a model and its cache");
        return NULL;
    }
    nd_array *idx = nd_from_data(ND_INT32, 2, (const int64_t[]){1, n}, tokens);
    if (!idx)
        return NULL;
    transformer_cache_view view = {cache->keys, cache->values, cache->length};
    ag_no_grad_begin();
    ag_tensor *h = transformer_layers(m, idx, NULL, &view); /* (n, C) */
    /* Only the last position's logits are needed: h[-1] @ wte^T. */
    ag_tensor *logits = transformer_lm_head(m, ag_slice(h, 0, n - 1, n, 1)); /* (1, V) */
    nd_array *row =
        logits ? nd_reshape(ag_value(logits), 1, (const int64_t[]){m->config.vocab_size}) : NULL;
    nd_array *out = row ? nd_copy(row) : NULL;
    ag_no_grad_end();
    ag_tape_reset();
    nd_free(row);
    nd_free(idx);
    if (out)
        cache->length += n;
    return out;
}

/* ---- sampling ----------------------------------------------------------------------- */

typedef struct scored {
    float logit;
    int32_t id;
} scored;

static int by_logit_descending(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->logit != y->logit)
        return x->logit < y->logit ? 1 : -1;
    return x->id - y->id; /* ties: lower id first, so sampling is deterministic */
}

int transformer_sample(const nd_array *logits, double temperature, int64_t top_k, double top_p,
                       nd_rng *rng, int32_t *token)
{
    if (!logits || nd_ndim(logits) != 1 || nd_size(logits) < 1 || !token)
        return nd_set_last_error(ND_ERR_VALUE, "sample: logits must be a non-empty (V,) array");
    if (!(temperature >= 0) || top_k < 0 || !(top_p > 0 && top_p <= 1))
        return nd_set_last_error(ND_ERR_VALUE, "sample: temperature >= 0, top_k >= 0 and top_p "
                                               "in (0, 1] are required");
    if (temperature > 0 && !rng)
        return nd_set_last_error(ND_ERR_VALUE, "sample: an rng is required when temperature > 0");
    int64_t V = nd_size(logits);
    nd_array *f = nd_astype(logits, ND_FLOAT32);
    scored *s = f ? malloc((size_t)V * sizeof *s) : NULL;
    if (!s) {
        nd_free(f);
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory sampling");
    }
    const float *l = nd_data(f);
    for (int64_t i = 0; i < V; i++)
        s[i] = (scored){l[i], (int32_t)i};
    nd_free(f);
    qsort(s, (size_t)V, sizeof *s, by_logit_descending);
    if (temperature == 0) { /* greedy */
        *token = s[0].id;
        free(s);
        return 0;
    }
    int64_t keep = top_k > 0 && top_k < V ? top_k : V;
    /* Probabilities of the kept logits at this temperature (max first). */
    double total = 0;
    double *prob = malloc((size_t)keep * sizeof *prob);
    if (!prob) {
        free(s);
        return nd_set_last_error(ND_ERR_MEMORY, "out of memory sampling");
    }
    for (int64_t i = 0; i < keep; i++) {
        prob[i] = exp(((double)s[i].logit - (double)s[0].logit) / temperature);
        total += prob[i];
    }
    /* top-p: the smallest prefix whose probability reaches top_p. */
    double cumulative = 0;
    int64_t nucleus = keep;
    for (int64_t i = 0; i < keep; i++) {
        cumulative += prob[i] / total;
        if (cumulative >= top_p) {
            nucleus = i + 1;
            break;
        }
    }
    double mass = 0;
    for (int64_t i = 0; i < nucleus; i++)
        mass += prob[i];
    nd_array *u = nd_rng_random(rng, ND_FLOAT64, 0, NULL);
    double target = u ? *(double *)nd_data(u) * mass : 0;
    nd_free(u);
    int32_t chosen = s[nucleus - 1].id;
    for (int64_t i = 0; i < nucleus; i++) {
        target -= prob[i];
        if (target < 0) {
            chosen = s[i].id;
            break;
        }
    }
    *token = chosen;
    free(prob);
    free(s);
    return 0;
}

int transformer_generate(transformer_model *m, const int32_t *prompt, int64_t n_prompt,
                         int64_t n_new, const transformer_generate_options *options, nd_rng *rng,
                         int32_t **out)
{
    if (!out)
        return nd_set_last_error(ND_ERR_VALUE, "generate: out must not be NULL");
    *out = NULL;
    if (!m || !prompt || n_prompt < 1 || n_new < 0 || !rng)
        return nd_set_last_error(ND_ERR_VALUE, "generate: a model, a prompt of at least one "
                                               "token, n_new >= 0 and an rng are required");
    transformer_generate_options o =
        options ? *options : (transformer_generate_options){0.8, 0, 1.0};
    if (o.top_p == 0)
        o.top_p = 1.0;
    const int64_t block = m->config.block_size;
    /* The context: the prompt, then the generated tokens. */
    int32_t *all = malloc((size_t)(n_prompt + n_new + 1) * sizeof *all);
    transformer_kv_cache *cache = all ? transformer_kv_cache_new(m) : NULL;
    if (!cache) {
        free(all);
        return all ? -1 : nd_set_last_error(ND_ERR_MEMORY, "out of memory generating");
    }
    memcpy(all, prompt, (size_t)n_prompt * sizeof *all);
    int64_t n = n_prompt;
    int status = 0;
    /* Feed the prompt (its last `block` tokens at most). */
    int64_t first = n > block ? n - block : 0;
    nd_array *logits =
        n_new > 0 ? transformer_kv_cache_feed(m, cache, all + first, n - first) : NULL;
    for (int64_t i = 0; i < n_new; i++) {
        int32_t next;
        if (!logits || transformer_sample(logits, o.temperature, o.top_k, o.top_p, rng, &next) < 0) {
            status = -1;
            break;
        }
        nd_free(logits);
        logits = NULL;
        all[n++] = next;
        if (i + 1 == n_new)
            break;
        if (transformer_kv_cache_length(cache) == block) { /* slide: keep the last half block */
            transformer_kv_cache_clear(cache);
            int64_t keep = block / 2 > 0 ? block / 2 : 1;
            logits = transformer_kv_cache_feed(m, cache, all + n - keep, keep);
        } else {
            logits = transformer_kv_cache_feed(m, cache, all + n - 1, 1);
        }
    }
    nd_free(logits);
    transformer_kv_cache_free(cache);
    if (status < 0) {
        free(all);
        return status;
    }
    /* The generated ids, moved to the front. */
    memmove(all, all + n_prompt, (size_t)n_new * sizeof *all);
    *out = all;
    return 0;
}
