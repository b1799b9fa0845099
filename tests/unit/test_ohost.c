/* test_ohost.c — OLLAMA_HOST parsing, with the vectors of Ollama's
 * envconfig tests (CLI.md). */
#include <string.h>

#include "testutil.h"
#include "util/ohost.h"

static void url_of(const char *v, const char *want)
{
    struct ohost h;
    ohost_parse(v, &h);
    char got[600];
    ohost_url(&h, got, sizeof(got));
    if (strcmp(got, want))
        fail_msg("OLLAMA_HOST=[%s]: got %s, want %s", v ? v : "(unset)", got, want);
}

static void test_vectors(void **state)
{
    (void)state;
    url_of(NULL, "http://127.0.0.1:11434");
    url_of("", "http://127.0.0.1:11434");
    url_of("   ", "http://127.0.0.1:11434");
    url_of("1.2.3.4", "http://1.2.3.4:11434");
    url_of(":1234", "http://:1234");
    url_of("1.2.3.4:1234", "http://1.2.3.4:1234");
    url_of("example.com", "http://example.com:11434");
    url_of("example.com:1234", "http://example.com:1234");
    url_of("0.0.0.0", "http://0.0.0.0:11434");
    url_of("::1", "http://[::1]:11434");
    url_of("[::1]", "http://[::1]:11434");
    url_of("[::1]:1234", "http://[::1]:1234");
    url_of("http://1.2.3.4", "http://1.2.3.4:80");
    url_of("https://1.2.3.4", "https://1.2.3.4:443");
    url_of("https://1.2.3.4:1234", "https://1.2.3.4:1234");
    url_of("https://example.com/ollama", "https://example.com:443/ollama");
    url_of("ollama.com", "https://ollama.com:443");
    url_of("1.2.3.4:99999", "http://1.2.3.4:11434");   /* out of range: the default */
    url_of("1.2.3.4:-1", "http://1.2.3.4:11434");
    url_of("1.2.3.4:abc", "http://1.2.3.4:11434");
}

static void test_connectable(void **state)
{
    (void)state;
    struct ohost h;
    char u[600];
    ohost_parse("0.0.0.0:8080", &h);
    ohost_connectable(&h);
    ohost_url(&h, u, sizeof(u));
    assert_string_equal(u, "http://127.0.0.1:8080");
    ohost_parse(":1234", &h);
    ohost_connectable(&h);
    ohost_url(&h, u, sizeof(u));
    assert_string_equal(u, "http://127.0.0.1:1234");
    ohost_parse("[::]:1234", &h);
    ohost_connectable(&h);
    ohost_url(&h, u, sizeof(u));
    assert_string_equal(u, "http://[::1]:1234");
    ohost_parse("10.0.0.2", &h);
    ohost_connectable(&h);
    ohost_url(&h, u, sizeof(u));
    assert_string_equal(u, "http://10.0.0.2:11434");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_connectable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
