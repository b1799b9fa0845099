/* gguf.c — GGUF reader: map a file, validate everything against its size,
 * then serve metadata and tensors from the mapping (contract in gguf.h).
 *
 * Parsing is one forward pass over the bytes with a cursor that refuses to
 * step past the end. Counts are bounded by the bytes left before anything is
 * allocated: a KV needs at least MIN_KV_BYTES, a tensor info MIN_TI_BYTES, an
 * array element at least its own encoded size, so every allocation is a small
 * constant times the size of the input.
 */
#include "engine/gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strmap.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the GGUF reader assumes a little-endian host"
#endif

/* Smallest encodings, used to bound counts by the bytes left. */
#define MIN_KV_BYTES (8 + 1 + 4 + 1)          /* key len, 1-byte key, type, u8 value */
#define MIN_TI_BYTES (8 + 1 + 4 + 8 + 4 + 8)  /* name len, 1-byte name, n_dims, ne[0], type, offset */
#define MIN_STR_BYTES 8                       /* an empty string: its length */
#define MIN_ARR_BYTES (4 + 8)                 /* an empty array: elem type, count */
#define SHOW_MAX 64                           /* bytes of a key/name quoted in messages */

struct gguf_file {
    const uint8_t *base;      /* the whole file */
    uint64_t size;
    void *map;                /* non-NULL when gguf_open() mapped it */
    uint32_t version;
    uint32_t alignment;
    uint64_t data_offset;
    int64_t n_kv;
    struct gguf_kv *kv;       /* n_kv */
    int64_t n_tensors;
    struct gguf_tensor *tensors; /* n_tensors */
    struct strmap kv_index;   /* key -> index into kv */
    struct strmap tensor_index; /* name -> index into tensors */
};

/* ------------------------------------------------------------------ names */

static const char *const vtype_names[GGUF_VT_COUNT] = {
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64",
};

size_t gguf_vtype_size(enum gguf_vtype t)
{
    switch (t) {
    case GGUF_VT_UINT8: case GGUF_VT_INT8: case GGUF_VT_BOOL: return 1;
    case GGUF_VT_UINT16: case GGUF_VT_INT16: return 2;
    case GGUF_VT_UINT32: case GGUF_VT_INT32: case GGUF_VT_FLOAT32: return 4;
    case GGUF_VT_UINT64: case GGUF_VT_INT64: case GGUF_VT_FLOAT64: return 8;
    default: return 0;
    }
}

const char *gguf_vtype_name(int t)
{
    if (t < 0 || t >= GGUF_VT_COUNT)
        return "unknown";
    return vtype_names[t];
}

bool gguf_str_eq(struct gguf_str a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

/* Quote up to SHOW_MAX bytes of p for an error message: printable ASCII as
 * is, anything else as \xNN, "..." when cut. dst holds at least 4*SHOW_MAX+8. */
static const char *show(char *dst, size_t cap, const void *p, uint64_t len)
{
    const unsigned char *s = p;
    size_t o = 0;
    uint64_t n = len < SHOW_MAX ? len : SHOW_MAX;
    for (uint64_t i = 0; i < n && o + 5 < cap; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
            dst[o++] = (char)s[i];
        else
            o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", s[i]);
    }
    if (n < len && o + 4 < cap) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}

#define SHOW_CAP (4 * SHOW_MAX + 8)

/* ------------------------------------------------------------------ cursor */

struct rd {
    const uint8_t *p;
    uint64_t size;
    uint64_t pos;
    struct cola_err *err;
};

static uint64_t rd_left(const struct rd *r) { return r->size - r->pos; }

static int rd_need(struct rd *r, uint64_t n, const char *what)
{
    if (n <= rd_left(r))
        return 0;
    return err_set(r->err, COLA_EFORMAT,
                   "truncated: %s needs %" PRIu64 " bytes at offset %" PRIu64
                   " but the file ends %" PRIu64 " bytes later",
                   what, n, r->pos, rd_left(r));
}

static int rd_u32(struct rd *r, uint32_t *v, const char *what)
{
    int rc = rd_need(r, 4, what);
    if (rc)
        return rc;
    memcpy(v, r->p + r->pos, 4);
    r->pos += 4;
    return 0;
}

static int rd_u64(struct rd *r, uint64_t *v, const char *what)
{
    int rc = rd_need(r, 8, what);
    if (rc)
        return rc;
    memcpy(v, r->p + r->pos, 8);
    r->pos += 8;
    return 0;
}

/* A string: u64 length, then that many bytes (borrowed from the mapping). */
static int rd_str(struct rd *r, struct gguf_str *s, const char *what)
{
    uint64_t len;
    int rc = rd_u64(r, &len, what);
    if (rc)
        return rc;
    if (len > rd_left(r))
        return err_set(r->err, COLA_EFORMAT,
                       "%s: string length %" PRIu64 " at offset %" PRIu64
                       " exceeds the %" PRIu64 " bytes left in the file",
                       what, len, r->pos - 8, rd_left(r));
    s->ptr = (const char *)(r->p + r->pos);
    s->len = len;
    r->pos += len;
    return 0;
}

/* ------------------------------------------------------------------ values */

static void value_free(struct gguf_value *v)
{
    if (v->type != GGUF_VT_ARRAY)
        return;
    if (v->v.arr.elem == GGUF_VT_STRING) {
        free((void *)v->v.arr.strs);
    } else if (v->v.arr.elem == GGUF_VT_ARRAY && v->v.arr.vals) {
        struct gguf_value *vals = (struct gguf_value *)v->v.arr.vals;
        for (uint64_t i = 0; i < v->v.arr.n; i++)
            value_free(&vals[i]);
        free(vals);
    }
    v->type = GGUF_VT_UINT8;
}

static int parse_value(struct rd *r, uint32_t type, int depth, struct gguf_value *out,
                       const char *what);

/* The body of an array (after its ARRAY type tag). On failure out is left
 * with nothing to free. */
static int parse_array(struct rd *r, int depth, struct gguf_value *out, const char *what)
{
    uint32_t elem;
    uint64_t n;
    int rc;
    if (depth >= GGUF_MAX_DEPTH)
        return err_set(r->err, COLA_EFORMAT,
                       "%s: arrays nested deeper than %d levels at offset %" PRIu64, what,
                       GGUF_MAX_DEPTH, r->pos);
    if ((rc = rd_u32(r, &elem, what)) || (rc = rd_u64(r, &n, what)))
        return rc;
    if (elem >= GGUF_VT_COUNT)
        return err_set(r->err, COLA_EFORMAT,
                       "%s: unknown array element type %" PRIu32 " at offset %" PRIu64, what,
                       elem, r->pos - 12);
    size_t esz = gguf_vtype_size((enum gguf_vtype)elem);
    uint64_t min = esz ? esz : elem == GGUF_VT_STRING ? MIN_STR_BYTES : MIN_ARR_BYTES;
    if (n > rd_left(r) / min)
        return err_set(r->err, COLA_EFORMAT,
                       "%s: array of %" PRIu64 " %s elements at offset %" PRIu64
                       " cannot fit in the %" PRIu64 " bytes left in the file",
                       what, n, gguf_vtype_name((int)elem), r->pos - 12, rd_left(r));
    out->type = GGUF_VT_ARRAY;
    out->v.arr.elem = (enum gguf_vtype)elem;
    out->v.arr.n = n;
    out->v.arr.raw = NULL;
    out->v.arr.strs = NULL;
    out->v.arr.vals = NULL;
    if (esz) {
        out->v.arr.raw = r->p + r->pos;
        r->pos += n * esz;
        return 0;
    }
    if (elem == GGUF_VT_STRING) {
        struct gguf_str *strs = calloc(n ? n : 1, sizeof(*strs));
        if (!strs)
            goto nomem;
        out->v.arr.strs = strs;
        for (uint64_t i = 0; i < n; i++)
            if ((rc = rd_str(r, &strs[i], what)))
                goto fail;
        return 0;
    }
    struct gguf_value *vals = calloc(n ? n : 1, sizeof(*vals));
    if (!vals)
        goto nomem;
    out->v.arr.vals = vals;
    for (uint64_t i = 0; i < n; i++)
        if ((rc = parse_value(r, GGUF_VT_ARRAY, depth + 1, &vals[i], what)))
            goto fail;
    return 0;
nomem:
    rc = err_set(r->err, COLA_ENOMEM, "%s: out of memory for %" PRIu64 " array elements", what, n);
fail:
    value_free(out);
    return rc;
}

static int parse_value(struct rd *r, uint32_t type, int depth, struct gguf_value *out,
                       const char *what)
{
    int rc;
    if (type >= GGUF_VT_COUNT)
        return err_set(r->err, COLA_EFORMAT,
                       "%s: unknown value type %" PRIu32 " at offset %" PRIu64, what, type,
                       r->pos - 4);
    if (type == GGUF_VT_ARRAY)
        return parse_array(r, depth, out, what);
    if (type == GGUF_VT_STRING) {
        if ((rc = rd_str(r, &out->v.str, what)))
            return rc;
        out->type = GGUF_VT_STRING;
        return 0;
    }
    size_t sz = gguf_vtype_size((enum gguf_vtype)type);
    if ((rc = rd_need(r, sz, what)))
        return rc;
    if (type == GGUF_VT_BOOL)
        out->v.b = r->p[r->pos] != 0; /* any non-zero byte is true, as in ggml */
    else
        memcpy(&out->v, r->p + r->pos, sz); /* every union member starts at offset 0 */
    out->type = (enum gguf_vtype)type;
    r->pos += sz;
    return 0;
}

/* ------------------------------------------------------------------ header + KVs */

static int parse_header(struct rd *r, struct gguf_file *g, uint64_t *n_tensors, uint64_t *n_kv)
{
    char q[SHOW_CAP];
    int rc;
    if (r->size < 4)
        return err_set(r->err, COLA_EFORMAT, "file is %" PRIu64 " bytes, too short for a GGUF header",
                       r->size);
    if (!memcmp(r->p, "FUGG", 4))
        return err_set(r->err, COLA_EUNSUPPORTED,
                       "big-endian GGUF file (magic bytes \"FUGG\"): only little-endian files are supported");
    if (memcmp(r->p, "GGUF", 4))
        return err_set(r->err, COLA_EFORMAT, "not a GGUF file (magic bytes \"%s\", expected \"GGUF\")",
                       show(q, sizeof(q), r->p, 4));
    r->pos = 4;
    if ((rc = rd_u32(r, &g->version, "the version")))
        return rc;
    if (g->version == 0)
        return err_set(r->err, COLA_EFORMAT, "bad GGUF version 0");
    if ((g->version & 0xffffu) == 0)
        return err_set(r->err, COLA_EUNSUPPORTED,
                       "GGUF version field 0x%08" PRIx32 " looks byte-swapped: big-endian GGUF files "
                       "are not supported", g->version);
    if (g->version == 1)
        return err_set(r->err, COLA_EUNSUPPORTED,
                       "GGUF v1 is not supported (a format from before Aug 2023); convert the model "
                       "again with a current llama.cpp");
    if (g->version > 3)
        return err_set(r->err, COLA_EUNSUPPORTED,
                       "GGUF version %" PRIu32 " is newer than this reader (it reads versions 2 and 3)",
                       g->version);
    if ((rc = rd_u64(r, n_tensors, "the tensor count")) || (rc = rd_u64(r, n_kv, "the KV count")))
        return rc;
    uint64_t left = rd_left(r);
    if (*n_kv > left / MIN_KV_BYTES || *n_kv > INT32_MAX)
        return err_set(r->err, COLA_EFORMAT,
                       "n_kv = %" PRIu64 " cannot fit in the %" PRIu64
                       " bytes after the header (corrupt or truncated file)", *n_kv, left);
    if (*n_tensors > left / MIN_TI_BYTES || *n_tensors > INT32_MAX)
        return err_set(r->err, COLA_EFORMAT,
                       "n_tensors = %" PRIu64 " cannot fit in the %" PRIu64
                       " bytes after the header (corrupt or truncated file)", *n_tensors, left);
    if (*n_kv * MIN_KV_BYTES + *n_tensors * MIN_TI_BYTES > left)
        return err_set(r->err, COLA_EFORMAT,
                       "n_kv = %" PRIu64 " and n_tensors = %" PRIu64 " cannot fit in the %" PRIu64
                       " bytes after the header (corrupt or truncated file)", *n_kv, *n_tensors, left);
    return 0;
}

static int parse_kv(struct rd *r, struct gguf_file *g, int64_t i)
{
    char what[SHOW_CAP + 32], q[SHOW_CAP];
    struct gguf_kv *kv = &g->kv[i];
    uint64_t at = r->pos;
    uint32_t type;
    int rc;
    snprintf(what, sizeof(what), "key %" PRId64, i);
    if ((rc = rd_str(r, &kv->key, what)))
        return rc;
    if (kv->key.len == 0)
        return err_set(r->err, COLA_EFORMAT, "key %" PRId64 " at offset %" PRIu64 " is empty", i, at);
    show(q, sizeof(q), kv->key.ptr, kv->key.len);
    if (kv->key.len > GGUF_KEY_MAX)
        return err_set(r->err, COLA_EFORMAT,
                       "key %" PRId64 " '%s' at offset %" PRIu64 " is %" PRIu64
                       " bytes long (the limit is %d)", i, q, at, kv->key.len, GGUF_KEY_MAX);
    if (memchr(kv->key.ptr, 0, kv->key.len))
        return err_set(r->err, COLA_EFORMAT,
                       "key %" PRId64 " '%s' at offset %" PRIu64 " contains a NUL byte", i, q, at);
    rc = strmap_put_new(&g->kv_index, kv->key.ptr, kv->key.len, (int32_t)i);
    if (rc < 0)
        return err_set(r->err, COLA_ENOMEM, "out of memory indexing keys");
    if (rc == 0)
        return err_set(r->err, COLA_EFORMAT, "duplicate key '%s' (keys %" PRId32 " and %" PRId64
                       ", offset %" PRIu64 ")", q,
                       strmap_get(&g->kv_index, kv->key.ptr, kv->key.len, -1), i, at);
    snprintf(what, sizeof(what), "key '%s'", q);
    if ((rc = rd_u32(r, &type, what)))
        return rc;
    return parse_value(r, type, 0, &kv->val, what);
}

static int check_alignment(struct rd *r, struct gguf_file *g)
{
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    const struct gguf_value *a = gguf_get(g, "general.alignment");
    if (!a)
        return 0;
    if (a->type != GGUF_VT_UINT32)
        return err_set(r->err, COLA_EFORMAT, "general.alignment must be of type u32, not %s",
                       gguf_vtype_name(a->type));
    uint32_t v = a->v.u32;
    if (v == 0 || (v & (v - 1)) != 0)
        return err_set(r->err, COLA_EFORMAT, "general.alignment = %" PRIu32
                       " is not a power of two", v);
    g->alignment = v;
    return 0;
}

/* ------------------------------------------------------------------ tensors */

/* Shape, element count and byte size of t (ne already read). */
static int check_shape(struct rd *r, struct gguf_tensor *t, const char *q)
{
    int64_t nel = 1;
    for (int j = 0; j < GGUF_MAX_DIMS; j++)
        if (__builtin_mul_overflow(nel, t->ne[j], &nel))
            return err_set(r->err, COLA_EFORMAT,
                           "tensor '%s': shape [%" PRId64 ", %" PRId64 ", %" PRId64 ", %" PRId64
                           "] has more elements than fit in 64 bits", q, t->ne[0], t->ne[1],
                           t->ne[2], t->ne[3]);
    const struct qt_traits *tr = qt_get_traits((int)t->type);
    if (t->ne[0] % tr->blck_size != 0)
        return err_set(r->err, COLA_EFORMAT,
                       "tensor '%s': ne[0] = %" PRId64 " is not a multiple of the %s block size %" PRId64,
                       q, t->ne[0], tr->name, tr->blck_size);
    uint64_t nbytes;
    if (__builtin_mul_overflow((uint64_t)(nel / tr->blck_size), (uint64_t)tr->type_size, &nbytes) ||
        nbytes > SIZE_MAX)
        return err_set(r->err, COLA_EFORMAT, "tensor '%s': byte size overflows", q);
    t->nbytes = nbytes;
    return 0;
}

static int parse_tensor_info(struct rd *r, struct gguf_file *g, int64_t i)
{
    char what[SHOW_CAP + 32], q[SHOW_CAP];
    struct gguf_tensor *t = &g->tensors[i];
    struct gguf_str name = {NULL, 0};
    uint64_t at = r->pos, u;
    uint32_t type;
    int rc;
    snprintf(what, sizeof(what), "tensor %" PRId64 " name", i);
    if ((rc = rd_str(r, &name, what)))
        return rc;
    show(q, sizeof(q), name.ptr, name.len);
    if (name.len == 0 || name.len >= GGUF_NAME_MAX)
        return err_set(r->err, COLA_EFORMAT,
                       "tensor %" PRId64 " at offset %" PRIu64 ": name length %" PRIu64
                       " is not in 1..%d", i, at, name.len, GGUF_NAME_MAX - 1);
    if (memchr(name.ptr, 0, name.len))
        return err_set(r->err, COLA_EFORMAT, "tensor %" PRId64 " name '%s' contains a NUL byte", i, q);
    memcpy(t->name, name.ptr, name.len);
    t->name[name.len] = '\0';
    rc = strmap_put_new(&g->tensor_index, t->name, name.len, (int32_t)i);
    if (rc < 0)
        return err_set(r->err, COLA_ENOMEM, "out of memory indexing tensors");
    if (rc == 0)
        return err_set(r->err, COLA_EFORMAT, "duplicate tensor name '%s' (tensors %" PRId32
                       " and %" PRId64 ")", q, strmap_get(&g->tensor_index, t->name, name.len, -1), i);
    snprintf(what, sizeof(what), "tensor '%s'", q);
    if ((rc = rd_u32(r, &t->n_dims, what)))
        return rc;
    if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS)
        return err_set(r->err, COLA_EFORMAT, "tensor '%s': n_dims = %" PRIu32 " is not in 1..%d", q,
                       t->n_dims, GGUF_MAX_DIMS);
    for (uint32_t j = 0; j < GGUF_MAX_DIMS; j++) {
        t->ne[j] = 1;
        if (j >= t->n_dims)
            continue;
        if ((rc = rd_u64(r, &u, what)))
            return rc;
        if (u > INT64_MAX)
            return err_set(r->err, COLA_EFORMAT, "tensor '%s': ne[%" PRIu32 "] = %" PRIu64
                           " is negative as an int64", q, j, u);
        t->ne[j] = (int64_t)u;
    }
    if ((rc = rd_u32(r, &type, what)))
        return rc;
    if (type > INT32_MAX || !qt_get_traits((int)type))
        return err_set(r->err, COLA_EFORMAT, "tensor '%s': unknown ggml type id %" PRIu32, q, type);
    t->type = (enum qt_type)type;
    if ((rc = check_shape(r, t, q)))
        return rc;
    if ((rc = rd_u64(r, &t->offset, what)))
        return rc;
    if (t->offset % g->alignment != 0)
        return err_set(r->err, COLA_EFORMAT, "tensor '%s': offset %" PRIu64
                       " is not a multiple of the alignment %" PRIu32, q, t->offset, g->alignment);
    return 0;
}

struct span {
    uint64_t off, end;
    int64_t idx;
};

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Every tensor inside the data section, no two overlapping. */
static int check_layout(struct rd *r, struct gguf_file *g)
{
    char q1[SHOW_CAP], q2[SHOW_CAP];
    uint64_t data_size = g->size - g->data_offset;
    for (int64_t i = 0; i < g->n_tensors; i++) {
        struct gguf_tensor *t = &g->tensors[i];
        if (t->offset > data_size || t->nbytes > data_size - t->offset)
            return err_set(r->err, COLA_EFORMAT,
                           "tensor '%s': data at offset %" PRIu64 " (%" PRIu64 " bytes) extends past "
                           "the end of the file (the data section at file offset %" PRIu64
                           " holds %" PRIu64 " bytes)", show(q1, sizeof(q1), t->name, strlen(t->name)),
                           t->offset, t->nbytes, g->data_offset, data_size);
        t->data = g->base + g->data_offset + t->offset;
    }
    if (g->n_tensors < 2)
        return 0;
    struct span *s = malloc((size_t)g->n_tensors * sizeof(*s));
    if (!s)
        return err_set(r->err, COLA_ENOMEM, "out of memory checking tensor overlaps");
    for (int64_t i = 0; i < g->n_tensors; i++)
        s[i] = (struct span){g->tensors[i].offset, g->tensors[i].offset + g->tensors[i].nbytes, i};
    qsort(s, (size_t)g->n_tensors, sizeof(*s), span_cmp);
    int rc = 0;
    int64_t last = -1; /* the non-empty tensor seen so far that ends last */
    for (int64_t i = 0; i < g->n_tensors && !rc; i++) {
        if (s[i].end == s[i].off)
            continue;
        if (last >= 0 && s[last].end > s[i].off) {
            const char *a = g->tensors[s[last].idx].name, *b = g->tensors[s[i].idx].name;
            rc = err_set(r->err, COLA_EFORMAT,
                         "tensors '%s' (bytes %" PRIu64 "..%" PRIu64 ") and '%s' (bytes %" PRIu64
                         "..%" PRIu64 ") of the data section overlap",
                         show(q1, sizeof(q1), a, strlen(a)), s[last].off, s[last].end,
                         show(q2, sizeof(q2), b, strlen(b)), s[i].off, s[i].end);
        }
        if (last < 0 || s[i].end > s[last].end)
            last = i;
    }
    free(s);
    return rc;
}

/* ------------------------------------------------------------------ open/close */

static int parse(struct gguf_file *g, struct cola_err *err)
{
    struct rd r = {g->base, g->size, 0, err};
    uint64_t n_tensors = 0, n_kv = 0;
    int rc;
    if ((rc = parse_header(&r, g, &n_tensors, &n_kv)))
        return rc;
    g->kv = calloc(n_kv ? n_kv : 1, sizeof(*g->kv));
    g->tensors = calloc(n_tensors ? n_tensors : 1, sizeof(*g->tensors));
    /* the indexes start small and grow with what is actually parsed */
    if (!g->kv || !g->tensors || strmap_init(&g->kv_index, 0) || strmap_init(&g->tensor_index, 0))
        return err_set(err, COLA_ENOMEM, "out of memory for %" PRIu64 " keys and %" PRIu64 " tensors",
                       n_kv, n_tensors);
    for (uint64_t i = 0; i < n_kv; i++) {
        g->n_kv = (int64_t)i + 1; /* so gguf_close frees what this one allocates */
        if ((rc = parse_kv(&r, g, (int64_t)i)))
            return rc;
    }
    if ((rc = check_alignment(&r, g)))
        return rc;
    if (n_tensors > rd_left(&r) / MIN_TI_BYTES)
        return err_set(err, COLA_EFORMAT, "n_tensors = %" PRIu64 " cannot fit in the %" PRIu64
                       " bytes after the metadata", n_tensors, rd_left(&r));
    g->n_tensors = (int64_t)n_tensors;
    for (uint64_t i = 0; i < n_tensors; i++)
        if ((rc = parse_tensor_info(&r, g, (int64_t)i)))
            return rc;
    g->data_offset = r.pos;
    if (n_tensors > 0) {
        /* r.pos <= size < 2^63, so this cannot wrap */
        g->data_offset = (r.pos + g->alignment - 1) / g->alignment * g->alignment;
        if (g->data_offset > g->size)
            return err_set(err, COLA_EFORMAT,
                           "truncated: the data section would start at offset %" PRIu64
                           " (tensor infos end at %" PRIu64 ", aligned to %" PRIu32
                           ") but the file is %" PRIu64 " bytes", g->data_offset, r.pos,
                           g->alignment, g->size);
    }
    return check_layout(&r, g);
}

int gguf_open_mem(const void *data, size_t size, struct gguf_file **out, struct cola_err *err)
{
    *out = NULL;
    if (!data && size)
        return err_set(err, COLA_EINVAL, "gguf_open_mem: NULL buffer");
    struct gguf_file *g = calloc(1, sizeof(*g));
    if (!g)
        return err_set(err, COLA_ENOMEM, "out of memory");
    g->base = data ? data : (const uint8_t *)"";
    g->size = size;
    int rc = parse(g, err);
    if (rc) {
        gguf_close(g);
        return rc;
    }
    *out = g;
    return 0;
}

int gguf_open(const char *path, struct gguf_file **out, struct cola_err *err)
{
    struct cola_err e;
    struct stat st;
    void *map = NULL;
    int rc;
    *out = NULL;
    err_clear(&e);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, errno == ENOENT ? COLA_ENOTFOUND : COLA_EIO, "%s: %s", path,
                       strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = err_set(err, COLA_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = err_set(err, COLA_EINVAL, "%s: not a regular file", path);
        goto out;
    }
    if (st.st_size == 0) {
        rc = err_set(err, COLA_EFORMAT, "%s: empty file, not a GGUF file", path);
        goto out;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        map = NULL;
        rc = err_set(err, COLA_EIO, "%s: mmap: %s", path, strerror(errno));
        goto out;
    }
    rc = gguf_open_mem(map, (size_t)st.st_size, out, &e);
    if (rc) {
        err_set(err, rc, "%s: %s", path, err_msg(&e));
        goto out;
    }
    (*out)->map = map;
    map = NULL;
out:
    if (map)
        munmap(map, (size_t)st.st_size);
    close(fd);
    return rc;
}

void gguf_close(struct gguf_file *g)
{
    if (!g)
        return;
    for (int64_t i = 0; g->kv && i < g->n_kv; i++)
        value_free(&g->kv[i].val);
    free(g->kv);
    free(g->tensors);
    strmap_free(&g->kv_index);
    strmap_free(&g->tensor_index);
    if (g->map)
        munmap(g->map, (size_t)g->size);
    free(g);
}

uint32_t gguf_version(const struct gguf_file *g) { return g->version; }
uint32_t gguf_alignment(const struct gguf_file *g) { return g->alignment; }
uint64_t gguf_file_size(const struct gguf_file *g) { return g->size; }
uint64_t gguf_data_offset(const struct gguf_file *g) { return g->data_offset; }

/* ------------------------------------------------------------------ metadata */

int64_t gguf_kv_count(const struct gguf_file *g) { return g->n_kv; }

const struct gguf_kv *gguf_kv_at(const struct gguf_file *g, int64_t i)
{
    return i >= 0 && i < g->n_kv ? &g->kv[i] : NULL;
}

int64_t gguf_find_key(const struct gguf_file *g, const char *key)
{
    if (!key)
        return -1;
    return strmap_get(&g->kv_index, key, strlen(key), -1);
}

const struct gguf_value *gguf_get(const struct gguf_file *g, const char *key)
{
    int64_t i = gguf_find_key(g, key);
    return i < 0 ? NULL : &g->kv[i].val;
}

/* The value of key if it has type t; else COLA_ENOTFOUND / COLA_ETYPE. */
static int get_typed(const struct gguf_file *g, const char *key, enum gguf_vtype t,
                     const struct gguf_value **v, struct cola_err *err)
{
    *v = gguf_get(g, key);
    if (!*v)
        return err_set(err, COLA_ENOTFOUND, "key '%s' not found", key ? key : "(null)");
    if ((*v)->type != t)
        return err_set(err, COLA_ETYPE, "key '%s' is a %s, expected a %s", key,
                       gguf_vtype_name((*v)->type), gguf_vtype_name(t));
    return 0;
}

#define GETTER(fn, ctype, vt, field)                                                        \
    int fn(const struct gguf_file *g, const char *key, ctype *out, struct cola_err *err)      \
    {                                                                                       \
        const struct gguf_value *v;                                                         \
        int rc = get_typed(g, key, vt, &v, err);                                            \
        if (rc == 0)                                                                        \
            *out = v->v.field;                                                              \
        return rc;                                                                          \
    }

GETTER(gguf_get_u32, uint32_t, GGUF_VT_UINT32, u32)
GETTER(gguf_get_i32, int32_t, GGUF_VT_INT32, i32)
GETTER(gguf_get_u64, uint64_t, GGUF_VT_UINT64, u64)
GETTER(gguf_get_f32, float, GGUF_VT_FLOAT32, f32)
GETTER(gguf_get_bool, bool, GGUF_VT_BOOL, b)
GETTER(gguf_get_str, struct gguf_str, GGUF_VT_STRING, str)

int gguf_get_int(const struct gguf_file *g, const char *key, int64_t *out, struct cola_err *err)
{
    const struct gguf_value *v = gguf_get(g, key);
    if (!v)
        return err_set(err, COLA_ENOTFOUND, "key '%s' not found", key ? key : "(null)");
    switch (v->type) {
    case GGUF_VT_UINT8: *out = v->v.u8; return 0;
    case GGUF_VT_INT8: *out = v->v.i8; return 0;
    case GGUF_VT_UINT16: *out = v->v.u16; return 0;
    case GGUF_VT_INT16: *out = v->v.i16; return 0;
    case GGUF_VT_UINT32: *out = v->v.u32; return 0;
    case GGUF_VT_INT32: *out = v->v.i32; return 0;
    case GGUF_VT_INT64: *out = v->v.i64; return 0;
    case GGUF_VT_UINT64:
        if (v->v.u64 > INT64_MAX)
            return err_set(err, COLA_ERANGE, "key '%s' = %" PRIu64 " does not fit an int64", key,
                           v->v.u64);
        *out = (int64_t)v->v.u64;
        return 0;
    default:
        return err_set(err, COLA_ETYPE, "key '%s' is a %s, expected an integer", key,
                       gguf_vtype_name(v->type));
    }
}

int gguf_get_float(const struct gguf_file *g, const char *key, double *out, struct cola_err *err)
{
    const struct gguf_value *v = gguf_get(g, key);
    if (!v)
        return err_set(err, COLA_ENOTFOUND, "key '%s' not found", key ? key : "(null)");
    if (v->type == GGUF_VT_FLOAT32)
        *out = v->v.f32;
    else if (v->type == GGUF_VT_FLOAT64)
        *out = v->v.f64;
    else
        return err_set(err, COLA_ETYPE, "key '%s' is a %s, expected f32 or f64", key,
                       gguf_vtype_name(v->type));
    return 0;
}

int gguf_get_arr(const struct gguf_file *g, const char *key, int elem,
                 const struct gguf_value **out, struct cola_err *err)
{
    const struct gguf_value *v;
    int rc = get_typed(g, key, GGUF_VT_ARRAY, &v, err);
    if (rc)
        return rc;
    if (elem >= 0 && v->v.arr.elem != (enum gguf_vtype)elem)
        return err_set(err, COLA_ETYPE, "key '%s' is an array of %s, expected an array of %s", key,
                       gguf_vtype_name(v->v.arr.elem), gguf_vtype_name(elem));
    *out = v;
    return 0;
}

/* Element i of a scalar array as raw bytes, or NULL when out of range or of
 * another size. */
static const uint8_t *arr_elem(const struct gguf_value *a, uint64_t i, size_t size)
{
    if (!a || a->type != GGUF_VT_ARRAY || i >= a->v.arr.n || !a->v.arr.raw ||
        gguf_vtype_size(a->v.arr.elem) != size)
        return NULL;
    return (const uint8_t *)a->v.arr.raw + i * size;
}

int32_t gguf_arr_i32(const struct gguf_value *arr, uint64_t i)
{
    const uint8_t *p = arr_elem(arr, i, 4);
    int32_t v = 0;
    if (p && arr->v.arr.elem != GGUF_VT_FLOAT32)
        memcpy(&v, p, 4);
    return v;
}

uint32_t gguf_arr_u32(const struct gguf_value *arr, uint64_t i)
{
    return (uint32_t)gguf_arr_i32(arr, i);
}

float gguf_arr_f32(const struct gguf_value *arr, uint64_t i)
{
    const uint8_t *p = arr_elem(arr, i, 4);
    float v = 0;
    if (p && arr->v.arr.elem == GGUF_VT_FLOAT32)
        memcpy(&v, p, 4);
    return v;
}

int64_t gguf_arr_int(const struct gguf_value *arr, uint64_t i)
{
    if (!arr || arr->type != GGUF_VT_ARRAY)
        return 0;
    const uint8_t *p = arr_elem(arr, i, gguf_vtype_size(arr->v.arr.elem));
    if (!p)
        return 0;
    union {
        uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32;
        uint64_t u64; int64_t i64;
    } x;
    memcpy(&x, p, gguf_vtype_size(arr->v.arr.elem));
    switch (arr->v.arr.elem) {
    case GGUF_VT_UINT8: return x.u8;
    case GGUF_VT_BOOL: return x.u8 != 0;
    case GGUF_VT_INT8: return x.i8;
    case GGUF_VT_UINT16: return x.u16;
    case GGUF_VT_INT16: return x.i16;
    case GGUF_VT_UINT32: return x.u32;
    case GGUF_VT_INT32: return x.i32;
    case GGUF_VT_UINT64: return x.u64 > INT64_MAX ? INT64_MAX : (int64_t)x.u64;
    case GGUF_VT_INT64: return x.i64;
    default: return 0;
    }
}

/* ------------------------------------------------------------------ tensors */

int64_t gguf_tensor_count(const struct gguf_file *g) { return g->n_tensors; }

const struct gguf_tensor *gguf_tensor_at(const struct gguf_file *g, int64_t i)
{
    return i >= 0 && i < g->n_tensors ? &g->tensors[i] : NULL;
}

const struct gguf_tensor *gguf_find_tensor(const struct gguf_file *g, const char *name)
{
    if (!name)
        return NULL;
    int32_t i = strmap_get(&g->tensor_index, name, strlen(name), -1);
    return i < 0 ? NULL : &g->tensors[i];
}

int64_t gguf_tensor_nelements(const struct gguf_tensor *t)
{
    return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
}
