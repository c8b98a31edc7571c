/*
 * Elementwise selection: maximum, minimum, where, masked_fill, clamp.
 *
 * Each op is forward, backward (the derivative in its comment), table entry
 * and public wrapper, side by side. These ops route dL/dy to whichever input
 * was selected; where torch splits or drops a gradient at a tie or a bound,
 * so do they (said at each op). Masks and conditions are nd_arrays, not
 * tensors: the forward keeps a copy for the backward (ag_ctx_save), so the
 * caller may change or free its array as soon as the op returns.
 */
#include "ops.h"

#include <math.h>

/* dy where keep is true, 0 elsewhere, in dy's dtype (0-d zero is
 * value-based: float32 stays float32). The shape is the broadcast of keep
 * and dy. */
static nd_array *pass_where(const nd_array *keep, const nd_array *dy, bool keep_value)
{
    nd_array *zero = nd_scalar(nd_dtype_of(dy), 0.0);
    nd_array *g = !zero ? NULL : keep_value ? nd_where(keep, dy, zero) : nd_where(keep, zero, dy);
    nd_free(zero);
    return g;
}

/* Saves a private copy of a mask for the backward (only when a backward
 * will run: an unrecorded op has no input that needs a gradient). */
static int save_mask(ag_ctx *ctx, const nd_array *mask)
{
    bool recorded = false;
    for (int i = 0; i < ag_ctx_num_inputs(ctx); i++)
        recorded = recorded || ag_ctx_needs_grad(ctx, i);
    if (!recorded)
        return 0;
    nd_array *copy = nd_copy(mask);
    int index = copy ? ag_ctx_save(ctx, copy) : nd_last_status();
    nd_free(copy);
    return index;
}

/* A mask (masked_fill) or condition (where) must be bool, as torch asks. */
static int check_mask(const nd_array *mask, bool condition)
{
    const char *op = condition ? "where" : "masked_fill";
    if (!mask) {
        if (nd_last_status() == ND_OK)
            nd_set_last_error(ND_ERR_VALUE, "%s: the %s is NULL", op,
                              condition ? "condition" : "mask");
        return nd_last_status();
    }
    if (nd_dtype_of(mask) == ND_BOOL)
        return 0;
    const char *dtype = torch_dtype_name(nd_dtype_of(mask));
    if (condition)
        return nd_set_last_error(ND_ERR_TYPE,
                                 "where expected condition to be a boolean tensor, "
                                 "but got a tensor with dtype %s",
                                 dtype);
    return nd_set_last_error(ND_ERR_TYPE,
                             "masked_fill_ only supports boolean masks, but got "
                             "mask with dtype %s",
                             dtype);
}

/* ---- maximum / minimum: y = max(a, b), y = min(a, b) elementwise ------------------------ */

static nd_array *maximum_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_maximum(x[0], x[1]);
}

static nd_array *minimum_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_minimum(x[0], x[1]);
}

/* The selected input gets dL/dy; at a tie (a == b) each gets dL/dy / 2, as
 * torch 1.13:
 *     h = where(a == b, dL/dy / 2, dL/dy)
 *     dL/da = h, zeroed where a lost (a < b for maximum, a > b for minimum)
 *     dL/db = h, zeroed where b lost
 * With a NaN on either side nothing compares true, so both get dL/dy, as in
 * torch. `a_loses` is nd_less for maximum, nd_greater for minimum. */
static int select_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx,
                           nd_array *(*a_loses)(const nd_array *, const nd_array *))
{
    const nd_array *a = ag_ctx_input(ctx, 0), *b = ag_ctx_input(ctx, 1);
    nd_array *tie = nd_equal(a, b), *one_half = nd_scalar(nd_dtype_of(dy), 0.5);
    nd_array *half = one_half ? nd_multiply(dy, one_half) : NULL;
    nd_array *h = half && tie ? nd_where(tie, half, dy) : NULL, *lost = NULL;
    int status = h ? 0 : nd_last_status();
    for (int i = 0; i < 2 && status == 0; i++) {
        if (!ag_ctx_needs_grad(ctx, i))
            continue;
        nd_free(lost);
        lost = i == 0 ? a_loses(a, b) : a_loses(b, a);
        if (!lost || !(dx[i] = pass_where(lost, h, false)))
            status = nd_last_status();
    }
    nd_free(tie);
    nd_free(one_half);
    nd_free(half);
    nd_free(h);
    nd_free(lost);
    return status;
}

static int maximum_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return select_backward(ctx, dy, dx, nd_less);
}

static int minimum_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return select_backward(ctx, dy, dx, nd_greater);
}

static const ag_op maximum_op = {"maximum", maximum_forward, maximum_backward};
static const ag_op minimum_op = {"minimum", minimum_forward, minimum_backward};

ag_tensor *ag_maximum(ag_tensor *a, ag_tensor *b)
{
    return ag_apply(&maximum_op, 2, (ag_tensor *[]){a, b}, NULL, 0);
}

ag_tensor *ag_minimum(ag_tensor *a, ag_tensor *b)
{
    return ag_apply(&minimum_op, 2, (ag_tensor *[]){a, b}, NULL, 0);
}

/* ---- where: y = cond ? a : b ------------------------------------------------------------ */

/* The condition travels to the forward as a pointer in the params (valid
 * only during the call); the forward saves a copy as saved[0]. */
static nd_array *where_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const nd_array *cond = *(const nd_array *const *)ag_ctx_params(ctx);
    if (check_mask(cond, true) < 0 || save_mask(ctx, cond) < 0)
        return NULL;
    return nd_where(cond, x[0], x[1]);
}

/* dL/da = where(cond, dL/dy, 0), dL/db = where(cond, 0, dL/dy) */
static int where_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *cond = ag_ctx_saved(ctx, 0);
    for (int i = 0; i < 2; i++)
        if (ag_ctx_needs_grad(ctx, i) && !(dx[i] = pass_where(cond, dy, i == 0)))
            return nd_last_status();
    return 0;
}

static const ag_op where_op = {"where", where_forward, where_backward};

ag_tensor *ag_where(const nd_array *cond, ag_tensor *a, ag_tensor *b)
{
    return ag_apply(&where_op, 2, (ag_tensor *[]){a, b}, &cond, sizeof cond);
}

/* ---- masked_fill: y = mask ? value : a -------------------------------------------------- */

typedef struct masked_fill_params {
    const nd_array *mask; /* valid during the forward only; it saves a copy */
    double value;
} masked_fill_params;

static nd_array *masked_fill_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const masked_fill_params *p = ag_ctx_params(ctx);
    if (check_mask(p->mask, false) < 0 || save_mask(ctx, p->mask) < 0)
        return NULL;
    nd_array *value = nd_scalar(nd_dtype_of(x[0]), p->value);
    nd_array *y = value ? nd_where(p->mask, value, x[0]) : NULL;
    nd_free(value);
    return y;
}

/* dL/da = where(mask, 0, dL/dy): a filled element no longer depends on a. */
static int masked_fill_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return (dx[0] = pass_where(ag_ctx_saved(ctx, 0), dy, false)) ? 0 : nd_last_status();
}

static const ag_op masked_fill_op = {"masked_fill", masked_fill_forward, masked_fill_backward};

ag_tensor *ag_masked_fill(ag_tensor *a, const nd_array *mask, double value)
{
    masked_fill_params p = {mask, value};
    return ag_apply(&masked_fill_op, 1, &a, &p, sizeof p);
}

/* ---- clamp: y = min(max(a, lo), hi) ----------------------------------------------------- */

typedef struct clamp_params {
    double lo, hi; /* NaN: no bound on that side */
} clamp_params;

/* The bound as a 0-d array of x's dtype, or NULL with no error if absent. */
static nd_array *bound(const nd_array *x, double value, int *status)
{
    if (isnan(value))
        return NULL;
    nd_array *b = nd_scalar(nd_dtype_of(x), value);
    if (!b)
        *status = nd_last_status();
    return b;
}

static nd_array *clamp_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const clamp_params *p = ag_ctx_params(ctx);
    if (isnan(p->lo) && isnan(p->hi)) {
        nd_set_last_error(ND_ERR_VALUE, "torch.clamp: At least one of 'min' or 'max' must not "
                                        "be None");
        return NULL;
    }
    int status = 0;
    nd_array *lo = bound(x[0], p->lo, &status), *hi = bound(x[0], p->hi, &status);
    nd_array *y = status == 0 ? nd_clip(x[0], lo, hi) : NULL;
    nd_free(lo);
    nd_free(hi);
    return y;
}

/* dL/da = dL/dy where lo <= a <= hi (bounds included, as torch), else 0;
 * 0 at NaN. With lo > hi every element is clamped to hi and every gradient
 * is 0, as torch. */
static int clamp_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const clamp_params *p = ag_ctx_params(ctx);
    const nd_array *x = ag_ctx_input(ctx, 0);
    int status = 0;
    nd_array *lo = bound(x, p->lo, &status), *hi = bound(x, p->hi, &status);
    nd_array *keep = NULL, *below_hi = NULL; /* lo <= x, x <= hi */
    if (status < 0)
        goto done;
    keep = lo ? nd_greater_equal(x, lo) : nd_less_equal(x, hi);
    if (keep && lo && hi) {
        below_hi = nd_less_equal(x, hi);
        if (!below_hi || nd_logical_and_out(keep, below_hi, keep) < 0)
            status = nd_last_status();
    }
    if (status == 0 && (!keep || !(dx[0] = pass_where(keep, dy, true))))
        status = nd_last_status();
done:
    nd_free(lo);
    nd_free(hi);
    nd_free(keep);
    nd_free(below_hi);
    return status;
}

static const ag_op clamp_op = {"clamp", clamp_forward, clamp_backward};

ag_tensor *ag_clamp(ag_tensor *a, double lo, double hi)
{
    clamp_params p = {lo, hi};
    return ag_apply(&clamp_op, 1, &a, &p, sizeof p);
}
