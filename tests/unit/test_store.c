/* The on-disk store in a temporary root: blobs are named only after their
 * digest matched, manifests round-trip byte for byte, names are looked up
 * case-insensitively without creating a second file, listing skips corrupt
 * manifests, delete keeps shared blobs, copy, prune of stale files, and
 * traversal attempts through digests and names. Also the fsutil helpers and
 * manifest parsing edge cases. */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "util/fsutil.h"

/* snprintf that must not truncate. */
#define SNP(buf, size, ...) assert_true(snprintf(buf, size, __VA_ARGS__) < (int)(size))

struct fx {
    char *root;
    struct store s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f || !(f->root = tu_mkdtemp()))
        return -1;
    struct cola_err err = {0};
    if (store_open(&f->s, f->root, &err) != 0) {
        fprintf(stderr, "store_open: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    tu_rm_rf(f->root);
    free(f->root);
    free(f);
    return 0;
}

/* Number of entries in dir, "." and ".." not counted. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Put text as a blob; its digest goes to d. */
static void put_text(struct fx *f, const char *text, char d[DIGEST_STR_LEN + 1])
{
    struct cola_err err = {0};
    if (store_blob_put_buf(&f->s, text, strlen(text), NULL, d, &err) != 0)
        fail_msg("put: %s", err.msg);
}

/* A manifest with the given config and layer digests (sizes from strlen of
 * the blob texts, passed as sizes). Returned in a static buffer. */
static const char *mk_manifest(const char *config, long csize, const char *l1, long s1,
                               const char *l2, long s2)
{
    static char buf[2048];
    int n = snprintf(buf, sizeof(buf),
                     "{\"schemaVersion\":2,\"mediaType\":\"" MEDIA_TYPE_MANIFEST "\","
                     "\"config\":{\"mediaType\":\"" MEDIA_TYPE_CONFIG "\",\"digest\":\"%s\",\"size\":%ld},"
                     "\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"%s\",\"size\":%ld}",
                     config, csize, l1, s1);
    if (l2)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                      ",{\"mediaType\":\"application/vnd.ollama.image.template\",\"digest\":\"%s\",\"size\":%ld,\"from\":\"x\"}",
                      l2, s2);
    SNP(buf + n, sizeof(buf) - (size_t)n, "]}\n");
    return buf;
}

static int write_named(struct fx *f, const char *name, const char *json)
{
    struct model_name n;
    name_parse(name, &n);
    struct cola_err err = {0};
    const int rc = store_manifest_write(&f->s, &n, json, strlen(json), &err);
    if (rc)
        fprintf(stderr, "write %s: %s\n", name, err.msg);
    return rc;
}

static void blob_file(struct fx *f, const char *digest, char *path)
{
    assert_int_equal(store_blob_path(&f->s, digest, path, PATH_MAX, NULL), 0);
}

/* ----------------------------------------------------------------- blobs */

static void test_blob_put_verify(void **state)
{
    struct fx *f = *state;
    struct cola_err err = {0};
    char d[DIGEST_STR_LEN + 1], path[PATH_MAX];
    const char *text = "hello blob";
    char want[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_buf(text, strlen(text), want), 0);
    /* the expected digest in either spelling is accepted */
    want[6] = '-';
    assert_int_equal(store_blob_put_buf(&f->s, text, strlen(text), want, d, &err), 0);
    want[6] = ':';
    assert_string_equal(d, want);
    assert_true(store_blob_exists(&f->s, want));
    blob_file(f, want, path);
    assert_non_null(strstr(path, "/blobs/sha256-"));
    size_t len;
    char *got = tu_read_file(path, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(got, text, len);
    free(got);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    /* from a file, hashing while copying */
    char src[PATH_MAX];
    SNP(src, sizeof(src), "%s/src.bin", f->root);
    FILE *fp = fopen(src, "wb");
    assert_non_null(fp);
    for (int i = 0; i < 300000; i++)
        fputc(i * 7 & 0xff, fp);
    fclose(fp);
    uint64_t size = 0;
    char fd_digest[DIGEST_STR_LEN + 1], ref[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_file(src, ref, NULL, NULL), 0);
    assert_int_equal(store_blob_put_file(&f->s, src, ref, fd_digest, &size, &err), 0);
    assert_string_equal(fd_digest, ref);
    assert_int_equal(size, 300000);
    blob_file(f, ref, path);
    char check[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_file(path, check, NULL, NULL), 0);
    assert_string_equal(check, ref);
    assert_int_equal(count_entries(f->s.blobs), 2); /* no temp file left */
}

static void test_blob_reject_mismatch(void **state)
{
    struct fx *f = *state;
    struct cola_err err = {0};
    char d[DIGEST_STR_LEN + 1], path[PATH_MAX];
    const char *wrong = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    assert_int_equal(store_blob_put_buf(&f->s, "abc", 3, wrong, d, &err), COLA_EFORMAT);
    assert_non_null(strstr(err.msg, "digest mismatch"));
    assert_false(store_blob_exists(&f->s, wrong));
    assert_false(store_blob_exists(&f->s, d)); /* not under its real digest either */
    assert_int_equal(count_entries(f->s.blobs), 0);

    /* the streaming path writes first and must delete what it wrote */
    SNP(path, sizeof(path), "%s/x.bin", f->root);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("some bytes", fp);
    fclose(fp);
    err_clear(&err);
    assert_int_equal(store_blob_put_file(&f->s, path, wrong, d, NULL, &err), COLA_EFORMAT);
    assert_non_null(strstr(err.msg, "digest mismatch"));
    assert_false(store_blob_exists(&f->s, d));
    assert_int_equal(count_entries(f->s.blobs), 0);
    /* a missing source file */
    assert_int_equal(store_blob_put_file(&f->s, "/nonexistent/x", NULL, d, NULL, NULL),
                     COLA_ENOTFOUND);
}

static void test_traversal(void **state)
{
    struct fx *f = *state;
    char path[PATH_MAX], d[DIGEST_STR_LEN + 1];
    struct cola_err err = {0};
    static const char *bad[] = {
        "sha256:../..", "sha256-../../../../etc/passwd", "../blobs/sha256-x",
        "sha256:../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../..",
        "sha256:ABCDEF0000000000000000000000000000000000000000000000000000000000",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err_clear(&err);
        assert_int_equal(store_blob_path(&f->s, bad[i], path, sizeof(path), &err), COLA_EINVAL);
        assert_string_equal(err.msg, "invalid digest format");
        assert_false(store_blob_exists(&f->s, bad[i]));
        assert_int_equal(store_blob_put_buf(&f->s, "a", 1, bad[i], d, NULL), COLA_EINVAL);
    }
    /* a manifest naming a traversal digest is never written */
    const char *evil = "{\"schemaVersion\":2,\"layers\":[{\"digest\":\"sha256:../../../x\",\"size\":1}]}";
    assert_int_equal(write_named(f, "evil", evil), COLA_EINVAL);
    assert_int_equal(count_entries(f->s.manifests), 0);
    /* names with .. never reach a path */
    static const char *names[] = {"../x", "h/../m:t", "h/n/..:t", "h/n/m:..", "..", "a/b/c/d:e"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct model_name n;
        name_parse(names[i], &n);
        assert_int_equal(store_manifest_resolve(&f->s, &n, NULL, path, sizeof(path), NULL),
                         COLA_EINVAL);
        assert_int_equal(store_delete(&f->s, &n, NULL), COLA_EINVAL);
    }
}

/* ------------------------------------------------------------- manifests */

static void test_manifest_roundtrip(void **state)
{
    struct fx *f = *state;
    char c[DIGEST_STR_LEN + 1], l[DIGEST_STR_LEN + 1];
    put_text(f, "{\"model_format\":\"gguf\"}", c);
    put_text(f, "GGUF weights", l);
    /* unknown fields and odd spacing survive byte for byte */
    char json[4096];
    SNP(json, sizeof(json),
             "{ \"schemaVersion\": 2, \"extra\": {\"a\": [1,2]},\n \"config\": {\"digest\": \"%s\", \"size\": 23},"
             " \"layers\": [ {\"mediaType\": \"application/vnd.ollama.image.model\", \"digest\": \"%s\","
             " \"size\": 12, \"from\": \"base:1b\", \"name\": \"w\", \"urls\": []} ] }",
             c, l);
    assert_int_equal(write_named(f, "user/model:v1", json), 0);
    char p[PATH_MAX];
    SNP(p, sizeof(p), "%s/registry.ollama.ai/user/model/v1", f->s.manifests);
    size_t len;
    char *got = tu_read_file(p, &len);
    assert_non_null(got);
    assert_int_equal(len, strlen(json));
    assert_memory_equal(got, json, len);
    free(got);

    struct model_name n;
    name_parse("user/model:v1", &n);
    struct manifest m;
    char hex[DIGEST_HEX_LEN + 1], whole[DIGEST_STR_LEN + 1];
    assert_int_equal(store_manifest_load(&f->s, &n, &m, hex, NULL), 0);
    assert_int_equal(sha256_buf(json, strlen(json), whole), 0);
    assert_string_equal(hex, whole + 7);
    assert_int_equal(m.schema_version, 2);
    assert_true(m.has_config);
    assert_string_equal(m.config.digest, c);
    assert_string_equal(m.config.media_type, "");
    assert_int_equal(m.n_layers, 1);
    assert_string_equal(m.layers[0].digest, l);
    assert_string_equal(m.layers[0].from, "base:1b");
    assert_string_equal(m.layers[0].name, "w");
    assert_int_equal(manifest_total_size(&m), 35);
    assert_non_null(manifest_find_layer(&m, "application/vnd.ollama.image.model"));
    assert_null(manifest_find_layer(&m, "application/vnd.ollama.image.template"));
    manifest_free(&m);

    /* a missing model */
    name_parse("user/other:v1", &n);
    char *data;
    struct cola_err err = {0};
    assert_int_equal(store_manifest_read(&f->s, &n, &data, &len, NULL, &err), COLA_ENOTFOUND);
    assert_null(data);
}

static void test_manifest_parse_errors(void **state)
{
    (void)state;
    struct manifest m;
    static const char *bad[] = {
        "", "[]", "{\"layers\":{}}", "{\"layers\":[1]}",
        "{\"layers\":[{\"size\":1}]}",
        "{\"layers\":[{\"digest\":\"sha256:zz\",\"size\":1}]}",
        "{\"layers\":[{\"digest\":\"sha256:" "0000000000000000000000000000000000000000000000000000000000000000" "\",\"size\":-1}]}",
        "{\"layers\":[{\"digest\":\"sha256:" "0000000000000000000000000000000000000000000000000000000000000000" "\",\"size\":1.5}]}",
        "{\"layers\":[{\"digest\":\"sha256:" "0000000000000000000000000000000000000000000000000000000000000000" "\",\"size\":\"1\"}]}",
        "{\"config\":{\"digest\":\"sha256:../../x\"}}",
        "{\"config\":{\"digest\":7}}",
        "{\"schemaVersion\":\"2\"}",
        "{\"mediaType\":5}",
        "{\"layers\":[{\"digest\":\"sha256:" "0000000000000000000000000000000000000000000000000000000000000000" "\",\"from\":1}]}",
        "{\"schemaVersion\":2",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (manifest_parse(bad[i], strlen(bad[i]), &m, NULL) == 0)
            fail_msg("accepted: %s", bad[i]);
        assert_null(m.layers);
    }
    /* no config at all is fine; sizes add up */
    const char *ok = "{\"layers\":[{\"digest\":\"sha256-" "0000000000000000000000000000000000000000000000000000000000000000" "\",\"size\":5}]}";
    assert_int_equal(manifest_parse(ok, strlen(ok), &m, NULL), 0);
    assert_false(m.has_config);
    assert_string_equal(m.layers[0].digest, "sha256:0000000000000000000000000000000000000000000000000000000000000000");
    assert_int_equal(manifest_total_size(&m), 5);
    manifest_free(&m);
}

static void test_case_insensitive(void **state)
{
    struct fx *f = *state;
    char c[DIGEST_STR_LEN + 1], l1[DIGEST_STR_LEN + 1], l2[DIGEST_STR_LEN + 1];
    put_text(f, "{}", c);
    put_text(f, "one", l1);
    put_text(f, "two", l2);
    char first[2048];
    SNP(first, sizeof(first), "%s", mk_manifest(c, 2, l1, 3, NULL, 0));
    assert_int_equal(write_named(f, "Example.com/Team/Llama3:Latest", first), 0);
    const char *second = mk_manifest(c, 2, l2, 3, NULL, 0);
    assert_int_equal(write_named(f, "example.COM/team/LLAMA3:latest", second), 0);

    /* one file, in the first spelling, with the second content */
    char dir[PATH_MAX];
    SNP(dir, sizeof(dir), "%s", f->s.manifests);
    assert_int_equal(count_entries(dir), 1);
    SNP(dir, sizeof(dir), "%s/Example.com/Team/Llama3", f->s.manifests);
    assert_int_equal(count_entries(dir), 1);
    char p[PATH_MAX];
    SNP(p, sizeof(p), "%s/Latest", dir);
    size_t len;
    char *got = tu_read_file(p, &len);
    assert_non_null(got);
    assert_string_equal(got, second);
    free(got);

    struct model_name n, r;
    name_parse("EXAMPLE.COM/TEAM/llama3:LATEST", &n);
    char *data;
    assert_int_equal(store_manifest_read(&f->s, &n, &data, &len, &r, NULL), 0);
    free(data);
    assert_string_equal(r.host, "Example.com");
    assert_string_equal(r.ns, "Team");
    assert_string_equal(r.model, "Llama3");
    assert_string_equal(r.tag, "Latest");
    /* a new tag under the existing model directory keeps the model's casing */
    assert_int_equal(write_named(f, "example.com/team/llama3:V2", second), 0);
    assert_int_equal(count_entries(dir), 2);
    SNP(p, sizeof(p), "%s/V2", dir);
    assert_true(exists(p));
}

/* ---------------------------------------------------------------- models */

static void set_mtime(struct fx *f, const char *rel, time_t t)
{
    char p[PATH_MAX];
    SNP(p, sizeof(p), "%s/%s", f->s.manifests, rel);
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void write_raw(struct fx *f, const char *rel, const char *text)
{
    char p[PATH_MAX];
    SNP(p, sizeof(p), "%s/%s", f->s.manifests, rel);
    char dir[PATH_MAX];
    SNP(dir, sizeof(dir), "%s", p);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(fs_mkdir_p(dir, NULL), 0);
    assert_int_equal(fs_write_atomic(p, text, strlen(text), 0644, NULL), 0);
}

static void test_list(void **state)
{
    struct fx *f = *state;
    char c[DIGEST_STR_LEN + 1], a[DIGEST_STR_LEN + 1], b[DIGEST_STR_LEN + 1];
    put_text(f, "{\"model_format\":\"gguf\"}", c);
    put_text(f, "aaaa", a);
    put_text(f, "bbbbbb", b);
    char m1[2048], m2[2048];
    SNP(m1, sizeof(m1), "%s", mk_manifest(c, 23, a, 4, NULL, 0));
    SNP(m2, sizeof(m2), "%s", mk_manifest(c, 23, a, 4, b, 6));
    assert_int_equal(write_named(f, "alpha", m1), 0);
    assert_int_equal(write_named(f, "me/beta:q4", m2), 0);
    write_raw(f, "registry.ollama.ai/library/broken/latest", "{\"layers\": [");
    write_raw(f, "registry.ollama.ai/library/evil/latest",
              "{\"layers\":[{\"digest\":\"sha256:../../../etc/passwd\",\"size\":1}]}");
    write_raw(f, "registry.ollama.ai/library/bad name/latest", m1);
    write_raw(f, "registry.ollama.ai/library/noconfig/latest",
              mk_manifest("sha256:1111111111111111111111111111111111111111111111111111111111111111", 2, a, 4, NULL, 0));
    write_raw(f, "registry.ollama.ai/library/toodeep/latest/x", m1); /* 5 levels: not a model */
    set_mtime(f, "registry.ollama.ai/library/alpha/latest", 1000000000);
    set_mtime(f, "registry.ollama.ai/me/beta/q4", 1000000500);

    struct store_list l;
    assert_int_equal(store_list(&f->s, &l, NULL), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.n_skipped, 4);
    /* newest first */
    assert_string_equal(l.models[0].display, "me/beta:q4");
    assert_string_equal(l.models[1].display, "alpha:latest");
    assert_int_equal(l.models[0].size, 23 + 4 + 6);
    assert_int_equal(l.models[1].size, 23 + 4);
    assert_int_equal(l.models[1].mtime.tv_sec, 1000000000);
    char dig[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_buf(m2, strlen(m2), dig), 0);
    assert_string_equal(l.models[0].digest, dig + 7);
    assert_false(l.models[0].remote);
    store_list_free(&l);

    /* an empty store lists nothing */
    tu_rm_rf(f->s.manifests);
    assert_int_equal(store_list(&f->s, &l, NULL), 0);
    assert_int_equal(l.n, 0);
    store_list_free(&l);
}

static void test_delete_shared(void **state)
{
    struct fx *f = *state;
    char c1[DIGEST_STR_LEN + 1], c2[DIGEST_STR_LEN + 1], shared[DIGEST_STR_LEN + 1],
        own[DIGEST_STR_LEN + 1], p[PATH_MAX];
    put_text(f, "{\"a\":1}", c1);
    put_text(f, "{\"b\":2}", c2);
    put_text(f, "shared weights", shared);
    put_text(f, "own template", own);
    char ma[2048];
    SNP(ma, sizeof(ma), "%s", mk_manifest(c1, 7, shared, 14, own, 12));
    assert_int_equal(write_named(f, "ns/a:1", ma), 0);
    assert_int_equal(write_named(f, "b", mk_manifest(c2, 7, shared, 14, NULL, 0)), 0);

    struct model_name n;
    struct cola_err err = {0};
    name_parse("NS/A:1", &n); /* any casing finds it */
    assert_int_equal(store_delete(&f->s, &n, &err), 0);
    assert_true(store_blob_exists(&f->s, shared));
    assert_true(store_blob_exists(&f->s, c2));
    assert_false(store_blob_exists(&f->s, own));
    assert_false(store_blob_exists(&f->s, c1));
    /* the empty ns/a directories are gone, the host directory stays for b */
    SNP(p, sizeof(p), "%s/registry.ollama.ai/ns", f->s.manifests);
    assert_false(exists(p));
    SNP(p, sizeof(p), "%s/registry.ollama.ai/library/b/latest", f->s.manifests);
    assert_true(exists(p));

    err_clear(&err);
    assert_int_equal(store_delete(&f->s, &n, &err), COLA_ENOTFOUND);
    assert_non_null(strstr(err.msg, "not found"));

    /* deleting the last user removes everything; manifests/ itself stays */
    name_parse("b", &n);
    assert_int_equal(store_delete(&f->s, &n, NULL), 0);
    assert_false(store_blob_exists(&f->s, shared));
    assert_false(store_blob_exists(&f->s, c2));
    assert_int_equal(count_entries(f->s.blobs), 0);
    assert_int_equal(count_entries(f->s.manifests), 0);
    assert_true(exists(f->s.manifests));
}

static void test_delete_with_corrupt_other(void **state)
{
    struct fx *f = *state;
    char c[DIGEST_STR_LEN + 1], l[DIGEST_STR_LEN + 1];
    put_text(f, "{}", c);
    put_text(f, "w", l);
    assert_int_equal(write_named(f, "a", mk_manifest(c, 2, l, 1, NULL, 0)), 0);
    write_raw(f, "registry.ollama.ai/library/broken/latest", "not json");
    struct model_name n;
    name_parse("a", &n);
    assert_int_equal(store_delete(&f->s, &n, NULL), 0);
    /* the other manifest might reference them: blobs kept */
    assert_true(store_blob_exists(&f->s, l));
    assert_true(store_blob_exists(&f->s, c));
    /* a corrupt manifest can itself be deleted */
    name_parse("broken", &n);
    assert_int_equal(store_delete(&f->s, &n, NULL), 0);
    assert_int_equal(count_entries(f->s.manifests), 0);
}

static void test_copy(void **state)
{
    struct fx *f = *state;
    char c[DIGEST_STR_LEN + 1], l[DIGEST_STR_LEN + 1];
    put_text(f, "{}", c);
    put_text(f, "w", l);
    char m[2048];
    SNP(m, sizeof(m), "%s", mk_manifest(c, 2, l, 1, NULL, 0));
    assert_int_equal(write_named(f, "src:1", m), 0);
    struct model_name s, d;
    name_parse("SRC:1", &s);
    name_parse("host:5000/team/dst:v2", &d);
    assert_int_equal(store_copy(&f->s, &s, &d, NULL), 0);
    char p[PATH_MAX];
    SNP(p, sizeof(p), "%s/host:5000/team/dst/v2", f->s.manifests);
    size_t len;
    char *got = tu_read_file(p, &len);
    assert_non_null(got);
    assert_string_equal(got, m);
    free(got);
    assert_int_equal(count_entries(f->s.blobs), 2); /* no blob copied */

    name_parse("missing", &s);
    assert_int_equal(store_copy(&f->s, &s, &d, NULL), COLA_ENOTFOUND);
    name_parse("src:1", &s);
    name_parse("bad/na.me/x:y", &d);
    assert_int_equal(store_copy(&f->s, &s, &d, NULL), COLA_EINVAL);
}

/* ----------------------------------------------------------------- prune */

static void touch(const char *dir, const char *name, const char *text)
{
    char p[PATH_MAX];
    SNP(p, sizeof(p), "%s/%s", dir, name);
    FILE *fp = fopen(p, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_prune(void **state)
{
    struct fx *f = *state;
    char c[DIGEST_STR_LEN + 1], l[DIGEST_STR_LEN + 1], orphan[DIGEST_STR_LEN + 1],
        legacy[DIGEST_STR_LEN + 1], p[PATH_MAX];
    put_text(f, "{}", c);
    put_text(f, "kept", l);
    put_text(f, "orphan", orphan);
    assert_int_equal(sha256_buf("legacy", 6, legacy), 0);
    char m[2048];
    SNP(m, sizeof(m), "%s", mk_manifest(c, 2, l, 4, legacy, 6));
    assert_int_equal(write_named(f, "a", m), 0);
    touch(f->s.blobs, legacy, "legacy"); /* "sha256:<hex>", as old Ollama named it */
    char partial[128];
    SNP(partial, sizeof(partial), "sha256-%s-partial", orphan + 7);
    touch(f->s.blobs, partial, "");
    strcat(partial, "-0");
    touch(f->s.blobs, partial, "{}");
    touch(f->s.blobs, "sha256-123456", "temp");
    SNP(p, sizeof(p), "%s/registry.ollama.ai/empty/dir", f->s.manifests);
    assert_int_equal(fs_mkdir_p(p, NULL), 0);

    struct store_prune_stats st;
    /* everything is fresh: inside the grace period nothing is deleted */
    assert_int_equal(store_prune(&f->s, STORE_PRUNE_GRACE_S, &st, NULL), 0);
    assert_int_equal(st.legacy_renamed, 1);
    assert_int_equal(st.blobs_removed + st.stale_removed, 0);
    assert_true(store_blob_exists(&f->s, orphan));
    assert_true(store_blob_exists(&f->s, legacy)); /* now as sha256-<hex> */

    /* a corrupt manifest stops the whole clean-up */
    write_raw(f, "registry.ollama.ai/library/broken/latest", "{");
    assert_int_equal(store_prune(&f->s, 0, &st, NULL), 0);
    assert_true(st.skipped);
    assert_true(store_blob_exists(&f->s, orphan));
    assert_int_equal(count_entries(f->s.blobs), 7);
    SNP(p, sizeof(p), "%s/registry.ollama.ai/library/broken/latest", f->s.manifests);
    assert_int_equal(unlink(p), 0);

    assert_int_equal(store_prune(&f->s, 0, &st, NULL), 0);
    assert_false(st.skipped);
    assert_int_equal(st.blobs_removed, 1);
    assert_int_equal(st.stale_removed, 3);
    assert_false(store_blob_exists(&f->s, orphan));
    assert_true(store_blob_exists(&f->s, c));
    assert_true(store_blob_exists(&f->s, l));
    assert_true(store_blob_exists(&f->s, legacy));
    assert_int_equal(count_entries(f->s.blobs), 3);
    SNP(p, sizeof(p), "%s/registry.ollama.ai/empty", f->s.manifests);
    assert_false(exists(p));
    SNP(p, sizeof(p), "%s/registry.ollama.ai/library/a/latest", f->s.manifests);
    assert_true(exists(p));
}

/* ---------------------------------------------------------------- fsutil */

static void test_fsutil(void **state)
{
    struct fx *f = *state;
    char dir[PATH_MAX], p[PATH_MAX];
    SNP(dir, sizeof(dir), "%s/x/y/z", f->root);
    assert_int_equal(fs_mkdir_p(dir, NULL), 0);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    SNP(p, sizeof(p), "%s/file", dir);
    assert_int_equal(fs_write_atomic(p, "one", 3, 0600, NULL), 0);
    assert_int_equal(fs_write_atomic(p, "second", 6, 0644, NULL), 0);
    assert_int_equal(count_entries(dir), 1);
    char *data;
    size_t len;
    assert_int_equal(fs_read_file(p, 100, &data, &len, NULL), 0);
    assert_string_equal(data, "second");
    free(data);
    assert_int_equal(fs_read_file(p, 5, &data, &len, NULL), COLA_ERANGE);
    assert_null(data);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    /* writing into a missing directory fails and leaves nothing */
    SNP(p, sizeof(p), "%s/nope/file", f->root);
    assert_int_not_equal(fs_write_atomic(p, "x", 1, 0644, NULL), 0);
    /* pruning stops at a non-empty dir and never removes the root */
    SNP(p, sizeof(p), "%s/x/y/z/file", f->root);
    assert_int_equal(unlink(p), 0);
    SNP(p, sizeof(p), "%s/x/keep", f->root);
    touch(f->root, "x/keep", "k");
    assert_int_equal(fs_prune_empty_dirs(dir, f->root, NULL), 0);
    SNP(p, sizeof(p), "%s/x/y", f->root);
    assert_false(exists(p));
    SNP(p, sizeof(p), "%s/x", f->root);
    assert_true(exists(p));
    SNP(p, sizeof(p), "%s/x/keep", f->root);
    assert_int_equal(unlink(p), 0);
    SNP(p, sizeof(p), "%s/x", f->root);
    assert_int_equal(fs_prune_empty_dirs(p, f->root, NULL), 0);
    assert_false(exists(p));
    assert_true(exists(f->root));
    /* a directory outside root is left alone */
    assert_int_equal(fs_prune_empty_dirs(f->s.blobs, "/nonexistent-root", NULL), 0);
    assert_true(exists(f->s.blobs));
}

static void test_root_default(void **state)
{
    (void)state;
    char out[PATH_MAX];
    setenv("OLLAMA_MODELS", "  \"/tmp/some models\" ", 1);
    assert_int_equal(store_root_default(out, sizeof(out), NULL), 0);
    assert_string_equal(out, "/tmp/some models");
    unsetenv("OLLAMA_MODELS");
    setenv("HOME", "/home/u", 1);
    assert_int_equal(store_root_default(out, sizeof(out), NULL), 0);
    assert_string_equal(out, "/home/u/.ollama/models");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_blob_put_verify),   T(test_blob_reject_mismatch),
        T(test_traversal),         T(test_manifest_roundtrip),
        T(test_manifest_parse_errors), T(test_case_insensitive),
        T(test_list),              T(test_delete_shared),
        T(test_delete_with_corrupt_other), T(test_copy),
        T(test_prune),             T(test_fsutil),
        cmocka_unit_test(test_root_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
