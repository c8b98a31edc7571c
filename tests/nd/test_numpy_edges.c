/* Edge cases where libnd once disagreed with NumPy 1.24; every expected
 * value and message below was printed by NumPy 1.24 (scipy 1.10 for
 * logsumexp) for the same operation:
 *  - a ufunc's out with internal overlap (a zero-stride view made
 *    writeable with as_strided) reads no element it already wrote: inputs
 *    are as if copied first, the last write of each element wins;
 *  - arange with a step that makes the quotient underflow, and its errors;
 *  - max / logsumexp over an empty axis. */
#include <math.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }
#define VALUES(...) \
    (const double[]) { __VA_ARGS__ }

static nd_array *vec(int n, const double *v)
{
    nd_array *a = nd_from_data(ND_FLOAT64, 1, SHAPE(n), v);
    ck_assert_ptr_nonnull(a);
    return a;
}

/* base = [5.]; out = as_strided(base, (3,), (0,), writeable=True)
 * np.add(out, [1, 2, 3], out=out) -> base [8.] (5+1, 5+2, 5+3, the last
 * write wins; reading back its writes gave 5+1+2+3 = 11). */
START_TEST(out_with_zero_stride_reads_inputs_first)
{
    nd_array *base = vec(1, VALUES(5));
    nd_array *out = nd_as_strided(base, 1, SHAPE(3), SHAPE(0));
    ck_assert_ptr_nonnull(out);
    nd_array *b = vec(3, VALUES(1, 2, 3));
    ck_assert_int_eq(nd_add_out(out, b, out), 0);
    ck_assert_values(base, 8);
    /* np.add(b, b, out=out) -> [6.]: no input overlaps, last write wins. */
    ck_assert_int_eq(nd_add_out(b, b, out), 0);
    ck_assert_values(base, 6);
    /* np.negative(out, out=out) after base = [5.] -> [-5.] */
    ck_assert_int_eq(nd_fill(base, 5), 0);
    ck_assert_int_eq(nd_negative_out(out, out), 0);
    ck_assert_values(base, -5);
    /* np.multiply(out, out, out=out) after base = [3.] -> [9.] */
    ck_assert_int_eq(nd_fill(base, 3), 0);
    ck_assert_int_eq(nd_multiply_out(out, out, out), 0);
    ck_assert_values(base, 9);
    nd_free(b);
    nd_free(out);
    nd_free(base);
}
END_TEST

/* base = [[5.], [7.]]; out = as_strided(base, (2, 3), (8, 0), writeable)
 * np.add(out, [[1, 2, 3], [4, 5, 6]], out=out) -> base [8., 13.] */
START_TEST(out_with_zero_stride_2d)
{
    nd_array *base = nd_from_data(ND_FLOAT64, 2, SHAPE(2, 1), VALUES(5, 7));
    nd_array *out = nd_as_strided(base, 2, SHAPE(2, 3), SHAPE(8, 0));
    nd_array *b = nd_from_data(ND_FLOAT64, 2, SHAPE(2, 3), VALUES(1, 2, 3, 4, 5, 6));
    ck_assert_int_eq(nd_add_out(out, b, out), 0);
    ck_assert_values(base, 8, 13);
    nd_free(b);
    nd_free(out);
    nd_free(base);
}
END_TEST

/* The ordinary cases keep their results: a += b in place, and the shifted
 * overlap np.add(a[:-1], 1, out=a[1:]) on arange(6) -> [0, 1, 2, 3, 4, 5]. */
START_TEST(ordinary_overlap_unchanged)
{
    nd_array *a = nd_arange(ND_FLOAT64, 0, 6, 1);
    nd_array *head = nd_slice(a, 0, ND_NONE, -1, 1), *tail = nd_slice(a, 0, 1, ND_NONE, 1);
    nd_array *one = nd_scalar(ND_FLOAT64, 1);
    ck_assert_int_eq(nd_add_out(head, one, tail), 0);
    ck_assert_values(a, 0, 1, 2, 3, 4, 5);
    ck_assert_int_eq(nd_add_out(a, a, a), 0);
    ck_assert_values(a, 0, 2, 4, 6, 8, 10);
    nd_free(one);
    nd_free(head);
    nd_free(tail);
    nd_free(a);
}
END_TEST

static void expect_arange(double start, double stop, double step, int64_t n, double first)
{
    nd_array *a = nd_arange(ND_FLOAT64, start, stop, step);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(nd_size(a), n);
    if (n > 0) {
        double v;
        ck_assert_int_eq(nd_get(a, SHAPE(0), &v), 0);
        ck_assert_double_eq(v, first);
    }
    nd_free(a);
}

static void expect_arange_error(double start, double stop, double step, const char *message)
{
    nd_clear_error();
    ck_assert_ptr_null(nd_arange(ND_FLOAT64, start, stop, step));
    ck_assert_error(message);
}

START_TEST(arange_edges)
{
    expect_arange(0, 5, INFINITY, 1, 0); /* array([0.]) */
    expect_arange(0, 5, -INFINITY, 0, 0); /* array([]) */
    expect_arange(5, 0, -INFINITY, 1, 5); /* array([5.]) */
    expect_arange(1, 1, INFINITY, 0, 0); /* array([]) */
    expect_arange(0, -5, INFINITY, 0, 0); /* array([]) */
    expect_arange(0, 1e-300, 1e300, 1, 0); /* quotient underflows: array([0.]) */
    expect_arange_error(0, 5, 0, "division by zero");
    expect_arange_error(0, INFINITY, 1, "Maximum allowed size exceeded");
    expect_arange_error(0, 1e30, 1e-30, "Maximum allowed size exceeded");
    expect_arange_error(0, NAN, 1, "arange: cannot compute length");
    expect_arange_error(NAN, 5, 1, "arange: cannot compute length");
    expect_arange_error(0, 5, NAN, "arange: cannot compute length");
}
END_TEST

/* np.max(np.zeros((2, 0)), axis=1) and scipy.special.logsumexp of the same:
 * ValueError; over the non-empty axis of (0, 3): an empty result. */
START_TEST(empty_reductions)
{
    nd_array *z = nd_zeros(ND_FLOAT64, 2, SHAPE(2, 0));
    int axis = 1;
    nd_clear_error();
    ck_assert_ptr_null(nd_max(z, 1, &axis, false));
    ck_assert_error("zero-size array to reduction operation maximum which has no identity");
    ck_assert_ptr_null(nd_min(z, 1, &axis, false));
    ck_assert_error("zero-size array to reduction operation minimum which has no identity");
    ck_assert_ptr_null(nd_logsumexp(z, 1, &axis, false));
    ck_assert_error("zero-size array to reduction operation maximum which has no identity");
    nd_array *e = nd_zeros(ND_FLOAT64, 2, SHAPE(0, 3));
    nd_array *m = nd_max(e, 1, &axis, false);
    ck_assert_shape(m, ND_FLOAT64, 1, 0);
    nd_free(m);
    nd_free(e);
    nd_free(z);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("nd_numpy_edges");
    TCase *tc = tcase_create("edges");
    tcase_add_test(tc, out_with_zero_stride_reads_inputs_first);
    tcase_add_test(tc, out_with_zero_stride_2d);
    tcase_add_test(tc, ordinary_overlap_unchanged);
    tcase_add_test(tc, arange_edges);
    tcase_add_test(tc, empty_reductions);
    suite_add_tcase(s, tc);
    return s;
}
