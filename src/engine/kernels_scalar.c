/* kernels_scalar.c — the reference kernels: plain C, no intrinsics.
 *
 * Every dot product here is the definition the SIMD files are tested against.
 * The arithmetic follows ggml's generic CPU code: the quantized formats take
 * exact integer dot products per block (per 16/32-element sub-block for the
 * K-quants) and scale them in float by the product of the two block scales;
 * the K-quants with mins (Q2_K, Q4_K, Q5_K) subtract dmin * sum(min * bsum)
 * using the activation's 16-element sums. F32/F16/BF16 rows are multiplied in
 * f32 and summed in 8 f32 lanes (the shape of a SIMD loop).
 *
 * Rows may sit at any address (blocks are packed; a GGUF file may align
 * tensors to 1 byte), so 16/32-bit float elements are read through memcpy.
 */
#include "engine/kernels.h"

#include <string.h>

#include "engine/kernels_internal.h"
#include "engine/quant_internal.h"

/* ------------------------------------------------------------ float rows */

static inline float ld_f32(const uint8_t *p, int64_t i)
{
    float v;
    memcpy(&v, p + 4 * i, 4);
    return v;
}

static inline float ld_f16(const uint8_t *p, int64_t i)
{
    qt_f16 h;
    memcpy(&h, p + 2 * i, 2);
    return qt_half_to_float(h);
}

static inline float ld_bf16(const uint8_t *p, int64_t i)
{
    qt_bf16 h;
    memcpy(&h, p + 2 * i, 2);
    return qt_bfloat_to_float(h);
}

/* Sums of products in 8 lanes (lane = i % 8), then the lanes in pairs. */
static float lanes_sum(const float l[8])
{
    return ((l[0] + l[4]) + (l[1] + l[5])) + ((l[2] + l[6]) + (l[3] + l[7]));
}

#define FLOAT_DOT(name, LD)                                                  \
    static void name(int64_t n, float *s, const void *va, const void *vb)    \
    {                                                                        \
        const uint8_t *a = va, *b = vb;                                      \
        float l[8] = {0};                                                    \
        for (int64_t i = 0; i < n; i++)                                      \
            l[i & 7] += LD(a, i) * LD(b, i);                                 \
        *s = lanes_sum(l);                                                   \
    }

FLOAT_DOT(dot_f32, ld_f32)
FLOAT_DOT(dot_f16, ld_f16)
FLOAT_DOT(dot_bf16, ld_bf16)

/* ------------------------------------------------------------ 32-element blocks */

static void dot_q4_0(int64_t n, float *s, const void *va, const void *vb)
{
    const struct qt_block_q4_0 *x = va;
    const struct qt_block_q8_0 *y = vb;
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / QK8_0; i++) {
        int sumi = 0;
        for (int j = 0; j < QK4_0 / 2; j++) {
            sumi += ((x[i].qs[j] & 0x0f) - 8) * y[i].qs[j];
            sumi += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + QK4_0 / 2];
        }
        sumf += (float)sumi * (qt_half_to_float(x[i].d) * qt_half_to_float(y[i].d));
    }
    *s = sumf;
}

static void dot_q4_1(int64_t n, float *s, const void *va, const void *vb)
{
    const struct qt_block_q4_1 *x = va;
    const struct qt_block_q8_1 *y = vb;
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / QK8_1; i++) {
        int sumi = 0;
        for (int j = 0; j < QK4_1 / 2; j++) {
            sumi += (x[i].qs[j] & 0x0f) * y[i].qs[j];
            sumi += (x[i].qs[j] >> 4) * y[i].qs[j + QK4_1 / 2];
        }
        sumf += (qt_half_to_float(x[i].d) * qt_half_to_float(y[i].d)) * (float)sumi +
                qt_half_to_float(x[i].m) * qt_half_to_float(y[i].s);
    }
    *s = sumf;
}

static inline uint32_t ld_qh(const uint8_t qh[4])
{
    return (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
}

static void dot_q5_0(int64_t n, float *s, const void *va, const void *vb)
{
    const struct qt_block_q5_0 *x = va;
    const struct qt_block_q8_0 *y = vb;
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / QK8_0; i++) {
        const uint32_t qh = ld_qh(x[i].qh);
        int sumi = 0;
        for (int j = 0; j < QK5_0 / 2; j++) {
            int lo = (x[i].qs[j] & 0x0f) | (int)((qh >> j) & 1) << 4;
            int hi = (x[i].qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            sumi += (lo - 16) * y[i].qs[j] + (hi - 16) * y[i].qs[j + QK5_0 / 2];
        }
        sumf += (qt_half_to_float(x[i].d) * qt_half_to_float(y[i].d)) * (float)sumi;
    }
    *s = sumf;
}

static void dot_q5_1(int64_t n, float *s, const void *va, const void *vb)
{
    const struct qt_block_q5_1 *x = va;
    const struct qt_block_q8_1 *y = vb;
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / QK8_1; i++) {
        const uint32_t qh = ld_qh(x[i].qh);
        int sumi = 0;
        for (int j = 0; j < QK5_1 / 2; j++) {
            int lo = (x[i].qs[j] & 0x0f) | (int)((qh >> j) & 1) << 4;
            int hi = (x[i].qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            sumi += lo * y[i].qs[j] + hi * y[i].qs[j + QK5_1 / 2];
        }
        sumf += (qt_half_to_float(x[i].d) * qt_half_to_float(y[i].d)) * (float)sumi +
                qt_half_to_float(x[i].m) * qt_half_to_float(y[i].s);
    }
    *s = sumf;
}

static void dot_q8_0(int64_t n, float *s, const void *va, const void *vb)
{
    const struct qt_block_q8_0 *x = va;
    const struct qt_block_q8_0 *y = vb;
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / QK8_0; i++) {
        int sumi = 0;
        for (int j = 0; j < QK8_0; j++)
            sumi += x[i].qs[j] * y[i].qs[j];
        sumf += (float)sumi * (qt_half_to_float(x[i].d) * qt_half_to_float(y[i].d));
    }
    *s = sumf;
}

/* ------------------------------------------------------------ K-quants
 *
 * Each K-quant block is first unpacked to 256 signed quants q[e] (element
 * order) and 16 per-16 integer scales sc[g] (the 32-element formats repeat
 * theirs). Then, like ggml's generic code, sum sc[g] * q[e] * y[e] in 8
 * integer lanes (lane = e % 8), scale the lanes by d_x * d_y into 8 float
 * lanes that live across blocks, and add the lanes at the end. */

struct kq_unpacked {
    int8_t q[QK_K];
    int32_t sc[QK_K / 16];
};

static inline void kq_lanes_acc(const struct kq_unpacked *u, const int8_t *y, float d,
                                float sums[8])
{
    int32_t aux[8] = {0};
    for (int g = 0; g < QK_K / 16; g++)
        for (int l = 0; l < 16; l++)
            aux[l & 7] += u->sc[g] * (u->q[16 * g + l] * y[16 * g + l]);
    for (int l = 0; l < 8; l++)
        sums[l] += d * (float)aux[l];
}

/* sum over the 16-element groups of min[g] * bsums[g] */
static inline int32_t kq_min_sum(const int32_t mins[QK_K / 16], const struct qt_block_q8_K *y)
{
    int32_t s = 0;
    for (int g = 0; g < QK_K / 16; g++)
        s += mins[g] * y->bsums[g];
    return s;
}

/* The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block. */
static inline void k4_scale_min(const uint8_t *s, int j, int *sc, int *m)
{
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

static void dot_q2_K(int64_t n, float *s, const void *va, const void *vb)
{
    const struct qt_block_q2_K *x = va;
    const struct qt_block_q8_K *y = vb;
    float sumf = 0.0f;
    for (int64_t i = 0; i < n / QK_K; i++) {
        int32_t mins[QK_K / 16];
        for (int g = 0; g < QK_K / 16; g++)
            mins[g] = x[i].scales[g] >> 4;
        const int32_t summs = kq_min_sum(mins, &y[i]);
        int32_t isum = 0;
        for (int e = 0; e < QK_K; e++) {
            int q = (x[i].qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
            isum += (x[i].scales[e / 16] & 0x0f) * (q * y[i].qs[e]);
        }
        const float dall = y[i].d * qt_half_to_float(x[i].d);
        const float dmin = y[i].d * qt_half_to_float(x[i].dmin);
        sumf += dall * (float)isum - dmin * (float)summs;
    }
    *s = sumf;
}

static void dot_q3_K(int64_t n, float *s, const void *va, const void *vb)
{
    const struct qt_block_q3_K *x = va;
    const struct qt_block_q8_K *y = vb;
    float sums[8] = {0};
    struct kq_unpacked u;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const struct qt_block_q3_K *b = &x[i];
        for (int e = 0; e < QK_K; e++) {
            int q = (b->qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
            u.q[e] = (int8_t)(q - ((b->hmask[e % 32] >> (e / 32)) & 1 ? 0 : 4));
        }
        for (int g = 0; g < QK_K / 16; g++) {
            int lo = g < 8 ? b->scales[g] & 0x0f : b->scales[g - 8] >> 4;
            int hi = (b->scales[8 + g % 4] >> (2 * (g / 4))) & 3;
            u.sc[g] = (lo | hi << 4) - 32;
        }
        kq_lanes_acc(&u, y[i].qs, qt_half_to_float(b->d) * y[i].d, sums);
    }
    *s = lanes_sum(sums);
}

static void dot_q45_K(int64_t n, float *s, const void *va, const void *vb, bool five)
{
    const uint8_t *xb = va;
    const struct qt_block_q8_K *y = vb;
    const size_t bsz = five ? sizeof(struct qt_block_q5_K) : sizeof(struct qt_block_q4_K);
    float sums[8] = {0}, sumf = 0.0f;
    struct kq_unpacked u;
    for (int64_t i = 0; i < n / QK_K; i++, xb += bsz) {
        /* Q4_K and Q5_K share d, dmin, scales[12] at the front */
        const struct qt_block_q4_K *h = (const struct qt_block_q4_K *)xb;
        const uint8_t *qs = five ? ((const struct qt_block_q5_K *)xb)->qs : h->qs;
        const uint8_t *qh = five ? ((const struct qt_block_q5_K *)xb)->qh : NULL;
        int32_t mins[QK_K / 16];
        for (int j = 0; j < QK_K / 32; j++) {
            int sc, m;
            k4_scale_min(h->scales, j, &sc, &m);
            u.sc[2 * j] = u.sc[2 * j + 1] = sc;
            mins[2 * j] = mins[2 * j + 1] = m;
        }
        for (int e = 0; e < QK_K; e++) {
            int q = (qs[32 * (e / 64) + e % 32] >> (4 * ((e / 32) & 1))) & 0x0f;
            if (qh)
                q |= ((qh[e % 32] >> (e / 32)) & 1) << 4;
            u.q[e] = (int8_t)q;
        }
        const int32_t summs = kq_min_sum(mins, &y[i]);
        kq_lanes_acc(&u, y[i].qs, qt_half_to_float(h->d) * y[i].d, sums);
        sumf -= qt_half_to_float(h->dmin) * y[i].d * (float)summs;
    }
    *s = sumf + lanes_sum(sums);
}

static void dot_q4_K(int64_t n, float *s, const void *va, const void *vb)
{
    dot_q45_K(n, s, va, vb, false);
}

static void dot_q5_K(int64_t n, float *s, const void *va, const void *vb)
{
    dot_q45_K(n, s, va, vb, true);
}

static void dot_q6_K(int64_t n, float *s, const void *va, const void *vb)
{
    const struct qt_block_q6_K *x = va;
    const struct qt_block_q8_K *y = vb;
    float sums[8] = {0};
    struct kq_unpacked u;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const struct qt_block_q6_K *b = &x[i];
        for (int e = 0; e < QK_K; e++) {
            const int h = e / 128, r = e % 128;
            int lo = (b->ql[64 * h + r % 64] >> (4 * (r / 64))) & 0x0f;
            int hi = (b->qh[32 * h + r % 32] >> (2 * (r / 32))) & 3;
            u.q[e] = (int8_t)((lo | hi << 4) - 32);
        }
        for (int g = 0; g < QK_K / 16; g++)
            u.sc[g] = b->scales[g];
        kq_lanes_acc(&u, y[i].qs, qt_half_to_float(b->d) * y[i].d, sums);
    }
    *s = lanes_sum(sums);
}

/* ------------------------------------------------------------ attention helpers */

static float sc_dot_f16_f32(int64_t n, const qt_f16 *a, const float *b)
{
    float l[8] = {0};
    for (int64_t i = 0; i < n; i++)
        l[i & 7] += qt_half_to_float(a[i]) * b[i];
    return lanes_sum(l);
}

static void sc_axpy_f16(int64_t n, float alpha, const qt_f16 *x, float *y)
{
    for (int64_t i = 0; i < n; i++)
        y[i] += alpha * qt_half_to_float(x[i]);
}

static void sc_f32_to_f16(const float *x, qt_f16 *y, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = qt_float_to_half(x[i]);
}

static void sc_f16_to_f32(const qt_f16 *x, float *y, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        y[i] = qt_half_to_float(x[i]);
}

/* ------------------------------------------------------------ the table */

static const struct kern_table scalar_table = {
    .name = "scalar",
    .vec_dot =
        {
            [QT_TYPE_F32] = dot_f32,
            [QT_TYPE_F16] = dot_f16,
            [QT_TYPE_BF16] = dot_bf16,
            [QT_TYPE_Q4_0] = dot_q4_0,
            [QT_TYPE_Q4_1] = dot_q4_1,
            [QT_TYPE_Q5_0] = dot_q5_0,
            [QT_TYPE_Q5_1] = dot_q5_1,
            [QT_TYPE_Q8_0] = dot_q8_0,
            [QT_TYPE_Q2_K] = dot_q2_K,
            [QT_TYPE_Q3_K] = dot_q3_K,
            [QT_TYPE_Q4_K] = dot_q4_K,
            [QT_TYPE_Q5_K] = dot_q5_K,
            [QT_TYPE_Q6_K] = dot_q6_K,
        },
    /* the activation quantizers are the quant module's reference ones */
    .quantize =
        {
            [QT_TYPE_F32] = qt_f32_from_float,
            [QT_TYPE_F16] = qt_f16_from_float,
            [QT_TYPE_BF16] = qt_bf16_from_float,
            [QT_TYPE_Q8_0] = qt_q8_0_from_float,
            [QT_TYPE_Q8_1] = qt_q8_1_from_float,
            [QT_TYPE_Q8_K] = qt_q8_K_from_float,
        },
    .dot_f16_f32 = sc_dot_f16_f32,
    .axpy_f16 = sc_axpy_f16,
    .f32_to_f16 = sc_f32_to_f16,
    .f16_to_f32 = sc_f16_to_f32,
};

const struct kern_table *kern_scalar(void)
{
    return &scalar_table;
}
