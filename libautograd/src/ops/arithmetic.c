/*
 * Arithmetic: add, sub, mul, div, neg, and their forms with a scalar.
 *
 * Every op here is three things side by side: forward, backward (with the
 * derivative in its comment), and its table entry. Inputs broadcast as in
 * NumPy; a backward returns gradients of the broadcast shape and the tape
 * sums them back to each input's shape.
 */
#include "ops.h"

/* ---- add: y = a + b ------------------------------------------------------------ */

static nd_array *add_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_add(x[0], x[1]);
}

/* dL/da = dL/dy, dL/db = dL/dy */
static int add_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    for (int i = 0; i < 2; i++)
        if (ag_ctx_needs_grad(ctx, i) && !(dx[i] = nd_view(dy)))
            return nd_last_status();
    return 0;
}

static const ag_op add_op = {"add", add_forward, add_backward};

ag_tensor *ag_add(ag_tensor *a, ag_tensor *b)
{
    return ag_apply(&add_op, 2, (ag_tensor *[]){a, b}, NULL, 0);
}

/* ---- sub: y = a - b ------------------------------------------------------------ */

static nd_array *sub_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_subtract(x[0], x[1]);
}

/* dL/da = dL/dy, dL/db = -dL/dy */
static int sub_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    if (ag_ctx_needs_grad(ctx, 0) && !(dx[0] = nd_view(dy)))
        return nd_last_status();
    if (ag_ctx_needs_grad(ctx, 1) && !(dx[1] = nd_negative(dy)))
        return nd_last_status();
    return 0;
}

static const ag_op sub_op = {"sub", sub_forward, sub_backward};

ag_tensor *ag_sub(ag_tensor *a, ag_tensor *b)
{
    return ag_apply(&sub_op, 2, (ag_tensor *[]){a, b}, NULL, 0);
}

/* ---- mul: y = a * b ------------------------------------------------------------- */

static nd_array *mul_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_multiply(x[0], x[1]);
}

/* dL/da = dL/dy * b, dL/db = dL/dy * a */
static int mul_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    for (int i = 0; i < 2; i++)
        if (ag_ctx_needs_grad(ctx, i) && !(dx[i] = nd_multiply(dy, ag_ctx_input(ctx, 1 - i))))
            return nd_last_status();
    return 0;
}

static const ag_op mul_op = {"mul", mul_forward, mul_backward};

ag_tensor *ag_mul(ag_tensor *a, ag_tensor *b)
{
    return ag_apply(&mul_op, 2, (ag_tensor *[]){a, b}, NULL, 0);
}

/* ---- div: y = a / b ---------------------------------------------------------------- */

static nd_array *div_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_divide(x[0], x[1]);
}

/* dL/da = dL/dy / b, dL/db = -dL/dy * a / b^2 = -dL/dy * y / b */
static int div_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *b = ag_ctx_input(ctx, 1);
    if (ag_ctx_needs_grad(ctx, 0) && !(dx[0] = nd_divide(dy, b)))
        return nd_last_status();
    if (ag_ctx_needs_grad(ctx, 1)) {
        nd_array *g = nd_multiply(dy, ag_ctx_output(ctx));
        int status = g ? nd_divide_out(g, b, g) : nd_last_status();
        if (status == 0)
            status = nd_negative_out(g, g);
        if (status < 0) {
            nd_free(g);
            return status;
        }
        dx[1] = g;
    }
    return 0;
}

static const ag_op div_op = {"div", div_forward, div_backward};

ag_tensor *ag_div(ag_tensor *a, ag_tensor *b)
{
    return ag_apply(&div_op, 2, (ag_tensor *[]){a, b}, NULL, 0);
}

/* ---- neg: y = -a -------------------------------------------------------------------- */

static nd_array *neg_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_negative(x[0]);
}

/* dL/da = -dL/dy */
static int neg_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    (void)ctx;
    return (dx[0] = nd_negative(dy)) ? 0 : nd_last_status();
}

static const ag_op neg_op = {"neg", neg_forward, neg_backward};

ag_tensor *ag_neg(ag_tensor *a) { return ag_apply(&neg_op, 1, (ag_tensor *[]){a}, NULL, 0); }

/* ---- with a scalar: y = a + s, y = a * s -------------------------------------------- */

/* The scalar is a 0-d array of the input's dtype, so float32 stays float32. */
static nd_array *scalar_like(const nd_array *a, double s) { return nd_scalar(nd_dtype_of(a), s); }

static nd_array *add_scalar_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    nd_array *s = scalar_like(x[0], *(const double *)ag_ctx_params(ctx));
    nd_array *y = s ? nd_add(x[0], s) : NULL;
    nd_free(s);
    return y;
}

/* dL/da = dL/dy */
static int add_scalar_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    (void)ctx;
    return (dx[0] = nd_view(dy)) ? 0 : nd_last_status();
}

static const ag_op add_scalar_op = {"add_scalar", add_scalar_forward, add_scalar_backward};

ag_tensor *ag_add_scalar(ag_tensor *a, double s)
{
    return ag_apply(&add_scalar_op, 1, (ag_tensor *[]){a}, &s, sizeof s);
}

static nd_array *mul_scalar_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    nd_array *s = scalar_like(x[0], *(const double *)ag_ctx_params(ctx));
    nd_array *y = s ? nd_multiply(x[0], s) : NULL;
    nd_free(s);
    return y;
}

/* dL/da = dL/dy * s */
static int mul_scalar_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    nd_array *s = scalar_like(dy, *(const double *)ag_ctx_params(ctx));
    dx[0] = s ? nd_multiply(dy, s) : NULL;
    nd_free(s);
    return dx[0] ? 0 : nd_last_status();
}

static const ag_op mul_scalar_op = {"mul_scalar", mul_scalar_forward, mul_scalar_backward};

ag_tensor *ag_mul_scalar(ag_tensor *a, double s)
{
    return ag_apply(&mul_scalar_op, 1, (ag_tensor *[]){a}, &s, sizeof s);
}
