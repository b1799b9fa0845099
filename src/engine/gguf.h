/* gguf.h — GGUF v2/v3 reader (mmap'ed, validated before use) and writer.
 *
 * File layout (little-endian; "str" is u64 length + bytes, no NUL):
 *
 *   u32 magic 0x46554747 ("GGUF")     u32 version (2 or 3; 1 is refused)
 *   u64 n_tensors                      u64 n_kv
 *   n_kv      x { str key; u32 value_type; value }
 *   n_tensors x { str name; u32 n_dims (1..4); u64 ne[n_dims]; u32 ggml_type; u64 offset }
 *   padding with zeros up to a multiple of the alignment
 *   data section: tensor i lives at data_start + offset_i; offsets are multiples
 *                 of the alignment (general.alignment, u32 power of two, default 32)
 *
 *   value = scalar of value_type | str | array
 *   array = u32 elem_type; u64 count; count x value-of-elem_type (arrays may nest)
 *
 * Reader contract: gguf_open() maps the file read-only and validates every
 * length, count, type id, dimension, offset and alignment against the file size
 * before anything else looks at it. A hostile or truncated file yields
 * COLA_EFORMAT (or COLA_EUNSUPPORTED for a valid but unsupported feature such as
 * a big-endian file) with a message that names what is wrong and where; never a
 * crash, an out-of-bounds read or an allocation larger than the file justifies.
 * After a successful open, everything reachable through the API is in bounds.
 * Beyond the layout, the reader requires: keys 1..GGUF_KEY_MAX bytes without
 * NUL and unique; tensor names 1..GGUF_NAME_MAX-1 bytes without NUL and
 * unique; known value and ggml type ids; ne[0] a multiple of the type's block
 * size; element and byte counts that fit 64 bits; offsets that are multiples
 * of the alignment; every tensor inside the data section; no two tensors
 * overlapping (docs/gguf.md has the full list).
 *
 * Ownership: the struct gguf_file owns the mapping and all parsed metadata.
 * Pointers returned by the getters (keys, strings, array data, tensor data)
 * are borrowed and valid until gguf_close(). Strings point into the mapping
 * and are NOT NUL-terminated: use their len. Array data of scalar types points
 * at raw little-endian elements that may be unaligned: read them with the
 * gguf_arr_* accessors, not by casting.
 *
 * Thread safety: a struct gguf_file is immutable after open; any number of
 * threads may read it concurrently.
 */
#ifndef COLA_ENGINE_GGUF_H
#define COLA_ENGINE_GGUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/quant.h"
#include "util/err.h"

#define GGUF_MAGIC 0x46554747u
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_DIMS 4
#define GGUF_NAME_MAX 256     /* longest tensor name accepted, including the NUL */
#define GGUF_MAX_DEPTH 8      /* deepest array nesting accepted */
#define GGUF_KEY_MAX 65535    /* longest metadata key accepted, in bytes */

enum gguf_vtype {
    GGUF_VT_UINT8 = 0,
    GGUF_VT_INT8 = 1,
    GGUF_VT_UINT16 = 2,
    GGUF_VT_INT16 = 3,
    GGUF_VT_UINT32 = 4,
    GGUF_VT_INT32 = 5,
    GGUF_VT_FLOAT32 = 6,
    GGUF_VT_BOOL = 7,
    GGUF_VT_STRING = 8,
    GGUF_VT_ARRAY = 9,
    GGUF_VT_UINT64 = 10,
    GGUF_VT_INT64 = 11,
    GGUF_VT_FLOAT64 = 12,
    GGUF_VT_COUNT = 13,
};

struct gguf_str {
    const char *ptr; /* borrowed, not NUL-terminated */
    uint64_t len;
};

struct gguf_value {
    enum gguf_vtype type;
    union {
        uint8_t u8;
        int8_t i8;
        uint16_t u16;
        int16_t i16;
        uint32_t u32;
        int32_t i32;
        float f32;
        bool b;
        uint64_t u64;
        int64_t i64;
        double f64;
        struct gguf_str str;
        struct {
            enum gguf_vtype elem;            /* element type */
            uint64_t n;                      /* element count */
            const void *raw;                 /* scalar elements: raw LE bytes in the mapping */
            const struct gguf_str *strs;     /* elem == STRING: n strings */
            const struct gguf_value *vals;   /* elem == ARRAY: n nested arrays */
        } arr;
    } v;
};

struct gguf_kv {
    struct gguf_str key;
    struct gguf_value val;
};

struct gguf_tensor {
    char name[GGUF_NAME_MAX];   /* NUL-terminated copy */
    uint32_t n_dims;
    int64_t ne[GGUF_MAX_DIMS];  /* ne[0] is the innermost (contiguous) dimension; unused = 1 */
    enum qt_type type;
    uint64_t offset;            /* relative to the data section */
    uint64_t nbytes;            /* size of the data */
    const void *data;           /* borrowed: points into the mapping */
};

struct gguf_file;

/* Map and validate the file at path. On success *out owns the mapping; free it
 * with gguf_close(). On failure *out is NULL and err says why. */
int gguf_open(const char *path, struct gguf_file **out, struct cola_err *err);

/* Same, over a caller-owned buffer that must outlive the returned file (tests,
 * fuzzing, files held in memory). */
int gguf_open_mem(const void *data, size_t size, struct gguf_file **out, struct cola_err *err);

void gguf_close(struct gguf_file *g);

uint32_t gguf_version(const struct gguf_file *g);
uint32_t gguf_alignment(const struct gguf_file *g);
uint64_t gguf_file_size(const struct gguf_file *g);
uint64_t gguf_data_offset(const struct gguf_file *g); /* file offset of the data section */

/* ---- metadata ---- */
int64_t gguf_kv_count(const struct gguf_file *g);
const struct gguf_kv *gguf_kv_at(const struct gguf_file *g, int64_t i); /* NULL if out of range */
/* Index of key, or -1. */
int64_t gguf_find_key(const struct gguf_file *g, const char *key);
const struct gguf_value *gguf_get(const struct gguf_file *g, const char *key); /* NULL if absent */

/* Typed getters: 0, COLA_ENOTFOUND (key absent) or COLA_ETYPE (present with
 * another type; the message names the key and both types). *out is untouched
 * on failure, so callers can preset defaults. */
int gguf_get_u32(const struct gguf_file *g, const char *key, uint32_t *out, struct cola_err *err);
int gguf_get_i32(const struct gguf_file *g, const char *key, int32_t *out, struct cola_err *err);
int gguf_get_u64(const struct gguf_file *g, const char *key, uint64_t *out, struct cola_err *err);
int gguf_get_f32(const struct gguf_file *g, const char *key, float *out, struct cola_err *err);
int gguf_get_bool(const struct gguf_file *g, const char *key, bool *out, struct cola_err *err);
int gguf_get_str(const struct gguf_file *g, const char *key, struct gguf_str *out, struct cola_err *err);
/* Any integer type whose value fits int64 (files differ in u32 vs i32 vs u64
 * for the same key); COLA_ERANGE if a u64 does not fit. */
int gguf_get_int(const struct gguf_file *g, const char *key, int64_t *out, struct cola_err *err);
/* f32 or f64. */
int gguf_get_float(const struct gguf_file *g, const char *key, double *out, struct cola_err *err);
/* An array; with elem >= 0 its element type must be elem. */
int gguf_get_arr(const struct gguf_file *g, const char *key, int elem,
                 const struct gguf_value **out, struct cola_err *err);

/* Element i of a scalar array (caller checks i < n and the element type). */
int32_t gguf_arr_i32(const struct gguf_value *arr, uint64_t i);
uint32_t gguf_arr_u32(const struct gguf_value *arr, uint64_t i);
float gguf_arr_f32(const struct gguf_value *arr, uint64_t i);
/* Any integer element type widened to int64 (u64 values above INT64_MAX clamp). */
int64_t gguf_arr_int(const struct gguf_value *arr, uint64_t i);

/* Size in bytes of one element of a scalar type; 0 for STRING/ARRAY/invalid. */
size_t gguf_vtype_size(enum gguf_vtype t);
/* "u32", "string", "array", ... */
const char *gguf_vtype_name(int t);
/* 1 if the key's string equals the NUL-terminated s. */
bool gguf_str_eq(struct gguf_str a, const char *s);

/* ---- tensors ---- */
int64_t gguf_tensor_count(const struct gguf_file *g);
const struct gguf_tensor *gguf_tensor_at(const struct gguf_file *g, int64_t i); /* NULL if out of range */
const struct gguf_tensor *gguf_find_tensor(const struct gguf_file *g, const char *name); /* NULL if absent */
/* Number of elements of t (validated not to overflow at open). */
int64_t gguf_tensor_nelements(const struct gguf_tensor *t);

/* ---- writer ----
 * Builds a GGUF v3 file in memory order: keys in insertion order (setting an
 * existing key replaces its value in place), tensors in insertion order with
 * offsets aligned to general.alignment (default 32). A file with no tensors
 * ends right after the last KV (no padding), as ggml and Ollama write it.
 * Tensor data is borrowed until gguf_writer_write*() returns.
 */
struct gguf_writer;

struct gguf_writer *gguf_writer_new(void);   /* NULL on ENOMEM */
void gguf_writer_free(struct gguf_writer *w);

int gguf_writer_set_u8(struct gguf_writer *w, const char *key, uint8_t v);
int gguf_writer_set_i8(struct gguf_writer *w, const char *key, int8_t v);
int gguf_writer_set_u16(struct gguf_writer *w, const char *key, uint16_t v);
int gguf_writer_set_i16(struct gguf_writer *w, const char *key, int16_t v);
int gguf_writer_set_u32(struct gguf_writer *w, const char *key, uint32_t v);
int gguf_writer_set_i32(struct gguf_writer *w, const char *key, int32_t v);
int gguf_writer_set_u64(struct gguf_writer *w, const char *key, uint64_t v);
int gguf_writer_set_i64(struct gguf_writer *w, const char *key, int64_t v);
int gguf_writer_set_f32(struct gguf_writer *w, const char *key, float v);
int gguf_writer_set_f64(struct gguf_writer *w, const char *key, double v);
int gguf_writer_set_bool(struct gguf_writer *w, const char *key, bool v);
int gguf_writer_set_str(struct gguf_writer *w, const char *key, const char *v);
int gguf_writer_set_strn(struct gguf_writer *w, const char *key, const char *v, size_t len);
/* Array of n scalar elements of type elem, given as native values (copied). */
int gguf_writer_set_arr(struct gguf_writer *w, const char *key, enum gguf_vtype elem,
                        const void *data, uint64_t n);
/* Array of n NUL-terminated strings (copied). */
int gguf_writer_set_arr_str(struct gguf_writer *w, const char *key, const char *const *strs,
                            uint64_t n);
/* Any value, including nested arrays, e.g. one read from a gguf_file (deep-copied). */
int gguf_writer_set_value(struct gguf_writer *w, const char *key, const struct gguf_value *v);
int gguf_writer_remove(struct gguf_writer *w, const char *key); /* 0 or COLA_ENOTFOUND */

/* Add a tensor: n_dims in 1..4, ne[0] a multiple of the type's block size,
 * nbytes must equal the size the type and shape imply. data is borrowed. */
int gguf_writer_add_tensor(struct gguf_writer *w, const char *name, enum qt_type type,
                           uint32_t n_dims, const int64_t *ne, const void *data, size_t nbytes,
                           struct cola_err *err);

/* Write the file atomically: a temporary file beside path, fsync, rename over
 * path, fsync of the directory. On failure nothing is left at path that was
 * not there before. */
int gguf_writer_write(struct gguf_writer *w, const char *path, struct cola_err *err);
/* Serialise to a malloc'ed buffer the caller frees. */
int gguf_writer_write_mem(struct gguf_writer *w, void **out, size_t *out_len, struct cola_err *err);

#endif
