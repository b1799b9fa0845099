/* gotmpl_ast.h — the parse tree of a Go text/template (see gotmpl.h).
 *
 * The shapes follow Go's text/template/parse package so that tree walks
 * written against Ollama's Go code (Identifiers, deleteNode, parseTag,
 * InferTags) translate one to one. Every node lives in the arena of the
 * struct gotmpl that parsed it and is freed with it; callers may build new
 * lists in that arena (gotmpl_alloc) to rearrange a tree, never free nodes.
 * pos is a byte offset into gotmpl's source text.
 */
#ifndef COLA_TEMPLATE_GOTMPL_AST_H
#define COLA_TEMPLATE_GOTMPL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gt_type {
    GT_LIST,      /* u.list */
    GT_TEXT,      /* u.text */
    GT_ACTION,    /* u.pipe: {{pipeline}} */
    GT_IF,        /* u.branch */
    GT_RANGE,     /* u.branch */
    GT_WITH,      /* u.branch */
    GT_TEMPLATE,  /* u.tmpl: {{template "name" pipeline}} (pipe may be NULL) */
    GT_BREAK,
    GT_CONTINUE,
    /* operands (command arguments) */
    GT_PIPE,      /* u.pipe: parenthesized pipeline */
    GT_FIELD,     /* u.field: .A.B (idents "A", "B") */
    GT_VAR,       /* u.field: $x.A (idents "$x", "A"); "$" alone is the root */
    GT_CHAIN,     /* u.field: (pipe).A.B (node + idents) */
    GT_IDENT,     /* u.ident: a function name */
    GT_DOT,
    GT_NIL,
    GT_BOOL,      /* u.b */
    GT_NUMBER,    /* u.num */
    GT_STRING,    /* u.str */
    /* only while parsing */
    GT_END,
    GT_ELSE,
};

struct gt_node;

struct gt_cmd {
    uint32_t pos;
    struct gt_node **args;
    size_t n, cap;
};

struct gt_pipe {
    uint32_t pos;
    bool is_assign;          /* $x = ... rather than $x := ... */
    const char **decl;       /* declared/assigned variables ("$x") */
    size_t ndecl;
    struct gt_cmd **cmds;
    size_t n, cap;
};

struct gt_node {
    uint8_t type;            /* enum gt_type */
    uint32_t pos;
    union {
        struct {
            struct gt_node **nodes;
            size_t n, cap;
        } list;
        struct {
            const char *p;
            size_t len;
        } text;
        struct gt_pipe *pipe;
        struct {
            struct gt_pipe *pipe;
            struct gt_node *list;
            struct gt_node *else_list; /* NULL when absent */
        } branch;
        struct {
            const char *name;
            struct gt_pipe *pipe;
        } tmpl;
        struct {
            const char **idents;
            size_t n;
            struct gt_node *node; /* GT_CHAIN: the term */
        } field;
        const char *ident;
        bool b;
        struct {
            bool is_int, is_float;
            int64_t i;
            double f;
            const char *text;
        } num;
        struct {
            const char *quoted;   /* as written, quotes included */
            const char *s;        /* the value */
            size_t len;
        } str;
    } u;
};

#endif
