/* sshkey.h — the ed25519 identity Ollama signs registry token requests with.
 *
 * Ollama keeps an OpenSSH private key in ~/.ollama/id_ed25519. This module
 * reads that file (PEM armour around the "openssh-key-v1" container; only
 * unencrypted keys, cipher and kdf "none", one key of type "ssh-ed25519"),
 * and signs bytes with it through libcrypto's EVP ED25519.
 *
 * openssh-key-v1 layout (all integers big-endian u32, "string" = u32 length +
 * bytes), after base64-decoding the text between the BEGIN/END lines:
 *   "openssh-key-v1\0"
 *   string ciphername  ("none")     string kdfname ("none")
 *   string kdfoptions  ("")         u32 number of keys (1)
 *   string public key blob  = string "ssh-ed25519" + string pub[32]
 *   string private section  = u32 check1, u32 check2 (equal),
 *                             string "ssh-ed25519", string pub[32],
 *                             string priv[64] (seed[32] + pub[32]),
 *                             string comment, padding 1,2,3,...
 * Every length is checked against what is left before it is used; anything
 * else is COLA_EFORMAT (or COLA_EUNSUPPORTED for encrypted/other keys).
 *
 * Ownership: sshkey_load/sshkey_parse return a key the caller frees with
 * sshkey_free. A loaded key is read-only and may be used from several
 * threads at once.
 */
#ifndef COLA_STORE_SSHKEY_H
#define COLA_STORE_SSHKEY_H

#include <stddef.h>

#include "util/err.h"

#define SSHKEY_FILE_MAX (64 * 1024) /* a key file is a few hundred bytes */

struct sshkey;

/* Parse the text of an OpenSSH private key file. */
int sshkey_parse(const char *text, size_t len, struct sshkey **out, struct cola_err *err);

/* Read and parse a key file. A missing file is COLA_ENOTFOUND. */
int sshkey_load(const char *path, struct sshkey **out, struct cola_err *err);

void sshkey_free(struct sshkey *k);

/* The base64 public key blob: the second field of the ".pub" line
 * ("ssh-ed25519 <this> comment"). Borrowed, lives as long as k. */
const char *sshkey_public_b64(const struct sshkey *k);

/* The raw 32-byte public key. Borrowed. */
const unsigned char *sshkey_public_raw(const struct sshkey *k);

/* Sign data; *sig_b64 = standard base64 (padded) of the 64-byte signature,
 * malloc'ed, caller frees. */
int sshkey_sign_b64(const struct sshkey *k, const void *data, size_t n, char **sig_b64,
                    struct cola_err *err);

/* Standard base64 (padded) of n bytes, malloc'ed; NULL on ENOMEM. */
char *sshkey_b64_encode(const void *data, size_t n);

/* Decode standard base64, skipping ASCII whitespace. *out is malloc'ed.
 * Returns 0 or COLA_EFORMAT / COLA_ENOMEM. */
int sshkey_b64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len);

#endif
