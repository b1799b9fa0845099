/* tvalue.h — the values a Go text/template sees (see gotmpl.h).
 *
 * Ollama hands its templates Go values: a map[string]any root, strings,
 * bools, ints, float64s from decoded JSON, slices, maps and structs
 * (templateMessage, templateTool, ...). This module models just enough of
 * them to reproduce what text/template does with them:
 *
 *   TV_NIL     a nil interface (a missing map key under missingkey=zero, a
 *              JSON null). With TV_F_TYPED it is a typed nil pointer instead
 *              (a nil *ToolPropertiesMap field): printed "<nil>" even at the
 *              top of a pipeline, where a nil interface prints "<no value>".
 *   TV_BOOL, TV_INT (Go int), TV_FLOAT (Go float64), TV_STRING (any bytes),
 *   TV_BYTES   a []byte (ImageData): prints "[1 2 3]", JSON base64.
 *   TV_LIST    a slice; TV_F_TYPED marks a nil slice (prints "[]", JSON null).
 *   TV_MAP     a map with string keys. Entries are kept in insertion order;
 *              printing and range use sorted keys as Go does, JSON uses
 *              sorted keys unless TV_F_ORDERED (Ollama's orderedmap types).
 *              TV_F_TYPED marks a nil map (prints "map[]", JSON null).
 *   TV_STRUCT  a struct: ordered fields with a Go name (what .Field uses), a
 *              JSON name and omitempty (what json.Marshal uses). Prints
 *              "{v1 v2}"; with TV_F_PTR it is a pointer to a struct and
 *              prints "&{v1 v2}" at the top level, as fmt does.
 *
 * A value may carry a String()-method replacement (enum tv_fmt): TV_FMT_JSON
 * prints the value as json.Marshal would (Ollama's Tools, Tool, arguments
 * and property maps), TV_FMT_JSON_NILOBJ does the same but prints "{}" for a
 * nil map, TV_FMT_PROPTYPE prints a []string as Ollama's PropertyType ("" /
 * "a" / "[a b]") and marshals a one-element list as a plain string.
 *
 * Memory: every value lives in a struct tv_arena and is freed with it, all at
 * once. An arena has a byte maximum; past it allocation returns NULL (the
 * callers turn that into COLA_ENOMEM). Values are immutable once built,
 * except through the builder calls below while building. An arena is not
 * thread-safe; a finished value tree may be read by several threads.
 */
#ifndef COLA_TEMPLATE_TVALUE_H
#define COLA_TEMPLATE_TVALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

enum tv_kind {
    TV_NIL,
    TV_BOOL,
    TV_INT,
    TV_FLOAT,
    TV_STRING,
    TV_BYTES,
    TV_LIST,
    TV_MAP,
    TV_STRUCT,
};

enum tv_fmt {
    TV_FMT_GO = 0,       /* fmt.Print of the plain Go value */
    TV_FMT_JSON,         /* String() returns json.Marshal(v) */
    TV_FMT_JSON_NILOBJ,  /* the same, but "{}" for a nil map */
    TV_FMT_PROPTYPE,     /* Ollama's PropertyType ([]string) */
};

enum tv_flag {
    TV_F_TYPED = 1u << 0,   /* typed nil: nil pointer / nil slice / nil map */
    TV_F_ORDERED = 1u << 1, /* map: JSON keeps insertion order */
    TV_F_PTR = 1u << 2,     /* struct: reached through a pointer */
};

struct tv;

struct tv_entry {           /* a map entry or a struct field */
    const char *key;        /* map key / Go field name (NUL-terminated) */
    size_t key_len;
    const char *json;       /* struct: JSON name (NULL = key) */
    bool omitempty;         /* struct: json ",omitempty" */
    struct tv *val;
};

struct tv {
    uint8_t kind;           /* enum tv_kind */
    uint8_t fmt;            /* enum tv_fmt */
    uint8_t flags;          /* enum tv_flag */
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            const char *p;  /* NUL-terminated; len may include inner NULs */
            size_t len;
        } s;                /* TV_STRING, TV_BYTES */
        struct {
            struct tv **items;
            size_t len, cap;
        } list;
        struct {
            struct tv_entry *ents;
            size_t len, cap;
            const char *type_name; /* struct: for messages ("templateMessage") */
        } map;              /* TV_MAP, TV_STRUCT */
    } u;
};

/* ---------------------------------------------------------------- arena */

struct tv_chunk;

struct tv_arena {
    struct tv_chunk *head;
    size_t used;   /* bytes handed out, all chunks */
    size_t max;    /* the most used may reach */
};

void tv_arena_init(struct tv_arena *a, size_t max);
void tv_arena_free(struct tv_arena *a);
/* n zeroed bytes aligned for any type, or NULL past the maximum. */
void *tv_alloc(struct tv_arena *a, size_t n);
/* A NUL-terminated copy of n bytes, or NULL. */
char *tv_strndup(struct tv_arena *a, const char *s, size_t n);

/* ---------------------------------------------------------------- building
 * Every constructor returns NULL when the arena is full. Strings are copied. */

struct tv *tv_nil(struct tv_arena *a);
struct tv *tv_bool(struct tv_arena *a, bool b);
struct tv *tv_int(struct tv_arena *a, int64_t i);
struct tv *tv_float(struct tv_arena *a, double f);
struct tv *tv_str(struct tv_arena *a, const char *s, size_t len);
struct tv *tv_cstr(struct tv_arena *a, const char *s);
struct tv *tv_bytes(struct tv_arena *a, const void *p, size_t len);
struct tv *tv_list(struct tv_arena *a);
struct tv *tv_map(struct tv_arena *a);
/* A struct value named type_name (copied) with no fields yet. */
struct tv *tv_struct(struct tv_arena *a, const char *type_name);

/* Append to a list. 0 or COLA_ENOMEM. */
int tv_list_push(struct tv_arena *a, struct tv *list, struct tv *v);
/* Set a map key (replacing an existing one). 0 or COLA_ENOMEM. */
int tv_map_set(struct tv_arena *a, struct tv *map, const char *key, size_t key_len,
               struct tv *v);
/* Append a struct field: Go name, JSON name (NULL: same as the Go name),
 * omitempty. 0 or COLA_ENOMEM. */
int tv_struct_add(struct tv_arena *a, struct tv *st, const char *name, const char *json,
                  bool omitempty, struct tv *v);

/* Build a value from JSON the way Go's json.Unmarshal into `any` does:
 * objects become maps, arrays lists, every number a float64, null nil.
 * Returns NULL when the arena is full or nesting exceeds TV_MAX_DEPTH. */
#define TV_MAX_DEPTH 256
struct tv *tv_from_json(struct tv_arena *a, const json_t *j);

/* ---------------------------------------------------------------- reading */

/* The value of a map key / struct field, or NULL when absent. */
struct tv *tv_get(const struct tv *v, const char *key, size_t key_len);
/* Go's template truthiness: false, 0, nil, empty string/list/map are false;
 * structs are true. */
bool tv_truth(const struct tv *v);
/* Length for len/index/slice; -1 for kinds without one. */
int64_t tv_len(const struct tv *v);
/* A malloc'ed array of the map's entry indices in sorted key order (NULL
 * for an empty map or on allocation failure: check v->u.map.len). */
size_t *tv_map_sorted(const struct tv *v);
/* Go's type name of a value, for error messages ("string", "[]interface {}",
 * "map[string]interface {}", the struct's name). */
const char *tv_type_name(const struct tv *v);

/* ---------------------------------------------------------------- output */

/* fmt.Print of v (depth 0: a typed nil pointer prints "<nil>", a pointer
 * to a struct "&{...}"). A NULL or plain TV_NIL value prints "<nil>" here;
 * the template engine prints "<no value>" itself where Go does.
 * 0, COLA_ENOMEM (out's maximum) or COLA_ERANGE (nesting too deep). */
int tv_print(struct buf *out, const struct tv *v);
/* Go's json.Marshal of v (HTML-escaped, as Marshal does). 0, COLA_ENOMEM,
 * COLA_ERANGE, COLA_EINVAL (NaN/Inf). On failure out keeps its old length. */
int tv_json(struct buf *out, const struct tv *v);
/* strconv.FormatFloat(f, 'g', -1, 64), as %v prints a float64. Returns the
 * length written to dst (at least 40 bytes). */
int tv_format_float_g(double f, char *dst, size_t n);

#endif
