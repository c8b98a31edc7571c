/*
 * transformer_attention_maps on a tiny model trained a few dozen steps on a
 * periodic sequence: the (L, B, H, T, T) shape, each row a distribution
 * over the keys its query may see (sums to 1, zero above the diagonal for
 * a causal model, not for an encoder), and the errors.
 */
#include "test_util.h"

#include <transformer.h>
#include <math.h>
#include <string.h>

static transformer_config tiny(bool bidirectional)
{
    transformer_config c = transformer_default_config();
    c.vocab_size = 7;
    c.block_size = 12;
    c.n_layer = 2;
    c.n_head = 2;
    c.n_embd = 16;
    c.bidirectional = bidirectional;
    return c;
}

/* (1, 12) ids 0 1 2 3 4 5 0 1 2 ... shifted by `shift`. */
static nd_array *periodic(int64_t shift, int64_t T)
{
    int64_t v[12];
    for (int64_t t = 0; t < T; t++)
        v[t] = (t + shift) % 6;
    return nd_from_data(ND_INT64, 2, (const int64_t[]){1, T}, v);
}

/* 40 AdamW steps of next-token prediction on the periodic sequence. */
static transformer_model *trained(bool bidirectional)
{
    transformer_config c = tiny(bidirectional);
    transformer_model *m = transformer_new(&c, 7);
    ck_assert_ptr_nonnull(m);
    int n = transformer_num_tensors(m);
    ag_tensor *params[64];
    for (int i = 0; i < n; i++)
        params[i] = transformer_tensor(m, i, NULL);
    ag_optimizer *opt = ag_adamw_new(n, params, 1e-2, 0.9, 0.95, 1e-8, 0.0);
    double first = 0, last = 0;
    for (int step = 0; step < 40; step++) {
        nd_array *x = periodic(step, 12), *y = periodic(step + 1, 12);
        ag_tensor *loss = transformer_lm_loss(m, x, y, NULL);
        ck_assert_ptr_nonnull(loss);
        last = *(const float *)nd_data(ag_value(loss));
        first = step == 0 ? last : first;
        ck_assert_int_eq(ag_backward(loss), 0);
        ck_assert_int_eq(ag_optimizer_step(opt), 0);
        ag_optimizer_zero_grad(opt);
        ag_tape_reset();
        nd_free(x);
        nd_free(y);
    }
    ck_assert_msg(last < first, "training did not lower the loss: %g -> %g", first, last);
    ag_optimizer_free(opt);
    return m;
}

/* Checks every row of maps (L, 1, H, T, T): sums to 1, zero above the
 * diagonal when causal; returns the largest weight above the diagonal. */
static double check_rows(const nd_array *maps, int64_t L, int64_t H, int64_t T, bool causal)
{
    ck_assert_int_eq(nd_ndim(maps), 5);
    const int64_t want[5] = {L, 1, H, T, T};
    for (int d = 0; d < 5; d++)
        ck_assert_int_eq(nd_shape(maps)[d], want[d]);
    ck_assert_int_eq(nd_dtype_of(maps), ND_FLOAT32);
    const float *p = nd_data(maps);
    double above = 0;
    for (int64_t r = 0; r < L * H * T; r++) {
        int64_t t = r % T;
        double sum = 0;
        for (int64_t s = 0; s < T; s++) {
            float w = p[r * T + s];
            ck_assert(w >= 0 && w <= 1);
            sum += w;
            if (s > t) {
                above = w > above ? w : above;
                if (causal)
                    ck_assert_msg(w == 0, "row %lld: key %lld > query %lld has %g", (long long)r,
                                  (long long)s, (long long)t, w);
            }
        }
        ck_assert_msg(fabs(sum - 1) < 1e-5, "row %lld sums to %.8f", (long long)r, sum);
    }
    return above;
}

START_TEST(test_causal_maps_are_distributions_over_the_past)
{
    transformer_model *m = trained(false);
    nd_array *idx = periodic(0, 10);
    nd_array *maps = transformer_attention_maps(m, idx);
    ck_assert_msg(maps != NULL, "%s", nd_last_error());
    check_rows(maps, 2, 2, 10, true);
    /* The first query sees only itself: weight exactly 1. */
    const float *p = nd_data(maps);
    ck_assert_float_eq(p[0], 1.0f);
    ck_assert_uint_eq(ag_tape_size(), 0); /* the tape is left reset */
    /* The same prompt gives the same maps (nothing random, no dropout). */
    nd_array *again = transformer_attention_maps(m, idx);
    ck_assert_int_eq(memcmp(nd_data(again), nd_data(maps), (size_t)nd_nbytes(maps)), 0);
    nd_free(again);
    nd_free(maps);
    nd_free(idx);
    transformer_free(m);
}
END_TEST

START_TEST(test_encoder_maps_see_both_sides)
{
    transformer_model *m = trained(true);
    nd_array *idx = periodic(2, 8);
    nd_array *maps = transformer_attention_maps(m, idx);
    ck_assert_msg(maps != NULL, "%s", nd_last_error());
    ck_assert(check_rows(maps, 2, 2, 8, false) > 0);
    nd_free(maps);
    nd_free(idx);
    transformer_free(m);
}
END_TEST

START_TEST(test_attention_maps_errors)
{
    transformer_config c = tiny(false);
    transformer_model *m = transformer_new(&c, 1);
    nd_array *idx = periodic(0, 4);
    ck_assert_ptr_null(transformer_attention_maps(NULL, idx));
    ck_assert_ptr_null(transformer_attention_maps(m, NULL));
    ag_no_grad_begin();
    ck_assert_ptr_null(transformer_attention_maps(m, idx));
    ck_assert_str_eq(nd_last_error(),
                     "transformer_attention_maps records a forward: grad mode is off");
    ag_no_grad_end();
    nd_array *long_idx = nd_zeros(ND_INT64, 2, (const int64_t[]){1, 13});
    ck_assert_ptr_null(transformer_attention_maps(m, long_idx));
    ck_assert_str_eq(nd_last_error(), "Cannot forward sequence of length 13, block size is only 12");
    ck_assert_uint_eq(ag_tape_size(), 0);
    nd_free(long_idx);
    nd_free(idx);
    transformer_free(m);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("attention_maps");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_causal_maps_are_distributions_over_the_past);
    tcase_add_test(tc, test_encoder_maps_see_both_sides);
    tcase_add_test(tc, test_attention_maps_errors);
    suite_add_tcase(s, tc);
    return s;
}
