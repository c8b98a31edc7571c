/* GFLOP/s of libnd's bfloat16 matrix product (AVX512_BF16 kernel) against
 * libnd's float32 kernel and OpenBLAS's sgemm, on a GPT-2-small layer's
 * shapes (T = 1024 tokens, C = 768), in the same run, best of N.
 *
 *   ./build/benchmarks/bench_bf16_gemm [--threads N] [--repeat N] [--cpu-time]
 *
 * --cpu-time times by the process's CPU time instead of the wall clock: on
 * a machine shared with other work, one thread's GFLOP/s per CPU-second is
 * what the core does when it runs (time slices taken by others are not
 * counted). The default, wall time, is what a user sees.
 *
 * Rows: a Linear forward y = x @ W^T (W stored (out, in), as PyTorch and
 * Shannon store it), the input gradient dx = dy @ W and the weight gradient
 * dW = dy^T @ x (A a transposed view), for the attention QKV (768 -> 2304),
 * MLP up (768 -> 3072) and MLP down (3072 -> 768) layers. Columns:
 * bf16 -> float32 (nd_matmul_dtype, what autograd uses), bf16 -> bf16
 * (nd_matmul), the bf16 fallback (widened to float32, forced with the
 * internal switch), float32 (nd_matmul), OpenBLAS cblas_sgemm, and the
 * ratio bf16->f32 / float32. The peer in PyTorch is bench_bf16_gemm.py. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nd.h"

/* libnd internals (src/nd_internal.h), reached through the static library. */
bool nd_sbgemm_avx512_supported(void);
void nd_sbgemm_force_fallback(bool fallback);

static clockid_t clock_used = CLOCK_MONOTONIC;

static double now(void)
{
    struct timespec t;
    clock_gettime(clock_used, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct product {
    const nd_array *a, *b; /* views as the model passes them */
    nd_dtype dt; /* nd_matmul_dtype's dtype */
} product;

typedef struct shape_case {
    const char *name;
    int64_t m, n, k;
    bool a_transposed; /* A is a transposed view (dW = dy^T @ x) */
    bool b_transposed; /* B is a transposed view (x @ W^T) */
} shape_case;

/* The best time of `repeat` runs of one product, after one warm-up. */
static double best_product(product p, int repeat)
{
    double best = 1e30;
    for (int r = 0; r <= repeat; r++) {
        double start = now();
        nd_array *c = nd_matmul_dtype(p.a, p.b, p.dt);
        double t = now() - start;
        if (!c) {
            fprintf(stderr, "bench_bf16_gemm: %s\n", nd_last_error());
            exit(1);
        }
        nd_free(c);
        if (r > 0 && t < best)
            best = t;
    }
    return best;
}

static double best_openblas(const shape_case *s, const float *a, const float *b, float *c,
                            int repeat)
{
    double best = 1e30;
    int lda = (int)(s->a_transposed ? s->m : s->k), ldb = (int)(s->b_transposed ? s->k : s->n);
    for (int r = 0; r <= repeat; r++) {
        double start = now();
        cblas_sgemm(CblasRowMajor, s->a_transposed ? CblasTrans : CblasNoTrans,
                    s->b_transposed ? CblasTrans : CblasNoTrans, (int)s->m, (int)s->n, (int)s->k,
                    1.0f, a, lda, b, ldb, 0.0f, c, (int)s->n);
        double t = now() - start;
        if (r > 0 && t < best)
            best = t;
    }
    return best;
}

/* A matrix of `rows` x `cols` as the case uses it: stored transposed and
 * viewed through nd_transpose when `transposed`. Values in [-1, 1). */
static nd_array *operand(nd_rng *rng, nd_dtype dt, int64_t rows, int64_t cols, bool transposed)
{
    int64_t shape[2] = {transposed ? cols : rows, transposed ? rows : cols};
    nd_array *x = nd_rng_uniform(rng, -1, 1, dt, 2, shape);
    if (!x || !transposed)
        return x;
    nd_array *t = nd_transpose(x, NULL);
    nd_free(x);
    return t;
}

int main(int argc, char **argv)
{
    int threads = 1, repeat = 7;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--cpu-time") == 0)
            clock_used = CLOCK_PROCESS_CPUTIME_ID;
        else {
            fprintf(stderr, "usage: bench_bf16_gemm [--threads N] [--repeat N] [--cpu-time]\n");
            return 2;
        }
    }
    nd_set_num_threads(threads); /* OpenBLAS too */
    const int64_t T = 1024, C = 768;
    const shape_case cases[] = {
        {"qkv  fwd x@W^T", T, 3 * C, C, false, true},
        {"qkv  dx  dy@W ", T, C, 3 * C, false, false},
        {"qkv  dW  dy^Tx", 3 * C, C, T, true, false},
        {"up   fwd x@W^T", T, 4 * C, C, false, true},
        {"up   dx  dy@W ", T, C, 4 * C, false, false},
        {"up   dW  dy^Tx", 4 * C, C, T, true, false},
        {"down fwd x@W^T", T, C, 4 * C, false, true},
        {"down dx  dy@W ", T, 4 * C, C, false, false},
        {"down dW  dy^Tx", C, 4 * C, T, true, false},
        {"square x@W    ", T, T, T, false, false},
    };
    printf("bench_bf16_gemm: %d thread(s), best of %d, %s; native bf16 kernel: %s\n", threads,
           repeat, clock_used == CLOCK_MONOTONIC ? "wall time" : "CPU time",
           nd_sbgemm_avx512_supported() ? "yes" : "no (AVX512_BF16 missing)");
    printf("%-15s %5s %5s %5s | %9s %9s %9s %9s %9s | %6s %6s\n", "GFLOP/s", "m", "n", "k",
           "bf16>f32", "bf16>bf16", "fallback", "f32", "OpenBLAS", "x f32", "x BLAS");
    nd_rng *rng = nd_rng_new(1);
    double log_sum = 0;
    int count = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const shape_case *s = &cases[i];
        nd_array *a32 = operand(rng, ND_FLOAT32, s->m, s->k, s->a_transposed);
        nd_array *b32 = operand(rng, ND_FLOAT32, s->k, s->n, s->b_transposed);
        nd_array *a16 = nd_astype(a32, ND_BFLOAT16), *b16 = nd_astype(b32, ND_BFLOAT16);
        /* nd_astype copies in C order: view the copies the same way. */
        if (s->a_transposed) {
            nd_array *t = nd_transpose(a16, NULL), *c = nd_copy(t), *v = nd_transpose(c, NULL);
            nd_free(a16), nd_free(t), nd_free(c);
            a16 = v;
        }
        if (s->b_transposed) {
            nd_array *t = nd_transpose(b16, NULL), *c = nd_copy(t), *v = nd_transpose(c, NULL);
            nd_free(b16), nd_free(t), nd_free(c);
            b16 = v;
        }
        double flops = 2.0 * (double)s->m * (double)s->n * (double)s->k;
        double t16 = best_product((product){a16, b16, ND_FLOAT32}, repeat);
        double t16b = best_product((product){a16, b16, ND_BFLOAT16}, repeat);
        nd_sbgemm_force_fallback(true);
        double tfb = best_product((product){a16, b16, ND_FLOAT32}, repeat > 2 ? 2 : repeat);
        nd_sbgemm_force_fallback(false);
        double t32 = best_product((product){a32, b32, ND_FLOAT32}, repeat);
        /* OpenBLAS on the same float32 memory (a transposed view's base is
         * the stored matrix, row-major). */
        float *c = malloc(sizeof(float) * (size_t)(s->m * s->n));
        double tblas = best_openblas(s, nd_data(a32), nd_data(b32), c, repeat);
        free(c);
        printf("%-15s %5lld %5lld %5lld | %9.1f %9.1f %9.1f %9.1f %9.1f | %6.2f %6.2f\n", s->name,
               (long long)s->m, (long long)s->n, (long long)s->k, flops / t16 * 1e-9,
               flops / t16b * 1e-9, flops / tfb * 1e-9, flops / t32 * 1e-9, flops / tblas * 1e-9,
               t32 / t16, tblas / t16);
        log_sum += __builtin_log(t32 / t16);
        count++;
        nd_free(a32), nd_free(b32), nd_free(a16), nd_free(b16);
    }
    printf("geometric mean speed-up of bf16->f32 over libnd float32: %.2fx\n",
           __builtin_exp(log_sum / count));
    nd_rng_free(rng);
    return 0;
}
