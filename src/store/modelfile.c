/* modelfile.c — the Modelfile parser (Ollama's ParseFile state machine), the
 * text form of commands, and Go-exact typing of PARAMETER values.
 *
 * No JSON here, so the fuzz target can build this file alone; the request
 * side lives in modelfile_req.c. See modelfile.h for the contract.
 */
#include "store/modelfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <utf8proc.h>

/* ================================================================ decoding */

/* Input decoding as Go's unicode.BOMOverride(UTF8) feeding bufio.ReadRune:
 *   no BOM     → x/text's UTF-8 decoder: one U+FFFD per maximal ill-formed
 *                subpart (W3C);
 *   UTF-8 BOM  → the bytes pass unchanged and ReadRune makes one U+FFFD per
 *                bad byte;
 *   FF FE / FE FF → UTF-16 LE / BE: lone surrogates and a trailing odd byte
 *                become U+FFFD. */
enum dec_mode { DEC_UTF8_W3C, DEC_UTF8_GO, DEC_UTF16LE, DEC_UTF16BE };

struct dec {
    const uint8_t *p;
    size_t n, i;
    enum dec_mode mode;
};

#define RUNE_ERROR 0xFFFDu

static void dec_init(struct dec *d, const uint8_t *p, size_t n)
{
    d->p = p;
    d->n = n;
    d->i = 0;
    d->mode = DEC_UTF8_W3C;
    if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        d->mode = DEC_UTF16LE;
        d->i = 2;
    } else if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        d->mode = DEC_UTF16BE;
        d->i = 2;
    } else if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        d->mode = DEC_UTF8_GO;
        d->i = 3;
    }
}

/* Sequence length and accepted range of the second byte for a UTF-8 lead
 * byte; 0 for a byte that cannot start a sequence. */
static int utf8_lead(uint8_t c, uint8_t *lo, uint8_t *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF) {
        if (c == 0xE0)
            *lo = 0xA0;
        else if (c == 0xED)
            *hi = 0x9F;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (c == 0xF0)
            *lo = 0x90;
        else if (c == 0xF4)
            *hi = 0x8F;
        return 4;
    }
    return 0;
}

/* One UTF-8 rune at d->i. On a bad sequence: U+FFFD, skipping the maximal
 * subpart (w3c) or a single byte (Go's DecodeRune). */
static uint32_t dec_utf8(struct dec *d, bool w3c)
{
    const uint8_t *s = d->p + d->i;
    size_t left = d->n - d->i;
    uint8_t lo, hi;
    if (s[0] < 0x80) {
        d->i++;
        return s[0];
    }
    int size = utf8_lead(s[0], &lo, &hi);
    int good = 0; /* bytes that form a valid prefix */
    if (size) {
        good = 1;
        while (good < size && (size_t)good < left) {
            uint8_t c = s[good];
            uint8_t l = good == 1 ? lo : 0x80, h = good == 1 ? hi : 0xBF;
            if (c < l || c > h)
                break;
            good++;
        }
    }
    if (size && good == size) {
        uint32_t r = s[0] & (0x7F >> size);
        for (int k = 1; k < size; k++)
            r = (r << 6) | (s[k] & 0x3F);
        d->i += (size_t)size;
        return r;
    }
    d->i += (w3c && good > 0) ? (size_t)good : 1;
    return RUNE_ERROR;
}

static uint32_t dec_utf16(struct dec *d)
{
    size_t left = d->n - d->i;
    const uint8_t *s = d->p + d->i;
    bool le = d->mode == DEC_UTF16LE;
    if (left < 2) {
        d->i++;
        return RUNE_ERROR;
    }
    uint32_t u = le ? (uint32_t)(s[0] | s[1] << 8) : (uint32_t)(s[0] << 8 | s[1]);
    d->i += 2;
    if (u < 0xD800 || u > 0xDFFF)
        return u;
    if (left >= 4) {
        uint32_t v = le ? (uint32_t)(s[2] | s[3] << 8) : (uint32_t)(s[2] << 8 | s[3]);
        if (v >= 0xDC00 && v <= 0xDFFF) { /* a low half follows: the pair is used */
            d->i += 2;
            if (u < 0xDC00)
                return 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
            return RUNE_ERROR;
        }
    }
    return RUNE_ERROR;
}

/* Next rune into *r; false at the end of input. */
static bool dec_next(struct dec *d, uint32_t *r)
{
    if (d->i >= d->n)
        return false;
    switch (d->mode) {
    case DEC_UTF8_W3C: *r = dec_utf8(d, true); break;
    case DEC_UTF8_GO: *r = dec_utf8(d, false); break;
    default: *r = dec_utf16(d); break;
    }
    return true;
}

/* Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols, and
 * the ASCII space (utf8proc 2.8 and Go 1.24 both use Unicode 15.0). */
static bool rune_printable(uint32_t r)
{
    if (r < 0x80)
        return r >= 0x20 && r < 0x7F;
    utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)r);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_SO;
}

static int buf_put_rune(struct buf *b, uint32_t r)
{
    uint8_t tmp[4];
    utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)r, tmp);
    return n > 0 ? buf_append(b, tmp, (size_t)n) : 0;
}

/* ================================================================== parser */

enum st { ST_NIL, ST_NAME, ST_VALUE, ST_PARAM, ST_MESSAGE, ST_COMMENT };

enum step_err { STEP_OK, STEP_BAD_COMMAND, STEP_EOF };

static const char ERR_COMMAND[] =
    "command must be one of \"from\", \"license\", \"template\", \"system\", \"adapter\", "
    "\"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", or \"requires\"";
static const char ERR_ROLE[] = "message role must be one of \"system\", \"user\", or \"assistant\"";

static const char *const INSTRUCTIONS[] = {"from",     "license", "template",  "system",
                                           "adapter",  "draft",   "renderer",  "parser",
                                           "parameter", "message", "requires"};

static bool is_alpha(uint32_t r) { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
static bool is_digit(uint32_t r) { return r >= '0' && r <= '9'; }
static bool is_blank(uint32_t r) { return r == ' ' || r == '\t'; }
static bool is_newline(uint32_t r) { return r == '\r' || r == '\n'; }

/* One rune of the state machine: the next state, the rune to keep (0 = none
 * on transitions that consume it), and whether it is an error. */
static enum st step(uint32_t r, enum st cur, uint32_t *keep, enum step_err *e)
{
    *keep = r;
    *e = STEP_OK;
    switch (cur) {
    case ST_NIL:
        if (r == '#' || is_blank(r) || is_newline(r))
            *keep = 0;
        return r == '#' ? ST_COMMENT : (is_blank(r) || is_newline(r)) ? ST_NIL : ST_NAME;
    case ST_NAME:
        if (is_alpha(r))
            return ST_NAME;
        *keep = 0;
        if (is_blank(r))
            return ST_VALUE;
        *e = STEP_BAD_COMMAND;
        return ST_NIL;
    case ST_VALUE:
        return (is_newline(r) || is_blank(r)) ? ST_NIL : ST_VALUE;
    case ST_PARAM:
    case ST_MESSAGE:
        if (is_alpha(r) || (cur == ST_PARAM && (is_digit(r) || r == '_')))
            return cur;
        *keep = 0;
        if (is_blank(r))
            return ST_VALUE;
        *e = STEP_EOF;
        return ST_NIL;
    case ST_COMMENT:
        *keep = 0;
        return is_newline(r) ? ST_NIL : ST_COMMENT;
    }
    return ST_NIL;
}

/* The value text between its quotes, after trimming space/tab/CR/LF (the only
 * white space a buffer can hold: other kinds are not printable). Sets *s and
 * *n to the inner text; false while a quote is still open. */
static bool value_unquote(const char *buf, size_t len, const char **s, size_t *n)
{
    while (len && strchr(" \t\r\n", buf[0])) {
        buf++;
        len--;
    }
    while (len && strchr(" \t\r\n", buf[len - 1]))
        len--;
    if (len >= 3 && memcmp(buf, "\"\"\"", 3) == 0) {
        if (len < 6 || memcmp(buf + len - 3, "\"\"\"", 3) != 0)
            return false;
        *s = buf + 3;
        *n = len - 6;
        return true;
    }
    if (len >= 1 && buf[0] == '"') {
        if (len < 2 || buf[len - 1] != '"')
            return false;
        *s = buf + 1;
        *n = len - 2;
        return true;
    }
    *s = buf;
    *n = len;
    return true;
}

struct parser {
    struct mf_file *f;
    struct buf b;
    char *name;     /* name of the command being read (owned) */
    char role[16];  /* validated MESSAGE role, "" when none */
    int line;
};

static int set_name(struct parser *p, const char *s)
{
    char *n = strdup(s);
    if (!n)
        return COLA_ENOMEM;
    free(p->name);
    p->name = n;
    return 0;
}

static int emit(struct parser *p, const char *s, size_t n, struct cola_err *err)
{
    struct mf_file *f = p->f;
    if (f->n == MF_COMMANDS_MAX)
        return err_set(err, COLA_ERANGE, "Modelfile has more than %zu commands", MF_COMMANDS_MAX);
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        struct mf_command *c = realloc(f->cmds, cap * sizeof(*c));
        if (!c)
            return err_set(err, COLA_ENOMEM, "out of memory");
        f->cmds = c;
        f->cap = cap;
    }
    size_t rl = strlen(p->role);
    char *args = malloc(rl + (rl ? 2 : 0) + n + 1);
    char *name = strdup(p->name ? p->name : "");
    if (!args || !name) {
        free(args);
        free(name);
        return err_set(err, COLA_ENOMEM, "out of memory");
    }
    size_t o = 0;
    if (rl) {
        memcpy(args, p->role, rl);
        memcpy(args + rl, ": ", 2);
        o = rl + 2;
    }
    memcpy(args + o, s, n);
    args[o + n] = '\0';
    p->role[0] = '\0';
    f->cmds[f->n].name = name;
    f->cmds[f->n].args = args;
    f->n++;
    return 0;
}

static bool valid_instruction(const char *s, char lower[16])
{
    size_t n = strlen(s);
    if (n == 0 || n >= 16)
        return false;
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)tolower((unsigned char)s[i]);
    for (size_t i = 0; i < sizeof(INSTRUCTIONS) / sizeof(INSTRUCTIONS[0]); i++)
        if (strcmp(lower, INSTRUCTIONS[i]) == 0)
            return true;
    return false;
}

/* Leaving state cur for *next on rune r. Returns 1 when the rune was taken
 * into the value (the state does not change), 0 to go on, <0 on error. */
static int leave_state(struct parser *p, enum st cur, enum st *next, uint32_t r,
                       struct cola_err *err)
{
    const char *bs = p->b.data ? p->b.data : "";
    char lower[16];
    switch (cur) {
    case ST_NAME:
        if (!valid_instruction(bs, lower))
            return err_set(err, COLA_EFORMAT, "(line %d): %s", p->line, ERR_COMMAND);
        if (strcmp(lower, "parameter") == 0) {
            *next = ST_PARAM;
            return 0;
        }
        if (strcmp(lower, "message") == 0)
            *next = ST_MESSAGE;
        return set_name(p, strcmp(lower, "from") == 0 ? "model" : lower) ? err_set(err, COLA_ENOMEM, "out of memory") : 0;
    case ST_PARAM:
        return set_name(p, bs) ? err_set(err, COLA_ENOMEM, "out of memory") : 0;
    case ST_MESSAGE:
        if (strcmp(bs, "system") && strcmp(bs, "user") && strcmp(bs, "assistant"))
            return err_set(err, COLA_EFORMAT, "(line %d): %s", p->line, ERR_ROLE);
        snprintf(p->role, sizeof(p->role), "%s", bs);
        return 0;
    case ST_VALUE: {
        const char *s;
        size_t n;
        if (!value_unquote(bs, p->b.len, &s, &n) || is_blank(r)) {
            /* an open quote, or a blank inside the value: keep the rune */
            if (buf_put_rune(&p->b, r))
                return err_set(err, COLA_ENOMEM, "Modelfile value too long");
            return 1;
        }
        return emit(p, s, n, err);
    }
    default:
        return 0;
    }
}

static int finish(struct parser *p, enum st cur, struct cola_err *err)
{
    if (cur == ST_VALUE) {
        const char *s;
        size_t n;
        if (!value_unquote(p->b.data ? p->b.data : "", p->b.len, &s, &n))
            return err_set(err, COLA_EFORMAT, "unexpected EOF");
        int rc = emit(p, s, n, err);
        if (rc)
            return rc;
    } else if (cur != ST_NIL && cur != ST_COMMENT) {
        return err_set(err, COLA_EFORMAT, "unexpected EOF");
    }
    for (size_t i = 0; i < p->f->n; i++)
        if (strcmp(p->f->cmds[i].name, "model") == 0)
            return 0;
    return err_set(err, COLA_EFORMAT, "no FROM line");
}

int mf_parse(const void *data, size_t len, struct mf_file *out, struct cola_err *err)
{
    memset(out, 0, sizeof(*out));
    if (len > MF_INPUT_MAX)
        return err_set(err, COLA_ERANGE, "Modelfile is larger than %zu bytes", MF_INPUT_MAX);
    struct parser p = {.f = out, .line = 1};
    /* a decoded rune takes at most 3 UTF-8 bytes per input byte */
    buf_init(&p.b, 3 * len + 16);
    struct dec d;
    dec_init(&d, data, len);
    enum st cur = ST_NIL;
    uint32_t r;
    int rc = 0;
    while (dec_next(&d, &r)) {
        if (is_newline(r))
            p.line++;
        uint32_t keep;
        enum step_err se;
        enum st next = step(r, cur, &keep, &se);
        if (se == STEP_EOF) {
            rc = err_set(err, COLA_EFORMAT, "unexpected EOF: %s", p.b.data ? p.b.data : "");
            goto out;
        }
        if (se == STEP_BAD_COMMAND) {
            rc = err_set(err, COLA_EFORMAT, "(line %d): %s", p.line, ERR_COMMAND);
            goto out;
        }
        if (next != cur) {
            rc = leave_state(&p, cur, &next, keep, err);
            if (rc < 0)
                goto out;
            if (rc == 1) {
                rc = 0;
                continue;
            }
            buf_reset(&p.b);
            cur = next;
        }
        if (rune_printable(keep) && buf_put_rune(&p.b, keep)) {
            rc = err_set(err, COLA_ENOMEM, "Modelfile value too long");
            goto out;
        }
    }
    rc = finish(&p, cur, err);
out:
    buf_free(&p.b);
    free(p.name);
    return rc;
}

int mf_parse_path(const char *path, struct mf_file *out, struct cola_err *err)
{
    memset(out, 0, sizeof(*out));
    struct buf b;
    buf_init(&b, MF_INPUT_MAX);
    int rc = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char reason[128];
        snprintf(reason, sizeof(reason), "%s", strerror(errno));
        reason[0] = (char)tolower((unsigned char)reason[0]);
        return err_set(err, COLA_EIO, "open %s: %s", path, reason);
    }
    for (;;) {
        char chunk[65536];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = err_set(err, COLA_EIO, "read %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (buf_append(&b, chunk, (size_t)n)) {
            rc = err_set(err, COLA_ERANGE, "Modelfile is larger than %zu bytes", MF_INPUT_MAX);
            goto out;
        }
    }
    rc = mf_parse(b.data ? b.data : "", b.len, out, err);
out:
    close(fd);
    buf_free(&b);
    return rc;
}

void mf_file_free(struct mf_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->cmds[i].name);
        free(f->cmds[i].args);
    }
    free(f->cmds);
    memset(f, 0, sizeof(*f));
}

/* ============================================================ text form */

static int put_quoted(struct buf *o, const char *s)
{
    size_t n = strlen(s);
    bool quote = strchr(s, '\n') || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!quote)
        return buf_puts(o, s);
    const char *q = strchr(s, '"') ? "\"\"\"" : "\"";
    int rc = buf_puts(o, q);
    if (!rc)
        rc = buf_puts(o, s);
    if (!rc)
        rc = buf_puts(o, q);
    return rc;
}

int mf_command_string(const struct mf_command *c, struct buf *o)
{
    static const char *const plain[] = {"license",  "template", "system",   "adapter",
                                        "renderer", "parser",   "requires", "draft"};
    if (strcmp(c->name, "model") == 0)
        return buf_printf(o, "FROM %s", c->args);
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        if (strcmp(c->name, plain[i]) == 0) {
            for (const char *k = plain[i]; *k; k++)
                if (buf_putc(o, (char)toupper((unsigned char)*k)))
                    return COLA_ENOMEM;
            return buf_putc(o, ' ') ? COLA_ENOMEM : put_quoted(o, c->args);
        }
    }
    if (strcmp(c->name, "message") == 0) {
        const char *sep = strstr(c->args, ": ");
        size_t rl = sep ? (size_t)(sep - c->args) : strlen(c->args);
        int rc = buf_puts(o, "MESSAGE ");
        if (!rc)
            rc = buf_append(o, c->args, rl);
        if (!rc)
            rc = buf_putc(o, ' ');
        return rc ? rc : put_quoted(o, sep ? sep + 2 : "");
    }
    int rc = buf_printf(o, "PARAMETER %s ", c->name);
    return rc ? rc : put_quoted(o, c->args);
}

char *mf_file_string(const struct mf_file *f)
{
    struct buf o;
    buf_init(&o, (size_t)1 << 30);
    for (size_t i = 0; i < f->n; i++) {
        if (mf_command_string(&f->cmds[i], &o) || buf_putc(&o, '\n')) {
            buf_free(&o);
            return NULL;
        }
    }
    char *s = buf_take(&o);
    buf_free(&o);
    return s;
}

/* ============================================================= parameters */

struct param_def {
    const char *name;
    enum mf_ptype type;
};

/* api.Options and its embedded api.Runner, by json tag. */
static const struct param_def PARAMS[] = {
    {"num_ctx", MF_PT_INT},          {"num_batch", MF_PT_INT},
    {"num_gpu", MF_PT_INT},          {"main_gpu", MF_PT_INT},
    {"use_mmap", MF_PT_BOOL},        {"num_thread", MF_PT_INT},
    {"draft_num_predict", MF_PT_INT}, {"num_keep", MF_PT_INT},
    {"seed", MF_PT_INT},             {"num_predict", MF_PT_INT},
    {"top_k", MF_PT_INT},            {"top_p", MF_PT_FLOAT},
    {"min_p", MF_PT_FLOAT},          {"typical_p", MF_PT_FLOAT},
    {"repeat_last_n", MF_PT_INT},    {"temperature", MF_PT_FLOAT},
    {"repeat_penalty", MF_PT_FLOAT}, {"presence_penalty", MF_PT_FLOAT},
    {"frequency_penalty", MF_PT_FLOAT}, {"stop", MF_PT_STRINGS},
};

static const char *const DEPRECATED[] = {"penalize_newline", "low_vram",   "f16_kv",
                                         "logits_all",       "vocab_only", "use_mlock",
                                         "mirostat",         "mirostat_tau", "mirostat_eta"};

enum mf_ptype mf_param_type(const char *name)
{
    for (size_t i = 0; i < sizeof(PARAMS) / sizeof(PARAMS[0]); i++)
        if (strcmp(name, PARAMS[i].name) == 0)
            return PARAMS[i].type;
    return MF_PT_UNKNOWN;
}

bool mf_param_deprecated(const char *name)
{
    for (size_t i = 0; i < sizeof(DEPRECATED) / sizeof(DEPRECATED[0]); i++)
        if (strcmp(name, DEPRECATED[i]) == 0)
            return true;
    return false;
}

/* Go's underscoreOK: '_' only between digits (a base prefix counts). */
static bool go_underscore_ok(const char *s, size_t n)
{
    char saw = '^';
    size_t i = 0;
    bool hex = false;
    if (n && (s[0] == '+' || s[0] == '-')) {
        s++;
        n--;
    }
    if (n >= 2 && s[0] == '0' && strchr("bBoOxX", s[1])) {
        i = 2;
        saw = '0';
        hex = s[1] == 'x' || s[1] == 'X';
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isdigit(c) || (hex && isxdigit(c))) {
            saw = '0';
        } else if (c == '_') {
            if (saw != '0')
                return false;
            saw = '_';
        } else {
            if (saw == '_')
                return false;
            saw = '!';
        }
    }
    return saw != '_';
}

/* Whether s is a whole Go float literal as strconv.ParseFloat reads it
 * (decimal, or hex with a mandatory p exponent; '_' between digits). */
static bool go_float_syntax(const char *s)
{
    size_t n = strlen(s), i = 0;
    bool hex = false, under = false, dot = false, digits = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    if (i + 2 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        hex = true;
        i += 2;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '_')
            under = true;
        else if (c == '.' && !dot)
            dot = true;
        else if (isdigit(c) || (hex && isxdigit(c)))
            digits = true;
        else
            break;
    }
    if (!digits)
        return false;
    if (i < n && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !isdigit((unsigned char)s[i]))
            return false;
        for (; i < n && (isdigit((unsigned char)s[i]) || s[i] == '_'); i++)
            under |= s[i] == '_';
    } else if (hex) {
        return false;
    }
    if (under && !go_underscore_ok(s, i))
        return false;
    return i == n;
}

/* Go's special(): "inf"/"infinity" (signed) and "nan", case-insensitive,
 * and only when they are the whole string. */
static bool go_float_special(const char *s, float *out)
{
    float sign = 1;
    const char *t = s;
    if (*t == '+' || *t == '-') {
        sign = *t == '-' ? -1.0f : 1.0f;
        t++;
        if (strcasecmp(t, "inf") == 0 || strcasecmp(t, "infinity") == 0) {
            *out = sign * INFINITY;
            return true;
        }
        return false;
    }
    if (strcasecmp(t, "inf") == 0 || strcasecmp(t, "infinity") == 0) {
        *out = INFINITY;
        return true;
    }
    if (strcasecmp(t, "nan") == 0) {
        *out = NAN;
        return true;
    }
    return false;
}

/* strconv.ParseFloat(s, 32): false on bad syntax or overflow to ±Inf. */
static bool go_parse_float32(const char *s, float *out)
{
    if (go_float_special(s, out))
        return true;
    if (!go_float_syntax(s))
        return false;
    char *tmp = malloc(strlen(s) + 1);
    if (!tmp)
        return false;
    size_t o = 0;
    for (const char *c = s; *c; c++)
        if (*c != '_')
            tmp[o++] = *c;
    tmp[o] = '\0';
    float v = strtof(tmp, NULL);
    free(tmp);
    *out = v;
    return !isinf(v); /* underflow to 0 or a subnormal is no error in Go */
}

/* strconv.ParseInt(s, 10, 64). */
static bool go_parse_int64(const char *s, int64_t *out)
{
    const char *t = s;
    bool neg = false;
    if (*t == '+' || *t == '-')
        neg = *t++ == '-';
    if (!*t)
        return false;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *t; t++) {
        if (*t < '0' || *t > '9')
            return false;
        unsigned d = (unsigned)(*t - '0');
        if (v > (lim - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* strconv.ParseBool. */
static bool go_parse_bool(const char *s, bool *out)
{
    static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(s, t[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(s, f[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Go's %s of a []string: "[a b c]", cut to fit the error buffer. */
static void fmt_vals(char *dst, size_t cap, const char *const *vals, size_t n)
{
    size_t o = 0;
    dst[0] = '\0';
    o += (size_t)snprintf(dst, cap, "[");
    for (size_t i = 0; i < n && o < cap; i++)
        o += (size_t)snprintf(dst + o, cap - o, "%s%s", i ? " " : "", vals[i]);
    if (o < cap)
        snprintf(dst + o, cap - o, "]");
}

int mf_param_parse(const char *name, const char *const *vals, size_t n, struct mf_pval *out,
                   struct cola_err *err)
{
    memset(out, 0, sizeof(*out));
    out->type = mf_param_type(name);
    if (out->type == MF_PT_UNKNOWN)
        return err_set(err, COLA_EINVAL, "unknown parameter '%s'", name);
    if (n == 0)
        return err_set(err, COLA_EINVAL, "parameter '%s' has no value", name);
    bool ok = true;
    const char *what = "";
    switch (out->type) {
    case MF_PT_FLOAT: ok = go_parse_float32(vals[0], &out->f); what = "float"; break;
    case MF_PT_INT: ok = go_parse_int64(vals[0], &out->i); what = "int"; break;
    case MF_PT_BOOL: ok = go_parse_bool(vals[0], &out->b); what = "bool"; break;
    default: break;
    }
    if (!ok) {
        char shown[COLA_ERR_MSG_MAX];
        fmt_vals(shown, sizeof(shown), vals, n);
        return err_set(err, COLA_EINVAL, "invalid %s value %s", what, shown);
    }
    return 0;
}
