/* jinja2.h — Jinja chat templates (a GGUF's tokenizer.chat_template), the
 * subset real chat templates use, rendered as the reference implementation
 * @huggingface/jinja renders them (the oracle of the acceptance test):
 *
 *   source     HF's preprocessing (one trailing newline dropped,
 *              lstrip_blocks and trim_blocks on, {% generation %} tags
 *              removed), {{ }} {% %} {# #} with the - trim markers;
 *   statements if/elif/else, for (tuple targets, loop.index/index0/first/
 *              last/length/revindex/revindex0/previtem/nextitem, an inline
 *              if filter, else), set (targets, namespace attributes, block
 *              set), macro and call, filter blocks, break/continue;
 *   expressions literals, lists, dicts, tuples, attribute/subscript/slice
 *              access, calls with keyword arguments, arithmetic, ~,
 *              comparisons, in / not in, and/or/not, a if c else b,
 *              filters and tests, string/list/dict methods, namespace(),
 *              range(), raise_exception(), strftime_now();
 *   values     printed as the oracle prints them: true/false, none and
 *              undefined as "", floats with a ".0", lists and dicts as
 *              JSON with ", " and ": ".
 * Anything else (an unknown filter, test, method or statement) is an
 * error naming it — never a silently different prompt.
 *
 * Limits: source size, nesting, recursion and steps are bounded; the
 * output by the buf's maximum; memory by JINJA2_MAX_SCRATCH.
 * A parsed template is immutable and may be rendered from several threads.
 */
#ifndef COLA_TEMPLATE_JINJA2_H
#define COLA_TEMPLATE_JINJA2_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "util/buf.h"
#include "util/err.h"

#define JINJA2_MAX_SOURCE (4u << 20)
#define JINJA2_MAX_NEST 200
#define JINJA2_MAX_STEPS 20000000ul
#define JINJA2_MAX_DEPTH 200            /* macro calls */
#define JINJA2_MAX_VALUE_DEPTH 200      /* lists/dicts inside each other, printed or from ctx */
#define JINJA2_MAX_SCRATCH ((size_t)256 << 20)

struct jinja2;

/* Parse src; *out is a new template (jinja2_free). COLA_EFORMAT with
 * "jinja: line N: ..." in err, COLA_ERANGE for the limits, COLA_ENOMEM. */
int jinja2_parse(const char *src, size_t len, struct jinja2 **out, struct cola_err *err);
void jinja2_free(struct jinja2 *t);

struct jinja2_opts {
    time_t now;                 /* strftime_now(); 0 = time(NULL) */
    unsigned long max_steps;    /* 0 = JINJA2_MAX_STEPS */
};

/* Render with the variables of ctx (a JSON object: messages, tools,
 * add_generation_prompt, bos_token, eos_token, ...), appending to out.
 * 0, COLA_EFORMAT (a template error or raise_exception, its message in
 * err), COLA_ENOMEM, COLA_ERANGE. opts may be NULL. */
int jinja2_render(const struct jinja2 *t, const json_t *ctx, struct buf *out,
                  const struct jinja2_opts *opts, struct cola_err *err);

#endif
