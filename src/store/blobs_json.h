/* blobs_json.h — the JSON blobs `create` writes, byte-identical to Ollama's.
 *
 * Ollama encodes each of these with json.NewEncoder(w).Encode(v) and names
 * the blob by its SHA-256, so the same inputs must give the same bytes here
 * (STORE.md §5a). All encoders append to a bounded struct buf and end with
 * the Encoder's "\n"; on failure the buffer keeps its previous contents.
 *
 *   params   (application/vnd.ollama.image.params): a Go map[string]any: keys
 *            sorted, numbers as float64 (`"temperature":1`, `0.6`), lists as
 *            arrays. Ollama writes no params layer for an empty map.
 *   messages (application/vnd.ollama.image.messages): []api.Message, fields
 *            role, content, then thinking, tool_name, tool_call_id only when
 *            not empty.
 *   config   (application/vnd.docker.container.image.v1+json): model.ConfigV2,
 *            fields in this order: model_format, model_family, model_families,
 *            model_type, file_type, renderer*, parser*, requires*,
 *            remote_host*, remote_model*, capabilities*, context_length*,
 *            embedding_length*, base_name*, draft*, architecture, os
 *            (* = omitted when empty/zero/NULL).
 *   manifest (manifests/<host>/<ns>/<model>/<tag>): schemaVersion 2, the
 *            Docker v2 manifest media type, config, layers; each layer is
 *            mediaType, digest, size, from*, name*.
 *
 * Strings are C strings borrowed for the duration of a call. Thread-safe.
 */
#ifndef COLA_STORE_BLOBS_JSON_H
#define COLA_STORE_BLOBS_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/gguf.h"
#include "util/buf.h"
#include "util/err.h"

#define BJSON_MEDIA_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define BJSON_MEDIA_CONFIG "application/vnd.docker.container.image.v1+json"
#define BJSON_MEDIA_MODEL "application/vnd.ollama.image.model"
#define BJSON_MEDIA_PARAMS "application/vnd.ollama.image.params"
#define BJSON_MEDIA_MESSAGES "application/vnd.ollama.image.messages"

/* ---- params ---- */

/* Merge the parameters of an existing params layer under the request's, as
 * setParameters does when creating FROM a model: every key of existing that
 * request lacks is added to request (values shared by reference); keys the
 * request has win whole (a list replaces the old list, it is not merged).
 * Call once per inherited params layer, in layer order. Both must be
 * objects: 0, or COLA_EINVAL / COLA_ENOMEM. */
int bjson_params_merge(json_t *request, const json_t *existing, struct cola_err *err);

/* Append the params blob of the object params. 0, COLA_EINVAL (not an
 * object, or a NaN/Inf number), COLA_ENOMEM (out's maximum). */
int bjson_params_encode(const json_t *params, struct buf *out, struct cola_err *err);

/* ---- messages ---- */

/* Append the messages blob of messages, an array of objects with string
 * members role and content (and optionally thinking, tool_name,
 * tool_call_id); the role is lower-cased as api.Message's decoder does
 * (ASCII letters). Other members are ignored, except non-empty images or
 * tool_calls (COLA_EUNSUPPORTED). COLA_EINVAL for a member of another type. */
int bjson_messages_encode(const json_t *messages, struct buf *out, struct cola_err *err);

/* ---- config ---- */

struct bjson_draft {
    const char *model_format, *architecture, *tensor_prefix, *config; /* all omitempty */
};

struct bjson_config {
    const char *model_format;     /* NULL is written as "" */
    const char *model_family;
    const char *const *model_families; /* NULL: `null` (a nil Go slice); else n_families entries */
    size_t n_families;
    const char *model_type;
    const char *file_type;
    const char *renderer, *parser, *requires;     /* omitempty */
    const char *remote_host, *remote_model;       /* omitempty */
    const char *const *capabilities;              /* omitempty (n_capabilities == 0) */
    size_t n_capabilities;
    int64_t context_length, embedding_length;     /* omitempty (0) */
    const char *base_name;                        /* omitempty */
    const struct bjson_draft *draft;              /* omitempty (NULL) */
    const char *architecture;                     /* NULL: "amd64" */
    const char *os;                               /* NULL: "linux" */
};

int bjson_config_encode(const struct bjson_config *c, struct buf *out, struct cola_err *err);

/* format.HumanNumber: "0", "999", "1K", "125M", "500.50M", "2.8B", "8B". dst
 * gets at least 32 bytes. Returns dst. */
char *bjson_human_number(uint64_t n, char *dst, size_t size);

/* The name Ollama gives a GGUF general.file_type id ("Q4_K_M"), "unknown" for
 * ids it has no name for. Never NULL. */
const char *bjson_file_type_name(uint32_t id);

/* What a model layer contributes to the config, read as Ollama's GGUF
 * decoder reads it: architecture = general.architecture if it is a string,
 * else "unknown"; parameter_count = the sum of the tensors' element counts
 * (Ollama overwrites any general.parameter_count in the file with this sum);
 * file_type = the name of general.file_type if it is a u32 greater than 0,
 * else "unknown" (so an F32 file, id 0, says "unknown", as in Ollama). */
struct bjson_gguf_info {
    char *architecture;        /* malloc'ed, NUL-terminated */
    uint64_t parameter_count;
    char model_type[32];       /* bjson_human_number(parameter_count) */
    const char *file_type;     /* static */
};

/* 0, COLA_ENOMEM, COLA_ERANGE (element count overflow), COLA_EUNSUPPORTED (an
 * architecture name with a NUL byte). Free with bjson_gguf_info_free. */
int bjson_gguf_info_read(const struct gguf_file *g, struct bjson_gguf_info *out,
                         struct cola_err *err);
void bjson_gguf_info_free(struct bjson_gguf_info *info);

/* Fill c as createModel does for one GGUF model layer over a fresh config:
 * model_format "gguf", model_family and model_families = [architecture],
 * model_type, file_type; everything else zero. c borrows from info. */
void bjson_config_from_gguf(const struct bjson_gguf_info *info, struct bjson_config *c);

/* ---- manifest ---- */

struct bjson_layer {
    const char *media_type;
    const char *digest;  /* "sha256:<64 hex>" (digest_valid with the colon) */
    int64_t size;
    const char *from;    /* omitempty */
    const char *name;    /* omitempty */
};

/* Append a manifest. layers NULL means a nil slice (`"layers":null`).
 * COLA_EINVAL for a missing media type or an invalid digest. */
int bjson_manifest_encode(const struct bjson_layer *config, const struct bjson_layer *layers,
                          size_t n_layers, struct buf *out, struct cola_err *err);

#endif
