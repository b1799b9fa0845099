/* gojson.c — Go encoding/json's Encoder output for jansson values (gojson.h).
 *
 * Sections: strings, floats (shortest digits + Go's layout), values.
 */
#include "util/gojson.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";

/* ================================================================ strings */

/* Length of the well-formed UTF-8 sequence starting at s[0] (s[0] >= 0x80),
 * or 0 when it is not one. Follows utf8.DecodeRune: surrogates, overlong
 * forms and code points past U+10FFFF are ill-formed. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return need;
}

/* Whether the ASCII byte c is written as is. */
static int ascii_plain(unsigned char c, int html)
{
    if (c < 0x20 || c == '"' || c == '\\')
        return 0;
    if (html && (c == '<' || c == '>' || c == '&'))
        return 0;
    return 1;
}

static int put_escape(struct buf *out, unsigned char c)
{
    char e[6] = {'\\', 0, 0, 0, 0, 0};
    switch (c) {
    case '"': e[1] = '"'; return buf_append(out, e, 2);
    case '\\': e[1] = '\\'; return buf_append(out, e, 2);
    case '\b': e[1] = 'b'; return buf_append(out, e, 2);
    case '\f': e[1] = 'f'; return buf_append(out, e, 2);
    case '\n': e[1] = 'n'; return buf_append(out, e, 2);
    case '\r': e[1] = 'r'; return buf_append(out, e, 2);
    case '\t': e[1] = 't'; return buf_append(out, e, 2);
    default:
        e[1] = 'u';
        e[2] = '0';
        e[3] = '0';
        e[4] = hexdig[c >> 4];
        e[5] = hexdig[c & 15];
        return buf_append(out, e, 6);
    }
}

static int append_string_body(struct buf *out, const unsigned char *s, size_t n, int html)
{
    size_t start = 0, i = 0;
    int rc = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (ascii_plain(c, html)) {
                i++;
                continue;
            }
            if ((rc = buf_append(out, s + start, i - start)) || (rc = put_escape(out, c)))
                return rc;
            start = ++i;
            continue;
        }
        size_t k = utf8_seq_len(s + i, n - i);
        if (k == 0) {
            if ((rc = buf_append(out, s + start, i - start)) || (rc = buf_puts(out, "\\ufffd")))
                return rc;
            start = ++i;
            continue;
        }
        /* U+2028 / U+2029 are E2 80 A8 / E2 80 A9 */
        if (k == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] & 0xFE) == 0xA8) {
            if ((rc = buf_append(out, s + start, i - start)) ||
                (rc = buf_puts(out, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029")))
                return rc;
            i += 3;
            start = i;
            continue;
        }
        i += k;
    }
    return buf_append(out, s + start, n - start);
}

int gojson_append_string(struct buf *out, const char *s, size_t len, unsigned flags)
{
    size_t mark = out->len;
    int html = !(flags & GOJSON_NO_HTML_ESCAPE);
    int rc = buf_putc(out, '"');
    if (!rc)
        rc = append_string_body(out, (const unsigned char *)s, len, html);
    if (!rc)
        rc = buf_putc(out, '"');
    if (rc) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}

/* ================================================================ floats */

/* Shortest decimal digits of x (finite, > 0) that read back as x:
 * x ~= 0.d[0]d[1]..d[nd-1] * 10^dp. At each length the correctly rounded
 * candidate is tried first, then the one a unit above it: next to a power of
 * two the interval that rounds to x is narrower below x than above, so the
 * nearest candidate can miss while the next one up still reads back as x
 * (Go's Ryū-based shortest formatting finds that one). */
static void shortest_digits(double x, char d[20], int *nd, int *dp)
{
    char tmp[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        /* tmp is "D[.DDD]e[+-]XX" */
        int k = 0;
        const char *q = tmp;
        for (; *q && *q != 'e'; q++)
            if (*q >= '0' && *q <= '9')
                d[k++] = *q;
        int e = atoi(q + 1);
        int ok = strtod(tmp, NULL) == x;
        if (!ok && p < 17) {
            int j = k - 1;
            while (j >= 0 && d[j] == '9')
                d[j--] = '0';
            if (j >= 0) {
                d[j]++;
            } else { /* 99..9 + 1 = 100..0: one more place before the point */
                d[0] = '1';
                e++;
            }
            /* read back as 0.ddd * 10^(e+1) */
            snprintf(tmp, sizeof tmp, "0.%.*se%d", k, d, e + 1);
            ok = strtod(tmp, NULL) == x;
        }
        if (ok || p == 17) {
            while (k > 1 && d[k - 1] == '0')
                k--;
            *nd = k;
            *dp = e + 1;
            return;
        }
    }
}

int gojson_format_float(double x, char fmt, char *dst, size_t n)
{
    if (isnan(x) || isinf(x) || (fmt != 'e' && fmt != 'f'))
        return -1;
    char tmp[400];
    size_t o = 0;
    if (signbit(x))
        tmp[o++] = '-';
    x = fabs(x);
    char d[20];
    int nd = 1, dp = 1;
    if (x == 0)
        d[0] = '0';
    else
        shortest_digits(x, d, &nd, &dp);
    if (fmt == 'e') {
        tmp[o++] = d[0];
        if (nd > 1) {
            tmp[o++] = '.';
            memcpy(tmp + o, d + 1, (size_t)nd - 1);
            o += (size_t)nd - 1;
        }
        int e = x == 0 ? 0 : dp - 1;
        o += (size_t)snprintf(tmp + o, sizeof tmp - o, "e%c%02d", e < 0 ? '-' : '+', abs(e));
    } else if (dp <= 0) {
        tmp[o++] = '0';
        tmp[o++] = '.';
        for (int i = 0; i < -dp; i++)
            tmp[o++] = '0';
        memcpy(tmp + o, d, (size_t)nd);
        o += (size_t)nd;
    } else {
        for (int i = 0; i < dp || i < nd; i++) {
            if (i == dp)
                tmp[o++] = '.';
            tmp[o++] = i < nd ? d[i] : '0';
        }
    }
    if (o + 1 > n)
        return -1;
    memcpy(dst, tmp, o);
    dst[o] = '\0';
    return (int)o;
}

int gojson_append_float(struct buf *out, double x)
{
    if (isnan(x) || isinf(x))
        return COLA_EINVAL;
    double a = fabs(x);
    char fmt = (a != 0 && (a < 1e-6 || a >= 1e21)) ? 'e' : 'f';
    char s[48];
    int n = gojson_format_float(x, fmt, s, sizeof s);
    if (n < 0)
        return COLA_EINVAL;
    /* Go drops the leading zero of a negative two-digit exponent: e-07 -> e-7 */
    if (fmt == 'e' && n >= 4 && s[n - 4] == 'e' && s[n - 3] == '-' && s[n - 2] == '0') {
        s[n - 2] = s[n - 1];
        s[--n] = '\0';
    }
    return buf_append(out, s, (size_t)n);
}

/* ================================================================ values */

struct key_ref {
    const char *key;
    size_t len;
    json_t *val;
};

static int key_cmp(const void *a, const void *b)
{
    const struct key_ref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static int encode_value(const json_t *v, unsigned flags, int depth, struct buf *out,
                        struct cola_err *err);

static int encode_object(const json_t *v, unsigned flags, int depth, struct buf *out,
                         struct cola_err *err)
{
    size_t n = json_object_size(v);
    struct key_ref *keys = NULL;
    int rc = 0;
    if (n && !(keys = calloc(n, sizeof *keys)))
        return err_set(err, COLA_ENOMEM, "out of memory encoding a JSON object");
    size_t i = 0;
    for (void *it = json_object_iter((json_t *)v); it && i < n;
         it = json_object_iter_next((json_t *)v, it), i++) {
        keys[i].key = json_object_iter_key(it);
        keys[i].len = json_object_iter_key_len(it);
        keys[i].val = json_object_iter_value(it);
    }
    n = i;
    if ((flags & GOJSON_SORT_KEYS) && n > 1)
        qsort(keys, n, sizeof *keys, key_cmp);
    if ((rc = buf_putc(out, '{')))
        goto out;
    for (i = 0; i < n; i++) {
        if ((i && (rc = buf_putc(out, ','))) ||
            (rc = gojson_append_string(out, keys[i].key, keys[i].len, flags)) ||
            (rc = buf_putc(out, ':')) ||
            (rc = encode_value(keys[i].val, flags, depth + 1, out, err)))
            goto out;
    }
    rc = buf_putc(out, '}');
out:
    free(keys);
    return rc;
}

static int encode_value(const json_t *v, unsigned flags, int depth, struct buf *out,
                        struct cola_err *err)
{
    int rc = 0;
    if (!v)
        return err_set(err, COLA_EINVAL, "json: no value to encode");
    if (depth > GOJSON_MAX_DEPTH)
        return err_set(err, COLA_ERANGE, "json: nesting deeper than %d levels", GOJSON_MAX_DEPTH);
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        rc = encode_object(v, flags, depth, out, err);
        break;
    case JSON_ARRAY:
        rc = buf_putc(out, '[');
        for (size_t i = 0; !rc && i < json_array_size(v); i++) {
            if (i)
                rc = buf_putc(out, ',');
            if (!rc)
                rc = encode_value(json_array_get(v, i), flags, depth + 1, out, err);
        }
        if (!rc)
            rc = buf_putc(out, ']');
        break;
    case JSON_STRING:
        rc = gojson_append_string(out, json_string_value(v), json_string_length(v), flags);
        break;
    case JSON_INTEGER:
        if (flags & GOJSON_INT_AS_FLOAT)
            rc = gojson_append_float(out, (double)json_integer_value(v));
        else
            rc = buf_printf(out, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        rc = gojson_append_float(out, json_real_value(v));
        if (rc == COLA_EINVAL)
            return err_set(err, rc, "json: unsupported value: %g", json_real_value(v));
        break;
    case JSON_TRUE:
        rc = buf_puts(out, "true");
        break;
    case JSON_FALSE:
        rc = buf_puts(out, "false");
        break;
    case JSON_NULL:
        rc = buf_puts(out, "null");
        break;
    }
    if (rc == COLA_ENOMEM)
        return err_set(err, rc, "json: output larger than %zu bytes", out->max);
    return rc;
}

int gojson_encode(const json_t *v, unsigned flags, struct buf *out, struct cola_err *err)
{
    size_t mark = out->len;
    int rc = encode_value(v, flags, 0, out, err);
    if (!rc && (flags & GOJSON_NEWLINE))
        rc = buf_putc(out, '\n');
    if (rc == COLA_ENOMEM)
        err_set(err, rc, "json: output larger than %zu bytes", out->max);
    if (rc) {
        out->len = mark;
        if (out->data)
            out->data[mark] = '\0';
    }
    return rc;
}
