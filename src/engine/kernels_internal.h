/* kernels_internal.h — what the kernel files share with each other.
 * Engine-internal; everyone else uses kernels.h.
 *
 * kernels_scalar_q.c holds the scalar definitions of the quantized forms,
 * kernels_scalar.c the float forms, quantizers, vector helpers and the scalar
 * table; the ks_* functions below pass between them. The AVX2 table reuses a
 * few scalar pieces where ggml itself runs scalar code (the Q8_K reference
 * quantizer) or for the tails of vector loops.
 */
#ifndef COLA_ENGINE_KERNELS_INTERNAL_H
#define COLA_ENGINE_KERNELS_INTERNAL_H

#include "engine/kernels.h"

/* The AVX2+FMA+F16C table if kernels_avx2.c was compiled for those
 * instructions, else NULL. It does not look at the CPU: kern_avx2() in
 * kernels.c checks the CPU first and only then calls it (nothing compiled
 * with -mavx2 runs on a CPU without it). */
const struct kern_table *kern_avx2_table(void);

/* ---- scalar quantized forms (kernels_scalar_q.c) ---- */
#define KS_DECL(t)                                                                        \
    void ks_dot_##t(int64_t n, float *s, const void *a, const void *b);                   \
    void ks_tile_##t(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,   \
                     const void *b, size_t bs, int nb);
KS_DECL(q4_0)
KS_DECL(q4_1)
KS_DECL(q5_0)
KS_DECL(q5_1)
KS_DECL(q8_0)
KS_DECL(q2_K)
KS_DECL(q3_K)
KS_DECL(q4_K)
KS_DECL(q5_K)
KS_DECL(q6_K)
#undef KS_DECL
void ks_tile_rp_q4_0(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,
                     const void *b, size_t bs, int nb);
void ks_tile_rp_q4_K(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,
                     const void *b, size_t bs, int nb);
void ks_tile_rp4_q4_K(int64_t n, float *s, int64_t ss, const void *a, size_t as, int na,
                      const void *b, size_t bs, int nb);

/* ---- scalar quantizers (kernels_scalar.c) ---- */
void ks_quant_q8_0(const float *x, void *y, int64_t n);
void ks_quant_q8_1(const float *x, void *y, int64_t n);
void ks_quant_q8_K(const float *x, void *y, int64_t n);
void ks_quant_q8_K_x4(const float *x, void *y, int64_t n);
void ks_quant_bf16(const float *x, void *y, int64_t n);
void ks_quant_f32(const float *x, void *y, int64_t n);
/* F16C's float -> half (round half even; a NaN keeps the top 9 bits of its
 * payload and is made quiet, as the instruction does) */
qt_f16 ks_f32_to_f16(float f);

/* ggml's sum of 8 lanes (hsum_float_8, tinyBLAS hsum):
 * ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)) */
static inline float ks_hsum8(const float l[8])
{
    return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

#endif
