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
 *
 * Mixed precision (both operands bfloat16, autograd.h has the contract):
 * the forward is nd_matmul_dtype(a, b, float32), bf16 products summed and
 * kept in float32; the backward rounds dL/dy to bf16 once (the gemms'
 * operand, as under torch's autocast) and sums in float32 again. Each
 * gradient is rounded to bf16 exactly once, after every float32 sum: in
 * the gemm when it already has the operand's shape, else by the tape after
 * it summed the broadcast batch axes in float32 (the product is returned
 * in float32 for that).
 */
#include "layers.h" /* layer_check_float_dtype */
#include "bf16.h" /* libnd/src/bf16.h: nd_bf16_round, nd_bf16_widen */
#include "vectorize.h" /* libnd/src/vectorize.h: ND_VECTORIZE */

#include <string.h>

/* Both operands bfloat16: the product runs in mixed precision. */
static bool mixed_precision(const nd_array *a, const nd_array *b)
{
    return nd_dtype_of(a) == ND_BFLOAT16 && nd_dtype_of(b) == ND_BFLOAT16;
}

/* The gemm operand made of dL/dy for the backward of a product of a and b:
 * dL/dy rounded to bf16 (nearest even) in mixed precision, else dL/dy
 * itself (a view). */
static nd_array *grad_operand(const nd_array *a, const nd_array *b, const nd_array *dy)
{
    return mixed_precision(a, b) ? nd_astype(dy, ND_BFLOAT16) : nd_view(dy);
}

static nd_array *matmul_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    if (mixed_precision(x[0], x[1]))
        return nd_matmul_dtype(x[0], x[1], ND_FLOAT32);
    return nd_matmul(x[0], x[1]);
}

/* True if a gradient of x (a matrix or a batch of them, as matmul saw it)
 * computed with g's batch axes must be summed down by the tape: x has
 * fewer batch axes, or a size-1 batch axis that g broadcast. */
static bool batch_reduced(const nd_array *x, const nd_array *g)
{
    if (nd_ndim(x) != nd_ndim(g))
        return true;
    for (int d = 0; d < nd_ndim(x) - 2; d++)
        if (nd_shape(x)[d] != nd_shape(g)[d])
            return true;
    return false;
}

/* l @ r, one of them the bf16-rounded dL/dy g, for the gradient of the
 * operand x: in mixed precision a bf16 result rounded once by the gemm, or
 * a float32 one when the tape still has batch axes of x to sum (it rounds
 * to x's dtype after summing). Else nd_matmul. */
static nd_array *grad_product(const nd_array *l, const nd_array *r, const nd_array *g,
                              const nd_array *x)
{
    if (nd_dtype_of(g) == ND_BFLOAT16 && batch_reduced(x, g))
        return nd_matmul_dtype(l, r, ND_FLOAT32);
    return nd_matmul(l, r);
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
    nd_array *a = as_matrix(a0, true), *b = as_matrix(b0, false);
    nd_array *dy_op = grad_operand(a0, b0, dy); /* dL/dy as the gemms take it */
    nd_array *g = NULL, *bt = NULL, *at = NULL;
    int status = 0;
    if (!a || !b || !dy_op)
        goto fail;
    /* dL/dy with the axes a 1-D operand removed put back as size 1:
     * (..., n) -> (..., 1, n) for a 1-D a, (..., m) -> (..., m, 1) for a
     * 1-D b. */
    int64_t shape[ND_MAXDIMS];
    int k = nd_ndim(dy);
    memcpy(shape, nd_shape(dy), (size_t)k * sizeof(int64_t));
    if (nd_ndim(a0) == 1) {
        int pos = nd_ndim(b0) == 1 ? k : k - 1;
        memmove(shape + pos + 1, shape + pos, (size_t)(k - pos) * sizeof(int64_t));
        shape[pos] = 1;
        k++;
    }
    if (nd_ndim(b0) == 1)
        shape[k++] = 1;
    g = nd_reshape(dy_op, k, shape);
    if (!g)
        goto fail;
    if (ag_ctx_needs_grad(ctx, 0)) { /* dL/da = g b^T */
        bt = nd_swapaxes(b, -1, -2);
        nd_array *ga = bt ? grad_product(g, bt, g, a) : NULL;
        dx[0] = ga && nd_ndim(a0) == 1 ? nd_squeeze(ga, 1, (const int[]){-2}) : ga;
        if (dx[0] != ga)
            nd_free(ga);
        if (!dx[0])
            goto fail;
    }
    if (ag_ctx_needs_grad(ctx, 1)) { /* dL/db = a^T g */
        at = nd_swapaxes(a, -1, -2);
        nd_array *gb = at ? grad_product(at, g, g, b) : NULL;
        dx[1] = gb && nd_ndim(b0) == 1 ? nd_squeeze(gb, 1, (const int[]){-1}) : gb;
        if (dx[1] != gb)
            nd_free(gb);
        if (!dx[1])
            goto fail;
    }
    goto done;
fail:
    status = nd_last_status();
done:
    nd_free(a);
    nd_free(b);
    nd_free(dy_op);
    nd_free(g);
    nd_free(bt);
    nd_free(at);
    return status;
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
 *
 * Mixed precision (x and W bfloat16, the bias float32): y = x @ W^T summed
 * and kept in float32, plus b; the two gemms of the backward take dL/dy
 * rounded to bf16 and write dL/dx, dL/dW in bf16, rounded once from their
 * float32 sums; dL/db sums the float32 dL/dy (the bias is not a gemm
 * operand, so it is not rounded). ag_linear_to (below) stores y as bf16
 * instead; dL/dy then arrives in bf16 and is the gemms' operand as it is.
 */

/* 0 if x (..., in), W (out, in) and, when n is 3, b (out,) fit, else the
 * error: the checks of both forwards, ag_linear's and ag_linear_to's. */
static int linear_check_shapes(int n, const nd_array *const *x)
{
    if (nd_ndim(x[1]) != 2 || nd_ndim(x[0]) < 1 ||
        nd_shape(x[0])[nd_ndim(x[0]) - 1] != nd_shape(x[1])[1])
        return nd_set_last_error(ND_ERR_VALUE, "linear: weight must be (out_features, in_features) "
                                               "with in_features the last dimension of the input");
    if (n == 3 && (nd_ndim(x[2]) != 1 || nd_shape(x[2])[0] != nd_shape(x[1])[0]))
        return nd_set_last_error(ND_ERR_VALUE, "linear: bias must be (out_features,)");
    return 0;
}

static nd_array *linear_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx;
    if (linear_check_shapes(n, x) < 0)
        return NULL;
    nd_array *wt = nd_transpose(x[1], NULL), *y = NULL;
    if (wt && mixed_precision(x[0], x[1])) /* the bf16 kernel adds the bias as it stores */
        y = n == 3 ? nd_matmul_bias(x[0], wt, x[2], ND_FLOAT32)
                   : nd_matmul_dtype(x[0], wt, ND_FLOAT32);
    else if (wt && (y = nd_matmul(x[0], wt)) && n == 3 && nd_add_out(y, x[2], y) < 0) {
        nd_free(y);
        y = NULL;
    }
    nd_free(wt);
    return y;
}

/* ---- dL/dy's two uses in mixed precision, one pass -------------------------------------- */

/* In mixed precision the backward reads dL/dy (rows, out) twice: rounded
 * to bf16 as the gemms' operand, and summed over the rows for dL/db. One
 * pass does both: per row, g = round(dy) and db += dy, the columns added
 * row after row (((db + dy0) + dy1) + ...), the order of nd_sum's column
 * sums over the leading axes, so dL/db has the bits nd_sum gives it (from
 * 4 rows and 16 columns up, where nd_sum takes that path). Threads share
 * out the columns: every thread count gives one thread's bits. A bf16
 * dL/dy (ag_linear_to's) is the operand itself and is only summed,
 * widened as it is read: the same bits as the float32 dL/dy of
 * ag_to_dtype(ag_linear(...), bf16), whose values it holds. */
typedef struct round_and_sum_task {
    const float *dy; /* float32 dL/dy, or NULL */
    const uint16_t *dy16; /* or bf16 */
    uint16_t *g; /* float32 dy rounded */
    float *db; /* NULL: no bias */
    int64_t rows, out;
} round_and_sum_task;

ND_VECTORIZE static void round_and_sum_columns(const round_and_sum_task *t, int64_t begin,
                                               int64_t end)
{
    const int64_t n = t->out;
    for (int64_t r = 0; r < t->rows; r++) {
        const float *dy = t->dy + r * n;
        uint16_t *g = t->g + r * n;
        for (int64_t k = begin; k < end; k++)
            g[k] = nd_bf16_round(dy[k]);
        if (t->db)
            for (int64_t k = begin; k < end; k++)
                t->db[k] += dy[k];
    }
}

ND_VECTORIZE static void sum_bf16_columns(const round_and_sum_task *t, int64_t begin, int64_t end)
{
    const int64_t n = t->out;
    for (int64_t r = 0; r < t->rows; r++) {
        const uint16_t *dy = t->dy16 + r * n;
        for (int64_t k = begin; k < end; k++)
            t->db[k] += nd_bf16_widen(dy[k]);
    }
}

static void round_and_sum_piece(void *ctx, int64_t begin, int64_t end)
{
    const round_and_sum_task *t = ctx;
    if (t->dy16)
        sum_bf16_columns(t, begin, end);
    else
        round_and_sum_columns(t, begin, end);
}

/* dy float32 or bf16, C order (..., out): *g = dy rounded to bf16 (dy's
 * shape; a bf16 dy: a view of it), *db = its column sums (out,) when db
 * is not NULL. 1 when done, 0 when dy is not such an array (the caller
 * takes the general path), < 0 on failure. */
static int round_and_sum(const nd_array *dy, nd_array **g, nd_array **db)
{
    const bool bf16 = nd_dtype_of(dy) == ND_BFLOAT16;
    if ((nd_dtype_of(dy) != ND_FLOAT32 && !bf16) || !nd_is_c_contiguous(dy) || nd_ndim(dy) < 1)
        return 0;
    const int64_t out = nd_shape(dy)[nd_ndim(dy) - 1];
    *g = bf16 ? nd_view(dy) : nd_empty(ND_BFLOAT16, nd_ndim(dy), nd_shape(dy));
    if (db)
        *db = nd_zeros(ND_FLOAT32, 1, &out);
    if (!*g || (db && !*db)) {
        nd_free(*g);
        *g = NULL;
        if (db) {
            nd_free(*db);
            *db = NULL;
        }
        return nd_last_status();
    }
    if (bf16 && !db) /* the operand is dy itself: nothing to compute */
        return 1;
    round_and_sum_task task = {bf16 ? NULL : nd_data(dy),   bf16 ? nd_data(dy) : NULL,
                               bf16 ? NULL : nd_data(*g),   db ? nd_data(*db) : NULL,
                               out ? nd_size(dy) / out : 0, out};
    /* columns per piece: about 2^15 elements of dy */
    nd_parallel_for(out, ((int64_t)1 << 15) / (task.rows > 0 ? task.rows : 1) + 16,
                    round_and_sum_piece, &task);
    return 1;
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
    const bool want_db = ag_ctx_num_inputs(ctx) == 3 && ag_ctx_needs_grad(ctx, 2);
    nd_array *g = NULL; /* the gemms' dL/dy */
    nd_array *g_rows = NULL, *g_rows_t = NULL, *x_rows = NULL, *dy_rows = NULL;
    int status = 0, fused = 0;
    if (nd_dtype_of(dy) == ND_BFLOAT16) { /* ag_linear_to's: always the fused pass */
        nd_array *dense = nd_ascontiguousarray(dy);
        fused = dense ? round_and_sum(dense, &g, want_db ? &dx[2] : NULL) : nd_last_status();
        nd_free(dense);
        if (fused < 0)
            return fused;
    } else if (mixed_precision(x, w) && (fused = round_and_sum(dy, &g, want_db ? &dx[2] : NULL)) < 0)
        return fused;
    if (!fused && !(g = grad_operand(x, w, dy)))
        return nd_last_status();
    if (ag_ctx_needs_grad(ctx, 0) && !(dx[0] = nd_matmul(g, w))) /* dL/dx = g W */
        goto fail;
    if (ag_ctx_needs_grad(ctx, 1)) { /* dL/dW = g^T x over all rows: one gemm */
        g_rows = as_rows(g); /* (rows, out) */
        g_rows_t = g_rows ? nd_transpose(g_rows, NULL) : NULL; /* (out, rows), a view */
        x_rows = as_rows(x); /* (rows, in) */
        if (!g_rows_t || !x_rows || !(dx[1] = nd_matmul(g_rows_t, x_rows)))
            goto fail;
    }
    if (want_db && !fused && /* dL/db = sum of rows */
        (!(dy_rows = as_rows(dy)) || !(dx[2] = nd_sum(dy_rows, 1, (const int[]){0}, false))))
        goto fail;
    goto done;
fail:
    status = nd_last_status();
done:
    nd_free(g);
    nd_free(g_rows);
    nd_free(g_rows_t);
    nd_free(x_rows);
    nd_free(dy_rows);
    return status;
}

static const ag_op linear_op = {"linear", linear_forward, linear_backward};

ag_tensor *ag_linear(ag_tensor *x, ag_tensor *weight, ag_tensor *bias)
{
    return ag_apply(&linear_op, bias ? 3 : 2, (ag_tensor *[]){x, weight, bias}, NULL, 0);
}

/* ---- linear stored as bf16 ------------------------------------------------------------------ */

/* x, W bf16 (b float32) -> y bf16: ag_to_dtype(ag_linear(x, W, b), bf16)
 * in one node. The kernel rounds each float32 sum plus its bias once, as
 * it stores it: no float32 y, no cast's pass each way. Used where a
 * Linear's output is only the next products' operand (GPT's c_attn,
 * whose q, k, v the attention rounds to bf16 anyway). dL/dy arrives in
 * bf16 and is the gemms' operand as it is; dL/db is its float32 column
 * sum. The backward is ag_linear's. */
static nd_array *linear_bf16_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx;
    if (linear_check_shapes(n, x) < 0)
        return NULL;
    nd_array *wt = nd_transpose(x[1], NULL);
    nd_array *y = !wt      ? NULL
                  : n == 3 ? nd_matmul_bias(x[0], wt, x[2], ND_BFLOAT16)
                           : nd_matmul_dtype(x[0], wt, ND_BFLOAT16);
    nd_free(wt);
    return y;
}

static const ag_op linear_bf16_op = {"linear_to_bf16", linear_bf16_forward, linear_backward};

ag_tensor *ag_linear_to(ag_tensor *x, ag_tensor *weight, ag_tensor *bias, nd_dtype dtype)
{
    AG_REQUIRE(x, NULL);
    AG_REQUIRE(weight, NULL);
    if (layer_check_float_dtype(dtype, "linear_to") < 0)
        return NULL;
    if (dtype == ND_BFLOAT16 && mixed_precision(ag_value(x), ag_value(weight)) &&
        (!bias || nd_dtype_of(ag_value(bias)) == ND_FLOAT32))
        return ag_apply(&linear_bf16_op, bias ? 3 : 2, (ag_tensor *[]){x, weight, bias}, NULL, 0);
    return ag_to_dtype(ag_linear(x, weight, bias), dtype); /* ag_linear's own dtype: itself */
}
