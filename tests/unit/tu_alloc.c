/* tu_alloc.c — allocation counting for tests that check "no allocation in
 * this loop". A test executable that calls tu_alloc_* links this object,
 * which interposes malloc/calloc/realloc/free and forwards them to glibc.
 * Sanitizer builds own the allocator: there the interposers are left out and
 * tu_alloc_counting() is false (callers skip the check and say so). */
#include "testutil.h"

#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define TU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TU_ASAN 1
#endif
#endif

static volatile int g_armed;
static volatile long g_allocs;

#ifndef TU_ASAN
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

void *malloc(size_t n)
{
    if (g_armed)
        g_allocs++;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    if (g_armed)
        g_allocs++;
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    if (g_armed)
        g_allocs++;
    return __libc_realloc(p, n);
}

void free(void *p) { __libc_free(p); }
#endif

bool tu_alloc_counting(void)
{
#ifdef TU_ASAN
    return false;
#else
    return true;
#endif
}

void tu_alloc_arm(void)
{
    g_allocs = 0;
    g_armed = 1;
}

long tu_alloc_disarm(void)
{
    g_armed = 0;
    return g_allocs;
}
