/* tok_bpe.h — byte-level BPE internals shared by tok_bpe.c (merges) and
 * tok_bpe_pre.c (pre-tokenizers); not for use outside src/engine/tok_bpe*.c
 * and their unit test.
 *
 * Pipeline for one fragment of plain text (tok_bpe_encode):
 *   1. tok_bpe_text_prepare(): make the text what llama.cpp tokenizes. Its
 *      UTF-8 decoder replaces each undecodable byte with U+FFFD and re-encodes
 *      what it decodes (so an overlong "\xC0\x80" becomes "\x00"). Two views
 *      of the same length come out: one for PCRE2 (always valid UTF-8) and one
 *      with the bytes llama.cpp byte-encodes; they differ only where the input
 *      holds UTF-16 surrogates (ED A0..BF xx), which PCRE2 cannot match and
 *      which are shown to it as U+E000, a character of the same class (\p{C}).
 *   2. tok_bpe_split(): the pre-tokenizer. Each regex of the list splits every
 *      piece produced by the previous one; text between matches stays a piece.
 *      Matching is done on one piece at a time, so lookaheads and `$` see the
 *      piece's end, as in llama.cpp.
 *   3. per word: GPT-2's bytes_to_unicode, then merges (tok_bpe.c).
 *
 * Regex notes (why the patterns in tok_bpe_pre.c are not verbatim copies of
 * the tokenizer.json ones): llama.cpp gives `\s` its own meaning (the 25
 * Unicode White_Space code points) and hides non-ASCII whitespace from
 * literal character classes; PCRE2's UCP `\s` adds U+180E. The patterns here
 * therefore spell whitespace out (TOK_BPE_WS) and literal ranges leave the
 * whitespace code points out.
 *
 * Threads: a compiled struct tok_bpe_split is immutable; tok_bpe_split() takes
 * per-call match data, so any number of threads may split with one splitter.
 */
#ifndef COLA_ENGINE_TOK_BPE_H
#define COLA_ENGINE_TOK_BPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define TOK_BPE_MAX_REGEX 8

/* One pre-tokenizer: the names tokenizer.ggml.pre uses for it and the options
 * llama.cpp sets with it. */
struct tok_bpe_pre {
    const char *name;                       /* the canonical tokenizer.ggml.pre value */
    const char *const *regex;               /* NULL-terminated list, applied in order */
    bool ignore_merges;  /* a word that is itself a token is emitted whole (llama3) */
    bool clean_spaces;   /* detokenizer clean-up default */
    bool add_bos;        /* BOS default when tokenizer.ggml.add_bos_token is absent */
    bool no_bos;         /* no BOS id unless tokenizer.ggml.bos_token_id gives one (GLM-4) */
};

/* The pre-tokenizer for a tokenizer.ggml.pre value (len bytes, not
 * NUL-terminated); an absent key is "default", as in llama.cpp. NULL if
 * unknown. */
const struct tok_bpe_pre *tok_bpe_pre_find(const char *name, size_t len);
/* The i-th known pre-tokenizer (0, 1, ...), NULL past the last. */
const struct tok_bpe_pre *tok_bpe_pre_at(size_t i);

/* A pre-tokenizer's regexes, compiled (JIT when available). */
struct tok_bpe_split {
    int n;
    void *re[TOK_BPE_MAX_REGEX]; /* pcre2_code_8 * */
};

int tok_bpe_split_init(struct tok_bpe_split *s, const struct tok_bpe_pre *pre,
                       struct cola_err *err);
void tok_bpe_split_free(struct tok_bpe_split *s);

/* Called for each word in order: text[off .. off+len), len > 0. A non-zero
 * return stops the split and is returned by tok_bpe_split(). */
typedef int (*tok_bpe_word_fn)(void *ctx, size_t off, size_t len);

/* Split text[0..len) (valid UTF-8, as tok_bpe_text_prepare() makes it) into
 * words. md is a pcre2_match_data_8 * owned by the calling thread. Returns 0,
 * what fn returned, or COLA_EINVAL/COLA_ENOMEM if PCRE2 fails (message in err). */
int tok_bpe_split(const struct tok_bpe_split *s, const char *text, size_t len, void *md,
                  tok_bpe_word_fn fn, void *ctx, struct cola_err *err);

/* Match data for tok_bpe_split(): create per call or per thread, free with
 * tok_bpe_md_free(). NULL on ENOMEM. */
void *tok_bpe_md_new(void);
void tok_bpe_md_free(void *md);

/* Step 1 above. If text needs no change, *match and *enc point at text and
 * *owned is NULL; otherwise they point into *owned (malloc'ed, caller frees).
 * *out_len is the length of both views. 0 or COLA_ENOMEM. */
int tok_bpe_text_prepare(const char *text, size_t len, const char **match, const char **enc,
                         size_t *out_len, char **owned);

/* GPT-2's bytes_to_unicode: the code point that stands for byte b. */
uint32_t tok_bpe_byte_cpt(uint8_t b);
/* Its UTF-8 form (1 or 2 bytes) written to out; returns the length. */
size_t tok_bpe_byte_utf8(uint8_t b, char out[2]);

#endif
