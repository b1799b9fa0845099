#include "store/create.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine/gguf.h"
#include "store/blobs_json.h"
#include "template/gotmpl.h"
#include "template/named.h"
#include "util/buf.h"
#include "util/log.h"

#define CR_MAX_LAYERS 4096
#define CR_MAX_CAPS 64
#define CR_JSON_MAX ((size_t)64 << 20) /* bytes of one params/messages/config blob */

#define MEDIA_ADAPTER "application/vnd.ollama.image.adapter"
#define MEDIA_PROJECTOR "application/vnd.ollama.image.projector"
#define MEDIA_TEMPLATE "application/vnd.ollama.image.template"
#define MEDIA_SYSTEM "application/vnd.ollama.image.system"
#define MEDIA_LICENSE "application/vnd.ollama.image.license"

struct cr_layer {
    char *media_type;
    char digest[DIGEST_STR_LEN + 1];
    int64_t size;
    char *from, *name;    /* NULL when absent */
    char status[96];      /* "using existing layer ..." / "creating new layer ..." */
};

struct cr {
    const struct store *s;
    struct cr_layer *l;
    size_t n, cap;
    struct manifest created;   /* blobs this call named: removed again on failure */
    xfer_progress_fn fn;
    void *user;
    const struct xfer_opts *pull;
    struct cola_err *err;
    /* config pieces */
    struct bjson_gguf_info info;
    bool have_info;
    char *renderer, *parser, *requires_, *model_format;
    char *caps[CR_MAX_CAPS];
    size_t n_caps;
};

static void progress(struct cr *c, const char *status)
{
    const struct xfer_event ev = {.status = status};
    if (c->fn)
        c->fn(c->user, &ev);
}

struct copy_report {
    struct cr *c;
    const char *digest;
    int64_t total;
};

static void copy_progress(void *user, uint64_t done)
{
    const struct copy_report *r = user;
    const struct xfer_event ev = {"copying file", r->digest, r->total, (int64_t)done};
    if (r->c->fn)
        r->c->fn(r->c->user, &ev);
}

static char *dup_or_null(const char *s) { return s && *s ? strdup(s) : NULL; }

static void layer_free(struct cr_layer *l)
{
    free(l->media_type);
    free(l->from);
    free(l->name);
}

static int add_layer(struct cr *c, const char *media, const char *digest, int64_t size,
                     const char *from, const char *name, const char *status)
{
    if (c->n == CR_MAX_LAYERS)
        return err_set(c->err, COLA_ERANGE, "too many layers (more than %d)", CR_MAX_LAYERS);
    if (c->n == c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 16;
        struct cr_layer *nl = realloc(c->l, nc * sizeof(*nl));
        if (!nl)
            return err_set(c->err, COLA_ENOMEM, "out of memory");
        c->l = nl;
        c->cap = nc;
    }
    struct cr_layer *l = &c->l[c->n];
    memset(l, 0, sizeof(*l));
    l->media_type = strdup(media);
    l->from = from ? strdup(from) : NULL;
    l->name = name ? strdup(name) : NULL;
    if (!l->media_type || (from && !l->from) || (name && !l->name)) {
        layer_free(l);
        return err_set(c->err, COLA_ENOMEM, "out of memory");
    }
    snprintf(l->digest, sizeof(l->digest), "%s", digest);
    l->size = size;
    snprintf(l->status, sizeof(l->status), "%s", status ? status : "");
    c->n++;
    return 0;
}

/* Drop every layer of this media type (Ollama's removeLayer; the blobs go
 * when the replaced manifest is released). */
static void remove_type(struct cr *c, const char *media)
{
    size_t j = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!strcmp(c->l[i].media_type, media)) {
            layer_free(&c->l[i]);
            continue;
        }
        c->l[j++] = c->l[i];
    }
    c->n = j;
}

static int note_created(struct cr *c, const char *digest)
{
    struct manifest *m = &c->created;
    struct manifest_layer *nl = realloc(m->layers, (m->n_layers + 1) * sizeof(*nl));
    if (!nl)
        return err_set(c->err, COLA_ENOMEM, "out of memory");
    m->layers = nl;
    memset(&nl[m->n_layers], 0, sizeof(*nl));
    snprintf(nl[m->n_layers].digest, sizeof(nl->digest), "%s", digest);
    m->n_layers++;
    return 0;
}

/* Store bytes as a blob and say whether it was new, as Ollama's NewLayer. */
static int put_bytes(struct cr *c, const void *data, size_t len, char digest[DIGEST_STR_LEN + 1],
                     char *status, size_t cap)
{
    if (sha256_buf(data, len, digest))
        return err_set(c->err, COLA_EIO, "SHA-256 failed");
    const bool existed = store_blob_exists(c->s, digest);
    if (!existed) {
        int rc = store_blob_put_buf(c->s, data, len, digest, NULL, c->err);
        if (rc || (rc = note_created(c, digest)))
            return rc;
    }
    snprintf(status, cap, "%s %s", existed ? "using existing layer" : "creating new layer", digest);
    return 0;
}

static int add_text_layer(struct cr *c, const char *media, const void *data, size_t len)
{
    char digest[DIGEST_STR_LEN + 1], status[96];
    int rc = put_bytes(c, data, len, digest, status, sizeof(status));
    return rc ? rc : add_layer(c, media, digest, (int64_t)len, NULL, NULL, status);
}

/* The config facts of a model layer's GGUF (the first model layer wins, as
 * cmp.Or keeps the first non-empty value). */
static int read_model_info(struct cr *c, const char *digest)
{
    if (c->have_info)
        return 0;
    char path[PATH_MAX];
    struct gguf_file *g = NULL;
    int rc = store_blob_path(c->s, digest, path, sizeof(path), c->err);
    if (rc || (rc = gguf_open(path, &g, c->err)))
        return rc;
    rc = bjson_gguf_info_read(g, &c->info, c->err);
    gguf_close(g);
    c->have_info = rc == 0;
    return rc;
}

/* ---------------------------------------------------------------- FROM */

static int inherit_config(struct cr *c, const struct manifest *m)
{
    if (!m->has_config)
        return 0;
    char path[PATH_MAX];
    if (store_blob_path(c->s, m->config.digest, path, sizeof(path), NULL))
        return 0;
    json_error_t je;
    json_t *cfg = json_load_file(path, 0, &je);
    if (!json_is_object(cfg)) {
        json_decref(cfg);
        return 0; /* Ollama ignores a config it cannot decode */
    }
    char **dst[] = {&c->renderer, &c->parser, &c->requires_, &c->model_format};
    const char *keys[] = {"renderer", "parser", "requires", "model_format"};
    for (int i = 0; i < 4; i++)
        if (!*dst[i])
            *dst[i] = dup_or_null(json_string_value(json_object_get(cfg, keys[i])));
    json_t *caps = json_object_get(cfg, "capabilities");
    if (c->n_caps == 0 && json_is_array(caps)) {
        size_t i;
        json_t *v;
        json_array_foreach(caps, i, v)
        {
            if (json_is_string(v) && c->n_caps < CR_MAX_CAPS)
                c->caps[c->n_caps++] = strdup(json_string_value(v));
        }
    }
    json_decref(cfg);
    return 0;
}

static int base_from_model(struct cr *c, const char *from)
{
    struct model_name fn;
    name_parse(from, &fn);
    if (!name_valid(&fn))
        return err_set(c->err, COLA_EINVAL, "invalid model name");
    struct manifest m;
    int rc = store_manifest_load(c->s, &fn, &m, NULL, c->err);
    if (rc == COLA_ENOTFOUND) {
        /* not in the store: pull it, as Ollama's parseFromModel does */
        err_clear(c->err);
        char full[NAME_STR_MAX];
        name_string(&fn, full, sizeof(full));
        const struct xfer_opts none = {0};
        rc = pull_model(c->s, full, c->pull ? c->pull : &none, c->fn, c->user, c->err);
        if (!rc)
            rc = store_manifest_load(c->s, &fn, &m, NULL, c->err);
    }
    if (rc)
        return rc;
    char short_name[NAME_STR_MAX];
    name_display_shortest(&fn, short_name, sizeof(short_name));
    for (size_t i = 0; i < m.n_layers && !rc; i++) {
        const struct manifest_layer *l = &m.layers[i];
        char status[96];
        snprintf(status, sizeof(status), "using existing layer %s", l->digest);
        rc = add_layer(c, l->media_type, l->digest, l->size, short_name, l->name, status);
        if (!rc && !strcmp(l->media_type, BJSON_MEDIA_MODEL))
            rc = read_model_info(c, l->digest);
    }
    if (!rc)
        rc = inherit_config(c, &m);
    manifest_free(&m);
    return rc;
}

/* The layer type of a GGUF by general.type, as Ollama's ggufLayers. */
static const char *gguf_media(const char *path, struct cola_err *err)
{
    struct gguf_file *g = NULL;
    if (gguf_open(path, &g, err))
        return NULL;
    const char *media = BJSON_MEDIA_MODEL;
    struct gguf_str t;
    if (gguf_get(g, "general.type") && gguf_get_str(g, "general.type", &t, NULL) == 0) {
        if (gguf_str_eq(t, "adapter"))
            media = MEDIA_ADAPTER;
        else if (gguf_str_eq(t, "projector") || gguf_str_eq(t, "mmproj"))
            media = MEDIA_PROJECTOR;
    }
    gguf_close(g);
    return media;
}

/* Store a GGUF file as a blob (hashed, then copied and verified) and add its
 * layer; adapter: an ADAPTER file, whatever its general.type says. */
static int add_gguf_file(struct cr *c, const char *path, bool adapter)
{
    char digest[DIGEST_STR_LEN + 1], bpath[PATH_MAX];
    uint64_t size = 0;
    int rc = sha256_file(path, digest, &size, c->err);
    if (rc)
        return rc;
    if (!store_blob_exists(c->s, digest)) {
        struct copy_report rep = {c, digest, (int64_t)size};
        copy_progress(&rep, 0);
        if ((rc = store_blob_put_file_cb(c->s, path, digest, NULL, NULL, copy_progress, &rep,
                                         c->err)) ||
            (rc = note_created(c, digest)))
            return rc;
    }
    progress(c, "parsing GGUF");
    if ((rc = store_blob_path(c->s, digest, bpath, sizeof(bpath), c->err)))
        return rc;
    struct cola_err gerr = {0};
    const char *media = gguf_media(bpath, &gerr);
    if (!media)
        return err_set(c->err, COLA_EFORMAT, "%s: %s", path, err_msg(&gerr));
    if (adapter)
        media = MEDIA_ADAPTER;
    char status[96];
    snprintf(status, sizeof(status), "using existing layer %s", digest);
    if ((rc = add_layer(c, media, digest, (int64_t)size, NULL, NULL, status)))
        return rc;
    return strcmp(media, BJSON_MEDIA_MODEL) ? 0 : read_model_info(c, digest);
}

/* The chat template of a GGUF blob, malloc'ed; NULL when it has none. */
static char *blob_chat_template(struct cr *c, const char *digest, size_t *len)
{
    char path[PATH_MAX];
    struct gguf_file *g = NULL;
    struct cola_err gerr = {0};
    char *t = NULL;
    struct gguf_str s;
    if (store_blob_path(c->s, digest, path, sizeof(path), &gerr) || gguf_open(path, &g, &gerr))
        return NULL;
    if (gguf_get(g, "tokenizer.chat_template") &&
        gguf_get_str(g, "tokenizer.chat_template", &s, NULL) == 0 && s.len > 0 &&
        s.len <= NAMED_MAX_INPUT && (t = malloc(s.len + 1))) {
        memcpy(t, s.ptr, s.len);
        t[s.len] = 0;
        *len = s.len;
    }
    gguf_close(g);
    return t;
}

/* Ollama's detectChatTemplate over the GGUF layers from index first on: a
 * chat template recognised as one of Ollama's named templates adds that
 * Go template as a layer ("using autodetected template NAME") and its stop
 * list as a params layer. */
static int detect_template(struct cr *c, size_t first)
{
    const size_t end = c->n;
    int rc = 0;
    for (size_t i = first; i < end && !rc; i++) {
        const char *m = c->l[i].media_type;
        if (strcmp(m, BJSON_MEDIA_MODEL) && strcmp(m, MEDIA_PROJECTOR) && strcmp(m, MEDIA_ADAPTER))
            continue;
        size_t len = 0;
        char *jt = blob_chat_template(c, c->l[i].digest, &len);
        const struct named_tmpl *t = jt ? named_detect(jt, len) : NULL;
        free(jt);
        if (!t)
            continue;
        char digest[DIGEST_STR_LEN + 1], status[96];
        const size_t tl = strlen(t->gotmpl);
        if ((rc = put_bytes(c, t->gotmpl, tl, digest, status, sizeof(status))))
            break;
        snprintf(status, sizeof(status), "using autodetected template %s", t->name);
        if ((rc = add_layer(c, MEDIA_TEMPLATE, digest, (int64_t)tl, NULL, NULL, status)) || !t->stop)
            continue;
        json_t *stop = json_array(), *p = json_pack("{s:o}", "stop", stop);
        for (size_t k = 0; p && k < t->n_stop; k++)
            if (json_array_append_new(stop, json_string(t->stop[k])))
                break;
        struct buf b;
        buf_init(&b, CR_JSON_MAX);
        rc = p ? bjson_params_encode(p, &b, c->err) : err_set(c->err, COLA_ENOMEM, "out of memory");
        if (!rc)
            rc = add_text_layer(c, BJSON_MEDIA_PARAMS, b.data, b.len);
        buf_free(&b);
        json_decref(p);
    }
    return rc;
}

static int base_from_files(struct cr *c, const struct mf_paths *files)
{
    for (size_t i = 0; i < files->n; i++) {
        if (files->v[i].is_dir)
            return err_set(c->err, COLA_EUNSUPPORTED,
                           "%s: creating from a directory of model files is not supported yet",
                           files->v[i].path);
        int rc = add_gguf_file(c, files->v[i].path, false);
        if (rc)
            return rc;
    }
    return 0;
}

/* FROM sha256:<hex>: a GGUF blob already in the store (as Ollama's
 * files={"name": digest} after an upload). */
static int base_from_blob(struct cr *c, const char *digest)
{
    char path[PATH_MAX];
    int rc = store_blob_path(c->s, digest, path, sizeof(path), c->err);
    if (rc)
        return rc;
    if (!store_blob_exists(c->s, digest))
        return err_set(c->err, COLA_ENOTFOUND, "blob %s not found", digest);
    return add_gguf_file(c, path, false);
}

/* ---------------------------------------------------------------- text layers */

static int set_template(struct cr *c, const char *t)
{
    struct gotmpl *tp = NULL;
    struct cola_err terr = {0};
    if (gotmpl_parse_ollama(t, strlen(t), &tp, &terr))
        return err_set(c->err, COLA_EINVAL, "template error: %s", err_msg(&terr));
    gotmpl_free(tp);
    remove_type(c, MEDIA_TEMPLATE);
    return add_text_layer(c, MEDIA_TEMPLATE, t, strlen(t));
}

static int encode_layer(struct cr *c, const char *media, const json_t *v,
                        int (*enc)(const json_t *, struct buf *, struct cola_err *))
{
    struct buf b;
    buf_init(&b, CR_JSON_MAX);
    int rc = enc(v, &b, c->err);
    if (!rc) {
        remove_type(c, media);
        rc = add_text_layer(c, media, b.data, b.len);
    }
    buf_free(&b);
    return rc;
}

/* Ollama's setParameters: the request's parameters over every inherited
 * params layer; no layer when the result is empty. */
static int set_params(struct cr *c, const json_t *req)
{
    json_t *p = req ? json_deep_copy(req) : json_object();
    if (!p)
        return err_set(c->err, COLA_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < c->n && !rc; i++) {
        if (strcmp(c->l[i].media_type, BJSON_MEDIA_PARAMS))
            continue;
        char path[PATH_MAX];
        json_error_t je;
        if ((rc = store_blob_path(c->s, c->l[i].digest, path, sizeof(path), c->err)))
            break;
        json_t *old = json_load_file(path, JSON_DECODE_ANY, &je);
        if (!json_is_object(old))
            rc = err_set(c->err, COLA_EFORMAT, "params layer %s: %s", c->l[i].digest,
                         old ? "not a JSON object" : je.text);
        else
            rc = bjson_params_merge(p, old, c->err);
        json_decref(old);
    }
    if (!rc && json_object_size(p) > 0)
        rc = encode_layer(c, BJSON_MEDIA_PARAMS, p, bjson_params_encode);
    json_decref(p);
    return rc;
}

static int text_layers(struct cr *c, const struct mf_request *r)
{
    int rc = 0;
    if (r->template_ && *r->template_ && (rc = set_template(c, r->template_)))
        return rc;
    if (r->system && *r->system) {
        remove_type(c, MEDIA_SYSTEM);
        if ((rc = add_text_layer(c, MEDIA_SYSTEM, r->system, strlen(r->system))))
            return rc;
    }
    if (json_is_array(r->license)) {
        size_t i;
        json_t *v;
        json_array_foreach(r->license, i, v)
        {
            const char *l = json_string_value(v);
            if (l && (rc = add_text_layer(c, MEDIA_LICENSE, l, strlen(l))))
                return rc;
        }
    }
    if ((rc = set_params(c, r->parameters)))
        return rc;
    if (json_array_size(r->messages) > 0)
        rc = encode_layer(c, BJSON_MEDIA_MESSAGES, r->messages, bjson_messages_encode);
    return rc;
}

/* ---------------------------------------------------------------- config, manifest */

static int write_manifest(struct cr *c, const struct model_name *name)
{
    struct bjson_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    if (c->have_info) {
        bjson_config_from_gguf(&c->info, &cfg);
    } else {
        cfg.model_format = "", cfg.model_family = "", cfg.model_type = "", cfg.file_type = "";
    }
    if (c->model_format)
        cfg.model_format = c->model_format;
    cfg.renderer = c->renderer;
    cfg.parser = c->parser;
    cfg.requires = c->requires_;
    cfg.capabilities = (const char *const *)c->caps;
    cfg.n_capabilities = c->n_caps;
    struct buf b;
    buf_init(&b, CR_JSON_MAX);
    char cdigest[DIGEST_STR_LEN + 1], cstatus[96];
    int rc = bjson_config_encode(&cfg, &b, c->err);
    if (!rc)
        rc = put_bytes(c, b.data, b.len, cdigest, cstatus, sizeof(cstatus));
    const struct bjson_layer conf = {BJSON_MEDIA_CONFIG, cdigest, (int64_t)b.len, NULL, NULL};
    struct bjson_layer *ls = rc ? NULL : calloc(c->n ? c->n : 1, sizeof(*ls));
    if (!rc && !ls)
        rc = err_set(c->err, COLA_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < c->n; i++) {
        ls[i] = (struct bjson_layer){c->l[i].media_type, c->l[i].digest, c->l[i].size,
                                     c->l[i].from, c->l[i].name};
        if (c->l[i].status[0])
            progress(c, c->l[i].status);
    }
    if (!rc) {
        progress(c, "writing manifest");
        buf_free(&b);
        buf_init(&b, CR_JSON_MAX);
        rc = bjson_manifest_encode(&conf, ls, c->n, &b, c->err);
    }
    if (!rc)
        rc = store_manifest_write(c->s, name, b.data, b.len, c->err);
    free(ls);
    buf_free(&b);
    return rc;
}

static void cr_free(struct cr *c)
{
    for (size_t i = 0; i < c->n; i++)
        layer_free(&c->l[i]);
    free(c->l);
    free(c->created.layers);
    if (c->have_info)
        bjson_gguf_info_free(&c->info);
    free(c->renderer);
    free(c->parser);
    free(c->requires_);
    free(c->model_format);
    for (size_t i = 0; i < c->n_caps; i++)
        free(c->caps[i]);
}

int create_model(const struct store *s, const char *name, const struct mf_request *r,
                 const struct xfer_opts *pull, xfer_progress_fn fn, void *user,
                 struct cola_err *err)
{
    struct model_name n;
    name_parse(name, &n);
    if (!name_valid(&n))
        return err_set(err, COLA_EINVAL, "invalid model name");
    struct cr c = {.s = s, .fn = fn, .user = user, .pull = pull, .err = err};
    c.renderer = dup_or_null(r->renderer);
    c.parser = dup_or_null(r->parser);
    c.requires_ = dup_or_null(r->requires_);
    struct manifest old;
    struct cola_err oerr = {0};
    const bool had_old = store_manifest_load(s, &n, &old, NULL, &oerr) == 0;
    int rc;
    if (r->from && digest_valid(r->from))
        rc = base_from_blob(&c, r->from);
    else if (r->from)
        rc = base_from_model(&c, r->from);
    else if (r->files.n > 0)
        rc = base_from_files(&c, &r->files);
    else
        rc = err_set(err, COLA_EINVAL, "neither 'from' or 'files' was specified");
    /* a GGUF file or blob gets its template detected; FROM a model keeps
     * the model's own layers (as Ollama) */
    const bool from_model = r->from && !digest_valid(r->from);
    if (!rc && !from_model)
        rc = detect_template(&c, 0);
    if (!rc && r->drafts.n > 0)
        rc = err_set(err, COLA_EUNSUPPORTED, "DRAFT models are not supported yet");
    const size_t first_adapter = c.n;
    for (size_t i = 0; !rc && i < r->adapters.n; i++)
        rc = add_gguf_file(&c, r->adapters.v[i].path, true);
    if (!rc && r->adapters.n > 0)
        rc = detect_template(&c, first_adapter);
    if (!rc)
        rc = text_layers(&c, r);
    if (!rc)
        rc = write_manifest(&c, &n);
    if (rc) {
        /* blobs this call named and nothing references go again */
        struct cola_err rerr = {0};
        if (c.created.n_layers && store_release_blobs(s, &c.created, &rerr))
            log_warn("create: cleaning up after a failure: %s", err_msg(&rerr));
    } else if (had_old) {
        struct cola_err rerr = {0};
        if (store_release_blobs(s, &old, &rerr))
            log_warn("create: removing unused layers: %s", err_msg(&rerr));
    }
    if (had_old)
        manifest_free(&old);
    cr_free(&c);
    if (!rc)
        progress(&c, "success");
    return rc;
}
