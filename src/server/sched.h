/* sched.h — the daemon's scheduler: which models are loaded in which runner
 * processes, and for how long (issue 6 §3, API.md §10).
 *
 * A request acquires a runner for its model (sched_acquire): an idle or
 * busy runner of the same model file with the same load options is shared;
 * otherwise one is started (`cola runner`, runner.h) after a memory check,
 * first unloading the least recently used idle runner when
 * OLLAMA_MAX_LOADED_MODELS are loaded (or waiting for one to become idle),
 * and replacing a runner of the same model whose load options (num_ctx,
 * num_batch, num_thread) differ once it is idle. One load at a time. At most
 * OLLAMA_MAX_QUEUE requests wait; one more is refused with Ollama's 503
 * text. Releasing a runner (sched_release) starts its keep-alive: it is
 * unloaded that long after its last request ends (negative: never; 0: at
 * once). A runner that dies fails its requests with Ollama's "model runner
 * has unexpectedly stopped" text and is forgotten; the daemon lives on.
 *
 * Thread-safe: handlers on many threads call in; one thread reaps expired
 * runners.
 */
#ifndef COLA_SERVER_SCHED_H
#define COLA_SERVER_SCHED_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

#define SCHED_BUSY_MSG "server busy, please try again.  maximum pending requests exceeded"
#define SCHED_DIED_MSG                                                                        \
    "model runner has unexpectedly stopped, this may be due to resource limitations or an " \
    "internal error, check ollama server logs for details"

struct sched_conf {
    const char *exe;          /* the cola binary (runners are `exe runner ...`) */
    const char *sock_dir;     /* where runner sockets go */
    int max_loaded;           /* OLLAMA_MAX_LOADED_MODELS (0: 3) */
    int num_parallel;         /* OLLAMA_NUM_PARALLEL (0: 1) */
    int max_queue;            /* OLLAMA_MAX_QUEUE (0: 512) */
    int64_t load_timeout_ns;  /* OLLAMA_LOAD_TIMEOUT (<= 0: none) */
    bool skip_mem_check;      /* tests */
};

struct sched;
struct sched_runner;          /* a loaded model, held by acquire/release */

int sched_new(const struct sched_conf *c, struct sched **out, struct cola_err *err);
/* Stop every runner and free. */
void sched_free(struct sched *s);

struct sched_model {
    const char *path;         /* the GGUF model blob */
    const char *name;         /* display name, for /api/ps */
    const char *digest;       /* manifest digest hex, for /api/ps */
    const json_t *details;    /* ModelDetails, for /api/ps (copied) */
    int32_t num_ctx;          /* per sequence, already clamped */
    int32_t num_batch, num_thread;
};

/* Get a loaded runner for m (loading it as needed). *loaded_ns: time spent
 * loading (0 when it was loaded already). Errors: COLA_EBUSY-like
 * COLA_ERANGE with SCHED_BUSY_MSG (503), COLA_ENOMEM with Ollama's memory
 * text, COLA_EIO when the runner failed to start (its message). */
int sched_acquire(struct sched *s, const struct sched_model *m, struct sched_runner **out,
                  int64_t *loaded_ns, struct cola_err *err);
/* Done with r; keep_alive_ns: how long to keep it once idle (< 0 forever). */
void sched_release(struct sched *s, struct sched_runner *r, int64_t keep_alive_ns);
/* Unload the runner of this model file when idle (keep_alive 0 with no
 * input); true when one was loaded. */
bool sched_unload(struct sched *s, const char *path);
/* The loaded models as /api/ps lists them (a new array), newest expiry first. */
json_t *sched_ps(struct sched *s);
/* The per-sequence context of r. */
int32_t sched_runner_ctx(const struct sched_runner *r);

/* One request to r: send req (a JSON object) and call line() for each JSON
 * line of the answer until it returns nonzero (stop reading: the runner
 * cancels a completion when the connection closes) or the runner closes
 * the connection. Errors: COLA_EIO with SCHED_DIED_MSG when the runner is
 * gone or went away mid-answer. */
typedef int (*sched_line_fn)(void *user, json_t *line);
int sched_call(struct sched_runner *r, const json_t *req, sched_line_fn line, void *user,
               struct cola_err *err);

#endif
