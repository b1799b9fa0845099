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
#include "engine/gguf.h"
#include "engine/tok.h"
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
    "  -h, --help            help for render\n"
    "\n"
    "The conversation is a chat request's JSON, {\"messages\": [...], \"tools\": [...],\n"
    "\"think\": ...}, read from the file or standard input. The template is the\n"
    "model's TEMPLATE, else its GGUF's tokenizer.chat_template (Jinja), else\n"
    "Ollama's default {{ .Prompt }}. The prompt is printed exactly, without a\n"
    "trailing newline.\n"
    "\n"
    "Environment Variables:\n"
    "      OLLAMA_MODELS                 The path to the models directory\n";

/* The chat template, BOS and EOS texts of a GGUF (any may stay NULL). */
static int gguf_chat(const char *path, char **jinja, char **bos, char **eos, struct cola_err *err)
{
    struct gguf_file *g = NULL;
    int rc = gguf_open(path, &g, err);
    if (rc)
        return rc;
    struct gguf_str s;
    if (gguf_get(g, "tokenizer.chat_template") &&
        gguf_get_str(g, "tokenizer.chat_template", &s, NULL) == 0)
        *jinja = strndup(s.ptr, s.len);
    struct tok_vocab *v = NULL;
    struct cola_err verr = {0};
    if (gguf_get(g, "tokenizer.ggml.tokens") && tok_vocab_load(g, &v, &verr) == 0) {
        size_t n;
        const int32_t b = tok_special(v, TOK_SPECIAL_BOS), e = tok_special(v, TOK_SPECIAL_EOS);
        const char *t = b >= 0 ? tok_text(v, b, &n) : NULL;
        if (t)
            *bos = strndup(t, n);
        t = e >= 0 ? tok_text(v, e, &n) : NULL;
        if (t)
            *eos = strndup(t, n);
        tok_vocab_free(v);
    }
    gguf_close(g);
    return 0;
}

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
};

static int parse(int argc, char **argv, struct render_args *a)
{
    const char *pos[2];
    int np = 0;
    for (int i = 1; i < argc; i++) {
        const char **dst = NULL;
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

static int run(int argc, char **argv)
{
    struct render_args a = {0};
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc;
    struct cola_err err;
    err_clear(&err);
    struct model m = {0};
    struct store s;
    char *text = NULL, *go = NULL, *jinja = NULL, *bos = NULL, *eos = NULL;
    size_t len = 0;
    json_t *req = NULL, *msgs = NULL;
    struct chat_tmpl ct = {0};
    bool have_ct = false;
    struct buf out;
    buf_init(&out, RENDER_MAX_INPUT);
    if (a.model && !(rc = store_open(&s, NULL, &err)))
        rc = model_load(&s, a.model, &m, &err);
    if (!rc && a.model && m.model_path[0])
        rc = gguf_chat(m.model_path, &jinja, &bos, &eos, &err);
    if (!rc && a.gguf_file) {
        free(jinja);
        jinja = NULL;
        rc = gguf_chat(a.gguf_file, &jinja, &bos, &eos, &err);
    }
    if (!rc && m.template_)
        go = strdup(m.template_);
    if (!rc && a.go_file) {
        free(go);
        go = NULL;
        rc = fs_read_file(a.go_file, RENDER_MAX_INPUT, &go, &len, &err);
    }
    if (!rc && a.jinja_file) {
        free(go), free(jinja);
        go = jinja = NULL;
        rc = fs_read_file(a.jinja_file, RENDER_MAX_INPUT, &jinja, &len, &err);
    }
    if (!rc)
        rc = a.file ? fs_read_file(a.file, RENDER_MAX_INPUT, &text, &len, &err)
                    : fs_read_file("/dev/stdin", RENDER_MAX_INPUT, &text, &len, &err);
    json_error_t je;
    if (!rc && !(req = json_loadb(text, len, 0, &je)))
        rc = err_set(&err, COLA_EINVAL, "invalid conversation JSON: %s (line %d)", je.text, je.line);
    if (!rc && !json_is_object(req))
        rc = err_set(&err, COLA_EINVAL, "the conversation must be a JSON object with \"messages\"");
    struct prompt_think think = {.level = ""};
    if (!rc)
        rc = prompt_think_from_json(json_object_get(req, "think"), &think, &err);
    if (!rc && !(rc = chat_init(&ct, go, jinja, bos, eos, &err))) {
        have_ct = true;
        msgs = with_model(a.model ? &m : NULL, req);
        rc = chat_render(&ct, msgs, json_object_get(req, "tools"), &think, &out, &err);
    }
    if (!rc)
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    else
        fprintf(stderr, "Error: %s\n", err_msg(&err));
    if (have_ct)
        chat_free(&ct);
    buf_free(&out);
    json_decref(req);
    json_decref(msgs);
    free(text), free(go), free(jinja), free(bos), free(eos);
    model_free(&m);
    return rc ? 1 : 0;
}

const struct cli_cmd cli_cmd_render = {"render", "Print the prompt a conversation renders to", usage, run};
