/* gotmpl_int.h — internals shared by the Go template lexer, parser and
 * executor (not for other modules; gotmpl.h is the interface). */
#ifndef COLA_TEMPLATE_GOTMPL_INT_H
#define COLA_TEMPLATE_GOTMPL_INT_H

#include "template/gotmpl.h"

enum gt_item {
    IT_ERROR, IT_BOOL, IT_CHAR, IT_CHARCONST, IT_COMPLEX, IT_ASSIGN, IT_DECLARE, IT_EOF,
    IT_FIELD, IT_IDENT, IT_LDELIM, IT_LPAREN, IT_NUMBER, IT_PIPE, IT_RAWSTRING, IT_RDELIM,
    IT_RPAREN, IT_SPACE, IT_STRING, IT_TEXT, IT_VARIABLE,
    IT_KEYWORD, /* keywords follow */
    IT_BLOCK, IT_BREAK, IT_CONTINUE, IT_DOT, IT_DEFINE, IT_ELSE, IT_END, IT_IF, IT_NIL,
    IT_RANGE, IT_TEMPLATE, IT_WITH,
};

struct gt_tok {
    int type;           /* enum gt_item */
    uint32_t pos;
    const char *val;    /* points into the source, or to an error message */
    size_t len;
    int line;
};

struct gt_lexer {
    const char *in;
    size_t len;
    size_t pos, start;
    int line, start_line;
    bool inside;        /* inside an action */
    int paren;
    bool done;          /* EOF or error emitted */
    char msg[160];      /* the text of an IT_ERROR */
};

void gt_lex_init(struct gt_lexer *l, const char *in, size_t len);
struct gt_tok gt_lex_next(struct gt_lexer *l);

/* Go's strconv.Unquote for "..." / `...` / '...' tokens into a new arena
 * string. 0, or COLA_EFORMAT ("invalid syntax"), COLA_ENOMEM. For chars,
 * *rune receives the code point. */
int gt_unquote(struct tv_arena *a, const char *q, size_t n, char **out, size_t *out_len,
               int32_t *rune);

/* Line (1-based) and column (0-based bytes) of pos in src. */
void gt_position(const char *src, size_t pos, int *line, int *col);

#endif
