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

/* One object or an NDJSON stream: fn(user, obj) for each (borrowed); a
 * nonzero return stops. body may be NULL (no body). *status (may be NULL)
 * gets the HTTP status. Errors: COLA_EIO (no connection: CLIENT_NO_SERVER),
 * COLA_ENOTFOUND for 404 and COLA_EINVAL for other 4xx (the server's
 * message), COLA_EIO for 5xx and error lines, COLA_ECANCELED when fn stopped. */
typedef int (*client_fn)(void *user, const json_t *obj);
int client_call(const struct client *c, const char *method, const char *path, const json_t *body,
                client_fn fn, void *user, long *status, struct cola_err *err);

#endif
