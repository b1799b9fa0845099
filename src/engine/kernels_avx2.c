/* kernels_avx2.c — AVX2 + FMA + F16C kernels (work in progress). */
#include "engine/kernels_internal.h"

const struct kern_table *kern_avx2_table(void)
{
    return NULL;
}
