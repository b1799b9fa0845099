/* model.c — load a GGUF model: architecture, hyperparameters, weights bound by
 * name with their shapes checked, tokenizer. */
#include "engine/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/kernels.h"

static const struct eng_arch arch_table[] = {
    {.name = "llama", .rope = ROPE_STYLE_NORM, .qkv_bias = false, .qk_norm = false},
    {.name = "qwen2", .rope = ROPE_STYLE_NEOX, .qkv_bias = true, .qk_norm = false},
    {.name = "qwen3", .rope = ROPE_STYLE_NEOX, .qkv_bias = false, .qk_norm = true},
};

const struct eng_arch *eng_arch_find(const char *name)
{
    for (size_t i = 0; i < sizeof(arch_table) / sizeof(arch_table[0]); i++)
        if (!strcmp(arch_table[i].name, name))
            return &arch_table[i];
    return NULL;
}

void eng_model_params_default(struct eng_model_params *p)
{
    memset(p, 0, sizeof(*p));
}

/* ---------------------------------------------------------------- hparams */

/* An integer key "<arch>.<suffix>" that must be in 1..max (or 0..max with
 * allow_zero). Absent: *out keeps its default unless required. */
static int hp_int(const struct gguf_file *g, const char *arch, const char *suffix, bool required,
                  int64_t max, int32_t *out, struct cola_err *err)
{
    char key[160];
    snprintf(key, sizeof(key), "%s.%s", arch, suffix);
    const struct gguf_value *v = gguf_get(g, key);
    if (!v) {
        if (required)
            return err_set(err, COLA_EFORMAT, "model is missing required key %s", key);
        return 0;
    }
    if (v->type == GGUF_VT_ARRAY)
        return err_set(err, COLA_EUNSUPPORTED,
                       "%s is a per-layer array; models with per-layer %s are not supported", key,
                       suffix);
    int64_t x;
    int rc = gguf_get_int(g, key, &x, err);
    if (rc)
        return rc;
    if (x < 1 || x > max)
        return err_set(err, COLA_EFORMAT, "%s = %lld is out of range (1..%lld)", key, (long long)x,
                       (long long)max);
    *out = (int32_t)x;
    return 0;
}

static int hp_float(const struct gguf_file *g, const char *arch, const char *suffix, float *out,
                    struct cola_err *err)
{
    char key[160];
    snprintf(key, sizeof(key), "%s.%s", arch, suffix);
    if (!gguf_get(g, key))
        return 0;
    double x;
    int rc = gguf_get_float(g, key, &x, err);
    if (rc)
        return rc;
    *out = (float)x;
    return 0;
}

static int hp_rope_scaling(const struct gguf_file *g, const char *arch, struct eng_hparams *hp,
                           struct cola_err *err)
{
    char key[160];
    snprintf(key, sizeof(key), "%s.rope.scaling.type", arch);
    struct gguf_str type = {"none", 4};
    if (gguf_get(g, key)) {
        int rc = gguf_get_str(g, key, &type, err);
        if (rc)
            return rc;
    }
    float factor = 0.0f;
    int rc = hp_float(g, arch, "rope.scaling.factor", &factor, err);
    if (!rc && factor == 0.0f)
        rc = hp_float(g, arch, "rope.scale_linear", &factor, err);
    if (rc)
        return rc;
    if (gguf_str_eq(type, "none") || gguf_str_eq(type, "linear")) {
        if (factor < 0.0f)
            return err_set(err, COLA_EFORMAT, "rope scaling factor %g is negative", factor);
        hp->rope_freq_scale = factor == 0.0f ? 1.0f : 1.0f / factor;
        if (gguf_str_eq(type, "none"))
            hp->rope_freq_scale = 1.0f;
        return 0;
    }
    return err_set(err, COLA_EUNSUPPORTED, "rope scaling type '%.*s' is not supported yet",
                   (int)(type.len > 32 ? 32 : type.len), type.ptr);
}

int eng_hparams_load(const struct gguf_file *g, const struct eng_arch *arch,
                     struct eng_hparams *hp, struct cola_err *err)
{
    const char *a = arch->name;
    const int64_t big = 1 << 24, huge = (int64_t)1 << 30;
    memset(hp, 0, sizeof(*hp));
    snprintf(hp->arch, sizeof(hp->arch), "%s", a);
    int rc = hp_int(g, a, "context_length", true, huge, &hp->n_ctx_train, err);
    if (!rc)
        rc = hp_int(g, a, "embedding_length", true, big, &hp->n_embd, err);
    if (!rc)
        rc = hp_int(g, a, "block_count", true, 4096, &hp->n_layer, err);
    if (!rc)
        rc = hp_int(g, a, "feed_forward_length", true, big, &hp->n_ff, err);
    if (!rc)
        rc = hp_int(g, a, "attention.head_count", true, 4096, &hp->n_head, err);
    if (rc)
        return rc;
    hp->n_head_kv = hp->n_head;
    rc = hp_int(g, a, "attention.head_count_kv", false, 4096, &hp->n_head_kv, err);
    if (rc)
        return rc;
    if (hp->n_head % hp->n_head_kv)
        return err_set(err, COLA_EFORMAT, "head_count %d is not a multiple of head_count_kv %d",
                       hp->n_head, hp->n_head_kv);
    hp->head_dim_k = hp->n_embd % hp->n_head == 0 ? hp->n_embd / hp->n_head : 0;
    rc = hp_int(g, a, "attention.key_length", false, ENG_MAX_HEAD_DIM, &hp->head_dim_k, err);
    if (rc)
        return rc;
    if (hp->head_dim_k == 0)
        return err_set(err, COLA_EFORMAT, "embedding_length %d is not a multiple of head_count %d "
                                          "and attention.key_length is absent",
                       hp->n_embd, hp->n_head);
    if (hp->head_dim_k > ENG_MAX_HEAD_DIM)
        return err_set(err, COLA_EUNSUPPORTED, "head size %d is larger than the %d cola supports",
                       hp->head_dim_k, ENG_MAX_HEAD_DIM);
    hp->head_dim_v = hp->head_dim_k;
    rc = hp_int(g, a, "attention.value_length", false, ENG_MAX_HEAD_DIM, &hp->head_dim_v, err);
    if (rc)
        return rc;
    hp->n_rot = hp->head_dim_k;
    rc = hp_int(g, a, "rope.dimension_count", false, 65536, &hp->n_rot, err);
    if (rc)
        return rc;
    if (hp->n_rot > hp->head_dim_k || hp->n_rot % 2)
        return err_set(err, COLA_EFORMAT, "rope.dimension_count %d must be even and <= key length %d",
                       hp->n_rot, hp->head_dim_k);
    hp->rms_eps = 1e-5f;
    char key[160];
    snprintf(key, sizeof(key), "%s.attention.layer_norm_rms_epsilon", a);
    if (!gguf_get(g, key))
        return err_set(err, COLA_EFORMAT, "model is missing required key %s", key);
    rc = hp_float(g, a, "attention.layer_norm_rms_epsilon", &hp->rms_eps, err);
    if (rc)
        return rc;
    if (!(hp->rms_eps > 0.0f && hp->rms_eps < 1.0f))
        return err_set(err, COLA_EFORMAT, "%s = %g is out of range", key, hp->rms_eps);
    hp->rope_base = 10000.0f;
    rc = hp_float(g, a, "rope.freq_base", &hp->rope_base, err);
    if (rc)
        return rc;
    if (!(hp->rope_base > 1.0f))
        return err_set(err, COLA_EFORMAT, "%s.rope.freq_base = %g is out of range", a,
                       hp->rope_base);
    return hp_rope_scaling(g, a, hp, err);
}

/* ---------------------------------------------------------------- tensors */

/* Bind tensor name with the expected shape (ne1 = 0 for a vector). A matrix
 * must have a type the kernels can multiply; a vector must be F32. */
static int bind(const struct gguf_file *g, const char *name, int64_t ne0, int64_t ne1,
                bool required, struct eng_weight *w, struct eng_model *m, struct cola_err *err)
{
    memset(w, 0, sizeof(*w));
    const struct gguf_tensor *t = gguf_find_tensor(g, name);
    if (!t) {
        if (required)
            return err_set(err, COLA_EFORMAT, "model is missing tensor %s", name);
        return 0;
    }
    uint32_t want_dims = ne1 ? 2 : 1;
    bool shape_ok = t->ne[0] == ne0 && t->ne[1] == (ne1 ? ne1 : 1) && t->ne[2] == 1 && t->ne[3] == 1;
    if (!shape_ok || t->n_dims > want_dims) {
        return err_set(err, COLA_EFORMAT,
                       "tensor %s has shape [%lld, %lld, %lld, %lld], expected [%lld, %lld]", name,
                       (long long)t->ne[0], (long long)t->ne[1], (long long)t->ne[2],
                       (long long)t->ne[3], (long long)ne0, (long long)(ne1 ? ne1 : 1));
    }
    if (ne1) {
        if (!kern_can_matmul(t->type))
            return err_set(err, COLA_EUNSUPPORTED,
                           "tensor %s has type %s, which cola cannot compute with yet", name,
                           qt_type_name(t->type));
    } else if (t->type != QT_TYPE_F32) {
        return err_set(err, COLA_EUNSUPPORTED, "tensor %s has type %s; cola needs F32 for it", name,
                       qt_type_name(t->type));
    }
    size_t row_bytes;
    if (qt_row_size(t->type, ne0, &row_bytes))
        return err_set(err, COLA_EFORMAT, "tensor %s: bad row size", name);
    w->data = t->data;
    w->type = t->type;
    w->n_in = ne0;
    w->n_out = ne1 ? ne1 : 1;
    w->row_bytes = row_bytes;
    return 0;
}

static int bind_layer(const struct gguf_file *g, struct eng_model *m, int il, struct cola_err *err)
{
    const struct eng_hparams *hp = &m->hp;
    struct eng_layer *L = &m->layers[il];
    const int64_t E = hp->n_embd, QD = (int64_t)hp->n_head * hp->head_dim_k;
    const int64_t KD = (int64_t)hp->n_head_kv * hp->head_dim_k;
    const int64_t VD = (int64_t)hp->n_head_kv * hp->head_dim_v;
    const int64_t OD = (int64_t)hp->n_head * hp->head_dim_v;
    const bool bias = m->arch->qkv_bias, qkn = m->arch->qk_norm;
    struct {
        const char *suffix;
        int64_t ne0, ne1;
        bool required;
        struct eng_weight *w;
    } spec[] = {
        {"attn_norm.weight", E, 0, true, &L->attn_norm},
        {"attn_q.weight", E, QD, true, &L->wq},
        {"attn_k.weight", E, KD, true, &L->wk},
        {"attn_v.weight", E, VD, true, &L->wv},
        {"attn_output.weight", OD, E, true, &L->wo},
        {"attn_q.bias", QD, 0, bias, &L->bq},
        {"attn_k.bias", KD, 0, bias, &L->bk},
        {"attn_v.bias", VD, 0, bias, &L->bv},
        {"attn_q_norm.weight", hp->head_dim_k, 0, qkn, &L->q_norm},
        {"attn_k_norm.weight", hp->head_dim_k, 0, qkn, &L->k_norm},
        {"ffn_norm.weight", E, 0, true, &L->ffn_norm},
        {"ffn_gate.weight", E, hp->n_ff, true, &L->w_gate},
        {"ffn_up.weight", E, hp->n_ff, true, &L->w_up},
        {"ffn_down.weight", hp->n_ff, E, true, &L->w_down},
    };
    for (size_t i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
        char name[GGUF_NAME_MAX];
        snprintf(name, sizeof(name), "blk.%d.%s", il, spec[i].suffix);
        /* llama/qwen3 files may still carry biases: bind them when present */
        int rc = bind(g, name, spec[i].ne0, spec[i].ne1, spec[i].required, spec[i].w, m, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int bind_all(struct eng_model *m, struct cola_err *err)
{
    const struct gguf_file *g = m->gguf;
    const struct eng_hparams *hp = &m->hp;
    int rc = bind(g, "token_embd.weight", hp->n_embd, hp->n_vocab, true, &m->tok_embd, m, err);
    if (!rc)
        rc = bind(g, "output_norm.weight", hp->n_embd, 0, true, &m->output_norm, m, err);
    if (!rc)
        rc = bind(g, "output.weight", hp->n_embd, hp->n_vocab, false, &m->output, m, err);
    if (!rc)
        rc = bind(g, "rope_freqs.weight", hp->n_rot / 2, 0, false, &m->rope_freqs, m, err);
    if (rc)
        return rc;
    if (!m->output.data) {
        m->output = m->tok_embd;
        m->hp.tied_embeddings = true;
    }
    m->hp.has_rope_freqs = m->rope_freqs.data != NULL;
    m->layers = calloc((size_t)hp->n_layer, sizeof(*m->layers));
    if (!m->layers)
        return err_set(err, COLA_ENOMEM, "out of memory binding %d layers", hp->n_layer);
    for (int il = 0; il < hp->n_layer; il++) {
        rc = bind_layer(g, m, il, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int32_t vocab_size_of(const struct gguf_file *g, const struct tok_vocab *v)
{
    if (v && tok_vocab_type(v) != TOK_TYPE_NONE)
        return tok_vocab_size(v);
    const struct gguf_tensor *t = gguf_find_tensor(g, "token_embd.weight");
    return t && t->ne[1] <= INT32_MAX ? (int32_t)t->ne[1] : 0;
}

int eng_model_load(const char *path, const struct eng_model_params *params,
                   struct eng_model **out, struct cola_err *err)
{
    struct eng_model_params defaults;
    if (!params) {
        eng_model_params_default(&defaults);
        params = &defaults;
    }
    *out = NULL;
    struct eng_model *m = calloc(1, sizeof(*m));
    if (!m)
        return err_set(err, COLA_ENOMEM, "out of memory");
    int rc = gguf_open(path, &m->gguf, err);
    if (rc)
        goto out;
    struct gguf_str arch_name;
    rc = gguf_get_str(m->gguf, "general.architecture", &arch_name, err);
    if (rc) {
        err_set(err, rc, "%s: no general.architecture", path);
        goto out;
    }
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)(arch_name.len < 63 ? arch_name.len : 63),
             arch_name.ptr);
    m->arch = eng_arch_find(name);
    if (!m->arch) {
        rc = err_set(err, COLA_EUNSUPPORTED,
                     "unsupported model architecture '%s' (cola supports llama, qwen2, qwen3)", name);
        goto out;
    }
    rc = eng_hparams_load(m->gguf, m->arch, &m->hp, err);
    if (rc)
        goto out;
    rc = tok_vocab_load(m->gguf, &m->vocab, err);
    if (rc)
        goto out;
    m->hp.n_vocab = vocab_size_of(m->gguf, m->vocab);
    if (m->hp.n_vocab <= 0) {
        rc = err_set(err, COLA_EFORMAT, "cannot tell the vocabulary size");
        goto out;
    }
    if (!params->vocab_only) {
        rc = bind_all(m, err);
        if (rc)
            goto out;
    }
    for (int64_t i = 0; i < gguf_tensor_count(m->gguf); i++) {
        const struct gguf_tensor *t = gguf_tensor_at(m->gguf, i);
        m->weight_bytes += t->nbytes;
        m->n_params += (uint64_t)gguf_tensor_nelements(t);
    }
out:
    if (rc) {
        eng_model_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

void eng_model_free(struct eng_model *m)
{
    if (!m)
        return;
    free(m->layers);
    tok_vocab_free(m->vocab);
    gguf_close(m->gguf);
    free(m);
}

const struct eng_hparams *eng_model_hparams(const struct eng_model *m) { return &m->hp; }
const struct tok_vocab *eng_model_vocab(const struct eng_model *m) { return m->vocab; }
uint64_t eng_model_weight_bytes(const struct eng_model *m) { return m->weight_bytes; }
uint64_t eng_model_n_params(const struct eng_model *m) { return m->n_params; }
const struct gguf_file *eng_model_gguf(const struct eng_model *m) { return m->gguf; }
