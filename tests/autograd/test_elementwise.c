/* Unary math, elementwise selection, and var/amax/amin/logsumexp:
 * gradcheck on random inputs (broadcast and strided), the gradients torch
 * picks at zeros, ties and bounds, dtypes, and errors in torch's words. */
#include "test_util.h"

#include <autograd.h>
#include <math.h>

static nd_array *random_array(uint64_t seed, int ndim, const int64_t *shape)
{
    nd_rng *rng = nd_rng_new(seed);
    nd_array *a = nd_rng_standard_normal(rng, ND_FLOAT64, ndim, shape);
    nd_rng_free(rng);
    return a;
}

/* |a| + 0.25: inputs inside log, sqrt and pow's domain. */
static nd_array *positive(const nd_array *a)
{
    nd_array *r = nd_abs(a), *k = nd_scalar(ND_FLOAT64, 0.25);
    nd_add_out(r, k, r);
    nd_free(k);
    return r;
}

static nd_array *vec(int64_t n, const double *values)
{
    return nd_from_data(ND_FLOAT64, 1, &n, values);
}

/* ---- a test op that hands the next op a strided view --------------------------- */

/* x transposed and then reversed along its first axis: non-unit and
 * negative strides, no copy. */
static nd_array *strided_view(const nd_array *x)
{
    nd_array *t = nd_transpose(x, NULL);
    if (!t || nd_ndim(t) == 0)
        return t;
    nd_array *r = nd_slice(t, 0, ND_NONE, ND_NONE, -1);
    nd_free(t);
    return r;
}

static nd_array *strided_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return strided_view(x[0]);
}

/* dL/dx: dL/dy written back through the same view of a zero array. */
static int strided_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    nd_array *g = nd_zeros_like(ag_ctx_input(ctx, 0));
    nd_array *v = strided_view(g);
    nd_copyto(v, dy, ND_CAST_SAME_KIND);
    nd_free(v);
    dx[0] = g;
    return 0;
}

static const ag_op strided_op = {"strided", strided_forward, strided_backward};

static ag_tensor *strided(ag_tensor *x) { return ag_apply(&strided_op, 1, &x, NULL, 0); }

/* ---- gradcheck ------------------------------------------------------------------ */

static void check_grad(ag_function fn, void *ctx, int n, const nd_array *const *inputs,
                       const char *what)
{
    ag_gradcheck_report r;
    int ok = ag_gradcheck(fn, ctx, n, inputs, 1e-6, 1e-8, 1e-6, &r);
    ck_assert_msg(ok == 1, "%s: input %d index %lld analytic %.10g numeric %.10g (%s)", what,
                  r.input, (long long)r.index, r.analytic, r.numeric, nd_last_error());
}

typedef struct unary_case {
    const char *name;
    ag_tensor *(*f)(ag_tensor *);
    bool positive;
} unary_case;

static ag_tensor *pow_2_5(ag_tensor *a) { return ag_pow_scalar(a, 2.5); }
static ag_tensor *pow_minus_3(ag_tensor *a) { return ag_pow_scalar(a, -3.0); }
static ag_tensor *pow_0(ag_tensor *a) { return ag_pow_scalar(a, 0.0); }
static ag_tensor *softplus_default(ag_tensor *a) { return ag_softplus(a, 1.0, 20.0); }
/* beta 2: linear for a > 1.5, so the inputs cover both regions */
static ag_tensor *softplus_beta_2(ag_tensor *a) { return ag_softplus(a, 2.0, 3.0); }

static const unary_case unary_cases[] = {
    // clang-format off
    {"exp", ag_exp, false}, {"log", ag_log, true}, {"sqrt", ag_sqrt, true},
    {"rsqrt", ag_rsqrt, true}, {"tanh", ag_tanh, false}, {"sigmoid", ag_sigmoid, false},
    {"relu", ag_relu, false}, {"abs", ag_abs, false}, {"square", ag_square, false},
    {"pow_scalar 2.5", pow_2_5, true}, {"pow_scalar -3", pow_minus_3, true},
    {"pow_scalar 0", pow_0, false}, {"softplus", softplus_default, false},
    {"softplus beta 2", softplus_beta_2, false},
    // clang-format on
};

static ag_tensor *unary_plain(ag_tensor *const *x, void *ctx)
{
    return ((const unary_case *)ctx)->f(x[0]);
}

static ag_tensor *unary_strided(ag_tensor *const *x, void *ctx)
{
    return ((const unary_case *)ctx)->f(strided(x[0]));
}

START_TEST(test_unary_gradcheck)
{
    nd_array *x = random_array(1, 3, (const int64_t[]){2, 3, 4});
    nd_array *xp = positive(x);
    for (size_t i = 0; i < sizeof unary_cases / sizeof unary_cases[0]; i++) {
        const unary_case *c = &unary_cases[i];
        const nd_array *in[] = {c->positive ? xp : x};
        check_grad(unary_plain, (void *)c, 1, in, c->name);
        check_grad(unary_strided, (void *)c, 1, in, c->name);
    }
    nd_free(x);
    nd_free(xp);
}
END_TEST

typedef struct binary_case {
    const char *name;
    ag_tensor *(*f)(ag_tensor *, ag_tensor *);
} binary_case;

static ag_tensor *binary_strided(ag_tensor *const *x, void *ctx)
{
    return ((const binary_case *)ctx)->f(strided(x[0]), x[1]);
}

START_TEST(test_binary_gradcheck)
{
    /* strided (4,3) -> (3,4), against a (4,) row and a (2,1,1) column block */
    nd_array *a = random_array(2, 2, (const int64_t[]){4, 3});
    nd_array *row = random_array(3, 1, (const int64_t[]){4});
    nd_array *block = random_array(4, 3, (const int64_t[]){2, 1, 1});
    nd_array *ap = positive(a);
    const binary_case cases[] = {{"maximum", ag_maximum}, {"minimum", ag_minimum}, {"pow", ag_pow}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const nd_array *base = i == 2 ? ap : a;
        check_grad(binary_strided, (void *)&cases[i], 2, (const nd_array *const[]){base, row},
                   cases[i].name);
        check_grad(binary_strided, (void *)&cases[i], 2, (const nd_array *const[]){base, block},
                   cases[i].name);
    }
    nd_free(a);
    nd_free(row);
    nd_free(block);
    nd_free(ap);
}
END_TEST

static ag_tensor *where_fn(ag_tensor *const *x, void *ctx)
{
    return ag_where(ctx, strided(x[0]), x[1]);
}

static ag_tensor *masked_fill_fn(ag_tensor *const *x, void *ctx)
{
    return ag_masked_fill(strided(x[0]), ctx, -3.5);
}

static ag_tensor *clamp_fn(ag_tensor *const *x, void *ctx)
{
    const double *bounds = ctx;
    return ag_clamp(strided(x[0]), bounds[0], bounds[1]);
}

START_TEST(test_selection_gradcheck)
{
    nd_array *a = random_array(5, 2, (const int64_t[]){4, 3});
    nd_array *b = random_array(6, 2, (const int64_t[]){3, 1});
    nd_array *u = random_array(7, 2, (const int64_t[]){3, 4});
    nd_array *zero = nd_scalar(ND_FLOAT64, 0.0);
    nd_array *cond = nd_greater(u, zero); /* (3,4) */
    nd_array *row_mask = nd_slice(cond, 0, 0, 1, 1); /* (1,4) broadcasts */
    check_grad(where_fn, cond, 2, (const nd_array *const[]){a, b}, "where");
    check_grad(where_fn, row_mask, 2, (const nd_array *const[]){a, b}, "where, broadcast cond");
    check_grad(masked_fill_fn, cond, 1, (const nd_array *const[]){a}, "masked_fill");
    check_grad(masked_fill_fn, row_mask, 1, (const nd_array *const[]){a}, "masked_fill, row mask");
    const double bounds[][2] = {{-0.5, 0.5}, {-0.5, NAN}, {NAN, 0.5}, {-INFINITY, 0.25}};
    for (size_t i = 0; i < 4; i++)
        check_grad(clamp_fn, (void *)bounds[i], 1, (const nd_array *const[]){a}, "clamp");
    nd_free(a);
    nd_free(b);
    nd_free(u);
    nd_free(zero);
    nd_free(cond);
    nd_free(row_mask);
}
END_TEST

typedef struct reduce_case {
    int naxes, axes[3];
    bool keepdims;
    int correction;
} reduce_case;

static ag_tensor *var_fn(ag_tensor *const *x, void *ctx)
{
    const reduce_case *c = ctx;
    return ag_var(strided(x[0]), c->naxes, c->axes, c->correction, c->keepdims);
}

static ag_tensor *max_fn(ag_tensor *const *x, void *ctx)
{
    const reduce_case *c = ctx;
    return ag_max(strided(x[0]), c->naxes, c->axes, c->keepdims);
}

static ag_tensor *min_fn(ag_tensor *const *x, void *ctx)
{
    const reduce_case *c = ctx;
    return ag_min(strided(x[0]), c->naxes, c->axes, c->keepdims);
}

static ag_tensor *logsumexp_fn(ag_tensor *const *x, void *ctx)
{
    const reduce_case *c = ctx;
    return ag_logsumexp(strided(x[0]), c->naxes, c->axes, c->keepdims);
}

START_TEST(test_reduction_gradcheck)
{
    nd_array *x = random_array(8, 3, (const int64_t[]){4, 3, 2}); /* strided: (2,3,4) */
    const reduce_case cases[] = {
        {0, {0}, false, 1},  {1, {0}, false, 0},   {2, {1, 2}, true, 1},
        {1, {-1}, false, 2}, {2, {2, 0}, true, 0},
    };
    ag_function fns[] = {var_fn, max_fn, min_fn, logsumexp_fn};
    const char *names[] = {"var", "max", "min", "logsumexp"};
    for (size_t f = 0; f < 4; f++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            check_grad(fns[f], (void *)&cases[i], 1, (const nd_array *const[]){x}, names[f]);
    nd_free(x);
}
END_TEST

/* ---- the gradients torch picks where the derivative is undefined --------------- */

/* Back-propagates sum(y) into the inputs' gradients; returns y. */
static ag_tensor *grad_of_sum(ag_tensor *y)
{
    ck_assert_ptr_nonnull(y);
    ag_tensor *loss = ag_sum(y, 0, NULL, false);
    ck_assert_int_eq(ag_backward(loss), 0);
    return y;
}

START_TEST(test_edges_match_torch_choices)
{
    nd_array *v = vec(3, (const double[]){-1, 0, 2});
    ag_tensor *a = ag_param(v);
    grad_of_sum(ag_relu(a));
    ck_assert_values(ag_grad(a), 0, 0, 1); /* relu'(0) = 0 */
    ag_zero_grad(a);
    grad_of_sum(ag_abs(a));
    ck_assert_values(ag_grad(a), -1, 0, 1); /* abs'(0) = 0 */
    ag_zero_grad(a);
    grad_of_sum(ag_clamp(a, 0.0, 2.0));
    ck_assert_values(ag_grad(a), 0, 1, 1); /* the bounds pass the gradient */
    ag_zero_grad(a);
    grad_of_sum(ag_clamp(a, 1.0, -1.0)); /* crossed bounds: all hi, no gradient */
    ck_assert_values(ag_grad(a), 0, 0, 0);
    ag_tape_reset();

    /* maximum / minimum split ties */
    nd_array *w = vec(3, (const double[]){-1, 0, 3});
    ag_tensor *b = ag_param(w);
    ag_zero_grad(a);
    ck_assert_values(ag_value(grad_of_sum(ag_maximum(a, b))), -1, 0, 3);
    ck_assert_values(ag_grad(a), 0.5, 0.5, 0);
    ck_assert_values(ag_grad(b), 0.5, 0.5, 1);
    ag_zero_grad(a);
    ag_zero_grad(b);
    grad_of_sum(ag_minimum(a, b));
    ck_assert_values(ag_grad(a), 0.5, 0.5, 1);
    ck_assert_values(ag_grad(b), 0.5, 0.5, 0);
    ag_tape_reset();

    /* amax splits among ties: (2, 2, 1) -> 1/2 each, (3, 3, 3) -> 1/3 each */
    nd_array *m =
        nd_from_data(ND_FLOAT64, 2, (const int64_t[]){2, 3}, (const double[]){2, 2, 1, 3, 3, 3});
    ag_tensor *c = ag_param(m);
    grad_of_sum(ag_max(c, 1, (const int[]){1}, false));
    ck_assert_values(ag_grad(c), 0.5, 0.5, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3);
    ag_zero_grad(c);
    grad_of_sum(ag_min(c, 0, NULL, true));
    ck_assert_values(ag_grad(c), 0, 0, 1, 0, 0, 0);
    ag_tape_reset();

    /* pow: 0^0 and 0^b have finite gradients */
    nd_array *base = vec(3, (const double[]){0, 0, 2}), *expo = vec(3, (const double[]){0, 2, 0});
    ag_tensor *pa = ag_param(base), *pb = ag_param(expo);
    ck_assert_values(ag_value(grad_of_sum(ag_pow(pa, pb))), 1, 0, 1);
    ck_assert_values(ag_grad(pa), 0, 0, 0);
    ck_assert_values(ag_grad(pb), 0, 0, log(2.0));
    ag_tape_reset();

    ag_tensor *ts[] = {a, b, c, pa, pb};
    for (int i = 0; i < 5; i++)
        ag_tensor_free(ts[i]);
    nd_array *vs[] = {v, w, m, base, expo};
    for (int i = 0; i < 5; i++)
        nd_free(vs[i]);
}
END_TEST

START_TEST(test_float32_stays_float32)
{
    nd_array *v = nd_full(ND_FLOAT32, 2, (const int64_t[]){2, 3}, 0.5);
    nd_array *mask = nd_zeros(ND_BOOL, 1, (const int64_t[]){3});
    ag_tensor *a = ag_param(v);
    ag_tensor *ys[] = {ag_exp(a),
                       ag_log(a),
                       ag_sqrt(a),
                       ag_rsqrt(a),
                       ag_tanh(a),
                       ag_sigmoid(a),
                       ag_relu(a),
                       ag_abs(a),
                       ag_square(a),
                       ag_pow(a, a),
                       ag_pow_scalar(a, 1.0 / 3),
                       ag_maximum(a, a),
                       ag_minimum(a, a),
                       ag_where(mask, a, a),
                       ag_masked_fill(a, mask, 1e300),
                       ag_clamp(a, 0.25, 1e300),
                       ag_var(a, 1, (const int[]){1}, 1, false),
                       ag_max(a, 0, NULL, false),
                       ag_min(a, 1, (const int[]){0}, true),
                       ag_logsumexp(a, 1, (const int[]){-1}, true)};
    for (size_t i = 0; i < sizeof ys / sizeof ys[0]; i++) {
        ck_assert_msg(ys[i] != NULL, "op %zu: %s", i, nd_last_error());
        ck_assert_int_eq(nd_dtype_of(ag_value(ys[i])), ND_FLOAT32);
        ck_assert_int_eq(ag_backward(ag_sum(ys[i], 0, NULL, false)), 0);
        ck_assert_int_eq(nd_dtype_of(ag_grad(a)), ND_FLOAT32);
    }
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
    nd_free(mask);
}
END_TEST

START_TEST(test_constants_and_no_grad)
{
    /* Only the input that requires a gradient gets one. */
    nd_array *v = vec(2, (const double[]){1, 4}), *e = vec(2, (const double[]){3, 0.5});
    nd_array *cond = nd_from_data(ND_BOOL, 1, (const int64_t[]){2}, (const bool[]){true, false});
    ag_tensor *a = ag_param(v), *k = ag_const(e);
    grad_of_sum(ag_pow(a, k));
    ck_assert_values(ag_grad(a), 3, 0.25); /* 3 a^2, 0.5 a^-0.5 */
    ck_assert_ptr_null(ag_grad(k));
    ag_zero_grad(a);
    grad_of_sum(ag_where(cond, k, a));
    ck_assert_values(ag_grad(a), 0, 1);
    ag_tape_reset();
    /* Unrecorded ops keep nothing and still check their arguments. */
    ag_no_grad_begin();
    ag_tensor *y = ag_where(cond, a, k);
    ck_assert_values(ag_value(y), 1, 0.5);
    ck_assert_ptr_null(ag_clamp(a, NAN, NAN));
    ag_no_grad_end();
    ck_assert_uint_eq(ag_tape_size(), 0);
    ag_tape_reset();
    ag_tensor_free(a);
    ag_tensor_free(k);
    nd_free(v);
    nd_free(e);
    nd_free(cond);
}
END_TEST

START_TEST(test_errors_in_torch_words)
{
    nd_array *v = nd_zeros(ND_FLOAT64, 2, (const int64_t[]){2, 3});
    nd_array *fmask = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){3});
    nd_array *imask = nd_zeros(ND_INT64, 1, (const int64_t[]){3});
    nd_array *empty = nd_zeros(ND_FLOAT64, 2, (const int64_t[]){2, 0});
    ag_tensor *a = ag_param(v), *z = ag_param(empty);

    ck_assert_ptr_null(ag_where(fmask, a, a));
    ck_assert_error("where expected condition to be a boolean tensor, but got a tensor with dtype "
                    "Float");
    ck_assert_ptr_null(ag_masked_fill(a, imask, 1.0));
    ck_assert_error("masked_fill_ only supports boolean masks, but got mask with dtype Long");
    nd_clear_error();
    ck_assert_ptr_null(ag_where(NULL, a, a));
    ck_assert_error("where: the condition is NULL");
    ck_assert_ptr_null(ag_clamp(a, NAN, NAN));
    ck_assert_error("torch.clamp: At least one of 'min' or 'max' must not be None");

    ck_assert_ptr_null(ag_max(a, 1, (const int[]){2}, false));
    ck_assert_error("Dimension out of range (expected to be in range of [-2, 1], but got 2)");
    ck_assert_ptr_null(ag_var(a, 2, (const int[]){0, -2}, 1, false));
    ck_assert_error("dim 0 appears multiple times in the list of dims");
    ck_assert_ptr_null(ag_logsumexp(a, 1, (const int[]){-3}, false));
    ck_assert_error("Dimension out of range (expected to be in range of [-2, 1], but got -3)");
    ck_assert_ptr_null(ag_min(a, -1, NULL, false));
    ck_assert_ptr_null(ag_max(a, 1, NULL, false));
    ck_assert_ptr_null(ag_max(z, 1, (const int[]){-1}, false));
    ck_assert_error("amax(): Expected reduction dim -1 to have non-zero size.");
    ck_assert_ptr_null(ag_min(z, 0, NULL, false));
    ck_assert_error("amin(): Expected reduction dim to be specified for input.numel() == 0. "
                    "Specify the reduction dim with the 'dim' argument.");
    /* reducing the non-empty axis of an empty tensor is fine */
    ag_tensor *y = ag_max(z, 1, (const int[]){0}, false);
    ck_assert_ptr_nonnull(y);
    ck_assert_shape(ag_value(y), ND_FLOAT64, 1, 0);
    /* broadcasting errors come from libnd, as for the core ops */
    nd_array *w = nd_zeros(ND_FLOAT64, 1, (const int64_t[]){4});
    ag_tensor *b = ag_param(w);
    ck_assert_ptr_null(ag_maximum(a, b));
    ck_assert_error("operands could not be broadcast together with shapes (2,3) (4,) ");

    /* NULL in, NULL out, with the first error kept */
    ck_assert_ptr_null(ag_exp(ag_log(NULL)));
    ck_assert_ptr_null(ag_var(ag_max(a, 1, (const int[]){9}, false), 0, NULL, 1, false));
    ck_assert_error("Dimension out of range (expected to be in range of [-2, 1], but got 9)");
    ck_assert_ptr_null(ag_pow(NULL, a));
    ck_assert_ptr_null(ag_masked_fill(NULL, imask, 0));
    ck_assert_ptr_null(ag_clamp(NULL, 0, 1));

    ag_tape_reset();
    ag_tensor_free(a);
    ag_tensor_free(z);
    ag_tensor_free(b);
    nd_free(v);
    nd_free(w);
    nd_free(fmask);
    nd_free(imask);
    nd_free(empty);
}
END_TEST

START_TEST(test_zero_d_reductions)
{
    nd_array *v = nd_scalar(ND_FLOAT64, 1.5);
    ag_tensor *a = ag_param(v);
    ag_tensor *y = grad_of_sum(ag_logsumexp(a, 1, (const int[]){-1}, true));
    ck_assert_shape(ag_value(y), ND_FLOAT64, 0);
    ck_assert_values(ag_value(y), 1.5);
    ck_assert_values(ag_grad(a), 1);
    ck_assert_ptr_null(ag_max(a, 1, (const int[]){1}, false));
    ck_assert_error("Dimension out of range (expected to be in range of [-1, 0], but got 1)");
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(v);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("elementwise");
    TCase *tc = tcase_create("ops");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_unary_gradcheck);
    tcase_add_test(tc, test_binary_gradcheck);
    tcase_add_test(tc, test_selection_gradcheck);
    tcase_add_test(tc, test_reduction_gradcheck);
    tcase_add_test(tc, test_edges_match_torch_choices);
    tcase_add_test(tc, test_float32_stays_float32);
    tcase_add_test(tc, test_constants_and_no_grad);
    tcase_add_test(tc, test_errors_in_torch_words);
    tcase_add_test(tc, test_zero_d_reductions);
    suite_add_tcase(s, tc);
    return s;
}
