/* Every public function of autograd.h given NULL for each of its pointer
 * arguments (the rest valid) answers with its error value and a message,
 * never a crash: one row per pointer argument (tests/common/null_args.h has
 * the row kinds), and tests/api_coverage.py checks that every function of
 * autograd.h has a row. */
#include <stdlib.h>

#include "autograd.h"
#include "null_args.h"

static nd_array *A; /* float64 (2, 3), 0..5 */
static nd_array *IDX; /* int64 (2,) zeros: indices and targets */
static const nd_array *ARRS[2];
static const int64_t I64S[2] = {2, 3};
static const int INTS[2] = {1, 0};
static const char *const NAMES[2] = {"x", "y"};
static int64_t I64;
static double BUF[8];
static ag_tensor *T; /* a float64 (2, 3) parameter */
static ag_tensor *TS[2];
static ag_tensor *TOUT[2];
static ag_ctx *CTX; /* contexts exist only inside an op: always NULL here */
static nd_rng *RNG;
static ag_optimizer *OPT;
static char *TMPDIR;
static char PARAMS_PATH[4096]; /* T saved as "x" (ag_save_params) */
static char OPT_PATH[4096]; /* OPT's state (ag_optimizer_save) */

static nd_array *identity_forward(ag_ctx *ctx, int n, const nd_array *const *inputs)
{
    (void)ctx, (void)n;
    return nd_copy(inputs[0]);
}
static int identity_backward(ag_ctx *ctx, const nd_array *grad_output, nd_array **grad_inputs)
{
    (void)ctx;
    grad_inputs[0] = nd_copy(grad_output);
    return grad_inputs[0] ? 0 : -1;
}
static const ag_op OP = {"identity", identity_forward, identity_backward};

static ag_tensor *FN(ag_tensor *const *inputs, void *ctx)
{
    (void)ctx;
    return ag_sum(inputs[0], 0, NULL, false);
}

static void setup(void)
{
    nd_array *flat = nd_arange(ND_FLOAT64, 0, 6, 1);
    A = nd_reshape(flat, 2, I64S);
    nd_free(flat);
    IDX = nd_zeros(ND_INT64, 1, I64S);
    ARRS[0] = ARRS[1] = A;
    T = ag_param(A);
    TS[0] = TS[1] = T;
    RNG = nd_rng_new(0);
    OPT = ag_sgd_new(1, &T, 0.1, 0, 0, 0, false);
    TMPDIR = test_make_tmpdir("ag_null_args");
    /* Real files, so that the load rows fail on their NULL, not on a
     * missing file. */
    snprintf(PARAMS_PATH, sizeof PARAMS_PATH, "%s/a.safetensors", TMPDIR);
    ck_assert_int_eq(ag_save_params(PARAMS_PATH, 1, NAMES, TS, 0, NULL), 0);
    snprintf(OPT_PATH, sizeof OPT_PATH, "%s/opt.safetensors", TMPDIR);
    ck_assert_int_eq(ag_optimizer_save(OPT, OPT_PATH, 0, NULL), 0);
    ck_assert_ptr_nonnull(A);
    ck_assert_ptr_nonnull(T);
    ck_assert_ptr_nonnull(OPT);
    nd_clear_error();
}

static void teardown(void)
{
    ag_tape_reset();
    ag_optimizer_free(OPT);
    ag_tensor_free(T);
    nd_free(A);
    nd_free(IDX);
    nd_rng_free(RNG);
    test_remove_tree(TMPDIR);
    free(TMPDIR);
}

/* clang-format off */
#define AG_NULL_TABLE(P, I, B, D, L, Z, F, V, N) \
    N(ag_last_error, none, 0) \
    P(ag_param, value, ag_param(NULL)) \
    P(ag_const, value, ag_const(NULL)) \
    V(ag_tensor_free, t, ag_tensor_free(NULL)) \
    P(ag_value, t, ag_value(NULL)) \
    P(ag_param_value, t, ag_param_value(NULL)) \
    P(ag_grad, t, ag_grad(NULL)) \
    B(ag_requires_grad, t, ag_requires_grad(NULL)) \
    I(ag_set_requires_grad, t, ag_set_requires_grad(NULL, false)) \
    V(ag_zero_grad, t, ag_zero_grad(NULL)) \
    P(ag_op_name, t, ag_op_name(NULL)) \
    I(ag_backward, loss, ag_backward(NULL)) \
    I(ag_backward_ex, output, ag_backward_ex(NULL, A, false)) \
    I(ag_param_bind, param, ag_param_bind(NULL, NULL, NULL)) \
    N(ag_set_grad_ready_hook, none, 0) /* fn NULL is valid: it turns the hook off */ \
    N(ag_tape_reset, none, 0) \
    N(ag_tape_size, none, 0) \
    I(ag_tape_node, info, ag_tape_node(0, NULL)) \
    I(ag_tape_print, out, ag_tape_print(NULL, 0, 0)) \
    N(ag_no_grad_begin, none, 0) \
    N(ag_no_grad_end, none, 0) \
    N(ag_is_grad_enabled, none, 0) \
    P(ag_detach, t, ag_detach(NULL)) \
    P(ag_apply, op, ag_apply(NULL, 1, TS, BUF, 0)) \
    P(ag_apply, inputs, ag_apply(&OP, 1, NULL, BUF, 0)) \
    P(ag_apply, params, ag_apply(&OP, 1, TS, NULL, 8)) \
    I(ag_ctx_save, ctx, ag_ctx_save(NULL, IDX)) \
    I(ag_ctx_save, a, ag_ctx_save(CTX, NULL)) \
    P(ag_ctx_saved, ctx, ag_ctx_saved(NULL, 0)) \
    P(ag_ctx_input, ctx, ag_ctx_input(NULL, 0)) \
    P(ag_ctx_output, ctx, ag_ctx_output(NULL)) \
    I(ag_ctx_num_inputs, ctx, ag_ctx_num_inputs(NULL)) \
    P(ag_ctx_params, ctx, ag_ctx_params(NULL)) \
    B(ag_ctx_needs_grad, ctx, ag_ctx_needs_grad(NULL, 0)) \
    P(ag_reduce_to_shape, grad, ag_reduce_to_shape(NULL, 2, I64S)) \
    P(ag_reduce_to_shape, shape, ag_reduce_to_shape(A, 2, NULL)) \
    I(ag_gradcheck, fn, ag_gradcheck(NULL, NULL, 1, ARRS, 1.0, 1.0, 1.0, NULL)) \
    I(ag_gradcheck, inputs, ag_gradcheck(FN, NULL, 1, NULL, 1.0, 1.0, 1.0, NULL)) \
    P(ag_add, a, ag_add(NULL, T)) \
    P(ag_add, b, ag_add(T, NULL)) \
    P(ag_sub, a, ag_sub(NULL, T)) \
    P(ag_sub, b, ag_sub(T, NULL)) \
    P(ag_mul, a, ag_mul(NULL, T)) \
    P(ag_mul, b, ag_mul(T, NULL)) \
    P(ag_div, a, ag_div(NULL, T)) \
    P(ag_div, b, ag_div(T, NULL)) \
    P(ag_neg, a, ag_neg(NULL)) \
    P(ag_add_scalar, a, ag_add_scalar(NULL, 1.0)) \
    P(ag_mul_scalar, a, ag_mul_scalar(NULL, 1.0)) \
    P(ag_matmul, a, ag_matmul(NULL, T)) \
    P(ag_matmul, b, ag_matmul(T, NULL)) \
    P(ag_linear, x, ag_linear(NULL, T, T)) \
    P(ag_linear, weight, ag_linear(T, NULL, T)) \
    P(ag_linear_to, x, ag_linear_to(NULL, T, T, ND_BFLOAT16)) \
    P(ag_linear_to, weight, ag_linear_to(T, NULL, T, ND_BFLOAT16)) \
    P(ag_to_dtype, x, ag_to_dtype(NULL, ND_FLOAT32)) \
    P(ag_to_dtype_from, x, ag_to_dtype_from(NULL, A)) \
    P(ag_to_dtype_from, value, ag_to_dtype_from(T, NULL)) \
    P(ag_sum, a, ag_sum(NULL, 1, INTS, false)) \
    P(ag_sum, axes, ag_sum(T, 1, NULL, false)) \
    P(ag_mean, a, ag_mean(NULL, 1, INTS, false)) \
    P(ag_mean, axes, ag_mean(T, 1, NULL, false)) \
    P(ag_exp, a, ag_exp(NULL)) \
    P(ag_log, a, ag_log(NULL)) \
    P(ag_sqrt, a, ag_sqrt(NULL)) \
    P(ag_rsqrt, a, ag_rsqrt(NULL)) \
    P(ag_tanh, a, ag_tanh(NULL)) \
    P(ag_sigmoid, a, ag_sigmoid(NULL)) \
    P(ag_softplus, a, ag_softplus(NULL, 1.0, 20.0)) \
    P(ag_relu, a, ag_relu(NULL)) \
    P(ag_abs, a, ag_abs(NULL)) \
    P(ag_square, a, ag_square(NULL)) \
    P(ag_pow, a, ag_pow(NULL, T)) \
    P(ag_pow, b, ag_pow(T, NULL)) \
    P(ag_pow_scalar, a, ag_pow_scalar(NULL, 1.0)) \
    P(ag_maximum, a, ag_maximum(NULL, T)) \
    P(ag_maximum, b, ag_maximum(T, NULL)) \
    P(ag_minimum, a, ag_minimum(NULL, T)) \
    P(ag_minimum, b, ag_minimum(T, NULL)) \
    P(ag_where, cond, ag_where(NULL, T, T)) \
    P(ag_where, a, ag_where(A, NULL, T)) \
    P(ag_where, b, ag_where(A, T, NULL)) \
    P(ag_masked_fill, a, ag_masked_fill(NULL, A, 1.0)) \
    P(ag_masked_fill, mask, ag_masked_fill(T, NULL, 1.0)) \
    P(ag_clamp, a, ag_clamp(NULL, 1.0, 1.0)) \
    P(ag_var, a, ag_var(NULL, 1, INTS, 0, false)) \
    P(ag_var, axes, ag_var(T, 1, NULL, 0, false)) \
    P(ag_max, a, ag_max(NULL, 1, INTS, false)) \
    P(ag_max, axes, ag_max(T, 1, NULL, false)) \
    P(ag_min, a, ag_min(NULL, 1, INTS, false)) \
    P(ag_min, axes, ag_min(T, 1, NULL, false)) \
    P(ag_logsumexp, a, ag_logsumexp(NULL, 1, INTS, false)) \
    P(ag_logsumexp, axes, ag_logsumexp(T, 1, NULL, false)) \
    P(ag_reshape, a, ag_reshape(NULL, 2, I64S)) \
    P(ag_reshape, shape, ag_reshape(T, 2, NULL)) \
    P(ag_permute, a, ag_permute(NULL, 1, INTS)) \
    P(ag_permute, axes, ag_permute(T, 1, NULL)) \
    P(ag_transpose, a, ag_transpose(NULL, INTS)) \
    P(ag_swapaxes, a, ag_swapaxes(NULL, 0, 0)) \
    P(ag_slice, a, ag_slice(NULL, 0, 0, 0, 0)) \
    P(ag_concat, tensors, ag_concat(1, NULL, 0)) \
    P(ag_stack, tensors, ag_stack(1, NULL, 0)) \
    I(ag_split, a, ag_split(NULL, 1, I64S, 0, TOUT)) \
    I(ag_split, outputs, ag_split(T, 1, I64S, 0, NULL)) \
    P(ag_broadcast_to, a, ag_broadcast_to(NULL, 2, I64S)) \
    P(ag_broadcast_to, shape, ag_broadcast_to(T, 2, NULL)) \
    P(ag_expand_dims, a, ag_expand_dims(NULL, 0)) \
    P(ag_squeeze, a, ag_squeeze(NULL, 1, INTS)) \
    P(ag_squeeze, axes, ag_squeeze(T, 1, NULL)) \
    P(ag_embedding, weight, ag_embedding(NULL, IDX)) \
    P(ag_embedding, indices, ag_embedding(T, NULL)) \
    P(ag_take, a, ag_take(NULL, IDX, 0)) \
    P(ag_take, indices, ag_take(T, NULL, 0)) \
    P(ag_take_along_axis, a, ag_take_along_axis(NULL, IDX, 0)) \
    P(ag_take_along_axis, indices, ag_take_along_axis(T, NULL, 0)) \
    P(ag_softmax, a, ag_softmax(NULL, 0)) \
    P(ag_log_softmax, a, ag_log_softmax(NULL, 0)) \
    P(ag_softmax_composed, a, ag_softmax_composed(NULL, 0)) \
    P(ag_log_softmax_composed, a, ag_log_softmax_composed(NULL, 0)) \
    P(ag_cross_entropy, logits, ag_cross_entropy(NULL, IDX)) \
    P(ag_cross_entropy, targets, ag_cross_entropy(T, NULL)) \
    P(ag_cross_entropy_ex, logits, ag_cross_entropy_ex(NULL, IDX, 0, 1.0)) \
    P(ag_cross_entropy_ex, targets, ag_cross_entropy_ex(T, NULL, 0, 1.0)) \
    P(ag_cross_entropy_composed, logits, ag_cross_entropy_composed(NULL, IDX, 0, 1.0)) \
    P(ag_cross_entropy_composed, targets, ag_cross_entropy_composed(T, NULL, 0, 1.0)) \
    P(ag_nll_loss, log_probs, ag_nll_loss(NULL, IDX, 0)) \
    P(ag_nll_loss, targets, ag_nll_loss(T, NULL, 0)) \
    P(ag_mse_loss, a, ag_mse_loss(NULL, T)) \
    P(ag_mse_loss, b, ag_mse_loss(T, NULL)) \
    P(ag_layer_norm, x, ag_layer_norm(NULL, T, T, 1.0)) \
    P(ag_layer_norm_composed, x, ag_layer_norm_composed(NULL, T, T, 1.0)) \
    P(ag_layer_norm_to, x, ag_layer_norm_to(NULL, T, T, 1.0, ND_BFLOAT16)) \
    P(ag_rms_norm, x, ag_rms_norm(NULL, T, 1.0)) \
    P(ag_rms_norm_composed, x, ag_rms_norm_composed(NULL, T, 1.0)) \
    P(ag_gelu, a, ag_gelu(NULL)) \
    P(ag_gelu_composed, a, ag_gelu_composed(NULL)) \
    P(ag_gelu_to, a, ag_gelu_to(NULL, ND_BFLOAT16)) \
    P(ag_gelu_erf, a, ag_gelu_erf(NULL)) \
    P(ag_gelu_erf_composed, a, ag_gelu_erf_composed(NULL)) \
    P(ag_silu, a, ag_silu(NULL)) \
    P(ag_silu_composed, a, ag_silu_composed(NULL)) \
    P(ag_dropout, a, ag_dropout(NULL, 1.0, RNG)) \
    P(ag_attention, q, ag_attention(NULL, T, T, false, A)) \
    P(ag_attention, k, ag_attention(T, NULL, T, false, A)) \
    P(ag_attention, v, ag_attention(T, T, NULL, false, A)) \
    P(ag_attention_composed, q, ag_attention_composed(NULL, T, T, false, A)) \
    P(ag_attention_composed, k, ag_attention_composed(T, NULL, T, false, A)) \
    P(ag_attention_composed, v, ag_attention_composed(T, T, NULL, false, A)) \
    P(ag_attention_packed, qkv, ag_attention_packed(NULL, 1, false, A, ND_FLOAT32)) \
    N(ag_init_gain, none, 0) \
    I(ag_init_fans, value, ag_init_fans(NULL, &I64, &I64)) \
    I(ag_init_fans, fan_in, ag_init_fans(A, NULL, &I64)) \
    I(ag_init_fans, fan_out, ag_init_fans(A, &I64, NULL)) \
    I(ag_init_zeros, t, ag_init_zeros(NULL)) \
    I(ag_init_ones, t, ag_init_ones(NULL)) \
    I(ag_init_normal, t, ag_init_normal(NULL, 1.0, 1.0, RNG)) \
    I(ag_init_normal, rng, ag_init_normal(T, 1.0, 1.0, NULL)) \
    I(ag_init_uniform, t, ag_init_uniform(NULL, 1.0, 1.0, RNG)) \
    I(ag_init_uniform, rng, ag_init_uniform(T, 1.0, 1.0, NULL)) \
    I(ag_init_xavier_uniform, t, ag_init_xavier_uniform(NULL, 1.0, RNG)) \
    I(ag_init_xavier_uniform, rng, ag_init_xavier_uniform(T, 1.0, NULL)) \
    I(ag_init_xavier_normal, t, ag_init_xavier_normal(NULL, 1.0, RNG)) \
    I(ag_init_xavier_normal, rng, ag_init_xavier_normal(T, 1.0, NULL)) \
    I(ag_init_kaiming_uniform, t, ag_init_kaiming_uniform(NULL, 1.0, AG_FAN_IN, AG_NONLINEARITY_RELU, RNG)) \
    I(ag_init_kaiming_uniform, rng, ag_init_kaiming_uniform(T, 1.0, AG_FAN_IN, AG_NONLINEARITY_RELU, NULL)) \
    I(ag_init_kaiming_normal, t, ag_init_kaiming_normal(NULL, 1.0, AG_FAN_IN, AG_NONLINEARITY_RELU, RNG)) \
    I(ag_init_kaiming_normal, rng, ag_init_kaiming_normal(T, 1.0, AG_FAN_IN, AG_NONLINEARITY_RELU, NULL)) \
    P(ag_sgd_new, params, ag_sgd_new(1, NULL, 0.1, 0.0, 0.0, 0.0, false)) \
    P(ag_adam_new, params, ag_adam_new(1, NULL, 0.1, 0.9, 0.999, 1e-8, 0.0)) \
    P(ag_adamw_new, params, ag_adamw_new(1, NULL, 0.1, 0.9, 0.999, 1e-8, 0.0)) \
    V(ag_optimizer_free, opt, ag_optimizer_free(NULL)) \
    I(ag_optimizer_step, opt, ag_optimizer_step(NULL)) \
    V(ag_optimizer_zero_grad, opt, ag_optimizer_zero_grad(NULL)) \
    I(ag_optimizer_set_lr, opt, ag_optimizer_set_lr(NULL, 1.0)) \
    F(ag_optimizer_get_lr, opt, ag_optimizer_get_lr(NULL)) \
    L(ag_optimizer_step_count, opt, ag_optimizer_step_count(NULL)) \
    P(ag_optimizer_name, opt, ag_optimizer_name(NULL)) \
    I(ag_optimizer_index, opt, ag_optimizer_index(NULL, T)) \
    I(ag_optimizer_set_range, opt, ag_optimizer_set_range(NULL, 0, 0, 1)) \
    I(ag_optimizer_set_copy, opt, ag_optimizer_set_copy(NULL, 0, NULL)) \
    I(ag_optimizer_state, opt, ag_optimizer_state(NULL, 0, &(int64_t){0}, &(nd_array *){NULL}, &(nd_array *){NULL})) \
    I(ag_optimizer_state, step, ag_optimizer_state(OPT, 0, NULL, &(nd_array *){NULL}, &(nd_array *){NULL})) \
    L(ag_optimizer_state_bytes, opt, ag_optimizer_state_bytes(NULL)) \
    D(ag_sum_squares_f32, x, ag_sum_squares_f32(NULL, 4)) \
    D(ag_clip_coef_f32, sum_squares, ag_clip_coef_f32(1, NULL, 1.0, &(double){0})) \
    D(ag_clip_coef_f32, coef, ag_clip_coef_f32(1, &(double){1}, 1.0, NULL)) \
    I(ag_set_grad, param, ag_set_grad(NULL, IDX)) \
    I(ag_clip_grad_norm, params, ag_clip_grad_norm(1, NULL, 1.0)) \
    D(ag_clip_grad_coef, params, ag_clip_grad_coef(1, NULL, 1.0, &(double){0})) \
    D(ag_clip_grad_coef, coef, ag_clip_grad_coef(1, TS, 1.0, NULL)) \
    I(ag_optimizer_set_grad_scale, opt, ag_optimizer_set_grad_scale(NULL, 1.0)) \
    F(ag_lr_at, s, ag_lr_at(NULL, 0)) \
    N(ag_lr_step_decay, none, 0) \
    N(ag_lr_warmup_cosine, none, 0) \
    I(ag_save_params, path, ag_save_params(NULL, 1, NAMES, TS, 0, NAMES)) \
    I(ag_save_params, names, ag_save_params("/nonexistent/x", 1, NULL, TS, 0, NAMES)) \
    I(ag_save_params, params, ag_save_params("/nonexistent/x", 1, NAMES, NULL, 0, NAMES)) \
    I(ag_load_params, path, ag_load_params(NULL, 1, NAMES, TS)) \
    I(ag_load_params, names, ag_load_params(PARAMS_PATH, 1, NULL, TS)) \
    I(ag_load_params, params, ag_load_params(PARAMS_PATH, 1, NAMES, NULL)) \
    I(ag_optimizer_save, opt, ag_optimizer_save(NULL, "/nonexistent/x", 0, NAMES)) \
    I(ag_optimizer_save, path, ag_optimizer_save(OPT, NULL, 0, NAMES)) \
    I(ag_optimizer_load, opt, ag_optimizer_load(NULL, OPT_PATH)) \
    I(ag_optimizer_load, path, ag_optimizer_load(OPT, NULL))

/* clang-format on */
NULL_CASES_DEFINE(AG_NULL_TABLE)

/* ---- out-of-range numbers ------------------------------------------------------------- */

START_TEST(out_of_range_numbers)
{
    const int axes99[2] = {99, 0};
    const int many_axes[ND_MAXDIMS + 1] = {0};
    const int64_t big[ND_MAXDIMS + 1] = {0};
    RANGE_P(ag_sum(T, -1, INTS, false));
    RANGE_P(ag_sum(T, ND_MAXDIMS + 1, many_axes, false));
    RANGE_P(ag_sum(T, 1, axes99, false));
    RANGE_P(ag_mean(T, 1, axes99, false));
    RANGE_P(ag_max(T, 1, axes99, false));
    RANGE_P(ag_var(T, 1, axes99, 1, false));
    RANGE_P(ag_logsumexp(T, 1, axes99, false));
    RANGE_P(ag_softmax(T, 99));
    RANGE_P(ag_log_softmax(T, -99));
    RANGE_P(ag_softmax_composed(T, 99));
    RANGE_P(ag_log_softmax_composed(T, 99));
    RANGE_P(ag_reshape(T, -1, I64S));
    RANGE_P(ag_reshape(T, ND_MAXDIMS + 1, big));
    RANGE_P(ag_broadcast_to(T, -1, I64S));
    RANGE_P(ag_permute(T, -1, INTS));
    RANGE_P(ag_permute(T, 2, axes99));
    RANGE_P(ag_transpose(T, axes99));
    RANGE_P(ag_swapaxes(T, 0, 99));
    RANGE_P(ag_slice(T, 99, 0, 1, 1));
    RANGE_P(ag_slice(T, 0, 0, 1, 0));
    RANGE_P(ag_expand_dims(T, 99));
    RANGE_P(ag_squeeze(T, 1, axes99));
    RANGE_P(ag_concat(-1, TS, 0));
    RANGE_P(ag_concat(2, TS, 99));
    RANGE_P(ag_stack(2, TS, 99));
    RANGE_I(ag_split(T, -1, I64S, 0, TOUT));
    RANGE_I(ag_split(T, 2, I64S, 99, TOUT));
    RANGE_P(ag_take(T, IDX, 99));
    RANGE_P(ag_take_along_axis(T, IDX, 99));
    RANGE_P(ag_apply(&OP, -1, TS, NULL, 0));
    RANGE_P(ag_apply(&OP, 99, TS, NULL, 0));
    RANGE_P(ag_to_dtype(T, (nd_dtype)99));
    RANGE_P(ag_to_dtype(T, (nd_dtype)-1));
    RANGE_P(ag_to_dtype_from(T, A)); /* x's own dtype */
    RANGE_P(ag_dropout(T, 2.0, RNG));
    RANGE_P(ag_dropout(T, -0.5, RNG));
    RANGE_I(ag_gradcheck(FN, NULL, -1, ARRS, 1e-6, 1e-5, 1e-3, NULL));
    RANGE_I(ag_gradcheck(FN, NULL, 99, ARRS, 1e-6, 1e-5, 1e-3, NULL));
    RANGE_P(ag_sgd_new(-1, TS, 0.1, 0, 0, 0, false));
    RANGE_P(ag_sgd_new(1, TS, -1, 0, 0, 0, false));
    RANGE_P(ag_adam_new(1, TS, 0.1, 1.5, 0.999, 1e-8, 0));
    RANGE_I(ag_optimizer_set_lr(OPT, NAN));
    RANGE_I(ag_optimizer_set_range(OPT, 0, 2, 1));
    RANGE_I(ag_optimizer_set_range(OPT, 99, 0, 1));
    RANGE_I(ag_optimizer_set_copy(OPT, 99, NULL));
    RANGE_I(ag_optimizer_set_copy(OPT, 0, A)); /* not bfloat16, and T is float64 */
    RANGE_I(ag_optimizer_state(OPT, -1, &(int64_t){0}, &(nd_array *){NULL}, &(nd_array *){NULL}));
    ck_assert_double_lt(ag_sum_squares_f32(&(float){1}, AG_NORM_CHUNK + 1), 0);
    ck_assert_double_lt(ag_clip_coef_f32(1, &(double){1}, -1.0, &(double){0}), 0);
    RANGE_I(ag_init_kaiming_uniform(T, 0, (ag_fan_mode)99, AG_NONLINEARITY_RELU, RNG));
    RANGE_I(ag_init_kaiming_normal(T, 0, AG_FAN_IN, (ag_nonlinearity)99, RNG));
    RANGE_I(ag_init_normal(T, 0, -1, RNG));
    RANGE_I(ag_init_uniform(T, 1, 0, RNG));
    ck_assert(isnan(ag_init_gain((ag_nonlinearity)99, 0)));
    ck_assert(isnan(ag_lr_at(&(ag_lr_schedule){.kind = (ag_lr_kind)99, .lr = 0.1}, 0)));
    ck_assert(isnan(ag_lr_at(&(ag_lr_schedule){.kind = AG_LR_STEP, .lr = 0.1, .step_size = 0}, 0)));
    ck_assert_double_lt(ag_clip_grad_norm(-1, TS, 1.0), 0);
    ck_assert_double_lt(ag_clip_grad_norm(1, TS, -1.0), 0);
    ck_assert_double_lt(ag_clip_grad_coef(-1, TS, 1.0, &(double){0}), 0);
    RANGE_I(ag_optimizer_set_grad_scale(OPT, 2.0));
    ck_assert_ptr_null(ag_ctx_saved(NULL, -1));
}
END_TEST

NULL_ARGS_SUITE("ag_null_args", setup, teardown, out_of_range_numbers)
