/* The network layers: every fused op and its composed twin pass gradcheck
 * (float64, random inputs, transposed and sliced ones too), give the same
 * values and gradients as each other, and report bad input in torch's
 * words; dropout's mask statistics and its backward; attention's masks. */
#include "test_util.h"

#include <autograd.h>
#include <math.h>

static nd_array *randn(uint64_t seed, int ndim, const int64_t *shape)
{
    nd_rng *rng = nd_rng_new(seed);
    nd_array *a = nd_rng_standard_normal(rng, ND_FLOAT64, ndim, shape);
    nd_rng_free(rng);
    return a;
}

#define RANDN(seed, ...)                                              \
    randn((seed), sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t), \
          (const int64_t[]){__VA_ARGS__})

static nd_array *int_targets(int n, const int64_t *values)
{
    return nd_from_data(ND_INT64, 1, (const int64_t[]){n}, values);
}

/* ---- one layer, two ways: a function of (inputs, fused?) -------------------------------------- */

typedef struct layer_case {
    const char *name;
    ag_tensor *(*fn)(ag_tensor *const *x, int n, const void *arg, bool fused);
    const void *arg;
} layer_case;

typedef struct bound {
    const layer_case *c;
    int n;
    bool fused;
} bound;

static ag_tensor *call_bound(ag_tensor *const *x, void *ctx)
{
    const bound *b = ctx;
    return b->c->fn(x, b->n, b->c->arg, b->fused);
}

static ag_tensor *l_softmax(ag_tensor *const *x, int n, const void *arg, bool fused)
{
    (void)n;
    int axis = *(const int *)arg;
    return fused ? ag_softmax(x[0], axis) : ag_softmax_composed(x[0], axis);
}

static ag_tensor *l_log_softmax(ag_tensor *const *x, int n, const void *arg, bool fused)
{
    (void)n;
    int axis = *(const int *)arg;
    return fused ? ag_log_softmax(x[0], axis) : ag_log_softmax_composed(x[0], axis);
}

typedef struct ce_arg {
    const nd_array *targets;
    int64_t ignore;
    double smoothing;
} ce_arg;

static ag_tensor *l_cross_entropy(ag_tensor *const *x, int n, const void *arg, bool fused)
{
    (void)n;
    const ce_arg *a = arg;
    return fused ? ag_cross_entropy_ex(x[0], a->targets, a->ignore, a->smoothing)
                 : ag_cross_entropy_composed(x[0], a->targets, a->ignore, a->smoothing);
}

/* x, then weight and bias when given */
static ag_tensor *l_layer_norm(ag_tensor *const *x, int n, const void *arg, bool fused)
{
    (void)arg;
    ag_tensor *w = n > 1 ? x[1] : NULL, *b = n > 2 ? x[2] : NULL;
    return fused ? ag_layer_norm(x[0], w, b, 1e-5) : ag_layer_norm_composed(x[0], w, b, 1e-5);
}

static ag_tensor *l_rms_norm(ag_tensor *const *x, int n, const void *arg, bool fused)
{
    (void)arg;
    ag_tensor *w = n > 1 ? x[1] : NULL;
    return fused ? ag_rms_norm(x[0], w, 1e-6) : ag_rms_norm_composed(x[0], w, 1e-6);
}

static ag_tensor *l_gelu(ag_tensor *const *x, int n, const void *arg, bool fused)
{
    (void)n, (void)arg;
    return fused ? ag_gelu(x[0]) : ag_gelu_composed(x[0]);
}

static ag_tensor *l_gelu_erf(ag_tensor *const *x, int n, const void *arg, bool fused)
{
    (void)n, (void)arg;
    return fused ? ag_gelu_erf(x[0]) : ag_gelu_erf_composed(x[0]);
}

static ag_tensor *l_silu(ag_tensor *const *x, int n, const void *arg, bool fused)
{
    (void)n, (void)arg;
    return fused ? ag_silu(x[0]) : ag_silu_composed(x[0]);
}

typedef struct attn_arg {
    bool causal;
    const nd_array *pad;
} attn_arg;

static ag_tensor *l_attention(ag_tensor *const *x, int n, const void *arg, bool fused)
{
    (void)n;
    const attn_arg *a = arg;
    return fused ? ag_attention(x[0], x[1], x[2], a->causal, a->pad)
                 : ag_attention_composed(x[0], x[1], x[2], a->causal, a->pad);
}

typedef struct packed_arg {
    int64_t heads;
    bool causal;
    const nd_array *pad;
} packed_arg;

/* ag_attention_packed, and as "composed" the steps it stands for: slices
 * of qkv (B, T, 3C) reshaped and permuted to (B, H, T, D), the composed
 * attention, permuted and reshaped back to (B, T, C). */
static ag_tensor *l_attention_packed(ag_tensor *const *x, int n, const void *arg, bool fused)
{
    (void)n;
    const packed_arg *a = arg;
    const nd_array *v = ag_value(x[0]);
    if (fused)
        return ag_attention_packed(x[0], a->heads, a->causal, a->pad, nd_dtype_of(v));
    const int64_t B = nd_shape(v)[0], T = nd_shape(v)[1], C = nd_shape(v)[2] / 3;
    ag_tensor *heads[3];
    for (int i = 0; i < 3; i++)
        heads[i] = ag_transpose(ag_reshape(ag_slice(x[0], 2, i * C, (i + 1) * C, 1), 4,
                                           (int64_t[]){B, T, a->heads, C / a->heads}),
                                (int[]){0, 2, 1, 3});
    ag_tensor *y = ag_attention_composed(heads[0], heads[1], heads[2], a->causal, a->pad);
    return ag_reshape(ag_transpose(y, (int[]){0, 2, 1, 3}), 3, (int64_t[]){B, T, C});
}

/* Both forms pass gradcheck, and agree on the value and on every input's
 * gradient of sum(v * y) (float64, to 1e-12). */
static void check_layer(const layer_case *c, int n, const nd_array *const *inputs)
{
    ag_gradcheck_report r;
    for (int fused = 0; fused < 2; fused++) {
        bound b = {c, n, fused};
        int ok = ag_gradcheck(call_bound, &b, n, inputs, 1e-6, 1e-8, 1e-6, &r);
        ck_assert_msg(ok == 1,
                      "%s (%s): gradcheck input %d index %lld analytic %.10g numeric "
                      "%.10g (%s)",
                      c->name, fused ? "fused" : "composed", r.input, (long long)r.index,
                      r.analytic, r.numeric, nd_last_error());
    }
    /* fused vs composed */
    ag_tensor *x[2][8];
    const nd_array *grads[2][8] = {{0}};
    nd_array *values[2] = {0};
    for (int fused = 0; fused < 2; fused++) {
        for (int i = 0; i < n; i++)
            x[fused][i] =
                nd_dtype_of(inputs[i]) == ND_FLOAT64 ? ag_param(inputs[i]) : ag_const(inputs[i]);
        ag_tensor *y = c->fn(x[fused], n, c->arg, fused);
        ck_assert_msg(y != NULL, "%s: %s", c->name, nd_last_error());
        values[fused] = nd_copy(ag_value(y));
        nd_array *v = nd_ones_like(ag_value(y));
        ck_assert_int_eq(ag_backward_ex(y, v, false), 0);
        nd_free(v);
        for (int i = 0; i < n; i++)
            grads[fused][i] = ag_grad(x[fused][i]);
        ag_tape_reset();
    }
    nd_array *all[2 * 9];
    int count = 0;
    all[count++] = values[0];
    all[count++] = values[1];
    for (int i = 0; i < n; i++)
        if (grads[0][i]) {
            all[count++] = (nd_array *)grads[0][i];
            all[count++] = (nd_array *)grads[1][i];
        }
    for (int k = 0; k < count; k += 2) {
        ck_assert_int_eq(nd_size(all[k]), nd_size(all[k + 1]));
        nd_array *d = nd_subtract(all[k], all[k + 1]);
        nd_array *m = nd_abs(d);
        nd_array *mx = nd_size(m) ? nd_max(m, 0, NULL, false) : NULL;
        double worst = 0;
        if (mx)
            nd_get(mx, NULL, &worst);
        ck_assert_msg(worst <= 1e-12, "%s: fused and composed differ by %g (%s %d)", c->name, worst,
                      k == 0 ? "value" : "grad", k / 2 - 1);
        nd_free(d);
        nd_free(m);
        nd_free(mx);
    }
    for (int fused = 0; fused < 2; fused++)
        for (int i = 0; i < n; i++)
            ag_tensor_free(x[fused][i]);
    nd_free(values[0]);
    nd_free(values[1]);
}

START_TEST(test_softmax_both_ways)
{
    nd_array *x = RANDN(1, 3, 4, 5);
    nd_array *xt = nd_transpose(x, NULL); /* (5, 4, 3), non-contiguous */
    nd_array *xs = nd_slice(x, 2, ND_NONE, ND_NONE, -2); /* (3, 4, 3), reversed, strided */
    for (int axis = -3; axis < 3; axis++) {
        layer_case s = {"softmax", l_softmax, &axis}, l = {"log_softmax", l_log_softmax, &axis};
        const nd_array *in[][1] = {{x}, {xt}, {xs}};
        for (int k = 0; k < 3; k++) {
            check_layer(&s, 1, in[k]);
            check_layer(&l, 1, in[k]);
        }
    }
    nd_free(x);
    nd_free(xt);
    nd_free(xs);
}
END_TEST

START_TEST(test_cross_entropy_both_ways)
{
    nd_array *x = RANDN(2, 6, 5), *xt0 = RANDN(3, 5, 6), *xt = nd_transpose(xt0, NULL);
    nd_array *t = int_targets(6, (const int64_t[]){0, 4, -100, 2, 2, 1});
    nd_array *t2 = int_targets(6, (const int64_t[]){3, 3, 3, 0, 1, 3}); /* 3 is ignored */
    ce_arg args[] = {{t, -100, 0.0}, {t, -100, 0.2}, {t2, 3, 0.0}, {t2, 3, 1.0}};
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        layer_case c = {"cross_entropy", l_cross_entropy, &args[i]};
        check_layer(&c, 1, (const nd_array *const[]){x});
        check_layer(&c, 1, (const nd_array *const[]){xt});
    }
    nd_free(x);
    nd_free(xt0);
    nd_free(xt);
    nd_free(t);
    nd_free(t2);
}
END_TEST

START_TEST(test_norms_both_ways)
{
    nd_array *x = RANDN(4, 2, 3, 6), *w = RANDN(5, 6), *b = RANDN(6, 6);
    nd_array *xt0 = RANDN(7, 6, 4), *xt = nd_transpose(xt0, NULL); /* (4, 6) */
    layer_case ln = {"layer_norm", l_layer_norm, NULL}, rms = {"rms_norm", l_rms_norm, NULL};
    for (int n = 1; n <= 3; n++) {
        check_layer(&ln, n, (const nd_array *const[]){x, w, b});
        check_layer(&ln, n, (const nd_array *const[]){xt, w, b});
    }
    for (int n = 1; n <= 2; n++) {
        check_layer(&rms, n, (const nd_array *const[]){x, w});
        check_layer(&rms, n, (const nd_array *const[]){xt, w});
    }
    nd_free(x);
    nd_free(w);
    nd_free(b);
    nd_free(xt0);
    nd_free(xt);
}
END_TEST

START_TEST(test_activations_both_ways)
{
    nd_array *x = RANDN(8, 4, 5), *big = nd_multiply(x, x), *xt = nd_transpose(x, NULL);
    layer_case cs[] = {{"gelu", l_gelu, NULL},
                       {"gelu_erf", l_gelu_erf, NULL},
                       {"silu", l_silu, NULL}};
    for (int i = 0; i < 3; i++) {
        check_layer(&cs[i], 1, (const nd_array *const[]){x});
        check_layer(&cs[i], 1, (const nd_array *const[]){xt});
        check_layer(&cs[i], 1, (const nd_array *const[]){big});
    }
    nd_free(x);
    nd_free(big);
    nd_free(xt);
}
END_TEST

START_TEST(test_attention_packed_both_ways)
{
    nd_array *qkv = RANDN(15, 2, 5, 12); /* C 4 */
    nd_array *wide0 = RANDN(16, 2, 5, 20), *wide = nd_slice(wide0, 2, 2, 14, 1); /* strided rows */
    nd_array *pad = nd_zeros(ND_BOOL, 2, (const int64_t[]){2, 5});
    nd_set(pad, (const int64_t[]){0, 3}, 1);
    nd_set(pad, (const int64_t[]){1, 1}, 1);
    packed_arg args[] = {{1, false, NULL}, {2, true, NULL}, {2, true, pad}, {4, false, pad}};
    for (int i = 0; i < 4; i++) {
        layer_case c = {"attention_packed", l_attention_packed, &args[i]};
        check_layer(&c, 1, (const nd_array *const[]){qkv});
        check_layer(&c, 1, (const nd_array *const[]){wide});
    }
    nd_free(qkv);
    nd_free(wide0);
    nd_free(wide);
    nd_free(pad);
}
END_TEST

START_TEST(test_attention_both_ways)
{
    nd_array *q = RANDN(9, 2, 2, 5, 4), *k = RANDN(10, 2, 2, 5, 4), *v = RANDN(11, 2, 2, 5, 3);
    nd_array *kshort = RANDN(12, 2, 1, 7, 4), *vshort = RANDN(13, 2, 1, 7, 3); /* Tk 7, one head */
    nd_array *kt0 = RANDN(14, 2, 2, 4, 5), *kt = nd_swapaxes(kt0, -1, -2); /* non-contiguous k */
    nd_array *pad = nd_zeros(ND_BOOL, 2, (const int64_t[]){2, 5});
    nd_set(pad, (const int64_t[]){0, 3}, 1);
    nd_set(pad, (const int64_t[]){1, 1}, 1);
    attn_arg args[] = {{false, NULL}, {true, NULL}, {true, pad}, {false, pad}};
    for (int i = 0; i < 4; i++) {
        layer_case c = {"attention", l_attention, &args[i]};
        check_layer(&c, 3, (const nd_array *const[]){q, k, v});
        check_layer(&c, 3, (const nd_array *const[]){q, kt, v});
        if (!args[i].pad) /* Tq 5 < Tk 7, k and v broadcast over heads */
            check_layer(&c, 3, (const nd_array *const[]){q, kshort, vshort});
    }
    nd_free(q);
    nd_free(k);
    nd_free(v);
    nd_free(kshort);
    nd_free(vshort);
    nd_free(kt0);
    nd_free(kt);
    nd_free(pad);
}
END_TEST

/* ---- values and semantics ------------------------------------------------------------------------ */

START_TEST(test_softmax_values_and_float32)
{
    nd_array *x = nd_from_data(ND_FLOAT32, 2, (const int64_t[]){2, 3},
                               (const float[]){0, 0, 0, 1000, 1000, -1000});
    ag_tensor *a = ag_param(x);
    ag_tensor *y = ag_softmax(a, 1), *l = ag_log_softmax(a, -1);
    ck_assert_shape(ag_value(y), ND_FLOAT32, 2, 2, 3);
    double third = (double)(1.0f / 3.0f);
    ck_assert_values(ag_value(y), third, third, third, 0.5, 0.5, 0);
    ck_assert_values(ag_value(l), (double)-logf(3), (double)-logf(3), (double)-logf(3),
                     (double)-logf(2), (double)-logf(2), (double)(-2000 - logf(2)));
    ck_assert_str_eq(ag_op_name(y), "softmax");
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(x);
}
END_TEST

START_TEST(test_cross_entropy_values)
{
    /* uniform logits: the loss is log C for every row */
    nd_array *x = nd_zeros(ND_FLOAT64, 2, (const int64_t[]){3, 4});
    nd_array *t = int_targets(3, (const int64_t[]){0, 3, 1});
    ag_tensor *a = ag_param(x);
    ag_tensor *loss = ag_cross_entropy(a, t);
    ck_assert_shape(ag_value(loss), ND_FLOAT64, 0, 0);
    ck_assert_double_eq_tol(*(double *)nd_data(ag_value(loss)), log(4.0), 1e-15);
    ck_assert_int_eq(ag_backward(loss), 0);
    /* dL/dx = (softmax - onehot) / N = (1/4 - [c == t]) / 3 */
    ck_assert_double_eq_tol(*(double *)nd_data(ag_grad(a)), (0.25 - 1) / 3, 1e-15);
    ag_tape_reset();
    /* every row ignored: NaN, as torch */
    nd_array *ignored = int_targets(3, (const int64_t[]){-100, -100, -100});
    loss = ag_cross_entropy(a, ignored);
    ck_assert(isnan(*(double *)nd_data(ag_value(loss))));
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(x);
    nd_free(t);
    nd_free(ignored);
}
END_TEST

START_TEST(test_layer_norm_saves_mean_and_rstd_and_normalizes)
{
    nd_array *x = RANDN(20, 4, 16);
    ag_tensor *a = ag_param(x);
    ag_tensor *y = ag_layer_norm(a, NULL, NULL, 0.0);
    /* each row: mean 0, biased variance 1 */
    nd_array *m = nd_mean(ag_value(y), 1, (const int[]){-1}, false);
    nd_array *s = nd_var(ag_value(y), 1, (const int[]){-1}, 0, false);
    for (int64_t i = 0; i < 4; i++) {
        double mv, sv;
        nd_get(m, &i, &mv);
        nd_get(s, &i, &sv);
        ck_assert_double_eq_tol(mv, 0, 1e-14);
        ck_assert_double_eq_tol(sv, 1, 1e-12);
    }
    nd_free(m);
    nd_free(s);
    ag_tape_reset();
    ag_tensor_free(a);
    nd_free(x);
}
END_TEST

START_TEST(test_attention_fully_masked_row_is_zero)
{
    /* causal with the first key padded: query 0 sees nothing */
    nd_array *q = RANDN(21, 1, 3, 2), *k = RANDN(22, 1, 3, 2), *v = RANDN(23, 1, 3, 2);
    nd_array *pad = nd_zeros(ND_BOOL, 2, (const int64_t[]){1, 3});
    nd_set(pad, (const int64_t[]){0, 0}, 1);
    ag_tensor *tq = ag_param(q), *tk = ag_param(k), *tv = ag_param(v);
    ag_tensor *y = ag_attention(tq, tk, tv, true, pad);
    ck_assert_ptr_nonnull(y);
    double value;
    for (int64_t j = 0; j < 2; j++) {
        nd_get(ag_value(y), (const int64_t[]){0, 0, j}, &value);
        ck_assert_double_eq(value, 0);
    }
    ck_assert_int_eq(ag_backward(ag_sum(y, 0, NULL, false)), 0);
    nd_array *finite = nd_isfinite(ag_grad(tq));
    nd_array *all = nd_all(finite, 0, NULL, false);
    ck_assert(*(bool *)nd_data(all));
    nd_get(ag_grad(tq), (const int64_t[]){0, 0, 0}, &value);
    ck_assert_double_eq(value, 0);
    /* the first key is never attended to: no gradient reaches it */
    nd_get(ag_grad(tk), (const int64_t[]){0, 0, 1}, &value);
    ck_assert_double_eq(value, 0);
    nd_free(finite);
    nd_free(all);
    ag_tape_reset();
    ag_tensor_free(tq);
    ag_tensor_free(tk);
    ag_tensor_free(tv);
    nd_free(q);
    nd_free(k);
    nd_free(v);
    nd_free(pad);
}
END_TEST

/* ---- dropout ---------------------------------------------------------------------------------- */

START_TEST(test_dropout_statistics_and_backward_mask)
{
    const int64_t n = 100000;
    nd_array *ones = nd_ones(ND_FLOAT32, 1, &n);
    ag_tensor *a = ag_param(ones);
    nd_rng *rng = nd_rng_new(42);
    ag_tensor *y = ag_dropout(a, 0.3, rng);
    ck_assert_shape(ag_value(y), ND_FLOAT32, 1, n);
    /* kept values are 1/(1-p), about 70% kept, mean about 1 */
    const float *yv = nd_data(ag_value(y));
    int64_t kept = 0;
    for (int64_t i = 0; i < n; i++) {
        ck_assert(yv[i] == 0 || fabsf(yv[i] - 1 / 0.7f) < 1e-6f);
        kept += yv[i] != 0;
    }
    ck_assert_double_eq_tol((double)kept / (double)n, 0.7, 0.01);
    /* the backward uses the same mask: dL/dx = y for x = 1 and L = sum(y) */
    ck_assert_int_eq(ag_backward(ag_sum(y, 0, NULL, false)), 0);
    const float *g = nd_data(ag_grad(a));
    for (int64_t i = 0; i < n; i++)
        ck_assert(g[i] == yv[i]);
    ag_tape_reset();
    /* deterministic given the generator's state */
    nd_rng *r1 = nd_rng_new(7), *r2 = nd_rng_new(7);
    ag_tensor *y1 = ag_dropout(a, 0.5, r1), *y2 = ag_dropout(a, 0.5, r2);
    ck_assert_mem_eq(nd_data(ag_value(y1)), nd_data(ag_value(y2)), (size_t)n * sizeof(float));
    ag_tape_reset();
    nd_rng_free(r1);
    nd_rng_free(r2);
    nd_rng_free(rng);
    ag_tensor_free(a);
    nd_free(ones);
}
END_TEST

START_TEST(test_dropout_identity_and_edges)
{
    nd_array *x = RANDN(30, 3, 4);
    ag_tensor *a = ag_param(x);
    nd_rng *rng = nd_rng_new(1);
    ck_assert_ptr_eq(ag_dropout(a, 0.5, NULL), a); /* evaluation: no rng */
    ck_assert_ptr_eq(ag_dropout(a, 0.0, rng), a);
    ag_tensor *z = ag_dropout(a, 1.0, rng); /* everything dropped */
    nd_array *any = nd_any(ag_value(z), 0, NULL, false);
    ck_assert(!*(bool *)nd_data(any));
    nd_free(any);
    ck_assert_ptr_null(ag_dropout(a, 1.5, rng));
    ck_assert_error("dropout probability has to be between 0 and 1, but got 1.5");
    ag_tape_reset();
    nd_rng_free(rng);
    ag_tensor_free(a);
    nd_free(x);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------------ */

START_TEST(test_errors_in_torch_words)
{
    nd_array *x = RANDN(40, 3, 4), *w3 = RANDN(41, 3),
             *i = nd_zeros(ND_INT64, 2, (const int64_t[]){3, 4});
    nd_array *w32 = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){4});
    ag_tensor *a = ag_param(x), *bad_w = ag_param(w3), *ints = ag_const(i), *f32 = ag_param(w32);
    ck_assert_ptr_null(ag_softmax(a, 2));
    ck_assert_error("Dimension out of range (expected to be in range of [-2, 1], but got 2)");
    ck_assert_ptr_null(ag_log_softmax_composed(a, -3));
    ck_assert_error("Dimension out of range (expected to be in range of [-2, 1], but got -3)");
    ck_assert_ptr_null(ag_softmax(ints, 0));
    ck_assert_error("softmax: expected a floating point tensor, got int64");
    ck_assert_ptr_null(ag_layer_norm(a, bad_w, NULL, 1e-5));
    ck_assert_error("Expected weight to be of same shape as normalized_shape, but got weight of "
                    "shape [3] and normalized_shape = [4]");
    ck_assert_ptr_null(ag_layer_norm_composed(a, NULL, bad_w, 1e-5));
    ck_assert_error("Expected bias to be of same shape as normalized_shape, but got bias of "
                    "shape [3] and normalized_shape = [4]");
    ck_assert_ptr_null(ag_layer_norm(a, f32, NULL, 1e-5));
    ck_assert_error("expected scalar type Double but found Float");
    nd_array *t2 = int_targets(2, (const int64_t[]){0, 1});
    nd_array *t5 = int_targets(3, (const int64_t[]){0, 1, 5});
    nd_array *tf = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){3});
    ck_assert_ptr_null(ag_cross_entropy(a, t2));
    ck_assert_error("Expected input batch_size (3) to match target batch_size (2).");
    ck_assert_ptr_null(ag_cross_entropy(a, t5));
    ck_assert_error("Target 5 is out of bounds.");
    ck_assert_ptr_null(ag_cross_entropy_composed(a, t5, -100, 0));
    ck_assert_error("Target 5 is out of bounds.");
    ck_assert_ptr_null(ag_cross_entropy(a, tf));
    ck_assert_error("expected scalar type Long but found Float");
    ck_assert_ptr_null(ag_cross_entropy_ex(a, t2, -100, 1.5));
    ck_assert_ptr_null(ag_nll_loss(a, t5, -100));
    ck_assert_error("Target 5 is out of bounds.");
    ck_assert_ptr_null(ag_attention(a, bad_w, a, false, NULL));
    ck_assert_ptr_null(ag_attention(a, a, a, false, t2));
    /* the packed form: (B, T, 3C), heads dividing C, qkv's dtype or bf16 */
    nd_array *z12 = nd_zeros(ND_FLOAT64, 3, (const int64_t[]){2, 3, 12});
    nd_array *z10 = nd_zeros(ND_FLOAT64, 3, (const int64_t[]){2, 3, 10});
    ag_tensor *qkv = ag_param(z12), *qkv2 = ag_param(z10);
    ck_assert_ptr_null(ag_attention_packed(a, 1, false, NULL, ND_FLOAT64));
    ck_assert_error("attention_packed: expected qkv of shape (B, T, 3C), got a 2-d tensor with "
                    "last dimension 4");
    ck_assert_ptr_null(ag_attention_packed(qkv2, 1, false, NULL, ND_FLOAT64));
    ck_assert_error("attention_packed: expected qkv of shape (B, T, 3C), got a 3-d tensor with "
                    "last dimension 10");
    ck_assert_ptr_null(ag_attention_packed(qkv, 3, false, NULL, ND_FLOAT64));
    ck_assert_error("attention_packed: embed_dim 4 must be divisible by num_heads 3");
    ck_assert_ptr_null(ag_attention_packed(qkv, 0, false, NULL, ND_FLOAT64));
    ck_assert_error("attention_packed: embed_dim 4 must be divisible by num_heads 0");
    ck_assert_ptr_null(ag_attention_packed(qkv, 2, false, NULL, ND_INT64));
    ck_assert_error("attention_packed: the operand dtype must be qkv's (float64) or bfloat16, got "
                    "int64");
    ck_assert_ptr_null(ag_attention_packed(qkv, 2, false, t2, ND_FLOAT64));
    ck_assert_error("attention: expected a bool padding mask of shape (2, 3)");
    ck_assert_ptr_null(ag_attention_packed(ints, 1, false, NULL, ND_INT64));
    ck_assert_ptr_null(ag_attention_packed(NULL, 1, false, NULL, ND_FLOAT64));
    ag_tensor_free(qkv);
    ag_tensor_free(qkv2);
    nd_free(z12);
    nd_free(z10);
    /* NULL in, NULL out */
    ck_assert_ptr_null(ag_softmax(NULL, 0));
    ck_assert_ptr_null(ag_layer_norm(NULL, NULL, NULL, 1e-5));
    ck_assert_ptr_null(ag_gelu_composed(NULL));
    ck_assert_ptr_null(ag_attention_composed(NULL, a, a, true, NULL));
    ck_assert_ptr_null(ag_cross_entropy(NULL, t2));
    ck_assert_ptr_null(ag_mse_loss(a, NULL));
    ag_tape_reset();
    ag_tensor_free(a);
    ag_tensor_free(bad_w);
    ag_tensor_free(ints);
    ag_tensor_free(f32);
    nd_free(x);
    nd_free(w3);
    nd_free(i);
    nd_free(w32);
    nd_free(t2);
    nd_free(t5);
    nd_free(tf);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("layers");
    TCase *both = tcase_create("fused_and_composed");
    tcase_set_timeout(both, 300);
    tcase_add_test(both, test_softmax_both_ways);
    tcase_add_test(both, test_cross_entropy_both_ways);
    tcase_add_test(both, test_norms_both_ways);
    tcase_add_test(both, test_activations_both_ways);
    tcase_add_test(both, test_attention_both_ways);
    tcase_add_test(both, test_attention_packed_both_ways);
    suite_add_tcase(s, both);
    TCase *values = tcase_create("values");
    tcase_add_test(values, test_softmax_values_and_float32);
    tcase_add_test(values, test_cross_entropy_values);
    tcase_add_test(values, test_layer_norm_saves_mean_and_rstd_and_normalizes);
    tcase_add_test(values, test_attention_fully_masked_row_is_zero);
    tcase_add_test(values, test_dropout_statistics_and_backward_mask);
    tcase_add_test(values, test_dropout_identity_and_edges);
    tcase_add_test(values, test_errors_in_torch_words);
    suite_add_tcase(s, values);
    return s;
}
