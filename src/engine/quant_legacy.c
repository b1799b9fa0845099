/* quant_legacy.c — scalar reference (de)quantizers of the 32-element block
 * formats Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and Q8_1.
 *
 * The quantizers reproduce ggml's quantize_row_*_ref bit for bit, which pins
 * the arithmetic: the scale is computed in float exactly as written below,
 * stored as half, but the quants are computed with the float scale (not the
 * rounded half); Q4/Q5 round by truncating q + 0.5 (plus the zero offset),
 * Q8 uses roundf (ties away from zero). Each block is independent.
 */
#include <float.h>
#include <math.h>
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

static void qt_minmax(const float *x, int n, float *min, float *max)
{
    float lo = FLT_MAX, hi = -FLT_MAX;
    for (int j = 0; j < n; j++) {
        if (x[j] < lo)
            lo = x[j];
        if (x[j] > hi)
            hi = x[j];
    }
    *min = lo;
    *max = hi;
}

/* truncation to the quant, then clamped from above (ggml: MIN(top, (int8_t)v)) */
static inline uint8_t qt_quant_trunc(float v, int top)
{
    int q = (int8_t)(uint8_t)qt_trunc_i32(v);
    return (uint8_t)(q < top ? q : top);
}

/* ---------------------------------------------------------------- Q4_0 */

void qt_q4_0_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q4_0 *b = src;
    for (int64_t i = 0; i < n / QK4_0; i++, dst += QK4_0) {
        const float d = qt_half_to_float(b[i].d);
        for (int j = 0; j < QK4_0 / 2; j++) {
            dst[j] = (float)((b[i].qs[j] & 0x0f) - 8) * d;
            dst[j + QK4_0 / 2] = (float)((b[i].qs[j] >> 4) - 8) * d;
        }
    }
}

/* x = d*(q-8) with d = max/-8: the element of largest magnitude maps to q = 0
 * exactly, the others to q in 0..15. */
void qt_q4_0_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q4_0 *b = dst;
    for (int64_t i = 0; i < n / QK4_0; i++, src += QK4_0) {
        float amax;
        const float d = qt_signed_absmax(src, QK4_0, &amax) / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = qt_float_to_half(d);
        for (int j = 0; j < QK4_0 / 2; j++) {
            uint8_t lo = qt_quant_trunc(src[j] * id + 8.5f, 15);
            uint8_t hi = qt_quant_trunc(src[j + QK4_0 / 2] * id + 8.5f, 15);
            b[i].qs[j] = (uint8_t)(lo | (hi << 4));
        }
    }
}

/* ---------------------------------------------------------------- Q4_1 */

void qt_q4_1_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q4_1 *b = src;
    for (int64_t i = 0; i < n / QK4_1; i++, dst += QK4_1) {
        const float d = qt_half_to_float(b[i].d);
        const float m = qt_half_to_float(b[i].m);
        for (int j = 0; j < QK4_1 / 2; j++) {
            dst[j] = (float)(b[i].qs[j] & 0x0f) * d + m;
            dst[j + QK4_1 / 2] = (float)(b[i].qs[j] >> 4) * d + m;
        }
    }
}

void qt_q4_1_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q4_1 *b = dst;
    for (int64_t i = 0; i < n / QK4_1; i++, src += QK4_1) {
        float min, max;
        qt_minmax(src, QK4_1, &min, &max);
        const float d = (max - min) / 15.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = qt_float_to_half(d);
        b[i].m = qt_float_to_half(min);
        for (int j = 0; j < QK4_1 / 2; j++) {
            uint8_t lo = qt_quant_trunc((src[j] - min) * id + 0.5f, 15);
            uint8_t hi = qt_quant_trunc((src[j + QK4_1 / 2] - min) * id + 0.5f, 15);
            b[i].qs[j] = (uint8_t)(lo | (hi << 4));
        }
    }
}

/* ---------------------------------------------------------------- Q5_0 / Q5_1 */

static inline uint32_t qt_load_qh(const uint8_t qh[4])
{
    return (uint32_t)qh[0] | (uint32_t)qh[1] << 8 | (uint32_t)qh[2] << 16 | (uint32_t)qh[3] << 24;
}

static inline void qt_store_qh(uint8_t qh[4], uint32_t v)
{
    for (int k = 0; k < 4; k++)
        qh[k] = (uint8_t)(v >> (8 * k));
}

/* 5-bit quants of elements j and j+16 of a block (j < 16): the nibbles of
 * qs[j] plus bits j and j+16 of qh. */
static inline void qt_q5_pair(const uint8_t *qs, uint32_t qh, int j, int *lo, int *hi)
{
    *lo = (qs[j] & 0x0f) | (int)((qh >> j) & 1u) << 4;
    *hi = (qs[j] >> 4) | (int)((qh >> (j + 16)) & 1u) << 4;
}

void qt_q5_0_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q5_0 *b = src;
    for (int64_t i = 0; i < n / QK5_0; i++, dst += QK5_0) {
        const float d = qt_half_to_float(b[i].d);
        const uint32_t qh = qt_load_qh(b[i].qh);
        for (int j = 0; j < QK5_0 / 2; j++) {
            int lo, hi;
            qt_q5_pair(b[i].qs, qh, j, &lo, &hi);
            dst[j] = (float)(lo - 16) * d;
            dst[j + QK5_0 / 2] = (float)(hi - 16) * d;
        }
    }
}

void qt_q5_0_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q5_0 *b = dst;
    for (int64_t i = 0; i < n / QK5_0; i++, src += QK5_0) {
        float amax;
        const float d = qt_signed_absmax(src, QK5_0, &amax) / -16.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = qt_float_to_half(d);
        uint32_t qh = 0;
        for (int j = 0; j < QK5_0 / 2; j++) {
            uint8_t lo = qt_quant_trunc(src[j] * id + 16.5f, 31);
            uint8_t hi = qt_quant_trunc(src[j + QK5_0 / 2] * id + 16.5f, 31);
            b[i].qs[j] = (uint8_t)((lo & 0x0f) | (hi & 0x0f) << 4);
            qh |= (uint32_t)((lo >> 4) & 1u) << j;
            qh |= (uint32_t)((hi >> 4) & 1u) << (j + QK5_0 / 2);
        }
        qt_store_qh(b[i].qh, qh);
    }
}

void qt_q5_1_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q5_1 *b = src;
    for (int64_t i = 0; i < n / QK5_1; i++, dst += QK5_1) {
        const float d = qt_half_to_float(b[i].d);
        const float m = qt_half_to_float(b[i].m);
        const uint32_t qh = qt_load_qh(b[i].qh);
        for (int j = 0; j < QK5_1 / 2; j++) {
            int lo, hi;
            qt_q5_pair(b[i].qs, qh, j, &lo, &hi);
            dst[j] = (float)lo * d + m;
            dst[j + QK5_1 / 2] = (float)hi * d + m;
        }
    }
}

void qt_q5_1_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q5_1 *b = dst;
    for (int64_t i = 0; i < n / QK5_1; i++, src += QK5_1) {
        float min, max;
        qt_minmax(src, QK5_1, &min, &max);
        const float d = (max - min) / 31.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = qt_float_to_half(d);
        b[i].m = qt_float_to_half(min);
        uint32_t qh = 0;
        for (int j = 0; j < QK5_1 / 2; j++) {
            /* ggml truncates to uint8 here without clamping; the quant can only
             * reach 31 for finite input, so the bit mask below is all it needs */
            uint8_t lo = (uint8_t)qt_trunc_i32((src[j] - min) * id + 0.5f);
            uint8_t hi = (uint8_t)qt_trunc_i32((src[j + QK5_1 / 2] - min) * id + 0.5f);
            b[i].qs[j] = (uint8_t)((lo & 0x0f) | (hi & 0x0f) << 4);
            qh |= (uint32_t)((lo >> 4) & 1u) << j;
            qh |= (uint32_t)((hi >> 4) & 1u) << (j + QK5_1 / 2);
        }
        qt_store_qh(b[i].qh, qh);
    }
}

/* ---------------------------------------------------------------- Q8_0 / Q8_1 */

static inline int8_t qt_q8_round(float v)
{
    return (int8_t)(uint8_t)qt_trunc_i32(roundf(v));
}

static float qt_absmax(const float *x, int n)
{
    float amax = 0.0f;
    for (int j = 0; j < n; j++) {
        float a = fabsf(x[j]);
        amax = amax > a ? amax : a;
    }
    return amax;
}

void qt_q8_0_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q8_0 *b = src;
    for (int64_t i = 0; i < n / QK8_0; i++, dst += QK8_0) {
        const float d = qt_half_to_float(b[i].d);
        for (int j = 0; j < QK8_0; j++)
            dst[j] = (float)b[i].qs[j] * d;
    }
}

void qt_q8_0_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q8_0 *b = dst;
    for (int64_t i = 0; i < n / QK8_0; i++, src += QK8_0) {
        const float d = qt_absmax(src, QK8_0) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = qt_float_to_half(d);
        for (int j = 0; j < QK8_0; j++)
            b[i].qs[j] = qt_q8_round(src[j] * id);
    }
}

/* Q8_1 is the activation format of the Q4_1/Q5_1 dot products: s caches
 * d * sum(q). Its dequantization ignores s. */
void qt_q8_1_to_float(const void *src, float *dst, int64_t n)
{
    const struct qt_block_q8_1 *b = src;
    for (int64_t i = 0; i < n / QK8_1; i++, dst += QK8_1) {
        const float d = qt_half_to_float(b[i].d);
        for (int j = 0; j < QK8_1; j++)
            dst[j] = (float)b[i].qs[j] * d;
    }
}

void qt_q8_1_from_float(const float *src, void *dst, int64_t n)
{
    struct qt_block_q8_1 *b = dst;
    for (int64_t i = 0; i < n / QK8_1; i++, src += QK8_1) {
        const float d = qt_absmax(src, QK8_1) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = qt_float_to_half(d);
        int sum = 0;
        for (int j = 0; j < QK8_1; j++) {
            b[i].qs[j] = qt_q8_round(src[j] * id);
            sum += b[i].qs[j];
        }
        b[i].s = qt_float_to_half((float)sum * d);
    }
}
