/* cmd_runner.c — `cola runner`: the per-model process the daemon starts
 * (runner.h); not meant to be run by hand. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "runner/runner.h"

static const char usage[] =
    "Serve one model for the daemon (internal)\n"
    "\n"
    "Usage:\n"
    "  cola runner --model FILE --socket PATH [--ctx N] [--parallel N] [--batch N] [--threads N]\n"
    "\n"
    "The daemon (cola serve) starts one runner per loaded model and speaks to it over the\n"
    "Unix socket; see src/runner/runner.h for the protocol.\n";

static int run(int argc, char **argv)
{
    struct runner_opts o = {.n_ctx = 4096, .parallel = 1};
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        if (i + 1 >= argc)
            return cli_usage_error(&cli_cmd_runner, "flag needs an argument: %s", f);
        const char *v = argv[++i];
        char *end;
        const long n = strtol(v, &end, 10);
        const bool is_num = *v && !*end && n >= 0 && n <= (1L << 24);
        if (!strcmp(f, "--model"))
            o.model = v;
        else if (!strcmp(f, "--socket"))
            o.socket_path = v;
        else if (!is_num)
            return cli_usage_error(&cli_cmd_runner, "invalid value \"%s\" for %s", v, f);
        else if (!strcmp(f, "--ctx"))
            o.n_ctx = (int32_t)n;
        else if (!strcmp(f, "--parallel"))
            o.parallel = (int32_t)n;
        else if (!strcmp(f, "--batch"))
            o.n_batch = (int32_t)n;
        else if (!strcmp(f, "--threads"))
            o.n_threads = (int32_t)n;
        else
            return cli_usage_error(&cli_cmd_runner, "unknown flag: %s", f);
    }
    if (!o.model || !o.socket_path)
        return cli_usage_error(&cli_cmd_runner, "--model and --socket are required");
    if (o.n_ctx < 4 || o.parallel < 1)
        return cli_usage_error(&cli_cmd_runner, "--ctx must be at least 4 and --parallel at least 1");
    return runner_main(&o);
}

const struct cli_cmd cli_cmd_runner = {"runner", "Serve one model for the daemon (internal)", usage,
                                       run};
