/* modelfile.h — Ollama's Modelfile: the parser, its text form, parameter
 * typing, and the create request a Modelfile stands for.
 *
 * Spec: ../shared/reference/MODELFILE.md (Ollama's parser/parser.go and
 * api.FormatParams); docs/modelfile.md describes the grammar as cola has it.
 *
 * Parsing (mf_parse) is byte-exact with Ollama's ParseFile:
 *   - input: at most MF_INPUT_MAX bytes; a UTF-8 BOM is dropped, a UTF-16 LE
 *     (FF FE) or BE (FE FF) BOM switches to UTF-16; ill-formed sequences
 *     become U+FFFD the way Go's decoders make them;
 *   - instructions are case-insensitive (FROM LICENSE TEMPLATE SYSTEM ADAPTER
 *     DRAFT RENDERER PARSER PARAMETER MESSAGE REQUIRES), '#' starts a comment
 *     where an instruction could start, values may be bare, "quoted" or
 *     """triple quoted""" (multi-line), runes that are not printable (Go's
 *     strconv.IsPrint) are dropped from names and values;
 *   - result: commands in file order, named as Ollama stores them: FROM →
 *     "model", PARAMETER k v → name k (case kept), MESSAGE r t → "message" with
 *     args "r: t", every other instruction → its lower-case keyword;
 *   - errors carry Ollama's text: "(line N): command must be one of ...",
 *     "(line N): message role must be one of ...", "unexpected EOF[: buf]",
 *     "no FROM line".
 *
 * The request side (mf_request_build, modelfile_req.c) is Ollama's client-side
 * Modelfile.CreateRequest without reading models: FROM/DRAFT/ADAPTER paths are
 * expanded (relative to the Modelfile's directory, "~", "~user") and checked
 * to exist; hashing them is left to the caller (store/digest.h).
 *
 * Ownership: every struct filled here owns its strings and JSON values; free
 * with the matching *_free (safe on a zeroed struct, and after a failed call).
 * No global state; thread-safe as long as callers do not share a struct.
 */
#ifndef COLA_STORE_MODELFILE_H
#define COLA_STORE_MODELFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/err.h"

#define MF_INPUT_MAX ((size_t)32 << 20)  /* bytes of Modelfile accepted */
#define MF_COMMANDS_MAX ((size_t)1 << 20) /* commands in one Modelfile */

/* ------------------------------------------------------------------ parser */

struct mf_command {
    char *name; /* "model", "license", ..., "message", or a parameter name */
    char *args; /* the value, unquoted; "role: text" for "message" */
};

struct mf_file {
    struct mf_command *cmds;
    size_t n, cap;
};

/* Parse len bytes of Modelfile text into out (which is overwritten; free it
 * with mf_file_free even on failure). Returns 0, COLA_EFORMAT with Ollama's
 * message in err, COLA_ERANGE when the input or the command count is past its
 * bound, or COLA_ENOMEM. */
int mf_parse(const void *data, size_t len, struct mf_file *out, struct cola_err *err);

/* Read path (at most MF_INPUT_MAX bytes) and parse it. COLA_EIO with
 * "open <path>: <reason>" when it cannot be read; otherwise as mf_parse. */
int mf_parse_path(const char *path, struct mf_file *out, struct cola_err *err);

void mf_file_free(struct mf_file *f);

/* Append one command's Modelfile line (no newline) to out, as Ollama's
 * Command.String(): FROM bare, other values quoted when they hold a newline
 * or start/end with a space ("""...""" when they also hold a '"'). */
int mf_command_string(const struct mf_command *c, struct buf *out);

/* The whole file's text form (Modelfile.String(): one line per command, each
 * ended by '\n'). Returns a malloc'ed string, or NULL on ENOMEM. */
char *mf_file_string(const struct mf_file *f);

/* -------------------------------------------------------------- parameters */

/* The type Ollama's api.Options gives a PARAMETER name (its json tag). Names
 * are case-sensitive. */
enum mf_ptype {
    MF_PT_UNKNOWN = 0,
    MF_PT_FLOAT,   /* float32: top_p, min_p, typical_p, temperature, ...penalty */
    MF_PT_INT,     /* int64: num_ctx, seed, top_k, ..., main_gpu */
    MF_PT_BOOL,    /* use_mmap */
    MF_PT_STRINGS, /* stop */
};

enum mf_ptype mf_param_type(const char *name);

/* Whether name is one of the parameters Ollama's client drops with
 * "warning: parameter <name> is deprecated" (penalize_newline, mirostat...). */
bool mf_param_deprecated(const char *name);

struct mf_pval {
    enum mf_ptype type;
    float f;   /* MF_PT_FLOAT (may be ±Inf or NaN: "inf", "nan" parse) */
    int64_t i; /* MF_PT_INT */
    bool b;    /* MF_PT_BOOL */
};

/* Type vals (n >= 1; only vals[0] is read unless the type is a list) the way
 * api.FormatParams does: Go's strconv.ParseFloat(.., 32) / ParseInt(.., 10,
 * 64) / ParseBool syntax. Errors (COLA_EINVAL): "unknown parameter 'k'",
 * "invalid float value [v...]", "invalid int value [v...]", "invalid bool
 * value [v...]". For MF_PT_STRINGS only out->type is set. */
int mf_param_parse(const char *name, const char *const *vals, size_t n, struct mf_pval *out,
                   struct cola_err *err);

/* The JSON value Ollama's client sends for a parameter (new reference in
 * *out): float32 values as the double their shortest float32 text reads as
 * (0.1 → 0.1, not 0.100000001), ints as integers, bools, "stop" as an array
 * of all vals. ±Inf/NaN fail as Go's encoder does: "json: unsupported value:
 * +Inf". */
int mf_param_json(const char *name, const char *const *vals, size_t n, json_t **out,
                  struct cola_err *err);

/* Add one PARAMETER line to the params object (as CreateRequest merges
 * them): lists append to what is there, scalars replace. */
int mf_params_add(json_t *params, const char *name, const char *value, struct cola_err *err);

/* ----------------------------------------------------------- path expansion */

/* Home-directory lookups, replaceable for tests. Each returns 0 and a
 * malloc'ed directory, or a negative code with a message in err (for a
 * missing user: "user: unknown user <name>"). */
struct mf_users {
    int (*current_home)(void *ctx, char **home, struct cola_err *err);
    int (*user_home)(void *ctx, const char *user, char **home, struct cola_err *err);
    void *ctx;
};

/* Ollama's expandPath: absolute paths are cleaned; "~" and "~/x" use the
 * current user's home, "~name/x" that user's home ("failed to find user
 * 'name': ..." when there is none); anything else is joined to relative_dir
 * (may be "" or NULL) and made absolute against the working directory.
 * *out is malloc'ed. users NULL = the system's password database ($HOME when
 * the current user has no entry). */
int mf_expand_path(const char *path, const char *relative_dir, const struct mf_users *users,
                   char **out, struct cola_err *err);

/* ----------------------------------------------------------- create request */

struct mf_path {
    char *path;  /* absolute, cleaned (not symlink-resolved) */
    bool is_dir; /* a directory of model files (Ollama's filesForModel) */
};

struct mf_paths {
    struct mf_path *v;
    size_t n;
};

/* The pieces of an /api/create request a Modelfile makes. Strings are NULL
 * when absent or empty (Ollama omits empty fields); JSON members are NULL
 * when there is nothing to send. */
struct mf_request {
    char *from;               /* last FROM whose path does not exist (a model name) */
    struct mf_paths files;    /* FROM paths that exist, file order, no duplicates */
    struct mf_paths drafts;   /* DRAFT paths (must exist) */
    struct mf_paths adapters; /* the last ADAPTER's path (must exist) */
    char *template_;
    char *system;
    char *renderer;
    char *parser;
    char *requires_; /* semver without the leading 'v' */
    json_t *license;    /* array of strings */
    json_t *parameters; /* object: typed values (mf_param_json) */
    json_t *messages;   /* array of {"role","content"} */
    char **warnings;    /* "warning: parameter k is deprecated" lines to print */
    size_t n_warnings;
};

/* Build the request from parsed commands. relative_dir is the Modelfile's
 * directory ("" or NULL = the working directory). Errors carry Ollama's text:
 * "stat <path>: no such file or directory" (DRAFT/ADAPTER), "DRAFT must not
 * reference the same local path as FROM: <path>", "requires must be a valid
 * semver (e.g. 0.14.0)", parameter errors as mf_param_json. out is
 * overwritten; free it with mf_request_free even on failure. */
int mf_request_build(const struct mf_file *f, const char *relative_dir,
                     const struct mf_users *users, struct mf_request *out,
                     struct cola_err *err);

void mf_request_free(struct mf_request *r);

/* Whether s is a version golang.org/x/mod/semver accepts ("v1", "v1.2",
 * "v1.2.3-pre.1+build"); s includes the 'v'. */
bool mf_semver_valid(const char *s);

#endif
