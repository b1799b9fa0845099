/* Unit tests for the GGUF reader on hostile input: files built byte by byte
 * (tests/unit/gguf_testbytes.h) so each test says exactly which field is
 * wrong, and each must be refused with a message naming the problem.
 */
#include "gguf_testbytes.h"

#include <inttypes.h>

/* ------------------------------------------------------------------ hostile headers */

static void test_bad_headers(void **state)
{
    (void)state;
    struct tb t;
    struct cola_err e;
    assert_int_equal(try_open("", 0, &e), COLA_EFORMAT);
    assert_int_equal(try_open("GGU", 3, &e), COLA_EFORMAT);

    tb_init(&t);
    tb_raw(&t, "GGUX", 4);
    tb_u32(&t, 3);
    EXPECT_FAIL(&t, COLA_EFORMAT, "not a GGUF file");
    tb_free(&t);

    tb_init(&t);
    tb_hdr(&t, 1, 0, 0);
    EXPECT_FAIL(&t, COLA_EUNSUPPORTED, "GGUF v1");
    tb_free(&t);

    tb_init(&t); /* a big-endian v3 file: the version bytes are 00 00 00 03 */
    tb_raw(&t, "GGUF", 4);
    tb_raw(&t, "\0\0\0\3", 4);
    tb_raw(&t, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
    EXPECT_FAIL(&t, COLA_EUNSUPPORTED, "big-endian");
    tb_free(&t);

    tb_init(&t);
    tb_raw(&t, "FUGG", 4);
    tb_raw(&t, "\0\0\0\3", 4);
    EXPECT_FAIL(&t, COLA_EUNSUPPORTED, "big-endian");
    tb_free(&t);

    tb_init(&t);
    tb_hdr(&t, 4, 0, 0);
    EXPECT_FAIL(&t, COLA_EUNSUPPORTED, "version 4");
    tb_free(&t);

    tb_init(&t);
    tb_hdr(&t, 0, 0, 0);
    EXPECT_FAIL(&t, COLA_EFORMAT, "version 0");
    tb_free(&t);

    tb_init(&t); /* v2 has the same layout as v3 */
    tb_hdr(&t, 2, 0, 1);
    tb_kv_u32(&t, "general.alignment", 64);
    EXPECT_OK(&t);
    tb_free(&t);

    tb_init(&t);
    tb_hdr(&t, 3, 0, 0);
    EXPECT_OK(&t);
    t.b.len--; /* header cut short */
    EXPECT_FAIL(&t, COLA_EFORMAT, "truncated");
    tb_free(&t);
}

static void test_absurd_counts(void **state)
{
    (void)state;
    struct tb t;

    tb_init(&t);
    tb_hdr(&t, 3, 0, (uint64_t)1 << 63);
    tb_kv_u32(&t, "a", 1);
    EXPECT_FAIL(&t, COLA_EFORMAT, "n_kv = 9223372036854775808");
    tb_free(&t);

    tb_init(&t);
    tb_hdr(&t, 3, UINT64_MAX, 0);
    EXPECT_FAIL(&t, COLA_EFORMAT, "n_tensors = 18446744073709551615");
    tb_free(&t);

    tb_init(&t); /* tensor count that fits the header bound but not what the KVs leave */
    tb_hdr(&t, 3, 1, 1);
    tb_str(&t, "k");
    tb_u32(&t, GGUF_VT_STRING);
    tb_str(&t, "a string long enough to eat the room left for the tensor info.");
    EXPECT_FAIL(&t, COLA_EFORMAT, "n_tensors = 1");
    tb_free(&t);

    tb_init(&t); /* key length 2^62 */
    tb_hdr(&t, 3, 0, 1);
    tb_u64(&t, (uint64_t)1 << 62);
    tb_raw(&t, "general.name\x08\0\0\0", 16);
    EXPECT_FAIL(&t, COLA_EFORMAT, "string length 4611686018427387904");
    tb_free(&t);

    tb_init(&t); /* string value length 2^62 */
    tb_hdr(&t, 3, 0, 1);
    tb_str(&t, "general.name");
    tb_u32(&t, GGUF_VT_STRING);
    tb_u64(&t, (uint64_t)1 << 62);
    tb_raw(&t, "abcd", 4);
    EXPECT_FAIL(&t, COLA_EFORMAT, "key 'general.name': string length 4611686018427387904");
    tb_free(&t);

    static const uint32_t elems[] = {GGUF_VT_UINT8, GGUF_VT_FLOAT64, GGUF_VT_STRING, GGUF_VT_ARRAY};
    for (size_t i = 0; i < sizeof(elems) / sizeof(elems[0]); i++) {
        tb_init(&t); /* array count 2^40 */
        tb_hdr(&t, 3, 0, 1);
        tb_str(&t, "tokenizer.ggml.tokens");
        tb_u32(&t, GGUF_VT_ARRAY);
        tb_u32(&t, elems[i]);
        tb_u64(&t, (uint64_t)1 << 40);
        tb_raw(&t, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
        EXPECT_FAIL(&t, COLA_EFORMAT, "array of 1099511627776");
        tb_free(&t);
    }

    tb_init(&t); /* an array that claims one element more than the file holds */
    tb_hdr(&t, 3, 0, 1);
    tb_str(&t, "k");
    tb_u32(&t, GGUF_VT_ARRAY);
    tb_u32(&t, GGUF_VT_UINT32);
    tb_u64(&t, 3);
    tb_u32(&t, 1);
    tb_u32(&t, 2);
    tb_u32(&t, 3);
    EXPECT_OK(&t);
    t.b.len -= 4;
    tb_u8(&t, 0);
    EXPECT_FAIL(&t, COLA_EFORMAT, "array of 3 u32");
    tb_free(&t);
}

static void test_bad_values(void **state)
{
    (void)state;
    struct tb t;

    tb_init(&t);
    tb_hdr(&t, 3, 0, 1);
    tb_str(&t, "k.weird");
    tb_u32(&t, GGUF_VT_COUNT);
    tb_u32(&t, 0);
    EXPECT_FAIL(&t, COLA_EFORMAT, "key 'k.weird': unknown value type 13");
    tb_free(&t);

    tb_init(&t);
    tb_hdr(&t, 3, 0, 1);
    tb_str(&t, "k.arr");
    tb_u32(&t, GGUF_VT_ARRAY);
    tb_u32(&t, 99);
    tb_u64(&t, 0);
    EXPECT_FAIL(&t, COLA_EFORMAT, "unknown array element type 99");
    tb_free(&t);

    tb_init(&t);
    tb_hdr(&t, 3, 0, 2);
    tb_kv_u32(&t, "dup.key", 1);
    tb_kv_u32(&t, "dup.key", 2);
    EXPECT_FAIL(&t, COLA_EFORMAT, "duplicate key 'dup.key'");
    tb_free(&t);

    tb_init(&t);
    tb_hdr(&t, 3, 0, 1);
    tb_kv_u32(&t, "", 1);
    EXPECT_FAIL(&t, COLA_EFORMAT, "is empty");
    tb_free(&t);

    tb_init(&t);
    tb_hdr(&t, 3, 0, 1);
    tb_u64(&t, 3);
    tb_raw(&t, "a\0b", 3);
    tb_u32(&t, GGUF_VT_UINT8);
    tb_u8(&t, 1);
    EXPECT_FAIL(&t, COLA_EFORMAT, "NUL byte");
    tb_free(&t);

    /* nesting: GGUF_MAX_DEPTH levels are accepted, one more is not */
    for (int depth = GGUF_MAX_DEPTH; depth <= GGUF_MAX_DEPTH + 1; depth++) {
        tb_init(&t);
        tb_hdr(&t, 3, 0, 1);
        tb_str(&t, "deep");
        tb_u32(&t, GGUF_VT_ARRAY);
        for (int d = 1; d < depth; d++) {
            tb_u32(&t, GGUF_VT_ARRAY);
            tb_u64(&t, 1);
        }
        tb_u32(&t, GGUF_VT_UINT8);
        tb_u64(&t, 1);
        tb_u8(&t, 42);
        if (depth == GGUF_MAX_DEPTH)
            EXPECT_OK(&t);
        else
            EXPECT_FAIL(&t, COLA_EFORMAT, "nested deeper");
        tb_free(&t);
    }
}

static void test_bad_alignment(void **state)
{
    (void)state;
    struct tb t;
    static const uint32_t bad[] = {0, 3, 48, 0x80000001u};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tb_init(&t);
        tb_hdr(&t, 3, 0, 1);
        tb_kv_u32(&t, "general.alignment", bad[i]);
        EXPECT_FAIL(&t, COLA_EFORMAT, "is not a power of two");
        tb_free(&t);
    }
    tb_init(&t);
    tb_hdr(&t, 3, 0, 1);
    tb_str(&t, "general.alignment");
    tb_u32(&t, GGUF_VT_UINT64);
    tb_u64(&t, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "general.alignment must be of type u32, not u64");
    tb_free(&t);

    /* alignment 64: offset 64 is fine, 32 is not, and the data section starts at 64 */
    for (int off = 32; off <= 64; off += 32) {
        const uint64_t ne[] = {8};
        tb_init(&t);
        tb_hdr(&t, 3, 2, 1);
        tb_kv_u32(&t, "general.alignment", 64);
        tb_tensor(&t, "x", 1, ne, QT_TYPE_F32, 0);
        tb_tensor(&t, "y", 1, ne, QT_TYPE_F32, (uint64_t)off);
        tb_data(&t, 64, 128);
        if (off == 64) {
            struct gguf_file *g;
            struct cola_err e;
            assert_int_equal(gguf_open_mem(t.b.data, t.b.len, &g, &e), 0);
            assert_int_equal(gguf_alignment(g), 64);
            assert_int_equal(gguf_data_offset(g) % 64, 0);
            assert_int_equal(gguf_tensor_at(g, 1)->offset, 64);
            gguf_close(g);
        } else {
            EXPECT_FAIL(&t, COLA_EFORMAT, "tensor 'y': offset 32 is not a multiple of the alignment 64");
        }
        tb_free(&t);
    }
}

/* ------------------------------------------------------------------ hostile tensor infos */

/* One tensor with the given shape/type/offset and `data` bytes of data. */
static void one_tensor(struct tb *t, uint32_t n_dims, const uint64_t *ne, uint32_t type,
                       uint64_t offset, size_t data)
{
    tb_init(t);
    tb_hdr(t, 3, 1, 1);
    tb_kv_u32(t, "general.quantization_version", 2);
    tb_tensor(t, "blk.0.attn_q.weight", n_dims, ne, type, offset);
    tb_data(t, 32, data);
}

static void test_bad_tensors(void **state)
{
    (void)state;
    struct tb t;
    const uint64_t ne8[] = {8, 1, 1, 1, 1};

    one_tensor(&t, 1, ne8, QT_TYPE_F32, 0, 32);
    EXPECT_OK(&t);
    tb_free(&t);

    one_tensor(&t, 0, ne8, QT_TYPE_F32, 0, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "tensor 'blk.0.attn_q.weight': n_dims = 0");
    tb_free(&t);
    one_tensor(&t, 5, ne8, QT_TYPE_F32, 0, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "n_dims = 5");
    tb_free(&t);

    one_tensor(&t, 1, ne8, 4, 0, 32); /* a retired ggml type */
    EXPECT_FAIL(&t, COLA_EFORMAT, "unknown ggml type id 4");
    tb_free(&t);
    one_tensor(&t, 1, ne8, 99, 0, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "unknown ggml type id 99");
    tb_free(&t);
    one_tensor(&t, 1, ne8, 0x80000000u, 0, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "unknown ggml type id 2147483648");
    tb_free(&t);

    const uint64_t neg[] = {(uint64_t)1 << 63};
    one_tensor(&t, 1, neg, QT_TYPE_F32, 0, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "negative");
    tb_free(&t);

    const uint64_t big[] = {(uint64_t)1 << 32, (uint64_t)1 << 32};
    one_tensor(&t, 2, big, QT_TYPE_F32, 0, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "more elements than fit in 64 bits");
    tb_free(&t);
    const uint64_t big4[] = {2, (uint64_t)1 << 21, (uint64_t)1 << 21, (uint64_t)1 << 21};
    one_tensor(&t, 4, big4, QT_TYPE_F32, 0, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "more elements than fit in 64 bits");
    tb_free(&t);
    const uint64_t bytes_big[] = {(uint64_t)1 << 62};
    one_tensor(&t, 1, bytes_big, QT_TYPE_F32, 0, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "byte size overflows");
    tb_free(&t);

    const uint64_t ne33[] = {33};
    one_tensor(&t, 1, ne33, QT_TYPE_Q4_0, 0, 64);
    EXPECT_FAIL(&t, COLA_EFORMAT, "ne[0] = 33 is not a multiple of the q4_0 block size 32");
    tb_free(&t);

    one_tensor(&t, 1, ne8, QT_TYPE_F32, 0, 31); /* one byte short */
    EXPECT_FAIL(&t, COLA_EFORMAT, "extends past the end of the file");
    tb_free(&t);
    one_tensor(&t, 1, ne8, QT_TYPE_F32, 32, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "data at offset 32 (32 bytes) extends past");
    tb_free(&t);
    one_tensor(&t, 1, ne8, QT_TYPE_F32, (uint64_t)1 << 63, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "extends past the end of the file");
    tb_free(&t);
    one_tensor(&t, 1, ne8, QT_TYPE_F32, UINT64_MAX - 31, 32);
    EXPECT_FAIL(&t, COLA_EFORMAT, "extends past the end of the file");
    tb_free(&t);
    one_tensor(&t, 1, ne8, QT_TYPE_F32, 4, 64);
    EXPECT_FAIL(&t, COLA_EFORMAT, "offset 4 is not a multiple of the alignment 32");
    tb_free(&t);

    /* tensor infos end mid-file but padding to the data section runs past EOF */
    const uint64_t ne0[] = {0};
    tb_init(&t);
    tb_hdr(&t, 3, 1, 0);
    tb_tensor(&t, "e", 1, ne0, QT_TYPE_F32, 0);
    assert_true(t.b.len % 32 != 0);
    EXPECT_FAIL(&t, COLA_EFORMAT, "data section would start");
    tb_data(&t, 32, 0);
    EXPECT_OK(&t); /* a zero-element tensor needs no data */
    tb_free(&t);
}

static void test_tensor_names_and_overlap(void **state)
{
    (void)state;
    struct tb t;
    const uint64_t ne16[] = {16}, ne0[] = {0};
    char longname[GGUF_NAME_MAX + 1];
    memset(longname, 'n', GGUF_NAME_MAX);
    longname[GGUF_NAME_MAX] = '\0';

    struct { const char *a, *b; uint64_t off_b; const uint64_t *ne_b; const char *want; } cases[] = {
        {"a", "a", 64, ne16, "duplicate tensor name 'a'"},
        {"a", "b", 32, ne16, "tensors 'a' (bytes 0..64) and 'b' (bytes 32..96) of the data section overlap"},
        {"a", "b", 0, ne16, "overlap"},
        {"a", "", 64, ne16, "name length 0"},
        {"a", longname, 64, ne16, "name length 256"},
        {"a", "b", 0, ne0, NULL},  /* an empty tensor overlaps nothing */
        {"a", "b", 64, ne16, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tb_init(&t);
        tb_hdr(&t, 3, 2, 0);
        tb_tensor(&t, cases[i].a, 1, ne16, QT_TYPE_F32, 0);
        tb_tensor(&t, cases[i].b, 1, cases[i].ne_b, QT_TYPE_F32, cases[i].off_b);
        tb_data(&t, 32, 128);
        if (cases[i].want)
            EXPECT_FAIL(&t, COLA_EFORMAT, cases[i].want);
        else
            EXPECT_OK(&t);
        tb_free(&t);
    }

    /* overlap found whatever the order of the tensor infos: c lies inside a */
    const uint64_t ne64[] = {64}, ne8[] = {8};
    tb_init(&t);
    tb_hdr(&t, 3, 3, 0);
    tb_tensor(&t, "b", 1, ne8, QT_TYPE_F32, 256);
    tb_tensor(&t, "c", 1, ne8, QT_TYPE_F32, 96);
    tb_tensor(&t, "a", 1, ne64, QT_TYPE_F32, 0);
    tb_data(&t, 32, 288);
    EXPECT_FAIL(&t, COLA_EFORMAT, "tensors 'a' (bytes 0..256) and 'c' (bytes 96..128)");
    tb_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_absurd_counts),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_bad_alignment),
        cmocka_unit_test(test_bad_tensors),
        cmocka_unit_test(test_tensor_names_and_overlap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
