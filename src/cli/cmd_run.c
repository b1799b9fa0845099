/* cmd_run.c — `cola run MODEL [PROMPT...]`: a GGUF file path is loaded and
 * run right here, without a daemon; a model name goes through the daemon
 * (run_api.c), as `ollama run` does. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_api.h"
#include "engine/engine.h"
#include "engine/gen.h"
#include "engine/tok.h"
#include "util/buf.h"
#include "util/godur.h"

#define RUN_MAX_PROMPT (64u << 20)  /* bytes of prompt text (arguments + stdin) */
#define RUN_MAX_STOPS 64

static const char usage[] =
    "Run a model on a prompt\n"
    "\n"
    "Usage:\n"
    "  cola run MODEL [PROMPT...] [flags]\n"
    "\n"
    "MODEL is a model name (llama3.2, user/model:tag): the prompt goes through the\n"
    "daemon (cola serve), which pulls the model first when the store lacks it; or a\n"
    "path to a GGUF file: cola loads it directly, no daemon needed.\n"
    "The prompt words are joined with spaces; when standard input is not a terminal,\n"
    "its content comes first. The prompt is raw text (no chat template); the model's\n"
    "vocabulary decides whether a BOS token is added. The continuation is printed as\n"
    "it is generated.\n"
    "\n"
    "Flags (Ollama's option names; --num-predict and --num_predict both work):\n"
    "      --temperature F        randomness; 0 = greedy (default 0.8)\n"
    "      --top-k N              sample from the N most likely tokens (default 40)\n"
    "      --top-p F              nucleus sampling threshold (default 0.9)\n"
    "      --min-p F              drop tokens below F x the top probability (default 0)\n"
    "      --typical-p F          locally typical sampling (default 1 = off)\n"
    "      --repeat-penalty F     penalty for repeated tokens (default 1 = off)\n"
    "      --repeat-last-n N      how far back penalties look (default 64; -1 = num_ctx)\n"
    "      --presence-penalty F   (default 0)\n"
    "      --frequency-penalty F  (default 0)\n"
    "      --seed N               random seed (default -1 = random)\n"
    "      --num-predict N        most tokens to generate (default -1 = no limit;\n"
    "                             -2 = until the context is full)\n"
    "      --num-ctx N            context length in tokens (default 4096, at most the\n"
    "                             model's trained length)\n"
    "      --num-keep N           tokens kept at the start when the context shifts (default 4)\n"
    "      --num-batch N          prompt tokens per forward pass (default 512)\n"
    "      --num-thread N         compute threads (default: physical cores)\n"
    "      --stop STR             stop when STR is generated (repeatable)\n"
    "      --no-shift             stop at a full context instead of shifting it\n"
    "      --verbose              print timings after the response (to stderr)\n"
    "      --keepalive DURATION   how long the daemon keeps the model loaded (e.g. 5m)\n"
    "      --format json          ask for a JSON answer (daemon)\n"
    "      --think[=VALUE]        true, false, high, medium, low or max (daemon)\n"
    "      --hidethinking         do not print the thinking (daemon)\n"
    "      --insecure             pull over plain http (daemon)\n"
    "      --nowordwrap           accepted for compatibility; output is not wrapped\n"
    "  -h, --help                 help for run\n";

struct run_opts {
    const char *model;
    struct buf prompt;
    struct gen_opts gen;
    const char *stops[RUN_MAX_STOPS];
    int32_t num_ctx, num_batch, num_thread;
    bool verbose;
    json_t *api_opts;      /* the option flags given, by Ollama's names (daemon runs) */
    struct run_api_opts api;
};

static int parse_num(const char *s, double lo, double hi, bool integer, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    if (integer && v != floor(v))
        return -1;
    *out = v;
    return 0;
}

/* "--num_predict" and "--num-predict" are the same flag. */
static void normalize_flag(const char *in, char *out, size_t n)
{
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++)
        out[i] = in[i] == '_' ? '-' : in[i];
    out[i] = '\0';
}

/* Set the numeric option FLAG from VAL; with VAL NULL, only say whether
 * FLAG is one (0) or not (1). */
static int set_option(struct run_opts *o, const char *flag, const char *val)
{
    struct smp_params *s = &o->gen.smp;
    double v;
    const double I32 = 2147483647.0;
    struct {
        const char *name;
        double lo, hi;
        bool integer;
        float *f;
        int32_t *i;
        int64_t *i64;
    } table[] = {
        {"--temperature", 0, 1e6, false, &s->temperature, NULL, NULL},
        {"--top-k", -I32, I32, true, NULL, &s->top_k, NULL},
        {"--top-p", 0, 1e6, false, &s->top_p, NULL, NULL},
        {"--min-p", 0, 1, false, &s->min_p, NULL, NULL},
        {"--typical-p", 0, 1e6, false, &s->typical_p, NULL, NULL},
        {"--repeat-penalty", 0, 1e6, false, &s->repeat_penalty, NULL, NULL},
        {"--repeat-last-n", -1, I32, true, NULL, &s->repeat_last_n, NULL},
        {"--presence-penalty", -1e6, 1e6, false, &s->presence_penalty, NULL, NULL},
        {"--frequency-penalty", -1e6, 1e6, false, &s->frequency_penalty, NULL, NULL},
        {"--seed", -9.2e18, 9.2e18, true, NULL, NULL, &s->seed},
        {"--num-predict", -2, I32, true, NULL, &o->gen.num_predict, NULL},
        {"--num-ctx", 1, I32, true, NULL, &o->num_ctx, NULL},
        {"--num-keep", -1, I32, true, NULL, &o->gen.num_keep, NULL},
        {"--num-batch", 1, 1 << 16, true, NULL, &o->num_batch, NULL},
        {"--num-thread", 0, 1024, true, NULL, &o->num_thread, NULL},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(flag, table[i].name))
            continue;
        if (!val)
            return 0;
        if (parse_num(val, table[i].lo, table[i].hi, table[i].integer, &v))
            return cli_usage_error(&cli_cmd_run, "invalid value \"%s\" for %s", val, flag);
        char key[64];
        size_t k = 0;
        for (const char *q = flag + 2; *q && k + 1 < sizeof(key); q++)
            key[k++] = *q == '-' ? '_' : *q;
        key[k] = '\0';
        json_object_set_new(o->api_opts, key, table[i].integer ? json_integer((json_int_t)v) : json_real(v));
        if (table[i].f)
            *table[i].f = (float)v;
        else if (table[i].i)
            *table[i].i = (int32_t)v;
        else
            *table[i].i64 = (int64_t)v;
        return 0;
    }
    return val ? cli_usage_error(&cli_cmd_run, "unknown flag: %s", flag) : 1;
}

static int parse_args(int argc, char **argv, struct run_opts *o)
{
    bool only_args = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_args && !strcmp(a, "--")) {
            only_args = true;
        } else if (!only_args && a[0] == '-' && a[1]) {
            char flag[64];
            normalize_flag(a, flag, sizeof(flag));
            char *eq = strchr(flag, '=');
            const char *val = NULL;
            if (eq) {
                *eq = '\0';
                val = strchr(a, '=') + 1;
            }
            if (!strcmp(flag, "--verbose")) {
                o->verbose = true;
            } else if (!strcmp(flag, "--no-shift")) {
                o->gen.shift = false;
                o->api.shift_off = true;
            } else if (!strcmp(flag, "--hidethinking") || !strcmp(flag, "--insecure") ||
                       !strcmp(flag, "--nowordwrap")) {
                if (!strcmp(flag, "--hidethinking"))
                    o->api.hide_thinking = true;
                if (!strcmp(flag, "--insecure"))
                    o->api.insecure = true;
            } else if (!strcmp(flag, "--think")) {
                static const char *const ok[] = {"true", "false", "high", "medium", "low", "max"};
                const char *t = val ? val : "true";
                size_t k = 0;
                while (k < 6 && strcmp(t, ok[k]))
                    k++;
                if (k == 6)
                    return cli_usage_error(&cli_cmd_run, "invalid value for --think: \"%s\" (must be "
                                                         "true, false, high, medium, low, or max)", t);
                json_decref(o->api.think);
                o->api.think = k < 2 ? json_boolean(k == 0) : json_string(t);
            } else if (!strcmp(flag, "--keepalive") || !strcmp(flag, "--format")) {
                if (!val) {
                    if (i + 1 >= argc)
                        return cli_usage_error(&cli_cmd_run, "flag needs an argument: %s", a);
                    val = argv[++i];
                }
                if (!strcmp(flag, "--format")) {
                    o->api.format = val;
                } else {
                    int64_t d;
                    if (godur_parse(val, &d))
                        return cli_usage_error(&cli_cmd_run, "invalid duration \"%s\" for --keepalive", val);
                    json_decref(o->api.keep_alive);
                    o->api.keep_alive = json_string(val);
                }
            } else if (strcmp(flag, "--stop") && set_option(o, flag, NULL)) {
                return cli_usage_error(&cli_cmd_run, "unknown flag: %s", flag);
            } else {
                if (!val) {
                    if (i + 1 >= argc)
                        return cli_usage_error(&cli_cmd_run, "flag needs an argument: %s", a);
                    val = argv[++i];
                }
                int rc;
                if (!strcmp(flag, "--stop")) {
                    if (o->gen.n_stop >= RUN_MAX_STOPS)
                        return cli_usage_error(&cli_cmd_run, "at most %d --stop strings",
                                               RUN_MAX_STOPS);
                    o->stops[o->gen.n_stop++] = val;
                    json_t *st = json_object_get(o->api_opts, "stop");
                    if (!st)
                        json_object_set_new(o->api_opts, "stop", st = json_array());
                    json_array_append_new(st, json_string(val));
                } else if ((rc = set_option(o, flag, val))) {
                    return rc;
                }
            }
        } else if (!o->model) {
            o->model = a;
        } else {
            if (o->prompt.len && buf_putc(&o->prompt, ' '))
                return cli_usage_error(&cli_cmd_run, "prompt too long");
            if (buf_puts(&o->prompt, a))
                return cli_usage_error(&cli_cmd_run, "prompt too long");
        }
    }
    if (!o->model)
        return cli_usage_error(&cli_cmd_run, "requires at least 1 arg(s), only received 0");
    return 0;
}

/* Ollama: a non-terminal stdin is read and put before the prompt words. */
static int read_stdin_prompt(struct buf *prompt)
{
    if (isatty(STDIN_FILENO))
        return 0;
    struct buf in;
    buf_init(&in, RUN_MAX_PROMPT);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        if (buf_append(&in, chunk, n)) {
            buf_free(&in);
            return COLA_ENOMEM;
        }
    if (prompt->len) {
        if (in.len && in.data[in.len - 1] != '\n' && buf_putc(&in, ' ')) {
            buf_free(&in);
            return COLA_ENOMEM;
        }
        if (buf_append(&in, prompt->data, prompt->len)) {
            buf_free(&in);
            return COLA_ENOMEM;
        }
    }
    buf_free(prompt);
    *prompt = in;
    return 0;
}

static int emit_stdout(void *user, const char *text, size_t len)
{
    (void)user;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
    return 0;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Ollama's --verbose block (api.Metrics.Summary), as for the daemon's answers. */
static void print_stats(int64_t total, int64_t load, const struct gen_stats *st)
{
    json_t *m = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "total_duration", (json_int_t)total,
                          "load_duration", (json_int_t)load, "prompt_eval_count",
                          (json_int_t)st->prompt_eval_count, "prompt_eval_duration",
                          (json_int_t)st->prompt_eval_ns, "eval_count", (json_int_t)st->eval_count,
                          "eval_duration", (json_int_t)st->eval_ns);
    if (m)
        run_api_summary(m);
    json_decref(m);
}

static int generate(struct run_opts *o, int64_t t_start)
{
    struct cola_err err;
    err_clear(&err);
    struct eng_model *m = NULL;
    struct eng_ctx *c = NULL;
    struct tok_ids ids;
    tok_ids_init(&ids, 1u << 24);
    int status = 1;
    if (eng_model_load(o->model, NULL, &m, &err))
        goto out;
    const struct eng_hparams *hp = eng_model_hparams(m);
    struct eng_ctx_params cp;
    eng_ctx_params_default(&cp);
    cp.n_ctx = o->num_ctx > 0 ? o->num_ctx : 4096;
    if (cp.n_ctx > hp->n_ctx_train)
        cp.n_ctx = hp->n_ctx_train; /* Ollama clamps num_ctx to the trained length */
    if (cp.n_ctx < 4)
        cp.n_ctx = 4;
    if (o->num_batch > 0)
        cp.n_batch = o->num_batch;
    cp.n_threads = o->num_thread;
    if (eng_ctx_new(m, &cp, &c, &err))
        goto out;
    int64_t t_loaded = now_ns();
    if (tok_encode(eng_model_vocab(m), o->prompt.data ? o->prompt.data : "", o->prompt.len,
                   TOK_ENC_ADD_SPECIAL, &ids, &err))
        goto out;
    struct gen_stats st;
    if (gen_generate(c, 0, ids.ids, ids.n, &o->gen, emit_stdout, NULL, &st, &err))
        goto out;
    printf("\n\n"); /* as `ollama run` ends a one-shot answer */
    fflush(stdout);
    if (o->verbose)
        print_stats(now_ns() - t_start, t_loaded - t_start, &st);
    status = 0;
out:
    if (status)
        fprintf(stderr, "Error: %s\n", err_msg(&err));
    tok_ids_free(&ids);
    eng_ctx_free(c);
    eng_model_free(m);
    return status;
}

static int run(int argc, char **argv)
{
    int64_t t_start = now_ns();
    struct run_opts o;
    memset(&o, 0, sizeof(o));
    buf_init(&o.prompt, RUN_MAX_PROMPT);
    gen_opts_default(&o.gen);
    o.gen.stop = o.stops;
    o.api_opts = json_object();
    int rc = parse_args(argc, argv, &o);
    if (!rc) {
        struct stat sb;
        const size_t ml = strlen(o.model);
        const bool looks_like_path = o.model[0] == '/' || o.model[0] == '.' ||
                                     (ml > 5 && !strcmp(o.model + ml - 5, ".gguf"));
        if (stat(o.model, &sb) != 0 && looks_like_path) {
            fprintf(stderr, "Error: %s: %s\n", o.model, strerror(errno));
            rc = 1;
        } else if (read_stdin_prompt(&o.prompt)) {
            fprintf(stderr, "Error: prompt too long (more than %u bytes)\n", RUN_MAX_PROMPT);
            rc = 1;
        } else if (stat(o.model, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            o.api.model = o.model;
            o.api.prompt = o.prompt.data ? o.prompt.data : "";
            o.api.options = o.api_opts;
            o.api.verbose = o.verbose;
            rc = run_api(&o.api);
        } else if (o.prompt.len == 0) {
            fprintf(stderr, "Error: a prompt is required when running a GGUF file "
                            "(interactive chat needs the daemon)\n");
            rc = 2;
        } else {
            rc = generate(&o, t_start);
        }
    }
    buf_free(&o.prompt);
    json_decref(o.api_opts);
    json_decref(o.api.keep_alive);
    json_decref(o.api.think);
    return rc;
}

const struct cli_cmd cli_cmd_run = {"run", "Run a model on a prompt", usage, run};
