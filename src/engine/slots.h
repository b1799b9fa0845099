/* slots.h — several sequences generated together, one forward pass per step
 * (OLLAMA_NUM_PARALLEL, issue 6 §3).
 *
 * A struct slots runs up to n_seq requests over one engine context. Each
 * slots_step() makes ONE eng_decode() whose batch holds, for every active
 * slot, either the next chunk of its prompt or the one token it sampled
 * last. Sampled tokens go first; prompts share the rest of the n_batch
 * budget fairly (equal shares, a slot needing less leaves the rest to the
 * others, a remainder of fewer tokens than prompts goes to the oldest).
 * Then every slot whose last token got logits samples, streams its text and
 * checks its limits, exactly as gen_generate() does for one sequence (both
 * drive the same per-sequence code, gen_seq.h). A slot ends
 * on an end token, a stop string, num_predict, a full context without
 * shift, a cancel, or an error; its result stays until slots_release().
 *
 * The context needs n_batch and n_outputs_max >= n_seq (slots_new checks).
 * Prompt tokens are checked against the vocabulary at slots_start, so one
 * bad request cannot fail a batch; a failing eng_decode fails every active
 * slot (their results carry the error).
 *
 * Threads: one thread calls everything (the runner's engine thread); emit
 * callbacks run inside slots_step(). No allocation per step.
 */
#ifndef COLA_ENGINE_SLOTS_H
#define COLA_ENGINE_SLOTS_H

#include "engine/engine.h"
#include "engine/gen.h"

struct slots;
int slots_new(struct eng_ctx *c, struct slots **out, struct cola_err *err);
void slots_free(struct slots *s);
int32_t slots_capacity(const struct slots *s);   /* n_seq */
int32_t slots_active(const struct slots *s);     /* started and not yet finished */

struct slot_req {
    const int32_t *prompt;
    size_t n_prompt;            /* copied by slots_start */
    struct gen_opts opts;       /* copied, stop strings included */
    gen_emit_fn emit;           /* final text; nonzero return cancels */
    void *user;
};
/* Start r in a free slot: its id (>= 0), COLA_ERANGE when all are busy, or
 * gen_generate's errors (empty prompt, prompt too long without shift). */
int slots_start(struct slots *s, const struct slot_req *r, struct cola_err *err);
/* One step (see above): the number of slots that finished (>= 0), or a
 * decode error, which fails every active slot. 0 when none is active. */
int slots_step(struct slots *s, struct cola_err *err);
/* A finished slot's outcome: true once done (*rc 0, COLA_ECANCELED or the
 * error, err gets its message), with gen_generate's stats. */
bool slots_result(const struct slots *s, int32_t id, int *rc, struct gen_stats *st,
                  struct cola_err *err);
void slots_release(struct slots *s, int32_t id);
/* It finishes at the next step with COLA_ECANCELED and emits nothing more. */
void slots_cancel(struct slots *s, int32_t id);
/* eng_decode calls made so far (tests: one per step). */
uint64_t slots_decodes(const struct slots *s);

#endif
