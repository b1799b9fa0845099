/* strmap.h — a string → int32 hash map (open addressing, linear probing).
 *
 * Keys are byte strings (ptr, len) that may contain NULs. The map BORROWS the
 * key bytes: the caller keeps them alive and unchanged for the map's life
 * (typically they live in a vocabulary's own storage). Lookups do not
 * allocate. Not thread-safe for writers; concurrent readers are fine once
 * building is done.
 */
#ifndef COLA_UTIL_STRMAP_H
#define COLA_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
    const char *key; /* NULL = empty */
    uint32_t len;
    uint32_t hash;
    int32_t val;
};

struct strmap {
    struct strmap_slot *slots;
    size_t cap;   /* power of two */
    size_t count;
};

/* Size the map for about n keys. 0 or COLA_ENOMEM. */
int strmap_init(struct strmap *m, size_t n);
void strmap_free(struct strmap *m);
/* Insert or overwrite. 0 or COLA_ENOMEM (the map grows as needed). */
int strmap_put(struct strmap *m, const char *key, size_t len, int32_t val);
/* Insert only if absent; returns 1 if inserted, 0 if the key was present
 * (value unchanged), COLA_ENOMEM on failure. */
int strmap_put_new(struct strmap *m, const char *key, size_t len, int32_t val);
/* Value of key, or def if absent. */
int32_t strmap_get(const struct strmap *m, const char *key, size_t len, int32_t def);
/* FNV-1a 32-bit hash of the bytes. */
uint32_t strmap_hash(const char *key, size_t len);

#endif
