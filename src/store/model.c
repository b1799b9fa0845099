/* model.c — load a model's parts from the store (see model.h). */
#include "store/model.h"

#include <stdlib.h>
#include <string.h>

#include "engine/gguf.h"
#include "engine/tok.h"
#include "store/manifest.h"
#include "store/name.h"
#include "util/fsutil.h"

static int read_text(const struct store *s, const char *digest, char **out, struct cola_err *err)
{
    char path[PATH_MAX];
    size_t len;
    int rc = store_blob_path(s, digest, path, sizeof(path), err);
    return rc ? rc : fs_read_file(path, MODEL_TEXT_MAX, out, &len, err);
}

static int read_json(const struct store *s, const char *digest, json_t **out,
                     struct cola_err *err)
{
    char *text = NULL;
    int rc = read_text(s, digest, &text, err);
    if (rc)
        return rc;
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    free(text);
    if (!v)
        return err_set(err, COLA_EFORMAT, "layer %s: %s", digest, je.text);
    json_decref(*out);
    *out = v;
    return 0;
}

int model_load(const struct store *s, const char *name, struct model *m, struct cola_err *err)
{
    memset(m, 0, sizeof(*m));
    struct model_name n;
    name_parse(name, &n);
    if (!name_valid(&n))
        return err_set(err, COLA_EINVAL, "invalid model name");
    struct manifest man;
    struct cola_err lerr = {0};
    int rc = store_manifest_load(s, &n, &man, NULL, &lerr);
    if (rc == COLA_ENOTFOUND)
        return err_set(err, rc, "model '%s' not found", name);
    if (rc)
        return err_set(err, rc, "%s", err_msg(&lerr));
    for (size_t i = 0; !rc && i < man.n_layers; i++) {
        const struct manifest_layer *l = &man.layers[i];
        const char *dot = strrchr(l->media_type, '.');
        const char *kind = dot ? dot + 1 : l->media_type;
        if (!strcmp(kind, "model") && !m->model_path[0]) {
            rc = store_blob_path(s, l->digest, m->model_path, sizeof(m->model_path), err);
        } else if (!strcmp(kind, "projector")) {
            m->projector = true;
        } else if (!strcmp(kind, "template") || !strcmp(kind, "prompt")) {
            free(m->template_);
            m->template_ = NULL;
            rc = read_text(s, l->digest, &m->template_, err);
        } else if (!strcmp(kind, "system")) {
            free(m->system);
            m->system = NULL;
            rc = read_text(s, l->digest, &m->system, err);
        } else if (!strcmp(kind, "params")) {
            rc = read_json(s, l->digest, &m->params, err);
        } else if (!strcmp(kind, "messages")) {
            rc = read_json(s, l->digest, &m->messages, err);
        }
    }
    if (!rc && man.has_config) {
        struct cola_err cerr = {0};
        if (read_json(s, man.config.digest, &m->config, &cerr) == 0 && !json_is_object(m->config)) {
            json_decref(m->config);
            m->config = NULL;
        }
    }
    manifest_free(&man);
    return rc;
}

void model_free(struct model *m)
{
    free(m->template_);
    free(m->system);
    json_decref(m->messages);
    json_decref(m->params);
    json_decref(m->config);
    memset(m, 0, sizeof(*m));
}

static char *token_text(const struct tok_vocab *v, int32_t id)
{
    size_t n;
    const char *t = id >= 0 ? tok_text(v, id, &n) : NULL;
    return t ? strndup(t, n) : NULL;
}

int model_chat_read(const char *gguf_path, struct model_chat *c, struct cola_err *err)
{
    memset(c, 0, sizeof(*c));
    if (!(c->eog = json_array()))
        return err_set(err, COLA_ENOMEM, "out of memory");
    struct gguf_file *g = NULL;
    int rc = gguf_open(gguf_path, &g, err);
    if (rc)
        return rc;
    struct gguf_str s;
    if (gguf_get(g, "tokenizer.chat_template") &&
        gguf_get_str(g, "tokenizer.chat_template", &s, NULL) == 0 &&
        !(c->jinja = strndup(s.ptr, s.len)))
        rc = err_set(err, COLA_ENOMEM, "out of memory");
    struct tok_vocab *v = NULL;
    struct cola_err verr = {0};
    if (!rc && gguf_get(g, "tokenizer.ggml.tokens") && tok_vocab_load(g, &v, &verr) == 0) {
        c->bos = token_text(v, tok_special(v, TOK_SPECIAL_BOS));
        c->eos = token_text(v, tok_special(v, TOK_SPECIAL_EOS));
        size_t n = 0;
        const int32_t *ids = tok_eog_ids(v, &n);
        for (size_t i = 0; i < n && !rc; i++) {
            size_t len;
            const char *t = tok_text(v, ids[i], &len);
            if (t && len > 0 && json_array_append_new(c->eog, json_stringn(t, len)))
                rc = err_set(err, COLA_ENOMEM, "out of memory");
        }
        tok_vocab_free(v);
    }
    gguf_close(g);
    return rc;
}

void model_chat_free(struct model_chat *c)
{
    free(c->jinja);
    free(c->bos);
    free(c->eos);
    json_decref(c->eog);
    memset(c, 0, sizeof(*c));
}
