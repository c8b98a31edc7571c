/*
 * Scaled dot-product attention, fused and composed.
 *
 *   S = q k^T / sqrt(D)          (..., Tq, Tk)
 *   P = softmax(S + mask)        over the keys; masked scores are -inf
 *   out = P v                    (..., Tq, Dv)
 *
 * Backward, with dO = dL/dout and s = 1/sqrt(D):
 *   dV = P^T dO,  dP = dO V^T,  dS = s P * (dP - rowsum(dP * P)),
 *   dQ = dS K,    dK = dS^T Q.
 * The products are batched nd_matmul calls on transposed views (BLAS reads
 * them as CblasTrans, no copy); the fused forward saves P.
 *
 * Masks: causal lets query i see key j only if j <= i + (Tk - Tq) (the
 * queries are the last Tq positions); the padding mask (B, Tk), true =
 * masked, hides keys of batch row b from every query.
 *
 * Mixed precision (q, k, v all bfloat16): the products run as matmul.c's
 * bf16 products do, bf16 operands summed in float32, and everything else in
 * float32. S is a float32 sum; the softmax is float32; P is rounded to bf16
 * once as the operand of P v, whose float32 sum is the output (the
 * softmax kernel writes both). The backward rounds dO to bf16 for its two
 * products; dP comes out rounded to bf16 (the gradient of the bf16 operand
 * P, as the composed path's cast gives it), the softmax backward runs in
 * float32 on it, and dS is rounded to bf16 for dQ and dK (one kernel
 * reads dP and writes dS, both bf16). dQ, dK, dV are bf16, each rounded once from its
 * float32 sum. So the fused op and the composed twin (matmul, softmax,
 * then a cast of P) round at the same points.
 *
 * Two fused ops share those two halves (attention_products, then
 * attention_gradients): ag_attention on q, k, v as given, and
 * ag_attention_packed, multi-head, on the (B, T, 3C) projection, whose
 * heads are views of its input (or bf16 copies) and whose output and
 * input gradient are joined in place of the ops that would split them.
 */
#include "layers.h"
#include "vmath.h" /* libnd/src/vmath.h: nd_vexpf, the exp of libnd's float32 loops */

typedef struct attention_params {
    bool causal;
    const nd_array *padding_mask; /* (B, Tk) bool, or NULL; read by the forward only */
} attention_params;

/* ---- the kernels, once per element type (attention_kernels.inc) ---- */

#define T float
#define exp_T nd_vexpf
#define vexp_T vexp_float
#define softmax_mask_T softmax_mask_float
#define softmax_exp_T softmax_exp_float
#define softmax_scale_T softmax_scale_float
#define masked_softmax_T masked_softmax_float
#include "attention_kernels.inc"

#define T double
#define exp_T exp
#define vexp_T vexp_double
#define softmax_mask_T softmax_mask_double
#define softmax_exp_T softmax_exp_double
#define softmax_scale_T softmax_scale_double
#define masked_softmax_T masked_softmax_double
#include "attention_kernels.inc"

/* softmax's backward in mixed precision, per row of (rows, n): dS16 =
 * bf16(scale P (dP - rowsum(dP P))) with dP16 bf16 and P float32; dS16 may
 * be dP16. Each row is widened into scratch (n floats) and goes through
 * the float32 kernel's row (softmax_backward_row_float), which rounds each
 * element once as it stores it, so dS16 holds the bits of widening dP,
 * softmax_backward_rows_float and rounding dS, as the casts gave. */
ND_VECTORIZE static void softmax_backward_rows_bf16(uint16_t *dS16, const uint16_t *dP16,
                                                    const float *P, int64_t rows, int64_t n,
                                                    float scale, float *scratch)
{
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t i = 0; i < n; i++)
            scratch[i] = nd_bf16_widen(dP16[r * n + i]);
        softmax_backward_row_float(NULL, dS16 + r * n, scratch, P + r * n, n, scale);
    }
}

/* The masked softmax over rows of S, in pieces of rows on libnd's pool. */
typedef struct softmax_task {
    void *S;
    uint16_t *P16; /* or NULL */
    nd_dtype dt;
    int64_t Tq, Tk;
    double scale;
    bool causal;
    const bool *pad;
    int64_t B, per_batch;
} softmax_task;

static void softmax_piece(void *ctx, int64_t begin, int64_t end)
{
    const softmax_task *t = ctx;
    if (t->dt == ND_FLOAT32)
        masked_softmax_float(t->S, t->P16, begin, end, t->Tq, t->Tk, (float)t->scale, t->causal,
                             t->pad, t->B, t->per_batch);
    else
        masked_softmax_double(t->S, t->P16, begin, end, t->Tq, t->Tk, t->scale, t->causal, t->pad,
                              t->B, t->per_batch);
}

static int64_t dim_from_end(const nd_array *a, int k) { return nd_shape(a)[nd_ndim(a) - k]; }

static bool is_bf16(const nd_array *a) { return nd_dtype_of(a) == ND_BFLOAT16; }

/* a @ b: for bf16 operands the float32 sums (nd_matmul would round them to
 * bf16), else nd_matmul. */
static nd_array *float_product(const nd_array *a, const nd_array *b)
{
    return is_bf16(a) ? nd_matmul_dtype(a, b, ND_FLOAT32) : nd_matmul(a, b);
}

/* a @ b as a new array, or written into `into` (a view of the product's
 * shape and dtype: nd_matmul_out) and returned as a view of it. */
static nd_array *product_into(const nd_array *a, const nd_array *b, nd_array *into)
{
    if (!into)
        return nd_matmul(a, b);
    return nd_matmul_out(a, b, into) == 0 ? nd_view(into) : NULL;
}

/* ---- the fused op ------------------------------------------------------------------------ */

/* q (..., Tq, D), k (..., Tk, D), v (..., Tk, Dv) -> out (..., Tq, Dv); saves P (..., Tq, Tk)
 * and, in mixed precision, its bf16 copy: the op's next one or two saved arrays. With
 * `into` (a view of out's shape in the dtype of P v's own result, bf16 for bf16 operands)
 * P v is written there (nd_matmul_out) and a view of it returned. */
static nd_array *attention_products(ag_ctx *ctx, const attention_params *p,
                                    const nd_array *const *x, nd_array *into)
{
    nd_array *kt = nd_swapaxes(x[1], -1, -2), *out = NULL;
    nd_array *S = kt ? float_product(x[0], kt) : NULL; /* (..., Tq, Tk), C order */
    nd_array *pad = S && p->padding_mask ? nd_astype(p->padding_mask, ND_BOOL) : NULL;
    /* Mixed precision: P as the bf16 operand, written by the softmax beside
     * the float32 P (the softmax backward's), both saved. */
    nd_array *P16 = S && is_bf16(x[2]) ? nd_empty(ND_BFLOAT16, nd_ndim(S), nd_shape(S)) : NULL;
    if (!S || (p->padding_mask && !pad) || (is_bf16(x[2]) && !P16))
        goto done;
    int64_t Tq = dim_from_end(S, 2), Tk = dim_from_end(S, 1), rows = layer_rows(S, Tk);
    int64_t B = pad ? nd_shape(pad)[0] : 1, lead = nd_ndim(S) > 2 ? nd_shape(S)[0] : 1;
    if (pad && B != 1 && B != lead) {
        nd_set_last_error(ND_ERR_VALUE,
                          "attention: expected a padding mask of shape (%lld, %lld), "
                          "got (%lld, %lld)",
                          (long long)lead, (long long)Tk, (long long)B, (long long)nd_shape(pad)[1]);
        goto done;
    }
    double scale = 1 / sqrt((double)dim_from_end(x[0], 1));
    int64_t per_batch = lead > 0 ? rows / lead : 1;
    softmax_task task = {.S = nd_data(S),
                         .P16 = P16 ? nd_data(P16) : NULL,
                         .dt = nd_dtype_of(S),
                         .Tq = Tq,
                         .Tk = Tk,
                         .scale = scale,
                         .causal = p->causal,
                         .pad = pad ? nd_data(pad) : NULL,
                         .B = B,
                         .per_batch = per_batch};
    /* pieces of 2^15 scores or more, as libnd's elementwise loops split */
    nd_parallel_for(rows, ((int64_t)1 << 15) / (Tk > 0 ? Tk : 1) + 1, softmax_piece, &task);
    if (ag_ctx_save(ctx, S) >= 0 && (!P16 || ag_ctx_save(ctx, P16) >= 0))
        out = into ? product_into(P16 ? P16 : S, x[2], into) : float_product(P16 ? P16 : S, x[2]);
done:
    nd_free(kt);
    nd_free(S);
    nd_free(P16);
    nd_free(pad);
    return out;
}

/* dx[i] = dL/d x[i] (q, k, v) for each i with needs[i], from dO; P is the
 * op's saved array `first_saved` (attention_products saved it). With
 * `into` (NULL, or three views of the gradients' shapes in the products'
 * own dtype: bf16 for bf16 operands) each product is written there and
 * dx[i] is a view of it. */
static int attention_gradients(ag_ctx *ctx, int first_saved, const nd_array *const *x,
                               const bool *needs, const nd_array *dO, nd_array **dx,
                               nd_array *const *into)
{
    const nd_array *q = x[0], *k = x[1], *v = x[2];
    const bool mixed = is_bf16(v);
    const nd_array *P = ag_ctx_saved(ctx, first_saved);
    const nd_array *P_operand = mixed ? ag_ctx_saved(ctx, first_saved + 1) : P;
    /* The products' operands: dO and dS rounded to bf16 in mixed precision
     * (dO already is where the output is bf16: the packed op on a bf16 qkv). */
    nd_array *g = mixed && !is_bf16(dO) ? nd_astype(dO, ND_BFLOAT16) : nd_view(dO);
    nd_array *Pt = NULL, *Vt = NULL, *dP = NULL, *row = NULL, *dSt = NULL;
    int status = 0;
    if (!g)
        goto fail;
    if (needs[2]) { /* dV = P^T dO */
        Pt = nd_swapaxes(P_operand, -1, -2);
        if (!Pt || !(dx[2] = product_into(Pt, g, into ? into[2] : NULL)))
            goto fail;
    }
    if (!needs[0] && !needs[1])
        goto done;
    /* dP = dO V^T (bf16 in mixed precision); dS = s P (dP - rowsum(dP P)),
     * in place in dP (C order from matmul). In mixed precision the kernel
     * widens each row of dP, runs the float32 row kernel and rounds dS to
     * bf16 as it writes it: the values of a cast to float32, the float32
     * kernel and a cast back, without those two passes over dP. */
    Vt = nd_swapaxes(v, -1, -2);
    dP = Vt ? nd_matmul(g, Vt) : NULL;
    int64_t Tk = dim_from_end(P, 1), rows = layer_rows(P, Tk);
    row = dP && mixed ? nd_empty(ND_FLOAT32, 1, &Tk) : NULL;
    if (!dP || (mixed && !row))
        goto fail;
    double scale = 1 / sqrt((double)dim_from_end(q, 1));
    if (mixed)
        softmax_backward_rows_bf16(nd_data(dP), nd_data(dP), nd_data(P), rows, Tk, (float)scale,
                                   nd_data(row));
    else if (nd_dtype_of(P) == ND_FLOAT32)
        softmax_backward_rows_float(nd_data(dP), nd_data(dP), nd_data(P), rows, Tk, (float)scale);
    else
        softmax_backward_rows_double(nd_data(dP), nd_data(dP), nd_data(P), rows, Tk, scale);
    const nd_array *dS = dP;
    if (needs[0] && !(dx[0] = product_into(dS, k, into ? into[0] : NULL))) /* dQ = dS K */
        goto fail;
    if (needs[1]) { /* dK = dS^T Q */
        dSt = nd_swapaxes(dS, -1, -2);
        if (!dSt || !(dx[1] = product_into(dSt, q, into ? into[1] : NULL)))
            goto fail;
    }
    goto done;
fail:
    status = nd_last_status();
done:
    nd_free(g);
    nd_free(Pt);
    nd_free(Vt);
    nd_free(dP);
    nd_free(row);
    nd_free(dSt);
    return status;
}

static nd_array *attention_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    return attention_products(ctx, ag_ctx_params(ctx), x, NULL);
}

static int attention_backward(ag_ctx *ctx, const nd_array *dO, nd_array **dx)
{
    const nd_array *x[3] = {ag_ctx_input(ctx, 0), ag_ctx_input(ctx, 1), ag_ctx_input(ctx, 2)};
    const bool needs[3] = {ag_ctx_needs_grad(ctx, 0), ag_ctx_needs_grad(ctx, 1),
                           ag_ctx_needs_grad(ctx, 2)};
    return attention_gradients(ctx, 0, x, needs, dO, dx, NULL);
}

static const ag_op attention_op = {"attention", attention_forward, attention_backward};

/* ---- the fused op on a packed projection ----------------------------------------------- */

/* qkv (B, T, 3C) -> (B, T, C): the heads are split, attended and joined by
 * views, not by ops of their own: the products read q, k, v in place and
 * write the output and each third of dL/dqkv in place (a copy each way
 * only where the operands are bf16 copies of a float32 qkv). The split
 * (slice, reshape, transpose, cast: four ops per q, k, v on the composed
 * path) costs, on the way back, a zero-filled (B, T, 3C) gradient per
 * slice and two adds to join them, a widening pass per cast and a copy
 * per reshape. */
typedef struct packed_params {
    attention_params attention;
    int64_t heads;
    nd_dtype operand; /* q, k, v's dtype in the products: qkv's, or bfloat16 */
} packed_params;

/* Third `which` (0 q, 1 k, 2 v) of qkv (B, T, 3C) as (B, H, T, D), a view. */
static nd_array *head_view(const nd_array *qkv, int which, int64_t H)
{
    const int64_t B = nd_shape(qkv)[0], T = nd_shape(qkv)[1], C = nd_shape(qkv)[2] / 3;
    nd_array *third = nd_slice(qkv, 2, which * C, (which + 1) * C, 1);
    nd_array *split = third ? nd_reshape(third, 4, (const int64_t[]){B, T, H, C / H}) : NULL;
    nd_array *heads = split ? nd_transpose(split, (const int[]){0, 2, 1, 3}) : NULL;
    nd_free(third);
    nd_free(split);
    return heads;
}

/* Saves q, k, v (B, H, T, D) in the operand dtype (0, 1, 2), then P. In
 * qkv's own dtype they are views of it (the products read them strided,
 * nothing is held twice); rounded to bf16 they are C-order copies. The
 * output is qkv's dtype (float32 for a float32 qkv with bf16 operands):
 * where that is P v's own result, P v writes each head's columns of the
 * (B, T, C) output in place; else the float32 sums are joined by a copy. */
static nd_array *attention_packed_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const packed_params *p = ag_ctx_params(ctx);
    const int64_t B = nd_shape(x[0])[0], T = nd_shape(x[0])[1], C = nd_shape(x[0])[2] / 3;
    const bool in_place = p->operand == nd_dtype_of(x[0]);
    nd_array *heads[3] = {0}, *out = NULL, *joined = NULL, *into = NULL, *y = NULL;
    for (int i = 0; i < 3; i++) {
        nd_array *view = head_view(x[0], i, p->heads);
        heads[i] = !view || in_place ? view : nd_astype(view, p->operand);
        if (heads[i] != view)
            nd_free(view);
        if (!heads[i] || ag_ctx_save(ctx, heads[i]) < 0)
            goto done;
    }
    if (in_place) { /* (B, T, C) seen as (B, T, H, D), then as (B, H, T, D) */
        joined = nd_empty(p->operand, 3, (const int64_t[]){B, T, C});
        nd_array *split =
            joined ? nd_reshape(joined, 4, (const int64_t[]){B, T, p->heads, C / p->heads}) : NULL;
        into = split ? nd_transpose(split, (const int[]){0, 2, 1, 3}) : NULL;
        nd_free(split);
        out = into ? attention_products(ctx, &p->attention, (const nd_array *const *)heads, into)
                   : NULL;
        y = out ? nd_view(joined) : NULL;
        goto done;
    }
    out = attention_products(ctx, &p->attention, (const nd_array *const *)heads, NULL);
    /* (B, H, T, D) -> (B, T, H, D), one copy -> (B, T, C) */
    nd_array *t = out ? nd_transpose(out, (const int[]){0, 2, 1, 3}) : NULL;
    joined = t ? nd_ascontiguousarray(t) : NULL;
    nd_free(t);
    y = joined ? nd_reshape(joined, 3, (const int64_t[]){B, T, C}) : NULL;
done:
    for (int i = 0; i < 3; i++)
        nd_free(heads[i]);
    nd_free(out);
    nd_free(into);
    nd_free(joined);
    return y;
}

static int attention_packed_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const packed_params *p = ag_ctx_params(ctx);
    const nd_array *qkv = ag_ctx_input(ctx, 0);
    const nd_array *heads[3] = {ag_ctx_saved(ctx, 0), ag_ctx_saved(ctx, 1), ag_ctx_saved(ctx, 2)};
    const int64_t B = nd_shape(qkv)[0], T = nd_shape(qkv)[1], C = nd_shape(qkv)[2] / 3;
    const int64_t H = p->heads;
    /* Each third of dL/dqkv written once, no zero fill, no adds: by its
     * product itself where that is qkv's dtype (the thirds' head-major
     * views), else (a float32 qkv with bf16 operands) widened from the
     * bf16 gradient by a copy. */
    const bool in_place = p->operand == nd_dtype_of(qkv);
    nd_array *grads[3] = {0}, *thirds[3] = {0}, *dO = NULL;
    nd_array *dqkv = nd_empty(nd_dtype_of(qkv), 3, nd_shape(qkv));
    int status = dqkv ? 0 : nd_last_status();
    for (int i = 0; i < 3 && status == 0; i++)
        if (!(thirds[i] = head_view(dqkv, i, H)))
            status = nd_last_status();
    /* dL/dout as (B, H, T, D): views of dL/dy */
    nd_array *split = status == 0 ? nd_reshape(dy, 4, (const int64_t[]){B, T, H, C / H}) : NULL;
    dO = split ? nd_transpose(split, (const int[]){0, 2, 1, 3}) : NULL;
    nd_free(split);
    if (status == 0)
        status = dO ? attention_gradients(ctx, 3, heads, (const bool[]){true, true, true}, dO,
                                          grads, in_place ? thirds : NULL)
                    : nd_last_status();
    for (int i = 0; i < 3 && status == 0 && !in_place; i++)
        status = nd_copyto(thirds[i], grads[i], ND_CAST_SAME_KIND);
    for (int i = 0; i < 3; i++) {
        nd_free(grads[i]);
        nd_free(thirds[i]);
    }
    nd_free(dO);
    if (status == 0)
        dx[0] = dqkv;
    else
        nd_free(dqkv);
    return status;
}

static const ag_op attention_packed_op = {"attention_packed", attention_packed_forward,
                                          attention_packed_backward};

/* ---- checks and the public functions -------------------------------------------------------- */

static int check_attention(ag_tensor *q, ag_tensor *k, ag_tensor *v, const nd_array *mask)
{
    const nd_array *x[3] = {ag_value(q), ag_value(k), ag_value(v)};
    for (int i = 0; i < 3; i++) {
        /* bfloat16 is mixed precision, all three or none (the dtype check below) */
        if (!is_bf16(x[i]) && layer_check_float(x[i], "attention") < 0)
            return nd_last_status();
        if (nd_ndim(x[i]) < 2)
            return nd_set_last_error(ND_ERR_VALUE,
                                     "attention: expected q, k, v of at least 2 "
                                     "dimensions (..., T, D), got a %d-d tensor",
                                     nd_ndim(x[i]));
    }
    if (layer_check_same_dtype(x[0], 2, x + 1) < 0)
        return nd_last_status();
    if (dim_from_end(x[0], 1) != dim_from_end(x[1], 1))
        return nd_set_last_error(ND_ERR_VALUE,
                                 "attention: q and k must have the same last "
                                 "dimension, got %lld and %lld",
                                 (long long)dim_from_end(x[0], 1), (long long)dim_from_end(x[1], 1));
    if (dim_from_end(x[1], 2) != dim_from_end(x[2], 2))
        return nd_set_last_error(ND_ERR_VALUE,
                                 "attention: k and v must have the same number of "
                                 "keys, got %lld and %lld",
                                 (long long)dim_from_end(x[1], 2), (long long)dim_from_end(x[2], 2));
    if (mask && (nd_dtype_of(mask) != ND_BOOL || nd_ndim(mask) != 2 ||
                 nd_shape(mask)[1] != dim_from_end(x[1], 2)))
        return nd_set_last_error(ND_ERR_VALUE,
                                 "attention: expected a bool padding mask of shape "
                                 "(B, %lld)",
                                 (long long)dim_from_end(x[1], 2));
    return 0;
}

ag_tensor *ag_attention(ag_tensor *q, ag_tensor *k, ag_tensor *v, bool causal,
                        const nd_array *padding_mask)
{
    if (q && k && v && check_attention(q, k, v, padding_mask) < 0)
        return NULL;
    attention_params p = {causal, padding_mask};
    return ag_apply(&attention_op, 3, (ag_tensor *[]){q, k, v}, &p, sizeof p);
}

ag_tensor *ag_attention_packed(ag_tensor *qkv, int64_t n_head, bool causal,
                               const nd_array *padding_mask, nd_dtype operand_dtype)
{
    AG_REQUIRE(qkv, NULL);
    const nd_array *x = ag_value(qkv);
    /* bf16 qkv (a Linear stored as bf16): the operands themselves, views */
    if ((!is_bf16(x) || operand_dtype != ND_BFLOAT16) && layer_check_float(x, "attention_packed") < 0)
        return NULL;
    if (nd_ndim(x) != 3 || nd_shape(x)[2] % 3 != 0) {
        nd_set_last_error(ND_ERR_VALUE,
                          "attention_packed: expected qkv of shape (B, T, 3C), got a %d-d tensor "
                          "with last dimension %lld",
                          nd_ndim(x), nd_ndim(x) > 0 ? (long long)nd_shape(x)[nd_ndim(x) - 1] : 0LL);
        return NULL;
    }
    const int64_t B = nd_shape(x)[0], T = nd_shape(x)[1], C = nd_shape(x)[2] / 3;
    if (n_head < 1 || C % n_head != 0) {
        nd_set_last_error(ND_ERR_VALUE,
                          "attention_packed: embed_dim %lld must be divisible by num_heads %lld",
                          (long long)C, (long long)n_head);
        return NULL;
    }
    if (operand_dtype != nd_dtype_of(x) && operand_dtype != ND_BFLOAT16) {
        nd_set_last_error(ND_ERR_TYPE,
                          "attention_packed: the operand dtype must be qkv's (%s) or bfloat16, "
                          "got %s",
                          nd_dtype_name(nd_dtype_of(x)), nd_dtype_name(operand_dtype));
        return NULL;
    }
    if (padding_mask && (nd_dtype_of(padding_mask) != ND_BOOL || nd_ndim(padding_mask) != 2 ||
                         (nd_shape(padding_mask)[0] != B && nd_shape(padding_mask)[0] != 1) ||
                         nd_shape(padding_mask)[1] != T)) {
        nd_set_last_error(ND_ERR_VALUE,
                          "attention: expected a bool padding mask of shape (%lld, %lld)",
                          (long long)B, (long long)T);
        return NULL;
    }
    packed_params p = {{causal, padding_mask}, n_head, operand_dtype};
    return ag_apply(&attention_packed_op, 1, &qkv, &p, sizeof p);
}

/* ---- the composed twin ------------------------------------------------------------------------ */

/* k^T over the last two axes, a view; the gradient is swapped back. */
static nd_array *swap_last_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_swapaxes(x[0], -1, -2);
}

static int swap_last_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    (void)ctx;
    return (dx[0] = nd_swapaxes(dy, -1, -2)) ? 0 : nd_last_status();
}

static const ag_op swap_last_op = {"swap_last_axes", swap_last_forward, swap_last_backward};

/* The masked positions as a bool array (B or 1, 1, ..., 1, Tq, Tk) of ndim
 * axes: causal (j > i + Tk - Tq) or padded (pad[b, j]); NULL with no error
 * when nothing is masked. */
static nd_array *mask_array(int ndim, int64_t Tq, int64_t Tk, bool causal, const nd_array *padding,
                            int *status)
{
    *status = 0;
    if (!causal && !padding)
        return NULL;
    nd_array *pad = padding ? nd_astype(padding, ND_BOOL) : NULL;
    int64_t B = pad ? nd_shape(pad)[0] : 1;
    nd_array *m = !padding || pad ? nd_zeros(ND_BOOL, 3, (const int64_t[]){B, Tq, Tk}) : NULL;
    if (!m) {
        nd_free(pad);
        *status = nd_last_status();
        return NULL;
    }
    bool *mv = nd_data(m);
    const bool *pv = pad ? nd_data(pad) : NULL;
    for (int64_t b = 0; b < B; b++)
        for (int64_t i = 0; i < Tq; i++)
            for (int64_t j = 0; j < Tk; j++)
                mv[(b * Tq + i) * Tk + j] = (causal && j > i + (Tk - Tq)) || (pv && pv[b * Tk + j]);
    int64_t shape[ND_MAXDIMS];
    for (int d = 0; d < ndim; d++)
        shape[d] = 1;
    shape[0] = ndim > 2 ? B : 1;
    shape[ndim - 2] = Tq;
    shape[ndim - 1] = Tk;
    nd_array *r = ndim > 2 || B == 1 ? nd_reshape(m, ndim, shape) : NULL;
    if (!r)
        *status = ndim > 2 || B == 1 ? nd_last_status()
                                     : nd_set_last_error(ND_ERR_VALUE,
                                                         "attention: a padding mask of batch %lld "
                                                         "needs q with a batch axis",
                                                         (long long)B);
    nd_free(pad);
    nd_free(m);
    return r;
}

/* softmax(masked_fill(q k^T / sqrt(D), mask, -inf)) v */
ag_tensor *ag_attention_composed(ag_tensor *q, ag_tensor *k, ag_tensor *v, bool causal,
                                 const nd_array *padding_mask)
{
    AG_REQUIRE(q, NULL);
    AG_REQUIRE(k, NULL);
    AG_REQUIRE(v, NULL);
    if (check_attention(q, k, v, padding_mask) < 0)
        return NULL;
    const nd_array *qv = ag_value(q), *kv = ag_value(k);
    int ndim = nd_ndim(qv) > nd_ndim(kv) ? nd_ndim(qv) : nd_ndim(kv), status;
    nd_array *mask =
        mask_array(ndim, dim_from_end(qv, 2), dim_from_end(kv, 2), causal, padding_mask, &status);
    if (status < 0)
        return NULL;
    ag_tensor *kt = ag_apply(&swap_last_op, 1, (ag_tensor *[]){k}, NULL, 0);
    ag_tensor *scores = ag_mul_scalar(ag_matmul(q, kt), 1 / sqrt((double)dim_from_end(qv, 1)));
    if (mask)
        scores = ag_masked_fill(scores, mask, -INFINITY);
    nd_free(mask);
    ag_tensor *P = ag_softmax_composed(scores, -1);
    if (is_bf16(ag_value(v))) /* mixed precision: P is a bf16 operand */
        P = ag_to_dtype(P, ND_BFLOAT16);
    return ag_matmul(P, v);
}
