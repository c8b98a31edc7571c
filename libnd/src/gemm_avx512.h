/* Pieces shared by libnd's AVX-512 matrix-product kernels (private).
 *
 * transpose_16 moves 32-bit lanes only (unpacks and shuffles never look at
 * the bits), so it serves float32 (sgemm_avx512.c) and pairs of bfloat16
 * alike (sbgemm_avx512.c: a pair of neighbouring bf16 along k is one 32-bit
 * unit of vdpbf16ps). */
#ifndef ND_GEMM_AVX512_H
#define ND_GEMM_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#define AVX512 __attribute__((target("avx512f")))

/* dst[i][j] = src[j][i] for a block of 16 columns and `rows` <= 16 rows of
 * floats (rows `src_stride` and `dst_stride` floats apart; missing rows
 * read as 0), writing the lanes of `keep` of each of the 16 dst rows:
 * 32-bit, 64-bit and then two rounds of 128-bit interleaves, 64 shuffles
 * for 256 elements. */
AVX512 static inline void transpose_16(const float *src, int64_t src_stride, int rows, float *dst,
                                       int64_t dst_stride, __mmask16 keep)
{
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++)
        r[i] = i < rows ? _mm512_loadu_ps(src + i * src_stride) : _mm512_setzero_ps();
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
    }
    for (int i = 0; i < 8; i++) {
        _mm512_mask_storeu_ps(dst + i * dst_stride, keep,
                              _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88));
        _mm512_mask_storeu_ps(dst + (i + 8) * dst_stride, keep,
                              _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD));
    }
}

#endif
