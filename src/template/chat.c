/* chat.c — a model's chat template: Go, Jinja or the default (chat.h). */
#include "template/chat.h"

#include <stdlib.h>
#include <string.h>

int chat_init(struct chat_tmpl *c, const char *go_src, const char *jinja_src, const char *bos,
              const char *eos, struct cola_err *err)
{
    memset(c, 0, sizeof(*c));
    c->bos = strdup(bos ? bos : "");
    c->eos = strdup(eos ? eos : "");
    if (!c->bos || !c->eos) {
        chat_free(c);
        return err_set(err, COLA_ENOMEM, "out of memory");
    }
    int rc;
    if (go_src && *go_src) {
        c->kind = CHAT_GO;
        rc = gotmpl_parse_ollama(go_src, strlen(go_src), &c->go, err);
    } else if (jinja_src && *jinja_src) {
        c->kind = CHAT_JINJA;
        rc = jinja2_parse(jinja_src, strlen(jinja_src), &c->jinja, err);
    } else {
        c->kind = CHAT_DEFAULT;
        rc = gotmpl_parse_ollama("{{ .Prompt }}", 13, &c->go, err);
    }
    if (rc)
        chat_free(c);
    return rc;
}

void chat_free(struct chat_tmpl *c)
{
    gotmpl_free(c->go);
    jinja2_free(c->jinja);
    free(c->bos);
    free(c->eos);
    memset(c, 0, sizeof(*c));
}

const char *chat_kind_name(enum chat_kind k)
{
    return k == CHAT_GO ? "go" : k == CHAT_JINJA ? "jinja" : "default";
}

int chat_render(void *user, const json_t *messages, const json_t *tools,
                const struct prompt_think *think, struct buf *out, struct cola_err *err)
{
    struct chat_tmpl *c = user;
    if (c->kind != CHAT_JINJA) {
        const struct prompt_values v = {.messages = messages, .tools = tools, .think = *think,
                                        .now = c->now};
        return prompt_exec(c->go, &v, out, err);
    }
    json_t *ctx = json_object();
    if (!ctx || json_object_set_new(ctx, "messages", messages ? json_incref((json_t *)messages)
                                                              : json_array()) ||
        json_object_set_new(ctx, "add_generation_prompt", json_true()) ||
        json_object_set_new(ctx, "bos_token", json_string(c->bos)) ||
        json_object_set_new(ctx, "eos_token", json_string(c->eos)) ||
        (json_array_size(tools) > 0 && json_object_set(ctx, "tools", (json_t *)tools))) {
        json_decref(ctx);
        return err_set(err, COLA_ENOMEM, "out of memory");
    }
    const struct jinja2_opts o = {.now = c->now};
    const int rc = jinja2_render(c->jinja, ctx, out, &o, err);
    json_decref(ctx);
    return rc;
}

static bool has_string(const json_t *a, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        if (!strcmp(json_string_value(v), s))
            return true;
    }
    return false;
}

/* Append the strings of src that out lacks. */
static int add_new(json_t *out, const json_t *src)
{
    size_t i;
    const json_t *v;
    json_array_foreach(src, i, v)
    {
        const char *s = json_string_value(v);
        if (s && !has_string(out, s) && json_array_append(out, (json_t *)v))
            return -1;
    }
    return 0;
}

json_t *chat_stops(enum chat_kind k, const json_t *stop, const json_t *eog)
{
    json_t *out = json_array();
    if (out && (add_new(out, stop) || (k == CHAT_JINJA && add_new(out, eog)))) {
        json_decref(out);
        out = NULL;
    }
    return out;
}
