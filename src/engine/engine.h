/* engine.h — the inference engine's public API: load a GGUF model, make a
 * context (KV cache + scratch + threads) for N sequences, decode batches of
 * tokens, read logits, manage sequences. No HTTP, no JSON, no globals.
 *
 *   struct eng_model   weights used in place from the read-only mmap, the
 *                      hyperparameters, the tokenizer. Immutable after load;
 *                      several contexts may share one model.
 *   struct eng_ctx     one KV cache stream of n_ctx cells per sequence (f16),
 *                      scratch planned for n_batch tokens, a thread pool.
 *                      One thread at a time calls into a context.
 *
 * A batch holds tokens that may belong to several sequences. The tokens of a
 * sequence in a batch must continue it: their positions are seq_len, seq_len+1,
 * ... in batch order. eng_decode() runs the transformer over the batch and
 * stores logits for the tokens whose `logits` flag is set (at most
 * n_outputs_max per batch). The decode loop allocates nothing: all memory is
 * planned by eng_ctx_new().
 *
 * Errors: 0 or a negative COLA_E* code with a message in err.
 */
#ifndef COLA_ENGINE_ENGINE_H
#define COLA_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/tok.h"
#include "util/err.h"

struct eng_hparams {
    char arch[32];           /* "llama", "qwen2", "qwen3" */
    int32_t n_vocab;
    int32_t n_ctx_train;
    int32_t n_embd;
    int32_t n_layer;
    int32_t n_head;
    int32_t n_head_kv;
    int32_t head_dim_k;      /* key length per head */
    int32_t head_dim_v;      /* value length per head */
    int32_t n_ff;
    int32_t n_rot;           /* rotated dimensions per head */
    float rms_eps;
    float rope_base;
    float rope_freq_scale;   /* 1 / linear scaling factor */
    bool has_rope_freqs;     /* llama3-style per-dimension frequency factors */
    bool tied_embeddings;    /* output projection is token_embd */
};

struct eng_model;

struct eng_model_params {
    bool vocab_only;   /* load the tokenizer and hyperparameters, bind no tensors */
};

void eng_model_params_default(struct eng_model_params *p);

/* Load the model at path. The returned model keeps the file mapped until
 * eng_model_free(). Unsupported architectures and tensor types, missing
 * tensors and wrong shapes fail with a message naming them. */
int eng_model_load(const char *path, const struct eng_model_params *params,
                   struct eng_model **out, struct cola_err *err);
void eng_model_free(struct eng_model *m);

const struct eng_hparams *eng_model_hparams(const struct eng_model *m);
const struct tok_vocab *eng_model_vocab(const struct eng_model *m);
/* Total bytes of the tensor data (the mapped weights). */
uint64_t eng_model_weight_bytes(const struct eng_model *m);
/* Number of parameters (elements of all tensors). */
uint64_t eng_model_n_params(const struct eng_model *m);
/* The GGUF the model came from (borrowed; valid until eng_model_free). */
const struct gguf_file *eng_model_gguf(const struct eng_model *m);

struct eng_ctx_params {
    int32_t n_ctx;          /* cells per sequence (clamped to >= 1) */
    int32_t n_seq;          /* sequences (parallel slots) */
    int32_t n_batch;        /* most tokens in one eng_decode() */
    int32_t n_outputs_max;  /* most tokens with logits in one batch (default n_seq) */
    int32_t n_threads;      /* 0 = number of physical cores */
};

void eng_ctx_params_default(struct eng_ctx_params *p);

struct eng_ctx;

int eng_ctx_new(struct eng_model *m, const struct eng_ctx_params *params, struct eng_ctx **out,
                struct cola_err *err);
void eng_ctx_free(struct eng_ctx *c);
const struct eng_ctx_params *eng_ctx_params(const struct eng_ctx *c);
const struct eng_model *eng_ctx_model(const struct eng_ctx *c);
/* Bytes of the KV cache and of the planned scratch. */
size_t eng_ctx_kv_bytes(const struct eng_ctx *c);
size_t eng_ctx_scratch_bytes(const struct eng_ctx *c);

struct eng_batch {
    int32_t n;          /* tokens */
    int32_t *token;     /* (n) */
    int32_t *pos;       /* (n) position of each token in its sequence */
    int32_t *seq;       /* (n) sequence id, 0..n_seq-1 */
    bool *logits;       /* (n) whether to compute this token's logits */
};

/* Run the model over the batch. On error nothing of the batch is in the cache. */
int eng_decode(struct eng_ctx *c, const struct eng_batch *b, struct cola_err *err);
/* Logits of the i-th token of the last batch that asked for them (n_vocab
 * floats), or NULL if it did not. Valid until the next eng_decode(). */
const float *eng_logits(const struct eng_ctx *c, int32_t i);

/* Sequences. */
int32_t eng_seq_len(const struct eng_ctx *c, int32_t seq);
/* Forget positions [p0, len) of seq (p0 = 0 clears it). */
int eng_seq_truncate(struct eng_ctx *c, int32_t seq, int32_t p0);
/* Context shift: drop positions [n_keep, n_keep + n_discard), move the rest
 * down and re-rotate their keys, as llama.cpp's context shift does. */
int eng_seq_shift(struct eng_ctx *c, int32_t seq, int32_t n_keep, int32_t n_discard);
/* Copy the first n positions of src into dst (dst is truncated first). */
int eng_seq_copy(struct eng_ctx *c, int32_t src, int32_t dst, int32_t n);

#endif
