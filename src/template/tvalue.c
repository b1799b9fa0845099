/* tvalue.c — template values: arena, builders, truthiness (see tvalue.h).
 * Printing and JSON are in tvalue_fmt.c. */
#include "template/tvalue.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- arena */

struct tv_chunk {
    struct tv_chunk *next;
    size_t cap, used;
    _Alignas(max_align_t) unsigned char data[];
};

#define TV_CHUNK_MIN 4096
#define TV_ALIGN _Alignof(max_align_t)

void tv_arena_init(struct tv_arena *a, size_t max)
{
    a->head = NULL;
    a->used = 0;
    a->max = max;
}

void tv_arena_free(struct tv_arena *a)
{
    struct tv_chunk *c = a->head;
    while (c) {
        struct tv_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
    a->used = 0;
}

void *tv_alloc(struct tv_arena *a, size_t n)
{
    size_t need = (n + TV_ALIGN - 1) / TV_ALIGN * TV_ALIGN;
    if (need < n || need > a->max || a->used > a->max - need)
        return NULL;
    struct tv_chunk *c = a->head;
    if (!c || c->cap - c->used < need) {
        size_t cap = need > TV_CHUNK_MIN ? need : TV_CHUNK_MIN;
        if (a->head && a->head->cap * 2 > cap && a->head->cap < (1u << 20))
            cap = a->head->cap * 2;
        c = malloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used += need;
    memset(p, 0, n);
    return p;
}

char *tv_strndup(struct tv_arena *a, const char *s, size_t n)
{
    if (n == (size_t)-1)
        return NULL;
    char *p = tv_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* ---------------------------------------------------------------- building */

static struct tv *tv_new(struct tv_arena *a, enum tv_kind k)
{
    struct tv *v = tv_alloc(a, sizeof(*v));
    if (v)
        v->kind = (uint8_t)k;
    return v;
}

struct tv *tv_nil(struct tv_arena *a) { return tv_new(a, TV_NIL); }

struct tv *tv_bool(struct tv_arena *a, bool b)
{
    struct tv *v = tv_new(a, TV_BOOL);
    if (v)
        v->u.b = b;
    return v;
}

struct tv *tv_int(struct tv_arena *a, int64_t i)
{
    struct tv *v = tv_new(a, TV_INT);
    if (v)
        v->u.i = i;
    return v;
}

struct tv *tv_float(struct tv_arena *a, double f)
{
    struct tv *v = tv_new(a, TV_FLOAT);
    if (v)
        v->u.f = f;
    return v;
}

static struct tv *tv_strlike(struct tv_arena *a, enum tv_kind k, const void *s, size_t len)
{
    struct tv *v = tv_new(a, k);
    if (!v)
        return NULL;
    char *p = tv_strndup(a, s, len);
    if (!p)
        return NULL;
    v->u.s.p = p;
    v->u.s.len = len;
    return v;
}

struct tv *tv_str(struct tv_arena *a, const char *s, size_t len)
{
    return tv_strlike(a, TV_STRING, s, len);
}

struct tv *tv_cstr(struct tv_arena *a, const char *s) { return tv_str(a, s, strlen(s)); }

struct tv *tv_bytes(struct tv_arena *a, const void *p, size_t len)
{
    return tv_strlike(a, TV_BYTES, p, len);
}

struct tv *tv_list(struct tv_arena *a) { return tv_new(a, TV_LIST); }
struct tv *tv_map(struct tv_arena *a) { return tv_new(a, TV_MAP); }

struct tv *tv_struct(struct tv_arena *a, const char *type_name)
{
    struct tv *v = tv_new(a, TV_STRUCT);
    if (!v)
        return NULL;
    v->u.map.type_name = tv_strndup(a, type_name, strlen(type_name));
    return v->u.map.type_name ? v : NULL;
}

/* Grow an array of elem-sized items held in an arena (old storage stays in
 * the arena until it is freed: lists are built once, so this is bounded by
 * twice the final size). */
static int grow(struct tv_arena *a, void **items, size_t *cap, size_t len, size_t elem)
{
    if (len < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 4;
    if (ncap > ((size_t)-1) / elem)
        return COLA_ENOMEM;
    void *p = tv_alloc(a, ncap * elem);
    if (!p)
        return COLA_ENOMEM;
    if (len)
        memcpy(p, *items, len * elem);
    *items = p;
    *cap = ncap;
    return 0;
}

int tv_list_push(struct tv_arena *a, struct tv *list, struct tv *v)
{
    if (!list || !v || list->kind != TV_LIST)
        return COLA_EINVAL;
    void *items = list->u.list.items;
    if (grow(a, &items, &list->u.list.cap, list->u.list.len, sizeof(struct tv *)))
        return COLA_ENOMEM;
    list->u.list.items = items;
    list->u.list.items[list->u.list.len++] = v;
    list->flags &= (uint8_t)~TV_F_TYPED;
    return 0;
}

static int ent_add(struct tv_arena *a, struct tv *m, const char *key, size_t key_len,
                   const char *json, bool omitempty, struct tv *v)
{
    void *ents = m->u.map.ents;
    if (grow(a, &ents, &m->u.map.cap, m->u.map.len, sizeof(struct tv_entry)))
        return COLA_ENOMEM;
    m->u.map.ents = ents;
    struct tv_entry *e = &m->u.map.ents[m->u.map.len];
    e->key = tv_strndup(a, key, key_len);
    e->json = json ? tv_strndup(a, json, strlen(json)) : NULL;
    if (!e->key || (json && !e->json))
        return COLA_ENOMEM;
    e->key_len = key_len;
    e->omitempty = omitempty;
    e->val = v;
    m->u.map.len++;
    m->flags &= (uint8_t)~TV_F_TYPED;
    return 0;
}

int tv_map_set(struct tv_arena *a, struct tv *map, const char *key, size_t key_len,
               struct tv *v)
{
    if (!map || !v || map->kind != TV_MAP)
        return COLA_EINVAL;
    for (size_t i = 0; i < map->u.map.len; i++) {
        struct tv_entry *e = &map->u.map.ents[i];
        if (e->key_len == key_len && memcmp(e->key, key, key_len) == 0) {
            e->val = v;
            return 0;
        }
    }
    return ent_add(a, map, key, key_len, NULL, false, v);
}

int tv_struct_add(struct tv_arena *a, struct tv *st, const char *name, const char *json,
                  bool omitempty, struct tv *v)
{
    if (!st || !v || st->kind != TV_STRUCT)
        return COLA_EINVAL;
    return ent_add(a, st, name, strlen(name), json, omitempty, v);
}

static struct tv *from_json(struct tv_arena *a, const json_t *j, int depth)
{
    if (depth > TV_MAX_DEPTH)
        return NULL;
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        struct tv *m = tv_map(a);
        const char *k;
        json_t *x;
        if (!m)
            return NULL;
        json_object_foreach((json_t *)j, k, x) {
            struct tv *e = from_json(a, x, depth + 1);
            if (!e || tv_map_set(a, m, k, strlen(k), e))
                return NULL;
        }
        return m;
    }
    case JSON_ARRAY: {
        struct tv *l = tv_list(a);
        if (!l)
            return NULL;
        for (size_t i = 0; i < json_array_size(j); i++) {
            struct tv *e = from_json(a, json_array_get(j, i), depth + 1);
            if (!e || tv_list_push(a, l, e))
                return NULL;
        }
        return l;
    }
    case JSON_STRING:
        return tv_str(a, json_string_value(j), json_string_length(j));
    case JSON_INTEGER:
        return tv_float(a, (double)json_integer_value(j));
    case JSON_REAL:
        return tv_float(a, json_real_value(j));
    case JSON_TRUE:
        return tv_bool(a, true);
    case JSON_FALSE:
        return tv_bool(a, false);
    default:
        return tv_nil(a);
    }
}

struct tv *tv_from_json(struct tv_arena *a, const json_t *j)
{
    return j ? from_json(a, j, 0) : NULL;
}

/* ---------------------------------------------------------------- reading */

struct tv *tv_get(const struct tv *v, const char *key, size_t key_len)
{
    if (!v || (v->kind != TV_MAP && v->kind != TV_STRUCT))
        return NULL;
    for (size_t i = 0; i < v->u.map.len; i++) {
        const struct tv_entry *e = &v->u.map.ents[i];
        if (e->key_len == key_len && memcmp(e->key, key, key_len) == 0)
            return e->val;
    }
    return NULL;
}

bool tv_truth(const struct tv *v)
{
    if (!v)
        return false;
    switch (v->kind) {
    case TV_BOOL:
        return v->u.b;
    case TV_INT:
        return v->u.i != 0;
    case TV_FLOAT:
        return v->u.f != 0;
    case TV_STRING:
    case TV_BYTES:
        return v->u.s.len > 0;
    case TV_LIST:
        return v->u.list.len > 0;
    case TV_MAP:
        return v->u.map.len > 0;
    case TV_STRUCT:
        return true;
    default:
        return false;
    }
}

int64_t tv_len(const struct tv *v)
{
    if (!v)
        return -1;
    switch (v->kind) {
    case TV_STRING:
    case TV_BYTES:
        return (int64_t)v->u.s.len;
    case TV_LIST:
        return (int64_t)v->u.list.len;
    case TV_MAP:
        return (int64_t)v->u.map.len;
    default:
        return -1;
    }
}

static int key_cmp(const struct tv_entry *a, const struct tv_entry *b)
{
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = n ? memcmp(a->key, b->key, n) : 0;
    if (c)
        return c;
    return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

/* Bottom-up merge sort of entry indices (qsort takes no context in C11 and
 * a global would not be thread-safe). */
size_t *tv_map_sorted(const struct tv *v)
{
    size_t n = v->u.map.len;
    if (!n)
        return NULL;
    size_t *idx = malloc(2 * n * sizeof(*idx));
    if (!idx)
        return NULL;
    size_t *src = idx, *dst = idx + n;
    const struct tv_entry *e = v->u.map.ents;
    for (size_t i = 0; i < n; i++)
        src[i] = i;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = key_cmp(&e[src[j]], &e[src[i]]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        size_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != idx)
        memcpy(idx, src, n * sizeof(*idx));
    return idx;
}

const char *tv_type_name(const struct tv *v)
{
    if (!v)
        return "<nil>";
    switch (v->kind) {
    case TV_NIL:
        return v->flags & TV_F_TYPED ? "*struct" : "<nil>";
    case TV_BOOL:
        return "bool";
    case TV_INT:
        return "int";
    case TV_FLOAT:
        return "float64";
    case TV_STRING:
        return "string";
    case TV_BYTES:
        return "[]uint8";
    case TV_LIST:
        return v->fmt == TV_FMT_PROPTYPE ? "api.PropertyType" : "[]interface {}";
    case TV_MAP:
        return "map[string]interface {}";
    case TV_STRUCT:
        return v->u.map.type_name;
    }
    return "?";
}
