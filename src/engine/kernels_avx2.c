/* kernels_avx2.c — the AVX2 + FMA + F16C kernel table: the float-row forms
 * (F32, F16, BF16), the activation quantizers, the vector helpers and the
 * table. The quantized lane forms are in kernels_q_avx2.c, the repacked
 * forms in kernels_rp_avx2.c.
 *
 * Everything here computes the operation sequence kernels_scalar.c defines
 * (ggml's AVX2 code), so results are bit-identical to the scalar table:
 *   - VEC_DOT float rows: four 8-lane fma accumulators per pair over steps of
 *     32 elements, ggml's per-type reduction, the per-type tail;
 *   - BLAS float rows: one 8-lane fma accumulator per pair, ka_hsum8;
 *   - quantizers: ggml's x86 quantize_row_q8_0/q8_1 (multiplier 127/amax,
 *     round half even), the Q8_K reference, F16C, ggml's bf16 rounding;
 *   - ggml's vector exp (ka_expf8) for softmax and SwiGLU.
 */
#include "engine/kernels_avx2.h"

#include "engine/kernels_internal.h"

#ifdef COLA_HAVE_AVX2

#include <math.h>

#include "engine/quant_internal.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* ------------------------------------------------------------ float rows */

enum flt_kind { FLT_F32, FLT_F16, FLT_BF16 };

KA_INLINE size_t flt_size(enum flt_kind k)
{
    return k == FLT_F32 ? 4 : 2;
}

/* 8 elements at p as floats. */
KA_INLINE __m256 flt_load8(enum flt_kind k, const uint8_t *p)
{
    switch (k) {
    case FLT_F32: return _mm256_loadu_ps((const float *)(const void *)p);
    case FLT_F16: return _mm256_cvtph_ps(ka_loadu128(p));
    default:
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(ka_loadu128(p)), 16));
    }
}

KA_INLINE float flt_load1(enum flt_kind k, const uint8_t *p)
{
    if (k == FLT_F32) {
        float v;
        memcpy(&v, p, 4);
        return v;
    }
    uint16_t h;
    memcpy(&h, p, 2);
    return k == FLT_F16 ? _cvtsh_ss(h) : qt_bfloat_to_float(h);
}

/* ggml's reduction of the four accumulators of a VEC_DOT float row. */
KA_INLINE float flt_reduce(enum flt_kind k, const __m256 acc[4])
{
    const __m256 c = _mm256_add_ps(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[1], acc[3]));
    if (k == FLT_BF16)
        return ka_hsum8(c);
    /* GGML_F32x8_REDUCE: halves, then two horizontal adds */
    const __m128 t = _mm_add_ps(_mm256_castps256_ps128(c), _mm256_extractf128_ps(c, 1));
    const __m128 h = _mm_hadd_ps(t, t);
    return _mm_cvtss_f32(_mm_hadd_ps(h, h));
}

/* The reduced sum r plus the tail [np, n) of the pair (a, b), the type's way
 * (kernels_scalar.c). */
KA_INLINE float flt_tail(enum flt_kind k, float r, int64_t np, int64_t n, const uint8_t *a,
                         const uint8_t *b)
{
    const size_t es = flt_size(k);
    if (k != FLT_F32) {
        double sum = (double)r;
        for (int64_t i = np; i < n; i++)
            sum += (double)(flt_load1(k, a + (size_t)i * es) * flt_load1(k, b + (size_t)i * es));
        return (float)sum;
    }
    const int64_t rem = n - np;
    const int64_t vec = (rem & ~(int64_t)7) + ((rem & 7) >= 4 ? 4 : 0);
    float sum = r;
    for (int64_t i = np; i < np + vec; i++)
        sum = sum + flt_load1(k, a + 4 * (size_t)i) * flt_load1(k, b + 4 * (size_t)i);
    for (int64_t i = np + vec; i < n; i++)
        sum = fmaf(flt_load1(k, a + 4 * (size_t)i), flt_load1(k, b + 4 * (size_t)i), sum);
    return sum;
}

/* VEC_DOT form, R rows x C activation rows, four accumulators per pair. */
KA_INLINE void fvd_kernel(enum flt_kind k, const int R, const int C, int64_t n, float *s,
                          int64_t ss, const uint8_t *a, size_t as, const uint8_t *b, size_t bs)
{
    const size_t es = flt_size(k);
    __m256 acc[4][4][4]; /* [R][C][4]: R, C <= 2 are used */
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            for (int j = 0; j < 4; j++)
                acc[r][c][j] = _mm256_setzero_ps();
    const int64_t np = n & ~(int64_t)31;
    for (int64_t i = 0; i < np; i += 32) {
        for (int j = 0; j < 4; j++) {
            __m256 w[2];
            for (int r = 0; r < R; r++)
                w[r] = flt_load8(k, a + (size_t)r * as + (size_t)(i + 8 * j) * es);
            for (int c = 0; c < C; c++) {
                const __m256 y = flt_load8(k, b + (size_t)c * bs + (size_t)(i + 8 * j) * es);
                for (int r = 0; r < R; r++)
                    acc[r][c][j] = _mm256_fmadd_ps(w[r], y, acc[r][c][j]);
            }
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            s[c * ss + r] = flt_tail(k, flt_reduce(k, acc[r][c]), np, n, a + (size_t)r * as,
                                     b + (size_t)c * bs);
}

/* BLAS form: one 8-lane accumulator per pair; a tail (n % 8, which tinyBLAS
 * never sees) continues the lanes. */
KA_INLINE void fbl_kernel(enum flt_kind k, const int R, const int C, int64_t n, float *s,
                          int64_t ss, const uint8_t *a, size_t as, const uint8_t *b, size_t bs)
{
    const size_t es = flt_size(k);
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            acc[r][c] = _mm256_setzero_ps();
    const int64_t n8 = n & ~(int64_t)7;
    for (int64_t i = 0; i < n8; i += 8) {
        __m256 w[4];
        for (int r = 0; r < R; r++)
            w[r] = flt_load8(k, a + (size_t)r * as + (size_t)i * es);
        for (int c = 0; c < C; c++) {
            const __m256 y = flt_load8(k, b + (size_t)c * bs + (size_t)i * es);
            for (int r = 0; r < R; r++)
                acc[r][c] = _mm256_fmadd_ps(w[r], y, acc[r][c]);
        }
    }
    for (int r = 0; r < R; r++) {
        for (int c = 0; c < C; c++) {
            float l[8];
            _mm256_storeu_ps(l, acc[r][c]);
            for (int64_t i = n8; i < n; i++)
                l[i & 7] = fmaf(flt_load1(k, a + (size_t)r * as + (size_t)i * es),
                                flt_load1(k, b + (size_t)c * bs + (size_t)i * es), l[i & 7]);
            s[c * ss + r] = ks_hsum8(l);
        }
    }
}

/* Sub-tile shapes: VEC_DOT keeps 4 accumulators per pair (2 x 1 or 1 x 2),
 * BLAS one (4 x 2 for batches). */
#define FVD_CALL(R, C, KIND, r0, c0)                                                       \
    fvd_kernel(KIND, R, C, n, s + (c0) * ss + (r0), ss, A + (size_t)(r0) * as, as,         \
               B + (size_t)(c0) * bs, bs)
#define FBL_CALL(R, C, KIND, r0, c0)                                                       \
    fbl_kernel(KIND, R, C, n, s + (c0) * ss + (r0), ss, A + (size_t)(r0) * as, as,         \
               B + (size_t)(c0) * bs, bs)
#define FVD_BODY1(r0, c0, rn, cn) KA_SHAPE_SWITCH(FVD_CALL, 2, 1, rn, cn, KIND_, r0, c0)
#define FVD_BODY(r0, c0, rn, cn) KA_SHAPE_SWITCH(FVD_CALL, 1, 2, rn, cn, KIND_, r0, c0)
#define FBL_BODY(r0, c0, rn, cn) KA_SHAPE_SWITCH(FBL_CALL, 4, 2, rn, cn, KIND_, r0, c0)

#define FLT_DEFINE(t, KIND)                                                                \
    static void dot_##t(int64_t n, float *s, const void *a, const void *b)                 \
    {                                                                                      \
        fvd_kernel(KIND, 1, 1, n, s, 1, a, 0, b, 0);                                       \
    }                                                                                      \
    static void tile_##t(int64_t n, float *s, int64_t ss, const void *a, size_t as,        \
                         int na, const void *b, size_t bs, int nb)                         \
    {                                                                                      \
        const uint8_t *A = a, *B = b;                                                      \
        const enum flt_kind KIND_ = KIND;                                                  \
        if (nb == 1) {                                                                     \
            KA_TILE_LOOP(2, 1, na, nb, FVD_BODY1)                                          \
        } else {                                                                           \
            KA_TILE_LOOP(1, 2, na, nb, FVD_BODY)                                           \
        }                                                                                  \
    }                                                                                      \
    static void blas_##t(int64_t n, float *s, int64_t ss, const void *a, size_t as,        \
                         int na, const void *b, size_t bs, int nb)                         \
    {                                                                                      \
        const uint8_t *A = a, *B = b;                                                      \
        const enum flt_kind KIND_ = KIND;                                                  \
        KA_TILE_LOOP(4, 2, na, nb, FBL_BODY)                                               \
    }

FLT_DEFINE(f32, FLT_F32)
FLT_DEFINE(f16, FLT_F16)
FLT_DEFINE(bf16, FLT_BF16)

/* ------------------------------------------------------------ f16 conversions */

KA_INLINE __m128i f32x8_to_f16(__m256 v)
{
    return _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

static void ka_f32_to_f16(const float *x, qt_f16 *y, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(void *)(y + i), f32x8_to_f16(_mm256_loadu_ps(x + i)));
    for (; i < n; i++)
        y[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

static void ka_f16_to_f32(const qt_f16 *x, float *y, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_cvtph_ps(ka_loadu128(x + i)));
    for (; i < n; i++)
        y[i] = _cvtsh_ss(x[i]);
}

/* ------------------------------------------------------------ activation quantizers */

static void quant_f16(const float *x, void *y, int64_t n)
{
    uint8_t *p = y;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(void *)(p + 2 * i), f32x8_to_f16(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) {
        const uint16_t h = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
        memcpy(p + 2 * i, &h, 2);
    }
}

/* (u + 0x7fff + ((u >> 16) & 1)) >> 16, NaN -> (u >> 16) | 0x40 */
static void quant_bf16(const float *x, void *y, int64_t n)
{
    uint8_t *p = y;
    int64_t i = 0;
    const __m256i abs = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
    for (; i + 8 <= n; i += 8) {
        const __m256i u = _mm256_castps_si256(_mm256_loadu_ps(x + i));
        const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
        __m256i r = _mm256_srli_epi32(
            _mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)), odd), 16);
        const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs), inf);
        const __m256i qn = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
        r = _mm256_blendv_epi8(r, qn, nan);
        r = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
        _mm_storeu_si128((__m128i *)(void *)(p + 2 * i), _mm256_castsi256_si128(r));
    }
    if (i < n)
        ks_quant_bf16(x + i, p + 2 * i, n - i);
}

KA_INLINE __m256 abs8(__m256 v)
{
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

KA_INLINE float hmax8(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/* 32 int32 (four vectors, element order) -> 32 int8 at dst, saturating. */
KA_INLINE void store_i8x32(int8_t *dst, __m256i i0, __m256i i1, __m256i i2, __m256i i3)
{
    const __m256i a = _mm256_packs_epi32(i0, i1); /* 0-3 8-11 | 4-7 12-15 */
    const __m256i b = _mm256_packs_epi32(i2, i3);
    __m256i c = _mm256_packs_epi16(a, b);
    c = _mm256_permutevar8x32_epi32(c, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)(void *)dst, c);
}

KA_INLINE __m256i round_i32(__m256 v)
{
    return _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

/* Q8_0 and Q8_1 blocks, ggml's x86 way: d = amax / 127, q = round half even
 * (x * (127 / amax)); Q8_1 also s = f16(d * sum(q)). */
KA_INLINE void quant_q8_01(const float *x, uint8_t *y, int64_t n, bool q8_1)
{
    const size_t bsz = q8_1 ? 36 : 34;
    for (int64_t ib = 0; ib < n / 32; ib++, x += 32, y += bsz) {
        __m256 v[4];
        for (int j = 0; j < 4; j++)
            v[j] = _mm256_loadu_ps(x + 8 * j);
        __m256 m = abs8(v[0]);
        for (int j = 1; j < 4; j++)
            m = _mm256_max_ps(m, abs8(v[j]));
        const float amax = hmax8(m);
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        const uint16_t dh = _cvtss_sh(d, _MM_FROUND_TO_NEAREST_INT);
        memcpy(y, &dh, 2);
        __m256i q[4];
        for (int j = 0; j < 4; j++)
            q[j] = round_i32(_mm256_mul_ps(v[j], _mm256_set1_ps(id)));
        store_i8x32((int8_t *)(y + (q8_1 ? 4 : 2)), q[0], q[1], q[2], q[3]);
        if (q8_1) {
            const __m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]),
                                               _mm256_add_epi32(q[2], q[3]));
            __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            t = _mm_add_epi32(t, _mm_unpackhi_epi64(t, t));
            t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 1));
            const uint16_t sh =
                _cvtss_sh(d * (float)_mm_cvtsi128_si32(t), _MM_FROUND_TO_NEAREST_INT);
            memcpy(y + 2, &sh, 2);
        }
    }
}

static void quant_q8_0(const float *x, void *y, int64_t n)
{
    quant_q8_01(x, y, n, false);
}

static void quant_q8_1(const float *x, void *y, int64_t n)
{
    quant_q8_01(x, y, n, true);
}

/* The 16-element sums of a Q8_K block's quants. */
KA_INLINE void q8k_bsums(struct qt_block_q8_K *y)
{
    const uint8_t *qs = (const uint8_t *)y + offsetof(struct qt_block_q8_K, qs);
    int16_t bsums[QK_K / 16];
    for (int j = 0; j < QK_K; j += 32) {
        /* sad against 0 of (q ^ 0x80) sums 8 biased bytes at a time */
        const __m256i v = _mm256_xor_si256(ka_loadu(qs + j), _mm256_set1_epi8((char)0x80));
        const __m256i sad = _mm256_sad_epu8(v, _mm256_setzero_si256());
        int64_t s8[4];
        memcpy(s8, &sad, sizeof s8);
        bsums[j / 16] = (int16_t)(s8[0] + s8[1] - 16 * 128);
        bsums[j / 16 + 1] = (int16_t)(s8[2] + s8[3] - 16 * 128);
    }
    memcpy((uint8_t *)y + offsetof(struct qt_block_q8_K, bsums), bsums, sizeof bsums);
}

/* Q8_K blocks with scale iscale per block, q = min(round half even(iscale *
 * x), 127) (the min only matters for the reference's rounding edge). */
KA_INLINE void q8k_fill(const float *x, struct qt_block_q8_K *y, float iscale)
{
    const __m256 is = _mm256_set1_ps(iscale);
    const __m256i top = _mm256_set1_epi32(127);
    uint8_t *qs = (uint8_t *)y + offsetof(struct qt_block_q8_K, qs);
    for (int j = 0; j < QK_K; j += 32) {
        __m256i q[4];
        for (int k = 0; k < 4; k++)
            q[k] = _mm256_min_epi32(round_i32(_mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * k), is)),
                                    top);
        store_i8x32((int8_t *)(qs + j), q[0], q[1], q[2], q[3]);
    }
    q8k_bsums(y);
}

KA_INLINE float amax256(const float *x)
{
    __m256 m = _mm256_setzero_ps();
    for (int j = 0; j < QK_K; j += 8)
        m = _mm256_max_ps(m, abs8(_mm256_loadu_ps(x + j)));
    return hmax8(m);
}

/* The reference: iscale = -127 / (the element of largest magnitude, the
 * first one on ties), d = 1 / iscale. */
static void quant_q8_K(const float *x, void *vy, int64_t n)
{
    struct qt_block_q8_K *y = vy;
    for (int64_t ib = 0; ib < n / QK_K; ib++, x += QK_K) {
        const float amax = amax256(x);
        if (amax == 0.0f) {
            memset(&y[ib], 0, sizeof y[ib]);
            continue;
        }
        int first = 0;
        const __m256 am = _mm256_set1_ps(amax);
        for (int j = 0; j < QK_K; j += 8) {
            int hit = _mm256_movemask_ps(_mm256_cmp_ps(abs8(_mm256_loadu_ps(x + j)), am, _CMP_EQ_OQ));
            if (hit) {
                first = j + __builtin_ctz((unsigned)hit);
                break;
            }
        }
        const float iscale = -127.0f / x[first];
        q8k_fill(x, &y[ib], iscale);
        y[ib].d = 1.0f / iscale;
    }
}

/* ggml_quantize_mat_q8_K_4x8 for one row: -127 / amax when +amax occurs in
 * the block, else 127 / amax. */
static void quant_q8_K_x4(const float *x, void *vy, int64_t n)
{
    struct qt_block_q8_K *y = vy;
    for (int64_t ib = 0; ib < n / QK_K; ib++, x += QK_K) {
        const float amax = amax256(x);
        const __m256 am = _mm256_set1_ps(amax);
        int pos = 0;
        for (int j = 0; j < QK_K; j += 8)
            pos |= _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + j), am, _CMP_EQ_OQ));
        const float iscale = amax == 0.0f ? 0.0f : pos ? -127.0f / amax : 127.0f / amax;
        q8k_fill(x, &y[ib], iscale);
        y[ib].d = amax != 0.0f ? 1.0f / iscale : 0.0f;
    }
}

/* ------------------------------------------------------------ vector exp and silu */

/* ggml_v_expf, lane for lane kern_expf_v (kernels_scalar.c). */
KA_INLINE __m256 ka_expf8(__m256 x)
{
    const __m256 shifter = _mm256_set1_ps(0x1.8p23f);
    const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), shifter);
    const __m256 nf = _mm256_sub_ps(z, shifter);
    const __m256 b = _mm256_fnmadd_ps(nf, _mm256_set1_ps(0x1.7f7d1cp-20f),
                                      _mm256_fnmadd_ps(nf, _mm256_set1_ps(0x1.62e4p-1f), x));
    const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
    const __m256 k = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_set1_epi32(0x3f800000)));
    const __m256 an = abs8(nf);
    const __m256 c = _mm256_cmp_ps(an, _mm256_set1_ps(126.0f), _CMP_GT_OQ);
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 p_hi = _mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b,
                                        _mm256_set1_ps(0x1.573e2ep-5f));
    const __m256 p_lo = _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b,
                                        _mm256_set1_ps(0x1.fffdb6p-2f));
    const __m256 j = _mm256_fmadd_ps(_mm256_fmadd_ps(p_hi, u, p_lo), u,
                                     _mm256_mul_ps(_mm256_set1_ps(0x1.ffffecp-1f), b));
    const __m256 fast = _mm256_fmadd_ps(k, j, k);
    if (!_mm256_movemask_ps(c))
        return fast;
    const __m256i g = _mm256_and_si256(
        _mm256_castps_si256(_mm256_cmp_ps(nf, _mm256_setzero_ps(), _CMP_LE_OQ)),
        _mm256_set1_epi32((int)0x82000000u));
    const __m256 s1 = _mm256_castsi256_ps(_mm256_add_epi32(g, _mm256_set1_epi32(0x7f000000)));
    const __m256 s2 = _mm256_castsi256_ps(_mm256_sub_epi32(e, g));
    const __m256 d = _mm256_cmp_ps(an, _mm256_set1_ps(192.0f), _CMP_GT_OQ);
    const __m256 big = _mm256_mul_ps(_mm256_fmadd_ps(s2, j, s2), s1);
    const __m256 r = _mm256_blendv_ps(fast, big, c);
    return _mm256_blendv_ps(r, _mm256_mul_ps(s1, s1), d);
}

KA_INLINE __m256 ka_silu8(__m256 x)
{
    const __m256 e = ka_expf8(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

/* ------------------------------------------------------------ vector helpers */

static float ka_dot_f16(int64_t n, const qt_f16 *a, const qt_f16 *b)
{
    float s;
    fvd_kernel(FLT_F16, 1, 1, n, &s, 1, (const uint8_t *)a, 0, (const uint8_t *)b, 0);
    return s;
}

static void ka_mad_f16(int64_t n, qt_f16 *y, const qt_f16 *x, float v)
{
    const __m256 vv = _mm256_set1_ps(v);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 r = _mm256_fmadd_ps(_mm256_cvtph_ps(ka_loadu128(x + i)), vv,
                                         _mm256_cvtph_ps(ka_loadu128(y + i)));
        _mm_storeu_si128((__m128i *)(void *)(y + i), f32x8_to_f16(r));
    }
    for (; i < n; i++)
        y[i] = _cvtss_sh(fmaf(_cvtsh_ss(x[i]), v, _cvtsh_ss(y[i])), _MM_FROUND_TO_NEAREST_INT);
}

static void ka_scale_f16(int64_t n, qt_f16 *y, float v)
{
    const __m256 vv = _mm256_set1_ps(v);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 r = _mm256_mul_ps(_mm256_cvtph_ps(ka_loadu128(y + i)), vv);
        _mm_storeu_si128((__m128i *)(void *)(y + i), f32x8_to_f16(r));
    }
    for (; i < n; i++)
        y[i] = _cvtss_sh(_cvtsh_ss(y[i]) * v, _MM_FROUND_TO_NEAREST_INT);
}

static void ka_axpy_f32(int64_t n, float a, const float *x, float *y)
{
    const __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(_mm256_loadu_ps(x + i), av, _mm256_loadu_ps(y + i)));
    for (; i < n; i++)
        y[i] = fmaf(x[i], a, y[i]);
}

static void ka_scale_f32(int64_t n, float *y, float v)
{
    const __m256 vv = _mm256_set1_ps(v);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), vv));
    for (; i < n; i++)
        y[i] *= v;
}

static double ka_expsum_f32(int64_t n, float *y, const float *x, float max)
{
    const __m256 mv = _mm256_set1_ps(max);
    double sum = 0.0;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = ka_expf8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        _mm256_storeu_ps(y + i, v);
        sum += (double)ka_hsum8(v);
    }
    for (; i < n; i++) {
        y[i] = expf(x[i] - max);
        sum += (double)y[i];
    }
    return sum;
}

static void ka_swiglu(int64_t n, const float *g, const float *u, float *h)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(h + i, _mm256_mul_ps(ka_silu8(_mm256_loadu_ps(g + i)),
                                              _mm256_loadu_ps(u + i)));
    for (; i < n; i++)
        h[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

/* the deprecated attention helpers (kernels.h): one 8-lane accumulator */
static float ka_dot_f16_f32(int64_t n, const qt_f16 *a, const float *b)
{
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc = _mm256_fmadd_ps(_mm256_cvtph_ps(ka_loadu128(a + i)), _mm256_loadu_ps(b + i), acc);
    float l[8];
    _mm256_storeu_ps(l, acc);
    for (; i < n; i++)
        l[i & 7] = fmaf(_cvtsh_ss(a[i]), b[i], l[i & 7]);
    return ks_hsum8(l);
}

static void ka_axpy_f16(int64_t n, float alpha, const qt_f16 *x, float *y)
{
    const __m256 al = _mm256_set1_ps(alpha);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(al, _mm256_cvtph_ps(ka_loadu128(x + i)),
                                                _mm256_loadu_ps(y + i)));
    for (; i < n; i++)
        y[i] = fmaf(alpha, _cvtsh_ss(x[i]), y[i]);
}

/* ------------------------------------------------------------ the table */

#define KA_Q(T, t_) [QT_TYPE_##T] = ka_dot_##t_
#define KA_QT(T, t_) [QT_TYPE_##T] = ka_tile_##t_

static const struct kern_table avx2_table = {
    .name = "avx2",
    .vec_dot =
        {
            [QT_TYPE_F32] = dot_f32, [QT_TYPE_F16] = dot_f16, [QT_TYPE_BF16] = dot_bf16,
            KA_Q(Q4_0, q4_0), KA_Q(Q4_1, q4_1), KA_Q(Q5_0, q5_0), KA_Q(Q5_1, q5_1),
            KA_Q(Q8_0, q8_0), KA_Q(Q2_K, q2_K), KA_Q(Q3_K, q3_K), KA_Q(Q4_K, q4_K),
            KA_Q(Q5_K, q5_K), KA_Q(Q6_K, q6_K),
        },
    .tile =
        {
            [KERN_FORM_VEC_DOT] =
                {
                    [QT_TYPE_F32] = tile_f32, [QT_TYPE_F16] = tile_f16,
                    [QT_TYPE_BF16] = tile_bf16, KA_QT(Q4_0, q4_0), KA_QT(Q4_1, q4_1),
                    KA_QT(Q5_0, q5_0), KA_QT(Q5_1, q5_1), KA_QT(Q8_0, q8_0),
                    KA_QT(Q2_K, q2_K), KA_QT(Q3_K, q3_K), KA_QT(Q4_K, q4_K),
                    KA_QT(Q5_K, q5_K), KA_QT(Q6_K, q6_K),
                },
            [KERN_FORM_BLAS] =
                {
                    [QT_TYPE_F32] = blas_f32, [QT_TYPE_F16] = blas_f16,
                    [QT_TYPE_BF16] = blas_bf16,
                },
            [KERN_FORM_REPACK] =
                {
                    [QT_TYPE_Q4_0] = ka_tile_rp_q4_0, [QT_TYPE_Q4_K] = ka_tile_rp_q4_K,
                },
            [KERN_FORM_REPACK_X4] =
                {
                    [QT_TYPE_Q4_0] = ka_tile_rp_q4_0, [QT_TYPE_Q4_K] = ka_tile_rp4_q4_K,
                },
        },
    .quantize =
        {
            [QT_TYPE_F32] = ks_quant_f32, [QT_TYPE_F16] = quant_f16,
            [QT_TYPE_BF16] = quant_bf16, [QT_TYPE_Q8_0] = quant_q8_0,
            [QT_TYPE_Q8_1] = quant_q8_1, [QT_TYPE_Q8_K] = quant_q8_K,
        },
    .quantize_x4 = {[QT_TYPE_Q8_0] = quant_q8_0, [QT_TYPE_Q8_K] = quant_q8_K_x4},
    .dot_f16 = ka_dot_f16,
    .mad_f16 = ka_mad_f16,
    .scale_f16 = ka_scale_f16,
    .axpy_f32 = ka_axpy_f32,
    .scale_f32 = ka_scale_f32,
    .expsum_f32 = ka_expsum_f32,
    .swiglu = ka_swiglu,
    .f32_to_f16 = ka_f32_to_f16,
    .f16_to_f32 = ka_f16_to_f32,
    .dot_f16_f32 = ka_dot_f16_f32,
    .axpy_f16 = ka_axpy_f16,
};

const struct kern_table *kern_avx2_table(void)
{
    return &avx2_table;
}

#else

const struct kern_table *kern_avx2_table(void)
{
    return NULL; /* not compiled for AVX2 (another architecture or compiler) */
}

#endif /* COLA_HAVE_AVX2 */
