/* jinja2_int.h — internals shared by the Jinja files (see jinja2.h):
 * tokens, the parse tree and the values. Everything lives in tv arenas
 * (tvalue.h): the tree in the template's, values in a render's. */
#ifndef COLA_TEMPLATE_JINJA2_INT_H
#define COLA_TEMPLATE_JINJA2_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "template/jinja2.h"
#include "template/tvalue.h"

/* ---------------------------------------------------------------- tokens */

enum jt_type {
    JT_TEXT, JT_NUM, JT_STR, JT_IDENT, JT_EQUALS, JT_LPAREN, JT_RPAREN, JT_OPEN_STMT,
    JT_CLOSE_STMT, JT_OPEN_EXPR, JT_CLOSE_EXPR, JT_LBRACK, JT_RBRACK, JT_LBRACE, JT_RBRACE,
    JT_COMMA, JT_DOT, JT_COLON, JT_PIPE, JT_ADD, JT_MUL, JT_POW, JT_CMP, JT_UNARY, JT_COMMENT,
};

struct jtok {
    uint8_t type;
    int line;
    const char *s;   /* the value (NUL-terminated, arena) */
    size_t len;
};

int jinja2_lex(struct tv_arena *a, const char *src, size_t len, struct jtok **toks, size_t *n,
               struct cola_err *err);

/* ---------------------------------------------------------------- tree */

enum jn_type {
    /* statements */
    JN_TEXT, JN_OUTPUT, JN_IF, JN_FOR, JN_SET, JN_MACRO, JN_CALLBLOCK, JN_FILTERBLOCK,
    JN_BREAK, JN_CONTINUE, JN_COMMENT,
    /* expressions */
    JN_STR, JN_INT, JN_FLOAT, JN_NAME, JN_LIST, JN_TUPLE, JN_DICT, JN_MEMBER, JN_SLICE,
    JN_CALL, JN_KWARG, JN_FILTER, JN_TEST, JN_BINARY, JN_UNARY, JN_TERNARY, JN_SELECT,
};

struct jnode;

struct jlist {
    struct jnode **v;
    size_t n, cap;
};

struct jnode {
    uint8_t type;
    int line;
    const char *s;          /* text, string value, name, operator, filter/test name */
    size_t len;
    int64_t i;
    double f;
    bool flag;              /* member: computed; test: negated */
    struct jnode *a, *b, *c, *d;   /* operands / test, value, ... */
    struct jlist body, alt, args;  /* bodies; list/dict/call items */
};

struct jinja2 {
    struct tv_arena arena;
    struct jlist body;
};

int jinja2_parse_tokens(struct tv_arena *a, const struct jtok *t, size_t n, struct jlist *body,
                        struct cola_err *err);

#endif
