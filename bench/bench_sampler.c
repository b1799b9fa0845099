/* bench_sampler — time one sampling step on a real-size vocabulary.
 *
 * Prints one line per configuration:
 *   bench_sampler mode=<name> vocab=<n> us_per_token=<mean> us_p50=<median> us_min=<fastest>
 * (on a busy machine the median and minimum say more than the mean). Logits are synthetic but shaped like a model's (most tokens low, a few
 * high), fixed by a seed, so runs are comparable. Each step also accepts the
 * token, as the token loop does. Usage: bench_sampler [n_vocab] [steps]
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "engine/sampler.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static uint64_t g_rs = 0x9e3779b97f4a7c15ULL;

static double unit(void)
{
    g_rs ^= g_rs << 13;
    g_rs ^= g_rs >> 7;
    g_rs ^= g_rs << 17;
    return (double)(g_rs >> 11) * (1.0 / 9007199254740992.0);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run(const char *mode, const struct smp_params *p, const float *lg, int32_t nv,
               int steps)
{
    struct smp *s = NULL;
    struct cola_err e;
    err_clear(&e);
    if (smp_init(&s, nv, 4096, p, &e)) {
        fprintf(stderr, "bench_sampler: %s\n", err_msg(&e));
        return 1;
    }
    for (int i = 0; i < 64; i++)
        smp_accept(s, (int32_t)(unit() * nv));
    double *dts = malloc((size_t)steps * sizeof(*dts));
    if (!dts) {
        smp_free(s);
        return 1;
    }
    double total = 0.0, best = 1e30;
    long sink = 0;
    for (int i = 0; i < steps; i++) {
        double t0 = now_us();
        int32_t id = smp_sample(s, lg);
        smp_accept(s, id);
        double dt = now_us() - t0;
        dts[i] = dt;
        total += dt;
        best = dt < best ? dt : best;
        sink += id;
    }
    qsort(dts, (size_t)steps, sizeof(*dts), cmp_double);
    printf("bench_sampler mode=%s vocab=%d us_per_token=%.1f us_p50=%.1f us_min=%.1f (sink %ld)\n",
           mode, (int)nv, total / steps, dts[steps / 2], best, sink % 10);
    free(dts);
    smp_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    int32_t nv = argc > 1 ? (int32_t)atoi(argv[1]) : 151936;
    int steps = argc > 2 ? atoi(argv[2]) : 500;
    if (nv < 1 || nv > SMP_MAX_VOCAB || steps < 1) {
        fprintf(stderr, "usage: bench_sampler [n_vocab 1..%d] [steps >= 1]\n", SMP_MAX_VOCAB);
        return 2;
    }
    float *lg = malloc((size_t)nv * sizeof(*lg));
    if (!lg)
        return 1;
    for (int32_t i = 0; i < nv; i++)
        lg[i] = (float)(-8.0 + 6.0 * unit() + 10.0 * pow(unit(), 40.0));

    struct smp_params p;
    smp_params_default(&p);
    p.seed = 1;
    int rc = run("defaults", &p, lg, nv, steps);
    p.repeat_penalty = 1.1f;
    p.frequency_penalty = 0.1f;
    rc |= run("defaults+penalties", &p, lg, nv, steps);
    smp_params_default(&p);
    p.seed = 1;
    p.temperature = 0.0f;
    rc |= run("greedy", &p, lg, nv, steps);
    smp_params_default(&p);
    p.seed = 1;
    p.top_k = 0;
    rc |= run("top_k=0,top_p=0.9", &p, lg, nv, steps / 5 > 0 ? steps / 5 : 1);
    p.top_p = 1.0f;
    rc |= run("top_k=0,top_p=1", &p, lg, nv, steps);
    int32_t ids[20];
    float lps[20];
    double t0 = now_us();
    for (int i = 0; i < steps; i++)
        smp_softmax_top(lg, nv, 20, ids, lps);
    printf("bench_sampler mode=softmax_top20 vocab=%d us_per_token=%.1f\n", (int)nv,
           (now_us() - t0) / steps);
    free(lg);
    return rc;
}
