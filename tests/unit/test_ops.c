/* Row ops of the forward pass against float64 references on random inputs:
 * RMSNorm, softmax, SwiGLU, RoPE (both styles, with and without frequency
 * factors and linear scaling), one attention head over an f16 cache, and the
 * KV cache's context shift. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kv.h"
#include "engine/ops.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static double urand(void) /* [0, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static float frand(float lo, float hi) { return lo + (hi - lo) * (float)urand(); }

static void test_rmsnorm(void **state)
{
    (void)state;
    enum { N = 4096 };
    float *x = malloc(N * sizeof(float)), *w = malloc(N * sizeof(float)), *y = malloc(N * sizeof(float));
    for (int trial = 0; trial < 20; trial++) {
        float amp = trial < 10 ? 1.0f : 300.0f;
        int n = trial % 2 ? N : 896;
        for (int i = 0; i < n; i++) {
            x[i] = frand(-amp, amp);
            w[i] = frand(-2.0f, 2.0f);
        }
        const double eps = 1e-6;
        ops_rmsnorm(x, w, y, n, (float)eps);
        double ss = 0;
        for (int i = 0; i < n; i++)
            ss += (double)x[i] * x[i];
        double scale = 1.0 / sqrt(ss / n + eps);
        for (int i = 0; i < n; i++) {
            double want = (double)x[i] * scale * w[i];
            /* two float roundings of the product plus the scale's: a few ulps */
            assert_true(fabs(y[i] - want) <= 4e-7 * (fabs(want) + 1e-3));
        }
        /* in place, no weight */
        memcpy(y, x, (size_t)n * sizeof(float));
        ops_rmsnorm(y, NULL, y, n, (float)eps);
        for (int i = 0; i < n; i++)
            assert_true(fabs(y[i] - x[i] * scale) <= 3e-7 * (fabs(x[i] * scale) + 1e-3));
    }
    free(x);
    free(w);
    free(y);
}

static void test_softmax_swiglu(void **state)
{
    (void)state;
    enum { N = 3000 };
    float x[N], g[N], u[N], h[N];
    for (int trial = 0; trial < 10; trial++) {
        int n = 1 + trial * 333;
        double max = -1e300, sum = 0;
        for (int i = 0; i < n; i++) {
            x[i] = frand(-30.0f, 30.0f);
            if (x[i] > max)
                max = x[i];
        }
        double ref[N];
        for (int i = 0; i < n; i++)
            sum += exp((double)x[i] - max);
        for (int i = 0; i < n; i++)
            ref[i] = exp((double)x[i] - max) / sum;
        ops_softmax(x, n);
        double total = 0;
        for (int i = 0; i < n; i++) {
            assert_true(fabs(x[i] - ref[i]) <= 1e-6 * ref[i] + 1e-12);
            total += x[i];
        }
        assert_true(fabs(total - 1.0) < 1e-5);
    }
    for (int i = 0; i < N; i++) {
        g[i] = frand(-20.0f, 20.0f);
        u[i] = frand(-3.0f, 3.0f);
    }
    ops_swiglu(g, u, h, N);
    for (int i = 0; i < N; i++) {
        double want = (double)g[i] / (1.0 + exp(-(double)g[i])) * u[i];
        assert_true(fabs(h[i] - want) <= 1e-6 * fabs(want) + 1e-7);
    }
}

/* float64 RoPE: angle_i = pos * freq_scale * base^(-2i/n_rot) / ff_i */
static void rope_ref(enum rope_style style, int n_rot, double base, double fscale,
                     const float *ff, double pos, const float *x, double *y, int n_head, int hd)
{
    for (int h = 0; h < n_head; h++) {
        const float *v = x + h * hd;
        double *o = y + h * hd;
        for (int i = 0; i < hd; i++)
            o[i] = v[i];
        for (int i = 0; i < n_rot / 2; i++) {
            double th = pos * fscale * pow(base, -2.0 * i / n_rot) / (ff ? ff[i] : 1.0);
            int a = style == ROPE_STYLE_NORM ? 2 * i : i;
            int b = style == ROPE_STYLE_NORM ? 2 * i + 1 : i + n_rot / 2;
            o[a] = v[a] * cos(th) - v[b] * sin(th);
            o[b] = v[a] * sin(th) + v[b] * cos(th);
        }
    }
}

static void check_rope(enum rope_style style, int hd, int n_rot, float base, float fscale,
                       const float *ff)
{
    enum { NH = 4 };
    struct eng_hparams hp = {.n_rot = n_rot, .rope_base = base, .rope_freq_scale = fscale};
    struct rope_params rp;
    rope_params_init(&rp, &hp, style, ff);
    float x[NH * 128], y[NH * 128], cs[128];
    double ref[NH * 128];
    const int positions[] = {0, 1, 2, 7, 100, 1000, 4095, 32767};
    for (size_t pi = 0; pi < sizeof(positions) / sizeof(positions[0]); pi++) {
        for (int i = 0; i < NH * hd; i++)
            x[i] = frand(-1.0f, 1.0f);
        memcpy(y, x, sizeof(float) * (size_t)(NH * hd));
        rope_cache(&rp, (float)positions[pi], cs);
        rope_apply(&rp, cs, y, NH, hd);
        rope_ref(style, n_rot, base, fscale, ff, positions[pi], x, ref, NH, hd);
        /* float angles: relative error ~ i * 2^-24 per factor, so the absolute
         * angle error grows with pos; 2e-6 * (pos + 1) bounds it here */
        double tol = 2e-6 * (positions[pi] + 1) + 1e-6;
        for (int i = 0; i < NH * hd; i++)
            assert_true(fabs(y[i] - ref[i]) <= tol);
        /* dims past n_rot are untouched */
        for (int h = 0; h < NH; h++)
            for (int i = n_rot; i < hd; i++)
                assert_true(y[h * hd + i] == x[h * hd + i]);
    }
}

static void test_rope(void **state)
{
    (void)state;
    float ff[64];
    for (int i = 0; i < 64; i++)
        ff[i] = 1.0f + (float)i / 8.0f;
    check_rope(ROPE_STYLE_NORM, 64, 64, 10000.0f, 1.0f, NULL);
    check_rope(ROPE_STYLE_NEOX, 64, 64, 1000000.0f, 1.0f, NULL);
    check_rope(ROPE_STYLE_NEOX, 128, 128, 1000000.0f, 1.0f, NULL);
    check_rope(ROPE_STYLE_NORM, 64, 64, 500000.0f, 1.0f, ff);
    check_rope(ROPE_STYLE_NORM, 64, 32, 10000.0f, 0.25f, NULL);
    check_rope(ROPE_STYLE_NEOX, 128, 64, 10000.0f, 0.5f, NULL);
}

/* Every attention path against a float64 softmax-attention over the same f16
 * cache. The CHUNK and SPLIT paths accumulate the output in f16 (as llama.cpp
 * does), so their bound is a few f16 ulps of the largest value; TILED
 * accumulates in f32. */
static void check_attention(enum ops_attn_path path, int hd, int n_vis, int view, double tol)
{
    enum { NMAX = 1100, STRIDE = 3 * 128 };
    qt_f16 *K = malloc(sizeof(qt_f16) * NMAX * STRIDE), *V = malloc(sizeof(qt_f16) * NMAX * STRIDE);
    float q[128], out[128];
    float *scratch = malloc(sizeof(float) * ops_attention_scratch_floats(hd, hd));
    for (int i = 0; i < NMAX * STRIDE; i++) {
        K[i] = qt_f32_to_f16(frand(-1.0f, 1.0f));
        V[i] = qt_f32_to_f16(frand(-1.0f, 1.0f));
    }
    for (int i = 0; i < hd; i++)
        q[i] = frand(-2.0f, 2.0f);
    const float scale = 1.0f / sqrtf((float)hd);
    struct ops_attn a = {.kt = kern_scalar(), .K = K + 128, .V = V + 256, .k_stride = STRIDE,
                         .v_stride = STRIDE, .hd_k = hd, .hd_v = hd, .scale = scale};
    ops_attention(&a, path, q, n_vis, view, scratch, out);
    /* q rounded to f16 for the f16 paths, as they do */
    double s[NMAX], max = -1e300, sum = 0;
    for (int j = 0; j < n_vis; j++) {
        double d = 0;
        for (int i = 0; i < hd; i++) {
            double qi = path == OPS_ATTN_TILED ? q[i] : qt_f16_to_f32(qt_f32_to_f16(q[i]));
            d += qi * qt_f16_to_f32(K[(size_t)j * STRIDE + 128 + i]);
        }
        s[j] = d * scale;
        if (s[j] > max)
            max = s[j];
    }
    for (int j = 0; j < n_vis; j++)
        sum += (s[j] = exp(s[j] - max));
    for (int i = 0; i < hd; i++) {
        double want = 0;
        for (int j = 0; j < n_vis; j++)
            want += s[j] / sum * qt_f16_to_f32(V[(size_t)j * STRIDE + 256 + i]);
        assert_true(fabs(out[i] - want) <= tol);
    }
    free(scratch);
    free(K);
    free(V);
}

static void test_attention_paths(void **state)
{
    (void)state;
    assert_int_equal(ops_attention_path(1, 256), OPS_ATTN_CHUNK);
    assert_int_equal(ops_attention_path(63, 1024), OPS_ATTN_CHUNK);
    assert_int_equal(ops_attention_path(64, 256), OPS_ATTN_TILED);
    assert_int_equal(ops_attention_path(1, 512), OPS_ATTN_SPLIT);
    assert_int_equal(ops_attention_view(1, 4096), 256);
    assert_int_equal(ops_attention_view(257, 4096), 512);
    assert_int_equal(ops_attention_view(3000, 2048), 2048);
    assert_int_equal(ops_attention_view(3000, 2000), 2048);
    /* f16 accumulation of up to ~1000 terms below 1: a few units of 2^-11 */
    for (int hd = 64; hd <= 128; hd += 64) {
        check_attention(OPS_ATTN_CHUNK, hd, 1, 256, 1e-3);
        check_attention(OPS_ATTN_CHUNK, hd, 200, 256, 4e-3);
        check_attention(OPS_ATTN_SPLIT, hd, 300, 512, 4e-3);
        check_attention(OPS_ATTN_SPLIT, hd, 1000, 1024, 4e-3);
        check_attention(OPS_ATTN_TILED, hd, 1, 256, 1e-5);
        check_attention(OPS_ATTN_TILED, hd, 130, 256, 1e-5);
        check_attention(OPS_ATTN_TILED, hd, 1000, 1024, 1e-5);
    }
}

/* ------------------------------------------------ attention, operation order */

/* Scalar statements of llama.cpp's flash-attention operation sequences
 * (docs/numerics.md): ops_attention must reproduce them bit for bit with any
 * kernel table, however it vectorises. */
static float ref_dot_f16(int n, const qt_f16 *a, const qt_f16 *b)
{
    float acc[4][8] = {{0}};
    const int np = n & ~31;
    for (int i = 0; i < np; i += 32)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 8; l++)
                acc[j][l] = fmaf(qt_f16_to_f32(a[i + 8 * j + l]), qt_f16_to_f32(b[i + 8 * j + l]),
                                 acc[j][l]);
    float x[8], t[4];
    for (int l = 0; l < 8; l++)
        x[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
    for (int l = 0; l < 4; l++)
        t[l] = x[l] + x[l + 4];
    double sum = (double)((t[0] + t[1]) + (t[2] + t[3]));
    for (int i = np; i < n; i++)
        sum += (double)(qt_f16_to_f32(a[i]) * qt_f16_to_f32(b[i]));
    return (float)sum;
}

static void ref_chunk(const struct ops_attn *a, const qt_f16 *q16, int c0, int c1, float *out,
                      float *M_out, float *S_out)
{
    qt_f16 acc[512];
    float S = 0.0f, M = -INFINITY;
    memset(acc, 0, sizeof(acc));
    for (int j = c0; j < c1; j++) {
        const float s = ref_dot_f16(a->hd_k, a->K + (size_t)j * a->k_stride, q16) * a->scale;
        const float Mold = M;
        float ms = 1.0f, vs = 1.0f;
        if (s > M) {
            M = s;
            ms = expf(Mold - M);
            for (int d = 0; d < a->hd_v; d++)
                acc[d] = qt_f32_to_f16(qt_f16_to_f32(acc[d]) * ms);
        } else {
            vs = expf(s - M);
        }
        const qt_f16 *v = a->V + (size_t)j * a->v_stride;
        for (int d = 0; d < a->hd_v; d++)
            acc[d] = qt_f32_to_f16(fmaf(qt_f16_to_f32(v[d]), vs, qt_f16_to_f32(acc[d])));
        S = fmaf(S, ms, vs);
    }
    for (int d = 0; d < a->hd_v; d++)
        out[d] = qt_f16_to_f32(acc[d]);
    *M_out = M;
    *S_out = S;
}

static void ref_scale(float *y, int n, float S)
{
    const float inv = S == 0.0f ? 0.0f : 1.0f / S;
    for (int d = 0; d < n; d++)
        y[d] *= inv;
}

static void ref_attention(const struct ops_attn *a, enum ops_attn_path path, const float *q,
                          int n_vis, int view, float *out)
{
    const int hdk = a->hd_k, hdv = a->hd_v;
    if (path == OPS_ATTN_TILED) {
        float M = -INFINITY, S = 0.0f, kq[64];
        memset(out, 0, sizeof(float) * (size_t)hdv);
        for (int ic = 0; ic < n_vis; ic += 64) {
            const int vis = n_vis - ic < 64 ? n_vis - ic : 64;
            float tile_max = -INFINITY;
            for (int t = 0; t < 64; t++) {
                if (t >= vis) {
                    kq[t] = -INFINITY;
                    continue;
                }
                const qt_f16 *k = a->K + (size_t)(ic + t) * a->k_stride;
                float s = 0.0f;
                for (int d = 0; d < hdk; d++)
                    s = fmaf(qt_f16_to_f32(k[d]), q[d], s);
                kq[t] = s * a->scale + 0.0f;
                tile_max = fmaxf(tile_max, kq[t]);
            }
            const float Mn = fmaxf(M, tile_max);
            if (Mn > M) {
                const float ms = expf(M - Mn);
                for (int d = 0; d < hdv; d++)
                    out[d] *= ms;
                S *= ms;
            }
            M = Mn;
            double sum = 0.0;
            for (int t = 0; t < 64; t += 8) {
                float e[8];
                for (int l = 0; l < 8; l++)
                    e[l] = kq[t + l] = ops_expf_approx(kq[t + l] - Mn);
                sum += (double)(((e[0] + e[4]) + (e[2] + e[6])) + ((e[1] + e[5]) + (e[3] + e[7])));
            }
            S = (float)((double)S + sum);
            for (int t = 0; t < vis; t++) {
                const qt_f16 *v = a->V + (size_t)(ic + t) * a->v_stride;
                for (int d = 0; d < hdv; d++)
                    out[d] = fmaf(qt_f16_to_f32(v[d]), kq[t], out[d]);
            }
        }
        ref_scale(out, hdv, S);
        return;
    }
    qt_f16 q16[512];
    for (int d = 0; d < hdk; d++)
        q16[d] = qt_f32_to_f16(q[d]);
    float M, S;
    if (path == OPS_ATTN_CHUNK) {
        ref_chunk(a, q16, 0, n_vis, out, &M, &S);
        ref_scale(out, hdv, S);
        return;
    }
    const int half = (view + 1) / 2;
    float part[512];
    M = -INFINITY;
    S = 0.0f;
    memset(out, 0, sizeof(float) * (size_t)hdv);
    for (int k = 0; k < 2; k++) {
        const int c0 = k * half, c1 = n_vis < c0 + half ? n_vis : c0 + half;
        float Mc = -INFINITY, Sc = 0.0f;
        if (c0 < c1)
            ref_chunk(a, q16, c0, c1, part, &Mc, &Sc);
        if (Sc == 0.0f)
            continue;
        const float Mn = fmaxf(M, Mc);
        const float so = expf(M - Mn), sn = expf(Mc - Mn);
        for (int d = 0; d < hdv; d++)
            out[d] = fmaf(out[d], so, part[d] * sn);
        S = fmaf(S, so, Sc * sn);
        M = Mn;
    }
    if (S != 0.0f)
        ref_scale(out, hdv, S);
}

/* Every path with both kernel tables, single rows and TILED blocks of rows
 * with different visible lengths, bit-identical to the statements above. */
static void test_attention_order(void **state)
{
    (void)state;
    enum { NMAX = 1100, STRIDE = 2 * 128 + 8 };
    qt_f16 *K = malloc(sizeof(qt_f16) * NMAX * STRIDE), *V = malloc(sizeof(qt_f16) * NMAX * STRIDE);
    for (int i = 0; i < NMAX * STRIDE; i++) {
        K[i] = qt_f32_to_f16(frand(-1.5f, 1.5f));
        V[i] = qt_f32_to_f16(frand(-1.0f, 1.0f));
    }
    const struct kern_table *tables[2] = {kern_scalar(), kern_best()};
    static const int hds[][2] = {{64, 64}, {128, 128}, {80, 80}, {40, 72}};
    float q[OPS_ATTN_BLOCK][128], got[OPS_ATTN_BLOCK][128], want[128];
    for (int ti = 0; ti < 2; ti++) {
        for (size_t hi = 0; hi < sizeof(hds) / sizeof(hds[0]); hi++) {
            const int hdk = hds[hi][0], hdv = hds[hi][1];
            float *scratch = malloc(sizeof(float) * ops_attention_scratch_floats(hdk, hdv));
            struct ops_attn a = {.kt = tables[ti], .K = K + 8, .V = V + 136, .k_stride = STRIDE,
                                 .v_stride = STRIDE, .hd_k = hdk, .hd_v = hdv,
                                 .scale = 1.0f / sqrtf((float)hdk)};
            for (int r = 0; r < OPS_ATTN_BLOCK; r++)
                for (int d = 0; d < hdk; d++)
                    q[r][d] = frand(-3.0f, 3.0f);
            static const int cases[][3] = {{OPS_ATTN_CHUNK, 1, 256},   {OPS_ATTN_CHUNK, 77, 256},
                                           {OPS_ATTN_SPLIT, 300, 512}, {OPS_ATTN_SPLIT, 1000, 1024},
                                           {OPS_ATTN_TILED, 1, 256},   {OPS_ATTN_TILED, 130, 256},
                                           {OPS_ATTN_TILED, 1000, 1024}};
            for (size_t ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++) {
                const enum ops_attn_path path = (enum ops_attn_path)cases[ci][0];
                ops_attention(&a, path, q[0], cases[ci][1], cases[ci][2], scratch, got[0]);
                ref_attention(&a, path, q[0], cases[ci][1], cases[ci][2], want);
                assert_memory_equal(got[0], want, sizeof(float) * (size_t)hdv);
            }
            /* a block of rows ending at different cells, some within one tile */
            int32_t n_vis[OPS_ATTN_BLOCK];
            for (int r = 0; r < OPS_ATTN_BLOCK; r++)
                n_vis[r] = r < 4 ? 1 + r : 60 + 33 * r; /* <= 1083 */
            ops_attention_block(&a, q[0], 128, OPS_ATTN_BLOCK, n_vis, scratch, got[0], 128);
            for (int r = 0; r < OPS_ATTN_BLOCK; r++) {
                ref_attention(&a, OPS_ATTN_TILED, q[r], n_vis[r], 1024, want);
                assert_memory_equal(got[r], want, sizeof(float) * (size_t)hdv);
            }
            free(scratch);
        }
    }
    free(K);
    free(V);
}

/* ggml's exp approximation: within a few ulps of exp over the range that
 * matters, exact limits outside it. */
static void test_expf_approx(void **state)
{
    (void)state;
    double worst = 0;
    for (int i = 0; i < 200000; i++) {
        float x = frand(-87.0f, 88.0f);
        double want = exp((double)x), got = ops_expf_approx(x);
        double rel = fabs(got - want) / want;
        if (rel > worst)
            worst = rel;
    }
    assert_true(worst < 4e-7);
    assert_true(ops_expf_approx(0.0f) == 1.0f);
    assert_true(ops_expf_approx(-INFINITY) == 0.0f);
    assert_true(ops_expf_approx(-200.0f) == 0.0f);
    assert_true(isinf(ops_expf_approx(200.0f)));
    for (int i = 0; i < 1000; i++) {
        float x = frand(-30.0f, 30.0f);
        double want = x / (1.0 + exp(-(double)x));
        assert_true(fabs(ops_silu_approx(x) - want) <= 1e-6 * fabs(want) + 1e-30);
    }
}

/* After a shift, cached keys equal keys rotated directly to their new
 * positions (up to f16 rounding), values are moved unchanged. */
static void test_kv_shift(void **state)
{
    (void)state;
    enum { L = 2, CTX = 64, NKV = 2, HD = 16 };
    struct kv_cache kv;
    assert_int_equal(kv_init(&kv, L, 2, CTX, NKV * HD, NKV * HD), 0);
    struct eng_hparams hp = {.n_rot = HD, .rope_base = 10000.0f, .rope_freq_scale = 1.0f};
    struct rope_params rp;
    rope_params_init(&rp, &hp, ROPE_STYLE_NEOX, NULL);
    static float raw[L][CTX][NKV * HD];
    float cs[HD], row[NKV * HD];
    const int seq = 1, len = 40, keep = 4, discard = 18;
    for (int l = 0; l < L; l++)
        for (int p = 0; p < len; p++) {
            for (int i = 0; i < NKV * HD; i++)
                raw[l][p][i] = frand(-1.0f, 1.0f);
            memcpy(row, raw[l][p], sizeof(row));
            rope_cache(&rp, (float)p, cs);
            rope_apply(&rp, cs, row, NKV, HD);
            for (int i = 0; i < NKV * HD; i++) {
                kv_k(&kv, l, seq, p)[i] = qt_f32_to_f16(row[i]);
                kv_v(&kv, l, seq, p)[i] = qt_f32_to_f16(raw[l][p][i]);
            }
        }
    kv.len[seq] = len;
    float *scratch = malloc(sizeof(float) * kv_shift_scratch_floats(&kv, &rp));
    assert_int_equal(kv_seq_shift(&kv, seq, keep, len, &rp, NKV, HD, scratch), COLA_EINVAL);
    assert_int_equal(kv_seq_shift(&kv, seq, keep, discard, &rp, NKV, HD, scratch), 0);
    assert_int_equal(kv.len[seq], len - discard);
    for (int l = 0; l < L; l++)
        for (int p = 0; p < len - discard; p++) {
            int src = p < keep ? p : p + discard;
            memcpy(row, raw[l][src], sizeof(row));
            rope_cache(&rp, (float)p, cs);
            rope_apply(&rp, cs, row, NKV, HD);
            for (int i = 0; i < NKV * HD; i++) {
                assert_true(fabsf(qt_f16_to_f32(kv_k(&kv, l, seq, p)[i]) - row[i]) < 2e-3f);
                assert_true(kv_v(&kv, l, seq, p)[i] == qt_f32_to_f16(raw[l][src][i]));
            }
        }
    free(scratch);
    kv_free(&kv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rmsnorm),
        cmocka_unit_test(test_softmax_swiglu),
        cmocka_unit_test(test_rope),
        cmocka_unit_test(test_attention_paths),
        cmocka_unit_test(test_attention_order),
        cmocka_unit_test(test_expf_approx),
        cmocka_unit_test(test_kv_shift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
