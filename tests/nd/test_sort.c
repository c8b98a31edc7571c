/* Sorting and searching: sort, argsort (stable), partition, top-k, unique,
 * searchsorted. Orders are NumPy 1.24's (kind='stable'; NaN last; -0.0 ==
 * 0.0); top-k is torch.topk's. The random cases are in indexing_vs_numpy.py. */
#include <math.h>
#include <stdlib.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }

static nd_array *doubles(nd_dtype dt, int64_t n, const double *values)
{
    nd_array *a = nd_empty(dt, 1, &n);
    for (int64_t i = 0; i < n; i++)
        ck_assert_int_eq(nd_set(a, &i, values[i]), 0);
    return a;
}
#define VALUES(dt, ...)                                                   \
    doubles((dt), sizeof((const double[]){__VA_ARGS__}) / sizeof(double), \
            (const double[]){__VA_ARGS__})

static const nd_dtype all_dtypes[] = {ND_BOOL,     ND_INT8,    ND_INT16,  ND_INT32,  ND_INT64,
                                      ND_UINT8,    ND_UINT16,  ND_UINT32, ND_UINT64, ND_FLOAT16,
                                      ND_BFLOAT16, ND_FLOAT32, ND_FLOAT64};

/* ---- sort, argsort -------------------------------------------------------------- */

START_TEST(sort_every_dtype)
{
    for (size_t k = 0; k < sizeof all_dtypes / sizeof *all_dtypes; k++) {
        nd_dtype dt = all_dtypes[k];
        nd_array *a = dt == ND_BOOL ? VALUES(dt, 1, 0, 1, 0) : VALUES(dt, 3, 0, 2, 1);
        nd_array *r = nd_sort(a, 0);
        ck_assert_int_eq(nd_dtype_of(r), dt);
        if (dt == ND_BOOL)
            ck_assert_values(r, 0, 0, 1, 1);
        else
            ck_assert_values(r, 0, 1, 2, 3);
        nd_free(r);
        r = nd_argsort(a, -1);
        ck_assert_int_eq(nd_dtype_of(r), ND_INT64);
        if (dt == ND_BOOL)
            ck_assert_values(r, 1, 3, 0, 2); /* ties in index order */
        else
            ck_assert_values(r, 1, 3, 2, 0);
        nd_free(r);
        nd_free(a);
    }
}
END_TEST

START_TEST(sort_signed_and_extremes)
{
    nd_array *a = VALUES(ND_INT64, 5, -9223372036854775807.0, 0, -1, 9.2e18);
    nd_array *r = nd_sort(a, 0);
    ck_assert_values(r, -9223372036854775807.0, -1, 0, 5, 9.2e18);
    nd_free(r);
    nd_free(a);
    nd_array *b = VALUES(ND_INT8, 127, -128, -1, 0, 1);
    r = nd_sort(b, 0);
    ck_assert_values(r, -128, -1, 0, 1, 127);
    nd_free(r);
    nd_free(b);
}
END_TEST

START_TEST(sort_nan_and_signed_zero)
{
    /* NaN last in original order; -0.0 and 0.0 equal, so stable keeps them */
    nd_array *a = VALUES(ND_FLOAT64, NAN, 1, -0.0, -INFINITY, 0.0, NAN, -2, INFINITY);
    nd_array *r = nd_argsort(a, 0);
    ck_assert_values(r, 3, 6, 2, 4, 1, 7, 0, 5);
    nd_free(r);
    r = nd_sort(a, 0);
    double v;
    ck_assert_int_eq(nd_get(r, (const int64_t[]){2}, &v), 0);
    ck_assert(v == 0 && signbit(v)); /* the -0.0 came first */
    nd_free(r);
    nd_free(a);
    /* float16 and bfloat16 by value */
    nd_array *h = VALUES(ND_FLOAT16, NAN, -65504, 0.5, -0.0009765625);
    r = nd_argsort(h, 0);
    ck_assert_values(r, 1, 3, 2, 0);
    nd_free(r);
    nd_free(h);
    nd_array *bf = VALUES(ND_BFLOAT16, 3e38, -1, NAN, 1e-30);
    r = nd_argsort(bf, 0);
    ck_assert_values(r, 1, 3, 0, 2);
    nd_free(r);
    nd_free(bf);
}
END_TEST

START_TEST(argsort_stable_long)
{
    /* long enough for the radix path: keys i % 3 */
    int64_t n = 300;
    nd_array *a = nd_empty(ND_INT32, 1, &n);
    for (int64_t i = 0; i < n; i++)
        ck_assert_int_eq(nd_set(a, &i, (double)(i % 3)), 0);
    nd_array *r = nd_argsort(a, 0);
    for (int64_t j = 0; j < n; j++) {
        int64_t got;
        ck_assert_int_eq(nd_get_int64(r, &j, &got), 0);
        int64_t group = j / 100, within = j % 100;
        ck_assert_int_eq(got, 3 * within + group); /* stable within each value */
    }
    nd_free(r);
    nd_free(a);
}
END_TEST

START_TEST(sort_axes_views_and_edges)
{
    nd_array *flat = VALUES(ND_FLOAT32, 3, 1, 2, 6, 5, 4);
    nd_array *m = nd_reshape(flat, 2, SHAPE(2, 3));
    nd_array *r = nd_sort(m, 0);
    ck_assert_values(r, 3, 1, 2, 6, 5, 4);
    nd_free(r);
    nd_array *rev = nd_slice(m, 1, ND_NONE, ND_NONE, -1); /* [[2 1 3] [4 5 6]] */
    r = nd_argsort(rev, 1);
    ck_assert_values(r, 1, 0, 2, 0, 1, 2);
    nd_free(r);
    nd_array *t = nd_transpose(m, NULL);
    r = nd_sort(t, 1);
    ck_assert_shape(r, ND_FLOAT32, 2, 3, 2);
    ck_assert_values(r, 3, 6, 1, 5, 2, 4);
    nd_free(r);
    ck_assert_ptr_null(nd_sort(m, 2));
    ck_assert_error("axis 2 is out of bounds for array of dimension 2");
    nd_free(t);
    nd_free(rev);
    nd_free(m);
    nd_free(flat);
    /* empty and 0-d */
    nd_array *e = nd_zeros(ND_INT8, 2, SHAPE(0, 3));
    r = nd_sort(e, 1);
    ck_assert_shape(r, ND_INT8, 2, 0, 3);
    nd_free(r);
    nd_free(e);
    nd_array *s = nd_full(ND_INT8, 0, NULL, 4);
    ck_assert_ptr_null(nd_sort(s, -1));
    ck_assert_error("axis -1 is out of bounds for array of dimension 0");
    r = nd_argsort(s, -1); /* NumPy: a 0-d argsort gives [0] */
    ck_assert_shape(r, ND_INT64, 1, 1);
    ck_assert_values(r, 0);
    nd_free(r);
    nd_free(s);
}
END_TEST

/* ---- partition ------------------------------------------------------------------ */

START_TEST(partition_property)
{
    int64_t n = 101;
    nd_array *a = nd_empty(ND_FLOAT64, 1, &n);
    for (int64_t i = 0; i < n; i++) /* a permutation of 0..100, with a NaN */
        ck_assert_int_eq(nd_set(a, &i, i == 50 ? NAN : (double)((i * 37) % 101)), 0);
    int64_t kth[] = {-2, 10};
    nd_array *p = nd_partition(a, 2, kth, 0);
    nd_array *ip = nd_argpartition(a, 2, kth, 0);
    double v, x;
    ck_assert_int_eq(nd_get(p, (const int64_t[]){10}, &v), 0);
    ck_assert(v == 10 || v == 11);
    for (int64_t i = 0; i < n; i++) {
        ck_assert_int_eq(nd_get(p, &i, &x), 0);
        if (i < 10)
            ck_assert(x <= v);
        else if (i > 10 && i < 99)
            ck_assert(x >= v);
        int64_t at;
        ck_assert_int_eq(nd_get_int64(ip, &i, &at), 0);
        double y;
        ck_assert_int_eq(nd_get(a, &at, &y), 0);
        if (i == 99) { /* kth -2: the largest number (NaN sorts after it) */
            ck_assert(x == 100 && y == 100);
        }
    }
    ck_assert_int_eq(nd_get(p, (const int64_t[]){100}, &x), 0);
    ck_assert(isnan(x));
    nd_free(ip);
    nd_free(p);
    ck_assert_ptr_null(nd_partition(a, 1, (const int64_t[]){101}, 0));
    ck_assert_error("kth(=101) out of bounds (101)");
    ck_assert_ptr_null(nd_partition(a, 1, (const int64_t[]){-102}, 0));
    ck_assert_error("kth(=-1) out of bounds (101)");
    nd_free(a);
    /* many ties: the three-way split */
    nd_array *z = nd_zeros(ND_INT16, 1, SHAPE(1000));
    ck_assert_int_eq(nd_set(z, (const int64_t[]){500}, -1), 0);
    p = nd_partition(z, 1, (const int64_t[]){0}, 0);
    ck_assert_int_eq(nd_get(p, (const int64_t[]){0}, &v), 0);
    ck_assert(v == -1);
    nd_free(p);
    nd_free(z);
    nd_array *e = nd_zeros(ND_INT16, 2, SHAPE(3, 0));
    p = nd_partition(e, 1, (const int64_t[]){5}, -1); /* empty: no kth check */
    ck_assert_shape(p, ND_INT16, 2, 3, 0);
    nd_free(p);
    nd_free(e);
}
END_TEST

/* ---- top-k ---------------------------------------------------------------------- */

START_TEST(topk_order_and_ties)
{
    nd_array *a = VALUES(ND_FLOAT32, 1, 3, NAN, 3, -1, 1);
    nd_array *v, *i;
    ck_assert_int_eq(nd_topk(a, 3, 0, true, &v, &i), 0);
    ck_assert_values(i, 2, 1, 3); /* NaN largest; ties by lower index */
    ck_assert_int_eq(nd_dtype_of(v), ND_FLOAT32);
    nd_free(v);
    nd_free(i);
    ck_assert_int_eq(nd_topk(a, 4, -1, false, &v, &i), 0);
    ck_assert_values(v, -1, 1, 1, 3);
    ck_assert_values(i, 4, 0, 5, 1);
    nd_free(v);
    nd_free(i);
    ck_assert_int_eq(nd_topk(a, 0, 0, true, &v, &i), 0);
    ck_assert_shape(v, ND_FLOAT32, 1, 0);
    nd_free(v);
    nd_free(i);
    v = i = NULL;
    ck_assert_int_eq(nd_topk(a, 7, 0, true, &v, &i), ND_ERR_INDEX);
    ck_assert_error("selected index k out of range");
    ck_assert_ptr_null(v);
    nd_free(a);
    /* along axis 0 of a matrix */
    nd_array *flat = VALUES(ND_UINT16, 1, 9, 5, 7, 2, 5);
    nd_array *m = nd_reshape(flat, 2, SHAPE(3, 2));
    ck_assert_int_eq(nd_topk(m, 2, 0, true, &v, &i), 0);
    ck_assert_shape(v, ND_UINT16, 2, 2, 2);
    ck_assert_values(v, 5, 9, 2, 7);
    ck_assert_values(i, 1, 0, 2, 1);
    nd_free(v);
    nd_free(i);
    nd_free(m);
    nd_free(flat);
}
END_TEST

/* ---- unique --------------------------------------------------------------------- */

START_TEST(unique_nan_collapses)
{
    nd_array *a = VALUES(ND_FLOAT64, NAN, 1, NAN, -0.0, 0.0, 1);
    nd_array *v, *c, *inv;
    ck_assert_int_eq(nd_unique(a, &v, &c, &inv), 0);
    ck_assert_values(v, 0, 1, NAN);
    ck_assert_values(c, 2, 2, 2);
    ck_assert_values(inv, 2, 1, 2, 0, 0, 1);
    nd_free(v);
    nd_free(c);
    nd_free(inv);
    nd_free(a);
    nd_array *flat = VALUES(ND_INT8, 3, -1, 3, 3);
    nd_array *m = nd_reshape(flat, 2, SHAPE(2, 2));
    nd_array *t = nd_transpose(m, NULL); /* flattened in C order of the view */
    ck_assert_int_eq(nd_unique(t, &v, NULL, &inv), 0);
    ck_assert_values(v, -1, 3);
    ck_assert_values(inv, 1, 1, 0, 1);
    nd_free(v);
    nd_free(inv);
    nd_free(t);
    nd_free(m);
    nd_free(flat);
    nd_array *e = nd_zeros(ND_UINT32, 2, SHAPE(0, 4));
    ck_assert_int_eq(nd_unique(e, &v, &c, NULL), 0);
    ck_assert_shape(v, ND_UINT32, 1, 0);
    ck_assert_shape(c, ND_INT64, 1, 0);
    nd_free(v);
    nd_free(c);
    nd_free(e);
    nd_array *s = nd_full(ND_BOOL, 0, NULL, 1);
    ck_assert_int_eq(nd_unique(s, &v, NULL, NULL), 0);
    ck_assert_shape(v, ND_BOOL, 1, 1);
    nd_free(v);
    nd_free(s);
}
END_TEST

/* ---- searchsorted --------------------------------------------------------------- */

START_TEST(searchsorted_sides_and_dtypes)
{
    nd_array *a = VALUES(ND_INT32, 1, 2, 2, 3);
    nd_array *v = VALUES(ND_FLOAT64, 2, 2.5, 0, 9, NAN);
    nd_array *r = nd_searchsorted(a, v, ND_SIDE_LEFT);
    ck_assert_shape(r, ND_INT64, 1, 5);
    ck_assert_values(r, 1, 3, 0, 4, 4);
    nd_free(r);
    r = nd_searchsorted(a, v, ND_SIDE_RIGHT);
    ck_assert_values(r, 3, 3, 0, 4, 4);
    nd_free(r);
    nd_array *s = nd_full(ND_INT8, 0, NULL, 2);
    r = nd_searchsorted(a, s, ND_SIDE_RIGHT);
    ck_assert_shape(r, ND_INT64, 0);
    ck_assert_values(r, 3);
    nd_free(r);
    /* NaN in a is last; -0.0 equals 0.0 */
    nd_array *f = VALUES(ND_FLOAT16, -0.0, 1, NAN);
    nd_array *q = VALUES(ND_FLOAT32, 0.0, NAN);
    r = nd_searchsorted(f, q, ND_SIDE_LEFT);
    ck_assert_values(r, 0, 2);
    nd_free(r);
    nd_array *m = nd_zeros(ND_INT32, 2, SHAPE(1, 1));
    ck_assert_ptr_null(nd_searchsorted(m, v, ND_SIDE_LEFT));
    ck_assert_error("object too deep for desired array");
    ck_assert_ptr_null(nd_searchsorted(s, v, ND_SIDE_LEFT));
    ck_assert_error("object of too small depth for desired array");
    nd_free(m);
    nd_free(q);
    nd_free(f);
    nd_free(s);
    nd_free(v);
    nd_free(a);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("sort");
    TCase *tc = tcase_create("sort");
    tcase_add_test(tc, sort_every_dtype);
    tcase_add_test(tc, sort_signed_and_extremes);
    tcase_add_test(tc, sort_nan_and_signed_zero);
    tcase_add_test(tc, argsort_stable_long);
    tcase_add_test(tc, sort_axes_views_and_edges);
    suite_add_tcase(s, tc);
    tc = tcase_create("select");
    tcase_add_test(tc, partition_property);
    tcase_add_test(tc, topk_order_and_ties);
    suite_add_tcase(s, tc);
    tc = tcase_create("unique_search");
    tcase_add_test(tc, unique_nan_collapses);
    tcase_add_test(tc, searchsorted_sides_and_dtypes);
    suite_add_tcase(s, tc);
    return s;
}
