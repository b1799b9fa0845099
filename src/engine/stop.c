/* stop.c — stop-string matcher: one KMP automaton per string over the output.
 *
 * State: q[k] is the length of the longest prefix of string k that is a
 * suffix of everything fed so far. The held-back text is the last max(q)
 * bytes (plus at most 3 to reach a character boundary): no match can start
 * earlier, because a match starting earlier would already have made q longer.
 * So a new piece is matched against held ++ piece without ever joining them.
 */
#include "engine/stop.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct stop_str {
    const char *s;      /* into blob */
    size_t len;         /* >= 1 */
    const size_t *fail; /* (len) fail[i]: longest proper border of s[0..i] */
    int orig;           /* index in the caller's list */
};

struct stop_matcher {
    size_t n;               /* non-empty strings */
    struct stop_str *str;   /* (n) */
    char *blob;             /* all strings, back to back */
    size_t *fails;          /* all failure tables, back to back */
    size_t *q;              /* (n) automaton states */
    size_t *q_new;          /* (n) states while a feed is undecided */
    char *pend;             /* (pend_cap) held-back bytes */
    size_t pend_len, pend_cap;
    int matched;            /* orig index of the match, or -1 */
};

static void kmp_table(const char *s, size_t len, size_t *fail)
{
    fail[0] = 0;
    size_t k = 0;
    for (size_t i = 1; i < len; i++) {
        while (k > 0 && s[i] != s[k])
            k = fail[k - 1];
        if (s[i] == s[k])
            k++;
        fail[i] = k;
    }
}

/* Advance state q (< len) of t by byte c. */
static inline size_t kmp_step(const struct stop_str *t, size_t q, char c)
{
    while (q > 0 && t->s[q] != c)
        q = t->fail[q - 1];
    return t->s[q] == c ? q + 1 : 0;
}

static inline int is_cont(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

int stop_init(struct stop_matcher **out, const char *const *strs, const size_t *lens,
              size_t n, struct cola_err *err)
{
    if (!out || (n > 0 && !strs))
        return err_set(err, COLA_EINVAL, "stop: NULL argument");
    *out = NULL;
    if (n > STOP_MAX_STRINGS)
        return err_set(err, COLA_ERANGE, "stop: %zu stop strings (limit %d)", n,
                       STOP_MAX_STRINGS);
    size_t total = 0, max_len = 0, live = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strs[i])
            return err_set(err, COLA_EINVAL, "stop: stop string %zu is NULL", i);
        const size_t len = lens ? lens[i] : strnlen(strs[i], STOP_MAX_LEN + 1);
        if (len > STOP_MAX_LEN)
            return err_set(err, COLA_ERANGE, "stop: stop string %zu is longer than %d bytes",
                           i, STOP_MAX_LEN);
        total += len;
        max_len = len > max_len ? len : max_len;
        live += len > 0;
    }
    int rc = 0;
    struct stop_matcher *m = calloc(1, sizeof(*m));
    if (!m)
        return err_set(err, COLA_ENOMEM, "stop: out of memory");
    m->matched = -1;
    m->pend_cap = max_len + 3;
    m->str = calloc(live ? live : 1, sizeof(*m->str));
    m->blob = malloc(total ? total : 1);
    m->fails = malloc((total ? total : 1) * sizeof(*m->fails));
    m->q = calloc(live ? live : 1, sizeof(*m->q));
    m->q_new = calloc(live ? live : 1, sizeof(*m->q_new));
    m->pend = malloc(m->pend_cap);
    if (!m->str || !m->blob || !m->fails || !m->q || !m->q_new || !m->pend) {
        rc = err_set(err, COLA_ENOMEM, "stop: out of memory");
        goto out;
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t len = lens ? lens[i] : strlen(strs[i]);
        if (len == 0)
            continue;
        struct stop_str *t = &m->str[m->n++];
        memcpy(m->blob + off, strs[i], len);
        kmp_table(m->blob + off, len, m->fails + off);
        *t = (struct stop_str){ m->blob + off, len, m->fails + off, (int)i };
        off += len;
    }
    *out = m;
    m = NULL;
out:
    stop_free(m);
    return rc;
}

void stop_free(struct stop_matcher *m)
{
    if (!m)
        return;
    free(m->str);
    free(m->blob);
    free(m->fails);
    free(m->q);
    free(m->q_new);
    free(m->pend);
    free(m);
}

/* Byte i of held ++ bytes. */
static inline char vbyte(const struct stop_matcher *m, const char *bytes, size_t i)
{
    return i < m->pend_len ? m->pend[i] : bytes[i - m->pend_len];
}

/* Append (held ++ bytes)[0..cut) to emit, all or nothing. */
static int emit_prefix(const struct stop_matcher *m, const char *bytes, size_t cut,
                       struct buf *emit)
{
    int rc = buf_reserve(emit, cut);
    if (rc)
        return rc;
    const size_t from_pend = cut < m->pend_len ? cut : m->pend_len;
    buf_append(emit, m->pend, from_pend);
    buf_append(emit, bytes, cut - from_pend);
    return 0;
}

/* Earliest-starting full match in held ++ bytes[0..n) (first string on a tie);
 * fills q_new with the states after the piece. Returns the string slot or -1. */
static int scan(struct stop_matcher *m, const char *bytes, size_t n, size_t *start_out)
{
    int best = -1;
    size_t best_start = SIZE_MAX;
    for (size_t k = 0; k < m->n; k++) {
        const struct stop_str *t = &m->str[k];
        size_t q = m->q[k];
        for (size_t j = 0; j < n; j++) {
            q = kmp_step(t, q, bytes[j]);
            if (q == t->len) {
                /* by the invariant above the match lies inside held ++ bytes */
                const size_t end = m->pend_len + j + 1;
                const size_t start = end >= t->len ? end - t->len : 0;
                if (start < best_start) {
                    best_start = start;
                    best = (int)k;
                }
                q = 0;
                break;
            }
        }
        m->q_new[k] = q;
    }
    *start_out = best_start;
    return best;
}

int stop_feed(struct stop_matcher *m, const char *bytes, size_t n, struct buf *emit)
{
    if (m->matched >= 0)
        return 1;
    if (n == 0)
        return 0;
    if (m->n == 0)
        return buf_append(emit, bytes, n);
    const size_t total = m->pend_len + n;
    size_t cut;
    const int k = scan(m, bytes, n, &cut);
    if (k >= 0) {
        for (int b = 0; b < 3 && cut > 0 && is_cont(vbyte(m, bytes, cut)); b++)
            cut--;
        int rc = emit_prefix(m, bytes, cut, emit);
        if (rc)
            return rc;
        m->matched = m->str[k].orig;
        m->pend_len = 0;
        return 1;
    }
    size_t keep = 0;
    for (size_t i = 0; i < m->n; i++)
        keep = m->q_new[i] > keep ? m->q_new[i] : keep;
    size_t hold = total - keep;
    for (int b = 0; b < 3 && hold > 0 && hold < total && is_cont(vbyte(m, bytes, hold)); b++)
        hold--;
    int rc = emit_prefix(m, bytes, hold, emit);
    if (rc)
        return rc;
    /* the held tail: part of the old held bytes (shifted down) and/or the piece */
    if (hold < m->pend_len) {
        memmove(m->pend, m->pend + hold, m->pend_len - hold);
        memcpy(m->pend + (m->pend_len - hold), bytes, n);
    } else {
        memcpy(m->pend, bytes + (hold - m->pend_len), total - hold);
    }
    m->pend_len = total - hold;
    memcpy(m->q, m->q_new, m->n * sizeof(*m->q));
    return 0;
}

int stop_flush(struct stop_matcher *m, struct buf *emit)
{
    if (m->matched >= 0 || m->pend_len == 0)
        return 0;
    int rc = buf_append(emit, m->pend, m->pend_len);
    if (rc)
        return rc;
    m->pend_len = 0;
    memset(m->q, 0, m->n * sizeof(*m->q));
    return 0;
}

void stop_reset(struct stop_matcher *m)
{
    m->pend_len = 0;
    m->matched = -1;
    memset(m->q, 0, m->n * sizeof(*m->q));
}

int stop_matched(const struct stop_matcher *m)
{
    return m->matched;
}

size_t stop_held(const struct stop_matcher *m)
{
    return m->pend_len;
}
