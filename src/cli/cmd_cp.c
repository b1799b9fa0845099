/* cmd_cp.c — `cola cp SOURCE DESTINATION`: copy a model's manifest to a new
 * name (the blobs are shared, not copied), with Ollama's messages:
 * `copied 'A' to 'B'`, `source "A" is invalid`, `destination "B" is
 * invalid`, `model "A" not found`.
 *
 * Until the daemon exists this works on the store ($OLLAMA_MODELS) directly.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "store/store.h"

extern const struct cli_cmd cli_cmd_cp;

static const char cp_usage[] =
    "Copy a model\n"
    "\n"
    "Usage:\n"
    "  cola cp SOURCE DESTINATION [flags]\n"
    "\n"
    "Flags:\n"
    "  -h, --help   help for cp\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_MODELS                 The path to the models directory\n";

static int run_cp(int argc, char **argv)
{
    const char *args[2];
    int n = 0;
    const int urc = cli_positional(&cli_cmd_cp, argc, argv, args, 2, &n);
    if (urc)
        return urc;
    if (n != 2)
        return cli_usage_error(&cli_cmd_cp, "accepts 2 arg(s), received %d", n);

    char q[NAME_STR_MAX];
    struct model_name src, dst;
    name_parse(args[0], &src);
    if (!name_valid(&src)) {
        name_quote(args[0], q, sizeof(q));
        fprintf(stderr, "Error: source %s is invalid\n", q);
        return 1;
    }
    name_parse(args[1], &dst);
    if (!name_valid(&dst)) {
        name_quote(args[1], q, sizeof(q));
        fprintf(stderr, "Error: destination %s is invalid\n", q);
        return 1;
    }
    struct cola_err err = {0};
    struct client c;
    if (client_daemon(&c)) {
        json_t *req = json_pack("{s:s,s:s}", "source", args[0], "destination", args[1]);
        const int arc = client_call(&c, "POST", "/api/copy", req, NULL, NULL, NULL, &err);
        json_decref(req);
        if (arc) {
            fprintf(stderr, "Error: %s\n", err_msg(&err));
            return 1;
        }
        printf("copied '%s' to '%s'\n", args[0], args[1]);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    struct store s;
    int rc = store_open(&s, NULL, &err);
    if (!rc)
        rc = store_copy(&s, &src, &dst, &err);
    if (rc == COLA_ENOTFOUND) {
        name_quote(args[0], q, sizeof(q));
        fprintf(stderr, "Error: model %s not found\n", q);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    printf("copied '%s' to '%s'\n", args[0], args[1]);
    return 0;
}

const struct cli_cmd cli_cmd_cp = {"cp", "Copy a model", cp_usage, run_cp};
