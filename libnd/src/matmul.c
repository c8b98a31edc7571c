/* Matrix products: matmul, dot, vdot, inner, outer, tensordot. The BLAS
 * dispatch point of libnd.
 *
 * Every product is lowered to one shape of problem, a *batch of matrix
 * products* C[i] = A[i] @ B[i] where i runs over any number of batch axes
 * and A[i], B[i], C[i] are strided matrix views (a broadcast operand has
 * batch stride 0). run_batch() simplifies the batch (merges axes, folds a
 * batch into the rows or columns of one big product when the memory allows
 * it) and calls gemm_dispatch() once per remaining matrix. gemm_dispatch()
 * is the one place that chooses a kernel for a dtype:
 *
 *   float32            libnd's AVX-512 kernel (sgemm_avx512.c) where the CPU
 *                      has AVX-512F, else OpenBLAS; when C is a vector,
 *                      sgemv_pool here (contiguous vectors) or cblas_sgemv
 *   float64            OpenBLAS: cblas_dgemm, cblas_dgemv when C is a vector
 *   bfloat16           libnd's AVX512_BF16 kernel (sbgemm_avx512.c): bf16
 *                      operands, float32 sums, C float32 (nd_matmul_dtype)
 *                      or rounded once to bf16; without AVX512_BF16 (or
 *                      with ND_BF16_GEMM=fallback) widen as float16 does
 *   float16            widen to float32, sgemm, round once (as NumPy does)
 *   ints, bool         typed loops here: wrap-around ints, or-of-ands bool
 *
 * BLAS is handed the caller's memory whenever its strides allow: a matrix
 * with unit column stride is NoTrans with lda = its row stride, one with
 * unit row stride is the transpose of such a matrix (CblasTrans, lda = its
 * column stride). Only a matrix with no unit stride, a negative one, or
 * overlapping rows is copied. The output can always be made row-major by
 * computing C^T = B^T A^T instead. */
#include "nd_internal.h"

#include <cblas.h>
#include <limits.h>
#include <stdlib.h>

/* ---- strided matrices ---------------------------------------------------- */

/* A rows x cols matrix view: element (i, j) lives at data + i*rs + j*cs
 * (strides in bytes, any sign). The stride of a length-1 axis never
 * matters. */
typedef struct matrix {
    char *data;
    int64_t rows, cols, rs, cs;
} matrix;

static matrix transposed(matrix x) { return (matrix){x.data, x.cols, x.rows, x.cs, x.rs}; }

/* Scratch memory reused across the matrices of one batch, one slot per
 * purpose so that nested uses never collide. */
enum { SLOT_A, SLOT_B, SLOT_C, SLOT_WIDE_A, SLOT_WIDE_B, SLOT_WIDE_C, SLOT_ROW, NUM_SLOTS };
typedef struct scratch {
    void *memory[NUM_SLOTS];
    size_t bytes[NUM_SLOTS];
} scratch;

static void *scratch_get(scratch *s, int slot, int64_t count, size_t itemsize)
{
    size_t bytes = (size_t)count * itemsize;
    if (bytes == 0)
        bytes = itemsize;
    if (s->bytes[slot] < bytes) {
        free(s->memory[slot]);
        s->memory[slot] =
            aligned_alloc(ND_ALIGNMENT, (bytes + ND_ALIGNMENT - 1) / ND_ALIGNMENT * ND_ALIGNMENT);
        s->bytes[slot] = s->memory[slot] ? bytes : 0;
        if (!s->memory[slot])
            nd_set_error(ND_ERR_MEMORY, "matmul: out of memory for a %lld-byte work buffer",
                         (long long)bytes);
    }
    return s->memory[slot];
}

static void scratch_release(scratch *s)
{
    for (int i = 0; i < NUM_SLOTS; i++)
        free(s->memory[i]);
}

/* Converts src (dtype `from`) into dst (dtype `to`) of the same shape, row
 * by row through the cast loops; from == to is a strided copy. */
static void convert_matrix(nd_dtype from, matrix src, nd_dtype to, matrix dst)
{
    nd_cast_loop loop = nd_get_cast_loop(from, to);
    for (int64_t i = 0; i < src.rows; i++)
        loop(src.data + i * src.rs, src.cs, dst.data + i * dst.rs, dst.cs, src.cols);
}

/* A C-contiguous matrix of the given shape in scratch slot `slot`. */
static int scratch_matrix(scratch *s, int slot, nd_dtype dt, int64_t rows, int64_t cols, matrix *out)
{
    size_t item = nd_dtype_itemsize(dt);
    char *memory = scratch_get(s, slot, rows * cols, item);
    if (!memory)
        return ND_ERR_MEMORY;
    *out = (matrix){memory, rows, cols, cols * (int64_t)item, (int64_t)item};
    return 0;
}

/* A C-contiguous copy of x (converted to dtype `to`) in scratch. */
static int packed(scratch *s, int slot, nd_dtype from, matrix x, nd_dtype to, matrix *out)
{
    if (scratch_matrix(s, slot, to, x.rows, x.cols, out) < 0)
        return ND_ERR_MEMORY;
    convert_matrix(from, x, to, *out);
    return 0;
}

static void zero_matrix(nd_dtype dt, matrix c)
{
    static const char zeros[8];
    matrix zero = {(char *)zeros, c.rows, c.cols, 0, 0};
    convert_matrix(dt, zero, dt, c);
}

/* ---- integer and bool products -------------------------------------------- */

/* C = A @ B for the integer and float dtypes, ring_product_<dtype>: plain
 * functions written once in matmul_ring_product.inc (which explains the
 * loop) and included here once per dtype with
 *   T            the C type
 *   ACC          the accumulator's type: unsigned, at least 32 bits, for
 *                integers (wrapping sums give NumPy's wrapped result); T
 *                for floats
 *   SKIP_ZEROS   1 for integers; 0 for floats, so that 0 * inf stays NaN
 *   FN(name)     name_<dtype> */

#define T int8_t
#define ACC uint32_t
#define SKIP_ZEROS 1
#define FN(name) name##_int8
#include "matmul_ring_product.inc"

#define T int16_t
#define ACC uint32_t
#define SKIP_ZEROS 1
#define FN(name) name##_int16
#include "matmul_ring_product.inc"

#define T int32_t
#define ACC uint32_t
#define SKIP_ZEROS 1
#define FN(name) name##_int32
#include "matmul_ring_product.inc"

#define T int64_t
#define ACC uint64_t
#define SKIP_ZEROS 1
#define FN(name) name##_int64
#include "matmul_ring_product.inc"

#define T uint8_t
#define ACC uint32_t
#define SKIP_ZEROS 1
#define FN(name) name##_uint8
#include "matmul_ring_product.inc"

#define T uint16_t
#define ACC uint32_t
#define SKIP_ZEROS 1
#define FN(name) name##_uint16
#include "matmul_ring_product.inc"

#define T uint32_t
#define ACC uint32_t
#define SKIP_ZEROS 1
#define FN(name) name##_uint32
#include "matmul_ring_product.inc"

#define T uint64_t
#define ACC uint64_t
#define SKIP_ZEROS 1
#define FN(name) name##_uint64
#include "matmul_ring_product.inc"

#define T float
#define ACC float
#define SKIP_ZEROS 0
#define FN(name) name##_float32
#include "matmul_ring_product.inc"

#define T double
#define ACC double
#define SKIP_ZEROS 0
#define FN(name) name##_float64
#include "matmul_ring_product.inc"

/* bool: C[i,j] = OR_p (A[i,p] AND B[p,j]), as NumPy's bool matmul. */
static void ring_product_bool(matrix a, matrix b, matrix c, void *acc_buffer)
{
    uint8_t *acc = acc_buffer;
    for (int64_t i = 0; i < c.rows; i++) {
        memset(acc, 0, (size_t)c.cols);
        for (int64_t p = 0; p < a.cols; p++) {
            if (!*(const uint8_t *)(a.data + i * a.rs + p * a.cs))
                continue;
            const uint8_t *row = (const uint8_t *)(b.data + p * b.rs);
            for (int64_t j = 0; j < c.cols; j++)
                acc[j] |= row[j] != 0;
        }
        for (int64_t j = 0; j < c.cols; j++)
            *(uint8_t *)(c.data + j * c.cs + i * c.rs) = acc[j];
    }
}

typedef void (*ring_product_fn)(matrix a, matrix b, matrix c, void *acc_buffer);
static ring_product_fn ring_product_for(nd_dtype dt)
{
    switch (dt) {
    // clang-format off
    case ND_BOOL: return ring_product_bool;
    case ND_INT8: return ring_product_int8;
    case ND_INT16: return ring_product_int16;
    case ND_INT32: return ring_product_int32;
    case ND_INT64: return ring_product_int64;
    case ND_UINT8: return ring_product_uint8;
    case ND_UINT16: return ring_product_uint16;
    case ND_UINT32: return ring_product_uint32;
    case ND_UINT64: return ring_product_uint64;
    case ND_FLOAT32: return ring_product_float32;
    case ND_FLOAT64: return ring_product_float64;
    default: return NULL;
        // clang-format on
    }
}

/* Runs the typed loop, packing B first if its columns are not contiguous
 * (cost k*n, against m*k*n for the product). */
static int ring_gemm(nd_dtype dt, matrix a, matrix b, matrix c, scratch *s)
{
    size_t item = nd_dtype_itemsize(dt);
    if (b.cs != (int64_t)item && b.cols > 1 && packed(s, SLOT_B, dt, b, dt, &b) < 0)
        return ND_ERR_MEMORY;
    void *acc = scratch_get(s, SLOT_ROW, c.cols, 8);
    if (!acc)
        return ND_ERR_MEMORY;
    ring_product_for(dt)(a, b, c, acc);
    return 0;
}

/* ---- BLAS ------------------------------------------------------------------ */

/* How BLAS (row-major) can read x in place: NoTrans with leading dimension
 * *ld when its columns are unit-strided and rows at least `cols` elements
 * apart; Trans when the same holds for its transpose. False if neither. */
static bool blas_layout(matrix x, size_t item, CBLAS_TRANSPOSE *trans, int64_t *ld)
{
    int64_t it = (int64_t)item;
    if ((x.cols <= 1 || x.cs == it) && (x.rows <= 1 || x.rs >= it * x.cols)) {
        *trans = CblasNoTrans;
        *ld = x.rows <= 1 ? x.cols : x.rs / it;
    } else if ((x.rows <= 1 || x.rs == it) && (x.cols <= 1 || x.cs >= it * x.rows)) {
        *trans = CblasTrans;
        *ld = x.cols <= 1 ? x.rows : x.cs / it;
    } else {
        return false;
    }
    if (*ld < 1)
        *ld = 1;
    return *ld <= INT_MAX;
}

/* The element step of a vector of n elements spaced `stride` bytes, or 0
 * if BLAS cannot take it (BLAS vectors need a positive increment here). */
static int64_t blas_increment(int64_t n, int64_t stride, size_t item)
{
    if (n <= 1)
        return 1;
    int64_t inc = stride / (int64_t)item;
    return inc > 0 && inc <= INT_MAX ? inc : 0;
}

/* Like blas_layout, but packs x into scratch when BLAS cannot read it. */
static int blas_operand(nd_dtype dt, matrix *x, int slot, scratch *s, CBLAS_TRANSPOSE *trans,
                        int64_t *ld)
{
    size_t item = nd_dtype_itemsize(dt);
    if (blas_layout(*x, item, trans, ld))
        return 0;
    if (packed(s, slot, dt, *x, dt, x) < 0)
        return ND_ERR_MEMORY;
    return blas_layout(*x, item, trans, ld) ? 0 : ND_ERR_MEMORY;
}

/* float32 y = A x on libnd's pool instead of OpenBLAS's sgemv: OpenBLAS
 * wakes its own threads for a product of ~10^4 multiply-adds, and a
 * sampled token makes a few dozen such products (KV-cache steps: one row
 * times each weight), so with two threads sampling ran 1.5x slower than
 * with one. Here a piece is at least 2^16 multiply-adds, and each y[i] is
 * summed in one fixed order whatever the split, so y does not depend on
 * the thread count. A is row-major (row stride lda); x and y contiguous. */
typedef struct gemv_task {
    const float *a, *x;
    float *y;
    int64_t rows, cols, lda;
} gemv_task;

#define GEMV_LANES 16 /* one AVX-512 register of running sums */
#define GEMV_COLUMN_BLOCK 256 /* A^T x: columns summed at once, 1 KB of each row */

/* y[i] = A[i, :] . x for rows [begin, end): GEMV_LANES running sums, then
 * the tail, then the lanes in order. */
ND_VECTORIZE static void gemv_rows(void *ctx, int64_t begin, int64_t end)
{
    const gemv_task *t = ctx;
    for (int64_t i = begin; i < end; i++) {
        const float *row = t->a + i * t->lda;
        float lanes[GEMV_LANES] = {0};
        int64_t j = 0;
        for (; j + GEMV_LANES <= t->cols; j += GEMV_LANES)
            for (int l = 0; l < GEMV_LANES; l++)
                lanes[l] += row[j + l] * t->x[j + l];
        float total = 0;
        for (; j < t->cols; j++)
            total += row[j] * t->x[j];
        for (int l = 0; l < GEMV_LANES; l++)
            total += lanes[l];
        t->y[i] = total;
    }
}

/* y[j] = sum over i of x[i] A[i, j] (A^T x) for columns [begin, end): the
 * rows added in order, vectorized along j. */
ND_VECTORIZE static void gemv_columns(void *ctx, int64_t begin, int64_t end)
{
    const gemv_task *t = ctx;
    float sums[GEMV_COLUMN_BLOCK];
    for (int64_t j0 = begin; j0 < end; j0 += GEMV_COLUMN_BLOCK) {
        int64_t width = end - j0 < GEMV_COLUMN_BLOCK ? end - j0 : GEMV_COLUMN_BLOCK;
        for (int64_t l = 0; l < width; l++)
            sums[l] = 0;
        for (int64_t i = 0; i < t->rows; i++) {
            const float *row = t->a + i * t->lda + j0;
            float xi = t->x[i];
            for (int64_t l = 0; l < width; l++)
                sums[l] += xi * row[l];
        }
        memcpy(t->y + j0, sums, (size_t)width * sizeof(float));
    }
}

static void sgemv_pool(CBLAS_TRANSPOSE ta, int64_t rows, int64_t cols, const float *a, int64_t lda,
                       const float *x, float *y)
{
    gemv_task task = {a, x, y, rows, cols, lda};
    const int64_t piece = (int64_t)1 << 16;
    if (ta == CblasNoTrans)
        nd_parallel_for(rows, piece / (cols > 0 ? cols : 1) + 1, gemv_rows, &task);
    else
        nd_parallel_for(cols, piece / (rows > 0 ? rows : 1) + 1, gemv_columns, &task);
}

/* y = A x for a column vector C (n == 1): x is B's only column, y C's. */
static int blas_gemv(nd_dtype dt, matrix a, matrix b, matrix c, scratch *s)
{
    size_t item = nd_dtype_itemsize(dt);
    CBLAS_TRANSPOSE ta;
    int64_t lda;
    if (blas_operand(dt, &a, SLOT_A, s, &ta, &lda) < 0)
        return ND_ERR_MEMORY;
    int64_t incx = blas_increment(b.rows, b.rs, item);
    if (!incx) {
        if (packed(s, SLOT_B, dt, b, dt, &b) < 0)
            return ND_ERR_MEMORY;
        incx = 1;
    }
    matrix y = c;
    int64_t incy = blas_increment(c.rows, c.rs, item);
    if (!incy) {
        if (scratch_matrix(s, SLOT_C, dt, c.rows, 1, &y) < 0)
            return ND_ERR_MEMORY;
        incy = 1;
    }
    /* Row-major gemv sees A as stored: m x k (NoTrans) or k x m (Trans). */
    int rows = (int)(ta == CblasNoTrans ? a.rows : a.cols);
    int cols = (int)(ta == CblasNoTrans ? a.cols : a.rows);
    if (dt == ND_FLOAT32 && incx == 1 && incy == 1)
        sgemv_pool(ta, rows, cols, (const float *)a.data, lda, (const float *)b.data,
                   (float *)y.data);
    else if (dt == ND_FLOAT32)
        cblas_sgemv(CblasRowMajor, ta, rows, cols, 1.0f, (const float *)a.data, (int)lda,
                    (const float *)b.data, (int)incx, 0.0f, (float *)y.data, (int)incy);
    else
        cblas_dgemv(CblasRowMajor, ta, rows, cols, 1.0, (const double *)a.data, (int)lda,
                    (const double *)b.data, (int)incx, 0.0, (double *)y.data, (int)incy);
    if (y.data != c.data)
        convert_matrix(dt, y, dt, c);
    return 0;
}

/* C = A @ B for float32/float64 through OpenBLAS. */
static int blas_gemm(nd_dtype dt, matrix a, matrix b, matrix c, scratch *s)
{
    size_t item = nd_dtype_itemsize(dt);
    if (a.cols == 0) { /* k == 0: an empty sum; BLAS wants ld >= 1 anyway */
        zero_matrix(dt, c);
        return 0;
    }
    /* A row vector C is the transpose of a column vector: C^T = B^T A^T. */
    if (c.rows == 1 && c.cols > 1) {
        matrix at = transposed(a);
        a = transposed(b), b = at, c = transposed(c);
    }
    if (c.cols == 1)
        return blas_gemv(dt, a, b, c, s);

    /* Make C row-major: transpose the problem if C is column-major, else
     * compute into a temporary. */
    CBLAS_TRANSPOSE tc, ta, tb;
    int64_t ldc, lda, ldb;
    if (blas_layout(c, item, &tc, &ldc) && tc == CblasTrans) {
        matrix at = transposed(a);
        a = transposed(b), b = at, c = transposed(c);
        blas_layout(c, item, &tc, &ldc);
    }
    matrix target = c;
    if (!blas_layout(c, item, &tc, &ldc) || tc != CblasNoTrans) {
        if (scratch_matrix(s, SLOT_C, dt, c.rows, c.cols, &target) < 0)
            return ND_ERR_MEMORY;
        ldc = target.cols;
    }
    if (blas_operand(dt, &a, SLOT_A, s, &ta, &lda) < 0 ||
        blas_operand(dt, &b, SLOT_B, s, &tb, &ldb) < 0)
        return ND_ERR_MEMORY;
    int m = (int)c.rows, n = (int)c.cols, k = (int)a.cols;
    if (dt == ND_FLOAT32 && nd_sgemm_avx512_supported()) {
        /* (ta, lda) back to element strides: a NoTrans operand is
         * row-major with row stride lda, a Trans one column-major. */
        int status = nd_sgemm_avx512(m, n, k, (const float *)a.data, ta == CblasNoTrans ? lda : 1,
                                     ta == CblasNoTrans ? 1 : lda, (const float *)b.data,
                                     tb == CblasNoTrans ? ldb : 1, tb == CblasNoTrans ? 1 : ldb,
                                     (float *)target.data, ldc);
        if (status < 0)
            return status;
    } else if (dt == ND_FLOAT32)
        cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, (const float *)a.data, (int)lda,
                    (const float *)b.data, (int)ldb, 0.0f, (float *)target.data, (int)ldc);
    else
        cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, (const double *)a.data, (int)lda,
                    (const double *)b.data, (int)ldb, 0.0, (double *)target.data, (int)ldc);
    if (target.data != c.data)
        convert_matrix(dt, target, dt, c);
    return 0;
}

/* ---- the dispatch point ----------------------------------------------------- */

static bool fits_blas_int(matrix a, matrix b)
{
    return a.rows <= INT_MAX && a.cols <= INT_MAX && b.cols <= INT_MAX;
}

static int gemm_dispatch(nd_dtype operands, nd_dtype dt, matrix a, matrix b, matrix c, scratch *s);

/* C (dtype dt) = A @ B for float16/bfloat16 A and B (dtype `from`) through
 * float32: widen both, multiply there, round once. NumPy's float16 matmul
 * accumulates in float32 the same way. */
/* x widened to float32 in scratch, keeping its orientation: a matrix
 * whose columns are contiguous (W^T) is copied column by column, as a
 * column-major copy, rather than gathered across rows. */
static int widened(scratch *s, int slot, nd_dtype from, matrix x, matrix *out)
{
    int64_t item = (int64_t)nd_dtype_itemsize(from);
    bool columns = x.rows > 1 && x.cols > 1 && x.rs == item && x.cs != item;
    if (packed(s, slot, from, columns ? transposed(x) : x, ND_FLOAT32, out) < 0)
        return ND_ERR_MEMORY;
    if (columns)
        *out = transposed(*out);
    return 0;
}

static int widened_gemm(nd_dtype from, nd_dtype dt, matrix a, matrix b, matrix c, scratch *s)
{
    matrix wa, wb, wc = c;
    if (widened(s, SLOT_WIDE_A, from, a, &wa) < 0 || widened(s, SLOT_WIDE_B, from, b, &wb) < 0 ||
        (dt != ND_FLOAT32 && scratch_matrix(s, SLOT_WIDE_C, ND_FLOAT32, c.rows, c.cols, &wc) < 0))
        return ND_ERR_MEMORY;
    int status = gemm_dispatch(ND_FLOAT32, ND_FLOAT32, wa, wb, wc, s);
    if (status == 0 && wc.data != c.data)
        convert_matrix(ND_FLOAT32, wc, dt, c);
    return status;
}

/* x with the strides of its length-1 axes set to 0 (they never matter),
 * packed into scratch if a stride is not a whole number of elements. */
static int element_strided(matrix *x, int slot, nd_dtype dt, scratch *s)
{
    int64_t item = (int64_t)nd_dtype_itemsize(dt);
    if (x->rows <= 1)
        x->rs = 0;
    if (x->cols <= 1)
        x->cs = 0;
    if (x->rs % item == 0 && x->cs % item == 0)
        return 0;
    return packed(s, slot, dt, *x, dt, x);
}

/* C (float32 or bfloat16) = A @ B for bfloat16 A and B with float32 sums:
 * the AVX512_BF16 kernel, which reads A and B through any element strides
 * and writes a C with unit column stride (C^T = B^T A^T when C is
 * column-major, else a temporary). */
static int bf16_gemm(nd_dtype dt, matrix a, matrix b, matrix c, const float *bias, scratch *s)
{
    if (!nd_sbgemm_avx512_supported() || a.cols == 0) {
        /* With a bias: the float32 sums, plus the bias, then a bf16 C's
         * one rounding (a float32 C holds the sums itself). */
        matrix sums = c;
        nd_dtype sums_dt = bias ? ND_FLOAT32 : dt;
        if (sums_dt != dt && scratch_matrix(s, SLOT_WIDE_C, ND_FLOAT32, c.rows, c.cols, &sums) < 0)
            return ND_ERR_MEMORY;
        int status = a.cols == 0 ? (zero_matrix(sums_dt, sums), 0) /* k == 0: an empty sum */
                                 : widened_gemm(ND_BFLOAT16, sums_dt, a, b, sums, s);
        if (status == 0 && bias) {
            for (int64_t i = 0; i < sums.rows; i++)
                for (int64_t j = 0; j < sums.cols; j++)
                    *(float *)(sums.data + i * sums.rs + j * sums.cs) += bias[j];
            if (sums.data != c.data)
                convert_matrix(ND_FLOAT32, sums, dt, c);
        }
        return status;
    }
    size_t item = nd_dtype_itemsize(dt);
    CBLAS_TRANSPOSE tc;
    int64_t ldc;
    /* C column-major: C^T = B^T A^T, unless a bias runs along C's rows */
    if (!bias && blas_layout(c, item, &tc, &ldc) && tc == CblasTrans && c.cols > 1) {
        matrix at = transposed(a);
        a = transposed(b), b = at, c = transposed(c);
    }
    matrix target = c;
    if (!blas_layout(c, item, &tc, &ldc) || tc != CblasNoTrans) {
        if (scratch_matrix(s, SLOT_C, dt, c.rows, c.cols, &target) < 0)
            return ND_ERR_MEMORY;
        ldc = target.cols;
    }
    if (element_strided(&a, SLOT_A, ND_BFLOAT16, s) < 0 ||
        element_strided(&b, SLOT_B, ND_BFLOAT16, s) < 0)
        return ND_ERR_MEMORY;
    int status = nd_sbgemm_avx512(c.rows, c.cols, a.cols, (const uint16_t *)a.data, a.rs / 2,
                                  a.cs / 2, (const uint16_t *)b.data, b.rs / 2, b.cs / 2, bias,
                                  target.data, ldc, dt == ND_BFLOAT16);
    if (status == 0 && target.data != c.data)
        convert_matrix(dt, target, dt, c);
    return status;
}

/* C = A @ B for one matrix triple: A and B of dtype `operands`, C of dtype
 * dt, the same except for bfloat16 operands summed into float32 (A is m x
 * k, B k x n, C m x n; A and B must not overlap C). The only place a
 * kernel is chosen. */
static int gemm_dispatch(nd_dtype operands, nd_dtype dt, matrix a, matrix b, matrix c, scratch *s)
{
    if (c.rows == 0 || c.cols == 0)
        return 0;
    if (operands == ND_BFLOAT16)
        return bf16_gemm(dt, a, b, c, NULL, s);
    switch (dt) {
    case ND_FLOAT32:
    case ND_FLOAT64:
        if (fits_blas_int(a, b))
            return blas_gemm(dt, a, b, c, s);
        return ring_gemm(dt, a, b, c, s); /* beyond BLAS's int: plain loops */
    case ND_FLOAT16:
        return widened_gemm(ND_FLOAT16, dt, a, b, c, s);
    default:
        return ring_gemm(dt, a, b, c, s);
    }
}

/* ---- batches ------------------------------------------------------------------ */

/* C[i] = A[i] @ B[i] for every index i of the batch axes; a, b, c are the
 * matrices at i = 0 and a_step/b_step/c_step the byte strides of each
 * batch axis (0 where an operand is broadcast). dot() of an N-D and an M-D
 * array has up to (N-2) + (M-2) batch axes, hence the 2x. */
#define MAX_BATCH (2 * ND_MAXDIMS)
typedef struct batch {
    nd_dtype dtype; /* C's */
    nd_dtype operands; /* A's and B's: dtype, or bfloat16 summed into float32 */
    const float *bias; /* nd_matmul_bias's, added along each row of every C; or NULL */
    matrix a, b, c;
    int ndim;
    int64_t shape[MAX_BATCH], a_step[MAX_BATCH], b_step[MAX_BATCH], c_step[MAX_BATCH];
} batch;

static void batch_add_axis(batch *p, int64_t size, int64_t a_step, int64_t b_step, int64_t c_step)
{
    int d = p->ndim++;
    p->shape[d] = size;
    p->a_step[d] = a_step;
    p->b_step[d] = b_step;
    p->c_step[d] = c_step;
}

/* Drops size-1 batch axes and merges neighbours that step uniformly in all
 * three operands, as NumPy's iterator coalesces. */
static void coalesce(batch *p)
{
    int n = 0;
    for (int d = 0; d < p->ndim; d++) {
        if (p->shape[d] == 1)
            continue;
        if (n > 0 && p->a_step[n - 1] == p->shape[d] * p->a_step[d] &&
            p->b_step[n - 1] == p->shape[d] * p->b_step[d] &&
            p->c_step[n - 1] == p->shape[d] * p->c_step[d]) {
            p->shape[n - 1] *= p->shape[d];
            p->a_step[n - 1] = p->a_step[d];
            p->b_step[n - 1] = p->b_step[d];
            p->c_step[n - 1] = p->c_step[d];
            continue;
        }
        p->shape[n] = p->shape[d];
        p->a_step[n] = p->a_step[d];
        p->b_step[n] = p->b_step[d];
        p->c_step[n] = p->c_step[d];
        n++;
    }
    p->ndim = n;
}

/* True if stacking `count` copies of x's rows, `step` bytes apart, is the
 * same as one matrix of count*rows rows with x's row stride. */
static bool rows_stack(matrix *x, int64_t count, int64_t step)
{
    if (x->rows == 1)
        x->rs = step; /* a single row's stride is free: use the step */
    if (step != x->rows * x->rs)
        return false;
    x->rows *= count;
    return true;
}

/* One batch axis left where only A and C move (B broadcast): the batch
 * folds into the rows of one product, (count*m, k) @ (k, n), e.g. a
 * (B,T,C) @ (C,D) linear layer is one gemm. Symmetrically into the columns
 * when only B and C move. */
static void fold(batch *p)
{
    if (p->ndim != 1)
        return;
    int64_t count = p->shape[0];
    if (p->b_step[0] == 0) {
        matrix a = p->a, c = p->c;
        if (rows_stack(&a, count, p->a_step[0]) && rows_stack(&c, count, p->c_step[0])) {
            p->a = a, p->c = c, p->ndim = 0;
        }
    } else if (p->a_step[0] == 0) {
        matrix bt = transposed(p->b), ct = transposed(p->c);
        if (rows_stack(&bt, count, p->b_step[0]) && rows_stack(&ct, count, p->c_step[0])) {
            p->b = transposed(bt), p->c = transposed(ct), p->ndim = 0;
        }
    }
}

/* Item i of the batch (C order over the batch axes): its three matrices. */
static void batch_item(const batch *p, int64_t i, matrix *a, matrix *b, matrix *c)
{
    *a = p->a, *b = p->b, *c = p->c;
    for (int d = p->ndim - 1; d >= 0; d--) {
        int64_t at = i % p->shape[d];
        i /= p->shape[d];
        a->data += at * p->a_step[d];
        b->data += at * p->b_step[d];
        c->data += at * p->c_step[d];
    }
}

typedef struct batch_task {
    const batch *p;
    int status; /* the first error of any piece */
} batch_task;

static void run_batch_items(void *ctx, int64_t begin, int64_t end)
{
    batch_task *t = ctx;
    scratch s = {0};
    for (int64_t i = begin; i < end; i++) {
        matrix a, b, c;
        batch_item(t->p, i, &a, &b, &c);
        int status = t->p->bias ? bf16_gemm(t->p->dtype, a, b, c, t->p->bias, &s)
                                : gemm_dispatch(t->p->operands, t->p->dtype, a, b, c, &s);
        if (status < 0) {
            __atomic_store_n(&t->status, status, __ATOMIC_RELAXED);
            break;
        }
    }
    scratch_release(&s);
}

static int run_batch(batch *p)
{
    if (p->c.rows == 0 || p->c.cols == 0)
        return 0;
    for (int d = 0; d < p->ndim; d++)
        if (p->shape[d] == 0)
            return 0;
    coalesce(p);
    fold(p);
    int64_t count = 1;
    for (int d = 0; d < p->ndim; d++)
        count *= p->shape[d];
    batch_task task = {p, 0};
    /* A batch of small float32 or bf16 products (attention's per-head
     * matmuls) is split across the pool a whole product per piece: each is
     * too small to split itself. Only libnd's own kernels run inside the
     * pool; OpenBLAS never does (see threads.c). */
    bool own_kernel = p->operands == ND_BFLOAT16
                          ? nd_sbgemm_avx512_supported()
                          : p->dtype == ND_FLOAT32 && nd_sgemm_avx512_supported();
    int64_t per_product = p->c.rows * p->c.cols * p->a.cols;
    bool split = own_kernel && count > 1 && per_product < ((int64_t)1 << 24);
    if (split) {
        /* A piece is worth a thread from ~2^16 multiply-adds: a sampled
         * token's per-head products (one query row against the cache) are
         * a few thousand each, less than waking a worker costs. */
        int64_t per_piece = ((int64_t)1 << 16) / (per_product > 0 ? per_product : 1) + 1;
        nd_parallel_for(count, per_piece, run_batch_items, &task);
        if (task.status < 0) /* raised on a worker thread: say it here */
            nd_set_error(task.status, "Unable to allocate memory for a matrix product");
    } else {
        run_batch_items(&task, 0, count);
    }
    return task.status;
}

/* ---- evaluation: dtypes, outputs, overlap ------------------------------------ */

/* Fills the batch for out = a (op) b; a and b already have out's dtype. */
typedef void (*layout_fn)(const nd_array *a, const nd_array *b, const nd_array *out, batch *p);

/* Computes `out` = a (op) b in dtype dt, then casts into out if its dtype
 * differs. Inputs of another dtype are cast to dt first (an O(size) copy;
 * the product is O(m*n*k)), except two bfloat16 inputs of a float32
 * product: the bf16 kernel reads them as they are and sums in float32,
 * which is exactly the float32 product of the widened values up to the
 * order of the additions. out may overlap a or b. */
static int evaluate_in(const nd_array *a, const nd_array *b, nd_array *out, layout_fn layout,
                       nd_dtype dt)
{
    nd_dtype operands =
        dt == ND_FLOAT32 && a->dtype == ND_BFLOAT16 && b->dtype == ND_BFLOAT16 ? ND_BFLOAT16 : dt;
    nd_array *a_cast = NULL, *b_cast = NULL, *temp = NULL;
    int status = ND_ERR_MEMORY;
    if (a->dtype != operands && !(a = a_cast = nd_astype(a, operands)))
        goto done;
    if (b->dtype != operands && !(b = b_cast = nd_astype(b, operands)))
        goto done;
    nd_array *target = out;
    if (out->dtype != dt ||
        (nd_size(out) > 0 && (nd_may_share_memory(out, a) || nd_may_share_memory(out, b)))) {
        if (!(target = temp = nd_alloc_array(dt, out->ndim, out->shape)))
            goto done;
    }
    batch p = {.dtype = dt, .operands = operands};
    layout(a, b, target, &p);
    status = run_batch(&p);
    if (status == 0 && temp)
        nd_assign_same_shape(out, temp);
done:
    nd_free(a_cast);
    nd_free(b_cast);
    nd_free(temp);
    return status;
}

/* evaluate_in at result_type(a, b). */
static int evaluate(const nd_array *a, const nd_array *b, nd_array *out, layout_fn layout)
{
    return evaluate_in(a, b, out, layout, nd_result_type(a->dtype, b->dtype));
}

/* A new array of the given shape and dtype holding a (op) b. */
static nd_array *evaluate_new_in(const nd_array *a, const nd_array *b, int ndim,
                                 const int64_t *shape, layout_fn layout, nd_dtype dt)
{
    nd_array *out = nd_alloc_array(dt, ndim, shape);
    if (out && evaluate_in(a, b, out, layout, dt) < 0) {
        nd_free(out);
        return NULL;
    }
    return out;
}

/* evaluate_new_in at result_type(a, b). */
static nd_array *evaluate_new(const nd_array *a, const nd_array *b, int ndim, const int64_t *shape,
                              layout_fn layout)
{
    return evaluate_new_in(a, b, ndim, shape, layout, nd_result_type(a->dtype, b->dtype));
}

/* ---- matmul ----------------------------------------------------------------- */

#define MATMUL_SIGNATURE "(n?,k),(k,m?)->(n?,m?)"

/* The result shape of numpy.matmul(a, b), or an error in NumPy's words. */
static int matmul_shape(const nd_array *a, const nd_array *b, int *ndim, int64_t *shape)
{
    const nd_array *ops[2] = {a, b};
    for (int i = 0; i < 2; i++)
        if (ops[i]->ndim == 0)
            return nd_set_error(ND_ERR_VALUE,
                                "matmul: Input operand %d does not have enough "
                                "dimensions (has 0, gufunc core with signature " MATMUL_SIGNATURE
                                " requires 1)",
                                i);
    int64_t ka = a->shape[a->ndim - 1];
    int64_t kb = b->shape[b->ndim == 1 ? 0 : b->ndim - 2];
    if (ka != kb)
        return nd_set_error(ND_ERR_VALUE,
                            "matmul: Input operand 1 has a mismatch in its core "
                            "dimension 0, with gufunc signature " MATMUL_SIGNATURE
                            " (size %lld is different from %lld)",
                            (long long)kb, (long long)ka);
    /* Batch axes broadcast right-aligned, as any ufunc's loop axes. */
    int na = a->ndim >= 2 ? a->ndim - 2 : 0, nb = b->ndim >= 2 ? b->ndim - 2 : 0;
    int n = na > nb ? na : nb;
    for (int d = 0; d < n; d++) {
        int da = d - (n - na), db = d - (n - nb);
        int64_t sa = da >= 0 ? a->shape[da] : 1, sb = db >= 0 ? b->shape[db] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            /* NumPy's iterator names each operand's loop axes, its core
             * axes as newaxis, and the core output shape it asked for. */
            char orig_a[ND_SHAPE_STR_MAX], orig_b[ND_SHAPE_STR_MAX], map_a[ND_SHAPE_STR_MAX],
                map_b[ND_SHAPE_STR_MAX], req[ND_SHAPE_STR_MAX];
            int64_t remap[ND_MAXDIMS + 2];
            memcpy(remap, a->shape, (size_t)na * sizeof(int64_t));
            remap[na] = remap[na + 1] = -1;
            nd_format_shape_compact(map_a, na + 2, remap);
            memcpy(remap, b->shape, (size_t)nb * sizeof(int64_t));
            remap[nb] = remap[nb + 1] = -1;
            nd_format_shape_compact(map_b, nb + 2, remap);
            int64_t requested[2] = {a->shape[a->ndim - 2], b->shape[b->ndim - 1]};
            return nd_set_error(ND_ERR_VALUE,
                                "operands could not be broadcast together with "
                                "remapped shapes [original->remapped]: %s->%s %s->%s  and "
                                "requested shape %s",
                                nd_format_shape_compact(orig_a, a->ndim, a->shape), map_a,
                                nd_format_shape_compact(orig_b, b->ndim, b->shape), map_b,
                                nd_format_shape_compact(req, 2, requested));
        }
        shape[d] = sa == 1 ? sb : sa;
    }
    *ndim = n;
    if (a->ndim >= 2)
        shape[(*ndim)++] = a->shape[a->ndim - 2];
    if (b->ndim >= 2)
        shape[(*ndim)++] = b->shape[b->ndim - 1];
    return 0;
}

/* The stride of batch axis d (of `n` right-aligned batch axes) of an
 * operand with `nbatch` batch axes: 0 where it is broadcast. */
static int64_t batch_step(const nd_array *x, int nbatch, int n, int d, int64_t size)
{
    int dx = d - (n - nbatch);
    return dx >= 0 && x->shape[dx] == size ? x->strides[dx] : 0;
}

static void matmul_layout(const nd_array *a, const nd_array *b, const nd_array *out, batch *p)
{
    int na = a->ndim - 2 > 0 ? a->ndim - 2 : 0, nb = b->ndim - 2 > 0 ? b->ndim - 2 : 0;
    int n = na > nb ? na : nb;
    int64_t k = a->shape[a->ndim - 1];
    /* 1-D operands: a is one row (1, k), b one column (k, 1). */
    p->a = a->ndim == 1 ? (matrix){a->data, 1, k, 0, a->strides[0]}
                        : (matrix){a->data, a->shape[na], k, a->strides[na], a->strides[na + 1]};
    p->b = b->ndim == 1 ? (matrix){b->data, k, 1, b->strides[0], 0}
                        : (matrix){b->data, k, b->shape[nb + 1], b->strides[nb], b->strides[nb + 1]};
    int core = n;
    int64_t c_rs = a->ndim >= 2 ? out->strides[core++] : 0;
    int64_t c_cs = b->ndim >= 2 ? out->strides[core] : 0;
    p->c = (matrix){out->data, p->a.rows, p->b.cols, c_rs, c_cs};
    for (int d = 0; d < n; d++)
        batch_add_axis(p, out->shape[d], batch_step(a, na, n, d, out->shape[d]),
                       batch_step(b, nb, n, d, out->shape[d]), out->strides[d]);
}

nd_array *nd_matmul(const nd_array *a, const nd_array *b)
{
    ND_CHECK_NOT_NULL(NULL, a, b);
    int ndim;
    int64_t shape[ND_MAXDIMS];
    if (matmul_shape(a, b, &ndim, shape) < 0)
        return NULL;
    return evaluate_new(a, b, ndim, shape, matmul_layout);
}

nd_array *nd_matmul_dtype(const nd_array *a, const nd_array *b, nd_dtype dt)
{
    if (!nd_dtype_valid(dt)) {
        nd_set_error(ND_ERR_TYPE, "data type %d not understood", (int)dt);
        return NULL;
    }
    ND_CHECK_NOT_NULL(NULL, a, b);
    const nd_array *ops[2] = {a, b};
    for (int i = 0; i < 2; i++)
        if (!nd_can_cast(ops[i]->dtype, dt, ND_CAST_SAME_KIND)) {
            nd_set_error(ND_ERR_TYPE,
                         "Cannot cast ufunc 'matmul' input %d from dtype('%s') to "
                         "dtype('%s') with casting rule 'same_kind'",
                         i, nd_dtype_name(ops[i]->dtype), nd_dtype_name(dt));
            return NULL;
        }
    int ndim;
    int64_t shape[ND_MAXDIMS];
    if (matmul_shape(a, b, &ndim, shape) < 0)
        return NULL;
    return evaluate_new_in(a, b, ndim, shape, matmul_layout, dt);
}

nd_array *nd_matmul_bias(const nd_array *a, const nd_array *b, const nd_array *bias, nd_dtype dt)
{
    ND_CHECK_NOT_NULL(NULL, a, b, bias);
    const bool bf16_operands = a->dtype == ND_BFLOAT16 && b->dtype == ND_BFLOAT16;
    /* Two bf16 operands summed in float32 with a float32 (n,) bias, the
     * product at least a row: the kernel adds the bias as it stores, and
     * for a bf16 result rounds the sum of both once. */
    bool fused = (dt == ND_FLOAT32 || dt == ND_BFLOAT16) && bf16_operands && a->ndim >= 1 &&
                 b->ndim == 2 && bias->dtype == ND_FLOAT32 && bias->ndim == 1 &&
                 bias->shape[0] == b->shape[1] && nd_is_c_contiguous(bias) &&
                 nd_sbgemm_avx512_supported();
    int ndim;
    int64_t shape[ND_MAXDIMS];
    if (!fused && bf16_operands && dt == ND_BFLOAT16) { /* the same one rounding */
        nd_array *sums = nd_matmul_bias(a, b, bias, ND_FLOAT32);
        nd_array *y = sums ? nd_astype(sums, ND_BFLOAT16) : NULL;
        nd_free(sums);
        return y;
    }
    if (!fused) {
        nd_array *y = nd_matmul_dtype(a, b, dt);
        if (y && nd_add_out(y, bias, y) < 0) {
            nd_free(y);
            return NULL;
        }
        return y;
    }
    if (matmul_shape(a, b, &ndim, shape) < 0)
        return NULL;
    nd_array *out = nd_alloc_array(dt, ndim, shape);
    if (!out)
        return NULL;
    batch p = {.dtype = dt, .operands = ND_BFLOAT16, .bias = (const float *)nd_data(bias)};
    matmul_layout(a, b, out, &p);
    if (run_batch(&p) < 0) {
        nd_free(out);
        return NULL;
    }
    return out;
}

int nd_matmul_out(const nd_array *a, const nd_array *b, nd_array *out)
{
    ND_CHECK_NOT_NULL(ND_ERR_VALUE, a, b, out);
    int ndim;
    int64_t shape[ND_MAXDIMS];
    int status = matmul_shape(a, b, &ndim, shape);
    if (status < 0)
        return status;
    if (nd_check_writeable(out) < 0)
        return ND_ERR_VALUE;
    /* The core axes first, with the gufunc's message, then the rest. */
    int ncore = (a->ndim >= 2) + (b->ndim >= 2);
    if (out->ndim >= ncore) {
        for (int i = 0; i < ncore; i++) {
            int64_t have = out->shape[out->ndim - ncore + i], want = shape[ndim - ncore + i];
            if (have != want)
                return nd_set_error(ND_ERR_VALUE,
                                    "matmul: Output operand 0 has a mismatch in "
                                    "its core dimension %d, with gufunc signature " MATMUL_SIGNATURE
                                    " (size %lld is different from %lld)",
                                    i, (long long)have, (long long)want);
        }
    }
    if (out->ndim != ndim || memcmp(out->shape, shape, (size_t)ndim * sizeof(int64_t)) != 0) {
        char have[ND_SHAPE_STR_MAX], want[ND_SHAPE_STR_MAX];
        return nd_set_error(ND_ERR_VALUE,
                            "non-broadcastable output operand with shape %s "
                            "doesn't match the broadcast shape %s",
                            nd_format_shape_compact(have, out->ndim, out->shape),
                            nd_format_shape_compact(want, ndim, shape));
    }
    nd_dtype dt = nd_result_type(a->dtype, b->dtype);
    if (!nd_can_cast(dt, out->dtype, ND_CAST_SAME_KIND))
        return nd_set_error(ND_ERR_TYPE,
                            "Cannot cast ufunc 'matmul' output from dtype('%s') "
                            "to dtype('%s') with casting rule 'same_kind'",
                            nd_dtype_name(dt), nd_dtype_name(out->dtype));
    return evaluate(a, b, out, matmul_layout);
}

/* ---- dot, inner, vdot, outer ------------------------------------------------- */

/*
 * dot and inner share one layout. Both contract the last axis of a with
 * one axis of b (dot: b's second-to-last, inner: b's last) and lay the
 * result out as a.shape[:-1] + (b's other axes), so the product is
 *
 *   C[i..., j...] = A[i...] @ B[j...]   (a outer batch over both stacks)
 *
 * where A[i...] is a's last two axes (m, k) and B[j...] is b's (k, n) matrix;
 * a's batch axes have b-stride 0 and vice versa. A 1-D a is one row, a 1-D
 * b one column. A 0-d operand multiplies elementwise: 1x1 @ 1x1 products
 * over the other operand's axes (which fold into one product).
 */
typedef struct contraction {
    int b_k_axis; /* b's contracted axis (normalized), -1 if b is 1-D */
    int b_n_axis; /* b's other core axis, -1 if b is 1-D */
} contraction;

static contraction dot_axes(const nd_array *b, bool inner)
{
    if (b->ndim < 2)
        return (contraction){-1, -1};
    return inner ? (contraction){b->ndim - 1, b->ndim - 2} : (contraction){b->ndim - 2, b->ndim - 1};
}

/* b's batch axes: all but its two core axes, which are its last two. */
static int b_batch_ndim(const nd_array *b) { return b->ndim >= 2 ? b->ndim - 2 : 0; }

static void dot_like_layout(const nd_array *a, const nd_array *b, const nd_array *out, batch *p,
                            bool inner)
{
    if (a->ndim == 0 || b->ndim == 0) {
        const nd_array *x = a->ndim ? a : b; /* the operand that has axes */
        p->a = (matrix){a->data, 1, 1, 0, 0};
        p->b = (matrix){b->data, 1, 1, 0, 0};
        p->c = (matrix){out->data, 1, 1, 0, 0};
        for (int d = 0; d < x->ndim; d++)
            batch_add_axis(p, x->shape[d], a->ndim ? a->strides[d] : 0, b->ndim ? b->strides[d] : 0,
                           out->strides[d]);
        return;
    }
    contraction ax = dot_axes(b, inner);
    int na = a->ndim >= 2 ? a->ndim - 2 : 0;
    int64_t k = a->shape[a->ndim - 1];
    p->a = a->ndim == 1 ? (matrix){a->data, 1, k, 0, a->strides[0]}
                        : (matrix){a->data, a->shape[na], k, a->strides[na], a->strides[na + 1]};
    p->b = b->ndim == 1 ? (matrix){b->data, k, 1, b->strides[0], 0}
                        : (matrix){b->data, k, b->shape[ax.b_n_axis], b->strides[ax.b_k_axis],
                                   b->strides[ax.b_n_axis]};
    /* out's axes: a's batch, m (if a is 2-D+), b's batch, n (if b is 2-D+). */
    int o = 0;
    for (int d = 0; d < na; d++, o++)
        batch_add_axis(p, a->shape[d], a->strides[d], 0, out->strides[o]);
    int64_t c_rs = a->ndim >= 2 ? out->strides[o++] : 0;
    for (int d = 0; d < b_batch_ndim(b); d++, o++)
        batch_add_axis(p, b->shape[d], 0, b->strides[d], out->strides[o]);
    int64_t c_cs = b->ndim >= 2 ? out->strides[o] : 0;
    p->c = (matrix){out->data, p->a.rows, p->b.cols, c_rs, c_cs};
}

static void dot_layout(const nd_array *a, const nd_array *b, const nd_array *out, batch *p)
{
    dot_like_layout(a, b, out, p, false);
}

static void inner_layout(const nd_array *a, const nd_array *b, const nd_array *out, batch *p)
{
    dot_like_layout(a, b, out, p, true);
}

/* Checks k and computes the result shape of dot / inner. */
static nd_array *dot_like(const nd_array *a, const nd_array *b, bool inner)
{
    ND_CHECK_NOT_NULL_AS(inner ? "inner" : "dot", NULL, a, b);
    int64_t shape[2 * ND_MAXDIMS];
    int ndim = 0;
    if (a->ndim == 0 || b->ndim == 0) {
        const nd_array *x = a->ndim ? a : b;
        return evaluate_new(a, b, x->ndim, x->shape, inner ? inner_layout : dot_layout);
    }
    contraction ax = dot_axes(b, inner);
    int bk = b->ndim == 1 ? 0 : ax.b_k_axis;
    if (a->shape[a->ndim - 1] != b->shape[bk]) {
        /* NumPy's inner() names b with its last two axes swapped, as it
         * passes that view to dot(). */
        int64_t named_b[ND_MAXDIMS];
        memcpy(named_b, b->shape, (size_t)b->ndim * sizeof(int64_t));
        int named_k = b->ndim == 1 ? 0 : b->ndim - 2;
        named_b[named_k] = b->shape[bk];
        if (b->ndim >= 2)
            named_b[b->ndim - 1] = b->shape[ax.b_n_axis];
        char sa[ND_SHAPE_STR_MAX], sb[ND_SHAPE_STR_MAX];
        nd_set_error(ND_ERR_VALUE, "shapes %s and %s not aligned: %lld (dim %d) != %lld (dim %d)",
                     nd_format_shape_compact(sa, a->ndim, a->shape),
                     nd_format_shape_compact(sb, b->ndim, named_b), (long long)a->shape[a->ndim - 1],
                     a->ndim - 1, (long long)b->shape[bk], named_k);
        return NULL;
    }
    for (int d = 0; d < a->ndim - 1; d++)
        shape[ndim++] = a->shape[d];
    for (int d = 0; d < b_batch_ndim(b); d++)
        shape[ndim++] = b->shape[d];
    if (b->ndim >= 2)
        shape[ndim++] = b->shape[ax.b_n_axis];
    return evaluate_new(a, b, ndim, shape, inner ? inner_layout : dot_layout);
}

nd_array *nd_dot(const nd_array *a, const nd_array *b) { return dot_like(a, b, false); }

nd_array *nd_inner(const nd_array *a, const nd_array *b) { return dot_like(a, b, true); }

/* a and b flattened to 1-D: views where the strides allow, as reshape. */
static int flatten_pair(const nd_array *a, const nd_array *b, nd_array **fa, nd_array **fb)
{
    const int64_t minus_one = -1;
    *fa = nd_reshape(a, 1, &minus_one);
    *fb = *fa ? nd_reshape(b, 1, &minus_one) : NULL;
    if (!*fb) {
        nd_free(*fa);
        return ND_ERR_MEMORY;
    }
    return 0;
}

nd_array *nd_vdot(const nd_array *a, const nd_array *b)
{
    ND_CHECK_NOT_NULL(NULL, a, b);
    int64_t n = nd_size(a);
    if (nd_size(b) != n) {
        nd_set_error(ND_ERR_VALUE, "cannot reshape array of size %lld into shape (%lld,)",
                     (long long)nd_size(b), (long long)n);
        return NULL;
    }
    nd_array *fa, *fb;
    if (flatten_pair(a, b, &fa, &fb) < 0)
        return NULL;
    nd_array *result = nd_dot(fa, fb);
    nd_free(fa);
    nd_free(fb);
    return result;
}

/* outer: a column (m, 1) times a row (1, n), k = 1. */
static void outer_layout(const nd_array *a, const nd_array *b, const nd_array *out, batch *p)
{
    p->a = (matrix){a->data, a->shape[0], 1, a->strides[0], 0};
    p->b = (matrix){b->data, 1, b->shape[0], 0, b->strides[0]};
    p->c = (matrix){out->data, out->shape[0], out->shape[1], out->strides[0], out->strides[1]};
}

nd_array *nd_outer(const nd_array *a, const nd_array *b)
{
    ND_CHECK_NOT_NULL(NULL, a, b);
    nd_array *fa, *fb;
    if (flatten_pair(a, b, &fa, &fb) < 0)
        return NULL;
    const int64_t shape[2] = {fa->shape[0], fb->shape[0]};
    nd_array *result = evaluate_new(fa, fb, 2, shape, outer_layout);
    nd_free(fa);
    nd_free(fb);
    return result;
}

/* ---- tensordot --------------------------------------------------------------- */

/* Appends x's axes that are not summed to perm (at *np) and their sizes
 * to shape (at *ndim); returns the product of those sizes. */
static int64_t free_axes(const nd_array *x, const int *summed, int nsummed, int *perm, int *np,
                         int64_t *shape, int *ndim)
{
    int64_t product = 1;
    for (int d = 0; d < x->ndim; d++) {
        bool is_summed = false;
        for (int i = 0; i < nsummed; i++)
            is_summed |= summed[i] == d;
        if (!is_summed) {
            perm[(*np)++] = d;
            product *= x->shape[d];
            shape[(*ndim)++] = x->shape[d];
        }
    }
    return product;
}

/* numpy.tensordot's own steps: move a's summed axes last and b's first,
 * reshape both to matrices (a copy only where the strides need one), one
 * matrix product, and the free axes back as the result's shape. */
nd_array *nd_tensordot(const nd_array *a, const nd_array *b, int naxes, const int *axes_a,
                       const int *axes_b)
{
    ND_CHECK_NOT_NULL(NULL, a, b);
    ND_CHECK_LIST(NULL, naxes, axes_a);
    ND_CHECK_LIST(NULL, naxes, axes_b);
    if (naxes < 0 || naxes > ND_MAXDIMS || (naxes > 0 && (!axes_a || !axes_b))) {
        nd_set_error(ND_ERR_VALUE, "shape-mismatch for sum");
        return NULL;
    }
    int sum_a[ND_MAXDIMS], sum_b[ND_MAXDIMS];
    for (int i = 0; i < naxes; i++) {
        /* Python indexing of the shape tuples, a's before b's. */
        int x = axes_a[i], y = axes_b[i];
        if (x < -a->ndim || x >= a->ndim || y < -b->ndim || y >= b->ndim) {
            nd_set_error(ND_ERR_INDEX, "tuple index out of range");
            return NULL;
        }
        sum_a[i] = x < 0 ? x + a->ndim : x;
        sum_b[i] = y < 0 ? y + b->ndim : y;
        if (a->shape[sum_a[i]] != b->shape[sum_b[i]]) {
            nd_set_error(ND_ERR_VALUE, "shape-mismatch for sum");
            return NULL;
        }
    }
    /* a -> (free_a..., summed...), b -> (summed..., free_b...). */
    int perm_a[2 * ND_MAXDIMS], perm_b[2 * ND_MAXDIMS], na = 0, nb = 0;
    int64_t shape[2 * ND_MAXDIMS], summed = 1;
    int ndim = 0;
    int64_t free_a = free_axes(a, sum_a, naxes, perm_a, &na, shape, &ndim);
    for (int i = 0; i < naxes; i++) {
        perm_a[na++] = sum_a[i];
        perm_b[nb++] = sum_b[i];
        summed *= a->shape[sum_a[i]];
    }
    int64_t free_b = free_axes(b, sum_b, naxes, perm_b, &nb, shape, &ndim);
    /* An axis listed twice makes the permutation too long, as in NumPy. */
    if (na != a->ndim || nb != b->ndim) {
        nd_set_error(ND_ERR_VALUE, "axes don't match array");
        return NULL;
    }
    nd_array *ta = nd_transpose(a, perm_a), *tb = nd_transpose(b, perm_b);
    nd_array *ma = ta ? nd_reshape(ta, 2, (const int64_t[]){free_a, summed}) : NULL;
    nd_array *mb = tb ? nd_reshape(tb, 2, (const int64_t[]){summed, free_b}) : NULL;
    nd_array *result = NULL;
    if (ma && mb && (result = nd_alloc_array(nd_result_type(a->dtype, b->dtype), ndim, shape))) {
        nd_array *matrix_view = nd_reshape(result, 2, (const int64_t[]){free_a, free_b});
        if (!matrix_view || evaluate(ma, mb, matrix_view, dot_layout) < 0) {
            nd_free(result);
            result = NULL;
        }
        nd_free(matrix_view);
    }
    nd_free(ta);
    nd_free(tb);
    nd_free(ma);
    nd_free(mb);
    return result;
}
