/* named.c — detecting Ollama's named chat templates (named.h). */
#include "template/named.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Decode s into code points as Go's []rune(s): an invalid or truncated
 * sequence gives U+FFFD for its first byte and decoding goes on at the next. */
static uint32_t *to_runes(const char *s, size_t len, size_t *n)
{
    uint32_t *r = malloc((len + 1) * sizeof(*r));
    if (!r)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        const unsigned c = p[i];
        unsigned need = 0;
        uint32_t cp = 0xFFFD, min = 0;
        if (c < 0x80)
            cp = c;
        else if (c >= 0xC2 && c <= 0xDF)
            need = 1, cp = c & 0x1F, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, cp = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, cp = c & 0x07, min = 0x10000;
        size_t j = 1;
        for (; j <= need && i + j < len && (p[i + j] & 0xC0) == 0x80; j++)
            cp = cp << 6 | (p[i + j] & 0x3F);
        if (need && (j != need + 1 || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) {
            cp = 0xFFFD;
            j = 1;
        }
        r[k++] = cp;
        i += need ? j : 1;
    }
    *n = k;
    return r;
}

/* Banded edit distance of code point strings: cells more than limit-1 off
 * the diagonal are never below limit, so they are treated as "limit". */
static long banded(const uint32_t *a, size_t n, const uint32_t *b, size_t m, long limit)
{
    if ((n > m ? n - m : m - n) >= (size_t)limit)
        return limit;
    long *prev = malloc((m + 2) * sizeof(*prev)), *cur = malloc((m + 2) * sizeof(*cur));
    long res = -1;
    if (!prev || !cur)
        goto out;
    const size_t k = (size_t)limit - 1;
    for (size_t j = 0; j <= m + 1; j++)
        prev[j] = cur[j] = limit;
    for (size_t j = 0; j <= m && j <= k; j++)
        prev[j] = (long)j;
    res = limit;
    for (size_t i = 1; i <= n; i++) {
        const size_t lo = i > k ? i - k : 0, hi = i + k < m ? i + k : m;
        long best = limit;
        if (lo > 0)
            cur[lo - 1] = limit;
        for (size_t j = lo; j <= hi; j++) {
            long v;
            if (j == 0) {
                v = (long)i;
            } else {
                v = prev[j - 1] + (a[i - 1] != b[j - 1]);
                if (prev[j] + 1 < v)
                    v = prev[j] + 1;
                if (cur[j - 1] + 1 < v)
                    v = cur[j - 1] + 1;
            }
            cur[j] = v < limit ? v : limit;
            if (cur[j] < best)
                best = cur[j];
        }
        if (hi + 1 <= m)
            cur[hi + 1] = limit;
        if (best >= limit)
            goto out;  /* every path through this row is already too long */
        long *t = prev;
        prev = cur, cur = t;
    }
    res = prev[m];
out:
    free(prev);
    free(cur);
    return res;
}

long named_distance(const char *a, size_t alen, const char *b, size_t blen, long limit)
{
    size_t n, m;
    uint32_t *ra = to_runes(a, alen, &n), *rb = to_runes(b, blen, &m);
    const long d = ra && rb && limit > 0 ? banded(ra, n, rb, m, limit) : limit > 0 ? -1 : 0;
    free(ra);
    free(rb);
    return d;
}

const struct named_tmpl *named_detect(const char *jinja, size_t len)
{
    if (!jinja || len == 0 || len > NAMED_MAX_INPUT)
        return NULL;
    size_t n;
    uint32_t *r = to_runes(jinja, len, &n);
    if (!r)
        return NULL;
    const struct named_tmpl *best = NULL;
    long score = NAMED_MAX_DISTANCE;
    for (size_t i = 0; i < named_n_index; i++) {
        size_t m;
        const char *t = named_index[i].jinja;
        uint32_t *rt = to_runes(t, strlen(t), &m);
        const long d = rt ? banded(r, n, rt, m, score) : -1;
        free(rt);
        if (d < 0)
            break;
        if (d < score) {
            score = d;
            best = &named_tmpls[named_index[i].tmpl];
        }
    }
    free(r);
    return best;
}
