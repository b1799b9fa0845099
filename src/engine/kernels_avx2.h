/* kernels_avx2.h — helpers shared by the AVX2 kernel files (*_avx2.c).
 *
 * Include only from files that CMake compiles with -mavx2 -mfma -mf16c:
 * everything here is inline AVX2 code. kernels_q_avx2.c holds the quantized
 * lane (VEC_DOT) forms, kernels_rp_avx2.c the repacked forms, kernels_avx2.c
 * the float forms, the activation quantizers, the vector helpers and the
 * table.
 *
 * Every kernel computes each (weight row, activation row) pair with the
 * operation sequence of its form (kernels.h) whatever the tile shape: the
 * same integer lanes per block, the same fused multiply-adds in the same
 * order, the same final sum as the scalar definition, so tiles, vec_dot and
 * the scalar table agree bit for bit.
 */
#ifndef COLA_ENGINE_KERNELS_AVX2_H
#define COLA_ENGINE_KERNELS_AVX2_H

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define COLA_HAVE_AVX2 1

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "engine/kernels.h"

#define KA_INLINE static inline __attribute__((always_inline))

/* f16 at any address -> float (F16C, exact). */
KA_INLINE float ka_h2f(const void *p)
{
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/* ggml's hsum_float_8: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)),
 * the order of ks_hsum8. */
KA_INLINE float ka_hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

KA_INLINE float ka_hsum4(__m128 s)
{
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

KA_INLINE __m256i ka_loadu(const void *p)
{
    return _mm256_loadu_si256((const __m256i *)p);
}

KA_INLINE __m128i ka_loadu128(const void *p)
{
    return _mm_loadu_si128((const __m128i *)p);
}

/* Calls BODY(rn, cn) with compile-time rn <= RB, cn <= CB for each sub-tile
 * of an na x nb tile, so the inline kernels are specialised per shape and
 * keep their accumulators in registers. */
#define KA_TILE_LOOP(RB, CB, na, nb, BODY)                                       \
    for (int c0_ = 0; c0_ < (nb); c0_ += (CB)) {                                 \
        const int cn_ = (nb) - c0_ < (CB) ? (nb) - c0_ : (CB);                   \
        for (int r0_ = 0; r0_ < (na); r0_ += (RB)) {                             \
            const int rn_ = (na) - r0_ < (RB) ? (na) - r0_ : (RB);               \
            BODY(r0_, c0_, rn_, cn_);                                            \
        }                                                                        \
    }

/* Instantiate kernel K for every shape up to RB x CB and call the one that
 * matches (rn, cn). */
#define KA_SHAPE_CASE(K, RB, CB, R, C, ...)                                      \
    case (R) * 8 + (C):                                                          \
        if ((R) <= (RB) && (C) <= (CB))                                          \
            K(R, C, __VA_ARGS__);                                                \
        break;
#define KA_SHAPE_SWITCH(K, RB, CB, rn, cn, ...)                                  \
    switch ((rn) * 8 + (cn)) {                                                   \
        KA_SHAPE_CASE(K, RB, CB, 1, 1, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 1, 2, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 1, 3, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 1, 4, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 2, 1, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 2, 2, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 2, 3, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 2, 4, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 3, 1, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 3, 2, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 3, 3, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 3, 4, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 4, 1, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 4, 2, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 4, 3, __VA_ARGS__)                              \
        KA_SHAPE_CASE(K, RB, CB, 4, 4, __VA_ARGS__)                              \
    default:                                                                     \
        break;                                                                   \
    }

/* quantized kernels (kernels_q_avx2.c) */
#define KA_DECL(t)                                                                       \
    void ka_dot_##t(int64_t n, float *s, const void *a, const void *b);                  \
    void ka_tile_##t(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,  \
                     const void *b, size_t bs, int nb);
KA_DECL(q4_0)
KA_DECL(q4_1)
KA_DECL(q5_0)
KA_DECL(q5_1)
KA_DECL(q8_0)
KA_DECL(q2_K)
KA_DECL(q3_K)
KA_DECL(q4_K)
KA_DECL(q5_K)
KA_DECL(q6_K)
#undef KA_DECL
/* repacked forms (kernels_rp_avx2.c) */
void ka_tile_rp_q4_0(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,
                     const void *b, size_t bs, int nb);
void ka_tile_rp_q4_K(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,
                     const void *b, size_t bs, int nb);
void ka_tile_rp4_q4_K(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,
                      const void *b, size_t bs, int nb);

#endif /* AVX2 */
#endif
