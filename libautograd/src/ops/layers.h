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
 * The row loops are written on GCC/clang vector types (vec_T below: 8
 * floats or 4 doubles), loaded and stored with memcpy: a reduction keeps
 * LANES_T partial sums in each of up to four vectors (independent add
 * chains), adds the vectors, then folds the lanes as a tree of shuffles
 * (hsum_T), so the order is fixed by the source, not by the compiler or the
 * thread count, and needs no -ffast-math. Plain C with an array of partial
 * sums let gcc vectorize across the array instead: it folded the lanes one
 * scalar add at a time and spilled them, 400 cycles for a row of 128. The
 * rounding error of a sum grows like n / LANES_T instead of n. 32 bytes is
 * the width both the AVX2 and the AVX-512 clone hold in a register: gcc
 * keeps a wider vector type in memory in the AVX2 clone (the baseline
 * clone, SSE2, does so for this one, correct but slower). Every kernel
 * that loops over a row is ND_VECTORIZE (AVX-512, AVX2 and baseline
 * clones, as libnd's loops): the library itself is built for baseline
 * x86-64, where the loops got SSE2 at best and no FMA; the helpers are
 * always inlined, so each clone compiles them for its own instruction set.
 */
#ifndef AG_LAYERS_H
#define AG_LAYERS_H

#include "bf16.h" /* libnd/src/bf16.h: nd_bf16_round, nd_bf16_widen */
#include "ops.h"
#include "vectorize.h" /* libnd/src/vectorize.h: ND_VECTORIZE, the kernels' AVX-512/AVX2 clones */

#include <math.h>
#include <string.h>

/* The helpers below take and return 32-byte vectors; libautograd is built
 * with -Wno-psabi (libautograd/meson.build says why). */
typedef float vec_float __attribute__((vector_size(32)));
typedef double vec_double __attribute__((vector_size(32)));

/* The vector of T (the element type a kernel .inc is instantiated for) and
 * its number of lanes */
#define vec_T __typeof__(_Generic((T)0, float : (vec_float){0}, double : (vec_double){0}))
#define LANES_T ((int64_t)(sizeof(vec_T) / sizeof(T)))

/* The lanes' indices, for masks of the first n lanes */
static const vec_float iota_float = {0, 1, 2, 3, 4, 5, 6, 7};
static const vec_double iota_double = {0, 1, 2, 3};

/* a > b ? a : b per lane: (v)maxps, whose NaN rule is this one (a NaN in a
 * gives b, so a running maximum passes over NaN as a scalar scan does) */
static ND_ALWAYS_INLINE vec_float vmax_float(vec_float a, vec_float b)
{
    __typeof__(a > b) m = a > b;
    return (vec_float)((m & (__typeof__(m))a) | (~m & (__typeof__(m))b));
}

static ND_ALWAYS_INLINE vec_double vmax_double(vec_double a, vec_double b)
{
    __typeof__(a > b) m = a > b;
    return (vec_double)((m & (__typeof__(m))a) | (~m & (__typeof__(m))b));
}

/* The lanes' sum as a tree: halves, then quarters, then the pair left; a
 * shuffle (in-register permute) and an add per level. */
static ND_ALWAYS_INLINE float hsum_float(vec_float v)
{
    v += __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3);
    v += __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5);
    return v[0] + v[1];
}

static ND_ALWAYS_INLINE double hsum_double(vec_double v)
{
    v += __builtin_shufflevector(v, v, 2, 3, 0, 1);
    return v[0] + v[1];
}

/* The lanes' maximum, the same tree with vmax (NaN passed over where a
 * lane holds a number). */
static ND_ALWAYS_INLINE float hmax_float(vec_float v)
{
    v = vmax_float(v, __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3));
    v = vmax_float(v, __builtin_shufflevector(v, v, 2, 3, 0, 1, 6, 7, 4, 5));
    return v[0] > v[1] ? v[0] : v[1];
}

static ND_ALWAYS_INLINE double hmax_double(vec_double v)
{
    v = vmax_double(v, __builtin_shufflevector(v, v, 2, 3, 0, 1));
    return v[0] > v[1] ? v[0] : v[1];
}

/* The first n lanes of v (n <= 8) rounded to bf16 into p[0 .. n): the
 * rounding of nd_bf16_round, lane by lane (a quiet NaN for NaN, else to
 * nearest, ties to even), so the bits are a cast's. */
static ND_ALWAYS_INLINE void store_bf16_float(uint16_t *p, vec_float v, int64_t n)
{
    typedef uint32_t bits __attribute__((vector_size(32)));
    typedef uint16_t half_bits __attribute__((vector_size(16)));
    bits u = (bits)v, nan = (bits)(v != v);
    bits rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    bits quiet = (u >> 16) | 0x40u;
    half_bits h = __builtin_convertvector((rounded & ~nan) | (quiet & nan), half_bits);
    if (n == 8) /* a constant at the calls of whole vectors: one store */
        memcpy(p, &h, sizeof h);
    else
        memcpy(p, &h, (size_t)n * sizeof *p);
}

/* The same for doubles (rounded to float32 first), lane by lane: no
 * mixed-precision kernel has double rows. */
static ND_ALWAYS_INLINE void store_bf16_double(uint16_t *p, vec_double v, int64_t n)
{
    for (int64_t k = 0; k < n; k++)
        p[k] = nd_bf16_round((float)v[k]);
}

/* The shared helpers by T, for the kernel .inc files: vmax_T(a, b) is
 * vmax_float(a, b) where T is float. Each is an ordinary function of
 * layers.h or layer_kernels.inc; these only pick one. */
#define LAYER_BY_T(name) _Generic((T)0, float : name##_float, double : name##_double)
#define vmax_T(a, b) LAYER_BY_T(vmax)(a, b)
#define hsum_T(v) LAYER_BY_T(hsum)(v)
#define hmax_T(v) LAYER_BY_T(hmax)(v)
#define iota_T LAYER_BY_T(iota)
#define store_bf16_T(p, v, n) LAYER_BY_T(store_bf16)(p, v, n)

#define T float
#define load_T load_float
#define store_T store_float
#define load_part_T load_part_float
#define store_part_T store_part_float
#define first_lanes_T first_lanes_float
#define reduce_T reduce_float
#define first_term_T first_term_float
#define product_term_T product_term_float
#define sum_T sum_float
#define dot_T dot_float
#define max_T max_float
#define shift_rows_T shift_rows_float
#define softmax_backward_step_T softmax_backward_step_float
#define softmax_backward_row_T softmax_backward_row_float
#define softmax_backward_rows_T softmax_backward_rows_float
#include "layer_kernels.inc"

#define T double
#define load_T load_double
#define store_T store_double
#define load_part_T load_part_double
#define store_part_T store_part_double
#define first_lanes_T first_lanes_double
#define reduce_T reduce_double
#define first_term_T first_term_double
#define product_term_T product_term_double
#define sum_T sum_double
#define dot_T dot_double
#define max_T max_double
#define shift_rows_T shift_rows_double
#define softmax_backward_step_T softmax_backward_step_double
#define softmax_backward_row_T softmax_backward_row_double
#define softmax_backward_rows_T softmax_backward_rows_double
#include "layer_kernels.inc"

/* The rest of the shared helpers by T (layer_kernels.inc's), as above */
#define load_T(p) LAYER_BY_T(load)(p)
#define store_T(p, v) LAYER_BY_T(store)(p, v)
#define load_part_T(p, n) LAYER_BY_T(load_part)(p, n)
#define store_part_T(p, v, n) LAYER_BY_T(store_part)(p, v, n)
#define first_lanes_T(v, n, fill) LAYER_BY_T(first_lanes)(v, n, fill)
#define reduce_T(x, y, c, n, f) LAYER_BY_T(reduce)(x, y, c, n, f)
#define sum_T(x, n) LAYER_BY_T(sum)(x, n)
#define dot_T(x, y, n) LAYER_BY_T(dot)(x, y, n)
#define max_T(x, n) LAYER_BY_T(max)(x, n)

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
