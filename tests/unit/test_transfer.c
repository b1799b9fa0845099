/* pull/push against a real OCI registry (Debian's docker-registry, started
 * here on 127.0.0.1 with a temporary storage): push a model, pull it into
 * another store byte for byte, a second pull is all cache hits, a pull
 * cancelled half way resumes from its part files, a registry that serves a
 * wrong blob fails verification and names nothing, a missing model gets
 * Ollama's error. Skips when docker-registry is absent. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/blobs_json.h"
#include "store/transfer.h"
#include "util/buf.h"

struct env {
    char *dir;
    char reg[600];
    int port;
    struct store a, b;        /* the pusher's and the puller's stores */
    char name[128];
    char model_digest[DIGEST_STR_LEN + 1];
    unsigned char *model;
    size_t model_len;
};

static int start_registry(struct env *e)
{
    char cmd[1400];
    snprintf(e->reg, sizeof(e->reg), "%s/reg", e->dir);
    snprintf(cmd, sizeof(cmd), "bash '%s/tests/registry/start_registry.sh' '%s' 2>/dev/null",
             COLA_SOURCE_DIR, e->reg);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    if (fscanf(p, "%d", &e->port) != 1)
        e->port = 0;
    const int st = pclose(p);
    return st == 0 && e->port > 0 ? 0 : -1;
}

static void stop_registry(struct env *e)
{
    char path[700];
    snprintf(path, sizeof(path), "%s/pid", e->reg);
    size_t n = 0;
    char *pid = tu_read_file(path, &n);
    if (pid) {
        kill((pid_t)atoi(pid), SIGTERM);
        free(pid);
    }
}

/* A model in store a: an 8 MiB pseudo-random "model" layer, a system layer
 * and a config, under 127.0.0.1:PORT/test/big:v1. */
static void make_model(struct env *e)
{
    struct cola_err err = {0};
    e->model_len = 8u << 20;
    e->model = malloc(e->model_len);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < e->model_len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        e->model[i] = (unsigned char)x;
    }
    char sys[DIGEST_STR_LEN + 1], cfg[DIGEST_STR_LEN + 1];
    assert_int_equal(store_blob_put_buf(&e->a, e->model, e->model_len, NULL, e->model_digest, &err), 0);
    assert_int_equal(store_blob_put_buf(&e->a, "Be brief.", 9, NULL, sys, &err), 0);
    const char *config = "{\"model_format\":\"gguf\"}\n";
    assert_int_equal(store_blob_put_buf(&e->a, config, strlen(config), NULL, cfg, &err), 0);
    const struct bjson_layer c = {BJSON_MEDIA_CONFIG, cfg, (int64_t)strlen(config), NULL, NULL};
    const struct bjson_layer ls[2] = {
        {BJSON_MEDIA_MODEL, e->model_digest, (int64_t)e->model_len, NULL, NULL},
        {"application/vnd.ollama.image.system", sys, 9, NULL, NULL}};
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(bjson_manifest_encode(&c, ls, 2, &b, &err), 0);
    snprintf(e->name, sizeof(e->name), "127.0.0.1:%d/test/big:v1", e->port);
    struct model_name n;
    name_parse(e->name, &n);
    assert_int_equal(store_manifest_write(&e->a, &n, b.data, b.len, &err), 0);
    buf_free(&b);
}

static int setup(void **state)
{
    if (access("/usr/bin/docker-registry", X_OK) != 0) {
        fprintf(stderr, "SKIP: /usr/bin/docker-registry absent (scripts/setup.sh installs it)\n");
        *state = NULL;
        return 0;
    }
    struct env *e = calloc(1, sizeof(*e));
    e->dir = tu_mkdtemp();
    char root[700];
    struct cola_err err = {0};
    snprintf(root, sizeof(root), "%s/a", e->dir);
    assert_int_equal(store_open(&e->a, root, &err), 0);
    snprintf(root, sizeof(root), "%s/b", e->dir);
    assert_int_equal(store_open(&e->b, root, &err), 0);
    if (start_registry(e)) {
        fprintf(stderr, "docker-registry did not start\n");
        return -1;
    }
    make_model(e);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    if (!e)
        return 0;
    stop_registry(e);
    tu_rm_rf(e->dir);
    free(e->dir);
    free(e->model);
    free(e);
    return 0;
}

struct log {
    char text[8192];
    int64_t first_model_completed;   /* completed in the first event of the model blob */
    int64_t cancel_after;            /* cancel once the model blob passes this, 0 never */
    int mid_events;                  /* model blob events strictly between 0 and total */
};

static int on_event(void *user, const struct xfer_event *ev)
{
    struct log *l = user;
    size_t n = strlen(l->text);
    if (n == 0 || !strstr(l->text, ev->status))
        snprintf(l->text + n, sizeof(l->text) - n, "%s\n", ev->status);
    if (ev->digest && ev->total == (8 << 20)) {
        if (l->first_model_completed < 0)
            l->first_model_completed = ev->completed;
        l->mid_events += ev->completed > 0 && ev->completed < ev->total;
        if (l->cancel_after && ev->completed >= l->cancel_after)
            return 1;
    }
    return 0;
}

static void read_manifest(const struct store *s, const char *name, char **data, size_t *len)
{
    struct model_name n;
    name_parse(name, &n);
    struct cola_err err = {0};
    assert_int_equal(store_manifest_read(s, &n, data, len, NULL, &err), 0);
}

static void test_round_trip_resume(void **state)
{
    struct env *e = *state;
    if (!e) {
        skip();
        return;
    }
    struct cola_err err = {0};
    struct xfer_opts o = {.insecure = true, .part_size = 1 << 20, .max_parallel = 2};
    struct log l = {.first_model_completed = -1};
    assert_int_equal(push_model(&e->a, e->name, &o, on_event, &l, &err), 0);
    assert_true(l.mid_events >= 7); /* uploaded in 1 MiB parts */
    assert_non_null(strstr(l.text, "retrieving manifest\npushing "));
    assert_non_null(strstr(l.text, "pushing manifest\nsuccess\n"));

    /* cancelled after ~3 MiB of the model blob: no manifest, part files kept */
    memset(&l, 0, sizeof(l));
    l.first_model_completed = -1;
    l.cancel_after = 3 << 20;
    o.max_parallel = 1;
    assert_int_equal(pull_model(&e->b, e->name, &o, on_event, &l, &err), COLA_ECANCELED);
    struct model_name n;
    name_parse(e->name, &n);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(store_manifest_read(&e->b, &n, &data, &len, NULL, &err), COLA_ENOTFOUND);
    assert_false(store_blob_exists(&e->b, e->model_digest));
    /* Whatever the cancel left, make the state of a pull interrupted after
     * exactly 4 of its 8 parts (Ollama's part-file format), so the resume
     * is checked the same way on every run. */
    char path[PATH_MAX], pp[PATH_MAX + 32];
    assert_int_equal(store_blob_path(&e->b, e->model_digest, path, sizeof(path), &err), 0);
    for (int i = 0; i < 64; i++) {
        snprintf(pp, sizeof(pp), "%s-partial-%d", path, i);
        unlink(pp);
    }
    snprintf(pp, sizeof(pp), "%s-partial", path);
    FILE *pf = fopen(pp, "wb");
    assert_non_null(pf);
    assert_int_equal(fwrite(e->model, 1, 4u << 20, pf), 4u << 20);
    fclose(pf);
    assert_int_equal(truncate(pp, 8 << 20), 0);
    for (int i = 0; i < 8; i++) {
        snprintf(pp, sizeof(pp), "%s-partial-%d", path, i);
        pf = fopen(pp, "wb");
        fprintf(pf, "{\"N\":%d,\"Offset\":%d,\"Size\":%d,\"Completed\":%d}", i, i << 20, 1 << 20,
                i < 4 ? 1 << 20 : 0);
        fclose(pf);
    }

    /* resumed: the model blob's first report already counts what was there */
    memset(&l, 0, sizeof(l));
    l.first_model_completed = -1;
    o.max_parallel = 3;
    assert_int_equal(pull_model(&e->b, e->name, &o, on_event, &l, &err), 0);
    assert_int_equal(l.first_model_completed, 4 << 20);
    assert_non_null(strstr(l.text, "verifying sha256 digest\nwriting manifest\nsuccess\n"));
    char *want = NULL, *got = NULL;
    size_t wn = 0, gn = 0;
    read_manifest(&e->a, e->name, &want, &wn);
    read_manifest(&e->b, e->name, &got, &gn);
    assert_int_equal(gn, wn);
    assert_memory_equal(got, want, wn);
    size_t bn = 0;
    char *blob = tu_read_file(path, &bn);
    assert_int_equal(bn, e->model_len);
    assert_memory_equal(blob, e->model, bn);
    free(blob);
    /* no part files or partial file left behind */
    char partial[PATH_MAX + 16];
    snprintf(partial, sizeof(partial), "%s-partial", path);
    assert_int_not_equal(access(partial, F_OK), 0);
    snprintf(partial, sizeof(partial), "%s-partial-0", path);
    assert_int_not_equal(access(partial, F_OK), 0);

    /* a second repository whose model layer came FROM the first: pushed by
     * a cross-repository mount (no bytes uploaded: the push reports the
     * layer complete without a partial step), then pulled back */
    {
        char other[160], *mf = NULL;
        size_t mn = 0;
        snprintf(other, sizeof(other), "127.0.0.1:%d/test/other:v1", e->port);
        read_manifest(&e->a, e->name, &mf, &mn);
        char from[200];
        snprintf(from, sizeof(from), "\"size\":%d,\"from\":\"%s\"", 8 << 20, e->name);
        char size_key[40];
        snprintf(size_key, sizeof(size_key), "\"size\":%d", 8 << 20);
        char *at = strstr(mf, size_key), edited[4096];
        assert_non_null(at);
        snprintf(edited, sizeof(edited), "%.*s%s%s", (int)(at - mf), mf, from, at + strlen(size_key));
        struct model_name on;
        name_parse(other, &on);
        assert_int_equal(store_manifest_write(&e->a, &on, edited, strlen(edited), &err), 0);
        memset(&l, 0, sizeof(l));
        l.first_model_completed = -1;
        assert_int_equal(push_model(&e->a, other, &o, on_event, &l, &err), 0);
        assert_int_equal(l.mid_events, 0); /* mounted: no part of it was uploaded */
        assert_int_equal(pull_model(&e->b, other, &o, NULL, NULL, &err), 0);
        free(mf);
    }

    /* again: every blob a cache hit (reported complete at once, the file
     * itself untouched); "verifying sha256 digest" is still announced, as
     * Ollama does */
    struct stat st0, st1;
    assert_int_equal(stat(path, &st0), 0);
    memset(&l, 0, sizeof(l));
    l.first_model_completed = -1;
    assert_int_equal(pull_model(&e->b, e->name, &o, on_event, &l, &err), 0);
    assert_non_null(strstr(l.text, "verifying sha256 digest\nwriting manifest\nsuccess\n"));
    assert_int_equal(l.first_model_completed, 8 << 20);
    assert_int_equal(l.mid_events, 0);
    assert_int_equal(stat(path, &st1), 0);
    assert_int_equal(st0.st_ino, st1.st_ino);
    assert_int_equal(st0.st_mtim.tv_nsec, st1.st_mtim.tv_nsec);
    free(want);
    free(got);
}

static void test_lying_registry_and_missing(void **state)
{
    struct env *e = *state;
    if (!e) {
        skip();
        return;
    }
    struct cola_err err = {0};
    struct xfer_opts o = {.insecure = true, .part_size = 1 << 20};
    assert_int_equal(push_model(&e->a, e->name, &o, NULL, NULL, &err), 0);
    /* the registry's stored copy of the model blob gets one byte flipped */
    char path[1400];
    snprintf(path, sizeof(path), "%s/data/docker/registry/v2/blobs/sha256/%.2s/%s/data", e->reg,
             e->model_digest + 7, e->model_digest + 7);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 12345, SEEK_SET);
    fputc(0x5a ^ e->model[12345], f);
    fclose(f);
    assert_int_equal(pull_model(&e->b, e->name, &o, NULL, NULL, &err), COLA_EFORMAT);
    assert_non_null(strstr(err_msg(&err), "digest mismatch, file must be downloaded again: want "));
    assert_false(store_blob_exists(&e->b, e->model_digest));
    struct model_name n;
    name_parse(e->name, &n);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(store_manifest_read(&e->b, &n, &data, &len, NULL, &err), COLA_ENOTFOUND);
    char partial[PATH_MAX + 16];
    assert_int_equal(store_blob_path(&e->b, e->model_digest, partial, PATH_MAX, &err), 0);
    strcat(partial, "-partial");
    assert_int_not_equal(access(partial, F_OK), 0);

    char missing[160];
    snprintf(missing, sizeof(missing), "127.0.0.1:%d/test/nothere:v1", e->port);
    err_clear(&err);
    assert_int_equal(pull_model(&e->b, missing, &o, NULL, NULL, &err), COLA_ENOTFOUND);
    assert_string_equal(err_msg(&err), "pull model manifest: file does not exist");
    assert_int_equal(pull_model(&e->b, "bad name!", &o, NULL, NULL, &err), COLA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lying_registry_and_missing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
