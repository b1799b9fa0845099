/* main.c — `cola` entry point: the command table and help. */
#include <locale.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* Ollama's commands in Ollama's order, then cola's own. */
static const struct cli_cmd *const commands[] = {
    &cli_cmd_serve,
    &cli_cmd_create,
    &cli_cmd_show,
    &cli_cmd_run,
    &cli_cmd_stop,
    &cli_cmd_pull,
    &cli_cmd_push,
    &cli_cmd_list,
    &cli_cmd_ps,
    &cli_cmd_cp,
    &cli_cmd_rm,
    &cli_cmd_bench,
    &cli_cmd_inspect,
    &cli_cmd_tokenize,
    &cli_cmd_detokenize,
    &cli_cmd_render,
    &cli_cmd_runner,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Other names of commands (Ollama's: `ls` for list); help lists them under
 * each command's "Aliases:". */
static const struct {
    const char *alias;
    const struct cli_cmd *cmd;
} aliases[] = {
    {"ls", &cli_cmd_list},
    {"start", &cli_cmd_serve},
};

static const struct cli_cmd *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i]->name, name))
            return commands[i];
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (!strcmp(aliases[i].alias, name))
            return aliases[i].cmd;
    return NULL;
}

static void print_main_help(FILE *f)
{
    fputs("cola — a local LLM runtime\n"
          "\n"
          "Usage:\n"
          "  cola [flags]\n"
          "  cola [command]\n"
          "\n"
          "Available Commands:\n", f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(f, "  %-12s %s\n", "help", "Help about any command");
    fputs("\n"
          "Flags:\n"
          "  -h, --help      help for cola\n"
          "  -v, --version   Show version information\n"
          "\n"
          "Use \"cola help [command]\" or \"cola [command] --help\" for more information about a command.\n",
          f);
}

void cli_print_usage(const struct cli_cmd *cmd, FILE *f)
{
    fputs(cmd->usage, f);
}

int cli_usage_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "Error: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun 'cola help %s' for usage.\n", cmd->name);
    return 2;
}

int cli_positional(const struct cli_cmd *cmd, int argc, char **argv, const char **args, int max,
                   int *n)
{
    bool dashdash = false;
    *n = 0;
    for (int i = 1; i < argc; i++) {
        if (!dashdash && !strcmp(argv[i], "--")) {
            dashdash = true;
            continue;
        }
        if (!dashdash && argv[i][0] == '-' && argv[i][1])
            return cli_usage_error(cmd, "unknown flag: %s", argv[i]);
        if (*n < max)
            args[*n] = argv[i];
        (*n)++;
    }
    return 0;
}

int cli_is_help(const char *arg)
{
    return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int main(int argc, char **argv)
{
    setlocale(LC_CTYPE, "");
    if (argc < 2) {
        print_main_help(stdout);
        return 0;
    }
    const char *name = argv[1];
    if (cli_is_help(name)) {
        print_main_help(stdout);
        return 0;
    }
    if (!strcmp(name, "-v") || !strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("cola version %s\n", COLA_VERSION);
        return 0;
    }
    if (!strcmp(name, "help")) {
        if (argc < 3) {
            print_main_help(stdout);
            return 0;
        }
        const struct cli_cmd *cmd = find_command(argv[2]);
        if (!cmd) {
            fprintf(stderr, "Error: unknown command \"%s\" for \"cola\"\n", argv[2]);
            return 2;
        }
        cli_print_usage(cmd, stdout);
        return 0;
    }
    const struct cli_cmd *cmd = find_command(name);
    if (!cmd) {
        fprintf(stderr, "Error: unknown command \"%s\" for \"cola\"\n"
                        "Run 'cola --help' for usage.\n", name);
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            break;
        if (cli_is_help(argv[i])) {
            cli_print_usage(cmd, stdout);
            return 0;
        }
    }
    return cmd->run(argc - 1, argv + 1);
}
