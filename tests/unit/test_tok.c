/* Tokenizer core: loading (errors and tolerated oddities, with GGUFs made by
 * the writer), special-token partitioning (user-defined vs control, longest
 * first, lstrip/rstrip), SPM merge order and byte fallback on hand-built
 * vocabs whose answers are worked out by hand, limits, threads, and the
 * special ids / end-of-generation sets of the golden models. */
#include "tok_testutil.h"

#include <jansson.h>
#include <pthread.h>

/* ---------------------------------------------------------------- builders */

/* A writer with a tokenizer of the given model and tokens (types/scores optional). */
static struct gguf_writer *vocab_writer(const char *model, const char *const *tokens, size_t n,
                                        const int32_t *types, const float *scores)
{
    struct gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    if (model)
        assert_int_equal(gguf_writer_set_str(w, "tokenizer.ggml.model", model), 0);
    if (tokens)
        assert_int_equal(gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", tokens, n), 0);
    if (types)
        assert_int_equal(gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_VT_INT32, types, n), 0);
    if (scores)
        assert_int_equal(gguf_writer_set_arr(w, "tokenizer.ggml.scores", GGUF_VT_FLOAT32, scores, n), 0);
    return w;
}

static struct tok_vocab *load_ok(struct gguf_writer *w)
{
    struct tok_vocab *v = NULL;
    struct cola_err err;
    err_clear(&err);
    if (tt_load_writer(w, &v, &err)) {
        fprintf(stderr, "load failed: %s\n", err_msg(&err));
        fail();
    }
    return v;
}

/* Load must fail with code, and the message must mention needle. */
static void load_fails(struct gguf_writer *w, int code, const char *needle)
{
    struct tok_vocab *v = NULL;
    struct cola_err err;
    err_clear(&err);
    int rc = tt_load_writer(w, &v, &err);
    if (rc != code || !strstr(err_msg(&err), needle))
        fprintf(stderr, "want %d '%s', got %d '%s'\n", code, needle, rc, err_msg(&err));
    assert_int_equal(rc, code);
    assert_null(v);
    assert_non_null(strstr(err_msg(&err), needle));
}

/* encode(s) must be exactly the n ids that follow */
static void expect_ids(const struct tok_vocab *v, const char *s, unsigned flags, size_t n, ...)
{
    int32_t want[32];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        want[i] = va_arg(ap, int32_t);
    va_end(ap);
    assert_true(tt_ids_match(v, s, strlen(s), flags, want, n));
}

#define SP "\xe2\x96\x81" /* U+2581 */

/* ---------------------------------------------------------------- loading */

static const char *const k_small[] = {"<unk>", "<s>", "</s>", SP, "a", "b", SP "a", SP "b"};
static const int32_t k_small_types[] = {2, 3, 3, 1, 1, 1, 1, 1};
#define N_SMALL (sizeof(k_small) / sizeof(k_small[0]))

static void test_load_errors(void **state)
{
    (void)state;
    load_fails(vocab_writer("llama", NULL, 0, NULL, NULL), COLA_EFORMAT, "tokenizer.ggml.tokens");
    struct gguf_writer *w = vocab_writer("llama", NULL, 0, NULL, NULL);
    int32_t nums[3] = {1, 2, 3};
    gguf_writer_set_arr(w, "tokenizer.ggml.tokens", GGUF_VT_INT32, nums, 3);
    load_fails(w, COLA_ETYPE, "tokenizer.ggml.tokens");
    w = vocab_writer("llama", NULL, 0, NULL, NULL);
    gguf_writer_set_str(w, "tokenizer.ggml.tokens", "abc");
    load_fails(w, COLA_ETYPE, "tokenizer.ggml.tokens");
    load_fails(vocab_writer("llama", k_small, 0, NULL, NULL), COLA_EFORMAT, "empty");

    w = vocab_writer("llama", k_small, N_SMALL, k_small_types, NULL);
    gguf_writer_set_arr_str(w, "tokenizer.ggml.scores", k_small, N_SMALL);
    load_fails(w, COLA_ETYPE, "tokenizer.ggml.scores");
    float short_scores[2] = {0, 0};
    tok_vocab_free(load_ok(vocab_writer("llama", k_small, N_SMALL, k_small_types, NULL))); /* control: loads */
    w = vocab_writer("llama", k_small, N_SMALL, k_small_types, NULL);
    gguf_writer_set_arr(w, "tokenizer.ggml.scores", GGUF_VT_FLOAT32, short_scores, 2);
    load_fails(w, COLA_EFORMAT, "tokenizer.ggml.scores");
    w = vocab_writer("llama", k_small, N_SMALL, NULL, NULL);
    gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_VT_FLOAT32, short_scores, 2);
    load_fails(w, COLA_ETYPE, "tokenizer.ggml.token_type");
    w = vocab_writer("llama", k_small, N_SMALL, NULL, NULL);
    gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_VT_INT32, k_small_types, 3);
    load_fails(w, COLA_EFORMAT, "tokenizer.ggml.token_type");

    static const char *const dup[] = {"<unk>", "<s>", "</s>", "a", "b", "a"};
    load_fails(vocab_writer("llama", dup, 6, NULL, NULL), COLA_EFORMAT, "duplicate token");
    load_fails(vocab_writer("t5", k_small, N_SMALL, NULL, NULL), COLA_EUNSUPPORTED, "'t5'");
    w = vocab_writer("llama", k_small, N_SMALL, k_small_types, NULL);
    gguf_writer_set_str(w, "tokenizer.ggml.add_bos_token", "yes");
    load_fails(w, COLA_ETYPE, "tokenizer.ggml.add_bos_token");
    w = vocab_writer("llama", k_small, N_SMALL, k_small_types, NULL);
    gguf_writer_set_str(w, "tokenizer.ggml.bos_token_id", "1");
    load_fails(w, COLA_ETYPE, "tokenizer.ggml.bos_token_id");
    /* SPM adds BOS by default; a vocab too small for the default id 1 has none */
    static const char *const one[] = {"a"};
    load_fails(vocab_writer("llama", one, 1, NULL, NULL), COLA_EFORMAT, "add_bos_token is true");
    w = vocab_writer("llama", one, 1, NULL, NULL);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", false);
    tok_vocab_free(load_ok(w));
}

static void test_load_tolerated(void **state)
{
    (void)state;
    /* an out-of-range special id keeps the model type's default (llama.cpp) */
    struct gguf_writer *w = vocab_writer("llama", k_small, N_SMALL, k_small_types, NULL);
    gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", 1000000000u);
    gguf_writer_set_u64(w, "tokenizer.ggml.eos_token_id", UINT64_MAX);
    gguf_writer_set_i32(w, "tokenizer.ggml.unknown_token_id", -1);
    gguf_writer_set_u32(w, "tokenizer.ggml.padding_token_id", 5);
    struct tok_vocab *v = load_ok(w);
    assert_int_equal(tok_special(v, TOK_SPECIAL_BOS), 1);
    assert_int_equal(tok_special(v, TOK_SPECIAL_EOS), 2);
    assert_int_equal(tok_special(v, TOK_SPECIAL_UNK), 0);
    assert_int_equal(tok_special(v, TOK_SPECIAL_PAD), 5);
    assert_int_equal(tok_special(v, TOK_SPECIAL_SEP), -1);
    assert_int_equal(tok_special(v, (enum tok_special)99), -1);
    assert_true(tok_is_eog(v, 2));  /* EOS, and "</s>" by its text */
    assert_false(tok_is_eog(v, 1));
    assert_null(tok_text(v, 8, NULL));
    assert_null(tok_text(v, -1, NULL));
    assert_int_equal(tok_attr(v, 99), 0);
    tok_vocab_free(v);

    /* an empty token text becomes "[EMPTY_<id>]"; no scores or types: all normal */
    static const char *const with_empty[] = {"<unk>", "<s>", "</s>", "", "a"};
    v = load_ok(vocab_writer("llama", with_empty, 5, NULL, NULL));
    size_t len;
    assert_string_equal(tok_text(v, 3, &len), "[EMPTY_3]");
    assert_int_equal(len, 9);
    assert_int_equal(tok_find(v, "[EMPTY_3]", 9), 3);
    assert_int_equal(tok_attr(v, 4), TOK_ATTR_NORMAL);
    assert_true(tok_score(v, 4) == 0.0f);
    tok_vocab_free(v);

    /* no tokenizer at all: a model without a vocab */
    w = vocab_writer(NULL, NULL, 0, NULL, NULL);
    gguf_writer_set_str(w, "general.architecture", "llama");
    gguf_writer_set_u32(w, "llama.vocab_size", 7);
    v = load_ok(w);
    assert_int_equal(tok_vocab_type(v), TOK_TYPE_NONE);
    assert_int_equal(tok_vocab_size(v), 7);
    struct tok_ids ids;
    tok_ids_init(&ids, 16);
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(tok_encode(v, "hi", 2, 0, &ids, &err), COLA_EUNSUPPORTED);
    int32_t some[] = {0, 6};
    char *s = tt_decode(v, some, 2, TOK_DEC_UNPARSE_SPECIAL);
    assert_string_equal(s, "");
    free(s);
    tok_ids_free(&ids);
    tok_vocab_free(v);
    v = load_ok(vocab_writer("no_vocab", NULL, 0, NULL, NULL));
    assert_int_equal(tok_vocab_type(v), TOK_TYPE_NONE);
    assert_int_equal(tok_vocab_size(v), 0);
    tok_vocab_free(v);
}

/* ---------------------------------------------------------------- partition */

/* ids: 0 <unk>, 1 <s>, 2 </s>, 3 ▁, 4 a, 5 b, 6 ▁a, 7 ▁b, 8 x, 9 <u>, 10 <u><v>,
 * 11 xa, 12 abc (9-12 user-defined), 13 <mask> (control) */
static const char *const k_part[] = {"<unk>", "<s>", "</s>", SP, "a", "b", SP "a", SP "b",
                                     "x", "<u>", "<u><v>", "xa", "abc", "<mask>"};
static const int32_t k_part_types[] = {2, 3, 3, 1, 1, 1, 1, 1, 1, 4, 4, 4, 4, 3};
#define N_PART (sizeof(k_part) / sizeof(k_part[0]))

static struct tok_vocab *part_vocab(const char *arch, const char *name)
{
    struct gguf_writer *w = vocab_writer("llama", k_part, N_PART, k_part_types, NULL);
    if (arch)
        gguf_writer_set_str(w, "general.architecture", arch);
    if (name)
        gguf_writer_set_str(w, "general.name", name);
    return load_ok(w);
}

static void test_partition(void **state)
{
    (void)state;
    struct tok_vocab *v = part_vocab(NULL, NULL);
    /* user-defined tokens are always recognised; each fragment after one gets the dummy prefix */
    expect_ids(v, "a<u>b", 0, 3, 6, 9, 7);
    /* the longest special token wins */
    expect_ids(v, "<u><v>a", 0, 2, 10, 6);
    /* longer tokens are split out first, whatever their position: "abc" hides "xa" */
    expect_ids(v, "xabc", 0, 3, 3, 8, 12);
    expect_ids(v, "xab", 0, 2, 11, 7);
    /* control tokens only with PARSE_SPECIAL; unknown characters fall back to <unk> */
    expect_ids(v, "<s>a", TOK_ENC_PARSE_SPECIAL, 2, 1, 6);
    expect_ids(v, "<s>", 0, 4, 3, 0, 0, 0);
    expect_ids(v, "<s>", TOK_ENC_PARSE_SPECIAL | TOK_ENC_ADD_SPECIAL, 2, 1, 1);
    /* without lstrip/rstrip the spaces around a special token are text */
    expect_ids(v, "a <u> b", 0, 5, 6, 3, 9, 3, 7);
    tok_vocab_free(v);
}

static void test_lstrip_rstrip(void **state)
{
    (void)state;
    /* llama.cpp gives <mask> lstrip for these architectures */
    struct tok_vocab *v = part_vocab("jina-bert-v3", NULL);
    assert_true(tok_attr(v, 13) & TOK_ATTR_LSTRIP);
    assert_false(tok_attr(v, 13) & TOK_ATTR_RSTRIP);
    expect_ids(v, "a \t\n<mask>b", TOK_ENC_PARSE_SPECIAL, 3, 6, 13, 7);
    expect_ids(v, "a<mask> b", TOK_ENC_PARSE_SPECIAL, 4, 6, 13, 3, 7); /* no rstrip */
    expect_ids(v, "  <mask>", TOK_ENC_PARSE_SPECIAL, 1, 13);          /* the left side vanishes */
    tok_vocab_free(v);
    /* and every special token rstrip for models named phi-3 (but not <unk>, <s>) */
    v = part_vocab(NULL, "My-Phi3-Mini");
    assert_true(tok_attr(v, 9) & TOK_ATTR_RSTRIP);
    assert_true(tok_attr(v, 2) & TOK_ATTR_RSTRIP);
    assert_false(tok_attr(v, 1) & TOK_ATTR_RSTRIP);
    expect_ids(v, "<u> \v\f\r\n\tb", 0, 2, 9, 7);
    expect_ids(v, "<u>   ", 0, 1, 9);
    expect_ids(v, "a <u>", 0, 3, 6, 3, 9); /* no lstrip */
    /* only ASCII whitespace is stripped: U+00A0 stays text (two <unk> bytes here) */
    expect_ids(v, "<u>\xc2\xa0" "b", 0, 5, 9, 3, 0, 0, 5);
    tok_vocab_free(v);
}

/* ---------------------------------------------------------------- SPM */

static void test_spm_merge_order(void **state)
{
    (void)state;
    static const char *const toks[] = {"<unk>", "<s>", "</s>", "a", "b", "ab", "ba", "<0x62>", "<0xC3>", "<0xA9>"};
    static const int32_t types[] = {2, 3, 3, 1, 1, 1, 1, 6, 6, 6};
    float scores[] = {0, 0, 0, 0, 0, 1, 1, 0, 0, 0};
    struct gguf_writer *w = vocab_writer("llama", toks, 10, types, scores);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_space_prefix", false);
    struct tok_vocab *v = load_ok(w);
    /* equal scores: the leftmost pair merges first */
    expect_ids(v, "aba", 0, 2, 5, 3);
    expect_ids(v, "bab", 0, 2, 6, 4);
    /* é is not a token: its two bytes' tokens */
    expect_ids(v, "a\xc3\xa9", 0, 3, 3, 8, 9);
    /* a byte without a byte token: <unk> */
    expect_ids(v, "c", 0, 1, 0);
    tok_vocab_free(v);
    /* a higher score wins wherever it is */
    scores[6] = 2;
    w = vocab_writer("llama", toks, 10, types, scores);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_space_prefix", false);
    v = load_ok(w);
    expect_ids(v, "aba", 0, 2, 3, 6);
    tok_vocab_free(v);
}

/* ---------------------------------------------------------------- limits */

static void test_limits(void **state)
{
    (void)state;
    struct tok_vocab *v = part_vocab(NULL, NULL);
    struct tok_ids ids;
    tok_ids_init(&ids, 2);
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(tok_encode(v, "a a a", 5, 0, &ids, &err), COLA_ENOMEM);
    assert_non_null(strstr(err_msg(&err), "too many tokens"));
    tok_ids_free(&ids);
    tok_ids_init(&ids, 16);
    err_clear(&err);
    assert_int_equal(tok_encode(v, "a", TOK_MAX_TEXT_LEN + 1, 0, &ids, &err), COLA_ERANGE);
    assert_int_equal(ids.n, 0);
    assert_int_equal(tok_ids_push(&ids, 1), 0);
    tok_ids_free(&ids);
    tok_vocab_free(v);
}

/* ---------------------------------------------------------------- threads */

struct job {
    const struct tok_vocab *v;
    const char *text;
    size_t len;
    struct tok_ids ids;
    int rc;
};

static void *encode_job(void *arg)
{
    struct job *j = arg;
    tok_ids_init(&j->ids, j->len + 16);
    j->rc = tok_encode(j->v, j->text, j->len, TOK_ENC_ADD_SPECIAL, &j->ids, NULL);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    TU_SHARED_OR_SKIP(path, "corpus/war-and-peace.txt");
    size_t len;
    char *text = tu_read_file(path, &len);
    assert_non_null(text);
    if (len > 300000)
        len = 300000;
    TT_VOCAB_OR_SKIP(v, "vocab/ggml-vocab-llama-spm.gguf");
    struct job jobs[3] = {{v, text, len, {0}, 0}, {v, text, len, {0}, 0}, {v, text, len, {0}, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, encode_job, &jobs[i]), 0);
    encode_job(&jobs[2]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(jobs[i].rc, 0);
        assert_int_equal(jobs[i].ids.n, jobs[2].ids.n);
        assert_memory_equal(jobs[i].ids.ids, jobs[2].ids.ids, jobs[2].ids.n * sizeof(int32_t));
    }
    for (int i = 0; i < 3; i++)
        tok_ids_free(&jobs[i].ids);
    tok_vocab_free(v);
    free(text);
}

/* ---------------------------------------------------------------- golden models */

/* The synthetic models carry their donor vocab's tokenizer keys unchanged, so
 * the donor must give llama.cpp's BOS/EOS and end-of-generation set — and for
 * the SentencePiece donor, its token ids. */
static void check_synthetic(const char *golden, const char *donor, bool check_ids)
{
    const char *gpath = tu_shared_path(golden);
    if (!gpath)
        return;
    json_error_t jerr;
    json_t *root = json_load_file(gpath, 0, &jerr);
    assert_non_null(root);
    struct tok_vocab *v = tt_load_shared(donor);
    if (!v) {
        json_decref(root);
        return;
    }
    json_t *m = json_object_get(root, "model");
    assert_string_equal(tok_text(v, tok_special(v, TOK_SPECIAL_BOS), NULL),
                        json_string_value(json_object_get(m, "bos_token")));
    assert_string_equal(tok_text(v, tok_special(v, TOK_SPECIAL_EOS), NULL),
                        json_string_value(json_object_get(m, "eos_token")));
    size_t n_eog;
    const int32_t *eog = tok_eog_ids(v, &n_eog);
    json_t *want = json_object_get(m, "eog_ids");
    assert_int_equal(n_eog, json_array_size(want));
    for (size_t i = 0; i < n_eog; i++)
        assert_int_equal(eog[i], json_integer_value(json_array_get(want, i)));
    size_t i;
    json_t *t;
    json_array_foreach(check_ids ? json_object_get(root, "tokenize") : NULL, i, t) {
        const char *text = json_string_value(json_object_get(t, "text"));
        size_t len = json_string_length(json_object_get(t, "text"));
        json_t *arr[2] = {json_object_get(t, "ids_add_special"), json_object_get(t, "ids_no_special")};
        for (int k = 0; k < 2; k++) {
            size_t n = json_array_size(arr[k]);
            int32_t *ids = malloc((n ? n : 1) * sizeof(*ids));
            for (size_t j = 0; j < n; j++)
                ids[j] = (int32_t)json_integer_value(json_array_get(arr[k], j));
            assert_true(tt_ids_match(v, text, len, k == 0 ? TOK_ENC_ADD_SPECIAL : 0, ids, n));
            free(ids);
        }
    }
    tok_vocab_free(v);
    json_decref(root);
}

static void test_golden_synthetic(void **state)
{
    (void)state;
    check_synthetic("golden/synthetic-v2-tinyllama-1.1b-Q4_0.json", "vocab/ggml-vocab-llama-spm.gguf", true);
    check_synthetic("golden/synthetic-v2-smollm2-135m-F16.json", "vocab/ggml-vocab-llama-spm.gguf", true);
    check_synthetic("golden/synthetic-v2-qwen3-0.6b-Q8_0.json", "vocab/ggml-vocab-qwen3-derived.gguf", false);
    check_synthetic("golden/synthetic-v2-qwen2.5-0.5b-Q4_K_M.json", "vocab/ggml-vocab-qwen3-derived.gguf", false);
    check_synthetic("golden/synthetic-v2-llama3.2-1b-Q4_K_M.json", "vocab/ggml-vocab-llama3-derived.gguf", false);
}

/* phi-3's end of turn is found by its text; Qwen's normal "</s>" ends
 * generation but stays text. */
static void test_eog_by_text(void **state)
{
    (void)state;
    struct tok_vocab *v = tt_load_shared("vocab/ggml-vocab-phi-3.gguf");
    if (v) {
        assert_int_equal(tok_special(v, TOK_SPECIAL_EOT), tok_find(v, "<|end|>", 7));
        tok_vocab_free(v);
    }
    v = tt_load_shared("vocab/ggml-vocab-qwen3-derived.gguf");
    if (v) {
        int32_t s = tok_find(v, "</s>", 4);
        assert_true(s >= 0);
        assert_true(tok_is_eog(v, s));
        assert_int_equal(tok_attr(v, s), TOK_ATTR_NORMAL);
        assert_int_equal(tok_special(v, TOK_SPECIAL_EOT), tok_find(v, "<|im_end|>", 10));
        assert_int_equal(tok_special(v, TOK_SPECIAL_FIM_PRE), tok_find(v, "<|fim_prefix|>", 14));
        tok_vocab_free(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_load_tolerated),
        cmocka_unit_test(test_partition),
        cmocka_unit_test(test_lstrip_rstrip),
        cmocka_unit_test(test_spm_merge_order),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_golden_synthetic),
        cmocka_unit_test(test_eog_by_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
