/* tok_decode.c — ids back to text, as llama.cpp's token_to_piece / detokenize.
 *
 * A token's piece is its text with U+2581 turned back into spaces (SPM, WPM),
 * the byte of a <0xNN> token, or the bytes a byte-level BPE text stands for;
 * control and unknown tokens render only when asked (UNPARSE_SPECIAL), user-
 * defined ones always, verbatim. Decoding then runs the pieces through:
 *
 *   pieces -> clean_spaces (3 passes) -> UTF-8 assembly -> out
 *
 * clean_spaces are llama.cpp's three detokenizer passes, each written here as
 * a streaming filter that holds back at most a few ASCII bytes:
 *   1. " ?", " !", " .", " ,"  lose the space;
 *   2. " ' "                   loses both spaces (and the character after it
 *                              cannot start another match);
 *   3. " 's", " 'm", " 're", " 've" lose the space.
 * UTF-8 assembly holds back an incomplete character and replaces every
 * maximal invalid subsequence with U+FFFD (as Python's errors="replace").
 * tok_decode() is the stream pushed id by id and flushed, so both agree.
 */
#include <string.h>

#include "engine/tok_internal.h"

static const char k_fffd[3] = {'\xef', '\xbf', '\xbd'};

/* ---------------------------------------------------------------- pieces */

static int unescape_spaces(const char *s, size_t n, struct buf *out)
{
    size_t start = 0;
    for (size_t i = 0; i + 2 < n; i++) {
        if (s[i] != '\xe2' || s[i + 1] != '\x96' || s[i + 2] != '\x81')
            continue;
        int rc = buf_append(out, s + start, i - start);
        if (!rc)
            rc = buf_putc(out, ' ');
        if (rc)
            return rc;
        i += 2;
        start = i + 1;
    }
    return buf_append(out, s + start, n - start);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "<0xNN>" -> the byte: the hex digits from index 3 (at most two), as
 * llama.cpp's strtol(text.substr(3, 2)); a text too short for that is
 * written as it is. */
static int byte_piece(const struct tok_token *t, struct buf *out)
{
    if (t->len < 4)
        return buf_append(out, t->text, t->len);
    int value = 0;
    for (uint32_t i = 3; i < 5 && i < t->len; i++) {
        int d = hex_digit(t->text[i]);
        if (d < 0)
            break;
        value = value * 16 + d;
    }
    return buf_putc(out, (char)value);
}

/* Append token id's piece; lstrip drops one leading space (llama.cpp's
 * detokenize does that for the first token of a dummy-prefix vocab). */
static int piece_append(const struct tok_vocab *v, int32_t id, bool special, bool lstrip, struct buf *out)
{
    const struct tok_token *t = &v->tokens[id];
    const uint32_t as_text = TOK_ATTR_UNKNOWN | TOK_ATTR_CONTROL | TOK_ATTR_USER_DEFINED;
    uint32_t a = t->attr;
    size_t start = out->len;
    int rc = 0;
    if (!special && (a & (TOK_ATTR_UNKNOWN | TOK_ATTR_CONTROL)))
        return 0;
    if (v->type == TOK_TYPE_NONE)
        return 0;
    if (a & as_text)
        rc = buf_append(out, t->text, t->len);
    else if (a & TOK_ATTR_NORMAL)
        rc = v->type == TOK_TYPE_BPE && !v->escape_whitespaces ? tok_bpe_text_to_bytes(t->text, t->len, out)
                                                                : unescape_spaces(t->text, t->len, out);
    else if (a & TOK_ATTR_BYTE)
        rc = byte_piece(t, out);
    if (!rc && lstrip && out->len > start && out->data[start] == ' ') {
        memmove(out->data + start, out->data + start + 1, out->len - start - 1);
        out->len--;
        out->data[out->len] = '\0';
    }
    return rc;
}

int tok_piece(const struct tok_vocab *v, int32_t id, unsigned flags, struct buf *out)
{
    if (id < 0 || id >= v->n_tokens)
        return COLA_ERANGE;
    size_t start = out->len;
    int rc = piece_append(v, id, (flags & TOK_DEC_UNPARSE_SPECIAL) != 0, false, out);
    if (rc && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}

/* ---------------------------------------------------------------- UTF-8 */

/* Bytes a lead byte announces; 0 for a byte that cannot start a character. */
static size_t utf8_need(unsigned char c)
{
    if (c >= 0xC2 && c <= 0xDF)
        return 2;
    if (c >= 0xE0 && c <= 0xEF)
        return 3;
    if (c >= 0xF0 && c <= 0xF4)
        return 4;
    return 0;
}

/* Whether b may follow the pending bytes (the second byte's range depends on
 * the lead: no overlongs, no surrogates, nothing past U+10FFFF). */
static bool utf8_fits(const unsigned char *pending, size_t n, unsigned char b)
{
    if (n > 1)
        return (b & 0xC0) == 0x80;
    switch (pending[0]) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return (b & 0xC0) == 0x80;
    }
}

static int utf8_byte(struct tok_stream *s, struct buf *out, unsigned char b)
{
    if (s->n_pending) {
        if (utf8_fits(s->pending, s->n_pending, b)) {
            s->pending[s->n_pending++] = b;
            if (s->n_pending < utf8_need(s->pending[0]))
                return 0;
            size_t n = s->n_pending;
            s->n_pending = 0;
            return buf_append(out, s->pending, n);
        }
        s->n_pending = 0; /* a maximal invalid subpart: one U+FFFD, then b starts afresh */
        int rc = buf_append(out, k_fffd, 3);
        if (rc)
            return rc;
    }
    if (b < 0x80)
        return buf_putc(out, (char)b);
    if (!utf8_need(b))
        return buf_append(out, k_fffd, 3);
    s->pending[s->n_pending++] = b;
    return 0;
}

static int utf8_bytes(struct tok_stream *s, struct buf *out, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (!s->n_pending && (unsigned char)p[i] < 0x80) { /* ASCII runs in one append */
            size_t j = i;
            while (j < n && (unsigned char)p[j] < 0x80)
                j++;
            int rc = buf_append(out, p + i, j - i);
            if (rc)
                return rc;
            i = j;
            continue;
        }
        int rc = utf8_byte(s, out, (unsigned char)p[i++]);
        if (rc)
            return rc;
    }
    return 0;
}

int tok_utf8_repair(const char *p, size_t n, struct buf *out)
{
    struct tok_stream s;
    memset(&s, 0, sizeof(s));
    size_t start = out->len;
    int rc = utf8_bytes(&s, out, p, n);
    if (!rc && s.n_pending)
        rc = buf_append(out, k_fffd, 3);
    if (rc && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}

/* ---------------------------------------------------------------- clean_spaces */

/* Pass 3: " 's", " 'm", " 're", " 've" -> drop the space. Holds " ", " '", " 'r"/" 'v". */
static int clean3(struct tok_stream *s, struct buf *out, char c)
{
    uint8_t *held = &s->clean_held[2];
    char buf[3] = {' ', '\'', s->clean_last};
    int rc = 0;
    switch (*held) {
    case 1:
        if (c == '\'') {
            *held = 2;
            return 0;
        }
        if (c == ' ')
            return utf8_byte(s, out, ' ');
        break;
    case 2:
        if (c == 's' || c == 'm') {
            *held = 0;
            return utf8_bytes(s, out, (char[]){'\'', c}, 2);
        }
        if (c == 'r' || c == 'v') {
            *held = 3;
            s->clean_last = c;
            return 0;
        }
        break;
    case 3:
        if (c == 'e') {
            *held = 0;
            return utf8_bytes(s, out, (char[]){'\'', s->clean_last, 'e'}, 3);
        }
        break;
    default:
        break;
    }
    if (*held) { /* no match: the held bytes are final, c starts afresh */
        rc = utf8_bytes(s, out, buf, *held);
        *held = 0;
        if (rc)
            return rc;
    }
    if (c == ' ') {
        *held = 1;
        return 0;
    }
    return utf8_byte(s, out, (unsigned char)c);
}

/* Pass 2: " ' " -> "'". Holds " ", " '". */
static int clean2(struct tok_stream *s, struct buf *out, char c)
{
    uint8_t *held = &s->clean_held[1];
    int rc;
    if (*held == 1 && c == '\'') {
        *held = 2;
        return 0;
    }
    if (*held == 1 && c == ' ')
        return clean3(s, out, ' ');
    if (*held == 2 && c == ' ') {
        *held = 0; /* both spaces go; what follows cannot reuse this quote */
        return clean3(s, out, '\'');
    }
    if (*held) {
        rc = clean3(s, out, ' ');
        if (!rc && *held == 2)
            rc = clean3(s, out, '\'');
        *held = 0;
        if (rc)
            return rc;
    }
    if (c == ' ') {
        *held = 1;
        return 0;
    }
    return clean3(s, out, c);
}

/* Pass 1: " ?", " !", " .", " ," -> drop the space. Holds " ". */
static int clean1(struct tok_stream *s, struct buf *out, char c)
{
    uint8_t *held = &s->clean_held[0];
    if (*held) {
        if (c == '?' || c == '!' || c == '.' || c == ',') {
            *held = 0;
            return clean2(s, out, c);
        }
        if (c == ' ')
            return clean2(s, out, ' ');
        *held = 0;
        int rc = clean2(s, out, ' ');
        if (rc)
            return rc;
    }
    if (c == ' ') {
        *held = 1;
        return 0;
    }
    return clean2(s, out, c);
}

static int pipe_write(struct tok_stream *s, struct buf *out, const char *p, size_t n)
{
    if (!s->v->clean_spaces)
        return utf8_bytes(s, out, p, n);
    for (size_t i = 0; i < n; i++) {
        int rc = clean1(s, out, p[i]);
        if (rc)
            return rc;
    }
    return 0;
}

static int pipe_flush(struct tok_stream *s, struct buf *out)
{
    int rc = 0;
    if (s->clean_held[0]) {
        s->clean_held[0] = 0;
        rc = clean2(s, out, ' ');
    }
    if (!rc && s->clean_held[1]) {
        uint8_t h = s->clean_held[1];
        s->clean_held[1] = 0;
        rc = clean3(s, out, ' ');
        if (!rc && h == 2)
            rc = clean3(s, out, '\'');
    }
    if (!rc && s->clean_held[2]) {
        char held[3] = {' ', '\'', s->clean_last};
        rc = utf8_bytes(s, out, held, s->clean_held[2]);
        s->clean_held[2] = 0;
    }
    if (!rc && s->n_pending) {
        s->n_pending = 0;
        rc = buf_append(out, k_fffd, 3);
    }
    return rc;
}

/* ---------------------------------------------------------------- stream */

void tok_stream_init(struct tok_stream *s, const struct tok_vocab *v, unsigned flags)
{
    memset(s, 0, sizeof(*s));
    s->v = v;
    s->flags = flags;
    s->first = true;
}

/* One id through the pipeline; scratch holds the piece. */
static int stream_id(struct tok_stream *s, int32_t id, struct buf *scratch, struct buf *out)
{
    const struct tok_vocab *v = s->v;
    bool lstrip = s->first && v->add_space_prefix && !(s->flags & TOK_DEC_CONTINUE);
    s->first = false;
    buf_reset(scratch);
    int rc = piece_append(v, id, (s->flags & TOK_DEC_UNPARSE_SPECIAL) != 0, lstrip, scratch);
    return rc ? rc : pipe_write(s, out, scratch->data, scratch->len);
}

int tok_stream_push(struct tok_stream *s, int32_t id, struct buf *out)
{
    const struct tok_vocab *v = s->v;
    if (id < 0 || id >= v->n_tokens)
        return COLA_ERANGE;
    if (s->first && (s->flags & TOK_DEC_REMOVE_SPECIAL) && v->add_bos && id == v->special[TOK_SPECIAL_BOS]) {
        s->first = false; /* as llama.cpp: a dropped BOS also keeps the next token's space */
        return 0;
    }
    struct tok_stream saved = *s;
    size_t start = out->len;
    struct buf scratch;
    buf_init(&scratch, (size_t)v->max_token_len + 8);
    int rc = stream_id(s, id, &scratch, out);
    buf_free(&scratch);
    if (rc) {
        *s = saved;
        if (out->data) {
            out->len = start;
            out->data[start] = '\0';
        }
    }
    return rc;
}

int tok_stream_flush(struct tok_stream *s, struct buf *out)
{
    struct tok_stream saved = *s;
    size_t start = out->len;
    int rc = pipe_flush(s, out);
    if (rc) {
        *s = saved;
        if (out->data) {
            out->len = start;
            out->data[start] = '\0';
        }
        return rc;
    }
    tok_stream_init(s, s->v, s->flags);
    return 0;
}

/* ---------------------------------------------------------------- decode */

int tok_decode(const struct tok_vocab *v, const int32_t *ids, size_t n, unsigned flags, struct buf *out)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 0 || ids[i] >= v->n_tokens)
            return COLA_ERANGE;
    if ((flags & TOK_DEC_REMOVE_SPECIAL) && v->add_eos && n > 0 && ids[n - 1] == v->special[TOK_SPECIAL_EOS])
        n--;
    struct tok_stream s;
    tok_stream_init(&s, v, flags);
    struct buf scratch;
    buf_init(&scratch, (size_t)v->max_token_len + 8);
    size_t start = out->len;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (i == 0 && (flags & TOK_DEC_REMOVE_SPECIAL) && v->add_bos && ids[0] == v->special[TOK_SPECIAL_BOS]) {
            s.first = false;
            continue;
        }
        rc = stream_id(&s, ids[i], &scratch, out);
    }
    if (!rc)
        rc = pipe_flush(&s, out);
    buf_free(&scratch);
    if (rc && out->data) {
        out->len = start;
        out->data[start] = '\0';
    }
    return rc;
}
