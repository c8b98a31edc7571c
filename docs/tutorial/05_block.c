/*
 * Tutorial step 5: a Transformer block (pre-LN, as GPT-2), from libautograd
 * ops.
 *
 *     x = x + proj(attention(ln_1(x)))       causal, H heads of size D = C / H
 *     x = x + fc2(gelu(fc(ln_2(x))))         the MLP, C -> 4C -> C
 *
 * "Pre-LN": each branch normalizes its own input and the residual stream x
 * itself is never normalized, so a straight path runs from the block's
 * output back to its input. The program
 *   1. runs the block twice, with the composed ops (layer norm, attention
 *      and GELU built from primitives) and with the fused ones, and checks
 *      that outputs and all 13 gradients agree; ag_gradcheck checks the
 *      fused block against finite differences;
 *   2. lists the tape of one block, forward in order and backward in
 *      reverse, from the public API (op names, shapes, bytes);
 *   3. measures what the residual connections do for the gradient: the
 *      gradient norm at the input of 8 stacked blocks, with and without them.
 * docs/tutorial/05-block.md walks through it.
 */
#include <autograd.h>
#include <math.h>
#include <stdio.h>

// clang-format off
#define B 2            /* sequences        */
#define T 6            /* tokens each      */
#define C 16           /* embedding        */
#define H 2            /* heads            */
#define DEPTH 8        /* blocks in part 3 */
// clang-format on

/* The block's inputs: x, then its parameters in PyTorch's layout (a
 * Linear's weight is (out, in)). */
// clang-format off
enum { X, LN1_W, LN1_B, ATTN_W, ATTN_B, PROJ_W, PROJ_B, LN2_W, LN2_B, FC_W, FC_B, FC2_W, FC2_B,
       NIN };
static const char *const NAMES[NIN] = {"x", "ln_1.weight", "ln_1.bias", "attn.weight", "attn.bias",
                                       "proj.weight", "proj.bias", "ln_2.weight", "ln_2.bias",
                                       "fc.weight", "fc.bias", "fc2.weight", "fc2.bias"};
static const int64_t SHAPES[NIN][3] = {{B, T, C}, {C}, {C}, {3 * C, C}, {3 * C}, {C, C}, {C},
                                       {C}, {C}, {4 * C, C}, {4 * C}, {C, 4 * C}, {C}};
// clang-format on

/* Which variant to build, and an optional list that records the tensors
 * of the main steps (for part 2). */
typedef struct options {
    bool fused, residual;
    int n; /* recorded so far */
    const char *label[16];
    ag_tensor *t[16];
} options;

static ag_tensor *step(options *o, const char *label, ag_tensor *t)
{
    if (o->n < 16) {
        o->label[o->n] = label;
        o->t[o->n++] = t;
    }
    return t;
}

/* (B, T, C) -> (B, H, T, D): each head gets its own D = C / H channels. */
static ag_tensor *split_heads(ag_tensor *a)
{
    return ag_permute(ag_reshape(a, 4, (int64_t[]){B, T, H, C / H}), 4, (int[]){0, 2, 1, 3});
}

static ag_tensor *block(ag_tensor *const *in, options *o)
{
    ag_tensor *x = in[X], *qkv[3];
    ag_tensor *h = step(o, "ln_1",
                        o->fused ? ag_layer_norm(x, in[LN1_W], in[LN1_B], 1e-5)
                                 : ag_layer_norm_composed(x, in[LN1_W], in[LN1_B], 1e-5));
    // clang-format off
    h = step(o, "qkv", ag_linear(h, in[ATTN_W], in[ATTN_B]));            /* (B, T, 3C) */
    if (ag_split(h, 3, NULL, -1, qkv) < 0)                               /* 3 x (B, T, C) */
        return NULL;
    ag_tensor *q = split_heads(qkv[0]), *k = split_heads(qkv[1]), *v = split_heads(qkv[2]);
    h = step(o, "attention", o->fused ? ag_attention(q, k, v, true, NULL)
                                      : ag_attention_composed(q, k, v, true, NULL));
    h = ag_permute(h, 4, (int[]){0, 2, 1, 3});                           /* (B, T, H, D) */
    h = ag_reshape(h, 3, (int64_t[]){B, T, C});                          /* heads joined */
    h = step(o, "proj", ag_linear(h, in[PROJ_W], in[PROJ_B]));
    x = step(o, "x + attn", o->residual ? ag_add(x, h) : h);             /* residual 1 */

    h = step(o, "ln_2", o->fused ? ag_layer_norm(x, in[LN2_W], in[LN2_B], 1e-5)
                                 : ag_layer_norm_composed(x, in[LN2_W], in[LN2_B], 1e-5));
    h = step(o, "fc", ag_linear(h, in[FC_W], in[FC_B]));                 /* (B, T, 4C) */
    h = step(o, "gelu", o->fused ? ag_gelu(h) : ag_gelu_composed(h));
    h = step(o, "fc2", ag_linear(h, in[FC2_W], in[FC2_B]));              /* (B, T, C) */
    return step(o, "x + mlp", o->residual ? ag_add(x, h) : h);           /* residual 2 */
    // clang-format on
}

/* ag_gradcheck takes at most 8 inputs, so the 13 are checked in two
 * groups of 7 and 6: inputs[0..] stand for in[first..], the others are
 * taken as they are from ctx. */
typedef struct group {
    ag_tensor **all;
    int first;
} group;

static ag_tensor *fused_block(ag_tensor *const *inputs, void *ctx)
{
    const group *g = ctx;
    ag_tensor *in[NIN];
    for (int i = 0; i < NIN; i++)
        in[i] = i >= g->first && i < g->first + 7 ? inputs[i - g->first] : g->all[i];
    return block(in, &(options){.fused = true, .residual = true});
}

/* New parameters as GPT-2 initializes them: weights N(0, 0.02^2), biases 0,
 * layer norms weight 1 and bias 0 (GPT-2 also shrinks the two residual
 * projections by 1/sqrt(2 n_layer); left out to keep the block plain).
 * x ~ N(0, 1). */
static void init(ag_tensor **in, nd_rng *rng)
{
    for (int i = 0; i < NIN; i++) {
        int ndim = i == X ? 3 : SHAPES[i][1] ? 2 : 1;
        nd_array *v = i == X ? nd_rng_standard_normal(rng, ND_FLOAT64, ndim, SHAPES[i])
                      : ndim == 2
                          ? nd_rng_normal(rng, 0, 0.02, ND_FLOAT64, ndim, SHAPES[i])
                          : nd_full(ND_FLOAT64, ndim, SHAPES[i], i == LN1_W || i == LN2_W ? 1 : 0);
        in[i] = ag_param(v);
        nd_free(v);
    }
}

/* ||a||, the 2-norm of all elements (np.linalg.norm(a)); NAN for NULL. */
static double norm(const nd_array *a)
{
    nd_array *n = a ? nd_linalg_norm(a, NULL, 0, NULL, false) : NULL;
    double v;
    bool ok = n && nd_get(n, NULL, &v) == 0;
    nd_free(n);
    return ok ? v : NAN;
}

/* ||a - b|| / ||b||: the relative error of a against b. */
static double rel_error(const nd_array *a, const nd_array *b)
{
    nd_array *diff = a && b ? nd_subtract(a, b) : NULL;
    double e = norm(diff) / norm(b);
    nd_free(diff);
    return e;
}

/* Part 2: the main steps of the forward in the order the tape recorded
 * them, and the order the backward visits them: the same list reversed. */
static void print_tape(const options *o)
{
    int64_t bytes = 0;
    printf("the tape of one fused block: %zu nodes; the %d main ones, in order:\n", ag_tape_size(),
           o->n);
    for (int i = 0; i < o->n; i++) {
        const nd_array *v = ag_value(o->t[i]);
        printf("  %2d  %-10s %-11s (", i + 1, o->label[i], ag_op_name(o->t[i]));
        for (int d = 0; d < nd_ndim(v); d++)
            printf("%s%lld", d ? ", " : "", (long long)nd_shape(v)[d]);
        printf(")  %lld bytes\n", (long long)nd_nbytes(v));
        bytes += nd_nbytes(v);
    }
    printf("  their values: %lld bytes (what the fused ops save, mean/rstd, P, tanh, on top)\n",
           (long long)bytes);
    printf("backward visits them in reverse:\n  ");
    for (int i = o->n - 1; i >= 0; i--)
        printf("%s%s", ag_op_name(o->t[i]), i ? " <- " : "\n");
}

/* Part 3: ||dL/dh_l|| at the input h_l of each of DEPTH stacked blocks for
 * dL/d(output) = G, with or without the residual connections. A tape
 * tensor's gradient is gone after the backward (PyTorch's non-leaf
 * tensors), so a zero "probe" parameter is added to each block's input:
 * h_l + 0 changes nothing, and dL/d(probe_l) = dL/dh_l stays readable. */
static int input_gradient_norms(ag_tensor *layers[DEPTH][NIN], ag_tensor **probe, bool residual,
                                const nd_array *G, double *norms)
{
    ag_tensor *in[NIN], *h = layers[0][X];
    for (int l = 0; l < DEPTH; l++) {
        for (int i = 0; i < NIN; i++)
            in[i] = layers[l][i];
        in[X] = ag_add(h, probe[l]); /* block l reads block l-1's output */
        h = block(in, &(options){.fused = true, .residual = residual});
    }
    int status = h ? ag_backward_ex(h, G, false) : -1;
    for (int l = 0; l < DEPTH; l++) {
        norms[l] = norm(ag_grad(probe[l])) / norm(G);
        ag_zero_grad(probe[l]);
        for (int i = 0; i < NIN; i++)
            ag_zero_grad(layers[l][i]);
    }
    ag_tape_reset();
    return status;
}

int main(void)
{
    int failures = 0;
    nd_rng *rng = nd_rng_new(0);
    ag_tensor *in[NIN], *layers[DEPTH][NIN];
    init(in, rng);
    nd_array *G = nd_rng_standard_normal(rng, ND_FLOAT64, 3, SHAPES[X]); /* dL/d(output) */

    /* ---- 1 and 2. The fused block (its tape listed), then the composed one ---- */
    options fused = {.fused = true, .residual = true};
    options composed = {.fused = false, .residual = true};
    ag_tensor *yf = block(in, &fused);
    if (!yf) {
        fprintf(stderr, "05_block: %s\n", ag_last_error());
        return 1;
    }
    print_tape(&fused);
    ag_tensor *yc = block(in, &composed);
    double d;
    nd_array *grads[NIN];
    failures += !yc || ag_backward_ex(yc, G, false) < 0;
    for (int i = 0; i < NIN; i++) {
        grads[i] = nd_copy(ag_grad(in[i]));
        ag_zero_grad(in[i]);
    }
    failures += ag_backward_ex(yf, G, false) < 0;
    printf("composed vs fused, relative differences: output %.1g, gradients\n",
           d = rel_error(ag_value(yc), ag_value(yf)));
    failures += !(d < 1e-12);
    for (int i = 0; i < NIN; i++) {
        d = rel_error(grads[i], ag_grad(in[i]));
        printf("  %-11s %-5.1g%s", NAMES[i], d, i % 4 == 3 || i == NIN - 1 ? "\n" : "");
        failures += !(d < 1e-12);
        nd_free(grads[i]);
    }
    ag_tape_reset();

    /* The fused block against finite differences: every element of x and
     * of the 12 parameters (3472 numbers, 2 forwards each). */
    for (int first = 0; first < NIN; first += 7) {
        const nd_array *values[7];
        int n = NIN - first < 7 ? NIN - first : 7;
        for (int i = 0; i < n; i++)
            values[i] = ag_value(in[first + i]);
        ag_gradcheck_report r;
        int ok = ag_gradcheck(fused_block, &(group){in, first}, n, values, 1e-6, 1e-8, 1e-6, &r);
        printf("ag_gradcheck of the fused block, %s to %s: %s (largest error %.1g)\n", NAMES[first],
               NAMES[first + n - 1],
               ok == 1   ? "passed"
               : ok == 0 ? "FAILED"
                         : ag_last_error(),
               fabs(r.analytic - r.numeric));
        failures += ok != 1;
    }

    /* ---- 3. Residual connections and the gradient ---- */
    /* With y = x + f(x), dL/dx = dL/dy + f'(x)^T dL/dy: the identity term
     * carries dL/dy to the input unchanged however many blocks are
     * stacked. Without it, dL/dx = f'(x)^T dL/dy only, a product of one
     * Jacobian per block. */
    ag_tensor *probe[DEPTH];
    nd_array *zeros = nd_zeros(ND_FLOAT64, 3, SHAPES[X]);
    for (int l = 0; l < DEPTH; l++) {
        init(layers[l], rng); /* only layers[0][X] is used as an input */
        probe[l] = ag_param(zeros);
    }
    nd_free(zeros);
    double with[DEPTH], without[DEPTH];
    failures += input_gradient_norms(layers, probe, true, G, with) < 0;
    failures += input_gradient_norms(layers, probe, false, G, without) < 0;
    printf("||dL/dh|| / ||dL/dy|| at the input h of each of %d stacked blocks:\n"
           "  block   with residuals   without\n",
           DEPTH);
    for (int l = DEPTH - 1; l >= 0; l--)
        printf("  %5d   %14.3g   %7.3g\n", l + 1, with[l], without[l]);
    /* With residuals every block passes on about ||dL/dy||; without, the
     * norm swings by more than 10x from block to block. */
    double lo = INFINITY, hi = 0;
    for (int l = 0; l < DEPTH; l++) {
        failures += !(with[l] > 0.5 && with[l] < 2);
        lo = fmin(lo, without[l]);
        hi = fmax(hi, without[l]);
        ag_tensor_free(probe[l]);
    }
    failures += !(hi > 10 * lo);
    for (int l = 0; l < DEPTH; l++)
        for (int i = 0; i < NIN; i++)
            ag_tensor_free(layers[l][i]);
    for (int i = 0; i < NIN; i++)
        ag_tensor_free(in[i]);
    nd_free(G);
    nd_rng_free(rng);
    printf("%s\n", failures ? "FAILED" : "composed and fused blocks agree; residuals measured");
    return failures ? 1 : 0;
}
