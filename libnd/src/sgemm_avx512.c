/* float32 matrix product on AVX-512: C = A @ B, the way BLIS builds one.
 *
 * Why libnd has its own: an OpenBLAS that does not recognize the CPU falls
 * back to its AVX2 kernels, which use half the width of the CPU's 512-bit
 * FMAs. This kernel is chosen by matmul.c's gemm_dispatch for float32 when
 * the CPU has AVX-512F; every other CPU keeps OpenBLAS. (What it measures
 * against OpenBLAS: benchmarks/RESULTS.md.)
 *
 * The loops (Goto's algorithm, with BLIS's names; pc is outside jc so that
 * a packed A can serve every column block):
 *
 *   for pc: KC of the shared dimension
 *     pack all of A[:, pc:+KC] into MR-row micro-panels, when n spans
 *       several column blocks and it fits in 8 MB (else per panel, below)
 *     for jc: NC columns of B and C          B block (KC x NC, 737 KB) -> L2
 *       pack B[pc:+KC, jc:+NC] into NR-column micro-panels
 *       for ir: MR rows of A and C           (split across the thread pool)
 *         (pack A[ir:+MR, pc:+KC] into a micro-panel)     (18 KB) -> L1
 *         for jr: NR columns: the micro-kernel, C[ir:+MR, jr:+NR] += A_p B_p
 *
 * The micro-kernel keeps a 12 x 32 block of C in 24 zmm registers; each
 * step of k loads one row of the B micro-panel (2 vectors) and broadcasts
 * 12 values of the A micro-panel: 24 FMAs for 2 loads and 12 broadcasts.
 * Packing reads A and B through any element strides (transposed views,
 * negative or zero strides alike) and pads the edges with zeros, so the
 * kernel always runs full blocks; masked stores write only C's real part.
 * A B whose columns are contiguous (x @ W^T with W row-major, every Linear
 * layer's forward) is packed by 16 x 16 transposes in registers, as fast as
 * a row-major B (gathering it one float at a time was slower).
 *
 * Every element of C is one thread's sum over k in a fixed order (KC-long
 * runs added in turn), so the result does not depend on the thread count. */
#include "nd_internal.h"

#include <stdlib.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include "gemm_avx512.h"

// clang-format off
#define MR 12    /* rows of C per micro-kernel call: 12 broadcasts per k */
#define NR 32    /* columns: two 16-float vectors */
#define KC 384   /* depth of one pass: an A micro-panel is 12 x 384 x 4 = 18 KB */
#define NC 480   /* columns per B block: 384 x 480 x 4 = 737 KB */
// clang-format on

bool nd_sgemm_avx512_supported(void) { return __builtin_cpu_supports("avx512f"); }

/* C[0:rows, 0:cols] (+)= a_panel (kc x MR) times b_panel (kc x NR); C has
 * row stride ldc elements and unit column stride. */
AVX512 static void micro_kernel(int64_t kc, const float *restrict a, const float *restrict b,
                                float *c, int64_t ldc, int rows, int cols, bool accumulate)
{
    /* Every loop over i unrolled: left[i] and right[i] stay registers (a
     * variable i in the epilogue put them in a stack array; see
     * sbgemm_avx512.c's kernel_body). */
    __m512 left[MR], right[MR];
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++)
        left[i] = right[i] = _mm512_setzero_ps();
    for (int64_t k = 0; k < kc; k++, a += MR, b += NR) {
        __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
        _mm_prefetch((const char *)(b + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 12
        for (int i = 0; i < MR; i++) {
            __m512 ai = _mm512_set1_ps(a[i]);
            left[i] = _mm512_fmadd_ps(ai, b0, left[i]);
            right[i] = _mm512_fmadd_ps(ai, b1, right[i]);
        }
    }
    __mmask16 left_mask = cols >= 16 ? 0xFFFF : (__mmask16)((1u << cols) - 1);
    __mmask16 right_mask = cols >= 32   ? 0xFFFF
                           : cols <= 16 ? 0
                                        : (__mmask16)((1u << (cols - 16)) - 1);
#pragma GCC unroll 12
    for (int i = 0; i < MR; i++, c += ldc) {
        if (i >= rows)
            break;
        if (accumulate) {
            left[i] = _mm512_add_ps(left[i], _mm512_maskz_loadu_ps(left_mask, c));
            right[i] = _mm512_add_ps(right[i], _mm512_maskz_loadu_ps(right_mask, c + 16));
        }
        _mm512_mask_storeu_ps(c, left_mask, left[i]);
        _mm512_mask_storeu_ps(c + 16, right_mask, right[i]);
    }
}

/* B[0:kc, 0:nc] (strides rs, cs) -> micro-panels of NR columns, each kc x NR
 * row-major, the last one zero-padded. Micro-panels [begin, end) here: the
 * packing is split across the pool too (a 384 x 480 block is 0.7 MB). */
typedef struct pack_task {
    const float *b;
    int64_t rs, cs, kc, nc;
    float *out;
} pack_task;

AVX512 static void pack_b(void *ctx, int64_t begin, int64_t end)
{
    const pack_task *t = ctx;
    const float *b = t->b;
    int64_t rs = t->rs, cs = t->cs, kc = t->kc, nc = t->nc;
    for (int64_t j0 = begin * NR; j0 < end * NR; j0 += NR) {
        float *panel = t->out + j0 * kc;
        int64_t width = nc - j0 < NR ? nc - j0 : NR, k = 0;
        /* B read across its rows (x @ W^T, a transposed weight): each column
         * is contiguous along k, so 16 x 16 blocks are transposed in
         * registers rather than gathered one float at a time. */
        if (rs == 1 && width == NR)
            for (; k + 16 <= kc; k += 16)
                for (int half = 0; half < NR; half += 16)
                    transpose_16(b + k + (j0 + half) * cs, cs, 16, panel + k * NR + half, NR,
                                 0xFFFF);
        for (; k < kc; k++) {
            const float *row = b + k * rs + j0 * cs;
            float *out = panel + k * NR;
            int64_t j = 0;
            if (cs == 1)
                for (; j < width; j++)
                    out[j] = row[j];
            else
                for (; j < width; j++)
                    out[j] = row[j * cs];
            for (; j < NR; j++)
                out[j] = 0;
        }
    }
}

/* A[0:rows, 0:kc] (strides rs, cs) -> one micro-panel, kc x MR (column k of
 * the block is row k of the panel), rows past `rows` zero. */
AVX512 static void pack_a(const float *a, int64_t rs, int64_t cs, int64_t rows, int64_t kc,
                          float *out)
{
    int64_t k = 0;
    /* A row-major A (the usual case) is read along its rows: 16 x 12
     * register transposes, as for B. */
    if (cs == 1 && rows == MR)
        for (; k + 16 <= kc; k += 16)
            transpose_16(a + k, rs, MR, out + k * MR, MR, (1u << MR) - 1);
    /* A transposed view (dW = g^T @ x): the panel's 12 rows are contiguous
     * in each column. */
    if (rs == 1 && rows == MR)
        for (; k < kc; k++)
            _mm512_mask_storeu_ps(out + k * MR, (1u << MR) - 1,
                                  _mm512_maskz_loadu_ps((1u << MR) - 1, a + k * cs));
    for (; k < kc; k++) {
        float *row = out + k * MR;
        int64_t i = 0;
        for (; i < rows; i++)
            row[i] = a[i * rs + k * cs];
        for (; i < MR; i++)
            row[i] = 0;
    }
}

typedef struct block_task {
    // clang-format off
    const float *a;          /* A[0, pc] */
    int64_t a_rs, a_cs;
    const float *a_packed;   /* every row panel of A[:, pc:+kc], packed; or NULL: pack per panel */
    const float *b_packed;   /* the packed B block */
    float *c;                /* C[0, jc] */
    int64_t ldc, m, nc, kc;
    bool accumulate;         /* false on the first pass over k: C is written, not read */
    // clang-format on
} block_task;

/* Packs row panels [begin, end) of A[:, pc:+kc] into task->a_packed. */
static void pack_a_panels(void *ctx, int64_t begin, int64_t end)
{
    const block_task *t = ctx;
    for (int64_t panel = begin; panel < end; panel++) {
        int64_t i0 = panel * MR, rows = t->m - i0 < MR ? t->m - i0 : MR;
        pack_a(t->a + i0 * t->a_rs, t->a_rs, t->a_cs, rows, t->kc,
               (float *)t->a_packed + panel * MR * t->kc);
    }
}

/* Row panels [begin, end) of one (jc, pc) block. */
static void run_row_panels(void *ctx, int64_t begin, int64_t end)
{
    const block_task *t = ctx;
    _Alignas(64) float own_panel[MR * KC];
    for (int64_t panel = begin; panel < end; panel++) {
        int64_t i0 = panel * MR, rows = t->m - i0 < MR ? t->m - i0 : MR;
        const float *a_panel = own_panel;
        if (t->a_packed)
            a_panel = t->a_packed + panel * MR * t->kc;
        else
            pack_a(t->a + i0 * t->a_rs, t->a_rs, t->a_cs, rows, t->kc, own_panel);
        for (int64_t j0 = 0; j0 < t->nc; j0 += NR) {
            int cols = t->nc - j0 < NR ? (int)(t->nc - j0) : NR;
            micro_kernel(t->kc, a_panel, t->b_packed + j0 * t->kc, t->c + i0 * t->ldc + j0, t->ldc,
                         (int)rows, cols, t->accumulate);
        }
    }
}

/* Up to this many bytes, all of A[:, pc:+kc] is packed once per pc and
 * shared by every column block, instead of each panel being packed again
 * for each of them (an LM head, n = 50257, has 105 column blocks). */
#define MAX_SHARED_A_BYTES ((size_t)8 << 20)

int nd_sgemm_avx512(int64_t m, int64_t n, int64_t k, const float *a, int64_t a_rs, int64_t a_cs,
                    const float *b, int64_t b_rs, int64_t b_cs, float *c, int64_t ldc)
{
    int64_t panels = (m + MR - 1) / MR;
    size_t shared_a_bytes = sizeof(float) * (size_t)(panels * MR) * KC;
    bool share_a = n > NC && shared_a_bytes <= MAX_SHARED_A_BYTES;
    /* The B block is KC x NC at most, but no larger than B: a small
     * product (a tiny model's layers) packs into a few KB instead of
     * 737 KB. */
    int64_t kc_max = k < KC ? (k > 0 ? k : 1) : KC, nc_max = n < NC ? (n > 0 ? n : 1) : NC;
    size_t b_bytes = sizeof(float) * (size_t)kc_max * ((nc_max + NR - 1) / NR * NR);
    float *b_packed = nd_scratch_alloc(b_bytes);
    float *a_packed = share_a ? nd_scratch_alloc(shared_a_bytes) : NULL;
    if (!b_packed || (share_a && !a_packed)) {
        nd_scratch_free(b_packed, b_bytes);
        nd_scratch_free(a_packed, shared_a_bytes);
        return nd_set_error(ND_ERR_MEMORY, "Unable to allocate %zu bytes for a matrix product",
                            b_bytes + (share_a ? shared_a_bytes : 0));
    }
    /* pc outside jc: C[:, jc] still sums its KC-long runs in order, so the
     * result is the same as with BLIS's jc-outer order. */
    for (int64_t pc = 0; pc < k; pc += KC) {
        int64_t kc = k - pc < KC ? k - pc : KC;
        block_task task = {a + pc * a_cs, a_rs, a_cs, a_packed, b_packed, c, ldc, m, 0, kc, pc > 0};
        if (share_a)
            nd_parallel_for(panels, ((int64_t)1 << 16) / (MR * kc) + 1, pack_a_panels, &task);
        for (int64_t jc = 0; jc < n; jc += NC) {
            int64_t nc = n - jc < NC ? n - jc : NC;
            pack_task pack = {b + pc * b_rs + jc * b_cs, b_rs, b_cs, kc, nc, b_packed};
            nd_parallel_for((nc + NR - 1) / NR, ((int64_t)1 << 16) / (kc * NR) + 1, pack_b, &pack);
            task.c = c + jc;
            task.nc = nc;
            /* A thread's share is worth waking it for from ~2^20
             * multiply-adds (about 10 us) on. */
            int64_t per_panel = MR * nc * kc;
            nd_parallel_for(panels, ((int64_t)1 << 20) / per_panel + 1, run_row_panels, &task);
        }
    }
    nd_scratch_free(a_packed, shared_a_bytes);
    nd_scratch_free(b_packed, b_bytes);
    return 0;
}

#else

bool nd_sgemm_avx512_supported(void) { return false; }

int nd_sgemm_avx512(int64_t m, int64_t n, int64_t k, const float *a, int64_t a_rs, int64_t a_cs,
                    const float *b, int64_t b_rs, int64_t b_cs, float *c, int64_t ldc)
{
    (void)m, (void)n, (void)k, (void)a, (void)a_rs, (void)a_cs, (void)b, (void)b_rs, (void)b_cs,
        (void)c, (void)ldc;
    return nd_set_error(ND_ERR_VALUE, "sgemm_avx512: not built for this CPU");
}

#endif
