/* make_seeds.c — writes the seed corpus of fuzz_gguf (tests/fuzz/corpus/gguf/)
 * with cola's own writer: small valid files that reach every part of the
 * reader (every value type, string arrays, nested arrays, custom alignment,
 * several tensor types, v2 header, vocab-only file). Each stays under 4 KiB.
 * Not part of the build; run by hand after changing the format code:
 *
 *   cmake --build build-gguf --target cola_engine
 *   cc -std=c11 -D_GNU_SOURCE -Isrc tests/fuzz/make_seeds.c build-gguf/libcola_engine.a \
 *      build-gguf/libcola_util.a -lm -lpthread -o /tmp/make_seeds
 *   /tmp/make_seeds tests/fuzz/corpus/gguf
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/gguf.h"

static int save(const char *dir, const char *name, struct gguf_writer *w, int version)
{
    char path[4096];
    void *mem;
    size_t len;
    struct cola_err e;
    err_clear(&e);
    if (gguf_writer_write_mem(w, &mem, &len, &e)) {
        fprintf(stderr, "%s: %s\n", name, err_msg(&e));
        return 1;
    }
    if (len > 4096) {
        fprintf(stderr, "%s: %zu bytes, over the 4 KiB seed limit\n", name, len);
        free(mem);
        return 1;
    }
    memcpy((char *)mem + 4, &version, 4);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int rc = !f || fwrite(mem, 1, len, f) != len;
    if (f && fclose(f))
        rc = 1;
    if (rc)
        fprintf(stderr, "%s: cannot write\n", path);
    free(mem);
    gguf_writer_free(w);
    return rc;
}

static struct gguf_writer *metadata(void)
{
    struct gguf_writer *w = gguf_writer_new();
    const char *toks[] = {"<unk>", "<s>", "</s>", "\xe2\x96\x81the", "a b"};
    const float scores[] = {0, -1, -2, -3.5f, -4};
    const int32_t types[] = {2, 3, 3, 1, 1};
    gguf_writer_set_str(w, "general.architecture", "llama");
    gguf_writer_set_u32(w, "llama.block_count", 1);
    gguf_writer_set_u64(w, "llama.context_length", 128);
    gguf_writer_set_i32(w, "t.i32", -7);
    gguf_writer_set_i64(w, "t.i64", -70000000000);
    gguf_writer_set_u8(w, "t.u8", 250);
    gguf_writer_set_i8(w, "t.i8", -5);
    gguf_writer_set_u16(w, "t.u16", 65000);
    gguf_writer_set_i16(w, "t.i16", -300);
    gguf_writer_set_f32(w, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
    gguf_writer_set_f64(w, "t.f64", 3.25);
    gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", true);
    gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", toks, 5);
    gguf_writer_set_arr(w, "tokenizer.ggml.scores", GGUF_VT_FLOAT32, scores, 5);
    gguf_writer_set_arr(w, "tokenizer.ggml.token_type", GGUF_VT_INT32, types, 5);
    /* [[1, 2], ["x"]] */
    const uint16_t in0[] = {1, 2};
    struct gguf_str in1[] = {{"x", 1}};
    struct gguf_value vals[2];
    memset(vals, 0, sizeof(vals));
    vals[0].type = vals[1].type = GGUF_VT_ARRAY;
    vals[0].v.arr.elem = GGUF_VT_UINT16, vals[0].v.arr.n = 2, vals[0].v.arr.raw = in0;
    vals[1].v.arr.elem = GGUF_VT_STRING, vals[1].v.arr.n = 1, vals[1].v.arr.strs = in1;
    struct gguf_value nest = {.type = GGUF_VT_ARRAY};
    nest.v.arr.elem = GGUF_VT_ARRAY, nest.v.arr.n = 2, nest.v.arr.vals = vals;
    gguf_writer_set_value(w, "t.nested", &nest);
    return w;
}

int main(int argc, char **argv)
{
    static uint8_t data[2048];
    int rc = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 31 + 7);
    const char *dir = argv[1];

    struct gguf_writer *w = gguf_writer_new();
    gguf_writer_set_str(w, "general.architecture", "test");
    rc |= save(dir, "minimal.gguf", w, 3);

    rc |= save(dir, "vocab-only.gguf", metadata(), 3);

    const int64_t ne_a[] = {8, 2}, ne_b[] = {16}, ne_c[] = {32, 2}, ne_d[] = {256}, ne_e[] = {0};
    w = metadata();
    gguf_writer_add_tensor(w, "token_embd.weight", QT_TYPE_F32, 2, ne_a, data, 64, NULL);
    gguf_writer_add_tensor(w, "output_norm.weight", QT_TYPE_F16, 1, ne_b, data, 32, NULL);
    gguf_writer_add_tensor(w, "blk.0.attn_q.weight", QT_TYPE_Q8_0, 2, ne_c, data, 68, NULL);
    gguf_writer_add_tensor(w, "blk.0.attn_k.weight", QT_TYPE_Q4_0, 2, ne_c, data, 36, NULL);
    gguf_writer_add_tensor(w, "blk.0.ffn_up.weight", QT_TYPE_Q4_K, 1, ne_d, data, 144, NULL);
    gguf_writer_add_tensor(w, "empty", QT_TYPE_F32, 1, ne_e, data, 0, NULL);
    rc |= save(dir, "tensors.gguf", w, 3);

    w = gguf_writer_new();
    gguf_writer_set_u32(w, "general.alignment", 64);
    gguf_writer_set_str(w, "general.name", "aligned");
    gguf_writer_add_tensor(w, "a", QT_TYPE_F32, 2, ne_a, data, 64, NULL);
    gguf_writer_add_tensor(w, "b", QT_TYPE_BF16, 1, ne_b, data, 32, NULL);
    rc |= save(dir, "align64.gguf", w, 3);

    w = gguf_writer_new();
    gguf_writer_set_str(w, "general.architecture", "gpt2");
    gguf_writer_add_tensor(w, "x", QT_TYPE_Q6_K, 1, ne_d, data, 210, NULL);
    rc |= save(dir, "v2.gguf", w, 2);
    return rc;
}
