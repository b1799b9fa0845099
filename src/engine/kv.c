#include "engine/kv.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/err.h"

int kv_init(struct kv_cache *kv, int32_t n_layer, int32_t n_seq, int32_t n_ctx, int32_t dim_k,
            int32_t dim_v)
{
    memset(kv, 0, sizeof(*kv));
    if (n_layer <= 0 || n_seq <= 0 || n_ctx <= 0 || dim_k <= 0 || dim_v <= 0)
        return COLA_EINVAL;
    size_t cells = (size_t)n_layer * (size_t)n_seq * (size_t)n_ctx;
    if (cells > ((size_t)1 << 40) / ((size_t)dim_k + (size_t)dim_v))
        return COLA_ENOMEM;
    size_t kbytes = cells * (size_t)dim_k * sizeof(qt_f16);
    size_t vbytes = cells * (size_t)dim_v * sizeof(qt_f16);
    void *p = mmap(NULL, kbytes + vbytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return COLA_ENOMEM;
    kv->len = calloc((size_t)n_seq, sizeof(*kv->len));
    if (!kv->len) {
        munmap(p, kbytes + vbytes);
        return COLA_ENOMEM;
    }
    kv->k = p;
    kv->v = (qt_f16 *)((char *)p + kbytes);
    kv->bytes = kbytes + vbytes;
    kv->n_layer = n_layer;
    kv->n_seq = n_seq;
    kv->n_ctx = n_ctx;
    kv->dim_k = dim_k;
    kv->dim_v = dim_v;
    return 0;
}

void kv_free(struct kv_cache *kv)
{
    if (kv->k)
        munmap(kv->k, kv->bytes);
    free(kv->len);
    memset(kv, 0, sizeof(*kv));
}

/* Rotate one cached key row (n_head heads) by delta positions in place. */
static void rerotate_row(qt_f16 *row, const struct rope_params *rp, const float *cs, int32_t n_head,
                         int32_t head_dim, float *tmp)
{
    const int32_t n = n_head * head_dim;
    for (int32_t i = 0; i < n; i++)
        tmp[i] = qt_f16_to_f32(row[i]);
    rope_apply(rp, cs, tmp, n_head, head_dim);
    for (int32_t i = 0; i < n; i++)
        row[i] = qt_f32_to_f16(tmp[i]);
}

size_t kv_shift_scratch_floats(const struct kv_cache *kv, const struct rope_params *rp)
{
    return (size_t)kv->dim_k + (size_t)rp->n_rot + 2;
}

int kv_seq_shift(struct kv_cache *kv, int32_t seq, int32_t n_keep, int32_t n_discard,
                 const struct rope_params *rp, int32_t n_head_kv, int32_t head_dim_k,
                 float *scratch)
{
    if (seq < 0 || seq >= kv->n_seq)
        return COLA_EINVAL;
    const int32_t len = kv->len[seq];
    if (n_keep < 0 || n_discard <= 0 || n_keep + n_discard > len)
        return COLA_EINVAL;
    const int32_t n_move = len - n_keep - n_discard;
    /* one key row and one cos/sin table */
    float *tmp = scratch;
    float *cs = tmp + kv->dim_k;
    rope_cache(rp, (float)-n_discard, cs);
    for (int32_t l = 0; l < kv->n_layer; l++) {
        qt_f16 *kd = kv_k(kv, l, seq, n_keep), *ks = kv_k(kv, l, seq, n_keep + n_discard);
        qt_f16 *vd = kv_v(kv, l, seq, n_keep), *vs = kv_v(kv, l, seq, n_keep + n_discard);
        memmove(kd, ks, (size_t)n_move * (size_t)kv->dim_k * sizeof(qt_f16));
        memmove(vd, vs, (size_t)n_move * (size_t)kv->dim_v * sizeof(qt_f16));
        for (int32_t c = 0; c < n_move; c++)
            rerotate_row(kd + (size_t)c * kv->dim_k, rp, cs, n_head_kv, head_dim_k, tmp);
    }
    kv->len[seq] = len - n_discard;
    return 0;
}

void kv_seq_copy(struct kv_cache *kv, int32_t src, int32_t dst, int32_t n)
{
    if (src == dst)
        return;
    for (int32_t l = 0; l < kv->n_layer; l++) {
        memcpy(kv_k(kv, l, dst, 0), kv_k(kv, l, src, 0), (size_t)n * (size_t)kv->dim_k * sizeof(qt_f16));
        memcpy(kv_v(kv, l, dst, 0), kv_v(kv, l, src, 0), (size_t)n * (size_t)kv->dim_v * sizeof(qt_f16));
    }
    kv->len[dst] = n;
}
