/* Model names: every vector of Ollama's types/model/name_test.go as listed in
 * STORE.md §3 (bare parses, filepaths after defaults, validity of bare
 * strings, part rules, filepath parsing, shortest display), plus the
 * :cloud / :local source suffixes of internal/modelref. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/name.h"

#define P80 "88888888888888888888888888888888888888888888888888888888888888888888888888888888"
#define P10 "3333333333"
#define P50 P10 P10 P10 P10 P10
#define P350 P50 P50 P50 P50 P50 P50 P50

struct parse_case {
    const char *in, *scheme, *host, *ns, *model, *tag, *filepath;
};

static void test_parse_parts(void **state)
{
    (void)state;
    static const struct parse_case cases[] = {
        {"registry.ollama.ai/library/dolphin-mistral:7b-v2.6-dpo-laser-q6_K", "",
         "registry.ollama.ai", "library", "dolphin-mistral", "7b-v2.6-dpo-laser-q6_K",
         "registry.ollama.ai/library/dolphin-mistral/7b-v2.6-dpo-laser-q6_K"},
        {"scheme://host:port/namespace/model:tag", "scheme", "host:port", "namespace", "model",
         "tag", "host:port/namespace/model/tag"},
        {"host/namespace/model:tag", "", "host", "namespace", "model", "tag",
         "host/namespace/model/tag"},
        {"host:port/namespace/model:tag", "", "host:port", "namespace", "model", "tag",
         "host:port/namespace/model/tag"},
        {"host/namespace/model", "", "host", "namespace", "model", "", "host/namespace/model/latest"},
        {"host:port/namespace/model", "", "host:port", "namespace", "model", "",
         "host:port/namespace/model/latest"},
        {"namespace/model", "", "", "namespace", "model", "",
         "registry.ollama.ai/namespace/model/latest"},
        {"model", "", "", "", "model", "", "registry.ollama.ai/library/model/latest"},
        {"h/nn/mm:t", "", "h", "nn", "mm", "t", "h/nn/mm/t"},
        {P80 "/" P80 "/" P80 ":" P80, "", P80, P80, P80, P80, P80 "/" P80 "/" P80 "/" P80},
        {P350 "/" P80 "/" P80 ":" P80, "", P350, P80, P80, P80, P350 "/" P80 "/" P80 "/" P80},
        /* empty sides of a separator become the sentinel */
        {"n/m:", "", "", "n", "m", NAME_MISSING, NULL},
        {"/nn/mm", "", NAME_MISSING, "nn", "mm", "", NULL},
        {":t", "", "", "", NAME_MISSING, "t", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct parse_case *c = &cases[i];
        struct model_name n;
        name_parse_bare(c->in, &n);
        assert_string_equal(n.scheme, c->scheme);
        assert_string_equal(n.host, c->host);
        assert_string_equal(n.ns, c->ns);
        assert_string_equal(n.model, c->model);
        assert_string_equal(n.tag, c->tag);
        name_parse(c->in, &n);
        char fp[NAME_STR_MAX];
        if (c->filepath) {
            assert_int_equal(name_filepath(&n, fp, sizeof(fp), NULL), 0);
            assert_string_equal(fp, c->filepath);
        } else {
            assert_int_equal(name_filepath(&n, fp, sizeof(fp), NULL), COLA_EINVAL);
        }
    }
}

static void test_defaults(void **state)
{
    (void)state;
    struct model_name n;
    char s[NAME_STR_MAX];
    name_parse("xx", &n);
    name_string(&n, s, sizeof(s));
    assert_string_equal(s, "registry.ollama.ai/library/xx:latest");
    assert_string_equal(n.scheme, "https");
    /* explicit parts are kept */
    name_parse("http://h:1/n/m:t", &n);
    assert_string_equal(n.scheme, "http");
    name_string(&n, s, sizeof(s));
    assert_string_equal(s, "h:1/n/m:t");
    /* String() leaves out empty parts and their separators */
    name_parse_bare("n/m", &n);
    name_string(&n, s, sizeof(s));
    assert_string_equal(s, "n/m");
}

static void test_valid_bare(void **state)
{
    (void)state;
    static const char *valid[] = {
        "_why/_the/_lucky:_stiff",
        "h/n/m:t",
        "host/namespace/model:tag",
        P80 "/" P80 "/" P80 ":" P80,
        P350 "/" P80 "/" P80 ":" P80,
        "h/nn/mm:t",
        "host:https/namespace/model:tag",
    };
    static const char *invalid[] = {
        "", "host/namespace/model", "namespace/model", "model", "m", "n/m:", "h/n/m", "@t",
        "m@d", "^", "mm:", "/nn/mm", "//", "//mm", "hh//", "//mm:@", "00@", "@",
        "-hh/nn/mm:tt", "hh/-nn/mm:tt", "hh/nn/-mm:tt", "hh/nn/mm:-tt",
        "host/name:space/model:tag",
        /* one byte over each limit */
        P80 "8/n/m:t" P350, "h/" P80 "8/m:t", "h/n/" P80 "8:t", "h/n/m:" P80 "8",
        "3" P350 "/n/m:t",
        /* path traversal shapes and non-ASCII */
        "../n/m:t", "h/../m:t", "h/n/..:t", "h/n/m:..", ".h/n/m:t", "h/n/m:t\xc3\xa9",
        "h/n./m:t",
    };
    char s[NAME_STR_MAX];
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        struct model_name n;
        name_parse_bare(valid[i], &n);
        if (!name_valid(&n))
            fail_msg("%s should be valid", valid[i]);
        name_string(&n, s, sizeof(s));
        assert_string_equal(s, valid[i]); /* round trip through String() */
    }
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        struct model_name n;
        name_parse_bare(invalid[i], &n);
        if (name_valid(&n))
            fail_msg("%s should be invalid", invalid[i]);
    }
}

static void test_part_valid(void **state)
{
    (void)state;
    assert_false(name_part_valid(NAME_PART_HOST, ""));
    assert_true(name_part_valid(NAME_PART_HOST, "a"));
    assert_true(name_part_valid(NAME_PART_HOST, "a."));
    assert_true(name_part_valid(NAME_PART_HOST, "a.b"));
    assert_true(name_part_valid(NAME_PART_HOST, "a:123"));
    assert_false(name_part_valid(NAME_PART_HOST, "a:123/aa/bb"));
    assert_true(name_part_valid(NAME_PART_NAMESPACE, "bb"));
    assert_false(name_part_valid(NAME_PART_NAMESPACE, "a."));
    assert_false(name_part_valid(NAME_PART_NAMESPACE, "a:b"));
    assert_false(name_part_valid(NAME_PART_MODEL, "-h"));
    assert_false(name_part_valid(NAME_PART_MODEL, "a:b"));
    assert_true(name_part_valid(NAME_PART_TAG, "7b-v2.6_q"));
    assert_false(name_part_valid(NAME_PART_TAG, "a b"));
    assert_true(name_part_valid(NAME_PART_NAMESPACE, "himynameisreallyreallyreallyreallylongbutitshouldstillbevalid"));
    assert_true(name_part_valid(NAME_PART_HOST, P350));
    assert_false(name_part_valid(NAME_PART_HOST, P350 "3"));
    assert_true(name_part_valid(NAME_PART_TAG, P80));
    assert_false(name_part_valid(NAME_PART_TAG, P80 "8"));
}

static void test_from_filepath(void **state)
{
    (void)state;
    struct model_name n;
    assert_int_equal(name_from_filepath("host/namespace/model/tag", &n), 0);
    assert_string_equal(n.host, "host");
    assert_string_equal(n.ns, "namespace");
    assert_string_equal(n.model, "model");
    assert_string_equal(n.tag, "tag");
    assert_int_equal(name_from_filepath("host:port/namespace/model/tag", &n), 0);
    assert_string_equal(n.host, "host:port");
    static const char *bad[] = {
        "namespace/model/tag", "model/tag", "model", "../../model/tag", "/namespace/./tag",
        "./././.", "/path/to/random/file", "h/n/m/t/", "h/n/m/t/x", "", "h//m/t", "h/n/m/",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (name_from_filepath(bad[i], &n) != COLA_EINVAL)
            fail_msg("%s should be rejected", bad[i]);
        assert_string_equal(n.host, "");
        assert_string_equal(n.model, "");
    }
}

static void test_display_shortest(void **state)
{
    (void)state;
    static const char *cases[][2] = {
        {"registry.ollama.ai/library/model:latest", "model:latest"},
        {"registry.ollama.ai/library/model:tag", "model:tag"},
        {"registry.ollama.ai/namespace/model:tag", "namespace/model:tag"},
        {"host/namespace/model:tag", "host/namespace/model:tag"},
        {"host/library/model:tag", "host/library/model:tag"},
        {"Registry.Ollama.AI/Library/Model:Tag", "Model:Tag"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct model_name n;
        char s[NAME_STR_MAX];
        name_parse_bare(cases[i][0], &n);
        name_display_shortest(&n, s, sizeof(s));
        assert_string_equal(s, cases[i][1]);
    }
}

static void test_equal_fold(void **state)
{
    (void)state;
    struct model_name a, b;
    name_parse("Llama3:Latest", &a);
    name_parse("registry.ollama.ai/library/llama3:latest", &b);
    assert_true(name_equal_fold(&a, &b));
    name_parse("llama3:8b", &b);
    assert_false(name_equal_fold(&a, &b));
}

static void test_source_suffix(void **state)
{
    (void)state;
    char base[NAME_STR_MAX];
    enum name_source src;
    struct cola_err err;
    static const struct {
        const char *in, *base;
        enum name_source src;
        const char *pull;
    } cases[] = {
        {"gpt-oss:20b:cloud", "gpt-oss:20b", NAME_SOURCE_CLOUD, "gpt-oss:20b-cloud"},
        {"gpt-oss:cloud", "gpt-oss", NAME_SOURCE_CLOUD, "gpt-oss:cloud"},
        {"gpt-oss:20b-cloud", "gpt-oss:20b", NAME_SOURCE_CLOUD, "gpt-oss:20b-cloud"},
        {"qwen3:8b:LOCAL", "qwen3:8b", NAME_SOURCE_LOCAL, "qwen3:8b"},
        {"  llama3.2  ", "llama3.2", NAME_SOURCE_UNSPECIFIED, "llama3.2"},
        {"host:5000/ns/m", "host:5000/ns/m", NAME_SOURCE_UNSPECIFIED, "host:5000/ns/m"},
        {"h/ns/m:cloud", "h/ns/m", NAME_SOURCE_CLOUD, "h/ns/m:cloud"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(name_strip_source(cases[i].in, base, sizeof(base), &src, NULL), 0);
        assert_string_equal(base, cases[i].base);
        assert_int_equal(src, cases[i].src);
        assert_int_equal(name_normalize_pull(cases[i].in, base, sizeof(base), NULL), 0);
        assert_string_equal(base, cases[i].pull);
    }
    err_clear(&err);
    assert_int_equal(name_strip_source("  ", base, sizeof(base), &src, &err), COLA_EINVAL);
    assert_string_equal(err.msg, "model is required");
    err_clear(&err);
    assert_int_equal(name_strip_source("m:local:cloud", base, sizeof(base), &src, &err),
                     COLA_EINVAL);
    assert_string_equal(err.msg, "use either :local or :cloud, not both: \"m:local:cloud\"");
    char small[4];
    assert_int_equal(name_strip_source("llama3", small, sizeof(small), &src, NULL), COLA_ERANGE);
}

static void test_quote(void **state)
{
    (void)state;
    char q[16];
    name_quote("a\"b\\c\n", q, sizeof(q));
    assert_string_equal(q, "\"a\\\"b\\\\c\\n\"");
    name_quote("x\x01", q, sizeof(q));
    assert_string_equal(q, "\"x\\x01\"");
    name_quote("abcdefghijklmnopqrstuvwxyz", q, sizeof(q));
    assert_string_equal(q, "\"abcdefghij...\"");
    assert_int_equal(strlen(q), 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_parts),   cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_valid_bare),    cmocka_unit_test(test_part_valid),
        cmocka_unit_test(test_from_filepath), cmocka_unit_test(test_display_shortest),
        cmocka_unit_test(test_equal_fold),    cmocka_unit_test(test_source_suffix),
        cmocka_unit_test(test_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
