/*
 * Reductions: sum, prod, mean, var, std, max, min, any, all, count_nonzero,
 * logsumexp, argmax/argmin, cumsum/cumprod.
 *
 * The plain reductions run on the elementwise engine exactly as NumPy's
 * ufunc.reduce does: an accumulator with the kept shape gets stride 0 on
 * the reduced axes and becomes both the first input and the output of the
 * op's binary loop, acc = op(acc, x). The loops recognise that pattern
 * (both strides 0, same pointer) and reduce the whole run at once: pairwise
 * for float sums, 16 independent lanes for the rest, so they vectorize.
 *
 * Threads: the engine splits along kept axes. When there are none worth
 * splitting (sum of everything, or over all but a short axis), the input is
 * cut along a reduced axis here instead, each piece reduced into its own
 * accumulator, and the partial results combined with the same op.
 *
 * Results never depend on the thread count: how a reduction is cut (which
 * axis, how many pieces) follows from the array's shape and size alone, the
 * pieces are combined in their order, and a thread count only decides who
 * computes which piece. So 1 and 8 threads give the same bits.
 */
#include "ufunc.h"

#include <math.h>
#include <stdlib.h>

/* Below this many input elements a reduction stays in one piece; above, it
 * is cut into one piece per MIN_ELEMENTS_TO_SPLIT elements, at most
 * MAX_PIECES (enough for every core count this runs on). */
#define MIN_ELEMENTS_TO_SPLIT (1 << 17)
#define MAX_PIECES 64
/* A kept axis at least this long is left for the engine to share out
 * (each thread then owns whole outputs): fixed, so that the choice does
 * not change with the thread count. */
#define KEPT_AXIS_TO_SPLIT 16

/* ---- axes ----------------------------------------------------------------------- */

/* Which axes of a are reduced: all for naxes 0, else the listed ones, each
 * once and in range. */
static int reduced_axes(const nd_array *a, int naxes, const int *axes, bool *mask)
{
    for (int d = 0; d < a->ndim; d++)
        mask[d] = naxes == 0;
    if (naxes < 0 || (naxes > 0 && !axes))
        return nd_set_error(ND_ERR_VALUE, "reduction: %d axes given but axes is NULL", naxes);
    for (int i = 0; i < naxes; i++) {
        int axis = axes[i];
        if (nd_normalize_axis(&axis, a->ndim) < 0)
            return ND_ERR_AXIS;
        if (mask[axis])
            return nd_set_error(ND_ERR_VALUE, "duplicate value in 'axis'");
        mask[axis] = true;
    }
    return 0;
}

/* Drops the reduced axes of a keepdims result (a view). */
static nd_array *drop_reduced_axes(nd_array *kept, const bool *mask)
{
    int64_t shape[ND_MAXDIMS];
    int ndim = 0;
    for (int d = 0; d < kept->ndim; d++)
        if (!mask[d])
            shape[ndim++] = kept->shape[d];
    nd_array *result = nd_reshape(kept, ndim, shape);
    nd_free(kept);
    return result;
}

/* The last step of every reduction: cast the keepdims-shaped result to the
 * result dtype and drop the reduced axes unless keepdims. Takes `kept`. */
static nd_array *finish(nd_array *kept, nd_dtype result, const bool *mask, bool keepdims)
{
    if (kept && kept->dtype != result) {
        nd_array *cast = nd_astype(kept, result);
        nd_free(kept);
        kept = cast;
    }
    return !kept || keepdims ? kept : drop_reduced_axes(kept, mask);
}

/* The first step: a non-NULL input and its reduced axes. */
static bool start(const nd_array *a, const char *name, int naxes, const int *axes, bool *mask)
{
    if (!a) {
        nd_set_error(ND_ERR_VALUE, "%s: input is NULL", name);
        return false;
    }
    return reduced_axes(a, naxes, axes, mask) == 0;
}

/* ---- the core: acc = op(acc, x) over the reduced axes ---------------------------- */

typedef enum init_kind {
    // clang-format off
    INIT_IDENTITY,       /* fill the accumulator with a value (0 for sum) */
    INIT_FIRST_ELEMENT,  /* copy the first element along the reduced axes (max) */
    // clang-format on
} init_kind;

typedef struct reduction {
    const nd_ufunc *op;
    // clang-format off
    nd_dtype acc_dtype;    /* accumulator and loop dtype */
    nd_dtype input_loop;   /* what the loop reads x as (acc_dtype, or bool) */
    // clang-format on
    init_kind init;
    double identity;
} reduction;

/* The first element along every reduced axis of a: a view with those axes
 * sliced to length 1. */
static nd_array *first_elements(const nd_array *a, const bool *mask)
{
    nd_array *view = nd_view(a);
    for (int d = 0; d < a->ndim && view; d++) {
        if (!mask[d])
            continue;
        view->shape[d] = 1;
        nd_update_flags(view);
    }
    return view;
}

/* A new accumulator of a's kept shape (reduced axes 1), laid out like a,
 * initialised for the reduction. */
static nd_array *new_accumulator(const reduction *r, const nd_array *a, const bool *mask)
{
    int64_t shape[ND_MAXDIMS], strides[1][ND_MAXDIMS];
    for (int d = 0; d < a->ndim; d++) {
        shape[d] = mask[d] ? 1 : a->shape[d];
        strides[0][d] = mask[d] ? 0 : a->strides[d];
    }
    nd_array *acc = nd_alloc_like_layout(r->acc_dtype, a->ndim, shape, 1,
                                         (const int64_t(*)[ND_MAXDIMS])strides);
    if (!acc)
        return NULL;
    int status;
    if (r->init == INIT_IDENTITY) {
        status = nd_fill(acc, r->identity);
    } else {
        nd_array *first = first_elements(a, mask);
        status = first ? nd_copyto(acc, first, ND_CAST_UNSAFE) : ND_ERR_MEMORY;
        nd_free(first);
    }
    if (status < 0) {
        nd_free(acc);
        return NULL;
    }
    return acc;
}

/* acc = op(acc, x) over all of a, single call of the engine. */
static int accumulate(const reduction *r, nd_array *acc, const nd_array *a, bool serial)
{
    nd_loop_plan plan = {.nop = 3, .nin = 2, .ndim = a->ndim, .reduce = true, .serial = serial};
    memcpy(plan.shape, a->shape, (size_t)a->ndim * sizeof(int64_t));
    for (int d = 0; d < a->ndim; d++) {
        int64_t s = acc->shape[d] == 1 ? 0 : acc->strides[d];
        plan.strides[0][d] = s;
        plan.strides[1][d] = a->strides[d];
        plan.strides[2][d] = s;
    }
    plan.data[0] = plan.data[2] = acc->data;
    plan.data[1] = a->data;
    plan.dtypes[0] = plan.dtypes[2] = plan.loop_dtypes[0] = plan.loop_dtypes[2] = r->acc_dtype;
    plan.dtypes[1] = a->dtype;
    plan.loop_dtypes[1] = r->input_loop;
    plan.loop =
        r->op->loops[r->input_loop == ND_BOOL && r->op->inputs_as_bool ? ND_BOOL : r->acc_dtype];
    nd_loop_error error = {NULL};
    plan.loop_data = &error;
    return nd_execute(&plan);
}

/* Parallel pieces: piece i reduces slice i of a along `axis` into partial[i]. */
typedef struct split_reduction {
    const reduction *r;
    const nd_array *a;
    const bool *mask;
    int axis, pieces;
    nd_array **partial;
    int status;
} split_reduction;

static void reduce_piece(void *ctx, int64_t begin, int64_t end)
{
    split_reduction *s = ctx;
    for (int64_t i = begin; i < end; i++) {
        int64_t n = s->a->shape[s->axis];
        int64_t lo = n * i / s->pieces, hi = n * (i + 1) / s->pieces;
        nd_array *slice = nd_slice(s->a, s->axis, lo, hi, 1);
        nd_array *acc = slice ? new_accumulator(s->r, slice, s->mask) : NULL;
        if (!acc || accumulate(s->r, acc, slice, true) < 0) {
            s->status = ND_ERR_MEMORY;
            nd_free(acc);
            acc = NULL;
        }
        nd_free(slice);
        s->partial[i] = acc;
    }
}

/* ---- the typed loops ----------------------------------------------------------------- */

/* Plain functions, written once in reduce_loops.inc (every compute dtype:
 * argmax/argmin scans, cumulative ops) and reduce_float.inc (float32 and
 * float64: column sums, the vector and AVX-512 argmax/argmin passes), and
 * included here once per dtype with T and FN(name) = name_<dtype>. */
#define COLUMN_CHUNK 2048 /* elements per column chunk of sum_rows */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_ARG_EXTREME_AVX512 1
#define ARG_CHUNK_BYTES 16384
#endif
/* The NaN test `v != v` is always false for the integer instances: intended. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtautological-compare"

#define T uint8_t
#define FN(name) name##_bool
#include "reduce_loops.inc"
#undef T
#undef FN

#define T int8_t
#define FN(name) name##_int8
#include "reduce_loops.inc"
#undef T
#undef FN

#define T int16_t
#define FN(name) name##_int16
#include "reduce_loops.inc"
#undef T
#undef FN

#define T int32_t
#define FN(name) name##_int32
#include "reduce_loops.inc"
#undef T
#undef FN

#define T int64_t
#define FN(name) name##_int64
#include "reduce_loops.inc"
#undef T
#undef FN

#define T uint8_t
#define FN(name) name##_uint8
#include "reduce_loops.inc"
#undef T
#undef FN

#define T uint16_t
#define FN(name) name##_uint16
#include "reduce_loops.inc"
#undef T
#undef FN

#define T uint32_t
#define FN(name) name##_uint32
#include "reduce_loops.inc"
#undef T
#undef FN

#define T uint64_t
#define FN(name) name##_uint64
#include "reduce_loops.inc"
#undef T
#undef FN

#define T float
#define FN(name) name##_float32
#include "reduce_loops.inc"
#define IT int32_t
#define VF 16
#ifdef HAVE_ARG_EXTREME_AVX512
#define VEC __m512
#define LANES 16
#define V(op) _mm512_##op##_ps
#define VCMP_MASK _mm512_cmp_ps_mask
#endif
#include "reduce_float.inc"
#undef T
#undef FN

#define T double
#define FN(name) name##_float64
#include "reduce_loops.inc"
#define IT int64_t
#define VF 8
#ifdef HAVE_ARG_EXTREME_AVX512
#define VEC __m512d
#define LANES 8
#define V(op) _mm512_##op##_pd
#define VCMP_MASK _mm512_cmp_pd_mask
#endif
#include "reduce_float.inc"
#undef T
#undef FN

#pragma GCC diagnostic pop

/* ---- float sums over leading axes --------------------------------------------------- */

typedef struct sum_rows_task {
    nd_array *acc;
    const nd_array *a;
    int64_t rows, K;
} sum_rows_task;

static void sum_rows_piece(void *ctx, int64_t begin, int64_t end)
{
    const sum_rows_task *t = ctx;
    if (t->a->dtype == ND_FLOAT32)
        sum_rows_float32((float *)t->acc->data, (const float *)t->a->data, t->rows, t->K, begin,
                         end);
    else
        sum_rows_float64((double *)t->acc->data, (const double *)t->a->data, t->rows, t->K, begin,
                         end);
}

/* The fast path of a float sum whose reduced axes are the leading axes of
 * a C-contiguous array (a bias gradient, sum over axis 0): NULL when it
 * does not apply, with no error set. Threads share out the columns, so
 * every thread count gives the bits of one thread. */
static nd_array *sum_leading_axes(const reduction *r, const nd_array *a, const bool *mask,
                                  bool *applies)
{
    *applies = false;
    if (r->op != &nd_ufunc_add || (a->dtype != ND_FLOAT32 && a->dtype != ND_FLOAT64) ||
        r->acc_dtype != a->dtype || !nd_is_c_contiguous(a))
        return NULL;
    int lead = 0;
    while (lead < a->ndim && mask[lead])
        lead++;
    int64_t rows = 1, K = 1;
    for (int d = 0; d < a->ndim; d++) {
        if (d >= lead && mask[d])
            return NULL; /* a reduced axis after a kept one */
        if (d < lead)
            rows *= a->shape[d];
        else
            K *= a->shape[d];
    }
    if (lead == 0 || lead == a->ndim || rows < 4 || K < 16)
        return NULL;
    *applies = true;
    nd_array *acc = new_accumulator(r, a, mask);
    if (!acc)
        return NULL;
    sum_rows_task task = {acc, a, rows, K};
    int64_t min_columns = MIN_ELEMENTS_TO_SPLIT / rows > 256 ? MIN_ELEMENTS_TO_SPLIT / rows : 256;
    nd_parallel_for(K, min_columns, sum_rows_piece, &task);
    return acc;
}

/* Reduces a over the masked axes into a new accumulator (keepdims shape). */
static nd_array *reduce_into_new(const reduction *r, const nd_array *a, const bool *mask)
{
    bool applies;
    nd_array *summed = sum_leading_axes(r, a, mask, &applies);
    if (applies)
        return summed;
    int64_t size = 1;
    for (int d = 0; d < a->ndim; d++)
        size *= a->shape[d];
    /* Which axis do the threads share out? If the outermost axis in
     * memory is a reduced one (sum over axis 0 of a C array), cut it: each
     * thread then streams one contiguous block into a private accumulator
     * and the few partial results are combined at the end. Otherwise the
     * engine cuts a kept axis, and each thread owns its outputs. */
    int outermost = -1;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] > 1 && (outermost < 0 || llabs(a->strides[d]) > llabs(a->strides[outermost])))
            outermost = d;
    bool engine_can_split = false;
    for (int d = 0; d < a->ndim; d++)
        if (!mask[d] && a->shape[d] >= KEPT_AXIS_TO_SPLIT)
            engine_can_split = true;
    int split_axis = outermost >= 0 && mask[outermost] ? outermost : -1;
    if (split_axis < 0 && !engine_can_split) /* e.g. a full reduction */
        for (int d = 0; d < a->ndim; d++)
            if (mask[d] && (split_axis < 0 || a->shape[d] > a->shape[split_axis]))
                split_axis = d;
    int64_t pieces = size / MIN_ELEMENTS_TO_SPLIT;
    if (pieces > MAX_PIECES)
        pieces = MAX_PIECES;
    if (split_axis >= 0 && pieces > a->shape[split_axis])
        pieces = a->shape[split_axis];
    if (split_axis >= 0 && pieces >= 2) {
        nd_array *partial[MAX_PIECES] = {0};
        split_reduction s = {r, a, mask, split_axis, (int)pieces, partial, 0};
        nd_parallel_for(pieces, 1, reduce_piece, &s);
        nd_array *acc = partial[0];
        for (int i = 1; i < pieces && s.status == 0; i++) {
            /* Combine: acc = op(acc, partial[i]), elementwise. */
            const nd_array *inputs[2] = {acc, partial[i]};
            s.status = nd_ufunc_call_typed(r->op, r->acc_dtype, inputs, acc, NULL);
        }
        for (int i = 1; i < pieces; i++)
            nd_free(partial[i]);
        if (s.status < 0) {
            nd_free(acc);
            return NULL;
        }
        return acc;
    }
    nd_array *acc = new_accumulator(r, a, mask);
    if (acc && accumulate(r, acc, a, false) < 0) {
        nd_free(acc);
        return NULL;
    }
    return acc;
}

/* The whole public path: axes, reduction, cast to the result dtype, drop
 * axes unless keepdims. */
static nd_array *reduce(const reduction *r, nd_dtype result_dtype, const nd_array *a, int naxes,
                        const int *axes, bool keepdims)
{
    bool mask[ND_MAXDIMS];
    if (!start(a, r->op->name, naxes, axes, mask))
        return NULL;
    if (r->init == INIT_FIRST_ELEMENT)
        for (int d = 0; d < a->ndim; d++)
            if (mask[d] && a->shape[d] == 0) {
                nd_set_error(ND_ERR_VALUE,
                             "zero-size array to reduction operation %s which "
                             "has no identity",
                             r->op->name);
                return NULL;
            }
    return finish(reduce_into_new(r, a, mask), result_dtype, mask, keepdims);
}

/* ---- dtypes of the results ------------------------------------------------------------ */

/* sum/prod/cumsum: bool and signed ints add in int64, unsigned in uint64
 * (NumPy's "add.reduce uses at least the default int"), floats in their own
 * dtype (16-bit floats in float32, rounded once at the end). */
static nd_dtype sum_result_dtype(nd_dtype dt)
{
    if (dt == ND_BOOL || (nd_dtype_is_integer(dt) && nd_dtype_is_signed(dt)))
        return ND_INT64;
    if (nd_dtype_is_integer(dt))
        return ND_UINT64;
    return dt;
}

/* mean/var/std/logsumexp: integers in float64. */
static nd_dtype float_result_dtype(nd_dtype dt) { return nd_dtype_is_float(dt) ? dt : ND_FLOAT64; }

/* ---- public reductions ------------------------------------------------------------------ */

nd_array *nd_sum(const nd_array *a, int naxes, const int *axes, bool keepdims)
{
    nd_dtype result = a ? sum_result_dtype(a->dtype) : ND_INT64, acc = nd_compute_dtype(result);
    reduction r = {&nd_ufunc_add, acc, acc, INIT_IDENTITY, 0};
    return reduce(&r, result, a, naxes, axes, keepdims);
}

nd_array *nd_prod(const nd_array *a, int naxes, const int *axes, bool keepdims)
{
    nd_dtype result = a ? sum_result_dtype(a->dtype) : ND_INT64, acc = nd_compute_dtype(result);
    reduction r = {&nd_ufunc_multiply, acc, acc, INIT_IDENTITY, 1};
    return reduce(&r, result, a, naxes, axes, keepdims);
}

static nd_array *extreme(const nd_ufunc *op, const nd_array *a, int naxes, const int *axes,
                         bool keepdims)
{
    nd_dtype acc = a ? nd_compute_dtype(a->dtype) : ND_BOOL;
    reduction r = {op, acc, acc, INIT_FIRST_ELEMENT, 0};
    return reduce(&r, a ? a->dtype : ND_BOOL, a, naxes, axes, keepdims);
}

nd_array *nd_max(const nd_array *a, int naxes, const int *axes, bool keepdims)
{
    return extreme(&nd_ufunc_maximum, a, naxes, axes, keepdims);
}

nd_array *nd_min(const nd_array *a, int naxes, const int *axes, bool keepdims)
{
    return extreme(&nd_ufunc_minimum, a, naxes, axes, keepdims);
}

nd_array *nd_any(const nd_array *a, int naxes, const int *axes, bool keepdims)
{
    reduction r = {&nd_ufunc_logical_or, ND_BOOL, ND_BOOL, INIT_IDENTITY, 0};
    return reduce(&r, ND_BOOL, a, naxes, axes, keepdims);
}

nd_array *nd_all(const nd_array *a, int naxes, const int *axes, bool keepdims)
{
    reduction r = {&nd_ufunc_logical_and, ND_BOOL, ND_BOOL, INIT_IDENTITY, 1};
    return reduce(&r, ND_BOOL, a, naxes, axes, keepdims);
}

nd_array *nd_count_nonzero(const nd_array *a, int naxes, const int *axes, bool keepdims)
{
    if (!a)
        return nd_sum(a, naxes, axes, keepdims);
    nd_array *nonzero = nd_astype(a, ND_BOOL);
    nd_array *count = nonzero ? nd_sum(nonzero, naxes, axes, keepdims) : NULL;
    nd_free(nonzero);
    return count;
}

/* How many elements each output element of a reduction over `mask` sees. */
static int64_t reduced_count(const nd_array *a, const bool *mask)
{
    int64_t n = 1;
    for (int d = 0; d < a->ndim; d++)
        if (mask[d])
            n *= a->shape[d];
    return n;
}

/* x / divisor in x's dtype, in place. */
static int divide_inplace(nd_array *x, double divisor)
{
    nd_array *d = nd_scalar(x->dtype, divisor);
    int status = d ? nd_divide_out(x, d, x) : ND_ERR_MEMORY;
    nd_free(d);
    return status;
}

/* The mean in the accumulation dtype, keepdims shape (shared by mean and
 * var). */
static nd_array *mean_kept(const nd_array *a, const bool *mask, nd_dtype acc)
{
    reduction r = {&nd_ufunc_add, acc, acc, INIT_IDENTITY, 0};
    nd_array *sum = reduce_into_new(&r, a, mask);
    if (sum && divide_inplace(sum, (double)reduced_count(a, mask)) < 0) {
        nd_free(sum);
        return NULL;
    }
    return sum;
}

nd_array *nd_mean(const nd_array *a, int naxes, const int *axes, bool keepdims)
{
    bool mask[ND_MAXDIMS];
    if (!start(a, "mean", naxes, axes, mask))
        return NULL;
    nd_dtype result = float_result_dtype(a->dtype), acc = nd_compute_dtype(result);
    return finish(mean_kept(a, mask, acc), result, mask, keepdims);
}

/* var = sum(|x - mean|^2) / (N - ddof), computed as NumPy's _var does: the
 * deviations are formed explicitly (two passes), which is accurate. */
nd_array *nd_var(const nd_array *a, int naxes, const int *axes, int ddof, bool keepdims)
{
    bool mask[ND_MAXDIMS];
    if (!start(a, "var", naxes, axes, mask))
        return NULL;
    nd_dtype result = float_result_dtype(a->dtype), acc = nd_compute_dtype(result);
    nd_array *mean = mean_kept(a, mask, acc);
    nd_array *x = mean ? nd_astype(a, acc) : NULL;
    int status = x ? nd_subtract_out(x, mean, x) : ND_ERR_MEMORY;
    if (status == 0)
        status = nd_multiply_out(x, x, x);
    nd_array *var = NULL;
    if (status == 0) {
        reduction r = {&nd_ufunc_add, acc, acc, INIT_IDENTITY, 0};
        var = reduce_into_new(&r, x, mask);
        int64_t n = reduced_count(a, mask) - ddof;
        if (var && divide_inplace(var, (double)(n > 0 ? n : 0)) < 0) {
            nd_free(var);
            var = NULL;
        }
    }
    nd_free(mean);
    nd_free(x);
    return finish(var, result, mask, keepdims);
}

nd_array *nd_std(const nd_array *a, int naxes, const int *axes, int ddof, bool keepdims)
{
    nd_array *var = nd_var(a, naxes, axes, ddof, keepdims);
    if (var && nd_sqrt_out(var, var) < 0) {
        nd_free(var);
        return NULL;
    }
    return var;
}

/* logsumexp(x) = m + log(sum(exp(x - m))), m = max(x) (0 where m is not
 * finite, so all -inf gives -inf and +inf gives inf, as SciPy's). */
nd_array *nd_logsumexp(const nd_array *a, int naxes, const int *axes, bool keepdims)
{
    bool mask[ND_MAXDIMS];
    if (!start(a, "logsumexp", naxes, axes, mask))
        return NULL;
    nd_dtype result = float_result_dtype(a->dtype);
    nd_array *x = nd_astype(a, result);
    nd_array *m = x ? nd_max(x, naxes, axes, true) : NULL;
    nd_array *finite = m ? nd_isfinite(m) : NULL;
    nd_array *zero = finite ? nd_scalar(result, 0) : NULL;
    int status = zero ? nd_where_out(finite, m, zero, m) : nd_last_status();
    if (status == 0)
        status = nd_subtract_out(x, m, x);
    if (status == 0)
        status = nd_exp_out(x, x);
    nd_array *s = status == 0 ? nd_sum(x, naxes, axes, true) : NULL;
    status = s ? nd_log_out(s, s) : ND_ERR_MEMORY;
    if (status == 0)
        status = nd_add_out(s, m, s);
    nd_free(x);
    nd_free(m);
    nd_free(finite);
    nd_free(zero);
    if (status < 0) {
        nd_free(s);
        return NULL;
    }
    return finish(s, result, mask, keepdims);
}

int nd_sum_out(const nd_array *a, int naxes, const int *axes, bool keepdims, nd_array *out)
{
    if (!out)
        return nd_set_error(ND_ERR_VALUE, "sum: out is NULL");
    nd_array *sum = nd_sum(a, naxes, axes, keepdims);
    if (!sum)
        return nd_last_status();
    int status = 0;
    bool same = sum->ndim == out->ndim;
    for (int d = 0; d < sum->ndim && same; d++)
        same = sum->shape[d] == out->shape[d];
    if (sum->ndim != out->ndim) {
        /* NumPy's text; for a wrong size at the right rank NumPy reports
         * its iterator's internals, so the message below is libnd's. */
        status = nd_set_error(ND_ERR_VALUE,
                              "output parameter for reduction operation add has "
                              "the wrong number of dimensions: Found %d but expected %d%s",
                              out->ndim, sum->ndim,
                              keepdims ? " (must match the operand's when keepdims=True)" : "");
    } else if (!same) {
        char have[ND_SHAPE_STR_MAX], want[ND_SHAPE_STR_MAX];
        status = nd_set_error(ND_ERR_VALUE,
                              "output parameter for reduction operation add has "
                              "the wrong shape: %s, expected %s",
                              nd_format_shape(have, out->ndim, out->shape),
                              nd_format_shape(want, sum->ndim, sum->shape));
    } else {
        status = nd_copyto(out, sum, ND_CAST_SAME_KIND);
    }
    nd_free(sum);
    return status;
}

/* ---- argmax / argmin -------------------------------------------------------------------- */

typedef int64_t (*arg_loop)(const char *p, int64_t n, int64_t step);
static const arg_loop argmax_loops[ND_NUM_DTYPES] = {
    // clang-format off
    [ND_BOOL] = argmax_scalar_bool, [ND_INT8] = argmax_scalar_int8,
    [ND_INT16] = argmax_scalar_int16, [ND_INT32] = argmax_scalar_int32,
    [ND_INT64] = argmax_scalar_int64, [ND_UINT8] = argmax_scalar_uint8,
    [ND_UINT16] = argmax_scalar_uint16, [ND_UINT32] = argmax_scalar_uint32,
    [ND_UINT64] = argmax_scalar_uint64, [ND_FLOAT32] = argmax_float32, [ND_FLOAT64] = argmax_float64,
};
static const arg_loop argmin_loops[ND_NUM_DTYPES] = {
    [ND_BOOL] = argmin_scalar_bool, [ND_INT8] = argmin_scalar_int8,
    [ND_INT16] = argmin_scalar_int16, [ND_INT32] = argmin_scalar_int32,
    [ND_INT64] = argmin_scalar_int64, [ND_UINT8] = argmin_scalar_uint8,
    [ND_UINT16] = argmin_scalar_uint16, [ND_UINT32] = argmin_scalar_uint32,
    [ND_UINT64] = argmin_scalar_uint64, [ND_FLOAT32] = argmin_float32, [ND_FLOAT64] = argmin_float64,
    // clang-format on
};

typedef struct arg_task {
    const nd_array *lanes; /* the input with the reduced axis last */
    int64_t *out; /* one index per lane, C order */
    arg_loop loop;
} arg_task;

static void arg_lanes(void *ctx, int64_t begin, int64_t end)
{
    const arg_task *t = ctx;
    const nd_array *a = t->lanes;
    int outer = a->ndim - 1;
    int64_t n = a->shape[outer], step = a->strides[outer];
    for (int64_t lane = begin; lane < end; lane++) {
        /* Decompose the lane number over the outer axes (C order). */
        const char *p = a->data;
        int64_t rest = lane;
        for (int d = outer - 1; d >= 0; d--) {
            p += (rest % a->shape[d]) * a->strides[d];
            rest /= a->shape[d];
        }
        t->out[lane] = t->loop(p, n, step);
    }
}

static nd_array *arg_extreme(const nd_array *a, int axis, bool is_max)
{
    const char *name = is_max ? "argmax" : "argmin";
    if (!a) {
        nd_set_error(ND_ERR_VALUE, "%s: input is NULL", name);
        return NULL;
    }
    /* A 0-d array behaves as one element (NumPy accepts axis 0 or -1). */
    nd_array *work = a->ndim == 0 ? nd_reshape(a, 1, (const int64_t[]){1}) : nd_view(a);
    if (!work)
        return NULL;
    if (nd_normalize_axis(&axis, work->ndim) < 0) {
        nd_free(work);
        return NULL;
    }
    if (work->shape[axis] == 0) {
        nd_free(work);
        nd_set_error(ND_ERR_VALUE, "attempt to get %s of an empty sequence", name);
        return NULL;
    }
    /* 16-bit floats compare as float32 (exact). */
    if (nd_compute_dtype(work->dtype) != work->dtype) {
        nd_array *wide = nd_astype(work, ND_FLOAT32);
        nd_free(work);
        if (!(work = wide))
            return NULL;
    }
    int perm[ND_MAXDIMS], k = 0;
    for (int d = 0; d < work->ndim; d++)
        if (d != axis)
            perm[k++] = d;
    perm[k] = axis;
    nd_array *lanes = nd_transpose(work, perm);
    nd_free(work);
    if (!lanes)
        return NULL;
    nd_array *result = nd_alloc_array(ND_INT64, lanes->ndim - 1, lanes->shape);
    if (result) {
        arg_task task = {lanes, (int64_t *)result->data,
                         (is_max ? argmax_loops : argmin_loops)[lanes->dtype]};
        int64_t n = lanes->shape[lanes->ndim - 1];
        nd_parallel_for(nd_size(result), MIN_ELEMENTS_TO_SPLIT / (n > 0 ? n : 1) + 1, arg_lanes,
                        &task);
    }
    nd_free(lanes);
    return result;
}

nd_array *nd_argmax(const nd_array *a, int axis) { return arg_extreme(a, axis, true); }
nd_array *nd_argmin(const nd_array *a, int axis) { return arg_extreme(a, axis, false); }

/* ---- cumsum / cumprod ----------------------------------------------------------------------- */

/* cumsum / cumprod of each accumulation dtype: FN(accumulate) of
 * reduce_loops.inc with the dtype's op. Integers wrap as in NumPy (int64
 * through uint64, where overflow is defined). float16/bfloat16 compute in
 * float32 but, as NumPy's accumulate stores each partial result in the
 * 16-bit dtype and reads it back for the next step (cumsum of float16
 * [2048, 1, 1] is [2048, 2048, 2048]), every step rounds, unlike sum, which
 * accumulates in float32 and rounds once. */
// clang-format off
static inline int64_t wrap_add_int64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t wrap_multiply_int64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static inline uint64_t add_uint64(uint64_t a, uint64_t b) { return a + b; }
static inline uint64_t multiply_uint64(uint64_t a, uint64_t b) { return a * b; }
static inline float add_float32(float a, float b) { return a + b; }
static inline float multiply_float32(float a, float b) { return a * b; }
static inline double add_float64(double a, double b) { return a + b; }
static inline double multiply_float64(double a, double b) { return a * b; }
static inline float add_float16(float a, float b) { return nd_half_to_float(nd_float_to_half(a + b)); }
static inline float multiply_float16(float a, float b) { return nd_half_to_float(nd_float_to_half(a * b)); }
static inline float add_bfloat16(float a, float b) { return nd_bfloat16_to_float(nd_float_to_bfloat16(a + b)); }
// clang-format on
static inline float multiply_bfloat16(float a, float b)
{
    return nd_bfloat16_to_float(nd_float_to_bfloat16(a * b));
}

static void cumsum_int64(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_int64(data, outer, n, inner, wrap_add_int64);
}
static void cumprod_int64(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_int64(data, outer, n, inner, wrap_multiply_int64);
}
static void cumsum_uint64(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_uint64(data, outer, n, inner, add_uint64);
}
static void cumprod_uint64(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_uint64(data, outer, n, inner, multiply_uint64);
}
static void cumsum_float32(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_float32(data, outer, n, inner, add_float32);
}
static void cumprod_float32(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_float32(data, outer, n, inner, multiply_float32);
}
static void cumsum_float64(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_float64(data, outer, n, inner, add_float64);
}
static void cumprod_float64(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_float64(data, outer, n, inner, multiply_float64);
}
static void cumsum_float16(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_float32(data, outer, n, inner, add_float16);
}
static void cumprod_float16(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_float32(data, outer, n, inner, multiply_float16);
}
static void cumsum_bfloat16(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_float32(data, outer, n, inner, add_bfloat16);
}
static void cumprod_bfloat16(char *data, int64_t outer, int64_t n, int64_t inner)
{
    accumulate_float32(data, outer, n, inner, multiply_bfloat16);
}

typedef void (*accumulate_loop)(char *data, int64_t outer, int64_t n, int64_t inner);

static nd_array *cumulative(const nd_array *a, int axis, bool is_sum)
{
    if (!a) {
        nd_set_error(ND_ERR_VALUE, "%s: input is NULL", is_sum ? "cumsum" : "cumprod");
        return NULL;
    }
    int ndim = a->ndim == 0 ? 1 : a->ndim;
    if (nd_normalize_axis(&axis, ndim) < 0)
        return NULL;
    nd_dtype result = sum_result_dtype(a->dtype), acc = nd_compute_dtype(result);
    nd_array *x = nd_astype(a, acc); /* a C-contiguous copy to work in */
    if (!x)
        return NULL;
    int64_t outer = 1, inner = 1, n = a->ndim == 0 ? 1 : a->shape[axis];
    for (int d = 0; d < a->ndim; d++) {
        if (d < axis)
            outer *= a->shape[d];
        if (d > axis)
            inner *= a->shape[d];
    }
    accumulate_loop loop = NULL;
    switch (acc) {
    case ND_INT64:
        loop = is_sum ? cumsum_int64 : cumprod_int64;
        break;
    case ND_UINT64:
        loop = is_sum ? cumsum_uint64 : cumprod_uint64;
        break;
    case ND_FLOAT32:
        if (result == ND_FLOAT16)
            loop = is_sum ? cumsum_float16 : cumprod_float16;
        else if (result == ND_BFLOAT16)
            loop = is_sum ? cumsum_bfloat16 : cumprod_bfloat16;
        else
            loop = is_sum ? cumsum_float32 : cumprod_float32;
        break;
    default:
        loop = is_sum ? cumsum_float64 : cumprod_float64;
        break;
    }
    if (outer * n * inner > 0)
        loop(x->data, outer, n, inner);
    if (a->ndim == 0) { /* NumPy's cumsum of a 0-d array is 1-d */
        nd_array *flat = nd_reshape(x, 1, (const int64_t[]){1});
        nd_free(x);
        x = flat;
    }
    if (x && result != acc) {
        nd_array *cast = nd_astype(x, result);
        nd_free(x);
        x = cast;
    }
    return x;
}

nd_array *nd_cumsum(const nd_array *a, int axis) { return cumulative(a, axis, true); }
nd_array *nd_cumprod(const nd_array *a, int axis) { return cumulative(a, axis, false); }
