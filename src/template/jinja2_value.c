/* jinja2_value.c — Jinja runtime values as @huggingface/jinja models them
 * (JavaScript numbers, insertion-ordered objects), their printing and
 * JSON (toJSON), and conversion from the JSON render context. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/jinja2_val.h"

struct jv *jv_new(struct jrt *r, enum jv_kind k)
{
    struct jv *v = tv_alloc(&r->arena, sizeof(*v));
    if (v)
        v->kind = (uint8_t)k;
    else
        r->oom = true;
    return v;
}

struct jv *jv_str(struct jrt *r, const char *s, size_t len)
{
    struct jv *v = jv_new(r, JV_STR);
    char *p = v ? tv_strndup(&r->arena, s, len) : NULL;
    if (!p) {
        r->oom = true;
        return NULL;
    }
    v->s = p;
    v->len = len;
    return v;
}

struct jv *jv_cstr(struct jrt *r, const char *s) { return jv_str(r, s, strlen(s)); }

struct jv *jv_int(struct jrt *r, int64_t i)
{
    if (i > (int64_t)JV_SAFE_INT || i < -(int64_t)JV_SAFE_INT)
        return jv_intd(r, (double)i);
    struct jv *v = jv_new(r, JV_INT);
    if (v)
        v->i = i;
    return v;
}

struct jv *jv_intd(struct jrt *r, double d)
{
    if (fabs(d) <= JV_SAFE_INT && d == floor(d) && !(d == 0 && signbit(d)))
        return jv_int(r, (int64_t)d); /* in range: the conversion is exact */
    struct jv *v = jv_new(r, JV_INT);
    if (v) {
        v->big = true;
        v->f = d;
    }
    return v;
}

double jv_num(const struct jv *v)
{
    switch (v->kind) {
    case JV_INT: return v->big ? v->f : (double)v->i;
    case JV_FLOAT: return v->f;
    case JV_BOOL: return v->b;
    default: return 0;
    }
}

int64_t jv_index(const struct jv *v)
{
    if (!v->big)
        return v->i;
    if (isnan(v->f))
        return 0;
    return v->f > 0 ? INT64_C(1) << 62 : -(INT64_C(1) << 62);
}

struct jv *jv_float(struct jrt *r, double f)
{
    struct jv *v = jv_new(r, JV_FLOAT);
    if (v)
        v->f = f;
    return v;
}

struct jv *jv_bool(struct jrt *r, bool b)
{
    struct jv *v = jv_new(r, JV_BOOL);
    if (v)
        v->b = b;
    return v;
}

bool jv_push(struct jrt *r, struct jv *arr, struct jv *x)
{
    if (!x)
        return false;
    if (arr->n == arr->cap) {
        size_t cap = arr->cap ? arr->cap * 2 : 4;
        struct jv **v = tv_alloc(&r->arena, cap * sizeof(*v));
        if (!v) {
            r->oom = true;
            return false;
        }
        if (arr->n)
            memcpy(v, arr->items, arr->n * sizeof(*v));
        arr->items = v;
        arr->cap = cap;
    }
    arr->items[arr->n++] = x;
    return true;
}

struct jv *jv_get(const struct jv *obj, const char *k, size_t klen)
{
    for (size_t i = 0; i < obj->n; i++)
        if (obj->keys[i]->len == klen && !memcmp(obj->keys[i]->s, k, klen))
            return obj->items[i];
    return NULL;
}

bool jv_set(struct jrt *r, struct jv *obj, struct jv *key, struct jv *val)
{
    if (!key || !val)
        return false;
    for (size_t i = 0; i < obj->n; i++)
        if (obj->keys[i]->len == key->len && !memcmp(obj->keys[i]->s, key->s, key->len)) {
            obj->items[i] = val;
            return true;
        }
    if (obj->n == obj->cap) {
        size_t cap = obj->cap ? obj->cap * 2 : 4;
        struct jv **v = tv_alloc(&r->arena, cap * sizeof(*v)),
                  **k = tv_alloc(&r->arena, cap * sizeof(*k));
        if (!v || !k) {
            r->oom = true;
            return false;
        }
        if (obj->n) {
            memcpy(v, obj->items, obj->n * sizeof(*v));
            memcpy(k, obj->keys, obj->n * sizeof(*k));
        }
        obj->items = v;
        obj->keys = k;
        obj->cap = cap;
    }
    obj->keys[obj->n] = key;
    obj->items[obj->n++] = val;
    return true;
}

bool jv_truth(const struct jv *v)
{
    switch (v->kind) {
    case JV_BOOL: return v->b;
    case JV_INT: return v->big ? v->f != 0 && !isnan(v->f) : v->i != 0;
    case JV_FLOAT: return v->f != 0 && !isnan(v->f);
    case JV_STR: return v->len > 0;
    case JV_ARRAY: return v->n > 0;
    case JV_OBJECT: return v->n > 0;
    case JV_NS: return true;
    case JV_FUNC: return true;
    default: return false;
    }
}

const char *jv_type(const struct jv *v)
{
    static const char *const names[] = {"UndefinedValue", "NullValue", "BooleanValue",
                                        "IntegerValue", "FloatValue", "StringValue",
                                        "ArrayValue", "ObjectValue", "NamespaceValue",
                                        "FunctionValue"};
    if (v->kind == JV_ARRAY && v->tuple)
        return "TupleValue";
    if (v->kind == JV_OBJECT && v->kwargs)
        return "KeywordArgumentsValue";
    return names[v->kind];
}

/* JavaScript's Number.prototype.toString(): the shortest digits that read
 * back as f, fixed notation for exponents in [-7, 21), else "de+X". */
void jv_js_number(double f, char *out, size_t cap)
{
    if (isnan(f)) {
        snprintf(out, cap, "NaN");
        return;
    }
    if (isinf(f)) {
        snprintf(out, cap, f < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (f == 0) {
        snprintf(out, cap, "0");
        return;
    }
    char e[40];
    int p = 1;
    for (; p <= 17; p++) {
        snprintf(e, sizeof(e), "%.*e", p - 1, f);
        if (strtod(e, NULL) == f)
            break;
    }
    /* e = [-]d.ddde[+-]XX */
    const bool neg = e[0] == '-';
    const char *m = e + neg;
    char digits[24];
    int nd = 0;
    for (const char *q = m; *q && *q != 'e'; q++)
        if (*q != '.')
            digits[nd++] = *q;
    digits[nd] = '\0';
    const int exp10 = atoi(strchr(m, 'e') + 1); /* value = 0.d1d2.. * 10^(exp10+1) */
    const int n = exp10 + 1;                     /* decimal point position */
    char buf[64];
    size_t o = 0;
    if (neg)
        buf[o++] = '-';
    if (n >= -5 && n <= 21) {
        if (n <= 0) {
            buf[o++] = '0';
            buf[o++] = '.';
            for (int i = 0; i < -n; i++)
                buf[o++] = '0';
            for (int i = 0; i < nd; i++)
                buf[o++] = digits[i];
        } else if (nd <= n) {
            for (int i = 0; i < nd; i++)
                buf[o++] = digits[i];
            for (int i = nd; i < n; i++)
                buf[o++] = '0';
        } else {
            for (int i = 0; i < n; i++)
                buf[o++] = digits[i];
            buf[o++] = '.';
            for (int i = n; i < nd; i++)
                buf[o++] = digits[i];
        }
        buf[o] = '\0';
    } else {
        buf[o++] = digits[0];
        if (nd > 1) {
            buf[o++] = '.';
            for (int i = 1; i < nd; i++)
                buf[o++] = digits[i];
        }
        snprintf(buf + o, sizeof(buf) - o, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
    }
    snprintf(out, cap, "%s", buf);
}

/* JSON.stringify of a string; ascii: every code unit past 0x7e as \uXXXX. */
static int jv_json_str(struct buf *b, const char *s, size_t len, bool ascii)
{
    int rc = buf_putc(b, '"');
    for (size_t i = 0; i < len && !rc; i++) {
        const unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': rc = buf_puts(b, "\\\""); break;
        case '\\': rc = buf_puts(b, "\\\\"); break;
        case '\n': rc = buf_puts(b, "\\n"); break;
        case '\r': rc = buf_puts(b, "\\r"); break;
        case '\t': rc = buf_puts(b, "\\t"); break;
        case '\b': rc = buf_puts(b, "\\b"); break;
        case '\f': rc = buf_puts(b, "\\f"); break;
        default:
            if (c < 0x20) {
                rc = buf_printf(b, "\\u%04x", c);
            } else if (c >= 0x7f && ascii) {
                /* decode one UTF-8 sequence and write UTF-16 escapes */
                unsigned cp = c;
                int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
                if (extra)
                    cp = c & (0x3F >> extra);
                for (int k = 0; k < extra && i + 1 < len; k++)
                    cp = cp << 6 | ((unsigned char)s[++i] & 0x3F);
                if (cp >= 0x10000) {
                    cp -= 0x10000;
                    rc = buf_printf(b, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
                } else {
                    rc = buf_printf(b, "\\u%04x", cp);
                }
            } else {
                rc = buf_putc(b, (char)c);
            }
        }
    }
    return rc ? rc : buf_putc(b, '"');
}

static int indent_to(struct buf *b, int indent, int depth)
{
    int rc = buf_putc(b, '\n');
    const size_t n = (size_t)indent * (size_t)depth; /* both bounded: no overflow */
    for (size_t i = 0; i < n && !rc; i++)
        rc = buf_putc(b, ' ');
    return rc;
}

static int json_number(struct buf *b, const struct jv *v)
{
    char num[64];
    if (v->kind == JV_INT && !v->big)
        return buf_printf(b, "%lld", (long long)v->i);
    if (isnan(v->f) || isinf(v->f))
        return buf_puts(b, "null");
    jv_js_number(v->f, num, sizeof(num));
    return buf_puts(b, num);
}

static int json_list(struct buf *b, const struct jv *v, const struct jv_json_opts *o, int depth,
                     bool undef_null, const char *isep)
{
    int rc = buf_putc(b, '[');
    for (size_t i = 0; i < v->n && !rc; i++) {
        if (i)
            rc = buf_puts(b, isep);
        if (!rc && o->indent)
            rc = indent_to(b, o->indent, depth + 1);
        if (!rc)
            rc = jv_json(b, v->items[i], o, depth + 1, undef_null);
    }
    if (!rc && o->indent && v->n)
        rc = indent_to(b, o->indent, depth);
    return rc ? rc : buf_putc(b, ']');
}

static int json_dict(struct buf *b, const struct jv *v, const struct jv_json_opts *o, int depth,
                     bool undef_null, const char *isep)
{
    const char *ksep = o->key_sep ? o->key_sep : ": ";
    size_t *order = malloc((v->n ? v->n : 1) * sizeof(*order));
    if (!order)
        return COLA_ENOMEM;
    for (size_t i = 0; i < v->n; i++)
        order[i] = i;
    if (o->sort_keys) /* localeCompare; byte order for ASCII keys */
        for (size_t i = 1; i < v->n; i++)
            for (size_t j = i; j > 0 && strcmp(v->keys[order[j]]->s, v->keys[order[j - 1]]->s) < 0; j--) {
                size_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
    int rc = buf_putc(b, '{');
    for (size_t i = 0; i < v->n && !rc; i++) {
        const struct jv *k = v->keys[order[i]];
        if (i)
            rc = buf_puts(b, isep);
        if (!rc && o->indent)
            rc = indent_to(b, o->indent, depth + 1);
        if (!rc)
            rc = jv_json_str(b, k->s, k->len, o->ascii);
        if (!rc)
            rc = buf_puts(b, ksep);
        if (!rc)
            rc = jv_json(b, v->items[order[i]], o, depth + 1, undef_null);
    }
    free(order);
    if (!rc && o->indent && v->n)
        rc = indent_to(b, o->indent, depth);
    return rc ? rc : buf_putc(b, '}');
}

int jv_json(struct buf *b, const struct jv *v, const struct jv_json_opts *o, int depth,
            bool undef_null)
{
    const char *isep = o->item_sep ? o->item_sep : (o->indent ? "," : ", ");
    switch (v->kind) {
    case JV_NONE: return buf_puts(b, "null");
    case JV_UNDEF: return buf_puts(b, undef_null ? "null" : "undefined");
    case JV_BOOL: return buf_puts(b, v->b ? "true" : "false");
    case JV_INT:
    case JV_FLOAT: return json_number(b, v); /* JSON.stringify of the number */
    case JV_STR: return jv_json_str(b, v->s, v->len, o->ascii);
    case JV_ARRAY:
    case JV_OBJECT:
    case JV_NS:
        if (depth >= JINJA2_MAX_VALUE_DEPTH) /* the 201st list or dict inside another */
            return COLA_ERANGE;
        return v->kind == JV_ARRAY ? json_list(b, v, o, depth, undef_null, isep)
                                   : json_dict(b, v, o, depth, undef_null, isep);
    default: return COLA_EFORMAT; /* Cannot convert to JSON: FunctionValue */
    }
}

int jv_print(struct buf *b, const struct jv *v)
{
    char num[64];
    switch (v->kind) {
    case JV_NONE:
    case JV_UNDEF: return 0;
    case JV_BOOL: return buf_puts(b, v->b ? "true" : "false");
    case JV_INT:
        if (!v->big)
            return buf_printf(b, "%lld", (long long)v->i);
        jv_js_number(v->f, num, sizeof(num)); /* String(number) */
        return buf_puts(b, num);
    case JV_FLOAT:
        if (v->f == 0 && signbit(v->f))
            return buf_puts(b, "-0.0");
        if (isfinite(v->f) && v->f == floor(v->f) && fabs(v->f) < 1e21)
            return buf_printf(b, "%.1f", v->f);
        jv_js_number(v->f, num, sizeof(num));
        return buf_puts(b, num);
    case JV_STR: return buf_append(b, v->s, v->len);
    case JV_FUNC: return buf_puts(b, "[function]");
    default: {
        const struct jv_json_opts o = {0};
        return jv_json(b, v, &o, 0, false);
    }
    }
}

struct jv *jv_from_json(struct jrt *r, const json_t *j, int depth)
{
    if (depth >= JINJA2_MAX_VALUE_DEPTH && (json_is_array(j) || json_is_object(j))) {
        if (!r->err->code)
            err_set(r->err, COLA_ERANGE, "jinja: the context nests lists and dicts deeper than %d",
                    JINJA2_MAX_VALUE_DEPTH);
        return NULL;
    }
    switch (json_typeof(j)) {
    case JSON_NULL: return jv_new(r, JV_NONE);
    case JSON_TRUE: return jv_bool(r, true);
    case JSON_FALSE: return jv_bool(r, false);
    case JSON_INTEGER: /* JSON.parse makes every number a double */
        return jv_intd(r, (double)json_integer_value(j));
    case JSON_REAL: {
        const double f = json_real_value(j);
        if (isfinite(f) && f == floor(f)) /* Number.isInteger: an IntegerValue */
            return jv_intd(r, f);
        return jv_float(r, f);
    }
    case JSON_STRING: return jv_str(r, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        struct jv *a = jv_new(r, JV_ARRAY);
        size_t i;
        const json_t *e;
        json_array_foreach(j, i, e)
        {
            if (!a || !jv_push(r, a, jv_from_json(r, e, depth + 1)))
                return NULL;
        }
        return a;
    }
    case JSON_OBJECT: {
        struct jv *o = jv_new(r, JV_OBJECT);
        const char *k;
        const json_t *e;
        json_object_foreach((json_t *)j, k, e)
        {
            if (!o || !jv_set(r, o, jv_cstr(r, k), jv_from_json(r, e, depth + 1)))
                return NULL;
        }
        return o;
    }
    }
    return NULL;
}
