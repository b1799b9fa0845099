/* infer.h — what Ollama reads out of a Go template's tree besides
 * rendering it (TEMPLATES.md §3, §4):
 *
 *   infer_tool_tag    tools.parseTag: the text that starts a tool call in
 *                     the model's output — the first non-blank text inside
 *                     the first {{ if }} whose condition names ToolCalls
 *                     (searched through nested if/range/with, stopping at
 *                     actions), "\r\n" made "\n", cut at the first "{",
 *                     trimmed; "{" when there is none or it is empty.
 *   infer_think_tags  thinking.InferTags: for a .Thinking field whose
 *                     nearest enclosing range iterates .Messages, the
 *                     trimmed first and last text nodes of the nearest
 *                     enclosing list (the last such field wins; a list
 *                     whose first/last node is not text leaves that tag as
 *                     it was). Both non-empty ⇒ the "thinking" capability.
 *
 * Both walk only the top-level template, as Ollama does. Results are
 * copied into caller buffers (truncated to cap, always NUL-terminated).
 */
#ifndef COLA_TEMPLATE_INFER_H
#define COLA_TEMPLATE_INFER_H

#include <stddef.h>

#include "template/gotmpl.h"

void infer_tool_tag(const struct gotmpl *t, char *tag, size_t cap);
void infer_think_tags(const struct gotmpl *t, char *open, size_t open_cap, char *close,
                      size_t close_cap);

#endif
