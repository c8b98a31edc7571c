/*
 * The GPT: parity with PyTorch (same weights -> same loss and gradients,
 * same losses over 10 AdamW steps), fused vs composed paths, the KV cache
 * against a full forward, sampling, and bad input.
 */
#include "test_util.h"

#include <gpt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gpt_config small_config(void)
{
    gpt_config c = gpt_default_config();
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

START_TEST(test_matches_pytorch)
{
    if (!test_python_has("torch"))
        test_skip("torch cannot be imported");
    gpt_config c = small_config();
    gpt_model *m = gpt_new(&c, 7);
    ck_assert_ptr_nonnull(m);
    char *dir = test_make_tmpdir("gpt");
    char path[4096];
    /* The weights, the batches and the shape, for the PyTorch twin. */
    int n = gpt_num_tensors(m);
    const char *names[GPT_MAX_TENSORS];
    ag_tensor *params[GPT_MAX_TENSORS];
    for (int i = 0; i < n; i++)
        params[i] = gpt_tensor(m, i, &names[i]);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    ck_assert_int_eq(ag_save_params(path, n, names, params, 0, NULL), 0);
    const int64_t steps = 10, B = 3, T = 16;
    nd_array *xs = random_ids(1, steps, B, T, c.vocab_size), *ys = random_ids(2, steps, B, T, c.vocab_size);
    snprintf(path, sizeof path, "%s/x.npy", dir);
    ck_assert_int_eq(nd_save_npy(path, xs), 0);
    snprintf(path, sizeof path, "%s/y.npy", dir);
    ck_assert_int_eq(nd_save_npy(path, ys), 0);
    snprintf(path, sizeof path, "%s/config.txt", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "%lld %lld %d %d %lld\n", (long long)c.vocab_size, (long long)c.block_size, c.n_layer,
            c.n_head, (long long)c.n_embd);
    fclose(f);
    ck_assert_int_eq(test_run_python("gpt_torch.py", dir, NULL), 0);

    /* One batch: the loss and every parameter's gradient. */
    nd_array *x0 = batch(xs, 0), *y0 = batch(ys, 0);
    ag_tensor *loss = gpt_loss(m, x0, y0, NULL);
    ck_assert_ptr_nonnull(loss);
    ck_assert_int_eq(ag_backward(loss), 0);
    snprintf(path, sizeof path, "%s/loss0.npy", dir);
    nd_array *torch_loss = nd_load_npy(path);
    double want;
    nd_get(torch_loss, NULL, &want);
    ck_assert_msg(fabs(scalar(loss) - want) <= 1e-4 * fabs(want), "loss %.7f, torch %.7f", scalar(loss), want);
    snprintf(path, sizeof path, "%s/grads.safetensors", dir);
    nd_safetensors *grads = nd_safetensors_load(path);
    ck_assert_ptr_nonnull(grads);
    for (int i = 0; i < n; i++) {
        nd_array *g = nd_safetensors_get(grads, names[i]);
        ck_assert_ptr_nonnull(g);
        ck_assert_ptr_nonnull(ag_grad(params[i]));
        double err = relative_error(ag_grad(params[i]), g);
        ck_assert_msg(err < 1e-4, "gradient of %s: relative error %g", names[i], err);
        nd_free(g);
    }
    nd_safetensors_free(grads);
    ag_tape_reset();

    /* Ten AdamW steps on the same batches give the same losses. */
    for (int i = 0; i < n; i++)
        ag_zero_grad(params[i]);
    ag_tensor *decay[GPT_MAX_TENSORS], *no_decay[GPT_MAX_TENSORS];
    int nd = 0, nn = 0;
    for (int i = 0; i < n; i++) {
        if (nd_ndim(ag_value(params[i])) >= 2)
            decay[nd++] = params[i];
        else
            no_decay[nn++] = params[i];
    }
    ag_optimizer *o1 = ag_adamw_new(nd, decay, 1e-3, 0.9, 0.99, 1e-8, 0.1);
    ag_optimizer *o2 = ag_adamw_new(nn, no_decay, 1e-3, 0.9, 0.99, 1e-8, 0.0);
    snprintf(path, sizeof path, "%s/losses.npy", dir);
    nd_array *torch_losses = nd_load_npy(path);
    for (int64_t s = 0; s < steps; s++) {
        nd_array *x = batch(xs, s), *y = batch(ys, s);
        ag_tensor *l = gpt_loss(m, x, y, NULL);
        ck_assert_int_eq(ag_backward(l), 0);
        ck_assert_int_eq(ag_optimizer_step(o1), 0);
        ck_assert_int_eq(ag_optimizer_step(o2), 0);
        ag_optimizer_zero_grad(o1);
        ag_optimizer_zero_grad(o2);
        double w;
        nd_get(torch_losses, &s, &w);
        ck_assert_msg(fabs(scalar(l) - w) <= 1e-4 * fabs(w), "step %lld: loss %.7f, torch %.7f",
                      (long long)s, scalar(l), w);
        ag_tape_reset();
        nd_free(x);
        nd_free(y);
    }
    ag_optimizer_free(o1);
    ag_optimizer_free(o2);
    nd_free(torch_losses);
    nd_free(torch_loss);
    nd_free(x0);
    nd_free(y0);
    nd_free(xs);
    nd_free(ys);
    gpt_free(m);
    test_remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_fused_and_composed_agree)
{
    gpt_config c = small_config();
    gpt_model *m = gpt_new(&c, 3);
    nd_array *xs = random_ids(4, 1, 2, 12, c.vocab_size), *ys = random_ids(5, 1, 2, 12, c.vocab_size);
    nd_array *x = batch(xs, 0), *y = batch(ys, 0);
    int n = gpt_num_tensors(m);
    nd_array *fused_grads[GPT_MAX_TENSORS];
    double losses[2];
    for (int pass = 0; pass < 2; pass++) {
        gpt_forward_options o = {.composed = pass == 1};
        ag_tensor *loss = gpt_loss(m, x, y, &o);
        ck_assert_ptr_nonnull(loss);
        losses[pass] = scalar(loss);
        ck_assert_int_eq(ag_backward(loss), 0);
        for (int i = 0; i < n; i++) {
            ag_tensor *p = gpt_tensor(m, i, NULL);
            if (pass == 0) {
                fused_grads[i] = nd_copy(ag_grad(p));
            } else {
                double err = relative_error(ag_grad(p), fused_grads[i]);
                ck_assert_msg(err < 1e-4, "tensor %d: fused and composed gradients differ by %g", i, err);
                nd_free(fused_grads[i]);
            }
            ag_zero_grad(p);
        }
        ag_tape_reset();
    }
    ck_assert_double_eq_tol(losses[0], losses[1], 1e-5);
    nd_free(xs);
    nd_free(ys);
    nd_free(x);
    nd_free(y);
    gpt_free(m);
}
END_TEST

START_TEST(test_kv_cache_matches_full_forward)
{
    gpt_config c = small_config();
    for (int post = 0; post < 2; post++) {
        c.post_ln = post;
        c.learned_positions = post;
        gpt_model *m = gpt_new(&c, 11);
        const int32_t tokens[10] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
        nd_array *idx = nd_from_data(ND_INT32, 2, (int64_t[]){1, 10}, tokens);
        ag_no_grad_begin();
        ag_tensor *logits = gpt_forward(m, idx, NULL);   /* (1, 10, V) */
        ag_no_grad_end();
        ck_assert_ptr_nonnull(logits);
        /* Prompt of 4 in one feed, then one token at a time. */
        gpt_kv_cache *cache = gpt_kv_cache_new(m);
        for (int64_t t = 3; t < 10; t++) {
            nd_array *got = t == 3 ? gpt_feed(m, cache, tokens, 4) : gpt_feed(m, cache, tokens + t, 1);
            ck_assert_ptr_nonnull(got);
            nd_array *row = nd_slice(ag_value(logits), 1, t, t + 1, 1);
            nd_array *want = nd_reshape(row, 1, (int64_t[]){c.vocab_size});
            double err = relative_error(got, want);
            ck_assert_msg(err < 1e-5, "position %lld: cache and full forward differ by %g", (long long)t, err);
            nd_free(got);
            nd_free(row);
            nd_free(want);
        }
        ck_assert_int_eq(gpt_kv_cache_length(cache), 10);
        /* Past the block: a clear error, nothing changed. */
        int32_t more[7] = {0};
        ck_assert_ptr_null(gpt_feed(m, cache, more, 7));
        ck_assert_str_eq(nd_last_error(), "Cannot forward sequence of length 17, block size is only 16");
        ck_assert_int_eq(gpt_kv_cache_length(cache), 10);
        gpt_kv_cache_free(cache);
        ag_tape_reset();
        nd_free(idx);
        gpt_free(m);
    }
}
END_TEST

START_TEST(test_sampling)
{
    const float l[5] = {1.0f, 3.0f, 2.0f, -1.0f, 0.5f};
    nd_array *logits = nd_from_data(ND_FLOAT32, 1, (int64_t[]){5}, l);
    nd_rng *rng = nd_rng_new(0);
    int32_t t;
    ck_assert_int_eq(gpt_sample(logits, 0.0, 0, 1.0, rng, &t), 0);
    ck_assert_int_eq(t, 1);                                  /* greedy */
    int counts[5] = {0};
    for (int i = 0; i < 2000; i++) {
        ck_assert_int_eq(gpt_sample(logits, 1.0, 2, 1.0, rng, &t), 0);
        counts[t]++;
    }
    ck_assert_int_eq(counts[0] + counts[3] + counts[4], 0);  /* top-k 2: only ids 1 and 2 */
    /* p(1) = e^3 / (e^3 + e^2) = 0.731 */
    ck_assert_int_gt(counts[1], 1350);
    ck_assert_int_lt(counts[1], 1580);
    for (int i = 0; i < 200; i++) {                          /* top-p 0.5: id 1 alone (0.61) */
        ck_assert_int_eq(gpt_sample(logits, 1.0, 0, 0.5, rng, &t), 0);
        ck_assert_int_eq(t, 1);
    }
    ck_assert_int_lt(gpt_sample(logits, -1.0, 0, 1.0, rng, &t), 0);
    ck_assert_int_lt(gpt_sample(logits, 1.0, 0, 0.0, rng, &t), 0);
    nd_rng_free(rng);
    nd_free(logits);
}
END_TEST

START_TEST(test_bad_configs_and_inputs)
{
    gpt_config c = small_config();
    c.n_head = 3;
    ck_assert_ptr_null(gpt_new(&c, 0));
    ck_assert_str_eq(nd_last_error(), "n_embd (32) must be a multiple of n_head (3)");
    c = small_config();
    gpt_model *m = gpt_new(&c, 0);
    nd_array *too_long = nd_zeros(ND_INT64, 2, (int64_t[]){1, 17});
    ck_assert_ptr_null(gpt_forward(m, too_long, NULL));
    ck_assert_str_eq(nd_last_error(), "Cannot forward sequence of length 17, block size is only 16");
    nd_array *bad = nd_full(ND_INT64, 2, (int64_t[]){1, 4}, 29);   /* id == vocab size */
    ck_assert_ptr_null(gpt_forward(m, bad, NULL));
    ag_tape_reset();
    /* GPT-2 init: a residual projection's spread is 0.02 / sqrt(2 n_layer). */
    const char *name;
    for (int i = 0; i < gpt_num_tensors(m); i++) {
        ag_tensor *p = gpt_tensor(m, i, &name);
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
    gpt_free(m);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("gpt");
    TCase *tc = tcase_create("gpt");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_matches_pytorch);
    tcase_add_test(tc, test_fused_and_composed_agree);
    tcase_add_test(tc, test_kv_cache_matches_full_forward);
    tcase_add_test(tc, test_sampling);
    tcase_add_test(tc, test_bad_configs_and_inputs);
    suite_add_tcase(s, tc);
    return s;
}
