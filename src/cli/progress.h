/* progress.h — Ollama's progress display for long CLI operations (pull,
 * push, create): a list of lines on stderr, each a spinner (a status that
 * is running: "pulling manifest ⠹") or a bar (one per blob digest).
 *
 * On a terminal the lines are redrawn in place every 100 ms by a thread of
 * the display, with Ollama's escape sequences (progress/progress.go) and
 * its bar layout (progress/bar.go):
 *
 *   <message> <pct>% ▕<█ × n><spaces>▏ <cur>/<max>  <rate>/s  <eta>
 *
 * where the bar fills what the terminal's width leaves, cur and max are
 * HumanBytes right-aligned in 6 columns, the rate is taken over the last ten
 * one-second buckets and the ETA is "59m59s"-style ("1h5m", "99h+"); a
 * finished bar shows only "<max>" and blank columns. Off a terminal nothing
 * is redrawn: each status prints one line when it starts and each bar one
 * line ("<message> 100% <max>") when it completes, for logs and tests.
 *
 * Ownership and threads: a struct prog is created and freed by one thread;
 * prog_status/prog_bar may be called from any thread (a mutex guards the
 * lines). Strings are copied.
 */
#ifndef COLA_CLI_PROGRESS_H
#define COLA_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct prog;

/* A display writing to stderr; live when tty. NULL when out of memory. */
struct prog *prog_open(bool tty);
/* A new status: stops the running spinner and starts one for status,
 * unless status equals the last one (as Ollama's handlers compare). */
void prog_status(struct prog *p, const char *status);
/* Change the running spinner's message in place (Ollama's SetMessage:
 * "copying file sha256:… 42%"), starting a spinner when none runs. Off a
 * terminal the message is printed only when final. */
void prog_status_set(struct prog *p, const char *message, bool final);
/* Set the bar keyed by key (a digest) to completed of total, creating it
 * with message the first time; stops the running spinner. */
void prog_bar(struct prog *p, const char *key, const char *message, int64_t total,
              int64_t completed);
/* Stop: spinners stop, the lines are drawn a last time and a newline ends
 * them (Ollama's Progress.Stop). Frees p. NULL is a no-op. */
void prog_close(struct prog *p);

/* An xfer_progress_fn (store/transfer.h) drawing a pull on the display p
 * (user): statuses as spinners, each blob as "pulling <hex12>:" bar (a
 * blob's first report with nothing done is not drawn, as Ollama's pull
 * handler). Always returns 0. */
struct xfer_event;
int prog_pull_event(void *user, const struct xfer_event *e);

/* Ollama's bar line for the given state, for a terminal of width columns,
 * into out (truncated to cap). Exposed for the display and its tests. */
struct prog_bar_state {
    const char *message;
    int64_t max, initial, current;
    bool stopped;
    double rate; /* bytes/s, <= 0 when unknown */
};
void prog_bar_render(const struct prog_bar_state *b, int width, char *out, size_t cap);
/* Ollama's formatDuration of whole seconds: "0s", "59s", "1m0s", "59m59s",
 * "1h0m", "99h+". */
void prog_duration(int64_t secs, char *out, size_t cap);

#endif
