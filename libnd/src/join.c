/* Joining, splitting and rearranging: concatenate, stack, split, pad, tile,
 * repeat, flip, roll.
 *
 * concatenate/stack copy each input into a slice of the result; split and
 * flip are views. pad, tile, repeat and roll are all one operation, a
 * gather through per-axis index maps:
 *
 *     out[i0, ..., ik] = a[map0[i0], ..., mapk[ik]]   (or `fill` if any map is -1)
 *
 * with a map per axis saying which source index each output index reads
 * (pad edge: clamp; pad reflect: mirror; tile: i % n; repeat: the run each
 * i falls in; roll: (i - shift) mod n). The innermost map is cut into runs
 * of consecutive source indices, so a row copies as a few memcpy calls. */
#include "nd_internal.h"

#include <stdlib.h>

/* ---- the gather engine ----------------------------------------------------- */

/* A piece of an output row: `length` elements from source index `src`
 * onward (consecutive), or `fill` if src is -1. */
typedef struct run {
    int64_t src, length;
} run;

/* Cuts the innermost map into runs. Returns the count; *out is malloc'd. */
static int64_t make_runs(const int64_t *map, int64_t n, run **out)
{
    run *runs = malloc((size_t)(n > 0 ? n : 1) * sizeof *runs);
    if (!runs) {
        nd_set_error(ND_ERR_MEMORY, "out of memory");
        return -1;
    }
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        run *last = count > 0 ? &runs[count - 1] : NULL;
        bool extends = last && (last->src < 0 ? map[i] < 0 : map[i] == last->src + last->length);
        if (extends)
            last->length++;
        else
            runs[count++] = (run){map[i] < 0 ? -1 : map[i], 1};
    }
    *out = runs;
    return count;
}

/* out (new, C-contiguous, src's dtype) receives src gathered through maps
 * (maps[d] has out->shape[d] entries in [-1, src->shape[d])). `fill` points
 * to one element of the dtype, used where a map says -1 (NULL if none). */
static int gather(nd_array *out, const nd_array *src, int64_t *const *maps, const void *fill)
{
    int ndim = out->ndim;
    int64_t size = nd_size(out);
    if (size == 0)
        return 0;
    size_t item = nd_itemsize(out);
    if (ndim == 0) {
        memcpy(out->data, src->data, item);
        return 0;
    }
    run *runs;
    int64_t nruns = make_runs(maps[ndim - 1], out->shape[ndim - 1], &runs);
    if (nruns < 0)
        return ND_ERR_MEMORY;
    nd_cast_loop copy = nd_get_cast_loop(src->dtype, src->dtype);
    int64_t inner_stride = src->strides[ndim - 1];
    int64_t row_len = out->shape[ndim - 1];
    int64_t index[ND_MAXDIMS] = {0};
    char *dst = out->data;
    for (int64_t row = 0; row < size / row_len; row++) {
        /* The source row, or none if an outer map says "fill". */
        const char *base = src->data;
        for (int d = 0; d < ndim - 1 && base; d++) {
            int64_t s = maps[d][index[d]];
            base = s < 0 ? NULL : base + s * src->strides[d];
        }
        for (int64_t r = 0; r < nruns; r++) {
            int64_t len = runs[r].length;
            if (!base || runs[r].src < 0) {
                for (int64_t i = 0; i < len; i++)
                    memcpy(dst + (size_t)i * item, fill, item);
            } else if (inner_stride == (int64_t)item) {
                memcpy(dst, base + runs[r].src * inner_stride, (size_t)len * item);
            } else {
                copy(base + runs[r].src * inner_stride, inner_stride, dst, (int64_t)item, len);
            }
            dst += (size_t)len * item;
        }
        for (int d = ndim - 2; d >= 0; d--) { /* odometer over the outer axes */
            if (++index[d] < out->shape[d])
                break;
            index[d] = 0;
        }
    }
    free(runs);
    return 0;
}

/* Per-axis maps, one malloc'd block; the identity where a function does not
 * set an axis. */
typedef struct maps {
    int64_t *axis[ND_MAXDIMS];
    int64_t *block;
} maps;

static int maps_alloc(maps *m, int ndim, const int64_t *shape)
{
    int64_t total = 0;
    for (int d = 0; d < ndim; d++)
        total += shape[d];
    m->block = malloc((size_t)(total > 0 ? total : 1) * sizeof(int64_t));
    if (!m->block)
        return nd_set_error(ND_ERR_MEMORY, "out of memory");
    int64_t *p = m->block;
    for (int d = 0; d < ndim; d++) {
        m->axis[d] = p;
        for (int64_t i = 0; i < shape[d]; i++)
            p[i] = i;
        p += shape[d];
    }
    return 0;
}

/* Allocates out (dtype of a, given shape), gathers through m, frees m. */
static nd_array *gather_new(const nd_array *a, int ndim, const int64_t *shape, maps *m,
                            const nd_array *src, const void *fill)
{
    nd_array *out = nd_alloc_array(a->dtype, ndim, shape);
    if (out && gather(out, src, m->axis, fill) < 0) {
        nd_free(out);
        out = NULL;
    }
    free(m->block);
    return out;
}

/* ---- concatenate and stack ------------------------------------------------- */

/* numpy.result_type of n arrays, as NumPy 1.24's PyArray_PromoteDTypeSequence
 * computes it (not a left fold: result_type(int8, uint16, float16) is
 * float32, while promoting left to right gives float64): the first input
 * of the highest category (bool < integers < floats) is the "main" dtype,
 * and the result folds promote(main, x) over every input x. */
static int category(nd_dtype dt) { return dt == ND_BOOL ? 0 : nd_dtype_is_float(dt) ? 2 : 1; }

static nd_dtype common_dtype(int n, const nd_array *const *arrays)
{
    nd_dtype main_dtype = arrays[0]->dtype;
    for (int i = 1; i < n; i++)
        if (category(arrays[i]->dtype) > category(main_dtype))
            main_dtype = arrays[i]->dtype;
    nd_dtype dt = main_dtype;
    for (int i = 0; i < n; i++)
        dt = nd_result_type(dt, nd_result_type(main_dtype, arrays[i]->dtype));
    return dt;
}

nd_array *nd_concatenate(int n, const nd_array *const *arrays, int axis)
{
    ND_CHECK_LIST(NULL, n, arrays);
    if (n < 1 || !arrays) {
        nd_set_error(ND_ERR_VALUE, "need at least one array to concatenate");
        return NULL;
    }
    const nd_array *first = arrays[0];
    if (first->ndim == 0) {
        nd_set_error(ND_ERR_VALUE, "zero-dimensional arrays cannot be concatenated");
        return NULL;
    }
    if (nd_normalize_axis(&axis, first->ndim) < 0)
        return NULL;
    int64_t shape[ND_MAXDIMS];
    memcpy(shape, first->shape, sizeof shape);
    for (int i = 1; i < n; i++) {
        const nd_array *b = arrays[i];
        if (b->ndim != first->ndim) {
            nd_set_error(ND_ERR_VALUE,
                         "all the input arrays must have same number of "
                         "dimensions, but the array at index 0 has %d dimension(s) and the "
                         "array at index %d has %d dimension(s)",
                         first->ndim, i, b->ndim);
            return NULL;
        }
        for (int d = 0; d < b->ndim; d++)
            if (d != axis && b->shape[d] != first->shape[d]) {
                nd_set_error(ND_ERR_VALUE,
                             "all the input array dimensions except for the "
                             "concatenation axis must match exactly, but along dimension %d, "
                             "the array at index 0 has size %lld and the array at index %d "
                             "has size %lld",
                             d, (long long)first->shape[d], i, (long long)b->shape[d]);
                return NULL;
            }
        if (__builtin_add_overflow(shape[axis], b->shape[axis], &shape[axis])) {
            nd_set_error(ND_ERR_VALUE, "array is too big; `arr.size * arr.dtype.itemsize` "
                                       "is larger than the maximum possible size.");
            return NULL;
        }
    }
    nd_array *out = nd_alloc_array(common_dtype(n, arrays), first->ndim, shape);
    if (!out)
        return NULL;
    /* Each input lands in out[..., offset:offset + len, ...]. */
    int64_t offset = 0;
    for (int i = 0; i < n; i++) {
        int64_t len = arrays[i]->shape[axis];
        nd_array part = *out;
        part.shape[axis] = len;
        part.data = out->data + offset * out->strides[axis];
        if (len > 0)
            nd_assign_same_shape(&part, arrays[i]);
        offset += len;
    }
    return out;
}

nd_array *nd_concatenate_flat(int n, const nd_array *const *arrays)
{
    ND_CHECK_LIST(NULL, n, arrays);
    if (n < 1 || !arrays) {
        nd_set_error(ND_ERR_VALUE, "need at least one array to concatenate");
        return NULL;
    }
    nd_array **flat = calloc((size_t)n, sizeof *flat);
    if (!flat) {
        nd_set_error(ND_ERR_MEMORY, "out of memory");
        return NULL;
    }
    nd_array *out = NULL;
    int i = 0;
    for (; i < n; i++)
        if (!(flat[i] = nd_ravel(arrays[i])))
            break;
    if (i == n)
        out = nd_concatenate(n, (const nd_array *const *)flat, 0);
    for (int k = 0; k < n; k++)
        nd_free(flat[k]);
    free(flat);
    return out;
}

nd_array *nd_stack(int n, const nd_array *const *arrays, int axis)
{
    ND_CHECK_LIST(NULL, n, arrays);
    if (n < 1 || !arrays) {
        nd_set_error(ND_ERR_VALUE, "need at least one array to stack");
        return NULL;
    }
    const nd_array *first = arrays[0];
    for (int i = 1; i < n; i++)
        if (arrays[i]->ndim != first->ndim ||
            memcmp(arrays[i]->shape, first->shape, (size_t)first->ndim * sizeof(int64_t))) {
            nd_set_error(ND_ERR_VALUE, "all input arrays must have the same shape");
            return NULL;
        }
    if (first->ndim == ND_MAXDIMS) {
        nd_set_error(ND_ERR_VALUE, "maximum supported dimension for an ndarray is %d, found %d",
                     ND_MAXDIMS, ND_MAXDIMS + 1);
        return NULL;
    }
    if (nd_normalize_axis(&axis, first->ndim + 1) < 0)
        return NULL;
    /* stack = concatenate of the inputs, each with a new size-1 axis. */
    nd_array *expanded = malloc((size_t)n * sizeof *expanded);
    const nd_array **pointers = malloc((size_t)n * sizeof *pointers);
    nd_array *out = NULL;
    if (!expanded || !pointers) {
        nd_set_error(ND_ERR_MEMORY, "out of memory");
    } else {
        for (int i = 0; i < n; i++) {
            nd_array *e = &expanded[i];
            *e = *arrays[i];
            memmove(e->shape + axis + 1, e->shape + axis,
                    (size_t)(e->ndim - axis) * sizeof(int64_t));
            memmove(e->strides + axis + 1, e->strides + axis,
                    (size_t)(e->ndim - axis) * sizeof(int64_t));
            e->shape[axis] = 1;
            e->strides[axis] = 0;
            e->ndim++;
            pointers[i] = e;
        }
        out = nd_concatenate(n, pointers, axis);
    }
    free(expanded);
    free(pointers);
    return out;
}

/* ---- split ----------------------------------------------------------------- */

void nd_free_arrays(nd_array **arrays, int count)
{
    if (!arrays)
        return;
    for (int i = 0; i < count; i++)
        nd_free(arrays[i]);
    free(arrays);
}

/* NumPy's array_split core: piece i is a[div[i]:div[i+1]] along axis (as
 * Python slices: negative and out-of-range bounds allowed). */
static nd_array **split_at(const nd_array *a, int count, const int64_t *div, int axis,
                           int *out_count)
{
    nd_array **pieces = calloc((size_t)(count > 0 ? count : 1), sizeof *pieces);
    if (!pieces) {
        nd_set_error(ND_ERR_MEMORY, "out of memory");
        return NULL;
    }
    for (int i = 0; i < count; i++)
        if (!(pieces[i] = nd_slice(a, axis, div[i], div[i + 1], 1))) {
            nd_free_arrays(pieces, i);
            return NULL;
        }
    if (out_count)
        *out_count = count;
    return pieces;
}

nd_array **nd_array_split(const nd_array *a, int64_t sections, int axis, int *count)
{
    ND_CHECK_NOT_NULL(NULL, a, count);
    if (nd_normalize_axis(&axis, a->ndim) < 0)
        return NULL;
    if (sections <= 0 || sections > INT32_MAX - 1) {
        nd_set_error(ND_ERR_VALUE, sections <= 0 ? "number sections must be larger than 0."
                                                 : "array_split: too many sections");
        return NULL;
    }
    /* The first n % sections pieces get one element more. */
    int64_t n = a->shape[axis], each = n / sections, extras = n % sections;
    int64_t *div = malloc((size_t)(sections + 1) * sizeof *div);
    if (!div) {
        nd_set_error(ND_ERR_MEMORY, "out of memory");
        return NULL;
    }
    div[0] = 0;
    for (int64_t i = 0; i < sections; i++)
        div[i + 1] = div[i] + each + (i < extras);
    nd_array **pieces = split_at(a, (int)sections, div, axis, count);
    free(div);
    return pieces;
}

nd_array **nd_split(const nd_array *a, int64_t sections, int axis, int *count)
{
    ND_CHECK_NOT_NULL(NULL, a, count);
    if (nd_normalize_axis(&axis, a->ndim) < 0)
        return NULL;
    if (sections > 0 && a->shape[axis] % sections != 0) {
        nd_set_error(ND_ERR_VALUE, "array split does not result in an equal division");
        return NULL;
    }
    return nd_array_split(a, sections, axis, count);
}

nd_array **nd_split_indices(const nd_array *a, int n, const int64_t *indices, int axis, int *count)
{
    ND_CHECK_NOT_NULL(NULL, a, count);
    ND_CHECK_LIST(NULL, n, indices);
    if (nd_normalize_axis(&axis, a->ndim) < 0)
        return NULL;
    if (n < 0 || n > INT32_MAX - 2 || (n > 0 && !indices)) {
        nd_set_error(ND_ERR_VALUE, "split: bad list of indices");
        return NULL;
    }
    int64_t *div = malloc((size_t)(n + 2) * sizeof *div);
    if (!div) {
        nd_set_error(ND_ERR_MEMORY, "out of memory");
        return NULL;
    }
    div[0] = 0;
    for (int i = 0; i < n; i++)
        div[i + 1] = indices[i];
    div[n + 1] = a->shape[axis];
    nd_array **pieces = split_at(a, n + 1, div, axis, count);
    free(div);
    return pieces;
}

/* ---- pad ------------------------------------------------------------------- */

/* Python's i % n for n > 0 (never negative). */
static int64_t floor_mod(int64_t i, int64_t n)
{
    int64_t r = i % n;
    return r < 0 ? r + n : r;
}

nd_array *nd_pad(const nd_array *a, const int64_t *pad_width, nd_pad_mode mode, double value)
{
    ND_CHECK_NOT_NULL(NULL, a);
    ND_CHECK_LIST(NULL, a->ndim, pad_width);
    if ((unsigned)mode > ND_PAD_REFLECT) {
        nd_set_error(ND_ERR_VALUE, "mode '%d' is not supported", (int)mode);
        return NULL;
    }
    int64_t shape[ND_MAXDIMS];
    for (int d = 0; d < a->ndim; d++) {
        int64_t before = pad_width[2 * d], after = pad_width[2 * d + 1];
        if (before < 0 || after < 0) {
            nd_set_error(ND_ERR_VALUE, "index can't contain negative values");
            return NULL;
        }
        if (__builtin_add_overflow(a->shape[d], before, &shape[d]) ||
            __builtin_add_overflow(shape[d], after, &shape[d])) {
            nd_set_error(ND_ERR_VALUE, "array is too big; `arr.size * arr.dtype.itemsize` "
                                       "is larger than the maximum possible size.");
            return NULL;
        }
    }
    if (mode != ND_PAD_CONSTANT)
        for (int d = 0; d < a->ndim; d++)
            if (a->shape[d] == 0 && (pad_width[2 * d] || pad_width[2 * d + 1])) {
                nd_set_error(ND_ERR_VALUE,
                             "can't extend empty axis %d using modes other "
                             "than 'constant' or 'empty'",
                             d);
                return NULL;
            }
    int64_t size;
    if (nd_check_shape(a->dtype, a->ndim, shape, &size) < 0)
        return NULL;
    maps m;
    if (maps_alloc(&m, a->ndim, shape) < 0)
        return NULL;
    for (int d = 0; d < a->ndim; d++) {
        int64_t n = a->shape[d], before = pad_width[2 * d];
        for (int64_t i = 0; i < shape[d]; i++) {
            int64_t j = i - before, s; /* j: the position in a's coordinates */
            if (j >= 0 && j < n)
                s = j;
            else if (mode == ND_PAD_CONSTANT)
                s = -1;
            else if (mode == ND_PAD_EDGE || n == 1)
                s = j < 0 ? 0 : n - 1;
            else {
                /* Reflection without repeating the edge has period 2(n-1):
                 * 0 1 .. n-1 n-2 .. 1 | 0 1 ... */
                s = floor_mod(j, 2 * (n - 1));
                if (s >= n)
                    s = 2 * (n - 1) - s;
            }
            m.axis[d][i] = s;
        }
    }
    _Alignas(8) char fill[8];
    nd_store_double(a->dtype, fill, value);
    return gather_new(a, a->ndim, shape, &m, a, fill);
}

/* ---- tile, repeat ---------------------------------------------------------- */

nd_array *nd_tile(const nd_array *a, int nreps, const int64_t *reps)
{
    ND_CHECK_NOT_NULL(NULL, a);
    ND_CHECK_LIST(NULL, nreps, reps);
    if (nreps < 0 || nreps > ND_MAXDIMS || (nreps > 0 && !reps)) {
        nd_set_error(ND_ERR_VALUE, "tile: bad reps");
        return NULL;
    }
    for (int i = 0; i < nreps; i++)
        if (reps[i] < 0) {
            nd_set_error(ND_ERR_VALUE, "negative dimensions are not allowed");
            return NULL;
        }
    /* Both a's shape and reps are padded with leading 1s to the same length. */
    int ndim = a->ndim > nreps ? a->ndim : nreps;
    nd_array src = *a;
    int64_t shape[ND_MAXDIMS];
    src.ndim = ndim;
    for (int d = 0; d < ndim; d++) {
        int ka = d - (ndim - a->ndim), kr = d - (ndim - nreps);
        src.shape[d] = ka >= 0 ? a->shape[ka] : 1;
        src.strides[d] = ka >= 0 ? a->strides[ka] : 0;
        int64_t r = kr >= 0 ? reps[kr] : 1;
        if (__builtin_mul_overflow(src.shape[d], r, &shape[d])) {
            nd_set_error(ND_ERR_VALUE, "array is too big; `arr.size * arr.dtype.itemsize` "
                                       "is larger than the maximum possible size.");
            return NULL;
        }
    }
    int64_t size;
    maps m;
    if (nd_check_shape(a->dtype, ndim, shape, &size) < 0 || maps_alloc(&m, ndim, shape) < 0)
        return NULL;
    for (int d = 0; d < ndim; d++)
        for (int64_t i = 0; i < shape[d]; i++)
            m.axis[d][i] = i % src.shape[d];
    return gather_new(a, ndim, shape, &m, &src, NULL);
}

/* repeat's common part: counts[i] copies of index i along axis (ncounts is
 * 1, meaning every index, or the axis length). A 0-d a counts as shape (1,),
 * as in NumPy. */
static nd_array *repeat(const nd_array *a, int64_t ncounts, const int64_t *counts, int axis)
{
    nd_array src = *a;
    if (src.ndim == 0) {
        src.ndim = 1;
        src.shape[0] = 1;
        src.strides[0] = (int64_t)nd_itemsize(a);
    }
    if (nd_normalize_axis(&axis, src.ndim) < 0)
        return NULL;
    int64_t n = src.shape[axis];
    if (ncounts != 1 && ncounts != n) {
        nd_set_error(ND_ERR_VALUE,
                     "operands could not be broadcast together with shape "
                     "(%lld,) (%lld,)",
                     (long long)n, (long long)ncounts);
        return NULL;
    }
    int64_t shape[ND_MAXDIMS], total = 0;
    memcpy(shape, src.shape, sizeof shape);
    for (int64_t i = 0; i < n; i++)
        if (__builtin_add_overflow(total, counts[ncounts == 1 ? 0 : i], &total)) {
            nd_set_error(ND_ERR_VALUE, "array is too big; `arr.size * arr.dtype.itemsize` "
                                       "is larger than the maximum possible size.");
            return NULL;
        }
    shape[axis] = total;
    int64_t size;
    maps m;
    if (nd_check_shape(a->dtype, src.ndim, shape, &size) < 0 || maps_alloc(&m, src.ndim, shape) < 0)
        return NULL;
    for (int64_t i = 0, k = 0; i < n; i++)
        for (int64_t r = 0; r < counts[ncounts == 1 ? 0 : i]; r++)
            m.axis[axis][k++] = i;
    return gather_new(a, src.ndim, shape, &m, &src, NULL);
}

nd_array *nd_repeat(const nd_array *a, int64_t repeats, int axis)
{
    ND_CHECK_NOT_NULL(NULL, a);
    if (repeats < 0) {
        nd_set_error(ND_ERR_VALUE, "negative dimensions are not allowed");
        return NULL;
    }
    return repeat(a, 1, &repeats, axis);
}

nd_array *nd_repeat_each(const nd_array *a, int64_t n, const int64_t *repeats, int axis)
{
    ND_CHECK_NOT_NULL(NULL, a);
    ND_CHECK_LIST(NULL, n, repeats);
    if (n < 0 || (n > 0 && !repeats)) {
        nd_set_error(ND_ERR_VALUE, "repeat: bad list of repeats");
        return NULL;
    }
    for (int64_t i = 0; i < n; i++)
        if (repeats[i] < 0) {
            /* NumPy's wording differs for a one-element list (broadcast as a scalar). */
            nd_set_error(ND_ERR_VALUE, n == 1 ? "negative dimensions are not allowed"
                                              : "repeats may not contain negative values.");
            return NULL;
        }
    return repeat(a, n, repeats, axis);
}

/* ---- flip, roll ------------------------------------------------------------ */

nd_array *nd_flip(const nd_array *a, int naxes, const int *axes)
{
    ND_CHECK_NOT_NULL(NULL, a);
    ND_CHECK_LIST(NULL, naxes, axes);
    bool flip[ND_MAXDIMS] = {false};
    for (int k = 0; k < naxes; k++) {
        int axis = axes[k];
        if (nd_normalize_axis(&axis, a->ndim) < 0)
            return NULL;
        if (flip[axis]) {
            nd_set_error(ND_ERR_VALUE, "repeated axis");
            return NULL;
        }
        flip[axis] = true;
    }
    int64_t strides[ND_MAXDIMS];
    char *data = a->data;
    for (int d = 0; d < a->ndim; d++) {
        strides[d] = a->strides[d];
        /* a[::-1]: start at the last element, step backwards. An empty axis
         * keeps its stride, as NumPy's empty slices do. */
        if ((naxes == 0 || flip[d]) && a->shape[d] > 0) {
            data += (a->shape[d] - 1) * a->strides[d];
            strides[d] = -a->strides[d];
        }
    }
    return nd_make_view(a, a->ndim, a->shape, strides, data);
}

nd_array *nd_roll(const nd_array *a, int64_t shift, int axis)
{
    ND_CHECK_NOT_NULL(NULL, a);
    if (nd_normalize_axis(&axis, a->ndim) < 0)
        return NULL;
    maps m;
    if (maps_alloc(&m, a->ndim, a->shape) < 0)
        return NULL;
    int64_t n = a->shape[axis];
    if (n > 0) {
        int64_t s = floor_mod(shift, n); /* out[i] = a[(i - shift) mod n] */
        for (int64_t i = 0; i < n; i++)
            m.axis[axis][i] = i >= s ? i - s : i - s + n;
    }
    return gather_new(a, a->ndim, a->shape, &m, a, NULL);
}

nd_array *nd_roll_flat(const nd_array *a, int64_t shift)
{
    ND_CHECK_NOT_NULL(NULL, a);
    nd_array *flat = nd_ravel(a);
    nd_array *rolled = flat ? nd_roll(flat, shift, 0) : NULL;
    nd_array *out = rolled ? nd_reshape(rolled, a->ndim, a->shape) : NULL;
    nd_free(flat);
    nd_free(rolled);
    return out;
}
