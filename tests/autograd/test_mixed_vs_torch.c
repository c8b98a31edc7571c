/* bf16 mixed precision against PyTorch 1.13's CPU bfloat16: casts (also
 * from a held copy, ag_to_dtype_from), ag_linear and ag_matmul on bf16
 * operands with float32 outputs, ag_linear_to with a bf16 one, their
 * outputs and gradients (torch/mixed_cases.py states the tolerances and
 * why). */
#include "test_util.h"
#include "torch_cases.h"

#define BF16 ND_BFLOAT16

/* x.to(bf16).to(x.dtype) (or float64 -> float32 -> float64) */
static ag_tensor *f_to_bf16_and_back(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    return ag_to_dtype(ag_to_dtype(x[0], BF16), nd_dtype_of(ag_value(x[0])));
}

static ag_tensor *f_to_f32_and_back(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    return ag_to_dtype(ag_to_dtype(x[0], ND_FLOAT32), ND_FLOAT64);
}

static ag_tensor *f_linear_bf16(ag_tensor *const *x, int n, const char *p)
{
    (void)p;
    return ag_linear(ag_to_dtype(x[0], BF16), ag_to_dtype(x[1], BF16), n == 3 ? x[2] : NULL);
}

/* ag_linear_to(x16, W16, b, bf16), widened for the comparison */
static ag_tensor *f_linear_to_bf16(ag_tensor *const *x, int n, const char *p)
{
    (void)p;
    return ag_to_dtype(ag_linear_to(ag_to_dtype(x[0], BF16), ag_to_dtype(x[1], BF16),
                                    n == 3 ? x[2] : NULL, BF16),
                       ND_FLOAT32);
}

/* the same with the weight's bf16 copy at hand, as an optimizer keeps it */
static ag_tensor *f_linear_bf16_copy(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    nd_array *copy = nd_astype(ag_value(x[1]), BF16);
    ag_tensor *w16 = copy ? ag_to_dtype_from(x[1], copy) : NULL;
    nd_free(copy); /* the tape holds a view */
    return ag_linear(ag_to_dtype(x[0], BF16), w16, NULL);
}

static ag_tensor *f_matmul_bf16(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    return ag_matmul(ag_to_dtype(x[0], BF16), ag_to_dtype(x[1], BF16));
}

static ag_tensor *f_gelu_to_bf16(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    return ag_to_dtype(ag_gelu_to(x[0], BF16), ND_FLOAT32);
}

static ag_tensor *f_gelu_bf16_to_bf16(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    return ag_to_dtype(ag_gelu_to(ag_to_dtype(x[0], BF16), BF16), ND_FLOAT32);
}

static ag_tensor *f_layer_norm_to_bf16(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    return ag_to_dtype(ag_layer_norm_to(x[0], x[1], x[2], 1e-5, BF16), ND_FLOAT32);
}

static const torch_case_entry table[] = {{"to_bf16_and_back", f_to_bf16_and_back},
                                         {"to_f32_and_back", f_to_f32_and_back},
                                         {"gelu_to_bf16", f_gelu_to_bf16},
                                         {"gelu_bf16_to_bf16", f_gelu_bf16_to_bf16},
                                         {"layer_norm_to_bf16", f_layer_norm_to_bf16},
                                         {"linear_bf16", f_linear_bf16},
                                         {"linear_bf16_copy", f_linear_bf16_copy},
                                         {"linear_to_bf16", f_linear_to_bf16},
                                         {"matmul_bf16", f_matmul_bf16}};

START_TEST(test_mixed_match_torch)
{
    int total;
    int failed =
        torch_run_cases("torch/mixed_cases.py", table, sizeof table / sizeof table[0], &total);
    ck_assert_int_ge(total, 25);
    ck_assert_int_eq(failed, 0);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("mixed_vs_torch");
    TCase *tc = tcase_create("cases");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_mixed_match_torch);
    suite_add_tcase(s, tc);
    return s;
}
