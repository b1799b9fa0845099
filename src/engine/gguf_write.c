/* gguf_write.c — GGUF v3 writer (contract in gguf.h, "writer" section).
 *
 * Each KV is serialised when it is set (u32 type tag + encoded value), so the
 * writer owns plain byte blobs and writing is concatenation. Tensor data is
 * borrowed and streamed out at write time; the in-memory variant sizes its
 * buffer exactly before filling it.
 */
#include "engine/gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"

_Static_assert(sizeof(bool) == 1, "GGUF bools are one byte");

#define BLOB_MAX ((size_t)1 << 40) /* largest single encoded value */

struct wkv {
    char *key;      /* NUL-terminated copy */
    size_t klen;
    char *blob;     /* u32 type + value, owned */
    size_t blen;
};

struct wtensor {
    char name[GGUF_NAME_MAX];
    size_t nlen;
    uint32_t n_dims;
    int64_t ne[GGUF_MAX_DIMS];
    enum qt_type type;
    const void *data; /* borrowed */
    size_t nbytes;
    uint64_t offset;  /* set when writing */
};

struct gguf_writer {
    struct wkv *kv;
    size_t n_kv, cap_kv;
    struct wtensor *t;
    size_t n_t, cap_t;
    uint32_t alignment;
};

struct gguf_writer *gguf_writer_new(void)
{
    struct gguf_writer *w = calloc(1, sizeof(*w));
    if (w)
        w->alignment = GGUF_DEFAULT_ALIGNMENT;
    return w;
}

void gguf_writer_free(struct gguf_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n_kv; i++) {
        free(w->kv[i].key);
        free(w->kv[i].blob);
    }
    free(w->kv);
    free(w->t);
    free(w);
}

/* ------------------------------------------------------------------ encoding */

static int put_u32(struct buf *b, uint32_t v) { return buf_append(b, &v, 4); }
static int put_u64(struct buf *b, uint64_t v) { return buf_append(b, &v, 8); }

static int put_str(struct buf *b, const char *p, uint64_t len)
{
    if (len && !p)
        return COLA_EINVAL;
    int rc = put_u64(b, len);
    return rc ? rc : buf_append(b, p, (size_t)len);
}

static int put_value(struct buf *b, const struct gguf_value *v, int depth);

/* An array body: elem, count, elements. */
static int put_array(struct buf *b, const struct gguf_value *v, int depth)
{
    enum gguf_vtype elem = v->v.arr.elem;
    uint64_t n = v->v.arr.n;
    size_t esz = gguf_vtype_size(elem);
    int rc;
    if (depth >= GGUF_MAX_DEPTH || (unsigned)elem >= GGUF_VT_COUNT)
        return COLA_EINVAL;
    if ((rc = put_u32(b, (uint32_t)elem)) || (rc = put_u64(b, n)))
        return rc;
    if (esz) {
        if (n > BLOB_MAX / esz || (n && !v->v.arr.raw))
            return n > BLOB_MAX / esz ? COLA_ENOMEM : COLA_EINVAL;
        return buf_append(b, v->v.arr.raw, (size_t)(n * esz));
    }
    if (n && !(elem == GGUF_VT_STRING ? (const void *)v->v.arr.strs : (const void *)v->v.arr.vals))
        return COLA_EINVAL;
    for (uint64_t i = 0; i < n; i++) {
        if (elem == GGUF_VT_STRING) {
            rc = put_str(b, v->v.arr.strs[i].ptr, v->v.arr.strs[i].len);
        } else {
            const struct gguf_value *e = &v->v.arr.vals[i];
            rc = e->type == GGUF_VT_ARRAY ? put_array(b, e, depth + 1) : COLA_EINVAL;
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* The value without its type tag. */
static int put_value(struct buf *b, const struct gguf_value *v, int depth)
{
    switch (v->type) {
    case GGUF_VT_STRING: return put_str(b, v->v.str.ptr, v->v.str.len);
    case GGUF_VT_ARRAY: return put_array(b, v, depth);
    case GGUF_VT_BOOL: return buf_putc(b, v->v.b ? 1 : 0);
    default:
        if ((unsigned)v->type >= GGUF_VT_COUNT)
            return COLA_EINVAL;
        return buf_append(b, &v->v, gguf_vtype_size(v->type)); /* union members start at 0 */
    }
}

static int check_key(const char *key)
{
    if (!key)
        return COLA_EINVAL;
    size_t n = strlen(key);
    return n == 0 || n > GGUF_KEY_MAX ? COLA_EINVAL : 0;
}

static struct wkv *find_kv(struct gguf_writer *w, const char *key)
{
    for (size_t i = 0; i < w->n_kv; i++)
        if (!strcmp(w->kv[i].key, key))
            return &w->kv[i];
    return NULL;
}

static int grow_kv(struct gguf_writer *w)
{
    size_t cap = w->cap_kv ? w->cap_kv * 2 : 16;
    struct wkv *p = realloc(w->kv, cap * sizeof(*p));
    if (!p)
        return COLA_ENOMEM;
    w->kv = p;
    w->cap_kv = cap;
    return 0;
}

int gguf_writer_set_value(struct gguf_writer *w, const char *key, const struct gguf_value *v)
{
    struct buf b;
    int rc;
    if (!w || !v || check_key(key) || (unsigned)v->type >= GGUF_VT_COUNT)
        return COLA_EINVAL;
    if (!strcmp(key, "general.alignment")) {
        /* ggml's rule: a u32 power of two */
        if (v->type != GGUF_VT_UINT32 || v->v.u32 == 0 || (v->v.u32 & (v->v.u32 - 1)))
            return COLA_EINVAL;
    }
    buf_init(&b, BLOB_MAX);
    if ((rc = put_u32(&b, (uint32_t)v->type)) || (rc = put_value(&b, v, 0)))
        goto out;
    size_t blen = b.len;
    char *blob = buf_take(&b);
    if (!blob) {
        rc = COLA_ENOMEM;
        goto out;
    }
    struct wkv *kv = find_kv(w, key);
    if (!kv) {
        char *k = strdup(key);
        if (!k || (w->n_kv == w->cap_kv && grow_kv(w))) {
            free(k);
            free(blob);
            rc = COLA_ENOMEM;
            goto out;
        }
        kv = &w->kv[w->n_kv++];
        *kv = (struct wkv){k, strlen(k), NULL, 0};
    }
    free(kv->blob);
    kv->blob = blob;
    kv->blen = blen;
    if (!strcmp(key, "general.alignment"))
        w->alignment = v->v.u32;
out:
    buf_free(&b);
    return rc;
}

#define SETTER(fn, ctype, vt, field)                                   \
    int fn(struct gguf_writer *w, const char *key, ctype x)            \
    {                                                                  \
        struct gguf_value v = {.type = vt};                            \
        v.v.field = x;                                                 \
        return gguf_writer_set_value(w, key, &v);                      \
    }

SETTER(gguf_writer_set_u8, uint8_t, GGUF_VT_UINT8, u8)
SETTER(gguf_writer_set_i8, int8_t, GGUF_VT_INT8, i8)
SETTER(gguf_writer_set_u16, uint16_t, GGUF_VT_UINT16, u16)
SETTER(gguf_writer_set_i16, int16_t, GGUF_VT_INT16, i16)
SETTER(gguf_writer_set_u32, uint32_t, GGUF_VT_UINT32, u32)
SETTER(gguf_writer_set_i32, int32_t, GGUF_VT_INT32, i32)
SETTER(gguf_writer_set_u64, uint64_t, GGUF_VT_UINT64, u64)
SETTER(gguf_writer_set_i64, int64_t, GGUF_VT_INT64, i64)
SETTER(gguf_writer_set_f32, float, GGUF_VT_FLOAT32, f32)
SETTER(gguf_writer_set_f64, double, GGUF_VT_FLOAT64, f64)
SETTER(gguf_writer_set_bool, bool, GGUF_VT_BOOL, b)

int gguf_writer_set_strn(struct gguf_writer *w, const char *key, const char *s, size_t len)
{
    if (!s && len)
        return COLA_EINVAL;
    struct gguf_value v = {.type = GGUF_VT_STRING};
    v.v.str = (struct gguf_str){s ? s : "", len};
    return gguf_writer_set_value(w, key, &v);
}

int gguf_writer_set_str(struct gguf_writer *w, const char *key, const char *s)
{
    if (!s)
        return COLA_EINVAL;
    return gguf_writer_set_strn(w, key, s, strlen(s));
}

int gguf_writer_set_arr(struct gguf_writer *w, const char *key, enum gguf_vtype elem,
                        const void *data, uint64_t n)
{
    if (gguf_vtype_size(elem) == 0)
        return COLA_EINVAL;
    struct gguf_value v = {.type = GGUF_VT_ARRAY};
    v.v.arr.elem = elem;
    v.v.arr.n = n;
    v.v.arr.raw = data; /* native values are the little-endian encoding on this host */
    return gguf_writer_set_value(w, key, &v);
}

int gguf_writer_set_arr_str(struct gguf_writer *w, const char *key, const char *const *strs,
                            uint64_t n)
{
    if ((n && !strs) || n > BLOB_MAX / sizeof(struct gguf_str))
        return COLA_EINVAL;
    struct gguf_str *tmp = calloc(n ? (size_t)n : 1, sizeof(*tmp));
    if (!tmp)
        return COLA_ENOMEM;
    int rc = 0;
    for (uint64_t i = 0; i < n && !rc; i++) {
        if (!strs[i])
            rc = COLA_EINVAL;
        else
            tmp[i] = (struct gguf_str){strs[i], strlen(strs[i])};
    }
    if (!rc) {
        struct gguf_value v = {.type = GGUF_VT_ARRAY};
        v.v.arr.elem = GGUF_VT_STRING;
        v.v.arr.n = n;
        v.v.arr.strs = tmp;
        rc = gguf_writer_set_value(w, key, &v);
    }
    free(tmp);
    return rc;
}

int gguf_writer_remove(struct gguf_writer *w, const char *key)
{
    if (!w || !key)
        return COLA_EINVAL;
    struct wkv *kv = find_kv(w, key);
    if (!kv)
        return COLA_ENOTFOUND;
    free(kv->key);
    free(kv->blob);
    size_t i = (size_t)(kv - w->kv);
    memmove(&w->kv[i], &w->kv[i + 1], (w->n_kv - i - 1) * sizeof(*kv));
    w->n_kv--;
    if (!strcmp(key, "general.alignment"))
        w->alignment = GGUF_DEFAULT_ALIGNMENT;
    return 0;
}

/* ------------------------------------------------------------------ tensors */

/* Bytes of a tensor of type t and shape ne[0..n_dims), or an error. */
static int tensor_size(const char *name, enum qt_type type, uint32_t n_dims, const int64_t *ne,
                       uint64_t *out, struct cola_err *err)
{
    const struct qt_traits *tr = qt_get_traits((int)type);
    if (!tr)
        return err_set(err, COLA_EINVAL, "tensor '%s': unknown ggml type id %d", name, (int)type);
    if (n_dims < 1 || n_dims > GGUF_MAX_DIMS || !ne)
        return err_set(err, COLA_EINVAL, "tensor '%s': n_dims = %" PRIu32 " is not in 1..%d", name,
                       n_dims, GGUF_MAX_DIMS);
    int64_t nel = 1;
    for (uint32_t j = 0; j < n_dims; j++) {
        if (ne[j] < 0)
            return err_set(err, COLA_EINVAL, "tensor '%s': ne[%" PRIu32 "] = %" PRId64 " is negative",
                           name, j, ne[j]);
        if (__builtin_mul_overflow(nel, ne[j], &nel))
            return err_set(err, COLA_ERANGE, "tensor '%s': element count overflows", name);
    }
    if (ne[0] % tr->blck_size)
        return err_set(err, COLA_EINVAL,
                       "tensor '%s': ne[0] = %" PRId64 " is not a multiple of the %s block size %" PRId64,
                       name, ne[0], tr->name, tr->blck_size);
    if (__builtin_mul_overflow((uint64_t)(nel / tr->blck_size), (uint64_t)tr->type_size, out) ||
        *out > SIZE_MAX / 2)
        return err_set(err, COLA_ERANGE, "tensor '%s': byte size overflows", name);
    return 0;
}

int gguf_writer_add_tensor(struct gguf_writer *w, const char *name, enum qt_type type,
                           uint32_t n_dims, const int64_t *ne, const void *data, size_t nbytes,
                           struct cola_err *err)
{
    uint64_t want = 0;
    int rc;
    if (!w || !name)
        return err_set(err, COLA_EINVAL, "gguf_writer_add_tensor: NULL argument");
    size_t nlen = strlen(name);
    if (nlen == 0 || nlen >= GGUF_NAME_MAX)
        return err_set(err, COLA_EINVAL, "tensor name length %zu is not in 1..%d", nlen,
                       GGUF_NAME_MAX - 1);
    for (size_t i = 0; i < w->n_t; i++)
        if (!strcmp(w->t[i].name, name))
            return err_set(err, COLA_EINVAL, "duplicate tensor name '%s'", name);
    if ((rc = tensor_size(name, type, n_dims, ne, &want, err)))
        return rc;
    if (want != nbytes)
        return err_set(err, COLA_EINVAL, "tensor '%s': %zu bytes given, its type and shape need %" PRIu64,
                       name, nbytes, want);
    if (nbytes && !data)
        return err_set(err, COLA_EINVAL, "tensor '%s': NULL data", name);
    if (w->n_t == w->cap_t) {
        size_t cap = w->cap_t ? w->cap_t * 2 : 16;
        struct wtensor *p = realloc(w->t, cap * sizeof(*p));
        if (!p)
            return err_set(err, COLA_ENOMEM, "out of memory adding tensor '%s'", name);
        w->t = p;
        w->cap_t = cap;
    }
    struct wtensor *t = &w->t[w->n_t++];
    memset(t, 0, sizeof(*t));
    memcpy(t->name, name, nlen + 1);
    t->nlen = nlen;
    t->n_dims = n_dims;
    for (int j = 0; j < GGUF_MAX_DIMS; j++)
        t->ne[j] = (uint32_t)j < n_dims ? ne[j] : 1;
    t->type = type;
    t->data = data;
    t->nbytes = nbytes;
    return 0;
}

/* ------------------------------------------------------------------ output */

/* Where bytes go: a pre-sized memory block, or a file descriptor through a
 * small buffer. */
struct sink {
    uint8_t *mem;
    size_t len, cap;
    int fd;
    uint8_t *buf;   /* fd mode: staging buffer of SINK_BUF bytes */
    size_t blen;
    int rc;         /* first failure */
    int errnum;
};

#define SINK_BUF (1u << 16)

static void fd_write_all(struct sink *s, const void *p, size_t n)
{
    const uint8_t *c = p;
    while (n && !s->rc) {
        ssize_t k = write(s->fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            s->rc = COLA_EIO;
            s->errnum = k < 0 ? errno : EIO;
            return;
        }
        c += k;
        n -= (size_t)k;
    }
}

static void sink_flush(struct sink *s)
{
    if (s->fd >= 0 && s->blen) {
        fd_write_all(s, s->buf, s->blen);
        s->blen = 0;
    }
}

static void emit(struct sink *s, const void *p, size_t n)
{
    if (s->rc || n == 0)
        return;
    if (s->mem) {
        if (n > s->cap - s->len) {
            s->rc = COLA_EINVAL; /* the size plan was wrong: a bug, not an input error */
            return;
        }
        memcpy(s->mem + s->len, p, n);
        s->len += n;
        return;
    }
    if (n > SINK_BUF - s->blen) {
        sink_flush(s);
        if (n >= SINK_BUF) {
            fd_write_all(s, p, n);
            return;
        }
    }
    memcpy(s->buf + s->blen, p, n);
    s->blen += n;
}

static void emit_zeros(struct sink *s, uint64_t n)
{
    static const uint8_t zeros[256];
    while (n) {
        size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
        emit(s, zeros, k);
        n -= k;
    }
}

static uint64_t pad_to(uint64_t x, uint32_t a) { return (x + a - 1) / a * a; }

/* Offsets of the tensors and the total file size. */
static int plan(struct gguf_writer *w, uint64_t *header_end, uint64_t *total, struct cola_err *err)
{
    uint64_t n = 24, data = 0;
    for (size_t i = 0; i < w->n_kv; i++)
        n += 8 + w->kv[i].klen + w->kv[i].blen;
    for (size_t i = 0; i < w->n_t; i++) {
        n += 8 + w->t[i].nlen + 4 + 8ull * w->t[i].n_dims + 4 + 8;
        w->t[i].offset = data;
        data += pad_to(w->t[i].nbytes, w->alignment);
        if (data > SIZE_MAX / 2)
            return err_set(err, COLA_ERANGE, "tensor data exceeds %zu bytes", SIZE_MAX / 2);
    }
    *header_end = n;
    *total = w->n_t ? pad_to(n, w->alignment) + data : n;
    return 0;
}

static void emit_file(struct gguf_writer *w, struct sink *s, uint64_t header_end)
{
    uint32_t u32;
    uint64_t u64;
    emit(s, "GGUF", 4);
    u32 = 3;
    emit(s, &u32, 4);
    u64 = w->n_t;
    emit(s, &u64, 8);
    u64 = w->n_kv;
    emit(s, &u64, 8);
    for (size_t i = 0; i < w->n_kv; i++) {
        u64 = w->kv[i].klen;
        emit(s, &u64, 8);
        emit(s, w->kv[i].key, w->kv[i].klen);
        emit(s, w->kv[i].blob, w->kv[i].blen);
    }
    for (size_t i = 0; i < w->n_t; i++) {
        const struct wtensor *t = &w->t[i];
        u64 = t->nlen;
        emit(s, &u64, 8);
        emit(s, t->name, t->nlen);
        emit(s, &t->n_dims, 4);
        for (uint32_t j = 0; j < t->n_dims; j++)
            emit(s, &t->ne[j], 8);
        u32 = (uint32_t)t->type;
        emit(s, &u32, 4);
        emit(s, &t->offset, 8);
    }
    if (!w->n_t)
        return; /* no tensors: the file ends after the metadata, unpadded */
    emit_zeros(s, pad_to(header_end, w->alignment) - header_end);
    for (size_t i = 0; i < w->n_t; i++) {
        emit(s, w->t[i].data, w->t[i].nbytes);
        emit_zeros(s, pad_to(w->t[i].nbytes, w->alignment) - w->t[i].nbytes);
    }
}

int gguf_writer_write_mem(struct gguf_writer *w, void **out, size_t *out_len, struct cola_err *err)
{
    uint64_t header_end, total;
    *out = NULL;
    *out_len = 0;
    if (!w)
        return err_set(err, COLA_EINVAL, "gguf_writer_write_mem: NULL writer");
    int rc = plan(w, &header_end, &total, err);
    if (rc)
        return rc;
    struct sink s = {.fd = -1};
    s.mem = malloc((size_t)total);
    if (!s.mem)
        return err_set(err, COLA_ENOMEM, "out of memory for a %" PRIu64 "-byte GGUF file", total);
    s.cap = (size_t)total;
    emit_file(w, &s, header_end);
    if (s.rc || s.len != s.cap) {
        free(s.mem);
        return err_set(err, COLA_EINVAL, "internal error: GGUF size plan mismatch");
    }
    *out = s.mem;
    *out_len = s.len;
    return 0;
}

/* fsync the directory holding path so a rename in it is durable. */
static int fsync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else if ((size_t)(slash - path) < sizeof(dir))
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    else
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int gguf_writer_write(struct gguf_writer *w, const char *path, struct cola_err *err)
{
    static atomic_uint counter;
    char tmp[4096];
    uint64_t header_end, total;
    int fd = -1, rc;
    if (!w || !path)
        return err_set(err, COLA_EINVAL, "gguf_writer_write: NULL argument");
    if ((rc = plan(w, &header_end, &total, err)))
        return rc;
    for (int tries = 0; fd < 0; tries++) {
        int n = snprintf(tmp, sizeof(tmp), "%s.tmp-%d-%u", path, (int)getpid(),
                         atomic_fetch_add(&counter, 1));
        if (n < 0 || (size_t)n >= sizeof(tmp))
            return err_set(err, COLA_EINVAL, "%s: path too long", path);
        /* mode 0666 so the file gets the caller's umask, like any new file */
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && (errno != EEXIST || tries > 100))
            return err_set(err, COLA_EIO, "%s: cannot create a temporary file: %s", path,
                           strerror(errno));
    }
    struct sink s = {.fd = fd};
    s.buf = malloc(SINK_BUF);
    if (!s.buf) {
        rc = err_set(err, COLA_ENOMEM, "out of memory");
        goto fail;
    }
    emit_file(w, &s, header_end);
    sink_flush(&s);
    if (s.rc) {
        rc = err_set(err, COLA_EIO, "%s: write: %s", tmp, strerror(s.errnum));
        goto fail;
    }
    if (fsync(fd) != 0) {
        rc = err_set(err, COLA_EIO, "%s: fsync: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = err_set(err, COLA_EIO, "%s: close: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = err_set(err, COLA_EIO, "%s: rename: %s", path, strerror(errno));
        goto fail;
    }
    free(s.buf);
    if (fsync_dir(path) != 0)
        return err_set(err, COLA_EIO, "%s: fsync of its directory failed: %s", path, strerror(errno));
    return 0;
fail:
    free(s.buf);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rc;
}
