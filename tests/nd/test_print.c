/* Printing edge cases with NumPy 1.24's exact output (taken from repr()/
 * str() in NumPy). 3,000 random arrays are compared in
 * numpy/repr_vs_numpy.py; bfloat16, which NumPy lacks, is checked here. */
#include <math.h>
#include <stdlib.h>

#include "test_util.h"

/* Formats a with nd_repr or nd_str, compares, and frees a. */
static void assert_text(char *(*format)(const nd_array *), nd_array *a, const char *expected)
{
    char *text = format(a);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, expected);
    free(text);
    nd_free(a);
}
#define assert_repr(a, expected) assert_text(nd_repr, (a), (expected))
#define assert_str(a, expected) assert_text(nd_str, (a), (expected))

static nd_array *scaled_range(nd_dtype dt, int n, double step)
{
    nd_array *a = nd_arange(dt, 0, n * step, step);
    ck_assert_int_eq(nd_size(a), n);
    return a;
}

START_TEST(zero_d_and_empty)
{
    assert_repr(nd_full(ND_FLOAT64, 0, NULL, 5), "array(5.)");
    assert_repr(nd_full(ND_FLOAT32, 0, NULL, 1), "array(1., dtype=float32)");
    assert_repr(nd_full(ND_BOOL, 0, NULL, 1), "array(True)");
    assert_repr(nd_zeros(ND_FLOAT64, 1, (int64_t[]){0}), "array([], dtype=float64)");
    assert_repr(nd_zeros(ND_INT64, 2, (int64_t[]){0, 3}), "array([], shape=(0, 3), dtype=int64)");
    assert_str(nd_full(ND_FLOAT64, 0, NULL, 5), "5.0");
    assert_str(nd_full(ND_FLOAT64, 0, NULL, 1e-5), "1e-05");
}
END_TEST

START_TEST(floats_wrap_and_align)
{
    assert_repr(scaled_range(ND_FLOAT32, 30, 1.5),
                "array([ 0. ,  1.5,  3. ,  4.5,  6. ,  7.5,  9. , 10.5, 12. , 13.5, 15. ,\n"
                "       16.5, 18. , 19.5, 21. , 22.5, 24. , 25.5, 27. , 28.5, 30. , 31.5,\n"
                "       33. , 34.5, 36. , 37.5, 39. , 40.5, 42. , 43.5], dtype=float32)");
    double special[] = {NAN, 1.0, -INFINITY};
    assert_repr(nd_from_data(ND_FLOAT64, 1, (int64_t[]){3}, special), "array([ nan,   1., -inf])");
    float tiny[] = {1e-5f, 1.0f};
    assert_repr(nd_from_data(ND_FLOAT32, 1, (int64_t[]){2}, tiny),
                "array([1.e-05, 1.e+00], dtype=float32)");
    double grid[] = {1.5, 2, 3, 4};
    assert_str(nd_from_data(ND_FLOAT64, 2, (int64_t[]){2, 2}, grid), "[[1.5 2. ]\n [3.  4. ]]");
    /* bfloat16 prints like a float with bfloat16's own shortest digits. */
    float bf[] = {0.1f, 1.0f, -2.5f};
    nd_array *f32 = nd_from_data(ND_FLOAT32, 1, (int64_t[]){3}, bf);
    assert_repr(nd_astype(f32, ND_BFLOAT16), "array([ 0.1,  1. , -2.5], dtype=bfloat16)");
    nd_free(f32);
}
END_TEST

START_TEST(integers_dims_dtype_line_and_summary)
{
    assert_repr(scaled_range(ND_INT16, 20, 1000),
                "array([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,\n"
                "        9000, 10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000,\n"
                "       18000, 19000], dtype=int16)");
    assert_repr(scaled_range(ND_INT32, 7, 1000001),
                "array([      0, 1000001, 2000002, 3000003, 4000004, 5000005, 6000006],\n"
                "      dtype=int32)");
    nd_array *flat = nd_arange(ND_INT64, 0, 8, 1);
    nd_array *cube = nd_reshape(flat, 3, (int64_t[]){2, 2, 2});
    nd_free(flat);
    assert_repr(cube, "array([[[0, 1],\n        [2, 3]],\n\n       [[4, 5],\n        [6, 7]]])");
    assert_repr(nd_arange(ND_FLOAT64, 0, 1100, 1),
                "array([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.097e+03, 1.098e+03,\n"
                "       1.099e+03])");
    /* A negative-stride view prints in its own order. */
    nd_array *base = nd_arange(ND_UINT8, 0, 5, 1);
    assert_repr(nd_slice(base, 0, ND_NONE, ND_NONE, -2), "array([4, 2, 0], dtype=uint8)");
    nd_free(base);
    uint64_t huge[] = {UINT64_MAX, 1};
    assert_repr(nd_from_data(ND_UINT64, 1, (int64_t[]){2}, huge),
                "array([18446744073709551615,                    1], dtype=uint64)");
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("print");
    TCase *tc = tcase_create("print");
    tcase_add_test(tc, zero_d_and_empty);
    tcase_add_test(tc, floats_wrap_and_align);
    tcase_add_test(tc, integers_dims_dtype_line_and_summary);
    suite_add_tcase(s, tc);
    return s;
}
