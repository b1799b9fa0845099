/* test_security.c — the Host check and CORS (security.h), case by case as
 * Ollama's allowedHostsMiddleware and gin-contrib/cors v1.7.2 decide. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server/security.h"
#include "testutil.h"

static void test_host(void **state)
{
    (void)state;
    static const char *const ok[] = {
        NULL, "", "localhost", "localhost:11434", "LOCALHOST:11434", "127.0.0.1", "127.0.0.1:11434",
        "127.1.2.3", "[::1]:11434", "::1", "0.0.0.0:11434", "10.1.2.3", "172.16.0.1", "172.31.255.1",
        "192.168.1.20:8080", "[fc00::1]:1", "[fd12:3456::1]", "app.localhost", "printer.local:631",
        "svc.internal", "A.B.LOCAL"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (!sec_host_allowed(ok[i], true))
            fail_msg("host %s should be allowed", ok[i] ? ok[i] : "(none)");
    static const char *const bad[] = {
        "evil.com", "evil.com:11434", "attacker.localhost.evil.com", "8.8.8.8", "8.8.8.8:11434",
        "172.32.0.1", "192.169.0.1", "[2001:db8::1]:80", "localhost.evil", "notlocal", "x.internal.com",
        "[::1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (sec_host_allowed(bad[i], true))
            fail_msg("host %s should be refused", bad[i]);
    char longhost[600];
    memset(longhost, 'a', sizeof(longhost) - 7);
    strcpy(longhost + sizeof(longhost) - 7, ".local");
    assert_false(sec_host_allowed(longhost, true));
    /* the machine's own name is allowed */
    char me[256] = "";
    if (gethostname(me, sizeof(me) - 1) == 0 && *me)
        assert_true(sec_host_allowed(me, true));
    /* bound to a non-loopback address: no check at all */
    assert_true(sec_host_allowed("evil.com", false));
}

static const char *header(const struct sec_headers *h, const char *name, int nth)
{
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->h[i].name, name) && nth-- == 0)
            return h->h[i].value;
    return NULL;
}

static enum sec_cors_verdict decide(const struct sec_cors *c, const char *m, const char *origin,
                                    struct sec_headers *h)
{
    return sec_cors_decide(c, m, origin, "127.0.0.1:11434", NULL, NULL, h);
}

static void test_cors_defaults(void **state)
{
    (void)state;
    struct sec_cors *c = NULL;
    assert_int_equal(sec_cors_new(NULL, &c, NULL), 0);
    struct sec_headers h;
    assert_int_equal(decide(c, "GET", NULL, &h), SEC_CORS_PASS);
    assert_int_equal(decide(c, "GET", "", &h), SEC_CORS_PASS);
    assert_int_equal(decide(c, "POST", "http://127.0.0.1:11434", &h), SEC_CORS_PASS); /* same origin */
    static const char *const ok[] = {"http://localhost", "https://localhost", "http://localhost:3000",
                                     "https://127.0.0.1:8443", "http://0.0.0.0:1", "app://obsidian.md",
                                     "file://", "tauri://localhost", "vscode-webview://abc",
                                     "vscode-file://vscode-app"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (decide(c, "POST", ok[i], &h) != SEC_CORS_ALLOW)
            fail_msg("origin %s should be allowed", ok[i]);
    static const char *const bad[] = {"http://evil.com", "https://localhost.evil.com",
                                      "http://LOCALHOST", "chrome-extension://abc",
                                      "null", "http://127.0.0.2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (decide(c, "POST", bad[i], &h) != SEC_CORS_DENY)
            fail_msg("origin %s should be refused", bad[i]);
    assert_int_equal(decide(c, "OPTIONS", "http://evil.com", &h), SEC_CORS_DENY);

    /* a simple request: Vary and the origin echoed */
    assert_int_equal(decide(c, "POST", "http://localhost:3000", &h), SEC_CORS_ALLOW);
    assert_int_equal(h.n, 2);
    assert_string_equal(header(&h, "Vary", 0), "Origin");
    assert_string_equal(header(&h, "Access-Control-Allow-Origin", 0), "http://localhost:3000");
    /* a preflight: methods, headers (canonical), max age, three Vary lines */
    assert_int_equal(decide(c, "OPTIONS", "http://localhost:3000", &h), SEC_CORS_PREFLIGHT);
    assert_string_equal(header(&h, "Access-Control-Allow-Methods", 0),
                        "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS");
    assert_non_null(strstr(header(&h, "Access-Control-Allow-Headers", 0),
                           "Authorization,Content-Type,User-Agent,Accept,X-Requested-With,Openai-Beta,X-Stainless-Arch,"));
    assert_non_null(strstr(header(&h, "Access-Control-Allow-Headers", 0), ",X-Stainless-Timeout"));
    assert_string_equal(header(&h, "Access-Control-Max-Age", 0), "43200");
    assert_string_equal(header(&h, "Vary", 0), "Origin");
    assert_string_equal(header(&h, "Vary", 1), "Access-Control-Request-Method");
    assert_string_equal(header(&h, "Vary", 2), "Access-Control-Request-Headers");
    assert_string_equal(header(&h, "Access-Control-Allow-Origin", 0), "http://localhost:3000");
    /* an Origin longer than the bound never matches */
    char big[2048] = "http://localhost:";
    memset(big + strlen(big), '1', sizeof(big) - strlen(big) - 1);
    big[sizeof(big) - 1] = 0;
    assert_int_equal(decide(c, "GET", big, &h), SEC_CORS_DENY);
    sec_cors_free(c);
}

static void test_cors_env(void **state)
{
    (void)state;
    struct sec_cors *c = NULL;
    struct sec_headers h;
    assert_int_equal(sec_cors_new("https://Example.COM, chrome-extension://*,*.corp.net,bogus,a*b*c",
                                  &c, NULL), 0);
    assert_int_equal(decide(c, "GET", "https://example.com", &h), SEC_CORS_ALLOW); /* entry lower-cased */
    assert_int_equal(decide(c, "GET", "https://Example.COM", &h), SEC_CORS_DENY);  /* origin is not */
    /* the wildcard rule keeps the raw entry, leading space included: no match */
    assert_int_equal(decide(c, "GET", "chrome-extension://abc", &h), SEC_CORS_DENY);
    assert_int_equal(decide(c, "GET", "https://app.corp.net", &h), SEC_CORS_ALLOW);
    assert_int_equal(decide(c, "GET", "http://bogus", &h), SEC_CORS_DENY);
    assert_int_equal(decide(c, "GET", "http://localhost", &h), SEC_CORS_ALLOW); /* defaults stay */
    sec_cors_free(c);
    assert_int_equal(sec_cors_new("chrome-extension://*,moz-extension://*", &c, NULL), 0);
    assert_int_equal(decide(c, "GET", "chrome-extension://abc", &h), SEC_CORS_ALLOW);
    assert_int_equal(decide(c, "GET", "moz-extension://x", &h), SEC_CORS_ALLOW);
    sec_cors_free(c);
    /* "*": every origin, answered with Access-Control-Allow-Origin: * and no Vary */
    assert_int_equal(sec_cors_new("*", &c, NULL), 0);
    assert_int_equal(decide(c, "POST", "http://evil.com", &h), SEC_CORS_ALLOW);
    assert_int_equal(h.n, 1);
    assert_string_equal(header(&h, "Access-Control-Allow-Origin", 0), "*");
    assert_null(header(&h, "Vary", 0));
    sec_cors_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host),
        cmocka_unit_test(test_cors_defaults),
        cmocka_unit_test(test_cors_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
