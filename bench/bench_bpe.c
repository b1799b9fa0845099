/* bench_bpe — byte-level BPE encoding throughput on one core.
 *
 * Encodes a text file (default: ../shared/corpus/war-and-peace.txt) with each
 * BPE vocab given (default: the llama3 and qwen3 derived vocabs and GPT-2),
 * special tokens not parsed, no BOS, and prints one line per vocab:
 *   bench_bpe vocab=<file> bytes=<n> ids=<n> ms=<best> mb_per_s=<best> cpu_mb_per_s=<best>
 * The best of `runs` runs counts (default 5); cpu_mb_per_s uses the process's
 * CPU time, which a busy machine disturbs less than the wall clock.
 * Usage: bench_bpe [text-file [runs [vocab.gguf ...]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/gguf.h"
#include "engine/tok.h"

static double now_s(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

static int bench_one(const char *path, const char *text, size_t len, int runs)
{
    struct cola_err err;
    struct gguf_file *g = NULL;
    struct tok_vocab *v = NULL;
    struct tok_ids ids;
    double best = 1e30, best_cpu = 1e30;
    int rc;

    err_clear(&err);
    if ((rc = gguf_open(path, &g, &err)) == 0) {
        rc = tok_vocab_load(g, &v, &err);
        gguf_close(g);
    }
    if (rc) {
        fprintf(stderr, "bench_bpe: %s: %s\n", path, err_msg(&err));
        return 1;
    }
    tok_ids_init(&ids, len + 1);
    for (int r = 0; r < runs && rc == 0; r++) {
        ids.n = 0;
        double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
        rc = tok_encode(v, text, len, 0, &ids, &err);
        double dt = now_s(CLOCK_MONOTONIC) - t0, dc = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
        best = dt < best ? dt : best;
        best_cpu = dc < best_cpu ? dc : best_cpu;
    }
    if (rc)
        fprintf(stderr, "bench_bpe: %s: %s\n", path, err_msg(&err));
    else
        printf("bench_bpe vocab=%s bytes=%zu ids=%zu ms=%.1f mb_per_s=%.2f cpu_mb_per_s=%.2f\n",
               strrchr(path, '/') ? strrchr(path, '/') + 1 : path, len, ids.n, best * 1e3,
               (double)len / best / 1e6, (double)len / best_cpu / 1e6);
    tok_ids_free(&ids);
    tok_vocab_free(v);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *dir = getenv("COLA_SHARED") ? getenv("COLA_SHARED") : COLA_SHARED_DIR_DEFAULT;
    char text_path[4096], vocab_path[4096];
    const char *defaults[] = {"ggml-vocab-llama3-derived.gguf", "ggml-vocab-qwen3-derived.gguf",
                              "ggml-vocab-gpt-2.gguf"};
    int runs = argc > 2 ? atoi(argv[2]) : 5, fails = 0;
    size_t len = 0;

    snprintf(text_path, sizeof(text_path), "%s/corpus/war-and-peace.txt", dir);
    char *text = read_all(argc > 1 ? argv[1] : text_path, &len);
    if (!text) {
        fprintf(stderr, "bench_bpe: cannot read %s\n", argc > 1 ? argv[1] : text_path);
        return 1;
    }
    if (runs < 1)
        runs = 1;
    if (argc > 3) {
        for (int i = 3; i < argc; i++)
            fails += bench_one(argv[i], text, len, runs);
    } else {
        for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
            snprintf(vocab_path, sizeof(vocab_path), "%s/vocab/%s", dir, defaults[i]);
            fails += bench_one(vocab_path, text, len, runs);
        }
    }
    free(text);
    return fails ? 1 : 0;
}
