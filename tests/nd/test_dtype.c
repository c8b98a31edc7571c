/* dtypes: sizes, names, classification, the full promotion and casting
 * tables, and the 16-bit float conversions.
 *
 * Expected values come from NumPy 1.24 (numpy.promote_types, numpy.can_cast,
 * ndarray.astype(np.float16)); bfloat16 follows ml_dtypes as nd.h states:
 * like float16 against every other dtype, bfloat16 + float16 -> float32,
 * and round to nearest even from float32 (its top 16 bits). The conversions
 * are checked against references written here from the IEEE definitions
 * (decode by ldexp, encode by searching the nearest representable value),
 * not against libnd's own code. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* ck_assert_msg records a checkpoint on every pass; the loops over tens of
 * thousands of patterns below only call into Check on a failure. */
#define CHECK(cond, ...)               \
    do {                               \
        if (!(cond))                   \
            ck_abort_msg(__VA_ARGS__); \
    } while (0)

// clang-format off
static const char *const names[ND_NUM_DTYPES] = {
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64"};
// clang-format on

/* ------------------------------------------------------------------------ */
/* Sizes, names, classification                                             */
/* ------------------------------------------------------------------------ */

START_TEST(itemsizes)
{
    const size_t sizes[ND_NUM_DTYPES] = {1, 1, 2, 4, 8, 1, 2, 4, 8, 2, 2, 4, 8};
    for (int dt = 0; dt < ND_NUM_DTYPES; dt++)
        ck_assert_uint_eq(nd_dtype_itemsize((nd_dtype)dt), sizes[dt]);
    ck_assert_uint_eq(nd_dtype_itemsize((nd_dtype)13), 0);
    ck_assert_uint_eq(nd_dtype_itemsize((nd_dtype)-1), 0);
    ck_assert_uint_eq(nd_dtype_itemsize((nd_dtype)1000), 0);
}
END_TEST

START_TEST(names_round_trip)
{
    for (int dt = 0; dt < ND_NUM_DTYPES; dt++) {
        ck_assert_str_eq(nd_dtype_name((nd_dtype)dt), names[dt]);
        nd_dtype parsed = (nd_dtype)-1;
        ck_assert_int_eq(nd_dtype_from_name(names[dt], &parsed), 0);
        ck_assert_int_eq(parsed, dt);
    }
    ck_assert_ptr_null(nd_dtype_name((nd_dtype)-1));
    ck_assert_ptr_null(nd_dtype_name((nd_dtype)13));
}
END_TEST

START_TEST(name_aliases)
{
    /* np.dtype('bool_') is bool, 'float' is float64, 'int' is int64. */
    nd_dtype parsed = (nd_dtype)-1;
    ck_assert_int_eq(nd_dtype_from_name("bool_", &parsed), 0);
    ck_assert_int_eq(parsed, ND_BOOL);
    ck_assert_int_eq(nd_dtype_from_name("float", &parsed), 0);
    ck_assert_int_eq(parsed, ND_FLOAT64);
    ck_assert_int_eq(nd_dtype_from_name("int", &parsed), 0);
    ck_assert_int_eq(parsed, ND_INT64);
}
END_TEST

START_TEST(unknown_names)
{
    /* TypeError("data type 'foo' not understood"), as np.dtype('foo'). */
    const char *bad[] = {"foo", "Float32", "float128x", "", "int 8", "bfloat16 ", "float64x"};
    char expected[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nd_dtype parsed = ND_INT16;
        nd_clear_error();
        ck_assert_int_eq(nd_dtype_from_name(bad[i], &parsed), ND_ERR_TYPE);
        ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
        snprintf(expected, sizeof expected, "data type '%s' not understood", bad[i]);
        ck_assert_error(expected);
    }
    nd_clear_error();
    ck_assert_int_eq(nd_last_status(), ND_OK);
    ck_assert_str_eq(nd_last_error(), "");
}
END_TEST

START_TEST(classification)
{
    // clang-format off
    /*                                b  i8 i16 i32 i64 u8 u16 u32 u64 f16 bf f32 f64 */
    const bool is_float[ND_NUM_DTYPES] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
    const bool is_int[ND_NUM_DTYPES]   = {0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
    const bool is_signed[ND_NUM_DTYPES] = {0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1};
    // clang-format on
    for (int dt = 0; dt < ND_NUM_DTYPES; dt++) {
        ck_assert_msg(nd_dtype_is_float((nd_dtype)dt) == is_float[dt], "is_float(%s)", names[dt]);
        ck_assert_msg(nd_dtype_is_integer((nd_dtype)dt) == is_int[dt], "is_integer(%s)", names[dt]);
        ck_assert_msg(nd_dtype_is_signed((nd_dtype)dt) == is_signed[dt], "is_signed(%s)", names[dt]);
    }
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Promotion and casting tables                                             */
/* ------------------------------------------------------------------------ */

#define B ND_BOOL
#define I8 ND_INT8
#define I16 ND_INT16
#define I32 ND_INT32
#define I64 ND_INT64
#define U8 ND_UINT8
#define U16 ND_UINT16
#define U32 ND_UINT32
#define U64 ND_UINT64
#define F16 ND_FLOAT16
#define BF ND_BFLOAT16
#define F32 ND_FLOAT32
#define F64 ND_FLOAT64

/* numpy.promote_types(row, column), printed by NumPy 1.24 for the 12 NumPy
 * dtypes; the bfloat16 row and column are float16's with bfloat16 in place
 * of float16, except bfloat16 + float16 -> float32. */
// clang-format off
static const nd_dtype promote_table[ND_NUM_DTYPES][ND_NUM_DTYPES] = {
    /*          b    i8   i16  i32  i64  u8   u16  u32  u64  f16  bf   f32  f64 */
    /* b   */ {B,   I8,  I16, I32, I64, U8,  U16, U32, U64, F16, BF,  F32, F64},
    /* i8  */ {I8,  I8,  I16, I32, I64, I16, I32, I64, F64, F16, BF,  F32, F64},
    /* i16 */ {I16, I16, I16, I32, I64, I16, I32, I64, F64, F32, F32, F32, F64},
    /* i32 */ {I32, I32, I32, I32, I64, I32, I32, I64, F64, F64, F64, F64, F64},
    /* i64 */ {I64, I64, I64, I64, I64, I64, I64, I64, F64, F64, F64, F64, F64},
    /* u8  */ {U8,  I16, I16, I32, I64, U8,  U16, U32, U64, F16, BF,  F32, F64},
    /* u16 */ {U16, I32, I32, I32, I64, U16, U16, U32, U64, F32, F32, F32, F64},
    /* u32 */ {U32, I64, I64, I64, I64, U32, U32, U32, U64, F64, F64, F64, F64},
    /* u64 */ {U64, F64, F64, F64, F64, U64, U64, U64, U64, F64, F64, F64, F64},
    /* f16 */ {F16, F16, F32, F64, F64, F16, F32, F64, F64, F16, F32, F32, F64},
    /* bf  */ {BF,  BF,  F32, F64, F64, BF,  F32, F64, F64, F32, BF,  F32, F64},
    /* f32 */ {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F32, F32, F64},
    /* f64 */ {F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64},
};
// clang-format on

START_TEST(result_type_all_pairs)
{
    for (int a = 0; a < ND_NUM_DTYPES; a++)
        for (int b = 0; b < ND_NUM_DTYPES; b++) {
            nd_dtype got = nd_result_type((nd_dtype)a, (nd_dtype)b);
            ck_assert_msg(got == promote_table[a][b], "result_type(%s, %s) = %s, expected %s",
                          names[a], names[b], got >= 0 && got < ND_NUM_DTYPES ? names[got] : "?",
                          names[promote_table[a][b]]);
        }
}
END_TEST

START_TEST(result_type_invalid)
{
    ck_assert_int_eq((int)nd_result_type((nd_dtype)99, ND_INT8), -1);
    ck_assert_int_eq((int)nd_result_type(ND_INT8, (nd_dtype)13), -1);
    ck_assert_int_eq((int)nd_result_type((nd_dtype)-1, (nd_dtype)-1), -1);
    ck_assert_int_eq((int)nd_result_type(ND_FLOAT64, (nd_dtype)-5), -1);
}
END_TEST

/* numpy.can_cast(row, column, rule) from NumPy 1.24 for the 12 NumPy dtypes,
 * one string per row, '1' for True. bfloat16 casts as float16 does (ml_dtypes
 * registers the same safe casts: from bool/int8/uint8, to float32/float64),
 * and float16 <-> bfloat16 is not safe (each loses values of the other) but
 * is a same-kind cast. */
// clang-format off
static const char *const cast_table[5][ND_NUM_DTYPES] = {
    /* no */ {
        "1000000000000", "0100000000000", "0010000000000", "0001000000000",
        "0000100000000", "0000010000000", "0000001000000", "0000000100000",
        "0000000010000", "0000000001000", "0000000000100", "0000000000010",
        "0000000000001",
    },
    /* equiv */ {
        "1000000000000", "0100000000000", "0010000000000", "0001000000000",
        "0000100000000", "0000010000000", "0000001000000", "0000000100000",
        "0000000010000", "0000000001000", "0000000000100", "0000000000010",
        "0000000000001",
    },
    /* safe       b i8 i16 i32 i64 u8 u16 u32 u64 f16 bf f32 f64 */
    {
        "1111111111111",  /* bool */
        "0111100001111",  /* int8 */
        "0011100000011",  /* int16 */
        "0001100000001",  /* int32 */
        "0000100000001",  /* int64 */
        "0011111111111",  /* uint8 */
        "0001101110011",  /* uint16 */
        "0000100110001",  /* uint32 */
        "0000000010001",  /* uint64 */
        "0000000001011",  /* float16 */
        "0000000000111",  /* bfloat16 */
        "0000000000011",  /* float32 */
        "0000000000001",  /* float64 */
    },
    /* same_kind */ {
        "1111111111111",  /* bool */
        "0111100001111",  /* int8 */
        "0111100001111",  /* int16 */
        "0111100001111",  /* int32 */
        "0111100001111",  /* int64 */
        "0111111111111",  /* uint8 */
        "0111111111111",  /* uint16 */
        "0111111111111",  /* uint32 */
        "0111111111111",  /* uint64 */
        "0000000001111",  /* float16 */
        "0000000001111",  /* bfloat16 */
        "0000000001111",  /* float32 */
        "0000000001111",  /* float64 */
    },
    /* unsafe */ {
        "1111111111111", "1111111111111", "1111111111111", "1111111111111",
        "1111111111111", "1111111111111", "1111111111111", "1111111111111",
        "1111111111111", "1111111111111", "1111111111111", "1111111111111",
        "1111111111111",
    },
};
// clang-format on

static const char *const rule_names[5] = {"no", "equiv", "safe", "same_kind", "unsafe"};

START_TEST(can_cast_all_pairs_all_rules)
{
    const nd_casting rules[5] = {ND_CAST_NO, ND_CAST_EQUIV, ND_CAST_SAFE, ND_CAST_SAME_KIND,
                                 ND_CAST_UNSAFE};
    for (int r = 0; r < 5; r++)
        for (int a = 0; a < ND_NUM_DTYPES; a++)
            for (int b = 0; b < ND_NUM_DTYPES; b++) {
                bool expected = cast_table[r][a][b] == '1';
                CHECK(nd_can_cast((nd_dtype)a, (nd_dtype)b, rules[r]) == expected,
                      "can_cast(%s, %s, '%s') should be %s", names[a], names[b], rule_names[r],
                      expected ? "True" : "False");
            }
}
END_TEST

START_TEST(can_cast_is_consistent_with_promotion)
{
    /* Both operands cast safely to their promoted type, and a type's safe
     * targets are exactly the types it promotes to without change. */
    for (int a = 0; a < ND_NUM_DTYPES; a++)
        for (int b = 0; b < ND_NUM_DTYPES; b++) {
            nd_dtype r = nd_result_type((nd_dtype)a, (nd_dtype)b);
            ck_assert(nd_can_cast((nd_dtype)a, r, ND_CAST_SAFE));
            ck_assert(nd_can_cast((nd_dtype)b, r, ND_CAST_SAFE));
            ck_assert(nd_can_cast((nd_dtype)a, (nd_dtype)b, ND_CAST_SAFE) == (r == (nd_dtype)b));
        }
}
END_TEST

#undef B
#undef I8
#undef I16
#undef I32
#undef I64
#undef U8
#undef U16
#undef U32
#undef U64
#undef F16
#undef BF
#undef F32
#undef F64

/* ------------------------------------------------------------------------ */
/* References for the 16-bit floats                                         */
/* ------------------------------------------------------------------------ */

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* IEEE binary16 by definition: 1 sign, 5 exponent (bias 15), 10 fraction
 * bits. (Checked against NumPy for all 65536 patterns when written.) */
static double ref_half_value(uint16_t h)
{
    double sign = (h & 0x8000) ? -1.0 : 1.0;
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    if (e == 31)
        return m ? NAN : sign * INFINITY;
    if (e == 0)
        return sign * ldexp(m, -24);
    return sign * ldexp(1024 + m, e - 25);
}

/* bfloat16: the top half of a float32. */
static double ref_bf16_value(uint16_t b) { return bits_float((uint32_t)b << 16); }

/* The magnitudes of the finite non-negative patterns 0x0000..limit-1, in
 * increasing order, plus table[limit] = the first value that is not finite
 * (2^16 for half, 2^128 for bfloat16): rounding there gives the inf pattern
 * `limit`, which is even, as IEEE's overflow rule says. */
static double half_table[0x7c01];
static double bf16_table[0x7f81];

static void fill_tables(void)
{
    for (uint32_t h = 0; h < 0x7c00; h++)
        half_table[h] = ref_half_value((uint16_t)h);
    half_table[0x7c00] = 65536.0;
    for (uint32_t b = 0; b < 0x7f80; b++)
        bf16_table[b] = ref_bf16_value((uint16_t)b);
    bf16_table[0x7f80] = ldexp(1.0, 128);
}

/* The nearest pattern to x with ties to the even pattern, found by searching
 * the ordered table: a reference independent of any bit trick. Values at or
 * past the overflow midpoint go to inf; NaN is handled by the caller. */
static uint16_t ref_round(const double *table, uint32_t limit, double x)
{
    uint16_t sign = signbit(x) ? 0x8000 : 0;
    double ax = fabs(x);
    if (ax >= table[limit])
        return sign | (uint16_t)limit;
    uint32_t lo = 0, hi = limit; /* table[lo] <= ax < table[hi] */
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (table[mid] <= ax)
            lo = mid;
        else
            hi = mid;
    }
    double below = ax - table[lo], above = table[hi] - ax; /* exact in double */
    uint32_t r = below < above ? lo : above < below ? hi : ((lo & 1) ? hi : lo);
    return sign | (uint16_t)r;
}

static bool half_is_nan(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff); }
static bool bf16_is_nan(uint16_t b) { return (b & 0x7f80) == 0x7f80 && (b & 0x7f); }

/* ------------------------------------------------------------------------ */
/* float16                                                                  */
/* ------------------------------------------------------------------------ */

START_TEST(half_to_float_all_patterns)
{
    for (uint32_t h = 0; h < 0x10000; h++) {
        float got = nd_half_to_float((uint16_t)h);
        double want = ref_half_value((uint16_t)h);
        if (isnan(want)) {
            CHECK(isnan(got), "half 0x%04x should be NaN", h);
            CHECK(!signbit(got) == !(h & 0x8000), "half 0x%04x: NaN sign", h);
        } else {
            CHECK((double)got == want && !signbit(got) == !signbit(want),
                  "half 0x%04x -> %.9g, expected %.9g", h, got, want);
        }
    }
    /* A few by value, as NumPy prints them. */
    ck_assert(nd_half_to_float(0x3555) == 0.333251953125f);
    ck_assert(nd_half_to_float(0x7bff) == 65504.0f);
    // clang-format off
    ck_assert(nd_half_to_float(0x0001) == 0x1p-24f);   /* smallest subnormal */
    ck_assert(nd_half_to_float(0x03ff) == 1023 * 0x1p-24f);   /* largest subnormal */
    ck_assert(nd_half_to_float(0x0400) == 0x1p-14f);   /* smallest normal */
    // clang-format on
    ck_assert(nd_half_to_float(0x7c00) == INFINITY);
    ck_assert(nd_half_to_float(0xfc00) == -INFINITY);
    ck_assert(signbit(nd_half_to_float(0x8000)) && nd_half_to_float(0x8000) == 0);
}
END_TEST

START_TEST(half_round_trips)
{
    /* half -> float -> half and half -> double -> half give the same pattern
     * for every non-NaN half (NumPy: all 63490 of them); NaNs stay NaN with
     * their sign. */
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = nd_half_to_float((uint16_t)h);
        uint16_t back = nd_float_to_half(f);
        uint16_t back_d = nd_double_to_half((double)f);
        if (half_is_nan((uint16_t)h)) {
            CHECK(half_is_nan(back) && half_is_nan(back_d), "NaN 0x%04x", h);
            CHECK((back & 0x8000) == (h & 0x8000) && (back_d & 0x8000) == (h & 0x8000),
                  "NaN 0x%04x lost its sign", h);
        } else {
            CHECK(back == h, "0x%04x -> %.9g -> 0x%04x", h, f, back);
            CHECK(back_d == h, "0x%04x -> (double) -> 0x%04x", h, back_d);
        }
    }
}
END_TEST

START_TEST(half_rounding_cases)
{
    /* np.array([x], np.float64).astype(np.float16).view(np.uint16) */
    ck_assert_uint_eq(nd_double_to_half(1.0), 0x3c00);
    ck_assert_uint_eq(nd_double_to_half(-2.0), 0xc000);
    ck_assert_uint_eq(nd_double_to_half(0.1), 0x2e66);
    // clang-format off
    ck_assert_uint_eq(nd_double_to_half(1.0 + 0x1p-11), 0x3c00);       /* tie: down to even */
    ck_assert_uint_eq(nd_double_to_half(1.0 + 3 * 0x1p-11), 0x3c02);   /* tie: up to even */
    ck_assert_uint_eq(nd_double_to_half(1.0 + 0x1p-11 + 0x1p-40), 0x3c01);
    ck_assert_uint_eq(nd_double_to_half(1.0 + 0x1p-11 - 0x1p-40), 0x3c00);
    ck_assert_uint_eq(nd_double_to_half(2048.0 + 1.0), 0x6800);        /* 2049 -> 2048 */
    ck_assert_uint_eq(nd_double_to_half(2048.0 + 3.0), 0x6802);        /* 2051 -> 2052 */
    /* Subnormals: steps of 2^-24; ties go to even. */
    ck_assert_uint_eq(nd_double_to_half(0x1p-24), 0x0001);
    ck_assert_uint_eq(nd_double_to_half(0x1p-25), 0x0000);             /* tie with 0 */
    ck_assert_uint_eq(nd_double_to_half(3 * 0x1p-25), 0x0002);         /* 1.5 ulp -> 2 */
    ck_assert_uint_eq(nd_double_to_half(5 * 0x1p-25), 0x0002);         /* 2.5 ulp -> 2 */
    ck_assert_uint_eq(nd_double_to_half(-3 * 0x1p-25), 0x8002);
    ck_assert_uint_eq(nd_double_to_half(0x1p-14 - 0x1p-25), 0x0400);   /* tie into the normals */
    ck_assert_uint_eq(nd_double_to_half(0x1p-14 - 0x1p-24), 0x03ff);
    ck_assert_uint_eq(nd_double_to_half(1e-10), 0x0000);               /* underflow keeps sign */
    ck_assert_uint_eq(nd_double_to_half(-1e-10), 0x8000);
    // clang-format on
    ck_assert_uint_eq(nd_double_to_half(-0.0), 0x8000);
    /* Overflow: 65520 is the midpoint between 65504 and 2^16: to even = inf. */
    ck_assert_uint_eq(nd_double_to_half(65504.0), 0x7bff);
    ck_assert_uint_eq(nd_double_to_half(65519.99), 0x7bff);
    ck_assert_uint_eq(nd_double_to_half(65520.0), 0x7c00);
    ck_assert_uint_eq(nd_double_to_half(-65520.0), 0xfc00);
    ck_assert_uint_eq(nd_double_to_half(1e300), 0x7c00);
    ck_assert_uint_eq(nd_double_to_half(-1e300), 0xfc00);
    ck_assert_uint_eq(nd_double_to_half(INFINITY), 0x7c00);
    ck_assert_uint_eq(nd_double_to_half(-INFINITY), 0xfc00);
    ck_assert_uint_eq(nd_float_to_half(65520.0f), 0x7c00);
    ck_assert_uint_eq(nd_float_to_half(65519.0f), 0x7bff);
    ck_assert_uint_eq(nd_float_to_half(3.4e38f), 0x7c00);
    ck_assert_uint_eq(nd_float_to_half(1e-30f), 0x0000);
}
END_TEST

START_TEST(half_double_rounds_once)
{
    /* 1 + 2^-11 + 2^-40 is just above the midpoint of 0x3c00 and 0x3c01, so
     * it rounds up. Through float32 the 2^-40 is lost, the value becomes the
     * exact tie, and ties-to-even would round down: double -> half must round
     * directly (NumPy gives 0x3c01 from float64, 0x3c00 from float32). */
    double just_above = 1.0 + 0x1p-11 + 0x1p-40;
    ck_assert((double)(float)just_above == 1.0 + 0x1p-11);
    ck_assert_uint_eq(nd_double_to_half(just_above), 0x3c01);
    ck_assert_uint_eq(nd_float_to_half((float)just_above), 0x3c00);
    /* The same in the subnormal range: 2^-25 (+) is halfway between 0 and
     * the smallest subnormal. */
    double tiny = 0x1p-25 + 0x1p-60;
    ck_assert((double)(float)tiny == 0x1p-25);
    ck_assert_uint_eq(nd_double_to_half(tiny), 0x0001);
    ck_assert_uint_eq(nd_float_to_half((float)tiny), 0x0000);
    /* Every midpoint between consecutive halves, and its neighbours one
     * double ulp away. */
    fill_tables();
    for (uint32_t h = 0; h < 0x7c00; h++) {
        double mid = (half_table[h] + half_table[h + 1]) / 2; /* exact */
        double xs[3] = {nextafter(mid, 0), mid, nextafter(mid, INFINITY)};
        for (int k = 0; k < 3; k++) {
            for (int s = 0; s < 2; s++) {
                double x = s ? -xs[k] : xs[k];
                uint16_t want = ref_round(half_table, 0x7c00, x);
                uint16_t got = nd_double_to_half(x);
                CHECK(got == want, "double_to_half(%a) = 0x%04x, expected 0x%04x", x, got, want);
            }
        }
    }
}
END_TEST

START_TEST(float_to_half_against_reference)
{
    fill_tables();
    /* Every midpoint (exact in float32: at most 12 significant bits) and its
     * float neighbours. */
    for (uint32_t h = 0; h < 0x7c00; h++) {
        float mid = (float)((half_table[h] + half_table[h + 1]) / 2);
        float xs[3] = {nextafterf(mid, 0), mid, nextafterf(mid, INFINITY)};
        for (int k = 0; k < 3; k++) {
            uint16_t want = ref_round(half_table, 0x7c00, xs[k]);
            CHECK(nd_float_to_half(xs[k]) == want, "float_to_half(%a): 0x%04x, expected 0x%04x",
                  xs[k], nd_float_to_half(xs[k]), want);
            CHECK(nd_float_to_half(-xs[k]) == (want | 0x8000), "float_to_half(%a)", -xs[k]);
        }
    }
    /* A sweep over float32 bit patterns of both signs. */
    for (uint64_t u = 0; u < 0x100000000ull; u += 4093) {
        float f = bits_float((uint32_t)u);
        uint16_t got = nd_float_to_half(f);
        if (isnan(f)) {
            CHECK(half_is_nan(got), "float 0x%08x: NaN -> 0x%04x", (uint32_t)u, got);
            continue;
        }
        uint16_t want = ref_round(half_table, 0x7c00, f);
        CHECK(got == want, "float_to_half(0x%08x) = 0x%04x, expected 0x%04x", (uint32_t)u, got,
              want);
        CHECK(nd_double_to_half((double)f) == want, "double_to_half(%a)", (double)f);
    }
}
END_TEST

START_TEST(half_nan_stays_nan)
{
    /* Signalling NaNs whose payload sits in the low bits that half drops
     * (0x7f800001): a truncating conversion would make them inf. NumPy keeps
     * them NaN with their sign; nd.h says the result is a quiet NaN. */
    const uint32_t nans[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xff800001u,
                             0x7fbfffffu, 0x7fffffffu, 0xffffffffu, 0x7f802000u};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        uint16_t h = nd_float_to_half(bits_float(nans[i]));
        CHECK(half_is_nan(h), "float 0x%08x -> 0x%04x is not NaN", nans[i], h);
        CHECK((h & 0x0200) != 0, "float 0x%08x -> 0x%04x is not quiet", nans[i], h);
        ck_assert_uint_eq(h & 0x8000, (nans[i] >> 16) & 0x8000);
        double d = (double)bits_float(nans[i]);
        uint16_t hd = nd_double_to_half(d);
        ck_assert(half_is_nan(hd) && (hd & 0x0200) && (hd & 0x8000) == (h & 0x8000));
    }
    uint64_t dnan_bits = 0x7ff0000000000001ull; /* payload in the lowest double bit */
    double dnan;
    memcpy(&dnan, &dnan_bits, 8);
    ck_assert(half_is_nan(nd_double_to_half(dnan)));
    ck_assert(isnan(nd_half_to_float(0x7c01)));
    ck_assert(isnan(nd_half_to_float(0xfe00)) && signbit(nd_half_to_float(0xfe00)));
    ck_assert(isnan(nd_half_to_float(nd_double_to_half(NAN))));
}
END_TEST

/* ------------------------------------------------------------------------ */
/* bfloat16                                                                 */
/* ------------------------------------------------------------------------ */

START_TEST(bfloat16_to_float_all_patterns)
{
    for (uint32_t b = 0; b < 0x10000; b++) {
        float got = nd_bfloat16_to_float((uint16_t)b);
        if (bf16_is_nan((uint16_t)b)) {
            CHECK(isnan(got), "bfloat16 0x%04x should be NaN", b);
            CHECK(!signbit(got) == !(b & 0x8000), "bfloat16 0x%04x: NaN sign", b);
        } else {
            CHECK(float_bits(got) == b << 16, "bfloat16 0x%04x -> 0x%08x", b, float_bits(got));
        }
    }
    ck_assert(nd_bfloat16_to_float(0x4049) == 3.140625f);
    ck_assert(nd_bfloat16_to_float(0x3f80) == 1.0f);
    ck_assert(nd_bfloat16_to_float(0x7f80) == INFINITY);
    ck_assert(nd_bfloat16_to_float(0x0001) == 0x1p-133f); /* smallest subnormal */
}
END_TEST

START_TEST(bfloat16_round_trips)
{
    for (uint32_t b = 0; b < 0x10000; b++) {
        float f = nd_bfloat16_to_float((uint16_t)b);
        uint16_t back = nd_float_to_bfloat16(f), back_d = nd_double_to_bfloat16((double)f);
        if (bf16_is_nan((uint16_t)b)) {
            ck_assert(bf16_is_nan(back) && bf16_is_nan(back_d));
            CHECK((back & 0x8000) == (b & 0x8000) && (back_d & 0x8000) == (b & 0x8000),
                  "NaN 0x%04x lost its sign", b);
        } else {
            CHECK(back == b, "0x%04x -> 0x%04x", b, back);
            CHECK(back_d == b, "0x%04x -> (double) 0x%04x", b, back_d);
        }
    }
}
END_TEST

START_TEST(bfloat16_rounding_cases)
{
    /* float32 -> bfloat16, round to nearest even on the low 16 bits. */
    // clang-format off
    const struct { uint32_t in; uint16_t out; } cases[] = {
        {0x3F808000u, 0x3F80},   /* tie, 0x3F80 even: down */
        {0x3F818000u, 0x3F82},   /* tie, 0x3F81 odd: up */
        {0x3F808001u, 0x3F81},   /* just above a tie */
        {0x3F807FFFu, 0x3F80},   /* just below a tie */
        {0xBF818000u, 0xBF82},   /* negative tie */
        {0x3F80FFFFu, 0x3F81},
        {0x3FFF8000u, 0x4000},   /* carry into the exponent */
        {0x7F7F0000u, 0x7F7F},   /* largest finite */
        {0x7F7F7FFFu, 0x7F7F},
        {0x7F7F8000u, 0x7F80},   /* tie past the largest: to even = inf */
        {0x7F7FFFFFu, 0x7F80},   /* FLT_MAX overflows */
        {0xFF7FFFFFu, 0xFF80},
        {0x00008000u, 0x0000},   /* subnormal tie down */
        {0x00018000u, 0x0002},   /* subnormal tie up */
        {0x00007FFFu, 0x0000},
        {0x80000001u, 0x8000},
        {0x007FFFFFu, 0x0080},   /* largest float subnormal rounds to the smallest normal */
        {0x7F800000u, 0x7F80},
        {0xFF800000u, 0xFF80},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        float f = bits_float(cases[i].in);
        CHECK(nd_float_to_bfloat16(f) == cases[i].out, "float 0x%08x -> 0x%04x, expected 0x%04x",
              cases[i].in, nd_float_to_bfloat16(f), cases[i].out);
        CHECK(nd_double_to_bfloat16((double)f) == cases[i].out, "double(0x%08x)", cases[i].in);
    }
    ck_assert_uint_eq(nd_float_to_bfloat16(1.0f), 0x3F80);
    ck_assert_uint_eq(nd_float_to_bfloat16(3.4e38f), 0x7F80);
    ck_assert_uint_eq(nd_double_to_bfloat16(1e300), 0x7F80);
    ck_assert_uint_eq(nd_double_to_bfloat16(-1e300), 0xFF80);
    ck_assert_uint_eq(nd_double_to_bfloat16(1e-300), 0x0000);
    ck_assert_uint_eq(nd_double_to_bfloat16(-1e-300), 0x8000);
    ck_assert_uint_eq(nd_double_to_bfloat16(3.14159265358979), 0x4049);
}
END_TEST

START_TEST(bfloat16_double_rounds_once)
{
    /* 1 + 2^-8 is the tie between 1.0 (0x3F80) and 1 + 2^-7 (0x3F81); 2^-40
     * more rounds up, but is lost in float32, where the tie rounds to even. */
    double just_above = 1.0 + 0x1p-8 + 0x1p-40;
    ck_assert((double)(float)just_above == 1.0 + 0x1p-8);
    ck_assert_uint_eq(nd_double_to_bfloat16(just_above), 0x3F81);
    ck_assert_uint_eq(nd_float_to_bfloat16((float)just_above), 0x3F80);
    ck_assert_uint_eq(nd_double_to_bfloat16(1.0 + 0x1p-8 - 0x1p-40), 0x3F80);
    ck_assert_uint_eq(nd_double_to_bfloat16(-(1.0 + 0x1p-8 + 0x1p-40)), 0xBF81);
    /* Below float32's smallest subnormal: a double can still be above a
     * bfloat16 tie that float32 cannot represent. 2^-134 is the tie between 0
     * and the smallest bfloat16 subnormal 2^-133. */
    double tiny = 0x1p-134 + 0x1p-170;
    ck_assert_uint_eq(nd_double_to_bfloat16(tiny), 0x0001);
    ck_assert_uint_eq(nd_double_to_bfloat16(0x1p-134), 0x0000);
    ck_assert_uint_eq(nd_double_to_bfloat16(3 * 0x1p-134), 0x0002);
    /* Every midpoint and its double neighbours. */
    fill_tables();
    for (uint32_t b = 0; b < 0x7f80; b++) {
        double mid = (bf16_table[b] + bf16_table[b + 1]) / 2;
        double xs[3] = {nextafter(mid, 0), mid, nextafter(mid, INFINITY)};
        for (int k = 0; k < 3; k++) {
            uint16_t want = ref_round(bf16_table, 0x7f80, xs[k]);
            CHECK(nd_double_to_bfloat16(xs[k]) == want,
                  "double_to_bfloat16(%a) = 0x%04x, expected 0x%04x", xs[k],
                  nd_double_to_bfloat16(xs[k]), want);
            CHECK(nd_double_to_bfloat16(-xs[k]) == (want | 0x8000), "double_to_bfloat16(%a)",
                  -xs[k]);
        }
    }
}
END_TEST

START_TEST(float_to_bfloat16_against_reference)
{
    fill_tables();
    for (uint32_t b = 0; b < 0x7f80; b++) {
        float mid = (float)((bf16_table[b] + bf16_table[b + 1]) / 2); /* exact */
        float xs[3] = {nextafterf(mid, 0), mid, nextafterf(mid, INFINITY)};
        for (int k = 0; k < 3; k++) {
            uint16_t want = ref_round(bf16_table, 0x7f80, xs[k]);
            CHECK(nd_float_to_bfloat16(xs[k]) == want,
                  "float_to_bfloat16(%a) = 0x%04x, expected 0x%04x", xs[k],
                  nd_float_to_bfloat16(xs[k]), want);
        }
    }
    for (uint64_t u = 0; u < 0x100000000ull; u += 4093) {
        float f = bits_float((uint32_t)u);
        uint16_t got = nd_float_to_bfloat16(f);
        if (isnan(f)) {
            CHECK(bf16_is_nan(got), "float 0x%08x: NaN -> 0x%04x", (uint32_t)u, got);
            continue;
        }
        uint16_t want = ref_round(bf16_table, 0x7f80, f);
        CHECK(got == want, "float_to_bfloat16(0x%08x) = 0x%04x, expected 0x%04x", (uint32_t)u, got,
              want);
        CHECK(nd_double_to_bfloat16((double)f) == want, "double_to_bfloat16(%a)", (double)f);
    }
}
END_TEST

START_TEST(bfloat16_nan_stays_nan)
{
    /* Rounding by adding 0x7fff to the bits would turn 0x7f800001 into inf and
     * 0x7fffffff into -0: NaN must be handled before rounding. */
    const uint32_t nans[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0xff800001u,
                             0x7fffffffu, 0xffffffffu, 0x7f808000u, 0x7fbfffffu};
    for (size_t i = 0; i < sizeof nans / sizeof nans[0]; i++) {
        uint16_t b = nd_float_to_bfloat16(bits_float(nans[i]));
        CHECK(bf16_is_nan(b), "float 0x%08x -> 0x%04x is not NaN", nans[i], b);
        CHECK((b & 0x0040) != 0, "float 0x%08x -> 0x%04x is not quiet", nans[i], b);
        ck_assert_uint_eq(b & 0x8000, (nans[i] >> 16) & 0x8000);
        uint16_t bd = nd_double_to_bfloat16((double)bits_float(nans[i]));
        ck_assert(bf16_is_nan(bd) && (bd & 0x8000) == (b & 0x8000));
    }
    uint64_t dnan_bits = 0x7ff0000000000001ull;
    double dnan;
    memcpy(&dnan, &dnan_bits, 8);
    ck_assert(bf16_is_nan(nd_double_to_bfloat16(dnan)));
    ck_assert(isnan(nd_bfloat16_to_float(0x7f81)));
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("dtype");

    TCase *tc = tcase_create("names");
    tcase_add_test(tc, itemsizes);
    tcase_add_test(tc, names_round_trip);
    tcase_add_test(tc, name_aliases);
    tcase_add_test(tc, unknown_names);
    tcase_add_test(tc, classification);
    suite_add_tcase(s, tc);

    tc = tcase_create("promotion_and_casting");
    tcase_add_test(tc, result_type_all_pairs);
    tcase_add_test(tc, result_type_invalid);
    tcase_add_test(tc, can_cast_all_pairs_all_rules);
    tcase_add_test(tc, can_cast_is_consistent_with_promotion);
    suite_add_tcase(s, tc);

    tc = tcase_create("float16");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, half_to_float_all_patterns);
    tcase_add_test(tc, half_round_trips);
    tcase_add_test(tc, half_rounding_cases);
    tcase_add_test(tc, half_double_rounds_once);
    tcase_add_test(tc, float_to_half_against_reference);
    tcase_add_test(tc, half_nan_stays_nan);
    suite_add_tcase(s, tc);

    tc = tcase_create("bfloat16");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, bfloat16_to_float_all_patterns);
    tcase_add_test(tc, bfloat16_round_trips);
    tcase_add_test(tc, bfloat16_rounding_cases);
    tcase_add_test(tc, bfloat16_double_rounds_once);
    tcase_add_test(tc, float_to_bfloat16_against_reference);
    tcase_add_test(tc, bfloat16_nan_stays_nan);
    suite_add_tcase(s, tc);
    return s;
}
