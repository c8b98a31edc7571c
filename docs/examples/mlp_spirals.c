/*
 * Worked example: a multilayer perceptron learns to tell three interleaved
 * spirals apart, with libautograd. The same model in PyTorch would read
 *
 *     h = relu(x @ W1 + b1)            # (N, 2)  -> (N, 64)
 *     h = relu(h @ W2 + b2)            # (N, 64) -> (N, 64)
 *     logits = h @ W3 + b3             # (N, 64) -> (N, 3)
 *     loss = F.cross_entropy(logits, y)
 *     loss.backward(); opt.step(); opt.zero_grad()
 *
 * and so does this program, op for op. docs/autograd.md walks through it.
 * The program checks that the training accuracy passes 95% and that the
 * loss fell (exit 1 if not), so it doubles as a test.
 */
#include <autograd.h>
#include <math.h>
#include <stdio.h>

#define CLASSES 3
#define PER_CLASS 100
#define N (CLASSES * PER_CLASS)
#define HIDDEN 64
#define LAYERS 3
#define STEPS 1000

/* ---- the data ------------------------------------------------------------------- */

/* Point i of arm k sits at radius r = i / (PER_CLASS - 1) and angle
 * t = 4 k + 4 r + 0.2 noise: (r sin t, r cos t), label k (CS231n's spirals).
 * X is (N, 2) float32, y is (N,) int64. */
static int make_spirals(nd_rng *rng, nd_array **X, nd_array **y)
{
    nd_array *noise = nd_rng_standard_normal(rng, ND_FLOAT64, 1, (const int64_t[]){N});
    if (!noise)
        return -1;
    const double *z = nd_data(noise);
    float points[N][2];
    int64_t labels[N];
    for (int k = 0; k < CLASSES; k++)
        for (int i = 0; i < PER_CLASS; i++) {
            int j = k * PER_CLASS + i;
            double r = (double)i / (PER_CLASS - 1);
            double t = 4.0 * k + 4.0 * r + 0.2 * z[j];
            points[j][0] = (float)(r * sin(t));
            points[j][1] = (float)(r * cos(t));
            labels[j] = k;
        }
    nd_free(noise);
    *X = nd_from_data(ND_FLOAT32, 2, (const int64_t[]){N, 2}, points);
    *y = nd_from_data(ND_INT64, 1, (const int64_t[]){N}, labels);
    return *X && *y ? 0 : -1;
}

/* ---- the model ------------------------------------------------------------------ */

/* Three linear layers, x @ W + b, W stored (in, out). The parameters belong
 * to the program (ag_param), not to the tape: they live across steps. */
typedef struct mlp {
    ag_tensor *params[2 * LAYERS]; /* W1, b1, W2, b2, W3, b3 */
} mlp;

static int mlp_init(mlp *m, nd_rng *rng)
{
    const int64_t sizes[LAYERS + 1] = {2, HIDDEN, HIDDEN, CLASSES};
    for (int l = 0; l < LAYERS; l++) {
        nd_array *w = nd_zeros(ND_FLOAT32, 2, (const int64_t[]){sizes[l], sizes[l + 1]});
        nd_array *b = nd_zeros(ND_FLOAT32, 1, (const int64_t[]){sizes[l + 1]});
        m->params[2 * l] = ag_param(w); /* a copy: w can go */
        m->params[2 * l + 1] = ag_param(b);
        nd_free(w);
        nd_free(b);
        /* He initialization for relu. W is (in, out), so its input side is
         * dim 1's "fan out" in torch's (out, in) convention. */
        if (ag_init_kaiming_uniform(m->params[2 * l], 0, AG_FAN_OUT, AG_NONLINEARITY_RELU, rng) < 0)
            return -1;
    }
    return 0;
}

static void mlp_free(mlp *m)
{
    for (int i = 0; i < 2 * LAYERS; i++)
        ag_tensor_free(m->params[i]);
}

/* logits (N, CLASSES) for x (N, 2). Every tensor made here belongs to the
 * tape; a failed op returns NULL and the ops after it pass the NULL on, so
 * one check at the end is enough. */
static ag_tensor *mlp_forward(const mlp *m, ag_tensor *x)
{
    ag_tensor *h = x;
    for (int l = 0; l < LAYERS; l++) {
        h = ag_add(ag_matmul(h, m->params[2 * l]), m->params[2 * l + 1]); /* (N, out) + (out,) */
        if (l < LAYERS - 1)
            h = ag_relu(h);
    }
    return h;
}

/* The fraction of rows whose largest logit is the label. */
static double accuracy(const ag_tensor *logits, const nd_array *y)
{
    nd_array *guess = nd_argmax(ag_value(logits), 1);
    nd_array *right = guess ? nd_equal(guess, y) : NULL;
    nd_array *count = right ? nd_count_nonzero(right, 0, NULL, false) : NULL;
    double hits = NAN;
    if (count)
        nd_get(count, NULL, &hits);
    nd_free(guess);
    nd_free(right);
    nd_free(count);
    return hits / N;
}

/* ---- training ------------------------------------------------------------------- */

int main(void)
{
    nd_rng *rng = nd_rng_new(0);
    nd_array *X = NULL, *y = NULL;
    mlp m = {0};
    ag_optimizer *opt = NULL;
    ag_tensor *x = NULL;
    double first_loss = NAN, loss_value = NAN, acc = NAN;
    bool learned = false;
    if (make_spirals(rng, &X, &y) < 0 || mlp_init(&m, rng) < 0)
        goto done;
    x = ag_const(X); /* the input: a constant, no gradient */
    opt = ag_adam_new(2 * LAYERS, m.params, 1e-2, 0.9, 0.999, 1e-8, 0.0);
    if (!x || !opt)
        goto done;

    for (int step = 0; step < STEPS; step++) {
        /* One step: forward, backward, update, then free the step's graph. */
        ag_tensor *loss = ag_cross_entropy(mlp_forward(&m, x), y);
        if (!loss || nd_get(ag_value(loss), NULL, &loss_value) < 0 || ag_backward(loss) < 0 ||
            ag_optimizer_step(opt) < 0)
            goto done;
        ag_optimizer_zero_grad(opt);
        ag_tape_reset(); /* every tensor the step made is gone */
        if (step == 0)
            first_loss = loss_value;
        if (step % 200 == 0)
            printf("step %4d  loss %.4f\n", step, loss_value);
    }

    /* Evaluation needs no graph: a no-grad scope records nothing. */
    ag_no_grad_begin();
    ag_tensor *logits = mlp_forward(&m, x);
    acc = logits ? accuracy(logits, y) : NAN;
    ag_no_grad_end();
    ag_tape_reset();
    printf("loss %.4f -> %.4f, training accuracy %.1f%%\n", first_loss, loss_value, 100 * acc);
    learned = acc > 0.95 && loss_value < 0.2 * first_loss;

done:
    if (!learned)
        fprintf(stderr, "mlp_spirals: FAILED: %s\n",
                isnan(acc) ? ag_last_error() : "did not learn the spirals");
    ag_tape_reset();
    ag_optimizer_free(opt);
    ag_tensor_free(x);
    mlp_free(&m);
    nd_free(X);
    nd_free(y);
    nd_rng_free(rng);
    return learned ? 0 : 1;
}
