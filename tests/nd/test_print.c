/* nd_repr / nd_str / nd_fprint against NumPy 1.24's exact text, written out
 * by hand (each string was checked against repr()/str() in NumPy). The
 * random differential test is test_print_numpy.c; this suite pins down the
 * rules one at a time and runs without Python. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

/* Formats a with nd_repr or nd_str, compares, and frees a. */
static void assert_text(char *(*format)(const nd_array *), nd_array *a, const char *expected)
{
    ck_assert_ptr_nonnull(a);
    char *text = format(a);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, expected);
    free(text);
    nd_free(a);
}
#define assert_repr(a, expected) assert_text(nd_repr, (a), (expected))
#define assert_str(a, expected) assert_text(nd_str, (a), (expected))

/* A 1-D array of dtype dt holding the doubles, each rounded once to dt. */
#define vector(dt, ...)                                                        \
    from_doubles((dt), sizeof((const double[]){__VA_ARGS__}) / sizeof(double), \
                 (const double[]){__VA_ARGS__})
static nd_array *from_doubles(nd_dtype dt, size_t n, const double *values)
{
    nd_array *f64 = nd_from_data(ND_FLOAT64, 1, (int64_t[]){(int64_t)n}, values);
    nd_array *a = nd_astype(f64, dt);
    nd_free(f64);
    ck_assert_ptr_nonnull(a);
    return a;
}

/* A 0-d array of dtype dt holding v. */
static nd_array *scalar(nd_dtype dt, double v) { return nd_full(dt, 0, NULL, v); }

/* np.arange(start, stop, step, dtype) reshaped to `shape` (ndim entries). */
static nd_array *ranged(nd_dtype dt, double start, double stop, double step, int ndim,
                        const int64_t *shape)
{
    nd_array *flat = nd_arange(dt, start, stop, step);
    ck_assert_ptr_nonnull(flat);
    nd_array *a = nd_reshape(flat, ndim, shape);
    nd_free(flat);
    ck_assert_ptr_nonnull(a);
    return a;
}

/* ---- 0-d and empty arrays ------------------------------------------------- */

START_TEST(zero_d)
{
    assert_repr(scalar(ND_FLOAT64, 5), "array(5.)");
    assert_repr(scalar(ND_FLOAT32, 1), "array(1., dtype=float32)");
    assert_repr(scalar(ND_BOOL, 1), "array(True)");
    assert_repr(scalar(ND_INT8, -7), "array(-7, dtype=int8)");
    assert_repr(scalar(ND_FLOAT64, -0.0), "array(-0.)");
    /* str of a 0-d array is str of its scalar: at least one fraction digit,
     * scientific below 1e-4 and from 1e16, the dtype's own shortest digits */
    assert_str(scalar(ND_FLOAT64, 5), "5.0");
    assert_str(scalar(ND_FLOAT64, 1e-5), "1e-05");
    assert_str(scalar(ND_FLOAT64, 1e16), "1e+16");
    assert_str(scalar(ND_FLOAT64, -0.0), "-0.0");
    assert_str(scalar(ND_FLOAT64, NAN), "nan");
    assert_str(scalar(ND_FLOAT32, 0.1), "0.1");
    assert_str(scalar(ND_FLOAT16, 38016), "38000.0");
    assert_str(scalar(ND_BFLOAT16, 3.14159), "3.14");
    assert_str(scalar(ND_BOOL, 0), "False");
    uint64_t top = UINT64_MAX;
    assert_str(nd_from_data(ND_UINT64, 0, NULL, &top), "18446744073709551615");
}
END_TEST

START_TEST(empty)
{
    assert_repr(nd_zeros(ND_FLOAT64, 1, (int64_t[]){0}), "array([], dtype=float64)");
    assert_repr(nd_zeros(ND_INT64, 2, (int64_t[]){0, 3}), "array([], shape=(0, 3), dtype=int64)");
    assert_repr(nd_zeros(ND_FLOAT32, 2, (int64_t[]){2, 0}),
                "array([], shape=(2, 0), dtype=float32)");
    assert_str(nd_zeros(ND_FLOAT64, 2, (int64_t[]){0, 3}), "[]");
}
END_TEST

/* ---- floats ------------------------------------------------------------------ */

START_TEST(float_digits)
{
    /* shortest round-trip digits, at most 8 after the point, padded right */
    assert_repr(vector(ND_FLOAT64, 0.1, 0.25, 1.0 / 3),
                "array([0.1       , 0.25      , 0.33333333])");
    assert_repr(vector(ND_FLOAT64, M_PI, M_E), "array([3.14159265, 2.71828183])");
    assert_repr(vector(ND_FLOAT32, 1, 2.5, -3), "array([ 1. ,  2.5, -3. ], dtype=float32)");
    assert_repr(vector(ND_FLOAT32, 0.1, 1.0 / 3), "array([0.1       , 0.33333334], dtype=float32)");
    assert_repr(vector(ND_FLOAT32, 3.140625, 1), "array([3.140625, 1.      ], dtype=float32)");
    assert_repr(vector(ND_FLOAT16, 1, 2, 3), "array([1., 2., 3.], dtype=float16)");
    /* float16 at its own precision; NumPy prints every digit down to the
     * units (38016, not the shorter 38000 that str() uses) */
    assert_repr(vector(ND_FLOAT16, 38016, 150), "array([38016.,   150.], dtype=float16)");
    assert_str(vector(ND_FLOAT16, 38016, 150), "[38016.   150.]");
    assert_repr(vector(ND_FLOAT16, 0x1p-11, 0x1p-6, 0.1),
                "array([0.0004883, 0.01563  , 0.1      ], dtype=float16)");
    /* bfloat16: 3.140625 is the same value as above, but 3.14 identifies it */
    assert_repr(vector(ND_BFLOAT16, 0.1, 1, -2.5), "array([ 0.1,  1. , -2.5], dtype=bfloat16)");
    assert_repr(vector(ND_BFLOAT16, 3.14159, 1), "array([3.14, 1.  ], dtype=bfloat16)");
    assert_repr(vector(ND_BFLOAT16, 1e-5, 1), "array([1.e-05, 1.e+00], dtype=bfloat16)");
}
END_TEST

START_TEST(negative_zero_nan_inf)
{
    assert_repr(vector(ND_FLOAT64, -0.0, 0.0, 1.0), "array([-0.,  0.,  1.])");
    assert_repr(vector(ND_FLOAT64, -0.0, 0.0), "array([-0.,  0.])");
    /* nan/inf right-aligned in the numbers' width, which grows for them */
    assert_repr(vector(ND_FLOAT64, NAN, 1, -INFINITY), "array([ nan,   1., -inf])");
    assert_repr(vector(ND_FLOAT64, NAN, INFINITY), "array([nan, inf])");
    assert_repr(vector(ND_FLOAT64, NAN, 1.5e-10), "array([    nan, 1.5e-10])");
    assert_repr(vector(ND_FLOAT64, -INFINITY, 1e10, 2.5), "array([   -inf, 1.0e+10, 2.5e+00])");
    assert_repr(vector(ND_FLOAT32, 1e-5, 1, NAN), "array([1.e-05, 1.e+00,    nan], dtype=float32)");
}
END_TEST

START_TEST(exponent_format)
{
    /* scientific when max >= 1e8, min < 1e-4 or max / min > 1000 (nonzero
     * finite magnitudes); all values share the longest digit count */
    assert_repr(vector(ND_FLOAT64, 1e8, 1), "array([1.e+08, 1.e+00])");
    assert_repr(vector(ND_FLOAT32, 1e8), "array([1.e+08], dtype=float32)");
    assert_repr(vector(ND_FLOAT64, 1e-5, 1), "array([1.e-05, 1.e+00])");
    assert_repr(vector(ND_FLOAT64, 1e-4, 0.1), "array([0.0001, 0.1   ])");
    assert_repr(vector(ND_FLOAT64, 1, 1000), "array([   1., 1000.])");
    assert_repr(vector(ND_FLOAT64, 1, 1001), "array([1.000e+00, 1.001e+03])");
    assert_repr(vector(ND_FLOAT64, 1234567.891, 0.5), "array([1.23456789e+06, 5.00000000e-01])");
    /* exponents of three digits widen every exponent */
    assert_repr(vector(ND_FLOAT64, 1.5e100, -2e-100), "array([ 1.5e+100, -2.0e-100])");
    assert_repr(vector(ND_FLOAT64, 0.5, 1.5e300), "array([5.0e-001, 1.5e+300])");
    /* the ratio is computed in float32: 1000.00000286 rounds to 1000 */
    assert_repr(vector(ND_FLOAT32, 1.0000001, 1000.0001220703125),
                "array([   1.0000001, 1000.0001   ], dtype=float32)");
}
END_TEST

/* ---- layout ------------------------------------------------------------------- */

START_TEST(wrapping_and_dtype_line)
{
    assert_repr(nd_arange(ND_FLOAT32, 0, 45, 1.5),
                "array([ 0. ,  1.5,  3. ,  4.5,  6. ,  7.5,  9. , 10.5, 12. , 13.5, 15. ,\n"
                "       16.5, 18. , 19.5, 21. , 22.5, 24. , 25.5, 27. , 28.5, 30. , 31.5,\n"
                "       33. , 34.5, 36. , 37.5, 39. , 40.5, 42. , 43.5], dtype=float32)");
    assert_repr(nd_arange(ND_INT16, 0, 20000, 1000),
                "array([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,\n"
                "        9000, 10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000,\n"
                "       18000, 19000], dtype=int16)");
    assert_str(nd_arange(ND_FLOAT64, 0, 5, 0.125),
               "[0.    0.125 0.25  0.375 0.5   0.625 0.75  0.875 1.    1.125 1.25  1.375\n"
               " 1.5   1.625 1.75  1.875 2.    2.125 2.25  2.375 2.5   2.625 2.75  2.875\n"
               " 3.    3.125 3.25  3.375 3.5   3.625 3.75  3.875 4.    4.125 4.25  4.375\n"
               " 4.5   4.625 4.75  4.875]");
    /* " dtype=int32)" would pass 75 characters: it goes on its own line */
    assert_repr(nd_arange(ND_INT32, 0, 7000007, 1000001),
                "array([      0, 1000001, 2000002, 3000003, 4000004, 5000005, 6000006],\n"
                "      dtype=int32)");
    float rows[24];
    for (int i = 0; i < 24; i++)
        rows[i] = i < 12 ? 100 : 200;
    assert_repr(nd_from_data(ND_FLOAT32, 2, (int64_t[]){2, 12}, rows),
                "array([[100., 100., 100., 100., 100., 100., 100., 100., 100., 100., 100.,\n"
                "        100.],\n"
                "       [200., 200., 200., 200., 200., 200., 200., 200., 200., 200., 200.,\n"
                "        200.]], dtype=float32)");
    assert_repr(nd_arange(ND_FLOAT64, 0, 11111110, 1111111),
                "array([      0., 1111111., 2222222., 3333333., 4444444., 5555555.,\n"
                "       6666666., 7777777., 8888888., 9999999.])");
}
END_TEST

START_TEST(multi_dimensional)
{
    assert_repr(ranged(ND_INT64, 0, 8, 1, 3, (int64_t[]){2, 2, 2}), "array([[[0, 1],\n"
                                                                    "        [2, 3]],\n"
                                                                    "\n"
                                                                    "       [[4, 5],\n"
                                                                    "        [6, 7]]])");
    assert_str(ranged(ND_INT64, 0, 8, 1, 3, (int64_t[]){2, 2, 2}), "[[[0 1]\n"
                                                                   "  [2 3]]\n"
                                                                   "\n"
                                                                   " [[4 5]\n"
                                                                   "  [6 7]]]");
    /* two blank lines between 3-D blocks of a 4-D array */
    assert_repr(ranged(ND_INT64, 0, 24, 1, 4, (int64_t[]){2, 3, 2, 2}), "array([[[[ 0,  1],\n"
                                                                        "         [ 2,  3]],\n"
                                                                        "\n"
                                                                        "        [[ 4,  5],\n"
                                                                        "         [ 6,  7]],\n"
                                                                        "\n"
                                                                        "        [[ 8,  9],\n"
                                                                        "         [10, 11]]],\n"
                                                                        "\n"
                                                                        "\n"
                                                                        "       [[[12, 13],\n"
                                                                        "         [14, 15]],\n"
                                                                        "\n"
                                                                        "        [[16, 17],\n"
                                                                        "         [18, 19]],\n"
                                                                        "\n"
                                                                        "        [[20, 21],\n"
                                                                        "         [22, 23]]]])");
    double grid[] = {1.5, 2, 3, 4};
    assert_str(nd_from_data(ND_FLOAT64, 2, (int64_t[]){2, 2}, grid), "[[1.5 2. ]\n [3.  4. ]]");
}
END_TEST

START_TEST(summarized)
{
    /* past 1000 elements: 3 at each end of every long axis, widths fitted
     * to those only */
    assert_repr(nd_arange(ND_FLOAT64, 0, 1100, 1),
                "array([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.097e+03, 1.098e+03,\n"
                "       1.099e+03])");
    assert_str(nd_arange(ND_INT64, 0, 1100, 1), "[   0    1    2 ... 1097 1098 1099]");
    assert_repr(ranged(ND_INT64, 0, 2000, 1, 2, (int64_t[]){40, 50}),
                "array([[   0,    1,    2, ...,   47,   48,   49],\n"
                "       [  50,   51,   52, ...,   97,   98,   99],\n"
                "       [ 100,  101,  102, ...,  147,  148,  149],\n"
                "       ...,\n"
                "       [1850, 1851, 1852, ..., 1897, 1898, 1899],\n"
                "       [1900, 1901, 1902, ..., 1947, 1948, 1949],\n"
                "       [1950, 1951, 1952, ..., 1997, 1998, 1999]])");
    assert_repr(ranged(ND_INT64, 0, 1200, 1, 3, (int64_t[]){3, 4, 100}),
                "array([[[   0,    1,    2, ...,   97,   98,   99],\n"
                "        [ 100,  101,  102, ...,  197,  198,  199],\n"
                "        [ 200,  201,  202, ...,  297,  298,  299],\n"
                "        [ 300,  301,  302, ...,  397,  398,  399]],\n"
                "\n"
                "       [[ 400,  401,  402, ...,  497,  498,  499],\n"
                "        [ 500,  501,  502, ...,  597,  598,  599],\n"
                "        [ 600,  601,  602, ...,  697,  698,  699],\n"
                "        [ 700,  701,  702, ...,  797,  798,  799]],\n"
                "\n"
                "       [[ 800,  801,  802, ...,  897,  898,  899],\n"
                "        [ 900,  901,  902, ...,  997,  998,  999],\n"
                "        [1000, 1001, 1002, ..., 1097, 1098, 1099],\n"
                "        [1100, 1101, 1102, ..., 1197, 1198, 1199]]])");
}
END_TEST

START_TEST(strided_views)
{
    /* views print in their own logical order, whatever the strides */
    nd_array *a = ranged(ND_FLOAT64, 0, 1.5, 0.25, 2, (int64_t[]){2, 3});
    assert_repr(nd_transpose(a, NULL), "array([[0.  , 0.75],\n"
                                       "       [0.25, 1.  ],\n"
                                       "       [0.5 , 1.25]])");
    nd_array *rows_reversed = nd_slice(a, 0, ND_NONE, ND_NONE, -1);
    assert_repr(nd_slice(rows_reversed, 1, ND_NONE, ND_NONE, -1), "array([[1.25, 1.  , 0.75],\n"
                                                                  "       [0.5 , 0.25, 0.  ]])");
    nd_free(rows_reversed);
    nd_free(a);

    nd_array *bytes = nd_arange(ND_UINT8, 0, 5, 1);
    assert_repr(nd_slice(bytes, 0, ND_NONE, ND_NONE, -2), "array([4, 2, 0], dtype=uint8)");
    nd_free(bytes);

    nd_array *u = ranged(ND_UINT32, 1, 7, 1, 2, (int64_t[]){2, 3});
    assert_repr(nd_slice(u, 1, ND_NONE, ND_NONE, -1), "array([[3, 2, 1],\n"
                                                      "       [6, 5, 4]], dtype=uint32)");
    nd_free(u);

    nd_array *cube = ranged(ND_INT64, 0, 24, 1, 3, (int64_t[]){2, 3, 4});
    assert_repr(nd_transpose(cube, NULL), "array([[[ 0, 12],\n"
                                          "        [ 4, 16],\n"
                                          "        [ 8, 20]],\n"
                                          "\n"
                                          "       [[ 1, 13],\n"
                                          "        [ 5, 17],\n"
                                          "        [ 9, 21]],\n"
                                          "\n"
                                          "       [[ 2, 14],\n"
                                          "        [ 6, 18],\n"
                                          "        [10, 22]],\n"
                                          "\n"
                                          "       [[ 3, 15],\n"
                                          "        [ 7, 19],\n"
                                          "        [11, 23]]])");
    nd_free(cube);

    nd_array *m = ranged(ND_FLOAT32, -5, 25, 2.5, 2, (int64_t[]){3, 4});
    nd_array *t = nd_transpose(m, NULL);
    assert_repr(nd_slice(t, 0, ND_NONE, ND_NONE, -1), "array([[ 2.5, 12.5, 22.5],\n"
                                                      "       [ 0. , 10. , 20. ],\n"
                                                      "       [-2.5,  7.5, 17.5],\n"
                                                      "       [-5. ,  5. , 15. ]], dtype=float32)");
    nd_free(t);
    nd_free(m);
}
END_TEST

/* ---- integers and bools ---------------------------------------------------------- */

START_TEST(integers_and_bools)
{
    uint64_t huge[] = {UINT64_MAX, 1};
    assert_repr(nd_from_data(ND_UINT64, 1, (int64_t[]){2}, huge),
                "array([18446744073709551615,                    1], dtype=uint64)");
    int8_t small[] = {-128, 127, 0};
    assert_repr(nd_from_data(ND_INT8, 1, (int64_t[]){3}, small),
                "array([-128,  127,    0], dtype=int8)");
    int64_t extremes[] = {INT64_MIN, INT64_MAX};
    assert_repr(nd_from_data(ND_INT64, 1, (int64_t[]){2}, extremes),
                "array([-9223372036854775808,  9223372036854775807])");
    bool flags[] = {true, false, true};
    assert_repr(nd_from_data(ND_BOOL, 1, (int64_t[]){3}, flags), "array([ True, False,  True])");
    assert_str(nd_from_data(ND_BOOL, 2, (int64_t[]){1, 2}, flags), "[[ True False]]");
}
END_TEST

/* ---- errors and printing to a stream ---------------------------------------------- */

START_TEST(errors_and_fprint)
{
    nd_clear_error();
    ck_assert_ptr_null(nd_repr(NULL));
    ck_assert_int_ne(nd_last_status(), ND_OK);
    nd_clear_error();
    ck_assert_ptr_null(nd_str(NULL));
    ck_assert_int_ne(nd_last_status(), ND_OK);

    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    nd_array *a = nd_arange(ND_INT64, 1, 3, 1);
    ck_assert_int_eq(nd_fprint(f, a), 0);
    ck_assert_int_ne(nd_fprint(f, NULL), 0);
    nd_free(a);
    char text[64] = {0};
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    ck_assert_uint_eq(n, 14);
    ck_assert_str_eq(text, "array([1, 2])\n");
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("print");
    TCase *tc = tcase_create("print");
    tcase_add_test(tc, zero_d);
    tcase_add_test(tc, empty);
    tcase_add_test(tc, float_digits);
    tcase_add_test(tc, negative_zero_nan_inf);
    tcase_add_test(tc, exponent_format);
    tcase_add_test(tc, wrapping_and_dtype_line);
    tcase_add_test(tc, multi_dimensional);
    tcase_add_test(tc, summarized);
    tcase_add_test(tc, strided_views);
    tcase_add_test(tc, integers_and_bools);
    tcase_add_test(tc, errors_and_fprint);
    suite_add_tcase(s, tc);
    return s;
}
