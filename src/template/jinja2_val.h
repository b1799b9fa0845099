/* jinja2_val.h — Jinja runtime values and the render state (internal). */
#ifndef COLA_TEMPLATE_JINJA2_VAL_H
#define COLA_TEMPLATE_JINJA2_VAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "template/jinja2_int.h"
#include "util/buf.h"

enum jv_kind { JV_UNDEF, JV_NONE, JV_BOOL, JV_INT, JV_FLOAT, JV_STR, JV_ARRAY, JV_OBJECT, JV_NS, JV_FUNC };

enum jfn {  /* built-in functions and bound methods */
    JF_MACRO, JF_CALLER, JF_NAMESPACE, JF_RANGE, JF_RAISE, JF_STRFTIME, JF_METHOD,
};

struct jenv;

struct jv {
    uint8_t kind;
    bool tuple, kwargs;
    bool b;
    bool big;                   /* JV_INT: the value is f, not i (see jv_intd) */
    int64_t i;
    double f;
    const char *s;              /* JV_STR; JV_FUNC method: its name */
    size_t len;
    struct jv **items, **keys;  /* arrays; objects/namespaces (keys are JV_STR) */
    size_t n, cap;
    /* JV_FUNC */
    uint8_t fn;
    struct jv *self;            /* a bound method's object */
    const struct jnode *macro;  /* JF_MACRO / JF_CALLER */
    struct jenv *closure;       /* JF_CALLER: where the call block was */
};

struct jenv {
    struct jenv *parent;
    struct jv *vars;            /* a JV_OBJECT */
};

struct jrt {
    struct tv_arena arena;
    struct buf *out;
    unsigned long steps, max_steps;
    int depth;
    time_t now;
    bool oom;
    struct cola_err *err;
    int line;
};

struct jv *jv_new(struct jrt *r, enum jv_kind k);
struct jv *jv_str(struct jrt *r, const char *s, size_t len);
struct jv *jv_cstr(struct jrt *r, const char *s);
struct jv *jv_int(struct jrt *r, int64_t i);
struct jv *jv_float(struct jrt *r, double f);
/* The oracle's integers are JavaScript numbers. A JV_INT holds i when the
 * value is a safe integer (|v| <= 2^53, so int64 arithmetic on it and its
 * printing agree with JavaScript); anything else an integer operation makes
 * (2 ** 70, 5 // 0 = Infinity, 5 % 0 = NaN, -0) is kept as the double f with
 * big set, printed as JavaScript prints it. jv_int(i) and jv_intd(d) choose. */
#define JV_SAFE_INT 9007199254740992.0
struct jv *jv_intd(struct jrt *r, double d);
/* The number of a JV_INT, JV_FLOAT or JV_BOOL as a double (else 0). */
double jv_num(const struct jv *v);
/* A JV_INT as an index or count: i, or for a big value NaN as 0 and the
 * rest as +-2^62 (beyond every length, and no overflow adding one). */
int64_t jv_index(const struct jv *v);
struct jv *jv_bool(struct jrt *r, bool b);
bool jv_push(struct jrt *r, struct jv *arr, struct jv *x);
struct jv *jv_get(const struct jv *obj, const char *k, size_t klen);
bool jv_set(struct jrt *r, struct jv *obj, struct jv *key, struct jv *val);
bool jv_truth(const struct jv *v);
const char *jv_type(const struct jv *v);
void jv_js_number(double f, char *out, size_t cap);

struct jv_json_opts {
    int indent;
    bool ascii, sort_keys;
    const char *item_sep, *key_sep;
};
/* JSON of v (the oracle's toJSON) / v as {{ }} prints it, appended to b:
 * 0, COLA_ENOMEM (b's maximum or memory), COLA_ERANGE (nested deeper than
 * JINJA2_MAX_VALUE_DEPTH), COLA_EFORMAT (a function inside). On an error b
 * holds a partial text: never use it. */
int jv_json(struct buf *b, const struct jv *v, const struct jv_json_opts *o, int depth,
            bool undef_null);
int jv_print(struct buf *b, const struct jv *v);
struct jv *jv_from_json(struct jrt *r, const json_t *j, int depth);

#endif
