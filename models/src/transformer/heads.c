/*
 * The heads on the final hidden states h = ln_f(x) (B*T, C): the tied LM
 * head at every position, the tied MLM head at the masked positions only,
 * and the sequence classifier; and BERT's masking of a batch.
 *
 * Why the MLM loss runs over the masked positions only: at an unmasked
 * position a bidirectional encoder sees the very token it would predict
 * (attention reaches every position, its own included), so predicting it
 * is copying, and a loss there teaches nothing about language. The masked
 * positions are the only ones whose answer is hidden; gathering their M
 * rows before the head also makes the largest matrix product of a small
 * model (C x V per row) about 1/mask_rate times cheaper.
 */
#include "transformer_internal.h"

#include <stdlib.h>

static const transformer_forward_options no_options;

static const transformer_forward_options *or_none(const transformer_forward_options *o)
{
    return o ? o : &no_options;
}

/* Cross-entropy, fused or composed as the options ask; rows whose target is
 * TRANSFORMER_IGNORE count for nothing. */
static ag_tensor *cross_entropy(const transformer_forward_options *o, ag_tensor *logits,
                                const nd_array *targets)
{
    return o->composed ? ag_cross_entropy_composed(logits, targets, TRANSFORMER_IGNORE, 0.0)
                       : ag_cross_entropy_ex(logits, targets, TRANSFORMER_IGNORE, 0.0);
}

/* The entry guard of every head: a NULL model is an error, not a crash. */
static bool no_model(const transformer_model *m, const char *fn)
{
    if (!m)
        nd_set_last_error(ND_ERR_VALUE, "%s: model is NULL", fn);
    return !m;
}

static int check_targets(const nd_array *idx, const nd_array *targets)
{
    if (!targets || !idx || nd_ndim(targets) != 2 || nd_ndim(idx) != 2 ||
        nd_shape(targets)[0] != nd_shape(idx)[0] || nd_shape(targets)[1] != nd_shape(idx)[1])
        return nd_set_last_error(ND_ERR_VALUE, "targets must have the shape of idx (B, T)");
    return 0;
}

ag_tensor *transformer_hidden(transformer_model *m, const nd_array *idx,
                              const transformer_forward_options *options)
{
    if (no_model(m, "transformer_hidden"))
        return NULL;
    return transformer_layers(m, idx, or_none(options), NULL);
}

ag_tensor *transformer_forward(transformer_model *m, const nd_array *idx,
                               const transformer_forward_options *options)
{
    if (no_model(m, "transformer_forward"))
        return NULL;
    ag_tensor *logits = transformer_lm_head(m, transformer_hidden(m, idx, options));
    if (!logits)
        return NULL;
    return ag_reshape(logits, 3,
                      (int64_t[]){nd_shape(idx)[0], nd_shape(idx)[1], m->config.vocab_size});
}

ag_tensor *transformer_lm_loss(transformer_model *m, const nd_array *idx, const nd_array *targets,
                               const transformer_forward_options *options)
{
    if (no_model(m, "transformer_lm_loss") || check_targets(idx, targets) < 0)
        return NULL;
    ag_tensor *logits = transformer_lm_head(m, transformer_hidden(m, idx, options)); /* (B*T, V) */
    nd_array *flat = nd_reshape(targets, 1, (int64_t[]){nd_size(targets)});
    ag_tensor *loss = flat && logits ? cross_entropy(or_none(options), logits, flat) : NULL;
    nd_free(flat);
    return loss;
}

/* ---- MLM ---------------------------------------------------------------------------- */

/* The flat indices (M,) of the chosen positions of targets (B, T), and
 * their targets (M,), both int64. */
static int masked_positions(const nd_array *targets, nd_array **rows, nd_array **wanted)
{
    *rows = *wanted = NULL;
    nd_array *t = nd_astype(targets, ND_INT64); /* a C-contiguous copy */
    if (!t)
        return ND_ERR_MEMORY;
    const int64_t *v = nd_data(t), n = nd_size(t);
    int64_t M = 0;
    for (int64_t i = 0; i < n; i++)
        M += v[i] != TRANSFORMER_IGNORE;
    if (M == 0) {
        nd_free(t);
        return nd_set_last_error(ND_ERR_VALUE, "no masked position in the batch");
    }
    *rows = nd_empty(ND_INT64, 1, &M);
    *wanted = nd_empty(ND_INT64, 1, &M);
    if (!*rows || !*wanted) {
        nd_free(*rows), nd_free(*wanted), nd_free(t);
        *rows = *wanted = NULL;
        return ND_ERR_MEMORY;
    }
    int64_t *r = nd_data(*rows), *w = nd_data(*wanted), k = 0;
    for (int64_t i = 0; i < n; i++)
        if (v[i] != TRANSFORMER_IGNORE) {
            r[k] = i;
            w[k++] = v[i];
        }
    nd_free(t);
    return 0;
}

/* Logits (M, V) at the chosen positions; *wanted gets their targets. */
static ag_tensor *mlm_logits(transformer_model *m, const nd_array *idx, const nd_array *targets,
                             const transformer_forward_options *o, nd_array **wanted)
{
    nd_array *rows = NULL;
    *wanted = NULL;
    if (no_model(m, "transformer_mlm_logits") || check_targets(idx, targets) < 0 ||
        masked_positions(targets, &rows, wanted) < 0)
        return NULL;
    ag_tensor *h = transformer_hidden(m, idx, o); /* (B*T, C) */
    /* Gather the M masked rows first, then the head: (M, C) @ wte^T. */
    ag_tensor *logits = transformer_lm_head(m, ag_take(h, rows, 0));
    nd_free(rows);
    if (!logits) {
        nd_free(*wanted);
        *wanted = NULL;
    }
    return logits;
}

ag_tensor *transformer_mlm_logits(transformer_model *m, const nd_array *idx, const nd_array *targets,
                                  const transformer_forward_options *options)
{
    nd_array *wanted;
    ag_tensor *logits = mlm_logits(m, idx, targets, or_none(options), &wanted);
    nd_free(wanted);
    return logits;
}

ag_tensor *transformer_mlm_loss(transformer_model *m, const nd_array *idx, const nd_array *targets,
                                const transformer_forward_options *options)
{
    nd_array *wanted;
    ag_tensor *logits = mlm_logits(m, idx, targets, or_none(options), &wanted);
    ag_tensor *loss = logits ? cross_entropy(or_none(options), logits, wanted) : NULL;
    nd_free(wanted);
    return loss;
}

int transformer_mlm_score(transformer_model *m, const nd_array *idx, const nd_array *targets,
                          const transformer_forward_options *options, double *loss_sum,
                          int64_t *correct, int64_t *count)
{
    if (!loss_sum || !correct || !count)
        return nd_set_last_error(ND_ERR_VALUE, "loss_sum, correct and count must not be NULL");
    nd_array *wanted = NULL, *best = NULL;
    ag_no_grad_begin();
    const transformer_forward_options *o = or_none(options);
    ag_tensor *logits = mlm_logits(m, idx, targets, o, &wanted);
    ag_tensor *loss = logits ? cross_entropy(o, logits, wanted) : NULL;
    best = logits ? nd_argmax(ag_value(logits), 1) : NULL;
    int status = loss && best ? 0 : -1;
    if (status == 0) {
        const int64_t M = nd_size(wanted), *w = nd_data(wanted), *p = nd_data(best);
        double mean;
        nd_get(ag_value(loss), NULL, &mean);
        *loss_sum = mean * (double)M;
        *count = M;
        *correct = 0;
        for (int64_t i = 0; i < M; i++)
            *correct += p[i] == w[i];
    }
    ag_no_grad_end();
    nd_free(wanted);
    nd_free(best);
    return status;
}

int transformer_mask_tokens(const nd_array *ids, double mask_rate, int64_t mask_id, int64_t pad_id,
                            int64_t random_below, nd_rng *rng, nd_array **input, nd_array **targets)
{
    if (!input || !targets)
        return nd_set_last_error(ND_ERR_VALUE, "input and targets must not be NULL");
    *input = *targets = NULL;
    if (!ids || nd_ndim(ids) != 2 || !rng)
        return nd_set_last_error(ND_ERR_VALUE,
                                 "ids must be a (B, T) array of token ids, with an rng");
    if (!(mask_rate > 0 && mask_rate < 1))
        return nd_set_last_error(ND_ERR_VALUE, "mask rate must be in (0, 1) (got %g)", mask_rate);
    if (random_below < 1)
        return nd_set_last_error(ND_ERR_VALUE, "random_below must be positive");
    const int64_t B = nd_shape(ids)[0], T = nd_shape(ids)[1];
    nd_array *x = nd_astype(ids, ND_INT64);
    nd_array *y = nd_full(ND_INT64, 2, (int64_t[]){B, T}, TRANSFORMER_IGNORE);
    /* Per position: u[0] chooses, u[1] picks the rule, u[2] the random id;
     * per row, one more draw picks the fallback position. */
    nd_array *u = nd_rng_random(rng, ND_FLOAT64, 3, (int64_t[]){B, T, 3});
    nd_array *fallback = nd_rng_random(rng, ND_FLOAT64, 1, &B);
    if (!x || !y || !u || !fallback) {
        nd_free(x), nd_free(y), nd_free(u), nd_free(fallback);
        return ND_ERR_MEMORY;
    }
    int64_t *px = nd_data(x), *py = nd_data(y);
    const double *pu = nd_data(u), *pf = nd_data(fallback);
    for (int64_t b = 0; b < B; b++) {
        int64_t *row = px + b * T, *want = py + b * T, real = 0, chosen = 0;
        for (int64_t t = 0; t < T; t++) {
            if (row[t] == pad_id)
                continue;
            real++;
            if (pu[(b * T + t) * 3] < mask_rate) {
                want[t] = row[t];
                chosen++;
            }
        }
        if (chosen == 0 && real > 0) { /* at least one per sequence */
            int64_t pick = (int64_t)(pf[b] * (double)real);
            for (int64_t t = 0; t < T; t++)
                if (row[t] != pad_id && pick-- == 0)
                    want[t] = row[t];
        }
        for (int64_t t = 0; t < T; t++) {
            if (want[t] == TRANSFORMER_IGNORE)
                continue;
            const double *r = pu + (b * T + t) * 3;
            // clang-format off
            if (r[1] < 0.8)
                row[t] = mask_id;                                   /* 80%: [MASK] */
            else if (r[1] < 0.9)
                row[t] = (int64_t)(r[2] * (double)random_below);   /* 10%: a random token */
        }                                                           /* 10%: unchanged */
        // clang-format on
    }
    nd_free(u);
    nd_free(fallback);
    *input = x;
    *targets = y;
    return 0;
}

/* ---- classification ------------------------------------------------------------------ */

/* The pooled rows (B, C) of h (B*T, C). */
static ag_tensor *pool(const transformer_model *m, ag_tensor *h, int64_t B, int64_t T,
                       const nd_array *padding)
{
    const bool *pad = NULL;
    nd_array *p = padding ? nd_astype(padding, ND_BOOL) : NULL; /* C-contiguous */
    if (padding && !p)
        return NULL;
    pad = p ? nd_data(p) : NULL;
    ag_tensor *out = NULL;
    if (m->config.pooling == TRANSFORMER_POOL_MEAN) {
        /* (B, 1, T) weights 1/len on the real tokens, @ h as (B, T, C). */
        nd_array *w = nd_zeros(ND_FLOAT32, 3, (int64_t[]){B, 1, T});
        if (w) {
            float *pw = nd_data(w);
            for (int64_t b = 0; b < B; b++) {
                int64_t len = 0;
                for (int64_t t = 0; t < T; t++)
                    len += !(pad && pad[b * T + t]);
                for (int64_t t = 0; t < T; t++)
                    pw[b * T + t] = pad && pad[b * T + t] ? 0.0f : 1.0f / (float)(len ? len : 1);
            }
            ag_tensor *wt = transformer_tape_constant(w);
            ag_tensor *h3 = ag_reshape(h, 3, (int64_t[]){B, T, m->config.n_embd});
            out = ag_reshape(ag_matmul(wt, h3), 2, (int64_t[]){B, m->config.n_embd});
        }
        nd_free(w);
    } else {
        /* One row per sequence: its first token, or its last real one. */
        nd_array *rows = nd_empty(ND_INT64, 1, &B);
        if (rows) {
            int64_t *r = nd_data(rows);
            for (int64_t b = 0; b < B; b++) {
                int64_t t = 0;
                if (m->config.pooling == TRANSFORMER_POOL_LAST)
                    for (t = T - 1; t > 0 && pad && pad[b * T + t]; t--)
                        ;
                r[b] = b * T + t;
            }
            out = ag_take(h, rows, 0);
        }
        nd_free(rows);
    }
    nd_free(p);
    return out;
}

ag_tensor *transformer_classify_logits(transformer_model *m, const nd_array *idx,
                                       const transformer_forward_options *options)
{
    if (no_model(m, "transformer_classify_logits"))
        return NULL;
    if (!m->classifier_weight) {
        nd_set_last_error(ND_ERR_VALUE, "the model has no classification head");
        return NULL;
    }
    const transformer_forward_options *o = or_none(options);
    ag_tensor *h = transformer_hidden(m, idx, o);
    if (!h)
        return NULL;
    ag_tensor *pooled = pool(m, h, nd_shape(idx)[0], nd_shape(idx)[1], o->padding);
    return transformer_linear(m, pooled, m->classifier_weight, m->classifier_bias);
}

ag_tensor *transformer_classify_probs(transformer_model *m, const nd_array *idx,
                                      const transformer_forward_options *options)
{
    return ag_softmax(transformer_classify_logits(m, idx, options), 1);
}

ag_tensor *transformer_classify_loss(transformer_model *m, const nd_array *idx,
                                     const nd_array *labels,
                                     const transformer_forward_options *options)
{
    if (!labels || !idx || nd_ndim(labels) != 1 || nd_ndim(idx) != 2 ||
        nd_shape(labels)[0] != nd_shape(idx)[0]) {
        nd_set_last_error(ND_ERR_VALUE, "labels must be a (B,) array for idx (B, T)");
        return NULL;
    }
    ag_tensor *logits = transformer_classify_logits(m, idx, options);
    return logits ? cross_entropy(or_none(options), logits, labels) : NULL;
}
