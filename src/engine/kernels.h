/* kernels.h — the compute kernels of the forward pass, one table per ISA.
 *
 * Numerics contract (docs/numerics.md, docs/kernels.md): every entry computes
 * each output value with the floating-point operation sequence of ggml's
 * x86-64 AVX2+FMA+F16C CPU backend (as built by llama.cpp with gcc), so the
 * scalar and the AVX2 table agree bit for bit, and both agree bit for bit with
 * llama.cpp's CPU numbers. A mathematically equivalent but differently ordered
 * sum is a bug here, not a variant.
 *
 * Matrix products run on the quantized weights directly: an activation row is
 * first quantized to the weight type's partner format (ggml's vec_dot_type:
 * Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants, F16 for
 * F16, BF16 for BF16, F32 for F32); then each output is computed in one of
 * three per-output forms (enum kern_form), chosen as ggml would (matmul.h).
 *
 * kernels_scalar*.c are the definition: plain C (every fused multiply-add an
 * explicit fmaf, no contraction), no intrinsics. kernels_*avx2.c (compiled
 * with -mavx2 -mfma -mf16c) export the same table, chosen at run time when
 * the CPU (CPUID) and the OS (XGETBV) support AVX2+FMA+F16C. Tests compare
 * every entry of every table with the scalar one bit for bit.
 * COLA_KERNELS=scalar|avx2 in the environment forces a table.
 *
 * Rows: weight rows may sit at any address (the block structs are packed and
 * a GGUF file may align tensors to 1 byte); so may activation rows, except
 * Q8_K rows, which keep the 4-byte alignment of struct qt_block_q8_K.
 * Activation rows must come from the quantize functions (their 8-bit quants
 * lie in [-127, 127]; the SIMD kernels rely on that).
 *
 * All functions are pure: no allocation, no state; any thread may call them.
 */
#ifndef COLA_ENGINE_KERNELS_H
#define COLA_ENGINE_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/quant.h"

/* The per-output operation sequences of ggml's AVX2 backend (docs/kernels.md
 * spells each one out):
 *   KERN_FORM_VEC_DOT  ggml_vec_dot_<type>: 8 float lanes, lane l of a 32-
 *                      element chunk takes elements 4l..4l+3 as an exact
 *                      integer sum, one fma per block with the combined
 *                      scale, ggml's horizontal sum; F32/F16/BF16: 4 x 8
 *                      accumulators over steps of 32 and ggml's reduction.
 *                      Also what llamafile's tinyBLAS computes for Q4_0/Q5_0/
 *                      Q8_0 batches (same bits).
 *   KERN_FORM_BLAS     llamafile tinyBLAS for F32/F16/BF16 batches: one
 *                      8-lane fma accumulator per output, then the sum of the
 *                      lanes. Needs n % 8 == 0.
 *   KERN_FORM_REPACK   ggml's repacked Q4_0 8x8 / Q4_K 8x8 gemv: per block
 *                      the exact integer block sum, one fma into a single
 *                      float accumulator (Q4_K: a second one for the mins,
 *                      subtracted at the end).
 *   KERN_FORM_REPACK_X4  the repacked gemm, which ggml runs on the activation
 *                      rows it takes four at a time: Q4_0 as REPACK; Q4_K
 *                      with one fma per 64 elements (two sub-blocks) instead
 *                      of one per 256, for the sums and for the mins.       */
enum kern_form {
    KERN_FORM_VEC_DOT,
    KERN_FORM_BLAS,
    KERN_FORM_REPACK,
    KERN_FORM_REPACK_X4,
    KERN_FORM_COUNT
};

/* s = dot(a, b) over n elements in the VEC_DOT form: a a row of a weight
 * type, b a row of its vec_dot_type. n is a multiple of both block sizes. */
typedef void (*kern_vec_dot_fn)(int64_t n, float *s, const void *a, const void *b);
/* Quantize an f32 activation row of n elements to a vec_dot_type. */
typedef void (*kern_quantize_fn)(const float *x, void *y, int64_t n);
/* Tile product for batches:
 *   s[j * s_stride + i] = form_dot(a_i, b_j)   for i < na, j < nb
 * with weight row a_i at a + i * a_stride and activation row b_j at
 * b + j * b_stride (bytes), 1 <= na <= KERN_TILE_ROWS, 1 <= nb <=
 * KERN_TILE_COLS. Every s value is bit-identical to the same form computed
 * for that pair alone (so tiles, thread splits and batch sizes never change
 * a result within one form). */
typedef void (*kern_tile_fn)(int64_t n, float *s, int64_t s_stride, const void *a,
                             size_t a_stride, int na, const void *b, size_t b_stride, int nb);
#define KERN_TILE_ROWS 8
#define KERN_TILE_COLS 4

struct kern_table {
    const char *name;                          /* "scalar", "avx2" */
    kern_vec_dot_fn vec_dot[QT_TYPE_COUNT];    /* by weight type; NULL = unsupported */
    /* by form, then weight type; NULL where ggml has no such form for the type
     * (BLAS: F32/F16/BF16 only; REPACK, REPACK_X4: Q4_0 and Q4_K only) */
    kern_tile_fn tile[KERN_FORM_COUNT][QT_TYPE_COUNT];

    /* Activation quantizers, by vec_dot_type, with ggml's x86 CPU semantics:
     *   Q8_0, Q8_1  quantize_row_q8_0/q8_1 (AVX2): amax over the block,
     *               d = f16(amax / 127), q = round-half-even(x * (127 / amax)),
     *               Q8_1 also s = f16(d * sum(q));
     *   Q8_K        quantize_row_q8_K_ref: scale -127 / (the signed element of
     *               largest magnitude, the first on ties), round half even,
     *               d = 1 / scale, 16-element sums;
     *   F16         F16C conversion (round half even);
     *   BF16        ggml_compute_fp32_to_bf16; F32 a copy. */
    kern_quantize_fn quantize[QT_TYPE_COUNT];
    /* The quantizer of ggml's repacked path for the rows it quantizes four at
     * a time (ggml_quantize_mat_*_4x8), one row per call: Q8_0 writes the same
     * bytes as quantize[Q8_0]; Q8_K differs from the reference only in the sign
     * of the scale when +amax and -amax both occur in a block (the positive
     * one wins). NULL for the other types. */
    kern_quantize_fn quantize_x4[QT_TYPE_COUNT];

    /* ---- vector helpers of attention, softmax and the feed-forward ---- */
    /* ggml_vec_dot_f16: 4 x 8 f32 accumulators over steps of 32, ggml's
     * reduction, the remainder added in double; returns the float result */
    float (*dot_f16)(int64_t n, const qt_f16 *a, const qt_f16 *b);
    /* ggml_vec_mad_f16: y[i] = f16(fma(x[i], v, y[i])) */
    void (*mad_f16)(int64_t n, qt_f16 *y, const qt_f16 *x, float v);
    /* ggml_vec_scale_f16: y[i] = f16(y[i] * v) */
    void (*scale_f16)(int64_t n, qt_f16 *y, float v);
    /* y[i] = fma(x[i], a, y[i]) */
    void (*axpy_f32)(int64_t n, float a, const float *x, float *y);
    /* ggml_vec_scale_f32: y[i] *= v */
    void (*scale_f32)(int64_t n, float *y, float v);
    /* ggml_vec_soft_max_f32: y[i] = exp(x[i] - max) with ggml's vector exp for
     * every full group of 8 from the start and libm expf for the rest; returns
     * the sum, accumulated in double one 8-group sum (or remainder element) at
     * a time */
    double (*expsum_f32)(int64_t n, float *y, const float *x, float max);
    /* ggml_vec_swiglu_f32: h[i] = silu(g[i]) * u[i], silu with ggml's vector
     * exp for every full group of 8 from the start of the row and libm expf
     * for the remainder. h may alias g or u. */
    void (*swiglu)(int64_t n, const float *g, const float *u, float *h);
    /* F16C conversions (round half even; bit-identical across tables) */
    void (*f32_to_f16)(const float *x, qt_f16 *y, int64_t n);
    void (*f16_to_f32)(const qt_f16 *x, float *y, int64_t n);

    /* DEPRECATED, kept until ops.c moves to dot_f16/mad_f16: the old
     * attention helpers (a sum in 8 f32 lanes; y += alpha * x). */
    float (*dot_f16_f32)(int64_t n, const qt_f16 *a, const float *b);
    void (*axpy_f16)(int64_t n, float alpha, const qt_f16 *x, float *y);
};

/* The partner (activation) type of weight type t, or -1 if none. */
int kern_vec_dot_type(int t);
/* Whether weights of type t can be multiplied (a vec_dot exists in the scalar table). */
bool kern_can_matmul(int t);

/* One lane of ggml's vectorised exp (ggml_v_expf) and silu (ggml_v_silu):
 * a fixed polynomial with fmas, not correctly rounded. Pure C, the
 * definition both tables follow. */
float kern_expf_v(float x);
float kern_silu_v(float x);

const struct kern_table *kern_scalar(void);
/* NULL when not compiled in or the CPU lacks the features. */
const struct kern_table *kern_avx2(void);
/* The best table for this CPU, honouring COLA_KERNELS. Never NULL. */
const struct kern_table *kern_best(void);

#endif
