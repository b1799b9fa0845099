/* create: Modelfile -> layers -> manifest in a temporary store, checked
 * against STORE.md §5a's digests (the blobs and manifest Ollama writes for
 * the same inputs), layer inheritance FROM a model, parameter merging,
 * replaced layers released, and failures that leave the store as it was. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gguf.h"
#include "store/digest.h"
#include "template/named.h"
#include "store/create.h"

#define D_FGGUF "sha256:89a2116c3a82d6a97f59f748d86ed4417214353fd178ee54df418fde32495fad"
#define D_CONFIG "sha256:99759ad5b91e723db0393d698ffbb448b1b7df5ff6377a108c49254583b1bc8c"
#define D_MANIFEST "f75369d1dd1fb2f7c3db80c05854077604d2e78397dbe270fbe9d8a453ae62ff"
#define D_TMPL_PROMPT "sha256:b507b9c2f6ca642bffcd06665ea7c91f235fd32daeefdf875a0f938db05fb315"
#define D_TMPL_SYSPROMPT "sha256:fe7ac77b725cda2ccad03f88a880ecdfd7a33192d6cae08fce2c0ee1455991ed"
#define D_SYS_HI "sha256:f29e82a8284dbdf5910b1555580ff60b04238b8da9d5e51159ada67a4d0d5851"
#define D_LIC_MIT "sha256:e5dcffe836b6ec8a58e492419b550e65fb8cbdc308503979e5dacb33ac7ea3b7"
#define D_LIC_APACHE "sha256:2af71558e438db0b73a20beab92dc278a94e1bbe974c00c1a33e3ab62d53a608"
#define D_PARAMS "sha256:1d0ad71299d48c2fb7ae2b98e683643e771f8a5b72be34942af90d97a91c1e37"
#define D_PARAMS_MERGED "sha256:e29a7b3c47287a2489c895d21fe413c20f859a85d20e749492f52a838e36e1ba"
#define D_PARAMS_STOP "sha256:12f58bb75cb3042d69a7e013ab87fb3c3c7088f50ddc62f0c77bd332f0d44d35"
#define D_MSGS "sha256:298baeaf6928a60cf666d88d64a1ba606feb43a2865687c39e40652e407bffc4"
#define D_MSGS2 "sha256:a60ecc9da299ec7ede453f99236e5577fd125e143689b646d9f0ddc9971bf4db"

struct env {
    char *dir;
    struct store s;
    char gguf[512];
    char statuses[4096];
};

static int on_status(void *user, const struct xfer_event *ev)
{
    struct env *e = user;
    size_t n = strlen(e->statuses);
    if (ev->digest)
        snprintf(e->statuses + n, sizeof(e->statuses) - n, "%s %s %lld/%lld\n", ev->status,
                 ev->digest, (long long)ev->completed, (long long)ev->total);
    else
        snprintf(e->statuses + n, sizeof(e->statuses) - n, "%s\n", ev->status);
    return 0;
}

/* The 68-byte GGUF of §5a: v3, no tensors, general.architecture = "test". */
static void write_fgguf(const char *path)
{
    struct gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "test"), 0);
    struct cola_err err = {0};
    assert_int_equal(gguf_writer_write(w, path, &err), 0);
    gguf_writer_free(w);
}

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    e->dir = tu_mkdtemp();
    char root[600];
    snprintf(root, sizeof(root), "%s/models", e->dir);
    struct cola_err err = {0};
    if (store_open(&e->s, root, &err))
        return -1;
    snprintf(e->gguf, sizeof(e->gguf), "%s/test.gguf", e->dir);
    write_fgguf(e->gguf);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    tu_rm_rf(e->dir);
    free(e->dir);
    free(e);
    return 0;
}

/* Create name from Modelfile text ("@GGUF" stands for the test GGUF path). */
static int create(struct env *e, const char *name, const char *modelfile, struct cola_err *err)
{
    char text[4096];
    const char *at = strstr(modelfile, "@GGUF");
    if (at)
        snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - modelfile), modelfile, e->gguf,
                 at + 5);
    else
        snprintf(text, sizeof(text), "%s", modelfile);
    struct mf_file f;
    struct mf_request r;
    err_clear(err);
    int rc = mf_parse(text, strlen(text), &f, err);
    if (rc)
        return rc;
    rc = mf_request_build(&f, e->dir, NULL, &r, err);
    e->statuses[0] = '\0';
    if (!rc)
        rc = create_model(&e->s, name, &r, NULL, on_status, e, err);
    mf_request_free(&r);
    mf_file_free(&f);
    return rc;
}

static void load(struct env *e, const char *name, struct manifest *m, char hex[65])
{
    struct model_name n;
    name_parse(name, &n);
    struct cola_err err = {0};
    assert_int_equal(store_manifest_load(&e->s, &n, m, hex, &err), 0);
}

static const struct manifest_layer *layer_of(const struct manifest *m, const char *media_suffix)
{
    const struct manifest_layer *found = NULL;
    for (size_t i = 0; i < m->n_layers; i++) {
        const char *mt = m->layers[i].media_type;
        size_t a = strlen(mt), b = strlen(media_suffix);
        if (a >= b && !strcmp(mt + a - b, media_suffix))
            found = &m->layers[i];
    }
    return found;
}

/* The blob file names, sorted, one per line. */
static void blob_listing(struct env *e, char *out, size_t cap)
{
    char *names[256];
    size_t n = 0;
    DIR *d = opendir(e->s.blobs);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) && n < 256)
        if (de->d_name[0] != '.')
            names[n++] = strdup(de->d_name);
    closedir(d);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(names[j], names[i]) < 0) {
                char *t = names[i];
                names[i] = names[j];
                names[j] = t;
            }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s\n", names[i]);
        free(names[i]);
    }
}

static void test_from_gguf_exact(void **state)
{
    struct env *e = *state;
    struct cola_err err;
    assert_int_equal(create(e, "test", "FROM @GGUF\n", &err), 0);
    struct manifest m;
    char hex[65];
    load(e, "test", &m, hex);
    assert_string_equal(hex, D_MANIFEST);
    assert_string_equal(m.config.digest, D_CONFIG);
    assert_int_equal(m.config.size, 147);
    assert_int_equal(m.n_layers, 1);
    assert_string_equal(m.layers[0].digest, D_FGGUF);
    assert_int_equal(m.layers[0].size, 68);
    assert_null(m.layers[0].from);
    manifest_free(&m);
    assert_non_null(strstr(e->statuses, "copying file " D_FGGUF " 0/68\ncopying file " D_FGGUF
                                        " 68/68\nparsing GGUF\nusing existing layer " D_FGGUF
                                        "\nwriting manifest\nsuccess\n"));
    /* FROM the blob's digest makes the same model */
    assert_int_equal(create(e, "byblob", "FROM " D_FGGUF "\n", &err), 0);
    load(e, "byblob", &m, hex);
    assert_string_equal(hex, D_MANIFEST);
    manifest_free(&m);
    assert_int_equal(create(e, "byblob", "FROM sha256:00000000000000000000000000000000000000000000"
                                         "00000000000000000000\n", &err), COLA_ENOTFOUND);
}

static void test_text_layers_exact(void **state)
{
    struct env *e = *state;
    struct cola_err err;
    const char *mf = "FROM @GGUF\n"
                     "TEMPLATE {{ .Prompt }}\n"
                     "SYSTEM Say hi!\n"
                     "LICENSE MIT\n"
                     "LICENSE Apache-2.0\n"
                     "PARAMETER temperature 1\n"
                     "PARAMETER top_k 10\n"
                     "PARAMETER stop USER:\n"
                     "PARAMETER stop ASSISTANT:\n"
                     "MESSAGE assistant What is my purpose?\n"
                     "MESSAGE user You run tests.\n"
                     "MESSAGE assistant Oh, my god.\n";
    assert_int_equal(create(e, "test", mf, &err), 0);
    struct manifest m;
    load(e, "test", &m, NULL);
    static const char *const order[][2] = {
        {"image.model", D_FGGUF},      {"image.template", D_TMPL_PROMPT},
        {"image.system", D_SYS_HI},    {"image.license", D_LIC_MIT},
        {"image.license", D_LIC_APACHE}, {"image.params", D_PARAMS},
        {"image.messages", D_MSGS}};
    assert_int_equal(m.n_layers, 7);
    for (size_t i = 0; i < 7; i++) {
        const char *mt = m.layers[i].media_type;
        assert_string_equal(mt + strlen(mt) - strlen(order[i][0]), order[i][0]);
        assert_string_equal(m.layers[i].digest, order[i][1]);
    }
    assert_non_null(strstr(e->statuses, "creating new layer " D_TMPL_PROMPT "\n"));
    manifest_free(&m);

    /* FROM the model: every layer inherited with from = its short name;
     * request parameters win key by key, a list replaces the old one */
    assert_int_equal(create(e, "test2", "FROM test\nPARAMETER temperature 0.6\n"
                                        "PARAMETER top_p 0.7\n", &err), 0);
    load(e, "test2", &m, NULL);
    assert_string_equal(layer_of(&m, "image.params")->digest, D_PARAMS_MERGED);
    assert_string_equal(layer_of(&m, "image.model")->from, "test:latest");
    assert_string_equal(layer_of(&m, "image.template")->digest, D_TMPL_PROMPT);
    assert_string_equal(layer_of(&m, "image.messages")->digest, D_MSGS);
    assert_string_equal(m.config.digest, D_CONFIG);
    assert_non_null(strstr(e->statuses, "using existing layer " D_TMPL_PROMPT "\n"));
    manifest_free(&m);
    assert_int_equal(create(e, "test2", "FROM test\nPARAMETER temperature 0.6\n"
                                        "PARAMETER top_p 0.7\nPARAMETER stop <|endoftext|>\n"
                                        "MESSAGE assistant You're a test, Harry.\n"
                                        "MESSAGE user I-I'm a what?\n"
                                        "MESSAGE assistant A test. And a thumping good one at "
                                        "that, I'd wager.\n", &err), 0);
    load(e, "test2", &m, NULL);
    assert_string_equal(layer_of(&m, "image.params")->digest, D_PARAMS_STOP);
    assert_string_equal(layer_of(&m, "image.messages")->digest, D_MSGS2);
    manifest_free(&m);
    /* the first test2's merged params blob is no longer used by anyone */
    assert_false(store_blob_exists(&e->s, D_PARAMS_MERGED));
    assert_true(store_blob_exists(&e->s, D_PARAMS));
}

/* A GGUF whose chat template is one of Ollama's named templates gets that
 * Go template and its stop list as layers (Ollama's detectChatTemplate),
 * params encoded as Go's json.Encoder writes them; a Modelfile TEMPLATE
 * replaces the detected one and its PARAMETERs merge over the stop list. */
static void test_autodetected_template(void **state)
{
    struct env *e = *state;
    struct gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "test"), 0);
    assert_string_equal(named_tmpls[named_index[0].tmpl].name, "chatml");
    assert_int_equal(gguf_writer_set_str(w, "tokenizer.chat_template", named_index[0].jinja), 0);
    struct cola_err err = {0};
    assert_int_equal(gguf_writer_write(w, e->gguf, &err), 0);
    gguf_writer_free(w);

    char d_tmpl[DIGEST_STR_LEN + 1], d_params[DIGEST_STR_LEN + 1], d_merged[DIGEST_STR_LEN + 1];
    const char *go = named_tmpls[named_index[0].tmpl].gotmpl;
    static const char params[] = "{\"stop\":[\"\\u003c|im_start|\\u003e\",\"\\u003c|im_end|\\u003e\"]}\n";
    static const char merged[] = "{\"stop\":[\"\\u003c|im_start|\\u003e\",\"\\u003c|im_end|\\u003e\"],"
                                 "\"temperature\":0.5}\n";
    assert_int_equal(sha256_buf(go, strlen(go), d_tmpl), 0);
    assert_int_equal(sha256_buf(params, strlen(params), d_params), 0);
    assert_int_equal(sha256_buf(merged, strlen(merged), d_merged), 0);

    assert_int_equal(create(e, "auto", "FROM @GGUF\n", &err), 0);
    struct manifest m;
    load(e, "auto", &m, NULL);
    assert_int_equal(m.n_layers, 3);
    assert_string_equal(m.layers[1].media_type, "application/vnd.ollama.image.template");
    assert_string_equal(m.layers[1].digest, d_tmpl);
    assert_int_equal(m.layers[1].size, (int64_t)strlen(go));
    assert_string_equal(m.layers[2].media_type, "application/vnd.ollama.image.params");
    assert_string_equal(m.layers[2].digest, d_params);
    manifest_free(&m);
    assert_non_null(strstr(e->statuses, "using autodetected template chatml\n"));

    assert_int_equal(create(e, "auto2", "FROM @GGUF\nTEMPLATE {{ .Prompt }}\n"
                                        "PARAMETER temperature 0.5\n", &err), 0);
    load(e, "auto2", &m, NULL);
    assert_string_equal(layer_of(&m, "image.template")->digest, D_TMPL_PROMPT);
    assert_string_equal(layer_of(&m, "image.params")->digest, d_merged);
    assert_int_equal(m.n_layers, 3);
    manifest_free(&m);

    /* a template nothing resembles: no layers added */
    w = gguf_writer_new();
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "test"), 0);
    assert_int_equal(gguf_writer_set_str(w, "tokenizer.chat_template",
                                         "{% for m in messages %}[[{{ m.content }}]]{% endfor %}"), 0);
    assert_int_equal(gguf_writer_write(w, e->gguf, &err), 0);
    gguf_writer_free(w);
    assert_int_equal(create(e, "plain", "FROM @GGUF\n", &err), 0);
    load(e, "plain", &m, NULL);
    assert_int_equal(m.n_layers, 1);
    manifest_free(&m);
    assert_null(strstr(e->statuses, "autodetected"));
}

static void test_replace_and_unset(void **state)
{
    struct env *e = *state;
    struct cola_err err;
    assert_int_equal(create(e, "m", "FROM @GGUF\nTEMPLATE {{ .Prompt }}\nSYSTEM Say hi!\n", &err),
                     0);
    assert_true(store_blob_exists(&e->s, D_TMPL_PROMPT));
    assert_int_equal(create(e, "m", "FROM @GGUF\nTEMPLATE {{ .System }} {{ .Prompt }}\n", &err), 0);
    struct manifest m;
    load(e, "m", &m, NULL);
    assert_string_equal(layer_of(&m, "image.template")->digest, D_TMPL_SYSPROMPT);
    assert_null(layer_of(&m, "image.system")); /* TestCreateUnsetsSystem */
    manifest_free(&m);
    assert_false(store_blob_exists(&e->s, D_TMPL_PROMPT)); /* TestCreateRemovesLayers */
    assert_false(store_blob_exists(&e->s, D_SYS_HI));
    assert_true(store_blob_exists(&e->s, D_FGGUF));
}

static void test_errors_leave_store(void **state)
{
    struct env *e = *state;
    struct cola_err err;
    assert_int_equal(create(e, "keep", "FROM @GGUF\nSYSTEM Say hi!\n", &err), 0);
    char before[8192], after[8192];
    blob_listing(e, before, sizeof(before));
    struct manifest m;
    char hex_before[65], hex_after[65];
    load(e, "keep", &m, hex_before);
    manifest_free(&m);

    /* a bad template after new text layers were written: all undone */
    assert_int_equal(create(e, "keep", "FROM @GGUF\nSYSTEM Another system\nLICENSE new\n"
                                       "TEMPLATE {{ .Prompt\n", &err), COLA_EINVAL);
    assert_non_null(strstr(err_msg(&err), "template error: template: :1:"));
    /* (FROM a model not in the store pulls it: test_pull covers that
     * against a local registry, as no test may reach the network) */
    assert_int_equal(create(e, "bad name!", "FROM @GGUF\n", &err), COLA_EINVAL);
    assert_string_equal(err_msg(&err), "invalid model name");
    blob_listing(e, after, sizeof(after));
    assert_string_equal(after, before);
    load(e, "keep", &m, hex_after);
    manifest_free(&m);
    assert_string_equal(hex_after, hex_before);

    /* a file that is not GGUF: an error naming it, nothing named */
    char junk[600];
    snprintf(junk, sizeof(junk), "%s/junk.gguf", e->dir);
    FILE *f = fopen(junk, "wb");
    fputs("not a gguf at all, just text", f);
    fclose(f);
    char mf[800];
    snprintf(mf, sizeof(mf), "FROM %s\n", junk);
    assert_int_not_equal(create(e, "junk", mf, &err), 0);
    assert_non_null(strstr(err_msg(&err), "junk.gguf"));
    blob_listing(e, after, sizeof(after));
    assert_string_equal(after, before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_from_gguf_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_autodetected_template, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_layers_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_and_unset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_leave_store, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
