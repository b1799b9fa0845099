/* Thread pool: every thread runs, barriers order phases, repeated runs, sleep/wake. */
#include "testutil.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/pool.h"

struct phase_arg {
    struct pool *p;
    int n_phases;
    int *slots;           /* (n_phases, nth): each thread writes its own slot per phase */
    atomic_int errors;
    atomic_int calls;
};

/* Phase k: thread ith writes slot[k][ith] = k+1, then after the barrier checks
 * that every thread's slot for phase k was written (the barrier worked). */
static void phase_fn(void *varg, int ith, int nth)
{
    struct phase_arg *a = varg;
    atomic_fetch_add(&a->calls, 1);
    for (int k = 0; k < a->n_phases; k++) {
        a->slots[k * nth + ith] = k + 1;
        pool_barrier(a->p);
        for (int j = 0; j < nth; j++)
            if (a->slots[k * nth + j] != k + 1)
                atomic_fetch_add(&a->errors, 1);
        pool_barrier(a->p);
    }
}

static void run_phases(int n_threads, int n_runs, int sleep_us)
{
    struct pool *p;
    assert_int_equal(pool_new(n_threads, &p), 0);
    assert_int_equal(pool_size(p), n_threads);
    struct phase_arg a = {.p = p, .n_phases = 50};
    a.slots = calloc((size_t)(a.n_phases * n_threads), sizeof(int));
    atomic_init(&a.errors, 0);
    atomic_init(&a.calls, 0);
    for (int r = 0; r < n_runs; r++) {
        memset(a.slots, 0, (size_t)(a.n_phases * n_threads) * sizeof(int));
        pool_run(p, phase_fn, &a);
        if (sleep_us)
            usleep((useconds_t)sleep_us);
    }
    assert_int_equal(atomic_load(&a.errors), 0);
    assert_int_equal(atomic_load(&a.calls), n_runs * n_threads);
    free(a.slots);
    pool_free(p);
}

static void test_pool_single_thread(void **state)
{
    (void)state;
    run_phases(1, 3, 0);
}

static void test_pool_many_runs(void **state)
{
    (void)state;
    run_phases(2, 2000, 0);
    run_phases(4, 300, 0); /* more threads than cores: must still be correct */
}

static void test_pool_wake_after_sleep(void **state)
{
    (void)state;
    /* long gaps between runs make workers fall asleep on the condvar */
    run_phases(3, 4, 300000);
}

struct sum_arg {
    const int *v;
    int n;
    long long partial[64];
};

static void sum_fn(void *varg, int ith, int nth)
{
    struct sum_arg *a = varg;
    int lo = a->n * ith / nth, hi = a->n * (ith + 1) / nth;
    long long s = 0;
    for (int i = lo; i < hi; i++)
        s += a->v[i];
    a->partial[ith] = s;
}

static void test_pool_split_sum(void **state)
{
    (void)state;
    enum { N = 100003 };
    int *v = malloc(N * sizeof(int));
    long long want = 0;
    for (int i = 0; i < N; i++) {
        v[i] = (i * 7919) % 1000 - 500;
        want += v[i];
    }
    for (int nt = 1; nt <= 5; nt++) {
        struct pool *p;
        assert_int_equal(pool_new(nt, &p), 0);
        struct sum_arg a = {.v = v, .n = N};
        pool_run(p, sum_fn, &a);
        long long got = 0;
        for (int i = 0; i < nt; i++)
            got += a.partial[i];
        assert_int_equal(got, want);
        pool_free(p);
    }
    free(v);
}

static void test_pool_bad_args(void **state)
{
    (void)state;
    struct pool *p = (struct pool *)1;
    assert_int_not_equal(pool_new(0, &p), 0);
    assert_null(p);
    assert_true(pool_physical_cores() >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_single_thread),
        cmocka_unit_test(test_pool_many_runs),
        cmocka_unit_test(test_pool_wake_after_sleep),
        cmocka_unit_test(test_pool_split_sum),
        cmocka_unit_test(test_pool_bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
