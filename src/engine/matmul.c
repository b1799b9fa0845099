/* matmul.c — weight matrix × activation batch, shared out among pool threads.
 *
 * Work split (no shared counters, so no barrier is needed inside a call):
 *   - every thread owns a contiguous range of W's output rows, cut at
 *     multiples of MM_ROW_GRAIN so tiles stay whole;
 *   - T = 1 (decode): each row is one vec_dot (or a tile of MM_TILE rows
 *     against the one activation row), so every weight byte is read once;
 *   - T > 1 (prompt): blocked for the caches (mm_walk): panels of weights
 *     that stay in L2, blocks of activations that stay in L1/L2, tiles of
 *     MM_TILE x MM_TILE inside.
 */
#include "engine/matmul.h"

#include "engine/ops.h"

#define MM_TILE 4                      /* rows and activations per tile call */
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

void mm_quantize(const struct kern_table *k, int wtype, const float *x, int64_t x_stride, int T,
                 int64_t n_in, void *xq, size_t xq_stride, int ith, int nth)
{
    const int vt = kern_vec_dot_type(wtype);
    if (vt < 0 || T <= 0)
        return;
    const struct qt_traits *tr = qt_get_traits(vt);
    const kern_quantize_fn q = k->quantize[vt];
    if (T >= nth) { /* whole rows per thread */
        int64_t lo, hi;
        mm_split(T, 1, ith, nth, &lo, &hi);
        for (int64_t t = lo; t < hi; t++)
            q(x + t * x_stride, (uint8_t *)xq + (size_t)t * xq_stride, n_in);
        return;
    }
    /* fewer rows than threads (decode): share each row's blocks; float
     * formats are cut at multiples of 16 elements */
    const int64_t blk = tr->blck_size > 1 ? tr->blck_size : 16;
    const int64_t nblk = (n_in + blk - 1) / blk;
    int64_t lo, hi;
    mm_split(nblk, 1, ith, nth, &lo, &hi);
    if (lo >= hi)
        return;
    int64_t e0 = lo * blk, e1 = hi * blk < n_in ? hi * blk : n_in;
    size_t off = (size_t)(e0 / tr->blck_size) * tr->type_size;
    for (int t = 0; t < T; t++)
        q(x + t * x_stride + e0, (uint8_t *)xq + (size_t)t * xq_stride + off, e1 - e0);
}

/* s[j * s_stride + i] = dot(W[o0 + i], xq[t0 + j]) through the table's tile
 * kernel, or vec_dot pair by pair where the table has none. */
static inline void mm_tile(const struct kern_table *k, const struct eng_weight *W, int64_t o0,
                           int na, const uint8_t *xq, size_t xq_stride, int64_t t0, int nb,
                           float *s, int64_t s_stride)
{
    const uint8_t *a = (const uint8_t *)W->data + (size_t)o0 * W->row_bytes;
    const uint8_t *b = xq + (size_t)t0 * xq_stride;
    const kern_tile_fn tile = k->tile[KERN_FORM_VEC_DOT][W->type];
    if (tile) {
        tile(W->n_in, s, s_stride, a, W->row_bytes, na, b, xq_stride, nb);
        return;
    }
    const kern_vec_dot_fn dot = k->vec_dot[W->type];
    for (int j = 0; j < nb; j++)
        for (int i = 0; i < na; i++)
            dot(W->n_in, &s[j * s_stride + i], a + (size_t)i * W->row_bytes,
                b + (size_t)j * xq_stride);
}

/* What one blocked walk multiplies: W (and U for the fused SwiGLU) with the
 * activations xq into out. */
struct mm_job {
    const struct kern_table *k;
    const struct eng_weight *W, *U;
    const uint8_t *xq;
    size_t xq_stride;
    float *out;
    int64_t out_stride;
};

static void mm_job_tile(const struct mm_job *j, int64_t o, int na, int t, int nb)
{
    if (!j->U) {
        mm_tile(j->k, j->W, o, na, j->xq, j->xq_stride, t, nb, j->out + t * j->out_stride + o,
                j->out_stride);
        return;
    }
    /* fused feed-forward input: gate and up of the same rows and activations,
     * then h = silu(g) * u */
    float g[MM_TILE * MM_TILE], u[MM_TILE * MM_TILE];
    mm_tile(j->k, j->W, o, na, j->xq, j->xq_stride, t, nb, g, MM_TILE);
    mm_tile(j->k, j->U, o, na, j->xq, j->xq_stride, t, nb, u, MM_TILE);
    for (int i = 0; i < nb; i++)
        ops_swiglu(g + i * MM_TILE, u + i * MM_TILE, j->out + (int64_t)(t + i) * j->out_stride + o,
                   na);
}

/* Output rows [lo, hi) for all T activation rows. Batches are blocked for the
 * caches: a panel of about MM_PANEL_BYTES of weights stays in L2 while the
 * activations pass over it in blocks of about MM_ACT_BLOCK_BYTES (which stay
 * in L1/L2 while every tile of the panel uses them); inside, each tile of
 * MM_TILE rows meets the block's activations MM_TILE at a time. */
static void mm_walk(const struct mm_job *j, int T, int64_t lo, int64_t hi)
{
    const size_t wrow = j->W->row_bytes * (j->U ? 2 : 1);
    int64_t panel = T == 1 ? hi - lo : (int64_t)(MM_PANEL_BYTES / (wrow ? wrow : 1));
    panel = panel / MM_TILE * MM_TILE;
    if (panel < MM_TILE)
        panel = MM_TILE;
    int tb = (int)(MM_ACT_BLOCK_BYTES / (j->xq_stride ? j->xq_stride : 1)) / MM_TILE * MM_TILE;
    if (tb < MM_TILE)
        tb = MM_TILE;
    for (int64_t p0 = lo; p0 < hi; p0 += panel) {
        const int64_t p1 = p0 + panel < hi ? p0 + panel : hi;
        for (int t0 = 0; t0 < T; t0 += tb) {
            const int t1 = T - t0 < tb ? T : t0 + tb;
            for (int64_t o = p0; o < p1; o += MM_TILE) {
                const int na = p1 - o < MM_TILE ? (int)(p1 - o) : MM_TILE;
                for (int t = t0; t < t1; t += MM_TILE)
                    mm_job_tile(j, o, na, t, t1 - t < MM_TILE ? t1 - t : MM_TILE);
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
    const struct mm_job j = {k, W, NULL, xq, xq_stride, y, y_stride};
    mm_walk(&j, T, lo, hi);
}

bool mm_can_fuse(const struct eng_weight *a, const struct eng_weight *b)
{
    return a->data && b->data && a->n_in == b->n_in && a->n_out == b->n_out &&
           kern_vec_dot_type(a->type) >= 0 &&
           kern_vec_dot_type(a->type) == kern_vec_dot_type(b->type);
}

void mm_mul_swiglu(const struct kern_table *k, const struct eng_weight *Wg,
                   const struct eng_weight *Wu, const void *xq, size_t xq_stride, int T, float *h,
                   int64_t h_stride, int ith, int nth)
{
    if (T <= 0 || !k->vec_dot[Wg->type] || !k->vec_dot[Wu->type])
        return;
    int64_t lo, hi;
    mm_split(Wg->n_out, MM_ROW_GRAIN, ith, nth, &lo, &hi);
    const struct mm_job j = {k, Wg, Wu, xq, xq_stride, h, h_stride};
    mm_walk(&j, T, lo, hi);
}
