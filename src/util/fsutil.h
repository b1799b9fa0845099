/* fsutil.h — small file-system helpers for writing stores safely.
 *
 * Atomic write: the bytes go to a temporary file in the SAME directory
 * (".<name>.tmp-XXXXXX"), which is fsync'ed, given its mode, renamed over
 * the target and followed by an fsync of the directory. A reader therefore
 * sees either the old file or the whole new one, never a half-written file,
 * and a crash leaves at most a stray temp file (dot-named, so it is never
 * taken for a model name or a digest).
 *
 * Directories are created with mode 0755 (before the umask), as Ollama does.
 * All functions take NUL-terminated paths, return 0 or a negative COLA_E*
 * code and write words to err (which may be NULL). No global state; safe
 * from any thread as far as the file system is.
 */
#ifndef COLA_UTIL_FSUTIL_H
#define COLA_UTIL_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* Create dir and every missing parent (mode 0755). Existing dirs are fine;
 * an existing non-directory is COLA_EIO. */
int fs_mkdir_p(const char *dir, struct cola_err *err);

/* fsync a directory (so a rename or unlink in it is durable). */
int fs_fsync_dir(const char *dir, struct cola_err *err);

/* Write data[0..n) to path atomically with the given mode (see above). The
 * parent directory must exist. On failure the target is unchanged and the
 * temp file is removed. */
int fs_write_atomic(const char *path, const void *data, size_t n, mode_t mode,
                    struct cola_err *err);

/* Read a whole regular file of at most max bytes into a malloc'ed buffer
 * (NUL appended, not counted in *len; the caller frees *out). A missing file
 * is COLA_ENOTFOUND, a larger one COLA_ERANGE. */
int fs_read_file(const char *path, size_t max, char **out, size_t *len,
                 struct cola_err *err);

/* Remove dir if it is empty, then its parent, and so on, stopping at root
 * (never removed) or at the first directory that is not empty. dir must lie
 * strictly inside root (a plain string prefix followed by '/'); otherwise
 * nothing is removed. Returns 0 also when nothing was empty. */
int fs_prune_empty_dirs(const char *dir, const char *root, struct cola_err *err);

/* Join a and b with one '/' into out (cap bytes). COLA_ERANGE if too long. */
/* Send all n bytes to a socket (MSG_NOSIGNAL, EINTR retried); 0 or -1. */
int fs_send_all(int fd, const void *p, size_t n);

int fs_join(char *out, size_t cap, const char *a, const char *b, struct cola_err *err);

#endif
