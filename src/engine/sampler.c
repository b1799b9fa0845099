/* sampler.c — llama-server's default sampling chain over a float logit vector.
 *
 * Data flow of one smp_sample():
 *   logits --copy+sanitize--> work[n_vocab] --bias, penalties (by id)--> work
 *     greedy (temp <= 0, typical off): argmax(work), done
 *     else  work --top_k (heap) or full copy--> cand[n] --typical, top_p, min_p,
 *           temperature--> cand[n'] --draw from softmax--> token
 *
 * Every ordering uses one strict total order (higher logit first, then lower
 * id), so results never depend on sort stability or libc's qsort (which may
 * also allocate: we sort with our own heap routines).
 */
#include "engine/sampler.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* A candidate token: its (possibly modified) logit and, after a softmax, its
 * probability. */
struct smp_cand {
    float logit;
    int32_t id;
    float p;
};

struct smp {
    int32_t n_vocab;
    struct smp_params p;        /* p.bias points at bias below */
    struct smp_bias *bias;      /* (n_bias) owned copy */

    float *work;                /* (n_vocab) logits after bias and penalties */
    struct smp_cand *cand;      /* (n_vocab) the candidate set the filters narrow */
    struct smp_cand *tmp;       /* (n_vocab) scratch for typical_p */
    struct smp_cand *rad;       /* (n_vocab) radix-sort ping-pong buffer */

    int32_t *ring;              /* (hist_cap) accepted tokens; oldest at ring[head] */
    int32_t hist_cap, hist_len, hist_head;
    int32_t *count;             /* (n_vocab) occurrences of each token in the ring */

    uint64_t seed;              /* seed in use */
    uint64_t rng[4];            /* xoshiro256** state */
};

/* ------------------------------------------------------------------ RNG */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl64(uint64_t v, int k)
{
    return (v << k) | (v >> (64 - k));
}

static uint64_t rng_next(uint64_t st[4])
{
    const uint64_t out = rotl64(st[1] * 5, 7) * 9;
    const uint64_t t = st[1] << 17;
    st[2] ^= st[0];
    st[3] ^= st[1];
    st[1] ^= st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = rotl64(st[3], 45);
    return out;
}

/* Uniform double in [0, 1) with 53 random bits. */
static double rng_unit(uint64_t st[4])
{
    return (double)(rng_next(st) >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t random_seed(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
        return v;
    /* no entropy source: the clock and pid are better than a constant */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    x ^= (uint64_t)getpid() << 32;
    return splitmix64(&x);
}

static void rng_seed(struct smp *s)
{
    s->seed = s->p.seed == -1 ? random_seed() : (uint64_t)s->p.seed;
    uint64_t x = s->seed;
    for (int i = 0; i < 4; i++)
        s->rng[i] = splitmix64(&x);
}

/* ------------------------------------------------------------ ordering */

/* NaN -> -inf (never chosen), +inf -> FLT_MAX (keeps softmax finite).
 * Written without branches so the copy loop vectorises. */
static inline float sanitize(float v)
{
    v = v > FLT_MAX ? FLT_MAX : v;
    return v == v ? v : -INFINITY;
}

/* The one order used everywhere: a before b when its logit is higher, or equal
 * with a lower id. Strict and total, so every sort below is deterministic. */
static inline bool cand_better(const struct smp_cand *a, const struct smp_cand *b)
{
    return a->logit > b->logit || (a->logit == b->logit && a->id < b->id);
}

/* Restore the heap property below i in a heap whose root is the WORST element. */
static void heap_sift(struct smp_cand *h, size_t n, size_t i)
{
    for (;;) {
        size_t w = i, l = 2 * i + 1, r = l + 1;
        if (l < n && cand_better(&h[w], &h[l]))
            w = l;
        if (r < n && cand_better(&h[w], &h[r]))
            w = r;
        if (w == i)
            return;
        struct smp_cand t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

/* Turn a worst-at-root heap of n elements into an array sorted best first. */
static void heap_drain(struct smp_cand *h, size_t n)
{
    while (n > 1) {
        struct smp_cand t = h[0];
        h[0] = h[n - 1];
        h[n - 1] = t;
        heap_sift(h, --n, 0);
    }
}

/* Orderable unsigned key for a float: a < b  <=>  key(a) < key(b). -0 is
 * folded into +0 first so equal floats get equal keys (ties go by id). */
static inline uint32_t float_key(float f)
{
    f += 0.0f;
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

/* Digit d (0..4) of the 64-bit sort key (~key(logit) << 32 | id), 11 bits
 * each (ids are < 2^22): ascending key = best first. */
static inline uint32_t radix_digit(const struct smp_cand *c, int d)
{
    const uint64_t k = ((uint64_t)~float_key(c->logit) << 32) | (uint32_t)c->id;
    const int shift[5] = { 0, 11, 32, 43, 54 };
    return (uint32_t)(k >> shift[d]) & 0x7ffu;
}

/* Sort c[0..n) best first: LSD radix sort, 5 stable passes through buf
 * (n elements). O(n); used where a heap would need O(n log n). */
static void radix_sort(struct smp_cand *c, size_t n, struct smp_cand *buf)
{
    uint32_t hist[5][2048];
    memset(hist, 0, sizeof(hist));
    for (size_t i = 0; i < n; i++)
        for (int d = 0; d < 5; d++)
            hist[d][radix_digit(&c[i], d)]++;
    struct smp_cand *src = c, *dst = buf;
    for (int d = 0; d < 5; d++) {
        uint32_t sum = 0;
        bool trivial = false;
        for (int b = 0; b < 2048; b++) {
            const uint32_t h = hist[d][b];
            trivial |= h == n; /* every element in one bucket: pass is a no-op */
            hist[d][b] = sum;
            sum += h;
        }
        if (trivial)
            continue;
        for (size_t i = 0; i < n; i++)
            dst[hist[d][radix_digit(&src[i], d)]++] = src[i];
        struct smp_cand *t = src;
        src = dst;
        dst = t;
    }
    if (src != c)
        memcpy(c, src, n * sizeof(*c));
}

/* Permute c[0..n) so that c[0..k) are its k best elements, sorted best first;
 * the rest stay in c[k..n) in no particular order. k <= n. A heap for small
 * k (O(n log k)), a full radix sort through buf (n elements) for large k. */
static void cand_sort_prefix(struct smp_cand *c, size_t n, size_t k, struct smp_cand *buf)
{
    if (k == 0)
        return;
    if (k > 512) {
        radix_sort(c, n, buf);
        return;
    }
    for (size_t i = k / 2; i-- > 0;)
        heap_sift(c, k, i);
    for (size_t i = k; i < n; i++) {
        if (cand_better(&c[i], &c[0])) {
            struct smp_cand t = c[0];
            c[0] = c[i];
            c[i] = t;
            heap_sift(c, k, 0);
        }
    }
    heap_drain(c, k);
}

/* The k best of work[0..n) into out[0..k), best first, without building the
 * full candidate array: a k-element heap that most logits fail to enter.
 * Blocks of 16 are first tested against the heap's worst logit in one
 * vectorisable pass; only blocks with a candidate are walked one by one. */
static void select_top(const float *work, int32_t n, int32_t k, struct smp_cand *out)
{
    for (int32_t i = 0; i < k; i++)
        out[i] = (struct smp_cand){ work[i], i, 0.0f };
    for (size_t i = (size_t)k / 2; i-- > 0;)
        heap_sift(out, (size_t)k, i);
    int32_t i = k;
    for (; i + 16 <= n; i += 16) {
        const float thr = out[0].logit;
        int any = 0;
        for (int j = 0; j < 16; j++)
            any |= work[i + j] > thr;
        if (!any)
            continue;
        for (int32_t j = i; j < i + 16; j++) {
            /* ids only grow, so a tie with the root never wins: compare logits */
            if (work[j] > out[0].logit) {
                out[0] = (struct smp_cand){ work[j], j, 0.0f };
                heap_sift(out, (size_t)k, 0);
            }
        }
    }
    for (; i < n; i++) {
        if (work[i] > out[0].logit) {
            out[0] = (struct smp_cand){ work[i], i, 0.0f };
            heap_sift(out, (size_t)k, 0);
        }
    }
    heap_drain(out, (size_t)k);
}

/* ------------------------------------------------------------ filters */

/* p_i = exp(l_i - max) / sum over c[0..n); the sum in double. */
static void cand_softmax(struct smp_cand *c, size_t n)
{
    float max = c[0].logit;
    for (size_t i = 1; i < n; i++)
        max = c[i].logit > max ? c[i].logit : max;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        c[i].p = expf(c[i].logit - max);
        sum += c[i].p;
    }
    for (size_t i = 0; i < n; i++)
        c[i].p = (float)(c[i].p / sum);
}

/* Locally typical sampling (llama.cpp's typical): keep the tokens whose
 * surprise -log p is closest to the entropy until their mass exceeds p. The
 * result is in that order, not sorted by logit. */
static void filter_typical(struct smp *s, size_t *n, bool *sorted)
{
    struct smp_cand *c = s->cand, *t = s->tmp;
    const float tp = s->p.typical_p;
    if (tp >= 1.0f || *n <= 1)
        return;
    if (!*sorted)
        cand_sort_prefix(c, *n, *n, s->rad);
    cand_softmax(c, *n);
    double ent = 0.0;
    for (size_t i = 0; i < *n; i++)
        if (c[i].p > 0.0f) /* llama.cpp would add 0 * log 0 = NaN here */
            ent -= (double)c[i].p * log((double)c[i].p);
    /* order positions by |surprise - entropy| ascending, ties by position:
     * stored as logit = -score so cand_better's order is the one wanted */
    for (size_t i = 0; i < *n; i++) {
        float sc = c[i].p > 0.0f ? (float)fabs(-log((double)c[i].p) - ent) : INFINITY;
        t[i] = (struct smp_cand){ -sc, (int32_t)i, 0.0f };
    }
    cand_sort_prefix(t, *n, *n, s->rad);
    size_t last = *n;
    double cum = 0.0;
    for (size_t i = 0; i < *n; i++) {
        cum += c[t[i].id].p;
        if (cum > tp && (size_t)s->p.min_keep <= i + 1) {
            last = i + 1;
            break;
        }
    }
    for (size_t i = 0; i < last; i++)
        t[i] = c[t[i].id]; /* each slot reads only its own old index */
    memcpy(c, t, last * sizeof(*c));
    *n = last;
    *sorted = false;
}

/* Nucleus: the most likely tokens until their probability reaches p. Sorts
 * only the top 256 first when the set is large, like llama.cpp. */
static void filter_top_p(struct smp *s, size_t *n, bool *sorted)
{
    struct smp_cand *c = s->cand;
    const float tp = s->p.top_p;
    if (tp >= 1.0f || *n == 0)
        return;
    cand_softmax(c, *n);
    size_t have = *n; /* c[0..have) is sorted */
    if (!*sorted) {
        have = *n > 1024 ? 256 : *n;
        cand_sort_prefix(c, *n, have, s->rad);
    }
    size_t last = *n;
    double cum = 0.0;
    for (size_t i = 0; i < *n; i++) {
        if (i == have) { /* ran past the sorted prefix: sort the rest */
            cand_sort_prefix(c + have, *n - have, *n - have, s->rad);
            have = *n;
        }
        cum += c[i].p;
        if (cum >= tp && i + 1 >= (size_t)s->p.min_keep) {
            last = i + 1;
            break;
        }
    }
    *n = last;
    *sorted = true;
}

/* min_p: keep tokens with p >= min_p * p_max, i.e. logit >= max + log(min_p). */
static void filter_min_p(struct smp *s, size_t *n, bool *sorted)
{
    struct smp_cand *c = s->cand;
    const float mp = s->p.min_p;
    const size_t min_keep = (size_t)s->p.min_keep;
    if (mp <= 0.0f || *n == 0)
        return;
    if (!*sorted) {
        float max = c[0].logit;
        for (size_t i = 1; i < *n; i++)
            max = c[i].logit > max ? c[i].logit : max;
        const float thr = max + logf(mp);
        size_t kept = 0;
        for (size_t i = 0; i < *n; i++)
            kept += c[i].logit >= thr;
        if (kept > 0 && kept >= min_keep) { /* keep order, drop the rest */
            size_t j = 0;
            for (size_t i = 0; i < *n; i++)
                if (c[i].logit >= thr)
                    c[j++] = c[i];
            *n = j;
            return;
        }
        cand_sort_prefix(c, *n, *n, s->rad); /* min_keep needs the order */
        *sorted = true;
    }
    const float thr = c[0].logit + logf(mp);
    size_t i = 1;
    while (i < *n && !(c[i].logit < thr && i >= min_keep))
        i++;
    *n = i;
}

/* ------------------------------------------------------------ the chain */

/* work = logits + bias, with the repeat/frequency/presence penalties applied
 * to every token in the history window (each distinct token once). */
static void apply_bias_and_penalties(struct smp *s, const float *logits)
{
    float *w = s->work;
    const int32_t nv = s->n_vocab;
    for (int32_t i = 0; i < nv; i++)
        w[i] = sanitize(logits[i]);
    for (size_t j = 0; j < s->p.n_bias; j++) {
        const struct smp_bias *b = &s->bias[j];
        w[b->token] = sanitize(w[b->token] + b->bias);
    }
    const float rp = s->p.repeat_penalty, fp = s->p.frequency_penalty;
    const float pp = s->p.presence_penalty;
    if (s->hist_len == 0 || (rp == 1.0f && fp == 0.0f && pp == 0.0f))
        return;
    /* a visited token's count is negated so it is penalised once, then restored */
    for (int32_t j = 0; j < s->hist_len; j++) {
        const int32_t t = s->ring[(s->hist_head + j) % s->hist_cap];
        const int32_t cnt = s->count[t];
        if (cnt <= 0)
            continue;
        float l = w[t];
        l = l <= 0.0f ? l * rp : l / rp;
        l -= (float)cnt * fp + pp;
        w[t] = sanitize(l);
        s->count[t] = -cnt;
    }
    for (int32_t j = 0; j < s->hist_len; j++) {
        const int32_t t = s->ring[(s->hist_head + j) % s->hist_cap];
        if (s->count[t] < 0)
            s->count[t] = -s->count[t];
    }
}

/* Highest logit, ties to the lowest id; -1 when nothing is finite. Two
 * passes (a vectorised max, then the first index holding it) beat one
 * branchy pass that tracks the index. */
static int32_t argmax_work(const float *w, int32_t n)
{
    float lane[8] = { -INFINITY, -INFINITY, -INFINITY, -INFINITY,
                      -INFINITY, -INFINITY, -INFINITY, -INFINITY };
    int32_t i = 0;
    for (; i + 8 <= n; i += 8) /* 8 independent maxima: one vector op per step */
        for (int j = 0; j < 8; j++)
            lane[j] = w[i + j] > lane[j] ? w[i + j] : lane[j];
    float max = -INFINITY;
    for (; i < n; i++)
        max = w[i] > max ? w[i] : max;
    for (int j = 0; j < 8; j++)
        max = lane[j] > max ? lane[j] : max;
    if (!(max > -INFINITY))
        return -1;
    i = 0;
    while (w[i] != max)
        i++;
    return i;
}

static int32_t argmax_cand(const struct smp_cand *c, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (cand_better(&c[i], &c[best]))
            best = i;
    return c[best].logit > -INFINITY ? c[best].id : -1;
}

/* One draw from softmax(c[0..n)). Zero-probability tokens are never drawn. */
static int32_t draw(struct smp *s, size_t n)
{
    struct smp_cand *c = s->cand;
    float max = c[0].logit;
    for (size_t i = 1; i < n; i++)
        max = c[i].logit > max ? c[i].logit : max;
    if (!(max > -INFINITY))
        return -1;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        c[i].p = expf(c[i].logit - max);
        sum += c[i].p;
    }
    const double target = rng_unit(s->rng) * sum;
    double run = 0.0;
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i].p > 0.0f)
            last = i;
        run += c[i].p;
        if (run > target)
            return c[i].id;
    }
    return c[last].id; /* rounding left target at the very top */
}

int32_t smp_sample(struct smp *s, const float *logits)
{
    if (!s || !logits)
        return COLA_EINVAL;
    apply_bias_and_penalties(s, logits);
    const int32_t nv = s->n_vocab;
    const bool greedy = !(s->p.temperature > 0.0f);
    if (greedy && s->p.typical_p >= 1.0f) {
        /* top_k, top_p and min_p always keep the best token: skip them */
        const int32_t id = argmax_work(s->work, nv);
        return id >= 0 ? id : COLA_ERANGE;
    }
    size_t n;
    bool sorted;
    if (s->p.top_k > 0 && s->p.top_k <= 4096) {
        n = (size_t)(s->p.top_k < nv ? s->p.top_k : nv);
        select_top(s->work, nv, (int32_t)n, s->cand);
        sorted = true;
    } else {
        for (int32_t i = 0; i < nv; i++)
            s->cand[i] = (struct smp_cand){ s->work[i], i, 0.0f };
        n = (size_t)nv;
        sorted = false;
        if (s->p.top_k > 0) { /* a large k: one radix sort beats the heap */
            radix_sort(s->cand, n, s->rad);
            n = (size_t)s->p.top_k < n ? (size_t)s->p.top_k : n;
            sorted = true;
        }
    }
    filter_typical(s, &n, &sorted);
    filter_top_p(s, &n, &sorted);
    filter_min_p(s, &n, &sorted);
    int32_t id;
    if (greedy) {
        id = argmax_cand(s->cand, n);
    } else {
        /* shifted by the max first: the softmax is the same, and a tiny
         * temperature cannot overflow to inf - inf = NaN */
        const float temp = s->p.temperature;
        float max = s->cand[0].logit;
        for (size_t i = 1; i < n; i++)
            max = s->cand[i].logit > max ? s->cand[i].logit : max;
        if (!(max > -INFINITY))
            return COLA_ERANGE;
        for (size_t i = 0; i < n; i++)
            s->cand[i].logit = (s->cand[i].logit - max) / temp;
        id = draw(s, n);
    }
    return id >= 0 ? id : COLA_ERANGE;
}

/* ------------------------------------------------------------ lifecycle */

void smp_params_default(struct smp_params *p)
{
    *p = (struct smp_params){
        .temperature = 0.8f,
        .top_k = 40,
        .top_p = 0.9f,
        .min_p = 0.0f,
        .typical_p = 1.0f,
        .repeat_last_n = 64,
        .repeat_penalty = 1.0f,
        .presence_penalty = 0.0f,
        .frequency_penalty = 0.0f,
        .seed = -1,
        .min_keep = 0,
        .bias = NULL,
        .n_bias = 0,
    };
}

static int check_params(int32_t n_vocab, int32_t n_ctx, const struct smp_params *p,
                        int32_t *hist_cap, struct cola_err *err)
{
    if (n_vocab < 1 || n_vocab > SMP_MAX_VOCAB)
        return err_set(err, COLA_ERANGE, "sampler: vocabulary size %d outside 1..%d",
                       (int)n_vocab, SMP_MAX_VOCAB);
    const float f[] = { p->temperature, p->top_p, p->min_p, p->typical_p,
                        p->repeat_penalty, p->presence_penalty, p->frequency_penalty };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (!isfinite(f[i]))
            return err_set(err, COLA_EINVAL, "sampler: sampling options must be finite");
    if (p->repeat_last_n < -1)
        return err_set(err, COLA_EINVAL, "repeat_last_n must be >= -1");
    if (p->min_keep < 0)
        return err_set(err, COLA_EINVAL, "sampler: min_keep must be >= 0");
    int32_t cap = p->repeat_last_n == -1 ? n_ctx : p->repeat_last_n;
    if (p->repeat_last_n == -1 && n_ctx < 1)
        return err_set(err, COLA_EINVAL, "sampler: repeat_last_n -1 needs a context length");
    if (cap > SMP_MAX_HISTORY)
        return err_set(err, COLA_ERANGE, "sampler: penalty history of %d tokens exceeds %d",
                       (int)cap, SMP_MAX_HISTORY);
    if (p->n_bias > 0 && !p->bias)
        return err_set(err, COLA_EINVAL, "sampler: logit-bias count without a list");
    if (p->n_bias > SMP_MAX_BIAS)
        return err_set(err, COLA_ERANGE, "sampler: %zu logit-bias entries (limit %d)",
                       p->n_bias, SMP_MAX_BIAS);
    for (size_t i = 0; i < p->n_bias; i++) {
        if (p->bias[i].token < 0 || p->bias[i].token >= n_vocab)
            return err_set(err, COLA_EINVAL, "sampler: logit-bias token %d outside the vocabulary",
                           (int)p->bias[i].token);
        if (isnan(p->bias[i].bias))
            return err_set(err, COLA_EINVAL, "sampler: logit bias for token %d is NaN",
                           (int)p->bias[i].token);
    }
    *hist_cap = cap;
    return 0;
}

int smp_init(struct smp **out, int32_t n_vocab, int32_t n_ctx,
             const struct smp_params *p, struct cola_err *err)
{
    if (!out || !p)
        return err_set(err, COLA_EINVAL, "sampler: NULL argument");
    *out = NULL;
    int32_t cap = 0;
    int rc = check_params(n_vocab, n_ctx, p, &cap, err);
    if (rc)
        return rc;
    struct smp *s = calloc(1, sizeof(*s));
    if (!s)
        return err_set(err, COLA_ENOMEM, "sampler: out of memory");
    s->n_vocab = n_vocab;
    s->p = *p;
    s->hist_cap = cap;
    const size_t nv = (size_t)n_vocab;
    s->work = malloc(nv * sizeof(*s->work));
    s->cand = malloc(nv * sizeof(*s->cand));
    s->tmp = malloc(nv * sizeof(*s->tmp));
    s->rad = malloc(nv * sizeof(*s->rad));
    s->count = calloc(nv, sizeof(*s->count));
    s->ring = malloc((cap > 0 ? (size_t)cap : 1) * sizeof(*s->ring));
    s->bias = malloc((p->n_bias > 0 ? p->n_bias : 1) * sizeof(*s->bias));
    if (!s->work || !s->cand || !s->tmp || !s->rad || !s->count || !s->ring || !s->bias) {
        rc = err_set(err, COLA_ENOMEM, "sampler: out of memory for a %d-token vocabulary",
                     (int)n_vocab);
        goto out;
    }
    if (p->n_bias > 0)
        memcpy(s->bias, p->bias, p->n_bias * sizeof(*s->bias));
    s->p.bias = s->bias;
    rng_seed(s);
    *out = s;
    s = NULL;
out:
    smp_free(s);
    return rc;
}

void smp_free(struct smp *s)
{
    if (!s)
        return;
    free(s->work);
    free(s->cand);
    free(s->tmp);
    free(s->rad);
    free(s->count);
    free(s->ring);
    free(s->bias);
    free(s);
}

int smp_accept(struct smp *s, int32_t id)
{
    if (!s || id < 0 || id >= s->n_vocab)
        return COLA_EINVAL;
    if (s->hist_cap == 0)
        return 0; /* repeat_last_n 0: no history kept */
    if (s->hist_len == s->hist_cap) {
        s->count[s->ring[s->hist_head]]--;
        s->ring[s->hist_head] = id;
        s->hist_head = (s->hist_head + 1) % s->hist_cap;
    } else {
        s->ring[(s->hist_head + s->hist_len) % s->hist_cap] = id;
        s->hist_len++;
    }
    s->count[id]++;
    return 0;
}

void smp_reset(struct smp *s)
{
    if (!s)
        return;
    for (int32_t j = 0; j < s->hist_len; j++)
        s->count[s->ring[(s->hist_head + j) % s->hist_cap]] = 0;
    s->hist_len = 0;
    s->hist_head = 0;
    rng_seed(s);
}

uint64_t smp_seed(const struct smp *s)
{
    return s ? s->seed : 0;
}

/* ------------------------------------------------------------ logprobs */

static inline bool id_better(const float *x, int32_t a, int32_t b)
{
    const float la = sanitize(x[a]), lb = sanitize(x[b]);
    return la > lb || (la == lb && a < b);
}

static void id_sift(const float *x, int32_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t w = i, l = 2 * i + 1, r = l + 1;
        if (l < n && id_better(x, h[w], h[l]))
            w = l;
        if (r < n && id_better(x, h[w], h[r]))
            w = r;
        if (w == i)
            return;
        int32_t t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

int smp_softmax_top(const float *logits, int32_t n_vocab, int32_t k,
                    int32_t *ids_out, float *logprobs_out)
{
    if (!logits || n_vocab < 1 || n_vocab > SMP_MAX_VOCAB || k < 0 || (k > 0 && !ids_out))
        return COLA_EINVAL;
    float max = -INFINITY;
    for (int32_t i = 0; i < n_vocab; i++) {
        const float v = sanitize(logits[i]);
        max = v > max ? v : max;
    }
    if (!(max > -INFINITY))
        return COLA_ERANGE;
    double sum = 0.0;
    for (int32_t i = 0; i < n_vocab; i++)
        sum += expf(sanitize(logits[i]) - max);
    const double lse = (double)max + log(sum);
    const size_t n = (size_t)(k < n_vocab ? k : n_vocab);
    if (n == 0)
        return 0;
    /* worst-at-root heap of ids; a later id never beats an equal logit */
    for (size_t i = 0; i < n; i++)
        ids_out[i] = (int32_t)i;
    for (size_t i = n / 2; i-- > 0;)
        id_sift(logits, ids_out, n, i);
    for (int32_t i = (int32_t)n; i < n_vocab; i++) {
        if (sanitize(logits[i]) > sanitize(logits[ids_out[0]])) {
            ids_out[0] = i;
            id_sift(logits, ids_out, n, 0);
        }
    }
    for (size_t m = n; m > 1;) {
        int32_t t = ids_out[0];
        ids_out[0] = ids_out[m - 1];
        ids_out[m - 1] = t;
        id_sift(logits, ids_out, --m, 0);
    }
    if (logprobs_out)
        for (size_t i = 0; i < n; i++)
            logprobs_out[i] = (float)((double)sanitize(logits[ids_out[i]]) - lse);
    return (int)n;
}
