/* store.h — the on-disk model store, in Ollama's exact layout (STORE.md §1):
 *
 *   <root>/manifests/<host>/<namespace>/<model>/<tag>   one manifest per tag
 *   <root>/blobs/sha256-<64 hex>                       content-addressed blobs
 *
 * root is $OLLAMA_MODELS or ~/.ollama/models (store_root_default); every
 * function takes an opened struct store so tests can use a temp directory.
 *
 * Safety rules kept by every function here:
 *  - A digest reaches a path only after digest_valid() (^sha256[:-][0-9a-f]{64}$),
 *    and a name only after name_valid(); no input can name a file outside
 *    the store.
 *  - Writes are atomic: blobs are written to blobs/sha256-<random>, fsync'ed,
 *    hashed while written and renamed to their digest name only after the
 *    digest matched; manifests go through fs_write_atomic(). A failure leaves
 *    the store as it was (a stray temp file at most, which store_prune()
 *    removes).
 *  - Names are looked up case-insensitively part by part, keeping the casing
 *    already on disk, so "Llama3" and "llama3" are one model with one file.
 *  - Corrupt manifests are reported with log_warn and skipped by listings;
 *    blob garbage collection (delete, prune) is skipped entirely while any
 *    manifest cannot be read, so a blob is never deleted on a guess.
 *
 * Returns: 0 or a negative COLA_E* code with words in err (first error wins).
 * Not synchronised: two processes writing the same name race like Ollama's
 * (last rename wins, never a torn file).
 */
#ifndef COLA_STORE_STORE_H
#define COLA_STORE_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "store/digest.h"
#include "store/manifest.h"
#include "store/name.h"
#include "util/err.h"

#define STORE_CONFIG_MAX ((size_t)1 << 20) /* bytes of a config blob we read */
#define STORE_PRUNE_GRACE_S 3600           /* Ollama's layerPruneGracePeriod */

struct store {
    char root[PATH_MAX];
    char blobs[PATH_MAX];
    char manifests[PATH_MAX];
};

/* $OLLAMA_MODELS (trimmed of spaces and surrounding quotes, as Ollama's
 * envconfig does) or $HOME/.ollama/models. */
int store_root_default(char *out, size_t cap, struct cola_err *err);
/* Use root (NULL = store_root_default()); creates root, blobs/ and
 * manifests/ (0755) when missing. */
int store_open(struct store *s, const char *root, struct cola_err *err);

/* ------------------------------------------------------------------ blobs */

/* <root>/blobs/sha256-<hex> of a valid digest ("invalid digest format"). */
int store_blob_path(const struct store *s, const char *digest, char *out, size_t cap,
                    struct cola_err *err);
/* Whether a valid digest's blob exists as a regular file. */
bool store_blob_exists(const struct store *s, const char *digest);
/* Store the bytes read from fd / the file at path / a buffer as a blob.
 * want: the expected digest, or NULL to accept whatever the bytes hash to.
 * On a mismatch nothing is named and the error is "digest mismatch,
 * expected \"<want>\", got \"<got>\"" (COLA_EFORMAT). got (may be NULL)
 * receives "sha256:<hex>", size (may be NULL) the byte count. */
int store_blob_put_fd(const struct store *s, int fd, const char *want,
                      char got[DIGEST_STR_LEN + 1], uint64_t *size, struct cola_err *err);
int store_blob_put_file(const struct store *s, const char *path, const char *want,
                        char got[DIGEST_STR_LEN + 1], uint64_t *size, struct cola_err *err);
/* The same, calling fn(user, bytes copied so far) after every chunk (1 MiB)
 * for a progress display. */
typedef void (*store_copy_fn)(void *user, uint64_t done);
int store_blob_put_fd_cb(const struct store *s, int fd, const char *want,
                         char got[DIGEST_STR_LEN + 1], uint64_t *size, store_copy_fn fn,
                         void *user, struct cola_err *err);
int store_blob_put_file_cb(const struct store *s, const char *path, const char *want,
                           char got[DIGEST_STR_LEN + 1], uint64_t *size, store_copy_fn fn,
                           void *user, struct cola_err *err);
int store_blob_put_buf(const struct store *s, const void *data, size_t n, const char *want,
                       char got[DIGEST_STR_LEN + 1], struct cola_err *err);

/* -------------------------------------------------------------- manifests */

/* The manifest path of n with each existing part's on-disk casing (resolved,
 * may be NULL). Succeeds whether or not the manifest exists; COLA_EINVAL for
 * an invalid name. */
int store_manifest_resolve(const struct store *s, const struct model_name *n,
                           struct model_name *resolved, char *path, size_t cap,
                           struct cola_err *err);
/* The raw bytes of n's manifest (malloc'ed, NUL appended; caller frees).
 * COLA_ENOTFOUND when there is none. resolved may be NULL. */
int store_manifest_read(const struct store *s, const struct model_name *n, char **data,
                        size_t *len, struct model_name *resolved, struct cola_err *err);
/* Read and parse n's manifest; digest_hex (may be NULL) gets the sha256 hex of
 * its bytes (Ollama's model "digest"). */
int store_manifest_load(const struct store *s, const struct model_name *n, struct manifest *m,
                        char digest_hex[DIGEST_HEX_LEN + 1], struct cola_err *err);
/* Write data as n's manifest, byte for byte, atomically, after checking that
 * it parses (every digest valid). An existing manifest of the same name in
 * other casing is replaced, never duplicated. */
int store_manifest_write(const struct store *s, const struct model_name *n, const void *data,
                         size_t len, struct cola_err *err);

/* ---------------------------------------------------------------- models */

struct store_model {
    struct model_name name;                /* on-disk spelling */
    char display[NAME_STR_MAX];            /* name_display_shortest */
    char digest[DIGEST_HEX_LEN + 1];       /* sha256 hex of the manifest bytes */
    int64_t size;                          /* layers + config */
    struct timespec mtime;                 /* of the manifest file */
    bool remote;                           /* config names a remote model (cloud stub) */
};

struct store_list {
    struct store_model *models;            /* newest first, then by display name */
    size_t n;
    size_t n_skipped;                      /* bad names / corrupt manifests / configs */
};

/* Every model: manifests/ * / * / * / * (exactly four levels) whose path is a
 * valid name and whose manifest and config parse; the rest are logged with
 * log_warn and counted in n_skipped. */
int store_list(const struct store *s, struct store_list *out, struct cola_err *err);
void store_list_free(struct store_list *l);

/* Remove n's manifest (and the directories it leaves empty), then every blob
 * of it (config included) that no other manifest references. COLA_ENOTFOUND
 * when n has no manifest. A corrupt manifest of n is removed too (its blobs
 * are left to store_prune). */
int store_delete(const struct store *s, const struct model_name *n, struct cola_err *err);
/* Remove every blob of m (config included) that no manifest in the store
 * references now: what a model's replaced manifest, or a failed create,
 * leaves behind. Nothing is removed while any manifest is corrupt. */
int store_release_blobs(const struct store *s, const struct manifest *m, struct cola_err *err);
/* Copy src's manifest bytes to dst (blobs are shared, not copied).
 * COLA_ENOTFOUND when src has no manifest. */
int store_copy(const struct store *s, const struct model_name *src,
               const struct model_name *dst, struct cola_err *err);

struct store_prune_stats {
    size_t blobs_removed;    /* unreferenced blobs */
    size_t stale_removed;    /* files in blobs/ that are not digests (-partial*, temp files) */
    size_t legacy_renamed;   /* "sha256:<hex>" files renamed to "sha256-<hex>" */
    bool skipped;            /* a manifest was corrupt: nothing was removed */
};

/* Ollama's start-up clean-up: rename legacy "sha256:<hex>" blob names, then,
 * unless a manifest is corrupt, delete every file in blobs/ older than
 * grace_s seconds that is either not a valid digest name or a blob no
 * manifest references, and remove empty directories under manifests/. */
int store_prune(const struct store *s, int64_t grace_s, struct store_prune_stats *st,
                struct cola_err *err);

#endif
