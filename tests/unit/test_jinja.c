/* test_jinja.c — the Jinja engine's language pieces, each expected string
 * (and each expected error message) produced by the reference
 * @huggingface/jinja 0.5.11 with the same context (the same oracle
 * test_jinja_accept runs over real templates): loops and loop.*, set,
 * namespace, macros and call, operators, literals, slicing, tests, filters,
 * string/dict methods, whitespace control, undefined; what the oracle
 * refuses cola refuses with the oracle's message; parse errors with their
 * line; the limits. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/jinja2.h"

#define CTX "{\"x\": {\"a\": 1, \"b\": [1, 2.5, \"é\\n\\\"<\"], \"c\": null, \"d\": true}, " \
            "\"s\": \"  Hi there  \", \"l\": [3, 1, 2], \"m\": [{\"role\": \"user\", \"content\": \"a\"}, " \
            "{\"role\": \"assistant\", \"content\": \"b\"}], \"n\": -3.7, \"e\": \"\", " \
            "\"g\": [2.0, 1e300, 9007199254740993, -0.0]}"

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

static const char *const more_cases[][2] = {
    /* `~` and `+` with a string convert the other side as JavaScript's toString
     * (strings checked with the oracle) */
    {"{{ 'a' ~ {'x': 1} }}|{{ 'a' ~ [1, 'b', 2.5, 1.0, true, none, nope, [3, [4]], {'k': [1.0]}] }}|{{ 1.0 ~ 'a' }}|{{ 'a' + 2.0 }}|{{ -0.0 ~ '' }}|{{ true ~ '' }}|{{ false + 'x' }}",
     "a[object Map]|a1,b,2.5,1.0,true,undefined,undefined,[3, [4]],{\"k\": [1]}|1a|a2|0|true|falsex"},
    {"{{ 'a' + x }}|{{ l + 'z' }}|{{ 'a' ~ x.b }}|{{ 1.5 ~ 'a' }}|{{ 1000000000000000000000.0 ~ '' }}|{{ 0.1 + 0.2 ~ '' }}|{{ 'a' ~ [] }}|{{ 'a' ~ {} }}|{{ 'a' ~ [x.c] }}|{{ [x.c]|join(',') }}",
     "a[object Map]|3,1,2z|a1,2.5,é\n\"<|1.5a|1e+21|0.30000000000000004|a|a[object Map]|aundefined|"},
    {"{{ 'a' ~ namespace(b=1) }}|{{ 'a' ~ m }}|{{ n ~ g }}|{{ 'a' ~ (1, 2.0) }}",
     "a[object Map]|a{\"role\": \"user\", \"content\": \"a\"},{\"role\": \"assistant\", \"content\": \"b\"}|-3.72,1e+300,9007199254740992,0|a1,2.0"},
    {"{{ 'a' + [3, 1, 2] }}", "a3,1,2"},
    {"{{ 'a' ~ 1.0 }}|{{ 'a' ~ 2.5 }}|{{ 'n' ~ -0.0 }}", "a1|a2.5|n0"},
    {"{{ 'a' ~ [1.0, {'k': 'v'}, [1, 2]] }}", "a1.0,{\"k\": \"v\"},[1, 2]"},
    {"{{ true ~ 'x' }}", "truex"},
    {"{% for i in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }};{% endfor %}",
     "10truefalse332;21falsefalse321;32falsetrue310;"},
    {"{% for i in l %}[{{ loop.previtem }}/{{ loop.nextitem }}]{% endfor %}",
     "[/1][3/2][1/]"},
    {"{% for i in l %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}|{% for i in l %}{% if i == 1 %}{% break %}{% endif %}{{ i }}{% endfor %}",
     "32|3"},
    {"{% for a, b in [[1,2],[3,4]] %}{{ a }}{{ b }}{% endfor %}|{% for k in x %}{{ k }}{% endfor %}",
     "1234|abcd"},
    {"{% for i in l if i > 1 %}{{ loop.index }}/{{ loop.length }} {% else %}E{% endfor %}|{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}",
     "1/2 2/2 |012147531"},
    {"{% set a = 1 %}{% set b, c = 2, 3 %}{{ a }}{{ b }}{{ c }}|{% set blk %}hello {{ 1 + 1 }}{% endset %}[{{ blk }}]|{% for i in l %}{% set q = i %}{% endfor %}[{{ q }}]",
     "123|[hello 2]|[]"},
    {"{% set ns = namespace(a=1, b='x') %}{% set ns.a = ns.a * 5 %}{{ ns.a }}{{ ns.b }}|{% set n2 = namespace() %}{% set n2.z = [1] %}{{ n2.z }}",
     "5x|[1]"},
    {"{% macro m(a, b=2, c='c') %}{{ a }}-{{ b }}-{{ c }}{% endmacro %}{{ m(1) }};{{ m(1, c=5) }};{{ m(1, 3, 4) }};{{ m(c=0, a=9) }}",
     "1-2-c;1-2-5;1-3-4;9-2-0"},
    {"{% macro m(a) %}<{{ caller() }}{{ a }}>{% endmacro %}{% call m(1) %}body{% endcall %}|{% macro m2(a) %}[{{ a }}]{% endmacro %}{{ m2() }}",
     "<body1>|[]"},
    {"{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 10 - 3 - 2 }}|{{ 2 ** 3 ** 2 }}|{{ 7 % 3 }}|{{ -7 // 2 }}|{{ 7.5 // 2 }}|{{ 1 / 3 }}|{{ 0.1 * 3 }}|{{ 1 / 0 }}",
     "7|9|5|64|1|-4|3.0|0.3333333333333333|0.30000000000000004|Infinity"},
    {"{{ 'a' ~ 1 ~ true }}|{{ 'a' + 'b' }}|{{ [1] + [2] }}|{{ 'a' + 1.5 }}|{{ 1 + 'a' }}",
     "a1true|ab|[1, 2]|a1.5|1a"},
    {"{{ 1 < 2 }}{{ 1 <= 1 }}{{ 2 > 3 }}{{ 'a' == 'a' }}{{ 'a' != 'b' }}{{ 1 == 1.0 }}{{ none == none }}{{ [1,2] == [1,2] }}",
     "truetruefalsetruetruetruetruefalse"},
    {"{{ 1 and 2 }}|{{ 0 or 'x' }}|{{ not 0 }}|{{ none or 'd' }}|{{ '' and 1 }}|{{ [] or 'empty' }}|{{ 'x' if 0 }}|{{ 1 if 1 else 2 }}|{{ 'y' if nope is defined else 'n' }}",
     "2|x|true|d||empty||1|n"},
    {"{{ {'a': 1, 'b': [2, 3]} }}|{{ {'a': 1}['a'] }}|{{ [1, 'two', none, true, 1.5] }}|{{ x['a'] }}{{ x.b[1] }}{{ m[0].role }}{{ m[-1]['content'] }}",
     "{\"a\": 1, \"b\": [2, 3]}|1|[1, \"two\", null, true, 1.5]|12.5userb"},
    {"{{ l[1:] }}|{{ l[:1] }}|{{ l[::2] }}|{{ l[::-1] }}|{{ 'hello'[::-1] }}|{{ 'hello'[-3:] }}|{{ l[5:] }}|{{ 'hello'[1:-1] }}|{{ x.b[10] }}|{{ l[-10] }}",
     "[1, 2]|[3]|[3, 2]|[2, 1, 3]|olleh|llo|[]|ell||"},
    {"{{ 1 in l }}{{ 'a' in x }}{{ 'q' not in x }}{{ 'Hi' in s }}{{ 'k' in {'k': 1} }}{{ 'a' in ['a', 'b'] }}",
     "truetruetruetruetruetrue"},
    {"{{ n }}|{{ n|abs }}|{{ n|int }}|{{ 1.5|string }}|{{ 10.0|int }}",
     "-3.7|3.7|-4|1.5|10"},
    {"{{ \"it's\" }}|{{ 'say \"hi\"' }}|{{ 'a\\tb' }}|{{ 2**0.5 }}|{{ 2**-1 }}|{{ 0.000001 }}|{{ 123456789.123 }}",
     "it's|say \"hi\"|a\tb|1.4142135623730951|0.5|0.000001|123456789.123"},
    {"{{ x is defined }}{{ nope is undefined }}{{ x.c is none }}{{ s is string }}{{ x is mapping }}{{ l is iterable }}{{ l is sequence }}{{ 1 is number }}{{ 1.5 is integer }}{{ 1 is integer }}",
     "truetruetruetruetruetruetruetruefalsetrue"},
    {"{{ true is boolean }}{{ true is true }}{{ 0 is false }}{{ false is false }}{{ 3 is odd }}{{ 4 is even }}{{ s is mapping }}{{ 's' is iterable }}",
     "truetruefalsetruetruetruefalsetrue"},
    {"{{ 'abc' is lower }}|{{ 'ABC' is upper }}|{{ l is callable }}|{{ x is not none }}|{{ nope is not defined }}",
     "true|true|false|true|true"},
    {"{{ s|trim }}|{{ s|length }}|{{ 'aBc'|upper }}{{ 'aBc'|lower }}|{{ 'hello wORLD'|title }}|{{ 'hello WORLD'|capitalize }}",
     "Hi there|12|ABCabc|Hello WORLD|Hello WORLD"},
    {"{{ l|join(',') }}|{{ l|join }}|{{ m|map(attribute='role')|join(', ') }}|{{ l|first }}{{ l|last }}|{{ (l|join(','))[0] }}",
     "3,1,2|312|user, assistant|32|3"},
    {"{{ nope|default('d') }}|{{ x.c|default('n') }}|{{ false|default('f', true) }}|{{ none|default('x') }}",
     "d||f|"},
    {"{{ x|items|list }}|{{ 1|string }}{{ true|string }}|{{ '42'|int + 1 }}|{{ 'x'|int }}|{{ '3.5'|float }}|{{ 2|float }}|{{ '4.7'|int }}|{{ true|int }}",
     "[[\"a\", 1], [\"b\", [1, 2.5, \"é\\n\\\"<\"]], [\"c\", null], [\"d\", true]]|1true|43|0|3.5|2.0|4|1"},
    {"{{ m|rejectattr('role', 'equalto', 'user')|list }}|{{ m|selectattr('content')|list|length }}",
     "[{\"role\": \"assistant\", \"content\": \"b\"}]|2"},
    {"{{ [1, 2, 1, 3]|unique|list }}|{{ l|sort(reverse=true) }}|{{ m|sort(attribute='content', reverse=true)|map(attribute='content')|join }}|{{ ['b','A','c']|sort }}|{{ m|map(attribute='role')|unique|list }}",
     "[1, 2, 3]|[3, 2, 1]|ba|[\"A\", \"b\", \"c\"]|[\"user\", \"assistant\"]"},
    {"{{ 'a\nb\n\nc'|indent(4) }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\nb'|indent(first=true) }}|{{ 'a\n\nb'|indent(2, blank=true) }}",
     "a\n    b\n\n    c|  a\n  b|    a\n    b|a\n  \n  b"},
    {"{{ '<a & \"b\">'|safe }}",
     "<a & \"b\">"},
    {"{{ x|dictsort }}|{{ {'b':1,'a':2}|dictsort(by='value') }}|{{ {'b':1,'A':2}|dictsort }}|{{ {'b':1,'A':2}|dictsort(true) }}",
     "[[\"a\", 1], [\"b\", [1, 2.5, \"é\\n\\\"<\"]], [\"c\", null], [\"d\", true]]|[[\"b\", 1], [\"a\", 2]]|[[\"A\", 2], [\"b\", 1]]|[[\"A\", 2], [\"b\", 1]]"},
    {"{{ range(3)|list }}|{{ range(0)|list }}|{{ range(3)|length }}",
     "[0, 1, 2]|[]|3"},
    {"{{ x|tojson(indent=4) }}|{{ [1.0, 2.50]|tojson }}|{{ {'a': 1.0}|tojson }}|{{ {}|tojson(indent=2) }}|{{ []|tojson(indent=2) }}|{{ 'ab'|tojson(indent=2) }}",
     "{\n    \"a\": 1,\n    \"b\": [\n        1,\n        2.5,\n        \"é\\n\\\"<\"\n    ],\n    \"c\": null,\n    \"d\": true\n}|[1, 2.5]|{\"a\": 1}|{}|[]|\"ab\""},
    {"{{ 'é<>&\\''|tojson }}|{{ none|tojson }}|{{ nope|tojson }}|{{ 1.0|tojson }}|{{ x|tojson(ensure_ascii=false) }}|{{ x|tojson(separators=(',', ':')) }}",
     "\"é<>&'\"|null|null|1|{\"a\": 1, \"b\": [1, 2.5, \"é\\n\\\"<\"], \"c\": null, \"d\": true}|{\"a\":1,\"b\":[1,2.5,\"é\\n\\\"<\"],\"c\":null,\"d\":true}"},
    {"{{ 'hello'|replace('l', 'L') }}|{{ l|reverse|list }}",
     "heLLo|[2, 1, 3]"},
    {"{{ s.startswith('  H') }}{{ s.endswith('x') }}{{ s.startswith(('a', ' ')) }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a b'.split(' ') }}|{{ 'a b'.split(none) }}|{{ ''.split(',') }}|{{ ''.split() }}",
     "truefalsetrue|[\"a\", \"b,c\"]|[\"a\", \"b\"]|[\"a\", \"b\"]|[\"\"]|[]"},
    {"{{ s.strip() }}|{{ s.lstrip() }}|{{ s.rstrip() }}|{{ 'xxaxx'.strip('x') }}|{{ 'aXb'.upper() }}{{ 'aXb'.lower() }}|{{ 'ab cd'.title() }}|{{ 'abc'.capitalize() }}",
     "Hi there|Hi there  |  Hi there|xxaxx|AXBaxb|Ab Cd|Abc"},
    {"{{ 'aaa'.replace('a', 'b') }}|{{ 'aaa'.replace('a', 'b', 1) }}",
     "bbb|baa"},
    {"{{ x.keys()|list }}|{{ x.values()|list }}|{{ x.items()|list }}|{{ x.get('zz') }}|{{ x.get('zz', 'd') }}|{{ {'a':1}|length }}",
     "[\"a\", \"b\", \"c\", \"d\"]|[1, [1, 2.5, \"é\\n\\\"<\"], null, true]|[[\"a\", 1], [\"b\", [1, 2.5, \"é\\n\\\"<\"]], [\"c\", null], [\"d\", true]]||d|1"},
    {"a  {%- if true %} b {% endif -%}  c|  {{- 'x' -}}  y|{# comment #}z{#- c -#}  w",
     "a b c|xy|zw"},
    {"line\n  {% if true %}\n  in\n  {% endif %}\nout\n{% for i in l %}\n  {{ i }}\n{% endfor %}\n",
     "line\n  in\nout\n  3\n  1\n  2\n"},
    {"{% generation %}gen{% endgeneration %}|{% filter upper %}up {{ 'x' }}{% endfilter %}|{% if true %}a{% elif false %}b{% else %}c{% endif %}{% if false %}a{% elif true %}b{% endif %}",
     "gen|UP X|ab"},
    {"[{{ nope }}]|[{{ nope.a }}]|[{{ x.zz }}]|[{{ x.zz.yy }}]|{{ nope is none }}|{{ nope == none }}|[{{ x.c.a }}]|[{{ x.a.b }}]|[{{ l['a'] }}]",
     "[]|[]|[]|[]|false|true|[]|[]|[]"},
    {"{% set a, b = [1, 2] %}{{ a }}{{ b }}|{% macro m(x) -%}[{{ x }}]{%- endmacro -%}{{ m(x=5) }}",
     "12|[5]"},
};

/* JavaScript numbers: the oracle's integers are doubles, so a result past
 * 2^53 or int64 is printed as JavaScript prints it, 5 // 0 is Infinity and
 * 5 % 0 NaN, and every use of such a value (index, slice, count, width,
 * test, filter, JSON) behaves as there (strings from the oracle) */
static const char *const number_cases[][2] = {
    {"{{ [1, {'a': []}]|tojson(indent=70) }}|{{ 5|tojson(indent=-1) }}|{{ [1]|tojson(indent=5 % 0) }}|{{ [[1]]|tojson(indent=0) }}",
     "[\n                                                                      1,\n                                                                      {\n                                                                                                                                            \"a\": []\n                                                                      }\n]|5|[1]|[[1]]"},
    {"{{ g }}|{{ g[0] is integer }}|{{ g[1] is integer }}|{{ g[1] }}|{{ g[2] + 1 }}|{{ g[3] }}|{{ 1 / g[3] }}|{{ g|tojson }}|{{ g[1] // 7 }}",
     "[2, 1e+300, 9007199254740992, 0]|true|true|1e+300|9007199254740992|0|-Infinity|[2, 1e+300, 9007199254740992, 0]|1.4285714285714286e+299"},
    {"{{ 9000000000000000000 + 9000000000000000000 }}|{{ 2 ** 70 }}|{{ 9223372036854775807 + 1 }}|{{ 99999999999 * 99999999999 }}|{{ -9223372036854775807 - 10 }}",
     "18000000000000000000|1.1805916207174113e+21|9223372036854776000|9.9999999998e+21|-9223372036854776000"},
    {"{{ 5 // 0 }}|{{ -5 // 0 }}|{{ 5 % 0 }}|{{ 0 // 0 }}|{{ 5.0 // 0 }}|{{ 5 % 0.0 }}|{{ 1 / 0 }}",
     "Infinity|-Infinity|NaN|NaN|Infinity|NaN|Infinity"},
    {"{{ 9223372036854775807 }}|{{ 9007199254740993 }}|{{ -9223372036854775808 }}|{{ 100000000000000000000000 }}|{{ 0 * -1 }}|{{ 1 / (0 * -1) }}",
     "9223372036854776000|9007199254740992|-9223372036854776000|1e+23|0|-Infinity"},
    {"{{ (2 ** 70) is integer }}|{{ (5 // 0) is odd }}|{{ (5 % 0) is even }}|{{ (2 ** 70) is even }}|{{ (2 ** 70) is number }}",
     "true|true|false|true|true"},
    {"{{ [2 ** 70, 5 // 0, 5 % 0]|tojson }}|{{ (2 ** 70)|string }}|{{ (5 // 0)|abs }}|{{ -(2 ** 70) }}|{{ (-(5 // 0))|abs }}",
     "[1.1805916207174113e+21, null, null]|1.1805916207174113e+21|Infinity|-1.1805916207174113e+21|Infinity"},
    {"{{ 'a' ~ (2 ** 70) }}|{{ 'a' + (5 // 0) }}|{{ (5 % 0) ~ 'b' }}|{{ [2 ** 70, 5 // 0]|join(',') }}",
     "a1.1805916207174113e+21|aInfinity|NaNb|1.1805916207174113e+21,Infinity"},
    {"{{ l[2 ** 70] }}|{{ l[-(2 ** 70)] }}|{{ l[5 % 0] }}|{{ l[(2 ** 70):] }}|{{ l[:5 // 0] }}|{{ l[::2 ** 70] }}|{{ l[1::9007199254740992] }}|{{ 'abc'[::-(2 ** 70)] }}",
     "||3|[]|[3, 1, 2]|[3]|[1]|c"},
    {"{{ range(3, 2 ** 70 // 2 ** 69 + 3) }}|{{ 'a b c'.split(' ', 5 // 0) }}|{{ 'a b c'.split(none, -(5 // 0)) }}|{{ 'aaa'.replace('a', 'b', 5 // 0) }}|{{ 'aaa'.replace('a', 'b', 5 % 0) }}",
     "[3, 4]|[\"a\", \"b\", \"c\"]|[\"a b c\"]|bbb|aaa"},
    {"{% if 5 % 0 %}t{% else %}f{% endif %}|{% if 5 // 0 %}t{% else %}f{% endif %}|{{ (2 ** 70) == 2 ** 70 }}|{{ (5 % 0) == (5 % 0) }}|{{ 2 ** 70 > 2 ** 69 }}|{{ (5//0) - (5//0) }}",
     "f|t|true|false|true|NaN"},
    {"{{ 18446744073709551616 - 18446744073709551615 }}|{{ 9007199254740992 + 1 }}|{{ -(-9223372036854775807 - 1) }}|{{ (-9223372036854775807 - 1)|abs }}",
     "0|9007199254740992|9223372036854776000|9223372036854776000"},
    {"{{ 1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 }}",
     "1e+141"},
    {"{{ 1000000000000000000000000000000.5|int }}|{{ (0.0 / 0)|int }}|{{ (-1.0 / 0)|int }}|{{ '99999999999999999999999'|int }}|{{ ' -12abc'|int }}|{{ 'x'|int }}|{{ '0x10'|int }}|{{ '0x10'|float }}|{{ 'nan'|float }}|{{ '1e3x'|float }}|{{ '-Infinity'|float }}|{{ 'x'|int(7) }}|{{ '.5'|float }}|{{ '5.'|float }}|{{ '-0'|int }}|{{ 'inf'|float(2) }}",
     "1e+30|NaN|-Infinity|1e+23|-12|0|0|0.0|0.0|1000.0|-Infinity|7|0.5|5.0|0|2"},
    {"{{ 9223372036854775807|tojson }}|{{ x.a + 9007199254740992 }}|{{ l|sort(attribute=2 ** 70) }}|{{ 'ab'|indent(5 % 0, true) }}",
     "9223372036854776000|9007199254740992|[3, 1, 2]|ab"},
    {"{{ 5 // 0|float }}|{{ (2 ** 70)|float }}|{{ (5 % 0)|int }}",
     "Infinity|1.1805916207174113e+21|NaN"},
    {"{{ 'a\nb'|indent(300, true)|length }}|{{ 'a\n\nb'|indent(2, blank=true) }}|{{ 'ab'|indent(5 % 0, true) }}",
     "603|a\n  \n  b|ab"},
};

static const char *const oracle_errors[][2] = {
    {"{{ [1]|tojson(indent=-2) }}", "Invalid count value: -2"},
    {"{{ {}|tojson(indent=5 // 0) }}", "Invalid count value: Infinity"},
    {"{{ [1, [range]]|tojson }}", "Cannot convert to JSON: FunctionValue"},
    {"{{ 'a' ~ nope }}", "Cannot perform operation ~ on undefined values"},
    {"{{ 'a' + none }}", "Cannot perform operation on null values"},
    {"{{ 'a'|indent(-1) }}", "Invalid count value: -1"},
    {"{{ 'a'|indent(5 // 0) }}", "Invalid count value: Infinity"},
    {"{% for c in 'abc' %}{{ c }}-{% endfor %}", "Expected iterable or object type in for loop: got StringValue"},
    {"{{ 'ab' * 3 }}", "Unknown operator \"*\" between StringValue and IntegerValue"},
    {"{{ 'b' > 'a' }}", "Unknown operator \">\" between StringValue and StringValue"},
    {"{{ n|round }}", "Unknown NumericValue filter: round"},
    {"{{ 3.14159|round(2) }}", "Cannot apply filter \"round\" to type: FloatValue"},
    {"{{ 2.5|round }}", "Unknown NumericValue filter: round"},
    {"{{ n|round(0, 'floor') }}", "Cannot apply filter \"round\" to type: FloatValue"},
    {"{{ l|count }}", "Unknown ArrayValue filter: count"},
    {"{{ ' a '|trim('a ') }}", "Unknown StringValue filter: trim"},
    {"{{ 'xax'|trim('x') }}", "Unknown StringValue filter: trim"},
    {"{{ 'abc'|first }}", "Unknown StringValue filter: first"},
    {"{{ 'abc'|last }}", "Unknown StringValue filter: last"},
    {"{{ nope|d('dd') }}", "Cannot apply filter \"d\" to type: UndefinedValue"},
    {"{{ 'ab'|list }}", "Unknown StringValue filter: list"},
    {"{{ l|select('odd')|list }}", "Unknown ArrayValue filter: select"},
    {"{{ l|reject('odd')|list }}", "Unknown ArrayValue filter: reject"},
    {"{{ x.b|map('tojson')|join(', ') }}", "`map` expressions without `attribute` set are not currently supported."},
    {"{{ '<a & \"b\">'|e }}", "Unknown StringValue filter: e"},
    {"{{ '<a>'|escape }}", "Unknown StringValue filter: escape"},
    {"{{ l|sum }}", "Unknown ArrayValue filter: sum"},
    {"{{ [1.5, 2]|sum }}", "Unknown ArrayValue filter: sum"},
    {"{{ l|map('abs')|list }}", "`map` expressions without `attribute` set are not currently supported."},
    {"{{ ['a','b']|map('upper')|join }}", "`map` expressions without `attribute` set are not currently supported."},
    {"{{ [1,2,3,4,5]|batch(2)|list }}", "Unknown ArrayValue filter: batch"},
    {"{{ [1,2,3]|batch(2, 'x')|list }}", "Unknown ArrayValue filter: batch"},
    {"{{ 'a b c'|wordcount }}", "Unknown StringValue filter: wordcount"},
    {"{{ 'abc'|reverse }}", "Unknown StringValue filter: reverse"},
    {"{{ 'x'|center(5) }}", "Unknown StringValue filter: center"},
    {"{{ '<b>x</b>'|striptags }}", "Unknown StringValue filter: striptags"},
    {"{{ 'Hello world'|truncate(8) }}", "Unknown StringValue filter: truncate"},
    {"{{ x|attr('a') }}", "Unknown ObjectValue filter: attr"},
    {"{{ '%s-%d'|format('a', 3) }}", "Unknown StringValue filter: format"},
    {"{{ \"%.2f\"|format(3.14159) }}", "Unknown StringValue filter: format"},
    {"{{ '{} and {}'.format(1, 'x') }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'a,b,c'.rsplit(',', 1) }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'abc'.find('c') }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'abc'.find('z') }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'abc'.count('b') }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'a1'.isalnum() }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ '12'.isdigit() }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ ' '.join(['a','b']) }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'a\nb'.splitlines() }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'x'.ljust(3) }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'x'.zfill(3) }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'abc'.rfind('c') }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'abc'.removeprefix('a') }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'abc'.removesuffix('c') }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ 'Ab'.islower() }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ x.setdefault('a', 5) }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{% set a = [1] %}{% set _ = a.append(2) %}{{ a }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ l.index(1) }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ l.count(3) }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{% set d = {} %}{% set _ = d.update({'k': 1}) %}{{ d }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{% set a = [1,2,3] %}{{ a.pop() }}{{ a }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{% set a = [1] %}{% set _ = a.insert(0, 5) %}{{ a }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{% set a=[2,1] %}{{ a.copy() }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{% set d = {'a': 1} %}{{ d.pop('a') }}{{ d }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{% for i in [1] %}{{ loop.cycle('a', 'b') }}{% endfor %}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ nope|length }}", "Cannot apply filter \"length\" to type: UndefinedValue"},
    {"{{ nope + 1 }}", "Cannot perform operation + on undefined values"},
    {"{{ nope ~ 'a' }}", "Cannot perform operation ~ on undefined values"},
    {"{{ 'a' + x.c }}", "Cannot perform operation on null values"},
    {"{% for i in nope %}{{ i }}{% endfor %}", "Expected iterable or object type in for loop: got UndefinedValue"},
    {"{{ 'a' - 1 }}", "Unknown operator \"-\" between StringValue and IntegerValue"},
    {"{{ undefined_fn() }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ s.nomethod() }}", "Cannot call something that is not a function: got UndefinedValue"},
    {"{{ l|nofilter }}", "Unknown ArrayValue filter: nofilter"},
    {"{{ x|string }}", "Unknown ObjectValue filter: string"},
    {"{{ l|min }}", "Unknown ArrayValue filter: min"},
    {"{% raw %}x{% endraw %}", "Unknown statement type: raw"},
    {"{% endif %}", "Unknown statement type: endif"},
    {"{% for a, b in [(1, 2, 3)] %}{% endfor %}", "Cannot unpack non-iterable type: TupleValue"},
    {"{{ {1: 2} }}", "Object keys must be strings: got IntegerValue"},
};

static void check_cases(const char *const (*tab)[2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *got;
        struct cola_err err;
        int rc = render(tab[i][0], &got, &err, NULL);
        if (rc || strcmp(got, tab[i][1]))
            fprintf(stderr, "case %zu: rc %d %s\n got [%s]\nwant [%s]\n", i, rc, err_msg(&err), got,
                    tab[i][1]);
        assert_int_equal(rc, 0);
        assert_string_equal(got, tab[i][1]);
        free(got);
    }
}

static void test_oracle_cases(void **state)
{
    (void)state;
    check_cases(cases, sizeof(cases) / sizeof(cases[0]));
    check_cases(more_cases, sizeof(more_cases) / sizeof(more_cases[0]));
    check_cases(number_cases, sizeof(number_cases) / sizeof(number_cases[0]));
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

/* what the oracle refuses (filters, methods and operators it lacks, undefined
 * and null operands, bad unpacking) cola refuses with the same message */
static void test_oracle_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(oracle_errors) / sizeof(oracle_errors[0]); i++)
        expect_error(oracle_errors[i][0], COLA_EFORMAT, oracle_errors[i][1]);
    /* parse errors: the oracle's message goes on with the token names */
    expect_error("{{ 1 is equalto 1 }}", COLA_EFORMAT, "Expected closing expression token");
    expect_error("{{ l|first.real }}", COLA_EFORMAT, "Expected closing expression token");
    expect_error("{% if %}", COLA_EFORMAT, "Unexpected token");
    expect_error("a\nb\n{{ 'abc }}", COLA_EFORMAT, "line 3");
    expect_error("{# never closed", COLA_EFORMAT, "Missing end of comment tag");
    expect_error("{% for i in l %}{{ i }}", COLA_EFORMAT, "jinja: line 1");
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
    /* statements nested too deep; a caller() that calls its macro again */
    char *stmts = malloc(300 * 24 + 16);
    assert_non_null(stmts);
    stmts[0] = '\0';
    for (int i = 0; i < 300; i++)
        strcat(stmts, "{% if true %}");
    for (int i = 0; i < 300; i++)
        strcat(stmts, "{% endif %}");
    expect_error(stmts, COLA_ERANGE, "nesting");
    free(stmts);
    expect_error("{% macro f() %}{{ caller() }}{% endmacro %}{% macro g() %}{% call f() %}{{ g() }}"
                 "{% endcall %}{% endmacro %}{{ g() }}",
                 COLA_ERANGE, "nest deeper");
    expect_error("{{ range(1000000000)|length }}", COLA_EFORMAT, "range() too long");
    /* a value that doubles until the engine's memory bound stops it */
    expect_error("{% set s = 'x' %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s|length }}",
                 COLA_ENOMEM, "out of memory");
    /* the source size */
    const size_t big_n = JINJA2_MAX_SOURCE + 1;
    char *huge = malloc(big_n);
    assert_non_null(huge);
    memset(huge, 'a', big_n);
    struct jinja2 *ht = NULL;
    struct cola_err herr = {0};
    assert_int_equal(jinja2_parse(huge, big_n, &ht, &herr), COLA_ERANGE);
    assert_null(ht);
    assert_non_null(strstr(err_msg(&herr), "larger than"));
    free(huge);
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

/* {% set ns.v = [ns.v] %} n times: 1 inside n lists */
static char *nest_src(int n, const char *print)
{
    char *src = malloc(256 + strlen(print));
    assert_non_null(src);
    snprintf(src, 256 + strlen(print),
             "{%% set ns = namespace(v=1) %%}{%% for i in range(%d) %%}{%% set ns.v = [ns.v] %%}"
             "{%% endfor %%}%s", n, print);
    return src;
}

static char *brackets(const char *before, int n)
{
    char *s = malloc(strlen(before) + 2 * (size_t)n + 3); /* and a closing character */
    assert_non_null(s);
    strcpy(s, before);
    size_t k = strlen(s);
    for (int i = 0; i < n; i++)
        s[k++] = '[';
    s[k++] = '1';
    for (int i = 0; i < n; i++)
        s[k++] = ']';
    s[k] = '\0';
    return s;
}

/* Values nested up to JINJA2_MAX_VALUE_DEPTH lists print as the oracle
 * prints them (the oracle's text: 200 '[' then 1 then 200 ']'; a join
 * peels one list); one list more is COLA_ERANGE naming the limit from
 * every printer — never a cut text, never "out of memory" — and so is a
 * context nested deeper. A text past the output's maximum is COLA_ENOMEM
 * from every builder, never a shorter text. */
static void test_value_depth(void **state)
{
    (void)state;
    static const char *const printers[] = {"{{ ns.v }}", "{{ ns.v|string }}", "{{ ns.v|tojson }}",
                                           "{{ 'a' ~ [ns.v] }}", "{{ [ns.v]|join }}"};
    for (size_t i = 0; i < sizeof(printers) / sizeof(printers[0]); i++) {
        char *src = nest_src(JINJA2_MAX_VALUE_DEPTH, printers[i]), *got;
        char *want = brackets(i == 3 ? "a" : "", i == 4 ? JINJA2_MAX_VALUE_DEPTH - 1 : JINJA2_MAX_VALUE_DEPTH);
        struct cola_err err;
        assert_int_equal(render(src, &got, &err, NULL), 0);
        assert_string_equal(got, want);
        free(got);
        free(want);
        free(src);
        src = nest_src(JINJA2_MAX_VALUE_DEPTH + (i == 4 ? 2 : 1), printers[i]);
        expect_error(src, COLA_ERANGE, "nested deeper than 200 lists and dicts");
        free(src);
    }
    char *src = nest_src(JINJA2_MAX_VALUE_DEPTH, "{{ {'k': ns.v}|tojson|length }}");
    expect_error(src, COLA_ERANGE, "nested deeper than 200");
    free(src);
    /* the context: 200 lists read, 201 refused */
    for (int n = JINJA2_MAX_VALUE_DEPTH; n <= JINJA2_MAX_VALUE_DEPTH + 1; n++) {
        char *json = brackets("{\"v\": ", n);
        strcat(json, "}");
        json_error_t je;
        json_t *ctx = json_loads(json, 0, &je);
        assert_non_null(ctx);
        struct jinja2 *t = NULL;
        struct cola_err err = {0};
        assert_int_equal(jinja2_parse("{{ v|length }}", 14, &t, &err), 0);
        struct buf b;
        buf_init(&b, 1 << 20);
        const int rc = jinja2_render(t, ctx, &b, NULL, &err);
        if (n == JINJA2_MAX_VALUE_DEPTH) {
            assert_int_equal(rc, 0);
            assert_string_equal(b.data, "1");
        } else {
            assert_int_equal(rc, COLA_ERANGE);
            assert_non_null(strstr(err_msg(&err), "deeper than 200"));
        }
        buf_free(&b);
        jinja2_free(t);
        json_decref(ctx);
        free(json);
    }
}

/* Each builder of a text (|string, tojson, join, ~, replace, indent,
 * strftime_now, a filter block) past the output's maximum: COLA_ENOMEM,
 * never a shorter text printed as if whole. */
static void test_no_cut_text(void **state)
{
    (void)state;
    static const char *const srcs[] = {
        "{{ (range(400)|list|string)|length }}", "{{ (range(400)|list|tojson)|length }}",
        "{{ (range(400)|join(',') )|length }}", "{{ ('a' ~ range(400)|list)|length }}",
        "{{ 'xx'|replace('x', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy')|replace('y', 'zzzzzzzzzzzzzzzzzzzzzzzzz')|length }}",
        "{{ strftime_now('yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'|replace('y', '%B%B%B%B'))|length }}",
        "{{ ('a\nb'|indent(900, true))|length }}",
    };
    for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
        struct jinja2 *t = NULL;
        struct cola_err err = {0};
        assert_int_equal(jinja2_parse(srcs[i], strlen(srcs[i]), &t, &err), 0);
        struct buf b;
        buf_init(&b, 1000);
        json_t *ctx = json_object();
        const int rc = jinja2_render(t, ctx, &b, NULL, &err);
        if (rc != COLA_ENOMEM)
            fprintf(stderr, "%s: rc %d [%s] out [%s]\n", srcs[i], rc, err_msg(&err), b.data ? b.data : "");
        assert_int_equal(rc, COLA_ENOMEM);
        buf_free(&b);
        json_decref(ctx);
        jinja2_free(t);
    }
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
    /* the oracle knows only some directives and prints the others as written */
    assert_int_equal(render("{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%A %-d %B') }}|"
                            "{{ strftime_now('%I %p %j %y %e') }}",
                            &got, &err, &o),
                     0);
    assert_string_equal(got, "2026-01-15|%A %-d January|%I %p %j %y %e");
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oracle_cases),
        cmocka_unit_test(test_oracle_errors),
        cmocka_unit_test(test_errors_and_limits),
        cmocka_unit_test(test_value_depth),
        cmocka_unit_test(test_no_cut_text),
        cmocka_unit_test(test_strftime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
