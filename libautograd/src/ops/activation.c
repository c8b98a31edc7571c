/*
 * Activations: GELU (tanh approximation, as GPT-2; and the exact erf form)
 * and SiLU, fused and composed.
 *
 * The fused ops run over x as one contiguous run of n elements: a plain
 * loop builds the argument of the transcendental function, libnd's
 * vectorized nd_tanh / nd_erf / nd_exp evaluates it over the whole array,
 * and a second loop finishes y. The forward saves that function's value
 * (tanh, erf or sigmoid) so the backward needs no transcendental call but
 * erf's Gaussian. GELU's tanh form in float32, the one GPT-2 runs, is one
 * loop instead: argument, tanh (libnd's nd_vtanhf, the function behind
 * nd_tanh for float32) and y per element, one read of x instead of three
 * passes over memory.
 */
#include "layers.h"
#include "vmath.h" /* libnd/src/vmath.h: nd_vtanhf */

#define GELU_K 0.7978845608028654 /* sqrt(2 / pi) */
#define GELU_C 0.044715
#define SQRT1_2 0.7071067811865476 /* 1 / sqrt(2) */
#define INV_SQRT_2PI 0.3989422804014327

/* ---- the kernels, once per element type (activation_kernels.inc) ---- */

#define T float
#define gelu_tanh_arg_T gelu_tanh_arg_float
#define gelu_finish_T gelu_finish_float
#define gelu_tanh_backward_T gelu_tanh_backward_float
#define half_square_T half_square_float
#define gelu_erf_backward_T gelu_erf_backward_float
#define silu_finish_T silu_finish_float
#define silu_backward_T silu_backward_float
#include "activation_kernels.inc"

#define T double
#define gelu_tanh_arg_T gelu_tanh_arg_double
#define gelu_finish_T gelu_finish_double
#define gelu_tanh_backward_T gelu_tanh_backward_double
#define half_square_T half_square_double
#define gelu_erf_backward_T gelu_erf_backward_double
#define silu_finish_T silu_finish_double
#define silu_backward_T silu_backward_double
#include "activation_kernels.inc"

/* float32 GELU (tanh) in one pass: t = tanh(u), y = 0.5 x (1 + t), the
 * values of gelu_tanh_arg_float, nd_tanh and gelu_finish_float in turn. */
ND_VECTORIZE static void gelu_tanh_fused_float(float *restrict y, float *restrict t,
                                               const float *restrict x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        float u = (float)GELU_K * (x[i] + (float)GELU_C * x[i] * x[i] * x[i]);
        float th = nd_vtanhf(u);
        t[i] = th;
        y[i] = 0.5f * x[i] * (1 + th);
    }
}

typedef struct gelu_task {
    float *y, *t;
    const float *x;
} gelu_task;

static void gelu_piece(void *ctx, int64_t begin, int64_t end)
{
    const gelu_task *g = ctx;
    gelu_tanh_fused_float(g->y + begin, g->t + begin, g->x + begin, end - begin);
}

/* A new C-contiguous array of x's shape and dtype (what the kernels write). */
static nd_array *contiguous_like(const nd_array *x)
{
    return nd_empty(nd_dtype_of(x), nd_ndim(x), nd_shape(x));
}

/* ---- gelu (tanh) ------------------------------------------------------------------------- */

/* x -> y, same shape; saves t = tanh(sqrt(2/pi) (x + 0.044715 x^3)). */
static nd_array *gelu_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    nd_array *in = nd_ascontiguousarray(x[0]), *t = contiguous_like(x[0]);
    nd_array *y = contiguous_like(x[0]), *result = NULL;
    if (!in || !t || !y)
        goto done;
    nd_dtype dt = nd_dtype_of(in);
    if (dt == ND_FLOAT32) {
        /* Pieces of 2^15 elements or more on libnd's pool, as nd_tanh splits. */
        gelu_task task = {nd_data(y), nd_data(t), nd_data(in)};
        nd_parallel_for(nd_size(in), (int64_t)1 << 15, gelu_piece, &task);
        if (ag_ctx_save(ctx, t) < 0)
            goto done;
    } else {
        LAYER_CALL(dt, gelu_tanh_arg, nd_data(t), nd_data(in), nd_size(in));
        if (nd_tanh_out(t, t) < 0 || ag_ctx_save(ctx, t) < 0)
            goto done;
        LAYER_CALL(dt, gelu_finish, nd_data(y), nd_data(in), nd_data(t), nd_size(in));
    }
    result = y, y = NULL;
done:
    nd_free(in);
    nd_free(t);
    nd_free(y);
    return result;
}

static int gelu_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *x0 = ag_ctx_input(ctx, 0), *tanh_u = ag_ctx_saved(ctx, 0);
    nd_array *x = nd_ascontiguousarray(x0), *g = nd_ascontiguousarray(dy);
    nd_array *out = contiguous_like(x0);
    int status = x && g && out ? 0 : nd_last_status();
    if (status == 0) {
        LAYER_CALL(nd_dtype_of(x0), gelu_tanh_backward, nd_data(out), nd_data(g), nd_data(x),
                   nd_data(tanh_u), nd_size(x0));
        dx[0] = out, out = NULL;
    }
    nd_free(x);
    nd_free(g);
    nd_free(out);
    return status;
}

static const ag_op gelu_op = {"gelu", gelu_forward, gelu_backward};

/* ---- gelu (erf) -------------------------------------------------------------------------- */

/* x -> y, same shape; saves erf(x / sqrt 2). */
static nd_array *gelu_erf_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    /* libnd's results follow their input's layout: compute from the contiguous copy */
    nd_array *s = nd_scalar(nd_dtype_of(x[0]), SQRT1_2);
    nd_array *in = nd_ascontiguousarray(x[0]), *y = contiguous_like(x[0]), *result = NULL;
    nd_array *e = s && in ? nd_multiply(in, s) : NULL;
    if (!in || !e || !y || nd_erf_out(e, e) < 0 || ag_ctx_save(ctx, e) < 0)
        goto done;
    LAYER_CALL(nd_dtype_of(in), gelu_finish, nd_data(y), nd_data(in), nd_data(e), nd_size(in));
    result = y, y = NULL;
done:
    nd_free(s);
    nd_free(in);
    nd_free(e);
    nd_free(y);
    return result;
}

static int gelu_erf_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *x0 = ag_ctx_input(ctx, 0), *erf = ag_ctx_saved(ctx, 0);
    nd_array *x = nd_ascontiguousarray(x0), *g = nd_ascontiguousarray(dy);
    nd_array *out = contiguous_like(x0), *gauss = contiguous_like(x0);
    nd_dtype dt = nd_dtype_of(x0);
    int status = x && g && out && gauss ? 0 : nd_last_status();
    if (status == 0) {
        LAYER_CALL(dt, half_square, nd_data(gauss), nd_data(x), nd_size(x0));
        status = nd_exp_out(gauss, gauss); /* exp(-x^2 / 2) */
    }
    if (status == 0) {
        LAYER_CALL(dt, gelu_erf_backward, nd_data(out), nd_data(g), nd_data(x), nd_data(erf),
                   nd_data(gauss), nd_size(x0));
        dx[0] = out, out = NULL;
    }
    nd_free(x);
    nd_free(g);
    nd_free(out);
    nd_free(gauss);
    return status;
}

static const ag_op gelu_erf_op = {"gelu_erf", gelu_erf_forward, gelu_erf_backward};

/* ---- silu --------------------------------------------------------------------------------- */

/* x -> y = x sigmoid(x); saves sigmoid(x). */
static nd_array *silu_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    nd_array *in = nd_ascontiguousarray(x[0]), *y = contiguous_like(x[0]), *result = NULL;
    nd_array *s = in ? nd_negative(in) : NULL; /* exp(-x), then sigmoid(x) in place */
    if (!in || !s || !y || nd_exp_out(s, s) < 0)
        goto done;
    LAYER_CALL(nd_dtype_of(in), silu_finish, nd_data(y), nd_data(s), nd_data(in), nd_size(in));
    if (ag_ctx_save(ctx, s) < 0)
        goto done;
    result = y, y = NULL;
done:
    nd_free(in);
    nd_free(s);
    nd_free(y);
    return result;
}

static int silu_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *x0 = ag_ctx_input(ctx, 0), *s = ag_ctx_saved(ctx, 0);
    nd_array *x = nd_ascontiguousarray(x0), *g = nd_ascontiguousarray(dy);
    nd_array *out = contiguous_like(x0);
    int status = x && g && out ? 0 : nd_last_status();
    if (status == 0) {
        LAYER_CALL(nd_dtype_of(x0), silu_backward, nd_data(out), nd_data(g), nd_data(x), nd_data(s),
                   nd_size(x0));
        dx[0] = out, out = NULL;
    }
    nd_free(x);
    nd_free(g);
    nd_free(out);
    return status;
}

static const ag_op silu_op = {"silu", silu_forward, silu_backward};

/* ---- the public functions ------------------------------------------------------------------ */

static ag_tensor *apply_activation(const ag_op *op, ag_tensor *a)
{
    if (a && layer_check_float(ag_value(a), op->name) < 0)
        return NULL;
    return ag_apply(op, 1, (ag_tensor *[]){a}, NULL, 0);
}

ag_tensor *ag_gelu(ag_tensor *a) { return apply_activation(&gelu_op, a); }
ag_tensor *ag_gelu_erf(ag_tensor *a) { return apply_activation(&gelu_erf_op, a); }
ag_tensor *ag_silu(ag_tensor *a) { return apply_activation(&silu_op, a); }

/* ---- the composed twins ---------------------------------------------------------------------- */

/* erf, the one primitive the composed GELU needs that the unary ops lack:
 * y = erf(x), dL/dx = dL/dy * 2/sqrt(pi) * exp(-x^2). */
static nd_array *erf_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_erf(x[0]);
}

static int erf_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *x = ag_ctx_input(ctx, 0);
    nd_array *s = nd_scalar(nd_dtype_of(x), -1.0), *k = nd_scalar(nd_dtype_of(x), M_2_SQRTPI);
    nd_array *g = s && k ? nd_square(x) : NULL; /* g = 2/sqrt(pi) exp(-x^2) */
    int status = g ? nd_multiply_out(g, s, g) : nd_last_status();
    if (status == 0)
        status = nd_exp_out(g, g);
    if (status == 0)
        status = nd_multiply_out(g, k, g);
    if (status == 0 && !(dx[0] = nd_multiply(dy, g)))
        status = nd_last_status();
    nd_free(s);
    nd_free(k);
    nd_free(g);
    return status;
}

static const ag_op erf_op = {"erf", erf_forward, erf_backward};

/* 0.5 x (1 + f): the GELU both forms share, f in (-1, 1) */
static ag_tensor *gelu_from(ag_tensor *x, ag_tensor *f)
{
    return ag_mul(ag_mul_scalar(x, 0.5), ag_add_scalar(f, 1.0));
}

/* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
ag_tensor *ag_gelu_composed(ag_tensor *a)
{
    if (a && layer_check_float(ag_value(a), "gelu") < 0)
        return NULL;
    ag_tensor *inner = ag_add(a, ag_mul_scalar(ag_pow_scalar(a, 3.0), GELU_C));
    return gelu_from(a, ag_tanh(ag_mul_scalar(inner, GELU_K)));
}

/* 0.5 x (1 + erf(x / sqrt 2)) */
ag_tensor *ag_gelu_erf_composed(ag_tensor *a)
{
    if (a && layer_check_float(ag_value(a), "gelu_erf") < 0)
        return NULL;
    ag_tensor *u = ag_mul_scalar(a, SQRT1_2);
    return gelu_from(a, ag_apply(&erf_op, 1, (ag_tensor *[]){u}, NULL, 0));
}

/* x sigmoid(x) */
ag_tensor *ag_silu_composed(ag_tensor *a)
{
    if (a && layer_check_float(ag_value(a), "silu") < 0)
        return NULL;
    return ag_mul(a, ag_sigmoid(a));
}
