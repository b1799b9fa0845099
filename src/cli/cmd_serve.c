/* cmd_serve.c — `cola serve` (alias `start`): the daemon. Listens on
 * OLLAMA_HOST (default 127.0.0.1:11434) with Ollama's native API over the
 * store at OLLAMA_MODELS; SIGINT/SIGTERM stop it after in-flight requests.
 * At start-up the store is pruned as Ollama does (unless OLLAMA_NOPRUNE). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli.h"
#include "server/api.h"
#include "server/http.h"
#include "server/sched.h"
#include "util/godur.h"
#include "util/log.h"
#include "util/ohost.h"

static const char usage[] =
    "Start ollama\n"
    "\n"
    "Usage:\n"
    "  cola serve [flags]\n"
    "\n"
    "Aliases:\n"
    "  serve, start\n"
    "\n"
    "Flags:\n"
    "  -h, --help   help for serve\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_DEBUG                  Show additional debug information (e.g. OLLAMA_DEBUG=1)\n"
    "      OLLAMA_HOST                   IP Address for the ollama server (default 127.0.0.1:11434)\n"
    "      OLLAMA_KEEP_ALIVE             The duration that models stay loaded in memory (default \"5m\")\n"
    "      OLLAMA_MAX_LOADED_MODELS      Maximum number of loaded models (default 3)\n"
    "      OLLAMA_MAX_QUEUE              Maximum number of queued requests\n"
    "      OLLAMA_NUM_PARALLEL           Maximum number of parallel requests\n"
    "      OLLAMA_CONTEXT_LENGTH         Context length to use unless otherwise specified (default: 4096)\n"
    "      OLLAMA_LOAD_TIMEOUT           How long to allow model loads to stall before giving up (default \"5m\")\n"
    "      OLLAMA_MODELS                 The path to the models directory\n"
    "      OLLAMA_NOPRUNE                Do not prune model blobs on startup\n"
    "      OLLAMA_ORIGINS                A comma separated list of allowed origins\n";

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { stop_flag = sig; }

/* Go's strconv.ParseBool over an env value; unset/empty/other: false. */
static bool env_true(const char *name)
{
    const char *v = getenv(name);
    if (!v)
        return false;
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!strcmp(v, yes[i]))
            return true;
    return false;
}

/* An unsigned integer variable (Ollama: invalid -> the default, warned). */
static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return def;
    char *end;
    const long n = strtol(v, &end, 10);
    if (*end || n < 0 || n > 1 << 20) {
        log_warn("invalid %s \"%s\", using %d", name, v, def);
        return def;
    }
    return (int)n;
}

/* A duration variable: Go duration or integer seconds; <= 0: none. */
static int64_t env_dur(const char *name, int64_t def_s)
{
    const char *v = getenv(name);
    int64_t d;
    char *end;
    if (!v || !*v)
        return def_s * 1000000000LL;
    const long long n = strtoll(v, &end, 10);
    if (!*end)
        return n * 1000000000LL;
    if (godur_parse(v, &d)) {
        log_warn("invalid %s \"%s\", using %llds", name, v, (long long)def_s);
        return def_s * 1000000000LL;
    }
    return d;
}

static int run(int argc, char **argv)
{
    if (argc > 1)
        return cli_usage_error(&cli_cmd_serve, "unknown command \"%s\" for \"cola serve\"", argv[1]);
    struct api a = {0};
    struct cola_err err = {0};
    if (store_open(&a.store, NULL, &err)) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    if (!env_true("OLLAMA_NOPRUNE")) {
        struct store_prune_stats ps = {0};
        struct cola_err perr = {0};
        if (store_prune(&a.store, 0, &ps, &perr))
            log_warn("pruning the store: %s", err_msg(&perr));
        else if (ps.blobs_removed || ps.stale_removed)
            log_info("total blobs: pruned %zu unused, %zu stale", ps.blobs_removed,
                     ps.stale_removed);
    }
    char exe[4096], sock_dir[] = "/tmp/cola-runners-XXXXXX";
    const ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (el <= 0 || !mkdtemp(sock_dir)) {
        fprintf(stderr, "Error: cannot set up the runner directory\n");
        return 1;
    }
    exe[el] = '\0';
    const struct sched_conf sc = {.exe = exe, .sock_dir = sock_dir,
                                  .max_loaded = env_int("OLLAMA_MAX_LOADED_MODELS", 0),
                                  .num_parallel = env_int("OLLAMA_NUM_PARALLEL", 1),
                                  .max_queue = env_int("OLLAMA_MAX_QUEUE", 512),
                                  .load_timeout_ns = env_dur("OLLAMA_LOAD_TIMEOUT", 300)};
    if (sched_new(&sc, &a.sched, &err) || api_cache_new(&a.cache)) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        rmdir(sock_dir);
        return 1;
    }
    struct ohost h;
    ohost_from_env(&h);
    size_t nr;
    const struct srv_route *routes = api_routes(&nr);
    const struct srv_config c = {.bind_host = h.host, .port = h.port, .routes = routes,
                                 .n_routes = nr, .app = &a, .origins = getenv("OLLAMA_ORIGINS")};
    struct srv *s = NULL;
    if (srv_start(&c, &s, &err)) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        sched_free(a.sched);
        api_cache_free(a.cache);
        rmdir(sock_dir);
        return 1;
    }
    const bool v6 = strchr(h.host, ':') != NULL;
    log_info("Listening on %s%s%s:%u (version %s)", v6 ? "[" : "", h.host[0] ? h.host : "[::]",
             v6 ? "]" : "", srv_port(s), API_OLLAMA_VERSION);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!stop_flag)
        pause();
    log_info("received %s, shutting down", stop_flag == SIGINT ? "interrupt" : "terminated");
    srv_stop(s);
    sched_free(a.sched);
    api_cache_free(a.cache);
    rmdir(sock_dir);
    return 0;
}

const struct cli_cmd cli_cmd_serve = {"serve", "Start ollama", usage, run};
