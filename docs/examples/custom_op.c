/*
 * Worked example: a new op, written with the same public API the built-in
 * ops use (autograd.h's ag_op, ag_apply, ag_ctx_*).
 *
 *     swish(x) = x * s,  s = sigmoid(x) = 1 / (1 + e^-x)
 *     d swish / dx = s + x * s * (1 - s)
 *
 * The forward saves s for the backward (ag_ctx_save) rather than recompute
 * it. The program uses the op in a small graph, compares the gradient with
 * the formula, and checks the backward against finite differences with
 * ag_gradcheck (exit 1 if anything is off), so it doubles as a test.
 */
#include <autograd.h>
#include <math.h>
#include <stdio.h>

/* ---- the op: forward, backward, table entry ------------------------------------- */

/* y = x * sigmoid(x), in x's dtype; saves s = sigmoid(x). Returns a new
 * array, or NULL with libnd's error set. */
static nd_array *swish_forward(ag_ctx *ctx, int n, const nd_array *const *inputs)
{
    (void)n;
    const nd_array *x = inputs[0];
    // clang-format off
    nd_array *one = nd_scalar(nd_dtype_of(x), 1.0);   /* float32 stays float32 */
    nd_array *s = nd_negative(x);                      /* -x */
    nd_array *y = NULL;
    if (one && s && nd_exp_out(s, s) == 0 &&           /* e^-x */
        nd_add_out(s, one, s) == 0 &&                  /* 1 + e^-x */
        nd_divide_out(one, s, s) == 0 &&               /* s = 1 / (1 + e^-x) */
        ag_ctx_save(ctx, s) >= 0)                      /* keep s for the backward */
        // clang-format on
        y = nd_multiply(x, s);
    nd_free(one);
    nd_free(s); /* the context holds its own handle on s */
    return y;
}

/* dL/dx = dL/dy * (s + x * s * (1 - s)) */
static int swish_backward(ag_ctx *ctx, const nd_array *dy, nd_array **dx)
{
    const nd_array *x = ag_ctx_input(ctx, 0), *s = ag_ctx_saved(ctx, 0);
    nd_array *one = nd_scalar(nd_dtype_of(s), 1.0);
    // clang-format off
    nd_array *d = one ? nd_subtract(one, s) : NULL;    /* 1 - s */
    int status = d ? 0 : nd_last_status();
    if (status == 0)
        status = nd_multiply_out(d, s, d);             /* s (1 - s) */
    if (status == 0)
        status = nd_multiply_out(d, x, d);             /* x s (1 - s) */
    if (status == 0)
        status = nd_add_out(d, s, d);                  /* s + x s (1 - s) */
    if (status == 0 && !(dx[0] = nd_multiply(dy, d)))  /* a NEW array, owned by the tape */
        // clang-format on
        status = nd_last_status();
    nd_free(one);
    nd_free(d);
    return status;
}

static const ag_op swish_op = {"swish", swish_forward, swish_backward};

/* The public wrapper: one input, no parameters. NULL in gives NULL out. */
static ag_tensor *swish(ag_tensor *x) { return ag_apply(&swish_op, 1, &x, NULL, 0); }

/* ---- using it ------------------------------------------------------------------- */

/* ag_gradcheck's form of a function: builds the output from its inputs. */
static ag_tensor *swish_of_product(ag_tensor *const *inputs, void *ctx)
{
    (void)ctx;
    return swish(ag_mul(inputs[0], inputs[1])); /* swish(a * b), b broadcast */
}

int main(void)
{
    int failures = 0;

    /* 1. In a graph: L = sum(swish(x)); dL/dx is the derivative itself. */
    const double xs[4] = {-2.0, -0.5, 0.0, 3.0};
    nd_array *xv = nd_from_data(ND_FLOAT64, 1, (const int64_t[]){4}, xs);
    ag_tensor *x = ag_param(xv);
    ag_tensor *y = swish(x);
    ag_tensor *loss = ag_sum(y, 0, NULL, false);
    if (!loss || ag_backward(loss) < 0) {
        fprintf(stderr, "custom_op: %s\n", ag_last_error());
        failures++;
    } else {
        printf("recorded as \"%s\"\n", ag_op_name(y));
        for (int64_t i = 0; i < 4; i++) {
            double g = NAN, s = 1 / (1 + exp(-xs[i]));
            nd_get(ag_grad(x), &i, &g);
            double want = s + xs[i] * s * (1 - s);
            printf("x = %5.2f  dL/dx = %.6f  (formula %.6f)\n", xs[i], g, want);
            failures += !(fabs(g - want) < 1e-12);
        }
    }
    ag_tape_reset(); /* frees swish's output, its saved s, and the sum */

    /* 2. Against finite differences: ag_gradcheck perturbs every element of
     * a (3, 4) and of a broadcast row b (4,), in float64. */
    nd_rng *rng = nd_rng_new(7);
    nd_array *a = nd_rng_standard_normal(rng, ND_FLOAT64, 2, (const int64_t[]){3, 4});
    nd_array *b = nd_rng_standard_normal(rng, ND_FLOAT64, 1, (const int64_t[]){4});
    ag_gradcheck_report report;
    int ok = ag_gradcheck(swish_of_product, NULL, 2, (const nd_array *const[]){a, b}, 1e-6, 1e-8,
                          1e-6, &report);
    printf("gradcheck: %s (worst: input %d, element %lld, analytic %.9f, numeric %.9f)\n",
           ok == 1 ? "passed" : "FAILED", report.input, (long long)report.index, report.analytic,
           report.numeric);
    failures += ok != 1;

    nd_free(a);
    nd_free(b);
    nd_rng_free(rng);
    ag_tensor_free(x);
    nd_free(xv);
    return failures ? 1 : 0;
}
