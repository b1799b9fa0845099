/* slots.c — several sequences, one forward pass per step (slots.h). */
#include "engine/slots.h"

#include <stdlib.h>
#include <string.h>

#include "engine/gen_seq.h"

enum slot_state { SLOT_FREE, SLOT_ACTIVE, SLOT_DONE };

struct slot {
    enum slot_state state;
    struct gen_seq g;
    bool cancel;
    int rc;
    struct cola_err err;
    struct gen_stats st;
    uint64_t started;       /* order of start: a remainder of the prompt budget goes to the oldest */
    int32_t out_index;      /* this step: the batch index of its last token, or -1 */
    size_t k;               /* this step: tokens it puts in the batch */
    bool extra;             /* this step: it got one of the remainder's tokens */
};

struct slots {
    struct eng_ctx *c;
    int32_t n;
    struct slot *s;
    int32_t *tok, *pos, *seq;
    bool *want;
    int32_t cap;            /* batch capacity: n_batch */
    uint64_t next_start, decodes;
};

int slots_new(struct eng_ctx *c, struct slots **out, struct cola_err *err)
{
    const struct eng_ctx_params *p = eng_ctx_params(c);
    /* every active slot's token fits in one batch, with its logits */
    if (p->n_batch < p->n_seq || p->n_outputs_max < p->n_seq)
        return err_set(err, COLA_EINVAL, "%d sequences need a batch of at least %d tokens and "
                       "logits (n_batch %d, n_outputs_max %d)", p->n_seq, p->n_seq, p->n_batch,
                       p->n_outputs_max);
    struct slots *s = calloc(1, sizeof(*s));
    const int32_t cap = p->n_batch;
    if (s) {
        s->c = c, s->n = p->n_seq, s->cap = cap;
        s->s = calloc((size_t)s->n, sizeof(*s->s));
        s->tok = malloc(sizeof(int32_t) * (size_t)cap);
        s->pos = malloc(sizeof(int32_t) * (size_t)cap);
        s->seq = malloc(sizeof(int32_t) * (size_t)cap);
        s->want = malloc(sizeof(bool) * (size_t)cap);
    }
    if (!s || !s->s || !s->tok || !s->pos || !s->seq || !s->want) {
        slots_free(s);
        return err_set(err, COLA_ENOMEM, "out of memory");
    }
    *out = s;
    return 0;
}

void slots_free(struct slots *s)
{
    if (!s)
        return;
    for (int32_t i = 0; s->s && i < s->n; i++)
        if (s->s[i].state == SLOT_ACTIVE)
            gen_seq_free(&s->s[i].g);
    free(s->s);
    free(s->tok);
    free(s->pos);
    free(s->seq);
    free(s->want);
    free(s);
}

int32_t slots_capacity(const struct slots *s) { return s->n; }
uint64_t slots_decodes(const struct slots *s) { return s->decodes; }

int32_t slots_active(const struct slots *s)
{
    int32_t k = 0;
    for (int32_t i = 0; i < s->n; i++)
        k += s->s[i].state == SLOT_ACTIVE;
    return k;
}

int slots_start(struct slots *s, const struct slot_req *r, struct cola_err *err)
{
    int32_t id = 0;
    while (id < s->n && s->s[id].state != SLOT_FREE)
        id++;
    if (id == s->n)
        return err_set(err, COLA_ERANGE, "all %d sequences are busy", s->n);
    struct slot *x = &s->s[id];
    memset(x, 0, sizeof(*x));
    const int rc = gen_seq_init(&x->g, s->c, id, r->prompt, r->n_prompt, &r->opts, r->emit, r->user,
                                err);
    if (rc)
        return rc;
    x->state = SLOT_ACTIVE;
    x->started = s->next_start++;
    return id;
}

static void end_slot(struct slot *x, int rc, const struct cola_err *err)
{
    gen_seq_stop(&x->g);
    x->rc = rc;
    if (rc && err)
        x->err = *err;
    x->st = x->g.st;
    if (rc == COLA_ECANCELED) {
        x->st.done_reason = "stop";
        err_set(&x->err, COLA_ECANCELED, "canceled");
    } else if (rc) {
        err_set(&x->err, rc, "%s", err_name(rc));  /* if none was written */
    }
    gen_seq_free(&x->g);
    x->state = SLOT_DONE;
}

static bool in_prompt(const struct slot *x)
{
    return x->state == SLOT_ACTIVE && x->g.fed < x->g.n;
}

/* Share budget batch tokens among the slots still evaluating prompts,
 * fairly: equal shares, where a slot needing less than its share leaves the
 * rest to the others; a remainder smaller than the number of slots goes one
 * token each to the oldest. Sets their k. */
static void share_prompts(struct slots *s, int32_t budget)
{
    int32_t open = 0;
    for (int32_t i = 0; i < s->n; i++)
        open += in_prompt(&s->s[i]);
    while (budget > 0 && open > 0 && budget / open > 0) {
        const size_t share = (size_t)(budget / open);
        for (int32_t i = 0; i < s->n; i++) {
            struct slot *x = &s->s[i];
            const size_t need = in_prompt(x) ? x->g.n - x->g.fed : 0;
            if (x->k >= need)
                continue;
            const size_t give = need - x->k < share ? need - x->k : share;
            x->k += give;
            budget -= (int32_t)give;
            open -= x->k == need;
        }
    }
    for (; budget > 0; budget--) {
        struct slot *best = NULL;
        for (int32_t i = 0; i < s->n; i++) {
            struct slot *x = &s->s[i];
            if (in_prompt(x) && !x->extra && x->k < x->g.n - x->g.fed &&
                (!best || x->started < best->started))
                best = x;
        }
        if (!best)
            break;
        best->k++;
        best->extra = true;
    }
}

/* Append x's next k tokens to the batch, with logits where it samples: the
 * last token of its prompt, or the token it sampled. */
static void add_tokens(struct slots *s, struct slot *x, int32_t *n)
{
    const int32_t *t;
    gen_seq_next(&x->g, &t);
    const int32_t p0 = eng_seq_len(s->c, x->g.seq);
    for (size_t i = 0; i < x->k; i++) {
        s->tok[*n] = t[i];
        s->pos[*n] = p0 + (int32_t)i;
        s->seq[*n] = x->g.seq;
        s->want[*n] = false;
        (*n)++;
    }
    if (x->g.fed + x->k >= x->g.n) {
        s->want[*n - 1] = true;
        x->out_index = *n - 1;
    }
}

/* Plan the step: cancels end, generating slots get one token each, prompts
 * share the rest of the batch. Returns the slots that ended. */
static int plan(struct slots *s)
{
    int finished = 0;
    int32_t budget = s->cap;
    for (int32_t i = 0; i < s->n; i++) {
        struct slot *x = &s->s[i];
        x->k = 0, x->out_index = -1, x->extra = false;
        if (x->state != SLOT_ACTIVE)
            continue;
        if (x->cancel) {
            end_slot(x, COLA_ECANCELED, NULL);
            finished++;
        } else if (!in_prompt(x)) {
            x->k = 1;
            budget--;
        }
    }
    share_prompts(s, budget);
    return finished;
}

int slots_step(struct slots *s, struct cola_err *err)
{
    int finished = plan(s);
    int32_t n = 0;
    for (int32_t i = 0; i < s->n; i++)
        if (s->s[i].state == SLOT_ACTIVE && s->s[i].k)
            add_tokens(s, &s->s[i], &n);
    if (n == 0)
        return finished;
    const struct eng_batch b = {n, s->tok, s->pos, s->seq, s->want};
    s->decodes++;
    struct cola_err derr = {0};
    const int rc = eng_decode(s->c, &b, &derr);
    for (int32_t i = 0; i < s->n; i++) {
        struct slot *x = &s->s[i];
        if (x->state != SLOT_ACTIVE)
            continue;
        if (rc) { /* the batch failed: so does every active slot */
            end_slot(x, rc, &derr);
            finished++;
            continue;
        }
        if (x->k == 0)
            continue;
        struct cola_err serr = {0};
        const int src = gen_seq_fed(&x->g, x->k, x->out_index >= 0 ? eng_logits(s->c, x->out_index)
                                                                 : NULL, &serr);
        if (src || x->g.done) {
            end_slot(x, src, &serr);
            finished++;
        }
    }
    return rc ? err_set(err, rc, "%s", err_msg(&derr)) : finished;
}

bool slots_result(const struct slots *s, int32_t id, int *rc, struct gen_stats *st,
                  struct cola_err *err)
{
    if (id < 0 || id >= s->n || s->s[id].state != SLOT_DONE)
        return false;
    const struct slot *x = &s->s[id];
    *rc = x->rc;
    if (st)
        *st = x->st;
    if (err && x->rc)
        *err = x->err;
    return true;
}

void slots_release(struct slots *s, int32_t id)
{
    if (id < 0 || id >= s->n)
        return;
    if (s->s[id].state == SLOT_ACTIVE)
        gen_seq_free(&s->s[id].g);
    memset(&s->s[id], 0, sizeof(s->s[id]));
}

void slots_cancel(struct slots *s, int32_t id)
{
    if (id >= 0 && id < s->n && s->s[id].state == SLOT_ACTIVE)
        s->s[id].cancel = true;
}
