/* Unit tests for src/engine/quant: quantize -> dequantize round trips of
 * every computable type on random and structured data, held to the bounds of
 * test_quant_bounds.h; and hostile input (NaN, Inf, huge, tiny) that must
 * neither crash nor hit undefined behaviour.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/quant.h"
#include "test_quant_bounds.h"

#define N_ROW (256 * 64)

/* xorshift64*: deterministic across platforms */
static uint64_t rng_state;

static double rng_uniform(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545F4914F6CDD1DULL) >> 11) * 0x1p-53;
}

static double rng_gauss(void)
{
    double u = rng_uniform(), v = rng_uniform();
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

enum dist {
    D_GAUSS, D_UNIFORM, D_OUTLIERS, D_ZERO, D_CONST, D_CONST_NEG, D_POSITIVE,
    D_SPARSE, D_RAMP, D_SINE, D_COUNT
};

static const char *const dist_name[D_COUNT] = {
    "gaussian", "uniform", "gaussian+1% outliers x50", "all-zero", "constant 0.37",
    "constant -2.5", "positive |gaussian|", "sparse (90% zero)", "ramp", "sine",
};

static void fill(float *x, long n, enum dist d)
{
    rng_state = 0x9E3779B97F4A7C15ULL + (uint64_t)d * 1000003u;
    for (long i = 0; i < n; i++) {
        double v = 0;
        switch (d) {
        case D_GAUSS: v = rng_gauss(); break;
        case D_UNIFORM: v = 2 * rng_uniform() - 1; break;
        case D_OUTLIERS: v = rng_gauss() * (rng_uniform() < 0.01 ? 50 : 1); break;
        case D_ZERO: v = 0; break;
        case D_CONST: v = 0.37; break;
        case D_CONST_NEG: v = -2.5; break;
        case D_POSITIVE: v = fabs(rng_gauss()); break;
        case D_SPARSE: v = rng_uniform() < 0.9 ? 0 : rng_gauss(); break;
        case D_RAMP: v = (double)(i % 256) / 128.0 - 1.0; break;
        case D_SINE: v = sin((double)i * 0.05) * (1 + (double)(i / 256 % 4)); break;
        default: break;
        }
        x[i] = (float)v;
    }
}

static void roundtrip_type(int type)
{
    const struct qt_traits *tr = qt_get_traits(type);
    size_t sz;
    assert_int_equal(qt_row_size(type, N_ROW, &sz), 0);
    float *x = malloc(N_ROW * sizeof *x), *y = malloc(N_ROW * sizeof *y);
    void *q = malloc(sz);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(q);
    int failures = 0;
    for (int d = 0; d < D_COUNT; d++) {
        fill(x, N_ROW, (enum dist)d);
        tr->from_float(x, q, N_ROW);
        tr->to_float(q, y, N_ROW);
        struct qb_result r;
        bool ok = qb_check(type, x, y, N_ROW, &r);
        if (d == D_ZERO) {
            for (long i = 0; i < N_ROW; i++)
                ok = ok && y[i] == 0.0f;
        }
        printf("  %-5s %-26s rmse %.3e (bound %.3e)  worst block %.3f of bound%s\n", tr->name,
               dist_name[d], r.rmse, r.rmse_bound, r.worst_blk, ok ? "" : "  FAIL");
        if (!ok) {
            fprintf(stderr, "%s on %s: rmse %.4e > %.4e or block %ld at %.3f x its bound\n",
                    tr->name, dist_name[d], r.rmse, r.rmse_bound, r.worst_blk_index, r.worst_blk);
            failures++;
        }
    }
    free(x);
    free(y);
    free(q);
    assert_int_equal(failures, 0);
}

#define RT_TEST(t)                                       \
    static void test_roundtrip_##t(void **state)         \
    {                                                    \
        (void)state;                                     \
        roundtrip_type(QT_TYPE_##t);                     \
    }
RT_TEST(F32)
RT_TEST(F16)
RT_TEST(BF16)
RT_TEST(Q4_0)
RT_TEST(Q4_1)
RT_TEST(Q5_0)
RT_TEST(Q5_1)
RT_TEST(Q8_0)
RT_TEST(Q8_1)
RT_TEST(Q2_K)
RT_TEST(Q3_K)
RT_TEST(Q4_K)
RT_TEST(Q5_K)
RT_TEST(Q6_K)
RT_TEST(Q8_K)

/* The bounds must be able to fail: a round trip whose elements come back in
 * the wrong places (a packing bug's signature) breaks them for every type. */
static void test_bounds_catch_errors(void **state)
{
    (void)state;
    static float x[N_ROW], y[N_ROW];
    static uint8_t q[N_ROW * 4];
    fill(x, N_ROW, D_GAUSS);
    for (int t = 0; t < QT_TYPE_COUNT; t++) {
        const struct qt_traits *tr = qt_get_traits(t);
        if (!tr || !tr->from_float)
            continue;
        tr->from_float(x, q, N_ROW);
        tr->to_float(q, y, N_ROW);
        struct qb_result r;
        assert_true(qb_check(t, x, y, N_ROW, &r));
        /* swap every pair of neighbours, as if two nibbles were exchanged */
        for (long i = 0; i < N_ROW; i += 2) {
            float tmp = y[i];
            y[i] = y[i + 1];
            y[i + 1] = tmp;
        }
        if (qb_check(t, x, y, N_ROW, &r)) {
            fprintf(stderr, "%s: bounds accept swapped elements\n", tr->name);
            fail();
        }
    }
}

/* NaN, Inf, values near FLT_MAX and subnormals: every quantizer must finish,
 * write every byte deterministically and stay clear of undefined behaviour
 * (the sanitizer build runs this); finite blocks next to them are unaffected. */
static void test_hostile_input(void **state)
{
    (void)state;
    static float x[1024], y[1024], ref[256];
    static uint8_t q1[4096], q2[4096], qr[1024];
    const float specials[] = {NAN, -NAN, INFINITY, -INFINITY, 3.4e38f, -3.4e38f, 1e-40f, -1e-45f, 0.0f};
    const int ns = (int)(sizeof specials / sizeof specials[0]);
    for (int i = 0; i < 1024; i++)
        x[i] = (float)((i * 7919) % 1000 - 500) * 1e-3f;
    for (int k = 0; k < 768; k++)
        x[k] = specials[(k * 5) % ns]; /* the first three blocks of 256 are hostile */
    for (int i = 0; i < 256; i += 3)
        x[256 + i] = 1e-40f; /* a subnormal-only flavour */
    for (int t = 0; t < QT_TYPE_COUNT; t++) {
        const struct qt_traits *tr = qt_get_traits(t);
        if (!tr || !tr->from_float)
            continue;
        size_t sz;
        assert_int_equal(qt_row_size(t, 1024, &sz), 0);
        memset(q1, 0x11, sizeof q1);
        memset(q2, 0xee, sizeof q2);
        tr->from_float(x, q1, 1024);
        tr->from_float(x, q2, 1024);
        assert_memory_equal(q1, q2, sz);
        tr->to_float(q1, y, 1024);
        /* the last block of 256 is ordinary data: same bytes as on its own */
        tr->from_float(x + 768, qr, 256);
        assert_memory_equal(q1 + sz / 4 * 3, qr, sz / 4);
        tr->to_float(qr, ref, 256);
        assert_memory_equal(y + 768, ref, sizeof ref);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_F32),  cmocka_unit_test(test_roundtrip_F16),
        cmocka_unit_test(test_roundtrip_BF16), cmocka_unit_test(test_roundtrip_Q4_0),
        cmocka_unit_test(test_roundtrip_Q4_1), cmocka_unit_test(test_roundtrip_Q5_0),
        cmocka_unit_test(test_roundtrip_Q5_1), cmocka_unit_test(test_roundtrip_Q8_0),
        cmocka_unit_test(test_roundtrip_Q8_1), cmocka_unit_test(test_roundtrip_Q2_K),
        cmocka_unit_test(test_roundtrip_Q3_K), cmocka_unit_test(test_roundtrip_Q4_K),
        cmocka_unit_test(test_roundtrip_Q5_K), cmocka_unit_test(test_roundtrip_Q6_K),
        cmocka_unit_test(test_roundtrip_Q8_K), cmocka_unit_test(test_bounds_catch_errors),
        cmocka_unit_test(test_hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
