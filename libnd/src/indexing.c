/* Indexing: take, take_along_axis, put, put_along_axis, add.at, boolean
 * masks, nonzero, argwhere, bincount, one_hot.
 *
 * Every operation here is one of three moves over a list of *slabs*: the
 * sub-arrays a[i0, ..., ik-1] (shape a.shape[k:]) that an index selects,
 * each named by its byte offset from a's first element:
 *
 *     gather_slabs:  out[j] = slab j          (take, masks, take_along_axis)
 *     scatter_slabs: slab j = values[j]       (put, mask assignment)
 *     add_slabs:     slab j += values[j]      (add.at, unbuffered: duplicate
 *                                              offsets accumulate)
 *
 * `out` and `values` are C-contiguous of shape (count,) + slab shape. Index
 * arrays of any integer dtype are read once into int64, checked against
 * the axis (NumPy's "index 5 is out of bounds for axis 0 with size 3") and
 * turned into offsets before anything is written, so a bad index never
 * leaves a half-modified array. */
#include "nd_internal.h"

#include <math.h>
#include <stdlib.h>

/* ---- slabs ----------------------------------------------------------------- */

/* The geometry of one slab: a's axes [first, ndim). */
typedef struct slab {
    nd_dtype dtype;
    int ndim;
    int64_t shape[ND_MAXDIMS];
    int64_t strides[ND_MAXDIMS];
    int64_t size; /* elements per slab */
} slab;

static slab slab_of(const nd_array *a, int first)
{
    slab s = {.dtype = a->dtype, .ndim = a->ndim - first, .size = 1};
    for (int d = first; d < a->ndim; d++) {
        s.shape[d - first] = a->shape[d];
        s.strides[d - first] = a->strides[d];
        s.size *= a->shape[d];
    }
    return s;
}

/* A stack-only array header for slab j of a (for nd_assign_same_shape). */
static nd_array slab_view(const slab *s, char *data)
{
    nd_array v = {.dtype = s->dtype, .ndim = s->ndim, .data = data};
    memcpy(v.shape, s->shape, sizeof v.shape);
    memcpy(v.strides, s->strides, sizeof v.strides);
    return v;
}

/* A C-contiguous header of the slab's shape at `data` (dtype dt). */
static nd_array packed_view(const slab *s, nd_dtype dt, char *data)
{
    nd_array v = {.dtype = dt, .ndim = s->ndim, .data = data};
    memcpy(v.shape, s->shape, sizeof v.shape);
    nd_c_strides(nd_dtype_itemsize(dt), s->ndim, s->shape, v.strides);
    return v;
}

static bool slab_is_contiguous(const slab *s)
{
    int64_t expected = (int64_t)nd_dtype_itemsize(s->dtype);
    for (int d = s->ndim - 1; d >= 0; d--) {
        if (s->shape[d] != 1 && s->strides[d] != expected)
            return false;
        expected *= s->shape[d];
    }
    return true;
}

/* Asks for the first 4 KB of the slab a gather copies next. Gathered slabs
 * sit at scattered places, so the hardware prefetcher, which follows
 * addresses in order, only picks one up after its first misses; asking a
 * slab ahead overlaps those misses with the current copy. Past 4 KB the
 * prefetcher has caught on. */
static inline void prefetch_slab(const char *p, size_t bytes)
{
    size_t n = bytes < 4096 ? bytes : 4096;
    for (size_t b = 0; b < n; b += 64)
        __builtin_prefetch(p + b);
}

typedef struct gather_task {
    char *out;
    const nd_array *a;
    const slab *s;
    const int64_t *offsets;
    size_t bytes;
    bool contiguous;
} gather_task;

static void gather_range(void *ctx, int64_t begin, int64_t end)
{
    const gather_task *t = ctx;
    char *out = t->out + (size_t)begin * t->bytes;
    for (int64_t j = begin; j < end; j++, out += t->bytes) {
        if (t->contiguous) {
            if (j + 1 < end)
                prefetch_slab(t->a->data + t->offsets[j + 1], t->bytes);
            memcpy(out, t->a->data + t->offsets[j], t->bytes);
        } else {
            nd_array dst = packed_view(t->s, t->a->dtype, out);
            nd_array src = slab_view(t->s, t->a->data + t->offsets[j]);
            nd_assign_same_shape(&dst, &src);
        }
    }
}

/* out (C-contiguous, a's dtype, count * slab size elements) <- the slabs
 * at the offsets, in order. Big gathers (an embedding
 * lookup of thousands of rows) are shared across the thread pool. */
static void gather_slabs(char *out, const nd_array *a, const slab *s, const int64_t *offsets,
                         int64_t count)
{
    size_t bytes = (size_t)s->size * nd_itemsize(a);
    if (bytes == 0)
        return;
    gather_task task = {out, a, s, offsets, bytes, slab_is_contiguous(s)};
    /* At least ~256 KB per thread, or waking one costs more than it saves. */
    int64_t per_thread = (int64_t)((256u << 10) / bytes) + 1;
    nd_parallel_for(count, per_thread, gather_range, &task);
}

/* slabs <- values (C-contiguous, a's dtype). Later slabs win on duplicates. */
static void scatter_slabs(nd_array *a, const slab *s, const int64_t *offsets, int64_t count,
                          const char *values)
{
    size_t bytes = (size_t)s->size * nd_itemsize(a);
    bool contiguous = slab_is_contiguous(s);
    for (int64_t j = 0; j < count && bytes > 0; j++, values += bytes) {
        if (contiguous) {
            memcpy(a->data + offsets[j], values, bytes);
        } else {
            nd_array dst = slab_view(s, a->data + offsets[j]);
            nd_array src = packed_view(s, a->dtype, (char *)values);
            nd_assign_same_shape(&dst, &src);
        }
    }
}

/* ---- reading index arrays -------------------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        nd_set_error(ND_ERR_MEMORY, "out of memory");
    return p;
}

/* What an index array may be. */
typedef enum index_rule {
    /* numpy.take/put/bincount: cast 'safe' to intp: bool and ints except
     * uint64; the rest fail with NumPy's cast TypeError. */
    INDEX_SAFE_CAST,
    /* Fancy indexing (take_along_axis, add.at): any integer dtype. */
    INDEX_INTEGER,
} index_rule;

/* idx's values in C order as a malloc'd int64 array, or NULL with the
 * error NumPy gives for the dtype (`message` for INDEX_INTEGER). */
static int64_t *read_indices(const nd_array *idx, index_rule rule, nd_status status,
                             const char *message)
{
    nd_dtype dt = idx->dtype;
    if (rule == INDEX_SAFE_CAST && !nd_can_cast(dt, ND_INT64, ND_CAST_SAFE)) {
        nd_set_error(ND_ERR_TYPE,
                     "Cannot cast array data from dtype('%s') to dtype('int64') "
                     "according to the rule 'safe'",
                     nd_dtype_name(dt));
        return NULL;
    }
    if (rule == INDEX_INTEGER && !nd_dtype_is_integer(dt)) {
        nd_set_error(status, "%s", message);
        return NULL;
    }
    int64_t n = nd_size(idx);
    int64_t *values = xmalloc((size_t)n * sizeof *values);
    if (!values)
        return NULL;
    nd_array dst = *idx;
    dst.dtype = ND_INT64;
    dst.data = (char *)values;
    nd_c_strides(sizeof(int64_t), idx->ndim, idx->shape, dst.strides);
    nd_assign_same_shape(&dst, idx);
    return values;
}

/* Wraps negative indices and checks all of them against an axis of length
 * n, before anything is written. */
static int check_indices(int64_t *values, int64_t count, int64_t n, int axis)
{
    for (int64_t j = 0; j < count; j++) {
        int64_t i = values[j];
        if (i < -n || i >= n)
            return nd_set_error(ND_ERR_INDEX,
                                "index %lld is out of bounds for axis %d with "
                                "size %lld",
                                (long long)i, axis, (long long)n);
        values[j] = i < 0 ? i + n : i;
    }
    return 0;
}

/* The byte offset of each element of a in C order, into offsets (nd_size). */
static void element_offsets(int ndim, const int64_t *shape, const int64_t *strides,
                            int64_t *offsets, int64_t count)
{
    int64_t index[ND_MAXDIMS] = {0}, offset = 0;
    for (int64_t j = 0; j < count; j++) {
        offsets[j] = offset;
        for (int d = ndim - 1; d >= 0; d--) {
            offset += strides[d];
            if (++index[d] < shape[d])
                break;
            offset -= strides[d] * shape[d];
            index[d] = 0;
        }
    }
}

/* A contiguous copy of `values` broadcast to (ndim, shape) and cast to dt,
 * or NULL with NumPy's setitem message naming both shapes. Leading size-1
 * axes of values are dropped first, as NumPy's assignment does. */
static nd_array *broadcast_values(const nd_array *values, nd_dtype dt, int ndim,
                                  const int64_t *shape)
{
    nd_array v = *values;
    while (v.ndim > ndim && v.shape[0] == 1) {
        memmove(v.shape, v.shape + 1, (size_t)(v.ndim - 1) * sizeof(int64_t));
        memmove(v.strides, v.strides + 1, (size_t)(v.ndim - 1) * sizeof(int64_t));
        v.ndim--;
    }
    int64_t strides[ND_MAXDIMS];
    if (nd_broadcast_strides(&v, ndim, shape, strides) < 0) {
        char from[ND_SHAPE_STR_MAX], into[ND_SHAPE_STR_MAX];
        nd_set_error(ND_ERR_VALUE,
                     "shape mismatch: value array of shape %s could not be "
                     "broadcast to indexing result of shape %s",
                     nd_format_shape_compact(from, values->ndim, values->shape),
                     nd_format_shape_compact(into, ndim, shape));
        return NULL;
    }
    nd_array *out = nd_alloc_array(dt, ndim, shape);
    if (out) {
        v.ndim = ndim;
        memcpy(v.shape, shape, (size_t)ndim * sizeof(int64_t));
        memcpy(v.strides, strides, (size_t)ndim * sizeof(int64_t));
        nd_assign_same_shape(out, &v);
    }
    return out;
}

/* (count,) + slab shape, or lead dims + slab shape: a result's shape. */
static int join_shape(int nlead, const int64_t *lead, const slab *s, int64_t *shape)
{
    if (nlead + s->ndim > ND_MAXDIMS)
        return nd_set_error(ND_ERR_VALUE,
                            "maximum supported dimension for an ndarray is %d, "
                            "found %d",
                            ND_MAXDIMS, nlead + s->ndim);
    memcpy(shape, lead, (size_t)nlead * sizeof(int64_t));
    memcpy(shape + nlead, s->shape, (size_t)s->ndim * sizeof(int64_t));
    return 0;
}

/* ---- take ------------------------------------------------------------------ */

nd_array *nd_take(const nd_array *array, const nd_array *indices, int axis)
{
    ND_CHECK_NOT_NULL(NULL, array, indices);
    nd_array a = nd_at_least_1d(array);
    if (nd_normalize_axis(&axis, a.ndim) < 0)
        return NULL;
    int64_t *idx = read_indices(indices, INDEX_SAFE_CAST, 0, NULL);
    if (!idx)
        return NULL;
    int64_t nidx = nd_size(indices), n = a.shape[axis];
    nd_array *out = NULL;
    int64_t *offsets = NULL;
    /* Result: a.shape[:axis] + indices.shape + a.shape[axis+1:]. */
    slab s = slab_of(&a, axis + 1);
    int64_t lead[ND_MAXDIMS * 2], shape[ND_MAXDIMS * 2], outer = 1;
    for (int d = 0; d < axis; d++)
        outer *= (lead[d] = a.shape[d]);
    memcpy(lead + axis, indices->shape, (size_t)indices->ndim * sizeof(int64_t));
    if (join_shape(axis + indices->ndim, lead, &s, shape) < 0)
        goto done;
    /* As NumPy's PyArray_TakeFrom: the empty-axis error only for a non-empty
     * result, and indices are checked once per outer position, so never
     * when there is none. */
    if (n == 0 && outer * nidx * s.size > 0) {
        nd_set_error(ND_ERR_INDEX, "cannot do a non-empty take from an empty axes.");
        goto done;
    }
    if (outer > 0 && check_indices(idx, nidx, n, axis) < 0)
        goto done;
    if (!(out = nd_alloc_array(a.dtype, axis + indices->ndim + s.ndim, shape)))
        goto done;
    int64_t count = outer * nidx;
    if (!(offsets = xmalloc((size_t)(count > outer ? count : outer) * sizeof *offsets))) {
        nd_free(out);
        out = NULL;
        goto done;
    }
    /* Offsets of the outer positions (C order over a's first axes) ... */
    element_offsets(axis, a.shape, a.strides, offsets, outer);
    /* ... expanded in place, back to front, by each index's offset. */
    for (int64_t o = outer - 1; o >= 0; o--)
        for (int64_t k = nidx - 1; k >= 0; k--)
            offsets[o * nidx + k] = offsets[o] + idx[k] * a.strides[axis];
    gather_slabs(out->data, &a, &s, offsets, count);
done:
    free(idx);
    free(offsets);
    return out;
}

nd_array *nd_take_flat(const nd_array *a, const nd_array *indices)
{
    ND_CHECK_NOT_NULL(NULL, a, indices);
    nd_array *flat = nd_ravel(a);
    nd_array *out = flat ? nd_take(flat, indices, 0) : NULL;
    nd_free(flat);
    return out;
}

/* ---- take_along_axis, put_along_axis --------------------------------------- */

/* The fancy index numpy builds for *_along_axis: indices on `axis`, and
 * arange(a.shape[d]) shaped [1, .., n, .., 1] on every other axis, all
 * broadcast together. Fills the result shape and the byte offset of each
 * result element in a; returns the malloc'd offsets or NULL. */
static int64_t *along_axis_offsets(const nd_array *a, const nd_array *indices, int *axis,
                                   int64_t *shape, int64_t *count)
{
    if (!nd_dtype_is_integer(indices->dtype)) {
        nd_set_error(ND_ERR_INDEX, "`indices` must be an integer array");
        return NULL;
    }
    if (indices->ndim != a->ndim) {
        nd_set_error(ND_ERR_VALUE, "`indices` and `arr` must have the same number of dimensions");
        return NULL;
    }
    if (nd_normalize_axis(axis, a->ndim) < 0)
        return NULL;
    int ndim = a->ndim;
    for (int d = 0; d < ndim; d++) {
        int64_t i = indices->shape[d], n = d == *axis ? 1 : a->shape[d];
        if (i != n && i != 1 && n != 1) {
            char message[ND_MAXDIMS * ND_SHAPE_STR_MAX], *p = message;
            for (int k = 0; k < ndim; k++) {
                int64_t arange_shape[ND_MAXDIMS];
                for (int e = 0; e < ndim; e++)
                    arange_shape[e] = e == k ? a->shape[k] : 1;
                char buf[ND_SHAPE_STR_MAX];
                p += sprintf(p, "%s ",
                             nd_format_shape_compact(buf, ndim,
                                                     k == *axis ? indices->shape : arange_shape));
            }
            nd_set_error(ND_ERR_INDEX,
                         "shape mismatch: indexing arrays could not be broadcast "
                         "together with shapes %s",
                         message);
            return NULL;
        }
        shape[d] = i != 1 ? i : n;
    }
    int64_t size = 1;
    for (int d = 0; d < ndim; d++)
        size *= shape[d];
    int64_t *idx = read_indices(indices, INDEX_INTEGER, 0, NULL);
    if (!idx)
        return NULL;
    int64_t *offsets = NULL;
    /* NumPy's fancy indexing checks nothing when the result is empty. */
    if ((size > 0 && check_indices(idx, nd_size(indices), a->shape[*axis], *axis) < 0) ||
        !(offsets = xmalloc((size_t)size * sizeof *offsets))) {
        free(idx);
        return NULL;
    }
    /* idx is C-contiguous in indices' shape; broadcast it over `shape`. */
    int64_t idx_strides[ND_MAXDIMS], a_steps[ND_MAXDIMS], index[ND_MAXDIMS] = {0};
    nd_c_strides(1, ndim, indices->shape, idx_strides);
    for (int d = 0; d < ndim; d++) {
        if (indices->shape[d] == 1)
            idx_strides[d] = 0;
        a_steps[d] = d == *axis || a->shape[d] == 1 ? 0 : a->strides[d];
    }
    int64_t at = 0, base = 0; /* position in idx; offset from the other axes */
    for (int64_t j = 0; j < size; j++) {
        offsets[j] = base + idx[at] * a->strides[*axis];
        for (int d = ndim - 1; d >= 0; d--) {
            at += idx_strides[d];
            base += a_steps[d];
            if (++index[d] < shape[d])
                break;
            at -= idx_strides[d] * shape[d];
            base -= a_steps[d] * shape[d];
            index[d] = 0;
        }
    }
    free(idx);
    *count = size;
    return offsets;
}

nd_array *nd_take_along_axis(const nd_array *a, const nd_array *indices, int axis)
{
    ND_CHECK_NOT_NULL(NULL, a, indices);
    int64_t shape[ND_MAXDIMS], count;
    int64_t *offsets = along_axis_offsets(a, indices, &axis, shape, &count);
    if (!offsets)
        return NULL;
    nd_array *out = nd_alloc_array(a->dtype, a->ndim, shape);
    slab element = slab_of(a, a->ndim);
    if (out)
        gather_slabs(out->data, a, &element, offsets, count);
    free(offsets);
    return out;
}

int nd_put_along_axis(nd_array *a, const nd_array *indices, const nd_array *values, int axis)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, indices, values);
    if (nd_check_writeable(a) < 0)
        return ND_ERR_VALUE;
    int64_t shape[ND_MAXDIMS], count;
    int64_t *offsets = along_axis_offsets(a, indices, &axis, shape, &count);
    if (!offsets)
        return nd_last_status();
    nd_array *v = broadcast_values(values, a->dtype, a->ndim, shape);
    slab element = slab_of(a, a->ndim);
    if (v)
        scatter_slabs(a, &element, offsets, count, v->data);
    nd_free(v);
    free(offsets);
    return v ? 0 : nd_last_status();
}

/* ---- put ------------------------------------------------------------------- */

int nd_put(nd_array *a, const nd_array *indices, const nd_array *values)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, indices, values);
    if (nd_check_writeable(a) < 0)
        return ND_ERR_VALUE;
    int64_t *idx = read_indices(indices, INDEX_SAFE_CAST, 0, NULL);
    if (!idx)
        return nd_last_status();
    int64_t nidx = nd_size(indices), nvalues = nd_size(values), size = nd_size(a);
    int status = 0;
    int64_t *offsets = NULL;
    nd_array *flat_values = NULL;
    if (nidx == 0 || nvalues == 0) /* NumPy returns before checking the indices */
        goto done;
    if ((status = check_indices(idx, nidx, size, 0)) < 0)
        goto done;
    /* Values are cast to a's dtype and repeated cyclically. */
    if (!(flat_values = nd_ravel(values)) || !(offsets = xmalloc((size_t)size * sizeof *offsets))) {
        status = nd_last_status();
        goto done;
    }
    nd_array *cast = nd_astype(flat_values, a->dtype);
    if (!cast) {
        status = nd_last_status();
        goto done;
    }
    element_offsets(a->ndim, a->shape, a->strides, offsets, size);
    size_t item = nd_itemsize(a);
    for (int64_t j = 0; j < nidx; j++)
        memcpy(a->data + offsets[idx[j]], cast->data + (size_t)(j % nvalues) * item, item);
    nd_free(cast);
done:
    nd_free(flat_values);
    free(offsets);
    free(idx);
    return status;
}

/* ---- boolean masks --------------------------------------------------------- */

static bool is_nonzero(nd_dtype dt, const char *p)
{
    switch (dt) {
    case ND_FLOAT16:
    case ND_BFLOAT16: { /* -0.0 is zero, NaN is not */
        uint16_t bits;
        memcpy(&bits, p, 2);
        return (bits & 0x7fff) != 0;
    }
    // clang-format off
    case ND_FLOAT32: { float f; memcpy(&f, p, 4); return f != 0; }
    case ND_FLOAT64: { double f; memcpy(&f, p, 8); return f != 0; }
    // clang-format on
    default: {
        for (size_t i = 0; i < nd_dtype_itemsize(dt); i++)
            if (p[i])
                return true;
        return false;
    }
    }
}

/* Checks mask against a's leading axes and returns the malloc'd offsets (in
 * a) of the slabs where the mask is true, C order; *count of them. */
static int64_t *mask_offsets(const nd_array *a, const nd_array *mask, int64_t *count)
{
    if (mask->dtype != ND_BOOL) {
        nd_set_error(ND_ERR_TYPE, "a mask must be a boolean array, not %s",
                     nd_dtype_name(mask->dtype));
        return NULL;
    }
    if (mask->ndim > a->ndim) {
        nd_set_error(ND_ERR_INDEX,
                     "too many indices for array: array is %d-dimensional, but "
                     "%d were indexed",
                     a->ndim, mask->ndim);
        return NULL;
    }
    for (int d = 0; d < mask->ndim; d++)
        if (mask->shape[d] != a->shape[d]) {
            nd_set_error(ND_ERR_INDEX,
                         "boolean index did not match indexed array along "
                         "dimension %d; dimension is %lld but corresponding boolean dimension "
                         "is %lld",
                         d, (long long)a->shape[d], (long long)mask->shape[d]);
            return NULL;
        }
    int64_t n = nd_size(mask);
    int64_t *offsets = xmalloc((size_t)n * sizeof *offsets);
    int64_t *mask_at = xmalloc((size_t)n * sizeof *mask_at);
    if (!offsets || !mask_at) {
        free(offsets);
        free(mask_at);
        return NULL;
    }
    element_offsets(mask->ndim, mask->shape, a->strides, offsets, n);
    element_offsets(mask->ndim, mask->shape, mask->strides, mask_at, n);
    int64_t kept = 0;
    for (int64_t j = 0; j < n; j++)
        if (mask->data[mask_at[j]])
            offsets[kept++] = offsets[j];
    free(mask_at);
    *count = kept;
    return offsets;
}

nd_array *nd_mask_select(const nd_array *a, const nd_array *mask)
{
    ND_CHECK_NOT_NULL(NULL, a, mask);
    int64_t count, shape[ND_MAXDIMS + 1];
    int64_t *offsets = mask_offsets(a, mask, &count);
    if (!offsets)
        return NULL;
    slab s = slab_of(a, mask->ndim);
    nd_array *out = NULL;
    if (join_shape(1, &count, &s, shape) == 0 && (out = nd_alloc_array(a->dtype, 1 + s.ndim, shape)))
        gather_slabs(out->data, a, &s, offsets, count);
    free(offsets);
    return out;
}

int nd_mask_assign(nd_array *a, const nd_array *mask, const nd_array *values)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, mask, values);
    if (nd_check_writeable(a) < 0)
        return ND_ERR_VALUE;
    int64_t count, shape[ND_MAXDIMS + 1];
    int64_t *offsets = mask_offsets(a, mask, &count);
    if (!offsets)
        return nd_last_status();
    slab s = slab_of(a, mask->ndim);
    nd_array *v = NULL;
    if (mask->ndim == a->ndim) {
        /* A full mask takes NumPy's 1-D path: values must be 0-d or 1-D of
         * one element or one per true. */
        if (values->ndim > 1)
            nd_set_error(ND_ERR_TYPE,
                         "NumPy boolean array indexing assignment requires a 0 "
                         "or 1-dimensional input, input has %d dimensions",
                         values->ndim);
        else if (nd_size(values) != 1 && nd_size(values) != count)
            nd_set_error(ND_ERR_VALUE,
                         "NumPy boolean array indexing assignment cannot assign "
                         "%lld input values to the %lld output values where the mask is true",
                         (long long)nd_size(values), (long long)count);
        else
            v = broadcast_values(values, a->dtype, 1, &count);
    } else if (join_shape(1, &count, &s, shape) == 0) {
        v = broadcast_values(values, a->dtype, 1 + s.ndim, shape);
    }
    if (v)
        scatter_slabs(a, &s, offsets, count, v->data);
    nd_free(v);
    free(offsets);
    return v ? 0 : nd_last_status();
}

/* ---- add.at ---------------------------------------------------------------- */

/* dst[i * dst_step] += src[i] for n elements; src is contiguous in the
 * loop's value dtype (see add_at_plan). */
typedef void (*add_loop)(char *dst, int64_t dst_step, const char *src, int64_t n);

/* The typed loops, add_<target>_<value type>: plain functions written once
 * in indexing_add_loop.inc and included here once per pair with
 *   T           the target's C type
 *   V           the C type values are added in (src's type)
 *   LOAD(x)     a T as V; STORE(x) a V as T, rounded once
 *   FN(name)    name_<pair>
 * Integers add modulo 2^bits in the unsigned type of their width (no
 * signed overflow): add_u8, add_u16, add_u32, add_u64. Floats: T += V
 * computed in V's precision (float32 for float16/bfloat16 and float32
 * targets, float64 when the promoted dtype is float64), then rounded once
 * to T, as NumPy's add loop and cast do. */
#define SAME(x) (x)

#define T uint8_t
#define V uint8_t
#define LOAD SAME
#define STORE (uint8_t)
#define FN(name) name##_u8
#include "indexing_add_loop.inc"

#define T uint16_t
#define V uint16_t
#define LOAD SAME
#define STORE (uint16_t)
#define FN(name) name##_u16
#include "indexing_add_loop.inc"

#define T uint32_t
#define V uint32_t
#define LOAD SAME
#define STORE (uint32_t)
#define FN(name) name##_u32
#include "indexing_add_loop.inc"

#define T uint64_t
#define V uint64_t
#define LOAD SAME
#define STORE (uint64_t)
#define FN(name) name##_u64
#include "indexing_add_loop.inc"

#define T float
#define V float
#define LOAD SAME
#define STORE SAME
#define FN(name) name##_f32_f32
#include "indexing_add_loop.inc"

#define T float
#define V double
#define LOAD SAME
#define STORE (float)
#define FN(name) name##_f32_f64
#include "indexing_add_loop.inc"

#define T double
#define V double
#define LOAD SAME
#define STORE SAME
#define FN(name) name##_f64_f64
#include "indexing_add_loop.inc"

#define T uint16_t
#define V float
#define LOAD nd_half_to_float
#define STORE nd_float_to_half
#define FN(name) name##_f16_f32
#include "indexing_add_loop.inc"

#define T uint16_t
#define V double
#define LOAD nd_half_to_float
#define STORE nd_double_to_half
#define FN(name) name##_f16_f64
#include "indexing_add_loop.inc"

#define T uint16_t
#define V float
#define LOAD nd_bfloat16_to_float
#define STORE nd_float_to_bfloat16
#define FN(name) name##_bf16_f32
#include "indexing_add_loop.inc"

#define T uint16_t
#define V double
#define LOAD nd_bfloat16_to_float
#define STORE nd_double_to_bfloat16
#define FN(name) name##_bf16_f64
#include "indexing_add_loop.inc"
#undef SAME

/* bool + bool is logical or. */
static void add_bool(char *dst, int64_t dst_step, const char *src, int64_t n)
{
    for (int64_t i = 0; i < n; i++, dst += dst_step)
        *dst = (char)(*dst | src[i]);
}

/* How add.at adds values into an array of dtype `target`. */
// clang-format off
typedef struct add_at_plan {
    nd_dtype compute;   /* numpy's loop dtype: result_type(target, values) */
    nd_dtype buffer;    /* the dtype values are converted to before adding */
    add_loop loop;      /* NULL: the generic per-element path */
} add_at_plan;
// clang-format on

/* 0 bool, 1 integers, 2 floats: NumPy's categories for value-based casting. */
static int category(nd_dtype dt) { return dt == ND_BOOL ? 0 : nd_dtype_is_float(dt) ? 2 : 1; }

static add_at_plan plan_add_at(nd_dtype target, const nd_array *values)
{
    nd_dtype v = values->dtype;
    if (values->ndim == 0) /* a 0-d operand counts by its value */
        v = category(v) <= category(target) ? target : nd_min_scalar_type(values);
    add_at_plan p = {.compute = nd_result_type(target, v)};
    bool wide = p.compute == ND_FLOAT64;
    switch (target) {
    // clang-format off
    case ND_FLOAT16: p.buffer = wide ? ND_FLOAT64 : ND_FLOAT32; p.loop = wide ? add_f16_f64 : add_f16_f32; return p;
    case ND_BFLOAT16: p.buffer = wide ? ND_FLOAT64 : ND_FLOAT32; p.loop = wide ? add_bf16_f64 : add_bf16_f32; return p;
    case ND_FLOAT32: p.buffer = wide ? ND_FLOAT64 : ND_FLOAT32; p.loop = wide ? add_f32_f64 : add_f32_f32; return p;
    case ND_FLOAT64: p.buffer = ND_FLOAT64; p.loop = add_f64_f64; return p;
    default: break;
        // clang-format on
    }
    if (p.compute == target || (category(target) == 1 && category(p.compute) == 1)) {
        /* Integer sums wrap, so adding in the target's width is exact. */
        static const add_loop by_size[9] = {[1] = add_u8, [2] = add_u16, [4] = add_u32, [8] = add_u64};
        p.buffer = target;
        p.loop = target == ND_BOOL ? add_bool : by_size[nd_dtype_itemsize(target)];
        return p;
    }
    p.buffer = p.compute; /* bool/int target, higher-kind values */
    return p;
}

/* The generic path: x = T -> C; x = x + v in C; x -> T (NumPy's cast in,
 * loop, cast out), one element at a time. C integers add modulo 2^64 and
 * wrap to C's width when stored; C floats add in double and round once. */
static void add_generic(nd_dtype target, nd_dtype compute, char *dst, int64_t dst_step,
                        const char *src, int64_t n)
{
    nd_cast_loop in = nd_get_cast_loop(target, compute), out = nd_get_cast_loop(compute, target);
    size_t csize = nd_dtype_itemsize(compute);
    for (int64_t i = 0; i < n; i++, dst += dst_step, src += csize) {
        _Alignas(8) char x[8];
        in(dst, 0, x, 0, 1);
        if (nd_dtype_is_float(compute))
            nd_store_double(compute, x, nd_load_double(compute, x) + nd_load_double(compute, src));
        else
            nd_store_int64(compute, x,
                           (int64_t)((uint64_t)nd_load_int64(compute, x) +
                                     (uint64_t)nd_load_int64(compute, src)));
        out(x, 0, dst, 0, 1);
    }
}

/* slab j of a += values[j] (values C-contiguous in plan.buffer), walking
 * each slab's innermost axis with the plan's loop. */
static void add_slabs(nd_array *a, const slab *s, const int64_t *offsets, int64_t count,
                      const char *values, add_at_plan plan)
{
    /* Merge the slab's axes where a's strides allow: a contiguous row of an
     * embedding table becomes one call of the vectorized loop. */
    int64_t dims[ND_MAXDIMS], steps[ND_MAXDIMS];
    int n = 0;
    for (int d = 0; d < s->ndim; d++) {
        if (s->shape[d] == 1)
            continue;
        if (n > 0 && steps[n - 1] == s->shape[d] * s->strides[d]) {
            dims[n - 1] *= s->shape[d];
            steps[n - 1] = s->strides[d];
            continue;
        }
        dims[n] = s->shape[d];
        steps[n++] = s->strides[d];
    }
    if (n == 0) {
        dims[0] = 1;
        steps[0] = 0;
        n = 1;
    }
    if (s->size == 0)
        return;
    int64_t inner = dims[n - 1], step = steps[n - 1], rows = s->size / inner;
    size_t vbytes = nd_dtype_itemsize(plan.buffer);
    for (int64_t j = 0; j < count; j++) {
        char *base = a->data + offsets[j];
        int64_t index[ND_MAXDIMS] = {0};
        for (int64_t r = 0; r < rows; r++) {
            if (plan.loop)
                plan.loop(base, step, values, inner);
            else
                add_generic(a->dtype, plan.compute, base, step, values, inner);
            values += (size_t)inner * vbytes;
            for (int d = n - 2; d >= 0; d--) {
                base += steps[d];
                if (++index[d] < dims[d])
                    break;
                base -= steps[d] * dims[d];
                index[d] = 0;
            }
        }
    }
}

int nd_add_at(nd_array *a, const nd_array *indices, const nd_array *values)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, indices, values);
    if (nd_check_writeable(a) < 0)
        return ND_ERR_VALUE;
    if (a->ndim == 0)
        return nd_set_error(ND_ERR_INDEX, "too many indices for array: array is "
                                          "0-dimensional, but 1 were indexed");
    int64_t *offsets, count;
    int nlead;
    const int64_t *lead;
    if (indices->dtype == ND_BOOL) { /* a mask over a's leading axes */
        if (!(offsets = mask_offsets(a, indices, &count)))
            return nd_last_status();
        nlead = 1;
        lead = &count;
    } else {
        offsets = read_indices(indices, INDEX_INTEGER, ND_ERR_INDEX,
                               "arrays used as indices must be of integer (or boolean) type");
        count = nd_size(indices);
        if (!offsets || check_indices(offsets, count, a->shape[0], 0) < 0) {
            free(offsets);
            return nd_last_status();
        }
        for (int64_t j = 0; j < count; j++)
            offsets[j] *= a->strides[0];
        nlead = indices->ndim;
        lead = indices->shape;
    }
    /* values broadcast to lead + slab shape, converted to the plan's dtype. */
    slab s = slab_of(a, indices->dtype == ND_BOOL ? indices->ndim : 1);
    int64_t shape[ND_MAXDIMS * 2];
    add_at_plan plan = plan_add_at(a->dtype, values);
    nd_array *v = NULL;
    if (join_shape(nlead, lead, &s, shape) == 0) {
        int64_t strides[ND_MAXDIMS];
        if (values->ndim > nlead + s.ndim ||
            nd_broadcast_strides(values, nlead + s.ndim, shape, strides) < 0)
            nd_set_error(ND_ERR_VALUE, "array is not broadcastable to correct shape");
        else
            v = broadcast_values(values, plan.buffer, nlead + s.ndim, shape);
    }
    if (v)
        add_slabs(a, &s, offsets, count, v->data, plan);
    nd_free(v);
    free(offsets);
    return v ? 0 : nd_last_status();
}

/* ---- nonzero, argwhere ----------------------------------------------------- */

/* The C-order multi-indices of a's nonzero elements as a malloc'd (count,
 * ndim) int64 block (a 0-d a counts as shape (1,)). */
static int64_t *nonzero_indices(const nd_array *array, int64_t *count)
{
    nd_array a = nd_at_least_1d(array);
    int64_t size = nd_size(&a), found = 0;
    int64_t *offsets = xmalloc((size_t)size * sizeof *offsets);
    if (!offsets)
        return NULL;
    element_offsets(a.ndim, a.shape, a.strides, offsets, size);
    for (int64_t j = 0; j < size; j++)
        found += is_nonzero(a.dtype, a.data + offsets[j]);
    int64_t *out = xmalloc((size_t)(found * a.ndim) * sizeof *out);
    if (out) {
        int64_t index[ND_MAXDIMS] = {0}, k = 0;
        for (int64_t j = 0; j < size; j++) {
            if (is_nonzero(a.dtype, a.data + offsets[j]))
                memcpy(out + (k++) * a.ndim, index, (size_t)a.ndim * sizeof(int64_t));
            for (int d = a.ndim - 1; d >= 0; d--) {
                if (++index[d] < a.shape[d])
                    break;
                index[d] = 0;
            }
        }
    }
    free(offsets);
    *count = found;
    return out;
}

nd_array **nd_nonzero(const nd_array *a, int *count)
{
    ND_CHECK_NOT_NULL(NULL, a, count);
    int64_t found;
    int ndim = a->ndim > 0 ? a->ndim : 1;
    int64_t *indices = nonzero_indices(a, &found);
    nd_array **out = indices ? calloc((size_t)ndim, sizeof *out) : NULL;
    if (indices && !out)
        nd_set_error(ND_ERR_MEMORY, "out of memory");
    for (int d = 0; out && d < ndim; d++) {
        if (!(out[d] = nd_alloc_array(ND_INT64, 1, &found))) {
            for (int k = 0; k < d; k++)
                nd_free(out[k]);
            free(out);
            out = NULL;
            break;
        }
        int64_t *column = (int64_t *)out[d]->data;
        for (int64_t j = 0; j < found; j++)
            column[j] = indices[j * ndim + d];
    }
    free(indices);
    if (out && count)
        *count = ndim;
    return out;
}

nd_array *nd_argwhere(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    int64_t found;
    int64_t *indices = nonzero_indices(a, &found);
    if (!indices)
        return NULL;
    int64_t shape[2] = {found, a->ndim}; /* a 0-d a gives (count, 0) */
    nd_array *out = nd_alloc_array(ND_INT64, 2, shape);
    if (out && a->ndim > 0)
        memcpy(out->data, indices, (size_t)(found * a->ndim) * sizeof(int64_t));
    free(indices);
    return out;
}

/* ---- bincount, one_hot ----------------------------------------------------- */

nd_array *nd_bincount(const nd_array *x, const nd_array *weights, int64_t minlength)
{
    ND_CHECK_NOT_NULL(NULL, x);
    if (x->ndim != 1) {
        nd_set_error(ND_ERR_VALUE, x->ndim == 0 ? "object of too small depth for desired array"
                                                : "object too deep for desired array");
        return NULL;
    }
    int64_t *values = read_indices(x, INDEX_SAFE_CAST, 0, NULL);
    if (!values)
        return NULL;
    nd_array *out = NULL;
    double *w = NULL;
    int64_t n = x->shape[0], length = minlength;
    if (minlength < 0) {
        nd_set_error(ND_ERR_VALUE, "'minlength' must not be negative");
        goto done;
    }
    for (int64_t j = 0; j < n; j++) {
        if (values[j] < 0) {
            nd_set_error(ND_ERR_VALUE, "'list' argument must have no negative elements");
            goto done;
        }
        if (values[j] >= length)
            length = values[j] + 1;
    }
    if (weights && n > 0) {
        if (weights->ndim != 1) {
            nd_set_error(ND_ERR_VALUE, weights->ndim == 0
                                           ? "object of too small depth for desired array"
                                           : "object too deep for desired array");
            goto done;
        }
        if (weights->shape[0] != n) {
            nd_set_error(ND_ERR_VALUE, "The weights and list don't have the same length.");
            goto done;
        }
        if (!(w = xmalloc((size_t)n * sizeof *w)))
            goto done;
        nd_array dst = {.dtype = ND_FLOAT64,
                        .ndim = 1,
                        .data = (char *)w,
                        .shape = {n},
                        .strides = {sizeof(double)}};
        nd_assign_same_shape(&dst, weights);
    }
    /* Without weights counts are int64; with them, float64 sums in order.
     * (NumPy's empty x ignores weights and returns int64 zeros.) */
    out = nd_zeros(w ? ND_FLOAT64 : ND_INT64, 1, &length);
    if (out && w)
        for (int64_t j = 0; j < n; j++)
            ((double *)out->data)[values[j]] += w[j];
    else if (out)
        for (int64_t j = 0; j < n; j++)
            ((int64_t *)out->data)[values[j]]++;
done:
    free(values);
    free(w);
    return out;
}

nd_array *nd_one_hot(const nd_array *indices, int64_t num_classes, nd_dtype dtype)
{
    ND_CHECK_NOT_NULL(NULL, indices);
    if (!nd_dtype_is_integer(indices->dtype)) {
        nd_set_error(ND_ERR_TYPE, "one_hot is only applicable to index tensor.");
        return NULL;
    }
    if (!nd_dtype_valid(dtype)) {
        nd_set_error(ND_ERR_TYPE, "one_hot: invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (num_classes < -1) {
        nd_set_error(ND_ERR_VALUE, "num_classes should be -1 or non-negative");
        return NULL;
    }
    if (indices->ndim == ND_MAXDIMS) {
        nd_set_error(ND_ERR_VALUE, "maximum supported dimension for an ndarray is %d, found %d",
                     ND_MAXDIMS, ND_MAXDIMS + 1);
        return NULL;
    }
    int64_t n = nd_size(indices);
    int64_t *idx = read_indices(indices, INDEX_INTEGER, ND_ERR_TYPE, "");
    if (!idx)
        return NULL;
    nd_array *out = NULL;
    int64_t max = -1;
    for (int64_t j = 0; j < n; j++) {
        if (idx[j] < 0) { /* (uint64 above INT64_MAX reads as negative too) */
            nd_set_error(ND_ERR_VALUE, "Class values must be non-negative.");
            goto done;
        }
        max = idx[j] > max ? idx[j] : max;
    }
    if (num_classes == -1) {
        if (n == 0) {
            nd_set_error(ND_ERR_VALUE, "Can not infer total number of classes from empty tensor.");
            goto done;
        }
        num_classes = max + 1;
    }
    if (max >= num_classes) {
        nd_set_error(ND_ERR_VALUE, "Class values must be smaller than num_classes.");
        goto done;
    }
    int64_t shape[ND_MAXDIMS];
    memcpy(shape, indices->shape, (size_t)indices->ndim * sizeof(int64_t));
    shape[indices->ndim] = num_classes;
    if ((out = nd_zeros(dtype, indices->ndim + 1, shape))) {
        size_t item = nd_dtype_itemsize(dtype);
        _Alignas(8) char one[8];
        nd_store_double(dtype, one, 1.0);
        for (int64_t j = 0; j < n; j++)
            memcpy(out->data + (size_t)(j * num_classes + idx[j]) * item, one, item);
    }
done:
    free(idx);
    return out;
}
