/* jinja2_parse.c — tokens to the tree, with @huggingface/jinja's grammar and
 * precedence (ternary < or < and < not < comparison/in < + - ~ < * / // %
 * < ** < is-test < |filter < unary sign < call/member < primary). */
#include <stdlib.h>
#include <string.h>

#include "template/jinja2_int.h"

struct ps {
    struct tv_arena *a;
    const struct jtok *t;
    size_t n, cur;
    int nest;
    struct cola_err *err;
    int rc;
};

static int line_of(const struct ps *p)
{
    return p->cur < p->n ? p->t[p->cur].line : (p->n ? p->t[p->n - 1].line : 1);
}

static struct jnode *fail(struct ps *p, const char *msg)
{
    if (!p->rc)
        p->rc = err_set(p->err, COLA_EFORMAT, "jinja: line %d: %s", line_of(p), msg);
    return NULL;
}

static struct jnode *node(struct ps *p, enum jn_type type)
{
    struct jnode *x = tv_alloc(p->a, sizeof(*x));
    if (!x) {
        if (!p->rc)
            p->rc = err_set(p->err, COLA_ENOMEM, "jinja: out of memory");
        return NULL;
    }
    x->type = (uint8_t)type;
    x->line = line_of(p);
    return x;
}

static bool add(struct ps *p, struct jlist *l, struct jnode *x)
{
    if (!x)
        return false;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        struct jnode **v = tv_alloc(p->a, cap * sizeof(*v));
        if (!v) {
            node(p, JN_TEXT); /* sets ENOMEM */
            return false;
        }
        if (l->n)
            memcpy(v, l->v, l->n * sizeof(*v));
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return true;
}

static bool is(const struct ps *p, enum jt_type t) { return p->cur < p->n && p->t[p->cur].type == t; }

static bool is_ident(const struct ps *p, const char *name)
{
    return is(p, JT_IDENT) && !strcmp(p->t[p->cur].s, name);
}

static bool is_ident2(const struct ps *p, const char *a, const char *b)
{
    return is_ident(p, a) && p->cur + 1 < p->n && p->t[p->cur + 1].type == JT_IDENT &&
           !strcmp(p->t[p->cur + 1].s, b);
}

static bool is_stmt(const struct ps *p, const char *const *names)
{
    if (!(is(p, JT_OPEN_STMT) && p->cur + 1 < p->n && p->t[p->cur + 1].type == JT_IDENT))
        return false;
    for (; *names; names++)
        if (!strcmp(p->t[p->cur + 1].s, *names))
            return true;
    return false;
}

static bool expect(struct ps *p, enum jt_type t, const char *what)
{
    if (p->rc)
        return false;
    if (!is(p, t)) {
        fail(p, what);
        return false;
    }
    p->cur++;
    return true;
}

static bool expect_ident(struct ps *p, const char *name)
{
    if (!is_ident(p, name)) {
        char msg[64];
        snprintf(msg, sizeof(msg), "Expected %s", name);
        fail(p, msg);
        return false;
    }
    p->cur++;
    return true;
}

static struct jnode *parse_expr(struct ps *p);
static struct jnode *parse_primary(struct ps *p);
static struct jnode *parse_any(struct ps *p);

static bool enter(struct ps *p)
{
    if (++p->nest > JINJA2_MAX_NEST) {
        if (!p->rc)
            p->rc = err_set(p->err, COLA_ERANGE, "jinja: line %d: nesting deeper than %d",
                            line_of(p), JINJA2_MAX_NEST);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------- expressions */

static struct jnode *parse_sequence(struct ps *p, bool primary)
{
    struct jnode *first = primary ? parse_primary(p) : parse_expr(p);
    if (!first || !is(p, JT_COMMA))
        return first;
    struct jnode *t = node(p, JN_TUPLE);
    if (!t || !add(p, &t->args, first))
        return NULL;
    while (is(p, JT_COMMA)) {
        p->cur++;
        if (!add(p, &t->args, primary ? parse_primary(p) : parse_expr(p)))
            return NULL;
    }
    return t;
}

/* (args) — call mode allows name=value; parameters mode declares them. */
static bool parse_args(struct ps *p, struct jlist *args, bool params)
{
    if (!expect(p, JT_LPAREN, "Expected opening parenthesis for arguments list"))
        return false;
    bool kw = false;
    while (!p->rc && !is(p, JT_RPAREN)) {
        if (p->cur >= p->n)
            return fail(p, "Unexpected end of arguments list"), false;
        struct jnode *arg = parse_expr(p);
        if (!arg)
            return false;
        if (is(p, JT_EQUALS)) {
            p->cur++;
            if (arg->type != JN_NAME)
                return fail(p, "Expected identifier for keyword argument"), false;
            struct jnode *k = node(p, JN_KWARG);
            if (!k)
                return false;
            k->s = arg->s;
            k->a = parse_expr(p);
            if (!k->a)
                return false;
            arg = k;
            kw = true;
        } else if (kw) {
            return fail(p, params ? "Non-default argument follows default argument"
                                  : "Positional arguments must come before keyword arguments"),
                   false;
        } else if (params && arg->type != JN_NAME) {
            return fail(p, "Expected identifier for parameter declaration"), false;
        }
        if (!add(p, args, arg))
            return false;
        if (is(p, JT_COMMA))
            p->cur++;
    }
    return expect(p, JT_RPAREN, "Expected closing parenthesis for arguments list");
}

static struct jnode *parse_member(struct ps *p, struct jnode *obj)
{
    while (obj && (is(p, JT_DOT) || is(p, JT_LBRACK))) {
        const bool computed = is(p, JT_LBRACK);
        p->cur++;
        struct jnode *m = node(p, JN_MEMBER);
        if (!m)
            return NULL;
        m->a = obj;
        m->flag = computed;
        if (!computed) {
            m->b = parse_primary(p);
            if (m->b && m->b->type != JN_NAME && m->b->type != JN_INT)
                return fail(p, "Expected identifier or integer following dot operator");
        } else {
            struct jnode *parts[3] = {0};
            int np = 0;
            bool slice = false;
            while (!p->rc && !is(p, JT_RBRACK)) {
                if (p->cur >= p->n || np >= 3)
                    return fail(p, "Expected 0-3 arguments for slice expression");
                if (is(p, JT_COLON)) {
                    np++;
                    p->cur++;
                    slice = true;
                } else {
                    parts[np++] = parse_expr(p);
                    if (!parts[np - 1])
                        return NULL;
                    if (is(p, JT_COLON)) {
                        p->cur++;
                        slice = true;
                    }
                }
            }
            if (np == 0 && !slice)
                return fail(p, "Expected at least one argument for member/slice expression");
            if (slice) {
                struct jnode *s = node(p, JN_SLICE);
                if (!s)
                    return NULL;
                s->a = parts[0], s->b = parts[1], s->c = parts[2];
                m->b = s;
            } else {
                m->b = parts[0];
            }
            if (!expect(p, JT_RBRACK, "Expected closing square bracket"))
                return NULL;
        }
        if (!m->b)
            return NULL;
        obj = m;
    }
    return obj;
}

static struct jnode *parse_call(struct ps *p, struct jnode *callee)
{
    struct jnode *c = node(p, JN_CALL);
    if (!c)
        return NULL;
    c->a = callee;
    if (!parse_args(p, &c->args, false))
        return NULL;
    struct jnode *e = parse_member(p, c);
    if (e && is(p, JT_LPAREN))
        return parse_call(p, e);
    return e;
}

static struct jnode *parse_call_member(struct ps *p)
{
    struct jnode *m = parse_member(p, parse_primary(p));
    if (m && is(p, JT_LPAREN))
        return parse_call(p, m);
    return m;
}

static struct jnode *parse_unary_sign(struct ps *p)
{
    if ((is(p, JT_UNARY) || is(p, JT_ADD)) &&
        (!strcmp(p->t[p->cur].s, "-") || !strcmp(p->t[p->cur].s, "+"))) {
        struct jnode *u = node(p, JN_UNARY);
        if (!u || !enter(p))
            return NULL;
        u->s = p->t[p->cur++].s;
        u->a = parse_unary_sign(p);
        p->nest--;
        return u->a ? u : NULL;
    }
    return parse_call_member(p);
}

static struct jnode *parse_filter(struct ps *p)
{
    struct jnode *x = parse_unary_sign(p);
    while (x && is(p, JT_PIPE)) {
        p->cur++;
        struct jnode *f = node(p, JN_FILTER), *name = parse_primary(p);
        if (!f || !name)
            return NULL;
        if (name->type != JN_NAME)
            return fail(p, "Expected identifier for the filter");
        f->a = x;
        f->s = name->s;
        f->flag = is(p, JT_LPAREN); /* a call, even with no arguments */
        if (f->flag && !parse_args(p, &f->args, false))
            return NULL;
        x = f;
    }
    return x;
}

static struct jnode *parse_test(struct ps *p)
{
    struct jnode *x = parse_filter(p);
    while (x && is_ident(p, "is")) {
        p->cur++;
        struct jnode *t = node(p, JN_TEST);
        if (!t)
            return NULL;
        if (is_ident(p, "not"))
            t->flag = true, p->cur++;
        struct jnode *name = parse_primary(p);
        if (!name)
            return NULL;
        if (name->type != JN_NAME)
            return fail(p, "Expected identifier for the test");
        t->a = x;
        t->s = name->s;
        x = t;
    }
    return x;
}

static struct jnode *binary(struct ps *p, struct jnode *l, const char *op, struct jnode *r)
{
    if (!l || !r)
        return NULL;
    struct jnode *b = node(p, JN_BINARY);
    if (!b)
        return NULL;
    b->s = op, b->a = l, b->b = r;
    return b;
}

static struct jnode *parse_pow(struct ps *p)
{
    struct jnode *l = parse_test(p);
    while (l && is(p, JT_POW)) {
        const char *op = p->t[p->cur++].s;
        l = binary(p, l, op, parse_test(p));
    }
    return l;
}

static struct jnode *parse_mul(struct ps *p)
{
    struct jnode *l = parse_pow(p);
    while (l && is(p, JT_MUL)) {
        const char *op = p->t[p->cur++].s;
        l = binary(p, l, op, parse_pow(p));
    }
    return l;
}

static struct jnode *parse_add(struct ps *p)
{
    struct jnode *l = parse_mul(p);
    while (l && is(p, JT_ADD)) {
        const char *op = p->t[p->cur++].s;
        l = binary(p, l, op, parse_mul(p));
    }
    return l;
}

static struct jnode *parse_cmp(struct ps *p)
{
    struct jnode *l = parse_add(p);
    while (l) {
        const char *op;
        if (is_ident2(p, "not", "in"))
            op = "not in", p->cur += 2;
        else if (is_ident(p, "in"))
            op = "in", p->cur++;
        else if (is(p, JT_CMP))
            op = p->t[p->cur++].s;
        else
            break;
        l = binary(p, l, op, parse_add(p));
    }
    return l;
}

static struct jnode *parse_not(struct ps *p)
{
    if (is_ident(p, "not")) {
        p->cur++;
        struct jnode *u = node(p, JN_UNARY);
        if (!u || !enter(p))
            return NULL;
        u->s = "not";
        u->a = parse_not(p);
        p->nest--;
        return u->a ? u : NULL;
    }
    return parse_cmp(p);
}

static struct jnode *parse_and(struct ps *p)
{
    struct jnode *l = parse_not(p);
    while (l && is_ident(p, "and")) {
        p->cur++;
        l = binary(p, l, "and", parse_not(p));
    }
    return l;
}

static struct jnode *parse_or(struct ps *p)
{
    struct jnode *l = parse_and(p);
    while (l && is_ident(p, "or")) {
        p->cur++;
        l = binary(p, l, "or", parse_and(p));
    }
    return l;
}

static struct jnode *parse_ifexpr(struct ps *p)
{
    struct jnode *a = parse_or(p);
    if (!a || !is_ident(p, "if"))
        return a;
    p->cur++;
    struct jnode *test = parse_or(p);
    if (!test)
        return NULL;
    if (is_ident(p, "else")) {
        p->cur++;
        struct jnode *t = node(p, JN_TERNARY);
        if (!t || !enter(p))
            return NULL;
        t->a = test, t->b = a, t->c = parse_ifexpr(p);
        p->nest--;
        return t->c ? t : NULL;
    }
    struct jnode *s = node(p, JN_SELECT);
    if (!s)
        return NULL;
    s->a = a, s->b = test;
    return s;
}

static struct jnode *parse_expr(struct ps *p)
{
    if (!enter(p))
        return NULL;
    struct jnode *x = parse_ifexpr(p);
    p->nest--;
    return x;
}

static struct jnode *parse_primary(struct ps *p)
{
    if (p->rc)
        return NULL;
    if (p->cur >= p->n)
        return fail(p, "Unexpected end of template");
    const struct jtok *t = &p->t[p->cur++];
    struct jnode *x;
    switch (t->type) {
    case JT_NUM:
        if (!(x = node(p, strchr(t->s, '.') ? JN_FLOAT : JN_INT)))
            return NULL;
        x->f = strtod(t->s, NULL);
        x->i = strtoll(t->s, NULL, 10);
        return x;
    case JT_STR: {
        if (!(x = node(p, JN_STR)))
            return NULL;
        x->s = t->s, x->len = t->len;
        if (is(p, JT_STR)) { /* adjacent literals concatenate */
            size_t total = t->len;
            for (size_t k = p->cur; k < p->n && p->t[k].type == JT_STR; k++)
                total += p->t[k].len;
            char *s = tv_alloc(p->a, total + 1);
            if (!s)
                return node(p, JN_TEXT) ? NULL : NULL;
            memcpy(s, t->s, t->len);
            size_t o = t->len;
            while (is(p, JT_STR)) {
                memcpy(s + o, p->t[p->cur].s, p->t[p->cur].len);
                o += p->t[p->cur++].len;
            }
            x->s = s, x->len = o;
        }
        return x;
    }
    case JT_IDENT:
        if (!(x = node(p, JN_NAME)))
            return NULL;
        x->s = t->s, x->len = t->len;
        return x;
    case JT_LPAREN:
        x = parse_sequence(p, false);
        return expect(p, JT_RPAREN, "Expected closing parenthesis") ? x : NULL;
    case JT_LBRACK:
        if (!(x = node(p, JN_LIST)))
            return NULL;
        while (!p->rc && !is(p, JT_RBRACK)) {
            if (p->cur >= p->n)
                return fail(p, "Unexpected end of list");
            if (!add(p, &x->args, parse_expr(p)))
                return NULL;
            if (is(p, JT_COMMA))
                p->cur++;
        }
        p->cur++;
        return x;
    case JT_LBRACE:
        if (!(x = node(p, JN_DICT)))
            return NULL;
        while (!p->rc && !is(p, JT_RBRACE)) {
            if (p->cur >= p->n)
                return fail(p, "Unexpected end of object literal");
            if (!add(p, &x->args, parse_expr(p)) ||
                !expect(p, JT_COLON, "Expected colon between key and value in object literal") ||
                !add(p, &x->args, parse_expr(p)))
                return NULL;
            if (is(p, JT_COMMA))
                p->cur++;
        }
        p->cur++;
        return x;
    default:
        p->cur--;
        return fail(p, "Unexpected token");
    }
}

/* ---------------------------------------------------------------- statements */

static bool parse_until(struct ps *p, struct jlist *body, const char *const *stops)
{
    while (!p->rc && !is_stmt(p, stops)) {
        if (p->cur >= p->n) {
            char msg[96];
            const char *const *last = stops;
            while (last[1])
                last++;
            snprintf(msg, sizeof(msg), "Unexpected end of template: expected {%% %s %%}", *last);
            fail(p, msg);
            return false;
        }
        if (!add(p, body, parse_any(p)))
            return false;
    }
    return !p->rc;
}

static bool end_stmt(struct ps *p, const char *name)
{
    return expect(p, JT_OPEN_STMT, "Expected {% token") && expect_ident(p, name) &&
           expect(p, JT_CLOSE_STMT, "Expected %} token");
}

static struct jnode *parse_if(struct ps *p)
{
    struct jnode *x = node(p, JN_IF);
    if (!x || !enter(p) || !(x->a = parse_expr(p)) ||
        !expect(p, JT_CLOSE_STMT, "Expected closing statement token"))
        return NULL;
    static const char *const stops[] = {"elif", "else", "endif", NULL};
    static const char *const endif[] = {"endif", NULL};
    if (!parse_until(p, &x->body, stops))
        return NULL;
    if (is_stmt(p, (const char *const[]){"elif", NULL})) {
        p->cur += 2;
        if (!add(p, &x->alt, parse_if(p)))
            return NULL;
    } else if (is_stmt(p, (const char *const[]){"else", NULL})) {
        p->cur += 2;
        if (!expect(p, JT_CLOSE_STMT, "Expected closing statement token") ||
            !parse_until(p, &x->alt, endif))
            return NULL;
    }
    p->nest--;
    return x;
}

static struct jnode *parse_stmt(struct ps *p)
{
    p->cur++; /* {% */
    if (!is(p, JT_IDENT))
        return fail(p, "Unknown statement");
    const char *name = p->t[p->cur++].s;
    struct jnode *x = NULL;
    if (!strcmp(name, "set")) {
        if (!(x = node(p, JN_SET)) || !(x->a = parse_sequence(p, false)))
            return NULL;
        if (is(p, JT_EQUALS)) {
            p->cur++;
            if (!(x->b = parse_sequence(p, false)))
                return NULL;
        } else {
            static const char *const stops[] = {"endset", NULL};
            if (!expect(p, JT_CLOSE_STMT, "Expected %} token") || !parse_until(p, &x->body, stops) ||
                !expect(p, JT_OPEN_STMT, "Expected {% token") || !expect_ident(p, "endset"))
                return NULL;
        }
        return expect(p, JT_CLOSE_STMT, "Expected closing statement token") ? x : NULL;
    }
    if (!strcmp(name, "if"))
        return (x = parse_if(p)) && end_stmt(p, "endif") ? x : NULL;
    if (!strcmp(name, "for")) {
        static const char *const stops[] = {"endfor", "else", NULL};
        static const char *const endfor[] = {"endfor", NULL};
        if (!(x = node(p, JN_FOR)) || !enter(p) || !(x->a = parse_sequence(p, true)))
            return NULL;
        if (x->a->type != JN_NAME && x->a->type != JN_TUPLE)
            return fail(p, "Expected identifier/tuple for the loop variable");
        if (!expect_ident(p, "in") || !(x->b = parse_expr(p)) ||
            !expect(p, JT_CLOSE_STMT, "Expected closing statement token") ||
            !parse_until(p, &x->body, stops))
            return NULL;
        if (is_stmt(p, (const char *const[]){"else", NULL})) {
            p->cur += 2;
            if (!expect(p, JT_CLOSE_STMT, "Expected closing statement token") ||
                !parse_until(p, &x->alt, endfor))
                return NULL;
        }
        p->nest--;
        return end_stmt(p, "endfor") ? x : NULL;
    }
    if (!strcmp(name, "macro")) {
        static const char *const stops[] = {"endmacro", NULL};
        struct jnode *nm = parse_primary(p);
        if (!nm || nm->type != JN_NAME)
            return fail(p, "Expected identifier following macro statement");
        if (!(x = node(p, JN_MACRO)))
            return NULL;
        x->s = nm->s;
        if (!parse_args(p, &x->args, true) ||
            !expect(p, JT_CLOSE_STMT, "Expected closing statement token") || !enter(p) ||
            !parse_until(p, &x->body, stops))
            return NULL;
        p->nest--;
        return end_stmt(p, "endmacro") ? x : NULL;
    }
    if (!strcmp(name, "call")) {
        static const char *const stops[] = {"endcall", NULL};
        if (!(x = node(p, JN_CALLBLOCK)))
            return NULL;
        if (is(p, JT_LPAREN) && !parse_args(p, &x->alt, true))
            return NULL;
        struct jnode *callee = parse_primary(p), *call = node(p, JN_CALL);
        if (!callee || !call)
            return NULL;
        if (callee->type != JN_NAME)
            return fail(p, "Expected identifier following call statement");
        call->a = callee;
        x->a = call;
        if (!parse_args(p, &call->args, false) ||
            !expect(p, JT_CLOSE_STMT, "Expected closing statement token") || !enter(p) ||
            !parse_until(p, &x->body, stops))
            return NULL;
        p->nest--;
        return end_stmt(p, "endcall") ? x : NULL;
    }
    if (!strcmp(name, "filter")) {
        static const char *const stops[] = {"endfilter", NULL};
        struct jnode *f = parse_primary(p);
        if (!f || f->type != JN_NAME || !(x = node(p, JN_FILTERBLOCK)))
            return f ? fail(p, "Expected identifier for the filter") : NULL;
        x->s = f->s;
        x->flag = is(p, JT_LPAREN);
        if (x->flag && !parse_args(p, &x->args, false))
            return NULL;
        if (!expect(p, JT_CLOSE_STMT, "Expected closing statement token") || !enter(p) ||
            !parse_until(p, &x->body, stops))
            return NULL;
        p->nest--;
        return end_stmt(p, "endfilter") ? x : NULL;
    }
    if (!strcmp(name, "break") || !strcmp(name, "continue")) {
        x = node(p, !strcmp(name, "break") ? JN_BREAK : JN_CONTINUE);
        return x && expect(p, JT_CLOSE_STMT, "Expected closing statement token") ? x : NULL;
    }
    char msg[96];
    snprintf(msg, sizeof(msg), "Unknown statement type: %.40s", name);
    return fail(p, msg);
}

static struct jnode *parse_any(struct ps *p)
{
    const struct jtok *t = &p->t[p->cur];
    struct jnode *x;
    switch (t->type) {
    case JT_COMMENT:
        p->cur++;
        return node(p, JN_COMMENT);
    case JT_TEXT:
        if (!(x = node(p, JN_TEXT)))
            return NULL;
        x->s = t->s, x->len = t->len;
        p->cur++;
        return x;
    case JT_OPEN_STMT:
        return parse_stmt(p);
    case JT_OPEN_EXPR:
        p->cur++;
        if (!(x = node(p, JN_OUTPUT)) || !(x->a = parse_expr(p)))
            return NULL;
        return expect(p, JT_CLOSE_EXPR, "Expected closing expression token") ? x : NULL;
    default:
        return fail(p, "Unexpected token");
    }
}

int jinja2_parse_tokens(struct tv_arena *a, const struct jtok *t, size_t n, struct jlist *body,
                        struct cola_err *err)
{
    struct ps p = {a, t, n, 0, 0, err, 0};
    while (!p.rc && p.cur < n)
        if (!add(&p, body, parse_any(&p)) && !p.rc)
            fail(&p, "Unexpected token");
    return p.rc;
}
