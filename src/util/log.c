#include "util/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* INT32_MIN marks "not yet decided": read OLLAMA_DEBUG on first use. */
static _Atomic int g_level = -2147483647 - 1;

static enum log_level level_from_env(void)
{
    const char *v = getenv("OLLAMA_DEBUG");
    if (!v || !*v || !strcmp(v, "0") || !strcasecmp(v, "false"))
        return LOG_INFO;
    if (!strcmp(v, "1") || !strcasecmp(v, "true"))
        return LOG_DEBUG;
    if (!strcmp(v, "2"))
        return LOG_TRACE;
    if (!strcmp(v, "-1"))
        return LOG_WARN;
    if (!strcmp(v, "-2"))
        return LOG_ERROR;
    return LOG_INFO;
}

void log_set_level(enum log_level lvl) { atomic_store(&g_level, (int)lvl); }

enum log_level log_get_level(void)
{
    int l = atomic_load(&g_level);
    if (l == -2147483647 - 1) {
        l = (int)level_from_env();
        atomic_store(&g_level, l);
    }
    return (enum log_level)l;
}

static const char *level_name(enum log_level lvl)
{
    if (lvl <= LOG_TRACE) return "TRACE";
    if (lvl <= LOG_DEBUG) return "DEBUG";
    if (lvl <= LOG_INFO) return "INFO";
    if (lvl <= LOG_WARN) return "WARN";
    return "ERROR";
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    if ((int)lvl < (int)log_get_level())
        return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "time=%04d-%02d-%02dT%02d:%02d:%02d.%03ld level=%s msg=\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level_name(lvl));
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(line))
        n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line) - 2)
        n = (int)sizeof(line) - 3;
    line[n++] = '"';
    line[n++] = '\n';
    fwrite(line, 1, (size_t)n, stderr);
}
