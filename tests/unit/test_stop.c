/* Unit tests for src/engine/stop: stop strings over streamed output.
 *
 * Besides the hand-written cases, a randomized differential test replays
 * llama-server's rule with a deliberately naive reference (search the whole
 * text after every piece) and compares what is emitted after every feed. */
#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stop.h"

static struct stop_matcher *mk(const char *const *strs, size_t n)
{
    struct stop_matcher *m = NULL;
    struct cola_err e;
    err_clear(&e);
    int rc = stop_init(&m, strs, NULL, n, &e);
    if (rc)
        fprintf(stderr, "stop_init: %s\n", err_msg(&e));
    assert_int_equal(rc, 0);
    assert_non_null(m);
    return m;
}

/* Feed a NUL-terminated piece; returns stop_feed's result. */
static int feed(struct stop_matcher *m, const char *piece, struct buf *out)
{
    return stop_feed(m, piece, strlen(piece), out);
}

/* Each piece in turn; the expected cumulative output after each, and the
 * expected return codes. */
static void run_pieces(const char *const *stops, size_t n_stops, const char *const *pieces,
                       const char *const *after, const int *rets, size_t n)
{
    struct stop_matcher *m = mk(stops, n_stops);
    struct buf out;
    buf_init(&out, 1 << 20);
    for (size_t i = 0; i < n; i++) {
        int rc = feed(m, pieces[i], &out);
        if (rc != rets[i] || strcmp(out.data ? out.data : "", after[i]) != 0)
            fprintf(stderr, "piece %zu (%s): rc %d, out \"%s\", want \"%s\"\n", i, pieces[i], rc,
                    out.data ? out.data : "", after[i]);
        assert_int_equal(rc, rets[i]);
        assert_string_equal(out.data ? out.data : "", after[i]);
    }
    buf_free(&out);
    stop_free(m);
}

static void test_split_across_feeds(void **state)
{
    (void)state;
    const char *stops[] = { "</s>" };
    const char *pieces[] = { "Hello <", "/", "s", ">", " more" };
    const char *after[] = { "Hello ", "Hello ", "Hello ", "Hello ", "Hello " };
    const int rets[] = { 0, 0, 0, 1, 1 };
    run_pieces(stops, 1, pieces, after, rets, 5);

    /* one byte at a time through a longer text */
    struct stop_matcher *m = mk(stops, 1);
    struct buf out;
    buf_init(&out, 1000);
    const char *text = "a < b </t> and </s> never shown";
    int rc = 0;
    size_t i = 0;
    for (; text[i] && rc == 0; i++)
        rc = stop_feed(m, &text[i], 1, &out);
    assert_int_equal(rc, 1);
    assert_int_equal(i, strlen("a < b </t> and </s>"));
    assert_string_equal(out.data, "a < b </t> and ");
    assert_int_equal(stop_matched(m), 0);
    assert_int_equal(stop_flush(m, &out), 0); /* nothing after a match */
    assert_string_equal(out.data, "a < b </t> and ");
    buf_free(&out);
    stop_free(m);
}

static void test_held_bytes(void **state)
{
    (void)state;
    /* KMP needed: after "aaa" the held part is "aa", not "" or "aaa" */
    const char *stops[] = { "aab" };
    struct stop_matcher *m = mk(stops, 1);
    struct buf out;
    buf_init(&out, 100);
    assert_int_equal(feed(m, "a", &out), 0);
    assert_int_equal(stop_held(m), 1);
    assert_int_equal(feed(m, "a", &out), 0);
    assert_int_equal(stop_held(m), 2);
    assert_int_equal(feed(m, "a", &out), 0);
    assert_int_equal(stop_held(m), 2);
    assert_string_equal(out.data, "a");
    assert_int_equal(feed(m, "b", &out), 1);
    assert_string_equal(out.data, "a");
    /* reset: ready for the next generation */
    stop_reset(m);
    buf_reset(&out);
    assert_int_equal(stop_matched(m), -1);
    assert_int_equal(feed(m, "xaa", &out), 0);
    assert_string_equal(out.data, "x");
    assert_int_equal(stop_flush(m, &out), 0);
    assert_string_equal(out.data, "xaa");
    assert_int_equal(stop_held(m), 0);
    buf_free(&out);
    stop_free(m);
}

static void test_overlapping_prefixes(void **state)
{
    (void)state;
    /* "ab" completes first and ends generation; "abc" never gets its chance */
    const char *both[] = { "abc", "ab" };
    const char *p1[] = { "xa", "b", "c" };
    const char *a1[] = { "x", "x", "x" };
    const int r1[] = { 0, 1, 1 };
    run_pieces(both, 2, p1, a1, r1, 3);
    struct stop_matcher *m = mk(both, 2);
    struct buf out;
    buf_init(&out, 100);
    assert_int_equal(feed(m, "zzabc", &out), 1);
    assert_string_equal(out.data, "zz");
    assert_int_equal(stop_matched(m), 0); /* same start: the first in the list */
    buf_free(&out);
    stop_free(m);
    /* only "abc": "ab" is held, then released when "d" decides */
    const char *abc[] = { "abc" };
    const char *p2[] = { "xab", "d", "ab", "c" };
    const char *a2[] = { "x", "xabd", "xabd", "xabd" };
    const int r2[] = { 0, 0, 0, 1 };
    run_pieces(abc, 1, p2, a2, r2, 4);
}

static void test_several_strings(void **state)
{
    (void)state;
    const char *stops[] = { "END", "STOP", "\n\n" };
    const char *pieces[] = { "foo\n", "bar", " S", "T", "O", "X E", "N", "D", "!" };
    const char *after[] = { "foo", "foo\nbar", "foo\nbar ", "foo\nbar ", "foo\nbar ",
                            "foo\nbar STOX ", "foo\nbar STOX ", "foo\nbar STOX ",
                            "foo\nbar STOX " };
    const int rets[] = { 0, 0, 0, 0, 0, 0, 0, 1, 1 };
    run_pieces(stops, 3, pieces, after, rets, 9);

    /* within one piece the earliest START wins, as llama-server checks */
    const char *bc[] = { "bc", "abcd" };
    struct stop_matcher *m = mk(bc, 2);
    struct buf out;
    buf_init(&out, 100);
    assert_int_equal(feed(m, "xabcd", &out), 1);
    assert_string_equal(out.data, "x");
    assert_int_equal(stop_matched(m), 1);
    stop_reset(m);
    buf_reset(&out);
    /* the same text in two pieces: "bc" completes in the first */
    assert_int_equal(feed(m, "xabc", &out), 1);
    assert_string_equal(out.data, "xa");
    assert_int_equal(stop_matched(m), 0);
    buf_free(&out);
    stop_free(m);
}

static void test_false_partial_in_order(void **state)
{
    (void)state;
    const char *stops[] = { "abcd" };
    const char *pieces[] = { "1ab", "c", "X2", "a", "b", "ab", "cd" };
    const char *after[] = { "1", "1", "1abcX2", "1abcX2", "1abcX2", "1abcX2ab", "1abcX2ab" };
    const int rets[] = { 0, 0, 0, 0, 0, 0, 1 };
    run_pieces(stops, 1, pieces, after, rets, 7);
    /* flush releases a pending partial match at the end */
    struct stop_matcher *m = mk(stops, 1);
    struct buf out;
    buf_init(&out, 100);
    assert_int_equal(feed(m, "q", &out), 0);
    assert_int_equal(feed(m, "abc", &out), 0);
    assert_string_equal(out.data, "q");
    assert_int_equal(stop_flush(m, &out), 0);
    assert_string_equal(out.data, "qabc");
    assert_int_equal(stop_matched(m), -1);
    buf_free(&out);
    stop_free(m);
}

static void test_empty_list(void **state)
{
    (void)state;
    struct stop_matcher *m = NULL;
    assert_int_equal(stop_init(&m, NULL, NULL, 0, NULL), 0);
    struct buf out;
    buf_init(&out, 100);
    assert_int_equal(feed(m, "anything </s>", &out), 0);
    assert_int_equal(stop_held(m), 0);
    assert_int_equal(stop_flush(m, &out), 0);
    assert_string_equal(out.data, "anything </s>");
    stop_free(m);
    /* a list of empty strings is the same as none (never "stop at once") */
    const char *empties[] = { "", "" };
    m = mk(empties, 2);
    buf_reset(&out);
    assert_int_equal(feed(m, "abc", &out), 0);
    assert_string_equal(out.data, "abc");
    assert_int_equal(stop_matched(m), -1);
    stop_free(m);
    /* an empty string next to a real one is ignored, indices still refer to
     * the caller's list */
    const char *mixed[] = { "", "z" };
    m = mk(mixed, 2);
    buf_reset(&out);
    assert_int_equal(feed(m, "xyz", &out), 1);
    assert_string_equal(out.data, "xy");
    assert_int_equal(stop_matched(m), 1);
    stop_free(m);
    buf_free(&out);
}

/* 1 when b[0..n) is complete, valid UTF-8 (no split character at either end). */
static int utf8_ok(const char *s, size_t n)
{
    const unsigned char *b = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = b[i] < 0x80 ? 1 : (b[i] >> 5) == 6 ? 2 : (b[i] >> 4) == 14 ? 3
                   : (b[i] >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n)
            return 0;
        for (size_t j = 1; j < len; j++)
            if ((b[i + j] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

static void test_utf8(void **state)
{
    (void)state;
    /* "日本" held whole while undecided, then matched */
    const char *ja[] = { "日本" };
    const char *p1[] = { "こんにちは", "日", "本語" };
    const char *a1[] = { "こんにちは", "こんにちは", "こんにちは" };
    const int r1[] = { 0, 0, 1 };
    run_pieces(ja, 1, p1, a1, r1, 3);
    /* same first character, different next one: released intact (the last
     * 日 is held again: it may start 日本) */
    const char *p2[] = { "日", "曜日" };
    const char *a2[] = { "", "日曜" };
    const int r2[] = { 0, 0 };
    run_pieces(ja, 1, p2, a2, r2, 2);
    /* every chunk emitted is valid UTF-8 on its own, fed char by char */
    const char *stops[] = { "é!", "→ end" };
    const char *text = "café → ende é? café!";
    struct stop_matcher *m = mk(stops, 2);
    struct buf out;
    buf_init(&out, 1000);
    size_t i = 0, n = strlen(text);
    int rc = 0;
    while (i < n && rc == 0) {
        size_t len = 1;
        while (i + len < n && ((unsigned char)text[i + len] & 0xC0) == 0x80)
            len++;
        size_t before = out.len;
        rc = stop_feed(m, text + i, len, &out);
        assert_true(rc >= 0);
        assert_true(utf8_ok(out.data + before, out.len - before));
        i += len;
    }
    assert_int_equal(rc, 1);
    assert_int_equal(stop_matched(m), 1);
    assert_string_equal(out.data, "café ");
    stop_free(m);
    /* an invalid stop string starting inside a character never splits it */
    const char *bad[] = { "\xA9x" }; /* the second byte of é, then x */
    m = mk(bad, 1);
    buf_reset(&out);
    assert_int_equal(feed(m, "ab", &out), 0);
    assert_int_equal(feed(m, "é", &out), 0);
    assert_string_equal(out.data, "ab");
    assert_int_equal(stop_held(m), 2); /* the whole é */
    assert_int_equal(feed(m, "x", &out), 1);
    assert_string_equal(out.data, "ab");
    assert_true(utf8_ok(out.data, out.len));
    stop_free(m);
    buf_free(&out);
}

static void test_limits_and_errors(void **state)
{
    (void)state;
    struct stop_matcher *m = NULL;
    const char *one[] = { "x" };
    const char *nul[] = { NULL };
    assert_int_equal(stop_init(&m, nul, NULL, 1, NULL), COLA_EINVAL);
    assert_int_equal(stop_init(&m, one, NULL, STOP_MAX_STRINGS + 1, NULL), COLA_ERANGE);
    char *big = malloc(STOP_MAX_LEN + 2);
    assert_non_null(big);
    memset(big, 'a', STOP_MAX_LEN + 1);
    big[STOP_MAX_LEN + 1] = '\0';
    const char *bigs[] = { big };
    struct cola_err e;
    err_clear(&e);
    assert_int_equal(stop_init(&m, bigs, NULL, 1, &e), COLA_ERANGE);
    assert_non_null(strstr(err_msg(&e), "longer than"));
    big[STOP_MAX_LEN] = '\0'; /* exactly the limit is fine */
    assert_int_equal(stop_init(&m, bigs, NULL, 1, NULL), 0);
    stop_free(m);
    free(big);
    /* explicit lengths: a stop string containing NUL */
    const char *zs[] = { "a\0b" };
    const size_t zl[] = { 3 };
    assert_int_equal(stop_init(&m, zs, zl, 1, NULL), 0);
    struct buf out;
    buf_init(&out, 100);
    assert_int_equal(stop_feed(m, "xa\0b", 4, &out), 1);
    assert_string_equal(out.data, "x");
    stop_free(m);
    buf_free(&out);
    /* a full emit buffer: ENOMEM and the matcher is unchanged */
    const char *st[] = { "STOP" };
    m = mk(st, 1);
    struct buf small, roomy;
    buf_init(&small, 3);
    buf_init(&roomy, 100);
    assert_int_equal(feed(m, "hello ST", &small), COLA_ENOMEM);
    assert_int_equal(small.len, 0);
    assert_int_equal(stop_held(m), 0);
    assert_int_equal(feed(m, "hello ST", &roomy), 0);
    assert_string_equal(roomy.data, "hello ");
    assert_int_equal(feed(m, "OP", &roomy), 1);
    assert_string_equal(roomy.data, "hello ");
    buf_free(&small);
    buf_free(&roomy);
    stop_free(m);
}

/* ------------------------------------------------------------ differential */

/* llama-server's rule, naively: after each piece, look for the earliest
 * occurrence of any stop string that ends inside the piece; if found, the
 * output is the text before it. Otherwise hold back the longest suffix of
 * the text that is a proper prefix of some stop string. */
static int ref_step(const char *text, size_t old_len, size_t len, char **stops, size_t n_stops,
                    size_t *visible)
{
    size_t best = SIZE_MAX;
    for (size_t k = 0; k < n_stops; k++) {
        size_t sl = strlen(stops[k]);
        for (size_t st = 0; st + sl <= len; st++) {
            if (st + sl > old_len && memcmp(text + st, stops[k], sl) == 0) {
                if (st < best)
                    best = st;
                break;
            }
        }
    }
    if (best != SIZE_MAX) {
        *visible = best;
        return 1;
    }
    size_t hold = len;
    for (size_t k = 0; k < n_stops; k++) {
        size_t sl = strlen(stops[k]);
        for (size_t l = sl - 1; l > 0; l--) {
            if (l <= len && memcmp(text + len - l, stops[k], l) == 0) {
                if (len - l < hold)
                    hold = len - l;
                break;
            }
        }
    }
    *visible = hold;
    return 0;
}

static uint64_t g_rs = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
    g_rs ^= g_rs << 13;
    g_rs ^= g_rs >> 7;
    g_rs ^= g_rs << 17;
    return (unsigned)(g_rs % n);
}

static void test_random_against_reference(void **state)
{
    (void)state;
    char text[256];
    char stopbuf[4][8];
    char *stops[4];
    for (int round = 0; round < 3000; round++) {
        size_t n_stops = 1 + rnd(4);
        for (size_t k = 0; k < n_stops; k++) {
            size_t sl = 1 + rnd(5);
            for (size_t j = 0; j < sl; j++)
                stopbuf[k][j] = (char)('a' + rnd(3));
            stopbuf[k][sl] = '\0';
            stops[k] = stopbuf[k];
        }
        size_t tl = rnd(60);
        for (size_t j = 0; j < tl; j++)
            text[j] = (char)('a' + rnd(3));
        text[tl] = '\0';
        struct stop_matcher *m = mk((const char *const *)stops, n_stops);
        struct buf out;
        buf_init(&out, 1000);
        size_t pos = 0;
        int done = 0;
        while (pos < tl && !done) {
            size_t pl = 1 + rnd(4);
            if (pos + pl > tl)
                pl = tl - pos;
            size_t vis;
            int want = ref_step(text, pos, pos + pl, stops, n_stops, &vis);
            int got = stop_feed(m, text + pos, pl, &out);
            assert_int_equal(got, want);
            assert_int_equal(out.len, vis);
            assert_memory_equal(out.data, text, vis);
            pos += pl;
            done = got;
        }
        if (!done) {
            assert_int_equal(stop_flush(m, &out), 0);
            assert_int_equal(out.len, tl);
            if (tl)
                assert_memory_equal(out.data, text, tl);
        }
        buf_free(&out);
        stop_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_across_feeds),
        cmocka_unit_test(test_held_bytes),
        cmocka_unit_test(test_overlapping_prefixes),
        cmocka_unit_test(test_several_strings),
        cmocka_unit_test(test_false_partial_in_order),
        cmocka_unit_test(test_empty_list),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_limits_and_errors),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
