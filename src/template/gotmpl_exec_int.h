/* gotmpl_exec_int.h — the execution state shared by gotmpl_exec.c (walking
 * the tree) and gotmpl_funcs.c (the builtins and Ollama's functions). */
#ifndef COLA_TEMPLATE_GOTMPL_EXEC_INT_H
#define COLA_TEMPLATE_GOTMPL_EXEC_INT_H

#include <setjmp.h>

#include "template/gotmpl_int.h"

struct gt_var {
    const char *name;
    const struct tv *val;
};

struct gt_exec {
    const struct gotmpl *t;
    const char *name;          /* the definition being executed */
    struct tv_arena scratch;   /* values made while executing */
    struct buf *out;
    struct gt_var *vars;       /* malloc'ed stack */
    size_t nvars, cap, frame;  /* frame: first variable of the current call */
    unsigned long steps, max_steps;
    int depth;
    time_t now;
    const struct gt_node *at;  /* node for error context */
    const struct gt_cmd *at_cmd; /* a function call's command, when set */
    struct cola_err *err;
    int rc;
    jmp_buf jb;
};

/* Stop execution with Go's message for the current node. */
_Noreturn void gx_errorf(struct gt_exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Stop with a specific code (COLA_ENOMEM, COLA_ERANGE). */
_Noreturn void gx_fail(struct gt_exec *x, int rc, const char *msg);
/* Scratch constructors that never return NULL (they stop on ENOMEM). */
struct tv *gx_str(struct gt_exec *x, const char *s, size_t n);
struct tv *gx_int(struct gt_exec *x, int64_t i);
struct tv *gx_bool(struct gt_exec *x, bool b);
extern const struct tv gx_nil;

/* A function call: name, its already evaluated arguments (for and/or the
 * nodes are evaluated lazily through eval). */
typedef const struct tv *(*gx_eval_fn)(struct gt_exec *x, const struct tv *dot, const struct gt_node *n);
const struct tv *gx_call(struct gt_exec *x, const struct tv *dot, const struct gt_cmd *cmd, const char *name,
                         struct gt_node *const *args, size_t nargs, const struct tv *final,
                         gx_eval_fn eval);

#endif
