/* gojson: Go encoding/json Encoder output, checked against outputs worked out
 * by hand from Go's encode.go and strconv rules (escapes, HTML escaping,
 * invalid UTF-8, U+2028/9, shortest float digits and Go's e/f switch, the
 * e-07 -> e-7 cleanup, map key order, integers as int64 or float64), plus the
 * buffer limit, the depth limit and NaN. */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/gojson.h"

/* Encode v (stolen) with flags and compare with want. */
static void check_value(json_t *v, unsigned flags, const char *want)
{
    assert_non_null(v);
    struct buf b;
    buf_init(&b, 1 << 20);
    struct cola_err err;
    err_clear(&err);
    int rc = gojson_encode(v, flags, &b, &err);
    if (rc)
        fail_msg("encode failed: %s", err_msg(&err));
    assert_non_null(b.data);
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    buf_free(&b);
    json_decref(v);
}

/* Parse text with jansson (any top-level value) and encode it. */
static void check_json(const char *text, unsigned flags, const char *want)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (!v)
        fail_msg("bad test input %s: %s", text, je.text);
    check_value(v, flags, want);
}

static void check_str(const char *s, size_t n, unsigned flags, const char *want)
{
    check_value(json_stringn_nocheck(s, n), flags, want);
}

static void check_float(double x, const char *want)
{
    check_value(json_real(x), 0, want);
}

static void test_string_escapes(void **state)
{
    (void)state;
    check_str("plain", 5, 0, "\"plain\"");
    check_str("", 0, 0, "\"\"");
    check_str("a\"b\\c/d", 7, 0, "\"a\\\"b\\\\c/d\"");
    /* Go 1.22+ writes \b and \f in their short forms */
    check_str("\b\f\n\r\t", 5, 0, "\"\\b\\f\\n\\r\\t\"");
    check_str("\x01\x1f\x0b", 3, 0, "\"\\u0001\\u001f\\u000b\"");
    check_str("a\0b", 3, 0, "\"a\\u0000b\"");
    check_str("\x7f", 1, 0, "\"\x7f\"");
    /* HTML escaping on by default, off on request */
    check_str("<|endoftext|> & co", 18, 0, "\"\\u003c|endoftext|\\u003e \\u0026 co\"");
    check_str("<a&b>", 5, GOJSON_NO_HTML_ESCAPE, "\"<a&b>\"");
    /* U+2028/U+2029 are escaped unconditionally */
    check_str("x\xe2\x80\xa8y\xe2\x80\xa9", 8, 0, "\"x\\u2028y\\u2029\"");
    check_str("\xe2\x80\xa8", 3, GOJSON_NO_HTML_ESCAPE, "\"\\u2028\"");
    /* valid UTF-8 passes through, U+FFFD itself included */
    check_str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd", 12, 0,
              "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd\"");
}

static void test_string_invalid_utf8(void **state)
{
    (void)state;
    check_str("\xff", 1, 0, "\"\\ufffd\"");
    /* a UTF-8 encoded surrogate: each byte is its own error */
    check_str("\xed\xa0\x80", 3, 0, "\"\\ufffd\\ufffd\\ufffd\"");
    /* overlong NUL, truncated sequence before ASCII, truncated at the end */
    check_str("\xc0\x80", 2, 0, "\"\\ufffd\\ufffd\"");
    check_str("\xe2\x82" "A", 3, 0, "\"\\ufffd\\ufffdA\"");
    check_str("a\xe2\x82", 3, 0, "\"a\\ufffd\\ufffd\"");
    /* past U+10FFFF, and a lone continuation byte between valid text */
    check_str("\xf4\x90\x80\x80", 4, 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    check_str("\xc3\xa9\x80\xc3\xa9", 5, 0, "\"\xc3\xa9\\ufffd\xc3\xa9\"");
    /* highest valid code points of each length */
    check_str("\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf", 9, 0, "\"\xdf\xbf\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
}

static void test_floats(void **state)
{
    (void)state;
    check_float(0.1, "0.1");
    check_float(0.6, "0.6");
    check_float(0.7, "0.7");
    check_float(1.0, "1");
    check_float(0.0, "0");
    check_float(-0.0, "-0");
    check_float(100, "100");
    check_float(-3.25, "-3.25");
    check_float(1.0 / 3.0, "0.3333333333333333");
    check_float(2.0 / 3.0, "0.6666666666666666");
    check_float(0.1 + 0.2, "0.30000000000000004");
    /* the 'f' range is 1e-6 <= |x| < 1e21 */
    check_float(1e-6, "0.000001");
    check_float(1.234e-6, "0.000001234");
    check_float(9.99e-7, "9.99e-7");
    check_float(1e-7, "1e-7");
    check_float(-1.5e-7, "-1.5e-7");
    check_float(1e-10, "1e-10");
    check_float(1e20, "100000000000000000000");
    check_float(123456789012345680000.0, "123456789012345680000");
    check_float(999999999999999900000.0, "999999999999999900000");
    check_float(1e21, "1e+21");
    check_float(-1e21, "-1e+21");
    check_float(1.5e300, "1.5e+300");
    check_float(1e23, "1e+23");
    check_float(5e-324, "5e-324");
    check_float(1.7976931348623157e308, "1.7976931348623157e+308");
    check_float(2.2250738585072014e-308, "2.2250738585072014e-308");
    /* powers of two whose nearest 16-digit decimal does not read back; the
     * shortest one that does lies one unit above */
    check_float(ldexp(1.0, -1017), "7.120236347223045e-307");
    check_float(ldexp(1.0, -1007), "7.291122019556398e-304");
    check_float(ldexp(1.0, 60), "1152921504606847000");

    char s[400];
    assert_int_equal(gojson_format_float(1e-7, 'e', s, sizeof s), 5);
    assert_string_equal(s, "1e-07");
    assert_int_equal(gojson_format_float(0.0, 'e', s, sizeof s), 5);
    assert_string_equal(s, "0e+00");
    assert_int_equal(gojson_format_float(1e-7, 'f', s, sizeof s), 9);
    assert_string_equal(s, "0.0000001");
    assert_int_equal(gojson_format_float(1e22, 'f', s, sizeof s), 23);
    assert_string_equal(s, "10000000000000000000000");
    assert_int_equal(gojson_format_float(1e22, 'f', s, 23), -1);
    assert_int_equal(gojson_format_float(NAN, 'f', s, sizeof s), -1);
    assert_int_equal(gojson_format_float(1.0, 'g', s, sizeof s), -1);
}

static void test_integers(void **state)
{
    (void)state;
    check_value(json_integer(1), 0, "1");
    check_value(json_integer(-42), 0, "-42");
    check_value(json_integer(INT64_MAX), 0, "9223372036854775807");
    check_value(json_integer(INT64_MIN), 0, "-9223372036854775808");
    /* decoded into a Go `any`, a JSON number is a float64 */
    check_value(json_integer(1), GOJSON_INT_AS_FLOAT, "1");
    check_value(json_integer(9007199254740993LL), GOJSON_INT_AS_FLOAT, "9007199254740992");
    check_value(json_integer(INT64_MAX), GOJSON_INT_AS_FLOAT, "9223372036854776000");
    check_value(json_integer(INT64_MIN), GOJSON_INT_AS_FLOAT, "-9223372036854776000");
    check_json("1.0", 0, "1");
    check_json("1e21", 0, "1e+21");
    check_json("0.0000001", 0, "1e-7");
    check_json("[1,1.0,1e2,-0.0]", GOJSON_INT_AS_FLOAT, "[1,1,100,-0]");
}

static void test_containers(void **state)
{
    (void)state;
    check_json("{}", 0, "{}");
    check_json("{}", GOJSON_SORT_KEYS, "{}");
    check_json("{\"a\":{}}", GOJSON_SORT_KEYS, "{\"a\":{}}");
    check_json("[]", 0, "[]");
    check_json("[true,false,null,\"x\"]", 0, "[true,false,null,\"x\"]");
    /* insertion order (struct-like) unless keys are sorted (map) */
    const char *obj = "{\"b\":1,\"a\":[2,{\"z\":0,\"y\":1}],\"B\":3,\"aa\":0,\"\xc3\xa9\":4,\"z\":5}";
    check_json(obj, 0,
               "{\"b\":1,\"a\":[2,{\"z\":0,\"y\":1}],\"B\":3,\"aa\":0,\"\xc3\xa9\":4,\"z\":5}");
    check_json(obj, GOJSON_SORT_KEYS,
               "{\"B\":3,\"a\":[2,{\"y\":1,\"z\":0}],\"aa\":0,\"b\":1,\"z\":5,\"\xc3\xa9\":4}");
    /* keys are escaped like any string and sorted by their raw bytes */
    json_t *o = json_object();
    json_object_setn_new_nocheck(o, "a\0b", 3, json_integer(1));
    json_object_set_new(o, "a", json_integer(2));
    json_object_set_new(o, "<", json_integer(3));
    check_value(o, GOJSON_SORT_KEYS, "{\"\\u003c\":3,\"a\":2,\"a\\u0000b\":1}");
    /* Encoder.Encode's newline */
    check_json("{\"k\":\"v\"}", GOJSON_NEWLINE, "{\"k\":\"v\"}\n");
}

static void test_limits(void **state)
{
    (void)state;
    struct cola_err err;
    struct buf b;
    buf_init(&b, 16);
    assert_int_equal(buf_puts(&b, "ab"), 0);
    json_t *v = json_pack("[s,s]", "0123456789", "0123456789");
    err_clear(&err);
    assert_int_equal(gojson_encode(v, 0, &b, &err), COLA_ENOMEM);
    assert_int_equal(err.code, COLA_ENOMEM);
    /* the buffer is as it was */
    assert_int_equal(b.len, 2);
    assert_string_equal(b.data, "ab");
    assert_int_equal(gojson_append_string(&b, "0123456789abcdef", 16, 0), COLA_ENOMEM);
    assert_string_equal(b.data, "ab");
    /* it fits exactly with the bytes that are left */
    json_decref(v);
    v = json_pack("[s]", "012345678");
    assert_int_equal(gojson_encode(v, 0, &b, &err), 0);
    assert_string_equal(b.data, "ab[\"012345678\"]");
    json_decref(v);
    buf_free(&b);

    /* depth */
    buf_init(&b, 1 << 20);
    json_t *root = json_array(), *cur = root;
    for (int i = 0; i < GOJSON_MAX_DEPTH + 5; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    err_clear(&err);
    assert_int_equal(gojson_encode(root, 0, &b, &err), COLA_ERANGE);
    assert_int_equal(b.len, 0);
    json_decref(root);
    root = json_array();
    cur = root;
    for (int i = 0; i < GOJSON_MAX_DEPTH; i++) {
        json_t *next = json_array();
        json_array_append_new(cur, next);
        cur = next;
    }
    assert_int_equal(gojson_encode(root, 0, &b, &err), 0);
    assert_int_equal(b.len, 2 * (GOJSON_MAX_DEPTH + 1));
    json_decref(root);

    /* NaN / Inf cannot be encoded; NULL is refused */
    buf_reset(&b);
    assert_int_equal(gojson_append_float(&b, NAN), COLA_EINVAL);
    assert_int_equal(gojson_append_float(&b, -INFINITY), COLA_EINVAL);
    assert_int_equal(b.len, 0);
    err_clear(&err);
    assert_int_equal(gojson_encode(NULL, 0, &b, &err), COLA_EINVAL);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_string_invalid_utf8),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
