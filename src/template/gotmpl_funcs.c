/* gotmpl_funcs.c — text/template's builtin functions (funcs.go) and
 * Ollama's json, currentDate, yesterdayDate, toTypeScriptType, with Go's
 * argument checks and error texts. */
#include "template/gotmpl_exec_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

static _Noreturn void call_err(struct gt_exec *x, const char *name, const char *msg)
{
    gx_errorf(x, "error calling %s: %s", name, msg);
}

static bool is_nil(const struct tv *v) { return !v || v->kind == TV_NIL; }

/* ---------------------------------------------------------------- printing */

static void out_print(struct gt_exec *x, struct buf *b, const struct tv *v)
{
    int rc = tv_print(b, v);
    if (rc == COLA_ENOMEM)
        gx_fail(x, COLA_ENOMEM, "template: output larger than its limit");
    if (rc)
        gx_errorf(x, "can't print value: nesting too deep");
}

static void put(struct gt_exec *x, struct buf *b, const char *s, size_t n)
{
    if (buf_append(b, s, n))
        gx_fail(x, COLA_ENOMEM, "template: output larger than its limit");
}

/* fmt.Sprint / Sprintln. */
static void sprint(struct gt_exec *x, struct buf *b, const struct tv *const *a, size_t n, bool ln)
{
    for (size_t i = 0; i < n; i++) {
        bool is_str = a[i] && a[i]->kind == TV_STRING && a[i]->fmt == TV_FMT_GO;
        bool prev_str = i && a[i - 1] && a[i - 1]->kind == TV_STRING && a[i - 1]->fmt == TV_FMT_GO;
        if (i && (ln || (!is_str && !prev_str)))
            put(x, b, " ", 1);
        out_print(x, b, a[i]);
    }
    if (ln)
        put(x, b, "\n", 1);
}

static void go_quote(struct gt_exec *x, struct buf *b, const char *s, size_t n)
{
    put(x, b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            put(x, b, e, 2);
        } else if (c == '\n') {
            put(x, b, "\\n", 2);
        } else if (c == '\t') {
            put(x, b, "\\t", 2);
        } else if (c == '\r') {
            put(x, b, "\\r", 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(e, sizeof(e), "\\x%02x", c);
            put(x, b, e, 4);
        } else {
            put(x, b, (const char *)&c, 1);
        }
    }
    put(x, b, "\"", 1);
}

static void bad_verb(struct gt_exec *x, struct buf *b, char verb, const struct tv *v)
{
    char h[8];
    snprintf(h, sizeof(h), "%%!%c(", verb);
    put(x, b, h, strlen(h));
    if (is_nil(v)) {
        put(x, b, "<nil>", 5);
    } else {
        const char *t = tv_type_name(v);
        put(x, b, t, strlen(t));
        put(x, b, "=", 1);
        out_print(x, b, v);
    }
    put(x, b, ")", 1);
}

/* One %verb with flags/width/precision spec (C-compatible for numbers).
 * spec holds only flag characters and at most three width and three
 * precision digits (sprintf_go builds it), so handing it to the C
 * formatter is safe. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void fmt_one(struct gt_exec *x, struct buf *b, const char *spec, char verb, const struct tv *v)
{
    char cf[40], tmp[512];
    int n = -1;
    switch (verb) {
    case 'v':
    case 's':
        if (v && v->kind == TV_BYTES && verb == 's') {
            put(x, b, v->u.s.p, v->u.s.len);
            return;
        }
        if (verb == 's' && v && (v->kind == TV_INT || v->kind == TV_FLOAT || v->kind == TV_BOOL) &&
            v->fmt == TV_FMT_GO) {
            bad_verb(x, b, verb, v);
            return;
        }
        if (spec[0] == '\0') {
            out_print(x, b, v);
            return;
        }
        {
            struct buf t;
            buf_init(&t, b->max);
            int rc = tv_print(&t, v);
            if (!rc) {
                snprintf(cf, sizeof(cf), "%%%ss", spec);
                rc = buf_printf(b, cf, t.data ? t.data : "");
            }
            buf_free(&t);
            if (rc)
                gx_fail(x, COLA_ENOMEM, "template: output larger than its limit");
        }
        return;
    case 'q':
        if (v && (v->kind == TV_STRING || v->kind == TV_BYTES)) {
            go_quote(x, b, v->u.s.p, v->u.s.len);
            return;
        }
        break;
    case 'd':
    case 'x':
    case 'X':
    case 'o':
    case 'c':
        if (v && v->kind == TV_INT) {
            snprintf(cf, sizeof(cf), "%%%s%s%c", spec, "ll", verb == 'c' ? 'c' : verb);
            if (verb == 'c')
                n = snprintf(tmp, sizeof(tmp), "%c", (int)v->u.i);
            else
                n = snprintf(tmp, sizeof(tmp), cf, (long long)v->u.i);
        } else if (v && (v->kind == TV_STRING) && (verb == 'x' || verb == 'X')) {
            for (size_t i = 0; i < v->u.s.len; i++) {
                snprintf(tmp, sizeof(tmp), verb == 'x' ? "%02x" : "%02X", (unsigned char)v->u.s.p[i]);
                put(x, b, tmp, 2);
            }
            return;
        }
        break;
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
        if (v && v->kind == TV_FLOAT) {
            if (verb == 'g' && !strchr(spec, '.')) {
                n = tv_format_float_g(v->u.f, tmp, sizeof(tmp));
            } else {
                snprintf(cf, sizeof(cf), "%%%s%c", spec, verb);
                n = snprintf(tmp, sizeof(tmp), cf, v->u.f);
            }
        }
        break;
    case 't':
        if (v && v->kind == TV_BOOL) {
            n = snprintf(tmp, sizeof(tmp), "%s", v->u.b ? "true" : "false");
        }
        break;
    }
    if (n < 0) {
        bad_verb(x, b, verb, v);
        return;
    }
    put(x, b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

#pragma GCC diagnostic pop

/* fmt.Sprintf for the verbs templates use. */
static void sprintf_go(struct gt_exec *x, struct buf *b, const struct tv *f, const struct tv *const *a, size_t n)
{
    const char *s = f->u.s.p;
    size_t len = f->u.s.len, ai = 0;
    for (size_t i = 0; i < len;) {
        if (s[i] != '%') {
            size_t j = i;
            while (j < len && s[j] != '%')
                j++;
            put(x, b, s + i, j - i);
            i = j;
            continue;
        }
        i++;
        char spec[24];
        size_t sl = 0;
        while (i < len && strchr("+-# 0", s[i]) && sl < 4)
            spec[sl++] = s[i++];
        for (int d = 0; i < len && s[i] >= '0' && s[i] <= '9'; d++, i++)
            if (d < 3)
                spec[sl++] = s[i];
        if (i < len && s[i] == '.') {
            spec[sl++] = s[i++];
            for (int d = 0; i < len && s[i] >= '0' && s[i] <= '9'; d++, i++)
                if (d < 3)
                    spec[sl++] = s[i];
        }
        spec[sl] = '\0';
        if (i >= len) {
            put(x, b, "%!(NOVERB)", 10);
            break;
        }
        char verb = s[i++];
        if (verb == '%') {
            put(x, b, "%", 1);
            continue;
        }
        if (ai >= n) {
            char m[24];
            snprintf(m, sizeof(m), "%%!%c(MISSING)", verb);
            put(x, b, m, strlen(m));
            continue;
        }
        fmt_one(x, b, spec, verb, a[ai++]);
    }
    if (ai < n) {
        put(x, b, "%!(EXTRA ", 9);
        for (size_t i = ai; i < n; i++) {
            if (i > ai)
                put(x, b, ", ", 2);
            const char *t = is_nil(a[i]) ? "<nil>" : tv_type_name(a[i]);
            put(x, b, t, strlen(t));
            if (!is_nil(a[i])) {
                put(x, b, "=", 1);
                out_print(x, b, a[i]);
            }
        }
        put(x, b, ")", 1);
    }
}

/* ---------------------------------------------------------------- comparison */

enum kind { K_INVALID, K_BOOL, K_INT, K_FLOAT, K_STRING, K_OTHER };

static enum kind basic_kind(const struct tv *v)
{
    if (is_nil(v))
        return v && (v->flags & TV_F_TYPED) ? K_OTHER : K_INVALID;
    switch (v->kind) {
    case TV_BOOL:
        return K_BOOL;
    case TV_INT:
        return K_INT;
    case TV_FLOAT:
        return K_FLOAT;
    case TV_STRING:
        return K_STRING;
    default:
        return K_OTHER;
    }
}

static int str_cmp(const struct tv *a, const struct tv *b)
{
    size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
    int c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return a->u.s.len < b->u.s.len ? -1 : a->u.s.len > b->u.s.len;
}

/* 1/0, or a negative value with *msg set. */
static int eq2(const struct tv *a, const struct tv *b, const char **msg)
{
    enum kind ka = basic_kind(a), kb = basic_kind(b);
    if (ka != kb) {
        if (ka != K_INVALID && kb != K_INVALID) {
            *msg = "incompatible types for comparison";
            return -1;
        }
        return 0;
    }
    switch (ka) {
    case K_BOOL:
        return a->u.b == b->u.b;
    case K_INT:
        return a->u.i == b->u.i;
    case K_FLOAT:
        return a->u.f == b->u.f;
    case K_STRING:
        return str_cmp(a, b) == 0;
    case K_INVALID:
        return 1;
    default:
        if (is_nil(a) || is_nil(b))
            return is_nil(a) == is_nil(b);
        *msg = "non-comparable types";
        return -1;
    }
}

static int lt2(const struct tv *a, const struct tv *b, const char **msg)
{
    enum kind ka = basic_kind(a), kb = basic_kind(b);
    if (ka == K_INVALID || ka == K_OTHER || ka == K_BOOL || kb == K_INVALID || kb == K_OTHER ||
        kb == K_BOOL) {
        *msg = "invalid type for comparison";
        return -1;
    }
    if (ka != kb) {
        *msg = "incompatible types for comparison";
        return -1;
    }
    if (ka == K_INT)
        return a->u.i < b->u.i;
    if (ka == K_FLOAT)
        return a->u.f < b->u.f;
    return str_cmp(a, b) < 0;
}

/* ---------------------------------------------------------------- index, slice */

static int64_t index_arg(struct gt_exec *x, const char *fn, const struct tv *i, int64_t cap, const char *what)
{
    if (!i || i->kind != TV_INT) {
        char m[96];
        snprintf(m, sizeof(m), "cannot index %s with type %s", what, tv_type_name(i));
        call_err(x, fn, m);
    }
    if (i->u.i < 0 || i->u.i > cap) {
        char m[64];
        snprintf(m, sizeof(m), "index out of range: %" PRId64, i->u.i);
        call_err(x, fn, m);
    }
    return i->u.i;
}

static const struct tv *fn_index(struct gt_exec *x, const struct tv *item, const struct tv *const *idx, size_t n)
{
    if (!item || (item->kind == TV_NIL && !(item->flags & TV_F_TYPED)))
        call_err(x, "index", "index of untyped nil");
    for (size_t k = 0; k < n; k++) {
        if (item->kind == TV_NIL)
            call_err(x, "index", item->flags & TV_F_TYPED ? "index of nil pointer" : "index of untyped nil");
        if (item->kind == TV_LIST || item->kind == TV_STRING || item->kind == TV_BYTES) {
            int64_t len = tv_len(item);
            int64_t i = index_arg(x, "index", idx[k], len, "slice/array");
            if (i == len) {
                char m[64];
                snprintf(m, sizeof(m), "index out of range: %" PRId64, i);
                call_err(x, "index", m);
            }
            item = item->kind == TV_LIST ? item->u.list.items[i] : gx_int(x, (unsigned char)item->u.s.p[i]);
        } else if (item->kind == TV_MAP) {
            if (!idx[k] || idx[k]->kind != TV_STRING) {
                char m[96];
                snprintf(m, sizeof(m), "value has type %s; should be string", tv_type_name(idx[k]));
                call_err(x, "index", m);
            }
            const struct tv *v = tv_get(item, idx[k]->u.s.p, idx[k]->u.s.len);
            item = v ? v : &gx_nil;
        } else {
            char m[96];
            snprintf(m, sizeof(m), "can't index item of type %s", tv_type_name(item));
            call_err(x, "index", m);
        }
    }
    return item;
}

static const struct tv *fn_slice(struct gt_exec *x, const struct tv *item, const struct tv *const *idx, size_t n)
{
    if (is_nil(item))
        call_err(x, "slice", "slice of untyped nil");
    if (n > 3) {
        char m[48];
        snprintf(m, sizeof(m), "too many slice indexes: %zu", n);
        call_err(x, "slice", m);
    }
    if (item->kind == TV_STRING && n == 3)
        call_err(x, "slice", "cannot 3-index slice a string");
    if (item->kind != TV_STRING && item->kind != TV_LIST && item->kind != TV_BYTES) {
        char m[96];
        snprintf(m, sizeof(m), "can't slice item of type %s", tv_type_name(item));
        call_err(x, "slice", m);
    }
    int64_t len = tv_len(item), ix[3] = {0, len, len};
    for (size_t k = 0; k < n; k++)
        ix[k] = index_arg(x, "slice", idx[k], len, "slice/array");
    if (ix[0] > ix[1]) {
        char m[64];
        snprintf(m, sizeof(m), "invalid slice index: %" PRId64 " > %" PRId64, ix[0], ix[1]);
        call_err(x, "slice", m);
    }
    if (n == 3 && ix[1] > ix[2]) {
        char m[64];
        snprintf(m, sizeof(m), "invalid slice index: %" PRId64 " > %" PRId64, ix[1], ix[2]);
        call_err(x, "slice", m);
    }
    if (item->kind == TV_STRING)
        return gx_str(x, item->u.s.p + ix[0], (size_t)(ix[1] - ix[0]));
    if (item->kind == TV_BYTES) {
        struct tv *v = tv_bytes(&x->scratch, item->u.s.p + ix[0], (size_t)(ix[1] - ix[0]));
        if (!v)
            gx_fail(x, COLA_ENOMEM, "template: out of memory while executing");
        return v;
    }
    struct tv *l = tv_list(&x->scratch);
    if (!l)
        gx_fail(x, COLA_ENOMEM, "template: out of memory while executing");
    l->fmt = item->fmt;
    l->u.list.items = item->u.list.items + ix[0];
    l->u.list.len = l->u.list.cap = (size_t)(ix[1] - ix[0]);
    return l;
}

/* ---------------------------------------------------------------- Ollama */

static const char *ts_type(const struct tv *s)
{
    static const char *const map[][2] = {
        {"string", "string"}, {"number", "number"}, {"integer", "number"}, {"boolean", "boolean"},
        {"array", "any[]"},   {"object", "Record<string, any>"}, {"null", "null"},
    };
    for (size_t i = 0; s && s->kind == TV_STRING && i < sizeof(map) / sizeof(map[0]); i++)
        if (strlen(map[i][0]) == s->u.s.len && !memcmp(map[i][0], s->u.s.p, s->u.s.len))
            return map[i][1];
    return "any";
}

static bool is_tool_property(const struct tv *v)
{
    return v && v->kind == TV_STRUCT && v->u.map.type_name &&
           (!strcmp(v->u.map.type_name, "api.ToolProperty") || !strcmp(v->u.map.type_name, "ToolProperty"));
}

static void ts_type_of(struct gt_exec *x, struct buf *b, const struct tv *p, int depth)
{
    if (depth > TV_MAX_DEPTH)
        gx_errorf(x, "error calling toTypeScriptType: nesting too deep");
    const struct tv *any_of = tv_get(p, "AnyOf", 5), *type = tv_get(p, "Type", 4);
    if (any_of && any_of->kind == TV_LIST && any_of->u.list.len) {
        for (size_t i = 0; i < any_of->u.list.len; i++) {
            if (i)
                put(x, b, " | ", 3);
            if (is_tool_property(any_of->u.list.items[i]))
                ts_type_of(x, b, any_of->u.list.items[i], depth + 1);
            else
                put(x, b, "any", 3);
        }
        return;
    }
    if (!type || type->kind != TV_LIST || type->u.list.len == 0) {
        put(x, b, "any", 3);
        return;
    }
    for (size_t i = 0; i < type->u.list.len; i++) {
        const char *t = ts_type(type->u.list.items[i]);
        if (i)
            put(x, b, " | ", 3);
        put(x, b, t, strlen(t));
    }
}

static const struct tv *date(struct gt_exec *x, int days_back)
{
    time_t t = x->now - (time_t)days_back * 86400;
    struct tm tm;
    char s[32];
    if (!localtime_r(&t, &tm))
        gx_errorf(x, "error calling currentDate: bad time");
    if (days_back) { /* AddDate(0, 0, -1): the calendar day before */
        t = x->now;
        localtime_r(&t, &tm);
        tm.tm_mday -= days_back;
        tm.tm_isdst = -1;
        mktime(&tm);
    }
    size_t n = strftime(s, sizeof(s), "%Y-%m-%d", &tm);
    return gx_str(x, s, n);
}

/* ---------------------------------------------------------------- dispatch */

struct fn {
    const char *name;
    int min, max; /* argument counts; max -1 = variadic */
};

static const struct fn fns[] = {
    {"and", 1, -1}, {"or", 1, -1},    {"not", 1, 1},     {"len", 1, 1},     {"index", 1, -1},
    {"slice", 1, -1}, {"print", 0, -1}, {"printf", 1, -1}, {"println", 0, -1}, {"eq", 1, -1},
    {"ne", 2, 2},   {"lt", 2, 2},     {"le", 2, 2},      {"gt", 2, 2},      {"ge", 2, 2},
    {"json", 1, 1}, {"currentDate", 0, -1}, {"yesterdayDate", 0, -1}, {"toTypeScriptType", 1, 1},
};

static const struct tv *call_value(struct gt_exec *x, const char *name, const struct tv *const *a, size_t n)
{
    const char *msg = NULL;
    struct buf b;
    if (!strcmp(name, "not"))
        return gx_bool(x, !tv_truth(a[0]));
    if (!strcmp(name, "len")) {
        if (is_nil(a[0]))
            call_err(x, name, "len of nil pointer");
        int64_t l = tv_len(a[0]);
        if (l < 0) {
            char m[96];
            snprintf(m, sizeof(m), "len of type %s", tv_type_name(a[0]));
            call_err(x, name, m);
        }
        return gx_int(x, l);
    }
    if (!strcmp(name, "index"))
        return fn_index(x, a[0], a + 1, n - 1);
    if (!strcmp(name, "slice"))
        return fn_slice(x, a[0], a + 1, n - 1);
    if (!strcmp(name, "eq")) {
        if (n < 2)
            call_err(x, name, "missing argument for comparison");
        for (size_t i = 1; i < n; i++) {
            int r = eq2(a[0], a[i], &msg);
            if (r < 0)
                call_err(x, name, msg);
            if (r)
                return gx_bool(x, true);
        }
        return gx_bool(x, false);
    }
    if (!strcmp(name, "ne") || !strcmp(name, "lt") || !strcmp(name, "le") || !strcmp(name, "gt") ||
        !strcmp(name, "ge")) {
        int r;
        if (name[0] == 'n') {
            r = eq2(a[0], a[1], &msg);
            r = r < 0 ? r : !r;
        } else {
            r = lt2(a[0], a[1], &msg);
            if (r >= 0 && name[1] == 'e') { /* le / ge: with equality */
                int e = eq2(a[0], a[1], &msg);
                r = e < 0 ? e : name[0] == 'l' ? (r || e) : !r;
            } else if (r >= 0 && name[0] == 'g') {
                int e = eq2(a[0], a[1], &msg);
                r = e < 0 ? e : !(r || e);
            }
        }
        if (r < 0)
            call_err(x, name, msg);
        return gx_bool(x, r);
    }
    if (!strcmp(name, "currentDate") || !strcmp(name, "yesterdayDate")) {
        for (size_t i = 0; i < n; i++)
            if (!a[i] || a[i]->kind != TV_STRING)
                gx_errorf(x, "wrong type for value; expected string; got %s", tv_type_name(a[i]));
        return date(x, name[0] == 'y');
    }
    buf_init(&b, x->out->max);
    if (!strcmp(name, "print") || !strcmp(name, "println")) {
        sprint(x, &b, a, n, name[5] == 'l');
    } else if (!strcmp(name, "printf")) {
        if (!a[0] || a[0]->kind != TV_STRING) {
            buf_free(&b);
            gx_errorf(x, "wrong type for value; expected string; got %s", tv_type_name(a[0]));
        }
        sprintf_go(x, &b, a[0], a + 1, n - 1);
    } else if (!strcmp(name, "json")) {
        int rc = tv_json(&b, a[0]);
        if (rc == COLA_ENOMEM) {
            buf_free(&b);
            gx_fail(x, COLA_ENOMEM, "template: output larger than its limit");
        }
    } else if (!strcmp(name, "toTypeScriptType")) {
        if (is_tool_property(a[0]))
            ts_type_of(x, &b, a[0], 0);
        else
            put(x, &b, "any", 3);
    } else {
        buf_free(&b);
        gx_errorf(x, "function %s is not supported", name);
    }
    const struct tv *v = gx_str(x, b.data ? b.data : "", b.len);
    buf_free(&b);
    return v;
}

const struct tv *gx_call(struct gt_exec *x, const struct tv *dot, const struct gt_cmd *cmd, const char *name,
                         struct gt_node *const *args, size_t nargs, const struct tv *final,
                         gx_eval_fn eval)
{
    const struct fn *f = NULL;
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]) && !f; i++)
        if (!strcmp(fns[i].name, name))
            f = &fns[i];
    if (!f)
        gx_errorf(x, "function %s is not supported", name);
    const struct gt_node *at = x->at;
    size_t total = nargs + (final ? 1 : 0);
    if ((int)total < f->min && f->max < 0)
        gx_errorf(x, "wrong number of args for %s: want at least %d got %zu", name, f->min, total);
    if (f->max >= 0 && (int)total != f->max)
        gx_errorf(x, "wrong number of args for %s: want %d got %zu", name, f->max, total);
    if (total > MAX_ARGS)
        gx_errorf(x, "too many arguments for %s", name);
    if (!strcmp(name, "and") || !strcmp(name, "or")) {
        bool want = name[0] == 'o';
        const struct tv *v = NULL;
        for (size_t i = 0; i < nargs; i++) {
            v = eval(x, dot, args[i]);
            if (tv_truth(v) == want)
                return v;
        }
        return final ? final : v;
    }
    const struct tv *a[MAX_ARGS];
    for (size_t i = 0; i < nargs; i++)
        a[i] = eval(x, dot, args[i]);
    if (final)
        a[nargs] = final;
    x->at = at;
    x->at_cmd = cmd;
    const struct tv *v = call_value(x, name, a, total);
    x->at_cmd = NULL;
    return v;
}
