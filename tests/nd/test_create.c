/* Creation: shapes, fills, ranges as NumPy computes them, wrapping caller
 * memory, and the errors for impossible shapes. */
#include <math.h>
#include <stdlib.h>

#include "test_util.h"

START_TEST(empty_zeros_ones_full)
{
    nd_array *z = nd_zeros(ND_FLOAT32, 2, (int64_t[]){2, 3});
    ck_assert_shape(z, ND_FLOAT32, 2, 2, 3);
    ck_assert_values(z, 0, 0, 0, 0, 0, 0);
    ck_assert_int_eq(nd_strides(z)[0], 12);
    ck_assert_int_eq(nd_strides(z)[1], 4);
    ck_assert(nd_is_c_contiguous(z) && !nd_is_f_contiguous(z) && nd_is_writeable(z));
    ck_assert_uint_eq((uintptr_t)nd_data(z) % 64, 0);
    nd_array *o = nd_ones_like(z);
    ck_assert_values(o, 1, 1, 1, 1, 1, 1);
    nd_array *f = nd_full(ND_INT8, 1, (int64_t[]){3}, 300.0);   /* saturates */
    ck_assert_values(f, 127, 127, 127);
    nd_array *scalar = nd_full(ND_FLOAT64, 0, NULL, 2.5);
    ck_assert_int_eq(nd_ndim(scalar), 0);
    ck_assert_int_eq(nd_size(scalar), 1);
    ck_assert_values(scalar, 2.5);
    nd_array *empty = nd_empty(ND_INT32, 3, (int64_t[]){2, 0, 4});
    ck_assert_shape(empty, ND_INT32, 3, 2, 0, 4);
    ck_assert_int_eq(nd_size(empty), 0);
    ck_assert(nd_is_c_contiguous(empty) && nd_is_f_contiguous(empty));
    nd_array *like = nd_full_like(f, -1);
    ck_assert_values(like, -1, -1, -1);
    nd_free(z); nd_free(o); nd_free(f); nd_free(scalar); nd_free(empty); nd_free(like);
}
END_TEST

START_TEST(shape_errors)
{
    ck_assert_ptr_null(nd_zeros(ND_FLOAT32, 1, (int64_t[]){-1}));
    ck_assert_error("negative dimensions are not allowed");
    int64_t shape[33];
    for (int i = 0; i < 33; i++)
        shape[i] = 1;
    ck_assert_ptr_null(nd_zeros(ND_FLOAT32, 33, shape));
    ck_assert_error("maximum supported dimension for an ndarray is 32, found 33");
    ck_assert_ptr_null(nd_zeros(ND_FLOAT64, 2, (int64_t[]){INT64_C(1) << 32, INT64_C(1) << 32}));
    ck_assert_error("array is too big; `arr.size * arr.dtype.itemsize` is larger than the "
                    "maximum possible size.");
    ck_assert_int_eq(nd_last_status(), ND_ERR_VALUE);
    ck_assert_ptr_null(nd_zeros((nd_dtype)42, 1, (int64_t[]){1}));
    ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
}
END_TEST

START_TEST(arange_as_numpy)
{
    /* np.arange(0, 1, 0.1, dtype=np.float32): start + i * (float(0.1) - 0) in float32 */
    nd_array *a = nd_arange(ND_FLOAT32, 0, 1, 0.1);
    ck_assert_int_eq(nd_size(a), 10);
    for (int i = 0; i < 10; i++) {
        double v;
        nd_get(a, (int64_t[]){i}, &v);
        ck_assert(v == (double)((float)i * 0.1f));
    }
    nd_array *b = nd_arange(ND_FLOAT64, -3, 3, 0.7);   /* ceil(6 / 0.7) = 9 */
    ck_assert_int_eq(nd_size(b), 9);
    double last;
    nd_get(b, (int64_t[]){8}, &last);
    ck_assert(last == -3.0 + 8 * ((-3.0 + 0.7) - -3.0));
    nd_array *c = nd_arange(ND_INT64, 10, 0, -3);
    ck_assert_values(c, 10, 7, 4, 1);
    nd_array *d = nd_arange(ND_INT32, 0.5, 5, 1.5);   /* NumPy: [0, 2, 4] */
    ck_assert_values(d, 0, 2, 4);
    nd_array *e = nd_arange(ND_FLOAT64, 5, 0, 1);
    ck_assert_int_eq(nd_size(e), 0);
    ck_assert_ptr_null(nd_arange(ND_FLOAT64, 0, 1, 0));
    ck_assert_error("arange: step must not be zero");
    ck_assert_ptr_null(nd_arange(ND_BOOL, 0, 3, 1));
    ck_assert_error("arange() is only supported for booleans when the result has at most length 2.");
    nd_array *h = nd_arange(ND_FLOAT16, 0, 1, 0.3);   /* NumPy: [0, 0.3, 0.6, 0.9004] */
    ck_assert_values(h, 0, nd_half_to_float(nd_double_to_half(0.3)),
                     nd_half_to_float(nd_double_to_half(0.6)), 0.900390625);
    nd_free(a); nd_free(b); nd_free(c); nd_free(d); nd_free(e); nd_free(h);
}
END_TEST

START_TEST(linspace_and_eye)
{
    nd_array *a = nd_linspace(ND_FLOAT64, 0, 1, 5, true);
    ck_assert_values(a, 0, 0.25, 0.5, 0.75, 1);
    nd_array *b = nd_linspace(ND_FLOAT64, 0, 1, 4, false);
    ck_assert_values(b, 0, 0.25, 0.5, 0.75);
    nd_array *c = nd_linspace(ND_INT64, -1, 1, 5, true);   /* floored: [-1, -1, 0, 0, 1] */
    ck_assert_values(c, -1, -1, 0, 0, 1);
    nd_array *one = nd_linspace(ND_FLOAT32, 3, 7, 1, true);
    ck_assert_values(one, 3);
    nd_array *none = nd_linspace(ND_FLOAT32, 3, 7, 0, true);
    ck_assert_int_eq(nd_size(none), 0);
    ck_assert_ptr_null(nd_linspace(ND_FLOAT32, 0, 1, -1, true));
    ck_assert_error("Number of samples, -1, must be non-negative.");
    nd_array *e = nd_eye(ND_INT32, 3, ND_NONE, 0);
    ck_assert_values(e, 1, 0, 0, 0, 1, 0, 0, 0, 1);
    nd_array *upper = nd_eye(ND_FLOAT32, 2, 4, 1);
    ck_assert_values(upper, 0, 1, 0, 0, 0, 0, 1, 0);
    nd_array *lower = nd_eye(ND_FLOAT32, 3, 2, -1);
    ck_assert_values(lower, 0, 0, 1, 0, 0, 1);
    nd_array *off = nd_eye(ND_FLOAT32, 2, 2, 5);
    ck_assert_values(off, 0, 0, 0, 0);
    nd_free(a); nd_free(b); nd_free(c); nd_free(one); nd_free(none);
    nd_free(e); nd_free(upper); nd_free(lower); nd_free(off);
}
END_TEST

START_TEST(from_data_copies)
{
    int16_t data[6] = {1, -2, 3, -4, 5, -6};
    nd_array *a = nd_from_data(ND_INT16, 2, (int64_t[]){3, 2}, data);
    data[0] = 99;   /* a owns a copy */
    ck_assert_values(a, 1, -2, 3, -4, 5, -6);
    uint8_t flags[3] = {0, 7, 1};
    nd_array *b = nd_from_data(ND_BOOL, 1, (int64_t[]){3}, flags);
    ck_assert_uint_eq(((uint8_t *)nd_data(b))[1], 1);   /* normalized to 1 */
    ck_assert_ptr_null(nd_from_data(ND_INT16, 1, (int64_t[]){2}, NULL));
    nd_array *empty = nd_from_data(ND_INT16, 1, (int64_t[]){0}, NULL);
    ck_assert_int_eq(nd_size(empty), 0);
    nd_free(a); nd_free(b); nd_free(empty);
}
END_TEST

START_TEST(from_buffer_wraps_without_copy)
{
    double *memory = malloc(6 * sizeof(double));
    for (int i = 0; i < 6; i++)
        memory[i] = i;
    /* Column 1 of a 3x2 matrix, as a strided view of caller memory. */
    nd_array *column = nd_from_buffer(ND_FLOAT64, 1, (int64_t[]){3}, (int64_t[]){16},
                                      memory + 1, true);
    ck_assert_values(column, 1, 3, 5);
    ck_assert_int_eq(nd_set(column, (int64_t[]){2}, -5), 0);
    ck_assert(memory[5] == -5);
    memory[3] = 30;
    ck_assert_values(column, 1, 30, -5);
    nd_array *view = nd_slice(column, 0, ND_NONE, ND_NONE, -1);
    nd_free(column);   /* the view keeps working; memory is never freed by libnd */
    ck_assert_values(view, -5, 30, 1);
    /* as_strided may not reach past what the caller described. */
    ck_assert_ptr_null(nd_as_strided(view, 1, (int64_t[]){4}, (int64_t[]){-16}));
    nd_free(view);

    nd_array *readonly = nd_from_buffer(ND_FLOAT64, 1, (int64_t[]){6}, NULL, memory, false);
    ck_assert(!nd_is_writeable(readonly));
    ck_assert_int_eq(nd_set(readonly, (int64_t[]){0}, 1), ND_ERR_VALUE);
    ck_assert_error("assignment destination is read-only");
    ck_assert_int_eq(nd_set_writeable(readonly, true), ND_ERR_VALUE);
    ck_assert_error("cannot set WRITEABLE flag to True of this array");
    nd_free(readonly);

    ck_assert_ptr_null(nd_from_buffer(ND_FLOAT64, 1, (int64_t[]){2}, NULL, (char *)memory + 1, true));
    ck_assert_error("from_buffer: data and strides must be aligned to the item size (8 bytes)");
    ck_assert_ptr_null(nd_from_buffer(ND_FLOAT64, 1, (int64_t[]){2}, (int64_t[]){12}, memory, true));
    free(memory);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("create");
    TCase *tc = tcase_create("create");
    tcase_add_test(tc, empty_zeros_ones_full);
    tcase_add_test(tc, shape_errors);
    tcase_add_test(tc, arange_as_numpy);
    tcase_add_test(tc, linspace_and_eye);
    tcase_add_test(tc, from_data_copies);
    tcase_add_test(tc, from_buffer_wraps_without_copy);
    suite_add_tcase(s, tc);
    return s;
}
