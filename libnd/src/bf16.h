/*
 * bf16.h: float32 <-> bfloat16 as static inline functions, for loops that
 * must vectorize: dtype.c's casts, the bf16 GEMM's dot products and the
 * optimizer's bf16 weight copies (libautograd includes this file, as it
 * does vectorize.h). The exported nd_float_to_bfloat16 and
 * nd_bfloat16_to_float call these; a call to an exported function can be
 * interposed in a shared library, so a loop calling it neither inlines nor
 * vectorizes it. Self-contained: <stdint.h> and <string.h> only.
 */
#ifndef ND_BF16_H
#define ND_BF16_H

#include <stdint.h>
#include <string.h>

/* bfloat16 is the top half of a float32, so float32 -> bfloat16 rounds the
 * low 16 bits away: adding 0x7fff plus the lowest kept bit carries exactly
 * when the dropped part is above half, or exactly half with an odd kept
 * part (ties to even). */
static inline uint16_t nd_bf16_round(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x40); /* NaN stays NaN, quiet */
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

/* Exact: the bf16 bits are the float32's top half. */
static inline float nd_bf16_widen(uint16_t b)
{
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#endif /* ND_BF16_H */
