/*
 * Tutorial step 4: one attention head, step by step.
 *
 * For a sequence x of T token vectors (T, C), one causal head computes
 *
 *     q = x Wq,  k = x Wk,  v = x Wv          (T, D) each
 *     S = q k^T / sqrt(D)                      (T, T): how well query i matches key j
 *     S[i, j] = -inf where j > i               the causal mask: no peeking ahead
 *     P = softmax(S) along each row            (T, T): row i's weights, summing to 1
 *     out = P v                                (T, D): a weighted average of values
 *
 * The program builds this from tape ops, checks that the rows of P sum to 1
 * with zeros above the diagonal, checks the gradient by finite differences
 * (ag_gradcheck), and compares values and gradients with libautograd's
 * fused op ag_attention. Then it measures why the 1/sqrt(D) is there.
 * Everything is float64 so the comparisons can be tight.
 * docs/tutorial/04-attention.md walks through it.
 */
#include <autograd.h>
#include <math.h>
#include <stdio.h>

#define T 5 /* tokens     */
#define C 8 /* embedding  */
#define D 4 /* head size  */

/* The head, step by step. inputs = {x (T, C), Wq, Wk, Wv (C, D)};
 * ctx = the causal mask (T, T), true above the diagonal. Writes the
 * attention weights P to *weights when weights is not NULL. */
static ag_tensor *head(ag_tensor *const *in, const nd_array *future, ag_tensor **weights)
{
    ag_tensor *q = ag_matmul(in[0], in[1]); /* (T, C) @ (C, D) -> (T, D) */
    ag_tensor *k = ag_matmul(in[0], in[2]);
    ag_tensor *v = ag_matmul(in[0], in[3]);
    ag_tensor *scores = ag_matmul(q, ag_transpose(k, NULL)); /* (T, D) @ (D, T) -> (T, T) */
    ag_tensor *scaled = ag_mul_scalar(scores, 1.0 / sqrt(D));
    ag_tensor *masked = ag_masked_fill(scaled, future, -INFINITY);
    ag_tensor *p = ag_softmax(masked, -1); /* exp(-inf) = 0: masked keys get 0 */
    if (weights)
        *weights = p;
    return ag_matmul(p, v); /* (T, T) @ (T, D) -> (T, D) */
}

static ag_tensor *head_fn(ag_tensor *const *inputs, void *ctx) { return head(inputs, ctx, NULL); }

/* The same with the fused op: one tape node, a hand-written backward. */
static ag_tensor *head_fused(ag_tensor *const *in)
{
    return ag_attention(ag_matmul(in[0], in[1]), ag_matmul(in[0], in[2]), ag_matmul(in[0], in[3]),
                        true, NULL);
}

/* The value of a one-element array, which is then freed; NAN for NULL
 * (the op that should have made it failed). */
static double take_scalar(nd_array *a)
{
    double v = NAN;
    if (a)
        nd_get(a, NULL, &v);
    nd_free(a);
    return v;
}

/* max |a - b|, any shape, through libnd (a new array per op, freed here). */
static double max_diff(const nd_array *a, const nd_array *b)
{
    nd_array *d = nd_subtract(a, b), *ad = d ? nd_abs(d) : NULL;
    double v = take_scalar(ad ? nd_max(ad, 0, NULL, false) : NULL);
    nd_free(d);
    nd_free(ad);
    return v;
}

/* Part 2: the variance of q.k for unit-variance q and k, and what the
 * softmax makes of such scores, with and without the 1/sqrt(d) scale. */
static int measure_scale(nd_rng *rng, int d)
{
    /* 16384 pairs of independent q, k with N(0, 1) entries. */
    nd_array *q = nd_rng_standard_normal(rng, ND_FLOAT64, 2, (int64_t[]){16384, d});
    nd_array *k = nd_rng_standard_normal(rng, ND_FLOAT64, 2, (int64_t[]){16384, d});
    nd_array *qk = nd_multiply(q, k);
    nd_array *dots = nd_sum(qk, 1, (int[]){1}, false); /* (q * k).sum(axis=1) */
    nd_array *s = nd_reshape(dots, 2, (int64_t[]){1024, 16}); /* 1024 rows of 16 scores */
    double variance = take_scalar(nd_var(dots, 0, NULL, 0, false)), peak[2];
    for (int scaled = 0; scaled < 2; scaled++) {
        /* The mean over queries of the largest softmax weight of the row. */
        ag_tensor *sc = ag_const(s);
        ag_tensor *p = ag_softmax(ag_mul_scalar(sc, scaled ? 1.0 / sqrt(d) : 1.0), -1);
        nd_array *top = p ? nd_max(ag_value(p), 1, (int[]){1}, false) : NULL;
        peak[scaled] = take_scalar(top ? nd_mean(top, 0, NULL, false) : NULL);
        nd_free(top);
        ag_tensor_free(sc);
        ag_tape_reset();
    }
    printf("  d = %3d: var(q.k) = %6.2f, var(q.k / sqrt(d)) = %.2f;"
           " largest of 16 weights, on average: %.2f unscaled, %.2f scaled\n",
           d, variance, variance / d, peak[0], peak[1]);
    nd_free(q);
    nd_free(k);
    nd_free(qk);
    nd_free(dots);
    nd_free(s);
    /* The variance is d within sampling error (16384 dot products: about
     * +-2%), and without the scale the softmax gets peakier as d grows. */
    return fabs(variance / d - 1) < 0.1 && peak[0] >= peak[1] ? 0 : 1;
}

int main(void)
{
    int failures = 0;
    nd_rng *rng = nd_rng_new(0);

    /* The causal mask, np.triu(np.ones((T, T), bool), k=1): true where the
     * key j lies in the query i's future. */
    bool future_mask[T][T];
    for (int i = 0; i < T; i++)
        for (int j = 0; j < T; j++)
            future_mask[i][j] = j > i;
    nd_array *future = nd_from_data(ND_BOOL, 2, (int64_t[]){T, T}, future_mask);

    /* x ~ N(0, 1); W ~ N(0, 1/C), so that q, k, v have unit variance too. */
    ag_tensor *in[4];
    for (int i = 0; i < 4; i++) {
        nd_array *init = i == 0
                             ? nd_rng_normal(rng, 0, 1, ND_FLOAT64, 2, (int64_t[]){T, C})
                             : nd_rng_normal(rng, 0, 1 / sqrt(C), ND_FLOAT64, 2, (int64_t[]){C, D});
        in[i] = ag_param(init);
        nd_free(init);
    }
    /* dL/d(out), as if a loss above the head sent it (L = sum(out * G)). */
    nd_array *G = nd_rng_standard_normal(rng, ND_FLOAT64, 2, (int64_t[]){T, D});

    /* ---- 1. The forward, step by step, and the fused op ---- */
    ag_tensor *P = NULL;
    ag_tensor *out = head(in, future, &P), *fused = head_fused(in);
    if (!out || !fused || !G) {
        fprintf(stderr, "04_attention: %s\n", ag_last_error());
        return 1;
    }
    printf("attention weights P (row i: how much query i takes from each key j):\n");
    nd_print(ag_value(P));
    double worst_row = 0, above = 0, p_ij;
    for (int i = 0; i < T; i++) {
        double row = 0;
        for (int j = 0; j < T; j++) {
            nd_get(ag_value(P), (int64_t[]){i, j}, &p_ij);
            row += p_ij;
            if (j > i)
                above = fmax(above, fabs(p_ij)); /* must be exactly 0 */
        }
        worst_row = fmax(worst_row, fabs(row - 1));
    }
    printf("rows sum to 1 within %.1g; largest weight above the diagonal: %g\n", worst_row, above);
    failures += worst_row > 1e-12 || above != 0;
    double value_diff = max_diff(ag_value(out), ag_value(fused));
    printf("step by step vs ag_attention: outputs differ by %.2g\n", value_diff);
    failures += value_diff > 1e-12;

    /* ---- 2. Backward through both; the gradients must agree ---- */
    nd_array *grads[4] = {0};
    failures += ag_backward_ex(out, G, false) < 0;
    for (int i = 0; i < 4; i++) {
        grads[i] = nd_copy(ag_grad(in[i]));
        ag_zero_grad(in[i]);
    }
    failures += ag_backward_ex(fused, G, false) < 0;
    const char *names[4] = {"x", "Wq", "Wk", "Wv"};
    for (int i = 0; i < 4; i++) {
        double d = max_diff(grads[i], ag_grad(in[i]));
        printf("  dL/d%-2s differs by %.2g\n", names[i], d);
        failures += !(d < 1e-12);
        nd_free(grads[i]);
    }
    ag_tape_reset();

    /* ---- 3. Finite differences: every element of x, Wq, Wk and Wv ---- */
    const nd_array *values[4];
    for (int i = 0; i < 4; i++)
        values[i] = ag_value(in[i]);
    ag_gradcheck_report r;
    int ok = ag_gradcheck(head_fn, (void *)future, 4, values, 1e-6, 1e-8, 1e-6, &r);
    printf("ag_gradcheck of the step-by-step head: %s (largest |analytic - numeric|: %.1g)\n",
           ok == 1 ? "passed" : "FAILED", fabs(r.analytic - r.numeric));
    failures += ok != 1;

    /* ---- 4. Why 1/sqrt(D) ---- */
    /* q.k = sum of d products q_i k_i, each of mean 0 and variance 1, so
     * var(q.k) = d: scores grow like sqrt(d), and a softmax of large
     * scores puts nearly all weight on one key, where its gradient
     * p (1 - p) is nearly 0. Dividing by sqrt(d) brings the variance back
     * to 1 whatever the head size. */
    printf("why the scale 1/sqrt(d):\n");
    for (int d = 4; d <= 256; d *= 4)
        failures += measure_scale(rng, d);

    for (int i = 0; i < 4; i++)
        ag_tensor_free(in[i]);
    nd_free(G);
    nd_free(future);
    nd_rng_free(rng);
    printf("%s\n", failures ? "FAILED" : "the head checks out");
    return failures ? 1 : 0;
}
