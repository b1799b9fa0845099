/* repl.c — the interactive chat (repl.h). */
#include "cli/repl.h"

#include <editline/readline.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "store/modelfile.h"
#include "store/name.h"
#include "util/buf.h"

#define REPL_MAX_INPUT ((size_t)16 << 20)

struct repl {
    struct client c;
    char model[512];
    json_t *messages;      /* the session: the model's MESSAGEs, then the chat */
    json_t *options;
    char *system;
    const char *format;
    json_t *think, *keep_alive;
    bool verbose, wordwrap, history;
    char hist_path[4096];
    /* output */
    int width, col;
    struct buf word, answer;
};

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig) { (void)sig; interrupted = 1; }

/* ---------------------------------------------------------------- output */

static void out_word(struct repl *r)
{
    if (!r->word.len)
        return;
    if (r->wordwrap && r->width > 0 && r->col > 0 && r->col + (int)r->word.len > r->width) {
        putchar('\n');
        r->col = 0;
    }
    fwrite(r->word.data, 1, r->word.len, stdout);
    r->col += (int)r->word.len;
    buf_reset(&r->word);
}

/* Print text word-wrapped: words are kept whole, lines break at spaces. */
static void out_text(struct repl *r, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char ch = s[i];
        if (ch == '\n') {
            out_word(r);
            putchar('\n');
            r->col = 0;
        } else if (ch == ' ') {
            out_word(r);
            if (!(r->wordwrap && r->width > 0 && r->col >= r->width)) {
                putchar(' ');
                r->col++;
            }
        } else {
            buf_putc(&r->word, ch);
            if ((ch & 0xC0) == 0x80)
                r->col--;  /* continuation bytes take no column */
        }
    }
    fflush(stdout);
}

static void out_end(struct repl *r)
{
    out_word(r);
    fflush(stdout);
}

/* ---------------------------------------------------------------- chat */

struct chat_state {
    struct repl *r;
    json_t *last;
};

static int on_chunk(void *user, const json_t *o)
{
    struct chat_state *s = user;
    if (interrupted)
        return 1;
    const json_t *c = json_object_get(json_object_get(o, "message"), "content");
    if (json_string_length(c)) {
        out_text(s->r, json_string_value(c), json_string_length(c));
        buf_append(&s->r->answer, json_string_value(c), json_string_length(c));
    }
    if (json_is_true(json_object_get(o, "done"))) {
        json_decref(s->last);
        s->last = json_incref((json_t *)o);
    }
    return 0;
}

static json_t *chat_request(const struct repl *r)
{
    json_t *msgs = json_array();
    if (r->system)
        json_array_append_new(msgs, json_pack("{s:s,s:s}", "role", "system", "content", r->system));
    json_array_extend(msgs, r->messages);
    json_t *req = json_pack("{s:s,s:o}", "model", r->model, "messages", msgs);
    if (json_object_size(r->options))
        json_object_set(req, "options", r->options);
    if (r->format)
        json_object_set_new(req, "format", json_string(r->format));
    if (r->think)
        json_object_set(req, "think", r->think);
    if (r->keep_alive)
        json_object_set(req, "keep_alive", r->keep_alive);
    return req;
}

static void chat(struct repl *r, const char *text)
{
    json_array_append_new(r->messages, json_pack("{s:s,s:s}", "role", "user", "content", text));
    json_t *req = chat_request(r);
    struct chat_state s = {r, NULL};
    struct cola_err err = {0};
    buf_reset(&r->answer);
    r->col = 0;
    interrupted = 0;
    const int rc = client_call(&r->c, "POST", "/api/chat", req, on_chunk, &s, NULL, &err);
    out_end(r);
    json_decref(req);
    if (rc == COLA_ECANCELED || interrupted) {
        printf("\n");   /* Ctrl-C: the answer stops, the question is dropped */
        json_array_remove(r->messages, json_array_size(r->messages) - 1);
    } else if (rc) {
        printf("\n");
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        json_array_remove(r->messages, json_array_size(r->messages) - 1);
    } else {
        printf("\n\n");
        json_array_append_new(r->messages,
                              json_pack("{s:s,s:s%}", "role", "assistant", "content",
                                        r->answer.data ? r->answer.data : "", r->answer.len));
        if (r->verbose && s.last)
            run_api_summary(s.last);
    }
    json_decref(s.last);
    interrupted = 0;
}

/* ---------------------------------------------------------------- commands */

static const char help_text[] =
    "Available Commands:\n"
    "  /set            Set session variables\n"
    "  /show           Show model information\n"
    "  /load <model>   Load a session or model\n"
    "  /save <model>   Save your current session\n"
    "  /clear          Clear session context\n"
    "  /bye            Exit\n"
    "  /?, /help       Help for a command\n"
    "  /? shortcuts    Help for keyboard shortcuts\n"
    "\n"
    "Use \"\"\" to begin a multi-line message.\n\n";

static const char help_set[] =
    "Available Commands:\n"
    "  /set parameter ...     Set a parameter\n"
    "  /set system <string>   Set system message\n"
    "  /set history           Enable history\n"
    "  /set nohistory         Disable history\n"
    "  /set wordwrap          Enable wordwrap\n"
    "  /set nowordwrap        Disable wordwrap\n"
    "  /set format json       Enable JSON mode\n"
    "  /set noformat          Disable formatting\n"
    "  /set verbose           Show LLM stats\n"
    "  /set quiet             Disable LLM stats\n"
    "  /set think             Enable thinking\n"
    "  /set nothink           Disable thinking\n\n";

static const char help_show[] =
    "Available Commands:\n"
    "  /show info         Show details for this model\n"
    "  /show license      Show model license\n"
    "  /show modelfile    Show Modelfile for this model\n"
    "  /show parameters   Show parameters for this model\n"
    "  /show system       Show system message\n"
    "  /show template     Show prompt template\n\n";

static const char help_shortcuts[] =
    "Available keyboard shortcuts:\n"
    "  Ctrl + a            Move to the beginning of the line (Home)\n"
    "  Ctrl + e            Move to the end of the line (End)\n"
    "  Ctrl + k            Delete the sentence after the cursor\n"
    "  Ctrl + u            Delete the sentence before the cursor\n"
    "  Ctrl + w            Delete the word before the cursor\n"
    "\n"
    "  Ctrl + l            Clear the screen\n"
    "  Ctrl + c            Stop the model from responding\n"
    "  Ctrl + d            Exit ollama (/bye)\n\n";

static void value_text(const json_t *v, char *out, size_t cap);

static json_t *show(struct repl *r)
{
    json_t *req = json_pack("{s:s}", "model", r->model), *resp = NULL;
    struct cola_err err = {0};
    if (client_call(&r->c, "POST", "/api/show", req, client_keep, &resp, NULL, &err))
        fprintf(stderr, "error: %s\n", err_msg(&err));
    json_decref(req);
    return resp;
}

static void cmd_show(struct repl *r, const char *what)
{
    static const char *const k[] = {"info", "license", "modelfile", "parameters", "system", "template"};
    size_t i = 0;
    while (i < 6 && strcmp(what, k[i]))
        i++;
    if (i == 6) {
        printf("Unknown command '/show %s'. Type /? for help\n", what);
        return;
    }
    if (i == 4 && r->system) {
        printf("%s\n\n", r->system);
        return;
    }
    json_t *resp = show(r);
    if (!resp)
        return;
    const char *v = json_string_value(json_object_get(resp, k[i]));
    if (i == 0)
        cli_show_info(resp, false);
    else if (i == 3 && json_object_size(r->options)) {
        printf("%s", v ? v : "");
        printf("\nUser defined parameters:\n");
        const char *key;
        json_t *val;
        json_object_foreach(r->options, key, val)
        {
            char t[512];
            value_text(val, t, sizeof(t));
            printf("%-30s %s\n", key, t);
        }
    } else if (v && *v)
        printf("%s\n", v);
    else
        printf("No %s was specified for this model.\n", i == 1 ? "license" : i == 4 ? "system message" : k[i]);
    json_decref(resp);
}

/* A value as Go's %v prints it: numbers shortest (0, 0.7), strings bare,
 * lists as [a b]. */
static void value_text(const json_t *v, char *out, size_t cap)
{
    if (json_is_string(v)) {
        snprintf(out, cap, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        snprintf(out, cap, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(out, cap, "%.7g", json_real_value(v));
    } else if (json_is_array(v)) {
        size_t i, l = 0;
        const json_t *e;
        out[0] = '\0';
        json_array_foreach(v, i, e)
        {
            char t[256];
            value_text(e, t, sizeof(t));
            l = strlen(out);
            snprintf(out + l, cap - l, "%s%s", i ? " " : "[", t);
        }
        l = strlen(out);
        snprintf(out + l, cap - l, "%s", i ? "]" : "[]");
    } else {
        snprintf(out, cap, "%s", json_is_true(v) ? "true" : json_is_false(v) ? "false" : "");
    }
}

static void set_parameter(struct repl *r, char *args)
{
    char *name = strtok(args, " \t");
    if (!name) {
        printf("Usage:\n  /set parameter <name> <value>\n\n");
        return;
    }
    json_t *params = json_object();
    struct cola_err err = {0};
    int rc = 0, n = 0;
    char shown[1024] = "";
    for (char *v = strtok(NULL, " \t"); v && !rc; v = strtok(NULL, " \t"), n++) {
        rc = mf_params_add(params, name, v, &err);
        const size_t l = strlen(shown);
        snprintf(shown + l, sizeof(shown) - l, "%s%s", n ? ", " : "", v);
    }
    if (!rc && n == 0)
        rc = err_set(&err, COLA_EINVAL, "missing value for parameter '%s'", name);
    if (rc) {
        printf("Couldn't set parameter: %s\n\n", err_msg(&err));
    } else {
        json_object_update(r->options, params);
        printf("Set parameter '%s' to '%s'\n\n", name, shown);
    }
    json_decref(params);
}

/* /save NAME: a model from this one with the session's system, options and messages. */
static void cmd_save(struct repl *r, const char *name)
{
    struct model_name n;
    name_parse(name, &n);
    if (!*name || !name_valid(&n)) {
        printf("error: The model name '%s' is invalid\n", name);
        return;
    }
    json_t *req = json_pack("{s:s,s:s,s:O,s:b}", "model", name, "from", r->model, "messages",
                            r->messages, "stream", 0);
    if (r->system)
        json_object_set_new(req, "system", json_string(r->system));
    if (json_object_size(r->options))
        json_object_set(req, "parameters", r->options);
    struct cola_err err = {0};
    if (client_call(&r->c, "POST", "/api/create", req, NULL, NULL, NULL, &err))
        printf("error: %s\n", err_msg(&err));
    else
        printf("Created new model '%s'\n", name);
    json_decref(req);
}

static void cmd_load(struct repl *r, const char *name)
{
    char old[512];
    snprintf(old, sizeof(old), "%s", r->model);
    snprintf(r->model, sizeof(r->model), "%s", name);
    json_t *resp = show(r);
    if (!resp) {
        printf("Couldn't find model '%s'\n", name);
        snprintf(r->model, sizeof(r->model), "%s", old);
        return;
    }
    json_decref(resp);
    printf("Loading model '%s'\n", name);
    json_array_clear(r->messages);
    json_t *req = json_pack("{s:s}", "model", name);
    client_call(&r->c, "POST", "/api/generate", req, NULL, NULL, NULL, NULL);
    json_decref(req);
}

static void cmd_set(struct repl *r, char *rest)
{
    char *arg = strchr(rest, ' ');
    if (arg)
        *arg++ = '\0';
    if (!strcmp(rest, "parameter")) {
        set_parameter(r, arg ? arg : (char *)"");
    } else if (!strcmp(rest, "system")) {
        free(r->system);
        r->system = strdup(arg ? arg : "");
        printf("Set system message.\n\n");
    } else if (!strcmp(rest, "history") || !strcmp(rest, "nohistory")) {
        r->history = rest[0] == 'h';
    } else if (!strcmp(rest, "wordwrap") || !strcmp(rest, "nowordwrap")) {
        r->wordwrap = rest[0] == 'w';
        printf("Set '%s' mode.\n\n", rest);
    } else if (!strcmp(rest, "format")) {
        if (arg && !strcmp(arg, "json")) {
            r->format = "json";
            printf("Set format to 'json' mode.\n\n");
        } else {
            printf("Invalid or missing format. For 'json' mode use '/set format json'\n\n");
        }
    } else if (!strcmp(rest, "noformat")) {
        r->format = NULL;
        printf("Disabled format.\n\n");
    } else if (!strcmp(rest, "verbose") || !strcmp(rest, "quiet")) {
        r->verbose = rest[0] == 'v';
        printf("Set '%s' mode.\n\n", rest);
    } else if (!strcmp(rest, "think") || !strcmp(rest, "nothink")) {
        json_decref(r->think);
        r->think = rest[0] == 't' ? (arg ? json_string(arg) : json_true()) : json_false();
        printf("Set '%s' mode.\n\n", rest);
    } else {
        printf("Unknown command '/set %s'. Type /? for help\n", rest);
    }
}

/* A command line; false to leave. */
static bool command(struct repl *r, char *line)
{
    char *rest = strchr(line, ' ');
    if (rest)
        *rest++ = '\0';
    if (!strcmp(line, "/bye") || !strcmp(line, "/exit"))
        return false;
    if (!strcmp(line, "/?") || !strcmp(line, "/help")) {
        fputs(!rest ? help_text : !strcmp(rest, "set") ? help_set : !strcmp(rest, "show") ? help_show
                                : !strcmp(rest, "shortcuts") ? help_shortcuts : help_text, stdout);
    } else if (!strcmp(line, "/clear")) {
        json_array_clear(r->messages);
        printf("Cleared session context\n");
    } else if (!strcmp(line, "/set") && rest) {
        cmd_set(r, rest);
    } else if (!strcmp(line, "/set")) {
        fputs(help_set, stdout);
    } else if (!strcmp(line, "/show")) {
        if (rest)
            cmd_show(r, rest);
        else
            fputs(help_show, stdout);
    } else if (!strcmp(line, "/load") && rest) {
        cmd_load(r, rest);
    } else if (!strcmp(line, "/save") && rest) {
        cmd_save(r, rest);
    } else if (!strcmp(line, "/list")) {
        fflush(stdout);
        char *argv[] = {(char *)"list", NULL};
        extern const struct cli_cmd cli_cmd_list;
        cli_cmd_list.run(1, argv);
    } else {
        printf("Unknown command '%s'. Type /? for help\n", line);
    }
    return true;
}

/* ---------------------------------------------------------------- input */

/* One message: a line, or a """ block. NULL at EOF. */
static char *read_message(struct repl *r)
{
    char *line = readline(">>> ");
    if (!line)
        return NULL;
    if (strncmp(line, "\"\"\"", 3)) {
        if (*line && r->history)
            add_history(line);
        return line;
    }
    struct buf b;
    buf_init(&b, REPL_MAX_INPUT);
    char *cur = line + 3;
    for (;;) {
        const size_t n = strlen(cur);
        const bool ends = n >= 3 && !strcmp(cur + n - 3, "\"\"\"");
        buf_append(&b, cur, ends ? n - 3 : n);
        if (ends)
            break;
        buf_putc(&b, '\n');
        free(line);
        line = cur = readline("... ");
        if (!line)
            break;
    }
    free(line);
    char *msg = buf_take(&b);
    if (msg && *msg && r->history)
        add_history(msg);
    return msg ? msg : strdup("");
}

static void replay(struct repl *r)
{
    size_t i;
    const json_t *m;
    json_array_foreach(r->messages, i, m)
    {
        const char *role = json_string_value(json_object_get(m, "role"));
        const char *content = json_string_value(json_object_get(m, "content"));
        if (!role || !content)
            continue;
        if (!strcmp(role, "user"))
            printf(">>> %s\n", content);
        else if (!strcmp(role, "assistant")) {
            r->col = 0;
            out_text(r, content, strlen(content));
            out_end(r);
            printf("\n\n");
        }
    }
}

int repl_run(const struct run_api_opts *o)
{
    struct repl r = {.wordwrap = true, .history = !getenv("OLLAMA_NOHISTORY")};
    client_init(&r.c);
    snprintf(r.model, sizeof(r.model), "%s", o->model);
    r.options = json_deep_copy(o->options ? o->options : json_object());
    r.format = o->format;
    r.think = o->think ? json_incref(o->think) : NULL;
    r.keep_alive = o->keep_alive ? json_incref(o->keep_alive) : NULL;
    r.verbose = o->verbose;
    r.messages = json_array();
    buf_init(&r.word, REPL_MAX_INPUT);
    buf_init(&r.answer, (size_t)256 << 20);
    struct winsize ws;
    r.width = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_col - 5 : 0;
    /* the model's MESSAGE history starts the session; preload the model */
    json_t *resp = show(&r);
    const json_t *mm = json_object_get(resp, "messages");
    if (json_is_array(mm))
        json_array_extend(r.messages, (json_t *)mm);
    json_decref(resp);
    json_t *req = json_pack("{s:s}", "model", r.model);
    if (r.keep_alive)
        json_object_set(req, "keep_alive", r.keep_alive);
    struct cola_err err = {0};
    const int lrc = client_call(&r.c, "POST", "/api/generate", req, NULL, NULL, NULL, &err);
    json_decref(req);
    if (lrc) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        goto out;
    }
    const char *home = getenv("HOME");
    if (home)
        snprintf(r.hist_path, sizeof(r.hist_path), "%s/.ollama/history", home);
    if (r.history && r.hist_path[0])
        read_history(r.hist_path);
    struct sigaction sa = {0};
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);
    replay(&r);
    for (;;) {
        interrupted = 0;
        char *msg = read_message(&r);
        if (!msg)
            break;  /* Ctrl-D */
        bool go_on = true;
        if (msg[0] == '/')
            go_on = command(&r, msg);
        else if (*msg)
            chat(&r, msg);
        free(msg);
        if (!go_on)
            break;
    }
    if (r.history && r.hist_path[0])
        write_history(r.hist_path);
out:
    json_decref(r.options);
    json_decref(r.messages);
    json_decref(r.think);
    json_decref(r.keep_alive);
    free(r.system);
    buf_free(&r.word);
    buf_free(&r.answer);
    return lrc ? 1 : 0;
}
