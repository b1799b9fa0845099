/* registry.c — the registry client: one libcurl easy handle per client,
 * redirects followed by hand under the rules in registry.h, the Bearer
 * token flow, and the pull/push calls. The pure pieces (URLs, challenge
 * parser, redirect rules, error text) are in registry_url.c. */
#include "store/registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/rand.h>

#include "store/digest.h"
#include "store/sshkey.h"
#include "util/buf.h"

#define TOKEN_MAX 16384
#define ERRBODY_READ_MAX (1u << 20) /* error bodies longer than this abort the transfer */

struct reg_client {
    struct reg_opts o;
    char *ca_file;
    struct sshkey *key;
    bool key_owned;
    char *token;      /* last Bearer token, or NULL */
    char *token_host; /* the registry host[:port] it was issued for */
    CURL *curl;
    char ua[160];
};

enum sink_err {
    SINK_OK,
    SINK_TOO_MUCH,  /* more bytes than asked for */
    SINK_IO,        /* pwrite/pread failed (sink_errno) */
    SINK_RANGE,     /* the registry answered another range */
    SINK_CANCELED,  /* the progress callback said stop */
    SINK_TOO_BIG,   /* memory body over its maximum */
    SINK_SHORT_IN,  /* the upload source ended early */
    SINK_HDR,       /* a header over REG_HEADER_MAX */
    SINK_ERRBODY,   /* an error body over ERRBODY_READ_MAX */
};

/* One request and, after it, the last response. */
struct xfer {
    const char *method; /* GET HEAD POST PUT PATCH */
    const char *url;
    const char *hdrs[6]; /* extra header lines, NULL-terminated */
    const void *mem;     /* request body from memory ... */
    size_t mem_len;
    int in_fd;           /* ... or from in_fd at [in_off, in_off+in_len) */
    uint64_t in_off, in_len;
    bool body;           /* send a body (possibly empty) */
    bool follow;         /* follow 3xx (GET/HEAD) */
    bool auth;           /* may carry the Bearer token */
    bool accept_3xx;     /* an unfollowed 3xx is returned to the caller */
    bool small;          /* whole-request timeout applies */
    const char *signature; /* raw Authorization value of a token request */
    int out_fd;          /* 2xx body to out_fd at out_off, at most out_len ... */
    uint64_t out_off, out_len;
    struct buf *out_buf; /* ... or to memory */
    reg_progress_fn cb;
    void *ud;

    long status;
    char location[REG_HEADER_MAX + 1];
    char upload_location[REG_HEADER_MAX + 1];
    char www_auth[REG_HEADER_MAX + 1];
    bool have_clen, have_crange;
    uint64_t clen, crange_start;
    struct buf errbody;
    uint64_t errbody_seen;
    uint64_t done;   /* body bytes delivered to the sink */
    uint64_t in_pos; /* request body bytes handed to curl */
    bool first_write;
    enum sink_err sink;
    int sink_errno;
    char *final_url; /* URL that gave the last response (malloc'ed) */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ------------------------------------------------------------ client */

static const char *go_arch(void)
{
#if defined(__x86_64__)
    return "amd64";
#elif defined(__aarch64__)
    return "arm64";
#else
    return "unknown";
#endif
}

int reg_client_new(const struct reg_opts *o, struct reg_client **out, struct cola_err *err)
{
    *out = NULL;
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK)
        return err_set(err, COLA_EIO, "libcurl init failed");
    struct reg_client *c = calloc(1, sizeof(*c));
    if (!c)
        return err_set(err, COLA_ENOMEM, "out of memory");
    int rc = 0;
    c->o = o ? *o : (struct reg_opts){0};
    c->o.key_path = NULL;
    if (!c->o.connect_timeout_s)
        c->o.connect_timeout_s = 30;
    if (!c->o.low_speed_time_s)
        c->o.low_speed_time_s = 30;
    if (!c->o.low_speed_limit)
        c->o.low_speed_limit = 1;
    if (!c->o.small_timeout_s)
        c->o.small_timeout_s = 120;
    if (c->o.max_redirects <= 0)
        c->o.max_redirects = 10;
    if (o && o->ca_file && !(c->ca_file = strdup(o->ca_file))) {
        rc = err_set(err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    c->o.ca_file = c->ca_file;
    if (o && o->key_path) {
        struct cola_err kerr;
        err_clear(&kerr);
        rc = sshkey_load(o->key_path, &c->key, &kerr);
        if (rc == COLA_ENOTFOUND) {
            rc = 0; /* no identity: token requests go unsigned */
        } else if (rc) {
            err_set(err, rc, "%s", err_msg(&kerr));
            goto out;
        }
        c->key_owned = true;
    }
    snprintf(c->ua, sizeof(c->ua), "cola/%s (%s linux) libcurl/%s", COLA_VERSION, go_arch(),
             curl_version_info(CURLVERSION_NOW)->version);
    c->curl = curl_easy_init();
    if (!c->curl)
        rc = err_set(err, COLA_ENOMEM, "curl_easy_init failed");
out:
    if (rc)
        reg_client_free(c);
    else
        *out = c;
    return rc;
}

int reg_client_clone(const struct reg_client *src, struct reg_client **out, struct cola_err *err)
{
    struct reg_opts o = src->o;
    o.key_path = NULL;
    int rc = reg_client_new(&o, out, err);
    if (rc)
        return rc;
    struct reg_client *c = *out;
    c->key = src->key;
    c->key_owned = false;
    if (src->token && (!(c->token = strdup(src->token)) ||
                       !(c->token_host = strdup(src->token_host)))) {
        reg_client_free(c);
        *out = NULL;
        return err_set(err, COLA_ENOMEM, "out of memory");
    }
    return 0;
}

void reg_client_free(struct reg_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    if (c->key_owned)
        sshkey_free(c->key);
    free(c->token);
    free(c->token_host);
    free(c->ca_file);
    free(c);
}

/* ------------------------------------------------------------ curl callbacks */

static void hdr_copy(struct xfer *x, char *dst, const char *v, size_t n)
{
    if (n > REG_HEADER_MAX) {
        x->sink = SINK_HDR;
        dst[0] = '\0';
        return;
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb, len = n;
    while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
        len--;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) { /* a new response (1xx, 3xx, final) */
        const char *sp = memchr(p, ' ', len);
        x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        x->location[0] = x->upload_location[0] = x->www_auth[0] = '\0';
        x->have_clen = x->have_crange = false;
        return n;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return n;
    size_t kn = (size_t)(colon - p);
    const char *v = colon + 1;
    const char *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vn = (size_t)(end - v);
#define IS(name) (kn == sizeof(name) - 1 && strncasecmp(p, name, kn) == 0)
    if (IS("Location")) {
        hdr_copy(x, x->location, v, vn);
    } else if (IS("Docker-Upload-Location")) {
        hdr_copy(x, x->upload_location, v, vn);
    } else if (IS("WWW-Authenticate")) {
        hdr_copy(x, x->www_auth, v, vn);
    } else if (IS("Content-Length") && vn > 0 && vn < 20) {
        char t[24];
        memcpy(t, v, vn);
        t[vn] = '\0';
        char *e;
        unsigned long long val = strtoull(t, &e, 10);
        x->have_clen = *e == '\0' && t[0] != '-';
        x->clen = val;
    } else if (IS("Content-Range") && vn > 6 && strncasecmp(v, "bytes ", 6) == 0) {
        char t[64];
        size_t m = vn < sizeof(t) - 1 ? vn : sizeof(t) - 1;
        memcpy(t, v, m);
        t[m] = '\0';
        char *e;
        x->crange_start = strtoull(t + 6, &e, 10);
        x->have_crange = *e == '-' && t[6] >= '0' && t[6] <= '9';
    }
#undef IS
    return n;
}

static size_t sink_fd(struct xfer *x, const char *p, size_t n)
{
    if (x->first_write) {
        x->first_write = false;
        bool ranged = x->status == 206;
        if ((ranged && (!x->have_crange || x->crange_start != x->out_off)) ||
            (!ranged && x->out_off != 0)) {
            x->sink = SINK_RANGE;
            return 0;
        }
    }
    if (n > x->out_len - x->done) {
        x->sink = SINK_TOO_MUCH;
        return 0;
    }
    size_t k = 0;
    while (k < n) {
        ssize_t w = pwrite(x->out_fd, p + k, n - k, (off_t)(x->out_off + x->done + k));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            x->sink = SINK_IO;
            x->sink_errno = w < 0 ? errno : EIO;
            x->done += k;
            return 0;
        }
        k += (size_t)w;
    }
    x->done += n;
    return n;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    if (x->status >= 200 && x->status < 300) {
        if (x->out_fd >= 0)
            return sink_fd(x, p, n);
        if (x->out_buf) {
            if (buf_append(x->out_buf, p, n)) {
                x->sink = SINK_TOO_BIG;
                return 0;
            }
            x->done += n;
        }
        return n;
    }
    x->errbody_seen += n;
    if (x->errbody_seen > ERRBODY_READ_MAX) {
        x->sink = SINK_ERRBODY;
        return 0;
    }
    size_t room = REG_ERRBODY_MAX - x->errbody.len;
    buf_append(&x->errbody, p, n < room ? n : room);
    return n;
}

static size_t on_read(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    uint64_t left = (x->in_fd >= 0 ? x->in_len : x->mem_len) - x->in_pos;
    size_t n = size * nmemb;
    if (n > left)
        n = (size_t)left;
    if (n == 0)
        return 0;
    if (x->in_fd < 0) {
        memcpy(p, (const char *)x->mem + x->in_pos, n);
        x->in_pos += n;
        return n;
    }
    ssize_t r;
    do
        r = pread(x->in_fd, p, n, (off_t)(x->in_off + x->in_pos));
    while (r < 0 && errno == EINTR);
    if (r <= 0) {
        x->sink = r < 0 ? SINK_IO : SINK_SHORT_IN;
        x->sink_errno = r < 0 ? errno : 0;
        return CURL_READFUNC_ABORT;
    }
    x->in_pos += (uint64_t)r;
    return (size_t)r;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    struct xfer *x = ud;
    if (x->cb && x->cb(x->ud, x->in_fd >= 0 ? x->in_pos : x->done)) {
        x->sink = SINK_CANCELED;
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ one exchange */

static int sink_error(struct xfer *x, const char *curlmsg, struct cola_err *err)
{
    switch (x->sink) {
    case SINK_TOO_MUCH:
        return err_set(err, COLA_EIO, "registry sent more than the %llu bytes asked for",
                       (unsigned long long)x->out_len);
    case SINK_IO:
        return err_set(err, COLA_EIO, "%s", strerror(x->sink_errno));
    case SINK_RANGE:
        return err_set(err, COLA_EIO, "registry answered another range than bytes %llu-",
                       (unsigned long long)x->out_off);
    case SINK_CANCELED:
        return err_set(err, COLA_ECANCELED, "context canceled");
    case SINK_TOO_BIG:
        return err_set(err, COLA_ERANGE, "registry response larger than %zu bytes",
                       x->out_buf ? x->out_buf->max : 0);
    case SINK_SHORT_IN:
        return err_set(err, COLA_EIO, "upload source ended before %llu bytes",
                       (unsigned long long)x->in_len);
    case SINK_HDR:
        return err_set(err, COLA_EIO, "registry sent a header longer than %d bytes",
                       REG_HEADER_MAX);
    case SINK_ERRBODY:
        return err_set(err, COLA_EIO, "%ld: (error body too long)", x->status);
    case SINK_OK:
        break;
    }
    return err_set(err, COLA_EIO, "%s %s: %s", x->method, x->url, curlmsg);
}

static int set_method(CURL *h, struct xfer *x)
{
    if (strcmp(x->method, "HEAD") == 0)
        return curl_easy_setopt(h, CURLOPT_NOBODY, 1L) != CURLE_OK;
    if (strcmp(x->method, "GET") == 0)
        return curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK;
    if (strcmp(x->method, "POST") == 0 && !x->body) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
        return curl_easy_setopt(h, CURLOPT_POSTFIELDS, "") != CURLE_OK;
    }
    uint64_t n = x->in_fd >= 0 ? x->in_len : x->mem_len;
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)n);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, x);
    if (strcmp(x->method, "PUT") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, x->method);
    return 0;
}

/* Build the header list: caller's lines, credentials, no Expect/implicit
 * Content-Type. NULL on ENOMEM. */
static struct curl_slist *make_headers(struct reg_client *c, struct xfer *x, bool creds)
{
    struct curl_slist *l = NULL, *t;
    char line[TOKEN_MAX + 64];
    for (int i = 0; x->hdrs[i]; i++) {
        if (!(t = curl_slist_append(l, x->hdrs[i])))
            goto fail;
        l = t;
    }
    line[0] = '\0';
    if (creds && x->signature)
        snprintf(line, sizeof(line), "Authorization: %s", x->signature);
    else if (creds && x->auth && c->token)
        snprintf(line, sizeof(line), "Authorization: Bearer %s", c->token);
    const char *fixed[] = {line, "Expect:", strcmp(x->method, "POST") == 0 ? "Content-Type:" : ""};
    for (size_t i = 0; i < 3; i++) {
        if (!fixed[i][0])
            continue;
        if (!(t = curl_slist_append(l, fixed[i])))
            goto fail;
        l = t;
    }
    return l;
fail:
    curl_slist_free_all(l);
    return NULL;
}

static int perform_one(struct reg_client *c, struct xfer *x, const char *url, bool creds,
                       struct cola_err *err)
{
    CURL *h = c->curl;
    char ebuf[CURL_ERROR_SIZE] = "";
    x->status = 0;
    x->sink = SINK_OK;
    x->done = x->in_pos = x->errbody_seen = 0;
    x->first_write = true;
    buf_reset(&x->errbody);
    if (x->out_buf)
        buf_reset(x->out_buf);
    struct curl_slist *hl = make_headers(c, x, creds);
    if (!hl)
        return err_set(err, COLA_ENOMEM, "out of memory");
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, c->ua);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->o.connect_timeout_s);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, c->o.low_speed_limit);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->o.low_speed_time_s);
    if (x->small)
        curl_easy_setopt(h, CURLOPT_TIMEOUT, c->o.small_timeout_s);
    if (c->o.ca_file)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->o.ca_file);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    int rc = set_method(h, x) ? err_set(err, COLA_EIO, "curl setup failed") : 0;
    CURLcode cc = rc ? CURLE_OK : curl_easy_perform(h);
    if (!rc && x->sink != SINK_OK)
        rc = sink_error(x, ebuf[0] ? ebuf : curl_easy_strerror(cc), err);
    else if (!rc && cc != CURLE_OK)
        rc = sink_error(x, ebuf[0] ? ebuf : curl_easy_strerror(cc), err);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hl);
    return rc;
}

static bool is_redirect(long s)
{
    return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
}

/* Perform x, following redirects when x->follow. Credentials only while the
 * request is still on its first host and that host holds the token. */
static int perform_follow(struct reg_client *c, struct xfer *x, struct cola_err *err)
{
    char *url = strdup(x->url);
    char *origin = reg_url_host(x->url);
    int rc = 0;
    if (!url || !origin) {
        rc = err_set(err, url ? COLA_EINVAL : COLA_ENOMEM, "bad URL %.200s", x->url);
        goto out;
    }
    bool cross = false;
    for (int hops = 0;; hops++) {
        bool creds = !cross && (x->signature ||
                                (c->token_host && strcmp(origin, c->token_host) == 0));
        rc = perform_one(c, x, url, creds, err);
        if (rc || !x->follow || !is_redirect(x->status) || !x->location[0])
            break;
        if (hops >= c->o.max_redirects) {
            rc = err_set(err, COLA_EIO, "stopped after %d redirects", c->o.max_redirects);
            break;
        }
        char *to;
        bool xc;
        rc = reg_redirect_target(url, x->location, origin, &to, &xc, err);
        if (rc)
            break;
        cross = cross || xc;
        free(url);
        url = to;
    }
out:
    free(x->final_url);
    x->final_url = url;
    free(origin);
    return rc;
}

/* ------------------------------------------------------------ auth */

static void xfer_init(struct xfer *x, const char *method, const char *url)
{
    memset(x, 0, sizeof(*x));
    x->method = method;
    x->url = url;
    x->in_fd = x->out_fd = -1;
    x->small = true;
    buf_init(&x->errbody, REG_ERRBODY_MAX);
}

static void xfer_free(struct xfer *x)
{
    buf_free(&x->errbody);
    free(x->final_url);
    x->final_url = NULL;
}

static int status_error(const struct xfer *x, struct cola_err *err)
{
    char msg[REG_ERRBODY_MAX + 32];
    if (x->status == 404)
        return err_set(err, COLA_ENOTFOUND, "file does not exist");
    reg_status_text(x->status, x->errbody.data ? x->errbody.data : "", x->errbody.len, msg,
                    sizeof(msg));
    return err_set(err, COLA_EIO, "%s", msg);
}

/* base64url without padding of 16 random bytes (Ollama's nonce). */
static int make_nonce(char out[32])
{
    unsigned char r[16];
    if (RAND_bytes(r, sizeof(r)) != 1)
        return COLA_EIO;
    char *b = sshkey_b64_encode(r, sizeof(r));
    if (!b)
        return COLA_ENOMEM;
    size_t k = 0;
    for (const char *p = b; *p && *p != '=' && k < 31; p++)
        out[k++] = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    out[k] = '\0';
    free(b);
    return 0;
}

/* A token from a {"token": "..."} body; printable ASCII only (it goes into
 * a header line). */
static int token_from_body(const struct buf *b, char **tok, struct cola_err *err)
{
    json_error_t je;
    json_t *j = json_loadb(b->data ? b->data : "", b->len, 0, &je);
    int rc = 0;
    const char *t = NULL;
    if (json_is_object(j)) {
        t = json_string_value(json_object_get(j, "token"));
        if (!t || !*t)
            t = json_string_value(json_object_get(j, "access_token"));
    }
    if (!t || !*t) {
        rc = err_set(err, COLA_EFORMAT, "registry sent no token");
        goto out;
    }
    size_t n = strlen(t);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x21 || (unsigned char)t[i] > 0x7e)
            n = 0;
    if (n == 0 || n > TOKEN_MAX) {
        rc = err_set(err, COLA_EFORMAT, "registry sent an invalid token");
        goto out;
    }
    *tok = strdup(t);
    if (!*tok)
        rc = err_set(err, COLA_ENOMEM, "out of memory");
out:
    json_decref(j);
    return rc;
}

/* Answer a Bearer challenge from a request to origin_url: fetch a token
 * from the realm (on the same host), store it in c. */
static int auth_challenge(struct reg_client *c, const char *www_auth, const char *origin_url,
                          struct cola_err *err)
{
    struct reg_challenge ch;
    char nonce[32];
    char *url = NULL, *host = NULL, *origin = NULL, *data = NULL, *sig = NULL, *sighdr = NULL;
    char *tok = NULL;
    struct buf body;
    buf_init(&body, REG_TOKEN_BODY_MAX);
    struct xfer x;
    xfer_init(&x, "GET", NULL);
    int rc = reg_challenge_parse(www_auth, &ch, err);
    if (rc)
        goto out;
    if ((rc = make_nonce(nonce))) {
        err_set(err, rc, "nonce: random bytes unavailable");
        goto out;
    }
    if ((rc = reg_token_url(&ch, (long long)time(NULL), nonce, &url, err)))
        goto out;
    host = reg_url_host(url);
    origin = reg_url_host(origin_url);
    if (!host || !origin || strcmp(host, origin) != 0) {
        rc = err_set(err, COLA_EIO, "realm host \"%s\" does not match original host \"%s\"",
                     host ? host : "", origin ? origin : "");
        goto out;
    }
    if (strncasecmp(origin_url, "https:", 6) == 0 && strncasecmp(url, "https:", 6) != 0) {
        rc = err_set(err, COLA_EIO, "realm %.200s is not https", ch.realm);
        goto out;
    }
    if (c->key) {
        if (!(data = reg_token_sign_data(url))) {
            rc = err_set(err, COLA_ENOMEM, "out of memory");
            goto out;
        }
        if ((rc = sshkey_sign_b64(c->key, data, strlen(data), &sig, err)))
            goto out;
        size_t n = strlen(sshkey_public_b64(c->key)) + strlen(sig) + 2;
        if (!(sighdr = malloc(n))) {
            rc = err_set(err, COLA_ENOMEM, "out of memory");
            goto out;
        }
        snprintf(sighdr, n, "%s:%s", sshkey_public_b64(c->key), sig);
    }
    x.url = url;
    x.follow = true;
    x.signature = sighdr;
    x.out_buf = &body;
    if ((rc = perform_follow(c, &x, err)))
        goto out;
    if (x.status >= 400) {
        rc = x.errbody.len ? status_error(&x, err)
                           : err_set(err, COLA_EIO, "%ld", x.status);
        goto out;
    }
    if ((rc = token_from_body(&body, &tok, err)))
        goto out;
    free(c->token);
    free(c->token_host);
    c->token = tok;
    c->token_host = origin;
    origin = NULL;
out:
    xfer_free(&x);
    buf_free(&body);
    free(url);
    free(host);
    free(origin);
    free(data);
    free(sig);
    free(sighdr);
    return rc;
}

/* Perform x with Ollama's retry rule: a 401 is answered once with a token;
 * 404 → COLA_ENOTFOUND; ≥ 400 → "<code>: <body>"; a second 401 →
 * "unauthorized: access denied". 2xx (and 3xx when accept_3xx) → 0. */
static int request(struct reg_client *c, struct xfer *x, struct cola_err *err)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int rc = perform_follow(c, x, err);
        if (rc)
            return rc;
        if (x->status == 401) {
            if (attempt == 1)
                break;
            char *hdr = strdup(x->www_auth);
            if (!hdr)
                return err_set(err, COLA_ENOMEM, "out of memory");
            rc = auth_challenge(c, hdr, x->url, err);
            free(hdr);
            if (rc)
                return rc;
            continue;
        }
        if (x->status >= 400)
            return status_error(x, err);
        if (x->status >= 200 && x->status < 300)
            return 0;
        if (x->status >= 300 && x->status < 400 && x->accept_3xx)
            return 0;
        if (is_redirect(x->status))
            return err_set(err, COLA_EIO, "%ld: redirect without a Location", x->status);
        return err_set(err, COLA_EIO, "%ld: unexpected response", x->status);
    }
    return err_set(err, COLA_EIO, "unauthorized: access denied");
}

/* ------------------------------------------------------------ pull */

int reg_manifest_get(struct reg_client *c, const struct reg_repo *r, const char *tag, char **body,
                     size_t *len, struct cola_err *err)
{
    *body = NULL;
    *len = 0;
    char *url = NULL;
    int rc = reg_url(r, REG_URL_MANIFEST, tag, &url, err);
    if (rc)
        return rc;
    struct buf b;
    buf_init(&b, REG_MANIFEST_MAX);
    struct xfer x;
    xfer_init(&x, "GET", url);
    x.hdrs[0] = "Accept: " REG_MEDIA_MANIFEST;
    x.follow = x.auth = true;
    x.out_buf = &b;
    rc = request(c, &x, err);
    if (rc == COLA_ERANGE)
        err_set(err, rc, "manifest larger than %u bytes", REG_MANIFEST_MAX);
    if (rc == 0) {
        *len = b.len;
        if (!(*body = buf_take(&b)))
            rc = err_set(err, COLA_ENOMEM, "out of memory");
    }
    xfer_free(&x);
    buf_free(&b);
    free(url);
    return rc;
}

int reg_blob_head(struct reg_client *c, const struct reg_repo *r, const char *digest,
                  uint64_t *size, struct cola_err *err)
{
    *size = 0;
    char *url = NULL;
    int rc = reg_url(r, REG_URL_BLOB, digest, &url, err);
    if (rc)
        return rc;
    struct xfer x;
    xfer_init(&x, "HEAD", url);
    x.follow = x.auth = true;
    rc = request(c, &x, err);
    if (rc == 0 && !x.have_clen)
        rc = err_set(err, COLA_EIO, "registry sent no Content-Length for %s", digest);
    if (rc == 0)
        *size = x.clen;
    xfer_free(&x);
    free(url);
    return rc;
}

int reg_blob_get(struct reg_client *c, const struct reg_repo *r, const char *digest, int fd,
                 uint64_t off, uint64_t len, reg_progress_fn cb, void *ud, uint64_t *written,
                 struct cola_err *err)
{
    if (written)
        *written = 0;
    if (len == 0 || off > UINT64_MAX - len || off + len > (uint64_t)INT64_MAX)
        return err_set(err, COLA_EINVAL, "bad blob range");
    char *url = NULL;
    int rc = reg_url(r, REG_URL_BLOB, digest, &url, err);
    if (rc)
        return rc;
    char range[80], cr[48];
    reg_content_range(off, len, cr);
    snprintf(range, sizeof(range), "Range: bytes=%s", cr);
    struct xfer x;
    xfer_init(&x, "GET", url);
    x.hdrs[0] = range;
    x.follow = x.auth = true;
    x.small = false;
    x.out_fd = fd;
    x.out_off = off;
    x.out_len = len;
    x.cb = cb;
    x.ud = ud;
    rc = request(c, &x, err);
    if (rc == 0 && x.done != len)
        rc = err_set(err, COLA_EIO, "registry sent %llu of %llu bytes of %s",
                     (unsigned long long)x.done, (unsigned long long)len, digest);
    if (written && x.status >= 200 && x.status < 300)
        *written = x.done;
    xfer_free(&x);
    free(url);
    return rc;
}

/* ------------------------------------------------------------ push */

int reg_manifest_put(struct reg_client *c, const struct reg_repo *r, const char *tag,
                     const void *body, size_t len, struct cola_err *err)
{
    if (len > REG_MANIFEST_MAX)
        return err_set(err, COLA_ERANGE, "manifest larger than %u bytes", REG_MANIFEST_MAX);
    char *url = NULL;
    int rc = reg_url(r, REG_URL_MANIFEST, tag, &url, err);
    if (rc)
        return rc;
    struct xfer x;
    xfer_init(&x, "PUT", url);
    x.hdrs[0] = "Content-Type: " REG_MEDIA_MANIFEST;
    x.auth = x.body = true;
    x.mem = body;
    x.mem_len = len;
    rc = request(c, &x, err);
    xfer_free(&x);
    free(url);
    return rc;
}

/* The next upload URL of a response: Docker-Upload-Location, else Location,
 * resolved against the URL that answered; fallback when neither is there
 * (NULL: required). */
static int upload_next(const struct xfer *x, const char *fallback, char **out,
                       struct cola_err *err)
{
    *out = NULL;
    const char *loc = x->upload_location[0] ? x->upload_location : x->location;
    if (!loc[0]) {
        if (!fallback)
            return err_set(err, COLA_EIO, "registry sent no upload location");
        *out = strdup(fallback);
        return *out ? 0 : err_set(err, COLA_ENOMEM, "out of memory");
    }
    bool cross;
    return reg_redirect_target(x->final_url ? x->final_url : x->url, loc, NULL, out, &cross, err);
}

static bool repo_path_ok(const char *s)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || strchr(slash + 1, '/') || slash == s || !slash[1] || strlen(s) > 161)
        return false;
    for (const char *p = s; *p; p++)
        if (!(*p == '/' || *p == '_' || *p == '-' || *p == '.' || (*p >= '0' && *p <= '9') ||
              (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
            return false;
    return s[0] != '.' && slash[1] != '.';
}

int reg_upload_start(struct reg_client *c, const struct reg_repo *r, const char *digest,
                     const char *mount_from, bool *mounted, char **upload_url,
                     struct cola_err *err)
{
    *mounted = false;
    *upload_url = NULL;
    char dig[DIGEST_STR_LEN + 1];
    if (digest_canonical(digest, dig, err))
        return COLA_EINVAL;
    if (mount_from && !repo_path_ok(mount_from))
        return err_set(err, COLA_EINVAL, "invalid mount source %.200s", mount_from);
    char *base = NULL;
    int rc = reg_url(r, REG_URL_UPLOADS, NULL, &base, err);
    if (rc)
        return rc;
    struct buf u;
    buf_init(&u, 4096);
    if (buf_puts(&u, base) ||
        (mount_from && buf_printf(&u, "?mount=sha256%%3A%s&from=%s", dig + 7, mount_from))) {
        free(base);
        buf_free(&u);
        return err_set(err, COLA_ENOMEM, "out of memory");
    }
    struct xfer x;
    xfer_init(&x, "POST", u.data);
    x.auth = true;
    rc = request(c, &x, err);
    if (rc == 0 && x.status == 201 && mount_from)
        *mounted = true;
    else if (rc == 0)
        rc = upload_next(&x, NULL, upload_url, err);
    xfer_free(&x);
    buf_free(&u);
    free(base);
    return rc;
}

/* A PATCH answered 307: PUT the part to the (pre-signed) Location. */
static int upload_part_redirected(struct reg_client *c, const struct xfer *px, char **target,
                                  struct cola_err *err)
{
    bool cross;
    int rc = reg_redirect_target(px->final_url, px->location, NULL, target, &cross, err);
    if (rc)
        return rc;
    struct xfer x;
    xfer_init(&x, "PUT", *target);
    x.hdrs[0] = "Content-Type: application/octet-stream";
    x.auth = x.body = true;
    x.small = false;
    x.in_fd = px->in_fd;
    x.in_off = px->in_off;
    x.in_len = px->in_len;
    x.cb = px->cb;
    x.ud = px->ud;
    rc = request(c, &x, err);
    xfer_free(&x);
    return rc;
}

int reg_upload_part(struct reg_client *c, const char *upload_url, int fd, uint64_t off,
                    uint64_t len, reg_progress_fn cb, void *ud, char **next_url,
                    struct cola_err *err)
{
    *next_url = NULL;
    if (len == 0 || off > UINT64_MAX - len || off + len > (uint64_t)INT64_MAX)
        return err_set(err, COLA_EINVAL, "bad upload range");
    char cr[48], crh[80];
    reg_content_range(off, len, cr);
    snprintf(crh, sizeof(crh), "Content-Range: %s", cr);
    struct xfer x;
    xfer_init(&x, "PATCH", upload_url);
    x.hdrs[0] = "Content-Type: application/octet-stream";
    x.hdrs[1] = crh;
    x.hdrs[2] = "X-Redirect-Uploads: 1";
    x.auth = x.body = x.accept_3xx = true;
    x.small = false;
    x.in_fd = fd;
    x.in_off = off;
    x.in_len = len;
    x.cb = cb;
    x.ud = ud;
    int rc = request(c, &x, err);
    if (rc == 0 && x.status == 307 && x.location[0]) {
        char *target = NULL;
        rc = upload_part_redirected(c, &x, &target, err);
        free(target);
        if (rc == 0 && !(*next_url = strdup(upload_url)))
            rc = err_set(err, COLA_ENOMEM, "out of memory");
    } else if (rc == 0 && x.status >= 300) {
        rc = err_set(err, COLA_EIO, "%ld: unexpected redirect of an upload", x.status);
    } else if (rc == 0) {
        rc = upload_next(&x, upload_url, next_url, err);
    }
    xfer_free(&x);
    return rc;
}

int reg_upload_finish(struct reg_client *c, const char *upload_url, const char *digest,
                      const char *etag, struct cola_err *err)
{
    char dig[DIGEST_STR_LEN + 1];
    if (digest_canonical(digest, dig, err))
        return COLA_EINVAL;
    if (etag) {
        for (const char *p = etag; *p; p++)
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == '-'))
                return err_set(err, COLA_EINVAL, "invalid etag");
    }
    struct buf u;
    buf_init(&u, REG_HEADER_MAX + 512);
    int rc = buf_puts(&u, upload_url);
    rc = rc ? rc : buf_printf(&u, "%cdigest=sha256%%3A%s", strchr(upload_url, '?') ? '&' : '?',
                              dig + 7);
    if (etag && !rc)
        rc = buf_printf(&u, "&etag=%s", etag);
    if (rc) {
        buf_free(&u);
        return err_set(err, COLA_ENOMEM, "upload URL too long");
    }
    struct xfer x;
    xfer_init(&x, "PUT", u.data);
    x.hdrs[0] = "Content-Type: application/octet-stream";
    x.auth = x.body = true;
    x.mem = "";
    x.mem_len = 0;
    rc = request(c, &x, err);
    xfer_free(&x);
    buf_free(&u);
    return rc;
}
