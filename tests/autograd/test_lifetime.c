/* Tensors the caller frees while the tape still needs them (autograd.h,
 * rule 2): parameters and constants are reference-counted, each recorded
 * op holding a reference to its parameter/constant inputs until
 * ag_tape_reset. A constant freed between the forward and ag_backward must
 * give the same gradient as one kept alive, and the hand-computed value;
 * under the sanitizer build (CK_FORK=no) any use-after-free or leak fails. */
#include <autograd.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }

static ag_tensor *param_of(int n, const double *v)
{
    nd_array *a = nd_from_data(ND_FLOAT64, 1, SHAPE(n), v);
    ag_tensor *t = ag_param(a);
    nd_free(a);
    ck_assert_ptr_nonnull(t);
    return t;
}

static ag_tensor *const_of(int ndim, const int64_t *shape, const double *v)
{
    nd_array *a = nd_from_data(ND_FLOAT64, ndim, shape, v);
    ag_tensor *t = ag_const(a);
    nd_free(a);
    ck_assert_ptr_nonnull(t);
    return t;
}

/* Fills freed heap chunks of the constant's sizes with garbage, so a
 * backward that still read them would see other values. */
static void scribble_heap(void)
{
    for (int i = 0; i < 64; i++) {
        nd_array *junk = nd_full(ND_FLOAT64, 1, SHAPE(3), -1e300);
        nd_free(junk);
    }
}

/* d/dx sum(x * c) = c, with c freed (or not) before the backward. */
static void gradient_of_product(bool free_early, double *grad)
{
    const double x0[3] = {1, 2, 3}, c0[3] = {4, 5, 6};
    ag_tensor *x = param_of(3, x0);
    ag_tensor *c = const_of(1, SHAPE(3), c0);
    ag_tensor *loss = ag_sum(ag_mul(x, c), 0, NULL, false);
    ck_assert_ptr_nonnull(loss);
    if (free_early) {
        ag_tensor_free(c);
        scribble_heap();
    }
    ck_assert_int_eq(ag_backward(loss), 0);
    for (int64_t i = 0; i < 3; i++)
        ck_assert_int_eq(nd_get(ag_grad(x), &i, &grad[i]), 0);
    ag_tape_reset();
    if (!free_early)
        ag_tensor_free(c);
    ag_tensor_free(x);
}

START_TEST(constant_freed_before_backward)
{
    double kept[3], freed[3];
    gradient_of_product(false, kept);
    gradient_of_product(true, freed);
    for (int i = 0; i < 3; i++) {
        ck_assert_double_eq(kept[i], 4.0 + i); /* the hand value: c */
        ck_assert_double_eq(freed[i], kept[i]);
    }
}
END_TEST

/* A matmul whose constant right operand is freed before the backward:
 * d/dx sum(x @ W) = W summed over its columns, row by row. */
START_TEST(matmul_constant_freed)
{
    const double x0[2] = {1, -1}, w0[6] = {1, 2, 3, 4, 5, 6};
    ag_tensor *x = param_of(2, x0);
    ag_tensor *w = const_of(2, SHAPE(2, 3), w0);
    ag_tensor *loss = ag_sum(ag_matmul(x, w), 0, NULL, false);
    ck_assert_ptr_nonnull(loss);
    ag_tensor_free(w);
    scribble_heap();
    ck_assert_int_eq(ag_backward(loss), 0);
    ck_assert_values(ag_grad(x), 6, 15);
    ag_tape_reset();
    ag_tensor_free(x);
}
END_TEST

/* A parameter freed before the backward: the tape keeps it (its gradient
 * is accumulated into it) and the reset frees it; the gradient of the
 * other input is right. loss = sum(a * b), dL/da = b. */
START_TEST(parameter_freed_before_backward)
{
    const double a0[3] = {1, 2, 3}, b0[3] = {7, 8, 9};
    ag_tensor *a = param_of(3, a0);
    ag_tensor *b = param_of(3, b0);
    ag_tensor *loss = ag_sum(ag_mul(a, b), 0, NULL, false);
    ag_tensor_free(b);
    scribble_heap();
    ck_assert_int_eq(ag_backward(loss), 0);
    ck_assert_values(ag_grad(a), 7, 8, 9);
    ag_tape_reset();
    ag_tensor_free(a);
}
END_TEST

/* One constant used by several recorded ops holds one reference per op;
 * freeing it and resetting the tape releases all of them (the leak check
 * of the sanitizer build sees any left). A second step after the reset
 * uses only live tensors. */
START_TEST(references_released_by_reset)
{
    const double x0[3] = {1, 2, 3}, c0[3] = {2, 2, 2};
    ag_tensor *x = param_of(3, x0);
    ag_tensor *c = const_of(1, SHAPE(3), c0);
    ag_tensor *y = ag_mul(ag_add(x, c), c); /* (x + c) * c */
    ag_tensor *loss = ag_sum(ag_sub(y, c), 0, NULL, false);
    ag_tensor_free(c);
    ck_assert_int_eq(ag_backward(loss), 0);
    ck_assert_values(ag_grad(x), 2, 2, 2);
    ag_tape_reset();
    ck_assert_uint_eq(ag_tape_size(), 0);
    ag_zero_grad(x);
    loss = ag_sum(ag_square(x), 0, NULL, false);
    ck_assert_int_eq(ag_backward(loss), 0);
    ck_assert_values(ag_grad(x), 2, 4, 6);
    ag_tape_reset();
    ag_tensor_free(x);
}
END_TEST

/* Under no-grad nothing is recorded, so nothing is retained: a constant
 * freed right after is gone at once (no reset needed for the leak check). */
START_TEST(unrecorded_ops_hold_nothing)
{
    const double x0[3] = {1, 2, 3};
    ag_tensor *x = param_of(3, x0);
    ag_tensor *c = const_of(1, SHAPE(3), x0);
    ag_no_grad_begin();
    ag_tensor *y = ag_mul(x, c);
    ag_no_grad_end();
    ag_tensor_free(c);
    ck_assert_values(ag_value(y), 1, 4, 9);
    ck_assert_uint_eq(ag_tape_size(), 0);
    ag_tape_reset();
    ag_tensor_free(x);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("ag_lifetime");
    TCase *tc = tcase_create("freed inputs");
    tcase_add_test(tc, constant_freed_before_backward);
    tcase_add_test(tc, matmul_constant_freed);
    tcase_add_test(tc, parameter_freed_before_backward);
    tcase_add_test(tc, references_released_by_reset);
    tcase_add_test(tc, unrecorded_ops_hold_nothing);
    suite_add_tcase(s, tc);
    return s;
}
