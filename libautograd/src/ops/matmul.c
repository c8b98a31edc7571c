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

/* ---- linear: y = x @ W^T + b, one op -------------------------------------------- */

/* x (..., in), W (out, in) as PyTorch stores it, b (out,) or absent.
 * Written as one op rather than matmul(x, transpose(W)) + b so that the
 * backward produces each gradient directly in its final layout with one
 * gemm (no transposed view of dL/dy to copy, no broadcast to reduce):
 *
 *   dL/dx = dL/dy @ W                       (..., in)
 *   dL/dW = dL/dy^T @ x   over all rows     (out, in)
 *   dL/db = sum of dL/dy over all rows      (out,)
 */
static nd_array *linear_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx;
    if (nd_ndim(x[1]) != 2 || nd_ndim(x[0]) < 1 ||
        nd_shape(x[0])[nd_ndim(x[0]) - 1] != nd_shape(x[1])[1]) {
        nd_set_last_error(ND_ERR_VALUE, "linear: weight must be (out_features, in_features) "
                          "with in_features the last dimension of the input");
        return NULL;
    }
    if (n == 3 && (nd_ndim(x[2]) != 1 || nd_shape(x[2])[0] != nd_shape(x[1])[0])) {
        nd_set_last_error(ND_ERR_VALUE, "linear: bias must be (out_features,)");
        return NULL;
    }
    nd_array *wt = nd_transpose(x[1], NULL);
    nd_array *y = wt ? nd_matmul(x[0], wt) : NULL;
    nd_free(wt);
    if (y && n == 3 && nd_add_out(y, x[2], y) < 0) {
        nd_free(y);
        return NULL;
    }
    return y;
}

/* a viewed as (rows, last dimension). */
static nd_array *as_rows(const nd_array *a)
{
    int64_t last = nd_shape(a)[nd_ndim(a) - 1];
    int64_t rows = last ? nd_size(a) / last : 0;
    return nd_reshape(a, 2, (const int64_t[]){rows, last});
}

static int linear_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *x = ag_ctx_input(ctx, 0), *w = ag_ctx_input(ctx, 1);
    nd_array *t[3] = {as_rows(dy), NULL, NULL};
    if (!t[0])
        return nd_last_status();
    if (ag_ctx_needs_grad(ctx, 0) && !(dx[0] = nd_matmul(dy, w)))
        return ag_free_arrays(nd_last_status(), 3, t);
    if (ag_ctx_needs_grad(ctx, 1)) {
        t[1] = nd_transpose(t[0], NULL);         /* (out, rows), a view */
        t[2] = as_rows(x);                       /* (rows, in) */
        if (!t[1] || !t[2] || !(dx[1] = nd_matmul(t[1], t[2])))
            return ag_free_arrays(nd_last_status(), 3, t);
    }
    if (ag_ctx_num_inputs(ctx) == 3 && ag_ctx_needs_grad(ctx, 2) &&
        !(dx[2] = nd_sum(t[0], 1, (const int[]){0}, false)))
        return ag_free_arrays(nd_last_status(), 3, t);
    return ag_free_arrays(0, 3, t);
}

static const ag_op linear_op = {"linear", linear_forward, linear_backward};

ag_tensor *ag_linear(ag_tensor *x, ag_tensor *weight, ag_tensor *bias)
{
    return ag_apply(&linear_op, bias ? 3 : 2, (ag_tensor *[]){x, weight, bias}, NULL, 0);
}
