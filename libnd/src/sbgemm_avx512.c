/* bfloat16 matrix product on AVX512_BF16: C = A @ B with bf16 operands and
 * float32 accumulation, C written as float32 or rounded once to bf16.
 *
 * Why: vdpbf16ps does 32 multiply-adds per instruction where vfmadd231ps
 * does 16, at the same rate on Zen 4/5, so a bf16 product runs close to 2x
 * the float32 kernel (sgemm_avx512.c) on the same core. matmul.c's
 * gemm_dispatch chooses it for bfloat16 operands when the CPU has it
 * (nd_sbgemm_avx512_supported); elsewhere bf16 is widened to float32.
 *
 * What vdpbf16ps computes, per 32-bit lane j:
 *
 *   c[j] += a[2j] * b[2j] + a[2j+1] * b[2j+1]      (a, b: 32 bf16 each)
 *
 * a product of two bf16 (8 significant bits each) is exact in float32, so
 * the only roundings are the float32 additions, as in a float32 product of
 * the same (bf16-valued) numbers. The instruction treats bf16 subnormals
 * (|x| < 2^-126) as zero and flushes subnormal sums to zero; training
 * values never live there.
 *
 * So the shared dimension is consumed in *pairs*: k = 2p and 2p+1 sit next
 * to each other in one 32-bit lane. The packed layouts are the float32
 * kernel's with "one float" replaced by "one pair of bf16":
 *
 *   A micro-panel: for each pair p, MR 32-bit units (A[i,2p], A[i,2p+1])
 *   B micro-panel: for each pair p, NR 32-bit units (B[2p,j], B[2p+1,j])
 *
 * and an odd k gets a zero partner. A row-major A with whole pairs that
 * serves one column block is not packed: its rows already hold those
 * units, and the kernel broadcasts them from A itself (micro_kernel_rows).
 * The loops are sgemm_avx512.c's (BLIS's jc/pc/ir/jr with pc outermost so
 * that a packed A serves every column block); only the sizes differ: KC
 * counts bf16 elements, and twice the float32 count fits the same bytes
 * (an A micro-panel 12 x 768 x 2 = 18 KB in L1, a B block 768 x 480 x 2 =
 * 737 KB in L2). A GPT-2 layer's k = 768 is then one pass.
 *
 * The micro-kernel: 12 x 32 of C in 24 zmm accumulators; per pair of k, two
 * 64-byte loads of B (32 columns x 2) and 12 broadcast pairs of A: 24
 * vdpbf16ps (1,536 flops) for 2 loads and 12 broadcasts, 27 of the 32 zmm
 * registers. With bf16 output, C's float32 partial sums live in a work
 * matrix until the last pass over k, whose kernel adds, rounds to nearest
 * even (exactly nd_float_to_bfloat16) and stores 16-bit values. A bias
 * (nd_matmul_bias) is added by that last pass too, after the whole sum.
 *
 * Every element of C is one thread's sum over k in a fixed order, so the
 * result does not depend on the thread count. It does differ in the last
 * float32 bits from the widened fallback (another summation order). */
#include "nd_internal.h"
#include "bf16.h" /* nd_bf16_round */

#include <stdlib.h>
#include <string.h>

/* ---- the switch: native kernel or the float32 fallback --------------------- */

/* -1: not decided yet; 0: fallback; 1: native. ND_BF16_GEMM=fallback in the
 * environment, or nd_sbgemm_force_fallback(true), keep the fallback on a
 * CPU that has AVX512_BF16, so both paths are tested on one machine. */
static int native_state = -1;

static bool cpu_has_avx512_bf16(void);

bool nd_sbgemm_avx512_supported(void)
{
    int state = __atomic_load_n(&native_state, __ATOMIC_RELAXED);
    if (state < 0) {
        const char *env = getenv("ND_BF16_GEMM");
        state = cpu_has_avx512_bf16() && !(env && strcmp(env, "fallback") == 0);
        __atomic_store_n(&native_state, state, __ATOMIC_RELAXED);
    }
    return state == 1;
}

void nd_sbgemm_force_fallback(bool fallback)
{
    __atomic_store_n(&native_state, !fallback && cpu_has_avx512_bf16(), __ATOMIC_RELAXED);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include "gemm_avx512.h"

#include <cpuid.h>

/* AVX512_BF16 is CPUID leaf 7, sub-leaf 1, EAX bit 5. The zmm state must
 * also be enabled by the OS, which __builtin_cpu_supports checks (XGETBV)
 * for AVX-512F; BW and VL serve the packing and the 16-bit stores. */
static bool cpu_has_avx512_bf16(void)
{
    unsigned eax, ebx, ecx, edx;
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512vl") || __get_cpuid_max(0, NULL) < 7)
        return false;
    __cpuid_count(7, 1, eax, ebx, ecx, edx);
    (void)ebx, (void)ecx, (void)edx;
    return (eax >> 5) & 1;
}

#define BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// clang-format off
#define MR 12    /* rows of C per micro-kernel call */
#define NR 32    /* columns: two vectors of 16 float32 sums */
#define KC 768   /* bf16 elements of k per pass (even: passes start on a pair) */
#define NC 480   /* columns per packed B block */
// clang-format on

/* The 16 float32 of x rounded to bfloat16, nearest even, NaN kept quiet:
 * nd_float_to_bfloat16 on each lane. */
BF16 static inline __m256i round_to_bf16(__m512 x)
{
    __m512i u = _mm512_castps_si512(x);
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(_mm512_set1_epi32(0x7fff), lsb));
    __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(u, _mm512_set1_epi32(0x400000)));
    return _mm512_cvtepi32_epi16(_mm512_srli_epi32(r, 16));
}

/* Where the micro-kernel's sums go: float32 C (accumulating into it after
 * the first pass), and on the last pass of a bf16 product the rounded
 * values into `out16` instead (c then holds the earlier passes' sums). */
typedef struct target {
    float *c;
    int64_t ldc;
    uint16_t *out16; /* NULL: C is the result */
    int64_t ld16;
    const float *bias; /* added per column on the last pass over k, or NULL */
} target;

/* C[0:rows, 0:cols] (+)= A (pairs x MR units) times b_panel (pairs x NR
 * units); row and column offsets are already applied to `t`. Unit (p, i)
 * of A is a[p * a_pair + i * a_row]: a packed panel (a_pair MR, a_row 1)
 * or A's own rows (a_pair 1, a_row the row stride in units). Rows past
 * `rows` are never read, in either form (row 0 stands in; its sums are
 * not stored): A's own last rows may end its buffer, and a row stride of
 * one unit must not tell the two forms apart. */
BF16 static inline __attribute__((always_inline)) void
kernel_body(int64_t pairs, const void *a, int64_t a_pair, int64_t a_row, const uint16_t *restrict b,
            const target *t, int rows, int cols, bool accumulate)
{
    /* Every loop over i is unrolled, so that left[i] and right[i] are the
     * same 24 registers throughout: an epilogue indexing them with a
     * variable i kept all of them in a stack array, zeroed by a memset and
     * spilled after the last sum (12% of the kernel's time at k = 128). */
    __m512 left[MR], right[MR];
    const char *row[MR]; /* bytes: A's own rows may start 2 bytes past a multiple of 4 */
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
        left[i] = right[i] = _mm512_setzero_ps();
        row[i] = (const char *)a + 4 * (i < rows ? i : 0) * a_row;
    }
    for (int64_t p = 0; p < pairs; p++, b += 2 * NR) {
        __m512bh b0 = (__m512bh)_mm512_load_si512(b), b1 = (__m512bh)_mm512_load_si512(b + NR);
        _mm_prefetch((const char *)(b + 16 * NR), _MM_HINT_T0);
#pragma GCC unroll 12
        for (int i = 0; i < MR; i++) {
            uint32_t unit;
            memcpy(&unit, row[i] + 4 * p * a_pair, sizeof unit);
            __m512bh ai = (__m512bh)_mm512_set1_epi32((int)unit);
            left[i] = _mm512_dpbf16_ps(left[i], b0, ai);
            right[i] = _mm512_dpbf16_ps(right[i], b1, ai);
        }
    }
    __mmask16 left_mask = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 right_mask = cols >= 32   ? 0xFFFF
                           : cols <= 16 ? 0
                                        : (__mmask16)((1u << (cols - 16)) - 1);
    __m512 bias_left = _mm512_setzero_ps(), bias_right = _mm512_setzero_ps();
    if (t->bias) {
        bias_left = _mm512_maskz_loadu_ps(left_mask, t->bias);
        bias_right = _mm512_maskz_loadu_ps(right_mask, t->bias + 16);
    }
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++) {
        if (i >= rows)
            break;
        float *c = accumulate || !t->out16 ? t->c + i * t->ldc : NULL;
        if (accumulate) {
            left[i] = _mm512_add_ps(left[i], _mm512_maskz_loadu_ps(left_mask, c));
            right[i] = _mm512_add_ps(right[i], _mm512_maskz_loadu_ps(right_mask, c + 16));
        }
        if (t->bias) { /* after the whole sum over k, as an add after the product */
            left[i] = _mm512_add_ps(left[i], bias_left);
            right[i] = _mm512_add_ps(right[i], bias_right);
        }
        if (t->out16) {
            uint16_t *out16 = t->out16 + i * t->ld16;
            _mm256_mask_storeu_epi16(out16, left_mask, round_to_bf16(left[i]));
            _mm256_mask_storeu_epi16(out16 + 16, right_mask, round_to_bf16(right[i]));
        } else {
            _mm512_mask_storeu_ps(c, left_mask, left[i]);
            _mm512_mask_storeu_ps(c + 16, right_mask, right[i]);
        }
    }
}

/* A packed panel: pairs x MR units, zero rows past `rows`. */
BF16 static void micro_kernel(int64_t pairs, const uint32_t *restrict a, const uint16_t *restrict b,
                              const target *t, int rows, int cols, bool accumulate)
{
    kernel_body(pairs, a, MR, 1, b, t, rows, cols, accumulate);
}

/* A read in place: `rows` rows of bf16 pairs, row i at a + i * a_row
 * units, a row's pairs contiguous (a row-major A, k even). Packing such an
 * A was 3% of a bf16 training step at GPT widths of 128: the panel is
 * used by only nc / NR kernel calls, and the kernel's broadcasts read a
 * row as well from A itself (12 rows of 2 k bytes, in L1 after the first
 * call). */
BF16 static void micro_kernel_rows(int64_t pairs, const uint16_t *a, int64_t a_row,
                                   const uint16_t *restrict b, const target *t, int rows, int cols,
                                   bool accumulate)
{
    kernel_body(pairs, a, 1, a_row, b, t, rows, cols, accumulate);
}

/* Interleaves the 16-bit lanes of x and y: lo = x0 y0 x1 y1 ... x15 y15,
 * hi the same for lanes 16..31. Row k and row k+1 of a matrix become the
 * pairs vdpbf16ps reads. */
BF16 static inline void interleave_16bit(__m512i x, __m512i y, __m512i *lo, __m512i *hi)
{
    static const uint16_t order[64] = {
        // clang-format off
        0,  32, 1,  33, 2,  34, 3,  35, 4,  36, 5,  37, 6,  38, 7,  39,
        8,  40, 9,  41, 10, 42, 11, 43, 12, 44, 13, 45, 14, 46, 15, 47,
        16, 48, 17, 49, 18, 50, 19, 51, 20, 52, 21, 53, 22, 54, 23, 55,
        24, 56, 25, 57, 26, 58, 27, 59, 28, 60, 29, 61, 30, 62, 31, 63,
        // clang-format on
    };
    *lo = _mm512_permutex2var_epi16(x, _mm512_loadu_si512(order), y);
    *hi = _mm512_permutex2var_epi16(x, _mm512_loadu_si512(order + 32), y);
}

/* Element (i, k) of a strided bf16 matrix, 0 past k's end (the odd k's
 * partner) or past the last row / column. */
static inline uint16_t element_or_zero(const uint16_t *x, int64_t rs, int64_t cs, int64_t i,
                                       int64_t rows, int64_t k, int64_t kc)
{
    return i < rows && k < kc ? x[i * rs + k * cs] : 0;
}

typedef struct pack_task {
    const uint16_t *b;
    int64_t rs, cs, kc, nc;
    uint16_t *out;
} pack_task;

/* B[0:kc, 0:nc] (element strides rs, cs) -> micro-panels [begin, end) of
 * NR columns, each pairs x NR units, zero-padded to full panels. */
BF16 static void pack_b(void *ctx, int64_t begin, int64_t end)
{
    const pack_task *t = ctx;
    const uint16_t *b = t->b;
    int64_t rs = t->rs, cs = t->cs, kc = t->kc, nc = t->nc, pairs = (kc + 1) / 2;
    for (int64_t j0 = begin * NR; j0 < end * NR; j0 += NR) {
        uint16_t *panel = t->out + j0 * 2 * pairs;
        int64_t width = nc - j0 < NR ? nc - j0 : NR, p = 0;
        if (width == NR && cs == 1) {
            /* Row-major B (dx = g @ W, dW = g^T @ x): rows 2p and 2p+1
             * interleaved, 32 columns at a time. */
            for (; 2 * p + 1 < kc; p++) {
                __m512i lo, hi;
                interleave_16bit(_mm512_loadu_si512(b + 2 * p * rs + j0),
                                 _mm512_loadu_si512(b + (2 * p + 1) * rs + j0), &lo, &hi);
                _mm512_store_si512(panel + p * 2 * NR, lo);
                _mm512_store_si512(panel + p * 2 * NR + NR, hi);
            }
        } else if (width == NR && rs == 1 && cs % 2 == 0) {
            /* B = W^T (x @ W^T, every Linear forward): a column of B is a
             * row of W, its pairs contiguous 32-bit units; 16 x 16 blocks
             * of units are transposed in registers. */
            for (; p + 16 <= kc / 2; p += 16)
                for (int half = 0; half < NR; half += 16)
                    transpose_16((const float *)(b + 2 * p + (j0 + half) * cs), cs / 2, 16,
                                 (float *)(panel + p * 2 * NR) + half, NR, 0xFFFF);
        }
        for (; p < pairs; p++)
            for (int64_t j = 0; j < NR; j++)
                for (int h = 0; h < 2; h++)
                    panel[p * 2 * NR + 2 * j + h] =
                        element_or_zero(b + j0 * cs, cs, rs, j, width, 2 * p + h, kc);
    }
}

/* A[0:rows, 0:kc] (element strides rs, cs) -> one micro-panel, pairs x MR
 * units, rows past `rows` zero. */
BF16 static void pack_a(const uint16_t *a, int64_t rs, int64_t cs, int64_t rows, int64_t kc,
                        uint32_t *out)
{
    int64_t pairs = (kc + 1) / 2, p = 0;
    if (cs == 1 && rs % 2 == 0) {
        /* Row-major A: each row's pairs are 32-bit units; 16 x 12 register
         * transposes, as in the float32 kernel (missing rows read as 0). */
        for (; p + 16 <= kc / 2; p += 16)
            transpose_16((const float *)(a + 2 * p), rs / 2, (int)rows, (float *)(out + p * MR), MR,
                         (1u << MR) - 1);
    } else if (rs == 1) {
        /* A transposed view (dW = g^T @ x, dV = P^T dO): the rows are
         * contiguous in each column; columns 2p and 2p+1 interleaved.
         * Whole groups of four panels go through pack_a_transposed_4. */
        __mmask32 keep = (__mmask32)((1u << rows) - 1);
        for (; 2 * p + 1 < kc; p++) {
            __m512i lo, hi;
            interleave_16bit(_mm512_maskz_loadu_epi16(keep, a + 2 * p * cs),
                             _mm512_maskz_loadu_epi16(keep, a + (2 * p + 1) * cs), &lo, &hi);
            _mm512_mask_storeu_epi16(out + p * MR, (__mmask32)((1ull << (2 * MR)) - 1), lo);
        }
    }
    uint16_t *out16 = (uint16_t *)out;
    for (; p < pairs; p++)
        for (int64_t i = 0; i < MR; i++)
            for (int h = 0; h < 2; h++)
                out16[(p * MR + i) * 2 + h] = element_or_zero(a, rs, cs, i, rows, 2 * p + h, kc);
}

/* Four whole panels (48 rows) of a transposed A (rs 1: column k of A is
 * contiguous, cs apart) -> out, out + units, out + 2 units, out + 3 units.
 * Per pair of columns: 48 elements of each, read as 96 contiguous bytes,
 * interleaved into 48 units; units 0-15, 16-31 and 32-47 are split among
 * the four 12-unit panels by masked stores (a store at a panel's pair minus
 * a few units writes only the lanes that belong to it). The one-panel path
 * reads 24 bytes of each column per panel, every line of A three times
 * over; this reads each once per group and writes four streams. (Reading A
 * in memory order instead, the groups as the inner loop, was slower: the
 * stores then go to every panel at once.) kc even. */
BF16 static void pack_a_transposed_4(const uint16_t *a, int64_t cs, int64_t kc, uint32_t *out,
                                     int64_t units)
{
    for (int64_t p = 0; 2 * p < kc; p++) {
        const uint16_t *x = a + 2 * p * cs, *y = x + cs;
        uint32_t *panel = out + p * MR; /* the first panel, at pair p */
        __m512i lo, hi, lo2, unused;
        interleave_16bit(_mm512_loadu_si512(x), _mm512_loadu_si512(y), &lo, &hi);
        interleave_16bit(_mm512_maskz_loadu_epi16(0xFFFF, x + 32),
                         _mm512_maskz_loadu_epi16(0xFFFF, y + 32), &lo2, &unused);
        _mm512_mask_storeu_epi32(panel, 0x0FFF, lo); /* units 0-11 */
        _mm512_mask_storeu_epi32(panel + units - 12, 0xF000, lo); /* 12-15 */
        _mm512_mask_storeu_epi32(panel + units + 4, 0x00FF, hi); /* 16-23 */
        _mm512_mask_storeu_epi32(panel + 2 * units - 8, 0xFF00, hi); /* 24-31 */
        _mm512_mask_storeu_epi32(panel + 2 * units + 8, 0x000F, lo2); /* 32-35 */
        _mm512_mask_storeu_epi32(panel + 3 * units - 4, 0xFFF0, lo2); /* 36-47 */
    }
}

typedef struct block_task {
    // clang-format off
    const uint16_t *a;         /* A[0, pc] */
    int64_t a_rs, a_cs;
    const uint32_t *a_packed;  /* every row panel of A[:, pc:+kc], packed; or NULL */
    const uint16_t *b_packed;  /* the packed B block */
    target c;                  /* C[0, jc] */
    int64_t m, nc, kc;
    bool accumulate;           /* false on the first pass over k */
    // clang-format on
} block_task;

/* Packs row panels [begin, end) of A[:, pc:+kc] into task->a_packed. */
static void pack_a_panels(void *ctx, int64_t begin, int64_t end)
{
    const block_task *t = ctx;
    int64_t units = MR * ((t->kc + 1) / 2), panel = begin;
    if (t->a_rs == 1 && t->a_cs != 1 && t->kc % 2 == 0)
        for (; panel + 4 <= end && (panel + 4) * MR <= t->m; panel += 4)
            pack_a_transposed_4(t->a + panel * MR, t->a_cs, t->kc,
                                (uint32_t *)t->a_packed + panel * units, units);
    for (; panel < end; panel++) {
        int64_t i0 = panel * MR, rows = t->m - i0 < MR ? t->m - i0 : MR;
        pack_a(t->a + i0 * t->a_rs, t->a_rs, t->a_cs, rows, t->kc,
               (uint32_t *)t->a_packed + panel * units);
    }
}

/* Row panels [begin, end) of one (jc, pc) block. */
static void run_row_panels(void *ctx, int64_t begin, int64_t end)
{
    const block_task *t = ctx;
    _Alignas(64) uint32_t own_panel[MR * (KC / 2)];
    int64_t pairs = (t->kc + 1) / 2;
    /* A row-major with whole pairs (each row's k elements in even number,
     * 32-bit units a whole number apart) is read in place. */
    bool in_place = !t->a_packed && t->a_cs == 1 && t->a_rs % 2 == 0 && t->kc % 2 == 0;
    for (int64_t panel = begin; panel < end; panel++) {
        int64_t i0 = panel * MR, rows = t->m - i0 < MR ? t->m - i0 : MR;
        const uint32_t *a_panel = own_panel;
        if (t->a_packed)
            a_panel = t->a_packed + panel * MR * pairs;
        else if (!in_place)
            pack_a(t->a + i0 * t->a_rs, t->a_rs, t->a_cs, rows, t->kc, own_panel);
        for (int64_t j0 = 0; j0 < t->nc; j0 += NR) {
            int cols = t->nc - j0 < NR ? (int)(t->nc - j0) : NR;
            target c = t->c;
            if (c.c) /* NULL: a one-pass bf16 product, no float32 sums */
                c.c += i0 * c.ldc + j0;
            if (c.out16)
                c.out16 += i0 * c.ld16 + j0;
            if (c.bias)
                c.bias += j0;
            const uint16_t *b_panel = t->b_packed + j0 * 2 * pairs;
            if (in_place)
                micro_kernel_rows(pairs, t->a + i0 * t->a_rs, t->a_rs / 2, b_panel, &c, (int)rows,
                                  cols, t->accumulate);
            else
                micro_kernel(pairs, a_panel, b_panel, &c, (int)rows, cols, t->accumulate);
        }
    }
}

#define MAX_SHARED_A_BYTES ((size_t)8 << 20) /* as in sgemm_avx512.c */

/* ---- a row times B^T: dot products, no packing ------------------------------------------ */

/* A product with one row of A (a sampled token's x @ W^T) packs all of B
 * for one row of C: the packing costs as much as the product. When A's row
 * and B's columns (W's rows) are contiguous, each C[j] is a dot product of
 * two contiguous bf16 vectors, which vdpbf16ps computes 32 terms at a time
 * straight from memory: 16 lanes of float32 sums, added up at the end. */
typedef struct dot_task {
    const uint16_t *a, *b;
    int64_t k, b_cs;
    const float *bias;
    void *c;
    bool c_bf16;
} dot_task;

BF16 static void dot_columns(void *ctx, int64_t begin, int64_t end)
{
    const dot_task *t = ctx;
    for (int64_t j = begin; j < end; j++) {
        const uint16_t *col = t->b + j * t->b_cs;
        __m512 sum = _mm512_setzero_ps();
        int64_t p = 0;
        for (; p + 32 <= t->k; p += 32)
            sum = _mm512_dpbf16_ps(sum, (__m512bh)_mm512_loadu_si512(t->a + p),
                                   (__m512bh)_mm512_loadu_si512(col + p));
        if (p < t->k) {
            __mmask32 tail = (__mmask32)((1ull << (t->k - p)) - 1);
            sum = _mm512_dpbf16_ps(sum, (__m512bh)_mm512_maskz_loadu_epi16(tail, t->a + p),
                                   (__m512bh)_mm512_maskz_loadu_epi16(tail, col + p));
        }
        float dot = _mm512_reduce_add_ps(sum);
        if (t->bias)
            dot += t->bias[j];
        if (t->c_bf16)
            ((uint16_t *)t->c)[j] = nd_bf16_round(dot);
        else
            ((float *)t->c)[j] = dot;
    }
}

int nd_sbgemm_avx512(int64_t m, int64_t n, int64_t k, const uint16_t *a, int64_t a_rs, int64_t a_cs,
                     const uint16_t *b, int64_t b_rs, int64_t b_cs, const float *bias, void *c,
                     int64_t ldc, bool c_bf16)
{
    if (m == 1 && a_cs == 1 && b_rs == 1) {
        /* Pieces of ~2^16 multiply-adds, as libnd's float32 gemv. */
        dot_task task = {a, b, k, b_cs, bias, c, c_bf16};
        nd_parallel_for(n, ((int64_t)1 << 16) / (k > 0 ? k : 1) + 1, dot_columns, &task);
        return 0;
    }
    int64_t panels = (m + MR - 1) / MR;
    size_t shared_a_bytes = sizeof(uint16_t) * (size_t)(panels * MR) * KC;
    /* A is packed once for all column blocks when there are several, and
     * always when transposed: pack_a_transposed_4 reads it in order. */
    bool share_a = (n > NC || (a_rs == 1 && a_cs != 1)) && shared_a_bytes <= MAX_SHARED_A_BYTES;
    /* bf16 output over several passes: float32 sums in between. */
    bool need_work = c_bf16 && k > KC;
    /* The B block is KC x NC at most, but no larger than B (as in
     * sgemm_avx512.c); k rounded up to whole bf16 pairs. */
    int64_t kc_max = k < KC ? (k > 0 ? k + (k & 1) : 2) : KC, nc_max = n < NC ? (n > 0 ? n : 1) : NC;
    size_t b_bytes = sizeof(uint16_t) * (size_t)kc_max * ((nc_max + NR - 1) / NR * NR);
    size_t work_bytes = need_work ? sizeof(float) * (size_t)m * (size_t)n : 0;
    uint16_t *b_packed = nd_scratch_alloc(b_bytes);
    uint32_t *a_packed = share_a ? nd_scratch_alloc(shared_a_bytes) : NULL;
    float *work = need_work ? nd_scratch_alloc(work_bytes) : NULL;
    if (!b_packed || (share_a && !a_packed) || (need_work && !work)) {
        nd_scratch_free(b_packed, b_bytes);
        nd_scratch_free(a_packed, shared_a_bytes);
        nd_scratch_free(work, work_bytes);
        return nd_set_error(ND_ERR_MEMORY, "Unable to allocate %zu bytes for a matrix product",
                            b_bytes + (share_a ? shared_a_bytes : 0) + work_bytes);
    }
    for (int64_t pc = 0; pc < k; pc += KC) {
        int64_t kc = k - pc < KC ? k - pc : KC;
        bool last = pc + kc >= k;
        const float *pass_bias = last ? bias : NULL;
        target out = c_bf16 ? (target){work, n, last ? c : NULL, ldc, pass_bias}
                            : (target){c, ldc, NULL, 0, pass_bias};
        block_task task = {a + pc * a_cs, a_rs, a_cs, a_packed, b_packed, out, m, 0, kc, pc > 0};
        if (share_a)
            nd_parallel_for(panels, ((int64_t)1 << 16) / (MR * kc) + 1, pack_a_panels, &task);
        for (int64_t jc = 0; jc < n; jc += NC) {
            int64_t nc = n - jc < NC ? n - jc : NC;
            pack_task pack = {b + pc * b_rs + jc * b_cs, b_rs, b_cs, kc, nc, b_packed};
            nd_parallel_for((nc + NR - 1) / NR, ((int64_t)1 << 16) / (kc * NR) + 1, pack_b, &pack);
            task.c = out;
            if (task.c.c)
                task.c.c += jc;
            if (task.c.out16)
                task.c.out16 += jc;
            if (task.c.bias)
                task.c.bias += jc;
            task.nc = nc;
            /* Worth a thread from ~2^21 multiply-adds (about 10 us). */
            int64_t per_panel = MR * nc * kc;
            nd_parallel_for(panels, ((int64_t)1 << 21) / per_panel + 1, run_row_panels, &task);
        }
    }
    nd_scratch_free(work, work_bytes);
    nd_scratch_free(a_packed, shared_a_bytes);
    nd_scratch_free(b_packed, b_bytes);
    return 0;
}

#else

static bool cpu_has_avx512_bf16(void) { return false; }

int nd_sbgemm_avx512(int64_t m, int64_t n, int64_t k, const uint16_t *a, int64_t a_rs, int64_t a_cs,
                     const uint16_t *b, int64_t b_rs, int64_t b_cs, const float *bias, void *c,
                     int64_t ldc, bool c_bf16)
{
    (void)m, (void)n, (void)k, (void)a, (void)a_rs, (void)a_cs, (void)b, (void)b_rs, (void)b_cs,
        (void)bias, (void)c, (void)ldc, (void)c_bf16;
    return nd_set_error(ND_ERR_VALUE, "sbgemm_avx512: not built for this CPU");
}

#endif
