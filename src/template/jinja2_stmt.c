/* jinja2_stmt.c — statements (output, if, for, set, macro, call, filter
 * blocks), macro calls and the public parse/render entry points. */
#include <stdlib.h>
#include <string.h>

#include "template/jinja2_exec.h"

static struct jv *capture(struct jrt *r, const struct jlist *body, struct jenv *e)
{
    struct buf b;
    buf_init(&b, r->out->max);
    const int rc = jexec_block(r, body, e, &b);
    struct jv *s = rc == JC_ERR ? NULL : jv_str(r, b.data ? b.data : "", b.len);
    buf_free(&b);
    return s;
}

/* bindMacroArguments */
static bool bind_args(struct jrt *r, const struct jlist *params, struct jv *args,
                      struct jenv *scope, const char *name)
{
    size_t npos = args->n;
    struct jv *kw = NULL;
    if (npos && args->items[npos - 1]->kind == JV_OBJECT && args->items[npos - 1]->kwargs)
        kw = args->items[--npos];
    const struct jnode *pending[64];
    size_t np = 0;
    for (size_t i = 0; i < params->n; i++) {
        const struct jnode *p = params->v[i];
        struct jv *v = i < npos ? args->items[i] : NULL;
        if (!v && kw)
            v = jv_get(kw, p->s, strlen(p->s));
        if (!v && p->type == JN_KWARG && np < 64)
            pending[np++] = p;
        if (!jenv_set(r, scope, p->s, v ? v : jv_new(r, JV_UNDEF)))
            return false;
    }
    if (kw)
        for (size_t k = 0; k < kw->n; k++) {
            bool known = false;
            for (size_t i = 0; i < params->n; i++)
                known |= !strcmp(params->v[i]->s, kw->keys[k]->s);
            if (!known) {
                jerr(r, "macro %s takes no keyword argument '%s'", name, kw->keys[k]->s);
                return false;
            }
        }
    if (npos > params->n) {
        jerr(r, "macro %s takes not more than %zu argument(s)", name, params->n);
        return false;
    }
    for (size_t i = 0; i < np; i++)
        if (!jenv_set(r, scope, pending[i]->s, jeval(r, pending[i]->a, scope)))
            return false;
    return true;
}

struct jv *jcall(struct jrt *r, struct jv *fn, struct jv *args, struct jenv *e)
{
    if (fn->fn == JF_MACRO || fn->fn == JF_CALLER) {
        if (++r->depth > JINJA2_MAX_DEPTH) {
            if (!r->err->code)
                err_set(r->err, COLA_ERANGE, "jinja: line %d: macro calls nest deeper than %d",
                        r->line, JINJA2_MAX_DEPTH);
            return NULL;
        }
        const struct jnode *m = fn->macro;
        struct jenv *scope = jenv_new(r, fn->fn == JF_CALLER ? fn->closure : e);
        struct jv *out = NULL;
        if (scope && bind_args(r, fn->fn == JF_CALLER ? &m->alt : &m->args, args, scope,
                               fn->fn == JF_CALLER ? "None" : m->s))
            out = capture(r, &m->body, scope);
        r->depth--;
        return out;
    }
    if (fn->fn == JF_METHOD)
        return jcall_method(r, fn, args);
    return jcall_global(r, fn, args);
}

static int assign(struct jrt *r, const struct jnode *target, struct jv *v, struct jenv *e)
{
    if (!v)
        return JC_ERR;
    if (target->type == JN_NAME)
        return jenv_set(r, e, target->s, v) ? JC_OK : JC_ERR;
    if (target->type == JN_TUPLE) {
        if (v->kind != JV_ARRAY)
            return jerr(r, "Cannot unpack non-iterable type in set: %s", jv_type(v)), JC_ERR;
        if (v->n != target->args.n)
            return jerr(r, "Too %s items to unpack in set", target->args.n > v->n ? "few" : "many"),
                   JC_ERR;
        for (size_t i = 0; i < v->n; i++) {
            if (target->args.v[i]->type != JN_NAME)
                return jerr(r, "Cannot unpack to non-identifier in set"), JC_ERR;
            if (!jenv_set(r, e, target->args.v[i]->s, v->items[i]))
                return JC_ERR;
        }
        return JC_OK;
    }
    if (target->type == JN_MEMBER) {
        struct jv *obj = jeval(r, target->a, e);
        if (!obj)
            return JC_ERR;
        if (obj->kind != JV_NS)
            return jerr(r, "cannot assign attribute on non-namespace object"), JC_ERR;
        if (target->flag || target->b->type != JN_NAME)
            return jerr(r, "Cannot assign to member with non-identifier property"), JC_ERR;
        return jv_set(r, obj, jv_cstr(r, target->b->s), v) ? JC_OK : JC_ERR;
    }
    return jerr(r, "Invalid LHS inside assignment expression"), JC_ERR;
}

static bool bind_loopvar(struct jrt *r, const struct jnode *lv, struct jv *cur, struct jenv *e)
{
    if (lv->type == JN_NAME)
        return jenv_set(r, e, lv->s, cur);
    if (cur->kind != JV_ARRAY || cur->tuple) { /* the oracle unpacks lists, not tuples */
        jerr(r, "Cannot unpack non-iterable type: %s", jv_type(cur));
        return false;
    }
    if (cur->n != lv->args.n) {
        jerr(r, "Too %s items to unpack", lv->args.n > cur->n ? "few" : "many");
        return false;
    }
    for (size_t j = 0; j < cur->n; j++) {
        if (lv->args.v[j]->type != JN_NAME) {
            jerr(r, "Cannot unpack non-identifier type");
            return false;
        }
        if (!jenv_set(r, e, lv->args.v[j]->s, cur->items[j]))
            return false;
    }
    return true;
}

static int exec_for(struct jrt *r, const struct jnode *n, struct jenv *e, struct buf *out)
{
    struct jenv *scope = jenv_new(r, e);
    if (!scope)
        return JC_ERR;
    const struct jnode *test = NULL, *it = n->b;
    if (it->type == JN_SELECT)
        test = it->b, it = it->a;
    struct jv *src = jeval(r, it, scope);
    if (!src)
        return JC_ERR;
    if (src->kind == JV_OBJECT) { /* keys */
        struct jv *k = jv_new(r, JV_ARRAY);
        for (size_t i = 0; k && i < src->n; i++)
            jv_push(r, k, src->keys[i]);
        src = k;
        if (!src)
            return JC_ERR;
    }
    if (src->kind != JV_ARRAY)
        return jerr(r, "Expected iterable or object type in for loop: got %s", jv_type(src)), JC_ERR;
    struct jv *items = jv_new(r, JV_ARRAY);
    if (!items)
        return JC_ERR;
    for (size_t i = 0; i < src->n; i++) {
        if (test) {
            struct jenv *ls = jenv_new(r, scope);
            if (!ls || !bind_loopvar(r, n->a, src->items[i], ls))
                return JC_ERR;
            struct jv *t = jeval(r, test, ls);
            if (!t)
                return JC_ERR;
            if (!jv_truth(t))
                continue;
        } else if (n->a->type == JN_TUPLE &&
                   (src->items[i]->kind != JV_ARRAY || src->items[i]->tuple)) {
            return jerr(r, "Cannot unpack non-iterable type: %s", jv_type(src->items[i])), JC_ERR;
        }
        if (!jv_push(r, items, src->items[i]))
            return JC_ERR;
    }
    bool none = true;
    for (size_t i = 0; i < items->n; i++) {
        if (++r->steps > r->max_steps) {
            if (!r->err->code)
                err_set(r->err, COLA_ERANGE, "jinja: line %d: the template ran more than %lu steps",
                        r->line, r->max_steps);
            return JC_ERR;
        }
        struct jv *loop = jv_new(r, JV_OBJECT);
        const int64_t len = (int64_t)items->n, ii = (int64_t)i;
        if (!loop || !jv_set(r, loop, jv_cstr(r, "index"), jv_int(r, ii + 1)) ||
            !jv_set(r, loop, jv_cstr(r, "index0"), jv_int(r, ii)) ||
            !jv_set(r, loop, jv_cstr(r, "revindex"), jv_int(r, len - ii)) ||
            !jv_set(r, loop, jv_cstr(r, "revindex0"), jv_int(r, len - ii - 1)) ||
            !jv_set(r, loop, jv_cstr(r, "first"), jv_bool(r, i == 0)) ||
            !jv_set(r, loop, jv_cstr(r, "last"), jv_bool(r, ii == len - 1)) ||
            !jv_set(r, loop, jv_cstr(r, "length"), jv_int(r, len)) ||
            !jv_set(r, loop, jv_cstr(r, "previtem"), i > 0 ? items->items[i - 1] : jv_new(r, JV_UNDEF)) ||
            !jv_set(r, loop, jv_cstr(r, "nextitem"),
                    ii < len - 1 ? items->items[i + 1] : jv_new(r, JV_UNDEF)) ||
            !jenv_set(r, scope, "loop", loop) || !bind_loopvar(r, n->a, items->items[i], scope))
            return JC_ERR;
        const int rc = jexec_block(r, &n->body, scope, out);
        if (rc == JC_ERR)
            return JC_ERR;
        if (rc == JC_BREAK)
            break;
        if (rc == JC_CONTINUE)
            continue;
        none = false;
    }
    if (none)
        return jexec_block(r, &n->alt, scope, out) == JC_ERR ? JC_ERR : JC_OK;
    return JC_OK;
}

static int exec_callblock(struct jrt *r, const struct jnode *n, struct jenv *e, struct buf *out)
{
    struct jv *caller = jv_new(r, JV_FUNC), *pos, *kw;
    if (!caller)
        return JC_ERR;
    caller->fn = JF_CALLER;
    caller->macro = n;
    caller->closure = e;
    if (!jeval_args(r, &n->a->args, e, &pos, &kw) || !jv_push(r, pos, kw))
        return JC_ERR;
    struct jv *fn = jeval(r, n->a->a, e);
    if (!fn)
        return JC_ERR;
    if (fn->kind != JV_FUNC)
        return jerr(r, "Cannot call something that is not a function: got %s", jv_type(fn)), JC_ERR;
    struct jenv *ne = jenv_new(r, e);
    if (!ne || !jenv_set(r, ne, "caller", caller))
        return JC_ERR;
    struct jv *res = jcall(r, fn, pos, ne);
    return res && jprinted(r, jv_print(out, res)) ? JC_OK : JC_ERR;
}

static int exec_one(struct jrt *r, const struct jnode *n, struct jenv *e, struct buf *out)
{
    r->line = n->line;
    switch (n->type) {
    case JN_TEXT:
        return buf_append(out, n->s, n->len) ? (r->oom = true, JC_ERR) : JC_OK;
    case JN_COMMENT:
        return JC_OK;
    case JN_OUTPUT: {
        struct jv *v = jeval(r, n->a, e);
        if (!v)
            return JC_ERR;
        if (v->kind == JV_FUNC)
            return jerr(r, "Cannot print a function"), JC_ERR;
        return jprinted(r, jv_print(out, v)) ? JC_OK : JC_ERR;
    }
    case JN_IF: {
        struct jv *t = jeval(r, n->a, e);
        if (!t)
            return JC_ERR;
        return jexec_block(r, jv_truth(t) ? &n->body : &n->alt, e, out);
    }
    case JN_FOR:
        return exec_for(r, n, e, out);
    case JN_SET:
        return assign(r, n->a, n->b ? jeval(r, n->b, e) : capture(r, &n->body, e), e);
    case JN_MACRO: {
        struct jv *f = jv_new(r, JV_FUNC);
        if (!f)
            return JC_ERR;
        f->fn = JF_MACRO;
        f->macro = n;
        return jenv_set(r, e, n->s, f) ? JC_OK : JC_ERR;
    }
    case JN_CALLBLOCK:
        return exec_callblock(r, n, e, out);
    case JN_FILTERBLOCK: {
        struct jv *body = capture(r, &n->body, e);
        struct jv *v = body ? jfilter_named(r, body, n->s, &n->args, n->flag, e) : NULL;
        return v && jprinted(r, jv_print(out, v)) ? JC_OK : JC_ERR;
    }
    case JN_BREAK:
        return JC_BREAK;
    case JN_CONTINUE:
        return JC_CONTINUE;
    default:
        return jerr(r, "Unknown statement"), JC_ERR;
    }
}

int jexec_block(struct jrt *r, const struct jlist *body, struct jenv *e, struct buf *out)
{
    for (size_t i = 0; i < body->n; i++) {
        if (r->oom || r->err->code)
            return JC_ERR;
        const int rc = exec_one(r, body->v[i], e, out);
        if (rc != JC_OK)
            return rc;
    }
    return r->oom || r->err->code ? JC_ERR : JC_OK;
}

/* ---------------------------------------------------------------- entry points */

int jinja2_parse(const char *src, size_t len, struct jinja2 **out, struct cola_err *err)
{
    if (len > JINJA2_MAX_SOURCE)
        return err_set(err, COLA_ERANGE, "jinja: the template is larger than %u bytes",
                       JINJA2_MAX_SOURCE);
    struct jinja2 *t = calloc(1, sizeof(*t));
    if (!t)
        return err_set(err, COLA_ENOMEM, "jinja: out of memory");
    tv_arena_init(&t->arena, (size_t)len * 64 + (1u << 20));
    struct jtok *toks = NULL;
    size_t n = 0;
    int rc = jinja2_lex(&t->arena, src, len, &toks, &n, err);
    if (!rc)
        rc = jinja2_parse_tokens(&t->arena, toks, n, &t->body, err);
    if (rc) {
        jinja2_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void jinja2_free(struct jinja2 *t)
{
    if (!t)
        return;
    tv_arena_free(&t->arena);
    free(t);
}

static bool add_global(struct jrt *r, struct jenv *g, const char *name, enum jfn fn)
{
    struct jv *f = jv_new(r, JV_FUNC);
    if (!f)
        return false;
    f->fn = (uint8_t)fn;
    return jenv_set(r, g, name, f);
}

int jinja2_render(const struct jinja2 *t, const json_t *ctx, struct buf *out,
                  const struct jinja2_opts *opts, struct cola_err *err)
{
    struct jrt r = {.out = out, .err = err, .line = 1};
    err_clear(err);
    tv_arena_init(&r.arena, JINJA2_MAX_SCRATCH);
    r.max_steps = opts && opts->max_steps ? opts->max_steps : JINJA2_MAX_STEPS;
    r.now = opts && opts->now ? opts->now : time(NULL);
    struct jenv *g = jenv_new(&r, NULL);
    bool ok = g && add_global(&r, g, "namespace", JF_NAMESPACE) &&
              add_global(&r, g, "raise_exception", JF_RAISE) && add_global(&r, g, "range", JF_RANGE) &&
              add_global(&r, g, "strftime_now", JF_STRFTIME) &&
              jenv_set(&r, g, "true", jv_bool(&r, true)) && jenv_set(&r, g, "True", jv_bool(&r, true)) &&
              jenv_set(&r, g, "false", jv_bool(&r, false)) &&
              jenv_set(&r, g, "False", jv_bool(&r, false)) &&
              jenv_set(&r, g, "none", jv_new(&r, JV_NONE)) && jenv_set(&r, g, "None", jv_new(&r, JV_NONE));
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)ctx, k, v)
    {
        if (ok && !jenv_set(&r, g, k, jv_from_json(&r, v, 0)))
            ok = false;
    }
    int rc = 0;
    if (ok) {
        struct jenv *top = jenv_new(&r, g);
        rc = top ? jexec_block(&r, &t->body, top, out) : JC_ERR;
    }
    if (!ok || rc == JC_ERR) {
        rc = err->code ? err->code : err_set(err, COLA_ENOMEM, "jinja: out of memory (or output too large)");
    } else {
        rc = 0; /* a break/continue outside a loop ends the template */
    }
    tv_arena_free(&r.arena);
    return rc;
}
