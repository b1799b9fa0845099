/* bench_matmul — speed of the threaded matrix products (src/engine/matmul.c).
 *
 * For each hot weight type:
 *   decode  T = 1: y = W x over a realistic matrix. The matrix is copied
 *           enough times to make a working set of >= 512 MiB, and successive
 *           runs walk the copies, so weights come from DRAM as in a real
 *           decode (one matrix alone would sit in L3). Prints GB/s of weight
 *           bytes read.
 *   prompt  T = 512: quantize the activations and multiply, as the forward
 *           pass does. Prints GFLOP/s (2 * rows * cols * T per product).
 * with 1 and 2 threads. One line per measurement:
 *   matmul type=q4_0 rows=5632 cols=2048 T=1 threads=2 kernels=avx2 ms=0.412 best_ms=0.390
 *          gbps=15.8 gbps_best=16.7
 * (one line). ms/gbps/gflops are from the median of several runs, *_best
 * from the fastest: on a shared, noisy machine the best run is the closer
 * estimate of what the code can do, the median of what it did.
 *
 * Usage: bench_matmul [-q] [type ...]   (-q: fewer runs; types: q4_0 q5_0
 * q8_0 q4_K q6_K f16 f32 bf16 q4_1 q5_1 q5_K q2_K q3_K; default the hot ones).
 * COLA_KERNELS=scalar|avx2 picks the kernel table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/kernels.h"
#include "engine/matmul.h"
#include "engine/pool.h"

#define MAX_COPIES 4096
#define WORKSET_BYTES (512ull << 20)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t g_rs = 0x2545f4914f6cdd1dULL;

static float rnd_gauss(void)
{
    float s = 0.0f;
    for (int i = 0; i < 4; i++) {
        g_rs ^= g_rs << 13;
        g_rs ^= g_rs >> 7;
        g_rs ^= g_rs << 17;
        s += (float)(g_rs >> 40) * (1.0f / 16777216.0f);
    }
    return (s - 2.0f) * 1.7f;
}

/* rows x cols weights of type t: 64 distinct reference-quantized rows,
 * repeated (values do not change the speed; addresses do). */
static void *make_matrix(int t, int64_t rows, int64_t cols, size_t *row_bytes)
{
    const struct qt_traits *tr = qt_get_traits(t);
    if (qt_row_size(t, cols, row_bytes) != 0)
        return NULL;
    uint8_t *w = aligned_alloc(64, (*row_bytes * (size_t)rows + 63) / 64 * 64);
    float *x = malloc(sizeof(float) * (size_t)cols);
    if (!w || !x) {
        free(w);
        free(x);
        return NULL;
    }
    for (int64_t r = 0; r < rows && r < 64; r++) {
        for (int64_t i = 0; i < cols; i++)
            x[i] = rnd_gauss();
        tr->from_float(x, w + (size_t)r * *row_bytes, cols);
    }
    for (int64_t r = 64; r < rows; r++)
        memcpy(w + (size_t)r * *row_bytes, w + (size_t)(r % 64) * *row_bytes, *row_bytes);
    free(x);
    return w;
}

struct job {
    struct pool *pool;
    const struct kern_table *k;
    struct eng_weight W;
    const float *x;    /* (T, cols) */
    void *xq;          /* (T, act_stride) */
    size_t act_stride;
    float *y;          /* (T, rows) */
    int T;
    bool quantize;
};

static void job_fn(void *arg, int ith, int nth)
{
    struct job *j = arg;
    if (j->quantize) {
        mm_quantize(j->k, &j->W, j->x, j->W.n_in, j->T, j->xq, j->act_stride, ith, nth);
        pool_barrier(j->pool);
    }
    mm_mul(j->k, &j->W, j->xq, j->act_stride, j->T, j->y, j->W.n_out, ith, nth);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median (and in *best the fastest) seconds of one pool_run over `runs`
 * runs, walking the copies. */
static double time_runs(struct job *j, uint8_t *const *copies, int n_copies, int runs,
                        double *best)
{
    double *t = malloc(sizeof(double) * (size_t)runs);
    pool_run(j->pool, job_fn, j); /* warm up the threads */
    for (int r = 0; r < runs; r++) {
        j->W.data = copies[r % n_copies];
        double t0 = now_s();
        pool_run(j->pool, job_fn, j);
        t[r] = now_s() - t0;
    }
    qsort(t, (size_t)runs, sizeof(double), cmp_double);
    double med = t[runs / 2];
    *best = t[0];
    free(t);
    return med;
}

static int bench_type(const struct kern_table *k, int t, int64_t rows, int64_t cols, int T,
                      int threads, bool quick)
{
    size_t rb = 0, ab = mm_act_row_bytes(t, cols);
    uint8_t *w = make_matrix(t, rows, cols, &rb);
    if (!w || ab == 0) {
        fprintf(stderr, "bench_matmul: cannot build a %s matrix %lldx%lld\n", qt_type_name(t),
                (long long)rows, (long long)cols);
        free(w);
        return 1;
    }
    const size_t mbytes = rb * (size_t)rows;
    int n_copies = 1;
    if (T == 1) {
        n_copies = (int)((WORKSET_BYTES + mbytes - 1) / mbytes);
        n_copies = n_copies > MAX_COPIES ? MAX_COPIES : n_copies;
    }
    uint8_t **copies = calloc((size_t)n_copies, sizeof(*copies));
    copies[0] = w;
    for (int c = 1; c < n_copies; c++) {
        copies[c] = aligned_alloc(64, (mbytes + 63) / 64 * 64);
        if (copies[c])
            memcpy(copies[c], w, mbytes);
        else
            n_copies = c;
    }
    struct job j = {.k = k, .T = T, .quantize = T > 1};
    j.W = (struct eng_weight){w, t, cols, rows, rb};
    j.act_stride = (ab + 63) / 64 * 64;
    float *x = malloc(sizeof(float) * (size_t)(T * cols));
    j.xq = aligned_alloc(64, j.act_stride * (size_t)T);
    j.y = malloc(sizeof(float) * (size_t)(T * rows));
    for (int64_t i = 0; i < T * cols; i++)
        x[i] = rnd_gauss();
    j.x = x;
    /* decode quantizes once outside the timing, like an already-normed row */
    mm_quantize(k, &j.W, x, cols, T, j.xq, j.act_stride, 0, 1);
    int rc = pool_new(threads, &j.pool);
    if (rc == 0) {
        int runs = T == 1 ? (quick ? 3 : 5) * n_copies : (quick ? 3 : 7);
        if (runs < 9 && T == 1)
            runs = 9;
        double best;
        double s = time_runs(&j, copies, n_copies, runs, &best);
        printf("matmul type=%s rows=%lld cols=%lld T=%d threads=%d kernels=%s ms=%.3f "
               "best_ms=%.3f ",
               qt_type_name(t), (long long)rows, (long long)cols, T, threads, k->name, s * 1e3,
               best * 1e3);
        if (T == 1)
            printf("gbps=%.2f gbps_best=%.2f\n", (double)mbytes / s / 1e9,
                   (double)mbytes / best / 1e9);
        else
            printf("gflops=%.2f gflops_best=%.2f\n", 2.0 * (double)rows * (double)cols * T / s / 1e9,
                   2.0 * (double)rows * (double)cols * T / best / 1e9);
        fflush(stdout);
        pool_free(j.pool);
    }
    for (int c = 0; c < n_copies; c++)
        free(copies[c]);
    free(copies);
    free(x);
    free(j.xq);
    free(j.y);
    return rc != 0;
}

int main(int argc, char **argv)
{
    bool quick = false;
    int types[QT_TYPE_COUNT], nt = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-q") == 0) {
            quick = true;
            continue;
        }
        int t = qt_type_from_name(argv[i]);
        if (t < 0 || !kern_can_matmul(t) || nt == QT_TYPE_COUNT) {
            fprintf(stderr, "bench_matmul: unknown or unsupported type %s\n", argv[i]);
            return 2;
        }
        types[nt++] = t;
    }
    if (nt == 0) {
        const int hot[] = {QT_TYPE_Q4_0, QT_TYPE_Q5_0, QT_TYPE_Q8_0,
                           QT_TYPE_Q4_K, QT_TYPE_Q6_K, QT_TYPE_F16};
        for (size_t i = 0; i < sizeof hot / sizeof hot[0]; i++)
            types[nt++] = hot[i];
    }
    const struct kern_table *k = kern_best();
    const int64_t shapes[][2] = {{5632, 2048}, {4096, 4096}}; /* rows (n_out), cols (n_in) */
    int fails = 0;
    for (int i = 0; i < nt; i++) {
        for (int threads = 1; threads <= 2; threads++) {
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
                fails += bench_type(k, types[i], shapes[s][0], shapes[s][1], 1, threads, quick);
            fails += bench_type(k, types[i], shapes[0][0], shapes[0][1], 512, threads, quick);
        }
    }
    return fails ? 1 : 0;
}
