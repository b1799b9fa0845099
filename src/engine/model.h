/* model.h — inside a loaded model: the architecture table and the bound weights.
 * Internal to the engine (src/engine); users go through engine.h.
 *
 * Weight matrices are GGUF tensors with ne[0] = input features (contiguous)
 * and ne[1] = output features: row o of W holds the weights of output o, so
 * y[o] = dot(W[o, :], x). They point into the read-only mmap.
 */
#ifndef COLA_ENGINE_MODEL_H
#define COLA_ENGINE_MODEL_H

/* The largest key/value head size cola runs (attention keeps a row on the stack). */
#define ENG_MAX_HEAD_DIM 512

#include "engine/engine.h"
#include "engine/gguf.h"

enum rope_style {
    ROPE_STYLE_NORM,  /* rotate adjacent pairs (x[2i], x[2i+1]) — llama */
    ROPE_STYLE_NEOX,  /* rotate halves (x[i], x[i + n_rot/2]) — qwen2, qwen3 */
};

/* What differs between the supported architectures: data, not code. */
struct eng_arch {
    const char *name;
    enum rope_style rope;
    bool qkv_bias;      /* attn_{q,k,v}.bias present (qwen2) */
    bool qk_norm;       /* per-head RMSNorm of q and k before RoPE (qwen3) */
};

struct eng_weight {
    const void *data;   /* NULL if the tensor is absent (optional ones) */
    enum qt_type type;
    int64_t n_in;       /* ne[0] */
    int64_t n_out;      /* ne[1] (1 for vectors) */
    size_t row_bytes;   /* bytes of one row of n_in elements */
};

struct eng_layer {
    struct eng_weight attn_norm;             /* (n_embd) f32 */
    struct eng_weight wq, wk, wv, wo;        /* (n_embd -> n_head*hd_k), ..., (n_head*hd_v -> n_embd) */
    struct eng_weight bq, bk, bv;            /* qwen2 biases, f32 */
    struct eng_weight q_norm, k_norm;        /* qwen3, (hd_k) f32 */
    struct eng_weight ffn_norm;              /* (n_embd) f32 */
    struct eng_weight w_gate, w_up, w_down;  /* (n_embd -> n_ff) x2, (n_ff -> n_embd) */
};

struct eng_model {
    struct gguf_file *gguf;
    struct eng_hparams hp;
    const struct eng_arch *arch;
    struct tok_vocab *vocab;
    struct eng_weight tok_embd;     /* (n_embd, n_vocab) */
    struct eng_weight output_norm;  /* (n_embd) f32 */
    struct eng_weight output;       /* (n_embd -> n_vocab); == tok_embd when tied */
    struct eng_weight rope_freqs;   /* (n_rot/2) f32, optional */
    struct eng_layer *layers;       /* (n_layer) */
    uint64_t weight_bytes;
    uint64_t n_params;
};

/* The architecture named name, or NULL. */
const struct eng_arch *eng_arch_find(const char *name);

/* Read the hyperparameters of g (architecture-prefixed keys) into hp. */
int eng_hparams_load(const struct gguf_file *g, const struct eng_arch *arch,
                     struct eng_hparams *hp, struct cola_err *err);

#endif
