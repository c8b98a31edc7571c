/*
 * Worked example: k-means clustering with libnd, vectorized as one would in
 * NumPy (no loop over points):
 *
 *     d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(-1)   # (N, K) distances
 *     labels = d.argmin(1)
 *     onehot = np.eye(K)[labels]                           # (N, K)
 *     C = (onehot.T @ X) / onehot.sum(0)[:, None]          # cluster means
 *
 * Three blobs around known centres; Lloyd's iterations stop when no label
 * changes. The program checks that every true centre was found (exit 1 if
 * not), so it doubles as a test.
 */
#include <math.h>
#include <nd.h>
#include <stdio.h>
#include <string.h>

#define K 3
#define D 2
#define PER_BLOB 300

static const double centres[K][D] = {{-4, 0}, {4, 1}, {0, 5}};

/* N x D points: PER_BLOB around each centre, spread 0.8. */
static nd_array *make_points(nd_rng *rng)
{
    const int64_t blob_shape[2] = {PER_BLOB, D};
    nd_array *blobs[K];
    for (int k = 0; k < K; k++) {
        blobs[k] = nd_rng_normal(rng, 0, 0.8, ND_FLOAT64, 2, blob_shape);
        nd_array *c = nd_from_data(ND_FLOAT64, 1, (const int64_t[]){D}, centres[k]);
        nd_add_out(blobs[k], c, blobs[k]); /* (PER_BLOB, D) + (D,) broadcasts */
        nd_free(c);
    }
    nd_array *points = nd_concatenate(K, (const nd_array *const *)blobs, 0);
    for (int k = 0; k < K; k++)
        nd_free(blobs[k]);
    return points;
}

/* labels (N,) int64: index of the nearest centre for each point. */
static nd_array *nearest(const nd_array *X, const nd_array *C)
{
    nd_array *Xe = nd_expand_dims(X, 1); /* (N, 1, D) view */
    nd_array *Ce = nd_expand_dims(C, 0); /* (1, K, D) view */
    nd_array *diff = nd_subtract(Xe, Ce); /* (N, K, D) */
    nd_multiply_out(diff, diff, diff);
    nd_array *d = nd_sum(diff, 1, (const int[]){-1}, false); /* (N, K) */
    nd_array *labels = nd_argmin(d, 1);
    nd_free(Xe);
    nd_free(Ce);
    nd_free(diff);
    nd_free(d);
    return labels;
}

/* The mean of the points of each cluster: (onehot^T @ X) / counts. */
static nd_array *means(const nd_array *X, const nd_array *labels)
{
    nd_array *onehot = nd_one_hot(labels, K, ND_FLOAT64); /* (N, K) */
    nd_array *onehot_t = nd_transpose(onehot, NULL);
    nd_array *sums = nd_matmul(onehot_t, X); /* (K, D) */
    nd_array *counts = nd_sum(onehot, 1, (const int[]){0}, false);
    nd_array *counts_col = nd_expand_dims(counts, 1); /* (K, 1) */
    nd_array *C = nd_divide(sums, counts_col);
    nd_free(onehot);
    nd_free(onehot_t);
    nd_free(sums);
    nd_free(counts);
    nd_free(counts_col);
    return C;
}

int main(void)
{
    nd_rng *rng = nd_rng_new(7);
    nd_array *X = make_points(rng);
    /* Start from K distinct random points (Generator.choice without
     * replacement). */
    nd_array *pick = nd_rng_choice(rng, nd_shape(X)[0], 1, (const int64_t[]){K}, false, NULL);
    nd_array *C = nd_take(X, pick, 0);
    nd_array *labels = nearest(X, C);
    int iterations = 0;
    for (; iterations < 100; iterations++) {
        nd_array *next_C = means(X, labels);
        nd_free(C);
        C = next_C;
        nd_array *next = nearest(X, C);
        nd_array *changed = nd_not_equal(next, labels);
        nd_array *any = nd_any(changed, 0, NULL, false);
        bool moved = *(bool *)nd_data(any);
        nd_free(changed);
        nd_free(any);
        nd_free(labels);
        labels = next;
        if (!moved)
            break;
    }
    printf("converged after %d iterations; centres:\n", iterations + 1);
    nd_print(C);

    int status = 0;
    for (int k = 0; k < K; k++) {
        double best = INFINITY;
        for (int64_t j = 0; j < K; j++) {
            double cx, cy;
            nd_get(C, (const int64_t[]){j, 0}, &cx);
            nd_get(C, (const int64_t[]){j, 1}, &cy);
            double dist = hypot(cx - centres[k][0], cy - centres[k][1]);
            best = dist < best ? dist : best;
        }
        if (best > 0.2) {
            fprintf(stderr, "centre (%g, %g) not found (nearest %.3f away)\n", centres[k][0],
                    centres[k][1], best);
            status = 1;
        }
    }
    nd_free(X);
    nd_free(pick);
    nd_free(C);
    nd_free(labels);
    nd_rng_free(rng);
    return status;
}
