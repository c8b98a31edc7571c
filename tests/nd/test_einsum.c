/* einsum: the lowering to matmul (values against naive sums), diagonals,
 * sums, ellipsis, implicit output, broadcasting of size-1 axes, 0-d and
 * 0-size operands, dtypes (int wrap, bool or-of-ands, float16 via float32),
 * and NumPy 1.24's messages for bad subscripts. */
#include <math.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }
#define OPS(...) \
    (const nd_array *const[]) { __VA_ARGS__ }

/* Small integers (i*5 + 2) % mod - shift in C order, as dtype dt. */
static nd_array *ramp(nd_dtype dt, int ndim, const int64_t *shape, int mod, int shift)
{
    double values[256];
    int64_t n = 1;
    for (int d = 0; d < ndim; d++)
        n *= shape[d];
    ck_assert_int_le(n, 256);
    for (int64_t i = 0; i < n; i++)
        values[i] = (double)((i * 5 + 2) % mod - shift);
    nd_array *f64 = nd_from_data(ND_FLOAT64, ndim, shape, values);
    nd_array *a = nd_astype(f64, dt);
    nd_free(f64);
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

/* Asserts that x and y hold the same values (any dtypes and strides). */
static void assert_same(const nd_array *x, const nd_array *y)
{
    ck_assert_int_eq(nd_ndim(x), nd_ndim(y));
    for (int d = 0; d < nd_ndim(x); d++)
        ck_assert_int_eq(nd_shape(x)[d], nd_shape(y)[d]);
    nd_array *fx = nd_reshape(x, 1, SHAPE(-1)), *fy = nd_reshape(y, 1, SHAPE(-1));
    for (int64_t i = 0; i < nd_size(x); i++)
        ck_assert_double_eq(get(fx, &i), get(fy, &i));
    nd_free(fx), nd_free(fy);
}

static nd_array *einsum2(const char *s, const nd_array *a, const nd_array *b)
{
    nd_array *r = nd_einsum(s, 2, OPS(a, b));
    ck_assert_msg(r != NULL, "%s: %s", s, nd_last_error());
    return r;
}

static nd_array *einsum1(const char *s, const nd_array *a)
{
    nd_array *r = nd_einsum(s, 1, OPS(a));
    ck_assert_msg(r != NULL, "%s: %s", s, nd_last_error());
    return r;
}

START_TEST(einsum_products_match_matmul)
{
    nd_array *a = ramp(ND_FLOAT64, 2, SHAPE(3, 4), 7, 3),
             *b = ramp(ND_FLOAT64, 2, SHAPE(4, 5), 9, 4);
    nd_array *want = nd_matmul(a, b);
    nd_array *got = einsum2("ij,jk->ik", a, b);
    assert_same(got, want);
    nd_free(got);
    got = einsum2("ij,jk", a, b); /* implicit output: i, k */
    assert_same(got, want);
    nd_free(got);
    got = einsum2("ij,jk->ki", a, b);
    nd_array *want_t = nd_transpose(want, NULL);
    assert_same(got, want_t);
    nd_free(got), nd_free(want_t), nd_free(want);

    /* attention scores: q @ k^T per (batch, head) */
    nd_array *q = ramp(ND_FLOAT32, 4, SHAPE(2, 3, 5, 4), 11, 5);
    nd_array *k = ramp(ND_FLOAT32, 4, SHAPE(2, 3, 6, 4), 13, 6);
    nd_array *kt = nd_swapaxes(k, 2, 3);
    want = nd_matmul(q, kt);
    got = einsum2("bhtd,bhsd->bhts", q, k);
    assert_same(got, want);
    nd_free(got), nd_free(want);
    got = einsum2("...td,...sd->...ts", q, k); /* the same with an ellipsis */
    want = nd_matmul(q, kt);
    assert_same(got, want);
    nd_free(got), nd_free(want), nd_free(q), nd_free(k), nd_free(kt);

    /* a chain of three */
    nd_array *c = ramp(ND_FLOAT64, 2, SHAPE(5, 2), 6, 2);
    nd_array *ab = nd_matmul(a, b);
    want = nd_matmul(ab, c);
    got = nd_einsum("ij,jk,kl->il", 3, OPS(a, b, c));
    assert_same(got, want);
    nd_free(got), nd_free(want), nd_free(ab), nd_free(a), nd_free(b), nd_free(c);
}
END_TEST

START_TEST(einsum_diagonals_and_sums)
{
    nd_array *m = ramp(ND_INT32, 2, SHAPE(3, 3), 10, 0); /* 2 7 2 / 7 2 7 / 2 7 2 */
    nd_array *r = einsum1("ii->i", m);
    ck_assert_shape(r, ND_INT32, 1, 3);
    ck_assert_values(r, 2, 2, 2);
    ck_assert(!nd_may_share_memory(r, m)); /* always a new array */
    nd_free(r);
    r = einsum1("ii", m); /* trace */
    ck_assert_shape(r, ND_INT32, 0);
    ck_assert_values(r, 6);
    nd_free(r);
    r = einsum1("ij->", m);
    ck_assert_values(r, 38);
    nd_free(r);
    r = einsum1("ij->j", m);
    ck_assert_values(r, 11, 16, 11);
    nd_free(r);
    r = einsum1("ji", m); /* implicit: ASCII order i, j: a transpose */
    nd_array *mt = nd_transpose(m, NULL);
    assert_same(r, mt);
    nd_free(r), nd_free(mt);
    nd_array *v = nd_arange(ND_INT32, 1, 4, 1);
    r = einsum2("i,i->", v, v);
    ck_assert_shape(r, ND_INT32, 0);
    ck_assert_values(r, 14);
    nd_free(r);
    r = einsum2("ii,i->i", m, v);
    ck_assert_values(r, 2, 4, 6);
    nd_free(r);
    r = einsum2("i,j->ij", v, v);
    ck_assert_values(r, 1, 2, 3, 2, 4, 6, 3, 6, 9);
    nd_free(r);
    nd_array *t = ramp(ND_INT64, 3, SHAPE(3, 2, 3), 13, 6);
    r = einsum1("iji->j", t); /* sum over the diagonal of axes 0 and 2 */
    for (int64_t j = 0; j < 2; j++) {
        double sum = 0;
        for (int64_t i = 0; i < 3; i++)
            sum += get(t, (int64_t[]){i, j, i});
        ck_assert_double_eq(get(r, &j), sum);
    }
    nd_free(r), nd_free(t), nd_free(m), nd_free(v);
}
END_TEST

START_TEST(einsum_broadcast_zero_d_and_empty)
{
    nd_array *a = ramp(ND_FLOAT64, 2, SHAPE(2, 3), 7, 3),
             *col = ramp(ND_FLOAT64, 2, SHAPE(2, 1), 6, 2);
    nd_array *r = einsum2("ij,ij->ij", a, col); /* size 1 broadcasts */
    ck_assert_shape(r, ND_FLOAT64, 2, 2, 3);
    for (int64_t i = 0; i < 2; i++)
        for (int64_t j = 0; j < 3; j++)
            ck_assert_double_eq(get(r, (int64_t[]){i, j}),
                                get(a, (int64_t[]){i, j}) * get(col, (int64_t[]){i, 0}));
    nd_free(r);
    r = einsum2("ij,ik->ik", a, col); /* k has size 1 only: kept as size 1 */
    ck_assert_shape(r, ND_FLOAT64, 2, 2, 1);
    nd_free(r);
    nd_array *s = nd_full(ND_FLOAT64, 0, NULL, 2);
    r = einsum2("ij,->ji", a, s);
    ck_assert_shape(r, ND_FLOAT64, 2, 3, 2);
    ck_assert_double_eq(get(r, (int64_t[]){2, 1}), 2 * get(a, (int64_t[]){1, 2}));
    nd_free(r);
    r = nd_einsum("->", 1, OPS(s));
    ck_assert_shape(r, ND_FLOAT64, 0);
    ck_assert_values(r, 2);
    nd_free(r);
    nd_array *e = nd_ones(ND_FLOAT32, 2, SHAPE(2, 0)), *f = nd_ones(ND_FLOAT32, 2, SHAPE(0, 4));
    r = einsum2("ij,jk->ik", e, f);
    ck_assert_shape(r, ND_FLOAT32, 2, 2, 4);
    ck_assert_values(r, 0, 0, 0, 0, 0, 0, 0, 0);
    nd_free(r);
    r = einsum1("ij->j", e);
    ck_assert_shape(r, ND_FLOAT32, 1, 0);
    nd_free(r), nd_free(a), nd_free(col), nd_free(s), nd_free(e), nd_free(f);
}
END_TEST

START_TEST(einsum_dtypes)
{
    int8_t big[] = {100, 100};
    nd_array *a = nd_from_data(ND_INT8, 1, SHAPE(2), big), *three = nd_full(ND_INT8, 1, SHAPE(2), 3);
    nd_array *r = einsum2("i,i", a, three); /* 600 wraps to 88, as NumPy's int8 */
    ck_assert_shape(r, ND_INT8, 0);
    ck_assert_values(r, 88);
    nd_free(r);
    nd_array *u = nd_full(ND_UINT8, 1, SHAPE(2), 200);
    r = einsum2("i,i->i", a, u); /* int8, uint8 -> int16 */
    ck_assert_shape(r, ND_INT16, 1, 2);
    ck_assert_values(r, 20000, 20000);
    nd_free(r);
    uint8_t bits[] = {1, 0, 0, 0, 1, 0};
    nd_array *b = nd_from_data(ND_BOOL, 2, SHAPE(2, 3), bits);
    r = einsum1("ij->i", b); /* a bool sum is an or */
    ck_assert_shape(r, ND_BOOL, 1, 2);
    ck_assert_values(r, 1, 1);
    nd_free(r);
    r = einsum2("ij,ij->", b, b);
    ck_assert_shape(r, ND_BOOL, 0);
    ck_assert_values(r, 1);
    nd_free(r);
    nd_array *h = nd_full(ND_FLOAT16, 1, SHAPE(3), 0.1), *hb = nd_full(ND_BFLOAT16, 1, SHAPE(3), 2);
    r = einsum2("i,i->", h, h);
    ck_assert_shape(r, ND_FLOAT16, 0);
    float x = nd_half_to_float(nd_double_to_half(0.1));
    ck_assert_double_eq(get(r, NULL), (double)nd_half_to_float(nd_float_to_half(3 * x * x)));
    nd_free(r);
    r = einsum2("i,i->i", h, hb); /* float16, bfloat16 -> float32 */
    ck_assert_shape(r, ND_FLOAT32, 1, 3);
    nd_free(r);
    nd_free(a), nd_free(three), nd_free(u), nd_free(b), nd_free(h), nd_free(hb);
}
END_TEST

static void assert_einsum_error(const char *subscripts, int n, const nd_array *const *ops,
                                const char *message)
{
    nd_array *r = nd_einsum(subscripts, n, ops);
    ck_assert_msg(r == NULL, "%s succeeded", subscripts);
    ck_assert_str_eq(nd_last_error(), message);
    ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
}

START_TEST(einsum_errors)
{
    nd_array *a = nd_ones(ND_FLOAT64, 2, SHAPE(2, 3)), *b = nd_ones(ND_FLOAT64, 2, SHAPE(3, 4));
    nd_array *sq = nd_ones(ND_FLOAT64, 2, SHAPE(3, 3)), *a3 = nd_ones(ND_FLOAT64, 3, SHAPE(4, 2, 3));
    nd_array *v = nd_ones(ND_FLOAT64, 1, SHAPE(3));
    assert_einsum_error("ijk,jk->ik", 2, OPS(a, b),
                        "einstein sum subscripts string contains too many subscripts for operand 0");
    assert_einsum_error("i,jk->ik", 2, OPS(a, b),
                        "operand has more dimensions than subscripts given in einstein sum, but no "
                        "'...' ellipsis provided to broadcast the extra dimensions.");
    assert_einsum_error("ij,jk->ik", 1, OPS(a),
                        "more operands provided to einstein sum function "
                        "than specified in the subscripts string");
    assert_einsum_error("ij,jk->ik", 3, OPS(a, b, a),
                        "fewer operands provided to einstein sum "
                        "function than specified in the subscripts string");
    assert_einsum_error("ij->ik", 1, OPS(a),
                        "einstein sum subscripts string included output "
                        "subscript 'k' which never appeared in an input");
    assert_einsum_error("ij->ii", 1, OPS(a),
                        "einstein sum subscripts string includes output "
                        "subscript 'i' multiple times");
    assert_einsum_error("i1->i", 1, OPS(a),
                        "invalid subscript '1' in einstein sum subscripts "
                        "string, subscripts must be letters");
    assert_einsum_error("..i->i", 1, OPS(a),
                        "einstein sum subscripts string contains a '.' that "
                        "is not part of an ellipsis ('...') in operand 0");
    assert_einsum_error("ij-k", 1, OPS(a),
                        "einstein sum subscript string does not contain "
                        "proper '->' output specified");
    assert_einsum_error("...ij->ij", 1, OPS(a3),
                        "output has more dimensions than subscripts "
                        "given in einstein sum, but no '...' ellipsis provided to broadcast the "
                        "extra dimensions.");
    assert_einsum_error("ii->i", 1, OPS(a),
                        "dimensions in single operand for collapsing index "
                        "'i' don't match (2 != 3)");
    assert_einsum_error("ii,i->i", 2, OPS(a, v),
                        "dimensions in operand 0 for collapsing index "
                        "'i' don't match (2 != 3)");
    assert_einsum_error("ij,jk->ik", 2, OPS(a, a),
                        "operands could not be broadcast together "
                        "with remapped shapes [original->remapped]: (2,3)->(2,newaxis,3) "
                        "(2,3)->(3,2) ");
    assert_einsum_error("ij,jk,kl->il", 3, OPS(a, sq, a),
                        "operands could not be broadcast "
                        "together with remapped shapes [original->remapped]: "
                        "(2,3)->(2,newaxis,3,newaxis) (3,3)->(3,3) (2,3)->(3,newaxis,2) ");
    assert_einsum_error("i", 0, NULL, "not enough operands provided to einstein sum function");
    nd_free(a), nd_free(b), nd_free(sq), nd_free(a3), nd_free(v);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("einsum");
    TCase *tc = tcase_create("einsum");
    tcase_add_test(tc, einsum_products_match_matmul);
    tcase_add_test(tc, einsum_diagonals_and_sums);
    tcase_add_test(tc, einsum_broadcast_zero_d_and_empty);
    tcase_add_test(tc, einsum_dtypes);
    tcase_add_test(tc, einsum_errors);
    suite_add_tcase(s, tc);
    return s;
}
