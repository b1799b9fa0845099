/* test_slots.c — several sequences in one forward pass per step give, token
 * for token, what gen_generate gives each of them alone (greedy), with
 * limits, stop strings, a cancel, context shifts, staggered starts and
 * slot reuse; a step with k active slots is one eng_decode. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/gen.h"
#include "engine/slots.h"
#include "testutil.h"
#include "util/buf.h"

#define N 4

struct text {
    struct buf b;
    int stop_after;   /* cancel from emit after this many pieces (0: never) */
    int pieces;
};

static int collect(void *user, const char *s, size_t n)
{
    struct text *t = user;
    buf_append(&t->b, s, n);
    return t->stop_after && ++t->pieces >= t->stop_after;
}

static struct eng_model *load(const char *rel)
{
    const char *p = tu_shared_path(rel);
    struct eng_model *m = NULL;
    if (p && eng_model_load(p, NULL, &m, NULL))
        m = NULL;
    return m;
}

static struct eng_ctx *ctx_b(struct eng_model *m, int32_t n_ctx, int32_t n_seq, int32_t n_batch)
{
    struct eng_ctx_params p;
    eng_ctx_params_default(&p);
    p.n_ctx = n_ctx, p.n_seq = n_seq, p.n_threads = 2;
    if (n_batch > 0)
        p.n_batch = n_batch;
    struct eng_ctx *c = NULL;
    assert_int_equal(eng_ctx_new(m, &p, &c, NULL), 0);
    return c;
}

static struct eng_ctx *ctx(struct eng_model *m, int32_t n_ctx, int32_t n_seq)
{
    return ctx_b(m, n_ctx, n_seq, 0);
}

#define LONG 70
static const int32_t short_prompts[N][6] = {{1, 403, 407, 261, 378, 432},
                                            {1, 346, 306},
                                            {1, 261, 376, 298, 315, 421},
                                            {1, 401, 396, 267}};
static const size_t short_lens[N] = {6, 3, 6, 4};
static int32_t long_prompts[N][LONG];  /* filled by make_long() */
static const size_t long_lens[N] = {37, 5, LONG, 21};

/* The prompts of this run (short ones, or long ones that need chunks). */
static const int32_t *prompts[N];
static size_t lens[N];

static void use_prompts(bool lng)
{
    for (int i = 0; i < N; i++) {
        prompts[i] = lng ? long_prompts[i] : short_prompts[i];
        lens[i] = lng ? long_lens[i] : short_lens[i];
    }
}

/* Long prompts: the short ones followed by a fixed scramble of ordinary
 * tokens (ids 259..458 exist in both test vocabularies). */
static void make_long(void)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < LONG; j++)
            long_prompts[i][j] = j < (int)short_lens[i] ? short_prompts[i][j]
                                                        : 259 + (j * 37 + i * 101) % 200;
}

static void opts_for(int i, struct gen_opts *o, const char *const *stop)
{
    gen_opts_default(o);
    o->smp.temperature = 0.0f;
    o->num_predict = 20 + 15 * i;   /* different limits */
    if (i == 2) {
        o->stop = stop;             /* one with a stop string */
        o->n_stop = 1;
    }
}

/* Solo runs: each prompt alone with gen_generate on a one-sequence context. */
static void solo(struct eng_model *m, int32_t n_ctx, int32_t n_batch, struct text *t,
                 struct gen_stats *st, const char *const *stop)
{
    struct eng_ctx *c = ctx_b(m, n_ctx, 1, n_batch);
    for (int i = 0; i < N; i++) {
        struct gen_opts o;
        opts_for(i, &o, stop);
        buf_init(&t[i].b, 1 << 20);
        struct cola_err err = {0};
        assert_int_equal(gen_generate(c, 0, prompts[i], lens[i], &o, collect, &t[i], &st[i], &err), 0);
    }
    eng_ctx_free(c);
}

/* Run all four through slots, starting slot i after stagger[i] steps. */
static int together(struct eng_model *m, int32_t n_ctx, int32_t n_batch, const int *stagger,
                    struct text *t, struct gen_stats *st, const char *const *stop, int cancel_slot)
{
    struct eng_ctx *c = ctx_b(m, n_ctx, N, n_batch);
    struct slots *s = NULL;
    assert_int_equal(slots_new(c, &s, NULL), 0);
    int id[N], steps = 0;
    size_t cancel_len = 0;
    bool started[N] = {0}, done[N] = {0};
    for (int i = 0; i < N; i++)
        buf_init(&t[i].b, 1 << 20);
    int n_done = 0;
    while (n_done < N) {
        for (int i = 0; i < N; i++) {
            if (started[i] || steps < stagger[i])
                continue;
            struct gen_opts o;
            opts_for(i, &o, stop);
            const struct slot_req q = {prompts[i], lens[i], o, collect, &t[i]};
            id[i] = slots_start(s, &q, NULL);
            assert_true(id[i] >= 0);
            started[i] = true;
        }
        const int active = slots_active(s);
        const uint64_t before = slots_decodes(s);
        assert_true(slots_step(s, NULL) >= 0);
        if (active > 0)
            assert_int_equal(slots_decodes(s) - before, 1);  /* one forward pass per step */
        steps++;
        if (steps == 5 && cancel_slot >= 0) {
            slots_cancel(s, id[cancel_slot]);
            cancel_len = t[cancel_slot].b.len;
        }
        for (int i = 0; i < N; i++) {
            int rc;
            struct cola_err err = {0};
            if (started[i] && !done[i] && slots_result(s, id[i], &rc, &st[i], &err)) {
                assert_int_equal(rc, i == cancel_slot ? COLA_ECANCELED : 0);
                if (i == cancel_slot)  /* nothing emitted after the cancel */
                    assert_int_equal(t[i].b.len, cancel_len);
                slots_release(s, id[i]);
                done[i] = true;
                n_done++;
            }
        }
        assert_true(steps < 10000);
    }
    /* a released slot is reused */
    struct gen_opts o;
    opts_for(0, &o, stop);
    struct text r = {0};
    buf_init(&r.b, 1 << 20);
    const struct slot_req q = {prompts[0], lens[0], o, collect, &r};
    const int again = slots_start(s, &q, NULL);
    assert_true(again >= 0);
    assert_int_equal(slots_active(s), 1);
    int rc = -1;
    while (!slots_result(s, again, &rc, NULL, NULL))
        assert_true(slots_step(s, NULL) >= 0);
    assert_int_equal(rc, 0);
    assert_int_equal(r.b.len, t[0].b.len);
    assert_memory_equal(r.b.data, t[0].b.data, r.b.len);
    buf_free(&r.b);
    slots_release(s, again);
    assert_int_equal(slots_active(s), 0);
    assert_int_equal(slots_step(s, NULL), 0);  /* nothing active: nothing done */
    slots_free(s);
    eng_ctx_free(c);
    return steps;
}

/* Run the four prompts solo and together; returns the steps together took. */
static int compare_b(struct eng_model *m, int32_t n_ctx, int32_t n_batch, const int *stagger,
                     int cancel, struct gen_stats *sb)
{
    static const char *const stop[] = {" the"};
    struct text a[N] = {0}, b[N] = {0};
    struct gen_stats sa[N];
    solo(m, n_ctx, n_batch, a, sa, stop);
    const int steps = together(m, n_ctx, n_batch, stagger, b, sb, stop, cancel);
    for (int i = 0; i < N; i++) {
        if (i == cancel) {
            /* cancelled: what it had said is the start of the solo text */
            assert_true(b[i].b.len <= a[i].b.len);
            assert_memory_equal(b[i].b.data ? b[i].b.data : "", a[i].b.data ? a[i].b.data : "",
                                b[i].b.len);
        } else {
            if (a[i].b.len != b[i].b.len || memcmp(a[i].b.data, b[i].b.data, a[i].b.len))
                fail_msg("sequence %d: solo [%.*s] vs together [%.*s]", i, (int)a[i].b.len,
                         a[i].b.data, (int)b[i].b.len, b[i].b.data);
            assert_int_equal(sa[i].eval_count, sb[i].eval_count);
            assert_string_equal(sa[i].done_reason, sb[i].done_reason);
            assert_int_equal(sa[i].n_shifts, sb[i].n_shifts);
            assert_int_equal(sa[i].prompt_eval_count, sb[i].prompt_eval_count);
            assert_int_equal(sa[i].prompt_truncated, sb[i].prompt_truncated);
        }
        buf_free(&a[i].b);
        buf_free(&b[i].b);
    }
    return steps;
}

static int compare(struct eng_model *m, int32_t n_ctx, const int *stagger, int cancel)
{
    struct gen_stats sb[N];
    return compare_b(m, n_ctx, 0, stagger, cancel, sb);
}

static void test_together_equals_alone(void **state)
{
    (void)state;
    struct eng_model *m = load("models/stories260K-f32.gguf");
    if (!m) {
        skip();
        return;
    }
    static const int at_once[N] = {0, 0, 0, 0}, staggered[N] = {0, 3, 7, 12};
    use_prompts(false);
    /* all prompts fit the first batch, so every later step must advance
     * every slot by one token: the steps are the longest generation's count,
     * not the sum of all four */
    struct gen_stats st[N];
    const int steps = compare_b(m, 256, 0, at_once, -1, st);
    int64_t most = 0, sum = 0;
    for (int i = 0; i < N; i++) {
        most = st[i].eval_count > most ? st[i].eval_count : most;
        sum += st[i].eval_count;
    }
    assert_int_equal(steps, most);
    assert_true(sum > most + 10);
    compare(m, 256, staggered, -1);
    compare(m, 40, at_once, -1);     /* context shifts in every long sequence */
    compare(m, 256, at_once, 1);     /* one cancelled at step 5 */
    /* long prompts in batches of 16: they share each batch in chunks, and
     * with n_ctx 48 one is truncated and the others shift */
    use_prompts(true);
    compare_b(m, 256, 16, at_once, -1, st);
    compare_b(m, 256, 16, staggered, 1, st);
    compare_b(m, 48, 16, staggered, -1, st);
    assert_true(st[2].prompt_truncated);
    eng_model_free(m);
}

static void test_other_model(void **state)
{
    (void)state;
    struct eng_model *m = load("models/llama-2-tiny-random.gguf");
    if (!m) {
        skip();
        return;
    }
    static const int staggered[N] = {0, 1, 2, 3};
    use_prompts(false);
    compare(m, 128, staggered, -1);
    use_prompts(true);
    struct gen_stats st[N];
    compare_b(m, 128, 16, staggered, -1, st);
    eng_model_free(m);
}

static void test_errors(void **state)
{
    (void)state;
    struct eng_model *m = load("models/stories260K-f32.gguf");
    if (!m) {
        skip();
        return;
    }
    struct eng_ctx *c = ctx(m, 16, 2);
    struct slots *s = NULL;
    assert_int_equal(slots_new(c, &s, NULL), 0);
    struct text t = {0};
    buf_init(&t.b, 1 << 16);
    struct gen_opts o;
    gen_opts_default(&o);
    o.shift = false;
    int32_t longp[40];
    for (int i = 0; i < 40; i++)
        longp[i] = 300 + i;
    struct slot_req q = {longp, 40, o, collect, &t};
    struct cola_err err = {0};
    assert_int_equal(slots_start(s, &q, &err), COLA_ERANGE);   /* too long without shift */
    q.n_prompt = 0;
    assert_int_equal(slots_start(s, &q, NULL), COLA_EINVAL);  /* empty */
    longp[1] = 512;                                            /* past the vocabulary */
    q.n_prompt = 2;
    assert_int_equal(slots_start(s, &q, NULL), COLA_EINVAL);
    assert_int_equal(slots_active(s), 0);
    longp[1] = 301;
    q.n_prompt = 3;
    assert_true(slots_start(s, &q, NULL) >= 0);
    assert_true(slots_start(s, &q, NULL) >= 0);
    assert_int_equal(slots_start(s, &q, NULL), COLA_ERANGE);  /* all busy */
    assert_int_equal(slots_active(s), 2);
    slots_free(s);  /* with active slots: frees them */
    buf_free(&t.b);
    eng_ctx_free(c);
    /* a batch smaller than the sequences cannot hold a step */
    c = ctx_b(m, 16, 4, 2);
    s = NULL;
    assert_int_equal(slots_new(c, &s, NULL), COLA_EINVAL);
    assert_null(s);
    eng_ctx_free(c);
    eng_model_free(m);
}

int main(void)
{
    make_long();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_together_equals_alone),
        cmocka_unit_test(test_other_model),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
