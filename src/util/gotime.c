/* gotime.c — Go's time.Time JSON form (gotime.h). */
#include "util/gotime.h"

#include <stdio.h>
#include <string.h>

void gotime_format(const struct timespec *ts, bool utc, char out[GOTIME_LEN])
{
    struct tm tm;
    if (utc)
        gmtime_r(&ts->tv_sec, &tm);
    else
        localtime_r(&ts->tv_sec, &tm);
    char frac[24] = "", zone[16] = "Z";
    if (ts->tv_nsec > 0 && ts->tv_nsec < 1000000000) {
        snprintf(frac, sizeof(frac), ".%09ld", ts->tv_nsec);
        size_t l = strlen(frac);
        while (l > 1 && frac[l - 1] == '0')
            frac[--l] = '\0';
    }
    if (!utc && tm.tm_gmtoff != 0) {
        const int off = (int)((tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff) % 86400);
        snprintf(zone, sizeof(zone), "%c%02d:%02d", tm.tm_gmtoff < 0 ? '-' : '+', off / 3600,
                 off / 60 % 60);
    }
    char tmp[160];
    const int n = snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d%s%s",
                           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                           tm.tm_sec, frac, zone);
    const size_t len = n < 0 ? 0 : (size_t)n < GOTIME_LEN ? (size_t)n : GOTIME_LEN - 1;
    memcpy(out, tmp, len);
    out[len] = '\0';
}

int gotime_parse(const char *s, struct timespec *out)
{
    struct tm tm = {0};
    const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!p)
        return -1;
    long ns = 0, scale = 100000000;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
            ns += (*p - '0') * scale;
    long off = 0;
    if (*p == '+' || *p == '-') {
        int hh = 0, mm = 0;
        if (sscanf(p + 1, "%d:%d", &hh, &mm) != 2)
            return -1;
        off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
    } else if (*p != 'Z') {
        return -1;
    }
    out->tv_sec = timegm(&tm) - off;
    out->tv_nsec = ns;
    return 0;
}
