/* Views: new geometry (shape, strides, data pointer) over the same buffer,
 * O(1) and copy-free. Only nd_reshape/nd_ravel may copy, exactly when
 * NumPy's no-copy rule fails. */
#include "nd_internal.h"

nd_array *nd_view(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    return nd_make_view(a, a->ndim, a->shape, a->strides, a->data);
}

/* ---- reshape --------------------------------------------------------------- */

/* Fills in the one unknown (negative) entry, NumPy's _fix_unknown_dimension. */
static int resolve_shape(const nd_array *a, int ndim, const int64_t *requested, int64_t *shape)
{
    if (ndim < 0 || ndim > ND_MAXDIMS)
        return nd_set_error(ND_ERR_VALUE,
                            "maximum supported dimension for an ndarray is %d, found %d",
                            ND_MAXDIMS, ndim);
    int unknown = -1;
    int64_t known = 1;
    bool overflow = false;
    for (int i = 0; i < ndim; i++) {
        shape[i] = requested[i];
        if (requested[i] < 0) {
            if (unknown >= 0)
                return nd_set_error(ND_ERR_VALUE, "can only specify one unknown dimension");
            unknown = i;
        } else {
            overflow |= __builtin_mul_overflow(known, requested[i], &known);
        }
    }
    int64_t size = nd_size(a);
    bool fits;
    if (unknown >= 0) {
        fits = !overflow && known != 0 && size % known == 0;
        if (fits)
            shape[unknown] = size / known;
    } else {
        fits = !overflow && known == size;
    }
    if (!fits) {
        char buf[ND_SHAPE_STR_MAX];
        return nd_set_error(ND_ERR_VALUE, "cannot reshape array of size %lld into shape %s",
                            (long long)size, nd_format_shape_compact(buf, ndim, requested));
    }
    return 0;
}

/* NumPy's _attempt_nocopy_reshape: match runs of old axes to runs of new
 * axes with equal products; each old run must be contiguous in C order
 * (stride[k] == shape[k+1] * stride[k+1]) to be re-split, and then the new
 * strides of the run follow from its last old stride. Size-1 axes carry no
 * information and are dropped first. Returns false if a copy is needed. */
static bool nocopy_strides(const nd_array *a, int ndim, const int64_t *shape, int64_t *strides)
{
    int64_t old_shape[ND_MAXDIMS], old_strides[ND_MAXDIMS];
    int old_ndim = 0;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != 1) {
            old_shape[old_ndim] = a->shape[i];
            old_strides[old_ndim++] = a->strides[i];
        }

    int oi = 0, oj = 1, ni = 0, nj = 1;
    while (ni < ndim && oi < old_ndim) {
        int64_t new_product = shape[ni], old_product = old_shape[oi];
        while (new_product != old_product) {
            if (new_product < old_product)
                new_product *= shape[nj++];
            else
                old_product *= old_shape[oj++];
        }
        for (int k = oi; k < oj - 1; k++)
            if (old_strides[k] != old_shape[k + 1] * old_strides[k + 1])
                return false;
        strides[nj - 1] = old_strides[oj - 1];
        for (int k = nj - 1; k > ni; k--)
            strides[k - 1] = strides[k] * shape[k];
        ni = nj++;
        oi = oj++;
    }
    /* Trailing size-1 axes of the new shape. */
    int64_t last = ni >= 1 ? strides[ni - 1] : (int64_t)nd_itemsize(a);
    for (int k = ni; k < ndim; k++)
        strides[k] = last;
    return true;
}

nd_array *nd_reshape(const nd_array *a, int ndim, const int64_t *requested)
{
    ND_CHECK_NOT_NULL(NULL, a);
    ND_CHECK_LIST(NULL, ndim, requested);
    int64_t shape[ND_MAXDIMS], strides[ND_MAXDIMS];
    if (ndim > 0 && !requested) {
        nd_set_error(ND_ERR_VALUE, "reshape: shape is NULL");
        return NULL;
    }
    if (resolve_shape(a, ndim, requested, shape) < 0)
        return NULL;
    /* Same shape: NumPy returns a plain view, strides untouched. */
    if (ndim == a->ndim && memcmp(shape, a->shape, (size_t)ndim * sizeof *shape) == 0)
        return nd_view(a);
    if (nd_is_c_contiguous(a)) {
        nd_c_strides(nd_itemsize(a), ndim, shape, strides);
        return nd_make_view(a, ndim, shape, strides, a->data);
    }
    if (nocopy_strides(a, ndim, shape, strides))
        return nd_make_view(a, ndim, shape, strides, a->data);
    nd_array *copy = nd_copy(a);
    if (!copy)
        return NULL;
    nd_array *result = nd_reshape(copy, ndim, shape);
    nd_free(copy);
    return result;
}

nd_array *nd_ravel(const nd_array *a)
{
    ND_CHECK_NOT_NULL(NULL, a);
    /* NumPy's ravel makes a view only of a C-contiguous array, even where
     * reshape(-1) could (a[::2] ravels to a copy). */
    int64_t n = nd_size(a);
    if (nd_is_c_contiguous(a))
        return nd_reshape(a, 1, &n);
    nd_array *copy = nd_copy(a);
    nd_array *flat = copy ? nd_reshape(copy, 1, &n) : NULL;
    nd_free(copy);
    return flat;
}

/* ---- axis permutations ----------------------------------------------------- */

nd_array *nd_transpose(const nd_array *a, const int *axes)
{
    ND_CHECK_NOT_NULL(NULL, a);
    int64_t shape[ND_MAXDIMS], strides[ND_MAXDIMS];
    bool seen[ND_MAXDIMS] = {false};
    for (int i = 0; i < a->ndim; i++) {
        int axis = axes ? axes[i] : a->ndim - 1 - i;
        if (nd_normalize_axis(&axis, a->ndim) < 0)
            return NULL;
        if (seen[axis]) {
            nd_set_error(ND_ERR_VALUE, "repeated axis in transpose");
            return NULL;
        }
        seen[axis] = true;
        shape[i] = a->shape[axis];
        strides[i] = a->strides[axis];
    }
    return nd_make_view(a, a->ndim, shape, strides, a->data);
}

/* Like nd_normalize_axis, with NumPy's "axis1: " style message prefix. */
static int normalize_named_axis(int *axis, int ndim, const char *name)
{
    if (nd_normalize_axis(axis, ndim) < 0) {
        char message[256];
        snprintf(message, sizeof message, "%s", nd_last_error());
        return nd_set_error(ND_ERR_AXIS, "%s: %s", name, message);
    }
    return 0;
}

nd_array *nd_swapaxes(const nd_array *a, int axis1, int axis2)
{
    ND_CHECK_NOT_NULL(NULL, a);
    if (normalize_named_axis(&axis1, a->ndim, "axis1") < 0 ||
        normalize_named_axis(&axis2, a->ndim, "axis2") < 0)
        return NULL;
    int axes[ND_MAXDIMS];
    for (int i = 0; i < a->ndim; i++)
        axes[i] = i;
    axes[axis1] = axis2;
    axes[axis2] = axis1;
    return nd_transpose(a, axes);
}

/* ---- slicing --------------------------------------------------------------- */

/* Python's slice.indices(length): resolves None, negative and out-of-range
 * bounds, and returns how many elements the slice selects. */
static int64_t slice_indices(int64_t length, int64_t *start, int64_t *stop, int64_t step)
{
    /* Clamp bounds: for a positive step to [0, length], for a negative one
     * to [-1, length - 1] (-1 meaning "before the first element"). */
    int64_t lower = step < 0 ? -1 : 0;
    int64_t upper = step < 0 ? length - 1 : length;
    if (*start == ND_NONE) {
        *start = step < 0 ? upper : lower;
    } else {
        if (*start < 0)
            *start = *start + length < lower ? lower : *start + length;
        else if (*start > upper)
            *start = upper;
    }
    if (*stop == ND_NONE) {
        *stop = step < 0 ? lower : upper;
    } else {
        if (*stop < 0)
            *stop = *stop + length < lower ? lower : *stop + length;
        else if (*stop > upper)
            *stop = upper;
    }
    if (step < 0)
        return *stop < *start ? (*start - *stop - 1) / (-step) + 1 : 0;
    return *start < *stop ? (*stop - *start - 1) / step + 1 : 0;
}

nd_array *nd_slice(const nd_array *a, int axis, int64_t start, int64_t stop, int64_t step)
{
    ND_CHECK_NOT_NULL(NULL, a);
    if (a->ndim == 0) {
        nd_set_error(ND_ERR_INDEX, "too many indices for array: array is 0-dimensional, "
                                   "but 1 were indexed");
        return NULL;
    }
    if (nd_normalize_axis(&axis, a->ndim) < 0)
        return NULL;
    if (step == 0) {
        nd_set_error(ND_ERR_VALUE, "slice step cannot be zero");
        return NULL;
    }
    /* step == ND_NONE means 1, as None does; INT64_MIN is no usable step. */
    if (step == ND_NONE)
        step = 1;
    int64_t count = slice_indices(a->shape[axis], &start, &stop, step);
    int64_t shape[ND_MAXDIMS], strides[ND_MAXDIMS];
    memcpy(shape, a->shape, sizeof shape);
    memcpy(strides, a->strides, sizeof strides);
    shape[axis] = count;
    /* NumPy stores stride * step even when one element is left (where the
     * stride is never used), but an empty slice keeps the step-1 stride;
     * so does a huge step whose product overflows. */
    if (count == 0 || __builtin_mul_overflow(a->strides[axis], step, &strides[axis]))
        strides[axis] = a->strides[axis];
    /* An empty slice may have start == length; point at the first element
     * instead so the data pointer never leaves the buffer. */
    char *data = count > 0 ? a->data + start * a->strides[axis] : a->data;
    return nd_make_view(a, a->ndim, shape, strides, data);
}

/* ---- adding and removing axes ---------------------------------------------- */

nd_array *nd_squeeze(const nd_array *a, int naxes, const int *axes)
{
    ND_CHECK_NOT_NULL(NULL, a);
    ND_CHECK_LIST(NULL, naxes, axes);
    bool drop[ND_MAXDIMS] = {false};
    if (naxes == 0) {
        for (int i = 0; i < a->ndim; i++)
            drop[i] = a->shape[i] == 1;
    } else {
        for (int k = 0; k < naxes; k++) {
            int axis = axes[k];
            if (nd_normalize_axis(&axis, a->ndim) < 0)
                return NULL;
            if (drop[axis]) {
                nd_set_error(ND_ERR_VALUE, "duplicate value in 'axis'");
                return NULL;
            }
            if (a->shape[axis] != 1) {
                nd_set_error(ND_ERR_VALUE, "cannot select an axis to squeeze out which has "
                                           "size not equal to one");
                return NULL;
            }
            drop[axis] = true;
        }
    }
    int64_t shape[ND_MAXDIMS], strides[ND_MAXDIMS];
    int ndim = 0;
    for (int i = 0; i < a->ndim; i++)
        if (!drop[i]) {
            shape[ndim] = a->shape[i];
            strides[ndim++] = a->strides[i];
        }
    return nd_make_view(a, ndim, shape, strides, a->data);
}

nd_array *nd_expand_dims(const nd_array *a, int axis)
{
    ND_CHECK_NOT_NULL(NULL, a);
    if (a->ndim == ND_MAXDIMS) {
        nd_set_error(ND_ERR_VALUE, "maximum supported dimension for an ndarray is %d, found %d",
                     ND_MAXDIMS, ND_MAXDIMS + 1);
        return NULL;
    }
    if (nd_normalize_axis(&axis, a->ndim + 1) < 0)
        return NULL;
    int64_t shape[ND_MAXDIMS], strides[ND_MAXDIMS];
    for (int i = 0, j = 0; i <= a->ndim; i++) {
        if (i == axis) {
            shape[i] = 1;
            /* Any stride works for a size-1 axis; NumPy's reshape gives it
             * the span of the axis after it, or at the end the previous
             * axis's stride. */
            strides[i] = j < a->ndim   ? a->strides[j] * a->shape[j]
                         : a->ndim > 0 ? a->strides[a->ndim - 1]
                                       : (int64_t)nd_itemsize(a);
        } else {
            shape[i] = a->shape[j];
            strides[i] = a->strides[j++];
        }
    }
    return nd_make_view(a, a->ndim + 1, shape, strides, a->data);
}

/* ---- broadcasting and raw strides ------------------------------------------ */

int nd_broadcast_strides(const nd_array *a, int ndim, const int64_t *shape, int64_t *strides)
{
    if (a->ndim > ndim)
        return -1;
    int offset = ndim - a->ndim;
    for (int i = 0; i < ndim; i++) {
        if (i < offset) {
            strides[i] = 0;
            continue;
        }
        int64_t dim = a->shape[i - offset];
        if (dim == shape[i])
            strides[i] = dim == 1 ? 0 : a->strides[i - offset];
        else if (dim == 1)
            strides[i] = 0;
        else
            return -1;
    }
    return 0;
}

nd_array *nd_broadcast_to(const nd_array *a, int ndim, const int64_t *shape)
{
    ND_CHECK_NOT_NULL(NULL, a);
    ND_CHECK_LIST(NULL, ndim, shape);
    int64_t size, strides[ND_MAXDIMS];
    for (int i = 0; i < ndim && ndim <= ND_MAXDIMS; i++)
        if (shape[i] < 0) {
            nd_set_error(ND_ERR_VALUE, "all elements of broadcast shape must be non-negative");
            return NULL;
        }
    if (nd_check_shape(a->dtype, ndim, shape, &size) < 0)
        return NULL;
    if (ndim == 0 && a->ndim > 0) {
        nd_set_error(ND_ERR_VALUE, "cannot broadcast a non-scalar to a scalar array");
        return NULL;
    }
    if (a->ndim > ndim) {
        nd_set_error(ND_ERR_VALUE,
                     "input operand has more dimensions than allowed by the axis remapping");
        return NULL;
    }
    if (nd_broadcast_strides(a, ndim, shape, strides) < 0) {
        char original[ND_SHAPE_STR_MAX], requested[ND_SHAPE_STR_MAX];
        nd_set_error(ND_ERR_VALUE,
                     "operands could not be broadcast together with remapped shapes "
                     "[original->remapped]: %s  and requested shape %s",
                     nd_format_shape_compact(original, a->ndim, a->shape),
                     nd_format_shape_compact(requested, ndim, shape));
        return NULL;
    }
    nd_array *view = nd_make_view(a, ndim, shape, strides, a->data);
    /* Many elements alias one: writing through it would be a surprise. */
    if (view)
        view->flags &= ~ND_FLAG_WRITEABLE;
    return view;
}

nd_array *nd_as_strided(const nd_array *a, int ndim, const int64_t *shape, const int64_t *strides)
{
    ND_CHECK_NOT_NULL(NULL, a);
    ND_CHECK_LIST(NULL, ndim, shape);
    ND_CHECK_LIST(NULL, ndim, strides);
    int64_t size;
    if (nd_check_shape(a->dtype, ndim, shape, &size) < 0)
        return NULL;
    int64_t itemsize = (int64_t)nd_itemsize(a);
    for (int i = 0; i < ndim; i++)
        if (strides[i] % itemsize != 0) {
            nd_set_error(ND_ERR_VALUE,
                         "as_strided: strides must be multiples of the item "
                         "size (%lld bytes)",
                         (long long)itemsize);
            return NULL;
        }
    /* Every reachable byte must lie in the buffer: compute the extent with
     * overflow checks, since shape and strides are arbitrary. */
    int64_t low = 0, high = 0;
    bool overflow = false;
    if (size > 0)
        for (int i = 0; i < ndim; i++) {
            int64_t reach;
            overflow |= __builtin_mul_overflow(shape[i] - 1, strides[i], &reach);
            overflow |= reach < 0 ? __builtin_add_overflow(low, reach, &low)
                                  : __builtin_add_overflow(high, reach, &high);
        }
    const char *buffer_start = a->buffer->memory;
    int64_t offset = a->data - buffer_start, end;
    overflow |= __builtin_add_overflow(offset + itemsize, high, &end);
    if (size > 0 && (overflow || offset + low < 0 || end > a->buffer->nbytes)) {
        nd_set_error(ND_ERR_VALUE,
                     "as_strided: the requested view reaches outside the array's memory");
        return NULL;
    }
    return nd_make_view(a, ndim, shape, strides, a->data);
}

nd_array *nd_diagonal(const nd_array *a, int64_t offset, int axis1, int axis2)
{
    ND_CHECK_NOT_NULL(NULL, a);
    if (a->ndim < 2) {
        nd_set_error(ND_ERR_VALUE, "diag requires an array of at least two dimensions");
        return NULL;
    }
    if (normalize_named_axis(&axis1, a->ndim, "axis1") < 0 ||
        normalize_named_axis(&axis2, a->ndim, "axis2") < 0)
        return NULL;
    if (axis1 == axis2) {
        nd_set_error(ND_ERR_VALUE, "axis1 and axis2 cannot be the same");
        return NULL;
    }
    /* Element i of diagonal k is a[i, i + k] (k >= 0) or a[i - k, i]: start
     * at the first such element and step along both axes at once. */
    int64_t rows = a->shape[axis1], cols = a->shape[axis2];
    char *data = a->data;
    int64_t length;
    if (offset >= 0) {
        length = offset < cols ? (rows < cols - offset ? rows : cols - offset) : 0;
        if (length > 0)
            data += offset * a->strides[axis2];
    } else {
        length = -offset < rows ? (rows + offset < cols ? rows + offset : cols) : 0;
        if (length > 0)
            data += -offset * a->strides[axis1];
    }
    int64_t shape[ND_MAXDIMS], strides[ND_MAXDIMS];
    int ndim = 0;
    for (int i = 0; i < a->ndim; i++)
        if (i != axis1 && i != axis2) {
            shape[ndim] = a->shape[i];
            strides[ndim++] = a->strides[i];
        }
    shape[ndim] = length;
    strides[ndim++] = a->strides[axis1] + a->strides[axis2];
    nd_array *view = nd_make_view(a, ndim, shape, strides, data);
    if (view) /* NumPy >= 1.9 returns a read-only diagonal */
        view->flags &= ~ND_FLAG_WRITEABLE;
    return view;
}
