/* The network layers against PyTorch: every case runs the fused op and its
 * composed twin, and both must give torch's output and input gradients. */
#include "test_util.h"
#include "torch_cases.h"

#define AXIS(p) ((int)torch_param_int(p, "axis", -1))
#define IGNORE(p) ((int64_t)torch_param_int(p, "ignore", -100))
#define SMOOTH(p) torch_param_double(p, "smooth", 0)
#define EPS(p) torch_param_double(p, "eps", 1e-5)

// clang-format off
static ag_tensor *f_softmax(ag_tensor *const *x, int n, const char *p) { (void)n; return ag_softmax(x[0], AXIS(p)); }
static ag_tensor *f_softmax_c(ag_tensor *const *x, int n, const char *p) { (void)n; return ag_softmax_composed(x[0], AXIS(p)); }
static ag_tensor *f_log_softmax(ag_tensor *const *x, int n, const char *p) { (void)n; return ag_log_softmax(x[0], AXIS(p)); }
static ag_tensor *f_log_softmax_c(ag_tensor *const *x, int n, const char *p) { (void)n; return ag_log_softmax_composed(x[0], AXIS(p)); }
// clang-format on

static ag_tensor *f_cross_entropy(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_cross_entropy_ex(x[0], ag_value(x[1]), IGNORE(p), SMOOTH(p));
}

/* ag_cross_entropy: the short form, torch's defaults */
static ag_tensor *f_cross_entropy_default(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    return ag_cross_entropy(x[0], ag_value(x[1]));
}

static ag_tensor *f_cross_entropy_c(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_cross_entropy_composed(x[0], ag_value(x[1]), IGNORE(p), SMOOTH(p));
}

static ag_tensor *f_nll_loss(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_nll_loss(x[0], ag_value(x[1]), IGNORE(p));
}

// clang-format off
static ag_tensor *f_mse_loss(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_mse_loss(x[0], x[1]); }
// clang-format on

/* inputs x, then weight if w=1, then bias if b=1 */
static ag_tensor *norm_arg(ag_tensor *const *x, const char *p, const char *key, int index)
{
    return torch_param_int(p, key, 0) ? x[index] : NULL;
}

static ag_tensor *f_layer_norm(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    ag_tensor *w = norm_arg(x, p, "w", 1), *b = norm_arg(x, p, "b", w ? 2 : 1);
    return ag_layer_norm(x[0], w, b, EPS(p));
}

static ag_tensor *f_layer_norm_c(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    ag_tensor *w = norm_arg(x, p, "w", 1), *b = norm_arg(x, p, "b", w ? 2 : 1);
    return ag_layer_norm_composed(x[0], w, b, EPS(p));
}

// clang-format off
static ag_tensor *f_rms_norm(ag_tensor *const *x, int n, const char *p) { (void)n; return ag_rms_norm(x[0], norm_arg(x, p, "w", 1), EPS(p)); }
static ag_tensor *f_rms_norm_c(ag_tensor *const *x, int n, const char *p) { (void)n; return ag_rms_norm_composed(x[0], norm_arg(x, p, "w", 1), EPS(p)); }

static ag_tensor *f_gelu(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_gelu(x[0]); }
static ag_tensor *f_gelu_c(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_gelu_composed(x[0]); }
static ag_tensor *f_gelu_erf(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_gelu_erf(x[0]); }
static ag_tensor *f_gelu_erf_c(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_gelu_erf_composed(x[0]); }
static ag_tensor *f_silu(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_silu(x[0]); }
static ag_tensor *f_silu_c(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_silu_composed(x[0]); }
// clang-format on

/* inputs q, k, v, then the padding mask if any */
static ag_tensor *f_attention(ag_tensor *const *x, int n, const char *p)
{
    return ag_attention(x[0], x[1], x[2], torch_param_int(p, "causal", 0) != 0,
                        n > 3 ? ag_value(x[3]) : NULL);
}

static ag_tensor *f_attention_c(ag_tensor *const *x, int n, const char *p)
{
    return ag_attention_composed(x[0], x[1], x[2], torch_param_int(p, "causal", 0) != 0,
                                 n > 3 ? ag_value(x[3]) : NULL);
}

static ag_tensor *f_attention_packed(ag_tensor *const *x, int n, const char *p)
{
    return ag_attention_packed(x[0], torch_param_int(p, "heads", 1),
                               torch_param_int(p, "causal", 0) != 0, n > 1 ? ag_value(x[1]) : NULL,
                               nd_dtype_of(ag_value(x[0])));
}

static const torch_case_entry table[] = {
    // clang-format off
    {"softmax", f_softmax}, {"softmax_composed", f_softmax_c},
    {"log_softmax", f_log_softmax}, {"log_softmax_composed", f_log_softmax_c},
    {"cross_entropy", f_cross_entropy}, {"cross_entropy_composed", f_cross_entropy_c},
    {"cross_entropy_default", f_cross_entropy_default},
    {"nll_loss", f_nll_loss}, {"mse_loss", f_mse_loss},
    {"layer_norm", f_layer_norm}, {"layer_norm_composed", f_layer_norm_c},
    {"rms_norm", f_rms_norm}, {"rms_norm_composed", f_rms_norm_c},
    {"gelu", f_gelu}, {"gelu_composed", f_gelu_c},
    {"gelu_erf", f_gelu_erf}, {"gelu_erf_composed", f_gelu_erf_c},
    {"silu", f_silu}, {"silu_composed", f_silu_c},
    {"attention", f_attention}, {"attention_composed", f_attention_c},
    {"attention_packed", f_attention_packed},
    // clang-format on
};

START_TEST(test_layers_match_torch)
{
    int total;
    int failed =
        torch_run_cases("torch/layers_cases.py", table, sizeof table / sizeof table[0], &total);
    ck_assert_int_ge(total, 200);
    ck_assert_int_eq(failed, 0);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("layers_vs_torch");
    TCase *tc = tcase_create("cases");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_layers_match_torch);
    suite_add_tcase(s, tc);
    return s;
}
