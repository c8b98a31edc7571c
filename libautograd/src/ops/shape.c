/*
 * Shapes: reshape, transpose/permute, swapaxes, slice, concat, stack, split,
 * broadcast_to, expand_dims, squeeze.
 *
 * These ops move elements without changing them, so each backward sends
 * dL/dy back to where each element came from: reshaped back, permuted by the
 * inverse permutation, written into zeros at the sliced positions, cut into
 * the pieces a concatenation joined. Forward values are libnd views of the
 * input wherever libnd makes one (reshape, transpose, slice, squeeze, ...):
 * that is safe because the value of a tape tensor is never modified.
 *
 * Errors are checked in the forward, before libnd sees the arguments, so
 * they read as PyTorch's.
 */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ag_apply's limit on inputs (autograd.h): longer lists of tensors are
 * joined in groups. */
#define MAX_INPUTS 8

/* "[2, 3]", as PyTorch prints sizes in messages. */
static const char *format_sizes(char *buf, size_t size, int n, const int64_t *values)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "",
                                 (long long)values[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
    return buf;
}

/* A list of sizes as op parameters (reshape, broadcast_to). */
typedef struct sizes_params {
    int ndim;
    int64_t shape[ND_MAXDIMS];
} sizes_params;

static int make_sizes(sizes_params *p, const char *op, int ndim, const int64_t *shape)
{
    if (ndim < 0 || ndim > ND_MAXDIMS || (ndim > 0 && !shape))
        return nd_set_last_error(ND_ERR_VALUE, "%s: expected 0 to %d sizes, got %d%s", op,
                                 ND_MAXDIMS, ndim, ndim > 0 && !shape ? " and no list" : "");
    p->ndim = ndim;
    if (ndim > 0)
        memcpy(p->shape, shape, (size_t)ndim * sizeof(int64_t));
    return 0;
}

/* dL/da = dL/dy reshaped to a's shape: reshape, squeeze and expand_dims keep
 * the elements in the same C order, so their backward is this one. */
static int reshape_back(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *a = ag_ctx_input(ctx, 0);
    dx[0] = nd_reshape(dy, nd_ndim(a), nd_shape(a));
    return dx[0] ? 0 : nd_last_status();
}

/* ---- reshape: y = a.reshape(shape) ------------------------------------------------ */

/* PyTorch's checks of a target shape (at most one -1, no other negative,
 * the same number of elements). */
static int check_reshape(const nd_array *a, const sizes_params *p)
{
    char buf[512];
    int64_t known = 1;
    int inferred = -1;
    bool overflow = false;
    for (int d = 0; d < p->ndim; d++) {
        if (p->shape[d] == -1) {
            if (inferred >= 0)
                return nd_set_last_error(ND_ERR_VALUE, "only one dimension can be inferred");
            inferred = d;
        } else if (p->shape[d] < 0) {
            return nd_set_last_error(ND_ERR_VALUE, "invalid shape dimension %lld",
                                     (long long)p->shape[d]);
        } else {
            overflow = overflow || __builtin_mul_overflow(known, p->shape[d], &known);
        }
    }
    int64_t size = nd_size(a);
    if (inferred >= 0 && known == 0 && !overflow)
        return size == 0 ? nd_set_last_error(ND_ERR_VALUE,
                                             "cannot reshape tensor of 0 elements "
                                             "into shape %s because the unspecified dimension "
                                             "size -1 can be any value and is ambiguous",
                                             format_sizes(buf, sizeof buf, p->ndim, p->shape))
                         : nd_set_last_error(ND_ERR_VALUE,
                                             "shape '%s' is invalid for input of "
                                             "size %lld",
                                             format_sizes(buf, sizeof buf, p->ndim, p->shape),
                                             (long long)size);
    if (overflow || (inferred >= 0 ? size % known != 0 : size != known))
        return nd_set_last_error(ND_ERR_VALUE, "shape '%s' is invalid for input of size %lld",
                                 format_sizes(buf, sizeof buf, p->ndim, p->shape), (long long)size);
    return 0;
}

static nd_array *reshape_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const sizes_params *p = ag_ctx_params(ctx);
    return check_reshape(x[0], p) < 0 ? NULL : nd_reshape(x[0], p->ndim, p->shape);
}

static const ag_op reshape_op = {"reshape", reshape_forward, reshape_back};

ag_tensor *ag_reshape(ag_tensor *a, int ndim, const int64_t *shape)
{
    sizes_params p;
    if (make_sizes(&p, "reshape", ndim, shape) < 0)
        return NULL;
    return ag_apply(&reshape_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}

/* ---- transpose / permute: y = a.permute(axes) ------------------------------------------ */

typedef struct permute_params {
    bool reverse; /* transpose(a, NULL): the axes reversed */
    int naxes;
    int axes[ND_MAXDIMS];
} permute_params;

/* The permutation asked for, checked and normalized: output axis d is input
 * axis perm[d]. */
static int permutation(const nd_array *a, const permute_params *p, int *perm)
{
    int nd = nd_ndim(a);
    if (p->reverse) {
        for (int d = 0; d < nd; d++)
            perm[d] = nd - 1 - d;
        return 0;
    }
    if (p->naxes != nd)
        return nd_set_last_error(ND_ERR_VALUE,
                                 "permute(): number of dimensions in the tensor "
                                 "input does not match the length of the desired ordering of "
                                 "dimensions i.e. input.dim() = %d is not equal to len(dims) = "
                                 "%d",
                                 nd, p->naxes);
    bool seen[ND_MAXDIMS] = {0};
    for (int d = 0; d < nd; d++) {
        int axis = ag_wrap_dim(p->axes[d], nd);
        if (axis < 0)
            return axis;
        if (seen[axis])
            return nd_set_last_error(ND_ERR_VALUE, "permute(): duplicate dims are not allowed.");
        seen[axis] = true;
        perm[d] = axis;
    }
    return 0;
}

static nd_array *permute_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    int perm[ND_MAXDIMS];
    return permutation(x[0], ag_ctx_params(ctx), perm) < 0 ? NULL : nd_transpose(x[0], perm);
}

/* y[..., i_d, ...] = a[..., i_perm[d], ...]: dL/da = dL/dy permuted by the
 * inverse permutation, inverse[perm[d]] = d. */
static int permute_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    int perm[ND_MAXDIMS], inverse[ND_MAXDIMS];
    int status = permutation(ag_ctx_input(ctx, 0), ag_ctx_params(ctx), perm);
    if (status < 0)
        return status;
    for (int d = 0; d < nd_ndim(dy); d++)
        inverse[perm[d]] = d;
    dx[0] = nd_transpose(dy, inverse);
    return dx[0] ? 0 : nd_last_status();
}

static const ag_op permute_op = {"permute", permute_forward, permute_backward};

ag_tensor *ag_permute(ag_tensor *a, int naxes, const int *axes)
{
    permute_params p = {.naxes = naxes};
    if (naxes > 0 && !axes)
        p.naxes = -1; /* reported as a length mismatch by the forward */
    else if (naxes > 0)
        memcpy(p.axes, axes, (size_t)(naxes < ND_MAXDIMS ? naxes : ND_MAXDIMS) * sizeof(int));
    return ag_apply(&permute_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}

ag_tensor *ag_transpose(ag_tensor *a, const int *axes)
{
    if (axes && a)
        return ag_permute(a, nd_ndim(ag_value(a)), axes);
    permute_params p = {.reverse = true};
    return ag_apply(&permute_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}

/* ---- swapaxes: y = a.swapaxes(d1, d2) ------------------------------------------------- */

typedef struct swap_params {
    int d1, d2;
} swap_params;

static nd_array *swapaxes_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const swap_params *p = ag_ctx_params(ctx);
    if (ag_wrap_dim(p->d1, nd_ndim(x[0])) < 0 || ag_wrap_dim(p->d2, nd_ndim(x[0])) < 0)
        return NULL;
    if (nd_ndim(x[0]) == 0)
        return nd_view(x[0]); /* PyTorch: a 0-d tensor's dims 0 and -1 swap to itself */
    return nd_swapaxes(x[0], p->d1, p->d2);
}

/* A swap is its own inverse: dL/da = dL/dy with d1 and d2 swapped back. */
static int swapaxes_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const swap_params *p = ag_ctx_params(ctx);
    dx[0] = nd_ndim(dy) == 0 ? nd_view(dy) : nd_swapaxes(dy, p->d1, p->d2);
    return dx[0] ? 0 : nd_last_status();
}

static const ag_op swapaxes_op = {"swapaxes", swapaxes_forward, swapaxes_backward};

ag_tensor *ag_swapaxes(ag_tensor *a, int d1, int d2)
{
    swap_params p = {d1, d2};
    return ag_apply(&swapaxes_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}

/* ---- slice: y = a[..., start:stop:step, ...] on one axis -------------------------------- */

typedef struct slice_params {
    int axis;
    int64_t start, stop, step;
} slice_params;

static nd_array *slice_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const slice_params *p = ag_ctx_params(ctx);
    if (nd_ndim(x[0]) == 0) {
        nd_set_last_error(ND_ERR_INDEX, "slice() cannot be applied to a 0-dim tensor.");
        return NULL;
    }
    if (ag_wrap_dim(p->axis, nd_ndim(x[0])) < 0)
        return NULL;
    return nd_slice(x[0], p->axis, p->start, p->stop, p->step);
}

/* dL/da = zeros of a's shape with dL/dy written where the slice read: the
 * same slice of the zeros is a view to copy dL/dy into. */
static int slice_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const slice_params *p = ag_ctx_params(ctx);
    const nd_array *a = ag_ctx_input(ctx, 0);
    nd_array *g = nd_zeros(nd_dtype_of(dy), nd_ndim(a), nd_shape(a));
    nd_array *window = g ? nd_slice(g, p->axis, p->start, p->stop, p->step) : NULL;
    int status = window ? nd_copyto(window, dy, ND_CAST_NO) : nd_last_status();
    nd_free(window);
    if (status < 0) {
        nd_free(g);
        return status;
    }
    dx[0] = g;
    return 0;
}

static const ag_op slice_op = {"slice", slice_forward, slice_backward};

ag_tensor *ag_slice(ag_tensor *a, int axis, int64_t start, int64_t stop, int64_t step)
{
    slice_params p = {axis, start, stop, step};
    return ag_apply(&slice_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}

/* ---- concat: y = cat(tensors, axis) ---------------------------------------------------- */

/* PyTorch's checks of torch.cat: same rank, not 0-d, equal sizes except on
 * the axis. Returns the axis normalized, or a negative status. */
static int check_concat(int n, const nd_array *const *x, int axis)
{
    int nd = nd_ndim(x[0]);
    for (int i = 0; i < n; i++)
        if (nd_ndim(x[i]) == 0)
            return nd_set_last_error(ND_ERR_VALUE,
                                     "zero-dimensional tensor (at position %d) "
                                     "cannot be concatenated",
                                     i);
    for (int i = 1; i < n; i++)
        if (nd_ndim(x[i]) != nd)
            return nd_set_last_error(ND_ERR_VALUE,
                                     "Tensors must have same number of "
                                     "dimensions: got %d and %d",
                                     nd, nd_ndim(x[i]));
    axis = ag_wrap_dim(axis, nd);
    for (int i = 1; i < n && axis >= 0; i++)
        for (int d = 0; d < nd; d++)
            if (d != axis && nd_shape(x[i])[d] != nd_shape(x[0])[d])
                return nd_set_last_error(ND_ERR_VALUE,
                                         "Sizes of tensors must match except in "
                                         "dimension %d. Expected size %lld but got size %lld for "
                                         "tensor number %d in the list.",
                                         axis, (long long)nd_shape(x[0])[d],
                                         (long long)nd_shape(x[i])[d], i);
    return axis;
}

static nd_array *concat_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    int axis = check_concat(n, x, *(const int *)ag_ctx_params(ctx));
    return axis < 0 ? NULL : nd_concatenate(n, x, axis);
}

/* dL/dx_i = the slice of dL/dy along axis that x_i filled. */
static int concat_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    int axis = ag_wrap_dim(*(const int *)ag_ctx_params(ctx), nd_ndim(dy));
    int64_t offset = 0;
    for (int i = 0; i < ag_ctx_num_inputs(ctx); i++) {
        int64_t length = nd_shape(ag_ctx_input(ctx, i))[axis];
        if (ag_ctx_needs_grad(ctx, i) && !(dx[i] = nd_slice(dy, axis, offset, offset + length, 1)))
            return nd_last_status();
        offset += length;
    }
    return 0;
}

static const ag_op concat_op = {"concat", concat_forward, concat_backward};

/* The values of n tensors (all non-NULL), or a negative status: an earlier
 * op failed (its message is kept, as ag_apply keeps it). */
static int values_of(int n, ag_tensor *const *tensors, const nd_array **values, const char *op)
{
    for (int i = 0; i < n; i++) {
        if (!tensors[i])
            return nd_last_status() != ND_OK
                       ? nd_last_status()
                       : nd_set_last_error(ND_ERR_VALUE, "%s: input %d is NULL", op, i);
        values[i] = ag_value(tensors[i]);
    }
    return 0;
}

/* Checks a list of tensors' values (check_concat, check_stack): returns
 * the axis normalized, or a negative status. */
typedef int (*join_check)(int n, const nd_array *const *x, int axis);

/* n tensors joined by op (concat or stack) along axis. Up to MAX_INPUTS is
 * one node. A longer list is checked as a whole first, so that messages
 * count tensors as the caller does; then op joins groups of MAX_INPUTS and
 * the groups are concatenated along the axis (in groups again if many). */
static ag_tensor *join(const ag_op *op, join_check check, int n, ag_tensor *const *tensors, int axis)
{
    if (n <= MAX_INPUTS)
        return ag_apply(op, n, tensors, &axis, sizeof axis);
    int ngroups = (n + MAX_INPUTS - 1) / MAX_INPUTS;
    const nd_array **values = malloc((size_t)n * sizeof *values);
    ag_tensor **parts = malloc((size_t)ngroups * sizeof *parts);
    int status = values && parts ? values_of(n, tensors, values, op->name)
                                 : nd_set_last_error(ND_ERR_MEMORY,
                                                     "out of memory joining %d "
                                                     "tensors",
                                                     n);
    if (status == 0)
        status = axis = check(n, values, axis);
    ag_tensor *y = NULL;
    if (status >= 0) {
        for (int g = 0; g < ngroups; g++) {
            int count = n - g * MAX_INPUTS < MAX_INPUTS ? n - g * MAX_INPUTS : MAX_INPUTS;
            parts[g] = ag_apply(op, count, tensors + g * MAX_INPUTS, &axis, sizeof axis);
        }
        y = ag_concat(ngroups, parts, axis); /* NULL if a group failed */
    }
    free(values);
    free(parts);
    return y;
}

ag_tensor *ag_concat(int n, ag_tensor *const *tensors, int axis)
{
    if (n < 1 || !tensors) {
        nd_set_last_error(ND_ERR_VALUE, "torch.cat(): expected a non-empty list of Tensors");
        return NULL;
    }
    return join(&concat_op, check_concat, n, tensors, axis);
}

/* ---- stack: y = stack(tensors, axis) ------------------------------------------------- */

/* PyTorch's checks of torch.stack: equal shapes, axis in [-(ndim+1), ndim].
 * Returns the axis normalized, or a negative status. */
static int check_stack(int n, const nd_array *const *x, int axis)
{
    const nd_array *first = x[0];
    for (int i = 1; i < n; i++) {
        bool same = nd_ndim(x[i]) == nd_ndim(first);
        for (int d = 0; same && d < nd_ndim(first); d++)
            same = nd_shape(x[i])[d] == nd_shape(first)[d];
        if (!same) {
            char b0[512], b1[512];
            return nd_set_last_error(ND_ERR_VALUE,
                                     "stack expects each tensor to be equal size, "
                                     "but got %s at entry 0 and %s at entry %d",
                                     format_sizes(b0, sizeof b0, nd_ndim(first), nd_shape(first)),
                                     format_sizes(b1, sizeof b1, nd_ndim(x[i]), nd_shape(x[i])), i);
        }
    }
    return ag_wrap_dim(axis, nd_ndim(first) + 1);
}

static nd_array *stack_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    int axis = check_stack(n, x, *(const int *)ag_ctx_params(ctx));
    return axis < 0 ? NULL : nd_stack(n, x, axis);
}

/* dL/dx_i = dL/dy[..., i, ...]: the i-th slice along axis, the axis removed. */
static int stack_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    int axis = ag_wrap_dim(*(const int *)ag_ctx_params(ctx), nd_ndim(dy));
    for (int i = 0; i < ag_ctx_num_inputs(ctx); i++) {
        if (!ag_ctx_needs_grad(ctx, i))
            continue;
        nd_array *slab = nd_slice(dy, axis, i, i + 1, 1);
        dx[i] = slab ? nd_squeeze(slab, 1, &axis) : NULL;
        nd_free(slab);
        if (!dx[i])
            return nd_last_status();
    }
    return 0;
}

static const ag_op stack_op = {"stack", stack_forward, stack_backward};

ag_tensor *ag_stack(int n, ag_tensor *const *tensors, int axis)
{
    if (n < 1 || !tensors) {
        nd_set_last_error(ND_ERR_VALUE, "stack expects a non-empty TensorList");
        return NULL;
    }
    return join(&stack_op, check_stack, n, tensors, axis);
}

/* ---- split: pieces of a along an axis (one slice op per piece) ---------------------- */

int ag_split(ag_tensor *a, int n, const int64_t *sizes, int axis, ag_tensor **outputs)
{
    if (!outputs || n < 0 || (n == 0 && !sizes))
        return nd_set_last_error(ND_ERR_VALUE, "split: expected an output list and %s",
                                 sizes ? "n >= 0 sizes" : "n >= 1 sections");
    for (int i = 0; i < n; i++)
        outputs[i] = NULL;
    const nd_array *value = NULL;
    int status = values_of(1, &a, &value, "split");
    if (status < 0)
        return status;
    if (nd_ndim(value) == 0)
        return nd_set_last_error(ND_ERR_VALUE, "split expects at least a 1-dimensional tensor");
    if ((axis = ag_wrap_dim(axis, nd_ndim(value))) < 0)
        return axis;
    int64_t length = nd_shape(value)[axis], total = 0;
    if (!sizes && length % n != 0)
        return nd_set_last_error(ND_ERR_VALUE, "array split does not result in an equal division");
    bool negative = false, overflow = false;
    for (int i = 0; sizes && i < n; i++) {
        negative = negative || sizes[i] < 0;
        overflow = overflow || __builtin_add_overflow(total, sizes[i] > 0 ? sizes[i] : 0, &total);
    }
    if (sizes && (negative || overflow || total != length)) {
        char buf[1024];
        format_sizes(buf, sizeof buf, n, sizes);
        if (negative)
            return nd_set_last_error(ND_ERR_VALUE,
                                     "split_with_sizes expects split_sizes have "
                                     "only non-negative entries, but got split_sizes=%s",
                                     buf);
        return nd_set_last_error(ND_ERR_VALUE,
                                 "split_with_sizes expects split_sizes to sum "
                                 "exactly to %lld (input tensor's size at dimension %d), but got "
                                 "split_sizes=%s",
                                 (long long)length, axis, buf);
    }
    int64_t offset = 0;
    for (int i = 0; i < n; i++) {
        int64_t size = sizes ? sizes[i] : length / n;
        outputs[i] = ag_slice(a, axis, offset, offset + size, 1);
        offset += size;
        if (!outputs[i]) {
            for (int j = 0; j < i; j++)
                outputs[j] = NULL; /* tape tensors: the reset frees them */
            return nd_last_status();
        }
    }
    return 0;
}

/* ---- broadcast_to: y = a.broadcast_to(shape) ---------------------------------------- */

/* PyTorch's expand rules: at least a's rank, -1 keeps an existing size, a
 * size must match unless a's is 1. The resolved shape goes in *out. */
static int resolve_broadcast(const nd_array *a, const sizes_params *p, sizes_params *out)
{
    int nd = nd_ndim(a), lead = p->ndim - nd;
    if (lead < 0)
        return nd_set_last_error(ND_ERR_VALUE,
                                 "the number of sizes provided (%d) must be greater "
                                 "or equal to the number of dimensions in the tensor (%d)",
                                 p->ndim, nd);
    *out = *p;
    for (int d = 0; d < p->ndim; d++) {
        int64_t want = p->shape[d];
        if (d < lead) {
            if (want < 0)
                return nd_set_last_error(ND_ERR_VALUE,
                                         "The expanded size of the tensor (%lld) "
                                         "isn't allowed in a leading, non-existing dimension %d",
                                         (long long)want, d);
            continue;
        }
        int64_t have = nd_shape(a)[d - lead];
        if (want == -1)
            out->shape[d] = have;
        else if (have != 1 && have != want) {
            char b0[512], b1[512];
            return nd_set_last_error(ND_ERR_VALUE,
                                     "The expanded size of the tensor (%lld) must "
                                     "match the existing size (%lld) at non-singleton dimension "
                                     "%d.  Target sizes: %s.  Tensor sizes: %s",
                                     (long long)want, (long long)have, d,
                                     format_sizes(b0, sizeof b0, p->ndim, p->shape),
                                     format_sizes(b1, sizeof b1, nd, nd_shape(a)));
        } else if (want < 0) {
            return nd_set_last_error(ND_ERR_VALUE, "invalid shape dimension %lld", (long long)want);
        }
    }
    return 0;
}

static nd_array *broadcast_to_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    sizes_params shape;
    if (resolve_broadcast(x[0], ag_ctx_params(ctx), &shape) < 0)
        return NULL;
    return nd_broadcast_to(x[0], shape.ndim, shape.shape);
}

/* dL/da = dL/dy summed over the broadcast axes: exactly what the tape does
 * to every gradient of a broadcast shape, so dL/dy is returned as it is. */
static int broadcast_to_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    (void)ctx;
    return (dx[0] = nd_view(dy)) ? 0 : nd_last_status();
}

static const ag_op broadcast_to_op = {"broadcast_to", broadcast_to_forward, broadcast_to_backward};

ag_tensor *ag_broadcast_to(ag_tensor *a, int ndim, const int64_t *shape)
{
    sizes_params p;
    if (make_sizes(&p, "broadcast_to", ndim, shape) < 0)
        return NULL;
    return ag_apply(&broadcast_to_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}

/* ---- expand_dims: y = a.unsqueeze(axis) ---------------------------------------------- */

static nd_array *expand_dims_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    int axis = ag_wrap_dim(*(const int *)ag_ctx_params(ctx), nd_ndim(x[0]) + 1);
    return axis < 0 ? NULL : nd_expand_dims(x[0], axis);
}

static const ag_op expand_dims_op = {"expand_dims", expand_dims_forward, reshape_back};

ag_tensor *ag_expand_dims(ag_tensor *a, int axis)
{
    return ag_apply(&expand_dims_op, 1, (ag_tensor *[]){a}, &axis, sizeof axis);
}

/* ---- squeeze: y = a.squeeze(axes) ----------------------------------------------------- */

typedef struct squeeze_params {
    int naxes;
    int axes[ND_MAXDIMS];
} squeeze_params;

/* PyTorch's squeeze: naxes 0 drops every size-1 axis; listed axes are
 * dropped if their size is 1 and kept otherwise (no error, unlike NumPy). */
static nd_array *squeeze_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const squeeze_params *p = ag_ctx_params(ctx);
    int nd = nd_ndim(x[0]), kept = 0;
    const int64_t *shape = nd_shape(x[0]);
    int dims[ND_MAXDIMS];
    if (ag_wrap_dims(p->naxes, p->axes, nd, dims) < 0)
        return NULL;
    bool listed[ND_MAXDIMS] = {0};
    for (int i = 0; i < p->naxes; i++)
        listed[dims[i]] = true;
    int64_t out[ND_MAXDIMS];
    for (int d = 0; d < nd; d++)
        if (shape[d] != 1 || (p->naxes > 0 && !listed[d]))
            out[kept++] = shape[d];
    return nd_reshape(x[0], kept, out); /* a view: only size-1 axes go */
}

static const ag_op squeeze_op = {"squeeze", squeeze_forward, reshape_back};

ag_tensor *ag_squeeze(ag_tensor *a, int naxes, const int *axes)
{
    if (naxes < 0 || naxes > ND_MAXDIMS || (naxes > 0 && !axes)) {
        nd_set_last_error(ND_ERR_VALUE, "squeeze: expected 0 to %d dims, got %d%s", ND_MAXDIMS,
                          naxes, naxes > 0 && !axes ? " and no list" : "");
        return NULL;
    }
    squeeze_params p = {.naxes = naxes};
    if (naxes > 0)
        memcpy(p.axes, axes, (size_t)naxes * sizeof(int));
    return ag_apply(&squeeze_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}
