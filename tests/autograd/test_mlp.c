/* An MLP learns a 3-class spiral data set through the public API only
 * (ag_param, ag_matmul, ag_add, ag_relu/ag_tanh, ag_cross_entropy,
 * ag_backward, an optimizer, ag_tape_reset): training accuracy above 95%
 * and a loss that falls by an order of magnitude, in float32 and float64;
 * the whole network's gradient passes gradcheck; evaluation under no_grad
 * records nothing. */
#include "test_util.h"

#include <autograd.h>
#include <math.h>

#define CLASSES 3

/* ---- data --------------------------------------------------------------------------------- */

/* `per_class` points per spiral arm (CS231n's data set): point i of arm k at
 * radius r = i / (per_class - 1), angle t = 4 k + 4 r + 0.2 noise, as
 * (r sin t, r cos t). X (N, 2) of dtype dt, y (N,) int64 labels. */
static void spirals(uint64_t seed, nd_dtype dt, int64_t per_class, nd_array **X, nd_array **y)
{
    int64_t n = CLASSES * per_class;
    nd_rng *rng = nd_rng_new(seed);
    nd_array *noise = nd_rng_standard_normal(rng, ND_FLOAT64, 1, &n);
    nd_array *points = nd_empty(ND_FLOAT64, 2, (const int64_t[]){n, 2});
    *y = nd_empty(ND_INT64, 1, &n);
    ck_assert(noise && points && *y);
    const double *z = nd_data(noise);
    double *p = nd_data(points);
    int64_t *label = nd_data(*y);
    for (int64_t j = 0; j < n; j++) {
        int64_t k = j / per_class, i = j % per_class;
        double r = (double)i / (double)(per_class - 1);
        double t = 4.0 * (double)k + 4.0 * r + 0.2 * z[j];
        p[2 * j] = r * sin(t);
        p[2 * j + 1] = r * cos(t);
        label[j] = k;
    }
    *X = nd_astype(points, dt);
    ck_assert_ptr_nonnull(*X);
    nd_free(points);
    nd_free(noise);
    nd_rng_free(rng);
}

/* ---- the network ---------------------------------------------------------------------------- */

#define MAX_LAYERS 4

typedef enum activation { RELU, TANH } activation;

/* Linear layers x @ W + b (W stored (in, out)) with an activation between
 * them; params[2 l] = W_l, params[2 l + 1] = b_l. */
typedef struct net {
    int layers;
    activation act;
    ag_tensor *params[2 * MAX_LAYERS];
} net;

/* sizes[0] -> sizes[1] -> ... -> sizes[layers], initialized for the
 * activation (He for relu, Glorot with tanh's gain), zero biases. */
static net net_new(nd_dtype dt, int layers, const int64_t *sizes, activation act, uint64_t seed)
{
    net m = {.layers = layers, .act = act};
    nd_rng *rng = nd_rng_new(seed);
    for (int l = 0; l < layers; l++) {
        nd_array *w = nd_zeros(dt, 2, (const int64_t[]){sizes[l], sizes[l + 1]});
        nd_array *b = nd_zeros(dt, 1, &sizes[l + 1]);
        m.params[2 * l] = ag_param(w);
        m.params[2 * l + 1] = ag_param(b);
        nd_free(w);
        nd_free(b);
        int status =
            act == RELU
                ? ag_init_kaiming_uniform(m.params[2 * l], 0, AG_FAN_OUT, AG_NONLINEARITY_RELU, rng)
                : ag_init_xavier_uniform(m.params[2 * l], ag_init_gain(AG_NONLINEARITY_TANH, 0),
                                         rng);
        ck_assert_int_eq(status, 0);
    }
    nd_rng_free(rng);
    return m;
}

static void net_free(net *m)
{
    for (int i = 0; i < 2 * m->layers; i++)
        ag_tensor_free(m->params[i]);
}

/* A data set and a network for it: X (N, 2) and labels y (N,), the input
 * x = ag_const(X), and the network m. */
typedef struct problem {
    nd_array *X, *y;
    ag_tensor *x;
    net m;
} problem;

static problem problem_new(nd_dtype dt, uint64_t seed, int64_t per_class, int layers,
                           const int64_t *sizes, activation act)
{
    problem p;
    spirals(seed, dt, per_class, &p.X, &p.y);
    p.x = ag_const(p.X);
    ck_assert_ptr_nonnull(p.x);
    p.m = net_new(dt, layers, sizes, act, seed + 1);
    return p;
}

static void problem_free(problem *p)
{
    net_free(&p->m);
    ag_tensor_free(p->x);
    nd_free(p->X);
    nd_free(p->y);
}

/* logits (N, sizes[layers]) for x (N, sizes[0]), on the tape. */
static ag_tensor *net_forward(const net *m, ag_tensor *x)
{
    ag_tensor *h = x;
    for (int l = 0; l < m->layers; l++) {
        h = ag_add(ag_matmul(h, m->params[2 * l]), m->params[2 * l + 1]);
        if (l + 1 < m->layers)
            h = m->act == RELU ? ag_relu(h) : ag_tanh(h);
    }
    return h;
}

static double scalar_of(const ag_tensor *t)
{
    double v = NAN;
    ck_assert_int_eq(nd_get(ag_value(t), NULL, &v), 0);
    return v;
}

/* The fraction of rows of x the network classifies as y, evaluated under
 * no_grad: nothing is recorded and the result needs no gradient. */
static double net_accuracy(const net *m, ag_tensor *x, const nd_array *y)
{
    ag_no_grad_begin();
    ag_tensor *logits = net_forward(m, x);
    ag_no_grad_end();
    ck_assert_ptr_nonnull(logits);
    ck_assert(!ag_requires_grad(logits));
    ck_assert_uint_eq(ag_tape_size(), 0);
    nd_array *guess = nd_argmax(ag_value(logits), -1);
    nd_array *right = nd_equal(guess, y);
    nd_array *count = nd_count_nonzero(right, 0, NULL, false);
    int64_t hits = -1;
    ck_assert_int_eq(nd_get_int64(count, NULL, &hits), 0);
    nd_free(guess);
    nd_free(right);
    nd_free(count);
    ag_tape_reset();
    return (double)hits / (double)nd_size(y);
}

/* Full-batch training for `steps` steps; returns the first and last loss. */
static void train(net *m, ag_optimizer *opt, ag_tensor *x, const nd_array *y, int steps,
                  double *first, double *last)
{
    for (int step = 0; step < steps; step++) {
        ag_tensor *loss = ag_cross_entropy(net_forward(m, x), y);
        ck_assert_msg(loss != NULL, "step %d: %s", step, ag_last_error());
        ck_assert_int_eq(ag_backward(loss), 0);
        *last = scalar_of(loss);
        if (step == 0)
            *first = *last;
        ck_assert_int_eq(ag_optimizer_step(opt), 0);
        ag_optimizer_zero_grad(opt);
        ag_tape_reset();
        ck_assert_uint_eq(ag_tape_size(), 0);
    }
}

/* ---- tests -------------------------------------------------------------------------------- */

START_TEST(test_relu_mlp_learns_spirals_float32)
{
    problem p = problem_new(ND_FLOAT32, 0, 100, 3, (const int64_t[]){2, 64, 64, CLASSES}, RELU);
    ag_optimizer *opt = ag_adam_new(2 * p.m.layers, p.m.params, 1e-2, 0.9, 0.999, 1e-8, 0.0);
    ck_assert_ptr_nonnull(opt);

    double before = net_accuracy(&p.m, p.x, p.y);
    double first = NAN, last = NAN;
    train(&p.m, opt, p.x, p.y, 400, &first, &last);
    double after = net_accuracy(&p.m, p.x, p.y);

    /* Chance is 1/3 and the initial loss about ln 3 = 1.0986. */
    ck_assert_double_lt(before, 0.6);
    ck_assert_double_eq_tol(first, log(3.0), 0.3);
    ck_assert_double_gt(after, 0.95);
    ck_assert_double_lt(last, 0.1 * first);
    ck_assert_int_eq(ag_optimizer_step_count(opt), 400);
    /* Adam keeps the parameters float32. */
    for (int i = 0; i < 2 * p.m.layers; i++)
        ck_assert_int_eq(nd_dtype_of(ag_value(p.m.params[i])), ND_FLOAT32);
    ag_optimizer_free(opt);
    problem_free(&p);
}
END_TEST

START_TEST(test_tanh_mlp_learns_spirals_float64)
{
    problem p = problem_new(ND_FLOAT64, 3, 80, 3, (const int64_t[]){2, 64, 64, CLASSES}, TANH);
    ag_optimizer *opt = ag_adamw_new(2 * p.m.layers, p.m.params, 1e-2, 0.9, 0.999, 1e-8, 1e-4);
    ck_assert_ptr_nonnull(opt);

    double first = NAN, last = NAN;
    train(&p.m, opt, p.x, p.y, 600, &first, &last);
    ck_assert_double_gt(net_accuracy(&p.m, p.x, p.y), 0.95);
    ck_assert_double_lt(last, 0.2 * first);
    ag_optimizer_free(opt);
    problem_free(&p);
}
END_TEST

/* The whole network as one function of (x, W1, b1, W2, b2, W3, b3): the
 * cross-entropy of its logits. gradcheck perturbs every parameter and
 * every input coordinate. */
typedef struct gradcheck_ctx {
    activation act;
    const nd_array *targets;
} gradcheck_ctx;

static ag_tensor *net_loss(ag_tensor *const *in, void *ctx)
{
    const gradcheck_ctx *c = ctx;
    net m = {.layers = 3, .act = c->act};
    for (int i = 0; i < 6; i++)
        m.params[i] = in[1 + i];
    return ag_cross_entropy(net_forward(&m, in[0]), c->targets);
}

START_TEST(test_mlp_gradient_gradchecks)
{
    /* 12 points, 2 -> 6 -> 5 -> 3 in float64 */
    problem p = problem_new(ND_FLOAT64, 5, 4, 3, (const int64_t[]){2, 6, 5, CLASSES}, TANH);
    /* Random biases: with zero ones the point at the origin sits on every
     * relu's kink, where finite differences see a one-sided slope. */
    nd_rng *rng = nd_rng_new(9);
    for (int l = 0; l < 3; l++)
        ck_assert_int_eq(ag_init_uniform(p.m.params[2 * l + 1], -0.5, 0.5, rng), 0);
    nd_rng_free(rng);
    const nd_array *inputs[7] = {p.X};
    for (int i = 0; i < 6; i++)
        inputs[1 + i] = ag_value(p.m.params[i]);
    for (int a = RELU; a <= TANH; a++) {
        gradcheck_ctx c = {(activation)a, p.y};
        ag_gradcheck_report r;
        ck_assert_msg(ag_gradcheck(net_loss, &c, 7, inputs, 1e-6, 1e-8, 1e-6, &r) == 1,
                      "activation %d: input %d element %lld analytic %g numeric %g", a, r.input,
                      (long long)r.index, r.analytic, r.numeric);
    }
    problem_free(&p);
}
END_TEST

START_TEST(test_parameters_get_gradients_of_their_shape)
{
    const int64_t sizes[] = {2, 8, CLASSES};
    problem p = problem_new(ND_FLOAT32, 7, 10, 2, sizes, RELU);
    ck_assert_int_eq(ag_backward(ag_cross_entropy(net_forward(&p.m, p.x), p.y)), 0);
    ag_tape_reset();
    /* Gradients of parameters survive the reset; the input, a constant,
     * has none. */
    for (int l = 0; l < 2; l++) {
        ck_assert_shape(ag_grad(p.m.params[2 * l]), ND_FLOAT32, 2, sizes[l], sizes[l + 1]);
        ck_assert_shape(ag_grad(p.m.params[2 * l + 1]), ND_FLOAT32, 1, sizes[l + 1]);
    }
    ck_assert_ptr_null(ag_grad(p.x));
    problem_free(&p);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("mlp");
    TCase *tc = tcase_create("spirals");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_relu_mlp_learns_spirals_float32);
    tcase_add_test(tc, test_tanh_mlp_learns_spirals_float64);
    tcase_add_test(tc, test_mlp_gradient_gradchecks);
    tcase_add_test(tc, test_parameters_get_gradients_of_their_shape);
    suite_add_tcase(s, tc);
    return s;
}
