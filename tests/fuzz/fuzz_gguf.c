/* fuzz_gguf.c — libFuzzer target for the GGUF reader and writer.
 *
 * Every input goes through gguf_open_mem(). When it opens, everything the API
 * exposes is walked: every key through every typed getter, every value
 * (nested arrays, every string byte, every scalar element), and every byte
 * of every tensor's data, so ASan sees any pointer the reader got wrong.
 * Then the file is copied into a writer, written, and read back: it must
 * open again with the same counts (the writer accepts what the reader does).
 *
 * Seeds: tests/fuzz/corpus/gguf/ (made by tests/fuzz/make_seeds.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gguf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

static void touch(const void *p, uint64_t n)
{
    const volatile uint8_t *b = p;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += b[i];
    sink += acc;
}

static void walk_value(const struct gguf_value *v)
{
    if (v->type == GGUF_VT_STRING) {
        touch(v->v.str.ptr, v->v.str.len);
        return;
    }
    if (v->type != GGUF_VT_ARRAY)
        return;
    size_t esz = gguf_vtype_size(v->v.arr.elem);
    if (esz) {
        touch(v->v.arr.raw, v->v.arr.n * esz);
        for (uint64_t i = 0; i < v->v.arr.n && i < 64; i++) {
            float f = gguf_arr_f32(v, i);
            uint32_t bits;
            memcpy(&bits, &f, 4); /* a float may be NaN: never convert it to an integer */
            sink += (uint64_t)gguf_arr_int(v, i) + (uint64_t)gguf_arr_i32(v, i) + bits;
        }
    } else if (v->v.arr.elem == GGUF_VT_STRING) {
        for (uint64_t i = 0; i < v->v.arr.n; i++)
            touch(v->v.arr.strs[i].ptr, v->v.arr.strs[i].len);
    } else {
        for (uint64_t i = 0; i < v->v.arr.n; i++)
            walk_value(&v->v.arr.vals[i]);
    }
}

static void walk_getters(const struct gguf_file *g, const char *key)
{
    uint32_t u32;
    int32_t i32;
    uint64_t u64;
    float f32;
    bool b;
    struct gguf_str s;
    int64_t i64;
    double d;
    const struct gguf_value *arr;
    struct cola_err e;
    err_clear(&e);
    sink += (uint64_t)gguf_get_u32(g, key, &u32, &e) + (uint64_t)gguf_get_i32(g, key, &i32, &e) +
            (uint64_t)gguf_get_u64(g, key, &u64, &e) + (uint64_t)gguf_get_f32(g, key, &f32, &e) +
            (uint64_t)gguf_get_bool(g, key, &b, &e) + (uint64_t)gguf_get_str(g, key, &s, &e) +
            (uint64_t)gguf_get_int(g, key, &i64, &e) + (uint64_t)gguf_get_float(g, key, &d, &e) +
            (uint64_t)gguf_get_arr(g, key, -1, &arr, &e);
    if (gguf_find_key(g, key) < 0)
        abort(); /* every key read from the file must be found again */
}

/* Copy g into a writer, serialise, reopen: counts must survive. */
static void roundtrip(const struct gguf_file *g)
{
    struct gguf_writer *w = gguf_writer_new();
    struct gguf_file *g2 = NULL;
    void *out = NULL;
    size_t len;
    char key[GGUF_KEY_MAX + 1];
    if (!w)
        return;
    for (int64_t i = 0; i < gguf_kv_count(g); i++) {
        const struct gguf_kv *kv = gguf_kv_at(g, i);
        memcpy(key, kv->key.ptr, kv->key.len);
        key[kv->key.len] = '\0';
        if (gguf_writer_set_value(w, key, &kv->val) != 0)
            abort();
    }
    for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
        const struct gguf_tensor *t = gguf_tensor_at(g, i);
        if (gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data, t->nbytes, NULL))
            abort();
    }
    if (gguf_writer_write_mem(w, &out, &len, NULL) == 0) {
        if (gguf_open_mem(out, len, &g2, NULL) != 0 || gguf_kv_count(g2) != gguf_kv_count(g) ||
            gguf_tensor_count(g2) != gguf_tensor_count(g))
            abort();
        gguf_close(g2);
    }
    free(out);
    gguf_writer_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gguf_file *g;
    struct cola_err e;
    char key[GGUF_KEY_MAX + 1];
    err_clear(&e);
    if (gguf_open_mem(data, size, &g, &e) != 0) {
        if (!e.msg[0] || g)
            abort(); /* a refusal always says why and returns no file */
        return 0;
    }
    uint64_t meta_bytes = 0;
    for (int64_t i = 0; i < gguf_kv_count(g); i++) {
        const struct gguf_kv *kv = gguf_kv_at(g, i);
        touch(kv->key.ptr, kv->key.len);
        memcpy(key, kv->key.ptr, kv->key.len);
        key[kv->key.len] = '\0';
        walk_getters(g, key);
        walk_value(&kv->val);
        meta_bytes += kv->key.len;
    }
    uint64_t data_bytes = 0;
    for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
        const struct gguf_tensor *t = gguf_tensor_at(g, i);
        if (gguf_find_tensor(g, t->name) != t)
            abort();
        sink += (uint64_t)gguf_tensor_nelements(t);
        touch(t->data, t->nbytes);
        data_bytes += t->nbytes;
    }
    /* the copy pads every tensor to the alignment: keep it small */
    if (gguf_alignment(g) <= 4096 && data_bytes + meta_bytes < ((uint64_t)16 << 20) &&
        (uint64_t)gguf_tensor_count(g) * gguf_alignment(g) < ((uint64_t)16 << 20))
        roundtrip(g);
    gguf_close(g);
    return 0;
}
