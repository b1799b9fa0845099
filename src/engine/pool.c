#include "engine/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield")
#else
#define cpu_relax() ((void)0)
#endif

/* How long a waiting thread spins before yielding / sleeping. */
#define SPIN_BEFORE_YIELD 256
#define SPIN_BEFORE_SLEEP 200000

struct pool {
    int n;
    pthread_t *threads;

    /* run dispatch: workers wait for gen to change */
    alignas(64) atomic_uint gen;
    pool_fn fn;
    void *arg;
    alignas(64) atomic_int n_done;  /* workers finished with the current run */
    atomic_int stop;

    /* sleeping */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_int n_sleeping;

    /* barrier: count arrivals; the last one flips the phase */
    alignas(64) atomic_int bar_count;
    alignas(64) atomic_uint bar_phase;
};

struct worker_arg {
    struct pool *p;
    int ith;
};

static void wait_for_run(struct pool *p, unsigned seen)
{
    for (int i = 0; i < SPIN_BEFORE_SLEEP; i++) {
        if (atomic_load_explicit(&p->gen, memory_order_acquire) != seen)
            return;
        if (i < SPIN_BEFORE_YIELD)
            cpu_relax();
        else
            sched_yield();
    }
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->n_sleeping, 1);
    while (atomic_load_explicit(&p->gen, memory_order_acquire) == seen)
        pthread_cond_wait(&p->cv, &p->mu);
    atomic_fetch_sub(&p->n_sleeping, 1);
    pthread_mutex_unlock(&p->mu);
}

static void *worker_main(void *varg)
{
    struct worker_arg *wa = varg;
    struct pool *p = wa->p;
    int ith = wa->ith;
    free(wa);
    unsigned seen = 0;
    for (;;) {
        wait_for_run(p, seen);
        seen = atomic_load_explicit(&p->gen, memory_order_acquire);
        if (atomic_load(&p->stop))
            break;
        p->fn(p->arg, ith, p->n);
        atomic_fetch_add_explicit(&p->n_done, 1, memory_order_acq_rel);
    }
    return NULL;
}

int pool_new(int n_threads, struct pool **out)
{
    *out = NULL;
    if (n_threads < 1 || n_threads > 1024)
        return COLA_EINVAL;
    struct pool *p = aligned_alloc(64, (sizeof(*p) + 63) / 64 * 64);
    if (!p)
        return COLA_ENOMEM;
    memset(p, 0, sizeof(*p));
    p->n = n_threads;
    atomic_init(&p->gen, 0);
    atomic_init(&p->n_done, 0);
    atomic_init(&p->stop, 0);
    atomic_init(&p->n_sleeping, 0);
    atomic_init(&p->bar_count, 0);
    atomic_init(&p->bar_phase, 0);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->threads = calloc((size_t)n_threads, sizeof(*p->threads));
    if (!p->threads) {
        pool_free(p);
        return COLA_ENOMEM;
    }
    for (int i = 1; i < n_threads; i++) {
        struct worker_arg *wa = malloc(sizeof(*wa));
        if (!wa) {
            p->n = i; /* only join what was started */
            pool_free(p);
            return COLA_ENOMEM;
        }
        wa->p = p;
        wa->ith = i;
        if (pthread_create(&p->threads[i], NULL, worker_main, wa) != 0) {
            free(wa);
            p->n = i;
            pool_free(p);
            return COLA_EIO;
        }
    }
    *out = p;
    return 0;
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    if (p->threads) {
        atomic_store(&p->stop, 1);
        pthread_mutex_lock(&p->mu);
        atomic_fetch_add_explicit(&p->gen, 1, memory_order_acq_rel);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        for (int i = 1; i < p->n; i++)
            pthread_join(p->threads[i], NULL);
        free(p->threads);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int pool_size(const struct pool *p) { return p->n; }

void pool_run(struct pool *p, pool_fn fn, void *arg)
{
    if (p->n == 1) {
        fn(arg, 0, 1);
        return;
    }
    p->fn = fn;
    p->arg = arg;
    atomic_store_explicit(&p->n_done, 0, memory_order_relaxed);
    /* Publishing under the mutex closes the window where a worker has just
     * checked gen and is about to sleep. */
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_acq_rel);
    if (atomic_load(&p->n_sleeping) > 0)
        pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    fn(arg, 0, p->n);
    int spins = 0;
    while (atomic_load_explicit(&p->n_done, memory_order_acquire) != p->n - 1) {
        if (++spins < SPIN_BEFORE_YIELD)
            cpu_relax();
        else
            sched_yield();
    }
}

void pool_barrier(struct pool *p)
{
    if (p->n == 1)
        return;
    unsigned phase = atomic_load_explicit(&p->bar_phase, memory_order_acquire);
    if (atomic_fetch_add_explicit(&p->bar_count, 1, memory_order_acq_rel) == p->n - 1) {
        atomic_store_explicit(&p->bar_count, 0, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->bar_phase, 1, memory_order_acq_rel);
        return;
    }
    int spins = 0;
    while (atomic_load_explicit(&p->bar_phase, memory_order_acquire) == phase) {
        if (++spins < SPIN_BEFORE_YIELD)
            cpu_relax();
        else
            sched_yield();
    }
}

static int count_cores_sysfs(void)
{
    /* distinct (package, core) pairs among the online CPUs */
    enum { MAX_CPUS = 1024 };
    int seen[MAX_CPUS][2];
    int n_seen = 0;
    long n_cpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (n_cpu <= 0 || n_cpu > MAX_CPUS)
        return 0;
    for (long cpu = 0; cpu < n_cpu; cpu++) {
        char path[128];
        int ids[2] = {0, 0};
        const char *names[2] = {"physical_package_id", "core_id"};
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%ld/topology/%s", cpu, names[k]);
            FILE *f = fopen(path, "r");
            if (!f)
                return 0;
            if (fscanf(f, "%d", &ids[k]) != 1) {
                fclose(f);
                return 0;
            }
            fclose(f);
        }
        int dup = 0;
        for (int i = 0; i < n_seen; i++)
            if (seen[i][0] == ids[0] && seen[i][1] == ids[1])
                dup = 1;
        if (!dup) {
            seen[n_seen][0] = ids[0];
            seen[n_seen][1] = ids[1];
            n_seen++;
        }
    }
    return n_seen;
}

int pool_physical_cores(void)
{
    int n = count_cores_sysfs();
    if (n <= 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int)c : 1;
    }
    /* never more than the CPUs this process may run on */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        int allowed = CPU_COUNT(&set);
        if (allowed > 0 && allowed < n)
            n = allowed;
    }
    return n;
}
