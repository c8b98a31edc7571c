/*
 * Worked example: fitting a curve by least squares with libnd.
 *
 * The NumPy it mirrors:
 *
 *     rng = np.random.default_rng(42)
 *     x = rng.uniform(-3, 3, 200)
 *     y = 0.5 * x**2 - 2 * x + 1 + rng.normal(0, 0.3, 200)
 *     X = np.stack([x**2, x, np.ones_like(x)], axis=1)      # design matrix (200, 3)
 *     w, res, rank, sv = np.linalg.lstsq(X, y, rcond=None)  # via SVD
 *     w2 = np.linalg.solve(X.T @ X, X.T @ y)                # normal equations
 *
 * Both ways recover (0.5, -2, 1) to within the noise. The program exits
 * non-zero if they do not, so it doubles as a test.
 */
#include <math.h>
#include <nd.h>
#include <stdio.h>

#define CHECK(x)                                                     \
    do {                                                             \
        if (!(x)) {                                                  \
            fprintf(stderr, "%s failed: %s\n", #x, nd_last_error()); \
            return 1;                                                \
        }                                                            \
    } while (0)

int main(void)
{
    const int64_t n = 200;
    nd_rng *rng = nd_rng_new(42);
    nd_array *x = nd_rng_uniform(rng, -3, 3, ND_FLOAT64, 1, &n);
    nd_array *noise = nd_rng_normal(rng, 0, 0.3, ND_FLOAT64, 1, &n);
    CHECK(x && noise);

    /* y = 0.5 x^2 - 2 x + 1 + noise, built from ufuncs and 0-d scalars. */
    nd_array *half = nd_scalar(ND_FLOAT64, 0.5), *two = nd_scalar(ND_FLOAT64, 2.0);
    nd_array *one = nd_scalar(ND_FLOAT64, 1.0);
    nd_array *x2 = nd_square(x);
    nd_array *y = nd_multiply(x2, half);
    nd_array *t = nd_multiply(x, two);
    CHECK(y && t);
    CHECK(nd_subtract_out(y, t, y) == 0);
    CHECK(nd_add_out(y, one, y) == 0);
    CHECK(nd_add_out(y, noise, y) == 0);

    /* The design matrix: columns x^2, x, 1. */
    nd_array *ones = nd_ones_like(x);
    nd_array *X = nd_stack(3, (const nd_array *const[]){x2, x, ones}, 1);
    CHECK(X);

    /* 1. lstsq (SVD-based, numerically the safer way). */
    nd_array *w = NULL, *residuals = NULL, *sv = NULL;
    int64_t rank = 0;
    CHECK(nd_linalg_lstsq(X, y, -1, &w, &residuals, &rank, &sv) == 0);

    /* 2. The normal equations (X^T X) w = X^T y; X^T is a view that BLAS
     *    reads transposed, no copy. */
    nd_array *Xt = nd_transpose(X, NULL);
    nd_array *XtX = nd_matmul(Xt, X), *Xty = nd_matmul(Xt, y);
    nd_array *w2 = nd_linalg_solve(XtX, Xty);
    CHECK(w2);

    printf("lstsq:            w = ");
    nd_print(w);
    printf("normal equations: w = ");
    nd_print(w2);
    printf("rank %lld, residual sum of squares %.4f\n", (long long)rank,
           nd_size(residuals) ? ((double *)nd_data(residuals))[0] : NAN);

    const double truth[3] = {0.5, -2.0, 1.0};
    int status = 0;
    for (int64_t i = 0; i < 3; i++) {
        double a, b;
        nd_get(w, &i, &a);
        nd_get(w2, &i, &b);
        if (fabs(a - truth[i]) > 0.1 || fabs(a - b) > 1e-9) {
            fprintf(stderr, "coefficient %lld: %g / %g, expected %g\n", (long long)i, a, b,
                    truth[i]);
            status = 1;
        }
    }
    nd_array *all[] = {x, noise, half,      two, one, x2,  y,   t, ones,
                       X, w,     residuals, sv,  Xt,  XtX, Xty, w2};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        nd_free(all[i]);
    nd_rng_free(rng);
    return status;
}
