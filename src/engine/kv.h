/* kv.h — the KV cache: for every layer and every sequence, one contiguous
 * stream of n_ctx cells of keys and values in f16.
 *
 *   k: [layer][seq][cell][n_head_kv * head_dim_k]   cell index == position
 *   v: [layer][seq][cell][n_head_kv * head_dim_v]
 *
 * A sequence's cached positions are always 0..len-1 (cell i holds position
 * i), so attention over a sequence reads one contiguous range. Context shift
 * moves cells down and re-rotates the keys (kv_seq_shift, with the caller's
 * RoPE). Memory comes from an anonymous mapping: pages a sequence never
 * reaches are never touched, so a large n_ctx costs address space, not RSS.
 * Not thread-safe; the engine context owns it.
 */
#ifndef COLA_ENGINE_KV_H
#define COLA_ENGINE_KV_H

#include <stddef.h>
#include <stdint.h>

#include "engine/ops.h"
#include "engine/quant.h"

struct kv_cache {
    int32_t n_layer, n_seq, n_ctx;
    int32_t dim_k, dim_v;      /* n_head_kv * head_dim_{k,v} */
    qt_f16 *k, *v;
    size_t bytes;              /* size of the mapping */
    int32_t *len;              /* (n_seq) cached positions per sequence */
};

int kv_init(struct kv_cache *kv, int32_t n_layer, int32_t n_seq, int32_t n_ctx, int32_t dim_k,
            int32_t dim_v);
void kv_free(struct kv_cache *kv);

static inline qt_f16 *kv_k(const struct kv_cache *kv, int32_t layer, int32_t seq, int32_t cell)
{
    return kv->k + (((size_t)layer * kv->n_seq + seq) * kv->n_ctx + cell) * kv->dim_k;
}

static inline qt_f16 *kv_v(const struct kv_cache *kv, int32_t layer, int32_t seq, int32_t cell)
{
    return kv->v + (((size_t)layer * kv->n_seq + seq) * kv->n_ctx + cell) * kv->dim_v;
}

/* Floats of scratch kv_seq_shift needs. */
size_t kv_shift_scratch_floats(const struct kv_cache *kv, const struct rope_params *rp);

/* Drop positions [n_keep, n_keep+n_discard) of seq: later cells move down by
 * n_discard and their keys are rotated by -n_discard positions (rp, with
 * head_dim_k and n_head_kv heads per cell). scratch: kv_shift_scratch_floats()
 * floats. 0 or COLA_EINVAL (range outside the sequence). */
int kv_seq_shift(struct kv_cache *kv, int32_t seq, int32_t n_keep, int32_t n_discard,
                 const struct rope_params *rp, int32_t n_head_kv, int32_t head_dim_k,
                 float *scratch);

/* Copy cells [0, n) of src to dst in every layer. */
void kv_seq_copy(struct kv_cache *kv, int32_t src, int32_t dst, int32_t n);

#endif
