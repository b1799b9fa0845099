/* gotmpl_lex.c — the Go text/template lexer (parse/lex.go's states, pulled
 * one token at a time instead of through a channel), and Go's Unquote. */
#include "template/gotmpl_int.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *word;
    int type;
} keywords[] = {
    {"block", IT_BLOCK}, {"break", IT_BREAK}, {"continue", IT_CONTINUE}, {"define", IT_DEFINE},
    {"else", IT_ELSE},   {"end", IT_END},     {"if", IT_IF},             {"range", IT_RANGE},
    {"nil", IT_NIL},     {"template", IT_TEMPLATE}, {"with", IT_WITH},
};

void gt_lex_init(struct gt_lexer *l, const char *in, size_t len)
{
    memset(l, 0, sizeof(*l));
    l->in = in;
    l->len = len;
    l->line = l->start_line = 1;
}

void gt_position(const char *src, size_t pos, int *line, int *col)
{
    int ln = 1;
    size_t bol = 0;
    for (size_t i = 0; i < pos; i++)
        if (src[i] == '\n') {
            ln++;
            bol = i + 1;
        }
    *line = ln;
    *col = (int)(pos - bol);
}

static bool is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
/* Go's unicode.IsLetter/IsDigit for ASCII; every non-ASCII byte is taken as
 * part of a letter (identifiers are UTF-8 words). */
static bool is_alnum(int c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80;
}

static int peekc(const struct gt_lexer *l, size_t at)
{
    return at < l->len ? (unsigned char)l->in[at] : -1;
}

static bool has_prefix(const struct gt_lexer *l, size_t at, const char *s)
{
    size_t n = strlen(s);
    return at <= l->len && l->len - at >= n && memcmp(l->in + at, s, n) == 0;
}

static void count_lines(struct gt_lexer *l, size_t from, size_t to)
{
    for (size_t i = from; i < to && i < l->len; i++)
        if (l->in[i] == '\n')
            l->line++;
}

static struct gt_tok emit(struct gt_lexer *l, int type)
{
    struct gt_tok t = {type, (uint32_t)l->start, l->in + l->start, l->pos - l->start, l->start_line};
    count_lines(l, l->start, l->pos);
    l->start = l->pos;
    l->start_line = l->line;
    return t;
}

static void ignore(struct gt_lexer *l)
{
    count_lines(l, l->start, l->pos);
    l->start = l->pos;
    l->start_line = l->line;
}

static struct gt_tok errorf(struct gt_lexer *l, const char *msg)
{
    snprintf(l->msg, sizeof(l->msg), "%s", msg);
    struct gt_tok t = {IT_ERROR, (uint32_t)l->start, l->msg, strlen(l->msg), l->start_line};
    l->done = true;
    return t;
}

/* At "-}}" (with its leading space) or "}}"? */
static bool at_right_delim(const struct gt_lexer *l, bool *trim)
{
    if (is_space(peekc(l, l->pos)) && peekc(l, l->pos + 1) == '-' && has_prefix(l, l->pos + 2, "}}")) {
        *trim = true;
        return true;
    }
    *trim = false;
    return has_prefix(l, l->pos, "}}");
}

static size_t left_trim(const struct gt_lexer *l, size_t at)
{
    size_t n = 0;
    while (at + n < l->len && is_space((unsigned char)l->in[at + n]))
        n++;
    return n;
}

static bool left_trim_marker(const struct gt_lexer *l, size_t at)
{
    return peekc(l, at) == '-' && is_space(peekc(l, at + 1));
}

static struct gt_tok lex_text(struct gt_lexer *l)
{
    const char *x = NULL;
    for (size_t i = l->pos; i + 1 < l->len; i++)
        if (l->in[i] == '{' && l->in[i + 1] == '{') {
            x = l->in + i;
            break;
        }
    if (!x) {
        l->pos = l->len;
        if (l->pos > l->start)
            return emit(l, IT_TEXT);
        l->done = true;
        return emit(l, IT_EOF);
    }
    size_t at = (size_t)(x - l->in), end = at;
    if (left_trim_marker(l, at + 2))
        while (end > l->start && is_space((unsigned char)l->in[end - 1]))
            end--;
    l->pos = end;
    struct gt_tok t = {IT_TEXT, (uint32_t)l->start, l->in + l->start, end - l->start, l->start_line};
    count_lines(l, l->start, end);
    l->start = end;
    l->start_line = l->line;
    l->pos = at;
    ignore(l);
    if (t.len > 0)
        return t;
    return (struct gt_tok){IT_SPACE, 0, NULL, 0, 0}; /* nothing: caller loops */
}

/* After "{{": a comment is skipped whole; else IT_LDELIM. type IT_SPACE with
 * NULL val means "nothing emitted, go on". */
static struct gt_tok lex_left_delim(struct gt_lexer *l)
{
    l->pos += 2;
    bool trim = left_trim_marker(l, l->pos);
    size_t after = trim ? 2 : 0;
    if (has_prefix(l, l->pos + after, "/*")) {
        l->pos += after;
        ignore(l);
        l->pos += 2;
        const char *p = NULL;
        for (size_t i = l->pos; i + 1 < l->len; i++)
            if (l->in[i] == '*' && l->in[i + 1] == '/') {
                p = l->in + i;
                break;
            }
        if (!p)
            return errorf(l, "unclosed comment");
        l->pos = (size_t)(p - l->in) + 2;
        bool rtrim;
        if (!at_right_delim(l, &rtrim))
            return errorf(l, "comment ends before closing delimiter");
        l->pos += (rtrim ? 2 : 0) + 2;
        if (rtrim)
            l->pos += left_trim(l, l->pos);
        ignore(l);
        return (struct gt_tok){IT_SPACE, 0, NULL, 0, 0};
    }
    struct gt_tok t = {IT_LDELIM, (uint32_t)l->start, l->in + l->start, 2, l->start_line};
    l->pos += after;
    ignore(l);
    l->inside = true;
    l->paren = 0;
    return t;
}

static bool at_terminator(const struct gt_lexer *l)
{
    int r = peekc(l, l->pos);
    if (r == -1 || is_space(r))
        return true;
    return r == '.' || r == ',' || r == '|' || r == ':' || r == ')' || r == '(' || r == '}';
}

static struct gt_tok bad_char(struct gt_lexer *l)
{
    char m[64];
    int r = peekc(l, l->pos);
    if (r >= 0x20 && r < 0x7f)
        snprintf(m, sizeof(m), "bad character U+%04X '%c'", r, r);
    else
        snprintf(m, sizeof(m), "bad character U+%04X", r < 0 ? 0xFFFD : r);
    return errorf(l, m);
}

static struct gt_tok lex_word(struct gt_lexer *l, int type)
{
    while (is_alnum(peekc(l, l->pos)))
        l->pos++;
    if (!at_terminator(l))
        return bad_char(l);
    if (type == IT_IDENT) {
        size_t n = l->pos - l->start;
        for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
            if (strlen(keywords[i].word) == n && !memcmp(keywords[i].word, l->in + l->start, n))
                return emit(l, keywords[i].type);
        if ((n == 4 && !memcmp(l->in + l->start, "true", 4)) ||
            (n == 5 && !memcmp(l->in + l->start, "false", 5)))
            return emit(l, IT_BOOL);
    }
    return emit(l, type);
}

static bool accept(struct gt_lexer *l, const char *set)
{
    int c = peekc(l, l->pos);
    if (c > 0 && strchr(set, c)) {
        l->pos++;
        return true;
    }
    return false;
}

static void accept_run(struct gt_lexer *l, const char *set)
{
    while (accept(l, set))
        ;
}

static bool scan_number(struct gt_lexer *l)
{
    accept(l, "+-");
    const char *digits = "0123456789_";
    if (accept(l, "0")) {
        if (accept(l, "xX"))
            digits = "0123456789abcdefABCDEF_";
        else if (accept(l, "oO"))
            digits = "01234567_";
        else if (accept(l, "bB"))
            digits = "01_";
    }
    accept_run(l, digits);
    if (accept(l, "."))
        accept_run(l, digits);
    if (strlen(digits) == 11 && accept(l, "eE")) {
        accept(l, "+-");
        accept_run(l, "0123456789_");
    }
    if (strlen(digits) > 11 && accept(l, "pP")) {
        accept(l, "+-");
        accept_run(l, "0123456789_");
    }
    accept(l, "i");
    if (is_alnum(peekc(l, l->pos))) {
        l->pos++;
        return false;
    }
    return true;
}

static struct gt_tok lex_number(struct gt_lexer *l)
{
    char m[96];
    if (!scan_number(l)) {
        snprintf(m, sizeof(m), "bad number syntax: \"%.*s\"", (int)(l->pos - l->start < 40 ? l->pos - l->start : 40),
                 l->in + l->start);
        return errorf(l, m);
    }
    int s = peekc(l, l->pos);
    if (s == '+' || s == '-') {
        if (!scan_number(l) || l->in[l->pos - 1] != 'i') {
            snprintf(m, sizeof(m), "bad number syntax: \"%.*s\"", (int)(l->pos - l->start < 40 ? l->pos - l->start : 40),
                     l->in + l->start);
            return errorf(l, m);
        }
        return emit(l, IT_COMPLEX);
    }
    return emit(l, IT_NUMBER);
}

static struct gt_tok lex_quote(struct gt_lexer *l, int q, int type, const char *unterminated)
{
    for (;;) {
        int c = peekc(l, l->pos);
        if (c == -1 || (c == '\n' && q != '`'))
            return errorf(l, unterminated);
        l->pos++;
        if (c == '\\' && q != '`') {
            int d = peekc(l, l->pos);
            if (d == -1 || d == '\n')
                return errorf(l, unterminated);
            l->pos++;
        } else if (c == q) {
            return emit(l, type);
        }
    }
}

static struct gt_tok lex_inside(struct gt_lexer *l)
{
    bool trim;
    if (at_right_delim(l, &trim)) {
        if (l->paren != 0)
            return errorf(l, "unclosed left paren");
        if (trim) {
            l->pos += 2;
            ignore(l);
        }
        l->pos += 2;
        struct gt_tok t = emit(l, IT_RDELIM);
        if (trim) {
            l->pos += left_trim(l, l->pos);
            ignore(l);
        }
        l->inside = false;
        return t;
    }
    int r = peekc(l, l->pos);
    if (r == -1)
        return errorf(l, "unclosed action");
    l->pos++;
    if (is_space(r)) {
        size_t n = 1;
        while (is_space(peekc(l, l->pos))) {
            l->pos++;
            n++;
        }
        /* a space before "-}}" belongs to the trim marker */
        if (peekc(l, l->pos) == '-' && has_prefix(l, l->pos + 1, "}}")) {
            l->pos--;
            if (n == 1) {
                ignore(l);
                return (struct gt_tok){IT_SPACE, 0, NULL, 0, 0};
            }
        }
        return emit(l, IT_SPACE);
    }
    switch (r) {
    case '=':
        return emit(l, IT_ASSIGN);
    case ':':
        if (peekc(l, l->pos) != '=')
            return errorf(l, "expected :=");
        l->pos++;
        return emit(l, IT_DECLARE);
    case '|':
        return emit(l, IT_PIPE);
    case '"':
        return lex_quote(l, '"', IT_STRING, "unterminated quoted string");
    case '`':
        return lex_quote(l, '`', IT_RAWSTRING, "unterminated raw quoted string");
    case '\'':
        return lex_quote(l, '\'', IT_CHARCONST, "unterminated character constant");
    case '$':
        if (at_terminator(l))
            return emit(l, IT_VARIABLE);
        return lex_word(l, IT_VARIABLE);
    case '(':
        l->paren++;
        return emit(l, IT_LPAREN);
    case ')':
        l->paren--;
        if (l->paren < 0)
            return errorf(l, "unexpected right paren");
        return emit(l, IT_RPAREN);
    }
    if (r == '.') {
        int d = peekc(l, l->pos);
        if (d < '0' || d > '9') {
            if (at_terminator(l))
                return emit(l, IT_DOT);
            return lex_word(l, IT_FIELD);
        }
    }
    if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
        l->pos--;
        return lex_number(l);
    }
    if (is_alnum(r)) {
        l->pos--;
        return lex_word(l, IT_IDENT);
    }
    if (r < 0x7f && r >= 0x20)
        return emit(l, IT_CHAR);
    char m[64];
    snprintf(m, sizeof(m), "unrecognized character in action: U+%04X", r);
    return errorf(l, m);
}

struct gt_tok gt_lex_next(struct gt_lexer *l)
{
    for (;;) {
        if (l->done) {
            if (l->msg[0])
                return (struct gt_tok){IT_ERROR, (uint32_t)l->start, l->msg, strlen(l->msg), l->start_line};
            return (struct gt_tok){IT_EOF, (uint32_t)l->len, l->in + l->len, 0, l->line};
        }
        struct gt_tok t;
        if (l->inside)
            t = lex_inside(l);
        else if (has_prefix(l, l->pos, "{{"))
            t = lex_left_delim(l);
        else
            t = lex_text(l);
        if (t.type == IT_SPACE && !t.val)
            continue;
        return t;
    }
}

/* ---------------------------------------------------------------- unquote */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t put_utf8(char *o, uint32_t r)
{
    if (r < 0x80) {
        o[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        o[0] = (char)(0xC0 | (r >> 6));
        o[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        o[0] = (char)(0xE0 | (r >> 12));
        o[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        o[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (r >> 18));
    o[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    o[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

/* One escape after the backslash at s[*i]; appends to o. -1 on bad syntax. */
static int unescape(const char *s, size_t n, size_t *i, char *o, size_t *olen, int q, uint32_t *rune)
{
    size_t k = *i + 1;
    if (k >= n)
        return -1;
    int c = (unsigned char)s[k++];
    static const char from[] = "abfnrtv\\", to[] = "\a\b\f\n\r\t\v\\";
    const char *f = c ? strchr(from, c) : NULL;
    if (f) {
        o[(*olen)++] = to[f - from];
        *rune = (unsigned char)to[f - from];
    } else if (c == q && q != '`') {
        o[(*olen)++] = (char)c;
        *rune = (uint32_t)c;
    } else if (c == 'x' || c == 'u' || c == 'U') {
        int len = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (int j = 0; j < len; j++) {
            int h = k < n ? hexval((unsigned char)s[k]) : -1;
            if (h < 0)
                return -1;
            v = v * 16 + (uint32_t)h;
            k++;
        }
        if (c == 'x') {
            o[(*olen)++] = (char)v;
        } else {
            if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
                return -1;
            *olen += put_utf8(o + *olen, v);
        }
        *rune = v;
    } else if (c >= '0' && c <= '7') {
        uint32_t v = (uint32_t)(c - '0');
        for (int j = 0; j < 2; j++) {
            if (k >= n || s[k] < '0' || s[k] > '7')
                return -1;
            v = v * 8 + (uint32_t)(s[k++] - '0');
        }
        if (v > 255)
            return -1;
        o[(*olen)++] = (char)v;
        *rune = v;
    } else {
        return -1;
    }
    *i = k;
    return 0;
}

int gt_unquote(struct tv_arena *a, const char *q, size_t n, char **out, size_t *out_len, int32_t *rune)
{
    if (n < 2 || q[0] != q[n - 1])
        return COLA_EFORMAT;
    int quote = q[0];
    const char *s = q + 1;
    size_t m = n - 2, olen = 0, runes = 0;
    char *o = tv_alloc(a, m + 1);
    if (!o)
        return COLA_ENOMEM;
    uint32_t r = 0;
    for (size_t i = 0; i < m;) {
        unsigned char c = (unsigned char)s[i];
        if (quote == '`') {
            if (c != '\r')
                o[olen++] = (char)c;
            i++;
            continue;
        }
        if (c == quote || c == '\n')
            return COLA_EFORMAT;
        if (c == '\\') {
            if (unescape(s, m, &i, o, &olen, quote, &r))
                return COLA_EFORMAT;
        } else {
            size_t w = 1;
            r = c;
            if (c >= 0xC0) {
                w = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                if (i + w > m)
                    w = m - i;
                r = c & (0x3F >> (w - 1));
                for (size_t j = 1; j < w; j++)
                    r = (r << 6) | ((unsigned char)s[i + j] & 0x3F);
            }
            memcpy(o + olen, s + i, w);
            olen += w;
            i += w;
        }
        runes++;
    }
    if (quote == '\'') {
        if (runes != 1)
            return COLA_EFORMAT;
        if (rune)
            *rune = (int32_t)r;
    }
    o[olen] = '\0';
    *out = o;
    *out_len = olen;
    return 0;
}
