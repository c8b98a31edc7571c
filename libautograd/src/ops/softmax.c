/*
 * softmax and log_softmax along any axis, fused and composed.
 *
 * The fused ops move the axis last (a view; copied only if that is not
 * contiguous), so every kernel walks contiguous rows of n elements:
 *
 *   softmax:      y = exp(x - max) / sum(exp(x - max))
 *                 dL/dx = y * (dL/dy - sum(dL/dy * y))
 *   log_softmax:  y = (x - max) - log(sum(exp(x - max)))
 *                 dL/dx = dL/dy - exp(y) * sum(dL/dy)
 *
 * Both save nothing but their output (the tape keeps it). The exponentials
 * go through libnd's vectorized nd_exp over the whole array; the row loops
 * around it are plain C the compiler vectorizes.
 */
#include "layers.h"

/* ---- the kernels (softmax_kernels.inc, once per element type): x, y, dy, dx are (rows, n),
 * contiguous ---- */

#define T float
#define normalize_rows_T normalize_rows_float
#define log_normalize_rows_T log_normalize_rows_float
#define log_softmax_backward_rows_T log_softmax_backward_rows_float
#include "softmax_kernels.inc"

#define T double
#define normalize_rows_T normalize_rows_double
#define log_normalize_rows_T log_normalize_rows_double
#define log_softmax_backward_rows_T log_softmax_backward_rows_double
#include "softmax_kernels.inc"

/* ---- rows: the axis moved last ------------------------------------------------------ */

/* a with `axis` swapped to the end, C-contiguous (a view when it already
 * is); a 0-d a is one row of one element. */
static nd_array *axis_last(const nd_array *a, int axis)
{
    nd_array *s =
        nd_ndim(a) == 0 ? nd_reshape(a, 1, (const int64_t[]){1}) : nd_swapaxes(a, axis, -1);
    nd_array *c = s ? nd_ascontiguousarray(s) : NULL;
    nd_free(s);
    return c;
}

/* rows (taken) with the axis swapped back, in the shape of `like`. */
static nd_array *axis_back(nd_array *rows, const nd_array *like, int axis)
{
    nd_array *r = !rows                ? NULL
                  : nd_ndim(like) == 0 ? nd_reshape(rows, 0, NULL)
                                       : nd_swapaxes(rows, axis, -1);
    nd_free(rows);
    return r;
}

static int64_t row_length(const nd_array *rows) { return nd_shape(rows)[nd_ndim(rows) - 1]; }

/* The forward of both ops: y = x - max per row, then e = exp(y), then
 * softmax (y = e / sum e) or log_softmax (y -= log sum e). */
static nd_array *forward(const nd_array *x, int axis, bool log_space)
{
    nd_array *in = axis_last(x, axis);
    nd_array *y = in ? nd_empty_like(in) : NULL;
    if (!y) {
        nd_free(in);
        return NULL;
    }
    nd_dtype dt = nd_dtype_of(in);
    int64_t n = row_length(in), rows = layer_rows(in, n);
    LAYER_CALL(dt, shift_rows, nd_data(y), nd_data(in), rows, n);
    nd_free(in);
    nd_array *e = log_space ? nd_exp(y) : (nd_exp_out(y, y) == 0 ? nd_view(y) : NULL);
    if (!e) {
        nd_free(y);
        return NULL;
    }
    if (log_space)
        LAYER_CALL(dt, log_normalize_rows, nd_data(y), nd_data(e), rows, n);
    else
        LAYER_CALL(dt, normalize_rows, nd_data(y), nd_data(e), rows, n);
    nd_free(e);
    return axis_back(y, x, axis);
}

/* The backward of both: dy and the output y as rows, then the row kernel. */
static int backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx, bool log_space)
{
    int axis = *(const int *)ag_ctx_params(ctx);
    nd_array *g = axis_last(dy, axis), *y = axis_last(ag_ctx_output(ctx), axis);
    nd_array *out = g ? nd_empty_like(g) : NULL;
    nd_array *e = log_space && y ? nd_exp(y) : NULL; /* log_softmax: softmax = exp(y) */
    int status = 0;
    if (!y || !out || (log_space && !e)) {
        status = nd_last_status();
        nd_free(out);
        goto done;
    }
    nd_dtype dt = nd_dtype_of(g);
    int64_t n = row_length(g), rows = layer_rows(g, n);
    if (log_space)
        LAYER_CALL(dt, log_softmax_backward_rows, nd_data(out), nd_data(g), nd_data(e), rows, n);
    else
        LAYER_CALL(dt, softmax_backward_rows, nd_data(out), nd_data(g), nd_data(y), rows, n, 1);
    dx[0] = axis_back(out, dy, axis); /* takes out */
    if (!dx[0])
        status = nd_last_status();
done:
    nd_free(g);
    nd_free(y);
    nd_free(e);
    return status;
}

/* ---- softmax ----------------------------------------------------------------------- */

static nd_array *softmax_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    return forward(x[0], *(const int *)ag_ctx_params(ctx), false);
}

/* dL/dx = y * (dL/dy - sum(dL/dy * y)) */
static int softmax_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return backward(ctx, dy, dx, false);
}

static const ag_op softmax_op = {"softmax", softmax_forward, softmax_backward};

/* ---- log_softmax ------------------------------------------------------------------- */

static nd_array *log_softmax_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    return forward(x[0], *(const int *)ag_ctx_params(ctx), true);
}

/* dL/dx = dL/dy - exp(y) * sum(dL/dy) */
static int log_softmax_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return backward(ctx, dy, dx, true);
}

static const ag_op log_softmax_op = {"log_softmax", log_softmax_forward, log_softmax_backward};

/* Checks a and wraps axis (non-negative), or returns a negative status. */
static int checked_axis(ag_tensor *a, int axis, const char *name)
{
    const nd_array *v = ag_value(a);
    int status = layer_check_float(v, name);
    return status < 0 ? status : ag_wrap_dim(axis, nd_ndim(v));
}

static ag_tensor *apply_along(const ag_op *op, ag_tensor *a, int axis)
{
    if (!a)
        return ag_apply(op, 1, (ag_tensor *[]){a}, NULL, 0); /* propagates the NULL */
    int wrapped = checked_axis(a, axis, op->name);
    if (wrapped < 0)
        return NULL;
    return ag_apply(op, 1, (ag_tensor *[]){a}, &wrapped, sizeof wrapped);
}

ag_tensor *ag_softmax(ag_tensor *a, int axis) { return apply_along(&softmax_op, a, axis); }
ag_tensor *ag_log_softmax(ag_tensor *a, int axis) { return apply_along(&log_softmax_op, a, axis); }

/* ---- the composed twins --------------------------------------------------------------- */

/* How many axes the composed ops reduce: the axis, or all (none) of a 0-d a. */
static int reduced_axes(ag_tensor *a) { return nd_ndim(ag_value(a)) > 0; }

/* a - max(a) along axis. The max is detached: subtracting a constant from a
 * row does not change its softmax, so no gradient needs to flow through
 * it, and exp of the result is at most 1, so it cannot overflow. An empty
 * a has nothing to shift (and an empty axis no max, torch.amax's error),
 * so it goes on as is: softmax of an empty axis is empty, as torch's. */
static ag_tensor *shifted(ag_tensor *a, int axis)
{
    if (nd_size(ag_value(a)) == 0)
        return a;
    return ag_sub(a, ag_detach(ag_max(a, reduced_axes(a), &axis, true)));
}

/* softmax(a) = exp(a - max) / sum(exp(a - max)) */
ag_tensor *ag_softmax_composed(ag_tensor *a, int axis)
{
    int wrapped = a ? checked_axis(a, axis, "softmax") : 0;
    if (wrapped < 0)
        return NULL;
    ag_tensor *e = ag_exp(shifted(a, wrapped));
    return ag_div(e, ag_sum(e, reduced_axes(a), &wrapped, true));
}

/* log_softmax(a) = (a - max) - log(sum(exp(a - max))) */
ag_tensor *ag_log_softmax_composed(ag_tensor *a, int axis)
{
    int wrapped = a ? checked_axis(a, axis, "log_softmax") : 0;
    if (wrapped < 0)
        return NULL;
    ag_tensor *z = shifted(a, wrapped);
    return ag_sub(z, ag_log(ag_sum(ag_exp(z), reduced_axes(a), &wrapped, true)));
}
