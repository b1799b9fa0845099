/* quant.h — tensor element types and their block formats, bit-exact with GGUF/ggml.
 *
 * The numbers of enum qt_type are the type ids stored in GGUF tensor infos
 * (ggml's enum ggml_type) and never change. Ids that ggml retired (4, 5,
 * 31-33, 36-38) have no traits. Ids 40-42 (NVFP4, Q1_0, Q2_0) are ggml's
 * newest types: cola knows their sizes but cannot compute with them.
 *
 * Block formats (all little-endian, f16 = IEEE half, packed, no padding):
 *   Q4_0  32 el, 18 B: f16 d; u8 qs[16]            x = d*(q-8), q in 0..15; low nibbles are
 *                                                 elements 0..15, high nibbles 16..31
 *   Q4_1  32 el, 20 B: f16 d, m; u8 qs[16]         x = d*q + m
 *   Q5_0  32 el, 22 B: f16 d; u8 qh[4]; u8 qs[16]  5th bit of element j is bit j of qh; x = d*(q-16)
 *   Q5_1  32 el, 24 B: f16 d, m; u8 qh[4]; u8 qs[16]   x = d*q + m
 *   Q8_0  32 el, 34 B: f16 d; i8 qs[32]            x = d*q
 *   Q8_1  32 el, 36 B: f16 d, s (= d*sum(qs)); i8 qs[32]
 *   Q2_K 256 el, 84 B: u8 scales[16] (4-bit scale | 4-bit min); u8 qs[64]; f16 d, dmin
 *   Q3_K 256 el,110 B: u8 hmask[32]; u8 qs[64]; u8 scales[12] (16 6-bit scales); f16 d
 *   Q4_K 256 el,144 B: f16 d, dmin; u8 scales[12] (8 6-bit scales + 8 6-bit mins); u8 qs[128]
 *   Q5_K 256 el,176 B: f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]
 *   Q6_K 256 el,210 B: u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d
 *   Q8_K 256 el,292 B: f32 d; i8 qs[256]; i16 bsums[16] (sums of 16-element groups)
 * F32, F16, BF16 are one element per "block".
 *
 * Every supported type has a scalar reference dequantizer (to_float) and a
 * scalar reference quantizer (from_float) that are the definition of the
 * format for cola; SIMD kernels elsewhere are tested against them.
 *
 * Thread safety: everything here is pure (no state); call from any thread.
 */
#ifndef COLA_ENGINE_QUANT_H
#define COLA_ENGINE_QUANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum qt_type {
    QT_TYPE_F32 = 0,
    QT_TYPE_F16 = 1,
    QT_TYPE_Q4_0 = 2,
    QT_TYPE_Q4_1 = 3,
    QT_TYPE_Q5_0 = 6,
    QT_TYPE_Q5_1 = 7,
    QT_TYPE_Q8_0 = 8,
    QT_TYPE_Q8_1 = 9,
    QT_TYPE_Q2_K = 10,
    QT_TYPE_Q3_K = 11,
    QT_TYPE_Q4_K = 12,
    QT_TYPE_Q5_K = 13,
    QT_TYPE_Q6_K = 14,
    QT_TYPE_Q8_K = 15,
    QT_TYPE_IQ2_XXS = 16,
    QT_TYPE_IQ2_XS = 17,
    QT_TYPE_IQ3_XXS = 18,
    QT_TYPE_IQ1_S = 19,
    QT_TYPE_IQ4_NL = 20,
    QT_TYPE_IQ3_S = 21,
    QT_TYPE_IQ2_S = 22,
    QT_TYPE_IQ4_XS = 23,
    QT_TYPE_I8 = 24,
    QT_TYPE_I16 = 25,
    QT_TYPE_I32 = 26,
    QT_TYPE_I64 = 27,
    QT_TYPE_F64 = 28,
    QT_TYPE_IQ1_M = 29,
    QT_TYPE_BF16 = 30,
    QT_TYPE_TQ1_0 = 34,
    QT_TYPE_TQ2_0 = 35,
    QT_TYPE_MXFP4 = 39,
    QT_TYPE_NVFP4 = 40,
    QT_TYPE_Q1_0 = 41,
    QT_TYPE_Q2_0 = 42,
    QT_TYPE_COUNT = 43,
};

#define QK4_0 32
#define QK4_1 32
#define QK5_0 32
#define QK5_1 32
#define QK8_0 32
#define QK8_1 32
#define QK_K 256
#define K_SCALE_SIZE 12

typedef uint16_t qt_f16;  /* IEEE-754 binary16 bits */
typedef uint16_t qt_bf16; /* bfloat16 bits */

/* Dequantize n elements (n a multiple of blck_size) from src to dst. */
typedef void (*qt_to_float_fn)(const void *src, float *dst, int64_t n);
/* Quantize n elements (n a multiple of blck_size) from src to dst with the
 * scalar reference quantizer (ggml's quantize_row_*_ref, no importance matrix). */
typedef void (*qt_from_float_fn)(const float *src, void *dst, int64_t n);

struct qt_traits {
    const char *name;       /* ggml's name: "f32", "q4_0", "q4_K", ... */
    int64_t blck_size;      /* elements per block */
    size_t type_size;       /* bytes per block */
    bool is_quantized;
    qt_to_float_fn to_float;     /* NULL if cola cannot read this type */
    qt_from_float_fn from_float; /* NULL if cola cannot write this type */
};

/* Traits of type t, or NULL for an id that is not a ggml type (retired or out
 * of range). Types cola cannot compute with still have traits (name, sizes)
 * so that files holding them can be inspected; their to_float is NULL. */
const struct qt_traits *qt_get_traits(int t);

/* ggml's name of t, or "unknown". */
const char *qt_type_name(int t);

/* Type id for a name (case-insensitive, "Q4_K" or "q4_k"); -1 if none. */
int qt_type_from_name(const char *name);

/* Bytes of a row of ne elements of type t: ne must be a multiple of the block
 * size. Returns 0 and sets *out, or COLA_EINVAL (unknown type, bad ne) or
 * COLA_ERANGE (overflow). */
int qt_row_size(int t, int64_t ne, size_t *out);

/* Half and bfloat16 conversions, bit-exact with ggml's scalar versions
 * (round to nearest even; NaN stays NaN). */
float qt_f16_to_f32(qt_f16 h);
qt_f16 qt_f32_to_f16(float f);
float qt_bf16_to_f32(qt_bf16 h);
qt_bf16 qt_f32_to_bf16(float f);

#endif
