/* cmd_push.c — `cola push MODEL [--insecure]`: send a model of the store
 * ($OLLAMA_MODELS) to the registry its name points at with transfer.h,
 * showing Ollama's progress (progress.h: a spinner per status, a bar per
 * blob labelled with its event's status, "pushing <12 hex>"), then
 * "You can find your model at:" and the name, as Ollama's push handler. A
 * registry that refuses the credentials gets Ollama's advice about
 * namespaces. Until the daemon exists this calls the store library
 * directly; /api/push streams the same events. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/progress.h"
#include "store/transfer.h"

static const char push_usage[] =
    "Push a model to a registry\n"
    "\n"
    "Usage:\n"
    "  cola push MODEL [flags]\n"
    "\n"
    "Flags:\n"
    "  -h, --help       help for push\n"
    "      --insecure   Use an insecure registry\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_MODELS                 The path to the models directory\n";

static int on_event(void *user, const struct xfer_event *e)
{
    struct prog *p = user;
    if (e->digest)
        prog_bar(p, e->digest, e->status, e->total, e->completed);
    else
        prog_status(p, e->status);
    return 0;
}

/* [--insecure[=true|false]] MODEL, as cmd_pull.c */
static int push_args(int argc, char **argv, const char **name, struct xfer_opts *o)
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
    const int rc = cli_positional(&cli_cmd_push, nrest, rest, args, 1, &n);
    if (rc)
        return rc;
    if (n != 1)
        return cli_usage_error(&cli_cmd_push, "accepts 1 arg(s), received %d", n);
    *name = args[0];
    return 0;
}

static bool host_is_ollama(const char *host)
{
    const size_t n = strlen(host);
    return (n >= 10 && !strcmp(host + n - 10, ".ollama.ai")) ||
           (n >= 11 && !strcmp(host + n - 11, ".ollama.com"));
}

/* Ollama's texts for a refused push: any error that mentions access denied
 * or unauthorized (case-insensitive) becomes advice about namespaces. */
static const char *push_error(const char *msg)
{
    char low[COLA_ERR_MSG_MAX];
    size_t i = 0;
    for (; msg[i] && i + 1 < sizeof(low); i++)
        low[i] = (char)tolower((unsigned char)msg[i]);
    low[i] = '\0';
    if (strstr(low, "access denied") || strstr(low, "unauthorized"))
        return "you are not authorized to push to this namespace, create the model under a "
               "namespace you own";
    return msg;
}

static int run_push(int argc, char **argv)
{
    const char *name = NULL;
    struct xfer_opts o = {0};
    int rc = push_args(argc, argv, &name, &o);
    if (rc)
        return rc;
    struct cola_err err;
    err_clear(&err);
    struct store s;
    struct prog *p = prog_open(isatty(STDERR_FILENO) != 0);
    struct client c;
    if (client_daemon(&c)) {
        json_t *req = json_pack("{s:s,s:b}", "model", name, "insecure", o.insecure);
        rc = client_progress(&c, "/api/push", req, p ? on_event : NULL, p, &err);
        json_decref(req);
    } else if (!(rc = store_open(&s, NULL, &err))) {
        rc = push_model(&s, name, &o, p ? on_event : NULL, p, &err);
    }
    prog_close(p);
    if (rc) {
        fprintf(stderr, "Error: %s\n", push_error(err_msg(&err)));
        return 1;
    }
    struct model_name n;
    char dest[NAME_STR_MAX + 32];
    name_parse(name, &n);
    if (host_is_ollama(n.host)) {
        char shortest[NAME_STR_MAX];
        name_display_shortest(&n, shortest, sizeof(shortest));
        const size_t len = strlen(shortest);
        if (len >= 7 && !strcmp(shortest + len - 7, ":latest"))
            shortest[len - 7] = '\0';
        snprintf(dest, sizeof(dest), "https://ollama.com/%s", shortest);
    } else {
        name_string(&n, dest, sizeof(dest));
    }
    printf("\nYou can find your model at:\n\n\t%s\n", dest);
    return 0;
}

const struct cli_cmd cli_cmd_push = {"push", "Push a model to a registry", push_usage, run_push};
