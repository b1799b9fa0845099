/* gen.c — generation for one sequence, as a state machine that one driver
 * (gen_generate) or several at once (slots.c) feed with logits. */
#include "engine/gen.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/gen_seq.h"
#include "engine/stop.h"
#include "engine/tok.h"
#include "util/buf.h"
#include "util/log.h"

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

/* ---------------------------------------------------------------- one sequence */

void gen_seq_free(struct gen_seq *g)
{
    free(g->tokens);
    smp_free(g->smp);
    stop_free(g->stop);
    buf_free(&g->piece);
    buf_free(&g->out);
    for (size_t i = 0; i < g->n_stop; i++)
        free(g->stops[i]);
    free(g->stops);
    memset(g, 0, sizeof(*g));
}

int gen_seq_init(struct gen_seq *g, struct eng_ctx *c, int32_t seq, const int32_t *prompt,
                 size_t n_prompt, const struct gen_opts *o, gen_emit_fn emit, void *user,
                 struct cola_err *err)
{
    memset(g, 0, sizeof(*g));
    g->c = c, g->seq = seq, g->emit = emit, g->user = user, g->opts = *o;
    g->st.done_reason = "stop";
    buf_init(&g->piece, GEN_TEXT_MAX);
    buf_init(&g->out, GEN_TEXT_MAX);
    const struct eng_model *m = eng_ctx_model(c);
    const int32_t n_ctx = eng_ctx_params(c)->n_ctx;
    int rc = 0;
    if (n_prompt == 0) {
        rc = err_set(err, COLA_EINVAL, "empty prompt");
        goto out;
    }
    /* the stop strings are copied: the caller's may go away */
    if (o->n_stop && !(g->stops = calloc(o->n_stop, sizeof(*g->stops)))) {
        rc = err_set(err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < o->n_stop; i++, g->n_stop++)
        if (!(g->stops[i] = strdup(o->stop[i] ? o->stop[i] : ""))) {
            rc = err_set(err, COLA_ENOMEM, "out of memory");
            goto out;
        }
    g->opts.stop = (const char *const *)g->stops;
    if ((rc = smp_init(&g->smp, eng_model_hparams(m)->n_vocab, n_ctx, &o->smp, err)) ||
        (rc = stop_init(&g->stop, g->opts.stop, NULL, g->n_stop, err)))
        goto out;
    /* generated text continues the prompt */
    tok_stream_init(&g->ts, eng_model_vocab(m), TOK_DEC_CONTINUE);
    g->tokens = malloc(sizeof(*g->tokens) * n_prompt);
    if (!g->tokens || buf_reserve(&g->piece, 256) || buf_reserve(&g->out, 256)) {
        rc = err_set(err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    const int32_t n_vocab = eng_model_hparams(m)->n_vocab;
    for (size_t i = 0; i < n_prompt; i++)
        if (prompt[i] < 0 || prompt[i] >= n_vocab) {
            /* eng_decode's words: one bad prompt must not fail a batch */
            rc = err_set(err, COLA_EINVAL, "token id %d out of range (vocabulary of %d)",
                         prompt[i], n_vocab);
            goto out;
        }
    memcpy(g->tokens, prompt, sizeof(*g->tokens) * n_prompt);
    g->n = n_prompt;
    if (g->n >= (size_t)n_ctx) {
        if (!o->shift) {
            rc = err_set(err, COLA_ERANGE, "the input length (%zu tokens) exceeds the context "
                                           "length (%d tokens)", n_prompt, n_ctx);
            goto out;
        }
        g->n = gen_truncate_prompt(g->tokens, g->n, n_ctx, o->num_keep);
        g->st.prompt_truncated = true;
        log_warn("input truncated: %zu prompt tokens do not fit a context of %d; kept %zu",
                 n_prompt, n_ctx, g->n);
    }
    for (size_t i = 0; i < g->n; i++)
        smp_accept(g->smp, g->tokens[i]);
    eng_seq_truncate(c, seq, 0);
    g->t0 = now_ns();
    g->st.prompt_eval_count = (int64_t)g->n;
out:
    if (rc)
        gen_seq_free(g);
    return rc;
}

size_t gen_seq_next(const struct gen_seq *g, const int32_t **tokens)
{
    if (g->done)
        return 0;
    if (g->fed < g->n) {
        *tokens = g->tokens + g->fed;
        return g->n - g->fed;
    }
    *tokens = &g->last;
    return 1;
}

/* Pass text through the stop matcher to the caller. 1 on a stop string,
 * 0 to go on, COLA_ECANCELED or an error. */
static int deliver(struct gen_seq *g, const char *text, size_t len, bool final)
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
static int make_room(struct gen_seq *g, bool *full)
{
    const int32_t n_ctx = eng_ctx_params(g->c)->n_ctx;
    *full = false;
    if (eng_seq_len(g->c, g->seq) < n_ctx)
        return 0;
    if (!g->opts.shift || g->opts.num_predict == -2) {
        *full = true;
        return 0;
    }
    int32_t keep = g->opts.num_keep < 0 ? 0 : g->opts.num_keep;
    if (keep > n_ctx / 2)
        keep = n_ctx / 2;
    const int32_t discard = (n_ctx - keep) / 2;
    if (discard < 1) {
        *full = true;
        return 0;
    }
    log_info("context shift: sequence %d is full (%d tokens); keeping %d, discarding %d", g->seq,
             n_ctx, keep, discard);
    g->st.n_shifts++;
    return eng_seq_shift(g->c, g->seq, keep, discard);
}

void gen_seq_stop(struct gen_seq *g)
{
    if (g->done)
        return;
    g->done = true;
    const int64_t t = now_ns();
    if (g->fed < g->n) { /* stopped during the prompt */
        g->t1 = t;
        g->st.prompt_eval_ns = t - g->t0;
    }
    g->st.eval_ns = t - g->t1;
}

/* End: release held-back bytes (unless a stop string ended it). */
static int finish(struct gen_seq *g, const char *reason, bool flush)
{
    g->done = true;
    g->st.done_reason = reason;
    g->st.eval_ns = now_ns() - g->t1;
    if (!flush)
        return 0;
    buf_reset(&g->piece);
    if (tok_stream_flush(&g->ts, &g->piece))
        return COLA_ENOMEM;
    const int rc = deliver(g, g->piece.data, g->piece.len, true);
    if (rc == 1)
        g->st.done_reason = "stop";
    return rc == 1 ? 0 : rc;
}

int gen_seq_fed(struct gen_seq *g, size_t k, const float *logits, struct cola_err *err)
{
    if (g->fed < g->n) {
        g->fed += k;
        if (g->fed < g->n)
            return 0;
        g->t1 = now_ns();
        g->st.prompt_eval_ns = g->t1 - g->t0;
    }
    if (!logits)
        return err_set(err, COLA_EINVAL, "no logits for sequence %d", g->seq);
    const struct tok_vocab *v = eng_model_vocab(eng_ctx_model(g->c));
    if (g->opts.num_predict >= 0 && g->st.eval_count >= g->opts.num_predict)
        return finish(g, "length", true);
    const int32_t id = smp_sample(g->smp, logits);
    if (id < 0)
        return err_set(err, id, "no token can be sampled (every token is banned)");
    smp_accept(g->smp, id);
    g->st.eval_count++;
    if (tok_is_eog(v, id))
        return finish(g, "stop", true);
    buf_reset(&g->piece);
    int rc = tok_stream_push(&g->ts, id, &g->piece);
    if (!rc)
        rc = deliver(g, g->piece.data, g->piece.len, false);
    if (rc == 1)
        return finish(g, "stop", false);
    if (rc)
        return rc == COLA_ECANCELED ? rc : err_set(err, rc, "generated text too long");
    /* a last token that would not be decoded ends here, as a limit */
    if (g->opts.num_predict >= 0 && g->st.eval_count >= g->opts.num_predict)
        return finish(g, "length", true);
    bool full;
    if ((rc = make_room(g, &full)))
        return err_set(err, rc, "context shift failed");
    if (full)
        return finish(g, "length", true);
    g->last = id;
    return 0;
}

/* ---------------------------------------------------------------- one driver */

int gen_generate(struct eng_ctx *c, int32_t seq, const int32_t *prompt, size_t n_prompt,
                 const struct gen_opts *o, gen_emit_fn emit, void *user, struct gen_stats *st,
                 struct cola_err *err)
{
    memset(st, 0, sizeof(*st));
    st->done_reason = "stop";
    struct gen_seq g;
    int rc = gen_seq_init(&g, c, seq, prompt, n_prompt, o, emit, user, err);
    if (rc)
        return rc;
    const int32_t n_batch = eng_ctx_params(c)->n_batch;
    int32_t *pos = malloc(sizeof(int32_t) * (size_t)n_batch);
    int32_t *sq = malloc(sizeof(int32_t) * (size_t)n_batch);
    bool *want = malloc(sizeof(bool) * (size_t)n_batch);
    if (!pos || !sq || !want)
        rc = err_set(err, COLA_ENOMEM, "out of memory");
    while (!rc && !g.done) {
        const int32_t *t;
        size_t k = gen_seq_next(&g, &t);
        if (k > (size_t)n_batch)
            k = (size_t)n_batch;
        const int32_t p0 = eng_seq_len(c, seq);
        for (size_t i = 0; i < k; i++) {
            pos[i] = p0 + (int32_t)i;
            sq[i] = seq;
            want[i] = i == k - 1;
        }
        const struct eng_batch b = {(int32_t)k, (int32_t *)t, pos, sq, want};
        rc = eng_decode(c, &b, err);
        if (!rc)
            rc = gen_seq_fed(&g, k, eng_logits(c, (int32_t)k - 1), err);
    }
    gen_seq_stop(&g); /* times a cancel or an error as one */
    *st = g.st;
    free(pos);
    free(sq);
    free(want);
    gen_seq_free(&g);
    return rc;
}
