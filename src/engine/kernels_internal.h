/* kernels_internal.h — what the per-ISA kernel files share with kernels.c.
 * Engine-internal; everyone else uses kernels.h.
 */
#ifndef COLA_ENGINE_KERNELS_INTERNAL_H
#define COLA_ENGINE_KERNELS_INTERNAL_H

#include "engine/kernels.h"

/* The AVX2+FMA+F16C table if kernels_avx2.c was compiled for those
 * instructions, else NULL. It does not look at the CPU: kern_avx2() in
 * kernels.c checks the CPU first and only then calls it (nothing compiled
 * with -mavx2 runs on a CPU without it). */
const struct kern_table *kern_avx2_table(void);

#endif
