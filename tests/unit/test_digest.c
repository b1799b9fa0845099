/* Store digests: the validation regex (including the path-traversal shapes
 * it exists to stop), the two spellings, and SHA-256 against known values
 * (FIPS 180 "abc", the empty string, and blobs from STORE.md §5a). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/digest.h"

#define HEX64 "89a2116c3a82d6a97f59f748d86ed4417214353fd178ee54df418fde32495fad"

static void test_valid(void **state)
{
    (void)state;
    assert_true(digest_valid("sha256:" HEX64));
    assert_true(digest_valid("sha256-" HEX64));
    static const char *bad[] = {
        "",
        "sha256:",
        "sha256" HEX64,
        "sha256_" HEX64,
        "SHA256:" HEX64,
        "sha512:" HEX64,
        "sha256:89A2116C3A82D6A97F59F748D86ED4417214353FD178EE54DF418FDE32495FAD",
        "sha256:" HEX64 "0",
        "sha256:" HEX64 "/",
        "sha256:../../../../etc/passwd",
        "sha256:89a2116c3a82d6a97f59f748d86ed4417214353fd178ee54df418fde32495fa",
        "sha256:89a2116c3a82d6a97f59f748d86ed4417214353fd178ee54df418fde32495fag",
        "sha256-" HEX64 "-partial",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(digest_valid(bad[i]));
    assert_false(digest_valid(NULL));

    char out[DIGEST_STR_LEN + 1];
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(digest_blob_name("sha256:" HEX64, out, &err), 0);
    assert_string_equal(out, "sha256-" HEX64);
    assert_int_equal(digest_canonical("sha256-" HEX64, out, &err), 0);
    assert_string_equal(out, "sha256:" HEX64);
    assert_int_equal(digest_blob_name("sha256:../x", out, &err), COLA_EINVAL);
    assert_string_equal(err_msg(&err), "invalid digest format");
}

static void test_sha256(void **state)
{
    (void)state;
    char out[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_buf("", 0, out), 0);
    assert_string_equal(out, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(sha256_buf("abc", 3, out), 0);
    assert_string_equal(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* STORE.md §5a: a template layer and the config blob of the F-gguf vector */
    assert_int_equal(sha256_buf("{{ .Prompt }}", 13, out), 0);
    assert_string_equal(out, "sha256:b507b9c2f6ca642bffcd06665ea7c91f235fd32daeefdf875a0f938db05fb315");
    const char *cfg = "{\"model_format\":\"gguf\",\"model_family\":\"test\",\"model_families\":[\"test\"],"
                      "\"model_type\":\"0\",\"file_type\":\"unknown\",\"architecture\":\"amd64\","
                      "\"os\":\"linux\"}\n";
    assert_int_equal(strlen(cfg), 147);
    assert_int_equal(sha256_buf(cfg, strlen(cfg), out), 0);
    assert_string_equal(out, "sha256:99759ad5b91e723db0393d698ffbb448b1b7df5ff6377a108c49254583b1bc8c");

    /* incremental == one shot, over a file bigger than the read chunk */
    const size_t n = 200000;
    unsigned char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i * 131 + (i >> 9));
    char want[DIGEST_STR_LEN + 1], got[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_buf(data, n, want), 0);
    struct sha256 h;
    assert_int_equal(sha256_init(&h), 0);
    for (size_t i = 0; i < n; i += 7777)
        assert_int_equal(sha256_update(&h, data + i, i + 7777 < n ? 7777 : n - i), 0);
    assert_int_equal(sha256_final(&h, got), 0);
    assert_string_equal(got, want);
    char path[] = "/tmp/cola-test-digest-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    uint64_t size = 0;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(sha256_file(path, got, &size, &err), 0);
    assert_string_equal(got, want);
    assert_int_equal(size, n);
    unlink(path);
    assert_int_equal(sha256_file(path, got, &size, &err), COLA_EIO);
    assert_non_null(strstr(err_msg(&err), "No such file"));
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_sha256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
