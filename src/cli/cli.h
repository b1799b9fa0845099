/* cli.h — the `cola` command line: one binary, subcommands in a table.
 *
 * Each command lives in its own cmd_<name>.c and exports a struct cli_cmd.
 * main.c holds the table, dispatches, and prints `cola --help` and
 * `cola help CMD` from the table, so help cannot drift from what exists.
 * A command's run() gets argv with argv[0] = the command name and returns
 * the process exit status (0 ok, 1 runtime error, 2 usage error).
 */
#ifndef COLA_CLI_CLI_H
#define COLA_CLI_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

struct cli_cmd {
    const char *name;
    const char *summary;   /* one line for `cola --help` */
    const char *usage;     /* full text for `cola help CMD` / `cola CMD --help` */
    int (*run)(int argc, char **argv);
};

extern const struct cli_cmd cli_cmd_serve;
extern const struct cli_cmd cli_cmd_run;
extern const struct cli_cmd cli_cmd_ps;
extern const struct cli_cmd cli_cmd_stop;
extern const struct cli_cmd cli_cmd_bench;
extern const struct cli_cmd cli_cmd_inspect;
extern const struct cli_cmd cli_cmd_tokenize;
extern const struct cli_cmd cli_cmd_detokenize;
extern const struct cli_cmd cli_cmd_render;
extern const struct cli_cmd cli_cmd_runner;
extern const struct cli_cmd cli_cmd_list;
extern const struct cli_cmd cli_cmd_cp;
extern const struct cli_cmd cli_cmd_rm;
extern const struct cli_cmd cli_cmd_create;
extern const struct cli_cmd cli_cmd_pull;
extern const struct cli_cmd cli_cmd_push;
extern const struct cli_cmd cli_cmd_show;

/* Print `cola show MODEL`'s sections (Model, Capabilities, ...) of an
 * /api/show answer to stdout (cmd_show.c; the REPL's /show info too). */
void cli_show_info(json_t *show, bool verbose);

/* Print cmd's usage to f. */
void cli_print_usage(const struct cli_cmd *cmd, FILE *f);
/* Print "cola CMD: msg" to stderr and return 2 (usage error). */
int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Collect the positional arguments of a command without flags (argv[1..];
 * after "--" everything is positional) into args[0..max) and their count in
 * *n (it may exceed max). An argument that looks like a flag is a usage
 * error: returns 2 after printing "unknown flag"; else 0. */
int cli_positional(const struct cli_cmd *cmd, int argc, char **argv, const char **args, int max,
                   int *n);
/* True if arg is -h or --help. */
int cli_is_help(const char *arg);

#endif
