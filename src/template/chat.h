/* chat.h — choosing and running a model's chat template (issue 5 §4):
 * the model's Go TEMPLATE when it has one; otherwise the GGUF's Jinja
 * tokenizer.chat_template; otherwise Ollama's default "{{ .Prompt }}"
 * (each turn's text concatenated). chat_render is a prompt_render_fn, so
 * prompt_chat (truncation, image tags) works over all three.
 *
 * A Jinja template is rendered as transformers / llama.cpp call it:
 * messages, tools (when there are any), add_generation_prompt = true,
 * bos_token and eos_token (the vocab's texts, "" when unknown).
 */
#ifndef COLA_TEMPLATE_CHAT_H
#define COLA_TEMPLATE_CHAT_H

#include "template/gotmpl.h"
#include "template/jinja2.h"
#include "template/prompt.h"

enum chat_kind { CHAT_GO, CHAT_JINJA, CHAT_DEFAULT };

struct chat_tmpl {
    enum chat_kind kind;
    struct gotmpl *go;       /* CHAT_GO and CHAT_DEFAULT */
    struct jinja2 *jinja;    /* CHAT_JINJA */
    char *bos, *eos;
    time_t now;              /* for tests: 0 = now */
};

/* go_src / jinja_src may be NULL or empty. Errors: the template's parse
 * error ("template: ..." / "jinja: line N: ..."). Free with chat_free. */
int chat_init(struct chat_tmpl *c, const char *go_src, const char *jinja_src, const char *bos,
              const char *eos, struct cola_err *err);
void chat_free(struct chat_tmpl *c);
const char *chat_kind_name(enum chat_kind k);
/* prompt_render_fn over a struct chat_tmpl. */
int chat_render(void *c, const json_t *messages, const json_t *tools,
                const struct prompt_think *think, struct buf *out, struct cola_err *err);

/* The stop strings of a chat with template kind k: the "stop" list in
 * effect (the request's options, else the model's params; NULL: none),
 * then, for a Jinja template, the model's end-of-generation token texts
 * (model_chat's eog) that the list lacks: a Jinja model has no params
 * layer naming its end-of-turn marker. Strings only, duplicates dropped,
 * in order. A new array; NULL when out of memory. */
json_t *chat_stops(enum chat_kind k, const json_t *stop, const json_t *eog);

#endif
