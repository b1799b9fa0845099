/* sampler.h — turn one position's logits into the next token, the way Ollama does.
 *
 * Since 2026 Ollama runs llama.cpp's llama-server, so "Ollama's sampling" is
 * llama.cpp's common sampler as llama-server configures it. With Ollama's
 * options the chain is, in this order (docs/sampling.md has every rule):
 *
 *   logit bias -> penalties (repeat, frequency, presence over the last
 *   repeat_last_n accepted tokens) -> top_k -> typical_p -> top_p -> min_p
 *   -> temperature -> one draw from the softmax of what is left
 *
 * temperature <= 0 is greedy: the highest logit after bias and penalties,
 * ties to the lowest token id (one pass, no sort). The filters work on the
 * untempered logits, as in llama.cpp, so temperature only reshapes what
 * survives them.
 *
 * Ownership and memory: smp_init() copies the params (the bias list included)
 * and allocates every buffer the sampler will ever use, sized by n_vocab and
 * the history length. smp_sample(), smp_accept() and smp_reset() never
 * allocate. The caller's logits are only read.
 *
 * Determinism: the random stream is the sampler's own (xoshiro256** seeded
 * through splitmix64 from the 64-bit seed); every sort has a total order (ties
 * broken by token id), so the same seed, params, history and logits give the
 * same tokens on every run. seed -1 draws a seed from getrandom().
 *
 * Thread safety: one struct smp per sequence; a sampler is not shared between
 * threads without the caller's lock. smp_softmax_top() is a pure function.
 */
#ifndef COLA_ENGINE_SAMPLER_H
#define COLA_ENGINE_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define SMP_MAX_VOCAB   (1 << 22)  /* n_vocab limit (largest real vocabs: ~262k) */
#define SMP_MAX_HISTORY (1 << 22)  /* repeat_last_n (or num_ctx for -1) limit */
#define SMP_MAX_BIAS    (1 << 20)  /* entries in the logit-bias list */

/* One logit-bias entry: bias is added to the token's logit before anything
 * else (-INFINITY bans it; llama-server bans end-of-generation tokens this way
 * for ignore_eos). Entries for the same token add up. */
struct smp_bias {
    int32_t token;
    float bias;
};

/* Ollama's runtime sampling options (API.md §8), plus llama.cpp's min_keep
 * and the bias list. smp_params_default() gives Ollama's defaults. */
struct smp_params {
    float temperature;        /* 0.8; <= 0 = greedy */
    int32_t top_k;            /* 40; <= 0 = the whole vocabulary */
    float top_p;              /* 0.9; >= 1 = off */
    float min_p;              /* 0.0; <= 0 = off */
    float typical_p;          /* 1.0; >= 1 = off */
    int32_t repeat_last_n;    /* 64; 0 = no penalties; -1 = n_ctx; < -1 invalid */
    float repeat_penalty;     /* 1.0 = off */
    float presence_penalty;   /* 0.0 = off */
    float frequency_penalty;  /* 0.0 = off */
    int64_t seed;             /* -1 = random (getrandom) */
    int32_t min_keep;         /* 0; filters keep at least this many tokens */
    const struct smp_bias *bias;  /* borrowed; copied by smp_init */
    size_t n_bias;
};

struct smp;

/* Fill p with Ollama's defaults (no bias). */
void smp_params_default(struct smp_params *p);

/* A sampler for a vocabulary of n_vocab tokens. n_ctx is the context length,
 * used only when p->repeat_last_n is -1 (then the history holds n_ctx tokens).
 * Returns 0 and *out (free with smp_free), or COLA_EINVAL (bad params: NaN or
 * infinite floats, repeat_last_n < -1, min_keep < 0, a bias token outside the
 * vocabulary), COLA_ERANGE (a size over the SMP_MAX_* limits) or COLA_ENOMEM. */
int smp_init(struct smp **out, int32_t n_vocab, int32_t n_ctx,
             const struct smp_params *p, struct cola_err *err);
void smp_free(struct smp *s);

/* Sample the next token from logits[n_vocab]. NaN logits count as -INFINITY,
 * +INFINITY as FLT_MAX. Returns the token id (>= 0), COLA_ERANGE when no
 * token has a finite logit after bias and penalties (everything banned), or
 * COLA_EINVAL for NULL arguments. Does not record the token: call
 * smp_accept() with the token actually used. */
int32_t smp_sample(struct smp *s, const float *logits);

/* Record a token in the penalty history (the last repeat_last_n accepted
 * tokens). llama-server accepts every prompt token before the first sample,
 * and each generated token after it is sampled; callers do the same.
 * Returns 0, or COLA_EINVAL for an id outside the vocabulary (not recorded). */
int smp_accept(struct smp *s, int32_t id);

/* Forget the history and restart the random stream from the seed (a fresh
 * random seed when the seed is -1), as llama.cpp's sampler reset does. */
void smp_reset(struct smp *s);

/* The seed in use (the drawn one when params.seed was -1). */
uint64_t smp_seed(const struct smp *s);

/* The k most likely tokens under the full softmax of the raw logits, most
 * likely first (ties: lower id first), with their natural-log probabilities:
 * logprob = logit - max - log(sum(exp(logit - max))), the sum in double.
 * NaN logits count as -INFINITY, +INFINITY as FLT_MAX. Writes min(k, n_vocab)
 * entries to ids_out (required when k > 0) and logprobs_out (may be NULL) and
 * returns that count; COLA_EINVAL for n_vocab < 1, n_vocab > SMP_MAX_VOCAB,
 * k < 0 or a NULL pointer, COLA_ERANGE when every logit is -INFINITY/NaN.
 * Does not allocate (ids_out doubles as the selection heap). */
int smp_softmax_top(const float *logits, int32_t n_vocab, int32_t k,
                    int32_t *ids_out, float *logprobs_out);

#endif
