/* kernels_q_avx2.c — AVX2 dot products and tiles of the quantized weight
 * types against their 8-bit activations (Q4_0, Q5_0, Q8_0 x Q8_0; Q4_1,
 * Q5_1 x Q8_1; Q2_K, Q3_K, Q4_K, Q5_K, Q6_K x Q8_K).
 *
 * The integer core is _mm256_maddubs_epi16 (u8 x i8 -> pairs summed in i16)
 * followed by _mm256_madd_epi16 (i16 pairs -> i32). It needs one unsigned
 * operand, so:
 *   - Q4_0/Q5_0 multiply the unsigned quant (0..15 / 0..31) and subtract the
 *     offset (8 / 16) times the activation sum, lane by lane;
 *   - Q8_0 uses the sign trick: |w| times y with w's sign;
 *   - the K-quants multiply unsigned quants per 32-element chunk, weight the
 *     i16 pairs by the chunk's scale in the madd; the mins (Q2_K/Q4_K/Q5_K)
 *     and Q6_K's +32 offset come off once per 256-element block through the
 *     activation's bsums, in integers, in the order ggml's AVX2 code uses
 *     (docs/kernels.md lists each type's form); Q3_K's offsets are integer
 *     work as well.
 * No i16 sum can saturate: unsigned quants are at most 63 and activation
 * quants lie in [-127, 127] (they come from the quantizers).
 *
 * Each tile kernel is written once as an always-inline function of its shape
 * (R weight rows x C activation rows) and instantiated per shape, so the
 * R*C accumulators stay in registers. vec_dot is the 1x1 shape.
 */
#include "engine/kernels_avx2.h"

#ifdef COLA_HAVE_AVX2

#include <stddef.h>

#include "engine/quant_internal.h"

/* Byte views of packed fields (taking their address directly would be an
 * unaligned pointer of a wider type). */
#define Q8K_QS(y) ((const uint8_t *)(y) + offsetof(struct qt_block_q8_K, qs))
#define Q8K_BSUMS(y) ((const uint8_t *)(y) + offsetof(struct qt_block_q8_K, bsums))
#define Q6K_D(w) ((const uint8_t *)(w) + offsetof(struct qt_block_q6_K, d))
#define Q3K_D(w) ((const uint8_t *)(w) + offsetof(struct qt_block_q3_K, d))
#define Q2K_D(w) ((const uint8_t *)(w) + offsetof(struct qt_block_q2_K, d))
#define Q2K_DMIN(w) ((const uint8_t *)(w) + offsetof(struct qt_block_q2_K, dmin))

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* Shapes of the sub-tiles, measured with a single-thread micro-benchmark on
 * an L2-resident panel: batches (nb > 1) go in RB x CB sub-tiles (Q4_0 4 x 2,
 * the other 32-element formats and the K-quants 2 x 4: two weight rows
 * against four activation rows); a single activation row (decode) in 4 x 1
 * for the 32-element formats and row by row for the K-quants, whose 1 x 1
 * kernel already has enough independent work per block. Larger shapes run
 * out of the 16 ymm registers. */
#ifndef LEG_RB
#define LEG_RB 2
#endif
#ifndef LEG_CB
#define LEG_CB 4
#endif
#ifndef Q40_RB
#define Q40_RB 4
#endif
#ifndef Q40_CB
#define Q40_CB 2
#endif
#ifndef LEG_RB1
#define LEG_RB1 4
#endif

/* Decode walks LEG_RB1 rows side by side; rows are short (2048 Q4_0
 * elements are 18 cache lines), too short for the hardware prefetcher to
 * lock onto four streams, so each block prefetches the same block LEG_PF
 * rows further on (measured: 4x1 went from 8 to 17 GB/s on one thread). */
#ifndef LEG_PF
#define LEG_PF 8
#endif
#ifndef KQ_RB
#define KQ_RB 2
#endif
#ifndef KQ_CB
#define KQ_CB 4
#endif
#ifndef KQ_RB1
#define KQ_RB1 1
#endif

/* ------------------------------------------------------------ 32-element blocks */

enum leg_kind { LEG_Q4_0, LEG_Q5_0, LEG_Q8_0, LEG_Q4_1, LEG_Q5_1 };

KA_INLINE size_t leg_wsize(enum leg_kind k)
{
    return k == LEG_Q4_0 ? 18 : k == LEG_Q5_0 ? 22 : k == LEG_Q8_0 ? 34 : k == LEG_Q4_1 ? 20 : 24;
}

KA_INLINE bool leg_has_min(enum leg_kind k)
{
    return k == LEG_Q4_1 || k == LEG_Q5_1;
}

/* 32 nibbles -> bytes 0..15 in element order (low nibbles first). */
KA_INLINE __m256i nibbles32(const uint8_t *qs)
{
    /* the 16 bytes in both halves (a load, no shuffle), the upper half
     * shifted right by 4 */
    const __m256i v = _mm256_broadcastsi128_si256(ka_loadu128(qs));
    const __m256i sh = _mm256_srlv_epi64(v, _mm256_set_epi64x(4, 4, 0, 0));
    return _mm256_and_si256(sh, _mm256_set1_epi8(0x0f));
}

/* 32 bits -> bytes 0x10 where the bit is set, else 0. */
KA_INLINE __m256i bits32_to_0x10(const uint8_t *p)
{
    uint32_t x;
    memcpy(&x, p, 4);
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32((int)x),
        _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

/* The weight quants of one block: unsigned for every kind but Q8_0. */
KA_INLINE __m256i leg_unpack(enum leg_kind k, const uint8_t *blk)
{
    switch (k) {
    case LEG_Q4_0: return nibbles32(blk + 2);
    case LEG_Q4_1: return nibbles32(blk + 4);
    case LEG_Q5_0: return _mm256_or_si256(nibbles32(blk + 6), bits32_to_0x10(blk + 2));
    case LEG_Q5_1: return _mm256_or_si256(nibbles32(blk + 8), bits32_to_0x10(blk + 4));
    default: return ka_loadu(blk + 2);
    }
}

/* v with 16-bit element r (0..3) set to h; the switch folds away where r is
 * a constant (every optimised build). */
KA_INLINE __m128i insert16(__m128i v, uint16_t h, int r)
{
    switch (r) {
    case 0: return _mm_insert_epi16(v, h, 0);
    case 1: return _mm_insert_epi16(v, h, 1);
    case 2: return _mm_insert_epi16(v, h, 2);
    default: return _mm_insert_epi16(v, h, 3);
    }
}

/* s[c * ss + r] = dot(a_r, b_c) for r < R, c < C over n elements. */
KA_INLINE void leg_kernel(enum leg_kind k, const int R, const int C, int64_t n, float *s,
                          int64_t ss, const uint8_t *a, size_t as, const uint8_t *b, size_t bs)
{
    const size_t wsz = leg_wsize(k), ysz = leg_has_min(k) ? 36 : 34;
    const size_t yqs = leg_has_min(k) ? 4 : 2;
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i off = _mm256_set1_epi8(k == LEG_Q4_0 ? 8 : 16);
    __m256 acc[4][4];
    float summ[4][4];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
            acc[r][c] = _mm256_setzero_ps();
            summ[r][c] = 0.0f;
        }
    for (int64_t i = 0; i < n / 32; i++) {
        __m256i w[4], aw[4], y[4], yoff[4];
        float mw[4], sy[4];
        /* the R x C scale products: the weight scales of the block gathered
         * into one vector, converted and multiplied by each activation scale
         * at once, then broadcast from memory (a load, not an ALU op) */
        __m128i hw = _mm_setzero_si128();
        for (int r = 0; r < R; r++) {
            const uint8_t *blk = a + (size_t)r * as + (size_t)i * wsz;
            if (C == 1 && R > 1) /* decode: see LEG_PF */
                _mm_prefetch((const char *)blk + LEG_PF * as, _MM_HINT_T0);
            w[r] = leg_unpack(k, blk);
            if (k == LEG_Q8_0)
                aw[r] = _mm256_sign_epi8(w[r], w[r]);
            uint16_t h;
            memcpy(&h, blk, 2);
            hw = insert16(hw, h, r);
            if (leg_has_min(k))
                mw[r] = ka_h2f(blk + 2);
        }
        const __m128 dwv = _mm_cvtph_ps(hw);
        float ds[4][4];
        for (int c = 0; c < C; c++) {
            const uint8_t *blk = b + (size_t)c * bs + (size_t)i * ysz;
            y[c] = ka_loadu(blk + yqs);
            _mm_storeu_ps(ds[c], _mm_mul_ps(dwv, _mm_set1_ps(ka_h2f(blk))));
            if (leg_has_min(k))
                sy[c] = ka_h2f(blk + 2);
            if (k == LEG_Q4_0 || k == LEG_Q5_0)
                yoff[c] = _mm256_madd_epi16(_mm256_maddubs_epi16(off, y[c]), ones);
        }
        for (int r = 0; r < R; r++) {
            for (int c = 0; c < C; c++) {
                __m256i l;
                if (k == LEG_Q8_0) {
                    l = _mm256_maddubs_epi16(aw[r], _mm256_sign_epi8(y[c], w[r]));
                    l = _mm256_madd_epi16(l, ones);
                } else {
                    l = _mm256_madd_epi16(_mm256_maddubs_epi16(w[r], y[c]), ones);
                    if (k == LEG_Q4_0 || k == LEG_Q5_0)
                        l = _mm256_sub_epi32(l, yoff[c]);
                }
                acc[r][c] = _mm256_fmadd_ps(_mm256_broadcast_ss(&ds[c][r]),
                                            _mm256_cvtepi32_ps(l), acc[r][c]);
                if (leg_has_min(k)) /* ggml: summs += m * s, contracted to an fma */
                    summ[r][c] = fmaf(mw[r], sy[c], summ[r][c]);
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            s[c * ss + r] = leg_has_min(k) ? ka_hsum8(acc[r][c]) + summ[r][c] : ka_hsum8(acc[r][c]);
}

#define LEG_DEFINE(t, KIND, RB, CB)                                                             \
    void ka_dot_##t(int64_t n, float *s, const void *a, const void *b)                    \
    {                                                                                     \
        leg_kernel(KIND, 1, 1, n, s, 1, a, 0, b, 0);                                      \
    }                                                                                     \
    void ka_tile_##t(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,   \
                     const void *b, size_t bs, int nb)                                    \
    {                                                                                     \
        const uint8_t *A = a, *B = b;                                                     \
        if (nb == 1) {                                                                    \
            KA_TILE_LOOP(LEG_RB1, 1, na, nb, LEG_BODY1_##t)                               \
        } else {                                                                          \
            KA_TILE_LOOP(RB, CB, na, nb, LEG_BODY_##t)                                    \
        }                                                                                 \
    }

#define LEG_CALL(R, C, KIND, n, s, ss, A, as, B, bs) leg_kernel(KIND, R, C, n, s, ss, A, as, B, bs)
#define LEG_BODY(KIND, RB, CB, r0, c0, rn, cn)                                            \
    KA_SHAPE_SWITCH(LEG_CALL, RB, CB, rn, cn, KIND, n, s + (c0) * ss + (r0), ss,          \
                    A + (size_t)(r0) * as, as, B + (size_t)(c0) * bs, bs)
#define LEG_BODY_q4_0(r0, c0, rn, cn) LEG_BODY(LEG_Q4_0, Q40_RB, Q40_CB, r0, c0, rn, cn)
#define LEG_BODY_q5_0(r0, c0, rn, cn) LEG_BODY(LEG_Q5_0, LEG_RB, LEG_CB, r0, c0, rn, cn)
#define LEG_BODY_q8_0(r0, c0, rn, cn) LEG_BODY(LEG_Q8_0, LEG_RB, LEG_CB, r0, c0, rn, cn)
#define LEG_BODY_q4_1(r0, c0, rn, cn) LEG_BODY(LEG_Q4_1, LEG_RB, LEG_CB, r0, c0, rn, cn)
#define LEG_BODY_q5_1(r0, c0, rn, cn) LEG_BODY(LEG_Q5_1, LEG_RB, LEG_CB, r0, c0, rn, cn)
#define LEG_BODY1_q4_0(r0, c0, rn, cn) LEG_BODY(LEG_Q4_0, LEG_RB1, 1, r0, c0, rn, cn)
#define LEG_BODY1_q5_0(r0, c0, rn, cn) LEG_BODY(LEG_Q5_0, LEG_RB1, 1, r0, c0, rn, cn)
#define LEG_BODY1_q8_0(r0, c0, rn, cn) LEG_BODY(LEG_Q8_0, LEG_RB1, 1, r0, c0, rn, cn)
#define LEG_BODY1_q4_1(r0, c0, rn, cn) LEG_BODY(LEG_Q4_1, LEG_RB1, 1, r0, c0, rn, cn)
#define LEG_BODY1_q5_1(r0, c0, rn, cn) LEG_BODY(LEG_Q5_1, LEG_RB1, 1, r0, c0, rn, cn)

LEG_DEFINE(q4_0, LEG_Q4_0, Q40_RB, Q40_CB)
LEG_DEFINE(q5_0, LEG_Q5_0, LEG_RB, LEG_CB)
LEG_DEFINE(q8_0, LEG_Q8_0, LEG_RB, LEG_CB)
LEG_DEFINE(q4_1, LEG_Q4_1, LEG_RB, LEG_CB)
LEG_DEFINE(q5_1, LEG_Q5_1, LEG_RB, LEG_CB)

/* ------------------------------------------------------------ K-quants */

/* Byte masks that broadcast i16 element j of a 128-bit lane to all 8 i16. */
KA_INLINE __m256i kq_pick16(int j)
{
    const int lo = 2 * j, hi = 2 * j + 1;
    return _mm256_set1_epi16((short)(lo | hi << 8));
}

/* Q4_K/Q5_K: the 8 scales (i16, both 128-bit halves) and 8 mins (i16) of a
 * block, decoded from the 12 packed bytes. */
KA_INLINE void k4_scales(const uint8_t *p, __m256i *sc, __m128i *mins)
{
    uint32_t u[4];
    memcpy(u, p, 12);
    /* u[0]: low 6 bits of scales 0-3; u[1]: low 6 bits of mins 0-3;
     * u[2]: nibbles of scales/mins 4-7; top 2 bits of u[0]/u[1] complete them */
    const uint32_t m4 = 0x0f0f0f0fu, m6 = 0x3f3f3f3fu, m2 = 0x03030303u;
    const uint32_t sc03 = u[0] & m6, mn03 = u[1] & m6;
    const uint32_t sc47 = (u[2] & m4) | (((u[0] >> 6) & m2) << 4);
    const uint32_t mn47 = ((u[2] >> 4) & m4) | (((u[1] >> 6) & m2) << 4);
    const __m128i v = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)sc47, (int)sc03));
    *sc = _mm256_set_m128i(v, v);
    *mins = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)mn47, (int)mn03));
}

/* i16 sums of the 8 32-element chunks of a Q8_K block (from its bsums). */
KA_INLINE __m128i q8k_chunk_sums(const struct qt_block_q8_K *y)
{
    const __m256i bsums = ka_loadu(Q8K_BSUMS(y));
    return _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
}

KA_INLINE void k45_kernel(bool five, const int R, const int C, int64_t n, float *s, int64_t ss,
                          const uint8_t *a, size_t as, const uint8_t *b, size_t bs)
{
    const size_t wsz = five ? sizeof(struct qt_block_q5_K) : sizeof(struct qt_block_q4_K);
    const size_t qs_off = five ? 16 + 32 : 16;
    const __m256i m4 = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
    __m256 acc[4][4];
    __m128 accm[4][4];
    float summs[4][4];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
            acc[r][c] = _mm256_setzero_ps();
            accm[r][c] = _mm_setzero_ps();
            summs[r][c] = 0.0f;
        }
    for (int64_t i = 0; i < n / QK_K; i++) {
        const uint8_t *wb[4];
        const struct qt_block_q8_K *yb[4];
        __m256i sc[4], isum[4][4];
        __m128i mins[4];
        float dw[4], dmw[4];
        for (int r = 0; r < R; r++) {
            wb[r] = a + (size_t)r * as + (size_t)i * wsz;
            dw[r] = ka_h2f(wb[r]);
            dmw[r] = ka_h2f(wb[r] + 2);
            k4_scales(wb[r] + 4, &sc[r], &mins[r]);
        }
        for (int c = 0; c < C; c++)
            yb[c] = (const struct qt_block_q8_K *)(b + (size_t)c * bs) + i;
        for (int r = 0; r < R; r++)
            for (int c = 0; c < C; c++)
                isum[r][c] = _mm256_setzero_si256();
        for (int p = 0; p < 4; p++) {
            __m256i lo[4], hi[4], slo[4], shi[4];
            for (int r = 0; r < R; r++) {
                const __m256i q = ka_loadu(wb[r] + qs_off + 32 * p);
                lo[r] = _mm256_and_si256(q, m4);
                hi[r] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                if (five) {
                    const __m256i h = ka_loadu(wb[r] + 16);
                    lo[r] = _mm256_or_si256(
                        lo[r], _mm256_slli_epi16(
                                   _mm256_and_si256(_mm256_srli_epi16(h, 2 * p), one), 4));
                    hi[r] = _mm256_or_si256(
                        hi[r], _mm256_slli_epi16(
                                   _mm256_and_si256(_mm256_srli_epi16(h, 2 * p + 1), one), 4));
                }
                slo[r] = _mm256_shuffle_epi8(sc[r], kq_pick16(2 * p));
                shi[r] = _mm256_shuffle_epi8(sc[r], kq_pick16(2 * p + 1));
            }
            for (int c = 0; c < C; c++) {
                const __m256i ylo = ka_loadu(Q8K_QS(yb[c]) + 64 * p);
                const __m256i yhi = ka_loadu(Q8K_QS(yb[c]) + 64 * p + 32);
                for (int r = 0; r < R; r++) {
                    const __m256i plo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo[r], ylo), slo[r]);
                    const __m256i phi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi[r], yhi), shi[r]);
                    isum[r][c] = _mm256_add_epi32(isum[r][c], _mm256_add_epi32(plo, phi));
                }
            }
        }
        for (int c = 0; c < C; c++) {
            const __m128i q8s = q8k_chunk_sums(yb[c]);
            const __m256 dy = _mm256_set1_ps(yb[c]->d);
            for (int r = 0; r < R; r++) {
                const __m256 d = _mm256_mul_ps(_mm256_set1_ps(dw[r]), dy);
                acc[r][c] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(isum[r][c]), acc[r][c]);
                const __m128 dm = _mm_mul_ps(_mm_set1_ps(-dmw[r]), _mm256_castps256_ps128(dy));
                const __m128i pm = _mm_madd_epi16(mins[r], q8s);
                if (five) { /* ggml's Q5_K: one float, fma with the integer sum */
                    __m128i t = _mm_add_epi32(pm, _mm_unpackhi_epi64(pm, pm));
                    t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 1));
                    summs[r][c] = fmaf(_mm_cvtss_f32(dm), (float)_mm_cvtsi128_si32(t), summs[r][c]);
                } else {
                    accm[r][c] = _mm_fmadd_ps(dm, _mm_cvtepi32_ps(pm), accm[r][c]);
                }
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            s[c * ss + r] = ka_hsum8(acc[r][c]) + (five ? summs[r][c] : ka_hsum4(accm[r][c]));
}

KA_INLINE void k6_kernel(const int R, const int C, int64_t n, float *s, int64_t ss,
                         const uint8_t *a, size_t as, const uint8_t *b, size_t bs)
{
    const __m256i m4 = _mm256_set1_epi8(0x0f), m3 = _mm256_set1_epi8(3);
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            acc[r][c] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; i++) {
        const struct qt_block_q6_K *wb[4];
        const struct qt_block_q8_K *yb[4];
        __m256i isum[4][4];
        __m128i sc8[4];
        for (int r = 0; r < R; r++) {
            wb[r] = (const struct qt_block_q6_K *)(a + (size_t)r * as) + i;
            sc8[r] = ka_loadu128(wb[r]->scales);
        }
        for (int c = 0; c < C; c++)
            yb[c] = (const struct qt_block_q8_K *)(b + (size_t)c * bs) + i;
        for (int r = 0; r < R; r++)
            for (int c = 0; c < C; c++)
                isum[r][c] = _mm256_setzero_si256();
        for (int h = 0; h < 2; h++) {
            __m256i qh[4];
            for (int r = 0; r < R; r++)
                qh[r] = ka_loadu(wb[r]->qh + 32 * h);
            for (int k = 0; k < 4; k++) {
                __m256i q[4], scv[4];
                const int g = 8 * h + 2 * k; /* the chunk's two 16-element groups */
                const __m128i pick = _mm_set_epi64x(0x0101010101010101LL * (g + 1),
                                                    0x0101010101010101LL * g);
                for (int r = 0; r < R; r++) {
                    const __m256i ql = ka_loadu(wb[r]->ql + 64 * h + 32 * (k & 1));
                    const __m256i lo = k < 2 ? _mm256_and_si256(ql, m4)
                                             : _mm256_and_si256(_mm256_srli_epi16(ql, 4), m4);
                    const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(qh[r], 2 * k), m3);
                    q[r] = _mm256_or_si256(lo, _mm256_slli_epi16(hb, 4));
                    scv[r] = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8[r], pick));
                }
                for (int c = 0; c < C; c++) {
                    const __m256i y = ka_loadu(Q8K_QS(yb[c]) + 128 * h + 32 * k);
                    for (int r = 0; r < R; r++) {
                        const __m256i p = _mm256_maddubs_epi16(q[r], y);
                        isum[r][c] = _mm256_add_epi32(isum[r][c], _mm256_madd_epi16(p, scv[r]));
                    }
                }
            }
        }
        for (int c = 0; c < C; c++) {
            const __m256 dy = _mm256_set1_ps(yb[c]->d);
            const __m256i bsums = ka_loadu(Q8K_BSUMS(yb[c]));
            for (int r = 0; r < R; r++) {
                /* the quants are stored +32: ggml takes 32 * (bsums[2l] *
                 * sc[2l] + bsums[2l+1] * sc[2l+1]) off lane l, once a block */
                const __m256i off =
                    _mm256_slli_epi32(_mm256_madd_epi16(bsums, _mm256_cvtepi8_epi16(sc8[r])), 5);
                const __m256i lanes = _mm256_sub_epi32(isum[r][c], off);
                const __m256 d = _mm256_mul_ps(dy, _mm256_set1_ps(ka_h2f(Q6K_D(wb[r]))));
                acc[r][c] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(lanes), acc[r][c]);
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            s[c * ss + r] = ka_hsum8(acc[r][c]);
}

/* Q2_K and Q3_K share the 2-bit layout: chunk k (elements 32k..32k+31) is
 * bits 2*(k%4) of qs[32*(k/4) ..+32]. Q3_K adds a third bit (bit k of
 * hmask[0..32]) and stores q + 4; Q2_K has a 4-bit scale and a 4-bit min per
 * 16 elements. */
KA_INLINE __m256i q2_chunk(const uint8_t *qs, int k)
{
    const __m256i v = ka_loadu(qs + 32 * (k / 4));
    return _mm256_and_si256(_mm256_srli_epi16(v, 2 * (k % 4)), _mm256_set1_epi8(3));
}

/* i16 scales of the chunk's two 16-element groups, [g x 8 | g+1 x 8], from
 * 16 signed bytes. */
KA_INLINE __m256i chunk_scales(__m128i sc8, int k)
{
    const __m128i pick = _mm_set_epi64x(0x0101010101010101LL * (2 * k + 1),
                                        0x0101010101010101LL * (2 * k));
    return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, pick));
}

/* The 16 6-bit scales of a Q3_K block, minus 32, as signed bytes. */
KA_INLINE __m128i q3_scales(const uint8_t *p)
{
    uint32_t u[3];
    memcpy(u, p, 12);
    const uint32_t m4 = 0x0f0f0f0fu, m2 = 0x03030303u;
    const uint32_t s0 = (u[0] & m4) | ((u[2] & m2) << 4);
    const uint32_t s1 = (u[1] & m4) | (((u[2] >> 2) & m2) << 4);
    const uint32_t s2 = ((u[0] >> 4) & m4) | (((u[2] >> 4) & m2) << 4);
    const uint32_t s3 = ((u[1] >> 4) & m4) | (((u[2] >> 6) & m2) << 4);
    return _mm_sub_epi8(_mm_set_epi32((int)s3, (int)s2, (int)s1, (int)s0), _mm_set1_epi8(32));
}

KA_INLINE void k3_kernel(const int R, const int C, int64_t n, float *s, int64_t ss,
                         const uint8_t *a, size_t as, const uint8_t *b, size_t bs)
{
    const __m256i one = _mm256_set1_epi8(1), m4 = _mm256_set1_epi8(4);
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            acc[r][c] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; i++) {
        const struct qt_block_q3_K *wb[4];
        const struct qt_block_q8_K *yb[4];
        __m256i isum[4][4], hm[4];
        __m128i sc8[4];
        for (int r = 0; r < R; r++) {
            wb[r] = (const struct qt_block_q3_K *)(a + (size_t)r * as) + i;
            sc8[r] = q3_scales(wb[r]->scales);
            hm[r] = ka_loadu(wb[r]->hmask);
        }
        for (int c = 0; c < C; c++)
            yb[c] = (const struct qt_block_q8_K *)(b + (size_t)c * bs) + i;
        for (int r = 0; r < R; r++)
            for (int c = 0; c < C; c++)
                isum[r][c] = _mm256_setzero_si256();
        for (int k = 0; k < 8; k++) {
            __m256i q[4], scv[4];
            for (int r = 0; r < R; r++) {
                const __m256i hb = _mm256_and_si256(_mm256_srli_epi16(hm[r], k), one);
                q[r] = _mm256_or_si256(q2_chunk(wb[r]->qs, k), _mm256_slli_epi16(hb, 2));
                scv[r] = chunk_scales(sc8[r], k);
            }
            for (int c = 0; c < C; c++) {
                const __m256i y = ka_loadu(Q8K_QS(yb[c]) + 32 * k);
                const __m256i y4 = _mm256_maddubs_epi16(m4, y); /* stored q + 4 */
                for (int r = 0; r < R; r++) {
                    const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q[r], y), y4);
                    isum[r][c] = _mm256_add_epi32(isum[r][c], _mm256_madd_epi16(p, scv[r]));
                }
            }
        }
        for (int c = 0; c < C; c++) {
            const __m256 dy = _mm256_set1_ps(yb[c]->d);
            for (int r = 0; r < R; r++) {
                const __m256 d = _mm256_mul_ps(_mm256_set1_ps(ka_h2f(Q3K_D(wb[r]))), dy);
                acc[r][c] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(isum[r][c]), acc[r][c]);
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            s[c * ss + r] = ka_hsum8(acc[r][c]);
}

KA_INLINE void k2_kernel(const int R, const int C, int64_t n, float *s, int64_t ss,
                         const uint8_t *a, size_t as, const uint8_t *b, size_t bs)
{
    const __m128i m4 = _mm_set1_epi8(0x0f);
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            acc[r][c] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / QK_K; i++) {
        const struct qt_block_q2_K *wb[4];
        const struct qt_block_q8_K *yb[4];
        __m256i isum[4][4], mins[4];
        __m128i sc8[4];
        for (int r = 0; r < R; r++) {
            wb[r] = (const struct qt_block_q2_K *)(a + (size_t)r * as) + i;
            const __m128i raw = ka_loadu128(wb[r]->scales);
            sc8[r] = _mm_and_si128(raw, m4);
            mins[r] = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(raw, 4), m4));
        }
        for (int c = 0; c < C; c++)
            yb[c] = (const struct qt_block_q8_K *)(b + (size_t)c * bs) + i;
        for (int r = 0; r < R; r++)
            for (int c = 0; c < C; c++)
                isum[r][c] = _mm256_setzero_si256();
        for (int k = 0; k < 8; k++) {
            __m256i q[4], scv[4];
            for (int r = 0; r < R; r++) {
                q[r] = q2_chunk(wb[r]->qs, k);
                scv[r] = chunk_scales(sc8[r], k);
            }
            for (int c = 0; c < C; c++) {
                const __m256i y = ka_loadu(Q8K_QS(yb[c]) + 32 * k);
                for (int r = 0; r < R; r++)
                    isum[r][c] = _mm256_add_epi32(
                        isum[r][c], _mm256_madd_epi16(_mm256_maddubs_epi16(q[r], y), scv[r]));
            }
        }
        for (int c = 0; c < C; c++) {
            const __m256i bsums = ka_loadu(Q8K_BSUMS(yb[c]));
            const __m256 dy = _mm256_set1_ps(yb[c]->d);
            for (int r = 0; r < R; r++) {
                const __m256 d = _mm256_mul_ps(_mm256_set1_ps(ka_h2f(Q2K_D(wb[r]))), dy);
                const __m256 dm = _mm256_mul_ps(_mm256_set1_ps(-ka_h2f(Q2K_DMIN(wb[r]))), dy);
                /* ggml: the mins first, into the same lanes, then the sums */
                const __m256i pm = _mm256_madd_epi16(mins[r], bsums);
                acc[r][c] = _mm256_fmadd_ps(dm, _mm256_cvtepi32_ps(pm), acc[r][c]);
                acc[r][c] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(isum[r][c]), acc[r][c]);
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            s[c * ss + r] = ka_hsum8(acc[r][c]);
}

#define KQ_DEFINE(t, CALL)                                                                \
    void ka_dot_##t(int64_t n, float *s, const void *a, const void *b)                    \
    {                                                                                     \
        CALL(1, 1, n, s, 1, (const uint8_t *)a, 0, (const uint8_t *)b, 0);                \
    }                                                                                     \
    void ka_tile_##t(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,   \
                     const void *b, size_t bs, int nb)                                    \
    {                                                                                     \
        const uint8_t *A = a, *B = b;                                                     \
        if (nb == 1) {                                                                    \
            KA_TILE_LOOP(KQ_RB1, 1, na, nb, KQ_BODY1_##t)                                 \
        } else {                                                                          \
            KA_TILE_LOOP(KQ_RB, KQ_CB, na, nb, KQ_BODY_##t)                               \
        }                                                                                 \
    }
#define KQ_BODYX(CALL, RB, CB, r0, c0, rn, cn)                                            \
    KA_SHAPE_SWITCH(CALL, RB, CB, rn, cn, n, s + (c0) * ss + (r0), ss,                    \
                    A + (size_t)(r0) * as, as, B + (size_t)(c0) * bs, bs)
#define KQ_BODY(CALL, r0, c0, rn, cn) KQ_BODYX(CALL, KQ_RB, KQ_CB, r0, c0, rn, cn)
#define KQ_BODY1(CALL, r0, c0, rn, cn) KQ_BODYX(CALL, KQ_RB1, 1, r0, c0, rn, cn)
#define K4_CALL(R, C, ...) k45_kernel(false, R, C, __VA_ARGS__)
#define K5_CALL(R, C, ...) k45_kernel(true, R, C, __VA_ARGS__)
#define K6_CALL(R, C, ...) k6_kernel(R, C, __VA_ARGS__)
#define K3_CALL(R, C, ...) k3_kernel(R, C, __VA_ARGS__)
#define K2_CALL(R, C, ...) k2_kernel(R, C, __VA_ARGS__)
#define KQ_BODY_q4_K(r0, c0, rn, cn) KQ_BODY(K4_CALL, r0, c0, rn, cn)
#define KQ_BODY_q5_K(r0, c0, rn, cn) KQ_BODY(K5_CALL, r0, c0, rn, cn)
#define KQ_BODY_q6_K(r0, c0, rn, cn) KQ_BODY(K6_CALL, r0, c0, rn, cn)
#define KQ_BODY1_q4_K(r0, c0, rn, cn) KQ_BODY1(K4_CALL, r0, c0, rn, cn)
#define KQ_BODY1_q5_K(r0, c0, rn, cn) KQ_BODY1(K5_CALL, r0, c0, rn, cn)
#define KQ_BODY1_q6_K(r0, c0, rn, cn) KQ_BODY1(K6_CALL, r0, c0, rn, cn)
#define KQ_BODY_q3_K(r0, c0, rn, cn) KQ_BODY(K3_CALL, r0, c0, rn, cn)
#define KQ_BODY1_q3_K(r0, c0, rn, cn) KQ_BODY1(K3_CALL, r0, c0, rn, cn)
#define KQ_BODY_q2_K(r0, c0, rn, cn) KQ_BODY(K2_CALL, r0, c0, rn, cn)
#define KQ_BODY1_q2_K(r0, c0, rn, cn) KQ_BODY1(K2_CALL, r0, c0, rn, cn)

KQ_DEFINE(q4_K, K4_CALL)
KQ_DEFINE(q5_K, K5_CALL)
KQ_DEFINE(q6_K, K6_CALL)
KQ_DEFINE(q3_K, K3_CALL)
KQ_DEFINE(q2_K, K2_CALL)

#else
typedef int kernels_q_avx2_not_built; /* this compiler or target has no AVX2 */
#endif /* COLA_HAVE_AVX2 */
