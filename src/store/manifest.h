/* manifest.h — parse a model manifest (Docker Registry v2 schema 2 shape,
 * STORE.md §2):
 *
 *   {"schemaVersion":2,"mediaType":"...",
 *    "config":{"mediaType":"...","digest":"sha256:<hex>","size":487},
 *    "layers":[{"mediaType":"...","digest":"sha256:<hex>","size":N,
 *               "from":"<model>","name":"<tensor or file>"}, ...]}
 *
 * Unknown fields are ignored. Every digest is validated with digest_valid()
 * (so a manifest can never make the store touch a path outside blobs/) and
 * stored in its canonical "sha256:<hex>" form; every size is an integer in
 * [0, 2^62]. A missing config or one with an empty digest means "no config"
 * (Ollama skips empty digests too). At most MANIFEST_MAX_BYTES of input and
 * MANIFEST_MAX_LAYERS layers are accepted.
 *
 * The parsed manifest owns its strings; manifest_free() releases them.
 * Pure functions, no global state.
 */
#ifndef COLA_STORE_MANIFEST_H
#define COLA_STORE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/digest.h"
#include "util/err.h"

#define MANIFEST_MAX_BYTES ((size_t)16 << 20)
#define MANIFEST_MAX_LAYERS 65536
#define MANIFEST_MAX_SIZE ((int64_t)1 << 62)

#define MEDIA_TYPE_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_TYPE_CONFIG "application/vnd.docker.container.image.v1+json"

struct manifest_layer {
    char *media_type;                 /* "" when absent */
    char digest[DIGEST_STR_LEN + 1];  /* "sha256:<hex>" */
    int64_t size;
    char *from;                       /* NULL when absent */
    char *name;                       /* NULL when absent */
};

struct manifest {
    int64_t schema_version;
    char *media_type;                 /* "" when absent */
    bool has_config;
    struct manifest_layer config;
    struct manifest_layer *layers;
    size_t n_layers;
};

/* Parse data[0..len). 0, or COLA_EFORMAT / COLA_EINVAL (bad digest) /
 * COLA_ERANGE / COLA_ENOMEM with words in err; *m is empty on failure. */
int manifest_parse(const char *data, size_t len, struct manifest *m, struct cola_err *err);
void manifest_free(struct manifest *m);

/* Sum of the sizes of every layer and the config (saturating at INT64_MAX). */
int64_t manifest_total_size(const struct manifest *m);

/* The first layer with this media type, or NULL. */
const struct manifest_layer *manifest_find_layer(const struct manifest *m, const char *media_type);

#endif
