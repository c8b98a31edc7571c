/*
 * The elementwise operations: one table row per op, holding a typed inner
 * loop per compute dtype, and the public nd_<op> / nd_<op>_out pair, one line
 * each. The engine (ufunc.c) does broadcasting, dtypes, buffering and
 * threads; a loop here only sees n elements and byte steps.
 *
 * Every loop has the same four branches: all operands contiguous, second
 * input a scalar (stride 0), first input a scalar, and any strides. The
 * first three are plain indexed loops the compiler vectorizes; the loops are
 * compiled for AVX-512, AVX2 and baseline x86-64 and the best one is picked
 * when the library loads (ND_VECTORIZE), so one binary runs everywhere.
 *
 * Integer arithmetic is done in unsigned types so that overflow wraps
 * modulo 2^bits as in NumPy instead of being undefined behaviour in C.
 */
#include "ufunc.h"
#include "vmath.h"

#include <math.h>

/* One template serves signed and unsigned integers, so `a < 0` is always
 * false for some of its instances: that is intended, not a bug. */
#pragma GCC diagnostic ignored "-Wtype-limits"


/* ---- the compute types ------------------------------------------------------ */

/* X(enum, name, C type, unsigned type of at least 32 bits for wrapping
 * arithmetic) for the integer dtypes; bool is uint8_t holding 0 or 1. */
#define SIGNED_INTS(X, ...)                              \
    X(ND_INT8, int8, int8_t, uint32_t, __VA_ARGS__)      \
    X(ND_INT16, int16, int16_t, uint32_t, __VA_ARGS__)   \
    X(ND_INT32, int32, int32_t, uint32_t, __VA_ARGS__)   \
    X(ND_INT64, int64, int64_t, uint64_t, __VA_ARGS__)
#define UNSIGNED_INTS(X, ...)                            \
    X(ND_UINT8, uint8, uint8_t, uint32_t, __VA_ARGS__)   \
    X(ND_UINT16, uint16, uint16_t, uint32_t, __VA_ARGS__) \
    X(ND_UINT32, uint32, uint32_t, uint32_t, __VA_ARGS__) \
    X(ND_UINT64, uint64, uint64_t, uint64_t, __VA_ARGS__)
#define ALL_INTS(X, ...) SIGNED_INTS(X, __VA_ARGS__) UNSIGNED_INTS(X, __VA_ARGS__)
/* X(enum, name, C type, libm suffix) for the float loops. */
#define FLOATS(X, ...)                                  \
    X(ND_FLOAT32, float32, float, f, __VA_ARGS__)       \
    X(ND_FLOAT64, float64, double, , __VA_ARGS__)

/* ---- loop templates ----------------------------------------------------------- */

/* out = EXPR(a, b) with inputs of type T and output of type TO. */
#define DEFINE_BINARY_LOOP(NAME, T, TO, EXPR, REDUCE_BRANCH)                            \
    ND_VECTORIZE static void NAME(char **args, const int64_t *dims, const int64_t *steps, \
                                  void *data)                                            \
    {                                                                                    \
        (void)data;                                                                      \
        int64_t n = dims[0], s0 = steps[0], s1 = steps[1], s2 = steps[2];                \
        char *p0 = args[0], *p1 = args[1], *p2 = args[2];                                \
        REDUCE_BRANCH                                                                    \
        if (s0 == sizeof(T) && s1 == sizeof(T) && s2 == sizeof(TO)) {                    \
            const T *x = (const T *)p0, *y = (const T *)p1;                              \
            TO *z = (TO *)p2;                                                            \
            for (int64_t i = 0; i < n; i++) {                                            \
                T a = x[i], b = y[i];                                                    \
                z[i] = (TO)(EXPR);                                                       \
            }                                                                            \
        } else if (s0 == sizeof(T) && s1 == 0 && s2 == sizeof(TO)) {                     \
            const T *x = (const T *)p0;                                                  \
            const T b = *(const T *)p1;                                                  \
            TO *z = (TO *)p2;                                                            \
            for (int64_t i = 0; i < n; i++) {                                            \
                T a = x[i];                                                              \
                z[i] = (TO)(EXPR);                                                       \
            }                                                                            \
        } else if (s0 == 0 && s1 == sizeof(T) && s2 == sizeof(TO)) {                     \
            const T a = *(const T *)p0;                                                  \
            const T *y = (const T *)p1;                                                  \
            TO *z = (TO *)p2;                                                            \
            for (int64_t i = 0; i < n; i++) {                                            \
                T b = y[i];                                                              \
                z[i] = (TO)(EXPR);                                                       \
            }                                                                            \
        } else {                                                                         \
            for (int64_t i = 0; i < n; i++) {                                            \
                T a = *(const T *)(p0 + i * s0), b = *(const T *)(p1 + i * s1);          \
                *(TO *)(p2 + i * s2) = (TO)(EXPR);                                       \
            }                                                                            \
        }                                                                                \
    }

/* The reduction branch of a reducible op: the accumulator is operand 0 and
 * the output, both with stride 0 (engine's reduce plan). */
#define REDUCE_WITH(FN, T)                                 \
    if (p0 == p2 && s0 == 0 && s2 == 0) {                  \
        *(T *)p2 = FN(*(const T *)p2, p1, s1, n);          \
        return;                                            \
    }
#define NO_REDUCE

/* out = EXPR(a). */
#define DEFINE_UNARY_LOOP(NAME, T, TO, EXPR)                                             \
    ND_VECTORIZE static void NAME(char **args, const int64_t *dims, const int64_t *steps, \
                                  void *data)                                            \
    {                                                                                    \
        (void)data;                                                                      \
        int64_t n = dims[0], s0 = steps[0], s1 = steps[1];                               \
        char *p0 = args[0], *p1 = args[1];                                               \
        if (s0 == sizeof(T) && s1 == sizeof(TO)) {                                       \
            const T *x = (const T *)p0;                                                  \
            TO *z = (TO *)p1;                                                            \
            for (int64_t i = 0; i < n; i++) {                                            \
                T a = x[i];                                                              \
                (void)a;                                                                 \
                z[i] = (TO)(EXPR);                                                       \
            }                                                                            \
        } else {                                                                         \
            for (int64_t i = 0; i < n; i++) {                                            \
                T a = *(const T *)(p0 + i * s0);                                         \
                (void)a;                                                                 \
                *(TO *)(p1 + i * s1) = (TO)(EXPR);                                       \
            }                                                                            \
        }                                                                                \
    }

/* ---- reductions along one run ------------------------------------------------- */

/* NumPy's pairwise summation: blocks of up to 128 elements are summed with
 * 8 independent accumulators (which the compiler turns into one vector
 * register), larger runs are halved recursively. The rounding error grows
 * like O(log n) instead of O(n) for a plain running sum. */
#define DEFINE_PAIRWISE_SUM(T)                                                    \
    ND_VECTORIZE static T pairwise_sum_##T(const char *p, int64_t n, int64_t s)   \
    {                                                                             \
        if (n < 8) {                                                              \
            T sum = 0;                                                            \
            for (int64_t i = 0; i < n; i++)                                       \
                sum += *(const T *)(p + i * s);                                   \
            return sum;                                                           \
        }                                                                         \
        if (n <= 128) {                                                           \
            T r[8];                                                               \
            for (int k = 0; k < 8; k++)                                           \
                r[k] = *(const T *)(p + k * s);                                   \
            int64_t i;                                                            \
            for (i = 8; i + 8 <= n; i += 8)                                       \
                for (int k = 0; k < 8; k++)                                       \
                    r[k] += *(const T *)(p + (i + k) * s);                        \
            T sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])); \
            for (; i < n; i++)                                                    \
                sum += *(const T *)(p + i * s);                                   \
            return sum;                                                           \
        }                                                                         \
        int64_t half = n / 2;                                                     \
        half -= half % 8;                                                         \
        return pairwise_sum_##T(p, half, s) + pairwise_sum_##T(p + half * s, n - half, s); \
    }
DEFINE_PAIRWISE_SUM(float)
DEFINE_PAIRWISE_SUM(double)

static inline float reduce_add_float(float acc, const char *p, int64_t s, int64_t n)
{
    return acc + pairwise_sum_float(p, n, s);
}
static inline double reduce_add_double(double acc, const char *p, int64_t s, int64_t n)
{
    return acc + pairwise_sum_double(p, n, s);
}

/* A reduction of n elements into acc with 16 independent lanes when the
 * run is contiguous, so the compiler can keep them in one vector register;
 * COMBINE must be associative and commutative for the values it sees (true
 * for integer wrap-around add/multiply and for max/min below). */
#define DEFINE_LANE_REDUCE(NAME, T, COMBINE)                                          \
    ND_VECTORIZE static T NAME(T acc, const char *p, int64_t s, int64_t n)             \
    {                                                                                 \
        int64_t i = 0;                                                                \
        if (s == sizeof(T) && n >= 16) {                                              \
            const T *x = (const T *)p;                                                \
            T lane[16];                                                               \
            for (int k = 0; k < 16; k++)                                              \
                lane[k] = x[k];                                                       \
            for (i = 16; i + 16 <= n; i += 16)                                        \
                for (int k = 0; k < 16; k++) {                                        \
                    T a = lane[k], b = x[i + k];                                      \
                    lane[k] = (COMBINE);                                              \
                }                                                                     \
            for (int k = 0; k < 16; k++) {                                            \
                T a = acc, b = lane[k];                                               \
                acc = (COMBINE);                                                      \
            }                                                                         \
        }                                                                             \
        for (; i < n; i++) {                                                          \
            T a = acc, b = *(const T *)(p + i * s);                                   \
            acc = (COMBINE);                                                          \
        }                                                                             \
        return acc;                                                                   \
    }

/* NaN-propagating max/min of a run (numpy.maximum/minimum.reduce). The
 * NaN-aware COMBINE does not vectorize, so contiguous runs take 16 lanes of
 * plain compare-and-select (a NaN never wins it) and note NaN apart, in
 * integer lanes of T's width; a run that holds a NaN is reduced again by
 * the scalar COMBINE, which returns its first NaN as NumPy does. Ties keep
 * the earlier value, as COMBINE does. */
#define DEFINE_EXTREME_REDUCE(NAME, T, IT, BETTER, COMBINE)                               \
    ND_VECTORIZE static T NAME(T acc, const char *p, int64_t s, int64_t n)                 \
    {                                                                                     \
        if (s == sizeof(T) && n >= 16 && acc == acc) {                                    \
            const T *x = (const T *)p;                                                    \
            T lane[16];                                                                   \
            IT nan[16];                                                                   \
            for (int k = 0; k < 16; k++) {                                                \
                lane[k] = x[k];                                                           \
                nan[k] = x[k] != x[k];                                                    \
            }                                                                             \
            int64_t i;                                                                    \
            for (i = 16; i + 16 <= n; i += 16)                                            \
                for (int k = 0; k < 16; k++) {                                            \
                    T b = x[i + k];                                                       \
                    lane[k] = BETTER(b, lane[k]) ? b : lane[k];                           \
                    nan[k] |= b != b;                                                     \
                }                                                                         \
            IT any_nan = 0;                                                               \
            for (int k = 0; k < 16; k++)                                                  \
                any_nan |= nan[k];                                                        \
            for (int64_t j = i; j < n; j++)                                               \
                any_nan |= x[j] != x[j];                                                  \
            if (!any_nan) {                                                               \
                for (int k = 0; k < 16; k++)                                              \
                    acc = BETTER(lane[k], acc) ? lane[k] : acc;                           \
                for (; i < n; i++)                                                        \
                    acc = BETTER(x[i], acc) ? x[i] : acc;                                 \
                return acc;                                                               \
            }                                                                             \
        }                                                                                 \
        for (int64_t i = 0; i < n; i++) {                                                 \
            T a = acc, b = *(const T *)(p + i * s);                                       \
            acc = (COMBINE);                                                              \
        }                                                                                 \
        return acc;                                                                       \
    }

/* ---- scalar helpers with NumPy's semantics ----------------------------------------- */

/* Integer floor division and remainder: x // 0 == 0 and x % 0 == 0 (NumPy's
 * results, after its warning), MIN // -1 wraps to MIN, and the remainder
 * takes the sign of the divisor. */
#define DEFINE_INT_DIVISION(E, NAME, T, UT, ...)                                  \
    static inline T scalar_floor_divide_##NAME(T a, T b)                                 \
    {                                                                             \
        if (b == 0)                                                               \
            return 0;                                                             \
        if ((T)-1 < 0 && b == (T)-1)                                              \
            return (T)(0 - (UT)a);                                                \
        T q = (T)(a / b);                                                         \
        if ((T)-1 < 0 && (a % b != 0) && ((a < 0) != (b < 0)))                    \
            q--;                                                                  \
        return q;                                                                 \
    }                                                                             \
    static inline T scalar_remainder_##NAME(T a, T b)                                    \
    {                                                                             \
        if (b == 0 || ((T)-1 < 0 && b == (T)-1))                                  \
            return 0;                                                             \
        T r = (T)(a % b);                                                         \
        if ((T)-1 < 0 && r != 0 && ((r < 0) != (b < 0)))                          \
            r = (T)(r + b);                                                       \
        return r;                                                                 \
    }
ALL_INTS(DEFINE_INT_DIVISION, _)

/* Float floor division and remainder exactly as NumPy's npy_divmod: the
 * quotient is floor((a - fmod(a, b)) / b), nudged when rounding made it
 * off by one, and the remainder has the sign of b. */
#define DEFINE_FLOAT_DIVISION(E, NAME, T, F, ...)                                 \
    static inline T scalar_divmod_##NAME(T a, T b, T *mod_out)                           \
    {                                                                             \
        T mod = fmod##F(a, b);                                                    \
        if (b == 0) {                                                             \
            *mod_out = mod;                                                       \
            return a / b;                                                         \
        }                                                                         \
        T div = (a - mod) / b;                                                    \
        if (mod != 0) {                                                           \
            if ((b < 0) != (mod < 0)) {                                           \
                mod += b;                                                         \
                div -= 1;                                                         \
            }                                                                     \
        } else {                                                                  \
            mod = copysign##F(0, b);                                              \
        }                                                                         \
        T floordiv;                                                               \
        if (div != 0) {                                                           \
            floordiv = floor##F(div);                                             \
            if (div - floordiv > (T)0.5)                                          \
                floordiv += 1;                                                    \
        } else {                                                                  \
            floordiv = copysign##F(0, a / b);                                     \
        }                                                                         \
        *mod_out = mod;                                                           \
        return floordiv;                                                          \
    }                                                                             \
    static inline T scalar_floor_divide_##NAME(T a, T b)                                 \
    {                                                                             \
        T mod;                                                                    \
        return b == 0 ? a / b : scalar_divmod_##NAME(a, b, &mod);                        \
    }                                                                             \
    static inline T scalar_remainder_##NAME(T a, T b)                                    \
    {                                                                             \
        T mod;                                                                    \
        if (b == 0)                                                               \
            return fmod##F(a, b);                                                 \
        scalar_divmod_##NAME(a, b, &mod);                                                \
        return mod;                                                               \
    }
FLOATS(DEFINE_FLOAT_DIVISION, _)

/* Integer power by repeated squaring, wrapping like NumPy's. A negative
 * exponent is an error NumPy raises from inside the loop; here the loop
 * records it and the front end reports it after the run. */
#define DEFINE_INT_POWER(E, NAME, T, UT, ...)                                     \
    static inline T scalar_power_##NAME(T a, T b, nd_loop_error *error)                  \
    {                                                                             \
        if ((T)-1 < 0 && b < 0) {                                                 \
            error->message = "Integers to negative integer powers are not allowed."; \
            return 0;                                                             \
        }                                                                         \
        UT base = (UT)a, result = 1;                                              \
        for (uint64_t e = (uint64_t)b; e; e >>= 1) {                              \
            if (e & 1)                                                            \
                result *= base;                                                   \
            base *= base;                                                         \
        }                                                                         \
        return (T)result;                                                         \
    }
ALL_INTS(DEFINE_INT_POWER, _)

/* Shifts as NumPy's npy_lshift/npy_rshift: a count at or past the width
 * (or negative) shifts everything out, to 0, or to -1 for a negative value
 * shifted right. Left shifts go through the unsigned type (shifting a
 * negative signed value is undefined in C). */
#define DEFINE_SHIFTS(E, NAME, T, UT, ...)                                        \
    static inline T scalar_left_shift_##NAME(T a, T b)                                   \
    {                                                                             \
        return (uint64_t)b < sizeof(T) * 8 ? (T)((UT)a << b) : 0;                 \
    }                                                                             \
    static inline T scalar_right_shift_##NAME(T a, T b)                                  \
    {                                                                             \
        if ((uint64_t)b < sizeof(T) * 8)                                          \
            return (T)(a >> b);                                                   \
        return a < 0 ? (T)-1 : 0;                                                 \
    }
ALL_INTS(DEFINE_SHIFTS, _)

/* NaN-propagating max/min (numpy.maximum/minimum) and NaN-ignoring ones
 * (numpy.fmax/fmin). For integers all four are the plain comparison. */
#define MAXIMUM(a, b) (((a) >= (b) || (a) != (a)) ? (a) : (b))
#define MINIMUM(a, b) (((a) <= (b) || (a) != (a)) ? (a) : (b))
#define FMAX(a, b) (((a) >= (b) || (b) != (b)) ? (a) : (b))
#define FMIN(a, b) (((a) <= (b) || (b) != (b)) ? (a) : (b))

/* ---- binary ops ---------------------------------------------------------------- */

/* Generates NAME_<dtype> loops for a family and a table entry list. */
#define INT_BINARY(E, NAME, T, UT, OP, EXPR, REDUCE) \
    DEFINE_BINARY_LOOP(OP##_##NAME, T, T, EXPR, REDUCE)
#define FLOAT_BINARY(E, NAME, T, F, OP, EXPR, REDUCE) \
    DEFINE_BINARY_LOOP(OP##_##NAME, T, T, EXPR, REDUCE)
#define ENTRY_INT(E, NAME, T, UT, OP) [E] = OP##_##NAME,
#define ENTRY_FLOAT(E, NAME, T, F, OP) [E] = OP##_##NAME,

/* Lane reductions used by the reducible integer ops. */
#define DEFINE_INT_REDUCERS(E, NAME, T, UT, ...)                                  \
    DEFINE_LANE_REDUCE(reduce_add_##NAME, T, (T)((UT)a + (UT)b))                  \
    DEFINE_LANE_REDUCE(reduce_multiply_##NAME, T, (T)((UT)a * (UT)b))             \
    DEFINE_LANE_REDUCE(reduce_maximum_##NAME, T, a > b ? a : b)                   \
    DEFINE_LANE_REDUCE(reduce_minimum_##NAME, T, a < b ? a : b)
ALL_INTS(DEFINE_INT_REDUCERS, _)
typedef int32_t float32_nan_flag;   /* T's width, so the lanes line up */
typedef int64_t float64_nan_flag;
#define DEFINE_FLOAT_REDUCERS(E, NAME, T, F, ...)                                 \
    DEFINE_LANE_REDUCE(reduce_multiply_##NAME, T, a * b)                          \
    DEFINE_EXTREME_REDUCE(reduce_maximum_##NAME, T, NAME##_nan_flag, ND_GREATER, MAXIMUM(a, b)) \
    DEFINE_EXTREME_REDUCE(reduce_minimum_##NAME, T, NAME##_nan_flag, ND_LESS, MINIMUM(a, b))    \
    DEFINE_LANE_REDUCE(reduce_fmax_##NAME, T, FMAX(a, b))                         \
    DEFINE_LANE_REDUCE(reduce_fmin_##NAME, T, FMIN(a, b))
FLOATS(DEFINE_FLOAT_REDUCERS, _)
DEFINE_LANE_REDUCE(reduce_or_bool, uint8_t, a | b)
DEFINE_LANE_REDUCE(reduce_and_bool, uint8_t, a & b)
static inline float reduce_add_float32(float acc, const char *p, int64_t s, int64_t n)
{
    return reduce_add_float(acc, p, s, n);
}
static inline double reduce_add_float64(double acc, const char *p, int64_t s, int64_t n)
{
    return reduce_add_double(acc, p, s, n);
}

/* Bool loops of the ops that have them (add is or, multiply is and). */
DEFINE_BINARY_LOOP(add_bool, uint8_t, uint8_t, a | b, REDUCE_WITH(reduce_or_bool, uint8_t))
DEFINE_BINARY_LOOP(multiply_bool, uint8_t, uint8_t, a & b, REDUCE_WITH(reduce_and_bool, uint8_t))
DEFINE_BINARY_LOOP(maximum_bool, uint8_t, uint8_t, a | b, REDUCE_WITH(reduce_or_bool, uint8_t))
DEFINE_BINARY_LOOP(minimum_bool, uint8_t, uint8_t, a & b, REDUCE_WITH(reduce_and_bool, uint8_t))
DEFINE_BINARY_LOOP(logical_and_bool, uint8_t, uint8_t, a & b, REDUCE_WITH(reduce_and_bool, uint8_t))
DEFINE_BINARY_LOOP(logical_or_bool, uint8_t, uint8_t, a | b, REDUCE_WITH(reduce_or_bool, uint8_t))
DEFINE_BINARY_LOOP(logical_xor_bool, uint8_t, uint8_t, a ^ b, NO_REDUCE)
DEFINE_BINARY_LOOP(bitwise_and_bool, uint8_t, uint8_t, a & b, NO_REDUCE)
DEFINE_BINARY_LOOP(bitwise_or_bool, uint8_t, uint8_t, a | b, NO_REDUCE)
DEFINE_BINARY_LOOP(bitwise_xor_bool, uint8_t, uint8_t, a ^ b, NO_REDUCE)

#define INT_ARITHMETIC(E, NAME, T, UT, ...)                                                    \
    DEFINE_BINARY_LOOP(add_##NAME, T, T, (UT)a + (UT)b, REDUCE_WITH(reduce_add_##NAME, T))    \
    DEFINE_BINARY_LOOP(subtract_##NAME, T, T, (UT)a - (UT)b, NO_REDUCE)                       \
    DEFINE_BINARY_LOOP(multiply_##NAME, T, T, (UT)a * (UT)b,                                  \
                       REDUCE_WITH(reduce_multiply_##NAME, T))                                \
    DEFINE_BINARY_LOOP(floor_divide_##NAME, T, T, scalar_floor_divide_##NAME(a, b), NO_REDUCE)       \
    DEFINE_BINARY_LOOP(remainder_##NAME, T, T, scalar_remainder_##NAME(a, b), NO_REDUCE)             \
    DEFINE_BINARY_LOOP(power_##NAME, T, T, scalar_power_##NAME(a, b, (nd_loop_error *)data), NO_REDUCE) \
    DEFINE_BINARY_LOOP(maximum_##NAME, T, T, a > b ? a : b, REDUCE_WITH(reduce_maximum_##NAME, T)) \
    DEFINE_BINARY_LOOP(minimum_##NAME, T, T, a < b ? a : b, REDUCE_WITH(reduce_minimum_##NAME, T)) \
    DEFINE_BINARY_LOOP(bitwise_and_##NAME, T, T, a & b, NO_REDUCE)                            \
    DEFINE_BINARY_LOOP(bitwise_or_##NAME, T, T, a | b, NO_REDUCE)                             \
    DEFINE_BINARY_LOOP(bitwise_xor_##NAME, T, T, a ^ b, NO_REDUCE)                            \
    DEFINE_BINARY_LOOP(left_shift_##NAME, T, T, scalar_left_shift_##NAME(a, b), NO_REDUCE)           \
    DEFINE_BINARY_LOOP(right_shift_##NAME, T, T, scalar_right_shift_##NAME(a, b), NO_REDUCE)
ALL_INTS(INT_ARITHMETIC, _)

#define FLOAT_ARITHMETIC(E, NAME, T, F, ...)                                                   \
    DEFINE_BINARY_LOOP(add_##NAME, T, T, a + b, REDUCE_WITH(reduce_add_##NAME, T))            \
    DEFINE_BINARY_LOOP(subtract_##NAME, T, T, a - b, NO_REDUCE)                               \
    DEFINE_BINARY_LOOP(multiply_##NAME, T, T, a * b, REDUCE_WITH(reduce_multiply_##NAME, T))  \
    DEFINE_BINARY_LOOP(divide_##NAME, T, T, a / b, NO_REDUCE)                                 \
    DEFINE_BINARY_LOOP(floor_divide_##NAME, T, T, scalar_floor_divide_##NAME(a, b), NO_REDUCE)       \
    DEFINE_BINARY_LOOP(remainder_##NAME, T, T, scalar_remainder_##NAME(a, b), NO_REDUCE)             \
    DEFINE_BINARY_LOOP(power_##NAME, T, T, pow##F(a, b), NO_REDUCE)                           \
    DEFINE_BINARY_LOOP(maximum_##NAME, T, T, MAXIMUM(a, b), REDUCE_WITH(reduce_maximum_##NAME, T)) \
    DEFINE_BINARY_LOOP(minimum_##NAME, T, T, MINIMUM(a, b), REDUCE_WITH(reduce_minimum_##NAME, T)) \
    DEFINE_BINARY_LOOP(fmax_##NAME, T, T, FMAX(a, b), REDUCE_WITH(reduce_fmax_##NAME, T))     \
    DEFINE_BINARY_LOOP(fmin_##NAME, T, T, FMIN(a, b), REDUCE_WITH(reduce_fmin_##NAME, T))     \
    DEFINE_BINARY_LOOP(arctan2_##NAME, T, T, atan2##F(a, b), NO_REDUCE)                       \
    DEFINE_BINARY_LOOP(hypot_##NAME, T, T, hypot##F(a, b), NO_REDUCE)
FLOATS(FLOAT_ARITHMETIC, _)

/* Comparisons: any compute dtype in, bool out. */
#define COMPARISONS(E, NAME, T, ...)                                               \
    DEFINE_BINARY_LOOP(equal_##NAME, T, uint8_t, a == b, NO_REDUCE)                \
    DEFINE_BINARY_LOOP(not_equal_##NAME, T, uint8_t, a != b, NO_REDUCE)            \
    DEFINE_BINARY_LOOP(less_##NAME, T, uint8_t, a < b, NO_REDUCE)                  \
    DEFINE_BINARY_LOOP(less_equal_##NAME, T, uint8_t, a <= b, NO_REDUCE)           \
    DEFINE_BINARY_LOOP(greater_##NAME, T, uint8_t, a > b, NO_REDUCE)               \
    DEFINE_BINARY_LOOP(greater_equal_##NAME, T, uint8_t, a >= b, NO_REDUCE)
#define ALL_COMPUTE(X, ...)                          \
    X(ND_BOOL, bool, uint8_t, uint32_t, __VA_ARGS__) \
    ALL_INTS(X, __VA_ARGS__)                         \
    X(ND_FLOAT32, float32, float, f, __VA_ARGS__)    \
    X(ND_FLOAT64, float64, double, , __VA_ARGS__)
ALL_COMPUTE(COMPARISONS, _)

/* fmax/fmin of integers are maximum/minimum. */
#define fmax_int_alias(E, NAME, ...) [E] = maximum_##NAME,
#define fmin_int_alias(E, NAME, ...) [E] = minimum_##NAME,

/* ---- unary ops ------------------------------------------------------------------ */

/* sign as NumPy: -1, 0 or 1, and NaN for NaN. */
#define FLOAT_SIGN(a) ((a) > 0 ? 1 : (a) < 0 ? -1 : (a) == 0 ? 0 : (a))

#define INT_UNARY(E, NAME, T, UT, ...)                                                     \
    DEFINE_UNARY_LOOP(negative_##NAME, T, T, 0 - (UT)a)                                    \
    DEFINE_UNARY_LOOP(positive_##NAME, T, T, a)                                            \
    DEFINE_UNARY_LOOP(absolute_##NAME, T, T, a < 0 ? 0 - (UT)a : (UT)a)                     \
    DEFINE_UNARY_LOOP(sign_##NAME, T, T, (a > 0) - (a < 0))                                \
    DEFINE_UNARY_LOOP(square_##NAME, T, T, (UT)a * (UT)a)                                  \
    DEFINE_UNARY_LOOP(reciprocal_##NAME, T, T, a == 0 ? 0 : 1 / a)                         \
    DEFINE_UNARY_LOOP(invert_##NAME, T, T, ~a)                                             \
    DEFINE_UNARY_LOOP(isnan_##NAME, T, uint8_t, 0)                                         \
    DEFINE_UNARY_LOOP(isinf_##NAME, T, uint8_t, 0)                                         \
    DEFINE_UNARY_LOOP(isfinite_##NAME, T, uint8_t, 1)
ALL_INTS(INT_UNARY, _)
DEFINE_UNARY_LOOP(absolute_bool, uint8_t, uint8_t, a)
DEFINE_UNARY_LOOP(invert_bool, uint8_t, uint8_t, !a)
DEFINE_UNARY_LOOP(logical_not_bool, uint8_t, uint8_t, !a)
DEFINE_UNARY_LOOP(isnan_bool, uint8_t, uint8_t, 0)
DEFINE_UNARY_LOOP(isinf_bool, uint8_t, uint8_t, 0)
DEFINE_UNARY_LOOP(isfinite_bool, uint8_t, uint8_t, 1)

/* exp, log and tanh of float32 use the branch-free versions in vmath.h so
 * that their loops vectorize; everything else calls libm. */
#define VMATH_float32(fn, a) nd_v##fn##f(a)
#define VMATH_float64(fn, a) fn(a)

#define FLOAT_UNARY(E, NAME, T, F, ...)                                                    \
    DEFINE_UNARY_LOOP(negative_##NAME, T, T, -a)                                           \
    DEFINE_UNARY_LOOP(positive_##NAME, T, T, a)                                            \
    DEFINE_UNARY_LOOP(absolute_##NAME, T, T, fabs##F(a))                                   \
    DEFINE_UNARY_LOOP(sign_##NAME, T, T, FLOAT_SIGN(a))                                    \
    DEFINE_UNARY_LOOP(square_##NAME, T, T, a * a)                                          \
    DEFINE_UNARY_LOOP(reciprocal_##NAME, T, T, 1 / a)                                      \
    DEFINE_UNARY_LOOP(sqrt_##NAME, T, T, sqrt##F(a))                                       \
    DEFINE_UNARY_LOOP(cbrt_##NAME, T, T, cbrt##F(a))                                       \
    DEFINE_UNARY_LOOP(exp_##NAME, T, T, VMATH_##NAME(exp, a))                                         \
    DEFINE_UNARY_LOOP(exp2_##NAME, T, T, exp2##F(a))                                       \
    DEFINE_UNARY_LOOP(expm1_##NAME, T, T, expm1##F(a))                                     \
    DEFINE_UNARY_LOOP(log_##NAME, T, T, VMATH_##NAME(log, a))                                         \
    DEFINE_UNARY_LOOP(log2_##NAME, T, T, log2##F(a))                                       \
    DEFINE_UNARY_LOOP(log10_##NAME, T, T, log10##F(a))                                     \
    DEFINE_UNARY_LOOP(log1p_##NAME, T, T, log1p##F(a))                                     \
    DEFINE_UNARY_LOOP(sin_##NAME, T, T, sin##F(a))                                         \
    DEFINE_UNARY_LOOP(cos_##NAME, T, T, cos##F(a))                                         \
    DEFINE_UNARY_LOOP(tan_##NAME, T, T, tan##F(a))                                         \
    DEFINE_UNARY_LOOP(arcsin_##NAME, T, T, asin##F(a))                                     \
    DEFINE_UNARY_LOOP(arccos_##NAME, T, T, acos##F(a))                                     \
    DEFINE_UNARY_LOOP(arctan_##NAME, T, T, atan##F(a))                                     \
    DEFINE_UNARY_LOOP(sinh_##NAME, T, T, sinh##F(a))                                       \
    DEFINE_UNARY_LOOP(cosh_##NAME, T, T, cosh##F(a))                                       \
    DEFINE_UNARY_LOOP(tanh_##NAME, T, T, VMATH_##NAME(tanh, a))                                       \
    DEFINE_UNARY_LOOP(arcsinh_##NAME, T, T, asinh##F(a))                                   \
    DEFINE_UNARY_LOOP(arccosh_##NAME, T, T, acosh##F(a))                                   \
    DEFINE_UNARY_LOOP(arctanh_##NAME, T, T, atanh##F(a))                                   \
    DEFINE_UNARY_LOOP(erf_##NAME, T, T, erf##F(a))                                         \
    DEFINE_UNARY_LOOP(floor_##NAME, T, T, floor##F(a))                                     \
    DEFINE_UNARY_LOOP(ceil_##NAME, T, T, ceil##F(a))                                       \
    DEFINE_UNARY_LOOP(trunc_##NAME, T, T, trunc##F(a))                                     \
    DEFINE_UNARY_LOOP(rint_##NAME, T, T, rint##F(a))                                       \
    DEFINE_UNARY_LOOP(isnan_##NAME, T, uint8_t, isnan(a) != 0)                                  \
    DEFINE_UNARY_LOOP(isinf_##NAME, T, uint8_t, isinf(a) != 0)                                  \
    DEFINE_UNARY_LOOP(isfinite_##NAME, T, uint8_t, isfinite(a) != 0)                            \
    DEFINE_UNARY_LOOP(signbit_##NAME, T, uint8_t, signbit(a) != 0)
FLOATS(FLOAT_UNARY, _)

/* where(cond, a, b): a select that only moves bytes, one loop per width. */
#define DEFINE_WHERE(BITS)                                                          \
    ND_VECTORIZE static void where_##BITS(char **args, const int64_t *dims,          \
                                          const int64_t *steps, void *data)          \
    {                                                                               \
        (void)data;                                                                 \
        typedef uint##BITS##_t T;                                                   \
        int64_t n = dims[0];                                                        \
        if (steps[0] == 1 && steps[1] == sizeof(T) && steps[2] == sizeof(T) &&      \
            steps[3] == sizeof(T)) {                                                \
            const uint8_t *c = (const uint8_t *)args[0];                            \
            const T *x = (const T *)args[1], *y = (const T *)args[2];               \
            T *z = (T *)args[3];                                                    \
            for (int64_t i = 0; i < n; i++)                                         \
                z[i] = c[i] ? x[i] : y[i];                                          \
            return;                                                                 \
        }                                                                           \
        for (int64_t i = 0; i < n; i++) {                                           \
            uint8_t c = *(const uint8_t *)(args[0] + i * steps[0]);                 \
            T v = c ? *(const T *)(args[1] + i * steps[1])                          \
                    : *(const T *)(args[2] + i * steps[2]);                         \
            *(T *)(args[3] + i * steps[3]) = v;                                     \
        }                                                                           \
    }
DEFINE_WHERE(8)
DEFINE_WHERE(16)
DEFINE_WHERE(32)
DEFINE_WHERE(64)

/* clip(a, lo, hi) = min(max(a, lo), hi) with NumPy's NaN rules. */
#define DEFINE_CLIP(E, NAME, T, ...)                                                \
    ND_VECTORIZE static void clip_##NAME(char **args, const int64_t *dims,           \
                                         const int64_t *steps, void *data)           \
    {                                                                               \
        (void)data;                                                                 \
        for (int64_t i = 0; i < dims[0]; i++) {                                     \
            T a = *(const T *)(args[0] + i * steps[0]);                             \
            T lo = *(const T *)(args[1] + i * steps[1]);                            \
            T hi = *(const T *)(args[2] + i * steps[2]);                            \
            T m = MAXIMUM(a, lo);                                                   \
            *(T *)(args[3] + i * steps[3]) = MINIMUM(m, hi);                        \
        }                                                                           \
    }
ALL_COMPUTE(DEFINE_CLIP, _)

/* ---- the table ------------------------------------------------------------------- */

#define E_INTS(OP) ALL_INTS(ENTRY_INT, OP)
#define E_FLOATS(OP) FLOATS(ENTRY_FLOAT, OP)
#define E_COMPUTE(OP) [ND_BOOL] = OP##_bool, E_INTS(OP) E_FLOATS(OP)

#define SAME ND_OUTPUT_SAME
#define BOOL ND_OUTPUT_BOOL
#define NO_BOOL (ND_TYPES_NUMBER)

#define UFUNC(VAR, NAME, NIN, TYPES, OUTPUT, ...) \
    const nd_ufunc VAR = {.name = NAME, .nin = NIN, .types = TYPES, .output = OUTPUT, __VA_ARGS__};

UFUNC(nd_ufunc_add, "add", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true, .loops = {E_COMPUTE(add)})
UFUNC(nd_ufunc_subtract, "subtract", 2, NO_BOOL, SAME, .promotes_like_result_type = true, .loops = {E_INTS(subtract) E_FLOATS(subtract)},
      .bool_message = "numpy boolean subtract, the `-` operator, is not supported, use the "
                      "bitwise_xor, the `^` operator, or the logical_xor function instead.")
UFUNC(nd_ufunc_multiply, "multiply", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true, .loops = {E_COMPUTE(multiply)})
UFUNC(nd_ufunc_divide, "divide", 2, ND_TYPES_FLOAT, SAME, .loops = {E_FLOATS(divide)},
      .ints_as_double = true)
static const nd_ufunc ufunc_true_divide = {.name = "true_divide", .nin = 2, .types = ND_TYPES_FLOAT,
                                           .output = SAME, .loops = {E_FLOATS(divide)},
                                           .ints_as_double = true};
UFUNC(ufunc_floor_divide, "floor_divide", 2, NO_BOOL, SAME,
      .loops = {E_INTS(floor_divide) E_FLOATS(floor_divide)})
UFUNC(ufunc_remainder, "remainder", 2, NO_BOOL, SAME, .loops = {E_INTS(remainder) E_FLOATS(remainder)})
UFUNC(ufunc_power, "power", 2, NO_BOOL, SAME, .loops = {E_INTS(power) E_FLOATS(power)})
UFUNC(nd_ufunc_maximum, "maximum", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true, .loops = {E_COMPUTE(maximum)})
UFUNC(nd_ufunc_minimum, "minimum", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true, .loops = {E_COMPUTE(minimum)})
UFUNC(ufunc_fmax, "fmax", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true,
      .loops = {[ND_BOOL] = maximum_bool, ALL_INTS(fmax_int_alias, _) E_FLOATS(fmax)})
UFUNC(ufunc_fmin, "fmin", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true,
      .loops = {[ND_BOOL] = minimum_bool, ALL_INTS(fmin_int_alias, _) E_FLOATS(fmin)})
UFUNC(ufunc_arctan2, "arctan2", 2, ND_TYPES_FLOAT, SAME, .loops = {E_FLOATS(arctan2)})
UFUNC(ufunc_hypot, "hypot", 2, ND_TYPES_FLOAT, SAME, .loops = {E_FLOATS(hypot)})
UFUNC(ufunc_equal, "equal", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(equal)})
UFUNC(ufunc_not_equal, "not_equal", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(not_equal)})
UFUNC(ufunc_less, "less", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(less)})
UFUNC(ufunc_less_equal, "less_equal", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(less_equal)})
UFUNC(ufunc_greater, "greater", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(greater)})
UFUNC(ufunc_greater_equal, "greater_equal", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(greater_equal)})
/* Logical ops test every input for nonzero (a cast to bool), then work on
 * bools, which gives NumPy's results for every input dtype. */
UFUNC(nd_ufunc_logical_and, "logical_and", 2, ND_TYPES_ALL, BOOL,
      .loops = {[ND_BOOL] = logical_and_bool}, .inputs_as_bool = true)
UFUNC(nd_ufunc_logical_or, "logical_or", 2, ND_TYPES_ALL, BOOL,
      .loops = {[ND_BOOL] = logical_or_bool}, .inputs_as_bool = true)
UFUNC(ufunc_logical_xor, "logical_xor", 2, ND_TYPES_ALL, BOOL,
      .loops = {[ND_BOOL] = logical_xor_bool}, .inputs_as_bool = true)
#define INTS_AND_BOOL (ND_TYPES_INT | ND_TYPE_BIT(ND_BOOL))
UFUNC(ufunc_bitwise_and, "bitwise_and", 2, INTS_AND_BOOL, SAME,
      .loops = {[ND_BOOL] = bitwise_and_bool, E_INTS(bitwise_and)})
UFUNC(ufunc_bitwise_or, "bitwise_or", 2, INTS_AND_BOOL, SAME,
      .loops = {[ND_BOOL] = bitwise_or_bool, E_INTS(bitwise_or)})
UFUNC(ufunc_bitwise_xor, "bitwise_xor", 2, INTS_AND_BOOL, SAME,
      .loops = {[ND_BOOL] = bitwise_xor_bool, E_INTS(bitwise_xor)})
UFUNC(ufunc_left_shift, "left_shift", 2, ND_TYPES_INT, SAME, .loops = {E_INTS(left_shift)})
UFUNC(ufunc_right_shift, "right_shift", 2, ND_TYPES_INT, SAME, .loops = {E_INTS(right_shift)})

UFUNC(ufunc_negative, "negative", 1, NO_BOOL, SAME, .loops = {E_INTS(negative) E_FLOATS(negative)},
      .bool_message = "The numpy boolean negative, the `-` operator, is not supported, use the "
                      "`~` operator or the logical_not function instead.")
UFUNC(ufunc_positive, "positive", 1, NO_BOOL, SAME, .loops = {E_INTS(positive) E_FLOATS(positive)},
      .exact_input_type = true)
UFUNC(ufunc_absolute, "absolute", 1, ND_TYPES_ALL, SAME, .loops = {E_COMPUTE(absolute)})
UFUNC(ufunc_sign, "sign", 1, NO_BOOL, SAME, .loops = {E_INTS(sign) E_FLOATS(sign)},
      .exact_input_type = true)
UFUNC(ufunc_square, "square", 1, NO_BOOL, SAME, .loops = {E_INTS(square) E_FLOATS(square)})
UFUNC(ufunc_reciprocal, "reciprocal", 1, NO_BOOL, SAME, .loops = {E_INTS(reciprocal) E_FLOATS(reciprocal)})
UFUNC(ufunc_invert, "invert", 1, INTS_AND_BOOL, SAME, .loops = {[ND_BOOL] = invert_bool, E_INTS(invert)})
UFUNC(ufunc_logical_not, "logical_not", 1, ND_TYPES_ALL, BOOL,
      .loops = {[ND_BOOL] = logical_not_bool}, .inputs_as_bool = true)
UFUNC(ufunc_isnan, "isnan", 1, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(isnan)})
UFUNC(ufunc_isinf, "isinf", 1, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(isinf)})
UFUNC(ufunc_isfinite, "isfinite", 1, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(isfinite)})
UFUNC(ufunc_signbit, "signbit", 1, ND_TYPES_FLOAT, BOOL, .loops = {E_FLOATS(signbit)})

/* The float-only unary functions: integers compute in the smallest float
 * that holds them (int8 -> float16), by the search in nd_ufunc_resolve. */
#define FLOAT_FUNCTION(VAR, NAME) \
    UFUNC(VAR, #NAME, 1, ND_TYPES_FLOAT, SAME, .loops = {E_FLOATS(NAME)})
FLOAT_FUNCTION(nd_ufunc_sqrt, sqrt)
FLOAT_FUNCTION(ufunc_cbrt, cbrt)
FLOAT_FUNCTION(nd_ufunc_exp, exp)
FLOAT_FUNCTION(ufunc_exp2, exp2)
FLOAT_FUNCTION(ufunc_expm1, expm1)
FLOAT_FUNCTION(nd_ufunc_log, log)
FLOAT_FUNCTION(ufunc_log2, log2)
FLOAT_FUNCTION(ufunc_log10, log10)
FLOAT_FUNCTION(ufunc_log1p, log1p)
FLOAT_FUNCTION(ufunc_sin, sin)
FLOAT_FUNCTION(ufunc_cos, cos)
FLOAT_FUNCTION(ufunc_tan, tan)
FLOAT_FUNCTION(ufunc_arcsin, arcsin)
FLOAT_FUNCTION(ufunc_arccos, arccos)
FLOAT_FUNCTION(ufunc_arctan, arctan)
FLOAT_FUNCTION(ufunc_sinh, sinh)
FLOAT_FUNCTION(ufunc_cosh, cosh)
FLOAT_FUNCTION(ufunc_tanh, tanh)
FLOAT_FUNCTION(ufunc_arcsinh, arcsinh)
FLOAT_FUNCTION(ufunc_arccosh, arccosh)
FLOAT_FUNCTION(ufunc_arctanh, arctanh)
FLOAT_FUNCTION(ufunc_erf, erf)
FLOAT_FUNCTION(ufunc_floor, floor)
FLOAT_FUNCTION(ufunc_ceil, ceil)
FLOAT_FUNCTION(ufunc_trunc, trunc)
FLOAT_FUNCTION(ufunc_rint, rint)

/* where moves bytes, so its "compute dtype" only decides the width: every
 * dtype maps to the select of its size. The condition is cast to bool. */
UFUNC(ufunc_where, "where", 3, ND_TYPES_ALL, SAME,
      .loops = {[ND_BOOL] = where_8, [ND_INT8] = where_8, [ND_UINT8] = where_8,
                [ND_INT16] = where_16, [ND_UINT16] = where_16, [ND_INT32] = where_32,
                [ND_UINT32] = where_32, [ND_FLOAT32] = where_32, [ND_INT64] = where_64,
                [ND_UINT64] = where_64, [ND_FLOAT64] = where_64},
      .first_input_as_bool = true)
UFUNC(ufunc_clip, "clip", 3, ND_TYPES_ALL, SAME, .promotes_like_result_type = true, .loops = {E_COMPUTE(clip)})

/* ---- the public functions ---------------------------------------------------------- */

static nd_array *apply(const nd_ufunc *uf, const nd_array *const *inputs)
{
    nd_array *result = NULL;
    return nd_ufunc_call(uf, inputs, NULL, &result) < 0 ? NULL : result;
}

static int apply_out(const nd_ufunc *uf, const nd_array *const *inputs, nd_array *out)
{
    if (!out)
        return nd_set_error(ND_ERR_VALUE, "%s: out is NULL", uf->name);
    return nd_ufunc_call(uf, inputs, out, NULL);
}

#define PUBLIC_BINARY(NAME, UF)                                                            \
    nd_array *nd_##NAME(const nd_array *a, const nd_array *b)                              \
    {                                                                                      \
        return apply(&UF, (const nd_array *const[]){a, b});                                \
    }                                                                                      \
    int nd_##NAME##_out(const nd_array *a, const nd_array *b, nd_array *out)               \
    {                                                                                      \
        return apply_out(&UF, (const nd_array *const[]){a, b}, out);                       \
    }
#define PUBLIC_UNARY(NAME, UF)                                                             \
    nd_array *nd_##NAME(const nd_array *a) { return apply(&UF, (const nd_array *const[]){a}); } \
    int nd_##NAME##_out(const nd_array *a, nd_array *out)                                  \
    {                                                                                      \
        return apply_out(&UF, (const nd_array *const[]){a}, out);                          \
    }

PUBLIC_BINARY(add, nd_ufunc_add)
PUBLIC_BINARY(subtract, nd_ufunc_subtract)
PUBLIC_BINARY(multiply, nd_ufunc_multiply)
PUBLIC_BINARY(divide, nd_ufunc_divide)
PUBLIC_BINARY(true_divide, ufunc_true_divide)
PUBLIC_BINARY(floor_divide, ufunc_floor_divide)
PUBLIC_BINARY(mod, ufunc_remainder)
PUBLIC_BINARY(power, ufunc_power)
PUBLIC_BINARY(maximum, nd_ufunc_maximum)
PUBLIC_BINARY(minimum, nd_ufunc_minimum)
PUBLIC_BINARY(fmax, ufunc_fmax)
PUBLIC_BINARY(fmin, ufunc_fmin)
PUBLIC_BINARY(arctan2, ufunc_arctan2)
PUBLIC_BINARY(hypot, ufunc_hypot)
PUBLIC_BINARY(equal, ufunc_equal)
PUBLIC_BINARY(not_equal, ufunc_not_equal)
PUBLIC_BINARY(less, ufunc_less)
PUBLIC_BINARY(less_equal, ufunc_less_equal)
PUBLIC_BINARY(greater, ufunc_greater)
PUBLIC_BINARY(greater_equal, ufunc_greater_equal)
PUBLIC_BINARY(logical_and, nd_ufunc_logical_and)
PUBLIC_BINARY(logical_or, nd_ufunc_logical_or)
PUBLIC_BINARY(logical_xor, ufunc_logical_xor)
PUBLIC_BINARY(bitwise_and, ufunc_bitwise_and)
PUBLIC_BINARY(bitwise_or, ufunc_bitwise_or)
PUBLIC_BINARY(bitwise_xor, ufunc_bitwise_xor)
PUBLIC_BINARY(left_shift, ufunc_left_shift)
PUBLIC_BINARY(right_shift, ufunc_right_shift)

PUBLIC_UNARY(negative, ufunc_negative)
PUBLIC_UNARY(positive, ufunc_positive)
PUBLIC_UNARY(absolute, ufunc_absolute)
PUBLIC_UNARY(abs, ufunc_absolute)
PUBLIC_UNARY(sign, ufunc_sign)
PUBLIC_UNARY(sqrt, nd_ufunc_sqrt)
PUBLIC_UNARY(cbrt, ufunc_cbrt)
PUBLIC_UNARY(square, ufunc_square)
PUBLIC_UNARY(reciprocal, ufunc_reciprocal)
PUBLIC_UNARY(exp, nd_ufunc_exp)
PUBLIC_UNARY(exp2, ufunc_exp2)
PUBLIC_UNARY(expm1, ufunc_expm1)
PUBLIC_UNARY(log, nd_ufunc_log)
PUBLIC_UNARY(log2, ufunc_log2)
PUBLIC_UNARY(log10, ufunc_log10)
PUBLIC_UNARY(log1p, ufunc_log1p)
PUBLIC_UNARY(sin, ufunc_sin)
PUBLIC_UNARY(cos, ufunc_cos)
PUBLIC_UNARY(tan, ufunc_tan)
PUBLIC_UNARY(arcsin, ufunc_arcsin)
PUBLIC_UNARY(arccos, ufunc_arccos)
PUBLIC_UNARY(arctan, ufunc_arctan)
PUBLIC_UNARY(sinh, ufunc_sinh)
PUBLIC_UNARY(cosh, ufunc_cosh)
PUBLIC_UNARY(tanh, ufunc_tanh)
PUBLIC_UNARY(arcsinh, ufunc_arcsinh)
PUBLIC_UNARY(arccosh, ufunc_arccosh)
PUBLIC_UNARY(arctanh, ufunc_arctanh)
PUBLIC_UNARY(erf, ufunc_erf)
PUBLIC_UNARY(floor, ufunc_floor)
PUBLIC_UNARY(ceil, ufunc_ceil)
PUBLIC_UNARY(trunc, ufunc_trunc)
PUBLIC_UNARY(rint, ufunc_rint)
PUBLIC_UNARY(round, ufunc_rint)
PUBLIC_UNARY(isnan, ufunc_isnan)
PUBLIC_UNARY(isinf, ufunc_isinf)
PUBLIC_UNARY(isfinite, ufunc_isfinite)
PUBLIC_UNARY(signbit, ufunc_signbit)
PUBLIC_UNARY(logical_not, ufunc_logical_not)
PUBLIC_UNARY(invert, ufunc_invert)

/* where: the dtype comes from a and b only (the condition is just tested
 * for nonzero), so resolve over (a, b) and run the three-input select.
 * float16/bfloat16 go through the float32 select, which is exact. */
static const nd_ufunc where_types = {.name = "where", .nin = 2, .types = ND_TYPES_ALL,
                                     .promotes_like_result_type = true};

static int where_call(const nd_array *cond, const nd_array *a, const nd_array *b, nd_array *out,
                      nd_array **result)
{
    if (!cond || !a || !b)
        return nd_set_error(ND_ERR_VALUE, "where: an input is NULL");
    nd_dtype dt;
    int status = nd_ufunc_resolve(&where_types, (const nd_array *const[]){a, b}, &dt);
    if (status < 0)
        return status;
    return nd_ufunc_call_typed(&ufunc_where, dt, (const nd_array *const[]){cond, a, b}, out, result);
}

int nd_where_out(const nd_array *cond, const nd_array *a, const nd_array *b, nd_array *out)
{
    if (!out)
        return nd_set_error(ND_ERR_VALUE, "where: out is NULL");
    return where_call(cond, a, b, out, NULL);
}

nd_array *nd_where(const nd_array *cond, const nd_array *a, const nd_array *b)
{
    nd_array *result = NULL;
    return where_call(cond, a, b, NULL, &result) < 0 ? NULL : result;
}

/* numpy.clip: the result dtype is that of a, lo and hi together. */
int nd_clip_out(const nd_array *a, const nd_array *lo, const nd_array *hi, nd_array *out)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, out);
    if (!a)
        return nd_set_error(ND_ERR_VALUE, "clip: a is NULL");
    if (!lo && !hi)
        return nd_set_error(ND_ERR_VALUE, "One of max or min must be given");
    if (!hi)
        return nd_ufunc_call(&nd_ufunc_maximum, (const nd_array *const[]){a, lo}, out, NULL);
    if (!lo)
        return nd_ufunc_call(&nd_ufunc_minimum, (const nd_array *const[]){a, hi}, out, NULL);
    return nd_ufunc_call(&ufunc_clip, (const nd_array *const[]){a, lo, hi}, out, NULL);
}

nd_array *nd_clip(const nd_array *a, const nd_array *lo, const nd_array *hi)
{
    ND_CHECK_NOT_NULL(NULL, a);
    if (!a) {
        nd_set_error(ND_ERR_VALUE, "clip: a is NULL");
        return NULL;
    }
    if (!lo && !hi) {
        nd_set_error(ND_ERR_VALUE, "One of max or min must be given");
        return NULL;
    }
    if (!hi)
        return apply(&nd_ufunc_maximum, (const nd_array *const[]){a, lo});
    if (!lo)
        return apply(&nd_ufunc_minimum, (const nd_array *const[]){a, hi});
    return apply(&ufunc_clip, (const nd_array *const[]){a, lo, hi});
}

nd_array *nd_scalar(nd_dtype dt, double value)
{
    return nd_full(dt, 0, NULL, value);
}

nd_dtype nd_result_type_arrays(int n, const nd_array *const *arrays)
{
    ND_CHECK_LIST((nd_dtype)-1, n, arrays);
    if (n < 1 || n > ND_MAX_RESOLVE || !arrays) {
        nd_set_error(ND_ERR_VALUE, "result_type: between 1 and %d arrays, got %d", ND_MAX_RESOLVE, n);
        return (nd_dtype)-1;
    }
    for (int i = 0; i < n; i++)
        if (!arrays[i]) {
            nd_set_error(ND_ERR_VALUE, "result_type: array %d is NULL", i);
            return (nd_dtype)-1;
        }
    nd_ufunc any = {.name = "result_type", .nin = n, .types = ND_TYPES_ALL,
                    .promotes_like_result_type = true};
    nd_dtype dt;
    return nd_ufunc_resolve(&any, arrays, &dt) < 0 ? (nd_dtype)-1 : dt;
}
