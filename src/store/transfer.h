/* transfer.h — pull and push models between the store and an OCI registry,
 * as Ollama does (STORE.md §4), on top of registry.h (the wire protocol)
 * and store.h (the directory).
 *
 * pull:  "pulling manifest" → every digest in it validated before anything
 *        touches the disk → per layer, then the config: a blob already in
 *        the store is a cache hit; otherwise it is fetched into
 *        blobs/sha256-<hex>-partial in ranged parts (size total/16 clamped
 *        to [100 MB, 1000 MB]) by up to 4 threads, each part's progress kept
 *        in blobs/sha256-<hex>-partial-<N> ({"N","Offset","Size","Completed"})
 *        so an interrupted pull resumes where it stopped → "verifying sha256
 *        digest": each fetched blob is hashed and renamed to its name only if
 *        it matches (else it is deleted: "digest mismatch, file must be
 *        downloaded again: want sha256:…, got sha256:…") → "writing
 *        manifest" (the registry's bytes, atomically) → the blobs only a
 *        replaced manifest used are removed → "success".
 * push:  "retrieving manifest" → per layer, then the config: HEAD (present:
 *        done), else an upload, mounted from another repository of the same
 *        registry when the layer came FROM a model there, else PATCHed in
 *        parts and committed with its digest → "pushing manifest" →
 *        "success".
 *
 * Events have Ollama's shape ({status, digest, total, completed}), so the
 * CLI and the daemon's /api/pull and /api/push report the same things. The
 * callback may cancel (nonzero return → COLA_ECANCELED); a cancelled or
 * failed pull leaves its partial files for the next pull to resume, and no
 * manifest.
 */
#ifndef COLA_STORE_TRANSFER_H
#define COLA_STORE_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/err.h"

struct xfer_event {
    const char *status;     /* "pulling manifest", "pulling <hex[0:12]>", ... */
    const char *digest;     /* "sha256:<hex>" for per-blob events, else NULL */
    int64_t total, completed;
};

/* Return nonzero to cancel. Called from the calling thread only. */
typedef int (*xfer_progress_fn)(void *user, const struct xfer_event *ev);

struct xfer_opts {
    bool insecure;          /* plain http (needed for a registry without TLS) */
    const char *key_path;   /* ed25519 key for registry tokens; NULL: ~/.ollama/id_ed25519 */
    uint64_t part_size;     /* 0: Ollama's rule; tests use small parts */
    int max_parallel;       /* 0: 4 */
};

int pull_model(const struct store *s, const char *name, const struct xfer_opts *o,
               xfer_progress_fn fn, void *user, struct cola_err *err);
int push_model(const struct store *s, const char *name, const struct xfer_opts *o,
               xfer_progress_fn fn, void *user, struct cola_err *err);

#endif
