/*
 * Tutorial step 3: an MLP learns handwritten digits; the optimizer written
 * out by hand.
 *
 * The data: scikit-learn's digits, 1797 images of 8x8 pixels (values 0..16)
 * with their digit 0..9, one image per line of digits.csv.gz (Debian's
 * python3-sklearn ships it). Every fifth image is held out for testing.
 *
 * The model, in PyTorch's words:
 *     h = tanh(x @ W1.T + b1)          # (N, 64) -> (N, 32)
 *     logits = h @ W2.T + b2           # (N, 32) -> (N, 10)
 *     loss = F.cross_entropy(logits, y)
 *
 * It is trained twice, once with SGD + momentum and once with Adam. Each
 * update is written out by hand below (p -= lr * ...), and at every step
 * a twin of the model receives the same gradients and is updated by
 * libautograd's optimizer: the two must hold the same numbers at the end.
 * The test accuracy must pass 93% (it reaches about 96-97%).
 * docs/tutorial/03-mlp.md walks through it.
 */
#include <autograd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#define ROWS 1797
#define PIXELS 64
#define HIDDEN 32
#define CLASSES 10
#define BATCH 64
#define EPOCHS 20

/* ---- the data ---- */

/* Reads the 1797 lines "p0,...,p63,label" of digits.csv.gz (gzip, read
 * with zlib) into train (4 of every 5 rows) and test (row i % 5 == 0).
 * Pixels are scaled to [0, 1]. X: float32 (N, 64), y: int64 (N,). */
static int load_digits(const char *path, nd_array *X[2], nd_array *y[2])
{
    static float pixels[2][ROWS][PIXELS]; /* [0]: train, [1]: test */
    static int64_t labels[2][ROWS];
    int64_t count[2] = {0, 0};
    char line[1024];
    gzFile f = gzopen(path, "rb");
    if (!f)
        return -1;
    for (int row = 0; row < ROWS && gzgets(f, line, sizeof line); row++) {
        int part = row % 5 == 0; /* the deterministic split */
        char *s = line, *end;
        for (int j = 0; j <= PIXELS; j++, s = end + 1) {
            long v = strtol(s, &end, 10);
            if (end == s || (j < PIXELS && *end != ','))
                break; /* a malformed line: counted below */
            if (j < PIXELS)
                pixels[part][count[part]][j] = (float)v / 16.0f;
            else
                labels[part][count[part]++] = v;
        }
    }
    gzclose(f);
    if (count[0] + count[1] != ROWS) {
        fprintf(stderr, "%s: expected %d rows of 65 integers\n", path, ROWS);
        return -1;
    }
    for (int part = 0; part < 2; part++) {
        X[part] = nd_from_data(ND_FLOAT32, 2, (int64_t[]){count[part], PIXELS}, pixels[part]);
        y[part] = nd_from_data(ND_INT64, 1, (int64_t[]){count[part]}, labels[part]);
    }
    return X[0] && X[1] && y[0] && y[1] ? 0 : -1;
}

/* ---- the model ---- */

typedef struct mlp {
    ag_tensor *p[4]; /* W1 (32, 64), b1 (32,), W2 (10, 32), b2 (10,): PyTorch's layout */
} mlp;

static int mlp_init(mlp *m, uint64_t seed)
{
    const int64_t shapes[4][2] = {{HIDDEN, PIXELS}, {HIDDEN}, {CLASSES, HIDDEN}, {CLASSES}};
    nd_rng *rng = nd_rng_new(seed);
    int status = rng ? 0 : -1;
    for (int i = 0; i < 4; i++) {
        nd_array *zeros = nd_zeros(ND_FLOAT32, i % 2 ? 1 : 2, shapes[i]);
        m->p[i] = zeros ? ag_param(zeros) : NULL;
        nd_free(zeros);
        if (!m->p[i])
            status = -1;
        else if (i % 2 == 0) /* weights: Glorot with tanh's gain 5/3; biases stay 0 */
            status |= ag_init_xavier_uniform(m->p[i], 5.0 / 3.0, rng);
    }
    nd_rng_free(rng);
    return status;
}

static ag_tensor *mlp_forward(const mlp *m, ag_tensor *x)
{
    ag_tensor *h = ag_tanh(ag_linear(x, m->p[0], m->p[1]));
    return ag_linear(h, m->p[2], m->p[3]);
}

/* The fraction of rows of X whose largest logit is the label. */
static double accuracy(const mlp *m, const nd_array *X, const nd_array *y)
{
    int64_t hits = 0, n = nd_size(y);
    ag_no_grad_begin(); /* evaluation records nothing on the tape */
    ag_tensor *x = ag_const(X);
    ag_tensor *logits = x ? mlp_forward(m, x) : NULL;
    nd_array *guess = logits ? nd_argmax(ag_value(logits), 1) : NULL; /* int64 (N,) */
    for (int64_t i = 0; guess && i < n; i++)
        hits += ((const int64_t *)nd_data(guess))[i] == ((const int64_t *)nd_data(y))[i];
    ag_no_grad_end();
    nd_free(guess);
    ag_tape_reset();
    ag_tensor_free(x);
    return guess ? (double)hits / n : NAN;
}

/* max |a - b| over two float32 arrays of one shape (parameters: contiguous). */
static double max_abs_diff(const nd_array *a, const nd_array *b)
{
    const float *pa = nd_data(a), *pb = nd_data(b);
    double worst = 0;
    for (int64_t i = 0; i < nd_size(a); i++)
        worst = fmax(worst, fabs((double)pa[i] - pb[i]));
    return worst;
}

/* ---- the optimizers, by hand ---- */

/* torch.optim.SGD with momentum (no dampening, no weight decay):
 *     buf = momentum * buf + grad        (buf starts at 0)
 *     p  -= lr * buf
 * The velocity buf remembers past gradients, so steps along a direction
 * the gradient keeps pointing to grow up to 1 / (1 - momentum) = 10x. */
static void sgd_step(ag_tensor *param, nd_array *buf, float lr, float momentum)
{
    float *p = nd_data(ag_param_value(param)), *v = nd_data(buf);
    const float *g = nd_data(ag_grad(param));
    for (int64_t i = 0; i < nd_size(buf); i++) {
        v[i] = momentum * v[i] + g[i];
        p[i] -= lr * v[i];
    }
}

/* Adam (Kingma and Ba 2015, Algorithm 1), at step t = 1, 2, ...:
 *     m = beta1 m + (1 - beta1) g          running mean of g
 *     v = beta2 v + (1 - beta2) g^2        running mean of g^2
 *     m_hat = m / (1 - beta1^t)            bias correction: m and v start
 *     v_hat = v / (1 - beta2^t)            at 0, so early means are too small
 *     p -= lr m_hat / (sqrt(v_hat) + eps)
 * Each parameter's step is about lr in size, whatever its gradient's scale. */
static void adam_step(ag_tensor *param, nd_array *m_buf, nd_array *v_buf, int t, float lr,
                      float beta1, float beta2, float eps)
{
    float *p = nd_data(ag_param_value(param)), *m = nd_data(m_buf), *v = nd_data(v_buf);
    const float *g = nd_data(ag_grad(param));
    float correction1 = 1.0f - powf(beta1, (float)t), correction2 = 1.0f - powf(beta2, (float)t);
    for (int64_t i = 0; i < nd_size(m_buf); i++) {
        m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
        v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        float m_hat = m[i] / correction1, v_hat = v[i] / correction2;
        p[i] -= lr * m_hat / (sqrtf(v_hat) + eps);
    }
}

/* ---- training ---- */

enum { SGD, ADAM };
static const float LR[2] = {0.1f, 0.01f}, MOMENTUM = 0.9f;
static const float BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-8f;

/* Trains a model with the hand-written update and, alongside, a twin with
 * libautograd's optimizer fed the same gradients. Returns the test
 * accuracy, or NAN if anything failed or the twins disagree. */
static double train(int method, nd_array *X[2], nd_array *y[2])
{
    mlp hand = {0}, twin = {0};
    nd_array *state[2][4] = {{0}}; /* SGD: buf; Adam: m, v */
    nd_rng *rng = nd_rng_new(1);
    ag_optimizer *opt = NULL;
    double worst = 0, acc = NAN;
    int64_t ntrain = nd_shape(X[0])[0];
    int t = 0, failed = mlp_init(&hand, 0) < 0 || mlp_init(&twin, 0) < 0; /* same start */
    for (int s = 0; s < 2 && !failed; s++)
        for (int i = 0; i < 4; i++)
            failed |= !(state[s][i] = nd_zeros_like(ag_value(hand.p[i])));
    opt = method == SGD ? ag_sgd_new(4, twin.p, LR[SGD], MOMENTUM, 0, 0, false)
                        : ag_adam_new(4, twin.p, LR[ADAM], BETA1, BETA2, EPS, 0);
    for (int epoch = 0; epoch < EPOCHS && !failed && opt; epoch++) {
        nd_array *order = nd_rng_permutation(rng, ntrain); /* a new shuffle per epoch */
        double total = 0;
        for (int64_t start = 0; start < ntrain && !failed; start += BATCH) {
            nd_array *rows = nd_slice(order, 0, start, start + BATCH, 1);
            nd_array *xb = nd_take(X[0], rows, 0), *yb = nd_take(y[0], rows, 0);
            ag_tensor *x = ag_const(xb);
            ag_tensor *loss = ag_cross_entropy(mlp_forward(&hand, x), yb);
            double value = NAN;
            failed = !loss || nd_get(ag_value(loss), NULL, &value) < 0 || ag_backward(loss) < 0;
            total += failed ? 0 : value * nd_size(yb);
            t++;
            for (int i = 0; i < 4 && !failed; i++) {
                if (method == SGD)
                    sgd_step(hand.p[i], state[0][i], LR[SGD], MOMENTUM);
                else
                    adam_step(hand.p[i], state[0][i], state[1][i], t, LR[ADAM], BETA1, BETA2, EPS);
                failed |= ag_set_grad(twin.p[i], ag_grad(hand.p[i])) < 0; /* same gradient */
                ag_zero_grad(hand.p[i]);
            }
            failed |= ag_optimizer_step(opt) < 0; /* the library's update of the twin */
            ag_optimizer_zero_grad(opt);
            ag_tape_reset();
            ag_tensor_free(x);
            nd_free(rows);
            nd_free(xb);
            nd_free(yb);
        }
        nd_free(order);
        if (epoch % 5 == 4)
            printf("  epoch %2d  train loss %.4f\n", epoch + 1, total / ntrain);
    }
    /* The hand-written update and the library's must give the same weights
     * (up to float32 rounding: the library orders the arithmetic as
     * PyTorch does, e.g. Adam's lr / (1 - beta1^t) * m / (sqrt(v) /
     * sqrt(1 - beta2^t) + eps), the same value computed in another order). */
    for (int i = 0; i < 4 && !failed && opt; i++)
        worst = fmax(worst, max_abs_diff(ag_value(hand.p[i]), ag_value(twin.p[i])));
    if (!failed && opt) {
        acc = accuracy(&hand, X[1], y[1]);
        printf("  by hand vs %s: largest weight difference %.2g after %d steps\n",
               ag_optimizer_name(opt), worst, t);
        if (worst > 1e-5) {
            fprintf(stderr, "03_mlp_digits: the hand-written update differs\n");
            acc = NAN;
        }
    } else {
        fprintf(stderr, "03_mlp_digits: %s\n", ag_last_error());
    }
    for (int i = 0; i < 4; i++) {
        ag_tensor_free(hand.p[i]);
        ag_tensor_free(twin.p[i]);
        nd_free(state[0][i]);
        nd_free(state[1][i]);
    }
    ag_optimizer_free(opt);
    nd_rng_free(rng);
    return acc;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1]
                                : "/usr/lib/python3/dist-packages/sklearn/datasets/"
                                  "data/digits.csv.gz";
    if (access(path, R_OK) != 0) {
        /* 77 tells meson the test was skipped, not failed. */
        printf("skipped: %s not found (apt-get install python3-sklearn)\n", path);
        return 77;
    }
    nd_array *X[2] = {0}, *y[2] = {0};
    const double floor = 0.93;
    double acc[2] = {NAN, NAN};
    if (load_digits(path, X, y) == 0) {
        printf("digits: %lld training and %lld test images\n", (long long)nd_size(y[0]),
               (long long)nd_size(y[1]));
        printf("SGD, lr %.2g, momentum %.1f, batch %d, %d epochs:\n", LR[SGD], MOMENTUM, BATCH,
               EPOCHS);
        acc[SGD] = train(SGD, X, y);
        printf("  test accuracy %.1f%%\n", 100 * acc[SGD]);
        printf("Adam, lr %.2g, betas (%.1f, %.3f), batch %d, %d epochs:\n", LR[ADAM], BETA1, BETA2,
               BATCH, EPOCHS);
        acc[ADAM] = train(ADAM, X, y);
        printf("  test accuracy %.1f%%\n", 100 * acc[ADAM]);
    }
    for (int part = 0; part < 2; part++) {
        nd_free(X[part]);
        nd_free(y[part]);
    }
    bool ok = acc[SGD] > floor && acc[ADAM] > floor; /* false for NAN */
    printf("%s (floor %.0f%%)\n", ok ? "both pass the accuracy floor" : "FAILED", 100 * floor);
    return ok ? 0 : 1;
}
