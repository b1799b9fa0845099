/* security.h — the daemon's request admission: the Host-header check
 * against DNS rebinding and CORS, as Ollama's server does them (API.md §1:
 * allowedHostsMiddleware, gin-contrib/cors v1.7.2 with Ollama's settings).
 *
 * CORS runs first. A request without Origin, or whose Origin is
 * "http://<Host>" / "https://<Host>" (same origin), passes untouched. An
 * Origin on the allowed list gets Access-Control-Allow-Origin: <origin> and
 * Vary: Origin; a preflight (OPTIONS) also gets Allow-Methods, Allow-Headers
 * (Ollama's list, incl. the OpenAI SDK's x-stainless-*), Max-Age 43200 and
 * Vary on the request headers, and is answered 204 without running a
 * route. Any other Origin: 403 with an empty body. The list: each
 * comma-separated OLLAMA_ORIGINS entry, then http(s)://localhost,
 * 127.0.0.1, 0.0.0.0 with and without ":*", and app, file, tauri,
 * vscode-webview, vscode-file with any rest ("app://" + "*"). Exact entries are compared after
 * trimming and lower-casing the entry (not the Origin); an entry with one
 * "*" matches by prefix and suffix around it; "*" alone allows every origin
 * (Access-Control-Allow-Origin: *). Entries gin would refuse (no "*" and no
 * http/https/browser-extension scheme, or two "*") are skipped with a
 * warning instead of stopping the daemon.
 *
 * Host check, only when the daemon listens on a loopback address: the Host
 * header (its port dropped) must be empty, localhost, this machine's
 * hostname, *.localhost, *.local, *.internal (case-insensitive), or an IP
 * literal that is loopback, private (10/8, 172.16/12, 192.168/16,
 * fc00::/7), unspecified, or one of this machine's addresses. Otherwise
 * 403 with an empty body: a web page on evil.example that resolves its
 * name to 127.0.0.1 cannot reach the API.
 *
 * Lengths are bounded (a longer Origin or Host never matches). Pure apart
 * from gethostname/getifaddrs; thread-safe after sec_cors_new.
 */
#ifndef COLA_SERVER_SECURITY_H
#define COLA_SERVER_SECURITY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define SEC_MAX_ORIGIN 1024

bool sec_host_allowed(const char *host, bool loopback_listener);

struct sec_cors;
/* ollama_origins: the OLLAMA_ORIGINS value (NULL or "": none). */
int sec_cors_new(const char *ollama_origins, struct sec_cors **out, struct cola_err *err);
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
    SEC_CORS_PASS,      /* no Origin, or same origin: handle normally, add nothing */
    SEC_CORS_ALLOW,     /* handle normally and add the headers in *out */
    SEC_CORS_PREFLIGHT, /* answer 204 with the headers in *out; no route runs */
    SEC_CORS_DENY,      /* answer 403 with an empty body */
};

/* method: the request's; origin, host: the Origin and Host headers (NULL
 * when absent); acrm, acrh: Access-Control-Request-Method / -Headers
 * (unused by gin's CORS, kept for the log). */
enum sec_cors_verdict sec_cors_decide(const struct sec_cors *c, const char *method,
                                      const char *origin, const char *host, const char *acrm,
                                      const char *acrh, struct sec_headers *out);

#endif
