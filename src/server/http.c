/* http.c — the daemon's HTTP layer on libmicrohttpd (http.h). */
#include "server/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "server/security.h"
#include "util/godur.h"
#include "util/gojson.h"
#include "util/goscan.h"
#include "util/log.h"

#define CT_JSON "application/json; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"
#define CT_NDJSON "application/x-ndjson"

struct srv {
    struct MHD_Daemon *d;
    const struct srv_route *routes;
    size_t n_routes;
    void *app;
    struct sec_cors *cors;
    bool loopback;
    unsigned port;
};

struct srv_req {
    struct srv *s;
    struct MHD_Connection *c;
    const char *method;
    char *path;
    const char *param;
    const struct srv_route *route;
    struct buf body;
    bool replied;
    bool upload_begun;
    void *user;
    struct sec_headers cors;
    unsigned status;              /* of the reply, for the log */
    struct timespec t0;
};

/* ---------------------------------------------------------------- replies */

static void add_common_headers(struct srv_req *r, struct MHD_Response *resp, const char *ctype)
{
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    for (size_t i = 0; i < r->cors.n; i++)
        MHD_add_response_header(resp, r->cors.h[i].name, r->cors.h[i].value);
}

static void queue(struct srv_req *r, unsigned status, struct MHD_Response *resp, const char *ctype)
{
    if (!resp) {
        log_error("http: out of memory building a %u reply", status);
        return;
    }
    add_common_headers(r, resp, ctype);
    if (MHD_queue_response(r->c, status, resp) != MHD_YES)
        log_warn("http: could not queue a %u reply for %s %s", status, r->method, r->path);
    MHD_destroy_response(resp);
    r->replied = true;
    r->status = status;
}

static void reply_bytes(struct srv_req *r, unsigned status, const char *ctype, const void *p,
                        size_t n)
{
    queue(r, status, MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY), ctype);
}

bool srv_replied(const struct srv_req *r) { return r->replied; }

void srv_reply_json(struct srv_req *r, unsigned status, json_t *v)
{
    struct buf b;
    buf_init(&b, (size_t)1 << 30);
    struct cola_err err = {0};
    if (!v || gojson_encode(v, 0, &b, &err)) {
        json_decref(v);
        buf_free(&b);
        srv_reply_error(r, 500, "encoding the reply: %s", v ? err_msg(&err) : "out of memory");
        return;
    }
    json_decref(v);
    reply_bytes(r, status, CT_JSON, b.data, b.len);
    buf_free(&b);
}

/* {"error":msg} (+ "\n" for a stream line) appended to b. */
static void error_json(struct buf *b, const char *msg, bool newline)
{
    buf_append(b, "{\"error\":", 9);
    gojson_append_string(b, msg, strlen(msg), 0);
    buf_append(b, newline ? "}\n" : "}", newline ? 2 : 1);
}

void srv_reply_error(struct srv_req *r, unsigned status, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct buf b;
    buf_init(&b, sizeof(msg) * 8);
    error_json(&b, msg, false);
    reply_bytes(r, status, CT_JSON, b.data, b.len);
    buf_free(&b);
}

void srv_reply_empty(struct srv_req *r, unsigned status)
{
    queue(r, status, MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT), NULL);
}

void srv_reply_text(struct srv_req *r, unsigned status, const char *ctype, const char *text)
{
    reply_bytes(r, status, ctype ? ctype : CT_TEXT, text, strlen(text));
}

/* ---------------------------------------------------------------- accessors */

void *srv_app(const struct srv_req *r) { return r->s->app; }
const char *srv_method(const struct srv_req *r) { return r->method; }
const char *srv_path(const struct srv_req *r) { return r->path; }
const char *srv_param(const struct srv_req *r) { return r->param ? r->param : ""; }
void *srv_user(struct srv_req *r) { return r->user; }
void srv_set_user(struct srv_req *r, void *p) { r->user = p; }

const char *srv_header(const struct srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, name);
}

const char *srv_query(const struct srv_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, key);
}

const char *srv_body(const struct srv_req *r, size_t *len)
{
    if (len)
        *len = r->body.len;
    return r->body.data ? r->body.data : "";
}

const char *srv_json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_TRUE:
    case JSON_FALSE: return "bool";
    default: return "number";
    }
}

json_t *srv_json_body(struct srv_req *r, const char *go_type)
{
    size_t n, end = 0;
    const char *p = srv_body(r, &n);
    char msg[256];
    switch (goscan_first_value(p, n, &end, msg, sizeof(msg))) {
    case GOSCAN_OK: break;
    case GOSCAN_EMPTY: srv_reply_error(r, 400, "missing request body"); return NULL;
    default: srv_reply_error(r, 400, "%s", msg); return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb(p, end, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!v)
        v = json_loadb(p, end, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &je);
    if (!v) {
        srv_reply_error(r, 400, "%s", je.text);
        return NULL;
    }
    if (json_is_null(v)) {  /* Go leaves the struct as it was */
        json_decref(v);
        return json_object();
    }
    if (!json_is_object(v)) {
        srv_reply_error(r, 400, "json: cannot unmarshal %s into Go value of type %s", srv_json_kind(v),
                        go_type);
        json_decref(v);
        return NULL;
    }
    return v;
}

/* ---------------------------------------------------------------- streams */

struct srv_stream {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    enum srv_stream_mode mode;
    struct buf q;          /* NDJSON bytes not yet taken by MHD */
    size_t off;
    json_t *last;          /* SRV_STREAM_LAST */
    bool any_sent, done, gone;
    unsigned err_status;
    char *err_msg;
    int refs;
    srv_stream_fn fn;
    void *ctx;
    void (*free_ctx)(void *);
};

static void stream_unref(struct srv_stream *st)
{
    pthread_mutex_lock(&st->mu);
    const int left = --st->refs;
    pthread_mutex_unlock(&st->mu);
    if (left)
        return;
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cv);
    buf_free(&st->q);
    json_decref(st->last);
    free(st->err_msg);
    free(st);
}

bool srv_stream_cancelled(const struct srv_stream *st)
{
    return __atomic_load_n(&st->gone, __ATOMIC_ACQUIRE);
}

/* Append one line under the lock, waiting while the queue is full. */
static int stream_put(struct srv_stream *st, const struct buf *line)
{
    while (!st->gone && st->q.len - st->off > SRV_STREAM_QUEUE)
        pthread_cond_wait(&st->cv, &st->mu);
    if (st->gone)
        return COLA_ECANCELED;
    if (buf_append(&st->q, line->data, line->len))
        return COLA_ENOMEM;
    st->any_sent = true;
    pthread_cond_broadcast(&st->cv);
    return 0;
}

int srv_stream_send(struct srv_stream *st, json_t *v)
{
    struct buf line;
    buf_init(&line, (size_t)1 << 30);
    int rc = 0;
    if (st->mode == SRV_STREAM_NDJSON && (!v || gojson_encode(v, GOJSON_NEWLINE, &line, NULL)))
        rc = COLA_ENOMEM;
    pthread_mutex_lock(&st->mu);
    if (st->gone) {
        rc = COLA_ECANCELED;
    } else if (!rc && st->mode == SRV_STREAM_LAST) {
        json_decref(st->last);
        st->last = v;
        v = NULL;
        st->any_sent = true;
    } else if (!rc) {
        rc = stream_put(st, &line);
    }
    pthread_mutex_unlock(&st->mu);
    json_decref(v);
    buf_free(&line);
    return rc;
}

void srv_stream_error(struct srv_stream *st, unsigned status, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&st->mu);
    if (st->err_msg) {
        /* the first error wins */
    } else if (st->mode == SRV_STREAM_LAST || !st->any_sent) {
        st->err_msg = strdup(msg);
        st->err_status = status ? status : 500;
    } else {
        struct buf line;
        buf_init(&line, sizeof(msg) * 8);
        error_json(&line, msg, true);
        st->err_msg = strdup(msg);
        stream_put(st, &line);
        buf_free(&line);
    }
    pthread_mutex_unlock(&st->mu);
}

static void *stream_thread(void *arg)
{
    struct srv_stream *st = arg;
    st->fn(st, st->ctx);
    if (st->free_ctx)
        st->free_ctx(st->ctx);
    pthread_mutex_lock(&st->mu);
    st->done = true;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
    stream_unref(st);
    return NULL;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    struct srv_stream *st = cls;
    (void)pos;
    pthread_mutex_lock(&st->mu);
    while (st->q.len == st->off && !st->done)
        pthread_cond_wait(&st->cv, &st->mu);
    ssize_t n;
    if (st->q.len > st->off) {
        size_t k = st->q.len - st->off;
        if (k > max)
            k = max;
        memcpy(out, st->q.data + st->off, k);
        st->off += k;
        if (st->off == st->q.len)
            st->q.len = st->off = 0;
        n = (ssize_t)k;
        pthread_cond_broadcast(&st->cv);
    } else {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    }
    pthread_mutex_unlock(&st->mu);
    return n;
}

static void stream_gone(void *cls)
{
    struct srv_stream *st = cls;
    pthread_mutex_lock(&st->mu);
    __atomic_store_n(&st->gone, true, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
    stream_unref(st);
}

void srv_reply_stream(struct srv_req *r, enum srv_stream_mode mode, srv_stream_fn fn, void *ctx,
                      void (*free_ctx)(void *ctx))
{
    struct srv_stream *st = calloc(1, sizeof(*st));
    if (!st) {
        if (free_ctx)
            free_ctx(ctx);
        srv_reply_error(r, 500, "out of memory");
        return;
    }
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    buf_init(&st->q, SRV_STREAM_QUEUE * 2 + ((size_t)1 << 30));
    st->mode = mode;
    st->fn = fn, st->ctx = ctx, st->free_ctx = free_ctx;
    st->refs = 2;
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, stream_thread, st)) {
        pthread_attr_destroy(&at);
        st->refs = 1;
        stream_unref(st);
        if (free_ctx)
            free_ctx(ctx);
        srv_reply_error(r, 500, "cannot start a thread");
        return;
    }
    pthread_attr_destroy(&at);
    pthread_mutex_lock(&st->mu);
    while (!st->done && (mode == SRV_STREAM_LAST || !st->any_sent))
        pthread_cond_wait(&st->cv, &st->mu);
    const bool failed = st->err_msg && (mode == SRV_STREAM_LAST || !st->any_sent);
    char *msg = failed ? strdup(st->err_msg) : NULL;
    const unsigned status = st->err_status;
    json_t *last = mode == SRV_STREAM_LAST ? json_incref(st->last) : NULL;
    pthread_mutex_unlock(&st->mu);
    if (failed || mode == SRV_STREAM_LAST) {
        if (failed)
            srv_reply_error(r, status, "%s", msg ? msg : "out of memory");
        else
            srv_reply_json(r, 200, last ? last : json_object());
        free(msg);
        stream_gone(st);
        return;
    }
    queue(r, 200, MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st,
                                                    stream_gone), CT_NDJSON);
}

/* ---------------------------------------------------------------- routing */

static bool method_in(const char *methods, const char *m)
{
    const size_t ml = strlen(m);
    for (const char *p = methods; *p;) {
        const char *e = strchr(p, ' ');
        const size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == ml && !strncmp(p, m, l))
            return true;
        p += l + (e ? 1 : 0);
    }
    return false;
}

/* The route for path and method; *known tells whether any route has the path. */
static const struct srv_route *find_route(const struct srv *s, const char *path, const char *m,
                                          const char **param, bool *known)
{
    *known = false;
    for (size_t i = 0; i < s->n_routes; i++) {
        const struct srv_route *rt = &s->routes[i];
        const size_t l = strlen(rt->path);
        const bool prefix = l && rt->path[l - 1] == ':';
        const char *rest = NULL;
        if (prefix && !strncmp(path, rt->path, l - 1) && path[l - 1] && !strchr(path + l - 1, '/'))
            rest = path + l - 1;
        else if (!prefix && !strcmp(path, rt->path))
            rest = "";
        if (!rest)
            continue;
        *known = true;
        if (method_in(rt->methods, m)) {
            *param = rest;
            return rt;
        }
    }
    return NULL;
}

/* CORS, then the Host check (Ollama's middleware order), then the route.
 * false when a reply was made. */
static bool admit(struct srv_req *r)
{
    const char *host = srv_header(r, "Host");
    const enum sec_cors_verdict v = sec_cors_decide(
        r->s->cors, r->method, srv_header(r, "Origin"), host,
        srv_header(r, "Access-Control-Request-Method"),
        srv_header(r, "Access-Control-Request-Headers"), &r->cors);
    if (v == SEC_CORS_DENY) {
        r->cors.n = 0;
        srv_reply_empty(r, 403);
        return false;
    }
    if (v == SEC_CORS_PREFLIGHT) {
        srv_reply_empty(r, 204);
        return false;
    }
    const enum sec_host_kind hk = sec_host_check(host, r->s->loopback);
    if (hk == SEC_HOST_DENIED) {
        srv_reply_empty(r, 403);  /* CORS headers already decided stay, as in Ollama */
        return false;
    }
    if (hk == SEC_HOST_NAME && !strcmp(r->method, "OPTIONS")) {
        srv_reply_empty(r, 204);  /* allowedHostsMiddleware: a name host's OPTIONS */
        return false;
    }
    bool known;
    r->route = find_route(r->s, r->path, r->method, &r->param, &known);
    if (!r->route) {
        if (known)
            srv_reply_text(r, 405, CT_TEXT, "405 method not allowed");
        else
            srv_reply_text(r, 404, CT_TEXT, "404 page not found");
        return false;
    }
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    struct srv *s = cls;
    struct srv_req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r || !(r->path = strdup(url))) {
            free(r);
            return MHD_NO;
        }
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        r->s = s, r->c = c, r->method = method;
        buf_init(&r->body, SRV_MAX_BODY);
        *con_cls = r;
        if (admit(r) && r->route->upload) {
            r->upload_begun = true;
            if (r->route->upload->begin(r) && !r->replied)
                srv_reply_error(r, 500, "upload failed");
        }
        return MHD_YES;
    }
    if (*size) {
        const size_t n = *size;
        *size = 0;
        if (r->replied)
            return MHD_YES;  /* discarded: the reply is made */
        if (r->route->upload) {
            if (r->route->upload->data(r, data, n) && !r->replied)
                srv_reply_error(r, 500, "upload failed");
        } else if (buf_append(&r->body, data, n)) {
            srv_reply_error(r, 413, "request body too large (more than %zu bytes)", SRV_MAX_BODY);
        }
        return MHD_YES;
    }
    if (!r->replied) {
        if (r->route->upload)
            r->route->upload->end(r);
        else
            r->route->fn(r);
        if (!r->replied)
            srv_reply_error(r, 500, "internal error: %s %s made no reply", method, url);
    }
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct srv_req *r = *con_cls;
    if (!r)
        return;
    if (r->upload_begun && r->route->upload->cleanup)
        r->route->upload->cleanup(r);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double ms = (double)(t1.tv_sec - r->t0.tv_sec) * 1e3 + (t1.tv_nsec - r->t0.tv_nsec) / 1e6;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
    }
    /* gin's request log line */
    char dur[40], when[32];
    godur_format((int64_t)(ms * 1e6), dur, sizeof(dur));
    const time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y/%m/%d - %H:%M:%S", &tm);
    fprintf(stderr, "[GIN] %s | %3u | %13s | %15s | %-7s \"%s\"%s\n", when, r->status, dur, ip,
            r->method, r->path,
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed)");
    buf_free(&r->body);
    free(r->path);
    free(r);
    *con_cls = NULL;
}

/* ---------------------------------------------------------------- lifecycle */

static int resolve(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *len,
                   struct cola_err *err)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char ps[16];
    snprintf(ps, sizeof(ps), "%u", port);
    const int g = getaddrinfo(host && *host ? host : NULL, ps, &hints, &res);
    if (g)
        return err_set(err, COLA_EINVAL, "listen tcp %s:%u: %s", host ? host : "", port,
                       gai_strerror(g));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss->ss_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) ||
               (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

int srv_start(const struct srv_config *c, struct srv **out, struct cola_err *err)
{
    *out = NULL;
    struct srv *s = calloc(1, sizeof(*s));
    if (!s)
        return err_set(err, COLA_ENOMEM, "out of memory");
    s->routes = c->routes, s->n_routes = c->n_routes, s->app = c->app;
    struct sockaddr_storage ss;
    socklen_t sl;
    int rc = resolve(c->bind_host, c->port, &ss, &sl, err);
    if (!rc)
        rc = sec_cors_new(c->origins, &s->cors, err);
    if (rc) {
        free(s);
        return rc;
    }
    s->loopback = is_loopback(&ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(flags, (uint16_t)c->port, NULL, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, SRV_MAX_HEADERS_MEM,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)SRV_MAX_CONNECTIONS,
                            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
                            MHD_OPTION_END);
    if (!s->d) {
        sec_cors_free(s->cors);
        free(s);
        return err_set(err, COLA_EIO, "listen tcp %s:%u: cannot bind (address in use?)",
                       c->bind_host ? c->bind_host : "", c->port);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : c->port;
    *out = s;
    return 0;
}

unsigned srv_port(const struct srv *s) { return s->port; }

void srv_stop(struct srv *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    sec_cors_free(s->cors);
    free(s);
}
