/* gen_seq.h — one sequence's generation as a state machine (internal to
 * the engine: gen.c and slots.c). A driver asks gen_seq_next() which tokens
 * to decode next (the rest of the prompt, or the last sampled token),
 * decodes them (possibly in a batch with other sequences), and hands the
 * logits of the last one to gen_seq_fed(), which samples, streams text
 * through the stop matcher, applies num_predict and the context shift, and
 * sets done. gen_generate() is the one-sequence driver. */
#ifndef COLA_ENGINE_GEN_SEQ_H
#define COLA_ENGINE_GEN_SEQ_H

#include "engine/gen.h"
#include "engine/stop.h"
#include "engine/tok.h"
#include "util/buf.h"

#define GEN_TEXT_MAX (1 << 20) /* bytes of text one token may produce, generously */

struct gen_seq {
    struct eng_ctx *c;
    int32_t seq;
    struct gen_opts opts;      /* stop points at the copies below */
    char **stops;
    size_t n_stop;
    struct smp *smp;
    struct stop_matcher *stop;
    struct tok_stream ts;
    struct buf piece, out;
    gen_emit_fn emit;
    void *user;
    int32_t *tokens;           /* the (truncated) prompt */
    size_t n, fed;             /* its length; how much was decoded */
    int32_t last;              /* the sampled token to decode next */
    bool done;
    int64_t t0, t1;
    struct gen_stats st;
};

/* Prepare (truncating the prompt as llama-server); the sequence is cleared.
 * Errors as gen_generate's; on error nothing needs freeing. */
int gen_seq_init(struct gen_seq *g, struct eng_ctx *c, int32_t seq, const int32_t *prompt,
                 size_t n_prompt, const struct gen_opts *o, gen_emit_fn emit, void *user,
                 struct cola_err *err);
/* The tokens to decode next (*tokens points into g) and their count; 0 when done. */
size_t gen_seq_next(const struct gen_seq *g, const int32_t **tokens);
/* k of those tokens were decoded; logits: those of the last (NULL while the
 * prompt is not finished). 0, COLA_ECANCELED (emit said stop) or an error. */
int gen_seq_fed(struct gen_seq *g, size_t k, const float *logits, struct cola_err *err);
/* End it early (a cancel, an error): done, with its timings taken now. A
 * no-op once done. */
void gen_seq_stop(struct gen_seq *g);
void gen_seq_free(struct gen_seq *g);

#endif
