/* stop.h — stop strings over streamed output, with llama-server's semantics.
 *
 * The generated text arrives a piece at a time (one token's bytes per
 * stop_feed). When any stop string appears in it, the text is cut right
 * before the stop string, nothing after it is emitted, and generation ends
 * (Ollama reports done_reason "stop"). Text that might still become a stop
 * string — a suffix of the output that is a proper prefix of some stop string
 * — is held back until the next piece decides it; stop_flush() releases it
 * when generation ends for another reason.
 *
 * Several stop strings: within one piece, the match that STARTS earliest in
 * the text wins (the first in the list on a tie), as llama-server checks
 * each new token's window. So with stops "ab" and "abc", "ab" ends
 * generation as soon as it is complete; with stops "bc" and "abcd", the text
 * "abcd" fed as one piece cuts before "a", but fed as "abc" + "d" it cuts
 * before "b" ("bc" completed first).
 *
 * Matching is on bytes. Callers feed whole UTF-8 characters (tok_stream holds
 * split characters back); the matcher never cuts or holds inside a character
 * when the stop strings themselves are valid UTF-8, and steps back to a
 * character boundary (at most 3 bytes) if an invalid stop string would.
 * Empty stop strings are ignored (llama-server would stop at once).
 *
 * Ownership and memory: stop_init() copies the strings and allocates all its
 * state; stop_feed()/stop_flush() allocate nothing themselves (only the
 * caller's emit buffer grows). Cost per byte fed is O(number of strings)
 * amortised (a KMP automaton per string). One matcher per sequence; not
 * thread-safe.
 */
#ifndef COLA_ENGINE_STOP_H
#define COLA_ENGINE_STOP_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define STOP_MAX_STRINGS 256   /* stop strings per request */
#define STOP_MAX_LEN     4096  /* bytes per stop string */

struct stop_matcher;

/* A matcher for strs[0..n). lens may be NULL (then each string is
 * NUL-terminated) or give each length (strings may then contain NUL).
 * n == 0 is allowed: everything fed is emitted at once. Returns 0 and *out
 * (free with stop_free), COLA_EINVAL (NULL string), COLA_ERANGE (more than
 * STOP_MAX_STRINGS strings or one longer than STOP_MAX_LEN) or COLA_ENOMEM. */
int stop_init(struct stop_matcher **out, const char *const *strs, const size_t *lens,
              size_t n, struct cola_err *err);
void stop_free(struct stop_matcher *m);

/* Feed the next n bytes of output. Appends to emit what can be shown now and
 * returns 1 when a stop string matched (emit then ends right before it, and
 * later feeds are ignored and return 1), 0 when generation may go on, or
 * COLA_ENOMEM when emit is full (the matcher is then unchanged, as if this
 * call had not happened). */
int stop_feed(struct stop_matcher *m, const char *bytes, size_t n, struct buf *emit);

/* End of generation without a match: append what was held back. Returns 0 or
 * COLA_ENOMEM (matcher unchanged). After a match there is nothing to flush. */
int stop_flush(struct stop_matcher *m, struct buf *emit);

/* Forget everything fed, for the next generation with the same strings. */
void stop_reset(struct stop_matcher *m);

/* Index (in the list given to stop_init) of the string that matched, or -1. */
int stop_matched(const struct stop_matcher *m);

/* Bytes held back right now (for tests and diagnostics). */
size_t stop_held(const struct stop_matcher *m);

#endif
