/* Unit tests for the threaded products (src/engine/matmul.c).
 *
 * mm_quantize, mm_mul and mm_mul_swiglu run inside pool_run with 1..5
 * threads and T = 1, 2, 3, 17, 64 activation rows, and are compared with a
 * naive single-threaded loop that picks ggml's form itself (repacked Q4_0/
 * Q4_K when n_out % 8 == 0, with the gemm form and the 4-row quantizer for
 * the first T - T % 4 rows; tinyBLAS for float weights with T >= 2, n_out %
 * 4 == 0 and n_in % 8 == 0; vec_dot otherwise) and computes every output
 * alone with the table's tile of that form, then applies SwiGLU to whole
 * rows. Every form's tiles are bit-identical to the form alone (kernels.h),
 * so the comparison is exact: any output computed twice, skipped, written by
 * the wrong thread, or computed in the wrong form shows. Row counts are
 * multiples of 8 (repacked) and not (37), and every output row is followed
 * by padding that must stay untouched.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kernels.h"
#include "engine/matmul.h"
#include "engine/pool.h"

static uint64_t g_rs = 0x0123456789abcdefULL;

static float rnd_gauss(void)
{
    float s = 0.0f;
    for (int i = 0; i < 4; i++) {
        g_rs ^= g_rs << 13;
        g_rs ^= g_rs >> 7;
        g_rs ^= g_rs << 17;
        s += (float)(g_rs >> 40) * (1.0f / 16777216.0f);
    }
    return (s - 2.0f) * 1.7f;
}

#define PAD 5          /* floats of padding after every output row */
#define CANARY -777.0f

struct mm_case {
    struct pool *pool;
    const struct kern_table *k;
    struct eng_weight W, U;  /* U: the "up" matrix for swiglu (same type/shape) */
    const float *x;          /* (T, n_in) */
    uint8_t *xq;             /* (T, xq_stride) */
    size_t xq_stride;
    float *y;                /* (T, n_out + PAD) */
    int T;
    bool swiglu;
};

static void run_fn(void *arg, int ith, int nth)
{
    struct mm_case *c = arg;
    mm_quantize(c->k, &c->W, c->x, c->W.n_in, c->T, c->xq, c->xq_stride, ith, nth);
    pool_barrier(c->pool);
    if (c->swiglu)
        mm_mul_swiglu(c->k, &c->W, &c->U, c->xq, c->xq_stride, c->T, c->y, c->W.n_out + PAD, ith,
                      nth);
    else
        mm_mul(c->k, &c->W, c->xq, c->xq_stride, c->T, c->y, c->W.n_out + PAD, ith, nth);
}

static void *make_weights(int t, int64_t rows, int64_t cols, size_t *rb)
{
    assert_int_equal(qt_row_size(t, cols, rb), 0);
    uint8_t *w = malloc(*rb * (size_t)rows + 1);
    float *x = malloc(sizeof(float) * (size_t)cols);
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t i = 0; i < cols; i++)
            x[i] = rnd_gauss() + 0.1f;
        qt_get_traits(t)->from_float(x, w + 1 + (size_t)r * *rb, cols); /* odd address */
    }
    free(x);
    return w;
}

/* The form ggml takes, decided here independently of matmul.c. */
static enum kern_form naive_form(int t, int64_t rows, int64_t cols, int T, int tt)
{
    if ((t == QT_TYPE_Q4_0 || t == QT_TYPE_Q4_K) && rows % 8 == 0)
        return tt < T / 4 * 4 ? KERN_FORM_REPACK_X4 : KERN_FORM_REPACK;
    const bool flt = t == QT_TYPE_F32 || t == QT_TYPE_F16 || t == QT_TYPE_BF16;
    if (flt && T >= 2 && rows % 4 == 0 && cols % 8 == 0)
        return KERN_FORM_BLAS;
    return KERN_FORM_VEC_DOT;
}

/* One output alone in its form. */
static float naive_dot(const struct kern_table *k, enum kern_form f, const struct eng_weight *W,
                       int64_t o, const uint8_t *q)
{
    float s;
    k->tile[f][W->type](W->n_in, &s, 1, (const uint8_t *)W->data + (size_t)o * W->row_bytes,
                        W->row_bytes, 1, q, 0, 1);
    return s;
}

/* One configuration against the naive loop. */
static void check_case(const struct kern_table *k, int t, int64_t rows, int64_t cols, int T,
                       int nthreads, bool swiglu)
{
    const int vt = kern_vec_dot_type(t);
    size_t rb;
    uint8_t *wm = make_weights(t, rows, cols, &rb), *um = make_weights(t, rows, cols, &rb);
    const size_t ab = mm_act_row_bytes(t, cols);
    assert_true(ab > 0);
    struct mm_case c = {.k = k, .T = T, .swiglu = swiglu};
    c.W = (struct eng_weight){wm + 1, t, cols, rows, rb};
    c.U = (struct eng_weight){um + 1, t, cols, rows, rb};
    c.xq_stride = (ab + 16 + 63) / 64 * 64; /* padded, 64-byte aligned rows */
    float *x = malloc(sizeof(float) * (size_t)(T * cols));
    for (int64_t i = 0; i < T * cols; i++)
        x[i] = rnd_gauss();
    c.x = x;
    c.xq = aligned_alloc(64, c.xq_stride * (size_t)T);
    memset(c.xq, 0xcd, c.xq_stride * (size_t)T);
    const int64_t ys = rows + PAD;
    c.y = malloc(sizeof(float) * (size_t)(T * ys));
    for (int64_t i = 0; i < T * ys; i++)
        c.y[i] = CANARY;

    assert_int_equal(pool_new(nthreads, &c.pool), 0);
    pool_run(c.pool, run_fn, &c);
    pool_free(c.pool);

    /* naive: quantize each row, then every output alone in its form */
    uint8_t *q = malloc(ab);
    float *g = malloc(sizeof(float) * (size_t)rows), *u = malloc(sizeof(float) * (size_t)rows);
    for (int tt = 0; tt < T; tt++) {
        const enum kern_form f = naive_form(t, rows, cols, T, tt);
        if (f == KERN_FORM_REPACK_X4)
            k->quantize_x4[vt](x + tt * cols, q, cols);
        else
            k->quantize[vt](x + tt * cols, q, cols);
        if (memcmp(q, c.xq + (size_t)tt * c.xq_stride, ab) != 0)
            fail_msg("%s mm_quantize %s T=%d threads=%d: row %d differs", k->name,
                     qt_type_name(t), T, nthreads, tt);
        for (size_t b = ab; b < c.xq_stride; b++)
            assert_int_equal(c.xq[(size_t)tt * c.xq_stride + b], 0xcd);
        assert_int_equal(mm_form(&c.W, T, tt), f);
        for (int64_t o = 0; o < rows; o++) {
            g[o] = naive_dot(k, f, &c.W, o, q);
            if (swiglu)
                u[o] = naive_dot(k, f, &c.U, o, q);
        }
        if (swiglu) /* ggml applies the silu rule to the whole row */
            k->swiglu(rows, g, u, g);
        for (int64_t o = 0; o < rows; o++) {
            const float got = c.y[tt * ys + o];
            if (memcmp(&got, &g[o], sizeof got) != 0)
                fail_msg("%s %s %s rows=%lld cols=%lld T=%d threads=%d: y[%d][%lld] = %.9g, "
                         "naive %.9g",
                         k->name, swiglu ? "mm_mul_swiglu" : "mm_mul", qt_type_name(t),
                         (long long)rows, (long long)cols, T, nthreads, tt, (long long)o,
                         (double)got, (double)g[o]);
        }
        for (int p = 0; p < PAD; p++)
            assert_true(c.y[tt * ys + rows + p] == CANARY);
    }
    free(q);
    free(g);
    free(u);
    free(wm);
    free(um);
    free(x);
    free(c.xq);
    free(c.y);
}

/* The types and widths exercised: every type once at a small width, the hot
 * ones also at a width of several blocks. */
struct type_case {
    int t;
    int64_t cols;
};

static const struct type_case k_cases[] = {
    {QT_TYPE_Q4_0, 96},  {QT_TYPE_Q5_0, 64},  {QT_TYPE_Q8_0, 160}, {QT_TYPE_Q4_1, 64},
    {QT_TYPE_Q5_1, 64},  {QT_TYPE_Q2_K, 256}, {QT_TYPE_Q3_K, 256}, {QT_TYPE_Q4_K, 512},
    {QT_TYPE_Q5_K, 256}, {QT_TYPE_Q6_K, 512}, {QT_TYPE_F16, 72},   {QT_TYPE_BF16, 40},
    {QT_TYPE_F32, 19},   {QT_TYPE_F16, 45},
};

static void check_table(const struct kern_table *k)
{
    const int Ts[] = {1, 2, 3, 17, 64};
    for (size_t i = 0; i < sizeof k_cases / sizeof k_cases[0]; i++) {
        const int t = k_cases[i].t;
        for (int nth = 1; nth <= 5; nth++) {
            for (size_t ti = 0; ti < sizeof Ts / sizeof Ts[0]; ti++) {
                /* 37 rows: not a multiple of 8, the tile, the grain or nth;
                 * 40: a multiple of 8 (repacked Q4_0/Q4_K, tinyBLAS) */
                check_case(k, t, 37, k_cases[i].cols, Ts[ti], nth, false);
                check_case(k, t, 40, k_cases[i].cols, Ts[ti], nth, false);
                if (nth == 2 || nth == 5) {
                    check_case(k, t, 37, k_cases[i].cols, Ts[ti], nth, true);
                    check_case(k, t, 40, k_cases[i].cols, Ts[ti], nth, true);
                }
            }
        }
    }
    /* more rows than one thread's grain, a few activation rows */
    check_case(k, QT_TYPE_Q4_0, 304, 256, 5, 3, false);
    check_case(k, QT_TYPE_Q4_K, 136, 256, 7, 2, true);
    check_case(k, QT_TYPE_Q6_K, 130, 256, 2, 2, true);
    check_case(k, QT_TYPE_F16, 200, 128, 9, 4, true);
}

static void test_matmul_scalar(void **state)
{
    (void)state;
    check_table(kern_scalar());
}

static void test_matmul_avx2(void **state)
{
    (void)state;
    const struct kern_table *k = kern_avx2();
    if (!k) {
        printf("SKIP: this CPU (or build) has no AVX2+FMA+F16C; the AVX2 table is not tested\n");
        skip();
        return;
    }
    check_table(k);
}

/* Decode shapes with many more threads than rows of work. */
static void test_matmul_few_rows(void **state)
{
    (void)state;
    const struct kern_table *k = kern_best();
    check_case(k, QT_TYPE_Q8_0, 1, 64, 1, 4, false);
    check_case(k, QT_TYPE_Q4_K, 3, 256, 1, 5, true);
    check_case(k, QT_TYPE_Q4_K, 8, 256, 4, 5, true);
    check_case(k, QT_TYPE_F32, 2, 8, 2, 5, false);
}

/* The form table itself, and that the forms really differ (so choosing the
 * wrong one would show in the exact comparisons above). */
static void test_forms(void **state)
{
    (void)state;
    static const uint8_t dummy[1];
    struct eng_weight w = {dummy, QT_TYPE_Q4_K, 256, 16, 144};
    assert_int_equal(mm_form(&w, 1, 0), KERN_FORM_REPACK);
    assert_int_equal(mm_form(&w, 7, 3), KERN_FORM_REPACK_X4);
    assert_int_equal(mm_form(&w, 7, 4), KERN_FORM_REPACK);
    assert_int_equal(mm_form(&w, 3, 0), KERN_FORM_REPACK);
    w.n_out = 12;
    assert_int_equal(mm_form(&w, 8, 0), KERN_FORM_VEC_DOT);
    w = (struct eng_weight){dummy, QT_TYPE_F16, 64, 12, 128};
    assert_int_equal(mm_form(&w, 1, 0), KERN_FORM_VEC_DOT);
    assert_int_equal(mm_form(&w, 2, 1), KERN_FORM_BLAS);
    w.n_in = 60;
    assert_int_equal(mm_form(&w, 2, 1), KERN_FORM_VEC_DOT);
    w = (struct eng_weight){dummy, QT_TYPE_Q8_0, 64, 16, 68};
    assert_int_equal(mm_form(&w, 64, 0), KERN_FORM_VEC_DOT);

    const struct kern_table *k = kern_scalar();
    w = (struct eng_weight){dummy, QT_TYPE_Q4_K, 256, 8, 144};
    assert_ptr_equal(mm_row_quantizer(k, &w, 5, 0), k->quantize_x4[QT_TYPE_Q8_K]);
    assert_ptr_equal(mm_row_quantizer(k, &w, 5, 4), k->quantize[QT_TYPE_Q8_K]);

    /* the four forms of one product give four different answers somewhere */
    size_t rb;
    uint8_t *wq = make_weights(QT_TYPE_Q4_K, 64, 1024, &rb);
    float x[1024];
    _Alignas(4) uint8_t a[4 * 292]; /* 4 Q8_K blocks */
    int differ_vd = 0, differ_x4 = 0;
    for (int r = 0; r < 64; r++) {
        for (int i = 0; i < 1024; i++)
            x[i] = rnd_gauss();
        k->quantize[QT_TYPE_Q8_K](x, a, 1024);
        float s[3];
        for (int f = 0; f < 3; f++) {
            static const enum kern_form fs[3] = {KERN_FORM_VEC_DOT, KERN_FORM_REPACK,
                                                 KERN_FORM_REPACK_X4};
            k->tile[fs[f]][QT_TYPE_Q4_K](1024, &s[f], 1, wq + 1 + (size_t)r * rb, rb, 1, a, 0, 1);
        }
        differ_vd += s[0] != s[1];
        differ_x4 += s[1] != s[2];
    }
    assert_true(differ_vd > 0);
    assert_true(differ_x4 > 0);
    free(wq);
}

static void test_act_row_bytes(void **state)
{
    (void)state;
    assert_int_equal(mm_act_row_bytes(QT_TYPE_Q4_0, 4096), 4096 / 32 * 34);
    assert_int_equal(mm_act_row_bytes(QT_TYPE_Q5_1, 64), 2 * 36);
    assert_int_equal(mm_act_row_bytes(QT_TYPE_Q4_K, 2048), 8 * 292);
    assert_int_equal(mm_act_row_bytes(QT_TYPE_Q6_K, 256), 292);
    assert_int_equal(mm_act_row_bytes(QT_TYPE_F16, 100), 200);
    assert_int_equal(mm_act_row_bytes(QT_TYPE_BF16, 3), 6);
    assert_int_equal(mm_act_row_bytes(QT_TYPE_F32, 3), 12);
    assert_int_equal(mm_act_row_bytes(QT_TYPE_Q8_K, 256), 0);    /* not a weight type */
    assert_int_equal(mm_act_row_bytes(QT_TYPE_IQ2_XXS, 256), 0);
    assert_int_equal(mm_act_row_bytes(QT_TYPE_Q4_0, 33), 0);     /* not whole blocks */
}

static void test_can_fuse(void **state)
{
    (void)state;
    static const uint8_t dummy[1];
    struct eng_weight a = {dummy, QT_TYPE_Q4_K, 256, 10, 144};
    struct eng_weight b = a;
    assert_true(mm_can_fuse(&a, &b));
    b.type = QT_TYPE_Q6_K; /* same activation format, other forms and quantizer */
    assert_false(mm_can_fuse(&a, &b));
    b.type = QT_TYPE_Q8_0;
    assert_false(mm_can_fuse(&a, &b));
    b = a;
    b.n_out = 11;
    assert_false(mm_can_fuse(&a, &b));
    b = a;
    b.data = NULL;
    assert_false(mm_can_fuse(&a, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_act_row_bytes),
        cmocka_unit_test(test_can_fuse),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_matmul_few_rows),
        cmocka_unit_test(test_matmul_scalar),
        cmocka_unit_test(test_matmul_avx2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
