/* gguf_testbytes.h — helpers shared by the GGUF unit tests: a byte builder
 * for hand-made (often hostile) files and open-and-check wrappers.
 *
 * Every buffer handed to the reader is an exact-size private malloc, so ASan
 * reports any read past the end of the "file". Header-only (static inline)
 * so each test executable stays self-contained.
 */
#ifndef COLA_TEST_GGUF_TESTBYTES_H
#define COLA_TEST_GGUF_TESTBYTES_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gguf.h"
#include "util/buf.h"

/* ------------------------------------------------------------------ byte builder */

struct tb {
    struct buf b;
};

static inline void tb_init(struct tb *t) { buf_init(&t->b, 1 << 24); }
static inline void tb_free(struct tb *t) { buf_free(&t->b); }
static inline void tb_raw(struct tb *t, const void *p, size_t n) { assert_int_equal(buf_append(&t->b, p, n), 0); }
static inline void tb_u8(struct tb *t, uint8_t v) { tb_raw(t, &v, 1); }
static inline void tb_u32(struct tb *t, uint32_t v) { tb_raw(t, &v, 4); }
static inline void tb_u64(struct tb *t, uint64_t v) { tb_raw(t, &v, 8); }
static inline void tb_str(struct tb *t, const char *s)
{
    tb_u64(t, strlen(s));
    tb_raw(t, s, strlen(s));
}
static inline void tb_hdr(struct tb *t, uint32_t version, uint64_t n_tensors, uint64_t n_kv)
{
    tb_raw(t, "GGUF", 4);
    tb_u32(t, version);
    tb_u64(t, n_tensors);
    tb_u64(t, n_kv);
}
static inline void tb_kv_u32(struct tb *t, const char *key, uint32_t v)
{
    tb_str(t, key);
    tb_u32(t, GGUF_VT_UINT32);
    tb_u32(t, v);
}
/* Tensor info with n_dims dims from ne. */
static inline void tb_tensor(struct tb *t, const char *name, uint32_t n_dims, const uint64_t *ne,
                      uint32_t type, uint64_t offset)
{
    tb_str(t, name);
    tb_u32(t, n_dims);
    for (uint32_t j = 0; j < n_dims; j++)
        tb_u64(t, ne[j]);
    tb_u32(t, type);
    tb_u64(t, offset);
}
/* Zero padding to a multiple of a, then n bytes of data. */
static inline void tb_data(struct tb *t, size_t a, size_t n)
{
    while (t->b.len % a)
        tb_u8(t, 0);
    for (size_t i = 0; i < n; i++)
        tb_u8(t, (uint8_t)(i * 7 + 1));
}

/* Open a private exact-size copy of p[0..n); close it at once. */
static inline int try_open(const void *p, size_t n, struct cola_err *e)
{
    void *copy = malloc(n ? n : 1);
    assert_non_null(copy);
    if (n)
        memcpy(copy, p, n);
    struct gguf_file *g = (struct gguf_file *)1;
    err_clear(e);
    int rc = gguf_open_mem(n ? copy : NULL, n, &g, e);
    if (rc)
        assert_null(g);
    else
        assert_non_null(g);
    gguf_close(g);
    free(copy);
    return rc;
}

/* The file in t must be refused with code and a message containing want. */
#define EXPECT_FAIL(t, code, want) expect_fail(&(t)->b, code, want, __LINE__)
static inline void expect_fail(const struct buf *b, int code, const char *want, int line)
{
    struct cola_err e;
    int rc = try_open(b->data, b->len, &e);
    if (rc != code || !strstr(e.msg, want))
        fail_msg("line %d: rc %d (want %d), message \"%s\" (want \"%s\")", line, rc, code, e.msg, want);
}

static inline void expect_ok(const struct buf *b, int line)
{
    struct cola_err e;
    int rc = try_open(b->data, b->len, &e);
    if (rc)
        fail_msg("line %d: refused a valid file: %s", line, e.msg);
}
#define EXPECT_OK(t) expect_ok(&(t)->b, __LINE__)

#endif
