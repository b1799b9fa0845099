/* pull against tests/registry/static_registry.py, a registry that serves
 * whatever the test put in its directory, lies included: a manifest whose
 * digests would reach outside the store is refused before any file is
 * touched or any blob requested; a blob that does not hash to its digest
 * fails verification and leaves nothing named and no manifest; a pull
 * cancelled mid-blob resumes from its part files and fetches exactly what
 * was missing (the registry counts the bytes it sent), without a HEAD;
 * stale part files whose -partial is gone are ignored; a pull that
 * replaces a manifest removes the blobs only the old one used ("removing
 * unused layers"), unless OLLAMA_NOPRUNE; create FROM a model not in the
 * store pulls it first. Skips without python3. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/gguf.h"
#include "store/create.h"
#include "store/transfer.h"

struct env {
    char *dir;
    char reg[600];    /* the registry's directory */
    int port;
    struct store s;
};

static void put_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static int setup(void **state)
{
    if (system("command -v python3 >/dev/null 2>&1") != 0) {
        fprintf(stderr, "SKIP: python3 absent (needed for tests/registry/static_registry.py)\n");
        *state = NULL;
        return 0;
    }
    struct env *e = calloc(1, sizeof(*e));
    e->dir = tu_mkdtemp();
    snprintf(e->reg, sizeof(e->reg), "%s/reg", e->dir);
    char cmd[2600], path[700], root[700];
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%s/blobs' '%s/manifests/t' && (python3 '%s/tests/registry/static_registry.py'"
             " '%s' >/dev/null 2>&1 & echo $! > '%s/pid')",
             e->reg, e->reg, COLA_SOURCE_DIR, e->reg, e->reg);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/port", e->reg);
    for (int i = 0; i < 200 && e->port == 0; i++) {
        size_t n = 0;
        char *p = tu_read_file(path, &n);
        if (p)
            e->port = atoi(p);
        free(p);
        if (!e->port)
            nanosleep(&(struct timespec){0, 50000000L}, NULL);
    }
    assert_true(e->port > 0);
    snprintf(root, sizeof(root), "%s/store", e->dir);
    struct cola_err err = {0};
    assert_int_equal(store_open(&e->s, root, &err), 0);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    if (!e)
        return 0;
    char path[700];
    snprintf(path, sizeof(path), "%s/pid", e->reg);
    size_t n = 0;
    char *pid = tu_read_file(path, &n);
    if (pid && atoi(pid) > 0)
        kill((pid_t)atoi(pid), SIGTERM);
    free(pid);
    tu_rm_rf(e->dir);
    free(e->dir);
    free(e);
    unsetenv("OLLAMA_NOPRUNE");
    return 0;
}

/* A blob the registry serves under digest (its bytes may lie). */
static void reg_blob(struct env *e, const char *digest, const void *data, size_t n)
{
    char path[800];
    snprintf(path, sizeof(path), "%s/blobs/sha256-%s", e->reg, digest + 7);
    put_file(path, data, n);
}

/* The manifest of t/<model>:<tag>: the config, then the layers. */
static void reg_manifest(struct env *e, const char *model, const char *tag, const char *cfg,
                         long cfg_size, const char *const *layers, const long *sizes, int n)
{
    char body[4096], path[800];
    int len = snprintf(body, sizeof(body),
                       "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution."
                       "manifest.v2+json\",\"config\":{\"mediaType\":\"application/vnd.docker."
                       "container.image.v1+json\",\"digest\":\"%s\",\"size\":%ld},\"layers\":[",
                       cfg, cfg_size);
    for (int i = 0; i < n; i++)
        len += snprintf(body + len, sizeof(body) - (size_t)len,
                        "%s{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"%s\","
                        "\"size\":%ld}",
                        i ? "," : "", layers[i], sizes[i]);
    len += snprintf(body + len, sizeof(body) - (size_t)len, "]}");
    snprintf(path, sizeof(path), "%s/manifests/t/%s", e->reg, model);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/manifests/t/%s/%s", e->reg, model, tag);
    put_file(path, body, (size_t)len);
}

static void name_of(const struct env *e, const char *model_tag, char *out, size_t cap)
{
    snprintf(out, cap, "127.0.0.1:%d/t/%s", e->port, model_tag);
}

/* Number of entries in dir (0 when it does not exist). */
static int count_entries(const char *dir)
{
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof(cmd), "ls -A '%s' 2>/dev/null | wc -l", dir);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p) {
        if (fscanf(p, "%d", &n) != 1)
            n = -1;
        pclose(p);
    }
    return n;
}

static long sum_log(struct env *e, const char *name)
{
    char path[800];
    snprintf(path, sizeof(path), "%s/%s", e->reg, name);
    FILE *f = fopen(path, "r");
    long total = 0, v;
    while (f && fscanf(f, "%ld", &v) == 1)
        total += v;
    if (f)
        fclose(f);
    return total;
}

static bool log_has(struct env *e, const char *what)
{
    char path[800];
    snprintf(path, sizeof(path), "%s/requests.log", e->reg);
    size_t n = 0;
    char *t = tu_read_file(path, &n);
    const bool has = t && strstr(t, what);
    free(t);
    return has;
}

static void clear_logs(struct env *e)
{
    char path[800];
    snprintf(path, sizeof(path), "%s/requests.log", e->reg);
    unlink(path);
    snprintf(path, sizeof(path), "%s/bytes.log", e->reg);
    unlink(path);
}

static void fill(unsigned char *p, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        p[i] = (unsigned char)seed;
    }
}

static const struct xfer_opts opts = {.insecure = true, .part_size = 256 << 10, .max_parallel = 2};

static void test_bad_digests_touch_nothing(void **state)
{
    struct env *e = *state;
    if (!e) {
        skip();
        return;
    }
    char good[DIGEST_STR_LEN + 1], name[200];
    assert_int_equal(sha256_buf("cfg", 3, good), 0);
    reg_blob(e, good, "cfg", 3);
    /* a layer digest that climbs out of blobs/, and a config that does */
    const char *bad_layer[] = {"sha256:../../../../../../tmp/cola-pwned-layer"};
    const long sz[] = {3};
    reg_manifest(e, "evil", "l", good, 3, bad_layer, sz, 1);
    const char *good_layer[] = {good};
    reg_manifest(e, "evil", "c", "sha256-../../manifests/x", 3, good_layer, sz, 1);
    const char *short_hex[] = {"sha256:0123"};
    reg_manifest(e, "evil", "s", good, 3, short_hex, sz, 1);
    const char *tags[] = {"l", "c", "s"};
    for (int i = 0; i < 3; i++) {
        struct cola_err err = {0};
        clear_logs(e);
        char mt[32];
        snprintf(mt, sizeof(mt), "evil:%s", tags[i]);
        name_of(e, mt, name, sizeof(name));
        const int rc = pull_model(&e->s, name, &opts, NULL, NULL, &err);
        assert_int_not_equal(rc, 0);
        assert_non_null(strstr(err_msg(&err), "digest"));
        assert_int_equal(count_entries(e->s.blobs), 0);
        assert_int_equal(count_entries(e->s.manifests), 0);
        assert_true(log_has(e, "/manifests/"));
        assert_false(log_has(e, "/blobs/")); /* not one blob was asked for */
    }
    assert_int_not_equal(access("/tmp/cola-pwned-layer", F_OK), 0);
}

static void test_wrong_blob_names_nothing(void **state)
{
    struct env *e = *state;
    if (!e) {
        skip();
        return;
    }
    enum { N = 700 << 10 };
    unsigned char *real = malloc(N), *lie = malloc(N);
    fill(real, N, 7);
    memcpy(lie, real, N);
    lie[N / 2] ^= 1;
    char d[DIGEST_STR_LEN + 1], got[DIGEST_STR_LEN + 1], cfg[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_buf(real, N, d), 0);
    assert_int_equal(sha256_buf(lie, N, got), 0);
    assert_int_equal(sha256_buf("{}", 2, cfg), 0);
    reg_blob(e, d, lie, N);
    reg_blob(e, cfg, "{}", 2);
    const char *layers[] = {d};
    const long sizes[] = {N};
    reg_manifest(e, "liar", "v1", cfg, 2, layers, sizes, 1);
    char name[200], want[300];
    name_of(e, "liar:v1", name, sizeof(name));
    struct cola_err err = {0};
    assert_int_equal(pull_model(&e->s, name, &opts, NULL, NULL, &err), COLA_EFORMAT);
    snprintf(want, sizeof(want), "digest mismatch, file must be downloaded again: want %s, got %s",
             d, got);
    assert_string_equal(err_msg(&err), want);
    /* nothing carries the digest's name, no partial or part file, no manifest */
    char path[PATH_MAX], other[PATH_MAX + 16];
    assert_int_equal(store_blob_path(&e->s, d, path, sizeof(path), &err), 0);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(other, sizeof(other), "%s-partial", path);
    assert_int_not_equal(access(other, F_OK), 0);
    snprintf(other, sizeof(other), "%s-partial-0", path);
    assert_int_not_equal(access(other, F_OK), 0);
    assert_int_equal(count_entries(e->s.manifests), 0);
    free(real);
    free(lie);
}

struct cancel {
    int64_t at;              /* cancel once the blob passed this many bytes */
    int64_t first;           /* completed in the blob's first report, -1 before */
    int64_t total;
    char text[2048];
};

static int on_event(void *user, const struct xfer_event *ev)
{
    struct cancel *c = user;
    size_t n = strlen(c->text);
    if (!strstr(c->text, ev->status))
        snprintf(c->text + n, sizeof(c->text) - n, "%s\n", ev->status);
    if (ev->digest && ev->total == c->total) {
        if (c->first < 0)
            c->first = ev->completed;
        if (c->at && ev->completed >= c->at)
            return 1;
    }
    return 0;
}

static void test_cancel_then_resume(void **state)
{
    struct env *e = *state;
    if (!e) {
        skip();
        return;
    }
    enum { N = 3 << 20 };
    unsigned char *blob = malloc(N);
    fill(blob, N, 99);
    char d[DIGEST_STR_LEN + 1], cfg[DIGEST_STR_LEN + 1], name[200], flag[800];
    assert_int_equal(sha256_buf(blob, N, d), 0);
    assert_int_equal(sha256_buf("{}", 2, cfg), 0);
    reg_blob(e, d, blob, N);
    reg_blob(e, cfg, "{}", 2);
    const char *layers[] = {d};
    const long sizes[] = {N};
    reg_manifest(e, "big", "v1", cfg, 2, layers, sizes, 1);
    name_of(e, "big:v1", name, sizeof(name));
    snprintf(flag, sizeof(flag), "%s/slow", e->reg);
    put_file(flag, "", 0);

    struct cola_err err = {0};
    struct cancel c = {.at = 1 << 20, .first = -1, .total = N};
    clear_logs(e);
    assert_int_equal(pull_model(&e->s, name, &opts, on_event, &c, &err), COLA_ECANCELED);
    char head0[200];
    snprintf(head0, sizeof(head0), "HEAD /v2/t/big/blobs/%s", d);
    assert_true(log_has(e, head0)); /* a fresh fetch asks for the size */
    assert_false(store_blob_exists(&e->s, d));
    assert_int_equal(count_entries(e->s.manifests), 0);
    char path[PATH_MAX], partial[PATH_MAX + 16];
    assert_int_equal(store_blob_path(&e->s, d, path, sizeof(path), &err), 0);
    snprintf(partial, sizeof(partial), "%s-partial-0", path);
    assert_int_equal(access(partial, F_OK), 0);

    /* the registry's threads of the cancelled requests log what they sent
     * when they notice the closed connection: let them finish first */
    nanosleep(&(struct timespec){0, 400000000L}, NULL);
    /* resumed: the first report counts what the part files say is there,
     * and the registry sends exactly the rest — no HEAD this time */
    unlink(flag);
    clear_logs(e);
    memset(&c, 0, sizeof(c));
    c.first = -1;
    c.total = N;
    assert_int_equal(pull_model(&e->s, name, &opts, on_event, &c, &err), 0);
    assert_true(c.first >= 1 << 20 && c.first < N);
    assert_int_equal(sum_log(e, "bytes.log"), (long)(N - c.first) + 2 /* the config */);
    char head[200];
    snprintf(head, sizeof(head), "HEAD /v2/t/big/blobs/%s", d);
    assert_false(log_has(e, head));
    size_t n = 0;
    char *got = tu_read_file(path, &n);
    assert_int_equal(n, N);
    assert_memory_equal(got, blob, N);
    free(got);
    snprintf(partial, sizeof(partial), "%s-partial", path);
    assert_int_not_equal(access(partial, F_OK), 0);
    assert_int_equal(count_entries(e->s.blobs), 2);
    free(blob);
}

static void test_stale_part_files_ignored(void **state)
{
    struct env *e = *state;
    if (!e) {
        skip();
        return;
    }
    enum { N = 600 << 10 };
    unsigned char *blob = malloc(N);
    fill(blob, N, 5);
    char d[DIGEST_STR_LEN + 1], cfg[DIGEST_STR_LEN + 1], name[200];
    assert_int_equal(sha256_buf(blob, N, d), 0);
    assert_int_equal(sha256_buf("{}", 2, cfg), 0);
    reg_blob(e, d, blob, N);
    reg_blob(e, cfg, "{}", 2);
    const char *layers[] = {d};
    const long sizes[] = {N};
    reg_manifest(e, "stale", "v1", cfg, 2, layers, sizes, 1);
    name_of(e, "stale:v1", name, sizeof(name));
    /* a part file that claims the whole blob is done, with no -partial */
    char path[PATH_MAX], pp[PATH_MAX + 32], text[128];
    struct cola_err err = {0};
    assert_int_equal(store_blob_path(&e->s, d, path, sizeof(path), &err), 0);
    snprintf(pp, sizeof(pp), "%s-partial-0", path);
    const int len = snprintf(text, sizeof(text),
                             "{\"N\":0,\"Offset\":0,\"Size\":%d,\"Completed\":%d}", N, N);
    put_file(pp, text, (size_t)len);
    assert_int_equal(pull_model(&e->s, name, &opts, NULL, NULL, &err), 0);
    size_t n = 0;
    char *got = tu_read_file(path, &n);
    assert_int_equal(n, N);
    assert_memory_equal(got, blob, N);
    free(got);
    assert_int_not_equal(access(pp, F_OK), 0);
    free(blob);
}

static void test_replaced_manifest_prunes(void **state)
{
    struct env *e = *state;
    if (!e) {
        skip();
        return;
    }
    char a[DIGEST_STR_LEN + 1], b[DIGEST_STR_LEN + 1], cfg[DIGEST_STR_LEN + 1], name[200];
    assert_int_equal(sha256_buf("layer A", 7, a), 0);
    assert_int_equal(sha256_buf("layer B!", 8, b), 0);
    assert_int_equal(sha256_buf("{}", 2, cfg), 0);
    reg_blob(e, a, "layer A", 7);
    reg_blob(e, b, "layer B!", 8);
    reg_blob(e, cfg, "{}", 2);
    name_of(e, "m:v1", name, sizeof(name));
    const long s7[] = {7}, s8[] = {8};
    const char *la[] = {a}, *lb[] = {b};
    struct cola_err err = {0};
    struct cancel c = {.first = -1, .total = -5};

    /* v1 = A; then the tag moves to B: A goes, the shared config stays */
    reg_manifest(e, "m", "v1", cfg, 2, la, s7, 1);
    assert_int_equal(pull_model(&e->s, name, &opts, on_event, &c, &err), 0);
    assert_null(strstr(c.text, "removing unused layers"));
    reg_manifest(e, "m", "v1", cfg, 2, lb, s8, 1);
    memset(c.text, 0, sizeof(c.text));
    assert_int_equal(pull_model(&e->s, name, &opts, on_event, &c, &err), 0);
    assert_non_null(strstr(c.text, "writing manifest\nremoving unused layers\nsuccess\n"));
    assert_false(store_blob_exists(&e->s, a));
    assert_true(store_blob_exists(&e->s, b));
    assert_true(store_blob_exists(&e->s, cfg));

    /* the same again (B → B): nothing to remove, nothing announced */
    memset(c.text, 0, sizeof(c.text));
    assert_int_equal(pull_model(&e->s, name, &opts, on_event, &c, &err), 0);
    assert_null(strstr(c.text, "removing unused layers"));

    /* OLLAMA_NOPRUNE keeps what the replaced manifest used */
    setenv("OLLAMA_NOPRUNE", " \"true\" ", 1);
    reg_manifest(e, "m", "v1", cfg, 2, la, s7, 1);
    memset(c.text, 0, sizeof(c.text));
    assert_int_equal(pull_model(&e->s, name, &opts, on_event, &c, &err), 0);
    assert_null(strstr(c.text, "removing unused layers"));
    assert_true(store_blob_exists(&e->s, a));
    assert_true(store_blob_exists(&e->s, b));
    /* "false" is read as Go's ParseBool does: pruning again */
    setenv("OLLAMA_NOPRUNE", "false", 1);
    reg_manifest(e, "m", "v1", cfg, 2, lb, s8, 1);
    assert_int_equal(pull_model(&e->s, name, &opts, NULL, NULL, &err), 0);
    assert_false(store_blob_exists(&e->s, a));

    /* a tag the registry does not have: Ollama's words, nothing written */
    name_of(e, "m:none", name, sizeof(name));
    err_clear(&err);
    assert_int_equal(pull_model(&e->s, name, &opts, NULL, NULL, &err), COLA_ENOTFOUND);
    assert_string_equal(err_msg(&err), "pull model manifest: file does not exist");
}

/* create FROM a model that is not in the store pulls it first, as Ollama's
 * parseFromModel does; FROM a name the registry lacks fails with the pull's
 * error and creates nothing. */
static void test_create_from_pulls(void **state)
{
    struct env *e = *state;
    if (!e) {
        skip();
        return;
    }
    char path[700], gg[DIGEST_STR_LEN + 1], cfg[DIGEST_STR_LEN + 1], name[200], mf[300];
    snprintf(path, sizeof(path), "%s/base.gguf", e->dir);
    struct gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "test"), 0);
    struct cola_err err = {0};
    assert_int_equal(gguf_writer_write(w, path, &err), 0);
    gguf_writer_free(w);
    size_t n = 0;
    char *bytes = tu_read_file(path, &n);
    assert_non_null(bytes);
    assert_int_equal(sha256_buf(bytes, n, gg), 0);
    assert_int_equal(sha256_buf("{}", 2, cfg), 0);
    reg_blob(e, gg, bytes, n);
    reg_blob(e, cfg, "{}", 2);
    const long sz[] = {(long)n};
    const char *ls[] = {gg};
    reg_manifest(e, "base", "v1", cfg, 2, ls, sz, 1);
    free(bytes);

    struct cancel c = {.first = -1, .total = -5};
    name_of(e, "base:v1", name, sizeof(name));
    snprintf(mf, sizeof(mf), "FROM %s\nSYSTEM be brief\n", name);
    struct mf_file f;
    struct mf_request r;
    assert_int_equal(mf_parse(mf, strlen(mf), &f, &err), 0);
    assert_int_equal(mf_request_build(&f, e->dir, NULL, &r, &err), 0);
    assert_int_equal(create_model(&e->s, "derived", &r, &opts, on_event, &c, &err), 0);
    assert_non_null(strstr(c.text, "pulling manifest\n"));
    assert_non_null(strstr(c.text, "using existing layer "));
    assert_non_null(strstr(c.text, "creating new layer "));
    assert_non_null(strstr(c.text, "writing manifest\nsuccess\n"));
    assert_true(store_blob_exists(&e->s, gg));
    struct model_name mn;
    struct manifest m;
    name_parse(name, &mn);
    assert_int_equal(store_manifest_load(&e->s, &mn, &m, NULL, &err), 0); /* the pulled model */
    manifest_free(&m);
    name_parse("derived", &mn);
    assert_int_equal(store_manifest_load(&e->s, &mn, &m, NULL, &err), 0);
    assert_int_equal(m.n_layers, 2);
    assert_string_equal(m.layers[0].digest, gg);
    manifest_free(&m);
    mf_request_free(&r);
    mf_file_free(&f);

    /* a FROM the registry does not have: the pull's error, nothing created */
    name_of(e, "base:none", name, sizeof(name));
    snprintf(mf, sizeof(mf), "FROM %s\n", name);
    assert_int_equal(mf_parse(mf, strlen(mf), &f, &err), 0);
    assert_int_equal(mf_request_build(&f, e->dir, NULL, &r, &err), 0);
    err_clear(&err);
    assert_int_equal(create_model(&e->s, "other", &r, &opts, NULL, NULL, &err), COLA_ENOTFOUND);
    assert_string_equal(err_msg(&err), "pull model manifest: file does not exist");
    name_parse("other", &mn);
    assert_int_equal(store_manifest_load(&e->s, &mn, &m, NULL, &err), COLA_ENOTFOUND);
    mf_request_free(&r);
    mf_file_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_digests_touch_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_blob_names_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_then_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_part_files_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replaced_manifest_prunes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_from_pulls, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
