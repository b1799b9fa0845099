/* testutil.h — helpers shared by the cmocka unit tests.
 *
 * Shared data (../shared: models, vocabs, golden outputs) is found through
 * $COLA_SHARED, else the path configured at build time. Tests that need it
 * call tu_shared_path(); when the data is absent they skip with a message
 * naming what is missing (cmocka skip(), or exit code 77 for a whole file,
 * which ctest reports as "Skipped").
 */
#ifndef COLA_TESTUTIL_H
#define COLA_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define TU_SKIP_CODE 77

/* Directory of the shared data (never NULL; may not exist). */
const char *tu_shared_dir(void);

/* Full path of rel inside the shared data in a static buffer of this thread,
 * or NULL (after printing "SKIP: <path> absent") when the file is missing. */
const char *tu_shared_path(const char *rel);

/* Like tu_shared_path() but calls cmocka's skip() when absent. */
#define TU_SHARED_OR_SKIP(var, rel)                                              \
    const char *var = tu_shared_path(rel);                                      \
    if (!var) {                                                                 \
        skip();                                                                 \
        return;                                                                 \
    }

/* Read a whole file into a malloc'ed, NUL-terminated buffer (len excludes the
 * NUL). Returns NULL on error. */
char *tu_read_file(const char *path, size_t *len);

/* A fresh temporary directory (removed by tu_rm_rf); NULL on failure. The
 * returned string is malloc'ed. */
char *tu_mkdtemp(void);
void tu_rm_rf(const char *path);

/* llama.cpp's tokenizer test pairs: FILE.inp holds inputs separated by
 * "\n__ggml_vocab_test__\n" (the file ends with one), FILE.out one line of
 * space-separated ids per input. */
struct tu_vocab_case {
    const char *text;   /* points into the loaded .inp buffer */
    size_t len;
    int32_t *ids;
    size_t n_ids;
};

struct tu_vocab_cases {
    char *inp;          /* owned */
    struct tu_vocab_case *cases;
    size_t n;
};

/* Load base.inp / base.out (base = path without the extension). 0 on
 * success, -1 (with a message on stderr) on a read or format error. */
int tu_vocab_cases_load(const char *base, struct tu_vocab_cases *out);
void tu_vocab_cases_free(struct tu_vocab_cases *c);

/* Allocation counting (tu_alloc.c). tu_alloc_arm() resets the count and
 * starts counting malloc/calloc/realloc calls; tu_alloc_disarm() stops and
 * returns the count. Only meaningful when tu_alloc_counting() is true (not in
 * sanitizer builds). */
bool tu_alloc_counting(void);
void tu_alloc_arm(void);
long tu_alloc_disarm(void);

#endif
