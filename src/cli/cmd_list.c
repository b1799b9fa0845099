/* cmd_list.c — `cola list [PREFIX]` (alias `ls`): the models in the store as
 * Ollama prints them:
 *
 *   NAME            ID              SIZE      MODIFIED
 *   llama3.2:1b     baf6a787fdff    1.3 GB    2 weeks ago
 *
 * Columns are left-aligned and padded to their widest cell, followed by four
 * spaces (the header's last column by one), exactly as Ollama's tablewriter
 * settings print them. ID is the first 12 hex of the sha256 of the manifest
 * bytes; SIZE is format.HumanBytes (decimal units, "-" for cloud stubs);
 * MODIFIED is format.HumanTime of the manifest's mtime. Newest first. PREFIX
 * keeps the names that start with it, ignoring case.
 *
 * Until the daemon exists this reads the store ($OLLAMA_MODELS) directly.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/table.h"
#include "store/store.h"
#include "util/gotime.h"
#include "util/human.h"

static const char list_usage[] =
    "List models\n"
    "\n"
    "Usage:\n"
    "  cola list [PREFIX] [flags]\n"
    "\n"
    "Aliases:\n"
    "  list, ls\n"
    "\n"
    "Flags:\n"
    "  -h, --help   help for list\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_MODELS                 The path to the models directory\n";

struct row {
    const char *cell[4];
    char size[32], modified[64];
};

/* Through the daemon: GET /api/tags. */
static int list_api(const struct client *c, const char *prefix)
{
    struct cola_err err = {0};
    json_t *resp = NULL;
    if (client_call(c, "GET", "/api/tags", NULL, client_keep, &resp, NULL, &err)) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    const json_t *models = json_object_get(resp, "models");
    const size_t total = json_array_size(models);
    struct row *rows = calloc(total ? total : 1, sizeof(*rows));
    const char **cells = calloc(total ? 4 * total : 1, sizeof(*cells));
    char(*ids)[16] = calloc(total ? total : 1, sizeof(*ids));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    size_t n = 0;
    for (size_t i = 0; rows && cells && ids && i < total; i++) {
        const json_t *m = json_array_get(models, i);
        const char *name = json_string_value(json_object_get(m, "name"));
        if (!name || (prefix && strncasecmp(name, prefix, strlen(prefix))))
            continue;
        struct row *r = &rows[n];
        const char *d = json_string_value(json_object_get(m, "digest"));
        snprintf(ids[n], sizeof(ids[n]), "%.12s", d ? d : "");
        if (json_object_get(m, "remote_host"))
            snprintf(r->size, sizeof(r->size), "-");
        else
            human_bytes(json_integer_value(json_object_get(m, "size")), r->size, sizeof(r->size));
        struct timespec mt;
        if (gotime_parse(json_string_value(json_object_get(m, "modified_at")), &mt))
            snprintf(r->modified, sizeof(r->modified), "-");
        else
            human_time(mt, now, r->modified, sizeof(r->modified));
        const char *row[4] = {name, ids[n], r->size, r->modified};
        memcpy(cells + 4 * n, row, sizeof(row));
        n++;
    }
    static const char *const head[] = {"NAME", "ID", "SIZE", "MODIFIED"};
    if (rows && cells && ids)
        cli_table(head, 4, cells, n);
    free(rows);
    free(cells);
    free(ids);
    json_decref(resp);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int run_list(int argc, char **argv)
{
    const char *prefix = NULL;
    int n_args = 0;
    const int urc = cli_positional(&cli_cmd_list, argc, argv, &prefix, 1, &n_args);
    if (urc)
        return urc; /* Ollama ignores arguments after the prefix */
    struct client c;
    if (client_daemon(&c))
        return list_api(&c, prefix);
    struct cola_err err = {0};
    struct store s;
    struct store_list l = {0};
    if (store_open(&s, NULL, &err) || store_list(&s, &l, &err)) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    struct row *rows = calloc(l.n ? l.n : 1, sizeof(*rows));
    if (!rows) {
        store_list_free(&l);
        fprintf(stderr, "Error: out of memory\n");
        return 1;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++) {
        struct store_model *m = &l.models[i];
        if (prefix && strncasecmp(m->display, prefix, strlen(prefix)) != 0)
            continue;
        struct row *r = &rows[n++];
        m->digest[12] = '\0';
        if (m->remote)
            snprintf(r->size, sizeof(r->size), "-");
        else
            human_bytes(m->size, r->size, sizeof(r->size));
        human_time(m->mtime, now, r->modified, sizeof(r->modified));
        r->cell[0] = m->display;
        r->cell[1] = m->digest;
        r->cell[2] = r->size;
        r->cell[3] = r->modified;
    }
    static const char *const head[] = {"NAME", "ID", "SIZE", "MODIFIED"};
    const char **cells = calloc(n ? 4 * n : 1, sizeof(*cells));
    for (size_t r = 0; cells && r < n; r++)
        memcpy(cells + 4 * r, rows[r].cell, sizeof(rows[r].cell));
    if (cells)
        cli_table(head, 4, cells, n);
    free(cells);
    free(rows);
    store_list_free(&l);
    return fflush(stdout) == 0 ? 0 : 1;
}

const struct cli_cmd cli_cmd_list = {"list", "List models", list_usage, run_list};
