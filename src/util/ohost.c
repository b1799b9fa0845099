/* ohost.c — OLLAMA_HOST parsing (ohost.h). */
#include "util/ohost.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Go's net.SplitHostPort: "host:port", "[v6]:port"; false when malformed
 * (no port, too many colons, bad brackets). */
static bool split_host_port(const char *s, size_t n, const char **h, size_t *hl, const char **p,
                            size_t *pl)
{
    const char *last = NULL;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ':')
            last = s + i;
    if (!last)
        return false;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close || close + 1 != last)
            return false;
        *h = s + 1, *hl = (size_t)(close - s - 1);
    } else {
        if (memchr(s, ':', (size_t)(last - s)) || memchr(s, '[', n) || memchr(s, ']', n))
            return false;
        *h = s, *hl = (size_t)(last - s);
    }
    *p = last + 1, *pl = n - (size_t)(last + 1 - s);
    return true;
}

static bool parse_port(const char *p, size_t n, unsigned *out)
{
    if (n == 0 || n > 10)
        return false;
    size_t i = 0;
    if (p[0] == '+' || p[0] == '-')
        i = 1;
    if (i == n)
        return false;
    long v = 0;
    for (; i < n; i++) {
        if (!isdigit((unsigned char)p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    if (p[0] == '-' && v != 0)
        return false;
    if (v > 65535)
        return false;
    *out = (unsigned)v;
    return true;
}

void ohost_parse(const char *value, struct ohost *o)
{
    memset(o, 0, sizeof(*o));
    const char *s = value ? value : "";
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    unsigned def = 11434;
    const char *sep = NULL;
    for (size_t i = 0; i + 2 < n; i++)
        if (!strncmp(s + i, "://", 3)) {
            sep = s + i;
            break;
        }
    if (!sep) {
        snprintf(o->scheme, sizeof(o->scheme), "http");
        if (n == 10 && !strncmp(s, "ollama.com", 10)) {
            snprintf(o->scheme, sizeof(o->scheme), "https");
            snprintf(o->host, sizeof(o->host), "ollama.com");
            o->port = 443;
            return;
        }
    } else {
        set(o->scheme, sizeof(o->scheme), s, (size_t)(sep - s));
        if (!strcmp(o->scheme, "http"))
            def = 80;
        else if (!strcmp(o->scheme, "https"))
            def = 443;
        n -= (size_t)(sep + 3 - s);
        s = sep + 3;
    }
    const char *slash = memchr(s, '/', n);
    const size_t hpl = slash ? (size_t)(slash - s) : n;
    if (slash)
        set(o->path, sizeof(o->path), slash + 1, n - hpl - 1);
    const char *h, *p;
    size_t hl, pl;
    if (split_host_port(s, hpl, &h, &hl, &p, &pl)) {
        set(o->host, sizeof(o->host), h, hl);
        if (!parse_port(p, pl, &o->port))
            o->port = def;
        return;
    }
    o->port = def;
    /* no port: an IP literal (brackets trimmed) or the host as written */
    char t[256];
    const char *a = s;
    size_t al = hpl;
    while (al && *a == '[')
        a++, al--;
    while (al && a[al - 1] == ']')
        al--;
    set(t, sizeof(t), a, al);
    unsigned char bin[16];
    if (inet_pton(AF_INET, t, bin) == 1 || inet_pton(AF_INET6, t, bin) == 1)
        set(o->host, sizeof(o->host), t, strlen(t));
    else if (hpl)
        set(o->host, sizeof(o->host), s, hpl);
    else
        snprintf(o->host, sizeof(o->host), "127.0.0.1");
}

void ohost_from_env(struct ohost *out) { ohost_parse(getenv("OLLAMA_HOST"), out); }

void ohost_connectable(struct ohost *h)
{
    if (!h->host[0] || !strcmp(h->host, "0.0.0.0"))
        snprintf(h->host, sizeof(h->host), "127.0.0.1");
    else if (!strcmp(h->host, "::") || !strcmp(h->host, "[::]"))
        snprintf(h->host, sizeof(h->host), "::1");
}

void ohost_url(const struct ohost *h, char *out, unsigned long cap)
{
    const bool v6 = strchr(h->host, ':') != NULL;
    snprintf(out, cap, "%s://%s%s%s:%u%s%s", h->scheme, v6 ? "[" : "", h->host, v6 ? "]" : "",
             h->port, h->path[0] ? "/" : "", h->path);
}
