/* test_jinja.c — the Jinja engine's language pieces, each expected string
 * checked against the reference @huggingface/jinja 0.5.11 (the same oracle
 * test_jinja_accept runs over real templates), parse errors with their line,
 * what is not supported failing with a clear error, and the limits. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "template/jinja2.h"

#define CTX "{\"x\": {\"a\": 1, \"b\": [1, 2.5, \"é\\n\\\"<\"], \"c\": null, \"d\": true}, " \
            "\"s\": \"  Hi there  \", \"l\": [3, 1, 2], \"m\": [{\"role\": \"user\", \"content\": \"a\"}, " \
            "{\"role\": \"assistant\", \"content\": \"b\"}]}"

static int render(const char *src, char **out, struct cola_err *err, const struct jinja2_opts *o)
{
    json_error_t je;
    json_t *ctx = json_loads(CTX, 0, &je);
    assert_non_null(ctx);
    struct jinja2 *t = NULL;
    err_clear(err);
    int rc = jinja2_parse(src, strlen(src), &t, err);
    struct buf b;
    buf_init(&b, 1 << 20);
    if (!rc)
        rc = jinja2_render(t, ctx, &b, o, err);
    *out = strdup(b.data ? b.data : "");
    buf_free(&b);
    jinja2_free(t);
    json_decref(ctx);
    return rc;
}

static const char *const cases[][2] = {
    {"{{ true }}|{{ none }}|{{ nope }}|{{ 1.0 }}|{{ 7 // 2 }}|{{ 7 / 2 }}|{{ 2 ** 10 }}|{{ -3 % 2 }}",
     "true|||1.0|3|3.5|1024|-1"},
    {"{{ x|tojson }}|{{ x.b|tojson(indent=2) }}|{{ x|tojson(sort_keys=true, separators=[',', ':']) }}",
     "{\"a\": 1, \"b\": [1, 2.5, \"é\\n\\\"<\"], \"c\": null, \"d\": true}|[\n  1,\n  2.5,\n  \"é\\n\\\"<\"\n]|{\"a\":1,\"b\":[1,2.5,\"é\\n\\\"<\"],\"c\":null,\"d\":true}"},
    {"{{ s|trim }}|{{ s.strip().upper() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'hello world'.title() }}",
     "Hi there|HI THERE|[\"a\", \"b\", \"\", \"c\"]|[\"a\", \"b\"]|Hello World"},
    {"{% for k, v in x.items() if k != 'b' %}{{ loop.index }}{{ k }}={{ v }}{% if not loop.last %},{% endif %}{% endfor %}",
     "1a=1,2c=,3d=true"},
    {"{% for i in l|sort %}{{ i }}{% else %}none{% endfor %}{% for i in [] %}x{% else %}empty{% endfor %}",
     "123empty"},
    {"{% set ns = namespace(n=0) %}{% for m in m %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}",
     "2"},
    {"{% macro f(a, b='B') %}[{{ a }}{{ b }}]{% endmacro %}{{ f(1) }}{{ f(2, b=3) }}",
     "[1B][23]"},
    {"{{ [1,2,3,4][::-1] }}|{{ 'abcdef'[1:4] }}|{{ l[-1] }}|{{ 'x' in 'xyz' }}|{{ 2 not in l }}",
     "[4, 3, 2, 1]|bcd|2|true|false"},
    {"{{ m|selectattr('role', 'equalto', 'user')|map(attribute='content')|list }}|{{ m|length }}",
     "[\"a\"]|2"},
    {"{%- if x.c is none -%}  N  {%- endif %}\n  {% if true %}\nyes\n  {% endif %}\nend",
     "Nyes\nend"},
    {"{{ 'a' if false else 'b' }}{{ x.zz|default('dflt') }}{{ ''|default('e', true) }}{{ x.get('a') }}{{ x.get('q', 5) }}",
     "bdflte15"},
    {"{{ \"%s\"|replace('%', '#') }}{{ 'aaa'|replace('a', 'b', 2) }}{{ 'l1\nl2'|indent(2) }}{{ x|dictsort }}",
     "#sbbal1\n  l2[[\"a\", 1], [\"b\", [1, 2.5, \"é\\n\\\"<\"]], [\"c\", null], [\"d\", true]]"},
};

static void test_oracle_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got;
        struct cola_err err;
        int rc = render(cases[i][0], &got, &err, NULL);
        if (rc || strcmp(got, cases[i][1]))
            fprintf(stderr, "case %zu: rc %d %s\n got [%s]\nwant [%s]\n", i, rc, err_msg(&err), got,
                    cases[i][1]);
        assert_int_equal(rc, 0);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
}

static void expect_error(const char *src, int code, const char *text)
{
    char *got;
    struct cola_err err;
    const struct jinja2_opts o = {.max_steps = 10000};
    int rc = render(src, &got, &err, &o);
    if (rc != code || !strstr(err_msg(&err), text))
        fprintf(stderr, "%s: rc %d [%s], want %d [%s]\n", src, rc, err_msg(&err), code, text);
    assert_int_equal(rc, code);
    assert_non_null(strstr(err_msg(&err), text));
    free(got);
}

static void test_errors_and_limits(void **state)
{
    (void)state;
    expect_error("line one\n{{ 1 + }}", COLA_EFORMAT, "line 2");
    expect_error("{% if true %}never closed", COLA_EFORMAT, "endif");
    expect_error("{{ s|frobnicate }}", COLA_EFORMAT, "Unknown StringValue filter: frobnicate");
    expect_error("{{ s is frobnicated }}", COLA_EFORMAT, "Unknown test: frobnicated");
    expect_error("{% frob %}", COLA_EFORMAT, "Unknown statement type: frob");
    expect_error("{{ raise_exception('Conversation roles must alternate') }}", COLA_EFORMAT,
                 "Conversation roles must alternate");
    expect_error("{{ x.c ~ 'a' }}", COLA_EFORMAT, "null values");
    /* a macro that calls itself forever, a loop that never ends, deep nesting */
    expect_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", COLA_ERANGE, "nest deeper");
    expect_error("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
                 COLA_ERANGE, "steps");
    char deep[4096] = "";
    for (int i = 0; i < 400; i++)
        strcat(deep, "(");
    strcat(deep, "1");
    for (int i = 0; i < 400; i++)
        strcat(deep, ")");
    char src[4200];
    snprintf(src, sizeof(src), "{{ %s }}", deep);
    expect_error(src, COLA_ERANGE, "nesting");
    /* output bounded by the buffer */
    struct jinja2 *t;
    struct cola_err err = {0};
    const char *big = "{% for i in range(100000) %}xxxxxxxxxx{% endfor %}";
    assert_int_equal(jinja2_parse(big, strlen(big), &t, &err), 0);
    struct buf b;
    buf_init(&b, 1000);
    json_t *ctx = json_object();
    assert_int_not_equal(jinja2_render(t, ctx, &b, NULL, &err), 0);
    json_decref(ctx);
    buf_free(&b);
    jinja2_free(t);
}

static void test_strftime(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    char *got;
    struct cola_err err;
    const struct jinja2_opts o = {.now = 1768478400}; /* 2026-01-15 12:00 UTC */
    assert_int_equal(render("{{ strftime_now('%d %b %Y %H:%M %B %%') }}", &got, &err, &o), 0);
    assert_string_equal(got, "15 Jan 2026 12:00 January %");
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oracle_cases),
        cmocka_unit_test(test_errors_and_limits),
        cmocka_unit_test(test_strftime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
