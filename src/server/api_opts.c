/* api_opts.c — request options and keep_alive as Ollama decodes them
 * (API.md §8, §10). */
#include "server/api_gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/godur.h"

enum otype { O_INT, O_FLOAT, O_BOOL, O_STRS };

static const struct {
    const char *name;
    enum otype t;
} known[] = {
    {"num_ctx", O_INT},        {"num_batch", O_INT},         {"num_gpu", O_INT},
    {"main_gpu", O_INT},       {"use_mmap", O_BOOL},         {"num_thread", O_INT},
    {"num_keep", O_INT},       {"seed", O_INT},              {"num_predict", O_INT},
    {"top_k", O_INT},          {"top_p", O_FLOAT},           {"min_p", O_FLOAT},
    {"typical_p", O_FLOAT},    {"repeat_last_n", O_INT},     {"temperature", O_FLOAT},
    {"repeat_penalty", O_FLOAT}, {"presence_penalty", O_FLOAT}, {"frequency_penalty", O_FLOAT},
    {"stop", O_STRS},          {"draft_num_predict", O_INT},
};

/* Options.FromMap's check of one value; the error texts are Ollama's. */
static int check(const char *k, enum otype t, const json_t *v, struct cola_err *err)
{
    switch (t) {
    case O_INT:
        if (!json_is_number(v))
            return err_set(err, COLA_EINVAL, "option \"%s\" must be of type integer", k);
        return 0;
    case O_FLOAT:
        if (!json_is_number(v))
            return err_set(err, COLA_EINVAL, "option \"%s\" must be of type float32", k);
        return 0;
    case O_BOOL:
        if (!json_is_boolean(v))
            return err_set(err, COLA_EINVAL, "option \"%s\" must be of type boolean", k);
        return 0;
    case O_STRS: {
        if (!json_is_array(v))
            return err_set(err, COLA_EINVAL, "option \"%s\" must be of type array", k);
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e))
                return err_set(err, COLA_EINVAL, "option \"%s\" must be of an array of strings", k);
        }
        return 0;
    }
    }
    return 0;
}

int api_options(const json_t *params, const json_t *req, json_t **out, struct cola_err *err)
{
    json_t *o = json_object();
    if (!o)
        return err_set(err, COLA_ENOMEM, "out of memory");
    const json_t *layers[2] = {params, req};
    for (int l = 0; l < 2; l++) {
        if (!json_is_object(layers[l]))
            continue;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            const json_t *v = json_object_get(layers[l], known[i].name);
            if (!v || json_is_null(v))
                continue;
            int rc = check(known[i].name, known[i].t, v, err);
            if (rc) {
                json_decref(o);
                return rc;
            }
            json_t *nv = known[i].t == O_INT ? json_integer((json_int_t)json_number_value(v))
                                             : json_deep_copy(v);
            json_object_set_new(o, known[i].name, nv);
        }
    }
    *out = o;
    return 0;
}

int64_t api_env_keep_alive(void)
{
    const int64_t def = (int64_t)5 * 60 * 1000000000;
    const char *s = getenv("OLLAMA_KEEP_ALIVE");
    if (!s || !*s)
        return def;
    char *end;
    const long long secs = strtoll(s, &end, 10);
    if (*s && !*end)
        return secs < 0 ? -1 : secs * 1000000000LL;
    int64_t d;
    if (godur_parse(s, &d))
        return def;
    return d < 0 ? -1 : d;
}

int api_keep_alive(const json_t *v, int64_t *out, bool *set, struct cola_err *err)
{
    *set = false;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_number(v)) {
        const double s = json_number_value(v);
        *out = s < 0 ? -1 : s * 1e9 > 9.2e18 ? -1 : (int64_t)(s * 1e9);
    } else if (json_is_string(v)) {
        int64_t d;
        if (godur_parse(json_string_value(v), &d))
            return err_set(err, COLA_EINVAL, "time: %s \"%s\"",
                           strspn(json_string_value(v), "-+.0123456789") == strlen(json_string_value(v))
                               ? "missing unit in duration"
                               : "invalid duration",
                           json_string_value(v));
        *out = d < 0 ? -1 : d;
    } else {
        return err_set(err, COLA_EINVAL, "Unsupported type: '%s'",
                       json_is_boolean(v) ? "bool" : json_is_array(v) ? "[]interface {}"
                                                                      : "map[string]interface {}");
    }
    *set = true;
    return 0;
}
