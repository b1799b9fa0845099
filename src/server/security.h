/* security.h — who may use the daemon: the Host check against DNS
 * rebinding and CORS, decided as Ollama's server decides them (API.md §1:
 * allowedHostsMiddleware in server/routes.go, gin-contrib/cors v1.7.2 with
 * AllowWildcard, AllowBrowserExtensions and Ollama's header list). The
 * functions decide; the HTTP layer writes the reply. docs/security.md says
 * the same for users.
 *
 * Order (Ollama's middleware order): sec_cors_decide first, then
 * sec_host_check, then the route.
 *
 * CORS. No Origin (or an empty one): not a CORS request, PASS. Origin equal
 * to "http://" + Host or "https://" + Host (byte for byte, port included):
 * same origin, PASS. Otherwise the Origin must match an allowed pattern,
 * else DENY (403, empty body; a preflight too). The patterns: each
 * comma-separated OLLAMA_ORIGINS entry, then http:// and https:// for
 * localhost, 127.0.0.1 and 0.0.0.0, each bare and with ":*", then the
 * schemes app, file, tauri, vscode-webview and vscode-file with any rest
 * (the pattern "app://" followed by '*', and so on). A pattern
 * without '*' matches the Origin exactly; with one '*' it matches any
 * Origin that starts with the part before it and ends with the part after
 * it (the two parts not overlapping); "*" alone allows every Origin.
 * Browser extensions are not allowed by default: AllowBrowserExtensions only
 * lets OLLAMA_ORIGINS name chrome-extension://, safari-extension://,
 * moz-extension:// and ms-browser-extension:// origins without a '*'.
 * Headers for an allowed Origin, in Go's (sorted) order:
 *   simple request: Access-Control-Allow-Origin: <Origin>, Vary: Origin
 *   preflight (OPTIONS, answered 204 without running a route):
 *     Access-Control-Allow-Headers: Authorization,Content-Type,... (canonical)
 *     Access-Control-Allow-Methods: GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS
 *     Access-Control-Allow-Origin: <Origin>, Access-Control-Max-Age: 43200,
 *     Vary: Origin / Access-Control-Request-Method / Access-Control-Request-Headers
 *   with "*" in OLLAMA_ORIGINS: Access-Control-Allow-Origin: * and no Vary.
 *
 * OLLAMA_ORIGINS is read as Ollama reads environment variables (surrounding
 * blanks, then quote characters, stripped from the whole value). Where cola
 * differs from Ollama, it is kinder and never wider: each entry is trimmed
 * (Ollama keeps the blanks, so "a, b" panics or never matches), empty
 * entries are skipped (Ollama panics), and a pattern is lower-cased whole
 * (gin lower-cases only entries without '*'); the Origin itself is compared
 * as sent. An entry gin would refuse (no '*' and no http://, https:// or
 * browser-extension scheme; two '*') fails sec_cors_new with gin's message,
 * so the daemon does not start with a list it cannot honour (Ollama panics).
 *
 * Host check, only when the listener is a loopback address: the Host header
 * with its port dropped (Go's net.SplitHostPort; "[::1]" without a port is
 * also taken as ::1) must be empty, an IP literal that is loopback,
 * private (10/8, 172.16/12, 192.168/16, fc00::/7; also as ::ffff:v4),
 * unspecified (0.0.0.0, ::) or one of this machine's interface addresses
 * (getifaddrs), or a name (ASCII case-insensitive) that is "localhost",
 * this machine's hostname (gethostname), or ends in ".localhost", ".local"
 * or ".internal". Anything else: 403 with an empty body, so a page on
 * evil.example whose DNS answers 127.0.0.1 cannot reach the API.
 *
 * Bounds: an Origin of SEC_MAX_ORIGIN bytes or more, a Host of SEC_MAX_HOST
 * bytes or more, or either with a control byte (< 0x21 in a Host, < 0x20 in
 * an Origin, 0x7f) is refused, never truncated into a match.
 *
 * Thread safety: a struct sec_cors is read-only after sec_cors_new and may
 * be shared by all connection threads. The Host functions keep no state
 * (they call gethostname and getifaddrs per request).
 */
#ifndef COLA_SERVER_SECURITY_H
#define COLA_SERVER_SECURITY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define SEC_MAX_ORIGIN 1024 /* an Origin this long or longer is refused */
#define SEC_MAX_HOST 512    /* a Host this long or longer is refused */

/* The Host check in detail. SEC_HOST_IP and SEC_HOST_NAME both admit the
 * request; the HTTP layer needs the difference for OPTIONS: Ollama answers
 * an OPTIONS request 204 only when the host was admitted as a name (an IP
 * literal continues to the router, which has no OPTIONS routes). */
enum sec_host_kind {
    SEC_HOST_DENIED,    /* 403, empty body */
    SEC_HOST_UNCHECKED, /* listener not loopback: no check made */
    SEC_HOST_IP,        /* an acceptable IP literal */
    SEC_HOST_NAME,      /* empty/absent, localhost, hostname, *.localhost/.local/.internal */
};

/* Classify host (the Host header, may be NULL, may carry a port). */
enum sec_host_kind sec_host_check(const char *host, bool loopback_listener);

/* DNS-rebinding defence: is this Host header acceptable? Only checked when
 * the listener is loopback (loopback_listener false => always true). host
 * may be NULL/empty (allowed) and may carry a port ("localhost:11434",
 * "[::1]:11434"). Same as sec_host_check(...) != SEC_HOST_DENIED. */
bool sec_host_allowed(const char *host, bool loopback_listener);

/* The allowed origins: OLLAMA_ORIGINS + Ollama's defaults. */
struct sec_cors;

/* Build the list. ollama_origins: the OLLAMA_ORIGINS value (NULL or "" =
 * none). Returns 0 and *out (free with sec_cors_free), or COLA_EINVAL for an
 * entry gin would refuse, COLA_ERANGE for an entry of SEC_MAX_ORIGIN bytes or
 * more or more than 1024 entries, COLA_ENOMEM; *out is untouched on error. */
int sec_cors_new(const char *ollama_origins, struct sec_cors **out, struct cola_err *err);

/* Free c (NULL is fine). */
void sec_cors_free(struct sec_cors *c);

#define SEC_MAX_HEADERS 8
struct sec_headers {
    size_t n;
    struct {
        char name[64];
        char value[1024];
    } h[SEC_MAX_HEADERS];
};

enum sec_cors_verdict {
    SEC_CORS_PASS,      /* not a CORS request (no Origin) or same-origin: handle normally, add nothing */
    SEC_CORS_ALLOW,     /* handle normally and add the headers in *out */
    SEC_CORS_PREFLIGHT, /* answer 204 with the headers in *out; do not run the handler */
    SEC_CORS_DENY,      /* answer 403 with an empty body */
};

/* Decide one request. c: from sec_cors_new (not NULL). method: the request
 * method; origin/host: the Origin and Host headers (NULL when absent);
 * acrm/acrh: Access-Control-Request-Method / -Headers (NULL when absent;
 * gin's CORS does not look at them, neither does cola). *out is always
 * rewritten: out->n is 0 unless the verdict is ALLOW or PREFLIGHT. */
enum sec_cors_verdict sec_cors_decide(const struct sec_cors *c, const char *method,
                                      const char *origin, const char *host, const char *acrm,
                                      const char *acrh, struct sec_headers *out);

#endif
