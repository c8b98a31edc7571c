/*
 * random.c: numpy.random.default_rng(seed), draw for draw.
 *
 * The chain is NumPy 1.24's: the seed goes through SeedSequence (a hash
 * that spreads any integer over a pool of four 32-bit words), which fills
 * the 128-bit state and increment of a PCG64 generator; the Generator
 * methods turn PCG64's 64-bit outputs into doubles, floats, bounded
 * integers and normals with exactly NumPy's algorithms, so the same seed
 * gives the same bits here and in NumPy (tests/nd/numpy/random_vs_numpy.py
 * checks it bitwise). Where NumPy's choice of algorithm looks arbitrary (a
 * masked rejection loop for shuffle but Lemire's method for integers, a
 * buffer of 32-bit halves shared by some methods and not others) it is
 * copied on purpose: changing it would change the stream.
 *
 * Floating-point expressions are written in NumPy's order of operations and
 * must not be contracted into FMAs (the default x86-64 target has none).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "nd_internal.h"
#include "random_ziggurat_tables.h"

typedef unsigned __int128 u128;

struct nd_rng {
    // clang-format off
    u128 state;          /* PCG64's LCG state */
    u128 inc;            /* its odd increment (the "stream") */
    int has_uint32;      /* next_uint32 keeps the upper half of a 64-bit draw */
    uint32_t uinteger;   /* ... here, for the next call */
    // clang-format on
};

static bool check_rng(const void *rng)
{
    if (rng)
        return true;
    nd_set_error(ND_ERR_VALUE, "random: the generator is NULL");
    return false;
}

/* ------------------------------------------------------------------------ */
/* PCG64 (O'Neill's pcg_setseq_128_xsl_rr_64)                               */
/* ------------------------------------------------------------------------ */

#define PCG_MULTIPLIER (((u128)0x2360ED051FC65DA4ULL << 64) | 0x4385DF649FCCF645ULL)

/* Advance the LCG, then output XSL-RR of the new state: the two 64-bit
 * halves xored, rotated right by the top 6 bits. */
static uint64_t next_uint64(nd_rng *r)
{
    r->state = r->state * PCG_MULTIPLIER + r->inc;
    uint64_t hi = (uint64_t)(r->state >> 64), x = hi ^ (uint64_t)r->state;
    unsigned rot = (unsigned)(hi >> 58);
    return (x >> rot) | (x << ((64 - rot) & 63));
}

/* 32-bit draws use both halves of a 64-bit one: low half now, high half on
 * the next call. The buffer is part of the state (nd_rng_state). */
static uint32_t next_uint32(nd_rng *r)
{
    if (r->has_uint32) {
        r->has_uint32 = 0;
        return r->uinteger;
    }
    uint64_t v = next_uint64(r);
    r->has_uint32 = 1;
    r->uinteger = (uint32_t)(v >> 32);
    return (uint32_t)v;
}

/* [0, 1) with 53 random bits / 24 random bits. */
static double next_double(nd_rng *r)
{
    return (double)(next_uint64(r) >> 11) * (1.0 / 9007199254740992.0);
}

static float next_float(nd_rng *r) { return (float)(next_uint32(r) >> 8) * (1.0f / 16777216.0f); }

/* ------------------------------------------------------------------------ */
/* SeedSequence -> PCG64                                                    */
/* ------------------------------------------------------------------------ */

/* SeedSequence's constants (bit_generator.pyx): multiply-xorshift hashes
 * with a running multiplier, and a mixer of two words. */
static const uint32_t SS_INIT_A = 0x43b0d7e5, SS_MULT_A = 0x931e8875;
static const uint32_t SS_INIT_B = 0x8b51f9dd, SS_MULT_B = 0x58f38ded;
static const uint32_t SS_MIX_MULT_L = 0xca01f9dd, SS_MIX_MULT_R = 0x4973f715;
#define SS_POOL_SIZE 4

static uint32_t ss_hashmix(uint32_t value, uint32_t *hash_const)
{
    value ^= *hash_const;
    *hash_const *= SS_MULT_A;
    value *= *hash_const;
    return value ^ (value >> 16);
}

static uint32_t ss_mix(uint32_t x, uint32_t y)
{
    uint32_t result = SS_MIX_MULT_L * x - SS_MIX_MULT_R * y;
    return result ^ (result >> 16);
}

/* SeedSequence(seed).pool: the seed as little-endian 32-bit words (one
 * word for seeds below 2^32, including 0), hashed into four words, then
 * every word mixed into every other. */
static void ss_pool(uint64_t seed, uint32_t pool[SS_POOL_SIZE])
{
    uint32_t entropy[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    int nwords = seed >> 32 ? 2 : 1;
    uint32_t hash_const = SS_INIT_A;
    for (int i = 0; i < SS_POOL_SIZE; i++)
        pool[i] = ss_hashmix(i < nwords ? entropy[i] : 0, &hash_const);
    for (int src = 0; src < SS_POOL_SIZE; src++)
        for (int dst = 0; dst < SS_POOL_SIZE; dst++)
            if (src != dst)
                pool[dst] = ss_mix(pool[dst], ss_hashmix(pool[src], &hash_const));
}

/* SeedSequence.generate_state(n / 2, uint64) as n uint32 words: the pool
 * cycled and hashed once more with a second running multiplier. */
static void ss_generate(const uint32_t pool[SS_POOL_SIZE], uint32_t *out, int n)
{
    uint32_t hash_const = SS_INIT_B;
    for (int i = 0; i < n; i++) {
        uint32_t v = pool[i % SS_POOL_SIZE] ^ hash_const;
        hash_const *= SS_MULT_B;
        v *= hash_const;
        out[i] = v ^ (v >> 16);
    }
}

nd_rng *nd_rng_new(uint64_t seed)
{
    nd_rng *r = calloc(1, sizeof *r);
    if (!r) {
        nd_set_error(ND_ERR_MEMORY, "Unable to allocate a random generator");
        return NULL;
    }
    uint32_t pool[SS_POOL_SIZE], w[8];
    ss_pool(seed, pool);
    ss_generate(pool, w, 8);
    /* PCG64 views the words as four little-endian uint64: the first two
     * are the state's (high, low) halves, the last two the sequence's. */
    uint64_t v[4];
    for (int i = 0; i < 4; i++)
        v[i] = (uint64_t)w[2 * i] | (uint64_t)w[2 * i + 1] << 32;
    u128 initstate = (u128)v[0] << 64 | v[1], initseq = (u128)v[2] << 64 | v[3];
    /* pcg_setseq_128_srandom_r */
    r->inc = initseq << 1 | 1;
    r->state = r->inc; /* one step from state 0 */
    r->state += initstate;
    r->state = r->state * PCG_MULTIPLIER + r->inc;
    return r;
}

void nd_rng_free(nd_rng *rng) { free(rng); }

int nd_rng_get_state(const nd_rng *rng, nd_rng_state *out)
{
    if (!check_rng(rng) || !check_rng(out))
        return ND_ERR_VALUE;
    out->state_high = (uint64_t)(rng->state >> 64);
    out->state_low = (uint64_t)rng->state;
    out->inc_high = (uint64_t)(rng->inc >> 64);
    out->inc_low = (uint64_t)rng->inc;
    out->has_uint32 = rng->has_uint32;
    out->uinteger = rng->uinteger;
    return 0;
}

int nd_rng_set_state(nd_rng *rng, const nd_rng_state *state)
{
    if (!check_rng(rng) || !check_rng(state))
        return ND_ERR_VALUE;
    rng->state = (u128)state->state_high << 64 | state->state_low;
    rng->inc = (u128)state->inc_high << 64 | state->inc_low;
    rng->has_uint32 = state->has_uint32 != 0;
    rng->uinteger = state->uinteger;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Bounded integers (distributions.c: random_bounded_*, random_interval)    */
/* ------------------------------------------------------------------------ */

/* The smallest all-ones mask >= max. */
static uint64_t gen_mask(uint64_t max)
{
    for (int shift = 1; shift <= 32; shift *= 2)
        max |= max >> shift;
    return max;
}

/* random_interval: uniform in [0, max] by masking and rejecting; what
 * shuffle and permutation use. 32-bit draws while max fits in 32 bits. */
static uint64_t random_interval(nd_rng *r, uint64_t max)
{
    if (max == 0)
        return 0;
    uint64_t mask = gen_mask(max), value;
    if (max <= 0xFFFFFFFFu) {
        while ((value = (next_uint32(r) & mask)) > max)
            ;
    } else {
        while ((value = (next_uint64(r) & mask)) > max)
            ;
    }
    return value;
}

/* Lemire's method for [0, rng], rng < 2^w - 1: the high half of
 * draw * (rng + 1) is uniform once products whose low half falls below
 * 2^w mod (rng + 1) are rejected. The bound is computed only when the low
 * half is small enough to need it. */
static uint32_t lemire32(nd_rng *r, uint32_t rng)
{
    const uint32_t excl = rng + 1;
    uint64_t m = (uint64_t)next_uint32(r) * excl;
    uint32_t leftover = (uint32_t)m;
    if (leftover < excl) {
        const uint32_t threshold = (UINT32_MAX - rng) % excl;
        while (leftover < threshold) {
            m = (uint64_t)next_uint32(r) * excl;
            leftover = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

static uint64_t lemire64(nd_rng *r, uint64_t rng)
{
    const uint64_t excl = rng + 1;
    u128 m = (u128)next_uint64(r) * excl;
    uint64_t leftover = (uint64_t)m;
    if (leftover < excl) {
        const uint64_t threshold = (UINT64_MAX - rng) % excl;
        while (leftover < threshold) {
            m = (u128)next_uint64(r) * excl;
            leftover = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* random_bounded_uint64 (Lemire, unmasked) without the offset: [0, rng],
 * drawing 32 bits when rng fits in 32 bits. This is also exactly what
 * NumPy's uint32 fill does per element. */
static uint64_t bounded_uint64(nd_rng *r, uint64_t rng)
{
    if (rng == 0)
        return 0;
    if (rng <= 0xFFFFFFFFu)
        return rng == 0xFFFFFFFFu ? next_uint32(r) : lemire32(r, (uint32_t)rng);
    return rng == UINT64_MAX ? next_uint64(r) : lemire64(r, rng);
}

/* The 8- and 16-bit fills cut each 32-bit draw into 4 or 2 pieces, low
 * piece first. The buffer lives for one fill call (one integers() call). */
typedef struct {
    uint32_t bits;
    int left; /* pieces still in `bits` after the current one */
} piece_buffer;

static uint32_t next_piece(nd_rng *r, piece_buffer *b, int width)
{
    if (b->left == 0) {
        b->bits = next_uint32(r);
        b->left = 32 / width - 1;
    } else {
        b->bits >>= width;
        b->left--;
    }
    return b->bits & ((1u << width) - 1);
}

/* Lemire on 8/16-bit pieces: the same algorithm in 2*width-bit products. */
static uint32_t lemire_small(nd_rng *r, uint32_t rng, int width, piece_buffer *b)
{
    const uint32_t full = (1u << width) - 1, excl = rng + 1;
    uint32_t m = next_piece(r, b, width) * excl;
    uint32_t leftover = m & full;
    if (leftover < excl) {
        const uint32_t threshold = (full - rng) % excl;
        while (leftover < threshold) {
            m = next_piece(r, b, width) * excl;
            leftover = m & full;
        }
    }
    return m >> width;
}

/* random_bounded_uint{8,16,32,64}_fill and random_bounded_bool_fill:
 * n values off + [0, rng] of `width` bits, stored as that width's
 * unsigned integers (signed dtypes share the bit patterns). */
static void bounded_fill(nd_rng *r, int width, uint64_t off, uint64_t rng, int64_t n, void *out)
{
    piece_buffer b = {0, 0};
    for (int64_t i = 0; i < n; i++) {
        switch (width) {
        case 1: /* bool: one bit of a 32-bit draw per value */
            ((uint8_t *)out)[i] = rng == 0 ? (uint8_t)off : (uint8_t)next_piece(r, &b, 1);
            break;
        case 8:
        case 16: {
            uint32_t full = (1u << width) - 1, v;
            if (rng == 0)
                v = 0;
            else if (rng == full)
                v = next_piece(r, &b, width);
            else
                v = lemire_small(r, (uint32_t)rng, width, &b);
            if (width == 8)
                ((uint8_t *)out)[i] = (uint8_t)(off + v);
            else
                ((uint16_t *)out)[i] = (uint16_t)(off + v);
            break;
        }
        case 32:
            ((uint32_t *)out)[i] = (uint32_t)(off + bounded_uint64(r, rng));
            break;
        default:
            ((uint64_t *)out)[i] = off + bounded_uint64(r, rng);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Standard normal: Marsaglia & Tsang's ziggurat as NumPy implements it     */
/* ------------------------------------------------------------------------ */

// clang-format off
#define ZIG_R 3.6541528853610087963519472518          /* start of the tail */
#define ZIG_INV_R 0.27366123732975827203338247596     /* 1 / ZIG_R */
// clang-format on
#define ZIG_R_F 3.6541528853610087963519472518f
#define ZIG_INV_R_F 0.27366123732975827203338247596f

/* One 64-bit draw: 8 bits pick the layer, 1 bit the sign, 52 bits the
 * magnitude. Inside the layer's inner rectangle (99.3%) x is accepted at
 * once; layer 0's overhang is the tail x > r, sampled by Marsaglia's
 * exponential method; other overhangs accept x under exp(-x^2/2). */
static double standard_normal(nd_rng *r)
{
    for (;;) {
        uint64_t bits = next_uint64(r);
        int idx = (int)(bits & 0xff);
        bits >>= 8;
        uint64_t rabs = (bits >> 1) & 0x000fffffffffffffULL;
        double x = (double)rabs * nd_zig_wi_double[idx];
        if (bits & 1)
            x = -x;
        if (rabs < nd_zig_ki_double[idx])
            return x;
        if (idx == 0) {
            for (;;) {
                /* log1p(-u) = log(1 - u): never log(0) */
                double xx = -ZIG_INV_R * log1p(-next_double(r));
                double yy = -log1p(-next_double(r));
                if (yy + yy > xx * xx)
                    return ((rabs >> 8) & 1) ? -(ZIG_R + xx) : ZIG_R + xx;
            }
        }
        if ((nd_zig_fi_double[idx - 1] - nd_zig_fi_double[idx]) * next_double(r) +
                nd_zig_fi_double[idx] <
            exp(-0.5 * x * x))
            return x;
    }
}

/* The float32 variant draws 32 bits (8 layer, 1 sign, 23 magnitude) and
 * computes in float, except exp(), which NumPy evaluates in double. */
static float standard_normal_f(nd_rng *r)
{
    for (;;) {
        uint32_t bits = next_uint32(r);
        int idx = (int)(bits & 0xff);
        uint32_t rabs = (bits >> 9) & 0x007fffff;
        float x = (float)rabs * nd_zig_wi_float[idx];
        if ((bits >> 8) & 1)
            x = -x;
        if (rabs < nd_zig_ki_float[idx])
            return x;
        if (idx == 0) {
            for (;;) {
                float xx = -ZIG_INV_R_F * log1pf(-next_float(r));
                float yy = -log1pf(-next_float(r));
                if (yy + yy > xx * xx)
                    return ((rabs >> 8) & 1) ? -(ZIG_R_F + xx) : ZIG_R_F + xx;
            }
        }
        if ((nd_zig_fi_float[idx - 1] - nd_zig_fi_float[idx]) * next_float(r) + nd_zig_fi_float[idx] <
            exp(-0.5 * x * x))
            return x;
    }
}

/* ------------------------------------------------------------------------ */
/* Floating-point distributions                                             */
/* ------------------------------------------------------------------------ */

static bool float_dtype_ok(nd_dtype dt, const char *method)
{
    if (dt == ND_FLOAT32 || dt == ND_FLOAT64)
        return true;
    if (nd_dtype_valid(dt))
        nd_set_error(ND_ERR_TYPE, "Unsupported dtype dtype('%s') for %s", nd_dtype_name(dt), method);
    else
        nd_set_error(ND_ERR_TYPE, "data type %d not understood", (int)dt);
    return false;
}

nd_array *nd_rng_random(nd_rng *rng, nd_dtype dt, int ndim, const int64_t *shape)
{
    if (!check_rng(rng) || !float_dtype_ok(dt, "random"))
        return NULL;
    nd_array *a = nd_alloc_array(dt, ndim, shape);
    if (!a)
        return NULL;
    int64_t n = nd_size(a);
    for (int64_t i = 0; i < n; i++) {
        if (dt == ND_FLOAT64)
            ((double *)a->data)[i] = next_double(rng);
        else
            ((float *)a->data)[i] = next_float(rng);
    }
    return a;
}

nd_array *nd_rng_standard_normal(nd_rng *rng, nd_dtype dt, int ndim, const int64_t *shape)
{
    if (!check_rng(rng) || !float_dtype_ok(dt, "standard_normal"))
        return NULL;
    nd_array *a = nd_alloc_array(dt, ndim, shape);
    if (!a)
        return NULL;
    int64_t n = nd_size(a);
    for (int64_t i = 0; i < n; i++) {
        if (dt == ND_FLOAT64)
            ((double *)a->data)[i] = standard_normal(rng);
        else
            ((float *)a->data)[i] = standard_normal_f(rng);
    }
    return a;
}

/* NumPy's normal and uniform exist in float64 only; a float32 result is
 * the float64 draw rounded, as rng.normal(...).astype(np.float32). */
static nd_array *affine_draws(nd_rng *rng, bool normal, double shift, double scale, nd_dtype dt,
                              int ndim, const int64_t *shape)
{
    nd_array *a = nd_alloc_array(dt, ndim, shape);
    if (!a)
        return NULL;
    int64_t n = nd_size(a);
    for (int64_t i = 0; i < n; i++) {
        /* random_normal: loc + scale * z; random_uniform: low + range * u */
        double v = shift + scale * (normal ? standard_normal(rng) : next_double(rng));
        if (dt == ND_FLOAT64)
            ((double *)a->data)[i] = v;
        else
            ((float *)a->data)[i] = (float)v;
    }
    return a;
}

nd_array *nd_rng_normal(nd_rng *rng, double loc, double scale, nd_dtype dt, int ndim,
                        const int64_t *shape)
{
    if (!check_rng(rng) || !float_dtype_ok(dt, "normal"))
        return NULL;
    if (!isnan(scale) && signbit(scale)) { /* -0.0 too, as NumPy */
        nd_set_error(ND_ERR_VALUE, "scale < 0");
        return NULL;
    }
    return affine_draws(rng, true, loc, scale, dt, ndim, shape);
}

nd_array *nd_rng_uniform(nd_rng *rng, double low, double high, nd_dtype dt, int ndim,
                         const int64_t *shape)
{
    if (!check_rng(rng) || !float_dtype_ok(dt, "uniform"))
        return NULL;
    double range = high - low;
    if (!isfinite(range)) {
        nd_set_error(ND_ERR_VALUE, "high - low range exceeds valid bounds");
        return NULL;
    }
    if (signbit(range)) {
        nd_set_error(ND_ERR_VALUE, "high - low < 0");
        return NULL;
    }
    return affine_draws(rng, false, low, range, dt, ndim, shape);
}

/* ------------------------------------------------------------------------ */
/* integers                                                                 */
/* ------------------------------------------------------------------------ */

/* The closed range [lo, hi] a dtype holds, and the width of its fill. */
static void integer_range(nd_dtype dt, __int128 *lo, __int128 *hi, int *width)
{
    int bits = (int)nd_dtype_itemsize(dt) * 8;
    *width = dt == ND_BOOL ? 1 : bits;
    if (dt == ND_BOOL) {
        *lo = 0;
        *hi = 1;
    } else if (nd_dtype_is_signed(dt)) {
        *lo = -((__int128)1 << (bits - 1));
        *hi = ((__int128)1 << (bits - 1)) - 1;
    } else {
        *lo = 0;
        *hi = ((__int128)1 << bits) - 1;
    }
}

static bool has_zero_dim(int ndim, const int64_t *shape)
{
    for (int i = 0; i < ndim && shape; i++)
        if (shape[i] == 0)
            return true;
    return false;
}

nd_array *nd_rng_integers(nd_rng *rng, int64_t low, int64_t high, bool endpoint, nd_dtype dt,
                          int ndim, const int64_t *shape)
{
    if (!check_rng(rng))
        return NULL;
    if (!nd_dtype_valid(dt) || nd_dtype_is_float(dt)) {
        if (nd_dtype_valid(dt))
            nd_set_error(ND_ERR_TYPE, "Unsupported dtype dtype('%s') for integers",
                         nd_dtype_name(dt));
        else
            nd_set_error(ND_ERR_TYPE, "data type %d not understood", (int)dt);
        return NULL;
    }
    /* NumPy returns an empty array before it looks at the bounds. */
    if (ndim > 0 && has_zero_dim(ndim, shape))
        return nd_alloc_array(dt, ndim, shape);
    __int128 lo_bound, hi_bound, hi = endpoint ? (__int128)high : (__int128)high - 1;
    int width;
    integer_range(dt, &lo_bound, &hi_bound, &width);
    if (low < lo_bound) {
        nd_set_error(ND_ERR_VALUE, "low is out of bounds for %s", nd_dtype_name(dt));
        return NULL;
    }
    if (hi > hi_bound) {
        nd_set_error(ND_ERR_VALUE, "high is out of bounds for %s", nd_dtype_name(dt));
        return NULL;
    }
    if (low > hi) { /* NumPy words the default low = 0 case apart */
        nd_set_error(ND_ERR_VALUE, "%s",
                     endpoint ? (low == 0 ? "high < 0" : "low > high")
                              : (low == 0 ? "high <= 0" : "low >= high"));
        return NULL;
    }
    nd_array *a = nd_alloc_array(dt, ndim, shape);
    if (!a)
        return NULL;
    bounded_fill(rng, width, (uint64_t)low, (uint64_t)(hi - low), nd_size(a), a->data);
    return a;
}

/* ------------------------------------------------------------------------ */
/* shuffle and permutation                                                  */
/* ------------------------------------------------------------------------ */

/* Swaps the subarrays at p and q (ndim dims of the given shape/strides). */
static void swap_subarrays(char *p, char *q, int ndim, const int64_t *shape, const int64_t *strides,
                           size_t itemsize)
{
    if (ndim == 0) {
        char tmp[8];
        memcpy(tmp, p, itemsize);
        memcpy(p, q, itemsize);
        memcpy(q, tmp, itemsize);
        return;
    }
    for (int64_t i = 0; i < shape[0]; i++)
        swap_subarrays(p + i * strides[0], q + i * strides[0], ndim - 1, shape + 1, strides + 1,
                       itemsize);
}

/* Fisher-Yates from the end, j = random_interval(i), as Generator.shuffle.
 * An empty array draws nothing, even when axis 0 is long. */
int nd_rng_shuffle(nd_rng *rng, nd_array *a)
{
    if (!check_rng(rng) || !check_rng(a))
        return ND_ERR_VALUE;
    if (a->ndim == 0)
        return nd_set_error(ND_ERR_TYPE, "len() of unsized object");
    if (!(a->flags & ND_FLAG_WRITEABLE))
        return nd_set_error(ND_ERR_VALUE, "array is read-only");
    if (nd_size(a) == 0)
        return 0;
    size_t itemsize = nd_dtype_itemsize(a->dtype);
    for (int64_t i = a->shape[0] - 1; i >= 1; i--) {
        int64_t j = (int64_t)random_interval(rng, (uint64_t)i);
        if (j != i)
            swap_subarrays(a->data + i * a->strides[0], a->data + j * a->strides[0], a->ndim - 1,
                           a->shape + 1, a->strides + 1, itemsize);
    }
    return 0;
}

nd_array *nd_rng_permutation(nd_rng *rng, int64_t n)
{
    if (!check_rng(rng))
        return NULL;
    int64_t len = n > 0 ? n : 0; /* np.arange(-3) is empty */
    nd_array *a = nd_alloc_array(ND_INT64, 1, &len);
    if (!a)
        return NULL;
    int64_t *v = (int64_t *)a->data;
    for (int64_t i = 0; i < len; i++)
        v[i] = i;
    nd_rng_shuffle(rng, a);
    return a;
}

/* ------------------------------------------------------------------------ */
/* choice                                                                   */
/* ------------------------------------------------------------------------ */

/* _shuffle_int: Fisher-Yates over data[first..n) with Lemire draws (not
 * random_interval: choice's own shuffles differ from shuffle()). */
static void shuffle_int(nd_rng *r, int64_t n, int64_t first, int64_t *data)
{
    for (int64_t i = n - 1; i >= first; i--) {
        int64_t j = (int64_t)bounded_uint64(r, (uint64_t)i);
        int64_t t = data[j];
        data[j] = data[i];
        data[i] = t;
    }
}

/* Without replacement, without p: NumPy shuffles the tail of arange(n)
 * when the sample is a large part of a large population, and otherwise
 * runs Floyd's algorithm with an open-addressing hash set, then shuffles
 * the sample. Writes `size` indices to out. */
static int choice_unweighted_unique(nd_rng *r, int64_t n, int64_t size, int64_t *out)
{
    if (n > 10000 && size > n / 50) {
        int64_t *idx = malloc((size_t)n * sizeof *idx);
        if (!idx)
            return nd_set_error(ND_ERR_MEMORY, "Unable to allocate %lld bytes for an array",
                                (long long)n * 8);
        for (int64_t i = 0; i < n; i++)
            idx[i] = i;
        shuffle_int(r, n, n - size > 1 ? n - size : 1, idx);
        memcpy(out, idx + (n - size), (size_t)size * sizeof *idx);
        free(idx);
        return 0;
    }
    const uint64_t empty = UINT64_MAX;
    uint64_t mask = gen_mask((uint64_t)(1.2 * (double)size)); /* >= 1.2 * size slots */
    uint64_t *set = malloc((size_t)(mask + 1) * sizeof *set);
    if (!set)
        return nd_set_error(ND_ERR_MEMORY, "Unable to allocate %llu bytes for an array",
                            (unsigned long long)(mask + 1) * 8);
    for (uint64_t i = 0; i <= mask; i++)
        set[i] = empty;
    /* Floyd: for j in [n - size, n) pick val in [0, j]; if taken, take j. */
    for (int64_t j = n - size; j < n; j++) {
        uint64_t val = bounded_uint64(r, (uint64_t)j), loc = val & mask;
        while (set[loc] != empty && set[loc] != val)
            loc = (loc + 1) & mask;
        if (set[loc] == empty) {
            set[loc] = val;
        } else {
            val = (uint64_t)j;
            loc = val & mask;
            while (set[loc] != empty)
                loc = (loc + 1) & mask;
            set[loc] = val;
        }
        out[j - n + size] = (int64_t)val;
    }
    free(set);
    shuffle_int(r, size, 1, out);
    return 0;
}

/* cdf.searchsorted(x, side='right'): how many cdf entries are <= x. */
static int64_t search_right(const double *cdf, int64_t n, double x)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (cdf[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* cdf = cumsum(p) (sequential, as np.cumsum); cdf /= cdf[-1]. */
static void normalized_cdf(const double *p, int64_t n, double *cdf)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++)
        cdf[i] = s += p[i];
    double last = cdf[n - 1];
    for (int64_t i = 0; i < n; i++)
        cdf[i] /= last;
}

/* With replacement, with p: a random(shape) call whose draws are looked
 * up in the cdf. n >= 1 here (an empty p cannot sum to 1). */
static int choice_weighted(nd_rng *r, const double *p, int64_t n, int64_t size, int64_t *out)
{
    double *cdf = malloc((size_t)n * sizeof *cdf);
    if (!cdf)
        return nd_set_error(ND_ERR_MEMORY, "Unable to allocate memory for choice");
    normalized_cdf(p, n, cdf);
    for (int64_t i = 0; i < size; i++)
        out[i] = search_right(cdf, n, next_double(r));
    free(cdf);
    return 0;
}

/* Without replacement, with p: draw as many uniforms as are missing, map
 * them through the cdf of the still-unchosen entries (chosen ones get
 * p = 0), keep the first occurrence of each new index, repeat. `p` is
 * modified. */
static int choice_weighted_unique(nd_rng *r, double *p, int64_t n, int64_t size, int64_t *out)
{
    double *cdf = malloc((size_t)n * sizeof *cdf);
    double *x = malloc((size_t)(size > 0 ? size : 1) * sizeof *x);
    bool *seen = malloc((size_t)n);
    if (!cdf || !x || !seen) {
        free(cdf), free(x), free(seen);
        return nd_set_error(ND_ERR_MEMORY, "Unable to allocate memory for choice");
    }
    int64_t found = 0;
    while (found < size) {
        int64_t k = size - found;
        for (int64_t i = 0; i < k; i++)
            x[i] = next_double(r);
        for (int64_t i = 0; i < found; i++)
            p[out[i]] = 0;
        normalized_cdf(p, n, cdf);
        memset(seen, 0, (size_t)n);
        int64_t added = 0;
        for (int64_t i = 0; i < k; i++) {
            int64_t idx = search_right(cdf, n, x[i]);
            if (!seen[idx]) {
                seen[idx] = true;
                out[found + added++] = idx;
            }
        }
        found += added;
    }
    free(cdf), free(x), free(seen);
    return 0;
}

/* Kahan's compensated sum, as _generator.pyx's kahan_sum (0 for n = 0). */
static double kahan_sum(const double *v, int64_t n)
{
    if (n == 0)
        return 0;
    double sum = v[0], c = 0;
    for (int64_t i = 1; i < n; i++) {
        double y = v[i] - c, t = sum + y;
        c = (t - sum) - y;
        sum = t;
    }
    return sum;
}

/* The tolerance on sum(p) - 1: sqrt(eps) of float64, or of p's float
 * dtype if larger, computed in that dtype as np.sqrt(np.finfo(dt).eps). */
static double p_tolerance(nd_dtype dt)
{
    double atol = sqrt(DBL_EPSILON);
    if (dt == ND_FLOAT32)
        atol = sqrtf(FLT_EPSILON);
    else if (dt == ND_FLOAT16)
        atol = 0x1p-5; /* sqrt(2^-10), exact */
    else if (dt == ND_BFLOAT16)
        atol = nd_bfloat16_to_float(nd_float_to_bfloat16(sqrtf(0x1p-7f)));
    return atol;
}

/* Checks p as Generator.choice does and returns it as a new float64
 * C-contiguous copy (malloc'd, n doubles), or NULL with the error set. */
static double *validated_p(const nd_array *p, int64_t n)
{
    if (p->ndim != 1) {
        nd_set_error(ND_ERR_VALUE, "p must be 1-dimensional");
        return NULL;
    }
    if (p->shape[0] != n) {
        nd_set_error(ND_ERR_VALUE, "a and p must have same size");
        return NULL;
    }
    double *v = calloc((size_t)(n > 0 ? n : 1), sizeof *v);
    if (!v) {
        nd_set_error(ND_ERR_MEMORY, "Unable to allocate memory for choice");
        return NULL;
    }
    for (int64_t i = 0; i < n; i++)
        v[i] = nd_load_double(p->dtype, p->data + i * p->strides[0]);
    double sum = kahan_sum(v, n);
    const char *error = NULL;
    if (isnan(sum)) {
        error = "probabilities contain NaN";
    } else {
        for (int64_t i = 0; i < n && !error; i++)
            if (v[i] < 0)
                error = "probabilities are not non-negative";
        if (!error && fabs(sum - 1.0) > p_tolerance(p->dtype))
            error = "probabilities do not sum to 1";
    }
    if (error) {
        nd_set_error(ND_ERR_VALUE, "%s", error);
        free(v);
        return NULL;
    }
    return v;
}

nd_array *nd_rng_choice(nd_rng *rng, int64_t n, int ndim, const int64_t *shape, bool replace,
                        const nd_array *p)
{
    if (!check_rng(rng))
        return NULL;
    bool no_samples = ndim > 0 && has_zero_dim(ndim, shape);
    if (n <= 0 && !no_samples) {
        nd_set_error(ND_ERR_VALUE, "a must be a positive integer unless no samples are taken");
        return NULL;
    }
    double *pv = NULL;
    if (p && !(pv = validated_p(p, n)))
        return NULL;
    nd_array *out = nd_alloc_array(ND_INT64, ndim, shape);
    int64_t size = out ? nd_size(out) : 0;
    int64_t *idx = out ? (int64_t *)out->data : NULL;
    int status = out ? 0 : nd_last_status();
    if (!status && !replace && size > n)
        status = nd_set_error(ND_ERR_VALUE,
                              "Cannot take a larger sample than population when replace is False");
    if (!status && !replace && pv) {
        int64_t nonzero = 0;
        for (int64_t i = 0; i < n; i++)
            nonzero += pv[i] > 0;
        if (nonzero < size)
            status = nd_set_error(ND_ERR_VALUE, "Fewer non-zero entries in p than size");
    }
    if (!status) {
        if (replace && pv)
            status = choice_weighted(rng, pv, n, size, idx);
        else if (replace)
            bounded_fill(rng, 64, 0, (uint64_t)n - 1, size, idx); /* integers(0, n) */
        else if (pv)
            status = choice_weighted_unique(rng, pv, n, size, idx);
        else
            status = choice_unweighted_unique(rng, n, size, idx);
    }
    free(pv);
    if (status) {
        nd_free(out);
        return NULL;
    }
    return out;
}
