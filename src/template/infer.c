/* infer.c — tool-call tag and thinking tags from a Go template's tree
 * (see infer.h). */
#include "template/infer.h"

#include <stdio.h>
#include <string.h>

#define INFER_MAX_DEPTH 512

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* s[0, n) trimmed of ASCII white space into out. */
static void put_trimmed(const char *s, size_t n, char *out, size_t cap)
{
    while (n && is_space(*s))
        s++, n--;
    while (n && is_space(s[n - 1]))
        n--;
    snprintf(out, cap, "%.*s", (int)(n < (size_t)cap ? n : cap - 1), s);
}

static bool blank(const struct gt_node *n)
{
    for (size_t i = 0; i < n->u.text.len; i++)
        if (!is_space(n->u.text.p[i]))
            return false;
    return true;
}

/* ---------------------------------------------------------------- parseTag */

static bool names_tool_calls(const struct gt_pipe *p)
{
    for (size_t i = 0; p && i < p->n; i++)
        for (size_t j = 0; j < p->cmds[i]->n; j++) {
            const struct gt_node *a = p->cmds[i]->args[j];
            if (a->type == GT_FIELD)
                for (size_t k = 0; k < a->u.field.n; k++)
                    if (!strcmp(a->u.field.idents[k], "ToolCalls"))
                        return true;
        }
    return false;
}

static const struct gt_node *find_tool_if(const struct gt_node *list, int depth)
{
    if (!list || depth > INFER_MAX_DEPTH)
        return NULL;
    for (size_t i = 0; i < list->u.list.n; i++) {
        const struct gt_node *n = list->u.list.nodes[i], *r;
        switch (n->type) {
        case GT_IF:
        case GT_RANGE:
        case GT_WITH:
            if (n->type == GT_IF && names_tool_calls(n->u.branch.pipe))
                return n;
            if ((r = find_tool_if(n->u.branch.list, depth + 1)) ||
                (r = find_tool_if(n->u.branch.else_list, depth + 1)))
                return r;
            break;
        case GT_LIST:
            if ((r = find_tool_if(n, depth + 1)))
                return r;
            break;
        default:
            break;
        }
    }
    return NULL;
}

/* The first non-blank text, depth first, stopping at an action or after
 * the first block searched. */
static const struct gt_node *find_text(const struct gt_node *list, int depth)
{
    if (!list || depth > INFER_MAX_DEPTH)
        return NULL;
    for (size_t i = 0; i < list->u.list.n; i++) {
        const struct gt_node *n = list->u.list.nodes[i], *r;
        switch (n->type) {
        case GT_TEXT:
            if (!blank(n))
                return n;
            break;
        case GT_IF:
        case GT_RANGE:
        case GT_WITH:
            if ((r = find_text(n->u.branch.list, depth + 1)) ||
                (r = find_text(n->u.branch.else_list, depth + 1)))
                return r;
            return NULL;
        case GT_LIST:
            if ((r = find_text(n, depth + 1)))
                return r;
            break;
        case GT_ACTION:
            return NULL;
        default:
            break;
        }
    }
    return NULL;
}

void infer_tool_tag(const struct gotmpl *t, char *tag, size_t cap)
{
    snprintf(tag, cap, "{");
    const struct gt_node *ifn = t && t->ndefs ? find_tool_if(t->defs[0].root, 0) : NULL;
    const struct gt_node *tn = ifn ? find_text(ifn->u.branch.list, 0) : NULL;
    if (!tn)
        return;
    char text[1024];
    size_t n = 0;
    for (size_t i = 0; i < tn->u.text.len && n + 1 < sizeof(text); i++) {
        const char c = tn->u.text.p[i];
        if (c == '{')
            break; /* what follows may be the call itself */
        if (c == '\r' && i + 1 < tn->u.text.len && tn->u.text.p[i + 1] == '\n')
            continue;
        text[n++] = c;
    }
    char out[1024];
    put_trimmed(text, n, out, sizeof(out));
    if (out[0])
        snprintf(tag, cap, "%s", out);
}

/* ---------------------------------------------------------------- InferTags */

struct tags {
    const struct gt_node *anc[INFER_MAX_DEPTH];
    int n;
    char *open, *close;
    size_t open_cap, close_cap;
};

static void visit(struct tags *g, const struct gt_node *n);

static bool pipe_has_field(const struct gt_pipe *p, const char *first)
{
    for (size_t i = 0; p && i < p->n; i++)
        for (size_t j = 0; j < p->cmds[i]->n; j++) {
            const struct gt_node *a = p->cmds[i]->args[j];
            if (a->type == GT_FIELD && a->u.field.n && !strcmp(a->u.field.idents[0], first))
                return true;
            if (a->type == GT_PIPE && pipe_has_field(a->u.pipe, first))
                return true;
        }
    return false;
}

static void visit_pipe(struct tags *g, const struct gt_pipe *p)
{
    for (size_t i = 0; p && i < p->n; i++)
        for (size_t j = 0; j < p->cmds[i]->n; j++)
            visit(g, p->cmds[i]->args[j]);
}

static void on_thinking(struct tags *g)
{
    const struct gt_node *range = NULL;
    for (int i = g->n - 1; i >= 0 && !range; i--)
        if (g->anc[i]->type == GT_RANGE)
            range = g->anc[i];
    if (!range || !pipe_has_field(range->u.branch.pipe, "Messages"))
        return;
    for (int i = g->n - 1; i >= 0; i--) {
        const struct gt_node *l = g->anc[i];
        if (l->type != GT_LIST || l->u.list.n == 0)
            continue;
        const struct gt_node *first = l->u.list.nodes[0], *last = l->u.list.nodes[l->u.list.n - 1];
        if (first->type == GT_TEXT)
            put_trimmed(first->u.text.p, first->u.text.len, g->open, g->open_cap);
        if (last->type == GT_TEXT)
            put_trimmed(last->u.text.p, last->u.text.len, g->close, g->close_cap);
        return;
    }
}

static void visit(struct tags *g, const struct gt_node *n)
{
    if (!n || g->n >= INFER_MAX_DEPTH)
        return;
    g->anc[g->n++] = n;
    switch (n->type) {
    case GT_FIELD:
        if (n->u.field.n && !strcmp(n->u.field.idents[0], "Thinking"))
            on_thinking(g);
        break;
    case GT_LIST:
        for (size_t i = 0; i < n->u.list.n; i++)
            visit(g, n->u.list.nodes[i]);
        break;
    case GT_IF:
    case GT_RANGE:
    case GT_WITH:
        visit_pipe(g, n->u.branch.pipe);
        visit(g, n->u.branch.list);
        visit(g, n->u.branch.else_list);
        break;
    case GT_ACTION:
    case GT_PIPE:
        visit_pipe(g, n->u.pipe);
        break;
    case GT_TEMPLATE:
        visit_pipe(g, n->u.tmpl.pipe);
        break;
    default:
        break;
    }
    g->n--;
}

void infer_think_tags(const struct gotmpl *t, char *open, size_t open_cap, char *close,
                      size_t close_cap)
{
    open[0] = close[0] = '\0';
    if (!t || !t->ndefs)
        return;
    static _Thread_local struct tags g;
    g.n = 0;
    g.open = open;
    g.close = close;
    g.open_cap = open_cap;
    g.close_cap = close_cap;
    visit(&g, t->defs[0].root);
}
