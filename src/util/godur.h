/* godur.h — Go's time.Duration text form, which Ollama prints (--verbose
 * stats, keep_alive) and parses (OLLAMA_KEEP_ALIVE, "5m", "1h30m", "-1").
 *
 * Formatting follows Duration.String(): "0s", "850ns", "1.5µs", "12.345ms",
 * "1.234567891s", "2m3.5s", "1h0m0s" — trailing zeros of the fraction
 * dropped. Pure functions.
 */
#ifndef COLA_UTIL_GODUR_H
#define COLA_UTIL_GODUR_H

#include <stddef.h>
#include <stdint.h>

/* Write d (nanoseconds) into buf (at least 32 bytes is always enough).
 * Returns buf. */
char *godur_format(int64_t d, char *buf, size_t n);

/* Parse a Go duration ("300ms", "-1.5h", "1h30m", "2us", "0"). Returns 0 and
 * *out in nanoseconds, or COLA_EINVAL (syntax, unknown unit, missing unit)
 * or COLA_ERANGE (overflow). */
int godur_parse(const char *s, int64_t *out);

#endif
