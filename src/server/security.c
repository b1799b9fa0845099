/* security.c — the Host check and CORS (contract in security.h). */
#include "server/security.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SEC_MAX_ENTRIES 1024 /* OLLAMA_ORIGINS entries */
#define SEC_MAX_PATTERNS (SEC_MAX_ENTRIES + 17) /* + Ollama's 17 defaults */

/* ================================================================ Host */

/* Go's net.SplitHostPort on s[0, len): 0 and the host part, or -1 when Go
 * reports an error (no port, too many colons, stray brackets). */
static int split_host_port(const char *s, size_t len, const char **host, size_t *host_len)
{
    size_t i = len, j = 0, k = 0;
    while (i > 0 && s[i - 1] != ':')
        i--;
    if (i == 0)
        return -1; /* no colon: missing port */
    i--;           /* index of the last ':' */
    if (s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close || (size_t)(close - s) + 1 != i)
            return -1; /* no ']', or ']' not right before the last ':' */
        *host = s + 1;
        *host_len = (size_t)(close - s) - 1;
        j = 1;
        k = (size_t)(close - s) + 1;
    } else {
        if (memchr(s, ':', i))
            return -1; /* too many colons */
        *host = s;
        *host_len = i;
    }
    if (memchr(s + j, '[', len - j) || memchr(s + k, ']', len - k))
        return -1;
    return 0;
}

struct sec_ip {
    int family;          /* AF_INET or AF_INET6 */
    unsigned char a[16]; /* 4 or 16 bytes, network order */
    bool zoned;          /* an IPv6 literal with "%zone" */
};

/* Go's netip.ParseAddr: a dotted quad (no leading zeros) or an IPv6 literal
 * with an optional non-empty zone. */
static bool parse_ip(const char *h, struct sec_ip *ip)
{
    memset(ip, 0, sizeof(*ip));
    if (inet_pton(AF_INET, h, ip->a) == 1) {
        ip->family = AF_INET;
        return true;
    }
    char buf[SEC_MAX_HOST];
    const char *pct = strchr(h, '%');
    size_t n = pct ? (size_t)(pct - h) : strlen(h);
    if (n >= sizeof(buf) || (pct && pct[1] == '\0') || !memchr(h, ':', n))
        return false;
    memcpy(buf, h, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET6, buf, ip->a) != 1)
        return false;
    ip->family = AF_INET6;
    ip->zoned = pct != NULL;
    return true;
}

/* Is ip one of this machine's interface addresses (Go's isLocalIP compares
 * the printed forms, so a zoned or v4-mapped literal never matches)? */
static bool ip_on_interface(const struct sec_ip *ip)
{
    struct ifaddrs *ifs = NULL;
    bool found = false;
    if (ip->zoned || getifaddrs(&ifs) != 0)
        return false;
    for (const struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != ip->family)
            continue;
        if (ip->family == AF_INET)
            found = !memcmp(&((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr,
                            ip->a, 4);
        else
            found = !memcmp(&((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr,
                            ip->a, 16);
    }
    freeifaddrs(ifs);
    return found;
}

/* netip's IsLoopback || IsPrivate || IsUnspecified || isLocalIP. Loopback
 * and private look through ::ffff:v4; unspecified does not, and a zone
 * makes "::" a different address. */
static bool ip_acceptable(const struct sec_ip *ip)
{
    static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
    static const unsigned char zero[16] = {0};
    const unsigned char *v4 = NULL;
    if (ip->family == AF_INET)
        v4 = ip->a;
    else if (!memcmp(ip->a, mapped, 12))
        v4 = ip->a + 12;
    if (v4) {
        if (v4[0] == 127 || v4[0] == 10 || (v4[0] == 172 && (v4[1] & 0xf0) == 16) ||
            (v4[0] == 192 && v4[1] == 168))
            return true;
    } else {
        static const unsigned char loop[16] = {[15] = 1};
        if (!memcmp(ip->a, loop, 16) || (ip->a[0] & 0xfe) == 0xfc)
            return true;
    }
    if (ip->family == AF_INET && !memcmp(ip->a, zero, 4))
        return true;
    if (ip->family == AF_INET6 && !ip->zoned && !memcmp(ip->a, zero, 16))
        return true;
    return ip_on_interface(ip);
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    const size_t m = strlen(suffix);
    return n >= m && !memcmp(s + n - m, suffix, m);
}

/* Ollama's allowedHost on an already lower-cased name. */
static bool name_acceptable(const char *h, size_t n)
{
    if (n == 0 || !strcmp(h, "localhost"))
        return true;
    char me[256] = "";
    if (gethostname(me, sizeof(me) - 1) == 0 && me[0]) {
        for (char *p = me; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        if (!strcmp(h, me))
            return true;
    }
    return ends_with(h, n, ".localhost") || ends_with(h, n, ".local") ||
           ends_with(h, n, ".internal");
}

enum sec_host_kind sec_host_check(const char *host, bool loopback_listener)
{
    if (!loopback_listener)
        return SEC_HOST_UNCHECKED;
    if (!host || !host[0])
        return SEC_HOST_NAME;
    const size_t len = strnlen(host, SEC_MAX_HOST);
    if (len >= SEC_MAX_HOST)
        return SEC_HOST_DENIED;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)host[i] < 0x21 || host[i] == 0x7f)
            return SEC_HOST_DENIED;
    const char *part = host;
    size_t n = len;
    bool bare_brackets = false;
    if (split_host_port(host, len, &part, &n) != 0) {
        part = host, n = len;
        /* "[::1]" without a port: Go keeps the brackets and refuses it;
         * cola takes a bracketed IP literal (an address is no rebinding),
         * but never a bracketed name. */
        bare_brackets = len > 2 && host[0] == '[' && host[len - 1] == ']' &&
                        !memchr(host + 1, '[', len - 1) && !memchr(host, ']', len - 1);
        if (bare_brackets)
            part = host + 1, n = len - 2;
    }
    char h[SEC_MAX_HOST];
    memcpy(h, part, n);
    h[n] = '\0';
    struct sec_ip ip;
    if (parse_ip(h, &ip) && ip_acceptable(&ip))
        return SEC_HOST_IP;
    if (bare_brackets)
        return SEC_HOST_DENIED;
    for (char *p = h; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return name_acceptable(h, n) ? SEC_HOST_NAME : SEC_HOST_DENIED;
}

bool sec_host_allowed(const char *host, bool loopback_listener)
{
    return sec_host_check(host, loopback_listener) != SEC_HOST_DENIED;
}

/* ================================================================ CORS */

struct sec_pattern {
    char *text; /* trimmed, lower-cased */
    size_t len;
    long star;  /* index of the one '*', or -1 */
};

struct sec_cors {
    bool all; /* "*" was listed */
    size_t n;
    struct sec_pattern *p; /* n patterns */
    char allow_headers[512];
};

/* gin accepts an entry without '*' only with one of these schemes
 * (DefaultSchemas + ExtensionSchemas, AllowBrowserExtensions on). */
static const char *const sec_schemes[] = {"http://", "https://", "chrome-extension://",
                                          "safari-extension://", "moz-extension://",
                                          "ms-browser-extension://"};
#define SEC_SCHEMES_TEXT \
    "http://,https://,chrome-extension://,safari-extension://,moz-extension://,ms-browser-extension://"

/* Ollama's AllowHeaders, as Ollama spells them; sent canonicalized. */
static const char *const sec_allow_headers[] = {
    "Authorization", "Content-Type", "User-Agent", "Accept", "X-Requested-With", "OpenAI-Beta",
    "x-stainless-arch", "x-stainless-async", "x-stainless-custom-poll-interval",
    "x-stainless-helper-method", "x-stainless-lang", "x-stainless-os",
    "x-stainless-package-version", "x-stainless-poll-helper", "x-stainless-retry-count",
    "x-stainless-runtime", "x-stainless-runtime-version", "x-stainless-timeout"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool has_scheme(const char *o)
{
    for (size_t i = 0; i < NELEM(sec_schemes); i++)
        if (!strncmp(o, sec_schemes[i], strlen(sec_schemes[i])))
            return true;
    return false;
}

/* Add s[0, len) (blanks around it trimmed) as a pattern; empty: skipped. */
static int add_pattern(struct sec_cors *c, size_t cap, const char *s, size_t len,
                       struct cola_err *err)
{
    while (len > 0 && isspace((unsigned char)*s))
        s++, len--;
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0)
        return 0;
    if (len >= SEC_MAX_ORIGIN)
        return err_set(err, COLA_ERANGE, "OLLAMA_ORIGINS: an origin of %zu bytes (at most %d)",
                       len, SEC_MAX_ORIGIN - 1);
    if (c->n == cap)
        return err_set(err, COLA_ERANGE, "OLLAMA_ORIGINS: more than %d origins", SEC_MAX_ENTRIES);
    char *t = strndup(s, len);
    if (!t)
        return err_set(err, COLA_ENOMEM, "out of memory");
    for (char *q = t; *q; q++)
        *q = (char)tolower((unsigned char)*q);
    const char *star = strchr(t, '*');
    int rc = 0;
    if (star && strchr(star + 1, '*'))
        rc = err_set(err, COLA_EINVAL, "OLLAMA_ORIGINS: bad origin \"%s\": only one * is allowed",
                     t);
    else if (!star && !has_scheme(t))
        rc = err_set(err, COLA_EINVAL,
                     "OLLAMA_ORIGINS: bad origin \"%s\": origins must contain '*' or include "
                     SEC_SCHEMES_TEXT, t);
    if (rc) {
        free(t);
        return rc;
    }
    if (!strcmp(t, "*"))
        c->all = true;
    c->p[c->n++] = (struct sec_pattern){t, len, star ? (long)(star - t) : -1};
    return 0;
}

/* Go's http.CanonicalHeaderKey for a token: upper case at the start and
 * after '-', lower case elsewhere. Joined by ',' into c->allow_headers. */
static void build_allow_headers(struct sec_cors *c)
{
    size_t o = 0;
    for (size_t i = 0; i < NELEM(sec_allow_headers); i++) {
        if (o + strlen(sec_allow_headers[i]) + 2 > sizeof(c->allow_headers))
            break; /* cannot happen with the list above; keeps the bound visible */
        if (i)
            c->allow_headers[o++] = ',';
        bool up = true;
        for (const char *p = sec_allow_headers[i]; *p; p++) {
            c->allow_headers[o++] = (char)(up ? toupper((unsigned char)*p)
                                              : tolower((unsigned char)*p));
            up = *p == '-';
        }
    }
    c->allow_headers[o] = '\0';
}

/* OLLAMA_ORIGINS entries (at most SEC_MAX_ENTRIES), then Ollama's defaults. */
static int add_all(struct sec_cors *c, const char *env, struct cola_err *err)
{
    /* envconfig.Var: blanks, then quote characters, off both ends */
    const char *a = env ? env : "", *b = a + strlen(a);
    while (a < b && isspace((unsigned char)*a))
        a++;
    while (b > a && isspace((unsigned char)b[-1]))
        b--;
    while (a < b && (*a == '"' || *a == '\''))
        a++;
    while (b > a && (b[-1] == '"' || b[-1] == '\''))
        b--;
    int rc = 0;
    while (a < b && !rc) {
        const char *comma = memchr(a, ',', (size_t)(b - a));
        const char *end = comma ? comma : b;
        rc = add_pattern(c, SEC_MAX_ENTRIES, a, (size_t)(end - a), err);
        a = comma ? comma + 1 : b;
    }
    static const char *const hosts[] = {"localhost", "127.0.0.1", "0.0.0.0"};
    static const char *const apps[] = {"app://*", "file://*", "tauri://*", "vscode-webview://*",
                                       "vscode-file://*"};
    char o[64];
    for (size_t i = 0; i < NELEM(hosts) && !rc; i++)
        for (int k = 0; k < 4 && !rc; k++) {
            const int w = snprintf(o, sizeof(o), "%s://%s%s", k & 1 ? "https" : "http", hosts[i],
                                   k & 2 ? ":*" : "");
            rc = add_pattern(c, SEC_MAX_PATTERNS, o, (size_t)w, err);
        }
    for (size_t i = 0; i < NELEM(apps) && !rc; i++)
        rc = add_pattern(c, SEC_MAX_PATTERNS, apps[i], strlen(apps[i]), err);
    return rc;
}

int sec_cors_new(const char *ollama_origins, struct sec_cors **out, struct cola_err *err)
{
    struct sec_cors *c = calloc(1, sizeof(*c));
    int rc = 0;
    if (!c || !(c->p = calloc(SEC_MAX_PATTERNS, sizeof(*c->p)))) {
        rc = err_set(err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    build_allow_headers(c);
    rc = add_all(c, ollama_origins, err);
out:
    if (rc) {
        sec_cors_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void sec_cors_free(struct sec_cors *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->p && i < c->n; i++)
        free(c->p[i].text);
    free(c->p);
    free(c);
}

/* gin's validateWildcardOrigin, with the two parts not overlapping. */
static bool pattern_match(const struct sec_pattern *p, const char *o, size_t n)
{
    if (p->star < 0)
        return n == p->len && !memcmp(o, p->text, n);
    const size_t pre = (size_t)p->star, suf = p->len - pre - 1;
    return n >= pre + suf && !memcmp(o, p->text, pre) &&
           !memcmp(o + n - suf, p->text + pre + 1, suf);
}

static bool same_origin(const char *origin, const char *host)
{
    const char *h = host ? host : "";
    return (!strncmp(origin, "http://", 7) && !strcmp(origin + 7, h)) ||
           (!strncmp(origin, "https://", 8) && !strcmp(origin + 8, h));
}

static void put(struct sec_headers *out, const char *name, const char *value)
{
    if (out->n == SEC_MAX_HEADERS)
        return; /* at most 7 are ever added */
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
    if (!origin || !origin[0] || same_origin(origin, host))
        return SEC_CORS_PASS;
    const size_t n = strnlen(origin, SEC_MAX_ORIGIN);
    if (n >= SEC_MAX_ORIGIN)
        return SEC_CORS_DENY;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)origin[i] < 0x20 || origin[i] == 0x7f)
            return SEC_CORS_DENY;
    bool ok = c->all;
    for (size_t i = 0; i < c->n && !ok; i++)
        ok = pattern_match(&c->p[i], origin, n);
    if (!ok)
        return SEC_CORS_DENY;
    const char *allow_origin = c->all ? "*" : origin;
    if (!method || strcmp(method, "OPTIONS") != 0) {
        put(out, "Access-Control-Allow-Origin", allow_origin);
        if (!c->all)
            put(out, "Vary", "Origin");
        return SEC_CORS_ALLOW;
    }
    put(out, "Access-Control-Allow-Headers", c->allow_headers);
    put(out, "Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS");
    put(out, "Access-Control-Allow-Origin", allow_origin);
    put(out, "Access-Control-Max-Age", "43200"); /* gin's DefaultConfig: 12 h */
    if (!c->all) {
        put(out, "Vary", "Origin");
        put(out, "Vary", "Access-Control-Request-Method");
        put(out, "Vary", "Access-Control-Request-Headers");
    }
    return SEC_CORS_PREFLIGHT;
}
