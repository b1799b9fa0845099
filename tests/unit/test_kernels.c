/* Unit tests for the kernel tables (src/engine/kernels*.c): the products.
 *
 * Every form of every type (kernels.h: VEC_DOT, BLAS, REPACK, REPACK_X4) in
 * the scalar table is compared with a float64 dot product of the dequantized
 * weight row (the quant module's to_float) and the dequantized activation
 * row. The bound follows from how the forms compute: exact integer sums per
 * block (or per lane), then a few float roundings per block and one float
 * addition per block (or per element for F32/F16/BF16) into an accumulator,
 * so with u = 2^-24
 *
 *   |s - ref| <= (nb + 10) * 2u * M  +  E1
 *
 * where nb is the number of blocks (elements for float rows) and M the sum
 * of the magnitudes of the terms the form adds: |w_i| |a_i|, plus 2 |c_i|
 * |a_i| for the formats whose offset the kernels multiply separately (the
 * mins of Q4_1/Q5_1/Q2_K/Q4_K/Q5_K and Q6_K's -32; c_i = the value of a zero
 * quant). E1 is the format's own error for Q4_1/Q5_1: their Q8_1
 * activations carry s = d * sum(q) rounded to f16, which the kernels use in
 * place of the exact sum; E1 = sum over blocks of |m| * |f16(s) - d*sum(q)|.
 *
 * The AVX2 table (when the CPU has it; the test says when it skips) must
 * give the scalar table's bits for every entry, and every tile of every form
 * and table must give exactly the form computed pair by pair. Rows are
 * placed at odd addresses (blocks are packed) and sizes go from one block to
 * many. Quantizers and vector helpers: test_kernels_vec.c.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kernels.h"
#include "engine/quant_internal.h"
#include "kern_testutil.h"

/* ------------------------------------------------------------ helpers */

static const int k_wtypes[] = {
    QT_TYPE_F32,  QT_TYPE_F16,  QT_TYPE_BF16, QT_TYPE_Q4_0, QT_TYPE_Q4_1,
    QT_TYPE_Q5_0, QT_TYPE_Q5_1, QT_TYPE_Q8_0, QT_TYPE_Q2_K, QT_TYPE_Q3_K,
    QT_TYPE_Q4_K, QT_TYPE_Q5_K, QT_TYPE_Q6_K,
};
#define N_WTYPES ((int)(sizeof k_wtypes / sizeof k_wtypes[0]))

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
 * value is then the constant each element's quant is offset by (c_i), for
 * the formats whose kernels multiply that offset separately. */
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
        case QT_TYPE_Q6_K: /* ggml's Q6_K lanes carry q + 32 and take the 32 off later */
            memset(((struct qt_block_q6_K *)b)->ql, 0, QK_K / 2);
            memset(((struct qt_block_q6_K *)b)->qh, 0, QK_K / 4);
            break;
        default: return false; /* the kernels' lanes hold partial sums of the true products */
        }
    }
    return true;
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
static int sizes_for(int t, int64_t out[8])
{
    const int64_t b = qt_get_traits(t)->blck_size;
    if (b == 1) { /* every tail of the 32-element steps: 8s, a 4, 0..3 */
        static const int64_t fs[] = {1, 7, 33, 44, 63, 64, 96, 2053};
        for (int i = 0; i < 8; i++)
            out[i] = fs[i];
        return 8;
    }
    out[0] = b, out[1] = 3 * b, out[2] = (b == QK_K ? 11 : 67) * b;
    return 3;
}

/* The forms a type has in the scalar table. */
static bool has_form(int f, int t)
{
    return kern_scalar()->tile[f][t] != NULL;
}

/* One output alone in form f. */
static float form_dot(const struct kern_table *k, int f, int t, int64_t n, const uint8_t *w,
                      const uint8_t *a)
{
    float s = NAN;
    k->tile[f][t](n, &s, 1, w, 0, 1, a, 0, 1);
    return s;
}

static const char *form_name(int f)
{
    static const char *names[] = {"vec_dot", "blas", "repack", "repack_x4"};
    return names[f];
}

/* Offsets of activation rows from an aligned address: any for the packed
 * formats, multiples of 4 for Q8_K (its struct keeps natural alignment, and
 * the engine's activation buffers are 64-byte aligned). */
static size_t act_misalign(int wtype, int rep)
{
    return kern_vec_dot_type(wtype) == QT_TYPE_Q8_K ? (size_t)(4 * (rep & 1))
                                                    : (size_t)(rep * 3 % 8);
}

/* One weight row and one activation row: every form of the scalar table
 * within the float64 bound, vec_dot equal to the VEC_DOT tile, and (with
 * avx2) every AVX2 entry equal to the scalar one bit for bit. */
static void check_one_pair(const struct kern_table *avx2, int t, int64_t n, int kind, size_t wmis,
                           size_t amis)
{
    const struct kern_table *sc = kern_scalar();
    const int vt = kern_vec_dot_type(t);
    const size_t wb = row_bytes(t, n), ab = row_bytes(vt, n);
    uint8_t *wbuf = malloc(wb + 8), *abuf = malloc(ab + 8);
    float *x = malloc(sizeof(float) * (size_t)n);
    uint8_t *w = wbuf + wmis, *a = abuf + amis;
    make_weight(t, n, kind, w);
    fill_floats(x, n, (int)(rnd_u64() % 3));
    (rnd_u64() & 1 && sc->quantize_x4[vt] ? sc->quantize_x4[vt] : sc->quantize[vt])(x, a, n);
    const struct ref r = reference(t, w, a, n);
    float vd = NAN;
    sc->vec_dot[t](n, &vd, w, a);
    for (int f = 0; f < KERN_FORM_COUNT; f++) {
        if (!has_form(f, t))
            continue;
        const float s = form_dot(sc, f, t, n, w, a);
        const double err = fabs((double)s - r.dot);
        if (!(err <= r.bound))
            fail_msg("scalar %s %s n=%lld kind=%d: got %.9g, float64 %.9g, |err| %.3g > %.3g",
                     form_name(f), qt_type_name(t), (long long)n, kind, (double)s, r.dot, err,
                     r.bound);
        if (f == KERN_FORM_VEC_DOT)
            assert_memory_equal(&s, &vd, sizeof s);
        if (!avx2)
            continue;
        const float sa = form_dot(avx2, f, t, n, w, a);
        if (memcmp(&s, &sa, sizeof s) != 0)
            fail_msg("avx2 %s %s n=%lld kind=%d: %.9g, scalar %.9g", form_name(f), qt_type_name(t),
                     (long long)n, kind, (double)sa, (double)s);
        if (f == KERN_FORM_VEC_DOT) {
            float va = NAN;
            avx2->vec_dot[t](n, &va, w, a);
            assert_memory_equal(&va, &vd, sizeof va);
        }
    }
    free(wbuf);
    free(abuf);
    free(x);
}

static void check_pairs(const struct kern_table *avx2)
{
    for (int i = 0; i < N_WTYPES; i++) {
        const int t = k_wtypes[i];
        int64_t sizes[8];
        const int ns = sizes_for(t, sizes);
        const int kinds = qt_get_traits(t)->is_quantized ? 2 : 1;
        for (int si = 0; si < ns; si++)
            for (int kind = 0; kind < kinds; kind++)
                for (int rep = 0; rep < 4; rep++)
                    check_one_pair(avx2, t, sizes[si], kind, (size_t)rep, act_misalign(t, rep));
    }
}

static const struct kern_table *avx2_or_skip(void)
{
    const struct kern_table *k = kern_avx2();
    if (!k)
        printf("SKIP: this CPU (or build) has no AVX2+FMA+F16C; the AVX2 table is not tested\n");
    return k;
}

static void test_forms_scalar(void **state)
{
    (void)state;
    check_pairs(NULL);
}

static void test_forms_avx2(void **state)
{
    (void)state;
    const struct kern_table *k = avx2_or_skip();
    if (!k) {
        skip();
        return;
    }
    check_pairs(k);
}

/* A hand-computed case, so the bound above is not the only check: Q8_0 x
 * Q8_0 with d = 1 is an exact integer dot product in every form. */
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

/* The forms are different operation sequences: on random rows each pair of
 * forms of a type disagrees in the last bits somewhere (so a table that
 * computed one form for another would fail the exact comparisons). */
static void test_forms_differ(void **state)
{
    (void)state;
    const struct kern_table *k = kern_scalar();
    static const struct {
        int t, f1, f2;
        int64_t n;
    } cases[] = {
        {QT_TYPE_Q4_0, KERN_FORM_VEC_DOT, KERN_FORM_REPACK, 2048},
        {QT_TYPE_Q4_K, KERN_FORM_VEC_DOT, KERN_FORM_REPACK, 2048},
        {QT_TYPE_Q4_K, KERN_FORM_REPACK, KERN_FORM_REPACK_X4, 2048},
        {QT_TYPE_F16, KERN_FORM_VEC_DOT, KERN_FORM_BLAS, 2048},
        {QT_TYPE_F32, KERN_FORM_VEC_DOT, KERN_FORM_BLAS, 2048},
        {QT_TYPE_BF16, KERN_FORM_VEC_DOT, KERN_FORM_BLAS, 2048},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const int t = cases[c].t, vt = kern_vec_dot_type(t);
        const int64_t n = cases[c].n;
        uint8_t *w = malloc(row_bytes(t, n)), *a = malloc(row_bytes(vt, n));
        float *x = malloc(sizeof(float) * (size_t)n);
        int differ = 0;
        for (int rep = 0; rep < 32; rep++) {
            make_weight(t, n, 0, w);
            fill_floats(x, n, 1);
            k->quantize[vt](x, a, n);
            const float s1 = form_dot(k, cases[c].f1, t, n, w, a);
            const float s2 = form_dot(k, cases[c].f2, t, n, w, a);
            differ += memcmp(&s1, &s2, sizeof s1) != 0;
        }
        if (differ == 0)
            fail_msg("%s: %s and %s never differ", qt_type_name(t), form_name(cases[c].f1),
                     form_name(cases[c].f2));
        free(w);
        free(a);
        free(x);
    }
}

/* ------------------------------------------------------------ tiles */

#define TR KERN_TILE_ROWS
#define TC KERN_TILE_COLS
#define SS (TR + 1) /* output stride: one spare float per column */

static void check_tiles_form(const struct kern_table *k, int f, int t, int64_t n)
{
    const int vt = kern_vec_dot_type(t);
    const size_t wb = row_bytes(t, n), ab = row_bytes(vt, n);
    /* odd strides and addresses, except for Q8_K (4-byte aligned) */
    const size_t wstride = wb + 1, amis = act_misalign(t, 1);
    const size_t astride = ab + (amis ? amis : 3);
    uint8_t *W = malloc(wstride * TR + 1), *A = malloc(astride * TC + 8);
    float *x = malloc(sizeof(float) * (size_t)n);
    for (int r = 0; r < TR; r++)
        make_weight(t, n, qt_get_traits(t)->is_quantized ? r & 1 : 0, W + 1 + r * wstride);
    for (int j = 0; j < TC; j++) {
        fill_floats(x, n, j % 3);
        k->quantize[vt](x, A + amis + j * astride, n);
    }
    float want[TC][TR];
    for (int j = 0; j < TC; j++)
        for (int r = 0; r < TR; r++)
            want[j][r] = form_dot(k, f, t, n, W + 1 + r * wstride, A + amis + j * astride);
    for (int na = 1; na <= TR; na++) {
        for (int nb = 1; nb <= TC; nb++) {
            float s[TC * SS];
            for (int q = 0; q < TC * SS; q++)
                s[q] = -12345.0f;
            k->tile[f][t](n, s, SS, W + 1, wstride, na, A + amis, astride, nb);
            for (int j = 0; j < TC; j++) {
                for (int r = 0; r < SS; r++) {
                    const float got = s[j * SS + r];
                    if (j >= nb || r >= na) {
                        assert_true(got == -12345.0f); /* nothing outside the tile */
                        continue;
                    }
                    if (memcmp(&got, &want[j][r], sizeof got) != 0)
                        fail_msg("%s %s tile %s n=%lld %dx%d [%d,%d]: %.9g != alone %.9g",
                                 k->name, form_name(f), qt_type_name(t), (long long)n, na, nb, r,
                                 j, (double)got, (double)want[j][r]);
                }
            }
        }
    }
    free(W);
    free(A);
    free(x);
}

static void check_tiles(const struct kern_table *k)
{
    for (int i = 0; i < N_WTYPES; i++) {
        const int t = k_wtypes[i];
        int64_t sizes[8];
        const int ns = sizes_for(t, sizes);
        for (int f = 0; f < KERN_FORM_COUNT; f++) {
            if (!has_form(f, t))
                continue;
            for (int si = 0; si < ns; si++)
                if (sizes[si] <= 1024)
                    check_tiles_form(k, f, t, sizes[si]);
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

/* ------------------------------------------------------------ pairing, tables */

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
    /* the forms ggml has: BLAS for the float types, the repacked ones for
     * Q4_0 and Q4_K, VEC_DOT for all */
    for (int i = 0; i < N_WTYPES; i++) {
        const int t = k_wtypes[i];
        const bool flt = t == QT_TYPE_F32 || t == QT_TYPE_F16 || t == QT_TYPE_BF16;
        const bool rp = t == QT_TYPE_Q4_0 || t == QT_TYPE_Q4_K;
        assert_true(has_form(KERN_FORM_VEC_DOT, t));
        assert_int_equal(has_form(KERN_FORM_BLAS, t), flt);
        assert_int_equal(has_form(KERN_FORM_REPACK, t), rp);
        assert_int_equal(has_form(KERN_FORM_REPACK_X4, t), rp);
    }
}

static void test_table_choice(void **state)
{
    (void)state;
    const struct kern_table *avx2 = kern_avx2(), *sc = kern_scalar();
    setenv("COLA_KERNELS", "scalar", 1);
    assert_ptr_equal(kern_best(), sc);
    setenv("COLA_KERNELS", "avx2", 1);
    assert_ptr_equal(kern_best(), avx2 ? avx2 : sc);
    unsetenv("COLA_KERNELS");
    assert_ptr_equal(kern_best(), avx2 ? avx2 : sc);
    assert_string_equal(sc->name, "scalar");
    if (!avx2)
        return;
    /* the AVX2 table has exactly the scalar table's entries */
    assert_string_equal(avx2->name, "avx2");
    for (int t = 0; t < QT_TYPE_COUNT; t++) {
        assert_int_equal(avx2->vec_dot[t] != NULL, sc->vec_dot[t] != NULL);
        assert_int_equal(avx2->quantize[t] != NULL, sc->quantize[t] != NULL);
        assert_int_equal(avx2->quantize_x4[t] != NULL, sc->quantize_x4[t] != NULL);
        for (int f = 0; f < KERN_FORM_COUNT; f++)
            assert_int_equal(avx2->tile[f][t] != NULL, sc->tile[f][t] != NULL);
    }
    const void *const helpers[] = {avx2->dot_f16,   avx2->mad_f16,    avx2->scale_f16,
                                   avx2->axpy_f32,  avx2->scale_f32,  avx2->expsum_f32,
                                   avx2->swiglu,    avx2->f32_to_f16, avx2->f16_to_f32,
                                   avx2->dot_f16_f32, avx2->axpy_f16};
    for (size_t i = 0; i < sizeof helpers / sizeof helpers[0]; i++)
        assert_non_null(helpers[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairing),
        cmocka_unit_test(test_table_choice),
        cmocka_unit_test(test_vec_dot_exact_small),
        cmocka_unit_test(test_forms_differ),
        cmocka_unit_test(test_forms_scalar),
        cmocka_unit_test(test_forms_avx2),
        cmocka_unit_test(test_tiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
