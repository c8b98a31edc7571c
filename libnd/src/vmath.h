/*
 * vmath.h: float32 exp, log and tanh written so that a loop calling them
 * vectorizes: no branches (both sides computed, then selected), no calls,
 * no lookup tables. libm's expf is a scalar call per element (~2 ns here);
 * these run 16 lanes at a time in the AVX-512 clone of a loop.
 *
 * The method is the classic one (Cody & Waite range reduction, then a
 * minimax polynomial, coefficients as in Cephes): about 1 ulp from the
 * correctly rounded result over the whole range, with IEEE special values
 * (NaN stays NaN, exp(-inf) = 0, exp(inf) = inf, log(0) = -inf, log(x<0) =
 * NaN). The differential tests hold them to NumPy within a few ulp.
 */
#ifndef ND_VMATH_H
#define ND_VMATH_H

#include <math.h>
#include <stdint.h>

static inline float nd_bits_to_float(int32_t i)
{
    union {
        int32_t i;
        float f;
    } u = {.i = i};
    return u.f;
}

static inline int32_t nd_float_to_bits(float f)
{
    union {
        float f;
        int32_t i;
    } u = {.f = f};
    return u.i;
}

/* exp(x) = 2^k exp(r), k = round(x / ln 2), r = x - k ln 2 in
 * [-ln2/2, ln2/2]; ln 2 is split in two parts (Cody-Waite) so r is exact.
 * Returns exp(r) and sets *k; nd_vexpf and nd_vexpf_in_range scale it. */
static inline float nd_vexpf_reduced(float x, float *k)
{
    *k = rintf(x * 1.44269504088896341f);
    float r = x - *k * 0.693359375f;
    r = r - *k * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    return p * r * r + r + 1.0f;
}

/* exp(x) for every float32 x. 2^k is built in two halves so that k in
 * [-150, 128] never leaves the exponent range: overflow rounds to inf and
 * underflow to 0 as IEEE says.
 *
 * Below -104 (exp < half the smallest subnormal, so 0) the lane computes
 * exp(0) and 0 is selected at the end: carried through, such a lane (the
 * -inf of every masked attention score) would make the last multiply
 * produce a subnormal, which costs a microcode assist on x86 and made a
 * causal softmax's exp several times slower than an unmasked one. */
static inline float nd_vexpf(float x)
{
    /* Clamp with plain selects (fminf would be a call): NaN becomes 89
     * here and is put back at the end. */
    int32_t zero = !(x > -104.0f) && x == x;
    float xc = zero ? 0.0f : x;
    xc = xc < 89.0f ? xc : 89.0f;
    float k, y = nd_vexpf_reduced(xc, &k);
    int32_t ki = (int32_t)k;
    int32_t k1 = ki >> 1, k2 = ki - k1;
    y = y * nd_bits_to_float((k1 + 127) << 23) * nd_bits_to_float((k2 + 127) << 23);
    y = zero ? 0.0f : y;
    return x != x ? x : y;
}

/* exp(x) for x in [-87, 87] (not NaN: the caller bounds x), the bits of
 * nd_vexpf there, without its range handling: k within [-126, 126] makes
 * 2^k one normal number, and the scaling one exact multiply (two exact
 * ones in nd_vexpf) before the same rounding. For callers that bound the
 * argument themselves (GELU's tanh), where the selects and the second
 * multiply were a fifth of the arithmetic. */
static inline float nd_vexpf_in_range(float x)
{
    float k, y = nd_vexpf_reduced(x, &k);
    return y * nd_bits_to_float((int32_t)((uint32_t)((int32_t)k + 127) << 23));
}

/* log(x) = e ln 2 + log(m), x = m 2^e with m in [sqrt(1/2), sqrt(2)), so
 * log(m) is a polynomial in f = m - 1 with |f| < 0.42. Subnormal x is
 * scaled by 2^23 first. */
static inline float nd_vlogf(float x)
{
    int32_t subnormal = x < 1.17549435e-38f;
    float xs = subnormal ? x * 8388608.0f : x;
    int32_t bits = nd_float_to_bits(xs);
    int32_t e = ((bits >> 23) & 0xff) - 127 - (subnormal ? 23 : 0);
    float m = nd_bits_to_float((bits & 0x007fffff) | 0x3f800000); /* [1, 2) */
    int32_t big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    e = big ? e + 1 : e;
    float f = m - 1.0f, z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float fe = (float)e;
    float y = p * f * z + fe * -2.12194440e-4f - 0.5f * z;
    y = f + y + fe * 0.693359375f;
    /* Special values: log(0) = -inf, log(negative) = NaN, log(inf) = inf,
     * NaN stays NaN. */
    y = x == 0.0f ? -INFINITY : y;
    y = x < 0.0f ? NAN : y;
    y = x == INFINITY ? x : y;
    return x != x ? x : y;
}

/* tanh: an odd polynomial for |x| < 0.625 (where 1 - 2/(e^2x + 1) would
 * cancel), else 1 - 2 / (exp(2|x|) + 1) with the sign of x; saturates to
 * +-1 past |x| = 9, where float32 cannot tell tanh from 1. */
static inline float nd_vtanhf(float x)
{
    float ax = fabsf(x);
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = p * z * x + x;
    float e = nd_vexpf(2.0f * (ax < 9.0f ? ax : 9.0f));
    float large = 1.0f - 2.0f / (e + 1.0f);
    large = copysignf(large, x);
    float y = ax < 0.625f ? small : large;
    return x != x ? x : y;
}

#endif /* ND_VMATH_H */
