/*
 * Reductions: sum and mean over any axes, with keepdims.
 *
 * y = sum(a, axes):  dL/da = dL/dy broadcast back over the summed axes.
 * y = mean(a, axes): dL/da = dL/dy / N broadcast back, N the number of
 * elements averaged per output.
 */
#include "ops.h"

#include <string.h>

typedef struct reduce_params {
    int naxes;
    int axes[ND_MAXDIMS];
    bool keepdims;
} reduce_params;

/* naxes in [0, ND_MAXDIMS] with a list when it is not 0. */
static int check_axes_list(int naxes, const int *axes)
{
    if (naxes < 0 || naxes > ND_MAXDIMS || (naxes > 0 && !axes))
        return nd_set_last_error(ND_ERR_VALUE,
                                 "expected 0 to %d dims (naxes) with a list of "
                                 "them, but got %d",
                                 ND_MAXDIMS, naxes);
    return 0;
}

static reduce_params make_params(int naxes, const int *axes, bool keepdims)
{
    reduce_params p = {.naxes = naxes < 0            ? 0
                                : naxes > ND_MAXDIMS ? ND_MAXDIMS
                                                     : naxes,
                       .keepdims = keepdims};
    if (axes)
        memcpy(p.axes, axes, (size_t)p.naxes * sizeof(int));
    return p;
}

/* dL/dy reshaped with the reduced axes kept (size 1), then broadcast to the
 * input's shape: a read-only view, no copy. */
static nd_array *expand_back(const nd_array *dy, const nd_array *a, const reduce_params *p)
{
    int nd = nd_ndim(a);
    bool reduced[ND_MAXDIMS] = {0};
    for (int i = 0; i < p->naxes; i++)
        reduced[((p->axes[i] % nd) + nd) % nd] = true;
    int64_t kept[ND_MAXDIMS];
    for (int d = 0; d < nd; d++)
        kept[d] = p->naxes == 0 || reduced[d] ? 1 : nd_shape(a)[d];
    nd_array *k = nd_reshape(dy, nd, kept);
    nd_array *b = k ? nd_broadcast_to(k, nd, nd_shape(a)) : NULL;
    nd_free(k);
    return b;
}

static nd_array *sum_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const reduce_params *p = ag_ctx_params(ctx);
    return nd_sum(x[0], p->naxes, p->axes, p->keepdims);
}

static int sum_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    dx[0] = expand_back(dy, ag_ctx_input(ctx, 0), ag_ctx_params(ctx));
    return dx[0] ? 0 : nd_last_status();
}

static const ag_op sum_op = {"sum", sum_forward, sum_backward};

ag_tensor *ag_sum(ag_tensor *a, int naxes, const int *axes, bool keepdims)
{
    if (check_axes_list(naxes, axes) < 0)
        return NULL;
    reduce_params p = make_params(naxes, axes, keepdims);
    return ag_apply(&sum_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}

static nd_array *mean_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const reduce_params *p = ag_ctx_params(ctx);
    return nd_mean(x[0], p->naxes, p->axes, p->keepdims);
}

static int mean_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *a = ag_ctx_input(ctx, 0);
    double count = (double)nd_size(a) /
                   (double)(nd_size(ag_ctx_output(ctx)) ? nd_size(ag_ctx_output(ctx)) : 1);
    nd_array *scale = nd_scalar(nd_dtype_of(dy), 1.0 / count);
    nd_array *g = scale ? nd_multiply(dy, scale) : NULL;
    dx[0] = g ? expand_back(g, a, ag_ctx_params(ctx)) : NULL;
    nd_free(scale);
    nd_free(g);
    return dx[0] ? 0 : nd_last_status();
}

static const ag_op mean_op = {"mean", mean_forward, mean_backward};

ag_tensor *ag_mean(ag_tensor *a, int naxes, const int *axes, bool keepdims)
{
    if (check_axes_list(naxes, axes) < 0)
        return NULL;
    reduce_params p = make_params(naxes, axes, keepdims);
    return ag_apply(&mean_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}

/*
 * var, amax/amin (ag_max / ag_min), logsumexp. Their axes are checked in
 * torch's words before the op runs, and a 0-d tensor takes dim 0 or -1 as
 * torch does (reducing over its one element).
 */

/* Checks naxes/axes against a as torch does and fills *p (naxes 0: all
 * axes). Returns 0 or a negative status with torch's message. */
static int checked_params(const ag_tensor *a, int naxes, const int *axes, bool keepdims,
                          reduce_params *p)
{
    *p = make_params(0, NULL, keepdims);
    if (check_axes_list(naxes, axes) < 0)
        return nd_last_status();
    if (!a)
        return 0; /* ag_apply propagates the NULL input */
    int nd = nd_ndim(ag_value(a)); /* torch: a 0-d tensor has dims [-1, 0] */
    int status = ag_wrap_dims(naxes, axes, nd, p->axes);
    if (status < 0)
        return status;
    p->naxes = nd == 0 ? 0 : naxes;
    return 0;
}

/* The number of elements reduced into each output: N = size(a) / size(y). */
static double reduced_count(const nd_array *a, const nd_array *y)
{
    return nd_size(y) > 0 ? (double)nd_size(a) / (double)nd_size(y) : 0.0;
}

/* ---- var: y = sum((a - mean(a))^2) / (N - correction) over axes ------------------------- */

typedef struct var_params {
    reduce_params r;
    int correction; /* torch's correction, NumPy's ddof */
} var_params;

static nd_array *var_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const var_params *p = ag_ctx_params(ctx);
    return nd_var(x[0], p->r.naxes, p->r.axes, p->correction, p->r.keepdims);
}

/* dL/da = dL/dy * 2 (a - mean(a)) / (N - correction), dL/dy broadcast back.
 * The mean is recomputed here (one reduction) rather than saved by the
 * forward, which nd_var computes internally. */
static int var_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const var_params *p = ag_ctx_params(ctx);
    const nd_array *a = ag_ctx_input(ctx, 0);
    double n = reduced_count(a, ag_ctx_output(ctx));
    nd_array *mean = nd_mean(a, p->r.naxes, p->r.axes, true);
    nd_array *scale = nd_scalar(nd_dtype_of(dy), 2.0 / (n - p->correction));
    nd_array *dy_back = expand_back(dy, a, &p->r);
    nd_array *g = mean && scale && dy_back ? nd_subtract(a, mean) : NULL; /* a - mean */
    int status = 0;
    if (!g || nd_multiply_out(g, scale, g) < 0 || nd_multiply_out(g, dy_back, g) < 0) {
        status = nd_last_status();
        nd_free(g);
    } else {
        dx[0] = g;
    }
    nd_free(mean);
    nd_free(scale);
    nd_free(dy_back);
    return status;
}

static const ag_op var_op = {"var", var_forward, var_backward};

ag_tensor *ag_var(ag_tensor *a, int naxes, const int *axes, int correction, bool keepdims)
{
    var_params p = {.correction = correction};
    if (checked_params(a, naxes, axes, keepdims, &p.r) < 0)
        return NULL;
    return ag_apply(&var_op, 1, &a, &p, sizeof p);
}

/* ---- max / min: y = amax(a, axes), y = amin(a, axes) ------------------------------------ */

static nd_array *max_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const reduce_params *p = ag_ctx_params(ctx);
    return nd_max(x[0], p->naxes, p->axes, p->keepdims);
}

static nd_array *min_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const reduce_params *p = ag_ctx_params(ctx);
    return nd_min(x[0], p->naxes, p->axes, p->keepdims);
}

/* torch.amax/amin's rule: the gradient is split evenly among the elements
 * equal to the result,
 *     hit = (a == y broadcast back),  count = sum(hit, axes),
 *     dL/da = (dL/dy / count) broadcast back * hit.
 * Shared by max and min. A NaN result matches nothing (count 0), so its
 * elements get NaN, as in torch. */
static int extremum_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const reduce_params *p = ag_ctx_params(ctx);
    const nd_array *a = ag_ctx_input(ctx, 0);
    nd_array *y_back = expand_back(ag_ctx_output(ctx), a, p);
    nd_array *hit = y_back ? nd_equal(a, y_back) : NULL; /* a's shape */
    nd_array *count = hit ? nd_sum(hit, p->naxes, p->axes, true) : NULL; /* kept, int64 */
    nd_array *dy_kept = count ? nd_reshape(dy, nd_ndim(count), nd_shape(count)) : NULL;
    nd_array *share = dy_kept ? nd_astype(count, nd_dtype_of(dy)) : NULL;
    int status = 0;
    if (!share || nd_divide_out(dy_kept, share, share) < 0 || /* share = dy / count */
        !(dx[0] = nd_multiply(share, hit)))
        status = nd_last_status();
    nd_free(y_back);
    nd_free(hit);
    nd_free(count);
    nd_free(dy_kept);
    nd_free(share);
    return status;
}

static const ag_op max_op = {"max", max_forward, extremum_backward};
static const ag_op min_op = {"min", min_forward, extremum_backward};

/* torch's amax/amin refuse an empty reduction (there is no identity). */
static int check_nonempty(const char *name, const ag_tensor *a, int naxes, const int *axes)
{
    if (!a)
        return 0;
    const nd_array *v = ag_value(a);
    if (naxes == 0 && nd_size(v) == 0)
        return nd_set_last_error(ND_ERR_VALUE,
                                 "%s(): Expected reduction dim to be specified for "
                                 "input.numel() == 0. Specify the reduction dim with the 'dim' "
                                 "argument.",
                                 name);
    for (int i = 0; i < naxes && nd_ndim(v) > 0; i++)
        if (nd_shape(v)[(axes[i] + nd_ndim(v)) % nd_ndim(v)] == 0)
            return nd_set_last_error(ND_ERR_INDEX,
                                     "%s(): Expected reduction dim %d to have "
                                     "non-zero size.",
                                     name, axes[i]);
    return 0;
}

static ag_tensor *extremum(const ag_op *op, const char *name, ag_tensor *a, int naxes,
                           const int *axes, bool keepdims)
{
    reduce_params p;
    if (checked_params(a, naxes, axes, keepdims, &p) < 0 || check_nonempty(name, a, naxes, axes) < 0)
        return NULL;
    return ag_apply(op, 1, &a, &p, sizeof p);
}

ag_tensor *ag_max(ag_tensor *a, int naxes, const int *axes, bool keepdims)
{
    return extremum(&max_op, "amax", a, naxes, axes, keepdims);
}

ag_tensor *ag_min(ag_tensor *a, int naxes, const int *axes, bool keepdims)
{
    return extremum(&min_op, "amin", a, naxes, axes, keepdims);
}

/* ---- logsumexp: y = log(sum(exp(a))) over axes ------------------------------------------ */

/* Computed as m + log(sum(exp(a - m))), m the max (nd_logsumexp): no
 * overflow. An empty a has no max (nd_logsumexp fails as scipy's does);
 * torch defines the empty sum instead: log(sum(exp(a))) = log(0) = -inf on
 * each output element, which the plain formula gives at no cost. */
static nd_array *logsumexp_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const reduce_params *p = ag_ctx_params(ctx);
    if (nd_size(x[0]) > 0)
        return nd_logsumexp(x[0], p->naxes, p->axes, p->keepdims);
    nd_array *e = nd_exp(x[0]);
    nd_array *s = e ? nd_sum(e, p->naxes, p->axes, p->keepdims) : NULL;
    nd_array *y = s ? nd_log(s) : NULL;
    nd_free(e);
    nd_free(s);
    return y;
}

/* dL/da = dL/dy * exp(a - y) = dL/dy * softmax(a) over the axes, with
 * dL/dy and y broadcast back. */
static int logsumexp_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const reduce_params *p = ag_ctx_params(ctx);
    const nd_array *a = ag_ctx_input(ctx, 0);
    nd_array *y_back = expand_back(ag_ctx_output(ctx), a, p), *dy_back = expand_back(dy, a, p);
    nd_array *g = y_back && dy_back ? nd_subtract(a, y_back) : NULL; /* a - y */
    int status = 0;
    if (!g || nd_exp_out(g, g) < 0 || nd_multiply_out(g, dy_back, g) < 0) {
        status = nd_last_status();
        nd_free(g);
    } else {
        dx[0] = g;
    }
    nd_free(y_back);
    nd_free(dy_back);
    return status;
}

static const ag_op logsumexp_op = {"logsumexp", logsumexp_forward, logsumexp_backward};

ag_tensor *ag_logsumexp(ag_tensor *a, int naxes, const int *axes, bool keepdims)
{
    reduce_params p;
    if (checked_params(a, naxes, axes, keepdims, &p) < 0)
        return NULL;
    return ag_apply(&logsumexp_op, 1, &a, &p, sizeof p);
}
