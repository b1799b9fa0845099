/* run_api.h — `cola run NAME [PROMPT]` through the daemon (Ollama's
 * runHandler for a one-shot prompt): the model is looked up with
 * /api/show and pulled when the store lacks it, then /api/generate streams
 * the answer to stdout, followed by an empty line; --verbose prints
 * Ollama's timing summary to stderr. */
#ifndef COLA_CLI_RUN_API_H
#define COLA_CLI_RUN_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct run_api_opts {
    const char *model;
    const char *prompt;      /* "" with a terminal stdin: the interactive chat */
    json_t *options;         /* the sampling/load flags given, by Ollama's names (borrowed) */
    json_t *keep_alive;      /* NULL: the daemon's default (borrowed) */
    const char *format;      /* NULL or "json" */
    json_t *think;           /* NULL, true/false or a level (borrowed) */
    bool hide_thinking, shift_off, verbose, insecure;
};

/* The process exit status. No prompt with a terminal stdin: the
 * interactive chat (repl.h). */
int run_api(const struct run_api_opts *o);
/* Ollama's --verbose summary of a final chunk's metrics, to stderr. */
void run_api_summary(const json_t *final_chunk);

#endif
