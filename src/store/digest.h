/* digest.h — content digests of the model store: "sha256:<64 hex>" strings,
 * their blob file names, and SHA-256 over memory, streams and files
 * (OpenSSL's libcrypto).
 *
 * A digest that reaches a path is always validated first: the only accepted
 * shape is ^sha256[:-][0-9a-f]{64}$ (the check that closed Ollama's
 * path-traversal CVE-2024-37032), so no digest can name a file outside the
 * blobs directory.
 */
#ifndef COLA_STORE_DIGEST_H
#define COLA_STORE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define DIGEST_HEX_LEN 64
#define DIGEST_STR_LEN 71 /* "sha256:" + 64 hex, without the NUL */

/* Whether s is "sha256:<64 lowercase hex>" or "sha256-<64 lowercase hex>". */
bool digest_valid(const char *s);

/* The canonical "sha256:<hex>" form of a valid digest (either separator).
 * Returns 0, or COLA_EINVAL with "invalid digest format" in err. */
int digest_canonical(const char *s, char out[DIGEST_STR_LEN + 1], struct cola_err *err);

/* The blob file name "sha256-<hex>" of a valid digest. */
int digest_blob_name(const char *s, char out[DIGEST_STR_LEN + 1], struct cola_err *err);

/* Incremental SHA-256. */
struct sha256 {
    void *md; /* EVP_MD_CTX */
};
int sha256_init(struct sha256 *h);
int sha256_update(struct sha256 *h, const void *data, size_t n);
/* Writes "sha256:<hex>" and frees the state (also on failure). */
int sha256_final(struct sha256 *h, char out[DIGEST_STR_LEN + 1]);
/* Frees the state without a result (safe after sha256_final). */
void sha256_free(struct sha256 *h);

/* "sha256:<hex>" of a buffer / of a whole file. */
int sha256_buf(const void *data, size_t n, char out[DIGEST_STR_LEN + 1]);
int sha256_file(const char *path, char out[DIGEST_STR_LEN + 1], uint64_t *size,
                struct cola_err *err);

#endif
