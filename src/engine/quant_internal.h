/* quant_internal.h — the block structs of every format cola computes with,
 * and the scalar reference row functions behind the traits table.
 *
 * For engine files only (kernels include it to read blocks; everyone else goes
 * through quant.h and qt_get_traits()). The weight structs are packed, so a
 * block may sit at any address (a GGUF file with general.alignment = 1 is
 * legal); Q8_K, the activation format, is not (see there). Sizes are pinned
 * by static_assert to ggml's ggml-common.h; the byte layouts are spelled out
 * in quant.h.
 *
 * Row functions: *_to_float(src, dst, n) dequantizes n elements (n a multiple
 * of the block size; a partial trailing block is ignored), *_from_float(src,
 * dst, n) quantizes them with the reference quantizer. None allocate, none keep
 * state. The quantizers are bit-exact with ggml's quantize_row_*_ref for finite
 * input; for NaN/Inf input they produce defined (unspecified) bytes, never UB.
 */
#ifndef COLA_ENGINE_QUANT_INTERNAL_H
#define COLA_ENGINE_QUANT_INTERNAL_H

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "engine/quant.h"

#define QT_PACKED __attribute__((packed))

/* ---- legacy formats: 32 elements per block ---- */
struct QT_PACKED qt_block_q4_0 {
    qt_f16 d;                 /* scale */
    uint8_t qs[QK4_0 / 2];    /* element j: low nibble of qs[j], j+16: high nibble */
};
struct QT_PACKED qt_block_q4_1 {
    qt_f16 d, m;              /* scale, min */
    uint8_t qs[QK4_1 / 2];
};
struct QT_PACKED qt_block_q5_0 {
    qt_f16 d;
    uint8_t qh[4];            /* bit j (little-endian u32) = 5th bit of element j */
    uint8_t qs[QK5_0 / 2];
};
struct QT_PACKED qt_block_q5_1 {
    qt_f16 d, m;
    uint8_t qh[4];
    uint8_t qs[QK5_1 / 2];
};
struct QT_PACKED qt_block_q8_0 {
    qt_f16 d;
    int8_t qs[QK8_0];
};
struct QT_PACKED qt_block_q8_1 {
    qt_f16 d;
    qt_f16 s;                 /* d * sum(qs) */
    int8_t qs[QK8_1];
};

/* ---- K-quants: 256-element super-blocks ---- */
struct QT_PACKED qt_block_q2_K {
    uint8_t scales[QK_K / 16]; /* per 16: low nibble scale, high nibble min */
    uint8_t qs[QK_K / 4];      /* 2-bit quants */
    qt_f16 d, dmin;
};
struct QT_PACKED qt_block_q3_K {
    uint8_t hmask[QK_K / 8];   /* 3rd bit of element e: bit e/32 of hmask[e%32] */
    uint8_t qs[QK_K / 4];      /* low 2 bits */
    uint8_t scales[12];        /* 16 6-bit scales, offset by 32 */
    qt_f16 d;
};
struct QT_PACKED qt_block_q4_K {
    qt_f16 d, dmin;
    uint8_t scales[K_SCALE_SIZE]; /* 8 6-bit scales + 8 6-bit mins */
    uint8_t qs[QK_K / 2];
};
struct QT_PACKED qt_block_q5_K {
    qt_f16 d, dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qh[QK_K / 8];      /* 5th bits */
    uint8_t qs[QK_K / 2];      /* low 4 bits */
};
struct QT_PACKED qt_block_q6_K {
    uint8_t ql[QK_K / 2];      /* low 4 bits */
    uint8_t qh[QK_K / 4];      /* high 2 bits */
    int8_t scales[QK_K / 16];  /* signed 8-bit scales */
    qt_f16 d;
};
/* Q8_K is the activation format the K-quant dot products pair with: cola
 * builds it in buffers it allocates, so it keeps natural alignment (kernels
 * may take y->bsums as an int16_t pointer). Its layout has no padding either
 * way; qt_q8_K_to_float reads it bytewise, so a block at any address is fine. */
struct qt_block_q8_K {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];  /* sum of qs over each group of 16 */
};

static_assert(sizeof(struct qt_block_q4_0) == 18, "q4_0 block size");
static_assert(sizeof(struct qt_block_q4_1) == 20, "q4_1 block size");
static_assert(sizeof(struct qt_block_q5_0) == 22, "q5_0 block size");
static_assert(sizeof(struct qt_block_q5_1) == 24, "q5_1 block size");
static_assert(sizeof(struct qt_block_q8_0) == 34, "q8_0 block size");
static_assert(sizeof(struct qt_block_q8_1) == 36, "q8_1 block size");
static_assert(sizeof(struct qt_block_q2_K) == 84, "q2_K block size");
static_assert(sizeof(struct qt_block_q3_K) == 110, "q3_K block size");
static_assert(sizeof(struct qt_block_q4_K) == 144, "q4_K block size");
static_assert(sizeof(struct qt_block_q5_K) == 176, "q5_K block size");
static_assert(sizeof(struct qt_block_q6_K) == 210, "q6_K block size");
static_assert(sizeof(struct qt_block_q8_K) == 292, "q8_K block size");

/* ---- scalar conversions, inline for the row loops ---- */

static inline uint32_t qt_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float qt_bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* IEEE half -> float, exact. A signalling NaN comes back quiet (as the x86
 * arithmetic in ggml's version makes it). Branch-free, so the row loops
 * vectorize. */
static inline float qt_half_to_float(qt_f16 h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t em = h & 0x7fffu; /* exponent and mantissa */
    /* normal: rebias the exponent 15 -> 127; Inf/NaN (exponent 31): rebias
     * twice more to reach 255, and set the quiet bit of a NaN */
    const uint32_t wide = (em << 13) + (112u << 23) + (uint32_t)(em >= 0x7c00u) * (112u << 23);
    const uint32_t big = wide | (uint32_t)(em > 0x7c00u) << 22;
    const uint32_t sub = qt_f32_bits((float)(int32_t)em * 0x1p-24f); /* exact for em < 0x400 */
    const uint32_t is_sub = 0u - (uint32_t)(em < 0x400u); /* a mask, not a branch */
    return qt_bits_f32(sign | (sub & is_sub) | (big & ~is_sub));
}

/* Rounds m >> shift to nearest, ties to even (1 <= shift <= 31). */
static inline uint32_t qt_shift_rne(uint32_t m, unsigned shift)
{
    uint32_t r = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1)))
        r++;
    return r;
}

/* float -> IEEE half, round to nearest even; overflow gives Inf, every NaN
 * gives the quiet NaN 0x7e00 with the sign kept (ggml's scalar behaviour). */
static inline qt_f16 qt_float_to_half(float f)
{
    uint32_t w = qt_f32_bits(f);
    uint32_t sign = (w >> 16) & 0x8000u;
    uint32_t a = w & 0x7fffffffu;
    if (a > 0x7f800000u)
        return (qt_f16)(sign | 0x7e00u);
    if (a >= 0x477ff000u) /* >= 65520: halfway to 2^16 and beyond round to Inf */
        return (qt_f16)(sign | 0x7c00u);
    if (a >= 0x38800000u) { /* normal half: rebias the exponent, round 13 bits off */
        uint32_t v = (((a >> 23) - 112u) << 10) | ((a >> 13) & 0x3ffu);
        uint32_t rem = a & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (v & 1)))
            v++; /* a carry into the exponent is the right answer */
        return (qt_f16)(sign | v);
    }
    if (a <= 0x33000000u) /* <= 2^-25: rounds to zero (the tie goes to even 0) */
        return (qt_f16)sign;
    /* subnormal half: value / 2^-24 = m * 2^(e-126) with e the float exponent */
    uint32_t m = (a & 0x7fffffu) | 0x800000u;
    unsigned shift = 126u - (a >> 23);
    return (qt_f16)(sign | qt_shift_rne(m, shift));
}

static inline float qt_bfloat_to_float(qt_bf16 h)
{
    return qt_bits_f32((uint32_t)h << 16);
}

/* float -> bfloat16, round to nearest even; NaN keeps its top bits and is
 * forced quiet (bit 6 of the bfloat16), as ggml_compute_fp32_to_bf16 does. */
static inline qt_bf16 qt_float_to_bfloat(float f)
{
    uint32_t u = qt_f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (qt_bf16)((u >> 16) | 0x40u);
    return (qt_bf16)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* float -> int32 truncating toward zero, defined for every input: out of
 * range and NaN give INT32_MIN, which is what the x86-64 conversion that
 * ggml's compiled reference quantizers rely on returns. Used where ggml
 * writes a plain C cast; in range it is exactly that cast. */
static inline int32_t qt_trunc_i32(float v)
{
    if (v > -2147483904.0f && v < 2147483648.0f)
        return (int32_t)v;
    return INT32_MIN;
}

/* The element of largest magnitude with its sign, the first one on ties (the
 * scale search of every symmetric format starts from it); *amax gets its
 * magnitude. 0 for an all-zero (or all-NaN) block. */
static inline float qt_signed_absmax(const float *x, int n, float *amax)
{
    float a = 0.0f, max = 0.0f;
    for (int j = 0; j < n; j++) {
        if (fabsf(x[j]) > a) {
            a = fabsf(x[j]);
            max = x[j];
        }
    }
    *amax = a;
    return max;
}

/* ---- row functions (see the contract above) ---- */
#define QT_ROW_FNS(t)                                                 \
    void qt_##t##_to_float(const void *src, float *dst, int64_t n);   \
    void qt_##t##_from_float(const float *src, void *dst, int64_t n);

QT_ROW_FNS(f32)
QT_ROW_FNS(f16)
QT_ROW_FNS(bf16)
QT_ROW_FNS(q4_0)
QT_ROW_FNS(q4_1)
QT_ROW_FNS(q5_0)
QT_ROW_FNS(q5_1)
QT_ROW_FNS(q8_0)
QT_ROW_FNS(q8_1)
QT_ROW_FNS(q2_K)
QT_ROW_FNS(q3_K)
QT_ROW_FNS(q4_K)
QT_ROW_FNS(q5_K)
QT_ROW_FNS(q6_K)
QT_ROW_FNS(q8_K)

#undef QT_ROW_FNS

#endif
