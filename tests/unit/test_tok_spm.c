/* SentencePiece-style tokenizer against llama.cpp: its test pairs for the
 * llama-spm and phi-3 vocabs, the golden tokenize sections of the two Llama
 * models, special tokens (parsed or not, rstrip), and a round trip of a
 * 3.2 MB text. */
#include "tok_testutil.h"

#include <jansson.h>

static void test_llama_spm_pairs(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-llama-spm.gguf");
    assert_int_equal(tok_vocab_type(v), TOK_TYPE_SPM);
    size_t n = 0;
    size_t failed = tt_run_pairs(v, tu_shared_path("vocab/ggml-vocab-llama-spm.gguf"), &n);
    fprintf(stderr, "llama-spm: %zu/%zu pairs match\n", n - failed, n);
    assert_true(n >= 40);
    assert_int_equal(failed, 0);
    tok_vocab_free(v);
}

static void test_phi3_pairs(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-phi-3.gguf");
    size_t n = 0;
    size_t failed = tt_run_pairs(v, tu_shared_path("vocab/ggml-vocab-phi-3.gguf"), &n);
    fprintf(stderr, "phi-3: %zu/%zu pairs match\n", n - failed, n);
    assert_true(n >= 40);
    assert_int_equal(failed, 0);
    tok_vocab_free(v);
}

/* The bytes a golden "pieces" entry stands for: a string, or a list of bytes. */
static void golden_piece(json_t *p, struct buf *out)
{
    if (json_is_string(p)) {
        buf_append(out, json_string_value(p), json_string_length(p));
        return;
    }
    assert_true(json_is_array(p));
    size_t i;
    json_t *b;
    json_array_foreach(p, i, b) buf_putc(out, (char)json_integer_value(b));
}

static int32_t *json_ids(json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    int32_t *ids = malloc((*n ? *n : 1) * sizeof(*ids));
    for (size_t i = 0; i < *n; i++)
        ids[i] = (int32_t)json_integer_value(json_array_get(arr, i));
    return ids;
}

/* One prompt of a golden "tokenize" section: ids with and without BOS, every
 * piece, and decode(ids) giving the text back. */
static void check_golden_prompt(const struct tok_vocab *v, json_t *t)
{
    const char *text = json_string_value(json_object_get(t, "text"));
    size_t len = json_string_length(json_object_get(t, "text"));
    size_t n_add, n_no;
    int32_t *add = json_ids(json_object_get(t, "ids_add_special"), &n_add);
    int32_t *no = json_ids(json_object_get(t, "ids_no_special"), &n_no);
    assert_true(tt_ids_match(v, text, len, TOK_ENC_ADD_SPECIAL, add, n_add));
    assert_true(tt_ids_match(v, text, len, 0, no, n_no));

    json_t *pieces = json_object_get(t, "pieces");
    assert_int_equal(json_array_size(pieces), n_no);
    struct buf want, got, all;
    buf_init(&want, 1 << 20);
    buf_init(&got, 1 << 20);
    buf_init(&all, 1 << 20);
    for (size_t i = 0; i < n_no; i++) {
        buf_reset(&want);
        buf_reset(&got);
        golden_piece(json_array_get(pieces, i), &want);
        assert_int_equal(tok_piece(v, no[i], 0, &got), 0);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.data, want.data, want.len);
        buf_append(&all, got.data, got.len);
    }
    /* the server's detokenize concatenates pieces; llama_detokenize drops the dummy prefix */
    assert_string_equal(all.data ? all.data : "", json_string_value(json_object_get(t, "detok_no_special")));
    char *round = tt_decode(v, no, n_no, 0);
    assert_string_equal(round, text);
    free(round);
    buf_free(&want);
    buf_free(&got);
    buf_free(&all);
    free(add);
    free(no);
}

static void check_golden(const char *model_rel, const char *golden_rel)
{
    const char *gpath = tu_shared_path(golden_rel);
    if (!gpath) {
        skip();
        return;
    }
    json_error_t jerr;
    json_t *root = json_load_file(gpath, 0, &jerr);
    assert_non_null(root);
    TT_VOCAB_OR_SKIP(v, model_rel);
    json_t *tok = json_object_get(root, "tokenize");
    assert_true(json_array_size(tok) >= 6);
    size_t i;
    json_t *t;
    json_array_foreach(tok, i, t) check_golden_prompt(v, t);
    /* the golden model facts: BOS/EOS texts and the end-of-generation set */
    json_t *m = json_object_get(root, "model");
    assert_string_equal(tok_text(v, tok_special(v, TOK_SPECIAL_BOS), NULL),
                        json_string_value(json_object_get(m, "bos_token")));
    assert_string_equal(tok_text(v, tok_special(v, TOK_SPECIAL_EOS), NULL),
                        json_string_value(json_object_get(m, "eos_token")));
    size_t n_eog;
    const int32_t *eog = tok_eog_ids(v, &n_eog);
    json_t *want_eog = json_object_get(m, "eog_ids");
    assert_int_equal(n_eog, json_array_size(want_eog));
    for (size_t k = 0; k < n_eog; k++)
        assert_int_equal(eog[k], json_integer_value(json_array_get(want_eog, k)));
    tok_vocab_free(v);
    json_decref(root);
}

static void test_golden_stories260k(void **state)
{
    (void)state;
    check_golden("models/stories260K-f32.gguf", "golden/stories260K-f32.json");
}

static void test_golden_llama2_tiny(void **state)
{
    (void)state;
    check_golden("models/llama-2-tiny-random.gguf", "golden/llama-2-tiny-random.json");
}

/* Encode with flags into a fresh array (caller frees). */
static struct tok_ids enc(const struct tok_vocab *v, const char *s, unsigned flags)
{
    struct tok_ids ids;
    tok_ids_init(&ids, 1 << 20);
    assert_int_equal(tok_encode(v, s, strlen(s), flags, &ids, NULL), 0);
    return ids;
}

static bool contains(const struct tok_ids *ids, int32_t id)
{
    for (size_t i = 0; i < ids->n; i++)
        if (ids->ids[i] == id)
            return true;
    return false;
}

/* Control tokens are only recognised with PARSE_SPECIAL; after one, the next
 * fragment gets the dummy-prefix space again (as at the start of the text). */
static void test_special_tokens_llama_spm(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-llama-spm.gguf");
    int32_t bos = tok_special(v, TOK_SPECIAL_BOS), eos = tok_special(v, TOK_SPECIAL_EOS);
    assert_string_equal(tok_text(v, bos, NULL), "<s>");
    assert_string_equal(tok_text(v, eos, NULL), "</s>");
    assert_true(tok_adds_bos(v));
    assert_false(tok_adds_eos(v));

    struct tok_ids parsed = enc(v, "<s>", TOK_ENC_PARSE_SPECIAL);
    assert_int_equal(parsed.n, 1);
    assert_int_equal(parsed.ids[0], bos);
    struct tok_ids plain = enc(v, "<s>", 0);
    assert_true(plain.n > 1);
    assert_false(contains(&plain, bos));
    char *back = tt_decode(v, plain.ids, plain.n, 0);
    assert_string_equal(back, "<s>");
    free(back);

    /* "Hello</s>world" = enc("Hello") + [</s>] + enc("world"), each with its dummy prefix */
    struct tok_ids mixed = enc(v, "Hello</s>world", TOK_ENC_PARSE_SPECIAL);
    struct tok_ids a = enc(v, "Hello", 0), b = enc(v, "world", 0);
    assert_int_equal(mixed.n, a.n + 1 + b.n);
    assert_memory_equal(mixed.ids, a.ids, a.n * sizeof(int32_t));
    assert_int_equal(mixed.ids[a.n], eos);
    assert_memory_equal(mixed.ids + a.n + 1, b.ids, b.n * sizeof(int32_t));

    /* with ADD_SPECIAL a BOS comes first even if the text starts with one (llama.cpp warns) */
    struct tok_ids two = enc(v, "<s>Hi", TOK_ENC_PARSE_SPECIAL | TOK_ENC_ADD_SPECIAL);
    assert_true(two.n >= 3);
    assert_int_equal(two.ids[0], bos);
    assert_int_equal(two.ids[1], bos);
    /* an empty text gives [BOS] with ADD_SPECIAL, nothing without */
    struct tok_ids e1 = enc(v, "", TOK_ENC_ADD_SPECIAL), e0 = enc(v, "", 0);
    assert_int_equal(e1.n, 1);
    assert_int_equal(e1.ids[0], bos);
    assert_int_equal(e0.n, 0);
    struct tok_ids *all[] = {&parsed, &plain, &mixed, &a, &b, &two, &e1, &e0};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        tok_ids_free(all[i]);
    tok_vocab_free(v);
}

/* phi-3: as llama.cpp sets it for models named phi-3, the special tokens
 * strip the whitespace after them. </s> is stored as user-defined, but being
 * an end-of-generation text it is also made a control token, so like the
 * others it is only recognised with PARSE_SPECIAL. */
static void test_special_tokens_phi3(void **state)
{
    (void)state;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-phi-3.gguf");
    int32_t s_end = tok_find(v, "</s>", 4), user = tok_find(v, "<|user|>", 8), eot = tok_find(v, "<|end|>", 7);
    assert_true(s_end >= 0 && user >= 0 && eot >= 0);
    assert_true(tok_attr(v, s_end) & TOK_ATTR_USER_DEFINED);
    assert_true(tok_attr(v, s_end) & TOK_ATTR_CONTROL);
    assert_true(tok_attr(v, s_end) & TOK_ATTR_RSTRIP);
    assert_true(tok_attr(v, user) & TOK_ATTR_RSTRIP);
    assert_false(tok_attr(v, tok_find(v, "<s>", 3)) & TOK_ATTR_RSTRIP);
    assert_true(tok_is_eog(v, eot));
    assert_true(tok_is_eog(v, s_end));
    assert_true(tok_is_eog(v, tok_special(v, TOK_SPECIAL_EOS)));

    /* rstrip eats "  \n" after </s> */
    struct tok_ids got = enc(v, "a</s>  \nb", TOK_ENC_PARSE_SPECIAL);
    struct tok_ids a = enc(v, "a", 0), b = enc(v, "b", 0);
    assert_int_equal(got.n, a.n + 1 + b.n);
    assert_int_equal(got.ids[a.n], s_end);
    assert_memory_equal(got.ids + a.n + 1, b.ids, b.n * sizeof(int32_t));
    struct tok_ids unparsed = enc(v, "a</s>  \nb", 0);
    assert_false(contains(&unparsed, s_end));
    tok_ids_free(&unparsed);
    /* control: only with PARSE_SPECIAL; the newline after <|user|> is stripped */
    struct tok_ids plain = enc(v, "<|user|>\nHello", 0);
    assert_false(contains(&plain, user));
    struct tok_ids parsed = enc(v, "<|user|>\nHello<|end|>", TOK_ENC_PARSE_SPECIAL);
    struct tok_ids hello = enc(v, "Hello", 0);
    assert_int_equal(parsed.n, 1 + hello.n + 1);
    assert_int_equal(parsed.ids[0], user);
    assert_memory_equal(parsed.ids + 1, hello.ids, hello.n * sizeof(int32_t));
    assert_int_equal(parsed.ids[parsed.n - 1], eot);
    struct tok_ids *all[] = {&got, &a, &b, &plain, &parsed, &hello};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        tok_ids_free(all[i]);
    tok_vocab_free(v);
}

/* llama.cpp's SPM has no normalizer beyond escaping spaces, so every text
 * round-trips: decode drops exactly the dummy-prefix space encode added. */
static void test_war_and_peace_round_trip(void **state)
{
    (void)state;
    TU_SHARED_OR_SKIP(path, "corpus/war-and-peace.txt");
    size_t len;
    char *text = tu_read_file(path, &len);
    assert_non_null(text);
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-llama-spm.gguf");
    struct tok_ids ids;
    tok_ids_init(&ids, len + 16);
    assert_int_equal(tok_encode(v, text, len, 0, &ids, NULL), 0);
    assert_true(ids.n > len / 8 && ids.n < len);
    char *back = tt_decode(v, ids.ids, ids.n, 0);
    assert_int_equal(strlen(back), len);
    assert_memory_equal(back, text, len);

    /* streaming the same ids one at a time gives the same bytes */
    struct buf streamed;
    buf_init(&streamed, len + 16);
    struct tok_stream st;
    tok_stream_init(&st, v, 0);
    for (size_t i = 0; i < ids.n; i++)
        assert_int_equal(tok_stream_push(&st, ids.ids[i], &streamed), 0);
    assert_int_equal(tok_stream_flush(&st, &streamed), 0);
    assert_int_equal(streamed.len, len);
    assert_memory_equal(streamed.data, text, len);
    buf_free(&streamed);
    free(back);
    tok_ids_free(&ids);
    tok_vocab_free(v);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_llama_spm_pairs),
        cmocka_unit_test(test_phi3_pairs),
        cmocka_unit_test(test_golden_stories260k),
        cmocka_unit_test(test_golden_llama2_tiny),
        cmocka_unit_test(test_special_tokens_llama_spm),
        cmocka_unit_test(test_special_tokens_phi3),
        cmocka_unit_test(test_war_and_peace_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
