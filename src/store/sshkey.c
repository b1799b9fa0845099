/* sshkey.c — OpenSSH ed25519 private keys: parse the openssh-key-v1
 * container with bounds checks, sign with libcrypto (layout in sshkey.h). */
#include "store/sshkey.h"
#include "util/base64.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define PEM_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define PEM_END "-----END OPENSSH PRIVATE KEY-----"
#define KEY_MAGIC "openssh-key-v1"
#define KEY_TYPE "ssh-ed25519"

struct sshkey {
    EVP_PKEY *pkey;
    unsigned char pub[32];
    char *pub_b64; /* base64 of string "ssh-ed25519" + string pub */
};

/* ------------------------------------------------------------ base64 */

int sshkey_b64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len)
{
    unsigned char *o = malloc(len / 4 * 3 + 3);
    if (!o)
        return COLA_ENOMEM;
    size_t n = 0, pad = 0;
    uint32_t acc = 0;
    int nacc = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = base64_value(c);
        if (v < 0 || pad) /* data after padding is malformed */
            goto bad;
        acc = (acc << 6) | (uint32_t)v;
        if (++nacc == 4) {
            o[n++] = (unsigned char)(acc >> 16);
            o[n++] = (unsigned char)(acc >> 8);
            o[n++] = (unsigned char)acc;
            acc = 0;
            nacc = 0;
        }
    }
    if (nacc == 1 || pad > 2 || (nacc && pad && (size_t)nacc + pad != 4) || (!nacc && pad))
        goto bad;
    if (nacc == 2) {
        o[n++] = (unsigned char)(acc >> 4);
    } else if (nacc == 3) {
        o[n++] = (unsigned char)(acc >> 10);
        o[n++] = (unsigned char)(acc >> 2);
    }
    *out = o;
    *out_len = n;
    return 0;
bad:
    free(o);
    return COLA_EFORMAT;
}

char *sshkey_b64_encode(const void *data, size_t n)
{
    if (n > (SIZE_MAX / 4) - 4)
        return NULL;
    char *o = malloc(4 * ((n + 2) / 3) + 1);
    if (!o)
        return NULL;
    EVP_EncodeBlock((unsigned char *)o, data, (int)n);
    return o;
}

/* ------------------------------------------------------------ reader */

struct rd {
    const unsigned char *p;
    size_t left;
};

static int rd_u32(struct rd *r, uint32_t *v)
{
    if (r->left < 4)
        return COLA_EFORMAT;
    *v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
    r->p += 4;
    r->left -= 4;
    return 0;
}

static int rd_str(struct rd *r, const unsigned char **s, size_t *n)
{
    uint32_t len;
    if (rd_u32(r, &len) || len > r->left)
        return COLA_EFORMAT;
    *s = r->p;
    *n = len;
    r->p += len;
    r->left -= len;
    return 0;
}

static bool str_is(const unsigned char *s, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

/* The private section: check ints, type, pub, seed+pub, comment, padding. */
static int parse_private(struct rd *r, const unsigned char pub[32], unsigned char seed[32],
                         struct cola_err *err)
{
    uint32_t c1, c2;
    const unsigned char *s;
    size_t n;
    if (rd_u32(r, &c1) || rd_u32(r, &c2))
        return err_set(err, COLA_EFORMAT, "ssh key: truncated private section");
    if (c1 != c2)
        return err_set(err, COLA_EFORMAT, "ssh key: check bytes differ (encrypted key?)");
    if (rd_str(r, &s, &n) || !str_is(s, n, KEY_TYPE))
        return err_set(err, COLA_EUNSUPPORTED, "ssh key: only ssh-ed25519 keys are supported");
    if (rd_str(r, &s, &n) || n != 32 || memcmp(s, pub, 32) != 0)
        return err_set(err, COLA_EFORMAT, "ssh key: private section public key mismatch");
    if (rd_str(r, &s, &n) || n != 64 || memcmp(s + 32, pub, 32) != 0)
        return err_set(err, COLA_EFORMAT, "ssh key: bad ed25519 private key");
    memcpy(seed, s, 32);
    if (rd_str(r, &s, &n)) /* comment */
        return err_set(err, COLA_EFORMAT, "ssh key: truncated comment");
    for (size_t i = 0; i < r->left; i++)
        if (r->p[i] != (unsigned char)(i + 1))
            return err_set(err, COLA_EFORMAT, "ssh key: bad padding");
    return 0;
}

/* The decoded container: header fields, public blob, private section. */
static int parse_container(const unsigned char *d, size_t len, struct sshkey *k,
                           unsigned char seed[32], struct cola_err *err)
{
    size_t ml = sizeof(KEY_MAGIC); /* includes the NUL */
    if (len < ml || memcmp(d, KEY_MAGIC, ml) != 0)
        return err_set(err, COLA_EFORMAT, "ssh key: not an openssh-key-v1 key");
    struct rd r = {d + ml, len - ml};
    const unsigned char *s, *pubblob, *priv;
    size_t n, pubblob_n, priv_n;
    uint32_t nkeys;
    if (rd_str(&r, &s, &n))
        return err_set(err, COLA_EFORMAT, "ssh key: truncated header");
    if (!str_is(s, n, "none"))
        return err_set(err, COLA_EUNSUPPORTED, "ssh key: encrypted keys are not supported");
    if (rd_str(&r, &s, &n) || !str_is(s, n, "none") || rd_str(&r, &s, &n))
        return err_set(err, COLA_EUNSUPPORTED, "ssh key: encrypted keys are not supported");
    if (rd_u32(&r, &nkeys) || nkeys != 1)
        return err_set(err, COLA_EFORMAT, "ssh key: expected exactly one key");
    if (rd_str(&r, &pubblob, &pubblob_n) || rd_str(&r, &priv, &priv_n))
        return err_set(err, COLA_EFORMAT, "ssh key: truncated key");
    struct rd pr = {pubblob, pubblob_n};
    if (rd_str(&pr, &s, &n) || !str_is(s, n, KEY_TYPE))
        return err_set(err, COLA_EUNSUPPORTED, "ssh key: only ssh-ed25519 keys are supported");
    if (rd_str(&pr, &s, &n) || n != 32 || pr.left != 0)
        return err_set(err, COLA_EFORMAT, "ssh key: bad ed25519 public key");
    memcpy(k->pub, s, 32);
    struct rd sr = {priv, priv_n};
    int rc = parse_private(&sr, k->pub, seed, err);
    if (rc)
        return rc;
    k->pub_b64 = sshkey_b64_encode(pubblob, pubblob_n);
    if (!k->pub_b64)
        return err_set(err, COLA_ENOMEM, "out of memory");
    return 0;
}

int sshkey_parse(const char *text, size_t len, struct sshkey **out, struct cola_err *err)
{
    *out = NULL;
    if (len > SSHKEY_FILE_MAX)
        return err_set(err, COLA_ERANGE, "ssh key: file too large");
    const char *b = memmem(text, len, PEM_BEGIN, strlen(PEM_BEGIN));
    if (!b)
        return err_set(err, COLA_EFORMAT, "ssh key: no OPENSSH PRIVATE KEY block");
    b += strlen(PEM_BEGIN);
    const char *e = memmem(b, len - (size_t)(b - text), PEM_END, strlen(PEM_END));
    if (!e)
        return err_set(err, COLA_EFORMAT, "ssh key: unterminated key block");
    unsigned char *d = NULL, seed[32];
    size_t dn = 0;
    int rc = sshkey_b64_decode(b, (size_t)(e - b), &d, &dn);
    if (rc)
        return err_set(err, rc, "ssh key: bad base64");
    struct sshkey *k = calloc(1, sizeof(*k));
    if (!k) {
        rc = err_set(err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    rc = parse_container(d, dn, k, seed, err);
    if (rc)
        goto out;
    k->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    if (!k->pkey) {
        rc = err_set(err, COLA_EFORMAT, "ssh key: libcrypto rejected the ed25519 key");
        goto out;
    }
    *out = k;
    k = NULL;
out:
    OPENSSL_cleanse(seed, sizeof(seed));
    if (d) {
        OPENSSL_cleanse(d, dn);
        free(d);
    }
    sshkey_free(k);
    return rc;
}

int sshkey_load(const char *path, struct sshkey **out, struct cola_err *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, errno == ENOENT ? COLA_ENOTFOUND : COLA_EIO, "open %s: %s", path,
                       strerror(errno));
    char *buf = malloc(SSHKEY_FILE_MAX + 1);
    size_t n = 0;
    int rc = 0;
    if (!buf) {
        rc = err_set(err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, SSHKEY_FILE_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = err_set(err, COLA_EIO, "read %s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > SSHKEY_FILE_MAX) {
            rc = err_set(err, COLA_ERANGE, "ssh key: %s is too large", path);
            goto out;
        }
    }
    rc = sshkey_parse(buf, n, out, err);
out:
    if (buf) {
        OPENSSL_cleanse(buf, n);
        free(buf);
    }
    close(fd);
    return rc;
}

void sshkey_free(struct sshkey *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k->pub_b64);
    free(k);
}

const char *sshkey_public_b64(const struct sshkey *k)
{
    return k->pub_b64;
}

const unsigned char *sshkey_public_raw(const struct sshkey *k)
{
    return k->pub;
}

int sshkey_sign_b64(const struct sshkey *k, const void *data, size_t n, char **sig_b64,
                    struct cola_err *err)
{
    *sig_b64 = NULL;
    unsigned char sig[64];
    size_t sig_n = sizeof(sig);
    int rc = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md)
        return err_set(err, COLA_ENOMEM, "out of memory");
    if (EVP_DigestSignInit(md, NULL, NULL, NULL, k->pkey) != 1 ||
        EVP_DigestSign(md, sig, &sig_n, data, n) != 1 || sig_n != sizeof(sig)) {
        rc = err_set(err, COLA_EIO, "ssh key: signing failed");
        goto out;
    }
    *sig_b64 = sshkey_b64_encode(sig, sig_n);
    if (!*sig_b64)
        rc = err_set(err, COLA_ENOMEM, "out of memory");
out:
    EVP_MD_CTX_free(md);
    return rc;
}
