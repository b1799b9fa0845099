/* base64.c — RFC 4648 standard base64 decoding (see base64.h). */
#include "util/base64.h"

int base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

size_t base64_decoded_max(size_t len) { return len / 4 * 3 + 3; }

int base64_decode(const char *s, size_t len, unsigned char *out, size_t *out_len)
{
    if (len % 4 != 0)
        return COLA_EFORMAT;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            const unsigned char c = (unsigned char)s[i + k];
            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad || (v[k] = base64_value(c)) < 0)
                return COLA_EFORMAT; /* a character after '=' or outside the alphabet */
        }
        const unsigned long w = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
                                (unsigned long)v[2] << 6 | (unsigned long)v[3];
        out[o++] = (unsigned char)(w >> 16);
        if (pad < 2)
            out[o++] = (unsigned char)(w >> 8);
        if (pad < 1)
            out[o++] = (unsigned char)w;
    }
    *out_len = o;
    return 0;
}
