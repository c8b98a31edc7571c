/*
 * Edge cases of the reductions (nd.h, "Reductions") and of the thread
 * count: axes (negative, duplicate, out of range), keepdims shapes, empty
 * and 0-d inputs, result dtypes, NaN, integer wrap-around, var/std with
 * ddof, logsumexp at infinities, pairwise-sum accuracy, cumsum/cumprod,
 * nd_sum_out, and results that do not depend on the number of threads.
 * Expected values and messages are NumPy 1.24's (Debian's
 * /usr/bin/python3) and, for logsumexp, scipy.special.logsumexp's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "held_arrays.h"

#define AXES(...) \
    (int)(sizeof((const int[]){__VA_ARGS__}) / sizeof(int)), (const int[]) { __VA_ARGS__ }
#define ALL 0, NULL

/* ---- helpers ------------------------------------------------------------------------- */

static int64_t int64_at(const nd_array *a, const int64_t *index)
{
    int64_t v;
    ck_assert_int_eq(nd_get_int64(a, index, &v), 0);
    return v;
}

/* The one element of a 0-d array as a double. */
static double only(const nd_array *a)
{
    ck_assert_int_eq(nd_ndim(a), 0);
    double v;
    ck_assert_int_eq(nd_get(a, NULL, &v), 0);
    return v;
}

static void assert_close(double got, double want, double rtol)
{
    ck_assert_msg(fabs(got - want) <= rtol * fabs(want), "%.17g is not within %g of %.17g", got,
                  rtol, want);
}

/* Every reduction with the signature of nd_sum, by name. */
typedef nd_array *(*reduce_fn)(const nd_array *, int, const int *, bool);
static nd_array *var0(const nd_array *a, int n, const int *axes, bool k)
{
    return nd_var(a, n, axes, 0, k);
}
static nd_array *std0(const nd_array *a, int n, const int *axes, bool k)
{
    return nd_std(a, n, axes, 0, k);
}
// clang-format off
static const struct { const char *name; reduce_fn fn; } reductions[] = {
    {"sum", nd_sum},   {"prod", nd_prod}, {"mean", nd_mean},
    {"max", nd_max},   {"min", nd_min},   {"any", nd_any},
    {"all", nd_all},   {"var", var0},     {"std", std0},
    {"count_nonzero", nd_count_nonzero},  {"logsumexp", nd_logsumexp},
};
// clang-format on
#define NREDUCTIONS (int)(sizeof reductions / sizeof reductions[0])

/* ---- axes and shapes ------------------------------------------------------------------- */

START_TEST(keepdims_shapes)
{
    nd_array *a = range(ND_INT64, 3, SHAPE(2, 3, 4));
    nd_array *r = hold(nd_sum(a, AXES(0, 2), true));
    ck_assert_shape(r, ND_INT64, 3, 1, 3, 1);
    ck_assert_values(r, 60, 92, 124);
    r = hold(nd_sum(a, AXES(0, 2), false));
    ck_assert_shape(r, ND_INT64, 1, 3);
    ck_assert_values(r, 60, 92, 124);
    r = hold(nd_sum(a, ALL, true));
    ck_assert_shape(r, ND_INT64, 3, 1, 1, 1);
    ck_assert_values(r, 276);
    r = hold(nd_sum(a, ALL, false));
    ck_assert_shape(r, ND_INT64, 0);
    r = hold(nd_mean(a, AXES(0, 2), true));
    ck_assert_shape(r, ND_FLOAT64, 3, 1, 3, 1);
    ck_assert_values(r, 7.5, 11.5, 15.5);
    /* Every reduction keeps the same shape. */
    for (int i = 0; i < NREDUCTIONS; i++) {
        r = hold(reductions[i].fn(a, AXES(1), true));
        ck_assert_msg(nd_ndim(r) == 3 && nd_shape(r)[0] == 2 && nd_shape(r)[1] == 1 &&
                          nd_shape(r)[2] == 4,
                      "%s", reductions[i].name);
        r = hold(reductions[i].fn(a, AXES(-1, 0), false));
        ck_assert_msg(nd_ndim(r) == 1 && nd_shape(r)[0] == 3, "%s", reductions[i].name);
    }
    /* All axes listed equals naxes 0. */
    r = hold(nd_max(a, AXES(2, 0, 1), false));
    ck_assert_shape(r, ND_INT64, 0);
    ck_assert_values(r, 23);
}
END_TEST

START_TEST(negative_axes)
{
    nd_array *a = range(ND_INT32, 3, SHAPE(2, 3, 4));
    ck_assert_values(hold(nd_sum(a, AXES(-1, 0), false)), 60, 92, 124);
    ck_assert_values(hold(nd_max(a, AXES(-2), false)), 8, 9, 10, 11, 20, 21, 22, 23);
    ck_assert_values(hold(nd_argmax(a, -3)), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);
    ck_assert_values(hold(nd_cumsum(MAT(ND_INT8, 2, 2, 1, 2, 3, 4), -2)), 1, 2, 4, 6);
}
END_TEST

START_TEST(duplicate_axes)
{
    nd_array *a = range(ND_FLOAT64, 3, SHAPE(2, 3, 4));
    for (int i = 0; i < NREDUCTIONS; i++) {
        nd_clear_error();
        ck_assert_ptr_null(reductions[i].fn(a, AXES(1, -2), false));
        ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
        ck_assert_error("duplicate value in 'axis'");
        ck_assert_ptr_null(reductions[i].fn(a, AXES(0, 0), true));
        ck_assert_error("duplicate value in 'axis'");
    }
    nd_array *out = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(3)));
    ck_assert_fails(nd_sum_out(a, AXES(2, 0, 2), false, out), ND_ERR_VALUE,
                    "duplicate value in 'axis'");
}
END_TEST

START_TEST(axis_out_of_range)
{
    nd_array *m = range(ND_FLOAT64, 2, SHAPE(2, 3));
    for (int i = 0; i < NREDUCTIONS; i++) {
        nd_clear_error();
        ck_assert_ptr_null(reductions[i].fn(m, AXES(3), false));
        ck_assert_int_eq(nd_last_status(), ND_ERR_AXIS);
        ck_assert_error("axis 3 is out of bounds for array of dimension 2");
        ck_assert_ptr_null(reductions[i].fn(m, AXES(0, -3), false));
        ck_assert_error("axis -3 is out of bounds for array of dimension 2");
    }
    ck_assert_null(nd_argmax(m, 2), ND_ERR_AXIS, "axis 2 is out of bounds for array of dimension 2");
    ck_assert_null(nd_argmin(m, -3), ND_ERR_AXIS,
                   "axis -3 is out of bounds for array of dimension 2");
    ck_assert_null(nd_cumsum(m, 2), ND_ERR_AXIS, "axis 2 is out of bounds for array of dimension 2");
    ck_assert_null(nd_cumprod(m, -3), ND_ERR_AXIS,
                   "axis -3 is out of bounds for array of dimension 2");
    nd_array *out = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(2)));
    ck_assert_fails(nd_sum_out(m, AXES(3), false, out), ND_ERR_AXIS,
                    "axis 3 is out of bounds for array of dimension 2");
    nd_array *s = hold(nd_scalar(ND_FLOAT64, 1));
    ck_assert_null(nd_argmax(s, 1), ND_ERR_AXIS, "axis 1 is out of bounds for array of dimension 1");
    ck_assert_null(nd_cumsum(s, 1), ND_ERR_AXIS, "axis 1 is out of bounds for array of dimension 1");
}
END_TEST

START_TEST(bad_arguments)
{
    nd_array *a = VEC(ND_FLOAT64, 1, 2);
    for (int i = 0; i < NREDUCTIONS; i++) {
        nd_clear_error();
        ck_assert_ptr_null(reductions[i].fn(NULL, ALL, false));
        ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
        nd_clear_error();
        ck_assert_ptr_null(reductions[i].fn(a, 1, NULL, false));
        ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
        ck_assert_error("reduction: 1 axes given but axes is NULL");
        ck_assert_ptr_null(reductions[i].fn(a, -1, NULL, false));
        ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
    }
    ck_assert_null(nd_argmax(NULL, 0), ND_ERR_VALUE, "argmax: input is NULL");
    ck_assert_null(nd_argmin(NULL, 0), ND_ERR_VALUE, "argmin: input is NULL");
    ck_assert_null(nd_cumsum(NULL, 0), ND_ERR_VALUE, "cumsum: input is NULL");
    ck_assert_null(nd_cumprod(NULL, 0), ND_ERR_VALUE, "cumprod: input is NULL");
}
END_TEST

/* ---- empty and 0-d --------------------------------------------------------------------------- */

START_TEST(empty_reductions_give_identities)
{
    nd_array *e = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(0)));
    ck_assert_values(hold(nd_sum(e, ALL, false)), 0);
    ck_assert_values(hold(nd_prod(e, ALL, false)), 1);
    nd_array *r = hold(nd_any(e, ALL, false));
    ck_assert_shape(r, ND_BOOL, 0);
    ck_assert_values(r, 0);
    ck_assert_values(hold(nd_all(e, ALL, false)), 1);
    ck_assert_values(hold(nd_count_nonzero(e, ALL, false)), 0);
    ck_assert_values(hold(nd_mean(e, ALL, false)), NAN);
    ck_assert_values(hold(nd_var(e, ALL, 0, false)), NAN);
    r = hold(nd_mean(hold(nd_zeros(ND_FLOAT32, 1, SHAPE(0))), ALL, false));
    ck_assert_shape(r, ND_FLOAT32, 0);
    ck_assert_values(r, NAN);
    r = hold(nd_sum(hold(nd_zeros(ND_INT8, 1, SHAPE(0))), ALL, false));
    ck_assert_shape(r, ND_INT64, 0);
    ck_assert_values(r, 0);
    /* (3, 0): along the empty axis each row gives the identity; along the
     * other the result is empty. */
    nd_array *e30 = hold(nd_zeros(ND_FLOAT64, 2, SHAPE(3, 0)));
    ck_assert_values(hold(nd_sum(e30, AXES(1), false)), 0, 0, 0);
    ck_assert_values(hold(nd_prod(e30, AXES(1), false)), 1, 1, 1);
    ck_assert_values(hold(nd_mean(e30, AXES(1), false)), NAN, NAN, NAN);
    ck_assert_values(hold(nd_var(e30, AXES(1), 0, false)), NAN, NAN, NAN);
    ck_assert_values(hold(nd_all(e30, AXES(-1), false)), 1, 1, 1);
    r = hold(nd_sum(e30, AXES(0), true));
    ck_assert_shape(r, ND_FLOAT64, 2, 1, 0);
    r = hold(nd_mean(e30, AXES(0), false));
    ck_assert_shape(r, ND_FLOAT64, 1, 0);
    r = hold(nd_max(e30, AXES(0), false));
    ck_assert_shape(r, ND_FLOAT64, 1, 0);
    r = hold(nd_max(hold(nd_zeros(ND_INT16, 2, SHAPE(0, 3))), AXES(1), false));
    ck_assert_shape(r, ND_INT16, 1, 0);
    r = hold(nd_argmin(e30, 0));
    ck_assert_shape(r, ND_INT64, 1, 0);
    r = hold(nd_cumsum(hold(nd_zeros(ND_FLOAT64, 2, SHAPE(0, 3))), 0));
    ck_assert_shape(r, ND_FLOAT64, 2, 0, 3);
}
END_TEST

START_TEST(empty_reductions_without_identity)
{
    nd_array *e = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(0)));
    ck_assert_null(nd_max(e, ALL, false), ND_ERR_VALUE,
                   "zero-size array to reduction operation maximum which has no identity");
    ck_assert_null(nd_min(e, ALL, true), ND_ERR_VALUE,
                   "zero-size array to reduction operation minimum which has no identity");
    nd_array *e30 = hold(nd_zeros(ND_INT8, 2, SHAPE(3, 0)));
    ck_assert_null(nd_max(e30, AXES(1), false), ND_ERR_VALUE,
                   "zero-size array to reduction operation maximum which has no identity");
    ck_assert_null(nd_min(e30, ALL, false), ND_ERR_VALUE,
                   "zero-size array to reduction operation minimum which has no identity");
    ck_assert_null(nd_argmax(e, 0), ND_ERR_VALUE, "attempt to get argmax of an empty sequence");
    ck_assert_null(nd_argmin(e30, 1), ND_ERR_VALUE, "attempt to get argmin of an empty sequence");
    ck_assert_null(nd_logsumexp(e, ALL, false), ND_ERR_VALUE,
                   "zero-size array to reduction operation maximum which has no identity");
}
END_TEST

START_TEST(zero_d_inputs)
{
    nd_array *s = hold(nd_scalar(ND_INT8, 5));
    nd_array *r = hold(nd_sum(s, ALL, false));
    ck_assert_shape(r, ND_INT64, 0);
    ck_assert_values(r, 5);
    r = hold(nd_sum(s, ALL, true)); /* no axes to keep */
    ck_assert_shape(r, ND_INT64, 0);
    r = hold(nd_max(s, ALL, false));
    ck_assert_shape(r, ND_INT8, 0);
    ck_assert_values(r, 5);
    ck_assert_values(hold(nd_mean(s, ALL, false)), 5);
    ck_assert_values(hold(nd_var(s, ALL, 0, false)), 0);
    ck_assert_values(hold(nd_var(s, ALL, 1, false)), NAN);
    ck_assert_values(hold(nd_count_nonzero(s, ALL, false)), 1);
    ck_assert_values(hold(nd_logsumexp(s, ALL, false)), 5);
    r = hold(nd_argmax(s, 0));
    ck_assert_shape(r, ND_INT64, 0);
    ck_assert_values(r, 0);
    ck_assert_values(hold(nd_argmin(s, -1)), 0);
    r = hold(nd_cumsum(s, 0)); /* NumPy: 1-d */
    ck_assert_shape(r, ND_INT64, 1, 1);
    ck_assert_values(r, 5);
    r = hold(nd_cumprod(s, -1));
    ck_assert_shape(r, ND_INT64, 1, 1);
    ck_assert_values(r, 5);
}
END_TEST

/* ---- dtypes ------------------------------------------------------------------------------------ */

START_TEST(result_dtypes)
{
    // clang-format off
    static const struct { nd_dtype in, sum, mean, max; } cases[] = {
        {ND_BOOL, ND_INT64, ND_FLOAT64, ND_BOOL},          {ND_INT8, ND_INT64, ND_FLOAT64, ND_INT8},
        {ND_INT32, ND_INT64, ND_FLOAT64, ND_INT32},        {ND_UINT8, ND_UINT64, ND_FLOAT64, ND_UINT8},
        {ND_UINT16, ND_UINT64, ND_FLOAT64, ND_UINT16},     {ND_UINT64, ND_UINT64, ND_FLOAT64, ND_UINT64},
        {ND_FLOAT16, ND_FLOAT16, ND_FLOAT16, ND_FLOAT16},  {ND_BFLOAT16, ND_BFLOAT16, ND_BFLOAT16, ND_BFLOAT16},
        {ND_FLOAT32, ND_FLOAT32, ND_FLOAT32, ND_FLOAT32},  {ND_FLOAT64, ND_FLOAT64, ND_FLOAT64, ND_FLOAT64},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_array *a = VEC(cases[i].in, 1, 0, 1);
        const char *name = nd_dtype_name(cases[i].in);
        ck_assert_msg(nd_dtype_of(hold(nd_sum(a, ALL, false))) == cases[i].sum, "sum %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_prod(a, ALL, false))) == cases[i].sum, "prod %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_cumsum(a, 0))) == cases[i].sum, "cumsum %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_cumprod(a, 0))) == cases[i].sum, "cumprod %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_mean(a, ALL, false))) == cases[i].mean, "mean %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_var(a, ALL, 0, false))) == cases[i].mean, "var %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_std(a, ALL, 0, false))) == cases[i].mean, "std %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_logsumexp(a, ALL, false))) == cases[i].mean, "lse %s",
                      name);
        ck_assert_msg(nd_dtype_of(hold(nd_max(a, ALL, false))) == cases[i].max, "max %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_min(a, ALL, false))) == cases[i].max, "min %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_any(a, ALL, false))) == ND_BOOL, "any %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_all(a, ALL, false))) == ND_BOOL, "all %s", name);
        ck_assert_msg(nd_dtype_of(hold(nd_count_nonzero(a, ALL, false))) == ND_INT64, "count %s",
                      name);
        ck_assert_msg(nd_dtype_of(hold(nd_argmax(a, 0))) == ND_INT64, "argmax %s", name);
        ck_assert_values(hold(nd_sum(a, ALL, false)), 2);
        ck_assert_values(hold(nd_count_nonzero(a, ALL, false)), 2);
        ck_assert_values(hold(nd_argmin(a, 0)), 1);
    }
    ck_assert_values(hold(nd_mean(VEC(ND_BOOL, 1, 0, 1), ALL, false)), 2.0 / 3);
    ck_assert_values(hold(nd_mean(VEC(ND_INT64, 1, 2, 4), ALL, false)), 7.0 / 3);
}
END_TEST

START_TEST(integer_sums_wrap)
{
    nd_array *r = hold(nd_sum(VEC(ND_INT8, -1, -1, 100, 100), ALL, false));
    ck_assert_values(r, 198); /* int64: no int8 wrap */
    r = hold(nd_sum(VEC(ND_UINT8, 255, 255), ALL, false));
    ck_assert_shape(r, ND_UINT64, 0);
    ck_assert_values(r, 510);
    nd_array *big = hold(nd_zeros(ND_INT64, 1, SHAPE(2)));
    ck_assert_int_eq(nd_set_int64(big, SHAPE(0), INT64_MAX), 0);
    ck_assert_int_eq(nd_set_int64(big, SHAPE(1), 1), 0);
    ck_assert_int_eq(int64_at(hold(nd_sum(big, ALL, false)), NULL), INT64_MIN);
    nd_array *ubig = hold(nd_zeros(ND_UINT64, 1, SHAPE(2)));
    ck_assert_int_eq(nd_set_int64(ubig, SHAPE(0), -1), 0); /* 2^64 - 1 */
    ck_assert_int_eq(nd_set_int64(ubig, SHAPE(1), 2), 0);
    ck_assert_int_eq(int64_at(hold(nd_sum(ubig, ALL, false)), NULL), 1);
    ck_assert_int_eq(nd_set_int64(big, SHAPE(0), INT64_C(1) << 62), 0);
    ck_assert_int_eq(nd_set_int64(big, SHAPE(1), 4), 0);
    ck_assert_int_eq(int64_at(hold(nd_prod(big, ALL, false)), NULL), 0);
    r = hold(nd_cumprod(big, 0));
    ck_assert_int_eq(int64_at(r, SHAPE(0)), INT64_C(1) << 62);
    ck_assert_int_eq(int64_at(r, SHAPE(1)), 0);
    /* bool sums count; bool products are 0/1 in int64. */
    ck_assert_values(hold(nd_sum(VEC(ND_BOOL, 1, 1, 0, 1), ALL, false)), 3);
    ck_assert_values(hold(nd_prod(VEC(ND_BOOL, 1, 1, 0, 1), ALL, false)), 0);
}
END_TEST

START_TEST(float16_sums_accumulate_in_float32)
{
    /* Summed in float32 and rounded once: 2052, not float16's 2048. */
    nd_array *r = hold(nd_sum(VEC(ND_FLOAT16, 2048, 1, 1, 1, 1), ALL, false));
    ck_assert_shape(r, ND_FLOAT16, 0);
    ck_assert_values(r, 2052);
    ck_assert_values(hold(nd_mean(VEC(ND_FLOAT16, 2048, 1, 1, 1, 1), ALL, false)), 410.5);
    ck_assert_values(hold(nd_sum(VEC(ND_BFLOAT16, 256, 1, 1, 1, 1), ALL, false)), 260);
    /* NumPy's bits for sum and mean of 1000 float16 0.1s. */
    nd_array *tenth = hold(nd_full(ND_FLOAT16, 1, SHAPE(1000), 0.1));
    r = hold(nd_sum(tenth, ALL, false));
    ck_assert_uint_eq(*(const uint16_t *)nd_data(r), 22080);
    r = hold(nd_mean(tenth, ALL, false));
    ck_assert_uint_eq(*(const uint16_t *)nd_data(r), 11878);
    ck_assert_values(hold(nd_std(VEC(ND_FLOAT16, 1, 2), ALL, 0, false)), 0.5);
    ck_assert_values(hold(nd_var(VEC(ND_FLOAT16, 1, 2), ALL, 0, false)), 0.25);
}
END_TEST

START_TEST(integer_extremes)
{
    nd_array *u = hold(nd_zeros(ND_UINT64, 1, SHAPE(4)));
    ck_assert_int_eq(nd_set_int64(u, SHAPE(1), -1), 0); /* 2^64 - 1 */
    ck_assert_int_eq(nd_set_int64(u, SHAPE(2), 5), 0);
    ck_assert_int_eq(nd_set_int64(u, SHAPE(3), -1), 0);
    nd_array *r = hold(nd_max(u, ALL, false));
    ck_assert_shape(r, ND_UINT64, 0);
    ck_assert_int_eq(int64_at(r, NULL), -1);
    ck_assert_int_eq(int64_at(hold(nd_min(u, ALL, false)), NULL), 0);
    ck_assert_values(hold(nd_argmax(u, 0)), 1); /* the first of equal maxima */
    ck_assert_values(hold(nd_argmin(u, 0)), 0);
    /* Long int8 runs (16 lanes): extremes anywhere, first index of ties. */
    nd_array *x = hold(nd_zeros(ND_INT8, 1, SHAPE(1000)));
    ck_assert_int_eq(nd_set(x, SHAPE(613), 127), 0);
    ck_assert_int_eq(nd_set(x, SHAPE(998), 127), 0);
    ck_assert_int_eq(nd_set(x, SHAPE(999), -128), 0);
    ck_assert_values(hold(nd_max(x, ALL, false)), 127);
    ck_assert_values(hold(nd_min(x, ALL, false)), -128);
    ck_assert_values(hold(nd_argmax(x, 0)), 613);
    ck_assert_values(hold(nd_argmin(x, 0)), 999);
    nd_array *b = VEC(ND_BOOL, 0, 1, 1);
    r = hold(nd_max(b, ALL, false));
    ck_assert_shape(r, ND_BOOL, 0);
    ck_assert_values(r, 1);
    ck_assert_values(hold(nd_min(b, ALL, false)), 0);
    ck_assert_values(hold(nd_argmax(b, 0)), 1);
    /* Products: float overflow to inf; an empty axis of ints gives 1s. */
    ck_assert_values(hold(nd_prod(VEC(ND_FLOAT64, 1e200, 1e200), ALL, false)), INFINITY);
    ck_assert_values(hold(nd_prod(VEC(ND_FLOAT32, 1e30, 1e30), ALL, false)), INFINITY);
    r = hold(nd_prod(hold(nd_zeros(ND_INT8, 2, SHAPE(2, 0))), AXES(1), false));
    ck_assert_shape(r, ND_INT64, 1, 2);
    ck_assert_values(r, 1, 1);
}
END_TEST

START_TEST(any_all_over_axes)
{
    /* a % 7 == 0 over (2, 3, 4) = arange(24): zeros at 0, 7, 14, 21. */
    nd_array *a = range(ND_INT64, 3, SHAPE(2, 3, 4));
    nd_array *sevens =
        hold(nd_equal(hold(nd_mod(a, hold(nd_scalar(ND_INT64, 7)))), hold(nd_scalar(ND_INT64, 0))));
    nd_array *r = hold(nd_any(sevens, AXES(0, 2), true));
    ck_assert_shape(r, ND_BOOL, 3, 1, 3, 1);
    ck_assert_values(r, 1, 1, 1);
    ck_assert_values(hold(nd_any(sevens, AXES(2), false)), 1, 1, 0, 1, 0, 1);
    ck_assert_values(hold(nd_all(a, AXES(1), false)), 0, 1, 1, 1, 1, 1, 1, 1);
    ck_assert_values(hold(nd_all(a, AXES(0, 1), false)), 0, 1, 1, 1);
    nd_array *t = hold(nd_transpose(a, NULL));
    ck_assert_values(hold(nd_any(hold(nd_transpose(sevens, NULL)), AXES(0), false)), 1, 1, 1, 0, 0,
                     1);
    ck_assert_values(hold(nd_count_nonzero(t, AXES(2), false)), 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2);
}
END_TEST

START_TEST(middle_and_outer_axes)
{
    /* (2, 3, 4, 5) reduced over axes 1 and 3, checked against loops. */
    nd_array *a = hold(nd_astype(range(ND_INT64, 4, SHAPE(2, 3, 4, 5)), ND_FLOAT64));
    nd_array *sum = hold(nd_sum(a, AXES(3, 1), true));
    nd_array *mean = hold(nd_mean(a, AXES(1, 3), false));
    nd_array *var = hold(nd_var(a, AXES(1, 3), 1, false));
    nd_array *lse = hold(nd_logsumexp(a, AXES(1, 3), false));
    ck_assert_shape(sum, ND_FLOAT64, 4, 2, 1, 4, 1);
    ck_assert_shape(lse, ND_FLOAT64, 2, 2, 4);
    for (int64_t i = 0; i < 2; i++)
        for (int64_t k = 0; k < 4; k++) {
            double s = 0, sq = 0, l = 0, m = -INFINITY;
            for (int j = 0; j < 3; j++)
                for (int n = 0; n < 5; n++)
                    m = fmax(m, (double)(((i * 3 + j) * 4 + k) * 5 + n));
            for (int j = 0; j < 3; j++)
                for (int n = 0; n < 5; n++) {
                    double v = (double)(((i * 3 + j) * 4 + k) * 5 + n);
                    s += v;
                    l += exp(v - m);
                }
            for (int j = 0; j < 3; j++)
                for (int n = 0; n < 5; n++) {
                    double d = (double)(((i * 3 + j) * 4 + k) * 5 + n) - s / 15;
                    sq += d * d;
                }
            double got;
            ck_assert_int_eq(nd_get(sum, (int64_t[]){i, 0, k, 0}, &got), 0);
            ck_assert(got == s);
            ck_assert_int_eq(nd_get(mean, (int64_t[]){i, k}, &got), 0);
            ck_assert(got == s / 15);
            ck_assert_int_eq(nd_get(var, (int64_t[]){i, k}, &got), 0);
            assert_close(got, sq / 14, 1e-14);
            ck_assert_int_eq(nd_get(lse, (int64_t[]){i, k}, &got), 0);
            assert_close(got, m + log(l), 1e-14);
        }
}
END_TEST

/* ---- NaN and infinities --------------------------------------------------------------------------- */

START_TEST(nan_in_max_min)
{
    static const nd_dtype floats[] = {ND_FLOAT16, ND_BFLOAT16, ND_FLOAT32, ND_FLOAT64};
    for (int i = 0; i < 4; i++) {
        nd_array *a = VEC(floats[i], 1, NAN, 3, NAN);
        ck_assert_values(hold(nd_max(a, ALL, false)), NAN);
        ck_assert_values(hold(nd_min(a, ALL, false)), NAN);
        ck_assert_values(hold(nd_argmax(a, 0)), 1);
        ck_assert_values(hold(nd_argmin(a, 0)), 1);
        nd_array *m = MAT(floats[i], 2, 2, 1, 2, NAN, 0);
        ck_assert_values(hold(nd_max(m, AXES(1), false)), 2, NAN);
        ck_assert_values(hold(nd_min(m, AXES(0), false)), NAN, 0);
        ck_assert_values(hold(nd_argmax(m, 1)), 1, 0);
    }
    ck_assert_values(hold(nd_argmin(VEC(ND_FLOAT64, 1, 3, NAN, -INFINITY, NAN), 0)), 2);
    ck_assert_values(hold(nd_argmax(VEC(ND_FLOAT64, -INFINITY, -INFINITY), 0)), 0);
    ck_assert_values(hold(nd_argmin(VEC(ND_FLOAT64, INFINITY, 2, 2), 0)), 1);
    /* Long contiguous runs (vectorized lanes): NaN anywhere still wins,
     * and the first NaN is the index. */
    static const nd_dtype wide[] = {ND_FLOAT16, ND_FLOAT32, ND_FLOAT64};
    for (int i = 0; i < 3; i++) {
        nd_array *x = hold(nd_linspace(wide[i], -1, 1, 1000, true));
        ck_assert_int_eq(nd_set(x, SHAPE(777), NAN), 0);
        ck_assert_int_eq(nd_set(x, SHAPE(900), NAN), 0);
        ck_assert_values(hold(nd_max(x, ALL, false)), NAN);
        ck_assert_values(hold(nd_min(x, ALL, false)), NAN);
        ck_assert_values(hold(nd_argmax(x, 0)), 777);
        ck_assert_values(hold(nd_argmin(x, 0)), 777);
    }
    nd_array *f = VEC(ND_FLOAT32, 1, 3, 7, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NAN);
    ck_assert_values(hold(nd_argmax(f, 0)), 44);
    ck_assert_values(hold(nd_argmin(f, 0)), 44);
}
END_TEST

/* The first NaN, else the first strict extreme: NumPy's argmax/argmin. */
static int64_t reference_arg_extreme(const nd_array *x, bool is_max)
{
    int64_t n = nd_size(x), best_index = 0;
    double best = 0;
    for (int64_t i = 0; i < n; i++) {
        double v;
        ck_assert_int_eq(nd_get(x, &i, &v), 0);
        if (isnan(v))
            return i;
        if (i == 0 || (is_max ? v > best : v < best)) {
            best = v;
            best_index = i;
        }
    }
    return best_index;
}

/* Long contiguous float rows take a chunked pass (16 KB chunks: 4096
 * float32 or 2048 float64) that finds each chunk's extreme and then the
 * first index of the best one; NaN is caught by a running sum. These rows
 * put extremes, ties, NaN, infinities and signed zeros on both sides of
 * chunk boundaries and in the tail, and check against a plain scan. */
START_TEST(long_rows_find_the_first_extreme)
{
    const int64_t lengths[] = {256, 300, 2048, 2049, 4096, 4100, 9000, 20000};
    for (int dt = 0; dt < 2; dt++)
        for (int l = 0; l < 8; l++) {
            nd_dtype dtype = dt ? ND_FLOAT64 : ND_FLOAT32;
            int64_t n = lengths[l], chunk = dt ? 2048 : 4096;
            for (int scenario = 0; scenario < 9; scenario++) {
                nd_rng *rng = nd_rng_new(100 * l + scenario);
                nd_array *x = hold(nd_rng_standard_normal(rng, dtype, 1, &n));
                nd_rng_free(rng);
                int64_t late = n - 1 - n / 7, early = n / 5;
                switch (scenario) {
                case 1: /* the extremes in a late chunk, tied further on */
                    nd_set(x, &late, 99), nd_set(x, &(int64_t){n - 1}, 99);
                    nd_set(x, &(int64_t){late - 1}, -99), nd_set(x, &(int64_t){n - 2}, -99);
                    break;
                case 2: /* ties in the first chunk and a later one */
                    nd_set(x, &early, 50), nd_set(x, &(int64_t){early + chunk}, 50);
                    nd_set(x, &(int64_t){early + 1}, -50);
                    nd_set(x, &(int64_t){(early + 1 + chunk) % n}, -50);
                    break;
                case 3: /* a NaN after the extremes, in a later chunk */
                    nd_set(x, &early, 99), nd_set(x, &(int64_t){early + 1}, -99);
                    nd_set(x, &late, NAN);
                    break;
                case 4: /* a NaN as the very last element (the scalar tail) */
                    nd_set(x, &(int64_t){n - 1}, NAN);
                    break;
                case 5: /* inf + -inf in the running sum: a false alarm */
                    nd_set(x, &early, INFINITY), nd_set(x, &(int64_t){early + 1}, -INFINITY);
                    nd_set(x, &late, INFINITY), nd_set(x, &(int64_t){n - 1}, -INFINITY);
                    break;
                case 6: /* signed zeros compare equal: the first zero wins */
                    for (int64_t i = 0; i < n; i++) {
                        double v;
                        nd_get(x, &i, &v);
                        nd_set(x, &i, -fabs(v) - 1);
                    }
                    nd_set(x, &early, -0.0), nd_set(x, &late, 0.0);
                    break;
                case 7: /* every element equal */
                    for (int64_t i = 0; i < n; i++)
                        nd_set(x, &i, 3);
                    break;
                case 8: /* the extremes at index 0 only */
                    nd_set(x, &(int64_t){0}, 1e30);
                    break;
                }
                for (int is_max = 0; is_max < 2; is_max++) {
                    nd_array *r = hold((is_max ? nd_argmax : nd_argmin)(x, 0));
                    int64_t got = int64_at(r, NULL), want = reference_arg_extreme(x, is_max);
                    ck_assert_msg(got == want, "%s n=%lld dtype %d scenario %d: %lld, want %lld",
                                  is_max ? "argmax" : "argmin", (long long)n, dtype, scenario,
                                  (long long)got, (long long)want);
                }
                release_all();
            }
        }
    /* Rows of a matrix, split across threads, and a reversed (strided) view. */
    nd_rng *rng = nd_rng_new(7);
    nd_array *m = hold(nd_rng_standard_normal(rng, ND_FLOAT32, 2, SHAPE(64, 5000)));
    nd_rng_free(rng);
    ck_assert_int_eq(nd_set(m, SHAPE(10, 4500), NAN), 0);
    for (int threads = 1; threads <= 2; threads++) {
        ck_assert_int_eq(nd_set_num_threads(threads), 0);
        nd_array *r = hold(nd_argmax(m, 1));
        for (int64_t row = 0; row < 64; row++) {
            nd_array *one_row = nd_slice(m, 0, row, row + 1, 1);
            nd_array *line = nd_reshape(one_row, 1, SHAPE(5000));
            ck_assert_int_eq(int64_at(r, &row), reference_arg_extreme(line, true));
            nd_free(line);
            nd_free(one_row);
        }
    }
    nd_array *reversed = hold(nd_reshape(hold(nd_slice(m, 0, 3, 4, 1)), 1, SHAPE(5000)));
    reversed = hold(nd_slice(reversed, 0, ND_NONE, ND_NONE, -1));
    ck_assert_int_eq(int64_at(hold(nd_argmin(reversed, 0)), NULL),
                     reference_arg_extreme(reversed, false));
    ck_assert_int_eq(nd_set_num_threads(0), 0);
}
END_TEST

START_TEST(nan_in_sums_and_moments)
{
    nd_array *a = VEC(ND_FLOAT64, 1, NAN, 3);
    ck_assert_values(hold(nd_sum(a, ALL, false)), NAN);
    ck_assert_values(hold(nd_prod(a, ALL, false)), NAN);
    ck_assert_values(hold(nd_mean(a, ALL, false)), NAN);
    ck_assert_values(hold(nd_var(a, ALL, 0, false)), NAN);
    ck_assert_values(hold(nd_std(a, ALL, 1, false)), NAN);
    ck_assert_values(hold(nd_cumsum(a, 0)), 1, NAN, NAN);
    ck_assert_values(hold(nd_sum(VEC(ND_FLOAT32, INFINITY, -INFINITY), ALL, false)), NAN);
    ck_assert_values(hold(nd_sum(VEC(ND_FLOAT32, INFINITY, 1), ALL, false)), INFINITY);
    /* NaN is nonzero: truthy for any/all/count_nonzero; -0.0 is zero. */
    nd_array *m = MAT(ND_FLOAT64, 2, 3, 0, 1.5, NAN, 0, 0, -0.0);
    ck_assert_values(hold(nd_any(m, AXES(1), false)), 1, 0);
    ck_assert_values(hold(nd_all(VEC(ND_FLOAT64, 1, NAN), ALL, false)), 1);
    nd_array *c = hold(nd_count_nonzero(m, AXES(1), false));
    ck_assert_shape(c, ND_INT64, 1, 2);
    ck_assert_values(c, 2, 0);
    c = hold(nd_count_nonzero(m, AXES(0), true));
    ck_assert_shape(c, ND_INT64, 2, 1, 3);
    ck_assert_values(c, 0, 1, 1);
    ck_assert_values(hold(nd_count_nonzero(m, ALL, false)), 2);
    ck_assert_values(hold(nd_count_nonzero(VEC(ND_UINT64, 0, 7, 0), ALL, false)), 1);
}
END_TEST

START_TEST(logsumexp_at_infinities)
{
    ck_assert_values(hold(nd_logsumexp(VEC(ND_FLOAT64, -INFINITY, -INFINITY), ALL, false)),
                     -INFINITY);
    ck_assert_values(hold(nd_logsumexp(VEC(ND_FLOAT64, INFINITY, 1), ALL, false)), INFINITY);
    ck_assert_values(hold(nd_logsumexp(VEC(ND_FLOAT64, INFINITY, INFINITY), ALL, false)), INFINITY);
    ck_assert_values(hold(nd_logsumexp(VEC(ND_FLOAT64, INFINITY, -INFINITY), ALL, false)), INFINITY);
    ck_assert_values(hold(nd_logsumexp(VEC(ND_FLOAT64, NAN, 1), ALL, false)), NAN);
    ck_assert_values(hold(nd_logsumexp(VEC(ND_FLOAT64, -INFINITY, 0), ALL, false)), 0);
    /* No overflow: exp(1000) is inf, the result is not. */
    ck_assert_values(hold(nd_logsumexp(VEC(ND_FLOAT64, 1000, 1000), ALL, false)), 1000 + log(2.0));
    ck_assert_values(hold(nd_logsumexp(VEC(ND_FLOAT64, -1000, -1000), ALL, false)),
                     -1000 + log(2.0));
    nd_array *m = MAT(ND_FLOAT64, 2, 2, 0, 0, -INFINITY, -INFINITY);
    nd_array *r = hold(nd_logsumexp(m, AXES(1), true));
    ck_assert_shape(r, ND_FLOAT64, 2, 2, 1);
    ck_assert_values(r, log(2.0), -INFINITY);
    r = hold(nd_logsumexp(VEC(ND_INT32, 0, 0), ALL, false));
    ck_assert_shape(r, ND_FLOAT64, 0);
    ck_assert_values(r, log(2.0));
    r = hold(nd_logsumexp(VEC(ND_FLOAT32, 0, 0, 0, 0), ALL, false));
    ck_assert_shape(r, ND_FLOAT32, 0);
    ck_assert_values(r, logf(4.0f));
}
END_TEST

/* ---- var and std ---------------------------------------------------------------------------------- */

START_TEST(var_std_ddof)
{
    nd_array *a = VEC(ND_INT64, 1, 2, 3, 4);
    ck_assert_values(hold(nd_var(a, ALL, 0, false)), 1.25);
    ck_assert_values(hold(nd_var(a, ALL, 1, false)), 5.0 / 3);
    ck_assert_values(hold(nd_var(a, ALL, -1, false)), 1);
    ck_assert_values(hold(nd_std(a, ALL, 1, false)), sqrt(5.0 / 3));
    /* N - ddof <= 0: division by zero, as NumPy (with its warning). */
    ck_assert_values(hold(nd_var(a, ALL, 4, false)), INFINITY);
    ck_assert_values(hold(nd_var(a, ALL, 5, false)), INFINITY);
    ck_assert_values(hold(nd_std(a, ALL, 4, false)), INFINITY);
    ck_assert_values(hold(nd_var(VEC(ND_FLOAT64, 3, 3), ALL, 2, false)), NAN);
    nd_array *m = MAT(ND_FLOAT32, 2, 2, 1, 2, 3, 5);
    nd_array *r = hold(nd_std(m, AXES(0), 1, false));
    ck_assert_shape(r, ND_FLOAT32, 1, 2);
    ck_assert_values(r, sqrtf(2.0f), sqrtf(4.5f));
    r = hold(nd_var(m, AXES(1), 0, true));
    ck_assert_shape(r, ND_FLOAT32, 2, 2, 1);
    ck_assert_values(r, 0.25, 1);
    /* Two passes: a large offset does not cancel the small spread. */
    r = hold(nd_var(VEC(ND_FLOAT64, 1e9 + 1, 1e9 + 2, 1e9 + 3), ALL, 0, false));
    ck_assert_values(r, 2.0 / 3);
}
END_TEST

/* ---- views ---------------------------------------------------------------------------------------- */

START_TEST(strided_inputs)
{
    nd_array *a = range(ND_INT32, 2, SHAPE(3, 4));
    nd_array *t = hold(nd_transpose(a, NULL));
    ck_assert_values(hold(nd_sum(t, AXES(0), false)), 6, 22, 38);
    ck_assert_values(hold(nd_sum(t, AXES(1), false)), 12, 15, 18, 21);
    ck_assert_values(hold(nd_argmax(t, 0)), 3, 3, 3);
    ck_assert_values(hold(nd_cumsum(t, 1)), 0, 4, 12, 1, 6, 15, 2, 8, 18, 3, 10, 21);
    nd_array *rev =
        hold(nd_slice(hold(nd_slice(a, 1, ND_NONE, ND_NONE, -2)), 0, ND_NONE, ND_NONE, -1));
    ck_assert_values(rev, 11, 9, 7, 5, 3, 1);
    ck_assert_values(hold(nd_sum(rev, AXES(1), false)), 20, 12, 4);
    ck_assert_values(hold(nd_max(rev, AXES(0), false)), 11, 9);
    ck_assert_values(hold(nd_argmin(rev, 1)), 1, 1, 1);
    ck_assert_values(hold(nd_cumprod(rev, 0)), 11, 9, 77, 45, 231, 45);
    /* A broadcast (stride 0) input. */
    nd_array *b = hold(nd_broadcast_to(VEC(ND_FLOAT64, 1, 2, 3), 2, SHAPE(1000, 3)));
    ck_assert_values(hold(nd_sum(b, AXES(0), false)), 1000, 2000, 3000);
    ck_assert_values(hold(nd_mean(b, AXES(0), false)), 1, 2, 3);
    ck_assert_values(hold(nd_var(b, AXES(0), 0, false)), 0, 0, 0);
}
END_TEST

/* ---- cumsum and cumprod ----------------------------------------------------------------------------- */

START_TEST(cumulative_along_each_axis)
{
    nd_array *a = range(ND_INT64, 2, SHAPE(2, 3));
    nd_array *r = hold(nd_cumsum(a, 0));
    ck_assert_shape(r, ND_INT64, 2, 2, 3);
    ck_assert_values(r, 0, 1, 2, 3, 5, 7);
    ck_assert_values(hold(nd_cumsum(a, 1)), 0, 1, 3, 3, 7, 12);
    ck_assert_values(hold(nd_cumsum(a, -1)), 0, 1, 3, 3, 7, 12);
    nd_array *p = MAT(ND_FLOAT32, 2, 3, 1, 2, 3, 4, 5, 6);
    r = hold(nd_cumprod(p, 0));
    ck_assert_shape(r, ND_FLOAT32, 2, 2, 3);
    ck_assert_values(r, 1, 2, 3, 4, 10, 18);
    ck_assert_values(hold(nd_cumprod(p, 1)), 1, 2, 6, 4, 20, 120);
    nd_array *c = range(ND_INT16, 3, SHAPE(2, 2, 2));
    ck_assert_values(hold(nd_cumsum(c, 1)), 0, 1, 2, 4, 4, 5, 10, 12);
    ck_assert_values(hold(nd_cumsum(c, 0)), 0, 1, 2, 3, 4, 6, 8, 10);
    /* Widened, so no int8 wrap; unsigned stays unsigned. */
    ck_assert_values(hold(nd_cumsum(VEC(ND_INT8, 100, 100, 100), 0)), 100, 200, 300);
    r = hold(nd_cumsum(VEC(ND_UINT8, 200, 100), 0));
    ck_assert_shape(r, ND_UINT64, 1, 2);
    ck_assert_values(r, 200, 300);
    ck_assert_values(hold(nd_cumsum(VEC(ND_BOOL, 1, 1, 0, 1), 0)), 1, 2, 2, 3);
    ck_assert_values(hold(nd_cumsum(VEC(ND_FLOAT16, 1, 2), 0)), 1, 3);
}
END_TEST

START_TEST(cumulative_float16_rounds_each_step)
{
    /* NumPy's accumulate stores every partial result in float16 and reads
     * it back for the next step: 2048 + 1 rounds to 2048 each time. */
    nd_array *r = hold(nd_cumsum(VEC(ND_FLOAT16, 2048, 1, 1), 0));
    ck_assert_shape(r, ND_FLOAT16, 1, 3);
    ck_assert_values(r, 2048, 2048, 2048);
    r = hold(nd_cumprod(VEC(ND_FLOAT16, 1.001, 1.001, 1.001, 1.001, 1.001), 0));
    for (int64_t i = 0; i < 5; i++)
        ck_assert_uint_eq(((const uint16_t *)nd_data(r))[i], 15361 + i);
    r = hold(nd_cumsum(VEC(ND_BFLOAT16, 256, 1, 1), 0));
    ck_assert_shape(r, ND_BFLOAT16, 1, 3);
    ck_assert_values(r, 256, 256, 256);
}
END_TEST

/* ---- sum_out ---------------------------------------------------------------------------------------- */

START_TEST(sum_out_values_and_casts)
{
    nd_array *a = range(ND_FLOAT64, 2, SHAPE(2, 3));
    nd_array *out = hold(nd_full(ND_FLOAT64, 1, SHAPE(3), -1));
    ck_assert_int_eq(nd_sum_out(a, AXES(0), false, out), 0);
    ck_assert_values(out, 3, 5, 7);
    nd_array *kept = hold(nd_zeros(ND_FLOAT64, 2, SHAPE(2, 1)));
    ck_assert_int_eq(nd_sum_out(a, AXES(-1), true, kept), 0);
    ck_assert_values(kept, 3, 12);
    nd_array *all = hold(nd_zeros(ND_FLOAT32, 0, NULL));
    ck_assert_int_eq(nd_sum_out(a, ALL, false, all), 0);
    ck_assert_values(all, 15);
    /* same_kind casts: int64 sum into int8 wraps, into float32 is fine. */
    nd_array *ints = VEC(ND_INT64, 100, 100);
    nd_array *i8 = hold(nd_zeros(ND_INT8, 0, NULL));
    ck_assert_int_eq(nd_sum_out(ints, ALL, false, i8), 0);
    ck_assert_values(i8, -56);
    ck_assert_int_eq(nd_sum_out(ints, ALL, false, all), 0);
    ck_assert_values(all, 200);
    /* Into a view of the input itself (accumulating a gradient). */
    nd_array *row = hold(nd_slice(a, 0, 0, 1, 1));
    ck_assert_int_eq(nd_sum_out(a, AXES(0), true, row), 0);
    ck_assert_values(a, 3, 5, 7, 3, 4, 5);
    /* Into a transposed out. */
    nd_array *m = range(ND_INT32, 3, SHAPE(2, 3, 2));
    nd_array *o = hold(nd_zeros(ND_INT64, 2, SHAPE(2, 3)));
    ck_assert_int_eq(nd_sum_out(m, AXES(0), false, hold(nd_transpose(o, NULL))), 0);
    ck_assert_values(o, 6, 10, 14, 8, 12, 16);
}
END_TEST

START_TEST(sum_out_errors)
{
    nd_array *a = range(ND_FLOAT64, 2, SHAPE(2, 3));
    nd_array *ints = hold(nd_full(ND_INT64, 1, SHAPE(3), 9));
    /* libnd casts the float64 sum (nd.h: same_kind); NumPy would instead
     * run the sum in out's int64. */
    ck_assert_fails(nd_sum_out(a, AXES(0), false, ints), ND_ERR_TYPE,
                    "Cannot cast array data from dtype('float64') to dtype('int64') according to "
                    "the rule 'same_kind'");
    ck_assert_values(ints, 9, 9, 9);
    nd_array *out = hold(nd_zeros(ND_FLOAT64, 2, SHAPE(1, 3)));
    ck_assert_fails(nd_sum_out(a, AXES(0), false, out), ND_ERR_VALUE,
                    "output parameter for reduction operation add has the wrong number of "
                    "dimensions: Found 2 but expected 1");
    nd_array *flat = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(3)));
    ck_assert_fails(nd_sum_out(a, AXES(0), true, flat), ND_ERR_VALUE,
                    "output parameter for reduction operation add has the wrong number of "
                    "dimensions: Found 1 but expected 2 (must match the operand's when "
                    "keepdims=True)");
    nd_array *two = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(2)));
    nd_clear_error();
    ck_assert_int_eq(nd_sum_out(a, AXES(0), false, two), ND_ERR_VALUE);
    ck_assert_values(two, 0, 0);
    nd_array *ro = hold(nd_zeros(ND_FLOAT64, 1, SHAPE(3)));
    ck_assert_int_eq(nd_set_writeable(ro, false), 0);
    nd_clear_error();
    ck_assert_int_eq(nd_sum_out(a, AXES(0), false, ro), ND_ERR_VALUE);
    ck_assert_values(ro, 0, 0, 0);
    ck_assert_fails(nd_sum_out(a, AXES(0), false, NULL), ND_ERR_VALUE, "sum: out is NULL");
}
END_TEST

/* ---- accuracy and threads ---------------------------------------------------------------------------- */

START_TEST(pairwise_sum_accuracy)
{
    /* 10^7 float32 0.1s: a running float32 sum ends near 1087937 (9%
     * off); a pairwise sum stays within a few ulps of 10^6. NumPy 1.24
     * gives 999989.44 (it adds 8192-element blocks sequentially). */
    int64_t n = 10000000;
    nd_array *x = hold(nd_full(ND_FLOAT32, 1, &n, 0.1));
    double exact = (double)n * (double)0.1f;
    nd_array *s = hold(nd_sum(x, ALL, false));
    ck_assert_int_eq(nd_dtype_of(s), ND_FLOAT32);
    assert_close(only(s), exact, 1e-6);
    assert_close(only(hold(nd_mean(x, ALL, false))), (double)0.1f, 1e-6);
    /* A strided run is summed pairwise too. */
    nd_array *even = hold(nd_slice(x, 0, ND_NONE, ND_NONE, 2));
    assert_close(only(hold(nd_sum(even, ALL, false))), exact / 2, 1e-6);
    /* Rows of a matrix (the reduced axis is the contiguous one). */
    nd_array *rows = shaped(x, 2, SHAPE(10, 1000000));
    nd_array *r = hold(nd_sum(rows, AXES(1), false));
    for (int64_t i = 0; i < 10; i++) {
        double v;
        ck_assert_int_eq(nd_get(r, &i, &v), 0);
        assert_close(v, exact / 10, 1e-6);
    }
}
END_TEST

START_TEST(threads_give_the_same_results)
{
    /* Shapes that take each parallel path: everything into one value
     * (pieces along the reduced axis), along the contiguous axis (the
     * engine splits rows), along the outer axis, and a broadcast input. */
    nd_array *ints = shaped(hold(nd_arange(ND_INT32, -500000, 548576, 1)), 2, SHAPE(1024, 1024));
    nd_array *floats =
        hold(nd_astype(hold(nd_linspace(ND_FLOAT64, -1, 3, 1 << 20, true)), ND_FLOAT32));
    nd_array *fm = shaped(floats, 2, SHAPE(512, 2048));
    nd_array *wide = hold(nd_broadcast_to(VEC(ND_INT8, 1, -2), 2, SHAPE(300000, 2)));
    nd_array *r[2][12];
    for (int t = 0; t < 2; t++) {
        ck_assert_int_eq(nd_set_num_threads(t + 1), 0);
        ck_assert_int_eq(nd_get_num_threads(), t + 1);
        nd_array **q = r[t];
        q[0] = hold(nd_sum(ints, ALL, false));
        q[1] = hold(nd_sum(ints, AXES(1), false));
        q[2] = hold(nd_sum(ints, AXES(0), false));
        q[3] = hold(nd_prod(ints, AXES(1), false));
        q[4] = hold(nd_max(ints, ALL, false));
        q[5] = hold(nd_argmin(ints, 1));
        q[6] = hold(nd_sum(wide, AXES(0), false));
        q[7] = hold(nd_count_nonzero(ints, ALL, false));
        q[8] = hold(nd_any(ints, AXES(0), false));
        q[9] = hold(nd_sum(floats, ALL, false));
        q[10] = hold(nd_mean(fm, AXES(1), false));
        q[11] = hold(nd_var(fm, AXES(0), 0, false));
    }
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    for (int i = 0; i < 9; i++) { /* integers and bools: bit-identical */
        ck_assert_int_eq(nd_nbytes(r[0][i]), nd_nbytes(r[1][i]));
        ck_assert_msg(memcmp(nd_data(r[0][i]), nd_data(r[1][i]), (size_t)nd_nbytes(r[0][i])) == 0,
                      "result %d differs between 1 and 2 threads", i);
    }
    int64_t n = 1 << 20;
    ck_assert_int_eq(int64_at(r[1][0], NULL), (n - 1) * n / 2 - 500000 * n);
    ck_assert_int_eq(int64_at(r[1][4], NULL), 548575);
    ck_assert_values(r[1][6], 300000, -600000);
    ck_assert_int_eq(int64_at(r[1][7], NULL), n - 1);
    for (int i = 9; i < 12; i++) { /* floats: the same up to association */
        for (int64_t k = 0; k < nd_size(r[0][i]); k++) {
            int64_t index = k;
            double a, b;
            ck_assert_int_eq(nd_get(r[0][i], nd_ndim(r[0][i]) ? &index : NULL, &a), 0);
            ck_assert_int_eq(nd_get(r[1][i], nd_ndim(r[1][i]) ? &index : NULL, &b), 0);
            ck_assert_msg(fabs(a - b) <= 1e-5 * fabs(a) + 1e-6, "result %d[%lld]: %g vs %g", i,
                          (long long)k, a, b);
        }
    }
    assert_close(only(r[1][9]), (double)n, 1e-5); /* mean of linspace(-1, 3) is 1 */
}
END_TEST

/* A float sum over the leading axes of a C-contiguous array takes four
 * rows at a time; it must add in NumPy's order, one row after the other
 * into each column ((((0 + x0) + x1) + x2) + ...), bit for bit, for row
 * counts that do and do not divide by four, one or several leading axes,
 * float32 and float64, and any number of threads. */
START_TEST(sums_over_leading_axes_add_row_after_row)
{
    /* The last shape is wide enough for 2 threads to split its columns. */
    const int64_t shapes[][3] = {{4099, 37, 0}, {7, 3, 1000}, {5, 17, 0}, {2, 2, 4096}, {66, 8192, 0}};
    const int nlead[] = {1, 2, 1, 2, 1};
    for (int dt = 0; dt < 2; dt++)
        for (int c = 0; c < 5; c++) {
            int ndim = shapes[c][2] ? 3 : 2;
            nd_dtype dtype = dt ? ND_FLOAT64 : ND_FLOAT32;
            nd_rng *rng = nd_rng_new(11 + c);
            nd_array *x = hold(nd_rng_standard_normal(rng, dtype, ndim, shapes[c]));
            nd_rng_free(rng);
            int64_t rows = 1, K = 1;
            for (int d = 0; d < ndim; d++)
                *(d < nlead[c] ? &rows : &K) *= shapes[c][d];
            double *expected = calloc((size_t)K, sizeof(double));
            for (int64_t r = 0; r < rows; r++)
                for (int64_t k = 0; k < K; k++) {
                    if (dt)
                        expected[k] = expected[k] + ((const double *)nd_data(x))[r * K + k];
                    else /* float32 arithmetic, rounded at each step */
                        expected[k] =
                            (float)((float)expected[k] + ((const float *)nd_data(x))[r * K + k]);
                }
            for (int threads = 1; threads <= 2; threads++) {
                ck_assert_int_eq(nd_set_num_threads(threads), 0);
                nd_array *sum = hold(nd_sum(x, nlead[c], (const int[]){0, 1}, false));
                ck_assert_int_eq(nd_size(sum), K);
                ck_assert_int_eq(nd_dtype_of(sum), dtype);
                for (int64_t k = 0; k < K; k++) {
                    double got =
                        dt ? ((const double *)nd_data(sum))[k] : ((const float *)nd_data(sum))[k];
                    ck_assert_msg(got == expected[k],
                                  "shape %d dtype %d threads %d column %lld: %.17g vs %.17g", c, dt,
                                  threads, (long long)k, got, expected[k]);
                }
            }
            free(expected);
        }
    /* NaN and infinities pass through as NumPy's: nan + x = nan,
     * inf + -inf = nan, inf + x = inf. */
    nd_array *special = hold(nd_ones(ND_FLOAT32, 2, SHAPE(6, 16)));
    ck_assert_int_eq(nd_set(special, SHAPE(3, 0), NAN), 0);
    ck_assert_int_eq(nd_set(special, SHAPE(1, 1), INFINITY), 0);
    ck_assert_int_eq(nd_set(special, SHAPE(5, 1), -INFINITY), 0);
    ck_assert_int_eq(nd_set(special, SHAPE(4, 2), -INFINITY), 0);
    nd_array *sum = hold(nd_sum(special, 1, (const int[]){0}, false));
    const float *v = nd_data(sum);
    ck_assert(isnan(v[0]) && isnan(v[1]) && v[2] == -INFINITY && v[3] == 6 && v[15] == 6);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
}
END_TEST

START_TEST(num_threads_contract)
{
    const char *saved = getenv("ND_NUM_THREADS");
    char *saved_copy = saved ? strdup(saved) : NULL;
    ck_assert_int_eq(nd_set_num_threads(3), 0);
    ck_assert_int_eq(nd_get_num_threads(), 3);
    ck_assert_fails(nd_set_num_threads(-1), ND_ERR_VALUE, "number of threads must be >= 0, got -1");
    ck_assert_int_eq(nd_get_num_threads(), 3); /* unchanged */
    ck_assert_int_eq(nd_set_num_threads(1), 0);
    ck_assert_int_eq(nd_get_num_threads(), 1);
    /* 0: $ND_NUM_THREADS if set to a positive number, else the CPUs. */
    ck_assert_int_eq(setenv("ND_NUM_THREADS", "5", 1), 0);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    ck_assert_int_eq(nd_get_num_threads(), 5);
    ck_assert_int_eq(unsetenv("ND_NUM_THREADS"), 0);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    ck_assert_int_eq(nd_get_num_threads(), (int)sysconf(_SC_NPROCESSORS_ONLN));
    ck_assert_int_eq(setenv("ND_NUM_THREADS", "zero", 1), 0);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    ck_assert_int_eq(nd_get_num_threads(), (int)sysconf(_SC_NPROCESSORS_ONLN));
    /* More threads than cores still computes the right thing. */
    ck_assert_int_eq(nd_set_num_threads(7), 0);
    nd_array *x = hold(nd_ones(ND_INT64, 1, SHAPE(1 << 20)));
    ck_assert_values(hold(nd_sum(x, ALL, false)), 1 << 20);
    if (saved_copy)
        setenv("ND_NUM_THREADS", saved_copy, 1);
    else
        unsetenv("ND_NUM_THREADS");
    free(saved_copy);
    ck_assert_int_eq(nd_set_num_threads(0), 0);
}
END_TEST

/* -------------------------------------------------------------------------------------------------------- */

Suite *test_suite(void)
{
    Suite *s = suite_create("reduce");
    struct {
        const char *name;
        const TTest *tests[8];
    } groups[] = {
        {"axes", {keepdims_shapes, negative_axes, duplicate_axes, axis_out_of_range, bad_arguments}},
        {"empty",
         {empty_reductions_give_identities, empty_reductions_without_identity, zero_d_inputs}},
        {"dtypes",
         {result_dtypes, integer_sums_wrap, float16_sums_accumulate_in_float32, integer_extremes}},
        {"axes_values", {any_all_over_axes, middle_and_outer_axes}},
        {"nan",
         {nan_in_max_min, nan_in_sums_and_moments, logsumexp_at_infinities,
          long_rows_find_the_first_extreme}},
        {"moments", {var_std_ddof, strided_inputs}},
        {"cumulative", {cumulative_along_each_axis, cumulative_float16_rounds_each_step}},
        {"sum_out", {sum_out_values_and_casts, sum_out_errors}},
        {"threads",
         {pairwise_sum_accuracy, threads_give_the_same_results, num_threads_contract,
          sums_over_leading_axes_add_row_after_row}},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        TCase *tc = tcase_create(groups[g].name);
        tcase_add_checked_fixture(tc, NULL, release_all);
        tcase_set_timeout(tc, 120);
        for (int i = 0; i < 8 && groups[g].tests[i]; i++)
            tcase_add_test(tc, groups[g].tests[i]);
        suite_add_tcase(s, tc);
    }
    return s;
}
