/* ops.h — the small per-row operations of the transformer (everything that is
 * not a matrix product): RMSNorm, RoPE, softmax, SwiGLU's SiLU, residual add.
 *
 * Numerics follow ggml's CPU code where that changes results beyond rounding
 * noise: RMSNorm sums squares in double; RoPE angles are built the way ggml
 * builds them (theta multiplied by base^(-2/n_rot) step by step in float), so
 * long positions give the same angles llama.cpp uses.
 * Pure functions, no allocation; any thread.
 */
#ifndef COLA_ENGINE_OPS_H
#define COLA_ENGINE_OPS_H

#include <stdint.h>

#include "engine/kernels.h"
#include "engine/model.h"

/* y = x / sqrt(mean(x^2) + eps) * w   (w may be NULL: no weight). y may be x. */
void ops_rmsnorm(const float *x, const float *w, float *y, int64_t n, float eps);

/* y += x */
void ops_add(float *y, const float *x, int64_t n);

/* h = silu(g) * u, elementwise; h may be g or u. */
void ops_swiglu(const float *g, const float *u, float *h, int64_t n);
float ops_silu(float x);

/* In-place softmax of x[0..n); returns nothing. Max-subtracted, sum in double. */
void ops_softmax(float *x, int64_t n);

/* RoPE parameters of a model (from its hparams). */
struct rope_params {
    enum rope_style style;
    int n_rot;              /* rotated dims per head (even) */
    float theta_scale;      /* base^(-2/n_rot) */
    float freq_scale;       /* 1 / linear scaling */
    const float *freq_factors; /* (n_rot/2) llama3 rope_freqs, or NULL */
};

void rope_params_init(struct rope_params *rp, const struct eng_hparams *hp,
                      enum rope_style style, const float *freq_factors);

/* cos/sin for position pos: cs[2*i] = cos(theta_i), cs[2*i+1] = sin(theta_i),
 * i < n_rot/2. */
void rope_cache(const struct rope_params *rp, float pos, float *cs);

/* Rotate n_head heads of head_dim each, stored back to back in x, with the
 * cos/sin table cs of one position (dims past n_rot are left alone). */
void rope_apply(const struct rope_params *rp, const float *cs, float *x, int n_head,
                int head_dim);

/* Causal attention of one query head over n_kv cached positions:
 *   out = softmax(scale * q . K[j]) . V[j],  j < n_kv
 * K rows (hd_k halves) are k_stride halves apart, V rows v_stride apart.
 * q is rounded to f16 first, as llama.cpp's f16 KV cache path does.
 * scratch: n_kv + 2 * hd_k floats. */
void ops_attention_head(const struct kern_table *kt, const float *q, const qt_f16 *K,
                        size_t k_stride, const qt_f16 *V, size_t v_stride, int32_t n_kv, int hd_k,
                        int hd_v, float scale, float *scratch, float *out);

#endif
