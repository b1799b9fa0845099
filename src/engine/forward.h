/* forward.h — the engine context and the transformer forward pass. Internal to
 * src/engine (engine.c plans and owns the context; forward.c runs it).
 *
 * One eng_decode() is one pool_run: every thread walks the same layer loop and
 * does its share of each step (rows of a matrix product, tokens of a norm,
 * (token, head) pairs of attention), with a barrier between dependent steps.
 * All buffers below are planned for n_batch tokens by eng_ctx_new().
 */
#ifndef COLA_ENGINE_FORWARD_H
#define COLA_ENGINE_FORWARD_H

#include "engine/engine.h"
#include "engine/kernels.h"
#include "engine/kv.h"
#include "engine/model.h"
#include "engine/ops.h"
#include "engine/pool.h"

#define ENG_MAX_ACT_TYPES 4

/* Activations quantized for one vec_dot type (Q8_0, Q8_K, F16, ...). */
struct act_buf {
    int type;        /* vec_dot type, -1 = unused slot */
    uint8_t *data;   /* (n_batch, stride) */
    size_t stride;   /* bytes per row: enough for the widest input */
};

struct eng_ctx {
    struct eng_model *m;
    struct eng_ctx_params p;
    const struct kern_table *kern;
    struct pool *pool;
    struct kv_cache kv;
    struct rope_params rope;
    float kq_scale;           /* 1 / sqrt(head_dim_k) */
    bool fuse_ffn;            /* every layer's gate/up can use mm_mul_swiglu */

    /* scratch, (n_batch, width) row-major unless said otherwise */
    float *x;                 /* (n_batch, n_embd) residual stream */
    float *xn;                /* (n_batch, n_embd) normed input of a block */
    float *q;                 /* (n_batch, n_head * hd_k) */
    float *k;                 /* (n_batch, n_head_kv * hd_k) */
    float *v;                 /* (n_batch, n_head_kv * hd_v) */
    float *att;               /* (n_batch, n_head * hd_v) attention output */
    float *tmp;               /* (n_batch, n_embd) block output before the residual add */
    float *h;                 /* (n_batch, n_ff) FFN hidden */
    float *u;                 /* (n_batch, n_ff) FFN up, only when !fuse_ffn */
    float *rope_cs;           /* (n_batch, n_rot) cos/sin per token */
    float *thread_scratch;    /* (n_threads, thread_scratch_floats): attention scratch */
    size_t thread_scratch_floats;
    float *shift_scratch;     /* kv_shift_scratch_floats() */
    struct act_buf act[ENG_MAX_ACT_TYPES];
    float *logits;            /* (n_outputs_max, n_vocab) */
    int32_t *out_row;         /* (n_batch) logits row of each token, or -1 */
    int32_t *out_tok;         /* (n_outputs_max) batch index of each logits row */
    int32_t *seq_next;        /* (n_seq) length of each sequence once the batch is in */
    size_t scratch_bytes;
    void *scratch_mem;        /* the one allocation behind all of the above */

    /* the batch being decoded */
    const struct eng_batch *batch;
    int32_t n_tokens;
    int32_t n_out;
};

/* The activation buffer for weight type wtype (its vec_dot type). */
struct act_buf *fwd_act_for(struct eng_ctx *c, int wtype);

/* Run the forward pass over c->batch (validated by the caller). */
void fwd_run(void *ctx, int ith, int nth);

#endif
