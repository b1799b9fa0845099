/* name.h — model names: [[scheme://]host/][namespace/]model[:tag], as Ollama's
 * types/model/name.go parses, validates and prints them (STORE.md §3).
 *
 * Parsing (name_parse_bare) never fails: it splits the string the way
 * ParseNameBare does and leaves validity to name_valid(). A separator with an
 * empty side yields the part NAME_MISSING ("!MISSING!"), which no validity
 * rule accepts. name_parse() then fills empty parts with Ollama's defaults
 * (host registry.ollama.ai, namespace library, tag latest, scheme https).
 *
 * Validity, per part: 1..350 bytes for the host, 1..80 for namespace, model
 * and tag; the first byte is [A-Za-z0-9_]; the rest are [A-Za-z0-9_-] plus
 * '.' (not in the namespace) plus ':' (host only). So no valid part is "." or
 * "..", contains '/', or starts with '.', and a valid name's file path
 * (host/namespace/model/tag) always stays inside the manifests directory.
 *
 * Parts are stored in fixed arrays. A part longer than its limit is kept
 * truncated to limit+1 bytes, which is still invalid, so validity is exactly
 * Ollama's; only the printed form of such an invalid name is shortened.
 * Comparisons of names are ASCII case-insensitive (name_equal_fold), as are
 * the store's lookups. Pure functions; no allocation; thread-safe.
 */
#ifndef COLA_STORE_NAME_H
#define COLA_STORE_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define NAME_HOST_MAX 350
#define NAME_PART_MAX 80
#define NAME_SCHEME_MAX 64
#define NAME_MISSING "!MISSING!"
#define NAME_DEFAULT_HOST "registry.ollama.ai"
#define NAME_DEFAULT_NAMESPACE "library"
#define NAME_DEFAULT_TAG "latest"
#define NAME_DEFAULT_SCHEME "https"
/* Room for any printed form of a name: scheme://host/namespace/model:tag. */
#define NAME_STR_MAX (NAME_SCHEME_MAX + 3 + NAME_HOST_MAX + 3 * (NAME_PART_MAX + 1) + 8)

enum name_part { NAME_PART_HOST, NAME_PART_NAMESPACE, NAME_PART_MODEL, NAME_PART_TAG };

struct model_name {
    char scheme[NAME_SCHEME_MAX + 2];
    char host[NAME_HOST_MAX + 2];
    char ns[NAME_PART_MAX + 2];
    char model[NAME_PART_MAX + 2];
    char tag[NAME_PART_MAX + 2];
};

/* Split s without defaults (Ollama's ParseNameBare). s may be NULL (= ""). */
void name_parse_bare(const char *s, struct model_name *n);
/* Fill empty host/namespace/tag/scheme with the defaults (Ollama's Merge). */
void name_merge_defaults(struct model_name *n);
/* name_parse_bare + name_merge_defaults (Ollama's ParseName). */
void name_parse(const char *s, struct model_name *n);

/* Whether s is a valid part of the given kind. */
bool name_part_valid(enum name_part kind, const char *s);
/* Whether all four parts are present and valid (IsValid/IsFullyQualified). */
bool name_valid(const struct model_name *n);
/* ASCII case-insensitive equality of host, namespace, model and tag. */
bool name_equal_fold(const struct model_name *a, const struct model_name *b);

/* "host/namespace/model:tag", each empty part left out with its separator
 * (Ollama's String()). out gets at least NAME_STR_MAX bytes. */
void name_string(const struct model_name *n, char *out, size_t cap);
/* Drops the host when it is registry.ollama.ai and then the namespace when it
 * is library (both case-insensitive); always "model:tag" at the end. */
void name_display_shortest(const struct model_name *n, char *out, size_t cap);
/* "host/namespace/model/tag" of a valid name. COLA_EINVAL for an invalid one. */
int name_filepath(const struct model_name *n, char *out, size_t cap, struct cola_err *err);
/* Parse a manifest path relative to the manifests directory: exactly four
 * '/'-separated parts forming a valid name. 0, or COLA_EINVAL with *n zeroed. */
int name_from_filepath(const char *rel, struct model_name *n);

/* Where a model reference says it lives (Ollama's internal/modelref). */
enum name_source { NAME_SOURCE_UNSPECIFIED, NAME_SOURCE_LOCAL, NAME_SOURCE_CLOUD };

/* Trim spaces, then strip one trailing ":cloud" / ":local" (any case) or the
 * legacy ":<tag>-cloud" suffix into base (cap bytes). Errors (COLA_EINVAL):
 * "model is required" for an empty string, "use either :local or :cloud, not
 * both: \"<raw>\"" for two suffixes; COLA_ERANGE if base does not fit. */
int name_strip_source(const char *raw, char *base, size_t cap, enum name_source *source,
                      struct cola_err *err);
/* The name Ollama pulls/deletes for raw: the base, or for a cloud reference
 * the legacy "<base>:cloud" / "<base>-cloud" spelling. */
int name_normalize_pull(const char *raw, char *out, size_t cap, struct cola_err *err);

/* raw as Go's %q prints it (for Ollama's error texts such as
 * `name "x" is invalid`): in double quotes, with '"' and '\\' escaped and
 * control bytes written as \n, \t, \r or \xNN; cut short (ending in "...")
 * if it does not fit in cap. */
void name_quote(const char *raw, char *out, size_t cap);

#endif
