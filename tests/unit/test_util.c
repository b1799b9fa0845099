/* Unit tests for src/util: error buffer, growable buffer. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/godur.h"
#include "util/human.h"
#include "util/strmap.h"

static void test_err_first_wins(void **state)
{
    (void)state;
    struct cola_err e;
    err_clear(&e);
    assert_int_equal(e.code, 0);
    assert_string_equal(err_msg(&e), "success");
    assert_int_equal(err_set(&e, COLA_EFORMAT, "inner %d", 1), COLA_EFORMAT);
    assert_int_equal(err_set(&e, COLA_EIO, "outer"), COLA_EIO);
    assert_int_equal(e.code, COLA_EFORMAT);
    assert_string_equal(err_msg(&e), "inner 1");
    assert_int_equal(err_set(NULL, COLA_EINVAL, "x"), COLA_EINVAL);
}

static void test_buf_grow_and_max(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_puts(&b, "hello"), 0);
    assert_int_equal(buf_printf(&b, "%d", 1234), 0);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.data, "hello1234");
    /* past the maximum: refused, contents unchanged */
    assert_int_equal(buf_puts(&b, "ab"), COLA_ENOMEM);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.data, "hello1234");
    assert_int_equal(buf_putc(&b, '!'), 0);
    assert_int_equal(buf_printf(&b, "x"), COLA_ENOMEM);
    char *s = buf_take(&b);
    assert_string_equal(s, "hello1234!");
    assert_int_equal(b.len, 0);
    free(s);
    buf_free(&b);
}

static void test_buf_take_empty(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100);
    char *s = buf_take(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void test_strmap_basic(void **state)
{
    (void)state;
    struct strmap m;
    assert_int_equal(strmap_init(&m, 2), 0);
    char keys[1000][8];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        assert_int_equal(strmap_put_new(&m, keys[i], (size_t)n, i), 1);
    }
    assert_int_equal(m.count, 1000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(strmap_get(&m, keys[i], strlen(keys[i]), -1), i);
    assert_int_equal(strmap_get(&m, "nope", 4, -7), -7);
    /* keys with embedded NUL and the empty key are distinct keys */
    assert_int_equal(strmap_put(&m, "a\0b", 3, 5), 0);
    assert_int_equal(strmap_put(&m, "", 0, 6), 0);
    assert_int_equal(strmap_get(&m, "a\0b", 3, -1), 5);
    assert_int_equal(strmap_get(&m, "a", 1, -1), -1);
    assert_int_equal(strmap_get(&m, "", 0, -1), 6);
    assert_int_equal(strmap_put_new(&m, "k5", 2, 99), 0);
    assert_int_equal(strmap_get(&m, "k5", 2, -1), 5);
    assert_int_equal(strmap_put(&m, "k5", 2, 99), 0);
    assert_int_equal(strmap_get(&m, "k5", 2, -1), 99);
    strmap_free(&m);
}

/* The llama.cpp test-pair loader the tokenizer tests stand on. */
static void test_vocab_cases_loader(void **state)
{
    (void)state;
    TU_SHARED_OR_SKIP(inp, "vocab/ggml-vocab-gpt-2.gguf.inp");
    (void)inp;
    char base[4096];
    snprintf(base, sizeof(base), "%s/vocab/ggml-vocab-gpt-2.gguf", tu_shared_dir());
    struct tu_vocab_cases c;
    assert_int_equal(tu_vocab_cases_load(base, &c), 0);
    assert_true(c.n > 10);
    /* the empty input has no ids; "Hello world" has two */
    int saw_empty = 0, saw_hello = 0;
    for (size_t i = 0; i < c.n; i++) {
        assert_int_equal(strlen(c.cases[i].text), c.cases[i].len);
        if (c.cases[i].len == 0) {
            saw_empty = 1;
            assert_int_equal(c.cases[i].n_ids, 0);
        }
        if (!strcmp(c.cases[i].text, "Hello world")) {
            saw_hello = 1;
            assert_int_equal(c.cases[i].n_ids, 2);
        }
    }
    assert_true(saw_empty && saw_hello);
    tu_vocab_cases_free(&c);
}

/* Go's Duration.String() and ParseDuration, as Ollama prints and reads them. */
static void test_godur(void **state)
{
    (void)state;
    static const struct {
        int64_t ns;
        const char *text;
    } fmt[] = {
        {0, "0s"},
        {1, "1ns"},
        {850, "850ns"},
        {1500, "1.5\xc2\xb5s"},
        {1000000, "1ms"},
        {1234567, "1.234567ms"},
        {100000000, "100ms"},
        {1000000000, "1s"},
        {1500000000, "1.5s"},
        {1234567891, "1.234567891s"},
        {123500000000, "2m3.5s"},
        {5400000000000, "1h30m0s"},
        {3600000000000, "1h0m0s"},
        {-1000000000, "-1s"},
        {-1500, "-1.5\xc2\xb5s"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++)
        assert_string_equal(godur_format(fmt[i].ns, buf, sizeof(buf)), fmt[i].text);
    static const struct {
        const char *text;
        int rc;
        int64_t ns;
    } parse[] = {
        {"0", 0, 0},          {"5m", 0, 300000000000},  {"1h30m", 0, 5400000000000},
        {"-1", COLA_EINVAL, 0}, {"-1m", 0, -60000000000}, {"1.5h", 0, 5400000000000},
        {".5s", 0, 500000000}, {"300ms", 0, 300000000},  {"2us", 0, 2000},
        {"2\xc2\xb5s", 0, 2000}, {"+10s", 0, 10000000000}, {"5", COLA_EINVAL, 0},
        {"1d", COLA_EINVAL, 0}, {"", COLA_EINVAL, 0},    {"???", COLA_EINVAL, 0},
        {"1h2", COLA_EINVAL, 0}, {"99999999999999h", COLA_ERANGE, 0},
    };
    for (size_t i = 0; i < sizeof(parse) / sizeof(parse[0]); i++) {
        int64_t v = -42;
        int rc = godur_parse(parse[i].text, &v);
        assert_int_equal(rc, parse[i].rc);
        if (!rc)
            assert_int_equal(v, parse[i].ns);
    }
}

/* Ollama's format.HumanBytes and HumanTime test vectors (format/bytes_test.go, time_test.go). */
static void test_human(void **state)
{
    (void)state;
    static const struct {
        int64_t in;
        const char *want;
    } bytes[] = {{0, "0 B"},           {1, "1 B"},           {999, "999 B"},
                 {1000, "1 KB"},       {1500, "1.5 KB"},     {999999, "999 KB"},
                 {1000000, "1 MB"},    {1500000, "1.5 MB"},  {999999999, "999 MB"},
                 {1000000000, "1 GB"}, {1500000000, "1.5 GB"}, {999999999999, "999 GB"},
                 {1000000000000, "1 TB"}, {1500000000000, "1.5 TB"}, {1999999999999, "2.0 TB"},
                 {1234, "1.2 KB"},     {1234567, "1.2 MB"},  {1234567890, "1.2 GB"}};
    char out[64];
    for (size_t i = 0; i < sizeof(bytes) / sizeof(bytes[0]); i++) {
        human_bytes(bytes[i].in, out, sizeof(out));
        assert_string_equal(out, bytes[i].want);
    }
    const struct timespec now = {1700000000, 0}, zero = {0, 0};
    human_time(zero, now, out, sizeof(out));
    assert_string_equal(out, "Never");
    human_time((struct timespec){now.tv_sec + 2 * 86400, 0}, now, out, sizeof(out));
    assert_string_equal(out, "2 days from now");
    human_time((struct timespec){now.tv_sec - 2 * 86400, 0}, now, out, sizeof(out));
    assert_string_equal(out, "2 days ago");
    human_time((struct timespec){now.tv_sec, 500000000}, now, out, sizeof(out));
    assert_string_equal(out, "Less than a second from now");
    human_time((struct timespec){now.tv_sec + 30LL * 365 * 86400, 0}, now, out, sizeof(out));
    assert_string_equal(out, "Forever");
    human_time((struct timespec){now.tv_sec - 90, 0}, now, out, sizeof(out));
    assert_string_equal(out, "About a minute ago");
    human_time((struct timespec){now.tv_sec - 3 * 7 * 86400, 0}, now, out, sizeof(out));
    assert_string_equal(out, "3 weeks ago");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_first_wins),
        cmocka_unit_test(test_buf_grow_and_max),
        cmocka_unit_test(test_buf_take_empty),
        cmocka_unit_test(test_strmap_basic),
        cmocka_unit_test(test_vocab_cases_loader),
        cmocka_unit_test(test_godur),
        cmocka_unit_test(test_human),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
