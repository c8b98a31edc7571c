/*
 * The elementwise operations: one table row per op, holding a typed inner
 * loop per compute dtype, and the public nd_<op> / nd_<op>_out pair, one line
 * each. The engine (ufunc.c) does broadcasting, dtypes, buffering and
 * threads; a loop here only sees n elements and byte steps.
 *
 * The loops are plain functions, written once per kind of dtype in
 * elementwise_loops.inc (comparisons, clip, where and the loop shapes, for
 * every compute dtype), elementwise_int.inc and elementwise_float.inc, and
 * included here once per dtype: `add_int16` is FN(add) of elementwise_int.inc
 * with T = int16_t. Every loop's contiguous branches are plain indexed loops
 * the compiler vectorizes; they are compiled for AVX-512, AVX2 and baseline
 * x86-64 and the best one is picked when the library loads (ND_VECTORIZE),
 * so one binary runs everywhere.
 *
 * The list of ops is ops/elementwise.def, shared with the tests.
 */
#include "ufunc.h"
#include "vmath.h"

#include <math.h>
#include <stddef.h>
/* Type-generic libm for the float loops: sqrt(a) is sqrtf for a float. */
#include <tgmath.h>

/* One loop body serves signed and unsigned integers and floats, so `a < 0`
 * is always false for some of its instances and the NaN test `a != a`
 * always false for integers: that is intended, not a bug. */
#pragma GCC diagnostic ignored "-Wtype-limits"
#pragma GCC diagnostic ignored "-Wtautological-compare"

/* Each block below sets T (and the other parameters an .inc file names)
 * and FN(name), which names a loop for that dtype: name_<dtype>. */

/* ---- bool ------------------------------------------------------------------------- */

#define T uint8_t
#define FN(name) name##_bool
#include "elementwise_loops.inc"

/* bool ops are logic on bytes holding 0 or 1: add is or, multiply is and. */
static inline uint8_t scalar_or_bool(uint8_t a, uint8_t b) { return a | b; }
static inline uint8_t scalar_and_bool(uint8_t a, uint8_t b) { return a & b; }
static inline uint8_t scalar_xor_bool(uint8_t a, uint8_t b) { return a ^ b; }
static inline uint8_t scalar_identity_bool(uint8_t a) { return a; }
static inline uint8_t scalar_not_bool(uint8_t a) { return !a; }
static inline bool scalar_never_bool(uint8_t a) { return (void)a, false; }
static inline bool scalar_always_bool(uint8_t a) { return (void)a, true; }

ND_VECTORIZE static uint8_t reduce_or_bool(uint8_t acc, const char *p, int64_t s, int64_t n)
{
    return lane_reduce_bool(acc, p, s, n, scalar_or_bool);
}
ND_VECTORIZE static uint8_t reduce_and_bool(uint8_t acc, const char *p, int64_t s, int64_t n)
{
    return lane_reduce_bool(acc, p, s, n, scalar_and_bool);
}
/* or: add, maximum, logical_or; and: multiply, minimum, logical_and. */
ND_VECTORIZE static void or_bool(char **args, const int64_t *dims, const int64_t *steps, void *data)
{
    (void)data;
    binary_loop_bool(args, dims, steps, scalar_or_bool, reduce_or_bool);
}
ND_VECTORIZE static void and_bool(char **args, const int64_t *dims, const int64_t *steps, void *data)
{
    (void)data;
    binary_loop_bool(args, dims, steps, scalar_and_bool, reduce_and_bool);
}
ND_VECTORIZE static void xor_bool(char **args, const int64_t *dims, const int64_t *steps, void *data)
{
    (void)data;
    binary_loop_bool(args, dims, steps, scalar_xor_bool, NULL);
}
ND_VECTORIZE static void absolute_bool(char **args, const int64_t *dims, const int64_t *steps,
                                       void *data)
{
    (void)data;
    unary_loop_bool(args, dims, steps, scalar_identity_bool);
}
/* invert and logical_not of a bool are both `not`. */
ND_VECTORIZE static void not_bool(char **args, const int64_t *dims, const int64_t *steps, void *data)
{
    (void)data;
    unary_loop_bool(args, dims, steps, scalar_not_bool);
}
/* A bool is never NaN or infinite. */
ND_VECTORIZE static void never_bool(char **args, const int64_t *dims, const int64_t *steps,
                                    void *data)
{
    (void)data;
    test_loop_bool(args, dims, steps, scalar_never_bool);
}
ND_VECTORIZE static void always_bool(char **args, const int64_t *dims, const int64_t *steps,
                                     void *data)
{
    (void)data;
    test_loop_bool(args, dims, steps, scalar_always_bool);
}
#undef T
#undef FN

/* ---- integers --------------------------------------------------------------------- */

#define T int8_t
#define UT uint32_t
#define FN(name) name##_int8
#include "elementwise_loops.inc"
#include "elementwise_int.inc"
#undef T
#undef FN

#define T int16_t
#define UT uint32_t
#define FN(name) name##_int16
#include "elementwise_loops.inc"
#include "elementwise_int.inc"
#undef T
#undef FN

#define T int32_t
#define UT uint32_t
#define FN(name) name##_int32
#include "elementwise_loops.inc"
#include "elementwise_int.inc"
#undef T
#undef FN

#define T int64_t
#define UT uint64_t
#define FN(name) name##_int64
#include "elementwise_loops.inc"
#include "elementwise_int.inc"
#undef T
#undef FN

#define T uint8_t
#define UT uint32_t
#define FN(name) name##_uint8
#include "elementwise_loops.inc"
#include "elementwise_int.inc"
#undef T
#undef FN

#define T uint16_t
#define UT uint32_t
#define FN(name) name##_uint16
#include "elementwise_loops.inc"
#include "elementwise_int.inc"
#undef T
#undef FN

#define T uint32_t
#define UT uint32_t
#define FN(name) name##_uint32
#include "elementwise_loops.inc"
#include "elementwise_int.inc"
#undef T
#undef FN

#define T uint64_t
#define UT uint64_t
#define FN(name) name##_uint64
#include "elementwise_loops.inc"
#include "elementwise_int.inc"
#undef T
#undef FN

/* ---- floats ----------------------------------------------------------------------- */

#define T float
#define NAN_FLAG int32_t
#define VEXP nd_vexpf
#define VLOG nd_vlogf
#define VTANH nd_vtanhf
#define FN(name) name##_float32
#include "elementwise_loops.inc"
#include "elementwise_float.inc"
#undef T
#undef FN

#define T double
#define NAN_FLAG int64_t
#define VEXP exp
#define VLOG log
#define VTANH tanh
#define FN(name) name##_float64
#include "elementwise_loops.inc"
#include "elementwise_float.inc"
#undef T
#undef FN

/* ---- the table ------------------------------------------------------------------- */

/* X(enum, dtype name) of the compute dtypes, for the table rows. */
// clang-format off
#define INTS(X, OP)                                                                           \
    X(ND_INT8, int8, OP) X(ND_INT16, int16, OP) X(ND_INT32, int32, OP) X(ND_INT64, int64, OP) \
    X(ND_UINT8, uint8, OP) X(ND_UINT16, uint16, OP) X(ND_UINT32, uint32, OP)                  \
    X(ND_UINT64, uint64, OP)
// clang-format on
#define FLOATS(X, OP) X(ND_FLOAT32, float32, OP) X(ND_FLOAT64, float64, OP)
#define ENTRY(E, NAME, OP) [E] = OP##_##NAME,
#define E_INTS(OP) INTS(ENTRY, OP)
#define E_FLOATS(OP) FLOATS(ENTRY, OP)
#define E_COMPUTE(OP) [ND_BOOL] = OP##_bool, E_INTS(OP) E_FLOATS(OP)

#define SAME ND_OUTPUT_SAME
#define BOOL ND_OUTPUT_BOOL
#define NO_BOOL (ND_TYPES_NUMBER)

#define UFUNC(VAR, NAME, NIN, TYPES, OUTPUT, ...) \
    const nd_ufunc VAR = {.name = NAME, .nin = NIN, .types = TYPES, .output = OUTPUT, __VA_ARGS__};

// clang-format off
UFUNC(nd_ufunc_add, "add", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true, .loops = {[ND_BOOL] = or_bool, E_INTS(add) E_FLOATS(add)})
UFUNC(nd_ufunc_subtract, "subtract", 2, NO_BOOL, SAME, .promotes_like_result_type = true, .loops = {E_INTS(subtract) E_FLOATS(subtract)},
      .bool_message = "numpy boolean subtract, the `-` operator, is not supported, use the "
                      "bitwise_xor, the `^` operator, or the logical_xor function instead.")
UFUNC(nd_ufunc_multiply, "multiply", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true, .loops = {[ND_BOOL] = and_bool, E_INTS(multiply) E_FLOATS(multiply)})
UFUNC(nd_ufunc_divide, "divide", 2, ND_TYPES_FLOAT, SAME, .loops = {E_FLOATS(divide)},
      .ints_as_double = true)
static const nd_ufunc ufunc_true_divide = {.name = "true_divide", .nin = 2, .types = ND_TYPES_FLOAT,
                                           .output = SAME, .loops = {E_FLOATS(divide)},
                                           .ints_as_double = true};
UFUNC(ufunc_floor_divide, "floor_divide", 2, NO_BOOL, SAME,
      .loops = {E_INTS(floor_divide) E_FLOATS(floor_divide)})
UFUNC(ufunc_remainder, "remainder", 2, NO_BOOL, SAME, .loops = {E_INTS(remainder) E_FLOATS(remainder)})
UFUNC(ufunc_power, "power", 2, NO_BOOL, SAME, .loops = {E_INTS(power) E_FLOATS(power)})
UFUNC(nd_ufunc_maximum, "maximum", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true, .loops = {[ND_BOOL] = or_bool, E_INTS(maximum) E_FLOATS(maximum)})
UFUNC(nd_ufunc_minimum, "minimum", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true, .loops = {[ND_BOOL] = and_bool, E_INTS(minimum) E_FLOATS(minimum)})
UFUNC(ufunc_fmax, "fmax", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true,
      .loops = {[ND_BOOL] = or_bool, E_INTS(maximum) E_FLOATS(fmax)})   /* fmax of integers is maximum */
UFUNC(ufunc_fmin, "fmin", 2, ND_TYPES_ALL, SAME, .promotes_like_result_type = true,
      .loops = {[ND_BOOL] = and_bool, E_INTS(minimum) E_FLOATS(fmin)})
UFUNC(ufunc_arctan2, "arctan2", 2, ND_TYPES_FLOAT, SAME, .loops = {E_FLOATS(arctan2)})
UFUNC(ufunc_hypot, "hypot", 2, ND_TYPES_FLOAT, SAME, .loops = {E_FLOATS(hypot)})
UFUNC(ufunc_copysign, "copysign", 2, ND_TYPES_FLOAT, SAME, .loops = {E_FLOATS(copysign)})
UFUNC(ufunc_equal, "equal", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(equal)})
UFUNC(ufunc_not_equal, "not_equal", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(not_equal)})
UFUNC(ufunc_less, "less", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(less)})
UFUNC(ufunc_less_equal, "less_equal", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(less_equal)})
UFUNC(ufunc_greater, "greater", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(greater)})
UFUNC(ufunc_greater_equal, "greater_equal", 2, ND_TYPES_ALL, BOOL, .loops = {E_COMPUTE(greater_equal)})
/* Logical ops test every input for nonzero (a cast to bool), then work on
 * bools, which gives NumPy's results for every input dtype. */
UFUNC(nd_ufunc_logical_and, "logical_and", 2, ND_TYPES_ALL, BOOL,
      .loops = {[ND_BOOL] = and_bool}, .inputs_as_bool = true)
UFUNC(nd_ufunc_logical_or, "logical_or", 2, ND_TYPES_ALL, BOOL,
      .loops = {[ND_BOOL] = or_bool}, .inputs_as_bool = true)
UFUNC(ufunc_logical_xor, "logical_xor", 2, ND_TYPES_ALL, BOOL,
      .loops = {[ND_BOOL] = xor_bool}, .inputs_as_bool = true)
#define INTS_AND_BOOL (ND_TYPES_INT | ND_TYPE_BIT(ND_BOOL))
UFUNC(ufunc_bitwise_and, "bitwise_and", 2, INTS_AND_BOOL, SAME,
      .loops = {[ND_BOOL] = and_bool, E_INTS(bitwise_and)})
UFUNC(ufunc_bitwise_or, "bitwise_or", 2, INTS_AND_BOOL, SAME,
      .loops = {[ND_BOOL] = or_bool, E_INTS(bitwise_or)})
UFUNC(ufunc_bitwise_xor, "bitwise_xor", 2, INTS_AND_BOOL, SAME,
      .loops = {[ND_BOOL] = xor_bool, E_INTS(bitwise_xor)})
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
UFUNC(ufunc_invert, "invert", 1, INTS_AND_BOOL, SAME, .loops = {[ND_BOOL] = not_bool, E_INTS(invert)})
UFUNC(ufunc_logical_not, "logical_not", 1, ND_TYPES_ALL, BOOL,
      .loops = {[ND_BOOL] = not_bool}, .inputs_as_bool = true)
UFUNC(ufunc_isnan, "isnan", 1, ND_TYPES_ALL, BOOL, .loops = {[ND_BOOL] = never_bool, E_INTS(isnan) E_FLOATS(isnan)})
UFUNC(ufunc_isinf, "isinf", 1, ND_TYPES_ALL, BOOL, .loops = {[ND_BOOL] = never_bool, E_INTS(isinf) E_FLOATS(isinf)})
UFUNC(ufunc_isfinite, "isfinite", 1, ND_TYPES_ALL, BOOL, .loops = {[ND_BOOL] = always_bool, E_INTS(isfinite) E_FLOATS(isfinite)})
UFUNC(ufunc_signbit, "signbit", 1, ND_TYPES_FLOAT, BOOL, .loops = {E_FLOATS(signbit)})

/* The float-only unary functions: integers compute in the smallest float
 * that holds them (int8 -> float16), by the search in nd_ufunc_resolve. */
#define ND_BINARY(NAME, NUMPY_NAME, UF)
#define ND_UNARY(NAME, NUMPY_NAME, UF)
#define ND_UNARY_FLOAT(NAME, NUMPY_NAME, UF) \
    UFUNC(UF, #NUMPY_NAME, 1, ND_TYPES_FLOAT, SAME, .loops = {E_FLOATS(NAME)})
#include "ops/elementwise.def"

/* where moves values, so its "compute dtype" only decides the width. The
 * condition is cast to bool. */
UFUNC(ufunc_where, "where", 3, ND_TYPES_ALL, SAME, .loops = {E_COMPUTE(where)},
      .first_input_as_bool = true)
UFUNC(ufunc_clip, "clip", 3, ND_TYPES_ALL, SAME, .promotes_like_result_type = true, .loops = {E_COMPUTE(clip)})
// clang-format on

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

#define PUBLIC_BINARY(NAME, UF)                                              \
    nd_array *nd_##NAME(const nd_array *a, const nd_array *b)                \
    {                                                                        \
        return apply(&UF, (const nd_array *const[]){a, b});                  \
    }                                                                        \
    int nd_##NAME##_out(const nd_array *a, const nd_array *b, nd_array *out) \
    {                                                                        \
        return apply_out(&UF, (const nd_array *const[]){a, b}, out);         \
    }
#define PUBLIC_UNARY(NAME, UF)                                                                  \
    nd_array *nd_##NAME(const nd_array *a) { return apply(&UF, (const nd_array *const[]){a}); } \
    int nd_##NAME##_out(const nd_array *a, nd_array *out)                                       \
    {                                                                                           \
        return apply_out(&UF, (const nd_array *const[]){a}, out);                               \
    }

#define ND_BINARY(NAME, NUMPY_NAME, UF) PUBLIC_BINARY(NAME, UF)
#define ND_UNARY(NAME, NUMPY_NAME, UF) PUBLIC_UNARY(NAME, UF)
#include "ops/elementwise.def"

/* where: the dtype comes from a and b only (the condition is just tested
 * for nonzero), so resolve over (a, b) and run the three-input select.
 * float16/bfloat16 go through the float32 select, which is exact. */
static const nd_ufunc where_types = {.name = "where",
                                     .nin = 2,
                                     .types = ND_TYPES_ALL,
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

nd_array *nd_scalar(nd_dtype dt, double value) { return nd_full(dt, 0, NULL, value); }

nd_dtype nd_result_type_arrays(int n, const nd_array *const *arrays)
{
    ND_CHECK_LIST((nd_dtype)-1, n, arrays);
    if (n < 1 || n > ND_MAX_RESOLVE || !arrays) {
        nd_set_error(ND_ERR_VALUE, "result_type: between 1 and %d arrays, got %d", ND_MAX_RESOLVE,
                     n);
        return (nd_dtype)-1;
    }
    for (int i = 0; i < n; i++)
        if (!arrays[i]) {
            nd_set_error(ND_ERR_VALUE, "result_type: array %d is NULL", i);
            return (nd_dtype)-1;
        }
    nd_ufunc any = {.name = "result_type",
                    .nin = n,
                    .types = ND_TYPES_ALL,
                    .promotes_like_result_type = true};
    nd_dtype dt;
    return nd_ufunc_resolve(&any, arrays, &dt) < 0 ? (nd_dtype)-1 : dt;
}
