/* blobs_json.c — the params, messages, config and manifest blobs of `create`,
 * encoded as Ollama's Go encoder writes them (blobs_json.h).
 *
 * Struct-shaped blobs are written field by field in Go declaration order with
 * the string and number rules of util/gojson; map-shaped ones go through
 * gojson_encode with sorted keys.
 */
#include "store/blobs_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/digest.h"
#include "util/gojson.h"

/* Undo a partial append and turn a buffer overflow into words. */
static int finish(struct buf *out, size_t mark, int rc, struct cola_err *err)
{
    if (!rc)
        return 0;
    out->len = mark;
    if (out->data)
        out->data[mark] = '\0';
    if (rc == COLA_ENOMEM)
        return err_set(err, rc, "JSON blob larger than %zu bytes", out->max);
    return err_set(err, rc, "cannot encode JSON blob");
}

/* ---- field writers: `,"name":value`; *first drops the leading comma ---- */

static int put_name(struct buf *b, int *first, const char *name)
{
    int rc = 0;
    if (!*first)
        rc = buf_putc(b, ',');
    *first = 0;
    if (!rc)
        rc = gojson_append_string(b, name, strlen(name), 0);
    if (!rc)
        rc = buf_putc(b, ':');
    return rc;
}

static int put_cstr(struct buf *b, const char *s)
{
    s = s ? s : "";
    return gojson_append_string(b, s, strlen(s), 0);
}

static int field_str(struct buf *b, int *first, const char *name, const char *v, int omitempty)
{
    if (omitempty && (!v || !*v))
        return 0;
    int rc = put_name(b, first, name);
    return rc ? rc : put_cstr(b, v);
}

/* A []string; NULL is Go's nil slice (`null`, or omitted with omitempty). */
static int field_strs(struct buf *b, int *first, const char *name, const char *const *v, size_t n,
                      int omitempty)
{
    if (omitempty && n == 0)
        return 0;
    int rc = put_name(b, first, name);
    if (rc)
        return rc;
    if (!v)
        return buf_puts(b, "null");
    rc = buf_putc(b, '[');
    for (size_t i = 0; !rc && i < n; i++) {
        if (i)
            rc = buf_putc(b, ',');
        if (!rc)
            rc = put_cstr(b, v[i]);
    }
    return rc ? rc : buf_putc(b, ']');
}

static int field_int(struct buf *b, int *first, const char *name, int64_t v, int omitempty)
{
    if (omitempty && v == 0)
        return 0;
    int rc = put_name(b, first, name);
    return rc ? rc : buf_printf(b, "%lld", (long long)v);
}

/* ================================================================ params */

int bjson_params_merge(json_t *request, const json_t *existing, struct cola_err *err)
{
    if (!json_is_object(request) || !json_is_object(existing))
        return err_set(err, COLA_EINVAL, "parameters must be JSON objects");
    const char *key;
    size_t klen;
    json_t *val;
    json_object_keylen_foreach((json_t *)existing, key, klen, val) {
        if (json_object_getn(request, key, klen))
            continue;
        if (json_object_setn_nocheck(request, key, klen, val))
            return err_set(err, COLA_ENOMEM, "out of memory merging parameters");
    }
    return 0;
}

int bjson_params_encode(const json_t *params, struct buf *out, struct cola_err *err)
{
    if (!json_is_object(params))
        return err_set(err, COLA_EINVAL, "parameters must be a JSON object");
    return gojson_encode(params, GOJSON_SORT_KEYS | GOJSON_INT_AS_FLOAT | GOJSON_NEWLINE, out, err);
}

/* ================================================================ messages */

/* A string member of a message: *v = its value, or "" when absent. */
static int msg_str(const json_t *m, size_t idx, const char *name, const char **v, size_t *len,
                   struct cola_err *err)
{
    const json_t *s = json_object_get(m, name);
    *v = "";
    *len = 0;
    if (!s || json_is_null(s))
        return 0;
    if (!json_is_string(s))
        return err_set(err, COLA_EINVAL, "message %zu: %s must be a string", idx, name);
    *v = json_string_value(s);
    *len = json_string_length(s);
    return 0;
}

static int put_msg_field(struct buf *b, int *first, const char *name, const char *v, size_t len,
                         int omitempty)
{
    if (omitempty && len == 0)
        return 0;
    int rc = put_name(b, first, name);
    return rc ? rc : gojson_append_string(b, v, len, 0);
}

static int encode_message(const json_t *m, size_t idx, struct buf *b, struct cola_err *err)
{
    static const char *const names[] = {"role", "content", "thinking", "tool_name", "tool_call_id"};
    if (!json_is_object(m))
        return err_set(err, COLA_EINVAL, "message %zu is not an object", idx);
    static const char *const lists[] = {"images", "tool_calls"};
    for (size_t i = 0; i < 2; i++) {
        const json_t *l = json_object_get(m, lists[i]);
        if (l && !json_is_null(l) && !(json_is_array(l) && json_array_size(l) == 0))
            return err_set(err, COLA_EUNSUPPORTED, "message %zu: %s are not supported in a "
                           "messages layer", idx, lists[i]);
    }
    int rc = buf_putc(b, '{'), first = 1;
    for (size_t i = 0; !rc && i < sizeof names / sizeof names[0]; i++) {
        const char *v;
        size_t len;
        if ((rc = msg_str(m, idx, names[i], &v, &len, err)))
            return rc;
        if (i == 0 && len) { /* api.Message.UnmarshalJSON lower-cases the role */
            char *low = malloc(len);
            if (!low)
                return err_set(err, COLA_ENOMEM, "out of memory");
            for (size_t k = 0; k < len; k++)
                low[k] = (v[k] >= 'A' && v[k] <= 'Z') ? (char)(v[k] - 'A' + 'a') : v[k];
            rc = put_msg_field(b, &first, names[i], low, len, 0);
            free(low);
            continue;
        }
        rc = put_msg_field(b, &first, names[i], v, len, i >= 2);
    }
    return rc ? rc : buf_putc(b, '}');
}

int bjson_messages_encode(const json_t *messages, struct buf *out, struct cola_err *err)
{
    if (!json_is_array(messages))
        return err_set(err, COLA_EINVAL, "messages must be a JSON array");
    size_t mark = out->len;
    int rc = buf_putc(out, '[');
    for (size_t i = 0; !rc && i < json_array_size(messages); i++) {
        if (i)
            rc = buf_putc(out, ',');
        if (!rc)
            rc = encode_message(json_array_get(messages, i), i, out, err);
    }
    if (!rc)
        rc = buf_puts(out, "]\n");
    return finish(out, mark, rc, err);
}

/* ================================================================ config */

static int encode_draft(const struct bjson_draft *d, struct buf *b)
{
    int first = 1, rc = buf_putc(b, '{');
    if (!rc)
        rc = field_str(b, &first, "model_format", d->model_format, 1);
    if (!rc)
        rc = field_str(b, &first, "architecture", d->architecture, 1);
    if (!rc)
        rc = field_str(b, &first, "tensor_prefix", d->tensor_prefix, 1);
    if (!rc)
        rc = field_str(b, &first, "config", d->config, 1);
    return rc ? rc : buf_putc(b, '}');
}

int bjson_config_encode(const struct bjson_config *c, struct buf *out, struct cola_err *err)
{
    size_t mark = out->len;
    int first = 1, rc = buf_putc(out, '{');
    if (!rc)
        rc = field_str(out, &first, "model_format", c->model_format, 0);
    if (!rc)
        rc = field_str(out, &first, "model_family", c->model_family, 0);
    if (!rc)
        rc = field_strs(out, &first, "model_families", c->model_families, c->n_families, 0);
    if (!rc)
        rc = field_str(out, &first, "model_type", c->model_type, 0);
    if (!rc)
        rc = field_str(out, &first, "file_type", c->file_type, 0);
    if (!rc)
        rc = field_str(out, &first, "renderer", c->renderer, 1);
    if (!rc)
        rc = field_str(out, &first, "parser", c->parser, 1);
    if (!rc)
        rc = field_str(out, &first, "requires", c->requires, 1);
    if (!rc)
        rc = field_str(out, &first, "remote_host", c->remote_host, 1);
    if (!rc)
        rc = field_str(out, &first, "remote_model", c->remote_model, 1);
    if (!rc)
        rc = field_strs(out, &first, "capabilities", c->capabilities, c->n_capabilities, 1);
    if (!rc)
        rc = field_int(out, &first, "context_length", c->context_length, 1);
    if (!rc)
        rc = field_int(out, &first, "embedding_length", c->embedding_length, 1);
    if (!rc)
        rc = field_str(out, &first, "base_name", c->base_name, 1);
    if (!rc && c->draft && !(rc = put_name(out, &first, "draft")))
        rc = encode_draft(c->draft, out);
    if (!rc)
        rc = field_str(out, &first, "architecture", c->architecture ? c->architecture : "amd64", 0);
    if (!rc)
        rc = field_str(out, &first, "os", c->os ? c->os : "linux", 0);
    if (!rc)
        rc = buf_puts(out, "}\n");
    return finish(out, mark, rc, err);
}

char *bjson_human_number(uint64_t n, char *dst, size_t size)
{
    double x;
    if (n >= 1000000000ull) {
        x = (double)n / 1e9;
        snprintf(dst, size, x == floor(x) ? "%.0fB" : "%.1fB", x);
    } else if (n >= 1000000ull) {
        x = (double)n / 1e6;
        snprintf(dst, size, x == floor(x) ? "%.0fM" : "%.2fM", x);
    } else if (n >= 1000ull) {
        snprintf(dst, size, "%.0fK", (double)n / 1e3);
    } else {
        snprintf(dst, size, "%llu", (unsigned long long)n);
    }
    return dst;
}

/* fs/ggml FileType.String(): ids 4-6 and 33-35 (formats removed from or
 * unused by ggml) have no name. */
static const char *const file_type_names[] = {
    "F32", "F16", "Q4_0", "Q4_1", NULL, NULL, NULL, "Q8_0", "Q5_0", "Q5_1",
    "Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K",
    "IQ2_XXS", "IQ2_XS", "Q2_K_S", "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ3_M",
    "IQ2_S", "IQ2_M", "IQ4_XS", "IQ1_M", "BF16", NULL, NULL, NULL, "TQ1_0", "TQ2_0",
    "MXFP4_MOE", "NVFP4", "Q1_0",
};

const char *bjson_file_type_name(uint32_t id)
{
    if (id < sizeof file_type_names / sizeof file_type_names[0] && file_type_names[id])
        return file_type_names[id];
    return "unknown";
}

int bjson_gguf_info_read(const struct gguf_file *g, struct bjson_gguf_info *out,
                         struct cola_err *err)
{
    memset(out, 0, sizeof *out);
    struct gguf_str arch = {"unknown", 7};
    const struct gguf_value *v = gguf_get(g, "general.architecture");
    if (v && v->type == GGUF_VT_STRING)
        arch = v->v.str;
    if (memchr(arch.ptr, '\0', arch.len))
        return err_set(err, COLA_EUNSUPPORTED, "general.architecture contains a NUL byte");
    uint64_t total = 0;
    for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
        uint64_t n = (uint64_t)gguf_tensor_nelements(gguf_tensor_at(g, i));
        if (total > UINT64_MAX - n)
            return err_set(err, COLA_ERANGE, "parameter count overflow");
        total += n;
    }
    if (!(out->architecture = malloc(arch.len + 1)))
        return err_set(err, COLA_ENOMEM, "out of memory");
    memcpy(out->architecture, arch.ptr, arch.len);
    out->architecture[arch.len] = '\0';
    out->parameter_count = total;
    bjson_human_number(total, out->model_type, sizeof out->model_type);
    uint32_t ft = 0;
    v = gguf_get(g, "general.file_type");
    if (v && v->type == GGUF_VT_UINT32)
        ft = v->v.u32;
    out->file_type = ft > 0 ? bjson_file_type_name(ft) : "unknown";
    return 0;
}

void bjson_gguf_info_free(struct bjson_gguf_info *info)
{
    free(info->architecture);
    info->architecture = NULL;
}

void bjson_config_from_gguf(const struct bjson_gguf_info *info, struct bjson_config *c)
{
    memset(c, 0, sizeof *c);
    c->model_format = "gguf";
    c->model_family = info->architecture;
    c->model_families = (const char *const *)&info->architecture;
    c->n_families = 1;
    c->model_type = info->model_type;
    c->file_type = info->file_type;
}

/* ================================================================ manifest */

static int encode_layer(const struct bjson_layer *l, struct buf *b, struct cola_err *err)
{
    if (!l->media_type || !*l->media_type)
        return err_set(err, COLA_EINVAL, "layer without a media type");
    if (!l->digest || !digest_valid(l->digest) || l->digest[6] != ':')
        return err_set(err, COLA_EINVAL, "invalid digest format");
    int first = 1, rc = buf_putc(b, '{');
    if (!rc)
        rc = field_str(b, &first, "mediaType", l->media_type, 0);
    if (!rc)
        rc = field_str(b, &first, "digest", l->digest, 0);
    if (!rc)
        rc = field_int(b, &first, "size", l->size, 0);
    if (!rc)
        rc = field_str(b, &first, "from", l->from, 1);
    if (!rc)
        rc = field_str(b, &first, "name", l->name, 1);
    return rc ? rc : buf_putc(b, '}');
}

int bjson_manifest_encode(const struct bjson_layer *config, const struct bjson_layer *layers,
                          size_t n_layers, struct buf *out, struct cola_err *err)
{
    size_t mark = out->len;
    int first = 1, rc = buf_putc(out, '{');
    if (!rc)
        rc = field_int(out, &first, "schemaVersion", 2, 0);
    if (!rc)
        rc = field_str(out, &first, "mediaType", BJSON_MEDIA_MANIFEST, 0);
    if (!rc && !(rc = put_name(out, &first, "config")))
        rc = encode_layer(config, out, err);
    if (!rc && !(rc = put_name(out, &first, "layers"))) {
        if (!layers) {
            rc = buf_puts(out, "null");
        } else {
            rc = buf_putc(out, '[');
            for (size_t i = 0; !rc && i < n_layers; i++) {
                if (i)
                    rc = buf_putc(out, ',');
                if (!rc)
                    rc = encode_layer(&layers[i], out, err);
            }
            if (!rc)
                rc = buf_putc(out, ']');
        }
    }
    if (!rc)
        rc = buf_puts(out, "}\n");
    return finish(out, mark, rc, err);
}
