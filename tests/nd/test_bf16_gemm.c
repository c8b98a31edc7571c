/* bfloat16 matrix products: the AVX512_BF16 kernel (sbgemm_avx512.c) and
 * its widened float32 fallback, each checked against a float64 reference.
 *
 * The error bound. The operands are bf16 values, so each product a*b (8 x 8
 * significant bits) is exact in float32 and in float64; the float64
 * reference (OpenBLAS dgemm on the widened operands) is exact to ~1e-16
 * relative. The kernel adds the k exact products in float32 in some fixed
 * order (pairs inside vdpbf16ps, KC-long runs, a partial sum added to C):
 * at most k additions, each with relative error <= u = 2^-24, so by the
 * standard summation bound (Higham, Accuracy and Stability, 4.2)
 *
 *   |c32 - c| <= gamma_k * S,   gamma_k = k u / (1 - k u),  S = sum |a_ip b_pj|
 *
 * whatever the order. A bf16 result is c32 rounded once more, to nearest
 * with 8 significant bits, relative error <= 2^-8:
 *
 *   |c16 - c| <= 2^-8 |c| + (1 + 2^-8) gamma_k * S.
 *
 * The tests assert exactly these bounds (plus the reference's own 1e-15 S)
 * with values away from bf16's subnormals, which the native instruction
 * flushes. Both paths run on this machine: nd_sbgemm_force_fallback(true)
 * widens even where the CPU has AVX512_BF16. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

/* libnd internals (src/nd_internal.h), reached through the static library the
 * tests link: which path bf16 products take, and the switch to the other. */
bool nd_sbgemm_avx512_supported(void);
void nd_sbgemm_force_fallback(bool fallback);

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }

/* Uniform values in [-2, 2) rounded to bfloat16, with no value below 2^-10
 * in magnitude (bf16 subnormals and their products stay out of the way). */
static nd_array *bf16_values(uint64_t seed, int ndim, const int64_t *shape)
{
    nd_rng *rng = nd_rng_new(seed);
    nd_array *x = nd_rng_uniform(rng, -2, 2, ND_FLOAT32, ndim, shape);
    ck_assert_ptr_nonnull(x);
    float *v = nd_data(x);
    for (int64_t i = 0; i < nd_size(x); i++)
        if (fabsf(v[i]) < 0x1p-10f)
            v[i] = 0x1p-10f;
    nd_array *b = nd_astype(x, ND_BFLOAT16);
    ck_assert_ptr_nonnull(b);
    nd_free(x);
    nd_rng_free(rng);
    return b;
}

static nd_array *as_float64(const nd_array *x)
{
    nd_array *y = nd_astype(x, ND_FLOAT64), *c = y ? nd_copy(y) : NULL;
    ck_assert_ptr_nonnull(c);
    nd_free(y);
    return c;
}

/* Asserts that c (any float dtype, any layout) is a @ b within the bound
 * above, the bf16 one if the sums were rounded to bf16, for
 * numpy.matmul's shapes (batches, 1-D operands). */
static void assert_within_bound(const nd_array *a, const nd_array *b, const nd_array *c,
                                bool bf16_out)
{
    nd_array *a64 = as_float64(a), *b64 = as_float64(b);
    nd_array *aa = nd_abs(a64), *ab = nd_abs(b64);
    nd_array *ref = nd_matmul(a64, b64), *scale = nd_matmul(aa, ab), *got = as_float64(c);
    ck_assert_ptr_nonnull(ref);
    ck_assert_ptr_nonnull(scale);
    ck_assert_int_eq(nd_ndim(got), nd_ndim(ref));
    for (int d = 0; d < nd_ndim(ref); d++)
        ck_assert_int_eq(nd_shape(got)[d], nd_shape(ref)[d]);
    int64_t k = nd_shape(a)[nd_ndim(a) - 1];
    double u = 0x1p-24, gamma = k * u / (1 - k * u);
    const double *r = nd_data(ref), *s = nd_data(scale), *g = nd_data(got);
    int64_t bad = 0, first = -1;
    for (int64_t i = 0; i < nd_size(ref); i++) {
        double bound =
            (bf16_out ? 0x1p-8 * fabs(r[i]) + (1 + 0x1p-8) * gamma * s[i] : gamma * s[i]) +
            1e-15 * s[i];
        if (!(fabs(g[i] - r[i]) <= bound)) {
            if (first < 0)
                first = i;
            bad++;
        }
    }
    ck_assert_msg(bad == 0, "%lld of %lld elements outside the bound; first at %lld: %.9g vs %.9g",
                  (long long)bad, (long long)nd_size(ref), (long long)first,
                  first >= 0 ? g[first] : 0.0, first >= 0 ? r[first] : 0.0);
    nd_free(a64), nd_free(b64), nd_free(aa), nd_free(ab), nd_free(ref), nd_free(scale), nd_free(got);
}

/* Asserts x and y hold the same bits (same dtype and shape). */
static void assert_identical(const nd_array *x, const nd_array *y)
{
    ck_assert_int_eq(nd_dtype_of(x), nd_dtype_of(y));
    ck_assert_int_eq(nd_size(x), nd_size(y));
    nd_array *cx = nd_copy(x), *cy = nd_copy(y);
    ck_assert_int_eq(memcmp(nd_data(cx), nd_data(cy),
                            (size_t)nd_size(x) * nd_dtype_itemsize(nd_dtype_of(x))),
                     0);
    nd_free(cx), nd_free(cy);
}

/* Both products of a @ b, bf16 (nd_matmul) and float32 (nd_matmul_dtype),
 * checked against the reference; the bf16 one must be the float32 one
 * rounded (the same sums, rounded once more). */
static void check_product(const nd_array *a, const nd_array *b)
{
    nd_array *c16 = nd_matmul(a, b), *c32 = nd_matmul_dtype(a, b, ND_FLOAT32);
    ck_assert_msg(c16 && c32, "matmul failed: %s", nd_last_error());
    ck_assert_int_eq(nd_dtype_of(c16), ND_BFLOAT16);
    ck_assert_int_eq(nd_dtype_of(c32), ND_FLOAT32);
    assert_within_bound(a, b, c32, false);
    assert_within_bound(a, b, c16, true);
    nd_array *rounded = nd_astype(c32, ND_BFLOAT16);
    assert_identical(c16, rounded);
    nd_free(rounded), nd_free(c16), nd_free(c32);
}

/* Each test body runs on the native kernel (where the CPU has one) and on
 * the fallback. */
static void run_both_paths(void (*body)(void))
{
    nd_sbgemm_force_fallback(false);
    body();
    nd_sbgemm_force_fallback(true);
    ck_assert(!nd_sbgemm_avx512_supported());
    body();
    nd_sbgemm_force_fallback(false);
}

START_TEST(bf16_kernel_chosen_by_cpuid)
{
    nd_sbgemm_force_fallback(false);
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    ck_assert_int_eq(nd_sbgemm_avx512_supported(), __builtin_cpu_supports("avx512bf16") &&
                                                       __builtin_cpu_supports("avx512bw") &&
                                                       __builtin_cpu_supports("avx512vl"));
#else
    ck_assert(!nd_sbgemm_avx512_supported());
#endif
    nd_sbgemm_force_fallback(true);
    ck_assert(!nd_sbgemm_avx512_supported());
    nd_sbgemm_force_fallback(false);
}
END_TEST

/* Every combination of awkward sizes: 1, under a register block, around
 * MR = 12 and NR = 32, odd k (a zero-padded pair), k past KC = 768 (two
 * passes, float32 sums in between for a bf16 result), n past NC = 480
 * (several column blocks sharing one packed A). */
static void odd_shapes(void)
{
    static const int64_t ms[] = {1, 7, 12, 13, 33, 255};
    static const int64_t ks[] = {1, 2, 7, 33, 255, 769};
    static const int64_t ns[] = {1, 7, 32, 33, 255, 513};
    uint64_t seed = 1;
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++)
        for (size_t p = 0; p < sizeof ks / sizeof ks[0]; p++)
            for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
                if (ms[i] * ks[p] * ns[j] > 20000000)
                    continue;
                nd_array *a = bf16_values(seed++, 2, SHAPE(ms[i], ks[p]));
                nd_array *b = bf16_values(seed++, 2, SHAPE(ks[p], ns[j]));
                check_product(a, b);
                nd_free(a), nd_free(b);
            }
}
START_TEST(bf16_odd_shapes) { run_both_paths(odd_shapes); }
END_TEST

/* The layouts a model produces: x @ W^T (B a transposed view, Linear's
 * forward), g^T @ x (A transposed, the weight gradient), both transposed,
 * strided views (a[::2, ::3]) and reversed ones, which the packing reads
 * through their strides. */
static void layouts(void)
{
    nd_array *x = bf16_values(11, 2, SHAPE(70, 770)), *w = bf16_values(12, 2, SHAPE(97, 770));
    nd_array *g = bf16_values(13, 2, SHAPE(70, 97));
    nd_array *wt = nd_transpose(w, NULL), *gt = nd_transpose(g, NULL), *xt = nd_transpose(x, NULL);
    // clang-format off
    check_product(x, wt);          /* (70, 770) @ (770, 97): B columns contiguous */
    check_product(gt, x);          /* (97, 70) @ (70, 770): A rows contiguous along m */
    check_product(g, w);           /* (70, 97) @ (97, 770): both row-major */
    check_product(w, xt);          /* (97, 770) @ (770, 70) */
    // clang-format on
    nd_array *big = bf16_values(14, 2, SHAPE(141, 300));
    nd_array *sa = nd_slice(big, 0, 0, ND_NONE, 2), *sb = nd_slice(sa, 1, 1, ND_NONE, 3);
    nd_array *rows = nd_slice(big, 0, ND_NONE, ND_NONE, -1); /* reversed rows */
    nd_array *rt = nd_transpose(rows, NULL);
    nd_array *b = bf16_values(15, 2, SHAPE(100, 45));
    check_product(sb, b); /* (71, 100), strides (2*600, 6) bytes */
    check_product(rows, rt); /* negative row stride, and its transpose */
    nd_array *odd_w = nd_slice(w, 1, 0, 769, 1), *odd_wt = nd_transpose(odd_w, NULL);
    nd_array *odd_x = nd_slice(x, 1, 0, 769, 1);
    check_product(odd_x, odd_wt); /* k odd: W^T's last pair has no partner */
    /* A transposed with m a multiple of four panels (48) and with k odd and
     * m = 4 panels + 2 rows: the four-panel packer and the one-panel path */
    nd_array *g48 = bf16_values(16, 2, SHAPE(70, 48)), *g48t = nd_transpose(g48, NULL);
    nd_array *g50 = bf16_values(17, 2, SHAPE(69, 50)), *g50t = nd_transpose(g50, NULL);
    nd_array *x69 = nd_slice(x, 0, 0, 69, 1);
    check_product(g48t, x);
    check_product(g50t, x69);
    nd_free(g48), nd_free(g48t), nd_free(g50), nd_free(g50t), nd_free(x69);
    nd_free(x), nd_free(w), nd_free(g), nd_free(wt), nd_free(gt), nd_free(xt), nd_free(big);
    nd_free(sa), nd_free(sb), nd_free(rows), nd_free(rt), nd_free(b), nd_free(odd_w),
        nd_free(odd_wt);
    nd_free(odd_x);
}
START_TEST(bf16_layouts) { run_both_paths(layouts); }
END_TEST

/* Batched products (per-head attention shapes, a folded Linear), batch
 * broadcasting, 1-D operands, and an output view written through
 * nd_matmul_out (column-major, and float32 out from bf16 inputs). */
static void batches(void)
{
    nd_array *q = bf16_values(21, 4, SHAPE(2, 3, 17, 40)),
             *k = bf16_values(22, 4, SHAPE(2, 3, 17, 40));
    nd_array *kt = nd_transpose(k, (const int[]){0, 1, 3, 2});
    // clang-format off
    check_product(q, kt);                       /* (2,3,17,40) @ (2,3,40,17) */
    nd_array *w = bf16_values(23, 2, SHAPE(40, 65));
    check_product(q, w);                        /* folds into one (102, 40) @ (40, 65) */
    nd_array *wb = bf16_values(24, 3, SHAPE(3, 40, 9)), *x1 = bf16_values(25, 3, SHAPE(1, 5, 40));
    check_product(x1, wb);                      /* batch 1 broadcast against 3 */
    nd_array *v = bf16_values(26, 1, SHAPE(40));
    check_product(v, w);                        /* (40,) @ (40, 65) */
    check_product(q, v);                        /* (2,3,17,40) @ (40,) */
    // clang-format on
    /* out= a transposed view: C is column-major. A float32 out of two bf16
     * inputs holds the bf16 product widened (NumPy picks the loop from
     * the inputs, then casts). */
    nd_array *out = nd_empty(ND_BFLOAT16, 2, SHAPE(65, 17)), *out_t = nd_transpose(out, NULL);
    nd_array *out32 = nd_empty(ND_FLOAT32, 2, SHAPE(65, 17)), *out32_t = nd_transpose(out32, NULL);
    nd_array *x2 = nd_reshape(q, 2, SHAPE(102, 40)), *x17 = nd_slice(x2, 0, 0, 17, 1);
    ck_assert_int_eq(nd_matmul_out(x17, w, out_t), 0);
    ck_assert_int_eq(nd_matmul_out(x17, w, out32_t), 0);
    nd_array *c16 = nd_matmul(x17, w), *c16_wide = nd_astype(c16, ND_FLOAT32);
    assert_within_bound(x17, w, out_t, true);
    assert_identical(out_t, c16); /* the same kernel, summing in the same order */
    assert_identical(out32_t, c16_wide);
    nd_free(q), nd_free(k), nd_free(kt), nd_free(w), nd_free(wb), nd_free(x1), nd_free(v);
    nd_free(out), nd_free(out_t), nd_free(out32), nd_free(out32_t), nd_free(x2), nd_free(x17);
    nd_free(c16), nd_free(c16_wide);
}
START_TEST(bf16_batches) { run_both_paths(batches); }
END_TEST

/* One row times W^T (a sampled token's products): the kernel takes dot
 * products of contiguous bf16 vectors instead of packing W. k around the
 * 32 terms of one vdpbf16ps and past KC, n past one thread's piece, the
 * row a (1, k) matrix, a slice of a larger one, or a 1-D vector; 1 and 2
 * threads give the same bits. */
static void row_times_transposed(void)
{
    static const int64_t ks[] = {1, 31, 32, 33, 770, 1541};
    static const int64_t ns[] = {1, 33, 600};
    uint64_t seed = 40;
    for (size_t p = 0; p < sizeof ks / sizeof ks[0]; p++)
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
            nd_array *x = bf16_values(seed++, 2, SHAPE(3, ks[p]));
            nd_array *w = bf16_values(seed++, 2, SHAPE(ns[j], ks[p])), *wt = nd_transpose(w, NULL);
            nd_array *row = nd_slice(x, 0, 1, 2, 1), *v = nd_squeeze(row, 1, (const int[]){0});
            check_product(row, wt);
            check_product(v, wt);
            int saved = nd_get_num_threads();
            nd_set_num_threads(1);
            nd_array *one = nd_matmul_dtype(row, wt, ND_FLOAT32);
            nd_set_num_threads(2);
            nd_array *two = nd_matmul_dtype(row, wt, ND_FLOAT32);
            nd_set_num_threads(saved);
            assert_identical(one, two);
            nd_free(x), nd_free(w), nd_free(wt), nd_free(row), nd_free(v), nd_free(one),
                nd_free(two);
        }
}
START_TEST(bf16_row_times_transposed) { run_both_paths(row_times_transposed); }
END_TEST

/* Each element of C is one thread's sum in a fixed order: 1 and 2 threads
 * give the same bits, on GPT-like shapes large enough to be split. */
static void thread_independent(void)
{
    nd_array *x = bf16_values(31, 2, SHAPE(130, 1540)), *w = bf16_values(32, 2, SHAPE(600, 1540));
    nd_array *wt = nd_transpose(w, NULL);
    int saved = nd_get_num_threads();
    nd_set_num_threads(1);
    nd_array *one16 = nd_matmul(x, wt), *one32 = nd_matmul_dtype(x, wt, ND_FLOAT32);
    nd_set_num_threads(2);
    nd_array *two16 = nd_matmul(x, wt), *two32 = nd_matmul_dtype(x, wt, ND_FLOAT32);
    nd_set_num_threads(saved);
    assert_identical(one16, two16);
    assert_identical(one32, two32);
    assert_within_bound(x, wt, two32, false);
    nd_free(x), nd_free(w), nd_free(wt), nd_free(one16), nd_free(one32), nd_free(two16),
        nd_free(two32);
}
START_TEST(bf16_thread_independent) { run_both_paths(thread_independent); }
END_TEST

/* Rounding of a bf16 result: exactly nd_float_to_bfloat16 of the float32
 * sum, ties to even, including sums that land exactly halfway (1 + 2^-8 is
 * halfway between 1 and 1 + 2^-7), overflow to inf and NaN. */
static void rounding(void)
{
    /* Row 0 of a = (1, 1) times the columns of b sums exactly to 1 + 2^-8
     * (halfway between 1 and 1 + 2^-7: to even, 1), 1 + 3*2^-8 (halfway:
     * to 1 + 2^-6), 2^127 + 2^127 (inf); row 1 = (0, 1) times column 3
     * is 0 * inf + 1 * 0 (NaN). */
    const float av[4] = {1.0f, 1.0f, 0.0f, 1.0f};
    const float bv[8] = {1.0f, 1.0f, 0x1p127f, INFINITY, 0x1p-8f, 0x1.8p-7f, 0x1p127f, 0.0f};
    nd_array *a32 = nd_from_data(ND_FLOAT32, 2, SHAPE(2, 2), av);
    nd_array *b32 = nd_from_data(ND_FLOAT32, 2, SHAPE(2, 4), bv);
    nd_array *a = nd_astype(a32, ND_BFLOAT16), *b = nd_astype(b32, ND_BFLOAT16);
    nd_array *c = nd_matmul(a, b);
    ck_assert_ptr_nonnull(c);
    const uint16_t *cv = nd_data(c);
    ck_assert_uint_eq(cv[0], nd_float_to_bfloat16(1.0f));
    ck_assert_uint_eq(cv[1], nd_float_to_bfloat16(1.015625f));
    ck_assert(isinf(nd_bfloat16_to_float(cv[2])) && nd_bfloat16_to_float(cv[2]) > 0);
    ck_assert(isnan(nd_bfloat16_to_float(cv[7])));
    nd_free(a32), nd_free(b32), nd_free(a), nd_free(b), nd_free(c);
}
START_TEST(bf16_rounding) { run_both_paths(rounding); }
END_TEST

/* nd_matmul_dtype: numpy.matmul(a, b, dtype=...) results and errors. */
START_TEST(matmul_dtype_argument)
{
    const double av[4] = {1.5, 2, 3, 4}, bv[4] = {1, 0, 0, 1};
    nd_array *a = nd_from_data(ND_FLOAT64, 2, SHAPE(2, 2), av);
    nd_array *b = nd_from_data(ND_FLOAT64, 2, SHAPE(2, 2), bv);
    nd_array *c = nd_matmul_dtype(a, b, ND_FLOAT32);
    ck_assert_shape(c, ND_FLOAT32, 2, 2, 2);
    ck_assert_values(c, 1.5, 2, 3, 4);
    nd_free(c);
    ck_assert_ptr_null(nd_matmul_dtype(a, b, ND_INT64));
    ck_assert_error("Cannot cast ufunc 'matmul' input 0 from dtype('float64') to dtype('int64') "
                    "with casting rule 'same_kind'");
    ck_assert_ptr_null(nd_matmul_dtype(a, b, (nd_dtype)99));
    ck_assert_error("data type 99 not understood");
    nd_array *v = nd_from_data(ND_FLOAT64, 1, SHAPE(3), av);
    ck_assert_ptr_null(nd_matmul_dtype(a, v, ND_FLOAT64));
    ck_assert_error("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                    "signature (n?,k),(k,m?)->(n?,m?) (size 3 is different from 2)");
    /* bf16 x float32 with dt float32: widened, an ordinary float32 product. */
    nd_array *a16 = nd_astype(a, ND_BFLOAT16), *b32 = nd_astype(b, ND_FLOAT32);
    c = nd_matmul_dtype(a16, b32, ND_FLOAT32);
    ck_assert_shape(c, ND_FLOAT32, 2, 2, 2);
    ck_assert_values(c, 1.5, 2, 3, 4);
    nd_free(c);
    c = nd_matmul_dtype(a16, a16, ND_BFLOAT16);
    ck_assert_shape(c, ND_BFLOAT16, 2, 2, 2);
    ck_assert_values(c, 8.25, 11, 16.5, 22);
    nd_free(c), nd_free(a), nd_free(b), nd_free(v), nd_free(a16), nd_free(b32);
}
END_TEST

/* nd_matmul_bias is nd_matmul_dtype then nd_add_out, bit for bit: k within
 * one pass of the kernel (128) and over two (770: the bias after the whole
 * sum), one row (the dot-product path), a batch folded into rows, n not a
 * multiple of the kernel's 32 columns; on either path. With a bf16 result
 * it is that float32 result rounded once (not the product rounded, then
 * the bias added and rounded again). Its errors and the general path
 * (float64, a bias that broadcasts but is 2-D). */
static void check_bias(const nd_array *a, const nd_array *b, const nd_array *bias)
{
    nd_array *got = nd_matmul_bias(a, b, bias, ND_FLOAT32);
    ck_assert_msg(got != NULL, "matmul_bias: %s", nd_last_error());
    nd_array *want = nd_matmul_dtype(a, b, ND_FLOAT32);
    ck_assert_int_eq(nd_add_out(want, bias, want), 0);
    assert_identical(got, want);
    nd_array *got16 = nd_matmul_bias(a, b, bias, ND_BFLOAT16);
    ck_assert_msg(got16 != NULL, "matmul_bias to bf16: %s", nd_last_error());
    nd_array *want16 = nd_astype(want, ND_BFLOAT16);
    assert_identical(got16, want16);
    nd_free(got), nd_free(want), nd_free(got16), nd_free(want16);
}

static void biases(void)
{
    nd_rng *rng = nd_rng_new(31);
    nd_array *x = bf16_values(32, 2, SHAPE(70, 770)), *w = bf16_values(33, 2, SHAPE(97, 770));
    nd_array *b97 = nd_rng_uniform(rng, -1, 1, ND_FLOAT32, 1, SHAPE(97));
    nd_array *wt = nd_transpose(w, NULL);
    check_bias(x, wt, b97); /* k 770: two passes */
    nd_array *x128 = nd_slice(x, 1, 0, 128, 1), *w128 = nd_slice(w, 1, 0, 128, 1);
    nd_array *w128t = nd_transpose(w128, NULL);
    check_bias(x128, w128t, b97); /* k 128 */
    nd_array *row = nd_slice(x128, 0, 3, 4, 1);
    check_bias(row, w128t, b97); /* one row: dot products */
    nd_array *q = bf16_values(34, 3, SHAPE(2, 5, 40)), *v = bf16_values(35, 2, SHAPE(40, 65));
    nd_array *b65 = nd_rng_uniform(rng, -1, 1, ND_FLOAT32, 1, SHAPE(65));
    check_bias(q, v, b65); /* a batch of rows */
    nd_array *k0a = nd_slice(q, 2, 0, 0, 1), *k0b = nd_slice(v, 0, 0, 0, 1);
    check_bias(k0a, k0b, b65); /* k 0: the bias alone */
    nd_free(k0a), nd_free(k0b);
    nd_array *b2d = nd_rng_uniform(rng, -1, 1, ND_FLOAT32, 2, SHAPE(5, 65));
    check_bias(q, v, b2d); /* broadcast, not a row: the general path */
    nd_array *q64 = nd_astype(q, ND_FLOAT64), *v64 = nd_astype(v, ND_FLOAT64);
    nd_array *b64 = nd_astype(b65, ND_FLOAT64);
    nd_array *got = nd_matmul_bias(q64, v64, b64, ND_FLOAT64), *want = nd_matmul(q64, v64);
    ck_assert_int_eq(nd_add_out(want, b64, want), 0);
    assert_identical(got, want);
    nd_array *b3 = nd_zeros(ND_FLOAT32, 1, SHAPE(3));
    ck_assert_ptr_null(nd_matmul_bias(q, v, b3, ND_FLOAT32));
    ck_assert_str_eq(nd_last_error(), "operands could not be broadcast together with shapes "
                                      "(2,5,65) (3,) (2,5,65) ");
    ck_assert_ptr_null(nd_matmul_bias(q, v, NULL, ND_FLOAT32));
    ck_assert_str_eq(nd_last_error(), "matmul_bias: bias is NULL");
    nd_free(x), nd_free(w), nd_free(b97), nd_free(wt), nd_free(x128), nd_free(w128);
    nd_free(w128t), nd_free(row), nd_free(q), nd_free(v), nd_free(b65), nd_free(b2d);
    nd_free(q64), nd_free(v64), nd_free(b64), nd_free(got), nd_free(want), nd_free(b3);
    nd_rng_free(rng);
}
START_TEST(bf16_matmul_bias) { run_both_paths(biases); }
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("bf16_gemm");
    TCase *tc = tcase_create("bf16_gemm");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, bf16_kernel_chosen_by_cpuid);
    tcase_add_test(tc, bf16_odd_shapes);
    tcase_add_test(tc, bf16_layouts);
    tcase_add_test(tc, bf16_batches);
    tcase_add_test(tc, bf16_row_times_transposed);
    tcase_add_test(tc, bf16_thread_independent);
    tcase_add_test(tc, bf16_rounding);
    tcase_add_test(tc, matmul_dtype_argument);
    tcase_add_test(tc, bf16_matmul_bias);
    suite_add_tcase(s, tc);
    return s;
}
