/* kernels_avx2.c — the AVX2 + FMA + F16C kernel table: float-row dot
 * products and tiles (F32, F16, BF16), the activation quantizers, the f16
 * attention helpers. The quantized dot products are in kernels_q_avx2.c.
 *
 * Activation quantizers are byte-identical to the quant module's reference
 * ones (tested), including where ggml's own AVX2 quantize_row_q8_0/q8_1
 * differ from its reference: ggml scales by 127/amax and rounds half to
 * even, the reference by 1/(amax/127) and rounds half away from zero. cola
 * keeps the reference bytes on every ISA, so a scalar and an AVX2 run
 * quantize activations identically. F16 conversions (F16C) round to nearest
 * even like the reference; NaNs are mapped to the reference's quiet NaN.
 */
#include "engine/kernels_avx2.h"

#include "engine/kernels_internal.h"

#ifdef COLA_HAVE_AVX2

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

/* One 8-lane accumulator per pair; the n % 8 tail is added after the
 * horizontal sum, element by element. */
KA_INLINE void flt_kernel(enum flt_kind k, const int R, const int C, int64_t n, float *s,
                          int64_t ss, const uint8_t *a, size_t as, const uint8_t *b, size_t bs)
{
    const size_t es = flt_size(k);
    __m256 acc[4][4];
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            acc[r][c] = _mm256_setzero_ps();
    const int64_t n8 = n / 8 * 8;
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
            float t = ka_hsum8(acc[r][c]);
            for (int64_t i = n8; i < n; i++)
                t += flt_load1(k, a + (size_t)r * as + (size_t)i * es) *
                     flt_load1(k, b + (size_t)c * bs + (size_t)i * es);
            s[c * ss + r] = t;
        }
    }
}

/* Sub-tile shapes (measured): batches in FLT_RB x FLT_CB, one activation
 * row in FLT_RB1 x 1. */
#ifndef FLT_RB
#define FLT_RB 4
#endif
#ifndef FLT_CB
#define FLT_CB 2
#endif
#ifndef FLT_RB1
#define FLT_RB1 4
#endif

#define FLT_CALL(R, C, KIND, r0, c0)                                                       \
    flt_kernel(KIND, R, C, n, s + (c0) * ss + (r0), ss, A + (size_t)(r0) * as, as,         \
               B + (size_t)(c0) * bs, bs)
#define FLT_BODY(r0, c0, rn, cn) KA_SHAPE_SWITCH(FLT_CALL, FLT_RB, FLT_CB, rn, cn, KIND_, r0, c0)
#define FLT_BODY1(r0, c0, rn, cn) KA_SHAPE_SWITCH(FLT_CALL, FLT_RB1, 1, rn, cn, KIND_, r0, c0)

#define FLT_DEFINE(t, KIND)                                                                \
    static void dot_##t(int64_t n, float *s, const void *a, const void *b)                 \
    {                                                                                      \
        flt_kernel(KIND, 1, 1, n, s, 1, a, 0, b, 0);                                       \
    }                                                                                      \
    static void tile_##t(int64_t n, float *s, int64_t ss, const void *a, size_t as,        \
                         int na, const void *b, size_t bs, int nb)                         \
    {                                                                                      \
        const uint8_t *A = a, *B = b;                                                      \
        const enum flt_kind KIND_ = KIND;                                                  \
        if (nb == 1) {                                                                     \
            KA_TILE_LOOP(FLT_RB1, 1, na, nb, FLT_BODY1)                                    \
        } else {                                                                           \
            KA_TILE_LOOP(FLT_RB, FLT_CB, na, nb, FLT_BODY)                                 \
        }                                                                                  \
    }

FLT_DEFINE(f32, FLT_F32)
FLT_DEFINE(f16, FLT_F16)
FLT_DEFINE(bf16, FLT_BF16)

/* ------------------------------------------------------------ f16 conversions */

/* 8 floats -> 8 halves, round to nearest even; NaN lanes become the
 * reference's quiet NaN (0x7e00 with the sign). */
KA_INLINE __m128i f32x8_to_f16(__m256 v)
{
    __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    if (!_mm256_testz_ps(nan, nan)) {
        const __m256i sign = _mm256_srli_epi32(
            _mm256_and_si256(_mm256_castps_si256(v), _mm256_set1_epi32((int)0x80000000u)), 16);
        __m256i q = _mm256_or_si256(sign, _mm256_set1_epi32(0x7e00));
        q = _mm256_packus_epi32(q, q); /* 16-bit lanes: [0-3 0-3 | 4-7 4-7] */
        q = _mm256_permute4x64_epi64(q, 0x08);
        __m128i m = _mm256_castsi256_si128(_mm256_castps_si256(nan));
        m = _mm_packs_epi32(m, _mm256_extracti128_si256(_mm256_castps_si256(nan), 1));
        h = _mm_blendv_epi8(h, _mm256_castsi256_si128(q), m);
    }
    return h;
}

static void ka_f32_to_f16(const float *x, qt_f16 *y, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(void *)(y + i), f32x8_to_f16(_mm256_loadu_ps(x + i)));
    for (; i < n; i++)
        y[i] = qt_float_to_half(x[i]);
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

static void quant_f32(const float *x, void *y, int64_t n)
{
    if (n > 0)
        memcpy(y, x, (size_t)n * sizeof(float));
}

static void quant_f16(const float *x, void *y, int64_t n)
{
    uint8_t *p = y;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(void *)(p + 2 * i), f32x8_to_f16(_mm256_loadu_ps(x + i)));
    for (; i < n; i++) {
        qt_f16 h = qt_float_to_half(x[i]);
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
    for (; i < n; i++) {
        qt_bf16 h = qt_float_to_bfloat(x[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}

KA_INLINE __m256 abs8(__m256 v)
{
    return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

KA_INLINE float hmax8(__m256 v)
{
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/* roundf(): to nearest, ties away from zero, exact for every float. */
KA_INLINE __m256 round_away8(__m256 v)
{
    const __m256 a = abs8(v);
    __m256 t = _mm256_round_ps(a, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 up = _mm256_cmp_ps(_mm256_sub_ps(a, t), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
    t = _mm256_add_ps(t, _mm256_and_ps(up, _mm256_set1_ps(1.0f)));
    return _mm256_or_ps(t, _mm256_and_ps(v, _mm256_set1_ps(-0.0f)));
}

/* 32 int32 (four vectors, element order) -> 32 int8 at dst. Values are in
 * [-128, 127] already, so the saturating packs are exact. */
KA_INLINE void store_i8x32(int8_t *dst, __m256i i0, __m256i i1, __m256i i2, __m256i i3)
{
    const __m256i a = _mm256_packs_epi32(i0, i1); /* 0-3 8-11 | 4-7 12-15 */
    const __m256i b = _mm256_packs_epi32(i2, i3);
    __m256i c = _mm256_packs_epi16(a, b);
    c = _mm256_permutevar8x32_epi32(c, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)(void *)dst, c);
}

/* Q8_0 and Q8_1 blocks: d = amax / 127, q = roundf(x * (1 / d)); Q8_1 also
 * s = f16(sum(q) * d). */
KA_INLINE void quant_q8_01(const float *x, uint8_t *y, int64_t n, bool q8_1)
{
    const size_t bsz = q8_1 ? 36 : 34;
    for (int64_t ib = 0; ib < n / 32; ib++, x += 32, y += bsz) {
        __m256 v[4];
        for (int j = 0; j < 4; j++)
            v[j] = _mm256_loadu_ps(x + 8 * j);
        const __m256 m = _mm256_max_ps(_mm256_max_ps(abs8(v[0]), abs8(v[1])),
                                       _mm256_max_ps(abs8(v[2]), abs8(v[3])));
        const float amax = hmax8(m);
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const qt_f16 dh = qt_float_to_half(d);
        memcpy(y, &dh, 2);
        __m256i q[4];
        for (int j = 0; j < 4; j++)
            q[j] = _mm256_cvttps_epi32(round_away8(_mm256_mul_ps(v[j], _mm256_set1_ps(id))));
        store_i8x32((int8_t *)(y + (q8_1 ? 4 : 2)), q[0], q[1], q[2], q[3]);
        if (q8_1) {
            const __m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]),
                                               _mm256_add_epi32(q[2], q[3]));
            __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
            t = _mm_add_epi32(t, _mm_unpackhi_epi64(t, t));
            t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 1));
            const qt_f16 sh = qt_float_to_half((float)_mm_cvtsi128_si32(t) * d);
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

/* Q8_K: iscale = -127 / (the element of largest magnitude, the first one on
 * ties), q = min(round-to-even(iscale * x), 127), d = 1 / iscale, and the
 * sums of each 16 quants. */
static void quant_q8_K(const float *x, void *vy, int64_t n)
{
    struct qt_block_q8_K *y = vy;
    for (int64_t ib = 0; ib < n / QK_K; ib++, x += QK_K) {
        __m256 m = _mm256_setzero_ps();
        for (int j = 0; j < QK_K; j += 8)
            m = _mm256_max_ps(m, abs8(_mm256_loadu_ps(x + j)));
        const float amax = hmax8(m);
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
        const __m256 is = _mm256_set1_ps(iscale);
        const __m256i top = _mm256_set1_epi32(127);
        uint8_t *qs = (uint8_t *)&y[ib] + offsetof(struct qt_block_q8_K, qs);
        for (int j = 0; j < QK_K; j += 32) {
            __m256i q[4];
            for (int k = 0; k < 4; k++) {
                const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + j + 8 * k), is);
                q[k] = _mm256_min_epi32(
                    _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT |
                                                              _MM_FROUND_NO_EXC)),
                    top);
            }
            store_i8x32((int8_t *)(qs + j), q[0], q[1], q[2], q[3]);
        }
        /* bsums: sad against 0 of (q ^ 0x80) sums 8 biased bytes at a time */
        int16_t bsums[QK_K / 16];
        for (int j = 0; j < QK_K; j += 32) {
            const __m256i v = _mm256_xor_si256(ka_loadu(qs + j), _mm256_set1_epi8((char)0x80));
            const __m256i sad = _mm256_sad_epu8(v, _mm256_setzero_si256());
            int64_t s8[4];
            memcpy(s8, &sad, sizeof s8);
            bsums[j / 16] = (int16_t)(s8[0] + s8[1] - 16 * 128);
            bsums[j / 16 + 1] = (int16_t)(s8[2] + s8[3] - 16 * 128);
        }
        memcpy((uint8_t *)&y[ib] + offsetof(struct qt_block_q8_K, bsums), bsums, sizeof bsums);
        y[ib].d = 1.0f / iscale;
    }
}

/* ------------------------------------------------------------ attention helpers */

static float ka_dot_f16_f32(int64_t n, const qt_f16 *a, const float *b)
{
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_cvtph_ps(ka_loadu128(a + i)), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_cvtph_ps(ka_loadu128(a + i + 8)), _mm256_loadu_ps(b + i + 8),
                               acc1);
    }
    for (; i + 8 <= n; i += 8)
        acc0 = _mm256_fmadd_ps(_mm256_cvtph_ps(ka_loadu128(a + i)), _mm256_loadu_ps(b + i), acc0);
    float s = ka_hsum8(_mm256_add_ps(acc0, acc1));
    for (; i < n; i++)
        s += _cvtsh_ss(a[i]) * b[i];
    return s;
}

static void ka_axpy_f16(int64_t n, float alpha, const qt_f16 *x, float *y)
{
    const __m256 al = _mm256_set1_ps(alpha);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(al, _mm256_cvtph_ps(ka_loadu128(x + i)),
                                                _mm256_loadu_ps(y + i)));
    for (; i < n; i++)
        y[i] += alpha * _cvtsh_ss(x[i]);
}

/* ------------------------------------------------------------ the table */

#define KA_QUANTIZED(T, t_) [QT_TYPE_##T] = ka_dot_##t_
#define KA_QTILE(T, t_) [QT_TYPE_##T] = ka_tile_##t_

static const struct kern_table avx2_table = {
    .name = "avx2",
    .vec_dot =
        {
            [QT_TYPE_F32] = dot_f32,
            [QT_TYPE_F16] = dot_f16,
            [QT_TYPE_BF16] = dot_bf16,
            KA_QUANTIZED(Q4_0, q4_0),
            KA_QUANTIZED(Q4_1, q4_1),
            KA_QUANTIZED(Q5_0, q5_0),
            KA_QUANTIZED(Q5_1, q5_1),
            KA_QUANTIZED(Q8_0, q8_0),
            KA_QUANTIZED(Q2_K, q2_K),
            KA_QUANTIZED(Q3_K, q3_K),
            KA_QUANTIZED(Q4_K, q4_K),
            KA_QUANTIZED(Q5_K, q5_K),
            KA_QUANTIZED(Q6_K, q6_K),
        },
    .quantize =
        {
            [QT_TYPE_F32] = quant_f32,
            [QT_TYPE_F16] = quant_f16,
            [QT_TYPE_BF16] = quant_bf16,
            [QT_TYPE_Q8_0] = quant_q8_0,
            [QT_TYPE_Q8_1] = quant_q8_1,
            [QT_TYPE_Q8_K] = quant_q8_K,
        },
    .tile =
        {[KERN_FORM_VEC_DOT] = {
            [QT_TYPE_F32] = tile_f32,
            [QT_TYPE_F16] = tile_f16,
            [QT_TYPE_BF16] = tile_bf16,
            KA_QTILE(Q4_0, q4_0),
            KA_QTILE(Q4_1, q4_1),
            KA_QTILE(Q5_0, q5_0),
            KA_QTILE(Q5_1, q5_1),
            KA_QTILE(Q8_0, q8_0),
            KA_QTILE(Q2_K, q2_K),
            KA_QTILE(Q3_K, q3_K),
            KA_QTILE(Q4_K, q4_K),
            KA_QTILE(Q5_K, q5_K),
            KA_QTILE(Q6_K, q6_K),
        }},
    .dot_f16_f32 = ka_dot_f16_f32,
    .axpy_f16 = ka_axpy_f16,
    .f32_to_f16 = ka_f32_to_f16,
    .f16_to_f32 = ka_f16_to_f32,
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
