/* kernels_scalar.c — the scalar kernel table: float-row forms, activation
 * quantizers, vector helpers and the table itself (the quantized forms are
 * in kernels_scalar_q.c). Plain C, no intrinsics; every fused multiply-add
 * is an explicit fmaf and nothing else is contracted (-ffp-contract=off), so
 * this file is the definition the AVX2 table is tested against bit for bit.
 *
 * The float forms (kernels.h, docs/kernels.md):
 *   VEC_DOT  ggml_vec_dot_f32/f16/bf16 on AVX2: four 8-lane accumulators over
 *            steps of 32 elements (fma), then ggml's reduction, which differs
 *            per type; the remainder (n % 32) is added after the reduction —
 *            in float for F32 (as gcc compiled ggml's tail loop: whole 8- and
 *            4-element pieces as separate multiply and add, the last up to 3
 *            elements with fma), in double for F16 and BF16.
 *   BLAS     llamafile's tinyBLAS: one 8-lane fma accumulator, lane l taking
 *            elements l, l + 8, ..., then ks_hsum8.
 * Rows may sit at any address (a GGUF file may align tensors to 1 byte), so
 * 16/32-bit elements are read through memcpy.
 */
#include <math.h>
#include <string.h>

#include "engine/kernels_internal.h"
#include "engine/quant_internal.h"

/* ------------------------------------------------------------ conversions */

qt_f16 ks_f32_to_f16(float f)
{
    const uint32_t w = qt_f32_bits(f);
    if ((w & 0x7fffffffu) > 0x7f800000u) /* NaN: quiet, top payload bits kept */
        return (qt_f16)(((w >> 16) & 0x8000u) | 0x7e00u | ((w >> 13) & 0x3ffu));
    return qt_float_to_half(f);
}

enum flt_kind { FLT_F32, FLT_F16, FLT_BF16 };

static inline float ld_flt(enum flt_kind k, const uint8_t *p, int64_t i)
{
    if (k == FLT_F32) {
        float v;
        memcpy(&v, p + 4 * i, 4);
        return v;
    }
    uint16_t h;
    memcpy(&h, p + 2 * i, 2);
    return k == FLT_F16 ? qt_half_to_float(h) : qt_bfloat_to_float(h);
}

/* ------------------------------------------------------------ float forms */

/* The four accumulators of a VEC_DOT float row, reduced the type's way. */
static float flt_reduce(enum flt_kind k, float acc[4][8])
{
    if (k == FLT_BF16) { /* (c0 + c2) + (c1 + c3), then the lanes as ks_hsum8 */
        float c[8];
        for (int l = 0; l < 8; l++)
            c[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
        return ks_hsum8(c);
    }
    /* GGML_F32x8_REDUCE: (x0 + x2) + (x1 + x3), halves, then two hadds */
    float c[8], t[4];
    for (int l = 0; l < 8; l++)
        c[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
    for (int l = 0; l < 4; l++)
        t[l] = c[l] + c[l + 4];
    return (t[0] + t[1]) + (t[2] + t[3]);
}

static float flt_vec_dot(enum flt_kind k, int64_t n, const uint8_t *a, const uint8_t *b)
{
    const int64_t np = n & ~(int64_t)31;
    float acc[4][8] = {{0}};
    for (int64_t i = 0; i < np; i += 32)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 8; l++) {
                const int64_t e = i + 8 * j + l;
                acc[j][l] = fmaf(ld_flt(k, a, e), ld_flt(k, b, e), acc[j][l]);
            }
    const float r = flt_reduce(k, acc);
    if (k != FLT_F32) {
        double sum = (double)r;
        for (int64_t i = np; i < n; i++) /* the product is exact in float */
            sum += (double)(ld_flt(k, a, i) * ld_flt(k, b, i));
        return (float)sum;
    }
    /* F32 tail as gcc vectorised ggml's loop: 8s, then a 4, in order with
     * separate multiply and add; then fma for the last 0..3 */
    const int64_t rem = n - np;
    const int64_t vec = (rem & ~(int64_t)7) + ((rem & 7) >= 4 ? 4 : 0);
    float sum = r;
    for (int64_t i = np; i < np + vec; i++)
        sum = sum + ld_flt(k, a, i) * ld_flt(k, b, i);
    for (int64_t i = np + vec; i < n; i++)
        sum = fmaf(ld_flt(k, a, i), ld_flt(k, b, i), sum);
    return sum;
}

static float flt_blas(enum flt_kind k, int64_t n, const uint8_t *a, const uint8_t *b)
{
    float acc[8] = {0};
    for (int64_t i = 0; i < n; i++)
        acc[i & 7] = fmaf(ld_flt(k, a, i), ld_flt(k, b, i), acc[i & 7]);
    return ks_hsum8(acc);
}

#define FLT_DEFINE(t, KIND)                                                                 \
    static void dot_##t(int64_t n, float *s, const void *a, const void *b)                   \
    {                                                                                        \
        *s = flt_vec_dot(KIND, n, a, b);                                                     \
    }                                                                                        \
    static void tile_##t(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,  \
                         const void *b, size_t bs, int nb)                                   \
    {                                                                                        \
        for (int j = 0; j < nb; j++)                                                         \
            for (int i = 0; i < na; i++)                                                     \
                s[j * ss + i] = flt_vec_dot(KIND, n, (const uint8_t *)a + (size_t)i * as,    \
                                            (const uint8_t *)b + (size_t)j * bs);            \
    }                                                                                        \
    static void blas_##t(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,  \
                         const void *b, size_t bs, int nb)                                   \
    {                                                                                        \
        for (int j = 0; j < nb; j++)                                                         \
            for (int i = 0; i < na; i++)                                                     \
                s[j * ss + i] = flt_blas(KIND, n, (const uint8_t *)a + (size_t)i * as,       \
                                         (const uint8_t *)b + (size_t)j * bs);               \
    }

FLT_DEFINE(f32, FLT_F32)
FLT_DEFINE(f16, FLT_F16)
FLT_DEFINE(bf16, FLT_BF16)

/* ------------------------------------------------------------ activation quantizers */

/* Round half to even; exact for |v| < 2^22 (all the quantizers need). */
static inline float rne(float v)
{
    const float magic = 0x1.8p23f;
    return fabsf(v) < 0x1p22f ? (v + magic) - magic : v;
}

/* float -> int8 as cvtps_epi32 + saturating packs do it (NaN -> -128) */
static inline int8_t sat_i8(float v)
{
    if (!(v >= -128.0f))
        return -128;
    return v > 127.0f ? 127 : (int8_t)v;
}

/* ggml x86 quantize_row_q8_0 / q8_1: d = amax / 127, multiplier 127 / amax,
 * round half even; Q8_1 also s = f16(d * sum(q)). */
static void quant_q8_01(const float *x, uint8_t *y, int64_t n, bool q8_1)
{
    const size_t bsz = q8_1 ? 36 : 34, qs = q8_1 ? 4 : 2;
    for (int64_t ib = 0; ib < n / 32; ib++, x += 32, y += bsz) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++)
            amax = fabsf(x[j]) > amax ? fabsf(x[j]) : amax;
        const float d = amax / 127.0f;
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        const qt_f16 dh = ks_f32_to_f16(d);
        memcpy(y, &dh, 2);
        int32_t sum = 0;
        for (int j = 0; j < 32; j++) {
            const int8_t q = sat_i8(rne(x[j] * id));
            y[qs + j] = (uint8_t)q;
            sum += q;
        }
        if (q8_1) {
            const qt_f16 sh = ks_f32_to_f16(d * (float)sum);
            memcpy(y + 2, &sh, 2);
        }
    }
}

void ks_quant_q8_0(const float *x, void *y, int64_t n)
{
    quant_q8_01(x, y, n, false);
}

void ks_quant_q8_1(const float *x, void *y, int64_t n)
{
    quant_q8_01(x, y, n, true);
}

void ks_quant_q8_K(const float *x, void *y, int64_t n)
{
    qt_q8_K_from_float(x, y, n); /* ggml runs the reference quantizer on x86 */
}

/* ggml_quantize_mat_q8_K_4x8 for one row: the scale is -127 / amax when
 * some element equals +amax, else +127 / amax (the reference takes the sign
 * of the first element of largest magnitude instead). */
void ks_quant_q8_K_x4(const float *x, void *vy, int64_t n)
{
    struct qt_block_q8_K *y = vy;
    for (int64_t ib = 0; ib < n / QK_K; ib++, x += QK_K) {
        float amax = 0.0f;
        for (int j = 0; j < QK_K; j++)
            amax = fabsf(x[j]) > amax ? fabsf(x[j]) : amax;
        bool pos = false;
        for (int j = 0; j < QK_K; j++)
            pos |= x[j] == amax;
        const float iscale = amax == 0.0f ? 0.0f : pos ? -127.0f / amax : 127.0f / amax;
        y[ib].d = amax != 0.0f ? 1.0f / iscale : 0.0f;
        for (int j = 0; j < QK_K; j++)
            y[ib].qs[j] = sat_i8(rne(x[j] * iscale));
        for (int g = 0; g < QK_K / 16; g++) {
            int32_t s = 0;
            for (int j = 0; j < 16; j++)
                s += y[ib].qs[16 * g + j];
            y[ib].bsums[g] = (int16_t)s;
        }
    }
}

void ks_quant_bf16(const float *x, void *y, int64_t n)
{
    uint8_t *p = y;
    for (int64_t i = 0; i < n; i++) {
        const qt_bf16 h = qt_float_to_bfloat(x[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}

void ks_quant_f32(const float *x, void *y, int64_t n)
{
    if (n > 0)
        memcpy(y, x, (size_t)n * sizeof(float));
}

static void quant_f16(const float *x, void *y, int64_t n)
{
    uint8_t *p = y;
    for (int64_t i = 0; i < n; i++) {
        const qt_f16 h = ks_f32_to_f16(x[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}

/* ------------------------------------------------------------ vector exp and silu */

static inline uint32_t fbits(float f)
{
    return qt_f32_bits(f);
}

static inline float bitsf(uint32_t u)
{
    return qt_bits_f32(u);
}

/* exp(x) = 2^n * exp(b): n = round(x / ln 2) through the 1.5 * 2^23 shifter,
 * b = x - n ln 2 in two fma steps, exp(b) - 1 by a degree-5 polynomial whose
 * even and odd halves are built separately, the 2^n scale put straight into
 * the exponent bits (with a split scale when |n| > 126, and overflow or
 * underflow when |n| > 192). ggml's constants and operation order. */
float kern_expf_v(float x)
{
    const float shifter = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, shifter);
    const float nf = z - shifter;
    const float b = fmaf(-nf, 0x1.7f7d1cp-20f, fmaf(-nf, 0x1.62e4p-1f, x));
    const uint32_t e = fbits(z) << 23;
    const float k = bitsf(e + fbits(1.0f));
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                              fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                         u, 0x1.ffffecp-1f * b);
    if (!(fabsf(nf) > 126.0f))
        return fmaf(k, j, k);
    const uint32_t g = nf <= 0.0f ? 0x82000000u : 0u;
    const float s1 = bitsf(g + 0x7f000000u);
    const float s2 = bitsf(e - g);
    if (fabsf(nf) > 192.0f)
        return s1 * s1;
    return fmaf(s2, j, s2) * s1;
}

float kern_silu_v(float x)
{
    return x / (1.0f + kern_expf_v(0.0f - x));
}

static inline float silu_libm(float x)
{
    return x / (1.0f + expf(-x));
}

/* ------------------------------------------------------------ vector helpers */

static float sc_dot_f16(int64_t n, const qt_f16 *a, const qt_f16 *b)
{
    return flt_vec_dot(FLT_F16, n, (const uint8_t *)a, (const uint8_t *)b);
}

static void sc_mad_f16(int64_t n, qt_f16 *y, const qt_f16 *x, float v)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = ks_f32_to_f16(fmaf(qt_half_to_float(x[i]), v, qt_half_to_float(y[i])));
}

static void sc_scale_f16(int64_t n, qt_f16 *y, float v)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = ks_f32_to_f16(qt_half_to_float(y[i]) * v);
}

static void sc_axpy_f32(int64_t n, float a, const float *x, float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = fmaf(x[i], a, y[i]);
}

static void sc_scale_f32(int64_t n, float *y, float v)
{
    for (int64_t i = 0; i < n; i++)
        y[i] *= v;
}

static double sc_expsum_f32(int64_t n, float *y, const float *x, float max)
{
    double sum = 0.0;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float v[8];
        for (int l = 0; l < 8; l++)
            y[i + l] = v[l] = kern_expf_v(x[i + l] - max);
        sum += (double)ks_hsum8(v);
    }
    for (; i < n; i++) {
        y[i] = expf(x[i] - max);
        sum += (double)y[i];
    }
    return sum;
}

static void sc_swiglu(int64_t n, const float *g, const float *u, float *h)
{
    const int64_t n8 = n & ~(int64_t)7;
    for (int64_t i = 0; i < n8; i++)
        h[i] = kern_silu_v(g[i]) * u[i];
    for (int64_t i = n8; i < n; i++)
        h[i] = silu_libm(g[i]) * u[i];
}

static void sc_f32_to_f16(const float *x, qt_f16 *y, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = ks_f32_to_f16(x[i]);
}

static void sc_f16_to_f32(const qt_f16 *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = qt_half_to_float(x[i]);
}

/* the deprecated attention helpers (kernels.h) */
static float sc_dot_f16_f32(int64_t n, const qt_f16 *a, const float *b)
{
    float l[8] = {0};
    for (int64_t i = 0; i < n; i++)
        l[i & 7] = fmaf(qt_half_to_float(a[i]), b[i], l[i & 7]);
    return ks_hsum8(l);
}

static void sc_axpy_f16(int64_t n, float alpha, const qt_f16 *x, float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = fmaf(alpha, qt_half_to_float(x[i]), y[i]);
}

/* ------------------------------------------------------------ the table */

#define KS_Q(T, t) [QT_TYPE_##T] = ks_dot_##t
#define KS_QT(T, t) [QT_TYPE_##T] = ks_tile_##t

static const struct kern_table scalar_table = {
    .name = "scalar",
    .vec_dot =
        {
            [QT_TYPE_F32] = dot_f32, [QT_TYPE_F16] = dot_f16, [QT_TYPE_BF16] = dot_bf16,
            KS_Q(Q4_0, q4_0), KS_Q(Q4_1, q4_1), KS_Q(Q5_0, q5_0), KS_Q(Q5_1, q5_1),
            KS_Q(Q8_0, q8_0), KS_Q(Q2_K, q2_K), KS_Q(Q3_K, q3_K), KS_Q(Q4_K, q4_K),
            KS_Q(Q5_K, q5_K), KS_Q(Q6_K, q6_K),
        },
    .tile =
        {
            [KERN_FORM_VEC_DOT] =
                {
                    [QT_TYPE_F32] = tile_f32, [QT_TYPE_F16] = tile_f16,
                    [QT_TYPE_BF16] = tile_bf16, KS_QT(Q4_0, q4_0), KS_QT(Q4_1, q4_1),
                    KS_QT(Q5_0, q5_0), KS_QT(Q5_1, q5_1), KS_QT(Q8_0, q8_0),
                    KS_QT(Q2_K, q2_K), KS_QT(Q3_K, q3_K), KS_QT(Q4_K, q4_K),
                    KS_QT(Q5_K, q5_K), KS_QT(Q6_K, q6_K),
                },
            [KERN_FORM_BLAS] =
                {
                    [QT_TYPE_F32] = blas_f32, [QT_TYPE_F16] = blas_f16,
                    [QT_TYPE_BF16] = blas_bf16,
                },
            [KERN_FORM_REPACK] =
                {
                    [QT_TYPE_Q4_0] = ks_tile_rp_q4_0, [QT_TYPE_Q4_K] = ks_tile_rp_q4_K,
                },
            [KERN_FORM_REPACK_X4] =
                {
                    [QT_TYPE_Q4_0] = ks_tile_rp_q4_0, [QT_TYPE_Q4_K] = ks_tile_rp4_q4_K,
                },
        },
    .quantize =
        {
            [QT_TYPE_F32] = ks_quant_f32, [QT_TYPE_F16] = quant_f16,
            [QT_TYPE_BF16] = ks_quant_bf16, [QT_TYPE_Q8_0] = ks_quant_q8_0,
            [QT_TYPE_Q8_1] = ks_quant_q8_1, [QT_TYPE_Q8_K] = ks_quant_q8_K,
        },
    .quantize_x4 = {[QT_TYPE_Q8_0] = ks_quant_q8_0, [QT_TYPE_Q8_K] = ks_quant_q8_K_x4},
    .dot_f16 = sc_dot_f16,
    .mad_f16 = sc_mad_f16,
    .scale_f16 = sc_scale_f16,
    .axpy_f32 = sc_axpy_f32,
    .scale_f32 = sc_scale_f32,
    .expsum_f32 = sc_expsum_f32,
    .swiglu = sc_swiglu,
    .f32_to_f16 = sc_f32_to_f16,
    .f16_to_f32 = sc_f16_to_f32,
    .dot_f16_f32 = sc_dot_f16_f32,
    .axpy_f16 = sc_axpy_f16,
};

const struct kern_table *kern_scalar(void)
{
    return &scalar_table;
}
