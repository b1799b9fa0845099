/* goscan.h — Go's encoding/json syntax errors, word for word.
 *
 * Ollama decodes request bodies with json.NewDecoder(body).Decode(&req) and
 * answers a malformed body with 400 and the decoder's error text; clients
 * and scripts match on those texts. goscan_first_value() runs Go's scanner
 * state machine over the first JSON value of a body and reports what
 * Decode would:
 *
 *   GOSCAN_OK     a complete value (anything after it is not looked at,
 *                 as Decode reads one value); *end gets its length
 *   GOSCAN_EMPTY  only whitespace (Decode's io.EOF; Ollama: "missing
 *                 request body")
 *   GOSCAN_EOF    the input ends inside the value ("unexpected EOF")
 *   GOSCAN_SYNTAX msg = "invalid character 'x' looking for beginning of
 *                 value" and the rest of Go's scanner messages, the
 *                 character quoted as Go's quoteChar does
 *   GOSCAN_DEPTH  nesting deeper than GOSCAN_MAX_DEPTH ("invalid character '['
 *                 exceeded max depth")
 *
 * Pure; bounded by the input length; no allocation.
 */
#ifndef COLA_UTIL_GOSCAN_H
#define COLA_UTIL_GOSCAN_H

#include <stddef.h>

#define GOSCAN_MAX_DEPTH 10000

enum goscan_result { GOSCAN_OK, GOSCAN_EMPTY, GOSCAN_EOF, GOSCAN_SYNTAX, GOSCAN_DEPTH };

enum goscan_result goscan_first_value(const char *s, size_t n, size_t *end, char *msg, size_t cap);

#endif
