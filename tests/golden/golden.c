/* golden.c — compare cola with llama.cpp's recorded outputs (../shared/golden).
 *
 *   golden MODEL.gguf GOLDEN.json [--greedy] [--teacher] [--threads N] [--batch N] [--only PROMPT_ID]
 *
 * --greedy   decode each recorded prompt greedily (temperature 0, end tokens
 *            banned as llama-server's ignore_eos does) and require exactly the
 *            recorded generated ids and text.
 * --teacher  feed prompt + recorded continuation and, at every generated
 *            position, require (golden/README.md): cola's top-1 equals the
 *            recorded id, unless the recorded top-2 gap is below 0.05 nats
 *            (then either near-tied id passes); every recorded top-10 token's
 *            log-probability within 0.05 of cola's. The worst difference is
 *            printed.
 * Always: the recorded prompt ids equal cola's tokenization of the prompt.
 *
 * Exit status: 0 all passed, 1 a mismatch or error, 77 input files absent.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/gen.h"
#include "engine/sampler.h"
#include "engine/tok.h"

#define TOL_LP 0.05
#define TIE_GAP 0.05
#define TOPK 10

struct opts {
    const char *model, *golden, *only;
    bool greedy, teacher;
    int threads, batch;
};

static int n_fail;

#define FAIL(...)                                                                             \
    do {                                                                                      \
        fprintf(stderr, "FAIL: " __VA_ARGS__);                                                \
        fputc('\n', stderr);                                                                  \
        n_fail++;                                                                             \
    } while (0)

static int32_t *ids_of(json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    int32_t *ids = malloc(sizeof(int32_t) * (*n ? *n : 1));
    for (size_t i = 0; i < *n; i++)
        ids[i] = (int32_t)json_integer_value(json_array_get(arr, i));
    return ids;
}

static void check_prompt_ids(const struct eng_model *m, json_t *gen)
{
    const char *pid = json_string_value(json_object_get(gen, "prompt_id"));
    const char *prompt = json_string_value(json_object_get(json_object_get(gen, "request"), "prompt"));
    size_t n_want;
    int32_t *want = ids_of(json_object_get(gen, "prompt_ids"), &n_want);
    struct tok_ids got;
    tok_ids_init(&got, 1 << 20);
    struct cola_err err;
    err_clear(&err);
    if (tok_encode(eng_model_vocab(m), prompt, strlen(prompt), TOK_ENC_ADD_SPECIAL, &got, &err))
        FAIL("%s: tokenize: %s", pid, err_msg(&err));
    else if (got.n != n_want || memcmp(got.ids, want, n_want * sizeof(int32_t)))
        FAIL("%s: prompt tokenizes to %zu ids, golden has %zu (or they differ)", pid, got.n, n_want);
    tok_ids_free(&got);
    free(want);
}

struct collect {
    char *text;
    size_t len, cap;
};

static int collect_text(void *user, const char *t, size_t n)
{
    struct collect *c = user;
    if (c->len + n + 1 > c->cap) {
        c->cap = (c->len + n + 1) * 2;
        c->text = realloc(c->text, c->cap);
    }
    memcpy(c->text + c->len, t, n);
    c->len += n;
    c->text[c->len] = '\0';
    return 0;
}

/* Greedy decoding with llama-server's ignore_eos (end tokens banned). */
static void run_greedy(struct eng_ctx *c, json_t *gen)
{
    const char *pid = json_string_value(json_object_get(gen, "prompt_id"));
    size_t n_prompt, n_want, n_banned;
    int32_t *prompt = ids_of(json_object_get(gen, "prompt_ids"), &n_prompt);
    int32_t *want = ids_of(json_object_get(gen, "generated_ids"), &n_want);
    int32_t *banned = ids_of(json_object_get(gen, "banned_ids"), &n_banned);
    const char *want_text = json_string_value(json_object_get(gen, "generated_text"));
    struct smp_bias *bias = calloc(n_banned + 1, sizeof(*bias));
    for (size_t i = 0; i < n_banned; i++)
        bias[i] = (struct smp_bias){banned[i], -INFINITY};
    struct gen_opts o;
    gen_opts_default(&o);
    o.smp.temperature = 0.0f;
    o.smp.bias = bias;
    o.smp.n_bias = n_banned;
    o.num_predict = (int32_t)n_want;
    struct collect text = {0};
    struct gen_stats st;
    struct cola_err err;
    err_clear(&err);
    if (gen_generate(c, 0, prompt, n_prompt, &o, collect_text, &text, &st, &err)) {
        FAIL("%s: generate: %s", pid, err_msg(&err));
    } else {
        if (st.eval_count != (int64_t)n_want)
            FAIL("%s: generated %lld tokens, golden %zu", pid, (long long)st.eval_count, n_want);
        if (!text.text || strcmp(text.text, want_text))
            FAIL("%s: greedy text differs\n  cola:   %s\n  golden: %s", pid,
                 text.text ? text.text : "", want_text);
        else
            printf("greedy %s: %zu tokens identical\n", pid, n_want);
    }
    free(text.text);
    free(bias);
    free(prompt);
    free(want);
    free(banned);
}

/* Log-softmax of logits at the golden top-10 ids. */
/* Whether id is among the end-of-generation ids llama-server banned. */
static bool is_banned(json_t *banned, int32_t id)
{
    for (size_t i = 0; i < json_array_size(banned); i++)
        if (json_integer_value(json_array_get(banned, i)) == id)
            return true;
    return false;
}

/* The recorded top-10 come from the raw logits, but the recorded id was
 * sampled with the end-of-generation tokens banned (ignore_eos): cola's top-1
 * is taken over the same unbanned tokens. */
static void teacher_step(const float *logits, int32_t n_vocab, json_t *step, json_t *banned,
                         size_t pos, const char *pid, double *worst)
{
    double max = -INFINITY, sum = 0;
    for (int32_t i = 0; i < n_vocab; i++)
        if (logits[i] > max)
            max = logits[i];
    for (int32_t i = 0; i < n_vocab; i++)
        sum += exp((double)logits[i] - max);
    const double lse = max + log(sum);
    int32_t best = -1;
    for (int32_t i = 0; i < n_vocab; i++)
        if (!is_banned(banned, i) && (best < 0 || logits[i] > logits[best]))
            best = i;
    json_t *top = json_object_get(step, "top");
    const int32_t want = (int32_t)json_integer_value(json_object_get(step, "id"));
    double lp0 = json_real_value(json_array_get(json_array_get(top, 0), 1));
    double lp1 = json_real_value(json_array_get(json_array_get(top, 1), 1));
    int32_t id1 = (int32_t)json_integer_value(json_array_get(json_array_get(top, 1), 0));
    bool tie = lp0 - lp1 < TIE_GAP;
    if (best != want && !(tie && best == id1))
        FAIL("%s step %zu: cola's top-1 is %d, golden %d (gap %.4f)", pid, pos, best, want,
             lp0 - lp1);
    for (size_t k = 0; k < json_array_size(top) && k < TOPK; k++) {
        json_t *pair = json_array_get(top, k);
        int32_t id = (int32_t)json_integer_value(json_array_get(pair, 0));
        double glp = json_real_value(json_array_get(pair, 1));
        double clp = (double)logits[id] - lse;
        double d = fabs(clp - glp);
        if (d > *worst)
            *worst = d;
        if (d > TOL_LP)
            FAIL("%s step %zu: token %d logprob %.5f, golden %.5f", pid, pos, id, clp, glp);
    }
}

static void run_teacher(struct eng_ctx *c, const struct eng_model *m, json_t *gen, double *worst)
{
    const char *pid = json_string_value(json_object_get(gen, "prompt_id"));
    size_t n_prompt, n_gen;
    int32_t *prompt = ids_of(json_object_get(gen, "prompt_ids"), &n_prompt);
    int32_t *cont = ids_of(json_object_get(gen, "generated_ids"), &n_gen);
    json_t *steps = json_object_get(gen, "steps");
    const size_t n = n_prompt + n_gen - 1; /* the last generated token needs no logits */
    int32_t *tok = malloc(sizeof(int32_t) * n), *pos = malloc(sizeof(int32_t) * n);
    int32_t *seq = calloc(n, sizeof(int32_t));
    bool *want = calloc(n, sizeof(bool));
    for (size_t i = 0; i < n; i++) {
        tok[i] = i < n_prompt ? prompt[i] : cont[i - n_prompt];
        pos[i] = (int32_t)i;
        want[i] = i + 1 >= n_prompt;
    }
    const int32_t n_batch = eng_ctx_params(c)->n_batch;
    const int32_t n_vocab = eng_model_hparams(m)->n_vocab;
    struct cola_err err;
    err_clear(&err);
    eng_seq_truncate(c, 0, 0);
    double w = 0;
    /* As llama-server produced the record: the prompt in batches of n_batch,
     * then every generated token decoded on its own. */
    for (size_t done = 0; done < n;) {
        size_t k = done < n_prompt ? n_prompt - done : 1;
        if (k > (size_t)n_batch)
            k = (size_t)n_batch;
        struct eng_batch b = {(int32_t)k, tok + done, pos + done, seq + done, want + done};
        if (eng_decode(c, &b, &err)) {
            FAIL("%s: decode: %s", pid, err_msg(&err));
            break;
        }
        for (size_t i = 0; i < k; i++) {
            const float *lg = eng_logits(c, (int32_t)i);
            if (!lg)
                continue;
            size_t step = done + i + 1 - n_prompt;
            teacher_step(lg, n_vocab, json_array_get(steps, step), json_object_get(gen, "banned_ids"),
                         step, pid, &w);
        }
        done += k;
    }
    printf("teacher %s: %zu positions, worst |dlogprob| %.5f\n", pid, n_gen, w);
    if (w > *worst)
        *worst = w;
    free(tok);
    free(pos);
    free(seq);
    free(want);
    free(prompt);
    free(cont);
}

static int parse(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--greedy"))
            o->greedy = true;
        else if (!strcmp(argv[i], "--teacher"))
            o->teacher = true;
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            o->batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            o->only = argv[++i];
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            o->threads = atoi(argv[++i]);
        else if (!o->model)
            o->model = argv[i];
        else if (!o->golden)
            o->golden = argv[i];
        else
            return -1;
    }
    return o->model && o->golden ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct opts o;
    if (parse(argc, argv, &o)) {
        fprintf(stderr, "usage: golden MODEL.gguf GOLDEN.json [--greedy] [--teacher] [--threads N] "
                        "[--only PROMPT_ID]\n");
        return 2;
    }
    if (access(o.model, R_OK) || access(o.golden, R_OK)) {
        printf("SKIP: %s or %s absent\n", o.model, o.golden);
        return 77;
    }
    json_error_t jerr;
    json_t *root = json_load_file(o.golden, 0, &jerr);
    if (!root) {
        fprintf(stderr, "%s: %s\n", o.golden, jerr.text);
        return 1;
    }
    struct cola_err err;
    err_clear(&err);
    struct eng_model *m = NULL;
    struct eng_ctx *c = NULL;
    if (eng_model_load(o.model, NULL, &m, &err)) {
        fprintf(stderr, "FAIL: load %s: %s\n", o.model, err_msg(&err));
        return 1;
    }
    struct eng_ctx_params cp;
    eng_ctx_params_default(&cp);
    cp.n_ctx = 2048;
    cp.n_batch = o.batch > 0 ? o.batch : 512;
    cp.n_outputs_max = cp.n_batch < 64 ? cp.n_batch : 64;
    cp.n_threads = o.threads;
    if (eng_ctx_new(m, &cp, &c, &err)) {
        fprintf(stderr, "FAIL: context: %s\n", err_msg(&err));
        return 1;
    }
    json_t *gens = json_object_get(root, "generate");
    double worst = 0;
    for (size_t i = 0; i < json_array_size(gens); i++) {
        json_t *g = json_array_get(gens, i);
        if (o.only && strcmp(o.only, json_string_value(json_object_get(g, "prompt_id"))))
            continue;
        check_prompt_ids(m, g);
        if (o.greedy)
            run_greedy(c, g);
        if (o.teacher)
            run_teacher(c, m, g, &worst);
    }
    if (o.teacher)
        printf("worst |dlogprob| over all positions: %.5f (tolerance %.2f)\n", worst, TOL_LP);
    eng_ctx_free(c);
    eng_model_free(m);
    json_decref(root);
    printf("%s: %s\n", o.model, n_fail ? "FAILED" : "passed");
    return n_fail ? 1 : 0;
}
