/* manifest.c — manifest JSON → struct manifest, validating every digest. */
#include "store/manifest.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *dup_str(const char *s)
{
    const size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void layer_free(struct manifest_layer *l)
{
    free(l->media_type);
    free(l->from);
    free(l->name);
    memset(l, 0, sizeof(*l));
}

/* An optional string member: NULL/absent is fine, another type is not. */
static int opt_string(json_t *obj, const char *key, const char *what, char **out, bool empty_default,
                      struct cola_err *err)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (!empty_default)
            return 0;
        *out = dup_str("");
    } else if (!json_is_string(v)) {
        return err_set(err, COLA_EFORMAT, "manifest: %s \"%s\" is not a string", what, key);
    } else {
        *out = dup_str(json_string_value(v));
    }
    return *out ? 0 : err_set(err, COLA_ENOMEM, "out of memory parsing manifest");
}

/* Fill l from a layer/config object. allow_empty: an empty or absent digest
 * is accepted (returned as l->digest[0] == 0). */
static int parse_layer(json_t *obj, const char *what, bool allow_empty,
                       struct manifest_layer *l, struct cola_err *err)
{
    int rc;
    memset(l, 0, sizeof(*l));
    if (!json_is_object(obj))
        return err_set(err, COLA_EFORMAT, "manifest: %s is not an object", what);
    if ((rc = opt_string(obj, "mediaType", what, &l->media_type, true, err)) ||
        (rc = opt_string(obj, "from", what, &l->from, false, err)) ||
        (rc = opt_string(obj, "name", what, &l->name, false, err)))
        goto fail;
    json_t *d = json_object_get(obj, "digest");
    if (d && !json_is_null(d) && !json_is_string(d)) {
        rc = err_set(err, COLA_EFORMAT, "manifest: %s digest is not a string", what);
        goto fail;
    }
    const char *ds = d && json_is_string(d) ? json_string_value(d) : "";
    if (!*ds && !allow_empty) {
        rc = err_set(err, COLA_EFORMAT, "manifest: %s has no digest", what);
        goto fail;
    }
    if (*ds && (rc = digest_canonical(ds, l->digest, err)) != 0)
        goto fail;
    json_t *sz = json_object_get(obj, "size");
    if (sz && !json_is_null(sz)) {
        if (!json_is_integer(sz)) {
            rc = err_set(err, COLA_EFORMAT, "manifest: %s size is not an integer", what);
            goto fail;
        }
        const json_int_t v = json_integer_value(sz);
        if (v < 0 || v > MANIFEST_MAX_SIZE) {
            rc = err_set(err, COLA_ERANGE, "manifest: %s size %lld out of range", what,
                         (long long)v);
            goto fail;
        }
        l->size = (int64_t)v;
    }
    return 0;
fail:
    layer_free(l);
    return rc;
}

static int parse_root(json_t *root, struct manifest *m, struct cola_err *err)
{
    int rc;
    if (!json_is_object(root))
        return err_set(err, COLA_EFORMAT, "manifest: not a JSON object");
    json_t *sv = json_object_get(root, "schemaVersion");
    if (sv && !json_is_null(sv) && !json_is_integer(sv))
        return err_set(err, COLA_EFORMAT, "manifest: schemaVersion is not an integer");
    m->schema_version = sv && json_is_integer(sv) ? (int64_t)json_integer_value(sv) : 0;
    if ((rc = opt_string(root, "mediaType", "manifest", &m->media_type, true, err)))
        return rc;
    json_t *cfg = json_object_get(root, "config");
    if (cfg && !json_is_null(cfg)) {
        if ((rc = parse_layer(cfg, "config", true, &m->config, err)))
            return rc;
        m->has_config = m->config.digest[0] != '\0';
    }
    json_t *layers = json_object_get(root, "layers");
    if (!layers || json_is_null(layers))
        return 0;
    if (!json_is_array(layers))
        return err_set(err, COLA_EFORMAT, "manifest: layers is not an array");
    const size_t n = json_array_size(layers);
    if (n > MANIFEST_MAX_LAYERS)
        return err_set(err, COLA_ERANGE, "manifest: too many layers (%zu)", n);
    if (n == 0)
        return 0;
    m->layers = calloc(n, sizeof(*m->layers));
    if (!m->layers)
        return err_set(err, COLA_ENOMEM, "out of memory parsing manifest");
    for (size_t i = 0; i < n; i++) {
        if ((rc = parse_layer(json_array_get(layers, i), "layer", false, &m->layers[i], err)))
            return rc;
        m->n_layers = i + 1;
    }
    return 0;
}

int manifest_parse(const char *data, size_t len, struct manifest *m, struct cola_err *err)
{
    memset(m, 0, sizeof(*m));
    if (len > MANIFEST_MAX_BYTES)
        return err_set(err, COLA_ERANGE, "manifest too large (%zu bytes)", len);
    json_error_t jerr;
    json_t *root = json_loadb(data, len, 0, &jerr);
    if (!root)
        return err_set(err, COLA_EFORMAT, "manifest: invalid JSON: %s (line %d)", jerr.text,
                       jerr.line);
    const int rc = parse_root(root, m, err);
    json_decref(root);
    if (rc)
        manifest_free(m);
    return rc;
}

void manifest_free(struct manifest *m)
{
    if (!m)
        return;
    free(m->media_type);
    layer_free(&m->config);
    for (size_t i = 0; i < m->n_layers; i++)
        layer_free(&m->layers[i]);
    free(m->layers);
    memset(m, 0, sizeof(*m));
}

int64_t manifest_total_size(const struct manifest *m)
{
    int64_t total = m->config.size;
    for (size_t i = 0; i < m->n_layers; i++) {
        if (total > INT64_MAX - m->layers[i].size)
            return INT64_MAX;
        total += m->layers[i].size;
    }
    return total;
}

const struct manifest_layer *manifest_find_layer(const struct manifest *m, const char *media_type)
{
    for (size_t i = 0; i < m->n_layers; i++)
        if (!strcmp(m->layers[i].media_type, media_type))
            return &m->layers[i];
    return NULL;
}
