/* test_infer.c — the tool-call tag (tools/template_test.go) and the
 * thinking tags (thinking/template_test.go) Ollama reads from a template's
 * tree, with the vectors of TEMPLATES.md §3 and §4. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "template/infer.h"

static void tag_is(const char *tmpl, const char *want)
{
    struct gotmpl *t;
    struct cola_err err = {0};
    assert_int_equal(gotmpl_parse(tmpl, strlen(tmpl), &t, &err, NULL), 0);
    char tag[256];
    infer_tool_tag(t, tag, sizeof(tag));
    if (strcmp(tag, want))
        fprintf(stderr, "template %s: tag [%s], want [%s]\n", tmpl, tag, want);
    assert_string_equal(tag, want);
    gotmpl_free(t);
}

static void test_tool_tag(void **state)
{
    (void)state;
    tag_is("", "{");
    tag_is("{{if .ToolCalls}}{{end}}", "{");
    tag_is("{{if .ToolCalls}}{{range .ToolCalls}}{{ . }}{{end}}{{end}}", "{");
    tag_is("{{if .ToolCalls}}```json\n{{end}}", "```json");
    tag_is("{{if .ToolCalls}}[{{range .ToolCalls}}{{ . }}{{end}}]{{end}}", "[");
    tag_is("{{if .ToolCalls}}\n [ {{range .ToolCalls}}{{ . }}{{end}}]{{end}}", "[");
    tag_is("{{if .ToolCalls}}{{range .ToolCalls}}{{ . }}{{end}}]{{end}}", "{");
    tag_is("{{if .ToolCalls}} {{range .ToolCalls}}{{ . }}{{end}}]{{end}}", "{");
    tag_is("{{if .ToolCalls}}{{range .ToolCalls}}\n{{ . }}\n{{end}}]{{end}}", "{");
    tag_is("{{if .ToolCalls}}{{range .ToolCalls}}{\"name\": \"{{ .Function.Name }}\", \"arguments\": "
           "{{ .Function.Arguments }}}{{end}}{{end}}",
           "{");
    tag_is("{{if .ToolCalls}}\n{{range .ToolCalls}}{\"name\": \"{{ .Function.Name }}\"}{{end}}{{end}}",
           "{");
    tag_is("{{if .ToolCalls}}\r\n{{range .ToolCalls}}{\"name\": \"{{ .Function.Name }}\"}{{end}}{{end}}",
           "{");
    tag_is("{{if .ToolCalls}}<|tool▁calls▁begin|>{{range .ToolCalls}}<|tool▁call▁begin|>function"
           "{{end}}<|tool▁calls▁end|>{{end}}",
           "<|tool▁calls▁begin|>");
    tag_is("{{if .ToolCalls}}{{range .ToolCalls}}<tool_call>{\"name\": \"{{ .Function.Name }}\"}"
           "</tool_call>{{end}}{{end}}",
           "<tool_call>");
    tag_is("{{if .ToolCalls}}\n{{range .ToolCalls}}<tool_call>{\"name\": \"x\"}</tool_call>{{end}}{{end}}",
           "<tool_call>");
    tag_is("{{if .ToolCalls}}First text{{if .Something}}inner{{end}}Second text{{end}}", "First text");
    tag_is("{{if .ToolCalls}}Action: ```json{{end}}", "Action: ```json");
    tag_is("{{if .ToolCalls}}functools[{{end}}", "functools[");
    tag_is("{{if .ToolCalls}}[TOOL_CALL] [{{end}}", "[TOOL_CALL] [");
    tag_is("{{if .ToolCalls}}[TOOL_CALL][{{end}}", "[TOOL_CALL][");
    /* nested inside a range over messages, as real templates have it */
    tag_is("{{- range .Messages }}{{ if eq .Role \"assistant\" }}{{ if .ToolCalls }}<tool_call>"
           "{{ range .ToolCalls }}{{ . }}{{ end }}{{ end }}{{ end }}{{ end }}",
           "<tool_call>");
}

static void think_is(const char *tmpl, const char *open, const char *close)
{
    struct gotmpl *t;
    struct cola_err err = {0};
    int rc = gotmpl_parse(tmpl, strlen(tmpl), &t, &err, NULL);
    if (rc)
        fprintf(stderr, "%s\n", err_msg(&err));
    assert_int_equal(rc, 0);
    char o[128], c[128];
    infer_think_tags(t, o, sizeof(o), c, sizeof(c));
    assert_string_equal(o, open);
    assert_string_equal(c, close);
    gotmpl_free(t);
}

static void test_think_tags(void **state)
{
    (void)state;
    think_is("{{- range $i, $_ := .Messages }}{{- $last := eq (len (slice $.Messages $i)) 1 -}}"
             "{{ if and $last .Thinking }}<think>{{ .Thinking }}</think>{{ end }}{{ end }}",
             "<think>", "</think>");
    think_is("{{- range .Messages }}{{ range .NotMessages }}{{ if .Thinking }}<think>{{ .Thinking }}"
             "</think>{{ end }}{{ end }}{{ end }}",
             "", "");
    think_is("{{- range .Messages }}Some text before   {{ .Thinking }}    Some text after{{ end }}",
             "Some text before", "Some text after");
    /* the qwen3 shape: a system block, tool calls, tool responses */
    think_is("{{- if .Messages }}{{- if or .System .Tools }}<|im_start|>system\n{{- if .System }}\n"
             "{{ .System }}{{- end }}<|im_end|>\n{{ end }}{{- range $i, $_ := .Messages }}{{- $last := "
             "eq (len (slice $.Messages $i)) 1 -}}{{- if eq .Role \"user\" }}<|im_start|>user\n{{ "
             ".Content }}<|im_end|>\n{{ else if eq .Role \"assistant\" }}<|im_start|>assistant\n{{ if "
             "(and $.IsThinkSet (and .Thinking (or $last (gt $i $.LastUserIdx)))) -}}<think>{{ "
             ".Thinking }}</think>{{ end -}}{{ if .Content }}{{ .Content }}{{ else if .ToolCalls }}"
             "<tool_call>\n{{ range .ToolCalls }}{\"name\": \"{{ .Function.Name }}\"}\n{{ end "
             "}}</tool_call>{{ end }}{{ if not $last }}<|im_end|>\n{{ end }}{{ else if eq .Role "
             "\"tool\" }}<|im_start|>user\n<tool_response>\n{{ .Content }}\n</tool_response><|im_end|>"
             "\n{{ end }}{{ end }}{{ end }}",
             "<think>", "</think>");
    think_is("{{ .Prompt }}", "", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tool_tag),
        cmocka_unit_test(test_think_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
