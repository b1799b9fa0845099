/* The engine API: model loading errors on writer-built files, batch checks,
 * several sequences in one batch, context shift through the generation loop,
 * and that decoding a token allocates nothing. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/gen.h"
#include "engine/gguf.h"

/* ------------------------------------------------------------ tiny models */

enum { E = 32, NL = 2, NH = 4, NKV = 2, HD = 8, FF = 64, NV = 48 };

struct tiny_opts {
    const char *arch;
    int skip_tensor;        /* index into the tensor list to leave out, -1 none */
    int bad_shape;          /* give attn_q a wrong shape */
    int weight_type;        /* type of the matrices (F32 or an unsupported one) */
    int drop_key;           /* leave out embedding_length */
};

static float *rand_floats(size_t n, unsigned seed)
{
    float *v = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = ((float)((seed >> 8) & 0xffff) / 65536.0f - 0.5f) * 0.5f;
    }
    return v;
}

/* Write a random-weight llama/qwen model of tiny shape; returns its path. */
static char *write_tiny(const char *dir, const char *name, const struct tiny_opts *o)
{
    struct gguf_writer *w = gguf_writer_new();
    char key[128];
    gguf_writer_set_str(w, "general.architecture", o->arch);
    const struct {
        const char *k;
        uint32_t v;
    } ints[] = {{"context_length", 256}, {"embedding_length", E}, {"block_count", NL},
                {"feed_forward_length", FF}, {"attention.head_count", NH},
                {"attention.head_count_kv", NKV}};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        if (o->drop_key && i == 1)
            continue;
        snprintf(key, sizeof(key), "%s.%s", o->arch, ints[i].k);
        gguf_writer_set_u32(w, key, ints[i].v);
    }
    snprintf(key, sizeof(key), "%s.attention.layer_norm_rms_epsilon", o->arch);
    gguf_writer_set_f32(w, key, 1e-5f);
    /* tensors: names, shapes, data kept alive until written */
    char names[64][64];
    float *data[64];
    int n = 0;
    struct {
        const char *suffix;
        int64_t ne0, ne1;
    } layer[] = {{"attn_norm.weight", E, 0},   {"attn_q.weight", E, NH * HD},
                 {"attn_k.weight", E, NKV * HD}, {"attn_v.weight", E, NKV * HD},
                 {"attn_output.weight", NH * HD, E}, {"ffn_norm.weight", E, 0},
                 {"ffn_gate.weight", E, FF},  {"ffn_up.weight", E, FF},
                 {"ffn_down.weight", FF, E}};
    struct cola_err err;
    err_clear(&err);
    for (int t = -2; t < NL * 9; t++) {
        int64_t ne[2];
        uint32_t nd;
        if (t == -2) {
            snprintf(names[n], 64, "token_embd.weight");
            ne[0] = E, ne[1] = NV, nd = 2;
        } else if (t == -1) {
            snprintf(names[n], 64, "output_norm.weight");
            ne[0] = E, ne[1] = 1, nd = 1;
        } else {
            snprintf(names[n], 64, "blk.%d.%s", t / 9, layer[t % 9].suffix);
            ne[0] = layer[t % 9].ne0, ne[1] = layer[t % 9].ne1, nd = ne[1] ? 2 : 1;
            if (!ne[1])
                ne[1] = 1;
            if (o->bad_shape && t % 9 == 1)
                ne[1] += 1;
        }
        size_t cnt = (size_t)(ne[0] * ne[1]);
        data[n] = rand_floats(cnt, 1000u + (unsigned)n);
        if (n != o->skip_tensor) {
            int type = nd == 2 && t >= 0 ? o->weight_type : QT_TYPE_F32;
            size_t bytes;
            assert_int_equal(qt_row_size(type, ne[0], &bytes), 0);
            assert_int_equal(gguf_writer_add_tensor(w, names[n], type, nd, ne, data[n],
                                                    bytes * (size_t)ne[1], &err), 0);
        }
        n++;
    }
    char *path = malloc(4096);
    snprintf(path, 4096, "%s/%s.gguf", dir, name);
    assert_int_equal(gguf_writer_write(w, path, &err), 0);
    gguf_writer_free(w);
    for (int i = 0; i < n; i++)
        free(data[i]);
    return path;
}

static void expect_load_error(const char *dir, const char *name, const struct tiny_opts *o,
                              int code, const char *words)
{
    char *path = write_tiny(dir, name, o);
    struct eng_model *m = (struct eng_model *)1;
    struct cola_err err;
    err_clear(&err);
    int rc = eng_model_load(path, NULL, &m, &err);
    if (rc != code || !strstr(err.msg, words))
        fprintf(stderr, "%s: rc %d msg '%s'\n", name, rc, err.msg);
    assert_int_equal(rc, code);
    assert_null(m);
    assert_non_null(strstr(err.msg, words));
    free(path);
}

static void test_load_errors(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    struct tiny_opts ok = {"llama", -1, 0, QT_TYPE_F32, 0};
    /* the baseline loads */
    char *path = write_tiny(dir, "ok", &ok);
    struct eng_model *m;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(eng_model_load(path, NULL, &m, &err), 0);
    const struct eng_hparams *hp = eng_model_hparams(m);
    assert_int_equal(hp->n_embd, E);
    assert_int_equal(hp->n_head_kv, NKV);
    assert_int_equal(hp->head_dim_k, HD);
    assert_true(hp->tied_embeddings);
    assert_int_equal(hp->n_vocab, NV);
    eng_model_free(m);
    free(path);

    struct tiny_opts o = ok;
    o.arch = "gpt2";
    expect_load_error(dir, "arch", &o, COLA_EUNSUPPORTED, "'gpt2'");
    o = ok;
    o.skip_tensor = 5;
    expect_load_error(dir, "missing", &o, COLA_EFORMAT, "missing tensor blk.0.attn_v.weight");
    o = ok;
    o.bad_shape = 1;
    expect_load_error(dir, "shape", &o, COLA_EFORMAT, "blk.0.attn_q.weight has shape");
    o = ok;
    o.weight_type = QT_TYPE_I16;
    expect_load_error(dir, "type", &o, COLA_EUNSUPPORTED, "type i16");
    o = ok;
    o.drop_key = 1;
    expect_load_error(dir, "key", &o, COLA_EFORMAT, "llama.embedding_length");
    o = ok;
    o.arch = "qwen2"; /* needs biases the file does not have */
    expect_load_error(dir, "qwen2", &o, COLA_EFORMAT, "attn_q.bias");
    tu_rm_rf(dir);
    free(dir);
}

/* ------------------------------------------------------------ with a real model */

static struct eng_model *load_stories(void)
{
    const char *path = tu_shared_path("models/stories260K-f32.gguf");
    if (!path)
        return NULL;
    struct eng_model *m;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(eng_model_load(path, NULL, &m, &err), 0);
    return m;
}

static struct eng_ctx *new_ctx(struct eng_model *m, int n_ctx, int n_seq, int n_batch)
{
    struct eng_ctx_params p;
    eng_ctx_params_default(&p);
    p.n_ctx = n_ctx;
    p.n_seq = n_seq;
    p.n_batch = n_batch;
    p.n_outputs_max = n_batch;
    p.n_threads = 2;
    struct eng_ctx *c;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(eng_ctx_new(m, &p, &c, &err), 0);
    return c;
}

static void test_batch_checks(void **state)
{
    (void)state;
    struct eng_model *m = load_stories();
    if (!m) {
        skip();
        return;
    }
    struct eng_ctx *c = new_ctx(m, 8, 2, 4);
    int32_t tok[5] = {1, 2, 3, 4, 5}, pos[5] = {0, 1, 2, 3, 4}, seq[5] = {0};
    bool want[5] = {0, 0, 0, 1, 0};
    struct cola_err err;
    struct eng_batch b = {5, tok, pos, seq, want};
    err_clear(&err);
    assert_int_equal(eng_decode(c, &b, &err), COLA_EINVAL); /* over n_batch */
    b.n = 2;
    pos[0] = 1;
    err_clear(&err);
    assert_int_equal(eng_decode(c, &b, &err), COLA_EINVAL); /* does not start at 0 */
    assert_non_null(strstr(err.msg, "expected 0"));
    pos[0] = 0;
    tok[1] = 100000;
    err_clear(&err);
    assert_int_equal(eng_decode(c, &b, &err), COLA_EINVAL);
    tok[1] = 2;
    seq[1] = 7;
    err_clear(&err);
    assert_int_equal(eng_decode(c, &b, &err), COLA_EINVAL);
    seq[1] = 0;
    assert_int_equal(eng_seq_len(c, 0), 0); /* nothing went in */
    /* fill the 8 cells, then one more is refused */
    for (int i = 0; i < 2; i++) {
        b.n = 4;
        for (int k = 0; k < 4; k++)
            pos[k] = 4 * i + k;
        err_clear(&err);
        assert_int_equal(eng_decode(c, &b, &err), 0);
    }
    assert_non_null(eng_logits(c, 3));
    assert_null(eng_logits(c, 2));
    b.n = 1;
    pos[0] = 8;
    err_clear(&err);
    assert_int_equal(eng_decode(c, &b, &err), COLA_ERANGE);
    /* a shift makes room */
    assert_int_equal(eng_seq_shift(c, 0, 2, 3), 0);
    assert_int_equal(eng_seq_len(c, 0), 5);
    pos[0] = 5;
    err_clear(&err);
    assert_int_equal(eng_decode(c, &b, &err), 0);
    assert_int_equal(eng_seq_shift(c, 0, 2, 10), COLA_EINVAL);
    eng_ctx_free(c);
    eng_model_free(m);
}

/* Two sequences decoded in one batch give exactly the logits they give alone. */
static void test_two_sequences(void **state)
{
    (void)state;
    struct eng_model *m = load_stories();
    if (!m) {
        skip();
        return;
    }
    const int32_t a[] = {1, 403, 407, 261, 378}, bb[] = {1, 300, 301, 302};
    const int32_t n_vocab = eng_model_hparams(m)->n_vocab;
    struct cola_err err;
    float *alone[2];
    for (int s = 0; s < 2; s++) {
        struct eng_ctx *c = new_ctx(m, 32, 1, 16);
        const int32_t *t = s ? bb : a;
        int32_t n = s ? 4 : 5, pos[8], seq[8] = {0};
        bool want[8] = {0};
        for (int i = 0; i < n; i++)
            pos[i] = i;
        want[n - 1] = true;
        struct eng_batch b = {n, (int32_t *)t, pos, seq, want};
        err_clear(&err);
        assert_int_equal(eng_decode(c, &b, &err), 0);
        alone[s] = malloc(sizeof(float) * (size_t)n_vocab);
        memcpy(alone[s], eng_logits(c, n - 1), sizeof(float) * (size_t)n_vocab);
        eng_ctx_free(c);
    }
    /* interleaved: a0 b0 a1 b1 ... a4. With one output requested, every
     * operation takes the same form as alone and the logits are bit-identical.
     * With both requested, the output projection has two rows and takes
     * ggml's batched form (another summation order): close, not identical. */
    int32_t tok[9], pos[9], seq[9];
    int n = 0;
    for (int i = 0; i < 5; i++) {
        tok[n] = a[i], pos[n] = i, seq[n] = 0, n++;
        if (i < 4)
            tok[n] = bb[i], pos[n] = i, seq[n] = 1, n++;
    }
    for (int mode = 0; mode < 3; mode++) {
        struct eng_ctx *c = new_ctx(m, 32, 2, 16);
        bool want[9] = {0};
        want[8] = mode != 1;
        want[7] = mode != 0;
        struct eng_batch b = {n, tok, pos, seq, want};
        err_clear(&err);
        assert_int_equal(eng_decode(c, &b, &err), 0);
        for (int s = 0; s < 2; s++) {
            if (!want[8 - s])
                continue;
            const float *got = eng_logits(c, 8 - s);
            if (mode < 2) {
                assert_memory_equal(got, alone[s], sizeof(float) * (size_t)n_vocab);
                continue;
            }
            for (int32_t v = 0; v < n_vocab; v++)
                assert_true(fabsf(got[v] - alone[s][v]) <= 1e-4f * (1.0f + fabsf(alone[s][v])));
        }
        eng_ctx_free(c);
    }
    free(alone[0]);
    free(alone[1]);
    eng_model_free(m);
}

struct count_text {
    size_t bytes;
};

static int count_emit(void *user, const char *t, size_t n)
{
    (void)t;
    ((struct count_text *)user)->bytes += n;
    return 0;
}

/* Generating far past a small context shifts it instead of failing. */
static void test_context_shift(void **state)
{
    (void)state;
    struct eng_model *m = load_stories();
    if (!m) {
        skip();
        return;
    }
    struct eng_ctx *c = new_ctx(m, 48, 1, 16);
    const int32_t prompt[] = {1, 403, 407, 261, 378};
    struct gen_opts o;
    gen_opts_default(&o);
    o.smp.temperature = 0.0f;
    o.num_predict = 150;
    struct smp_bias ban = {2, -INFINITY}; /* never stop at </s> */
    o.smp.bias = &ban;
    o.smp.n_bias = 1;
    struct gen_stats st;
    struct count_text ct = {0};
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(gen_generate(c, 0, prompt, 5, &o, count_emit, &ct, &st, &err), 0);
    assert_int_equal(st.eval_count, 150);
    assert_true(st.n_shifts >= 3);
    assert_string_equal(st.done_reason, "length");
    assert_true(ct.bytes > 150);
    /* without shifting, the same run stops at the full context */
    o.shift = false;
    err_clear(&err);
    assert_int_equal(gen_generate(c, 0, prompt, 5, &o, count_emit, &ct, &st, &err), 0);
    assert_int_equal(st.n_shifts, 0);
    assert_string_equal(st.done_reason, "length");
    assert_int_equal(st.eval_count, 48 - 5 + 1);
    /* a prompt longer than the context: truncated with shift, refused without */
    int32_t longp[100];
    for (int i = 0; i < 100; i++)
        longp[i] = 300 + i % 50;
    o.num_predict = 4;
    err_clear(&err);
    assert_int_equal(gen_generate(c, 0, longp, 100, &o, count_emit, &ct, &st, &err), COLA_ERANGE);
    o.shift = true;
    err_clear(&err);
    assert_int_equal(gen_generate(c, 0, longp, 100, &o, count_emit, &ct, &st, &err), 0);
    assert_true(st.prompt_truncated);
    assert_true(st.prompt_eval_count < 48);
    eng_ctx_free(c);
    eng_model_free(m);
}

/* One decode step allocates nothing. */
static void test_decode_no_alloc(void **state)
{
    (void)state;
    if (!tu_alloc_counting()) {
        fprintf(stderr, "SKIP: allocation counting is off under ASan\n");
        skip();
        return;
    }
    struct eng_model *m = load_stories();
    if (!m) {
        skip();
        return;
    }
    struct eng_ctx *c = new_ctx(m, 64, 1, 8);
    int32_t tok = 1, pos = 0, seq = 0;
    bool want = true;
    struct eng_batch b = {1, &tok, &pos, &seq, &want};
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(eng_decode(c, &b, &err), 0); /* warm up */
    tu_alloc_arm();
    for (pos = 1; pos < 40; pos++)
        eng_decode(c, &b, &err);
    assert_int_equal(tu_alloc_disarm(), 0);
    assert_int_equal(eng_seq_len(c, 0), 40);
    eng_ctx_free(c);
    eng_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_batch_checks),
        cmocka_unit_test(test_two_sequences),
        cmocka_unit_test(test_context_shift),
        cmocka_unit_test(test_decode_no_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
