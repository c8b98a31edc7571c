/* The core ops (arithmetic, matmul, sum/mean) against PyTorch: same inputs,
 * same output, same input gradients. */
#include "test_util.h"
#include "torch_cases.h"

// clang-format off
static ag_tensor *f_add(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_add(x[0], x[1]); }
static ag_tensor *f_sub(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_sub(x[0], x[1]); }
static ag_tensor *f_mul(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_mul(x[0], x[1]); }
static ag_tensor *f_div(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_div(x[0], x[1]); }
static ag_tensor *f_neg(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_neg(x[0]); }
static ag_tensor *f_matmul(ag_tensor *const *x, int n, const char *p) { (void)n, (void)p; return ag_matmul(x[0], x[1]); }
// clang-format on

static ag_tensor *f_linear(ag_tensor *const *x, int n, const char *p)
{
    (void)p;
    return ag_linear(x[0], x[1], n == 3 ? x[2] : NULL);
}

static ag_tensor *f_add_scalar(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_add_scalar(x[0], torch_param_double(p, "s", 0));
}

static ag_tensor *f_mul_scalar(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_mul_scalar(x[0], torch_param_double(p, "s", 1));
}

static ag_tensor *f_sum(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    int axes[ND_MAXDIMS], naxes = torch_param_ints(p, "axes", axes, ND_MAXDIMS);
    return ag_sum(x[0], naxes, axes, torch_param_int(p, "keepdims", 0) != 0);
}

static ag_tensor *f_mean(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    int axes[ND_MAXDIMS], naxes = torch_param_ints(p, "axes", axes, ND_MAXDIMS);
    return ag_mean(x[0], naxes, axes, torch_param_int(p, "keepdims", 0) != 0);
}

static const torch_case_entry table[] = {
    // clang-format off
    {"add", f_add}, {"sub", f_sub}, {"mul", f_mul}, {"div", f_div}, {"neg", f_neg},
    {"add_scalar", f_add_scalar}, {"mul_scalar", f_mul_scalar}, {"matmul", f_matmul},
    {"sum", f_sum}, {"mean", f_mean}, {"linear", f_linear},
    // clang-format on
};

START_TEST(test_core_ops_match_torch)
{
    int total;
    int failed =
        torch_run_cases("torch/core_cases.py", table, sizeof table / sizeof table[0], &total);
    ck_assert_int_ge(total, 100);
    ck_assert_int_eq(failed, 0);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("core_vs_torch");
    TCase *tc = tcase_create("cases");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_core_ops_match_torch);
    suite_add_tcase(s, tc);
    return s;
}
