/* runner.c — one model served over a Unix socket (runner.h). */
#include "runner/runner.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/gen.h"
#include "engine/slots.h"
#include "engine/tok.h"
#include "util/buf.h"
#include "util/gojson.h"
#include "util/fsutil.h"
#include "util/log.h"

#define RUNNER_MAX_STOPS 64
#define RUNNER_OUT_MAX ((size_t)64 << 20)

struct job {
    struct job *next;
    struct tok_ids prompt;
    struct gen_opts opts;
    char *stops[RUNNER_MAX_STOPS];
    size_t n_stop;
    struct buf out;          /* NDJSON not yet written to the client */
    bool finished, gone;
    int32_t slot;
    pthread_cond_t cv;
};

struct runner {
    const struct runner_opts *o;
    struct eng_model *m;
    struct eng_ctx *c;
    struct slots *sl;
    pthread_mutex_t mu;
    pthread_cond_t work;
    struct job *head, *tail;
    struct job **active;     /* by slot id */
    int lfd;
    int n_conns;             /* connection threads alive */
    pthread_cond_t conns_cv;
};

static volatile sig_atomic_t stopping;
static void on_signal(int sig) { stopping = sig; }

/* ---------------------------------------------------------------- output */

/* Append one JSON line to j->out (under r->mu) and wake its writer. */
static void put_line(struct job *j, json_t *v)
{
    if (v && !gojson_encode(v, GOJSON_NEWLINE, &j->out, NULL))
        pthread_cond_signal(&j->cv);
    json_decref(v);
}

static struct runner *g_runner;  /* for emit: the engine thread's runner */

static int emit(void *user, const char *text, size_t len)
{
    struct job *j = user;
    pthread_mutex_lock(&g_runner->mu);
    put_line(j, json_pack("{s:s%}", "content", text, len));
    const bool gone = j->gone;
    pthread_mutex_unlock(&g_runner->mu);
    return gone ? 1 : 0;
}

static void finish(struct job *j, json_t *last)
{
    put_line(j, last);
    j->finished = true;
    pthread_cond_signal(&j->cv);
}

/* ---------------------------------------------------------------- engine loop */

static void start_pending(struct runner *r)
{
    while (r->head && slots_active(r->sl) < slots_capacity(r->sl)) {
        struct job *j = r->head;
        r->head = j->next;
        if (!r->head)
            r->tail = NULL;
        if (j->gone) {
            finish(j, json_pack("{s:s}", "error", "canceled"));
            continue;
        }
        struct slot_req q = {j->prompt.ids, j->prompt.n, j->opts, emit, j};
        struct cola_err err = {0};
        pthread_mutex_unlock(&r->mu);
        const int id = slots_start(r->sl, &q, &err);
        pthread_mutex_lock(&r->mu);
        if (id < 0) {
            finish(j, json_pack("{s:s}", "error", err_msg(&err)));
            continue;
        }
        j->slot = id;
        r->active[id] = j;
    }
}

static void collect(struct runner *r)
{
    for (int32_t id = 0; id < slots_capacity(r->sl); id++) {
        struct job *j = r->active[id];
        int rc = 0;
        struct gen_stats st;
        struct cola_err err = {0};
        if (!j || !slots_result(r->sl, id, &rc, &st, &err))
            continue;
        if (rc)
            finish(j, json_pack("{s:s}", "error", rc == COLA_ECANCELED ? "canceled" : err_msg(&err)));
        else
            finish(j, json_pack("{s:b,s:s,s:I,s:I,s:I,s:I}", "done", 1, "done_reason",
                                st.done_reason ? st.done_reason : "stop", "prompt_eval_count",
                                (json_int_t)st.prompt_eval_count, "prompt_eval_duration",
                                (json_int_t)st.prompt_eval_ns, "eval_count",
                                (json_int_t)st.eval_count, "eval_duration",
                                (json_int_t)st.eval_ns));
        slots_release(r->sl, id);
        r->active[id] = NULL;
    }
}

static void *engine_loop(void *arg)
{
    struct runner *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!stopping) {
        start_pending(r);
        for (int32_t id = 0; id < slots_capacity(r->sl); id++)
            if (r->active[id] && r->active[id]->gone)
                slots_cancel(r->sl, id);
        if (slots_active(r->sl) == 0) {
            pthread_cond_wait(&r->work, &r->mu);
            continue;
        }
        struct cola_err err = {0};
        pthread_mutex_unlock(&r->mu);
        const int rc = slots_step(r->sl, &err);
        pthread_mutex_lock(&r->mu);
        if (rc < 0)
            log_error("runner: step failed: %s", err_msg(&err));
        collect(r);
    }
    /* stopping: every waiting client gets an answer */
    for (int32_t id = 0; id < slots_capacity(r->sl); id++)
        if (r->active[id]) {
            finish(r->active[id], json_pack("{s:s}", "error", "the model runner is stopping"));
            r->active[id] = NULL;
        }
    while (r->head) {
        struct job *j = r->head;
        r->head = j->next;
        finish(j, json_pack("{s:s}", "error", "the model runner is stopping"));
    }
    r->tail = NULL;
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---------------------------------------------------------------- requests */

static int read_line(int fd, struct buf *b)
{
    char chunk[65536];
    for (;;) {
        const ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return b->len ? 0 : -1;
        const char *nl = memchr(chunk, '\n', (size_t)n);
        if (buf_append(b, chunk, nl ? (size_t)(nl - chunk) : (size_t)n))
            return -1;
        if (nl)
            return 0;
    }
}

static void reply(int fd, json_t *v)
{
    struct buf b;
    buf_init(&b, RUNNER_OUT_MAX);
    if (v && !gojson_encode(v, GOJSON_NEWLINE, &b, NULL))
        fs_send_all(fd, b.data, b.len);
    buf_free(&b);
    json_decref(v);
}

static double num(const json_t *o, const char *k, double def)
{
    const json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : def;
}

static void job_options(struct job *j, const json_t *o, int32_t n_ctx)
{
    struct gen_opts *g = &j->opts;
    gen_opts_default(g);
    struct smp_params *s = &g->smp;
    s->temperature = (float)num(o, "temperature", s->temperature);
    s->top_k = (int32_t)num(o, "top_k", s->top_k);
    s->top_p = (float)num(o, "top_p", s->top_p);
    s->min_p = (float)num(o, "min_p", s->min_p);
    s->typical_p = (float)num(o, "typical_p", s->typical_p);
    s->repeat_last_n = (int32_t)num(o, "repeat_last_n", s->repeat_last_n);
    s->repeat_penalty = (float)num(o, "repeat_penalty", s->repeat_penalty);
    s->presence_penalty = (float)num(o, "presence_penalty", s->presence_penalty);
    s->frequency_penalty = (float)num(o, "frequency_penalty", s->frequency_penalty);
    s->seed = (int64_t)num(o, "seed", (double)s->seed);
    if (s->repeat_last_n < -1)
        s->repeat_last_n = 64;
    g->num_predict = (int32_t)num(o, "num_predict", g->num_predict);
    g->num_keep = (int32_t)num(o, "num_keep", g->num_keep);
    (void)n_ctx;
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(o, "stop"), i, v)
    {
        if (j->n_stop < RUNNER_MAX_STOPS && json_is_string(v))
            j->stops[j->n_stop++] = strdup(json_string_value(v));
    }
    g->stop = (const char *const *)j->stops;
    g->n_stop = j->n_stop;
}

static void job_free(struct job *j)
{
    tok_ids_free(&j->prompt);
    for (size_t i = 0; i < j->n_stop; i++)
        free(j->stops[i]);
    buf_free(&j->out);
    pthread_cond_destroy(&j->cv);
    free(j);
}

/* Tokenize as llama-server: BOS when the vocab adds it and the text does not
 * start with it already, control tokens recognised. */
static int tokenize(const struct tok_vocab *v, const char *s, size_t n, bool add_special,
                    struct tok_ids *out, struct cola_err *err)
{
    unsigned flags = TOK_ENC_PARSE_SPECIAL;
    const int32_t bos = tok_special(v, TOK_SPECIAL_BOS);
    size_t bl = 0;
    const char *bt = bos >= 0 ? tok_text(v, bos, &bl) : NULL;
    if (add_special && !(bt && bl && n >= bl && !memcmp(s, bt, bl) && tok_adds_bos(v)))
        flags |= TOK_ENC_ADD_SPECIAL;
    return tok_encode(v, s, n, flags, out, err);
}

static void completion(struct runner *r, int fd, const json_t *req)
{
    struct job *j = calloc(1, sizeof(*j));
    if (!j) {
        reply(fd, json_pack("{s:s}", "error", "out of memory"));
        return;
    }
    pthread_cond_init(&j->cv, NULL);
    buf_init(&j->out, RUNNER_OUT_MAX);
    tok_ids_init(&j->prompt, (size_t)1 << 24);
    j->slot = -1;
    const char *p = json_string_value(json_object_get(req, "prompt"));
    struct cola_err err = {0};
    if (!p || tokenize(eng_model_vocab(r->m), p, json_string_length(json_object_get(req, "prompt")),
                       true, &j->prompt, &err)) {
        reply(fd, json_pack("{s:s}", "error", p ? err_msg(&err) : "prompt is required"));
        job_free(j);
        return;
    }
    job_options(j, json_object_get(req, "options"), r->o->n_ctx);
    const json_t *shift = json_object_get(req, "shift");
    if (json_is_boolean(shift))
        j->opts.shift = json_is_true(shift);
    pthread_mutex_lock(&r->mu);
    if (r->tail)
        r->tail->next = j;
    else
        r->head = j;
    r->tail = j;
    pthread_cond_signal(&r->work);
    struct buf chunk;
    buf_init(&chunk, RUNNER_OUT_MAX);
    for (;;) {
        while (!j->out.len && !j->finished)
            pthread_cond_wait(&j->cv, &r->mu);
        if (!j->out.len && j->finished)
            break;
        buf_reset(&chunk);
        buf_append(&chunk, j->out.data, j->out.len);
        buf_reset(&j->out);
        pthread_mutex_unlock(&r->mu);
        const int w = j->gone ? -1 : fs_send_all(fd, chunk.data, chunk.len);
        pthread_mutex_lock(&r->mu);
        if (w && !j->gone) {
            j->gone = true;  /* the client went away: cancel at the next step */
            pthread_cond_signal(&r->work);
        }
    }
    pthread_mutex_unlock(&r->mu);
    buf_free(&chunk);
    job_free(j);
}

static void serve_conn(struct runner *r, int fd)
{
    struct buf line;
    buf_init(&line, RUNNER_MAX_REQUEST);
    json_error_t je;
    json_t *req = read_line(fd, &line) ? NULL : json_loadb(line.data ? line.data : "", line.len, 0, &je);
    buf_free(&line);
    const char *op = json_string_value(json_object_get(req, "op"));
    const struct tok_vocab *v = eng_model_vocab(r->m);
    if (!op) {
        reply(fd, json_pack("{s:s}", "error", "bad request"));
    } else if (!strcmp(op, "health")) {
        pthread_mutex_lock(&r->mu);
        const int busy = slots_active(r->sl);
        pthread_mutex_unlock(&r->mu);
        reply(fd, json_pack("{s:s,s:i,s:i,s:i}", "status", "ok", "n_ctx", r->o->n_ctx, "parallel",
                            r->o->parallel, "busy", busy));
    } else if (!strcmp(op, "tokenize")) {
        struct tok_ids ids;
        tok_ids_init(&ids, (size_t)1 << 24);
        struct cola_err err = {0};
        const json_t *c = json_object_get(req, "content");
        const json_t *as = json_object_get(req, "add_special");
        if (tokenize(v, json_string_value(c) ? json_string_value(c) : "", json_string_length(c),
                     !as || json_is_true(as), &ids, &err)) {
            reply(fd, json_pack("{s:s}", "error", err_msg(&err)));
        } else {
            json_t *a = json_array();
            for (size_t i = 0; i < ids.n; i++)
                json_array_append_new(a, json_integer(ids.ids[i]));
            reply(fd, json_pack("{s:o}", "tokens", a));
        }
        tok_ids_free(&ids);
    } else if (!strcmp(op, "detokenize")) {
        const json_t *t = json_object_get(req, "tokens");
        size_t n = json_array_size(t), i;
        int32_t *ids = calloc(n ? n : 1, sizeof(*ids));
        const json_t *e;
        json_array_foreach(t, i, e) ids[i] = (int32_t)json_integer_value(e);
        struct buf out;
        buf_init(&out, RUNNER_OUT_MAX);
        if (!ids || tok_decode(v, ids, n, TOK_DEC_REMOVE_SPECIAL, &out))
            reply(fd, json_pack("{s:s}", "error", "a token id is out of range"));
        else
            reply(fd, json_pack("{s:s%}", "content", out.data ? out.data : "", out.len));
        buf_free(&out);
        free(ids);
    } else if (!strcmp(op, "completion")) {
        completion(r, fd, req);
    } else {
        reply(fd, json_pack("{s:s}", "error", "unknown op"));
    }
    json_decref(req);
}

struct conn {
    struct runner *r;
    int fd;
};

static void *conn_thread(void *arg)
{
    struct conn *c = arg;
    struct runner *r = c->r;
    serve_conn(r, c->fd);
    close(c->fd);
    free(c);
    pthread_mutex_lock(&r->mu);
    if (--r->n_conns == 0)
        pthread_cond_broadcast(&r->conns_cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---------------------------------------------------------------- main */

/* A detached thread with SIGTERM/SIGINT blocked, so that the signals reach
 * the accepting main thread. */
static int spawn(void *(*fn)(void *), void *arg, bool detached, pthread_t *out)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    pthread_attr_t at;
    pthread_attr_init(&at);
    if (detached)
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    const int rc = pthread_create(out ? out : &th, &at, fn, arg);
    pthread_attr_destroy(&at);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

static int listen_unix(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(a.sun_path))
        return -1;
    strcpy(a.sun_path, path);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

int runner_main(const struct runner_opts *o)
{
    struct runner r = {.o = o, .lfd = -1};
    struct cola_err err = {0};
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.work, NULL);
    pthread_cond_init(&r.conns_cv, NULL);
    g_runner = &r;
    struct eng_ctx_params cp;
    eng_ctx_params_default(&cp);
    cp.n_ctx = o->n_ctx;
    cp.n_seq = o->parallel > 0 ? o->parallel : 1;
    if (o->n_batch > 0)
        cp.n_batch = o->n_batch;
    cp.n_threads = o->n_threads;
    int status = 1;
    pthread_t eng;
    bool eng_started = false;
    if (eng_model_load(o->model, NULL, &r.m, &err) || eng_ctx_new(r.m, &cp, &r.c, &err) ||
        slots_new(r.c, &r.sl, &err))
        goto out;
    if (!(r.active = calloc((size_t)cp.n_seq, sizeof(*r.active)))) {
        err_set(&err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    if ((r.lfd = listen_unix(o->socket_path)) < 0) {
        err_set(&err, COLA_EIO, "listen on %s: %s", o->socket_path, strerror(errno));
        goto out;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (spawn(engine_loop, &r, false, &eng)) {
        err_set(&err, COLA_ENOMEM, "cannot start the engine thread");
        goto out;
    }
    eng_started = true;
    printf("ready\n");
    fflush(stdout);
    while (!stopping) {
        const int fd = accept4(r.lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;  /* EINTR on a signal: the loop checks stopping */
        struct conn *c = malloc(sizeof(*c));
        pthread_mutex_lock(&r.mu);
        r.n_conns++;
        pthread_mutex_unlock(&r.mu);
        if (!c || (c->r = &r, c->fd = fd, spawn(conn_thread, c, true, NULL))) {
            close(fd);
            free(c);
            pthread_mutex_lock(&r.mu);
            r.n_conns--;
            pthread_mutex_unlock(&r.mu);
        }
    }
    status = 0;
out:
    if (status)
        fprintf(stderr, "Error: %s\n", err_msg(&err));
    if (eng_started) {
        pthread_mutex_lock(&r.mu);
        pthread_cond_signal(&r.work);
        pthread_mutex_unlock(&r.mu);
        pthread_join(eng, NULL);
    }
    if (r.lfd >= 0) {
        close(r.lfd);
        unlink(o->socket_path);
    }
    /* wait (a little) for the connection threads to answer and go */
    bool drained = true;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    pthread_mutex_lock(&r.mu);
    while (r.n_conns > 0 && drained)
        drained = pthread_cond_timedwait(&r.conns_cv, &r.mu, &until) == 0;
    pthread_mutex_unlock(&r.mu);
    if (drained) {  /* else a client still holds the model: the process exits anyway */
        if (r.sl)
            slots_free(r.sl);
        eng_ctx_free(r.c);
        eng_model_free(r.m);
        free(r.active);
    }
    return status;
}
