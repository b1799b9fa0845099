/* gotime.h — time.Time as Go's encoding/json writes it (RFC 3339 with
 * nanoseconds, trailing zeros dropped, "Z" for a zero offset):
 * "2023-08-04T19:22:45.499127Z", "2024-05-01T10:00:00-07:00". Ollama sends
 * created_at in UTC and modified_at (a file's mtime) in the local zone. */
#ifndef COLA_UTIL_GOTIME_H
#define COLA_UTIL_GOTIME_H

#include <stdbool.h>
#include <time.h>

#define GOTIME_LEN 48

void gotime_format(const struct timespec *ts, bool utc, char out[GOTIME_LEN]);
/* Parse RFC 3339 ("2026-11-22T15:35:24.764605409Z", "...+02:00"); 0 or -1. */
int gotime_parse(const char *s, struct timespec *out);

#endif
