/*
 * The Transformer: parity with PyTorch for the decoder (LM), the encoder
 * (MLM head at the masked positions) and the classifier (first, last and
 * mean pooling over padded rows): same weights -> same loss and gradients,
 * same losses over 10 AdamW steps. Fused vs composed paths, the KV cache
 * against a full forward, BERT's masking rule, sampling, bad input; bf16
 * mixed precision (the casts it records, a loss curve that tracks
 * float32's).
 */
#include "test_util.h"

#include <transformer.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static transformer_config small_config(void)
{
    transformer_config c = transformer_default_config();
    c.vocab_size = 29;
    c.block_size = 16;
    c.n_layer = 2;
    c.n_head = 2;
    c.n_embd = 32;
    return c;
}

/* steps batches of (B, T) random ids in [0, V). */
static nd_array *random_ids(uint64_t seed, int64_t steps, int64_t B, int64_t T, int64_t V)
{
    nd_rng *rng = nd_rng_new(seed);
    nd_array *a = nd_rng_integers(rng, 0, V, false, ND_INT64, 3, (int64_t[]){steps, B, T});
    nd_rng_free(rng);
    return a;
}

static nd_array *batch(const nd_array *all, int64_t i)
{
    nd_array *s = nd_slice(all, 0, i, i + 1, 1);
    nd_array *b = nd_squeeze(s, 1, (int[]){0});
    nd_free(s);
    return b;
}

static double scalar(const ag_tensor *t)
{
    double v;
    ck_assert_int_eq(nd_get(ag_value(t), NULL, &v), 0);
    return v;
}

/* max |a - b| / (max |b| + tiny): a relative error of the whole array. */
static double relative_error(const nd_array *a, const nd_array *b)
{
    nd_array *d = nd_subtract(a, b);
    nd_array *ad = nd_absolute(d), *ab = nd_absolute(b);
    nd_array *md = nd_max(ad, 0, NULL, false), *mb = nd_max(ab, 0, NULL, false);
    double x, y;
    nd_get(md, NULL, &x);
    nd_get(mb, NULL, &y);
    nd_array *all[] = {d, ad, ab, md, mb};
    for (int i = 0; i < 5; i++)
        nd_free(all[i]);
    return x / (y + 1e-30);
}

/* x (steps, B, T) ids, and for each head its targets and padding:
 *   lm        y: random next tokens (B, T)
 *   mlm       x corrupted by BERT's rule, y the targets, -100 unmasked
 *   classify  y: labels (B,) in [0, K); padding: rows of random length */
typedef struct batches {
    nd_array *x, *y, *padding;
} batches;

static batches make_batches(const transformer_config *c, const char *head, int64_t steps, int64_t B,
                            int64_t T)
{
    batches d = {random_ids(1, steps, B, T, c->vocab_size), NULL, NULL};
    if (strcmp(head, "lm") == 0) {
        d.y = random_ids(2, steps, B, T, c->vocab_size);
    } else if (strcmp(head, "mlm") == 0) {
        /* Token V-1 plays [MASK]; random replacements below V-1. */
        nd_rng *rng = nd_rng_new(3);
        nd_array *flat = nd_reshape(d.x, 2, (int64_t[]){steps * B, T}), *in, *tg;
        ck_assert_int_eq(transformer_mask_tokens(flat, 0.25, c->vocab_size - 1, -1,
                                                 c->vocab_size - 1, rng, &in, &tg),
                         0);
        nd_free(d.x);
        d.x = nd_reshape(in, 3, (int64_t[]){steps, B, T});
        d.y = nd_reshape(tg, 3, (int64_t[]){steps, B, T});
        nd_free(flat), nd_free(in), nd_free(tg), nd_rng_free(rng);
    } else {
        nd_rng *rng = nd_rng_new(4);
        d.y = nd_rng_integers(rng, 0, c->num_classes, false, ND_INT64, 2, (int64_t[]){steps, B});
        nd_array *len = nd_rng_integers(rng, 1, T + 1, false, ND_INT64, 2, (int64_t[]){steps, B});
        d.padding = nd_zeros(ND_BOOL, 3, (int64_t[]){steps, B, T});
        bool *pad = nd_data(d.padding);
        const int64_t *l = nd_data(len);
        for (int64_t r = 0; r < steps * B; r++)
            for (int64_t t = l[r]; t < T; t++)
                pad[r * T + t] = true;
        nd_free(len);
        nd_rng_free(rng);
    }
    return d;
}

/* nanoGPT's AdamW groups (betas 0.9, 0.99): weight decay 0.1 on the
 * matrices, none on the vectors. */
static void nanogpt_adamw(int n, ag_tensor **params, double lr, ag_optimizer **decay,
                          ag_optimizer **plain)
{
    ag_tensor *matrices[TRANSFORMER_MAX_TENSORS], *vectors[TRANSFORMER_MAX_TENSORS];
    int nm = 0, nv = 0;
    for (int i = 0; i < n; i++) {
        if (nd_ndim(ag_value(params[i])) >= 2)
            matrices[nm++] = params[i];
        else
            vectors[nv++] = params[i];
    }
    *decay = ag_adamw_new(nm, matrices, lr, 0.9, 0.99, 1e-8, 0.1);
    *plain = ag_adamw_new(nv, vectors, lr, 0.9, 0.99, 1e-8, 0.0);
    ck_assert(*decay && *plain);
}

static ag_tensor *loss_of(transformer_model *m, const char *head, const batches *d, int64_t i)
{
    nd_array *x = batch(d->x, i), *y = batch(d->y, i),
             *pad = d->padding ? batch(d->padding, i) : NULL;
    transformer_forward_options o = {.padding = pad};
    ag_tensor *loss = strcmp(head, "lm") == 0    ? transformer_lm_loss(m, x, y, &o)
                      : strcmp(head, "mlm") == 0 ? transformer_mlm_loss(m, x, y, &o)
                                                 : transformer_classify_loss(m, x, y, &o);
    ck_assert_msg(loss != NULL, "%s", nd_last_error());
    nd_free(x), nd_free(y), nd_free(pad);
    return loss;
}

/* The same weights and batches in Shannon and in a PyTorch twin
 * (transformer_torch.py): the same loss and every gradient to 1e-4, and
 * ten AdamW steps with the same losses. */
static void check_parity(const transformer_config *c, const char *head, const char *pooling)
{
    if (!test_python_has("torch"))
        test_skip("torch cannot be imported");
    transformer_model *m = transformer_new(c, 7);
    ck_assert_ptr_nonnull(m);
    char *dir = test_make_tmpdir("transformer");
    char path[4096];
    /* The weights, the batches and the shape, for the PyTorch twin. */
    int n = transformer_num_tensors(m);
    const char *names[TRANSFORMER_MAX_TENSORS];
    ag_tensor *params[TRANSFORMER_MAX_TENSORS];
    for (int i = 0; i < n; i++)
        params[i] = transformer_tensor(m, i, &names[i]);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    ck_assert_int_eq(transformer_save(m, path, 0, NULL), 0);
    const int64_t steps = 10, B = 3, T = 16;
    batches d = make_batches(c, head, steps, B, T);
    snprintf(path, sizeof path, "%s/x.npy", dir);
    ck_assert_int_eq(nd_save_npy(path, d.x), 0);
    snprintf(path, sizeof path, "%s/y.npy", dir);
    ck_assert_int_eq(nd_save_npy(path, d.y), 0);
    if (d.padding) {
        snprintf(path, sizeof path, "%s/padding.npy", dir);
        ck_assert_int_eq(nd_save_npy(path, d.padding), 0);
    }
    snprintf(path, sizeof path, "%s/config.txt", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "%lld %lld %d %d %lld %d %s %s %d %d %d\n", (long long)c->vocab_size,
            (long long)c->block_size, c->n_layer, c->n_head, (long long)c->n_embd,
            (int)c->bidirectional, head, pooling, (int)c->post_ln, (int)c->no_attention_scale,
            (int)c->no_residual);
    fclose(f);
    ck_assert_int_eq(test_run_python("transformer_torch.py", dir, NULL), 0);

    /* One batch: the loss and every parameter's gradient. */
    ag_tensor *loss = loss_of(m, head, &d, 0);
    ck_assert_int_eq(ag_backward(loss), 0);
    snprintf(path, sizeof path, "%s/loss0.npy", dir);
    nd_array *torch_loss = nd_load_npy(path);
    double want;
    nd_get(torch_loss, NULL, &want);
    ck_assert_msg(fabs(scalar(loss) - want) <= 1e-4 * fabs(want), "loss %.7f, torch %.7f",
                  scalar(loss), want);
    snprintf(path, sizeof path, "%s/grads.safetensors", dir);
    nd_safetensors *grads = nd_safetensors_load(path);
    ck_assert_ptr_nonnull(grads);
    for (int i = 0; i < n; i++) {
        nd_array *g = nd_safetensors_get(grads, names[i]);
        ck_assert_ptr_nonnull(g);
        ck_assert_ptr_nonnull(ag_grad(params[i]));
        double err = relative_error(ag_grad(params[i]), g);
        ck_assert_msg(err < 1e-4, "%s: gradient of %s: relative error %g", head, names[i], err);
        nd_free(g);
    }
    nd_safetensors_free(grads);
    ag_tape_reset();

    /* Ten AdamW steps on the same batches give the same losses. */
    for (int i = 0; i < n; i++)
        ag_zero_grad(params[i]);
    ag_optimizer *o1, *o2;
    nanogpt_adamw(n, params, 1e-3, &o1, &o2);
    snprintf(path, sizeof path, "%s/losses.npy", dir);
    nd_array *torch_losses = nd_load_npy(path);
    for (int64_t s = 0; s < steps; s++) {
        ag_tensor *l = loss_of(m, head, &d, s);
        ck_assert_int_eq(ag_backward(l), 0);
        ck_assert_int_eq(ag_optimizer_step(o1), 0);
        ck_assert_int_eq(ag_optimizer_step(o2), 0);
        ag_optimizer_zero_grad(o1);
        ag_optimizer_zero_grad(o2);
        double w;
        nd_get(torch_losses, &s, &w);
        ck_assert_msg(fabs(scalar(l) - w) <= 1e-4 * fabs(w), "%s step %lld: loss %.7f, torch %.7f",
                      head, (long long)s, scalar(l), w);
        ag_tape_reset();
    }
    ag_optimizer_free(o1);
    ag_optimizer_free(o2);
    nd_free(torch_losses);
    nd_free(torch_loss);
    nd_free(d.x), nd_free(d.y), nd_free(d.padding);
    transformer_free(m);
    test_remove_tree(dir);
    free(dir);
}

START_TEST(test_decoder_matches_pytorch)
{
    transformer_config c = small_config();
    check_parity(&c, "lm", "last");
}
END_TEST

START_TEST(test_encoder_mlm_matches_pytorch)
{
    transformer_config c = small_config();
    c.bidirectional = true;
    check_parity(&c, "mlm", "first");
}
END_TEST

/* Classifiers: an encoder over its first token, a decoder over its last
 * real token, an encoder's mean; rows padded to random lengths. */
START_TEST(test_classifier_matches_pytorch)
{
    static const char *const poolings[3] = {"first", "last", "mean"};
    transformer_config c = small_config();
    c.num_classes = 5;
    c.pooling = (transformer_pooling)_i;
    c.bidirectional = _i != TRANSFORMER_POOL_LAST;
    check_parity(&c, "classify", poolings[_i]);
}
END_TEST

/* The block's variants against the PyTorch twin: post-LN, and the
 * experiment switches (no 1/sqrt(d_k), no residual connections) in both
 * placements: the same loss, gradients and AdamW steps. */
START_TEST(test_block_variants_match_pytorch)
{
    transformer_config c = small_config();
    c.post_ln = _i == 0 || _i == 3;
    c.no_attention_scale = _i == 1;
    c.no_residual = _i >= 2;
    check_parity(&c, "lm", "last");
}
END_TEST

/* The hidden states (B*T, C) of model m for ids x, as a new array, from
 * the fused ops or the composed ones. */
static nd_array *hidden_of(transformer_model *m, const nd_array *x, bool composed)
{
    transformer_forward_options o = {.composed = composed};
    ag_no_grad_begin();
    ag_tensor *h = transformer_hidden(m, x, &o);
    ag_no_grad_end();
    ck_assert_msg(h != NULL, "%s", nd_last_error());
    nd_array *out = nd_copy(ag_value(h));
    ag_tape_reset();
    return out;
}

/* Multiplies the first `rows` rows (all: -1) of c_attn's weight and bias
 * in every block by factor. */
static void scale_c_attn(transformer_model *m, int64_t rows, float factor)
{
    for (int i = 0; i < transformer_num_tensors(m); i++) {
        const char *name;
        ag_tensor *p = transformer_tensor(m, i, &name);
        if (!strstr(name, "attn.c_attn"))
            continue;
        float *v = nd_data(ag_value(p));
        int64_t per_row = nd_ndim(ag_value(p)) == 2 ? nd_shape(ag_value(p))[1] : 1;
        int64_t n = rows < 0 ? nd_size(ag_value(p)) : rows * per_row;
        for (int64_t k = 0; k < n; k++)
            v[k] *= factor;
    }
}

/* Without the scale, attention is softmax(q k^T) v: the same as the
 * standard model whose query rows of c_attn (weight and bias) are
 * multiplied by sqrt(d_k), fused and composed paths alike. (All c_attn
 * weights are first made 8 times larger than at initialization, so that
 * the scores are far from 0 and the scale matters.) */
START_TEST(test_no_attention_scale_is_scaled_queries)
{
    transformer_config c = small_config();
    c.no_attention_scale = true;
    transformer_model *off = transformer_new(&c, 5);
    c.no_attention_scale = false;
    transformer_model *on = transformer_new(&c, 5), *plain = transformer_new(&c, 5);
    scale_c_attn(off, -1, 8.0f);
    scale_c_attn(on, -1, 8.0f);
    scale_c_attn(plain, -1, 8.0f);
    scale_c_attn(on, c.n_embd, sqrtf((float)(c.n_embd / c.n_head))); /* q = rows 0..C-1 */
    nd_array *xs = random_ids(6, 1, 2, 16, c.vocab_size), *x = batch(xs, 0);
    for (int composed = 0; composed < 2; composed++) {
        nd_array *a = hidden_of(off, x, composed), *b = hidden_of(on, x, composed);
        ck_assert_msg(relative_error(a, b) < 1e-5, "no scale vs scaled queries: %g",
                      relative_error(a, b));
        /* and the switch does change the model: the standard one differs */
        nd_array *p = hidden_of(plain, x, composed);
        ck_assert_msg(relative_error(p, a) > 1e-3, "the switch changed nothing (%g)",
                      relative_error(p, a));
        nd_free(a), nd_free(b), nd_free(p);
    }
    nd_free(xs), nd_free(x);
    transformer_free(off), transformer_free(on), transformer_free(plain);
}
END_TEST

/* Without residual connections a block's output is its last sublayer's
 * output alone. One pre-LN block whose MLP output projection is zero with
 * bias beta: the MLP then returns beta at every position, so the block
 * returns beta and every row of ln_f(x) is ln_f(beta); with the residual
 * connection the rows would still carry each token. */
START_TEST(test_no_residual_is_the_sublayer_alone)
{
    transformer_config c = small_config();
    c.n_layer = 1;
    for (int residual = 0; residual < 2; residual++) {
        c.no_residual = !residual;
        transformer_model *m = transformer_new(&c, 9);
        float beta[64];
        for (int i = 0; i < transformer_num_tensors(m); i++) {
            const char *name;
            ag_tensor *p = transformer_tensor(m, i, &name);
            float *v = nd_data(ag_value(p));
            if (strcmp(name, "transformer.h.0.mlp.c_proj.weight") == 0)
                memset(v, 0, (size_t)nd_size(ag_value(p)) * sizeof *v);
            if (strcmp(name, "transformer.h.0.mlp.c_proj.bias") == 0)
                for (int64_t k = 0; k < c.n_embd; k++)
                    v[k] = beta[k] = (float)sin(1.0 + (double)k);
        }
        nd_array *xs = random_ids(7, 1, 2, 16, c.vocab_size), *x = batch(xs, 0);
        nd_array *h = hidden_of(m, x, residual); /* both paths, one each */
        /* ln_f(beta), ln_f's weight 1 and bias 0 at initialization */
        double mean = 0, var = 0;
        for (int64_t k = 0; k < c.n_embd; k++)
            mean += beta[k] / (double)c.n_embd;
        for (int64_t k = 0; k < c.n_embd; k++)
            var += (beta[k] - mean) * (beta[k] - mean) / (double)c.n_embd;
        const float *got = nd_data(h);
        double worst = 0;
        for (int64_t r = 0; r < 2 * 16; r++)
            for (int64_t k = 0; k < c.n_embd; k++) {
                double want = (beta[k] - mean) / sqrt(var + 1e-5);
                worst = fmax(worst, fabs(got[r * c.n_embd + k] - want));
            }
        if (residual)
            ck_assert_msg(worst > 0.1, "with the residual the rows still differ (%g)", worst);
        else
            ck_assert_msg(worst < 1e-4, "without the residual every row is ln_f(beta): %g", worst);
        nd_free(h), nd_free(xs), nd_free(x);
        transformer_free(m);
    }
}
END_TEST

/* The fused and the composed forward of config c on one batch: losses
 * within loss_tol, every gradient within grad_tol (relative). */
static void check_fused_and_composed(transformer_config c, double grad_tol, double loss_tol)
{
    transformer_model *m = transformer_new(&c, 3);
    nd_array *xs = random_ids(4, 1, 2, 12, c.vocab_size),
             *ys = random_ids(5, 1, 2, 12, c.vocab_size);
    nd_array *x = batch(xs, 0), *y = batch(ys, 0);
    int n = transformer_num_tensors(m);
    nd_array *fused_grads[TRANSFORMER_MAX_TENSORS];
    double losses[2];
    for (int pass = 0; pass < 2; pass++) {
        transformer_forward_options o = {.composed = pass == 1};
        ag_tensor *loss = transformer_lm_loss(m, x, y, &o);
        ck_assert_ptr_nonnull(loss);
        losses[pass] = scalar(loss);
        ck_assert_int_eq(ag_backward(loss), 0);
        for (int i = 0; i < n; i++) {
            ag_tensor *p = transformer_tensor(m, i, NULL);
            if (pass == 0) {
                fused_grads[i] = nd_copy(ag_grad(p));
            } else {
                double err = relative_error(ag_grad(p), fused_grads[i]);
                ck_assert_msg(err < grad_tol,
                              "tensor %d: fused and composed gradients differ by %g", i, err);
                nd_free(fused_grads[i]);
            }
            ag_zero_grad(p);
        }
        ag_tape_reset();
    }
    ck_assert_double_eq_tol(losses[0], losses[1], loss_tol);
    nd_free(xs);
    nd_free(ys);
    nd_free(x);
    nd_free(y);
    transformer_free(m);
}

START_TEST(test_fused_and_composed_agree) { check_fused_and_composed(small_config(), 1e-4, 1e-5); }
END_TEST

/* In bf16 the composed forward rounds at the fused ops' points (q, k, v,
 * P, the attention's output, c_fc's, GELU's and the norms' outputs, the
 * weights), so the two differ only in float32 summation orders and the
 * bf16 roundings those move across a boundary: gradients within 1.7e-3
 * here (a composed forward that kept c_fc's output in float32 was 7e-3
 * away), the same loss. */
START_TEST(test_bf16_fused_and_composed_agree)
{
    transformer_config c = small_config();
    c.precision = TRANSFORMER_BF16;
    check_fused_and_composed(c, 4e-3, 1e-4);
}
END_TEST

START_TEST(test_kv_cache_matches_full_forward)
{
    transformer_config c = small_config();
    for (int post = 0; post < 2; post++) {
        c.post_ln = post;
        c.learned_positions = post;
        transformer_model *m = transformer_new(&c, 11);
        const int32_t tokens[10] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
        nd_array *idx = nd_from_data(ND_INT32, 2, (int64_t[]){1, 10}, tokens);
        ag_no_grad_begin();
        ag_tensor *full = transformer_forward(m, idx, NULL); /* (1, 10, V) */
        ag_no_grad_end();
        ck_assert_ptr_nonnull(full);
        /* A copy: feeding resets the tape that holds `full`. */
        nd_array *logits = nd_copy(ag_value(full));
        ag_tape_reset();
        /* Prompt of 4 in one feed, then one token at a time. */
        transformer_kv_cache *cache = transformer_kv_cache_new(m);
        for (int64_t t = 3; t < 10; t++) {
            nd_array *got = t == 3 ? transformer_kv_cache_feed(m, cache, tokens, 4)
                                   : transformer_kv_cache_feed(m, cache, tokens + t, 1);
            ck_assert_ptr_nonnull(got);
            nd_array *row = nd_slice(logits, 1, t, t + 1, 1);
            nd_array *want = nd_reshape(row, 1, (int64_t[]){c.vocab_size});
            double err = relative_error(got, want);
            ck_assert_msg(err < 1e-5, "position %lld: cache and full forward differ by %g",
                          (long long)t, err);
            nd_free(got);
            nd_free(row);
            nd_free(want);
        }
        ck_assert_int_eq(transformer_kv_cache_length(cache), 10);
        /* Past the block: a clear error, nothing changed. */
        int32_t more[7] = {0};
        ck_assert_ptr_null(transformer_kv_cache_feed(m, cache, more, 7));
        ck_assert_str_eq(nd_last_error(),
                         "Cannot forward sequence of length 17, block size is only 16");
        ck_assert_int_eq(transformer_kv_cache_length(cache), 10);
        transformer_kv_cache_free(cache);
        nd_free(logits);
        nd_free(idx);
        transformer_free(m);
    }
}
END_TEST

START_TEST(test_sampling)
{
    const float l[5] = {1.0f, 3.0f, 2.0f, -1.0f, 0.5f};
    nd_array *logits = nd_from_data(ND_FLOAT32, 1, (int64_t[]){5}, l);
    nd_rng *rng = nd_rng_new(0);
    int32_t t;
    ck_assert_int_eq(transformer_sample(logits, 0.0, 0, 1.0, rng, &t), 0);
    ck_assert_int_eq(t, 1); /* greedy */
    int counts[5] = {0};
    for (int i = 0; i < 2000; i++) {
        ck_assert_int_eq(transformer_sample(logits, 1.0, 2, 1.0, rng, &t), 0);
        counts[t]++;
    }
    ck_assert_int_eq(counts[0] + counts[3] + counts[4], 0); /* top-k 2: only ids 1 and 2 */
    /* p(1) = e^3 / (e^3 + e^2) = 0.731 */
    ck_assert_int_gt(counts[1], 1350);
    ck_assert_int_lt(counts[1], 1580);
    for (int i = 0; i < 200; i++) { /* top-p 0.5: id 1 alone (0.61) */
        ck_assert_int_eq(transformer_sample(logits, 1.0, 0, 0.5, rng, &t), 0);
        ck_assert_int_eq(t, 1);
    }
    ck_assert_int_lt(transformer_sample(logits, -1.0, 0, 1.0, rng, &t), 0);
    ck_assert_int_lt(transformer_sample(logits, 1.0, 0, 0.0, rng, &t), 0);
    nd_rng_free(rng);
    nd_free(logits);
}
END_TEST

START_TEST(test_bad_configs_and_inputs)
{
    transformer_config c = small_config();
    c.n_head = 3;
    ck_assert_ptr_null(transformer_new(&c, 0));
    ck_assert_str_eq(nd_last_error(), "n_embd (32) must be a multiple of n_head (3)");
    c = small_config();
    transformer_model *m = transformer_new(&c, 0);
    nd_array *too_long = nd_zeros(ND_INT64, 2, (int64_t[]){1, 17});
    ck_assert_ptr_null(transformer_forward(m, too_long, NULL));
    ck_assert_str_eq(nd_last_error(), "Cannot forward sequence of length 17, block size is only 16");
    nd_array *bad = nd_full(ND_INT64, 2, (int64_t[]){1, 4}, 29); /* id == vocab size */
    ck_assert_ptr_null(transformer_forward(m, bad, NULL));
    ag_tape_reset();
    /* GPT-2 init: a residual projection's spread is 0.02 / sqrt(2 n_layer). */
    const char *name;
    for (int i = 0; i < transformer_num_tensors(m); i++) {
        ag_tensor *p = transformer_tensor(m, i, &name);
        if (strcmp(name, "transformer.h.0.mlp.c_proj.weight") == 0) {
            nd_array *sd = nd_std(ag_value(p), 0, NULL, 0, false);
            double s;
            nd_get(sd, NULL, &s);
            ck_assert_double_eq_tol(s, 0.02 / sqrt(4.0), 0.0015);
            nd_free(sd);
        }
    }
    nd_free(too_long);
    nd_free(bad);
    transformer_free(m);
}
END_TEST

/* BERT's rule on a large batch: about mask_rate of the real tokens chosen,
 * of those 80% [MASK], 10% random, 10% unchanged; padding never chosen;
 * every row at least one; targets hold the original ids. */
START_TEST(test_mask_tokens_rule)
{
    const int64_t B = 400, T = 50, V = 20, MASK = 99, PAD = 0;
    nd_array *ids = random_ids(9, 1, B, T, V), *flat = nd_reshape(ids, 2, (int64_t[]){B, T});
    int64_t *x = nd_data(flat);
    for (int64_t b = 0; b < B; b++) /* ids 1..V-1, the second half of each row padding */
        for (int64_t t = 0; t < T; t++)
            x[b * T + t] = t >= T / 2 ? PAD : 1 + x[b * T + t] % (V - 1);
    nd_rng *rng = nd_rng_new(5);
    nd_array *in, *tg;
    ck_assert_int_eq(transformer_mask_tokens(flat, 0.15, MASK, PAD, V, rng, &in, &tg), 0);
    const int64_t *pi = nd_data(in), *pt = nd_data(tg);
    int64_t chosen = 0, masked = 0, same = 0;
    for (int64_t b = 0; b < B; b++) {
        int64_t row = 0;
        for (int64_t t = 0; t < T; t++) {
            int64_t i = b * T + t;
            if (pt[i] == TRANSFORMER_IGNORE) {
                ck_assert_int_eq(pi[i], x[i]);
                continue;
            }
            ck_assert_int_ne(x[i], PAD);
            ck_assert_int_eq(pt[i], x[i]);
            row++, chosen++;
            masked += pi[i] == MASK;
            same += pi[i] == x[i];
        }
        ck_assert_int_ge(row, 1);
    }
    double real = (double)(B * T / 2);
    ck_assert_double_eq_tol((double)chosen / real, 0.15, 0.01);
    ck_assert_double_eq_tol((double)masked / (double)chosen, 0.8, 0.03);
    /* unchanged: the 10% kept plus the random draws that hit the same id */
    ck_assert_double_eq_tol((double)same / (double)chosen, 0.1 + 0.1 / V, 0.03);
    /* A rate outside (0, 1) is refused. */
    nd_array *a, *b2;
    ck_assert_int_lt(transformer_mask_tokens(flat, 1.0, MASK, PAD, V, rng, &a, &b2), 0);
    ck_assert_str_eq(nd_last_error(), "mask rate must be in (0, 1) (got 1)");
    nd_free(in), nd_free(tg), nd_free(flat), nd_free(ids);
    nd_rng_free(rng);
}
END_TEST

/* The heads refuse what their model cannot do. */
START_TEST(test_heads_bad_input)
{
    transformer_config c = small_config();
    transformer_model *m = transformer_new(&c, 1);
    nd_array *x = nd_zeros(ND_INT64, 2, (int64_t[]){2, 4});
    nd_array *none = nd_full(ND_INT64, 2, (int64_t[]){2, 4}, TRANSFORMER_IGNORE);
    ck_assert_ptr_null(transformer_classify_logits(m, x, NULL));
    ck_assert_str_eq(nd_last_error(), "the model has no classification head");
    ck_assert_ptr_null(transformer_mlm_loss(m, x, none, NULL));
    ck_assert_str_eq(nd_last_error(), "no masked position in the batch");
    nd_array *pad = nd_zeros(ND_BOOL, 2, (int64_t[]){2, 5});
    transformer_forward_options o = {.padding = pad};
    ck_assert_ptr_null(transformer_forward(m, x, &o));
    ck_assert_str_eq(nd_last_error(), "padding must be a bool (B, T) = (2, 4) array");
    transformer_free(m);
    c.bidirectional = true;
    m = transformer_new(&c, 1);
    ck_assert_ptr_null(transformer_kv_cache_new(m));
    ck_assert_str_eq(nd_last_error(), "a KV cache needs a causal model (this one is bidirectional)");
    ag_tape_reset();
    transformer_free(m);
    nd_free(x), nd_free(none), nd_free(pad);
}
END_TEST

/* The generation loop: greedy generation is the argmax of a full forward
 * at every step, through a sliding window past the block size. */
START_TEST(test_generate_matches_full_forward)
{
    transformer_config c = small_config(); /* block 16 */
    transformer_model *m = transformer_new(&c, 13);
    const int32_t prompt[3] = {1, 2, 3};
    nd_rng *rng = nd_rng_new(0);
    transformer_generate_options g = {.temperature = 0};
    int32_t *out = NULL;
    ck_assert_int_eq(transformer_generate(m, prompt, 3, 10, &g, rng, &out), 0);
    int32_t all[13];
    memcpy(all, prompt, sizeof prompt);
    memcpy(all + 3, out, 10 * sizeof *out);
    for (int i = 0; i < 10; i++) {
        nd_array *idx = nd_from_data(ND_INT32, 2, (int64_t[]){1, 3 + i}, all);
        ag_no_grad_begin();
        ag_tensor *logits = transformer_forward(m, idx, NULL);
        nd_array *last = nd_slice(ag_value(logits), 1, 2 + i, 3 + i, 1);
        nd_array *best = nd_argmax(last, -1);
        ag_no_grad_end();
        double want;
        ck_assert_int_eq(nd_get(best, (int64_t[]){0, 0}, &want), 0);
        ck_assert_int_eq(out[i], (int64_t)want);
        nd_free(idx), nd_free(last), nd_free(best);
        ag_tape_reset();
    }
    free(out);
    /* Past the block (16): the window slides and generation goes on. */
    ck_assert_int_eq(transformer_generate(m, prompt, 3, 40, &g, rng, &out), 0);
    for (int i = 0; i < 40; i++)
        ck_assert(out[i] >= 0 && out[i] < c.vocab_size);
    free(out);
    nd_rng_free(rng);
    transformer_free(m);
}
END_TEST

/* ---- bf16 mixed precision ------------------------------------------------------------ */

/* Batch i of a learnable stream: rows of an arithmetic progression mod V
 * (step 7, random start), so the loss falls far within a few dozen steps
 * and a precision that broke the gradients would show. x (B, T), y the
 * next tokens. */
static void progression_batch(uint64_t seed, int64_t B, int64_t T, int64_t V, nd_array **x,
                              nd_array **y)
{
    nd_rng *rng = nd_rng_new(seed);
    nd_array *starts = nd_rng_integers(rng, 0, V, false, ND_INT64, 1, &B);
    *x = nd_empty(ND_INT64, 2, (int64_t[]){B, T});
    *y = nd_empty(ND_INT64, 2, (int64_t[]){B, T});
    const int64_t *s = nd_data(starts);
    int64_t *px = nd_data(*x), *py = nd_data(*y);
    for (int64_t b = 0; b < B; b++)
        for (int64_t t = 0; t < T; t++) {
            px[b * T + t] = (s[b] + 7 * t) % V;
            py[b * T + t] = (s[b] + 7 * (t + 1)) % V;
        }
    nd_free(starts);
    nd_rng_free(rng);
}

/* steps AdamW steps (lr 1e-2, nanoGPT's groups) of a fresh small model
 * (seed 11) in the given precision, the optimizers keeping the weights'
 * bf16 copies if `copies`; losses[i] is step i's loss. */
static void train_curve(transformer_precision precision, bool copies, int steps, double *losses)
{
    transformer_config c = small_config();
    c.precision = precision;
    transformer_model *m = transformer_new(&c, 11);
    ck_assert_ptr_nonnull(m);
    int n = transformer_num_tensors(m);
    ag_tensor *params[TRANSFORMER_MAX_TENSORS];
    for (int i = 0; i < n; i++)
        params[i] = transformer_tensor(m, i, NULL);
    ag_optimizer *od, *op;
    nanogpt_adamw(n, params, 1e-2, &od, &op);
    if (copies) {
        ck_assert_int_eq(transformer_keep_bf16_copies(m, od), 0);
        ck_assert_int_eq(transformer_keep_bf16_copies(m, op), 0);
    }
    for (int step = 0; step < steps; step++) {
        nd_array *x, *y;
        progression_batch(100 + (uint64_t)step, 4, 16, c.vocab_size, &x, &y);
        ag_tensor *loss = transformer_lm_loss(m, x, y, NULL);
        ck_assert_ptr_nonnull(loss);
        losses[step] = scalar(loss);
        ck_assert_int_eq(ag_backward(loss), 0);
        for (int i = 0; i < n; i++) /* the master weights and their gradients stay float32 */
            ck_assert_int_eq(nd_dtype_of(ag_grad(params[i])), ND_FLOAT32);
        ck_assert(ag_clip_grad_norm(n, params, 1.0) >= 0);
        ck_assert_int_eq(ag_optimizer_step(od), 0);
        ck_assert_int_eq(ag_optimizer_step(op), 0);
        ag_optimizer_zero_grad(od);
        ag_optimizer_zero_grad(op);
        ag_tape_reset();
        nd_free(x);
        nd_free(y);
    }
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(nd_dtype_of(ag_value(params[i])), ND_FLOAT32);
    ag_optimizer_free(od);
    ag_optimizer_free(op);
    transformer_free(m);
}

/* A short bf16 run tracks float32's loss curve. The tolerance: bf16 keeps
 * 8 significant bits (relative rounding 2^-9 = 0.2% per operand), which
 * moves a step's loss by about 1e-3 at first; the runs then drift apart
 * as any two trainings of different rounding do. 0.05 nats over 40 steps
 * of a loss that falls from ln 29 = 3.37 to below 1 allows that drift and
 * catches a broken gradient (a lost cast backward or a gradient not
 * reaching the master weights leaves the loss near 3). */
START_TEST(test_bf16_training_tracks_float32)
{
    enum { STEPS = 40 };
    double f32[STEPS], b16[STEPS];
    train_curve(TRANSFORMER_FLOAT32, false, STEPS, f32);
    train_curve(TRANSFORMER_BF16, false, STEPS, b16);
    ck_assert_double_eq_tol(b16[0], f32[0], 5e-3); /* one forward: rounding alone */
    double worst = 0;
    for (int i = 0; i < STEPS; i++)
        worst = fmax(worst, fabs(b16[i] - f32[i]));
    ck_assert_msg(worst < 0.05, "bf16 and float32 losses differ by up to %g", worst);
    ck_assert_msg(f32[STEPS - 1] < 0.5 * f32[0], "float32 did not learn: %g -> %g", f32[0],
                  f32[STEPS - 1]);
    ck_assert_msg(b16[0] != f32[0] || b16[STEPS - 1] != f32[STEPS - 1],
                  "bf16 gave float32's losses bit for bit: the precision had no effect");
}
END_TEST

/* The optimizers' bf16 copies (transformer_keep_bf16_copies) change where
 * the casts are made, not their values: 12 bf16 steps give the losses of
 * the casting run bit for bit. transformer_load drops the copies: a model
 * that trained with them and then loads its initial weights back gives the
 * fresh model's loss, not one from its last copies; so do copies made
 * for inference (no optimizer). And the forward does read the copies: a
 * weight changed by hand shows only once they are made again. */
START_TEST(test_bf16_copies_train_as_the_casts_do)
{
    enum { STEPS = 12 };
    double cast[STEPS], copied[STEPS];
    train_curve(TRANSFORMER_BF16, false, STEPS, cast);
    train_curve(TRANSFORMER_BF16, true, STEPS, copied);
    for (int i = 0; i < STEPS; i++)
        ck_assert_msg(cast[i] == copied[i], "step %d: cast %.9g, copies %.9g", i, cast[i],
                      copied[i]);

    transformer_config c = small_config();
    c.precision = TRANSFORMER_BF16;
    transformer_model *fresh = transformer_new(&c, 4), *m = transformer_new(&c, 4);
    char *dir = test_make_tmpdir("bf16_copies"), path[4096];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    ck_assert_int_eq(transformer_save(fresh, path, 0, NULL), 0);
    int n = transformer_num_tensors(m);
    ag_tensor *params[TRANSFORMER_MAX_TENSORS];
    for (int i = 0; i < n; i++)
        params[i] = transformer_tensor(m, i, NULL);
    ag_optimizer *opt = ag_adamw_new(n, params, 1e-2, 0.9, 0.99, 1e-8, 0.0);
    ck_assert_int_eq(transformer_keep_bf16_copies(m, opt), 0);
    nd_array *x, *y;
    progression_batch(7, 4, 16, c.vocab_size, &x, &y);
    for (int step = 0; step < 2; step++) {
        ck_assert_int_eq(ag_backward(transformer_lm_loss(m, x, y, NULL)), 0);
        ck_assert_int_eq(ag_optimizer_step(opt), 0);
        ag_optimizer_zero_grad(opt);
        ag_tape_reset();
    }
    ck_assert_int_eq(transformer_load(m, path, false), 0);
    double want = scalar(transformer_lm_loss(fresh, x, y, NULL));
    ag_tape_reset();
    double got = scalar(transformer_lm_loss(m, x, y, NULL));
    ag_tape_reset();
    ck_assert_msg(got == want, "after the load %.9g, fresh %.9g", got, want);
    /* Inference copies (no optimizer): the same loss. */
    ck_assert_int_eq(transformer_keep_bf16_copies(m, NULL), 0);
    got = scalar(transformer_lm_loss(m, x, y, NULL));
    ag_tape_reset();
    ck_assert_msg(got == want, "with inference copies %.9g, fresh %.9g", got, want);
    /* The forward reads the copies, not the weights: a weight written by
     * hand is not seen until the copies are made again (the contract). */
    nd_array *w0 = NULL; /* block 0's MLP matrix (not wte: its embedding lookup is float32) */
    for (int i = 0; i < n && !w0; i++) {
        const char *name;
        ag_tensor *t = transformer_tensor(m, i, &name);
        if (strstr(name, "h.0.mlp.c_fc.weight"))
            w0 = ag_param_value(t);
    }
    ck_assert_ptr_nonnull(w0);
    nd_array *half = nd_scalar(ND_FLOAT32, 0.5);
    ck_assert_int_eq(nd_multiply_out(w0, half, w0), 0);
    double stale = scalar(transformer_lm_loss(m, x, y, NULL));
    ag_tape_reset();
    ck_assert_msg(stale == want, "the copies were not used: %.9g, before %.9g", stale, want);
    ck_assert_int_eq(transformer_keep_bf16_copies(m, NULL), 0);
    double fresh_copies = scalar(transformer_lm_loss(m, x, y, NULL));
    ag_tape_reset();
    ck_assert_msg(fresh_copies != want, "new copies of a changed weight gave the old loss");
    nd_free(half);
    test_remove_tree(dir);
    free(dir);
    nd_free(x);
    nd_free(y);
    ag_optimizer_free(opt);
    transformer_free(fresh);
    transformer_free(m);
}
END_TEST

/* What the bf16 forward records: each weight matrix cast to bf16 once,
 * by a to_dtype node whose input is the parameter's own value (a float32
 * master), and each Linear's input cast once (c_attn stores q, k, v as
 * bf16 (ag_linear_to), the packed attention rounds P and its output
 * itself, ag_gelu_to and ag_layer_norm_to their outputs; the composed
 * forward casts them with ops of their own); a set_precision to float32
 * records no cast at all. The
 * gradients reach every master weight. */
START_TEST(test_bf16_casts_each_weight_once)
{
    transformer_config c = small_config();
    c.precision = TRANSFORMER_BF16;
    transformer_model *m = transformer_new(&c, 3);
    nd_array *x, *y;
    progression_batch(1, 2, 8, c.vocab_size, &x, &y);
    for (int pass = 0; pass < 3; pass++) {
        const bool composed = pass == 1;
        ag_tape_reset();
        ck_assert_ptr_nonnull(
            transformer_lm_loss(m, x, y, &(transformer_forward_options){.composed = composed}));
        int weight_casts = 0, other_casts = 0, widenings = 0;
        for (size_t i = 0; i < ag_tape_size(); i++) {
            ag_tape_node_info info;
            ck_assert_int_eq(ag_tape_node(i, &info), 0);
            if (strcmp(info.op, "to_dtype") != 0)
                continue;
            if (nd_dtype_of(info.output) != ND_BFLOAT16) { /* the composed GELU's input */
                ck_assert_int_eq(nd_dtype_of(info.output), ND_FLOAT32);
                widenings++;
                continue;
            }
            bool of_param = false;
            for (int k = 0; k < transformer_num_tensors(m); k++)
                of_param |=
                    nd_data(info.inputs[0]) == nd_data(ag_value(transformer_tensor(m, k, NULL)));
            weight_casts += of_param;
            other_casts += !of_param;
        }
        /* per block: c_attn, attn.c_proj, c_fc, mlp.c_proj; then the head
         * (wte). Each Linear's input but those stored as bf16 by their
         * producers: c_attn's and c_fc's (ag_layer_norm_to), attn.c_proj's
         * (the packed attention on c_attn's bf16 qkv) and mlp.c_proj's
         * (ag_gelu_to), so only the head's; the composed forward casts
         * them, and the composed attention's q, k, v and P besides, and
         * rounds c_fc's output (then widens it for GELU) as the fused
         * forward stores it. */
        const int expected = pass < 2 ? 4 * c.n_layer + 1 : 0;
        ck_assert_int_eq(weight_casts, expected);
        ck_assert_int_eq(other_casts,
                         pass < 2 ? expected + (composed ? 5 * c.n_layer : -4 * c.n_layer) : 0);
        ck_assert_int_eq(widenings, composed ? c.n_layer : 0);
        if (pass == 1)
            ck_assert_int_eq(transformer_set_precision(m, TRANSFORMER_FLOAT32), 0);
    }
    ck_assert_int_lt(transformer_set_precision(m, (transformer_precision)7), 0);
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "float32 or bf16"));
    ck_assert_int_lt(transformer_set_precision(NULL, TRANSFORMER_BF16), 0);
    /* bf16 again: the backward fills every master gradient, float32 */
    ck_assert_int_eq(transformer_set_precision(m, TRANSFORMER_BF16), 0);
    ag_tape_reset();
    ag_tensor *loss = transformer_lm_loss(m, x, y, NULL);
    ck_assert_int_eq(ag_backward(loss), 0);
    for (int k = 0; k < transformer_num_tensors(m); k++) {
        const nd_array *g = ag_grad(transformer_tensor(m, k, NULL));
        ck_assert_ptr_nonnull(g);
        ck_assert_int_eq(nd_dtype_of(g), ND_FLOAT32);
    }
    ag_tape_reset();
    c.precision = (transformer_precision)2;
    ck_assert_ptr_null(transformer_new(&c, 0));
    ck_assert_str_eq(nd_last_error(), "precision must be float32 or bf16 (got 2)");
    nd_free(x);
    nd_free(y);
    transformer_free(m);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("transformer");
    TCase *tc = tcase_create("transformer");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_decoder_matches_pytorch);
    tcase_add_test(tc, test_encoder_mlm_matches_pytorch);
    tcase_add_loop_test(tc, test_classifier_matches_pytorch, 0, 3);
    tcase_add_loop_test(tc, test_block_variants_match_pytorch, 0, 4);
    tcase_add_test(tc, test_no_attention_scale_is_scaled_queries);
    tcase_add_test(tc, test_no_residual_is_the_sublayer_alone);
    tcase_add_test(tc, test_fused_and_composed_agree);
    tcase_add_test(tc, test_bf16_fused_and_composed_agree);
    tcase_add_test(tc, test_kv_cache_matches_full_forward);
    tcase_add_test(tc, test_sampling);
    tcase_add_test(tc, test_mask_tokens_rule);
    tcase_add_test(tc, test_heads_bad_input);
    tcase_add_test(tc, test_generate_matches_full_forward);
    tcase_add_test(tc, test_bad_configs_and_inputs);
    tcase_add_test(tc, test_bf16_training_tracks_float32);
    tcase_add_test(tc, test_bf16_copies_train_as_the_casts_do);
    tcase_add_test(tc, test_bf16_casts_each_weight_once);
    suite_add_tcase(s, tc);
    return s;
}
