/* tok.h — tokenizers built from a GGUF's tokenizer.* metadata, id for id with llama.cpp.
 *
 * Supported tokenizer.ggml.model values:
 *   "llama"  SentencePiece-style: score-driven merges, byte fallback <0xNN>, dummy
 *            space prefix, U+2581 for spaces                        (TOK_TYPE_SPM)
 *   "gpt2"   byte-level BPE with a pre-tokenizer chosen by tokenizer.ggml.pre (TOK_TYPE_BPE)
 *   "bert"   WordPiece with BERT normalization                      (TOK_TYPE_WPM)
 *   "no_vocab" / "none" / absent: no tokenizer (TOK_TYPE_NONE; encoding fails,
 *            decoding yields nothing)
 * Anything else, or an unknown pre-tokenizer, fails to load with a message naming it.
 *
 * Loading follows llama.cpp's llama_vocab::load: per-type defaults for the
 * special ids and the add_bos/add_eos/add_space_prefix flags, overridden by the
 * metadata; token types become attributes; end-of-turn tokens are also found by
 * their text (<|eot_id|>, <|im_end|>, <end_of_turn>, ...). Malformed metadata
 * (missing or mistyped arrays, short score/type arrays, duplicate token texts)
 * is an error; a special id outside the vocab (bos_token_id = 10^9) keeps the
 * type's default, as llama.cpp does; an empty token text becomes "[EMPTY_<id>]".
 * docs/tokenizers.md has the details.
 *
 * Encoding: tok_encode() APPENDS ids to a struct tok_ids. With TOK_ENC_ADD_SPECIAL
 * it adds BOS/EOS (SPM, BPE) or CLS/SEP (WPM) as the metadata says. With
 * TOK_ENC_PARSE_SPECIAL, control tokens (<|im_start|>, <s>, ...) written in
 * the text are recognised as themselves; user-defined tokens are always
 * recognised (as in llama.cpp).
 *
 * Decoding: tok_piece() gives a token's raw bytes (which may be part of a UTF-8
 * character); tok_decode() turns a whole id sequence into valid UTF-8 (invalid
 * bytes become U+FFFD, never an error) exactly as llama_detokenize does (the
 * dummy-prefix space of the first token dropped, clean_spaces applied); struct
 * tok_stream decodes one id at a time, holding back a character split across
 * tokens (and the few bytes clean_spaces may still change) until they are
 * final, so the concatenated stream output equals tok_decode() of all ids.
 * Text generated after a prompt is a continuation: decode or stream it with
 * TOK_DEC_CONTINUE so its first token keeps its leading space.
 *
 * Ownership and threads: a struct tok_vocab copies what it needs from the GGUF
 * (the file may be closed after load) and is immutable afterwards; any number of
 * threads may encode/decode with one vocab concurrently. Outputs are growable
 * buffers owned by the caller. Functions return 0 or a negative COLA_E* code.
 */
#ifndef COLA_ENGINE_TOK_H
#define COLA_ENGINE_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gguf.h"
#include "util/buf.h"
#include "util/err.h"

/* Longest text tok_encode() accepts (COLA_ERANGE beyond). */
#define TOK_MAX_TEXT_LEN ((size_t)256 << 20)

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
    TOK_SPECIAL_BOS,      /* WPM: [CLS] */
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
    TOK_SPECIAL_FIM_PAD,
    TOK_SPECIAL_FIM_REP,
    TOK_SPECIAL_FIM_SEP,
    TOK_SPECIAL_COUNT,
};

enum {
    TOK_ENC_ADD_SPECIAL = 1u << 0,   /* add BOS/EOS/SEP per the metadata */
    TOK_ENC_PARSE_SPECIAL = 1u << 1, /* recognise control tokens written in the text */
};

enum {
    TOK_DEC_REMOVE_SPECIAL = 1u << 0,  /* drop a leading BOS / trailing EOS the vocab adds */
    TOK_DEC_UNPARSE_SPECIAL = 1u << 1, /* render control tokens as their text (else nothing) */
    /* the ids continue earlier text (tokens generated after a prompt): the
     * first piece keeps its leading space, as llama-server streams it */
    TOK_DEC_CONTINUE = 1u << 2,
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
 * tok_vocab_free(); on failure *out is NULL and err says why. */
int tok_vocab_load(const struct gguf_file *g, struct tok_vocab **out, struct cola_err *err);
void tok_vocab_free(struct tok_vocab *v);

enum tok_type tok_vocab_type(const struct tok_vocab *v);
int32_t tok_vocab_size(const struct tok_vocab *v);
int32_t tok_special(const struct tok_vocab *v, enum tok_special which);
/* End of generation: EOS, EOT, EOM and the vocab's other end-of-turn tokens. */
bool tok_is_eog(const struct tok_vocab *v, int32_t id);
/* The end-of-generation ids, ascending (borrowed); *n gets their number. */
const int32_t *tok_eog_ids(const struct tok_vocab *v, size_t *n);
/* The token's stored text (as in the vocab: with U+2581 or byte-level chars),
 * borrowed and NUL-terminated; NULL for an out-of-range id. */
const char *tok_text(const struct tok_vocab *v, int32_t id, size_t *len);
/* Id of a token text, or -1. */
int32_t tok_find(const struct tok_vocab *v, const char *text, size_t len);
uint32_t tok_attr(const struct tok_vocab *v, int32_t id);  /* 0 for an out-of-range id */
float tok_score(const struct tok_vocab *v, int32_t id);    /* 0 for an out-of-range id */
/* Whether TOK_ENC_ADD_SPECIAL adds BOS ([CLS] for WPM) / EOS ([SEP] for WPM). */
bool tok_adds_bos(const struct tok_vocab *v);
bool tok_adds_eos(const struct tok_vocab *v);

/* Append the ids of text[0..len) to out. On failure out may hold a partial
 * result (its length before the call is a safe point to truncate to). */
int tok_encode(const struct tok_vocab *v, const char *text, size_t len, unsigned flags,
               struct tok_ids *out, struct cola_err *err);

/* Append the raw bytes of one token to out (U+2581 → space, <0xNN> → the byte,
 * byte-level BPE chars → bytes; control and unknown tokens only with
 * TOK_DEC_UNPARSE_SPECIAL). The bytes may be an incomplete UTF-8 sequence.
 * COLA_ERANGE for an out-of-range id. */
int tok_piece(const struct tok_vocab *v, int32_t id, unsigned flags, struct buf *out);

/* Append the text of ids to out as valid UTF-8 (as llama_detokenize does,
 * including dropping the dummy-prefix space of the first token and the
 * vocab's clean_spaces rules). COLA_ERANGE (nothing appended) if an id is out
 * of range; COLA_ENOMEM past out's maximum. */
int tok_decode(const struct tok_vocab *v, const int32_t *ids, size_t n, unsigned flags,
               struct buf *out);

/* Append s[0..n) to out with every maximal invalid UTF-8 subsequence
 * replaced by U+FFFD (as Python's errors="replace"). */
int tok_utf8_repair(const char *s, size_t n, struct buf *out);

/* Incremental decoding for streaming output. The fields are private. For
 * generated tokens (which continue the prompt) pass TOK_DEC_CONTINUE, or the
 * first one loses its leading space as the start of a text would. */
struct tok_stream {
    const struct tok_vocab *v;
    unsigned flags;
    bool first;              /* no token seen yet (for the dummy-prefix space) */
    unsigned char pending[4];
    size_t n_pending;        /* bytes of an incomplete UTF-8 character held back */
    uint8_t clean_held[3];   /* clean_spaces: bytes held by each of its three passes */
    char clean_last;         /* the 'r' or 'v' of a held " 'r" / " 'v" */
};

void tok_stream_init(struct tok_stream *s, const struct tok_vocab *v, unsigned flags);
/* Append to out whatever text id makes final. TOK_DEC_REMOVE_SPECIAL drops a
 * leading BOS only (the stream cannot know which token is the last).
 * COLA_ERANGE for an out-of-range id (the stream is unchanged). */
int tok_stream_push(struct tok_stream *s, int32_t id, struct buf *out);
/* End of stream: held-back bytes are written; an incomplete UTF-8 character
 * becomes U+FFFD. The stream may then be reused from the start. */
int tok_stream_flush(struct tok_stream *s, struct buf *out);

#endif
