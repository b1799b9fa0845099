/* cmd_render.c — `cola render`: print the exact prompt a conversation
 * renders to with a model's chat template, for debugging Modelfiles and
 * templates. The conversation is a chat request's JSON ({"messages": [...],
 * "tools": [...], "think": ...}) from a file or standard input; the
 * template is the model's (Go TEMPLATE > the GGUF's Jinja chat template >
 * Ollama's default), or one given with --template / --jinja. The model's
 * SYSTEM and MESSAGE history are applied as Ollama's chat handler does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/model.h"
#include "template/chat.h"
#include "util/fsutil.h"

#define RENDER_MAX_INPUT ((size_t)64 << 20)

static const char usage[] =
    "Render a conversation with a model's chat template and print the prompt\n"
    "\n"
    "Usage:\n"
    "  cola render [MODEL] [flags] [CONVERSATION.json]\n"
    "\n"
    "Flags:\n"
    "      --template FILE   Use this Go template instead of the model's\n"
    "      --jinja FILE      Use this Jinja chat template instead of the model's\n"
    "      --gguf FILE       Take the Jinja template and BOS/EOS tokens from this GGUF\n"
    "      --json            Print {\"template\", \"prompt\", \"stop\"} as JSON instead\n"
    "  -h, --help            help for render\n"
    "\n"
    "The conversation is a chat request's JSON, {\"messages\": [...], \"tools\": [...],\n"
    "\"think\": ...}, read from the file or standard input. The template is the\n"
    "model's TEMPLATE, else its GGUF's tokenizer.chat_template (Jinja), else\n"
    "Ollama's default {{ .Prompt }}. The prompt is printed exactly, without a\n"
    "trailing newline. With --json, the template's kind (go, jinja, default) and\n"
    "the stop strings generation would use (the model's stop parameters and, for\n"
    "a Jinja template, the texts of the vocab's end-of-turn tokens) come with it.\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_MODELS                 The path to the models directory\n";

/* Ollama's chat handler: the model's messages first, its SYSTEM in front
 * unless the request starts with a system message. */
static json_t *with_model(const struct model *m, const json_t *req)
{
    json_t *msgs = json_array();
    const json_t *rm = json_object_get(req, "messages");
    const char *first = json_string_value(json_object_get(json_array_get(rm, 0), "role"));
    if (m && m->system && *m->system && !(first && !strcmp(first, "system")))
        json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", m->system));
    if (m && json_is_array(m->messages))
        json_array_extend(msgs, m->messages);
    if (json_is_array(rm))
        json_array_extend(msgs, (json_t *)rm);
    return msgs;
}

struct render_args {
    const char *model, *file, *go_file, *jinja_file, *gguf_file;
    bool json;
};

static int parse(int argc, char **argv, struct render_args *a)
{
    const char *pos[2];
    int np = 0;
    for (int i = 1; i < argc; i++) {
        const char **dst = NULL;
        if (!strcmp(argv[i], "--json")) {
            a->json = true;
            continue;
        }
        if (!strcmp(argv[i], "--template"))
            dst = &a->go_file;
        else if (!strcmp(argv[i], "--jinja"))
            dst = &a->jinja_file;
        else if (!strcmp(argv[i], "--gguf"))
            dst = &a->gguf_file;
        if (dst) {
            if (i + 1 >= argc)
                return cli_usage_error(&cli_cmd_render, "flag needs an argument: %s", argv[i]);
            *dst = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(&cli_cmd_render, "unknown flag: %s", argv[i]);
        } else if (np < 2) {
            pos[np++] = argv[i];
        } else {
            return cli_usage_error(&cli_cmd_render, "accepts at most 2 arg(s), received %d", np + 1);
        }
    }
    const bool own = a->go_file || a->jinja_file || a->gguf_file;
    if (np == 0 && !own)
        return cli_usage_error(&cli_cmd_render, "requires a MODEL or --template/--jinja/--gguf");
    if (np == 2 || (np == 1 && !own))
        a->model = pos[0];
    if (np == 2 || (np == 1 && own))
        a->file = pos[np - 1];
    return 0;
}

/* The templates, tokens and stop list a render uses, from the model, the
 * --gguf file and the --template / --jinja files (later ones win). */
struct render_src {
    struct model m;
    struct model_chat mc;
    char *go;
    json_t *stop;
};

static void src_free(struct render_src *r)
{
    model_free(&r->m);
    model_chat_free(&r->mc);
    free(r->go);
    json_decref(r->stop);
}

static int src_load(const struct render_args *a, struct render_src *r, struct cola_err *err)
{
    struct store s;
    size_t len;
    int rc = 0;
    if (a->model && !(rc = store_open(&s, NULL, err)))
        rc = model_load(&s, a->model, &r->m, err);
    if (!rc && a->model && r->m.model_path[0])
        rc = model_chat_read(r->m.model_path, &r->mc, err);
    if (!rc && a->gguf_file) {
        model_chat_free(&r->mc);
        rc = model_chat_read(a->gguf_file, &r->mc, err);
    }
    if (!rc && r->m.template_ && !(r->go = strdup(r->m.template_)))
        rc = err_set(err, COLA_ENOMEM, "out of memory");
    if (!rc && a->go_file) {
        free(r->go);
        r->go = NULL;
        rc = fs_read_file(a->go_file, RENDER_MAX_INPUT, &r->go, &len, err);
    }
    if (!rc && a->jinja_file) {
        free(r->go), free(r->mc.jinja);
        r->go = r->mc.jinja = NULL;
        rc = fs_read_file(a->jinja_file, RENDER_MAX_INPUT, &r->mc.jinja, &len, err);
    }
    if (!rc)
        r->stop = json_incref(json_object_get(r->m.params, "stop"));
    return rc;
}

static int read_request(const char *file, json_t **req, struct prompt_think *think,
                        struct cola_err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = 0;
    if (file) {
        rc = fs_read_file(file, RENDER_MAX_INPUT, &text, &len, err);
    } else { /* standard input may be a pipe */
        struct buf in;
        buf_init(&in, RENDER_MAX_INPUT);
        char chunk[65536];
        size_t n;
        while (!rc && (n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
            if (buf_append(&in, chunk, n))
                rc = err_set(err, COLA_ENOMEM, "the conversation is too long (more than %zu bytes)",
                             RENDER_MAX_INPUT);
        len = in.len;
        text = rc ? NULL : buf_take(&in);
        buf_free(&in);
    }
    json_error_t je;
    if (!rc && !(*req = json_loadb(text, len, 0, &je)))
        rc = err_set(err, COLA_EINVAL, "invalid conversation JSON: %s (line %d)", je.text, je.line);
    if (!rc && !json_is_object(*req))
        rc = err_set(err, COLA_EINVAL, "the conversation must be a JSON object with \"messages\"");
    if (!rc)
        rc = prompt_think_from_json(json_object_get(*req, "think"), think, err);
    free(text);
    return rc;
}

static int print_json(const struct chat_tmpl *ct, const struct render_src *r, const struct buf *out,
                      struct cola_err *err)
{
    json_t *stop = chat_stops(ct->kind, r->stop, r->mc.eog);
    json_t *o = stop ? json_pack("{s:s,s:s%,s:o}", "template", chat_kind_name(ct->kind), "prompt",
                                 out->data ? out->data : "", out->len, "stop", stop)
                     : NULL;
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(o);
    return text ? 0 : err_set(err, COLA_ENOMEM, "out of memory");
}

static int run(int argc, char **argv)
{
    struct render_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc;
    struct cola_err err;
    err_clear(&err);
    struct render_src r = {0};
    json_t *req = NULL, *msgs = NULL;
    struct chat_tmpl ct = {0};
    bool have_ct = false;
    struct buf out;
    buf_init(&out, RENDER_MAX_INPUT);
    struct prompt_think think = {.level = ""};
    rc = src_load(&a, &r, &err);
    if (!rc)
        rc = read_request(a.file, &req, &think, &err);
    if (!rc && !(rc = chat_init(&ct, r.go, r.mc.jinja, r.mc.bos, r.mc.eos, &err))) {
        have_ct = true;
        msgs = with_model(a.model ? &r.m : NULL, req);
        rc = chat_render(&ct, msgs, json_object_get(req, "tools"), &think, &out, &err);
    }
    if (!rc && a.json)
        rc = print_json(&ct, &r, &out, &err);
    else if (!rc)
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    if (rc)
        fprintf(stderr, "Error: %s\n", err_msg(&err));
    if (have_ct)
        chat_free(&ct);
    buf_free(&out);
    json_decref(req);
    json_decref(msgs);
    src_free(&r);
    return rc ? 1 : 0;
}

const struct cli_cmd cli_cmd_render = {"render", "Print the prompt a conversation renders to", usage, run};
