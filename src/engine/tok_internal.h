/* tok_internal.h — what the tokenizer's files share; not for use outside src/engine/tok*.c.
 *
 * tok_vocab.c loads the common parts (tokens, scores, attributes, special ids,
 * flags) and calls the algorithm's load hook; tok.c partitions text around
 * special tokens and hands each plain fragment to the algorithm's encoder.
 * Each algorithm keeps its private state behind its own pointer in the vocab
 * (bpe, spm, wpm) and frees it in its free hook.
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

    int32_t special[TOK_SPECIAL_COUNT]; /* -1 if absent */
    int32_t *eog_ids;          /* end-of-generation ids */
    size_t n_eog;

    /* tokens matched in raw text before the algorithm runs: control and
     * user-defined ones, longest text first (llama.cpp's cache_special_tokens) */
    int32_t *special_sorted;
    size_t n_special_sorted;

    bool add_bos, add_eos, add_sep;
    bool add_space_prefix;        /* SPM dummy prefix (tokenizer.ggml.add_space_prefix) */
    bool remove_extra_whitespaces;
    bool clean_spaces;            /* detokenizer clean-up (tokenizer.ggml.clean_spaces / model default) */

    struct tok_bpe *bpe;
    struct tok_spm *spm;
    struct tok_wpm *wpm;
};

/* Algorithm hooks. load: called after the common parts are loaded, reads the
 * algorithm's own keys (merges, pre-tokenizer, ...). encode: appends the ids of
 * one fragment of plain text (no special tokens in it). The caller (tok.c) has
 * already applied the rules that depend on the fragment's neighbours, as
 * llama.cpp's tokenize_impl does: for SPM, the leading space of the dummy
 * prefix is already in the text; escaping spaces to U+2581 is the encoder's. */
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

#endif
