/* The random generator: seeding, state save/restore, 0-size and 0-d shapes,
 * every method's values for fixed seeds, and NumPy's error messages. The
 * expected values were printed by NumPy 1.24's numpy.random.default_rng
 * (floats as their exact hex); random_vs_numpy.py compares thousands more
 * cases against NumPy directly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

#define SHAPE(...) \
    (const int64_t[]) { __VA_ARGS__ }

/* The elements of a C-contiguous result as int64 (any integer dtype). */
static void assert_ints(nd_array *a, int64_t n, const int64_t *expected)
{
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(nd_size(a), n);
    for (int64_t i = 0; i < n; i++) {
        int64_t v;
        ck_assert_int_eq(nd_get_int64(a, (int64_t[]){i}, &v), 0);
        ck_assert_int_eq(v, expected[i]);
    }
    nd_free(a);
}
#define ck_assert_ints(a, ...)                                                 \
    assert_ints((a), sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t), \
                (const int64_t[]){__VA_ARGS__})

static void assert_state(const nd_rng *r, uint64_t sh, uint64_t sl, uint64_t ih, uint64_t il,
                         int has_uint32, uint32_t uinteger)
{
    nd_rng_state st;
    ck_assert_int_eq(nd_rng_get_state(r, &st), 0);
    ck_assert_uint_eq(st.state_high, sh);
    ck_assert_uint_eq(st.state_low, sl);
    ck_assert_uint_eq(st.inc_high, ih);
    ck_assert_uint_eq(st.inc_low, il);
    ck_assert_int_eq(st.has_uint32, has_uint32);
    ck_assert_uint_eq(st.uinteger, uinteger);
}

static bool same_state(const nd_rng *a, const nd_rng *b)
{
    nd_rng_state x, y;
    nd_rng_get_state(a, &x);
    nd_rng_get_state(b, &y);
    return x.state_high == y.state_high && x.state_low == y.state_low && x.inc_high == y.inc_high &&
           x.inc_low == y.inc_low && x.has_uint32 == y.has_uint32 &&
           (!x.has_uint32 || x.uinteger == y.uinteger);
}

static bool same_bytes(const nd_array *a, const nd_array *b)
{
    return nd_dtype_of(a) == nd_dtype_of(b) && nd_nbytes(a) == nd_nbytes(b) &&
           memcmp(nd_data(a), nd_data(b), (size_t)nd_nbytes(a)) == 0;
}

/* ------------------------------------------------------------------------ */
/* seeding and the basic streams                                            */
/* ------------------------------------------------------------------------ */

START_TEST(seed_zero_matches_numpy)
{
    nd_rng *r = nd_rng_new(0);
    ck_assert_ptr_nonnull(r);
    assert_state(r, 0x1AA1B5345996452DULL, 0x09585EB7A69561E3ULL, 0x418DDADB3AF71A82ULL,
                 0x588133BC447873A9ULL, 0, 0);
    nd_array *u = nd_rng_random(r, ND_FLOAT64, 1, SHAPE(3));
    ck_assert_shape(u, ND_FLOAT64, 1, 3);
    const double *d = nd_data(u);
    ck_assert(d[0] == 0x1.461fd79fb3850p-1 && d[1] == 0x1.1442f7e20b674p-2 &&
              d[2] == 0x1.4fa7b529d9bd0p-5);
    nd_free(u);
    ck_assert_ints(nd_rng_integers(r, 0, 10, false, ND_INT64, 1, SHAPE(5)), 0, 0, 1, 8, 6);
    nd_array *f = nd_rng_random(r, ND_FLOAT32, 1, SHAPE(2));
    uint32_t fb[2];
    memcpy(fb, nd_data(f), 8);
    ck_assert_uint_eq(fb[0], 1063889497u);
    ck_assert_uint_eq(fb[1], 1057025458u);
    nd_free(f);
    /* the float32 draws left the upper half of a 64-bit draw buffered */
    nd_rng_state st;
    nd_rng_get_state(r, &st);
    ck_assert_int_eq(st.has_uint32, 1);
    ck_assert_uint_eq(st.uinteger, 2605480817u);
    nd_rng_free(r);
    nd_rng_free(NULL);
}
END_TEST

START_TEST(seed_max_matches_numpy)
{
    nd_rng *r = nd_rng_new(UINT64_MAX); /* two 32-bit words of entropy */
    assert_state(r, 0xDDC419442AEBDE79ULL, 0x4D8B0A3B048ACDB0ULL, 0x37762AACB3CC854FULL,
                 0x4ED623C7D18951EDULL, 0, 0);
    nd_array *z = nd_rng_standard_normal(r, ND_FLOAT64, 1, SHAPE(3));
    const double *d = nd_data(z);
    ck_assert(d[0] == 0x1.715303191d87bp-1 && d[1] == -0x1.f10c32096a2bdp-1 &&
              d[2] == 0x1.1b8d40660f8bfp-4);
    nd_free(z);
    nd_array *zf = nd_rng_standard_normal(r, ND_FLOAT32, 1, SHAPE(3));
    uint32_t fb[3];
    memcpy(fb, nd_data(zf), 12);
    ck_assert_uint_eq(fb[0], 3192013229u);
    ck_assert_uint_eq(fb[1], 1071058814u);
    ck_assert_uint_eq(fb[2], 3203551522u);
    nd_free(zf);
    nd_rng_free(r);
}
END_TEST

START_TEST(methods_match_numpy)
{
    nd_rng *r = nd_rng_new(5);
    ck_assert_ints(nd_rng_integers(r, -128, 127, true, ND_INT8, 1, SHAPE(6)), 40, 101, 56, 43, 110,
                   43);
    ck_assert_ints(nd_rng_integers(r, 0, 2, false, ND_BOOL, 1, SHAPE(6)), 1, 0, 1, 0, 1, 1);
    ck_assert_ints(nd_rng_integers(r, 0, INT64_C(1) << 32, false, ND_UINT32, 1, SHAPE(3)),
                   3470079269, 2013703616, 2213306431);
    ck_assert_ints(nd_rng_integers(r, INT64_MIN, INT64_MAX, true, ND_INT64, 1, SHAPE(2)),
                   -3951267122455837578, -8228526172304961299);
    ck_assert_ints(nd_rng_permutation(r, 8), 3, 0, 1, 6, 2, 4, 5, 7);
    nd_array *m = nd_arange(ND_INT64, 0, 12, 1), *m2 = nd_reshape(m, 2, SHAPE(4, 3));
    ck_assert_int_eq(nd_rng_shuffle(r, m2), 0); /* rows move whole */
    ck_assert_values(m2, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5);
    nd_free(m);
    nd_free(m2);
    ck_assert_ints(nd_rng_choice(r, 10, 1, SHAPE(4), true, NULL), 1, 6, 7, 2);
    ck_assert_ints(nd_rng_choice(r, 10, 1, SHAPE(4), false, NULL), 9, 3, 2, 1);
    nd_array *p = nd_from_data(ND_FLOAT64, 1, SHAPE(4), (double[]){0.1, 0.2, 0.3, 0.4});
    ck_assert_ints(nd_rng_choice(r, 4, 1, SHAPE(5), true, p), 2, 2, 3, 0, 2);
    ck_assert_ints(nd_rng_choice(r, 4, 1, SHAPE(3), false, p), 1, 3, 0);
    nd_free(p);
    nd_array *n = nd_rng_normal(r, 1, 2, ND_FLOAT64, 1, SHAPE(2));
    const double *d = nd_data(n);
    ck_assert(d[0] == 0x1.d1bc0c9888e08p+0 && d[1] == 0x1.547165bc3d8c7p+1);
    nd_free(n);
    nd_array *u = nd_rng_uniform(r, -1, 1, ND_FLOAT64, 1, SHAPE(2));
    d = nd_data(u);
    ck_assert(d[0] == -0x1.1739d002a2c2ep-1 && d[1] == 0x1.94f0621e2d842p-1);
    nd_free(u);
    nd_rng_free(r);
}
END_TEST

/* float32 normal/uniform are the float64 draws rounded. */
START_TEST(float32_is_rounded_float64)
{
    nd_rng *a = nd_rng_new(11), *b = nd_rng_new(11);
    nd_array *x = nd_rng_normal(a, 3, 0.5, ND_FLOAT32, 1, SHAPE(50));
    nd_array *y = nd_rng_normal(b, 3, 0.5, ND_FLOAT64, 1, SHAPE(50));
    nd_array *y32 = nd_astype(y, ND_FLOAT32);
    ck_assert(same_bytes(x, y32));
    nd_free(x), nd_free(y), nd_free(y32);
    x = nd_rng_uniform(a, -2, 7, ND_FLOAT32, 2, SHAPE(5, 5));
    y = nd_rng_uniform(b, -2, 7, ND_FLOAT64, 2, SHAPE(5, 5));
    y32 = nd_astype(y, ND_FLOAT32);
    ck_assert(same_bytes(x, y32));
    for (int64_t i = 0; i < 25; i++)
        ck_assert(((float *)nd_data(x))[i] >= -2 && ((float *)nd_data(x))[i] <= 7);
    nd_free(x), nd_free(y), nd_free(y32);
    nd_rng_free(a), nd_rng_free(b);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* integers: ranges and widths                                              */
/* ------------------------------------------------------------------------ */

START_TEST(integers_ranges)
{
    nd_rng *r = nd_rng_new(3);
    for (nd_dtype dt = ND_BOOL; dt <= ND_UINT64; dt++) {
        /* a size-1 range draws nothing and gives low */
        nd_rng *before = nd_rng_new(3);
        nd_rng_state st;
        nd_rng_get_state(r, &st);
        nd_rng_set_state(before, &st);
        nd_array *a = nd_rng_integers(r, 1, 1, true, dt, 1, SHAPE(4));
        ck_assert_shape(a, dt, 1, 4);
        ck_assert_values(a, 1, 1, 1, 1);
        ck_assert(same_state(r, before));
        nd_free(a);
        nd_rng_free(before);
        /* values stay in [low, high] for small, half and full ranges */
        int bits = (int)nd_dtype_itemsize(dt) * 8;
        int64_t lo = !nd_dtype_is_signed(dt) ? 0
                     : bits == 64            ? INT64_MIN
                                             : -(INT64_C(1) << (bits - 1));
        int64_t hi = dt == ND_BOOL            ? 1
                     : bits == 64             ? INT64_MAX
                     : nd_dtype_is_signed(dt) ? (INT64_C(1) << (bits - 1)) - 1
                                              : (INT64_C(1) << bits) - 1;
        int64_t half = (int64_t)(((uint64_t)hi - (uint64_t)lo) / 2);
        int64_t ranges[3][2] = {{lo, lo + 2}, {lo, lo + half}, {lo, hi}};
        for (int k = 0; k < 3; k++) {
            int64_t a_lo = ranges[k][0], a_hi = ranges[k][1] < hi ? ranges[k][1] : hi;
            a = nd_rng_integers(r, a_lo, a_hi, true, dt, 1, SHAPE(200));
            ck_assert_ptr_nonnull(a);
            for (int64_t i = 0; i < 200; i++) {
                int64_t v;
                nd_get_int64(a, (int64_t[]){i}, &v);
                if (dt == ND_UINT64)
                    ck_assert((uint64_t)v >= (uint64_t)a_lo && (uint64_t)v <= (uint64_t)a_hi);
                else
                    ck_assert(v >= a_lo && v <= a_hi);
            }
            nd_free(a);
        }
    }
    nd_rng_free(r);
}
END_TEST

START_TEST(integers_errors)
{
    nd_rng *r = nd_rng_new(0);
    const int64_t *s3 = SHAPE(3);
    ck_assert_ptr_null(nd_rng_integers(r, 5, 5, false, ND_INT64, 1, s3));
    ck_assert_error("low >= high");
    ck_assert_ptr_null(nd_rng_integers(r, 0, 0, false, ND_INT64, 1, s3));
    ck_assert_error("high <= 0");
    ck_assert_ptr_null(nd_rng_integers(r, 5, 4, true, ND_INT64, 1, s3));
    ck_assert_error("low > high");
    ck_assert_ptr_null(nd_rng_integers(r, 0, -1, true, ND_INT64, 1, s3));
    ck_assert_error("high < 0");
    ck_assert_ptr_null(nd_rng_integers(r, -200, 5, false, ND_INT8, 1, s3));
    ck_assert_error("low is out of bounds for int8");
    ck_assert_ptr_null(nd_rng_integers(r, 0, 300, false, ND_UINT8, 1, s3));
    ck_assert_error("high is out of bounds for uint8");
    ck_assert_ptr_null(nd_rng_integers(r, -1, 1, false, ND_BOOL, 1, s3));
    ck_assert_error("low is out of bounds for bool");
    ck_assert_ptr_null(nd_rng_integers(r, 0, 3, false, ND_BOOL, 1, s3));
    ck_assert_error("high is out of bounds for bool");
    ck_assert_ptr_null(nd_rng_integers(r, 200, 100, false, ND_INT8, 1, s3));
    ck_assert_error("low >= high"); /* as NumPy: checked after the bounds */
    ck_assert_ptr_null(nd_rng_integers(r, INT64_MIN, INT64_MIN, false, ND_INT64, 1, s3));
    ck_assert_error("low >= high");
    ck_assert_ptr_null(nd_rng_integers(r, 0, 2, false, ND_FLOAT64, 1, s3));
    ck_assert_error("Unsupported dtype dtype('float64') for integers");
    ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
    /* size 0: an empty array, bounds unchecked, as NumPy */
    nd_array *e = nd_rng_integers(r, 5, 5, false, ND_INT8, 2, SHAPE(3, 0));
    ck_assert_shape(e, ND_INT8, 2, 3, 0);
    nd_free(e);
    ck_assert_ptr_null(nd_rng_integers(r, 0, 5, false, ND_INT8, 1, SHAPE(-1)));
    ck_assert_error("negative dimensions are not allowed");
    ck_assert_ptr_null(nd_rng_integers(NULL, 0, 5, false, ND_INT8, 1, s3));
    ck_assert_error("random: the generator is NULL");
    nd_rng_free(r);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* shapes and state                                                         */
/* ------------------------------------------------------------------------ */

START_TEST(zero_size_and_0d)
{
    nd_rng *r = nd_rng_new(1), *ref = nd_rng_new(1);
    nd_array *a = nd_rng_random(r, ND_FLOAT64, 2, SHAPE(0, 4));
    ck_assert_shape(a, ND_FLOAT64, 2, 0, 4);
    nd_free(a);
    a = nd_rng_standard_normal(r, ND_FLOAT32, 1, SHAPE(0));
    ck_assert_shape(a, ND_FLOAT32, 1, 0);
    nd_free(a);
    a = nd_rng_choice(r, 0, 1, SHAPE(0), false, NULL);
    ck_assert_shape(a, ND_INT64, 1, 0);
    nd_free(a);
    a = nd_rng_permutation(r, -3); /* np.arange(-3) is empty */
    ck_assert_shape(a, ND_INT64, 1, 0);
    nd_free(a);
    nd_array *z = nd_zeros(ND_INT32, 2, SHAPE(5, 0)); /* long axis, no elements */
    ck_assert_int_eq(nd_rng_shuffle(r, z), 0);
    nd_free(z);
    ck_assert(same_state(r, ref)); /* nothing above drew */
    a = nd_rng_random(r, ND_FLOAT64, 0, NULL);
    nd_array *b = nd_rng_random(ref, ND_FLOAT64, 1, SHAPE(1));
    ck_assert_shape(a, ND_FLOAT64, 0);
    ck_assert(same_bytes(a, b));
    nd_free(a), nd_free(b);
    nd_rng_free(r), nd_rng_free(ref);
}
END_TEST

START_TEST(state_resumes)
{
    nd_rng *r = nd_rng_new(77);
    nd_free(nd_rng_random(r, ND_FLOAT32, 1, SHAPE(3))); /* odd: a half is buffered */
    nd_rng_state saved;
    ck_assert_int_eq(nd_rng_get_state(r, &saved), 0);
    ck_assert_int_eq(saved.has_uint32, 1);
    nd_array *a1 = nd_rng_integers(r, 0, 1000, false, ND_UINT16, 1, SHAPE(9));
    nd_array *a2 = nd_rng_standard_normal(r, ND_FLOAT64, 1, SHAPE(9));
    nd_array *a3 = nd_rng_random(r, ND_FLOAT32, 1, SHAPE(9));
    /* restore into another generator, and into this one */
    nd_rng *other = nd_rng_new(0);
    for (int k = 0; k < 2; k++) {
        nd_rng *g = k ? r : other;
        ck_assert_int_eq(nd_rng_set_state(g, &saved), 0);
        nd_array *b1 = nd_rng_integers(g, 0, 1000, false, ND_UINT16, 1, SHAPE(9));
        nd_array *b2 = nd_rng_standard_normal(g, ND_FLOAT64, 1, SHAPE(9));
        nd_array *b3 = nd_rng_random(g, ND_FLOAT32, 1, SHAPE(9));
        ck_assert(same_bytes(a1, b1) && same_bytes(a2, b2) && same_bytes(a3, b3));
        nd_free(b1), nd_free(b2), nd_free(b3);
    }
    ck_assert(same_state(r, other));
    nd_free(a1), nd_free(a2), nd_free(a3);
    ck_assert_int_eq(nd_rng_get_state(NULL, &saved), ND_ERR_VALUE);
    ck_assert_int_eq(nd_rng_set_state(r, NULL), ND_ERR_VALUE);
    nd_rng_free(r), nd_rng_free(other);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* float methods, shuffle, choice: errors                                   */
/* ------------------------------------------------------------------------ */

START_TEST(float_errors)
{
    nd_rng *r = nd_rng_new(0);
    ck_assert_ptr_null(nd_rng_random(r, ND_FLOAT16, 1, SHAPE(2)));
    ck_assert_error("Unsupported dtype dtype('float16') for random");
    ck_assert_int_eq(nd_last_status(), ND_ERR_TYPE);
    ck_assert_ptr_null(nd_rng_standard_normal(r, ND_INT32, 1, SHAPE(2)));
    ck_assert_error("Unsupported dtype dtype('int32') for standard_normal");
    ck_assert_ptr_null(nd_rng_normal(r, 0, -1, ND_FLOAT64, 1, SHAPE(2)));
    ck_assert_error("scale < 0");
    ck_assert_ptr_null(nd_rng_normal(r, 0, -0.0, ND_FLOAT64, 1, SHAPE(2)));
    ck_assert_error("scale < 0");
    nd_array *nn = nd_rng_normal(r, NAN, NAN, ND_FLOAT64, 1, SHAPE(2)); /* NaN is allowed */
    ck_assert(isnan(((double *)nd_data(nn))[0]));
    nd_free(nn);
    ck_assert_ptr_null(nd_rng_uniform(r, 0, INFINITY, ND_FLOAT64, 1, SHAPE(2)));
    ck_assert_error("high - low range exceeds valid bounds");
    ck_assert_ptr_null(nd_rng_uniform(r, -1e308, 1e308, ND_FLOAT64, 1, SHAPE(2)));
    ck_assert_error("high - low range exceeds valid bounds");
    ck_assert_ptr_null(nd_rng_uniform(r, 1, 0, ND_FLOAT64, 1, SHAPE(2)));
    ck_assert_error("high - low < 0");
    ck_assert_ptr_null(nd_rng_uniform(r, 0, 1, ND_BFLOAT16, 1, SHAPE(2)));
    ck_assert_error("Unsupported dtype dtype('bfloat16') for uniform");
    nd_array *u = nd_rng_uniform(r, 2, 2, ND_FLOAT64, 1, SHAPE(2));
    ck_assert_values(u, 2, 2);
    nd_free(u);
    nd_rng_free(r);
}
END_TEST

START_TEST(shuffle_views_and_errors)
{
    nd_rng *r = nd_rng_new(4);
    nd_array *base = nd_arange(ND_INT16, 0, 10, 1);
    nd_array *rev = nd_slice(base, 0, ND_NONE, ND_NONE, -2); /* 9 7 5 3 1 */
    ck_assert_int_eq(nd_rng_shuffle(r, rev), 0);
    /* the even positions are untouched; the odd ones hold a permutation */
    int seen = 0;
    for (int64_t i = 0; i < 10; i++) {
        int64_t v;
        nd_get_int64(base, (int64_t[]){i}, &v);
        if (i % 2 == 0)
            ck_assert_int_eq(v, i);
        else
            seen |= 1 << v;
    }
    ck_assert_int_eq(seen, 0x2AA);
    nd_free(rev);
    nd_array *scalar = nd_zeros(ND_FLOAT32, 0, NULL);
    ck_assert_int_eq(nd_rng_shuffle(r, scalar), ND_ERR_TYPE);
    ck_assert_error("len() of unsized object");
    nd_free(scalar);
    nd_array *ro = nd_broadcast_to(base, 2, SHAPE(3, 10));
    ck_assert_int_eq(nd_rng_shuffle(r, ro), ND_ERR_VALUE);
    ck_assert_error("array is read-only");
    nd_free(ro);
    nd_free(base);
    nd_rng_free(r);
}
END_TEST

START_TEST(choice_errors)
{
    nd_rng *r = nd_rng_new(0);
    nd_array *p2 = nd_from_data(ND_FLOAT64, 1, SHAPE(2), (double[]){0.5, 0.5});
    ck_assert_ptr_null(nd_rng_choice(r, 0, 1, SHAPE(3), true, NULL));
    ck_assert_error("a must be a positive integer unless no samples are taken");
    ck_assert_ptr_null(nd_rng_choice(r, 3, 1, SHAPE(4), false, NULL));
    ck_assert_error("Cannot take a larger sample than population when replace is False");
    ck_assert_ptr_null(nd_rng_choice(r, 3, 1, SHAPE(2), true, p2));
    ck_assert_error("a and p must have same size");
    ck_assert_ptr_null(nd_rng_choice(r, 3, 1, SHAPE(-1), true, NULL));
    ck_assert_error("negative dimensions are not allowed");
    nd_array *p22 = nd_reshape(p2, 2, SHAPE(1, 2));
    ck_assert_ptr_null(nd_rng_choice(r, 2, 1, SHAPE(2), true, p22));
    ck_assert_error("p must be 1-dimensional");
    nd_free(p22);
    // clang-format off
    struct { double v[3]; const char *error; } bad[] = {
        {{0.5, NAN, 0}, "probabilities contain NaN"},
        {{1.5, -0.5, 0}, "probabilities are not non-negative"},
        {{0.5, 0.6, 0}, "probabilities do not sum to 1"},
        {{0.5, 0.5, 0.0002}, "probabilities do not sum to 1"},
    };
    // clang-format on
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nd_array *p = nd_from_data(ND_FLOAT64, 1, SHAPE(3), bad[i].v);
        ck_assert_ptr_null(nd_rng_choice(r, 3, 1, SHAPE(2), true, p));
        ck_assert_error(bad[i].error);
        nd_free(p);
    }
    /* float32 p gets float32's looser tolerance, sqrt(2^-23) */
    nd_array *p32 = nd_from_data(ND_FLOAT32, 1, SHAPE(3), (float[]){0.5f, 0.5f, 0.0002f});
    nd_array *c = nd_rng_choice(r, 3, 1, SHAPE(2), true, p32);
    ck_assert_ptr_nonnull(c);
    nd_free(c);
    nd_free(p32);
    nd_array *p3 = nd_from_data(ND_FLOAT64, 1, SHAPE(3), (double[]){1, 0, 0});
    ck_assert_ptr_null(nd_rng_choice(r, 3, 1, SHAPE(2), false, p3));
    ck_assert_error("Fewer non-zero entries in p than size");
    /* a zero-probability entry is never chosen */
    c = nd_rng_choice(r, 3, 1, SHAPE(50), true, p3);
    for (int64_t i = 0; i < 50; i++)
        ck_assert_int_eq(((int64_t *)nd_data(c))[i], 0);
    nd_free(c);
    nd_free(p3);
    nd_free(p2);
    nd_rng_free(r);
}
END_TEST

/* choice without replacement returns distinct indices on both of NumPy's
 * paths (Floyd's, and the tail shuffle for a large share of n > 10000). */
START_TEST(choice_unique)
{
    nd_rng *r = nd_rng_new(8);
    int64_t cases[][2] = {{10, 10}, {1000, 37}, {20000, 15000}, {20000, 100}};
    for (size_t k = 0; k < 4; k++) {
        int64_t n = cases[k][0], size = cases[k][1];
        nd_array *c = nd_rng_choice(r, n, 1, &size, false, NULL);
        ck_assert_shape(c, ND_INT64, 1, size);
        char *seen = calloc((size_t)n, 1);
        for (int64_t i = 0; i < size; i++) {
            int64_t v = ((int64_t *)nd_data(c))[i];
            ck_assert(v >= 0 && v < n && !seen[v]);
            seen[v] = 1;
        }
        free(seen);
        nd_free(c);
    }
    nd_rng_free(r);
}
END_TEST

Suite *test_suite(void)
{
    Suite *s = suite_create("random");
    TCase *tc = tcase_create("random");
    tcase_add_test(tc, seed_zero_matches_numpy);
    tcase_add_test(tc, seed_max_matches_numpy);
    tcase_add_test(tc, methods_match_numpy);
    tcase_add_test(tc, float32_is_rounded_float64);
    tcase_add_test(tc, integers_ranges);
    tcase_add_test(tc, integers_errors);
    tcase_add_test(tc, zero_size_and_0d);
    tcase_add_test(tc, state_resumes);
    tcase_add_test(tc, float_errors);
    tcase_add_test(tc, shuffle_views_and_errors);
    tcase_add_test(tc, choice_errors);
    tcase_add_test(tc, choice_unique);
    suite_add_tcase(s, tc);
    return s;
}
