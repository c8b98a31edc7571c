/* A Linear layer's forward + backward through libautograd in bf16 mixed
 * precision against float32, on a GPT-2-small MLP shape: x (1024, 768),
 * W (3072, 768), b (3072,): y = x @ W^T + b (2 * 1024 * 768 * 3072 =
 * 4.83 GFLOP per product, three products per step), best of N.
 *
 *   ./build/benchmarks/bench_mixed_linear [--threads N] [--repeat N] [--wall]
 *
 * Times are the process's CPU time by default (on a machine shared with
 * other work, what the cores do when they run; with 1 thread that is the
 * step's cost), --wall for the wall clock. Rows:
 *   float32           ag_linear(x, W, b), ag_backward_ex(y, dy)
 *   bf16 mixed        ag_linear(to_dtype(x, bf16), to_dtype(W, bf16), b):
 *                     the casts and their backward (dW widened to float32)
 *                     included, as a model pays them
 *   bf16 mixed, fallback   the same with the bf16 gemms widened to float32
 *                     (libnd's internal switch, as ND_BF16_GEMM=fallback)
 *   casts alone       the nd_astype calls the mixed step makes: x, W, dy
 *                     to bf16, dx, dW back to float32
 * and the float32 / bf16 ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <autograd.h>

/* libnd internals (src/nd_internal.h), reached through the static library. */
bool nd_sbgemm_avx512_supported(void);
void nd_sbgemm_force_fallback(bool fallback);

#define T 1024
#define C 768
#define H 3072

static clockid_t clock_used = CLOCK_PROCESS_CPUTIME_ID;

static double now(void)
{
    struct timespec t;
    clock_gettime(clock_used, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct layer {
    ag_tensor *x, *w, *b;
    nd_array *dy;
} layer;

/* One forward + backward; dtype ND_FLOAT32 is the float32 layer (the casts
 * return their input). Returns 0 or exits on error. */
static void step(const layer *l, nd_dtype dt)
{
    ag_tensor *y = ag_linear(ag_to_dtype(l->x, dt), ag_to_dtype(l->w, dt), l->b);
    if (!y || ag_backward_ex(y, l->dy, false) < 0) {
        fprintf(stderr, "bench_mixed_linear: %s\n", ag_last_error());
        exit(1);
    }
    ag_tape_reset();
    ag_zero_grad(l->x);
    ag_zero_grad(l->w);
    ag_zero_grad(l->b);
}

static double best_step(const layer *l, nd_dtype dt, int repeat)
{
    double best = 1e30;
    for (int r = 0; r <= repeat; r++) { /* r == 0 warms up */
        double start = now();
        step(l, dt);
        double t = now() - start;
        if (r > 0 && t < best)
            best = t;
    }
    return best;
}

/* The conversions a mixed step makes, without the products. */
static double best_casts(const layer *l, int repeat)
{
    double best = 1e30;
    for (int r = 0; r <= repeat; r++) {
        double start = now();
        nd_array *x16 = nd_astype(ag_value(l->x), ND_BFLOAT16);
        nd_array *w16 = nd_astype(ag_value(l->w), ND_BFLOAT16);
        nd_array *dy16 = nd_astype(l->dy, ND_BFLOAT16);
        nd_array *dx = nd_astype(x16, ND_FLOAT32), *dw = nd_astype(w16, ND_FLOAT32);
        double t = now() - start;
        nd_array *all[] = {x16, w16, dy16, dx, dw};
        for (int i = 0; i < 5; i++)
            nd_free(all[i]);
        if (r > 0 && t < best)
            best = t;
    }
    return best;
}

static ag_tensor *random_param(nd_rng *rng, int ndim, const int64_t *shape, bool grad)
{
    nd_array *a = nd_rng_standard_normal(rng, ND_FLOAT32, ndim, shape);
    ag_tensor *t = grad ? ag_param(a) : ag_const(a);
    nd_free(a);
    return t;
}

int main(int argc, char **argv)
{
    int threads = 1, repeat = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--wall") == 0)
            clock_used = CLOCK_MONOTONIC;
        else {
            fprintf(stderr, "usage: bench_mixed_linear [--threads N] [--repeat N] [--wall]\n");
            return 2;
        }
    }
    nd_set_num_threads(threads);
    nd_rng *rng = nd_rng_new(1);
    layer l = {
        .x = random_param(rng, 2, (const int64_t[]){T, C}, true), /* dx too, as inside a model */
        .w = random_param(rng, 2, (const int64_t[]){H, C}, true),
        .b = random_param(rng, 1, (const int64_t[]){H}, true),
        .dy = nd_rng_standard_normal(rng, ND_FLOAT32, 2, (const int64_t[]){T, H}),
    };
    printf("bench_mixed_linear: x (%d, %d) @ W (%d, %d)^T + b, forward + backward, %d thread(s), "
           "best of %d, %s time; native bf16 kernel: %s\n",
           T, C, H, C, threads, repeat, clock_used == CLOCK_MONOTONIC ? "wall" : "CPU",
           nd_sbgemm_avx512_supported() ? "yes" : "no");
    double gflop = 3 * 2.0 * T * C * H * 1e-9;
    double f32 = best_step(&l, ND_FLOAT32, repeat);
    double bf16 = best_step(&l, ND_BFLOAT16, repeat);
    nd_sbgemm_force_fallback(true);
    double fallback = best_step(&l, ND_BFLOAT16, repeat);
    nd_sbgemm_force_fallback(false);
    double casts = best_casts(&l, repeat);
    printf("%-26s %9s %9s\n", "", "ms", "GFLOP/s");
    printf("%-26s %9.1f %9.1f\n", "float32", 1e3 * f32, gflop / f32);
    printf("%-26s %9.1f %9.1f\n", "bf16 mixed", 1e3 * bf16, gflop / bf16);
    printf("%-26s %9.1f %9.1f\n", "bf16 mixed, fallback", 1e3 * fallback, gflop / fallback);
    printf("%-26s %9.1f\n", "casts alone (in bf16 mixed)", 1e3 * casts);
    printf("float32 / bf16 mixed: %.2fx (without the casts: %.2fx)\n", f32 / bf16,
           f32 / (bf16 - casts));
    ag_tensor_free(l.x);
    ag_tensor_free(l.w);
    ag_tensor_free(l.b);
    nd_free(l.dy);
    nd_rng_free(rng);
    return 0;
}
