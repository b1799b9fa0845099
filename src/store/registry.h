/* registry.h — the client side of the registry wire protocol (Docker
 * Distribution v2 subset + Ollama's token auth), STORE.md §4.
 *
 * The client speaks HTTP(S) through libcurl and moves bytes between the
 * network and what the caller gives it: memory for manifests, a file
 * descriptor and an offset for blobs (pwrite/pread). It knows nothing about
 * the store's layout; the caller validates and names files, and verifies
 * digests (the client never trusts a blob's bytes).
 *
 * Requests go to <scheme>://<host>/v2/<namespace>/<model>/... with scheme
 * https, or http when the repository was made `insecure`.
 *
 * Errors (as Ollama's makeRequestWithRetry): 404 → COLA_ENOTFOUND "file does
 * not exist"; other status ≥ 400 → COLA_EIO "<code>: <body>" (body truncated
 * to REG_ERRBODY_MAX and made printable); 401 → the Bearer challenge is
 * answered once, a second 401 → COLA_EIO "unauthorized: access denied".
 *
 * Security rules (PEERS.md: CVE-2026-5530, CVE-2024-37032):
 *  - every digest is checked against ^sha256[:-][0-9a-f]{64}$ and every
 *    namespace/model/tag against its character set before it reaches a URL;
 *  - redirects are followed by the client itself, at most opts.max_redirects,
 *    only to http/https, never from https down to http; the Authorization
 *    header goes only to the registry host (host[:port] compared as text),
 *    and once a redirect left that host it is not sent again in that request;
 *  - the token realm must be on the registry host (`realm host "x" does not
 *    match original host "y"`);
 *  - bodies are bounded: manifests REG_MANIFEST_MAX, token responses
 *    REG_TOKEN_BODY_MAX, blob GETs exactly the bytes asked for (more is an
 *    error, fewer is an error), error bodies REG_ERRBODY_MAX;
 *  - a transfer slower than opts.low_speed_limit bytes/s for
 *    opts.low_speed_time_s seconds is aborted (a hanging registry).
 *
 * Ownership and threads: a struct reg_client owns one curl handle, its
 * options and the last token; it is used by one thread at a time. For
 * parallel parts take one clone per worker (reg_client_clone); clones share
 * the parent's read-only ed25519 key, so the parent must outlive them.
 * Strings returned through char ** are malloc'ed and freed by the caller.
 */
#ifndef COLA_STORE_REGISTRY_H
#define COLA_STORE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define REG_MANIFEST_MAX (4u << 20)     /* bytes of a manifest body */
#define REG_TOKEN_BODY_MAX (64u << 10)  /* bytes of a token response */
#define REG_ERRBODY_MAX 256             /* bytes of a body quoted in an error */
#define REG_HEADER_MAX 8192             /* bytes of one kept response header */
#define REG_HOST_MAX 350
#define REG_PART_MAX 80

#define REG_MEDIA_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* Called with the bytes moved so far by this call; return nonzero to cancel
 * (the call then fails with COLA_ECANCELED). Called at least once a second
 * while a transfer runs, also while it stalls. */
typedef int (*reg_progress_fn)(void *ud, uint64_t done);

struct reg_opts {
    bool insecure;             /* talk plain http instead of https */
    const char *key_path;      /* OpenSSH ed25519 key for signed token requests;
                                  NULL or a missing file: unsigned requests */
    long connect_timeout_s;    /* 0: 30 */
    long low_speed_time_s;     /* 0: 30 — abort below low_speed_limit this long */
    long low_speed_limit;      /* 0: 1 byte/s */
    long small_timeout_s;      /* 0: 120 — whole-request cap except blob bodies */
    int max_redirects;         /* 0: 10 */
    const char *ca_file;       /* NULL: system CAs (tests may point elsewhere) */
};

/* A repository: where /v2/<ns>/<model>/ lives. Filled by reg_repo_init. */
struct reg_repo {
    char scheme[6];                 /* "http" or "https" */
    char host[REG_HOST_MAX + 1];    /* host[:port] */
    char ns[REG_PART_MAX + 1];
    char model[REG_PART_MAX + 1];
};

/* scheme may be NULL (https), "https" or "http"; "http" without insecure is
 * COLA_EINVAL "insecure protocol http"; insecure turns https into http.
 * host is [A-Za-z0-9._:-]{1,350} (an IPv6 literal in brackets is allowed),
 * ns and model [A-Za-z0-9_.-]{1,80}. */
int reg_repo_init(struct reg_repo *r, const char *scheme, const char *host, const char *ns,
                  const char *model, bool insecure, struct cola_err *err);

enum reg_url_kind {
    REG_URL_MANIFEST, /* ref = tag:    .../manifests/<tag> */
    REG_URL_BLOB,     /* ref = digest: .../blobs/<sha256:hex> */
    REG_URL_UPLOADS,  /* ref unused:   .../blobs/uploads/ */
};

/* The URL of kind/ref in repo, malloc'ed in *out. Invalid tag or digest →
 * COLA_EINVAL ("invalid digest format" for digests). */
int reg_url(const struct reg_repo *r, enum reg_url_kind kind, const char *ref, char **out,
            struct cola_err *err);

struct reg_client;

int reg_client_new(const struct reg_opts *o, struct reg_client **out, struct cola_err *err);
/* A client with the same options, key (shared, see above) and token. */
int reg_client_clone(const struct reg_client *c, struct reg_client **out, struct cola_err *err);
void reg_client_free(struct reg_client *c);

/* ------------------------------------------------------------ pull */

/* GET the manifest of tag; *body (NUL-terminated, len excludes the NUL) is
 * exactly the bytes the registry sent. */
int reg_manifest_get(struct reg_client *c, const struct reg_repo *r, const char *tag, char **body,
                     size_t *len, struct cola_err *err);

/* HEAD a blob: *size from Content-Length. 404 → COLA_ENOTFOUND. */
int reg_blob_head(struct reg_client *c, const struct reg_repo *r, const char *digest,
                  uint64_t *size, struct cola_err *err);

/* GET bytes [off, off+len) of a blob (Range: bytes=off-(off+len-1)) and
 * pwrite them to fd at the same offsets. len must be > 0. *written (may be
 * NULL) = bytes written, also on failure, so a caller can resume at
 * off+*written. A registry that sends more or fewer bytes, or a range that
 * does not start at off, fails with COLA_EIO and a message saying so. */
int reg_blob_get(struct reg_client *c, const struct reg_repo *r, const char *digest, int fd,
                 uint64_t off, uint64_t len, reg_progress_fn cb, void *ud, uint64_t *written,
                 struct cola_err *err);

/* ------------------------------------------------------------ push */

/* PUT a manifest (Content-Type REG_MEDIA_MANIFEST). */
int reg_manifest_put(struct reg_client *c, const struct reg_repo *r, const char *tag,
                     const void *body, size_t len, struct cola_err *err);

/* POST .../blobs/uploads/; with mount_from ("ns/model") the request asks
 * for a cross-repository mount of digest (?mount=<digest>&from=<ns/model>).
 * 201 → *mounted = true, *upload_url = NULL: nothing to upload. Else
 * *upload_url = the absolute upload URL (Docker-Upload-Location, else
 * Location, resolved against the request URL). */
int reg_upload_start(struct reg_client *c, const struct reg_repo *r, const char *digest,
                     const char *mount_from, bool *mounted, char **upload_url,
                     struct cola_err *err);

/* PATCH bytes [off, off+len) of fd to upload_url with Content-Range
 * "<off>-<off+len-1>". *next_url = the upload URL for the next part (from the
 * response, else a copy of upload_url). A 307 answer is followed as Ollama
 * does: the part is PUT to the Location instead. */
int reg_upload_part(struct reg_client *c, const char *upload_url, int fd, uint64_t off,
                    uint64_t len, reg_progress_fn cb, void *ud, char **next_url,
                    struct cola_err *err);

/* PUT <upload_url>?digest=<digest>[&etag=<etag>] with an empty body: the
 * registry checks the digest and commits the blob. */
int reg_upload_finish(struct reg_client *c, const char *upload_url, const char *digest,
                      const char *etag, struct cola_err *err);

/* ------------------------------------------------------------ pieces (tested on their own) */

struct reg_challenge {
    char realm[2048];
    char service[512];
    char scope[2048];
};

/* Parse `Bearer realm="...",service="...",scope="..."` (scheme case-
 * insensitive, quoted or bare values, commas between, keys in any order).
 * COLA_EFORMAT when it is not a Bearer challenge, has no realm, or a value
 * is too long. */
int reg_challenge_parse(const char *hdr, struct reg_challenge *out, struct cola_err *err);

/* The token request URL: realm's own query + service, one scope per
 * space-separated word, ts, nonce, keys sorted and query-escaped as Go's
 * url.Values.Encode does. */
int reg_token_url(const struct reg_challenge *ch, long long ts, const char *nonce, char **out,
                  struct cola_err *err);

/* The bytes Ollama signs for a token request:
 * "GET,<url>,<base64(hex(sha256("")))>" (malloc'ed). */
char *reg_token_sign_data(const char *url);

/* host[:port] of an absolute URL (lowercase host), malloc'ed; NULL if the
 * URL does not parse. */
char *reg_url_host(const char *url);

/* Resolve a redirect's Location against the URL that answered and apply the
 * redirect rules: http/https only, no https → http. *to malloc'ed,
 * *cross_host = its host differs from origin_host. */
int reg_redirect_target(const char *from, const char *location, const char *origin_host,
                        char **to, bool *cross_host, struct cola_err *err);

/* Ollama's error text for a status and body: "<code>: <body>" (truncated,
 * non-printable bytes as '?'), into out. */
void reg_status_text(long status, const char *body, size_t body_len, char *out, size_t n);

/* "<start>-<end>" for bytes [off, off+len), len > 0. */
void reg_content_range(uint64_t off, uint64_t len, char out[48]);

#endif
