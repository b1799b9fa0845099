/* engine.c — engine contexts: planning every buffer once, decoding batches,
 * sequence management. The forward pass itself is in forward.c. */
#include "engine/forward.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/matmul.h"

void eng_ctx_params_default(struct eng_ctx_params *p)
{
    memset(p, 0, sizeof(*p));
    p->n_ctx = 4096;
    p->n_seq = 1;
    p->n_batch = 512;
    p->n_outputs_max = 0;
    p->n_threads = 0;
}

/* ---------------------------------------------------------------- planning */

#define ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))

struct plan_item {
    void **dst;
    size_t bytes;
};

/* Every matrix the forward pass multiplies, for planning activation buffers. */
static int for_each_matrix(const struct eng_model *m, const struct eng_weight **out, int max)
{
    int n = 0;
    for (int il = 0; il < m->hp.n_layer; il++) {
        const struct eng_layer *L = &m->layers[il];
        const struct eng_weight *ws[] = {&L->wq, &L->wk, &L->wv, &L->wo,
                                         &L->w_gate, &L->w_up, &L->w_down};
        for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]) && n < max; i++)
            out[n++] = ws[i];
    }
    if (n < max)
        out[n++] = &m->output;
    return n;
}

static int plan_act_buffers(struct eng_ctx *c, struct cola_err *err)
{
    for (int i = 0; i < ENG_MAX_ACT_TYPES; i++)
        c->act[i].type = -1;
    int max = c->m->hp.n_layer * 7 + 1;
    const struct eng_weight **ws = malloc(sizeof(*ws) * (size_t)max);
    if (!ws)
        return err_set(err, COLA_ENOMEM, "out of memory planning activations");
    int n = for_each_matrix(c->m, ws, max), rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        int vt = kern_vec_dot_type(ws[i]->type);
        size_t bytes = ALIGN_UP(mm_act_row_bytes(ws[i]->type, ws[i]->n_in), 64);
        int slot = -1;
        for (int j = 0; j < ENG_MAX_ACT_TYPES && slot < 0; j++)
            if (c->act[j].type == vt || c->act[j].type == -1)
                slot = j;
        if (slot < 0) {
            rc = err_set(err, COLA_EUNSUPPORTED, "model mixes more than %d activation formats",
                         ENG_MAX_ACT_TYPES);
            break;
        }
        c->act[slot].type = vt;
        if (bytes > c->act[slot].stride)
            c->act[slot].stride = bytes;
    }
    c->fuse_ffn = true;
    for (int il = 0; il < c->m->hp.n_layer; il++)
        c->fuse_ffn &= mm_can_fuse(&c->m->layers[il].w_gate, &c->m->layers[il].w_up);
    free(ws);
    return rc;
}

/* One allocation for all scratch, each buffer 64-byte aligned. */
static int plan_scratch(struct eng_ctx *c, struct cola_err *err)
{
    const struct eng_hparams *hp = &c->m->hp;
    const size_t B = (size_t)c->p.n_batch, O = (size_t)c->p.n_outputs_max;
    const size_t E = (size_t)hp->n_embd, F = (size_t)hp->n_ff;
    const size_t QD = (size_t)hp->n_head * hp->head_dim_k, OD = (size_t)hp->n_head * hp->head_dim_v;
    const int nth = pool_size(c->pool);
    c->thread_scratch_floats =
        ALIGN_UP(ops_attention_scratch_floats(hp->head_dim_k, hp->head_dim_v), 16);
    struct plan_item items[] = {
        {(void **)&c->x, B * E * sizeof(float)},
        {(void **)&c->xn, B * E * sizeof(float)},
        {(void **)&c->q, B * QD * sizeof(float)},
        {(void **)&c->k, B * (size_t)c->kv.dim_k * sizeof(float)},
        {(void **)&c->v, B * (size_t)c->kv.dim_v * sizeof(float)},
        {(void **)&c->att, B * OD * sizeof(float)},
        {(void **)&c->tmp, B * E * sizeof(float)},
        {(void **)&c->h, B * F * sizeof(float)},
        {(void **)&c->u, c->fuse_ffn ? 0 : B * F * sizeof(float)},
        {(void **)&c->rope_cs, B * (size_t)c->rope.n_rot * sizeof(float)},
        {(void **)&c->thread_scratch, (size_t)nth * c->thread_scratch_floats * sizeof(float)},
        {(void **)&c->shift_scratch, kv_shift_scratch_floats(&c->kv, &c->rope) * sizeof(float)},
        {(void **)&c->logits, O * (size_t)hp->n_vocab * sizeof(float)},
        {(void **)&c->out_row, B * sizeof(int32_t)},
        {(void **)&c->out_tok, O * sizeof(int32_t)},
        {(void **)&c->seq_next, (size_t)c->p.n_seq * sizeof(int32_t)},
        {(void **)&c->act[0].data, B * c->act[0].stride},
        {(void **)&c->act[1].data, B * c->act[1].stride},
        {(void **)&c->act[2].data, B * c->act[2].stride},
        {(void **)&c->act[3].data, B * c->act[3].stride},
    };
    size_t total = 0;
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
        total += ALIGN_UP(items[i].bytes, 64);
    c->scratch_mem = aligned_alloc(64, total ? total : 64);
    if (!c->scratch_mem)
        return err_set(err, COLA_ENOMEM, "cannot allocate %zu bytes of scratch", total);
    char *p = c->scratch_mem;
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        *items[i].dst = items[i].bytes ? p : NULL;
        p += ALIGN_UP(items[i].bytes, 64);
    }
    c->scratch_bytes = total;
    return 0;
}

int eng_ctx_new(struct eng_model *m, const struct eng_ctx_params *params, struct eng_ctx **out,
                struct cola_err *err)
{
    *out = NULL;
    if (!m->layers)
        return err_set(err, COLA_EINVAL, "model was loaded vocab-only");
    struct eng_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return err_set(err, COLA_ENOMEM, "out of memory");
    c->m = m;
    c->p = *params;
    if (c->p.n_ctx < 1)
        c->p.n_ctx = 1;
    if (c->p.n_seq < 1)
        c->p.n_seq = 1;
    if (c->p.n_batch < 1)
        c->p.n_batch = 1;
    if (c->p.n_outputs_max < 1)
        c->p.n_outputs_max = c->p.n_seq;
    if (c->p.n_outputs_max > c->p.n_batch)
        c->p.n_outputs_max = c->p.n_batch;
    if (c->p.n_threads < 1)
        c->p.n_threads = pool_physical_cores();
    const struct eng_hparams *hp = &m->hp;
    c->kern = kern_best();
    rope_params_init(&c->rope, hp, m->arch->rope, m->rope_freqs.data);
    c->kq_scale = 1.0f / sqrtf((float)hp->head_dim_k);
    int rc = pool_new(c->p.n_threads, &c->pool);
    if (rc) {
        err_set(err, rc, "cannot start %d threads", c->p.n_threads);
        goto out;
    }
    rc = kv_init(&c->kv, hp->n_layer, c->p.n_seq, c->p.n_ctx, hp->n_head_kv * hp->head_dim_k,
                 hp->n_head_kv * hp->head_dim_v);
    if (rc) {
        err_set(err, rc, "cannot allocate a KV cache of %d x %d cells", c->p.n_seq, c->p.n_ctx);
        goto out;
    }
    rc = plan_act_buffers(c, err);
    if (!rc)
        rc = plan_scratch(c, err);
out:
    if (rc) {
        eng_ctx_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void eng_ctx_free(struct eng_ctx *c)
{
    if (!c)
        return;
    pool_free(c->pool);
    kv_free(&c->kv);
    free(c->scratch_mem);
    free(c);
}

const struct eng_ctx_params *eng_ctx_params(const struct eng_ctx *c) { return &c->p; }
const struct eng_model *eng_ctx_model(const struct eng_ctx *c) { return c->m; }
size_t eng_ctx_kv_bytes(const struct eng_ctx *c) { return c->kv.bytes; }
size_t eng_ctx_scratch_bytes(const struct eng_ctx *c) { return c->scratch_bytes; }

/* ---------------------------------------------------------------- decoding */

/* Check the batch and lay out its outputs. */
static int batch_check(struct eng_ctx *c, const struct eng_batch *b, int32_t *n_out,
                       struct cola_err *err)
{
    if (b->n < 1 || b->n > c->p.n_batch)
        return err_set(err, COLA_EINVAL, "batch of %d tokens (1..%d allowed)", b->n, c->p.n_batch);
    const int32_t n_vocab = c->m->hp.n_vocab;
    int32_t outs = 0;
    memcpy(c->seq_next, c->kv.len, sizeof(int32_t) * (size_t)c->p.n_seq);
    for (int32_t i = 0; i < b->n; i++) {
        if (b->token[i] < 0 || b->token[i] >= n_vocab)
            return err_set(err, COLA_EINVAL, "token id %d out of range (vocabulary of %d)",
                           b->token[i], n_vocab);
        const int32_t s = b->seq[i];
        if (s < 0 || s >= c->p.n_seq)
            return err_set(err, COLA_EINVAL, "sequence id %d out of range", s);
        const int32_t expect = c->seq_next[s]++;
        if (b->pos[i] != expect)
            return err_set(err, COLA_EINVAL, "token %d of sequence %d has position %d, expected %d",
                           i, s, b->pos[i], expect);
        if (expect >= c->p.n_ctx)
            return err_set(err, COLA_ERANGE, "sequence %d is full (%d of %d cells)", s, expect,
                           c->p.n_ctx);
        c->out_row[i] = b->logits[i] ? outs : -1;
        if (b->logits[i]) {
            if (outs >= c->p.n_outputs_max)
                return err_set(err, COLA_EINVAL, "batch asks for more than %d logits",
                               c->p.n_outputs_max);
            c->out_tok[outs++] = i;
        }
    }
    *n_out = outs;
    return 0;
}

int eng_decode(struct eng_ctx *c, const struct eng_batch *b, struct cola_err *err)
{
    int32_t n_out = 0;
    c->n_out = 0;
    int rc = batch_check(c, b, &n_out, err);
    if (rc)
        return rc;
    c->batch = b;
    c->n_tokens = b->n;
    c->n_out = n_out;
    pool_run(c->pool, fwd_run, c);
    for (int32_t i = 0; i < b->n; i++)
        c->kv.len[b->seq[i]]++;
    c->batch = NULL;
    return 0;
}

const float *eng_logits(const struct eng_ctx *c, int32_t i)
{
    if (i < 0 || i >= c->n_tokens || c->out_row[i] < 0)
        return NULL;
    return c->logits + (size_t)c->out_row[i] * (size_t)c->m->hp.n_vocab;
}

/* ---------------------------------------------------------------- sequences */

int32_t eng_seq_len(const struct eng_ctx *c, int32_t seq)
{
    return seq >= 0 && seq < c->p.n_seq ? c->kv.len[seq] : 0;
}

int eng_seq_truncate(struct eng_ctx *c, int32_t seq, int32_t p0)
{
    if (seq < 0 || seq >= c->p.n_seq || p0 < 0)
        return COLA_EINVAL;
    if (p0 < c->kv.len[seq])
        c->kv.len[seq] = p0;
    return 0;
}

int eng_seq_shift(struct eng_ctx *c, int32_t seq, int32_t n_keep, int32_t n_discard)
{
    const struct eng_hparams *hp = &c->m->hp;
    return kv_seq_shift(&c->kv, seq, n_keep, n_discard, &c->rope, hp->n_head_kv, hp->head_dim_k,
                        c->shift_scratch);
}

int eng_seq_copy(struct eng_ctx *c, int32_t src, int32_t dst, int32_t n)
{
    if (src < 0 || src >= c->p.n_seq || dst < 0 || dst >= c->p.n_seq || n < 0 ||
        n > c->kv.len[src])
        return COLA_EINVAL;
    kv_seq_copy(&c->kv, src, dst, n);
    return 0;
}
