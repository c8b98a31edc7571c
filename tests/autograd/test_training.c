/* Training utilities: initializers (statistics, bounds, determinism),
 * learning-rate schedules, optimizer behaviour and errors, gradient
 * clipping, and a training run that is interrupted, saved, reloaded and
 * resumed, ending bit-identical to the uninterrupted run. */
#include "test_util.h"

#include <autograd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ag_tensor *zeros_param(nd_dtype dt, int ndim, const int64_t *shape)
{
    nd_array *z = nd_zeros(dt, ndim, shape);
    ag_tensor *t = ag_param(z);
    nd_free(z);
    return t;
}

/* Element i of a in C order, as a double. */
static double flat(const nd_array *a, int64_t i)
{
    nd_array *r = nd_ravel(a);
    double v = NAN;
    ck_assert_int_eq(nd_get(r, &i, &v), 0);
    nd_free(r);
    return v;
}

/* Mean, standard deviation, min and max of a tensor's value. */
typedef struct stats {
    double mean, std, min, max;
} stats;

static stats stats_of(const ag_tensor *t)
{
    nd_array *v = nd_astype(ag_value(t), ND_FLOAT64);
    const double *x = nd_data(v);
    int64_t n = nd_size(v);
    stats s = {0, 0, INFINITY, -INFINITY};
    for (int64_t i = 0; i < n; i++) {
        s.mean += x[i];
        s.min = fmin(s.min, x[i]);
        s.max = fmax(s.max, x[i]);
    }
    s.mean /= (double)n;
    for (int64_t i = 0; i < n; i++)
        s.std += (x[i] - s.mean) * (x[i] - s.mean);
    s.std = sqrt(s.std / (double)n);
    nd_free(v);
    return s;
}

/* ---- initializers ------------------------------------------------------------------------ */

START_TEST(test_normal_and_uniform_statistics)
{
    nd_rng *rng = nd_rng_new(0);
    ag_tensor *t = zeros_param(ND_FLOAT32, 2, (const int64_t[]){400, 500});
    ck_assert_int_eq(ag_init_normal(t, 0.5, 0.02, rng), 0);
    stats s = stats_of(t);
    ck_assert_double_eq_tol(s.mean, 0.5, 1e-3);
    ck_assert_double_eq_tol(s.std, 0.02, 2e-4);
    ck_assert_int_eq(ag_init_uniform(t, -2, 3, rng), 0);
    s = stats_of(t);
    ck_assert(s.min >= -2 && s.max <= 3);
    ck_assert_double_eq_tol(s.mean, 0.5, 0.02);
    ck_assert_double_eq_tol(s.std, 5 / sqrt(12.0), 0.01);
    ck_assert_int_eq(ag_init_zeros(t), 0);
    s = stats_of(t);
    ck_assert(s.min == 0 && s.max == 0);
    ck_assert_int_eq(ag_init_ones(t), 0);
    s = stats_of(t);
    ck_assert(s.min == 1 && s.max == 1);
    ag_tensor_free(t);
    nd_rng_free(rng);
}
END_TEST

START_TEST(test_init_draws_as_numpy_default_rng)
{
    /* The same seed gives rng.uniform(lo, hi, shape) rounded to float32. */
    nd_rng *a = nd_rng_new(42), *b = nd_rng_new(42);
    ag_tensor *t = zeros_param(ND_FLOAT32, 2, (const int64_t[]){3, 4});
    ck_assert_int_eq(ag_init_uniform(t, -1, 1, a), 0);
    nd_array *want = nd_rng_uniform(b, -1, 1, ND_FLOAT32, 2, (const int64_t[]){3, 4});
    ck_assert(memcmp(nd_data(ag_value(t)), nd_data(want), 12 * sizeof(float)) == 0);
    nd_free(want);
    ag_tensor_free(t);
    nd_rng_free(a);
    nd_rng_free(b);
}
END_TEST

START_TEST(test_xavier_and_kaiming_scales)
{
    nd_rng *rng = nd_rng_new(1);
    /* (out, in) = (300, 200): fan_in 200, fan_out 300 */
    ag_tensor *w = zeros_param(ND_FLOAT64, 2, (const int64_t[]){300, 200});
    double xavier_std = sqrt(2.0 / 500.0);
    ck_assert_int_eq(ag_init_xavier_uniform(w, 1.0, rng), 0);
    stats s = stats_of(w);
    ck_assert(s.max <= sqrt(3.0) * xavier_std && s.min >= -sqrt(3.0) * xavier_std);
    ck_assert_double_eq_tol(s.std, xavier_std, 0.01 * xavier_std);
    ck_assert_int_eq(ag_init_xavier_normal(w, 2.0, rng), 0);
    ck_assert_double_eq_tol(stats_of(w).std, 2 * xavier_std, 0.01 * 2 * xavier_std);

    double relu_in = sqrt(2.0) / sqrt(200.0), relu_out = sqrt(2.0) / sqrt(300.0);
    ck_assert_int_eq(ag_init_kaiming_uniform(w, 0, AG_FAN_IN, AG_NONLINEARITY_RELU, rng), 0);
    s = stats_of(w);
    ck_assert(s.max <= sqrt(3.0) * relu_in && s.min >= -sqrt(3.0) * relu_in);
    ck_assert(s.max > 0.99 * sqrt(3.0) * relu_in);
    ck_assert_double_eq_tol(s.std, relu_in, 0.01 * relu_in);
    ck_assert_int_eq(ag_init_kaiming_normal(w, 0, AG_FAN_OUT, AG_NONLINEARITY_RELU, rng), 0);
    ck_assert_double_eq_tol(stats_of(w).std, relu_out, 0.01 * relu_out);
    /* torch's Linear default: kaiming_uniform(a=sqrt(5)) gives bound 1/sqrt(fan_in). */
    ck_assert_int_eq(ag_init_kaiming_uniform(w, sqrt(5.0), AG_FAN_IN, AG_NONLINEARITY_LEAKY_RELU,
                                             rng),
                     0);
    s = stats_of(w);
    ck_assert(s.max <= 1 / sqrt(200.0) + 1e-15 && s.max > 0.99 / sqrt(200.0));
    ag_tensor_free(w);

    /* A conv weight (16, 4, 3, 3): fan_in 36. */
    ag_tensor *conv = zeros_param(ND_FLOAT32, 4, (const int64_t[]){16, 4, 3, 3});
    ck_assert_int_eq(ag_init_kaiming_uniform(conv, 0, AG_FAN_IN, AG_NONLINEARITY_LINEAR, rng), 0);
    ck_assert(stats_of(conv).max <= sqrt(3.0 / 36.0));
    ag_tensor_free(conv);
    nd_rng_free(rng);
}
END_TEST

START_TEST(test_init_errors)
{
    nd_rng *rng = nd_rng_new(1);
    ag_tensor *b = zeros_param(ND_FLOAT32, 1, (const int64_t[]){5});
    ck_assert_int_eq(ag_init_xavier_uniform(b, 1, rng), ND_ERR_VALUE);
    ck_assert_error("Fan in and fan out can not be computed for tensor with fewer than 2 "
                    "dimensions");
    ck_assert_int_eq(ag_init_kaiming_normal(b, 0, AG_FAN_IN, AG_NONLINEARITY_RELU, rng),
                     ND_ERR_VALUE);
    ck_assert_int_lt(ag_init_normal(b, 0, 1, NULL), 0);
    ck_assert_int_lt(ag_init_normal(b, 0, -1, rng), 0);
    ck_assert_int_eq(ag_init_uniform(b, 1, 0, rng), ND_ERR_VALUE);
    ck_assert_int_lt(ag_init_zeros(NULL), 0);
    /* Tape tensors are inputs of recorded nodes: not writable. */
    ag_tensor *y = ag_mul_scalar(b, 2.0);
    ck_assert_int_eq(ag_init_zeros(y), ND_ERR_VALUE);
    ag_tape_reset();
    nd_array *iv = nd_zeros(ND_INT64, 2, (const int64_t[]){2, 2});
    ag_tensor *ints = ag_const(iv);
    ck_assert_int_eq(ag_init_ones(ints), ND_ERR_TYPE);
    /* An empty weight is left alone by kaiming, as PyTorch. */
    ag_tensor *empty = zeros_param(ND_FLOAT32, 2, (const int64_t[]){0, 3});
    ck_assert_int_eq(ag_init_kaiming_uniform(empty, 0, AG_FAN_IN, AG_NONLINEARITY_RELU, rng), 0);
    ag_tensor_free(empty);
    ag_tensor_free(ints);
    nd_free(iv);
    ag_tensor_free(b);
    nd_rng_free(rng);
}
END_TEST

/* ---- schedules ----------------------------------------------------------------------------- */

START_TEST(test_schedules)
{
    ag_lr_schedule c = {.kind = AG_LR_CONSTANT, .lr = 0.1};
    ck_assert(ag_lr_at(&c, 0) == 0.1 && ag_lr_at(&c, 1000000) == 0.1);

    ag_lr_schedule w = {.kind = AG_LR_WARMUP_COSINE,
                        .lr = 6e-4,
                        .warmup_iters = 10,
                        .lr_decay_iters = 110,
                        .min_lr = 6e-5};
    ck_assert_double_eq_tol(ag_lr_at(&w, 0), 6e-4 / 11, 1e-18);
    ck_assert_double_eq_tol(ag_lr_at(&w, 9), 6e-4 * 10 / 11, 1e-18);
    ck_assert_double_eq_tol(ag_lr_at(&w, 10), 6e-4, 1e-18); /* the peak */
    ck_assert_double_eq_tol(ag_lr_at(&w, 60), (6e-4 + 6e-5) / 2, 1e-18); /* halfway */
    ck_assert_double_eq_tol(ag_lr_at(&w, 110), 6e-5, 1e-18);
    ck_assert(ag_lr_at(&w, 111) == 6e-5 && ag_lr_at(&w, 5000) == 6e-5);
    for (int64_t s = 10; s < 110; s++) /* decreasing through the cosine */
        ck_assert(ag_lr_at(&w, s + 1) <= ag_lr_at(&w, s));

    ag_lr_schedule st = {.kind = AG_LR_STEP, .lr = 1.0, .step_size = 10, .gamma = 0.1};
    ck_assert(ag_lr_at(&st, 9) == 1.0);
    ck_assert_double_eq_tol(ag_lr_at(&st, 10), 0.1, 1e-17);
    ck_assert_double_eq_tol(ag_lr_at(&st, 25), 0.01, 1e-17);

    st.step_size = 0;
    ck_assert(isnan(ag_lr_at(&st, 3)));
    ck_assert(isnan(ag_lr_at(NULL, 3)));
    ck_assert(isnan(ag_lr_warmup_cosine(-1, 1, 2, 3, 0)));
    ag_lr_schedule bad = {.kind = (ag_lr_kind)42};
    ck_assert(isnan(ag_lr_at(&bad, 0)));
}
END_TEST

/* ---- optimizers -------------------------------------------------------------------------- */

START_TEST(test_optimizer_argument_errors)
{
    ag_tensor *p = zeros_param(ND_FLOAT32, 1, (const int64_t[]){3});
    ag_tensor *two[2] = {p, p};
    ck_assert_ptr_null(ag_sgd_new(0, &p, 0.1, 0, 0, 0, false));
    ck_assert_error("optimizer got an empty parameter list");
    ck_assert_ptr_null(ag_sgd_new(1, &p, -1, 0, 0, 0, false));
    ck_assert_error("Invalid learning rate: -1");
    ck_assert_ptr_null(ag_sgd_new(1, &p, 0.1, -0.5, 0, 0, false));
    ck_assert_error("Invalid momentum value: -0.5");
    ck_assert_ptr_null(ag_sgd_new(1, &p, 0.1, 0.9, 0, -1, false));
    ck_assert_error("Invalid weight_decay value: -1");
    ck_assert_ptr_null(ag_sgd_new(1, &p, 0.1, 0.9, 0.1, 0, true));
    ck_assert_error("Nesterov momentum requires a momentum and zero dampening");
    ck_assert_ptr_null(ag_adam_new(1, &p, 0.1, 1.0, 0.999, 1e-8, 0));
    ck_assert_error("Invalid beta parameter at index 0: 1");
    ck_assert_ptr_null(ag_adamw_new(1, &p, 0.1, 0.9, -0.1, 1e-8, 0));
    ck_assert_error("Invalid beta parameter at index 1: -0.1");
    ck_assert_ptr_null(ag_adam_new(1, &p, 0.1, 0.9, 0.999, -1e-8, 0));
    ck_assert_error("Invalid epsilon value: -1e-08");
    ck_assert_ptr_null(ag_adam_new(2, two, 0.1, 0.9, 0.999, 1e-8, 0));
    ck_assert_error("optimizer got parameter 1 twice (also at 0)");
    ag_tensor *y = ag_mul_scalar(p, 2.0);
    ck_assert_ptr_null(ag_sgd_new(1, &y, 0.1, 0, 0, 0, false));
    ag_tape_reset();

    ag_optimizer *o = ag_adamw_new(1, &p, 1e-3, 0.9, 0.95, 1e-8, 0.1);
    ck_assert_str_eq(ag_optimizer_name(o), "adamw");
    ck_assert(ag_optimizer_get_lr(o) == 1e-3);
    ck_assert_int_eq(ag_optimizer_set_lr(o, NAN), ND_ERR_VALUE);
    ck_assert_int_eq(ag_optimizer_set_lr(o, 5e-4), 0);
    ck_assert(ag_optimizer_get_lr(o) == 5e-4);
    ag_optimizer_free(o);
    ag_optimizer_free(NULL);
    ag_tensor_free(p);
}
END_TEST

START_TEST(test_set_grad_and_skipping)
{
    ag_tensor *a = zeros_param(ND_FLOAT64, 1, (const int64_t[]){2});
    ag_tensor *b = zeros_param(ND_FLOAT64, 1, (const int64_t[]){2});
    nd_array *g = nd_from_data(ND_FLOAT64, 1, (const int64_t[]){2}, (const double[]){1, -2});
    nd_array *wrong_shape = nd_zeros(ND_FLOAT64, 1, (const int64_t[]){3});
    nd_array *wrong_dtype = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){2});
    ck_assert_int_eq(ag_set_grad(a, wrong_shape), ND_ERR_VALUE);
    ck_assert_error("assigned grad has data of a different size");
    ck_assert_int_eq(ag_set_grad(a, wrong_dtype), ND_ERR_TYPE);
    ck_assert_error("assigned grad has data of a different type");
    ag_tensor *params[2] = {a, b};
    ag_optimizer *o = ag_adam_new(2, params, 0.1, 0.9, 0.999, 1e-8, 0);
    ck_assert_int_eq(ag_set_grad(a, g), 0);
    ck_assert_int_eq(ag_optimizer_step(o), 0);
    /* Adam's first step moves each element by lr against sign(g) (up to
     * eps); b had no gradient and stays. */
    ck_assert_values(ag_value(b), 0, 0);
    double x0, x1;
    nd_get(ag_value(a), (const int64_t[]){0}, &x0);
    nd_get(ag_value(a), (const int64_t[]){1}, &x1);
    ck_assert_double_eq_tol(x0, -0.1, 1e-8);
    ck_assert_double_eq_tol(x1, 0.1, 1e-8);
    ck_assert_int_eq(ag_optimizer_step_count(o), 1);
    ag_optimizer_zero_grad(o);
    ck_assert_ptr_null(ag_grad(a));
    ck_assert_int_eq(ag_optimizer_step(o), 0); /* nothing to do */
    ck_assert(flat(ag_value(a), 0) == x0 && flat(ag_value(a), 1) == x1);
    ck_assert_int_eq(ag_set_grad(a, NULL), 0);
    ag_optimizer_free(o);
    ag_tensor_free(a);
    ag_tensor_free(b);
    nd_free(g);
    nd_free(wrong_shape);
    nd_free(wrong_dtype);
}
END_TEST

START_TEST(test_clip_grad_norm_behaviour)
{
    ag_tensor *a = zeros_param(ND_FLOAT64, 1, (const int64_t[]){2});
    ag_tensor *b = zeros_param(ND_FLOAT64, 1, (const int64_t[]){1});
    ag_tensor *params[2] = {a, b};
    ck_assert(ag_clip_grad_norm(2, params, 1.0) == 0); /* no gradients */
    nd_array *ga = nd_from_data(ND_FLOAT64, 1, (const int64_t[]){2}, (const double[]){3, 0});
    nd_array *gb = nd_from_data(ND_FLOAT64, 1, (const int64_t[]){1}, (const double[]){4});
    ag_set_grad(a, ga);
    ag_set_grad(b, gb);
    ck_assert(ag_clip_grad_norm(2, params, 10.0) == 5.0); /* under the limit: unchanged */
    ck_assert_values(ag_grad(a), 3, 0);
    ck_assert(ag_clip_grad_norm(2, params, 1.0) == 5.0); /* scaled to norm 1 */
    ck_assert_double_eq_tol(flat(ag_grad(a), 0), 0.6, 1e-6);
    ck_assert_double_eq_tol(flat(ag_grad(b), 0), 0.8, 1e-6);
    ck_assert(ag_clip_grad_norm(2, params, -1.0) == -1.0);
    ck_assert(ag_clip_grad_norm(2, NULL, 1.0) == -1.0);
    ag_tensor_free(a);
    ag_tensor_free(b);
    nd_free(ga);
    nd_free(gb);
}
END_TEST

/* kind 0: SGD with momentum and Nesterov; 1: Adam; 2: AdamW, over *w. */
static ag_optimizer *optimizer_of_kind(int kind, ag_tensor **w)
{
    return kind == 0   ? ag_sgd_new(1, w, 0.1, 0.9, 0, 0.01, true)
           : kind == 1 ? ag_adam_new(1, w, 0.01, 0.9, 0.99, 1e-8, 0.01)
                       : ag_adamw_new(1, w, 0.01, 0.9, 0.99, 1e-8, 0.1);
}

/* Clipping inside the step (ag_clip_grad_coef, ag_optimizer_set_grad_scale)
 * against clipping the gradients first (ag_clip_grad_norm): the same norms
 * and the same weights bit for bit after 4 steps, for SGD with momentum and
 * Nesterov, Adam and AdamW, float32 and float64, with and without
 * clipping; the gradients stay unscaled and the scale lasts one step. */
START_TEST(test_clip_inside_the_step)
{
    const int64_t n = 70001; /* several pieces on the pool */
    for (int kind = 0; kind < 3; kind++)
        for (int f64 = 0; f64 < 2; f64++)
            for (int clip = 0; clip < 2; clip++) {
                nd_dtype dt = f64 ? ND_FLOAT64 : ND_FLOAT32;
                nd_array *result[2];
                for (int fused = 0; fused < 2; fused++) {
                    nd_rng *rng = nd_rng_new(11);
                    nd_array *w0 = nd_rng_standard_normal(rng, dt, 1, &n);
                    ag_tensor *w = ag_param(w0);
                    ag_optimizer *o = optimizer_of_kind(kind, &w);
                    double max_norm = clip ? 30.0 : 1e9; /* |g| ~ sqrt(n) = 265 */
                    for (int step = 0; step < 4; step++) {
                        nd_array *g = nd_rng_standard_normal(rng, dt, 1, &n);
                        ck_assert_int_eq(ag_set_grad(w, g), 0);
                        double norm, coef = 1;
                        if (fused) {
                            norm = ag_clip_grad_coef(1, &w, max_norm, &coef);
                            ck_assert_int_eq(ag_optimizer_set_grad_scale(o, coef), 0);
                            /* the gradient is left as it was */
                            ck_assert_int_eq(memcmp(nd_data(ag_grad(w)), nd_data(g),
                                                    (size_t)n * nd_dtype_itemsize(dt)),
                                             0);
                        } else {
                            norm = ag_clip_grad_norm(1, &w, max_norm);
                        }
                        ck_assert(norm > 200 && norm < 330);
                        ck_assert(clip ? coef < 1 || !fused : coef == 1);
                        ck_assert_int_eq(ag_optimizer_step(o), 0);
                        nd_free(g);
                    }
                    result[fused] = nd_copy(ag_value(w));
                    ag_optimizer_free(o);
                    ag_tensor_free(w);
                    nd_free(w0);
                    nd_rng_free(rng);
                }
                ck_assert_msg(memcmp(nd_data(result[0]), nd_data(result[1]),
                                     (size_t)n * nd_dtype_itemsize(dt)) == 0,
                              "kind %d, %s, clip %d: fused and separate clipping differ", kind,
                              f64 ? "float64" : "float32", clip);
                nd_free(result[0]);
                nd_free(result[1]);
            }
    /* The scale lasts one step: a second step without one is unscaled. */
    nd_array *zero = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){1});
    nd_array *one = nd_ones(ND_FLOAT32, 1, (const int64_t[]){1});
    ag_tensor *w = ag_param(zero);
    ag_optimizer *sgd = ag_sgd_new(1, &w, 1.0, 0, 0, 0, false);
    ck_assert_int_eq(ag_set_grad(w, one), 0);
    ck_assert_int_eq(ag_optimizer_set_grad_scale(sgd, 0.25), 0);
    ck_assert_int_eq(ag_optimizer_step(sgd), 0);
    ck_assert_double_eq(flat(ag_value(w), 0), -0.25);
    ck_assert_int_eq(ag_optimizer_step(sgd), 0);
    ck_assert_double_eq(flat(ag_value(w), 0), -1.25);
    /* What set_grad_scale and clip_grad_coef refuse. */
    ck_assert_int_eq(ag_optimizer_set_grad_scale(sgd, 1.5), ND_ERR_VALUE);
    ck_assert_int_eq(ag_optimizer_set_grad_scale(sgd, NAN), ND_ERR_VALUE);
    ck_assert_int_eq(ag_optimizer_set_grad_scale(sgd, -0.1), ND_ERR_VALUE);
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "must be in [0, 1]"));
    ck_assert(ag_clip_grad_coef(1, &w, 1.0, NULL) == -1.0);
    ck_assert(ag_clip_grad_coef(1, &w, -1.0, &(double){0}) == -1.0);
    double coef = 0;
    ag_zero_grad(w);
    ck_assert(ag_clip_grad_coef(1, &w, 1.0, &coef) == 0 && coef == 1); /* no gradient */
    ag_optimizer_free(sgd);
    ag_tensor_free(w);
    nd_free(zero);
    nd_free(one);
}
END_TEST

/* Parameters large enough for the optimizers and the clip to split their
 * loops across libnd's pool: the same bits with 1 and 2 threads, for every
 * optimizer, float32 and float64, and the norm as a plain double sum. */
static nd_array *run_split_updates(int threads, int kind, nd_dtype dt, double *norm)
{
    ck_assert_int_eq(nd_set_num_threads(threads), 0);
    const int64_t n = 300007; /* ~9 pieces' worth, not a multiple of any chunk */
    nd_rng *rng = nd_rng_new(7);
    nd_array *w0 = nd_rng_standard_normal(rng, dt, 1, &n);
    ag_tensor *w = ag_param(w0);
    ag_optimizer *o = optimizer_of_kind(kind, &w);
    ck_assert_ptr_nonnull(o);
    for (int step = 0; step < 3; step++) {
        nd_array *g = nd_rng_standard_normal(rng, dt, 1, &n);
        ck_assert_int_eq(ag_set_grad(w, g), 0);
        nd_free(g);
        *norm = ag_clip_grad_norm(1, &w, 100.0);
        ck_assert(*norm > 0);
        ck_assert_int_eq(ag_optimizer_step(o), 0);
    }
    nd_array *result = nd_copy(ag_value(w));
    ag_optimizer_free(o);
    ag_tensor_free(w);
    nd_free(w0);
    nd_rng_free(rng);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    return result;
}

START_TEST(test_split_updates_match_across_thread_counts)
{
    nd_dtype dtypes[2] = {ND_FLOAT32, ND_FLOAT64};
    for (int kind = 0; kind < 3; kind++)
        for (int d = 0; d < 2; d++) {
            double norm1, norm2;
            nd_array *one = run_split_updates(1, kind, dtypes[d], &norm1);
            nd_array *two = run_split_updates(2, kind, dtypes[d], &norm2);
            ck_assert_msg(memcmp(nd_data(one), nd_data(two), (size_t)nd_nbytes(one)) == 0,
                          "optimizer %d dtype %d differs between 1 and 2 threads", kind, d);
            ck_assert(norm1 == norm2);
            nd_free(one);
            nd_free(two);
        }
    /* The clip's norm against a direct sum of squares (the last gradient of
     * a float64 run, regenerated from the same stream). */
    const int64_t n = 300007;
    nd_rng *rng = nd_rng_new(7);
    nd_array *skip = nd_rng_standard_normal(rng, ND_FLOAT64, 1, &n);
    nd_free(skip);
    nd_array *g = nd_rng_standard_normal(rng, ND_FLOAT64, 1, &n);
    ag_tensor *w = zeros_param(ND_FLOAT64, 1, &n);
    ck_assert_int_eq(ag_set_grad(w, g), 0);
    double direct = 0;
    for (int64_t i = 0; i < n; i++)
        direct += ((const double *)nd_data(g))[i] * ((const double *)nd_data(g))[i];
    ck_assert_int_eq(nd_set_num_threads(2), 0);
    double norm = ag_clip_grad_norm(1, &w, 1.0);
    ck_assert_double_eq_tol(norm, sqrt(direct), 1e-9 * sqrt(direct));
    /* clipped to norm 1: every element scaled by 1 / (norm + 1e-6) */
    ck_assert_double_eq_tol(flat(ag_grad(w), n - 1), flat(g, n - 1) / (norm + 1e-6), 1e-12);
    ck_assert_double_eq_tol(flat(ag_grad(w), 0), flat(g, 0) / (norm + 1e-6), 1e-12);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    ag_tensor_free(w);
    nd_free(g);
    nd_rng_free(rng);
}
END_TEST

/* ---- a training run, interrupted and resumed ----------------------------------------------- */

/* Linear regression y = x W + b on a fixed data set, mean squared error. */
typedef struct model {
    ag_tensor *w, *b; /* (4, 3), (3,) */
    ag_tensor *x, *y; /* constants (16, 4), (16, 3) */
} model;

static void model_init(model *m, nd_dtype dt, uint64_t seed)
{
    nd_rng *rng = nd_rng_new(seed);
    m->w = zeros_param(dt, 2, (const int64_t[]){4, 3});
    m->b = zeros_param(dt, 1, (const int64_t[]){3});
    ck_assert_int_eq(ag_init_kaiming_uniform(m->w, sqrt(5.0), AG_FAN_OUT,
                                             AG_NONLINEARITY_LEAKY_RELU, rng),
                     0);
    ck_assert_int_eq(ag_init_uniform(m->b, -0.5, 0.5, rng), 0);
    nd_array *x = nd_rng_standard_normal(rng, ND_FLOAT64, 2, (const int64_t[]){16, 4});
    nd_array *noise = nd_rng_normal(rng, 0, 0.1, ND_FLOAT64, 2, (const int64_t[]){16, 3});
    nd_array *true_w = nd_rng_standard_normal(rng, ND_FLOAT64, 2, (const int64_t[]){4, 3});
    nd_array *xw = nd_matmul(x, true_w), *y = nd_add(xw, noise);
    nd_array *xc = nd_astype(x, dt), *yc = nd_astype(y, dt);
    m->x = ag_const(xc);
    m->y = ag_const(yc);
    nd_free(x), nd_free(noise), nd_free(true_w), nd_free(xw), nd_free(y), nd_free(xc), nd_free(yc);
    nd_rng_free(rng);
}

static void model_free(model *m)
{
    ag_tensor_free(m->w), ag_tensor_free(m->b), ag_tensor_free(m->x), ag_tensor_free(m->y);
}

static double train_step(model *m, ag_optimizer *o, const ag_lr_schedule *s)
{
    ck_assert_int_eq(ag_optimizer_set_lr(o, ag_lr_at(s, ag_optimizer_step_count(o))), 0);
    ag_tensor *d = ag_sub(ag_add(ag_matmul(m->x, m->w), m->b), m->y);
    ag_tensor *loss = ag_mean(ag_mul(d, d), 0, NULL, false);
    ck_assert_ptr_nonnull(loss);
    double value = flat(ag_value(loss), 0);
    ck_assert_int_eq(ag_backward(loss), 0);
    ag_tape_reset();
    ag_tensor *params[2] = {m->w, m->b};
    ck_assert_double_ge(ag_clip_grad_norm(2, params, 1.0), 0);
    ck_assert_int_eq(ag_optimizer_step(o), 0);
    ag_optimizer_zero_grad(o);
    return value;
}

static ag_optimizer *make_optimizer(const char *kind, model *m)
{
    ag_tensor *params[2] = {m->w, m->b};
    if (strcmp(kind, "sgd") == 0)
        return ag_sgd_new(2, params, 0.05, 0.9, 0, 1e-3, true);
    if (strcmp(kind, "adam") == 0)
        return ag_adam_new(2, params, 0.05, 0.9, 0.99, 1e-8, 1e-3);
    return ag_adamw_new(2, params, 0.05, 0.9, 0.95, 1e-8, 0.1);
}

static bool same_bits(const nd_array *a, const nd_array *b)
{
    return nd_nbytes(a) == nd_nbytes(b) && memcmp(nd_data(a), nd_data(b), (size_t)nd_nbytes(a)) == 0;
}

static void check_resume(const char *kind, nd_dtype dt)
{
    const ag_lr_schedule sched = {.kind = AG_LR_WARMUP_COSINE,
                                  .lr = 0.05,
                                  .warmup_iters = 3,
                                  .lr_decay_iters = 25,
                                  .min_lr = 0.005};
    const char *names[2] = {"w", "b"};
    char *dir = test_make_tmpdir("resume");
    char model_path[1024], opt_path[1024];
    snprintf(model_path, sizeof model_path, "%s/model.safetensors", dir);
    snprintf(opt_path, sizeof opt_path, "%s/optimizer.safetensors", dir);

    /* The uninterrupted run: 30 steps; the loss must come down. */
    model full;
    model_init(&full, dt, 5);
    ag_optimizer *o = make_optimizer(kind, &full);
    double first = 0, last = 0;
    for (int s = 0; s < 30; s++) {
        last = train_step(&full, o, &sched);
        first = s == 0 ? last : first;
    }
    ck_assert_msg(last < 0.5 * first, "%s: loss %g -> %g", kind, first, last);
    ag_optimizer_free(o);

    /* 12 steps, save, then a fresh process-like start: other initial
     * values, load, 18 more steps. */
    model part;
    model_init(&part, dt, 5);
    o = make_optimizer(kind, &part);
    for (int s = 0; s < 12; s++)
        train_step(&part, o, &sched);
    ag_tensor *params[2] = {part.w, part.b};
    const char *meta[2] = {"iter", "12"};
    ck_assert_int_eq(ag_save_params(model_path, 2, names, params, 0, NULL), 0);
    ck_assert_int_eq(ag_optimizer_save(o, opt_path, 1, meta), 0);
    ag_optimizer_free(o);
    model_free(&part);

    model resumed;
    model_init(&resumed, dt, 99); /* other weights, other data: reload the data */
    ag_tensor_free(resumed.x), ag_tensor_free(resumed.y);
    resumed.x = ag_const(ag_value(full.x));
    resumed.y = ag_const(ag_value(full.y));
    ag_tensor *rparams[2] = {resumed.w, resumed.b};
    ck_assert_int_eq(ag_load_params(model_path, 2, names, rparams), 0);
    o = make_optimizer(kind, &resumed);
    ck_assert_int_eq(ag_optimizer_set_lr(o, 123.0), 0); /* restored by the load */
    ck_assert_int_eq(ag_optimizer_load(o, opt_path), 0);
    ck_assert_int_eq(ag_optimizer_step_count(o), 12);
    ck_assert(ag_optimizer_get_lr(o) == ag_lr_at(&sched, 11));
    nd_safetensors *st = nd_safetensors_load(opt_path);
    ck_assert_str_eq(nd_safetensors_metadata(st, "iter"), "12");
    nd_safetensors_free(st);
    for (int s = 12; s < 30; s++)
        train_step(&resumed, o, &sched);
    ck_assert_msg(same_bits(ag_value(resumed.w), ag_value(full.w)) &&
                      same_bits(ag_value(resumed.b), ag_value(full.b)),
                  "%s %s: the resumed run differs from the uninterrupted one", kind,
                  nd_dtype_name(dt));
    ag_optimizer_free(o);
    model_free(&resumed);
    model_free(&full);
    test_remove_tree(dir);
    free(dir);
}

START_TEST(test_resume_is_bit_identical)
{
    static const char *const kinds[3] = {"sgd", "adam", "adamw"};
    for (int k = 0; k < 3; k++) {
        check_resume(kinds[k], ND_FLOAT32);
        check_resume(kinds[k], ND_FLOAT64);
    }
}
END_TEST

START_TEST(test_optimizer_load_errors_change_nothing)
{
    char *dir = test_make_tmpdir("optload");
    char path[1024];
    snprintf(path, sizeof path, "%s/opt.safetensors", dir);
    ag_tensor *p = zeros_param(ND_FLOAT32, 1, (const int64_t[]){3});
    ag_tensor *q = zeros_param(ND_FLOAT32, 1, (const int64_t[]){4});
    nd_array *g = nd_ones(ND_FLOAT32, 1, (const int64_t[]){3});
    ag_set_grad(p, g);
    ag_optimizer *adam = ag_adam_new(1, &p, 0.1, 0.9, 0.999, 1e-8, 0);
    ck_assert_int_eq(ag_optimizer_step(adam), 0);
    ck_assert_int_eq(ag_optimizer_save(adam, path, 0, NULL), 0);

    ag_optimizer *sgd = ag_sgd_new(1, &p, 0.1, 0.9, 0, 0, false);
    ck_assert_int_eq(ag_optimizer_load(sgd, path), ND_ERR_VALUE);
    ck_assert_error("optimizer load: the file holds the state of optimizer 'adam', not 'sgd'");
    ag_tensor *two[2] = {p, q};
    ag_optimizer *adam2 = ag_adam_new(2, two, 0.1, 0.9, 0.999, 1e-8, 0);
    ck_assert_int_eq(ag_optimizer_load(adam2, path), ND_ERR_VALUE);
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "doesn't match the size of optimizer's group"));
    ag_optimizer *other_shape = ag_adam_new(1, &q, 0.7, 0.9, 0.999, 1e-8, 0);
    ck_assert_int_eq(ag_optimizer_load(other_shape, path), ND_ERR_VALUE);
    ck_assert_error("optimizer load: state.0.exp_avg does not match parameter 0 (shape or dtype)");
    ck_assert(ag_optimizer_get_lr(other_shape) == 0.7); /* unchanged */
    ck_assert_int_eq(ag_optimizer_step_count(other_shape), 0);
    ck_assert_int_lt(ag_optimizer_load(other_shape, "/nonexistent/x.safetensors"), 0);

    ag_optimizer_free(adam);
    ag_optimizer_free(adam2);
    ag_optimizer_free(sgd);
    ag_optimizer_free(other_shape);
    ag_tensor_free(p);
    ag_tensor_free(q);
    nd_free(g);
    test_remove_tree(dir);
    free(dir);
}
END_TEST

/* ZeRO-1 in one process: two "ranks", each an optimizer over its own copy
 * of two parameters whose state covers one slice of them
 * (ag_optimizer_set_range), exchanging their updated slices after every
 * step, stay bit-identical to one optimizer over everything; their state
 * put together is the whole state, its bytes are split between them, a
 * ranged state is not saved, and a ranged optimizer loads its slice. */
static void check_ranged(int kind)
{
    const int64_t shapes[2][2] = {{5, 7}, {9, 1}}, sizes[2] = {35, 9};
    /* rank 0: elements [0, 20) of parameter 0; rank 1: the rest of it and parameter 1 */
    const int64_t range[2][2][2] = {{{0, 20}, {0, 0}}, {{20, 35}, {0, 9}}};
    nd_rng *rng = nd_rng_new(3);
    ag_tensor *whole[2], *part[2][2];
    for (int i = 0; i < 2; i++) {
        nd_array *v = nd_rng_standard_normal(rng, ND_FLOAT32, 2, shapes[i]);
        whole[i] = ag_param(v);
        part[0][i] = ag_param(v);
        part[1][i] = ag_param(v);
        nd_free(v);
    }
    ag_optimizer *ow = kind ? ag_adamw_new(2, whole, 0.01, 0.9, 0.99, 1e-8, 0.1)
                            : ag_sgd_new(2, whole, 0.1, 0.9, 0, 0.01, true);
    ag_optimizer *op[2];
    for (int r = 0; r < 2; r++) {
        op[r] = kind ? ag_adamw_new(2, part[r], 0.01, 0.9, 0.99, 1e-8, 0.1)
                     : ag_sgd_new(2, part[r], 0.1, 0.9, 0, 0.01, true);
        for (int i = 0; i < 2; i++)
            ck_assert_int_eq(ag_optimizer_set_range(op[r], i, range[r][i][0], range[r][i][1]), 0);
    }
    ck_assert_int_eq(ag_optimizer_index(op[1], part[1][1]), 1);
    ck_assert_int_eq(ag_optimizer_index(op[1], whole[1]), -1);
    for (int step = 0; step < 3; step++) {
        for (int i = 0; i < 2; i++) {
            nd_array *g = nd_rng_standard_normal(rng, ND_FLOAT32, 2, shapes[i]);
            ck_assert_int_eq(ag_set_grad(whole[i], g), 0);
            ck_assert_int_eq(ag_set_grad(part[0][i], g), 0);
            ck_assert_int_eq(ag_set_grad(part[1][i], g), 0);
            nd_free(g);
        }
        ck_assert_int_eq(ag_optimizer_step(ow), 0);
        ck_assert_int_eq(ag_optimizer_step(op[0]), 0);
        ck_assert_int_eq(ag_optimizer_step(op[1]), 0);
        /* the all-gather: each rank's slices to the other */
        for (int r = 0; r < 2; r++)
            for (int i = 0; i < 2; i++) {
                const int64_t b = range[r][i][0], e = range[r][i][1];
                float *from = nd_data(ag_value(part[r][i])), *to = nd_data(ag_value(part[1 - r][i]));
                memcpy(to + b, from + b, (size_t)(e - b) * sizeof *to);
            }
        for (int r = 0; r < 2; r++)
            for (int i = 0; i < 2; i++)
                ck_assert_msg(memcmp(nd_data(ag_value(whole[i])), nd_data(ag_value(part[r][i])),
                                     (size_t)sizes[i] * 4) == 0,
                              "kind %d step %d: rank %d "
                              "parameter %d differs",
                              kind, step, r, i);
    }
    int64_t per_element = kind ? 8 : 4; /* AdamW: two moments; SGD: a momentum */
    ck_assert_int_eq(ag_optimizer_state_bytes(op[0]), 20 * per_element);
    ck_assert_int_eq(ag_optimizer_state_bytes(op[0]) + ag_optimizer_state_bytes(op[1]),
                     ag_optimizer_state_bytes(ow));
    char *dir = test_make_tmpdir("ranged");
    const char *path = test_path(dir, "opt.safetensors");
    ck_assert_int_eq(ag_optimizer_save(op[0], path, 0, NULL), ND_ERR_VALUE);
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "holds elements [0, 20) only"));
    /* Gathered: rank 0 widens to the whole parameter (its slice kept) and
     * takes rank 1's part; then it is the whole state. */
    ck_assert_int_eq(ag_optimizer_set_range(op[0], 0, 0, 35), 0);
    int64_t step0, step1, stepw;
    nd_array *a[2], *b[2], *w[2];
    ck_assert_int_eq(ag_optimizer_state(op[0], 0, &step0, &a[0], &a[1]), 0);
    ck_assert_int_eq(ag_optimizer_state(op[1], 0, &step1, &b[0], &b[1]), 0);
    ck_assert_int_eq(ag_optimizer_state(ow, 0, &stepw, &w[0], &w[1]), 0);
    ck_assert(step0 == 3 && step1 == 3 && stepw == 3);
    ck_assert_int_eq(nd_ndim(a[0]), 2); /* the whole range: the parameter's shape again */
    for (int k = 0; k < (kind ? 2 : 1); k++) {
        memcpy((float *)nd_data(a[k]) + 20, nd_data(b[k]), 15 * sizeof(float));
        ck_assert(memcmp(nd_data(a[k]), nd_data(w[k]), 35 * sizeof(float)) == 0);
    }
    /* A ranged optimizer loads its slice of a whole state. */
    ck_assert_int_eq(ag_optimizer_save(ow, path, 0, NULL), 0);
    ag_optimizer *loaded = kind ? ag_adamw_new(2, part[1], 0.5, 0.9, 0.99, 1e-8, 0.1)
                                : ag_sgd_new(2, part[1], 0.5, 0.9, 0, 0.01, true);
    ck_assert_int_eq(ag_optimizer_set_range(loaded, 0, 20, 35), 0);
    ck_assert_int_eq(ag_optimizer_load(loaded, path), 0);
    ck_assert_int_eq(ag_optimizer_state(loaded, 0, &step1, &b[0], &b[1]), 0);
    ck_assert(step1 == 3 && nd_size(b[0]) == 15);
    ck_assert(memcmp(nd_data(b[0]), (const float *)nd_data(w[0]) + 20, 15 * sizeof(float)) == 0);
    ck_assert_int_eq(ag_optimizer_state_bytes(loaded), 15 * per_element + 9 * per_element);
    ck_assert_int_lt(ag_optimizer_set_range(loaded, 0, 30, 36), 0); /* past the end */
    ag_optimizer_free(loaded);
    test_remove_tree(dir);
    free(dir);
    ag_optimizer_free(ow);
    for (int r = 0; r < 2; r++) {
        ag_optimizer_free(op[r]);
        for (int i = 0; i < 2; i++)
            ag_tensor_free(part[r][i]);
    }
    for (int i = 0; i < 2; i++)
        ag_tensor_free(whole[i]);
    nd_rng_free(rng);
}

START_TEST(test_ranged_state_matches_whole)
{
    check_ranged(0);
    check_ranged(1);
}
END_TEST

/* The clip in pieces (ag_sum_squares_f32 per chunk, ag_clip_coef_f32)
 * gives ag_clip_grad_norm's norm and scale, bit for bit. */
START_TEST(test_clip_in_pieces)
{
    const int64_t sizes[2] = {3 * AG_NORM_CHUNK + 123, 77};
    nd_rng *rng = nd_rng_new(11);
    ag_tensor *p[2];
    double sums[2];
    for (int i = 0; i < 2; i++) {
        p[i] = zeros_param(ND_FLOAT32, 1, &sizes[i]);
        nd_array *g = nd_rng_standard_normal(rng, ND_FLOAT32, 1, &sizes[i]);
        ck_assert_int_eq(ag_set_grad(p[i], g), 0);
        nd_free(g);
        const float *x = nd_data(ag_grad(p[i]));
        sums[i] = 0;
        for (int64_t at = 0; at < sizes[i]; at += AG_NORM_CHUNK)
            sums[i] += ag_sum_squares_f32(x + at, sizes[i] - at < AG_NORM_CHUNK ? sizes[i] - at
                                                                                : AG_NORM_CHUNK);
    }
    double coef;
    double total = ag_clip_coef_f32(2, sums, 1.0, &coef);
    nd_array *before = nd_copy(ag_grad(p[0]));
    ck_assert(ag_clip_grad_norm(2, p, 1.0) == total);
    ck_assert(total > 100 && coef < 1);
    const float *x = nd_data(before), *y = nd_data(ag_grad(p[0]));
    for (int64_t k = 0; k < sizes[0]; k++)
        ck_assert(y[k] == x[k] * (float)coef);
    ck_assert(ag_clip_coef_f32(2, sums, 1e9, &coef) == total && coef == 1.0);
    nd_free(before);
    for (int i = 0; i < 2; i++)
        ag_tensor_free(p[i]);
    nd_rng_free(rng);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("training");
    TCase *init = tcase_create("init");
    tcase_add_test(init, test_normal_and_uniform_statistics);
    tcase_add_test(init, test_init_draws_as_numpy_default_rng);
    tcase_add_test(init, test_xavier_and_kaiming_scales);
    tcase_add_test(init, test_init_errors);
    suite_add_tcase(s, init);
    TCase *opt = tcase_create("optim");
    tcase_set_timeout(opt, 120);
    tcase_add_test(opt, test_schedules);
    tcase_add_test(opt, test_optimizer_argument_errors);
    tcase_add_test(opt, test_set_grad_and_skipping);
    tcase_add_test(opt, test_clip_grad_norm_behaviour);
    tcase_add_test(opt, test_clip_inside_the_step);
    tcase_add_test(opt, test_split_updates_match_across_thread_counts);
    tcase_add_test(opt, test_resume_is_bit_identical);
    tcase_add_test(opt, test_optimizer_load_errors_change_nothing);
    tcase_add_test(opt, test_ranged_state_matches_whole);
    tcase_add_test(opt, test_clip_in_pieces);
    suite_add_tcase(s, opt);
    return s;
}
