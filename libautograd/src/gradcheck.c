/*
 * ag_gradcheck: every backward against central finite differences.
 *
 * For a function f of tensors, take a fixed random v of f's output shape and
 * the scalar L = sum(v * f(x)). The backward gives dL/dx in one pass; the
 * numeric estimate perturbs one element at a time:
 *     dL/dx_i ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps),
 * with error O(eps^2). Everything runs in float64 so that the estimate is
 * good to ~1e-10 with eps = 1e-6. A random v (rather than the full Jacobian)
 * checks every output's contribution at once, with probability one.
 */
#include "ag_internal.h"

#include <math.h>

/* L = sum(v * y) in float64. */
static double project(const nd_array *y, const nd_array *v)
{
    nd_array *p = nd_multiply(y, v);
    nd_array *s = p ? nd_sum(p, 0, NULL, false) : NULL;
    double value = NAN;
    if (s)
        nd_get(s, NULL, &value);
    nd_free(p);
    nd_free(s);
    return value;
}

/* f(x) projected on v, without recording anything. */
static double evaluate(ag_function fn, void *ctx, ag_tensor *const *x, const nd_array *v)
{
    ag_no_grad_begin();
    ag_tensor *y = fn(x, ctx);
    double value = y ? project(ag_value(y), v) : NAN;
    ag_no_grad_end();
    ag_tape_reset();
    return value;
}

int ag_gradcheck(ag_function fn, void *ctx, int n, const nd_array *const *inputs, double eps,
                 double atol, double rtol, ag_gradcheck_report *report)
{
    if (!fn || n < 1 || n > AG_MAX_INPUTS || !inputs)
        return ag_error(ND_ERR_VALUE, "gradcheck: a function and 1 to %d inputs are needed",
                        AG_MAX_INPUTS);
    ag_gradcheck_report worst = {.input = -1, .index = -1, .error = -INFINITY};
    ag_tensor *x[AG_MAX_INPUTS] = {0};
    nd_array *analytic[AG_MAX_INPUTS] = {0};
    nd_array *v = NULL;
    nd_rng *rng = NULL;
    int status = 0;
    ag_tape_reset();
    for (int i = 0; i < n && status == 0; i++) {
        nd_dtype dt = nd_dtype_of(inputs[i]);
        bool differentiable =
            dt == ND_FLOAT32 || dt == ND_FLOAT64 || dt == ND_FLOAT16 || dt == ND_BFLOAT16;
        nd_array *as64 = differentiable ? nd_astype(inputs[i], ND_FLOAT64) : NULL;
        x[i] = differentiable ? (as64 ? ag_param(as64) : NULL) : ag_const(inputs[i]);
        nd_free(as64);
        if (!x[i])
            status = nd_last_status();
    }
    ag_tensor *y = status == 0 ? fn(x, ctx) : NULL;
    if (status == 0 && !y)
        status = nd_last_status() ? nd_last_status() : ND_ERR_VALUE;
    if (status == 0) {
        rng = nd_rng_new(20261125);
        v = rng ? nd_rng_standard_normal(rng, ND_FLOAT64, nd_ndim(ag_value(y)),
                                         nd_shape(ag_value(y)))
                : NULL;
        status = v ? ag_backward_ex(y, v, false) : nd_last_status();
    }
    for (int i = 0; i < n && status == 0; i++)
        if (ag_requires_grad(x[i])) {
            const nd_array *g = ag_grad(x[i]);
            analytic[i] = g ? nd_copy(g) : nd_zeros_like(ag_value(x[i]));
            if (!analytic[i])
                status = nd_last_status();
        }
    ag_tape_reset();

    for (int i = 0; i < n && status == 0; i++) {
        if (!analytic[i])
            continue;
        nd_array *value = ag_param_value(x[i]);
        nd_array *flat_value = nd_reshape(value, 1, (const int64_t[]){nd_size(value)});
        nd_array *flat_grad = nd_reshape(analytic[i], 1, (const int64_t[]){nd_size(value)});
        for (int64_t k = 0; k < nd_size(value) && flat_value && flat_grad; k++) {
            double original, a;
            nd_get(flat_value, &k, &original);
            nd_get(flat_grad, &k, &a);
            nd_set(flat_value, &k, original + eps);
            double plus = evaluate(fn, ctx, x, v);
            nd_set(flat_value, &k, original - eps);
            double minus = evaluate(fn, ctx, x, v);
            nd_set(flat_value, &k, original);
            double numeric = (plus - minus) / (2 * eps);
            double error = fabs(a - numeric) - (atol + rtol * fabs(numeric));
            if (isnan(error))
                error = INFINITY;
            if (error > worst.error)
                worst = (ag_gradcheck_report){i, k, a, numeric, error};
        }
        if (!flat_value || !flat_grad)
            status = nd_last_status();
        nd_free(flat_value);
        nd_free(flat_grad);
    }
    for (int i = 0; i < n; i++) {
        ag_tensor_free(x[i]);
        nd_free(analytic[i]);
    }
    nd_free(v);
    nd_rng_free(rng);
    if (report)
        *report = worst;
    if (status < 0)
        return status;
    return worst.error <= 0 ? 1 : 0;
}
