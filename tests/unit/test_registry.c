/* Registry client: the pure pieces (challenge parser, token URL, URLs,
 * redirect rules, error text, Content-Range), the ed25519 key reader, and
 * the wire protocol against two servers the test starts and stops itself on
 * 127.0.0.1 with free ports:
 *  - the real OCI registry (Debian's docker-registry): upload flow, HEAD,
 *    whole and ranged GET (resume), byte-exact manifest, cross-repo mount;
 *  - tests/registry/fake_registry.py: Bearer challenge + signed token,
 *    foreign realm, cross-host redirect without Authorization, non-http
 *    redirects, wrong-size bodies, a hanging server.
 * A group whose server cannot run (binary absent) is skipped with a message. */
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store/digest.h"
#include "store/registry.h"
#include "store/sshkey.h"

#define REGISTRY_BIN "/usr/bin/docker-registry"

/* ------------------------------------------------------------ pure pieces */

static void test_challenge(void **state)
{
    (void)state;
    struct reg_challenge ch;
    struct cola_err err;
    err_clear(&err);
    /* STORE.md §4 vectors */
    assert_int_equal(reg_challenge_parse("Bearer realm=\"https://auth.example.com/token\","
                                         "service=\"registry\",scope=\"repo:foo:pull\"",
                                         &ch, &err), 0);
    assert_string_equal(ch.realm, "https://auth.example.com/token");
    assert_string_equal(ch.service, "registry");
    assert_string_equal(ch.scope, "repo:foo:pull");
    assert_int_equal(reg_challenge_parse("Bearer realm=\"https://r.ollama.ai/v2/token\","
                                         "service=\"ollama\",scope=\"-\"", &ch, &err), 0);
    assert_string_equal(ch.realm, "https://r.ollama.ai/v2/token");
    assert_string_equal(ch.service, "ollama");
    assert_string_equal(ch.scope, "-");
    /* any order, spaces after commas, bare values, scheme case, extra keys */
    assert_int_equal(reg_challenge_parse("bearer scope=\"a:b:pull b:c:push\", error=\"invalid_token\","
                                         " service=svc, realm=\"http://h:5000/t?x=1\"", &ch, &err), 0);
    assert_string_equal(ch.realm, "http://h:5000/t?x=1");
    assert_string_equal(ch.service, "svc");
    assert_string_equal(ch.scope, "a:b:pull b:c:push");
    /* a quote not followed by a comma stays in the value (Ollama's getValue) */
    assert_int_equal(reg_challenge_parse("Bearer realm=\"a\"b\",service=\"s\"", &ch, &err), 0);
    assert_string_equal(ch.realm, "a\"b");
    assert_string_equal(ch.service, "s");
    /* rejected shapes */
    const char *bad[] = {"", "Basic realm=\"x\"", "Bearer service=\"s\"", "Bearerrealm=\"x\"",
                         "Bearer realm=\"unterminated"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err_clear(&err);
        assert_int_equal(reg_challenge_parse(bad[i], &ch, &err), COLA_EFORMAT);
        assert_true(err.msg[0] != '\0');
    }
    char *longv = malloc(5000);
    strcpy(longv, "Bearer realm=\"");
    memset(longv + 14, 'a', 4000);
    strcpy(longv + 4014, "\"");
    err_clear(&err);
    assert_int_equal(reg_challenge_parse(longv, &ch, &err), COLA_EFORMAT);
    assert_string_equal(ch.realm, "");
    free(longv);
}

static void test_token_url(void **state)
{
    (void)state;
    struct reg_challenge ch = {"https://auth.example.com/token", "registry", "repo:foo:pull"};
    char *u = NULL;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(reg_token_url(&ch, 1700000000, "AbC_-9", &u, &err), 0);
    assert_string_equal(u, "https://auth.example.com/token?nonce=AbC_-9&scope=repo%3Afoo%3Apull"
                           "&service=registry&ts=1700000000");
    free(u);
    /* realm's own query kept and sorted in; one scope per word; escapes */
    struct reg_challenge ch2 = {"http://h:5000/v2/token?z=1&a=x+y%2F", "my svc", "a:b:pull c/d:e:*"};
    assert_int_equal(reg_token_url(&ch2, 5, "n", &u, &err), 0);
    assert_string_equal(u, "http://h:5000/v2/token?a=x+y%2F&nonce=n&scope=a%3Ab%3Apull"
                           "&scope=c%2Fd%3Ae%3A%2A&service=my+svc&ts=5&z=1");
    free(u);

    /* the signed bytes: GET,<url>,base64(hex(sha256(""))) */
    char d[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_buf("", 0, d), 0);
    char *b64 = sshkey_b64_encode(d + 7, 64);
    char want[256];
    snprintf(want, sizeof(want), "GET,http://x/t?a=1,%s", b64);
    char *got = reg_token_sign_data("http://x/t?a=1");
    assert_string_equal(got, want);
    free(got);
    free(b64);
}

#define HEX64 "89a2116c3a82d6a97f59f748d86ed4417214353fd178ee54df418fde32495fad"

static void test_urls(void **state)
{
    (void)state;
    struct reg_repo r;
    struct cola_err err;
    char *u = NULL;
    err_clear(&err);
    assert_int_equal(reg_repo_init(&r, NULL, "registry.ollama.ai", "library", "llama3.2", false, &err), 0);
    assert_int_equal(reg_url(&r, REG_URL_MANIFEST, "latest", &u, &err), 0);
    assert_string_equal(u, "https://registry.ollama.ai/v2/library/llama3.2/manifests/latest");
    free(u);
    assert_int_equal(reg_url(&r, REG_URL_BLOB, "sha256-" HEX64, &u, &err), 0);
    assert_string_equal(u, "https://registry.ollama.ai/v2/library/llama3.2/blobs/sha256:" HEX64);
    free(u);
    assert_int_equal(reg_repo_init(&r, "https", "localhost:5000", "ns", "m", true, &err), 0);
    assert_int_equal(reg_url(&r, REG_URL_UPLOADS, NULL, &u, &err), 0);
    assert_string_equal(u, "http://localhost:5000/v2/ns/m/blobs/uploads/");
    free(u);

    assert_int_equal(reg_url(&r, REG_URL_BLOB, "sha256:../../etc/passwd", &u, &err), COLA_EINVAL);
    assert_null(u);
    assert_string_equal(err_msg(&err), "invalid digest format");
    const char *badtags[] = {"../x", "a/b", "", "a?b", "-x", "a b"};
    for (size_t i = 0; i < sizeof(badtags) / sizeof(badtags[0]); i++) {
        err_clear(&err);
        assert_int_equal(reg_url(&r, REG_URL_MANIFEST, badtags[i], &u, &err), COLA_EINVAL);
    }
    err_clear(&err);
    assert_int_equal(reg_repo_init(&r, "http", "h", "n", "m", false, &err), COLA_EINVAL);
    assert_string_equal(err_msg(&err), "insecure protocol http");
    const char *badhosts[] = {"a/b", "", "h@evil", "h?x", "h#x"};
    for (size_t i = 0; i < sizeof(badhosts) / sizeof(badhosts[0]); i++)
        assert_int_equal(reg_repo_init(&r, NULL, badhosts[i], "n", "m", false, NULL), COLA_EINVAL);
    assert_int_equal(reg_repo_init(&r, NULL, "h", "..", "m", false, NULL), COLA_EINVAL);
    assert_int_equal(reg_repo_init(&r, NULL, "h", "n", "a/b", false, NULL), COLA_EINVAL);
    assert_int_equal(reg_repo_init(&r, "ftp", "h", "n", "m", true, NULL), COLA_EINVAL);
}

static void check_redirect(const char *from, const char *loc, const char *origin, int want_rc,
                           const char *want_to, bool want_cross)
{
    char *to = NULL;
    bool cross = false;
    struct cola_err err;
    err_clear(&err);
    int rc = reg_redirect_target(from, loc, origin, &to, &cross, &err);
    assert_int_equal(rc, want_rc);
    if (want_rc == 0) {
        assert_string_equal(to, want_to);
        assert_int_equal(cross, want_cross);
    } else {
        assert_null(to);
        assert_string_equal(err_msg(&err), want_to);
    }
    free(to);
}

static void test_redirects(void **state)
{
    (void)state;
    const char *f = "https://reg.example.com/v2/a/b/blobs/x";
    check_redirect(f, "/v2/c/d", "reg.example.com", 0, "https://reg.example.com/v2/c/d", false);
    check_redirect(f, "y?z=1", "reg.example.com", 0, "https://reg.example.com/v2/a/b/blobs/y?z=1",
                   false);
    /* host names compare without case; the URL is kept as sent */
    check_redirect(f, "https://REG.example.com/q", "reg.example.com", 0,
                   "https://REG.example.com/q", false);
    check_redirect(f, "https://cdn.example.net/o?sig=1", "reg.example.com", 0,
                   "https://cdn.example.net/o?sig=1", true);
    /* same name, another port: another host */
    check_redirect(f, "https://reg.example.com:8443/o", "reg.example.com", 0,
                   "https://reg.example.com:8443/o", true);
    check_redirect("http://127.0.0.1:1/x", "https://127.0.0.1:1/y", "127.0.0.1:1", 0,
                   "https://127.0.0.1:1/y", false);
    check_redirect(f, "http://reg.example.com/o", "reg.example.com", COLA_EIO,
                   "redirect from https to http refused", false);
    check_redirect(f, "file:///etc/passwd", "reg.example.com", COLA_EIO,
                   "redirect to unsupported protocol file refused", false);
    check_redirect(f, "ftp://reg.example.com/x", "reg.example.com", COLA_EIO,
                   "redirect to unsupported protocol ftp refused", false);
    check_redirect(f, "gopher://169.254.169.254/x", "reg.example.com", COLA_EIO,
                   "redirect to unsupported protocol gopher refused", false);

    char *h = reg_url_host("https://Reg.Example.com:5000/v2/");
    assert_string_equal(h, "reg.example.com:5000");
    free(h);
    h = reg_url_host("http://127.0.0.1/v2/");
    assert_string_equal(h, "127.0.0.1");
    free(h);
}

static void test_errors_and_ranges(void **state)
{
    (void)state;
    char out[600];
    reg_status_text(500, "internal\n", 9, out, sizeof(out));
    assert_string_equal(out, "500: internal");
    char body[1000];
    memset(body, 'x', sizeof(body));
    body[3] = '\x01';
    body[4] = '\n';
    reg_status_text(400, body, sizeof(body), out, sizeof(out));
    assert_int_equal(strlen(out), 5 + REG_ERRBODY_MAX);
    assert_memory_equal(out, "400: xxx? x", 11);
    reg_status_text(403, "", 0, out, sizeof(out));
    assert_string_equal(out, "403: ");
    char small[8];
    reg_status_text(403, "forbidden", 9, small, sizeof(small));
    assert_string_equal(small, "403: fo");

    char cr[48];
    reg_content_range(0, 100, cr);
    assert_string_equal(cr, "0-99");
    reg_content_range(100, 1, cr);
    assert_string_equal(cr, "100-100");
    reg_content_range(1000000000000ull, 1000000000ull, cr);
    assert_string_equal(cr, "1000000000000-1000999999999");
}

/* ------------------------------------------------------------ ssh key */

static int run_cmd(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_sshkey(void **state)
{
    (void)state;
    if (run_cmd("command -v ssh-keygen >/dev/null 2>&1") != 0) {
        printf("SKIP: ssh-keygen absent\n");
        skip();
    }
    char *dir = tu_mkdtemp();
    char cmd[512], path[256], pubp[256];
    snprintf(path, sizeof(path), "%s/id_ed25519", dir);
    snprintf(pubp, sizeof(pubp), "%s/id_ed25519.pub", dir);
    snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N '' -C test -f %s", path);
    assert_int_equal(run_cmd(cmd), 0);

    struct sshkey *k = NULL;
    struct cola_err err;
    err_clear(&err);
    assert_int_equal(sshkey_load(path, &k, &err), 0);
    size_t pn;
    char *pub = tu_read_file(pubp, &pn);
    assert_non_null(pub);
    char *f2 = strchr(pub, ' ') + 1;
    *strchr(f2, ' ') = '\0';
    assert_string_equal(sshkey_public_b64(k), f2);

    const char msg[] = "GET,http://x/token?nonce=a,ZTNi";
    char *sig = NULL;
    assert_int_equal(sshkey_sign_b64(k, msg, strlen(msg), &sig, &err), 0);
    unsigned char *raw = NULL;
    size_t rn = 0;
    assert_int_equal(sshkey_b64_decode(sig, strlen(sig), &raw, &rn), 0);
    assert_int_equal(rn, 64);
    EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, sshkey_public_raw(k), 32);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk), 1);
    assert_int_equal(EVP_DigestVerify(md, raw, rn, (const unsigned char *)msg, strlen(msg)), 1);
    raw[0] ^= 1; /* a changed signature must not verify */
    EVP_MD_CTX_free(md);
    md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk), 1);
    assert_int_not_equal(EVP_DigestVerify(md, raw, rn, (const unsigned char *)msg, strlen(msg)), 1);
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pk);
    free(raw);
    free(sig);
    sshkey_free(k);

    /* every truncation of the file and flipped length bytes fail cleanly */
    size_t n;
    char *text = tu_read_file(path, &n);
    assert_non_null(text);
    const char *b = strstr(text, "\n") + 1, *e = strstr(text, "-----END");
    unsigned char *bin = NULL;
    size_t bn = 0;
    assert_int_equal(sshkey_b64_decode(b, (size_t)(e - b), &bin, &bn), 0);
    for (size_t cut = 0; cut < bn; cut += 3) {
        char *b64 = sshkey_b64_encode(bin, cut);
        char pem[2048];
        snprintf(pem, sizeof(pem), "-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n"
                                   "-----END OPENSSH PRIVATE KEY-----\n", b64);
        err_clear(&err);
        assert_true(sshkey_parse(pem, strlen(pem), &k, &err) < 0);
        assert_null(k);
        free(b64);
    }
    for (size_t i = 15; i < bn; i += 7) {
        unsigned char save = bin[i];
        bin[i] ^= 0x80;
        char *b64 = sshkey_b64_encode(bin, bn);
        char pem[2048];
        snprintf(pem, sizeof(pem), "-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n"
                                   "-----END OPENSSH PRIVATE KEY-----\n", b64);
        if (sshkey_parse(pem, strlen(pem), &k, NULL) == 0) /* comment bytes may change */
            sshkey_free(k);
        bin[i] = save;
        free(b64);
    }
    err_clear(&err);
    assert_int_equal(sshkey_parse("nothing", 7, &k, &err), COLA_EFORMAT);
    assert_int_equal(sshkey_load("/nonexistent/id_ed25519", &k, NULL), COLA_ENOTFOUND);
    free(bin);
    free(text);
    free(pub);
    tu_rm_rf(dir);
    free(dir);
}

/* ------------------------------------------------------------ servers */

struct server {
    pid_t pid;
    int port, port2;
    char *dir;
};

static struct server g_srv;

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || getsockname(s, (struct sockaddr *)&a, &al))
        return -1;
    close(s);
    return ntohs(a.sin_port);
}

static bool port_open(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
    if (s >= 0)
        close(s);
    return ok;
}

static pid_t spawn(char *const argv[], const char *log)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
        if (getppid() != parent)
            _exit(127);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static void stop_server(struct server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        for (int i = 0; i < 50; i++) {
            if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
                s->pid = 0;
                break;
            }
            usleep(100000);
        }
        if (s->pid > 0) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
        }
        s->pid = 0;
    }
    if (s->dir) {
        tu_rm_rf(s->dir);
        free(s->dir);
        s->dir = NULL;
    }
}

static void print_log(const struct server *s)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/log", s->dir);
    size_t n;
    char *t = tu_read_file(p, &n);
    fprintf(stderr, "server log:\n%s\n", t ? t : "(none)");
    free(t);
}

static int start_docker_registry(void **state)
{
    (void)state;
    memset(&g_srv, 0, sizeof(g_srv));
    g_srv.dir = tu_mkdtemp();
    g_srv.port = free_port();
    char cfg[512], log[512];
    snprintf(cfg, sizeof(cfg), "%s/config.yml", g_srv.dir);
    snprintf(log, sizeof(log), "%s/log", g_srv.dir);
    FILE *f = fopen(cfg, "w");
    if (!f || g_srv.port < 0)
        return -1;
    fprintf(f, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
               "    rootdirectory: %s/data\nhttp:\n  addr: 127.0.0.1:%d\n", g_srv.dir, g_srv.port);
    fclose(f);
    char *argv[] = {REGISTRY_BIN, "serve", cfg, NULL};
    g_srv.pid = spawn(argv, log);
    for (int i = 0; i < 100 && g_srv.pid > 0; i++) {
        if (port_open(g_srv.port))
            return 0;
        usleep(100000);
    }
    print_log(&g_srv);
    stop_server(&g_srv);
    return -1;
}

static int start_fake(void **state)
{
    (void)state;
    memset(&g_srv, 0, sizeof(g_srv));
    g_srv.dir = tu_mkdtemp();
    char script[512], pf[512], log[512];
    snprintf(script, sizeof(script), "%s/tests/registry/fake_registry.py", COLA_SOURCE_DIR);
    snprintf(pf, sizeof(pf), "%s/ports", g_srv.dir);
    snprintf(log, sizeof(log), "%s/log", g_srv.dir);
    char *argv[] = {"/usr/bin/env", "python3", script, "--port-file", pf, NULL};
    g_srv.pid = spawn(argv, log);
    for (int i = 0; i < 100 && g_srv.pid > 0; i++) {
        size_t n;
        char *t = tu_read_file(pf, &n);
        if (t && sscanf(t, "%d %d", &g_srv.port, &g_srv.port2) == 2) {
            free(t);
            return 0;
        }
        free(t);
        usleep(100000);
    }
    print_log(&g_srv);
    stop_server(&g_srv);
    return -1;
}

static int stop_group(void **state)
{
    (void)state;
    stop_server(&g_srv);
    return 0;
}

static struct reg_client *client(const char *key_path, long low_speed_time)
{
    struct reg_opts o = {.insecure = true, .key_path = key_path,
                         .low_speed_time_s = low_speed_time, .connect_timeout_s = 5};
    struct reg_client *c = NULL;
    struct cola_err err;
    err_clear(&err);
    if (reg_client_new(&o, &c, &err))
        fail_msg("reg_client_new: %s", err_msg(&err));
    return c;
}

static void repo(struct reg_repo *r, const char *ns, const char *model)
{
    char host[64];
    snprintf(host, sizeof(host), "127.0.0.1:%d", g_srv.port);
    assert_int_equal(reg_repo_init(r, NULL, host, ns, model, true, NULL), 0);
}

/* ------------------------------------------------------------ docker-registry */

static void fill(unsigned char *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (unsigned char)(seed >> 24);
    }
}

static int tmp_file(const char *dir, const char *name, const void *data, size_t n)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    if (n)
        assert_int_equal(pwrite(fd, data, n, 0), (ssize_t)n);
    return fd;
}

static void read_back(int fd, unsigned char *out, size_t n)
{
    assert_int_equal(pread(fd, out, n, 0), (ssize_t)n);
}

struct prog {
    uint64_t max;
    int calls;
    int cancel_after; /* cancel on this call (0: never) */
    double cancel_at; /* or after this many seconds (0: never) */
    struct timespec t0;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int on_prog(void *ud, uint64_t done)
{
    struct prog *p = ud;
    p->calls++;
    if (done > p->max)
        p->max = done;
    if (p->cancel_after && p->calls >= p->cancel_after)
        return 1;
    if (p->cancel_at > 0 && now_s() > p->cancel_at)
        return 1;
    return 0;
}

/* Upload data as one blob in parts of at most part bytes. */
static void upload(struct reg_client *c, const struct reg_repo *r, int fd, size_t n, size_t part,
                   const char *digest)
{
    struct cola_err err;
    err_clear(&err);
    bool mounted = true;
    char *url = NULL;
    assert_int_equal(reg_upload_start(c, r, digest, NULL, &mounted, &url, &err), 0);
    assert_false(mounted);
    assert_non_null(url);
    assert_true(strncmp(url, "http://127.0.0.1:", 17) == 0);
    for (size_t off = 0; off < n; off += part) {
        size_t len = n - off < part ? n - off : part;
        struct prog pg = {0};
        char *next = NULL;
        int rc = reg_upload_part(c, url, fd, off, len, on_prog, &pg, &next, &err);
        if (rc)
            fail_msg("upload part at %zu: %s", off, err_msg(&err));
        assert_true(pg.max <= len);
        free(url);
        url = next;
    }
    if (reg_upload_finish(c, url, digest, NULL, &err))
        fail_msg("finish: %s", err_msg(&err));
    free(url);
}

#define BLOB_N 300000

static void test_dr_blobs(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    unsigned char *data = malloc(BLOB_N), *back = malloc(BLOB_N);
    fill(data, BLOB_N, 7);
    char dig[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_buf(data, BLOB_N, dig), 0);
    int src = tmp_file(dir, "src", data, BLOB_N);
    struct reg_client *c = client(NULL, 0);
    struct reg_repo r;
    repo(&r, "ns", "one");
    struct cola_err err;
    err_clear(&err);
    uint64_t size = 1;
    assert_int_equal(reg_blob_head(c, &r, dig, &size, &err), COLA_ENOTFOUND);
    assert_string_equal(err_msg(&err), "file does not exist");

    upload(c, &r, src, BLOB_N, 100000, dig);
    err_clear(&err);
    assert_int_equal(reg_blob_head(c, &r, dig, &size, &err), 0);
    assert_int_equal(size, BLOB_N);

    /* whole */
    int dst = tmp_file(dir, "whole", NULL, 0);
    uint64_t got = 0;
    struct prog pg = {0};
    assert_int_equal(reg_blob_get(c, &r, dig, dst, 0, BLOB_N, on_prog, &pg, &got, &err), 0);
    assert_int_equal(got, BLOB_N);
    assert_true(pg.max <= BLOB_N);
    read_back(dst, back, BLOB_N);
    assert_memory_equal(back, data, BLOB_N);
    close(dst);

    /* resume: a first piece, then the rest from what is on disk; and parts
     * fetched out of order */
    dst = tmp_file(dir, "resume", NULL, 0);
    assert_int_equal(reg_blob_get(c, &r, dig, dst, 0, 123457, NULL, NULL, &got, &err), 0);
    assert_int_equal(got, 123457);
    assert_int_equal(reg_blob_get(c, &r, dig, dst, 123457, BLOB_N - 123457, NULL, NULL, &got, &err), 0);
    read_back(dst, back, BLOB_N);
    assert_memory_equal(back, data, BLOB_N);
    close(dst);
    dst = tmp_file(dir, "parts", NULL, 0);
    for (int i = 2; i >= 0; i--)
        assert_int_equal(reg_blob_get(c, &r, dig, dst, (uint64_t)i * 100000, 100000, NULL, NULL,
                                      NULL, &err), 0);
    read_back(dst, back, BLOB_N);
    assert_memory_equal(back, data, BLOB_N);

    /* a progress callback that says stop */
    struct prog stop = {.cancel_after = 1};
    assert_int_equal(reg_blob_get(c, &r, dig, dst, 0, BLOB_N, on_prog, &stop, NULL, &err),
                     COLA_ECANCELED);
    close(dst);

    /* a finish with the wrong digest is the registry's error, quoted */
    char other[DIGEST_STR_LEN + 1];
    assert_int_equal(sha256_buf("x", 1, other), 0);
    bool mounted;
    char *url = NULL, *next = NULL;
    assert_int_equal(reg_upload_start(c, &r, other, NULL, &mounted, &url, &err), 0);
    assert_int_equal(reg_upload_part(c, url, src, 0, 10, NULL, NULL, &next, &err), 0);
    err_clear(&err);
    assert_int_equal(reg_upload_finish(c, next, other, NULL, &err), COLA_EIO);
    assert_true(strncmp(err_msg(&err), "400: ", 5) == 0);
    assert_non_null(strstr(err_msg(&err), "DIGEST_INVALID"));
    free(url);
    free(next);

    reg_client_free(c);
    close(src);
    free(data);
    free(back);
    tu_rm_rf(dir);
    free(dir);
}

static void test_dr_manifest_mount(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    struct reg_client *c = client(NULL, 0);
    struct reg_repo r1, r2;
    repo(&r1, "ns", "one");
    repo(&r2, "other", "two");
    struct cola_err err;
    err_clear(&err);
    unsigned char layer[5000];
    fill(layer, sizeof(layer), 99);
    const char *config = "{\"model_format\":\"gguf\",\"model_family\":\"test\"}\n";
    char ld[DIGEST_STR_LEN + 1], cd[DIGEST_STR_LEN + 1];
    sha256_buf(layer, sizeof(layer), ld);
    sha256_buf(config, strlen(config), cd);
    int lfd = tmp_file(dir, "layer", layer, sizeof(layer));
    int cfd = tmp_file(dir, "config", config, strlen(config));
    upload(c, &r1, lfd, sizeof(layer), sizeof(layer), ld);
    upload(c, &r1, cfd, strlen(config), 1 << 20, cd);

    char man[1024];
    snprintf(man, sizeof(man),
             "{\"schemaVersion\":2,\"mediaType\":\"" REG_MEDIA_MANIFEST "\",\"config\":{\"mediaType\":"
             "\"application/vnd.docker.container.image.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
             "\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"%s\","
             "\"size\":%zu}]}\n", cd, strlen(config), ld, sizeof(layer));
    char *body = NULL;
    size_t n = 0;
    assert_int_equal(reg_manifest_get(c, &r1, "latest", &body, &n, &err), COLA_ENOTFOUND);
    assert_string_equal(err_msg(&err), "file does not exist");
    err_clear(&err);
    if (reg_manifest_put(c, &r1, "latest", man, strlen(man), &err))
        fail_msg("manifest put: %s", err_msg(&err));
    assert_int_equal(reg_manifest_get(c, &r1, "latest", &body, &n, &err), 0);
    assert_int_equal(n, strlen(man));
    assert_memory_equal(body, man, n);
    free(body);

    /* cross-repository mount: the layer is there in ns/one, not yet in other/two */
    uint64_t size;
    assert_int_equal(reg_blob_head(c, &r2, ld, &size, &err), COLA_ENOTFOUND);
    bool mounted = false;
    char *url = (char *)"x";
    err_clear(&err);
    assert_int_equal(reg_upload_start(c, &r2, ld, "ns/one", &mounted, &url, &err), 0);
    assert_true(mounted);
    assert_null(url);
    assert_int_equal(reg_blob_head(c, &r2, ld, &size, &err), 0);
    assert_int_equal(size, sizeof(layer));
    /* a mount of what the source does not have starts a normal upload */
    char other[DIGEST_STR_LEN + 1];
    sha256_buf("nope", 4, other);
    assert_int_equal(reg_upload_start(c, &r2, other, "ns/one", &mounted, &url, &err), 0);
    assert_false(mounted);
    assert_non_null(url);
    free(url);
    assert_int_equal(reg_upload_start(c, &r2, other, "../x", &mounted, &url, &err), COLA_EINVAL);

    reg_client_free(c);
    close(lfd);
    close(cfd);
    tu_rm_rf(dir);
    free(dir);
}

/* ------------------------------------------------------------ fake registry */

#define FAKE_DIGEST "sha256:" HEX64
#define FAKE_BLOB_N 10000

static int fake_get(struct reg_client *c, const char *ns, uint64_t off, uint64_t len,
                    unsigned char *out, uint64_t *written, struct cola_err *err)
{
    struct reg_repo r;
    repo(&r, ns, "m");
    char *dir = tu_mkdtemp();
    int fd = tmp_file(dir, "b", NULL, 0);
    int rc = reg_blob_get(c, &r, FAKE_DIGEST, fd, off, len, NULL, NULL, written, err);
    if (out && rc == 0)
        assert_int_equal(pread(fd, out, len, (off_t)off), (ssize_t)len);
    close(fd);
    tu_rm_rf(dir);
    free(dir);
    return rc;
}

static int fake_manifest(struct reg_client *c, const char *ns, char **body, struct cola_err *err)
{
    struct reg_repo r;
    repo(&r, ns, "m");
    size_t n;
    err_clear(err);
    return reg_manifest_get(c, &r, "latest", body, &n, err);
}

static void test_fake_auth(void **state)
{
    (void)state;
    struct reg_client *c = client(NULL, 0);
    struct cola_err err;
    char *body = NULL;
    if (fake_manifest(c, "auth", &body, &err))
        fail_msg("auth: %s", err_msg(&err));
    assert_string_equal(body, "{\"auth\": \"unsigned\"}");
    free(body);
    /* the token is reused: a second request needs no challenge */
    assert_int_equal(fake_manifest(c, "auth", &body, &err), 0);
    free(body);

    assert_int_equal(fake_manifest(c, "deny", &body, &err), COLA_EIO);
    assert_string_equal(err_msg(&err), "unauthorized: access denied");

    char want[160];
    snprintf(want, sizeof(want), "realm host \"localhost:%d\" does not match original host "
             "\"127.0.0.1:%d\"", g_srv.port, g_srv.port);
    assert_int_equal(fake_manifest(c, "badrealm", &body, &err), COLA_EIO);
    assert_string_equal(err_msg(&err), want);
    reg_client_free(c);

    if (run_cmd("command -v ssh-keygen >/dev/null 2>&1") != 0) {
        printf("SKIP: ssh-keygen absent, signed token request not tested\n");
        return;
    }
    char *dir = tu_mkdtemp();
    char cmd[512], key[256];
    snprintf(key, sizeof(key), "%s/id_ed25519", dir);
    snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N '' -f %s", key);
    assert_int_equal(run_cmd(cmd), 0);
    c = client(key, 0);
    if (fake_manifest(c, "auth", &body, &err))
        fail_msg("signed auth: %s", err_msg(&err));
    assert_string_equal(body, "{\"auth\": \"signed\"}"); /* the fake verified the signature */
    free(body);
    reg_client_free(c);
    tu_rm_rf(dir);
    free(dir);
}

static void test_fake_redirects(void **state)
{
    (void)state;
    struct reg_client *c = client(NULL, 0);
    struct cola_err err;
    err_clear(&err);
    unsigned char out[50];
    uint64_t w = 0;
    /* 401 → token → 307 same host (token kept) → 302 other host (no token) */
    if (fake_get(c, "redir", 100, 50, out, &w, &err))
        fail_msg("redir: %s", err_msg(&err));
    assert_int_equal(w, 50);
    for (int i = 0; i < 50; i++)
        assert_int_equal(out[i], (100 + i) % 256);

    const char *refused[] = {"scheme", "ftp", "gopher"};
    for (size_t i = 0; i < 3; i++) {
        err_clear(&err);
        assert_int_equal(fake_get(c, refused[i], 0, 10, NULL, NULL, &err), COLA_EIO);
        assert_non_null(strstr(err_msg(&err), "unsupported protocol"));
    }
    err_clear(&err);
    assert_int_equal(fake_get(c, "loop", 0, 10, NULL, NULL, &err), COLA_EIO);
    assert_string_equal(err_msg(&err), "stopped after 10 redirects");
    reg_client_free(c);
}

/* PATCH answered 307 (Ollama's X-Redirect-Uploads): each part is PUT to the
 * other host without credentials; the fake checks the assembled digest. */
static void test_fake_upload_redirect(void **state)
{
    (void)state;
    struct reg_client *c = client(NULL, 0);
    struct cola_err err;
    err_clear(&err);
    char *dir = tu_mkdtemp();
    unsigned char data[3000];
    fill(data, sizeof(data), 5);
    char dig[DIGEST_STR_LEN + 1];
    sha256_buf(data, sizeof(data), dig);
    int fd = tmp_file(dir, "src", data, sizeof(data));
    struct reg_repo r;
    repo(&r, "up307", "m");
    bool mounted;
    char *url = NULL, *next = NULL;
    assert_int_equal(reg_upload_start(c, &r, dig, NULL, &mounted, &url, &err), 0);
    char want[96];
    snprintf(want, sizeof(want), "http://127.0.0.1:%d/upload/1?_state=a%%3Db", g_srv.port);
    assert_string_equal(url, want); /* relative Location made absolute */
    for (int off = 0; off < 3000; off += 1000) {
        if (reg_upload_part(c, url, fd, (uint64_t)off, 1000, NULL, NULL, &next, &err))
            fail_msg("part: %s", err_msg(&err));
        assert_string_equal(next, url);
        free(next);
    }
    if (reg_upload_finish(c, url, dig, NULL, &err))
        fail_msg("finish: %s", err_msg(&err));
    /* and a digest the parts do not have is refused by the fake */
    char other[DIGEST_STR_LEN + 1];
    sha256_buf("x", 1, other);
    assert_int_equal(reg_upload_finish(c, url, other, NULL, &err), COLA_EIO);
    free(url);
    close(fd);
    tu_rm_rf(dir);
    free(dir);
    reg_client_free(c);
}

static void test_fake_hostile_bodies(void **state)
{
    (void)state;
    struct reg_client *c = client(NULL, 0);
    struct cola_err err;
    uint64_t w = 99;
    err_clear(&err);
    assert_int_equal(fake_get(c, "norange", 100, 50, NULL, &w, &err), COLA_EIO);
    assert_non_null(strstr(err_msg(&err), "another range"));
    assert_int_equal(w, 0);
    err_clear(&err);
    assert_int_equal(fake_get(c, "norange", 0, 50, NULL, &w, &err), COLA_EIO);
    assert_string_equal(err_msg(&err), "registry sent more than the 50 bytes asked for");
    assert_true(w <= 50);
    err_clear(&err);
    assert_int_equal(fake_get(c, "wrongrange", 100, 50, NULL, &w, &err), COLA_EIO);
    assert_non_null(strstr(err_msg(&err), "another range"));
    err_clear(&err);
    assert_int_equal(fake_get(c, "short", 0, 50, NULL, &w, &err), COLA_EIO);
    assert_int_equal(w, 10);
    assert_non_null(strstr(err_msg(&err), "sent 10 of 50 bytes"));
    err_clear(&err);
    assert_int_equal(fake_get(c, "liar", 0, 1000, NULL, &w, &err), COLA_EIO);
    assert_true(w <= 10);
    /* a ranged GET that works, for contrast */
    unsigned char out[20];
    assert_int_equal(fake_get(c, "plain", 300, 20, out, &w, &err), 0);
    assert_int_equal(out[0], 300 % 256);

    char *body = NULL;
    assert_int_equal(fake_manifest(c, "big", &body, &err), COLA_ERANGE);
    assert_null(body);
    assert_int_equal(fake_manifest(c, "err", &body, &err), COLA_EIO);
    assert_int_equal(strlen(err_msg(&err)), 5 + REG_ERRBODY_MAX);
    assert_true(strncmp(err_msg(&err), "500: xxxx", 9) == 0);
    assert_int_equal(fake_manifest(c, "nothere", &body, &err), COLA_ENOTFOUND);
    assert_string_equal(err_msg(&err), "file does not exist");

    struct reg_repo r;
    repo(&r, "plain", "m");
    uint64_t size = 0;
    assert_int_equal(reg_blob_head(c, &r, FAKE_DIGEST, &size, &err), 0);
    assert_int_equal(size, FAKE_BLOB_N);
    reg_client_free(c);
}

static void test_fake_hang(void **state)
{
    (void)state;
    struct cola_err err;
    err_clear(&err);
    struct reg_client *c = client(NULL, 2); /* < 1 byte/s for 2 s: give up */
    double t0 = now_s();
    uint64_t w = 0;
    assert_int_equal(fake_get(c, "hang", 0, FAKE_BLOB_N, NULL, &w, &err), COLA_EIO);
    double dt = now_s() - t0;
    assert_true(dt >= 1.5 && dt < 15);
    assert_int_equal(w, 5);
    reg_client_free(c);

    /* cancellation reaches a stalled transfer too */
    c = client(NULL, 60);
    struct reg_repo r;
    repo(&r, "hang", "m");
    char *dir = tu_mkdtemp();
    int fd = tmp_file(dir, "b", NULL, 0);
    t0 = now_s();
    struct prog pg = {.cancel_at = t0 + 0.5};
    err_clear(&err);
    assert_int_equal(reg_blob_get(c, &r, FAKE_DIGEST, fd, 0, FAKE_BLOB_N, on_prog, &pg, &w, &err),
                     COLA_ECANCELED);
    assert_true(now_s() - t0 < 10);
    assert_int_equal(pg.max, 5);
    close(fd);
    tu_rm_rf(dir);
    free(dir);
    reg_client_free(c);
}

static int run_wire_groups(void)
{
    int fails = 0;
    const struct CMUnitTest dr[] = {
        cmocka_unit_test(test_dr_blobs),
        cmocka_unit_test(test_dr_manifest_mount),
    };
    if (access(REGISTRY_BIN, X_OK) != 0)
        printf("SKIP: %s absent, docker-registry tests not run\n", REGISTRY_BIN);
    else
        fails += cmocka_run_group_tests_name("registry_docker", dr, start_docker_registry, stop_group);
    const struct CMUnitTest fake[] = {
        cmocka_unit_test(test_fake_auth),
        cmocka_unit_test(test_fake_redirects),
        cmocka_unit_test(test_fake_upload_redirect),
        cmocka_unit_test(test_fake_hostile_bodies),
        cmocka_unit_test(test_fake_hang),
    };
    if (run_cmd("command -v python3 >/dev/null 2>&1") != 0)
        printf("SKIP: python3 absent, fake registry tests not run\n");
    else
        fails += cmocka_run_group_tests_name("registry_fake", fake, start_fake, stop_group);
    return fails;
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_challenge),         cmocka_unit_test(test_token_url),
        cmocka_unit_test(test_urls),              cmocka_unit_test(test_redirects),
        cmocka_unit_test(test_errors_and_ranges), cmocka_unit_test(test_sshkey),
    };
    int fails = cmocka_run_group_tests_name("registry_pure", pure, NULL, NULL);
    fails += run_wire_groups();
    return fails;
}
