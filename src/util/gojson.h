/* gojson.h — JSON text byte-identical to Go's encoding/json Encoder.
 *
 * Ollama writes every JSON blob of the model store (config, params, messages,
 * manifest) with json.NewEncoder(w).Encode(v); the blobs are named by their
 * SHA-256, so cola must produce the very same bytes to make the same digests.
 * This module serialises a jansson value the way Go serialises the equivalent
 * Go value (Go 1.22 and later, which Ollama is built with):
 *
 *   - compact: no space after ',' or ':';
 *   - objects in the jansson object's insertion order (callers build
 *     struct-like objects in field declaration order), or, with
 *     GOJSON_SORT_KEYS, every object as a Go map: keys sorted byte-wise;
 *   - strings: `"` and `\` escaped with a backslash; \b \f \n \r \t in their
 *     short forms; other bytes below 0x20 as \u00XX (lowercase hex); with HTML
 *     escaping (the default) < > & as \u003c \u003e \u0026; U+2028 and U+2029
 *     as \u2028 \u2029; every byte that does not start a well-formed UTF-8
 *     sequence as \ufffd (one per byte, as utf8.DecodeRune steps); DEL and all
 *     other valid UTF-8 as is;
 *   - json_real as Go float64: shortest digits that read back to the same
 *     double; plain notation ('f') for 1e-6 <= |x| < 1e21 and for zero,
 *     exponent notation otherwise with a two-digit minimum exponent whose
 *     leading zero is dropped for negative exponents ("1e-7", "1e+21",
 *     "1.5e+300"); -0 is "-0"; NaN and infinities are an error;
 *   - json_integer as Go int64, or, with GOJSON_INT_AS_FLOAT, as the float64
 *     Go holds for a number decoded into an `any` (1 -> "1",
 *     9007199254740993 -> "9007199254740992");
 *   - true, false, null; arrays in order;
 *   - GOJSON_NEWLINE adds the "\n" that Encoder.Encode writes after a value.
 *
 * Output is appended to a bounded struct buf; on any failure the buffer is
 * restored to its previous length. Nesting deeper than GOJSON_MAX_DEPTH is
 * refused. Pure functions of their arguments; thread-safe.
 */
#ifndef COLA_UTIL_GOJSON_H
#define COLA_UTIL_GOJSON_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define GOJSON_MAX_DEPTH 512

enum gojson_flag {
    GOJSON_SORT_KEYS = 1u << 0,      /* objects are Go maps: keys sorted byte-wise */
    GOJSON_INT_AS_FLOAT = 1u << 1,   /* integers are float64 (map[string]any from JSON) */
    GOJSON_NEWLINE = 1u << 2,        /* Encoder.Encode's trailing "\n" */
    GOJSON_NO_HTML_ESCAPE = 1u << 3, /* Encoder.SetEscapeHTML(false) */
};

/* Append the Go encoding of v (flags: enum gojson_flag) to out.
 * Returns 0; COLA_EINVAL for a NaN/Inf number or a NULL value; COLA_ERANGE
 * past GOJSON_MAX_DEPTH; COLA_ENOMEM when out's maximum is reached. */
int gojson_encode(const json_t *v, unsigned flags, struct buf *out, struct cola_err *err);

/* Append the Go encoding of a string of len bytes (any bytes, NUL included).
 * Only GOJSON_NO_HTML_ESCAPE of flags matters. 0 or COLA_ENOMEM. */
int gojson_append_string(struct buf *out, const char *s, size_t len, unsigned flags);

/* Append x as Go encodes a float64. 0, COLA_EINVAL (NaN/Inf), COLA_ENOMEM. */
int gojson_append_float(struct buf *out, double x);

/* Format x as Go's strconv.FormatFloat(x, fmt, -1, 64) for fmt 'e' or 'f'
 * (shortest round-trip digits) into dst (at least 32 bytes). Returns the
 * length, or -1 for NaN/Inf or a too small dst. */
int gojson_format_float(double x, char fmt, char *dst, size_t n);

#endif
