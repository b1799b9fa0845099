/* bench_quant — speed of the scalar reference (de)quantizers, per type.
 *
 * Usage: bench_quant [MiB of f32 input per type, default 16]
 * Prints one line per computable type:
 *   quant type=q4_K dequant_MBps=... quant_MBps=... bytes_per_row=...
 * MB/s count f32 bytes produced (dequantize) or consumed (quantize), so the
 * types compare on the same footing. These are the scalar references: the
 * SIMD kernels are measured elsewhere against them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/quant.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds per call of fn, best of a few repetitions lasting >= 0.2 s each. */
static double time_dequant(qt_to_float_fn fn, const void *q, float *y, int64_t n)
{
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        int iters = 0;
        double t0 = now_s(), t;
        do {
            fn(q, y, n);
            iters++;
            t = now_s() - t0;
        } while (t < 0.2);
        if (t / iters < best)
            best = t / iters;
    }
    return best;
}

static double time_quant(qt_from_float_fn fn, const float *x, void *q, int64_t n)
{
    double best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        int iters = 0;
        double t0 = now_s(), t;
        do {
            fn(x, q, n);
            iters++;
            t = now_s() - t0;
        } while (t < 0.2);
        if (t / iters < best)
            best = t / iters;
    }
    return best;
}

int main(int argc, char **argv)
{
    long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 16;
    if (mib < 1 || mib > 1024) {
        fprintf(stderr, "usage: bench_quant [MiB 1..1024]\n");
        return 2;
    }
    const int64_t n = (int64_t)mib * 1024 * 1024 / 4 / 256 * 256;
    float *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    void *q = malloc((size_t)n * 4 + 64);
    if (!x || !y || !q) {
        fprintf(stderr, "bench_quant: out of memory\n");
        return 1;
    }
    uint32_t s = 12345;
    for (int64_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((int32_t)(s >> 8) - (1 << 23)) * 0x1p-23f;
    }
    for (int t = 0; t < QT_TYPE_COUNT; t++) {
        const struct qt_traits *tr = qt_get_traits(t);
        if (!tr || !tr->to_float || !tr->from_float)
            continue;
        size_t row;
        if (qt_row_size(t, 4096, &row) != 0)
            continue;
        double tq = time_quant(tr->from_float, x, q, n);
        double td = time_dequant(tr->to_float, q, y, n);
        double mb = (double)n * 4 / 1e6;
        printf("quant type=%s dequant_MBps=%.0f quant_MBps=%.1f bytes_per_4096=%zu\n", tr->name,
               mb / td, mb / tq, row);
        fflush(stdout);
    }
    free(x);
    free(y);
    free(q);
    return 0;
}
