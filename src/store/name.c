/* name.c — Ollama's model-name grammar (see name.h). */
#include "store/name.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A slice of the input; MISSING stands for the "!MISSING!" sentinel. */
struct span {
    const char *p;
    size_t n;
};

static const struct span MISSING = {NAME_MISSING, sizeof(NAME_MISSING) - 1};

/* Copy a span into dst (room for max+1 bytes + NUL): longer spans keep max+1
 * bytes, so they stay too long and therefore invalid. */
static void put(char *dst, size_t max, struct span s)
{
    const size_t n = s.n > max + 1 ? max + 1 : s.n;
    memcpy(dst, s.p, n);
    dst[n] = '\0';
}

static long last_index(struct span s, char c)
{
    for (size_t i = s.n; i > 0; i--)
        if (s.p[i - 1] == c)
            return (long)(i - 1);
    return -1;
}

/* Ollama's cutPromised: cut s at its last c; an empty side becomes MISSING.
 * Returns false (s untouched) when c does not occur. */
static bool cut_promised(struct span *s, char c, struct span *after)
{
    const long i = last_index(*s, c);
    if (i < 0)
        return false;
    struct span before = {s->p, (size_t)i};
    struct span aft = {s->p + i + 1, s->n - (size_t)i - 1};
    *s = before.n ? before : MISSING;
    *after = aft.n ? aft : MISSING;
    return true;
}

void name_parse_bare(const char *str, struct model_name *n)
{
    memset(n, 0, sizeof(*n));
    struct span s = {str ? str : "", str ? strlen(str) : 0}, part = {"", 0};
    if (last_index(s, ':') > last_index(s, '/')) {
        cut_promised(&s, ':', &part);
        put(n->tag, NAME_PART_MAX, part);
    }
    if (!cut_promised(&s, '/', &part)) {
        put(n->model, NAME_PART_MAX, s);
        return;
    }
    put(n->model, NAME_PART_MAX, part);
    if (!cut_promised(&s, '/', &part)) {
        put(n->ns, NAME_PART_MAX, s);
        return;
    }
    put(n->ns, NAME_PART_MAX, part);
    /* The first "://" separates a scheme from the host. */
    for (size_t i = 0; i + 3 <= s.n; i++) {
        if (!memcmp(s.p + i, "://", 3)) {
            put(n->scheme, NAME_SCHEME_MAX, (struct span){s.p, i});
            s.p += i + 3;
            s.n -= i + 3;
            break;
        }
    }
    put(n->host, NAME_HOST_MAX, s);
}

void name_merge_defaults(struct model_name *n)
{
    if (!n->host[0])
        strcpy(n->host, NAME_DEFAULT_HOST);
    if (!n->ns[0])
        strcpy(n->ns, NAME_DEFAULT_NAMESPACE);
    if (!n->tag[0])
        strcpy(n->tag, NAME_DEFAULT_TAG);
    if (!n->scheme[0])
        strcpy(n->scheme, NAME_DEFAULT_SCHEME);
}

void name_parse(const char *s, struct model_name *n)
{
    name_parse_bare(s, n);
    name_merge_defaults(n);
}

static bool alnum_or_underscore(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_';
}

bool name_part_valid(enum name_part kind, const char *s)
{
    const size_t n = strlen(s);
    const size_t max = kind == NAME_PART_HOST ? NAME_HOST_MAX : NAME_PART_MAX;
    if (n < 1 || n > max || !alnum_or_underscore((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < n; i++) {
        const unsigned char c = (unsigned char)s[i];
        if (alnum_or_underscore(c) || c == '-')
            continue;
        if (c == '.' && kind != NAME_PART_NAMESPACE)
            continue;
        if (c == ':' && kind == NAME_PART_HOST)
            continue;
        return false;
    }
    return true;
}

bool name_valid(const struct model_name *n)
{
    return name_part_valid(NAME_PART_HOST, n->host) &&
           name_part_valid(NAME_PART_NAMESPACE, n->ns) &&
           name_part_valid(NAME_PART_MODEL, n->model) && name_part_valid(NAME_PART_TAG, n->tag);
}

bool name_equal_fold(const struct model_name *a, const struct model_name *b)
{
    return !strcasecmp(a->host, b->host) && !strcasecmp(a->ns, b->ns) &&
           !strcasecmp(a->model, b->model) && !strcasecmp(a->tag, b->tag);
}

void name_string(const struct model_name *n, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s%s%s%s%s", n->host, n->host[0] ? "/" : "", n->ns,
             n->ns[0] ? "/" : "", n->model, n->tag[0] ? ":" : "", n->tag);
}

void name_display_shortest(const struct model_name *n, char *out, size_t cap)
{
    if (strcasecmp(n->host, NAME_DEFAULT_HOST) != 0)
        snprintf(out, cap, "%s/%s/%s:%s", n->host, n->ns, n->model, n->tag);
    else if (strcasecmp(n->ns, NAME_DEFAULT_NAMESPACE) != 0)
        snprintf(out, cap, "%s/%s:%s", n->ns, n->model, n->tag);
    else
        snprintf(out, cap, "%s:%s", n->model, n->tag);
}

int name_filepath(const struct model_name *n, char *out, size_t cap, struct cola_err *err)
{
    if (!name_valid(n))
        return err_set(err, COLA_EINVAL, "invalid model name");
    const int k = snprintf(out, cap, "%s/%s/%s/%s", n->host, n->ns, n->model, n->tag);
    if (k < 0 || (size_t)k >= cap)
        return err_set(err, COLA_ERANGE, "model path too long");
    return 0;
}

int name_from_filepath(const char *rel, struct model_name *n)
{
    memset(n, 0, sizeof(*n));
    char *parts[4] = {n->host, n->ns, n->model, n->tag};
    const size_t max[4] = {NAME_HOST_MAX, NAME_PART_MAX, NAME_PART_MAX, NAME_PART_MAX};
    const char *p = rel ? rel : "";
    for (int i = 0; i < 4; i++) {
        const char *slash = strchr(p, '/');
        if ((i < 3) != (slash != NULL))
            goto bad;
        const size_t len = slash ? (size_t)(slash - p) : strlen(p);
        put(parts[i], max[i], (struct span){p, len});
        p = slash ? slash + 1 : p + len;
    }
    if (name_valid(n))
        return 0;
bad:
    memset(n, 0, sizeof(*n));
    return COLA_EINVAL;
}

/* ------------------------------------------------------- source suffixes */

/* Ollama's parseSourceSuffix on s[0..n): the base length (written to base,
 * cap bytes) and the source; false when there is no suffix. */
static bool source_suffix(const char *s, size_t n, char *base, size_t cap, size_t *blen,
                          enum name_source *src)
{
    const long idx = last_index((struct span){s, n}, ':');
    if (idx < 0)
        return false;
    const char *suf = s + idx + 1;
    size_t sn = n - (size_t)idx - 1;
    while (sn && isspace((unsigned char)*suf))
        suf++, sn--;
    while (sn && isspace((unsigned char)suf[sn - 1]))
        sn--;
    size_t keep; /* bytes of s kept before any rewritten tail */
    const char *tail = "";
    size_t tn = 0;
    if (sn == 5 && !strncasecmp(suf, "cloud", 5)) {
        *src = NAME_SOURCE_CLOUD;
        keep = (size_t)idx;
    } else if (sn == 5 && !strncasecmp(suf, "local", 5)) {
        *src = NAME_SOURCE_LOCAL;
        keep = (size_t)idx;
    } else if (sn >= 6 && !memchr(suf, '/', sn) && !strncasecmp(suf + sn - 6, "-cloud", 6)) {
        *src = NAME_SOURCE_CLOUD;
        keep = (size_t)idx + 1;
        tail = suf;
        tn = sn - 6;
    } else {
        return false;
    }
    *blen = keep + tn;
    if (*blen < cap) {
        memmove(base, s, keep);
        memmove(base + keep, tail, tn);
        base[*blen] = '\0';
    }
    return true;
}

int name_strip_source(const char *raw, char *base, size_t cap, enum name_source *source,
                      struct cola_err *err)
{
    const char *s = raw ? raw : "";
    size_t n = strlen(s);
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    *source = NAME_SOURCE_UNSPECIFIED;
    if (n == 0)
        return err_set(err, COLA_EINVAL, "model is required");
    if (n >= cap)
        return err_set(err, COLA_ERANGE, "model name too long");
    size_t blen = 0;
    if (!source_suffix(s, n, base, cap, &blen, source)) {
        memmove(base, s, n);
        base[n] = '\0';
        return 0;
    }
    char nested[NAME_STR_MAX];
    size_t nlen;
    enum name_source ns;
    if (blen < sizeof(nested) && source_suffix(base, blen, nested, sizeof(nested), &nlen, &ns))
        return err_set(err, COLA_EINVAL, "use either :local or :cloud, not both: \"%.*s\"",
                       (int)n, s);
    return 0;
}

int name_normalize_pull(const char *raw, char *out, size_t cap, struct cola_err *err)
{
    enum name_source src;
    int rc = name_strip_source(raw, out, cap, &src, err);
    if (rc || src != NAME_SOURCE_CLOUD)
        return rc;
    const size_t n = strlen(out);
    const bool tagged = last_index((struct span){out, n}, ':') > last_index((struct span){out, n}, '/');
    const char *suffix = tagged ? "-cloud" : ":cloud";
    if (n + 6 >= cap)
        return err_set(err, COLA_ERANGE, "model name too long");
    memcpy(out + n, suffix, 7);
    return 0;
}

void name_quote(const char *raw, char *out, size_t cap)
{
    if (cap < 6) {
        if (cap)
            out[0] = '\0';
        return;
    }
    const unsigned char *s = (const unsigned char *)(raw ? raw : "");
    size_t o = 0;
    out[o++] = '"';
    for (; *s; s++) {
        char esc[8];
        const unsigned char c = *s;
        if (c == '"' || c == '\\')
            snprintf(esc, sizeof(esc), "\\%c", c);
        else if (c == '\n')
            snprintf(esc, sizeof(esc), "\\n");
        else if (c == '\t')
            snprintf(esc, sizeof(esc), "\\t");
        else if (c == '\r')
            snprintf(esc, sizeof(esc), "\\r");
        else if (c < 0x20 || c == 0x7f)
            snprintf(esc, sizeof(esc), "\\x%02x", c);
        else
            snprintf(esc, sizeof(esc), "%c", c);
        const size_t k = strlen(esc);
        if (o + k + 5 > cap) { /* room for `..."` and the NUL */
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(out + o, esc, k);
        o += k;
    }
    out[o++] = '"';
    out[o] = '\0';
}
