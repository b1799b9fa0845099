/* cmd_bench.c — `cola bench MODEL.gguf`: prompt processing and generation
 * speed, llama-bench style. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "engine/pool.h"

static const char usage[] =
    "Measure how fast a GGUF model processes a prompt and generates tokens\n"
    "\n"
    "Usage:\n"
    "  cola bench MODEL.gguf [flags]\n"
    "\n"
    "Flags:\n"
    "  -p, --n-prompt N     prompt tokens per prompt-processing test (default 512; 0 skips it)\n"
    "  -n, --n-gen N        tokens per generation test (default 128; 0 skips it)\n"
    "  -b, --batch-size N   tokens per decode call when processing the prompt (default 512)\n"
    "  -t, --threads N      compute threads (default: the number of physical cores)\n"
    "  -r, --repetitions N  measured runs per test, after one warm-up run (default 5)\n"
    "  -o, --output FMT     md (a table, default), jsonl (one JSON object per test) or csv\n"
    "  -h, --help           help for bench\n"
    "\n"
    "Each test reports tokens per second as the mean and standard deviation over the\n"
    "repetitions, like llama-bench: pp<N> is the prompt test, tg<N> the generation test\n"
    "(tokens decoded one at a time with an empty context). Token ids are random.\n";

struct bench_opts {
    const char *path;
    int n_prompt, n_gen, n_batch, threads, reps;
    const char *fmt;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
    *o = (struct bench_opts){NULL, 512, 128, 512, 0, 5, "md"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int *dst = NULL, lo = 0, hi = 1 << 20;
        if (!strcmp(a, "-p") || !strcmp(a, "--n-prompt"))
            dst = &o->n_prompt;
        else if (!strcmp(a, "-n") || !strcmp(a, "--n-gen"))
            dst = &o->n_gen;
        else if (!strcmp(a, "-b") || !strcmp(a, "--batch-size"))
            dst = &o->n_batch, lo = 1;
        else if (!strcmp(a, "-t") || !strcmp(a, "--threads"))
            dst = &o->threads, lo = 1, hi = 1024;
        else if (!strcmp(a, "-r") || !strcmp(a, "--repetitions"))
            dst = &o->reps, lo = 1, hi = 1000;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (i + 1 >= argc)
                return cli_usage_error(&cli_cmd_bench, "%s needs a value", a);
            o->fmt = argv[++i];
            if (strcmp(o->fmt, "md") && strcmp(o->fmt, "jsonl") && strcmp(o->fmt, "csv"))
                return cli_usage_error(&cli_cmd_bench, "unknown output format '%s'", o->fmt);
            continue;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error(&cli_cmd_bench, "unknown flag %s", a);
        } else if (!o->path) {
            o->path = a;
            continue;
        } else {
            return cli_usage_error(&cli_cmd_bench, "unexpected argument %s", a);
        }
        if (i + 1 >= argc)
            return cli_usage_error(&cli_cmd_bench, "%s needs a value", a);
        if (parse_int(argv[++i], lo, hi, dst))
            return cli_usage_error(&cli_cmd_bench, "bad value '%s' for %s", argv[i], a);
    }
    if (!o->path)
        return cli_usage_error(&cli_cmd_bench, "a model file is required");
    return 0;
}

/* One prompt-processing run: n tokens in batches, logits for the last one. */
static int run_pp(struct eng_ctx *c, struct eng_batch *b, int n, int n_batch, int32_t n_vocab,
                  struct cola_err *err)
{
    eng_seq_truncate(c, 0, 0);
    for (int done = 0; done < n;) {
        int k = n - done < n_batch ? n - done : n_batch;
        for (int i = 0; i < k; i++) {
            b->token[i] = rand() % n_vocab;
            b->pos[i] = done + i;
            b->seq[i] = 0;
            b->logits[i] = done + i == n - 1;
        }
        b->n = k;
        int rc = eng_decode(c, b, err);
        if (rc)
            return rc;
        done += k;
    }
    return 0;
}

/* One generation run: n single-token decodes from an empty sequence. */
static int run_tg(struct eng_ctx *c, struct eng_batch *b, int n, int32_t n_vocab,
                  struct cola_err *err)
{
    eng_seq_truncate(c, 0, 0);
    for (int i = 0; i < n; i++) {
        b->n = 1;
        b->token[0] = rand() % n_vocab;
        b->pos[0] = i;
        b->seq[0] = 0;
        b->logits[0] = true;
        int rc = eng_decode(c, b, err);
        if (rc)
            return rc;
    }
    return 0;
}

struct bench_result {
    char test[32];
    int n_tokens;
    double mean_ts, sd_ts;
};

static void print_result(const struct bench_opts *o, const struct eng_model *m,
                         const struct eng_ctx *c, const struct bench_result *r)
{
    const struct eng_hparams *hp = eng_model_hparams(m);
    const double size_mib = (double)eng_model_weight_bytes(m) / (1024.0 * 1024.0);
    const double n_params = (double)eng_model_n_params(m);
    char params[32];
    if (n_params >= 1e9)
        snprintf(params, sizeof(params), "%.2f B", n_params / 1e9);
    else if (n_params >= 1e6)
        snprintf(params, sizeof(params), "%.2f M", n_params / 1e6);
    else
        snprintf(params, sizeof(params), "%.2f K", n_params / 1e3);
    const int threads = eng_ctx_params(c)->n_threads;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const double rss_mib = (double)ru.ru_maxrss / 1024.0;
    if (!strcmp(o->fmt, "jsonl")) {
        printf("{\"model\":\"%s\",\"arch\":\"%s\",\"size_mib\":%.2f,\"n_params\":%.0f,"
               "\"threads\":%d,\"test\":\"%s\",\"n_tokens\":%d,\"reps\":%d,\"avg_ts\":%.3f,"
               "\"stddev_ts\":%.3f,\"peak_rss_mib\":%.1f}\n",
               o->path, hp->arch, size_mib, n_params, threads, r->test, r->n_tokens, o->reps,
               r->mean_ts, r->sd_ts, rss_mib);
    } else if (!strcmp(o->fmt, "csv")) {
        printf("%s,%s,%.2f,%.0f,%d,%s,%d,%.3f,%.3f,%.1f\n", o->path, hp->arch, size_mib, n_params,
               threads, r->test, o->reps, r->mean_ts, r->sd_ts, rss_mib);
    } else {
        printf("| %-24.24s | %9.2f MiB | %9s | %7d | %8s | %10.2f ± %-7.2f |\n", hp->arch,
               size_mib, params, threads, r->test, r->mean_ts, r->sd_ts);
    }
    fflush(stdout);
}

static void print_header(const struct bench_opts *o)
{
    if (!strcmp(o->fmt, "csv"))
        printf("model,arch,size_mib,n_params,threads,test,reps,avg_ts,stddev_ts,peak_rss_mib\n");
    else if (!strcmp(o->fmt, "md"))
        printf("| %-24s | %13s | %9s | %7s | %8s | %20s |\n"
               "| %-24s | %13s | %9s | %7s | %8s | %20s |\n",
               "model", "size", "params", "threads", "test", "t/s", "------------------------",
               "------------:", "--------:", "------:", "-------:", "-------------------:");
}

/* Warm up, then time o->reps runs of one test. */
static int bench_test(const struct bench_opts *o, struct eng_ctx *c, struct eng_batch *b,
                      int32_t n_vocab, bool pp, struct bench_result *r, struct cola_err *err)
{
    const int n = pp ? o->n_prompt : o->n_gen;
    snprintf(r->test, sizeof(r->test), "%s%d", pp ? "pp" : "tg", n);
    r->n_tokens = n;
    double sum = 0, sum2 = 0;
    for (int rep = -1; rep < o->reps; rep++) {
        double t0 = now_s();
        int rc = pp ? run_pp(c, b, n, o->n_batch, n_vocab, err) : run_tg(c, b, n, n_vocab, err);
        if (rc)
            return rc;
        double ts = (double)n / (now_s() - t0);
        if (rep >= 0) {
            sum += ts;
            sum2 += ts * ts;
        }
    }
    r->mean_ts = sum / o->reps;
    double var = o->reps > 1 ? (sum2 - sum * sum / o->reps) / (o->reps - 1) : 0.0;
    r->sd_ts = var > 0 ? sqrt(var) : 0.0;
    return 0;
}

static int run(int argc, char **argv)
{
    struct bench_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc;
    struct cola_err err;
    err_clear(&err);
    struct eng_model *m = NULL;
    struct eng_ctx *c = NULL;
    struct eng_batch b = {0};
    int status = 1;
    if (eng_model_load(o.path, NULL, &m, &err))
        goto out;
    struct eng_ctx_params cp;
    eng_ctx_params_default(&cp);
    cp.n_ctx = (o.n_prompt > o.n_gen ? o.n_prompt : o.n_gen) + 1;
    cp.n_batch = o.n_batch;
    cp.n_threads = o.threads;
    if (eng_ctx_new(m, &cp, &c, &err))
        goto out;
    b.token = calloc((size_t)o.n_batch, sizeof(*b.token));
    b.pos = calloc((size_t)o.n_batch, sizeof(*b.pos));
    b.seq = calloc((size_t)o.n_batch, sizeof(*b.seq));
    b.logits = calloc((size_t)o.n_batch, sizeof(*b.logits));
    if (!b.token || !b.pos || !b.seq || !b.logits) {
        err_set(&err, COLA_ENOMEM, "out of memory");
        goto out;
    }
    srand(1234);
    print_header(&o);
    const int32_t n_vocab = eng_model_hparams(m)->n_vocab;
    for (int pp = 1; pp >= 0; pp--) {
        if ((pp ? o.n_prompt : o.n_gen) == 0)
            continue;
        struct bench_result r;
        if (bench_test(&o, c, &b, n_vocab, pp, &r, &err))
            goto out;
        print_result(&o, m, c, &r);
    }
    status = 0;
out:
    if (status)
        fprintf(stderr, "Error: %s\n", err_msg(&err));
    free(b.token);
    free(b.pos);
    free(b.seq);
    free(b.logits);
    eng_ctx_free(c);
    eng_model_free(m);
    return status;
}

const struct cli_cmd cli_cmd_bench = {"bench", "Measure prompt and generation speed of a GGUF model",
                                      usage, run};
