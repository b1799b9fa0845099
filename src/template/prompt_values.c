/* prompt_values.c — Ollama's API JSON (messages, tools) as the Go values its
 * templates see (template/template.go: templateMessage, templateTool,
 * templateArgs, templateProperties; api.ToolProperty). See prompt.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "template/prompt.h"
#include "util/base64.h"

#define PV_MAX_IMAGE ((size_t)64 << 20) /* base64 characters of one image */

struct pv {
    struct tv_arena *a;
    struct cola_err *err;
};

static struct tv *oom(struct pv *p)
{
    err_set(p->err, COLA_ENOMEM, "out of memory building the template values");
    return NULL;
}

static struct tv *bad(struct pv *p, const char *what, const char *want)
{
    err_set(p->err, COLA_EINVAL, "json: cannot unmarshal %s into Go struct field %s", want, what);
    return NULL;
}

/* A string member: "" when absent or null; NULL (error) for another type. */
static const char *str_member(struct pv *p, const json_t *o, const char *key, const char *what)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return "";
    if (!json_is_string(v)) {
        bad(p, what, "a non-string value");
        return NULL;
    }
    return json_string_value(v);
}

static struct tv *str_tv(struct pv *p, const json_t *o, const char *key, const char *what)
{
    const char *s = str_member(p, o, key, what);
    if (!s)
        return NULL;
    const json_t *v = json_object_get(o, key);
    struct tv *t = tv_str(p->a, s, v && json_is_string(v) ? json_string_length(v) : strlen(s));
    return t ? t : oom(p);
}

static struct tv *typed_nil_list(struct pv *p)
{
    struct tv *l = tv_list(p->a);
    if (!l)
        return oom(p);
    l->flags = TV_F_TYPED;
    return l;
}

static struct tv *any_tv(struct pv *p, const json_t *v)
{
    struct tv *t = v ? tv_from_json(p->a, v) : tv_nil(p->a);
    return t ? t : oom(p);
}

/* []string (Required, PropertyType): a nil list when absent. */
static struct tv *strings_tv(struct pv *p, const json_t *v, const char *what, bool one_ok)
{
    struct tv *l = typed_nil_list(p);
    if (!l || !v || json_is_null(v))
        return l;
    if (one_ok && json_is_string(v)) { /* PropertyType accepts "string" or ["a","b"] */
        l->flags = 0;
        struct tv *s = tv_str(p->a, json_string_value(v), json_string_length(v));
        return s && !tv_list_push(p->a, l, s) ? l : oom(p);
    }
    if (!json_is_array(v))
        return bad(p, what, "a non-array value");
    l->flags = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e))
            return bad(p, what, "a non-string element");
        struct tv *s = tv_str(p->a, json_string_value(e), json_string_length(e));
        if (!s || tv_list_push(p->a, l, s))
            return oom(p);
    }
    return l;
}

/* ---------------------------------------------------------------- messages */

static struct tv *images_tv(struct pv *p, const json_t *v)
{
    struct tv *l = typed_nil_list(p);
    if (!l || !v || json_is_null(v))
        return l;
    if (!json_is_array(v))
        return bad(p, "Message.images", "a non-array value");
    l->flags = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e))
            return bad(p, "Message.images", "a non-string element");
        const size_t n = json_string_length(e);
        if (n > PV_MAX_IMAGE) {
            err_set(p->err, COLA_EINVAL, "image %zu is larger than %zu bytes", i, PV_MAX_IMAGE);
            return NULL;
        }
        unsigned char *raw = tv_alloc(p->a, base64_decoded_max(n));
        size_t got = 0;
        if (!raw)
            return oom(p);
        if (base64_decode(json_string_value(e), n, raw, &got)) {
            err_set(p->err, COLA_EINVAL, "illegal base64 data in image %zu", i);
            return NULL;
        }
        struct tv *b = tv_alloc(p->a, sizeof(*b));
        if (!b)
            return oom(p);
        b->kind = TV_BYTES;
        b->u.s.p = (const char *)raw;
        b->u.s.len = got;
        if (tv_list_push(p->a, l, b))
            return oom(p);
    }
    return l;
}

/* templateToolCall{ID, Function{Index, Name, Arguments}} */
static struct tv *tool_call_tv(struct pv *p, const json_t *c)
{
    if (!json_is_object(c))
        return bad(p, "Message.tool_calls", "a non-object element");
    const json_t *f = json_object_get(c, "function");
    if (f && !json_is_null(f) && !json_is_object(f))
        return bad(p, "ToolCall.function", "a non-object value");
    const json_t *idx = json_object_get(f, "index"), *args = json_object_get(f, "arguments");
    if (idx && !json_is_null(idx) && !json_is_integer(idx))
        return bad(p, "ToolCallFunction.function.index", "a non-integer value");
    if (args && !json_is_null(args) && !json_is_object(args))
        return bad(p, "ToolCallFunction.function.arguments", "a non-object value");
    struct tv *id = str_tv(p, c, "id", "ToolCall.id");
    struct tv *name = id ? str_tv(p, f, "name", "ToolCallFunction.function.name") : NULL;
    if (!name)
        return NULL;
    struct tv *a;
    if (args && json_object_size(args) > 0) {
        a = any_tv(p, args);
    } else { /* ToMap of an empty or absent argument map is nil: prints "{}" */
        a = tv_map(p->a);
        if (a)
            a->flags = TV_F_TYPED;
    }
    if (!a)
        return oom(p);
    a->fmt = TV_FMT_JSON_NILOBJ;
    struct tv *fn = tv_struct(p->a, "template.templateToolCallFunction"),
              *call = tv_struct(p->a, "template.templateToolCall"),
              *ix = tv_int(p->a, idx ? json_integer_value(idx) : 0);
    if (!fn || !call || !ix || tv_struct_add(p->a, fn, "Index", NULL, false, ix) ||
        tv_struct_add(p->a, fn, "Name", NULL, false, name) ||
        tv_struct_add(p->a, fn, "Arguments", NULL, false, a) ||
        tv_struct_add(p->a, call, "ID", NULL, false, id) ||
        tv_struct_add(p->a, call, "Function", NULL, false, fn))
        return oom(p);
    return call;
}

/* *templateMessage of one (collated) message; content replaces its own. */
static struct tv *message_tv(struct pv *p, const json_t *m, struct tv *content)
{
    struct tv *role = str_tv(p, m, "role", "Message.role");
    if (!role)
        return NULL;
    for (size_t i = 0; i < role->u.s.len; i++) /* api.Message lower-cases the role */
        if (role->u.s.p[i] >= 'A' && role->u.s.p[i] <= 'Z')
            ((char *)role->u.s.p)[i] = (char)(role->u.s.p[i] + 32);
    struct tv *thinking = str_tv(p, m, "thinking", "Message.thinking");
    struct tv *images = thinking ? images_tv(p, json_object_get(m, "images")) : NULL;
    struct tv *tool_name = images ? str_tv(p, m, "tool_name", "Message.tool_name") : NULL;
    struct tv *tool_id = tool_name ? str_tv(p, m, "tool_call_id", "Message.tool_call_id") : NULL;
    struct tv *calls = tool_id ? typed_nil_list(p) : NULL;
    if (!calls)
        return NULL;
    const json_t *tc = json_object_get(m, "tool_calls");
    if (tc && !json_is_null(tc) && !json_is_array(tc))
        return bad(p, "Message.tool_calls", "a non-array value");
    size_t i;
    const json_t *c;
    json_array_foreach(tc, i, c)
    {
        struct tv *call = tool_call_tv(p, c);
        if (!call)
            return NULL;
        calls->flags = 0;
        if (tv_list_push(p->a, calls, call))
            return oom(p);
    }
    struct tv *t = tv_struct(p->a, "template.templateMessage");
    if (!t)
        return oom(p);
    t->flags = TV_F_PTR;
    if (tv_struct_add(p->a, t, "Role", NULL, false, role) ||
        tv_struct_add(p->a, t, "Content", NULL, false, content) ||
        tv_struct_add(p->a, t, "Thinking", NULL, false, thinking) ||
        tv_struct_add(p->a, t, "Images", NULL, false, images) ||
        tv_struct_add(p->a, t, "ToolCalls", NULL, false, calls) ||
        tv_struct_add(p->a, t, "ToolName", NULL, false, tool_name) ||
        tv_struct_add(p->a, t, "ToolCallID", NULL, false, tool_id))
        return oom(p);
    return t;
}

static const char *role_of(const json_t *m)
{
    const char *r = json_string_value(json_object_get(m, "role"));
    return r ? r : "";
}

/* The end of the run of messages starting at i that collate into one:
 * consecutive messages of the same role, except tool messages. */
static size_t run_end(const json_t *messages, size_t i, size_t n)
{
    const json_t *m = json_array_get(messages, i);
    const char *role = role_of(m);
    if (!strcasecmp(role, "tool"))
        return i + 1;
    size_t j = i + 1;
    while (j < n && json_is_object(json_array_get(messages, j)) &&
           !strcasecmp(role_of(json_array_get(messages, j)), role))
        j++;
    return j;
}

/* The collated content of messages [i, j) into content, the system
 * contents appended to sys. 0 or an error (err set). */
static int run_content(struct pv *p, const json_t *messages, size_t i, size_t j,
                       struct buf *content, struct buf *sys)
{
    for (size_t k = i; k < j; k++) {
        const json_t *mk = json_array_get(messages, k);
        const char *c = str_member(p, mk, "content", "Message.content");
        if (!c)
            return COLA_EINVAL;
        const json_t *cv = json_object_get(mk, "content");
        const size_t len = cv && json_is_string(cv) ? json_string_length(cv) : 0;
        if (!strcasecmp(role_of(mk), "system") &&
            ((sys->len && buf_append(sys, "\n\n", 2)) || buf_append(sys, c, len)))
            return oom(p), COLA_ENOMEM;
        if ((k > i && buf_append(content, "\n\n", 2)) || buf_append(content, c, len))
            return oom(p), COLA_ENOMEM;
    }
    return 0;
}

struct tv *prompt_messages_tv(struct tv_arena *a, const json_t *messages, const char **system,
                              struct cola_err *err)
{
    struct pv p = {a, err};
    *system = "";
    if (messages && !json_is_null(messages) && !json_is_array(messages))
        return bad(&p, "ChatRequest.messages", "a non-array value");
    const size_t n = json_array_size(messages);
    if (n > PROMPT_MAX_MESSAGES) {
        err_set(err, COLA_EINVAL, "too many messages (%zu, at most %d)", n, PROMPT_MAX_MESSAGES);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!json_is_object(json_array_get(messages, i)))
            return bad(&p, "ChatRequest.messages", "a non-object element");
    struct tv *list = tv_list(a);
    if (!list)
        return oom(&p);
    struct buf sys, content;
    buf_init(&sys, a->max);
    buf_init(&content, a->max);
    struct tv *out = list;
    for (size_t i = 0; i < n && out;) {
        const size_t j = run_end(messages, i, n);
        buf_reset(&content);
        if (run_content(&p, messages, i, j, &content, &sys)) {
            out = NULL;
            break;
        }
        struct tv *ct = tv_str(a, content.data ? content.data : "", content.len);
        struct tv *mt = ct ? message_tv(&p, json_array_get(messages, i), ct) : oom(&p);
        if (!mt)
            out = NULL;
        else if (tv_list_push(a, list, mt))
            out = oom(&p);
        i = j;
    }
    if (out && !(*system = tv_strndup(a, sys.data ? sys.data : "", sys.len)))
        out = oom(&p);
    buf_free(&sys);
    buf_free(&content);
    return out;
}

/* ---------------------------------------------------------------- tools */

static struct tv *property_tv(struct pv *p, const json_t *v, int depth);

/* name → api.ToolProperty, as templateProperties (a map that prints as
 * JSON, "{}" when nil) or, nested, a *ToolPropertiesMap (insertion order). */
static struct tv *properties_tv(struct pv *p, const json_t *v, bool nested, int depth)
{
    struct tv *m = tv_map(p->a);
    if (!m)
        return oom(p);
    m->fmt = TV_FMT_JSON_NILOBJ;
    if (nested)
        m->flags |= TV_F_ORDERED;
    if (!v || json_is_null(v)) {
        m->flags |= TV_F_TYPED;
        return m;
    }
    if (!json_is_object(v))
        return bad(p, "ToolFunctionParameters.properties", "a non-object value");
    const char *k;
    const json_t *e;
    json_object_foreach((json_t *)v, k, e)
    {
        struct tv *pt = property_tv(p, e, depth + 1);
        if (!pt)
            return NULL;
        if (tv_map_set(p->a, m, k, strlen(k), pt))
            return oom(p);
    }
    return m;
}

static struct tv *property_tv(struct pv *p, const json_t *v, int depth)
{
    if (depth > TV_MAX_DEPTH) {
        err_set(p->err, COLA_EINVAL, "tool properties nest deeper than %d", TV_MAX_DEPTH);
        return NULL;
    }
    if (!json_is_object(v))
        return bad(p, "ToolProperty", "a non-object value");
    struct tv *any_of = typed_nil_list(p);
    const json_t *ao = json_object_get(v, "anyOf"), *e;
    if (ao && !json_is_null(ao) && !json_is_array(ao))
        return bad(p, "ToolProperty.anyOf", "a non-array value");
    size_t i;
    json_array_foreach(ao, i, e)
    {
        struct tv *x = any_of ? property_tv(p, e, depth + 1) : NULL;
        if (!x)
            return NULL;
        any_of->flags = 0;
        if (tv_list_push(p->a, any_of, x))
            return oom(p);
    }
    struct tv *type = any_of ? strings_tv(p, json_object_get(v, "type"), "ToolProperty.type", true)
                             : NULL;
    if (!type)
        return NULL;
    type->fmt = TV_FMT_PROPTYPE;
    struct tv *items = any_tv(p, json_object_get(v, "items"));
    struct tv *desc = items ? str_tv(p, v, "description", "ToolProperty.description") : NULL;
    const json_t *en = json_object_get(v, "enum");
    if (en && !json_is_null(en) && !json_is_array(en))
        return bad(p, "ToolProperty.enum", "a non-array value");
    struct tv *enum_ = desc ? (en && !json_is_null(en) ? any_tv(p, en) : typed_nil_list(p)) : NULL;
    const json_t *pr = json_object_get(v, "properties");
    struct tv *props = enum_ ? properties_tv(p, pr, true, depth) : NULL;
    struct tv *req = props ? strings_tv(p, json_object_get(v, "required"), "ToolProperty.required",
                                        false)
                           : NULL;
    if (!req)
        return NULL;
    struct tv *t = tv_struct(p->a, "api.ToolProperty");
    if (!t || tv_struct_add(p->a, t, "AnyOf", "anyOf", true, any_of) ||
        tv_struct_add(p->a, t, "Type", "type", true, type) ||
        tv_struct_add(p->a, t, "Items", "items", true, items) ||
        tv_struct_add(p->a, t, "Description", "description", true, desc) ||
        tv_struct_add(p->a, t, "Enum", "enum", true, enum_) ||
        tv_struct_add(p->a, t, "Properties", "properties", true, props) ||
        tv_struct_add(p->a, t, "Required", "required", true, req))
        return oom(p);
    return t;
}

static struct tv *tool_tv(struct pv *p, const json_t *v)
{
    if (!json_is_object(v))
        return bad(p, "ChatRequest.tools", "a non-object element");
    const json_t *f = json_object_get(v, "function"), *par = json_object_get(f, "parameters");
    if (f && !json_is_null(f) && !json_is_object(f))
        return bad(p, "Tool.function", "a non-object value");
    if (par && !json_is_null(par) && !json_is_object(par))
        return bad(p, "ToolFunction.function.parameters", "a non-object value");
    struct tv *type = str_tv(p, v, "type", "Tool.type");
    struct tv *items = type ? any_tv(p, json_object_get(v, "items")) : NULL;
    struct tv *name = items ? str_tv(p, f, "name", "ToolFunction.function.name") : NULL;
    struct tv *desc = name ? str_tv(p, f, "description", "ToolFunction.function.description")
                           : NULL;
    struct tv *ptype = desc ? str_tv(p, par, "type", "ToolFunctionParameters.type") : NULL;
    struct tv *defs = ptype ? any_tv(p, json_object_get(par, "$defs")) : NULL;
    struct tv *pitems = defs ? any_tv(p, json_object_get(par, "items")) : NULL;
    struct tv *req = pitems ? strings_tv(p, json_object_get(par, "required"),
                                         "ToolFunctionParameters.required", false)
                            : NULL;
    struct tv *props = req ? properties_tv(p, json_object_get(par, "properties"), false, 0) : NULL;
    if (!props)
        return NULL;
    struct tv *params = tv_struct(p->a, "template.templateToolFunctionParameters"),
              *fn = tv_struct(p->a, "template.templateToolFunction"),
              *tool = tv_struct(p->a, "template.templateTool");
    if (!params || !fn || !tool || tv_struct_add(p->a, params, "Type", "type", false, ptype) ||
        tv_struct_add(p->a, params, "Defs", "$defs", true, defs) ||
        tv_struct_add(p->a, params, "Items", "items", true, pitems) ||
        tv_struct_add(p->a, params, "Required", "required", true, req) ||
        tv_struct_add(p->a, params, "Properties", "properties", false, props) ||
        tv_struct_add(p->a, fn, "Name", "name", false, name) ||
        tv_struct_add(p->a, fn, "Description", "description", false, desc) ||
        tv_struct_add(p->a, fn, "Parameters", "parameters", false, params) ||
        tv_struct_add(p->a, tool, "Type", "type", false, type) ||
        tv_struct_add(p->a, tool, "Items", "items", true, items) ||
        tv_struct_add(p->a, tool, "Function", "function", false, fn))
        return oom(p);
    tool->fmt = TV_FMT_JSON;
    return tool;
}

struct tv *prompt_tools_tv(struct tv_arena *a, const json_t *tools, struct cola_err *err)
{
    struct pv p = {a, err};
    struct tv *l = typed_nil_list(&p);
    if (!l)
        return NULL;
    l->fmt = TV_FMT_JSON;
    if (!tools || json_is_null(tools))
        return l;
    if (!json_is_array(tools))
        return bad(&p, "ChatRequest.tools", "a non-array value");
    l->flags = 0;
    size_t i;
    const json_t *t;
    json_array_foreach(tools, i, t)
    {
        struct tv *x = tool_tv(&p, t);
        if (!x)
            return NULL;
        if (tv_list_push(a, l, x))
            return oom(&p);
    }
    return l;
}
