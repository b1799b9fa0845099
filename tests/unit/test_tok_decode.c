/* Detokenization: byte tokens, the dummy-prefix space, UTF-8 split across
 * tokens (tok_stream), invalid bytes -> U+FFFD, clean_spaces against a plain
 * implementation of llama.cpp's three passes, and stream == decode. */
#include "tok_testutil.h"

static const char FFFD[] = "\xef\xbf\xbd";

static int32_t byte_id(const struct tok_vocab *v, unsigned b)
{
    char name[8];
    snprintf(name, sizeof(name), "<0x%02X>", b);
    int32_t id = tok_find(v, name, 6);
    assert_true(id >= 0);
    assert_true(tok_attr(v, id) & TOK_ATTR_BYTE);
    return id;
}

static int32_t text_id(const struct tok_vocab *v, const char *text)
{
    int32_t id = tok_find(v, text, strlen(text));
    assert_true(id >= 0);
    return id;
}

/* "世" = E4 B8 96 as three byte tokens: one character, however it is fed. */
static void test_byte_tokens_and_stream(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-llama-spm.gguf");
    int32_t ids[3] = {byte_id(v, 0xE4), byte_id(v, 0xB8), byte_id(v, 0x96)};
    char *s = tt_decode(v, ids, 3, 0);
    assert_string_equal(s, "\xe4\xb8\x96");
    free(s);
    struct buf piece;
    buf_init(&piece, 64);
    assert_int_equal(tok_piece(v, ids[0], 0, &piece), 0);
    assert_int_equal(piece.len, 1);
    assert_int_equal((unsigned char)piece.data[0], 0xE4);

    struct buf out;
    buf_init(&out, 1024);
    struct tok_stream st;
    tok_stream_init(&st, v, 0);
    assert_int_equal(tok_stream_push(&st, ids[0], &out), 0);
    assert_int_equal(out.len, 0); /* held back: incomplete */
    assert_int_equal(tok_stream_push(&st, ids[1], &out), 0);
    assert_int_equal(out.len, 0);
    assert_int_equal(tok_stream_push(&st, ids[2], &out), 0);
    assert_string_equal(out.data, "\xe4\xb8\x96");
    /* an incomplete character at the end of the stream becomes U+FFFD */
    assert_int_equal(tok_stream_push(&st, ids[0], &out), 0);
    assert_int_equal(tok_stream_push(&st, ids[1], &out), 0);
    assert_int_equal(tok_stream_flush(&st, &out), 0);
    assert_int_equal(out.len, 6);
    assert_memory_equal(out.data + 3, FFFD, 3);
    /* a bad id is refused and changes nothing */
    assert_int_equal(tok_stream_push(&st, tok_vocab_size(v), &out), COLA_ERANGE);
    assert_int_equal(tok_stream_push(&st, -1, &out), COLA_ERANGE);
    assert_int_equal(tok_piece(v, tok_vocab_size(v), 0, &piece), COLA_ERANGE);
    assert_int_equal(out.len, 6);
    buf_free(&out);
    buf_free(&piece);
    tok_vocab_free(v);
}

/* Invalid sequences become one U+FFFD per maximal invalid subpart. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
        {"\xff", 1, "\xef\xbf\xbd"},
        {"a\x80" "b", 3, "a\xef\xbf\xbd" "b"},
        {"\xc0\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong */
        {"\xe0\x80\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* overlong */
        {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
        {"\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
        {"\xe4\xb8" "A", 3, "\xef\xbf\xbd" "A"},                       /* truncated, then ASCII */
        {"\xf0\x9f\xa6", 3, "\xef\xbf\xbd"},                           /* truncated at the end */
        {"\xf0\x9f\xa6\x99", 4, "\xf0\x9f\xa6\x99"},                   /* 🦙 is fine */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf out;
        buf_init(&out, 64);
        assert_int_equal(tok_utf8_repair(cases[i].in, cases[i].len, &out), 0);
        assert_string_equal(out.data, cases[i].want);
        buf_free(&out);
    }
    /* and through the decoder: byte tokens that never form a character */
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-llama-spm.gguf");
    int32_t ids[] = {byte_id(v, 0xFF), text_id(v, "\xe2\x96\x81" "a"), byte_id(v, 0xE4), byte_id(v, 0x41)};
    char *s = tt_decode(v, ids, 4, 0);
    assert_string_equal(s, "\xef\xbf\xbd a\xef\xbf\xbd" "A");
    free(s);
    tok_vocab_free(v);
}

/* llama_detokenize drops the dummy-prefix space of the first token, but not
 * after a BOS it was asked to remove. */
static void test_leading_space(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-llama-spm.gguf");
    int32_t bos = tok_special(v, TOK_SPECIAL_BOS), hello = text_id(v, "\xe2\x96\x81Hello"),
            world = text_id(v, "\xe2\x96\x81world"), sp = text_id(v, "\xe2\x96\x81");
    struct {
        int32_t ids[4];
        size_t n;
        unsigned flags;
        const char *want;
    } cases[] = {
        {{hello, world}, 2, 0, "Hello world"},
        {{sp, hello}, 2, 0, " Hello"},                 /* only one space is dropped */
        {{bos, hello}, 2, 0, " Hello"},                /* the BOS (rendered empty) took the strip */
        {{bos, hello}, 2, TOK_DEC_UNPARSE_SPECIAL, "<s> Hello"},
        {{bos, hello}, 2, TOK_DEC_REMOVE_SPECIAL, " Hello"},
        {{bos, hello, bos}, 3, TOK_DEC_REMOVE_SPECIAL | TOK_DEC_UNPARSE_SPECIAL, " Hello<s>"},
        {{hello, world}, 2, TOK_DEC_CONTINUE, " Hello world"}, /* generated text keeps it */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = tt_decode(v, cases[i].ids, cases[i].n, cases[i].flags);
        assert_string_equal(s, cases[i].want);
        free(s);
    }
    struct buf piece;
    buf_init(&piece, 64);
    assert_int_equal(tok_piece(v, hello, 0, &piece), 0);
    assert_string_equal(piece.data, " Hello"); /* a single piece keeps its space */
    buf_reset(&piece);
    assert_int_equal(tok_piece(v, bos, 0, &piece), 0);
    assert_int_equal(piece.len, 0);
    assert_int_equal(tok_piece(v, bos, TOK_DEC_UNPARSE_SPECIAL, &piece), 0);
    assert_string_equal(piece.data, "<s>");
    buf_free(&piece);
    tok_vocab_free(v);
}

/* llama.cpp's clean_spaces, written plainly: three passes over the text. */
static size_t ref_clean(char *t, size_t n)
{
    size_t total = n ? 1 : 0;
    for (size_t i = 1; i < n; i++) { /* " ?", " !", " .", " ," */
        char x = t[i];
        if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ','))
            total--;
        t[total++] = x;
    }
    n = total;
    total = n ? 1 : 0;
    for (size_t i = 1; i < n; i++) { /* " ' " */
        char x = t[i];
        if (x == '\'' && i + 1 < n && t[i - 1] == ' ' && t[i + 1] == ' ') {
            total--;
            t[++i] = '\0';
        }
        t[total++] = x;
    }
    n = total;
    total = n ? 1 : 0;
    for (size_t i = 1; i < n; i++) { /* " 's", " 'm", " 're", " 've" */
        char x = t[i];
        if (t[i - 1] == ' ' && x == '\'' && i + 1 < n) {
            char x1 = t[i + 1];
            if (x1 == 's' || x1 == 'm')
                total--;
            else if (i + 2 < n && ((x1 == 'r' && t[i + 2] == 'e') || (x1 == 'v' && t[i + 2] == 'e')))
                total--;
        }
        t[total++] = x;
    }
    return total;
}

/* A tiny WordPiece vocab (clean_spaces on) whose tokens are single
 * characters, so any string can be written as ids. */
static const char k_alphabet[] = " 'smrve.?!,x";

static struct tok_vocab *clean_vocab(void)
{
    const char *tokens[4 + sizeof(k_alphabet)];
    char singles[sizeof(k_alphabet)][2];
    size_t n = 0;
    tokens[n++] = "[UNK]";
    tokens[n++] = "[CLS]";
    tokens[n++] = "[SEP]";
    for (size_t i = 0; k_alphabet[i]; i++) {
        singles[i][0] = k_alphabet[i];
        singles[i][1] = '\0';
        tokens[n++] = k_alphabet[i] == ' ' ? "\xe2\x96\x81" : singles[i];
    }
    int32_t types[sizeof(tokens) / sizeof(tokens[0])];
    for (size_t i = 0; i < n; i++)
        types[i] = i < 3 ? 3 : 1;
    struct gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    gguf_writer_set_str(w, "tokenizer.ggml.model", "bert");
    gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", tokens, n);
    gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_VT_INT32, types, n);
    gguf_writer_set_u32(w, "tokenizer.ggml.unknown_token_id", 0);
    gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", 1);
    gguf_writer_set_u32(w, "tokenizer.ggml.seperator_token_id", 2);
    struct tok_vocab *v = NULL;
    struct cola_err err;
    err_clear(&err);
    if (tt_load_writer(w, &v, &err)) {
        fprintf(stderr, "clean vocab: %s\n", err_msg(&err));
        fail();
    }
    return v;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_clean_spaces_vs_reference(void **state)
{
    (void)state;
    struct tok_vocab *v = clean_vocab();
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    size_t n_alpha = strlen(k_alphabet);
    for (int round = 0; round < 20000; round++) {
        int32_t ids[24];
        char raw[25];
        size_t n = rng_next(&seed) % 24;
        for (size_t i = 0; i < n; i++) {
            size_t k = rng_next(&seed) % (round % 2 ? n_alpha : 4); /* odd rounds: the whole alphabet */
            ids[i] = (int32_t)(3 + k);
            raw[i] = k_alphabet[k];
        }
        size_t want_n = ref_clean(raw, n);
        raw[want_n] = '\0';
        char *got = tt_decode(v, ids, n, 0);
        if (strcmp(got, raw))
            fprintf(stderr, "clean_spaces round %d: got '%s' want '%s'\n", round, got, raw);
        assert_string_equal(got, raw);
        free(got);
    }
    tok_vocab_free(v);
}

/* Streaming id by id gives exactly tok_decode's bytes, with every flag. */
static void check_stream_equals_decode(const struct tok_vocab *v, uint64_t seed, int rounds)
{
    int32_t n_vocab = tok_vocab_size(v);
    for (int round = 0; round < rounds; round++) {
        int32_t ids[48];
        size_t n = rng_next(&seed) % 48;
        for (size_t i = 0; i < n; i++)
            ids[i] = (int32_t)(rng_next(&seed) % (uint64_t)n_vocab);
        if (n && round % 3 == 0)
            ids[0] = tok_special(v, TOK_SPECIAL_BOS);
        unsigned flags = (unsigned)round & 7;
        struct buf want, got;
        buf_init(&want, 1 << 16);
        buf_init(&got, 1 << 16);
        assert_int_equal(tok_decode(v, ids, n, flags, &want), 0);
        struct tok_stream st;
        tok_stream_init(&st, v, flags);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(tok_stream_push(&st, ids[i], &got), 0);
        assert_int_equal(tok_stream_flush(&st, &got), 0);
        /* REMOVE_SPECIAL also drops a trailing EOS in tok_decode, which a stream cannot know */
        bool eos_tail = (flags & TOK_DEC_REMOVE_SPECIAL) && tok_adds_eos(v) && n &&
                        ids[n - 1] == tok_special(v, TOK_SPECIAL_EOS);
        if (!eos_tail) {
            assert_int_equal(got.len, want.len);
            assert_memory_equal(got.data ? got.data : "", want.data ? want.data : "", got.len);
        }
        struct buf fixed; /* decode output is valid UTF-8: repairing changes nothing */
        buf_init(&fixed, 1 << 17);
        assert_int_equal(tok_utf8_repair(want.data, want.len, &fixed), 0);
        assert_int_equal(fixed.len, want.len);
        assert_memory_equal(fixed.data ? fixed.data : "", want.data ? want.data : "", want.len);
        buf_free(&fixed);
        buf_free(&want);
        buf_free(&got);
    }
}

static void test_stream_equals_decode(void **state)
{
    (void)state;
    struct tok_vocab *clean = clean_vocab();
    check_stream_equals_decode(clean, 7, 5000);
    tok_vocab_free(clean);
    static const char *const files[] = {"vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-bert-bge.gguf",
                                        "vocab/ggml-vocab-phi-3.gguf"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct tok_vocab *v = tt_load_shared(files[i]);
        if (!v)
            continue;
        check_stream_equals_decode(v, 1234567 + i, 3000);
        tok_vocab_free(v);
    }
}

/* A full output buffer is an error that leaves the buffer as it was. */
static void test_output_limits(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-llama-spm.gguf");
    int32_t ids[] = {text_id(v, "\xe2\x96\x81Hello"), text_id(v, "\xe2\x96\x81world")};
    struct buf small;
    buf_init(&small, 8);
    assert_int_equal(buf_puts(&small, "ab"), 0);
    assert_int_equal(tok_decode(v, ids, 2, 0, &small), COLA_ENOMEM);
    assert_string_equal(small.data, "ab");
    struct tok_stream st;
    tok_stream_init(&st, v, 0);
    assert_int_equal(tok_stream_push(&st, ids[0], &small), 0); /* "Hello" fits */
    assert_string_equal(small.data, "abHello");
    assert_int_equal(tok_stream_push(&st, ids[1], &small), COLA_ENOMEM);
    assert_string_equal(small.data, "abHello");
    buf_free(&small);
    int32_t bad[] = {ids[0], -5};
    struct buf b;
    buf_init(&b, 64);
    assert_int_equal(tok_decode(v, bad, 2, 0, &b), COLA_ERANGE);
    assert_int_equal(b.len, 0);
    buf_free(&b);
    tok_vocab_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_byte_tokens_and_stream),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_leading_space),
        cmocka_unit_test(test_clean_spaces_vs_reference),
        cmocka_unit_test(test_stream_equals_decode),
        cmocka_unit_test(test_output_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
