/* Unary math, elementwise selection, and var/amax/amin/logsumexp against
 * PyTorch (torch/elementwise_cases.py): same inputs, same output, same input
 * gradients, edge values included. */
#include "test_util.h"
#include "torch_cases.h"

#include <math.h>

// clang-format off
static ag_tensor *f_exp(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_exp(x[0]); }
static ag_tensor *f_log(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_log(x[0]); }
static ag_tensor *f_sqrt(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_sqrt(x[0]); }
static ag_tensor *f_rsqrt(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_rsqrt(x[0]); }
static ag_tensor *f_tanh(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_tanh(x[0]); }
static ag_tensor *f_sigmoid(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_sigmoid(x[0]); }
static ag_tensor *f_relu(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_relu(x[0]); }
static ag_tensor *f_abs(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_abs(x[0]); }
static ag_tensor *f_square(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_square(x[0]); }
static ag_tensor *f_pow(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_pow(x[0], x[1]); }
static ag_tensor *f_maximum(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_maximum(x[0], x[1]); }
static ag_tensor *f_minimum(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_minimum(x[0], x[1]); }
// clang-format on

static ag_tensor *f_pow_scalar(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_pow_scalar(x[0], torch_param_double(p, "p", 1));
}

/* The condition / mask arrives as a constant tensor; the op takes its array. */
static ag_tensor *f_where(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    return ag_where(ag_value(x[0]), x[1], x[2]);
}

static ag_tensor *f_masked_fill(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_masked_fill(x[0], ag_value(x[1]), torch_param_double(p, "value", 0));
}

static ag_tensor *f_softplus(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_softplus(x[0], torch_param_double(p, "beta", 1),
                       torch_param_double(p, "threshold", 20));
}

static ag_tensor *f_clamp(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_clamp(x[0], torch_param_double(p, "lo", NAN), torch_param_double(p, "hi", NAN));
}

typedef ag_tensor *(*reduction)(ag_tensor *, int, const int *, bool);

static ag_tensor *reduce_case(reduction f, ag_tensor *x, const char *p)
{
    int axes[ND_MAXDIMS], naxes = torch_param_ints(p, "axes", axes, ND_MAXDIMS);
    return f(x, naxes, axes, torch_param_int(p, "keepdims", 0) != 0);
}

// clang-format off
static ag_tensor *f_max(ag_tensor *const *x, int n, const char *p) { (void)n; return reduce_case(ag_max, x[0], p); }
static ag_tensor *f_min(ag_tensor *const *x, int n, const char *p) { (void)n; return reduce_case(ag_min, x[0], p); }
static ag_tensor *f_logsumexp(ag_tensor *const *x, int n, const char *p) { (void)n; return reduce_case(ag_logsumexp, x[0], p); }
// clang-format on

static ag_tensor *f_var(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    int axes[ND_MAXDIMS], naxes = torch_param_ints(p, "axes", axes, ND_MAXDIMS);
    return ag_var(x[0], naxes, axes, (int)torch_param_int(p, "correction", 1),
                  torch_param_int(p, "keepdims", 0) != 0);
}

static const torch_case_entry table[] = {
    // clang-format off
    {"exp", f_exp}, {"log", f_log}, {"sqrt", f_sqrt}, {"rsqrt", f_rsqrt}, {"tanh", f_tanh},
    {"sigmoid", f_sigmoid}, {"softplus", f_softplus}, {"relu", f_relu}, {"abs", f_abs}, {"square", f_square},
    {"pow", f_pow}, {"pow_scalar", f_pow_scalar}, {"maximum", f_maximum}, {"minimum", f_minimum},
    {"where", f_where}, {"masked_fill", f_masked_fill}, {"clamp", f_clamp}, {"var", f_var},
    {"max", f_max}, {"min", f_min}, {"logsumexp", f_logsumexp},
    // clang-format on
};

START_TEST(test_elementwise_ops_match_torch)
{
    int total;
    int failed = torch_run_cases("torch/elementwise_cases.py", table,
                                 sizeof table / sizeof table[0], &total);
    ck_assert_int_ge(total, 400);
    ck_assert_int_eq(failed, 0);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("elementwise_vs_torch");
    TCase *tc = tcase_create("cases");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_elementwise_ops_match_torch);
    suite_add_tcase(s, tc);
    return s;
}
