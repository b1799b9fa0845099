/* pool.h — a persistent compute thread pool with barriers (ggml's threadpool idea).
 *
 * pool_run(p, fn, arg) runs fn(arg, ith, nth) on every thread of the pool at
 * once — the calling thread is ith 0, the workers 1..nth-1 — and returns when
 * all have returned. Inside fn, pool_barrier() synchronises all nth threads,
 * so one pool_run can execute a whole forward pass: every thread walks the
 * same sequence of operations, each doing its share (rows split by ith/nth),
 * with a barrier between dependent operations.
 *
 * Workers spin briefly between runs (decode calls pool_run once per token and
 * a sleeping worker costs tens of microseconds to wake), then sleep on a
 * condition variable. Barriers spin with a pause instruction, then yield.
 *
 * Thread safety: one pool_run at a time per pool (the caller serialises);
 * pool_barrier only from inside fn, by all threads. pool_free() must not race
 * a pool_run.
 */
#ifndef COLA_ENGINE_POOL_H
#define COLA_ENGINE_POOL_H

struct pool;

typedef void (*pool_fn)(void *arg, int ith, int nth);

/* A pool of n_threads threads in all (the caller counts as one; n_threads >= 1).
 * Returns 0, COLA_EINVAL or COLA_ENOMEM / COLA_EIO (thread creation failed). */
int pool_new(int n_threads, struct pool **out);
void pool_free(struct pool *p);
int pool_size(const struct pool *p);

void pool_run(struct pool *p, pool_fn fn, void *arg);
void pool_barrier(struct pool *p);

/* Number of physical cores (distinct core ids in /proc/cpuinfo or sysfs), at
 * least 1; the default for num_thread. */
int pool_physical_cores(void);

#endif
