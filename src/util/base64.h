/* base64.h — decoding RFC 4648 standard base64 with '=' padding, as Go's
 * encoding/json reads a []byte (Ollama's images). Strict: the length must
 * be a multiple of 4 and every character in the alphabet; '=' only at the
 * end. */
#ifndef COLA_UTIL_BASE64_H
#define COLA_UTIL_BASE64_H

#include <stddef.h>

#include "util/err.h"

/* The 6-bit value of a base64 character, -1 outside the alphabet. */
int base64_value(unsigned char c);
/* An upper bound of the decoded size of len characters. */
size_t base64_decoded_max(size_t len);
/* Decode len characters of s into out (at least base64_decoded_max(len)
 * bytes); *out_len receives the byte count. 0 or COLA_EFORMAT. */
int base64_decode(const char *s, size_t len, unsigned char *out, size_t *out_len);

#endif
