/* The shape and indexing ops against PyTorch: same inputs, same output, same
 * input gradients (torch/shape_cases.py writes the cases). */
#include "test_util.h"
#include "torch_cases.h"

#include <limits.h>

/* "shape=6,4" as int64 sizes; returns how many. */
static int int64_list(const char *p, const char *key, int64_t *out)
{
    int values[ND_MAXDIMS], n = torch_param_ints(p, key, values, ND_MAXDIMS);
    for (int i = 0; i < n; i++)
        out[i] = values[i];
    return n;
}

/* A slice bound: absent means None. */
static int64_t bound(const char *p, const char *key)
{
    long v = torch_param_int(p, key, LONG_MIN);
    return v == LONG_MIN ? ND_NONE : v;
}

static ag_tensor *f_reshape(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    int64_t shape[ND_MAXDIMS];
    int nd = int64_list(p, "shape", shape);
    return ag_reshape(x[0], nd, shape);
}

static ag_tensor *f_reshape_T(ag_tensor *const *x, int n, const char *p)
{
    return f_reshape((ag_tensor *[]){ag_transpose(x[0], NULL)}, n, p);
}

static ag_tensor *f_permute(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    int axes[ND_MAXDIMS], naxes = torch_param_ints(p, "axes", axes, ND_MAXDIMS);
    return ag_permute(x[0], naxes, axes);
}

static ag_tensor *f_transpose(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    return ag_transpose(x[0], NULL);
}

static ag_tensor *f_swapaxes(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_swapaxes(x[0], (int)torch_param_int(p, "d1", 0), (int)torch_param_int(p, "d2", 0));
}

static ag_tensor *f_slice(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_slice(x[0], (int)torch_param_int(p, "axis", 0), bound(p, "start"), bound(p, "stop"),
                    torch_param_int(p, "step", 1));
}

static ag_tensor *f_slice_T(ag_tensor *const *x, int n, const char *p)
{
    return f_slice((ag_tensor *[]){ag_transpose(x[0], NULL)}, n, p);
}

static ag_tensor *f_concat(ag_tensor *const *x, int n, const char *p)
{
    return ag_concat(n, x, (int)torch_param_int(p, "axis", 0));
}

static ag_tensor *f_stack(ag_tensor *const *x, int n, const char *p)
{
    return ag_stack(n, x, (int)torch_param_int(p, "axis", 0));
}

/* The pieces, each times (its number + 1), concatenated in reverse order. */
static ag_tensor *f_split(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    int64_t sizes[ND_MAXDIMS];
    int count = int64_list(p, "sizes", sizes), axis = (int)torch_param_int(p, "axis", 0);
    bool equal = count == 0;
    if (equal)
        count = (int)torch_param_int(p, "n", 1);
    ag_tensor *pieces[ND_MAXDIMS], *scaled[ND_MAXDIMS];
    if (ag_split(x[0], count, equal ? NULL : sizes, axis, pieces) < 0)
        return NULL;
    for (int i = 0; i < count; i++)
        scaled[count - 1 - i] = ag_mul_scalar(pieces[i], i + 1);
    return ag_concat(count, scaled, axis);
}

static ag_tensor *f_broadcast_to(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    int64_t shape[ND_MAXDIMS];
    int nd = int64_list(p, "shape", shape);
    return ag_broadcast_to(x[0], nd, shape);
}

static ag_tensor *f_expand_dims(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_expand_dims(x[0], (int)torch_param_int(p, "axis", 0));
}

static ag_tensor *f_squeeze(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    int axes[ND_MAXDIMS], naxes = torch_param_ints(p, "axes", axes, ND_MAXDIMS);
    return ag_squeeze(x[0], naxes, axes);
}

static ag_tensor *f_embedding(ag_tensor *const *x, int n, const char *p)
{
    (void)n, (void)p;
    return ag_embedding(x[0], ag_value(x[1]));
}

static ag_tensor *f_take(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_take(x[0], ag_value(x[1]), (int)torch_param_int(p, "axis", 0));
}

static ag_tensor *f_take_T(ag_tensor *const *x, int n, const char *p)
{
    return f_take((ag_tensor *[]){ag_swapaxes(x[0], 0, 2), x[1]}, n, p);
}

static ag_tensor *f_take_along_axis(ag_tensor *const *x, int n, const char *p)
{
    (void)n;
    return ag_take_along_axis(x[0], ag_value(x[1]), (int)torch_param_int(p, "axis", 0));
}

static const torch_case_entry table[] = {
    // clang-format off
    {"reshape", f_reshape}, {"reshape_T", f_reshape_T}, {"permute", f_permute},
    {"transpose", f_transpose}, {"swapaxes", f_swapaxes}, {"slice", f_slice},
    {"slice_T", f_slice_T}, {"concat", f_concat}, {"stack", f_stack}, {"split", f_split},
    {"broadcast_to", f_broadcast_to}, {"expand_dims", f_expand_dims}, {"squeeze", f_squeeze},
    {"embedding", f_embedding}, {"take", f_take}, {"take_T", f_take_T},
    {"take_along_axis", f_take_along_axis},
    // clang-format on
};

START_TEST(test_shape_ops_match_torch)
{
    int total;
    int failed =
        torch_run_cases("torch/shape_cases.py", table, sizeof table / sizeof table[0], &total);
    ck_assert_int_ge(total, 150);
    ck_assert_int_eq(failed, 0);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("shape_vs_torch");
    TCase *tc = tcase_create("cases");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_shape_ops_match_torch);
    suite_add_tcase(s, tc);
    return s;
}
