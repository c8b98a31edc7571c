/* Mixed precision: the cast op ag_to_dtype and bf16 ag_linear / ag_matmul.
 *
 *  - the cast rounds to nearest even and its backward is exact (dL/dx is
 *    dL/dy converted to x's dtype), and it passes gradcheck;
 *  - bf16 products against float64 references computed from the
 *    bf16-rounded operands, within the rounding bound: forward outputs are
 *    float32 sums, |y - ref| <= 2^-23 |ref| + 2 k 2^-24 S (S = the sum of
 *    |terms|, k terms), gradients are rounded once to bf16 after float32
 *    sums, |g - ref| <= 2^-8 |ref| + 2 k 2^-24 S (2^-8 is bf16's unit
 *    roundoff: 8 significant bits);
 *  - a weight cast once and used several times: one cast node, gradients
 *    of the uses summed;
 *  - attention on bf16 q, k, v: the fused op and the composed twin agree,
 *    both near float32 attention;
 *  - an optimizer's bf16 copy of a weight equals the weight cast after
 *    every step, and a cast taken from it (ag_to_dtype_from) gives the
 *    cast's outputs and gradients bit for bit;
 *  - an MLP trained 100 steps in bf16 mixed precision tracks float32.
 * meson runs this suite twice: on the AVX512_BF16 kernel where the CPU has
 * it, and with ND_BF16_GEMM=fallback (operands widened to float32). */
#include "test_util.h"

#include <autograd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BF16_U 0x1p-8 /* bf16 unit roundoff */
#define F32_U 0x1p-24 /* float32 unit roundoff */

/* ---- helpers ---------------------------------------------------------------------------- */

/* z * scale (computed in float64) as dtype dt; z is taken. */
static nd_array *scaled(nd_array *z, double scale, nd_dtype dt)
{
    nd_array *k = nd_scalar(ND_FLOAT64, scale);
    nd_array *s = nd_multiply(z, k);
    nd_array *r = nd_astype(s, dt);
    ck_assert_ptr_nonnull(r);
    nd_free(z);
    nd_free(k);
    nd_free(s);
    return r;
}

static nd_array *randn(nd_rng *rng, nd_dtype dt, int ndim, const int64_t *shape, double scale)
{
    return scaled(nd_rng_standard_normal(rng, ND_FLOAT64, ndim, shape), scale, dt);
}

/* a rounded to bf16 and widened to float64: the values a bf16 operand holds. */
static nd_array *bf16_values(const nd_array *a)
{
    nd_array *h = nd_astype(a, ND_BFLOAT16);
    nd_array *r = nd_astype(h, ND_FLOAT64);
    ck_assert_ptr_nonnull(r);
    nd_free(h);
    return r;
}

static nd_array *f64(const nd_array *a)
{
    nd_array *r = nd_astype(a, ND_FLOAT64);
    ck_assert_ptr_nonnull(r);
    return r;
}

/* |got - ref| <= rel |ref| + per_S S elementwise (got any float dtype):
 * per_S is 2 k 2^-24 for sums of k float32 terms. */
static void assert_within(const char *what, const nd_array *got, const nd_array *ref,
                          const nd_array *S, double rel, double per_S)
{
    ck_assert_msg(got != NULL, "%s: missing", what);
    ck_assert_int_eq(nd_size(got), nd_size(ref));
    nd_array *g = f64(got), *r = nd_copy(ref), *s = nd_copy(S);
    const double *gv = nd_data(g), *rv = nd_data(r), *sv = nd_data(s);
    for (int64_t i = 0; i < nd_size(g); i++) {
        double bound = rel * fabs(rv[i]) + per_S * sv[i];
        ck_assert_msg(fabs(gv[i] - rv[i]) <= bound, "%s[%lld]: %.9g, reference %.9g, bound %.3g",
                      what, (long long)i, gv[i], rv[i], bound);
    }
    nd_free(g);
    nd_free(r);
    nd_free(s);
}

/* True if a == b everywhere (NaN never equals). */
static bool all_equal(const nd_array *a, const nd_array *b)
{
    nd_array *eq = nd_equal(a, b);
    nd_array *all = eq ? nd_all(eq, 0, NULL, false) : NULL;
    double v = 0;
    ck_assert_int_eq(nd_get(all, NULL, &v), 0);
    nd_free(eq);
    nd_free(all);
    return v != 0;
}

/* The float32 summation bound of k terms, per unit of sum |terms|. */
static double sum_bound(int64_t k) { return 2.0 * (double)k * F32_U; }

static void assert_equal(const char *what, const nd_array *got, const nd_array *want)
{
    ck_assert_msg(got != NULL, "%s: missing", what);
    ck_assert_int_eq(nd_dtype_of(got), nd_dtype_of(want));
    ck_assert_msg(all_equal(got, want), "%s: not equal", what);
}

/* Frees n arrays, two tensors and a generator: the end of a test. */
static void release(nd_array **arrays, size_t n, ag_tensor *x, ag_tensor *w, nd_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        nd_free(arrays[i]);
    ag_tensor_free(x);
    ag_tensor_free(w);
    nd_rng_free(rng);
}

/* ---- the cast ------------------------------------------------------------------------- */

START_TEST(test_cast_rounds_to_nearest_even)
{
    /* 1 + 2^-8 is halfway between 1 and 1 + 2^-7: the even one, 1.
     * 1 + 3 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
     * 1 + 2^-8 + 2^-20 is above halfway: up. FLT_MAX rounds past bf16's
     * largest finite value: inf. NaN stays NaN, -0 stays -0. */
    // clang-format off
    const float in[] = {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 1 + 0x1p-8f + 0x1p-20f, -(1 + 0x1p-8f),
                        3.4028234663852886e38f, INFINITY, NAN, -0.0f};
    const double want[] = {1, 1 + 0x1p-6, 1 + 0x1p-7, -1, INFINITY, INFINITY, NAN, -0.0};
    // clang-format on
    nd_array *a = nd_from_data(ND_FLOAT32, 1, (const int64_t[]){8}, in);
    ag_tensor *x = ag_param(a);
    ag_tensor *y = ag_to_dtype(x, ND_BFLOAT16);
    ck_assert_ptr_nonnull(y);
    ck_assert_str_eq(ag_op_name(y), "to_dtype");
    ck_assert_int_eq(nd_dtype_of(ag_value(y)), ND_BFLOAT16);
    ck_assert(ag_requires_grad(y));
    for (int64_t i = 0; i < 8; i++) {
        double v;
        ck_assert_int_eq(nd_get(ag_value(y), &i, &v), 0);
        if (isnan(want[i]))
            ck_assert(isnan(v));
        else
            ck_assert_msg(v == want[i] && signbit(v) == signbit(want[i]), "element %lld: %.9g",
                          (long long)i, v);
    }
    ag_tape_reset();
    ag_tensor_free(x);
    nd_free(a);
}
END_TEST

/* dL/dx is dL/dy converted to x's dtype, bit for bit, for every pair. */
START_TEST(test_cast_backward_is_the_upstream_gradient_cast_back)
{
    const nd_dtype dts[] = {ND_FLOAT32, ND_FLOAT64};
    const nd_dtype targets[] = {ND_BFLOAT16, ND_FLOAT16, ND_FLOAT32, ND_FLOAT64};
    nd_rng *rng = nd_rng_new(7);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++) {
            if (dts[i] == targets[j])
                continue;
            nd_array *a = randn(rng, dts[i], 2, (const int64_t[]){5, 6}, 3.0);
            nd_array *v = randn(rng, ND_FLOAT64, 2, (const int64_t[]){5, 6}, 10.0);
            ag_tensor *x = ag_param(a);
            ag_tensor *y = ag_to_dtype(x, targets[j]);
            ck_assert_ptr_nonnull(y);
            nd_array *want_y = nd_astype(a, targets[j]);
            assert_equal("forward", ag_value(y), want_y);
            ck_assert_int_eq(ag_backward_ex(y, v, false), 0);
            /* The tape seeds the backward with v in y's dtype. */
            nd_array *seed = nd_astype(v, targets[j]);
            nd_array *want = nd_astype(seed, dts[i]);
            assert_equal("gradient", ag_grad(x), want);
            ag_tape_reset();
            ag_tensor_free(x);
            nd_free(a);
            nd_free(v);
            nd_free(want_y);
            nd_free(seed);
            nd_free(want);
        }
    nd_rng_free(rng);
}
END_TEST

START_TEST(test_cast_to_same_dtype_and_to_integers)
{
    nd_array *a = nd_arange(ND_FLOAT32, -2, 3, 1);
    ag_tensor *x = ag_param(a);
    /* x.to(x.dtype) is x: nothing recorded. */
    ck_assert_ptr_eq(ag_to_dtype(x, ND_FLOAT32), x);
    ck_assert_uint_eq(ag_tape_size(), 0);
    /* To an integer dtype: a value without gradient, nothing recorded. */
    ag_tensor *i = ag_to_dtype(x, ND_INT64);
    ck_assert_ptr_nonnull(i);
    ck_assert(!ag_requires_grad(i));
    ck_assert_uint_eq(ag_tape_size(), 0);
    ck_assert_values(ag_value(i), -2, -1, 0, 1, 2);
    /* Errors and NULL. */
    ck_assert_ptr_null(ag_to_dtype(x, (nd_dtype)99));
    ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
    ck_assert_ptr_null(ag_to_dtype(NULL, ND_BFLOAT16));
    ag_tape_reset();
    ag_tensor_free(x);
    nd_free(a);
}
END_TEST

/* ---- gradcheck through the casts --------------------------------------------------------- */

/* inputs: x (4, 6), W (5, 6), b (5,), all float64 (gradcheck's copies). */
static ag_tensor *linear_through(ag_tensor *const *in, void *ctx)
{
    nd_dtype dt = *(const nd_dtype *)ctx;
    ag_tensor *y = ag_linear(ag_to_dtype(in[0], dt), ag_to_dtype(in[1], dt), in[2]);
    return ag_to_dtype(ag_square(y), ND_FLOAT64);
}

/* ag_gradcheck of fn on x, W, b, which it frees with rng. */
static void gradcheck_linear(ag_function fn, void *ctx, nd_rng *rng, nd_array **in, double eps,
                             double atol, double rtol)
{
    ag_gradcheck_report r;
    int ok = ag_gradcheck(fn, ctx, 3, (const nd_array *const *)in, eps, atol, rtol, &r);
    ck_assert_msg(ok == 1, "input %d [%lld]: analytic %.9g numeric %.9g", r.input,
                  (long long)r.index, r.analytic, r.numeric);
    for (int i = 0; i < 3; i++)
        nd_free(in[i]);
    nd_rng_free(rng);
}

START_TEST(test_gradcheck_through_float32_casts)
{
    /* float64 -> float32 -> float64: the float32 rounding of x +- eps
     * (2^-24 relative) over 2 eps gives an error of about 1e-4 at eps 1e-3,
     * hence the tolerances. */
    nd_rng *rng = nd_rng_new(11);
    nd_array *x = randn(rng, ND_FLOAT64, 2, (const int64_t[]){4, 6}, 1.0);
    nd_array *w = randn(rng, ND_FLOAT64, 2, (const int64_t[]){5, 6}, 0.5);
    nd_array *b = randn(rng, ND_FLOAT64, 1, (const int64_t[]){5}, 1.0);
    nd_dtype dt = ND_FLOAT32;
    gradcheck_linear(linear_through, &dt, rng, (nd_array *[]){x, w, b}, 1e-3, 1e-3, 1e-3);
}
END_TEST

/* (n,) values k / 16, |k| <= 32: exact in bf16, and so is every x +- 2^-6
 * ((4k +- 1) / 64 has at most 8 significant bits). */
static nd_array *bf16_grid(nd_rng *rng, int ndim, const int64_t *shape)
{
    return scaled(nd_rng_integers(rng, -32, 32, true, ND_INT64, ndim, shape), 1.0 / 16, ND_FLOAT64);
}

/* sum(x16 @ W16^T + b) in float64: a uniform dL/dy. */
static ag_tensor *linear_sum_bf16(ag_tensor *const *in, void *ctx)
{
    (void)ctx;
    ag_tensor *y = ag_linear(ag_to_dtype(in[0], ND_BFLOAT16), ag_to_dtype(in[1], ND_BFLOAT16),
                             ag_to_dtype(in[2], ND_FLOAT32));
    return ag_to_dtype(ag_sum(y, 0, NULL, false), ND_FLOAT64);
}

START_TEST(test_gradcheck_through_bf16_casts)
{
    /* A finite difference through bf16 is only meaningful where the
     * perturbed points are bf16 values: x on a grid of k/16 with eps = 2^-6.
     * Then the casts are exact and so is the forward (products of bf16 are
     * exact in float32, and these sums of multiples of 2^-12 are too), and
     * the central difference of this linear function is exact. The
     * function is a sum, so dL/dy is one number c for every element and
     * its rounding to bf16 is a common factor (relative error <= 2^-8);
     * each gradient is then rounded once more: rtol 2^-7 is tight. */
    nd_rng *rng = nd_rng_new(12);
    nd_array *x = bf16_grid(rng, 2, (const int64_t[]){4, 6});
    nd_array *w = bf16_grid(rng, 2, (const int64_t[]){5, 6});
    nd_array *b = bf16_grid(rng, 1, (const int64_t[]){5});
    gradcheck_linear(linear_sum_bf16, NULL, rng, (nd_array *[]){x, w, b}, 0x1p-6, 1e-9, 0x1p-7);
}
END_TEST

/* ---- bf16 products against float64 references -------------------------------------------- */

/* A product under test: its inputs (the first `noperands` are the bf16
 * operands, the rest float32, e.g. a bias), the function, and for the
 * bound the number of float32 terms summed into each output element and
 * into each input's gradient. */
typedef struct product_case {
    const char *name;
    ag_tensor *(*fn)(ag_tensor *const *in, nd_dtype dt);
    int n, noperands;
    int ndim[3];
    int64_t shape[3][4];
    int64_t k_out, k_grad[3];
} product_case;

static ag_tensor *linear_case(ag_tensor *const *in, nd_dtype dt)
{
    return ag_linear(ag_to_dtype(in[0], dt), ag_to_dtype(in[1], dt), in[2]);
}

static ag_tensor *matmul_case(ag_tensor *const *in, nd_dtype dt)
{
    return ag_matmul(ag_to_dtype(in[0], dt), ag_to_dtype(in[1], dt));
}

static const product_case product_cases[] = {
    /* x (3, 5, 40) @ W (24, 40)^T + b: 15 rows */
    {"linear", linear_case, 3, 2, {3, 2, 1}, {{3, 5, 40}, {24, 40}, {24}}, 40, {24, 15, 15}},
    /* batch of 6 with b broadcast: db sums 6 products of k = 7 */
    {"matmul broadcast b", matmul_case, 2, 2, {4, 2}, {{2, 3, 7, 33}, {33, 9}}, 33, {9, 42}},
    /* a broadcast over b's batch of 2 */
    {"matmul broadcast a", matmul_case, 2, 2, {2, 3}, {{7, 33}, {2, 33, 9}}, 33, {18, 7}},
    /* vector @ matrix, matrix @ vector */
    {"matmul 1-d left", matmul_case, 2, 2, {1, 2}, {{33}, {33, 9}}, 33, {9, 1}},
    {"matmul 1-d right", matmul_case, 2, 2, {2, 1}, {{7, 33}, {33}}, 33, {1, 7}},
    {"matmul dot", matmul_case, 2, 2, {1, 1}, {{33}, {33}}, 33, {1, 1}},
};

/* The same function in float64 at the given inputs, seeded with v:
 * output and input gradients (new arrays). */
static void run_f64(const product_case *c, nd_array *const *inputs, const nd_array *v,
                    nd_array **out, nd_array **grads)
{
    ag_tensor *t[3] = {0};
    for (int i = 0; i < c->n; i++)
        t[i] = ag_param(inputs[i]);
    ag_tensor *y = c->fn(t, ND_FLOAT64);
    ck_assert_ptr_nonnull(y);
    ck_assert_int_eq(nd_dtype_of(ag_value(y)), ND_FLOAT64);
    *out = nd_copy(ag_value(y));
    ck_assert_int_eq(ag_backward_ex(y, v, false), 0);
    for (int i = 0; i < c->n; i++) {
        grads[i] = nd_copy(ag_grad(t[i]));
        ag_tensor_free(t[i]);
    }
    ag_tape_reset();
}

static nd_array *absolute(const nd_array *a)
{
    nd_array *r = nd_absolute(a);
    ck_assert_ptr_nonnull(r);
    return r;
}

static void check_product(const product_case *c, uint64_t seed)
{
    nd_rng *rng = nd_rng_new(seed);
    nd_array *in[3] = {0}, *rounded[3] = {0}, *mag[3] = {0};
    ag_tensor *t[3] = {0};
    for (int i = 0; i < c->n; i++) {
        in[i] = randn(rng, ND_FLOAT32, c->ndim[i], c->shape[i], i == 1 ? 0.2 : 1.0);
        /* the reference sees what the bf16 products see */
        rounded[i] = i < c->noperands ? bf16_values(in[i]) : f64(in[i]);
        mag[i] = absolute(rounded[i]);
        t[i] = ag_param(in[i]);
    }
    /* mixed precision */
    ag_tensor *y = c->fn(t, ND_BFLOAT16);
    ck_assert_msg(y != NULL, "%s: %s", c->name, ag_last_error());
    ck_assert_str_eq(ag_op_name(y), c->n == 3 ? "linear" : "matmul");
    ck_assert_int_eq(nd_dtype_of(ag_value(y)), ND_FLOAT32);
    nd_array *v = randn(rng, ND_FLOAT32, nd_ndim(ag_value(y)), nd_shape(ag_value(y)), 1.0);
    nd_array *out = nd_copy(ag_value(y));
    ck_assert_int_eq(ag_backward_ex(y, v, false), 0);
    ag_tape_reset();

    /* references: with the rounded dL/dy the gemms see (operands), with
     * dL/dy itself (the bias), and sums of |terms| */
    nd_array *v16 = bf16_values(v), *v64 = f64(v), *vmag = absolute(v16);
    nd_array *ref, *ref_g[3], *ref_v, *ref_vg[3], *S, *S_g[3];
    run_f64(c, rounded, v16, &ref, ref_g);
    run_f64(c, rounded, v64, &ref_v, ref_vg);
    run_f64(c, mag, vmag, &S, S_g);

    /* The output is float32 sums, not rounded to bf16: some of it is not
     * a bf16 value. */
    nd_array *out16 = bf16_values(out), *out64 = f64(out);
    ck_assert_msg(!all_equal(out16, out64), "%s: the output was rounded to bf16", c->name);

    char what[128];
    snprintf(what, sizeof what, "%s output", c->name);
    assert_within(what, out, ref, S, 2 * F32_U, sum_bound(c->k_out + (c->n == 3)));
    for (int i = 0; i < c->n; i++) {
        const nd_array *g = ag_grad(t[i]);
        ck_assert_int_eq(nd_dtype_of(g), ND_FLOAT32); /* the master's dtype */
        snprintf(what, sizeof what, "%s grad %d", c->name, i);
        if (i < c->noperands) {
            /* a bf16 value (rounded once, widened exactly) */
            nd_array *g16 = bf16_values(g), *g64 = f64(g);
            assert_equal(what, g16, g64);
            nd_free(g16);
            nd_free(g64);
            assert_within(what, g, ref_g[i], S_g[i], BF16_U, sum_bound(c->k_grad[i]));
        } else {
            /* the bias: float32 sums of the unrounded dL/dy */
            nd_array *vabs = absolute(v64);
            nd_array *Sb = ag_reduce_to_shape(vabs, nd_ndim(g), nd_shape(g));
            assert_within(what, g, ref_vg[i], Sb, 0, sum_bound(c->k_grad[i]));
            nd_free(vabs);
            nd_free(Sb);
        }
    }
    for (int i = 0; i < c->n; i++) {
        ag_tensor_free(t[i]);
        nd_free(in[i]);
        nd_free(rounded[i]);
        nd_free(mag[i]);
        nd_free(ref_g[i]);
        nd_free(ref_vg[i]);
        nd_free(S_g[i]);
    }
    nd_array *rest[] = {v, out, v16, v64, vmag, ref, ref_v, S, out16, out64};
    release(rest, sizeof rest / sizeof rest[0], NULL, NULL, rng);
}

START_TEST(test_bf16_products_within_rounding_bound)
{
    for (size_t i = 0; i < sizeof product_cases / sizeof product_cases[0]; i++)
        check_product(&product_cases[i], 100 + i);
}
END_TEST

/* ag_linear with bf16 x and W but a dy that needs no x gradient (x a
 * constant), and with a bf16 operand next to a float32 one (NumPy's
 * promotion: widened, float32 output). */
START_TEST(test_bf16_partial_and_mixed_operands)
{
    nd_rng *rng = nd_rng_new(5);
    nd_array *xa = randn(rng, ND_FLOAT32, 2, (const int64_t[]){6, 8}, 1.0);
    nd_array *wa = randn(rng, ND_FLOAT32, 2, (const int64_t[]){3, 8}, 1.0);
    ag_tensor *x = ag_const(xa), *w = ag_param(wa);
    ag_tensor *y = ag_linear(ag_to_dtype(x, ND_BFLOAT16), ag_to_dtype(w, ND_BFLOAT16), NULL);
    ck_assert_ptr_nonnull(y);
    ck_assert_int_eq(nd_dtype_of(ag_value(y)), ND_FLOAT32);
    ck_assert_int_eq(ag_backward(ag_sum(y, 0, NULL, false)), 0);
    ck_assert_ptr_null(ag_grad(x));
    ck_assert_int_eq(nd_dtype_of(ag_grad(w)), ND_FLOAT32);
    /* dW[o, :] = sum over rows of x16 (dy = 1 is exact in bf16), rounded
     * to bf16 once. */
    nd_array *x16 = bf16_values(xa);
    nd_array *colsum = nd_sum(x16, 1, (const int[]){0}, false);
    nd_array *x16abs = absolute(x16);
    nd_array *want = nd_sum(x16abs, 1, (const int[]){0}, false);
    nd_array *row = nd_slice(ag_grad(w), 0, 0, 1, 1);
    nd_array *row64 = f64(row);
    nd_array *flat = nd_reshape(row64, 1, (const int64_t[]){8});
    assert_within("dW row", flat, colsum, want, BF16_U, sum_bound(6));
    ag_tape_reset();

    /* bf16 @ float32: promoted, computed in float32 */
    ag_tensor *m = ag_matmul(ag_to_dtype(w, ND_BFLOAT16), ag_to_dtype(x, ND_FLOAT32));
    ck_assert_ptr_null(m); /* (3, 8) @ (6, 8): shapes do not match */
    ag_tensor *xt = ag_transpose(x, NULL);
    m = ag_matmul(ag_to_dtype(w, ND_BFLOAT16), xt);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(nd_dtype_of(ag_value(m)), ND_FLOAT32);
    ck_assert_int_eq(ag_backward(ag_sum(m, 0, NULL, false)), 0);
    ck_assert_int_eq(nd_dtype_of(ag_grad(w)), ND_FLOAT32);
    ag_tape_reset();

    nd_array *rest[] = {xa, wa, x16, x16abs, colsum, want, row, row64, flat};
    release(rest, sizeof rest / sizeof rest[0], x, w, rng);
}
END_TEST

/* ---- one cast per weight per step ---------------------------------------------------------- */

START_TEST(test_weight_cast_once_serves_every_use)
{
    /* W (8, 8) cast once, used by three products in a chain:
     *   h1 = x16 W16^T,  h2 = bf16(h1) W16^T,  h3 = bf16(h2) W16^T,
     * L = sum(v * h3). The tape holds one cast of W; W's gradient is the
     * sum of the three uses' gradients, checked against float64 at the
     * bf16 rounding bound of the sum of three. */
    nd_rng *rng = nd_rng_new(9);
    nd_array *xa = randn(rng, ND_FLOAT32, 2, (const int64_t[]){16, 8}, 1.0);
    nd_array *wa = randn(rng, ND_FLOAT32, 2, (const int64_t[]){8, 8}, 0.35);
    nd_array *v = randn(rng, ND_FLOAT32, 2, (const int64_t[]){16, 8}, 1.0);
    ag_tensor *x = ag_const(xa), *w = ag_param(wa);
    ck_assert_uint_eq(ag_tape_size(), 0);
    ag_tensor *w16 = ag_to_dtype(w, ND_BFLOAT16);
    ck_assert_uint_eq(ag_tape_size(), 1); /* the one cast */
    ag_tensor *h = ag_to_dtype(x, ND_BFLOAT16); /* a constant: not recorded */
    ck_assert_uint_eq(ag_tape_size(), 1);
    ag_tensor *uses[3];
    for (int i = 0; i < 3; i++) {
        uses[i] = ag_linear(i == 0 ? h : ag_to_dtype(uses[i - 1], ND_BFLOAT16), w16, NULL);
        ck_assert_ptr_nonnull(uses[i]);
    }
    /* the cast, three linears, two casts of activations: no other cast of W */
    ck_assert_uint_eq(ag_tape_size(), 6);
    ck_assert_int_eq(ag_backward_ex(uses[2], v, false), 0);
    const nd_array *g = ag_grad(w);
    ck_assert_int_eq(nd_dtype_of(g), ND_FLOAT32);

    /* float64 reference: the same chain at the same bf16 points. The
     * activations h1, h2 are rounded exactly as the mixed chain rounded
     * them (their float32 values, rounded to bf16), so the reference
     * differs only by the gradients' roundings: each use's dW rounded to
     * bf16, two bf16 sums, and dL/dh rounded to bf16 before each gemm. */
    nd_array *W = bf16_values(wa);
    nd_array *H[3] = {bf16_values(xa), bf16_values(ag_value(uses[0])),
                      bf16_values(ag_value(uses[1]))};
    nd_array *dY = bf16_values(v);
    nd_array *want = nd_zeros(ND_FLOAT64, 2, (const int64_t[]){8, 8});
    nd_array *S = nd_zeros(ND_FLOAT64, 2, (const int64_t[]){8, 8});
    for (int i = 2; i >= 0; i--) {
        nd_array *dYt = nd_transpose(dY, NULL);
        nd_array *dW = nd_matmul(dYt, H[i]);
        nd_array *adYt = absolute(dYt), *aH = absolute(H[i]);
        nd_array *s = nd_matmul(adYt, aH);
        ck_assert_int_eq(nd_add_out(want, dW, want), 0);
        ck_assert_int_eq(nd_add_out(S, s, S), 0);
        /* dL/dh_i = dY @ W, rounded to bf16 for the next gemm */
        nd_array *dH = nd_matmul(dY, W);
        nd_free(dY);
        dY = bf16_values(dH);
        nd_free(dH);
        nd_free(dYt);
        nd_free(dW);
        nd_free(adYt);
        nd_free(aH);
        nd_free(s);
    }
    /* Three roundings of the parts and two of the sums, each <= 2^-8 of
     * its magnitude (<= S), and the upstream roundings of dL/dh (2^-8 per
     * level, twice): 8 2^-8 S bounds them all. */
    assert_within("W grad, three uses", g, want, S, 0, 8 * BF16_U);

    ag_tape_reset();
    nd_array *rest[] = {xa, wa, v, W, H[0], H[1], H[2], dY, want, S};
    release(rest, sizeof rest / sizeof rest[0], x, w, rng);
}
END_TEST

/* ---- an optimizer's bf16 copy of a weight ------------------------------------------------ */

/* Bit for bit: the copy is the value cast by nd_astype (NaN included). */
static void assert_copy_is_cast(const nd_array *copy, const nd_array *value)
{
    nd_array *want = nd_astype(value, ND_BFLOAT16);
    ck_assert_ptr_nonnull(want);
    ck_assert_int_eq(memcmp(nd_data(copy), nd_data(want), (size_t)nd_size(want) * 2), 0);
    nd_free(want);
}

START_TEST(test_optimizer_copy_tracks_the_weight)
{
    /* W (37, 300) updated by AdamW (then SGD with momentum) with random
     * gradients: after set_copy and after every step, the copy equals
     * W cast to bf16, bit for bit; a NaN in W becomes bf16's quiet NaN as
     * nd_astype makes it. 11,100 elements: more than one block of the
     * blocked update. */
    nd_rng *rng = nd_rng_new(5);
    const int64_t shape[2] = {37, 300};
    for (int kind = 0; kind < 2; kind++) {
        nd_array *wa = randn(rng, ND_FLOAT32, 2, shape, 1.0);
        ((float *)nd_data(wa))[123] = NAN;
        ag_tensor *w = ag_param(wa);
        ag_optimizer *opt = kind == 0 ? ag_adamw_new(1, &w, 1e-2, 0.9, 0.99, 1e-8, 0.1)
                                      : ag_sgd_new(1, &w, 1e-2, 0.9, 0, 0, false);
        nd_array *copy = nd_empty(ND_BFLOAT16, 2, shape);
        ck_assert_int_eq(ag_optimizer_set_copy(opt, 0, copy), 0);
        nd_free(copy); /* the optimizer keeps its own view */
        copy = NULL;
        nd_array *held = nd_empty(ND_BFLOAT16, 2, shape); /* a second copy replaces the first */
        ck_assert_int_eq(ag_optimizer_set_copy(opt, 0, held), 0);
        assert_copy_is_cast(held, ag_value(w));
        for (int step = 0; step < 3; step++) {
            nd_array *g = randn(rng, ND_FLOAT32, 2, shape, 0.1);
            ck_assert_int_eq(ag_set_grad(w, g), 0);
            ck_assert_int_eq(ag_optimizer_step(opt), 0);
            assert_copy_is_cast(held, ag_value(w));
            nd_free(g);
        }
        /* Detached: the next step leaves it as it was. */
        nd_array *before = nd_copy(held);
        ck_assert_int_eq(ag_optimizer_set_copy(opt, 0, NULL), 0);
        nd_array *g = randn(rng, ND_FLOAT32, 2, shape, 0.1);
        ck_assert_int_eq(ag_set_grad(w, g), 0);
        ck_assert_int_eq(ag_optimizer_step(opt), 0);
        ck_assert_int_eq(memcmp(nd_data(before), nd_data(held), (size_t)nd_size(held) * 2), 0);
        /* What set_copy refuses, changing nothing. */
        nd_array *f32 = nd_empty(ND_FLOAT32, 2, shape);
        nd_array *wrong = nd_empty(ND_BFLOAT16, 2, (const int64_t[]){300, 37});
        nd_array *strided = nd_transpose(wrong, NULL);
        ck_assert_int_eq(ag_optimizer_set_copy(opt, 0, f32), ND_ERR_VALUE);
        ck_assert_int_eq(ag_optimizer_set_copy(opt, 0, wrong), ND_ERR_VALUE);
        ck_assert_int_eq(ag_optimizer_set_copy(opt, 0, strided), ND_ERR_VALUE);
        ck_assert_ptr_nonnull(strstr(nd_last_error(), "bfloat16 array of its shape"));
        ck_assert_int_eq(ag_optimizer_set_copy(opt, 1, held), ND_ERR_INDEX);
        nd_array *rest[] = {wa, held, before, g, f32, wrong, strided};
        for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
            nd_free(rest[i]);
        ag_optimizer_free(opt);
        ag_tensor_free(w);
    }
    nd_rng_free(rng);
}
END_TEST

START_TEST(test_cast_from_a_held_copy)
{
    /* y = x16 W16^T with W16 from ag_to_dtype (a cast) or ag_to_dtype_from
     * (the copy an optimizer keeps): one "to_dtype" node either way, the
     * same output and the same float32 gradient of W, bit for bit; the
     * op's value is the copy itself (a view, nothing converted). */
    nd_rng *rng = nd_rng_new(8);
    nd_array *xa = randn(rng, ND_FLOAT32, 2, (const int64_t[]){6, 16}, 1.0);
    nd_array *wa = randn(rng, ND_FLOAT32, 2, (const int64_t[]){12, 16}, 0.3);
    nd_array *dy = randn(rng, ND_FLOAT32, 2, (const int64_t[]){6, 12}, 1.0);
    nd_array *copy = nd_astype(wa, ND_BFLOAT16);
    nd_array *y[2], *gw[2];
    for (int from = 0; from < 2; from++) {
        ag_tensor *w = ag_param(wa);
        ag_tensor *w16 = from ? ag_to_dtype_from(w, copy) : ag_to_dtype(w, ND_BFLOAT16);
        ck_assert_ptr_nonnull(w16);
        ck_assert_uint_eq(ag_tape_size(), 1);
        ag_tape_node_info info;
        ck_assert_int_eq(ag_tape_node(0, &info), 0);
        ck_assert_str_eq(info.op, "to_dtype");
        if (from)
            ck_assert_ptr_eq(nd_data(ag_value(w16)), nd_data(copy));
        ag_tensor *x = ag_const(xa);
        ag_tensor *out = ag_linear(ag_to_dtype(x, ND_BFLOAT16), w16, NULL);
        y[from] = nd_copy(ag_value(out));
        ck_assert_int_eq(ag_backward_ex(out, dy, false), 0);
        gw[from] = nd_copy(ag_grad(w));
        ck_assert_int_eq(nd_dtype_of(gw[from]), ND_FLOAT32);
        ag_tape_reset();
        ag_tensor_free(x);
        ag_tensor_free(w);
    }
    assert_equal("output", y[1], y[0]);
    assert_equal("W grad", gw[1], gw[0]);
    /* What it refuses: another shape, x's own dtype, a non-float dtype. */
    ag_tensor *w = ag_param(wa);
    nd_array *xb = nd_astype(xa, ND_BFLOAT16),
             *ints = nd_zeros(ND_INT32, 2, (const int64_t[]){12, 16});
    ck_assert_ptr_null(ag_to_dtype_from(w, xb));
    ck_assert_ptr_null(ag_to_dtype_from(w, wa));
    ck_assert_ptr_null(ag_to_dtype_from(w, ints));
    ck_assert_ptr_nonnull(strstr(nd_last_error(), "x's shape and another float dtype"));
    ag_tensor_free(w);
    nd_array *rest[] = {xa, wa, dy, copy, y[0], y[1], gw[0], gw[1], xb, ints};
    release(rest, sizeof rest / sizeof rest[0], NULL, NULL, rng);
}
END_TEST

/* ---- attention in mixed precision -------------------------------------------------------- */

/* max |a - b| over max |b| (a, b any float dtype, same shape). */
static double relative_gap(const nd_array *a, const nd_array *b)
{
    nd_array *x = f64(a), *y = f64(b);
    const double *xv = nd_data(x), *yv = nd_data(y);
    double gap = 0, top = 0;
    for (int64_t i = 0; i < nd_size(x); i++) {
        gap = fmax(gap, fabs(xv[i] - yv[i]));
        top = fmax(top, fabs(yv[i]));
    }
    nd_free(x);
    nd_free(y);
    return top > 0 ? gap / top : gap;
}

/* The share of elements where a and b hold the same value. */
static double share_equal(const nd_array *a, const nd_array *b)
{
    nd_array *x = f64(a), *y = f64(b);
    const double *xv = nd_data(x), *yv = nd_data(y);
    int64_t same = 0;
    for (int64_t i = 0; i < nd_size(x); i++)
        same += xv[i] == yv[i];
    double share = nd_size(x) ? (double)same / (double)nd_size(x) : 1;
    nd_free(x);
    nd_free(y);
    return share;
}

/* Attention of float32 leaves q, k, v, each cast to `dt` first (float32:
 * no cast), fused or composed, with dL/dout = dO: the output (float32)
 * and the leaves' gradients, copied out. */
static void attention_case(nd_array *const *qkv, const nd_array *dO, nd_dtype dt, bool composed,
                           const nd_array *pad, nd_array **out, nd_array **grads)
{
    ag_tensor *leaf[3], *in[3];
    for (int i = 0; i < 3; i++) {
        leaf[i] = ag_param(qkv[i]);
        in[i] = ag_to_dtype(leaf[i], dt);
    }
    ag_tensor *y = composed ? ag_attention_composed(in[0], in[1], in[2], true, pad)
                            : ag_attention(in[0], in[1], in[2], true, pad);
    ck_assert_msg(y != NULL, "attention: %s", nd_last_error());
    ck_assert_int_eq(nd_dtype_of(ag_value(y)), ND_FLOAT32);
    *out = nd_copy(ag_value(y));
    ck_assert_int_eq(ag_backward_ex(y, dO, false), 0);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(nd_dtype_of(ag_grad(leaf[i])), ND_FLOAT32);
        grads[i] = nd_copy(ag_grad(leaf[i]));
        ag_tensor_free(leaf[i]);
    }
    ag_tape_reset();
}

START_TEST(test_bf16_attention_fused_matches_composed)
{
    /* q, k, v (2, 3, 12, 16), causal, with and without a padding mask.
     * The fused bf16 op and the composed one (bf16 matmul, float32
     * softmax, a cast of P, bf16 matmul) round at the same points, so they
     * differ only where a float32 last bit moves a bf16 rounding: equal on
     * at least 95% of the elements, and within a few bf16 units of the
     * largest value. Both are within bf16's error of
     * float32 attention, and not equal to it (the precision took effect). */
    nd_rng *rng = nd_rng_new(21);
    const int64_t shape[4] = {2, 3, 12, 16};
    nd_array *qkv[3], *dO = randn(rng, ND_FLOAT32, 4, shape, 1.0);
    for (int i = 0; i < 3; i++)
        qkv[i] = randn(rng, ND_FLOAT32, 4, shape, 1.0);
    nd_array *pad = nd_zeros(ND_BOOL, 2, (const int64_t[]){2, 12});
    ((bool *)nd_data(pad))[12 + 3] = ((bool *)nd_data(pad))[12 + 7] = true; /* row 1: keys 3, 7 */
    for (int masked = 0; masked < 2; masked++) {
        const nd_array *p = masked ? pad : NULL;
        nd_array *out[3], *grads[3][3];
        attention_case(qkv, dO, ND_BFLOAT16, false, p, &out[0], grads[0]);
        attention_case(qkv, dO, ND_BFLOAT16, true, p, &out[1], grads[1]);
        attention_case(qkv, dO, ND_FLOAT32, false, p, &out[2], grads[2]);
        ck_assert_double_le(relative_gap(out[0], out[1]), 4 * BF16_U);
        /* Rounding at the same points, they agree exactly almost
         * everywhere (here: everywhere); a rounding missed by one of them
         * (P not rounded, or dS left float32) moves nearly every element. */
        ck_assert_double_ge(share_equal(out[0], out[1]), 0.95);
        ck_assert_double_le(relative_gap(out[0], out[2]), 8 * BF16_U);
        ck_assert_double_gt(relative_gap(out[0], out[2]), 0);
        for (int i = 0; i < 3; i++) {
            ck_assert_msg(relative_gap(grads[0][i], grads[1][i]) <= 6 * BF16_U,
                          "masked %d, grad %d: fused vs composed %g", masked, i,
                          relative_gap(grads[0][i], grads[1][i]));
            ck_assert_msg(share_equal(grads[0][i], grads[1][i]) >= 0.95,
                          "masked %d, grad %d: fused and composed equal on %g of the elements",
                          masked, i, share_equal(grads[0][i], grads[1][i]));
            ck_assert_msg(relative_gap(grads[0][i], grads[2][i]) <= 12 * BF16_U,
                          "masked %d, grad %d: bf16 vs float32 %g", masked, i,
                          relative_gap(grads[0][i], grads[2][i]));
        }
        for (int c = 0; c < 3; c++) {
            nd_free(out[c]);
            for (int i = 0; i < 3; i++)
                nd_free(grads[c][i]);
        }
    }
    /* bf16 with float32 in one call: the dtypes must agree */
    ag_tensor *q32 = ag_const(qkv[0]), *k = ag_const(qkv[1]), *v = ag_const(qkv[2]);
    ck_assert_ptr_null(ag_attention(ag_to_dtype(q32, ND_BFLOAT16), k, v, true, NULL));
    ck_assert_str_eq(nd_last_error(), "expected scalar type BFloat16 but found Float");
    ag_tape_reset();
    ag_tensor_free(q32), ag_tensor_free(k), ag_tensor_free(v);
    nd_array *rest[] = {qkv[0], qkv[1], qkv[2], dO, pad};
    release(rest, sizeof rest / sizeof rest[0], NULL, NULL, rng);
}
END_TEST

/* qkv (B, T, 3C) float32 leaf -> attention with H heads in operand dtype
 * dt, as ag_attention_packed (form PACKED; PACKED_FROM_BF16: on qkv cast
 * to bf16 first, the heads views of it) or as the steps it stands for
 * (STEPS: slices, reshapes, permutes, casts, ag_attention, back); dL/dout
 * = dO. The output and dL/dqkv, copied out. */
enum packed_form { STEPS, PACKED, PACKED_FROM_BF16 };

static void packed_case(const nd_array *qkv, const nd_array *dO, int64_t H, nd_dtype dt,
                        enum packed_form form, nd_array **out, nd_array **grad)
{
    const int64_t B = nd_shape(qkv)[0], T = nd_shape(qkv)[1], C = nd_shape(qkv)[2] / 3;
    ag_tensor *leaf = ag_param(qkv), *y;
    if (form == PACKED_FROM_BF16) { /* the output bf16: widened for the comparison */
        ag_tensor *qkv16 = ag_to_dtype(leaf, ND_BFLOAT16);
        y = ag_attention_packed(qkv16, H, true, NULL, dt);
        ck_assert_ptr_nonnull(y);
        ck_assert_int_eq(nd_dtype_of(ag_value(y)), ND_BFLOAT16);
        y = ag_to_dtype(y, ND_FLOAT32);
    } else if (form == PACKED) {
        y = ag_attention_packed(leaf, H, true, NULL, dt);
    } else {
        ag_tensor *heads[3];
        for (int i = 0; i < 3; i++)
            heads[i] = ag_to_dtype(ag_transpose(ag_reshape(ag_slice(leaf, 2, i * C, (i + 1) * C, 1),
                                                           4, (int64_t[]){B, T, H, C / H}),
                                                (int[]){0, 2, 1, 3}),
                                   dt);
        y = ag_attention(heads[0], heads[1], heads[2], true, NULL);
        y = ag_reshape(ag_transpose(y, (int[]){0, 2, 1, 3}), 3, (int64_t[]){B, T, C});
    }
    ck_assert_msg(y != NULL, "attention: %s", nd_last_error());
    *out = nd_copy(ag_value(y));
    ck_assert_int_eq(ag_backward_ex(y, dO, false), 0);
    ck_assert_int_eq(nd_dtype_of(ag_grad(leaf)), ND_FLOAT32);
    *grad = nd_copy(ag_grad(leaf));
    ag_tensor_free(leaf);
    ag_tape_reset();
}

START_TEST(test_bf16_attention_packed_matches_heads)
{
    /* The packed op runs the same kernels as ag_attention on the split,
     * cast heads, and the widening of dq, dk, dv into dL/dqkv is exact:
     * equal bit for bit. On a bf16 qkv (its heads views, not copies, the
     * output bf16 and dL/dqkv bf16, widened by the cast) the same bits
     * again, the output rounded once. In bf16 it is near, not equal to,
     * float32. */
    nd_rng *rng = nd_rng_new(22);
    nd_array *qkv = randn(rng, ND_FLOAT32, 3, (const int64_t[]){2, 12, 96}, 1.0);
    nd_array *dO = randn(rng, ND_FLOAT32, 3, (const int64_t[]){2, 12, 32}, 1.0);
    nd_array *out[4], *grad[4];
    packed_case(qkv, dO, 2, ND_BFLOAT16, PACKED, &out[0], &grad[0]);
    packed_case(qkv, dO, 2, ND_BFLOAT16, STEPS, &out[1], &grad[1]);
    packed_case(qkv, dO, 2, ND_FLOAT32, PACKED, &out[2], &grad[2]);
    packed_case(qkv, dO, 2, ND_BFLOAT16, PACKED_FROM_BF16, &out[3], &grad[3]);
    ck_assert_double_eq(share_equal(out[0], out[1]), 1);
    ck_assert_double_eq(share_equal(grad[0], grad[1]), 1);
    nd_array *rounded = nd_astype(out[0], ND_BFLOAT16), *want = nd_astype(rounded, ND_FLOAT32);
    ck_assert_double_eq(share_equal(want, out[3]), 1);
    ck_assert_double_eq(share_equal(grad[0], grad[3]), 1);
    nd_free(rounded), nd_free(want);
    ck_assert_double_le(relative_gap(out[0], out[2]), 8 * BF16_U);
    ck_assert_double_gt(relative_gap(out[0], out[2]), 0);
    ck_assert_double_le(relative_gap(grad[0], grad[2]), 12 * BF16_U);
    /* a bf16 qkv needs bf16 operands: float32 ones would widen it */
    ag_tensor *c16 = ag_const(qkv), *q16 = ag_to_dtype(c16, ND_BFLOAT16);
    ck_assert_ptr_null(ag_attention_packed(q16, 2, true, NULL, ND_FLOAT32));
    ck_assert_str_eq(nd_last_error(),
                     "attention_packed: expected a floating point tensor, got bfloat16");
    ag_tape_reset();
    ag_tensor_free(c16);
    for (int c = 0; c < 4; c++) {
        nd_free(out[c]);
        nd_free(grad[c]);
    }
    nd_array *rest[] = {qkv, dO};
    release(rest, sizeof rest / sizeof rest[0], NULL, NULL, rng);
}
END_TEST

/* The two bf16 kernels of the mixed-precision attention hold the float32
 * kernels' values rounded once, bit for bit: the softmax writes P16 =
 * bf16(P), and the backward's dS16 = bf16(dS). With k = v = I (D = Tk)
 * both are visible through the public API: S = q I^T = q and out = P I = P
 * exactly, in either precision (one nonzero term per sum); dO and q are
 * bf16 values, so dP = dO I^T = dO in both, and dQ = dS I = dS. So the
 * bf16 op's output is bf16(float32 output), and its dL/dq is bf16(float32
 * dL/dq). Rows of 13 and 24 keys (a partial vector, and whole ones),
 * causal, with and without a padding mask. */
static void identity_attention(const nd_array *q, const nd_array *eye, const nd_array *dO,
                               const nd_array *pad, nd_dtype dt, nd_array **out, nd_array **dq)
{
    ag_tensor *leaf = ag_param(q), *kv = ag_const(eye);
    ag_tensor *y =
        ag_attention(ag_to_dtype(leaf, dt), ag_to_dtype(kv, dt), ag_to_dtype(kv, dt), true, pad);
    ck_assert_msg(y != NULL, "attention: %s", nd_last_error());
    *out = nd_copy(ag_value(y));
    ck_assert_int_eq(ag_backward_ex(y, dO, false), 0);
    *dq = nd_copy(ag_grad(leaf));
    ag_tape_reset();
    ag_tensor_free(leaf);
    ag_tensor_free(kv);
}

START_TEST(test_bf16_attention_kernels_round_float32)
{
    nd_rng *rng = nd_rng_new(25);
    for (int64_t T = 13; T <= 24; T += 11) {
        const int64_t shape[3] = {2, T, T};
        nd_array *q_raw = randn(rng, ND_FLOAT32, 3, shape, 2.0);
        nd_array *dO_raw = randn(rng, ND_FLOAT32, 3, shape, 1.0);
        nd_array *q64 = bf16_values(q_raw), *dO64 = bf16_values(dO_raw);
        nd_array *q = nd_astype(q64, ND_FLOAT32), *dO = nd_astype(dO64, ND_FLOAT32);
        nd_array *eye = nd_zeros(ND_FLOAT32, 3, shape);
        for (int64_t b = 0; b < 2; b++)
            for (int64_t i = 0; i < T; i++)
                ((float *)nd_data(eye))[(b * T + i) * T + i] = 1;
        nd_array *pad = nd_zeros(ND_BOOL, 2, (const int64_t[]){2, T});
        ((bool *)nd_data(pad))[T + 2] = ((bool *)nd_data(pad))[T + 9] = true;
        for (int masked = 0; masked < 2; masked++) {
            nd_array *out[2], *dq[2];
            identity_attention(q, eye, dO, masked ? pad : NULL, ND_FLOAT32, &out[0], &dq[0]);
            identity_attention(q, eye, dO, masked ? pad : NULL, ND_BFLOAT16, &out[1], &dq[1]);
            nd_array *out_rounded = bf16_values(out[0]), *dq_rounded = bf16_values(dq[0]);
            nd_array *out_got = f64(out[1]), *dq_got = f64(dq[1]);
            const double *want[2] = {nd_data(out_rounded), nd_data(dq_rounded)};
            const double *got[2] = {nd_data(out_got), nd_data(dq_got)};
            for (int which = 0; which < 2; which++)
                for (int64_t i = 0; i < 2 * T * T; i++)
                    ck_assert_msg(got[which][i] == want[which][i],
                                  "T %lld, masked %d, %s element %lld: %.9g, not %.9g",
                                  (long long)T, masked, which ? "dL/dq" : "output", (long long)i,
                                  got[which][i], want[which][i]);
            nd_array *done[] = {out[0],      out[1],     dq[0],   dq[1],
                                out_rounded, dq_rounded, out_got, dq_got};
            release(done, sizeof done / sizeof done[0], NULL, NULL, NULL);
        }
        nd_array *rest[] = {q_raw, dO_raw, q64, dO64, q, dO, eye, pad};
        release(rest, sizeof rest / sizeof rest[0], NULL, NULL, NULL);
    }
    nd_rng_free(rng);
}
END_TEST

/* The bf16 linear's backward reads dL/dy once for two uses: the gemms'
 * operand (dL/dy rounded to bf16, so dL/dW = round(dy)^T x16 rounded
 * once) and dL/db, the column sums, which must have the bits nd_sum gives
 * (the float32 dL/dy, not its rounding), at 1 and 2 threads alike. dy is
 * (3, 20, 37): rows across a batch axis, columns not a vector multiple. */
START_TEST(test_bf16_linear_bias_gradient_is_nd_sum)
{
    nd_rng *rng = nd_rng_new(6);
    nd_array *xa = randn(rng, ND_FLOAT32, 3, (const int64_t[]){3, 20, 8}, 1.0);
    nd_array *wa = randn(rng, ND_FLOAT32, 2, (const int64_t[]){37, 8}, 1.0);
    nd_array *ba = randn(rng, ND_FLOAT32, 1, (const int64_t[]){37}, 1.0);
    nd_array *dy = randn(rng, ND_FLOAT32, 3, (const int64_t[]){3, 20, 37}, 1.0);
    nd_array *rows = nd_reshape(dy, 2, (const int64_t[]){60, 37});
    nd_array *want_db = nd_sum(rows, 1, (const int[]){0}, false);
    /* dL/dW from the rounded operand, with libnd's own products */
    nd_array *g16 = nd_astype(rows, ND_BFLOAT16), *x16 = nd_astype(xa, ND_BFLOAT16);
    nd_array *x_rows = nd_reshape(x16, 2, (const int64_t[]){60, 8});
    nd_array *g16t = nd_transpose(g16, NULL), *dw16 = nd_matmul(g16t, x_rows);
    nd_array *want_dw = nd_astype(dw16, ND_FLOAT32);
    for (int threads = 1; threads <= 2; threads++) {
        ck_assert_int_eq(nd_set_num_threads(threads), 0);
        ag_tensor *x = ag_const(xa), *w = ag_param(wa), *b = ag_param(ba);
        ag_tensor *y = ag_linear(ag_to_dtype(x, ND_BFLOAT16), ag_to_dtype(w, ND_BFLOAT16), b);
        ck_assert_int_eq(ag_backward_ex(y, dy, false), 0);
        ck_assert_double_eq(share_equal(ag_grad(b), want_db), 1);
        ck_assert_double_eq(share_equal(ag_grad(w), want_dw), 1);
        ag_tape_reset();
        ag_tensor_free(x), ag_tensor_free(w), ag_tensor_free(b);
    }
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    nd_array *rest[] = {xa, wa, ba, dy, rows, want_db, g16, x16, x_rows, g16t, dw16, want_dw};
    release(rest, sizeof rest / sizeof rest[0], NULL, NULL, rng);
}
END_TEST

/* The gradients of leaves x, w, b copied out (NULL where none arrived),
 * then the tape reset and the leaves freed: one run of a fused op or its
 * composition. */
static void take_gradients(ag_tensor *x, ag_tensor *w, ag_tensor *b, nd_array *grad[3])
{
    ag_tensor *leaves[3] = {x, w, b};
    for (int i = 0; i < 3; i++)
        grad[i] = ag_grad(leaves[i]) ? nd_copy(ag_grad(leaves[i])) : NULL;
    ag_tape_reset();
    ag_tensor_free(x), ag_tensor_free(w), ag_tensor_free(b);
}

/* The two runs' gradients: present in both or in neither, equal bit for
 * bit; then freed. */
static void assert_gradients_identical(nd_array *grad[2][3], int form)
{
    for (int i = 0; i < 3; i++) {
        ck_assert((grad[0][i] == NULL) == (grad[1][i] == NULL));
        if (grad[0][i])
            ck_assert_msg(share_equal(grad[0][i], grad[1][i]) == 1, "form %d, gradient %d", form, i);
        nd_free(grad[0][i]), nd_free(grad[1][i]);
    }
}

/* ag_linear_to(x16, W16, b, bf16) is ag_to_dtype(ag_linear(x16, W16, b),
 * bf16) in one node: the same bf16 values and the same float32 gradients
 * of x, W and b, bit for bit (dL/db the column sums of the bf16 dL/dy,
 * which the composition holds widened), with and without a bias, on a
 * batch of rows, with dL/dy transposed (not contiguous), at 1 and 2
 * threads. Float32 operands and other dtypes: the composition. */
START_TEST(test_linear_to_bf16_is_linear_then_cast)
{
    nd_rng *rng = nd_rng_new(25);
    nd_array *xa = randn(rng, ND_FLOAT32, 3, (const int64_t[]){3, 20, 40}, 1.0);
    nd_array *wa = randn(rng, ND_FLOAT32, 2, (const int64_t[]){37, 40}, 0.2);
    nd_array *ba = randn(rng, ND_FLOAT32, 1, (const int64_t[]){37}, 1.0);
    nd_array *dy = randn(rng, ND_FLOAT32, 3, (const int64_t[]){3, 20, 37}, 1.0);
    nd_array *dyt = randn(rng, ND_FLOAT32, 3, (const int64_t[]){3, 37, 20}, 1.0);
    for (int form = 0; form < 4; form++) { /* bias; none; dL/dy transposed; 2 threads */
        ck_assert_int_eq(nd_set_num_threads(form == 3 ? 2 : 1), 0);
        nd_array *out[2], *grad[2][3] = {{NULL}};
        for (int fused = 0; fused < 2; fused++) {
            ag_tensor *px = ag_param(xa), *pw = ag_param(wa), *pb = ag_param(ba);
            ag_tensor *x16 = ag_to_dtype(px, ND_BFLOAT16), *w16 = ag_to_dtype(pw, ND_BFLOAT16);
            ag_tensor *b = form == 1 ? NULL : pb;
            ag_tensor *y = fused ? ag_linear_to(x16, w16, b, ND_BFLOAT16)
                                 : ag_to_dtype(ag_linear(x16, w16, b), ND_BFLOAT16);
            ck_assert_int_eq(nd_dtype_of(ag_value(y)), ND_BFLOAT16);
            if (fused)
                ck_assert_str_eq(ag_op_name(y), "linear_to_bf16");
            out[fused] = nd_copy(ag_value(y));
            ag_tensor *loss = ag_to_dtype(y, ND_FLOAT32);
            if (form == 2)
                loss = ag_transpose(loss, (const int[]){0, 2, 1});
            ck_assert_int_eq(ag_backward_ex(loss, form == 2 ? dyt : dy, false), 0);
            take_gradients(px, pw, pb, grad[fused]);
        }
        ck_assert_double_eq(share_equal(out[0], out[1]), 1);
        ck_assert_int_eq(form == 1, grad[0][2] == NULL);
        assert_gradients_identical(grad, form);
        nd_free(out[0]), nd_free(out[1]);
    }
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    /* float32 operands: ag_linear, then the cast; float32 of bf16 ones:
     * ag_linear itself */
    ag_tensor *x = ag_const(xa), *w = ag_const(wa), *b = ag_const(ba);
    ag_tensor *y = ag_linear_to(x, w, b, ND_BFLOAT16);
    ck_assert_int_eq(nd_dtype_of(ag_value(y)), ND_BFLOAT16);
    nd_array *want = nd_astype(ag_value(ag_linear(x, w, b)), ND_BFLOAT16);
    ck_assert_double_eq(share_equal(ag_value(y), want), 1);
    ag_tensor *pw = ag_param(wa);
    ag_tensor *x16 = ag_to_dtype(x, ND_BFLOAT16), *w16 = ag_to_dtype(pw, ND_BFLOAT16);
    ck_assert_str_eq(ag_op_name(ag_linear_to(x16, w16, b, ND_FLOAT32)), "linear");
    ck_assert_ptr_null(ag_linear_to(x16, w16, b, ND_INT32));
    ck_assert_str_eq(nd_last_error(), "linear_to: expected a floating point dtype, got int32");
    ck_assert_ptr_null(ag_linear_to(x16, w16, x16, ND_BFLOAT16)); /* a bias of the wrong shape */
    ck_assert_str_eq(nd_last_error(), "linear: bias must be (out_features,)");
    ag_tape_reset();
    ag_tensor_free(x), ag_tensor_free(w), ag_tensor_free(b), ag_tensor_free(pw);
    nd_array *rest[] = {xa, wa, ba, dy, dyt, want};
    release(rest, sizeof rest / sizeof rest[0], NULL, NULL, rng);
}
END_TEST

/* ag_gelu_to(x, bf16) is ag_to_dtype(ag_gelu(x), bf16) in one node: the
 * same bf16 values and the same float32 gradient, bit for bit, on a
 * contiguous and a transposed x with values from -12 to 12 (tanh
 * saturated, small, zero), and on x rounded to bf16 (GELU of its float32
 * widening, dL/dx rounded to bf16). Its own dtype gives ag_gelu's node;
 * float64 -> bf16 and bf16 -> float32 go through the composition. */
START_TEST(test_gelu_to_bf16_is_gelu_then_cast)
{
    nd_rng *rng = nd_rng_new(23);
    nd_array *xa = randn(rng, ND_FLOAT32, 2, (const int64_t[]){37, 29}, 4.0);
    float *xv = nd_data(xa);
    xv[0] = 0, xv[1] = -12, xv[2] = 12, xv[3] = 1e-6f;
    nd_array *dy = randn(rng, ND_FLOAT32, 2, (const int64_t[]){37, 29}, 1.0);
    nd_array *dyt = randn(rng, ND_FLOAT32, 2, (const int64_t[]){29, 37}, 1.0);
    for (int form = 0; form < 3; form++) { /* x; x transposed; x rounded to bf16 first */
        const bool transposed = form == 1;
        nd_array *out[2], *grad[2];
        for (int fused = 0; fused < 2; fused++) {
            ag_tensor *p = ag_param(xa);
            ag_tensor *x = transposed ? ag_transpose(p, NULL) : p;
            if (form == 2) /* a bf16 x: GELU of its float32 widening */
                x = ag_to_dtype(x, ND_BFLOAT16);
            ag_tensor *x32 = form == 2 ? ag_to_dtype(x, ND_FLOAT32) : x;
            ag_tensor *y =
                fused ? ag_gelu_to(x, ND_BFLOAT16) : ag_to_dtype(ag_gelu(x32), ND_BFLOAT16);
            ck_assert_int_eq(nd_dtype_of(ag_value(y)), ND_BFLOAT16);
            if (fused)
                ck_assert_str_eq(ag_op_name(y), "gelu_to_bf16");
            out[fused] = nd_copy(ag_value(y));
            ck_assert_int_eq(ag_backward_ex(ag_to_dtype(y, ND_FLOAT32), transposed ? dyt : dy, false),
                             0);
            grad[fused] = nd_copy(ag_grad(p));
            ag_tape_reset();
            ag_tensor_free(p);
        }
        ck_assert_double_eq(share_equal(out[0], out[1]), 1);
        ck_assert_double_eq(share_equal(grad[0], grad[1]), 1);
        nd_free(out[0]), nd_free(out[1]), nd_free(grad[0]), nd_free(grad[1]);
    }
    /* a NaN x: y and dL/dx NaN, in float32 and stored as bf16 */
    nd_array *nan_x = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){2});
    nd_array *ones = nd_ones(ND_FLOAT32, 1, (const int64_t[]){2});
    ((float *)nd_data(nan_x))[0] = NAN;
    for (int to_bf16 = 0; to_bf16 < 2; to_bf16++) {
        ag_tensor *pn = ag_param(nan_x);
        ag_tensor *yn = to_bf16 ? ag_to_dtype(ag_gelu_to(pn, ND_BFLOAT16), ND_FLOAT32) : ag_gelu(pn);
        const float *yv = nd_data(ag_value(yn));
        ck_assert(isnan(yv[0]) && yv[1] == 0);
        ck_assert_int_eq(ag_backward_ex(yn, ones, false), 0);
        const float *gv = nd_data(ag_grad(pn));
        ck_assert(isnan(gv[0]) && gv[1] == 0.5f);
        ag_tape_reset();
        ag_tensor_free(pn);
    }
    nd_free(nan_x), nd_free(ones);
    ag_tensor *c = ag_param(xa);
    ck_assert_str_eq(ag_op_name(ag_gelu_to(c, ND_FLOAT32)), "gelu");
    ag_tensor *c16 = ag_to_dtype(c, ND_BFLOAT16), *y32 = ag_gelu_to(c16, ND_FLOAT32);
    ck_assert_str_eq(ag_op_name(y32), "gelu");
    nd_array *want32 = nd_astype(ag_value(ag_gelu_to(c16, ND_BFLOAT16)), ND_FLOAT32);
    ck_assert_double_le(relative_gap(ag_value(y32), want32), BF16_U);
    nd_free(want32);
    nd_array *x64 = nd_astype(xa, ND_FLOAT64);
    ag_tensor *c64 = ag_const(x64);
    ag_tensor *y64 = ag_gelu_to(c64, ND_BFLOAT16);
    ck_assert_int_eq(nd_dtype_of(ag_value(y64)), ND_BFLOAT16);
    nd_array *want = nd_astype(ag_value(ag_gelu(c64)), ND_BFLOAT16);
    ck_assert_double_eq(share_equal(ag_value(y64), want), 1);
    nd_array *ints = nd_zeros(ND_INT32, 1, (const int64_t[]){3});
    ag_tensor *ci = ag_const(ints);
    ck_assert_ptr_null(ag_gelu_to(ci, ND_BFLOAT16));
    ck_assert_str_eq(nd_last_error(), "gelu: expected a floating point tensor, got int32");
    ck_assert_ptr_null(ag_gelu_to(c, ND_INT32)); /* the stored dtype must be a float one */
    ck_assert_str_eq(nd_last_error(), "gelu_to: expected a floating point dtype, got int32");
    ck_assert_ptr_null(ag_gelu_to(c, (nd_dtype)99));
    ck_assert_str_eq(nd_last_error(), "gelu_to: expected a floating point dtype, got an invalid "
                                      "dtype");
    ag_tape_reset();
    ag_tensor_free(c), ag_tensor_free(c64), ag_tensor_free(ci);
    nd_array *rest[] = {xa, dy, dyt, x64, want, ints};
    release(rest, sizeof rest / sizeof rest[0], NULL, NULL, rng);
}
END_TEST

/* ag_layer_norm_to(x, w, b, eps, bf16) is ag_to_dtype(ag_layer_norm(...),
 * bf16) in one node: the same bf16 values and the same float32 gradients
 * of x, w and b, bit for bit, with and without the affine parameters and
 * on a transposed x. Its own dtype gives ag_layer_norm's node. */
START_TEST(test_layer_norm_to_bf16_is_norm_then_cast)
{
    nd_rng *rng = nd_rng_new(24);
    nd_array *xa = randn(rng, ND_FLOAT32, 2, (const int64_t[]){33, 40}, 3.0);
    nd_array *xt_a = randn(rng, ND_FLOAT32, 2, (const int64_t[]){40, 33}, 3.0);
    nd_array *wa = randn(rng, ND_FLOAT32, 1, (const int64_t[]){40}, 1.0);
    nd_array *ba = randn(rng, ND_FLOAT32, 1, (const int64_t[]){40}, 1.0);
    nd_array *dy = randn(rng, ND_FLOAT32, 2, (const int64_t[]){33, 40}, 1.0);
    for (int form = 0; form < 3; form++) { /* w and b; w only; transposed x, no parameters */
        nd_array *out[2], *grad[2][3] = {{NULL}};
        for (int fused = 0; fused < 2; fused++) {
            ag_tensor *px = ag_param(form == 2 ? xt_a : xa), *pw = ag_param(wa), *pb = ag_param(ba);
            ag_tensor *x = form == 2 ? ag_transpose(px, NULL) : px;
            ag_tensor *w = form < 2 ? pw : NULL, *b = form == 0 ? pb : NULL;
            ag_tensor *y = fused ? ag_layer_norm_to(x, w, b, 1e-5, ND_BFLOAT16)
                                 : ag_to_dtype(ag_layer_norm(x, w, b, 1e-5), ND_BFLOAT16);
            ck_assert_int_eq(nd_dtype_of(ag_value(y)), ND_BFLOAT16);
            if (fused)
                ck_assert_str_eq(ag_op_name(y), "layer_norm_to_bf16");
            out[fused] = nd_copy(ag_value(y));
            ck_assert_int_eq(ag_backward_ex(ag_to_dtype(y, ND_FLOAT32), dy, false), 0);
            take_gradients(px, pw, pb, grad[fused]);
        }
        ck_assert_double_eq(share_equal(out[0], out[1]), 1);
        assert_gradients_identical(grad, form);
        nd_free(out[0]), nd_free(out[1]);
    }
    ag_tensor *p = ag_param(xa);
    ck_assert_str_eq(ag_op_name(ag_layer_norm_to(p, NULL, NULL, 1e-5, ND_FLOAT32)), "layer_norm");
    ck_assert_ptr_null(ag_layer_norm_to(p, NULL, NULL, 1e-5, ND_INT64));
    ck_assert_str_eq(nd_last_error(), "layer_norm_to: expected a floating point dtype, got int64");
    ag_tape_reset();
    ag_tensor_free(p);
    nd_array *rest[] = {xa, xt_a, wa, ba, dy};
    release(rest, sizeof rest / sizeof rest[0], NULL, NULL, rng);
}
END_TEST

/* ---- training: bf16 mixed precision tracks float32 ------------------------------------------ */

#define MLP_IN 16
#define MLP_HIDDEN 64
#define MLP_CLASSES 4
#define MLP_ROWS 256
#define MLP_STEPS 100

/* A teacher's labels: argmax of X @ T for a random T (IN, CLASSES). */
static nd_array *teacher_labels(nd_rng *rng, const nd_array *X)
{
    nd_array *T = randn(rng, ND_FLOAT32, 2, (const int64_t[]){MLP_IN, MLP_CLASSES}, 1.0);
    nd_array *s = nd_matmul(X, T);
    nd_array *y = nd_argmax(s, -1);
    ck_assert_ptr_nonnull(y);
    nd_free(T);
    nd_free(s);
    return y;
}

/* in -> hidden -> hidden -> hidden -> classes with the middle weight W1
 * SHARED by two layers (as a tied weight): params W0 b0 W1 b1 W2 b2, each
 * W (out, in) float32. In bf16 every W is cast once at the start of the
 * forward, and every activation entering a product is cast too; relu,
 * the bias adds and the loss stay float32. Returns the loss; *nodes gets
 * the tape's size after the forward. */
static ag_tensor *mlp_loss(ag_tensor *const *p, ag_tensor *x, const nd_array *y, nd_dtype dt,
                           size_t *nodes)
{
    ag_tensor *w[3];
    for (int i = 0; i < 3; i++)
        w[i] = ag_to_dtype(p[2 * i], dt); /* once per weight per step */
    ag_tensor *h = ag_relu(ag_linear(ag_to_dtype(x, dt), w[0], p[1]));
    h = ag_relu(ag_linear(ag_to_dtype(h, dt), w[1], p[3]));
    h = ag_relu(ag_linear(ag_to_dtype(h, dt), w[1], p[3]));
    ag_tensor *loss = ag_cross_entropy(ag_linear(ag_to_dtype(h, dt), w[2], p[5]), y);
    *nodes = ag_tape_size();
    return loss;
}

static void train_mlp(nd_dtype dt, double *losses)
{
    nd_rng *rng = nd_rng_new(2024);
    nd_array *X = randn(rng, ND_FLOAT32, 2, (const int64_t[]){MLP_ROWS, MLP_IN}, 1.0);
    nd_array *y = teacher_labels(rng, X);
    // clang-format off
    const int64_t sizes[3][2] = {{MLP_HIDDEN, MLP_IN}, {MLP_HIDDEN, MLP_HIDDEN},
                                 {MLP_CLASSES, MLP_HIDDEN}};
    // clang-format on
    ag_tensor *p[6];
    for (int i = 0; i < 3; i++) {
        nd_array *w = randn(rng, ND_FLOAT32, 2, sizes[i], 1.0 / sqrt((double)sizes[i][1]));
        nd_array *b = nd_zeros(ND_FLOAT32, 1, sizes[i]);
        p[2 * i] = ag_param(w);
        p[2 * i + 1] = ag_param(b);
        nd_free(w);
        nd_free(b);
    }
    ag_tensor *x = ag_const(X);
    ag_optimizer *opt = ag_adam_new(6, p, 3e-3, 0.9, 0.999, 1e-8, 0.0);
    ck_assert_ptr_nonnull(opt);
    for (int step = 0; step < MLP_STEPS; step++) {
        size_t nodes = 0;
        ag_tensor *loss = mlp_loss(p, x, y, dt, &nodes);
        ck_assert_msg(loss != NULL, "step %d: %s", step, ag_last_error());
        /* float32: 4 linears, 3 relus, the loss (casts to float32 are x
         * itself); bf16: plus one cast per weight (3, the shared one once)
         * and one per recorded activation entering a product (3; x is a
         * constant: its cast is not recorded) */
        ck_assert_uint_eq(nodes, dt == ND_FLOAT32 ? 8u : 14u);
        ck_assert_int_eq(ag_backward(loss), 0);
        ck_assert_int_eq(nd_get(ag_value(loss), NULL, &losses[step]), 0);
        for (int i = 0; i < 6; i++)
            ck_assert_int_eq(nd_dtype_of(ag_grad(p[i])), ND_FLOAT32);
        ck_assert_int_eq(ag_optimizer_step(opt), 0);
        ag_optimizer_zero_grad(opt);
        ag_tape_reset();
    }
    ag_optimizer_free(opt);
    for (int i = 0; i < 6; i++)
        ag_tensor_free(p[i]);
    ag_tensor_free(x);
    nd_free(X);
    nd_free(y);
    nd_rng_free(rng);
}

START_TEST(test_bf16_mlp_tracks_float32)
{
    double f32[MLP_STEPS], bf16[MLP_STEPS];
    train_mlp(ND_FLOAT32, f32);
    train_mlp(ND_BFLOAT16, bf16);
    double worst = 0;
    for (int s = 0; s < MLP_STEPS; s++)
        worst = fmax(worst, fabs(bf16[s] - f32[s]));
    fprintf(stderr, "mlp: float32 loss %.4f -> %.4f, bf16 %.4f -> %.4f, largest gap %.4f\n", f32[0],
            f32[MLP_STEPS - 1], bf16[0], bf16[MLP_STEPS - 1], worst);
    /* Both learn (from about ln 4 = 1.39), and the bf16 curve stays within
     * 0.02 of float32's at every step (bf16's relative rounding of 2^-8
     * per product, about 1% of the loss). */
    ck_assert_double_lt(f32[MLP_STEPS - 1], 0.5 * f32[0]);
    ck_assert_double_lt(bf16[MLP_STEPS - 1], 0.5 * bf16[0]);
    ck_assert_double_lt(worst, 0.02);
}
END_TEST

Suite *test_suite(void)
{
    const char *path = getenv("ND_BF16_GEMM");
    fprintf(stderr, "bf16 gemm: %s\n",
            path && path[0] ? path
                            : "default (native where the CPU "
                              "has AVX512_BF16)");
    Suite *s = suite_create("mixed");
    TCase *tc = tcase_create("cast");
    tcase_add_test(tc, test_cast_rounds_to_nearest_even);
    tcase_add_test(tc, test_cast_backward_is_the_upstream_gradient_cast_back);
    tcase_add_test(tc, test_cast_to_same_dtype_and_to_integers);
    tcase_add_test(tc, test_gradcheck_through_float32_casts);
    tcase_add_test(tc, test_gradcheck_through_bf16_casts);
    suite_add_tcase(s, tc);
    tc = tcase_create("products");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_bf16_products_within_rounding_bound);
    tcase_add_test(tc, test_bf16_partial_and_mixed_operands);
    tcase_add_test(tc, test_weight_cast_once_serves_every_use);
    tcase_add_test(tc, test_bf16_attention_fused_matches_composed);
    tcase_add_test(tc, test_bf16_attention_packed_matches_heads);
    tcase_add_test(tc, test_bf16_attention_kernels_round_float32);
    tcase_add_test(tc, test_bf16_linear_bias_gradient_is_nd_sum);
    tcase_add_test(tc, test_linear_to_bf16_is_linear_then_cast);
    tcase_add_test(tc, test_gelu_to_bf16_is_gelu_then_cast);
    tcase_add_test(tc, test_layer_norm_to_bf16_is_norm_then_cast);
    tcase_add_test(tc, test_optimizer_copy_tracks_the_weight);
    tcase_add_test(tc, test_cast_from_a_held_copy);
    tcase_add_test(tc, test_bf16_mlp_tracks_float32);
    suite_add_tcase(s, tc);
    return s;
}
