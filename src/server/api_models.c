/* api_models.c — the model management routes (api.h). */
#include "server/api.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/api_gen.h"
#include "server/sched.h"
#include "store/create.h"
#include "store/digest.h"
#include "store/manifest.h"
#include "store/name.h"
#include "store/show.h"
#include "store/transfer.h"
#include "util/fsutil.h"
#include "util/gotime.h"

/* ---------------------------------------------------------------- helpers */

unsigned api_status(int code)
{
    switch (code) {
    case COLA_EINVAL: return 400;
    case COLA_ENOTFOUND: return 404;
    case COLA_EUNSUPPORTED: return 501;
    default: return 500;
    }
}

static bool type_error(struct srv_req *r, const json_t *v, const char *go_struct, const char *key,
                       const char *go_type)
{
    srv_reply_error(r, 400, "json: cannot unmarshal %s into Go struct field %s.%s of type %s",
                    srv_json_kind(v), go_struct, key, go_type);
    return false;
}

bool api_str(struct srv_req *r, const json_t *o, const char *key, const char *go_struct,
             const char **out)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_string(v))
        return type_error(r, v, go_struct, key, "string");
    *out = json_string_value(v);
    return true;
}

bool api_bool(struct srv_req *r, const json_t *o, const char *key, const char *go_struct,
              bool *out, bool *set)
{
    const json_t *v = json_object_get(o, key);
    if (set)
        *set = false;
    if (!v || json_is_null(v))
        return true;
    if (!json_is_boolean(v))
        return type_error(r, v, go_struct, key, "bool");
    *out = json_is_true(v);
    if (set)
        *set = true;
    return true;
}

bool api_model_field(struct srv_req *r, const json_t *o, const char *go_struct, const char **out)
{
    const char *m = "", *n = "";
    if (!api_str(r, o, "model", go_struct, &m) || !api_str(r, o, "name", go_struct, &n))
        return false;
    *out = *m ? m : n;
    return true;
}

static struct api *app(struct srv_req *r) { return srv_app(r); }

/* ---------------------------------------------------------------- simple routes */

static void h_root(struct srv_req *r) { srv_reply_text(r, 200, NULL, "Ollama is running"); }

static void h_version(struct srv_req *r)
{
    srv_reply_json(r, 200, json_pack("{s:s}", "version", API_OLLAMA_VERSION));
}

static void h_ps(struct srv_req *r)
{
    json_t *models = sched_ps(app(r)->sched);
    srv_reply_json(r, 200, models ? json_pack("{s:o}", "models", models) : NULL);
}

/* ---------------------------------------------------------------- tags */

/* ModelDetails from a show_model object, plus context/embedding lengths. */
static json_t *details_of(const json_t *show)
{
    const json_t *d = json_object_get(show, "details");
    json_t *out = json_deep_copy(d ? d : json_object());
    const json_t *info = json_object_get(show, "model_info");
    const char *arch = json_string_value(json_object_get(info, "general.architecture"));
    if (arch && out) {
        char key[160];
        snprintf(key, sizeof(key), "%s.context_length", arch);
        const json_t *v = json_object_get(info, key);
        if (json_integer_value(v) > 0)
            json_object_set_new(out, "context_length", json_integer(json_integer_value(v)));
        snprintf(key, sizeof(key), "%s.embedding_length", arch);
        v = json_object_get(info, key);
        if (json_integer_value(v) > 0)
            json_object_set_new(out, "embedding_length", json_integer(json_integer_value(v)));
    }
    return out;
}

static json_t *tag_entry(struct api *a, const struct store_model *m)
{
    char when[GOTIME_LEN];
    gotime_format(&m->mtime, false, when);
    json_t *e = json_pack("{s:s,s:s,s:s,s:I,s:s}", "name", m->display, "model", m->display,
                          "modified_at", when, "size", (json_int_t)m->size, "digest", m->digest);
    json_t *show = NULL;
    struct cola_err err = {0};
    if (e && show_model(&a->store, m->display, false, &show, &err) == 0) {
        json_object_set_new(e, "details", details_of(show));
        const json_t *caps = json_object_get(show, "capabilities");
        if (json_array_size(caps) > 0)
            json_object_set(e, "capabilities", (json_t *)caps);
    } else if (e) {
        json_object_set_new(e, "details", json_pack("{s:s,s:s,s:s,s:n,s:s,s:s}", "parent_model", "",
                                                    "format", "", "family", "", "families",
                                                    "parameter_size", "", "quantization_level", ""));
    }
    json_decref(show);
    return e;
}

static void h_tags(struct srv_req *r)
{
    struct store_list l = {0};
    struct cola_err err = {0};
    if (store_list(&app(r)->store, &l, &err)) {
        srv_reply_error(r, 500, "%s", err_msg(&err));
        return;
    }
    json_t *models = json_array();
    for (size_t i = 0; i < l.n; i++)
        json_array_append_new(models, tag_entry(app(r), &l.models[i]));
    store_list_free(&l);
    srv_reply_json(r, 200, json_pack("{s:o}", "models", models));
}

/* ---------------------------------------------------------------- show */

/* show_model's object in ShowResponse's field order, empty fields left out
 * as Go's omitempty does (model_info is always there). */
static json_t *show_response(json_t *in)
{
    static const char *const order[] = {"license", "modelfile", "parameters", "template",
                                        "system", "renderer", "parser", "details", "messages",
                                        "remote_model", "remote_host", "model_info",
                                        "projector_info", "tensors", "capabilities",
                                        "modified_at", "requires"};
    json_t *out = json_object();
    for (size_t i = 0; out && i < sizeof(order) / sizeof(order[0]); i++) {
        json_t *v = json_object_get(in, order[i]);
        const bool empty = !v || json_is_null(v) || (json_is_string(v) && !*json_string_value(v)) ||
                           (json_is_array(v) && json_array_size(v) == 0) ||
                           (json_is_object(v) && json_object_size(v) == 0);
        if (!strcmp(order[i], "model_info"))
            json_object_set_new(out, order[i], v && json_is_object(v) ? json_incref(v) : json_object());
        else if (!empty)
            json_object_set(out, order[i], v);
    }
    json_decref(in);
    return out;
}

static void h_show(struct srv_req *r)
{
    json_t *req = srv_json_body(r, "api.ShowRequest");
    if (!req)
        return;
    const char *name = "", *system = "";
    bool verbose = false;
    if (api_model_field(r, req, "ShowRequest", &name) &&
        api_bool(r, req, "verbose", "ShowRequest", &verbose, NULL) &&
        api_str(r, req, "system", "ShowRequest", &system)) {
        if (!*name) {
            srv_reply_error(r, 400, "model is required");
        } else {
            json_t *out = NULL;
            struct cola_err err = {0};
            const int rc = show_model(&app(r)->store, name, verbose, &out, &err);
            if (rc == COLA_ENOTFOUND) {
                struct model_name n;
                char shortest[512];
                name_parse(name, &n);
                name_display_shortest(&n, shortest, sizeof(shortest));
                srv_reply_error(r, 404, "model '%s' not found", shortest);
            } else if (rc) {
                srv_reply_error(r, api_status(rc), "%s", err_msg(&err));
            } else {
                if (*system)
                    json_object_set_new(out, "system", json_string(system));
                srv_reply_json(r, 200, show_response(out));
            }
        }
    }
    json_decref(req);
}

/* ---------------------------------------------------------------- copy, delete */

static void h_copy(struct srv_req *r)
{
    json_t *req = srv_json_body(r, "api.CopyRequest");
    const char *src = "", *dst = "";
    if (!req || !api_str(r, req, "source", "CopyRequest", &src) ||
        !api_str(r, req, "destination", "CopyRequest", &dst)) {
        json_decref(req);
        return;
    }
    struct model_name sn, dn;
    char q[600];
    name_parse(src, &sn);
    name_parse(dst, &dn);
    struct cola_err err = {0};
    if (!name_valid(&sn)) {
        name_quote(src, q, sizeof(q));
        srv_reply_error(r, 400, "source %s is invalid", q);
    } else if (!name_valid(&dn)) {
        name_quote(dst, q, sizeof(q));
        srv_reply_error(r, 400, "destination %s is invalid", q);
    } else {
        const int rc = store_copy(&app(r)->store, &sn, &dn, &err);
        name_quote(src, q, sizeof(q));
        if (rc == COLA_ENOTFOUND)
            srv_reply_error(r, 404, "model %s not found", q);
        else if (rc)
            srv_reply_error(r, 500, "%s", err_msg(&err));
        else
            srv_reply_empty(r, 200);
    }
    json_decref(req);
}

static void h_delete(struct srv_req *r)
{
    json_t *req = srv_json_body(r, "api.DeleteRequest");
    const char *raw = "";
    if (!req || !api_model_field(r, req, "DeleteRequest", &raw)) {
        json_decref(req);
        return;
    }
    char base[512], q[600];
    struct cola_err err = {0};
    struct model_name n;
    int rc = name_normalize_pull(raw, base, sizeof(base), &err);
    if (!rc)
        name_parse(base, &n);
    if (rc == COLA_EINVAL && strstr(err_msg(&err), "not both")) {
        srv_reply_error(r, 400, "%s", err_msg(&err));
    } else if (rc || !name_valid(&n)) {
        name_quote(raw, q, sizeof(q));
        srv_reply_error(r, 400, "name %s is invalid", q);
    } else if ((rc = store_delete(&app(r)->store, &n, &err)) == COLA_ENOTFOUND) {
        srv_reply_error(r, 404, "model '%s' not found", raw);
    } else if (rc) {
        srv_reply_error(r, 500, "%s", err_msg(&err));
    } else {
        srv_reply_empty(r, 200);
    }
    json_decref(req);
}

/* ---------------------------------------------------------------- blobs */

static void h_blob_head(struct srv_req *r)
{
    char path[4096], q[600];
    struct cola_err err = {0};
    if (store_blob_path(&app(r)->store, srv_param(r), path, sizeof(path), &err)) {
        srv_reply_error(r, 400, "%s", err_msg(&err));
        return;
    }
    if (access(path, F_OK)) {
        name_quote(srv_param(r), q, sizeof(q));
        srv_reply_error(r, 404, "blob %s not found", q);
        return;
    }
    srv_reply_empty(r, 200);
}

/* An upload streams through a pipe into store_blob_put_fd on a thread of
 * its own, which hashes, writes and names the blob only when it matches. */
struct upload {
    int wfd, rfd;
    pthread_t th;
    bool started, closed;
    const struct store *s;
    char want[DIGEST_STR_LEN + 1];
    char got[DIGEST_STR_LEN + 1];
    int rc;
    struct cola_err err;
};

static void *upload_thread(void *arg)
{
    struct upload *u = arg;
    u->rc = store_blob_put_fd(u->s, u->rfd, u->want, u->got, NULL, &u->err);
    /* drain what the client still sends after a failure */
    char sink[65536];
    while (u->rc && read(u->rfd, sink, sizeof(sink)) > 0) {
    }
    return NULL;
}

static int up_begin(struct srv_req *r)
{
    struct cola_err err = {0};
    char path[4096];
    const char *d = srv_param(r);
    if (store_blob_path(&app(r)->store, d, path, sizeof(path), &err)) {
        srv_reply_error(r, 400, "%s", err_msg(&err));
        return 0;
    }
    if (access(path, F_OK) == 0) {
        srv_reply_empty(r, 200);  /* already there: the body is ignored */
        return 0;
    }
    struct upload *u = calloc(1, sizeof(*u));
    int p[2];
    if (!u || pipe(p)) {
        free(u);
        srv_reply_error(r, 500, "cannot start the upload: %s", strerror(errno));
        return 0;
    }
    u->rfd = p[0], u->wfd = p[1], u->s = &app(r)->store;
    if (digest_canonical(d, u->want, NULL))
        snprintf(u->want, sizeof(u->want), "%s", d);
    srv_set_user(r, u);
    if (pthread_create(&u->th, NULL, upload_thread, u)) {
        srv_reply_error(r, 500, "cannot start the upload thread");
        return 0;
    }
    u->started = true;
    return 0;
}

static int up_data(struct srv_req *r, const char *p, size_t n)
{
    struct upload *u = srv_user(r);
    while (u && !u->closed && n > 0) {
        const ssize_t w = write(u->wfd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            srv_reply_error(r, 500, "writing the blob: %s", strerror(errno));
            return -1;
        }
        p += w, n -= (size_t)w;
    }
    return 0;
}

static void up_finish(struct upload *u)
{
    if (!u->closed) {
        close(u->wfd);
        u->closed = true;
    }
    if (u->started) {
        pthread_join(u->th, NULL);
        u->started = false;
    }
}

static void up_end(struct srv_req *r)
{
    struct upload *u = srv_user(r);
    if (!u)
        return;
    up_finish(u);
    const char *d = srv_param(r);
    if (u->rc) {
        srv_reply_error(r, u->rc == COLA_EFORMAT ? 400 : 500, "%s",
                        err_msg(&u->err));
    } else if (strcmp(u->got, d)) {
        /* Ollama compares the digest string exactly: "sha256-..." or
         * upper-case hex never match */
        srv_reply_error(r, 400, "digest mismatch, expected \"%s\", got \"%s\"", d, u->got);
    } else {
        srv_reply_empty(r, 201);
    }
}

static void up_cleanup(struct srv_req *r)
{
    struct upload *u = srv_user(r);
    if (!u)
        return;
    up_finish(u);
    close(u->rfd);
    free(u);
    srv_set_user(r, NULL);
}

static const struct srv_upload blob_upload = {up_begin, up_data, up_end, up_cleanup};

/* ---------------------------------------------------------------- pull, push */

struct xfer_job {
    struct api *a;
    char *name;
    bool push;
    struct xfer_opts o;
};

static void job_free(void *p)
{
    struct xfer_job *j = p;
    free(j->name);
    free(j);
}

static int send_progress(void *user, const struct xfer_event *ev)
{
    struct srv_stream *st = user;
    json_t *o = json_pack("{s:s}", "status", ev->status ? ev->status : "");
    if (o && ev->digest)
        json_object_set_new(o, "digest", json_string(ev->digest));
    if (o && ev->total)
        json_object_set_new(o, "total", json_integer(ev->total));
    if (o && ev->completed)
        json_object_set_new(o, "completed", json_integer(ev->completed));
    return srv_stream_send(st, o) ? 1 : 0;
}

static void xfer_run(struct srv_stream *st, void *ctx)
{
    struct xfer_job *j = ctx;
    struct cola_err err = {0};
    const int rc = j->push ? push_model(&j->a->store, j->name, &j->o, send_progress, st, &err)
                           : pull_model(&j->a->store, j->name, &j->o, send_progress, st, &err);
    if (rc && rc != COLA_ECANCELED)
        srv_stream_error(st, 500, "%s", err_msg(&err));
}

static void h_xfer(struct srv_req *r, bool push)
{
    const char *gs = push ? "PushRequest" : "PullRequest";
    json_t *req = srv_json_body(r, push ? "api.PushRequest" : "api.PullRequest");
    const char *name = "";
    bool insecure = app(r)->insecure_default, stream = true;
    if (!req || !api_model_field(r, req, gs, &name) ||
        !api_bool(r, req, "insecure", gs, &insecure, NULL) ||
        !api_bool(r, req, "stream", gs, &stream, NULL)) {
        json_decref(req);
        return;
    }
    if (!*name) {
        srv_reply_error(r, 400, "model is required");
        json_decref(req);
        return;
    }
    struct xfer_job *j = calloc(1, sizeof(*j));
    if (!j || !(j->name = strdup(name))) {
        free(j);
        json_decref(req);
        srv_reply_error(r, 500, "out of memory");
        return;
    }
    j->a = app(r), j->push = push, j->o.insecure = insecure;
    json_decref(req);
    srv_reply_stream(r, stream ? SRV_STREAM_NDJSON : SRV_STREAM_LAST, xfer_run, j, job_free);
}

static void h_pull(struct srv_req *r) { h_xfer(r, false); }
static void h_push(struct srv_req *r) { h_xfer(r, true); }

/* ---------------------------------------------------------------- create */

struct create_job {
    struct api *a;
    char *name;
    struct mf_request mr;
};

static void create_free(void *p)
{
    struct create_job *j = p;
    mf_request_free(&j->mr);
    free(j->name);
    free(j);
}

static void create_run(struct srv_stream *st, void *ctx)
{
    struct create_job *j = ctx;
    struct cola_err err = {0};
    const struct xfer_opts o = {.insecure = j->a->insecure_default};
    const int rc = create_model(&j->a->store, j->name, &j->mr, &o, send_progress, st, &err);
    if (rc && rc != COLA_ECANCELED)
        srv_stream_error(st, rc == COLA_EINVAL ? 400 : api_status(rc), "%s", err_msg(&err));
}

/* Go's fs.ValidPath: relative, slash-separated, no "." / ".." / empty
 * element (the single name "." is valid). */
static bool valid_path(const char *p)
{
    if (!strcmp(p, "."))
        return true;
    if (!*p)
        return false;
    for (const char *e = p;;) {
        const char *sl = strchr(e, '/');
        const size_t l = sl ? (size_t)(sl - e) : strlen(e);
        if (l == 0 || (l == 1 && e[0] == '.') || (l == 2 && e[0] == '.' && e[1] == '.'))
            return false;
        if (!sl)
            return true;
        e = sl + 1;
    }
}

/* files / adapters: {"relative/path": "sha256:..."} checked as Ollama does. */
static bool file_map(struct srv_req *r, const json_t *m, const char *key)
{
    if (!m || json_is_null(m))
        return true;
    if (!json_is_object(m))
        return type_error(r, m, "CreateRequest", key, "map[string]string");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)m, k, v)
    {
        if (!json_is_string(v))
            return type_error(r, v, "CreateRequest", key, "string");
        if (!valid_path(k)) {
            srv_reply_error(r, 400, "file path must be relative");
            return false;
        }
        if (!digest_valid(json_string_value(v))) {
            srv_reply_error(r, 400, "invalid digest format");
            return false;
        }
    }
    return true;
}

static bool blob_of(struct srv_req *r, const json_t *m, struct mf_paths *out)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)m, k, v)
    {
        char path[4096];
        if (store_blob_path(&app(r)->store, json_string_value(v), path, sizeof(path), NULL) ||
            !(out->v = calloc(1, sizeof(*out->v))) || !(out->v[0].path = strdup(path))) {
            srv_reply_error(r, 500, "out of memory");
            return false;
        }
        out->n = 1;
        break;
    }
    return true;
}

/* The create request's members as a Modelfile would make them. */
static bool create_request(struct srv_req *r, const json_t *req, struct mf_request *mr)
{
    const char *from = "", *tmpl = "", *sys = "", *ren = "", *par = "", *reqs = "", *q = "";
    const json_t *files = json_object_get(req, "files"), *ad = json_object_get(req, "adapters");
    if (!api_str(r, req, "from", "CreateRequest", &from) ||
        !api_str(r, req, "template", "CreateRequest", &tmpl) ||
        !api_str(r, req, "system", "CreateRequest", &sys) ||
        !api_str(r, req, "renderer", "CreateRequest", &ren) ||
        !api_str(r, req, "parser", "CreateRequest", &par) ||
        !api_str(r, req, "requires", "CreateRequest", &reqs) ||
        !api_str(r, req, "quantize", "CreateRequest", &q) || !file_map(r, files, "files") ||
        !file_map(r, ad, "adapters"))
        return false;
    if (!*q && !api_str(r, req, "quantization", "CreateRequest", &q))
        return false;
    if (*q) {
        srv_reply_error(r, 400, "quantizing is not supported by cola yet (requested %s)", q);
        return false;
    }
    if (json_object_size(ad) > 1) {
        srv_reply_error(r, 400, "only one adapter is currently supported");
        return false;
    }
    if (json_object_size(files) > 1) {
        srv_reply_error(r, 400, "creating a model from several files is not supported yet");
        return false;
    }
    const json_t *params = json_object_get(req, "parameters"), *msgs = json_object_get(req, "messages");
    const json_t *lic = json_object_get(req, "license");
    if (params && !json_is_null(params) && !json_is_object(params))
        return type_error(r, params, "CreateRequest", "parameters", "map[string]interface {}");
    if (msgs && !json_is_null(msgs) && !json_is_array(msgs))
        return type_error(r, msgs, "CreateRequest", "messages", "[]api.Message");
    if (lic && !json_is_null(lic) && !json_is_string(lic) && !json_is_array(lic)) {
        srv_reply_error(r, 500, "unknown license type: %s", srv_json_kind(lic));
        return false;
    }
    if (*from && !(mr->from = strdup(from)))
        return false;
    if (json_object_size(files) == 1 && !blob_of(r, files, &mr->files))
        return false;
    if (json_object_size(ad) == 1 && !blob_of(r, ad, &mr->adapters))
        return false;
    mr->template_ = *tmpl ? strdup(tmpl) : NULL;
    mr->system = *sys ? strdup(sys) : NULL;
    mr->renderer = *ren ? strdup(ren) : NULL;
    mr->parser = *par ? strdup(par) : NULL;
    mr->requires_ = *reqs ? strdup(reqs) : NULL;
    if (json_is_string(lic) && *json_string_value(lic))
        mr->license = json_pack("[s]", json_string_value(lic));
    else if (json_is_array(lic))
        mr->license = json_deep_copy(lic);
    if (json_object_size(params) > 0)
        mr->parameters = json_deep_copy(params);
    if (json_array_size(msgs) > 0)
        mr->messages = json_deep_copy(msgs);
    return true;
}

static void h_create(struct srv_req *r)
{
    json_t *req = srv_json_body(r, "api.CreateRequest");
    const char *name = "";
    bool stream = true;
    if (!req || !api_model_field(r, req, "CreateRequest", &name) ||
        !api_bool(r, req, "stream", "CreateRequest", &stream, NULL)) {
        json_decref(req);
        return;
    }
    struct model_name n;
    name_parse(name, &n);
    struct create_job *j = calloc(1, sizeof(*j));
    if (!j) {
        srv_reply_error(r, 500, "out of memory");
    } else if (!name_valid(&n)) {
        srv_reply_error(r, 400, "invalid model name");
    } else if (create_request(r, req, &j->mr)) {
        if (!j->mr.from && j->mr.files.n == 0) {
            srv_reply_error(r, 400, "neither 'from' or 'files' was specified");
        } else if ((j->name = strdup(name))) {
            j->a = app(r);
            json_decref(req);
            srv_reply_stream(r, stream ? SRV_STREAM_NDJSON : SRV_STREAM_LAST, create_run, j,
                             create_free);
            return;
        }
    }
    if (!srv_replied(r))
        srv_reply_error(r, 500, "out of memory");
    if (j)
        create_free(j);
    json_decref(req);
}

/* ---------------------------------------------------------------- the table */

static const struct srv_route routes[] = {
    {"GET HEAD", "/", h_root, NULL},
    {"GET HEAD", "/api/version", h_version, NULL},
    {"GET HEAD", "/api/tags", h_tags, NULL},
    {"GET", "/api/ps", h_ps, NULL},
    {"POST", "/api/show", h_show, NULL},
    {"POST", "/api/copy", h_copy, NULL},
    {"DELETE", "/api/delete", h_delete, NULL},
    {"POST", "/api/pull", h_pull, NULL},
    {"POST", "/api/push", h_push, NULL},
    {"POST", "/api/create", h_create, NULL},
    {"POST", "/api/generate", api_h_generate, NULL},
    {"POST", "/api/chat", api_h_chat, NULL},
    {"POST", "/api/tokenize", api_h_tokenize, NULL},
    {"POST", "/api/detokenize", api_h_detokenize, NULL},
    {"HEAD", "/api/blobs/:", h_blob_head, NULL},
    {"POST", "/api/blobs/:", NULL, &blob_upload},
};

const struct srv_route *api_routes(size_t *n)
{
    *n = sizeof(routes) / sizeof(routes[0]);
    return routes;
}
