/* The JSON blobs of `create`: every JSON vector of STORE.md §5a must come out
 * with exactly Ollama's bytes and sha256 (the F-gguf built with our GGUF
 * writer, its config derived through the GGUF reader, the manifest over both,
 * the params vectors including parameter merging, the messages vectors, the
 * phi-3 params), plus the field order and omitempty rules of ConfigV2, Layer
 * and api.Message, HumanNumber and the file type names. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "engine/gguf.h"
#include "store/blobs_json.h"
#include "store/digest.h"

#define SHA_FGGUF "sha256:89a2116c3a82d6a97f59f748d86ed4417214353fd178ee54df418fde32495fad"
#define SHA_FCONFIG "sha256:99759ad5b91e723db0393d698ffbb448b1b7df5ff6377a108c49254583b1bc8c"
#define SHA_FMANIFEST "sha256:f75369d1dd1fb2f7c3db80c05854077604d2e78397dbe270fbe9d8a453ae62ff"

static void assert_sha(const void *data, size_t n, const char *want)
{
    char got[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_buf(data, n, got), 0);
    assert_string_equal(got, want);
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (!v)
        fail_msg("bad test JSON %s: %s", text, je.text);
    return v;
}

/* Encode params (not stolen) and compare bytes and digest. */
static void check_params(const json_t *params, const char *want, const char *sha)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(bjson_params_encode(params, &b, &err), 0);
    assert_string_equal(b.data, want);
    assert_sha(b.data, b.len, sha);
    buf_free(&b);
}

static void check_messages(const char *text, const char *want, const char *sha)
{
    json_t *m = parse(text);
    struct buf b;
    buf_init(&b, 1 << 16);
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(bjson_messages_encode(m, &b, &err), 0);
    assert_string_equal(b.data, want);
    if (sha)
        assert_sha(b.data, b.len, sha);
    buf_free(&b);
    json_decref(m);
}

/* The 68-byte F-gguf of §5a, written by our GGUF writer. */
static void *make_fgguf(size_t *len)
{
    struct gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "test"), 0);
    void *data = NULL;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(gguf_writer_write_mem(w, &data, len, &err), 0);
    gguf_writer_free(w);
    return data;
}

/* Config blob of the GGUF in data, as create derives it. */
static void config_of(const void *data, size_t len, struct buf *out)
{
    struct gguf_file *g = NULL;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(gguf_open_mem(data, len, &g, &err), 0);
    struct bjson_gguf_info info;
    assert_int_equal(bjson_gguf_info_read(g, &info, &err), 0);
    struct bjson_config c;
    bjson_config_from_gguf(&info, &c);
    assert_int_equal(bjson_config_encode(&c, out, &err), 0);
    bjson_gguf_info_free(&info);
    gguf_close(g);
}

static void test_fgguf_config_manifest(void **state)
{
    (void)state;
    size_t len = 0;
    void *gguf = make_fgguf(&len);
    assert_int_equal(len, 68);
    assert_sha(gguf, len, SHA_FGGUF);

    struct buf cfg;
    buf_init(&cfg, 1 << 16);
    config_of(gguf, len, &cfg);
    assert_string_equal(cfg.data, "{\"model_format\":\"gguf\",\"model_family\":\"test\","
                                  "\"model_families\":[\"test\"],\"model_type\":\"0\","
                                  "\"file_type\":\"unknown\",\"architecture\":\"amd64\","
                                  "\"os\":\"linux\"}\n");
    assert_int_equal(cfg.len, 147);
    assert_sha(cfg.data, cfg.len, SHA_FCONFIG);

    /* manifest for `create test files={test.gguf:F-gguf}` over the digests
     * just computed */
    char dcfg[DIGEST_STR_LEN + 1], dmodel[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_buf(cfg.data, cfg.len, dcfg), 0);
    assert_int_equal(sha256_buf(gguf, len, dmodel), 0);
    struct bjson_layer config = {BJSON_MEDIA_CONFIG, dcfg, (int64_t)cfg.len, NULL, NULL};
    struct bjson_layer model = {BJSON_MEDIA_MODEL, dmodel, (int64_t)len, NULL, ""};
    struct buf man;
    buf_init(&man, 1 << 16);
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(bjson_manifest_encode(&config, &model, 1, &man, &err), 0);
    assert_string_equal(man.data,
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
        "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
        "\"digest\":\"" SHA_FCONFIG "\",\"size\":147},\"layers\":[{\"mediaType\":"
        "\"application/vnd.ollama.image.model\",\"digest\":\"" SHA_FGGUF "\",\"size\":68}]}\n");
    assert_sha(man.data, man.len, SHA_FMANIFEST);
    buf_free(&man);
    buf_free(&cfg);
    free(gguf);
}

static void test_params_vectors(void **state)
{
    (void)state;
    /* as a request sends them (key order does not matter: a Go map) */
    json_t *p = parse("{\"temperature\":1,\"top_k\":10,\"stop\":[\"USER:\",\"ASSISTANT:\"]}");
    check_params(p, "{\"stop\":[\"USER:\",\"ASSISTANT:\"],\"temperature\":1,\"top_k\":10}\n",
                 "sha256:1d0ad71299d48c2fb7ae2b98e683643e771f8a5b72be34942af90d97a91c1e37");
    /* a float 1.0 is the same float64 */
    json_t *p1 = parse("{\"top_k\":10.0,\"temperature\":1.0,\"stop\":[\"USER:\",\"ASSISTANT:\"]}");
    check_params(p1, "{\"stop\":[\"USER:\",\"ASSISTANT:\"],\"temperature\":1,\"top_k\":10}\n",
                 "sha256:1d0ad71299d48c2fb7ae2b98e683643e771f8a5b72be34942af90d97a91c1e37");
    json_decref(p1);

    struct cola_err err;
    err_clear(&err);
    /* create test2 FROM test with {temperature:0.6, top_p:0.7}: request wins */
    json_t *r = parse("{\"temperature\":0.6,\"top_p\":0.7}");
    assert_int_equal(bjson_params_merge(r, p, &err), 0);
    check_params(r, "{\"stop\":[\"USER:\",\"ASSISTANT:\"],\"temperature\":0.6,\"top_k\":10,"
                    "\"top_p\":0.7}\n",
                 "sha256:e29a7b3c47287a2489c895d21fe413c20f859a85d20e749492f52a838e36e1ba");
    /* the inherited layer is unchanged */
    assert_int_equal(json_object_size(p), 3);
    json_decref(r);

    /* a stop list in the request replaces the inherited one */
    r = parse("{\"temperature\":0.6,\"top_p\":0.7,\"stop\":[\"<|endoftext|>\"]}");
    assert_int_equal(bjson_params_merge(r, p, &err), 0);
    check_params(r, "{\"stop\":[\"\\u003c|endoftext|\\u003e\"],\"temperature\":0.6,\"top_k\":10,"
                    "\"top_p\":0.7}\n",
                 "sha256:12f58bb75cb3042d69a7e013ab87fb3c3c7088f50ddc62f0c77bd332f0d44d35");
    json_decref(r);

    /* merging from the blob itself, as read back from disk */
    struct buf b;
    buf_init(&b, 1 << 16);
    assert_int_equal(bjson_params_encode(p, &b, &err), 0);
    json_t *disk = parse(b.data);
    r = parse("{\"top_p\":0.7,\"temperature\":0.6}");
    assert_int_equal(bjson_params_merge(r, disk, &err), 0);
    check_params(r, "{\"stop\":[\"USER:\",\"ASSISTANT:\"],\"temperature\":0.6,\"top_k\":10,"
                    "\"top_p\":0.7}\n",
                 "sha256:e29a7b3c47287a2489c895d21fe413c20f859a85d20e749492f52a838e36e1ba");
    json_decref(r);
    json_decref(disk);
    buf_free(&b);
    json_decref(p);
}

static const char phi3_blob[] =
    "{\"stop\":[\"\\u003c|end|\\u003e\",\"\\u003c|system|\\u003e\",\"\\u003c|user|\\u003e\","
    "\"\\u003c|assistant|\\u003e\"]}\n";
#define SHA_PHI3 "sha256:0d79f567714c62c048378f2107fb332dabee0135d080c302d884317da9433cc5"

static void test_phi3_params(void **state)
{
    (void)state;
    json_t *p = parse("{\n  \"stop\": [\n    \"<|end|>\",\n    \"<|system|>\",\n    \"<|user|>\",\n"
                      "    \"<|assistant|>\"\n  ]\n}\n");
    check_params(p, phi3_blob, SHA_PHI3);
    json_decref(p);
    /* the template's parameter file as Ollama ships it */
    TU_SHARED_OR_SKIP(path, "templates/ollama/phi-3.json");
    json_error_t je;
    p = json_load_file(path, 0, &je);
    assert_non_null(p);
    check_params(p, phi3_blob, SHA_PHI3);
    json_decref(p);
}

static void test_messages_vectors(void **state)
{
    (void)state;
    check_messages("[{\"role\":\"assistant\",\"content\":\"What is my purpose?\"},"
                   "{\"role\":\"user\",\"content\":\"You run tests.\"},"
                   "{\"role\":\"assistant\",\"content\":\"Oh, my god.\"}]",
                   "[{\"role\":\"assistant\",\"content\":\"What is my purpose?\"},"
                   "{\"role\":\"user\",\"content\":\"You run tests.\"},"
                   "{\"role\":\"assistant\",\"content\":\"Oh, my god.\"}]\n",
                   "sha256:298baeaf6928a60cf666d88d64a1ba606feb43a2865687c39e40652e407bffc4");
    /* member order in the input does not matter; the role is lower-cased */
    check_messages("[{\"content\":\"You're a test, Harry.\",\"role\":\"ASSISTANT\"},"
                   "{\"content\":\"I-I'm a what?\",\"role\":\"User\"},"
                   "{\"role\":\"assistant\",\"content\":\"A test. And a thumping good one at that, "
                   "I'd wager.\",\"images\":[],\"extra\":5}]",
                   "[{\"role\":\"assistant\",\"content\":\"You're a test, Harry.\"},"
                   "{\"role\":\"user\",\"content\":\"I-I'm a what?\"},"
                   "{\"role\":\"assistant\",\"content\":\"A test. And a thumping good one at that, "
                   "I'd wager.\"}]\n",
                   "sha256:a60ecc9da299ec7ede453f99236e5577fd125e143689b646d9f0ddc9971bf4db");
    /* omitempty members in api.Message order; role and content always */
    check_messages("[{\"tool_call_id\":\"c1\",\"tool_name\":\"f\",\"thinking\":\"<hm>\",\"content\":\"\"},"
                   "{\"role\":\"tool\",\"content\":null,\"thinking\":\"\"}]",
                   "[{\"role\":\"\",\"content\":\"\",\"thinking\":\"\\u003chm\\u003e\",\"tool_name\":\"f\","
                   "\"tool_call_id\":\"c1\"},{\"role\":\"tool\",\"content\":\"\"}]\n",
                   NULL);
    check_messages("[]", "[]\n", NULL);

    struct buf b;
    buf_init(&b, 1 << 16);
    struct cola_err err;
    static const char *const bad[] = {
        "{}", "[1]", "[{\"role\":5}]", "[{\"content\":[\"x\"]}]", "[{\"images\":[\"aGk=\"]}]",
        "[{\"role\":\"user\",\"tool_calls\":[{}]}]",
    };
    static const int codes[] = {COLA_EINVAL, COLA_EINVAL, COLA_EINVAL, COLA_EINVAL,
                                COLA_EUNSUPPORTED, COLA_EUNSUPPORTED};
    assert_int_equal(buf_puts(&b, "keep"), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *m = parse(bad[i]);
        err_clear(&err);
        assert_int_equal(bjson_messages_encode(m, &b, &err), codes[i]);
        assert_string_equal(b.data, "keep");
        assert_true(err.msg[0] != '\0');
        json_decref(m);
    }
    buf_free(&b);
}

static void test_config_fields(void **state)
{
    (void)state;
    static const char *const fams[] = {"llama", "clip"};
    static const char *const caps[] = {"completion", "tools"};
    struct bjson_draft draft = {"gguf", "qwen35", NULL, ""};
    struct bjson_config c = {
        .model_format = "gguf", .model_family = "llama", .model_families = fams, .n_families = 2,
        .model_type = "3.2B", .file_type = "Q4_K_M", .renderer = "r", .parser = "", .requires = "0.14.0",
        .remote_host = "https://ollama.com:443", .remote_model = "gpt-oss:120b",
        .capabilities = caps, .n_capabilities = 2, .context_length = 131072,
        .embedding_length = 2880, .base_name = "b<", .draft = &draft,
    };
    struct buf b;
    buf_init(&b, 1 << 16);
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(bjson_config_encode(&c, &b, &err), 0);
    assert_string_equal(b.data,
        "{\"model_format\":\"gguf\",\"model_family\":\"llama\",\"model_families\":[\"llama\",\"clip\"],"
        "\"model_type\":\"3.2B\",\"file_type\":\"Q4_K_M\",\"renderer\":\"r\",\"requires\":\"0.14.0\","
        "\"remote_host\":\"https://ollama.com:443\",\"remote_model\":\"gpt-oss:120b\","
        "\"capabilities\":[\"completion\",\"tools\"],\"context_length\":131072,"
        "\"embedding_length\":2880,\"base_name\":\"b\\u003c\","
        "\"draft\":{\"model_format\":\"gguf\",\"architecture\":\"qwen35\"},"
        "\"architecture\":\"amd64\",\"os\":\"linux\"}\n");

    /* a nil model_families slice is null; an empty draft is {} */
    struct bjson_draft empty = {0};
    struct bjson_config z = {.draft = &empty, .architecture = "arm64", .os = "darwin"};
    buf_reset(&b);
    assert_int_equal(bjson_config_encode(&z, &b, &err), 0);
    assert_string_equal(b.data, "{\"model_format\":\"\",\"model_family\":\"\",\"model_families\":null,"
                                "\"model_type\":\"\",\"file_type\":\"\",\"draft\":{},"
                                "\"architecture\":\"arm64\",\"os\":\"darwin\"}\n");
    /* too small a buffer: error, nothing appended */
    struct buf small;
    buf_init(&small, 100);
    err_clear(&err);
    assert_int_equal(bjson_config_encode(&c, &small, &err), COLA_ENOMEM);
    assert_int_equal(small.len, 0);
    buf_free(&small);
    buf_free(&b);
}

static void test_human_number_file_type(void **state)
{
    (void)state;
    static const struct {
        uint64_t n;
        const char *s;
    } cases[] = {
        {0, "0"}, {999, "999"}, {1000, "1K"}, {1499, "1K"}, {1500, "2K"}, {2500, "2K"},
        {999999, "1000K"}, {1000000, "1M"}, {125000000, "125M"}, {500500000, "500.50M"},
        {1234567, "1.23M"}, {1000000000, "1B"}, {2800000000ull, "2.8B"}, {8000000000ull, "8B"},
        {8030261248ull, "8.0B"}, {2250000000ull, "2.2B"}, {7241732096ull, "7.2B"},
        {UINT64_MAX, "18446744073.7B"},
    };
    char s[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(bjson_human_number(cases[i].n, s, sizeof s), cases[i].s);

    assert_string_equal(bjson_file_type_name(0), "F32");
    assert_string_equal(bjson_file_type_name(1), "F16");
    assert_string_equal(bjson_file_type_name(2), "Q4_0");
    assert_string_equal(bjson_file_type_name(4), "unknown");
    assert_string_equal(bjson_file_type_name(7), "Q8_0");
    assert_string_equal(bjson_file_type_name(15), "Q4_K_M");
    assert_string_equal(bjson_file_type_name(21), "Q2_K_S");
    assert_string_equal(bjson_file_type_name(32), "BF16");
    assert_string_equal(bjson_file_type_name(33), "unknown");
    assert_string_equal(bjson_file_type_name(38), "MXFP4_MOE");
    assert_string_equal(bjson_file_type_name(40), "Q1_0");
    assert_string_equal(bjson_file_type_name(41), "unknown");
    assert_string_equal(bjson_file_type_name(1024), "unknown");
}

/* Read the config fields of a writer-built GGUF. */
static void info_of(struct gguf_writer *w, struct bjson_gguf_info *info)
{
    void *data = NULL;
    size_t len = 0;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(gguf_writer_write_mem(w, &data, &len, &err), 0);
    struct gguf_file *g = NULL;
    assert_int_equal(gguf_open_mem(data, len, &g, &err), 0);
    assert_int_equal(bjson_gguf_info_read(g, info, &err), 0);
    gguf_close(g);
    free(data);
}

static void test_gguf_info(void **state)
{
    (void)state;
    static float t1[64 * 3], t2[32];
    int64_t ne1[2] = {64, 3}, ne2[1] = {32};
    struct cola_err err;
    err_clear(&err);
    struct gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "llama"), 0);
    assert_int_equal(gguf_writer_set_u32(w, "general.file_type", 15), 0);
    /* Ollama replaces a stored count by the sum over the tensors */
    assert_int_equal(gguf_writer_set_u64(w, "general.parameter_count", 999), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "a", QT_TYPE_F32, 2, ne1, t1, sizeof t1, &err), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "b", QT_TYPE_F32, 1, ne2, t2, sizeof t2, &err), 0);
    struct bjson_gguf_info info;
    info_of(w, &info);
    assert_string_equal(info.architecture, "llama");
    assert_int_equal(info.parameter_count, 64 * 3 + 32);
    assert_string_equal(info.model_type, "224");
    assert_string_equal(info.file_type, "Q4_K_M");
    struct bjson_config c;
    bjson_config_from_gguf(&info, &c);
    struct buf b;
    buf_init(&b, 1 << 16);
    assert_int_equal(bjson_config_encode(&c, &b, &err), 0);
    assert_string_equal(b.data, "{\"model_format\":\"gguf\",\"model_family\":\"llama\","
                                "\"model_families\":[\"llama\"],\"model_type\":\"224\","
                                "\"file_type\":\"Q4_K_M\",\"architecture\":\"amd64\",\"os\":\"linux\"}\n");
    buf_free(&b);
    bjson_gguf_info_free(&info);

    /* file type 0 (F32) is "unknown" to Ollama; so is one stored as i32 */
    assert_int_equal(gguf_writer_set_u32(w, "general.file_type", 0), 0);
    info_of(w, &info);
    assert_string_equal(info.file_type, "unknown");
    bjson_gguf_info_free(&info);
    assert_int_equal(gguf_writer_set_i32(w, "general.file_type", 7), 0);
    info_of(w, &info);
    assert_string_equal(info.file_type, "unknown");
    bjson_gguf_info_free(&info);
    assert_int_equal(gguf_writer_set_u32(w, "general.file_type", 7), 0);
    info_of(w, &info);
    assert_string_equal(info.file_type, "Q8_0");
    bjson_gguf_info_free(&info);

    /* an architecture that is not a string, or none, is "unknown" */
    assert_int_equal(gguf_writer_set_u32(w, "general.architecture", 3), 0);
    info_of(w, &info);
    assert_string_equal(info.architecture, "unknown");
    bjson_gguf_info_free(&info);
    assert_int_equal(gguf_writer_remove(w, "general.architecture"), 0);
    info_of(w, &info);
    assert_string_equal(info.architecture, "unknown");
    bjson_gguf_info_free(&info);
    gguf_writer_free(w);
}

static void test_manifest_fields(void **state)
{
    (void)state;
    struct bjson_layer cfg = {BJSON_MEDIA_CONFIG, SHA_FCONFIG, 147, NULL, NULL};
    struct bjson_layer layers[2] = {
        {BJSON_MEDIA_MODEL, SHA_FGGUF, 68, "library/test:latest", NULL},
        {"application/vnd.ollama.image.json", SHA_FGGUF, 5, "", "config.json"},
    };
    struct buf b;
    buf_init(&b, 1 << 16);
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(bjson_manifest_encode(&cfg, layers, 2, &b, &err), 0);
    assert_string_equal(b.data,
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
        "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\""
        SHA_FCONFIG "\",\"size\":147},\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\","
        "\"digest\":\"" SHA_FGGUF "\",\"size\":68,\"from\":\"library/test:latest\"},"
        "{\"mediaType\":\"application/vnd.ollama.image.json\",\"digest\":\"" SHA_FGGUF "\","
        "\"size\":5,\"name\":\"config.json\"}]}\n");
    buf_reset(&b);
    assert_int_equal(bjson_manifest_encode(&cfg, NULL, 0, &b, &err), 0);
    assert_non_null(strstr(b.data, "\"layers\":null}\n"));
    assert_int_equal(bjson_manifest_encode(&cfg, layers, 0, &b, &err), 0);
    assert_non_null(strstr(b.data, "\"layers\":[]}\n"));

    /* bad digests and missing media types never reach a manifest */
    static const char *const bad[] = {
        "sha256-89a2116c3a82d6a97f59f748d86ed4417214353fd178ee54df418fde32495fad",
        "sha256:../../etc/passwd", "", NULL,
    };
    buf_reset(&b);
    assert_int_equal(buf_puts(&b, "x"), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct bjson_layer l = {BJSON_MEDIA_MODEL, bad[i], 1, NULL, NULL};
        err_clear(&err);
        assert_int_equal(bjson_manifest_encode(&cfg, &l, 1, &b, &err), COLA_EINVAL);
        assert_string_equal(err_msg(&err), "invalid digest format");
        assert_string_equal(b.data, "x");
    }
    struct bjson_layer nomedia = {NULL, SHA_FGGUF, 1, NULL, NULL};
    assert_int_equal(bjson_manifest_encode(&nomedia, layers, 1, &b, &err), COLA_EINVAL);
    assert_string_equal(b.data, "x");
    buf_free(&b);
}

static void test_params_errors(void **state)
{
    (void)state;
    struct cola_err err;
    struct buf b;
    buf_init(&b, 1 << 16);
    json_t *arr = parse("[1]"), *obj = parse("{\"a\":1}");
    err_clear(&err);
    assert_int_equal(bjson_params_encode(arr, &b, &err), COLA_EINVAL);
    assert_int_equal(bjson_params_merge(obj, arr, &err), COLA_EINVAL);
    assert_int_equal(bjson_params_merge(arr, obj, &err), COLA_EINVAL);
    assert_int_equal(b.len, 0);
    /* an empty map encodes as {} (Ollama then writes no layer at all) */
    json_t *e = json_object();
    assert_int_equal(bjson_params_encode(e, &b, &err), 0);
    assert_string_equal(b.data, "{}\n");
    json_decref(e);
    json_decref(arr);
    json_decref(obj);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fgguf_config_manifest),
        cmocka_unit_test(test_params_vectors),
        cmocka_unit_test(test_phi3_params),
        cmocka_unit_test(test_messages_vectors),
        cmocka_unit_test(test_config_fields),
        cmocka_unit_test(test_human_number_file_type),
        cmocka_unit_test(test_gguf_info),
        cmocka_unit_test(test_manifest_fields),
        cmocka_unit_test(test_params_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
