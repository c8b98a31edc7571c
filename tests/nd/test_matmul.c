/* matmul, matmul_out, dot, vdot, outer, inner, tensordot: shapes (1-D
 * promotion, batch broadcasting, 0-size axes), every operand layout the
 * BLAS path distinguishes (C order, transposed views, strided and reversed
 * views that must be copied, vectors), integer wrap-around, bool, float16,
 * mixed dtypes, outputs that alias inputs, and NumPy 1.24's error texts.
 * Values are checked against a naive triple loop over nd_get (exact for
 * the small integers used; a tolerance for the random-like float cases). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }
#define AXES(...) \
    (const int[]) { __VA_ARGS__ }

/* Values 0, 1, 2, ... (mod `mod`, minus `shift`) in C order, reshaped. */
static nd_array *ramp(nd_dtype dt, int ndim, const int64_t *shape, int mod, int shift)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    nd_array *a = nd_empty(dt, ndim, shape);
    ck_assert_ptr_nonnull(a);
    double *values = malloc((size_t)(n ? n : 1) * sizeof(double));
    for (int64_t i = 0; i < n; i++)
        values[i] = (double)((i * 7 + 3) % mod - shift);
    nd_array *flat = nd_reshape(a, 1, &n);
    for (int64_t i = 0; i < n; i++)
        if (nd_set(flat, &i, values[i]) != 0)
            ck_abort_msg("nd_set: %s", nd_last_error());
    nd_free(flat);
    free(values);
    return a;
}

static double get(const nd_array *a, const int64_t *index)
{
    /* Check logs every passing ck_assert to a file: assert only failures
     * in these per-element helpers, or the suite spends seconds writing. */
    double v = NAN;
    if (nd_get(a, index, &v) != 0)
        ck_abort_msg("nd_get: %s", nd_last_error());
    return v;
}

/* Asserts c == a @ b for 2-D a, b, c by a naive loop in double, within
 * tol * sum|a||b|. */
static void assert_product(const nd_array *a, const nd_array *b, const nd_array *c, double tol)
{
    const int64_t *sa = nd_shape(a), *sb = nd_shape(b);
    ck_assert_int_eq(nd_ndim(c), 2);
    ck_assert_int_eq(nd_shape(c)[0], sa[0]);
    ck_assert_int_eq(nd_shape(c)[1], sb[1]);
    for (int64_t i = 0; i < sa[0]; i++) {
        for (int64_t j = 0; j < sb[1]; j++) {
            double sum = 0, scale = 0;
            for (int64_t p = 0; p < sa[1]; p++) {
                double x = get(a, (int64_t[]){i, p}) * get(b, (int64_t[]){p, j});
                sum += x;
                scale += fabs(x);
            }
            double got = get(c, (int64_t[]){i, j});
            if (!(fabs(got - sum) <= tol * scale))
                ck_abort_msg("c[%lld,%lld] = %g, expected %g", (long long)i, (long long)j, got, sum);
        }
    }
}

static nd_array *transpose2(const nd_array *a)
{
    nd_array *t = nd_transpose(a, NULL);
    ck_assert_ptr_nonnull(t);
    return t;
}

/* ------------------------------------------------------------------------ */
/* matmul                                                                   */
/* ------------------------------------------------------------------------ */

START_TEST(matmul_small_values)
{
    static const nd_dtype dts[] = {ND_FLOAT32, ND_FLOAT64,  ND_INT32, ND_UINT16,
                                   ND_FLOAT16, ND_BFLOAT16, ND_INT64};
    for (size_t t = 0; t < sizeof dts / sizeof *dts; t++) {
        nd_array *a = nd_arange(dts[t], 0, 6, 1), *b = nd_arange(dts[t], 0, 6, 1);
        nd_array *a2 = nd_reshape(a, 2, SHAPE(2, 3)), *b2 = nd_reshape(b, 2, SHAPE(3, 2));
        nd_array *c = nd_matmul(a2, b2);
        ck_assert_shape(c, dts[t], 2, 2, 2);
        ck_assert_values(c, 10, 13, 28, 40);
        nd_free(c);
        c = nd_matmul(b2, a2); /* (3,2)@(2,3) */
        ck_assert_shape(c, dts[t], 2, 3, 3);
        ck_assert_values(c, 3, 4, 5, 9, 14, 19, 15, 24, 33);
        nd_free(c);
        nd_free(a), nd_free(b), nd_free(a2), nd_free(b2);
    }
}
END_TEST

START_TEST(matmul_zero_size)
{
    static const nd_dtype dts[] = {ND_FLOAT32, ND_FLOAT64, ND_INT8, ND_BOOL, ND_FLOAT16};
    for (size_t t = 0; t < sizeof dts / sizeof *dts; t++) {
        nd_array *a = nd_empty(dts[t], 2, SHAPE(2, 0)), *b = nd_empty(dts[t], 2, SHAPE(0, 3));
        nd_array *c = nd_matmul(a, b); /* an empty sum: zeros */
        ck_assert_shape(c, dts[t], 2, 2, 3);
        ck_assert_values(c, 0, 0, 0, 0, 0, 0);
        nd_free(c);
        nd_array *d = nd_empty(dts[t], 2, SHAPE(3, 0));
        c = nd_matmul(b, d); /* (0,3) @ (3,0) */
        ck_assert_shape(c, dts[t], 2, 0, 0);
        nd_free(c), nd_free(a), nd_free(b), nd_free(d);
    }
    nd_array *a = nd_ones(ND_FLOAT32, 3, SHAPE(0, 2, 3)), *b = nd_ones(ND_FLOAT32, 2, SHAPE(3, 4));
    nd_array *c = nd_matmul(a, b);
    ck_assert_shape(c, ND_FLOAT32, 3, 0, 2, 4);
    nd_free(c), nd_free(a), nd_free(b);
    a = nd_ones(ND_FLOAT64, 2, SHAPE(0, 3)), b = nd_ones(ND_FLOAT64, 2, SHAPE(3, 5));
    c = nd_matmul(a, b);
    ck_assert_shape(c, ND_FLOAT64, 2, 0, 5);
    nd_free(c), nd_free(a), nd_free(b);
    a = nd_ones(ND_FLOAT64, 1, SHAPE(0)), b = nd_ones(ND_FLOAT64, 1, SHAPE(0));
    c = nd_matmul(a, b);
    ck_assert_shape(c, ND_FLOAT64, 0);
    ck_assert_values(c, 0);
    nd_free(c), nd_free(a), nd_free(b);
}
END_TEST

START_TEST(matmul_one_d_promotion)
{
    nd_array *v = nd_arange(ND_INT64, 1, 4, 1); /* [1,2,3] */
    nd_array *m = ramp(ND_INT64, 2, SHAPE(3, 2), 5, 0); /* [[3,0],[2,4],[1,3]] */
    nd_array *c = nd_matmul(v, v);
    ck_assert_shape(c, ND_INT64, 0);
    ck_assert_values(c, 14);
    nd_free(c);
    c = nd_matmul(v, m);
    ck_assert_shape(c, ND_INT64, 1, 2);
    ck_assert_values(c, 10, 17);
    nd_free(c);
    nd_array *mt = transpose2(m);
    c = nd_matmul(mt, v);
    ck_assert_shape(c, ND_INT64, 1, 2);
    ck_assert_values(c, 10, 17);
    nd_free(c);
    nd_array *stack = ramp(ND_FLOAT32, 3, SHAPE(2, 2, 3), 5, 2);
    c = nd_matmul(stack, v); /* (2,2,3) float32 @ (3,) int64 -> (2,2) float64 */
    ck_assert_shape(c, ND_FLOAT64, 2, 2, 2);
    ck_assert_values(c, -3, 3, 4, -5);
    nd_free(c);
    c = nd_matmul(v, stack); /* (3,) @ (2,2,3): k mismatch with 2 */
    ck_assert_ptr_null(c);
    ck_assert_error("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                    "signature (n?,k),(k,m?)->(n?,m?) (size 2 is different from 3)");
    nd_free(v), nd_free(m), nd_free(mt), nd_free(stack);
}
END_TEST

START_TEST(matmul_batch_broadcast)
{
    nd_array *a = ramp(ND_FLOAT64, 4, SHAPE(2, 1, 2, 3), 11, 5);
    nd_array *b = ramp(ND_FLOAT64, 3, SHAPE(3, 3, 2), 13, 6);
    nd_array *c = nd_matmul(a, b);
    ck_assert_shape(c, ND_FLOAT64, 4, 2, 3, 2, 2);
    for (int64_t i = 0; i < 2; i++) {
        for (int64_t j = 0; j < 3; j++) {
            nd_array *ai = nd_slice(a, 0, i, i + 1, 1), *bj = nd_slice(b, 0, j, j + 1, 1);
            nd_array *ai2 = nd_reshape(ai, 2, SHAPE(2, 3)), *bj2 = nd_reshape(bj, 2, SHAPE(3, 2));
            nd_array *ci = nd_slice(c, 0, i, i + 1, 1), *cij = nd_slice(ci, 1, j, j + 1, 1);
            nd_array *cij2 = nd_reshape(cij, 2, SHAPE(2, 2));
            assert_product(ai2, bj2, cij2, 0);
            nd_free(ai), nd_free(bj), nd_free(ai2), nd_free(bj2), nd_free(ci), nd_free(cij),
                nd_free(cij2);
        }
    }
    nd_free(c);
    /* A batch that folds into one product: (4,3,5) @ (5,2) */
    nd_array *x = ramp(ND_FLOAT32, 3, SHAPE(4, 3, 5), 9, 4),
             *w = ramp(ND_FLOAT32, 2, SHAPE(5, 2), 8, 3);
    c = nd_matmul(x, w);
    nd_array *x2 = nd_reshape(x, 2, SHAPE(12, 5)), *c2 = nd_reshape(c, 2, SHAPE(12, 2));
    assert_product(x2, w, c2, 0);
    nd_free(x2), nd_free(c2), nd_free(c);
    /* ... but not when the rows of the batch are not evenly spaced:
     * x[:, :2, :] of a (4,3,5) has rows 5 apart and batches 15 apart */
    nd_array *xs_rows = nd_slice(x, 1, 0, 2, 1);
    c = nd_matmul(xs_rows, w);
    ck_assert_shape(c, ND_FLOAT32, 3, 4, 2, 2);
    for (int64_t i = 0; i < 4; i++) {
        nd_array *xi = nd_slice(xs_rows, 0, i, i + 1, 1), *ci = nd_slice(c, 0, i, i + 1, 1);
        nd_array *xi2 = nd_reshape(xi, 2, SHAPE(2, 5)), *ci2 = nd_reshape(ci, 2, SHAPE(2, 2));
        assert_product(xi2, w, ci2, 0);
        nd_free(xi), nd_free(ci), nd_free(xi2), nd_free(ci2);
    }
    nd_free(xs_rows), nd_free(c);
    /* ... and into the columns when b is a stack of vectors: (2,5) @ (4,5,1) */
    nd_array *w2 = ramp(ND_FLOAT32, 2, SHAPE(2, 5), 8, 3),
             *xs = ramp(ND_FLOAT32, 3, SHAPE(4, 5, 1), 9, 4);
    c = nd_matmul(w2, xs);
    ck_assert_shape(c, ND_FLOAT32, 3, 4, 2, 1);
    nd_array *xs2 = nd_reshape(xs, 2, SHAPE(4, 5)), *xst = transpose2(xs2);
    nd_array *c3 = nd_transpose(c, AXES(1, 0, 2)), *c2t = nd_reshape(c3, 2, SHAPE(2, 4));
    assert_product(w2, xst, c2t, 0);
    nd_free(w2), nd_free(xs), nd_free(xs2), nd_free(xst), nd_free(c3), nd_free(c2t), nd_free(c);
    nd_free(x), nd_free(w), nd_free(a), nd_free(b);

    a = nd_ones(ND_FLOAT64, 3, SHAPE(2, 2, 3)), b = nd_ones(ND_FLOAT64, 3, SHAPE(3, 3, 4));
    ck_assert_ptr_null(nd_matmul(a, b));
    ck_assert_error("operands could not be broadcast together with remapped shapes "
                    "[original->remapped]: (2,2,3)->(2,newaxis,newaxis) (3,3,4)->(3,newaxis,newaxis)"
                    "  and requested shape (2,4)");
    nd_free(b);
    b = nd_ones(ND_FLOAT64, 4, SHAPE(4, 3, 3, 4));
    ck_assert_ptr_null(nd_matmul(a, b));
    ck_assert_error("operands could not be broadcast together with remapped shapes "
                    "[original->remapped]: (2,2,3)->(2,newaxis,newaxis) "
                    "(4,3,3,4)->(4,3,newaxis,newaxis)  and requested shape (2,4)");
    nd_free(a), nd_free(b);
}
END_TEST

/* Every layout the BLAS path tells apart, in float32, float64 and float16:
 * C order, transposed (CblasTrans, no copy), both axes strided or reversed
 * (copied), vectors with strides; outputs in C order and transposed. */
START_TEST(matmul_layouts)
{
    static const nd_dtype dts[] = {ND_FLOAT32, ND_FLOAT64, ND_FLOAT16, ND_INT16};
    for (size_t t = 0; t < sizeof dts / sizeof *dts; t++) {
        nd_dtype dt = dts[t];
        double tol = dt == ND_FLOAT16 ? 1e-3 : dt == ND_FLOAT32 ? 1e-6 : 0;
        nd_array *big = ramp(dt, 2, SHAPE(40, 34), 17, 8);
        // clang-format off
        nd_array *a = nd_slice(big, 1, 0, 17, 1);                     /* rows 34 apart: NoTrans */
        nd_array *lt_base = ramp(dt, 2, SHAPE(17, 40), 19, 9);
        nd_array *lt = transpose2(lt_base);                           /* F order: CblasTrans */
        nd_array *strided = nd_slice(big, 1, ND_NONE, ND_NONE, 2);    /* stride 2: copied */
        nd_array *rev_base = nd_slice(big, 0, ND_NONE, ND_NONE, -1);
        nd_array *rev = nd_slice(rev_base, 1, 0, 17, 1);              /* rows reversed: copied */
        nd_array *both = nd_slice(rev_base, 1, ND_NONE, ND_NONE, -2); /* both axes odd: copied */
        nd_array *b = ramp(dt, 2, SHAPE(17, 9), 13, 6);
        nd_array *bt_base = ramp(dt, 2, SHAPE(9, 17), 11, 5);
        nd_array *bt = transpose2(bt_base);                           /* (17,9) F order */
        // clang-format on
        const nd_array *lefts[] = {a, lt, strided, rev, both};
        const nd_array *rights[] = {b, bt};
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 2; j++) {
                const nd_array *l = lefts[i], *r = rights[j];
                nd_array *c = nd_matmul(l, r);
                ck_assert_ptr_nonnull(c);
                ck_assert_int_eq(nd_dtype_of(c), dt);
                assert_product(l, r, c, tol);
                /* into a transposed (column-major) output */
                nd_array *out_base = nd_zeros(dt, 2, SHAPE(9, 40));
                nd_array *out = transpose2(out_base);
                ck_assert_int_eq(nd_matmul_out(l, r, out), 0);
                assert_product(l, r, out, tol);
                nd_free(out), nd_free(out_base), nd_free(c);
            }
        }
        /* vectors: a row of big with a stride, reversed, and as a column */
        nd_array *row = nd_slice(strided, 0, 3, 4, 1); /* (1,17) stride 2 */
        nd_array *vec = nd_reshape(row, 1, SHAPE(17));
        nd_array *rvec = nd_slice(vec, 0, ND_NONE, ND_NONE, -1);
        const nd_array *vecs[] = {vec, rvec};
        for (int v = 0; v < 2; v++) {
            nd_array *y = nd_matmul(vecs[v], b); /* (17,) @ (17,9) */
            nd_array *y2 = nd_reshape(y, 2, SHAPE(1, 9));
            nd_array *x2 = nd_reshape(vecs[v], 2, SHAPE(1, 17));
            assert_product(x2, b, y2, tol);
            nd_free(y), nd_free(y2);
            y = nd_matmul(both, vecs[v]); /* (40,17) @ (17,) */
            nd_array *xc = nd_reshape(vecs[v], 2, SHAPE(17, 1));
            y2 = nd_reshape(y, 2, SHAPE(40, 1));
            assert_product(both, xc, y2, tol);
            nd_free(y), nd_free(y2), nd_free(x2), nd_free(xc);
        }
        nd_free(row), nd_free(vec), nd_free(rvec);
        nd_free(big), nd_free(a), nd_free(lt_base), nd_free(lt), nd_free(strided);
        nd_free(rev_base), nd_free(rev), nd_free(both);
        nd_free(b), nd_free(bt_base), nd_free(bt);
    }
}
END_TEST

START_TEST(matmul_integer_wraparound)
{
    int8_t a8[] = {100, 100, -128, 127}, b8[] = {2, 2, 3, -1};
    nd_array *a = nd_from_data(ND_INT8, 2, SHAPE(2, 2), a8),
             *b = nd_from_data(ND_INT8, 2, SHAPE(2, 2), b8);
    nd_array *c = nd_matmul(a, b);
    ck_assert_shape(c, ND_INT8, 2, 2, 2);
    /* [[100*2+100*3, 100*2-100], [-128*2+127*3, -128*2-127]] mod 2^8 */
    ck_assert_values(c, (double)(int8_t)500, 100, 125, (double)(int8_t)-383);
    nd_free(a), nd_free(b), nd_free(c);

    uint16_t a16[] = {65535, 65535}, b16[] = {65535, 2};
    a = nd_from_data(ND_UINT16, 1, SHAPE(2), a16), b = nd_from_data(ND_UINT16, 1, SHAPE(2), b16);
    c = nd_matmul(a, b); /* 65535^2 + 2*65535 wraps mod 2^16 to 65535 */
    ck_assert_shape(c, ND_UINT16, 0);
    ck_assert_values(c, 65535);
    nd_free(a), nd_free(b), nd_free(c);

    int64_t a64[] = {INT64_C(1) << 62, INT64_MAX}, b64[] = {4, 2};
    a = nd_from_data(ND_INT64, 1, SHAPE(2), a64), b = nd_from_data(ND_INT64, 1, SHAPE(2), b64);
    c = nd_matmul(a, b); /* 2^64 + 2^64 - 2: wraps to -2 */
    int64_t got = 0;
    ck_assert_int_eq(nd_get_int64(c, NULL, &got), 0);
    ck_assert_int_eq(got, -2);
    nd_free(a), nd_free(b), nd_free(c);

    uint64_t u64[] = {UINT64_MAX, 3};
    a = nd_from_data(ND_UINT64, 1, SHAPE(2), u64);
    c = nd_matmul(a, a); /* (2^64-1)^2 + 9 = 1 + 9 mod 2^64 */
    ck_assert_int_eq(nd_get_int64(c, NULL, &got), 0);
    ck_assert_int_eq(got, 10);
    nd_free(a), nd_free(c);
}
END_TEST

START_TEST(matmul_bool_and_mixed_dtypes)
{
    uint8_t av[] = {1, 0, 0, 0, 0, 0}, bv[] = {0, 1, 1, 1, 0, 0};
    nd_array *a = nd_from_data(ND_BOOL, 2, SHAPE(2, 3), av),
             *b = nd_from_data(ND_BOOL, 2, SHAPE(3, 2), bv);
    nd_array *c = nd_matmul(a, b); /* or of ands */
    ck_assert_shape(c, ND_BOOL, 2, 2, 2);
    ck_assert_values(c, 0, 1, 0, 0);
    nd_free(c);
    nd_array *i8 = nd_arange(ND_INT8, 0, 6, 1), *i8m = nd_reshape(i8, 2, SHAPE(3, 2));
    c = nd_matmul(a, i8m); /* bool @ int8 -> int8 */
    ck_assert_shape(c, ND_INT8, 2, 2, 2);
    ck_assert_values(c, 0, 1, 0, 0);
    nd_free(c);
    nd_array *f32 = nd_ones(ND_FLOAT32, 2, SHAPE(2, 3));
    c = nd_matmul(f32, i8m); /* float32 @ int8 -> float32 */
    ck_assert_shape(c, ND_FLOAT32, 2, 2, 2);
    ck_assert_values(c, 6, 9, 6, 9);
    nd_free(c);
    nd_array *i64 = nd_ones(ND_INT64, 2, SHAPE(2, 3)), *u64 = nd_ones(ND_UINT64, 2, SHAPE(3, 1));
    c = nd_matmul(i64, u64); /* int64 @ uint64 -> float64 */
    ck_assert_shape(c, ND_FLOAT64, 2, 2, 1);
    ck_assert_values(c, 3, 3);
    nd_free(c);
    nd_array *h = nd_full(ND_FLOAT16, 2, SHAPE(2, 3), 0.1);
    c = nd_matmul(h, i8m); /* float16 @ int8 -> float16, computed in float32 */
    ck_assert_shape(c, ND_FLOAT16, 2, 2, 2);
    double want = (double)nd_half_to_float(
        nd_float_to_half((float)(nd_half_to_float(nd_double_to_half(0.1)) * 6.0)));
    ck_assert_double_eq(get(c, (int64_t[]){0, 0}), want);
    nd_free(c);
    nd_array *bf = nd_full(ND_BFLOAT16, 2, SHAPE(3, 2), 1.5),
             *hf = nd_full(ND_FLOAT16, 2, SHAPE(2, 3), 2);
    c = nd_matmul(hf, bf); /* float16 @ bfloat16 -> float32 */
    ck_assert_shape(c, ND_FLOAT32, 2, 2, 2);
    ck_assert_values(c, 9, 9, 9, 9);
    nd_free(c);
    nd_free(a), nd_free(b), nd_free(i8), nd_free(i8m), nd_free(f32), nd_free(i64), nd_free(u64),
        nd_free(h), nd_free(bf), nd_free(hf);
}
END_TEST

START_TEST(matmul_errors)
{
    nd_array *s = nd_full(ND_FLOAT64, 0, NULL, 2), *m = nd_ones(ND_FLOAT64, 2, SHAPE(2, 3));
    ck_assert_ptr_null(nd_matmul(s, m));
    ck_assert_error("matmul: Input operand 0 does not have enough dimensions (has 0, gufunc core "
                    "with signature (n?,k),(k,m?)->(n?,m?) requires 1)");
    ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
    ck_assert_ptr_null(nd_matmul(m, s));
    ck_assert_error("matmul: Input operand 1 does not have enough dimensions (has 0, gufunc core "
                    "with signature (n?,k),(k,m?)->(n?,m?) requires 1)");
    ck_assert_ptr_null(nd_matmul(m, m));
    ck_assert_error("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                    "signature (n?,k),(k,m?)->(n?,m?) (size 2 is different from 3)");
    nd_array *v4 = nd_ones(ND_FLOAT64, 1, SHAPE(4));
    ck_assert_ptr_null(nd_matmul(m, v4));
    ck_assert_error("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                    "signature (n?,k),(k,m?)->(n?,m?) (size 4 is different from 3)");
    nd_free(s), nd_free(m), nd_free(v4);
}
END_TEST

START_TEST(matmul_out_cases)
{
    nd_array *a = ramp(ND_FLOAT64, 2, SHAPE(3, 3), 8, 3),
             *b = ramp(ND_FLOAT64, 2, SHAPE(3, 3), 5, 2);
    nd_array *want = nd_matmul(a, a);
    nd_array *a_copy = nd_copy(a);
    /* out aliasing both inputs: a = a @ a */
    ck_assert_int_eq(nd_matmul_out(a, a, a), 0);
    assert_product(a_copy, a_copy, a, 0);
    nd_free(want);
    /* out of another dtype (same_kind): float64 -> float32 */
    nd_array *out32 = nd_zeros(ND_FLOAT32, 2, SHAPE(3, 3));
    ck_assert_int_eq(nd_matmul_out(a_copy, b, out32), 0);
    assert_product(a_copy, b, out32, 1e-6);
    /* errors */
    nd_array *i64 = nd_zeros(ND_INT64, 2, SHAPE(3, 3));
    ck_assert_int_eq(nd_matmul_out(a_copy, b, i64), ND_ERR_TYPE);
    ck_assert_error("Cannot cast ufunc 'matmul' output from dtype('float64') to dtype('int64') "
                    "with casting rule 'same_kind'");
    nd_array *wrong = nd_zeros(ND_FLOAT64, 2, SHAPE(3, 2));
    ck_assert_int_eq(nd_matmul_out(a_copy, b, wrong), ND_ERR_VALUE);
    ck_assert_error("matmul: Output operand 0 has a mismatch in its core dimension 1, with gufunc "
                    "signature (n?,k),(k,m?)->(n?,m?) (size 2 is different from 3)");
    nd_array *bigger = nd_zeros(ND_FLOAT64, 3, SHAPE(2, 3, 3));
    ck_assert_int_eq(nd_matmul_out(a_copy, b, bigger), ND_ERR_VALUE);
    ck_assert_error("non-broadcastable output operand with shape (2,3,3) doesn't match the "
                    "broadcast shape (3,3)");
    nd_array *read_only = nd_broadcast_to(out32, 2, SHAPE(3, 3));
    ck_assert_int_eq(nd_matmul_out(a_copy, b, read_only), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    /* 1-D @ 1-D into a 0-d out */
    nd_array *v = nd_arange(ND_INT32, 0, 4, 1), *o = nd_zeros(ND_INT64, 0, NULL);
    ck_assert_int_eq(nd_matmul_out(v, v, o), 0);
    ck_assert_values(o, 14);
    nd_free(a), nd_free(b), nd_free(a_copy), nd_free(out32), nd_free(i64), nd_free(wrong),
        nd_free(bigger), nd_free(read_only), nd_free(v), nd_free(o);
}
END_TEST

/* A product large enough for OpenBLAS's blocked kernels and threads. */
START_TEST(matmul_large_against_naive)
{
    nd_array *a = ramp(ND_FLOAT32, 2, SHAPE(130, 257), 31, 15);
    nd_array *b = ramp(ND_FLOAT32, 2, SHAPE(257, 70), 29, 14);
    nd_array *c = nd_matmul(a, b);
    assert_product(a, b, c, 0); /* small integers: exact in float32 */
    nd_free(a), nd_free(b), nd_free(c);
}
END_TEST

/* A 2-D array's elements in C order as doubles (malloc'ed). */
static double *values_of(const nd_array *a)
{
    const int64_t *shape = nd_shape(a);
    double *v = malloc((size_t)(shape[0] * shape[1]) * sizeof(double));
    for (int64_t i = 0; i < shape[0]; i++)
        for (int64_t j = 0; j < shape[1]; j++)
            v[i * shape[1] + j] = get(a, (int64_t[]){i, j});
    return v;
}

/* float32 products on the AVX-512 kernel where the CPU has one (OpenBLAS
 * elsewhere): shapes on both sides of its blocks (12 rows, 32 columns, 384
 * deep, 480-column B blocks), operands in C order and transposed, exact
 * for small integers whatever the order of the sums; and random values
 * bit-identical at 1 and 2 threads. */
START_TEST(matmul_float32_across_kernel_blocks)
{
    const int64_t shapes[][3] = {{12, 384, 32},  {13, 385, 33}, {25, 7, 481},
                                 {37, 800, 500}, {2, 3, 2},     {100, 1, 64}};
    for (int s = 0; s < 6; s++) {
        int64_t m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        nd_array *a = ramp(ND_FLOAT32, 2, SHAPE(m, k), 31, 15);
        nd_array *at_base = ramp(ND_FLOAT32, 2, SHAPE(k, m), 29, 14);
        nd_array *at = transpose2(at_base);
        nd_array *b = ramp(ND_FLOAT32, 2, SHAPE(k, n), 23, 11);
        nd_array *bt_base = ramp(ND_FLOAT32, 2, SHAPE(n, k), 19, 9);
        nd_array *bt = transpose2(bt_base);
        const nd_array *lefts[] = {a, at}, *rights[] = {b, bt};
        for (int l = 0; l < 2; l++)
            for (int r = 0; r < 2; r++) {
                double *x = values_of(lefts[l]), *y = values_of(rights[r]);
                nd_array *c = nd_matmul(lefts[l], rights[r]);
                ck_assert_ptr_nonnull(c);
                const float *got = nd_data(c);
                for (int64_t i = 0; i < m; i++)
                    for (int64_t j = 0; j < n; j++) {
                        double want = 0;
                        for (int64_t p = 0; p < k; p++)
                            want += x[i * k + p] * y[p * n + j];
                        if (got[i * n + j] != want)
                            ck_abort_msg("%lldx%lldx%lld layout %d%d: c[%lld,%lld] = %g, expected %g",
                                         (long long)m, (long long)k, (long long)n, l, r,
                                         (long long)i, (long long)j, got[i * n + j], want);
                    }
                free(x), free(y), nd_free(c);
            }
        nd_free(a), nd_free(at_base), nd_free(at), nd_free(b), nd_free(bt_base), nd_free(bt);
    }
    nd_rng *rng = nd_rng_new(5);
    nd_array *x = nd_rng_standard_normal(rng, ND_FLOAT32, 2, SHAPE(300, 700));
    nd_array *y = nd_rng_standard_normal(rng, ND_FLOAT32, 2, SHAPE(700, 530));
    nd_rng_free(rng);
    nd_array *c[2];
    for (int t = 0; t < 2; t++) {
        ck_assert_int_eq(nd_set_num_threads(t + 1), 0);
        c[t] = nd_matmul(x, y);
        ck_assert_ptr_nonnull(c[t]);
    }
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    ck_assert_int_eq(memcmp(nd_data(c[0]), nd_data(c[1]), 300 * 530 * sizeof(float)), 0);
    nd_array *x_rows = nd_slice(x, 0, 290, 300, 1), *c_rows = nd_slice(c[0], 0, 290, 300, 1);
    assert_product(x_rows, y, c_rows, 1e-6); /* the last rows: a partial 12-row panel */
    nd_free(x_rows), nd_free(c_rows);
    nd_free(x), nd_free(y), nd_free(c[0]), nd_free(c[1]);
    /* A batch of small products, split a product per thread: the same bits
     * at 1 and 2 threads, and each item equal to its own 2-D product. */
    rng = nd_rng_new(6);
    x = nd_rng_standard_normal(rng, ND_FLOAT32, 3, SHAPE(9, 30, 40));
    y = nd_rng_standard_normal(rng, ND_FLOAT32, 3, SHAPE(9, 40, 50));
    nd_rng_free(rng);
    for (int t = 0; t < 2; t++) {
        ck_assert_int_eq(nd_set_num_threads(t + 1), 0);
        c[t] = nd_matmul(x, y);
        ck_assert_ptr_nonnull(c[t]);
    }
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    ck_assert_int_eq(memcmp(nd_data(c[0]), nd_data(c[1]), 9 * 30 * 50 * sizeof(float)), 0);
    for (int64_t item = 0; item < 9; item++) {
        nd_array *xi_3d = nd_slice(x, 0, item, item + 1, 1),
                 *yi_3d = nd_slice(y, 0, item, item + 1, 1);
        nd_array *xi = nd_reshape(xi_3d, 2, SHAPE(30, 40)),
                 *yi = nd_reshape(yi_3d, 2, SHAPE(40, 50));
        nd_array *ci = nd_matmul(xi, yi);
        ck_assert_int_eq(memcmp(nd_data(ci), (const float *)nd_data(c[1]) + item * 30 * 50,
                                30 * 50 * sizeof(float)),
                         0);
        nd_free(xi_3d), nd_free(yi_3d), nd_free(xi), nd_free(yi), nd_free(ci);
    }
    nd_free(x), nd_free(y), nd_free(c[0]), nd_free(c[1]);
}
END_TEST

/* Matrix times vector (libnd's own float32 gemv on the pool): A @ v reads
 * A's rows, v @ A its columns; exact for small integers, on both sides of
 * the 16-lane and 256-column blocks and of the 2^16 multiply-adds per
 * piece; random values bit-identical at 1 and 2 threads and within float32
 * rounding of a float64 product. */
START_TEST(matmul_float32_matrix_vector)
{
    const int64_t shapes[][2] = {{1, 1}, {3, 17}, {33, 15}, {257, 300}, {700, 513}};
    for (int s = 0; s < 5; s++) {
        int64_t m = shapes[s][0], k = shapes[s][1];
        nd_array *a = ramp(ND_FLOAT32, 2, SHAPE(m, k), 31, 15);
        nd_array *v = ramp(ND_FLOAT32, 2, SHAPE(k, 1), 29, 14);
        nd_array *u = ramp(ND_FLOAT32, 2, SHAPE(1, m), 23, 11);
        nd_array *av = nd_matmul(a, v), *ua = nd_matmul(u, a);
        assert_product(a, v, av, 0);
        assert_product(u, a, ua, 0);
        nd_free(a), nd_free(v), nd_free(u), nd_free(av), nd_free(ua);
    }
    nd_rng *rng = nd_rng_new(7);
    nd_array *a = nd_rng_standard_normal(rng, ND_FLOAT32, 2, SHAPE(900, 1100));
    nd_array *v = nd_rng_standard_normal(rng, ND_FLOAT32, 1, SHAPE(1100));
    nd_array *u = nd_rng_standard_normal(rng, ND_FLOAT32, 1, SHAPE(900));
    nd_rng_free(rng);
    nd_array *av[2], *ua[2];
    for (int t = 0; t < 2; t++) {
        ck_assert_int_eq(nd_set_num_threads(t + 1), 0);
        av[t] = nd_matmul(a, v);
        ua[t] = nd_matmul(u, a);
        ck_assert_ptr_nonnull(av[t]);
        ck_assert_ptr_nonnull(ua[t]);
    }
    ck_assert_int_eq(nd_set_num_threads(0), 0);
    ck_assert_int_eq(memcmp(nd_data(av[0]), nd_data(av[1]), 900 * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(nd_data(ua[0]), nd_data(ua[1]), 1100 * sizeof(float)), 0);
    const float *pa = nd_data(a), *pv = nd_data(v), *pu = nd_data(u);
    const float *got_av = nd_data(av[0]), *got_ua = nd_data(ua[0]);
    for (int64_t i = 0; i < 900; i++) {
        double want = 0, scale = 0;
        for (int64_t j = 0; j < 1100; j++)
            want += (double)pa[i * 1100 + j] * pv[j],
                scale += fabs((double)pa[i * 1100 + j] * pv[j]);
        ck_assert_double_le(fabs(got_av[i] - want), 1e-6 * scale);
    }
    for (int64_t j = 0; j < 1100; j++) {
        double want = 0, scale = 0;
        for (int64_t i = 0; i < 900; i++)
            want += (double)pu[i] * pa[i * 1100 + j],
                scale += fabs((double)pu[i] * pa[i * 1100 + j]);
        ck_assert_double_le(fabs(got_ua[j] - want), 1e-6 * scale);
    }
    nd_free(a), nd_free(v), nd_free(u);
    nd_free(av[0]), nd_free(av[1]), nd_free(ua[0]), nd_free(ua[1]);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* dot, vdot, inner, outer, tensordot                                       */
/* ------------------------------------------------------------------------ */

START_TEST(dot_cases)
{
    nd_array *v = nd_arange(ND_INT32, 1, 4, 1); /* [1,2,3] */
    nd_array *c = nd_dot(v, v);
    ck_assert_shape(c, ND_INT32, 0);
    ck_assert_values(c, 14);
    nd_free(c);
    nd_array *s = nd_full(ND_FLOAT64, 0, NULL, 2);
    c = nd_dot(s, v); /* a 0-d operand multiplies; no value-based casting in dot */
    ck_assert_shape(c, ND_FLOAT64, 1, 3);
    ck_assert_values(c, 2, 4, 6);
    nd_free(c);
    c = nd_dot(v, s);
    ck_assert_values(c, 2, 4, 6);
    nd_free(c);
    /* N-D . M-D: sum over a's last and b's second-to-last axis */
    nd_array *a = ramp(ND_INT64, 3, SHAPE(2, 3, 4), 9, 4),
             *b = ramp(ND_INT64, 3, SHAPE(5, 4, 2), 8, 3);
    c = nd_dot(a, b);
    ck_assert_shape(c, ND_INT64, 4, 2, 3, 5, 2);
    for (int64_t i = 0; i < 2; i++)
        for (int64_t j = 0; j < 3; j++)
            for (int64_t k = 0; k < 5; k++)
                for (int64_t m = 0; m < 2; m++) {
                    double sum = 0;
                    for (int64_t p = 0; p < 4; p++)
                        sum += get(a, (int64_t[]){i, j, p}) * get(b, (int64_t[]){k, p, m});
                    ck_assert_double_eq(get(c, (int64_t[]){i, j, k, m}), sum);
                }
    nd_free(c);
    ck_assert_ptr_null(nd_dot(a, a));
    ck_assert_error("shapes (2,3,4) and (2,3,4) not aligned: 4 (dim 2) != 3 (dim 1)");
    nd_array *v4 = nd_ones(ND_INT32, 1, SHAPE(4));
    ck_assert_ptr_null(nd_dot(v, v4));
    ck_assert_error("shapes (3,) and (4,) not aligned: 3 (dim 0) != 4 (dim 0)");
    nd_free(v), nd_free(s), nd_free(a), nd_free(b), nd_free(v4);
}
END_TEST

START_TEST(inner_vdot_outer)
{
    nd_array *a = ramp(ND_FLOAT64, 2, SHAPE(2, 3), 5, 2),
             *b = ramp(ND_FLOAT64, 2, SHAPE(4, 3), 8, 3);
    nd_array *c = nd_inner(a, b); /* a @ b.T */
    nd_array *bt = transpose2(b);
    ck_assert_shape(c, ND_FLOAT64, 2, 2, 4);
    assert_product(a, bt, c, 0);
    nd_free(c);
    nd_array *b3 = nd_ones(ND_FLOAT64, 3, SHAPE(6, 5, 4));
    ck_assert_ptr_null(nd_inner(a, b3));
    ck_assert_error("shapes (2,3) and (6,4,5) not aligned: 3 (dim 1) != 4 (dim 1)");

    c = nd_vdot(a, bt); /* flattened: sizes 6 and 12 */
    ck_assert_ptr_null(c);
    ck_assert_error("cannot reshape array of size 12 into shape (6,)");
    nd_array *a_rev = nd_slice(a, 1, ND_NONE, ND_NONE, -1);
    nd_array *flat = nd_arange(ND_INT8, 0, 6, 1);
    c = nd_vdot(a_rev, flat); /* a[:, ::-1].ravel() . [0..5] */
    ck_assert_shape(c, ND_FLOAT64, 0);
    double sum = 0;
    for (int64_t i = 0; i < 2; i++)
        for (int64_t j = 0; j < 3; j++)
            sum += get(a_rev, (int64_t[]){i, j}) * (double)(i * 3 + j);
    ck_assert_values(c, sum);
    nd_free(c);

    c = nd_outer(flat, a_rev);
    ck_assert_shape(c, ND_FLOAT64, 2, 6, 6);
    for (int64_t i = 0; i < 6; i++)
        ck_assert_double_eq(get(c, (int64_t[]){i, 1}), (double)i * get(a_rev, (int64_t[]){0, 1}));
    nd_free(c);
    nd_array *empty = nd_ones(ND_INT8, 2, SHAPE(2, 0));
    c = nd_outer(empty, flat);
    ck_assert_shape(c, ND_INT8, 2, 0, 6);
    nd_free(c);
    nd_free(a), nd_free(b), nd_free(bt), nd_free(b3), nd_free(a_rev), nd_free(flat), nd_free(empty);
}
END_TEST

START_TEST(tensordot_cases)
{
    nd_array *a = ramp(ND_INT32, 3, SHAPE(3, 4, 5), 11, 5),
             *b = ramp(ND_INT32, 3, SHAPE(4, 3, 2), 8, 3);
    nd_array *c = nd_tensordot(a, b, 2, AXES(1, 0), AXES(0, 1));
    ck_assert_shape(c, ND_INT32, 2, 5, 2);
    for (int64_t i = 0; i < 5; i++)
        for (int64_t j = 0; j < 2; j++) {
            double sum = 0;
            for (int64_t p = 0; p < 3; p++)
                for (int64_t q = 0; q < 4; q++)
                    sum += get(a, (int64_t[]){p, q, i}) * get(b, (int64_t[]){q, p, j});
            ck_assert_double_eq(get(c, (int64_t[]){i, j}), sum);
        }
    nd_free(c);
    c = nd_tensordot(a, b, 0, NULL, NULL); /* outer product */
    ck_assert_shape(c, ND_INT32, 6, 3, 4, 5, 4, 3, 2);
    nd_free(c);
    c = nd_tensordot(a, b, 1, AXES(-2), AXES(-3));
    ck_assert_shape(c, ND_INT32, 4, 3, 5, 3, 2);
    nd_free(c);
    ck_assert_ptr_null(nd_tensordot(a, b, 1, AXES(3), AXES(0)));
    ck_assert_error("tuple index out of range");
    ck_assert_int_eq(nd_last_status(), ND_ERR_INDEX);
    ck_assert_ptr_null(nd_tensordot(a, b, 1, AXES(2), AXES(0)));
    ck_assert_error("shape-mismatch for sum");
    ck_assert_ptr_null(nd_tensordot(a, a, 2, AXES(0, 0), AXES(0, 0)));
    ck_assert_error("axes don't match array");
    nd_free(a), nd_free(b);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("matmul");
    TCase *tc = tcase_create("matmul");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, matmul_small_values);
    tcase_add_test(tc, matmul_zero_size);
    tcase_add_test(tc, matmul_one_d_promotion);
    tcase_add_test(tc, matmul_batch_broadcast);
    tcase_add_test(tc, matmul_layouts);
    tcase_add_test(tc, matmul_integer_wraparound);
    tcase_add_test(tc, matmul_bool_and_mixed_dtypes);
    tcase_add_test(tc, matmul_errors);
    tcase_add_test(tc, matmul_out_cases);
    tcase_add_test(tc, matmul_large_against_naive);
    tcase_add_test(tc, matmul_float32_across_kernel_blocks);
    tcase_add_test(tc, matmul_float32_matrix_vector);
    suite_add_tcase(s, tc);

    tc = tcase_create("dot family");
    tcase_add_test(tc, dot_cases);
    tcase_add_test(tc, inner_vdot_outer);
    tcase_add_test(tc, tensordot_cases);
    suite_add_tcase(s, tc);
    return s;
}
