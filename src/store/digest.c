#include "store/digest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

bool digest_valid(const char *s)
{
    if (!s || strncmp(s, "sha256", 6) != 0 || (s[6] != ':' && s[6] != '-'))
        return false;
    for (int i = 0; i < DIGEST_HEX_LEN; i++) {
        const char c = s[7 + i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return s[7 + DIGEST_HEX_LEN] == '\0';
}

static int digest_with(const char *s, char sep, char out[DIGEST_STR_LEN + 1],
                       struct cola_err *err)
{
    if (!digest_valid(s))
        return err_set(err, COLA_EINVAL, "invalid digest format");
    memcpy(out, s, DIGEST_STR_LEN + 1);
    out[6] = sep;
    return 0;
}

int digest_canonical(const char *s, char out[DIGEST_STR_LEN + 1], struct cola_err *err)
{
    return digest_with(s, ':', out, err);
}

int digest_blob_name(const char *s, char out[DIGEST_STR_LEN + 1], struct cola_err *err)
{
    return digest_with(s, '-', out, err);
}

int sha256_init(struct sha256 *h)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    h->md = c;
    if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
        sha256_free(h);
        return COLA_ENOMEM;
    }
    return 0;
}

int sha256_update(struct sha256 *h, const void *data, size_t n)
{
    return EVP_DigestUpdate(h->md, data, n) == 1 ? 0 : COLA_EIO;
}

int sha256_final(struct sha256 *h, char out[DIGEST_STR_LEN + 1])
{
    unsigned char md[32];
    unsigned len = 0;
    const int ok = EVP_DigestFinal_ex(h->md, md, &len) == 1 && len == 32;
    sha256_free(h);
    if (!ok)
        return COLA_EIO;
    static const char hex[] = "0123456789abcdef";
    memcpy(out, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[8 + 2 * i] = hex[md[i] & 15];
    }
    out[DIGEST_STR_LEN] = '\0';
    return 0;
}

void sha256_free(struct sha256 *h)
{
    EVP_MD_CTX_free(h->md);
    h->md = NULL;
}

int sha256_buf(const void *data, size_t n, char out[DIGEST_STR_LEN + 1])
{
    struct sha256 h;
    int rc = sha256_init(&h);
    if (rc)
        return rc;
    if ((rc = sha256_update(&h, data, n))) {
        sha256_free(&h);
        return rc;
    }
    return sha256_final(&h, out);
}

int sha256_file(const char *path, char out[DIGEST_STR_LEN + 1], uint64_t *size,
                struct cola_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(err, COLA_EIO, "open %s: %s", path, strerror(errno));
    struct sha256 h;
    if (sha256_init(&h)) {
        fclose(f);
        return err_set(err, COLA_ENOMEM, "cannot start SHA-256");
    }
    unsigned char chunk[1 << 16];
    uint64_t total = 0;
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        sha256_update(&h, chunk, n);
        total += n;
    }
    const int bad = ferror(f);
    fclose(f);
    if (bad) {
        sha256_free(&h);
        return err_set(err, COLA_EIO, "read %s: %s", path, strerror(errno));
    }
    if (size)
        *size = total;
    if (sha256_final(&h, out))
        return err_set(err, COLA_EIO, "SHA-256 of %s failed", path);
    return 0;
}
