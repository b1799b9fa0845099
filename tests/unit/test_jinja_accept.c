/* test_jinja_accept.c — the Jinja acceptance test of issue 5: every
 * template in $COLA_SHARED/templates/llama.cpp rendered with every
 * conversation of tests/jinja/conversations.json (system+user,
 * user+assistant+user, system+user+assistant+user, user alone, with and
 * without a generation prompt, non-ASCII and multi-line content, and with
 * tools: a call and its result then a final assistant and user, a call and
 * its result then the generation prompt, two parallel calls, tools offered
 * but not called, non-ASCII tool names and schemas) must be byte-identical to what the reference
 * implementation @huggingface/jinja renders (tests/jinja/oracle.mjs, run
 * once here with node); where the oracle fails, cola must fail too, with
 * COLA_EFORMAT and the oracle's message. Every template of the directory
 * and every conversation must be in the oracle's answer.
 * Skips (77) without node, the oracle's node_modules or the shared
 * templates. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "template/jinja2.h"

#define FIXED_NOW 1768478400 /* 2026-01-15 12:00:00 UTC, the oracle's clock */

static size_t count_templates(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        const size_t len = strlen(e->d_name);
        n += len > 6 && !strcmp(e->d_name + len - 6, ".jinja");
    }
    closedir(d);
    return n;
}

/* cola failed where the oracle failed: a template error, the same message */
static int same_failure(int rc, const struct cola_err *err, const json_t *want)
{
    const char *msg = json_string_value(json_object_get(want, "error"));
    return rc == COLA_EFORMAT && msg && strstr(err_msg(err), msg);
}

static void test_accept(void **state)
{
    (void)state;
    const char *dir = tu_shared_path("templates/llama.cpp");
    if (!dir) {
        fprintf(stderr, "SKIP: the shared templates (templates/llama.cpp under COLA_SHARED) are missing\n");
        exit(77);
    }
    char oracle_dir[1024], cmd[4096], conv[1100], exp_path[1100];
    snprintf(oracle_dir, sizeof(oracle_dir), "%s/tests/jinja", COLA_SOURCE_DIR);
    snprintf(cmd, sizeof(cmd), "%s/node_modules/@huggingface/jinja/package.json", oracle_dir);
    if (system("command -v node >/dev/null 2>&1") != 0 || access(cmd, R_OK) != 0) {
        fprintf(stderr, "SKIP: node or %s/node_modules/@huggingface/jinja missing "
                        "(scripts/setup.sh installs them)\n", oracle_dir);
        exit(77);
    }
    char *tmp = tu_mkdtemp();
    snprintf(conv, sizeof(conv), "%s/conversations.json", oracle_dir);
    snprintf(exp_path, sizeof(exp_path), "%s/expected.json", tmp);
    snprintf(cmd, sizeof(cmd), "TZ=UTC node '%s/oracle.mjs' '%s' '%s' > '%s'", oracle_dir, dir, conv,
             exp_path);
    assert_int_equal(system(cmd), 0);
    json_error_t je;
    json_t *expected = json_load_file(exp_path, 0, &je), *convs = json_load_file(conv, 0, &je);
    assert_non_null(expected);
    assert_non_null(convs);
    assert_int_equal(json_object_size(expected), count_templates(dir));
    setenv("TZ", "UTC", 1);
    tzset();
    int same = 0, errors = 0, bad = 0, total = 0;
    const char *file;
    json_t *cases;
    json_object_foreach(expected, file, cases)
    {
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        size_t n;
        char *src = tu_read_file(path, &n);
        assert_non_null(src);
        struct jinja2 *t = NULL;
        struct cola_err perr;
        err_clear(&perr);
        const int prc = jinja2_parse(src, n, &t, &perr);
        assert_int_equal(json_object_size(cases), json_object_size(convs));
        const char *cname;
        json_t *want;
        json_object_foreach(cases, cname, want)
        {
            total++;
            const json_t *ok = json_object_get(want, "ok");
            struct buf b;
            buf_init(&b, 16 << 20);
            struct cola_err err;
            err_clear(&err);
            const struct jinja2_opts o = {.now = FIXED_NOW};
            int rc = prc ? prc : jinja2_render(t, json_object_get(convs, cname), &b, &o, &err);
            if (ok && !rc && b.len == json_string_length(ok) &&
                !memcmp(b.len ? b.data : "", json_string_value(ok), b.len)) {
                same++;
            } else if (!ok && same_failure(rc, prc ? &perr : &err, want)) {
                errors++;
            } else {
                bad++;
                fprintf(stderr, "MISMATCH %s / %s: %s\n", file, cname,
                        rc ? err_msg(prc ? &perr : &err)
                           : (ok ? "different text" : "the oracle fails, cola rendered"));
                if (ok && !rc)
                    fprintf(stderr, "--- want\n%s\n--- got\n%s\n---\n", json_string_value(ok),
                            b.data ? b.data : "");
                if (!ok)
                    fprintf(stderr, "  oracle: %s\n", json_string_value(json_object_get(want, "error")));
            }
            buf_free(&b);
        }
        jinja2_free(t);
        free(src);
    }
    fprintf(stderr, "jinja accept: %d renders identical, %d oracle errors matched, %d differ (of %d)\n",
            same, errors, bad, total);
    json_decref(expected);
    json_decref(convs);
    tu_rm_rf(tmp);
    free(tmp);
    assert_int_equal(bad, 0);
    assert_true(same > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_accept)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
