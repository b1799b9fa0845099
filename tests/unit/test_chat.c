/* test_chat.c — choosing the chat template (Go TEMPLATE > GGUF Jinja >
 * Ollama's default) and the stop strings that come with it. */
#include <jansson.h>
#include <string.h>

#include "template/chat.h"
#include "testutil.h"

static void render(const char *go, const char *jinja, const char *want_kind, const char *want)
{
    struct chat_tmpl ct;
    struct cola_err err = {0};
    assert_int_equal(chat_init(&ct, go, jinja, "<s>", "</s>", &err), 0);
    assert_string_equal(chat_kind_name(ct.kind), want_kind);
    json_t *msgs = json_loads("[{\"role\":\"user\",\"content\":\"Hi\"}]", 0, NULL);
    struct buf out;
    buf_init(&out, 1 << 20);
    const struct prompt_think think = {.level = ""};
    assert_int_equal(chat_render(&ct, msgs, NULL, &think, &out, &err), 0);
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.data, want, out.len);
    buf_free(&out);
    json_decref(msgs);
    chat_free(&ct);
}

static void test_choice(void **state)
{
    (void)state;
    const char *jinja = "{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}"
                        "{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}";
    render("{{ range .Messages }}<{{ .Role }}>{{ .Content }}{{ end }}", jinja, "go", "<user>Hi");
    render(NULL, jinja, "jinja", "<s>[user]Hi[assistant]");
    render("", "", "default", "Hi");
}

static void test_stops(void **state)
{
    (void)state;
    json_t *stop = json_loads("[\"User:\", \"<|eot_id|>\", 7]", 0, NULL);
    json_t *eog = json_loads("[\"<|end_of_text|>\", \"<|eot_id|>\", \"<|end_of_text|>\"]", 0, NULL);
    json_t *got = chat_stops(CHAT_JINJA, stop, eog);
    json_t *want = json_loads("[\"User:\", \"<|eot_id|>\", \"<|end_of_text|>\"]", 0, NULL);
    assert_true(json_equal(got, want));
    json_decref(got), json_decref(want);

    got = chat_stops(CHAT_GO, stop, eog);  /* a Go template: the params' list only */
    want = json_loads("[\"User:\", \"<|eot_id|>\"]", 0, NULL);
    assert_true(json_equal(got, want));
    json_decref(got), json_decref(want);

    got = chat_stops(CHAT_DEFAULT, NULL, eog);
    assert_int_equal(json_array_size(got), 0);
    json_decref(got);
    got = chat_stops(CHAT_JINJA, NULL, eog);
    want = json_loads("[\"<|end_of_text|>\", \"<|eot_id|>\"]", 0, NULL);
    assert_true(json_equal(got, want));
    json_decref(got), json_decref(want);
    json_decref(stop), json_decref(eog);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_choice),
        cmocka_unit_test(test_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
