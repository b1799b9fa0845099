/* kernels_scalar_q.c — the scalar definitions of the quantized per-output
 * forms (kernels.h, docs/kernels.md): plain C, every fused multiply-add an
 * explicit fmaf, nothing contracted (CMake builds with -ffp-contract=off).
 *
 * VEC_DOT form (ggml's x86 AVX2 ggml_vec_dot_<type>_q8_<x>): 8 float lanes.
 * A block's weight and activation quants are multiplied in 32-element
 * chunks; lane l of a chunk is the exact integer sum of the products of
 * elements 4l..4l+3 (for the K-quants each 16-element group's scale is
 * applied inside the lane, and the lanes of the block's 8 chunks are added
 * as integers). Per block, lane l of the float accumulator becomes
 * fma(scale, float(lane_l), acc_l) with the type's combined scale; the
 * result is ggml's horizontal sum of the 8 lanes (ks_hsum8), plus the
 * type's separately accumulated min terms. Where the AVX2 code keeps a
 * different integer layout (Q6_K subtracts its offset from the lanes in
 * bsum pairs, Q2_K and Q4_K put the mins in lanes of their own) the
 * scalar code builds the same integers.
 *
 * REPACK form (ggml's repacked q4_0_8x8 / q4_K_8x8 gemv and gemm): one float
 * accumulator per output, fma(float(exact block sum), d_w * d_x, acc) per
 * block; Q4_K adds a second accumulator for the mins and returns acc - accm.
 *
 * Integer sums cannot overflow: the quants of the activation rows lie in
 * [-127, 127] (kernels.h), every lane is far below 2^31. Lanes above 2^24
 * (possible for Q6_K) convert to float with round-half-even like
 * _mm256_cvtepi32_ps.
 */
#include <math.h>
#include <string.h>

#include "engine/kernels_internal.h"
#include "engine/quant_internal.h"

static inline float h2f(const void *p)
{
    qt_f16 h;
    memcpy(&h, p, sizeof h);
    return qt_half_to_float(h);
}

/* The type's combined per-block scale, multiplied in ggml's order. */
static inline float mul2(float a, float b)
{
    return a * b;
}

/* ------------------------------------------------------------ 32-element blocks */

enum leg_kind { LEG_Q4_0, LEG_Q4_1, LEG_Q5_0, LEG_Q5_1, LEG_Q8_0 };

static inline size_t leg_wsize(enum leg_kind k)
{
    static const size_t sz[] = {18, 20, 22, 24, 34};
    return sz[k];
}

static inline bool leg_has_min(enum leg_kind k)
{
    return k == LEG_Q4_1 || k == LEG_Q5_1;
}

static inline uint32_t ld_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The 32 weight quants of a block in element order: signed for Q4_0 (-8..7),
 * Q5_0 (-16..15) and Q8_0, unsigned for Q4_1 (0..15) and Q5_1 (0..31). */
static void leg_unpack(enum leg_kind k, const uint8_t *blk, int32_t w[32])
{
    if (k == LEG_Q8_0) {
        for (int j = 0; j < 32; j++)
            w[j] = (int8_t)blk[2 + j];
        return;
    }
    const bool five = k == LEG_Q5_0 || k == LEG_Q5_1;
    const size_t qs_off = (leg_has_min(k) ? 4 : 2) + (five ? 4 : 0);
    const uint32_t qh = five ? ld_u32(blk + qs_off - 4) : 0;
    const int off = k == LEG_Q4_0 ? 8 : k == LEG_Q5_0 ? 16 : 0;
    for (int j = 0; j < 16; j++) {
        const uint8_t b = blk[qs_off + j];
        w[j] = (int32_t)((b & 0x0f) | ((qh >> j) & 1) << 4) - off;
        w[j + 16] = (int32_t)((b >> 4) | ((qh >> (j + 16)) & 1) << 4) - off;
    }
}

/* One pair in the VEC_DOT form. */
static float leg_dot(enum leg_kind k, int64_t n, const uint8_t *a, const uint8_t *b)
{
    const size_t wsz = leg_wsize(k), ysz = leg_has_min(k) ? 36 : 34;
    const size_t yqs = leg_has_min(k) ? 4 : 2;
    float acc[8] = {0}, summs = 0.0f;
    for (int64_t i = 0; i < n / 32; i++) {
        const uint8_t *wb = a + (size_t)i * wsz, *yb = b + (size_t)i * ysz;
        const int8_t *y = (const int8_t *)(yb + yqs);
        int32_t w[32];
        leg_unpack(k, wb, w);
        if (leg_has_min(k))
            summs = fmaf(h2f(wb + 2), h2f(yb + 2), summs);
        const float d = mul2(h2f(wb), h2f(yb));
        for (int l = 0; l < 8; l++) {
            int32_t lane = 0;
            for (int e = 4 * l; e < 4 * l + 4; e++)
                lane += w[e] * y[e];
            acc[l] = fmaf(d, (float)lane, acc[l]);
        }
    }
    const float s = ks_hsum8(acc);
    return leg_has_min(k) ? s + summs : s;
}

/* ------------------------------------------------------------ K-quants */

/* A K-quant block unpacked: 256 quants in element order and the integer
 * scale of each 16-element group. */
struct kq_block {
    int32_t q[QK_K];
    int32_t sc[QK_K / 16];
};

/* The 8 integer lanes of a block: lane l sums, over the 8 chunks of 32, the
 * products of elements 4l..4l+3 of the chunk times their group's scale. */
static void kq_lanes(const struct kq_block *u, const int8_t *y, int32_t lane[8])
{
    for (int l = 0; l < 8; l++)
        lane[l] = 0;
    for (int c = 0; c < QK_K / 32; c++) {
        for (int l = 0; l < 8; l++) {
            const int e0 = 32 * c + 4 * l;
            int32_t p = 0;
            for (int e = e0; e < e0 + 4; e++)
                p += u->q[e] * y[e];
            lane[l] += u->sc[e0 / 16] * p;
        }
    }
}

/* The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block. */
static inline void k4_scale_min(const uint8_t *s, int j, int32_t *sc, int32_t *m)
{
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

static void unpack_q2_K(const struct qt_block_q2_K *x, struct kq_block *u, int32_t mins[16])
{
    for (int g = 0; g < 16; g++) {
        u->sc[g] = x->scales[g] & 0x0f;
        mins[g] = x->scales[g] >> 4;
    }
    for (int e = 0; e < QK_K; e++)
        u->q[e] = (x->qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
}

static void unpack_q3_K(const struct qt_block_q3_K *x, struct kq_block *u)
{
    for (int g = 0; g < 16; g++) {
        const int lo = g < 8 ? x->scales[g] & 0x0f : x->scales[g - 8] >> 4;
        const int hi = (x->scales[8 + g % 4] >> (2 * (g / 4))) & 3;
        u->sc[g] = (lo | hi << 4) - 32;
    }
    for (int e = 0; e < QK_K; e++) {
        const int q = (x->qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
        u->q[e] = q - (((x->hmask[e % 32] >> (e / 32)) & 1) ? 0 : 4);
    }
}

/* Q4_K (qh NULL) and Q5_K: quants, the per-16 scales (each 32-element
 * sub-block's scale twice) and the 8 mins. */
static void unpack_q45_K(const uint8_t *scales, const uint8_t *qs, const uint8_t *qh,
                         struct kq_block *u, int32_t mins[8])
{
    for (int j = 0; j < 8; j++) {
        int32_t sc;
        k4_scale_min(scales, j, &sc, &mins[j]);
        u->sc[2 * j] = u->sc[2 * j + 1] = sc;
    }
    for (int e = 0; e < QK_K; e++) {
        int32_t q = (qs[32 * (e / 64) + e % 32] >> (4 * ((e / 32) & 1))) & 0x0f;
        if (qh)
            q |= ((qh[e % 32] >> (e / 32)) & 1) << 4;
        u->q[e] = q;
    }
}

static void unpack_q6_K(const struct qt_block_q6_K *x, struct kq_block *u)
{
    for (int g = 0; g < 16; g++)
        u->sc[g] = x->scales[g];
    for (int e = 0; e < QK_K; e++) {
        const int h = e / 128, r = e % 128;
        const int lo = (x->ql[64 * h + r % 64] >> (4 * (r / 64))) & 0x0f;
        const int hi = (x->qh[32 * h + r % 32] >> (2 * (r / 32))) & 3;
        u->q[e] = lo | hi << 4; /* unsigned 0..63: the -32 is taken off below */
    }
}

/* sum over the 32-element sub-blocks of min[j] * (bsums[2j] + bsums[2j+1]),
 * as 4 lanes: lane l covers sub-blocks 2l and 2l+1 */
static void mins_lanes4(const int32_t mins[8], const struct qt_block_q8_K *y, int32_t lane[4])
{
    for (int l = 0; l < 4; l++) {
        const int32_t s0 = y->bsums[4 * l] + y->bsums[4 * l + 1];
        const int32_t s1 = y->bsums[4 * l + 2] + y->bsums[4 * l + 3];
        lane[l] = mins[2 * l] * s0 + mins[2 * l + 1] * s1;
    }
}

static float dot_q2_K_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    const struct qt_block_q2_K *x = (const void *)a;
    const struct qt_block_q8_K *y = (const void *)b;
    float acc[8] = {0};
    struct kq_block u;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = mul2(y[i].d, h2f(&x[i].d));
        const float dmin = mul2(-y[i].d, h2f(&x[i].dmin));
        int32_t mins[16], lane[8];
        unpack_q2_K(&x[i], &u, mins);
        /* the mins first, into the same lanes: lane l takes groups 2l, 2l+1 */
        for (int l = 0; l < 8; l++) {
            const int32_t p = mins[2 * l] * y[i].bsums[2 * l] + mins[2 * l + 1] * y[i].bsums[2 * l + 1];
            acc[l] = fmaf(dmin, (float)p, acc[l]);
        }
        kq_lanes(&u, y[i].qs, lane);
        for (int l = 0; l < 8; l++)
            acc[l] = fmaf(d, (float)lane[l], acc[l]);
    }
    return ks_hsum8(acc);
}

static float dot_q3_K_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    const struct qt_block_q3_K *x = (const void *)a;
    const struct qt_block_q8_K *y = (const void *)b;
    float acc[8] = {0};
    struct kq_block u;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = mul2(y[i].d, h2f(&x[i].d));
        int32_t lane[8];
        unpack_q3_K(&x[i], &u);
        kq_lanes(&u, y[i].qs, lane);
        for (int l = 0; l < 8; l++)
            acc[l] = fmaf(d, (float)lane[l], acc[l]);
    }
    return ks_hsum8(acc);
}

static float dot_q4_K_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    const struct qt_block_q4_K *x = (const void *)a;
    const struct qt_block_q8_K *y = (const void *)b;
    float acc[8] = {0}, accm[4] = {0};
    struct kq_block u;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = mul2(y[i].d, h2f(&x[i].d));
        const float dmin = mul2(-y[i].d, h2f(&x[i].dmin));
        int32_t mins[8], ml[4], lane[8];
        unpack_q45_K(x[i].scales, x[i].qs, NULL, &u, mins);
        mins_lanes4(mins, &y[i], ml);
        for (int l = 0; l < 4; l++)
            accm[l] = fmaf(dmin, (float)ml[l], accm[l]);
        kq_lanes(&u, y[i].qs, lane);
        for (int l = 0; l < 8; l++)
            acc[l] = fmaf(d, (float)lane[l], acc[l]);
    }
    return ks_hsum8(acc) + ((accm[0] + accm[2]) + (accm[1] + accm[3]));
}

static float dot_q5_K_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    const struct qt_block_q5_K *x = (const void *)a;
    const struct qt_block_q8_K *y = (const void *)b;
    float acc[8] = {0}, summs = 0.0f;
    struct kq_block u;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = mul2(y[i].d, h2f(&x[i].d));
        const float dmin = mul2(-y[i].d, h2f(&x[i].dmin));
        int32_t mins[8], ml[4], lane[8];
        unpack_q45_K(x[i].scales, x[i].qs, x[i].qh, &u, mins);
        mins_lanes4(mins, &y[i], ml);
        summs = fmaf(dmin, (float)((ml[0] + ml[1]) + (ml[2] + ml[3])), summs);
        kq_lanes(&u, y[i].qs, lane);
        for (int l = 0; l < 8; l++)
            acc[l] = fmaf(d, (float)lane[l], acc[l]);
    }
    return ks_hsum8(acc) + summs;
}

static float dot_q6_K_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    const struct qt_block_q6_K *x = (const void *)a;
    const struct qt_block_q8_K *y = (const void *)b;
    float acc[8] = {0};
    struct kq_block u;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = mul2(y[i].d, h2f(&x[i].d));
        int32_t lane[8];
        unpack_q6_K(&x[i], &u);
        kq_lanes(&u, y[i].qs, lane);
        /* the +32 offset comes off per lane in pairs of groups, as ggml does:
         * lane l loses 32 * (bsums[2l] * sc[2l] + bsums[2l+1] * sc[2l+1]) */
        for (int l = 0; l < 8; l++) {
            lane[l] -= 32 * (y[i].bsums[2 * l] * u.sc[2 * l] + y[i].bsums[2 * l + 1] * u.sc[2 * l + 1]);
            acc[l] = fmaf(d, (float)lane[l], acc[l]);
        }
    }
    return ks_hsum8(acc);
}

/* ------------------------------------------------------------ REPACK form */

static float rp_q4_0_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    float acc = 0.0f;
    for (int64_t i = 0; i < n / 32; i++) {
        const uint8_t *wb = a + (size_t)i * 18, *yb = b + (size_t)i * 34;
        const int8_t *y = (const int8_t *)(yb + 2);
        int32_t w[32], sum = 0;
        leg_unpack(LEG_Q4_0, wb, w);
        for (int e = 0; e < 32; e++)
            sum += w[e] * y[e];
        acc = fmaf((float)sum, mul2(h2f(wb), h2f(yb)), acc);
    }
    return acc;
}

/* Q4_K: the gemv (REPACK) takes one fma per block (parts = 1), the gemm
 * (REPACK_X4) one per 64 elements (parts = 4); each with the exact integer
 * sum of its part, sub-block scales and mins applied. */
static float rp_q4_K_parts(int64_t n, const uint8_t *a, const uint8_t *b, int parts)
{
    const struct qt_block_q4_K *x = (const void *)a;
    const struct qt_block_q8_K *y = (const void *)b;
    const int len = QK_K / parts;
    float acc = 0.0f, accm = 0.0f;
    struct kq_block u;
    for (int64_t i = 0; i < n / QK_K; i++) {
        int32_t mins[8];
        unpack_q45_K(x[i].scales, x[i].qs, NULL, &u, mins);
        const float d = mul2(h2f(&x[i].d), y[i].d), dm = mul2(h2f(&x[i].dmin), y[i].d);
        for (int p = 0; p < parts; p++) {
            int32_t sum = 0, msum = 0;
            for (int e = p * len; e < (p + 1) * len; e++)
                sum += u.sc[e / 16] * (u.q[e] * y[i].qs[e]);
            for (int j = p * len / 32; j < (p + 1) * len / 32; j++)
                msum += mins[j] * (y[i].bsums[2 * j] + y[i].bsums[2 * j + 1]);
            acc = fmaf((float)sum, d, acc);
            accm = fmaf((float)msum, dm, accm);
        }
    }
    return acc - accm;
}

static float rp_q4_K_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    return rp_q4_K_parts(n, a, b, 1);
}

static float rp4_q4_K_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    return rp_q4_K_parts(n, a, b, 4);
}

/* ------------------------------------------------------------ entry points */

static float dot_q4_0_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    return leg_dot(LEG_Q4_0, n, a, b);
}
static float dot_q4_1_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    return leg_dot(LEG_Q4_1, n, a, b);
}
static float dot_q5_0_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    return leg_dot(LEG_Q5_0, n, a, b);
}
static float dot_q5_1_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    return leg_dot(LEG_Q5_1, n, a, b);
}
static float dot_q8_0_1(int64_t n, const uint8_t *a, const uint8_t *b)
{
    return leg_dot(LEG_Q8_0, n, a, b);
}

/* A tile is every pair of the form on its own. */
#define KS_TILE(name, one)                                                                  \
    void name(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,             \
              const void *b, size_t bs, int nb)                                              \
    {                                                                                        \
        for (int j = 0; j < nb; j++)                                                         \
            for (int i = 0; i < na; i++)                                                     \
                s[j * ss + i] = one(n, (const uint8_t *)a + (size_t)i * as,                  \
                                    (const uint8_t *)b + (size_t)j * bs);                    \
    }

#define KS_DEFINE(t)                                                                        \
    void ks_dot_##t(int64_t n, float *s, const void *a, const void *b)                       \
    {                                                                                        \
        *s = dot_##t##_1(n, a, b);                                                           \
    }                                                                                        \
    KS_TILE(ks_tile_##t, dot_##t##_1)

KS_DEFINE(q4_0)
KS_DEFINE(q4_1)
KS_DEFINE(q5_0)
KS_DEFINE(q5_1)
KS_DEFINE(q8_0)
KS_DEFINE(q2_K)
KS_DEFINE(q3_K)
KS_DEFINE(q4_K)
KS_DEFINE(q5_K)
KS_DEFINE(q6_K)
KS_TILE(ks_tile_rp_q4_0, rp_q4_0_1)
KS_TILE(ks_tile_rp_q4_K, rp_q4_K_1)
KS_TILE(ks_tile_rp4_q4_K, rp4_q4_K_1)
