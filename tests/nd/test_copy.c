/* Copies, casts, copyto with broadcasting/casting/overlap, fill, and
 * element access. astype over every dtype pair is also compared with NumPy
 * in numpy/casts_vs_numpy.py. */
#include <math.h>

#include "test_util.h"

START_TEST(copy_makes_c_contiguous_independent_arrays)
{
    nd_array *flat = nd_arange(ND_INT16, 0, 6, 1);
    nd_array *a = nd_reshape(flat, 2, (int64_t[]){2, 3});
    nd_array *t = nd_transpose(a, NULL);
    nd_array *c = nd_copy(t);
    ck_assert(nd_is_c_contiguous(c) && !nd_may_share_memory(c, a));
    ck_assert_values(c, 0, 3, 1, 4, 2, 5);
    nd_set(c, (int64_t[]){0, 0}, 9);
    ck_assert_values(a, 0, 1, 2, 3, 4, 5);
    nd_array *same = nd_ascontiguousarray(a);
    ck_assert(nd_data(same) == nd_data(a));
    nd_array *made = nd_ascontiguousarray(t);
    ck_assert(nd_data(made) != nd_data(a) && nd_is_c_contiguous(made));
    nd_array *scalar = nd_full(ND_FLOAT32, 0, NULL, 1.5);
    nd_array *scalar_copy = nd_copy(scalar);
    ck_assert_int_eq(nd_ndim(scalar_copy), 0);
    ck_assert_values(scalar_copy, 1.5);
    nd_free(flat); nd_free(a); nd_free(t); nd_free(c); nd_free(same); nd_free(made);
    nd_free(scalar); nd_free(scalar_copy);
}
END_TEST

START_TEST(astype_results)
{
    double values[] = {-2.7, -0.5, 0.0, 0.5, 2.7, 300.0, -300.0, NAN, INFINITY, -INFINITY};
    nd_array *a = nd_from_data(ND_FLOAT64, 1, (int64_t[]){10}, values);
    nd_array *i8 = nd_astype(a, ND_INT8);   /* truncate; NaN -> 0; saturate */
    ck_assert_values(i8, -2, 0, 0, 0, 2, 127, -128, 0, 127, -128);
    nd_array *u8 = nd_astype(a, ND_UINT8);
    ck_assert_values(u8, 0, 0, 0, 0, 2, 255, 0, 0, 255, 0);
    nd_array *b = nd_astype(a, ND_BOOL);   /* NaN is True */
    ck_assert_values(b, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1);
    int64_t big[] = {300, -1, 65537, INT64_MIN};
    nd_array *ints = nd_from_data(ND_INT64, 1, (int64_t[]){4}, big);
    nd_array *wrapped = nd_astype(ints, ND_INT8);   /* modulo 2^8 */
    ck_assert_values(wrapped, 44, -1, 1, 0);
    nd_array *as_u16 = nd_astype(ints, ND_UINT16);
    ck_assert_values(as_u16, 300, 65535, 1, 0);
    nd_array *half = nd_astype(a, ND_FLOAT16);
    ck_assert_values(half, -2.69921875, -0.5, 0, 0.5, 2.69921875, 300, -300, NAN, INFINITY, -INFINITY);
    nd_array *bf = nd_astype(a, ND_BFLOAT16);
    ck_assert_values(bf, -2.703125, -0.5, 0, 0.5, 2.703125, 300, -300, NAN, INFINITY, -INFINITY);
    /* Casting a strided view. */
    nd_array *odd = nd_slice(a, 0, 1, ND_NONE, 2);
    nd_array *odd32 = nd_astype(odd, ND_INT32);
    ck_assert_values(odd32, 0, 0, 300, 0, -2147483648.0);   /* a[1::2] */
    nd_free(a); nd_free(i8); nd_free(u8); nd_free(b); nd_free(ints); nd_free(wrapped);
    nd_free(as_u16); nd_free(half); nd_free(bf); nd_free(odd); nd_free(odd32);
}
END_TEST

START_TEST(copyto_broadcasts_casts_and_handles_overlap)
{
    nd_array *dst = nd_zeros(ND_FLOAT32, 2, (int64_t[]){2, 3});
    nd_array *row = nd_arange(ND_INT16, 1, 4, 1);
    ck_assert_int_eq(nd_copyto(dst, row, ND_CAST_SAME_KIND), 0);
    ck_assert_values(dst, 1, 2, 3, 1, 2, 3);
    nd_array *f64 = nd_full(ND_FLOAT64, 0, NULL, 2.5);
    nd_array *i32 = nd_zeros(ND_INT32, 1, (int64_t[]){2});
    ck_assert_int_eq(nd_copyto(i32, f64, ND_CAST_SAME_KIND), ND_ERR_TYPE);
    ck_assert_error("Cannot cast array data from dtype('float64') to dtype('int32') according "
                    "to the rule 'same_kind'");
    ck_assert_int_eq(nd_copyto(i32, f64, ND_CAST_UNSAFE), 0);
    ck_assert_values(i32, 2, 2);
    nd_array *four = nd_zeros(ND_FLOAT32, 1, (int64_t[]){4});
    ck_assert_int_eq(nd_copyto(four, row, ND_CAST_UNSAFE), ND_ERR_VALUE);
    ck_assert_error("could not broadcast input array from shape (3,) into shape (4,)");
    /* Leading size-1 axes of the source are dropped, as in NumPy. */
    nd_array *wide = nd_reshape(row, 2, (int64_t[]){1, 3});
    nd_array *three = nd_zeros(ND_INT16, 1, (int64_t[]){3});
    ck_assert_int_eq(nd_copyto(three, wide, ND_CAST_NO), 0);
    ck_assert_values(three, 1, 2, 3);
    /* a[1:] = a[:-1] must read the old values. */
    nd_array *a = nd_arange(ND_INT64, 0, 6, 1);
    nd_array *head = nd_slice(a, 0, ND_NONE, -1, 1);
    nd_array *tail = nd_slice(a, 0, 1, ND_NONE, 1);
    ck_assert_int_eq(nd_copyto(tail, head, ND_CAST_NO), 0);
    ck_assert_values(a, 0, 0, 1, 2, 3, 4);
    /* Reversing in place through a negative-stride view. */
    nd_array *reversed = nd_slice(a, 0, ND_NONE, ND_NONE, -1);
    ck_assert_int_eq(nd_copyto(a, reversed, ND_CAST_NO), 0);
    ck_assert_values(a, 4, 3, 2, 1, 0, 0);
    nd_array *readonly = nd_broadcast_to(row, 2, (int64_t[]){2, 3});
    ck_assert_int_eq(nd_copyto(readonly, row, ND_CAST_NO), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    nd_free(dst); nd_free(row); nd_free(f64); nd_free(i32); nd_free(four); nd_free(wide);
    nd_free(three); nd_free(a); nd_free(head); nd_free(tail); nd_free(reversed); nd_free(readonly);
}
END_TEST

START_TEST(fill_and_elements)
{
    nd_array *flat = nd_zeros(ND_UINT64, 1, (int64_t[]){6});
    nd_array *a = nd_reshape(flat, 2, (int64_t[]){2, 3});
    nd_array *column = nd_slice(a, 1, 1, 2, 1);
    ck_assert_int_eq(nd_fill(column, 7), 0);
    ck_assert_values(a, 0, 7, 0, 0, 7, 0);
    ck_assert_int_eq(nd_set_int64(a, (int64_t[]){-1, -1}, -1), 0);   /* 2^64 - 1 */
    int64_t v;
    ck_assert_int_eq(nd_get_int64(a, (int64_t[]){1, 2}, &v), 0);
    ck_assert_uint_eq((uint64_t)v, UINT64_MAX);
    ck_assert_int_eq(nd_get_int64(a, (int64_t[]){2, 0}, &v), ND_ERR_INDEX);
    ck_assert_error("index 2 is out of bounds for axis 0 with size 2");
    ck_assert_int_eq(nd_get_int64(a, (int64_t[]){0, -4}, &v), ND_ERR_INDEX);
    ck_assert_error("index -4 is out of bounds for axis 1 with size 3");
    nd_array *big = nd_zeros(ND_INT64, 1, (int64_t[]){2});
    nd_set_int64(big, (int64_t[]){0}, INT64_MIN);
    nd_set_int64(big, (int64_t[]){1}, INT64_MAX);
    nd_get_int64(big, (int64_t[]){0}, &v);
    ck_assert(v == INT64_MIN);
    nd_get_int64(big, (int64_t[]){1}, &v);
    ck_assert(v == INT64_MAX);
    nd_array *scalar = nd_zeros(ND_FLOAT16, 0, NULL);
    ck_assert_int_eq(nd_set(scalar, NULL, 0.1), 0);
    double d;
    ck_assert_int_eq(nd_get(scalar, NULL, &d), 0);
    ck_assert(d == nd_half_to_float(nd_double_to_half(0.1)));
    nd_array *empty = nd_zeros(ND_FLOAT32, 1, (int64_t[]){0});
    ck_assert_int_eq(nd_fill(empty, 3), 0);
    nd_free(flat); nd_free(a); nd_free(column); nd_free(big); nd_free(scalar); nd_free(empty);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("copy");
    TCase *tc = tcase_create("copy");
    tcase_add_test(tc, copy_makes_c_contiguous_independent_arrays);
    tcase_add_test(tc, astype_results);
    tcase_add_test(tc, copyto_broadcasts_casts_and_handles_overlap);
    tcase_add_test(tc, fill_and_elements);
    suite_add_tcase(s, tc);
    return s;
}
