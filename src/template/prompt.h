/* prompt.h — Ollama's prompt building over a Go chat template
 * (TEMPLATES.md §2, server/prompt.go):
 *
 *   prompt_exec     Template.Execute: collate the messages (consecutive
 *                   messages of one role merged with "\n\n", tool messages
 *                   kept apart; System = every system content joined by
 *                   "\n\n"), then one of three modes —
 *                     FIM       prompt and suffix both non-empty: the root
 *                               is {Prompt, Suffix, Response:"", Think...};
 *                     messages  the template names .Messages: {System,
 *                               Messages, Tools, Response:"", Think...};
 *                     legacy    otherwise: the template runs once per
 *                               finished turn with {System, Prompt,
 *                               Response}, then once more on a copy of the
 *                               tree cut right after the first {{ .Response }}
 *                               action (Ollama's deleteNode), so the prompt
 *                               ends where the answer goes and a trailing
 *                               assistant message is a prefill.
 *   prompt_chat     chatPrompt: when truncating, drop the oldest messages
 *                   until the rendered prompt's token count (+768 per image
 *                   with a projector) fits num_ctx, keeping the system
 *                   messages of the dropped part and always the last
 *                   message; then tag images [img-N] ("[img]" in the text
 *                   is replaced, otherwise tags are prefixed) and render.
 *
 * Messages and tools are JSON in Ollama's API shapes (api.Message: role,
 * content, thinking, images as base64, tool_calls [{id, function: {index,
 * name, arguments}}], tool_name, tool_call_id; api.Tool: type, items,
 * function {name, description, parameters {type, $defs, items, required,
 * properties}}), converted to the Go values Ollama's templates see
 * (templateMessage, templateTool, ... with their printing rules). A value
 * of the wrong JSON type is an error (COLA_EINVAL), as Go's decoder would
 * refuse the request.
 *
 * Rendering is a template *execution*: the render callback lets prompt_chat
 * drive Go, Jinja (chat.h) or plain templates alike. Memory: values live in
 * a tv_arena for one call; nothing is kept.
 */
#ifndef COLA_TEMPLATE_PROMPT_H
#define COLA_TEMPLATE_PROMPT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "template/gotmpl.h"
#include "util/buf.h"
#include "util/err.h"

#define PROMPT_MAX_MESSAGES 100000
#define PROMPT_IMAGE_TOKENS 768      /* what a projector image counts for */

/* The request's "think": unset, a bool, or a level ("high", "medium",
 * "low", "max"). Think = on; ThinkLevel = the level, "medium" for true,
 * "" otherwise; IsThinkSet = set. */
struct prompt_think {
    bool set;
    bool on;
    const char *level;   /* "" when none */
};

/* Parse a request's "think" value (NULL = unset). COLA_EINVAL for another
 * JSON type. */
int prompt_think_from_json(const json_t *v, struct prompt_think *out, struct cola_err *err);

struct prompt_values {
    const json_t *messages;   /* array of api.Message (may be NULL) */
    const json_t *tools;      /* array of api.Tool (NULL: none) */
    const char *prompt;       /* FIM: generate's prompt ... */
    const char *suffix;       /* ... and suffix */
    struct prompt_think think;
    bool force_legacy;        /* Ollama's test-only switch */
    time_t now;               /* currentDate; 0 = time(NULL) */
};

/* Template.Execute of t (parsed with gotmpl_parse_ollama) over v, appended
 * to out. 0, COLA_EINVAL (bad message/tool JSON), or the template's
 * execution error (gotmpl_exec's codes). */
int prompt_exec(const struct gotmpl *t, const struct prompt_values *v, struct buf *out,
                struct cola_err *err);

/* Render messages (+tools, think) into out: one of prompt_exec, a Jinja
 * render, ... (chat.h). 0 or an error code with err set. */
typedef int (*prompt_render_fn)(void *user, const json_t *messages, const json_t *tools,
                                const struct prompt_think *think, struct buf *out,
                                struct cola_err *err);
/* Count the tokens of text (the model's tokenizer). 0 or an error. */
typedef int (*prompt_count_fn)(void *user, const char *text, size_t len, size_t *n,
                               struct cola_err *err);

struct prompt_chat_opts {
    prompt_render_fn render;
    void *render_user;
    prompt_count_fn count;    /* needed when truncate */
    void *count_user;
    int num_ctx;
    bool truncate;
    bool projector;           /* the model has a projector: images cost tokens */
    bool no_image_tags;       /* a built-in renderer model: images not tagged */
    bool one_image_only;      /* mllama: more than one image per message is an error */
    size_t max_prompt;        /* out's budget per render (0: 64 MiB) */
};

/* chatPrompt: the prompt for messages (an array of api.Message) into out;
 * *n_images (may be NULL) receives the number of images kept, tagged
 * [img-0] ... in order. */
int prompt_chat(const struct prompt_chat_opts *o, const json_t *messages, const json_t *tools,
                const struct prompt_think *think, struct buf *out, size_t *n_images,
                struct cola_err *err);

/* A prompt_render_fn executing the Go template user (a struct gotmpl *)
 * with prompt_exec. */
int prompt_render_go(void *user, const json_t *messages, const json_t *tools,
                     const struct prompt_think *think, struct buf *out, struct cola_err *err);

/* Build the root values (exposed for tests and the Jinja side): the
 * template message list of collated messages; the System string is
 * written to *system (arena memory). NULL with err set on failure. */
struct tv *prompt_messages_tv(struct tv_arena *a, const json_t *messages, const char **system,
                              struct cola_err *err);
struct tv *prompt_tools_tv(struct tv_arena *a, const json_t *tools, struct cola_err *err);

#endif
