/* test_security.c — the Host check and CORS (security.h), case by case as
 * Ollama's allowedHostsMiddleware and gin-contrib/cors v1.7.2 decide. The
 * expected header values are written out here from gin's rules, not taken
 * from the code under test. */
#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/security.h"
#include "testutil.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ================================================================ Host */

static void test_host_allowed(void **state)
{
    (void)state;
    static const char *const ok[] = {
        NULL, "", ":11434", "localhost", "localhost:11434", "LOCALHOST:11434", "LocalHost",
        "localhost:", "127.0.0.1", "127.0.0.1:11434", "127.1.2.3", "127.255.255.255:1",
        "0.0.0.0", "0.0.0.0:11434", "10.1.2.3", "10.0.0.0:80", "172.16.0.1", "172.31.255.1",
        "192.168.1.20:8080", "::1", "[::1]:11434", "[::1]", "[::]:11434", "[::]", "::",
        "[fc00::1]:1", "[fd12:3456::1]", "[FD12:3456::1]:9", "[::ffff:127.0.0.1]:1",
        "[::ffff:10.0.0.1]", "[::ffff:192.168.0.1]:80", "[::1%25lo]:80",
        "app.localhost", "my.localhost:11434", ".localhost", "printer.local:631",
        "svc.internal", "A.B.LOCAL", "Foo.Internal:80", "[localhost]:80", "[my.local]:1",
        "fe80::1%x.local", "evil.com%.local"};
    for (size_t i = 0; i < NELEM(ok); i++)
        if (!sec_host_allowed(ok[i], true))
            fail_msg("host %s should be allowed", ok[i] ? ok[i] : "(none)");
    static const char *const bad[] = {
        "evil.com", "evil.com:11434", "EVIL.COM", "attacker.localhost.evil.com",
        "localhost.evil.com:11434", "8.8.8.8", "8.8.8.8:11434", "[8.8.8.8]:1", "1.1.1.1",
        "172.32.0.1", "172.15.255.255", "192.169.0.1", "11.0.0.1", "128.0.0.1",
        "[2001:db8::1]:80", "[2001:db8::1]", "[::ffff:8.8.8.8]:80", "[::2]",
        "[fe00::1]", "[::%25eth0]", "localhost.evil", "localhost.", "notlocal", "local",
        "internal", "x.internal.com", "xlocal", "x.localhostx", "[::1", "[::1]x",
        "[::1]:80]", "localhost]", "[localhost]", "[evil.com]:80", "a:b:c",
        "localhost:11434:1", "127.000.0.1", "0x7f.0.0.1", "2130706433", "127.1",
        "127.0.0.1.evil.com", "localhost\t", "local host", "localhost\x7f"};
    for (size_t i = 0; i < NELEM(bad); i++)
        if (sec_host_allowed(bad[i], true))
            fail_msg("host %s should be refused", bad[i]);
    /* bound to a non-loopback address: no check at all */
    for (size_t i = 0; i < NELEM(bad); i++)
        assert_true(sec_host_allowed(bad[i], false));
}

static void test_host_kinds(void **state)
{
    (void)state;
    assert_int_equal(sec_host_check("evil.com", false), SEC_HOST_UNCHECKED);
    assert_int_equal(sec_host_check(NULL, false), SEC_HOST_UNCHECKED);
    assert_int_equal(sec_host_check(NULL, true), SEC_HOST_NAME);
    assert_int_equal(sec_host_check("", true), SEC_HOST_NAME);
    assert_int_equal(sec_host_check("localhost:11434", true), SEC_HOST_NAME);
    assert_int_equal(sec_host_check("x.local", true), SEC_HOST_NAME);
    assert_int_equal(sec_host_check("127.0.0.1:11434", true), SEC_HOST_IP);
    assert_int_equal(sec_host_check("[::1]:11434", true), SEC_HOST_IP);
    assert_int_equal(sec_host_check("192.168.0.7", true), SEC_HOST_IP);
    assert_int_equal(sec_host_check("evil.com", true), SEC_HOST_DENIED);
    assert_int_equal(sec_host_check("8.8.8.8", true), SEC_HOST_DENIED);
}

/* A Host of SEC_MAX_HOST bytes or more is refused even when its text would
 * pass; one byte shorter, the same kind of name passes. */
static void test_host_bounds(void **state)
{
    (void)state;
    char h[SEC_MAX_HOST + 16];
    for (size_t len = SEC_MAX_HOST - 2; len <= SEC_MAX_HOST + 1; len++) {
        memset(h, 'a', len);
        memcpy(h + len - 6, ".local", 6);
        h[len] = '\0';
        assert_int_equal(sec_host_allowed(h, true), len < SEC_MAX_HOST);
    }
    /* the same with a port: the whole header counts */
    for (size_t len = SEC_MAX_HOST - 1; len <= SEC_MAX_HOST; len++) {
        memset(h, 'a', len);
        memcpy(h + len - 12, ".local:11434", 12);
        h[len] = '\0';
        assert_int_equal(sec_host_allowed(h, true), len < SEC_MAX_HOST);
    }
}

/* The machine's own name (any case) and its interface addresses pass; a
 * name that merely contains it does not. */
static void test_host_machine(void **state)
{
    (void)state;
    char me[256] = "", buf[300];
    if (gethostname(me, sizeof(me) - 1) == 0 && me[0]) {
        assert_true(sec_host_allowed(me, true));
        snprintf(buf, sizeof(buf), "%s:11434", me);
        assert_true(sec_host_allowed(buf, true));
        for (char *p = buf; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        assert_true(sec_host_allowed(buf, true));
        snprintf(buf, sizeof(buf), "%s.evil.com", me);
        assert_false(sec_host_allowed(buf, true));
        snprintf(buf, sizeof(buf), "evil%s.com", me);
        assert_false(sec_host_allowed(buf, true));
    }
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) != 0)
        return;
    int checked = 0, zoned = 0;
    for (const struct ifaddrs *i = ifs; i; i = i->ifa_next) {
        if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
            continue;
        char a[INET6_ADDRSTRLEN];
        const void *src = i->ifa_addr->sa_family == AF_INET
                              ? (const void *)&((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr
                              : (const void *)&((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr;
        assert_non_null(inet_ntop(i->ifa_addr->sa_family, src, a, sizeof(a)));
        if (i->ifa_addr->sa_family == AF_INET)
            snprintf(buf, sizeof(buf), "%s:11434", a);
        else
            snprintf(buf, sizeof(buf), "[%s]:11434", a);
        if (!sec_host_allowed(a, true) || !sec_host_allowed(buf, true))
            fail_msg("interface address %s should be allowed", a);
        /* Go compares printed forms: with a zone, a link-local address of
         * this machine is no longer "one of its addresses" */
        const unsigned char *b6 =
            ((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr.s6_addr;
        if (i->ifa_addr->sa_family == AF_INET6 && b6[0] == 0xfe && (b6[1] & 0xc0) == 0x80) {
            snprintf(buf, sizeof(buf), "[%s%%25eth0]:11434", a);
            if (sec_host_allowed(buf, true))
                fail_msg("zoned interface address %s should be refused", buf);
            zoned++;
        }
        checked++;
    }
    freeifaddrs(ifs);
    assert_true(checked > 0); /* at least the loopback */
    printf("host check: %d interface addresses, %d link-local zoned forms\n", checked, zoned);
}

/* ================================================================ CORS */

static const char *header(const struct sec_headers *h, const char *name, int nth)
{
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->h[i].name, name) && nth-- == 0)
            return h->h[i].value;
    return NULL;
}

#define HOST "127.0.0.1:11434"

static enum sec_cors_verdict decide(const struct sec_cors *c, const char *m, const char *origin,
                                    struct sec_headers *h)
{
    h->n = 5; /* dirty: every verdict must rewrite it */
    return sec_cors_decide(c, m, origin, HOST, NULL, NULL, h);
}

static void expect(const struct sec_cors *c, const char *origin, enum sec_cors_verdict want)
{
    struct sec_headers h;
    const enum sec_cors_verdict got = decide(c, "POST", origin, &h);
    const char *shown = origin ? origin : "(none)";
    if (got != want)
        fail_msg("origin \"%.80s\": verdict %d, want %d", shown, (int)got, (int)want);
    if ((want == SEC_CORS_PASS || want == SEC_CORS_DENY) && h.n != 0)
        fail_msg("origin \"%.80s\": %zu headers on a verdict that adds none", shown, h.n);
}

static struct sec_cors *cors(const char *env)
{
    struct sec_cors *c = NULL;
    struct cola_err e = {0};
    if (sec_cors_new(env, &c, &e) != 0)
        fail_msg("sec_cors_new(%s): %s", env ? env : "NULL", err_msg(&e));
    assert_non_null(c);
    return c;
}

static void test_cors_defaults(void **state)
{
    (void)state;
    struct sec_cors *c = cors(NULL);
    expect(c, NULL, SEC_CORS_PASS);
    expect(c, "", SEC_CORS_PASS);
    static const char *const ok[] = {
        "http://localhost", "https://localhost", "http://localhost:3000", "https://localhost:1",
        "http://localhost:", "http://127.0.0.1", "https://127.0.0.1:8443", "http://0.0.0.0",
        "https://0.0.0.0:1", "app://obsidian.md", "app://", "file://", "file:///home/x.html",
        "tauri://localhost", "vscode-webview://abc", "vscode-file://vscode-app"};
    for (size_t i = 0; i < NELEM(ok); i++)
        expect(c, ok[i], SEC_CORS_ALLOW);
    static const char *const bad[] = {
        "http://evil.com", "https://localhost.evil.com", "http://localhostevil.com",
        "http://127.0.0.1.evil.com", "http://LOCALHOST", "HTTP://localhost", "http://127.0.0.2",
        "http://[::1]:3000", "http://192.168.1.1", "chrome-extension://abcdef",
        "moz-extension://1234", "safari-extension://x", "null", "ws://localhost",
        "localhost", "http:/localhost", "apps://x", "xapp://x", "http://localhost:3000\r\nX: y",
        "http://localhost:1\x7f"};
    for (size_t i = 0; i < NELEM(bad); i++)
        expect(c, bad[i], SEC_CORS_DENY);
    sec_cors_free(c);
}

/* Origin equal to "http://" or "https://" + Host is not a CORS request, on
 * any host and whatever the list says; the comparison is exact. */
static void test_cors_same_origin(void **state)
{
    (void)state;
    struct sec_cors *c = cors(NULL);
    struct sec_headers h;
    static const struct {
        const char *origin, *host;
        enum sec_cors_verdict want;
    } cases[] = {
        {"http://127.0.0.1:11434", HOST, SEC_CORS_PASS},
        {"https://127.0.0.1:11434", HOST, SEC_CORS_PASS},
        {"http://example.com:8080", "example.com:8080", SEC_CORS_PASS},
        {"https://my.box", "my.box", SEC_CORS_PASS},
        {"http://example.com", "example.com:8080", SEC_CORS_DENY},
        {"http://EXAMPLE.com:8080", "example.com:8080", SEC_CORS_DENY},
        {"ftp://example.com:8080", "example.com:8080", SEC_CORS_DENY},
        {"http://example.com:8080", NULL, SEC_CORS_DENY},
        {"http://", NULL, SEC_CORS_PASS}, /* gin: "http://" + "" */
        {"http://localhost:3000", "example.com", SEC_CORS_ALLOW},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        h.n = 3;
        const enum sec_cors_verdict v =
            sec_cors_decide(c, "GET", cases[i].origin, cases[i].host, NULL, NULL, &h);
        if (v != cases[i].want)
            fail_msg("origin %s host %s: %d, want %d", cases[i].origin,
                     cases[i].host ? cases[i].host : "(none)", (int)v, (int)cases[i].want);
        if (v == SEC_CORS_PASS)
            assert_int_equal(h.n, 0);
    }
    /* same origin passes even with OPTIONS: the Host check and router decide */
    assert_int_equal(sec_cors_decide(c, "OPTIONS", "http://" HOST, HOST, "POST", NULL, &h),
                     SEC_CORS_PASS);
    sec_cors_free(c);
}

#define ALLOW_HEADERS                                                                        \
    "Authorization,Content-Type,User-Agent,Accept,X-Requested-With,Openai-Beta,"               \
    "X-Stainless-Arch,X-Stainless-Async,X-Stainless-Custom-Poll-Interval,"                    \
    "X-Stainless-Helper-Method,X-Stainless-Lang,X-Stainless-Os,X-Stainless-Package-Version,"  \
    "X-Stainless-Poll-Helper,X-Stainless-Retry-Count,X-Stainless-Runtime,"                    \
    "X-Stainless-Runtime-Version,X-Stainless-Timeout"

static void assert_header(const struct sec_headers *h, size_t i, const char *name,
                          const char *value)
{
    assert_true(i < h->n);
    assert_string_equal(h->h[i].name, name);
    assert_string_equal(h->h[i].value, value);
}

/* The exact headers, in Go's sorted order. */
static void test_cors_headers(void **state)
{
    (void)state;
    struct sec_cors *c = cors(NULL);
    struct sec_headers h;
    assert_int_equal(decide(c, "POST", "http://localhost:3000", &h), SEC_CORS_ALLOW);
    assert_int_equal(h.n, 2);
    assert_header(&h, 0, "Access-Control-Allow-Origin", "http://localhost:3000");
    assert_header(&h, 1, "Vary", "Origin");
    assert_int_equal(decide(c, "GET", "app://obsidian.md", &h), SEC_CORS_ALLOW);
    assert_header(&h, 0, "Access-Control-Allow-Origin", "app://obsidian.md");
    assert_int_equal(decide(c, NULL, "http://localhost", &h), SEC_CORS_ALLOW);
    assert_int_equal(h.n, 2);
    /* "options" is not OPTIONS (Go compares the method exactly) */
    assert_int_equal(decide(c, "options", "http://localhost", &h), SEC_CORS_ALLOW);

    assert_int_equal(sec_cors_decide(c, "OPTIONS", "http://localhost:3000", HOST, "POST",
                                     "content-type,x-stainless-os", &h),
                     SEC_CORS_PREFLIGHT);
    assert_int_equal(h.n, 7);
    assert_header(&h, 0, "Access-Control-Allow-Headers", ALLOW_HEADERS);
    assert_header(&h, 1, "Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS");
    assert_header(&h, 2, "Access-Control-Allow-Origin", "http://localhost:3000");
    assert_header(&h, 3, "Access-Control-Max-Age", "43200");
    assert_header(&h, 4, "Vary", "Origin");
    assert_header(&h, 5, "Vary", "Access-Control-Request-Method");
    assert_header(&h, 6, "Vary", "Access-Control-Request-Headers");
    /* a preflight without the request headers is still a preflight (gin) */
    assert_int_equal(decide(c, "OPTIONS", "tauri://localhost", &h), SEC_CORS_PREFLIGHT);
    assert_header(&h, 2, "Access-Control-Allow-Origin", "tauri://localhost");

    /* a preflight from a refused origin: 403, no headers */
    h.n = 4;
    assert_int_equal(sec_cors_decide(c, "OPTIONS", "http://evil.com", HOST, "POST",
                                     "content-type", &h),
                     SEC_CORS_DENY);
    assert_int_equal(h.n, 0);
    sec_cors_free(c);

    /* "*": every origin, Allow-Origin "*", no Vary */
    c = cors("*");
    assert_int_equal(decide(c, "POST", "http://evil.com", &h), SEC_CORS_ALLOW);
    assert_int_equal(h.n, 1);
    assert_header(&h, 0, "Access-Control-Allow-Origin", "*");
    assert_int_equal(decide(c, "OPTIONS", "https://evil.com", &h), SEC_CORS_PREFLIGHT);
    assert_int_equal(h.n, 4);
    assert_header(&h, 0, "Access-Control-Allow-Headers", ALLOW_HEADERS);
    assert_header(&h, 1, "Access-Control-Allow-Methods", "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS");
    assert_header(&h, 2, "Access-Control-Allow-Origin", "*");
    assert_header(&h, 3, "Access-Control-Max-Age", "43200");
    assert_null(header(&h, "Vary", 0));
    expect(c, NULL, SEC_CORS_PASS);
    expect(c, "http://" HOST, SEC_CORS_PASS);
    expect(c, "null", SEC_CORS_ALLOW);
    expect(c, "http://x\r\nSet-Cookie: a", SEC_CORS_DENY); /* never echoed, still refused */
    sec_cors_free(c);
}

/* OLLAMA_ORIGINS: entries trimmed, lower-cased, wildcards, the defaults kept. */
static void test_cors_env(void **state)
{
    (void)state;
    struct sec_cors *c =
        cors("  https://*.example.com , http://Foo.Test:8080 ,, chrome-extension://* ,"
             "http://*.corp:8080,*.trusted.test,https://dev.*,moz-extension://1234,http://a*a, ");
    static const char *const ok[] = {
        "https://app.example.com", "https://a.b.example.com", "http://foo.test:8080",
        "chrome-extension://abcdef", "chrome-extension://", "http://x.corp:8080",
        "https://a.trusted.test", "http://b.trusted.test", "https://dev.example.org",
        "https://dev.", "moz-extension://1234", "http://aba", "http://localhost:3000",
        "app://x"};
    for (size_t i = 0; i < NELEM(ok); i++)
        expect(c, ok[i], SEC_CORS_ALLOW);
    static const char *const bad[] = {
        "https://example.com", "http://app.example.com", "https://app.example.com.evil.net",
        "http://Foo.Test:8080", "http://foo.test:8081", "http://foo.test",
        "safari-extension://x", "http://x.corp:9090", "https://trusted.test",
        "https://dev", "moz-extension://5678", "http://a", "http://evil.com"};
    for (size_t i = 0; i < NELEM(bad); i++)
        expect(c, bad[i], SEC_CORS_DENY);
    struct sec_headers h;
    assert_int_equal(decide(c, "GET", "https://app.example.com", &h), SEC_CORS_ALLOW);
    assert_header(&h, 0, "Access-Control-Allow-Origin", "https://app.example.com");
    sec_cors_free(c);

    /* the value is read as Ollama's envconfig.Var: blanks, then quotes off */
    c = cors(" \"https://a.test, https://b.test\" ");
    expect(c, "https://a.test", SEC_CORS_ALLOW);
    expect(c, "https://b.test", SEC_CORS_ALLOW);
    expect(c, "https://c.test", SEC_CORS_DENY);
    sec_cors_free(c);
    c = cors("'HTTPS://UPPER.TEST'");
    expect(c, "https://upper.test", SEC_CORS_ALLOW);
    sec_cors_free(c);
    /* " * " is "*" */
    c = cors(" * ");
    expect(c, "https://anything.example", SEC_CORS_ALLOW);
    sec_cors_free(c);
    /* empty or blank: only the defaults */
    static const char *const none[] = {"", "   ", ",", " , ,", "\"\""};
    for (size_t i = 0; i < NELEM(none); i++) {
        c = cors(none[i]);
        expect(c, "http://localhost:1", SEC_CORS_ALLOW);
        expect(c, "https://example.com", SEC_CORS_DENY);
        sec_cors_free(c);
    }
}

static void expect_bad_env(const char *env, int code, const char *words)
{
    struct sec_cors *c = NULL;
    struct cola_err e = {0};
    const int rc = sec_cors_new(env, &c, &e);
    if (rc != code)
        fail_msg("sec_cors_new(\"%.60s\") = %d, want %d", env, rc, code);
    assert_null(c);
    if (!strstr(e.msg, words))
        fail_msg("sec_cors_new(\"%.60s\"): message \"%s\" lacks \"%s\"", env, e.msg, words);
}

static void test_cors_env_errors(void **state)
{
    (void)state;
    expect_bad_env("bogus", COLA_EINVAL, "origins must contain '*' or include http://,https://,"
                                         "chrome-extension://,safari-extension://,moz-extension://,"
                                         "ms-browser-extension://");
    expect_bad_env("https://ok.test,bogus.test", COLA_EINVAL, "\"bogus.test\"");
    expect_bad_env("ws://x", COLA_EINVAL, "\"ws://x\"");      /* AllowWebSockets off */
    expect_bad_env("file:///x", COLA_EINVAL, "\"file:///x\""); /* AllowFiles off */
    expect_bad_env("null", COLA_EINVAL, "\"null\"");
    expect_bad_env("http://a*b*c", COLA_EINVAL, "only one * is allowed");
    expect_bad_env("**", COLA_EINVAL, "only one * is allowed");

    /* an entry one byte under the bound works, at the bound it is refused */
    char *env = malloc(SEC_MAX_ORIGIN + 1);
    assert_non_null(env);
    memset(env, 'x', SEC_MAX_ORIGIN);
    memcpy(env, "https://", 8);
    env[SEC_MAX_ORIGIN] = '\0';
    expect_bad_env(env, COLA_ERANGE, "bytes");
    env[SEC_MAX_ORIGIN - 1] = '\0';
    struct sec_cors *c = cors(env);
    expect(c, env, SEC_CORS_ALLOW);
    env[SEC_MAX_ORIGIN - 2] = '\0';
    expect(c, env, SEC_CORS_DENY);
    sec_cors_free(c);
    free(env);

    /* 1024 entries are fine, 1025 are not */
    const size_t each = strlen("http://h0000.test,");
    char *many = malloc(each * 1025 + 1);
    assert_non_null(many);
    for (int i = 0; i < 1025; i++)
        snprintf(many + (size_t)i * each, each + 1, "http://h%04d.test,", i);
    expect_bad_env(many, COLA_ERANGE, "more than 1024");
    many[each * 1024] = '\0';
    c = cors(many);
    expect(c, "http://h0000.test", SEC_CORS_ALLOW);
    expect(c, "http://h1023.test", SEC_CORS_ALLOW);
    expect(c, "http://h1024.test", SEC_CORS_DENY);
    expect(c, "file://x", SEC_CORS_ALLOW); /* the defaults still fit */
    sec_cors_free(c);
    free(many);
    sec_cors_free(NULL);
}

/* An Origin of SEC_MAX_ORIGIN bytes or more is refused, never truncated
 * into a match; one byte shorter it is echoed whole. */
static void test_cors_origin_bounds(void **state)
{
    (void)state;
    struct sec_cors *c = cors(NULL);
    struct sec_cors *all = cors("*");
    struct sec_headers h;
    char *o = malloc(SEC_MAX_ORIGIN + 2);
    assert_non_null(o);
    strcpy(o, "http://localhost:");
    const size_t base = strlen(o);
    memset(o + base, '1', SEC_MAX_ORIGIN + 1 - base);
    o[SEC_MAX_ORIGIN + 1] = '\0';
    expect(c, o, SEC_CORS_DENY);
    expect(all, o, SEC_CORS_DENY);
    o[SEC_MAX_ORIGIN] = '\0';
    expect(c, o, SEC_CORS_DENY);
    o[SEC_MAX_ORIGIN - 1] = '\0';
    assert_int_equal(decide(c, "GET", o, &h), SEC_CORS_ALLOW);
    assert_string_equal(header(&h, "Access-Control-Allow-Origin", 0), o);
    assert_int_equal(decide(c, "OPTIONS", o, &h), SEC_CORS_PREFLIGHT);
    assert_string_equal(header(&h, "Access-Control-Allow-Origin", 0), o);
    free(o);
    sec_cors_free(all);
    sec_cors_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_allowed),   cmocka_unit_test(test_host_kinds),
        cmocka_unit_test(test_host_bounds),    cmocka_unit_test(test_host_machine),
        cmocka_unit_test(test_cors_defaults),  cmocka_unit_test(test_cors_same_origin),
        cmocka_unit_test(test_cors_headers),   cmocka_unit_test(test_cors_env),
        cmocka_unit_test(test_cors_env_errors), cmocka_unit_test(test_cors_origin_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
