/* Copies and casts: copy, ascontiguousarray, astype, copyto, fill, and
 * single-element get/set. All bulk work goes through one strided walk that
 * calls a cast loop (dtype.c) on the innermost dimension. */
#include "nd_internal.h"

#include <stdlib.h>

/* Walks dst and src (same shape, any strides) and converts src into dst.
 * Size-1 axes are dropped and adjacent axes that are contiguous in both
 * operands merged (NumPy's coalescing), so a contiguous copy of any rank is
 * one call of the inner loop. */
static void assign_strided(int ndim, const int64_t *shape, nd_dtype dst_dtype, char *dst,
                           const int64_t *dst_strides, nd_dtype src_dtype, const char *src,
                           const int64_t *src_strides)
{
    int64_t dims[ND_MAXDIMS], dst_steps[ND_MAXDIMS], src_steps[ND_MAXDIMS];
    int n = 0;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] == 0)
            return;
        if (shape[i] == 1)
            continue;
        if (n > 0 && dst_steps[n - 1] == shape[i] * dst_strides[i] &&
            src_steps[n - 1] == shape[i] * src_strides[i]) {
            dims[n - 1] *= shape[i];
            dst_steps[n - 1] = dst_strides[i];
            src_steps[n - 1] = src_strides[i];
            continue;
        }
        dims[n] = shape[i];
        dst_steps[n] = dst_strides[i];
        src_steps[n] = src_strides[i];
        n++;
    }

    nd_cast_loop loop = nd_get_cast_loop(src_dtype, dst_dtype);
    if (n == 0) {
        loop(src, 0, dst, 0, 1);
        return;
    }
    int64_t inner = dims[n - 1], dst_step = dst_steps[n - 1], src_step = src_steps[n - 1];
    int64_t itemsize = (int64_t)nd_dtype_itemsize(dst_dtype);
    bool plain_copy = src_dtype == dst_dtype && dst_step == itemsize && src_step == itemsize;

    int64_t index[ND_MAXDIMS] = {0};
    for (;;) {
        if (plain_copy)
            memcpy(dst, src, (size_t)(inner * itemsize));
        else
            loop(src, src_step, dst, dst_step, inner);
        /* Advance the outer index like an odometer. */
        int d = n - 2;
        for (; d >= 0; d--) {
            dst += dst_steps[d];
            src += src_steps[d];
            if (++index[d] < dims[d])
                break;
            dst -= dst_steps[d] * dims[d];
            src -= src_steps[d] * dims[d];
            index[d] = 0;
        }
        if (d < 0)
            return;
    }
}

void nd_assign_same_shape(nd_array *dst, const nd_array *src)
{
    assign_strided(dst->ndim, dst->shape, dst->dtype, dst->data, dst->strides, src->dtype,
                   src->data, src->strides);
}

nd_array *nd_astype(const nd_array *a, nd_dtype dt)
{
    ND_CHECK_NOT_NULL(NULL, a);
    nd_array *result = nd_alloc_array(dt, a->ndim, a->shape);
    if (result)
        nd_assign_same_shape(result, a);
    return result;
}

nd_array *nd_copy(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    return nd_astype(a, a->dtype);
}

nd_array *nd_ascontiguousarray(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    if (a->ndim == 0) { /* NumPy returns at least 1-d: shape (1,) */
        const int64_t one = 1;
        return nd_reshape(a, 1, &one);
    }
    return nd_is_c_contiguous(a) ? nd_view(a) : nd_copy(a);
}

static const char *casting_name(nd_casting casting)
{
    static const char *names[] = {"no", "equiv", "safe", "same_kind", "unsafe"};
    return (unsigned)casting <= ND_CAST_UNSAFE ? names[casting] : "?";
}

int nd_copyto(nd_array *dst, const nd_array *src, nd_casting casting)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, dst, src);
    if (nd_check_writeable(dst) < 0)
        return ND_ERR_VALUE;
    if (!nd_can_cast(src->dtype, dst->dtype, casting))
        return nd_set_error(ND_ERR_TYPE,
                            "Cannot cast array data from dtype('%s') to "
                            "dtype('%s') according to the rule '%s'",
                            nd_dtype_name(src->dtype), nd_dtype_name(dst->dtype),
                            casting_name(casting));
    /* As in NumPy's assignment, leading size-1 axes of src that dst lacks
     * are dropped before broadcasting. */
    nd_array stripped = *src;
    while (stripped.ndim > dst->ndim && stripped.shape[0] == 1) {
        memmove(stripped.shape, stripped.shape + 1, (size_t)(stripped.ndim - 1) * sizeof(int64_t));
        memmove(stripped.strides, stripped.strides + 1,
                (size_t)(stripped.ndim - 1) * sizeof(int64_t));
        stripped.ndim--;
    }
    int64_t strides[ND_MAXDIMS];
    if (nd_broadcast_strides(&stripped, dst->ndim, dst->shape, strides) < 0) {
        char from[ND_SHAPE_STR_MAX], into[ND_SHAPE_STR_MAX];
        return nd_set_error(ND_ERR_VALUE,
                            "could not broadcast input array from shape %s into "
                            "shape %s",
                            nd_format_shape_compact(from, src->ndim, src->shape),
                            nd_format_shape_compact(into, dst->ndim, dst->shape));
    }
    /* Overlapping memory (a[1:] = a[:-1]) would read what was just written:
     * read from a private copy instead. */
    nd_array *private_copy = NULL;
    const char *src_data = src->data;
    if (nd_may_share_memory(dst, src)) {
        private_copy = nd_copy(&stripped);
        if (!private_copy)
            return ND_ERR_MEMORY;
        nd_broadcast_strides(private_copy, dst->ndim, dst->shape, strides);
        src_data = private_copy->data;
    }
    assign_strided(dst->ndim, dst->shape, dst->dtype, dst->data, dst->strides, src->dtype, src_data,
                   strides);
    nd_free(private_copy);
    return 0;
}

int nd_fill(nd_array *a, double value)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a);
    if (nd_check_writeable(a) < 0)
        return ND_ERR_VALUE;
    /* Convert once, then copy the item everywhere with stride-0 reads. */
    _Alignas(8) char item[8];
    nd_store_double(a->dtype, item, value);
    const int64_t zero_strides[ND_MAXDIMS] = {0};
    assign_strided(a->ndim, a->shape, a->dtype, a->data, a->strides, a->dtype, item, zero_strides);
    return 0;
}

/* ---- single elements ------------------------------------------------------- */

static char *element_address(const nd_array *a, const int64_t *index)
{
    if (a->ndim > 0 && !index) {
        nd_set_error(ND_ERR_INDEX, "index is NULL for a %d-dimensional array", a->ndim);
        return NULL;
    }
    char *p = a->data;
    for (int d = 0; d < a->ndim; d++) {
        int64_t i = index[d];
        if (i < -a->shape[d] || i >= a->shape[d]) {
            nd_set_error(ND_ERR_INDEX, "index %lld is out of bounds for axis %d with size %lld",
                         (long long)i, d, (long long)a->shape[d]);
            return NULL;
        }
        p += (i < 0 ? i + a->shape[d] : i) * a->strides[d];
    }
    return p;
}

int nd_get(const nd_array *a, const int64_t *index, double *value)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, value);
    const char *p = element_address(a, index);
    if (!p)
        return nd_last_status();
    *value = nd_load_double(a->dtype, p);
    return 0;
}

int nd_get_int64(const nd_array *a, const int64_t *index, int64_t *value)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, value);
    const char *p = element_address(a, index);
    if (!p)
        return nd_last_status();
    *value = nd_load_int64(a->dtype, p);
    return 0;
}

int nd_set(nd_array *a, const int64_t *index, double value)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a);
    if (nd_check_writeable(a) < 0)
        return ND_ERR_VALUE;
    char *p = element_address(a, index);
    if (!p)
        return nd_last_status();
    nd_store_double(a->dtype, p, value);
    return 0;
}

int nd_set_int64(nd_array *a, const int64_t *index, int64_t value)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a);
    if (nd_check_writeable(a) < 0)
        return ND_ERR_VALUE;
    char *p = element_address(a, index);
    if (!p)
        return nd_last_status();
    nd_store_int64(a->dtype, p, value);
    return 0;
}
