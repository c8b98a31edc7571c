/*
 * ufunc.h: what an elementwise operation is, for elementwise.c and reduce.c.
 *
 * An operation is a table row: its name, how its loop dtype is chosen, and
 * one inner loop per compute dtype. Type resolution follows NumPy: walk the
 * loop dtypes NumPy defines for the op in NumPy's search order (? b B h H i I
 * l L q Q e f d, with bfloat16 right after float16) and take the first one
 * every input casts to safely (0-d inputs by the value they hold, as NumPy
 * 1.24 does). float16 and bfloat16 have no loops of their own: they are
 * computed by the float32 loop, the engine casting them in small buffers.
 */
#ifndef ND_UFUNC_H
#define ND_UFUNC_H

#include "nd_internal.h"

/* Bits of nd_ufunc.types. */
#define ND_TYPE_BIT(dt) (1u << (dt))
#define ND_TYPES_INT                                                          \
    (ND_TYPE_BIT(ND_INT8) | ND_TYPE_BIT(ND_INT16) | ND_TYPE_BIT(ND_INT32) |   \
     ND_TYPE_BIT(ND_INT64) | ND_TYPE_BIT(ND_UINT8) | ND_TYPE_BIT(ND_UINT16) | \
     ND_TYPE_BIT(ND_UINT32) | ND_TYPE_BIT(ND_UINT64))
#define ND_TYPES_FLOAT                                                              \
    (ND_TYPE_BIT(ND_FLOAT16) | ND_TYPE_BIT(ND_BFLOAT16) | ND_TYPE_BIT(ND_FLOAT32) | \
     ND_TYPE_BIT(ND_FLOAT64))
#define ND_TYPES_NUMBER (ND_TYPES_INT | ND_TYPES_FLOAT)
#define ND_TYPES_ALL (ND_TYPE_BIT(ND_BOOL) | ND_TYPES_NUMBER)

typedef enum nd_ufunc_output {
    // clang-format off
    ND_OUTPUT_SAME,   /* the result has the loop dtype */
    ND_OUTPUT_BOOL,   /* comparisons, logical ops, isnan...: bool */
    // clang-format on
} nd_ufunc_output;

typedef struct nd_ufunc {
    // clang-format off
    const char *name;              /* as NumPy names it, for messages */
    int nin;                       /* 1, 2 or 3 inputs; one output */
    unsigned types;                /* loop dtypes NumPy defines (ND_TYPE_BIT) */
    nd_ufunc_output output;
    bool inputs_as_bool;           /* logical ops: inputs are tested for nonzero */
    bool first_input_as_bool;      /* where: the condition is tested for nonzero */
    bool ints_as_double;           /* true_divide: integers and bool compute in float64 */
    bool exact_input_type;         /* positive, sign: no cast to find a loop */
    const char *bool_message;      /* subtract, negative: NumPy's special TypeError */
    // clang-format on
    /* NumPy resolves these with result_type's legacy rules, under which a
     * small non-negative 0-d value next to an unsigned array stays unsigned
     * (uint8 array + 300 -> uint16), where the loop search would go signed. */
    bool promotes_like_result_type;
    /* Indexed by compute dtype: bool, ints, float32, float64 (float16 and
     * bfloat16 use the float32 entry). */
    nd_inner_loop loops[ND_NUM_DTYPES];
} nd_ufunc;

/* A loop that can fail (integer power with a negative exponent) writes its
 * message here; loop_data of such ops points at one. */
typedef struct nd_loop_error {
    _Atomic(const char *) message;
} nd_loop_error;

/* The dtype a float16/bfloat16 loop computes in (float32); others map to
 * themselves. */
static inline nd_dtype nd_compute_dtype(nd_dtype dt)
{
    return dt == ND_FLOAT16 || dt == ND_BFLOAT16 ? ND_FLOAT32 : dt;
}

/* The most inputs a resolution handles (result_type of many arrays, einsum). */
#define ND_MAX_RESOLVE 64

/* Chooses the loop dtype for these inputs (NumPy's linear search); sets
 * NumPy's TypeError and returns it when there is none. */
int nd_ufunc_resolve(const nd_ufunc *uf, const nd_array *const *inputs, nd_dtype *loop_dtype);

/* Applies uf to its inputs: into `out` when it is not NULL (then *result is
 * left alone), else into a new array returned in *result. All of nd.h's
 * rules for ufuncs (broadcasting, out's shape and casting, aliasing) are
 * enforced here, so each public function is one line. */
int nd_ufunc_call(const nd_ufunc *uf, const nd_array *const *inputs, nd_array *out,
                  nd_array **result);

/* The same with the loop dtype chosen by the caller (reductions use this
 * to run add in int64 over int8 inputs, for instance). */
int nd_ufunc_call_typed(const nd_ufunc *uf, nd_dtype loop_dtype, const nd_array *const *inputs,
                        nd_array *out, nd_array **result);

/* The operations reduce.c reuses. */
extern const nd_ufunc nd_ufunc_add, nd_ufunc_multiply, nd_ufunc_maximum, nd_ufunc_minimum,
    nd_ufunc_logical_and, nd_ufunc_logical_or, nd_ufunc_subtract, nd_ufunc_divide, nd_ufunc_exp,
    nd_ufunc_log, nd_ufunc_sqrt;

#endif /* ND_UFUNC_H */
