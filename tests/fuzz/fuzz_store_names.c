/* fuzz_store_names.c — libFuzzer target for what a registry or a user hands
 * the store: model names and manifests.
 *
 * The first byte picks the parser. Names: any string goes through Ollama's
 * parse; when the result is valid, its file path must stay inside the store
 * (no "..", "." or empty part, no leading "/") and parse back to an equal
 * name, and every printed form must fit its buffer. Manifests: any bytes go
 * through manifest_parse; on success every digest must pass digest_valid()
 * (the path-traversal guard) and every size lie in [0, 2^62].
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/digest.h"
#include "store/manifest.h"
#include "store/name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CHECK() is compiled out in the fuzz build (NDEBUG); these checks stay. */
#define CHECK(x) ((x) ? (void)0 : abort())

static void check_path(const char *path)
{
    CHECK(path[0] != '/' && path[0] != '\0');
    const char *p = path;
    int parts = 0;
    while (*p) {
        const char *e = strchr(p, '/');
        const size_t len = e ? (size_t)(e - p) : strlen(p);
        CHECK(len > 0);
        CHECK(!(len == 1 && p[0] == '.'));
        CHECK(!(len == 2 && p[0] == '.' && p[1] == '.'));
        parts++;
        p += len + (e ? 1 : 0);
    }
    CHECK(parts == 4);
}

static void fuzz_name(const char *s)
{
    struct model_name n, back;
    name_parse(s, &n);
    char str[NAME_STR_MAX], shortest[NAME_STR_MAX], path[NAME_STR_MAX];
    name_string(&n, str, sizeof(str));
    name_display_shortest(&n, shortest, sizeof(shortest));
    char quoted[4 * NAME_STR_MAX];
    name_quote(s, quoted, sizeof(quoted));
    if (!name_valid(&n))
        return;
    struct cola_err err;
    err_clear(&err);
    CHECK(name_filepath(&n, path, sizeof(path), &err) == 0); /* a valid name has a path */
    check_path(path);
    CHECK(name_from_filepath(path, &back) == 0);
    CHECK(name_equal_fold(&n, &back));
}

static void fuzz_manifest(const char *s, size_t len)
{
    struct manifest m;
    struct cola_err err;
    err_clear(&err);
    if (manifest_parse(s, len, &m, &err) != 0)
        return;
    if (m.has_config) {
        CHECK(digest_valid(m.config.digest));
        CHECK(m.config.size >= 0 && m.config.size <= MANIFEST_MAX_SIZE);
    }
    for (size_t i = 0; i < m.n_layers; i++) {
        CHECK(digest_valid(m.layers[i].digest));
        CHECK(m.layers[i].size >= 0 && m.layers[i].size <= MANIFEST_MAX_SIZE);
    }
    (void)manifest_total_size(&m);
    manifest_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 20))
        return 0;
    char *s = malloc(size);
    if (!s)
        return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    if (data[0] & 1)
        fuzz_name(s);
    else
        fuzz_manifest(s, size - 1);
    free(s);
    return 0;
}
