/*
 * Generation: the same model run for inference, one chunk of new tokens at
 * a time, with a KV cache; and sampling from the logits.
 *
 * Training recomputes attention over the whole sequence; generating token
 * t+1 that way would redo all t previous positions every step (cost growing
 * with the prompt). Here every layer keeps the keys and values of the
 * positions already seen, K, V (H, block, D), so a new token computes its
 * own q, k, v, appends k and v, and attends over the cache: one position of
 * work per token. No tape is involved: this is plain libnd on the
 * parameters' values, as the original NumPy project's inference was.
 */
#include "gpt_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct gpt_kv_cache {
    int n_layer;
    int64_t length;                  /* positions filled */
    nd_array *keys[GPT_MAX_LAYERS];   /* (H, block, D) float32 */
    nd_array *values[GPT_MAX_LAYERS];
};

gpt_kv_cache *gpt_kv_cache_new(const gpt_model *m)
{
    const gpt_config *c = &m->config;
    gpt_kv_cache *cache = calloc(1, sizeof *cache);
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
            gpt_kv_cache_free(cache);
            return NULL;
        }
    }
    return cache;
}

void gpt_kv_cache_free(gpt_kv_cache *cache)
{
    if (!cache)
        return;
    for (int l = 0; l < cache->n_layer; l++) {
        nd_free(cache->keys[l]);
        nd_free(cache->values[l]);
    }
    free(cache);
}

int64_t gpt_kv_cache_length(const gpt_kv_cache *cache) { return cache->length; }
void gpt_kv_cache_clear(gpt_kv_cache *cache) { cache->length = 0; }

/* ---- small layers on plain arrays (rows of x are (n, C), float32) ------------------- */

/* y = (x - mean) / sqrt(var + eps) * w + b over each row, in place. */
static void layer_norm_rows(nd_array *x, const nd_array *w, const nd_array *b)
{
    int64_t n = nd_shape(x)[0], C = nd_shape(x)[1];
    float *p = nd_data(x);
    const float *g = nd_data(w), *beta = nd_data(b);
    for (int64_t i = 0; i < n; i++, p += C) {
        double mean = 0, var = 0;
        for (int64_t j = 0; j < C; j++)
            mean += p[j];
        mean /= (double)C;
        for (int64_t j = 0; j < C; j++)
            var += (p[j] - mean) * (p[j] - mean);
        float rstd = (float)(1.0 / sqrt(var / (double)C + 1e-5));
        for (int64_t j = 0; j < C; j++)
            p[j] = (float)(p[j] - mean) * rstd * g[j] + beta[j];
    }
}

/* GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), in place. */
static void gelu_inplace(nd_array *x)
{
    float *p = nd_data(x);
    for (int64_t i = 0; i < nd_size(x); i++) {
        float v = p[i];
        p[i] = 0.5f * v * (1.0f + tanhf(0.7978845608f * (v + 0.044715f * v * v * v)));
    }
}

/* x @ W^T + b for x (n, in), W (out, in): a new (n, out) array. */
static nd_array *linear(const nd_array *x, const ag_tensor *w, const ag_tensor *b)
{
    nd_array *wt = nd_transpose(ag_value(w), NULL);
    nd_array *y = wt ? nd_matmul(x, wt) : NULL;
    if (y && nd_add_out(y, ag_value(b), y) < 0) {
        nd_free(y);
        y = NULL;
    }
    nd_free(wt);
    return y;
}

/* Adds linear(h) into x (a residual branch), freeing h. */
static int add_branch(nd_array *x, nd_array *h, const ag_tensor *w, const ag_tensor *b)
{
    nd_array *y = h ? linear(h, w, b) : NULL;
    int status = y ? nd_add_out(x, y, x) : ND_ERR_MEMORY;
    nd_free(h);
    nd_free(y);
    return status;
}

/* Softmax over the last axis of s (H, n, L), in place, after masking keys
 * past each query's position (query i sits at position p + i). */
static void masked_softmax(nd_array *s, int64_t p)
{
    int64_t H = nd_shape(s)[0], n = nd_shape(s)[1], L = nd_shape(s)[2];
    float *row = nd_data(s);
    for (int64_t h = 0; h < H; h++)
        for (int64_t i = 0; i < n; i++, row += L) {
            int64_t visible = p + i + 1;
            float max = -INFINITY;
            for (int64_t j = 0; j < visible; j++)
                max = row[j] > max ? row[j] : max;
            float sum = 0;
            for (int64_t j = 0; j < L; j++) {
                row[j] = j < visible ? expf(row[j] - max) : 0.0f;
                sum += row[j];
            }
            for (int64_t j = 0; j < visible; j++)
                row[j] /= sum;
        }
}

/* Attention of the n new positions at p..p+n-1 over the cache; h (n, C) is
 * ln_1's output; returns (n, C). */
static nd_array *cached_attention(const gpt_model *m, gpt_kv_cache *cache, int l, const nd_array *h,
                                  int64_t p)
{
    const gpt_config *c = &m->config;
    const gpt_block *b = &m->blocks[l];
    const int64_t n = nd_shape(h)[0], C = c->n_embd, H = c->n_head, D = C / H, L = p + n;
    nd_array *qkv = linear(h, b->attn_weight, b->attn_bias);       /* (n, 3C) */
    nd_array *parts[3] = {0}, *scores = NULL, *y = NULL, *merged = NULL;
    nd_array *kc = NULL, *vc = NULL, *kt = NULL, *dst = NULL, *scale = NULL;
    int status = qkv ? 0 : ND_ERR_MEMORY;
    /* q, k, v: (n, C) -> (n, H, D) -> (H, n, D) views of qkv. */
    for (int i = 0; i < 3 && status == 0; i++) {
        nd_array *slice = nd_slice(qkv, 1, i * C, (i + 1) * C, 1);
        nd_array *split = slice ? nd_reshape(slice, 3, (const int64_t[]){n, H, D}) : NULL;
        parts[i] = split ? nd_transpose(split, (const int[]){1, 0, 2}) : NULL;
        nd_free(slice);
        nd_free(split);
        status = parts[i] ? 0 : ND_ERR_MEMORY;
    }
    /* Append k and v at positions p..p+n-1 of the cache. */
    for (int i = 1; i < 3 && status == 0; i++) {
        nd_array *cached = i == 1 ? cache->keys[l] : cache->values[l];
        dst = nd_slice(cached, 1, p, p + n, 1);
        status = dst ? nd_copyto(dst, parts[i], ND_CAST_SAME_KIND) : ND_ERR_MEMORY;
        nd_free(dst);
        dst = NULL;
    }
    if (status == 0) {
        /* scores = q K^T / sqrt(D) over the L visible positions: (H, n, L) */
        kc = nd_slice(cache->keys[l], 1, 0, L, 1);
        vc = nd_slice(cache->values[l], 1, 0, L, 1);
        kt = kc ? nd_swapaxes(kc, 1, 2) : NULL;
        scores = kt ? nd_matmul(parts[0], kt) : NULL;
        scale = nd_scalar(ND_FLOAT32, 1.0 / sqrt((double)D));
        status = scores && scale ? nd_multiply_out(scores, scale, scores) : ND_ERR_MEMORY;
    }
    if (status == 0) {
        masked_softmax(scores, p);
        y = nd_matmul(scores, vc);                                   /* (H, n, D) */
        nd_array *yt = y ? nd_transpose(y, (const int[]){1, 0, 2}) : NULL;   /* (n, H, D) */
        merged = yt ? nd_reshape(yt, 2, (const int64_t[]){n, C}) : NULL;     /* copy */
        nd_free(yt);
    }
    nd_array *all[] = {qkv, parts[0], parts[1], parts[2], scores, y, kc, vc, kt, scale};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        nd_free(all[i]);
    return merged;
}

nd_array *gpt_feed(gpt_model *m, gpt_kv_cache *cache, const int32_t *tokens, int64_t n)
{
    const gpt_config *c = &m->config;
    int64_t p = cache->length;
    if (n < 1 || !tokens) {
        nd_set_last_error(ND_ERR_VALUE, "feed at least one token");
        return NULL;
    }
    if (p + n > c->block_size) {
        nd_set_last_error(ND_ERR_VALUE, "Cannot forward sequence of length %lld, block size is "
                          "only %lld", (long long)(p + n), (long long)c->block_size);
        return NULL;
    }
    for (int64_t i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= c->vocab_size) {
            nd_set_last_error(ND_ERR_INDEX, "token id %d out of range for a vocabulary of %lld",
                              tokens[i], (long long)c->vocab_size);
            return NULL;
        }
    /* x = wte[tokens] + pos[p : p + n]   (n, C) */
    nd_array *ids = nd_from_data(ND_INT32, 1, (const int64_t[]){n}, tokens);
    nd_array *x = ids ? nd_take(ag_value(m->wte), ids, 0) : NULL;
    nd_array *pos = nd_slice(ag_value(c->learned_positions ? m->wpe : m->positions), 0, p, p + n, 1);
    /* As in training: token vectors scaled by sqrt(C) next to the sinusoids. */
    nd_array *scale = nd_scalar(ND_FLOAT32, c->learned_positions ? 1.0 : sqrt((double)c->n_embd));
    int status = x && pos && scale ? nd_multiply_out(x, scale, x) : ND_ERR_MEMORY;
    if (status == 0)
        status = nd_add_out(x, pos, x);
    nd_free(scale);
    nd_free(ids);
    nd_free(pos);
    for (int l = 0; l < c->n_layer && status == 0; l++) {
        const gpt_block *b = &m->blocks[l];
        if (c->post_ln) {
            nd_array *h = nd_copy(x);
            nd_array *a = h ? cached_attention(m, cache, l, h, p) : NULL;
            status = a ? add_branch(x, a, b->attn_proj_weight, b->attn_proj_bias) : ND_ERR_MEMORY;
            nd_free(h);
            if (status == 0)
                layer_norm_rows(x, ag_value(b->ln_1_weight), ag_value(b->ln_1_bias));
            nd_array *up = status == 0 ? linear(x, b->fc_weight, b->fc_bias) : NULL;
            if (up)
                gelu_inplace(up);
            status = status == 0 && up ? add_branch(x, up, b->mlp_proj_weight, b->mlp_proj_bias)
                                       : ND_ERR_MEMORY;
            if (status == 0)
                layer_norm_rows(x, ag_value(b->ln_2_weight), ag_value(b->ln_2_bias));
            continue;
        }
        nd_array *h = nd_copy(x);
        if (h)
            layer_norm_rows(h, ag_value(b->ln_1_weight), ag_value(b->ln_1_bias));
        nd_array *a = h ? cached_attention(m, cache, l, h, p) : NULL;
        nd_free(h);
        status = a ? add_branch(x, a, b->attn_proj_weight, b->attn_proj_bias) : ND_ERR_MEMORY;
        h = status == 0 ? nd_copy(x) : NULL;
        if (h)
            layer_norm_rows(h, ag_value(b->ln_2_weight), ag_value(b->ln_2_bias));
        nd_array *up = h ? linear(h, b->fc_weight, b->fc_bias) : NULL;
        nd_free(h);
        if (up)
            gelu_inplace(up);
        status = up ? add_branch(x, up, b->mlp_proj_weight, b->mlp_proj_bias) : ND_ERR_MEMORY;
    }
    nd_array *logits = NULL;
    if (status == 0) {
        /* Only the last position's logits are needed: ln_f(x[-1]) @ wte^T. */
        nd_array *last = nd_slice(x, 0, n - 1, n, 1);
        nd_array *h = last ? nd_copy(last) : NULL;
        if (h)
            layer_norm_rows(h, ag_value(m->ln_f_weight), ag_value(m->ln_f_bias));
        nd_array *wt = nd_transpose(ag_value(m->wte), NULL);
        nd_array *row = h && wt ? nd_matmul(h, wt) : NULL;               /* (1, V) */
        logits = row ? nd_reshape(row, 1, (const int64_t[]){c->vocab_size}) : NULL;
        nd_free(last);
        nd_free(h);
        nd_free(wt);
        nd_free(row);
        if (logits)
            cache->length = p + n;
    }
    nd_free(x);
    return logits;
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
    return x->id - y->id;   /* ties: lower id first, so sampling is deterministic */
}

int gpt_sample(const nd_array *logits, double temperature, int64_t top_k, double top_p,
               nd_rng *rng, int32_t *token)
{
    if (!logits || nd_ndim(logits) != 1 || nd_size(logits) < 1 || !token)
        return nd_set_last_error(ND_ERR_VALUE, "sample: logits must be a non-empty (V,) array");
    if (!(temperature >= 0) || top_k < 0 || !(top_p > 0 && top_p <= 1))
        return nd_set_last_error(ND_ERR_VALUE, "sample: temperature >= 0, top_k >= 0 and top_p "
                                 "in (0, 1] are required");
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
    if (temperature == 0) {   /* greedy */
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
