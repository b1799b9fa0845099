/* gen.c — the generation loop for one sequence. */
#include "engine/gen.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/stop.h"
#include "engine/tok.h"
#include "util/buf.h"
#include "util/log.h"

#define GEN_TEXT_MAX (1 << 20) /* bytes of text one token may produce, generously */

void gen_opts_default(struct gen_opts *o)
{
    memset(o, 0, sizeof(*o));
    smp_params_default(&o->smp);
    o->num_predict = -1;
    o->num_keep = 4;
    o->shift = true;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

size_t gen_truncate_prompt(int32_t *prompt, size_t n_prompt, int32_t n_ctx, int32_t n_keep)
{
    if (n_prompt < (size_t)n_ctx)
        return n_prompt;
    if (n_keep < 0 || n_keep >= n_ctx / 2)
        n_keep = n_ctx / 2 - 1 > 0 ? n_ctx / 2 - 1 : 0;
    const size_t n_left = (size_t)(n_ctx - n_keep);
    const size_t block = n_left / 2 > 0 ? n_left / 2 : 1;
    const size_t erased = (n_prompt - (size_t)n_keep - block) / block;
    const size_t from = (size_t)n_keep + erased * block;
    memmove(prompt + n_keep, prompt + from, (n_prompt - from) * sizeof(*prompt));
    return (size_t)n_keep + (n_prompt - from);
}

struct gen_state {
    struct eng_ctx *c;
    int32_t seq;
    struct eng_batch b;
    int32_t one_token, one_pos, one_seq;
    bool one_logits;
    struct smp *smp;
    struct stop_matcher *stop;
    struct tok_stream ts;
    struct buf piece, out;
    gen_emit_fn emit;
    void *user;
    const float *logits;   /* of the last token decoded */
};

/* Evaluate the prompt in batches of n_batch tokens; logits for the last. */
static int eval_prompt(struct gen_state *g, const int32_t *prompt, size_t n, struct cola_err *err)
{
    const int32_t n_batch = eng_ctx_params(g->c)->n_batch;
    int32_t *pos = malloc(sizeof(int32_t) * (size_t)n_batch);
    int32_t *seq = malloc(sizeof(int32_t) * (size_t)n_batch);
    bool *want = malloc(sizeof(bool) * (size_t)n_batch);
    int rc = 0;
    if (!pos || !seq || !want) {
        rc = err_set(err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t done = 0; done < n && !rc;) {
        int32_t k = n - done < (size_t)n_batch ? (int32_t)(n - done) : n_batch;
        for (int32_t i = 0; i < k; i++) {
            pos[i] = (int32_t)done + i;
            seq[i] = g->seq;
            want[i] = done + (size_t)i == n - 1;
        }
        struct eng_batch b = {k, (int32_t *)prompt + done, pos, seq, want};
        rc = eng_decode(g->c, &b, err);
        done += (size_t)k;
        if (!rc && done == n)
            g->logits = eng_logits(g->c, k - 1);
    }
out:
    free(pos);
    free(seq);
    free(want);
    return rc;
}

/* Pass text through the stop matcher to the caller. Returns 1 on a stop
 * string match, 0 to go on, COLA_ECANCELED or an error. */
static int deliver(struct gen_state *g, const char *text, size_t len, bool final)
{
    buf_reset(&g->out);
    int m = len ? stop_feed(g->stop, text, len, &g->out) : 0;
    if (m < 0)
        return m;
    if (final && m == 0 && stop_flush(g->stop, &g->out))
        return COLA_ENOMEM;
    if (g->out.len && g->emit(g->user, g->out.data, g->out.len))
        return COLA_ECANCELED;
    return m;
}

/* Make room for one more token: shift the context or report it full. */
static int make_room(struct gen_state *g, const struct gen_opts *o, struct gen_stats *st,
                     bool *full)
{
    const int32_t n_ctx = eng_ctx_params(g->c)->n_ctx;
    *full = false;
    if (eng_seq_len(g->c, g->seq) < n_ctx)
        return 0;
    if (!o->shift || o->num_predict == -2) {
        *full = true;
        return 0;
    }
    int32_t keep = o->num_keep < 0 ? 0 : o->num_keep;
    if (keep > n_ctx / 2)
        keep = n_ctx / 2;
    const int32_t discard = (n_ctx - keep) / 2;
    if (discard < 1) {
        *full = true;
        return 0;
    }
    log_info("context shift: sequence %d is full (%d tokens); keeping %d, discarding %d", g->seq,
             n_ctx, keep, discard);
    st->n_shifts++;
    return eng_seq_shift(g->c, g->seq, keep, discard);
}

/* Sample from the last logits, show the token, decode it; until a stop. */
static int token_loop(struct gen_state *g, const struct gen_opts *o, struct gen_stats *st,
                      struct cola_err *err)
{
    const struct tok_vocab *v = eng_model_vocab(eng_ctx_model(g->c));
    const float *logits = g->logits;
    for (;;) {
        if (o->num_predict >= 0 && st->eval_count >= o->num_predict) {
            st->done_reason = "length";
            break;
        }
        int32_t id = smp_sample(g->smp, logits);
        if (id < 0)
            return err_set(err, id, "no token can be sampled (every token is banned)");
        smp_accept(g->smp, id);
        st->eval_count++;
        if (tok_is_eog(v, id)) {
            st->done_reason = "stop";
            break;
        }
        buf_reset(&g->piece);
        int rc = tok_stream_push(&g->ts, id, &g->piece);
        if (!rc)
            rc = deliver(g, g->piece.data, g->piece.len, false);
        if (rc == 1) {
            st->done_reason = "stop";
            return 0;
        }
        if (rc)
            return rc == COLA_ECANCELED ? rc : err_set(err, rc, "generated text too long");
        bool full;
        rc = make_room(g, o, st, &full);
        if (rc)
            return err_set(err, rc, "context shift failed");
        if (full) {
            st->done_reason = "length";
            break;
        }
        g->one_token = id;
        g->one_pos = eng_seq_len(g->c, g->seq);
        rc = eng_decode(g->c, &g->b, err);
        if (rc)
            return rc;
        logits = eng_logits(g->c, 0);
    }
    /* end without a stop string: release held-back bytes */
    buf_reset(&g->piece);
    if (tok_stream_flush(&g->ts, &g->piece))
        return err_set(err, COLA_ENOMEM, "out of memory");
    int rc = deliver(g, g->piece.data, g->piece.len, true);
    if (rc == 1) {
        st->done_reason = "stop";
        rc = 0;
    }
    return rc;
}

int gen_generate(struct eng_ctx *c, int32_t seq, const int32_t *prompt, size_t n_prompt,
                 const struct gen_opts *o, gen_emit_fn emit, void *user, struct gen_stats *st,
                 struct cola_err *err)
{
    memset(st, 0, sizeof(*st));
    st->done_reason = "stop";
    const struct eng_model *m = eng_ctx_model(c);
    const int32_t n_ctx = eng_ctx_params(c)->n_ctx;
    if (n_prompt == 0)
        return err_set(err, COLA_EINVAL, "empty prompt");
    struct gen_state g = {.c = c, .seq = seq, .emit = emit, .user = user};
    g.b = (struct eng_batch){1, &g.one_token, &g.one_pos, &g.one_seq, &g.one_logits};
    g.one_seq = seq;
    g.one_logits = true;
    buf_init(&g.piece, GEN_TEXT_MAX);
    buf_init(&g.out, GEN_TEXT_MAX);
    int32_t *tokens = NULL;
    int rc = smp_init(&g.smp, eng_model_hparams(m)->n_vocab, n_ctx, &o->smp, err);
    if (!rc)
        rc = stop_init(&g.stop, o->stop, NULL, o->n_stop, err);
    if (rc)
        goto out;
    tok_stream_init(&g.ts, eng_model_vocab(m), TOK_DEC_CONTINUE); /* generated text continues the prompt */
    tokens = malloc(sizeof(*tokens) * n_prompt);
    if (!tokens || buf_reserve(&g.piece, 256) || buf_reserve(&g.out, 256)) {
        rc = err_set(err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(tokens, prompt, sizeof(*tokens) * n_prompt);
    size_t n = n_prompt;
    if (n >= (size_t)n_ctx) {
        if (!o->shift) {
            rc = err_set(err, COLA_ERANGE, "the input length (%zu tokens) exceeds the context "
                                           "length (%d tokens)", n_prompt, n_ctx);
            goto out;
        }
        n = gen_truncate_prompt(tokens, n, n_ctx, o->num_keep);
        st->prompt_truncated = true;
        log_warn("input truncated: %zu prompt tokens do not fit a context of %d; kept %zu",
                 n_prompt, n_ctx, n);
    }
    for (size_t i = 0; i < n; i++)
        smp_accept(g.smp, tokens[i]);
    eng_seq_truncate(c, seq, 0);
    int64_t t0 = now_ns();
    rc = eval_prompt(&g, tokens, n, err);
    int64_t t1 = now_ns();
    st->prompt_eval_count = (int64_t)n;
    st->prompt_eval_ns = t1 - t0;
    if (!rc)
        rc = token_loop(&g, o, st, err);
    st->eval_ns = now_ns() - t1;
out:
    free(tokens);
    smp_free(g.smp);
    stop_free(g.stop);
    buf_free(&g.piece);
    buf_free(&g.out);
    return rc;
}
