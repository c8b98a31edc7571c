/* dtypes: sizes, names, promotion, casting rules, 16-bit float conversion.
 * (The full promote_types/can_cast tables and all 65,536 float16 patterns are
 * compared with NumPy in numpy/casts_vs_numpy.py.) */
#include <math.h>

#include "test_util.h"

START_TEST(sizes_and_names)
{
    const size_t sizes[ND_NUM_DTYPES] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 2, 4, 8};
    const char *names[ND_NUM_DTYPES] = {"bool", "int8", "int16", "int32", "int64", "uint8",
                                        "uint16", "uint32", "uint64", "float16", "bfloat16",
                                        "float32", "float64"};
    for (int dt = 0; dt < ND_NUM_DTYPES; dt++) {
        ck_assert_uint_eq(nd_dtype_itemsize((nd_dtype)dt), sizes[dt]);
        ck_assert_str_eq(nd_dtype_name((nd_dtype)dt), names[dt]);
        nd_dtype parsed;
        ck_assert_int_eq(nd_dtype_from_name(names[dt], &parsed), 0);
        ck_assert_int_eq(parsed, dt);
    }
    ck_assert_uint_eq(nd_dtype_itemsize((nd_dtype)13), 0);
    ck_assert_ptr_null(nd_dtype_name((nd_dtype)-1));
    nd_dtype parsed;
    ck_assert_int_eq(nd_dtype_from_name("float", &parsed), 0);
    ck_assert_int_eq(parsed, ND_FLOAT64);
    ck_assert_int_eq(nd_dtype_from_name("complex64", &parsed), ND_ERR_TYPE);
    ck_assert_error("data type 'complex64' not understood");
}
END_TEST

START_TEST(promotion_follows_numpy)
{
    ck_assert_int_eq(nd_result_type(ND_INT8, ND_UINT8), ND_INT16);
    ck_assert_int_eq(nd_result_type(ND_INT64, ND_UINT64), ND_FLOAT64);
    ck_assert_int_eq(nd_result_type(ND_UINT32, ND_INT32), ND_INT64);
    ck_assert_int_eq(nd_result_type(ND_INT16, ND_FLOAT16), ND_FLOAT32);
    ck_assert_int_eq(nd_result_type(ND_UINT8, ND_FLOAT16), ND_FLOAT16);
    ck_assert_int_eq(nd_result_type(ND_INT32, ND_FLOAT32), ND_FLOAT64);
    ck_assert_int_eq(nd_result_type(ND_BOOL, ND_INT8), ND_INT8);
    /* bfloat16 as ml_dtypes: like float16, and the two meet at float32. */
    ck_assert_int_eq(nd_result_type(ND_BFLOAT16, ND_FLOAT16), ND_FLOAT32);
    ck_assert_int_eq(nd_result_type(ND_BFLOAT16, ND_INT8), ND_BFLOAT16);
    ck_assert_int_eq(nd_result_type(ND_BFLOAT16, ND_INT16), ND_FLOAT32);
    ck_assert_int_eq(nd_result_type(ND_BFLOAT16, ND_FLOAT64), ND_FLOAT64);
    ck_assert_int_eq(nd_result_type(ND_BFLOAT16, ND_BFLOAT16), ND_BFLOAT16);
    ck_assert_int_eq((int)nd_result_type((nd_dtype)99, ND_INT8), -1);
}
END_TEST

START_TEST(casting_rules)
{
    ck_assert(nd_can_cast(ND_INT8, ND_INT16, ND_CAST_SAFE));
    ck_assert(!nd_can_cast(ND_INT16, ND_INT8, ND_CAST_SAFE));
    ck_assert(nd_can_cast(ND_INT16, ND_INT8, ND_CAST_SAME_KIND));
    ck_assert(!nd_can_cast(ND_FLOAT64, ND_INT64, ND_CAST_SAME_KIND));
    ck_assert(nd_can_cast(ND_FLOAT64, ND_INT64, ND_CAST_UNSAFE));
    ck_assert(!nd_can_cast(ND_INT8, ND_UINT8, ND_CAST_SAME_KIND));
    ck_assert(nd_can_cast(ND_UINT8, ND_INT8, ND_CAST_SAME_KIND));
    ck_assert(!nd_can_cast(ND_FLOAT16, ND_BFLOAT16, ND_CAST_SAFE));
    ck_assert(nd_can_cast(ND_BFLOAT16, ND_FLOAT32, ND_CAST_SAFE));
    ck_assert(nd_can_cast(ND_INT32, ND_INT32, ND_CAST_NO));
    ck_assert(!nd_can_cast(ND_INT32, ND_INT64, ND_CAST_NO));
}
END_TEST

static uint16_t half_bits_of(double v) { return nd_double_to_half(v); }

START_TEST(float16_rounding)
{
    ck_assert_uint_eq(half_bits_of(1.0), 0x3c00);
    ck_assert_uint_eq(half_bits_of(-2.0), 0xc000);
    ck_assert_uint_eq(half_bits_of(65504.0), 0x7bff);
    ck_assert_uint_eq(half_bits_of(65520.0), 0x7c00);           /* rounds up to inf */
    ck_assert_uint_eq(half_bits_of(65519.99), 0x7bff);
    ck_assert_uint_eq(half_bits_of(1.0 + 0x1p-11), 0x3c00);     /* tie: to even (down) */
    ck_assert_uint_eq(half_bits_of(1.0 + 3 * 0x1p-11), 0x3c02); /* tie: to even (up) */
    /* Just above a tie must round up; through float32 the excess is lost and
     * the tie would round down: the double conversion rounds once. */
    ck_assert_uint_eq(half_bits_of(1.0 + 0x1p-11 + 0x1p-40), 0x3c01);
    ck_assert_uint_eq(nd_float_to_half((float)(1.0 + 0x1p-11 + 0x1p-40)), 0x3c00);
    ck_assert_uint_eq(half_bits_of(0x1p-24), 0x0001);           /* smallest subnormal */
    ck_assert_uint_eq(half_bits_of(0x1p-25), 0x0000);           /* tie to even: zero */
    ck_assert_uint_eq(half_bits_of(0x1p-25 * 1.0001), 0x0001);
    ck_assert_uint_eq(half_bits_of(-0.0), 0x8000);
    ck_assert_uint_eq(half_bits_of(INFINITY), 0x7c00);
    ck_assert((half_bits_of(NAN) & 0x7c00) == 0x7c00 && (half_bits_of(NAN) & 0x3ff));
    ck_assert(isnan(nd_half_to_float(0x7e00)));
    ck_assert_float_eq(nd_half_to_float(0x0001), 0x1p-24f);
    ck_assert_float_eq(nd_half_to_float(0x3555), 0.333251953125f);
    /* Every finite half survives half -> float -> half. */
    for (uint32_t h = 0; h < 0x10000; h++)
        if ((h & 0x7c00) != 0x7c00)
            ck_assert_uint_eq(nd_float_to_half(nd_half_to_float((uint16_t)h)), h);
}
END_TEST

START_TEST(bfloat16_rounding)
{
    float tie_even, tie_odd;
    uint32_t bits = 0x3F808000u;   /* halfway between 0x3F80 and 0x3F81 */
    memcpy(&tie_even, &bits, 4);
    bits = 0x3F818000u;            /* halfway between 0x3F81 and 0x3F82 */
    memcpy(&tie_odd, &bits, 4);
    ck_assert_uint_eq(nd_float_to_bfloat16(tie_even), 0x3F80);
    ck_assert_uint_eq(nd_float_to_bfloat16(tie_odd), 0x3F82);
    ck_assert_uint_eq(nd_double_to_bfloat16((double)tie_odd), 0x3F82);
    ck_assert_uint_eq(nd_float_to_bfloat16(1.0f), 0x3F80);
    ck_assert_uint_eq(nd_float_to_bfloat16(3.4e38f), 0x7F80);   /* overflow to inf */
    ck_assert(isnan(nd_bfloat16_to_float(nd_float_to_bfloat16(NAN))));
    ck_assert_float_eq(nd_bfloat16_to_float(0x4049), 3.140625f);
    for (uint32_t b = 0; b < 0x10000; b++)
        if ((b & 0x7f80) != 0x7f80)
            ck_assert_uint_eq(nd_double_to_bfloat16(nd_bfloat16_to_float((uint16_t)b)), b);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("dtype");
    TCase *tc = tcase_create("dtype");
    tcase_add_test(tc, sizes_and_names);
    tcase_add_test(tc, promotion_follows_numpy);
    tcase_add_test(tc, casting_rules);
    tcase_add_test(tc, float16_rounding);
    tcase_add_test(tc, bfloat16_rounding);
    suite_add_tcase(s, tc);
    return s;
}
