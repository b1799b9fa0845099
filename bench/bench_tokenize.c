/* bench_tokenize.c — tokenizer throughput on ../shared/corpus/war-and-peace.txt.
 *
 * Usage: bench_tokenize [--reps N] [--decode] [VOCAB.gguf ...]
 *
 * With no files: the SPM vocab (llama-spm) and the BPE vocab (llama3-derived)
 * from the shared data. Each case tokenizes the whole corpus (no BOS, special
 * tokens not parsed) N times (default 3) and reports the best run as one
 * machine-readable line:
 *
 *   tokenize vocab=llama-spm bytes=3202320 tokens=N seconds=S mb_per_s=X
 *
 * (MB = 10^6 bytes.) --decode adds a "detokenize" line per vocab. A vocab that
 * fails to load (e.g. a tokenizer type not built yet) prints a "skip" line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/gguf.h"
#include "engine/tok.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, (size_t)1 << 30);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (buf_append(&b, chunk, n)) {
            buf_free(&b);
            fclose(f);
            return NULL;
        }
    fclose(f);
    *len = b.len;
    return buf_take(&b);
}

/* "…/ggml-vocab-llama-spm.gguf" -> "llama-spm" */
static void vocab_name(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strncmp(base, "ggml-vocab-", 11))
        base += 11;
    snprintf(out, cap, "%s", base);
    char *dot = strstr(out, ".gguf");
    if (dot)
        *dot = '\0';
}

static int bench_one(const char *path, const char *text, size_t len, int reps, int decode)
{
    char name[256];
    vocab_name(path, name, sizeof(name));
    struct cola_err err;
    err_clear(&err);
    struct gguf_file *g = NULL;
    struct tok_vocab *v = NULL;
    if (gguf_open(path, &g, &err) || tok_vocab_load(g, &v, &err)) {
        printf("skip vocab=%s reason=\"%s\"\n", name, err_msg(&err));
        gguf_close(g);
        return 0;
    }
    gguf_close(g);
    struct tok_ids ids;
    tok_ids_init(&ids, len + 16);
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        ids.n = 0;
        double t0 = now_s();
        if (tok_encode(v, text, len, 0, &ids, &err)) {
            printf("skip vocab=%s reason=\"%s\"\n", name, err_msg(&err));
            tok_ids_free(&ids);
            tok_vocab_free(v);
            return 0;
        }
        double dt = now_s() - t0;
        if (dt < best)
            best = dt;
    }
    printf("tokenize vocab=%s bytes=%zu tokens=%zu seconds=%.4f mb_per_s=%.2f\n", name, len, ids.n, best,
           (double)len / best / 1e6);
    if (decode) {
        struct buf out;
        buf_init(&out, 4 * len + 64);
        double dbest = 1e30;
        for (int r = 0; r < reps; r++) {
            buf_reset(&out);
            double t0 = now_s();
            tok_decode(v, ids.ids, ids.n, 0, &out);
            double dt = now_s() - t0;
            if (dt < dbest)
                dbest = dt;
        }
        printf("detokenize vocab=%s bytes=%zu tokens=%zu seconds=%.4f mb_per_s=%.2f\n", name, out.len, ids.n,
               dbest, (double)out.len / dbest / 1e6);
        buf_free(&out);
    }
    tok_ids_free(&ids);
    tok_vocab_free(v);
    return 0;
}

int main(int argc, char **argv)
{
    const char *shared = getenv("COLA_SHARED");
    if (!shared || !*shared)
        shared = COLA_SHARED_DIR_DEFAULT;
    int reps = 3, decode = 0, n_files = 0;
    const char *files[64];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
        else if (!strcmp(argv[i], "--decode"))
            decode = 1;
        else if (n_files < 64)
            files[n_files++] = argv[i];
    }
    char corpus[4096], spm[4096], bpe[4096];
    snprintf(corpus, sizeof(corpus), "%s/corpus/war-and-peace.txt", shared);
    snprintf(spm, sizeof(spm), "%s/vocab/ggml-vocab-llama-spm.gguf", shared);
    snprintf(bpe, sizeof(bpe), "%s/vocab/ggml-vocab-llama3-derived.gguf", shared);
    if (n_files == 0) {
        files[n_files++] = spm;
        files[n_files++] = bpe;
    }
    size_t len = 0;
    char *text = read_file(corpus, &len);
    if (!text) {
        fprintf(stderr, "bench_tokenize: cannot read %s\n", corpus);
        return 1;
    }
    for (int i = 0; i < n_files; i++)
        bench_one(files[i], text, len, reps, decode);
    free(text);
    return 0;
}
