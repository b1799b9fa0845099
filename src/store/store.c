/* store.c — blobs, manifests and whole-model operations of the store (see
 * store.h for the layout and the safety rules). */
#include "store/store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "util/log.h"

/* ------------------------------------------------------------------ root */

int store_root_default(char *out, size_t cap, struct cola_err *err)
{
    const char *env = getenv("OLLAMA_MODELS");
    if (env) {
        /* envconfig.Var: trim spaces, then one pair of surrounding quotes. */
        size_t n = strlen(env);
        while (n && isspace((unsigned char)*env))
            env++, n--;
        while (n && isspace((unsigned char)env[n - 1]))
            n--;
        while (n && (*env == '"' || *env == '\''))
            env++, n--;
        while (n && (env[n - 1] == '"' || env[n - 1] == '\''))
            n--;
        if (n) {
            if (n >= cap)
                return err_set(err, COLA_ERANGE, "OLLAMA_MODELS is too long");
            memcpy(out, env, n);
            out[n] = '\0';
            return 0;
        }
    }
    const char *home = getenv("HOME");
    if (!home || !*home)
        return err_set(err, COLA_EINVAL, "$HOME is not defined");
    const int k = snprintf(out, cap, "%s/.ollama/models", home);
    if (k < 0 || (size_t)k >= cap)
        return err_set(err, COLA_ERANGE, "$HOME is too long");
    return 0;
}

int store_open(struct store *s, const char *root, struct cola_err *err)
{
    int rc;
    memset(s, 0, sizeof(*s));
    if (!root) {
        if ((rc = store_root_default(s->root, sizeof(s->root), err)))
            return rc;
    } else if (snprintf(s->root, sizeof(s->root), "%s", root) >= (int)sizeof(s->root) || !*root) {
        return err_set(err, COLA_ERANGE, "invalid store root");
    }
    if ((rc = fs_join(s->blobs, sizeof(s->blobs), s->root, "blobs", err)) ||
        (rc = fs_join(s->manifests, sizeof(s->manifests), s->root, "manifests", err)) ||
        (rc = fs_mkdir_p(s->blobs, err)) || (rc = fs_mkdir_p(s->manifests, err)))
        return rc;
    return 0;
}

/* ------------------------------------------------------------------ blobs */

int store_blob_path(const struct store *s, const char *digest, char *out, size_t cap,
                    struct cola_err *err)
{
    char name[DIGEST_STR_LEN + 1];
    int rc = digest_blob_name(digest, name, err);
    return rc ? rc : fs_join(out, cap, s->blobs, name, err);
}

bool store_blob_exists(const struct store *s, const char *digest)
{
    char path[PATH_MAX];
    struct stat st;
    return store_blob_path(s, digest, path, sizeof(path), NULL) == 0 && stat(path, &st) == 0 &&
           S_ISREG(st.st_mode);
}

/* A new temp file blobs/sha256-XXXXXX (not a digest name, so never taken for
 * a blob, and removed by prune if left behind). */
static int blob_tmp_open(const struct store *s, char *tmp, size_t cap, struct cola_err *err)
{
    int rc = fs_join(tmp, cap, s->blobs, "sha256-XXXXXX", err);
    if (rc)
        return rc;
    const int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return err_set(err, COLA_EIO, "create temp blob in %s: %s", s->blobs, strerror(errno));
    return fd;
}

/* Check got against want, then make tmp (open as fd, closed here) the blob
 * named got. On any failure tmp is removed. */
static int blob_commit(const struct store *s, int fd, const char *tmp, const char *want,
                       const char *got, struct cola_err *err)
{
    char want_c[DIGEST_STR_LEN + 1], path[PATH_MAX];
    int rc = 0;
    if (want && (rc = digest_canonical(want, want_c, err)) == 0 && strcmp(want_c, got) != 0)
        rc = err_set(err, COLA_EFORMAT, "digest mismatch, expected \"%s\", got \"%s\"", want, got);
    if (rc)
        goto fail;
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
        rc = err_set(err, COLA_EIO, "write %s: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = err_set(err, COLA_EIO, "close %s: %s", tmp, strerror(errno));
        goto fail;
    }
    fd = -1;
    if ((rc = store_blob_path(s, got, path, sizeof(path), err)))
        goto fail;
    if (rename(tmp, path) != 0) {
        rc = err_set(err, COLA_EIO, "rename %s: %s", path, strerror(errno));
        goto fail;
    }
    return fs_fsync_dir(s->blobs, err);
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rc;
}

int store_blob_put_fd(const struct store *s, int fd, const char *want,
                      char got[DIGEST_STR_LEN + 1], uint64_t *size, struct cola_err *err)
{
    return store_blob_put_fd_cb(s, fd, want, got, size, NULL, NULL, err);
}

int store_blob_put_fd_cb(const struct store *s, int fd, const char *want,
                         char got[DIGEST_STR_LEN + 1], uint64_t *size, store_copy_fn fn,
                         void *user, struct cola_err *err)
{
    if (want && !digest_valid(want))
        return err_set(err, COLA_EINVAL, "invalid digest format");
    char tmp[PATH_MAX], dig[DIGEST_STR_LEN + 1];
    const int out = blob_tmp_open(s, tmp, sizeof(tmp), err);
    if (out < 0)
        return out;
    enum { CHUNK = 1 << 20 };
    char *chunk = malloc(CHUNK);
    struct sha256 h = {0};
    uint64_t total = 0;
    int rc = chunk ? sha256_init(&h) : COLA_ENOMEM;
    if (rc) {
        rc = err_set(err, rc, "out of memory hashing a blob");
        goto fail;
    }
    for (;;) {
        const ssize_t r = read(fd, chunk, CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = err_set(err, COLA_EIO, "read: %s", strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        for (ssize_t off = 0; off < r;) {
            const ssize_t w = write(out, chunk + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                rc = err_set(err, COLA_EIO, "write %s: %s", tmp, strerror(errno));
                goto fail;
            }
            off += w;
        }
        if ((rc = sha256_update(&h, chunk, (size_t)r))) {
            rc = err_set(err, rc, "sha256 failed");
            goto fail;
        }
        total += (uint64_t)r;
        if (fn)
            fn(user, total);
    }
    free(chunk);
    if ((rc = sha256_final(&h, dig))) {
        close(out);
        unlink(tmp);
        return err_set(err, rc, "sha256 failed");
    }
    if (got)
        memcpy(got, dig, sizeof(dig));
    if (size)
        *size = total;
    return blob_commit(s, out, tmp, want, dig, err);
fail:
    free(chunk);
    sha256_free(&h);
    close(out);
    unlink(tmp);
    return rc;
}

int store_blob_put_file(const struct store *s, const char *path, const char *want,
                        char got[DIGEST_STR_LEN + 1], uint64_t *size, struct cola_err *err)
{
    return store_blob_put_file_cb(s, path, want, got, size, NULL, NULL, err);
}

int store_blob_put_file_cb(const struct store *s, const char *path, const char *want,
                           char got[DIGEST_STR_LEN + 1], uint64_t *size, store_copy_fn fn,
                           void *user, struct cola_err *err)
{
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, errno == ENOENT ? COLA_ENOTFOUND : COLA_EIO, "open %s: %s", path,
                       strerror(errno));
    struct stat st;
    int rc;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = err_set(err, COLA_EIO, "%s: not a regular file", path);
    else
        rc = store_blob_put_fd_cb(s, fd, want, got, size, fn, user, err);
    close(fd);
    return rc;
}

int store_blob_put_buf(const struct store *s, const void *data, size_t n, const char *want,
                       char got[DIGEST_STR_LEN + 1], struct cola_err *err)
{
    char dig[DIGEST_STR_LEN + 1], want_c[DIGEST_STR_LEN + 1], tmp[PATH_MAX];
    int rc;
    if (want && (rc = digest_canonical(want, want_c, err)))
        return rc;
    if ((rc = sha256_buf(data, n, dig)))
        return err_set(err, rc, "sha256 failed");
    if (got)
        memcpy(got, dig, sizeof(dig));
    if (want && strcmp(want_c, dig) != 0)
        return err_set(err, COLA_EFORMAT, "digest mismatch, expected \"%s\", got \"%s\"", want,
                       dig);
    if (store_blob_exists(s, dig))
        return 0; /* content-addressed: the same bytes are already there */
    const int fd = blob_tmp_open(s, tmp, sizeof(tmp), err);
    if (fd < 0)
        return fd;
    const char *p = data;
    for (size_t left = n; left > 0;) {
        const ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = err_set(err, COLA_EIO, "write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return rc;
        }
        p += w;
        left -= (size_t)w;
    }
    return blob_commit(s, fd, tmp, NULL, dig, err);
}

/* -------------------------------------------------------------- manifests */

/* In dir, the entry equal to part ignoring ASCII case (exact match first),
 * copied into out (cap bytes). false when there is none. */
static bool find_fold(const char *dir, const char *part, char *out, size_t cap)
{
    char path[PATH_MAX];
    struct stat st;
    if (fs_join(path, sizeof(path), dir, part, NULL) == 0 && lstat(path, &st) == 0) {
        snprintf(out, cap, "%s", part);
        return true;
    }
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!strcasecmp(e->d_name, part) && strlen(e->d_name) < cap) {
            snprintf(out, cap, "%s", e->d_name);
            found = true;
            break;
        }
    }
    closedir(d);
    return found;
}

int store_manifest_resolve(const struct store *s, const struct model_name *n,
                           struct model_name *resolved, char *path, size_t cap,
                           struct cola_err *err)
{
    if (!name_valid(n))
        return err_set(err, COLA_EINVAL, "invalid model name");
    struct model_name r = *n;
    char *parts[4] = {r.host, r.ns, r.model, r.tag};
    const size_t caps[4] = {sizeof(r.host), sizeof(r.ns), sizeof(r.model), sizeof(r.tag)};
    char dir[PATH_MAX];
    int rc;
    snprintf(dir, sizeof(dir), "%s", s->manifests);
    for (int i = 0; i < 4; i++) {
        char found[NAME_HOST_MAX + 2];
        if (!find_fold(dir, parts[i], found, sizeof(found)))
            break; /* the rest keeps the caller's spelling */
        /* Only an on-disk name that is itself a valid part may be reused. */
        const enum name_part kinds[4] = {NAME_PART_HOST, NAME_PART_NAMESPACE, NAME_PART_MODEL,
                                         NAME_PART_TAG};
        if (!name_part_valid(kinds[i], found) || strlen(found) >= caps[i])
            break;
        memcpy(parts[i], found, strlen(found) + 1);
        char next[PATH_MAX];
        if ((rc = fs_join(next, sizeof(next), dir, found, err)))
            return rc;
        memcpy(dir, next, sizeof(dir));
    }
    char rel[NAME_STR_MAX];
    if ((rc = name_filepath(&r, rel, sizeof(rel), err)) ||
        (rc = fs_join(path, cap, s->manifests, rel, err)))
        return rc;
    if (resolved)
        *resolved = r;
    return 0;
}

int store_manifest_read(const struct store *s, const struct model_name *n, char **data,
                        size_t *len, struct model_name *resolved, struct cola_err *err)
{
    char path[PATH_MAX];
    *data = NULL;
    *len = 0;
    int rc = store_manifest_resolve(s, n, resolved, path, sizeof(path), err);
    if (rc)
        return rc;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        char str[NAME_STR_MAX];
        name_string(n, str, sizeof(str));
        return err_set(err, COLA_ENOTFOUND, "model '%s' not found", str);
    }
    return fs_read_file(path, MANIFEST_MAX_BYTES, data, len, err);
}

static void hex_of(const char *digest, char hex[DIGEST_HEX_LEN + 1])
{
    memcpy(hex, digest + 7, DIGEST_HEX_LEN + 1);
}

int store_manifest_load(const struct store *s, const struct model_name *n, struct manifest *m,
                        char digest_hex[DIGEST_HEX_LEN + 1], struct cola_err *err)
{
    char *data = NULL, dig[DIGEST_STR_LEN + 1];
    size_t len = 0;
    memset(m, 0, sizeof(*m));
    int rc = store_manifest_read(s, n, &data, &len, NULL, err);
    if (!rc)
        rc = manifest_parse(data, len, m, err);
    if (!rc && digest_hex) {
        if ((rc = sha256_buf(data, len, dig)))
            err_set(err, rc, "sha256 failed");
        else
            hex_of(dig, digest_hex);
    }
    free(data);
    if (rc)
        manifest_free(m);
    return rc;
}

/* Write bytes as the manifest at path (resolved), creating its directory. */
static int manifest_put(const char *path, const void *data, size_t len, struct cola_err *err)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return err_set(err, COLA_EINVAL, "invalid manifest path");
    *slash = '\0';
    int rc = fs_mkdir_p(dir, err);
    return rc ? rc : fs_write_atomic(path, data, len, 0644, err);
}

int store_manifest_write(const struct store *s, const struct model_name *n, const void *data,
                         size_t len, struct cola_err *err)
{
    struct manifest m;
    char path[PATH_MAX];
    int rc = manifest_parse(data, len, &m, err);
    if (rc)
        return rc;
    manifest_free(&m);
    if ((rc = store_manifest_resolve(s, n, NULL, path, sizeof(path), err)))
        return rc;
    return manifest_put(path, data, len, err);
}

/* ----------------------------------------------------------- enumeration */

/* One manifest found by the walk. */
struct walk_item {
    struct model_name name;
    const char *path;
    const char *data; /* NULL when the file could not be read */
    size_t len;
    const struct stat *st;
};

/* Return nonzero from a callback to stop the walk with that code. */
typedef int (*walk_fn)(const struct walk_item *it, void *ctx);

static bool dot_name(const char *s)
{
    return s[0] == '.';
}

/* Visit manifests/<a>/<b>/<c>/<d>: every regular file exactly four levels
 * down (Ollama's Glob of manifests/ * / * / * / *). Names that do not parse
 * as a valid name are logged and counted in *bad. */
static int walk_level(const struct store *s, char *rel, size_t rlen, int depth, walk_fn fn,
                      void *ctx, size_t *bad)
{
    char dirpath[PATH_MAX];
    if (snprintf(dirpath, sizeof(dirpath), "%s%s%s", s->manifests, rlen ? "/" : "", rel) >=
        (int)sizeof(dirpath))
        return 0;
    DIR *d = opendir(dirpath);
    if (!d)
        return 0;
    int rc = 0;
    for (struct dirent *e; !rc && (e = readdir(d)) != NULL;) {
        if (dot_name(e->d_name))
            continue; /* ".", "..", and our own ".<tag>.tmp-*" files */
        const size_t el = strlen(e->d_name);
        if (rlen + el + 2 >= NAME_STR_MAX) {
            (*bad)++;
            log_warn("bad manifest name: %s/%s", rel, e->d_name);
            continue;
        }
        size_t nl = rlen;
        if (rlen)
            rel[nl++] = '/';
        memcpy(rel + nl, e->d_name, el + 1);
        char path[PATH_MAX];
        struct stat st;
        if (snprintf(path, sizeof(path), "%s/%s", s->manifests, rel) < (int)sizeof(path) &&
            stat(path, &st) == 0) {
            if (depth < 3 && S_ISDIR(st.st_mode)) {
                rc = walk_level(s, rel, nl + el, depth + 1, fn, ctx, bad);
            } else if (depth == 3 && S_ISREG(st.st_mode)) {
                struct walk_item it = {.path = path, .st = &st};
                if (name_from_filepath(rel, &it.name) != 0) {
                    (*bad)++;
                    log_warn("bad manifest name: %s", rel);
                } else {
                    char *data = NULL;
                    if (fs_read_file(path, MANIFEST_MAX_BYTES, &data, &it.len, NULL) == 0)
                        it.data = data;
                    rc = fn(&it, ctx);
                    free(data);
                }
            }
        }
        rel[rlen] = '\0';
    }
    closedir(d);
    return rc;
}

static int walk_manifests(const struct store *s, walk_fn fn, void *ctx, size_t *bad)
{
    char rel[NAME_STR_MAX + 2] = "";
    size_t dummy = 0;
    return walk_level(s, rel, 0, 0, fn, ctx, bad ? bad : &dummy);
}

/* ------------------------------------------------------------ digest sets */

struct digest_set {
    char (*d)[DIGEST_STR_LEN + 1];
    size_t n, cap;
};

static int set_add(struct digest_set *set, const char *digest)
{
    if (!digest[0])
        return 0;
    if (set->n == set->cap) {
        const size_t nc = set->cap ? set->cap * 2 : 64;
        void *p = realloc(set->d, nc * sizeof(*set->d));
        if (!p)
            return COLA_ENOMEM;
        set->d = p;
        set->cap = nc;
    }
    memcpy(set->d[set->n++], digest, DIGEST_STR_LEN + 1);
    return 0;
}

static int cmp_digest(const void *a, const void *b)
{
    return strcmp(a, b);
}

static bool set_has(const struct digest_set *set, const char *digest)
{
    return set->n && bsearch(digest, set->d, set->n, sizeof(*set->d), cmp_digest) != NULL;
}

struct refs_ctx {
    struct digest_set set;
    const char *skip_path;  /* a manifest whose references do not count */
    size_t corrupt;
    int rc;
};

static int refs_cb(const struct walk_item *it, void *vctx)
{
    struct refs_ctx *c = vctx;
    if (c->skip_path && !strcmp(it->path, c->skip_path))
        return 0;
    struct manifest m;
    struct cola_err e = {0};
    if (!it->data || manifest_parse(it->data, it->len, &m, &e) != 0) {
        c->corrupt++;
        log_warn("bad manifest %s: %s", it->path, it->data ? err_msg(&e) : "unreadable");
        return 0;
    }
    int rc = set_add(&c->set, m.config.digest);
    for (size_t i = 0; !rc && i < m.n_layers; i++)
        rc = set_add(&c->set, m.layers[i].digest);
    manifest_free(&m);
    return rc;
}

/* Every digest referenced by a manifest other than skip_path; *corrupt gets
 * the number of manifests that could not be read or parsed, *bad (may be
 * NULL) the number of paths that are not valid names. */
static int collect_refs(const struct store *s, const char *skip_path, struct digest_set *out,
                        size_t *corrupt, size_t *bad_names, struct cola_err *err)
{
    struct refs_ctx c = {.skip_path = skip_path};
    size_t bad = 0;
    int rc = walk_manifests(s, refs_cb, &c, &bad);
    if (rc) {
        free(c.set.d);
        return err_set(err, rc, "out of memory collecting blob references");
    }
    if (c.set.n > 1)
        qsort(c.set.d, c.set.n, sizeof(*c.set.d), cmp_digest);
    *out = c.set;
    *corrupt = c.corrupt;
    if (bad_names)
        *bad_names = bad;
    return 0;
}

/* ------------------------------------------------------------------ list */

struct list_ctx {
    const struct store *s;
    struct store_list *out;
    size_t cap;
    int rc;
};

/* Whether the config blob of m says the model is a remote (cloud) stub.
 * Fails (logged by the caller) when the config cannot be read or parsed. */
static int config_remote(const struct store *s, const struct manifest *m, bool *remote,
                         struct cola_err *err)
{
    char path[PATH_MAX], *data = NULL;
    size_t len = 0;
    *remote = false;
    if (!m->has_config)
        return 0;
    int rc = store_blob_path(s, m->config.digest, path, sizeof(path), err);
    if (!rc)
        rc = fs_read_file(path, STORE_CONFIG_MAX, &data, &len, err);
    if (rc)
        return rc;
    json_error_t jerr;
    json_t *cfg = json_loadb(data, len, 0, &jerr);
    free(data);
    if (!json_is_object(cfg)) {
        json_decref(cfg);
        return err_set(err, COLA_EFORMAT, "config blob is not a JSON object");
    }
    const char *rm = json_string_value(json_object_get(cfg, "remote_model"));
    *remote = rm && *rm;
    json_decref(cfg);
    return 0;
}

static int list_cb(const struct walk_item *it, void *vctx)
{
    struct list_ctx *c = vctx;
    struct manifest m;
    struct cola_err e = {0};
    struct store_model sm = {.name = it->name};
    char dig[DIGEST_STR_LEN + 1], str[NAME_STR_MAX];
    name_string(&it->name, str, sizeof(str));
    if (!it->data || manifest_parse(it->data, it->len, &m, &e) != 0) {
        log_warn("bad manifest %s: %s", str, it->data ? err_msg(&e) : "unreadable");
        c->out->n_skipped++;
        return 0;
    }
    sm.size = manifest_total_size(&m);
    const int crc = config_remote(c->s, &m, &sm.remote, &e);
    manifest_free(&m);
    if (crc) {
        log_warn("failed to read the config of %s: %s", str, err_msg(&e));
        c->out->n_skipped++;
        return 0;
    }
    if (sha256_buf(it->data, it->len, dig) != 0)
        return COLA_EIO;
    hex_of(dig, sm.digest);
    name_display_shortest(&it->name, sm.display, sizeof(sm.display));
    sm.mtime = it->st->st_mtim;
    if (c->out->n == c->cap) {
        const size_t nc = c->cap ? c->cap * 2 : 16;
        void *p = realloc(c->out->models, nc * sizeof(*c->out->models));
        if (!p)
            return COLA_ENOMEM;
        c->out->models = p;
        c->cap = nc;
    }
    c->out->models[c->out->n++] = sm;
    return 0;
}

static int cmp_model(const void *a, const void *b)
{
    const struct store_model *x = a, *y = b;
    /* Ollama: newest first by whole seconds; ties by name for a stable order. */
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec > y->mtime.tv_sec ? -1 : 1;
    return strcmp(x->display, y->display);
}

int store_list(const struct store *s, struct store_list *out, struct cola_err *err)
{
    memset(out, 0, sizeof(*out));
    struct list_ctx c = {.s = s, .out = out};
    const int rc = walk_manifests(s, list_cb, &c, &out->n_skipped);
    if (rc) {
        store_list_free(out);
        return err_set(err, rc, "listing models: %s", err_name(rc));
    }
    if (out->n > 1)
        qsort(out->models, out->n, sizeof(*out->models), cmp_model);
    return 0;
}

void store_list_free(struct store_list *l)
{
    free(l->models);
    memset(l, 0, sizeof(*l));
}

/* ----------------------------------------------------------- delete, copy */

/* Remove the blobs of m that refs does not hold. */
static void remove_unreferenced(const struct store *s, const struct manifest *m,
                                const struct digest_set *refs)
{
    for (size_t i = 0; i <= m->n_layers; i++) {
        const char *d = i < m->n_layers ? m->layers[i].digest : m->config.digest;
        char path[PATH_MAX];
        if (!d[0] || set_has(refs, d) || store_blob_path(s, d, path, sizeof(path), NULL))
            continue;
        if (unlink(path) != 0 && errno != ENOENT)
            log_warn("couldn't remove blob %s: %s", path, strerror(errno));
    }
}

int store_delete(const struct store *s, const struct model_name *n, struct cola_err *err)
{
    char path[PATH_MAX], dir[PATH_MAX], str[NAME_STR_MAX], *data = NULL;
    size_t len = 0;
    struct manifest m;
    int rc = store_manifest_read(s, n, &data, &len, NULL, err);
    if (rc)
        return rc;
    if ((rc = store_manifest_resolve(s, n, NULL, path, sizeof(path), err)))
        goto out;
    struct cola_err perr = {0};
    const bool parsed = manifest_parse(data, len, &m, &perr) == 0;
    name_string(n, str, sizeof(str));
    if (!parsed)
        log_warn("removing corrupt manifest %s (%s); its blobs are left to prune", str,
                 err_msg(&perr));
    if (unlink(path) != 0) {
        rc = err_set(err, COLA_EIO, "remove %s: %s", path, strerror(errno));
        goto out_m;
    }
    snprintf(dir, sizeof(dir), "%s", path);
    *strrchr(dir, '/') = '\0';
    fs_fsync_dir(dir, NULL);
    if ((rc = fs_prune_empty_dirs(dir, s->manifests, err)))
        goto out_m;
    if (parsed) {
        struct digest_set refs = {0};
        size_t corrupt = 0;
        if ((rc = collect_refs(s, NULL, &refs, &corrupt, NULL, err)))
            goto out_m;
        if (corrupt)
            log_warn("%zu corrupt manifest(s): keeping the blobs of %s", corrupt, str);
        else
            remove_unreferenced(s, &m, &refs);
        free(refs.d);
    }
out_m:
    if (parsed)
        manifest_free(&m);
out:
    free(data);
    return rc;
}

int store_release_blobs(const struct store *s, const struct manifest *m, struct cola_err *err)
{
    struct digest_set refs = {0};
    size_t corrupt = 0;
    int rc = collect_refs(s, NULL, &refs, &corrupt, NULL, err);
    if (rc)
        return rc;
    if (corrupt)
        log_warn("%zu corrupt manifest(s): keeping blobs that may be unused", corrupt);
    else
        remove_unreferenced(s, m, &refs);
    free(refs.d);
    return 0;
}

int store_copy(const struct store *s, const struct model_name *src,
               const struct model_name *dst, struct cola_err *err)
{
    char *data = NULL;
    size_t len = 0;
    if (!name_valid(dst))
        return err_set(err, COLA_EINVAL, "invalid model name");
    int rc = store_manifest_read(s, src, &data, &len, NULL, err);
    if (!rc)
        rc = store_manifest_write(s, dst, data, len, err);
    free(data);
    return rc;
}

/* ------------------------------------------------------------------ prune */

/* Rename legacy "sha256:<hex>" blob files to "sha256-<hex>" (fixBlobs). */
static void fix_legacy_blobs(const struct store *s, struct store_prune_stats *st)
{
    DIR *d = opendir(s->blobs);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char from[PATH_MAX], to[PATH_MAX];
        if (!digest_valid(e->d_name) || e->d_name[6] != ':' ||
            fs_join(from, sizeof(from), s->blobs, e->d_name, NULL) ||
            store_blob_path(s, e->d_name, to, sizeof(to), NULL))
            continue;
        if (rename(from, to) == 0)
            st->legacy_renamed++;
        else
            log_warn("couldn't rename %s: %s", from, strerror(errno));
    }
    closedir(d);
}

static void prune_blobs(const struct store *s, int64_t grace_s, const struct digest_set *refs,
                        struct store_prune_stats *st)
{
    DIR *d = opendir(s->blobs);
    if (!d)
        return;
    const time_t now = time(NULL);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char path[PATH_MAX], canon[DIGEST_STR_LEN + 1];
        struct stat sb;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            fs_join(path, sizeof(path), s->blobs, e->d_name, NULL) || lstat(path, &sb) != 0 ||
            S_ISDIR(sb.st_mode) || (int64_t)(now - sb.st_mtime) < grace_s)
            continue;
        const bool is_digest = digest_canonical(e->d_name, canon, NULL) == 0;
        if (is_digest && set_has(refs, canon))
            continue;
        if (unlink(path) != 0) {
            log_warn("couldn't remove blob %s: %s", path, strerror(errno));
            continue;
        }
        if (is_digest)
            st->blobs_removed++;
        else
            st->stale_removed++;
    }
    closedir(d);
}

/* Remove every empty directory below dir (dir itself only when !keep), at
 * most depth levels down (manifests need four). */
static void prune_dirs(const char *dir, bool keep, int depth)
{
    if (depth < 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        char path[PATH_MAX];
        struct stat sb;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
            fs_join(path, sizeof(path), dir, e->d_name, NULL) || lstat(path, &sb) != 0 ||
            !S_ISDIR(sb.st_mode))
            continue;
        prune_dirs(path, false, depth - 1);
    }
    closedir(d);
    if (!keep)
        rmdir(dir); /* fails, harmlessly, when not empty */
}

int store_prune(const struct store *s, int64_t grace_s, struct store_prune_stats *st,
                struct cola_err *err)
{
    memset(st, 0, sizeof(*st));
    fix_legacy_blobs(s, st);
    struct digest_set refs = {0};
    size_t corrupt = 0, bad = 0;
    const int rc = collect_refs(s, NULL, &refs, &corrupt, &bad, err);
    if (rc)
        return rc;
    if (corrupt || bad) {
        log_warn("corrupt manifests detected, skipping prune operation. Re-pull or delete to clear");
        st->skipped = true;
    } else {
        prune_blobs(s, grace_s, &refs, st);
        prune_dirs(s->manifests, true, 4);
    }
    free(refs.d);
    return 0;
}
