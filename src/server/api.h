/* api.h — Ollama's native /api routes over the store (issue 6 §1).
 *
 * api_routes() is the daemon's route table (API.md §2): the model
 * management routes here (api_models.c): version, tags, show, copy, delete,
 * blobs, create, pull, push, ps; generation routes join as they are built.
 * Every handler answers with Ollama's status codes and error texts: request
 * bodies are decoded as Go's json.Decoder would (srv_json_body), a field of
 * the wrong JSON type is 400 "json: cannot unmarshal <kind> into Go struct
 * field <Request>.<field> of type <type>", names are validated before they
 * touch the file system.
 */
#ifndef COLA_SERVER_API_H
#define COLA_SERVER_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "server/http.h"
#include "store/store.h"

#define API_OLLAMA_VERSION "0.33.0"   /* the Ollama API level cola implements */

struct sched;
struct api_cache;

struct api {
    struct store store;
    struct sched *sched;       /* runners (sched.h) */
    struct api_cache *cache;   /* per-model chat template pieces (api_gen.c) */
    bool insecure_default;     /* tests: registries on plain http without "insecure" */
};

const struct srv_route *api_routes(size_t *n);
int api_cache_new(struct api_cache **out);
void api_cache_free(struct api_cache *c);

/* ---- request field helpers: false after replying 400 ---- */
/* A string member (absent or null: *out = def). */
bool api_str(struct srv_req *r, const json_t *o, const char *key, const char *go_struct,
             const char **out);
/* A bool member (absent or null: *out untouched, *set false). */
bool api_bool(struct srv_req *r, const json_t *o, const char *key, const char *go_struct,
              bool *out, bool *set);
/* The model name of a request: "model", else the deprecated "name". */
bool api_model_field(struct srv_req *r, const json_t *o, const char *go_struct, const char **out);

/* The reply status for a cola error code (COLA_EINVAL 400, COLA_ENOTFOUND
 * 404, COLA_EUNSUPPORTED 501, others 500). */
unsigned api_status(int code);

#endif
