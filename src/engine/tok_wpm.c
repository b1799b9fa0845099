/* tok_wpm.c — WordPiece encoding with BERT normalization, as llama.cpp's
 * llm_tokenizer_wpm_session.
 *
 * Normalization (per code point, utf8proc for the Unicode data):
 *   - invalid UTF-8 bytes become U+FFFD, one per byte (and are then dropped);
 *   - with strip_accents, each code point is replaced by the FIRST code point
 *     of its canonical decomposition (llama.cpp's unicode_cpts_normalize_nfd:
 *     é -> e, 가 -> ᄀ), and combining marks (\p{M}) are dropped;
 *   - White_Space ends a word; NUL, U+FFFD and \p{C} (Cc, Cf, Cs, Co) vanish;
 *   - with lowercase, simple lowercase mapping;
 *   - punctuation (\p{P}), ASCII symbols and CJK ideographs are words of their own.
 * Each word, prefixed with U+2581, is matched greedily longest-first against
 * the vocab; a word with any unmatched position becomes [UNK].
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "engine/tok_internal.h"

/* One code point from s[*off..len) as llama.cpp's unicode_cpt_from_utf8
 * decodes it (no overlong or surrogate checks); 0xFFFD and one byte for an
 * invalid sequence. */
static uint32_t decode_cpt(const unsigned char *s, size_t len, size_t *off)
{
    size_t i = *off;
    unsigned char c = s[i];
    if (c < 0x80) {
        *off = i + 1;
        return c;
    }
    size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || len - i < n) {
        *off = i + 1;
        return 0xFFFD;
    }
    uint32_t cpt = c & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[i + k] & 0xC0) != 0x80) {
            *off = i + 1;
            return 0xFFFD;
        }
        cpt = cpt << 6 | (s[i + k] & 0x3F);
    }
    *off = i + n;
    return cpt;
}

static size_t encode_cpt(uint32_t cpt, char *out)
{
    if (cpt < 0x80) {
        out[0] = (char)cpt;
        return 1;
    }
    if (cpt < 0x800) {
        out[0] = (char)(0xC0 | cpt >> 6);
        out[1] = (char)(0x80 | (cpt & 0x3F));
        return 2;
    }
    if (cpt < 0x10000) {
        out[0] = (char)(0xE0 | cpt >> 12);
        out[1] = (char)(0x80 | (cpt >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cpt & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cpt >> 18);
    out[1] = (char)(0x80 | (cpt >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cpt >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cpt & 0x3F));
    return 4;
}

static bool is_white_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

static bool is_chinese_char(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) ||
           (c >= 0x2B920 && c <= 0x2CEAF) || /* sic: 0x2B920, as in HF's BERT normalizer */
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* First code point of the canonical decomposition. */
static uint32_t nfd_first(uint32_t c)
{
    if (c < 0xC0)
        return c; /* nothing below U+00C0 has a canonical decomposition */
    utf8proc_int32_t dst[8];
    int bound = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char((utf8proc_int32_t)c, dst, 8, UTF8PROC_DECOMPOSE, &bound);
    return n >= 1 && n <= 8 ? (uint32_t)dst[0] : c;
}

/* Greedy longest match of "▁" + word; [UNK] if any position fails. */
static int match_word(const struct tok_vocab *v, struct buf *w, struct tok_ids *out, struct cola_err *err)
{
    const char *s = w->data;
    size_t n = w->len, start = out->n;
    for (size_t i = 0; i < n; i++) {
        size_t j = i + (size_t)v->max_token_len + 1 < n ? i + (size_t)v->max_token_len + 1 : n;
        int32_t id = -1;
        for (; j > i; j--)
            if ((id = tok_lookup(v, s + i, j - i)) >= 0)
                break;
        if (id < 0) {
            out->n = start; /* discard the word's tokens */
            break;
        }
        if (tok_ids_push(out, id))
            return err_set(err, COLA_ENOMEM, "too many tokens (at most %zu)", out->max);
        i = j - 1;
    }
    if (out->n == start) {
        int32_t unk = v->special[TOK_SPECIAL_UNK];
        if (unk < 0)
            return err_set(err, COLA_EFORMAT, "the vocab has no unknown token for an unmatched word");
        if (tok_ids_push(out, unk))
            return err_set(err, COLA_ENOMEM, "too many tokens (at most %zu)", out->max);
    }
    buf_reset(w);
    return buf_append(w, "\xe2\x96\x81", 3) ? err_set(err, COLA_ENOMEM, "out of memory") : 0;
}

enum cpt_class { CPT_SKIP, CPT_SPACE, CPT_ALONE, CPT_WORD };

static enum cpt_class classify(const struct tok_vocab *v, uint32_t *cpt)
{
    uint32_t c = *cpt;
    if (c > 0x10FFFF)
        return CPT_SKIP; /* a 4-byte sequence beyond Unicode: nothing can encode it */
    if (v->wpm_strip_accents)
        c = nfd_first(c);
    if (is_white_space(c))
        return CPT_SPACE;
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)c);
    if (c == 0 || c == 0xFFFD || cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
        cat == UTF8PROC_CATEGORY_CS || cat == UTF8PROC_CATEGORY_CO)
        return CPT_SKIP;
    if (v->wpm_strip_accents &&
        (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC || cat == UTF8PROC_CATEGORY_ME))
        return CPT_SKIP;
    bool punct = cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
    bool symbol = cat >= UTF8PROC_CATEGORY_SM && cat <= UTF8PROC_CATEGORY_SO;
    bool alone = punct || (c < 0x7F && symbol) || is_chinese_char(c);
    *cpt = v->wpm_lowercase ? (uint32_t)utf8proc_tolower((utf8proc_int32_t)c) : c;
    return alone ? CPT_ALONE : CPT_WORD;
}

int tok_wpm_encode(const struct tok_vocab *v, const char *text, size_t len, struct tok_ids *out,
                   struct cola_err *err)
{
    const unsigned char *s = (const unsigned char *)text;
    struct buf w; /* the current word, after its U+2581 prefix */
    buf_init(&w, 4 * len + 8);
    int rc = buf_append(&w, "\xe2\x96\x81", 3) ? err_set(err, COLA_ENOMEM, "out of memory") : 0;
    size_t off = 0;
    while (!rc && off < len) {
        uint32_t cpt = decode_cpt(s, len, &off);
        enum cpt_class k = classify(v, &cpt);
        if (k == CPT_SKIP)
            continue;
        if (k != CPT_WORD && w.len > 3)
            rc = match_word(v, &w, out, err); /* finish the previous word */
        if (rc || k == CPT_SPACE)
            continue;
        char u[4];
        if (buf_append(&w, u, encode_cpt(cpt, u))) {
            rc = err_set(err, COLA_ENOMEM, "out of memory");
            break;
        }
        if (k == CPT_ALONE)
            rc = match_word(v, &w, out, err);
    }
    if (!rc && w.len > 3)
        rc = match_word(v, &w, out, err);
    buf_free(&w);
    return rc;
}

int tok_wpm_load(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err)
{
    (void)v;
    (void)g;
    (void)err;
    return 0; /* the normalizer flags are read with the other overrides in tok_vocab.c */
}

void tok_wpm_free(struct tok_vocab *v) { (void)v; }
