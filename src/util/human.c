/* human.c — Ollama's human-readable formats (format/bytes.go, format/time.go). */
#include "util/human.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

/* Ollama's format.HumanBytes: decimal units; below 10 one decimal unless the
 * value is whole; from 10 up, truncated to an integer. */
void human_bytes(int64_t b, char *out, size_t cap)
{
    static const struct {
        int64_t scale;
        const char *unit;
    } units[] = {{1000000000000LL, "TB"}, {1000000000LL, "GB"}, {1000000LL, "MB"}, {1000LL, "KB"}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (b < units[i].scale)
            continue;
        const double v = (double)b / (double)units[i].scale;
        if (v >= 10 || v == trunc(v))
            snprintf(out, cap, "%d %s", (int)v, units[i].unit);
        else
            snprintf(out, cap, "%.1f %s", v, units[i].unit);
        return;
    }
    snprintf(out, cap, "%" PRId64 " B", b);
}

/* Ollama's format.humanDuration of d seconds (d >= 0). */
void human_duration(double d, char *out, size_t cap)
{
    const long seconds = (long)d;
    if (seconds < 1) {
        snprintf(out, cap, "Less than a second");
        return;
    }
    if (seconds == 1) {
        snprintf(out, cap, "1 second");
        return;
    }
    if (seconds < 60) {
        snprintf(out, cap, "%ld seconds", seconds);
        return;
    }
    const long minutes = (long)(d / 60);
    if (minutes == 1) {
        snprintf(out, cap, "About a minute");
        return;
    }
    if (minutes < 60) {
        snprintf(out, cap, "%ld minutes", minutes);
        return;
    }
    const long hours = (long)round(d / 3600);
    if (hours == 1)
        snprintf(out, cap, "About an hour");
    else if (hours < 48)
        snprintf(out, cap, "%ld hours", hours);
    else if (hours < 24 * 7 * 2)
        snprintf(out, cap, "%ld days", hours / 24);
    else if (hours < 24 * 30 * 2)
        snprintf(out, cap, "%ld weeks", hours / 24 / 7);
    else if (hours < 24 * 365 * 2)
        snprintf(out, cap, "%ld months", hours / 24 / 30);
    else
        snprintf(out, cap, "%ld years", (long)(d / 3600) / 24 / 365);
}

/* Ollama's format.HumanTime(t, "Never") relative to now. */
void human_time(struct timespec t, struct timespec now, char *out, size_t cap)
{
    if (t.tv_sec == 0 && t.tv_nsec == 0) {
        snprintf(out, cap, "Never");
        return;
    }
    const double delta = (double)(now.tv_sec - t.tv_sec) + (double)(now.tv_nsec - t.tv_nsec) / 1e9;
    char d[48];
    if ((long)(delta / 3600) / 24 / 365 < -20) {
        snprintf(out, cap, "Forever");
    } else if (delta < 0) {
        human_duration(-delta, d, sizeof(d));
        snprintf(out, cap, "%s from now", d);
    } else {
        human_duration(delta, d, sizeof(d));
        snprintf(out, cap, "%s ago", d);
    }
}
