#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

uint32_t strmap_hash(const char *key, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 16777619u;
    }
    return h;
}

int strmap_init(struct strmap *m, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    m->slots = calloc(cap, sizeof(*m->slots));
    if (!m->slots) {
        m->cap = m->count = 0;
        return COLA_ENOMEM;
    }
    m->cap = cap;
    m->count = 0;
    return 0;
}

void strmap_free(struct strmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}

static struct strmap_slot *find_slot(const struct strmap *m, const char *key, size_t len,
                                     uint32_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct strmap_slot *s = &m->slots[i];
        if (!s->key)
            return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s;
    }
}

static int grow(struct strmap *m)
{
    struct strmap old = *m;
    size_t cap = old.cap ? old.cap * 2 : 16;
    m->slots = calloc(cap, sizeof(*m->slots));
    if (!m->slots) {
        *m = old;
        return COLA_ENOMEM;
    }
    m->cap = cap;
    m->count = 0;
    for (size_t i = 0; i < old.cap; i++) {
        struct strmap_slot *s = &old.slots[i];
        if (s->key) {
            *find_slot(m, s->key, s->len, s->hash) = *s;
            m->count++;
        }
    }
    free(old.slots);
    return 0;
}

static int put(struct strmap *m, const char *key, size_t len, int32_t val, int overwrite)
{
    if (len > UINT32_MAX)
        return COLA_ERANGE;
    if ((m->count + 1) * 2 > m->cap) {
        int rc = grow(m);
        if (rc)
            return rc;
    }
    uint32_t h = strmap_hash(key, len);
    struct strmap_slot *s = find_slot(m, key, len, h);
    if (s->key) {
        if (overwrite)
            s->val = val;
        return 0;
    }
    s->key = key;
    s->len = (uint32_t)len;
    s->hash = h;
    s->val = val;
    m->count++;
    return 1;
}

int strmap_put(struct strmap *m, const char *key, size_t len, int32_t val)
{
    int rc = put(m, key, len, val, 1);
    return rc < 0 ? rc : 0;
}

int strmap_put_new(struct strmap *m, const char *key, size_t len, int32_t val)
{
    return put(m, key, len, val, 0);
}

int32_t strmap_get(const struct strmap *m, const char *key, size_t len, int32_t def)
{
    if (!m->cap)
        return def;
    const struct strmap_slot *s = find_slot(m, key, len, strmap_hash(key, len));
    return s->key ? s->val : def;
}
