/* WordPiece (BERT) tokenizer against llama.cpp: its test pairs for the
 * bert-bge vocab, [CLS]/[SEP], [UNK], the BERT normalization and the
 * detokenizer's clean-up. */
#include "tok_testutil.h"

static void test_bert_bge_pairs(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-bert-bge.gguf");
    assert_int_equal(tok_vocab_type(v), TOK_TYPE_WPM);
    size_t n = 0;
    size_t failed = tt_run_pairs(v, tu_shared_path("vocab/ggml-vocab-bert-bge.gguf"), &n);
    fprintf(stderr, "bert-bge: %zu/%zu pairs match\n", n - failed, n);
    assert_true(n >= 40);
    assert_int_equal(failed, 0);
    tok_vocab_free(v);
}

static struct tok_ids enc(const struct tok_vocab *v, const char *s, unsigned flags)
{
    struct tok_ids ids;
    tok_ids_init(&ids, 1 << 20);
    struct cola_err err;
    err_clear(&err);
    if (tok_encode(v, s, strlen(s), flags, &ids, &err)) {
        fprintf(stderr, "encode '%s': %s\n", s, err_msg(&err));
        fail();
    }
    return ids;
}

static void assert_same(const struct tok_ids *a, const struct tok_ids *b)
{
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->ids, b->ids, a->n * sizeof(int32_t));
}

/* [CLS] and [SEP] come from the metadata (cls/seperator ids 101/102 here) and
 * are added whenever ADD_SPECIAL is asked for. */
static void test_cls_sep(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-bert-bge.gguf");
    int32_t cls = tok_special(v, TOK_SPECIAL_BOS), sep = tok_special(v, TOK_SPECIAL_SEP);
    assert_string_equal(tok_text(v, cls, NULL), "[CLS]");
    assert_string_equal(tok_text(v, sep, NULL), "[SEP]");
    assert_string_equal(tok_text(v, tok_special(v, TOK_SPECIAL_UNK), NULL), "[UNK]");
    assert_string_equal(tok_text(v, tok_special(v, TOK_SPECIAL_MASK), NULL), "[MASK]");
    assert_true(tok_adds_bos(v));
    struct tok_ids plain = enc(v, "Hello world", 0), full = enc(v, "Hello world", TOK_ENC_ADD_SPECIAL);
    assert_true(plain.n >= 2);
    assert_int_equal(full.n, plain.n + 2);
    assert_int_equal(full.ids[0], cls);
    assert_memory_equal(full.ids + 1, plain.ids, plain.n * sizeof(int32_t));
    assert_int_equal(full.ids[full.n - 1], sep);
    struct tok_ids empty = enc(v, "", TOK_ENC_ADD_SPECIAL);
    assert_int_equal(empty.n, 2);
    /* [MASK] written in the text is a control token: only with PARSE_SPECIAL */
    struct tok_ids masked = enc(v, "a [MASK] b", TOK_ENC_PARSE_SPECIAL);
    assert_int_equal(masked.n, 3);
    assert_int_equal(masked.ids[1], tok_special(v, TOK_SPECIAL_MASK));
    struct tok_ids literal = enc(v, "a [MASK] b", 0);
    assert_true(literal.n > 3); /* "[", "mask", "]" */
    struct tok_ids *all[] = {&plain, &full, &empty, &masked, &literal};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        tok_ids_free(all[i]);
    tok_vocab_free(v);
}

/* BERT normalization: case, accents (NFD then drop marks), whitespace and
 * control characters, punctuation and CJK ideographs as words of their own. */
static void test_normalization(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-bert-bge.gguf");
    static const char *const same[][2] = {
        {"Hello WORLD", "hello world"},
        {"Caf\xc3\xa9 na\xc3\xafve", "cafe naive"},          /* é ï */
        {"Cafe\xcc\x81", "cafe"},                             /* e + combining acute */
        {"\xc3\x85ngstr\xc3\xb6m", "angstrom"},              /* Å ö */
        {"hello,world!", "hello , world !"},
        {"a\tb\nc\r\nd\xc2\xa0" "e\xe3\x80\x80" "f", "a b c d e f"}, /* tab, newlines, NBSP, ideographic space */
        {"x\xe2\x80\x8by", "xy"},                             /* zero-width space (Cf) vanishes */
        {"a\x01" "b", "ab"},                                  /* control character vanishes */
        {"\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad \xe6\x96\x87"}, /* 中文: one word per ideograph */
        {"$5+3", "$ 5 + 3"},                                  /* ASCII symbols split */
        {"a\xff" "b", "ab"},                                  /* an invalid byte vanishes */
    };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        struct tok_ids a = enc(v, same[i][0], 0), b = enc(v, same[i][1], 0);
        if (a.n != b.n || memcmp(a.ids, b.ids, a.n * sizeof(int32_t)))
            fprintf(stderr, "normalization case %zu: '%s' vs '%s'\n", i, same[i][0], same[i][1]);
        assert_same(&a, &b);
        tok_ids_free(&a);
        tok_ids_free(&b);
    }
    tok_vocab_free(v);
}

/* A word with any position the vocab cannot match becomes one [UNK]. */
static void test_unknown_word(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-bert-bge.gguf");
    const char *snow = "\xe2\x98\x83"; /* ☃: a symbol outside ASCII, so part of a word */
    char word[32];
    snprintf(word, sizeof(word), "\xe2\x96\x81%s", snow);
    assert_true(tok_find(v, word, strlen(word)) < 0);
    assert_true(tok_find(v, snow, strlen(snow)) < 0);
    char text[64];
    snprintf(text, sizeof(text), "hello x%sy world", snow);
    struct tok_ids got = enc(v, text, 0), hello = enc(v, "hello", 0), world = enc(v, "world", 0);
    assert_int_equal(got.n, hello.n + 1 + world.n);
    assert_int_equal(got.ids[hello.n], tok_special(v, TOK_SPECIAL_UNK));
    tok_ids_free(&got);
    tok_ids_free(&hello);
    tok_ids_free(&world);
    tok_vocab_free(v);
}

/* WPM pieces carry the word's U+2581 as a leading space; clean_spaces then
 * removes the space before punctuation and in contractions, as llama.cpp. */
static void test_detokenize(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-bert-bge.gguf");
    struct tok_ids ids = enc(v, "Hello, world! It's a test.", TOK_ENC_ADD_SPECIAL);
    char *text = tt_decode(v, ids.ids, ids.n, 0);
    assert_string_equal(text, " hello, world! it's a test.");
    free(text);
    text = tt_decode(v, ids.ids, ids.n, TOK_DEC_UNPARSE_SPECIAL);
    assert_string_equal(text, "[CLS] hello, world! it's a test.[SEP]");
    free(text);
    /* REMOVE_SPECIAL drops the leading [CLS] (add_bos); [SEP] is not EOS */
    text = tt_decode(v, ids.ids, ids.n, TOK_DEC_REMOVE_SPECIAL | TOK_DEC_UNPARSE_SPECIAL);
    assert_string_equal(text, " hello, world! it's a test.[SEP]");
    free(text);
    tok_ids_free(&ids);
    tok_vocab_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bert_bge_pairs),
        cmocka_unit_test(test_cls_sep),
        cmocka_unit_test(test_normalization),
        cmocka_unit_test(test_unknown_word),
        cmocka_unit_test(test_detokenize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
