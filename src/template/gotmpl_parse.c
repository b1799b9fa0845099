/* gotmpl_parse.c — the Go text/template parser (parse/parse.go's grammar,
 * error texts and three-token lookahead).
 *
 * Errors unwind with longjmp, as Go's parser unwinds with panic: every node
 * is in the template's arena and the variable stack is freed by the caller
 * of setjmp, so nothing leaks on the jump. Nesting (blocks, parentheses) is
 * bounded by GOTMPL_MAX_NEST so that hostile input cannot exhaust the stack.
 */
#include "template/gotmpl_int.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const known_funcs[] = {
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
    "json", "currentDate", "yesterdayDate", "toTypeScriptType",
};

struct parser {
    struct gotmpl *t;
    struct gt_lexer lex;
    struct gt_tok tok[3];
    int peek_count;
    const char **vars;   /* malloc'ed; names point into the arena */
    size_t nvars, cap;
    size_t var_base;     /* variables below this belong to an outer tree */
    int range_depth;
    int nest;
    int rc;
    struct cola_err *err;
    struct gotmpl_error *where;
    jmp_buf jb;
};

static _Noreturn void fail_at(struct parser *p, int rc, size_t pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static _Noreturn void fail_at(struct parser *p, int rc, size_t pos, const char *fmt, ...)
{
    char msg[COLA_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    int line, col;
    gt_position(p->t->src, pos > p->t->src_len ? p->t->src_len : pos, &line, &col);
    line = p->tok[0].line ? p->tok[0].line : line;
    /* Go names only the line; the column is added (0-based, as Go counts it
     * in execution errors) so the message points at the spot. */
    err_set(p->err, rc, "template: :%d:%d: %s", line, col, msg);
    if (p->where) {
        p->where->line = line;
        p->where->col = col;
    }
    p->rc = rc;
    longjmp(p->jb, 1);
}

#define FAIL(p, ...) fail_at((p), COLA_EFORMAT, (p)->tok[0].pos, __VA_ARGS__)

static void *palloc(struct parser *p, size_t n)
{
    void *x = tv_alloc(&p->t->arena, n);
    if (!x)
        fail_at(p, COLA_ENOMEM, p->tok[0].pos, "out of memory");
    return x;
}

static char *pdup(struct parser *p, const char *s, size_t n)
{
    char *x = tv_strndup(&p->t->arena, s, n);
    if (!x)
        fail_at(p, COLA_ENOMEM, p->tok[0].pos, "out of memory");
    return x;
}

/* Append x to an arena array (items/n/cap), doubling. */
static void push_ptr(struct parser *p, void ***items, size_t *n, size_t *cap, void *x)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        void **a = palloc(p, nc * sizeof(void *));
        if (*n)
            memcpy(a, *items, *n * sizeof(void *));
        *items = a;
        *cap = nc;
    }
    (*items)[(*n)++] = x;
}

/* The capacity push_ptr gave an array of n items (4, 8, 16, ...), for the
 * arrays whose node keeps no cap field. */
static size_t pcap(size_t n)
{
    size_t c = 4;
    if (!n)
        return 0;
    while (c < n)
        c *= 2;
    return c;
}

/* ---------------------------------------------------------------- tokens */

static struct gt_tok next(struct parser *p)
{
    if (p->peek_count > 0)
        p->peek_count--;
    else
        p->tok[0] = gt_lex_next(&p->lex);
    return p->tok[p->peek_count];
}

static void backup(struct parser *p) { p->peek_count++; }

static void backup2(struct parser *p, struct gt_tok t1)
{
    p->tok[1] = t1;
    p->peek_count = 2;
}

static void backup3(struct parser *p, struct gt_tok t2, struct gt_tok t1)
{
    p->tok[1] = t1;
    p->tok[2] = t2;
    p->peek_count = 3;
}

static struct gt_tok peek(struct parser *p)
{
    if (p->peek_count > 0)
        return p->tok[p->peek_count - 1];
    p->peek_count = 1;
    p->tok[0] = gt_lex_next(&p->lex);
    return p->tok[0];
}

static struct gt_tok next_non_space(struct parser *p)
{
    struct gt_tok t;
    do
        t = next(p);
    while (t.type == IT_SPACE);
    return t;
}

static struct gt_tok peek_non_space(struct parser *p)
{
    struct gt_tok t = next_non_space(p);
    backup(p);
    return t;
}

/* Go's item.String(): EOF, the error text, <keyword>, or %q / %.10q... */
static void tok_string(const struct gt_tok *t, char *out, size_t n)
{
    if (t->type == IT_EOF) {
        snprintf(out, n, "EOF");
        return;
    }
    if (t->type == IT_ERROR) {
        snprintf(out, n, "%.*s", (int)t->len, t->val);
        return;
    }
    if (t->type > IT_KEYWORD) {
        snprintf(out, n, "<%.*s>", (int)(t->len > 64 ? 64 : t->len), t->val);
        return;
    }
    size_t o = 0, runes = 0;
    bool more = false;
    out[o++] = '"';
    for (size_t i = 0; i < t->len && o + 8 < n; i++) {
        unsigned char c = (unsigned char)t->val[i];
        if ((c & 0xC0) != 0x80 && runes++ == 10) {
            more = true;
            break;
        }
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, n - o, "\\%c", c);
        else if (c == '\n')
            o += (size_t)snprintf(out + o, n - o, "\\n");
        else if (c == '\t')
            o += (size_t)snprintf(out + o, n - o, "\\t");
        else if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    snprintf(out + o, n - o, "\"%s", more ? "..." : "");
}

static _Noreturn void unexpected(struct parser *p, struct gt_tok t, const char *context)
{
    char s[128];
    if (t.type == IT_ERROR)
        FAIL(p, "%.*s", (int)t.len, t.val);
    tok_string(&t, s, sizeof(s));
    FAIL(p, "unexpected %s in %s", s, context);
}

static struct gt_tok expect(struct parser *p, int type, const char *context)
{
    struct gt_tok t = next_non_space(p);
    if (t.type != type)
        unexpected(p, t, context);
    return t;
}

/* ---------------------------------------------------------------- nodes */

static struct gt_node *new_node(struct parser *p, int type, uint32_t pos)
{
    struct gt_node *n = palloc(p, sizeof(*n));
    n->type = (uint8_t)type;
    n->pos = pos;
    return n;
}

static void list_append(struct parser *p, struct gt_node *list, struct gt_node *n)
{
    push_ptr(p, (void ***)&list->u.list.nodes, &list->u.list.n, &list->u.list.cap, n);
}

static void nest_in(struct parser *p)
{
    if (++p->nest > GOTMPL_MAX_NEST)
        fail_at(p, COLA_ERANGE, p->tok[0].pos, "nesting deeper than %d", GOTMPL_MAX_NEST);
}

static bool has_function(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof(known_funcs) / sizeof(known_funcs[0]); i++)
        if (strlen(known_funcs[i]) == n && !memcmp(known_funcs[i], name, n))
            return true;
    return false;
}

static void push_var(struct parser *p, const char *name)
{
    if (p->nvars == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 16;
        const char **v = realloc(p->vars, nc * sizeof(*v));
        if (!v)
            fail_at(p, COLA_ENOMEM, p->tok[0].pos, "out of memory");
        p->vars = v;
        p->cap = nc;
    }
    p->vars[p->nvars++] = name;
}

/* Split "$x.A.B" / ".A.B" into identifiers ("$x", "A", "B" / "A", "B"). */
static void split_idents(struct parser *p, struct gt_node *n, const char *s, size_t len)
{
    size_t i = 0;
    if (s[0] == '.')
        i = 1;
    while (i <= len) {
        size_t j = i;
        while (j < len && s[j] != '.')
            j++;
        push_ptr(p, (void ***)&n->u.field.idents, &n->u.field.n, &(size_t){pcap(n->u.field.n)}, pdup(p, s + i, j - i));
        i = j + 1;
    }
}

static struct gt_node *new_field_like(struct parser *p, int type, uint32_t pos, const char *s, size_t len)
{
    struct gt_node *n = new_node(p, type, pos);
    split_idents(p, n, s, len);
    return n;
}

static struct gt_node *use_var(struct parser *p, struct gt_tok t)
{
    struct gt_node *v = new_field_like(p, GT_VAR, t.pos, t.val, t.len);
    const char *name = v->u.field.idents[0];
    for (size_t i = p->var_base; i < p->nvars; i++)
        if (!strcmp(p->vars[i], name))
            return v;
    FAIL(p, "undefined variable \"%s\"", name);
}

static struct gt_node *new_number(struct parser *p, struct gt_tok t)
{
    struct gt_node *n = new_node(p, GT_NUMBER, t.pos);
    char *text = pdup(p, t.val, t.len);
    n->u.num.text = text;
    if (t.type == IT_COMPLEX)
        FAIL(p, "complex constants are not supported: %s", text);
    if (t.type == IT_CHARCONST) {
        char *s;
        size_t len;
        int32_t r = 0;
        if (gt_unquote(&p->t->arena, t.val, t.len, &s, &len, &r))
            FAIL(p, "malformed character constant: %s", text);
        n->u.num.is_int = n->u.num.is_float = true;
        n->u.num.i = r;
        n->u.num.f = r;
        return n;
    }
    if (strchr(text, '_') || strchr(text, 'i'))
        FAIL(p, "illegal number syntax: \"%s\"", text);
    const char *d = text + (text[0] == '+' || text[0] == '-');
    bool hex = d[0] == '0' && (d[1] == 'x' || d[1] == 'X');
    bool floaty = hex ? strpbrk(text, ".pP") != NULL : strpbrk(text, ".eE") != NULL;
    if (!floaty) {
        int base = 10;
        const char *digits = d;
        if (d[0] == '0' && d[1] && strchr("xXoObB", d[1])) {
            base = strchr("xX", d[1]) ? 16 : strchr("oO", d[1]) ? 8 : 2;
            digits = d + 2;
        } else if (d[0] == '0' && d[1]) {
            base = 8;
            digits = d + 1;
        }
        errno = 0;
        char *end;
        unsigned long long u = strtoull(digits, &end, base);
        if (*end || !*digits || digits[0] == '-' || digits[0] == '+')
            FAIL(p, "illegal number syntax: \"%s\"", text);
        bool neg = text[0] == '-';
        if (errno == ERANGE || u > (neg ? (1ull << 63) : (unsigned long long)INT64_MAX))
            FAIL(p, "integer overflow: \"%s\"", text);
        n->u.num.is_int = n->u.num.is_float = true;
        n->u.num.i = neg ? (int64_t)(0 - u) : (int64_t)u;
        n->u.num.f = (double)n->u.num.i;
        return n;
    }
    char *end;
    double f = strtod(text, &end);
    if (*end || end == text || isinf(f))
        FAIL(p, "illegal number syntax: \"%s\"", text);
    n->u.num.is_float = true;
    n->u.num.f = f;
    if (fabs(f) < 9.2e18 && f == (double)(int64_t)f) {
        n->u.num.is_int = true;
        n->u.num.i = (int64_t)f;
    }
    return n;
}

/* ---------------------------------------------------------------- grammar */

static struct gt_pipe *pipeline(struct parser *p, const char *context, int end);
static struct gt_node *item_list(struct parser *p, struct gt_node **end);
static struct gt_node *if_control(struct parser *p);
static struct gt_node *with_control(struct parser *p);

static struct gt_node *term(struct parser *p)
{
    struct gt_tok t = next_non_space(p);
    struct gt_node *n;
    switch (t.type) {
    case IT_ERROR:
        FAIL(p, "%.*s", (int)t.len, t.val);
    case IT_IDENT:
        if (!has_function(t.val, t.len))
            FAIL(p, "function \"%.*s\" not defined", (int)(t.len > 100 ? 100 : t.len), t.val);
        n = new_node(p, GT_IDENT, t.pos);
        n->u.ident = pdup(p, t.val, t.len);
        return n;
    case IT_DOT:
        return new_node(p, GT_DOT, t.pos);
    case IT_NIL:
        return new_node(p, GT_NIL, t.pos);
    case IT_VARIABLE:
        return use_var(p, t);
    case IT_FIELD:
        return new_field_like(p, GT_FIELD, t.pos, t.val, t.len);
    case IT_BOOL:
        n = new_node(p, GT_BOOL, t.pos);
        n->u.b = t.len == 4;
        return n;
    case IT_CHARCONST:
    case IT_COMPLEX:
    case IT_NUMBER:
        return new_number(p, t);
    case IT_LPAREN:
        nest_in(p);
        n = new_node(p, GT_PIPE, t.pos);
        n->u.pipe = pipeline(p, "parenthesized pipeline", IT_RPAREN);
        p->nest--;
        return n;
    case IT_STRING:
    case IT_RAWSTRING: {
        n = new_node(p, GT_STRING, t.pos);
        char *s;
        if (gt_unquote(&p->t->arena, t.val, t.len, &s, &n->u.str.len, NULL))
            FAIL(p, "invalid syntax");
        n->u.str.s = s;
        n->u.str.quoted = pdup(p, t.val, t.len);
        return n;
    }
    }
    backup(p);
    return NULL;
}

static struct gt_node *operand(struct parser *p)
{
    struct gt_node *n = term(p);
    if (!n || peek(p).type != IT_FIELD)
        return n;
    if (n->type == GT_BOOL || n->type == GT_STRING || n->type == GT_NUMBER || n->type == GT_NIL ||
        n->type == GT_DOT) {
        struct buf b;
        buf_init(&b, 256);
        gotmpl_node_string(&b, n);
        char s[300];
        snprintf(s, sizeof(s), "%s", b.data ? b.data : "");
        buf_free(&b);
        FAIL(p, "unexpected . after term \"%s\"", s);
    }
    if (n->type == GT_FIELD || n->type == GT_VAR) {
        while (peek(p).type == IT_FIELD) {
            struct gt_tok f = next(p);
            push_ptr(p, (void ***)&n->u.field.idents, &n->u.field.n, &(size_t){pcap(n->u.field.n)},
                     pdup(p, f.val + 1, f.len - 1));
        }
        return n;
    }
    struct gt_node *c = new_node(p, GT_CHAIN, peek(p).pos);
    c->u.field.node = n;
    while (peek(p).type == IT_FIELD) {
        struct gt_tok f = next(p);
        push_ptr(p, (void ***)&c->u.field.idents, &c->u.field.n, &(size_t){pcap(c->u.field.n)},
                 pdup(p, f.val + 1, f.len - 1));
    }
    return c;
}

static struct gt_cmd *command(struct parser *p)
{
    struct gt_cmd *c = palloc(p, sizeof(*c));
    c->pos = peek_non_space(p).pos;
    for (;;) {
        peek_non_space(p);
        struct gt_node *o = operand(p);
        if (o)
            push_ptr(p, (void ***)&c->args, &c->n, &c->cap, o);
        struct gt_tok t = next(p);
        if (t.type == IT_SPACE)
            continue;
        if (t.type == IT_ERROR)
            FAIL(p, "%.*s", (int)t.len, t.val);
        if (t.type == IT_RDELIM || t.type == IT_RPAREN)
            backup(p);
        else if (t.type != IT_PIPE)
            unexpected(p, t, "operand");
        break;
    }
    if (c->n == 0)
        FAIL(p, "empty command");
    return c;
}

static void decl_var(struct parser *p, struct gt_pipe *pipe, struct gt_tok v)
{
    const char *name = pdup(p, v.val, v.len);
    push_ptr(p, (void ***)&pipe->decl, &pipe->ndecl, &(size_t){pcap(pipe->ndecl)}, (void *)name);
    push_var(p, name);
}

static void check_pipeline(struct parser *p, struct gt_pipe *pipe, const char *context)
{
    if (pipe->n == 0)
        FAIL(p, "missing value for %s", context);
    for (size_t i = 1; i < pipe->n; i++) {
        int ty = pipe->cmds[i]->args[0]->type;
        if (ty == GT_BOOL || ty == GT_DOT || ty == GT_NIL || ty == GT_NUMBER || ty == GT_STRING)
            FAIL(p, "non executable command in pipeline stage %zu", i + 1);
    }
}

static struct gt_pipe *pipeline(struct parser *p, const char *context, int end)
{
    struct gt_pipe *pipe = palloc(p, sizeof(*pipe));
    pipe->pos = peek_non_space(p).pos;
decls:;
    struct gt_tok v = peek_non_space(p);
    if (v.type == IT_VARIABLE) {
        next(p);
        struct gt_tok after = peek(p);
        struct gt_tok nx = peek_non_space(p);
        if (nx.type == IT_ASSIGN || nx.type == IT_DECLARE) {
            pipe->is_assign = nx.type == IT_ASSIGN;
            next_non_space(p);
            decl_var(p, pipe, v);
        } else if (nx.type == IT_CHAR && nx.len == 1 && nx.val[0] == ',') {
            next_non_space(p);
            decl_var(p, pipe, v);
            if (!strcmp(context, "range") && pipe->ndecl < 2) {
                int ty = peek_non_space(p).type;
                if (ty == IT_VARIABLE || ty == IT_RDELIM || ty == IT_RPAREN)
                    goto decls;
                FAIL(p, "range can only initialize variables");
            }
            FAIL(p, "too many declarations in %s", context);
        } else if (after.type == IT_SPACE) {
            backup3(p, v, after);
        } else {
            backup2(p, v);
        }
    }
    for (;;) {
        struct gt_tok t = next_non_space(p);
        if (t.type == end) {
            check_pipeline(p, pipe, context);
            return pipe;
        }
        switch (t.type) {
        case IT_BOOL: case IT_CHARCONST: case IT_COMPLEX: case IT_DOT: case IT_FIELD:
        case IT_IDENT: case IT_NUMBER: case IT_NIL: case IT_RAWSTRING: case IT_STRING:
        case IT_VARIABLE: case IT_LPAREN:
            backup(p);
            push_ptr(p, (void ***)&pipe->cmds, &pipe->n, &pipe->cap, command(p));
            break;
        default:
            unexpected(p, t, context);
        }
    }
}

static struct gt_node *parse_control(struct parser *p, int type, const char *context)
{
    size_t mark = p->nvars;
    nest_in(p);
    struct gt_node *n = new_node(p, type, 0);
    n->u.branch.pipe = pipeline(p, context, IT_RDELIM);
    n->pos = n->u.branch.pipe->pos;
    if (type == GT_RANGE)
        p->range_depth++;
    struct gt_node *end;
    n->u.branch.list = item_list(p, &end);
    if (type == GT_RANGE)
        p->range_depth--;
    if (end->type == GT_ELSE) {
        if (type == GT_IF && peek(p).type == IT_IF) {
            next(p);
            n->u.branch.else_list = new_node(p, GT_LIST, end->pos);
            list_append(p, n->u.branch.else_list, if_control(p));
        } else if (type == GT_WITH && peek(p).type == IT_WITH) {
            next(p);
            n->u.branch.else_list = new_node(p, GT_LIST, end->pos);
            list_append(p, n->u.branch.else_list, with_control(p));
        } else {
            n->u.branch.else_list = item_list(p, &end);
            if (end->type != GT_END)
                FAIL(p, "expected end; found {{else}}");
        }
    }
    p->nvars = mark;
    p->nest--;
    return n;
}

static struct gt_node *if_control(struct parser *p) { return parse_control(p, GT_IF, "if"); }
static struct gt_node *with_control(struct parser *p) { return parse_control(p, GT_WITH, "with"); }

static const char *template_name(struct parser *p, struct gt_tok t, const char *context)
{
    if (t.type != IT_STRING && t.type != IT_RAWSTRING)
        unexpected(p, t, context);
    char *s;
    size_t len;
    if (gt_unquote(&p->t->arena, t.val, t.len, &s, &len, NULL))
        FAIL(p, "invalid syntax");
    return s;
}

static void add_def(struct parser *p, const char *name, struct gt_node *root);
static bool is_empty_tree(const struct gt_node *n);

static struct gt_node *define_body(struct parser *p, const char *context)
{
    /* a definition is a tree of its own: fresh variables, no range around */
    size_t base = p->var_base, nv = p->nvars;
    int rd = p->range_depth;
    p->var_base = p->nvars;
    p->range_depth = 0;
    push_var(p, "$");
    struct gt_node *end;
    struct gt_node *root = item_list(p, &end);
    if (end->type != GT_END)
        FAIL(p, "unexpected {{else}} in %s", context);
    p->var_base = base;
    p->nvars = nv;
    p->range_depth = rd;
    return root;
}

static struct gt_node *template_control(struct parser *p, bool block)
{
    const char *context = block ? "block clause" : "template clause";
    struct gt_tok t = next_non_space(p);
    const char *name = template_name(p, t, context);
    struct gt_node *n = new_node(p, GT_TEMPLATE, t.pos);
    n->u.tmpl.name = name;
    if (block) {
        n->u.tmpl.pipe = pipeline(p, context, IT_RDELIM);
        nest_in(p);
        add_def(p, name, define_body(p, context));
        p->nest--;
    } else if (next_non_space(p).type != IT_RDELIM) {
        backup(p);
        n->u.tmpl.pipe = pipeline(p, context, IT_RDELIM);
    }
    return n;
}

static struct gt_node *break_control(struct parser *p, struct gt_tok kw, bool brk)
{
    const char *what = brk ? "{{break}}" : "{{continue}}";
    struct gt_tok t = next_non_space(p);
    if (t.type != IT_RDELIM)
        unexpected(p, t, what);
    if (p->range_depth == 0)
        FAIL(p, "%s outside {{range}}", what);
    return new_node(p, brk ? GT_BREAK : GT_CONTINUE, kw.pos);
}

static struct gt_node *action(struct parser *p)
{
    struct gt_tok t = next_non_space(p);
    switch (t.type) {
    case IT_BLOCK:
        return template_control(p, true);
    case IT_BREAK:
    case IT_CONTINUE:
        return break_control(p, t, t.type == IT_BREAK);
    case IT_ELSE: {
        struct gt_tok pk = peek_non_space(p);
        if (pk.type == IT_IF || pk.type == IT_WITH)
            return new_node(p, GT_ELSE, pk.pos);
        return new_node(p, GT_ELSE, expect(p, IT_RDELIM, "else").pos);
    }
    case IT_END:
        return new_node(p, GT_END, expect(p, IT_RDELIM, "end").pos);
    case IT_IF:
        return if_control(p);
    case IT_RANGE:
        return parse_control(p, GT_RANGE, "range");
    case IT_TEMPLATE:
        return template_control(p, false);
    case IT_WITH:
        return with_control(p);
    }
    backup(p);
    struct gt_tok first = peek(p);
    struct gt_node *n = new_node(p, GT_ACTION, first.pos);
    n->u.pipe = pipeline(p, "command", IT_RDELIM);
    return n;
}

static struct gt_node *text_or_action(struct parser *p)
{
    struct gt_tok t = next_non_space(p);
    if (t.type == IT_TEXT) {
        struct gt_node *n = new_node(p, GT_TEXT, t.pos);
        n->u.text.p = t.val; /* the source copy lives in the arena */
        n->u.text.len = t.len;
        return n;
    }
    if (t.type == IT_LDELIM)
        return action(p);
    unexpected(p, t, "input");
}

static struct gt_node *item_list(struct parser *p, struct gt_node **end)
{
    struct gt_node *list = new_node(p, GT_LIST, peek_non_space(p).pos);
    while (peek_non_space(p).type != IT_EOF) {
        struct gt_node *n = text_or_action(p);
        if (n->type == GT_END || n->type == GT_ELSE) {
            *end = n;
            return list;
        }
        list_append(p, list, n);
    }
    FAIL(p, "unexpected EOF");
}

static bool is_empty_tree(const struct gt_node *n)
{
    if (!n)
        return true;
    if (n->type == GT_LIST) {
        for (size_t i = 0; i < n->u.list.n; i++)
            if (!is_empty_tree(n->u.list.nodes[i]))
                return false;
        return true;
    }
    if (n->type == GT_TEXT) {
        for (size_t i = 0; i < n->u.text.len; i++)
            if (!strchr(" \t\r\n\v\f", n->u.text.p[i]) || !n->u.text.p[i])
                return false;
        return true;
    }
    return false;
}

static void add_def(struct parser *p, const char *name, struct gt_node *root)
{
    struct gotmpl *t = p->t;
    for (size_t i = 0; i < t->ndefs; i++) {
        if (strcmp(t->defs[i].name, name))
            continue;
        if (is_empty_tree(t->defs[i].root)) {
            t->defs[i].root = root;
            return;
        }
        if (!is_empty_tree(root))
            FAIL(p, "template: multiple definition of template \"%s\"", name);
        return;
    }
    if (t->ndefs == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 4;
        struct gotmpl_def *d = palloc(p, nc * sizeof(*d));
        if (t->ndefs)
            memcpy(d, t->defs, t->ndefs * sizeof(*d));
        t->defs = d;
        t->cap = nc;
    }
    t->defs[t->ndefs].name = name;
    t->defs[t->ndefs].root = root;
    t->ndefs++;
}

/* The top level: like item_list, but {{define}} is allowed and {{end}} /
 * {{else}} are errors. */
static void parse_top(struct parser *p)
{
    struct gt_node *root = new_node(p, GT_LIST, peek(p).pos);
    add_def(p, "", root);
    while (peek(p).type != IT_EOF) {
        if (peek(p).type == IT_LDELIM) {
            struct gt_tok delim = next(p);
            if (next_non_space(p).type == IT_DEFINE) {
                struct gt_tok nt = next_non_space(p);
                if (nt.type != IT_STRING && nt.type != IT_RAWSTRING)
                    unexpected(p, nt, "define clause");
                const char *name = template_name(p, nt, "define clause");
                expect(p, IT_RDELIM, "define clause");
                add_def(p, name, define_body(p, "define clause"));
                continue;
            }
            backup2(p, delim);
        }
        struct gt_node *n = text_or_action(p);
        if (n->type == GT_END)
            FAIL(p, "unexpected {{end}}");
        if (n->type == GT_ELSE)
            FAIL(p, "unexpected {{else}}");
        list_append(p, root, n);
    }
    /* the root may have been replaced by an empty-tree rule: keep ours */
    p->t->defs[0].root = root;
}

int gotmpl_parse(const char *text, size_t len, struct gotmpl **out, struct cola_err *err,
                 struct gotmpl_error *where)
{
    *out = NULL;
    if (where)
        where->line = where->col = 0;
    if (len > GOTMPL_MAX_SOURCE)
        return err_set(err, COLA_ERANGE, "template: longer than %u bytes", GOTMPL_MAX_SOURCE);
    struct gotmpl *t = calloc(1, sizeof(*t));
    if (!t)
        return err_set(err, COLA_ENOMEM, "out of memory");
    tv_arena_init(&t->arena, 64 * (size_t)GOTMPL_MAX_SOURCE + (1u << 20));
    char *src = tv_strndup(&t->arena, text, len);
    if (!src) {
        gotmpl_free(t);
        return err_set(err, COLA_ENOMEM, "out of memory");
    }
    t->src = src;
    t->src_len = len;

    struct parser *p = calloc(1, sizeof(*p));
    if (!p) {
        gotmpl_free(t);
        return err_set(err, COLA_ENOMEM, "out of memory");
    }
    p->t = t;
    p->err = err;
    p->where = where;
    gt_lex_init(&p->lex, src, len);
    int rc = 0;
    if (setjmp(p->jb) == 0) {
        push_var(p, "$");
        parse_top(p);
    } else {
        rc = p->rc ? p->rc : COLA_EFORMAT;
    }
    free(p->vars);
    free(p);
    if (rc) {
        gotmpl_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void gotmpl_free(struct gotmpl *t)
{
    if (!t)
        return;
    tv_arena_free(&t->arena);
    free(t);
}

void *gotmpl_alloc(struct gotmpl *t, size_t n) { return tv_alloc(&t->arena, n); }

const struct gotmpl_def *gotmpl_lookup(const struct gotmpl *t, const char *name)
{
    for (size_t i = 0; i < t->ndefs; i++)
        if (!strcmp(t->defs[i].name, name))
            return &t->defs[i];
    return NULL;
}
