/* api_gen.c — /api/generate and /api/chat (api_gen.h). */
#include "server/api_gen.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/gguf.h"
#include "server/api.h"
#include "server/sched.h"
#include "store/manifest.h"
#include "store/model.h"
#include "store/show.h"
#include "store/name.h"
#include "template/chat.h"
#include "template/prompt.h"
#include "util/gotime.h"
#include "util/log.h"

#define GEN_PROMPT_MAX ((size_t)64 << 20)
#define GEN_TEXT_MAX ((size_t)256 << 20)

/* ---------------------------------------------------------------- per-model cache */

struct chat_info {
    char path[4096];
    struct model_chat mc;
    int32_t n_ctx_train;
};

#define API_CACHE_N 16
struct api_cache {
    pthread_mutex_t mu;
    struct chat_info *e[API_CACHE_N];
    size_t next;
};

int api_cache_new(struct api_cache **out)
{
    struct api_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return COLA_ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return 0;
}

void api_cache_free(struct api_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < API_CACHE_N; i++)
        if (c->e[i]) {
            model_chat_free(&c->e[i]->mc);
            free(c->e[i]);
        }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int32_t ctx_train(const char *path)
{
    struct gguf_file *g = NULL;
    int64_t n = 0;
    if (gguf_open(path, &g, NULL))
        return 0;
    struct gguf_str arch;
    if (gguf_get_str(g, "general.architecture", &arch, NULL) == 0 && arch.len < 64) {
        char key[96];
        snprintf(key, sizeof(key), "%.*s.context_length", (int)arch.len, arch.ptr);
        if (gguf_get_int(g, key, &n, NULL))
            n = 0;
    }
    gguf_close(g);
    return n > 0 && n < INT32_MAX ? (int32_t)n : 0;
}

/* The chat pieces of a model file, read once (entries live as long as the
 * cache; a full cache replaces its oldest entry, which nobody can still use
 * because the caller copies what it needs under the lock). */
static int chat_info_get(struct api_cache *c, const char *path, struct chat_info *copy_out,
                         char **jinja, char **bos, char **eos, json_t **eog, struct cola_err *err)
{
    pthread_mutex_lock(&c->mu);
    struct chat_info *ci = NULL;
    for (size_t i = 0; i < API_CACHE_N && !ci; i++)
        if (c->e[i] && !strcmp(c->e[i]->path, path))
            ci = c->e[i];
    int rc = 0;
    if (!ci) {
        ci = calloc(1, sizeof(*ci));
        if (!ci || (rc = model_chat_read(path, &ci->mc, err))) {
            if (ci)
                model_chat_free(&ci->mc);
            free(ci);
            pthread_mutex_unlock(&c->mu);
            return rc ? rc : err_set(err, COLA_ENOMEM, "out of memory");
        }
        snprintf(ci->path, sizeof(ci->path), "%s", path);
        ci->n_ctx_train = ctx_train(path);
        const size_t slot = c->next++ % API_CACHE_N;
        if (c->e[slot]) {
            model_chat_free(&c->e[slot]->mc);
            free(c->e[slot]);
        }
        c->e[slot] = ci;
    }
    copy_out->n_ctx_train = ci->n_ctx_train;
    *jinja = ci->mc.jinja ? strdup(ci->mc.jinja) : NULL;
    *bos = ci->mc.bos ? strdup(ci->mc.bos) : NULL;
    *eos = ci->mc.eos ? strdup(ci->mc.eos) : NULL;
    *eog = json_deep_copy(ci->mc.eog);
    pthread_mutex_unlock(&c->mu);
    return 0;
}

/* ---------------------------------------------------------------- request */

struct gen {
    struct api *a;
    bool chat;
    char *model;           /* as requested, for the replies */
    struct model m;
    json_t *req, *opts, *stops;
    int64_t keep_alive;
    bool stream, raw, debug, truncate, shift;
    struct prompt_think think;
    char *jinja, *bos, *eos;
    json_t *eog;
    int32_t n_ctx_train;
    char display[512], digest[72];
    json_t *details;
    struct sched_runner *runner;
    int64_t t0, load_ns;
    struct buf prompt;
    size_t n_images;
    /* streaming */
    struct srv_stream *st;
    struct buf text;       /* the whole answer (non-streamed replies, context) */
    json_t *final;
    int err_rc;
};

static int64_t mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void created_at(char out[GOTIME_LEN])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    gotime_format(&ts, true, out);
}

static void gen_free(void *p)
{
    struct gen *g = p;
    if (g->runner)
        sched_release(g->a->sched, g->runner, g->keep_alive);
    free(g->model);
    model_free(&g->m);
    json_decref(g->req);
    json_decref(g->opts);
    json_decref(g->stops);
    json_decref(g->eog);
    json_decref(g->details);
    json_decref(g->final);
    free(g->jinja), free(g->bos), free(g->eos);
    buf_free(&g->prompt);
    buf_free(&g->text);
    free(g);
}

/* A reply object's head: model, created_at, then the body member. */
static json_t *reply_head(const struct gen *g)
{
    char when[GOTIME_LEN];
    created_at(when);
    return json_pack("{s:s,s:s}", "model", g->model, "created_at", when);
}

static json_t *message(const char *content, size_t len)
{
    return json_pack("{s:s,s:s%}", "role", "assistant", "content", content, len);
}

/* The done-only replies: load, unload. */
static void reply_done(struct srv_req *r, const struct gen *g, const char *reason)
{
    json_t *o = reply_head(g);
    if (g->chat)
        json_object_set_new(o, "message", message("", 0));
    else
        json_object_set_new(o, "response", json_string(""));
    json_object_set_new(o, "done", json_true());
    json_object_set_new(o, "done_reason", json_string(reason));
    srv_reply_json(r, 200, o);
}

static int parse_request(struct srv_req *r, struct gen *g)
{
    const char *gs = g->chat ? "ChatRequest" : "GenerateRequest";
    const char *model = "";
    bool set;
    g->stream = true;
    g->truncate = true;
    g->shift = true;
    if (!api_str(r, g->req, "model", gs, &model) ||
        !api_bool(r, g->req, "stream", gs, &g->stream, &set) ||
        !api_bool(r, g->req, "raw", gs, &g->raw, &set) ||
        !api_bool(r, g->req, "_debug_render_only", gs, &g->debug, &set) ||
        !api_bool(r, g->req, "truncate", gs, &g->truncate, &set) ||
        !api_bool(r, g->req, "shift", gs, &g->shift, &set))
        return -1;
    static const char *const strs[] = {"prompt", "suffix", "system", "template"};
    for (size_t i = 0; i < 4; i++) {
        const char *s;
        if (!api_str(r, g->req, strs[i], gs, &s))
            return -1;
    }
    const json_t *msgs = json_object_get(g->req, "messages");
    if (msgs && !json_is_null(msgs) && !json_is_array(msgs)) {
        srv_reply_error(r, 400, "json: cannot unmarshal %s into Go struct field %s.messages of type "
                                "[]api.Message", json_is_object(msgs) ? "object" : "string", gs);
        return -1;
    }
    struct cola_err err = {0};
    g->keep_alive = api_env_keep_alive();
    if (api_keep_alive(json_object_get(g->req, "keep_alive"), &g->keep_alive, &set, &err) ||
        prompt_think_from_json(json_object_get(g->req, "think"), &g->think, &err)) {
        srv_reply_error(r, 400, "%s", err_msg(&err));
        return -1;
    }
    if (!(g->model = strdup(model))) {
        srv_reply_error(r, 500, "out of memory");
        return -1;
    }
    return 0;
}

static const char *sget(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int32_t num_ctx(const struct gen *g);

/* Find the model, merge the options: false after replying. */
static bool load_model(struct srv_req *r, struct gen *g)
{
    struct cola_err err = {0};
    int rc = model_load(&g->a->store, g->model, &g->m, &err);
    if (rc == COLA_ENOTFOUND || rc == COLA_EINVAL) {
        srv_reply_error(r, 404, "model '%s' not found", g->model);
        return false;
    }
    if (rc) {
        srv_reply_error(r, 500, "%s", err_msg(&err));
        return false;
    }
    if (!g->m.model_path[0]) {
        srv_reply_error(r, 400, "\"%s\" does not support %s", g->model, g->chat ? "chat" : "generate");
        return false;
    }
    if ((rc = api_options(g->m.params, json_object_get(g->req, "options"), &g->opts, &err))) {
        srv_reply_error(r, 500, "%s", err_msg(&err));
        return false;
    }
    struct chat_info ci = {.n_ctx_train = 0};
    if ((rc = chat_info_get(g->a->cache, g->m.model_path, &ci, &g->jinja, &g->bos, &g->eos, &g->eog,
                            &err))) {
        srv_reply_error(r, 500, "%s", err_msg(&err));
        return false;
    }
    g->n_ctx_train = ci.n_ctx_train;
    /* what /api/ps shows */
    struct model_name n;
    struct manifest man;
    name_parse(g->model, &n);
    name_display_shortest(&n, g->display, sizeof(g->display));
    if (store_manifest_load(&g->a->store, &n, &man, g->digest, NULL) == 0)
        manifest_free(&man);
    g->details = show_details(g->m.config, "");
    return true;
}

static struct sched_model sched_model_of(const struct gen *g)
{
    const json_t *b = json_object_get(g->opts, "num_batch"), *t = json_object_get(g->opts, "num_thread");
    const struct sched_model sm = {g->m.model_path, g->display, g->digest, g->details, num_ctx(g),
                                   json_is_integer(b) ? (int32_t)json_integer_value(b) : 0,
                                   json_is_integer(t) ? (int32_t)json_integer_value(t) : 0};
    return sm;
}

static int32_t num_ctx(const struct gen *g)
{
    const json_t *v = json_object_get(g->opts, "num_ctx");
    int64_t n = json_is_integer(v) ? json_integer_value(v) : 0;
    if (n <= 0) {
        const char *e = getenv("OLLAMA_CONTEXT_LENGTH");
        n = e && atoll(e) > 0 ? atoll(e) : 4096;
    }
    if (g->n_ctx_train > 0 && n > g->n_ctx_train)
        n = g->n_ctx_train;
    return n < 4 ? 4 : n > (1 << 24) ? (1 << 24) : (int32_t)n;
}


/* ---------------------------------------------------------------- prompt */

struct count_ctx {
    struct sched_runner *runner;
    size_t n;
};

static int count_line(void *user, json_t *line)
{
    struct count_ctx *c = user;
    c->n = json_array_size(json_object_get(line, "tokens"));
    return 1;
}

static int count_tokens(void *user, const char *text, size_t len, size_t *n, struct cola_err *err)
{
    struct count_ctx c = {user, 0};
    json_t *req = json_pack("{s:s,s:s%,s:b}", "op", "tokenize", "content", text, len, "add_special", 1);
    const int rc = req ? sched_call(c.runner, req, count_line, &c, err)
                       : err_set(err, COLA_ENOMEM, "out of memory");
    json_decref(req);
    *n = c.n;
    return rc;
}

/* The messages a request renders: generate's system + the model's messages
 * + the prompt as a user message; chat's system (the model's when the
 * request has none first) + the model's messages + the request's. */
static json_t *conversation(const struct gen *g)
{
    json_t *msgs = json_array();
    if (!g->chat) {
        const char *sys = *sget(g->req, "system") ? sget(g->req, "system") : g->m.system;
        if (sys && *sys)
            json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", sys));
        if (json_is_array(g->m.messages) && !json_object_get(g->req, "context"))
            json_array_extend(msgs, g->m.messages);
        json_t *u = json_pack("{s:s,s:s}", "role", "user", "content", sget(g->req, "prompt"));
        const json_t *imgs = json_object_get(g->req, "images");
        if (json_array_size(imgs) > 0)
            json_object_set(u, "images", (json_t *)imgs);
        json_array_append_new(msgs, u);
        return msgs;
    }
    const json_t *rm = json_object_get(g->req, "messages");
    const char *first = json_string_value(json_object_get(json_array_get(rm, 0), "role"));
    if (g->m.system && *g->m.system && !(first && !strcmp(first, "system")))
        json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", g->m.system));
    if (json_is_array(g->m.messages))
        json_array_extend(msgs, g->m.messages);
    if (json_is_array(rm))
        json_array_extend(msgs, (json_t *)rm);
    return msgs;
}

static int render(struct gen *g, struct cola_err *err)
{
    const char *tmpl = sget(g->req, "template");
    if (!g->chat && g->raw) {
        if (*tmpl || *sget(g->req, "system") || json_object_get(g->req, "context"))
            return err_set(err, COLA_EINVAL, "raw mode does not support template, system, or context");
        return buf_puts(&g->prompt, sget(g->req, "prompt")) ? err_set(err, COLA_ENOMEM, "prompt too long") : 0;
    }
    struct chat_tmpl ct;
    const char *go = *tmpl ? tmpl : g->m.template_;
    int rc = chat_init(&ct, go, g->jinja, g->bos, g->eos, err);
    if (rc)
        return rc;
    if (!g->chat && *sget(g->req, "suffix")) {
        /* fill-in-the-middle: the template's Prompt and Suffix */
        if (ct.kind == CHAT_JINJA) {
            rc = err_set(err, COLA_EINVAL, "\"%s\" does not support insert", g->model);
        } else {
            const struct prompt_values v = {.prompt = sget(g->req, "prompt"),
                                            .suffix = sget(g->req, "suffix"), .think = g->think};
            rc = prompt_exec(ct.go, &v, &g->prompt, err);
        }
    } else {
        json_t *msgs = conversation(g);
        struct count_ctx cc = {g->runner, 0};
        const struct prompt_chat_opts o = {
            .render = chat_render, .render_user = &ct, .count = count_tokens,
            .count_user = cc.runner, .num_ctx = sched_runner_ctx(g->runner),
            .truncate = g->truncate && !*tmpl, .projector = g->m.projector};
        const json_t *tools = g->chat ? json_object_get(g->req, "tools") : NULL;
        if (!*tmpl || g->chat)
            rc = prompt_chat(&o, msgs, tools, &g->think, &g->prompt, &g->n_images, err);
        else
            rc = chat_render(&ct, msgs, NULL, &g->think, &g->prompt, err);
        json_decref(msgs);
    }
    if (!rc && !(g->stops = chat_stops(ct.kind, json_object_get(g->opts, "stop"), g->eog)))
        rc = err_set(err, COLA_ENOMEM, "out of memory");
    chat_free(&ct);
    return rc;
}

/* ---------------------------------------------------------------- generation */

static json_t *metrics(json_t *o, const json_t *done, int64_t total, int64_t load)
{
    static const char *const keys[] = {"prompt_eval_count", "prompt_eval_duration", "eval_count",
                                       "eval_duration"};
    if (total > 0)
        json_object_set_new(o, "total_duration", json_integer(total));
    if (load > 0)
        json_object_set_new(o, "load_duration", json_integer(load));
    for (size_t i = 0; i < 4; i++) {
        const json_int_t v = json_integer_value(json_object_get(done, keys[i]));
        if (v > 0)
            json_object_set_new(o, keys[i], json_integer(v));
    }
    return o;
}

struct ctx_tokens {
    json_t *tokens;
};

static int ctx_line(void *user, json_t *line)
{
    struct ctx_tokens *c = user;
    c->tokens = json_incref(json_object_get(line, "tokens"));
    return 1;
}

static int on_line(void *user, json_t *line)
{
    struct gen *g = user;
    const json_t *e = json_object_get(line, "error");
    if (e) {
        g->err_rc = COLA_EIO;
        srv_stream_error(g->st, 500, "%s", json_string_value(e) ? json_string_value(e) : "runner error");
        return 1;
    }
    const char *c = json_string_value(json_object_get(line, "content"));
    if (c) {
        const size_t n = json_string_length(json_object_get(line, "content"));
        if (buf_append(&g->text, c, n)) {
            g->err_rc = COLA_ENOMEM;
            srv_stream_error(g->st, 500, "the answer is too long");
            return 1;
        }
        if (!g->stream || n == 0)
            return 0;
        json_t *o = reply_head(g);
        if (g->chat)
            json_object_set_new(o, "message", message(c, n));
        else
            json_object_set_new(o, "response", json_stringn(c, n));
        json_object_set_new(o, "done", json_false());
        return srv_stream_send(g->st, o) ? 1 : 0;
    }
    if (json_is_true(json_object_get(line, "done")))
        g->final = json_incref(line);
    return 0;
}

static void run_completion(struct srv_stream *st, void *ctx)
{
    struct gen *g = ctx;
    g->st = st;
    json_t *opts = json_deep_copy(g->opts);
    json_object_set(opts, "stop", g->stops);
    json_t *req = json_pack("{s:s,s:s%,s:o,s:b}", "op", "completion", "prompt",
                            g->prompt.data ? g->prompt.data : "", g->prompt.len, "options", opts,
                            "shift", g->shift);
    struct cola_err err = {0};
    int rc = req ? sched_call(g->runner, req, on_line, g, &err) : COLA_ENOMEM;
    json_decref(req);
    if (rc) {
        srv_stream_error(st, 500, "%s", rc == COLA_ENOMEM ? "out of memory" : err_msg(&err));
        return;
    }
    if (g->err_rc || srv_stream_cancelled(st))
        return;
    if (!g->final) {
        srv_stream_error(st, 500, SCHED_DIED_MSG);
        return;
    }
    json_t *o = reply_head(g);
    const char *all = g->stream ? "" : g->text.data ? g->text.data : "";
    const size_t all_len = g->stream ? 0 : g->text.len;
    if (g->chat)
        json_object_set_new(o, "message", message(all, all_len));
    else
        json_object_set_new(o, "response", json_stringn(all, all_len));
    json_object_set_new(o, "done", json_true());
    json_object_set(o, "done_reason", json_object_get(g->final, "done_reason"));
    if (!g->chat && !g->raw) {
        struct buf both;
        buf_init(&both, GEN_PROMPT_MAX + GEN_TEXT_MAX);
        buf_append(&both, g->prompt.data ? g->prompt.data : "", g->prompt.len);
        buf_append(&both, g->text.data ? g->text.data : "", g->text.len);
        struct ctx_tokens ct = {NULL};
        json_t *treq = json_pack("{s:s,s:s%,s:b}", "op", "tokenize", "content",
                                 both.data ? both.data : "", both.len, "add_special", 1);
        if (treq && sched_call(g->runner, treq, ctx_line, &ct, NULL) == 0 &&
            json_array_size(ct.tokens) > 0)
            json_object_set(o, "context", ct.tokens);
        json_decref(ct.tokens);
        json_decref(treq);
        buf_free(&both);
    }
    srv_stream_send(st, metrics(o, g->final, mono() - g->t0, g->load_ns));
}

/* ---------------------------------------------------------------- handlers */

static void handle(struct srv_req *r, bool chat)
{
    struct gen *g = calloc(1, sizeof(*g));
    if (!g) {
        srv_reply_error(r, 500, "out of memory");
        return;
    }
    g->a = srv_app(r), g->chat = chat, g->t0 = mono();
    buf_init(&g->prompt, GEN_PROMPT_MAX);
    buf_init(&g->text, GEN_TEXT_MAX);
    if (!(g->req = srv_json_body(r, chat ? "api.ChatRequest" : "api.GenerateRequest")) ||
        parse_request(r, g) || !load_model(r, g)) {
        gen_free(g);
        return;
    }
    const bool no_input = chat ? json_array_size(json_object_get(g->req, "messages")) == 0
                               : !*sget(g->req, "prompt") &&
                                     json_array_size(json_object_get(g->req, "images")) == 0;
    if (no_input && g->keep_alive == 0) {
        sched_unload(g->a->sched, g->m.model_path);
        reply_done(r, g, "unload");
        gen_free(g);
        return;
    }
    const struct sched_model sm = sched_model_of(g);
    struct cola_err err = {0};
    int rc = sched_acquire(g->a->sched, &sm, &g->runner, &g->load_ns, &err);
    if (rc) {
        srv_reply_error(r, rc == COLA_ERANGE ? 503 : 500, "%s", err_msg(&err));
        gen_free(g);
        return;
    }
    if (no_input) {
        reply_done(r, g, "load");
        gen_free(g);
        return;
    }
    if ((rc = render(g, &err))) {
        srv_reply_error(r, rc == COLA_EINVAL ? 400 : 500, "%s", err_msg(&err));
        gen_free(g);
        return;
    }
    if (g->debug) {
        json_t *o = reply_head(g);
        if (chat)
            json_object_set_new(o, "message", json_pack("{s:s,s:s}", "role", "", "content", ""));
        else
            json_object_set_new(o, "response", json_string(""));
        json_object_set_new(o, "done", json_false());
        json_t *d = json_pack("{s:s%}", "rendered_template", g->prompt.data ? g->prompt.data : "",
                              g->prompt.len);
        if (g->n_images)
            json_object_set_new(d, "image_count", json_integer((json_int_t)g->n_images));
        json_object_set_new(o, "_debug_info", d);
        srv_reply_json(r, 200, o);
        gen_free(g);
        return;
    }
    srv_reply_stream(r, g->stream ? SRV_STREAM_NDJSON : SRV_STREAM_LAST, run_completion, g, gen_free);
}

void api_h_generate(struct srv_req *r) { handle(r, false); }
void api_h_chat(struct srv_req *r) { handle(r, true); }

/* ---------------------------------------------------------------- tokenize */

struct tok_reply {
    json_t *v;
};

static int tok_line(void *user, json_t *line)
{
    ((struct tok_reply *)user)->v = json_incref(line);
    return 1;
}

static void tok_route(struct srv_req *r, bool detok)
{
    struct gen *g = calloc(1, sizeof(*g));
    if (!g) {
        srv_reply_error(r, 500, "out of memory");
        return;
    }
    g->a = srv_app(r);
    g->keep_alive = api_env_keep_alive();
    buf_init(&g->prompt, 1);
    buf_init(&g->text, 1);
    const char *gs = detok ? "DetokenizeRequest" : "TokenizeRequest", *model = "", *content = "";
    struct cola_err err = {0};
    bool set;
    if (!(g->req = srv_json_body(r, detok ? "api.DetokenizeRequest" : "api.TokenizeRequest")) ||
        !api_str(r, g->req, "model", gs, &model) ||
        (!detok && !api_str(r, g->req, "content", gs, &content))) {
        gen_free(g);
        return;
    }
    const json_t *toks = json_object_get(g->req, "tokens");
    if (detok && toks && !json_is_array(toks)) {
        srv_reply_error(r, 400, "json: cannot unmarshal %s into Go struct field %s.tokens of type []int",
                        json_is_string(toks) ? "string" : "object", gs);
        gen_free(g);
        return;
    }
    if (api_keep_alive(json_object_get(g->req, "keep_alive"), &g->keep_alive, &set, &err)) {
        srv_reply_error(r, 400, "%s", err_msg(&err));
        gen_free(g);
        return;
    }
    if (!*model) {
        srv_reply_error(r, 400, "model is required");
        gen_free(g);
        return;
    }
    g->model = strdup(model);
    if (!load_model(r, g)) {
        gen_free(g);
        return;
    }
    const struct sched_model sm = sched_model_of(g);
    int rc = sched_acquire(g->a->sched, &sm, &g->runner, &g->load_ns, &err);
    json_t *q = NULL;
    struct tok_reply tr = {NULL};
    if (!rc) {
        q = detok ? json_pack("{s:s,s:O}", "op", "detokenize", "tokens", toks ? toks : json_array())
                  : json_pack("{s:s,s:s,s:b}", "op", "tokenize", "content", content, "add_special", 1);
        rc = q ? sched_call(g->runner, q, tok_line, &tr, &err) : err_set(&err, COLA_ENOMEM, "out of memory");
    }
    const json_t *e = json_object_get(tr.v, "error");
    if (rc)
        srv_reply_error(r, rc == COLA_ERANGE ? 503 : 500, "%s", err_msg(&err));
    else if (e)
        srv_reply_error(r, 400, "%s", json_string_value(e));
    else if (detok)
        srv_reply_json(r, 200, json_pack("{s:O}", "content", json_object_get(tr.v, "content")));
    else
        srv_reply_json(r, 200, json_pack("{s:O}", "tokens", json_object_get(tr.v, "tokens")));
    json_decref(tr.v);
    json_decref(q);
    gen_free(g);
}

void api_h_tokenize(struct srv_req *r) { tok_route(r, false); }
void api_h_detokenize(struct srv_req *r) { tok_route(r, true); }
