/*
 * Indexing: embedding, take, take_along_axis.
 *
 * Each forward gathers elements of a by integer indices; each backward
 * scatters dL/dy back to the positions they were read from, ADDING where an
 * index repeats (a token seen twice in a batch gets both gradients):
 * nd_add_at accumulates duplicates, unlike an assignment.
 *
 * The indices are not tensors: the caller passes an nd_array, which the
 * forward copies (as int64) and saves for the backward, so the caller may
 * reuse or free its array right after the call.
 */
#include "ops.h"

#include <string.h>

typedef struct index_params {
    const nd_array *indices; /* the caller's; read by the forward only */
    int axis;
} index_params;

/* The forward's indices as an int64 copy saved for the backward (saved
 * index 0); NULL with PyTorch's message if they are not integers. */
static nd_array *save_indices(ag_ctx *ctx, const char *op)
{
    const nd_array *indices = ((const index_params *)ag_ctx_params(ctx))->indices;
    if (!indices) {
        nd_set_last_error(ND_ERR_VALUE, "%s: indices is NULL", op);
        return NULL;
    }
    if (!nd_dtype_is_integer(nd_dtype_of(indices))) {
        nd_set_last_error(ND_ERR_TYPE,
                          "Expected tensor for argument #1 'indices' to have one of "
                          "the following scalar types: Long, Int; but got %s instead (while "
                          "checking arguments for %s)",
                          nd_dtype_name(nd_dtype_of(indices)), op);
        return NULL;
    }
    nd_array *idx = nd_astype(indices, ND_INT64);
    if (idx && ag_ctx_save(ctx, idx) < 0) {
        nd_free(idx);
        return NULL;
    }
    return idx;
}

/* ---- take: y = numpy.take(a, indices, axis) ----------------------------------------------- */

static nd_array *take_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    int axis = ag_wrap_dim(((const index_params *)ag_ctx_params(ctx))->axis, nd_ndim(x[0]));
    nd_array *idx = axis < 0 ? NULL : save_indices(ctx, "take");
    nd_array *y = idx ? nd_take(x[0], idx, axis) : NULL;
    nd_free(idx);
    return y;
}

/*
 * y = take(a, idx, axis):  y[pre, j, post] = a[pre, idx[j], post]  (j: all of
 * idx's axes), so
 *     dL/da[pre, i, post] = sum over j with idx[j] == i of dL/dy[pre, j, post],
 * a scatter-add. With the axis moved to the front of the gradient g (a view)
 * and idx's axes moved to the front of dL/dy, it is nd_add_at(g', idx, dy'):
 * each index adds a whole slab. For the embedding (axis 0) both moves are
 * the identity and each index adds one contiguous row of C elements.
 */
static int take_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *a = ag_ctx_input(ctx, 0), *idx = ag_ctx_saved(ctx, 0);
    /* A 0-d a is taken from as shape (1,); the tape sums (1,) back to (). */
    int nd = nd_ndim(a) > 0 ? nd_ndim(a) : 1, k = nd_ndim(idx);
    int axis = ag_wrap_dim(((const index_params *)ag_ctx_params(ctx))->axis, nd);
    nd_array *g = nd_zeros(nd_dtype_of(dy), nd, nd_ndim(a) > 0 ? nd_shape(a) : (const int64_t[]){1});
    if (!g)
        return nd_last_status();
    int gperm[ND_MAXDIMS], dperm[ND_MAXDIMS], m = 0;
    gperm[m++] = axis; /* g: (axis, pre, post) */
    for (int d = 0; d < nd; d++)
        if (d != axis)
            gperm[m++] = d;
    m = 0; /* dy: (idx axes, pre, post) */
    for (int d = axis; d < axis + k; d++)
        dperm[m++] = d;
    for (int d = 0; d < nd_ndim(dy); d++)
        if (d < axis || d >= axis + k)
            dperm[m++] = d;
    nd_array *g_front = nd_transpose(g, gperm); /* views */
    nd_array *dy_front = g_front ? nd_transpose(dy, dperm) : NULL;
    int status = dy_front ? nd_add_at(g_front, idx, dy_front) : nd_last_status();
    nd_free(g_front);
    nd_free(dy_front);
    if (status < 0)
        nd_free(g);
    else
        dx[0] = g;
    return status;
}

static const ag_op take_op = {"take", take_forward, take_backward};

ag_tensor *ag_take(ag_tensor *a, const nd_array *indices, int axis)
{
    index_params p = {indices, axis};
    return ag_apply(&take_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}

/* ---- embedding: y = weight[indices] ------------------------------------------------------ */

/* take along axis 0 with PyTorch's checks: weight (V, C), every index in
 * [0, V) (no counting from the end). y: indices.shape + (C,). */
static nd_array *embedding_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const nd_array *weight = x[0];
    if (nd_ndim(weight) != 2) {
        nd_set_last_error(ND_ERR_VALUE, "'weight' must be 2-D");
        return NULL;
    }
    nd_array *idx = save_indices(ctx, "embedding");
    if (!idx)
        return NULL;
    const int64_t *i = nd_data(idx), rows = nd_shape(weight)[0]; /* a C-contiguous copy */
    for (int64_t j = 0; j < nd_size(idx); j++)
        if (i[j] < 0 || i[j] >= rows) {
            nd_free(idx);
            nd_set_last_error(ND_ERR_INDEX, "index out of range in self");
            return NULL;
        }
    nd_array *y = nd_take(weight, idx, 0);
    nd_free(idx);
    return y;
}

/* dL/dweight = zeros (V, C) with dL/dy[j] added into row indices[j]: the
 * take backward along axis 0. */
static const ag_op embedding_op = {"embedding", embedding_forward, take_backward};

ag_tensor *ag_embedding(ag_tensor *weight, const nd_array *indices)
{
    index_params p = {indices, 0};
    return ag_apply(&embedding_op, 1, (ag_tensor *[]){weight}, &p, sizeof p);
}

/* ---- take_along_axis: y = numpy.take_along_axis(a, indices, axis) ------------------------ */

static nd_array *take_along_axis_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const index_params *p = ag_ctx_params(ctx);
    int nd = nd_ndim(x[0]), axis = ag_wrap_dim(p->axis, nd);
    if (axis < 0)
        return NULL;
    if (p->indices && nd_ndim(p->indices) != nd) {
        nd_set_last_error(ND_ERR_VALUE,
                          "torch.take_along_dim(): input and indices should have "
                          "the same number of dimensions, but got %d dimensions for input, and %d "
                          "dimensions for indices",
                          nd, nd_ndim(p->indices));
        return NULL;
    }
    nd_array *idx = save_indices(ctx, "take_along_dim");
    nd_array *y = idx ? nd_take_along_axis(x[0], idx, axis) : NULL;
    nd_free(idx);
    return y;
}

/*
 * y[.., j, ..] = a[.., idx[.., j, ..], ..] over the broadcast shape of a and
 * idx, so dL/da scatter-adds dL/dy back to where each element was read.
 * Rather than computing positions by hand, gather them: in an array of flat
 * positions 0, 1, 2, ... shaped like the gradient g, take_along_axis with the
 * same idx reads, for every element of y, the C-order position in g it came
 * from; nd_add_at(ravel(g), positions, dL/dy) then accumulates duplicates.
 * g has dL/dy's shape with a's length on the axis; where a was broadcast
 * (size 1), the tape sums g down to a's shape.
 */
static int take_along_axis_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *a = ag_ctx_input(ctx, 0), *idx = ag_ctx_saved(ctx, 0);
    int nd = nd_ndim(dy), axis = ag_wrap_dim(((const index_params *)ag_ctx_params(ctx))->axis, nd);
    int64_t shape[ND_MAXDIMS];
    memcpy(shape, nd_shape(dy), (size_t)nd * sizeof(int64_t));
    shape[axis] = nd_shape(a)[axis];
    nd_array *g = nd_zeros(nd_dtype_of(dy), nd, shape);
    if (!g)
        return nd_last_status();
    int64_t size = nd_size(g);
    nd_array *flat = nd_arange(ND_INT64, 0, (double)size, 1); /* flat positions in g */
    nd_array *positions = flat ? nd_reshape(flat, nd, shape) : NULL;
    nd_array *source = positions ? nd_take_along_axis(positions, idx, axis) : NULL; /* of each y */
    nd_array *g_flat = source ? nd_reshape(g, 1, &size) : NULL; /* ravel(g): a view */
    int status = g_flat ? nd_add_at(g_flat, source, dy) : nd_last_status();
    nd_free(flat);
    nd_free(positions);
    nd_free(source);
    nd_free(g_flat);
    if (status < 0)
        nd_free(g);
    else
        dx[0] = g;
    return status;
}

static const ag_op take_along_axis_op = {"take_along_axis", take_along_axis_forward,
                                         take_along_axis_backward};

ag_tensor *ag_take_along_axis(ag_tensor *a, const nd_array *indices, int axis)
{
    index_params p = {indices, axis};
    return ag_apply(&take_along_axis_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}
