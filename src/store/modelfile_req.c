/* modelfile_req.c — from parsed Modelfile commands to the pieces of an
 * /api/create request: typed parameters (JSON), path expansion, semver, and
 * Ollama's client-side CreateRequest rules. See modelfile.h.
 */
#include "store/modelfile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int oom(struct cola_err *err) { return err_set(err, COLA_ENOMEM, "out of memory"); }

/* Go's error strings are lower-case: "no such file or directory". */
static void os_reason(int e, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s", strerror(e));
    dst[0] = (char)tolower((unsigned char)dst[0]);
}

/* ============================================================= parameters */

/* The double a float32 reads as once Go's encoder has written it in its
 * shortest form (which is what the server decodes). */
static double f32_wire_value(float f)
{
    char tmp[48];
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, (double)f);
        if (strtof(tmp, NULL) == f)
            return strtod(tmp, NULL);
    }
    return (double)f;
}

int mf_param_json(const char *name, const char *const *vals, size_t n, json_t **out,
                  struct cola_err *err)
{
    *out = NULL;
    struct mf_pval v;
    int rc = mf_param_parse(name, vals, n, &v, err);
    if (rc)
        return rc;
    json_t *j = NULL;
    switch (v.type) {
    case MF_PT_FLOAT:
        if (isnan(v.f))
            return err_set(err, COLA_EINVAL, "json: unsupported value: NaN");
        if (isinf(v.f))
            return err_set(err, COLA_EINVAL, "json: unsupported value: %cInf", v.f < 0 ? '-' : '+');
        j = json_real(f32_wire_value(v.f));
        break;
    case MF_PT_INT: j = json_integer((json_int_t)v.i); break;
    case MF_PT_BOOL: j = json_boolean(v.b); break;
    case MF_PT_STRINGS:
        j = json_array();
        for (size_t i = 0; j && i < n; i++) {
            if (json_array_append_new(j, json_string(vals[i]))) {
                json_decref(j);
                j = NULL;
            }
        }
        break;
    default: break;
    }
    if (!j)
        return oom(err);
    *out = j;
    return 0;
}

int mf_params_add(json_t *params, const char *name, const char *value, struct cola_err *err)
{
    json_t *v;
    int rc = mf_param_json(name, &value, 1, &v, err);
    if (rc)
        return rc;
    json_t *have = json_object_get(params, name);
    if (json_is_array(have) && json_is_array(v)) {
        rc = json_array_extend(have, v);
        json_decref(v);
        return rc ? oom(err) : 0;
    }
    return json_object_set_new(params, name, v) ? oom(err) : 0;
}

/* ========================================================= path expansion */

/* Go's path.Clean into a new string. */
static char *go_clean(const char *p)
{
    size_t n = strlen(p);
    if (n == 0)
        return strdup(".");
    bool rooted = p[0] == '/';
    char *out = malloc(n + 2);
    if (!out)
        return NULL;
    size_t o = 0, dotdot = 0; /* out[0..dotdot) may not be backtracked */
    if (rooted) {
        out[o++] = '/';
        dotdot = 1;
    }
    for (size_t r = 0; r < n;) {
        if (p[r] == '/') {
            r++;
        } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
            r++;
        } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
            r += 2;
            if (o > dotdot) {
                o--;
                while (o > dotdot && out[o] != '/')
                    o--;
            } else if (!rooted) {
                if (o > 0)
                    out[o++] = '/';
                out[o++] = '.';
                out[o++] = '.';
                dotdot = o;
            }
        } else {
            if ((rooted && o != 1) || (!rooted && o != 0))
                out[o++] = '/';
            for (; r < n && p[r] != '/'; r++)
                out[o++] = p[r];
        }
    }
    if (o == 0)
        out[o++] = '.';
    out[o] = '\0';
    return out;
}

/* Go's filepath.Join of two elements ("" when both are empty). */
static char *go_join(const char *a, const char *b)
{
    if (!*a && !*b)
        return strdup("");
    size_t la = strlen(a), lb = strlen(b);
    char *t = malloc(la + lb + 2);
    if (!t)
        return NULL;
    memcpy(t, a, la);
    size_t o = la;
    if (*a && *b)
        t[o++] = '/';
    memcpy(t + o, b, lb + 1);
    char *c = go_clean(t);
    free(t);
    return c;
}

/* Go's filepath.Abs. */
static char *go_abs(const char *p)
{
    if (p[0] == '/')
        return go_clean(p);
    char *wd = getcwd(NULL, 0);
    if (!wd)
        return NULL;
    char *r = go_join(wd, p);
    free(wd);
    return r;
}

static int sys_current_home(void *ctx, char **home, struct cola_err *err)
{
    (void)ctx;
    struct passwd pw, *res = NULL;
    char tmp[4096];
    const char *dir = NULL;
    if (getpwuid_r(getuid(), &pw, tmp, sizeof(tmp), &res) == 0 && res)
        dir = res->pw_dir;
    if (!dir)
        dir = getenv("HOME");
    if (!dir)
        return err_set(err, COLA_ENOTFOUND, "user: unknown userid %u", (unsigned)getuid());
    *home = strdup(dir);
    return *home ? 0 : oom(err);
}

static int sys_user_home(void *ctx, const char *user, char **home, struct cola_err *err)
{
    (void)ctx;
    struct passwd pw, *res = NULL;
    char tmp[4096];
    if (getpwnam_r(user, &pw, tmp, sizeof(tmp), &res) != 0 || !res)
        return err_set(err, COLA_ENOTFOUND, "user: unknown user %s", user);
    *home = strdup(res->pw_dir);
    return *home ? 0 : oom(err);
}

static const struct mf_users SYS_USERS = {sys_current_home, sys_user_home, NULL};

/* "~", "~/x", "~name", "~name/x" → the home-based path (not yet absolute). */
static int expand_tilde(const char *path, const struct mf_users *u, char **out,
                        struct cola_err *err)
{
    char *home = NULL;
    const char *rest;
    int rc;
    if (path[1] == '\0' || path[1] == '/') {
        struct cola_err e2 = {0};
        rc = u->current_home(u->ctx, &home, &e2);
        if (rc)
            return err_set(err, rc, "failed to get current user: %s", err_msg(&e2));
        rest = path + 1;
    } else {
        const char *slash = strchr(path + 1, '/');
        size_t nl = slash ? (size_t)(slash - path - 1) : strlen(path + 1);
        char *name = strndup(path + 1, nl);
        if (!name)
            return oom(err);
        struct cola_err e2 = {0};
        rc = u->user_home(u->ctx, name, &home, &e2);
        if (rc) {
            rc = err_set(err, rc, "failed to find user '%s': %s", name, err_msg(&e2));
            free(name);
            return rc;
        }
        free(name);
        rest = slash ? slash : "";
    }
    *out = go_join(home, rest);
    free(home);
    return *out ? 0 : oom(err);
}

int mf_expand_path(const char *path, const char *relative_dir, const struct mf_users *users,
                   char **out, struct cola_err *err)
{
    *out = NULL;
    const struct mf_users *u = users ? users : &SYS_USERS;
    char *joined = NULL;
    int rc;
    if (path[0] == '/' || path[0] == '\\') {
        joined = strdup(path);
    } else if (path[0] == '~') {
        rc = expand_tilde(path, u, &joined, err);
        if (rc)
            return rc;
    } else {
        joined = go_join(relative_dir ? relative_dir : "", path);
    }
    if (!joined)
        return oom(err);
    *out = go_abs(joined);
    free(joined);
    return *out ? 0 : err_set(err, COLA_EIO, "cannot make %s absolute", path);
}

/* ================================================================= semver */

static const char *semver_num(const char *s)
{
    if (!isdigit((unsigned char)*s))
        return NULL;
    const char *t = s + 1;
    while (isdigit((unsigned char)*t))
        t++;
    return (s[0] == '0' && t - s > 1) ? NULL : t;
}

/* Dot-separated [0-9A-Za-z-]+ identifiers up to stop (or the end); numeric
 * ones without leading zeros when strict_num. */
static const char *semver_idents(const char *s, char stop, bool strict_num)
{
    const char *start = s;
    for (;; s++) {
        if (*s == '.' || *s == '\0' || *s == stop) {
            if (s == start)
                return NULL;
            bool num = true;
            for (const char *k = start; k < s; k++)
                num &= isdigit((unsigned char)*k) != 0;
            if (strict_num && num && s - start > 1 && start[0] == '0')
                return NULL;
            if (*s != '.')
                return s;
            start = s + 1;
        } else if (!isalnum((unsigned char)*s) && *s != '-') {
            return NULL;
        }
    }
}

bool mf_semver_valid(const char *s)
{
    if (s[0] != 'v' || !(s = semver_num(s + 1)))
        return false;
    if (*s == '\0')
        return true;
    if (*s != '.' || !(s = semver_num(s + 1)))
        return false;
    if (*s == '\0')
        return true;
    if (*s != '.' || !(s = semver_num(s + 1)))
        return false;
    if (*s == '-' && !(s = semver_idents(s + 1, '+', true)))
        return false;
    if (*s == '+' && !(s = semver_idents(s + 1, '\0', false)))
        return false;
    return *s == '\0';
}

/* ========================================================= create request */

static int paths_add(struct mf_paths *ps, const char *path, bool is_dir, struct cola_err *err)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->v[i].path, path) == 0)
            return 0;
    struct mf_path *v = realloc(ps->v, (ps->n + 1) * sizeof(*v));
    if (!v)
        return oom(err);
    ps->v = v;
    if (!(v[ps->n].path = strdup(path)))
        return oom(err);
    v[ps->n].is_dir = is_dir;
    ps->n++;
    return 0;
}

static void paths_free(struct mf_paths *ps)
{
    for (size_t i = 0; i < ps->n; i++)
        free(ps->v[i].path);
    free(ps->v);
    ps->v = NULL;
    ps->n = 0;
}

static int set_str(char **dst, const char *s, struct cola_err *err)
{
    char *c = strdup(s);
    if (!c)
        return oom(err);
    free(*dst);
    *dst = c;
    return 0;
}

/* Ollama's rejectMatchingLocalPath: path may not resolve to any of others. */
static int reject_same(const char *path, const struct mf_paths *others, struct cola_err *err)
{
    if (others->n == 0)
        return 0;
    char reason[128];
    char *a = realpath(path, NULL);
    if (!a) {
        os_reason(errno, reason, sizeof(reason));
        return err_set(err, COLA_EIO, "lstat %s: %s", path, reason);
    }
    int rc = 0;
    for (size_t i = 0; i < others->n && !rc; i++) {
        char *b = realpath(others->v[i].path, NULL);
        if (b && strcmp(a, b) == 0)
            rc = err_set(err, COLA_EINVAL,
                         "DRAFT must not reference the same local path as FROM: %s", path);
        free(b);
    }
    free(a);
    return rc;
}

/* FROM, DRAFT and ADAPTER: expand, stat, and file the path. */
static int add_local(struct mf_request *r, const struct mf_command *c, const char *reldir,
                     const struct mf_users *u, struct cola_err *err)
{
    char *path = NULL, reason[128];
    struct stat st;
    int rc = mf_expand_path(c->args, reldir, u, &path, err);
    if (rc)
        return rc;
    bool is_model = strcmp(c->name, "model") == 0;
    if (stat(path, &st) != 0) {
        int e = errno;
        if (is_model && e == ENOENT) {
            rc = set_str(&r->from, c->args, err);
            goto out;
        }
        os_reason(e, reason, sizeof(reason));
        rc = err_set(err, COLA_ENOTFOUND, "stat %s: %s", path, reason);
        goto out;
    }
    bool dir = S_ISDIR(st.st_mode);
    if (is_model) {
        rc = reject_same(path, &r->drafts, err);
        if (!rc)
            rc = paths_add(&r->files, path, dir, err);
    } else if (strcmp(c->name, "draft") == 0) {
        rc = reject_same(path, &r->files, err);
        if (!rc)
            rc = paths_add(&r->drafts, path, dir, err);
    } else {
        paths_free(&r->adapters); /* the last ADAPTER replaces the others */
        rc = paths_add(&r->adapters, path, dir, err);
    }
out:
    free(path);
    return rc;
}

static int add_message(struct mf_request *r, const char *args, struct cola_err *err)
{
    const char *sep = strstr(args, ": ");
    size_t rl = sep ? (size_t)(sep - args) : strlen(args);
    if (!r->messages && !(r->messages = json_array()))
        return oom(err);
    json_t *m = json_object();
    json_t *role = json_stringn(args, rl);
    json_t *content = json_string(sep ? sep + 2 : "");
    if (!m || !role || !content || json_object_set_new(m, "role", role) ||
        json_object_set_new(m, "content", content)) {
        json_decref(m);
        return oom(err);
    }
    return json_array_append_new(r->messages, m) ? oom(err) : 0;
}

static int add_requires(struct mf_request *r, const char *args, struct cola_err *err)
{
    size_t n = strlen(args);
    char *v = malloc(n + 2);
    if (!v)
        return oom(err);
    if (args[0] == 'v')
        memcpy(v, args, n + 1);
    else {
        v[0] = 'v';
        memcpy(v + 1, args, n + 1);
    }
    int rc = mf_semver_valid(v) ? set_str(&r->requires_, v + 1, err)
                                : err_set(err, COLA_EINVAL, "requires must be a valid semver (e.g. 0.14.0)");
    free(v);
    return rc;
}

static int add_param(struct mf_request *r, const struct mf_command *c, struct cola_err *err)
{
    if (mf_param_deprecated(c->name)) {
        char **w = realloc(r->warnings, (r->n_warnings + 1) * sizeof(*w));
        if (!w)
            return oom(err);
        r->warnings = w;
        size_t len = strlen(c->name) + 40;
        if (!(w[r->n_warnings] = malloc(len)))
            return oom(err);
        snprintf(w[r->n_warnings++], len, "warning: parameter %s is deprecated", c->name);
        return 0;
    }
    if (!r->parameters && !(r->parameters = json_object()))
        return oom(err);
    return mf_params_add(r->parameters, c->name, c->args, err);
}

static int add_command(struct mf_request *r, const struct mf_command *c, const char *reldir,
                       const struct mf_users *u, struct cola_err *err)
{
    const char *n = c->name;
    if (!strcmp(n, "model") || !strcmp(n, "draft") || !strcmp(n, "adapter"))
        return add_local(r, c, reldir, u, err);
    if (!strcmp(n, "template"))
        return set_str(&r->template_, c->args, err);
    if (!strcmp(n, "system"))
        return set_str(&r->system, c->args, err);
    if (!strcmp(n, "renderer"))
        return set_str(&r->renderer, c->args, err);
    if (!strcmp(n, "parser"))
        return set_str(&r->parser, c->args, err);
    if (!strcmp(n, "requires"))
        return add_requires(r, c->args, err);
    if (!strcmp(n, "message"))
        return add_message(r, c->args, err);
    if (!strcmp(n, "license")) {
        if (!r->license && !(r->license = json_array()))
            return oom(err);
        return json_array_append_new(r->license, json_string(c->args)) ? oom(err) : 0;
    }
    return add_param(r, c, err);
}

static void drop_empty(char **s)
{
    if (*s && !**s) {
        free(*s);
        *s = NULL;
    }
}

int mf_request_build(const struct mf_file *f, const char *relative_dir,
                     const struct mf_users *users, struct mf_request *out,
                     struct cola_err *err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < f->n; i++) {
        int rc = add_command(out, &f->cmds[i], relative_dir, users, err);
        if (rc)
            return rc;
    }
    /* Ollama sends these with omitempty: "" is the same as absent */
    drop_empty(&out->from);
    drop_empty(&out->template_);
    drop_empty(&out->system);
    drop_empty(&out->renderer);
    drop_empty(&out->parser);
    drop_empty(&out->requires_);
    return 0;
}

void mf_request_free(struct mf_request *r)
{
    if (!r)
        return;
    free(r->from);
    paths_free(&r->files);
    paths_free(&r->drafts);
    paths_free(&r->adapters);
    free(r->template_);
    free(r->system);
    free(r->renderer);
    free(r->parser);
    free(r->requires_);
    json_decref(r->license);
    json_decref(r->parameters);
    json_decref(r->messages);
    for (size_t i = 0; i < r->n_warnings; i++)
        free(r->warnings[i]);
    free(r->warnings);
    memset(r, 0, sizeof(*r));
}
