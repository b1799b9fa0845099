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

void ops_swiglu(const float *g, const float *u, float *h, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        h[i] = ops_silu(g[i]) * u[i];
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

void rope_apply(const struct rope_params *rp, const float *cs, float *x, int n_head, int head_dim)
{
    const int half = rp->n_rot / 2;
    for (int h = 0; h < n_head; h++) {
        float *v = x + (int64_t)h * head_dim;
        if (rp->style == ROPE_STYLE_NORM) {
            for (int i = 0; i < half; i++) {
                const float c = cs[2 * i], s = cs[2 * i + 1];
                const float x0 = v[2 * i], x1 = v[2 * i + 1];
                v[2 * i] = x0 * c - x1 * s;
                v[2 * i + 1] = x0 * s + x1 * c;
            }
        } else {
            for (int i = 0; i < half; i++) {
                const float c = cs[2 * i], s = cs[2 * i + 1];
                const float x0 = v[i], x1 = v[i + half];
                v[i] = x0 * c - x1 * s;
                v[i + half] = x0 * s + x1 * c;
            }
        }
    }
}

void ops_attention_head(const struct kern_table *kt, const float *q, const qt_f16 *K,
                        size_t k_stride, const qt_f16 *V, size_t v_stride, int32_t n_kv, int hd_k,
                        int hd_v, float scale, float *scratch, float *out)
{
    float *scores = scratch, *qh = scratch + n_kv;
    qt_f16 *qh16 = (qt_f16 *)(qh + hd_k);
    kt->f32_to_f16(q, qh16, hd_k);
    kt->f16_to_f32(qh16, qh, hd_k);
    for (int32_t j = 0; j < n_kv; j++)
        scores[j] = kt->dot_f16_f32(hd_k, K + (size_t)j * k_stride, qh) * scale;
    ops_softmax(scores, n_kv);
    memset(out, 0, sizeof(float) * (size_t)hd_v);
    for (int32_t j = 0; j < n_kv; j++)
        kt->axpy_f16(hd_v, scores[j], V + (size_t)j * v_stride, out);
}
