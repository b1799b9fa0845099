/* test_prompt.c — Ollama's prompt building (TEMPLATES.md §2, §6.2-6.4):
 * the messages / legacy / FIM modes, collation, the cut after .Response,
 * the tool value printing rules, and chatPrompt's truncation and image
 * tags, each against the expected strings of Ollama's own tests. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "template/prompt.h"

static char *render_v(const char *tmpl, const struct prompt_values *v, int *rc_out)
{
    struct gotmpl *t = NULL;
    struct cola_err err;
    err_clear(&err);
    int rc = gotmpl_parse_ollama(tmpl, strlen(tmpl), &t, &err);
    if (rc)
        fprintf(stderr, "parse: %s\n", err_msg(&err));
    assert_int_equal(rc, 0);
    struct buf b;
    buf_init(&b, 1 << 20);
    rc = prompt_exec(t, v, &b, &err);
    if (rc && !rc_out)
        fprintf(stderr, "exec: %s\n", err_msg(&err));
    if (rc_out)
        *rc_out = rc;
    else
        assert_int_equal(rc, 0);
    gotmpl_free(t);
    char *s = strdup(b.data ? b.data : "");
    buf_free(&b);
    return s;
}

/* Render tmpl over messages (JSON text) and tools (JSON text or NULL). */
static char *render(const char *tmpl, const char *messages, const char *tools)
{
    json_error_t je;
    json_t *m = json_loads(messages, 0, &je), *t = tools ? json_loads(tools, 0, &je) : NULL;
    assert_non_null(m);
    struct prompt_values v = {.messages = m, .tools = t, .think = {.level = ""}};
    char *s = render_v(tmpl, &v, NULL);
    json_decref(m);
    json_decref(t);
    return s;
}

static void expect(const char *tmpl, const char *messages, const char *tools, const char *want)
{
    char *got = render(tmpl, messages, tools);
    if (strcmp(got, want))
        fprintf(stderr, "template %s\n got [%s]\nwant [%s]\n", tmpl, got, want);
    assert_string_equal(got, want);
    free(got);
}

#define HELLO "{\"role\":\"user\",\"content\":\"Hello friend!\"}"
#define HUMAN "{\"role\":\"assistant\",\"content\":\"Hello human!\"}"
#define NAME "{\"role\":\"user\",\"content\":\"What is your name?\"}"

/* TestExecuteWithMessages: legacy and messages templates agree */
static void test_execute_with_messages(void **state)
{
    (void)state;
    static const char *const mistral[] = {
        "[INST] {{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}[/INST] ",
        "[INST] {{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}[/INST] {{ .Response }}",
        ("[INST] {{ if .System }}{{ .System }}\n\n{{ end }}\n{{- range .Messages }}\n{{- if eq .Role "
         "\"user\" }}{{ .Content }}[/INST] {{ else if eq .Role \"assistant\" }}{{ .Content }}[INST] "
         "{{ end }}\n{{- end }}")};
    for (int i = 0; i < 3; i++) {
        expect(mistral[i], "[" HELLO "," HUMAN "," NAME "]", NULL,
               "[INST] Hello friend![/INST] Hello human![INST] What is your name?[/INST] ");
        expect(mistral[i],
               "[{\"role\":\"system\",\"content\":\"You are a helpful assistant!\"}," HELLO "," HUMAN
               "," NAME "]",
               NULL,
               "[INST] You are a helpful assistant!\n\nHello friend![/INST] Hello human![INST] What "
               "is your name?[/INST] ");
    }
    static const char *const prefill[] = {
        "[INST] {{ .Prompt }}[/INST] ", "[INST] {{ .Prompt }}[/INST] {{ .Response }}",
        ("\n{{- range $i, $m := .Messages }}\n{{- if eq .Role \"user\" }}[INST] {{ .Content }}[/INST] "
         "{{ else if eq .Role \"assistant\" }}{{ .Content }}{{ end }}\n{{- end }}")};
    for (int i = 0; i < 3; i++)
        expect(prefill[i],
               "[" HELLO "," HUMAN "," NAME
               ",{\"role\":\"assistant\",\"content\":\"My name is Ollama and I\"}]",
               NULL,
               "[INST] Hello friend![/INST] Hello human![INST] What is your name?[/INST] My name is "
               "Ollama and I");
    static const char *const chatml[] = {
        ("{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}{{ if .Prompt "
         "}}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n{{ end }}<|im_start|>assistant\n{{ .Response "
         "}}<|im_end|>\n"),
        ("\n{{- range $index, $_ := .Messages }}<|im_start|>{{ .Role }}\n{{ .Content "
         "}}<|im_end|>\n{{ end }}<|im_start|>assistant\n")};
    for (int i = 0; i < 2; i++)
        expect(chatml[i],
               "[{\"role\":\"system\",\"content\":\"You are a helpful assistant!\"}," HELLO "," HUMAN
               "," NAME "]",
               NULL,
               "<|im_start|>system\nYou are a helpful assistant!<|im_end|>\n<|im_start|>user\nHello "
               "friend!<|im_end|>\n<|im_start|>assistant\nHello human!<|im_end|>\n<|im_start|>user\n"
               "What is your name?<|im_end|>\n<|im_start|>assistant\n");
}

/* TestExecuteWithSuffix, TestDateFunctions, TestCollate */
static void test_suffix_dates_collate(void **state)
{
    (void)state;
    const char *fim = "{{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>\n{{- else }}"
                      "{{ .Prompt }}\n{{- end }}";
    expect(fim, "[{\"role\":\"user\",\"content\":\"hello\"}]", NULL, "hello");
    struct prompt_values v = {.prompt = "def add(", .suffix = "return x", .think = {.level = ""}};
    char *s = render_v(fim, &v, NULL);
    assert_string_equal(s, "<PRE> def add( <SUF>return x <MID>");
    free(s);

    json_t *m = json_loads("[{\"role\":\"user\",\"content\":\"Hello\"}]", 0, NULL);
    const time_t now = 1767225600 + 86400 * 45; /* 2026-02-15 00:00 UTC */
    struct prompt_values d = {.messages = m, .now = now, .think = {.level = ""}};
    char want[64], want2[64];
    struct tm tm;
    time_t t = now;
    localtime_r(&t, &tm);
    strftime(want, sizeof(want), "Hello Today is %Y-%m-%d", &tm);
    t = now - 86400;
    localtime_r(&t, &tm);
    strftime(want2, sizeof(want2), "Hello Yesterday was %Y-%m-%d", &tm);
    s = render_v("{{- range .Messages }}{{ .Content }}{{ end }} Today is {{ currentDate }}", &d, NULL);
    assert_string_equal(s, want);
    free(s);
    s = render_v("{{- range .Messages }}{{ .Content }}{{ end }} Yesterday was {{ yesterdayDate }}", &d,
                 NULL);
    assert_string_equal(s, want2);
    free(s);
    json_decref(m);

    /* collate: same-role runs merge with "\n\n"; tool messages stay apart */
    const char *dump = "{{ .System }}|{{ range .Messages }}{{ .Role }}:{{ .Content }}"
                       "{{ with .ToolName }}({{ . }}){{ end }};{{ end }}";
    expect(dump,
           "[{\"role\":\"user\",\"content\":\"Hello\"},{\"role\":\"user\",\"content\":\"How are "
           "you?\"}]",
           NULL, "|user:Hello\n\nHow are you?;");
    expect(dump,
           "[{\"role\":\"tool\",\"content\":\"sunny\",\"tool_name\":\"get_weather\"},{\"role\":"
           "\"tool\",\"content\":\"72F\",\"tool_name\":\"get_temperature\"}]",
           NULL, "|tool:sunny(get_weather);tool:72F(get_temperature);");
    expect(dump,
           "[{\"role\":\"system\",\"content\":\"You are helpful\"},{\"role\":\"user\",\"content\":"
           "\"a\"},{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"},"
           "{\"role\":\"tool\",\"content\":\"d\"},{\"role\":\"tool\",\"content\":\"e\"},{\"role\":"
           "\"user\",\"content\":\"Thanks\"}]",
           NULL, "You are helpful|system:You are helpful;user:a;assistant:b;user:c;tool:d;tool:e;"
                 "user:Thanks;");
    /* two system messages: both kept in the list, joined in .System; roles lower-cased */
    expect(dump,
           "[{\"role\":\"SYSTEM\",\"content\":\"one\"},{\"role\":\"system\",\"content\":\"two\"},"
           "{\"role\":\"User\",\"content\":\"hi\"}]",
           NULL, "one\n\ntwo|system:one\n\ntwo;user:hi;");
}

#define WEATHER_TOOL                                                                               \
    "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Get the "    \
    "weather\",\"parameters\":{\"type\":\"object\",\"required\":[\"location\"],\"properties\":{"  \
    "\"location\":{\"type\":\"string\",\"description\":\"City name\"}}}}}]"

/* TestTemplateArgumentsJSON / PropertiesJSON / ArgumentsRange / PropertiesRange */
static void test_tool_values(void **state)
{
    (void)state;
    const char *call = "[{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{"
                       "\"name\":\"get_weather\",\"arguments\":{\"location\":\"Tokyo\",\"unit\":"
                       "\"celsius\"}}}]}]";
    expect("{{- range .Messages }}{{- range .ToolCalls }}{{ .Function.Arguments }}{{- end }}{{- end }}",
           call, NULL, "{\"location\":\"Tokyo\",\"unit\":\"celsius\"}");
    expect("{{- range .Messages }}{{- end }}{{- range .Tools }}{{ .Function.Parameters.Properties }}"
           "{{- end }}",
           "[]", WEATHER_TOOL, "{\"location\":{\"type\":\"string\",\"description\":\"City name\"}}");
    expect("{{- range .Messages }}{{- range .ToolCalls }}{{- range $k, $v := .Function.Arguments }}"
           "{{ $k }}={{ $v }};{{- end }}{{- end }}{{- end }}",
           "[{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"x\","
           "\"arguments\":{\"city\":\"Tokyo\"}}}]}]",
           NULL, "city=Tokyo;");
    expect("{{- range .Messages }}{{- end }}{{- range .Tools }}{{- range $name, $prop := "
           ".Function.Parameters.Properties }}{{ $name }}:{{ $prop.Type }};{{- end }}{{- end }}",
           "[]", WEATHER_TOOL, "location:string;");
    /* the tools list and one tool print as JSON (Go field order, omitempty) */
    expect("{{ .Tools }}|{{ range .Tools }}{{ .Function.Name }}{{ end }}|{{ range .Messages }}"
           "{{ range .ToolCalls }}{{ .Function.Index }}{{ .Function.Arguments }}{{ end }}{{ end }}",
           "[{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"index\":2,"
           "\"name\":\"f\"}}]}]",
           WEATHER_TOOL,
           "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Get the "
           "weather\",\"parameters\":{\"type\":\"object\",\"required\":[\"location\"],\"properties\":"
           "{\"location\":{\"type\":\"string\",\"description\":\"City name\"}}}}}]|get_weather|2{}");
    /* no tools: a nil list (false, prints []) */
    expect("{{ if .Tools }}yes{{ else }}no{{ end }}{{ .Tools }}{{ range .Messages }}{{ end }}", "[]",
           NULL, "nonull"); /* templateTools(nil).String() is json.Marshal(nil) */
    /* ... while a legacy template has no .Tools at all */
    expect("{{ if .Tools }}yes{{ else }}no{{ end }}{{ .Tools }}", "[]", NULL, "no<no value>");
    /* images: base64 decoded to bytes */
    expect("{{ range .Messages }}{{ .Images }}{{ end }}",
           "[{\"role\":\"user\",\"content\":\"x\",\"images\":[\"AQID\"]}]", NULL, "[[1 2 3]]");
}

static void test_bad_input(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "[{\"role\":\"user\",\"content\":5}]",
        "[{\"role\":7,\"content\":\"x\"}]",
        "[\"not an object\"]",
        "[{\"role\":\"user\",\"content\":\"x\",\"images\":[\"not base64!\"]}]",
        "[{\"role\":\"user\",\"content\":\"x\",\"tool_calls\":[{\"function\":{\"arguments\":3}}]}]",
        "[{\"role\":\"user\",\"content\":\"x\",\"tool_calls\":{}}]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *m = json_loads(bad[i], 0, NULL);
        assert_non_null(m);
        struct prompt_values v = {.messages = m, .think = {.level = ""}};
        int rc = 0;
        char *s = render_v("{{ range .Messages }}{{ .Content }}{{ end }}", &v, &rc);
        assert_int_equal(rc, COLA_EINVAL);
        free(s);
        json_decref(m);
    }
    json_t *m = json_loads("[]", 0, NULL), *t = json_loads("[{\"function\":{\"parameters\":{"
                                                            "\"properties\":{\"a\":{\"type\":3}}}}}]",
                                                            0, NULL);
    struct prompt_values v = {.messages = m, .tools = t, .think = {.level = ""}};
    int rc = 0;
    free(render_v("{{ .Tools }}{{ .Messages }}", &v, &rc));
    assert_int_equal(rc, COLA_EINVAL);
    json_decref(m);
    json_decref(t);
}

/* routes_generate_test.go / routes_chat: server-level prompts */
static void test_server_vectors(void **state)
{
    (void)state;
    const char *legacy = "\n{{- if .System }}System: {{ .System }} {{ end }}\n{{- if .Prompt }}User: "
                         "{{ .Prompt }} {{ end }}\n{{- if .Response }}Assistant: {{ .Response }} "
                         "{{ end }}\n";
    expect(legacy, "[{\"role\":\"user\",\"content\":\"Hello!\"}]", NULL, "User: Hello! ");
    expect(legacy,
           "[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},{\"role\":\"user\","
           "\"content\":\"Hello!\"}]",
           NULL, "System: You are a helpful assistant. User: Hello! ");
    expect("{{- if .System }}{{ .System }} {{ end }}{{- if .Prompt }}### USER {{ .Prompt }} {{ end "
           "}}{{- if .Response }}### ASSISTANT {{ .Response }} {{ end }}",
           "[{\"role\":\"system\",\"content\":\"You can perform magic tricks.\"},{\"role\":\"user\","
           "\"content\":\"Help me write tests.\"}]",
           NULL, "You can perform magic tricks. ### USER Help me write tests. ");
    const char *chat = "\n{{- if .Tools }}\n{{ .Tools }}\n{{ end }}\n{{- range .Messages }}\n{{- "
                       ".Role }}: {{ .Content }}\n{{- range .ToolCalls }}{\"name\": \"{{ "
                       ".Function.Name }}\", \"arguments\": {{ .Function.Arguments }}}\n{{- end "
                       "}}\n{{ end }}";
    expect(chat, "[{\"role\":\"user\",\"content\":\"Hello!\"}]", NULL, "user: Hello!\n");
    expect(chat,
           "[{\"role\":\"user\",\"content\":\"Hello!\"},{\"role\":\"assistant\",\"content\":\"I can "
           "help you with that.\"},{\"role\":\"system\",\"content\":\"You can perform magic "
           "tricks.\"},{\"role\":\"user\",\"content\":\"Help me write tests.\"}]",
           NULL,
           "user: Hello!\nassistant: I can help you with that.\nsystem: You can perform magic "
           "tricks.\nuser: Help me write tests.\n");
    /* a missing root key prints <no value> in messages mode */
    expect("{{ .Prompt }}{{ range .Messages }}{{ .Content }}{{ end }}",
           "[{\"role\":\"user\",\"content\":\"x\"}]", NULL, "<no value>x");
    /* think values */
    json_t *m = json_loads("[{\"role\":\"user\",\"content\":\"q\"}]", 0, NULL);
    json_t *tv = json_true();
    struct prompt_values v = {.messages = m};
    assert_int_equal(prompt_think_from_json(tv, &v.think, NULL), 0);
    char *s = render_v("{{ .Think }} {{ .ThinkLevel }} {{ .IsThinkSet }}{{ range .Messages }}{{ end }}",
                       &v, NULL);
    assert_string_equal(s, "true medium true");
    free(s);
    json_decref(tv);
    tv = json_string("low");
    assert_int_equal(prompt_think_from_json(tv, &v.think, NULL), 0);
    s = render_v("{{ .Think }} {{ .ThinkLevel }} {{ .IsThinkSet }}{{ .Response }}", &v, NULL);
    assert_string_equal(s, "true low true");
    free(s);
    json_decref(tv);
    tv = json_integer(3);
    assert_int_equal(prompt_think_from_json(tv, &v.think, NULL), COLA_EINVAL);
    json_decref(tv);
    json_decref(m);
}

/* ---------------------------------------------------------------- chatPrompt */

static int count_words(void *user, const char *text, size_t len, size_t *n, struct cola_err *err)
{
    (void)user, (void)err;
    size_t c = 0;
    bool in = false;
    for (size_t i = 0; i < len; i++) {
        const bool sp = text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\r';
        if (!sp && !in)
            c++;
        in = !sp;
    }
    *n = c;
    return 0;
}

struct chat_case {
    int num_ctx;
    bool truncate;
    const char *messages;
    const char *want;
    size_t images;
};

#define U1 "{\"role\":\"user\",\"content\":\"You're a test, Harry!\""
#define A1 "{\"role\":\"assistant\",\"content\":\"I-I'm a what?\"}"
#define U2 "{\"role\":\"user\",\"content\":\"A test. And a thumping good one at that, I'd wager.\""
#define S1 "{\"role\":\"system\",\"content\":\"You are the Test Who Lived.\"}"
#define IMG ",\"images\":[\"AQID\"]"
#define WAGER "A test. And a thumping good one at that, I'd wager. "

static void test_chat_prompt(void **state)
{
    (void)state;
    static const struct chat_case cases[] = {
        {64, true, "[" U1 "}," A1 "," U2 "}]", "You're a test, Harry! I-I'm a what? " WAGER, 0},
        {1, true, "[" U1 "}," A1 "," U2 "}]", WAGER, 0},
        {64, true, "[" U1 "}," A1 "," U2 IMG "}]", "[img-0]" WAGER, 1},
        {64, true, "[" U1 IMG "}," A1 "," U2 IMG "}]", "[img-0]" WAGER, 1},
        {2048, true, "[" U1 IMG "}," A1 "," U2 IMG "}]",
         "[img-0]You're a test, Harry! I-I'm a what? [img-1]" WAGER, 2},
        {2048, true,
         "[{\"role\":\"user\",\"content\":\"You're a test, Harry! [img]\"" IMG "}," A1 "," U2 IMG "}]",
         "You're a test, Harry! [img-0] I-I'm a what? [img-1]" WAGER, 2},
        {2048, true,
         "[" U1 "},{\"role\":\"user\",\"content\":\"\"" IMG "},{\"role\":\"user\",\"content\":\"\"" IMG
         "}," A1 "," U2 "}]",
         "You're a test, Harry!\n\n[img-0]\n\n[img-1] I-I'm a what? " WAGER, 2},
        {1024, true,
         "[" U1 "},{\"role\":\"user\",\"content\":\"\"" IMG "},{\"role\":\"user\",\"content\":\"\"" IMG
         "}," A1 "," U2 "}]",
         "[img-0] I-I'm a what? " WAGER, 1},
        {2048, true, "[" S1 "," U1 "}," A1 "," U2 "}]",
         "You are the Test Who Lived. You're a test, Harry! I-I'm a what? " WAGER, 0},
        {2048, true, "[" U1 "}," A1 "," S1 "," U2 "}]",
         "You're a test, Harry! I-I'm a what? You are the Test Who Lived. " WAGER, 0},
        {2048, true,
         "[{\"role\":\"user\",\"content\":\"Compare these two pictures of hotdogs\",\"images\":["
         "\"AQID\",\"BAUG\"]}]",
         "[img-0][img-1]Compare these two pictures of hotdogs ", 2},
        {10, false, "[" U1 "}," A1 "," U2 "}]", "You're a test, Harry! I-I'm a what? " WAGER, 0},
    };
    const char *tmpl = "{{- if .System }}{{ .System }} {{ end }}{{- if .Prompt }}{{ .Prompt }} {{ end "
                       "}}{{- if .Response }}{{ .Response }} {{ end }}";
    struct gotmpl *t;
    assert_int_equal(gotmpl_parse_ollama(tmpl, strlen(tmpl), &t, NULL), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct chat_case *c = &cases[i];
        json_t *m = json_loads(c->messages, 0, NULL);
        assert_non_null(m);
        const struct prompt_chat_opts o = {.render = prompt_render_go, .render_user = t,
                                           .count = count_words, .num_ctx = c->num_ctx,
                                           .truncate = c->truncate, .projector = true};
        struct buf b;
        buf_init(&b, 1 << 20);
        struct cola_err err;
        err_clear(&err);
        size_t nimg = 99;
        int rc = prompt_chat(&o, m, NULL, NULL, &b, &nimg, &err);
        if (rc)
            fprintf(stderr, "case %zu: %s\n", i, err_msg(&err));
        assert_int_equal(rc, 0);
        if (strcmp(b.data, c->want))
            fprintf(stderr, "case %zu:\n got [%s]\nwant [%s]\n", i, b.data, c->want);
        assert_string_equal(b.data, c->want);
        assert_int_equal(nimg, c->images);
        buf_free(&b);
        json_decref(m);
    }
    /* mllama: one image per message */
    json_t *m = json_loads("[{\"role\":\"user\",\"content\":\"x\",\"images\":[\"AQID\",\"AQID\"]}]", 0,
                           NULL);
    const struct prompt_chat_opts o = {.render = prompt_render_go, .render_user = t,
                                       .one_image_only = true};
    struct buf b;
    buf_init(&b, 1 << 20);
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(prompt_chat(&o, m, NULL, NULL, &b, NULL, &err), COLA_EINVAL);
    assert_string_equal(err_msg(&err),
                        "this model only supports one image while more than one image requested");
    buf_free(&b);
    json_decref(m);
    gotmpl_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_execute_with_messages),
        cmocka_unit_test(test_suffix_dates_collate),
        cmocka_unit_test(test_tool_values),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_server_vectors),
        cmocka_unit_test(test_chat_prompt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
