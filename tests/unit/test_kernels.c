/* Unit tests for the kernel tables (src/engine/kernels*.c).
 *
 * Every vec_dot of every table is compared with a float64 dot product of the
 * dequantized weight row (the quant module's to_float) and the dequantized
 * activation row. The bound follows from how the kernels compute: exact
 * integer sums per block, then at most ~3 float roundings per block and one
 * float addition per block (or per element for F32/F16/BF16) into the
 * running sum, so with u = 2^-24
 *
 *   |s - ref| <= (nb + 10) * 2u * M  +  E1
 *
 * where nb is the number of blocks (elements for float rows) and M the sum
 * of the magnitudes of the terms the kernel adds: |w_i| |a_i| for the
 * symmetric formats, (|w_i| + 2 |c_i|) |a_i| for the formats with a min
 * (c_i = the value of a zero quant, which the kernels multiply separately).
 * E1 is the format's own error for Q4_1/Q5_1: their Q8_1 activations carry
 * s = d * sum(q) rounded to f16, which the kernels use in place of the exact
 * sum; E1 = sum over blocks of |m| * |f16(s) - d * sum(q)|.
 *
 * The AVX2 table (when the CPU has it; the test says when it skips) must
 * meet the same bound and stay within it of the scalar result, produce
 * byte-identical activation rows, and its tile kernels must return exactly
 * what its vec_dot returns pair by pair. Rows are placed at odd addresses
 * (blocks are packed) and sizes go from one block to many.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kernels.h"
#define KERN_TILE_MAX 4
#include "engine/quant_internal.h"

/* ------------------------------------------------------------ helpers */

static uint64_t g_rs = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd_u64(void)
{
    g_rs ^= g_rs << 13;
    g_rs ^= g_rs >> 7;
    g_rs ^= g_rs << 17;
    return g_rs;
}

static float rnd_uniform(void) /* [0, 1) */
{
    return (float)(rnd_u64() >> 40) * (1.0f / 16777216.0f);
}

static float rnd_gauss(void)
{
    float s = 0.0f;
    for (int i = 0; i < 4; i++)
        s += rnd_uniform();
    return (s - 2.0f) * 1.7320508f;
}

static const int k_wtypes[] = {
    QT_TYPE_F32,  QT_TYPE_F16,  QT_TYPE_BF16, QT_TYPE_Q4_0, QT_TYPE_Q4_1,
    QT_TYPE_Q5_0, QT_TYPE_Q5_1, QT_TYPE_Q8_0, QT_TYPE_Q2_K, QT_TYPE_Q3_K,
    QT_TYPE_Q4_K, QT_TYPE_Q5_K, QT_TYPE_Q6_K,
};
#define N_WTYPES ((int)(sizeof k_wtypes / sizeof k_wtypes[0]))

static const int k_acttypes[] = {QT_TYPE_F32,  QT_TYPE_F16,  QT_TYPE_BF16,
                                 QT_TYPE_Q8_0, QT_TYPE_Q8_1, QT_TYPE_Q8_K};

static size_t row_bytes(int t, int64_t n)
{
    size_t b = 0;
    assert_int_equal(qt_row_size(t, n, &b), 0);
    return b;
}

/* A sane random f16 scale: magnitude in [2^-10, 2^-3), random sign. */
static qt_f16 rnd_scale(bool allow_negative)
{
    float v = ldexpf(1.0f + rnd_uniform(), -10 + (int)(rnd_u64() % 7));
    if (allow_negative && (rnd_u64() & 1))
        v = -v;
    return qt_float_to_half(v);
}

/* Random block bytes make every quant pattern appear (Q8_0 -128, negative
 * Q6_K scales, all 6-bit scale/min codes); the float scales are then set to
 * finite values so that the dot product is a number. */
static void fix_scales(int t, uint8_t *row, int64_t nblk)
{
    const size_t ts = qt_get_traits(t)->type_size;
    for (int64_t i = 0; i < nblk; i++) {
        uint8_t *b = row + (size_t)i * ts;
        qt_f16 d = rnd_scale(true), m = rnd_scale(true);
        switch (t) {
        case QT_TYPE_Q4_0: memcpy(&((struct qt_block_q4_0 *)b)->d, &d, 2); break;
        case QT_TYPE_Q5_0: memcpy(&((struct qt_block_q5_0 *)b)->d, &d, 2); break;
        case QT_TYPE_Q8_0: memcpy(&((struct qt_block_q8_0 *)b)->d, &d, 2); break;
        case QT_TYPE_Q4_1:
            memcpy(&((struct qt_block_q4_1 *)b)->d, &d, 2);
            memcpy(&((struct qt_block_q4_1 *)b)->m, &m, 2);
            break;
        case QT_TYPE_Q5_1:
            memcpy(&((struct qt_block_q5_1 *)b)->d, &d, 2);
            memcpy(&((struct qt_block_q5_1 *)b)->m, &m, 2);
            break;
        case QT_TYPE_Q2_K:
            memcpy(&((struct qt_block_q2_K *)b)->d, &d, 2);
            memcpy(&((struct qt_block_q2_K *)b)->dmin, &m, 2);
            break;
        case QT_TYPE_Q3_K: memcpy(&((struct qt_block_q3_K *)b)->d, &d, 2); break;
        case QT_TYPE_Q4_K:
            memcpy(&((struct qt_block_q4_K *)b)->d, &d, 2);
            memcpy(&((struct qt_block_q4_K *)b)->dmin, &m, 2);
            break;
        case QT_TYPE_Q5_K:
            memcpy(&((struct qt_block_q5_K *)b)->d, &d, 2);
            memcpy(&((struct qt_block_q5_K *)b)->dmin, &m, 2);
            break;
        case QT_TYPE_Q6_K: memcpy(&((struct qt_block_q6_K *)b)->d, &d, 2); break;
        default: fail_msg("fix_scales: type %d", t);
        }
    }
}

/* Set every quant of a row to 0, keeping scales and mins: its dequantized
 * value is then the constant each element's quant is offset by (c_i). */
static bool zero_quants(int t, uint8_t *row, int64_t nblk)
{
    const size_t ts = qt_get_traits(t)->type_size;
    for (int64_t i = 0; i < nblk; i++) {
        uint8_t *b = row + (size_t)i * ts;
        switch (t) {
        case QT_TYPE_Q4_1: memset(((struct qt_block_q4_1 *)b)->qs, 0, QK4_1 / 2); break;
        case QT_TYPE_Q5_1:
            memset(((struct qt_block_q5_1 *)b)->qs, 0, QK5_1 / 2);
            memset(((struct qt_block_q5_1 *)b)->qh, 0, 4);
            break;
        case QT_TYPE_Q2_K: memset(((struct qt_block_q2_K *)b)->qs, 0, QK_K / 4); break;
        case QT_TYPE_Q4_K: memset(((struct qt_block_q4_K *)b)->qs, 0, QK_K / 2); break;
        case QT_TYPE_Q5_K:
            memset(((struct qt_block_q5_K *)b)->qs, 0, QK_K / 2);
            memset(((struct qt_block_q5_K *)b)->qh, 0, QK_K / 8);
            break;
        default: return false; /* symmetric: the kernels use the centred quant */
        }
    }
    return true;
}

/* Fill x with n floats of a given shape: 0 gaussian with a mean (mins matter),
 * 1 gaussian with the magnitude changing from block to block, 2 heavy tails. */
static void fill_floats(float *x, int64_t n, int shape)
{
    float mag = 1.0f;
    for (int64_t i = 0; i < n; i++) {
        if (shape == 1 && i % 32 == 0)
            mag = ldexpf(1.0f, (int)(rnd_u64() % 12) - 6);
        float g = rnd_gauss();
        if (shape == 0)
            x[i] = 0.3f + g;
        else if (shape == 1)
            x[i] = g * mag;
        else
            x[i] = (rnd_u64() % 64 == 0) ? 40.0f * g : 0.05f * g;
    }
}

/* A weight row of type t: kind 0 = reference quantization of floats,
 * kind 1 = random bytes with sane scales (quantized types only). */
static void make_weight(int t, int64_t n, int kind, uint8_t *dst)
{
    const struct qt_traits *tr = qt_get_traits(t);
    if (kind == 1) {
        size_t nb = row_bytes(t, n);
        for (size_t i = 0; i < nb; i++)
            dst[i] = (uint8_t)rnd_u64();
        fix_scales(t, dst, n / tr->blck_size);
        return;
    }
    float *x = malloc(sizeof(float) * (size_t)n);
    fill_floats(x, n, (int)(rnd_u64() % 3));
    tr->from_float(x, dst, n);
    free(x);
}

struct ref {
    double dot;   /* float64 dot of the dequantized rows */
    double bound; /* allowed |s - dot| */
};

static struct ref reference(int t, const uint8_t *w, const uint8_t *a, int64_t n)
{
    const int vt = kern_vec_dot_type(t);
    const struct qt_traits *tw = qt_get_traits(t), *ta = qt_get_traits(vt);
    const int64_t nblk = n / tw->blck_size;
    float *wf = malloc(sizeof(float) * (size_t)n), *af = malloc(sizeof(float) * (size_t)n);
    float *cf = calloc((size_t)n, sizeof(float));
    size_t wb = row_bytes(t, n);
    uint8_t *z = malloc(wb);
    tw->to_float(w, wf, n);
    ta->to_float(a, af, n);
    memcpy(z, w, wb);
    if (zero_quants(t, z, nblk))
        tw->to_float(z, cf, n);
    double dot = 0.0, mag = 0.0, e1 = 0.0;
    for (int64_t i = 0; i < n; i++) {
        dot += (double)wf[i] * (double)af[i];
        mag += (fabs((double)wf[i]) + 2.0 * fabs((double)cf[i])) * fabs((double)af[i]);
    }
    if (vt == QT_TYPE_Q8_1) {
        const struct qt_block_q8_1 *yb = (const void *)a;
        for (int64_t i = 0; i < nblk; i++) {
            qt_f16 mh;
            memcpy(&mh, w + (size_t)i * tw->type_size + 2, 2); /* m follows d in Q4_1/Q5_1 */
            double sum = 0.0;
            for (int j = 0; j < QK8_1; j++)
                sum += yb[i].qs[j];
            double exact = (double)qt_half_to_float(yb[i].d) * sum;
            e1 += fabs((double)qt_half_to_float(mh)) *
                  fabs((double)qt_half_to_float(yb[i].s) - exact);
        }
    }
    free(wf);
    free(af);
    free(cf);
    free(z);
    struct ref r = {dot, (double)(nblk + 10) * ldexp(1.0, -23) * mag + 1.01 * e1 + 1e-30};
    return r;
}

/* Sizes to try for type t: one block, a few, many (odd counts). */
static int sizes_for(int t, int64_t out[4])
{
    const int64_t b = qt_get_traits(t)->blck_size;
    if (b == 1) {
        out[0] = 1, out[1] = 7, out[2] = 33, out[3] = 2053;
        return 4;
    }
    out[0] = b, out[1] = 3 * b, out[2] = (b == QK_K ? 11 : 67) * b;
    return 3;
}

/* ------------------------------------------------------------ pairing */

static void test_pairing(void **state)
{
    (void)state;
    for (int i = 0; i < N_WTYPES; i++) {
        assert_true(kern_can_matmul(k_wtypes[i]));
        assert_true(kern_vec_dot_type(k_wtypes[i]) >= 0);
    }
    assert_int_equal(kern_vec_dot_type(QT_TYPE_Q4_0), QT_TYPE_Q8_0);
    assert_int_equal(kern_vec_dot_type(QT_TYPE_Q5_0), QT_TYPE_Q8_0);
    assert_int_equal(kern_vec_dot_type(QT_TYPE_Q8_0), QT_TYPE_Q8_0);
    assert_int_equal(kern_vec_dot_type(QT_TYPE_Q4_1), QT_TYPE_Q8_1);
    assert_int_equal(kern_vec_dot_type(QT_TYPE_Q5_1), QT_TYPE_Q8_1);
    assert_int_equal(kern_vec_dot_type(QT_TYPE_Q2_K), QT_TYPE_Q8_K);
    assert_int_equal(kern_vec_dot_type(QT_TYPE_Q6_K), QT_TYPE_Q8_K);
    assert_int_equal(kern_vec_dot_type(QT_TYPE_F16), QT_TYPE_F16);
    assert_int_equal(kern_vec_dot_type(QT_TYPE_BF16), QT_TYPE_BF16);
    assert_int_equal(kern_vec_dot_type(QT_TYPE_F32), QT_TYPE_F32);
    const int no[] = {QT_TYPE_Q8_1, QT_TYPE_Q8_K, QT_TYPE_IQ2_XXS, QT_TYPE_IQ4_NL, QT_TYPE_I8,
                      QT_TYPE_F64,  QT_TYPE_TQ1_0, QT_TYPE_MXFP4, 4, -1, QT_TYPE_COUNT, 1000};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        assert_false(kern_can_matmul(no[i]));
        assert_int_equal(kern_vec_dot_type(no[i]), -1);
    }
}

static void test_table_choice(void **state)
{
    (void)state;
    const struct kern_table *avx2 = kern_avx2();
    setenv("COLA_KERNELS", "scalar", 1);
    assert_ptr_equal(kern_best(), kern_scalar());
    setenv("COLA_KERNELS", "avx2", 1);
    assert_ptr_equal(kern_best(), avx2 ? avx2 : kern_scalar());
    unsetenv("COLA_KERNELS");
    assert_ptr_equal(kern_best(), avx2 ? avx2 : kern_scalar());
    assert_string_equal(kern_scalar()->name, "scalar");
    if (avx2) {
        assert_string_equal(avx2->name, "avx2");
        /* the AVX2 table covers everything the scalar one does */
        for (int t = 0; t < QT_TYPE_COUNT; t++) {
            assert_int_equal(avx2->vec_dot[t] != NULL, kern_scalar()->vec_dot[t] != NULL);
            assert_int_equal(avx2->quantize[t] != NULL, kern_scalar()->quantize[t] != NULL);
        }
    }
}

/* ------------------------------------------------------------ vec_dot */

/* One vec_dot check of table k (and against table base when given). */
static void check_one_dot(const struct kern_table *k, const struct kern_table *base, int t,
                          int64_t n, int kind, size_t wmis, size_t amis)
{
    const int vt = kern_vec_dot_type(t);
    const size_t wb = row_bytes(t, n), ab = row_bytes(vt, n);
    uint8_t *wbuf = malloc(wb + 8), *abuf = malloc(ab + 8);
    float *x = malloc(sizeof(float) * (size_t)n);
    uint8_t *w = wbuf + wmis, *a = abuf + amis;
    make_weight(t, n, kind, w);
    fill_floats(x, n, (int)(rnd_u64() % 3));
    k->quantize[vt](x, a, n);
    float s = NAN;
    k->vec_dot[t](n, &s, w, a);
    struct ref r = reference(t, w, a, n);
    double err = fabs((double)s - r.dot);
    if (!(err <= r.bound))
        fail_msg("%s vec_dot %s n=%lld kind=%d: got %.9g, float64 %.9g, |err| %.3g > bound %.3g",
                 k->name, qt_type_name(t), (long long)n, kind, (double)s, r.dot, err, r.bound);
    if (base) {
        float sb = NAN;
        base->vec_dot[t](n, &sb, w, a);
        double d = fabs((double)s - (double)sb);
        if (!(d <= r.bound))
            fail_msg("%s vs %s vec_dot %s n=%lld: %.9g vs %.9g, diff %.3g > %.3g", k->name,
                     base->name, qt_type_name(t), (long long)n, (double)s, (double)sb, d,
                     r.bound);
    }
    free(wbuf);
    free(abuf);
    free(x);
}

/* Offsets of activation rows from an aligned address: any for the packed
 * formats, multiples of 4 for Q8_K (its struct keeps natural alignment, and
 * the engine's activation buffers are 64-byte aligned). */
static size_t act_misalign(int wtype, int rep)
{
    return kern_vec_dot_type(wtype) == QT_TYPE_Q8_K ? (size_t)(4 * (rep & 1))
                                                    : (size_t)(rep * 3 % 8);
}

static void check_vec_dots(const struct kern_table *k, const struct kern_table *base)
{
    for (int i = 0; i < N_WTYPES; i++) {
        const int t = k_wtypes[i];
        assert_non_null(k->vec_dot[t]);
        int64_t sizes[4];
        int ns = sizes_for(t, sizes);
        const int kinds = qt_get_traits(t)->is_quantized ? 2 : 1;
        for (int si = 0; si < ns; si++)
            for (int kind = 0; kind < kinds; kind++)
                for (int rep = 0; rep < 4; rep++)
                    check_one_dot(k, base, t, sizes[si], kind, (size_t)rep, act_misalign(t, rep));
    }
}

static void test_vec_dot_scalar(void **state)
{
    (void)state;
    check_vec_dots(kern_scalar(), NULL);
}

static const struct kern_table *avx2_or_skip(void)
{
    const struct kern_table *k = kern_avx2();
    if (!k)
        printf("SKIP: this CPU (or build) has no AVX2+FMA+F16C; the AVX2 table is not tested\n");
    return k;
}

static void test_vec_dot_avx2(void **state)
{
    (void)state;
    const struct kern_table *k = avx2_or_skip();
    if (!k) {
        skip();
        return;
    }
    check_vec_dots(k, kern_scalar());
}

/* A hand-computed case per family, so the bound above is not the only check:
 * Q8_0 x Q8_0 with d = 1 is an exact integer dot product. */
static void test_vec_dot_exact_small(void **state)
{
    (void)state;
    const struct kern_table *tabs[2] = {kern_scalar(), kern_avx2()};
    struct qt_block_q8_0 w[2], a[2];
    int64_t want = 0;
    for (int i = 0; i < 2; i++) {
        w[i].d = a[i].d = qt_float_to_half(1.0f);
        for (int j = 0; j < QK8_0; j++) {
            w[i].qs[j] = (int8_t)(j * 7 - 100 + i);
            a[i].qs[j] = (int8_t)(50 - j * 3 - i);
            want += (int64_t)w[i].qs[j] * a[i].qs[j];
        }
    }
    for (int k = 0; k < 2; k++) {
        if (!tabs[k])
            continue;
        float s = 0.0f;
        tabs[k]->vec_dot[QT_TYPE_Q8_0](2 * QK8_0, &s, w, a);
        assert_true(s == (float)want);
    }
}

/* ------------------------------------------------------------ tiles */

static void check_tiles(const struct kern_table *k)
{
    for (int i = 0; i < N_WTYPES; i++) {
        const int t = k_wtypes[i], vt = kern_vec_dot_type(t);
        if (!k->tile[KERN_FORM_VEC_DOT][t])
            continue;
        int64_t sizes[4];
        int ns = sizes_for(t, sizes);
        for (int si = 0; si < ns; si++) {
            const int64_t n = sizes[si];
            const size_t wb = row_bytes(t, n), ab = row_bytes(vt, n);
            /* odd strides and addresses, except for Q8_K (4-byte aligned) */
            const size_t wstride = wb + 1, amis = act_misalign(t, 1);
            const size_t astride = ab + (amis ? amis : 3);
            uint8_t *W = malloc(wstride * KERN_TILE_MAX + 1), *A = malloc(astride * KERN_TILE_MAX + 4);
            float *x = malloc(sizeof(float) * (size_t)n);
            for (int r = 0; r < KERN_TILE_MAX; r++) {
                make_weight(t, n, qt_get_traits(t)->is_quantized ? r & 1 : 0, W + 1 + r * wstride);
                fill_floats(x, n, r % 3);
                k->quantize[vt](x, A + amis + r * astride, n);
            }
            for (int na = 1; na <= KERN_TILE_MAX; na++) {
                for (int nb = 1; nb <= KERN_TILE_MAX; nb++) {
                    float s[KERN_TILE_MAX * 5];
                    for (int q = 0; q < KERN_TILE_MAX * 5; q++)
                        s[q] = -12345.0f;
                    k->tile[KERN_FORM_VEC_DOT][t](n, s, 5, W + 1, wstride, na, A + amis, astride, nb);
                    for (int j = 0; j < KERN_TILE_MAX; j++) {
                        for (int r = 0; r < 5; r++) {
                            float got = s[j * 5 + r];
                            if (j >= nb || r >= na) {
                                assert_true(got == -12345.0f); /* nothing outside the tile */
                                continue;
                            }
                            float want;
                            k->vec_dot[t](n, &want, W + 1 + r * wstride, A + amis + j * astride);
                            if (memcmp(&got, &want, sizeof got) != 0)
                                fail_msg("%s tile %s n=%lld %dx%d [%d,%d]: %.9g != vec_dot %.9g",
                                         k->name, qt_type_name(t), (long long)n, na, nb, r, j,
                                         (double)got, (double)want);
                        }
                    }
                }
            }
            free(W);
            free(A);
            free(x);
        }
    }
}

static void test_tiles(void **state)
{
    (void)state;
    check_tiles(kern_scalar());
    const struct kern_table *k = avx2_or_skip();
    if (k)
        check_tiles(k);
}

/* ------------------------------------------------------------ quantizers */

/* Inputs that pin rounding: ties at .5 after scaling (roundf rounds them
 * away from zero, Q8_K's rounding to even), +max and -max in one block (the
 * first one gives Q8_K its sign), zero blocks, tiny and huge values. */
static void fill_quant_case(float *x, int64_t n, int pattern)
{
    for (int64_t i = 0; i < n; i++) {
        switch (pattern) {
        case 0: x[i] = rnd_gauss(); break;
        case 1: x[i] = (i % 32 == 0) ? 127.0f : (float)((int)(rnd_u64() % 254) - 127) + 0.5f; break;
        case 2: x[i] = (i % 256 == 3) ? -9.0f : (i % 256 == 7) ? 9.0f : rnd_gauss(); break;
        case 3: x[i] = (i / 32) % 2 ? 0.0f : rnd_gauss() * 1e-3f; break;
        case 4: x[i] = rnd_gauss() * ldexpf(1.0f, (int)(rnd_u64() % 60) - 30); break;
        default: x[i] = (float)((int)(rnd_u64() % 255) - 127) * 0.25f; break;
        }
    }
}

static void check_quantizers(const struct kern_table *k)
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
                float *xs = x + (pattern & 1); /* odd float offsets too */
                fill_quant_case(xs, n, pattern);
                tr->from_float(xs, want, n);
                const size_t o = vt == QT_TYPE_Q8_K ? 4 : 3; /* Q8_K: aligned rows */
                memset(got, 0xa5, nbytes + 8);
                k->quantize[vt](xs, got + o, n);
                if (memcmp(want, got + o, nbytes) != 0) {
                    size_t at = 0;
                    while (want[at] == got[o + at])
                        at++;
                    fail_msg("%s quantize %s n=%lld pattern %d: byte %zu differs (%02x vs %02x)",
                             k->name, tr->name, (long long)n, pattern, at, got[o + at], want[at]);
                }
                assert_int_equal(got[o + nbytes], 0xa5); /* wrote nothing past the row */
                assert_int_equal(got[o - 1], 0xa5);
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
    check_quantizers(kern_scalar());
}

static void test_quantize_avx2(void **state)
{
    (void)state;
    const struct kern_table *k = avx2_or_skip();
    if (!k) {
        skip();
        return;
    }
    check_quantizers(k);
}

/* ------------------------------------------------------------ attention helpers */

static void check_f16_helpers(const struct kern_table *k)
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
    /* f32 -> f16: edges (overflow, ties, subnormals, inf) and random values */
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
    /* dot_f16_f32 and axpy_f16 against float64 */
    const int lens[] = {1, 7, 8, 15, 64, 100, 128, 1000};
    float *y = malloc(sizeof(float) * 1000), *y0 = malloc(sizeof(float) * 1000);
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        const int len = lens[li];
        for (int i = 0; i < len; i++) {
            h[i] = qt_float_to_half(rnd_gauss());
            f[i] = rnd_gauss();
            y[i] = y0[i] = rnd_gauss();
        }
        double dot = 0.0, mag = 0.0;
        for (int i = 0; i < len; i++) {
            dot += (double)qt_half_to_float(h[i]) * f[i];
            mag += fabs((double)qt_half_to_float(h[i]) * f[i]);
        }
        double got = k->dot_f16_f32(len, h, f);
        assert_true(fabs(got - dot) <= (len + 10) * ldexp(1.0, -23) * mag);
        const float alpha = rnd_gauss();
        k->axpy_f16(len, alpha, h, y);
        for (int i = 0; i < len; i++) {
            double ax = (double)alpha * qt_half_to_float(h[i]);
            double want = (double)y0[i] + ax;
            assert_true(fabs(y[i] - want) <= ldexp(1.0, -23) * (fabs(y0[i]) + fabs(ax)));
        }
    }
    free(h);
    free(f);
    free(src);
    free(dst);
    free(y);
    free(y0);
}

static void test_f16_helpers(void **state)
{
    (void)state;
    check_f16_helpers(kern_scalar());
    const struct kern_table *k = avx2_or_skip();
    if (k)
        check_f16_helpers(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairing),
        cmocka_unit_test(test_table_choice),
        cmocka_unit_test(test_vec_dot_exact_small),
        cmocka_unit_test(test_vec_dot_scalar),
        cmocka_unit_test(test_vec_dot_avx2),
        cmocka_unit_test(test_tiles),
        cmocka_unit_test(test_quantize_scalar),
        cmocka_unit_test(test_quantize_avx2),
        cmocka_unit_test(test_f16_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
