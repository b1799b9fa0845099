#include "util/godur.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

/* Write v/10^prec with its fraction's trailing zeros dropped (Go's fmtFrac
 * + fmtInt) at the END of buf[0..*w); *w moves left. */
static void put_frac_int(char *buf, size_t *w, uint64_t v, int prec)
{
    bool print = false;
    for (int i = 0; i < prec; i++) {
        int digit = (int)(v % 10);
        print = print || digit != 0;
        if (print)
            buf[--*w] = (char)('0' + digit);
        v /= 10;
    }
    if (print)
        buf[--*w] = '.';
    if (v == 0) {
        buf[--*w] = '0';
    } else {
        while (v > 0) {
            buf[--*w] = (char)('0' + v % 10);
            v /= 10;
        }
    }
}

char *godur_format(int64_t d, char *out, size_t n)
{
    char buf[40];
    size_t w = sizeof(buf);
    buf[--w] = '\0';
    bool neg = d < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
    if (u < 1000000000ull) {
        int prec = 0;
        const char *unit;
        if (u == 0) {
            snprintf(out, n, "0s");
            return out;
        } else if (u < 1000ull) {
            unit = "ns";
        } else if (u < 1000000ull) {
            prec = 3;
            unit = "\xc2\xb5s"; /* µs */
        } else {
            prec = 6;
            unit = "ms";
        }
        size_t ul = strlen(unit);
        w -= ul;
        memcpy(buf + w, unit, ul);
        put_frac_int(buf, &w, u, prec);
    } else {
        buf[--w] = 's';
        uint64_t secs = u / 1000000000ull, frac = u % 1000000000ull;
        uint64_t s60 = secs % 60;
        put_frac_int(buf, &w, s60 * 1000000000ull + frac, 9);
        uint64_t mins = secs / 60;
        if (mins > 0) {
            buf[--w] = 'm';
            uint64_t m60 = mins % 60;
            put_frac_int(buf, &w, m60, 0);
            uint64_t hours = mins / 60;
            if (hours > 0) {
                buf[--w] = 'h';
                put_frac_int(buf, &w, hours, 0);
            }
        }
    }
    if (neg)
        buf[--w] = '-';
    snprintf(out, n, "%s", buf + w);
    return out;
}

static int unit_ns(const char *u, size_t len, uint64_t *ns)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
        {"ns", 1ull},         {"us", 1000ull},          {"\xc2\xb5s", 1000ull},
        {"\xce\xbcs", 1000ull}, {"ms", 1000000ull},     {"s", 1000000000ull},
        {"m", 60000000000ull}, {"h", 3600000000000ull},
    };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strlen(units[i].name) == len && !memcmp(units[i].name, u, len)) {
            *ns = units[i].ns;
            return 0;
        }
    return COLA_EINVAL;
}

int godur_parse(const char *s, int64_t *out)
{
    const char *p = s;
    bool neg = false;
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    if (!strcmp(p, "0")) {
        *out = 0;
        return 0;
    }
    if (!*p)
        return COLA_EINVAL;
    uint64_t total = 0;
    while (*p) {
        if (!(*p >= '0' && *p <= '9') && *p != '.')
            return COLA_EINVAL;
        uint64_t whole = 0, frac = 0, scale = 1;
        bool digits = false;
        while (*p >= '0' && *p <= '9') {
            if (whole > (UINT64_MAX - 9) / 10)
                return COLA_ERANGE;
            whole = whole * 10 + (uint64_t)(*p++ - '0');
            digits = true;
        }
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9') {
                if (scale < 1000000000000000000ull) {
                    frac = frac * 10 + (uint64_t)(*p - '0');
                    scale *= 10;
                }
                p++;
                digits = true;
            }
        }
        if (!digits)
            return COLA_EINVAL;
        const char *u = p;
        while (*p && *p != '.' && !(*p >= '0' && *p <= '9'))
            p++;
        uint64_t ns;
        if (u == p || unit_ns(u, (size_t)(p - u), &ns))
            return COLA_EINVAL;
        if (whole > (uint64_t)INT64_MAX / ns)
            return COLA_ERANGE;
        uint64_t v = whole * ns + (uint64_t)((double)frac * ((double)ns / (double)scale));
        if (v > (uint64_t)INT64_MAX - total)
            return COLA_ERANGE;
        total += v;
    }
    *out = neg ? -(int64_t)total : (int64_t)total;
    return 0;
}
