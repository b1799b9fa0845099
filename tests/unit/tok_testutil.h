/* tok_testutil.h — helpers shared by the tokenizer tests (test_tok*.c).
 *
 * Static functions in a header because every test_*.c is its own executable.
 * Vocab files come from the shared data; tests that need one skip (cmocka
 * skip()) when it is absent.
 */
#ifndef COLA_TOK_TESTUTIL_H
#define COLA_TOK_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gguf.h"
#include "engine/tok.h"
#include "testutil.h"

/* Load the tokenizer of the shared file rel; NULL (after a message) when the
 * file is absent, fail() when it does not load. */
static inline struct tok_vocab *tt_load_shared(const char *rel)
{
    const char *path = tu_shared_path(rel);
    if (!path)
        return NULL;
    struct cola_err err;
    err_clear(&err);
    struct gguf_file *g = NULL;
    struct tok_vocab *v = NULL;
    if (gguf_open(path, &g, &err) || tok_vocab_load(g, &v, &err)) {
        fprintf(stderr, "cannot load %s: %s\n", path, err_msg(&err));
        gguf_close(g);
        fail();
    }
    gguf_close(g);
    return v;
}

#define TT_VOCAB_OR_SKIP(var, rel)                 \
    struct tok_vocab *var = tt_load_shared(rel);   \
    if (!var) {                                    \
        skip();                                    \
        return;                                    \
    }

/* Build a vocab from an in-memory GGUF made by a writer (w is freed). */
static inline int tt_load_writer(struct gguf_writer *w, struct tok_vocab **out, struct cola_err *err)
{
    void *mem = NULL;
    size_t len = 0;
    struct gguf_file *g = NULL;
    *out = NULL;
    int rc = gguf_writer_write_mem(w, &mem, &len, err);
    gguf_writer_free(w);
    if (!rc)
        rc = gguf_open_mem(mem, len, &g, err);
    if (!rc)
        rc = tok_vocab_load(g, out, err);
    gguf_close(g);
    free(mem);
    return rc;
}

static inline void tt_print_ids(const char *label, const int32_t *ids, size_t n)
{
    fprintf(stderr, "  %s (%zu):", label, n);
    for (size_t i = 0; i < n && i < 64; i++)
        fprintf(stderr, " %d", (int)ids[i]);
    fprintf(stderr, n > 64 ? " ...\n" : "\n");
}

/* Whether encoding text gives exactly want; prints both when not. */
static inline int tt_ids_match(const struct tok_vocab *v, const char *text, size_t len, unsigned flags,
                               const int32_t *want, size_t n_want)
{
    struct tok_ids got;
    tok_ids_init(&got, (size_t)1 << 26);
    struct cola_err err;
    err_clear(&err);
    int rc = tok_encode(v, text, len, flags, &got, &err);
    int ok = rc == 0 && got.n == n_want && (n_want == 0 || !memcmp(got.ids, want, n_want * sizeof(*want)));
    if (!ok) {
        fprintf(stderr, "MISMATCH for '%.*s'%s (rc %d: %s)\n", (int)(len > 200 ? 200 : len), text,
                len > 200 ? "..." : "", rc, rc ? err_msg(&err) : "ok");
        tt_print_ids("want", want, n_want);
        tt_print_ids("got ", got.ids, got.n);
    }
    tok_ids_free(&got);
    return ok;
}

/* Run llama.cpp's test pairs for a vocab (no BOS, special tokens not parsed):
 * returns the number of failing cases; *n_cases gets the number run. */
static inline size_t tt_run_pairs(const struct tok_vocab *v, const char *base, size_t *n_cases)
{
    struct tu_vocab_cases cases;
    assert_int_equal(tu_vocab_cases_load(base, &cases), 0);
    size_t failed = 0;
    for (size_t i = 0; i < cases.n; i++)
        failed += !tt_ids_match(v, cases.cases[i].text, cases.cases[i].len, 0, cases.cases[i].ids,
                                cases.cases[i].n_ids);
    *n_cases = cases.n;
    tu_vocab_cases_free(&cases);
    return failed;
}

/* Decode ids into a malloc'ed NUL-terminated string (freed by the caller). */
static inline char *tt_decode(const struct tok_vocab *v, const int32_t *ids, size_t n, unsigned flags)
{
    struct buf b;
    buf_init(&b, (size_t)1 << 30);
    assert_int_equal(tok_decode(v, ids, n, flags, &b), 0);
    return buf_take(&b);
}

#endif
