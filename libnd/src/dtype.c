/* dtypes: sizes, names, NumPy's promotion and casting rules, the 16-bit float
 * formats, and the table of strided cast loops every conversion goes
 * through (astype, copyto, fill, element get/set). */
#include "nd_internal.h"
#include "bf16.h" /* nd_bf16_round, nd_bf16_widen */

#include <math.h>

/* ---- per-dtype facts ------------------------------------------------------ */

/* Kinds in NumPy's same_kind order: a cast within or up this order is
 * same_kind (bool < unsigned < signed < float). */
enum kind { KIND_BOOL, KIND_UINT, KIND_INT, KIND_FLOAT };

// clang-format off
static const struct {
    const char *name;
    size_t itemsize;
    enum kind kind;
} dtype_info[ND_NUM_DTYPES] = {
    [ND_BOOL] = {"bool", 1, KIND_BOOL},
    [ND_INT8] = {"int8", 1, KIND_INT},
    [ND_INT16] = {"int16", 2, KIND_INT},
    [ND_INT32] = {"int32", 4, KIND_INT},
    [ND_INT64] = {"int64", 8, KIND_INT},
    [ND_UINT8] = {"uint8", 1, KIND_UINT},
    [ND_UINT16] = {"uint16", 2, KIND_UINT},
    [ND_UINT32] = {"uint32", 4, KIND_UINT},
    [ND_UINT64] = {"uint64", 8, KIND_UINT},
    [ND_FLOAT16] = {"float16", 2, KIND_FLOAT},
    [ND_BFLOAT16] = {"bfloat16", 2, KIND_FLOAT},
    [ND_FLOAT32] = {"float32", 4, KIND_FLOAT},
    [ND_FLOAT64] = {"float64", 8, KIND_FLOAT},
};
// clang-format on

bool nd_dtype_valid(nd_dtype dt) { return (unsigned)dt < ND_NUM_DTYPES; }

size_t nd_dtype_itemsize(nd_dtype dt) { return nd_dtype_valid(dt) ? dtype_info[dt].itemsize : 0; }

const char *nd_dtype_name(nd_dtype dt) { return nd_dtype_valid(dt) ? dtype_info[dt].name : NULL; }

bool nd_dtype_is_float(nd_dtype dt)
{
    return nd_dtype_valid(dt) && dtype_info[dt].kind == KIND_FLOAT;
}

bool nd_dtype_is_integer(nd_dtype dt)
{
    return nd_dtype_valid(dt) &&
           (dtype_info[dt].kind == KIND_INT || dtype_info[dt].kind == KIND_UINT);
}

bool nd_dtype_is_signed(nd_dtype dt)
{
    return nd_dtype_valid(dt) &&
           (dtype_info[dt].kind == KIND_INT || dtype_info[dt].kind == KIND_FLOAT);
}

int nd_dtype_from_name(const char *name, nd_dtype *out)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, name, out);
    // clang-format off
    static const struct { const char *alias; nd_dtype dt; } aliases[] = {
        {"bool_", ND_BOOL}, {"float", ND_FLOAT64}, {"int", ND_INT64}, {"double", ND_FLOAT64},
        {"half", ND_FLOAT16}, {"single", ND_FLOAT32},
    };
    // clang-format on
    if (name) {
        for (int dt = 0; dt < ND_NUM_DTYPES; dt++)
            if (strcmp(name, dtype_info[dt].name) == 0) {
                *out = (nd_dtype)dt;
                return 0;
            }
        for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
            if (strcmp(name, aliases[i].alias) == 0) {
                *out = aliases[i].dt;
                return 0;
            }
    }
    return nd_set_error(ND_ERR_TYPE, "data type '%s' not understood", name ? name : "(null)");
}

/* ---- promotion (numpy.promote_types) -------------------------------------- */

static nd_dtype int_of_size(size_t size, bool is_signed)
{
    switch (size) {
    // clang-format off
    case 1: return is_signed ? ND_INT8 : ND_UINT8;
    case 2: return is_signed ? ND_INT16 : ND_UINT16;
    case 4: return is_signed ? ND_INT32 : ND_UINT32;
    default: return is_signed ? ND_INT64 : ND_UINT64;
        // clang-format on
    }
}

/* The smallest float that holds every value of an integer of `size` bytes:
 * 8-bit ints fit float16's 11-bit significand, 16-bit ints float32's, wider
 * ones need float64 (int64 is not exact even there; NumPy accepts that). */
static nd_dtype float_holding_int(size_t size)
{
    return size == 1 ? ND_FLOAT16 : size == 2 ? ND_FLOAT32 : ND_FLOAT64;
}

nd_dtype nd_result_type(nd_dtype a, nd_dtype b)
{
    if (!nd_dtype_valid(a) || !nd_dtype_valid(b))
        return (nd_dtype)-1;
    if (a == b)
        return a;
    enum kind ka = dtype_info[a].kind, kb = dtype_info[b].kind;
    size_t sa = dtype_info[a].itemsize, sb = dtype_info[b].itemsize;
    if (ka == KIND_BOOL)
        return b;
    if (kb == KIND_BOOL)
        return a;
    if (ka == KIND_FLOAT && kb == KIND_FLOAT) {
        /* float16 and bfloat16 cannot hold each other: both go to float32. */
        if (sa == 2 && sb == 2)
            return ND_FLOAT32;
        return sa >= sb ? a : b;
    }
    if (ka == KIND_FLOAT || kb == KIND_FLOAT) {
        nd_dtype f = ka == KIND_FLOAT ? a : b;
        size_t int_size = ka == KIND_FLOAT ? sb : sa;
        nd_dtype needed = float_holding_int(int_size);
        return dtype_info[f].itemsize >= dtype_info[needed].itemsize ? f : needed;
    }
    if (ka == kb)
        return sa >= sb ? a : b;
    /* One signed, one unsigned: a signed type strictly wider than the
     * unsigned one holds both; past int64 only float64 does. */
    size_t signed_size = ka == KIND_INT ? sa : sb;
    size_t unsigned_size = ka == KIND_UINT ? sa : sb;
    if (signed_size > unsigned_size)
        return int_of_size(signed_size, true);
    if (unsigned_size < 8)
        return int_of_size(unsigned_size * 2, true);
    return ND_FLOAT64;
}

bool nd_can_cast(nd_dtype from, nd_dtype to, nd_casting casting)
{
    if (!nd_dtype_valid(from) || !nd_dtype_valid(to))
        return false;
    switch (casting) {
    case ND_CAST_NO:
    case ND_CAST_EQUIV:
        return from == to;
    case ND_CAST_SAFE:
        return nd_result_type(from, to) == to;
    case ND_CAST_SAME_KIND:
        return nd_result_type(from, to) == to || dtype_info[from].kind <= dtype_info[to].kind;
    case ND_CAST_UNSAFE:
        return true;
    }
    return false;
}

/* ---- float16 and bfloat16 -------------------------------------------------- */

/* Rounds a double to a binary float with `exp_bits` exponent bits and
 * `mant_bits` stored significand bits (IEEE layout, 16 bits in all), round
 * to nearest, ties to even, in one step: rounding through float32 first
 * would round twice and can land on the wrong side of a tie.
 *
 * A finite double is m * 2^(e - 52) with m the 53-bit significand. In the
 * target, normal numbers keep mant_bits + 1 significant bits, so m is shifted
 * right by 52 - mant_bits; subnormals are multiples of 2^(emin - mant_bits),
 * so the shift grows by emin - e. A carry out of the significand bumps the
 * exponent for free because the bits are laid out exponent-then-mantissa. */
static uint16_t round_double_to_16bit_float(double d, int exp_bits, int mant_bits)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    uint16_t sign = (uint16_t)((bits >> 48) & 0x8000);
    uint64_t magnitude = bits & 0x7fffffffffffffffULL;
    const uint16_t inf_bits = (uint16_t)(((1u << exp_bits) - 1) << mant_bits);

    if (magnitude >= 0x7ff0000000000000ULL) {
        if (magnitude == 0x7ff0000000000000ULL)
            return sign | inf_bits;
        /* NaN: keep the top payload bits, force quiet. */
        uint16_t payload = (uint16_t)((magnitude >> (52 - mant_bits)) & ((1u << mant_bits) - 1));
        return sign | inf_bits | (uint16_t)(1u << (mant_bits - 1)) | payload;
    }

    const int bias = (1 << (exp_bits - 1)) - 1;
    const int emin = 1 - bias;
    int e = (int)(magnitude >> 52) - 1023;
    if (e < emin - mant_bits - 1) /* below half the smallest subnormal */
        return sign;
    uint64_t m = (magnitude & ((1ULL << 52) - 1)) | (1ULL << 52);

    int shift = e >= emin ? 52 - mant_bits : 52 - mant_bits + (emin - e);
    uint64_t rounded = m >> shift;
    uint64_t remainder = m & ((1ULL << shift) - 1);
    uint64_t halfway = 1ULL << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (rounded & 1)))
        rounded++;

    if (e < emin) /* subnormal: the count of smallest units is the bits */
        return sign | (uint16_t)rounded;
    uint64_t result = ((uint64_t)(e + bias) << mant_bits) + (rounded - (1ULL << mant_bits));
    return result >= inf_bits ? (sign | inf_bits) : (uint16_t)(sign | result);
}

uint16_t nd_double_to_half(double d) { return round_double_to_16bit_float(d, 5, 10); }
uint16_t nd_float_to_half(float f) { return round_double_to_16bit_float((double)f, 5, 10); }
uint16_t nd_double_to_bfloat16(double d) { return round_double_to_16bit_float(d, 8, 7); }

/* The exported names call bf16.h's inline ones, which the cast loops
 * below use directly: in a shared library a call to an exported function
 * may be interposed, so the compiler neither inlines nor vectorizes it
 * (measured: the loops called these per element, a quarter of a bf16
 * training step). */
uint16_t nd_float_to_bfloat16(float f) { return nd_bf16_round(f); }
float nd_bfloat16_to_float(uint16_t b) { return nd_bf16_widen(b); }

/* value = (-1)^s * 2^(e - 15) * 1.m for normal halves, 2^-14 * 0.m for
 * subnormals; every half is exactly a float, so this is exact. */
float nd_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t e = (h >> 10) & 0x1f;
    uint32_t m = h & 0x3ff;
    uint32_t u;
    if (e == 0x1f) {
        u = sign | 0x7f800000u | (m << 13);
    } else if (e != 0) {
        u = sign | ((e + 127 - 15) << 23) | (m << 13);
    } else {
        float f = ldexpf((float)m, -24);
        return sign ? -f : f;
    }
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ---- cast loops ------------------------------------------------------------ */

// clang-format off
/* A source value as double (exact for every source but 64-bit ints). */
#define AS_DOUBLE_BOOL(x) ((double)(x))
#define AS_DOUBLE_INT(x) ((double)(x))
#define AS_DOUBLE_UINT(x) ((double)(x))
#define AS_DOUBLE_FLOAT(x) ((double)(x))
#define AS_DOUBLE_HALF(x) ((double)nd_half_to_float(x))
#define AS_DOUBLE_BF16(x) ((double)nd_bf16_widen(x))

/* Nonzero test per family; for 16-bit floats +-0 are the bit patterns with
 * only the sign bit free, and NaN counts as nonzero, as in NumPy. */
#define NONZERO_BOOL(x) ((x) != 0)
#define NONZERO_INT(x) ((x) != 0)
#define NONZERO_UINT(x) ((x) != 0)
#define NONZERO_FLOAT(x) ((x) != 0)
#define NONZERO_HALF(x) (((x) & 0x7fff) != 0)
#define NONZERO_BF16(x) (((x) & 0x7fff) != 0)

/* CONVERT_<source family>_<target family>(x): one source element as the
 * target's C type DT, where DT (and SATURATE, the saturating conversion from
 * double of an integer target) are those dtype_cast_to.inc is instantiated
 * with. Integer -> integer goes through the 64-bit type of the source's
 * signedness, which wraps modulo 2^bits as NumPy does. */
#define TO_BOOL(SF, x) ((uint8_t)NONZERO_##SF(x))
#define CONVERT_BOOL_BOOL(x)  TO_BOOL(BOOL, x)
#define CONVERT_INT_BOOL(x)   TO_BOOL(INT, x)
#define CONVERT_UINT_BOOL(x)  TO_BOOL(UINT, x)
#define CONVERT_FLOAT_BOOL(x) TO_BOOL(FLOAT, x)
#define CONVERT_HALF_BOOL(x)  TO_BOOL(HALF, x)
#define CONVERT_BF16_BOOL(x)  TO_BOOL(BF16, x)

#define CONVERT_BOOL_INT(x)  ((DT)(x))
#define CONVERT_INT_INT(x)   ((DT)(int64_t)(x))
#define CONVERT_UINT_INT(x)  ((DT)(uint64_t)(x))
#define CONVERT_FLOAT_INT(x) SATURATE(AS_DOUBLE_FLOAT(x))
#define CONVERT_HALF_INT(x)  SATURATE(AS_DOUBLE_HALF(x))
#define CONVERT_BF16_INT(x)  SATURATE(AS_DOUBLE_BF16(x))
#define CONVERT_BOOL_UINT  CONVERT_BOOL_INT
#define CONVERT_INT_UINT   CONVERT_INT_INT
#define CONVERT_UINT_UINT  CONVERT_UINT_INT
#define CONVERT_FLOAT_UINT CONVERT_FLOAT_INT
#define CONVERT_HALF_UINT  CONVERT_HALF_INT
#define CONVERT_BF16_UINT  CONVERT_BF16_INT

/* To float32/float64 the C conversion rounds to nearest even once. */
#define CONVERT_BOOL_FLOAT(x)  ((DT)(x))
#define CONVERT_INT_FLOAT(x)   ((DT)(x))
#define CONVERT_UINT_FLOAT(x)  ((DT)(x))
#define CONVERT_FLOAT_FLOAT(x) ((DT)(x))
#define CONVERT_HALF_FLOAT(x)  ((DT)nd_half_to_float(x))
#define CONVERT_BF16_FLOAT(x)  ((DT)nd_bf16_widen(x))

#define CONVERT_BOOL_HALF(x)  nd_double_to_half(AS_DOUBLE_BOOL(x))
#define CONVERT_INT_HALF(x)   nd_double_to_half(AS_DOUBLE_INT(x))
#define CONVERT_UINT_HALF(x)  nd_double_to_half(AS_DOUBLE_UINT(x))
#define CONVERT_FLOAT_HALF(x) nd_double_to_half(AS_DOUBLE_FLOAT(x))
#define CONVERT_HALF_HALF(x)  (x)
#define CONVERT_BF16_HALF(x)  nd_double_to_half(AS_DOUBLE_BF16(x))

#define CONVERT_BOOL_BF16(x) nd_double_to_bfloat16(AS_DOUBLE_BOOL(x))
#define CONVERT_INT_BF16(x)  nd_double_to_bfloat16(AS_DOUBLE_INT(x))
#define CONVERT_UINT_BF16(x) nd_double_to_bfloat16(AS_DOUBLE_UINT(x))
/* float32 -> bfloat16 rounds the float's own bits (one rounding, and a loop
 * the compiler vectorizes: 9.5 -> well under 1 ns an element); float64 must
 * round from the double itself (through float32 would round twice). */
#define CONVERT_FLOAT_BF16(x) _Generic((x), float: nd_bf16_round, default: nd_double_to_bfloat16)(x)
#define CONVERT_HALF_BF16(x)  nd_double_to_bfloat16(AS_DOUBLE_HALF(x))
#define CONVERT_BF16_BF16(x)  (x)
// clang-format on

/* CONVERT(SF, DF) names CONVERT_<SF>_<DF> after expanding the family macros
 * the .inc files are instantiated with. */
#define CONVERT(sf, df) CONVERT_PASTE(sf, df)
#define CONVERT_PASTE(sf, df) CONVERT_##sf##_##df

/* From float32, float64 and bfloat16 the loops are also compiled for
 * AVX-512 and AVX2 (ND_VECTORIZE: mixed precision casts every matmul
 * operand and its gradient, and the baseline x86-64 build would do that 4
 * floats at a time). */
#define CAST_ATTR_BOOL
#define CAST_ATTR_INT
#define CAST_ATTR_UINT
#define CAST_ATTR_HALF
#define CAST_ATTR_FLOAT ND_VECTORIZE
#define CAST_ATTR_BF16 ND_VECTORIZE
#define CAST_ATTR(sf) CAST_ATTR_PASTE(sf)
#define CAST_ATTR_PASTE(sf) CAST_ATTR_##sf

/* One loop per (source, target) pair, cast_<source>_to_<target>: plain
 * functions, written once in dtype_cast_loop.inc. dtype_cast_to.inc
 * instantiates it for every source into one target; each block below
 * instantiates that for one target, with
 *   DT, DF     the target's C type and family (as in ND_FOR_EACH_DTYPE)
 *   TO(s)      the loop's name from source s
 *   LO, HI     an integer target's range; SATURATE, the name of its
 *              conversion from double, which dtype_cast_to.inc defines. */
#define DT uint8_t
#define DF BOOL
#define TO(source) cast_##source##_to_bool
#include "dtype_cast_to.inc"

#define DT int8_t
#define DF INT
#define TO(source) cast_##source##_to_int8
#define LO INT8_MIN
#define HI INT8_MAX
#define SATURATE saturate_int8
#include "dtype_cast_to.inc"

#define DT int16_t
#define DF INT
#define TO(source) cast_##source##_to_int16
#define LO INT16_MIN
#define HI INT16_MAX
#define SATURATE saturate_int16
#include "dtype_cast_to.inc"

#define DT int32_t
#define DF INT
#define TO(source) cast_##source##_to_int32
#define LO INT32_MIN
#define HI INT32_MAX
#define SATURATE saturate_int32
#include "dtype_cast_to.inc"

#define DT int64_t
#define DF INT
#define TO(source) cast_##source##_to_int64
#define LO INT64_MIN
#define HI INT64_MAX
#define SATURATE saturate_int64
#include "dtype_cast_to.inc"

#define DT uint8_t
#define DF UINT
#define TO(source) cast_##source##_to_uint8
#define LO 0
#define HI UINT8_MAX
#define SATURATE saturate_uint8
#include "dtype_cast_to.inc"

#define DT uint16_t
#define DF UINT
#define TO(source) cast_##source##_to_uint16
#define LO 0
#define HI UINT16_MAX
#define SATURATE saturate_uint16
#include "dtype_cast_to.inc"

#define DT uint32_t
#define DF UINT
#define TO(source) cast_##source##_to_uint32
#define LO 0
#define HI UINT32_MAX
#define SATURATE saturate_uint32
#include "dtype_cast_to.inc"

#define DT uint64_t
#define DF UINT
#define TO(source) cast_##source##_to_uint64
#define LO 0
#define HI UINT64_MAX
#define SATURATE saturate_uint64
#include "dtype_cast_to.inc"

#define DT uint16_t
#define DF HALF
#define TO(source) cast_##source##_to_float16
#include "dtype_cast_to.inc"

#define DT uint16_t
#define DF BF16
#define TO(source) cast_##source##_to_bfloat16
#include "dtype_cast_to.inc"

#define DT float
#define DF FLOAT
#define TO(source) cast_##source##_to_float32
#include "dtype_cast_to.inc"

#define DT double
#define DF FLOAT
#define TO(source) cast_##source##_to_float64
#include "dtype_cast_to.inc"

/* The table's rows walk the sources with a second list of the same dtypes:
 * the preprocessor cannot expand ND_FOR_EACH_DTYPE inside its own expansion. */
#define ND_FOR_EACH_SOURCE_DTYPE(X) \
    X(bool, uint8_t, BOOL)          \
    X(int8, int8_t, INT)            \
    X(int16, int16_t, INT)          \
    X(int32, int32_t, INT)          \
    X(int64, int64_t, INT)          \
    X(uint8, uint8_t, UINT)         \
    X(uint16, uint16_t, UINT)       \
    X(uint32, uint32_t, UINT)       \
    X(uint64, uint64_t, UINT)       \
    X(float16, uint16_t, HALF)      \
    X(bfloat16, uint16_t, BF16)     \
    X(float32, float, FLOAT)        \
    X(float64, double, FLOAT)

/* cast_##S is pasted before it is passed on, so that `bool` is not expanded
 * to _Bool on the way. */
#define CAST_ENTRY(D, DT, DF, CAST_S) CAST_S##_to_##D,
#define CAST_ROW(S, ST, SF) {ND_FOR_EACH_DTYPE(CAST_ENTRY, cast_##S)},
// clang-format off
static const nd_cast_loop cast_loops[ND_NUM_DTYPES][ND_NUM_DTYPES] = {
    ND_FOR_EACH_SOURCE_DTYPE(CAST_ROW)
};
// clang-format on

nd_cast_loop nd_get_cast_loop(nd_dtype from, nd_dtype to) { return cast_loops[from][to]; }

/* Scalar access reuses the cast loops, so a single element converts exactly
 * as a whole array would. */
double nd_load_double(nd_dtype dt, const void *p)
{
    double v;
    cast_loops[dt][ND_FLOAT64](p, 0, (char *)&v, 0, 1);
    return v;
}

void nd_store_double(nd_dtype dt, void *p, double v)
{
    cast_loops[ND_FLOAT64][dt]((const char *)&v, 0, p, 0, 1);
}

int64_t nd_load_int64(nd_dtype dt, const void *p)
{
    int64_t v;
    cast_loops[dt][ND_INT64](p, 0, (char *)&v, 0, 1);
    return v;
}

void nd_store_int64(nd_dtype dt, void *p, int64_t v)
{
    cast_loops[ND_INT64][dt]((const char *)&v, 0, p, 0, 1);
}
