/* jinja2_builtins.c — filters, tests, methods and global functions, each
 * as @huggingface/jinja defines them (the same names, the same errors for
 * what it does not know). */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/jinja2_exec.h"

static struct jv *method(struct jrt *r, struct jv *self, const char *name)
{
    struct jv *f = jv_new(r, JV_FUNC);
    if (!f)
        return NULL;
    f->fn = JF_METHOD;
    f->self = self;
    f->s = name;
    return f;
}

static size_t utf16_len(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80)
            n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

struct jv *jbuiltin_member(struct jrt *r, struct jv *obj, const char *name)
{
    static const char *const str_methods[] = {"upper", "lower", "strip", "title", "capitalize",
                                              "rstrip", "lstrip", "startswith", "endswith",
                                              "split", "replace", NULL};
    static const char *const obj_methods[] = {"get", "items", "keys", "values", "dictsort", NULL};
    if (obj->kind == JV_STR) {
        if (!strcmp(name, "length"))
            return jv_int(r, (int64_t)utf16_len(obj->s, obj->len));
        for (int i = 0; str_methods[i]; i++)
            if (!strcmp(name, str_methods[i]))
                return method(r, obj, str_methods[i]);
    } else if (obj->kind == JV_ARRAY) {
        if (!strcmp(name, "length"))
            return jv_int(r, (int64_t)obj->n);
    } else if (obj->kind == JV_OBJECT) {
        for (int i = 0; obj_methods[i]; i++)
            if (!strcmp(name, obj_methods[i]))
                return method(r, obj, obj_methods[i]);
    }
    return jv_new(r, JV_UNDEF);
}

/* ---------------------------------------------------------------- strings */

static bool is_sp(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static struct jv *str_trim(struct jrt *r, const struct jv *s, bool left, bool right)
{
    size_t a = 0, b = s->len;
    while (left && a < b && is_sp(s->s[a]))
        a++;
    while (right && b > a && is_sp(s->s[b - 1]))
        b--;
    return jv_str(r, s->s + a, b - a);
}

static struct jv *str_case(struct jrt *r, const struct jv *s, int mode)
{
    struct jv *o = jv_str(r, s->s, s->len);
    if (!o)
        return NULL;
    char *p = (char *)o->s;
    bool prev_word = false;
    for (size_t i = 0; i < o->len; i++) {
        const char c = p[i];
        const bool word = isalnum((unsigned char)c) || c == '_';
        if (mode == 0)
            p[i] = (char)toupper((unsigned char)c);
        else if (mode == 1)
            p[i] = (char)tolower((unsigned char)c);
        else if (mode == 2 && word && !prev_word) /* title: \b\w upper-cased */
            p[i] = (char)toupper((unsigned char)c);
        else if (mode == 3 && i == 0)
            p[i] = (char)toupper((unsigned char)c);
        prev_word = word || ((unsigned char)c >= 0x80);
    }
    return o;
}

static bool starts_or_ends(const struct jv *s, const struct jv *p, bool end)
{
    if (p->len > s->len)
        return false;
    return !memcmp(end ? s->s + s->len - p->len : s->s, p->s, p->len);
}

static struct jv *str_split(struct jrt *r, const struct jv *s, struct jv *args)
{
    struct jv *sep = args->n > 0 ? args->items[0] : NULL;
    struct jv *maxv = args->n > 1 ? args->items[1] : NULL;
    if (sep && sep->kind != JV_STR && sep->kind != JV_NONE)
        return jerr(r, "sep argument must be a string or null");
    if (maxv && maxv->kind != JV_INT)
        return jerr(r, "maxsplit argument must be a number");
    /* result.length >= maxsplit: never true for NaN */
    const int64_t max = !maxv || (maxv->big && isnan(maxv->f)) ? -1 : jv_index(maxv);
    struct jv *out = jv_new(r, JV_ARRAY);
    if (!out)
        return NULL;
    if (!sep || sep->kind == JV_NONE) {
        size_t i = 0;
        while (i < s->len && is_sp(s->s[i]))
            i++;
        while (i < s->len) {
            size_t j = i;
            while (j < s->len && !is_sp(s->s[j]))
                j++;
            if (max != -1 && (int64_t)out->n >= max) {
                jv_push(r, out, jv_str(r, s->s + i, s->len - i));
                break;
            }
            jv_push(r, out, jv_str(r, s->s + i, j - i));
            i = j;
            while (i < s->len && is_sp(s->s[i]))
                i++;
        }
        return out;
    }
    if (!sep->len)
        return jerr(r, "empty separator");
    size_t i = 0;
    for (;;) {
        const char *hit = max != -1 && (int64_t)out->n >= max
                              ? NULL
                              : memmem(s->s + i, s->len - i, sep->s, sep->len);
        if (!hit) {
            jv_push(r, out, jv_str(r, s->s + i, s->len - i));
            break;
        }
        jv_push(r, out, jv_str(r, s->s + i, (size_t)(hit - (s->s + i))));
        i = (size_t)(hit - s->s) + sep->len;
    }
    return out;
}

static struct jv *str_replace(struct jrt *r, const struct jv *s, struct jv *args)
{
    struct jv *kw = args->n && args->items[args->n - 1]->kwargs ? args->items[args->n - 1] : NULL;
    const size_t npos = args->n - (kw ? 1 : 0);
    if (npos < 2)
        return jerr(r, "replace() requires at least two arguments");
    const struct jv *old = args->items[0], *new_ = args->items[1];
    if (old->kind != JV_STR || new_->kind != JV_STR)
        return jerr(r, "replace() arguments must be strings");
    const struct jv *count = npos > 2 ? args->items[2] : kw ? jv_get(kw, "count", 5) : NULL;
    if (count && count->kind != JV_INT && count->kind != JV_NONE)
        return jerr(r, "replace() count argument must be a number or null");
    const int64_t cnt = count && count->kind == JV_INT ? jv_index(count) : -1; /* NaN: 0 */
    int64_t left = cnt >= 0 ? cnt : INT64_MAX;
    if (cnt == 0)
        return jv_str(r, s->s, s->len);
    struct buf b;
    buf_init(&b, r->out->max);
    size_t i = 0;
    int rc = 0;
    if (!old->len) { /* between every code point */
        for (; i <= s->len && !rc; i++) {
            if ((i == s->len || ((unsigned char)s->s[i] & 0xC0) != 0x80) && left > 0) {
                rc = buf_append(&b, new_->s, new_->len);
                left--;
            }
            if (i < s->len && !rc)
                rc = buf_putc(&b, s->s[i]);
        }
    } else {
        while (i < s->len && !rc) {
            const char *hit = left > 0 ? memmem(s->s + i, s->len - i, old->s, old->len) : NULL;
            if (!hit) {
                rc = buf_append(&b, s->s + i, s->len - i);
                break;
            }
            rc = buf_append(&b, s->s + i, (size_t)(hit - (s->s + i)));
            rc = rc ? rc : buf_append(&b, new_->s, new_->len);
            i = (size_t)(hit - s->s) + old->len;
            left--;
        }
    }
    struct jv *o = rc ? NULL : jv_str(r, b.data ? b.data : "", b.len);
    buf_free(&b);
    return jprinted(r, rc) ? o : NULL;
}

/* ---------------------------------------------------------------- numbers */

static bool js_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* The prefix of s that parseInt(s, 10) (int) or parseFloat(s) reads, as a
 * double (strtod rounds as JavaScript does), or NaN when there is none.
 * strtod alone would also take hex, "inf" and "nan". */
static double js_parse_num(const char *s, bool is_float)
{
    while (js_space(*s))
        s++;
    const char *p = s + (*s == '+' || *s == '-');
    if (is_float && !strncmp(p, "Infinity", 8))
        return *s == '-' ? -INFINITY : INFINITY;
    size_t n = (size_t)(p - s), digits = 0;
    for (; s[n] >= '0' && s[n] <= '9'; n++)
        digits++;
    if (is_float) {
        if (s[n] == '.')
            for (n++; s[n] >= '0' && s[n] <= '9'; n++)
                digits++;
        if (digits && (s[n] == 'e' || s[n] == 'E')) {
            size_t m = n + 1 + (s[n + 1] == '+' || s[n + 1] == '-');
            if (s[m] >= '0' && s[m] <= '9') {
                while (s[m] >= '0' && s[m] <= '9')
                    m++;
                n = m;
            }
        }
    }
    if (!digits)
        return NAN;
    char *copy = strndup(s, n);
    const double v = copy ? strtod(copy, NULL) : NAN;
    free(copy);
    return v;
}

static double js_parse_int(const char *s) { return js_parse_num(s, false); }
static double js_parse_float(const char *s) { return js_parse_num(s, true); }

/* ---------------------------------------------------------------- comparing */

static double numv(const struct jv *v) { return jv_num(v); }
static bool numeric(const struct jv *v) { return v->kind == JV_INT || v->kind == JV_FLOAT || v->kind == JV_BOOL; }

/* compareRuntimeValues: -1/0/1, or 2 on an error (set). */
static int compare(struct jrt *r, const struct jv *a, const struct jv *b, bool cs)
{
    if ((a->kind == JV_NONE && b->kind == JV_NONE) || (a->kind == JV_UNDEF && b->kind == JV_UNDEF))
        return 0;
    if (a->kind == JV_NONE || b->kind == JV_NONE || a->kind == JV_UNDEF || b->kind == JV_UNDEF) {
        jerr(r, "Cannot compare %s with %s", jv_type(a), jv_type(b));
        return 2;
    }
    if (numeric(a) && numeric(b))
        return numv(a) < numv(b) ? -1 : numv(a) > numv(b) ? 1 : 0;
    if (a->kind != b->kind || a->kind != JV_STR) {
        jerr(r, a->kind != b->kind ? "Cannot compare different types: %s and %s" : "Cannot compare type: %s%s",
             jv_type(a), a->kind != b->kind ? jv_type(b) : "");
        return 2;
    }
    const size_t n = a->len < b->len ? a->len : b->len;
    for (size_t i = 0; i < n; i++) {
        int x = (unsigned char)a->s[i], y = (unsigned char)b->s[i];
        if (!cs)
            x = tolower(x), y = tolower(y);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

struct sort_ctx {
    struct jrt *r;
    bool cs, rev;
    int by; /* -1: the item, else the index in a [key, value] pair */
    const char *attr;
};

static struct jv *attr_path(struct jrt *r, struct jv *item, const char *path);

static int sort_items(struct sort_ctx *c, struct jv **v, size_t n)
{
    for (size_t i = 1; i < n; i++) /* stable insertion sort, as Array.sort is stable */
        for (size_t j = i; j > 0; j--) {
            struct jv *a = v[j - 1], *b = v[j];
            if (c->by >= 0)
                a = a->items[c->by], b = b->items[c->by];
            else if (c->attr)
                a = attr_path(c->r, a, c->attr), b = attr_path(c->r, b, c->attr);
            if (!a || !b)
                return -1;
            int k = compare(c->r, a, b, c->cs);
            if (k == 2)
                return -1;
            if (c->rev)
                k = -k;
            if (k <= 0)
                break;
            struct jv *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return 0;
}

static struct jv *copy_array(struct jrt *r, const struct jv *a)
{
    struct jv *o = jv_new(r, JV_ARRAY);
    for (size_t i = 0; o && i < a->n; i++)
        if (!jv_push(r, o, a->items[i]))
            return NULL;
    return o;
}

static struct jv *pairs(struct jrt *r, const struct jv *o, int what)
{
    struct jv *a = jv_new(r, JV_ARRAY);
    for (size_t i = 0; a && i < o->n; i++) {
        struct jv *x;
        if (what == 0) {
            x = jv_new(r, JV_ARRAY);
            if (!x || !jv_push(r, x, o->keys[i]) || !jv_push(r, x, o->items[i]))
                return NULL;
        } else {
            x = what == 1 ? o->keys[i] : o->items[i];
        }
        if (!jv_push(r, a, x))
            return NULL;
    }
    return a;
}

static struct jv *kwarg(struct jv *args, const char *k)
{
    struct jv *kw = args->n && args->items[args->n - 1]->kwargs ? args->items[args->n - 1] : NULL;
    return kw ? jv_get(kw, k, strlen(k)) : NULL;
}

static size_t npos(struct jv *args) { return args->n - (args->n && args->items[args->n - 1]->kwargs); }

static struct jv *dictsort(struct jrt *r, struct jv *o, struct jv *args)
{
    const size_t np = npos(args);
    struct jv *cs = np > 0 ? args->items[0] : kwarg(args, "case_sensitive");
    struct jv *by = np > 1 ? args->items[1] : kwarg(args, "by");
    struct jv *rev = np > 2 ? args->items[2] : kwarg(args, "reverse");
    if ((cs && cs->kind != JV_BOOL) || (rev && rev->kind != JV_BOOL))
        return jerr(r, "case_sensitive and reverse must be booleans");
    if (by && (by->kind != JV_STR || (strcmp(by->s, "key") && strcmp(by->s, "value"))))
        return jerr(r, "by must be either 'key' or 'value'");
    struct jv *items = pairs(r, o, 0);
    struct sort_ctx c = {r, cs && cs->b, rev && rev->b, by && !strcmp(by->s, "value") ? 1 : 0, NULL};
    if (!items || sort_items(&c, items->items, items->n))
        return NULL;
    return items;
}

struct jv *jcall_method(struct jrt *r, struct jv *fn, struct jv *args)
{
    struct jv *s = fn->self;
    const char *m = fn->s;
    if (s->kind == JV_STR) {
        if (!strcmp(m, "upper")) return str_case(r, s, 0);
        if (!strcmp(m, "lower")) return str_case(r, s, 1);
        if (!strcmp(m, "title")) return str_case(r, s, 2);
        if (!strcmp(m, "capitalize")) return str_case(r, s, 3);
        if (!strcmp(m, "strip")) return str_trim(r, s, true, true);
        if (!strcmp(m, "lstrip")) return str_trim(r, s, true, false);
        if (!strcmp(m, "rstrip")) return str_trim(r, s, false, true);
        if (!strcmp(m, "split")) return str_split(r, s, args);
        if (!strcmp(m, "replace")) return str_replace(r, s, args);
        if (!strcmp(m, "startswith") || !strcmp(m, "endswith")) {
            const bool end = m[0] == 'e';
            if (!args->n)
                return jerr(r, "%s() requires at least one argument", m);
            struct jv *p = args->items[0];
            if (p->kind == JV_STR)
                return jv_bool(r, starts_or_ends(s, p, end));
            if (p->kind == JV_ARRAY) {
                for (size_t i = 0; i < p->n; i++) {
                    if (p->items[i]->kind != JV_STR)
                        return jerr(r, "%s() tuple elements must be strings", m);
                    if (starts_or_ends(s, p->items[i], end))
                        return jv_bool(r, true);
                }
                return jv_bool(r, false);
            }
            return jerr(r, "%s() argument must be a string or tuple of strings", m);
        }
    } else if (s->kind == JV_OBJECT) {
        if (!strcmp(m, "get")) {
            if (!args->n || args->items[0]->kind != JV_STR)
                return jerr(r, "Object key must be a string: got %s",
                            args->n ? jv_type(args->items[0]) : "UndefinedValue");
            struct jv *v = jv_get(s, args->items[0]->s, args->items[0]->len);
            return v ? v : args->n > 1 ? args->items[1] : jv_new(r, JV_NONE);
        }
        if (!strcmp(m, "items")) return pairs(r, s, 0);
        if (!strcmp(m, "keys")) return pairs(r, s, 1);
        if (!strcmp(m, "values")) return pairs(r, s, 2);
        if (!strcmp(m, "dictsort")) return dictsort(r, s, args);
    }
    return jerr(r, "Unknown method %s", m);
}

/* ---------------------------------------------------------------- globals */

static struct jv *namespace_fn(struct jrt *r, struct jv *args)
{
    struct jv *ns = jv_new(r, JV_NS);
    if (!ns)
        return NULL;
    const size_t np = npos(args);
    if (np > 1)
        return jerr(r, "namespace expected at most 1 argument, got %zu", np);
    if (np == 1) {
        struct jv *src = args->items[0];
        if (src->kind == JV_OBJECT) {
            for (size_t i = 0; i < src->n; i++)
                jv_set(r, ns, src->keys[i], src->items[i]);
        } else if (src->kind == JV_ARRAY) {
            for (size_t i = 0; i < src->n; i++) {
                struct jv *p = src->items[i];
                if (p->kind != JV_ARRAY || p->n != 2 || p->items[0]->kind != JV_STR)
                    return jerr(r, "namespace expected an object or an iterable of [key, value] pairs");
                jv_set(r, ns, p->items[0], p->items[1]);
            }
        } else {
            return jerr(r, "'%s' object is not iterable", jv_type(src));
        }
    }
    if (np < args->n) {
        struct jv *kw = args->items[args->n - 1];
        for (size_t i = 0; i < kw->n; i++)
            jv_set(r, ns, kw->keys[i], kw->items[i]);
    }
    return ns;
}

static struct jv *strftime_fn(struct jrt *r, struct jv *args)
{
    if (!args->n || args->items[0]->kind != JV_STR)
        return jerr(r, "strftime_now needs a format string");
    static const char *const mon[] = {"January", "February", "March",     "April",   "May",      "June",
                                      "July",    "August",   "September", "October", "November", "December"};
    struct tm tm;
    localtime_r(&r->now, &tm);
    struct buf b;
    buf_init(&b, r->out->max);
    const struct jv *f = args->items[0];
    int rc = 0;
    for (size_t i = 0; i < f->len && !rc; i++) {
        if (f->s[i] != '%' || i + 1 >= f->len || !strchr("YmdbBHM%", f->s[i + 1])) {
            rc = buf_putc(&b, f->s[i]);
            continue;
        }
        switch (f->s[++i]) {
        case 'Y': rc = buf_printf(&b, "%d", tm.tm_year + 1900); break;
        case 'm': rc = buf_printf(&b, "%02d", tm.tm_mon + 1); break;
        case 'd': rc = buf_printf(&b, "%02d", tm.tm_mday); break;
        case 'b': rc = buf_printf(&b, "%.3s", mon[tm.tm_mon]); break;
        case 'B': rc = buf_puts(&b, mon[tm.tm_mon]); break;
        case 'H': rc = buf_printf(&b, "%02d", tm.tm_hour); break;
        case 'M': rc = buf_printf(&b, "%02d", tm.tm_min); break;
        default: rc = buf_putc(&b, '%');
        }
    }
    if (rc) {
        buf_free(&b);
        return r->oom = true, NULL;
    }
    struct jv *o = jv_str(r, b.data ? b.data : "", b.len);
    buf_free(&b);
    return o;
}

struct jv *jcall_global(struct jrt *r, struct jv *fn, struct jv *args)
{
    switch (fn->fn) {
    case JF_NAMESPACE:
        return namespace_fn(r, args);
    case JF_RAISE: {
        struct buf b;
        buf_init(&b, 4096);
        for (size_t i = 0; i < args->n; i++) {
            if (i)
                buf_putc(&b, ',');
            jv_print(&b, args->items[i]);
        }
        jerr(r, "%s", b.data ? b.data : "");
        buf_free(&b);
        return NULL;
    }
    case JF_RANGE: {
        const size_t np = npos(args);
        for (size_t i = 0; i < np; i++)
            if (args->items[i]->kind != JV_INT)
                return jerr(r, "range() arguments must be integers");
        /* in doubles, as the oracle's loop (NaN and Infinity included) */
        double start = 0, stop, stp = 1;
        if (np == 1)
            stop = jv_num(args->items[0]);
        else if (np >= 2)
            start = jv_num(args->items[0]), stop = jv_num(args->items[1]);
        else
            return jerr(r, "range() needs an argument");
        if (np >= 3)
            stp = jv_num(args->items[2]);
        if (stp == 0)
            return jerr(r, "range() step must not be zero");
        struct jv *a = jv_new(r, JV_ARRAY);
        for (double i = start; a && (stp > 0 ? i < stop : i > stop); i += stp) {
            if (a->n > 1000000)
                return jerr(r, "range() too long");
            if (!jv_push(r, a, jv_intd(r, i)))
                return NULL;
        }
        return a;
    }
    case JF_STRFTIME:
        return strftime_fn(r, args);
    default:
        return jerr(r, "Unknown function");
    }
}

/* ---------------------------------------------------------------- tests */

int jtest(struct jrt *r, const char *name, struct jv *x, struct jv *arg)
{
    const int k = x->kind;
    if (!strcmp(name, "boolean")) return k == JV_BOOL;
    if (!strcmp(name, "callable")) return k == JV_FUNC;
    if (!strcmp(name, "odd") || !strcmp(name, "even")) {
        if (k != JV_INT) {
            jerr(r, "cannot %s on %s", name, jv_type(x));
            return -1;
        }
        /* value % 2 !== 0: NaN and Infinity are odd and not even */
        const bool odd = x->big ? !(fmod(x->f, 2) == 0) : x->i % 2 != 0;
        return odd == (name[0] == 'o');
    }
    if (!strcmp(name, "false")) return k == JV_BOOL && !x->b;
    if (!strcmp(name, "true")) return k == JV_BOOL && x->b;
    if (!strcmp(name, "none")) return k == JV_NONE;
    if (!strcmp(name, "string")) return k == JV_STR;
    if (!strcmp(name, "number")) return k == JV_INT || k == JV_FLOAT;
    if (!strcmp(name, "integer")) return k == JV_INT;
    if (!strcmp(name, "iterable")) return k == JV_ARRAY || k == JV_STR;
    if (!strcmp(name, "mapping")) return k == JV_OBJECT;
    if (!strcmp(name, "sequence")) return k == JV_ARRAY || k == JV_OBJECT || k == JV_STR;
    if (!strcmp(name, "lower") || !strcmp(name, "upper")) {
        if (k != JV_STR)
            return 0;
        for (size_t i = 0; i < x->len; i++)
            if (name[0] == 'l' ? isupper((unsigned char)x->s[i]) : islower((unsigned char)x->s[i]))
                return 0;
        return 1;
    }
    if (!strcmp(name, "defined")) return k != JV_UNDEF;
    if (!strcmp(name, "undefined")) return k == JV_UNDEF;
    if (!strcmp(name, "equalto") || !strcmp(name, "eq"))
        return arg ? jv_strict_eq(x, arg) && (x->kind <= JV_STR || x == arg) : k == JV_UNDEF;
    jerr(r, "Unknown test: %s", name);
    return -1;
}

/* ---------------------------------------------------------------- filters */

static struct jv *attr_path(struct jrt *r, struct jv *item, const char *path)
{
    struct jv *v = item;
    const char *p = path;
    while (v) {
        const char *dot = strchr(p, '.');
        const size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (v->kind == JV_OBJECT || v->kind == JV_NS) {
            struct jv *x = jv_get(v, p, n);
            v = x ? x : jv_new(r, JV_UNDEF);
        } else if (v->kind == JV_ARRAY) {
            char *end;
            const long i = strtol(p, &end, 10);
            v = end != p && i >= 0 && (size_t)i < v->n ? v->items[i] : jv_new(r, JV_UNDEF);
        } else {
            return jv_new(r, JV_UNDEF);
        }
        if (!dot)
            break;
        p = dot + 1;
    }
    return v;
}

static struct jv *tojson(struct jrt *r, struct jv *x, struct jv *kw)
{
    struct jv_json_opts o = {0};
    struct jv *ind = kw ? jv_get(kw, "indent", 6) : NULL, *asc = kw ? jv_get(kw, "ensure_ascii", 12) : NULL,
              *sk = kw ? jv_get(kw, "sort_keys", 9) : NULL, *sep = kw ? jv_get(kw, "separators", 10) : NULL;
    if (ind && ind->kind != JV_INT && ind->kind != JV_NONE)
        return jerr(r, "If set, indent must be a number");
    if ((asc && asc->kind != JV_BOOL) || (sk && sk->kind != JV_BOOL))
        return jerr(r, "If set, ensure_ascii and sort_keys must be booleans");
    if (sep && sep->kind != JV_NONE) {
        if (sep->kind != JV_ARRAY || sep->n != 2 || sep->items[0]->kind != JV_STR ||
            sep->items[1]->kind != JV_STR)
            return jerr(r, "separators must be a tuple of two strings");
        o.item_sep = sep->items[0]->s;
        o.key_sep = sep->items[1]->s;
    }
    /* indent ? " ".repeat(indent) : "", done for a list or dict only */
    const double iw = ind && ind->kind == JV_INT ? jv_num(ind) : 0;
    if (iw != 0 && !isnan(iw) && (x->kind == JV_ARRAY || x->kind == JV_OBJECT || x->kind == JV_NS)) {
        char num[64];
        jv_js_number(iw, num, sizeof(num));
        if (iw < 0 || isinf(iw))
            return jerr(r, "Invalid count value: %s", num);
        if (iw > (double)r->out->max || iw > INT_MAX)
            return r->oom = true, NULL;
        o.indent = (int)iw;
    }
    o.ascii = asc && asc->b;
    o.sort_keys = sk && sk->b;
    struct buf b;
    buf_init(&b, r->out->max);
    const int rc = jv_json(&b, x, &o, 0, true);
    struct jv *s = rc ? NULL : jv_str(r, b.data ? b.data : "", b.len);
    buf_free(&b);
    return jprinted(r, rc) ? s : NULL;
}

static struct jv *join(struct jrt *r, struct jv *x, const char *sep, size_t seplen)
{
    struct buf b;
    buf_init(&b, r->out->max);
    int rc = 0;
    if (x->kind == JV_STR) { /* Array.from(string) */
        for (size_t i = 0; i < x->len && !rc; i++) {
            if (i && ((unsigned char)x->s[i] & 0xC0) != 0x80)
                rc = buf_append(&b, sep, seplen);
            rc = rc ? rc : buf_putc(&b, x->s[i]);
        }
    } else {
        for (size_t i = 0; i < x->n && !rc; i++) { /* JS Array.join of the raw values */
            const struct jv *e = x->items[i];
            if (i)
                rc = buf_append(&b, sep, seplen);
            if (!rc && e->kind != JV_NONE && e->kind != JV_UNDEF) /* null and undefined: "" */
                rc = jv_js_string(&b, e);
        }
    }
    struct jv *s = rc ? NULL : jv_str(r, b.data ? b.data : "", b.len);
    buf_free(&b);
    return jprinted(r, rc) ? s : NULL;
}

/* " ".repeat(width) before the lines: a negative or infinite width is
 * JavaScript's RangeError, NaN is 0; one wider than the output cannot fit. */
static struct jv *indent(struct jrt *r, struct jv *x, const struct jv *w, bool first, bool blank)
{
    const double wd = w ? jv_num(w) : 4;
    if (wd < 0 || isinf(wd)) {
        char num[64];
        jv_js_number(wd, num, sizeof(num));
        return jerr(r, "Invalid count value: %s", num);
    }
    if (wd > (double)r->out->max)
        return r->oom = true, NULL;
    const size_t width = isnan(wd) ? 0 : (size_t)wd;
    struct buf b;
    buf_init(&b, r->out->max);
    size_t line = 0, start = 0;
    int rc = 0;
    for (size_t i = 0; i <= x->len && !rc; i++) {
        if (i < x->len && x->s[i] != '\n')
            continue;
        const size_t n = i - start;
        if (line)
            rc = buf_putc(&b, '\n');
        if (!((!first && line == 0) || (!blank && n == 0)))
            for (size_t k = 0; k < width && !rc; k++)
                rc = buf_putc(&b, ' ');
        rc = rc ? rc : buf_append(&b, x->s + start, n);
        start = i + 1;
        line++;
    }
    struct jv *s = rc ? NULL : jv_str(r, b.data ? b.data : "", b.len);
    buf_free(&b);
    if (rc)
        r->oom = true;
    return s;
}

static struct jv *filter_plain(struct jrt *r, struct jv *x, const char *f)
{
    if (!strcmp(f, "safe"))
        return x;
    if (!strcmp(f, "tojson"))
        return tojson(r, x, NULL);
    if (x->kind == JV_ARRAY) {
        if (!strcmp(f, "list")) return x;
        if (!strcmp(f, "first")) return x->n ? x->items[0] : jv_new(r, JV_UNDEF);
        if (!strcmp(f, "last")) return x->n ? x->items[x->n - 1] : jv_new(r, JV_UNDEF);
        if (!strcmp(f, "length")) return jv_int(r, (int64_t)x->n);
        if (!strcmp(f, "reverse")) {
            struct jv *o = jv_new(r, JV_ARRAY);
            for (size_t i = x->n; o && i > 0; i--)
                jv_push(r, o, x->items[i - 1]);
            return o;
        }
        if (!strcmp(f, "sort")) {
            struct jv *o = copy_array(r, x);
            struct sort_ctx c = {r, false, false, -1, NULL};
            return o && !sort_items(&c, o->items, o->n) ? o : NULL;
        }
        if (!strcmp(f, "join")) return join(r, x, "", 0);
        if (!strcmp(f, "string")) {
            struct buf b;
            buf_init(&b, r->out->max);
            const struct jv_json_opts o = {0};
            const int rc = jv_json(&b, x, &o, 0, false); /* never a partial text */
            struct jv *s = rc ? NULL : jv_str(r, b.data ? b.data : "", b.len);
            buf_free(&b);
            return jprinted(r, rc) ? s : NULL;
        }
        if (!strcmp(f, "unique")) {
            struct jv *o = jv_new(r, JV_ARRAY);
            for (size_t i = 0; o && i < x->n; i++) {
                bool seen = false;
                for (size_t j = 0; j < o->n && !seen; j++)
                    seen = jv_strict_eq(o->items[j], x->items[i]) &&
                           (x->items[i]->kind <= JV_STR || o->items[j] == x->items[i]);
                if (!seen)
                    jv_push(r, o, x->items[i]);
            }
            return o;
        }
        return jerr(r, "Unknown ArrayValue filter: %s", f);
    }
    if (x->kind == JV_STR) {
        if (!strcmp(f, "length")) return jv_int(r, (int64_t)utf16_len(x->s, x->len));
        if (!strcmp(f, "upper")) return str_case(r, x, 0);
        if (!strcmp(f, "lower")) return str_case(r, x, 1);
        if (!strcmp(f, "title")) return str_case(r, x, 2);
        if (!strcmp(f, "capitalize")) return str_case(r, x, 3);
        if (!strcmp(f, "trim")) return str_trim(r, x, true, true);
        if (!strcmp(f, "indent")) return indent(r, x, NULL, false, false);
        if (!strcmp(f, "join") || !strcmp(f, "string")) return x;
        if (!strcmp(f, "int") || !strcmp(f, "float")) { /* isNaN(val) ? 0 : val */
            const double v = f[0] == 'i' ? js_parse_int(x->s) : js_parse_float(x->s);
            return f[0] == 'i' ? jv_intd(r, isnan(v) ? 0 : v) : jv_float(r, isnan(v) ? 0 : v);
        }
        return jerr(r, "Unknown StringValue filter: %s", f);
    }
    if (x->kind == JV_INT || x->kind == JV_FLOAT) {
        if (!strcmp(f, "abs")) return x->kind == JV_INT ? jv_intd(r, fabs(jv_num(x))) : jv_float(r, fabs(x->f));
        if (!strcmp(f, "int")) return x->kind == JV_INT ? x : jv_intd(r, floor(x->f)); /* Math.floor */
        if (!strcmp(f, "float")) return jv_float(r, numv(x));
        if (!strcmp(f, "string")) {
            struct buf b;
            buf_init(&b, 128);
            jv_print(&b, x);
            struct jv *s = jv_str(r, b.data ? b.data : "", b.len);
            buf_free(&b);
            return s;
        }
        return jerr(r, "Unknown NumericValue filter: %s", f);
    }
    if (x->kind == JV_OBJECT) {
        if (!strcmp(f, "items")) return pairs(r, x, 0);
        if (!strcmp(f, "length")) return jv_int(r, (int64_t)x->n);
        if (!strcmp(f, "keys")) return pairs(r, x, 1);
        if (!strcmp(f, "values")) return pairs(r, x, 2);
        if (!strcmp(f, "dictsort")) {
            struct jv *none = jv_new(r, JV_ARRAY);
            return none ? dictsort(r, x, none) : NULL;
        }
        return jerr(r, "Unknown ObjectValue filter: %s", f);
    }
    if (x->kind == JV_BOOL) {
        if (!strcmp(f, "bool")) return jv_bool(r, x->b);
        if (!strcmp(f, "int")) return jv_int(r, x->b);
        if (!strcmp(f, "float")) return jv_float(r, x->b);
        if (!strcmp(f, "string")) return jv_cstr(r, x->b ? "true" : "false");
        return jerr(r, "Unknown BooleanValue filter: %s", f);
    }
    return jerr(r, "Cannot apply filter \"%s\" to type: %s", f, jv_type(x));
}

static struct jv *select_attr(struct jrt *r, struct jv *x, const char *f, const struct jlist *args,
                              struct jenv *e)
{
    const bool select = !strcmp(f, "selectattr");
    for (size_t i = 0; i < x->n; i++)
        if (x->items[i]->kind != JV_OBJECT && x->items[i]->kind != JV_NS)
            return jerr(r, "`%s` can only be applied to array of objects", f);
    for (size_t i = 0; i < args->n; i++)
        if (args->v[i]->type != JN_STR)
            return jerr(r, "arguments of `%s` must be strings", f);
    struct jv *attr = args->n > 0 ? jeval(r, args->v[0], e) : NULL;
    struct jv *test = args->n > 1 ? jeval(r, args->v[1], e) : NULL;
    struct jv *val = args->n > 2 ? jeval(r, args->v[2], e) : NULL;
    if (!attr)
        return jerr(r, "`%s` needs an attribute", f);
    if (test) {
        struct jv probe = {.kind = JV_UNDEF};
        if (jtest(r, test->s, &probe, val) < 0)
            return NULL;
    }
    struct jv *o = jv_new(r, JV_ARRAY);
    for (size_t i = 0; o && i < x->n; i++) {
        struct jv *a = jv_get(x->items[i], attr->s, attr->len);
        int res = 0;
        if (a && a->kind != JV_UNDEF) /* JS: `a ? test(a) : false` on the RuntimeValue object */
            res = test ? jtest(r, test->s, a, val) : jv_truth(a);
        if (res < 0)
            return NULL;
        if ((bool)res == select && !jv_push(r, o, x->items[i]))
            return NULL;
    }
    return o;
}

struct jv *jfilter_named(struct jrt *r, struct jv *x, const char *f, const struct jlist *args,
                         bool called, struct jenv *e)
{
    if (!called)
        return filter_plain(r, x, f);
    if (!strcmp(f, "selectattr") || !strcmp(f, "rejectattr")) {
        if (x->kind != JV_ARRAY)
            return jerr(r, "Cannot apply filter \"%s\" to type: %s", f, jv_type(x));
        return select_attr(r, x, f, args, e);
    }
    struct jv *pos, *kw;
    if (!jeval_args(r, args, e, &pos, &kw))
        return NULL;
    if (!strcmp(f, "tojson"))
        return tojson(r, x, kw);
    if (!strcmp(f, "join")) {
        if (x->kind != JV_STR && x->kind != JV_ARRAY)
            return jerr(r, "Cannot apply filter \"join\" to type: %s", jv_type(x));
        struct jv *sep = pos->n ? pos->items[0] : jv_get(kw, "separator", 9);
        if (sep && sep->kind != JV_STR)
            return jerr(r, "separator must be a string");
        return join(r, x, sep ? sep->s : "", sep ? sep->len : 0);
    }
    if (!strcmp(f, "int") || !strcmp(f, "float")) {
        struct jv *dflt = pos->n ? pos->items[0] : jv_get(kw, "default", 7);
        if (x->kind == JV_STR) { /* parseInt(s, 10) / parseFloat(s); NaN: the default */
            const double v = f[0] == 'i' ? js_parse_int(x->s) : js_parse_float(x->s);
            if (isnan(v))
                return dflt ? dflt : f[0] == 'i' ? jv_int(r, 0) : jv_float(r, 0);
            return f[0] == 'i' ? jv_intd(r, v) : jv_float(r, v);
        }
        if (x->kind == JV_INT || x->kind == JV_FLOAT)
            return x;
        if (x->kind == JV_BOOL)
            return f[0] == 'i' ? jv_int(r, x->b) : jv_float(r, x->b);
        return jerr(r, "Cannot apply filter \"%s\" to type: %s", f, jv_type(x));
    }
    if (!strcmp(f, "default") || !strcmp(f, "d")) {
        if (!strcmp(f, "d"))
            return jerr(r, "Cannot apply filter \"d\" to type: %s", jv_type(x));
        struct jv *dflt = pos->n ? pos->items[0] : NULL;
        struct jv *boolean = pos->n > 1 ? pos->items[1] : jv_get(kw, "boolean", 7);
        if (boolean && boolean->kind != JV_BOOL)
            return jerr(r, "`default` filter flag must be a boolean");
        if (x->kind == JV_UNDEF || (boolean && boolean->b && !jv_truth(x)))
            return dflt ? dflt : jv_cstr(r, "");
        return x;
    }
    if (x->kind == JV_ARRAY) {
        if (!strcmp(f, "sort")) {
            struct jv *rev = pos->n ? pos->items[0] : jv_get(kw, "reverse", 7);
            struct jv *cs = pos->n > 1 ? pos->items[1] : jv_get(kw, "case_sensitive", 14);
            struct jv *at = pos->n > 2 ? pos->items[2] : jv_get(kw, "attribute", 9);
            if ((rev && rev->kind != JV_BOOL) || (cs && cs->kind != JV_BOOL))
                return jerr(r, "reverse and case_sensitive must be booleans");
            char num[64];
            const char *path = NULL;
            if (at && at->kind == JV_INT) /* String(value) */
                jv_js_number(jv_num(at), num, sizeof(num)), path = num;
            else if (at && at->kind == JV_STR)
                path = at->s;
            else if (at && at->kind != JV_NONE)
                return jerr(r, "attribute must be a string, integer, or null");
            struct jv *o = copy_array(r, x);
            struct sort_ctx c = {r, cs && cs->b, rev && rev->b, -1, path};
            return o && !sort_items(&c, o->items, o->n) ? o : NULL;
        }
        if (!strcmp(f, "map")) {
            struct jv *at = jv_get(kw, "attribute", 9);
            if (!at)
                return jerr(r, "`map` expressions without `attribute` set are not currently supported.");
            if (at->kind != JV_STR)
                return jerr(r, "attribute must be a string");
            struct jv *dflt = jv_get(kw, "default", 7);
            struct jv *o = jv_new(r, JV_ARRAY);
            for (size_t i = 0; o && i < x->n; i++) {
                if (x->items[i]->kind != JV_OBJECT && x->items[i]->kind != JV_NS)
                    return jerr(r, "items in map must be an object");
                struct jv *v = attr_path(r, x->items[i], at->s);
                if (!v || !jv_push(r, o, v->kind == JV_UNDEF && dflt ? dflt : v))
                    return NULL;
            }
            return o;
        }
        return jerr(r, "Unknown ArrayValue filter: %s", f);
    }
    if (x->kind == JV_STR) {
        if (!strcmp(f, "indent")) {
            struct jv *w = pos->n ? pos->items[0] : jv_get(kw, "width", 5);
            struct jv *first = pos->n > 1 ? pos->items[1] : jv_get(kw, "first", 5);
            struct jv *blank = pos->n > 2 ? pos->items[2] : jv_get(kw, "blank", 5);
            if (w && w->kind != JV_INT)
                return jerr(r, "width must be a number");
            return indent(r, x, w, first && jv_truth(first), blank && jv_truth(blank));
        }
        if (!strcmp(f, "replace")) {
            if (!jv_push(r, pos, kw))
                return NULL;
            return str_replace(r, x, pos);
        }
        return jerr(r, "Unknown StringValue filter: %s", f);
    }
    if (x->kind == JV_OBJECT && !strcmp(f, "dictsort")) {
        if (kw->n && !jv_push(r, pos, kw))
            return NULL;
        return dictsort(r, x, pos);
    }
    if (x->kind == JV_OBJECT)
        return jerr(r, "Unknown ObjectValue filter: %s", f);
    return jerr(r, "Cannot apply filter \"%s\" to type: %s", f, jv_type(x));
}

struct jv *jfilter(struct jrt *r, struct jv *x, const struct jnode *f, struct jenv *e)
{
    return jfilter_named(r, x, f->s, &f->args, f->args.n > 0 || f->flag, e);
}
