/*
 * matmul: y = a @ b with numpy.matmul's rules (1-D operands promoted and
 * removed, batch axes broadcast).
 *
 * For 2-D and batched operands:  dL/da = dL/dy @ b^T,  dL/db = a^T @ dL/dy.
 * The transposes are views (swapped strides), which libnd passes to BLAS as
 * CblasTrans without copying. Gradients come out with the broadcast batch
 * shape and the tape sums them down. A 1-D operand is treated as the
 * matrix NumPy makes of it ((k,) -> (1, k) on the left, (k, 1) on the
 * right), and dL/dy gets the removed axis back first.
 */
#include "ops.h"

#include <string.h>

static nd_array *matmul_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_matmul(x[0], x[1]);
}

/* x as the matrix matmul saw: (k,) -> (1, k) if left, (k, 1) if right. */
static nd_array *as_matrix(const nd_array *x, bool left)
{
    if (nd_ndim(x) != 1)
        return nd_view(x);
    int64_t k = nd_shape(x)[0];
    return nd_reshape(x, 2, left ? (const int64_t[]){1, k} : (const int64_t[]){k, 1});
}

static int matmul_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *a0 = ag_ctx_input(ctx, 0), *b0 = ag_ctx_input(ctx, 1);
    nd_array *t[5] = {as_matrix(a0, true), as_matrix(b0, false), NULL, NULL, NULL};
    nd_array *a = t[0], *b = t[1];
    if (!a || !b)
        return ag_free_arrays(nd_last_status(), 5, t);
    /* dL/dy with the axes a 1-D operand removed put back as size 1:
     * (..., n) -> (..., 1, n) for a 1-D a, (..., m) -> (..., m, 1) for a
     * 1-D b. */
    int64_t shape[ND_MAXDIMS];
    int k = nd_ndim(dy);
    memcpy(shape, nd_shape(dy), (size_t)k * sizeof(int64_t));
    if (nd_ndim(a0) == 1) {
        int at = nd_ndim(b0) == 1 ? k : k - 1;
        memmove(shape + at + 1, shape + at, (size_t)(k - at) * sizeof(int64_t));
        shape[at] = 1;
        k++;
    }
    if (nd_ndim(b0) == 1)
        shape[k++] = 1;
    nd_array *g = t[2] = nd_reshape(dy, k, shape);
    if (!g)
        return ag_free_arrays(nd_last_status(), 5, t);
    if (ag_ctx_needs_grad(ctx, 0)) {
        nd_array *bt = t[3] = nd_swapaxes(b, -1, -2);
        nd_array *ga = bt ? nd_matmul(g, bt) : NULL;
        dx[0] = ga && nd_ndim(a0) == 1 ? nd_squeeze(ga, 1, (const int[]){-2}) : ga;
        if (dx[0] != ga)
            nd_free(ga);
        if (!dx[0])
            return ag_free_arrays(nd_last_status(), 5, t);
    }
    if (ag_ctx_needs_grad(ctx, 1)) {
        nd_array *at = t[4] = nd_swapaxes(a, -1, -2);
        nd_array *gb = at ? nd_matmul(at, g) : NULL;
        dx[1] = gb && nd_ndim(b0) == 1 ? nd_squeeze(gb, 1, (const int[]){-1}) : gb;
        if (dx[1] != gb)
            nd_free(gb);
        if (!dx[1])
            return ag_free_arrays(nd_last_status(), 5, t);
    }
    return ag_free_arrays(0, 5, t);
}

static const ag_op matmul_op = {"matmul", matmul_forward, matmul_backward};

ag_tensor *ag_matmul(ag_tensor *a, ag_tensor *b)
{
    return ag_apply(&matmul_op, 2, (ag_tensor *[]){a, b}, NULL, 0);
}
