/* repl.h — `cola run NAME` on a terminal: Ollama's interactive chat
 * (CLI.md §3) over the daemon's /api/chat, on libedit.
 *
 * Prompt ">>> " (continuation "... "); history in ~/.ollama/history unless
 * OLLAMA_NOHISTORY; `"""` starts and ends a multi-line message; commands
 * /set parameter|system|history|nohistory|wordwrap|nowordwrap|format|
 * noformat|verbose|quiet|think|nothink, /show info|license|modelfile|
 * parameters|system|template, /load, /save, /clear, /list, /bye, /exit,
 * /? and /help. The model's MESSAGE history is shown first. Answers stream
 * word-wrapped to the terminal width; Ctrl-C stops an answer (the REPL
 * goes on), Ctrl-D on an empty line or /bye leaves.
 */
#ifndef COLA_CLI_REPL_H
#define COLA_CLI_REPL_H

#include "cli/run_api.h"

/* The process exit status. */
int repl_run(const struct run_api_opts *o);

#endif
