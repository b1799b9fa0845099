/* client.c — the CLI's HTTP client of the daemon (client.h). */
#include "cli/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/ohost.h"

void client_init(struct client *c)
{
    struct ohost h;
    ohost_from_env(&h);
    ohost_connectable(&h);
    ohost_url(&h, c->base, sizeof(c->base));
}

struct call {
    CURL *curl;
    struct buf line, body;
    long status;
    client_fn fn;
    void *user;
    int rc;
    struct cola_err *err;
};

static long status_of(struct call *k)
{
    if (!k->status)
        curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &k->status);
    return k->status;
}

/* One complete line of a 2xx answer. */
static int take_line(struct call *k, const char *p, size_t n)
{
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
        n--;
    if (!n)
        return 0;
    json_error_t je;
    json_t *v = json_loadb(p, n, 0, &je);
    if (!v)
        return k->rc = err_set(k->err, COLA_EIO, "invalid JSON from the server: %s", je.text);
    const char *e = json_string_value(json_object_get(v, "error"));
    int rc = 0;
    if (e)
        rc = k->rc = err_set(k->err, COLA_EIO, "%s", e);
    else if (k->fn && k->fn(k->user, v))
        rc = k->rc = COLA_ECANCELED;
    json_decref(v);
    return rc;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *user)
{
    struct call *k = user;
    const size_t n = size * nmemb;
    if (status_of(k) >= 400) {
        buf_append(&k->body, p, n);  /* bounded; the rest is dropped */
        return n;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\n') {
            if (buf_putc(&k->line, p[i])) {
                k->rc = err_set(k->err, COLA_ERANGE, "a line from the server is too long");
                return 0;
            }
            continue;
        }
        const int rc = take_line(k, k->line.data ? k->line.data : "", k->line.len);
        buf_reset(&k->line);
        if (rc)
            return 0;
    }
    return n;
}

static void http_error(struct call *k)
{
    const char *msg = NULL;
    json_t *v = k->body.len ? json_loadb(k->body.data, k->body.len, 0, NULL) : NULL;
    msg = json_string_value(json_object_get(v, "error"));
    char text[512];
    if (!msg) {
        snprintf(text, sizeof(text), "%.*s", (int)(k->body.len > 400 ? 400 : k->body.len),
                 k->body.data ? k->body.data : "");
        msg = *text ? text : "request failed";
    }
    const int code = k->status == 404 ? COLA_ENOTFOUND : k->status < 500 ? COLA_EINVAL : COLA_EIO;
    k->rc = err_set(k->err, code, "%s", msg);
    json_decref(v);
}

int client_call(const struct client *c, const char *method, const char *path, const json_t *body,
                client_fn fn, void *user, long *status, struct cola_err *err)
{
    struct call k = {.fn = fn, .user = user, .err = err};
    buf_init(&k.line, CLIENT_LINE_MAX);
    buf_init(&k.body, (size_t)1 << 20);
    char url[1024], *payload = NULL;
    snprintf(url, sizeof(url), "%s%s", c->base, path);
    struct curl_slist *hdr = NULL;
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "Accept: application/x-ndjson");
    k.curl = curl_easy_init();
    if (!k.curl || (body && !(payload = json_dumps(body, JSON_COMPACT)))) {
        k.rc = err_set(err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    curl_easy_setopt(k.curl, CURLOPT_URL, url);
    curl_easy_setopt(k.curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(k.curl, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(k.curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(k.curl, CURLOPT_WRITEDATA, &k);
    curl_easy_setopt(k.curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(k.curl, CURLOPT_USERAGENT, "cola/" COLA_VERSION);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(k.curl, CURLOPT_NOBODY, 1L);
    if (payload)
        curl_easy_setopt(k.curl, CURLOPT_POSTFIELDS, payload);
    const CURLcode cc = curl_easy_perform(k.curl);
    status_of(&k);
    if (status)
        *status = k.status;
    if (k.rc)
        goto out;
    if (cc != CURLE_OK) {
        k.rc = cc == CURLE_COULDNT_CONNECT ? err_set(err, COLA_EIO, CLIENT_NO_SERVER)
                                           : err_set(err, COLA_EIO, "%s", curl_easy_strerror(cc));
    } else if (k.status >= 400) {
        http_error(&k);
    } else if (k.line.len) {
        take_line(&k, k.line.data, k.line.len);  /* a last line without "\n" (a single object) */
    }
out:
    free(payload);
    curl_slist_free_all(hdr);
    if (k.curl)
        curl_easy_cleanup(k.curl);
    buf_free(&k.line);
    buf_free(&k.body);
    return k.rc;
}

bool client_alive(const struct client *c)
{
    long st = 0;
    return client_call(c, "HEAD", "/", NULL, NULL, NULL, &st, NULL) == 0 && st == 200;
}

bool client_daemon(struct client *c)
{
    client_init(c);
    return client_alive(c);
}

struct progress_ctx {
    xfer_progress_fn fn;
    void *user;
};

static int progress_line(void *user, const json_t *o)
{
    const struct progress_ctx *p = user;
    const struct xfer_event e = {
        json_string_value(json_object_get(o, "status")),
        json_string_value(json_object_get(o, "digest")),
        json_integer_value(json_object_get(o, "total")),
        json_integer_value(json_object_get(o, "completed")),
    };
    return p->fn && e.status ? p->fn(p->user, &e) : 0;
}

int client_progress(const struct client *c, const char *path, const json_t *req,
                    xfer_progress_fn fn, void *user, struct cola_err *err)
{
    struct progress_ctx p = {fn, user};
    return client_call(c, "POST", path, req, progress_line, &p, NULL, err);
}

struct upload {
    const char *digest;
    xfer_progress_fn fn;
    void *user;
    int64_t total, last;
};

static int upload_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                           curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal;
    struct upload *u = user;
    if (u->fn && ulnow != u->last && ulnow < u->total) {
        u->last = ulnow;
        const struct xfer_event e = {"copying file", u->digest, u->total, (int64_t)ulnow};
        return u->fn(u->user, &e);
    }
    return 0;
}

int client_upload(const struct client *c, const char *digest, const char *path,
                  xfer_progress_fn fn, void *user, struct cola_err *err)
{
    char url[1024];
    snprintf(url, sizeof(url), "/api/blobs/%s", digest);
    long st = 0;
    struct cola_err herr = {0};
    const int hrc = client_call(c, "HEAD", url, NULL, NULL, NULL, &st, &herr);
    if (hrc == 0 && st == 200)
        return 0;
    if (st != 404)
        return err_set(err, hrc ? hrc : COLA_EIO, "%s", hrc ? err_msg(&herr) : "unexpected answer");
    FILE *f = fopen(path, "rb");
    struct stat sb;
    if (!f || fstat(fileno(f), &sb)) {
        if (f)
            fclose(f);
        return err_set(err, COLA_EIO, "%s: %s", path, strerror(errno));
    }
    struct upload u = {digest, fn, user, (int64_t)sb.st_size, -1};
    if (fn) {
        const struct xfer_event e = {"copying file", digest, u.total, 0};
        fn(user, &e);
    }
    snprintf(url, sizeof(url), "%s/api/blobs/%s", c->base, digest);
    CURL *h = curl_easy_init();
    int rc = 0;
    long status = 0;
    if (!h) {
        fclose(f);
        return err_set(err, COLA_ENOMEM, "out of memory");
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_READDATA, f);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)sb.st_size);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, upload_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &u);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    struct curl_slist *hdr = curl_slist_append(NULL, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    const CURLcode cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK)
        rc = err_set(err, COLA_EIO, "uploading %s: %s", path, curl_easy_strerror(cc));
    else if (status != 200 && status != 201)
        rc = err_set(err, COLA_EIO, "uploading %s: HTTP %ld", path, status);
    else if (fn) {
        const struct xfer_event e = {"copying file", digest, u.total, u.total};
        fn(user, &e);
    }
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    fclose(f);
    return rc;
}

int client_keep(void *user, const json_t *obj)
{
    json_t **out = user;
    json_decref(*out);
    *out = json_incref((json_t *)obj);
    return 0;
}
