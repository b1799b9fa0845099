/* quant.c — the type traits table, lookups by id and name, row sizes, and the
 * float formats (f32, f16, bf16). The quantized formats live in
 * quant_legacy.c (32-element blocks) and quant_k.c (256-element K-quants).
 */
#include "engine/quant.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "engine/quant_internal.h"
#include "util/err.h"

/* Sizes checked against ggml-common.h (block structs) and ggml.c
 * (type_traits). Types cola cannot compute with have NULL functions; retired
 * ids (4, 5, 31-33, 36-38) have no entry (name NULL). ggml gives Q8_1 and
 * Q8_K no to_float; cola's are the obvious d * q. */
#define QT_ROW(t) .to_float = qt_##t##_to_float, .from_float = qt_##t##_from_float
static const struct qt_traits qt_table[QT_TYPE_COUNT] = {
    [QT_TYPE_F32] = {"f32", 1, 4, false, QT_ROW(f32)},
    [QT_TYPE_F16] = {"f16", 1, 2, false, QT_ROW(f16)},
    [QT_TYPE_Q4_0] = {"q4_0", QK4_0, 18, true, QT_ROW(q4_0)},
    [QT_TYPE_Q4_1] = {"q4_1", QK4_1, 20, true, QT_ROW(q4_1)},
    [QT_TYPE_Q5_0] = {"q5_0", QK5_0, 22, true, QT_ROW(q5_0)},
    [QT_TYPE_Q5_1] = {"q5_1", QK5_1, 24, true, QT_ROW(q5_1)},
    [QT_TYPE_Q8_0] = {"q8_0", QK8_0, 34, true, QT_ROW(q8_0)},
    [QT_TYPE_Q8_1] = {"q8_1", QK8_1, 36, true, QT_ROW(q8_1)},
    [QT_TYPE_Q2_K] = {"q2_K", QK_K, 84, true, QT_ROW(q2_K)},
    [QT_TYPE_Q3_K] = {"q3_K", QK_K, 110, true, QT_ROW(q3_K)},
    [QT_TYPE_Q4_K] = {"q4_K", QK_K, 144, true, QT_ROW(q4_K)},
    [QT_TYPE_Q5_K] = {"q5_K", QK_K, 176, true, QT_ROW(q5_K)},
    [QT_TYPE_Q6_K] = {"q6_K", QK_K, 210, true, QT_ROW(q6_K)},
    [QT_TYPE_Q8_K] = {"q8_K", QK_K, 292, true, QT_ROW(q8_K)},
    [QT_TYPE_IQ2_XXS] = {"iq2_xxs", QK_K, 66, true, NULL, NULL},
    [QT_TYPE_IQ2_XS] = {"iq2_xs", QK_K, 74, true, NULL, NULL},
    [QT_TYPE_IQ3_XXS] = {"iq3_xxs", QK_K, 98, true, NULL, NULL},
    [QT_TYPE_IQ1_S] = {"iq1_s", QK_K, 50, true, NULL, NULL},
    [QT_TYPE_IQ4_NL] = {"iq4_nl", 32, 18, true, NULL, NULL},
    [QT_TYPE_IQ3_S] = {"iq3_s", QK_K, 110, true, NULL, NULL},
    [QT_TYPE_IQ2_S] = {"iq2_s", QK_K, 82, true, NULL, NULL},
    [QT_TYPE_IQ4_XS] = {"iq4_xs", QK_K, 136, true, NULL, NULL},
    [QT_TYPE_I8] = {"i8", 1, 1, false, NULL, NULL},
    [QT_TYPE_I16] = {"i16", 1, 2, false, NULL, NULL},
    [QT_TYPE_I32] = {"i32", 1, 4, false, NULL, NULL},
    [QT_TYPE_I64] = {"i64", 1, 8, false, NULL, NULL},
    [QT_TYPE_F64] = {"f64", 1, 8, false, NULL, NULL},
    [QT_TYPE_IQ1_M] = {"iq1_m", QK_K, 56, true, NULL, NULL},
    [QT_TYPE_BF16] = {"bf16", 1, 2, false, QT_ROW(bf16)},
    [QT_TYPE_TQ1_0] = {"tq1_0", QK_K, 54, true, NULL, NULL},
    [QT_TYPE_TQ2_0] = {"tq2_0", QK_K, 66, true, NULL, NULL},
    [QT_TYPE_MXFP4] = {"mxfp4", 32, 17, true, NULL, NULL},
    [QT_TYPE_NVFP4] = {"nvfp4", 64, 36, true, NULL, NULL},
    [QT_TYPE_Q1_0] = {"q1_0", 128, 18, true, NULL, NULL},
    [QT_TYPE_Q2_0] = {"q2_0", 64, 18, true, NULL, NULL},
};
#undef QT_ROW

const struct qt_traits *qt_get_traits(int t)
{
    if (t < 0 || t >= QT_TYPE_COUNT || !qt_table[t].name)
        return NULL;
    return &qt_table[t];
}

const char *qt_type_name(int t)
{
    const struct qt_traits *tr = qt_get_traits(t);
    return tr ? tr->name : "unknown";
}

int qt_type_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int t = 0; t < QT_TYPE_COUNT; t++) {
        if (qt_table[t].name && strcasecmp(qt_table[t].name, name) == 0)
            return t;
    }
    return -1;
}

int qt_row_size(int t, int64_t ne, size_t *out)
{
    const struct qt_traits *tr = qt_get_traits(t);
    if (!tr || ne < 0 || ne % tr->blck_size != 0)
        return COLA_EINVAL;
    uint64_t nblk = (uint64_t)(ne / tr->blck_size);
    if (nblk > SIZE_MAX / tr->type_size)
        return COLA_ERANGE;
    *out = (size_t)nblk * tr->type_size;
    return 0;
}

/* ---- scalar conversions ---- */

float qt_f16_to_f32(qt_f16 h)
{
    return qt_half_to_float(h);
}

qt_f16 qt_f32_to_f16(float f)
{
    return qt_float_to_half(f);
}

float qt_bf16_to_f32(qt_bf16 h)
{
    return qt_bfloat_to_float(h);
}

qt_bf16 qt_f32_to_bf16(float f)
{
    return qt_float_to_bfloat(f);
}

/* ---- float rows (one element per "block") ---- */

void qt_f32_to_float(const void *src, float *dst, int64_t n)
{
    if (n > 0)
        memcpy(dst, src, (size_t)n * sizeof(float));
}

void qt_f32_from_float(const float *src, void *dst, int64_t n)
{
    if (n > 0)
        memcpy(dst, src, (size_t)n * sizeof(float));
}

/* Half and bfloat16 rows may be unaligned in a file: read and write the
 * 16-bit units through memcpy. */
void qt_f16_to_float(const void *src, float *dst, int64_t n)
{
    const uint8_t *p = src;
    for (int64_t i = 0; i < n; i++) {
        qt_f16 h;
        memcpy(&h, p + 2 * i, 2);
        dst[i] = qt_half_to_float(h);
    }
}

void qt_f16_from_float(const float *src, void *dst, int64_t n)
{
    uint8_t *p = dst;
    for (int64_t i = 0; i < n; i++) {
        qt_f16 h = qt_float_to_half(src[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}

void qt_bf16_to_float(const void *src, float *dst, int64_t n)
{
    const uint8_t *p = src;
    for (int64_t i = 0; i < n; i++) {
        qt_bf16 h;
        memcpy(&h, p + 2 * i, 2);
        dst[i] = qt_bfloat_to_float(h);
    }
}

void qt_bf16_from_float(const float *src, void *dst, int64_t n)
{
    uint8_t *p = dst;
    for (int64_t i = 0; i < n; i++) {
        qt_bf16 h = qt_float_to_bfloat(src[i]);
        memcpy(p + 2 * i, &h, 2);
    }
}
