/* jinja2_lex.c — @huggingface/jinja's preprocessing and tokenizer, so that
 * whitespace control and literals come out exactly as the oracle's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/jinja2_int.h"
#include "util/buf.h"

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
static bool is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* preprocess(): drop one trailing newline; lstrip_blocks (blanks at a line
 * start before {%, {#, {-); trim_blocks (the newline after %}, #}, -});
 * {% generation %} / {% endgeneration %} removed with their white space
 * unless trimmed. */
static int preprocess(const char *s, size_t n, struct buf *out)
{
    if (n && s[n - 1] == '\n')
        n--;
    struct buf b;
    buf_init(&b, out->max);
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        if (i == 0 || s[i - 1] == '\n') { /* lstrip_blocks */
            size_t j = i;
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
            if (j + 1 < n && s[j] == '{' && (s[j + 1] == '#' || s[j + 1] == '%' || s[j + 1] == '-'))
                i = j;
        }
        if (i + 2 < n + 1 && i + 1 < n && (s[i] == '#' || s[i] == '%' || s[i] == '-') &&
            s[i + 1] == '}' && i + 2 < n && s[i + 2] == '\n') { /* trim_blocks */
            rc = buf_append(&b, s + i, 2);
            i += 3;
            continue;
        }
        rc = buf_putc(&b, s[i]);
        i++;
    }
    /* generation tags: (\s*){%(-?)\s*(?:end)?generation\s*(-?)%}(\s*) */
    const char *p = b.data ? b.data : "";
    const size_t len = b.len;
    for (size_t i = 0; i < len && !rc;) {
        size_t ws0 = i;
        while (ws0 < len && is_ws(p[ws0]))
            ws0++;
        size_t k = ws0;
        bool ok = k + 1 < len && p[k] == '{' && p[k + 1] == '%';
        bool lstrip = false, rstrip = false;
        if (ok) {
            k += 2;
            if (k < len && p[k] == '-')
                lstrip = true, k++;
            while (k < len && is_ws(p[k]))
                k++;
            if (k + 3 <= len && !strncmp(p + k, "end", 3))
                k += 3;
            ok = k + 10 <= len && !strncmp(p + k, "generation", 10);
            if (ok) {
                k += 10;
                while (k < len && is_ws(p[k]))
                    k++;
                if (k < len && p[k] == '-')
                    rstrip = true, k++;
                ok = k + 1 < len && p[k] == '%' && p[k + 1] == '}';
            }
        }
        if (!ok) {
            /* no tag here: copy the white space run (or one character) */
            const size_t stop = ws0 > i ? ws0 : i + 1;
            rc = buf_append(out, p + i, stop - i);
            i = stop;
            continue;
        }
        k += 2;
        size_t ws1 = k;
        while (ws1 < len && is_ws(p[ws1]))
            ws1++;
        if (!lstrip)
            rc = buf_append(out, p + i, ws0 - i);
        if (!rc && !rstrip)
            rc = buf_append(out, p + k, ws1 - k);
        i = ws1;
    }
    buf_free(&b);
    if (!rc && !out->data)
        rc = buf_puts(out, "");
    return rc;
}

struct lx {
    struct tv_arena *a;
    const char *src;
    size_t n, pos, lpos;
    int line;
    struct jtok *t;
    size_t nt, cap;
    struct cola_err *err;
};

static int lerr(struct lx *l, const char *msg, char c)
{
    int line = 1;
    for (size_t i = 0; i < l->pos && i < l->n; i++)
        line += l->src[i] == '\n';
    if (c)
        return err_set(l->err, COLA_EFORMAT, "jinja: line %d: %s: %c", line, msg, c);
    return err_set(l->err, COLA_EFORMAT, "jinja: line %d: %s", line, msg);
}

static int push(struct lx *l, enum jt_type type, const char *s, size_t len)
{
    if (l->nt == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        struct jtok *nt = tv_alloc(l->a, cap * sizeof(*nt));
        if (!nt)
            return err_set(l->err, COLA_ENOMEM, "jinja: out of memory");
        if (l->nt)
            memcpy(nt, l->t, l->nt * sizeof(*nt));
        l->t = nt;
        l->cap = cap;
    }
    char *copy = tv_strndup(l->a, s, len);
    if (!copy)
        return err_set(l->err, COLA_ENOMEM, "jinja: out of memory");
    for (; l->lpos < l->pos && l->lpos < l->n; l->lpos++)
        l->line += l->src[l->lpos] == '\n';
    l->t[l->nt++] = (struct jtok){(uint8_t)type, l->line, copy, len};
    return 0;
}

static void put_utf8(struct buf *b, unsigned cp)
{
    if (cp < 0x80) {
        buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        buf_putc(b, (char)(0xC0 | cp >> 6));
        buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        buf_putc(b, (char)(0xE0 | cp >> 12));
        buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_putc(b, (char)(0x80 | (cp & 0x3F)));
    }
}

/* A string literal's body up to the quote q (escapes decoded). */
static int lex_string(struct lx *l, char q)
{
    struct buf b;
    buf_init(&b, l->n + 16);
    int rc = 0;
    while (!rc && l->pos < l->n && l->src[l->pos] != q) {
        char c = l->src[l->pos];
        if (c == '\\') {
            if (++l->pos >= l->n) {
                rc = lerr(l, "Unexpected end of input", 0);
                break;
            }
            const char e = l->src[l->pos++];
            if (e == 'x' || e == 'u') {
                const size_t w = e == 'x' ? 2 : 4;
                unsigned cp = 0;
                for (size_t k = 0; k < w && !rc; k++) {
                    const char h = l->pos + k < l->n ? l->src[l->pos + k] : 0;
                    int v = is_digit(h) ? h - '0' : (h | 32) >= 'a' && (h | 32) <= 'f' ? (h | 32) - 'a' + 10 : -1;
                    if (v < 0)
                        rc = lerr(l, "Invalid hexadecimal escape sequence", 0);
                    cp = cp * 16 + (unsigned)v;
                }
                l->pos += w;
                if (!rc)
                    put_utf8(&b, cp);
                continue;
            }
            const char *from = "ntrbfv'\"\\", *to = "\n\t\r\b\f\v'\"\\";
            const char *f = strchr(from, e);
            if (!f || !e) {
                rc = lerr(l, "Unexpected escaped character", e);
                break;
            }
            buf_putc(&b, to[f - from]);
            continue;
        }
        buf_putc(&b, c);
        l->pos++;
        if (l->pos >= l->n)
            rc = lerr(l, "Unexpected end of input", 0);
    }
    if (!rc && l->pos >= l->n)
        rc = lerr(l, "Unexpected end of input", 0);
    if (!rc)
        rc = push(l, JT_STR, b.data ? b.data : "", b.len);
    l->pos++;
    buf_free(&b);
    return rc;
}

static void strip_trailing_ws(struct lx *l)
{
    if (!l->nt || l->t[l->nt - 1].type != JT_TEXT)
        return;
    struct jtok *t = &l->t[l->nt - 1];
    while (t->len && is_ws(t->s[t->len - 1]))
        ((char *)t->s)[--t->len] = '\0';
    if (!t->len)
        l->nt--;
}

static void skip_ws(struct lx *l)
{
    while (l->pos < l->n && is_ws(l->src[l->pos]))
        l->pos++;
}

static const struct {
    const char *seq;
    enum jt_type type;
} table[] = {
    {"{%", JT_OPEN_STMT}, {"%}", JT_CLOSE_STMT}, {"{{", JT_OPEN_EXPR}, {"}}", JT_CLOSE_EXPR},
    {"(", JT_LPAREN},     {")", JT_RPAREN},      {"{", JT_LBRACE},    {"}", JT_RBRACE},
    {"[", JT_LBRACK},     {"]", JT_RBRACK},      {",", JT_COMMA},     {".", JT_DOT},
    {":", JT_COLON},      {"|", JT_PIPE},        {"<=", JT_CMP},      {">=", JT_CMP},
    {"==", JT_CMP},       {"!=", JT_CMP},        {"<", JT_CMP},       {">", JT_CMP},
    {"+", JT_ADD},        {"-", JT_ADD},         {"~", JT_ADD},       {"**", JT_POW},
    {"*", JT_MUL},        {"//", JT_MUL},        {"/", JT_MUL},       {"%", JT_MUL},
    {"=", JT_EQUALS},
};

static int lex_number(struct lx *l, const char *sign)
{
    const size_t start = l->pos;
    while (l->pos < l->n && is_digit(l->src[l->pos]))
        l->pos++;
    const bool after_dot = l->nt && l->t[l->nt - 1].type == JT_DOT;
    if (l->pos > start && !after_dot && l->pos + 1 < l->n && l->src[l->pos] == '.' &&
        is_digit(l->src[l->pos + 1])) {
        l->pos++;
        while (l->pos < l->n && is_digit(l->src[l->pos]))
            l->pos++;
    }
    /* the whole literal (Number() of every digit; the source is bounded) */
    const size_t sl = strlen(sign), nl = l->pos - start;
    char *tmp = malloc(sl + nl + 1);
    if (!tmp)
        return err_set(l->err, COLA_ENOMEM, "jinja: out of memory");
    memcpy(tmp, sign, sl);
    memcpy(tmp + sl, l->src + start, nl);
    tmp[sl + nl] = '\0';
    const int rc = push(l, l->pos > start ? JT_NUM : JT_UNARY, tmp, sl + nl);
    free(tmp);
    return rc;
}

static int lex_code(struct lx *l, int *depth)
{
    const char *s = l->src;
    const char c = s[l->pos];
    if (c == '-' || c == '+') {
        if (!l->nt || l->t[l->nt - 1].type == JT_TEXT)
            return lerr(l, "Unexpected character", c);
        const int prev = l->t[l->nt - 1].type;
        if (prev != JT_IDENT && prev != JT_NUM && prev != JT_STR && prev != JT_RPAREN &&
            prev != JT_RBRACK) {
            l->pos++;
            const char sign[2] = {c, 0};
            return lex_number(l, sign);
        }
    }
    for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
        const size_t sl = strlen(table[k].seq);
        if (table[k].type == JT_CLOSE_EXPR && *depth > 0)
            continue;
        if (l->pos + sl <= l->n && !strncmp(s + l->pos, table[k].seq, sl)) {
            if (table[k].type == JT_OPEN_EXPR)
                *depth = 0;
            else if (table[k].type == JT_LBRACE)
                ++*depth;
            else if (table[k].type == JT_RBRACE)
                --*depth;
            l->pos += sl;
            return push(l, table[k].type, table[k].seq, sl);
        }
    }
    if (c == '\'' || c == '"') {
        l->pos++;
        return lex_string(l, c);
    }
    if (is_digit(c))
        return lex_number(l, "");
    if (is_word(c)) {
        const size_t start = l->pos;
        while (l->pos < l->n && is_word(s[l->pos]))
            l->pos++;
        return push(l, JT_IDENT, s + start, l->pos - start);
    }
    return lerr(l, "Unexpected character", c);
}

static int lex_comment(struct lx *l)
{
    l->pos += 2;
    const bool strip_before = l->pos < l->n && l->src[l->pos] == '-';
    if (strip_before)
        l->pos++;
    const size_t start = l->pos;
    while (!(l->pos + 1 < l->n && l->src[l->pos] == '#' && l->src[l->pos + 1] == '}')) {
        if (l->pos + 2 >= l->n)
            return lerr(l, "Missing end of comment tag", 0);
        l->pos++;
    }
    const bool strip_after = l->pos > start && l->src[l->pos - 1] == '-';
    if (strip_before)
        strip_trailing_ws(l);
    int rc = push(l, JT_COMMENT, "", 0);
    l->pos += 2;
    if (strip_after)
        skip_ws(l);
    return rc;
}

int jinja2_lex(struct tv_arena *a, const char *src, size_t len, struct jtok **toks, size_t *n,
               struct cola_err *err)
{
    struct buf pre;
    buf_init(&pre, (size_t)len + 16);
    if (preprocess(src, len, &pre)) {
        buf_free(&pre);
        return err_set(err, COLA_ENOMEM, "jinja: out of memory");
    }
    struct lx l = {a, pre.data, pre.len, 0, 0, 1, NULL, 0, 0, err};
    int rc = 0, depth = 0;
    while (!rc && l.pos < l.n) {
        const int last = l.nt ? l.t[l.nt - 1].type : -1;
        if (last < 0 || last == JT_CLOSE_STMT || last == JT_CLOSE_EXPR || last == JT_COMMENT) {
            const size_t start = l.pos;
            while (l.pos < l.n && !(l.src[l.pos] == '{' && l.pos + 1 < l.n &&
                                    (l.src[l.pos + 1] == '%' || l.src[l.pos + 1] == '{' ||
                                     l.src[l.pos + 1] == '#')))
                l.pos++;
            if (l.pos > start) {
                rc = push(&l, JT_TEXT, l.src + start, l.pos - start);
                continue;
            }
        }
        if (l.src[l.pos] == '{' && l.pos + 1 < l.n && l.src[l.pos + 1] == '#') {
            rc = lex_comment(&l);
            continue;
        }
        if (l.pos + 3 <= l.n && (!strncmp(l.src + l.pos, "{%-", 3) || !strncmp(l.src + l.pos, "{{-", 3))) {
            strip_trailing_ws(&l);
            const bool stmt = l.src[l.pos + 1] == '%';
            rc = push(&l, stmt ? JT_OPEN_STMT : JT_OPEN_EXPR, stmt ? "{%" : "{{", 2);
            if (!stmt)
                depth = 0;
            l.pos += 3;
            continue;
        }
        skip_ws(&l);
        if (l.pos >= l.n)
            break;
        if (l.pos + 3 <= l.n && (!strncmp(l.src + l.pos, "-%}", 3) || !strncmp(l.src + l.pos, "-}}", 3))) {
            const bool stmt = l.src[l.pos + 1] == '%';
            rc = push(&l, stmt ? JT_CLOSE_STMT : JT_CLOSE_EXPR, stmt ? "%}" : "}}", 2);
            l.pos += 3;
            skip_ws(&l);
            continue;
        }
        rc = lex_code(&l, &depth);
    }
    buf_free(&pre);
    *toks = l.t;
    *n = l.nt;
    return rc;
}
