/* nd_peak_gflops: this machine's arithmetic peak for matrix products,
 * measured, the denominator of a model FLOPs utilization (MFU).
 *
 * Why a probe of the instructions and not a matrix product: MFU asks what
 * share of the hardware's multiply-add rate the training reaches (nanoGPT
 * divides by the A100's data-sheet 312 TFLOP/s bf16). A CPU has no such
 * sheet that holds for every part, clock and thermal state, so the rate is
 * measured: every thread of the pool runs CHAINS independent chains of the
 * very instruction libnd's kernels spend their time in,
 *
 *   float32   vfmadd231ps zmm: 16 multiply-adds (32 flops) per instruction
 *   bfloat16  vdpbf16ps zmm:   32 multiply-adds (64 flops) per instruction
 *             (sbgemm_avx512.c); without AVX512_BF16 bf16 products are
 *             widened to float32 (or ND_BF16_GEMM=fallback asks for that),
 *             so the float32 rate is the peak
 *
 * with enough chains (16 > latency x ports, 4 x 2 on current cores) that
 * the instruction's throughput, not its latency, bounds the loop. A GEMM
 * timing would instead give the kernel's own efficiency (packing, memory)
 * as the peak and flatter MFU. Cost: ITERS iterations per thread, about
 * 2.5 ms at this machine's rate, run REPEATS times after one warm-up.
 * Without AVX-512F: 8-lane FMA chains (AVX2), or a plain C loop.
 *
 * Each piece is timed by its own thread's CPU clock, not the wall clock,
 * so a time slice lost to another process does not lower the peak (a
 * busy machine shows in the MFU, whose tokens/s are wall-clock, not in
 * the hardware's rate); the peak is the fastest piece's rate times the
 * threads (the cores are taken to be alike). The pieces of one repeat run
 * at once on the pool's threads, so two threads sharing one physical core
 * (SMT) time each other's slowdown. */
#include "nd_internal.h"

#include <time.h>

#define CHAINS 16
#define ITERS ((int64_t)1 << 20)
#define REPEATS 3

static volatile float sink; /* keeps the chains' results alive */

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx512f"))) static double chains_avx512(int64_t iters)
{
    __m512 acc[CHAINS];
    const __m512 a = _mm512_set1_ps(1.0f), b = _mm512_set1_ps(0.5f);
    for (int j = 0; j < CHAINS; j++)
        acc[j] = _mm512_setzero_ps();
    for (int64_t i = 0; i < iters; i++)
        for (int j = 0; j < CHAINS; j++)
            acc[j] = _mm512_fmadd_ps(a, b, acc[j]);
    for (int j = 1; j < CHAINS; j++)
        acc[0] = _mm512_add_ps(acc[0], acc[j]);
    sink = _mm512_reduce_add_ps(acc[0]);
    return (double)iters * CHAINS * 16 * 2;
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) static double
chains_bf16(int64_t iters)
{
    __m512 acc[CHAINS];
    /* bf16 1.0 (0x3F80) and 0.5 (0x3F00), two per 32-bit lane */
    const __m512bh a = (__m512bh)_mm512_set1_epi32(0x3F803F80),
                   b = (__m512bh)_mm512_set1_epi32(0x3F003F00);
    for (int j = 0; j < CHAINS; j++)
        acc[j] = _mm512_setzero_ps();
    for (int64_t i = 0; i < iters; i++)
        for (int j = 0; j < CHAINS; j++)
            acc[j] = _mm512_dpbf16_ps(acc[j], a, b);
    for (int j = 1; j < CHAINS; j++)
        acc[0] = _mm512_add_ps(acc[0], acc[j]);
    sink = _mm512_reduce_add_ps(acc[0]);
    return (double)iters * CHAINS * 32 * 2;
}

__attribute__((target("avx2,fma"))) static double chains_avx2(int64_t iters)
{
    __m256 acc[CHAINS];
    const __m256 a = _mm256_set1_ps(1.0f), b = _mm256_set1_ps(0.5f);
    for (int j = 0; j < CHAINS; j++)
        acc[j] = _mm256_setzero_ps();
    for (int64_t i = 0; i < iters; i++)
        for (int j = 0; j < CHAINS; j++)
            acc[j] = _mm256_fmadd_ps(a, b, acc[j]);
    float out[8];
    for (int j = 1; j < CHAINS; j++)
        acc[0] = _mm256_add_ps(acc[0], acc[j]);
    _mm256_storeu_ps(out, acc[0]);
    sink = out[0];
    return (double)iters * CHAINS * 8 * 2;
}
#endif

/* Any CPU: CHAINS x 8 float multiply-adds the compiler may vectorize. */
static double chains_plain(int64_t iters)
{
    float acc[CHAINS][8] = {{0}};
    for (int64_t i = 0; i < iters; i++)
        for (int j = 0; j < CHAINS; j++)
            for (int l = 0; l < 8; l++)
                acc[j][l] = acc[j][l] + 1.0f * 0.5f + acc[j][l] * 0.0f;
    sink = acc[CHAINS - 1][7];
    return (double)iters * CHAINS * 8 * 2;
}

typedef double (*chains_fn)(int64_t iters); /* returns the flops it did */

/* The chains of the instruction dtype's products run on, and how many
 * iterations of them make one piece. */
static chains_fn chains_for(nd_dtype dtype, int64_t *iters)
{
    *iters = ITERS;
#if defined(__x86_64__) && defined(__GNUC__)
    if (dtype == ND_BFLOAT16 && nd_sbgemm_avx512_supported())
        return chains_bf16;
    if (__builtin_cpu_supports("avx512f"))
        return chains_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return chains_avx2;
#else
    (void)dtype;
#endif
    *iters = ITERS / 8;
    return chains_plain;
}

typedef struct probe {
    chains_fn fn;
    int64_t iters;
    double best; /* the fastest piece: flops per second of thread CPU time */
} probe;

static double thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void probe_pieces(void *ctx, int64_t begin, int64_t end)
{
    probe *p = ctx;
    for (int64_t i = begin; i < end; i++) {
        double start = thread_seconds();
        double flops = p->fn(p->iters);
        double seconds = thread_seconds() - start, rate = seconds > 0 ? flops / seconds : 0;
        /* the largest of the pieces' rates, kept without a lock */
        double seen;
        __atomic_load(&p->best, &seen, __ATOMIC_RELAXED);
        while (rate > seen && !__atomic_compare_exchange(&p->best, &seen, &rate, false,
                                                         __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            ;
    }
}

double nd_peak_gflops(nd_dtype dtype)
{
    if (dtype != ND_FLOAT32 && dtype != ND_BFLOAT16) {
        nd_set_last_error(ND_ERR_TYPE, "peak_gflops: dtype must be float32 or bfloat16, not %s",
                          nd_dtype_name(dtype));
        return -1;
    }
    probe p = {.best = 0};
    p.fn = chains_for(dtype, &p.iters);
    const int threads = nd_get_num_threads();
    probe_pieces(&p, 0, 1); /* a warm-up: the clock up, the code and the workers in */
    p.best = 0;
    for (int r = 0; r < REPEATS; r++)
        nd_parallel_for(threads, 1, probe_pieces, &p);
    return (double)threads * p.best / 1e9;
}
