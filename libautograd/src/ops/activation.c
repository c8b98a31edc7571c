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
 * loop instead: argument, tanh (as 1 - 2 / (exp(2u) + 1) with libnd's
 * vector exp, see gelu_tanh_of_float) and y per element, one read of x
 * instead of three passes over memory.
 */
#include "bf16.h" /* libnd/src/bf16.h: nd_bf16_round, nd_bf16_widen */
#include "layers.h"
#include "vmath.h" /* libnd/src/vmath.h: nd_vexpf_in_range */

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

/* tanh(u), u = sqrt(2/pi) (x + 0.044715 x^3), in float32: one spelling for
 * the float32 kernels below, so that both forwards save the same bits.
 * As 1 - 2 / (exp(2u) + 1) for every u: GELU uses t only as 1 + t and
 * 1 - t^2, where an absolute error of an ulp of 1 is all that matters, so
 * the polynomial a tanh needs near 0 (where this form loses the relative
 * precision of t itself) and its select are not computed. Past |2u| = 20
 * the float32 result is already +-1 (2 / (e^20 + 1) < 2^-26, and e^-20 + 1
 * rounds to 1), so 2u is clamped there and exp needs no range handling
 * (nd_vexpf_in_range): the same bits as with nd_vexpf for every float32
 * x but NaN, checked over all 2^32 of them, in 12% less time. A NaN x
 * (whose u fails both compares, so the clamp makes it 20) gives t = 1,
 * and y = 0.5 x (1 + t) and dL/dx stay NaN through x itself. GELU's
 * forward is bound by this arithmetic. */
static ND_ALWAYS_INLINE float gelu_tanh_of_float(float x)
{
    float u = (float)GELU_K * (x + (float)GELU_C * x * x * x);
    float v = 2.0f * u;
    v = v < 20.0f ? v : 20.0f;
    v = v > -20.0f ? v : -20.0f;
    return 1.0f - 2.0f / (nd_vexpf_in_range(v) + 1.0f);
}

/* float32 GELU (tanh) in one pass: t = tanh(u), y = 0.5 x (1 + t), the
 * values of gelu_tanh_arg_float, nd_tanh and gelu_finish_float in turn. */
ND_VECTORIZE static void gelu_tanh_fused_float(float *restrict y, float *restrict t,
                                               const float *restrict x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        float th = gelu_tanh_of_float(x[i]);
        t[i] = th;
        y[i] = 0.5f * x[i] * (1 + th);
    }
}

/* The same t and y, y rounded to bf16 as it is stored (ag_gelu_to). */
ND_VECTORIZE static void gelu_tanh_to_bf16(uint16_t *restrict y, float *restrict t,
                                           const float *restrict x, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        float th = gelu_tanh_of_float(x[i]);
        t[i] = th;
        y[i] = nd_bf16_round(0.5f * x[i] * (1 + th));
    }
}

/* gelu_tanh_backward_float with dy in bf16, widened exactly as it is read. */
ND_VECTORIZE static void gelu_tanh_backward_bf16(float *restrict dx, const uint16_t *restrict dy,
                                                 const float *restrict x, const float *restrict t,
                                                 int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        float du = (float)GELU_K * (1 + 3 * (float)GELU_C * x[i] * x[i]);
        dx[i] = nd_bf16_widen(dy[i]) * (0.5f * (1 + t[i]) + 0.5f * x[i] * (1 - t[i] * t[i]) * du);
    }
}

/* The same t and y of a bf16 x, widened exactly as it is read (the
 * float32 GELU of ag_to_dtype(x, float32), rounded as it is stored). */
ND_VECTORIZE static void gelu_tanh_bf16_to_bf16(uint16_t *restrict y, float *restrict t,
                                                const uint16_t *restrict x16, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        float x = nd_bf16_widen(x16[i]), th = gelu_tanh_of_float(x);
        t[i] = th;
        y[i] = nd_bf16_round(0.5f * x * (1 + th));
    }
}

/* gelu_tanh_backward_bf16 for a bf16 x, dx rounded once to bf16 (as the
 * cast of x to float32 rounds its gradient). */
ND_VECTORIZE static void gelu_tanh_backward_bf16_to_bf16(uint16_t *restrict dx,
                                                         const uint16_t *restrict dy,
                                                         const uint16_t *restrict x16,
                                                         const float *restrict t, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        float x = nd_bf16_widen(x16[i]);
        float du = (float)GELU_K * (1 + 3 * (float)GELU_C * x * x);
        dx[i] = nd_bf16_round(nd_bf16_widen(dy[i]) *
                              (0.5f * (1 + t[i]) + 0.5f * x * (1 - t[i] * t[i]) * du));
    }
}

/* One of the float32 kernels over [begin, end) of its arrays, on libnd's
 * pool: out (y, or dx), dy (the backward's), x (float32, or bf16 for the
 * _BF16_IN kernels), t (written forward, read backward). */
typedef enum gelu_kernel {
    GELU_FORWARD,
    GELU_TO_BF16,
    GELU_BACKWARD_BF16,
    GELU_BF16_IN_TO_BF16,
    GELU_BACKWARD_BF16_IN
} gelu_kernel;

typedef struct gelu_task {
    gelu_kernel kernel;
    void *out;
    const uint16_t *dy;
    const void *x;
    float *t;
} gelu_task;

static void gelu_piece(void *ctx, int64_t begin, int64_t end)
{
    const gelu_task *g = ctx;
    const float *x = (const float *)g->x + begin;
    const uint16_t *x16 = (const uint16_t *)g->x + begin;
    float *t = g->t + begin;
    switch (g->kernel) {
    case GELU_FORWARD:
        gelu_tanh_fused_float((float *)g->out + begin, t, x, end - begin);
        break;
    case GELU_TO_BF16:
        gelu_tanh_to_bf16((uint16_t *)g->out + begin, t, x, end - begin);
        break;
    case GELU_BACKWARD_BF16:
        gelu_tanh_backward_bf16((float *)g->out + begin, g->dy + begin, x, t, end - begin);
        break;
    case GELU_BF16_IN_TO_BF16:
        gelu_tanh_bf16_to_bf16((uint16_t *)g->out + begin, t, x16, end - begin);
        break;
    case GELU_BACKWARD_BF16_IN:
        gelu_tanh_backward_bf16_to_bf16((uint16_t *)g->out + begin, g->dy + begin, x16, t,
                                        end - begin);
        break;
    }
}

/* Runs a kernel over n elements in pieces of 2^15 or more, as nd_tanh splits. */
static void gelu_run(gelu_kernel kernel, void *out, const void *dy, const void *x, float *t,
                     int64_t n)
{
    gelu_task task = {kernel, out, dy, x, t};
    nd_parallel_for(n, (int64_t)1 << 15, gelu_piece, &task);
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
        gelu_run(GELU_FORWARD, nd_data(y), NULL, nd_data(in), nd_data(t), nd_size(in));
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
        if (nd_dtype_of(x) == ND_BFLOAT16) /* ag_gelu_to's of a bf16 x: dL/dx bf16 */
            gelu_run(GELU_BACKWARD_BF16_IN, nd_data(out), nd_data(g), nd_data(x),
                     (float *)nd_data(tanh_u), nd_size(x0));
        else if (nd_dtype_of(g) == ND_BFLOAT16) /* ag_gelu_to's: y, so dL/dy, is bf16 */
            gelu_run(GELU_BACKWARD_BF16, nd_data(out), nd_data(g), nd_data(x),
                     (float *)nd_data(tanh_u), nd_size(x0));
        else
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

/* ---- gelu (tanh) stored as bf16 ------------------------------------------------------------ */

/* x float32 -> y bfloat16: ag_to_dtype(ag_gelu(x), bf16) in one pass and
 * one node. Mixed precision feeds GELU's output to a product only, as a
 * bf16 operand: the float32 y that the cast read back, and the cast's
 * pass each way, are not made. Saves t = tanh(u) in float32, as ag_gelu
 * (computing it again in the backward doubled the backward's time: the
 * kernel is bound by tanh's arithmetic, not by memory); dL/dy arrives in
 * bf16, the dtype of y, and is widened as it is read. A bf16 x (a Linear
 * stored as bf16, ag_linear_to) is widened as it is read, and dL/dx is
 * rounded to bf16 as it is written: ag_to_dtype(ag_gelu(ag_to_dtype(x,
 * float32)), bf16), the float32 x and dL/dx never stored. */
static nd_array *gelu_bf16_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    nd_array *in = nd_ascontiguousarray(x[0]);
    nd_array *t = in ? nd_empty(ND_FLOAT32, nd_ndim(in), nd_shape(in)) : NULL;
    nd_array *y = t ? nd_empty(ND_BFLOAT16, nd_ndim(in), nd_shape(in)) : NULL;
    if (y) {
        gelu_run(nd_dtype_of(in) == ND_BFLOAT16 ? GELU_BF16_IN_TO_BF16 : GELU_TO_BF16, nd_data(y),
                 NULL, nd_data(in), nd_data(t), nd_size(in));
        if (ag_ctx_save(ctx, t) < 0) {
            nd_free(y);
            y = NULL;
        }
    }
    nd_free(in);
    nd_free(t);
    return y;
}

/* The backward is ag_gelu's: it reads dL/dy in bf16 where y is bf16. */
static const ag_op gelu_bf16_op = {"gelu_to_bf16", gelu_bf16_forward, gelu_backward};

ag_tensor *ag_gelu_to(ag_tensor *a, nd_dtype dtype)
{
    AG_REQUIRE(a, NULL);
    const nd_dtype from = nd_dtype_of(ag_value(a));
    if ((from != ND_BFLOAT16 && layer_check_float(ag_value(a), "gelu") < 0) ||
        layer_check_float_dtype(dtype, "gelu_to") < 0)
        return NULL;
    if (dtype == ND_BFLOAT16 && (from == ND_FLOAT32 || from == ND_BFLOAT16))
        return ag_apply(&gelu_bf16_op, 1, &a, NULL, 0);
    if (from == ND_BFLOAT16) /* computed in float32, as the fused op */
        return ag_to_dtype(ag_gelu(ag_to_dtype(a, ND_FLOAT32)), dtype);
    return ag_to_dtype(ag_gelu(a), dtype); /* x's own dtype: ag_gelu itself */
}

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
