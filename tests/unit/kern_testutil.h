/* kern_testutil.h — random inputs shared by the kernel tests
 * (test_kernels.c, test_kernels_vec.c). Header-only, static functions; a
 * deterministic xorshift generator per test file.
 */
#ifndef COLA_KERN_TESTUTIL_H
#define COLA_KERN_TESTUTIL_H

#include <math.h>
#include <stdint.h>

static uint64_t g_rs = 0x9e3779b97f4a7c15ULL;

static inline uint64_t rnd_u64(void)
{
    g_rs ^= g_rs << 13;
    g_rs ^= g_rs >> 7;
    g_rs ^= g_rs << 17;
    return g_rs;
}

static inline float rnd_uniform(void) /* [0, 1) */
{
    return (float)(rnd_u64() >> 40) * (1.0f / 16777216.0f);
}

static inline float rnd_gauss(void)
{
    float s = 0.0f;
    for (int i = 0; i < 4; i++)
        s += rnd_uniform();
    return (s - 2.0f) * 1.7320508f;
}

/* Fill x with n floats of a given shape: 0 gaussian with a mean (mins matter),
 * 1 gaussian with the magnitude changing from block to block, 2 heavy tails. */
static inline void fill_floats(float *x, int64_t n, int shape)
{
    float mag = 1.0f;
    for (int64_t i = 0; i < n; i++) {
        if (shape == 1 && i % 32 == 0)
            mag = ldexpf(1.0f, (int)(rnd_u64() % 12) - 6);
        float g = rnd_gauss();
        if (shape == 0)
            x[i] = 0.3f + g;
        else if (shape == 1)
            x[i] = g * mag;
        else
            x[i] = (rnd_u64() % 64 == 0) ? 40.0f * g : 0.05f * g;
    }
}

#endif
