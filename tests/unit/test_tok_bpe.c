/* Unit tests for byte-level BPE (src/engine/tok_bpe*.c).
 *
 * Without shared data: GPT-2's byte map, the text preparation, the
 * pre-tokenizers' splits (expected pieces worked out by hand from the regexes
 * and llama.cpp's whitespace rules), and merges on small hand-built vocabs.
 * With ../shared: llama.cpp's tokenizer test pairs for every BPE vocab, the
 * reference JSONL cases and the golden tokenize sections (special tokens
 * parsed), a byte-exact round trip of war-and-peace through every BPE vocab,
 * concurrent encoding from two threads, and the llama3 throughput.
 */
#include "testutil.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/gguf.h"
#include "engine/tok.h"
#include "engine/tok_bpe.h"
#include "engine/tok_internal.h"

/* ------------------------------------------------------------------ helpers */

#define MAX_PIECES 64

struct pieces {
    const char *text;
    size_t n;
    char *p[MAX_PIECES];
};

static int collect(void *ctx, size_t off, size_t len)
{
    struct pieces *ps = ctx;
    if (ps->n >= MAX_PIECES)
        return -100;
    ps->p[ps->n] = strndup(ps->text + off, len);
    ps->n++;
    return 0;
}

/* Split text with the named pre-tokenizer and compare with want[] (NULL-ended). */
static void check_split(const char *pre_name, const char *text, const char *const *want)
{
    const struct tok_bpe_pre *pre = tok_bpe_pre_find(pre_name, strlen(pre_name));
    assert_non_null(pre);
    struct tok_bpe_split s;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(tok_bpe_split_init(&s, pre, &err), 0);
    void *md = tok_bpe_md_new();
    assert_non_null(md);
    struct pieces ps = {.text = text};
    assert_int_equal(tok_bpe_split(&s, text, strlen(text), md, collect, &ps, &err), 0);
    size_t nw = 0;
    while (want[nw])
        nw++;
    bool same = ps.n == nw;
    for (size_t i = 0; same && i < nw; i++)
        same = strcmp(ps.p[i], want[i]) == 0;
    if (!same) {
        fprintf(stderr, "%s split of \"%s\": got", pre_name, text);
        for (size_t i = 0; i < ps.n; i++)
            fprintf(stderr, " [%s]", ps.p[i]);
        fprintf(stderr, "\n");
    }
    for (size_t i = 0; i < ps.n; i++)
        free(ps.p[i]);
    tok_bpe_md_free(md);
    tok_bpe_split_free(&s);
    assert_true(same);
}

/* A vocab built by hand: tokens and by_text only, then the BPE load hook on
 * a GGUF made in memory with the given pre-tokenizer and merges. */
struct hand {
    struct tok_vocab v;
    void *mem;
};

static int hand_load(struct hand *h, const char *const *toks, const char *pre,
                     const char *const *merges, size_t n_merges, struct cola_err *err)
{
    memset(h, 0, sizeof(*h));
    int32_t n = 0;
    while (toks[n])
        n++;
    h->v.type = TOK_TYPE_BPE;
    h->v.n_tokens = n;
    h->v.tokens = calloc((size_t)n, sizeof(*h->v.tokens));
    assert_non_null(h->v.tokens);
    assert_int_equal(strmap_init(&h->v.by_text, (size_t)n), 0);
    for (int32_t i = 0; i < n; i++) {
        h->v.tokens[i].text = toks[i];
        h->v.tokens[i].len = (uint32_t)strlen(toks[i]);
        assert_int_equal(strmap_put(&h->v.by_text, toks[i], strlen(toks[i]), i), 0);
    }
    struct gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    if (pre)
        assert_int_equal(gguf_writer_set_str(w, "tokenizer.ggml.pre", pre), 0);
    if (merges)
        assert_int_equal(gguf_writer_set_arr_str(w, "tokenizer.ggml.merges", merges, n_merges), 0);
    size_t len = 0;
    assert_int_equal(gguf_writer_write_mem(w, &h->mem, &len, err), 0);
    gguf_writer_free(w);
    struct gguf_file *g = NULL;
    assert_int_equal(gguf_open_mem(h->mem, len, &g, err), 0);
    int rc = tok_bpe_load(&h->v, g, err);
    gguf_close(g); /* the hook must have copied what it needs */
    return rc;
}

static void hand_free(struct hand *h)
{
    tok_bpe_free(&h->v);
    strmap_free(&h->v.by_text);
    free(h->v.tokens);
    free(h->mem);
}

/* Encode text with the hand vocab and compare with want[0..n). */
static void check_ids(struct hand *h, const char *text, const int32_t *want, size_t n)
{
    struct tok_ids ids;
    struct cola_err err;
    err_clear(&err);
    tok_ids_init(&ids, (size_t)1 << 24);
    assert_int_equal(tok_bpe_encode(&h->v, text, strlen(text), &ids, &err), 0);
    bool same = ids.n == n && (n == 0 || memcmp(ids.ids, want, n * sizeof(int32_t)) == 0);
    if (!same) {
        fprintf(stderr, "\"%s\": got", text);
        for (size_t i = 0; i < ids.n; i++)
            fprintf(stderr, " %d", ids.ids[i]);
        fprintf(stderr, "\n");
    }
    tok_ids_free(&ids);
    assert_true(same);
}

#define IDS(...) (const int32_t[]){__VA_ARGS__}, sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t)

/* ------------------------------------------------------------------ byte map */

static void test_byte_map(void **state)
{
    (void)state;
    char seen[0x200] = {0};
    for (int b = 0; b < 256; b++) {
        char chr[2];
        size_t n = tok_bpe_byte_utf8((uint8_t)b, chr);
        uint32_t cp = tok_bpe_byte_cpt((uint8_t)b);
        assert_true(cp < 0x144);
        assert_false(seen[cp]); /* one-to-one */
        seen[cp] = 1;
        assert_int_equal(n, cp < 0x80 ? 1 : 2);
        struct buf out;
        buf_init(&out, 16);
        assert_int_equal(tok_bpe_text_to_bytes(chr, n, &out), 0);
        assert_int_equal(out.len, 1);
        assert_int_equal((unsigned char)out.data[0], b);
        buf_free(&out);
    }
    /* GPT-2's well-known characters */
    assert_int_equal(tok_bpe_byte_cpt(' '), 0x120);  /* Ġ */
    assert_int_equal(tok_bpe_byte_cpt('\n'), 0x10A); /* Ċ */
    assert_int_equal(tok_bpe_byte_cpt('a'), 'a');
    assert_int_equal(tok_bpe_byte_cpt(0xAD), 0x143); /* Ń */
    assert_int_equal(tok_bpe_byte_cpt(0x7F), 0x121); /* ġ */

    /* a token text: "Ġhello" + "Ċ" + "中" (not a byte character: copied) */
    struct buf out;
    buf_init(&out, 64);
    const char t[] = "\xC4\xA0hello\xC4\x8A\xE4\xB8\xAD";
    assert_int_equal(tok_bpe_text_to_bytes(t, sizeof(t) - 1, &out), 0);
    assert_string_equal(out.data, " hello\n\xE4\xB8\xAD");
    /* the maximum of the output buffer is honoured */
    struct buf small;
    buf_init(&small, 3);
    assert_int_equal(tok_bpe_text_to_bytes(t, sizeof(t) - 1, &small), COLA_ENOMEM);
    buf_free(&small);
    buf_free(&out);
}

/* ------------------------------------------------------------------ text */

static void check_prepare(const char *in, size_t n, const char *want_m, const char *want_e,
                          size_t want_len)
{
    const char *m, *e;
    char *owned;
    size_t len;
    assert_int_equal(tok_bpe_text_prepare(in, n, &m, &e, &len, &owned), 0);
    assert_non_null(owned);
    assert_int_equal(len, want_len);
    assert_memory_equal(m, want_m, want_len);
    assert_memory_equal(e, want_e, want_len);
    free(owned);
}

static void test_text_prepare(void **state)
{
    (void)state;
    const char *m, *e;
    char *owned;
    size_t len;
    const char clean[] = "h\xC3\xA9llo \xF0\x9F\xA6\x99 \xE4\xB8\xAD";
    assert_int_equal(tok_bpe_text_prepare(clean, sizeof(clean) - 1, &m, &e, &len, &owned), 0);
    assert_null(owned);
    assert_ptr_equal(m, clean);
    assert_ptr_equal(e, clean);
    assert_int_equal(len, sizeof(clean) - 1);

    /* a stray byte becomes U+FFFD, as in llama.cpp */
    check_prepare("a\xFF" "b", 3, "a\xEF\xBF\xBD" "b", "a\xEF\xBF\xBD" "b", 5);
    /* a truncated sequence: one U+FFFD per byte */
    check_prepare("\xE2\x82", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", "\xEF\xBF\xBD\xEF\xBF\xBD", 6);
    /* llama.cpp decodes an overlong NUL and re-encodes it as one byte */
    check_prepare("x\xC0\x80", 3, "x\0", "x\0", 2);
    /* a surrogate: PCRE2 sees U+E000, the encoder gets llama.cpp's bytes */
    check_prepare("\xED\xA0\x80z", 4, "\xEE\x80\x80z", "\xED\xA0\x80z", 4);
    /* beyond U+10FFFF */
    check_prepare("\xF4\x90\x80\x80", 4, "\xEF\xBF\xBD", "\xEF\xBF\xBD", 3);
}

/* ------------------------------------------------------------------ pre-tokenizers */

static void test_pre_find(void **state)
{
    (void)state;
    const struct tok_bpe_pre *p = tok_bpe_pre_find("llama-bpe", 9);
    assert_non_null(p);
    assert_true(p->ignore_merges);
    assert_true(p->add_bos);
    p = tok_bpe_pre_find("qwen2", 5);
    assert_non_null(p);
    assert_false(p->ignore_merges);
    assert_false(p->clean_spaces);
    p = tok_bpe_pre_find("gpt-2", 5);
    assert_non_null(p);
    assert_true(p->clean_spaces);
    assert_string_equal(tok_bpe_pre_find(NULL, 0)->name, "default");
    assert_null(tok_bpe_pre_find("gpt-2x", 6));
    assert_null(tok_bpe_pre_find("gpt-", 4));
    /* every entry compiles and is found by its name */
    size_t i;
    for (i = 0; (p = tok_bpe_pre_at(i)) != NULL; i++) {
        struct tok_bpe_split s;
        struct cola_err err;
        err_clear(&err);
        assert_ptr_equal(tok_bpe_pre_find(p->name, strlen(p->name)), p);
        if (tok_bpe_split_init(&s, p, &err) != 0)
            fprintf(stderr, "%s: %s\n", p->name, err_msg(&err));
        assert_int_equal(err.code, 0);
        assert_true(s.n >= 1);
        tok_bpe_split_free(&s);
    }
    assert_true(i >= 50);
}

static void test_split_gpt2(void **state)
{
    (void)state;
    check_split("gpt-2", "Hello world's  x\t\ty 123!!",
                (const char *[]){"Hello", " world", "'s", " ", " x", "\t", "\t", "y", " 123",
                                 "!!", NULL});
    /* whitespace at the end stays whole; contractions are case-sensitive */
    check_split("gpt-2", "I'M ok  ",
                (const char *[]){"I", "'", "M", " ok", "  ", NULL});
    check_split("gpt-2", "", (const char *[]){NULL});
}

static void test_split_llama3(void **state)
{
    (void)state;
    check_split("llama-bpe", "Hi  there\n\n  you 12345 it's OK!\n",
                (const char *[]){"Hi", " ", " there", "\n\n", " ", " you", " ", "123", "45",
                                 " it", "'s", " OK", "!\n", NULL});
    check_split("llama-bpe", "I'M",
                (const char *[]){"I", "'M", NULL});
    /* U+180E is not whitespace for llama.cpp (PCRE2's \s would say it is) */
    check_split("llama-bpe", "a\xE1\xA0\x8E\xE1\xA0\x8E" "b",
                (const char *[]){"a", "\xE1\xA0\x8E\xE1\xA0\x8E", "b", NULL});
    /* U+3000 is */
    check_split("llama-bpe", "a\xE3\x80\x80\xE3\x80\x80" "b",
                (const char *[]){"a", "\xE3\x80\x80", "\xE3\x80\x80" "b", NULL});
    /* qwen2: digits one by one */
    check_split("qwen2", "x 2024", (const char *[]){"x", " ", "2", "0", "2", "4", NULL});
}

static void test_split_multi(void **state)
{
    (void)state;
    /* default (gpt-neox): punctuation, GPT-2, \p{N}+, then digits by three */
    check_split("default", "a.b 33333,x",
                (const char *[]){"a", ".", "b", " ", "333", "33", ",", "x", NULL});
    check_split("starcoder", "ab 123", (const char *[]){"ab", " ", "1", "2", "3", NULL});
    check_split("falcon", "x 1234567",
                (const char *[]){"x", " ", "123", "456", "7", NULL});
    /* deepseek-llm: \s+$ takes trailing space of a piece */
    check_split("deepseek-llm", "ab  cd\n",
                (const char *[]){"ab", " ", " cd", "\n", NULL});
    /* "。\u3000。": the punctuation class ends at U+3000 (llama.cpp never
     * lets a literal class see whitespace), \s? takes it into the next piece,
     * and the CJK class (U+0800..U+4E00 holds 。 but not U+3000) splits it
     * off again; with U+3000 in the classes it would be one piece */
    check_split("deepseek-llm", "\xE3\x80\x82\xE3\x80\x80\xE3\x80\x82",
                (const char *[]){"\xE3\x80\x82", "\xE3\x80\x80", "\xE3\x80\x82", NULL});
    check_split("deepseek-coder", "if (x1) {\n",
                (const char *[]){"if", " (", "x", "1", ")", " {", "\n", NULL});
}

static void test_split_more(void **state)
{
    (void)state;
    /* GPT-4o: a run of capitals then small letters is one word, contractions
     * stick to it, one non-letter may lead a word ("/b"), '/' and newlines
     * stick to punctuation */
    check_split("gpt-4o", "HelloWorld FOOBar don't 12345 a/b//\n",
                (const char *[]){"Hello", "World", " FOOBar", " don't", " ", "123", "45", " a",
                                 "/b", "//\n", NULL});
    /* Tekken: the same without contractions, digits one by one */
    check_split("tekken", "HelloWorld FOOBar don't 12345 a/b//\n",
                (const char *[]){"Hello", "World", " FOOBar", " don", "'t", " ", "1", "2", "3",
                                 "4", "5", " a", "/b", "//\n", NULL});
    /* DeepSeek V3: digits by three first, kana/CJK runs, and '~' is not a
     * symbol (llama.cpp's collapsed \p{S} lacks it) */
    check_split("deepseek-v3", "a~b !~! 1234 \xE4\xB8\xAD\xE6\x96\x87x",
                (const char *[]){"a", "~b", " !", "~", "!", " ", "123", "4", " ",
                                 "\xE4\xB8\xAD\xE6\x96\x87", "x", NULL});
    /* Qwen 3.5 keeps a combining mark in its word; Qwen2 does not */
    check_split("qwen35", "ne\xCC\x81" "e 12",
                (const char *[]){"ne\xCC\x81" "e", " ", "1", "2", NULL});
    check_split("qwen2", "ne\xCC\x81" "e 12",
                (const char *[]){"ne", "\xCC\x81" "e", " ", "1", "2", NULL});
}

/* A megabyte of punctuation or spaces is one word / one match: it must stay
 * linear-ish (heap merges, PCRE2 without backtracking blow-up). */
static void test_long_runs(void **state)
{
    (void)state;
    const char *const toks[] = {"a", "aa", "aaaa", NULL};
    const char *const merges[] = {"a a", "aa aa"};
    struct hand h;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(hand_load(&h, toks, "gpt-2", merges, 2, &err), 0);
    size_t n = (size_t)1 << 20;
    char *text = malloc(n + 1);
    assert_non_null(text);
    memset(text, 'a', n);
    text[n] = '\0';
    struct tok_ids ids;
    tok_ids_init(&ids, n);
    clock_t t0 = clock();
    assert_int_equal(tok_bpe_encode(&h.v, text, n, &ids, &err), 0);
    assert_int_equal(ids.n, n / 4);
    for (size_t i = 0; i < ids.n; i++)
        assert_int_equal(ids.ids[i], 2);
    /* spaces: one word of 2^20 - 1 spaces and a letter ("a" has its own token) */
    memset(text, ' ', n - 1);
    ids.n = 0;
    assert_int_equal(tok_bpe_encode(&h.v, text, n, &ids, &err), 0);
    /* no "Ġ" token: the spaces fall back to nothing, "a" stays */
    assert_int_equal(ids.n, 1);
    assert_int_equal(ids.ids[0], 0);
    fprintf(stderr, "long runs: %.2f s\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    tok_ids_free(&ids);
    free(text);
    hand_free(&h);
}

/* ------------------------------------------------------------------ merges */

static void test_merges_rank_order(void **state)
{
    (void)state;
    /*                          0    1    2    3    4     5     6      7     8    9 */
    const char *const toks[] = {"a", "b", "c", "d", "ab", "bc", "abc", "aa", "x", "y",
                                /* 10    11           12          13 */
                                "abd", "\xC4\xA0", "\xC4\xA0" "a", "xya", NULL};
    struct cola_err err;
    struct hand h;

    err_clear(&err);
    const char *const m1[] = {"a b", "b c", "ab c", "\xC4\xA0 a"};
    assert_int_equal(hand_load(&h, toks, "gpt-2", m1, 4, &err), 0);
    check_ids(&h, "abc", IDS(6));
    check_ids(&h, "abd", IDS(4, 3)); /* no ignore_merges for gpt-2 */
    check_ids(&h, "cab a", IDS(2, 4, 12));
    check_ids(&h, "", NULL, 0);
    hand_free(&h);

    /* lower rank first: with "b c" ranked first, "abc" is a + bc */
    const char *const m2[] = {"b c", "a b", "ab c"};
    assert_int_equal(hand_load(&h, toks, "gpt-2", m2, 3, &err), 0);
    check_ids(&h, "abc", IDS(0, 5));
    hand_free(&h);

    /* equal ranks: leftmost first */
    const char *const m3[] = {"a a"};
    assert_int_equal(hand_load(&h, toks, "gpt-2", m3, 1, &err), 0);
    check_ids(&h, "aaa", IDS(7, 0));
    check_ids(&h, "aaaaa", IDS(7, 7, 0));
    hand_free(&h);

    /* a repeated merge keeps its first (lowest) rank */
    const char *const m4[] = {"b c", "a b", "b c"};
    assert_int_equal(hand_load(&h, toks, "gpt-2", m4, 3, &err), 0);
    check_ids(&h, "abc", IDS(0, 5));
    hand_free(&h);
}

static void test_merges_fallback(void **state)
{
    (void)state;
    const char *const toks[] = {"a", "b", "c", "d", "ab", "bc", "abc", "aa", "x", "y",
                                "abd", "\xC4\xA0", "\xC4\xA0" "a", "xya", NULL};
    struct cola_err err;
    struct hand h;
    err_clear(&err);
    /* "xy" is no token: merged anyway (llama.cpp works on texts), it can
     * merge further ("xya"), and if it survives it falls back to its bytes;
     * "z" has no token at all and is dropped */
    const char *const m[] = {"x y", "xy a", "malformed"};
    assert_int_equal(hand_load(&h, toks, "gpt-2", m, 3, &err), 0);
    check_ids(&h, "xya", IDS(13));
    check_ids(&h, "xyz", IDS(8, 9));
    check_ids(&h, "z", NULL, 0);
    hand_free(&h);
}

static void test_ignore_merges(void **state)
{
    (void)state;
    const char *const toks[] = {"a", "b", "c", "d", "ab", "bc", "abc", "aa", "x", "y",
                                "abd", NULL};
    const char *const m[] = {"a b"};
    struct cola_err err;
    struct hand h;
    err_clear(&err);
    assert_int_equal(hand_load(&h, toks, "llama-bpe", m, 1, &err), 0);
    check_ids(&h, "abd", IDS(10)); /* the word is a token: whole */
    check_ids(&h, "abdd", IDS(4, 3, 3));
    /* llama3 defaults: BOS added, detokenizer clean-up on */
    assert_true(h.v.add_bos);
    assert_true(h.v.clean_spaces);
    hand_free(&h);

    assert_int_equal(hand_load(&h, toks, "qwen2", m, 1, &err), 0);
    assert_false(h.v.add_bos);
    assert_false(h.v.clean_spaces);
    check_ids(&h, "abd", IDS(4, 3));
    hand_free(&h);

    /* GLM-4: no BOS id unless the metadata gives one */
    h.v.special[TOK_SPECIAL_BOS] = 0;
    assert_int_equal(hand_load(&h, toks, "glm4", m, 1, &err), 0);
    assert_int_equal(h.v.special[TOK_SPECIAL_BOS], -1);
    assert_false(h.v.add_bos);
    hand_free(&h);

    /* no tokenizer.ggml.pre: "default" */
    assert_int_equal(hand_load(&h, toks, NULL, m, 1, &err), 0);
    assert_non_null(h.v.bpe);
    /* "ab" "." "c": "." has no token and is dropped */
    check_ids(&h, "ab.c", IDS(4, 2));
    hand_free(&h);
}

static void test_load_errors(void **state)
{
    (void)state;
    const char *const toks[] = {"a", "b", NULL};
    const char *const m[] = {"a b"};
    struct cola_err err;
    struct hand h;
    err_clear(&err);
    assert_int_equal(hand_load(&h, toks, "no-such-pre", m, 1, &err), COLA_EUNSUPPORTED);
    assert_non_null(strstr(err_msg(&err), "'no-such-pre'"));
    assert_null(h.v.bpe);
    hand_free(&h);
    err_clear(&err);
    assert_int_equal(hand_load(&h, toks, "gpt-2", NULL, 0, &err), COLA_EFORMAT);
    assert_non_null(strstr(err_msg(&err), "merges"));
    hand_free(&h);
}

/* ------------------------------------------------------------------ shared data */

/* A vocab loaded through the real loader (tok_vocab_load). */
static struct tok_vocab *load_vocab(const char *rel)
{
    const char *path = tu_shared_path(rel);
    if (!path)
        return NULL;
    struct gguf_file *g = NULL;
    struct tok_vocab *v = NULL;
    struct cola_err err;
    err_clear(&err);
    if (gguf_open(path, &g, &err) != 0) {
        fprintf(stderr, "%s: %s\n", rel, err_msg(&err));
        fail();
    }
    if (tok_vocab_load(g, &v, &err) != 0) {
        fprintf(stderr, "%s: %s\n", rel, err_msg(&err));
        gguf_close(g);
        fail();
    }
    gguf_close(g);
    return v;
}

/* Encode and compare; prints the first mismatch. Returns 1 if equal. */
static int same_ids(const struct tok_vocab *v, const char *text, size_t len, unsigned flags,
                    const int32_t *want, size_t n, const char *what)
{
    struct tok_ids ids;
    struct cola_err err;
    err_clear(&err);
    tok_ids_init(&ids, (size_t)1 << 26);
    int rc = tok_encode(v, text, len, flags, &ids, &err);
    int ok = rc == 0 && ids.n == n && (n == 0 || memcmp(ids.ids, want, n * sizeof(*want)) == 0);
    if (!ok) {
        fprintf(stderr, "MISMATCH %s: \"%.*s\"\n  got (rc %d):", what, (int)(len > 200 ? 200 : len),
                text, rc);
        for (size_t i = 0; i < ids.n && i < 64; i++)
            fprintf(stderr, " %d", ids.ids[i]);
        fprintf(stderr, "\n  want:");
        for (size_t i = 0; i < n && i < 64; i++)
            fprintf(stderr, " %d", want[i]);
        fprintf(stderr, "\n");
    }
    tok_ids_free(&ids);
    return ok;
}

struct pair_case {
    const char *vocab; /* GGUF in vocab/ */
    const char *pairs; /* base of the .inp/.out pair in vocab/ */
};

static const struct pair_case pair_cases[] = {
    {"ggml-vocab-gpt-2.gguf", "ggml-vocab-gpt-2.gguf"},
    {"ggml-vocab-deepseek-llm.gguf", "ggml-vocab-deepseek-llm.gguf"},
    {"ggml-vocab-deepseek-coder.gguf", "ggml-vocab-deepseek-coder.gguf"},
    {"ggml-vocab-falcon.gguf", "ggml-vocab-falcon.gguf"},
    {"ggml-vocab-mpt.gguf", "ggml-vocab-mpt.gguf"},
    {"ggml-vocab-starcoder.gguf", "ggml-vocab-starcoder.gguf"},
    {"ggml-vocab-refact.gguf", "ggml-vocab-refact.gguf"},
    {"ggml-vocab-qwen3-derived.gguf", "ggml-vocab-qwen2.gguf"},
    {"ggml-vocab-llama3-derived.gguf", "ggml-vocab-llama-bpe.gguf"},
};

/* llama.cpp's test pairs: no BOS, special tokens not parsed. */
static void test_vocab_pairs(void **state)
{
    const struct pair_case *pc = *state;
    char rel[256];
    snprintf(rel, sizeof(rel), "vocab/%s.inp", pc->pairs);
    TU_SHARED_OR_SKIP(inp, rel);
    char base[4096];
    snprintf(base, sizeof(base), "%.*s", (int)(strlen(inp) - 4), inp);
    snprintf(rel, sizeof(rel), "vocab/%s", pc->vocab);
    struct tok_vocab *v = load_vocab(rel);
    if (!v) {
        skip();
        return;
    }
    assert_int_equal(tok_vocab_type(v), TOK_TYPE_BPE);
    struct tu_vocab_cases cases;
    assert_int_equal(tu_vocab_cases_load(base, &cases), 0);
    assert_true(cases.n > 0);
    size_t ok = 0;
    for (size_t i = 0; i < cases.n; i++)
        ok += (size_t)same_ids(v, cases.cases[i].text, cases.cases[i].len, 0, cases.cases[i].ids,
                               cases.cases[i].n_ids, pc->pairs);
    fprintf(stderr, "%s with %s: %zu/%zu pairs\n", pc->pairs, pc->vocab, ok, cases.n);
    assert_int_equal(ok, cases.n);
    tu_vocab_cases_free(&cases);
    tok_vocab_free(v);
}

/* ids[] of a JSON array of integers (malloc'ed). */
static int32_t *json_ids(const json_t *arr, size_t *n)
{
    assert_true(json_is_array(arr));
    *n = json_array_size(arr);
    int32_t *ids = malloc((*n + 1) * sizeof(*ids));
    assert_non_null(ids);
    for (size_t i = 0; i < *n; i++) {
        const json_t *x = json_array_get(arr, i);
        assert_true(json_is_integer(x));
        ids[i] = (int32_t)json_integer_value(x);
    }
    return ids;
}

/* reference-cases/<name>.jsonl: "ids" with special tokens parsed, no BOS. */
static void check_jsonl(const char *jsonl, const char *vocab)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "vocab/reference-cases/%s", jsonl);
    TU_SHARED_OR_SKIP(path, rel);
    size_t len = 0;
    char *data = tu_read_file(path, &len);
    assert_non_null(data);
    snprintf(rel, sizeof(rel), "vocab/%s", vocab);
    struct tok_vocab *v = load_vocab(rel);
    if (!v) {
        free(data);
        skip();
        return;
    }
    size_t n_cases = 0, ok = 0;
    for (char *line = data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!*line)
            continue;
        json_error_t jerr;
        json_t *o = json_loads(line, 0, &jerr);
        assert_non_null(o);
        const json_t *text = json_object_get(o, "text");
        assert_true(json_is_string(text));
        size_t n_ids;
        int32_t *ids = json_ids(json_object_get(o, "ids"), &n_ids);
        n_cases++;
        ok += (size_t)same_ids(v, json_string_value(text), json_string_length(text),
                               TOK_ENC_PARSE_SPECIAL, ids, n_ids, jsonl);
        free(ids);
        json_decref(o);
    }
    fprintf(stderr, "%s with %s: %zu/%zu cases\n", jsonl, vocab, ok, n_cases);
    assert_true(n_cases > 0);
    assert_int_equal(ok, n_cases);
    tok_vocab_free(v);
    free(data);
}

static void test_reference_qwen3(void **state)
{
    (void)state;
    check_jsonl("qwen3.jsonl", "ggml-vocab-qwen3-derived.gguf");
}

static void test_reference_llama3(void **state)
{
    (void)state;
    check_jsonl("llama3.jsonl", "ggml-vocab-llama3-derived.gguf");
}

/* golden/<model>.json "tokenize": ids_no_special and ids_add_special. */
static void check_golden(const char *golden, const char *vocab)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "golden/%s", golden);
    TU_SHARED_OR_SKIP(path, rel);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    assert_non_null(root);
    snprintf(rel, sizeof(rel), "vocab/%s", vocab);
    struct tok_vocab *v = load_vocab(rel);
    if (!v) {
        json_decref(root);
        skip();
        return;
    }
    const json_t *cases = json_object_get(root, "tokenize");
    assert_true(json_is_array(cases) && json_array_size(cases) > 0);
    size_t ok = 0, n = 0, i;
    const json_t *c;
    json_array_foreach(cases, i, c) {
        const json_t *text = json_object_get(c, "text");
        assert_true(json_is_string(text));
        size_t n_ids;
        int32_t *ids = json_ids(json_object_get(c, "ids_no_special"), &n_ids);
        ok += (size_t)same_ids(v, json_string_value(text), json_string_length(text),
                               TOK_ENC_PARSE_SPECIAL, ids, n_ids, golden);
        free(ids);
        ids = json_ids(json_object_get(c, "ids_add_special"), &n_ids);
        ok += (size_t)same_ids(v, json_string_value(text), json_string_length(text),
                               TOK_ENC_PARSE_SPECIAL | TOK_ENC_ADD_SPECIAL, ids, n_ids, golden);
        free(ids);
        n += 2;
    }
    fprintf(stderr, "%s with %s: %zu/%zu\n", golden, vocab, ok, n);
    assert_int_equal(ok, n);
    tok_vocab_free(v);
    json_decref(root);
}

static void test_golden_synthetic(void **state)
{
    (void)state;
    check_golden("synthetic-v2-llama3.2-1b-Q4_K_M.json", "ggml-vocab-llama3-derived.gguf");
    check_golden("synthetic-v2-qwen2.5-0.5b-Q4_K_M.json", "ggml-vocab-qwen3-derived.gguf");
    check_golden("synthetic-v2-qwen3-0.6b-Q8_0.json", "ggml-vocab-qwen3-derived.gguf");
}

/* Every BPE vocab in vocab/: decode(encode(war-and-peace)) gives the text
 * back byte for byte: the pieces concatenated always, tok_decode() where the
 * vocab has no clean_spaces (that clean-up is not meant to be an inverse). */
static const char *const all_vocabs[] = {
    "ggml-vocab-gpt-2.gguf",        "ggml-vocab-gpt-neox.gguf",       "ggml-vocab-mpt.gguf",
    "ggml-vocab-falcon.gguf",       "ggml-vocab-starcoder.gguf",      "ggml-vocab-refact.gguf",
    "ggml-vocab-deepseek-llm.gguf", "ggml-vocab-deepseek-coder.gguf", "ggml-vocab-baichuan.gguf",
    "ggml-vocab-qwen3-derived.gguf", "ggml-vocab-llama3-derived.gguf",
};

static void test_round_trip(void **state)
{
    (void)state;
    TU_SHARED_OR_SKIP(corpus, "corpus/war-and-peace.txt");
    size_t len = 0;
    char *text = tu_read_file(corpus, &len);
    assert_non_null(text);
    size_t n_bpe = 0;
    for (size_t k = 0; k < sizeof(all_vocabs) / sizeof(all_vocabs[0]); k++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "vocab/%s", all_vocabs[k]);
        struct tok_vocab *v = load_vocab(rel);
        if (!v)
            continue;
        if (tok_vocab_type(v) != TOK_TYPE_BPE) { /* baichuan is SentencePiece */
            tok_vocab_free(v);
            continue;
        }
        struct tok_ids ids;
        struct cola_err err;
        struct buf out;
        err_clear(&err);
        tok_ids_init(&ids, len + 1);
        buf_init(&out, len + 1);
        assert_int_equal(tok_encode(v, text, len, 0, &ids, &err), 0);
        for (size_t i = 0; i < ids.n; i++)
            assert_int_equal(tok_piece(v, ids.ids[i], 0, &out), 0);
        bool same = out.len == len && memcmp(out.data, text, len) == 0;
        fprintf(stderr, "%s: %zu bytes -> %zu ids -> %s\n", all_vocabs[k], len, ids.n,
                same ? "same text" : "DIFFERENT text");
        assert_true(same);
        /* tok_decode() is the inverse too where the vocab has no clean-up
         * (clean_spaces turns " 'strategy" into "'strategy", as llama.cpp) */
        if (!v->clean_spaces) {
            buf_reset(&out);
            assert_int_equal(tok_decode(v, ids.ids, ids.n, 0, &out), 0);
            assert_int_equal(out.len, len);
            assert_memory_equal(out.data, text, len);
        }
        n_bpe++;
        buf_free(&out);
        tok_ids_free(&ids);
        tok_vocab_free(v);
    }
    assert_true(n_bpe >= 10);
    free(text);
}

/* Two threads encode with one vocab at once; both match a lone run. */
struct enc_job {
    const struct tok_vocab *v;
    const char *text;
    size_t len;
    struct tok_ids ids;
    int rc;
};

static void *enc_thread(void *arg)
{
    struct enc_job *j = arg;
    tok_ids_init(&j->ids, j->len + 1);
    j->rc = tok_encode(j->v, j->text, j->len, 0, &j->ids, NULL);
    return NULL;
}

static void test_threads_and_speed(void **state)
{
    (void)state;
    TU_SHARED_OR_SKIP(corpus, "corpus/war-and-peace.txt");
    size_t len = 0;
    char *text = tu_read_file(corpus, &len);
    assert_non_null(text);
    struct tok_vocab *v = load_vocab("vocab/ggml-vocab-llama3-derived.gguf");
    if (!v) {
        free(text);
        skip();
        return;
    }
    /* one thread, timed */
    struct enc_job ref = {v, text, len, {0}, 0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    enc_thread(&ref);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(ref.rc, 0);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    fprintf(stderr, "llama3 BPE on war-and-peace: %zu bytes, %zu ids, %.3f s, %.1f MB/s (1 thread)\n",
            len, ref.ids.n, s, (double)len / s / 1e6);

    struct enc_job jobs[2] = {{v, text, len, {0}, 0}, {v, text + len / 3, len / 2, {0}, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, enc_thread, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(jobs[0].rc, 0);
    assert_int_equal(jobs[1].rc, 0);
    assert_int_equal(jobs[0].ids.n, ref.ids.n);
    assert_memory_equal(jobs[0].ids.ids, ref.ids.ids, ref.ids.n * sizeof(int32_t));
    struct enc_job part = {v, text + len / 3, len / 2, {0}, 0};
    enc_thread(&part);
    assert_int_equal(jobs[1].ids.n, part.ids.n);
    assert_memory_equal(jobs[1].ids.ids, part.ids.ids, part.ids.n * sizeof(int32_t));
    tok_ids_free(&part.ids);
    for (int i = 0; i < 2; i++)
        tok_ids_free(&jobs[i].ids);
    tok_ids_free(&ref.ids);
    tok_vocab_free(v);
    free(text);
}

#define PAIR_TEST(i) cmocka_unit_test_prestate(test_vocab_pairs, (void *)&pair_cases[i])

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_byte_map),
        cmocka_unit_test(test_text_prepare),
        cmocka_unit_test(test_pre_find),
        cmocka_unit_test(test_split_gpt2),
        cmocka_unit_test(test_split_llama3),
        cmocka_unit_test(test_split_multi),
        cmocka_unit_test(test_split_more),
        cmocka_unit_test(test_long_runs),
        cmocka_unit_test(test_merges_rank_order),
        cmocka_unit_test(test_merges_fallback),
        cmocka_unit_test(test_ignore_merges),
        cmocka_unit_test(test_load_errors),
        PAIR_TEST(0),
        PAIR_TEST(1),
        PAIR_TEST(2),
        PAIR_TEST(3),
        PAIR_TEST(4),
        PAIR_TEST(5),
        PAIR_TEST(6),
        PAIR_TEST(7),
        PAIR_TEST(8),
        cmocka_unit_test(test_reference_qwen3),
        cmocka_unit_test(test_reference_llama3),
        cmocka_unit_test(test_golden_synthetic),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_threads_and_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
