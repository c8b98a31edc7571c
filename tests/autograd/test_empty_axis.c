/* Softmax, log_softmax (fused and composed) and logsumexp over an empty
 * axis, as PyTorch 1.13 gives them (values printed by torch for the same
 * calls):
 *   torch.softmax(torch.zeros(2, 0), 1)      -> tensor([], size=(2, 0))
 *   torch.log_softmax(torch.zeros(2, 0), 1)  -> tensor([], size=(2, 0))
 *   torch.logsumexp(torch.zeros(2, 0), 1)    -> tensor([-inf, -inf])
 *   torch.logsumexp(torch.zeros(0), 0)       -> tensor(-inf)
 * and the gradients of their sums: zeros of shape (2, 0). */
#include <autograd.h>
#include <math.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }

static ag_tensor *zeros_param(int ndim, const int64_t *shape)
{
    nd_array *z = nd_zeros(ND_FLOAT32, ndim, shape);
    ag_tensor *t = ag_param(z);
    nd_free(z);
    ck_assert_ptr_nonnull(t);
    return t;
}

typedef ag_tensor *(*softmax_fn)(ag_tensor *, int);

START_TEST(softmax_over_empty_axis)
{
    const softmax_fn fns[] = {ag_softmax, ag_log_softmax, ag_softmax_composed,
                              ag_log_softmax_composed};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        ag_tensor *x = zeros_param(2, SHAPE(2, 0));
        ag_tensor *y = fns[i](x, 1);
        ck_assert_msg(y != NULL, "softmax %zu: %s", i, ag_last_error());
        ck_assert_shape(ag_value(y), ND_FLOAT32, 2, 2, 0);
        ck_assert_int_eq(ag_backward(ag_sum(y, 0, NULL, false)), 0);
        ck_assert_shape(ag_grad(x), ND_FLOAT32, 2, 2, 0);
        ag_tape_reset();
        ag_tensor_free(x);
        /* (0, 3) along the non-empty axis: an empty (0, 3) result. */
        x = zeros_param(2, SHAPE(0, 3));
        y = fns[i](x, 1);
        ck_assert_ptr_nonnull(y);
        ck_assert_shape(ag_value(y), ND_FLOAT32, 2, 0, 3);
        ag_tape_reset();
        ag_tensor_free(x);
    }
}
END_TEST

START_TEST(logsumexp_over_empty_axis)
{
    ag_tensor *x = zeros_param(2, SHAPE(2, 0));
    int axis = 1;
    ag_tensor *y = ag_logsumexp(x, 1, &axis, false);
    ck_assert_ptr_nonnull(y);
    ck_assert_shape(ag_value(y), ND_FLOAT32, 1, 2);
    ck_assert_values(ag_value(y), -INFINITY, -INFINITY);
    ck_assert_int_eq(ag_backward(ag_sum(y, 0, NULL, false)), 0);
    ck_assert_shape(ag_grad(x), ND_FLOAT32, 2, 2, 0);
    ag_tape_reset();
    ag_tensor_free(x);

    x = zeros_param(1, SHAPE(0));
    y = ag_logsumexp(x, 0, NULL, false);
    ck_assert_ptr_nonnull(y);
    ck_assert_shape(ag_value(y), ND_FLOAT32, 0);
    ck_assert_values(ag_value(y), -INFINITY);
    ag_tape_reset();
    ag_tensor_free(x);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("ag_empty_axis");
    TCase *tc = tcase_create("empty");
    tcase_add_test(tc, softmax_over_empty_axis);
    tcase_add_test(tc, logsumexp_over_empty_axis);
    suite_add_tcase(s, tc);
    return s;
}
