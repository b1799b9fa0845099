/* test_goscan.c — Go's encoding/json Decoder error texts (goscan.h); the
 * expected texts follow Go's scanner.go state by state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/goscan.h"

static void check(const char *in, enum goscan_result want, const char *want_msg, size_t want_end)
{
    char msg[256];
    size_t end = 12345;
    const enum goscan_result got = goscan_first_value(in, strlen(in), &end, msg, sizeof(msg));
    if (got != want || (want_msg && strcmp(msg, want_msg)) || (want == GOSCAN_OK && end != want_end))
        fail_msg("input [%s]: got %d [%s] end %zu, want %d [%s] end %zu", in, got, msg, end, want,
                 want_msg ? want_msg : "", want_end);
}

static void test_valid(void **state)
{
    (void)state;
    check("{}", GOSCAN_OK, NULL, 2);
    check("  {\"model\": \"x\", \"n\": [1, -2.5e+3, 0, true, false, null]}  trailing", GOSCAN_OK,
          NULL, 57);
    check("[]", GOSCAN_OK, NULL, 2);
    check("\"a\\u00e9\\n\"", GOSCAN_OK, NULL, 11);
    check("123", GOSCAN_OK, NULL, 3);        /* a number ending at EOF */
    check("123 456", GOSCAN_OK, NULL, 3);    /* Decode reads one value */
    check("true", GOSCAN_OK, NULL, 4);
    check("{\"a\":{}}x", GOSCAN_OK, NULL, 8);
}

static void test_errors(void **state)
{
    (void)state;
    check("", GOSCAN_EMPTY, NULL, 0);
    check(" \n\t ", GOSCAN_EMPTY, NULL, 0);
    check("{\"model\":", GOSCAN_EOF, "unexpected EOF", 0);
    check("{\"model\":\"x", GOSCAN_EOF, "unexpected EOF", 0);
    check("[1,", GOSCAN_EOF, "unexpected EOF", 0);
    check("-", GOSCAN_EOF, "unexpected EOF", 0);
    check("1.", GOSCAN_EOF, "unexpected EOF", 0);
    check("tru", GOSCAN_EOF, "unexpected EOF", 0);
    check("hello", GOSCAN_SYNTAX, "invalid character 'h' looking for beginning of value", 0);
    check("{model: 1}", GOSCAN_SYNTAX,
          "invalid character 'm' looking for beginning of object key string", 0);
    check("{\"a\" 1}", GOSCAN_SYNTAX, "invalid character '1' after object key", 0);
    check("{\"a\":1 \"b\":2}", GOSCAN_SYNTAX,
          "invalid character '\"' after object key:value pair", 0);
    check("[1 2]", GOSCAN_SYNTAX, "invalid character '2' after array element", 0);
    check("{\"a\":1,}", GOSCAN_SYNTAX,
          "invalid character '}' looking for beginning of object key string", 0);
    check("[1,]", GOSCAN_SYNTAX, "invalid character ']' looking for beginning of value", 0);
    check("\"a\tb\"", GOSCAN_SYNTAX, "invalid character '\\t' in string literal", 0);
    check("\"\\x\"", GOSCAN_SYNTAX, "invalid character 'x' in string escape code", 0);
    check("\"\\u12g4\"", GOSCAN_SYNTAX, "invalid character 'g' in \\u hexadecimal character escape", 0);
    check("-a", GOSCAN_SYNTAX, "invalid character 'a' in numeric literal", 0);
    check("1.e5", GOSCAN_SYNTAX, "invalid character 'e' after decimal point in numeric literal", 0);
    check("1e+x", GOSCAN_SYNTAX, "invalid character 'x' in exponent of numeric literal", 0);
    check("{\"a\":01}", GOSCAN_SYNTAX, "invalid character '1' after object key:value pair", 0);
    check("trUe", GOSCAN_SYNTAX, "invalid character 'U' in literal true (expecting 'u')", 0);
    check("fals0", GOSCAN_SYNTAX, "invalid character '0' in literal false (expecting 'e')", 0);
    check("nul", GOSCAN_EOF, "unexpected EOF", 0);
    check("nuLL", GOSCAN_SYNTAX, "invalid character 'L' in literal null (expecting 'l')", 0);
    check("'a'", GOSCAN_SYNTAX, "invalid character '\\'' looking for beginning of value", 0);
    check("\\", GOSCAN_SYNTAX, "invalid character '\\\\' looking for beginning of value", 0);
    check("\x01", GOSCAN_SYNTAX, "invalid character '\\x01' looking for beginning of value", 0);
    check("\x7f", GOSCAN_SYNTAX, "invalid character '\\x7f' looking for beginning of value", 0);
    check("\x85", GOSCAN_SYNTAX, "invalid character '\\u0085' looking for beginning of value", 0);
    check("\xa0", GOSCAN_SYNTAX, "invalid character '\\u00a0' looking for beginning of value", 0);
    check("\xe9", GOSCAN_SYNTAX, "invalid character '\xc3\xa9' looking for beginning of value", 0);
}

static void test_depth(void **state)
{
    (void)state;
    const size_t n = GOSCAN_MAX_DEPTH + 1;
    char *s = malloc(n + 1);
    memset(s, '[', n);
    s[n] = '\0';
    char msg[128];
    assert_int_equal(goscan_first_value(s, n, NULL, msg, sizeof(msg)), GOSCAN_DEPTH);
    assert_string_equal(msg, "invalid character '[' exceeded max depth");
    assert_int_equal(goscan_first_value(s, n - 1, NULL, msg, sizeof(msg)), GOSCAN_EOF);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
