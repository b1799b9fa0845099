/* gotmpl_exec.c — executing a parsed Go template (text/template/exec.go's
 * walk, with Option("missingkey=zero")).
 *
 * Errors and the step limit unwind with longjmp, as Go's executor unwinds
 * with panic; all values made on the way live in the scratch arena and the
 * variable stack is freed by the function that called setjmp. */
#include "template/gotmpl_exec_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct tv gx_nil = {.kind = TV_NIL};

enum { CTL_NONE, CTL_BREAK, CTL_CONTINUE };

_Noreturn void gx_fail(struct gt_exec *x, int rc, const char *msg)
{
    err_set(x->err, rc, "%s", msg);
    x->rc = rc;
    longjmp(x->jb, 1);
}

_Noreturn void gx_errorf(struct gt_exec *x, const char *fmt, ...)
{
    char msg[COLA_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (x->at_cmd) {
        const struct gt_cmd *c = x->at_cmd;
        int line, col;
        gt_position(x->t->src, c->pos <= x->t->src_len ? c->pos : x->t->src_len, &line, &col);
        struct buf b;
        buf_init(&b, 200);
        for (size_t i = 0; i < c->n; i++) {
            if (i)
                buf_putc(&b, ' ');
            gotmpl_node_string(&b, c->args[i]);
        }
        err_set(x->err, COLA_EFORMAT, "template: :%d:%d: executing \"%s\" at <%s>: %s", line, col,
                x->name, b.data ? b.data : "", msg);
        buf_free(&b);
    } else if (!x->at) {
        err_set(x->err, COLA_EFORMAT, "template: %s: %s", x->name, msg);
    } else {
        int line, col;
        gt_position(x->t->src, x->at->pos <= x->t->src_len ? x->at->pos : x->t->src_len, &line, &col);
        struct buf b;
        buf_init(&b, 200);
        gotmpl_node_string(&b, x->at);
        err_set(x->err, COLA_EFORMAT, "template: :%d:%d: executing \"%s\" at <%s>: %s", line, col,
                x->name, b.data ? b.data : "", msg);
        buf_free(&b);
    }
    x->rc = COLA_EFORMAT;
    longjmp(x->jb, 1);
}

static struct tv *oom(struct gt_exec *x)
{
    gx_fail(x, COLA_ENOMEM, "template: out of memory while executing");
}

struct tv *gx_str(struct gt_exec *x, const char *s, size_t n)
{
    struct tv *v = tv_str(&x->scratch, s, n);
    return v ? v : oom(x);
}

struct tv *gx_int(struct gt_exec *x, int64_t i)
{
    struct tv *v = tv_int(&x->scratch, i);
    return v ? v : oom(x);
}

struct tv *gx_bool(struct gt_exec *x, bool b)
{
    struct tv *v = tv_bool(&x->scratch, b);
    return v ? v : oom(x);
}

static void step(struct gt_exec *x)
{
    if (++x->steps > x->max_steps) {
        char m[96];
        snprintf(m, sizeof(m), "template: execution stopped after %lu steps", x->max_steps);
        gx_fail(x, COLA_ERANGE, m);
    }
}

/* ---------------------------------------------------------------- variables */

static void var_push(struct gt_exec *x, const char *name, const struct tv *v)
{
    if (x->nvars == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 32;
        if (nc > (1u << 20))
            gx_fail(x, COLA_ERANGE, "template: too many variables");
        struct gt_var *a = realloc(x->vars, nc * sizeof(*a));
        if (!a)
            oom(x);
        x->vars = a;
        x->cap = nc;
    }
    x->vars[x->nvars].name = name;
    x->vars[x->nvars].val = v;
    x->nvars++;
}

static struct gt_var *var_find(struct gt_exec *x, const char *name)
{
    for (size_t i = x->nvars; i > x->frame; i--)
        if (!strcmp(x->vars[i - 1].name, name))
            return &x->vars[i - 1];
    return NULL;
}

static void var_set(struct gt_exec *x, const char *name, const struct tv *v)
{
    struct gt_var *g = var_find(x, name);
    if (!g)
        gx_errorf(x, "undefined variable: %s", name);
    g->val = v;
}

/* ---------------------------------------------------------------- evaluation */

static const struct tv *eval_pipeline(struct gt_exec *x, const struct tv *dot, const struct gt_pipe *p);
static const struct tv *eval_arg(struct gt_exec *x, const struct tv *dot, const struct gt_node *n);

static bool has_args(size_t nargs, const struct tv *final) { return nargs > 1 || final; }

static const struct tv *eval_field(struct gt_exec *x, const char *name, size_t nargs,
                                   const struct tv *final, const struct tv *recv)
{
    if (!recv)
        return NULL;
    if (recv->kind == TV_NIL) {
        if (recv->flags & TV_F_TYPED)
            gx_errorf(x, "nil pointer evaluating %s.%s", tv_type_name(recv), name);
        gx_errorf(x, "nil pointer evaluating interface {}.%s", name);
    }
    if (recv->kind == TV_STRUCT) {
        const struct tv *v = tv_get(recv, name, strlen(name));
        if (v) {
            if (has_args(nargs, final))
                gx_errorf(x, "%s has arguments but cannot be invoked as function", name);
            return v;
        }
    } else if (recv->kind == TV_MAP) {
        if (has_args(nargs, final))
            gx_errorf(x, "%s is not a method but has arguments", name);
        const struct tv *v = tv_get(recv, name, strlen(name));
        return v ? v : &gx_nil; /* missingkey=zero: the zero interface */
    }
    gx_errorf(x, "can't evaluate field %s in type %s", name, tv_type_name(recv));
}

static const struct tv *eval_chain(struct gt_exec *x, const char *const *idents, size_t n,
                                   size_t nargs, const struct tv *final, const struct tv *recv)
{
    for (size_t i = 0; i + 1 < n; i++)
        recv = eval_field(x, idents[i], 0, NULL, recv);
    return n ? eval_field(x, idents[n - 1], nargs, final, recv) : recv;
}

static const struct tv *eval_variable(struct gt_exec *x, const struct gt_node *n, size_t nargs,
                                      const struct tv *final)
{
    struct gt_var *g = var_find(x, n->u.field.idents[0]);
    if (!g)
        gx_errorf(x, "undefined variable: %s", n->u.field.idents[0]);
    if (n->u.field.n == 1) {
        if (has_args(nargs, final))
            gx_errorf(x, "can't give argument to non-function %s", n->u.field.idents[0]);
        return g->val;
    }
    return eval_chain(x, n->u.field.idents + 1, n->u.field.n - 1, nargs, final, g->val);
}

static const struct tv *literal(struct gt_exec *x, const struct tv *dot, const struct gt_node *n)
{
    switch (n->type) {
    case GT_DOT:
        return dot;
    case GT_NIL:
        return &gx_nil;
    case GT_BOOL:
        return gx_bool(x, n->u.b);
    case GT_STRING:
        return gx_str(x, n->u.str.s, n->u.str.len);
    case GT_NUMBER: {
        const char *t = n->u.num.text;
        bool hex = (t[0] == '0' || t[1] == '0') && strpbrk(t, "xX");
        bool as_float = n->u.num.is_float && t[0] != '\'' && !hex && strpbrk(t, ".eEpP");
        if (as_float || !n->u.num.is_int) {
            struct tv *v = tv_float(&x->scratch, n->u.num.f);
            return v ? v : oom(x);
        }
        return gx_int(x, n->u.num.i);
    }
    }
    return NULL;
}

static const struct tv *eval_command(struct gt_exec *x, const struct tv *dot, const struct gt_cmd *c,
                                     const struct tv *final)
{
    const struct gt_node *first = c->args[0];
    x->at = first;
    x->at_cmd = NULL;
    switch (first->type) {
    case GT_FIELD:
        return eval_chain(x, first->u.field.idents, first->u.field.n, c->n, final, dot);
    case GT_VAR:
        return eval_variable(x, first, c->n, final);
    case GT_CHAIN: {
        const struct tv *v = eval_arg(x, dot, first->u.field.node);
        x->at = first;
        return eval_chain(x, first->u.field.idents, first->u.field.n, c->n, final, v);
    }
    case GT_IDENT:
        return gx_call(x, dot, c, first->u.ident, c->args + 1, c->n - 1, final, eval_arg);
    default:
        break;
    }
    if (has_args(c->n, final)) {
        struct buf b;
        buf_init(&b, 200);
        gotmpl_node_string(&b, first);
        char s[220];
        snprintf(s, sizeof(s), "%s", b.data ? b.data : "");
        buf_free(&b);
        gx_errorf(x, "can't give argument to non-function %s", s);
    }
    if (first->type == GT_PIPE)
        return eval_pipeline(x, dot, first->u.pipe);
    return literal(x, dot, first);
}

static const struct tv *eval_arg(struct gt_exec *x, const struct tv *dot, const struct gt_node *n)
{
    x->at = n;
    x->at_cmd = NULL;
    switch (n->type) {
    case GT_FIELD:
        return eval_chain(x, n->u.field.idents, n->u.field.n, 1, NULL, dot);
    case GT_VAR:
        return eval_variable(x, n, 1, NULL);
    case GT_PIPE:
        return eval_pipeline(x, dot, n->u.pipe);
    case GT_IDENT:
        return gx_call(x, dot, NULL, n->u.ident, NULL, 0, NULL, eval_arg);
    case GT_CHAIN: {
        const struct tv *v = eval_arg(x, dot, n->u.field.node);
        x->at = n;
        return eval_chain(x, n->u.field.idents, n->u.field.n, 1, NULL, v);
    }
    default:
        return literal(x, dot, n);
    }
}

static const struct tv *eval_pipeline(struct gt_exec *x, const struct tv *dot, const struct gt_pipe *p)
{
    const struct tv *v = NULL;
    for (size_t i = 0; i < p->n; i++) {
        step(x);
        v = eval_command(x, dot, p->cmds[i], v);
    }
    for (size_t i = 0; i < p->ndecl; i++) {
        if (p->is_assign)
            var_set(x, p->decl[i], v);
        else
            var_push(x, p->decl[i], v);
    }
    return v;
}

/* ---------------------------------------------------------------- walking */

static int walk(struct gt_exec *x, const struct tv *dot, const struct gt_node *n);

static int walk_list(struct gt_exec *x, const struct tv *dot, const struct gt_node *list)
{
    for (size_t i = 0; list && i < list->u.list.n; i++) {
        int ctl = walk(x, dot, list->u.list.nodes[i]);
        if (ctl)
            return ctl;
    }
    return CTL_NONE;
}

static void print_value(struct gt_exec *x, const struct gt_node *at, const struct tv *v)
{
    x->at = at;
    x->at_cmd = NULL;
    int rc;
    if (!v || (v->kind == TV_NIL && !(v->flags & TV_F_TYPED) && v->fmt == TV_FMT_GO))
        rc = buf_puts(x->out, "<no value>");
    else
        rc = tv_print(x->out, v);
    if (rc == COLA_ENOMEM)
        gx_fail(x, COLA_ENOMEM, "template: output larger than its limit");
    if (rc)
        gx_errorf(x, "can't print value: nesting too deep");
}

static int walk_if_with(struct gt_exec *x, const struct tv *dot, const struct gt_node *n)
{
    size_t mark = x->nvars;
    const struct tv *v = eval_pipeline(x, dot, n->u.branch.pipe);
    int ctl = CTL_NONE;
    if (tv_truth(v))
        ctl = walk_list(x, n->type == GT_WITH ? v : dot, n->u.branch.list);
    else if (n->u.branch.else_list)
        ctl = walk_list(x, dot, n->u.branch.else_list);
    x->nvars = mark;
    return ctl;
}

/* One iteration; returns CTL_BREAK to stop the loop. */
static int range_iter(struct gt_exec *x, const struct gt_node *r, const struct tv *idx, const struct tv *elem)
{
    step(x);
    const struct gt_pipe *p = r->u.branch.pipe;
    if (p->ndecl) {
        if (p->is_assign) {
            if (p->ndecl > 1) {
                var_set(x, p->decl[0], idx);
                var_set(x, p->decl[1], elem);
            } else {
                var_set(x, p->decl[0], elem);
            }
        } else {
            x->vars[x->nvars - 1].val = elem;
            if (p->ndecl > 1)
                x->vars[x->nvars - 2].val = idx;
        }
    }
    size_t mark = x->nvars;
    int ctl = walk_list(x, elem, r->u.branch.list);
    x->nvars = mark;
    return ctl == CTL_BREAK;
}

static int walk_range(struct gt_exec *x, const struct tv *dot, const struct gt_node *r)
{
    size_t mark = x->nvars;
    x->at = (const struct gt_node *)r;
    const struct tv *v = eval_pipeline(x, dot, r->u.branch.pipe);
    size_t n = 0;
    if (!v || v->kind == TV_NIL) {
        /* nil: nothing to iterate */
    } else if (v->kind == TV_LIST) {
        n = v->u.list.len;
        for (size_t i = 0; i < n; i++)
            if (range_iter(x, r, gx_int(x, (int64_t)i), v->u.list.items[i]))
                break;
    } else if (v->kind == TV_BYTES) {
        n = v->u.s.len;
        for (size_t i = 0; i < n; i++)
            if (range_iter(x, r, gx_int(x, (int64_t)i), gx_int(x, (unsigned char)v->u.s.p[i])))
                break;
    } else if (v->kind == TV_MAP) {
        n = v->u.map.len;
        size_t *idx = tv_map_sorted(v);
        if (n && !idx)
            oom(x);
        /* the index array is freed before any longjmp can leave the loop:
         * copy the order into the scratch arena instead */
        size_t *order = n ? tv_alloc(&x->scratch, n * sizeof(*order)) : NULL;
        if (n && order)
            memcpy(order, idx, n * sizeof(*order));
        free(idx);
        if (n && !order)
            oom(x);
        for (size_t i = 0; i < n; i++) {
            const struct tv_entry *e = &v->u.map.ents[order[i]];
            if (range_iter(x, r, gx_str(x, e->key, e->key_len), e->val))
                break;
        }
    } else if (v->kind == TV_INT) {
        if (r->u.branch.pipe->ndecl > 1)
            gx_errorf(x, "can't use %" PRId64 " to iterate over more than one variable", v->u.i);
        n = v->u.i > 0 ? (size_t)v->u.i : 0;
        for (int64_t i = 0; i < v->u.i; i++) {
            const struct tv *iv = gx_int(x, i);
            if (range_iter(x, r, iv, iv))
                break;
        }
    } else {
        struct buf b;
        buf_init(&b, 200);
        tv_print(&b, v);
        char s[220];
        snprintf(s, sizeof(s), "%s", b.data ? b.data : "");
        buf_free(&b);
        gx_errorf(x, "range can't iterate over %s", s);
    }
    int ctl = CTL_NONE;
    if (n == 0 && r->u.branch.else_list)
        ctl = walk_list(x, dot, r->u.branch.else_list);
    x->nvars = mark;
    return ctl;
}

static void walk_template(struct gt_exec *x, const struct tv *dot, const struct gt_node *n)
{
    x->at = n;
    const struct gotmpl_def *d = gotmpl_lookup(x->t, n->u.tmpl.name);
    if (!d)
        gx_errorf(x, "template \"%s\" not defined", n->u.tmpl.name);
    if (x->depth >= GOTMPL_MAX_DEPTH)
        gx_errorf(x, "exceeded maximum template depth (%d)", GOTMPL_MAX_DEPTH);
    const struct tv *v = n->u.tmpl.pipe ? eval_pipeline(x, dot, n->u.tmpl.pipe) : NULL;
    size_t frame = x->frame, mark = x->nvars;
    const char *name = x->name;
    x->frame = x->nvars;
    var_push(x, "$", v);
    x->depth++;
    x->name = d->name;
    walk_list(x, v, d->root);
    x->name = name;
    x->depth--;
    x->frame = frame;
    x->nvars = mark;
}

static int walk(struct gt_exec *x, const struct tv *dot, const struct gt_node *n)
{
    step(x);
    x->at = n;
    x->at_cmd = NULL;
    switch (n->type) {
    case GT_ACTION: {
        const struct tv *v = eval_pipeline(x, dot, n->u.pipe);
        if (n->u.pipe->ndecl == 0)
            print_value(x, n, v);
        return CTL_NONE;
    }
    case GT_BREAK:
        return CTL_BREAK;
    case GT_CONTINUE:
        return CTL_CONTINUE;
    case GT_IF:
    case GT_WITH:
        return walk_if_with(x, dot, n);
    case GT_LIST: {
        size_t mark = x->nvars;
        int ctl = walk_list(x, dot, n);
        x->nvars = mark;
        return ctl;
    }
    case GT_RANGE:
        return walk_range(x, dot, n);
    case GT_TEMPLATE:
        walk_template(x, dot, n);
        return CTL_NONE;
    case GT_TEXT:
        if (buf_append(x->out, n->u.text.p, n->u.text.len))
            gx_fail(x, COLA_ENOMEM, "template: output larger than its limit");
        return CTL_NONE;
    }
    gx_errorf(x, "unknown node");
}

int gotmpl_exec_named(const struct gotmpl *t, const char *name, const struct tv *root,
                      struct buf *out, const struct gotmpl_exec_opts *opts, struct cola_err *err)
{
    const struct gotmpl_def *d = gotmpl_lookup(t, name);
    if (!d)
        return err_set(err, COLA_ENOTFOUND, "template: no template \"%s\" associated with template \"\"",
                       name);
    struct gt_exec *x = calloc(1, sizeof(*x));
    if (!x)
        return err_set(err, COLA_ENOMEM, "out of memory");
    x->t = t;
    x->name = d->name;
    x->out = out;
    x->err = err;
    x->max_steps = opts && opts->max_steps ? opts->max_steps : GOTMPL_MAX_STEPS;
    x->now = opts && opts->now ? opts->now : time(NULL);
    tv_arena_init(&x->scratch, GOTMPL_MAX_SCRATCH);
    int rc = 0;
    if (setjmp(x->jb) == 0) {
        var_push(x, "$", root);
        walk_list(x, root, d->root);
    } else {
        rc = x->rc ? x->rc : COLA_EFORMAT;
    }
    free(x->vars);
    tv_arena_free(&x->scratch);
    free(x);
    return rc;
}

int gotmpl_exec(const struct gotmpl *t, const struct tv *root, struct buf *out,
                const struct gotmpl_exec_opts *opts, struct cola_err *err)
{
    return gotmpl_exec_named(t, "", root, out, opts, err);
}
