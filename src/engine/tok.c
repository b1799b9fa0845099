/* tok.c — encoding: split the text around special tokens, then run each plain
 * fragment through the vocab's algorithm with the rules llama.cpp's
 * tokenize_impl applies between fragments (BOS/EOS, CLS/SEP, SPM's dummy
 * space prefix at the start and after every special token).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/tok_internal.h"

/* ---------------------------------------------------------------- ids */

void tok_ids_init(struct tok_ids *t, size_t max)
{
    t->ids = NULL;
    t->n = t->cap = 0;
    t->max = max;
}

void tok_ids_free(struct tok_ids *t)
{
    free(t->ids);
    t->ids = NULL;
    t->n = t->cap = 0;
}

int tok_ids_push(struct tok_ids *t, int32_t id)
{
    if (t->n >= t->max)
        return COLA_ENOMEM;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        if (cap > t->max)
            cap = t->max;
        int32_t *p = realloc(t->ids, cap * sizeof(*p));
        if (!p)
            return COLA_ENOMEM;
        t->ids = p;
        t->cap = cap;
    }
    t->ids[t->n++] = id;
    return 0;
}

int tok_escape_spaces(const char *text, size_t len, struct buf *out)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] != ' ')
            continue;
        int rc = buf_append(out, text + start, i - start);
        if (!rc)
            rc = buf_append(out, "\xe2\x96\x81", 3);
        if (rc)
            return rc;
        start = i + 1;
    }
    return buf_append(out, text + start, len - start);
}

/* ---------------------------------------------------------------- partition */

struct frag_list {
    struct tok_frag *v;
    size_t n, cap;
};

static int frag_push(struct frag_list *l, int32_t id, size_t off, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct tok_frag *p = realloc(l->v, cap * sizeof(*p));
        if (!p)
            return COLA_ENOMEM;
        l->v = p;
        l->cap = cap;
    }
    l->v[l->n++] = (struct tok_frag){id, off, len};
    return 0;
}

/* isspace() of the C locale, which is what llama.cpp's strip sees. */
static bool is_c_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Split the raw fragment [off, off+len) around every occurrence of token id,
 * left to right, as tokenizer_st_partition does: lstrip drops whitespace
 * before an occurrence, rstrip the whitespace after it. */
static int split_fragment(const struct tok_vocab *v, const char *text, size_t off, size_t len, int32_t id,
                          struct frag_list *out)
{
    const struct tok_token *t = &v->tokens[id];
    size_t base = off, blen = len;
    for (;;) {
        const char *hit = blen ? memmem(text + base, blen, t->text, t->len) : NULL;
        if (!hit)
            return blen ? frag_push(out, -1, base, blen) : 0;
        size_t m = (size_t)(hit - text);
        size_t left = m - base;
        if (t->attr & TOK_ATTR_LSTRIP)
            while (left > 0 && is_c_space(text[base + left - 1]))
                left--;
        int rc = left ? frag_push(out, -1, base, left) : 0;
        if (!rc)
            rc = frag_push(out, id, 0, 0);
        if (rc)
            return rc;
        size_t end = m + t->len;
        if (end >= base + blen)
            return 0;
        blen = base + blen - end;
        base = end;
        if (t->attr & TOK_ATTR_RSTRIP)
            while (blen > 0 && is_c_space(text[base])) {
                base++;
                blen--;
            }
    }
}

/* Which bytes and adjacent byte pairs occur in the text: a token whose first
 * byte or any of whose pairs is absent cannot occur, so its pass is skipped. */
struct presence {
    uint64_t bytes[4];
    uint64_t pairs[65536 / 64];
};

static void presence_build(struct presence *p, const unsigned char *s, size_t len)
{
    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < len; i++) {
        p->bytes[s[i] >> 6] |= 1ull << (s[i] & 63);
        if (i + 1 < len) {
            unsigned pair = (unsigned)s[i] << 8 | s[i + 1];
            p->pairs[pair >> 6] |= 1ull << (pair & 63);
        }
    }
}

static bool presence_may_contain(const struct presence *p, const unsigned char *t, size_t len)
{
    if (!(p->bytes[t[0] >> 6] >> (t[0] & 63) & 1))
        return false;
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned pair = (unsigned)t[i] << 8 | t[i + 1];
        if (!(p->pairs[pair >> 6] >> (pair & 63) & 1))
            return false;
    }
    return true;
}

static bool eligible(const struct tok_vocab *v, int32_t id, bool parse_special)
{
    return parse_special || !(v->tokens[id].attr & (TOK_ATTR_CONTROL | TOK_ATTR_UNKNOWN));
}

/* One pass per special token, longest first, over the current fragments:
 * the same result as llama.cpp's list surgery, including what a longer token
 * hides from a shorter one and what stripping removes. */
static int partition_passes(const struct tok_vocab *v, const char *text, size_t len, bool parse_special,
                            struct frag_list *cur, struct presence *pres)
{
    struct frag_list next = {0};
    int rc = 0;
    presence_build(pres, (const unsigned char *)text, len);
    for (size_t k = 0; k < v->n_special_sorted && !rc; k++) {
        int32_t id = v->special_sorted[k];
        const struct tok_token *t = &v->tokens[id];
        if (!eligible(v, id, parse_special) || t->len > len ||
            !presence_may_contain(pres, (const unsigned char *)t->text, t->len))
            continue;
        next.n = 0;
        for (size_t i = 0; i < cur->n && !rc; i++) {
            const struct tok_frag *f = &cur->v[i];
            rc = f->id >= 0 ? frag_push(&next, f->id, 0, 0) : split_fragment(v, text, f->off, f->len, id, &next);
        }
        struct frag_list tmp = *cur;
        *cur = next;
        next = tmp;
    }
    free(next.v);
    return rc;
}

int tok_partition(const struct tok_vocab *v, const char *text, size_t len, bool parse_special,
                  struct tok_frag **out, size_t *n, struct cola_err *err)
{
    struct frag_list cur = {0};
    int rc = len ? frag_push(&cur, -1, 0, len) : 0;
    bool any = false;
    for (size_t k = 0; k < v->n_special_sorted && !any; k++)
        any = eligible(v, v->special_sorted[k], parse_special);
    if (!rc && len && any) {
        struct presence *pres = malloc(sizeof(*pres));
        rc = pres ? partition_passes(v, text, len, parse_special, &cur, pres) : COLA_ENOMEM;
        free(pres);
    }
    if (rc) {
        free(cur.v);
        *out = NULL;
        *n = 0;
        return err_set(err, rc, "out of memory splitting the text around special tokens");
    }
    *out = cur.v;
    *n = cur.n;
    return 0;
}

/* ---------------------------------------------------------------- encode */

static int push_special(const struct tok_vocab *v, enum tok_special role, struct tok_ids *out,
                        struct cola_err *err)
{
    static const char *const names[] = {[TOK_SPECIAL_BOS] = "BOS", [TOK_SPECIAL_EOS] = "EOS",
                                        [TOK_SPECIAL_SEP] = "SEP"};
    int32_t id = v->special[role];
    if (id < 0)
        return err_set(err, COLA_EFORMAT, "the vocab has no %s token to add", names[role]);
    return tok_ids_push(out, id) ? err_set(err, COLA_ENOMEM, "too many tokens (at most %zu)", out->max) : 0;
}

/* Encode one raw fragment with the vocab's algorithm. prev_special: the
 * fragment starts the text or follows a special token (SPM prefixes a space). */
static int encode_fragment(const struct tok_vocab *v, const char *s, size_t n, bool prev_special,
                           struct buf *scratch, struct tok_ids *out, struct cola_err *err)
{
    int rc = 0;
    buf_reset(scratch);
    switch (v->type) {
    case TOK_TYPE_SPM:
        if (v->add_space_prefix && prev_special) {
            rc = buf_putc(scratch, ' ');
            rc = rc ? rc : buf_append(scratch, s, n);
            if (rc)
                return err_set(err, rc, "out of memory");
            s = scratch->data;
            n = scratch->len;
        }
        return tok_spm_encode(v, s, n, out, err);
    case TOK_TYPE_BPE:
        if (v->escape_whitespaces) {
            if ((rc = tok_escape_spaces(s, n, scratch)))
                return err_set(err, rc, "out of memory");
            s = scratch->data;
            n = scratch->len;
        }
        return tok_bpe_encode(v, s, n, out, err);
    case TOK_TYPE_WPM:
        return tok_wpm_encode(v, s, n, out, err);
    default:
        return err_set(err, COLA_EUNSUPPORTED, "this model has no tokenizer");
    }
}

int tok_encode(const struct tok_vocab *v, const char *text, size_t len, unsigned flags,
               struct tok_ids *out, struct cola_err *err)
{
    if (v->type == TOK_TYPE_NONE)
        return err_set(err, COLA_EUNSUPPORTED, "this model has no tokenizer");
    if (len > TOK_MAX_TEXT_LEN)
        return err_set(err, COLA_ERANGE, "text of %zu bytes is too long to tokenize (at most %zu)", len,
                       (size_t)TOK_MAX_TEXT_LEN);
    bool add = (flags & TOK_ENC_ADD_SPECIAL) != 0;
    struct tok_frag *frags = NULL;
    size_t n_frags = 0;
    struct buf scratch;
    buf_init(&scratch, 3 * TOK_MAX_TEXT_LEN + 8);
    int rc = tok_partition(v, text, len, (flags & TOK_ENC_PARSE_SPECIAL) != 0, &frags, &n_frags, err);
    if (rc)
        goto out;
    /* WPM adds [CLS]/[SEP] whenever asked, as llama.cpp does; SPM and BPE follow add_bos/add_eos */
    if (add && (v->type == TOK_TYPE_WPM || v->add_bos) && (rc = push_special(v, TOK_SPECIAL_BOS, out, err)))
        goto out;
    bool prev_special = true;
    for (size_t i = 0; i < n_frags; i++) {
        const struct tok_frag *f = &frags[i];
        if (f->id >= 0) {
            if (tok_ids_push(out, f->id)) {
                rc = err_set(err, COLA_ENOMEM, "too many tokens (at most %zu)", out->max);
                goto out;
            }
            prev_special = true;
            continue;
        }
        if ((rc = encode_fragment(v, text + f->off, f->len, prev_special, &scratch, out, err)))
            goto out;
        prev_special = false;
    }
    if (add && v->type == TOK_TYPE_WPM)
        rc = push_special(v, TOK_SPECIAL_SEP, out, err);
    else if (add && v->add_eos)
        rc = push_special(v, TOK_SPECIAL_EOS, out, err);
out:
    buf_free(&scratch);
    free(frags);
    return rc;
}
