/* kernels_rp_avx2.c — the repacked forms (kernels.h: KERN_FORM_REPACK and
 * KERN_FORM_REPACK_X4) of Q4_0 and Q4_K on AVX2.
 *
 * ggml repacks these weights eight rows at a time and keeps one float
 * accumulator per output: per block (Q4_K gemm: per 64 elements) the exact
 * integer dot product of the block becomes one fma with d_w * d_x. cola
 * does not copy the weights; it reads eight rows of a tile side by side:
 *   - the integer sums of the eight rows are computed as vectors per row and
 *     reduced across rows with horizontal adds (integer, so exact), giving
 *     one vector with a row in each lane;
 *   - the eight block scales are gathered into one vector, and the float
 *     work (conversion, scale product, fma) is done for eight outputs at once.
 * A tile of na < 8 rows computes rows 0..na-1 (the missing lanes repeat row
 * 0 and are not stored). Bit-identical with kernels_scalar_q.c.
 */
#include "engine/kernels_avx2.h"

#ifdef COLA_HAVE_AVX2

#include <stddef.h>

#include "engine/quant_internal.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* In decode (one activation row) the next tile's rows are prefetched this
 * many rows ahead: eight short row streams are too many for the hardware
 * prefetcher to pick up in time. */
#ifndef RP_PF_ROWS
#define RP_PF_ROWS 8
#endif

KA_INLINE uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The 32-bit words at row[r] + off for the 8 rows. */
KA_INLINE __m256i words8(const uint8_t *const row[8], size_t off)
{
    return _mm256_setr_epi32((int)ld32(row[0] + off), (int)ld32(row[1] + off),
                             (int)ld32(row[2] + off), (int)ld32(row[3] + off),
                             (int)ld32(row[4] + off), (int)ld32(row[5] + off),
                             (int)ld32(row[6] + off), (int)ld32(row[7] + off));
}

/* The low (hi = false) or high halves of 8 words as floats (f16 -> f32). */
KA_INLINE __m256 halves8(__m256i w, bool hi)
{
    const __m256i h = hi ? _mm256_srli_epi32(w, 16) : _mm256_and_si256(w, _mm256_set1_epi32(0xffff));
    const __m256i p = _mm256_permute4x64_epi64(_mm256_packus_epi32(h, h), 0x08);
    return _mm256_cvtph_ps(_mm256_castsi256_si128(p));
}

/* Lane r = the sum of the 8 int32 lanes of v[r]. */
KA_INLINE __m256i sum8_i32(const __m256i v[8])
{
    const __m256i a = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
    const __m256i b = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
    return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20),
                            _mm256_permute2x128_si256(a, b, 0x31));
}

/* Lane r = the sum of the 16 int16 lanes of p[r] (as int32). The partial
 * sums stay in int16: each is at most 16 products of |q| <= 15 and
 * |y| <= 127 (30480). */
KA_INLINE __m256i sum8_i16(const __m256i p[8])
{
    const __m256i a = _mm256_hadd_epi16(_mm256_hadd_epi16(p[0], p[1]), _mm256_hadd_epi16(p[2], p[3]));
    const __m256i b = _mm256_hadd_epi16(_mm256_hadd_epi16(p[4], p[5]), _mm256_hadd_epi16(p[6], p[7]));
    const __m256i h = _mm256_hadd_epi16(a, b); /* rows 0..7 in each 128-bit half */
    return _mm256_add_epi32(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(h)),
                            _mm256_cvtepi16_epi32(_mm256_extracti128_si256(h, 1)));
}

KA_INLINE void store_rows(float *s, __m256 v, int na)
{
    if (na == 8) {
        _mm256_storeu_ps(s, v);
        return;
    }
    float t[8];
    _mm256_storeu_ps(t, v);
    for (int r = 0; r < na; r++)
        s[r] = t[r];
}

KA_INLINE void tile_rows(const uint8_t *a, size_t as, int na, const uint8_t *row[8])
{
    for (int r = 0; r < 8; r++)
        row[r] = a + (size_t)(r < na ? r : 0) * as;
}

/* ------------------------------------------------------------ Q4_0 */

/* 32 nibbles -> bytes 0..15 in element order (low nibbles first). */
KA_INLINE __m256i nibbles32(const uint8_t *qs)
{
    const __m256i v = _mm256_broadcastsi128_si256(ka_loadu128(qs));
    const __m256i sh = _mm256_srlv_epi64(v, _mm256_set_epi64x(4, 4, 0, 0));
    return _mm256_and_si256(sh, _mm256_set1_epi8(0x0f));
}

/* C activation rows against the tile's 8 rows. */
KA_INLINE void rp40_kernel(const int C, int64_t n, float *s, int64_t ss, const uint8_t *a,
                           size_t as, int na, const uint8_t *b, size_t bs)
{
    const uint8_t *row[8];
    tile_rows(a, as, na, row);
    const __m256i m8 = _mm256_set1_epi8(8);
    __m256 acc[4];
    for (int c = 0; c < C; c++)
        acc[c] = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / 32; i++) {
        const size_t off = (size_t)i * 18;
        if (C == 1 && (i & 1) == 0)
            for (int r = 0; r < 8; r++)
                _mm_prefetch((const char *)row[r] + off + RP_PF_ROWS * as, _MM_HINT_T0);
        const __m256 dw = halves8(words8(row, off), false);
        for (int c = 0; c < C; c++) {
            const uint8_t *yb = b + (size_t)c * bs + (size_t)i * 34;
            const __m256i y = ka_loadu(yb + 2);
            const __m256i y8 = _mm256_maddubs_epi16(m8, y); /* the -8 of every quant */
            __m256i p[8];
            for (int r = 0; r < 8; r++)
                p[r] = _mm256_sub_epi16(_mm256_maddubs_epi16(nibbles32(row[r] + off + 2), y), y8);
            const __m256 d = _mm256_mul_ps(dw, _mm256_set1_ps(ka_h2f(yb)));
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum8_i16(p)), d, acc[c]);
        }
    }
    for (int c = 0; c < C; c++)
        store_rows(s + c * ss, acc[c], na);
}

void ka_tile_rp_q4_0(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,
                     const void *b, size_t bs, int nb)
{
    const uint8_t *A = a, *B = b;
    for (int c0 = 0; c0 < nb; c0 += 2) {
        if (nb - c0 >= 2)
            rp40_kernel(2, n, s + c0 * ss, ss, A, as, na, B + (size_t)c0 * bs, bs);
        else
            rp40_kernel(1, n, s + c0 * ss, ss, A, as, na, B + (size_t)c0 * bs, bs);
    }
}

/* ------------------------------------------------------------ Q4_K */

#define Q8K_QS(y) ((const uint8_t *)(y) + offsetof(struct qt_block_q8_K, qs))
#define Q8K_BSUMS(y) ((const uint8_t *)(y) + offsetof(struct qt_block_q8_K, bsums))

/* The 8 scales (i16, in both 128-bit halves) and 8 mins (i16) of a block. */
KA_INLINE void k4_scales(const uint8_t *p, __m256i *sc, __m128i *mins)
{
    uint32_t u[3];
    memcpy(u, p, 12);
    const uint32_t m4 = 0x0f0f0f0fu, m6 = 0x3f3f3f3fu, m2 = 0x03030303u;
    const uint32_t sc03 = u[0] & m6, mn03 = u[1] & m6;
    const uint32_t sc47 = (u[2] & m4) | (((u[0] >> 6) & m2) << 4);
    const uint32_t mn47 = ((u[2] >> 4) & m4) | (((u[1] >> 6) & m2) << 4);
    const __m128i v = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)sc47, (int)sc03));
    *sc = _mm256_set_m128i(v, v);
    *mins = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, (int)mn47, (int)mn03));
}

/* Byte mask that broadcasts i16 element j of a 128-bit lane to all 8. */
KA_INLINE __m256i pick16(int j)
{
    return _mm256_set1_epi16((short)((2 * j) | (2 * j + 1) << 8));
}

/* Rows wb[0..R-1] (R <= 2) against C activation blocks: per part (64 elements for
 * REPACK_X4, the whole block for REPACK) the 8 lanes of sum(scale * q * y)
 * into lanes[part][c][r], and the 4 lanes of the min products into
 * mins[c][r]. Two rows at a time in batches so each activation chunk is
 * loaded once for both; one in decode (measured faster there). */
KA_INLINE void k4_rows(const int R, const int C, bool x4, const uint8_t *const wb[2],
                        const struct qt_block_q8_K *const yb[4], const __m128i q8s[4],
                        __m256i lanes[4][4][8], __m128i mins[4][8], int r0)
{
    const __m256i m4 = _mm256_set1_epi8(0x0f);
    __m256i sc[2], sum[2][4];
    for (int r = 0; r < R; r++) {
        __m128i mn;
        k4_scales(wb[r] + 4, &sc[r], &mn);
        for (int c = 0; c < C; c++) {
            sum[r][c] = _mm256_setzero_si256();
            mins[c][r0 + r] = _mm_madd_epi16(mn, q8s[c]);
        }
    }
    for (int p = 0; p < 4; p++) {
        __m256i lo[2], hi[2], slo[2], shi[2];
        for (int r = 0; r < R; r++) {
            const __m256i q = ka_loadu(wb[r] + 16 + 32 * p);
            lo[r] = _mm256_and_si256(q, m4);
            hi[r] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
            slo[r] = _mm256_shuffle_epi8(sc[r], pick16(2 * p));
            shi[r] = _mm256_shuffle_epi8(sc[r], pick16(2 * p + 1));
        }
        for (int c = 0; c < C; c++) {
            const __m256i ylo = ka_loadu(Q8K_QS(yb[c]) + 64 * p);
            const __m256i yhi = ka_loadu(Q8K_QS(yb[c]) + 64 * p + 32);
            for (int r = 0; r < R; r++) {
                const __m256i plo = _mm256_madd_epi16(_mm256_maddubs_epi16(lo[r], ylo), slo[r]);
                const __m256i phi = _mm256_madd_epi16(_mm256_maddubs_epi16(hi[r], yhi), shi[r]);
                const __m256i part = _mm256_add_epi32(plo, phi);
                if (x4)
                    lanes[p][c][r0 + r] = part;
                else
                    sum[r][c] = _mm256_add_epi32(sum[r][c], part);
            }
        }
    }
    if (!x4)
        for (int r = 0; r < R; r++)
            for (int c = 0; c < C; c++)
                lanes[0][c][r0 + r] = sum[r][c];
}

KA_INLINE void rp4K_kernel(const int C, bool x4, int64_t n, float *s, int64_t ss,
                           const uint8_t *a, size_t as, int na, const uint8_t *b, size_t bs)
{
    const uint8_t *row[8];
    tile_rows(a, as, na, row);
    __m256 acc[4], accm[4];
    for (int c = 0; c < C; c++)
        acc[c] = accm[c] = _mm256_setzero_ps();
    const int parts = x4 ? 4 : 1;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const size_t off = (size_t)i * sizeof(struct qt_block_q4_K);
        if (C == 1)
            for (int r = 0; r < 8; r++)
                for (int l = 0; l < 3; l++)
                    _mm_prefetch((const char *)row[r] + off + 64 * l + RP_PF_ROWS * as, _MM_HINT_T0);
        const struct qt_block_q8_K *yb[4];
        __m128i q8s[4];
        for (int c = 0; c < C; c++) {
            yb[c] = (const struct qt_block_q8_K *)(b + (size_t)c * bs) + i;
            const __m256i bsums = ka_loadu(Q8K_BSUMS(yb[c]));
            q8s[c] = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), _mm256_extracti128_si256(bsums, 1));
        }
        __m256i lanes[4][4][8]; /* [part][c][row] */
        __m128i mins[4][8];     /* [c][row] */
        if (C == 1) {
            for (int r = 0; r < 8; r++) {
                const uint8_t *const wb[2] = {row[r] + off, row[r] + off};
                k4_rows(1, C, x4, wb, yb, q8s, lanes, mins, r);
            }
        } else {
            for (int r = 0; r < 8; r += 2) {
                const uint8_t *const wb[2] = {row[r] + off, row[r + 1] + off};
                k4_rows(2, C, x4, wb, yb, q8s, lanes, mins, r);
            }
        }
        const __m256i dd = words8(row, off); /* d | dmin << 16 */
        const __m256 dw = halves8(dd, false), dmw = halves8(dd, true);
        for (int c = 0; c < C; c++) {
            const __m256 dy = _mm256_set1_ps(yb[c]->d);
            const __m256 d = _mm256_mul_ps(dw, dy), dm = _mm256_mul_ps(dmw, dy);
            /* the mins: rows r and r + 4 share a vector, then transposed */
            const __m256i A = _mm256_set_m128i(mins[c][4], mins[c][0]);
            const __m256i B = _mm256_set_m128i(mins[c][5], mins[c][1]);
            const __m256i Cm = _mm256_set_m128i(mins[c][6], mins[c][2]);
            const __m256i D = _mm256_set_m128i(mins[c][7], mins[c][3]);
            __m256i mp[4];
            if (x4) { /* lane p of each row's products, rows in order */
                const __m256i t0 = _mm256_unpacklo_epi32(A, B), t1 = _mm256_unpackhi_epi32(A, B);
                const __m256i t2 = _mm256_unpacklo_epi32(Cm, D), t3 = _mm256_unpackhi_epi32(Cm, D);
                mp[0] = _mm256_unpacklo_epi64(t0, t2);
                mp[1] = _mm256_unpackhi_epi64(t0, t2);
                mp[2] = _mm256_unpacklo_epi64(t1, t3);
                mp[3] = _mm256_unpackhi_epi64(t1, t3);
            } else { /* all four lanes of each row */
                mp[0] = _mm256_hadd_epi32(_mm256_hadd_epi32(A, B), _mm256_hadd_epi32(Cm, D));
            }
            for (int p = 0; p < parts; p++) {
                acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum8_i32(lanes[p][c])), d, acc[c]);
                accm[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mp[p]), dm, accm[c]);
            }
        }
    }
    for (int c = 0; c < C; c++)
        store_rows(s + c * ss, _mm256_sub_ps(acc[c], accm[c]), na);
}

#define RP4K_TILE(name, X4)                                                                 \
    void name(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,             \
              const void *b, size_t bs, int nb)                                              \
    {                                                                                        \
        const uint8_t *A = a, *B = b;                                                        \
        switch (nb) {                                                                        \
        case 1: rp4K_kernel(1, X4, n, s, ss, A, as, na, B, bs); break;                       \
        case 2: rp4K_kernel(2, X4, n, s, ss, A, as, na, B, bs); break;                       \
        case 3: rp4K_kernel(3, X4, n, s, ss, A, as, na, B, bs); break;                       \
        default: rp4K_kernel(4, X4, n, s, ss, A, as, na, B, bs); break;                      \
        }                                                                                    \
    }

RP4K_TILE(ka_tile_rp_q4_K, false)
RP4K_TILE(ka_tile_rp4_q4_K, true)

#else
typedef int kernels_rp_avx2_not_built; /* this compiler or target has no AVX2 */
#endif /* COLA_HAVE_AVX2 */
