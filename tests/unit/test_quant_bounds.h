/* test_quant_bounds.h — the error bounds the quant tests assert, per type,
 * and the checker that applies them (shared by test_quant_roundtrip.c and
 * test_quant_models.c). docs/quant.md explains where each number comes from.
 *
 * Two bounds per type, for data x and its round trip y:
 *  - per block (the type's block, 32 elements for the float types):
 *        max |x - y| <= blk_units * amax_block / levels   (+ 2^-25 absolute,
 *    the half-precision subnormal spacing, for scales that underflow);
 *  - over the whole row:
 *        RMSE <= 1.25 * est + float_rel * RMS(x) + 2^-25
 *    where est = sqrt(mean over elements of step^2 / 12) is what uniform
 *    rounding to the format's grid gives: step = span_g / levels for the
 *    group g (elements sharing one scale) holding the element, span_g =
 *    amax_g (symmetric), max_g - min_g (Q4_1/Q5_1) or max_g - min(min_g, 0)
 *    (K-quants with mins). 1.25 leaves room for the 4-8 bit quantization of
 *    the scales themselves; float_rel covers half-float rounding of scales
 *    and mins (what remains when est is 0, e.g. constant data).
 */
#ifndef COLA_TEST_QUANT_BOUNDS_H
#define COLA_TEST_QUANT_BOUNDS_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include "engine/quant.h"

enum qb_span { QB_SYM, QB_RANGE, QB_RANGE0 };

struct qb_spec {
    int group;         /* elements per scale */
    double levels;     /* steps across the span */
    enum qb_span span;
    double blk_units;  /* per-block max error, in units of amax_block / levels */
    double float_rel;  /* RMSE allowance relative to RMS(x) */
};

#define QB_H 0x1p-11 /* half-float relative rounding error */

/* Per type; a zero spec (group 0) means "no bound known" (not computable). */
static inline struct qb_spec qb_spec_of(int type)
{
    switch (type) {
    case QT_TYPE_F32: return (struct qb_spec){1, 1, QB_SYM, 0, 0};
    case QT_TYPE_F16: return (struct qb_spec){1, 1, QB_SYM, QB_H, QB_H};
    case QT_TYPE_BF16: return (struct qb_spec){1, 1, QB_SYM, 0x1p-8, 0x1p-8};
    /* q = round(x/d) + offset with d = amax/8: rounding <= 1/2 step, but +8
     * is clamped to +7, a full step; the half d adds |q| * d * 2^-11 */
    case QT_TYPE_Q4_0: return (struct qb_spec){32, 8, QB_SYM, 1 + 8 * QB_H, 4 * QB_H};
    case QT_TYPE_Q5_0: return (struct qb_spec){32, 16, QB_SYM, 1 + 16 * QB_H, 4 * QB_H};
    /* d = (max-min)/15 <= 2 amax/15: 1/2 step = 1 unit; half d and half m
     * add 15 * 2 amax/15 * 2^-11 and amax * 2^-11 */
    case QT_TYPE_Q4_1: return (struct qb_spec){32, 15, QB_RANGE, 1 + 45 * QB_H, 4 * QB_H};
    case QT_TYPE_Q5_1: return (struct qb_spec){32, 31, QB_RANGE, 1 + 93 * QB_H, 4 * QB_H};
    /* d = amax/127, round to nearest: 1/2 step + 127 * d * 2^-11 */
    case QT_TYPE_Q8_0: return (struct qb_spec){32, 127, QB_SYM, 0.5 + 127 * QB_H, 4 * QB_H};
    case QT_TYPE_Q8_1: return (struct qb_spec){32, 127, QB_SYM, 0.5 + 127 * QB_H, 4 * QB_H};
    /* float d, no half: 1/2 step plus float rounding of x * iscale */
    case QT_TYPE_Q8_K: return (struct qb_spec){256, 127, QB_SYM, 0.5 + 0x1p-12, 4 * QB_H};
    /* symmetric K-quants: 1/2 step rounding, +nmax clamped to nmax-1 (a full
     * step), the least-squares scale up to 1/4 step larger than amax/nmax, and
     * the 6/8-bit scale quantization: 1.5 units */
    case QT_TYPE_Q3_K: return (struct qb_spec){16, 4, QB_SYM, 1.5, 4 * QB_H};
    case QT_TYPE_Q6_K: return (struct qb_spec){16, 32, QB_SYM, 1.5, 4 * QB_H};
    /* K-quants with mins: a grid of up to 2 amax span (1 unit per 1/2 step),
     * the search may leave a group's extreme a step outside (1 unit), 4/6-bit
     * scales and mins add (nmax+1)/(2*levels of the scale) <= 1/4, and the
     * search's step choice (nmax+rmin .. nmax+1 steps per span) 1/4: 2.5 */
    case QT_TYPE_Q2_K: return (struct qb_spec){16, 3, QB_RANGE0, 2.5, 4 * QB_H};
    case QT_TYPE_Q4_K: return (struct qb_spec){32, 15, QB_RANGE0, 2.5, 4 * QB_H};
    case QT_TYPE_Q5_K: return (struct qb_spec){32, 31, QB_RANGE0, 2.5, 4 * QB_H};
    default: return (struct qb_spec){0, 0, QB_SYM, 0, 0};
    }
}

struct qb_result {
    double rmse, rmse_bound;
    double worst_blk;      /* max over blocks of max|err| / bound */
    long worst_blk_index;  /* block where that happened */
};

/* Measures x (original) against y (round trip) of n elements; returns true
 * when both bounds hold. A last partial group or block is measured as it is
 * (n need not be a multiple of anything; for quantized types it always is). */
static inline bool qb_check(int type, const float *x, const float *y, long n, struct qb_result *r)
{
    const struct qb_spec s = qb_spec_of(type);
    const struct qt_traits *tr = qt_get_traits(type);
    const long blk = tr->blck_size > 1 ? tr->blck_size : 32;
    double se = 0, sx = 0, sstep = 0;
    r->worst_blk = 0;
    r->worst_blk_index = -1;
    for (long g0 = 0; g0 < n; g0 += s.group) {
        double amax = 0, mn = x[g0], mx = x[g0];
        const long g1 = g0 + s.group < n ? g0 + s.group : n;
        for (long i = g0; i < g1; i++) {
            amax = fmax(amax, fabs(x[i]));
            mn = fmin(mn, x[i]);
            mx = fmax(mx, x[i]);
        }
        double span = s.span == QB_SYM ? amax : s.span == QB_RANGE ? mx - mn : mx - fmin(mn, 0);
        if (s.group > 1)
            sstep += (span / s.levels) * (span / s.levels) * (double)(g1 - g0);
    }
    for (long b0 = 0; b0 < n; b0 += blk) {
        double amax = 0, emax = 0;
        const long b1 = b0 + blk < n ? b0 + blk : n;
        for (long i = b0; i < b1; i++) {
            double e = fabs((double)x[i] - (double)y[i]);
            amax = fmax(amax, fabs(x[i]));
            emax = fmax(emax, e);
            se += e * e;
            sx += (double)x[i] * x[i];
        }
        double bound = s.blk_units * amax / s.levels * (1 + 1e-6) + 0x1p-25;
        if (emax / bound > r->worst_blk || !(emax <= bound)) {
            r->worst_blk = emax / bound;
            r->worst_blk_index = b0 / blk;
        }
    }
    double est = sqrt(sstep / (double)n / 12);
    r->rmse = sqrt(se / (double)n);
    r->rmse_bound = 1.25 * est + s.float_rel * sqrt(sx / (double)n) + 0x1p-25;
    return r->worst_blk <= 1.0 && r->rmse <= r->rmse_bound;
}

#endif
