/* kernels.h — the compute kernels of the forward pass, one table per ISA.
 *
 * Matrix products run on the quantized weights directly: an activation row is
 * first quantized to the weight type's partner format (ggml's vec_dot_type:
 * Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants, F16 for
 * F16, BF16 for BF16, F32 for F32), then each output is an integer (or f16)
 * dot product of a weight row and that activation row, scaled per block —
 * the arithmetic the reference numbers (llama.cpp) assume.
 *
 * kernels_scalar.c is the definition: plain C, no intrinsics. kernels_avx2.c
 * and kernels_q_avx2.c (compiled with -mavx2 -mfma -mf16c) export the same
 * table, chosen at run time when the CPU (CPUID) and the OS (XGETBV) support
 * AVX2+FMA+F16C. docs/kernels.md has the pairing, bounds and speeds. Tests compare every entry of every
 * table with the scalar one within stated bounds. COLA_KERNELS=scalar|avx2 in
 * the environment forces a table (for tests and benchmarks).
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

/* s = dot(a, b) over n elements: a a row of a weight type, b a row of its
 * vec_dot_type. n is a multiple of both block sizes. */
typedef void (*kern_vec_dot_fn)(int64_t n, float *s, const void *a, const void *b);
/* Quantize an f32 activation row to a vec_dot_type (Q8_0/Q8_1/Q8_K/F16/BF16/F32).
 * Every table writes the same bytes as the quant module's reference
 * quantizer (qt_get_traits(type)->from_float), so ISAs agree exactly. */
typedef void (*kern_quantize_fn)(const float *x, void *y, int64_t n);
/* Tile product for batches (prompt processing):
 *   s[j * s_stride + i] = dot(a_i, b_j)   for i < na, j < nb
 * with weight row a_i at a + i * a_stride and activation row b_j at
 * b + j * b_stride (bytes), 1 <= na <= KERN_TILE_MAX, 1 <= nb <= KERN_TILE_MAX.
 * Each weight block is unpacked once for all nb activation rows. Every s
 * value is bit-identical to what vec_dot returns for the same pair, so a
 * token's result does not depend on the batch it was computed in. */
typedef void (*kern_tile_fn)(int64_t n, float *s, int64_t s_stride, const void *a,
                             size_t a_stride, int na, const void *b, size_t b_stride, int nb);
#define KERN_TILE_MAX 4

struct kern_table {
    const char *name;                          /* "scalar", "avx2" */
    kern_vec_dot_fn vec_dot[QT_TYPE_COUNT];    /* indexed by the weight type; NULL = unsupported */
    kern_quantize_fn quantize[QT_TYPE_COUNT];  /* indexed by the vec_dot_type */
    kern_tile_fn tile[QT_TYPE_COUNT];          /* indexed by the weight type; NULL = use vec_dot */

    /* attention over an f16 KV cache (summation order is the table's own;
     * the conversions are bit-identical with qt_f32_to_f16 / qt_f16_to_f32) */
    float (*dot_f16_f32)(int64_t n, const qt_f16 *a, const float *b);
    void (*axpy_f16)(int64_t n, float alpha, const qt_f16 *x, float *y); /* y += alpha * x */
    void (*f32_to_f16)(const float *x, qt_f16 *y, int64_t n);
    void (*f16_to_f32)(const qt_f16 *x, float *y, int64_t n);
};

/* The partner (activation) type of weight type t, or -1 if none. */
int kern_vec_dot_type(int t);
/* Whether weights of type t can be multiplied (a vec_dot exists in the scalar table). */
bool kern_can_matmul(int t);

const struct kern_table *kern_scalar(void);
/* NULL when not compiled in or the CPU lacks the features. */
const struct kern_table *kern_avx2(void);
/* The best table for this CPU, honouring COLA_KERNELS. Never NULL. */
const struct kern_table *kern_best(void);

#endif
