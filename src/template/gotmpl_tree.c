/* gotmpl_tree.c — walks over a parsed Go template: Go's Node.String()
 * forms, Ollama's Vars() and Ollama's Parse (the trailing .Response). */
#include "template/gotmpl_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int pipe_string(struct buf *b, const struct gt_pipe *p);

static int idents_string(struct buf *b, const struct gt_node *n, bool dot)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < n->u.field.n; i++) {
        if (dot || i)
            rc = buf_putc(b, '.');
        if (!rc)
            rc = buf_puts(b, n->u.field.idents[i]);
    }
    return rc;
}

static int list_string(struct buf *b, const struct gt_node *n)
{
    int rc = 0;
    for (size_t i = 0; !rc && n && i < n->u.list.n; i++)
        rc = gotmpl_node_string(b, n->u.list.nodes[i]);
    return rc;
}

static int branch_string(struct buf *b, const struct gt_node *n, const char *kw)
{
    int rc = buf_printf(b, "{{%s ", kw);
    if (!rc)
        rc = pipe_string(b, n->u.branch.pipe);
    if (!rc)
        rc = buf_puts(b, "}}");
    if (!rc)
        rc = list_string(b, n->u.branch.list);
    if (!rc && n->u.branch.else_list) {
        rc = buf_puts(b, "{{else}}");
        if (!rc)
            rc = list_string(b, n->u.branch.else_list);
    }
    return rc ? rc : buf_puts(b, "{{end}}");
}

int gotmpl_node_string(struct buf *b, const struct gt_node *n)
{
    int rc;
    switch (n->type) {
    case GT_LIST:
        return list_string(b, n);
    case GT_TEXT:
        return buf_append(b, n->u.text.p, n->u.text.len);
    case GT_ACTION:
        rc = buf_puts(b, "{{");
        if (!rc)
            rc = pipe_string(b, n->u.pipe);
        return rc ? rc : buf_puts(b, "}}");
    case GT_IF:
        return branch_string(b, n, "if");
    case GT_RANGE:
        return branch_string(b, n, "range");
    case GT_WITH:
        return branch_string(b, n, "with");
    case GT_TEMPLATE:
        rc = buf_puts(b, "{{template ");
        if (!rc)
            rc = buf_putc(b, '"');
        if (!rc)
            rc = buf_puts(b, n->u.tmpl.name);
        if (!rc)
            rc = buf_putc(b, '"');
        if (!rc && n->u.tmpl.pipe) {
            rc = buf_putc(b, ' ');
            if (!rc)
                rc = pipe_string(b, n->u.tmpl.pipe);
        }
        return rc ? rc : buf_puts(b, "}}");
    case GT_BREAK:
        return buf_puts(b, "{{break}}");
    case GT_CONTINUE:
        return buf_puts(b, "{{continue}}");
    case GT_PIPE:
        rc = buf_putc(b, '(');
        if (!rc)
            rc = pipe_string(b, n->u.pipe);
        return rc ? rc : buf_putc(b, ')');
    case GT_FIELD:
        return idents_string(b, n, true);
    case GT_VAR:
        return idents_string(b, n, false);
    case GT_CHAIN:
        rc = gotmpl_node_string(b, n->u.field.node);
        return rc ? rc : idents_string(b, n, true);
    case GT_IDENT:
        return buf_puts(b, n->u.ident);
    case GT_DOT:
        return buf_putc(b, '.');
    case GT_NIL:
        return buf_puts(b, "nil");
    case GT_BOOL:
        return buf_puts(b, n->u.b ? "true" : "false");
    case GT_NUMBER:
        return buf_puts(b, n->u.num.text);
    case GT_STRING:
        return buf_puts(b, n->u.str.quoted);
    case GT_END:
        return buf_puts(b, "{{end}}");
    case GT_ELSE:
        return buf_puts(b, "{{else}}");
    }
    return 0;
}

static int pipe_string(struct buf *b, const struct gt_pipe *p)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < p->ndecl; i++)
        rc = buf_printf(b, "%s%s", i ? ", " : "", p->decl[i]);
    if (!rc && p->ndecl)
        rc = buf_puts(b, p->is_assign ? " = " : " := ");
    for (size_t i = 0; !rc && i < p->n; i++) {
        if (i)
            rc = buf_puts(b, " | ");
        for (size_t j = 0; !rc && j < p->cmds[i]->n; j++) {
            if (j)
                rc = buf_putc(b, ' ');
            if (!rc)
                rc = gotmpl_node_string(b, p->cmds[i]->args[j]);
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- Vars() */

struct names {
    char **v;
    size_t n, cap;
};

static int names_add(struct names *s, const char *name)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        char **v = realloc(s->v, nc * sizeof(*v));
        if (!v)
            return COLA_ENOMEM;
        s->v = v;
        s->cap = nc;
    }
    size_t len = strlen(name);
    char *c = malloc(len + 1);
    if (!c)
        return COLA_ENOMEM;
    for (size_t i = 0; i <= len; i++)
        c[i] = (char)tolower((unsigned char)name[i]);
    s->v[s->n++] = c;
    return 0;
}

static int ident_walk(const struct gt_node *n, struct names *s, struct cola_err *err);

static int ident_pipe(const struct gt_pipe *p, struct names *s, struct cola_err *err)
{
    for (size_t i = 0; i < p->n; i++)
        for (size_t j = 0; j < p->cmds[i]->n; j++) {
            int rc = ident_walk(p->cmds[i]->args[j], s, err);
            if (rc)
                return rc;
        }
    return 0;
}

/* Ollama's template.Identifiers: the pipelines of actions, branches and
 * template calls, into parenthesized pipelines, not into chains. */
static int ident_walk(const struct gt_node *n, struct names *s, struct cola_err *err)
{
    int rc = 0;
    switch (n->type) {
    case GT_LIST:
        for (size_t i = 0; !rc && i < n->u.list.n; i++)
            rc = ident_walk(n->u.list.nodes[i], s, err);
        return rc;
    case GT_TEMPLATE:
        if (!n->u.tmpl.pipe)
            return err_set(err, COLA_EFORMAT, "undefined template specified");
        return ident_pipe(n->u.tmpl.pipe, s, err);
    case GT_ACTION:
    case GT_PIPE:
        return ident_pipe(n->u.pipe, s, err);
    case GT_IF:
    case GT_RANGE:
    case GT_WITH:
        rc = ident_pipe(n->u.branch.pipe, s, err);
        if (!rc)
            rc = ident_walk(n->u.branch.list, s, err);
        if (!rc && n->u.branch.else_list)
            rc = ident_walk(n->u.branch.else_list, s, err);
        return rc;
    case GT_FIELD:
    case GT_VAR:
        for (size_t i = 0; !rc && i < n->u.field.n; i++)
            rc = names_add(s, n->u.field.idents[i]);
        return rc ? err_set(err, rc, "out of memory") : 0;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int gotmpl_vars(const struct gotmpl *t, char ***out, size_t *n, struct cola_err *err)
{
    struct names s = {0};
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < t->ndefs; i++) {
        int rc = ident_walk(t->defs[i].root, &s, err);
        if (rc) {
            gotmpl_vars_free(s.v, s.n);
            return rc;
        }
    }
    if (s.n)
        qsort(s.v, s.n, sizeof(*s.v), cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (k && !strcmp(s.v[k - 1], s.v[i]))
            free(s.v[i]);
        else
            s.v[k++] = s.v[i];
    }
    *out = s.v;
    *n = k;
    return 0;
}

void gotmpl_vars_free(char **vars, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(vars[i]);
    free(vars);
}

bool gotmpl_has_var(const struct gotmpl *t, const char *name)
{
    char **v;
    size_t n;
    bool found = false;
    if (gotmpl_vars(t, &v, &n, NULL))
        return false;
    for (size_t i = 0; i < n && !found; i++)
        found = !strcmp(v[i], name);
    gotmpl_vars_free(v, n);
    return found;
}

/* ---------------------------------------------------------------- Ollama */

int gotmpl_parse_ollama(const char *text, size_t len, struct gotmpl **out, struct cola_err *err)
{
    struct gotmpl *t;
    char **v;
    size_t n;
    int rc = gotmpl_parse(text, len, &t, err, NULL);
    if (rc)
        return rc;
    rc = gotmpl_vars(t, &v, &n, err);
    if (rc) {
        gotmpl_free(t);
        return rc;
    }
    bool found = false;
    for (size_t i = 0; i < n && !found; i++)
        found = !strcmp(v[i], "messages") || !strcmp(v[i], "response");
    gotmpl_vars_free(v, n);
    if (!found) {
        /* append {{ .Response }} to the top-level list */
        struct gt_node *root = t->defs[0].root;
        struct gt_node *act = gotmpl_alloc(t, sizeof(*act));
        struct gt_node *fld = gotmpl_alloc(t, sizeof(*fld));
        struct gt_pipe *pipe = gotmpl_alloc(t, sizeof(*pipe));
        struct gt_cmd *cmd = gotmpl_alloc(t, sizeof(*cmd));
        const char **ids = gotmpl_alloc(t, sizeof(*ids));
        struct gt_cmd **cmds = gotmpl_alloc(t, sizeof(*cmds));
        struct gt_node **args = gotmpl_alloc(t, sizeof(*args));
        struct gt_node **nodes = gotmpl_alloc(t, (root->u.list.n + 1) * sizeof(*nodes));
        if (!act || !fld || !pipe || !cmd || !ids || !cmds || !args || !nodes) {
            gotmpl_free(t);
            return err_set(err, COLA_ENOMEM, "out of memory");
        }
        ids[0] = "Response";
        fld->type = GT_FIELD;
        fld->pos = (uint32_t)len;
        fld->u.field.idents = ids;
        fld->u.field.n = 1;
        args[0] = fld;
        cmd->args = args;
        cmd->n = cmd->cap = 1;
        cmd->pos = (uint32_t)len;
        cmds[0] = cmd;
        pipe->cmds = cmds;
        pipe->n = pipe->cap = 1;
        pipe->pos = (uint32_t)len;
        act->type = GT_ACTION;
        act->pos = (uint32_t)len;
        act->u.pipe = pipe;
        if (root->u.list.n)
            memcpy(nodes, root->u.list.nodes, root->u.list.n * sizeof(*nodes));
        nodes[root->u.list.n] = act;
        root->u.list.nodes = nodes;
        root->u.list.n++;
        root->u.list.cap = root->u.list.n;
    }
    *out = t;
    return 0;
}
