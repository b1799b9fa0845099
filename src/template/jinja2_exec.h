/* jinja2_exec.h — the evaluator's internal interface (jinja2_exec.c,
 * jinja2_stmt.c, jinja2_builtins.c). Functions returning struct jv *
 * return NULL on an error, with the error in r->err (or r->oom). */
#ifndef COLA_TEMPLATE_JINJA2_EXEC_H
#define COLA_TEMPLATE_JINJA2_EXEC_H

#include "template/jinja2_val.h"

struct jv *jerr(struct jrt *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct jenv *jenv_new(struct jrt *r, struct jenv *parent);
struct jv *jenv_lookup(struct jrt *r, struct jenv *e, const char *name, size_t len);
bool jenv_set(struct jrt *r, struct jenv *e, const char *name, struct jv *v);
struct jv *jeval(struct jrt *r, const struct jnode *n, struct jenv *e);
bool jeval_args(struct jrt *r, const struct jlist *args, struct jenv *e, struct jv **pos,
                struct jv **kw);
bool jv_strict_eq(const struct jv *a, const struct jv *b);
/* What `~`, `+` with a string and `join` make of a value: JavaScript's
 * value.toString() on the oracle's raw value — a dict (a JS Map) is
 * "[object Map]", a list its elements joined by "," (each as the oracle's
 * toString: none "undefined", floats "1.0", lists and dicts as JSON), a
 * float 1.0 is "1". Codes as jv_print. */
int jv_js_string(struct buf *b, const struct jv *v);
/* rc from jv_print/jv_json/jv_js_string onto the render: true for 0; else
 * the error set (the depth limit as COLA_ERANGE naming it, a function as
 * the oracle's "Cannot convert to JSON", the rest as out of memory). */
bool jprinted(struct jrt *r, int rc);
/* Call fn with positional args (a trailing kwargs object included). */
struct jv *jcall(struct jrt *r, struct jv *fn, struct jv *args, struct jenv *e);
/* Run statements, appending to out. 0, JC_BREAK, JC_CONTINUE, or -1 (error). */
enum { JC_OK = 0, JC_BREAK = 1, JC_CONTINUE = 2, JC_ERR = -1 };
int jexec_block(struct jrt *r, const struct jlist *body, struct jenv *e, struct buf *out);
/* builtins */
struct jv *jbuiltin_member(struct jrt *r, struct jv *obj, const char *name);
struct jv *jfilter(struct jrt *r, struct jv *x, const struct jnode *f, struct jenv *e);
struct jv *jfilter_named(struct jrt *r, struct jv *x, const char *name, const struct jlist *args,
                         bool called, struct jenv *e);
/* 1, 0, or -1 (error: unknown test) */
int jtest(struct jrt *r, const char *name, struct jv *x, struct jv *arg);
struct jv *jcall_method(struct jrt *r, struct jv *fn, struct jv *args);
struct jv *jcall_global(struct jrt *r, struct jv *fn, struct jv *args);

#endif
