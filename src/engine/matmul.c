/* matmul.c — weight matrix × activation batch, shared out among pool threads.
 *
 * Work split (no shared counters, so no barrier is needed inside a call):
 *   - every thread owns a contiguous range of W's output rows, cut at
 *     multiples of MM_ROW_GRAIN so tiles stay whole and start at multiples
 *     of 8 (the repacked forms' groups, and the SwiGLU position rule);
 *   - T = 1 (decode): tiles of MM_TILE_R rows against the one activation
 *     row, so every weight byte is read once;
 *   - T > 1 (prompt): blocked for the caches (mm_walk): panels of weights
 *     that stay in L2, blocks of activations that stay in L1/L2, tiles of
 *     MM_TILE_R x MM_TILE_C inside.
 * The form of each output (mm_form) is fixed by W and T alone, so the split
 * never changes a result.
 */
#include "engine/matmul.h"

#define MM_TILE_R KERN_TILE_ROWS       /* rows per tile call */
#define MM_TILE_C KERN_TILE_COLS       /* activations per tile call */
#define MM_ROW_GRAIN 16                /* thread ranges start at multiples of this */
#ifndef MM_PANEL_BYTES
#define MM_PANEL_BYTES (192 * 1024)    /* weights per panel in the batched path */
#endif
#ifndef MM_ACT_BLOCK_BYTES
#define MM_ACT_BLOCK_BYTES (32 * 1024) /* activations per block in the batched path */
#endif

size_t mm_act_row_bytes(int wtype, int64_t n_in)
{
    int vt = kern_vec_dot_type(wtype);
    size_t bytes;
    if (vt < 0 || qt_row_size(vt, n_in, &bytes) != 0)
        return 0;
    return bytes;
}

static bool mm_repacked(const struct eng_weight *W)
{
    return (W->type == QT_TYPE_Q4_0 || W->type == QT_TYPE_Q4_K) && W->n_out % 8 == 0;
}

static bool mm_is_float(int t)
{
    return t == QT_TYPE_F32 || t == QT_TYPE_F16 || t == QT_TYPE_BF16;
}

enum kern_form mm_form(const struct eng_weight *W, int T, int t)
{
    if (mm_repacked(W))
        return t < T - T % 4 ? KERN_FORM_REPACK_X4 : KERN_FORM_REPACK;
    if (mm_is_float(W->type) && T >= 2 && W->n_out % 4 == 0 && W->n_in % 8 == 0)
        return KERN_FORM_BLAS;
    return KERN_FORM_VEC_DOT;
}

kern_quantize_fn mm_row_quantizer(const struct kern_table *k, const struct eng_weight *W, int T,
                                  int t)
{
    const int vt = kern_vec_dot_type(W->type);
    if (vt < 0)
        return NULL;
    if (mm_form(W, T, t) == KERN_FORM_REPACK_X4 && k->quantize_x4[vt])
        return k->quantize_x4[vt];
    return k->quantize[vt];
}

/* [*lo, *hi) of n items for thread ith of nth, cut at multiples of grain. */
static void mm_split(int64_t n, int64_t grain, int ith, int nth, int64_t *lo, int64_t *hi)
{
    int64_t units = (n + grain - 1) / grain;
    *lo = units * ith / nth * grain;
    *hi = units * (ith + 1) / nth * grain;
    if (*lo > n)
        *lo = n;
    if (*hi > n)
        *hi = n;
}

void mm_quantize(const struct kern_table *k, const struct eng_weight *W, const float *x,
                 int64_t x_stride, int T, void *xq, size_t xq_stride, int ith, int nth)
{
    const int vt = kern_vec_dot_type(W->type);
    if (vt < 0 || T <= 0)
        return;
    const int64_t n_in = W->n_in;
    if (T >= nth) { /* whole rows per thread */
        int64_t lo, hi;
        mm_split(T, 1, ith, nth, &lo, &hi);
        for (int64_t t = lo; t < hi; t++)
            mm_row_quantizer(k, W, T, (int)t)(x + t * x_stride, (uint8_t *)xq + (size_t)t * xq_stride,
                                              n_in);
        return;
    }
    /* fewer rows than threads (decode): share each row's blocks (every
     * quantizer works block by block); float formats are cut at multiples of
     * 16 elements */
    const struct qt_traits *tr = qt_get_traits(vt);
    const int64_t blk = tr->blck_size > 1 ? tr->blck_size : 16;
    const int64_t nblk = (n_in + blk - 1) / blk;
    int64_t lo, hi;
    mm_split(nblk, 1, ith, nth, &lo, &hi);
    if (lo >= hi)
        return;
    int64_t e0 = lo * blk, e1 = hi * blk < n_in ? hi * blk : n_in;
    size_t off = (size_t)(e0 / tr->blck_size) * tr->type_size;
    for (int t = 0; t < T; t++)
        mm_row_quantizer(k, W, T, t)(x + t * x_stride + e0,
                                     (uint8_t *)xq + (size_t)t * xq_stride + off, e1 - e0);
}

/* What one blocked walk multiplies: W (and U for the fused SwiGLU) with the
 * activations xq into out. */
struct mm_job {
    const struct kern_table *k;
    const struct eng_weight *W, *U;
    const uint8_t *xq;
    size_t xq_stride;
    int T;
    float *out;
    int64_t out_stride;
};

/* s[j * s_stride + i] = W[o0 + i] . xq[t0 + j], i < na, j < nb; the nb
 * activation rows share one form (mm_walk never lets a tile straddle the
 * REPACK_X4 / REPACK boundary at T - T % 4, a multiple of 4). */
static inline void mm_tile(const struct mm_job *j, const struct eng_weight *W, int64_t o0, int na,
                           int t0, int nb, float *s, int64_t s_stride)
{
    const kern_tile_fn tile = j->k->tile[mm_form(W, j->T, t0)][W->type];
    tile(W->n_in, s, s_stride, (const uint8_t *)W->data + (size_t)o0 * W->row_bytes, W->row_bytes,
         na, j->xq + (size_t)t0 * j->xq_stride, j->xq_stride, nb);
}

static void mm_job_tile(const struct mm_job *j, int64_t o, int na, int t, int nb)
{
    if (!j->U) {
        mm_tile(j, j->W, o, na, t, nb, j->out + t * j->out_stride + o, j->out_stride);
        return;
    }
    /* fused feed-forward input: gate and up of the same rows and activations,
     * then h = silu(g) * u over the tile's o..o+na-1; o is a multiple of 8 and
     * na is 8 unless the tile ends the row, so k->swiglu's rule (vector exp
     * for whole groups of 8) is ggml's rule for the whole row */
    float g[MM_TILE_R * MM_TILE_C], u[MM_TILE_R * MM_TILE_C];
    mm_tile(j, j->W, o, na, t, nb, g, MM_TILE_R);
    mm_tile(j, j->U, o, na, t, nb, u, MM_TILE_R);
    for (int i = 0; i < nb; i++)
        j->k->swiglu(na, g + i * MM_TILE_R, u + i * MM_TILE_R,
                     j->out + (int64_t)(t + i) * j->out_stride + o);
}

/* Output rows [lo, hi) for all T activation rows. Batches are blocked for the
 * caches: a panel of about MM_PANEL_BYTES of weights stays in L2 while the
 * activations pass over it in blocks of about MM_ACT_BLOCK_BYTES (which stay
 * in L1/L2 while every tile of the panel uses them). Panels and tiles start
 * at multiples of MM_TILE_R rows, activation tiles at multiples of
 * MM_TILE_C. */
static void mm_walk(const struct mm_job *j, int64_t lo, int64_t hi)
{
    const int T = j->T;
    const size_t wrow = j->W->row_bytes * (j->U ? 2 : 1);
    int64_t panel = T == 1 ? hi - lo : (int64_t)(MM_PANEL_BYTES / (wrow ? wrow : 1));
    panel = panel / MM_TILE_R * MM_TILE_R;
    if (panel < MM_TILE_R)
        panel = MM_TILE_R;
    int tb = (int)(MM_ACT_BLOCK_BYTES / (j->xq_stride ? j->xq_stride : 1)) / MM_TILE_C * MM_TILE_C;
    if (tb < MM_TILE_C)
        tb = MM_TILE_C;
    for (int64_t p0 = lo; p0 < hi; p0 += panel) {
        const int64_t p1 = p0 + panel < hi ? p0 + panel : hi;
        for (int t0 = 0; t0 < T; t0 += tb) {
            const int t1 = T - t0 < tb ? T : t0 + tb;
            for (int64_t o = p0; o < p1; o += MM_TILE_R) {
                const int na = p1 - o < MM_TILE_R ? (int)(p1 - o) : MM_TILE_R;
                for (int t = t0; t < t1; t += MM_TILE_C)
                    mm_job_tile(j, o, na, t, t1 - t < MM_TILE_C ? t1 - t : MM_TILE_C);
            }
        }
    }
}

void mm_mul(const struct kern_table *k, const struct eng_weight *W, const void *xq,
            size_t xq_stride, int T, float *y, int64_t y_stride, int ith, int nth)
{
    if (T <= 0 || !k->vec_dot[W->type])
        return;
    int64_t lo, hi;
    mm_split(W->n_out, MM_ROW_GRAIN, ith, nth, &lo, &hi);
    const struct mm_job j = {k, W, NULL, xq, xq_stride, T, y, y_stride};
    mm_walk(&j, lo, hi);
}

bool mm_can_fuse(const struct eng_weight *a, const struct eng_weight *b)
{
    return a->data && b->data && a->n_in == b->n_in && a->n_out == b->n_out &&
           a->type == b->type && kern_vec_dot_type(a->type) >= 0;
}

void mm_mul_swiglu(const struct kern_table *k, const struct eng_weight *Wg,
                   const struct eng_weight *Wu, const void *xq, size_t xq_stride, int T, float *h,
                   int64_t h_stride, int ith, int nth)
{
    if (T <= 0 || !k->vec_dot[Wg->type] || !k->vec_dot[Wu->type])
        return;
    int64_t lo, hi;
    mm_split(Wg->n_out, MM_ROW_GRAIN, ith, nth, &lo, &hi);
    const struct mm_job j = {k, Wg, Wu, xq, xq_stride, T, h, h_stride};
    mm_walk(&j, lo, hi);
}
