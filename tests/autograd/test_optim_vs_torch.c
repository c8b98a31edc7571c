/* Optimizers, gradient clipping, init fans/gains and StepLR against
 * PyTorch: torch/optim_cases.py runs torch.optim on the same initial
 * parameters and the same 20 gradient sets; every parameter must match
 * after every step (float32 within 1e-5 relative, float64 within 1e-10). */
#include "test_util.h"

#include <autograd.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPARAMS 4
#define STEPS 20

static char *dir; /* the script's output, made once for the suite */

static void make_references(void)
{
    if (!test_python_has("torch"))
        test_skip("torch cannot be imported");
    dir = test_make_tmpdir("optim");
    ck_assert_ptr_nonnull(dir);
    ck_assert_int_eq(test_run_python("torch/optim_cases.py", dir, NULL), 0);
}

static void remove_references(void)
{
    test_remove_tree(dir);
    free(dir);
    dir = NULL;
}

static nd_array *load(const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    nd_array *a = nd_load_npy(path);
    ck_assert_msg(a != NULL, "cannot load %s: %s", path, nd_last_error());
    return a;
}

static FILE *open_manifest(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    return f;
}

/* The largest |got - want| / (|want| + atol) over the elements, after
 * checking shapes and dtypes. */
static double rel_error(const nd_array *got, const nd_array *want, double atol)
{
    ck_assert_int_eq(nd_dtype_of(got), nd_dtype_of(want));
    ck_assert_int_eq(nd_size(got), nd_size(want));
    nd_array *g = nd_astype(got, ND_FLOAT64), *w = nd_astype(want, ND_FLOAT64);
    const double *x = nd_data(g), *y = nd_data(w);
    double worst = 0;
    for (int64_t i = 0; i < nd_size(g); i++)
        worst = fmax(worst, fabs(x[i] - y[i]) / (fabs(y[i]) + atol));
    nd_free(g);
    nd_free(w);
    return worst;
}

static double tolerance(const nd_array *a) { return nd_dtype_of(a) == ND_FLOAT32 ? 1e-5 : 1e-10; }
static double atol_of(const nd_array *a) { return nd_dtype_of(a) == ND_FLOAT32 ? 1e-6 : 1e-12; }

typedef struct config {
    char name[64], kind[16], schedule[16];
    double lr, momentum, dampening, weight_decay, beta1, beta2, eps;
    int nesterov;
} config;

static ag_optimizer *make_optimizer(const config *c, ag_tensor **params)
{
    if (strcmp(c->kind, "sgd") == 0)
        return ag_sgd_new(NPARAMS, params, c->lr, c->momentum, c->dampening, c->weight_decay,
                          c->nesterov != 0);
    if (strcmp(c->kind, "adam") == 0)
        return ag_adam_new(NPARAMS, params, c->lr, c->beta1, c->beta2, c->eps, c->weight_decay);
    return ag_adamw_new(NPARAMS, params, c->lr, c->beta1, c->beta2, c->eps, c->weight_decay);
}

/* grads[s][i]: the gradient of parameter i at step s, or NULL (none). */
static nd_array *grads[STEPS][NPARAMS];

static void load_grads(void)
{
    FILE *f = open_manifest("grads.txt");
    int s, i;
    char file[256];
    while (fscanf(f, "%d %d %255s", &s, &i, file) == 3)
        grads[s][i] = strcmp(file, "-") == 0 ? NULL : load(file);
    fclose(f);
}

static void free_grads(void)
{
    for (int s = 0; s < STEPS; s++)
        for (int i = 0; i < NPARAMS; i++) {
            nd_free(grads[s][i]);
            grads[s][i] = NULL;
        }
}

/* Runs one configuration for 20 steps; returns the worst error relative to
 * each parameter's tolerance (<= 1 passes). */
static double run_config(const config *c)
{
    ag_tensor *params[NPARAMS];
    for (int i = 0; i < NPARAMS; i++) {
        char file[64];
        snprintf(file, sizeof file, "init_%d.npy", i);
        nd_array *v = load(file);
        params[i] = ag_param(v);
        nd_free(v);
    }
    ag_optimizer *opt = make_optimizer(c, params);
    ck_assert_msg(opt != NULL, "%s: %s", c->name, nd_last_error());
    double worst = 0;
    for (int s = 0; s < STEPS; s++) {
        if (strcmp(c->schedule, "cosine") == 0)
            ck_assert_int_eq(ag_optimizer_set_lr(opt,
                                                 ag_lr_warmup_cosine(s, c->lr, 5, 15, c->lr / 10)),
                             0);
        for (int i = 0; i < NPARAMS; i++)
            ck_assert_int_eq(ag_set_grad(params[i], grads[s][i]), 0);
        ck_assert_int_eq(ag_optimizer_step(opt), 0);
        for (int i = 0; i < NPARAMS; i++) {
            char file[128];
            snprintf(file, sizeof file, "%s_%d_%d.npy", c->name, s + 1, i);
            nd_array *want = load(file);
            const nd_array *got = ag_value(params[i]);
            double err = rel_error(got, want, atol_of(want)) / tolerance(want);
            ck_assert_msg(err <= 1,
                          "%s: step %d, parameter %d (%s) differs from torch by %g "
                          "of the tolerance",
                          c->name, s + 1, i, nd_dtype_name(nd_dtype_of(want)), err);
            worst = fmax(worst, err);
            nd_free(want);
        }
    }
    ck_assert_int_eq(ag_optimizer_step_count(opt), STEPS);
    ag_optimizer_free(opt);
    for (int i = 0; i < NPARAMS; i++)
        ag_tensor_free(params[i]);
    return worst;
}

START_TEST(test_optimizers_match_torch_every_step)
{
    load_grads();
    FILE *f = open_manifest("configs.txt");
    config c;
    int count = 0;
    while (fscanf(f, "%63s %15s %lf %lf %lf %lf %d %lf %lf %lf %15s", c.name, c.kind, &c.lr,
                  &c.momentum, &c.dampening, &c.weight_decay, &c.nesterov, &c.beta1, &c.beta2,
                  &c.eps, c.schedule) == 11) {
        double worst = run_config(&c);
        printf("%-16s worst error %.3g of the tolerance\n", c.name, worst);
        count++;
    }
    fclose(f);
    free_grads();
    ck_assert_int_ge(count, 11);
}
END_TEST

START_TEST(test_clip_grad_norm_matches_torch)
{
    FILE *f = open_manifest("clip.txt");
    char name[64], file[256];
    double max_norm, total;
    int n, cases = 0;
    while (fscanf(f, "%63s %lf %d %lf", name, &max_norm, &n, &total) == 4) {
        ag_tensor *params[8];
        ck_assert_int_le(n, 8);
        for (int i = 0; i < n; i++) {
            ck_assert_int_eq(fscanf(f, "%255s", file), 1);
            nd_array *g = load(file), *zero = nd_zeros_like(g);
            params[i] = ag_param(zero);
            ck_assert_int_eq(ag_set_grad(params[i], g), 0);
            nd_free(g);
            nd_free(zero);
        }
        /* ag_clip_grad_coef first: the same total, and a factor whose
         * product with each unscaled gradient is the clipped gradient, bit
         * for bit (so the scale inside the optimizer matches torch too). */
        double coef, coef_total = ag_clip_grad_coef(n, params, max_norm, &coef);
        nd_array *unscaled[8];
        for (int i = 0; i < n; i++)
            unscaled[i] = nd_copy(ag_grad(params[i]));
        double got = ag_clip_grad_norm(n, params, max_norm);
        ck_assert(coef_total == got);
        for (int i = 0; i < n; i++) {
            nd_dtype dt = nd_dtype_of(unscaled[i]);
            nd_array *k = nd_scalar(dt, coef), *scaled = nd_multiply(unscaled[i], k);
            ck_assert_int_eq(nd_dtype_of(scaled), dt);
            ck_assert_msg(memcmp(nd_data(scaled), nd_data(ag_grad(params[i])),
                                 (size_t)nd_size(scaled) * nd_dtype_itemsize(dt)) == 0,
                          "%s: gradient %d times clip_grad_coef's factor is not the clipped one",
                          name, i);
            nd_free(k), nd_free(scaled), nd_free(unscaled[i]);
        }
        bool f32 = strncmp(name, "f32", 3) == 0 || strncmp(name, "big_f32", 7) == 0;
        ck_assert_msg(fabs(got - total) <= (f32 ? 1e-6 : 1e-12) * total,
                      "%s: total norm %.17g, torch %.17g", name, got, total);
        for (int i = 0; i < n; i++) {
            ck_assert_int_eq(fscanf(f, "%255s", file), 1);
            nd_array *want = load(file);
            double err = rel_error(ag_grad(params[i]), want, atol_of(want)) / tolerance(want);
            ck_assert_msg(err <= 1, "%s: clipped gradient %d differs (%g of the tolerance)", name,
                          i, err);
            nd_free(want);
            ag_tensor_free(params[i]);
        }
        cases++;
    }
    fclose(f);
    ck_assert_int_eq(cases, 5);
}
END_TEST

START_TEST(test_fans_and_gains_match_torch)
{
    FILE *f = open_manifest("fans.txt");
    int ndim, cases = 0;
    while (fscanf(f, "%d", &ndim) == 1) {
        int64_t shape[8], fan_in, fan_out;
        long long want_in, want_out;
        for (int d = 0; d < ndim; d++)
            ck_assert_int_eq(fscanf(f, "%" SCNd64, &shape[d]), 1);
        ck_assert_int_eq(fscanf(f, "%lld %lld", &want_in, &want_out), 2);
        nd_array *a = nd_zeros(ND_FLOAT32, ndim, shape);
        ck_assert_int_eq(ag_init_fans(a, &fan_in, &fan_out), 0);
        ck_assert_int_eq(fan_in, want_in);
        ck_assert_int_eq(fan_out, want_out);
        nd_free(a);
        cases++;
    }
    fclose(f);
    ck_assert_int_eq(cases, 7);

    f = open_manifest("gains.txt");
    char name[32];
    double param, want;
    cases = 0;
    while (fscanf(f, "%31s %lf %lf", name, &param, &want) == 3) {
        ag_nonlinearity nl = strcmp(name, "linear") == 0    ? AG_NONLINEARITY_LINEAR
                             : strcmp(name, "sigmoid") == 0 ? AG_NONLINEARITY_SIGMOID
                             : strcmp(name, "tanh") == 0    ? AG_NONLINEARITY_TANH
                             : strcmp(name, "relu") == 0    ? AG_NONLINEARITY_RELU
                                                            : AG_NONLINEARITY_LEAKY_RELU;
        ck_assert_double_eq_tol(ag_init_gain(nl, param), want, 1e-15);
        cases++;
    }
    fclose(f);
    ck_assert_int_eq(cases, 7);
}
END_TEST

START_TEST(test_step_decay_matches_torch_steplr)
{
    FILE *f = open_manifest("steplr.txt");
    int epoch, cases = 0;
    double want;
    ag_lr_schedule s = {.kind = AG_LR_STEP, .lr = 0.3, .step_size = 3, .gamma = 0.5};
    while (fscanf(f, "%d %lf", &epoch, &want) == 2) {
        ck_assert_double_eq_tol(ag_lr_at(&s, epoch), want, 1e-15);
        cases++;
    }
    fclose(f);
    ck_assert_int_eq(cases, 12);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("optim_vs_torch");
    TCase *tc = tcase_create("torch");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, make_references, remove_references);
    tcase_add_test(tc, test_optimizers_match_torch_every_step);
    tcase_add_test(tc, test_clip_grad_norm_matches_torch);
    tcase_add_test(tc, test_fans_and_gains_match_torch);
    tcase_add_test(tc, test_step_decay_matches_torch_steplr);
    suite_add_tcase(s, tc);
    return s;
}
