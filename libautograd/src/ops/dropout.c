/*
 * Dropout (inverted): y = x * m with m_i = 1 / (1 - p) where the element
 * is kept (u_i >= p for u_i uniform in [0, 1)), 0 where it is dropped.
 *
 * The mask is drawn with nd_rng_random from the caller's generator, so a
 * run is reproducible from the generator's state; it is not the mask torch
 * draws (a different generator), which is why the tests check its
 * statistics rather than its bits. The forward saves m; the backward is
 * dL/dx = dL/dy * m, with the very same mask.
 */
#include "layers.h"

typedef struct dropout_params {
    double p;
    nd_rng *rng; /* used by the forward only */
} dropout_params;

/* ---- the kernel, once per element type (dropout_kernels.inc) ---- */

#define T float
#define dropout_mask_T dropout_mask_float
#include "dropout_kernels.inc"

#define T double
#define dropout_mask_T dropout_mask_double
#include "dropout_kernels.inc"

/* x -> y = x * m; saves m (x's shape and dtype). */
static nd_array *dropout_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const dropout_params *p = ag_ctx_params(ctx);
    nd_dtype dt = nd_dtype_of(x[0]);
    nd_array *m = nd_rng_random(p->rng, dt, nd_ndim(x[0]), nd_shape(x[0]));
    if (!m)
        return NULL;
    LAYER_CALL(dt, dropout_mask, nd_data(m), nd_size(m), p->p, p->p < 1 ? 1 / (1 - p->p) : 0);
    nd_array *y = ag_ctx_save(ctx, m) >= 0 ? nd_multiply(x[0], m) : NULL;
    nd_free(m);
    return y;
}

/* dL/dx = dL/dy * m */
static int dropout_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return (dx[0] = nd_multiply(dy, ag_ctx_saved(ctx, 0))) ? 0 : nd_last_status();
}

static const ag_op dropout_op = {"dropout", dropout_forward, dropout_backward};

ag_tensor *ag_dropout(ag_tensor *a, double p, nd_rng *rng)
{
    AG_REQUIRE(a, NULL);
    if (!(p >= 0 && p <= 1)) {
        nd_set_last_error(ND_ERR_VALUE, "dropout probability has to be between 0 and 1, but got %g",
                          p);
        return NULL;
    }
    if (!a || !rng || p == 0)
        return a; /* evaluation, or nothing to drop: the identity */
    if (layer_check_float(ag_value(a), "dropout") < 0)
        return NULL;
    dropout_params params = {p, rng};
    return ag_apply(&dropout_op, 1, (ag_tensor *[]){a}, &params, sizeof params);
}
