/* The tape: recording, backward, accumulation, broadcasting undone, no-grad
 * scopes, retain_graph, reset, custom ops, and gradcheck of the core ops. */
#include "test_util.h"

#include <autograd.h>
#include <math.h>
#include <pthread.h>

static nd_array *array2(double a, double b, double c, double d)
{
    return nd_from_data(ND_FLOAT64, 2, (const int64_t[]){2, 2}, (const double[]){a, b, c, d});
}

static nd_array *random_array(uint64_t seed, int ndim, const int64_t *shape)
{
    nd_rng *rng = nd_rng_new(seed);
    nd_array *a = nd_rng_standard_normal(rng, ND_FLOAT64, ndim, shape);
    nd_rng_free(rng);
    return a;
}

START_TEST(test_mul_add_backward_values)
{
    /* L = sum(a * b + a): dL/da = b + 1, dL/db = a */
    nd_array *va = array2(1, 2, 3, 4), *vb = array2(5, 6, 7, 8);
    ag_tensor *a = ag_param(va), *b = ag_param(vb);
    ag_tensor *loss = ag_sum(ag_add(ag_mul(a, b), a), 0, NULL, false);
    ck_assert_ptr_nonnull(loss);
    ck_assert_values(ag_value(loss), 1 * 5 + 2 * 6 + 3 * 7 + 4 * 8 + 10);
    ck_assert_int_eq(ag_backward(loss), 0);
    ck_assert_values(ag_grad(a), 6, 7, 8, 9);
    ck_assert_values(ag_grad(b), 1, 2, 3, 4);
    ck_assert_str_eq(ag_op_name(loss), "sum");
    ck_assert_ptr_null(ag_op_name(a));
    ag_tape_reset();
    ck_assert_uint_eq(ag_tape_size(), 0);
    ag_tensor_free(a);
    ag_tensor_free(b);
    nd_free(va);
    nd_free(vb);
}
END_TEST

START_TEST(test_gradients_accumulate_until_zero_grad)
{
    nd_array *v = array2(1, 2, 3, 4);
    ag_tensor *a = ag_param(v);
    for (int step = 0; step < 3; step++) {
        ck_assert_int_eq(ag_backward(ag_sum(ag_mul_scalar(a, 2.0), 0, NULL, false)), 0);
        ag_tape_reset();
    }
    ck_assert_values(ag_grad(a), 6, 6, 6, 6);
    ag_zero_grad(a);
    ck_assert_ptr_null(ag_grad(a));
    ag_tensor_free(a);
    nd_free(v);
}
END_TEST

/* add's backward hands both inputs the same dL/dy; a tape tensor keeps it
 * as it is (no copy), so a later gradient into one of them must go into a
 * new array, not into the memory the other still reads. Here c = a * 3 is
 * recorded before y = a + b, so the backward gives a its shared dL/dy
 * first, then 3 more, and only then runs b's node: dL/dp = 1 * (1 + 3) +
 * 2 * 1 = 6 (12 if b read a's sum). */
START_TEST(test_shared_gradient_is_not_written_in_place)
{
    nd_array *v = array2(1, 2, 3, 4), *w = array2(1, 1, 1, 1);
    ag_tensor *p = ag_param(v), *wt = ag_const(w);
    ag_tensor *a = ag_mul_scalar(p, 1.0), *b = ag_mul_scalar(p, 2.0);
    ag_tensor *c = ag_mul_scalar(a, 3.0);
    ag_tensor *y = ag_add(a, b);
    ag_tensor *loss = ag_add(ag_sum(ag_mul(y, wt), 0, NULL, false), ag_sum(c, 0, NULL, false));
    ck_assert_int_eq(ag_backward(loss), 0);
    ck_assert_values(ag_grad(p), 6, 6, 6, 6);
    /* and a residual chain: x -> x + f(x) twice, every gradient shared */
    ag_tape_reset();
    ag_zero_grad(p);
    ag_tensor *x = ag_mul_scalar(p, 1.0);
    for (int i = 0; i < 2; i++)
        x = ag_add(x, ag_mul_scalar(x, 0.5));
    ck_assert_int_eq(ag_backward(ag_sum(x, 0, NULL, false)), 0);
    ck_assert_values(ag_grad(p), 2.25, 2.25, 2.25, 2.25);
    ag_tape_reset();
    ag_tensor_free(p);
    ag_tensor_free(wt);
    nd_free(v);
    nd_free(w);
}
END_TEST

START_TEST(test_broadcasting_is_undone)
{
    /* (2,2) + (2,) row bias: dL/dbias sums over rows. */
    nd_array *vx = array2(1, 2, 3, 4);
    nd_array *vb = nd_from_data(ND_FLOAT64, 1, (const int64_t[]){2}, (const double[]){10, 20});
    ag_tensor *x = ag_param(vx), *b = ag_param(vb);
    ag_tensor *y = ag_mul(ag_add(x, b), ag_add(x, b)); /* (x + b)^2, b used twice */
    ck_assert_int_eq(ag_backward(ag_sum(y, 0, NULL, false)), 0);
    /* dL/dx = 2 (x + b); dL/db = sum over rows of 2 (x + b) */
    ck_assert_values(ag_grad(x), 22, 44, 26, 48);
    ck_assert_values(ag_grad(b), 48, 92);
    ag_tape_reset();
    ag_tensor_free(x);
    ag_tensor_free(b);
    nd_free(vx);
    nd_free(vb);
}
END_TEST

START_TEST(test_no_grad_and_detach_record_nothing)
{
    nd_array *v = array2(1, 2, 3, 4);
    ag_tensor *a = ag_param(v);
    ag_no_grad_begin();
    ck_assert(!ag_is_grad_enabled());
    ag_tensor *y = ag_mul(a, a);
    ag_no_grad_end();
    ck_assert(ag_is_grad_enabled());
    ck_assert(!ag_requires_grad(y));
    ck_assert_uint_eq(ag_tape_size(), 0);
    ck_assert_int_lt(ag_backward(ag_sum(y, 0, NULL, false)), 0);
    ck_assert_error("element 0 of tensors does not require grad and does not have a grad_fn");
    ag_tensor *d = ag_detach(ag_mul(a, a));
    ck_assert(!ag_requires_grad(d));
    ck_assert_values(ag_value(d), 1, 4, 9, 16);
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
}
END_TEST

START_TEST(test_second_backward_needs_retain_graph)
{
    nd_array *v = array2(1, 2, 3, 4);
    ag_tensor *a = ag_param(v);
    ag_tensor *loss = ag_sum(ag_mul(a, a), 0, NULL, false);
    ck_assert_int_eq(ag_backward_ex(loss, NULL, true), 0);
    ck_assert_int_eq(ag_backward(loss), 0); /* allowed: retained */
    ck_assert_values(ag_grad(a), 4, 8, 12, 16); /* 2a, twice */
    ck_assert_int_lt(ag_backward(loss), 0); /* the graph is gone now */
    ck_assert(strstr(nd_last_error(), "Trying to backward through the graph a second time") != NULL);
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
}
END_TEST

START_TEST(test_backward_needs_scalar_or_grad_output)
{
    nd_array *v = array2(1, 2, 3, 4);
    ag_tensor *a = ag_param(v);
    ag_tensor *y = ag_mul_scalar(a, 3.0);
    ck_assert_int_lt(ag_backward(y), 0);
    ck_assert_error("grad can be implicitly created only for scalar outputs");
    nd_array *g = array2(1, 0, 0, 1);
    ck_assert_int_eq(ag_backward_ex(y, g, false), 0);
    ck_assert_values(ag_grad(a), 3, 0, 0, 3);
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
    nd_free(g);
}
END_TEST

START_TEST(test_null_inputs_propagate)
{
    ck_assert_ptr_null(ag_add(NULL, NULL));
    ck_assert_ptr_null(ag_sum(ag_mul(NULL, NULL), 0, NULL, false));
    nd_array *ints = nd_zeros(ND_INT64, 1, (const int64_t[]){3});
    ck_assert_ptr_null(ag_param(ints));
    ck_assert_error("only Tensors of floating point dtype can require gradients (got int64)");
    nd_free(ints);
}
END_TEST

START_TEST(test_shape_errors_come_from_libnd)
{
    nd_array *va = nd_zeros(ND_FLOAT32, 2, (const int64_t[]){2, 3});
    nd_array *vb = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){4});
    ag_tensor *a = ag_param(va), *b = ag_param(vb);
    ck_assert_ptr_null(ag_add(a, b));
    ck_assert_error("operands could not be broadcast together with shapes (2,3) (4,) ");
    ag_tape_reset();
    ag_tensor_free(a);
    ag_tensor_free(b);
    nd_free(va);
    nd_free(vb);
}
END_TEST

/* A custom op through the public API: swish(x) = x * sigmoid(x),
 * d/dx = s + x s (1 - s). */
static nd_array *swish_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    nd_array *neg = nd_negative(x[0]);
    nd_exp_out(neg, neg);
    nd_array *one = nd_scalar(ND_FLOAT64, 1.0);
    nd_add_out(neg, one, neg);
    nd_array *s = nd_divide(one, neg); /* sigmoid */
    ag_ctx_save(ctx, s);
    nd_array *y = nd_multiply(x[0], s);
    nd_free(neg);
    nd_free(one);
    nd_free(s);
    return y;
}

static int swish_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *x = ag_ctx_input(ctx, 0), *s = ag_ctx_saved(ctx, 0);
    // clang-format off
    nd_array *one = nd_scalar(ND_FLOAT64, 1.0);
    nd_array *t = nd_subtract(one, s);            /* 1 - s */
    nd_multiply_out(t, s, t);                     /* s (1 - s) */
    nd_multiply_out(t, x, t);                     /* x s (1 - s) */
    // clang-format on
    nd_add_out(t, s, t); /* s + x s (1 - s) */
    dx[0] = nd_multiply(dy, t);
    nd_free(one);
    nd_free(t);
    return dx[0] ? 0 : -1;
}

static const ag_op swish_op = {"swish", swish_forward, swish_backward};

static ag_tensor *swish(ag_tensor *const *x, void *ctx)
{
    (void)ctx;
    return ag_apply(&swish_op, 1, x, NULL, 0);
}

START_TEST(test_custom_op_gradchecks)
{
    nd_array *x = random_array(1, 2, (const int64_t[]){3, 4});
    ag_gradcheck_report r;
    ck_assert_int_eq(ag_gradcheck(swish, NULL, 1, (const nd_array *const[]){x}, 1e-6, 1e-9, 1e-7, &r),
                     1);
    nd_free(x);
}
END_TEST

/* gradcheck of the core ops, with broadcasting and non-contiguous inputs. */
static ag_tensor *f_add_mul_div(ag_tensor *const *x, void *ctx)
{
    (void)ctx;
    return ag_div(ag_mul(ag_add(x[0], x[1]), ag_sub(x[0], x[1])),
                  ag_add_scalar(ag_mul(x[1], x[1]), 1.0));
}

static ag_tensor *f_matmul(ag_tensor *const *x, void *ctx)
{
    (void)ctx;
    return ag_matmul(x[0], x[1]);
}

static ag_tensor *f_linear(ag_tensor *const *x, void *ctx)
{
    return ag_linear(x[0], x[1], ctx ? x[2] : NULL);
}

static ag_tensor *f_sum_mean(ag_tensor *const *x, void *ctx)
{
    const int *axes = ctx;
    return ag_add(ag_sum(x[0], 1, axes, true), ag_mean(ag_neg(x[0]), 1, axes + 1, true));
}

START_TEST(test_core_ops_gradcheck)
{
    ag_gradcheck_report r;
    nd_array *a = random_array(2, 2, (const int64_t[]){3, 4});
    nd_array *row = random_array(3, 1, (const int64_t[]){4});
    ck_assert_int_eq(ag_gradcheck(f_add_mul_div, NULL, 2, (const nd_array *const[]){a, row}, 1e-6,
                                  1e-8, 1e-6, &r),
                     1);
    /* matmul: batched with broadcasting, 1-D on either side, transposed */
    nd_array *batch = random_array(4, 3, (const int64_t[]){2, 3, 4});
    nd_array *m = random_array(5, 2, (const int64_t[]){4, 5});
    nd_array *mt = nd_transpose(m, NULL); /* (5, 4), non-contiguous */
    nd_array *v4 = random_array(6, 1, (const int64_t[]){4});
    nd_array *v3 = random_array(7, 1, (const int64_t[]){3});
    const nd_array *cases[][2] = {{batch, m}, {v4, m}, {batch, v4}, {v4, v4}, {mt, m}, {v3, a}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int ok = ag_gradcheck(f_matmul, NULL, 2, cases[i], 1e-6, 1e-8, 1e-6, &r);
        ck_assert_msg(ok == 1, "matmul case %zu: input %d index %lld analytic %g numeric %g (%s)",
                      i, r.input, (long long)r.index, r.analytic, r.numeric, nd_last_error());
    }
    /* linear: batched input, transposed (non-contiguous) input, with and
     * without bias */
    nd_array *w = random_array(9, 2, (const int64_t[]){5, 4});
    nd_array *bias = random_array(10, 1, (const int64_t[]){5});
    nd_array *x_base = random_array(11, 2, (const int64_t[]){4, 3});
    nd_array *xt = nd_transpose(x_base, NULL); /* (3, 4) view */
    ck_assert_int_eq(ag_gradcheck(f_linear, (void *)1, 3, (const nd_array *const[]){batch, w, bias},
                                  1e-6, 1e-8, 1e-6, &r),
                     1);
    ck_assert_int_eq(ag_gradcheck(f_linear, NULL, 2, (const nd_array *const[]){xt, w}, 1e-6, 1e-8,
                                  1e-6, &r),
                     1);
    ck_assert_ptr_null(ag_linear(NULL, NULL, NULL));
    nd_free(w);
    nd_free(bias);
    nd_free(xt);
    nd_free(x_base);
    int axes[2] = {1, 0};
    ck_assert_int_eq(ag_gradcheck(f_sum_mean, axes, 1, (const nd_array *const[]){batch}, 1e-6, 1e-8,
                                  1e-6, &r),
                     1);
    nd_free(a);
    nd_free(row);
    nd_free(batch);
    nd_free(m);
    nd_free(mt);
    nd_free(v4);
    nd_free(v3);
}
END_TEST

/* square with a deliberately wrong backward: dL/dx = dL/dy * x (the 2 is
 * missing). */
static nd_array *square_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_multiply(x[0], x[0]);
}

static int wrong_square_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    dx[0] = nd_multiply(dy, ag_ctx_input(ctx, 0));
    return 0;
}

static const ag_op wrong_square_op = {"wrong_square", square_forward, wrong_square_backward};

static ag_tensor *wrong_square(ag_tensor *const *x, void *ctx)
{
    (void)ctx;
    return ag_apply(&wrong_square_op, 1, x, NULL, 0);
}

START_TEST(test_gradcheck_catches_a_wrong_backward)
{
    nd_array *x = nd_from_data(ND_FLOAT64, 1, (const int64_t[]){3}, (const double[]){1, -2, 3});
    ag_gradcheck_report r;
    ck_assert_int_eq(ag_gradcheck(wrong_square, NULL, 1, (const nd_array *const[]){x}, 1e-6, 1e-9,
                                  1e-7, &r),
                     0);
    ck_assert_int_eq(r.input, 0);
    ck_assert_double_gt(r.error, 0);
    /* the worst element: the largest |x|, where analytic = v x, numeric = 2 v x */
    ck_assert_int_eq(r.index, 2);
    ck_assert_double_eq_tol(r.numeric, 2 * r.analytic, 1e-6 * fabs(r.numeric));
    nd_free(x);
}
END_TEST

START_TEST(test_reset_frees_everything_and_params_survive)
{
    nd_array *v = array2(1, 2, 3, 4);
    ag_tensor *a = ag_param(v);
    for (int step = 0; step < 100; step++) {
        ag_tensor *loss = ag_mean(ag_mul(a, a), 0, NULL, false);
        ck_assert_int_eq(ag_backward(loss), 0);
        ck_assert_uint_eq(ag_tape_size(), 2);
        ag_tape_reset();
    }
    ck_assert_values(ag_value(a), 1, 2, 3, 4);
    /* d mean(a^2)/da = a / 2, accumulated 100 times */
    ck_assert_values(ag_grad(a), 50, 100, 150, 200);
    ag_tensor_free(a);
    nd_free(v);
}
END_TEST

/* A thread that records ops and exits: its tape (arena blocks, node array)
 * is released with it; the sanitizer build's leak check would see it
 * otherwise. Each thread has its own tape. */
static void *train_in_thread(void *arg)
{
    nd_array *v = array2(1, 2, 3, 4);
    ag_tensor *a = ag_param(v);
    ag_tensor *loss = ag_sum(ag_mul(a, a), 0, NULL, false);
    int *ok = arg;
    *ok = loss && ag_backward(loss) == 0 && ag_tape_size() == 2;
    ag_tensor_free(a);
    nd_free(v);
    return NULL; /* no ag_tape_reset: thread exit releases the tape */
}

START_TEST(test_thread_tapes_are_released_at_exit)
{
    size_t before = ag_tape_size();
    for (int i = 0; i < 4; i++) {
        pthread_t thread;
        int ok = 0;
        ck_assert_int_eq(pthread_create(&thread, NULL, train_in_thread, &ok), 0);
        pthread_join(thread, NULL);
        ck_assert(ok);
    }
    ck_assert_uint_eq(ag_tape_size(), before); /* this thread's tape is untouched */
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("tape");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_mul_add_backward_values);
    tcase_add_test(tc, test_gradients_accumulate_until_zero_grad);
    tcase_add_test(tc, test_shared_gradient_is_not_written_in_place);
    tcase_add_test(tc, test_broadcasting_is_undone);
    tcase_add_test(tc, test_no_grad_and_detach_record_nothing);
    tcase_add_test(tc, test_second_backward_needs_retain_graph);
    tcase_add_test(tc, test_backward_needs_scalar_or_grad_output);
    tcase_add_test(tc, test_null_inputs_propagate);
    tcase_add_test(tc, test_shape_errors_come_from_libnd);
    tcase_add_test(tc, test_custom_op_gradchecks);
    tcase_add_test(tc, test_core_ops_gradcheck);
    tcase_add_test(tc, test_gradcheck_catches_a_wrong_backward);
    tcase_add_test(tc, test_reset_frees_everything_and_params_survive);
    tcase_add_test(tc, test_thread_tapes_are_released_at_exit);
    suite_add_tcase(s, tc);
    return s;
}
