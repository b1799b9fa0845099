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

static struct eng_ctx *ctx(struct eng_model *m, int32_t n_ctx, int32_t n_seq)
{
    struct eng_ctx_params p;
    eng_ctx_params_default(&p);
    p.n_ctx = n_ctx, p.n_seq = n_seq, p.n_threads = 2;
    struct eng_ctx *c = NULL;
    assert_int_equal(eng_ctx_new(m, &p, &c, NULL), 0);
    return c;
}

static const int32_t prompts[N][6] = {{1, 403, 407, 261, 378, 432},
                                      {1, 346, 306},
                                      {1, 261, 376, 298, 315, 421},
                                      {1, 401, 396, 267}};
static const size_t lens[N] = {6, 3, 6, 4};

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
static void solo(struct eng_model *m, int32_t n_ctx, struct text *t, struct gen_stats *st,
                 const char *const *stop)
{
    struct eng_ctx *c = ctx(m, n_ctx, 1);
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
static void together(struct eng_model *m, int32_t n_ctx, const int *stagger, struct text *t,
                     struct gen_stats *st, const char *const *stop, int cancel_slot)
{
    struct eng_ctx *c = ctx(m, n_ctx, N);
    struct slots *s = NULL;
    assert_int_equal(slots_new(c, &s, NULL), 0);
    int id[N], steps = 0;
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
        if (steps == 5 && cancel_slot >= 0)
            slots_cancel(s, id[cancel_slot]);
        for (int i = 0; i < N; i++) {
            int rc;
            struct cola_err err = {0};
            if (started[i] && !done[i] && slots_result(s, id[i], &rc, &st[i], &err)) {
                assert_int_equal(rc, i == cancel_slot ? COLA_ECANCELED : 0);
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
    const struct slot_req q = {prompts[0], lens[0], o, collect, &t[0]};
    assert_true(slots_start(s, &q, NULL) >= 0);
    slots_free(s);
    eng_ctx_free(c);
}

static void compare(struct eng_model *m, int32_t n_ctx, const int *stagger, int cancel)
{
    static const char *const stop[] = {" the"};
    struct text a[N] = {0}, b[N] = {0};
    struct gen_stats sa[N], sb[N];
    solo(m, n_ctx, a, sa, stop);
    together(m, n_ctx, stagger, b, sb, stop, cancel);
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
        }
        buf_free(&a[i].b);
        buf_free(&b[i].b);
    }
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
    compare(m, 256, at_once, -1);
    compare(m, 256, staggered, -1);
    compare(m, 40, at_once, -1);     /* context shifts in every long sequence */
    compare(m, 256, at_once, 1);     /* one cancelled at step 5 */
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
    compare(m, 128, staggered, -1);
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
    q.n_prompt = 3;
    assert_true(slots_start(s, &q, NULL) >= 0);
    assert_true(slots_start(s, &q, NULL) >= 0);
    assert_int_equal(slots_start(s, &q, NULL), COLA_ERANGE);  /* all busy */
    assert_int_equal(slots_active(s), 2);
    slots_free(s);  /* with active slots: frees them */
    buf_free(&t.b);
    eng_ctx_free(c);
    eng_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_together_equals_alone),
        cmocka_unit_test(test_other_model),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
