/* numpy.linalg: solve, inv, det, slogdet, cholesky, qr, svd, eigh, lstsq,
 * norm. Expected values and messages are NumPy 1.24's (printed by
 * np.linalg on the same inputs); the random-matrix comparisons live in
 * numpy/linalg_vs_numpy.py. Here: exact small cases, dtypes, shapes of
 * empty matrices and stacks, views as inputs, and every error. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }
#define VALUES(...) \
    (const double[]) { __VA_ARGS__ }

static nd_array *matrix(nd_dtype dt, int ndim, const int64_t *shape, const double *values)
{
    nd_array *f = nd_from_data(ND_FLOAT64, ndim, shape, values);
    ck_assert_ptr_nonnull(f);
    nd_array *a = nd_astype(f, dt);
    ck_assert_ptr_nonnull(a);
    nd_free(f);
    return a;
}

/* Asserts a's values (C order) are within tol of expected (NaN == NaN). */
#define ck_assert_close(a, tol, ...)                                                            \
    assert_close((a), (tol), VALUES(__VA_ARGS__), sizeof(VALUES(__VA_ARGS__)) / sizeof(double), \
                 __LINE__)
static void assert_close(const nd_array *a, double tol, const double *expected, int64_t n, int line)
{
    ck_assert_msg(nd_size(a) == n, "line %d: size %lld, expected %lld", line, (long long)nd_size(a),
                  (long long)n);
    nd_array *c = nd_astype(a, ND_FLOAT64);
    const double *v = nd_data(c);
    for (int64_t i = 0; i < n; i++)
        ck_assert_msg((isnan(v[i]) && isnan(expected[i])) || v[i] == expected[i] ||
                          fabs(v[i] - expected[i]) <= tol * fmax(1.0, fabs(expected[i])),
                      "line %d: element %lld is %.17g, expected %.17g", line, (long long)i, v[i],
                      expected[i]);
    nd_free(c);
}

static void assert_fails(nd_status status, const char *message)
{
    ck_assert_int_eq(nd_last_status(), status);
    ck_assert_error(message);
    nd_clear_error();
}

/* ------------------------------------------------------------------------ */
/* det, slogdet                                                             */
/* ------------------------------------------------------------------------ */

START_TEST(det_values_and_dtypes)
{
    /* NumPy's det is sign * exp(sum log|u_ii|): -2.0000000000000004. */
    nd_array *a = matrix(ND_INT64, 2, SHAPE(2, 2), VALUES(1, 2, 3, 4));
    nd_array *d = nd_linalg_det(a);
    ck_assert_shape(d, ND_FLOAT64, 0);
    ck_assert_values(d, -2.0000000000000004);
    nd_free(d);
    /* The transpose has the same determinant; a view works as input. */
    nd_array *t = nd_transpose(a, NULL);
    d = nd_linalg_det(t);
    ck_assert_close(d, 1e-15, -2);
    nd_free(d);
    nd_free(t);
    nd_free(a);

    a = matrix(ND_FLOAT32, 3, SHAPE(2, 2, 2), VALUES(2, 0, 0, 3, 0, 1, 1, 0));
    d = nd_linalg_det(a);
    ck_assert_shape(d, ND_FLOAT32, 1, 2);
    ck_assert_close(d, 1e-6, 6, -1);
    nd_free(d);
    nd_free(a);

    /* bool converts to float64; a singular matrix has det 0. */
    a = matrix(ND_BOOL, 2, SHAPE(2, 2), VALUES(1, 1, 1, 1));
    d = nd_linalg_det(a);
    ck_assert_shape(d, ND_FLOAT64, 0);
    ck_assert_values(d, 0);
    nd_free(d);
    nd_free(a);
}
END_TEST

START_TEST(det_empty)
{
    nd_array *a = nd_zeros(ND_FLOAT64, 2, SHAPE(0, 0));
    nd_array *d = nd_linalg_det(a);
    ck_assert_shape(d, ND_FLOAT64, 0);
    ck_assert_values(d, 1);
    nd_free(d);
    nd_free(a);
    a = nd_zeros(ND_FLOAT32, 3, SHAPE(2, 0, 0));
    d = nd_linalg_det(a);
    ck_assert_shape(d, ND_FLOAT32, 1, 2);
    ck_assert_values(d, 1, 1);
    nd_free(d);
    nd_free(a);
    a = nd_zeros(ND_FLOAT64, 3, SHAPE(0, 3, 3));
    d = nd_linalg_det(a);
    ck_assert_shape(d, ND_FLOAT64, 1, 0);
    nd_free(d);
    nd_free(a);
}
END_TEST

START_TEST(slogdet_signs_and_singular)
{
    nd_array *a = matrix(ND_FLOAT64, 3, SHAPE(3, 2, 2),
                         VALUES(0, 1, 1, 0, /* swap: det -1 */ 1, 2, 2, 4, /* singular */
                                -1e200, 0, 0, 1e200 /* det -1e400: log form only */));
    nd_array *sign, *logdet;
    ck_assert_int_eq(nd_linalg_slogdet(a, &sign, &logdet), 0);
    ck_assert_shape(sign, ND_FLOAT64, 1, 3);
    ck_assert_shape(logdet, ND_FLOAT64, 1, 3);
    ck_assert_values(sign, -1, 0, -1);
    ck_assert_close(logdet, 1e-15, 0, -INFINITY, 400 * log(10.0));
    nd_free(sign);
    nd_free(logdet);
    nd_array *d = nd_linalg_det(a);
    ck_assert_values(d, -1, 0, -INFINITY);
    nd_free(d);
    nd_free(a);

    a = nd_zeros(ND_FLOAT64, 2, SHAPE(0, 0));
    ck_assert_int_eq(nd_linalg_slogdet(a, &sign, &logdet), 0);
    ck_assert_values(sign, 1);
    ck_assert_values(logdet, 0);
    nd_free(sign);
    nd_free(logdet);
    nd_free(a);

    a = nd_zeros(ND_FLOAT16, 2, SHAPE(2, 2));
    ck_assert_int_eq(nd_linalg_slogdet(a, &sign, &logdet), ND_ERR_TYPE);
    ck_assert_ptr_null(sign);
    ck_assert_ptr_null(logdet);
    assert_fails(ND_ERR_TYPE, "array type float16 is unsupported in linalg");
    nd_free(a);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* inv, solve                                                               */
/* ------------------------------------------------------------------------ */

START_TEST(inv_values)
{
    nd_array *a = matrix(ND_FLOAT32, 2, SHAPE(2, 2), VALUES(1, 2, 3, 4));
    nd_array *x = nd_linalg_inv(a);
    ck_assert_shape(x, ND_FLOAT32, 2, 2, 2);
    ck_assert_close(x, 1e-6, -2, 1, 1.5, -0.5);
    nd_free(x);
    /* A reversed view: rows swapped, so inv has its columns swapped. */
    nd_array *r = nd_slice(a, 0, ND_NONE, ND_NONE, -1);
    x = nd_linalg_inv(r);
    ck_assert_close(x, 1e-6, 1, -2, -0.5, 1.5);
    nd_free(x);
    nd_free(r);
    nd_free(a);

    /* A broadcast (stride-0, read-only) stack of int matrices. */
    a = matrix(ND_INT32, 2, SHAPE(2, 2), VALUES(2, 0, 0, 4));
    nd_array *b = nd_broadcast_to(a, 3, SHAPE(3, 2, 2));
    x = nd_linalg_inv(b);
    ck_assert_shape(x, ND_FLOAT64, 3, 3, 2, 2);
    ck_assert_values(x, 0.5, 0, 0, 0.25, 0.5, 0, 0, 0.25, 0.5, 0, 0, 0.25);
    nd_free(x);
    nd_free(b);
    nd_free(a);

    /* float32 is computed in float64 and rounded, as NumPy does: the
     * inverse of the 4 x 4 Hilbert matrix (condition number 1.6e4) is
     * NumPy's to the last float32 bit (a float32 LU would be off by 1e-3). */
    // clang-format off
    a = matrix(ND_FLOAT32, 2, SHAPE(4, 4),
               VALUES(1, 1 / 2., 1 / 3., 1 / 4., 1 / 2., 1 / 3., 1 / 4., 1 / 5.,
                      1 / 3., 1 / 4., 1 / 5., 1 / 6., 1 / 4., 1 / 5., 1 / 6., 1 / 7.));
    // clang-format on
    x = nd_linalg_inv(a);
    ck_assert_shape(x, ND_FLOAT32, 2, 4, 4);
    ck_assert_close(x, FLT_EPSILON, 15.999717712402344, -119.99720001220703, 239.99366760253906,
                    -139.9960479736328, -119.99720001220703, 1199.9725341796875, -2699.938232421875,
                    1679.9615478515625, 239.99366760253906, -2699.938232421875, 6479.86181640625,
                    -4199.9140625, -139.9960479736328, 1679.9615478515625, -4199.9140625,
                    2799.946533203125);
    nd_free(x);
    nd_free(a);

    for (int i = 0; i < 3; i++) {
        const int64_t *shape = i == 0 ? SHAPE(0, 0) : i == 1 ? SHAPE(3, 0, 0) : SHAPE(0, 2, 2);
        a = nd_zeros(ND_FLOAT64, i == 0 ? 2 : 3, shape);
        x = nd_linalg_inv(a);
        ck_assert_ptr_nonnull(x);
        ck_assert_int_eq(nd_ndim(x), nd_ndim(a));
        ck_assert_int_eq(nd_size(x), 0);
        nd_free(x);
        nd_free(a);
    }
}
END_TEST

START_TEST(inv_errors)
{
    nd_array *a = matrix(ND_FLOAT64, 3, SHAPE(2, 2, 2), VALUES(1, 0, 0, 1, 1, 2, 2, 4));
    ck_assert_ptr_null(nd_linalg_inv(a));
    assert_fails(ND_ERR_VALUE, "Singular matrix");
    nd_free(a);
    a = nd_ones(ND_FLOAT64, 1, SHAPE(3));
    ck_assert_ptr_null(nd_linalg_inv(a));
    assert_fails(ND_ERR_VALUE, "1-dimensional array given. Array must be at least two-dimensional");
    nd_free(a);
    a = nd_ones(ND_FLOAT64, 0, NULL);
    ck_assert_ptr_null(nd_linalg_inv(a));
    assert_fails(ND_ERR_VALUE, "0-dimensional array given. Array must be at least two-dimensional");
    nd_free(a);
    a = nd_ones(ND_FLOAT64, 2, SHAPE(2, 3));
    ck_assert_ptr_null(nd_linalg_inv(a));
    assert_fails(ND_ERR_VALUE, "Last 2 dimensions of the array must be square");
    ck_assert_ptr_null(nd_linalg_cholesky(a));
    assert_fails(ND_ERR_VALUE, "Last 2 dimensions of the array must be square");
    ck_assert_ptr_null(nd_linalg_det(a));
    assert_fails(ND_ERR_VALUE, "Last 2 dimensions of the array must be square");
    nd_free(a);
    a = nd_eye(ND_BFLOAT16, 2, ND_NONE, 0);
    ck_assert_ptr_null(nd_linalg_inv(a));
    assert_fails(ND_ERR_TYPE, "array type bfloat16 is unsupported in linalg");
    nd_free(a);
}
END_TEST

START_TEST(solve_vector_and_matrix_b)
{
    nd_array *a = matrix(ND_FLOAT64, 2, SHAPE(2, 2), VALUES(3, 1, 1, 2));
    nd_array *b = matrix(ND_INT8, 1, SHAPE(2), VALUES(9, 8));
    nd_array *x = nd_linalg_solve(a, b);
    ck_assert_shape(x, ND_FLOAT64, 1, 2);
    ck_assert_close(x, 1e-15, 2, 3);
    nd_free(x);
    nd_free(b);
    /* b (2, 3): three right-hand sides; a transposed view of (3, 2). */
    nd_array *bt = matrix(ND_FLOAT32, 2, SHAPE(3, 2), VALUES(9, 8, 3, 1, 0, 5));
    b = nd_transpose(bt, NULL);
    x = nd_linalg_solve(a, b);
    ck_assert_shape(x, ND_FLOAT64, 2, 2, 3);
    ck_assert_close(x, 1e-15, 2, 1, -1, 3, 0, 3);
    nd_free(x);
    nd_free(b);
    nd_free(bt);
    nd_free(a);

    /* float32 with float32 stays float32. */
    a = matrix(ND_FLOAT32, 2, SHAPE(2, 2), VALUES(3, 1, 1, 2));
    b = matrix(ND_FLOAT32, 1, SHAPE(2), VALUES(9, 8));
    x = nd_linalg_solve(a, b);
    ck_assert_shape(x, ND_FLOAT32, 1, 2);
    ck_assert_close(x, 1e-6, 2, 3);
    nd_free(x);
    nd_free(b);
    nd_free(a);
}
END_TEST

START_TEST(solve_broadcasts_stacks)
{
    nd_array *a = nd_eye(ND_FLOAT64, 3, ND_NONE, 0);
    nd_array *b = nd_arange(ND_FLOAT64, 0, 180, 1);
    nd_array *b4 = nd_reshape(b, 4, SHAPE(6, 5, 3, 2));
    nd_array *x = nd_linalg_solve(a, b4);
    ck_assert_shape(x, ND_FLOAT64, 4, 6, 5, 3, 2);
    double v = -1;
    ck_assert_int_eq(nd_get(x, SHAPE(5, 4, 2, 1), &v), 0);
    ck_assert(v == 179);
    nd_free(x);
    nd_free(b4);
    nd_free(b);
    /* a (2, 1, 2, 2) against b (1, 3, 2, 1): stacks broadcast to (2, 3). */
    nd_array *a2 = matrix(ND_FLOAT64, 4, SHAPE(2, 1, 2, 2), VALUES(1, 0, 0, 1, 2, 0, 0, 4));
    b = matrix(ND_FLOAT64, 4, SHAPE(1, 3, 2, 1), VALUES(4, 8, 2, 4, 0, 0));
    x = nd_linalg_solve(a2, b);
    ck_assert_shape(x, ND_FLOAT64, 4, 2, 3, 2, 1);
    ck_assert_values(x, 4, 8, 2, 4, 0, 0, 2, 2, 1, 1, 0, 0);
    nd_free(x);
    nd_free(b);
    nd_free(a2);
    /* No right-hand sides: empty, even for a singular a (as NumPy). */
    nd_array *z = nd_zeros(ND_FLOAT64, 2, SHAPE(2, 2));
    b = nd_zeros(ND_FLOAT64, 2, SHAPE(2, 0));
    x = nd_linalg_solve(z, b);
    ck_assert_shape(x, ND_FLOAT64, 2, 2, 0);
    nd_free(x);
    nd_free(b);
    nd_free(z);
    /* 0 x 0 systems. */
    z = nd_zeros(ND_FLOAT64, 2, SHAPE(0, 0));
    b = nd_zeros(ND_FLOAT64, 1, SHAPE(0));
    x = nd_linalg_solve(z, b);
    ck_assert_shape(x, ND_FLOAT64, 1, 0);
    nd_free(x);
    nd_free(b);
    nd_free(z);
    nd_free(a);
}
END_TEST

START_TEST(solve_errors)
{
    nd_array *a = nd_eye(ND_FLOAT64, 3, ND_NONE, 0);
    nd_array *b = nd_ones(ND_FLOAT64, 1, SHAPE(2));
    ck_assert_ptr_null(nd_linalg_solve(a, b));
    assert_fails(ND_ERR_VALUE, "solve1: Input operand 1 has a mismatch in its core dimension 0, "
                               "with gufunc signature (m,m),(m)->(m) (size 2 is different from 3)");
    nd_free(b);
    b = nd_ones(ND_FLOAT64, 2, SHAPE(2, 3));
    ck_assert_ptr_null(nd_linalg_solve(a, b));
    assert_fails(ND_ERR_VALUE,
                 "solve: Input operand 1 has a mismatch in its core dimension 0, "
                 "with gufunc signature (m,m),(m,n)->(m,n) (size 2 is different from 3)");
    nd_free(b);
    b = nd_ones(ND_FLOAT64, 0, NULL);
    ck_assert_ptr_null(nd_linalg_solve(a, b));
    assert_fails(ND_ERR_VALUE, "solve: Input operand 1 does not have enough dimensions (has 0, "
                               "gufunc core with signature (m,m),(m,n)->(m,n) requires 2)");
    nd_free(b);
    b = nd_ones(ND_FLOAT16, 1, SHAPE(3));
    ck_assert_ptr_null(nd_linalg_solve(a, b));
    assert_fails(ND_ERR_TYPE, "array type float16 is unsupported in linalg");
    nd_free(b);
    nd_free(a);

    /* NumPy 1.24: a (2, 3, 3) with b (3,) is a matrix b, which needs 2 dims. */
    a = nd_ones(ND_FLOAT64, 3, SHAPE(2, 3, 3));
    b = nd_ones(ND_FLOAT64, 1, SHAPE(3));
    ck_assert_ptr_null(nd_linalg_solve(a, b));
    assert_fails(ND_ERR_VALUE, "solve: Input operand 1 does not have enough dimensions (has 1, "
                               "gufunc core with signature (m,m),(m,n)->(m,n) requires 2)");
    nd_free(b);
    b = nd_ones(ND_FLOAT64, 3, SHAPE(4, 3, 1));
    ck_assert_ptr_null(nd_linalg_solve(a, b));
    assert_fails(ND_ERR_VALUE,
                 "operands could not be broadcast together with remapped shapes "
                 "[original->remapped]: (2,3,3)->(2,newaxis,newaxis) (4,3,1)->(4,newaxis,newaxis)"
                 "  and requested shape (3,1)");
    nd_free(b);
    b = nd_ones(ND_FLOAT64, 2, SHAPE(4, 3));
    ck_assert_ptr_null(nd_linalg_solve(a, b));
    assert_fails(ND_ERR_VALUE, "operands could not be broadcast together with remapped shapes "
                               "[original->remapped]: (2,3,3)->(2,newaxis) (4,3)->(4,newaxis)"
                               "  and requested shape (3)");
    nd_free(b);
    b = nd_ones(ND_FLOAT64, 2, SHAPE(2, 3));
    ck_assert_ptr_null(nd_linalg_solve(a, b)); /* all ones: singular */
    assert_fails(ND_ERR_VALUE, "Singular matrix");
    nd_free(b);
    nd_free(a);

    a = nd_ones(ND_FLOAT64, 2, SHAPE(4, 3));
    b = nd_ones(ND_FLOAT64, 1, SHAPE(3));
    ck_assert_ptr_null(nd_linalg_solve(a, b));
    assert_fails(ND_ERR_VALUE, "Last 2 dimensions of the array must be square");
    nd_free(b);
    nd_free(a);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* cholesky, qr                                                             */
/* ------------------------------------------------------------------------ */

START_TEST(cholesky_lower_triangle)
{
    /* Only the lower triangle is read: 100 is ignored, as in NumPy. */
    nd_array *a = matrix(ND_FLOAT64, 2, SHAPE(2, 2), VALUES(4, 100, 2, 5));
    nd_array *l = nd_linalg_cholesky(a);
    ck_assert_shape(l, ND_FLOAT64, 2, 2, 2);
    ck_assert_values(l, 2, 0, 1, 2);
    nd_free(l);
    nd_free(a);
    a = matrix(ND_FLOAT32, 3, SHAPE(2, 2, 2), VALUES(9, 0, 0, 16, 1, 0, 0, 1));
    l = nd_linalg_cholesky(a);
    ck_assert_shape(l, ND_FLOAT32, 3, 2, 2, 2);
    ck_assert_values(l, 3, 0, 0, 4, 1, 0, 0, 1);
    nd_free(l);
    nd_free(a);
    a = nd_zeros(ND_INT32, 2, SHAPE(0, 0));
    l = nd_linalg_cholesky(a);
    ck_assert_shape(l, ND_FLOAT64, 2, 0, 0);
    nd_free(l);
    nd_free(a);
    a = matrix(ND_FLOAT64, 2, SHAPE(2, 2), VALUES(-1, 0, 0, -1));
    ck_assert_ptr_null(nd_linalg_cholesky(a));
    assert_fails(ND_ERR_VALUE, "Matrix is not positive definite");
    nd_free(a);
}
END_TEST

/* Max |q @ r - a| for row-major q (m x k), r (k x n), a (m x n). */
static double reconstruction_error(const nd_array *q, const nd_array *r, const double *a, int64_t m,
                                   int64_t k, int64_t n)
{
    nd_array *qd = nd_astype(q, ND_FLOAT64), *rd = nd_astype(r, ND_FLOAT64);
    const double *qv = nd_data(qd), *rv = nd_data(rd);
    double worst = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t l = 0; l < k; l++)
                s += qv[i * k + l] * rv[l * n + j];
            worst = fmax(worst, fabs(s - a[i * n + j]));
        }
    nd_free(qd);
    nd_free(rd);
    return worst;
}

START_TEST(qr_reduced)
{
    static const double av[] = {3, 1, 4, 2, 0, 5}; /* 3 x 2 */
    nd_array *a = matrix(ND_INT16, 2, SHAPE(3, 2), av);
    nd_array *q, *r;
    ck_assert_int_eq(nd_linalg_qr(a, &q, &r), 0);
    ck_assert_shape(q, ND_FLOAT64, 2, 3, 2);
    ck_assert_shape(r, ND_FLOAT64, 2, 2, 2);
    ck_assert(reconstruction_error(q, r, av, 3, 2, 2) < 1e-14);
    double v;
    ck_assert_int_eq(nd_get(r, SHAPE(1, 0), &v), 0);
    ck_assert(v == 0); /* upper triangular */
    ck_assert_int_eq(nd_get(r, SHAPE(0, 0), &v), 0);
    ck_assert(fabs(fabs(v) - 5) < 1e-14); /* |r00| = norm of column 0 */
    nd_free(q);
    nd_free(r);
    nd_free(a);

    /* Wide float32: q (2, 2), r (2, 3). */
    static const double wv[] = {1, 2, 3, 4, 5, 6};
    a = matrix(ND_FLOAT32, 2, SHAPE(2, 3), wv);
    ck_assert_int_eq(nd_linalg_qr(a, &q, &r), 0);
    ck_assert_shape(q, ND_FLOAT32, 2, 2, 2);
    ck_assert_shape(r, ND_FLOAT32, 2, 2, 3);
    ck_assert(reconstruction_error(q, r, wv, 2, 2, 3) < 1e-5);
    nd_free(q);
    nd_free(r);
    nd_free(a);

    /* Empty: q (..., M, 0) or (..., 0, 0), r (..., 0, N). */
    a = nd_zeros(ND_FLOAT64, 3, SHAPE(2, 0, 3));
    ck_assert_int_eq(nd_linalg_qr(a, &q, &r), 0);
    ck_assert_shape(q, ND_FLOAT64, 3, 2, 0, 0);
    ck_assert_shape(r, ND_FLOAT64, 3, 2, 0, 3);
    nd_free(q);
    nd_free(r);
    nd_free(a);
    a = nd_zeros(ND_FLOAT64, 2, SHAPE(3, 0));
    ck_assert_int_eq(nd_linalg_qr(a, &q, &r), 0);
    ck_assert_shape(q, ND_FLOAT64, 2, 3, 0);
    ck_assert_shape(r, ND_FLOAT64, 2, 0, 0);
    nd_free(q);
    nd_free(r);
    nd_free(a);

    a = nd_zeros(ND_FLOAT64, 1, SHAPE(3));
    ck_assert_int_eq(nd_linalg_qr(a, &q, &r), ND_ERR_VALUE);
    ck_assert_ptr_null(q);
    ck_assert_ptr_null(r);
    assert_fails(ND_ERR_VALUE, "1-dimensional array given. Array must be at least two-dimensional");
    nd_free(a);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* svd, eigh                                                                */
/* ------------------------------------------------------------------------ */

START_TEST(svd_values_and_shapes)
{
    nd_array *a = matrix(ND_FLOAT64, 2, SHAPE(2, 3), VALUES(3, 0, 0, 0, -4, 0));
    nd_array *u, *s, *vh;
    ck_assert_int_eq(nd_linalg_svd(a, true, &u, &s, &vh), 0);
    ck_assert_shape(u, ND_FLOAT64, 2, 2, 2);
    ck_assert_shape(s, ND_FLOAT64, 1, 2);
    ck_assert_shape(vh, ND_FLOAT64, 2, 3, 3);
    ck_assert_close(s, 1e-15, 4, 3);
    nd_free(u);
    nd_free(s);
    nd_free(vh);
    ck_assert_int_eq(nd_linalg_svd(a, false, &u, &s, &vh), 0);
    ck_assert_shape(u, ND_FLOAT64, 2, 2, 2);
    ck_assert_shape(vh, ND_FLOAT64, 2, 2, 3);
    /* u @ diag(s) @ vh == a */
    nd_array *ud = nd_astype(u, ND_FLOAT64), *vd = nd_astype(vh, ND_FLOAT64);
    const double *uv = nd_data(ud), *sv = nd_data(s), *vv = nd_data(vd);
    const double want[] = {3, 0, 0, 0, -4, 0};
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            ck_assert(fabs(uv[i * 2] * sv[0] * vv[j] + uv[i * 2 + 1] * sv[1] * vv[3 + j] -
                           want[i * 3 + j]) < 1e-14);
    nd_free(ud);
    nd_free(vd);
    nd_free(u);
    nd_free(s);
    nd_free(vh);
    /* s only. */
    ck_assert_int_eq(nd_linalg_svd(a, true, NULL, &s, NULL), 0);
    ck_assert_close(s, 1e-15, 4, 3);
    nd_free(s);
    nd_free(a);

    a = matrix(ND_FLOAT32, 3, SHAPE(2, 1, 2), VALUES(3, 4, 0, -2));
    ck_assert_int_eq(nd_linalg_svd(a, true, NULL, &s, NULL), 0);
    ck_assert_shape(s, ND_FLOAT32, 2, 2, 1);
    ck_assert_close(s, 1e-6, 5, 2);
    nd_free(s);
    nd_free(a);
}
END_TEST

START_TEST(svd_empty_gives_identities)
{
    nd_array *a = nd_zeros(ND_FLOAT64, 3, SHAPE(2, 3, 0)), *u, *s, *vh;
    ck_assert_int_eq(nd_linalg_svd(a, true, &u, &s, &vh), 0);
    ck_assert_shape(u, ND_FLOAT64, 3, 2, 3, 3);
    ck_assert_shape(s, ND_FLOAT64, 2, 2, 0);
    ck_assert_shape(vh, ND_FLOAT64, 3, 2, 0, 0);
    ck_assert_values(u, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1);
    nd_free(u);
    nd_free(s);
    nd_free(vh);
    ck_assert_int_eq(nd_linalg_svd(a, false, &u, &s, &vh), 0);
    ck_assert_shape(u, ND_FLOAT64, 3, 2, 3, 0);
    ck_assert_shape(vh, ND_FLOAT64, 3, 2, 0, 0);
    nd_free(u);
    nd_free(s);
    nd_free(vh);
    nd_free(a);
    a = nd_zeros(ND_FLOAT32, 2, SHAPE(0, 2));
    ck_assert_int_eq(nd_linalg_svd(a, true, &u, &s, &vh), 0);
    ck_assert_shape(u, ND_FLOAT32, 2, 0, 0);
    ck_assert_shape(vh, ND_FLOAT32, 2, 2, 2);
    ck_assert_values(vh, 1, 0, 0, 1);
    nd_free(u);
    nd_free(s);
    nd_free(vh);
    nd_free(a);
}
END_TEST

START_TEST(eigh_values_and_vectors)
{
    /* The 99 above the diagonal is ignored (UPLO='L'). */
    nd_array *a = matrix(ND_INT32, 2, SHAPE(2, 2), VALUES(2, 99, 1, 2));
    nd_array *w, *v;
    ck_assert_int_eq(nd_linalg_eigh(a, &w, &v), 0);
    ck_assert_shape(w, ND_FLOAT64, 1, 2);
    ck_assert_shape(v, ND_FLOAT64, 2, 2, 2);
    ck_assert_close(w, 1e-15, 1, 3);
    /* Columns are the eigenvectors: (1, -1) and (1, 1) over sqrt(2), up to sign. */
    double v00, v10, v01, v11;
    nd_get(v, SHAPE(0, 0), &v00);
    nd_get(v, SHAPE(1, 0), &v10);
    nd_get(v, SHAPE(0, 1), &v01);
    nd_get(v, SHAPE(1, 1), &v11);
    ck_assert(fabs(fabs(v00) - M_SQRT1_2) < 1e-15 && fabs(v00 + v10) < 1e-15);
    ck_assert(fabs(fabs(v01) - M_SQRT1_2) < 1e-15 && fabs(v01 - v11) < 1e-15);
    nd_free(w);
    nd_free(v);
    ck_assert_int_eq(nd_linalg_eigh(a, &w, NULL), 0); /* eigvalsh */
    ck_assert_close(w, 1e-15, 1, 3);
    nd_free(w);
    nd_free(a);

    a = matrix(ND_FLOAT32, 3, SHAPE(2, 2, 2), VALUES(5, 0, 0, -1, 0, 0, 0, 0));
    ck_assert_int_eq(nd_linalg_eigh(a, &w, &v), 0);
    ck_assert_shape(w, ND_FLOAT32, 2, 2, 2);
    ck_assert_shape(v, ND_FLOAT32, 3, 2, 2, 2);
    ck_assert_values(w, -1, 5, 0, 0);
    nd_free(w);
    nd_free(v);
    nd_free(a);

    a = nd_zeros(ND_FLOAT64, 3, SHAPE(3, 0, 0));
    ck_assert_int_eq(nd_linalg_eigh(a, &w, &v), 0);
    ck_assert_shape(w, ND_FLOAT64, 2, 3, 0);
    ck_assert_shape(v, ND_FLOAT64, 3, 3, 0, 0);
    nd_free(w);
    nd_free(v);
    nd_free(a);

    a = nd_zeros(ND_FLOAT64, 2, SHAPE(2, 3));
    ck_assert_int_eq(nd_linalg_eigh(a, &w, &v), ND_ERR_VALUE);
    ck_assert_ptr_null(w);
    ck_assert_ptr_null(v);
    assert_fails(ND_ERR_VALUE, "Last 2 dimensions of the array must be square");
    nd_free(a);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* lstsq                                                                    */
/* ------------------------------------------------------------------------ */

START_TEST(lstsq_overdetermined)
{
    nd_array *a = matrix(ND_FLOAT64, 2, SHAPE(3, 2), VALUES(1, 0, 0, 1, 1, 1));
    nd_array *b = matrix(ND_INT64, 1, SHAPE(3), VALUES(1, 2, 4));
    nd_array *x, *res, *s;
    int64_t rank = -1;
    ck_assert_int_eq(nd_linalg_lstsq(a, b, -1, &x, &res, &rank, &s), 0);
    ck_assert_shape(x, ND_FLOAT64, 1, 2);
    ck_assert_shape(res, ND_FLOAT64, 1, 1);
    ck_assert_shape(s, ND_FLOAT64, 1, 2);
    ck_assert_close(x, 1e-15, 4.0 / 3, 7.0 / 3);
    ck_assert_close(res, 1e-14, 1.0 / 3);
    ck_assert_close(s, 1e-15, sqrt(3.0), 1);
    ck_assert_int_eq(rank, 2);
    nd_free(x);
    nd_free(res);
    nd_free(s);
    nd_free(b);
    /* A 2-D b keeps its columns; outputs may be skipped. */
    nd_array *bt = matrix(ND_FLOAT32, 2, SHAPE(2, 3), VALUES(1, 2, 4, 0, 0, 3));
    b = nd_transpose(bt, NULL);
    ck_assert_int_eq(nd_linalg_lstsq(a, b, -1, &x, NULL, NULL, NULL), 0);
    ck_assert_shape(x, ND_FLOAT64, 2, 2, 2);
    ck_assert_close(x, 1e-15, 4.0 / 3, 1, 7.0 / 3, 1);
    nd_free(x);
    nd_free(b);
    nd_free(bt);
    nd_free(a);
}
END_TEST

START_TEST(lstsq_rank_deficient_and_empty)
{
    /* Rank 1 (column 1 = 2 * column 0): no residuals, minimum-norm x. */
    nd_array *a = matrix(ND_FLOAT64, 2, SHAPE(3, 2), VALUES(1, 2, 2, 4, 1, 2));
    nd_array *b = matrix(ND_FLOAT64, 1, SHAPE(3), VALUES(1, 2, 4));
    nd_array *x, *res, *s;
    int64_t rank = -1;
    ck_assert_int_eq(nd_linalg_lstsq(a, b, -1, &x, &res, &rank, &s), 0);
    ck_assert_int_eq(rank, 1);
    ck_assert_shape(res, ND_FLOAT64, 1, 0);
    ck_assert_close(x, 1e-14, 0.3, 0.6);
    nd_free(x);
    nd_free(res);
    nd_free(s);
    nd_free(b);
    /* float32 gives float32 results, computed in float64. */
    nd_array *a32 = nd_astype(a, ND_FLOAT32);
    b = matrix(ND_FLOAT32, 1, SHAPE(3), VALUES(1, 2, 4));
    ck_assert_int_eq(nd_linalg_lstsq(a32, b, -1, &x, &res, &rank, &s), 0);
    ck_assert_int_eq(rank, 1);
    ck_assert_shape(x, ND_FLOAT32, 1, 2);
    ck_assert_shape(res, ND_FLOAT32, 1, 0);
    ck_assert_shape(s, ND_FLOAT32, 1, 2);
    ck_assert_close(x, 1e-6, 0.3, 0.6);
    nd_free(x);
    nd_free(res);
    nd_free(s);
    nd_free(b);
    nd_free(a32);
    /* The default rcond is float64's eps * max(M, N) for float32 too, as in
     * NumPy: a singular value 1e-9 of s_max counts (float32's eps * 3 would
     * drop it), so rank 2 and x = (1, 2 / 1e-9). */
    a32 = matrix(ND_FLOAT32, 2, SHAPE(3, 2), VALUES(1, 0, 0, 1e-9, 0, 0));
    b = matrix(ND_FLOAT32, 1, SHAPE(3), VALUES(1, 2, 4));
    ck_assert_int_eq(nd_linalg_lstsq(a32, b, -1, &x, &res, &rank, &s), 0);
    ck_assert_int_eq(rank, 2);
    ck_assert_shape(x, ND_FLOAT32, 1, 2);
    ck_assert_values(x, 1, 2e9);
    ck_assert_values(res, 16);
    ck_assert_values(s, 1, (float)1e-9);
    nd_free(x);
    nd_free(res);
    nd_free(s);
    nd_free(b);
    nd_free(a32);
    /* No right-hand sides: x (2, 0), rank and s still computed. */
    b = nd_zeros(ND_FLOAT64, 2, SHAPE(3, 0));
    ck_assert_int_eq(nd_linalg_lstsq(a, b, -1, &x, &res, &rank, &s), 0);
    ck_assert_shape(x, ND_FLOAT64, 2, 2, 0);
    ck_assert_shape(res, ND_FLOAT64, 1, 0);
    ck_assert_int_eq(rank, 1);
    ck_assert_close(s, 1e-14, sqrt(30.0), 0);
    nd_free(x);
    nd_free(res);
    nd_free(s);
    nd_free(b);
    nd_free(a);

    /* (3, 0): x empty, residuals |b|^2 (rank 0 == N < M). */
    a = nd_zeros(ND_FLOAT64, 2, SHAPE(3, 0));
    b = nd_ones(ND_FLOAT64, 1, SHAPE(3));
    ck_assert_int_eq(nd_linalg_lstsq(a, b, -1, &x, &res, &rank, &s), 0);
    ck_assert_shape(x, ND_FLOAT64, 1, 0);
    ck_assert_shape(res, ND_FLOAT64, 1, 1);
    ck_assert_values(res, 3);
    ck_assert_int_eq(rank, 0);
    ck_assert_shape(s, ND_FLOAT64, 1, 0);
    nd_free(x);
    nd_free(res);
    nd_free(s);
    nd_free(b);
    nd_free(a);
    /* (0, 3): x zeros. */
    a = nd_zeros(ND_FLOAT64, 2, SHAPE(0, 3));
    b = nd_zeros(ND_FLOAT64, 1, SHAPE(0));
    ck_assert_int_eq(nd_linalg_lstsq(a, b, -1, &x, &res, &rank, &s), 0);
    ck_assert_shape(x, ND_FLOAT64, 1, 3);
    ck_assert_values(x, 0, 0, 0);
    ck_assert_shape(res, ND_FLOAT64, 1, 0);
    nd_free(x);
    nd_free(res);
    nd_free(s);
    nd_free(b);
    nd_free(a);
}
END_TEST

START_TEST(lstsq_errors)
{
    nd_array *a = nd_ones(ND_FLOAT64, 2, SHAPE(3, 2)), *x = (nd_array *)1;
    nd_array *b = nd_ones(ND_FLOAT64, 1, SHAPE(2));
    ck_assert_int_eq(nd_linalg_lstsq(a, b, -1, &x, NULL, NULL, NULL), ND_ERR_VALUE);
    ck_assert_ptr_null(x);
    assert_fails(ND_ERR_VALUE, "Incompatible dimensions");
    nd_free(b);
    b = nd_ones(ND_FLOAT64, 3, SHAPE(3, 1, 1));
    ck_assert_int_eq(nd_linalg_lstsq(a, b, -1, &x, NULL, NULL, NULL), ND_ERR_VALUE);
    assert_fails(ND_ERR_VALUE, "3-dimensional array given. Array must be two-dimensional");
    nd_free(b);
    b = nd_ones(ND_FLOAT16, 1, SHAPE(3));
    ck_assert_int_eq(nd_linalg_lstsq(a, b, -1, &x, NULL, NULL, NULL), ND_ERR_TYPE);
    assert_fails(ND_ERR_TYPE, "array type float16 is unsupported in linalg");
    nd_free(b);
    b = nd_ones(ND_FLOAT64, 0, NULL);
    ck_assert_int_eq(nd_linalg_lstsq(a, b, -1, &x, NULL, NULL, NULL), ND_ERR_VALUE);
    assert_fails(ND_ERR_VALUE, "0-dimensional array given. Array must be two-dimensional");
    nd_free(b);
    nd_free(a);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* norm                                                                     */
/* ------------------------------------------------------------------------ */

static nd_array *norm1(const nd_array *x, const char *ord, int axis, bool keepdims)
{
    return nd_linalg_norm(x, ord, 1, (int[]){axis}, keepdims);
}

static nd_array *norm2(const nd_array *x, const char *ord, int row, int col, bool keepdims)
{
    return nd_linalg_norm(x, ord, 2, (int[]){row, col}, keepdims);
}

START_TEST(norm_vectors)
{
    nd_array *x = matrix(ND_FLOAT64, 1, SHAPE(4), VALUES(3, -4, 0, 12));
    // clang-format off
    struct { const char *ord; double want; } cases[] = {
        {NULL, 13}, {"2", 13}, {"inf", 12}, {"-inf", 0}, {"0", 3}, {"1", 19},
        {"-1", 0}, {"3", cbrt(27 + 64 + 1728)}, {"0.5", pow(sqrt(3) + 2 + sqrt(12), 2)},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_array *r = norm1(x, cases[i].ord, 0, false);
        ck_assert_msg(r != NULL, "%s", cases[i].ord ? cases[i].ord : "None");
        ck_assert_shape(r, ND_FLOAT64, 0);
        ck_assert_close(r, 1e-15, cases[i].want);
        nd_free(r);
        /* axis=None on 1-D is the same vector norm. */
        r = nd_linalg_norm(x, cases[i].ord, 0, NULL, false);
        ck_assert_close(r, 1e-15, cases[i].want);
        nd_free(r);
    }
    nd_free(x);

    /* Along an axis of a 2-D int array, keepdims; result float64. */
    x = matrix(ND_INT8, 2, SHAPE(2, 3), VALUES(1, -2, 2, 0, 3, -4));
    nd_array *r = norm1(x, NULL, 1, true);
    ck_assert_shape(r, ND_FLOAT64, 2, 2, 1);
    ck_assert_close(r, 1e-15, 3, 5);
    nd_free(r);
    r = norm1(x, "inf", -2, false);
    ck_assert_shape(r, ND_FLOAT64, 1, 3);
    ck_assert_values(r, 1, 3, 4);
    nd_free(r);
    nd_free(x);
}
END_TEST

START_TEST(norm_matrices)
{
    nd_array *x = matrix(ND_FLOAT64, 2, SHAPE(2, 2), VALUES(1, -2, 3, 4));
    // clang-format off
    struct { const char *ord; double want; } cases[] = {
        {NULL, sqrt(30)}, {"fro", sqrt(30)}, {"1", 6}, {"-1", 4}, {"inf", 7}, {"-inf", 3},
        {"2", 5.116672736016927}, {"-2", 1.9543950758485487}, {"nuc", 7.0710678118654755},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nd_array *r = nd_linalg_norm(x, cases[i].ord, 0, NULL, false);
        ck_assert_msg(r != NULL, "%s", cases[i].ord ? cases[i].ord : "None");
        ck_assert_shape(r, ND_FLOAT64, 0);
        ck_assert_close(r, 1e-14, cases[i].want);
        nd_free(r);
    }
    /* Swapped axes transpose the matrix: 1 <-> inf. */
    nd_array *r = norm2(x, "1", 1, 0, false);
    ck_assert_values(r, 7);
    nd_free(r);
    r = norm2(x, "nuc", -1, 0, true);
    ck_assert_shape(r, ND_FLOAT64, 2, 1, 1);
    nd_free(r);
    nd_free(x);

    /* A stack over axes (0, 2) of a (2, 3, 2) float32 array. */
    nd_array *flat = nd_arange(ND_FLOAT32, 0, 12, 1);
    x = nd_reshape(flat, 3, SHAPE(2, 3, 2));
    r = norm2(x, "inf", 0, 2, false);
    ck_assert_shape(r, ND_FLOAT32, 1, 3);
    ck_assert_values(r, 13, 17, 21); /* max over rows (axis 0) of |row| sums */
    nd_free(r);
    r = norm2(x, "2", 0, 2, true);
    ck_assert_shape(r, ND_FLOAT32, 3, 1, 3, 1);
    nd_free(r);
    nd_free(x);
    nd_free(flat);
}
END_TEST

START_TEST(norm_dtypes_and_flat)
{
    /* float32 squares overflow as NumPy's do. */
    nd_array *x = matrix(ND_FLOAT32, 1, SHAPE(2), VALUES(3e20, 1));
    nd_array *r = nd_linalg_norm(x, NULL, 0, NULL, false);
    ck_assert_shape(r, ND_FLOAT32, 0);
    ck_assert_values(r, INFINITY);
    nd_free(r);
    nd_free(x);
    /* float16 and bfloat16 keep their dtype. */
    x = matrix(ND_FLOAT16, 2, SHAPE(3, 3), VALUES(1, 1, 1, 1, 1, 1, 1, 1, 1));
    r = norm2(x, "1", 0, 1, false);
    ck_assert_shape(r, ND_FLOAT16, 0);
    ck_assert_values(r, 3);
    nd_free(r);
    ck_assert_ptr_null(norm2(x, "2", 0, 1, false));
    assert_fails(ND_ERR_TYPE, "array type float16 is unsupported in linalg");
    nd_free(x);
    x = matrix(ND_BFLOAT16, 1, SHAPE(2), VALUES(3, 4));
    r = nd_linalg_norm(x, NULL, 0, NULL, true);
    ck_assert_shape(r, ND_BFLOAT16, 1, 1);
    ck_assert_values(r, 5);
    nd_free(r);
    nd_free(x);
    /* axis=None with ord None flattens any ndim; keepdims gives all ones. */
    x = nd_ones(ND_BOOL, 3, SHAPE(3, 3, 3));
    r = nd_linalg_norm(x, NULL, 0, NULL, true);
    ck_assert_shape(r, ND_FLOAT64, 3, 1, 1, 1);
    ck_assert_close(r, 1e-15, sqrt(27));
    nd_free(r);
    nd_free(x);
    x = nd_full(ND_FLOAT64, 0, NULL, -3);
    r = nd_linalg_norm(x, NULL, 0, NULL, false);
    ck_assert_shape(r, ND_FLOAT64, 0);
    ck_assert_values(r, 3);
    nd_free(r);
    nd_free(x);
    /* Empty: sums are 0, NaN propagates through the max. */
    x = nd_zeros(ND_FLOAT64, 2, SHAPE(0, 3));
    r = nd_linalg_norm(x, "1", 0, NULL, false);
    ck_assert_values(r, 0);
    nd_free(r);
    r = nd_linalg_norm(x, "nuc", 0, NULL, false);
    ck_assert_values(r, 0);
    nd_free(r);
    r = norm1(x, "-inf", 1, false);
    ck_assert_shape(r, ND_FLOAT64, 1, 0);
    nd_free(r);
    nd_free(x);
    x = matrix(ND_FLOAT64, 1, SHAPE(2), VALUES(NAN, 1));
    r = nd_linalg_norm(x, "inf", 0, NULL, false);
    ck_assert_values(r, NAN);
    nd_free(r);
    nd_free(x);
}
END_TEST

START_TEST(norm_errors)
{
    nd_array *v = nd_ones(ND_FLOAT64, 1, SHAPE(3));
    ck_assert_ptr_null(nd_linalg_norm(v, "fro", 0, NULL, false));
    assert_fails(ND_ERR_VALUE, "Invalid norm order 'fro' for vectors");
    ck_assert_ptr_null(norm1(v, "abc", 0, false));
    assert_fails(ND_ERR_VALUE, "Invalid norm order 'abc' for vectors");
    ck_assert_ptr_null(norm1(v, NULL, 1, false));
    assert_fails(ND_ERR_AXIS, "axis 1 is out of bounds for array of dimension 1");
    ck_assert_ptr_null(norm2(v, NULL, 0, -1, false));
    assert_fails(ND_ERR_VALUE, "Duplicate axes given.");
    nd_free(v);

    nd_array *m = nd_ones(ND_FLOAT64, 3, SHAPE(3, 3, 3));
    ck_assert_ptr_null(nd_linalg_norm(m, "2", 0, NULL, false));
    assert_fails(ND_ERR_VALUE, "Improper number of dimensions to norm.");
    ck_assert_ptr_null(nd_linalg_norm(m, NULL, 3, (int[]){0, 1, 2}, false));
    assert_fails(ND_ERR_VALUE, "Improper number of dimensions to norm.");
    ck_assert_ptr_null(norm2(m, "3", 0, 1, false));
    assert_fails(ND_ERR_VALUE, "Invalid norm order for matrices.");
    ck_assert_ptr_null(norm2(m, "0", 0, 1, false));
    assert_fails(ND_ERR_VALUE, "Invalid norm order for matrices.");
    ck_assert_ptr_null(norm2(m, NULL, 0, 3, false));
    assert_fails(ND_ERR_AXIS, "axis 3 is out of bounds for array of dimension 3");
    nd_free(m);

    nd_array *s = nd_ones(ND_FLOAT32, 0, NULL);
    ck_assert_ptr_null(nd_linalg_norm(s, "1", 0, NULL, false));
    assert_fails(ND_ERR_VALUE, "Improper number of dimensions to norm.");
    nd_free(s);

    nd_array *e = nd_zeros(ND_FLOAT64, 2, SHAPE(3, 0));
    ck_assert_ptr_null(nd_linalg_norm(e, "1", 0, NULL, false));
    assert_fails(ND_ERR_VALUE,
                 "zero-size array to reduction operation maximum which has no identity");
    ck_assert_ptr_null(nd_linalg_norm(e, "-2", 0, NULL, false));
    assert_fails(ND_ERR_VALUE,
                 "zero-size array to reduction operation minimum which has no identity");
    ck_assert_ptr_null(norm1(e, "inf", 1, false));
    assert_fails(ND_ERR_VALUE,
                 "zero-size array to reduction operation maximum which has no identity");
    nd_free(e);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("linalg");

    TCase *tc = tcase_create("det");
    tcase_add_test(tc, det_values_and_dtypes);
    tcase_add_test(tc, det_empty);
    tcase_add_test(tc, slogdet_signs_and_singular);
    suite_add_tcase(s, tc);

    tc = tcase_create("solve");
    tcase_add_test(tc, inv_values);
    tcase_add_test(tc, inv_errors);
    tcase_add_test(tc, solve_vector_and_matrix_b);
    tcase_add_test(tc, solve_broadcasts_stacks);
    tcase_add_test(tc, solve_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("factorizations");
    tcase_add_test(tc, cholesky_lower_triangle);
    tcase_add_test(tc, qr_reduced);
    tcase_add_test(tc, svd_values_and_shapes);
    tcase_add_test(tc, svd_empty_gives_identities);
    tcase_add_test(tc, eigh_values_and_vectors);
    suite_add_tcase(s, tc);

    tc = tcase_create("lstsq");
    tcase_add_test(tc, lstsq_overdetermined);
    tcase_add_test(tc, lstsq_rank_deficient_and_empty);
    tcase_add_test(tc, lstsq_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("norm");
    tcase_add_test(tc, norm_vectors);
    tcase_add_test(tc, norm_matrices);
    tcase_add_test(tc, norm_dtypes_and_flat);
    tcase_add_test(tc, norm_errors);
    suite_add_tcase(s, tc);
    return s;
}
