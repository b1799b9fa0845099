/* security.c — Host check and CORS (security.h). */
#include "server/security.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/log.h"

#define SEC_MAX_RULES 256

struct rule {
    char *pre, *suf;   /* wildcard: pre "*" suf ("*" alone in pre or suf: open end) */
};

struct sec_cors {
    bool all;
    char *exact[SEC_MAX_RULES];
    size_t n_exact;
    struct rule wild[SEC_MAX_RULES];
    size_t n_wild;
};

/* ---------------------------------------------------------------- host */

static bool ends_with(const char *s, const char *suffix)
{
    const size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static bool local_address(int family, const void *addr)
{
    struct ifaddrs *ifs = NULL;
    bool found = false;
    if (getifaddrs(&ifs))
        return false;
    for (const struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != family)
            continue;
        if (family == AF_INET)
            found = !memcmp(&((const struct sockaddr_in *)i->ifa_addr)->sin_addr, addr, 4);
        else
            found = !memcmp(&((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, addr, 16);
    }
    freeifaddrs(ifs);
    return found;
}

static bool ip_allowed(const char *h)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, h, a) == 1) {
        return a[0] == 127 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
               (a[0] == 192 && a[1] == 168) || !memcmp(a, "\0\0\0\0", 4) ||
               local_address(AF_INET, a);
    }
    if (inet_pton(AF_INET6, h, a) == 1) {
        static const unsigned char loop[16] = {[15] = 1}, zero[16] = {0};
        return !memcmp(a, loop, 16) || !memcmp(a, zero, 16) || (a[0] & 0xfe) == 0xfc ||
               local_address(AF_INET6, a);
    }
    return false;
}

bool sec_host_allowed(const char *host, bool loopback_listener)
{
    if (!loopback_listener || !host || !*host)
        return true;
    const size_t n = strlen(host);
    if (n > 255)
        return false;
    char h[256];
    /* net.SplitHostPort: "[v6]:port", "host:port"; else the whole value */
    const char *colon = strrchr(host, ':');
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        if (!close || (close[1] && close[1] != ':'))
            return false;
        snprintf(h, sizeof(h), "%.*s", (int)(close - host - 1), host + 1);
    } else if (colon && colon == strchr(host, ':')) {
        snprintf(h, sizeof(h), "%.*s", (int)(colon - host), host);
    } else {
        snprintf(h, sizeof(h), "%s", host);
    }
    for (char *p = h; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (ip_allowed(h))
        return true;
    if (!*h || !strcmp(h, "localhost"))
        return true;
    char me[256] = "";
    if (gethostname(me, sizeof(me) - 1) == 0 && *me) {
        for (char *p = me; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (!strcmp(h, me))
            return true;
    }
    return ends_with(h, ".localhost") || ends_with(h, ".local") || ends_with(h, ".internal");
}

/* ---------------------------------------------------------------- CORS */

static const char *const schemes[] = {"http://", "https://", "chrome-extension://",
                                      "safari-extension://", "moz-extension://",
                                      "ms-browser-extension://"};

static bool has_scheme(const char *o)
{
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (!strncmp(o, schemes[i], strlen(schemes[i])))
            return true;
    return false;
}

static int add_origin(struct sec_cors *c, const char *o, size_t len)
{
    if (len >= SEC_MAX_ORIGIN)
        return 0;
    char raw[SEC_MAX_ORIGIN];
    memcpy(raw, o, len);
    raw[len] = '\0';
    const char *star = strchr(raw, '*');
    if (!strcmp(raw, "*"))
        c->all = true;
    if (!star && !has_scheme(raw)) {
        log_warn("OLLAMA_ORIGINS: ignoring \"%s\" (an origin needs '*' or an http/https scheme)", raw);
        return 0;
    }
    if (star && strchr(star + 1, '*')) {
        log_warn("OLLAMA_ORIGINS: ignoring \"%s\" (only one * is allowed)", raw);
        return 0;
    }
    if (star && c->n_wild < SEC_MAX_RULES) {
        struct rule *r = &c->wild[c->n_wild];
        const size_t i = (size_t)(star - raw);
        r->pre = i == 0 ? strdup("*") : strndup(raw, i);
        r->suf = i != 0 && i == len - 1 ? strdup("*") : strdup(raw + i + 1);
        if (!r->pre || !r->suf) {
            free(r->pre), free(r->suf);
            return COLA_ENOMEM;
        }
        c->n_wild++;
    }
    /* the exact list is normalized: trimmed and lower-cased */
    size_t a = 0, b = len;
    while (a < b && isspace((unsigned char)raw[a]))
        a++;
    while (b > a && isspace((unsigned char)raw[b - 1]))
        b--;
    if (c->n_exact < SEC_MAX_RULES) {
        char *e = strndup(raw + a, b - a);
        if (!e)
            return COLA_ENOMEM;
        for (char *p = e; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        c->exact[c->n_exact++] = e;
    }
    return 0;
}

int sec_cors_new(const char *env, struct sec_cors **out, struct cola_err *err)
{
    struct sec_cors *c = calloc(1, sizeof(*c));
    if (!c)
        return err_set(err, COLA_ENOMEM, "out of memory");
    int rc = 0;
    for (const char *p = env && *env ? env : NULL; p && !rc;) {
        const char *comma = strchr(p, ',');
        const size_t l = comma ? (size_t)(comma - p) : strlen(p);
        rc = add_origin(c, p, l);
        p = comma ? comma + 1 : NULL;
    }
    static const char *const hosts[] = {"localhost", "127.0.0.1", "0.0.0.0"};
    static const char *const apps[] = {"app://*", "file://*", "tauri://*", "vscode-webview://*",
                                       "vscode-file://*"};
    char o[64];
    for (size_t i = 0; i < 3 && !rc; i++)
        for (int k = 0; k < 4 && !rc; k++) {
            snprintf(o, sizeof(o), "%s://%s%s", k & 1 ? "https" : "http", hosts[i],
                     k & 2 ? ":*" : "");
            rc = add_origin(c, o, strlen(o));
        }
    for (size_t i = 0; i < 5 && !rc; i++)
        rc = add_origin(c, apps[i], strlen(apps[i]));
    if (rc) {
        sec_cors_free(c);
        return err_set(err, rc, "out of memory");
    }
    *out = c;
    return 0;
}

void sec_cors_free(struct sec_cors *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_exact; i++)
        free(c->exact[i]);
    for (size_t i = 0; i < c->n_wild; i++)
        free(c->wild[i].pre), free(c->wild[i].suf);
    free(c);
}

static bool starts_with(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }

static bool origin_valid(const struct sec_cors *c, const char *o)
{
    if (c->all)
        return true;
    for (size_t i = 0; i < c->n_exact; i++)
        if (!strcmp(c->exact[i], o))
            return true;
    for (size_t i = 0; i < c->n_wild; i++) {
        const struct rule *w = &c->wild[i];
        if (!strcmp(w->pre, "*") && ends_with(o, w->suf))
            return true;
        if (!strcmp(w->suf, "*") && starts_with(o, w->pre))
            return true;
        if (starts_with(o, w->pre) && ends_with(o, w->suf))
            return true;
    }
    return false;
}

static void add(struct sec_headers *out, const char *name, const char *value)
{
    if (out->n == SEC_MAX_HEADERS)
        return;
    snprintf(out->h[out->n].name, sizeof(out->h[0].name), "%s", name);
    snprintf(out->h[out->n].value, sizeof(out->h[0].value), "%s", value);
    out->n++;
}

enum sec_cors_verdict sec_cors_decide(const struct sec_cors *c, const char *method,
                                      const char *origin, const char *host, const char *acrm,
                                      const char *acrh, struct sec_headers *out)
{
    (void)acrm, (void)acrh;
    out->n = 0;
    if (!origin || !*origin)
        return SEC_CORS_PASS;
    if (strlen(origin) >= SEC_MAX_ORIGIN)
        return SEC_CORS_DENY;
    const char *h = host ? host : "";
    if ((starts_with(origin, "http://") && !strcmp(origin + 7, h)) ||
        (starts_with(origin, "https://") && !strcmp(origin + 8, h)))
        return SEC_CORS_PASS;
    if (!origin_valid(c, origin))
        return SEC_CORS_DENY;
    const bool pre = method && !strcmp(method, "OPTIONS");
    if (pre) {
        add(out, "Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS");
        add(out, "Access-Control-Allow-Headers",
            "Authorization,Content-Type,User-Agent,Accept,X-Requested-With,Openai-Beta,"
            "X-Stainless-Arch,X-Stainless-Async,X-Stainless-Custom-Poll-Interval,"
            "X-Stainless-Helper-Method,X-Stainless-Lang,X-Stainless-Os,"
            "X-Stainless-Package-Version,X-Stainless-Poll-Helper,X-Stainless-Retry-Count,"
            "X-Stainless-Runtime,X-Stainless-Runtime-Version,X-Stainless-Timeout");
        add(out, "Access-Control-Max-Age", "43200");
    }
    if (c->all) {
        add(out, "Access-Control-Allow-Origin", "*");
    } else {
        add(out, "Vary", "Origin");
        if (pre) {
            add(out, "Vary", "Access-Control-Request-Method");
            add(out, "Vary", "Access-Control-Request-Headers");
        }
        add(out, "Access-Control-Allow-Origin", origin);
    }
    return pre ? SEC_CORS_PREFLIGHT : SEC_CORS_ALLOW;
}
