/* create.h — make a model in the store from a create request (a Modelfile's
 * mf_request), as Ollama's server does (STORE.md §5):
 *
 *   base layers   FROM a model (pulled from its registry first when it is not
 *                 in the store, as Ollama's parseFromModel): every layer of its manifest,
 *                 `from` = its shortest name, with its config's renderer,
 *                 parser, requires, model_format and capabilities; or FROM
 *                 GGUF files: each stored as a blob (hashed while copied) and
 *                 a model / adapter / projector layer by `general.type`;
 *   ADAPTER       a GGUF LoRA stored as an adapter layer;
 *   text layers   template (checked with the Go template parser; replaces),
 *                 system (replaces when given), license (each appended),
 *                 params (merged over the inherited ones: request keys win,
 *                 lists replaced; none when empty), messages (replace when
 *                 given) — in that order after the base layers;
 *   config        from the model layer's GGUF (family, type, file type);
 *   manifest      written last, atomically; then the blobs only the
 *                 replaced manifest used are removed.
 *
 * Every JSON blob is byte-identical to Ollama's (blobs_json.h), so the same
 * inputs make the same digests. cola does not rewrite the model layer
 * through llama-quantize, so a GGUF keeps its own digest. A GGUF whose
 * tokenizer.chat_template is one of Ollama's named templates (named.h) gets
 * that Go template and its stop list as layers ("using autodetected
 * template NAME"); otherwise no template layer is added and the chat code
 * renders the GGUF's Jinja template.
 *
 * Progress: fn(user, event) with Ollama's status strings — the pull's events
 * when FROM is pulled, {"copying file", digest, total, completed} while a
 * GGUF file is copied into the store (the CLI's "copying file sha256:… N%"), "parsing GGUF",
 * "using existing layer sha256:<hex>", "creating new layer sha256:<hex>",
 * "writing manifest", "success".
 *
 * On any error the store is left as it was: the manifest is untouched and
 * blobs this call created and nothing references are removed again.
 * Errors carry Ollama's texts where it has them ("invalid model name",
 * "template error: ...", "neither 'from' or 'files' was specified", ...).
 */
#ifndef COLA_STORE_CREATE_H
#define COLA_STORE_CREATE_H

#include "store/modelfile.h"
#include "store/store.h"
#include "store/transfer.h"
#include "util/err.h"

/* Create (or replace) the model `name` from r. pull: the registry options
 * for pulling a FROM model that is not in the store (NULL: the defaults,
 * https, as Ollama's create). fn may be NULL; its return value is ignored
 * except while pulling (nonzero cancels the pull). */
int create_model(const struct store *s, const char *name, const struct mf_request *r,
                 const struct xfer_opts *pull, xfer_progress_fn fn, void *user,
                 struct cola_err *err);

#endif
