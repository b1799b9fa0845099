/* api_gen.h — the generation routes: /api/generate and /api/chat
 * (API.md §3, §4), over the scheduler (sched.h) and the chat templates. */
#ifndef COLA_SERVER_API_GEN_H
#define COLA_SERVER_API_GEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/http.h"
#include "util/err.h"

void api_h_generate(struct srv_req *r);
void api_h_chat(struct srv_req *r);
void api_h_tokenize(struct srv_req *r);
void api_h_detokenize(struct srv_req *r);

/* The options in effect: the model's params with the request's options
 * over them, each checked as Ollama's Options.FromMap ("option \"top_k\"
 * must be of type integer"); unknown keys dropped; integers truncated. */
int api_options(const json_t *params, const json_t *req, json_t **out, struct cola_err *err);
/* keep_alive as Ollama's Duration: a number of seconds, a Go duration
 * string; negative = forever (-1 here). Errors: "time: missing unit in
 * duration \"-1\"", "Unsupported type: 'bool'". */
int api_keep_alive(const json_t *v, int64_t *out, bool *set, struct cola_err *err);
/* OLLAMA_KEEP_ALIVE (5m default; bare integers are seconds). */
int64_t api_env_keep_alive(void);

#endif
