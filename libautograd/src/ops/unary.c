/*
 * Unary math: exp, log, sqrt, rsqrt, tanh, sigmoid, softplus, relu, abs,
 * square, and powers (pow with a tensor exponent, pow_scalar).
 *
 * Every op is forward, backward (the derivative in its comment), table entry
 * and public wrapper, side by side. Where the derivative is cheaper from the
 * output y than from the input x (exp, sqrt, rsqrt, tanh, sigmoid, relu),
 * the backward reads y with ag_ctx_output: the output lives on the tape until
 * the reset, so nothing needs saving. Values at the edges follow PyTorch:
 * relu' and abs' are 0 at 0, abs' is 0 at NaN, pow's gradients are 0 where
 * torch defines them so (see pow).
 */
#include "ops.h"

typedef nd_array *(*binary_fn)(const nd_array *, const nd_array *);

/* f(a, s) with the scalar s in a's dtype (float32 stays float32). */
static nd_array *with_scalar(binary_fn f, const nd_array *a, double s)
{
    nd_array *k = nd_scalar(nd_dtype_of(a), s);
    nd_array *r = k ? f(a, k) : NULL;
    nd_free(k);
    return r;
}

/* s - a, s in a's dtype. */
static nd_array *scalar_minus(double s, const nd_array *a)
{
    nd_array *k = nd_scalar(nd_dtype_of(a), s);
    nd_array *r = k ? nd_subtract(k, a) : NULL;
    nd_free(k);
    return r;
}

/* In place, as torch's mul_: d *= b (b broadcasts into d). d is taken: on
 * failure it is freed and NULL returned, so calls nest. */
static nd_array *mul_(nd_array *d, const nd_array *b)
{
    if (d && nd_multiply_out(d, b, d) < 0) {
        nd_free(d);
        return NULL;
    }
    return d;
}

/* In place: d *= s, s in d's dtype. */
static nd_array *scale_(nd_array *d, double s)
{
    nd_array *k = d ? nd_scalar(nd_dtype_of(d), s) : NULL;
    nd_array *r = k ? mul_(d, k) : NULL;
    if (!k)
        nd_free(d);
    nd_free(k);
    return r;
}

/* In place: d = 0 where mask is true (mask broadcasts into d). */
static nd_array *zero_where_(nd_array *d, const nd_array *mask)
{
    nd_array *zero = d && mask ? nd_scalar(nd_dtype_of(d), 0.0) : NULL;
    if (!zero || nd_where_out(mask, zero, d, d) < 0) {
        nd_free(d);
        d = NULL;
    }
    nd_free(zero);
    return d;
}

/* The end of most backwards: dL/dx = dL/dy * d, with d (taken) the local
 * derivative, multiplied in place. */
static int chain(nd_array *d, const nd_array *dy, nd_array **dx)
{
    *dx = mul_(d, dy);
    return *dx ? 0 : nd_last_status();
}

/* A gradient computed in one call: stores it, or returns the error. */
static int result(nd_array *g, nd_array **dx)
{
    *dx = g;
    return g ? 0 : nd_last_status();
}

/* ---- exp: y = e^x ----------------------------------------------------------------------- */

static nd_array *exp_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_exp(x[0]);
}

/* dL/dx = dL/dy * e^x = dL/dy * y */
static int exp_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return result(nd_multiply(dy, ag_ctx_output(ctx)), dx);
}

static const ag_op exp_op = {"exp", exp_forward, exp_backward};

ag_tensor *ag_exp(ag_tensor *a) { return ag_apply(&exp_op, 1, &a, NULL, 0); }

/* ---- log: y = ln x ---------------------------------------------------------------------- */

static nd_array *log_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_log(x[0]);
}

/* dL/dx = dL/dy / x */
static int log_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return result(nd_divide(dy, ag_ctx_input(ctx, 0)), dx);
}

static const ag_op log_op = {"log", log_forward, log_backward};

ag_tensor *ag_log(ag_tensor *a) { return ag_apply(&log_op, 1, &a, NULL, 0); }

/* ---- sqrt: y = x^(1/2) ------------------------------------------------------------------ */

static nd_array *sqrt_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_sqrt(x[0]);
}

/* dL/dx = dL/dy / (2 sqrt(x)) = dL/dy * 0.5 / y */
static int sqrt_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return result(scale_(nd_divide(dy, ag_ctx_output(ctx)), 0.5), dx);
}

static const ag_op sqrt_op = {"sqrt", sqrt_forward, sqrt_backward};

ag_tensor *ag_sqrt(ag_tensor *a) { return ag_apply(&sqrt_op, 1, &a, NULL, 0); }

/* ---- rsqrt: y = x^(-1/2) ---------------------------------------------------------------- */

static nd_array *rsqrt_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    nd_array *y = nd_sqrt(x[0]);
    if (y && nd_reciprocal_out(y, y) < 0) {
        nd_free(y);
        return NULL;
    }
    return y;
}

/* dL/dx = dL/dy * (-1/2) x^(-3/2) = dL/dy * (-1/2) y^3 */
static int rsqrt_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *y = ag_ctx_output(ctx);
    return chain(scale_(mul_(nd_square(y), y), -0.5), dy, dx);
}

static const ag_op rsqrt_op = {"rsqrt", rsqrt_forward, rsqrt_backward};

ag_tensor *ag_rsqrt(ag_tensor *a) { return ag_apply(&rsqrt_op, 1, &a, NULL, 0); }

/* ---- tanh ------------------------------------------------------------------------------- */

static nd_array *tanh_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_tanh(x[0]);
}

/* dL/dx = dL/dy * (1 - tanh(x)^2) = dL/dy * (1 - y^2) */
static int tanh_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    nd_array *y2 = nd_square(ag_ctx_output(ctx));
    nd_array *d = y2 ? scalar_minus(1.0, y2) : NULL;
    nd_free(y2);
    return chain(d, dy, dx);
}

static const ag_op tanh_op = {"tanh", tanh_forward, tanh_backward};

ag_tensor *ag_tanh(ag_tensor *a) { return ag_apply(&tanh_op, 1, &a, NULL, 0); }

/* ---- sigmoid: y = 1 / (1 + e^-x) -------------------------------------------------------- */

/* 1 / (1 + e^-x), a new array. e^-x overflows to inf for x < -89
 * (float32) and 1 / inf = 0: the limit. */
static nd_array *sigmoid_of(const nd_array *x)
{
    nd_array *t = nd_negative(x);
    nd_array *one = t ? nd_scalar(nd_dtype_of(t), 1.0) : NULL;
    if (!one || nd_exp_out(t, t) < 0 || nd_add_out(t, one, t) < 0 || nd_reciprocal_out(t, t) < 0) {
        nd_free(t);
        t = NULL;
    }
    nd_free(one);
    return t;
}

static nd_array *sigmoid_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return sigmoid_of(x[0]);
}

/* dL/dx = dL/dy * y (1 - y) */
static int sigmoid_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *y = ag_ctx_output(ctx);
    return chain(mul_(scalar_minus(1.0, y), y), dy, dx);
}

static const ag_op sigmoid_op = {"sigmoid", sigmoid_forward, sigmoid_backward};

ag_tensor *ag_sigmoid(ag_tensor *a) { return ag_apply(&sigmoid_op, 1, &a, NULL, 0); }

/* ---- softplus: y = log(1 + e^(beta x)) / beta ------------------------------------------- */

typedef struct softplus_params {
    double beta, threshold;
} softplus_params;

/* beta x (in x's dtype) and where beta x > threshold: the linear region,
 * where softplus returns x itself (log(1 + e^z) = z up to rounding there). */
static int softplus_regions(const nd_array *x, const softplus_params *p, nd_array **bx,
                            nd_array **linear)
{
    *bx = with_scalar(nd_multiply, x, p->beta);
    *linear = *bx ? with_scalar(nd_greater, *bx, p->threshold) : NULL;
    return *linear ? 0 : nd_last_status();
}

/* torch's softplus kernel, element for element:
 *   y = x                        where beta x > threshold
 *   y = log1p(e^(beta x)) / beta elsewhere
 * log1p keeps the tail exact: for beta x = -40, e^(beta x) = 4e-18 and
 * log(1 + 4e-18) would round to 0. */
static nd_array *softplus_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    const softplus_params *p = ag_ctx_params(ctx);
    nd_array *bx, *linear, *beta = NULL, *y = NULL;
    if (softplus_regions(x[0], p, &bx, &linear) < 0)
        goto done;
    beta = nd_scalar(nd_dtype_of(x[0]), p->beta);
    if (!beta || nd_exp_out(bx, bx) < 0 || nd_log1p_out(bx, bx) < 0 ||
        nd_divide_out(bx, beta, bx) < 0 || nd_where_out(linear, x[0], bx, bx) < 0)
        goto done;
    y = bx, bx = NULL;
done:
    nd_free(bx);
    nd_free(linear);
    nd_free(beta);
    return y;
}

/* dy/dx = e^(beta x) / (1 + e^(beta x)) = sigmoid(beta x), 1 in the linear
 * region: dL/dx = dL/dy * that. (torch writes z / (z + 1) with z =
 * e^(beta x), which is NaN once z overflows below a threshold above ~88;
 * the sigmoid form gives the limit 1 there and the same values elsewhere.) */
static int softplus_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    nd_array *bx, *linear, *one = NULL, *d = NULL;
    int status = softplus_regions(ag_ctx_input(ctx, 0), ag_ctx_params(ctx), &bx, &linear);
    if (status == 0 && (!(one = nd_scalar(nd_dtype_of(dy), 1.0)) || !(d = sigmoid_of(bx)) ||
                        nd_where_out(linear, one, d, d) < 0))
        status = nd_last_status();
    nd_free(bx);
    nd_free(linear);
    nd_free(one);
    if (status < 0) {
        nd_free(d);
        return status;
    }
    return chain(d, dy, dx);
}

static const ag_op softplus_op = {"softplus", softplus_forward, softplus_backward};

ag_tensor *ag_softplus(ag_tensor *a, double beta, double threshold)
{
    softplus_params p = {beta, threshold};
    return ag_apply(&softplus_op, 1, &a, &p, sizeof p);
}

/* ---- relu: y = max(x, 0) ---------------------------------------------------------------- */

/* NaN stays NaN (maximum propagates it), as torch.relu. */
static nd_array *relu_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return with_scalar(nd_maximum, x[0], 0.0);
}

/* dL/dx = dL/dy where y > 0, else 0; 0 at x = 0 and dL/dy at NaN, as torch's
 * threshold_backward (zero where y <= 0). */
static int relu_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    nd_array *off = with_scalar(nd_less_equal, ag_ctx_output(ctx), 0.0);
    nd_array *zero = off ? nd_scalar(nd_dtype_of(dy), 0.0) : NULL;
    nd_array *g = zero ? nd_where(off, zero, dy) : NULL;
    nd_free(off);
    nd_free(zero);
    return result(g, dx);
}

static const ag_op relu_op = {"relu", relu_forward, relu_backward};

ag_tensor *ag_relu(ag_tensor *a) { return ag_apply(&relu_op, 1, &a, NULL, 0); }

/* ---- abs: y = |x| ----------------------------------------------------------------------- */

static nd_array *abs_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_absolute(x[0]);
}

/* dL/dx = dL/dy * sgn(x), with torch's sgn: 0 at 0 and at NaN. */
static int abs_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *x = ag_ctx_input(ctx, 0);
    nd_array *nan = nd_isnan(x);
    nd_array *d = nan ? nd_sign(x) : NULL;
    d = zero_where_(d, nan);
    nd_free(nan);
    return chain(d, dy, dx);
}

static const ag_op abs_op = {"abs", abs_forward, abs_backward};

ag_tensor *ag_abs(ag_tensor *a) { return ag_apply(&abs_op, 1, &a, NULL, 0); }

/* ---- square: y = x^2 -------------------------------------------------------------------- */

static nd_array *square_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_square(x[0]);
}

/* dL/dx = dL/dy * 2x */
static int square_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    return chain(with_scalar(nd_multiply, ag_ctx_input(ctx, 0), 2.0), dy, dx);
}

static const ag_op square_op = {"square", square_forward, square_backward};

ag_tensor *ag_square(ag_tensor *a) { return ag_apply(&square_op, 1, &a, NULL, 0); }

/* ---- pow: y = a^b, b a tensor ----------------------------------------------------------- */

static nd_array *pow_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)ctx, (void)n;
    return nd_power(x[0], x[1]);
}

/* dL/da = dL/dy * b a^(b-1), and 0 where b == 0 (so 0^0 has gradient 0);
 * dL/db = dL/dy * a^b ln a = dL/dy * y ln a, and 0 where a == 0 and b >= 0
 * (the limit of y ln a). Both zeros are torch's pow_backward_self and
 * pow_backward_exponent. The gradients have the broadcast shape of a and b. */
static int pow_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *a = ag_ctx_input(ctx, 0), *b = ag_ctx_input(ctx, 1);
    if (ag_ctx_needs_grad(ctx, 0)) {
        nd_array *b_minus_1 = with_scalar(nd_subtract, b, 1.0);
        nd_array *b_is_0 = b_minus_1 ? with_scalar(nd_equal, b, 0.0) : NULL;
        nd_array *d = b_is_0 ? nd_power(a, b_minus_1) : NULL;
        d = zero_where_(mul_(d, b), b_is_0);
        nd_free(b_minus_1);
        nd_free(b_is_0);
        int status = chain(d, dy, &dx[0]);
        if (status < 0)
            return status;
    }
    if (ag_ctx_needs_grad(ctx, 1)) {
        nd_array *a_is_0 = with_scalar(nd_equal, a, 0.0);
        nd_array *b_nonneg = a_is_0 ? with_scalar(nd_greater_equal, b, 0.0) : NULL;
        nd_array *limit = b_nonneg ? nd_logical_and(a_is_0, b_nonneg) : NULL;
        nd_array *log_a = limit ? nd_log(a) : NULL;
        nd_array *d = log_a ? nd_multiply(ag_ctx_output(ctx), log_a) : NULL; /* broadcast */
        d = zero_where_(d, limit);
        nd_free(log_a);
        nd_free(a_is_0);
        nd_free(b_nonneg);
        nd_free(limit);
        return chain(d, dy, &dx[1]);
    }
    return 0;
}

static const ag_op pow_op = {"pow", pow_forward, pow_backward};

ag_tensor *ag_pow(ag_tensor *a, ag_tensor *b)
{
    return ag_apply(&pow_op, 2, (ag_tensor *[]){a, b}, NULL, 0);
}

/* ---- pow_scalar: y = a^p, p a number ---------------------------------------------------- */

static nd_array *pow_scalar_forward(ag_ctx *ctx, int n, const nd_array *const *x)
{
    (void)n;
    return with_scalar(nd_power, x[0], *(const double *)ag_ctx_params(ctx));
}

/* dL/da = dL/dy * p a^(p-1); 0 for p == 0 (torch's pow_backward), so that
 * a^0 = 1 has gradient 0 even at a = 0. */
static int pow_scalar_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    double p = *(const double *)ag_ctx_params(ctx);
    if (p == 0.0)
        return result(nd_zeros_like(dy), dx);
    return chain(scale_(with_scalar(nd_power, ag_ctx_input(ctx, 0), p - 1.0), p), dy, dx);
}

static const ag_op pow_scalar_op = {"pow_scalar", pow_scalar_forward, pow_scalar_backward};

ag_tensor *ag_pow_scalar(ag_tensor *a, double p)
{
    return ag_apply(&pow_scalar_op, 1, &a, &p, sizeof p);
}
