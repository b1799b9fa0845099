#include "engine/ops.h"

#include <math.h>
#include <string.h>

void ops_rmsnorm(const float *x, const float *w, float *y, int64_t n, float eps)
{
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++)
        sum += (double)(x[i] * x[i]);
    const float mean = (float)(sum / (double)n);
    const float scale = 1.0f / sqrtf(mean + eps);
    if (w) {
        for (int64_t i = 0; i < n; i++)
            y[i] = (x[i] * scale) * w[i];
    } else {
        for (int64_t i = 0; i < n; i++)
            y[i] = x[i] * scale;
    }
}

void ops_add(float *y, const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        y[i] += x[i];
}

float ops_silu(float x) { return x / (1.0f + expf(-x)); }

static inline float f_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

static inline uint32_t u_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

/* exp(x) = 2^n * exp(b): n = round(x / ln 2) found with the 1.5 * 2^23
 * shifter, b = x - n ln 2 in two steps, exp(b) by a degree-5 polynomial in
 * Estrin form; the scale 2^n goes straight into the exponent bits, with a
 * split scale when |n| > 126 so that large and tiny results still come out
 * right (ggml's constants and operation order, which llama.cpp's numbers
 * depend on). */
float ops_expf_approx(float x)
{
    const float shifter = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, shifter);
    const float n = z - shifter;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    const uint32_t e = u_of(z) << 23;
    const float k = f_of(e + u_of(1.0f));
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u,
                              fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                         u, 0x1.ffffecp-1f * b);
    if (!(fabsf(n) > 126.0f))
        return fmaf(k, j, k);
    const uint32_t g = n <= 0.0f ? 0x82000000u : 0u;
    const float s1 = f_of(g + 0x7f000000u);
    const float s2 = f_of(e - g);
    if (fabsf(n) > 192.0f)
        return s1 * s1;
    return fmaf(s2, j, s2) * s1;
}

float ops_silu_approx(float x) { return x / (1.0f + ops_expf_approx(0.0f - x)); }

void ops_swiglu_at(const float *g, const float *u, float *h, int64_t n, int64_t col0,
                   int64_t row_len)
{
    const int64_t n8 = row_len & ~(int64_t)7;
    for (int64_t i = 0; i < n; i++)
        h[i] = (col0 + i < n8 ? ops_silu_approx(g[i]) : ops_silu(g[i])) * u[i];
}

void ops_swiglu(const float *g, const float *u, float *h, int64_t n)
{
    ops_swiglu_at(g, u, h, n, 0, n);
}

void ops_softmax(float *x, int64_t n)
{
    float max = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (x[i] > max)
            max = x[i];
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) {
        float e = expf(x[i] - max);
        x[i] = e;
        sum += (double)e;
    }
    const float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++)
        x[i] *= inv;
}

void rope_params_init(struct rope_params *rp, const struct eng_hparams *hp,
                      enum rope_style style, const float *freq_factors)
{
    rp->style = style;
    rp->n_rot = hp->n_rot;
    rp->theta_scale = powf(hp->rope_base, -2.0f / (float)hp->n_rot);
    rp->freq_scale = hp->rope_freq_scale;
    rp->freq_factors = freq_factors;
}

void rope_cache(const struct rope_params *rp, float pos, float *cs)
{
    float theta = pos;
    for (int i = 0; i < rp->n_rot / 2; i++) {
        const float ff = rp->freq_factors ? rp->freq_factors[i] : 1.0f;
        const float t = rp->freq_scale * (theta / ff);
        cs[2 * i] = cosf(t);
        cs[2 * i + 1] = sinf(t);
        theta *= rp->theta_scale;
    }
}

/* The rotation as llama.cpp's compiler builds it: each output's first
 * product is fused into the add (x0*c - x1*s -> fma(x0, c, -(x1*s))). */
void rope_apply(const struct rope_params *rp, const float *cs, float *x, int n_head, int head_dim)
{
    const int half = rp->n_rot / 2;
    for (int h = 0; h < n_head; h++) {
        float *v = x + (int64_t)h * head_dim;
        if (rp->style == ROPE_STYLE_NORM) {
            for (int i = 0; i < half; i++) {
                const float c = cs[2 * i], s = cs[2 * i + 1];
                const float x0 = v[2 * i], x1 = v[2 * i + 1];
                v[2 * i] = fmaf(x0, c, -(x1 * s));
                v[2 * i + 1] = fmaf(x0, s, x1 * c);
            }
        } else {
            for (int i = 0; i < half; i++) {
                const float c = cs[2 * i], s = cs[2 * i + 1];
                const float x0 = v[i], x1 = v[i + half];
                v[i] = fmaf(x0, c, -(x1 * s));
                v[i + half] = fmaf(x0, s, x1 * c);
            }
        }
    }
}

/* ---------------------------------------------------------------- attention */

#define ATTN_TILE 64   /* cells per tile of the tiled path (ggml's KV tile) */
#define ATTN_PAD 256   /* llama.cpp pads its KV view to this */

enum ops_attn_path ops_attention_path(int32_t n_tokens, int32_t view)
{
    if (n_tokens >= ATTN_TILE)
        return OPS_ATTN_TILED;
    if (n_tokens == 1 && view >= 2 * ATTN_PAD)
        return OPS_ATTN_SPLIT;
    return OPS_ATTN_CHUNK;
}

int32_t ops_attention_view(int32_t len_after, int32_t n_ctx)
{
    const int32_t size = (n_ctx + ATTN_PAD - 1) / ATTN_PAD * ATTN_PAD;
    int32_t v = (len_after + ATTN_PAD - 1) / ATTN_PAD * ATTN_PAD;
    if (v < ATTN_PAD)
        v = ATTN_PAD;
    return v < size ? v : size;
}

size_t ops_attention_scratch_floats(int hd_k, int hd_v)
{
    /* CHUNK/SPLIT: q (f16), the f16 accumulator, a partial output.
     * TILED: a K tile transposed to f32, a V tile in f32, one score row, and
     * the running max and sum of each row of a block. */
    const size_t chunk = (size_t)(hd_k + 1) / 2 + (size_t)(hd_v + 1) / 2 + (size_t)hd_v;
    const size_t tiled = (size_t)ATTN_TILE * ((size_t)hd_k + (size_t)hd_v + 1) +
                         2 * (size_t)OPS_ATTN_BLOCK;
    return (chunk > tiled ? chunk : tiled) + 16;
}

/* Cells [c0, c1) with online softmax, the output accumulated in f16 (the
 * CHUNK path: ggml_vec_dot_f16 scores, ggml_vec_scale_f16 / ggml_vec_mad_f16
 * on the accumulator). Leaves the unnormalised output in out32 and M, S. */
static void attn_chunk(const struct ops_attn *a, const qt_f16 *q16, int32_t c0, int32_t c1,
                       qt_f16 *acc, float *out32, float *M_out, float *S_out)
{
    const struct kern_table *kt = a->kt;
    float S = 0.0f, M = -INFINITY;
    memset(acc, 0, sizeof(qt_f16) * (size_t)a->hd_v);
    for (int32_t j = c0; j < c1; j++) {
        const float s = kt->dot_f16(a->hd_k, a->K + (size_t)j * a->k_stride, q16) * a->scale;
        const float Mold = M;
        float ms = 1.0f, vs = 1.0f;
        if (s > M) {
            M = s;
            ms = expf(Mold - M);
            kt->scale_f16(a->hd_v, acc, ms);
        } else {
            vs = expf(s - M);
        }
        kt->mad_f16(a->hd_v, acc, a->V + (size_t)j * a->v_stride, vs);
        S = fmaf(S, ms, vs);
    }
    kt->f16_to_f32(acc, out32, a->hd_v);
    *M_out = M;
    *S_out = S;
}

static void scale_row(const struct kern_table *kt, float *y, int n, float S)
{
    kt->scale_f32(n, y, S == 0.0f ? 0.0f : 1.0f / S);
}

/* The SPLIT path: the view halved as llama.cpp's two threads halve it, each
 * half as CHUNK, then the partial results merged in order. */
static void attn_split(const struct ops_attn *a, const qt_f16 *q16, int32_t n_vis, int32_t view,
                       qt_f16 *acc, float *part, float *out)
{
    const int32_t half = (view + 1) / 2;
    float M = -INFINITY, S = 0.0f;
    memset(out, 0, sizeof(float) * (size_t)a->hd_v);
    for (int k = 0; k < 2; k++) {
        const int32_t c0 = k * half, c1 = n_vis < c0 + half ? n_vis : c0 + half;
        float Mc = -INFINITY, Sc = 0.0f;
        if (c0 < c1)
            attn_chunk(a, q16, c0, c1, acc, part, &Mc, &Sc);
        if (Sc == 0.0f)
            continue;
        const float Mn = fmaxf(M, Mc);
        const float so = expf(M - Mn), sn = expf(Mc - Mn);
        for (int d = 0; d < a->hd_v; d++)
            out[d] = fmaf(out[d], so, part[d] * sn);
        S = fmaf(S, so, Sc * sn);
        M = Mn;
    }
    if (S != 0.0f)
        scale_row(a->kt, out, a->hd_v, S);
}

void ops_attention_block(const struct ops_attn *a, const float *q, size_t q_stride, int nq,
                         const int32_t *n_vis, float *scratch, float *out, size_t out_stride)
{
    const struct kern_table *kt = a->kt;
    const int hdk = a->hd_k, hdv = a->hd_v;
    float *Kt = scratch;                            /* [hdk][ATTN_TILE] */
    float *V32 = Kt + (size_t)ATTN_TILE * hdk;      /* [ATTN_TILE][hdv] */
    float *kq = V32 + (size_t)ATTN_TILE * hdv;      /* [ATTN_TILE] */
    float *M = kq + ATTN_TILE, *S = M + OPS_ATTN_BLOCK;
    float krow[OPS_ATTN_MAX_HEAD_DIM];
    int32_t most = 0;
    for (int r = 0; r < nq; r++) {
        M[r] = -INFINITY;
        S[r] = 0.0f;
        memset(out + (size_t)r * out_stride, 0, sizeof(float) * (size_t)hdv);
        if (n_vis[r] > most)
            most = n_vis[r];
    }
    for (int32_t ic = 0; ic < most; ic += ATTN_TILE) {
        const int32_t cells = most - ic < ATTN_TILE ? most - ic : ATTN_TILE;
        /* K tile transposed, V tile row-major, both in f32 */
        for (int32_t t = 0; t < cells; t++) {
            kt->f16_to_f32(a->K + (size_t)(ic + t) * a->k_stride, krow, hdk);
            for (int d = 0; d < hdk; d++)
                Kt[(size_t)d * ATTN_TILE + t] = krow[d];
            kt->f16_to_f32(a->V + (size_t)(ic + t) * a->v_stride, V32 + (size_t)t * hdv, hdv);
        }
        for (int r = 0; r < nq; r++) {
            const int32_t vis = n_vis[r] - ic < cells ? n_vis[r] - ic : cells;
            if (vis <= 0)
                continue; /* the whole tile is masked for this row */
            const float *qr = q + (size_t)r * q_stride;
            float *o = out + (size_t)r * out_stride;
            /* scores: one fma chain over d per cell, as simd_gemm runs it */
            memset(kq, 0, sizeof(float) * ATTN_TILE);
            for (int d = 0; d < hdk; d++)
                kt->axpy_f32(ATTN_TILE, qr[d], Kt + (size_t)d * ATTN_TILE, kq);
            kt->scale_f32(ATTN_TILE, kq, a->scale);
            float tile_max = -INFINITY;
            for (int t = 0; t < ATTN_TILE; t++) {
                kq[t] = t < vis ? kq[t] + 0.0f : -INFINITY; /* the mask add */
                tile_max = fmaxf(tile_max, kq[t]);
            }
            const float Mn = fmaxf(M[r], tile_max);
            if (Mn > M[r]) {
                const float ms = expf(M[r] - Mn);
                kt->scale_f32(hdv, o, ms);
                S[r] *= ms;
            }
            M[r] = Mn;
            S[r] = (float)((double)S[r] + kt->expsum_f32(ATTN_TILE, kq, kq, Mn));
            for (int t = 0; t < vis; t++)
                kt->axpy_f32(hdv, kq[t], V32 + (size_t)t * hdv, o);
        }
    }
    for (int r = 0; r < nq; r++)
        scale_row(kt, out + (size_t)r * out_stride, hdv, S[r]);
}

void ops_attention(const struct ops_attn *a, enum ops_attn_path path, const float *q,
                   int32_t n_vis, int32_t view, float *scratch, float *out)
{
    if (path == OPS_ATTN_TILED) {
        ops_attention_block(a, q, 0, 1, &n_vis, scratch, out, 0);
        return;
    }
    float *part = scratch;                            /* hd_v */
    qt_f16 *q16 = (qt_f16 *)(part + a->hd_v);         /* hd_k halves */
    qt_f16 *acc = q16 + a->hd_k;                      /* hd_v halves */
    a->kt->f32_to_f16(q, q16, a->hd_k);
    if (path == OPS_ATTN_SPLIT) {
        attn_split(a, q16, n_vis, view, acc, part, out);
        return;
    }
    float M, S;
    attn_chunk(a, q16, 0, n_vis, acc, out, &M, &S);
    scale_row(a->kt, out, a->hd_v, S);
}
