/* cmd_rm.c — `cola rm MODEL [MODEL...]`: delete models one after the other,
 * printing `deleted 'x'` for each, with Ollama's errors (`model 'x' not
 * found`, `name "x" is invalid`); the first error stops the command, as in
 * Ollama. Blobs that another model still uses are kept.
 *
 * Names go through the same normalisation as Ollama's /api/delete: a
 * trailing ":cloud" becomes the legacy cloud tag, ":local" is dropped.
 * Until the daemon exists this works on the store ($OLLAMA_MODELS) directly.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "store/store.h"

extern const struct cli_cmd cli_cmd_rm;

static const char rm_usage[] =
    "Remove a model\n"
    "\n"
    "Usage:\n"
    "  cola rm MODEL [MODEL...] [flags]\n"
    "\n"
    "Flags:\n"
    "  -h, --help   help for rm\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_MODELS                 The path to the models directory\n";

static int remove_one(const struct store *s, const char *arg)
{
    char base[NAME_STR_MAX], q[NAME_STR_MAX];
    struct cola_err err = {0};
    struct model_name n;
    int rc = name_normalize_pull(arg, base, sizeof(base), &err);
    if (rc == COLA_EINVAL) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    if (!rc)
        name_parse(base, &n);
    if (rc || !name_valid(&n)) {
        name_quote(arg, q, sizeof(q));
        fprintf(stderr, "Error: name %s is invalid\n", q);
        return 1;
    }
    rc = store_delete(s, &n, &err);
    if (rc == COLA_ENOTFOUND) {
        fprintf(stderr, "Error: model '%s' not found\n", arg);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    printf("deleted '%s'\n", arg);
    return 0;
}

/* Through the daemon: unload the model, then DELETE /api/delete. */
static int remove_api(const struct client *c, const char *arg)
{
    struct cola_err err = {0};
    json_t *req = json_pack("{s:s,s:i}", "model", arg, "keep_alive", 0);
    int rc = client_call(c, "POST", "/api/generate", req, NULL, NULL, NULL, &err);
    json_decref(req);
    if (rc && rc != COLA_ENOTFOUND)
        fprintf(stderr, "Warning: unable to stop model '%s'\n", arg);
    err_clear(&err);
    req = json_pack("{s:s}", "name", arg);
    rc = client_call(c, "DELETE", "/api/delete", req, NULL, NULL, NULL, &err);
    json_decref(req);
    if (rc) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    printf("deleted '%s'\n", arg);
    return 0;
}

static int run_rm(int argc, char **argv)
{
    int n = 0;
    const char **names = calloc((size_t)argc + 1, sizeof(*names));
    if (!names)
        return 1;
    const int urc = cli_positional(&cli_cmd_rm, argc, argv, names, argc, &n);
    if (urc) {
        free(names);
        return urc;
    }
    int rc = 0;
    struct cola_err err = {0};
    struct store s;
    struct client c;
    const bool api = n >= 1 && client_daemon(&c);
    if (n < 1) {
        rc = cli_usage_error(&cli_cmd_rm, "requires at least 1 arg(s), only received 0");
    } else if (api) {
        for (int i = 0; !rc && i < n; i++) {
            rc = remove_api(&c, names[i]);
            fflush(stdout);
        }
        free(names);
        return rc;
    } else if (store_open(&s, NULL, &err)) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        rc = 1;
    }
    for (int i = 0; !rc && i < n; i++) {
        rc = remove_one(&s, names[i]) ? 1 : 0; /* Ollama stops at the first error */
        fflush(stdout);
    }
    free(names);
    return rc;
}

const struct cli_cmd cli_cmd_rm = {"rm", "Remove a model", rm_usage, run_rm};
