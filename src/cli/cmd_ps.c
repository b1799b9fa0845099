/* cmd_ps.c — `cola ps [PREFIX]` and `cola stop MODEL`, through the daemon
 * (GET /api/ps; POST /api/generate {"model", "keep_alive": 0}), printed as
 * Ollama's CLI prints them:
 *
 *   NAME              ID              SIZE      PROCESSOR    CONTEXT    UNTIL
 *   stories:latest    ec7621abcbc3    2.7 MB    100% CPU     2048       4 minutes from now
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/table.h"
#include "util/gotime.h"
#include "util/human.h"

static const char ps_usage[] =
    "List running models\n"
    "\n"
    "Usage:\n"
    "  cola ps [PREFIX] [flags]\n"
    "\n"
    "Flags:\n"
    "  -h, --help   help for ps\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_HOST                   IP Address for the ollama server (default 127.0.0.1:11434)\n";

static const char stop_usage[] =
    "Stop a running model\n"
    "\n"
    "Usage:\n"
    "  cola stop MODEL [flags]\n"
    "\n"
    "Flags:\n"
    "  -h, --help   help for stop\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_HOST                   IP Address for the ollama server (default 127.0.0.1:11434)\n";

/* One row's cells: name, id, size, processor, context, until. */
struct ps_row {
    char id[16], size[32], proc[32], ctx[16], until[64];
};

static void fill_row(const json_t *m, struct timespec now, struct ps_row *b, const char **row)
{
    const char *digest = json_string_value(json_object_get(m, "digest"));
    snprintf(b->id, sizeof(b->id), "%.12s", digest ? digest : "");
    const json_int_t size = json_integer_value(json_object_get(m, "size"));
    const json_int_t vram = json_integer_value(json_object_get(m, "size_vram"));
    human_bytes(size, b->size, sizeof(b->size));
    if (vram <= 0 || size <= 0)
        snprintf(b->proc, sizeof(b->proc), "100%% CPU");
    else if (vram >= size)
        snprintf(b->proc, sizeof(b->proc), "100%% GPU");
    else
        snprintf(b->proc, sizeof(b->proc), "%d%%/%d%% CPU/GPU", (int)((size - vram) * 100 / size),
                 (int)(vram * 100 / size));
    snprintf(b->ctx, sizeof(b->ctx), "%lld",
             (long long)json_integer_value(json_object_get(m, "context_length")));
    struct timespec until;
    const char *exp = json_string_value(json_object_get(m, "expires_at"));
    if (!exp || gotime_parse(exp, &until))
        snprintf(b->until, sizeof(b->until), "-");
    else if (until.tv_sec < now.tv_sec)
        snprintf(b->until, sizeof(b->until), "Stopping...");
    else
        human_time(until, now, b->until, sizeof(b->until));
    const char *name = json_string_value(json_object_get(m, "name"));
    row[0] = name ? name : "";
    row[1] = b->id, row[2] = b->size, row[3] = b->proc, row[4] = b->ctx, row[5] = b->until;
}

static int run_ps(int argc, char **argv)
{
    const char *prefix = NULL;
    int n_args = 0;
    const int urc = cli_positional(&cli_cmd_ps, argc, argv, &prefix, 1, &n_args);
    if (urc)
        return urc;
    struct client c;
    client_init(&c);
    struct cola_err err = {0};
    json_t *resp = NULL;
    if (client_call(&c, "GET", "/api/ps", NULL, client_keep, &resp, NULL, &err)) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    const json_t *models = json_object_get(resp, "models");
    const size_t n = json_array_size(models);
    const char **cells = calloc(n ? 6 * n : 1, sizeof(*cells));
    struct ps_row *rows = calloc(n ? n : 1, sizeof(*rows));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    size_t k = 0;
    for (size_t i = 0; cells && rows && i < n; i++) {
        const json_t *m = json_array_get(models, i);
        const char *name = json_string_value(json_object_get(m, "name"));
        if (prefix && (!name || strncasecmp(name, prefix, strlen(prefix))))
            continue;
        fill_row(m, now, &rows[k], cells + 6 * k);
        k++;
    }
    static const char *const head[] = {"NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"};
    if (cells && rows)
        cli_table(head, 6, cells, k);
    free(cells);
    free(rows);
    json_decref(resp);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int run_stop(int argc, char **argv)
{
    const char *name = NULL;
    int n = 0;
    const int urc = cli_positional(&cli_cmd_stop, argc, argv, &name, 1, &n);
    if (urc)
        return urc;
    if (n != 1)
        return cli_usage_error(&cli_cmd_stop, "accepts 1 arg(s), received %d", n);
    struct client c;
    client_init(&c);
    struct cola_err err = {0};
    json_t *req = json_pack("{s:s,s:i}", "model", name, "keep_alive", 0);
    const int rc = client_call(&c, "POST", "/api/generate", req, NULL, NULL, NULL, &err);
    json_decref(req);
    if (rc == COLA_ENOTFOUND) {
        fprintf(stderr, "Error: couldn't find model \"%s\" to stop\n", name);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    return 0;
}

const struct cli_cmd cli_cmd_ps = {"ps", "List running models", ps_usage, run_ps};
const struct cli_cmd cli_cmd_stop = {"stop", "Stop a running model", stop_usage, run_stop};
