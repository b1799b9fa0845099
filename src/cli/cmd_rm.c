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
#include <string.h>

#include "cli/cli.h"
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

static int run_rm(int argc, char **argv)
{
    int n = 0;
    bool dashdash = false;
    for (int i = 1; i < argc; i++) {
        if (!dashdash && !strcmp(argv[i], "--")) {
            dashdash = true;
            continue;
        }
        if (!dashdash && argv[i][0] == '-' && argv[i][1])
            return cli_usage_error(&cli_cmd_rm, "unknown flag: %s", argv[i]);
        n++;
    }
    if (n < 1)
        return cli_usage_error(&cli_cmd_rm, "requires at least 1 arg(s), only received 0");
    struct cola_err err = {0};
    struct store s;
    if (store_open(&s, NULL, &err)) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    dashdash = false;
    for (int i = 1; i < argc; i++) {
        if (!dashdash && !strcmp(argv[i], "--")) {
            dashdash = true;
            continue;
        }
        if (remove_one(&s, argv[i]))
            return 1;
        fflush(stdout);
    }
    return 0;
}

const struct cli_cmd cli_cmd_rm = {"rm", "Remove a model", rm_usage, run_rm};
