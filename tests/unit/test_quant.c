/* Unit tests for src/engine/quant: the traits table, row sizes, half and
 * bfloat16 conversions, and hand-made blocks of every format dequantized to
 * the values worked out from the byte layout in quant.h.
 *
 * Round trips on data are in test_quant_roundtrip.c, ggml's bytes in
 * test_quant_golden.c, the stories260K files in test_quant_models.c.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/quant.h"
#include "engine/quant_internal.h"
#include "util/err.h"

/* ------------------------------------------------------------ helpers */

static uint32_t f2u(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float u2f(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* Exact comparison of n floats; names the first difference. */
static void expect_floats(const char *what, const float *got, const float *want, int n)
{
    for (int i = 0; i < n; i++) {
        if (f2u(got[i]) != f2u(want[i])) {
            fprintf(stderr, "%s: element %d is %.9g, expected %.9g\n", what, i, got[i], want[i]);
            fail();
        }
    }
}

static void dequant(int type, const void *blk, float *out, int n)
{
    const struct qt_traits *tr = qt_get_traits(type);
    assert_non_null(tr);
    assert_non_null(tr->to_float);
    tr->to_float(blk, out, n);
}

/* A few halves used below, spelled as bits so the test does not depend on
 * the conversion it also tests. */
#define H_0_125 0x3000
#define H_0_25 0x3400
#define H_0_5 0x3800
#define H_1 0x3c00
#define H_2 0x4000
#define H_M0_125 0xb000
#define H_M1 0xbc00

/* ------------------------------------------------------------ traits */

static void test_traits_table(void **state)
{
    (void)state;
    /* ggml-common.h / ggml.c type_traits: id, name, block size, bytes, computable */
    static const struct {
        int id;
        const char *name;
        int64_t blck;
        size_t size;
        bool computes;
    } want[] = {
        {0, "f32", 1, 4, true},          {1, "f16", 1, 2, true},
        {2, "q4_0", 32, 18, true},       {3, "q4_1", 32, 20, true},
        {6, "q5_0", 32, 22, true},       {7, "q5_1", 32, 24, true},
        {8, "q8_0", 32, 34, true},       {9, "q8_1", 32, 36, true},
        {10, "q2_K", 256, 84, true},     {11, "q3_K", 256, 110, true},
        {12, "q4_K", 256, 144, true},    {13, "q5_K", 256, 176, true},
        {14, "q6_K", 256, 210, true},    {15, "q8_K", 256, 292, true},
        {16, "iq2_xxs", 256, 66, false}, {17, "iq2_xs", 256, 74, false},
        {18, "iq3_xxs", 256, 98, false}, {19, "iq1_s", 256, 50, false},
        {20, "iq4_nl", 32, 18, false},   {21, "iq3_s", 256, 110, false},
        {22, "iq2_s", 256, 82, false},   {23, "iq4_xs", 256, 136, false},
        {24, "i8", 1, 1, false},         {25, "i16", 1, 2, false},
        {26, "i32", 1, 4, false},        {27, "i64", 1, 8, false},
        {28, "f64", 1, 8, false},        {29, "iq1_m", 256, 56, false},
        {30, "bf16", 1, 2, true},        {34, "tq1_0", 256, 54, false},
        {35, "tq2_0", 256, 66, false},   {39, "mxfp4", 32, 17, false},
        {40, "nvfp4", 64, 36, false},    {41, "q1_0", 128, 18, false},
        {42, "q2_0", 64, 18, false},
    };
    int seen = 0;
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        const struct qt_traits *tr = qt_get_traits(want[k].id);
        assert_non_null(tr);
        assert_string_equal(tr->name, want[k].name);
        assert_int_equal(tr->blck_size, want[k].blck);
        assert_int_equal(tr->type_size, want[k].size);
        assert_int_equal(tr->to_float != NULL, want[k].computes);
        assert_int_equal(tr->from_float != NULL, want[k].computes);
        bool quantized = want[k].blck > 1;
        assert_int_equal(tr->is_quantized, quantized);
        assert_string_equal(qt_type_name(want[k].id), want[k].name);
        assert_int_equal(qt_type_from_name(want[k].name), want[k].id);
        seen++;
    }
    /* retired and out-of-range ids have no traits */
    int n_valid = 0;
    for (int t = -3; t < QT_TYPE_COUNT + 5; t++)
        n_valid += qt_get_traits(t) != NULL;
    assert_int_equal(n_valid, seen);
    static const int retired[] = {4, 5, 31, 32, 33, 36, 37, 38, -1, QT_TYPE_COUNT, 1000};
    for (size_t k = 0; k < sizeof retired / sizeof retired[0]; k++) {
        assert_null(qt_get_traits(retired[k]));
        assert_string_equal(qt_type_name(retired[k]), "unknown");
    }
    /* the packed structs are the sizes the table promises */
    assert_int_equal(sizeof(struct qt_block_q4_K), qt_get_traits(QT_TYPE_Q4_K)->type_size);
    assert_int_equal(sizeof(struct qt_block_q8_K), qt_get_traits(QT_TYPE_Q8_K)->type_size);
}

static void test_type_from_name(void **state)
{
    (void)state;
    assert_int_equal(qt_type_from_name("Q4_K"), QT_TYPE_Q4_K);
    assert_int_equal(qt_type_from_name("q4_k"), QT_TYPE_Q4_K);
    assert_int_equal(qt_type_from_name("BF16"), QT_TYPE_BF16);
    assert_int_equal(qt_type_from_name("IQ2_XXS"), QT_TYPE_IQ2_XXS);
    assert_int_equal(qt_type_from_name("q4"), -1);
    assert_int_equal(qt_type_from_name(""), -1);
    assert_int_equal(qt_type_from_name("q4_0 "), -1);
    assert_int_equal(qt_type_from_name(NULL), -1);
}

static void test_row_size(void **state)
{
    (void)state;
    size_t sz = 12345;
    assert_int_equal(qt_row_size(QT_TYPE_Q4_0, 64, &sz), 0);
    assert_int_equal(sz, 36);
    assert_int_equal(qt_row_size(QT_TYPE_Q6_K, 512, &sz), 0);
    assert_int_equal(sz, 420);
    assert_int_equal(qt_row_size(QT_TYPE_F16, 7, &sz), 0);
    assert_int_equal(sz, 14);
    assert_int_equal(qt_row_size(QT_TYPE_F32, 0, &sz), 0);
    assert_int_equal(sz, 0);
    sz = 99;
    assert_int_equal(qt_row_size(QT_TYPE_Q4_0, 33, &sz), COLA_EINVAL);
    assert_int_equal(qt_row_size(QT_TYPE_Q4_K, 128, &sz), COLA_EINVAL);
    assert_int_equal(qt_row_size(QT_TYPE_F32, -4, &sz), COLA_EINVAL);
    assert_int_equal(qt_row_size(4, 32, &sz), COLA_EINVAL);
    assert_int_equal(qt_row_size(QT_TYPE_COUNT, 32, &sz), COLA_EINVAL);
    assert_int_equal(sz, 99); /* untouched on failure */
    /* 2^63-1 eight-byte elements do not fit in size_t */
    assert_int_equal(qt_row_size(QT_TYPE_F64, INT64_MAX, &sz), COLA_ERANGE);
    assert_int_equal(qt_row_size(QT_TYPE_IQ4_XS, 256, &sz), 0); /* sizes known without kernels */
    assert_int_equal(sz, 136);
}

/* ------------------------------------------------------------ half */

static bool half_is_nan(uint16_t h)
{
    return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0;
}

static void test_f16_all_patterns(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = qt_f16_to_f32((qt_f16)h);
        qt_f16 back = qt_f32_to_f16(f);
        if (half_is_nan((uint16_t)h)) {
            assert_true(isnan(f));
            assert_int_equal(!!signbit(f), h >> 15);
            assert_true(half_is_nan(back));
            assert_int_equal(back >> 15, h >> 15);
        } else if (back != h) {
            fprintf(stderr, "half 0x%04x -> %.9g -> 0x%04x\n", h, f, back);
            fail();
        }
    }
}

static void test_f16_values(void **state)
{
    (void)state;
    assert_true(qt_f16_to_f32(H_1) == 1.0f);
    assert_true(qt_f16_to_f32(H_0_5) == 0.5f);
    assert_true(qt_f16_to_f32(H_M0_125) == -0.125f);
    assert_true(qt_f16_to_f32(0x7bff) == 65504.0f);
    assert_true(qt_f16_to_f32(0x0400) == 0x1p-14f);
    assert_true(qt_f16_to_f32(0x0001) == 0x1p-24f);
    assert_true(qt_f16_to_f32(0x03ff) == 1023 * 0x1p-24f);
    assert_true(qt_f16_to_f32(0x3555) == 1365 * 0x1p-12f); /* 0.333251953125 */
    assert_true(isinf(qt_f16_to_f32(0x7c00)) && qt_f16_to_f32(0x7c00) > 0);
    assert_true(isinf(qt_f16_to_f32(0xfc00)) && qt_f16_to_f32(0xfc00) < 0);
    assert_int_equal(f2u(qt_f16_to_f32(0x8000)), 0x80000000u);

    assert_int_equal(qt_f32_to_f16(0.0f), 0x0000);
    assert_int_equal(qt_f32_to_f16(-0.0f), 0x8000);
    assert_int_equal(qt_f32_to_f16(1.0f), H_1);
    assert_int_equal(qt_f32_to_f16(-1.0f), H_M1);
    assert_int_equal(qt_f32_to_f16(65504.0f), 0x7bff);
    assert_int_equal(qt_f32_to_f16(65519.996f), 0x7bff); /* just below the midpoint to Inf */
    assert_int_equal(qt_f32_to_f16(65520.0f), 0x7c00);   /* the midpoint ties to Inf (even) */
    assert_int_equal(qt_f32_to_f16(1e10f), 0x7c00);
    assert_int_equal(qt_f32_to_f16(-3.4e38f), 0xfc00);
    assert_int_equal(qt_f32_to_f16(INFINITY), 0x7c00);
    assert_int_equal(qt_f32_to_f16(-INFINITY), 0xfc00);
    assert_int_equal(qt_f32_to_f16(0x1p-24f), 0x0001);
    assert_int_equal(qt_f32_to_f16(0x1p-25f), 0x0000);        /* tie between 0 and 2^-24: even */
    assert_int_equal(qt_f32_to_f16(0x1.000002p-25f), 0x0001); /* just above the tie */
    assert_int_equal(qt_f32_to_f16(0x1.8p-24f), 0x0002);      /* 1.5 ulp ties to 2 */
    assert_int_equal(qt_f32_to_f16(-1e-30f), 0x8000);
    assert_int_equal(qt_f32_to_f16(1.0f / 3.0f), 0x3555);
    /* every NaN becomes the quiet NaN, sign kept */
    assert_int_equal(qt_f32_to_f16(NAN), 0x7e00);
    assert_int_equal(qt_f32_to_f16(u2f(0xffc00001u)), 0xfe00);
    assert_int_equal(qt_f32_to_f16(u2f(0x7f800001u)), 0x7e00); /* signalling, tiny payload */
}

/* The exact midpoint between every pair of adjacent finite halves goes to the
 * even one, and one float ulp either side goes to the nearer one. */
static void test_f16_halfway(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 0x7c00; h++) {
        for (uint32_t sign = 0; sign <= 0x8000; sign += 0x8000) {
            uint32_t lo = h | sign, hi = (h + 1) | sign;
            double a = qt_f16_to_f32((qt_f16)lo);
            /* h+1 = 0x7c00 is Inf: the midpoint past 65504 is 65520 */
            double b = h + 1 == 0x7c00 ? (sign ? -65536.0 : 65536.0) : qt_f16_to_f32((qt_f16)hi);
            float mid = (float)((a + b) / 2); /* exact: halves have 11 significant bits */
            assert_true((double)mid == (a + b) / 2);
            uint32_t even = (lo & 1) ? hi : lo;
            assert_int_equal(qt_f32_to_f16(mid), even);
            float toward_lo = nextafterf(mid, (float)a);
            float toward_hi = nextafterf(mid, (float)b);
            assert_int_equal(qt_f32_to_f16(toward_lo), lo);
            assert_int_equal(qt_f32_to_f16(toward_hi), hi);
        }
    }
}

#if defined(__FLT16_MAX__)
/* The compiler's own _Float16 conversion (IEEE round to nearest even) is an
 * independent oracle: compare over a strided sweep of all float bit patterns
 * (every 4099th one: about a million values, all exponents). */
static void test_f16_vs_compiler(void **state)
{
    (void)state;
    for (uint64_t u = 0; u < (1ull << 32); u += 4099) {
        float f = u2f((uint32_t)u);
        _Float16 c = (_Float16)f;
        uint16_t want;
        memcpy(&want, &c, 2);
        qt_f16 got = qt_f32_to_f16(f);
        if (isnan(f)) {
            assert_true(half_is_nan(got));
            continue;
        }
        if (got != want) {
            fprintf(stderr, "float 0x%08x: 0x%04x, compiler says 0x%04x\n", (uint32_t)u, got, want);
            fail();
        }
    }
}
#endif

/* ------------------------------------------------------------ bfloat16 */

static void test_bf16_all_patterns(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = qt_bf16_to_f32((qt_bf16)h);
        assert_int_equal(f2u(f), h << 16); /* widening is exact, bit for bit */
        qt_bf16 back = qt_f32_to_bf16(f);
        bool nan = (h & 0x7f80) == 0x7f80 && (h & 0x7f) != 0;
        if (nan)
            assert_int_equal(back, h | 0x40); /* NaN stays NaN, forced quiet */
        else
            assert_int_equal(back, h);
    }
}

static void test_bf16_rounding(void **state)
{
    (void)state;
    /* midpoints: the float with bits (h << 16) | 0x8000 lies halfway between
     * bfloat16 h and h+1 (same sign); it goes to the even one */
    for (uint32_t h = 0; h < 0x7f80; h++) {
        for (uint32_t sign = 0; sign <= 0x8000; sign += 0x8000) {
            uint32_t lo = h | sign;
            uint32_t mid = (lo << 16) | 0x8000u;
            uint32_t even = (h & 1) ? lo + 1 : lo;
            assert_int_equal(qt_f32_to_bf16(u2f(mid)), even);
            assert_int_equal(qt_f32_to_bf16(u2f(mid - 1)), lo);
            assert_int_equal(qt_f32_to_bf16(u2f(mid + 1)), lo + 1);
        }
    }
    assert_int_equal(qt_f32_to_bf16(1.0f), 0x3f80);
    assert_int_equal(qt_f32_to_bf16(3.4e38f), 0x7f80); /* rounds up past the largest finite */
    assert_int_equal(qt_f32_to_bf16(-INFINITY), 0xff80);
    /* a NaN whose payload lies in the dropped bits must not become Inf */
    assert_int_equal(qt_f32_to_bf16(u2f(0x7f800001u)), 0x7fc0);
    assert_int_equal(qt_f32_to_bf16(u2f(0xff812345u)), 0xffc1);
    assert_int_equal(qt_f32_to_bf16(u2f(0x00008000u)), 0x0000); /* subnormal tie to even 0 */
    assert_int_equal(qt_f32_to_bf16(u2f(0x00018000u)), 0x0002);
}

/* Float rows at odd addresses (a GGUF file may have alignment 1). */
static void test_float_rows_unaligned(void **state)
{
    (void)state;
    uint8_t buf[1 + 2 * 5];
    const float x[5] = {1.0f, -2.5f, 0.0f, 65504.0f, 1e-3f};
    float y[5];
    qt_get_traits(QT_TYPE_F16)->from_float(x, buf + 1, 5);
    qt_get_traits(QT_TYPE_F16)->to_float(buf + 1, y, 5);
    for (int i = 0; i < 5; i++)
        assert_true(y[i] == qt_f16_to_f32(qt_f32_to_f16(x[i])));
    assert_int_equal(buf[1] | buf[2] << 8, H_1); /* little-endian */
    qt_get_traits(QT_TYPE_BF16)->from_float(x, buf + 1, 5);
    qt_get_traits(QT_TYPE_BF16)->to_float(buf + 1, y, 5);
    assert_true(y[1] == -2.5f);
    assert_int_equal(buf[1] | buf[2] << 8, 0x3f80);
    float z[5];
    qt_get_traits(QT_TYPE_F32)->from_float(x, z, 5);
    qt_get_traits(QT_TYPE_F32)->to_float(z, y, 5);
    expect_floats("f32 row", y, x, 5);
}

/* ------------------------------------------------------------ legacy blocks */

static void test_block_q4_0(void **state)
{
    (void)state;
    struct qt_block_q4_0 b;
    b.d = H_0_5;
    for (int j = 0; j < 16; j++)
        b.qs[j] = (uint8_t)(j | (15 - j) << 4);
    float y[32], want[32];
    for (int j = 0; j < 16; j++) {
        want[j] = 0.5f * (float)(j - 8);           /* low nibbles: elements 0..15 */
        want[16 + j] = 0.5f * (float)(15 - j - 8); /* high nibbles: 16..31 */
    }
    dequant(QT_TYPE_Q4_0, &b, y, 32);
    expect_floats("q4_0", y, want, 32);
    assert_true(y[0] == -4.0f && y[15] == 3.5f && y[16] == 3.5f && y[31] == -4.0f);
}

static void test_block_q4_1(void **state)
{
    (void)state;
    struct qt_block_q4_1 b[2]; /* two blocks: the second must use its own d, m */
    b[0].d = H_0_25;
    b[0].m = H_M1;
    b[1].d = H_2;
    b[1].m = H_0_5;
    for (int j = 0; j < 16; j++) {
        b[0].qs[j] = (uint8_t)(j | j << 4);
        b[1].qs[j] = (uint8_t)(15 | (j & 1) << 4);
    }
    float y[64], want[64];
    for (int j = 0; j < 16; j++) {
        want[j] = want[16 + j] = 0.25f * (float)j - 1.0f;
        want[32 + j] = 2.0f * 15 + 0.5f;
        want[48 + j] = 2.0f * (float)(j & 1) + 0.5f;
    }
    dequant(QT_TYPE_Q4_1, b, y, 64);
    expect_floats("q4_1", y, want, 64);
}

static void test_block_q5_0(void **state)
{
    (void)state;
    struct qt_block_q5_0 b;
    b.d = H_1;
    const uint32_t qh = 0xa5a50ff0u; /* 5th bit of element j = bit j */
    for (int k = 0; k < 4; k++)
        b.qh[k] = (uint8_t)(qh >> (8 * k));
    for (int j = 0; j < 16; j++)
        b.qs[j] = (uint8_t)(j | (15 - j) << 4);
    float y[32], want[32];
    for (int j = 0; j < 32; j++) {
        int lo4 = j < 16 ? j : 15 - (j - 16);
        int q = lo4 | (int)((qh >> j) & 1) << 4;
        want[j] = (float)(q - 16);
    }
    dequant(QT_TYPE_Q5_0, &b, y, 32);
    expect_floats("q5_0", y, want, 32);
    assert_true(y[0] == -16.0f); /* bit 0 clear, nibble 0 */
    assert_true(y[4] == 4.0f);   /* bit 4 set, nibble 4: 20 - 16 */
}

static void test_block_q5_1(void **state)
{
    (void)state;
    struct qt_block_q5_1 b;
    b.d = H_0_5;
    b.m = H_2;
    const uint32_t qh = 0xf0f0f0f0u;
    for (int k = 0; k < 4; k++)
        b.qh[k] = (uint8_t)(qh >> (8 * k));
    for (int j = 0; j < 16; j++)
        b.qs[j] = (uint8_t)((15 - j) | j << 4);
    float y[32], want[32];
    for (int j = 0; j < 32; j++) {
        int lo4 = j < 16 ? 15 - j : j - 16;
        int q = lo4 | (int)((qh >> j) & 1) << 4;
        want[j] = 0.5f * (float)q + 2.0f;
    }
    dequant(QT_TYPE_Q5_1, &b, y, 32);
    expect_floats("q5_1", y, want, 32);
    assert_true(y[4] == 0.5f * 27 + 2.0f); /* 11 | 16 */
}

static void test_block_q8_0_q8_1(void **state)
{
    (void)state;
    struct qt_block_q8_0 b;
    struct qt_block_q8_1 c;
    b.d = H_M0_125;
    c.d = H_2;
    c.s = 0x7c00; /* the cached sum plays no part in dequantization */
    for (int j = 0; j < 32; j++) {
        b.qs[j] = (int8_t)(j * 8 - 128); /* -128 .. 120 */
        c.qs[j] = (int8_t)(127 - j);
    }
    float y[32], want[32];
    for (int j = 0; j < 32; j++)
        want[j] = -0.125f * (float)(j * 8 - 128);
    dequant(QT_TYPE_Q8_0, &b, y, 32);
    expect_floats("q8_0", y, want, 32);
    assert_true(y[0] == 16.0f);
    for (int j = 0; j < 32; j++)
        want[j] = 2.0f * (float)(127 - j);
    dequant(QT_TYPE_Q8_1, &c, y, 32);
    expect_floats("q8_1", y, want, 32);
}

/* ------------------------------------------------------------ K-quant blocks */

/* 2-bit fields of Q2_K/Q3_K (quant.h): element e = 128h + r sits in byte
 * 32h + r%32 at bits 2*(r/32). A byte of 0xE4 = 0b11100100 therefore gives
 * quant s to the element in column s = r/32; 0x1B gives 3 - s. */
static int two_bit_pattern(int e)
{
    int h = e / 128, s = (e % 128) / 32;
    return h == 0 ? s : 3 - s;
}

static void test_block_q2_K(void **state)
{
    (void)state;
    struct qt_block_q2_K b;
    b.d = H_0_5;
    b.dmin = H_0_25;
    for (int g = 0; g < 16; g++)
        b.scales[g] = (uint8_t)(g | (15 - g) << 4); /* scale g, min 15-g */
    for (int k = 0; k < 64; k++)
        b.qs[k] = k < 32 ? 0xe4 : 0x1b;
    float y[256], want[256];
    for (int e = 0; e < 256; e++) {
        int g = e / 16;
        want[e] = 0.5f * (float)g * (float)two_bit_pattern(e) - 0.25f * (float)(15 - g);
    }
    dequant(QT_TYPE_Q2_K, &b, y, 256);
    expect_floats("q2_K", y, want, 256);
    assert_true(y[40] == 0.5f * 2 * 1 - 0.25f * 13); /* group 2, column 1 */
}

/* Q3_K scales: 16 6-bit values s_j (stored +32): low nibble in byte j (j < 8)
 * or the high nibble of byte j-8; top 2 bits in byte 8 + j%4 at bit 2*(j/4). */
static void pack_q3_scales(uint8_t s[12], const int raw[16])
{
    memset(s, 0, 12);
    for (int j = 0; j < 16; j++) {
        if (j < 8)
            s[j] |= (uint8_t)(raw[j] & 15);
        else
            s[j - 8] |= (uint8_t)((raw[j] & 15) << 4);
        s[8 + j % 4] |= (uint8_t)((raw[j] >> 4) << (2 * (j / 4)));
    }
}

static void test_block_q3_K(void **state)
{
    (void)state;
    struct qt_block_q3_K b;
    int raw[16];
    for (int j = 0; j < 16; j++)
        raw[j] = 4 * j + 2; /* scales -30, -26, ..., 30 */
    pack_q3_scales(b.scales, raw);
    b.d = H_0_25;
    for (int k = 0; k < 64; k++)
        b.qs[k] = k < 32 ? 0xe4 : 0x1b;
    for (int k = 0; k < 32; k++)
        b.hmask[k] = (uint8_t)(k < 16 ? 0x55 : 0x0f);
    float y[256], want[256];
    for (int e = 0; e < 256; e++) {
        /* third bit of element e: bit e/32 of hmask[e%32]; clear means -4 */
        int high = (b.hmask[e % 32] >> (e / 32)) & 1;
        int q = two_bit_pattern(e) - (high ? 0 : 4);
        want[e] = 0.25f * (float)(raw[e / 16] - 32) * (float)q;
    }
    dequant(QT_TYPE_Q3_K, &b, y, 256);
    expect_floats("q3_K", y, want, 256);
    /* element 32: low bits 1, bit 1 of hmask[0] = 0x55 clear, so 1 - 4 */
    assert_true(y[32] == 0.25f * -22 * -3);
}

/* Q4_K/Q5_K scales and mins (quant.h): j < 4 in the low 6 bits of bytes j
 * (scale) and j+4 (min); j >= 4 with low nibbles in byte j+4 (scale low, min
 * high) and top 2 bits in bits 6-7 of bytes j-4 (scale) and j (min). */
static void pack_k4_scales(uint8_t s[12], const int sc[8], const int mn[8])
{
    memset(s, 0, 12);
    for (int j = 0; j < 4; j++) {
        s[j] = (uint8_t)sc[j];
        s[j + 4] = (uint8_t)mn[j];
    }
    for (int j = 4; j < 8; j++) {
        s[j + 4] = (uint8_t)((sc[j] & 15) | (mn[j] & 15) << 4);
        s[j - 4] |= (uint8_t)((sc[j] >> 4) << 6);
        s[j] |= (uint8_t)((mn[j] >> 4) << 6);
    }
}

static void test_block_q4_K(void **state)
{
    (void)state;
    struct qt_block_q4_K b;
    int sc[8], mn[8];
    for (int j = 0; j < 8; j++) {
        sc[j] = 10 + 7 * j; /* 10 .. 59: j >= 4 need the top bits */
        mn[j] = 63 - 5 * j;
    }
    pack_k4_scales(b.scales, sc, mn);
    b.d = H_0_5;
    b.dmin = H_0_125;
    /* bytes 32c..32c+31: low nibbles are elements 64c + l, high 64c + 32 + l */
    for (int k = 0; k < 128; k++)
        b.qs[k] = (uint8_t)((k % 16) | (15 - k % 16) << 4);
    float y[256], want[256];
    for (int e = 0; e < 256; e++) {
        int g = e / 32, l = e % 32;
        int q = (g % 2 == 0) ? l % 16 : 15 - l % 16;
        want[e] = 0.5f * (float)sc[g] * (float)q - 0.125f * (float)mn[g];
    }
    dequant(QT_TYPE_Q4_K, &b, y, 256);
    expect_floats("q4_K", y, want, 256);
}

static void test_block_q5_K(void **state)
{
    (void)state;
    struct qt_block_q5_K b;
    int sc[8], mn[8];
    for (int j = 0; j < 8; j++) {
        sc[j] = 63 - 3 * j;
        mn[j] = 1 + 8 * j;
    }
    pack_k4_scales(b.scales, sc, mn);
    b.d = H_0_25;
    b.dmin = H_0_5;
    for (int k = 0; k < 128; k++)
        b.qs[k] = (uint8_t)((k * 7) & 0xff);
    for (int l = 0; l < 32; l++)
        b.qh[l] = (uint8_t)(l * 37 + 11); /* bit g of qh[l]: 5th bit of element 32g + l */
    float y[256], want[256];
    for (int e = 0; e < 256; e++) {
        int g = e / 32, l = e % 32;
        int byte = b.qs[32 * (g / 2) + l];
        int q = ((g % 2 == 0) ? byte & 15 : byte >> 4) | ((b.qh[l] >> g) & 1) << 4;
        want[e] = 0.25f * (float)sc[g] * (float)q - 0.5f * (float)mn[g];
    }
    dequant(QT_TYPE_Q5_K, &b, y, 256);
    expect_floats("q5_K", y, want, 256);
}

/* Q6_K (quant.h): element e = 128h + r has its low nibble in ql[64h + r%64]
 * (high half when r >= 64) and its top 2 bits in qh[32h + r%32] at bits
 * 2*(r/32); value d * scales[e/16] * (q - 32) with signed 8-bit scales. */
static void test_block_q6_K(void **state)
{
    (void)state;
    struct qt_block_q6_K b;
    memset(&b, 0, sizeof b);
    int q6[256];
    for (int e = 0; e < 256; e++) {
        q6[e] = (e * 5 + e / 64) % 64;
        int h = e / 128, r = e % 128;
        b.ql[64 * h + r % 64] |= (uint8_t)((q6[e] & 15) << (r >= 64 ? 4 : 0));
        b.qh[32 * h + r % 32] |= (uint8_t)((q6[e] >> 4) << (2 * (r / 32)));
    }
    for (int g = 0; g < 16; g++)
        b.scales[g] = (int8_t)(g * 17 - 128); /* -128 .. 127, mostly negative */
    b.d = H_0_5;
    float y[256], want[256];
    for (int e = 0; e < 256; e++)
        want[e] = 0.5f * (float)(e / 16 * 17 - 128) * (float)(q6[e] - 32);
    dequant(QT_TYPE_Q6_K, &b, y, 256);
    expect_floats("q6_K", y, want, 256);
    assert_true(y[0] == 0.5f * -128 * -32);
}

static void test_block_q8_K(void **state)
{
    (void)state;
    struct qt_block_q8_K b;
    b.d = -0.375f; /* a plain float, not a half */
    for (int j = 0; j < 256; j++)
        b.qs[j] = (int8_t)(j - 128);
    memset(b.bsums, 0x55, sizeof b.bsums); /* not read by dequantization */
    float y[256], want[256];
    for (int j = 0; j < 256; j++)
        want[j] = -0.375f * (float)(j - 128);
    dequant(QT_TYPE_Q8_K, &b, y, 256);
    expect_floats("q8_K", y, want, 256);
}

/* ------------------------------------------------------------ quantizing grid data */

/* Data that lies exactly on a format's grid, with the block's largest
 * magnitude where the format puts it, must quantize to exactly those quants. */
static void test_quantize_on_grid(void **state)
{
    (void)state;
    float x[256], y[256];

    /* Q4_0: x = 0.5 * (q - 8); the -4.0 element fixes d = -4 / -8 = 0.5 */
    struct qt_block_q4_0 b4;
    for (int j = 0; j < 32; j++)
        x[j] = 0.5f * (float)((j * 3) % 16 - 8);
    x[5] = -4.0f;
    qt_get_traits(QT_TYPE_Q4_0)->from_float(x, &b4, 32);
    assert_int_equal(b4.d, H_0_5);
    for (int j = 0; j < 16; j++) {
        int q0 = j == 5 ? 0 : (j * 3) % 16, q1 = ((j + 16) * 3) % 16;
        assert_int_equal(b4.qs[j], q0 | q1 << 4);
    }
    dequant(QT_TYPE_Q4_0, &b4, y, 32);
    expect_floats("q4_0 grid", y, x, 32);

    /* Q8_0: amax 31.75 = 127 * 0.25, so d = 0.25 and q = 4x exactly */
    struct qt_block_q8_0 b8;
    for (int j = 0; j < 32; j++)
        x[j] = 0.25f * (float)(j * 8 - 127);
    qt_get_traits(QT_TYPE_Q8_0)->from_float(x, &b8, 32);
    assert_int_equal(b8.d, H_0_25);
    for (int j = 0; j < 32; j++)
        assert_int_equal(b8.qs[j], j * 8 - 127);

    /* Q8_1: same data; s = d * sum(q) */
    struct qt_block_q8_1 b81;
    qt_get_traits(QT_TYPE_Q8_1)->from_float(x, &b81, 32);
    int sum = 0;
    for (int j = 0; j < 32; j++)
        sum += j * 8 - 127;
    assert_int_equal(b81.s, qt_f32_to_f16(0.25f * (float)sum));

    /* Q8_K: the element -63.5 gives iscale = -127 / -63.5 = 2, d = 0.5 */
    struct qt_block_q8_K bk;
    for (int j = 0; j < 256; j++)
        x[j] = 0.5f * (float)((j * 37) % 255 - 127);
    x[77] = -63.5f;
    qt_get_traits(QT_TYPE_Q8_K)->from_float(x, &bk, 256);
    assert_true(bk.d == 0.5f);
    for (int g = 0; g < 16; g++) {
        int s = 0;
        for (int l = 0; l < 16; l++) {
            int j = 16 * g + l;
            int q = j == 77 ? -127 : (j * 37) % 255 - 127;
            assert_int_equal(bk.qs[j], q);
            s += q;
        }
        assert_int_equal(bk.bsums[g], s);
    }
}

/* An all-zero row dequantizes to zeros in every format, and the quantizer
 * writes every byte of its output (two differently pre-filled buffers end up
 * identical). Q4_0/Q5_0 store d = -0 here, as ggml does (0 / -8). */
static void test_quantize_zero(void **state)
{
    (void)state;
    float x[512] = {0}, y[512];
    static uint8_t q1[4096], q2[4096];
    for (int t = 0; t < QT_TYPE_COUNT; t++) {
        const struct qt_traits *tr = qt_get_traits(t);
        if (!tr || !tr->from_float)
            continue;
        size_t sz;
        assert_int_equal(qt_row_size(t, 512, &sz), 0);
        memset(q1, 0xa5, sizeof q1);
        memset(q2, 0x5a, sizeof q2);
        tr->from_float(x, q1, 512);
        tr->from_float(x, q2, 512);
        if (memcmp(q1, q2, sz) != 0) {
            fprintf(stderr, "%s: quantizer leaves bytes unwritten\n", tr->name);
            fail();
        }
        assert_int_equal(q1[sz], 0xa5); /* and none past the row */
        tr->to_float(q1, y, 512);
        for (int i = 0; i < 512; i++)
            assert_true(y[i] == 0.0f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traits_table),
        cmocka_unit_test(test_type_from_name),
        cmocka_unit_test(test_row_size),
        cmocka_unit_test(test_f16_all_patterns),
        cmocka_unit_test(test_f16_values),
        cmocka_unit_test(test_f16_halfway),
#if defined(__FLT16_MAX__)
        cmocka_unit_test(test_f16_vs_compiler),
#endif
        cmocka_unit_test(test_bf16_all_patterns),
        cmocka_unit_test(test_bf16_rounding),
        cmocka_unit_test(test_float_rows_unaligned),
        cmocka_unit_test(test_block_q4_0),
        cmocka_unit_test(test_block_q4_1),
        cmocka_unit_test(test_block_q5_0),
        cmocka_unit_test(test_block_q5_1),
        cmocka_unit_test(test_block_q8_0_q8_1),
        cmocka_unit_test(test_block_q2_K),
        cmocka_unit_test(test_block_q3_K),
        cmocka_unit_test(test_block_q4_K),
        cmocka_unit_test(test_block_q5_K),
        cmocka_unit_test(test_block_q6_K),
        cmocka_unit_test(test_block_q8_K),
        cmocka_unit_test(test_quantize_on_grid),
        cmocka_unit_test(test_quantize_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
