/* Parameters in caller storage (ag_param_bind) and the grad-ready hook
 * (ag_set_grad_ready_hook), the two pieces a parameter arena and
 * data-parallel training stand on: a bound parameter computes the same
 * bits as an unbound one, its value and gradient live where the caller
 * put them, and the hook reports each gradient once, when it is final. */
#include "test_util.h"

#include <autograd.h>
#include <string.h>

static ag_tensor *param_of(const float *values, int64_t rows, int64_t cols)
{
    nd_array *v = nd_from_data(ND_FLOAT32, 2, (int64_t[]){rows, cols}, values);
    ag_tensor *t = ag_param(v);
    nd_free(v);
    return t;
}

/* loss = sum(tanh(x @ w) * w2) + sum(w): w is read twice (a tied weight),
 * so its gradient has two contributions in one backward. */
static ag_tensor *loss_of(ag_tensor *x, ag_tensor *w, ag_tensor *w2)
{
    ag_tensor *h = ag_tanh(ag_matmul(x, w));
    ag_tensor *a = ag_sum(ag_mul(h, w2), 0, NULL, false);
    return ag_add(a, ag_sum(w, 0, NULL, false));
}

START_TEST(test_bound_parameters_match_unbound_bits)
{
    const float xv[6] = {0.5f, -1.25f, 2.0f, 0.125f, -0.75f, 1.5f};
    const float wv[6] = {0.3f, -0.2f, 0.7f, 0.11f, -0.9f, 0.45f};
    const float w2v[4] = {1.5f, -0.5f, 0.25f, 2.0f};
    ag_tensor *x = param_of(xv, 2, 3), *w = param_of(wv, 3, 2), *w2 = param_of(w2v, 2, 2);
    ag_tensor *bx = param_of(xv, 2, 3), *bw = param_of(wv, 3, 2), *bw2 = param_of(w2v, 2, 2);
    /* An arena: values [w (6) | pad (2) | w2 (4)], gradients likewise. */
    nd_array *values = nd_full(ND_FLOAT32, 1, (int64_t[]){12}, 7.0);
    nd_array *grads = nd_full(ND_FLOAT32, 1, (int64_t[]){12}, -3.0);
    nd_array *vs[2], *gs[2];
    const int64_t at[2] = {0, 8}, n[2] = {6, 4}, shape[2][2] = {{3, 2}, {2, 2}};
    for (int i = 0; i < 2; i++) {
        nd_array *v = nd_slice(values, 0, at[i], at[i] + n[i], 1);
        nd_array *g = nd_slice(grads, 0, at[i], at[i] + n[i], 1);
        vs[i] = nd_reshape(v, 2, shape[i]);
        gs[i] = nd_reshape(g, 2, shape[i]);
        nd_free(v);
        nd_free(g);
    }
    ck_assert_int_eq(ag_param_bind(bw, vs[0], gs[0]), 0);
    ck_assert_int_eq(ag_param_bind(bw2, vs[1], gs[1]), 0);
    const float *va = nd_data(values), *ga = nd_data(grads);
    /* the values moved into the arena, the padding untouched */
    ck_assert(memcmp(va, wv, sizeof wv) == 0 && memcmp(va + 8, w2v, sizeof w2v) == 0);
    ck_assert(va[6] == 7.0f && va[7] == 7.0f);
    ck_assert_ptr_eq(nd_data(ag_value(bw)), va);
    ck_assert_ptr_null(ag_grad(bw));

    /* Two backwards accumulate; a zero_grad forgets; a third starts over. */
    for (int round = 0; round < 3; round++) {
        if (round == 2) {
            ag_zero_grad(w), ag_zero_grad(w2), ag_zero_grad(x);
            ag_zero_grad(bw), ag_zero_grad(bw2), ag_zero_grad(bx);
            ck_assert_ptr_null(ag_grad(bw));
        }
        ck_assert_int_eq(ag_backward(loss_of(x, w, w2)), 0);
        ck_assert_int_eq(ag_backward(loss_of(bx, bw, bw2)), 0);
        ag_tape_reset();
        ck_assert_ptr_eq(nd_data(ag_grad(bw)), ga);
        ck_assert_ptr_eq(nd_data(ag_grad(bw2)), ga + 8);
        ck_assert(memcmp(nd_data(ag_grad(w)), ga, 6 * sizeof(float)) == 0);
        ck_assert(memcmp(nd_data(ag_grad(w2)), ga + 8, 4 * sizeof(float)) == 0);
        ck_assert(ga[6] == -3.0f && ga[7] == -3.0f);
    }
    /* An optimizer steps the arena in place, as it steps the twin. */
    ag_optimizer *o1 = ag_adamw_new(2, (ag_tensor *[]){w, w2}, 0.1, 0.9, 0.99, 1e-8, 0.1);
    ag_optimizer *o2 = ag_adamw_new(2, (ag_tensor *[]){bw, bw2}, 0.1, 0.9, 0.99, 1e-8, 0.1);
    ck_assert_int_eq(ag_optimizer_step(o1), 0);
    ck_assert_int_eq(ag_optimizer_step(o2), 0);
    ck_assert(memcmp(nd_data(ag_value(w)), va, 6 * sizeof(float)) == 0);
    ck_assert(memcmp(nd_data(ag_value(w2)), va + 8, 4 * sizeof(float)) == 0);
    /* ag_set_grad writes into the storage too */
    nd_array *ones = nd_full(ND_FLOAT32, 2, shape[1], 1.0);
    ck_assert_int_eq(ag_set_grad(bw2, ones), 0);
    ck_assert(ga[8] == 1.0f && ga[11] == 1.0f);
    ck_assert_ptr_eq(nd_data(ag_grad(bw2)), ga + 8);

    /* Errors change nothing. */
    ck_assert_int_eq(ag_param_bind(bw, vs[1], NULL), ND_ERR_VALUE);
    ck_assert_error("param_bind: the value storage must be a writeable C-contiguous array of "
                    "the parameter's shape and dtype");
    nd_array *d = nd_zeros(ND_FLOAT64, 2, shape[0]);
    ck_assert_int_eq(ag_param_bind(bw, NULL, d), ND_ERR_VALUE); /* dtype */
    nd_array *every_other = nd_slice(values, 0, 0, 12, 2);
    nd_array *t = nd_reshape(every_other, 2, shape[0]); /* strided view */
    ck_assert(!nd_is_c_contiguous(t));
    ck_assert_int_eq(ag_param_bind(bw, t, NULL), ND_ERR_VALUE);
    ck_assert_int_lt(ag_param_bind(NULL, vs[0], NULL), 0);
    ck_assert_ptr_eq(nd_data(ag_value(bw)), va);

    /* Moving to new storage carries value and gradient along. */
    nd_array *v2 = nd_zeros(ND_FLOAT32, 2, shape[1]), *g2 = nd_zeros(ND_FLOAT32, 2, shape[1]);
    ck_assert_int_eq(ag_param_bind(bw2, v2, g2), 0);
    ck_assert(memcmp(nd_data(v2), va + 8, 4 * sizeof(float)) == 0);
    ck_assert(((float *)nd_data(g2))[0] == 1.0f);
    ck_assert_ptr_eq(nd_data(ag_grad(bw2)), nd_data(g2));

    ag_optimizer_free(o1), ag_optimizer_free(o2);
    nd_free(ones), nd_free(t), nd_free(d), nd_free(every_other), nd_free(v2), nd_free(g2);
    for (int i = 0; i < 2; i++)
        nd_free(vs[i]), nd_free(gs[i]);
    nd_free(values), nd_free(grads);
    ag_tensor_free(x), ag_tensor_free(w), ag_tensor_free(w2);
    ag_tensor_free(bx), ag_tensor_free(bw), ag_tensor_free(bw2);
}
END_TEST

typedef struct ready_log {
    ag_tensor *seen[8];
    float first[8]; /* the first gradient element when the hook ran */
    int n;
} ready_log;

static void on_ready(ag_tensor *param, void *ctx)
{
    ready_log *log = ctx;
    log->seen[log->n] = param;
    log->first[log->n] = *(const float *)nd_data(ag_grad(param));
    log->n++;
}

START_TEST(test_grad_ready_hook_reports_final_gradients_once)
{
    const float xv[6] = {0.5f, -1.25f, 2.0f, 0.125f, -0.75f, 1.5f};
    const float wv[6] = {0.3f, -0.2f, 0.7f, 0.11f, -0.9f, 0.45f};
    const float w2v[4] = {1.5f, -0.5f, 0.25f, 2.0f};
    ag_tensor *x = param_of(xv, 2, 3), *w = param_of(wv, 3, 2), *w2 = param_of(w2v, 2, 2);
    ag_tensor *unused = param_of(w2v, 2, 2);
    ck_assert_int_eq(ag_set_requires_grad(x, false), 0);
    ready_log log = {0};
    ag_set_grad_ready_hook(on_ready, &log);
    ag_tensor *loss = loss_of(x, w, w2);
    ag_tensor *side = ag_mul_scalar(unused, 2.0); /* recorded, but not part of the loss */
    ck_assert_ptr_nonnull(side);
    ck_assert_int_eq(ag_backward(loss), 0);
    ag_set_grad_ready_hook(NULL, NULL);
    /* w2 is read once, late: done first; w is read by the matmul (early)
     * and by the sum (late): done once, after the matmul, complete. */
    ck_assert_int_eq(log.n, 2);
    ck_assert_ptr_eq(log.seen[0], w2);
    ck_assert_ptr_eq(log.seen[1], w);
    ck_assert(log.first[1] == *(const float *)nd_data(ag_grad(w)));
    ck_assert(log.first[0] == *(const float *)nd_data(ag_grad(w2)));
    /* Off: no more calls. */
    ck_assert_int_eq(ag_backward(loss_of(x, w, w2)), 0);
    ck_assert_int_eq(log.n, 2);
    ag_tape_reset();
    ag_tensor_free(x), ag_tensor_free(w), ag_tensor_free(w2), ag_tensor_free(unused);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("param_bind");
    TCase *tc = tcase_create("bind");
    tcase_add_test(tc, test_bound_parameters_match_unbound_bits);
    tcase_add_test(tc, test_grad_ready_hook_reports_final_gradients_once);
    suite_add_tcase(s, tc);
    return s;
}
