/* buf.h — a growable byte buffer with a hard maximum (curl's dynbuf idea).
 *
 * Every buffer that grows from outside input has a maximum; appending past it
 * fails with COLA_ENOMEM and leaves the buffer as it was. The contents are
 * always NUL-terminated (the NUL is not counted in len), so text can be
 * passed to C string functions. The buffer owns its memory; buf_free()
 * releases it. Not thread-safe.
 */
#ifndef COLA_UTIL_BUF_H
#define COLA_UTIL_BUF_H

#include <stddef.h>

struct buf {
    char *data;   /* NULL until the first append; NUL-terminated after */
    size_t len;   /* bytes used, excluding the NUL */
    size_t cap;   /* bytes allocated */
    size_t max;   /* the most len may ever be */
};

/* Initialise an empty buffer that may hold at most max bytes. */
void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Forget the contents, keep the allocation. */
void buf_reset(struct buf *b);
/* Make room for n more bytes. 0 or COLA_ENOMEM. */
int buf_reserve(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the allocation to the caller (who frees it with free()); the buffer is
 * left empty. Returns "" (allocated) for an empty buffer, NULL on ENOMEM. */
char *buf_take(struct buf *b);

#endif
