/* gen.h — generate text for one sequence of an engine context: evaluate the
 * prompt, then sample, detokenize, check stop strings and limits, and shift
 * the context when it is full, as llama-server does for Ollama.
 *
 * Text reaches the caller through emit() as soon as it is final: a UTF-8
 * character split across tokens is held back until complete (tok_stream),
 * and text that may be the start of a stop string until it is decided
 * (stop_matcher). End-of-generation tokens end generation and are not shown.
 *
 * Ownership: gen_generate() borrows everything; it allocates its sampler,
 * stop matcher and text buffers once before the token loop and frees them
 * before returning. The token loop itself allocates nothing.
 */
#ifndef COLA_ENGINE_GEN_H
#define COLA_ENGINE_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/sampler.h"
#include "util/err.h"

struct gen_opts {
    struct smp_params smp;
    int32_t num_predict;          /* -1: no limit; -2: until the context is full; else a count */
    int32_t num_keep;             /* tokens kept at the start on a context shift (default 4) */
    bool shift;                   /* shift the context when full (default true), else stop */
    const char *const *stop;      /* stop strings (borrowed) */
    size_t n_stop;
};

/* Ollama's defaults (smp_params_default, num_predict -1, num_keep 4, shift). */
void gen_opts_default(struct gen_opts *o);

struct gen_stats {
    int64_t prompt_eval_count;    /* prompt tokens evaluated */
    int64_t prompt_eval_ns;
    int64_t eval_count;           /* tokens generated */
    int64_t eval_ns;
    int32_t n_shifts;             /* context shifts performed */
    bool prompt_truncated;        /* the prompt did not fit and was cut */
    const char *done_reason;      /* "stop" (end token or stop string) or "length" */
};

/* Receives final text; return nonzero to stop generating (COLA_ECANCELED). */
typedef int (*gen_emit_fn)(void *user, const char *text, size_t len);

/* Generate a continuation of prompt[0..n_prompt) in sequence seq of c (which
 * is cleared first). */
int gen_generate(struct eng_ctx *c, int32_t seq, const int32_t *prompt, size_t n_prompt,
                 const struct gen_opts *o, gen_emit_fn emit, void *user, struct gen_stats *st,
                 struct cola_err *err);

/* llama-server's prompt truncation: keep the first n_keep tokens and drop
 * whole blocks of (n_ctx - n_keep) / 2 tokens after them until the prompt
 * fits in n_ctx with room to generate. Returns the new length; the tokens are
 * moved within prompt. */
size_t gen_truncate_prompt(int32_t *prompt, size_t n_prompt, int32_t n_ctx, int32_t n_keep);

#endif
