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

#endif
