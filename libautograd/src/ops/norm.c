/*
 * Normalization over the last axis: layer_norm and rms_norm, fused and
 * composed.
 *
 * The fused pairs read like llm.c's: x and y are (rows, C) with rows the
 * product of the leading axes (B*T for (B, T, C)); weight and bias are
 * (C,) or absent; the forward saves one mean and one rstd per row, which
 * the backward reads instead of recomputing the statistics.
 */
#include "layers.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct norm_params {
    double eps;
    bool has_weight, has_bias; /* inputs: x, then weight if any, then bias if any */
    bool bf16_out; /* ag_layer_norm_to(..., ND_BFLOAT16): y stored as bf16 */
} norm_params;

/* ---- the kernels, once per element type (norm_kernels.inc; layers.h explains) ---- */

#define T float
#define sqrt_T sqrtf
#define square_deviation_T square_deviation_float
#define norm_affine_T norm_affine_float
#define norm_backward_sums_T norm_backward_sums_float
#define norm_backward_dx_T norm_backward_dx_float
#define norm_forward_T norm_forward_float
#define norm_backward_T norm_backward_float
#include "norm_kernels.inc"

#define T double
#define sqrt_T sqrt
#define square_deviation_T square_deviation_double
#define norm_affine_T norm_affine_double
#define norm_backward_sums_T norm_backward_sums_double
#define norm_backward_dx_T norm_backward_dx_double
#define norm_forward_T norm_forward_double
#define norm_backward_T norm_backward_double
#include "norm_kernels.inc"

static int64_t last_dim(const nd_array *a) { return nd_shape(a)[nd_ndim(a) - 1]; }

static const nd_array *input_or_null(const ag_ctx *ctx, bool present, int index)
{
    return present ? ag_ctx_input(ctx, index) : NULL;
}

/* Data of an optional contiguous parameter. */
static const void *data_or_null(const nd_array *a) { return a ? nd_data(a) : NULL; }

/* ---- the fused op (layer_norm, and rms_norm with centered = false) ----------------------- */

/* x (..., C) -> y (..., C); saves mean (rows,) (layer norm only) and rstd (rows,). */
static nd_array *norm_forward(ag_ctx *ctx, const nd_array *const *x, bool centered)
{
    const norm_params *p = ag_ctx_params(ctx);
    const nd_array *w = p->has_weight ? x[1] : NULL, *b = p->has_bias ? x[1 + p->has_weight] : NULL;
    nd_dtype dt = nd_dtype_of(x[0]);
    int64_t C = last_dim(x[0]), rows = layer_rows(x[0], C);
    nd_array *in = nd_ascontiguousarray(x[0]);
    nd_array *y = nd_empty(p->bf16_out ? ND_BFLOAT16 : dt, nd_ndim(x[0]), nd_shape(x[0]));
    nd_array *weight = w ? nd_ascontiguousarray(w) : NULL,
             *bias = b ? nd_ascontiguousarray(b) : NULL;
    nd_array *mean = centered ? nd_empty(dt, 1, &rows) : NULL, *rstd = nd_empty(dt, 1, &rows);
    nd_array *result = NULL;
    if (!in || (w && !weight) || (b && !bias) || !y || (centered && !mean) || !rstd)
        goto done;
    LAYER_CALL(dt, norm_forward, p->bf16_out ? NULL : nd_data(y), p->bf16_out ? nd_data(y) : NULL,
               mean ? nd_data(mean) : NULL, nd_data(rstd), nd_data(in), data_or_null(weight),
               data_or_null(bias), rows, C, p->eps);
    if ((!centered || ag_ctx_save(ctx, mean) >= 0) && ag_ctx_save(ctx, rstd) >= 0)
        result = y, y = NULL;
done:
    nd_free(in);
    nd_free(weight);
    nd_free(bias);
    nd_free(y);
    nd_free(mean);
    nd_free(rstd);
    return result;
}

static int norm_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx, bool centered)
{
    const norm_params *p = ag_ctx_params(ctx);
    const nd_array *x = ag_ctx_input(ctx, 0), *w = input_or_null(ctx, p->has_weight, 1);
    const nd_array *mean = centered ? ag_ctx_saved(ctx, 0) : NULL;
    const nd_array *rstd = ag_ctx_saved(ctx, centered ? 1 : 0);
    int iw = 1, ib = 1 + p->has_weight;
    bool want_w = p->has_weight && ag_ctx_needs_grad(ctx, iw);
    bool want_b = p->has_bias && ag_ctx_needs_grad(ctx, ib);
    nd_dtype dt = nd_dtype_of(x);
    int64_t C = last_dim(x), rows = layer_rows(x, C);
    nd_array *in = nd_ascontiguousarray(x), *g = nd_ascontiguousarray(dy);
    nd_array *weight = w ? nd_ascontiguousarray(w) : NULL;
    nd_array *dinp = nd_empty(dt, nd_ndim(x), nd_shape(x));
    nd_array *dweight = want_w ? nd_zeros(dt, 1, &C) : NULL;
    nd_array *dbias = want_b ? nd_zeros(dt, 1, &C) : NULL;
    void *scratch = malloc((size_t)(C > 0 ? C : 1) * nd_itemsize(x)); /* a bf16 dy's row widened */
    /* y, so dL/dy, is bf16 after ag_layer_norm_to: widened a row at a time */
    bool bf16_dy = nd_dtype_of(g ? g : dy) == ND_BFLOAT16;
    int status = 0;
    if (!in || !g || (w && !weight) || !dinp || (want_w && !dweight) || (want_b && !dbias)) {
        status = nd_last_status();
        goto done;
    }
    if (!scratch) {
        status = nd_set_last_error(ND_ERR_MEMORY, "norm backward: out of memory");
        goto done;
    }
    LAYER_CALL(dt, norm_backward, nd_data(dinp), want_w ? nd_data(dweight) : NULL,
               want_b ? nd_data(dbias) : NULL, bf16_dy ? NULL : nd_data(g),
               bf16_dy ? nd_data(g) : NULL, nd_data(in), data_or_null(weight), data_or_null(mean),
               nd_data(rstd), rows, C, scratch);
    if (ag_ctx_needs_grad(ctx, 0))
        dx[0] = dinp, dinp = NULL;
    if (want_w)
        dx[iw] = dweight, dweight = NULL;
    if (want_b)
        dx[ib] = dbias, dbias = NULL;
done:
    free(scratch);
    nd_free(in);
    nd_free(g);
    nd_free(weight);
    nd_free(dinp);
    nd_free(dweight);
    nd_free(dbias);
    return status;
}

/* ---- layer_norm ---------------------------------------------------------------------------- */

/* y = (x - mean) rstd weight + bias, rstd = 1 / sqrt(var + eps) */
static nd_array *layer_norm_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    return norm_forward(ctx, x, true);
}

/* dx = rstd (g - mean(g) - xhat mean(g xhat)), g = weight dy; dweight = sum dy xhat; dbias = sum dy */
static int layer_norm_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return norm_backward(ctx, dy, dx, true);
}

static const ag_op layer_norm_op = {"layer_norm", layer_norm_forward, layer_norm_backward};

/* ---- rms_norm ------------------------------------------------------------------------------ */

/* y = x rstd weight, rstd = 1 / sqrt(mean(x^2) + eps) */
static nd_array *rms_norm_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    return norm_forward(ctx, x, false);
}

/* dx = rstd (g - xhat mean(g xhat)), g = weight dy; dweight = sum dy xhat */
static int rms_norm_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return norm_backward(ctx, dy, dx, false);
}

static const ag_op rms_norm_op = {"rms_norm", rms_norm_forward, rms_norm_backward};

/* ---- checks and the public functions ------------------------------------------------------- */

/* A (C,) parameter of x's dtype, or NULL. */
static int check_param(const nd_array *x, const ag_tensor *param, const char *what)
{
    if (!param)
        return 0;
    const nd_array *p = ag_value(param);
    int64_t C = last_dim(x);
    if (nd_ndim(p) != 1 || nd_shape(p)[0] != C) {
        char shape[128] = "";
        for (int d = 0, at = 0; d < nd_ndim(p) && at < (int)sizeof shape - 24; d++)
            at += snprintf(shape + at, sizeof shape - (size_t)at, "%s%lld", d ? ", " : "",
                           (long long)nd_shape(p)[d]);
        return nd_set_last_error(ND_ERR_VALUE,
                                 "Expected %s to be of same shape as "
                                 "normalized_shape, but got %s of shape [%s] and normalized_shape "
                                 "= [%lld]",
                                 what, what, shape, (long long)C);
    }
    return layer_check_same_dtype(x, 1, (const nd_array *[]){p});
}

static int check_norm(ag_tensor *x, ag_tensor *weight, ag_tensor *bias, const char *name)
{
    const nd_array *v = ag_value(x);
    int status = layer_check_float(v, name);
    if (status == 0 && nd_ndim(v) == 0)
        status = nd_set_last_error(ND_ERR_VALUE,
                                   "%s: expected an input of at least 1 dimension, "
                                   "got a 0-d tensor",
                                   name);
    if (status == 0)
        status = check_param(v, weight, "weight");
    if (status == 0)
        status = check_param(v, bias, "bias");
    return status;
}

static ag_tensor *apply_norm(const ag_op *op, ag_tensor *x, ag_tensor *weight, ag_tensor *bias,
                             double eps, bool bf16_out)
{
    if (!x)
        return ag_apply(op, 1, (ag_tensor *[]){x}, NULL, 0); /* propagates the NULL */
    if (check_norm(x, weight, bias, op->name) < 0)
        return NULL;
    norm_params p = {eps, weight != NULL, bias != NULL, bf16_out};
    ag_tensor *inputs[3] = {x};
    int n = 1;
    if (weight)
        inputs[n++] = weight;
    if (bias)
        inputs[n++] = bias;
    return ag_apply(op, n, inputs, &p, sizeof p);
}

ag_tensor *ag_layer_norm(ag_tensor *x, ag_tensor *weight, ag_tensor *bias, double eps)
{
    return apply_norm(&layer_norm_op, x, weight, bias, eps, false);
}

/* Mixed precision's LayerNorm before a Linear: y is that product's bf16
 * operand only, so it is rounded as it is written (no float32 y, no cast
 * pass either way), the same values and gradients as the op then the
 * cast; the backward is the op's, reading dL/dy in bf16. */
static const ag_op layer_norm_bf16_op = {"layer_norm_to_bf16", layer_norm_forward,
                                         layer_norm_backward};

ag_tensor *ag_layer_norm_to(ag_tensor *x, ag_tensor *weight, ag_tensor *bias, double eps,
                            nd_dtype dtype)
{
    AG_REQUIRE(x, NULL);
    if (layer_check_float_dtype(dtype, "layer_norm_to") < 0)
        return NULL;
    if (dtype == ND_BFLOAT16 && nd_dtype_of(ag_value(x)) == ND_FLOAT32)
        return apply_norm(&layer_norm_bf16_op, x, weight, bias, eps, true);
    return ag_to_dtype(ag_layer_norm(x, weight, bias, eps), dtype); /* x's own: the op itself */
}

ag_tensor *ag_rms_norm(ag_tensor *x, ag_tensor *weight, double eps)
{
    return apply_norm(&rms_norm_op, x, weight, NULL, eps, false);
}

/* ---- the composed twins ------------------------------------------------------------------ */

static const int last_axis = -1;

/* x * rstd * weight + bias, the affine tail both norms share */
static ag_tensor *scale_shift(ag_tensor *x, ag_tensor *rstd, ag_tensor *weight, ag_tensor *bias)
{
    ag_tensor *y = ag_mul(x, rstd);
    if (weight)
        y = ag_mul(y, weight);
    return bias ? ag_add(y, bias) : y;
}

/* xc = x - mean(x); y = xc / sqrt(mean(xc^2) + eps) * weight + bias */
ag_tensor *ag_layer_norm_composed(ag_tensor *x, ag_tensor *weight, ag_tensor *bias, double eps)
{
    if (x && check_norm(x, weight, bias, "layer_norm") < 0)
        return NULL;
    ag_tensor *xc = ag_sub(x, ag_mean(x, 1, &last_axis, true));
    ag_tensor *var = ag_mean(ag_square(xc), 1, &last_axis, true);
    return scale_shift(xc, ag_rsqrt(ag_add_scalar(var, eps)), weight, bias);
}

/* y = x / sqrt(mean(x^2) + eps) * weight */
ag_tensor *ag_rms_norm_composed(ag_tensor *x, ag_tensor *weight, double eps)
{
    if (x && check_norm(x, weight, NULL, "rms_norm") < 0)
        return NULL;
    ag_tensor *ms = ag_mean(ag_square(x), 1, &last_axis, true);
    return scale_shift(x, ag_rsqrt(ag_add_scalar(ms, eps)), weight, NULL);
}
