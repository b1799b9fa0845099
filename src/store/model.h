/* model.h — the parts of a model in the store that running it needs (what
 * Ollama's GetModel reads): the model GGUF's path, the Go template, the
 * system prompt, the MESSAGE history, the params, whether it has a
 * projector, and the config's renderer/parser. The daemon's chat and
 * generate handlers and `cola render` use it.
 *
 * Errors: COLA_EINVAL "invalid model name", COLA_ENOTFOUND "model 'x' not
 * found", or what the store says about a broken layer. Free with
 * model_free (also after a failure).
 */
#ifndef COLA_STORE_MODEL_H
#define COLA_STORE_MODEL_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>

#include "store/store.h"
#include "util/err.h"

#define MODEL_TEXT_MAX ((size_t)16 << 20) /* bytes of one text layer */

struct model {
    char model_path[PATH_MAX];  /* "" when the manifest has no model layer */
    char *template_;            /* NULL when there is no template layer */
    char *system;               /* NULL when there is no system layer */
    json_t *messages;           /* array, NULL when none */
    json_t *params;             /* object, NULL when none */
    bool projector;
    json_t *config;             /* the config blob (object), NULL when unreadable */
};

int model_load(const struct store *s, const char *name, struct model *m, struct cola_err *err);
void model_free(struct model *m);

/* What a GGUF says about chatting with it: its Jinja tokenizer.chat_template,
 * the texts of its BOS and EOS tokens, and the texts of its end-of-generation
 * tokens (EOS, EOT, EOM and the vocab's other end-of-turn tokens, in id
 * order, empty texts left out). Missing pieces stay NULL (eog: an empty
 * array); a vocab that does not load only loses the token texts. Errors:
 * the GGUF does not open. Free with model_chat_free (also after a failure). */
struct model_chat {
    char *jinja, *bos, *eos;
    json_t *eog;
};
int model_chat_read(const char *gguf_path, struct model_chat *c, struct cola_err *err);
void model_chat_free(struct model_chat *c);

#endif
