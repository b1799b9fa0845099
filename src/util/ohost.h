/* ohost.h — OLLAMA_HOST as Ollama reads it (envconfig.Host, CLI.md).
 *
 * "[scheme://]host[:port][/path]": no scheme means http (and the bare value
 * "ollama.com" means https://ollama.com:443); the port defaults to 11434 without a
 * scheme, 80 for http://, 443 for https://; a host without a port keeps the
 * whole host ("[::1]" and "::1" are the IPv6 loopback); ":1234" is every
 * interface; a port that is not a number in 0..65535 is replaced by the
 * default. ohost_connectable() is the client's view: 0.0.0.0 / :: / ""
 * become 127.0.0.1 / ::1. Pure; lengths bounded by the struct.
 */
#ifndef COLA_UTIL_OHOST_H
#define COLA_UTIL_OHOST_H

#include <stdbool.h>

struct ohost {
    char scheme[16];   /* "http" */
    char host[256];    /* "127.0.0.1", "::1" (no brackets), "" = all interfaces */
    unsigned port;
    char path[256];    /* "" or "ollama" (no leading slash) */
};

/* value: the variable's value (NULL = unset). */
void ohost_parse(const char *value, struct ohost *out);
/* ohost_parse(getenv("OLLAMA_HOST")). */
void ohost_from_env(struct ohost *out);
/* The client side: unspecified addresses replaced by loopback. */
void ohost_connectable(struct ohost *h);
/* "http://127.0.0.1:11434" (IPv6 in brackets, the path appended). */
void ohost_url(const struct ohost *h, char *out, unsigned long cap);

#endif
