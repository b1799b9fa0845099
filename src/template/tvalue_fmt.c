/* tvalue_fmt.c — fmt.Print and json.Marshal of template values (tvalue.h).
 * JSON strings and float64s go through util/gojson, which writes them byte
 * for byte as Go's encoding/json does. */
#include "template/tvalue.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/gojson.h"

int tv_format_float_g(double f, char *dst, size_t n)
{
    if (f != f)
        return snprintf(dst, n, "NaN");
    if (isinf(f))
        return snprintf(dst, n, f > 0 ? "+Inf" : "-Inf");
    char e[48];
    int len = gojson_format_float(f, 'e', e, sizeof(e));
    if (len < 0)
        return snprintf(dst, n, "%g", f);
    const char *x = strchr(e, 'e');
    int exp = x ? atoi(x + 1) : 0;
    /* strconv 'g' with shortest digits: %e when exp < -4 || exp >= 6 (the
     * precision is taken as 6 when it is the shortest), %f otherwise. */
    if (exp < -4 || exp >= 6)
        return snprintf(dst, n, "%s", e);
    len = gojson_format_float(f, 'f', dst, n);
    return len < 0 ? snprintf(dst, n, "%g", f) : len;
}

static int print_float(struct buf *out, double f)
{
    char tmp[64];
    int n = tv_format_float_g(f, tmp, sizeof(tmp));
    return buf_append(out, tmp, (size_t)n);
}

/* A Stringer's output: the String() methods Ollama's types have. */
static int print_stringer(struct buf *out, const struct tv *v)
{
    switch (v->fmt) {
    case TV_FMT_JSON_NILOBJ:
        if (v->kind == TV_NIL || ((v->kind == TV_MAP || v->kind == TV_LIST) && (v->flags & TV_F_TYPED)))
            return buf_puts(out, "{}");
        /* fall through */
    case TV_FMT_JSON: {
        size_t old = out->len;
        int rc = tv_json(out, v);
        if (rc == COLA_EINVAL) { /* json.Marshal's error is ignored: "" */
            out->len = old;
            if (out->data)
                out->data[old] = '\0';
            return 0;
        }
        return rc;
    }
    case TV_FMT_PROPTYPE:
        if (v->kind == TV_LIST && v->u.list.len == 1)
            return tv_print(out, v->u.list.items[0]);
        if (v->kind == TV_LIST && v->u.list.len == 0)
            return 0;
        break;
    }
    return 1; /* not handled */
}

static int print_v(struct buf *out, const struct tv *v, int depth)
{
    int rc = 0;
    if (depth > TV_MAX_DEPTH)
        return COLA_ERANGE;
    if (!v)
        return buf_puts(out, "<nil>");
    if (v->fmt != TV_FMT_GO) {
        rc = print_stringer(out, v);
        if (rc <= 0)
            return rc;
        rc = 0;
    }
    switch (v->kind) {
    case TV_NIL:
        return buf_puts(out, "<nil>");
    case TV_BOOL:
        return buf_puts(out, v->u.b ? "true" : "false");
    case TV_INT:
        return buf_printf(out, "%" PRId64, v->u.i);
    case TV_FLOAT:
        return print_float(out, v->u.f);
    case TV_STRING:
        return buf_append(out, v->u.s.p, v->u.s.len);
    case TV_BYTES:
        rc = buf_putc(out, '[');
        for (size_t i = 0; !rc && i < v->u.s.len; i++)
            rc = buf_printf(out, i ? " %u" : "%u", (unsigned char)v->u.s.p[i]);
        return rc ? rc : buf_putc(out, ']');
    case TV_LIST:
        rc = buf_putc(out, '[');
        for (size_t i = 0; !rc && i < v->u.list.len; i++) {
            if (i)
                rc = buf_putc(out, ' ');
            if (!rc)
                rc = print_v(out, v->u.list.items[i], depth + 1);
        }
        return rc ? rc : buf_putc(out, ']');
    case TV_MAP: {
        size_t *idx = tv_map_sorted(v);
        if (!idx && v->u.map.len)
            return COLA_ENOMEM;
        rc = buf_puts(out, "map[");
        for (size_t i = 0; !rc && i < v->u.map.len; i++) {
            const struct tv_entry *e = &v->u.map.ents[idx[i]];
            if (i)
                rc = buf_putc(out, ' ');
            if (!rc)
                rc = buf_append(out, e->key, e->key_len);
            if (!rc)
                rc = buf_putc(out, ':');
            if (!rc)
                rc = print_v(out, e->val, depth + 1);
        }
        free(idx);
        return rc ? rc : buf_putc(out, ']');
    }
    case TV_STRUCT:
        rc = buf_puts(out, (v->flags & TV_F_PTR) && depth == 0 ? "&{" : "{");
        for (size_t i = 0; !rc && i < v->u.map.len; i++) {
            if (i)
                rc = buf_putc(out, ' ');
            if (!rc)
                rc = print_v(out, v->u.map.ents[i].val, depth + 1);
        }
        return rc ? rc : buf_putc(out, '}');
    }
    return 0;
}

int tv_print(struct buf *out, const struct tv *v)
{
    size_t old = out->len;
    int rc = print_v(out, v, 0);
    if (rc) {
        out->len = old;
        if (out->data)
            out->data[old] = '\0';
    }
    return rc;
}

/* ---------------------------------------------------------------- JSON */

static bool json_empty(const struct tv *v)
{
    switch (v->kind) {
    case TV_NIL:
        return true;
    case TV_BOOL:
        return !v->u.b;
    case TV_INT:
        return v->u.i == 0;
    case TV_FLOAT:
        return v->u.f == 0;
    case TV_STRING:
    case TV_BYTES:
        return v->u.s.len == 0;
    case TV_LIST:
        return v->u.list.len == 0;
    case TV_MAP:
        return v->u.map.len == 0;
    default:
        return false;
    }
}

static int json_base64(struct buf *out, const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int rc = buf_putc(out, '"');
    for (size_t i = 0; !rc && i < n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            w |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            w |= p[i + 2];
        char q[4] = {tab[w >> 18], tab[(w >> 12) & 63], i + 1 < n ? tab[(w >> 6) & 63] : '=',
                     i + 2 < n ? tab[w & 63] : '='};
        rc = buf_append(out, q, 4);
    }
    return rc ? rc : buf_putc(out, '"');
}

static int json_v(struct buf *out, const struct tv *v, int depth);

static int json_map(struct buf *out, const struct tv *v, int depth)
{
    size_t *idx = NULL;
    if (!(v->flags & TV_F_ORDERED)) {
        idx = tv_map_sorted(v);
        if (!idx && v->u.map.len)
            return COLA_ENOMEM;
    }
    int rc = buf_putc(out, '{');
    for (size_t i = 0; !rc && i < v->u.map.len; i++) {
        const struct tv_entry *e = &v->u.map.ents[idx ? idx[i] : i];
        if (i)
            rc = buf_putc(out, ',');
        if (!rc)
            rc = gojson_append_string(out, e->key, e->key_len, 0);
        if (!rc)
            rc = buf_putc(out, ':');
        if (!rc)
            rc = json_v(out, e->val, depth + 1);
    }
    free(idx);
    return rc ? rc : buf_putc(out, '}');
}

static int json_struct(struct buf *out, const struct tv *v, int depth)
{
    int rc = buf_putc(out, '{');
    bool first = true;
    for (size_t i = 0; !rc && i < v->u.map.len; i++) {
        const struct tv_entry *e = &v->u.map.ents[i];
        if (e->omitempty && json_empty(e->val))
            continue;
        if (!first)
            rc = buf_putc(out, ',');
        first = false;
        const char *k = e->json ? e->json : e->key;
        if (!rc)
            rc = gojson_append_string(out, k, strlen(k), 0);
        if (!rc)
            rc = buf_putc(out, ':');
        if (!rc)
            rc = json_v(out, e->val, depth + 1);
    }
    return rc ? rc : buf_putc(out, '}');
}

static int json_v(struct buf *out, const struct tv *v, int depth)
{
    if (depth > TV_MAX_DEPTH)
        return COLA_ERANGE;
    if (!v)
        return buf_puts(out, "null");
    switch (v->kind) {
    case TV_NIL:
        return buf_puts(out, "null");
    case TV_BOOL:
        return buf_puts(out, v->u.b ? "true" : "false");
    case TV_INT:
        return buf_printf(out, "%" PRId64, v->u.i);
    case TV_FLOAT:
        return gojson_append_float(out, v->u.f);
    case TV_STRING:
        return gojson_append_string(out, v->u.s.p, v->u.s.len, 0);
    case TV_BYTES:
        if (v->flags & TV_F_TYPED)
            return buf_puts(out, "null");
        return json_base64(out, (const unsigned char *)v->u.s.p, v->u.s.len);
    case TV_LIST: {
        if (v->flags & TV_F_TYPED)
            return buf_puts(out, "null");
        if (v->fmt == TV_FMT_PROPTYPE && v->u.list.len == 1)
            return json_v(out, v->u.list.items[0], depth + 1);
        int rc = buf_putc(out, '[');
        for (size_t i = 0; !rc && i < v->u.list.len; i++) {
            if (i)
                rc = buf_putc(out, ',');
            if (!rc)
                rc = json_v(out, v->u.list.items[i], depth + 1);
        }
        return rc ? rc : buf_putc(out, ']');
    }
    case TV_MAP:
        if (v->flags & TV_F_TYPED)
            return buf_puts(out, "null");
        return json_map(out, v, depth);
    case TV_STRUCT:
        return json_struct(out, v, depth);
    }
    return COLA_EINVAL;
}

int tv_json(struct buf *out, const struct tv *v)
{
    size_t old = out->len;
    int rc = json_v(out, v, 0);
    if (rc) {
        out->len = old;
        if (out->data)
            out->data[old] = '\0';
    }
    return rc;
}
