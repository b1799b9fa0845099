/* Unit tests for the GGUF reader and writer (src/engine/gguf.c, gguf_write.c):
 * the writer's byte-exact output, write/read round trips, truncation at every
 * byte, typed getters, atomic writes, and every GGUF file in ../shared
 * (skipped when absent). Hand-built hostile files are in test_gguf_hostile.c.
 */
#include "testutil.h"

#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/gguf.h"
#include "gguf_testbytes.h"

/* ------------------------------------------------------------------ writer basics */

static void test_writer_byte_exact(void **state)
{
    (void)state;
    static const uint8_t want[68] = {
        'G', 'G', 'U', 'F', 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
        20, 0, 0, 0, 0, 0, 0, 0, 'g', 'e', 'n', 'e', 'r', 'a', 'l', '.', 'a', 'r', 'c', 'h',
        'i', 't', 'e', 'c', 't', 'u', 'r', 'e', 8, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,
        't', 'e', 's', 't'};
    struct gguf_writer *w = gguf_writer_new();
    struct cola_err e;
    void *out;
    size_t len;
    err_clear(&e);
    assert_non_null(w);
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "test"), 0);
    assert_int_equal(gguf_writer_write_mem(w, &out, &len, &e), 0);
    assert_int_equal(len, 68);
    assert_memory_equal(out, want, 68);

    /* a zero-tensor file may end right after its metadata */
    struct gguf_file *g;
    assert_int_equal(gguf_open_mem(out, len, &g, &e), 0);
    assert_int_equal(gguf_tensor_count(g), 0);
    assert_int_equal(gguf_kv_count(g), 1);
    assert_int_equal(gguf_data_offset(g), 68);
    struct gguf_str s;
    assert_int_equal(gguf_get_str(g, "general.architecture", &s, &e), 0);
    assert_true(gguf_str_eq(s, "test"));
    gguf_close(g);
    free(out);
    gguf_writer_free(w);
}

/* A file exercising every value type, nesting and three tensor types. */
struct sample {
    float f32data[24];        /* f32 [8, 3] */
    uint16_t f16data[16];     /* f16 [16] */
    uint8_t q8data[4 * 34];   /* q8_0 [64, 2]: 4 blocks of 34 bytes */
};

static void sample_fill(struct sample *s)
{
    for (int i = 0; i < 24; i++)
        s->f32data[i] = (float)i * 0.5f - 3.0f;
    for (int i = 0; i < 16; i++)
        s->f16data[i] = (uint16_t)(0x3c00 + i);
    for (int i = 0; i < (int)sizeof(s->q8data); i++)
        s->q8data[i] = (uint8_t)(i * 13 + 5);
}

static struct gguf_writer *sample_writer(const struct sample *s)
{
    struct gguf_writer *w = gguf_writer_new();
    struct cola_err e;
    err_clear(&e);
    assert_non_null(w);
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "llama"), 0);
    assert_int_equal(gguf_writer_set_u8(w, "t.u8", 200), 0);
    assert_int_equal(gguf_writer_set_i8(w, "t.i8", -100), 0);
    assert_int_equal(gguf_writer_set_u16(w, "t.u16", 60000), 0);
    assert_int_equal(gguf_writer_set_i16(w, "t.i16", -30000), 0);
    assert_int_equal(gguf_writer_set_u32(w, "t.u32", 4000000000u), 0);
    assert_int_equal(gguf_writer_set_i32(w, "t.i32", -2000000000), 0);
    assert_int_equal(gguf_writer_set_u64(w, "t.u64", UINT64_MAX), 0);
    assert_int_equal(gguf_writer_set_i64(w, "t.i64", INT64_MIN), 0);
    assert_int_equal(gguf_writer_set_f32(w, "t.f32", 1e-5f), 0);
    assert_int_equal(gguf_writer_set_f64(w, "t.f64", -2.5e300), 0);
    assert_int_equal(gguf_writer_set_bool(w, "t.bool", true), 0);
    assert_int_equal(gguf_writer_set_strn(w, "t.bin", "a\0b", 3), 0);
    const char *toks[] = {"<s>", "", "héllo", "</s>"};
    assert_int_equal(gguf_writer_set_arr_str(w, "t.tokens", toks, 4), 0);
    const int32_t ids[] = {7, -8, 9};
    assert_int_equal(gguf_writer_set_arr(w, "t.ids", GGUF_VT_INT32, ids, 3), 0);
    const float sc[] = {0.25f, -1.5f};
    assert_int_equal(gguf_writer_set_arr(w, "t.scores", GGUF_VT_FLOAT32, sc, 2), 0);
    assert_int_equal(gguf_writer_set_arr(w, "t.empty", GGUF_VT_UINT64, NULL, 0), 0);

    /* nested: [[1, 2], ["x", "yz"], []] */
    const int16_t inner0[] = {1, 2};
    struct gguf_str inner1[] = {{"x", 1}, {"yz", 2}};
    struct gguf_value vals[3];
    memset(vals, 0, sizeof(vals));
    vals[0].type = vals[1].type = vals[2].type = GGUF_VT_ARRAY;
    vals[0].v.arr.elem = GGUF_VT_INT16, vals[0].v.arr.n = 2, vals[0].v.arr.raw = inner0;
    vals[1].v.arr.elem = GGUF_VT_STRING, vals[1].v.arr.n = 2, vals[1].v.arr.strs = inner1;
    vals[2].v.arr.elem = GGUF_VT_BOOL, vals[2].v.arr.n = 0;
    struct gguf_value nest = {.type = GGUF_VT_ARRAY};
    nest.v.arr.elem = GGUF_VT_ARRAY, nest.v.arr.n = 3, nest.v.arr.vals = vals;
    assert_int_equal(gguf_writer_set_value(w, "t.nested", &nest), 0);

    const int64_t ne_a[] = {8, 3}, ne_b[] = {16}, ne_c[] = {64, 2};
    assert_int_equal(gguf_writer_add_tensor(w, "a.weight", QT_TYPE_F32, 2, ne_a, s->f32data,
                                            sizeof(s->f32data), &e), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "b.weight", QT_TYPE_F16, 1, ne_b, s->f16data,
                                            sizeof(s->f16data), &e), 0);
    assert_int_equal(gguf_writer_add_tensor(w, "c.weight", QT_TYPE_Q8_0, 2, ne_c, s->q8data,
                                            sizeof(s->q8data), &e), 0);
    return w;
}

static void check_sample_kv(const struct gguf_file *g)
{
    struct cola_err e;
    uint32_t u32 = 0;
    int64_t i64 = 0;
    double d = 0;
    bool b = false;
    struct gguf_str s;
    const struct gguf_value *v;
    err_clear(&e);
    assert_int_equal(gguf_kv_count(g), 18);
    assert_true(gguf_str_eq(gguf_kv_at(g, 0)->key, "general.architecture"));
    assert_int_equal(gguf_get(g, "t.u8")->v.u8, 200);
    assert_int_equal(gguf_get(g, "t.i8")->v.i8, -100);
    assert_int_equal(gguf_get(g, "t.u16")->v.u16, 60000);
    assert_int_equal(gguf_get(g, "t.i16")->v.i16, -30000);
    assert_int_equal(gguf_get_u32(g, "t.u32", &u32, &e), 0);
    assert_int_equal(u32, 4000000000u);
    assert_int_equal(gguf_get(g, "t.i32")->v.i32, -2000000000);
    assert_true(gguf_get(g, "t.u64")->v.u64 == UINT64_MAX);
    assert_true(gguf_get(g, "t.i64")->v.i64 == INT64_MIN);
    assert_int_equal(gguf_get_float(g, "t.f32", &d, &e), 0);
    assert_true((float)d == 1e-5f);
    assert_int_equal(gguf_get_float(g, "t.f64", &d, &e), 0);
    assert_true(d == -2.5e300);
    assert_int_equal(gguf_get_bool(g, "t.bool", &b, &e), 0);
    assert_true(b);
    assert_int_equal(gguf_get_str(g, "t.bin", &s, &e), 0);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.ptr, "a\0b", 3);

    assert_int_equal(gguf_get_arr(g, "t.tokens", GGUF_VT_STRING, &v, &e), 0);
    assert_int_equal(v->v.arr.n, 4);
    assert_true(gguf_str_eq(v->v.arr.strs[0], "<s>"));
    assert_true(gguf_str_eq(v->v.arr.strs[1], ""));
    assert_true(gguf_str_eq(v->v.arr.strs[2], "héllo"));
    assert_true(gguf_str_eq(v->v.arr.strs[3], "</s>"));
    assert_int_equal(gguf_get_arr(g, "t.ids", GGUF_VT_INT32, &v, &e), 0);
    assert_int_equal(v->v.arr.n, 3);
    assert_int_equal(gguf_arr_i32(v, 1), -8);
    assert_int_equal(gguf_arr_int(v, 2), 9);
    assert_int_equal(gguf_arr_i32(v, 3), 0); /* out of range reads as 0, never past the end */
    assert_int_equal(gguf_get_arr(g, "t.scores", -1, &v, &e), 0);
    assert_true(gguf_arr_f32(v, 1) == -1.5f);
    assert_int_equal(gguf_get_arr(g, "t.empty", GGUF_VT_UINT64, &v, &e), 0);
    assert_int_equal(v->v.arr.n, 0);

    assert_int_equal(gguf_get_arr(g, "t.nested", GGUF_VT_ARRAY, &v, &e), 0);
    assert_int_equal(v->v.arr.n, 3);
    const struct gguf_value *in = v->v.arr.vals;
    assert_int_equal(in[0].type, GGUF_VT_ARRAY);
    assert_int_equal(in[0].v.arr.elem, GGUF_VT_INT16);
    assert_int_equal(gguf_arr_int(&in[0], 0), 1);
    assert_int_equal(gguf_arr_int(&in[0], 1), 2);
    assert_int_equal(in[1].v.arr.elem, GGUF_VT_STRING);
    assert_true(gguf_str_eq(in[1].v.arr.strs[1], "yz"));
    assert_int_equal(in[2].v.arr.elem, GGUF_VT_BOOL);
    assert_int_equal(in[2].v.arr.n, 0);

    assert_int_equal(gguf_get_int(g, "t.u8", &i64, &e), 0);
    assert_int_equal(i64, 200);
    assert_int_equal(gguf_get_int(g, "t.i64", &i64, &e), 0);
    assert_true(i64 == INT64_MIN);
}

static void check_sample_tensors(const struct gguf_file *g, const struct sample *s,
                                 const uint8_t *base, size_t size)
{
    const struct gguf_tensor *t;
    assert_int_equal(gguf_tensor_count(g), 3);
    assert_int_equal(gguf_alignment(g), 32);
    assert_int_equal(gguf_data_offset(g) % 32, 0);
    struct { const char *name; enum qt_type type; uint32_t n_dims; int64_t ne0, ne1; uint64_t nbytes;
             const void *data; } want[] = {
        {"a.weight", QT_TYPE_F32, 2, 8, 3, 96, s->f32data},
        {"b.weight", QT_TYPE_F16, 1, 16, 1, 32, s->f16data},
        {"c.weight", QT_TYPE_Q8_0, 2, 64, 2, 136, s->q8data},
    };
    for (int i = 0; i < 3; i++) {
        t = gguf_tensor_at(g, i);
        assert_non_null(t);
        assert_string_equal(t->name, want[i].name);
        assert_ptr_equal(gguf_find_tensor(g, want[i].name), t);
        assert_int_equal(t->type, want[i].type);
        assert_int_equal(t->n_dims, want[i].n_dims);
        assert_int_equal(t->ne[0], want[i].ne0);
        assert_int_equal(t->ne[1], want[i].ne1);
        assert_int_equal(t->ne[2], 1);
        assert_int_equal(t->ne[3], 1);
        assert_int_equal(gguf_tensor_nelements(t), want[i].ne0 * want[i].ne1);
        assert_int_equal(t->nbytes, want[i].nbytes);
        assert_int_equal(t->offset % 32, 0);
        if (base) {
            assert_ptr_equal(t->data, base + gguf_data_offset(g) + t->offset);
            assert_true(gguf_data_offset(g) + t->offset + t->nbytes <= size);
        }
        assert_memory_equal(t->data, want[i].data, want[i].nbytes);
    }
    assert_null(gguf_tensor_at(g, 3));
    assert_null(gguf_tensor_at(g, -1));
    assert_null(gguf_find_tensor(g, "d.weight"));
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct sample s;
    struct cola_err e;
    struct gguf_file *g;
    void *mem;
    size_t len;
    sample_fill(&s);
    err_clear(&e);
    struct gguf_writer *w = sample_writer(&s);
    assert_int_equal(gguf_writer_write_mem(w, &mem, &len, &e), 0);
    assert_int_equal(gguf_open_mem(mem, len, &g, &e), 0);
    assert_int_equal(gguf_version(g), 3);
    assert_int_equal(gguf_file_size(g), len);
    check_sample_kv(g);
    check_sample_tensors(g, &s, mem, len);
    gguf_close(g);

    /* the same bytes through the atomic path writer and gguf_open() */
    char *dir = tu_mkdtemp();
    char path[4096];
    assert_non_null(dir);
    snprintf(path, sizeof(path), "%s/sample.gguf", dir);
    assert_int_equal(gguf_writer_write(w, path, &e), 0);
    size_t flen;
    char *file = tu_read_file(path, &flen);
    assert_non_null(file);
    assert_int_equal(flen, len);
    assert_memory_equal(file, mem, len);
    free(file);
    assert_int_equal(gguf_open(path, &g, &e), 0);
    check_sample_kv(g);
    check_sample_tensors(g, &s, NULL, 0);
    gguf_close(g);
    tu_rm_rf(dir);
    free(dir);
    free(mem);
    gguf_writer_free(w);
}

/* Copying every KV (deep, nested arrays included) and tensor of a file into
 * a new writer reproduces the file byte for byte. */
static void copy_and_compare(const void *bytes, size_t len)
{
    struct gguf_file *g;
    struct cola_err e;
    void *out;
    size_t out_len;
    err_clear(&e);
    assert_int_equal(gguf_open_mem(bytes, len, &g, &e), 0);
    struct gguf_writer *w = gguf_writer_new();
    assert_non_null(w);
    for (int64_t i = 0; i < gguf_kv_count(g); i++) {
        const struct gguf_kv *kv = gguf_kv_at(g, i);
        char key[GGUF_KEY_MAX + 1];
        memcpy(key, kv->key.ptr, kv->key.len);
        key[kv->key.len] = '\0';
        assert_int_equal(gguf_writer_set_value(w, key, &kv->val), 0);
    }
    for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
        const struct gguf_tensor *t = gguf_tensor_at(g, i);
        assert_int_equal(gguf_writer_add_tensor(w, t->name, t->type, t->n_dims, t->ne, t->data,
                                                t->nbytes, &e), 0);
    }
    assert_int_equal(gguf_writer_write_mem(w, &out, &out_len, &e), 0);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, bytes, len);
    free(out);
    gguf_writer_free(w);
    gguf_close(g);
}

static void test_copy_reproduces_file(void **state)
{
    (void)state;
    struct sample s;
    struct cola_err e;
    void *mem;
    size_t len;
    sample_fill(&s);
    err_clear(&e);
    struct gguf_writer *w = sample_writer(&s);
    assert_int_equal(gguf_writer_write_mem(w, &mem, &len, &e), 0);
    copy_and_compare(mem, len);
    free(mem);
    gguf_writer_free(w);
}

/* Cutting the sample file anywhere before the end of its last tensor's data
 * must fail cleanly; from there on (only padding is cut) it must still open. */
static void test_truncated_every_byte(void **state)
{
    (void)state;
    struct sample s;
    struct cola_err e;
    struct gguf_file *g;
    void *mem;
    size_t len;
    sample_fill(&s);
    err_clear(&e);
    struct gguf_writer *w = sample_writer(&s);
    assert_int_equal(gguf_writer_write_mem(w, &mem, &len, &e), 0);
    assert_int_equal(gguf_open_mem(mem, len, &g, &e), 0);
    uint64_t needed = 0;
    for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
        const struct gguf_tensor *t = gguf_tensor_at(g, i);
        uint64_t end = gguf_data_offset(g) + t->offset + t->nbytes;
        needed = end > needed ? end : needed;
    }
    gguf_close(g);
    assert_true(needed > 0 && needed <= len);
    for (size_t n = 0; n < len; n++) {
        int rc = try_open(mem, n, &e);
        if (n < needed) {
            if (rc != COLA_EFORMAT || !e.msg[0])
                fail_msg("cut at %zu of %zu: rc %d, message \"%s\"", n, len, rc, e.msg);
        } else if (rc != 0) {
            fail_msg("cut at %zu (after the last tensor, at %" PRIu64 "): %s", n, needed, e.msg);
        }
    }
    free(mem);
    gguf_writer_free(w);
}

/* ------------------------------------------------------------------ getters */

static void test_getters_wrong_type(void **state)
{
    (void)state;
    struct sample s;
    struct cola_err e;
    struct gguf_file *g;
    void *mem;
    size_t len;
    sample_fill(&s);
    err_clear(&e);
    struct gguf_writer *w = sample_writer(&s);
    assert_int_equal(gguf_writer_write_mem(w, &mem, &len, &e), 0);
    assert_int_equal(gguf_open_mem(mem, len, &g, &e), 0);

    uint32_t u32 = 42;
    err_clear(&e);
    assert_int_equal(gguf_get_u32(g, "general.architecture", &u32, &e), COLA_ETYPE);
    assert_int_equal(u32, 42);
    assert_non_null(strstr(e.msg, "general.architecture"));
    assert_non_null(strstr(e.msg, "string"));
    assert_non_null(strstr(e.msg, "u32"));
    err_clear(&e);
    assert_int_equal(gguf_get_u32(g, "no.such.key", &u32, &e), COLA_ENOTFOUND);
    assert_non_null(strstr(e.msg, "no.such.key"));
    assert_int_equal(u32, 42);

    int32_t i32 = 5;
    assert_int_equal(gguf_get_i32(g, "t.u32", &i32, NULL), COLA_ETYPE);
    assert_int_equal(i32, 5);
    uint64_t u64 = 0;
    assert_int_equal(gguf_get_u64(g, "t.u64", &u64, NULL), 0);
    assert_true(u64 == UINT64_MAX);
    float f = 3;
    assert_int_equal(gguf_get_f32(g, "t.f64", &f, NULL), COLA_ETYPE);
    assert_true(f == 3);
    bool b = false;
    assert_int_equal(gguf_get_bool(g, "t.u8", &b, NULL), COLA_ETYPE);
    struct gguf_str str = {"keep", 4};
    assert_int_equal(gguf_get_str(g, "t.tokens", &str, NULL), COLA_ETYPE);
    assert_true(gguf_str_eq(str, "keep"));

    int64_t i64 = 7;
    err_clear(&e);
    assert_int_equal(gguf_get_int(g, "t.u64", &i64, &e), COLA_ERANGE);
    assert_non_null(strstr(e.msg, "t.u64"));
    assert_int_equal(i64, 7);
    assert_int_equal(gguf_get_int(g, "t.f32", &i64, NULL), COLA_ETYPE);
    assert_int_equal(gguf_get_int(g, "t.bool", &i64, NULL), COLA_ETYPE);
    assert_int_equal(gguf_get_int(g, "t.i16", &i64, NULL), 0);
    assert_int_equal(i64, -30000);
    double d = 1;
    assert_int_equal(gguf_get_float(g, "t.u32", &d, NULL), COLA_ETYPE);
    assert_true(d == 1);

    const struct gguf_value *v = NULL;
    err_clear(&e);
    assert_int_equal(gguf_get_arr(g, "t.tokens", GGUF_VT_INT32, &v, &e), COLA_ETYPE);
    assert_null(v);
    assert_non_null(strstr(e.msg, "array of string"));
    assert_int_equal(gguf_get_arr(g, "t.u8", -1, &v, NULL), COLA_ETYPE);

    assert_int_equal(gguf_find_key(g, "t.u8"), 1);
    assert_int_equal(gguf_find_key(g, "t.u"), -1);
    assert_null(gguf_get(g, "t.u"));
    assert_null(gguf_kv_at(g, -1));
    assert_null(gguf_kv_at(g, gguf_kv_count(g)));
    assert_string_equal(gguf_vtype_name(GGUF_VT_STRING), "string");
    assert_string_equal(gguf_vtype_name(99), "unknown");
    assert_int_equal(gguf_vtype_size(GGUF_VT_FLOAT64), 8);
    assert_int_equal(gguf_vtype_size(GGUF_VT_ARRAY), 0);
    gguf_close(g);
    free(mem);
    gguf_writer_free(w);
}

/* ------------------------------------------------------------------ writer errors */

static void test_writer_errors(void **state)
{
    (void)state;
    struct gguf_writer *w = gguf_writer_new();
    struct cola_err e;
    float data[64] = {0};
    const int64_t ne[] = {64, 1, 1, 1, 1};
    const int64_t ne33[] = {33};
    const int64_t neg[] = {-1};
    assert_non_null(w);

    err_clear(&e);
    assert_int_equal(gguf_writer_add_tensor(w, "x", QT_TYPE_F32, 1, ne, data, 255, &e), COLA_EINVAL);
    assert_non_null(strstr(e.msg, "need 256"));
    assert_int_equal(gguf_writer_add_tensor(w, "x", QT_TYPE_F32, 0, ne, data, 256, NULL), COLA_EINVAL);
    assert_int_equal(gguf_writer_add_tensor(w, "x", QT_TYPE_F32, 5, ne, data, 256, NULL), COLA_EINVAL);
    assert_int_equal(gguf_writer_add_tensor(w, "x", QT_TYPE_Q4_0, 1, ne33, data, 18, NULL), COLA_EINVAL);
    assert_int_equal(gguf_writer_add_tensor(w, "x", (enum qt_type)4, 1, ne, data, 256, NULL), COLA_EINVAL);
    assert_int_equal(gguf_writer_add_tensor(w, "x", QT_TYPE_F32, 1, neg, data, 0, NULL), COLA_EINVAL);
    assert_int_equal(gguf_writer_add_tensor(w, "", QT_TYPE_F32, 1, ne, data, 256, NULL), COLA_EINVAL);
    assert_int_equal(gguf_writer_add_tensor(w, "x", QT_TYPE_F32, 1, ne, data, 256, NULL), 0);
    err_clear(&e);
    assert_int_equal(gguf_writer_add_tensor(w, "x", QT_TYPE_F32, 1, ne, data, 256, &e), COLA_EINVAL);
    assert_non_null(strstr(e.msg, "duplicate tensor name 'x'"));
    /* q4_0 [64]: 2 blocks of 18 bytes */
    assert_int_equal(gguf_writer_add_tensor(w, "q", QT_TYPE_Q4_0, 1, ne, data, 36, NULL), 0);

    assert_int_equal(gguf_writer_set_u32(w, "general.alignment", 0), COLA_EINVAL);
    assert_int_equal(gguf_writer_set_u32(w, "general.alignment", 3), COLA_EINVAL);
    assert_int_equal(gguf_writer_set_u64(w, "general.alignment", 64), COLA_EINVAL);
    assert_int_equal(gguf_writer_set_u32(w, "", 1), COLA_EINVAL);
    assert_int_equal(gguf_writer_set_str(w, "k", NULL), COLA_EINVAL);
    assert_int_equal(gguf_writer_set_arr(w, "k", GGUF_VT_STRING, data, 1), COLA_EINVAL);
    assert_int_equal(gguf_writer_remove(w, "absent"), COLA_ENOTFOUND);

    /* replacing keeps the position; removing closes the gap */
    assert_int_equal(gguf_writer_set_u32(w, "a", 1), 0);
    assert_int_equal(gguf_writer_set_u32(w, "general.alignment", 64), 0);
    assert_int_equal(gguf_writer_set_u32(w, "b", 2), 0);
    assert_int_equal(gguf_writer_set_str(w, "a", "one"), 0);
    void *mem;
    size_t len;
    struct gguf_file *g;
    assert_int_equal(gguf_writer_write_mem(w, &mem, &len, &e), 0);
    assert_int_equal(gguf_open_mem(mem, len, &g, &e), 0);
    assert_int_equal(gguf_kv_count(g), 3);
    assert_true(gguf_str_eq(gguf_kv_at(g, 0)->key, "a"));
    assert_int_equal(gguf_kv_at(g, 0)->val.type, GGUF_VT_STRING);
    assert_int_equal(gguf_alignment(g), 64);
    assert_int_equal(gguf_data_offset(g) % 64, 0);
    assert_int_equal(gguf_tensor_at(g, 1)->offset, 256);
    assert_int_equal(len % 64, 0);
    gguf_close(g);
    free(mem);

    assert_int_equal(gguf_writer_remove(w, "general.alignment"), 0);
    assert_int_equal(gguf_writer_write_mem(w, &mem, &len, &e), 0);
    assert_int_equal(gguf_open_mem(mem, len, &g, &e), 0);
    assert_int_equal(gguf_kv_count(g), 2);
    assert_true(gguf_str_eq(gguf_kv_at(g, 1)->key, "b"));
    assert_int_equal(gguf_alignment(g), 32);
    gguf_close(g);
    free(mem);
    gguf_writer_free(w);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *ent;
    assert_non_null(d);
    while ((ent = readdir(d)))
        n += strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..");
    closedir(d);
    return n;
}

static void test_writer_atomic(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char path[4096], sub[4096];
    struct cola_err e;
    size_t len;
    assert_non_null(dir);
    snprintf(path, sizeof(path), "%s/m.gguf", dir);

    struct gguf_writer *w = gguf_writer_new();
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "test"), 0);
    err_clear(&e);
    assert_int_equal(gguf_writer_write(w, path, &e), 0);
    assert_int_equal(gguf_writer_set_str(w, "general.architecture", "other"), 0);
    assert_int_equal(gguf_writer_write(w, path, &e), 0); /* replaces the old file */
    char *bytes = tu_read_file(path, &len);
    assert_non_null(bytes);
    assert_int_equal(len, 69);
    assert_memory_equal(bytes + 64, "other", 5);
    free(bytes);
    assert_int_equal(count_entries(dir), 1); /* no temporary file left behind */

    /* a directory in the way: rename fails, nothing is left behind */
    snprintf(sub, sizeof(sub), "%s/d", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(path, sizeof(path), "%s/d/x", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/d/f", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/d", dir);
    err_clear(&e);
    assert_int_equal(gguf_writer_write(w, path, &e), COLA_EIO);
    assert_non_null(strstr(e.msg, "rename"));
    assert_int_equal(count_entries(dir), 2);

    snprintf(path, sizeof(path), "%s/missing/m.gguf", dir);
    err_clear(&e);
    assert_int_equal(gguf_writer_write(w, path, &e), COLA_EIO);
    assert_non_null(strstr(e.msg, "missing"));

    err_clear(&e);
    struct gguf_file *g;
    assert_int_equal(gguf_open(path, &g, &e), COLA_ENOTFOUND);
    assert_null(g);
    gguf_writer_free(w);
    tu_rm_rf(dir);
    free(dir);
}

/* ------------------------------------------------------------------ shared files */

/* gguf_inspect.py's view of each file, as one JSON line per file ("NULL" if
 * python3 or the script is unavailable). */
static json_t *python_inspect(const char *paths)
{
    const char *script = tu_shared_path("tools/gguf_inspect.py");
    if (!script || system("python3 -c '' 2>/dev/null") != 0)
        return NULL;
    char *cmd = malloc(strlen(paths) + 4200);
    assert_non_null(cmd);
    sprintf(cmd, "python3 '%s' --json %s", script, paths);
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return NULL;
    json_t *all = json_object();
    char line[8192];
    while (fgets(line, sizeof(line), p)) {
        json_t *j = json_loads(line, 0, NULL);
        assert_non_null(j);
        json_object_set_new(all, json_string_value(json_object_get(j, "file")), j);
    }
    assert_int_equal(pclose(p), 0);
    return all;
}

static uint64_t raw_u64(const char *path, long at)
{
    uint64_t v = 0;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, at, SEEK_SET), 0);
    assert_int_equal(fread(&v, 8, 1, f), 1);
    fclose(f);
    return v;
}

static void check_shared_file(const char *path, const char *base, json_t *py)
{
    struct gguf_file *g;
    struct cola_err e;
    err_clear(&e);
    if (gguf_open(path, &g, &e))
        fail_msg("%s: %s", path, e.msg);
    assert_true(gguf_version(g) == 2 || gguf_version(g) == 3);
    assert_int_equal(gguf_tensor_count(g), (int64_t)raw_u64(path, 8));
    assert_int_equal(gguf_kv_count(g), (int64_t)raw_u64(path, 16));
    uint64_t data_end = gguf_data_offset(g), params = 0;
    for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
        const struct gguf_tensor *t = gguf_tensor_at(g, i);
        uint64_t end = gguf_data_offset(g) + t->offset + t->nbytes;
        assert_true(end <= gguf_file_size(g));
        assert_int_equal(t->offset % gguf_alignment(g), 0);
        assert_ptr_equal(gguf_find_tensor(g, t->name), t);
        data_end = end > data_end ? end : data_end;
        params += (uint64_t)gguf_tensor_nelements(t);
    }
    json_t *j = py ? json_object_get(py, base) : NULL;
    if (j) {
        /* an independent parser agrees on counts, parameters and the end of the data */
        assert_int_equal(json_integer_value(json_object_get(j, "tensor_count")), gguf_tensor_count(g));
        assert_int_equal(json_integer_value(json_object_get(j, "kv_count")), gguf_kv_count(g));
        assert_int_equal(json_integer_value(json_object_get(j, "params")), params);
        assert_true(json_is_true(json_object_get(j, "complete")));
        if (gguf_tensor_count(g))
            assert_int_equal(json_integer_value(json_object_get(j, "data_needed")), data_end);
    }
    gguf_close(g);
}

static void test_shared_files(void **state)
{
    (void)state;
    static const char *const dirs[] = {"models", "vocab"};
    char paths[16384] = "", names[64][256];
    char full[64][4096];
    int n = 0;
    for (int d = 0; d < 2; d++) {
        TU_SHARED_OR_SKIP(dir, dirs[d]);
        DIR *dp = opendir(dir);
        struct dirent *ent;
        assert_non_null(dp);
        while ((ent = readdir(dp)) && n < 64) {
            size_t l = strlen(ent->d_name);
            if (l < 5 || strcmp(ent->d_name + l - 5, ".gguf"))
                continue;
            snprintf(names[n], sizeof(names[n]), "%s", ent->d_name);
            snprintf(full[n], sizeof(full[n]), "%s/%s", dir, ent->d_name);
            if (strlen(paths) + strlen(full[n]) + 4 < sizeof(paths))
                strcat(strcat(strcat(paths, " '"), full[n]), "'");
            n++;
        }
        closedir(dp);
    }
    assert_true(n > 0);
    json_t *py = python_inspect(paths);
    if (!py)
        fprintf(stderr, "note: python3 or gguf_inspect.py unavailable; not cross-checking with it\n");
    for (int i = 0; i < n; i++)
        check_shared_file(full[i], names[i], py);
    json_decref(py);
}

/* stories260K has exactly the tensors its hyperparameters imply, in every
 * derived quantisation. */
static void check_llama_tensors(const char *path)
{
    struct gguf_file *g;
    struct cola_err e;
    int64_t n_layer, n_embd, n_ff, n_head, n_head_kv;
    const struct gguf_value *tokens;
    err_clear(&e);
    assert_int_equal(gguf_open(path, &g, &e), 0);
    assert_int_equal(gguf_get_int(g, "llama.block_count", &n_layer, &e), 0);
    assert_int_equal(gguf_get_int(g, "llama.embedding_length", &n_embd, &e), 0);
    assert_int_equal(gguf_get_int(g, "llama.feed_forward_length", &n_ff, &e), 0);
    assert_int_equal(gguf_get_int(g, "llama.attention.head_count", &n_head, &e), 0);
    assert_int_equal(gguf_get_int(g, "llama.attention.head_count_kv", &n_head_kv, &e), 0);
    assert_int_equal(gguf_get_arr(g, "tokenizer.ggml.tokens", GGUF_VT_STRING, &tokens, &e), 0);
    int64_t n_vocab = (int64_t)tokens->v.arr.n, n_embd_kv = n_embd / n_head * n_head_kv;
    struct { const char *fmt; int64_t ne0, ne1; } per_layer[] = {
        {"attn_norm.weight", n_embd, 1},   {"attn_q.weight", n_embd, n_embd},
        {"attn_k.weight", n_embd, n_embd_kv}, {"attn_v.weight", n_embd, n_embd_kv},
        {"attn_output.weight", n_embd, n_embd}, {"ffn_norm.weight", n_embd, 1},
        {"ffn_gate.weight", n_embd, n_ff}, {"ffn_up.weight", n_embd, n_ff},
        {"ffn_down.weight", n_ff, n_embd},
    };
    int64_t want = 2 + (gguf_find_tensor(g, "output.weight") ? 1 : 0) + 9 * n_layer;
    assert_int_equal(gguf_tensor_count(g), want);
    const struct gguf_tensor *t = gguf_find_tensor(g, "token_embd.weight");
    assert_non_null(t);
    assert_int_equal(t->ne[0], n_embd);
    assert_int_equal(t->ne[1], n_vocab);
    t = gguf_find_tensor(g, "output_norm.weight");
    assert_non_null(t);
    assert_int_equal(gguf_tensor_nelements(t), n_embd);
    for (int l = 0; l < n_layer; l++) {
        for (size_t k = 0; k < sizeof(per_layer) / sizeof(per_layer[0]); k++) {
            char name[GGUF_NAME_MAX];
            snprintf(name, sizeof(name), "blk.%d.%s", l, per_layer[k].fmt);
            t = gguf_find_tensor(g, name);
            if (!t)
                fail_msg("%s: tensor %s missing", path, name);
            assert_int_equal(t->ne[0], per_layer[k].ne0);
            assert_int_equal(t->ne[1], per_layer[k].ne1);
            const struct qt_traits *tr = qt_get_traits((int)t->type);
            assert_non_null(tr);
            assert_int_equal(t->nbytes, (uint64_t)(gguf_tensor_nelements(t) / tr->blck_size) * tr->type_size);
        }
    }
    gguf_close(g);
}

static void test_stories_tensors(void **state)
{
    (void)state;
    static const char *const files[] = {"models/stories260K-f32.gguf", "models/stories260K-f16-derived.gguf",
                                        "models/stories260K-q8_0-derived.gguf",
                                        "models/stories260K-q4_0-derived.gguf"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        TU_SHARED_OR_SKIP(path, files[i]);
        check_llama_tensors(path);
        if (i == 0) {
            struct gguf_file *g;
            struct cola_err e;
            assert_int_equal(gguf_open(path, &g, &e), 0);
            for (int64_t k = 0; k < gguf_tensor_count(g); k++)
                assert_int_equal(gguf_tensor_at(g, k)->type, QT_TYPE_F32);
            gguf_close(g);
        }
    }
}

/* Our writer reproduces real llama.cpp-written files byte for byte, and a
 * real file cut anywhere in its metadata fails cleanly. */
static void test_shared_copy_and_cut(void **state)
{
    (void)state;
    static const char *const files[] = {"models/stories260K-q4_0-derived.gguf",
                                        "models/llama-2-tiny-random.gguf"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        TU_SHARED_OR_SKIP(path, files[i]);
        size_t len;
        char *bytes = tu_read_file(path, &len);
        assert_non_null(bytes);
        copy_and_compare(bytes, len);
        struct cola_err e;
        struct gguf_file *g;
        assert_int_equal(gguf_open_mem(bytes, len, &g, &e), 0);
        size_t meta_end = (size_t)gguf_data_offset(g);
        gguf_close(g);
        for (size_t n = 0; n < meta_end; n += n < 4096 ? 1 : n / 64)
            if (try_open(bytes, n, &e) != COLA_EFORMAT)
                fail_msg("%s cut at %zu: %s", path, n, e.msg);
        free(bytes);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_byte_exact),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_copy_reproduces_file),
        cmocka_unit_test(test_truncated_every_byte),
        cmocka_unit_test(test_getters_wrong_type),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_writer_atomic),
        cmocka_unit_test(test_shared_files),
        cmocka_unit_test(test_stories_tensors),
        cmocka_unit_test(test_shared_copy_and_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
