#include "store/show.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/gguf.h"
#include "engine/quant.h"
#include "store/modelfile.h"
#include "template/gotmpl.h"
#include "template/infer.h"
#include "util/buf.h"
#include "util/gotime.h"
#include "util/fsutil.h"

#define SHOW_TEXT_MAX ((size_t)16 << 20)   /* bytes of a text layer we read */
#define SHOW_ARRAY_MAX 1000000             /* elements of a metadata array we copy */

static const char *suffix_of(const char *media)
{
    const char *p = strrchr(media, '.');
    return p ? p + 1 : media;
}

/* A text layer's bytes (NUL-terminated, malloc'ed). */
static int read_layer(const struct store *s, const char *digest, char **out,
                      struct cola_err *err)
{
    char path[PATH_MAX];
    size_t len;
    int rc = store_blob_path(s, digest, path, sizeof(path), err);
    return rc ? rc : fs_read_file(path, SHOW_TEXT_MAX, out, &len, err);
}

static json_t *scalar_json(const struct gguf_value *v)
{
    switch (v->type) {
    case GGUF_VT_UINT8: return json_integer(v->v.u8);
    case GGUF_VT_INT8: return json_integer(v->v.i8);
    case GGUF_VT_UINT16: return json_integer(v->v.u16);
    case GGUF_VT_INT16: return json_integer(v->v.i16);
    case GGUF_VT_UINT32: return json_integer(v->v.u32);
    case GGUF_VT_INT32: return json_integer(v->v.i32);
    case GGUF_VT_UINT64: return json_integer((json_int_t)v->v.u64);
    case GGUF_VT_INT64: return json_integer(v->v.i64);
    case GGUF_VT_FLOAT32: return json_real(v->v.f32);
    case GGUF_VT_FLOAT64: return json_real(v->v.f64);
    case GGUF_VT_BOOL: return json_boolean(v->v.b);
    case GGUF_VT_STRING: return json_stringn_nocheck(v->v.str.ptr, (size_t)v->v.str.len);
    default: return json_null();
    }
}

static json_t *array_json(const struct gguf_value *v)
{
    json_t *a = json_array();
    const uint64_t n = v->v.arr.n < SHOW_ARRAY_MAX ? v->v.arr.n : SHOW_ARRAY_MAX;
    for (uint64_t i = 0; a && i < n; i++) {
        json_t *e;
        switch (v->v.arr.elem) {
        case GGUF_VT_STRING:
            e = json_stringn_nocheck(v->v.arr.strs[i].ptr, (size_t)v->v.arr.strs[i].len);
            break;
        case GGUF_VT_FLOAT32:
            e = json_real(gguf_arr_f32(v, i));
            break;
        case GGUF_VT_ARRAY:
            e = json_null();
            break;
        default:
            e = json_integer(gguf_arr_int(v, i));
            break;
        }
        json_array_append_new(a, e);
    }
    return a;
}

/* key "model_info" (with the tensors when verbose) or "projector_info". */
static int model_info(const char *path, bool verbose, const char *key_out, json_t *resp,
                      char **chat_template, struct cola_err *err)
{
    struct gguf_file *g = NULL;
    int rc = gguf_open(path, &g, err);
    if (rc)
        return rc;
    struct gguf_str ct;
    if (chat_template && gguf_get(g, "tokenizer.chat_template") &&
        gguf_get_str(g, "tokenizer.chat_template", &ct, NULL) == 0 && ct.len < SHOW_TEXT_MAX)
        *chat_template = strndup(ct.ptr, ct.len);
    json_t *info = json_object();
    for (int64_t i = 0; i < gguf_kv_count(g); i++) {
        const struct gguf_kv *kv = gguf_kv_at(g, i);
        char key[256];
        snprintf(key, sizeof(key), "%.*s", (int)(kv->key.len < 255 ? kv->key.len : 255), kv->key.ptr);
        if (!strcmp(key, "general.name") || !strcmp(key, "tokenizer.chat_template"))
            continue;
        json_object_set_new(info, key,
                            kv->val.type == GGUF_VT_ARRAY
                                ? (verbose ? array_json(&kv->val) : json_null())
                                : scalar_json(&kv->val));
    }
    uint64_t params = 0;
    const bool projector = !strcmp(key_out, "projector_info");
    json_t *tensors = verbose && !projector ? json_array() : NULL;
    for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
        const struct gguf_tensor *t = gguf_tensor_at(g, i);
        params += (uint64_t)gguf_tensor_nelements(t);
        if (!tensors)
            continue;
        json_t *shape = json_array();
        for (uint32_t d = 0; d < t->n_dims; d++)
            json_array_append_new(shape, json_integer(t->ne[d]));
        json_array_append_new(tensors, json_pack("{s:s,s:s,s:o}", "name", t->name, "type",
                                                 qt_type_name(t->type), "shape", shape));
    }
    json_object_set_new(info, "general.parameter_count", json_integer((json_int_t)params));
    json_object_set_new(resp, key_out, info);
    if (tensors)
        json_object_set_new(resp, "tensors", tensors);
    gguf_close(g);
    return 0;
}

/* Ollama's parameters text: "%-30s %#v" per value, lists one line each. */
static void param_line(struct buf *b, const char *k, json_t *v)
{
    char *val = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(7));
    if (b->len)
        buf_putc(b, '\n');
    char line[64];
    snprintf(line, sizeof(line), "%-30s ", k);
    buf_puts(b, line);
    buf_puts(b, val ? val : "");
    free(val);
}

static const char *const *sorted_keys(json_t *o, size_t *n)
{
    const char **keys = calloc(json_object_size(o) + 1, sizeof(*keys));
    const char *k;
    json_t *v;
    *n = 0;
    json_object_foreach(o, k, v) { keys[(*n)++] = k; }
    for (size_t i = 0; i < *n; i++)
        for (size_t j = i + 1; j < *n; j++)
            if (strcmp(keys[j], keys[i]) < 0) {
                const char *t = keys[i];
                keys[i] = keys[j];
                keys[j] = t;
            }
    return keys;
}

static void add_cmd(struct buf *b, const char *name, const char *args)
{
    const struct mf_command c = {(char *)name, (char *)args};
    mf_command_string(&c, b);
    buf_putc(b, '\n');
}

static void modelfile_text(json_t *resp, const char *name, const char *model_path,
                           json_t *params, json_t *messages, json_t *licenses)
{
    struct buf b;
    buf_init(&b, SHOW_TEXT_MAX);
    buf_puts(&b, "# Modelfile generated by \"ollama show\"\n"
                 "# To build a new Modelfile based on this, replace FROM with:\n# FROM ");
    buf_puts(&b, name);
    buf_puts(&b, "\n\n");
    add_cmd(&b, "model", model_path);
    const char *t = json_string_value(json_object_get(resp, "template"));
    if (t && *t)
        add_cmd(&b, "template", t);
    const char *sys = json_string_value(json_object_get(resp, "system"));
    if (sys && *sys)
        add_cmd(&b, "system", sys);
    size_t n = 0, i;
    const char *const *keys = params ? sorted_keys(params, &n) : NULL;
    for (size_t k = 0; k < n; k++) {
        json_t *v = json_object_get(params, keys[k]), *e;
        json_t *one = json_is_array(v) ? NULL : v;
        for (i = 0; one ? i < 1 : i < json_array_size(v); i++) {
            e = one ? one : json_array_get(v, i);
            char *s = json_is_string(e) ? strdup(json_string_value(e))
                                        : json_dumps(e, JSON_ENCODE_ANY | JSON_REAL_PRECISION(7));
            add_cmd(&b, keys[k], s ? s : "");
            free(s);
        }
    }
    free((void *)keys);
    json_t *v;
    json_array_foreach(licenses, i, v) { add_cmd(&b, "license", json_string_value(v)); }
    json_array_foreach(messages, i, v)
    {
        char m[64 + 1];
        const char *role = json_string_value(json_object_get(v, "role"));
        const char *content = json_string_value(json_object_get(v, "content"));
        struct buf mb;
        buf_init(&mb, SHOW_TEXT_MAX);
        snprintf(m, sizeof(m), "%s: ", role ? role : "");
        buf_puts(&mb, m);
        buf_puts(&mb, content ? content : "");
        add_cmd(&b, "message", mb.data ? mb.data : "");
        buf_free(&mb);
    }
    json_object_set_new(resp, "modelfile", json_stringn_nocheck(b.data ? b.data : "", b.len));
    buf_free(&b);
}

static void add_cap(json_t *caps, const char *c)
{
    size_t i;
    json_t *v;
    json_array_foreach(caps, i, v)
    {
        if (!strcmp(json_string_value(v), c))
            return;
    }
    json_array_append_new(caps, json_string(c));
}

/* Ollama's chatTemplateHasThinkingSupport. */
static bool jinja_thinks(const char *t)
{
    if (strstr(t, "<think>") && strstr(t, "</think>"))
        return true;
    return (strstr(t, "content.split('</think>')") || strstr(t, "content.split(\"</think>\")")) &&
           !strstr(t, "reasoning_content") && !strstr(t, "<SPECIAL_12>");
}

/* Ollama's Model.Capabilities, in its order: the config's, the GGUF's
 * (the Jinja template's tools/thinking when there is no Go template,
 * completion or embedding, vision/audio blocks), a projector's vision,
 * then the Go template's tools, insert and thinking (InferTags). */
static void set_capabilities(json_t *resp, const json_t *cfg, bool projector,
                             const char *chat_template)
{
    json_t *caps = json_array(), *v;
    size_t i;
    json_array_foreach(json_object_get(cfg, "capabilities"), i, v)
    {
        if (json_is_string(v))
            add_cap(caps, json_string_value(v));
    }
    const char *t = json_string_value(json_object_get(resp, "template"));
    const bool go = t && *t;
    json_t *info = json_object_get(resp, "model_info");
    if (info) {
        if (!go && chat_template && *chat_template) {
            if (strstr(chat_template, "tools") || strstr(chat_template, "tool_call"))
                add_cap(caps, "tools");
            if (jinja_thinks(chat_template))
                add_cap(caps, "thinking");
        }
        const char *arch = json_string_value(json_object_get(info, "general.architecture"));
        char key[256];
        snprintf(key, sizeof(key), "%s.pooling_type", arch ? arch : "");
        add_cap(caps, json_object_get(info, key) ? "embedding" : "completion");
        snprintf(key, sizeof(key), "%s.vision.block_count", arch ? arch : "");
        if (json_object_get(info, key))
            add_cap(caps, "vision");
        snprintf(key, sizeof(key), "%s.audio.block_count", arch ? arch : "");
        if (json_object_get(info, key))
            add_cap(caps, "audio");
    }
    if (projector)
        add_cap(caps, "vision");
    struct gotmpl *tp = NULL;
    struct cola_err e = {0};
    if (go && gotmpl_parse_ollama(t, strlen(t), &tp, &e) == 0) {
        if (gotmpl_has_var(tp, "tools"))
            add_cap(caps, "tools");
        if (gotmpl_has_var(tp, "suffix"))
            add_cap(caps, "insert");
        char open[128], close[128];
        infer_think_tags(tp, open, sizeof(open), close, sizeof(close));
        if (*open && *close)
            add_cap(caps, "thinking");
        gotmpl_free(tp);
    }
    json_object_set_new(resp, "capabilities", caps);
}

json_t *show_details(const json_t *cfg, const char *parent)
{
    const char *fmt = json_string_value(json_object_get(cfg, "model_format"));
    json_t *d = json_pack("{s:s,s:s,s:s}", "parent_model", parent ? parent : "", "format",
                          fmt ? fmt : "", "family",
                          json_string_value(json_object_get(cfg, "model_family"))
                              ? json_string_value(json_object_get(cfg, "model_family"))
                              : "");
    const json_t *fams = json_object_get(cfg, "model_families");
    json_object_set(d, "families", fams ? (json_t *)fams : json_null());
    const char *pt = json_string_value(json_object_get(cfg, "model_type"));
    const char *ql = json_string_value(json_object_get(cfg, "file_type"));
    json_object_set_new(d, "parameter_size", json_string(pt ? pt : ""));
    json_object_set_new(d, "quantization_level", json_string(ql ? ql : ""));
    return d;
}

static void set_details(json_t *resp, json_t *cfg, const char *parent)
{
    json_object_set_new(resp, "details", show_details(cfg, parent));
    const char *req = json_string_value(json_object_get(cfg, "requires"));
    if (req && *req)
        json_object_set_new(resp, "requires", json_string(req));
}

int show_model(const struct store *s, const char *name, bool verbose, json_t **out,
               struct cola_err *err)
{
    struct model_name n;
    name_parse(name, &n);
    if (!name_valid(&n))
        return err_set(err, COLA_EINVAL, "invalid model name");
    struct manifest m;
    struct model_name resolved;
    char mpath[PATH_MAX];
    struct cola_err lerr = {0};
    int rc = store_manifest_load(s, &n, &m, NULL, &lerr);
    if (rc == COLA_ENOTFOUND)
        return err_set(err, rc, "model '%s' not found", name);
    if (rc)
        return err_set(err, rc, "%s", err_msg(&lerr));
    json_t *resp = json_object(), *params = NULL, *messages = json_array(),
           *licenses = json_array(), *cfg = NULL;
    struct buf lic;
    buf_init(&lic, SHOW_TEXT_MAX);
    char model_path[PATH_MAX] = "", proj_path[PATH_MAX] = "", *text = NULL;
    const char *parent = NULL;
    bool projector = false;
    json_object_set_new(resp, "template", json_string(""));
    json_object_set_new(resp, "system", json_string(""));
    for (size_t i = 0; !rc && i < m.n_layers; i++) {
        const struct manifest_layer *l = &m.layers[i];
        const char *kind = suffix_of(l->media_type);
        if (!strcmp(kind, "model") && !model_path[0]) {
            rc = store_blob_path(s, l->digest, model_path, sizeof(model_path), err);
            parent = l->from;
        } else if (!strcmp(kind, "projector")) {
            projector = true;
            if (!proj_path[0])
                rc = store_blob_path(s, l->digest, proj_path, sizeof(proj_path), err);
        } else if (!strcmp(kind, "template") || !strcmp(kind, "prompt") ||
                   !strcmp(kind, "system") || !strcmp(kind, "license")) {
            if ((rc = read_layer(s, l->digest, &text, err)))
                break;
            if (!strcmp(kind, "license")) {
                if (lic.len)
                    buf_putc(&lic, '\n');
                buf_puts(&lic, text);
                json_array_append_new(licenses, json_string(text));
            } else {
                json_object_set_new(resp, !strcmp(kind, "system") ? "system" : "template",
                                    json_string(text));
            }
            free(text);
            text = NULL;
        } else if (!strcmp(kind, "params") || !strcmp(kind, "messages")) {
            char path[PATH_MAX];
            json_error_t je;
            if ((rc = store_blob_path(s, l->digest, path, sizeof(path), err)))
                break;
            json_t *v = json_load_file(path, JSON_DECODE_ANY, &je);
            if (!v) {
                rc = err_set(err, COLA_EFORMAT, "layer %s: %s", l->digest, je.text);
                break;
            }
            json_decref(!strcmp(kind, "params") ? params : messages);
            *(!strcmp(kind, "params") ? &params : &messages) = v;
        }
    }
    if (!rc && m.has_config) {
        char path[PATH_MAX];
        json_error_t je;
        if (!store_blob_path(s, m.config.digest, path, sizeof(path), NULL))
            cfg = json_load_file(path, 0, &je);
    }
    if (!rc) {
        set_details(resp, cfg ? cfg : json_object(), parent);
        json_object_set_new(resp, "license", json_string(lic.data ? lic.data : ""));
        struct buf pb;
        buf_init(&pb, SHOW_TEXT_MAX);
        size_t nk = 0;
        const char *const *keys = params ? sorted_keys(params, &nk) : NULL;
        for (size_t k = 0; k < nk; k++) {
            json_t *v = json_object_get(params, keys[k]), *e;
            size_t i;
            if (json_is_array(v))
                json_array_foreach(v, i, e) { param_line(&pb, keys[k], e); }
            else
                param_line(&pb, keys[k], v);
        }
        free((void *)keys);
        json_object_set_new(resp, "parameters", json_string(pb.data ? pb.data : ""));
        buf_free(&pb);
        json_object_set_new(resp, "messages", json_deep_copy(messages));
        char short_name[NAME_STR_MAX];
        name_display_shortest(&n, short_name, sizeof(short_name));
        modelfile_text(resp, short_name, model_path, params, messages, licenses);
        if (!store_manifest_resolve(s, &n, &resolved, mpath, sizeof(mpath), NULL)) {
            struct stat st;
            if (stat(mpath, &st) == 0) {
                char ts[GOTIME_LEN];
                gotime_format(&st.st_mtim, false, ts);
                json_object_set_new(resp, "modified_at", json_string(ts));
            }
        }
        char *chat_template = NULL;
        if (model_path[0])
            rc = model_info(model_path, verbose, "model_info", resp, &chat_template, err);
        if (!rc && proj_path[0])
            rc = model_info(proj_path, verbose, "projector_info", resp, NULL, err);
        if (!rc)
            set_capabilities(resp, cfg, projector, chat_template);
        free(chat_template);
    }
    json_decref(params);
    json_decref(messages);
    json_decref(licenses);
    json_decref(cfg);
    buf_free(&lic);
    manifest_free(&m);
    if (rc) {
        json_decref(resp);
        return rc;
    }
    *out = resp;
    return 0;
}
