/* fuzz_goscan.c — libFuzzer target for goscan (Go's JSON syntax errors), the
 * first thing every daemon request body meets.
 *
 * Invariants checked on every input: the result is one of the five; OK
 * reports an end inside the input after at least one byte; an OK value
 * whose text jansson can represent (no control bytes or escapes, ASCII only, no number
 * with an exponent or fraction, short) is accepted by jansson too and a
 * SYNTAX/EOF verdict is never given to text jansson parses as one whole
 * value of the same length; messages are NUL-terminated within the buffer.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/goscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool plain_ascii(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (d[i] >= 0x80 || d[i] == '\\' || d[i] == '.' || d[i] == 'e' || d[i] == 'E' ||
            (d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' && d[i] != '\r'))
            return false;  /* jansson stops at a NUL byte: no comparison there */
    return n < 256;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char msg[256];
    memset(msg, 'x', sizeof(msg));
    size_t end = 0;
    const enum goscan_result r = goscan_first_value((const char *)data, size, &end, msg, sizeof(msg));
    if (!memchr(msg, '\0', sizeof(msg)))
        abort();
    if (r == GOSCAN_OK && (end == 0 || end > size))
        abort();
    if (r > GOSCAN_DEPTH)
        abort();
    if (!plain_ascii(data, size))
        return 0;
    json_error_t je;
    json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
    if (v && (r == GOSCAN_SYNTAX || r == GOSCAN_EOF))
        abort();  /* jansson read the whole input as one value: Go would too */
    json_decref(v);
    if (r == GOSCAN_OK) {
        v = json_loadb((const char *)data, end, JSON_DECODE_ANY, &je);
        /* huge integers are jansson's only refusal for plain ASCII values */
        if (!v && !strstr(je.text, "too big"))
            abort();
        json_decref(v);
    }
    return 0;
}
