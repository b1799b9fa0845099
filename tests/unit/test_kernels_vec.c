/* Unit tests for the kernel tables (src/engine/kernels*.c): the activation
 * quantizers, the f16 conversions and the vector helpers.
 *
 * The scalar table is checked against independent definitions written here
 * (ggml's x86 quantizers redone with nearbyintf, the quant module's
 * reference Q8_K and f16/bf16 conversions, f16(fma(...)) for mad_f16, libm
 * for the exp and SiLU they approximate, float64 for dot_f16) and the AVX2
 * table against the scalar one bit for bit, on inputs that pin rounding
 * (ties after scaling, +amax and -amax in one block, zero blocks, tiny and
 * huge values, NaN payloads), lengths with and without remainders, and
 * unaligned rows.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kernels.h"
#include "engine/quant_internal.h"
#include "kern_testutil.h"

static const int k_acttypes[] = {QT_TYPE_F32,  QT_TYPE_F16,  QT_TYPE_BF16,
                                 QT_TYPE_Q8_0, QT_TYPE_Q8_1, QT_TYPE_Q8_K};

static size_t row_bytes(int t, int64_t n)
{
    size_t b = 0;
    assert_int_equal(qt_row_size(t, n, &b), 0);
    return b;
}

static const struct kern_table *avx2_or_skip(void)
{
    const struct kern_table *k = kern_avx2();
    if (!k)
        printf("SKIP: this CPU (or build) has no AVX2+FMA+F16C; the AVX2 table is not tested\n");
    return k;
}

/* ------------------------------------------------------------ quantizers */

/* Inputs that pin rounding: ties at .5 after scaling, +max and -max in one
 * block (the -max first), zero blocks, tiny and huge values. */
static void fill_quant_case(float *x, int64_t n, int pattern)
{
    for (int64_t i = 0; i < n; i++) {
        switch (pattern) {
        case 0: x[i] = rnd_gauss(); break;
        case 1: x[i] = (i % 32 == 0) ? 127.0f : (float)((int)(rnd_u64() % 254) - 127) + 0.5f; break;
        case 2: x[i] = (i % 32 == 3) ? -9.0f : (i % 32 == 7) ? 9.0f : rnd_gauss(); break;
        case 3: x[i] = (i / 32) % 2 ? 0.0f : rnd_gauss() * 1e-3f; break;
        case 4: x[i] = rnd_gauss() * ldexpf(1.0f, (int)(rnd_u64() % 60) - 30); break;
        default: x[i] = (float)((int)(rnd_u64() % 255) - 127) * 0.25f; break;
        }
    }
}

/* ggml's x86 quantize_row_q8_0 / q8_1, written independently. */
static void indep_q8_01(const float *x, uint8_t *y, int64_t n, bool q8_1)
{
    const size_t bsz = q8_1 ? 36 : 34, qs = q8_1 ? 4 : 2;
    for (int64_t ib = 0; ib < n / 32; ib++) {
        const float *xb = x + 32 * ib;
        uint8_t *yb = y + (size_t)ib * bsz;
        float amax = 0.0f;
        for (int j = 0; j < 32; j++)
            amax = fmaxf(amax, fabsf(xb[j]));
        const float d = amax / 127.0f, id = amax != 0.0f ? 127.0f / amax : 0.0f;
        const qt_f16 dh = qt_float_to_half(d);
        memcpy(yb, &dh, 2);
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            const int q = (int)nearbyintf(xb[j] * id); /* round half even */
            yb[qs + j] = (uint8_t)(int8_t)q;
            sum += q;
        }
        if (q8_1) {
            const qt_f16 sh = qt_float_to_half(d * (float)sum);
            memcpy(yb + 2, &sh, 2);
        }
    }
}

/* The bytes the scalar table must write, from independent definitions. */
static void indep_quantize(int vt, const float *x, uint8_t *y, int64_t n)
{
    switch (vt) {
    case QT_TYPE_Q8_0: indep_q8_01(x, y, n, false); break;
    case QT_TYPE_Q8_1: indep_q8_01(x, y, n, true); break;
    case QT_TYPE_F16:
        for (int64_t i = 0; i < n; i++) {
            const qt_f16 h = qt_float_to_half(x[i]);
            memcpy(y + 2 * i, &h, 2);
        }
        break;
    default: qt_get_traits(vt)->from_float(x, y, n); break; /* reference Q8_K, BF16, F32 */
    }
}

static void check_quantizers(const struct kern_table *k, const struct kern_table *base)
{
    for (size_t i = 0; i < sizeof k_acttypes / sizeof k_acttypes[0]; i++) {
        const int vt = k_acttypes[i];
        const struct qt_traits *tr = qt_get_traits(vt);
        assert_non_null(k->quantize[vt]);
        const int64_t b = tr->blck_size == 1 ? 1 : tr->blck_size;
        const int64_t sizes[] = {b == 1 ? 5 : b, b == 1 ? 67 : 3 * b, b == 1 ? 4099 : 17 * b};
        for (int si = 0; si < 3; si++) {
            const int64_t n = sizes[si];
            const size_t nbytes = row_bytes(vt, n);
            float *x = malloc(sizeof(float) * (size_t)n + 16);
            uint8_t *want = malloc(nbytes), *got = malloc(nbytes + 8);
            for (int pattern = 0; pattern < 6; pattern++) {
                for (int x4 = 0; x4 < 2; x4++) {
                    const kern_quantize_fn q = x4 ? k->quantize_x4[vt] : k->quantize[vt];
                    if (!q)
                        continue;
                    float *xs = x + (pattern & 1); /* odd float offsets too */
                    fill_quant_case(xs, n, pattern);
                    if (base)
                        (x4 ? base->quantize_x4[vt] : base->quantize[vt])(xs, want, n);
                    else if (x4 && vt == QT_TYPE_Q8_K)
                        continue; /* test_quantize_q8_K_x4 */
                    else
                        indep_quantize(vt, xs, want, n);
                    const size_t o = vt == QT_TYPE_Q8_K ? 4 : 3; /* Q8_K: aligned rows */
                    memset(got, 0xa5, nbytes + 8);
                    q(xs, got + o, n);
                    if (memcmp(want, got + o, nbytes) != 0) {
                        size_t at = 0;
                        while (want[at] == got[o + at])
                            at++;
                        fail_msg("%s quantize%s %s n=%lld pattern %d: byte %zu differs (%02x vs "
                                 "%02x)",
                                 k->name, x4 ? "_x4" : "", tr->name, (long long)n, pattern, at,
                                 got[o + at], want[at]);
                    }
                    assert_int_equal(got[o + nbytes], 0xa5); /* wrote nothing past the row */
                    assert_int_equal(got[o - 1], 0xa5);
                }
            }
            free(x);
            free(want);
            free(got);
        }
    }
}

static void test_quantize_scalar(void **state)
{
    (void)state;
    check_quantizers(kern_scalar(), NULL);
}

static void test_quantize_avx2(void **state)
{
    (void)state;
    const struct kern_table *k = avx2_or_skip();
    if (!k) {
        skip();
        return;
    }
    check_quantizers(k, kern_scalar());
}

/* The 4-row quantizer of ggml's repacked path: the reference's bytes, except
 * that a block holding both -amax (first) and +amax gets the positive
 * scale's sign. */
static void test_quantize_q8_K_x4(void **state)
{
    (void)state;
    const struct kern_table *tabs[2] = {kern_scalar(), kern_avx2()};
    float x[2 * QK_K];
    _Alignas(4) uint8_t ref[2 * 292], got[2 * 292];
    for (int rep = 0; rep < 50; rep++) {
        for (int i = 0; i < 2 * QK_K; i++)
            x[i] = rnd_gauss();
        x[5] = -9.0f; /* block 0: -amax first, then +amax */
        x[200] = 9.0f;
        x[QK_K + 5] = -9.0f; /* block 1: only -amax */
        qt_q8_K_from_float(x, ref, 2 * QK_K);
        for (int k = 0; k < 2; k++) {
            if (!tabs[k])
                continue;
            tabs[k]->quantize_x4[QT_TYPE_Q8_K](x, got, 2 * QK_K);
            float dr, dg;
            memcpy(&dr, ref, 4);
            memcpy(&dg, got, 4);
            assert_true(dr == -dg && dr > 0.0f); /* the sign flips */
            for (int j = 0; j < QK_K; j++) /* and so every quant */
                assert_int_equal((int8_t)got[4 + j], -(int8_t)ref[4 + j]);
            assert_memory_equal(got + 292, ref + 292, 292); /* block 1 as the reference */
        }
    }
}

/* ------------------------------------------------------------ f16 conversions */

static void check_f16_conversions(const struct kern_table *k)
{
    /* f16 -> f32: every half, bit-exact (NaNs: both NaN) */
    qt_f16 *h = malloc(sizeof(qt_f16) * 65536);
    float *f = malloc(sizeof(float) * 65536);
    for (int i = 0; i < 65536; i++)
        h[i] = (qt_f16)i;
    k->f16_to_f32(h, f, 65536);
    for (int i = 0; i < 65536; i++) {
        float want = qt_half_to_float(h[i]);
        if (isnan(want))
            assert_true(isnan(f[i]));
        else if (memcmp(&want, &f[i], 4) != 0)
            fail_msg("%s f16_to_f32(0x%04x) = %a, want %a", k->name, i, (double)f[i], (double)want);
    }
    /* f32 -> f16: edges (overflow, ties, subnormals, inf) and random values,
     * against the reference; NaNs keep their top payload bits (F16C) */
    const float edges[] = {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, -65520.0f, 1e9f,
                           INFINITY, -INFINITY, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-26f,
                           5.96e-8f, 6.1e-5f, 6.097555e-5f, 1.00048828125f, 1.00146484375f,
                           -2049.0f, 3.14159f};
    const int ne = (int)(sizeof edges / sizeof edges[0]);
    const int n = 4099;
    float *src = malloc(sizeof(float) * n);
    qt_f16 *dst = malloc(sizeof(qt_f16) * n);
    for (int i = 0; i < n; i++)
        src[i] = i < ne ? edges[i] : rnd_gauss() * ldexpf(1.0f, (int)(rnd_u64() % 50) - 30);
    k->f32_to_f16(src, dst, n);
    for (int i = 0; i < n; i++)
        if (dst[i] != qt_float_to_half(src[i]))
            fail_msg("%s f32_to_f16(%a) = 0x%04x, want 0x%04x", k->name, (double)src[i], dst[i],
                     qt_float_to_half(src[i]));
    const uint32_t nans[] = {0x7f800001u, 0x7fc00000u, 0xffc00001u, 0x7f802000u,
                             0x7fa01000u, 0x7fffffffu, 0x7f801fffu, 0xff804000u};
    const qt_f16 want_nan[] = {0x7e00, 0x7e00, 0xfe00, 0x7e01, 0x7f00, 0x7fff, 0x7e00, 0xfe02};
    float nf[16];
    qt_f16 nh[16];
    for (int i = 0; i < 16; i++)
        memcpy(&nf[i], &nans[i % 8], 4);
    k->f32_to_f16(nf, nh, 16); /* 8 through the vector path, 8 through the tail */
    for (int i = 0; i < 16; i++)
        assert_int_equal(nh[i], want_nan[i % 8]);
    free(h);
    free(f);
    free(src);
    free(dst);
}

static void test_f16_conversions(void **state)
{
    (void)state;
    check_f16_conversions(kern_scalar());
    const struct kern_table *k = avx2_or_skip();
    if (k)
        check_f16_conversions(k);
}

/* ------------------------------------------------------------ vector helpers */

static double ulp_err(float got, double want)
{
    return fabs((double)got - want) / ldexp(1.0, ilogb(want) - 23);
}

/* The scalar helpers against their definitions. */
static void test_vec_scalar(void **state)
{
    (void)state;
    const struct kern_table *k = kern_scalar();
    enum { N = 301 };
    qt_f16 a[N], b[N], y[N], y0[N];
    float f[N], g[N], u[N], h[N];
    for (int rep = 0; rep < 40; rep++) {
        const int n = 1 + (int)(rnd_u64() % N);
        double dot = 0.0, mag = 0.0;
        for (int i = 0; i < n; i++) {
            a[i] = qt_float_to_half(rnd_gauss());
            b[i] = qt_float_to_half(rnd_gauss());
            y[i] = y0[i] = qt_float_to_half(rnd_gauss());
            const double p = (double)qt_half_to_float(a[i]) * qt_half_to_float(b[i]);
            dot += p;
            mag += fabs(p);
        }
        assert_true(fabs(k->dot_f16(n, a, b) - dot) <= (n + 10) * ldexp(1.0, -23) * mag);
        const float v = rnd_gauss();
        k->mad_f16(n, y, a, v);
        for (int i = 0; i < n; i++)
            assert_int_equal(y[i], qt_float_to_half(fmaf(qt_half_to_float(a[i]), v,
                                                         qt_half_to_float(y0[i]))));
        memcpy(y0, y, sizeof y);
        k->scale_f16(n, y, v);
        for (int i = 0; i < n; i++)
            assert_int_equal(y[i], qt_float_to_half(qt_half_to_float(y0[i]) * v));
        for (int i = 0; i < n; i++) {
            f[i] = rnd_gauss();
            g[i] = h[i] = rnd_gauss();
        }
        k->axpy_f32(n, v, f, h);
        for (int i = 0; i < n; i++)
            assert_true(h[i] == fmaf(f[i], v, g[i]));
        memcpy(h, g, sizeof(float) * (size_t)n);
        k->scale_f32(n, h, v);
        for (int i = 0; i < n; i++)
            assert_true(h[i] == g[i] * v);

        /* softmax numerators: ggml's exp within 3 ulp, the sum within 1e-6 */
        float mx = -INFINITY;
        for (int i = 0; i < n; i++) {
            f[i] = 6.0f * rnd_gauss();
            mx = fmaxf(mx, f[i]);
        }
        const double sum = k->expsum_f32(n, h, f, mx);
        double want = 0.0;
        for (int i = 0; i < n; i++) {
            const double e = exp((double)(f[i] - mx));
            want += e;
            assert_true(ulp_err(h[i], e) <= 3.0);
        }
        assert_true(fabs(sum - want) <= 1e-6 * want);

        /* SwiGLU: the rule by position, and the value */
        for (int i = 0; i < n; i++) {
            g[i] = 4.0f * rnd_gauss();
            u[i] = rnd_gauss();
        }
        k->swiglu(n, g, u, h);
        const int n8 = n / 8 * 8;
        for (int i = 0; i < n; i++) {
            const float want_i =
                i < n8 ? kern_silu_v(g[i]) * u[i] : g[i] / (1.0f + expf(-g[i])) * u[i];
            assert_memory_equal(&h[i], &want_i, sizeof want_i);
            const double s = (double)g[i] / (1.0 + exp(-(double)g[i])) * u[i];
            assert_true(fabs(h[i] - s) <= 1e-6 * fabs(s) + 1e-30);
        }
    }
}

/* ggml's vector exp over its whole range, slow path included: within 2 ulp
 * of exp (ggml states 1.45 + 0.5), overflow to Inf above 88.72, 0 below
 * -103.97. */
static void test_expf_v(void **state)
{
    (void)state;
    for (int i = 0; i < 200000; i++) {
        const float x = -103.0f + 191.5f * rnd_uniform();
        const double e = exp((double)x);
        const float got = kern_expf_v(x);
        if (e < 0x1p-126) { /* subnormal results: absolute error */
            assert_true(fabs((double)got - e) <= 0x1p-148);
            continue;
        }
        if (!(ulp_err(got, e) <= 2.0))
            fail_msg("kern_expf_v(%a) = %a, exp = %a", (double)x, (double)got, e);
    }
    assert_true(isinf(kern_expf_v(89.0f)));
    assert_true(kern_expf_v(-110.0f) == 0.0f);
    assert_true(kern_expf_v(0.0f) == 1.0f);
}

/* Every AVX2 helper against the scalar one, bit for bit, on unaligned
 * arrays of every length from 1 to 300. */
static void test_vec_avx2(void **state)
{
    (void)state;
    const struct kern_table *k = avx2_or_skip(), *s = kern_scalar();
    if (!k) {
        skip();
        return;
    }
    enum { N = 302 };
    qt_f16 a[N], b[N], y1[N], y2[N];
    float f[N], g[N], u[N], h1[N], h2[N];
    for (int n = 1; n < N - 1; n++) {
        const float v = rnd_gauss();
        for (int i = 0; i < N; i++) {
            a[i] = qt_float_to_half(rnd_gauss());
            b[i] = qt_float_to_half(rnd_gauss());
            y1[i] = y2[i] = qt_float_to_half(rnd_gauss());
            f[i] = 8.0f * rnd_gauss();
            g[i] = 8.0f * rnd_gauss();
            u[i] = rnd_gauss();
            h1[i] = h2[i] = rnd_gauss();
        }
        const float d1 = k->dot_f16(n, a + 1, b + 1), d2 = s->dot_f16(n, a + 1, b + 1);
        assert_memory_equal(&d1, &d2, sizeof d1);
        const float e1 = k->dot_f16_f32(n, a + 1, f + 1), e2 = s->dot_f16_f32(n, a + 1, f + 1);
        assert_memory_equal(&e1, &e2, sizeof e1);
        k->mad_f16(n, y1 + 1, a + 1, v);
        s->mad_f16(n, y2 + 1, a + 1, v);
        assert_memory_equal(y1, y2, sizeof y1);
        k->scale_f16(n, y1 + 1, v);
        s->scale_f16(n, y2 + 1, v);
        assert_memory_equal(y1, y2, sizeof y1);
        k->axpy_f32(n, v, f + 1, h1 + 1);
        s->axpy_f32(n, v, f + 1, h2 + 1);
        assert_memory_equal(h1, h2, sizeof h1);
        k->scale_f32(n, h1 + 1, v);
        s->scale_f32(n, h2 + 1, v);
        assert_memory_equal(h1, h2, sizeof h1);
        k->axpy_f16(n, v, a + 1, h1 + 1);
        s->axpy_f16(n, v, a + 1, h2 + 1);
        assert_memory_equal(h1, h2, sizeof h1);
        const double s1 = k->expsum_f32(n, h1 + 1, f + 1, 3.0f);
        const double s2 = s->expsum_f32(n, h2 + 1, f + 1, 3.0f);
        assert_memory_equal(&s1, &s2, sizeof s1);
        assert_memory_equal(h1, h2, sizeof h1);
        k->swiglu(n, g + 1, u + 1, h1 + 1);
        s->swiglu(n, g + 1, u + 1, h2 + 1);
        assert_memory_equal(h1, h2, sizeof h1);
        k->swiglu(n, g + 1, u + 1, g + 1); /* in place */
        assert_memory_equal(g + 1, h2 + 1, sizeof(float) * (size_t)n);
    }
    /* the exp's slow path (|x| > 87 ln 2) lane by lane */
    for (int n = 8; n <= 64; n += 8) {
        for (int i = 0; i < n; i++)
            f[i] = -120.0f + 220.0f * rnd_uniform();
        const double s1 = k->expsum_f32(n, h1, f, 0.0f), s2 = s->expsum_f32(n, h2, f, 0.0f);
        assert_memory_equal(&s1, &s2, sizeof s1);
        assert_memory_equal(h1, h2, sizeof(float) * (size_t)n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantize_scalar),
        cmocka_unit_test(test_quantize_avx2),
        cmocka_unit_test(test_quantize_q8_K_x4),
        cmocka_unit_test(test_f16_conversions),
        cmocka_unit_test(test_vec_scalar),
        cmocka_unit_test(test_expf_v),
        cmocka_unit_test(test_vec_avx2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
