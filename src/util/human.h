/* human.h — Ollama's human-readable formats, for tables and progress bars:
 * format.HumanBytes (decimal units: "4.7 GB", "986 MB", "12 B") and
 * format.HumanTime ("2 weeks ago", "About a minute ago", "4 minutes from
 * now", "Never", "Forever"). Outputs are NUL-terminated and truncated to cap.
 */
#ifndef COLA_UTIL_HUMAN_H
#define COLA_UTIL_HUMAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Ollama's format.HumanBytes (HumanBytes): decimal units; below 10 one
 * decimal unless whole; from 10 up truncated to an integer. */
void human_bytes(int64_t b, char *out, size_t cap);
/* Ollama's format.humanDuration of d >= 0 seconds ("About an hour", "3 days"). */
void human_duration(double d, char *out, size_t cap);
/* Ollama's format.HumanTime(t, "Never") relative to now: "<d> ago",
 * "<d> from now", "Never" for the zero time, "Forever" past 20 years ahead. */
void human_time(struct timespec t, struct timespec now, char *out, size_t cap);

#endif
