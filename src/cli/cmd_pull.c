/* cmd_pull.c — `cola pull MODEL` and `cola push MODEL` ([--insecure]): move
 * a model between the store ($OLLAMA_MODELS) and its registry with
 * transfer.h, showing Ollama's progress: on a terminal one live bar per
 * blob ("pulling 8eeb52dfb3bb: 100% ▕██████▏ 4.7 GB/4.7 GB  45 MB/s"),
 * otherwise one line per status as it completes. Until the daemon exists
 * these call the store library directly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/transfer.h"
#include "util/human.h"

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
    "      OLLAMA_MODELS                 The path to the models directory\n";

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

struct view {
    bool tty;
    char last_status[64];
    char last_digest[80];
    bool line_open;
    struct timespec t0;
};

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void bar_line(struct view *v, const struct xfer_event *e)
{
    char done[32], total[32], rate[48] = "";
    human_bytes(e->completed, done, sizeof(done));
    human_bytes(e->total, total, sizeof(total));
    const double pct = e->total > 0 ? 100.0 * (double)e->completed / (double)e->total : 100.0;
    const double secs = since(&v->t0);
    if (e->completed < e->total && secs > 0.5) {
        char r[32];
        human_bytes((int64_t)((double)e->completed / secs), r, sizeof(r));
        snprintf(rate, sizeof(rate), "  %s/s", r);
    }
    char bar[3 * 25 + 1] = "";
    const int fill = (int)(pct / 4);
    for (int i = 0; i < 25; i++)
        strcat(bar, i < fill ? "\xe2\x96\x88" : " ");
    fprintf(stderr, "\r\033[K%s: %3.0f%% \xe2\x96\x95%s\xe2\x96\x8f %s/%s%s", e->status, pct, bar,
            done, total, rate);
}

static int on_event(void *user, const struct xfer_event *e)
{
    struct view *v = user;
    const bool blob = e->digest != NULL;
    const bool same = !strcmp(v->last_status, e->status) &&
                      !strcmp(v->last_digest, blob ? e->digest : "");
    if (v->tty) {
        if (!same && v->line_open)
            fputc('\n', stderr);
        if (!same)
            clock_gettime(CLOCK_MONOTONIC, &v->t0);
        if (blob) {
            bar_line(v, e);
            v->line_open = true;
        } else {
            fprintf(stderr, "%s\n", e->status);
            v->line_open = false;
        }
    } else if (!same && !blob) {
        fprintf(stderr, "%s\n", e->status);
    } else if (blob && e->completed == e->total) {
        char total[32];
        human_bytes(e->total, total, sizeof(total));
        fprintf(stderr, "%s: 100%% %s\n", e->status, total);
    }
    snprintf(v->last_status, sizeof(v->last_status), "%s", e->status);
    snprintf(v->last_digest, sizeof(v->last_digest), "%s", blob ? e->digest : "");
    if (blob && e->completed == e->total && !v->tty)
        snprintf(v->last_status, sizeof(v->last_status), "%s (done)", e->status);
    fflush(stderr);
    return 0;
}

static int run_xfer(const struct cli_cmd *cmd, int argc, char **argv, bool push)
{
    const char *name = NULL;
    struct xfer_opts o = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--insecure"))
            o.insecure = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error(cmd, "unknown flag: %s", argv[i]);
        else if (name)
            return cli_usage_error(cmd, "accepts 1 arg(s), received %d", argc - 1);
        else
            name = argv[i];
    }
    if (!name)
        return cli_usage_error(cmd, "accepts 1 arg(s), received 0");
    struct view v = {.tty = isatty(STDERR_FILENO) != 0};
    struct cola_err err;
    err_clear(&err);
    struct store s;
    int rc = store_open(&s, NULL, &err);
    if (!rc)
        rc = push ? push_model(&s, name, &o, on_event, &v, &err)
                  : pull_model(&s, name, &o, on_event, &v, &err);
    if (v.line_open)
        fputc('\n', stderr);
    if (rc) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    return 0;
}

static int run_pull(int argc, char **argv) { return run_xfer(&cli_cmd_pull, argc, argv, false); }
static int run_push(int argc, char **argv) { return run_xfer(&cli_cmd_push, argc, argv, true); }

const struct cli_cmd cli_cmd_pull = {"pull", "Pull a model from a registry", pull_usage, run_pull};
const struct cli_cmd cli_cmd_push = {"push", "Push a model to a registry", push_usage, run_push};
