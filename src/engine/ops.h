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

/* h = silu(g) * u over a whole row, as ggml's AVX2 code computes it: every
 * full group of 8 elements from the row's start uses the exp approximation
 * (ops_expf_approx), the remainder libm's expf. h may be g or u. */
void ops_swiglu(const float *g, const float *u, float *h, int64_t n);
/* The same for columns [col0, col0 + n) of a row of row_len elements (the
 * approximation applies by position in the whole row). */
void ops_swiglu_at(const float *g, const float *u, float *h, int64_t n, int64_t col0,
                   int64_t row_len);
/* x / (1 + expf(-x)) with libm's expf. */
float ops_silu(float x);
/* ggml's vectorised single-precision exp, one lane: a fixed polynomial with
 * FMAs (not correctly rounded; what llama.cpp's SiLU and softmax use). */
float ops_expf_approx(float x);
/* x / (1 + ops_expf_approx(-x)) */
float ops_silu_approx(float x);

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

/* Attention of one query head over the first n_vis cells of its sequence's
 * f16 cache, out = softmax(scale * q . K[j]) . V[j], computed the way
 * llama.cpp's flash attention computes it (docs/numerics.md). The path is
 * chosen as llama.cpp chooses it from the batch:
 *   OPS_ATTN_CHUNK  < 64 queries in the batch: online softmax per cell, q and
 *                   the output accumulator in f16;
 *   OPS_ATTN_TILED  >= 64 queries: tiles of 64 cells, f32 accumulation;
 *   OPS_ATTN_SPLIT  one query with a view of >= 512 cells: the view split in two
 *                   halves, each done as CHUNK, then merged.
 * view is llama.cpp's KV view length (ops_attention_view). */
enum ops_attn_path { OPS_ATTN_CHUNK, OPS_ATTN_TILED, OPS_ATTN_SPLIT };

struct ops_attn {
    const struct kern_table *kt;
    const qt_f16 *K;      /* cell 0 of this head's keys; rows k_stride halves apart */
    const qt_f16 *V;      /* cell 0 of this head's values; rows v_stride halves apart */
    size_t k_stride, v_stride;
    int hd_k, hd_v;
    float scale;
};

/* Query rows per ops_attention_block call, and the largest head size. */
#define OPS_ATTN_BLOCK 32
#define OPS_ATTN_MAX_HEAD_DIM ENG_MAX_HEAD_DIM
/* The path llama.cpp takes for a batch of n_tokens with this view. */
enum ops_attn_path ops_attention_path(int32_t n_tokens, int32_t view);
/* llama.cpp's KV view: the cells used after the batch rounded up to 256 (at
 * least 256), at most the cache size rounded up to 256. */
int32_t ops_attention_view(int32_t len_after, int32_t n_ctx);
/* Floats of scratch one ops_attention call needs. */
size_t ops_attention_scratch_floats(int hd_k, int hd_v);
void ops_attention(const struct ops_attn *a, enum ops_attn_path path, const float *q,
                   int32_t n_vis, int32_t view, float *scratch, float *out);
/* The TILED path for nq <= OPS_ATTN_BLOCK query rows of one head over the
 * same cache (row r: q + r*q_stride, its first n_vis[r] cells, output at
 * out + r*out_stride). Each row's result is bit-identical to ops_attention's
 * for that row alone; the block shares the f32 copies of each K/V tile. */
void ops_attention_block(const struct ops_attn *a, const float *q, size_t q_stride, int nq,
                         const int32_t *n_vis, float *scratch, float *out, size_t out_stride);

#endif
