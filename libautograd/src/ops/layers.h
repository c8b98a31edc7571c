/*
 * layers.h: what the fused network layers share (softmax.c, loss.c,
 * norm.c, activation.c, attention.c, dropout.c).
 *
 * The fused kernels work on contiguous rows of float32 or float64. Each
 * family is written once, for an element type T, in a `<family>_kernels.inc`
 * file of plain functions named name_T (norm_forward_T, sum_T, ...), and
 * included twice: after `#define T float` and a `#define name_T name_float`
 * for every kernel it defines or calls, then the same for double. So each
 * kernel is an ordinary function: `grep norm_forward_float` finds the line
 * that instantiates it, a debugger steps through the .inc's lines, a compile
 * error points at them. Every .inc undefines T and its names at its end.
 * The shared kernels below (layer_kernels.inc) are instantiated here.
 * Reductions keep 8 independent partial sums so the compiler can vectorize
 * them without reassociating (no -ffast-math needed), and the rounding error
 * grows like n/8 instead of n. Every kernel that loops over a row is
 * ND_VECTORIZE (AVX-512, AVX2 and baseline clones, as libnd's loops): the
 * library itself is built for baseline x86-64, where the loops got SSE2 at
 * best (a quarter of a zmm register) and no FMA.
 */
#ifndef AG_LAYERS_H
#define AG_LAYERS_H

#include "ops.h"
#include "vectorize.h" /* libnd/src/vectorize.h: ND_VECTORIZE, the kernels' AVX-512/AVX2 clones */

#include <math.h>
#include <string.h>

#define LAYER_LANES 8

#define T float
#define sum_T sum_float
#define dot_T dot_float
#define shift_rows_T shift_rows_float
#define softmax_backward_rows_T softmax_backward_rows_float
#include "layer_kernels.inc"

#define T double
#define sum_T sum_double
#define dot_T dot_double
#define shift_rows_T shift_rows_double
#define softmax_backward_rows_T softmax_backward_rows_double
#include "layer_kernels.inc"

/* Calls fn_float or fn_double by dtype; the data pointers are passed as
 * nd_data's void *, which C converts to either. */
#define LAYER_CALL(dt, fn, ...)       \
    do {                              \
        if ((dt) == ND_FLOAT32)       \
            fn##_float(__VA_ARGS__);  \
        else                          \
            fn##_double(__VA_ARGS__); \
    } while (0)

/* 0 if a is float32 or float64, else a type error naming the op and the
 * dtype it got (torch refuses an integer input to these kernels too). */
static inline int layer_check_float(const nd_array *a, const char *op)
{
    nd_dtype dt = nd_dtype_of(a);
    if (dt == ND_FLOAT32 || dt == ND_FLOAT64)
        return 0;
    return nd_set_last_error(ND_ERR_TYPE, "%s: expected a floating point tensor, got %s", op,
                             nd_dtype_name(dt));
}

/* 0 if dt is a floating dtype (the dtype an op's result is stored in:
 * ag_gelu_to, ag_layer_norm_to), else a type error naming the op. */
static inline int layer_check_float_dtype(nd_dtype dt, const char *op)
{
    if (nd_dtype_itemsize(dt) > 0 && nd_dtype_is_float(dt))
        return 0;
    return nd_set_last_error(ND_ERR_TYPE, "%s: expected a floating point dtype, got %s", op,
                             nd_dtype_itemsize(dt) > 0 ? nd_dtype_name(dt) : "an invalid dtype");
}

/* 0 if every array has a's dtype, else torch's "expected scalar type Float
 * but found Double". NULL entries are skipped. */
static inline int layer_check_same_dtype(const nd_array *a, int n, const nd_array *const *others)
{
    for (int i = 0; i < n; i++)
        if (others[i] && nd_dtype_of(others[i]) != nd_dtype_of(a))
            return nd_set_last_error(ND_ERR_TYPE, "expected scalar type %s but found %s",
                                     torch_dtype_name(nd_dtype_of(a)),
                                     torch_dtype_name(nd_dtype_of(others[i])));
    return 0;
}

/* The number of rows of a (..., n) array: size / n (0 if n is 0). */
static inline int64_t layer_rows(const nd_array *a, int64_t n)
{
    return n > 0 ? nd_size(a) / n : 0;
}

/* ---- for the composed twins ------------------------------------------------------ */

static inline nd_array *layer_constant_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n, (void)x;
    return nd_view(*(nd_array *const *)ag_ctx_params(ctx));
}

/* A tape tensor sharing `value` (the tape releases its handle at the
 * reset), with no gradient: masks, one-hot weights and other constants a
 * composed graph needs. */
static inline ag_tensor *layer_constant(const nd_array *value)
{
    static const ag_op constant_op = {"constant", layer_constant_forward, NULL};
    return ag_apply(&constant_op, 0, NULL, &value, sizeof value);
}

#endif /* AG_LAYERS_H */
