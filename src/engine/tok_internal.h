/* tok_internal.h — what the tokenizer's files share; not for use outside src/engine/tok*.c.
 *
 * tok_vocab.c loads the common parts (tokens, scores, attributes, special ids,
 * flags) and calls the algorithm's load hook; tok.c partitions text around
 * special tokens and hands each plain fragment to the algorithm's encoder;
 * tok_decode.c turns ids back into text. Each algorithm keeps its private
 * state behind its own pointer in the vocab (bpe, spm, wpm) and frees it in
 * its free hook (which must accept a vocab whose load hook failed or never ran).
 */
#ifndef COLA_ENGINE_TOK_INTERNAL_H
#define COLA_ENGINE_TOK_INTERNAL_H

#include "engine/tok.h"
#include "util/strmap.h"

struct tok_token {
    const char *text;  /* points into tok_vocab.text_pool; NUL-terminated */
    uint32_t len;
    float score;
    uint32_t attr;     /* enum tok_attr bits */
};

struct tok_bpe;  /* tok_bpe.c */
struct tok_spm;  /* tok_spm.c */
struct tok_wpm;  /* tok_wpm.c */

struct tok_vocab {
    enum tok_type type;
    int32_t n_tokens;
    struct tok_token *tokens;  /* (n_tokens) */
    char *text_pool;           /* all token texts, NUL-separated */
    struct strmap by_text;     /* token text -> id */
    uint32_t max_token_len;    /* longest token text in bytes */

    int32_t special[TOK_SPECIAL_COUNT]; /* -1 if absent */
    int32_t *eog_ids;          /* end-of-generation ids, ascending */
    size_t n_eog;

    /* tokens matched in raw text before the algorithm runs: control,
     * user-defined and unknown ones, longest text first, ties by id
     * (llama.cpp's cache_special_tokens) */
    int32_t *special_sorted;
    size_t n_special_sorted;

    bool add_bos, add_eos, add_sep;
    bool add_space_prefix;        /* SPM dummy prefix (tokenizer.ggml.add_space_prefix) */
    bool remove_extra_whitespaces;
    bool clean_spaces;            /* detokenizer clean-up (model/pre-tokenizer default) */
    bool escape_whitespaces;      /* BPE: ' ' -> U+2581 before encoding, back when decoding
                                   * (SPM-style BPE vocabs; set by the BPE load hook) */
    bool wpm_lowercase;           /* tokenizer.ggml.normalizer.lowercase (default true) */
    bool wpm_strip_accents;       /* tokenizer.ggml.normalizer.strip_accents (default = lowercase) */

    /* SPM byte fallback: id of "<0xXX>" (else of the 1-byte token), -1 if none */
    int32_t byte_ids[256];

    struct tok_bpe *bpe;
    struct tok_spm *spm;
    struct tok_wpm *wpm;
};

/* Algorithm hooks.
 *
 * load: called by tok_vocab_load() after the tokens, scores and attributes
 * are loaded and the model type's defaults are set, but BEFORE the metadata
 * overrides (tokenizer.ggml.add_bos_token, *_token_id, add_space_prefix) are
 * applied — the same point where llama.cpp applies its per-pre-tokenizer
 * defaults — so a hook may set defaults (add_bos, clean_spaces, special[],
 * escape_whitespaces) that the metadata can still override. It reads the
 * algorithm's own keys (merges, pre-tokenizer, ...). Special ids are not final
 * yet: do not rely on them.
 *
 * encode: appends the ids of one fragment of plain text (no special tokens
 * in it) to out. The caller (tok.c) has already applied the rules that depend
 * on the fragment's neighbours, as llama.cpp's tokenize_impl does: for SPM,
 * the leading space of the dummy prefix is already in the text (escaping
 * spaces to U+2581 is the encoder's); for BPE with escape_whitespaces the
 * spaces are already U+2581. len >= 1 and len <= 3 * TOK_MAX_TEXT_LEN. */
int tok_bpe_load(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err);
void tok_bpe_free(struct tok_vocab *v);
int tok_bpe_encode(const struct tok_vocab *v, const char *text, size_t len, struct tok_ids *out,
                   struct cola_err *err);
/* Append the bytes that a byte-level BPE token text stands for (the inverse of
 * GPT-2's bytes_to_unicode); characters outside the map are copied as is. */
int tok_bpe_text_to_bytes(const char *text, size_t len, struct buf *out);

int tok_spm_load(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err);
void tok_spm_free(struct tok_vocab *v);
int tok_spm_encode(const struct tok_vocab *v, const char *text, size_t len, struct tok_ids *out,
                   struct cola_err *err);

int tok_wpm_load(struct tok_vocab *v, const struct gguf_file *g, struct cola_err *err);
void tok_wpm_free(struct tok_vocab *v);
int tok_wpm_encode(const struct tok_vocab *v, const char *text, size_t len, struct tok_ids *out,
                   struct cola_err *err);

/* ---- shared helpers ---- */

/* Bytes of the UTF-8 sequence that starts with lead byte c, from its high
 * nibble only (1 for a stray continuation byte), as llama.cpp's
 * unicode_len_utf8. */
static inline size_t tok_utf8_len(unsigned char c)
{
    static const unsigned char lookup[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return lookup[c >> 4];
}

/* Id of text in the vocab, or -1. */
static inline int32_t tok_lookup(const struct tok_vocab *v, const char *text, size_t len)
{
    return strmap_get(&v->by_text, text, len, -1);
}

/* Append text with every ' ' replaced by U+2581 ("\xE2\x96\x81"). */
int tok_escape_spaces(const char *text, size_t len, struct buf *out);

/* A fragment of the input after special-token partitioning: a token
 * (id >= 0) or a span of raw text (id == -1). */
struct tok_frag {
    int32_t id;
    size_t off, len;
};

/* Split text around special tokens as llama.cpp's tokenizer_st_partition:
 * control and unknown tokens only with parse_special, user-defined ones
 * always, longest first, honouring lstrip/rstrip. *out (malloc'ed, freed by
 * the caller) gets *n fragments in text order. */
int tok_partition(const struct tok_vocab *v, const char *text, size_t len, bool parse_special,
                  struct tok_frag **out, size_t *n, struct cola_err *err);

#endif
