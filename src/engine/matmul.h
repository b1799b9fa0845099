/* matmul.h — products of weight matrices with batches of activation rows,
 * shared out among the threads of a pool_run, computed as llama.cpp's CPU
 * backend computes them (docs/numerics.md, docs/kernels.md).
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
 * The form (kernels.h) of each output is the one ggml's AVX2 backend takes
 * for this weight and batch (mm_form):
 *   Q4_0, Q4_K with n_out % 8 == 0    REPACK (ggml repacks them); with T >= 4
 *                                     the first T - T % 4 activation rows
 *                                     take REPACK_X4 (ggml's gemm) and are
 *                                     quantized with quantize_x4
 *   F32, F16, BF16, T >= 2, n_out % 4 == 0 and n_in % 8 == 0
 *                                     BLAS (llamafile's tinyBLAS)
 *   everything else                   VEC_DOT (ggml_vec_dot_*; tinyBLAS gives
 *                                     the same bits for Q4_0/Q5_0/Q8_0)
 * So an output depends on T (through the form) but never on the thread
 * count, the tile it was computed in, or the other rows of the batch.
 *
 * Decode (T = 1) is memory-bound: threads take contiguous ranges of W's rows
 * so each weight byte is read once. Prompt processing is compute-bound: rows
 * of W are taken in panels that stay in cache while blocks of activation rows
 * pass over them, in tiles of 8 rows x 4 activations.
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

/* The form of the outputs of activation row t (< T) of a T-row batch. */
enum kern_form mm_form(const struct eng_weight *W, int T, int t);

/* The quantizer for activation row t of a T-row batch multiplied by W:
 * k->quantize_x4 for the rows ggml's repacked gemm quantizes four at a time
 * (Q4_0/Q4_K with n_out % 8 == 0, t < T - T % 4), else k->quantize. (For
 * Q4_0 both write the same bytes; for Q4_K they differ only in blocks holding
 * both +amax and -amax, so weights of other K-quant types need their own
 * quantized rows to be exact in that case.) */
kern_quantize_fn mm_row_quantizer(const struct kern_table *k, const struct eng_weight *W, int T,
                                  int t);

/* xq[t] = quantize(x[t]) for t < T, with mm_row_quantizer. */
void mm_quantize(const struct kern_table *k, const struct eng_weight *W, const float *x,
                 int64_t x_stride, int T, void *xq, size_t xq_stride, int ith, int nth);

/* y[t][o] = W[o] . x[t] for t < T, o < W->n_out, in the form mm_form
 * chooses. */
void mm_mul(const struct kern_table *k, const struct eng_weight *W, const void *xq,
            size_t xq_stride, int T, float *y, int64_t y_stride, int ith, int nth);

/* The fused SwiGLU feed-forward input: h[t][o] = silu(g) * u with
 * g = Wg[o] . x[t], u = Wu[o] . x[t] as mm_mul computes them, and silu as
 * ggml_vec_swiglu_f32 applies it to the whole row: ggml's vector exp for
 * o < n_out - n_out % 8, libm expf for the rest (k->swiglu). Wg and Wu must
 * pass mm_can_fuse. */
void mm_mul_swiglu(const struct kern_table *k, const struct eng_weight *Wg,
                   const struct eng_weight *Wu, const void *xq, size_t xq_stride, int T, float *h,
                   int64_t h_stride, int ith, int nth);
/* Same type and shape (so the same forms and the same quantized rows). */
bool mm_can_fuse(const struct eng_weight *a, const struct eng_weight *b);

#endif
