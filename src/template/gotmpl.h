/* gotmpl.h — Go's text/template, the subset Ollama's chat templates use.
 *
 * Parse once (gotmpl_parse), execute many times (gotmpl_exec) against a
 * struct tv root value (tvalue.h). Parsing follows Go's lexer and parser:
 * text and {{actions}}, trim markers {{- and -}}, comments (slash-star ...
 * star-slash right inside the braces),
 * pipelines with |, fields (.A.B), variables ($x, $x.A, $.A, := and =),
 * literals (strings with Go escapes, raw strings, ints, floats, chars,
 * true/false/nil), parenthesized pipelines, if/else if/else, range (with
 * $i, $e :=, else, break, continue), with/else with/else, define, template,
 * block. Functions known to the parser: Go's builtins and, len, index,
 * slice, not, or, print, printf, println, eq, ne, lt, le, gt, ge, and
 * Ollama's json, currentDate, yesterdayDate, toTypeScriptType.
 *
 * Execution is Go's with Option("missingkey=zero"), Ollama's setting: a
 * missing key of a map gives nil, which is false in if/with and prints as
 * "<no value>" at the end of a pipeline. Values print with fmt.Print rules
 * (tvalue.h). Output goes to a bounded struct buf; a template that runs more
 * than GOTMPL_MAX_STEPS steps or nests {{template}} calls deeper than
 * GOTMPL_MAX_DEPTH stops with an error instead of running on.
 *
 * Errors use Go's texts: parse errors "template: :LINE:COL: MSG" (Go names
 * the line only; the 0-based column is added, and is also in struct
 * gotmpl_error),
 * execution errors "template: :LINE:COL: executing \"NAME\" at <NODE>: MSG".
 *
 * Ownership: a struct gotmpl owns its copy of the source and its tree; free
 * it with gotmpl_free. Executing does not modify it, so one parsed template
 * may be executed from several threads at once.
 */
#ifndef COLA_TEMPLATE_GOTMPL_H
#define COLA_TEMPLATE_GOTMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "template/gotmpl_ast.h"
#include "template/tvalue.h"
#include "util/buf.h"
#include "util/err.h"

#define GOTMPL_MAX_SOURCE (4u << 20)   /* bytes of template text */
#define GOTMPL_MAX_NEST 200            /* nesting of blocks and parentheses */
#define GOTMPL_MAX_STEPS 10000000      /* nodes and iterations per execution */
#define GOTMPL_MAX_DEPTH 1000          /* nested {{template}} calls */
#define GOTMPL_MAX_SCRATCH (256u << 20) /* bytes of values made while executing */

struct gotmpl_def {
    const char *name;          /* "" for the top-level template */
    struct gt_node *root;      /* a GT_LIST */
};

struct gotmpl {
    struct tv_arena arena;     /* the tree and the copy of the source */
    const char *src;
    size_t src_len;
    struct gotmpl_def *defs;   /* defs[0] is the top-level template */
    size_t ndefs, cap;
};

struct gotmpl_error {
    int line, col;             /* 1-based line, 0-based byte column (Go's) */
};

/* Parse text (len bytes). On success *out is a new template (gotmpl_free).
 * On failure returns COLA_EFORMAT (COLA_ENOMEM, COLA_ERANGE for limits)
 * with Go's message in err and the position in *where (may be NULL). */
int gotmpl_parse(const char *text, size_t len, struct gotmpl **out, struct cola_err *err,
                 struct gotmpl_error *where);

/* Ollama's template.Parse: gotmpl_parse, then Vars() (which rejects
 * {{template "x"}} without a pipeline: "undefined template specified"),
 * then, when no identifier is "messages" or "response", a {{ .Response }}
 * action is appended to the top-level template. */
int gotmpl_parse_ollama(const char *text, size_t len, struct gotmpl **out,
                        struct cola_err *err);

void gotmpl_free(struct gotmpl *t);

/* Zeroed memory in t's arena (to build replacement nodes), or NULL. */
void *gotmpl_alloc(struct gotmpl *t, size_t n);

/* The named definition, or NULL. */
const struct gotmpl_def *gotmpl_lookup(const struct gotmpl *t, const char *name);

/* Ollama's Template.Vars(): the identifiers of every field and variable
 * node of every definition (".A.B" gives "a", "b"; "$.Tools" gives "$",
 * "tools"), lower-cased, sorted, without duplicates. *out is a malloc'ed
 * array of malloc'ed strings: free with gotmpl_vars_free. 0, COLA_ENOMEM,
 * or COLA_EFORMAT ("undefined template specified"). */
int gotmpl_vars(const struct gotmpl *t, char ***out, size_t *n, struct cola_err *err);
void gotmpl_vars_free(char **vars, size_t n);
/* Whether gotmpl_vars contains name (lower case). */
bool gotmpl_has_var(const struct gotmpl *t, const char *name);

struct gotmpl_exec_opts {
    time_t now;                /* for currentDate/yesterdayDate; 0 = time(NULL) */
    unsigned long max_steps;   /* 0 = GOTMPL_MAX_STEPS */
};

/* Execute the top-level template with root as the data (dot and $).
 * Output is appended to out; on error out holds what was written before
 * the error (as Go's writer would). Returns 0, COLA_EFORMAT (an execution
 * error, Go's text in err), COLA_ENOMEM (out's maximum or scratch memory),
 * COLA_ERANGE (step or depth limit). opts may be NULL. */
int gotmpl_exec(const struct gotmpl *t, const struct tv *root, struct buf *out,
                const struct gotmpl_exec_opts *opts, struct cola_err *err);

/* The same for a named definition (Go's ExecuteTemplate). */
int gotmpl_exec_named(const struct gotmpl *t, const char *name, const struct tv *root,
                      struct buf *out, const struct gotmpl_exec_opts *opts,
                      struct cola_err *err);

/* Append the Go String() form of a node ("{{if .A}}...", ".A.B",
 * "eq .Role \"user\"") to out, for messages and tests. 0 or COLA_ENOMEM. */
int gotmpl_node_string(struct buf *out, const struct gt_node *n);

#endif
