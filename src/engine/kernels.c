/* kernels.c — the pairing of weight types with activation types, and the
 * run-time choice of a kernel table (CPU features + COLA_KERNELS).
 *
 * Nothing here uses SIMD instructions: this file is compiled for baseline
 * x86-64 and decides whether the AVX2 table may be called at all.
 */
#include "engine/kernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "engine/kernels_internal.h"
#include "util/log.h"

/* ggml's vec_dot_type of each weight type cola can multiply. */
int kern_vec_dot_type(int t)
{
    switch (t) {
    case QT_TYPE_F32:
        return QT_TYPE_F32;
    case QT_TYPE_F16:
        return QT_TYPE_F16;
    case QT_TYPE_BF16:
        return QT_TYPE_BF16;
    case QT_TYPE_Q4_0:
    case QT_TYPE_Q5_0:
    case QT_TYPE_Q8_0:
        return QT_TYPE_Q8_0;
    case QT_TYPE_Q4_1:
    case QT_TYPE_Q5_1:
        return QT_TYPE_Q8_1;
    case QT_TYPE_Q2_K:
    case QT_TYPE_Q3_K:
    case QT_TYPE_Q4_K:
    case QT_TYPE_Q5_K:
    case QT_TYPE_Q6_K:
        return QT_TYPE_Q8_K;
    default:
        return -1;
    }
}

bool kern_can_matmul(int t)
{
    if (t < 0 || t >= QT_TYPE_COUNT)
        return false;
    int vt = kern_vec_dot_type(t);
    const struct kern_table *s = kern_scalar();
    return vt >= 0 && s->vec_dot[t] != NULL && s->quantize[vt] != NULL;
}

/* Whether the CPU and the OS support AVX2, FMA and F16C: CPUID leaf 1 (FMA,
 * OSXSAVE, AVX, F16C), leaf 7 (AVX2), and XGETBV for the OS saving the ymm
 * registers. (__builtin_cpu_supports has no "f16c" in every compiler.) */
static bool cpu_has_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28, f16c = 1u << 29;
    if ((c & (fma | osxsave | avx | f16c)) != (fma | osxsave | avx | f16c))
        return false;
    unsigned xlo, xhi;
    __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    if ((xlo & 6u) != 6u) /* xmm and ymm state enabled */
        return false;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return false;
    return (b & (1u << 5)) != 0;
#else
    return false;
#endif
}

const struct kern_table *kern_avx2(void)
{
    return cpu_has_avx2() ? kern_avx2_table() : NULL;
}

/* COLA_KERNELS=scalar|avx2 forces a table; asking for one the CPU cannot run
 * falls back to the best one, with a warning. */
const struct kern_table *kern_best(void)
{
    const char *want = getenv("COLA_KERNELS");
    const struct kern_table *avx2 = kern_avx2();
    if (want && *want) {
        if (strcmp(want, "scalar") == 0)
            return kern_scalar();
        if (strcmp(want, "avx2") == 0 && avx2)
            return avx2;
        log_warn("COLA_KERNELS=%s is not available on this CPU; using %s", want,
                 avx2 ? avx2->name : "scalar");
    }
    return avx2 ? avx2 : kern_scalar();
}
