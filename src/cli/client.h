/* client.h — the CLI's HTTP client of the daemon, as Ollama's api/client.go
 * behaves: base URL from OLLAMA_HOST (0.0.0.0 / :: become loopback), JSON
 * requests, NDJSON streams handed over line by line, and errors as the CLI
 * prints them — the body's "error" for HTTP >= 400, a streamed line that
 * carries "error" ends the stream with that message.
 */
#ifndef COLA_CLI_CLIENT_H
#define COLA_CLI_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

#include "util/err.h"

#define CLIENT_LINE_MAX ((size_t)8 << 20)   /* Ollama's client: NDJSON lines up to 8 MB */
#define CLIENT_NO_SERVER "could not connect to ollama server, run 'cola serve' to start it"

struct client {
    char base[700];         /* "http://127.0.0.1:11434" */
};

void client_init(struct client *c);
/* HEAD / answers (the heartbeat every command but serve does first). */
bool client_alive(const struct client *c);
/* client_init, then whether a daemon answers: the store commands (list,
 * show, cp, rm, pull, push, create) go through it when one does, and work
 * on $OLLAMA_MODELS directly when none runs. */
bool client_daemon(struct client *c);

/* One object or an NDJSON stream: fn(user, obj) for each (borrowed); a
 * nonzero return stops. body may be NULL (no body). *status (may be NULL)
 * gets the HTTP status. Errors: COLA_EIO (no connection: CLIENT_NO_SERVER),
 * COLA_ENOTFOUND for 404 and COLA_EINVAL for other 4xx (the server's
 * message), COLA_EIO for 5xx and error lines, COLA_ECANCELED when fn stopped. */
typedef int (*client_fn)(void *user, const json_t *obj);
int client_call(const struct client *c, const char *method, const char *path, const json_t *body,
                client_fn fn, void *user, long *status, struct cola_err *err);
/* A client_fn keeping the (last) object: user is a json_t ** the caller
 * decrefs. */
int client_keep(void *user, const json_t *obj);

/* A progress stream (pull, push, create) handed over as the store's
 * transfer events, so the CLI shows it as it shows its own. */
#include "store/transfer.h"
int client_progress(const struct client *c, const char *path, const json_t *req,
                    xfer_progress_fn fn, void *user, struct cola_err *err);

/* Make the file at path the blob digest on the daemon (`create` with a
 * local GGUF): HEAD /api/blobs/<digest>, and when it is missing POST the
 * file, reporting {"copying file", digest, total, completed} to fn. */
int client_upload(const struct client *c, const char *digest, const char *path,
                  xfer_progress_fn fn, void *user, struct cola_err *err);

#endif
