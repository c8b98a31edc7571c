/*
 * to_dtype: y = x converted to another dtype (torch's x.to(dtype)), the
 * cast that mixed precision puts in front of every matmul operand.
 *
 * Forward: nd_astype (round to nearest even for float32 -> bfloat16, NaN
 * stays NaN). The cast is the identity map on the real numbers up to that
 * rounding, and its derivative is taken as 1 (the straight-through rule
 * every framework uses: the rounding is piecewise constant, its true
 * derivative 0 almost everywhere, useless for training):
 *
 *   dL/dx = dL/dy converted to x's dtype.
 *
 * So a float32 master weight W used as a bf16 operand receives the bf16
 * gradient of its copy widened exactly to float32, and a float32 -> float64
 * cast (gradcheck) passes its gradient through rounded once to float32.
 *
 * Casting to an integer or bool dtype records nothing (the result does not
 * require a gradient), as torch's x.long() on a tensor that requires grad.
 * Casting to x's own dtype returns x itself, as torch's x.to(x.dtype): a
 * float32 model can call the same code as a bf16 one at no cost.
 */
#include "ops.h"

static nd_array *to_dtype_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    return nd_astype(x[0], *(const nd_dtype *)ag_ctx_params(ctx));
}

/* dL/dx = dL/dy in x's dtype. */
static int to_dtype_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    dx[0] = nd_astype(dy, nd_dtype_of(ag_ctx_input(ctx, 0)));
    return dx[0] ? 0 : nd_last_status();
}

static const ag_op to_dtype_op = {"to_dtype", to_dtype_forward, to_dtype_backward};

ag_tensor *ag_to_dtype(ag_tensor *x, nd_dtype dtype)
{
    AG_REQUIRE(x, NULL);
    if (nd_dtype_itemsize(dtype) == 0) {
        nd_set_last_error(ND_ERR_TYPE, "to(): invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (nd_dtype_of(ag_value(x)) == dtype)
        return x;
    if (nd_dtype_is_float(dtype))
        return ag_apply(&to_dtype_op, 1, &x, &dtype, sizeof dtype);
    /* Integers and bool carry no gradient: an unrecorded op. */
    ag_no_grad_begin();
    ag_tensor *y = ag_apply(&to_dtype_op, 1, &x, &dtype, sizeof dtype);
    ag_no_grad_end();
    return y;
}

/* The cast whose result the caller already holds (an optimizer's copy,
 * ag_optimizer_set_copy): the forward is a view of it, the backward the
 * cast's. */
static nd_array *to_dtype_from_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n, (void)x;
    return nd_view(*(const nd_array *const *)ag_ctx_params(ctx));
}

static const ag_op to_dtype_from_op = {"to_dtype", to_dtype_from_forward, to_dtype_backward};

ag_tensor *ag_to_dtype_from(ag_tensor *x, const nd_array *value)
{
    AG_REQUIRE(x, NULL);
    AG_REQUIRE(value, NULL);
    const nd_array *xv = ag_value(x);
    if (!ag_same_shape(xv, value) || !nd_dtype_is_float(nd_dtype_of(value)) ||
        nd_dtype_of(value) == nd_dtype_of(xv)) {
        nd_set_last_error(ND_ERR_VALUE,
                          "to_dtype_from: the value must have x's shape and another float "
                          "dtype");
        return NULL;
    }
    return ag_apply(&to_dtype_from_op, 1, &x, &value, sizeof value);
}
