/* http.h — the daemon's HTTP layer on libmicrohttpd (issue 6 §1, §2).
 *
 * One thread per connection (MHD_USE_THREAD_PER_CONNECTION): a handler may
 * block — on a model load, a registry, a generation — without stalling other
 * clients. A request is read up to its headers, then routed (routes.c):
 * unknown paths get 404 "404 page not found", known paths with another
 * method 405 "405 method not allowed" (gin's texts), and the Host/CORS checks
 * (security.h) run before any handler. Bodies are buffered up to
 * SRV_MAX_BODY (413 beyond) unless the route streams its upload (blobs).
 *
 * Replies are Ollama's byte forms: JSON bodies as Go's encoding/json writes
 * them (gojson.h: compact, HTML-escaped, no trailing newline), errors as
 * {"error":"..."}, streams as NDJSON lines flushed one by one.
 *
 * A streaming reply (srv_reply_stream) runs its producer on a thread of its
 * own; the connection's thread waits for the first line so that an error
 * before any output is a plain JSON error with its status (Ollama's
 * streamResponse), while an error after output began is a last
 * {"error":...} line. When the client goes away the producer's next
 * srv_stream_send returns COLA_ECANCELED.
 */
#ifndef COLA_SERVER_HTTP_H
#define COLA_SERVER_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

#define SRV_MAX_BODY ((size_t)256 << 20)    /* bytes of a buffered request body */
#define SRV_MAX_HEADERS_MEM ((size_t)64 << 10) /* MHD's per-connection memory: headers */
#define SRV_STREAM_QUEUE ((size_t)1 << 20)  /* bytes a producer may run ahead */
#define SRV_MAX_CONNECTIONS 1024

struct srv;
struct srv_req;
struct srv_stream;

/* A route's handler: answer r with one srv_reply_* call (a handler that
 * returns without replying gets a 500). */
typedef void (*srv_handler)(struct srv_req *r);

/* Upload routes get the body piece by piece instead: begin (may reply at
 * once, e.g. 400 or "already there": the rest of the body is discarded),
 * data for each piece (a nonzero return stops and replies with what was
 * set), end to reply. */
struct srv_upload {
    int (*begin)(struct srv_req *r);
    int (*data)(struct srv_req *r, const char *p, size_t n);
    void (*end)(struct srv_req *r);
    void (*cleanup)(struct srv_req *r); /* always called at the end of the request */
};

struct srv_route {
    const char *methods;   /* "GET HEAD" */
    const char *path;      /* exact, or a prefix ending in ':' for a parameter: "/api/blobs/:" */
    srv_handler fn;
    const struct srv_upload *upload;
};

struct srv_config {
    const char *bind_host;  /* "127.0.0.1", "::", "" = all */
    unsigned port;
    const struct srv_route *routes;
    size_t n_routes;
    void *app;              /* handed to handlers (srv_app) */
    const char *origins;    /* OLLAMA_ORIGINS */
};

int srv_start(const struct srv_config *c, struct srv **out, struct cola_err *err);
/* Stop accepting, wait for in-flight requests, free. */
void srv_stop(struct srv *s);
unsigned srv_port(const struct srv *s);   /* the bound port (for port 0) */

/* ---- request accessors (valid during the handler) ---- */
void *srv_app(const struct srv_req *r);
const char *srv_method(const struct srv_req *r);
const char *srv_path(const struct srv_req *r);
const char *srv_param(const struct srv_req *r);   /* the ":" part of the path, "" if none */
const char *srv_header(const struct srv_req *r, const char *name); /* NULL when absent */
const char *srv_query(const struct srv_req *r, const char *key);   /* NULL when absent */
const char *srv_body(const struct srv_req *r, size_t *len);        /* NUL-terminated */
void *srv_user(struct srv_req *r);                 /* per-request slot for upload routes */
void srv_set_user(struct srv_req *r, void *p);

/* The body as a JSON object, decoded as Ollama's handlers do: an empty body
 * is 400 "missing request body", bad JSON 400 with Go's error text ("unexpected
 * EOF", "invalid character ..."), a non-object 400 "json: cannot unmarshal X
 * into Go value of type <go_type>". On failure the reply is made and NULL
 * returned; the caller owns the result. */
json_t *srv_json_body(struct srv_req *r, const char *go_type);
/* A JSON value's kind as Go's decoder names it in errors: "object",
 * "array", "string", "bool", "number". */
const char *srv_json_kind(const json_t *v);

/* ---- replies ---- */
void srv_reply_json(struct srv_req *r, unsigned status, json_t *v);   /* steals v */
void srv_reply_error(struct srv_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void srv_reply_empty(struct srv_req *r, unsigned status);
void srv_reply_text(struct srv_req *r, unsigned status, const char *ctype, const char *text);
bool srv_replied(const struct srv_req *r);

/* A streamed reply. fn runs on its own thread with ctx; it sends objects with
 * srv_stream_send and reports a failure with srv_stream_error; free_ctx
 * (may be NULL) runs after fn. mode SRV_STREAM_NDJSON: each object is a
 * line; SRV_STREAM_LAST: nothing is streamed, the last object sent is the
 * reply (Ollama's waitForStream for "stream": false), or the error. */
enum srv_stream_mode { SRV_STREAM_NDJSON, SRV_STREAM_LAST };
typedef void (*srv_stream_fn)(struct srv_stream *st, void *ctx);
void srv_reply_stream(struct srv_req *r, enum srv_stream_mode mode, srv_stream_fn fn, void *ctx,
                      void (*free_ctx)(void *ctx));
/* Send one object (steals it). 0, or COLA_ECANCELED when the client is gone. */
int srv_stream_send(struct srv_stream *st, json_t *v);
/* Report a failure: before anything was sent, the reply becomes
 * {"error": msg} with status; after, a last {"error": msg} line. */
void srv_stream_error(struct srv_stream *st, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool srv_stream_cancelled(const struct srv_stream *st);

#endif
