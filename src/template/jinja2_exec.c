/* jinja2_exec.c — evaluating the tree: expressions, statements, scopes,
 * macros, with @huggingface/jinja's semantics. Filters, tests and methods
 * are in jinja2_builtins.c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/jinja2_exec.h"

struct jv *jerr(struct jrt *r, const char *fmt, ...)
{
    if (!r->err->code) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        err_set(r->err, COLA_EFORMAT, "jinja: line %d: %s", r->line, msg);
    }
    return NULL;
}

static struct jv *undef(struct jrt *r) { return jv_new(r, JV_UNDEF); }

bool jprinted(struct jrt *r, int rc)
{
    switch (rc) {
    case 0: return true;
    case COLA_ERANGE:
        if (!r->err->code)
            err_set(r->err, COLA_ERANGE,
                    "jinja: line %d: a value nested deeper than %d lists and dicts cannot be printed",
                    r->line, JINJA2_MAX_VALUE_DEPTH);
        return false;
    case COLA_EFORMAT: jerr(r, "Cannot convert to JSON: FunctionValue"); return false;
    default: r->oom = true; return false;
    }
}

/* ---------------------------------------------------------------- scopes */

struct jenv *jenv_new(struct jrt *r, struct jenv *parent)
{
    struct jenv *e = tv_alloc(&r->arena, sizeof(*e));
    if (!e || !(e->vars = jv_new(r, JV_OBJECT))) {
        r->oom = true;
        return NULL;
    }
    e->parent = parent;
    return e;
}

struct jv *jenv_lookup(struct jrt *r, struct jenv *e, const char *name, size_t len)
{
    for (; e; e = e->parent) {
        struct jv *v = jv_get(e->vars, name, len);
        if (v)
            return v;
    }
    return undef(r);
}

bool jenv_set(struct jrt *r, struct jenv *e, const char *name, struct jv *v)
{
    return v && jv_set(r, e->vars, jv_cstr(r, name), v);
}

/* ---------------------------------------------------------------- expressions */

static bool step(struct jrt *r)
{
    if (++r->steps > r->max_steps) {
        if (!r->err->code)
            err_set(r->err, COLA_ERANGE, "jinja: line %d: the template ran more than %lu steps",
                    r->line, r->max_steps);
        return false;
    }
    return !r->oom && !r->err->code;
}

static struct jv *eval_list(struct jrt *r, const struct jlist *l, struct jenv *e, bool tuple)
{
    struct jv *a = jv_new(r, JV_ARRAY);
    if (!a)
        return NULL;
    a->tuple = tuple;
    for (size_t i = 0; i < l->n; i++)
        if (!jv_push(r, a, jeval(r, l->v[i], e)))
            return NULL;
    return a;
}

/* evaluateArguments: positional values, then keyword values (object). */
bool jeval_args(struct jrt *r, const struct jlist *args, struct jenv *e, struct jv **pos,
                struct jv **kw)
{
    *pos = jv_new(r, JV_ARRAY);
    *kw = jv_new(r, JV_OBJECT);
    if (!*pos || !*kw)
        return false;
    (*kw)->kwargs = true;
    for (size_t i = 0; i < args->n; i++)
        if (args->v[i]->type != JN_KWARG && !jv_push(r, *pos, jeval(r, args->v[i], e)))
            return false;
    for (size_t i = 0; i < args->n; i++) {
        const struct jnode *a = args->v[i];
        if (a->type != JN_KWARG)
            continue;
        if (jv_get(*kw, a->s, strlen(a->s))) {
            jerr(r, "Got multiple values for keyword argument '%s'", a->s);
            return false;
        }
        if (!jv_set(r, *kw, jv_cstr(r, a->s), jeval(r, a->a, e)))
            return false;
    }
    return true;
}

static bool js_loose_eq(const struct jv *a, const struct jv *b)
{
    const bool an = a->kind == JV_NONE || a->kind == JV_UNDEF,
               bn = b->kind == JV_NONE || b->kind == JV_UNDEF;
    if (an || bn)
        return an && bn;
    const bool anum = a->kind == JV_INT || a->kind == JV_FLOAT || a->kind == JV_BOOL,
               bnum = b->kind == JV_INT || b->kind == JV_FLOAT || b->kind == JV_BOOL;
    if (anum && bnum)
        return jv_num(a) == jv_num(b);
    if (a->kind == JV_STR && b->kind == JV_STR)
        return a->len == b->len && !memcmp(a->s, b->s, a->len);
    if ((a->kind == JV_STR && bnum) || (anum && b->kind == JV_STR)) {
        const struct jv *s = a->kind == JV_STR ? a : b, *n = a->kind == JV_STR ? b : a;
        char *end;
        const double x = s->len ? strtod(s->s, &end) : 0;
        if (s->len && *end)
            return false;
        return x == jv_num(n);
    }
    return a == b; /* objects, arrays and functions: the same reference */
}

bool jv_strict_eq(const struct jv *a, const struct jv *b)
{
    if ((a->kind == JV_INT || a->kind == JV_FLOAT) && (b->kind == JV_INT || b->kind == JV_FLOAT))
        return js_loose_eq(a, b);
    if (a->kind != b->kind)
        return false;
    if (a->kind == JV_NONE || a->kind == JV_UNDEF)
        return true;
    if (a->kind == JV_BOOL)
        return a->b == b->b;
    if (a->kind == JV_STR)
        return a->len == b->len && !memcmp(a->s, b->s, a->len);
    return a == b;
}

static struct jv *arith(struct jrt *r, const char *op, struct jv *l, struct jv *rt)
{
    const bool fl = l->kind == JV_FLOAT || rt->kind == JV_FLOAT;
    const double a = jv_num(l), b = jv_num(rt);
    double res;
    if (!strcmp(op, "+"))
        res = a + b;
    else if (!strcmp(op, "-"))
        res = a - b;
    else if (!strcmp(op, "*"))
        res = a * b;
    else if (!strcmp(op, "/"))
        return jv_float(r, a / b);
    else if (!strcmp(op, "//"))
        res = floor(a / b);
    else if (!strcmp(op, "%"))
        res = fmod(a, b);
    else if (!strcmp(op, "<"))
        return jv_bool(r, a < b);
    else if (!strcmp(op, ">"))
        return jv_bool(r, a > b);
    else if (!strcmp(op, "<="))
        return jv_bool(r, a <= b);
    else if (!strcmp(op, ">="))
        return jv_bool(r, a >= b);
    else
        return NULL;
    /* JavaScript numbers: an integer result past 2^53, Infinity (5 // 0) or
     * NaN (5 % 0) stays an IntegerValue printed as JavaScript prints it */
    return fl ? jv_float(r, res) : jv_intd(r, res);
}

static bool contains(const struct jv *hay, const struct jv *needle)
{
    for (size_t i = 0; i < hay->n; i++) /* Array.find(x => x.value === left.value) */
        if (jv_strict_eq(hay->items[i], needle) &&
            (needle->kind <= JV_STR || hay->items[i] == needle))
            return true;
    return false;
}

/* An element of an array as RuntimeValue.toString() gives it: strings and
 * numbers as text (floats as {{ }} prints them), none and undefined
 * "undefined" (the oracle's NullValue holds JavaScript's undefined), lists
 * and dicts as JSON. */
static int js_element(struct buf *b, const struct jv *v)
{
    switch (v->kind) {
    case JV_NONE:
    case JV_UNDEF: return buf_puts(b, "undefined");
    default: return jv_print(b, v);
    }
}

int jv_js_string(struct buf *b, const struct jv *v)
{
    char num[64];
    switch (v->kind) {
    case JV_FLOAT:
        if (isfinite(v->f) && v->f == floor(v->f) && fabs(v->f) < 1e21)
            return buf_printf(b, "%.0f", v->f == 0 ? 0.0 : v->f);  /* String(-0) is "0" */
        jv_js_number(v->f, num, sizeof(num));
        return buf_puts(b, num);
    case JV_OBJECT:
    case JV_NS: return buf_puts(b, "[object Map]");
    case JV_ARRAY:
        for (size_t i = 0; i < v->n; i++) {
            int rc = i ? buf_putc(b, ',') : 0;
            if (rc || (rc = js_element(b, v->items[i])))
                return rc;
        }
        return 0;
    default: return jv_print(b, v);
    }
}

static struct jv *concat_str(struct jrt *r, struct jv *l, struct jv *rt)
{
    struct buf b;
    buf_init(&b, r->out->max);
    int rc = jv_js_string(&b, l);
    if (!jprinted(r, rc ? rc : jv_js_string(&b, rt))) {
        buf_free(&b);
        return NULL;
    }
    struct jv *s = jv_str(r, b.data ? b.data : "", b.len);
    buf_free(&b);
    return s;
}

static struct jv *eval_binary(struct jrt *r, const struct jnode *n, struct jenv *e)
{
    struct jv *l = jeval(r, n->a, e);
    if (!l)
        return NULL;
    const char *op = n->s;
    if (!strcmp(op, "and"))
        return jv_truth(l) ? jeval(r, n->b, e) : l;
    if (!strcmp(op, "or"))
        return jv_truth(l) ? l : jeval(r, n->b, e);
    struct jv *rt = jeval(r, n->b, e);
    if (!rt)
        return NULL;
    if (!strcmp(op, "=="))
        return jv_bool(r, js_loose_eq(l, rt));
    if (!strcmp(op, "!="))
        return jv_bool(r, !js_loose_eq(l, rt));
    const bool in = !strcmp(op, "in"), notin = !strcmp(op, "not in");
    if (l->kind == JV_UNDEF || rt->kind == JV_UNDEF) {
        if (rt->kind == JV_UNDEF && (in || notin))
            return jv_bool(r, notin);
        return jerr(r, "Cannot perform operation %s on undefined values", op);
    }
    if (l->kind == JV_NONE || rt->kind == JV_NONE)
        return jerr(r, "Cannot perform operation on null values");
    if (!strcmp(op, "~"))
        return concat_str(r, l, rt);
    const bool lnum = l->kind == JV_INT || l->kind == JV_FLOAT, rnum = rt->kind == JV_INT || rt->kind == JV_FLOAT;
    if (!strcmp(op, "**") && (lnum || l->kind == JV_BOOL) && (rnum || rt->kind == JV_BOOL)) {
        const double a = jv_num(l), b = jv_num(rt), res = pow(a, b);
        if (a == 0 && b < 0)
            return jerr(r, "0.0 cannot be raised to a negative power");
        if (!isfinite(res))
            return jerr(r, "Exponentiation result is not a finite real number");
        if (l->kind == JV_FLOAT || rt->kind == JV_FLOAT || b < 0)
            return jv_float(r, res);
        return jv_intd(r, res);
    }
    if (lnum && rnum) {
        struct jv *x = arith(r, op, l, rt);
        if (x)
            return x;
    } else if (l->kind == JV_ARRAY && rt->kind == JV_ARRAY) {
        if (!strcmp(op, "+")) {
            struct jv *a = jv_new(r, JV_ARRAY);
            for (size_t i = 0; a && i < l->n; i++)
                jv_push(r, a, l->items[i]);
            for (size_t i = 0; a && i < rt->n; i++)
                jv_push(r, a, rt->items[i]);
            return a;
        }
    } else if (rt->kind == JV_ARRAY && (in || notin)) {
        const bool m = contains(rt, l);
        return jv_bool(r, in ? m : !m);
    }
    if ((l->kind == JV_STR || rt->kind == JV_STR) && !strcmp(op, "+"))
        return concat_str(r, l, rt);
    if (l->kind == JV_STR && rt->kind == JV_STR && (in || notin)) {
        const bool m = l->len == 0 || memmem(rt->s, rt->len, l->s, l->len) != NULL;
        return jv_bool(r, in ? m : !m);
    }
    if (l->kind == JV_STR && rt->kind == JV_OBJECT && (in || notin)) {
        const bool m = jv_get(rt, l->s, l->len) != NULL;
        return jv_bool(r, in ? m : !m);
    }
    return jerr(r, "Unknown operator \"%s\" between %s and %s", op, jv_type(l), jv_type(rt));
}

/* code points of a UTF-8 string (Array.from) */
static size_t cp_split(const char *s, size_t len, size_t *starts)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (starts)
                starts[n] = i;
            n++;
        }
    return n;
}

static void slice_bounds(int64_t len, const struct jv *a, const struct jv *b, int64_t step,
                         int64_t *start, int64_t *stop)
{
    /* jv_index keeps big values within +-2^62: len + x cannot overflow */
    const int64_t x = a->kind == JV_UNDEF ? 0 : jv_index(a), y = b->kind == JV_UNDEF ? 0 : jv_index(b);
    if (step >= 0) {
        *start = a->kind == JV_UNDEF ? 0 : x < 0 ? (len + x > 0 ? len + x : 0) : (x < len ? x : len);
        *stop = b->kind == JV_UNDEF ? len : y < 0 ? (len + y > 0 ? len + y : 0) : (y < len ? y : len);
    } else {
        *start = a->kind == JV_UNDEF ? len - 1 : x < 0 ? (len + x > -1 ? len + x : -1) : (x < len - 1 ? x : len - 1);
        *stop = b->kind == JV_UNDEF ? -1 : y < -1 ? (len + y > -1 ? len + y : -1) : (y < len - 1 ? y : len - 1);
    }
}

static struct jv *eval_slice(struct jrt *r, struct jv *obj, const struct jnode *s, struct jenv *e)
{
    if (obj->kind != JV_ARRAY && obj->kind != JV_STR)
        return jerr(r, "Slice object must be an array or string");
    struct jv *a = s->a ? jeval(r, s->a, e) : undef(r), *b = s->b ? jeval(r, s->b, e) : undef(r),
              *c = s->c ? jeval(r, s->c, e) : undef(r);
    if (!a || !b || !c)
        return NULL;
    if ((a->kind != JV_INT && a->kind != JV_UNDEF) || (b->kind != JV_INT && b->kind != JV_UNDEF) ||
        (c->kind != JV_INT && c->kind != JV_UNDEF))
        return jerr(r, "Slice start, stop and step must be numeric or undefined");
    if (c->kind == JV_INT && c->big && isnan(c->f))
        return obj->kind == JV_STR ? jv_str(r, "", 0) : jv_new(r, JV_ARRAY); /* sign(NaN): nothing */
    int64_t stp = c->kind == JV_UNDEF ? 1 : jv_index(c);
    if (stp == 0)
        return jerr(r, "slice step cannot be zero");
    size_t *starts = NULL;
    int64_t len = (int64_t)obj->n;
    if (obj->kind == JV_STR) {
        starts = malloc((obj->len + 1) * sizeof(*starts));
        if (!starts)
            return r->oom = true, NULL;
        len = (int64_t)cp_split(obj->s, obj->len, starts);
        starts[len] = obj->len;
    }
    int64_t start, stop;
    slice_bounds(len, a, b, stp, &start, &stop);
    if (stp > len + 1) /* a longer step takes the first item only: i += stp cannot overflow */
        stp = len + 1;
    else if (stp < -(len + 1))
        stp = -(len + 1);
    struct jv *out = obj->kind == JV_STR ? NULL : jv_new(r, JV_ARRAY);
    struct buf sb;
    buf_init(&sb, obj->len + 1);
    for (int64_t i = start; (stp > 0 ? i < stop : i > stop); i += stp) {
        if (obj->kind == JV_STR)
            buf_append(&sb, obj->s + starts[i], starts[i + 1] - starts[i]);
        else if (!out || !jv_push(r, out, obj->items[i]))
            break;
    }
    if (obj->kind == JV_STR)
        out = jv_str(r, sb.data ? sb.data : "", sb.len);
    buf_free(&sb);
    free(starts);
    return out;
}

static struct jv *member(struct jrt *r, struct jv *obj, struct jv *prop)
{
    if (obj->kind == JV_OBJECT || obj->kind == JV_NS) {
        if (prop->kind != JV_STR)
            return jerr(r, "Cannot access property with non-string: got %s", jv_type(prop));
        struct jv *v = jv_get(obj, prop->s, prop->len);
        if (v)
            return v;
        return obj->kind == JV_OBJECT ? jbuiltin_member(r, obj, prop->s) : undef(r);
    }
    if (obj->kind == JV_ARRAY || obj->kind == JV_STR) {
        if (prop->kind == JV_INT) {
            const int64_t pi = jv_index(prop); /* Array.at: NaN is 0, Infinity nothing */
            if (obj->kind == JV_ARRAY) {
                int64_t i = pi < 0 ? (int64_t)obj->n + pi : pi;
                return i >= 0 && i < (int64_t)obj->n ? obj->items[i] : undef(r);
            }
            size_t *starts = malloc((obj->len + 1) * sizeof(*starts));
            if (!starts)
                return r->oom = true, NULL;
            int64_t n = (int64_t)cp_split(obj->s, obj->len, starts);
            starts[n] = obj->len;
            int64_t i = pi < 0 ? n + pi : pi;
            struct jv *v = i >= 0 && i < n ? jv_str(r, obj->s + starts[i], starts[i + 1] - starts[i])
                                           : undef(r);
            free(starts);
            return v;
        }
        if (prop->kind == JV_STR)
            return jbuiltin_member(r, obj, prop->s);
        return jerr(r, "Cannot access property with non-string/non-number: got %s", jv_type(prop));
    }
    if (prop->kind != JV_STR)
        return jerr(r, "Cannot access property with non-string: got %s", jv_type(prop));
    return jbuiltin_member(r, obj, prop->s);
}

static struct jv *eval_member(struct jrt *r, const struct jnode *n, struct jenv *e)
{
    struct jv *obj = jeval(r, n->a, e);
    if (!obj)
        return NULL;
    struct jv *prop;
    if (n->flag) {
        if (n->b->type == JN_SLICE)
            return eval_slice(r, obj, n->b, e);
        prop = jeval(r, n->b, e);
    } else if (n->b->type == JN_INT) {
        prop = jv_intd(r, n->b->f);
    } else {
        prop = jv_cstr(r, n->b->s);
    }
    return prop ? member(r, obj, prop) : NULL;
}

static struct jv *eval_call(struct jrt *r, const struct jnode *n, struct jenv *e)
{
    struct jv *pos, *kw;
    if (!jeval_args(r, &n->args, e, &pos, &kw))
        return NULL;
    if (kw->n && !jv_push(r, pos, kw))
        return NULL;
    struct jv *fn = jeval(r, n->a, e);
    if (!fn)
        return NULL;
    if (fn->kind != JV_FUNC)
        return jerr(r, "Cannot call something that is not a function: got %s", jv_type(fn));
    return jcall(r, fn, pos, e);
}

struct jv *jeval(struct jrt *r, const struct jnode *n, struct jenv *e)
{
    if (!n)
        return undef(r);
    if (!step(r))
        return NULL;
    r->line = n->line;
    switch (n->type) {
    case JN_STR: return jv_str(r, n->s, n->len);
    case JN_INT: return jv_intd(r, n->f); /* Number(text), as the oracle reads it */
    case JN_FLOAT: return jv_float(r, n->f);
    case JN_NAME: return jenv_lookup(r, e, n->s, n->len);
    case JN_LIST: return eval_list(r, &n->args, e, false);
    case JN_TUPLE: return eval_list(r, &n->args, e, true);
    case JN_DICT: {
        struct jv *o = jv_new(r, JV_OBJECT);
        for (size_t i = 0; o && i + 1 < n->args.n; i += 2) {
            struct jv *k = jeval(r, n->args.v[i], e);
            if (!k)
                return NULL;
            if (k->kind != JV_STR)
                return jerr(r, "Object keys must be strings: got %s", jv_type(k));
            if (!jv_set(r, o, k, jeval(r, n->args.v[i + 1], e)))
                return NULL;
        }
        return o;
    }
    case JN_MEMBER: return eval_member(r, n, e);
    case JN_CALL: return eval_call(r, n, e);
    case JN_FILTER: {
        struct jv *x = jeval(r, n->a, e);
        return x ? jfilter(r, x, n, e) : NULL;
    }
    case JN_TEST: {
        struct jv *x = jeval(r, n->a, e);
        if (!x)
            return NULL;
        int t = jtest(r, n->s, x, NULL);
        return t < 0 ? NULL : jv_bool(r, n->flag ? !t : t);
    }
    case JN_BINARY: return eval_binary(r, n, e);
    case JN_UNARY: {
        struct jv *x = jeval(r, n->a, e);
        if (!x)
            return NULL;
        if (!strcmp(n->s, "not"))
            return jv_bool(r, !jv_truth(x));
        const double sign = !strcmp(n->s, "-") ? -1 : 1;
        if (x->kind == JV_FLOAT)
            return jv_float(r, sign * x->f);
        if (x->kind == JV_INT || x->kind == JV_BOOL) /* -0 included, as in JavaScript */
            return jv_intd(r, sign * jv_num(x));
        return jerr(r, "Unknown operator \"%s\" for %s", n->s, jv_type(x));
    }
    case JN_TERNARY: {
        struct jv *c = jeval(r, n->a, e);
        return c ? jeval(r, jv_truth(c) ? n->b : n->c, e) : NULL;
    }
    case JN_SELECT: {
        struct jv *c = jeval(r, n->b, e);
        return c ? (jv_truth(c) ? jeval(r, n->a, e) : undef(r)) : NULL;
    }
    default:
        return jerr(r, "Unknown expression");
    }
}
