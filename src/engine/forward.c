/* forward.c — one transformer skeleton for llama, qwen2 and qwen3.
 *
 * Per layer, in data-flow order (x is the residual stream):
 *   xn = rmsnorm(x) * attn_norm
 *   q, k, v = xn·Wq, xn·Wk, xn·Wv  (+ biases: qwen2)
 *   q, k = rmsnorm per head * q_norm/k_norm (qwen3);  rope(q), rope(k)
 *   k, v -> KV cache (f16) at each token's position in its sequence
 *   att = softmax(q·K^T / sqrt(hd)) · V   over the sequence's positions <= pos
 *   x += att·Wo
 *   xn = rmsnorm(x) * ffn_norm
 *   x += (silu(xn·Wgate) * (xn·Wup)) · Wdown
 * then logits = (rmsnorm(x) * output_norm) · Wout for the tokens that want them.
 *
 * The residual add of a block's output is done by the next step that reads
 * the row (the next norm), which saves a pass and a barrier per block.
 */
#include "engine/forward.h"

#include <math.h>
#include <string.h>

#include "engine/matmul.h"

/* Rows [*lo, *hi) of n that thread ith of nth owns. */
static inline void split(int64_t n, int ith, int nth, int64_t *lo, int64_t *hi)
{
    *lo = n * ith / nth;
    *hi = n * (ith + 1) / nth;
}

struct act_buf *fwd_act_for(struct eng_ctx *c, int wtype)
{
    int vt = kern_vec_dot_type(wtype);
    for (int i = 0; i < ENG_MAX_ACT_TYPES; i++)
        if (c->act[i].type == vt)
            return &c->act[i];
    return NULL;
}

/* Quantize row t of src (n floats) for every weight in ws[0..nw). Weights
 * that share a vec_dot type share the quantized row. */
static void quantize_row_for(struct eng_ctx *c, const struct eng_weight *const *ws, int nw,
                             const float *src, int64_t n, int64_t t)
{
    struct act_buf *done[ENG_MAX_ACT_TYPES] = {0};
    int n_done = 0;
    for (int i = 0; i < nw; i++) {
        struct act_buf *a = fwd_act_for(c, ws[i]->type);
        bool seen = false;
        for (int j = 0; j < n_done; j++)
            seen |= done[j] == a;
        if (seen)
            continue;
        c->kern->quantize[a->type](src, a->data + (size_t)t * a->stride, n);
        done[n_done++] = a;
    }
}

static void matmul(struct eng_ctx *c, const struct eng_weight *w, int64_t T, float *y,
                   int64_t y_stride, int ith, int nth)
{
    struct act_buf *a = fwd_act_for(c, w->type);
    mm_mul(c->kern, w, a->data, a->stride, (int)T, y, y_stride, ith, nth);
}

/* ---------------------------------------------------------------- steps */

static void step_embed(struct eng_ctx *c, int ith, int nth)
{
    const struct eng_model *m = c->m;
    const int64_t E = m->hp.n_embd;
    const struct qt_traits *tr = qt_get_traits(m->tok_embd.type);
    int64_t lo, hi;
    split(c->n_tokens, ith, nth, &lo, &hi);
    for (int64_t t = lo; t < hi; t++) {
        const uint8_t *row = (const uint8_t *)m->tok_embd.data +
                             (size_t)c->batch->token[t] * m->tok_embd.row_bytes;
        tr->to_float(row, c->x + t * E, E);
        rope_cache(&c->rope, (float)c->batch->pos[t], c->rope_cs + t * c->rope.n_rot);
    }
}

/* x += tmp (when pending) and xn = rmsnorm(x) * w, then quantize xn for ws. */
static void step_norm(struct eng_ctx *c, const struct eng_weight *norm, bool add_pending,
                      const struct eng_weight *const *ws, int nw, int ith, int nth)
{
    const int64_t E = c->m->hp.n_embd;
    int64_t lo, hi;
    split(c->n_tokens, ith, nth, &lo, &hi);
    for (int64_t t = lo; t < hi; t++) {
        float *x = c->x + t * E, *xn = c->xn + t * E;
        if (add_pending)
            ops_add(x, c->tmp + t * E, E);
        ops_rmsnorm(x, norm->data, xn, E, c->m->hp.rms_eps);
        quantize_row_for(c, ws, nw, xn, E, t);
    }
}

/* Biases, per-head q/k norms, RoPE, and the store of k and v into the cache. */
static void step_qk_rope_store(struct eng_ctx *c, int il, int ith, int nth)
{
    const struct eng_model *m = c->m;
    const struct eng_hparams *hp = &m->hp;
    const struct eng_layer *L = &m->layers[il];
    const int64_t QD = (int64_t)hp->n_head * hp->head_dim_k;
    const int64_t KD = c->kv.dim_k, VD = c->kv.dim_v;
    int64_t lo, hi;
    split(c->n_tokens, ith, nth, &lo, &hi);
    for (int64_t t = lo; t < hi; t++) {
        float *q = c->q + t * QD, *k = c->k + t * KD, *v = c->v + t * VD;
        if (L->bq.data) {
            ops_add(q, L->bq.data, QD);
            ops_add(k, L->bk.data, KD);
            ops_add(v, L->bv.data, VD);
        }
        if (L->q_norm.data) {
            for (int h = 0; h < hp->n_head; h++)
                ops_rmsnorm(q + (int64_t)h * hp->head_dim_k, L->q_norm.data,
                            q + (int64_t)h * hp->head_dim_k, hp->head_dim_k, hp->rms_eps);
            for (int h = 0; h < hp->n_head_kv; h++)
                ops_rmsnorm(k + (int64_t)h * hp->head_dim_k, L->k_norm.data,
                            k + (int64_t)h * hp->head_dim_k, hp->head_dim_k, hp->rms_eps);
        }
        const float *cs = c->rope_cs + t * c->rope.n_rot;
        rope_apply(&c->rope, cs, q, hp->n_head, hp->head_dim_k);
        rope_apply(&c->rope, cs, k, hp->n_head_kv, hp->head_dim_k);
        const int32_t seq = c->batch->seq[t], pos = c->batch->pos[t];
        c->kern->f32_to_f16(k, kv_k(&c->kv, il, seq, pos), KD);
        c->kern->f32_to_f16(v, kv_v(&c->kv, il, seq, pos), VD);
    }
}

/* Causal attention of every (token, head) pair, on the path llama.cpp would
 * take for this batch (ops.h, docs/numerics.md). Work items go round-robin
 * to the threads so that the costly late positions are shared out. On the
 * TILED path an item is a block of consecutive tokens of one sequence and one
 * head (the block shares each K/V tile's f32 copy); otherwise one token and
 * one head. */
static void step_attention(struct eng_ctx *c, int il, int ith, int nth)
{
    const struct eng_hparams *hp = &c->m->hp;
    const struct eng_batch *b = c->batch;
    const int64_t hdk = hp->head_dim_k, hdv = hp->head_dim_v;
    const int64_t QD = (int64_t)hp->n_head * hdk, OD = (int64_t)hp->n_head * hdv;
    const int group = hp->n_head / hp->n_head_kv;
    const int32_t T = c->n_tokens;
    float *scratch = c->thread_scratch + (size_t)ith * c->thread_scratch_floats;
    struct ops_attn a = {.kt = c->kern, .k_stride = (size_t)c->kv.dim_k,
                         .v_stride = (size_t)c->kv.dim_v, .hd_k = (int)hdk, .hd_v = (int)hdv,
                         .scale = c->kq_scale};
    if (ops_attention_path(T, ops_attention_view(1, c->p.n_ctx)) == OPS_ATTN_TILED) {
        int64_t item = 0;
        for (int32_t t0 = 0, t1; t0 < T; t0 = t1) {
            const int32_t seq = b->seq[t0];
            int32_t n_vis[OPS_ATTN_BLOCK];
            for (t1 = t0; t1 < T && t1 - t0 < OPS_ATTN_BLOCK && b->seq[t1] == seq; t1++)
                n_vis[t1 - t0] = b->pos[t1] + 1;
            for (int h = 0; h < hp->n_head; h++, item++) {
                if (item % nth != ith)
                    continue;
                const int g = h / group;
                a.K = kv_k(&c->kv, il, seq, 0) + g * hdk;
                a.V = kv_v(&c->kv, il, seq, 0) + g * hdv;
                ops_attention_block(&a, c->q + t0 * QD + h * hdk, (size_t)QD, t1 - t0, n_vis,
                                    scratch, c->att + t0 * OD + (int64_t)h * hdv, (size_t)OD);
            }
        }
        return;
    }
    for (int64_t item = ith; item < (int64_t)T * hp->n_head; item += nth) {
        const int64_t t = item / hp->n_head;
        const int h = (int)(item % hp->n_head), g = h / group;
        const int32_t seq = b->seq[t];
        const int32_t view = ops_attention_view(c->seq_next[seq], c->p.n_ctx);
        a.K = kv_k(&c->kv, il, seq, 0) + g * hdk;
        a.V = kv_v(&c->kv, il, seq, 0) + g * hdv;
        ops_attention(&a, ops_attention_path(T, view), c->q + t * QD + h * hdk, b->pos[t] + 1,
                      view, scratch, c->att + t * OD + (int64_t)h * hdv);
    }
}

static void step_quantize(struct eng_ctx *c, const struct eng_weight *w, const float *src,
                          int64_t width, int ith, int nth)
{
    int64_t lo, hi;
    split(c->n_tokens, ith, nth, &lo, &hi);
    for (int64_t t = lo; t < hi; t++)
        quantize_row_for(c, &w, 1, src + t * width, width, t);
}

/* ---------------------------------------------------------------- blocks */

static void block_attention(struct eng_ctx *c, int il, int ith, int nth)
{
    const struct eng_hparams *hp = &c->m->hp;
    const struct eng_layer *L = &c->m->layers[il];
    const struct eng_weight *qkv[3] = {&L->wq, &L->wk, &L->wv};
    const int64_t T = c->n_tokens;

    step_norm(c, &L->attn_norm, il > 0, qkv, 3, ith, nth);
    pool_barrier(c->pool);
    matmul(c, &L->wq, T, c->q, L->wq.n_out, ith, nth);
    matmul(c, &L->wk, T, c->k, L->wk.n_out, ith, nth);
    matmul(c, &L->wv, T, c->v, L->wv.n_out, ith, nth);
    pool_barrier(c->pool);
    step_qk_rope_store(c, il, ith, nth);
    pool_barrier(c->pool);
    step_attention(c, il, ith, nth);
    pool_barrier(c->pool);
    step_quantize(c, &L->wo, c->att, (int64_t)hp->n_head * hp->head_dim_v, ith, nth);
    pool_barrier(c->pool);
    matmul(c, &L->wo, T, c->tmp, hp->n_embd, ith, nth);
    pool_barrier(c->pool);
}

static void block_ffn(struct eng_ctx *c, int il, int ith, int nth)
{
    const struct eng_hparams *hp = &c->m->hp;
    const struct eng_layer *L = &c->m->layers[il];
    const struct eng_weight *gu[2] = {&L->w_gate, &L->w_up};
    const int64_t T = c->n_tokens, F = hp->n_ff;

    step_norm(c, &L->ffn_norm, true, gu, 2, ith, nth);
    pool_barrier(c->pool);
    if (c->fuse_ffn) {
        struct act_buf *a = fwd_act_for(c, L->w_gate.type);
        mm_mul_swiglu(c->kern, &L->w_gate, &L->w_up, a->data, a->stride, (int)T, c->h, F, ith,
                      nth);
    } else {
        matmul(c, &L->w_gate, T, c->h, F, ith, nth);
        matmul(c, &L->w_up, T, c->u, F, ith, nth);
        pool_barrier(c->pool);
        int64_t lo, hi;
        split(T, ith, nth, &lo, &hi);
        for (int64_t t = lo; t < hi; t++)
            ops_swiglu(c->h + t * F, c->u + t * F, c->h + t * F, F);
    }
    pool_barrier(c->pool);
    step_quantize(c, &L->w_down, c->h, F, ith, nth);
    pool_barrier(c->pool);
    matmul(c, &L->w_down, T, c->tmp, hp->n_embd, ith, nth);
    pool_barrier(c->pool);
}

/* The rows that want logits: final residual add, norm, output projection. */
static void block_output(struct eng_ctx *c, int ith, int nth)
{
    const struct eng_model *m = c->m;
    const int64_t E = m->hp.n_embd;
    int64_t lo, hi;
    split(c->n_out, ith, nth, &lo, &hi);
    for (int64_t o = lo; o < hi; o++) {
        const int64_t t = c->out_tok[o];
        float *x = c->x + t * E, *xn = c->xn + o * E;
        const struct eng_weight *w = &m->output;
        ops_add(x, c->tmp + t * E, E);
        ops_rmsnorm(x, m->output_norm.data, xn, E, m->hp.rms_eps);
        quantize_row_for(c, &w, 1, xn, E, o);
    }
    pool_barrier(c->pool);
    matmul(c, &m->output, c->n_out, c->logits, m->hp.n_vocab, ith, nth);
}

void fwd_run(void *ctx, int ith, int nth)
{
    struct eng_ctx *c = ctx;
    step_embed(c, ith, nth);
    pool_barrier(c->pool);
    for (int il = 0; il < c->m->hp.n_layer; il++) {
        block_attention(c, il, ith, nth);
        block_ffn(c, il, ith, nth);
    }
    if (c->n_out > 0)
        block_output(c, ith, nth);
}
