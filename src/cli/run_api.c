/* run_api.c — `cola run NAME` through the daemon (run_api.h). */
#include "cli/run_api.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/progress.h"
#include "cli/repl.h"
#include "store/transfer.h"
#include "util/godur.h"

static int print_chunk(void *user, const json_t *o)
{
    json_t **last = user;
    const char *r = json_string_value(json_object_get(o, "response"));
    if (r && *r) {
        fwrite(r, 1, json_string_length(json_object_get(o, "response")), stdout);
        fflush(stdout);
    }
    if (json_is_true(json_object_get(o, "done"))) {
        json_decref(*last);
        *last = json_incref((json_t *)o);
    }
    return 0;
}

void run_api_summary(const json_t *m)
{
    char d[40];
    const json_int_t total = json_integer_value(json_object_get(m, "total_duration"));
    const json_int_t load = json_integer_value(json_object_get(m, "load_duration"));
    const json_int_t pc = json_integer_value(json_object_get(m, "prompt_eval_count"));
    const json_int_t pd = json_integer_value(json_object_get(m, "prompt_eval_duration"));
    const json_int_t ec = json_integer_value(json_object_get(m, "eval_count"));
    const json_int_t ed = json_integer_value(json_object_get(m, "eval_duration"));
    if (total > 0)
        fprintf(stderr, "total duration:       %s\n", godur_format(total, d, sizeof(d)));
    if (load > 0)
        fprintf(stderr, "load duration:        %s\n", godur_format(load, d, sizeof(d)));
    if (pc > 0)
        fprintf(stderr, "prompt eval count:    %lld token(s)\n", (long long)pc);
    if (pd > 0) {
        fprintf(stderr, "prompt eval duration: %s\n", godur_format(pd, d, sizeof(d)));
        fprintf(stderr, "prompt eval rate:     %.2f tokens/s\n", (double)pc / ((double)pd / 1e9));
    }
    if (ec > 0)
        fprintf(stderr, "eval count:           %lld token(s)\n", (long long)ec);
    if (ed > 0) {
        fprintf(stderr, "eval duration:        %s\n", godur_format(ed, d, sizeof(d)));
        fprintf(stderr, "eval rate:            %.2f tokens/s\n", (double)ec / ((double)ed / 1e9));
    }
}

/* Progress lines of /api/pull shown as `cola pull` shows them. */
static int pull_line(void *user, const json_t *o)
{
    const struct xfer_event e = {
        json_string_value(json_object_get(o, "status")),
        json_string_value(json_object_get(o, "digest")),
        json_integer_value(json_object_get(o, "total")),
        json_integer_value(json_object_get(o, "completed")),
    };
    if (user && e.status)
        prog_pull_event(user, &e);
    return 0;
}

static int ensure_model(const struct client *c, const struct run_api_opts *o, struct cola_err *err)
{
    json_t *req = json_pack("{s:s}", "model", o->model);
    int rc = client_call(c, "POST", "/api/show", req, NULL, NULL, NULL, err);
    json_decref(req);
    if (rc != COLA_ENOTFOUND)
        return rc;
    err_clear(err);
    struct prog *p = prog_open(isatty(STDERR_FILENO) != 0);
    req = json_pack("{s:s,s:b}", "model", o->model, "insecure", o->insecure);
    rc = client_call(c, "POST", "/api/pull", req, pull_line, p, NULL, err);
    prog_close(p);
    json_decref(req);
    return rc;
}

int run_api(const struct run_api_opts *o)
{
    struct client c;
    client_init(&c);
    struct cola_err err = {0};
    json_t *last = NULL, *req = NULL;
    int rc = ensure_model(&c, o, &err);
    if (!rc && !*o->prompt) {
        if (isatty(STDIN_FILENO))
            return repl_run(o);
        rc = err_set(&err, COLA_EINVAL, "a prompt is required when standard input is not a "
                                        "terminal");
    }
    if (!rc) {
        req = json_pack("{s:s,s:s}", "model", o->model, "prompt", o->prompt);
        if (json_object_size(o->options))
            json_object_set(req, "options", o->options);
        if (o->keep_alive)
            json_object_set(req, "keep_alive", o->keep_alive);
        if (o->format)
            json_object_set_new(req, "format", json_string(o->format));
        if (o->think)
            json_object_set(req, "think", o->think);
        if (o->shift_off)
            json_object_set_new(req, "shift", json_false());
        rc = client_call(&c, "POST", "/api/generate", req, print_chunk, &last, NULL, &err);
    }
    if (!rc) {
        printf("\n\n");
        fflush(stdout);
        if (o->verbose && last)
            run_api_summary(last);
    } else {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
    }
    json_decref(req);
    json_decref(last);
    return rc ? 1 : 0;
}
