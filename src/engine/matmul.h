/* matmul.h — products of weight matrices with batches of activation rows,
 * shared out among the threads of a pool_run.
 *
 * Every function here is called by ALL nth threads of a pool_run with their
 * ith; each does its own share and returns (no barrier inside: the caller
 * puts pool_barrier() between dependent steps). They allocate nothing.
 *
 *   x   (T, n_in)  f32 activations, row stride x_stride floats
 *   xq  (T, ...)   x quantized to the weight's vec_dot_type, row stride xq_stride bytes
 *   W   (n_out rows of n_in) in its stored type (struct eng_weight, model.h)
 *   y   (T, n_out) f32, row stride y_stride floats
 *
 * Decode (T = 1) is memory-bound: threads take contiguous ranges of W's rows so
 * each weight byte is read once. Prompt processing (T large) is compute-bound:
 * rows of W are taken in panels that stay in cache while blocks of activation
 * rows pass over them, in tiles (kern_tile_fn). Every output is computed once,
 * by one thread, and is bit-identical to the table's vec_dot of its pair (for
 * mm_mul_swiglu: to ops_swiglu of the two vec_dots), whatever T and nth are.
 *
 * xq rows of Q8_K must be 4-byte aligned (xq and xq_stride multiples of 4);
 * the engine's 64-byte aligned activation buffers are.
 */
#ifndef COLA_ENGINE_MATMUL_H
#define COLA_ENGINE_MATMUL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/kernels.h"
#include "engine/model.h"

/* Bytes of one activation row of n_in elements for weights of type wtype. */
size_t mm_act_row_bytes(int wtype, int64_t n_in);

/* xq[t] = quantize(x[t]) for t < T, in the vec_dot_type of wtype. */
void mm_quantize(const struct kern_table *k, int wtype, const float *x, int64_t x_stride, int T,
                 int64_t n_in, void *xq, size_t xq_stride, int ith, int nth);

/* y[t][o] = dot(W[o], xq[t]) for t < T, o < W->n_out. */
void mm_mul(const struct kern_table *k, const struct eng_weight *W, const void *xq,
            size_t xq_stride, int T, float *y, int64_t y_stride, int ith, int nth);

/* The fused SwiGLU feed-forward input: h[t][o] = silu(g) * u with
 * g = dot(Wg[o], xq[t]), u = dot(Wu[o], xq[t]). Wg and Wu must have the same
 * shape and the same vec_dot_type (mm_can_fuse). */
void mm_mul_swiglu(const struct kern_table *k, const struct eng_weight *Wg,
                   const struct eng_weight *Wu, const void *xq, size_t xq_stride, int T, float *h,
                   int64_t h_stride, int ith, int nth);
bool mm_can_fuse(const struct eng_weight *a, const struct eng_weight *b);

#endif
