/* cmd_pull.c — `cola pull MODEL [--insecure]`: fetch a model from the
 * registry its name points at into the store ($OLLAMA_MODELS) with
 * transfer.h, showing Ollama's progress (progress.h): a spinner per status
 * and one bar per blob ("pulling 8eeb52dfb3bb: 100% ▕██▏ 4.7 GB"), live on
 * a terminal, plain lines otherwise. As Ollama's pull handler, a blob's
 * first report with nothing done yet is not drawn. Until the daemon exists
 * this calls the store library directly; /api/pull streams the same
 * events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/progress.h"
#include "store/transfer.h"

static const char pull_usage[] =
    "Pull a model from a registry\n"
    "\n"
    "Usage:\n"
    "  cola pull MODEL [flags]\n"
    "\n"
    "Flags:\n"
    "  -h, --help       help for pull\n"
    "      --insecure   Use an insecure registry\n"
    "\n"
    "MODEL is [host/][namespace/]model[:tag]; the defaults are registry.ollama.ai,\n"
    "library and latest, as in Ollama. Blobs already in the store are not fetched\n"
    "again, and an interrupted pull resumes where it stopped.\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_MODELS                 The path to the models directory\n"
    "      OLLAMA_NOPRUNE                Do not remove the layers a pull leaves unused\n";

/* [--insecure[=true|false]] MODEL → *name, o->insecure; 0 or the exit
 * code of a usage error. (cmd_push.c has the same flags.) */
static int pull_args(int argc, char **argv, const char **name, struct xfer_opts *o)
{
    const char *args[1];
    char **rest = argv; /* compacted in place: the flags taken out */
    int nrest = 0, n = 0;
    bool dashdash = false;
    for (int i = 0; i < argc; i++) {
        dashdash |= i > 0 && !strcmp(argv[i], "--");
        if (i > 0 && !dashdash &&
            (!strcmp(argv[i], "--insecure") || !strcmp(argv[i], "--insecure=true")))
            o->insecure = true;
        else if (i > 0 && !dashdash && !strcmp(argv[i], "--insecure=false"))
            o->insecure = false;
        else
            rest[nrest++] = argv[i];
    }
    const int rc = cli_positional(&cli_cmd_pull, nrest, rest, args, 1, &n);
    if (rc)
        return rc;
    if (n != 1)
        return cli_usage_error(&cli_cmd_pull, "accepts 1 arg(s), received %d", n);
    *name = args[0];
    return 0;
}

static int run_pull(int argc, char **argv)
{
    const char *name = NULL;
    struct xfer_opts o = {0};
    int rc = pull_args(argc, argv, &name, &o);
    if (rc)
        return rc;
    struct cola_err err;
    err_clear(&err);
    struct store s;
    struct prog *p = prog_open(isatty(STDERR_FILENO) != 0);
    struct client c;
    if (client_daemon(&c)) {
        json_t *req = json_pack("{s:s,s:b}", "model", name, "insecure", o.insecure);
        rc = client_progress(&c, "/api/pull", req, p ? prog_pull_event : NULL, p, &err);
        json_decref(req);
    } else if (!(rc = store_open(&s, NULL, &err))) {
        rc = pull_model(&s, name, &o, p ? prog_pull_event : NULL, p, &err);
    }
    prog_close(p);
    if (rc) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    return 0;
}

const struct cli_cmd cli_cmd_pull = {"pull", "Pull a model from a registry", pull_usage, run_pull};
