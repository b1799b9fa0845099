/* fuzz_jinja.c — libFuzzer target for the Jinja engine: every input is
 * parsed as a template and, when it parses, rendered against a fixed chat
 * context (messages with a tool call, tools, flags, tokens) with a small
 * output maximum and step limit. It must never crash, leak or hang;
 * errors are fine. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "template/jinja2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ctx_text[] =
    "{\"messages\": [{\"role\": \"system\", \"content\": \"sys\"}, {\"role\": \"user\", \"content\": "
    "\"Hi <&> é\"}, {\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": [{\"function\": "
    "{\"name\": \"f\", \"arguments\": {\"a\": 1.5, \"b\": [null, true]}}}]}, {\"role\": \"tool\", "
    "\"content\": \"42\"}], \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", "
    "\"parameters\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"number\"}}}}}], "
    "\"add_generation_prompt\": true, \"bos_token\": \"<s>\", \"eos_token\": \"</s>\"}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *ctx;
    if (!ctx)
        ctx = json_loads(ctx_text, 0, NULL);
    struct jinja2 *t = NULL;
    struct cola_err err = {0};
    if (jinja2_parse((const char *)data, size, &t, &err))
        return 0;
    struct buf out;
    buf_init(&out, 1 << 16);
    const struct jinja2_opts o = {.now = 1768478400, .max_steps = 20000};
    jinja2_render(t, ctx, &out, &o, &err);
    buf_free(&out);
    jinja2_free(t);
    return 0;
}
