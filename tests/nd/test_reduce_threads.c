/* Reductions give the same bits for every thread count (1 to 8): the
 * pieces a reduction is cut into depend on the problem's size, never on
 * nd_get_num_threads(), and partial results are combined in a fixed order.
 * Checked for float32 sum and mean over everything and over each axis of
 * arrays around a million elements, whose values make the order of the
 * additions visible; the accuracy stays that of pairwise summation
 * (compared with the float64 sum). */
#include <math.h>
#include <string.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }

/* Values of every magnitude and sign, so reordered additions differ. */
static nd_array *scrambled(int ndim, const int64_t *shape)
{
    nd_rng *rng = nd_rng_new(42);
    nd_array *u = nd_rng_standard_normal(rng, ND_FLOAT32, ndim, shape);
    nd_array *e = nd_rng_uniform(rng, -8, 8, ND_FLOAT32, ndim, shape);
    nd_array *scale = nd_exp2(e);
    nd_array *x = nd_multiply(u, scale);
    nd_free(u);
    nd_free(e);
    nd_free(scale);
    nd_rng_free(rng);
    ck_assert_ptr_nonnull(x);
    return x;
}

typedef nd_array *(*reduce_fn)(const nd_array *, int, const int *, bool);

static void check_bits_across_threads(const nd_array *x, reduce_fn fn, int naxes, const int *axes,
                                      const char *what)
{
    int saved = nd_get_num_threads();
    ck_assert_int_eq(nd_set_num_threads(1), 0);
    nd_array *ref = fn(x, naxes, axes, false);
    ck_assert_ptr_nonnull(ref);
    for (int threads = 2; threads <= 8; threads++) {
        ck_assert_int_eq(nd_set_num_threads(threads), 0);
        nd_array *r = fn(x, naxes, axes, false);
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(nd_nbytes(r), nd_nbytes(ref));
        ck_assert_msg(memcmp(nd_data(r), nd_data(ref), (size_t)nd_nbytes(ref)) == 0,
                      "%s differs between 1 and %d threads", what, threads);
        nd_free(r);
    }
    nd_free(ref);
    nd_set_num_threads(saved);
}

START_TEST(sum_and_mean_bits_do_not_depend_on_threads)
{
    const int64_t shapes[][2] = {{1 << 20, 1}, {1000, 1000}, {3, 350000},
                                 {350000, 3},  {64, 16384},  {16384, 64}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        nd_array *x = scrambled(2, shapes[s]);
        nd_array *flat = nd_ravel(x);
        for (int axis = -1; axis < 2; axis++) {
            int naxes = axis < 0 ? 0 : 1;
            check_bits_across_threads(x, nd_sum, naxes, &axis, "sum");
            check_bits_across_threads(x, nd_mean, naxes, &axis, "mean");
        }
        check_bits_across_threads(flat, nd_sum, 0, NULL, "sum of 1-D");
        nd_free(flat);
        nd_free(x);
    }
}
END_TEST

/* The float32 total of a million scrambled values is within a few float32
 * ulps of the float64 total, as pairwise summation promises (a plain
 * running sum is off by orders of magnitude more here). */
START_TEST(sum_stays_pairwise_accurate)
{
    nd_array *x = scrambled(1, SHAPE(1 << 20));
    nd_array *x64 = nd_astype(x, ND_FLOAT64);
    nd_array *abs64 = nd_absolute(x64);
    double total64, abs_total, total32;
    nd_array *s64 = nd_sum(x64, 0, NULL, false), *sa = nd_sum(abs64, 0, NULL, false);
    for (int threads = 1; threads <= 8; threads *= 2) {
        ck_assert_int_eq(nd_set_num_threads(threads), 0);
        nd_array *s32 = nd_sum(x, 0, NULL, false);
        ck_assert_int_eq(nd_get(s32, NULL, &total32), 0);
        ck_assert_int_eq(nd_get(s64, NULL, &total64), 0);
        ck_assert_int_eq(nd_get(sa, NULL, &abs_total), 0);
        /* pairwise: error <= c * eps * log2(n) * sum|x|; allow 2 eps log2 n */
        ck_assert_double_le(fabs(total32 - total64), 2 * 0x1p-24 * 20 * abs_total);
        nd_free(s32);
    }
    nd_set_num_threads(0);
    nd_free(s64);
    nd_free(sa);
    nd_free(abs64);
    nd_free(x64);
    nd_free(x);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("nd_reduce_threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, sum_and_mean_bits_do_not_depend_on_threads);
    tcase_add_test(tc, sum_stays_pairwise_accurate);
    suite_add_tcase(s, tc);
    return s;
}
