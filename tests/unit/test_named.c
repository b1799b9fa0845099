/* test_named.c — Ollama's named-template detection (template.Named):
 * every real-world Jinja template of templates.jsonl is detected as the
 * Go template it names, and that Go template parses; the banded Levenshtein
 * distance is checked against a plain full-matrix computation. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/gotmpl.h"
#include "template/named.h"
#include "testutil.h"

static void test_templates_jsonl(void **state)
{
    (void)state;
    TU_SHARED_OR_SKIP(path, "templates/ollama/testdata/templates.jsonl");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0, lines = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        assert_true(json_is_object(o));
        const char *want;
        json_t *v;
        json_object_foreach(o, want, v)
        {
            const char *src = json_string_value(v);
            assert_non_null(src);
            const struct named_tmpl *t = named_detect(src, strlen(src));
            if (!t || strcmp(t->name, want))
                fail_msg("line %zu: want %s, detected %s", lines + 1, want, t ? t->name : "none");
            struct gotmpl *g = NULL;
            struct cola_err err = {0};
            assert_int_equal(gotmpl_parse_ollama(t->gotmpl, strlen(t->gotmpl), &g, &err), 0);
            gotmpl_free(g);
            assert_true(strlen(t->gotmpl) > 0);
        }
        json_decref(o);
        lines++;
    }
    free(line);
    fclose(f);
    assert_int_equal(lines, 35);
}

/* The named data is what the reference directory holds: each index entry's
 * Jinja template detects its own name at distance 0, and the stop lists
 * match <name>.json. */
static void test_data_matches_reference(void **state)
{
    (void)state;
    TU_SHARED_OR_SKIP(ipath, "templates/ollama/index.json");
    json_error_t je;
    json_t *idx = json_load_file(ipath, 0, &je);
    assert_true(json_is_array(idx));
    assert_int_equal(json_array_size(idx), named_n_index);
    for (size_t i = 0; i < named_n_index; i++) {
        json_t *e = json_array_get(idx, i);
        const char *jt = json_string_value(json_object_get(e, "template"));
        const char *name = json_string_value(json_object_get(e, "name"));
        assert_string_equal(named_index[i].jinja, jt);
        assert_string_equal(named_tmpls[named_index[i].tmpl].name, name);
        assert_int_equal(named_distance(jt, strlen(jt), named_index[i].jinja,
                                        strlen(named_index[i].jinja), 100), 0);
    }
    json_decref(idx);
    for (size_t i = 0; i < named_n_tmpls; i++) {
        char rel[256];
        snprintf(rel, sizeof(rel), "templates/ollama/%s.gotmpl", named_tmpls[i].name);
        size_t len;
        char *go = tu_read_file(tu_shared_path(rel), &len);
        assert_non_null(go);
        assert_string_equal(named_tmpls[i].gotmpl, go);
        free(go);
        snprintf(rel, sizeof(rel), "templates/ollama/%s.json", named_tmpls[i].name);
        json_t *p = json_load_file(tu_shared_path(rel), 0, &je);
        json_t *stop = json_object_get(p, "stop");
        assert_int_equal(json_array_size(stop), named_tmpls[i].n_stop);
        for (size_t k = 0; k < named_tmpls[i].n_stop; k++)
            assert_string_equal(json_string_value(json_array_get(stop, k)), named_tmpls[i].stop[k]);
        json_decref(p);
    }
}

/* Scalar reference: the full (n+1)x(m+1) matrix over code points. */
static long full_distance(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
    long *d = malloc((n + 1) * (m + 1) * sizeof(*d));
    assert_non_null(d);
    for (size_t i = 0; i <= n; i++)
        for (size_t j = 0; j <= m; j++) {
            long v;
            if (i == 0 || j == 0) {
                v = (long)(i + j);
            } else {
                v = d[(i - 1) * (m + 1) + j - 1] + (a[i - 1] != b[j - 1]);
                if (d[(i - 1) * (m + 1) + j] + 1 < v)
                    v = d[(i - 1) * (m + 1) + j] + 1;
                if (d[i * (m + 1) + j - 1] + 1 < v)
                    v = d[i * (m + 1) + j - 1] + 1;
            }
            d[i * (m + 1) + j] = v;
        }
    const long r = d[n * (m + 1) + m];
    free(d);
    return r;
}

/* Random strings over a small alphabet with multi-byte characters: the
 * banded distance equals the full one below the limit and is the limit at
 * or above it. */
static void test_distance_reference(void **state)
{
    (void)state;
    static const char *const alpha[] = {"a", "b", "c", "\xc3\xa9", "\xe2\x96\x81", "\xf0\x9f\x98\x80"};
    srand(12345);
    for (int iter = 0; iter < 400; iter++) {
        char sa[1024], sb[1024];
        uint32_t ra[256], rb[256];
        static const uint32_t cps[] = {'a', 'b', 'c', 0xE9, 0x2581, 0x1F600};
        size_t n = (size_t)(rand() % 120), m = n;
        size_t la = 0, lb = 0, mb = 0;
        for (size_t i = 0; i < n; i++) {
            int k = rand() % 6;
            ra[i] = cps[k];
            la += (size_t)sprintf(sa + la, "%s", alpha[k]);
            int op = rand() % 10;  /* b: a copy of a with random edits */
            if (op == 0)
                continue;  /* delete */
            if (op == 1) {
                int x = rand() % 6;
                rb[mb++] = cps[x];
                lb += (size_t)sprintf(sb + lb, "%s", alpha[x]);  /* insert */
            }
            if (op == 2)
                k = rand() % 6;  /* substitute */
            rb[mb++] = cps[k];
            lb += (size_t)sprintf(sb + lb, "%s", alpha[k]);
        }
        m = mb;
        const long want = full_distance(ra, n, rb, m);
        const long limit = 1 + rand() % 40;
        const long got = named_distance(sa, la, sb, lb, limit);
        if (got != (want < limit ? want : limit))
            fail_msg("iter %d: full %ld, banded %ld (limit %ld)", iter, want, got, limit);
    }
}

/* Invalid UTF-8 counts one replacement character per bad byte (Go's
 * []rune), so two different bad bytes are at distance 0 from each other
 * and "\xff\xfe" is 2 edits from "". */
static void test_invalid_utf8(void **state)
{
    (void)state;
    assert_int_equal(named_distance("\xff", 1, "\xfe", 1, 10), 0);
    assert_int_equal(named_distance("\xff\xfe", 2, "", 0, 10), 2);
    assert_int_equal(named_distance("\xe2\x96", 2, "ab", 2, 10), 2);
    assert_int_equal(named_distance("\xc3\xa9", 2, "e", 1, 10), 1);
}

/* Far from every entry: nothing detected; empty: nothing. A template one
 * edit from chatml's first index entry is still chatml. */
static void test_detect_limits(void **state)
{
    (void)state;
    assert_null(named_detect("", 0));
    const char *junk = "{% for m in messages %}<<<{{ m.content }}>>>{% endfor %}";
    char big[4096];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    assert_null(named_detect(big, strlen(big)));
    const struct named_tmpl *t = named_detect(junk, strlen(junk));
    assert_null(t);
    char *near = strdup(named_index[0].jinja);
    near[5] = near[5] == 'Q' ? 'R' : 'Q';
    t = named_detect(near, strlen(near));
    assert_non_null(t);
    assert_string_equal(t->name, named_tmpls[named_index[0].tmpl].name);
    free(near);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_templates_jsonl),
        cmocka_unit_test(test_data_matches_reference),
        cmocka_unit_test(test_distance_reference),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_detect_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
