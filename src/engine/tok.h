/* tok.h — tokenizers built from a GGUF's tokenizer.* metadata, id for id with llama.cpp.
 *
 * Supported tokenizer.ggml.model values:
 *   "llama"  SentencePiece-style: score-driven merges, byte fallback <0xNN>, dummy
 *            space prefix, U+2581 for spaces                        (TOK_TYPE_SPM)
 *   "gpt2"   byte-level BPE with a pre-tokenizer chosen by tokenizer.ggml.pre (TOK_TYPE_BPE)
 *   "bert"   WordPiece with BERT normalization                      (TOK_TYPE_WPM)
 *   "no_vocab" / absent: no tokenizer (TOK_TYPE_NONE)
 * Anything else, or an unknown pre-tokenizer, fails to load with a message naming it.
 *
 * Encoding: tok_encode() APPENDS ids to a struct tok_ids. With TOK_ENC_ADD_SPECIAL
 * it adds BOS/EOS/SEP as the metadata says (tokenizer.ggml.add_bos_token, ...).
 * With TOK_ENC_PARSE_SPECIAL, control tokens (<|im_start|>, <s>, ...) written in
 * the text are recognised as themselves; user-defined tokens are always recognised
 * (as in llama.cpp).
 *
 * Decoding: tok_piece() gives a token's raw bytes (which may be part of a UTF-8
 * character); tok_decode() turns a whole id sequence into valid UTF-8 (invalid
 * bytes become U+FFFD, never an error); struct tok_stream decodes one id at a time
 * and holds back a character split across tokens until it is complete.
 *
 * Ownership and threads: a struct tok_vocab copies what it needs from the GGUF
 * (the file may be closed after load) and is immutable afterwards; any number of
 * threads may encode/decode with one vocab concurrently. Outputs are growable
 * buffers owned by the caller.
 */
#ifndef COLA_ENGINE_TOK_H
#define COLA_ENGINE_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gguf.h"
#include "util/buf.h"
#include "util/err.h"

enum tok_type {
    TOK_TYPE_NONE = 0,
    TOK_TYPE_SPM = 1,
    TOK_TYPE_BPE = 2,
    TOK_TYPE_WPM = 3,
};

/* Token attributes (llama.cpp's LLAMA_TOKEN_ATTR_* bit values). */
enum tok_attr {
    TOK_ATTR_UNDEFINED = 0,
    TOK_ATTR_UNKNOWN = 1 << 0,
    TOK_ATTR_UNUSED = 1 << 1,
    TOK_ATTR_NORMAL = 1 << 2,
    TOK_ATTR_CONTROL = 1 << 3,
    TOK_ATTR_USER_DEFINED = 1 << 4,
    TOK_ATTR_BYTE = 1 << 5,
    TOK_ATTR_NORMALIZED = 1 << 6,
    TOK_ATTR_LSTRIP = 1 << 7,
    TOK_ATTR_RSTRIP = 1 << 8,
    TOK_ATTR_SINGLE_WORD = 1 << 9,
};

/* Special token roles; tok_special() returns -1 for a role the vocab lacks. */
enum tok_special {
    TOK_SPECIAL_BOS,
    TOK_SPECIAL_EOS,
    TOK_SPECIAL_EOT,
    TOK_SPECIAL_EOM,
    TOK_SPECIAL_UNK,
    TOK_SPECIAL_SEP,
    TOK_SPECIAL_PAD,
    TOK_SPECIAL_MASK,
    TOK_SPECIAL_NL,
    TOK_SPECIAL_FIM_PRE,
    TOK_SPECIAL_FIM_SUF,
    TOK_SPECIAL_FIM_MID,
    TOK_SPECIAL_COUNT,
};

enum {
    TOK_ENC_ADD_SPECIAL = 1u << 0,   /* add BOS/EOS/SEP per the metadata */
    TOK_ENC_PARSE_SPECIAL = 1u << 1, /* recognise control tokens written in the text */
};

enum {
    TOK_DEC_REMOVE_SPECIAL = 1u << 0,  /* drop a leading BOS / trailing EOS the vocab adds */
    TOK_DEC_UNPARSE_SPECIAL = 1u << 1, /* render control tokens as their text (else nothing) */
};

/* A growable id array with a maximum length (appending past it: COLA_ENOMEM). */
struct tok_ids {
    int32_t *ids;
    size_t n, cap, max;
};

void tok_ids_init(struct tok_ids *t, size_t max);
void tok_ids_free(struct tok_ids *t);
int tok_ids_push(struct tok_ids *t, int32_t id);

struct tok_vocab;

/* Build the tokenizer described by g's tokenizer.* keys. *out is freed with
 * tok_vocab_free(). */
int tok_vocab_load(const struct gguf_file *g, struct tok_vocab **out, struct cola_err *err);
void tok_vocab_free(struct tok_vocab *v);

enum tok_type tok_vocab_type(const struct tok_vocab *v);
int32_t tok_vocab_size(const struct tok_vocab *v);
int32_t tok_special(const struct tok_vocab *v, enum tok_special which);
/* End of generation: EOS, EOT, EOM and the vocab's other end-of-turn tokens. */
bool tok_is_eog(const struct tok_vocab *v, int32_t id);
/* The token's stored text (as in the vocab: with U+2581 or byte-level chars),
 * borrowed; NULL for an out-of-range id. */
const char *tok_text(const struct tok_vocab *v, int32_t id, size_t *len);
uint32_t tok_attr(const struct tok_vocab *v, int32_t id);
float tok_score(const struct tok_vocab *v, int32_t id);
/* Whether the vocab adds BOS / EOS when TOK_ENC_ADD_SPECIAL is given. */
bool tok_adds_bos(const struct tok_vocab *v);
bool tok_adds_eos(const struct tok_vocab *v);

/* Append the ids of text[0..len) to out. */
int tok_encode(const struct tok_vocab *v, const char *text, size_t len, unsigned flags,
               struct tok_ids *out, struct cola_err *err);

/* Append the raw bytes of one token to out (U+2581 → space, <0xNN> → the byte,
 * byte-level BPE chars → bytes; control tokens only with TOK_DEC_UNPARSE_SPECIAL).
 * The bytes may be an incomplete UTF-8 sequence. */
int tok_piece(const struct tok_vocab *v, int32_t id, unsigned flags, struct buf *out);

/* Append the text of ids to out as valid UTF-8 (as llama_detokenize does,
 * including dropping the dummy-prefix space of the first token). */
int tok_decode(const struct tok_vocab *v, const int32_t *ids, size_t n, unsigned flags,
               struct buf *out);

/* Incremental decoding for streaming output. */
struct tok_stream {
    const struct tok_vocab *v;
    unsigned flags;
    bool first;          /* no token seen yet (for the dummy-prefix space) */
    unsigned char pending[8];
    size_t n_pending;    /* bytes of an incomplete UTF-8 character held back */
};

void tok_stream_init(struct tok_stream *s, const struct tok_vocab *v, unsigned flags);
/* Append to out whatever complete UTF-8 text id finishes. */
int tok_stream_push(struct tok_stream *s, int32_t id, struct buf *out);
/* End of stream: any held-back bytes become U+FFFD. */
int tok_stream_flush(struct tok_stream *s, struct buf *out);

#endif
