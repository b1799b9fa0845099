/* goscan.c — Go's JSON scanner, for its error texts (goscan.h). */
#include "util/goscan.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum st {
    S_BEGIN_VALUE, S_BEGIN_VALUE_OR_EMPTY, S_BEGIN_STRING_OR_EMPTY, S_BEGIN_STRING, S_END_VALUE,
    S_STR, S_ESC, S_U1, S_U2, S_U3, S_U4, S_NEG, S_1, S_0, S_DOT, S_DOT0, S_E, S_ESIGN, S_E0,
    S_T, S_TR, S_TRU, S_F, S_FA, S_FAL, S_FALS, S_N, S_NU, S_NUL, S_DONE
};

enum { P_OBJ_KEY, P_OBJ_VALUE, P_ARRAY };

struct scan {
    enum st st;
    unsigned char stack[GOSCAN_MAX_DEPTH];
    size_t depth;
    char *msg;
    size_t cap;
    bool depth_err;
};

/* Go's quoteChar: 'x', '\'', '"', or strconv.Quote's escape of the byte
 * taken as a rune (bytes >= 0x80 are Latin-1 characters there). */
static void quote_char(unsigned char c, char out[16])
{
    if (c == '\'') {
        snprintf(out, 16, "'\\''");
    } else if (c == '"') {
        snprintf(out, 16, "'\"'");
    } else if (c == '\\') {
        snprintf(out, 16, "'\\\\'");
    } else if (c >= 0x20 && c < 0x7f) {
        snprintf(out, 16, "'%c'", c);
    } else if (c == '\a' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t' ||
               c == '\v') {
        static const char esc[] = "abtnvfr";
        snprintf(out, 16, "'\\%c'", esc[c == '\a' ? 0 : c - '\b' + 1]);
    } else if (c < 0x20 || c == 0x7f) {
        snprintf(out, 16, "'\\x%02x'", c);
    } else if (c <= 0xa0 || c == 0xad) {
        snprintf(out, 16, "'\\u%04x'", c);  /* C1 controls, NBSP, soft hyphen: not printable */
    } else {
        snprintf(out, 16, "'%c%c'", 0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    }
}

static int fail(struct scan *s, unsigned char c, const char *context)
{
    char q[16];
    quote_char(c, q);
    snprintf(s->msg, s->cap, "invalid character %s %s", q, context);
    return -1;
}

static bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int fail(struct scan *s, unsigned char c, const char *context);

static int push(struct scan *s, unsigned char kind, enum st next, unsigned char c)
{
    if (s->depth == GOSCAN_MAX_DEPTH) {
        s->depth_err = true;
        return fail(s, c, "exceeded max depth");
    }
    s->stack[s->depth++] = kind;
    s->st = next;
    return 0;
}

static void end_value_state(struct scan *s) { s->st = s->depth ? S_END_VALUE : S_DONE; }

static int begin_value(struct scan *s, unsigned char c)
{
    if (is_space(c))
        return 0;
    switch (c) {
    case '{': return push(s, P_OBJ_KEY, S_BEGIN_STRING_OR_EMPTY, c);
    case '[': return push(s, P_ARRAY, S_BEGIN_VALUE_OR_EMPTY, c);
    case '"': s->st = S_STR; return 0;
    case '-': s->st = S_NEG; return 0;
    case '0': s->st = S_0; return 0;
    case 't': s->st = S_T; return 0;
    case 'f': s->st = S_F; return 0;
    case 'n': s->st = S_N; return 0;
    default:
        if (c >= '1' && c <= '9') {
            s->st = S_1;
            return 0;
        }
        return fail(s, c, "looking for beginning of value");
    }
}

static int end_value(struct scan *s, unsigned char c)
{
    if (s->depth == 0) {
        s->st = S_DONE;
        return 1;  /* the value ended before c */
    }
    if (is_space(c)) {
        s->st = S_END_VALUE;
        return 0;
    }
    unsigned char *top = &s->stack[s->depth - 1];
    switch (*top) {
    case P_OBJ_KEY:
        if (c == ':') {
            *top = P_OBJ_VALUE;
            s->st = S_BEGIN_VALUE;
            return 0;
        }
        return fail(s, c, "after object key");
    case P_OBJ_VALUE:
        if (c == ',') {
            *top = P_OBJ_KEY;
            s->st = S_BEGIN_STRING;
            return 0;
        }
        if (c == '}') {
            s->depth--;
            end_value_state(s);
            return 0;
        }
        return fail(s, c, "after object key:value pair");
    default:
        if (c == ',') {
            s->st = S_BEGIN_VALUE;
            return 0;
        }
        if (c == ']') {
            s->depth--;
            end_value_state(s);
            return 0;
        }
        return fail(s, c, "after array element");
    }
}

static int literal(struct scan *s, unsigned char c, unsigned char want, enum st next,
                   const char *ctx)
{
    if (c != want)
        return fail(s, c, ctx);
    if (next == S_DONE)
        end_value_state(s);
    else
        s->st = next;
    return 0;
}

/* One byte: 0 consumed, 1 the value ended before it, -1 error. */
static int step(struct scan *s, unsigned char c)
{
    switch (s->st) {
    case S_BEGIN_VALUE: return begin_value(s, c);
    case S_BEGIN_VALUE_OR_EMPTY:
        if (is_space(c))
            return 0;
        if (c == ']')
            return end_value(s, c);
        return begin_value(s, c);
    case S_BEGIN_STRING_OR_EMPTY:
        if (is_space(c))
            return 0;
        if (c == '}') {
            s->stack[s->depth - 1] = P_OBJ_VALUE;
            return end_value(s, c);
        }
        /* fall through */
    case S_BEGIN_STRING:
        if (is_space(c))
            return 0;
        if (c == '"') {
            s->st = S_STR;
            return 0;
        }
        return fail(s, c, "looking for beginning of object key string");
    case S_END_VALUE: return end_value(s, c);
    case S_STR:
        if (c == '"') {
            end_value_state(s);
            return 0;
        }
        if (c == '\\') {
            s->st = S_ESC;
            return 0;
        }
        if (c < 0x20)
            return fail(s, c, "in string literal");
        return 0;
    case S_ESC:
        if (strchr("bfnrt\\/\"", c) && c) {
            s->st = S_STR;
            return 0;
        }
        if (c == 'u') {
            s->st = S_U1;
            return 0;
        }
        return fail(s, c, "in string escape code");
    case S_U1: case S_U2: case S_U3: case S_U4:
        if (!is_hex(c))
            return fail(s, c, "in \\u hexadecimal character escape");
        s->st = s->st == S_U4 ? S_STR : s->st + 1;
        return 0;
    case S_NEG:
        if (c == '0') {
            s->st = S_0;
            return 0;
        }
        if (c >= '1' && c <= '9') {
            s->st = S_1;
            return 0;
        }
        return fail(s, c, "in numeric literal");
    case S_1:
        if (is_digit(c))
            return 0;
        /* fall through */
    case S_0:
        if (c == '.') {
            s->st = S_DOT;
            return 0;
        }
        if (c == 'e' || c == 'E') {
            s->st = S_E;
            return 0;
        }
        return end_value(s, c);
    case S_DOT:
        if (is_digit(c)) {
            s->st = S_DOT0;
            return 0;
        }
        return fail(s, c, "after decimal point in numeric literal");
    case S_DOT0:
        if (is_digit(c))
            return 0;
        if (c == 'e' || c == 'E') {
            s->st = S_E;
            return 0;
        }
        return end_value(s, c);
    case S_E:
        if (c == '+' || c == '-') {
            s->st = S_ESIGN;
            return 0;
        }
        /* fall through */
    case S_ESIGN:
        if (is_digit(c)) {
            s->st = S_E0;
            return 0;
        }
        return fail(s, c, "in exponent of numeric literal");
    case S_E0:
        if (is_digit(c))
            return 0;
        return end_value(s, c);
    case S_T: return literal(s, c, 'r', S_TR, "in literal true (expecting 'r')");
    case S_TR: return literal(s, c, 'u', S_TRU, "in literal true (expecting 'u')");
    case S_TRU: return literal(s, c, 'e', S_DONE, "in literal true (expecting 'e')");
    case S_F: return literal(s, c, 'a', S_FA, "in literal false (expecting 'a')");
    case S_FA: return literal(s, c, 'l', S_FAL, "in literal false (expecting 'l')");
    case S_FAL: return literal(s, c, 's', S_FALS, "in literal false (expecting 's')");
    case S_FALS: return literal(s, c, 'e', S_DONE, "in literal false (expecting 'e')");
    case S_N: return literal(s, c, 'u', S_NU, "in literal null (expecting 'u')");
    case S_NU: return literal(s, c, 'l', S_NUL, "in literal null (expecting 'l')");
    case S_NUL: return literal(s, c, 'l', S_DONE, "in literal null (expecting 'l')");
    case S_DONE: return 1;
    }
    return -1;
}

enum goscan_result goscan_first_value(const char *p, size_t n, size_t *end, char *msg, size_t cap)
{
    static _Thread_local struct scan s;
    s.depth = 0;
    s.depth_err = false;
    s.st = S_BEGIN_VALUE;
    s.msg = msg;
    s.cap = cap;
    if (cap)
        msg[0] = '\0';
    size_t i = 0;
    while (i < n && is_space((unsigned char)p[i]))
        i++;
    if (i == n)
        return GOSCAN_EMPTY;
    for (; i < n; i++) {
        const int r = step(&s, (unsigned char)p[i]);
        if (r < 0) {
            if (s.depth_err)
                return GOSCAN_DEPTH;
            return GOSCAN_SYNTAX;
        }
        if (r > 0 || s.st == S_DONE) {
            if (end)
                *end = r > 0 ? i : i + 1;
            return GOSCAN_OK;
        }
    }
    /* a number at the very end is complete (Decode sees EOF after it) */
    if (s.depth == 0 && (s.st == S_1 || s.st == S_0 || s.st == S_DOT0 || s.st == S_E0)) {
        if (end)
            *end = n;
        return GOSCAN_OK;
    }
    snprintf(msg, cap, "unexpected EOF");
    return GOSCAN_EOF;
}
