/* quant_k.c — scalar reference (de)quantizers of the K-quants: Q2_K, Q3_K,
 * Q4_K, Q5_K, Q6_K (weights) and Q8_K (activations), 256 elements per block.
 *
 * Every K-quant is two-level: each sub-block of 16 or 32 elements gets its
 * own float scale (and min) from a small least-squares search, then those
 * scales are themselves quantized to 4, 6 or 8 bits against one half-float
 * super-scale, and finally the elements are re-quantized with the scales as
 * stored. The searches below are the ones ggml's quantize_row_*_ref run (no
 * importance matrix), with the same float operations in the same order, so
 * the bytes come out identical; do not "simplify" an expression here without
 * checking the bytes still match (tests/unit/test_quant_*.c).
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "engine/quant_internal.h"

/* Bit-exactness needs every multiply and add rounded on its own: a fused
 * multiply-add (which -march=native with GNU C mode would allow) changes the
 * bytes. ISO C mode (-std=c11) already forbids contraction; this makes sure. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define QK_GROUP_EPS 1e-15f /* below this amax a group counts as all zero */

/* Round to nearest, ties to even, exact for |v| < 2^22: adding 1.5 * 2^23
 * leaves the integer in the low mantissa bits. Defined for any input. */
static inline int qk_nearest(float v)
{
    uint32_t u = qt_f32_bits(v + 12582912.0f);
    return (int)(u & 0x7fffffu) - 0x400000;
}

static inline int qk_clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ------------------------------------------------------ scale searches */

/* One pass of the symmetric fit: quants l in [-nmax, nmax-1] for iscale, and
 * the x^2-weighted sums sum(w x l), sum(w l^2) that score it. Writes L
 * (offset by nmax) when L is not NULL. */
static void qk_sym_pass(const float *x, int n, int nmax, float iscale, int8_t *L,
                        float *sumlx, float *suml2)
{
    float slx = 0.0f, sl2 = 0.0f;
    for (int i = 0; i < n; i++) {
        int l = qk_clamp(qk_nearest(iscale * x[i]), -nmax, nmax - 1);
        if (L)
            L[i] = (int8_t)(l + nmax);
        float w = x[i] * x[i];
        slx += w * x[i] * (float)l;
        sl2 += w * (float)l * (float)l;
    }
    *sumlx = slx;
    *suml2 = sl2;
}

/* Symmetric scale for a group (Q6_K's sub-blocks): start from the scale that
 * maps the largest element to -nmax, try 18 neighbours, keep the one with the
 * best weighted least-squares fit. Returns the scale; L gets quants + nmax. */
static float qk_fit_sym(const float *x, int n, int nmax, int8_t *L)
{
    float amax;
    float max = qt_signed_absmax(x, n, &amax);
    if (amax < QK_GROUP_EPS) {
        memset(L, 0, (size_t)n);
        return 0.0f;
    }
    float iscale = (float)-nmax / max;
    float sumlx, suml2;
    qk_sym_pass(x, n, nmax, iscale, L, &sumlx, &suml2);
    float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; is++) {
        if (is == 0)
            continue;
        iscale = -((float)nmax + 0.1f * (float)is) / max;
        qk_sym_pass(x, n, nmax, iscale, NULL, &sumlx, &suml2);
        if (suml2 > 0.0f && sumlx * sumlx > best * suml2) {
            qk_sym_pass(x, n, nmax, iscale, L, &sumlx, &suml2);
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    return scale;
}

/* Q3_K's symmetric fit: the plain rounding, then up to five sweeps that move
 * single quants whenever that improves the x^2-weighted fit. */
static float qk_fit_q3(const float *x, int n, int nmax, int8_t *L)
{
    float amax;
    float max = qt_signed_absmax(x, n, &amax);
    if (amax < QK_GROUP_EPS) {
        memset(L, 0, (size_t)n);
        return 0.0f;
    }
    float iscale = (float)-nmax / max;
    float sumlx = 0.0f, suml2 = 0.0f;
    for (int i = 0; i < n; i++) {
        int l = qk_clamp(qk_nearest(iscale * x[i]), -nmax, nmax - 1);
        L[i] = (int8_t)l;
        float w = x[i] * x[i];
        sumlx += w * x[i] * (float)l;
        suml2 += w * (float)l * (float)l;
    }
    for (int itry = 0; itry < 5; itry++) {
        int n_changed = 0;
        for (int i = 0; i < n; i++) {
            float w = x[i] * x[i];
            float slx = sumlx - w * x[i] * (float)L[i];
            if (!(slx > 0.0f))
                continue;
            float sl2 = suml2 - w * (float)L[i] * (float)L[i];
            int new_l = qk_clamp(qk_nearest(x[i] * sl2 / slx), -nmax, nmax - 1);
            if (new_l == L[i])
                continue;
            slx += w * x[i] * (float)new_l;
            sl2 += w * (float)new_l * (float)new_l;
            if (sl2 > 0.0f && slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = (int8_t)new_l;
                sumlx = slx;
                suml2 = sl2;
                n_changed++;
            }
        }
        if (!n_changed)
            break;
    }
    for (int i = 0; i < n; i++)
        L[i] = (int8_t)(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

/* Affine fit x ~ scale*l - min with l in [0, nmax] (Q2_K, Q4_K, Q5_K): start
 * from the full range, then try nstep+1 scales (rmin + rdelta*is + nmax)/range,
 * solving the weighted least squares for scale and min at each; keep the one
 * with the smallest weighted error (absolute if use_mad, else squared).
 * Returns the scale; *the_min gets the (non-negative) min; n <= 32. */
struct qk_affine_opts {
    float rmin, rdelta;
    int nstep;
    bool use_mad;
};

static float qk_affine_error(const float *x, const float *w, const uint8_t *L, int n,
                             float scale, float min, bool use_mad)
{
    float err = 0.0f;
    for (int i = 0; i < n; i++) {
        float diff = scale * (float)L[i] + min - x[i];
        diff = use_mad ? fabsf(diff) : diff * diff;
        err += w[i] * diff;
    }
    return err;
}

static float qk_fit_affine(const float *x, const float *w, int n, int nmax, uint8_t *L,
                           float *the_min, const struct qk_affine_opts *o)
{
    uint8_t aux[32];
    float min = x[0], max = x[0];
    float sum_w = w[0], sum_x = sum_w * x[0];
    for (int i = 1; i < n; i++) {
        if (x[i] < min)
            min = x[i];
        if (x[i] > max)
            max = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    if (min > 0.0f)
        min = 0.0f;
    if (max == min) {
        memset(L, 0, (size_t)n);
        *the_min = -min;
        return 0.0f;
    }
    float iscale = (float)nmax / (max - min);
    float scale = 1.0f / iscale;
    for (int i = 0; i < n; i++)
        L[i] = (uint8_t)qk_clamp(qk_nearest(iscale * (x[i] - min)), 0, nmax);
    float best_error = qk_affine_error(x, w, L, n, scale, min, o->use_mad);
    for (int is = 0; is <= o->nstep; is++) {
        iscale = (o->rmin + o->rdelta * (float)is + (float)nmax) / (max - min);
        float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f;
        for (int i = 0; i < n; i++) {
            int l = qk_clamp(qk_nearest(iscale * (x[i] - min)), 0, nmax);
            aux[i] = (uint8_t)l;
            sum_l += w[i] * (float)l;
            sum_l2 += w[i] * (float)l * (float)l;
            sum_xl += w[i] * (float)l * x[i];
        }
        float D = sum_w * sum_l2 - sum_l * sum_l;
        if (!(D > 0.0f))
            continue;
        float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
        float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
        if (this_min > 0.0f) {
            this_min = 0.0f;
            this_scale = sum_xl / sum_l2;
        }
        float err = qk_affine_error(x, w, aux, n, this_scale, this_min, o->use_mad);
        if (err < best_error) {
            memcpy(L, aux, (size_t)n);
            best_error = err;
            scale = this_scale;
            min = this_min;
        }
    }
    *the_min = -min;
    return scale;
}

/* ------------------------------------------------------ shared packing */

/* 6-bit scale and min j (0..7) of Q4_K/Q5_K: bytes 0-3 hold scales 0-3 in
 * their low 6 bits, bytes 4-7 mins 0-3; scales/mins 4-7 keep their low nibbles
 * in bytes 8-11 (scale low, min high) and their top 2 bits in the top 2 bits
 * of bytes 0-3 (scales) and 4-7 (mins). */
static inline void qk_scale_min(int j, const uint8_t *q, uint8_t *sc, uint8_t *m)
{
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0x0f) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

static void qk_pack_scale_min(uint8_t *q, int j, uint8_t ls, uint8_t lm)
{
    if (j < 4) {
        q[j] = ls;
        q[j + 4] = lm;
    } else {
        q[j + 4] = (uint8_t)((ls & 0x0f) | ((lm & 0x0f) << 4));
        q[j - 4] |= (uint8_t)((ls >> 4) << 6);
        q[j] |= (uint8_t)((lm >> 4) << 6);
    }
}

/* Q3_K's 6-bit scale j (0..15), minus its offset 32: low nibbles in bytes
 * 0-7 (j < 8 low half, else high half of byte j-8), top 2 bits in bytes 8-11
 * (byte 8 + j%4, bits 2*(j/4)). */
static inline int qk_q3_scale(const uint8_t *s, int j)
{
    int lo = j < 8 ? (s[j] & 0x0f) : (s[j - 8] >> 4);
    int hi = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
    return (lo | hi << 4) - 32;
}

/* 2-bit quants of 256 elements: byte h*32 + r%32, bits 2*(r/32), where h =
 * e/128 and r = e%128 (Q2_K, Q3_K). */
static void qk_pack_2bit(uint8_t *qs, const uint8_t *L)
{
    for (int j = 0; j < QK_K; j += 128) {
        for (int l = 0; l < 32; l++)
            qs[j / 4 + l] = (uint8_t)(L[j + l] | L[j + l + 32] << 2 | L[j + l + 64] << 4 |
                                      L[j + l + 96] << 6);
    }
}

/* As packed by qk_pack_2bit, the 2-bit quant of element e (r = e % 128) is
 * (qs[(e / 128) * 32 + r % 32] >> (2 * (r / 32))) & 3. */

/* ------------------------------------------------------------ Q2_K */

void qt_q2_K_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q2_K *b = src;
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        const float d = qt_half_to_float(b[i].d);
        const float dmin = qt_half_to_float(b[i].dmin);
        /* element 128h + 32c + l: bits 2c of qs[32h + l]; group (e/16) */
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < 4; c++) {
                for (int half = 0; half < 2; half++) {
                    const int e0 = 128 * h + 32 * c + 16 * half;
                    const uint8_t sc = b[i].scales[e0 / 16];
                    const float dl = d * (float)(sc & 0x0f);
                    const float ml = dmin * (float)(sc >> 4);
                    const uint8_t *q = b[i].qs + 32 * h + 16 * half;
                    for (int l = 0; l < 16; l++)
                        dst[e0 + l] = dl * (float)((q[l] >> (2 * c)) & 3) - ml;
                }
            }
        }
    }
}

/* Quantizes the 16 group scales (or mins) of a Q2_K block to 4 bits against
 * their maximum; returns the half super-scale. OR'ed in at bit shift. */
static qt_f16 qk_q2_scales(uint8_t *out, const float *v, float vmax, int shift)
{
    if (!(vmax > 0.0f))
        return qt_float_to_half(0.0f);
    const float iscale = 15.0f / vmax;
    for (int j = 0; j < QK_K / 16; j++)
        out[j] |= (uint8_t)((unsigned)qk_nearest(iscale * v[j]) << shift);
    return qt_float_to_half(vmax / 15.0f);
}

void qt_q2_K_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q2_K *b = dst;
    const struct qk_affine_opts opts = {-0.5f, 0.1f, 15, true};
    uint8_t L[QK_K];
    float w[16], mins[QK_K / 16], scales[QK_K / 16];
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        float max_scale = 0.0f, max_min = 0.0f;
        for (int j = 0; j < QK_K / 16; j++) {
            for (int l = 0; l < 16; l++)
                w[l] = fabsf(src[16 * j + l]);
            scales[j] = qk_fit_affine(src + 16 * j, w, 16, 3, L + 16 * j, &mins[j], &opts);
            if (scales[j] > max_scale)
                max_scale = scales[j];
            if (mins[j] > max_min)
                max_min = mins[j];
        }
        memset(b[i].scales, 0, sizeof b[i].scales);
        b[i].d = qk_q2_scales(b[i].scales, scales, max_scale, 0);
        b[i].dmin = qk_q2_scales(b[i].scales, mins, max_min, 4);
        /* re-quantize against the scales as stored */
        const float d_all = qt_half_to_float(b[i].d);
        const float m_all = qt_half_to_float(b[i].dmin);
        for (int j = 0; j < QK_K / 16; j++) {
            const float d = d_all * (float)(b[i].scales[j] & 0x0f);
            if (d == 0.0f)
                continue;
            const float dm = m_all * (float)(b[i].scales[j] >> 4);
            for (int l = 0; l < 16; l++)
                L[16 * j + l] = (uint8_t)qk_clamp(qk_nearest((src[16 * j + l] + dm) / d), 0, 3);
        }
        qk_pack_2bit(b[i].qs, L);
    }
}

/* ------------------------------------------------------------ Q3_K */

void qt_q3_K_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q3_K *b = src;
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        const float d_all = qt_half_to_float(b[i].d);
        /* element e = 128h + 32c + l: low bits 2c of qs[32h + l], third bit
         * (e/32 = 4h + c) of hmask[l] */
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < 4; c++) {
                for (int half = 0; half < 2; half++) {
                    const int e0 = 128 * h + 32 * c + 16 * half;
                    const float dl = d_all * (float)qk_q3_scale(b[i].scales, e0 / 16);
                    const uint8_t *q = b[i].qs + 32 * h + 16 * half;
                    const uint8_t *hm = b[i].hmask + 16 * half;
                    for (int l = 0; l < 16; l++) {
                        int v = ((q[l] >> (2 * c)) & 3) - (((hm[l] >> (4 * h + c)) & 1) ? 0 : 4);
                        dst[e0 + l] = dl * (float)v;
                    }
                }
            }
        }
    }
}

/* Packs the 16 group scales of a Q3_K block to 6 bits against the one of
 * largest magnitude; returns the half super-scale. */
static qt_f16 qk_q3_scales(uint8_t *s, const float *scales, float max_scale)
{
    memset(s, 0, 12);
    if (max_scale == 0.0f)
        return qt_float_to_half(0.0f);
    const float iscale = -32.0f / max_scale;
    for (int j = 0; j < QK_K / 16; j++) {
        int l = (int8_t)(uint8_t)qk_nearest(iscale * scales[j]);
        l = qk_clamp(l, -32, 31) + 32;
        if (j < 8)
            s[j] = (uint8_t)(l & 0x0f);
        else
            s[j - 8] |= (uint8_t)((l & 0x0f) << 4);
        s[8 + j % 4] |= (uint8_t)((l >> 4) << (2 * (j / 4)));
    }
    return qt_float_to_half(1.0f / iscale);
}

void qt_q3_K_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q3_K *b = dst;
    int8_t L[QK_K];
    float scales[QK_K / 16];
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        float max_scale = 0.0f, amax = 0.0f;
        for (int j = 0; j < QK_K / 16; j++) {
            scales[j] = qk_fit_q3(src + 16 * j, 16, 4, L + 16 * j);
            if (fabsf(scales[j]) > amax) {
                amax = fabsf(scales[j]);
                max_scale = scales[j];
            }
        }
        b[i].d = qk_q3_scales(b[i].scales, scales, max_scale);
        const float d_all = qt_half_to_float(b[i].d);
        for (int j = 0; j < QK_K / 16; j++) {
            const float d = d_all * (float)qk_q3_scale(b[i].scales, j);
            if (d == 0.0f)
                continue;
            for (int l = 0; l < 16; l++)
                L[16 * j + l] = (int8_t)(qk_clamp(qk_nearest(src[16 * j + l] / d), -4, 3) + 4);
        }
        /* split off the third bit: element e -> bit e/32 of hmask[e%32] */
        uint8_t L2[QK_K];
        memset(b[i].hmask, 0, sizeof b[i].hmask);
        for (int e = 0; e < QK_K; e++) {
            int l = L[e];
            if (l > 3) {
                b[i].hmask[e % 32] |= (uint8_t)(1u << (e / 32));
                l -= 4;
            }
            L2[e] = (uint8_t)l;
        }
        qk_pack_2bit(b[i].qs, L2);
    }
}

/* ------------------------------------------------------------ Q4_K / Q5_K */

void qt_q4_K_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q4_K *b = src;
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        const float d = qt_half_to_float(b[i].d);
        const float dmin = qt_half_to_float(b[i].dmin);
        for (int g = 0; g < QK_K / 32; g++) {
            uint8_t sc, m;
            qk_scale_min(g, b[i].scales, &sc, &m);
            const float dl = d * (float)sc, ml = dmin * (float)m;
            /* groups 2k and 2k+1 share bytes 32k..32k+31: low, then high nibbles */
            const uint8_t *q = b[i].qs + 32 * (g / 2);
            const int shift = 4 * (g % 2);
            for (int l = 0; l < 32; l++)
                dst[32 * g + l] = dl * (float)((q[l] >> shift) & 0x0f) - ml;
        }
    }
}

void qt_q5_K_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q5_K *b = src;
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        const float d = qt_half_to_float(b[i].d);
        const float dmin = qt_half_to_float(b[i].dmin);
        for (int g = 0; g < QK_K / 32; g++) {
            uint8_t sc, m;
            qk_scale_min(g, b[i].scales, &sc, &m);
            const float dl = d * (float)sc, ml = dmin * (float)m;
            const uint8_t *q = b[i].qs + 32 * (g / 2);
            const int shift = 4 * (g % 2);
            for (int l = 0; l < 32; l++) {
                int v = ((q[l] >> shift) & 0x0f) + (((b[i].qh[l] >> g) & 1) ? 16 : 0);
                dst[32 * g + l] = dl * (float)v - ml;
            }
        }
    }
}

/* The shared first half of the Q4_K/Q5_K quantizers: fit the 8 groups of 32,
 * pack their scales and mins to 6 bits, then re-quantize the elements to
 * L in [0, nmax] against the stored scales. */
static void qk_q45_quantize(const float *x, int nmax, const struct qk_affine_opts *opts,
                            uint8_t *scales_out, qt_f16 *d_out, qt_f16 *dmin_out, uint8_t *L)
{
    float w[32], mins[QK_K / 32], scales[QK_K / 32];
    float max_scale = 0.0f, max_min = 0.0f;
    for (int j = 0; j < QK_K / 32; j++) {
        float sum_x2 = 0.0f;
        for (int l = 0; l < 32; l++)
            sum_x2 += x[32 * j + l] * x[32 * j + l];
        const float av_x = sqrtf(sum_x2 / 32.0f);
        for (int l = 0; l < 32; l++)
            w[l] = av_x + fabsf(x[32 * j + l]);
        scales[j] = qk_fit_affine(x + 32 * j, w, 32, nmax, L + 32 * j, &mins[j], opts);
        if (scales[j] > max_scale)
            max_scale = scales[j];
        if (mins[j] > max_min)
            max_min = mins[j];
    }
    const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
    for (int j = 0; j < QK_K / 32; j++) {
        uint8_t ls = (uint8_t)qk_nearest(inv_scale * scales[j]);
        uint8_t lm = (uint8_t)qk_nearest(inv_min * mins[j]);
        qk_pack_scale_min(scales_out, j, ls < 63 ? ls : 63, lm < 63 ? lm : 63);
    }
    *d_out = qt_float_to_half(max_scale / 63.0f);
    *dmin_out = qt_float_to_half(max_min / 63.0f);
    const float d_all = qt_half_to_float(*d_out);
    const float m_all = qt_half_to_float(*dmin_out);
    for (int j = 0; j < QK_K / 32; j++) {
        uint8_t sc, m;
        qk_scale_min(j, scales_out, &sc, &m);
        const float d = d_all * (float)sc;
        if (d == 0.0f)
            continue;
        const float dm = m_all * (float)m;
        for (int l = 0; l < 32; l++)
            L[32 * j + l] = (uint8_t)qk_clamp(qk_nearest((x[32 * j + l] + dm) / d), 0, nmax);
    }
}

void qt_q4_K_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q4_K *b = dst;
    const struct qk_affine_opts opts = {-1.0f, 0.1f, 20, false};
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        qt_f16 d, dmin;
        qk_q45_quantize(src, 15, &opts, b[i].scales, &d, &dmin, L);
        b[i].d = d;
        b[i].dmin = dmin;
        for (int j = 0; j < QK_K; j += 64) {
            for (int l = 0; l < 32; l++)
                b[i].qs[j / 2 + l] = (uint8_t)(L[j + l] | L[j + l + 32] << 4);
        }
    }
}

void qt_q5_K_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q5_K *b = dst;
    const struct qk_affine_opts opts = {-0.5f, 0.1f, 15, false};
    uint8_t L[QK_K];
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        qt_f16 d, dmin;
        qk_q45_quantize(src, 31, &opts, b[i].scales, &d, &dmin, L);
        b[i].d = d;
        b[i].dmin = dmin;
        /* element 32g + l: low nibble in qs (as Q4_K), 5th bit = bit g of qh[l] */
        memset(b[i].qh, 0, sizeof b[i].qh);
        for (int j = 0; j < QK_K; j += 64) {
            for (int l = 0; l < 32; l++) {
                int lo = L[j + l], hi = L[j + l + 32];
                b[i].qh[l] |= (uint8_t)(((lo >> 4) & 1) << (j / 32));
                b[i].qh[l] |= (uint8_t)(((hi >> 4) & 1) << (j / 32 + 1));
                b[i].qs[j / 2 + l] = (uint8_t)((lo & 0x0f) | (hi & 0x0f) << 4);
            }
        }
    }
}

/* ------------------------------------------------------------ Q6_K */

/* The 6-bit quant of element e (0..255) of a Q6_K block, 0..63: per half h =
 * e/128 and r = e%128, the low nibble is in ql[64h + r%64] (low half for r <
 * 64, high half else), the top 2 bits in qh[32h + r%32] at bits 2*(r/32). */

void qt_q6_K_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q6_K *b = src;
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K) {
        const float d = qt_half_to_float(b[i].d);
        /* element 128h + 32c + l (layout above), one scale per 16 */
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < 4; c++) {
                const uint8_t *ql = b[i].ql + 64 * h + 32 * (c % 2);
                const uint8_t *qh = b[i].qh + 32 * h;
                for (int half = 0; half < 2; half++) {
                    const int e0 = 128 * h + 32 * c + 16 * half;
                    const float ds = d * (float)b[i].scales[e0 / 16];
                    for (int l = 16 * half; l < 16 * half + 16; l++) {
                        int q = ((ql[l] >> (4 * (c / 2))) & 0x0f) | ((qh[l] >> (2 * c)) & 3) << 4;
                        dst[128 * h + 32 * c + l] = ds * (float)(q - 32);
                    }
                }
            }
        }
    }
}

void qt_q6_K_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q6_K *b = dst;
    int8_t L[QK_K];
    float scales[QK_K / 16];
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        float max_scale = 0.0f, max_abs = 0.0f;
        for (int j = 0; j < QK_K / 16; j++) {
            scales[j] = qk_fit_sym(src + 16 * j, 16, 32, L + 16 * j);
            if (fabsf(scales[j]) > max_abs) {
                max_abs = fabsf(scales[j]);
                max_scale = scales[j];
            }
        }
        if (max_abs < QK_GROUP_EPS) {
            memset(&b[i], 0, sizeof b[i]);
            continue;
        }
        const float iscale = -128.0f / max_scale;
        b[i].d = qt_float_to_half(1.0f / iscale);
        for (int j = 0; j < QK_K / 16; j++) {
            int s = qk_nearest(iscale * scales[j]);
            b[i].scales[j] = (int8_t)(uint8_t)(s < 127 ? s : 127);
        }
        const float d_all = qt_half_to_float(b[i].d);
        for (int j = 0; j < QK_K / 16; j++) {
            const float d = d_all * (float)b[i].scales[j];
            if (d == 0.0f)
                continue;
            for (int l = 0; l < 16; l++)
                L[16 * j + l] = (int8_t)(qk_clamp(qk_nearest(src[16 * j + l] / d), -32, 31) + 32);
        }
        memset(b[i].ql, 0, sizeof b[i].ql);
        memset(b[i].qh, 0, sizeof b[i].qh);
        for (int e = 0; e < QK_K; e++) {
            int h = e / 128, r = e % 128, q = L[e];
            b[i].ql[64 * h + r % 64] |= (uint8_t)((q & 0x0f) << (4 * (r / 64)));
            b[i].qh[32 * h + r % 32] |= (uint8_t)(((q >> 4) & 3) << (2 * (r / 32)));
        }
    }
}

/* ------------------------------------------------------------ Q8_K */

/* Read bytewise: a Q8_K block found in a file need not be 4-byte aligned. */
void qt_q8_K_to_float(const void *src, float *dst, int64_t n)
{
    const uint8_t *p = src;
    for (int64_t i = 0; i < n / QK_K; i++, dst += QK_K, p += sizeof(struct qt_block_q8_K)) {
        float d;
        memcpy(&d, p + offsetof(struct qt_block_q8_K, d), sizeof d);
        const int8_t *qs = (const int8_t *)(p + offsetof(struct qt_block_q8_K, qs));
        for (int j = 0; j < QK_K; j++)
            dst[j] = d * (float)qs[j];
    }
}

/* d = max/-127 in full float precision (no half rounding); ggml leaves bsums
 * unwritten for an all-zero block, cola writes their value, 0. */
void qt_q8_K_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q8_K *b = dst;
    for (int64_t i = 0; i < n / QK_K; i++, src += QK_K) {
        float amax;
        const float max = qt_signed_absmax(src, QK_K, &amax);
        if (amax == 0.0f) {
            memset(&b[i], 0, sizeof b[i]);
            continue;
        }
        const float iscale = -127.0f / max;
        for (int j = 0; j < QK_K; j++) {
            int v = qk_nearest(iscale * src[j]);
            b[i].qs[j] = (int8_t)(uint8_t)(v < 127 ? v : 127);
        }
        for (int g = 0; g < QK_K / 16; g++) {
            int sum = 0;
            for (int l = 0; l < 16; l++)
                sum += b[i].qs[16 * g + l];
            b[i].bsums[g] = (int16_t)sum;
        }
        b[i].d = 1.0f / iscale;
    }
}
