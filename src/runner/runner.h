/* runner.h — `cola runner`: one loaded model in a process of its own, as
 * Ollama runs one llama-server per model, so that a crash or an
 * out-of-memory fails that model's requests only (issue 6 §3).
 *
 * The daemon starts `cola runner --model PATH --ctx N --parallel P
 * --socket PATH [--batch B] [--threads T]`. The runner loads the model,
 * makes one engine context with P sequences of N cells each, listens on
 * the Unix socket and writes "ready\n" on stdout. Each connection carries
 * one request, a JSON object on one line (at most RUNNER_MAX_REQUEST
 * bytes), and gets NDJSON lines back; the runner closes it after the last.
 *
 *   {"op":"health"}            → {"status":"ok","n_ctx":N,"parallel":P,"busy":k}
 *   {"op":"tokenize","content":S,"add_special":b}  → {"tokens":[...]}
 *   {"op":"detokenize","tokens":[...]}             → {"content":S}, as
 *        llama_detokenize(remove_special) makes it: a leading BOS / trailing
 *        EOS the vocab adds dropped, control tokens rendered as nothing
 *   {"op":"completion","prompt":S,"options":{...},"shift":b}
 *        → {"content":S} for each piece of final text (whole UTF-8
 *          characters, stop strings cut), then one last line
 *          {"done":true,"done_reason":"stop"|"length","prompt_eval_count":n,
 *           "prompt_eval_duration":ns,"eval_count":n,"eval_duration":ns}
 *          or {"error":S}.
 *   options: temperature, top_k, top_p, min_p, typical_p, repeat_last_n,
 *   repeat_penalty, presence_penalty, frequency_penalty, seed,
 *   num_predict, num_keep, stop (array of strings) — already validated by
 *   the daemon; wrong types are ignored here.
 *
 * The prompt is tokenized with the vocab's BOS (unless the text already
 * starts with it) and control tokens parsed, as llama-server does.
 * Completions run in the engine's slots (slots.h): up to P at once,
 * batched into one forward pass per step; more wait their turn. A client
 * that goes away has its slot cancelled at the next step.
 */
#ifndef COLA_RUNNER_RUNNER_H
#define COLA_RUNNER_RUNNER_H

#include <stdint.h>

#define RUNNER_MAX_REQUEST ((size_t)256 << 20)

struct runner_opts {
    const char *model;
    const char *socket_path;
    int32_t n_ctx;       /* per sequence */
    int32_t parallel;    /* sequences */
    int32_t n_batch;     /* 0: the engine's default */
    int32_t n_threads;   /* 0: physical cores */
};

/* Run until SIGTERM/SIGINT; returns the process exit status. */
int runner_main(const struct runner_opts *o);

#endif
