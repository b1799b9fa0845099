/* prompt.c — Ollama's Template.Execute (three modes, the legacy per-turn
 * execution and its cut after .Response) and chatPrompt (truncation and
 * image tags). See prompt.h. */
#include "template/prompt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROMPT_SCRATCH ((size_t)256 << 20) /* bytes of template values per call */
#define PROMPT_MAX_OUT ((size_t)64 << 20)

int prompt_think_from_json(const json_t *v, struct prompt_think *out, struct cola_err *err)
{
    *out = (struct prompt_think){.level = ""};
    if (!v)
        return 0;
    if (json_is_boolean(v)) {
        out->set = true;
        out->on = json_is_true(v);
        out->level = out->on ? "medium" : "";
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        out->set = true;
        out->level = s;
        out->on = !strcmp(s, "high") || !strcmp(s, "medium") || !strcmp(s, "low") ||
                  !strcmp(s, "max");
        return 0;
    }
    if (json_is_null(v))
        return 0;
    return err_set(err, COLA_EINVAL, "think must be a boolean or string");
}

/* ---------------------------------------------------------------- the cut */

/* Ollama's deleteNode with its predicate: walking the tree in order, the
 * first field node naming Response is kept and sets cut; every node
 * visited after that is deleted. (Branch conditions are not walked, as
 * Go's walk does not; an else list visited after the cut is dropped.) */
struct cutter {
    bool cut;
};

static bool cut_here(struct cutter *c, const struct gt_node *n)
{
    if (n->type == GT_FIELD) {
        for (size_t i = 0; i < n->u.field.n; i++)
            if (!strcmp(n->u.field.idents[i], "Response"))
                c->cut = true;
        return false;
    }
    return c->cut;
}

static struct gt_node *cut_walk(struct cutter *c, struct gt_node *n);

static struct gt_pipe *cut_pipe(struct cutter *c, struct gt_pipe *p)
{
    if (c->cut) /* the pipe node itself */
        return NULL;
    for (size_t i = 0; i < p->n; i++) {
        struct gt_cmd *cmd = p->cmds[i];
        size_t k = 0;
        for (size_t j = 0; j < cmd->n; j++) {
            struct gt_node *a = cut_walk(c, cmd->args[j]);
            if (a)
                cmd->args[k++] = a;
        }
        cmd->n = k;
        if (k == 0)
            return NULL;
    }
    return p;
}

static struct gt_node *cut_walk(struct cutter *c, struct gt_node *n)
{
    if (cut_here(c, n))
        return NULL;
    switch (n->type) {
    case GT_LIST: {
        size_t k = 0;
        for (size_t i = 0; i < n->u.list.n; i++) {
            struct gt_node *x = cut_walk(c, n->u.list.nodes[i]);
            if (x)
                n->u.list.nodes[k++] = x;
        }
        n->u.list.n = k;
        return n;
    }
    case GT_IF:
    case GT_WITH:
    case GT_RANGE: {
        struct gt_node *l = cut_walk(c, n->u.branch.list);
        if (l)
            n->u.branch.list = l;
        else
            n->u.branch.list->u.list.n = 0;
        if (n->u.branch.else_list)
            n->u.branch.else_list = cut_walk(c, n->u.branch.else_list);
        return n;
    }
    case GT_ACTION:
        return (n->u.pipe = cut_pipe(c, n->u.pipe)) ? n : NULL;
    case GT_PIPE:
        return (n->u.pipe = cut_pipe(c, n->u.pipe)) ? n : NULL;
    default:
        return n;
    }
}

/* ---------------------------------------------------------------- execute */

static int set_think(struct tv_arena *a, struct tv *root, const struct prompt_think *t)
{
    struct tv *on = tv_bool(a, t->on), *lvl = tv_cstr(a, t->level ? t->level : ""),
              *set = tv_bool(a, t->set);
    if (!on || !lvl || !set || tv_map_set(a, root, "Think", 5, on) ||
        tv_map_set(a, root, "ThinkLevel", 10, lvl) || tv_map_set(a, root, "IsThinkSet", 10, set))
        return COLA_ENOMEM;
    return 0;
}

static int set_str(struct tv_arena *a, struct tv *root, const char *k, const char *v)
{
    struct tv *s = tv_cstr(a, v ? v : "");
    return s && !tv_map_set(a, root, k, strlen(k), s) ? 0 : COLA_ENOMEM;
}

static const char *field_str(const struct tv *st, const char *k)
{
    const struct tv *v = tv_get(st, k, strlen(k));
    return v && v->kind == TV_STRING ? v->u.s.p : "";
}

/* One legacy execution: {System, Prompt, Response, Think...} over t. */
static int legacy_once(const struct gotmpl *t, struct tv_arena *a, const struct prompt_values *v,
                       const char *system, const char *prompt, const char *response,
                       struct buf *out, struct cola_err *err)
{
    struct tv *root = tv_map(a);
    if (!root || set_str(a, root, "System", system) || set_str(a, root, "Prompt", prompt) ||
        set_str(a, root, "Response", response) || set_think(a, root, &v->think))
        return err_set(err, COLA_ENOMEM, "out of memory building the template values");
    const struct gotmpl_exec_opts eo = {.now = v->now};
    return gotmpl_exec(t, root, out, &eo, err);
}

static int exec_legacy(const struct gotmpl *t, struct tv_arena *a, const struct tv *msgs,
                       const struct prompt_values *v, struct buf *out, struct cola_err *err)
{
    const char *system = "", *prompt = "", *response = "";
    int rc = 0;
    for (size_t i = 0; !rc && i < msgs->u.list.len; i++) {
        const struct tv *m = msgs->u.list.items[i];
        const char *role = field_str(m, "Role"), *content = field_str(m, "Content");
        const bool flush = (!strcmp(role, "system") && (*prompt || *response)) ||
                           (!strcmp(role, "user") && *response);
        if (flush) {
            rc = legacy_once(t, a, v, system, prompt, response, out, err);
            system = prompt = response = "";
        }
        if (!strcmp(role, "system"))
            system = content;
        else if (!strcmp(role, "user"))
            prompt = content;
        else if (!strcmp(role, "assistant"))
            response = content;
    }
    if (rc)
        return rc;
    /* the last turn on a copy of the tree that ends after .Response */
    struct gotmpl *cut = NULL;
    struct cola_err perr = {0};
    if ((rc = gotmpl_parse_ollama(t->src, t->src_len, &cut, &perr)))
        return err_set(err, rc, "%s", err_msg(&perr));
    struct cutter c = {false};
    cut_walk(&c, cut->defs[0].root);
    cut->ndefs = 1; /* Go executes the cut tree as a new template without definitions */
    rc = legacy_once(cut, a, v, system, prompt, response, out, err);
    gotmpl_free(cut);
    return rc;
}

int prompt_exec(const struct gotmpl *t, const struct prompt_values *v, struct buf *out,
                struct cola_err *err)
{
    struct tv_arena a;
    tv_arena_init(&a, PROMPT_SCRATCH);
    const struct gotmpl_exec_opts eo = {.now = v->now};
    const char *system = "";
    int rc;
    struct tv *root = tv_map(&a);
    if (!root) {
        rc = err_set(err, COLA_ENOMEM, "out of memory building the template values");
        goto out;
    }
    if (v->prompt && *v->prompt && v->suffix && *v->suffix) { /* FIM */
        if (set_str(&a, root, "Prompt", v->prompt) || set_str(&a, root, "Suffix", v->suffix) ||
            set_str(&a, root, "Response", "") || set_think(&a, root, &v->think)) {
            rc = err_set(err, COLA_ENOMEM, "out of memory building the template values");
            goto out;
        }
        rc = gotmpl_exec(t, root, out, &eo, err);
        goto out;
    }
    struct tv *msgs = prompt_messages_tv(&a, v->messages, &system, err);
    if (!msgs) {
        rc = err->code ? err->code : COLA_ENOMEM;
        goto out;
    }
    if (!v->force_legacy && gotmpl_has_var(t, "messages")) {
        struct tv *tools = prompt_tools_tv(&a, v->tools, err);
        if (!tools) {
            rc = err->code ? err->code : COLA_ENOMEM;
            goto out;
        }
        if (msgs->u.list.len == 0)
            msgs->flags |= TV_F_TYPED; /* collate of no messages is a nil slice */
        if (set_str(&a, root, "System", system) || tv_map_set(&a, root, "Messages", 8, msgs) ||
            tv_map_set(&a, root, "Tools", 5, tools) || set_str(&a, root, "Response", "") ||
            set_think(&a, root, &v->think)) {
            rc = err_set(err, COLA_ENOMEM, "out of memory building the template values");
            goto out;
        }
        rc = gotmpl_exec(t, root, out, &eo, err);
        goto out;
    }
    rc = exec_legacy(t, &a, msgs, v, out, err);
out:
    tv_arena_free(&a);
    return rc;
}

int prompt_render_go(void *user, const json_t *messages, const json_t *tools,
                     const struct prompt_think *think, struct buf *out, struct cola_err *err)
{
    const struct prompt_values v = {.messages = messages, .tools = tools, .think = *think};
    return prompt_exec(user, &v, out, err);
}

/* ---------------------------------------------------------------- chatPrompt */

/* system messages of msgs[0, i) followed by msgs[i, n), as a new array of
 * the same message objects (references). NULL when out of memory. */
static json_t *window(const json_t *msgs, size_t i)
{
    json_t *w = json_array();
    for (size_t j = 0; w && j < i; j++) {
        json_t *m = json_array_get(msgs, j);
        const char *r = json_string_value(json_object_get(m, "role"));
        if (r && !strcasecmp(r, "system") && json_array_append(w, m)) {
            json_decref(w);
            w = NULL;
        }
    }
    for (size_t j = i; w && j < json_array_size(msgs); j++)
        if (json_array_append(w, json_array_get(msgs, j))) {
            json_decref(w);
            w = NULL;
        }
    return w;
}

static int render(const struct prompt_chat_opts *o, const json_t *msgs, const json_t *tools,
                  const struct prompt_think *think, struct buf *out, struct cola_err *err)
{
    buf_reset(out);
    return o->render(o->render_user, msgs, tools, think, out, err);
}

/* Where the kept messages start: the first i whose rendering (with the
 * system messages before it) fits num_ctx, at most the last message. */
static int truncate_start(const struct prompt_chat_opts *o, const json_t *msgs,
                          const json_t *tools, const struct prompt_think *think, size_t *start,
                          struct cola_err *err)
{
    const size_t n = json_array_size(msgs);
    struct buf b;
    buf_init(&b, o->max_prompt ? o->max_prompt : PROMPT_MAX_OUT);
    int rc = 0;
    *start = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *w = window(msgs, i);
        if (!w) {
            rc = err_set(err, COLA_ENOMEM, "out of memory");
            break;
        }
        rc = render(o, w, tools, think, &b, err);
        size_t ntok = 0;
        if (!rc)
            rc = o->count(o->count_user, b.data ? b.data : "", b.len, &ntok, err);
        if (!rc && o->projector)
            for (size_t j = i; j < n; j++)
                ntok += PROMPT_IMAGE_TOKENS *
                        json_array_size(json_object_get(json_array_get(msgs, j), "images"));
        json_decref(w);
        if (rc)
            break;
        if (ntok <= (size_t)(o->num_ctx > 0 ? o->num_ctx : 0) || i == n - 1) {
            *start = i;
            break;
        }
    }
    buf_free(&b);
    return rc;
}

/* imageTaggedMessages: copies of msgs[start, n) with [img-N] tags. */
static json_t *tag_images(const struct prompt_chat_opts *o, const json_t *msgs, size_t start,
                          size_t *n_images, struct cola_err *err)
{
    json_t *out = json_array();
    size_t id = 0;
    for (size_t i = start; out && i < json_array_size(msgs); i++) {
        json_t *m = json_copy(json_array_get(msgs, i)); /* shallow: content replaced */
        const json_t *imgs = json_object_get(m, "images");
        const size_t ni = json_array_size(imgs);
        if (o->one_image_only && ni > 1) {
            err_set(err, COLA_EINVAL,
                    "this model only supports one image while more than one image requested");
            json_decref(m);
            json_decref(out);
            return NULL;
        }
        const char *c = json_string_value(json_object_get(m, "content"));
        struct buf prefix, text;
        buf_init(&prefix, PROMPT_MAX_OUT);
        buf_init(&text, PROMPT_MAX_OUT);
        bool ok = m && !buf_puts(&text, c ? c : "");
        for (size_t k = 0; ok && k < ni; k++, id++) {
            if (o->no_image_tags)
                continue;
            char tag[32];
            snprintf(tag, sizeof(tag), "[img-%zu]", id);
            char *at = text.data ? strstr(text.data, "[img]") : NULL;
            if (!at) {
                ok = !buf_puts(&prefix, tag);
                continue;
            }
            struct buf t2;
            buf_init(&t2, PROMPT_MAX_OUT);
            ok = !buf_append(&t2, text.data, (size_t)(at - text.data)) && !buf_puts(&t2, tag) &&
                 !buf_puts(&t2, at + 5);
            buf_free(&text);
            text = t2;
        }
        if (ok && !o->no_image_tags)
            ok = !buf_append(&prefix, text.data ? text.data : "", text.len) &&
                 !json_object_set_new(m, "content",
                                      json_stringn(prefix.data ? prefix.data : "", prefix.len));
        buf_free(&prefix);
        buf_free(&text);
        if (!ok || json_array_append_new(out, m)) {
            json_decref(out);
            err_set(err, COLA_ENOMEM, "out of memory tagging images");
            return NULL;
        }
    }
    if (!out)
        err_set(err, COLA_ENOMEM, "out of memory tagging images");
    if (n_images)
        *n_images = id;
    return out;
}

int prompt_chat(const struct prompt_chat_opts *o, const json_t *messages, const json_t *tools,
                const struct prompt_think *think, struct buf *out, size_t *n_images,
                struct cola_err *err)
{
    static const struct prompt_think none = {.level = ""};
    if (!think)
        think = &none;
    if (messages && !json_is_array(messages))
        return err_set(err, COLA_EINVAL, "messages must be an array");
    if (json_array_size(messages) > PROMPT_MAX_MESSAGES)
        return err_set(err, COLA_EINVAL, "too many messages");
    size_t start = 0;
    int rc = 0;
    if (o->truncate && json_array_size(messages) > 0) {
        if (!o->count)
            return err_set(err, COLA_EINVAL, "truncation needs a tokenizer");
        if ((rc = truncate_start(o, messages, tools, think, &start, err)))
            return rc;
    }
    json_t *tagged = tag_images(o, messages, start, n_images, err);
    if (!tagged)
        return err->code ? err->code : COLA_ENOMEM;
    json_t *all = json_array(); /* the dropped part's system messages, then the kept ones */
    for (size_t j = 0; all && j < start; j++) {
        json_t *m = json_array_get(messages, j);
        const char *r = json_string_value(json_object_get(m, "role"));
        if (r && !strcasecmp(r, "system") && json_array_append(all, m)) {
            json_decref(all);
            all = NULL;
        }
    }
    if (!all || json_array_extend(all, tagged))
        rc = err_set(err, COLA_ENOMEM, "out of memory");
    else
        rc = o->render(o->render_user, all, tools, think, out, err);
    json_decref(all);
    json_decref(tagged);
    return rc;
}
