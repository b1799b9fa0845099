/* cmd_inspect.c — `cola inspect FILE.gguf [--json] [--full]`: open a GGUF
 * file with the validating reader and print its header, metadata and tensor
 * table, as text or as one JSON object. Nothing here trusts the file beyond
 * what gguf_open() checked: strings are escaped (text) or made valid UTF-8
 * (JSON) before they are printed.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/gguf.h"

#define ARR_HEAD 8      /* array elements shown when summarised */
#define STR_SHOW 80     /* bytes of a string value shown when summarised */
#define STR_SHOW_ELEM 40 /* bytes of a string inside an array */

struct inspect_opts {
    const char *path;
    bool json;
    bool full;
};

/* ------------------------------------------------------------------ UTF-8 */

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Copy of p[0..n) with every invalid byte replaced by U+FFFD (malloc'ed, NUL
 * appended; *out_len excludes it). NULL on ENOMEM. */
static char *utf8_clean(const char *p, size_t n, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)p;
    char *d = malloc(n * 3 + 1);
    size_t o = 0;
    if (!d)
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(s + i, n - i);
        if (k) {
            memcpy(d + o, s + i, k);
            o += k;
            i += k;
        } else {
            memcpy(d + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    d[o] = '\0';
    *out_len = o;
    return d;
}

/* ------------------------------------------------------------------ text output */

/* Print p[0..n) escaped: \" \\ \n \t \r, other controls and invalid UTF-8 as
 * \xNN. At most max bytes (cut at a character boundary) unless max is 0;
 * "..." marks a cut. */
static void print_escaped(FILE *f, const char *p, uint64_t n, size_t max)
{
    const unsigned char *s = (const unsigned char *)p;
    uint64_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(s + i, (size_t)(n - i < 4 ? n - i : 4));
        if (max && i + (k ? k : 1) > max) {
            fputs("...", f);
            return;
        }
        unsigned c = s[i];
        if (k > 1)
            fwrite(s + i, 1, k, f);
        else if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c == '\r')
            fputs("\\r", f);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc((int)c, f);
        i += k ? k : 1;
    }
}

/* Shortest decimal that reads back as the same float / double. */
static void print_f32(FILE *f, float v)
{
    char b[64];
    for (int p = 1; p <= 9; p++) {
        snprintf(b, sizeof(b), "%.*g", p, (double)v);
        if (strtof(b, NULL) == v || isnan(v))
            break;
    }
    fputs(b, f);
}

static void print_f64(FILE *f, double v)
{
    char b[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(b, sizeof(b), "%.*g", p, v);
        if (strtod(b, NULL) == v || isnan(v))
            break;
    }
    fputs(b, f);
}

static void print_scalar(FILE *f, enum gguf_vtype t, const void *raw)
{
    union {
        uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32;
        uint64_t u64; int64_t i64; float f32; double f64;
    } x;
    memcpy(&x, raw, gguf_vtype_size(t));
    switch (t) {
    case GGUF_VT_UINT8: fprintf(f, "%" PRIu8, x.u8); break;
    case GGUF_VT_INT8: fprintf(f, "%" PRId8, x.i8); break;
    case GGUF_VT_UINT16: fprintf(f, "%" PRIu16, x.u16); break;
    case GGUF_VT_INT16: fprintf(f, "%" PRId16, x.i16); break;
    case GGUF_VT_UINT32: fprintf(f, "%" PRIu32, x.u32); break;
    case GGUF_VT_INT32: fprintf(f, "%" PRId32, x.i32); break;
    case GGUF_VT_UINT64: fprintf(f, "%" PRIu64, x.u64); break;
    case GGUF_VT_INT64: fprintf(f, "%" PRId64, x.i64); break;
    case GGUF_VT_FLOAT32: print_f32(f, x.f32); break;
    case GGUF_VT_FLOAT64: print_f64(f, x.f64); break;
    case GGUF_VT_BOOL: fputs(x.u8 ? "true" : "false", f); break;
    default: fputs("?", f); break;
    }
}

static void print_str(FILE *f, struct gguf_str s, size_t max)
{
    fputc('"', f);
    print_escaped(f, s.ptr, s.len, max);
    fputc('"', f);
}

static void print_value(FILE *f, const struct gguf_value *v, bool full, int depth);

static void print_array(FILE *f, const struct gguf_value *v, bool full, int depth)
{
    uint64_t n = v->v.arr.n;
    uint64_t shown = full || n <= ARR_HEAD ? n : ARR_HEAD;
    size_t esz = gguf_vtype_size(v->v.arr.elem);
    fputc('[', f);
    for (uint64_t i = 0; i < shown; i++) {
        if (i)
            fputs(", ", f);
        if (esz)
            print_scalar(f, v->v.arr.elem, (const uint8_t *)v->v.arr.raw + i * esz);
        else if (v->v.arr.elem == GGUF_VT_STRING)
            print_str(f, v->v.arr.strs[i], full ? 0 : STR_SHOW_ELEM);
        else
            print_value(f, &v->v.arr.vals[i], full, depth + 1);
    }
    if (shown < n)
        fprintf(f, ", ... (%" PRIu64 " items)", n);
    fputc(']', f);
}

static void print_value(FILE *f, const struct gguf_value *v, bool full, int depth)
{
    if (v->type == GGUF_VT_STRING)
        print_str(f, v->v.str, full ? 0 : STR_SHOW);
    else if (v->type == GGUF_VT_ARRAY)
        print_array(f, v, full, depth);
    else
        print_scalar(f, v->type, &v->v);
}

/* "u32", "string", "array[string]", "array[array]". */
static void type_label(char *b, size_t cap, const struct gguf_value *v)
{
    if (v->type == GGUF_VT_ARRAY)
        snprintf(b, cap, "array[%s]", gguf_vtype_name(v->v.arr.elem));
    else
        snprintf(b, cap, "%s", gguf_vtype_name(v->type));
}

static void print_text(const struct gguf_file *g, const struct inspect_opts *o)
{
    FILE *f = stdout;
    char label[32];
    int64_t n_kv = gguf_kv_count(g), n_t = gguf_tensor_count(g);
    fprintf(f, "file:          %s\n", o->path);
    fprintf(f, "version:       %" PRIu32 "\n", gguf_version(g));
    fprintf(f, "alignment:     %" PRIu32 "\n", gguf_alignment(g));
    fprintf(f, "kv count:      %" PRId64 "\n", n_kv);
    fprintf(f, "tensor count:  %" PRId64 "\n", n_t);
    fprintf(f, "data offset:   %" PRIu64 "\n", gguf_data_offset(g));
    fprintf(f, "file size:     %" PRIu64 "\n", gguf_file_size(g));

    fprintf(f, "\nmetadata (%" PRId64 "):\n", n_kv);
    for (int64_t i = 0; i < n_kv; i++) {
        const struct gguf_kv *kv = gguf_kv_at(g, i);
        type_label(label, sizeof(label), &kv->val);
        fputs("  ", f);
        print_escaped(f, kv->key.ptr, kv->key.len, 0);
        fprintf(f, " (%s) = ", label);
        print_value(f, &kv->val, o->full, 0);
        fputc('\n', f);
    }

    int nw = 4;
    for (int64_t i = 0; i < n_t; i++) {
        int len = (int)strlen(gguf_tensor_at(g, i)->name);
        nw = len > nw ? len : nw;
    }
    fprintf(f, "\ntensors (%" PRId64 "):\n", n_t);
    if (n_t)
        fprintf(f, "  %-*s  %-8s  %-24s  %12s  %12s\n", nw, "name", "type", "shape", "offset", "bytes");
    for (int64_t i = 0; i < n_t; i++) {
        const struct gguf_tensor *t = gguf_tensor_at(g, i);
        char shape[128];
        int k = 0;
        for (uint32_t j = 0; j < t->n_dims; j++)
            k += snprintf(shape + k, sizeof(shape) - (size_t)k, "%s%" PRId64, j ? ", " : "[", t->ne[j]);
        snprintf(shape + k, sizeof(shape) - (size_t)k, "]");
        fputs("  ", f);
        print_escaped(f, t->name, strlen(t->name), 0);
        fprintf(f, "%*s  %-8s  %-24s  %12" PRIu64 "  %12" PRIu64 "\n",
                nw - (int)strlen(t->name), "", qt_type_name((int)t->type), shape, t->offset,
                t->nbytes);
    }
}

/* ------------------------------------------------------------------ JSON output */

static json_t *json_str(const char *p, uint64_t n)
{
    size_t len;
    char *clean = utf8_clean(p, (size_t)n, &len);
    if (!clean)
        return NULL;
    json_t *j = json_stringn(clean, len);
    free(clean);
    return j;
}

static json_t *json_scalar(enum gguf_vtype t, const void *raw)
{
    union {
        uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32;
        uint64_t u64; int64_t i64; float f32; double f64;
    } x;
    memcpy(&x, raw, gguf_vtype_size(t));
    switch (t) {
    case GGUF_VT_UINT8: return json_integer(x.u8);
    case GGUF_VT_INT8: return json_integer(x.i8);
    case GGUF_VT_UINT16: return json_integer(x.u16);
    case GGUF_VT_INT16: return json_integer(x.i16);
    case GGUF_VT_UINT32: return json_integer(x.u32);
    case GGUF_VT_INT32: return json_integer(x.i32);
    case GGUF_VT_INT64: return json_integer(x.i64);
    /* JSON integers here are int64: larger u64 values become reals */
    case GGUF_VT_UINT64: return x.u64 > INT64_MAX ? json_real((double)x.u64) : json_integer((json_int_t)x.u64);
    case GGUF_VT_FLOAT32: return isfinite(x.f32) ? json_real(x.f32) : json_null();
    case GGUF_VT_FLOAT64: return isfinite(x.f64) ? json_real(x.f64) : json_null();
    case GGUF_VT_BOOL: return json_boolean(x.u8);
    default: return json_null();
    }
}

static json_t *json_value(const struct gguf_value *v, bool full);

/* An array as a JSON array; summarised as {"elem_type", "count", "first"}
 * when it is long and full is not set. */
static json_t *json_array_value(const struct gguf_value *v, bool full)
{
    uint64_t n = v->v.arr.n;
    uint64_t shown = full || n <= ARR_HEAD ? n : ARR_HEAD;
    size_t esz = gguf_vtype_size(v->v.arr.elem);
    json_t *a = json_array();
    if (!a)
        return NULL;
    for (uint64_t i = 0; i < shown; i++) {
        json_t *e;
        if (esz)
            e = json_scalar(v->v.arr.elem, (const uint8_t *)v->v.arr.raw + i * esz);
        else if (v->v.arr.elem == GGUF_VT_STRING)
            e = json_str(v->v.arr.strs[i].ptr, v->v.arr.strs[i].len);
        else
            e = json_value(&v->v.arr.vals[i], full);
        if (!e || json_array_append_new(a, e)) {
            json_decref(a);
            return NULL;
        }
    }
    if (shown == n)
        return a;
    json_t *o = json_pack("{s:s, s:I, s:o}", "elem_type", gguf_vtype_name(v->v.arr.elem), "count",
                          (json_int_t)n, "first", a);
    return o;
}

static json_t *json_value(const struct gguf_value *v, bool full)
{
    if (v->type == GGUF_VT_STRING)
        return json_str(v->v.str.ptr, v->v.str.len);
    if (v->type == GGUF_VT_ARRAY)
        return json_array_value(v, full);
    return json_scalar(v->type, &v->v);
}

static json_t *json_tensor(const struct gguf_tensor *t)
{
    json_t *shape = json_array();
    for (uint32_t j = 0; shape && j < t->n_dims; j++)
        json_array_append_new(shape, json_integer(t->ne[j]));
    json_t *name = json_str(t->name, strlen(t->name));
    if (!shape || !name) {
        json_decref(shape);
        json_decref(name);
        return NULL;
    }
    return json_pack("{s:o, s:s, s:o, s:I, s:I}", "name", name, "type", qt_type_name((int)t->type),
                     "shape", shape, "offset", (json_int_t)t->offset, "size", (json_int_t)t->nbytes);
}

static int print_json(const struct gguf_file *g, const struct inspect_opts *o)
{
    json_t *meta = json_object(), *tensors = json_array();
    int rc = 1;
    if (!meta || !tensors)
        goto out;
    for (int64_t i = 0; i < gguf_kv_count(g); i++) {
        const struct gguf_kv *kv = gguf_kv_at(g, i);
        size_t klen;
        char *key = utf8_clean(kv->key.ptr, (size_t)kv->key.len, &klen);
        json_t *v = json_value(&kv->val, o->full);
        int bad = !key || !v || json_object_set_new(meta, key, v);
        free(key);
        if (bad)
            goto out;
    }
    for (int64_t i = 0; i < gguf_tensor_count(g); i++) {
        json_t *t = json_tensor(gguf_tensor_at(g, i));
        if (!t || json_array_append_new(tensors, t))
            goto out;
    }
    json_t *root = json_pack("{s:I, s:I, s:I, s:I, s:o, s:o}", "version", (json_int_t)gguf_version(g),
                             "alignment", (json_int_t)gguf_alignment(g), "data_offset",
                             (json_int_t)gguf_data_offset(g), "file_size",
                             (json_int_t)gguf_file_size(g), "metadata", meta, "tensors", tensors);
    meta = tensors = NULL; /* json_pack's "o" took them, even on failure */
    if (!root)
        goto out;
    rc = json_dumpf(root, stdout, JSON_INDENT(2)) == 0 ? 0 : 1;
    fputc('\n', stdout);
    json_decref(root);
out:
    json_decref(meta);
    json_decref(tensors);
    if (rc)
        fprintf(stderr, "Error: out of memory building JSON for %s\n", o->path);
    return rc;
}

/* ------------------------------------------------------------------ command */

extern const struct cli_cmd cli_cmd_inspect;

static int parse_args(int argc, char **argv, struct inspect_opts *o)
{
    bool flags = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (flags && !strcmp(a, "--")) {
            flags = false;
        } else if (flags && !strcmp(a, "--json")) {
            o->json = true;
        } else if (flags && !strcmp(a, "--full")) {
            o->full = true;
        } else if (flags && a[0] == '-' && a[1]) {
            return cli_usage_error(&cli_cmd_inspect, "unknown flag: %s", a);
        } else if (o->path) {
            return cli_usage_error(&cli_cmd_inspect, "inspect takes one file, got \"%s\" and \"%s\"",
                                   o->path, a);
        } else {
            o->path = a;
        }
    }
    if (!o->path)
        return cli_usage_error(&cli_cmd_inspect, "missing FILE.gguf");
    return 0;
}

static int run(int argc, char **argv)
{
    struct inspect_opts o = {0};
    struct gguf_file *g = NULL;
    struct cola_err err;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    err_clear(&err);
    if (gguf_open(o.path, &g, &err)) {
        fprintf(stderr, "Error: %s\n", err_msg(&err));
        return 1;
    }
    if (o.json) {
        rc = print_json(g, &o);
    } else {
        print_text(g, &o);
        rc = 0;
    }
    if (fflush(stdout) != 0)
        rc = 1;
    gguf_close(g);
    return rc;
}

const struct cli_cmd cli_cmd_inspect = {
    "inspect",
    "Show a GGUF file's metadata and tensors",
    "Usage:\n"
    "  cola inspect FILE.gguf [--json] [--full]\n"
    "\n"
    "Checks FILE.gguf the way cola loads models (every length, count, type,\n"
    "shape and offset against the file size) and prints its header (version,\n"
    "alignment, KV count, tensor count, data offset), every metadata key with\n"
    "its type and value, and the tensor table (name, type, shape, offset within\n"
    "the data section, bytes). Long arrays show their first 8 elements and\n"
    "\"... (N items)\"; long strings are cut with \"...\".\n"
    "\n"
    "Flags:\n"
    "      --json   Print one JSON object: {\"version\", \"alignment\", \"data_offset\",\n"
    "               \"file_size\", \"metadata\": {key: value}, \"tensors\": [{\"name\",\n"
    "               \"type\", \"shape\", \"offset\", \"size\"}]}; a long array is\n"
    "               summarised as {\"elem_type\", \"count\", \"first\": [...]}\n"
    "      --full   Show every array element and whole strings\n"
    "  -h, --help   help for inspect\n"
    "\n"
    "Exit status: 0 ok, 1 the file cannot be read or is not valid GGUF (the\n"
    "reason is printed), 2 usage error.\n",
    run,
};
