/* Indexing: take, take_along_axis, put, put_along_axis, add.at, boolean
 * masks, nonzero, argwhere, bincount, one_hot. Values and messages are
 * NumPy 1.24's (torch's for one_hot); the random cases live in
 * indexing_vs_numpy.py. */
#include <math.h>
#include <stdlib.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }

static nd_array *arange_shaped(nd_dtype dt, int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i];
    nd_array *flat = nd_arange(dt, 0, (double)n, 1);
    nd_array *a = nd_reshape(flat, ndim, shape);
    ck_assert_ptr_nonnull(a);
    nd_free(flat);
    return a;
}

static nd_array *ints(nd_dtype dt, int64_t n, const int64_t *values)
{
    nd_array *a = nd_empty(dt, 1, &n);
    for (int64_t i = 0; i < n; i++)
        ck_assert_int_eq(nd_set_int64(a, &i, values[i]), 0);
    return a;
}
#define INTS(dt, ...)                                                    \
    ints((dt), sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t), \
         (const int64_t[]){__VA_ARGS__})

/* ---- take -------------------------------------------------------------------- */

START_TEST(take_axes_and_wrapping)
{
    nd_array *m = arange_shaped(ND_INT32, 2, SHAPE(3, 4));
    nd_array *idx = INTS(ND_UINT8, 2, 0, 2);
    nd_array *r = nd_take(m, idx, 0);
    ck_assert_shape(r, ND_INT32, 2, 3, 4);
    ck_assert_values(r, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11);
    nd_free(r);
    nd_array *neg = INTS(ND_INT8, -1, -4);
    nd_array *neg2 = nd_reshape(neg, 2, SHAPE(2, 1));
    r = nd_take(m, neg2, 1); /* shape (3,) + (2, 1) */
    ck_assert_shape(r, ND_INT32, 3, 3, 2, 1);
    ck_assert_values(r, 3, 0, 7, 4, 11, 8);
    nd_free(r);
    r = nd_take_flat(m, neg);
    ck_assert_values(r, 11, 8);
    nd_free(r);
    /* a transposed view */
    nd_array *t = nd_transpose(m, NULL);
    r = nd_take(t, idx, 1);
    ck_assert_values(r, 8, 0, 8, 9, 1, 9, 10, 2, 10, 11, 3, 11);
    nd_free(r);
    nd_free(t);
    nd_free(neg2);
    nd_free(neg);
    nd_free(idx);
    nd_free(m);
}
END_TEST

START_TEST(take_errors_and_edges)
{
    nd_array *v = arange_shaped(ND_FLOAT64, 1, SHAPE(3));
    nd_array *five = INTS(ND_INT64, 5);
    ck_assert_ptr_null(nd_take(v, five, 0));
    ck_assert_error("index 5 is out of bounds for axis 0 with size 3");
    ck_assert_int_eq(nd_last_status(), ND_ERR_INDEX);
    nd_array *fidx = nd_full(ND_FLOAT32, 1, SHAPE(1), 1);
    ck_assert_ptr_null(nd_take(v, fidx, 0));
    ck_assert_error("Cannot cast array data from dtype('float32') to dtype('int64') according "
                    "to the rule 'safe'");
    ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
    nd_array *u64 = INTS(ND_UINT64, 1);
    ck_assert_ptr_null(nd_take(v, u64, 0));
    ck_assert_error("Cannot cast array data from dtype('uint64') to dtype('int64') according "
                    "to the rule 'safe'");
    nd_array *bools = INTS(ND_BOOL, 1, 0); /* bool indices read as 1 and 0 */
    nd_array *r = nd_take(v, bools, 0);
    ck_assert_values(r, 1, 0);
    nd_free(r);
    nd_array *empty = nd_zeros(ND_FLOAT64, 2, SHAPE(0, 3));
    nd_array *zero = INTS(ND_INT64, 0);
    ck_assert_ptr_null(nd_take(empty, zero, 0));
    ck_assert_error("cannot do a non-empty take from an empty axes.");
    r = nd_take(empty, five, 1); /* no outer positions: nothing is checked */
    ck_assert_shape(r, ND_FLOAT64, 2, 0, 1);
    nd_free(r);
    /* 0-d array and 0-d index */
    nd_array *s = nd_full(ND_INT16, 0, NULL, 7);
    nd_array *s0 = nd_zeros(ND_INT64, 0, NULL);
    r = nd_take(s, s0, 0);
    ck_assert_shape(r, ND_INT16, 0);
    ck_assert_values(r, 7);
    nd_free(r);
    nd_free(s);
    nd_free(s0);
    nd_free(zero);
    nd_free(empty);
    nd_free(bools);
    nd_free(u64);
    nd_free(fidx);
    nd_free(five);
    nd_free(v);
}
END_TEST

/* ---- along axis ----------------------------------------------------------------- */

START_TEST(along_axis_take_and_put)
{
    nd_array *m = arange_shaped(ND_FLOAT32, 2, SHAPE(2, 3));
    nd_array *flat = INTS(ND_INT64, 2, 0, -1, 1);
    nd_array *idx = nd_reshape(flat, 2, SHAPE(2, 2));
    nd_array *r = nd_take_along_axis(m, idx, 1);
    ck_assert_values(r, 2, 0, 5, 4);
    nd_free(r);
    /* indices (1, 2) broadcast over axis 0 */
    nd_array *row = nd_reshape(flat, 2, SHAPE(1, 4));
    r = nd_take_along_axis(m, row, 1);
    ck_assert_shape(r, ND_FLOAT32, 2, 2, 4);
    ck_assert_values(r, 2, 0, 2, 1, 5, 3, 5, 4);
    nd_free(r);
    nd_array *seven = nd_full(ND_FLOAT64, 0, NULL, 7.5);
    ck_assert_int_eq(nd_put_along_axis(m, idx, seven, 1), 0);
    ck_assert_values(m, 7.5, 1, 7.5, 3, 7.5, 7.5);
    /* errors */
    nd_array *fl = nd_full(ND_FLOAT64, 2, SHAPE(1, 1), 0);
    ck_assert_ptr_null(nd_take_along_axis(m, fl, 0));
    ck_assert_error("`indices` must be an integer array");
    ck_assert_ptr_null(nd_take_along_axis(m, flat, 0));
    ck_assert_error("`indices` and `arr` must have the same number of dimensions");
    nd_array *bad = nd_zeros(ND_INT64, 2, SHAPE(3, 2));
    ck_assert_ptr_null(nd_take_along_axis(m, bad, 0));
    ck_assert_error("shape mismatch: indexing arrays could not be broadcast together with "
                    "shapes (3,2) (1,3) ");
    nd_array *big = nd_full(ND_INT64, 2, SHAPE(1, 1), 5);
    ck_assert_ptr_null(nd_take_along_axis(m, big, 1));
    ck_assert_error("index 5 is out of bounds for axis 1 with size 3");
    nd_array *three = nd_zeros(ND_FLOAT32, 1, SHAPE(3));
    ck_assert_int_lt(nd_put_along_axis(m, idx, three, 1), 0);
    ck_assert_error("shape mismatch: value array of shape (3,) could not be broadcast to "
                    "indexing result of shape (2,2)");
    nd_free(three);
    nd_free(big);
    nd_free(bad);
    nd_free(fl);
    nd_free(seven);
    nd_free(row);
    nd_free(idx);
    nd_free(flat);
    nd_free(m);
}
END_TEST

/* ---- put ------------------------------------------------------------------------- */

START_TEST(put_cycles_values)
{
    nd_array *a = arange_shaped(ND_INT64, 2, SHAPE(2, 3));
    nd_array *t = nd_transpose(a, NULL); /* put indexes the view in C order */
    nd_array *idx = INTS(ND_INT32, 0, 1, -1, 3);
    nd_array *vals = nd_full(ND_FLOAT64, 1, SHAPE(2), 9.7);
    ck_assert_int_eq(nd_set(vals, (const int64_t[]){1}, -2), 0);
    ck_assert_int_eq(nd_put(t, idx, vals), 0);
    /* t.flat is a[0,0] a[1,0] a[0,1] a[1,1] a[0,2] a[1,2]: positions 0, 1,
     * 5, 3 get 9, -2, 9, -2 */
    ck_assert_values(a, 9, 1, 2, -2, -2, 9);
    nd_array *none = nd_zeros(ND_FLOAT64, 1, SHAPE(0));
    nd_array *far = INTS(ND_INT64, 99);
    ck_assert_int_eq(nd_put(t, far, none), 0); /* empty values: nothing, no check */
    ck_assert_int_lt(nd_put(t, far, vals), 0);
    ck_assert_error("index 99 is out of bounds for axis 0 with size 6");
    ck_assert_values(a, 9, 1, 2, -2, -2, 9);
    nd_array *ro = nd_broadcast_to(a, 2, SHAPE(2, 3));
    ck_assert_int_lt(nd_put(ro, idx, vals), 0);
    ck_assert_error("assignment destination is read-only");
    nd_free(ro);
    nd_free(far);
    nd_free(none);
    nd_free(vals);
    nd_free(idx);
    nd_free(t);
    nd_free(a);
}
END_TEST

/* ---- add.at ------------------------------------------------------------------------ */

START_TEST(add_at_duplicates_accumulate)
{
    nd_array *table = nd_zeros(ND_FLOAT32, 2, SHAPE(3, 2));
    nd_array *flat = INTS(ND_INT64, 0, 2, 0, -3);
    nd_array *idx = nd_reshape(flat, 2, SHAPE(2, 2));
    nd_array *grads = arange_shaped(ND_FLOAT32, 3, SHAPE(2, 2, 2));
    ck_assert_int_eq(nd_add_at(table, idx, grads), 0);
    /* row 0 gets rows 0, 2, 3 of grads: (0+4+6, 1+5+7); row 2 gets (2, 3) */
    ck_assert_values(table, 10, 13, 0, 0, 2, 3);
    /* broadcast values: a 0-d and a row */
    nd_array *one = nd_full(ND_FLOAT64, 0, NULL, 1);
    ck_assert_int_eq(nd_add_at(table, flat, one), 0);
    ck_assert_values(table, 13, 16, 0, 0, 3, 4);
    /* strided target: a transposed view's rows */
    nd_array *base = nd_zeros(ND_FLOAT32, 2, SHAPE(2, 3));
    nd_array *t = nd_transpose(base, NULL); /* (3, 2) */
    ck_assert_int_eq(nd_add_at(t, flat, one), 0);
    ck_assert_values(base, 3, 0, 1, 3, 0, 1);
    /* errors leave the array unchanged */
    nd_array *oob = INTS(ND_INT64, 1, 7);
    ck_assert_int_lt(nd_add_at(table, oob, one), 0);
    ck_assert_error("index 7 is out of bounds for axis 0 with size 3");
    ck_assert_values(table, 13, 16, 0, 0, 3, 4);
    nd_array *fidx = nd_full(ND_FLOAT64, 1, SHAPE(1), 0);
    ck_assert_int_lt(nd_add_at(table, fidx, one), 0);
    ck_assert_error("arrays used as indices must be of integer (or boolean) type");
    ck_assert_int_eq(nd_last_status(), ND_ERR_INDEX);
    nd_array *three = nd_ones(ND_FLOAT32, 1, SHAPE(3));
    ck_assert_int_lt(nd_add_at(table, flat, three), 0);
    ck_assert_error("array is not broadcastable to correct shape");
    nd_free(three);
    nd_free(fidx);
    nd_free(oob);
    nd_free(t);
    nd_free(base);
    nd_free(one);
    nd_free(grads);
    nd_free(idx);
    nd_free(flat);
    nd_free(table);
}
END_TEST

START_TEST(add_at_dtypes)
{
    /* integers wrap */
    nd_array *u8 = nd_full(ND_UINT8, 1, SHAPE(2), 250);
    nd_array *idx = INTS(ND_INT64, 0, 0, 1);
    nd_array *ten = nd_full(ND_UINT8, 1, SHAPE(3), 10);
    ck_assert_int_eq(nd_add_at(u8, idx, ten), 0);
    ck_assert_values(u8, 14, 4);
    nd_array *i8 = nd_full(ND_INT8, 1, SHAPE(2), 127);
    ck_assert_int_eq(nd_add_at(i8, idx, ten), 0);
    ck_assert_values(i8, -109, -119);
    /* bool + bool is or */
    nd_array *b = nd_zeros(ND_BOOL, 1, SHAPE(2));
    nd_array *t = nd_ones(ND_BOOL, 1, SHAPE(3));
    ck_assert_int_eq(nd_add_at(b, idx, t), 0);
    ck_assert_values(b, 1, 1);
    /* an int array plus float values: computed in float64, truncated back */
    nd_array *i32 = nd_zeros(ND_INT32, 1, SHAPE(2));
    nd_array *half = nd_full(ND_FLOAT64, 1, SHAPE(3), 1.5);
    ck_assert_int_eq(nd_add_at(i32, idx, half), 0);
    ck_assert_values(i32, 2, 1); /* row 0: 0 + 1.5 -> 1, then 1 + 1.5 -> 2 */
    nd_free(i32);
    /* float16: each add in float32, rounded to half: 2048 + 1 stays 2048 */
    nd_array *h = nd_full(ND_FLOAT16, 1, SHAPE(2), 2048);
    nd_array *ones = nd_ones(ND_FLOAT16, 1, SHAPE(3));
    ck_assert_int_eq(nd_add_at(h, idx, ones), 0);
    ck_assert_values(h, 2048, 2048);
    /* bfloat16 the same way: 256 + 1 stays 256 */
    nd_array *bf = nd_full(ND_BFLOAT16, 1, SHAPE(2), 256);
    ck_assert_int_eq(nd_add_at(bf, idx, ones), 0);
    ck_assert_values(bf, 256, 256);
    /* a bool mask over the rows */
    nd_array *m = arange_shaped(ND_INT64, 2, SHAPE(3, 2));
    nd_array *mask = INTS(ND_BOOL, 1, 0, 1);
    nd_array *hundred = nd_full(ND_INT64, 0, NULL, 100);
    ck_assert_int_eq(nd_add_at(m, mask, hundred), 0);
    ck_assert_values(m, 100, 101, 2, 3, 104, 105);
    nd_free(hundred);
    nd_free(mask);
    nd_free(m);
    nd_free(bf);
    nd_free(ones);
    nd_free(h);
    nd_free(half);
    nd_free(t);
    nd_free(b);
    nd_free(i8);
    nd_free(ten);
    nd_free(idx);
    nd_free(u8);
}
END_TEST

/* ---- masks ----------------------------------------------------------------------- */

START_TEST(mask_select_and_assign)
{
    nd_array *m = arange_shaped(ND_INT16, 2, SHAPE(2, 3));
    nd_array *rows = INTS(ND_BOOL, 0, 1);
    nd_array *r = nd_mask_select(m, rows);
    ck_assert_shape(r, ND_INT16, 2, 1, 3);
    ck_assert_values(r, 3, 4, 5);
    nd_free(r);
    nd_array *fflat = INTS(ND_BOOL, 1, 0, 1, 0, 0, 1);
    nd_array *full = nd_reshape(fflat, 2, SHAPE(2, 3));
    r = nd_mask_select(m, full);
    ck_assert_shape(r, ND_INT16, 1, 3);
    ck_assert_values(r, 0, 2, 5);
    nd_free(r);
    /* a reversed view, mask in its order */
    nd_array *rev = nd_slice(m, 1, ND_NONE, ND_NONE, -1);
    r = nd_mask_select(rev, full);
    ck_assert_values(r, 2, 0, 3);
    nd_free(r);
    nd_array *s = nd_full(ND_BOOL, 0, NULL, 1);
    r = nd_mask_select(m, s);
    ck_assert_shape(r, ND_INT16, 3, 1, 2, 3);
    nd_free(r);
    nd_array *wrong = INTS(ND_BOOL, 1, 0, 1);
    ck_assert_ptr_null(nd_mask_select(m, wrong));
    ck_assert_error("boolean index did not match indexed array along dimension 0; dimension "
                    "is 2 but corresponding boolean dimension is 3");

    nd_array *vals = INTS(ND_INT64, 7, 8, 9);
    ck_assert_int_eq(nd_mask_assign(rev, full, vals), 0); /* writes through the view */
    ck_assert_values(m, 8, 1, 7, 9, 4, 5);
    nd_array *two = INTS(ND_INT64, 1, 2);
    ck_assert_int_lt(nd_mask_assign(m, full, two), 0);
    ck_assert_error("NumPy boolean array indexing assignment cannot assign 2 input values to "
                    "the 3 output values where the mask is true");
    nd_array *col = nd_reshape(vals, 2, SHAPE(3, 1));
    ck_assert_int_lt(nd_mask_assign(m, full, col), 0);
    ck_assert_error("NumPy boolean array indexing assignment requires a 0 or 1-dimensional "
                    "input, input has 2 dimensions");
    ck_assert_int_lt(nd_mask_assign(m, rows, two), 0);
    ck_assert_error("shape mismatch: value array of shape (2,) could not be broadcast to "
                    "indexing result of shape (1,3)");
    ck_assert_int_eq(nd_mask_assign(m, rows, vals), 0); /* a row broadcast */
    ck_assert_values(m, 8, 1, 7, 7, 8, 9);
    nd_free(col);
    nd_free(two);
    nd_free(vals);
    nd_free(wrong);
    nd_free(s);
    nd_free(rev);
    nd_free(full);
    nd_free(fflat);
    nd_free(rows);
    nd_free(m);
}
END_TEST

/* ---- nonzero, argwhere ------------------------------------------------------------ */

START_TEST(nonzero_and_argwhere)
{
    nd_array *a = nd_zeros(ND_FLOAT32, 2, SHAPE(2, 3));
    ck_assert_int_eq(nd_set(a, (const int64_t[]){0, 2}, NAN), 0);
    ck_assert_int_eq(nd_set(a, (const int64_t[]){1, 0}, -0.0), 0); /* -0.0 is zero */
    ck_assert_int_eq(nd_set(a, (const int64_t[]){1, 1}, 2), 0);
    int count = 0;
    nd_array **nz = nd_nonzero(a, &count);
    ck_assert_int_eq(count, 2);
    ck_assert_values(nz[0], 0, 1);
    ck_assert_values(nz[1], 2, 1);
    nd_free_arrays(nz, count);
    nd_array *w = nd_argwhere(a);
    ck_assert_shape(w, ND_INT64, 2, 2, 2);
    ck_assert_values(w, 0, 2, 1, 1);
    nd_free(w);
    nd_free(a);
    nd_array *s = nd_full(ND_INT8, 0, NULL, 3);
    nz = nd_nonzero(s, &count);
    ck_assert_int_eq(count, 1);
    ck_assert_values(nz[0], 0);
    nd_free_arrays(nz, count);
    w = nd_argwhere(s);
    ck_assert_shape(w, ND_INT64, 2, 1, 0);
    nd_free(w);
    nd_free(s);
}
END_TEST

/* ---- bincount, one_hot --------------------------------------------------------------- */

START_TEST(bincount_counts_and_weights)
{
    nd_array *x = INTS(ND_UINT8, 1, 3, 1);
    nd_array *r = nd_bincount(x, NULL, 0);
    ck_assert_shape(r, ND_INT64, 1, 4);
    ck_assert_values(r, 0, 2, 0, 1);
    nd_free(r);
    r = nd_bincount(x, NULL, 6);
    ck_assert_shape(r, ND_INT64, 1, 6);
    nd_free(r);
    nd_array *w = nd_full(ND_FLOAT32, 1, SHAPE(3), 0.5);
    r = nd_bincount(x, w, 0);
    ck_assert_shape(r, ND_FLOAT64, 1, 4);
    ck_assert_values(r, 0, 1, 0, 0.5);
    nd_free(r);
    nd_array *neg = INTS(ND_INT32, 1, -1);
    ck_assert_ptr_null(nd_bincount(neg, NULL, 0));
    ck_assert_error("'list' argument must have no negative elements");
    ck_assert_ptr_null(nd_bincount(x, NULL, -1));
    ck_assert_error("'minlength' must not be negative");
    ck_assert_ptr_null(nd_bincount(neg, w, 0));
    ck_assert_error("'list' argument must have no negative elements");
    nd_array *two = INTS(ND_INT64, 1, 2);
    ck_assert_ptr_null(nd_bincount(two, w, 0));
    ck_assert_error("The weights and list don't have the same length.");
    nd_array *f = nd_zeros(ND_FLOAT64, 1, SHAPE(0));
    ck_assert_ptr_null(nd_bincount(f, NULL, 0));
    ck_assert_error("Cannot cast array data from dtype('float64') to dtype('int64') according "
                    "to the rule 'safe'");
    nd_array *m = nd_zeros(ND_INT64, 2, SHAPE(1, 1));
    ck_assert_ptr_null(nd_bincount(m, NULL, 0));
    ck_assert_error("object too deep for desired array");
    nd_array *e = nd_zeros(ND_INT64, 1, SHAPE(0));
    r = nd_bincount(e, NULL, 2);
    ck_assert_shape(r, ND_INT64, 1, 2);
    nd_free(r);
    nd_free(e);
    nd_free(m);
    nd_free(f);
    nd_free(two);
    nd_free(neg);
    nd_free(w);
    nd_free(x);
}
END_TEST

START_TEST(one_hot_classes)
{
    nd_array *flat = INTS(ND_INT32, 2, 0, 1, 2);
    nd_array *idx = nd_reshape(flat, 2, SHAPE(2, 2));
    nd_array *r = nd_one_hot(idx, 3, ND_FLOAT32);
    ck_assert_shape(r, ND_FLOAT32, 3, 2, 2, 3);
    ck_assert_values(r, 0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1);
    nd_free(r);
    r = nd_one_hot(flat, -1, ND_INT64);
    ck_assert_shape(r, ND_INT64, 2, 4, 3);
    nd_free(r);
    ck_assert_ptr_null(nd_one_hot(flat, 2, ND_FLOAT32));
    ck_assert_error("Class values must be smaller than num_classes.");
    nd_array *neg = INTS(ND_INT64, -1);
    ck_assert_ptr_null(nd_one_hot(neg, 2, ND_FLOAT32));
    ck_assert_error("Class values must be non-negative.");
    nd_array *f = nd_zeros(ND_FLOAT32, 1, SHAPE(1));
    ck_assert_ptr_null(nd_one_hot(f, 2, ND_FLOAT32));
    ck_assert_error("one_hot is only applicable to index tensor.");
    nd_array *e = nd_zeros(ND_INT64, 1, SHAPE(0));
    ck_assert_ptr_null(nd_one_hot(e, -1, ND_FLOAT32));
    ck_assert_error("Can not infer total number of classes from empty tensor.");
    r = nd_one_hot(e, 4, ND_BOOL);
    ck_assert_shape(r, ND_BOOL, 2, 0, 4);
    nd_free(r);
    nd_free(e);
    nd_free(f);
    nd_free(neg);
    nd_free(idx);
    nd_free(flat);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("indexing");
    TCase *tc = tcase_create("take_put");
    tcase_add_test(tc, take_axes_and_wrapping);
    tcase_add_test(tc, take_errors_and_edges);
    tcase_add_test(tc, along_axis_take_and_put);
    tcase_add_test(tc, put_cycles_values);
    suite_add_tcase(s, tc);
    tc = tcase_create("add_at");
    tcase_add_test(tc, add_at_duplicates_accumulate);
    tcase_add_test(tc, add_at_dtypes);
    suite_add_tcase(s, tc);
    tc = tcase_create("masks");
    tcase_add_test(tc, mask_select_and_assign);
    tcase_add_test(tc, nonzero_and_argwhere);
    suite_add_tcase(s, tc);
    tc = tcase_create("counting");
    tcase_add_test(tc, bincount_counts_and_weights);
    tcase_add_test(tc, one_hot_classes);
    suite_add_tcase(s, tc);
    return s;
}
