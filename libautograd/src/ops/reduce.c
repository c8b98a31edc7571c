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

static reduce_params make_params(int naxes, const int *axes, bool keepdims)
{
    reduce_params p = {.naxes = naxes < 0 ? 0 : naxes > ND_MAXDIMS ? ND_MAXDIMS : naxes,
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
    double count = (double)nd_size(a) / (double)(nd_size(ag_ctx_output(ctx)) ? nd_size(ag_ctx_output(ctx)) : 1);
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
    reduce_params p = make_params(naxes, axes, keepdims);
    return ag_apply(&mean_op, 1, (ag_tensor *[]){a}, &p, sizeof p);
}
