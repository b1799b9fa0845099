/* cmd_create.c — `cola create MODEL [-f Modelfile]`: parse the Modelfile,
 * build the create request and make the model in the store ($OLLAMA_MODELS)
 * with create_model(), printing Ollama's status lines as they happen.
 * Until the daemon exists this calls the store library directly. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "store/digest.h"
#include "cli/progress.h"
#include "store/create.h"

static const char usage[] =
    "Create a model from a Modelfile\n"
    "\n"
    "Usage:\n"
    "  cola create MODEL [flags]\n"
    "\n"
    "Flags:\n"
    "  -f, --file string       Name of the Modelfile (default \"Modelfile\")\n"
    "  -q, --quantize string   Quantize model to this level (e.g. q4_K_M); not supported yet\n"
    "  -h, --help              help for create\n"
    "\n"
    "Without a Modelfile in the current directory the model is created FROM \".\".\n"
    "FROM takes a model (pulled from its registry when it is not in the store),\n"
    "a GGUF file or a blob digest; the model's blobs and manifest are written\n"
    "to the store exactly as Ollama writes them.\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_MODELS                 The path to the models directory\n";

/* Ollama's create display: the pull of a FROM model as `cola pull` draws
 * it, "copying file sha256:<hex> N%" updated in place while a GGUF is
 * copied into the store, every other status a spinner line. */
static int on_event(void *user, const struct xfer_event *e)
{
    struct prog *p = user;
    if (e->digest && !strcmp(e->status, "copying file")) {
        char msg[128];
        const int pct = e->total > 0 ? (int)(100 * e->completed / e->total) : 100;
        snprintf(msg, sizeof(msg), "copying file %s %d%%", e->digest, pct);
        prog_status_set(p, msg, e->completed >= e->total);
        return 0;
    }
    return prog_pull_event(p, e);
}

/* {"name.gguf": "sha256:..."} for files uploaded to the daemon. */
static int upload_files(const struct client *c, const struct mf_paths *ps, struct prog *p,
                        json_t *map, struct cola_err *err)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (ps->v[i].is_dir)
            return err_set(err, COLA_EUNSUPPORTED,
                           "%s: creating from a directory of model files is not supported yet",
                           ps->v[i].path);
        char digest[DIGEST_STR_LEN + 1];
        int rc = sha256_file(ps->v[i].path, digest, NULL, err);
        if (!rc)
            rc = client_upload(c, digest, ps->v[i].path, p ? on_event : NULL, p, err);
        if (rc)
            return rc;
        const char *base = strrchr(ps->v[i].path, '/');
        json_object_set_new(map, base ? base + 1 : ps->v[i].path, json_string(digest));
    }
    return 0;
}

/* `create` through the daemon, as Ollama's CLI: local files become blobs
 * first, then POST /api/create with the request the Modelfile makes. */
static int create_api(const struct client *c, const char *name, const struct mf_request *r,
                      struct prog *p, struct cola_err *err)
{
    json_t *req = json_pack("{s:s}", "model", name), *files = json_object(), *ad = json_object();
    int rc = upload_files(c, &r->files, p, files, err);
    if (!rc)
        rc = upload_files(c, &r->adapters, p, ad, err);
    if (!rc) {
        if (r->from)
            json_object_set_new(req, "from", json_string(r->from));
        if (json_object_size(files))
            json_object_set(req, "files", files);
        if (json_object_size(ad))
            json_object_set(req, "adapters", ad);
        static const char *const keys[] = {"template", "system", "renderer", "parser", "requires"};
        const char *vals[] = {r->template_, r->system, r->renderer, r->parser, r->requires_};
        for (size_t i = 0; i < 5; i++)
            if (vals[i])
                json_object_set_new(req, keys[i], json_string(vals[i]));
        if (r->license)
            json_object_set(req, "license", r->license);
        if (r->parameters)
            json_object_set(req, "parameters", r->parameters);
        if (r->messages)
            json_object_set(req, "messages", r->messages);
        rc = client_progress(c, "/api/create", req, p ? on_event : NULL, p, err);
    }
    json_decref(req);
    json_decref(files);
    json_decref(ad);
    return rc;
}

static int do_create(const char *name, const char *file, bool file_given)
{
    struct cola_err err;
    err_clear(&err);
    struct mf_file f = {0};
    struct mf_request r = {0};
    struct store s;
    char dir[PATH_MAX] = "";
    int rc;
    struct stat st;
    if (!file_given && stat(file, &st) != 0) {
        rc = mf_parse("FROM .", 6, &f, &err); /* Ollama's default when there is no Modelfile */
    } else {
        rc = mf_parse_path(file, &f, &err);
        char copy[PATH_MAX];
        snprintf(copy, sizeof(copy), "%s", file);
        snprintf(dir, sizeof(dir), "%s", dirname(copy));
    }
    if (!rc)
        rc = mf_request_build(&f, dir, NULL, &r, &err);
    for (size_t i = 0; !rc && i < r.n_warnings; i++)
        fprintf(stderr, "%s\n", r.warnings[i]);
    struct client c;
    const bool api = !rc && client_daemon(&c);
    if (!rc && !api)
        rc = store_open(&s, NULL, &err);
    struct prog *p = NULL;
    if (!rc) {
        p = prog_open(isatty(STDERR_FILENO) != 0);
        prog_status(p, "gathering model components");
        rc = api ? create_api(&c, name, &r, p, &err)
                 : create_model(&s, name, &r, NULL, p ? on_event : NULL, p, &err);
    }
    prog_close(p);
    if (rc)
        fprintf(stderr, "Error: %s\n", err_msg(&err));
    mf_request_free(&r);
    mf_file_free(&f);
    return rc ? 1 : 0;
}

static int run(int argc, char **argv)
{
    const char *name = NULL, *file = "Modelfile", *quant = NULL;
    bool file_given = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **dst = NULL;
        if (!strcmp(a, "-f") || !strcmp(a, "--file"))
            dst = &file, file_given = true;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quantize"))
            dst = &quant;
        if (dst) {
            if (i + 1 >= argc)
                return cli_usage_error(&cli_cmd_create, "flag needs an argument: %s", a);
            *dst = argv[++i];
        } else if (!strncmp(a, "--file=", 7)) {
            file = a + 7, file_given = true;
        } else if (!strncmp(a, "--quantize=", 11)) {
            quant = a + 11;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error(&cli_cmd_create, "unknown flag: %s", a);
        } else if (name) {
            return cli_usage_error(&cli_cmd_create, "accepts 1 arg(s), received %d", argc - 1);
        } else {
            name = a;
        }
    }
    if (!name)
        return cli_usage_error(&cli_cmd_create, "accepts 1 arg(s), received 0");
    if (quant && *quant) {
        fprintf(stderr, "Error: quantizing while creating (--quantize %s) is not supported yet\n",
                quant);
        return 1;
    }
    struct model_name n;
    name_parse(name, &n);
    if (!name_valid(&n)) {
        fprintf(stderr, "Error: invalid model name: %s\n", name);
        return 1;
    }
    return do_create(name, file, file_given);
}

const struct cli_cmd cli_cmd_create = {"create", "Create a model from a Modelfile", usage, run};
