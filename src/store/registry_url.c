/* registry_url.c — the registry client's pure pieces: repository URLs, the
 * Bearer challenge parser, the token URL, the redirect rules and Ollama's
 * error text (contracts in registry.h). No I/O here. */
#include "store/registry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "store/digest.h"
#include "util/buf.h"

/* ------------------------------------------------------------ repository */

static bool part_ok(const char *s, size_t max, const char *extra)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!isalnum(c) && c != '_' && c != '-' && c != '.' && !strchr(extra, c))
            return false;
    }
    return true;
}

int reg_repo_init(struct reg_repo *r, const char *scheme, const char *host, const char *ns,
                  const char *model, bool insecure, struct cola_err *err)
{
    memset(r, 0, sizeof(*r));
    if (scheme && strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
        return err_set(err, COLA_EINVAL, "unsupported protocol %s", scheme);
    if (scheme && strcmp(scheme, "http") == 0 && !insecure)
        return err_set(err, COLA_EINVAL, "insecure protocol http");
    if (!part_ok(host, REG_HOST_MAX, ":[]") || host[0] == '.' || host[0] == '-')
        return err_set(err, COLA_EINVAL, "invalid registry host");
    if (!part_ok(ns, REG_PART_MAX, "") || !part_ok(model, REG_PART_MAX, "") ||
        ns[0] == '.' || model[0] == '.')
        return err_set(err, COLA_EINVAL, "invalid model name");
    strcpy(r->scheme, insecure ? "http" : "https");
    strcpy(r->host, host);
    strcpy(r->ns, ns);
    strcpy(r->model, model);
    return 0;
}

int reg_url(const struct reg_repo *r, enum reg_url_kind kind, const char *ref, char **out,
            struct cola_err *err)
{
    *out = NULL;
    char dig[DIGEST_STR_LEN + 1];
    struct buf b;
    buf_init(&b, 1024);
    int rc = buf_printf(&b, "%s://%s/v2/%s/%s/", r->scheme, r->host, r->ns, r->model);
    switch (kind) {
    case REG_URL_MANIFEST:
        if (!part_ok(ref, REG_PART_MAX, "") || ref[0] == '.' || ref[0] == '-') {
            buf_free(&b);
            return err_set(err, COLA_EINVAL, "invalid tag");
        }
        rc = rc ? rc : buf_printf(&b, "manifests/%s", ref);
        break;
    case REG_URL_BLOB:
        if (digest_canonical(ref, dig, err)) {
            buf_free(&b);
            return COLA_EINVAL;
        }
        rc = rc ? rc : buf_printf(&b, "blobs/%s", dig);
        break;
    case REG_URL_UPLOADS:
        rc = rc ? rc : buf_puts(&b, "blobs/uploads/");
        break;
    }
    if (rc == 0)
        *out = buf_take(&b);
    buf_free(&b);
    if (!*out)
        return err_set(err, COLA_ENOMEM, "out of memory");
    return 0;
}

/* ------------------------------------------------------------ challenge */

static const char *skip_sp(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* One value at p (quoted or bare) into out; returns the position after it.
 * A quoted value ends at a quote followed by a comma or the end (Ollama's
 * getValue rule, so embedded quotes survive); backslash escapes the next
 * character. NULL when too long or unterminated. */
static const char *chal_value(const char *p, char *out, size_t n)
{
    size_t k = 0;
    if (*p == '"') {
        p++;
        for (;; p++) {
            if (*p == '\0')
                return NULL;
            if (*p == '"') {
                const char *q = skip_sp(p + 1);
                if (*q == ',' || *q == '\0')
                    break;
            }
            if (*p == '\\' && p[1])
                p++;
            if (k + 1 >= n)
                return NULL;
            out[k++] = *p;
        }
        p++;
    } else {
        for (; *p && *p != ',' && *p != ' ' && *p != '\t'; p++) {
            if (k + 1 >= n)
                return NULL;
            out[k++] = *p;
        }
    }
    out[k] = '\0';
    return p;
}

int reg_challenge_parse(const char *hdr, struct reg_challenge *out, struct cola_err *err)
{
    memset(out, 0, sizeof(*out));
    const char *p = skip_sp(hdr ? hdr : "");
    if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
        return err_set(err, COLA_EFORMAT, "registry sent an unsupported authentication challenge");
    p = skip_sp(p + 6);
    char junk[64];
    while (*p) {
        const char *key = p;
        while (*p && *p != '=' && *p != ',' && *p != ' ')
            p++;
        size_t kn = (size_t)(p - key);
        if (*p != '=') { /* a bare word: skip it */
            p = skip_sp(*p == ',' ? p + 1 : p);
            continue;
        }
        p++;
        char *dst = junk;
        size_t dn = sizeof(junk);
        if (kn == 5 && strncasecmp(key, "realm", 5) == 0)
            dst = out->realm, dn = sizeof(out->realm);
        else if (kn == 7 && strncasecmp(key, "service", 7) == 0)
            dst = out->service, dn = sizeof(out->service);
        else if (kn == 5 && strncasecmp(key, "scope", 5) == 0)
            dst = out->scope, dn = sizeof(out->scope);
        else if (kn == 5 && strncasecmp(key, "error", 5) == 0)
            dn = sizeof(junk);
        p = chal_value(p, dst, dst == junk ? sizeof(junk) : dn);
        if (!p) {
            if (dst == junk) /* an unknown long parameter: ignore the rest */
                break;
            memset(out, 0, sizeof(*out));
            return err_set(err, COLA_EFORMAT, "malformed authentication challenge");
        }
        p = skip_sp(p);
        if (*p == ',')
            p = skip_sp(p + 1);
    }
    if (!out->realm[0])
        return err_set(err, COLA_EFORMAT, "authentication challenge without a realm");
    return 0;
}

/* ------------------------------------------------------------ token URL */

struct qpair {
    char *k, *v;
};

/* Go's url.QueryEscape. */
static int q_escape(struct buf *b, const char *s)
{
    int rc = 0;
    for (; *s && !rc; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            rc = buf_putc(b, (char)c);
        else if (c == ' ')
            rc = buf_putc(b, '+');
        else
            rc = buf_printf(b, "%%%02X", c);
    }
    return rc;
}

/* Percent- and '+'-decoding of n bytes of s, malloc'ed. */
static char *q_unescape(const char *s, size_t n)
{
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            o[k++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
                   isxdigit((unsigned char)s[i + 2])) {
            char h[3] = {s[i + 1], s[i + 2], 0};
            o[k++] = (char)strtol(h, NULL, 16);
            i += 2;
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = '\0';
    return o;
}

#define QPAIR_MAX 64

static int q_add(struct qpair *ps, size_t *n, const char *k, size_t kn, const char *v, size_t vn)
{
    if (*n >= QPAIR_MAX)
        return COLA_ERANGE;
    ps[*n].k = q_unescape(k, kn);
    ps[*n].v = q_unescape(v, vn);
    (*n)++;
    return ps[*n - 1].k && ps[*n - 1].v ? 0 : COLA_ENOMEM;
}

/* Split a raw query "a=b&c" into decoded pairs. */
static int q_split(const char *q, struct qpair *ps, size_t *n)
{
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        int rc = 0;
        if (len)
            rc = eq ? q_add(ps, n, q, (size_t)(eq - q), eq + 1, len - (size_t)(eq - q) - 1)
                    : q_add(ps, n, q, len, "", 0);
        if (rc)
            return rc;
        q += len + (amp ? 1 : 0);
    }
    return 0;
}

static int token_url_build(const struct reg_challenge *ch, long long ts, const char *nonce,
                           struct qpair *ps, size_t *n, struct buf *b)
{
    const char *realm = ch->realm;
    const char *qm = strchr(realm, '?');
    size_t base = qm ? (size_t)(qm - realm) : strlen(realm);
    const char *hash = strchr(realm, '#');
    if (hash && (!qm || hash < qm))
        base = (size_t)(hash - realm);
    int rc = 0;
    if (qm) {
        char *q = strdup(qm + 1);
        if (!q)
            return COLA_ENOMEM;
        char *h = strchr(q, '#');
        if (h)
            *h = '\0';
        rc = q_split(q, ps, n);
        free(q);
    }
    char tsbuf[32];
    snprintf(tsbuf, sizeof(tsbuf), "%lld", ts);
    rc = rc ? rc : q_add(ps, n, "service", 7, ch->service, strlen(ch->service));
    for (const char *s = ch->scope; !rc;) { /* Go: strings.Split(scope, " ") */
        const char *sp = strchr(s, ' ');
        size_t len = sp ? (size_t)(sp - s) : strlen(s);
        rc = q_add(ps, n, "scope", 5, s, len);
        if (!sp)
            break;
        s = sp + 1;
    }
    rc = rc ? rc : q_add(ps, n, "ts", 2, tsbuf, strlen(tsbuf));
    rc = rc ? rc : q_add(ps, n, "nonce", 5, nonce, strlen(nonce));
    /* stable insertion sort by key, as url.Values.Encode */
    for (size_t i = 1; i < *n && !rc; i++) {
        struct qpair t = ps[i];
        size_t j = i;
        for (; j > 0 && strcmp(ps[j - 1].k, t.k) > 0; j--)
            ps[j] = ps[j - 1];
        ps[j] = t;
    }
    rc = rc ? rc : buf_append(b, realm, base);
    for (size_t i = 0; i < *n && !rc; i++) {
        rc = buf_putc(b, i ? '&' : '?');
        rc = rc ? rc : q_escape(b, ps[i].k);
        rc = rc ? rc : buf_putc(b, '=');
        rc = rc ? rc : q_escape(b, ps[i].v);
    }
    return rc;
}

int reg_token_url(const struct reg_challenge *ch, long long ts, const char *nonce, char **out,
                  struct cola_err *err)
{
    *out = NULL;
    struct qpair ps[QPAIR_MAX];
    size_t n = 0;
    struct buf b;
    buf_init(&b, 16384);
    int rc = token_url_build(ch, ts, nonce, ps, &n, &b);
    for (size_t i = 0; i < n; i++) {
        free(ps[i].k);
        free(ps[i].v);
    }
    if (rc == 0)
        *out = buf_take(&b);
    buf_free(&b);
    if (rc == COLA_ERANGE)
        return err_set(err, rc, "authentication challenge has too many parameters");
    if (!*out)
        return err_set(err, COLA_ENOMEM, "token URL too long");
    return 0;
}

char *reg_token_sign_data(const char *url)
{
    /* base64 of the 64 ASCII hex digits of sha256("") */
    static const char empty_b64[] =
        "ZTNiMGM0NDI5OGZjMWMxNDlhZmJmNGM4OTk2ZmI5MjQyN2FlNDFlNDY0OWI5MzRjYTQ5NTk5MWI3ODUyYjg1NQ==";
    size_t n = strlen(url) + sizeof(empty_b64) + 8;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "GET,%s,%s", url, empty_b64);
    return s;
}

/* ------------------------------------------------------------ URLs and redirects */

static char *url_part(CURLU *u, CURLUPart what)
{
    char *v = NULL;
    if (curl_url_get(u, what, &v, 0) != CURLUE_OK)
        return NULL;
    char *r = strdup(v);
    curl_free(v);
    return r;
}

/* host[:port] of a parsed URL, host lowercased; port only when explicit. */
static char *curlu_host(CURLU *u)
{
    char *host = url_part(u, CURLUPART_HOST);
    if (!host)
        return NULL;
    for (char *p = host; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    char *port = url_part(u, CURLUPART_PORT);
    if (!port)
        return host;
    size_t n = strlen(host) + strlen(port) + 2;
    char *r = malloc(n);
    if (r)
        snprintf(r, n, "%s:%s", host, port);
    free(host);
    free(port);
    return r;
}

char *reg_url_host(const char *url)
{
    CURLU *u = curl_url();
    char *r = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
        r = curlu_host(u);
    curl_url_cleanup(u);
    return r;
}

int reg_redirect_target(const char *from, const char *location, const char *origin_host,
                        char **to, bool *cross_host, struct cola_err *err)
{
    *to = NULL;
    *cross_host = true;
    int rc = 0;
    char *from_scheme = NULL, *scheme = NULL, *host = NULL;
    CURLU *u = curl_url();
    if (!u)
        return err_set(err, COLA_ENOMEM, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, from, 0) != CURLUE_OK ||
        !(from_scheme = url_part(u, CURLUPART_SCHEME))) {
        rc = err_set(err, COLA_EINVAL, "bad request URL");
        goto out;
    }
    /* resolving a relative reference against the current URL; an absolute one
     * with any scheme replaces it (checked below) */
    if (curl_url_set(u, CURLUPART_URL, location, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        !(scheme = url_part(u, CURLUPART_SCHEME))) {
        rc = err_set(err, COLA_EIO, "registry sent an invalid redirect location");
        goto out;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        rc = err_set(err, COLA_EIO, "redirect to unsupported protocol %.32s refused", scheme);
        goto out;
    }
    if (strcasecmp(from_scheme, "https") == 0 && strcasecmp(scheme, "http") == 0) {
        rc = err_set(err, COLA_EIO, "redirect from https to http refused");
        goto out;
    }
    host = curlu_host(u);
    *to = url_part(u, CURLUPART_URL);
    if (!host || !*to) {
        free(*to);
        *to = NULL;
        rc = err_set(err, COLA_EIO, "registry sent an invalid redirect location");
        goto out;
    }
    *cross_host = !origin_host || strcmp(host, origin_host) != 0;
out:
    free(from_scheme);
    free(scheme);
    free(host);
    curl_url_cleanup(u);
    return rc;
}

/* ------------------------------------------------------------ errors */

void reg_status_text(long status, const char *body, size_t body_len, char *out, size_t n)
{
    int k = snprintf(out, n, "%ld: ", status);
    if (k < 0 || (size_t)k >= n)
        return;
    size_t m = body_len < REG_ERRBODY_MAX ? body_len : REG_ERRBODY_MAX;
    while (m > 0 && (body[m - 1] == '\n' || body[m - 1] == '\r'))
        m--;
    size_t pos = (size_t)k;
    for (size_t i = 0; i < m && pos + 1 < n; i++) {
        unsigned char c = (unsigned char)body[i];
        out[pos++] = c >= 0x20 && c < 0x7f ? (char)c : (c == '\n' || c == '\t' ? ' ' : '?');
    }
    out[pos] = '\0';
}

void reg_content_range(uint64_t off, uint64_t len, char out[48])
{
    snprintf(out, 48, "%llu-%llu", (unsigned long long)off, (unsigned long long)(off + len - 1));
}
