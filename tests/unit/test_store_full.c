/* A disk that cannot take more: with RLIMIT_FSIZE below a blob's size every
 * write past the limit fails (EFBIG, the same failure path as ENOSPC), and
 * the store must come out exactly as it went in — no blob named, no temp
 * file left, no manifest touched — for a blob put, a manifest write and a
 * whole create. */
#include "testutil.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "engine/gguf.h"
#include "store/create.h"
#include "store/store.h"

#define LIMIT (1 << 20)

static size_t count_files(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

static void test_full_disk(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char root[600], gguf[600];
    snprintf(root, sizeof(root), "%s/models", dir);
    snprintf(gguf, sizeof(gguf), "%s/big.gguf", dir);
    struct store s;
    struct cola_err err = {0};
    assert_int_equal(store_open(&s, root, &err), 0);

    /* a model that fits, made before the disk "fills" */
    struct model_name n;
    name_parse("keep", &n);
    char blob[DIGEST_STR_LEN + 1];
    assert_int_equal(store_blob_put_buf(&s, "hello", 5, NULL, blob, &err), 0);
    char manifest[512];
    snprintf(manifest, sizeof(manifest),
             "{\"schemaVersion\":2,\"layers\":[{\"mediaType\":\"application/vnd.ollama.image."
             "system\",\"digest\":\"%s\",\"size\":5}]}",
             blob);
    assert_int_equal(store_manifest_write(&s, &n, manifest, strlen(manifest), &err), 0);

    /* a 2 MiB GGUF written while writes are still unlimited */
    struct gguf_writer *w = gguf_writer_new();
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "test"), 0);
    char *pad = malloc(2 * LIMIT);
    memset(pad, 'x', 2 * LIMIT);
    pad[2 * LIMIT - 1] = '\0';
    assert_int_equal(gguf_writer_set_str(w, "general.description", pad), 0);
    assert_int_equal(gguf_writer_write(w, gguf, &err), 0);
    gguf_writer_free(w);

    const size_t blobs_before = count_files(s.blobs);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim = {LIMIT, LIMIT};
    getrlimit(RLIMIT_FSIZE, &old);
    lim.rlim_max = old.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);

    err_clear(&err);
    assert_int_not_equal(store_blob_put_buf(&s, pad, 2 * LIMIT, NULL, blob, &err), 0);
    assert_true(strlen(err_msg(&err)) > 0);
    assert_int_equal(count_files(s.blobs), blobs_before);

    char *big_manifest = malloc(2 * LIMIT + 64);
    snprintf(big_manifest, 2 * LIMIT + 64, "{\"schemaVersion\":2,\"x\":\"%s\"}", pad);
    err_clear(&err);
    assert_int_not_equal(store_manifest_write(&s, &n, big_manifest, strlen(big_manifest), &err), 0);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(store_manifest_read(&s, &n, &data, &len, NULL, &err), 0);
    assert_int_equal(len, strlen(manifest));
    assert_memory_equal(data, manifest, len);
    free(data);

    struct mf_file f;
    struct mf_request r;
    char mf[700];
    snprintf(mf, sizeof(mf), "FROM %s\nSYSTEM hi\n", gguf);
    assert_int_equal(mf_parse(mf, strlen(mf), &f, &err), 0);
    assert_int_equal(mf_request_build(&f, dir, NULL, &r, &err), 0);
    err_clear(&err);
    assert_int_not_equal(create_model(&s, "big", &r, NULL, NULL, NULL, &err), 0);
    mf_request_free(&r);
    mf_file_free(&f);
    assert_int_equal(count_files(s.blobs), blobs_before);
    struct model_name big;
    name_parse("big", &big);
    assert_int_equal(store_manifest_read(&s, &big, &data, &len, NULL, &err), COLA_ENOTFOUND);

    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    free(big_manifest);
    free(pad);
    tu_rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
