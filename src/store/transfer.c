#include "store/transfer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "store/registry.h"
#include "util/fsutil.h"
#include "util/log.h"

#define XF_MAX_PARTS 64
#define XF_MIN_PART ((uint64_t)100 * 1000 * 1000)
#define XF_MAX_PART ((uint64_t)1000 * 1000 * 1000)
#define XF_TICK_NS 60000000L /* Ollama reports progress every 60 ms */
#define XF_RETRIES 3

struct part {
    uint64_t off, size;
    _Atomic uint64_t completed;  /* saved in the part file */
    _Atomic uint64_t inflight;   /* bytes of the running request */
};

struct xf {
    const struct store *s;
    const struct xfer_opts *o;
    xfer_progress_fn fn;
    void *user;
    struct reg_client *client;
    struct reg_repo repo;
    struct cola_err *err;
    _Atomic int cancel;
};

static int emit(struct xf *x, const char *status, const char *digest, int64_t total,
                int64_t completed)
{
    if (!x->fn)
        return 0;
    const struct xfer_event ev = {status, digest, total, completed};
    if (x->fn(x->user, &ev)) {
        atomic_store(&x->cancel, 1);
        return err_set(x->err, COLA_ECANCELED, "canceled");
    }
    return 0;
}

static void sleep_ns(long ns)
{
    struct timespec t = {ns / 1000000000L, ns % 1000000000L};
    nanosleep(&t, NULL);
}

/* name -> repository and tag */
static int open_repo(struct xf *x, const char *name, struct model_name *n)
{
    name_parse(name, n);
    if (!name_valid(n))
        return err_set(x->err, COLA_EINVAL, "invalid model name");
    int rc = reg_repo_init(&x->repo, n->scheme[0] ? n->scheme : NULL, n->host, n->ns, n->model,
                           x->o && x->o->insecure, x->err);
    if (rc)
        return rc;
    char key[PATH_MAX] = "";
    const char *home = getenv("HOME");
    if (x->o && x->o->key_path)
        snprintf(key, sizeof(key), "%s", x->o->key_path);
    else if (home)
        snprintf(key, sizeof(key), "%s/.ollama/id_ed25519", home);
    struct reg_opts ro = {.insecure = x->o && x->o->insecure, .key_path = key[0] ? key : NULL};
    return reg_client_new(&ro, &x->client, x->err);
}

static uint64_t part_size(const struct xf *x, uint64_t total)
{
    if (x->o && x->o->part_size)
        return x->o->part_size;
    uint64_t p = total / 16;
    return p < XF_MIN_PART ? XF_MIN_PART : p > XF_MAX_PART ? XF_MAX_PART : p;
}

/* ------------------------------------------------------------------ pull */

struct blob_job {
    struct xf *x;
    const char *digest;
    char partial[PATH_MAX + 16];
    int fd;
    struct part parts[XF_MAX_PARTS];
    int n_parts;
    _Atomic int next;
    pthread_mutex_t mu;
    struct cola_err err;   /* first worker error */
    int rc;
};

static void part_path(const struct blob_job *j, int i, char *out, size_t cap)
{
    snprintf(out, cap, "%s-%d", j->partial, i);
}

static int save_part(struct blob_job *j, int i)
{
    char path[PATH_MAX + 32], text[160];
    part_path(j, i, path, sizeof(path));
    const int n = snprintf(text, sizeof(text),
                           "{\"N\":%d,\"Offset\":%llu,\"Size\":%llu,\"Completed\":%llu}", i,
                           (unsigned long long)j->parts[i].off,
                           (unsigned long long)j->parts[i].size,
                           (unsigned long long)atomic_load(&j->parts[i].completed));
    return fs_write_atomic(path, text, (size_t)n, 0644, NULL);
}

/* Load the part files of an earlier, interrupted fetch: the parts must
 * follow one another from offset 0. Returns how many were read (0: none)
 * and the bytes they cover in *covered. */
static int load_parts(struct blob_job *j, uint64_t *covered_out)
{
    uint64_t covered = 0;
    int n = 0;
    for (; n < XF_MAX_PARTS; n++) {
        char path[PATH_MAX + 32];
        part_path(j, n, path, sizeof(path));
        json_error_t je;
        json_t *v = json_load_file(path, 0, &je);
        json_t *o = json_object_get(v, "Offset"), *s = json_object_get(v, "Size"),
               *c = json_object_get(v, "Completed");
        const bool ok = json_is_integer(o) && json_is_integer(s) && json_is_integer(c) &&
                        json_integer_value(o) == (json_int_t)covered &&
                        json_integer_value(s) > 0 && json_integer_value(c) >= 0 &&
                        json_integer_value(c) <= json_integer_value(s);
        if (ok) {
            j->parts[n].off = covered;
            j->parts[n].size = (uint64_t)json_integer_value(s);
            atomic_store(&j->parts[n].completed, (uint64_t)json_integer_value(c));
            covered += j->parts[n].size;
        }
        json_decref(v);
        if (!ok)
            break;
    }
    *covered_out = covered;
    return n;
}

/* Split total into parts and write every part's state file. */
static void plan_parts(struct blob_job *j, uint64_t total)
{
    const uint64_t ps = part_size(j->x, total);
    j->n_parts = 0;
    for (uint64_t off = 0; off < total; j->n_parts++) {
        uint64_t sz = total - off < ps ? total - off : ps;
        if (j->n_parts == XF_MAX_PARTS - 1)
            sz = total - off; /* the last part takes the rest */
        j->parts[j->n_parts].off = off;
        j->parts[j->n_parts].size = sz;
        atomic_store(&j->parts[j->n_parts].completed, 0);
        off += sz;
    }
    /* every part's state on disk from the start, so that an interruption at
     * any point leaves a complete plan to resume from */
    for (int i = 0; i < j->n_parts; i++)
        save_part(j, i);
    for (int i = j->n_parts; i < XF_MAX_PARTS; i++) { /* an older plan's extra parts */
        char path[PATH_MAX + 32];
        part_path(j, i, path, sizeof(path));
        unlink(path);
    }
}

/* The blob's size and its parts: those of an interrupted fetch when its part
 * files cover its -partial file exactly (no request), else a HEAD for the
 * size (Content-Length, as Ollama) and a new plan. */
static int prepare_parts(struct blob_job *j, uint64_t *total)
{
    struct stat st;
    uint64_t covered = 0;
    const bool have = stat(j->partial, &st) == 0 && S_ISREG(st.st_mode);
    const int n = have ? load_parts(j, &covered) : 0;
    if (n > 0 && covered == (uint64_t)st.st_size) {
        j->n_parts = n;
        *total = covered;
        return 0;
    }
    int rc = reg_blob_head(j->x->client, &j->x->repo, j->digest, total, j->x->err);
    if (rc)
        return rc;
    if (*total > (uint64_t)INT64_MAX / 2)
        return err_set(j->x->err, COLA_ERANGE, "%s: size %llu out of range", j->digest,
                       (unsigned long long)*total);
    plan_parts(j, *total);
    return 0;
}

struct part_cb {
    struct blob_job *j;
    struct part *p;
};

static int on_bytes(void *ud, uint64_t done)
{
    struct part_cb *c = ud;
    atomic_store(&c->p->inflight, done);
    return atomic_load(&c->j->x->cancel);
}

static int fetch_part(struct blob_job *j, struct reg_client *cl, int i, struct cola_err *err)
{
    struct part *p = &j->parts[i];
    int rc = 0;
    for (int attempt = 0; attempt <= XF_RETRIES; attempt++) {
        const uint64_t done = atomic_load(&p->completed);
        if (done >= p->size)
            return save_part(j, i);
        if (attempt)
            sleep_ns(1000000000L << (attempt - 1)); /* 1, 2, 4 s */
        struct part_cb cb = {j, p};
        uint64_t wrote = 0;
        err_clear(err);
        rc = reg_blob_get(cl, &j->x->repo, j->digest, j->fd, p->off + done, p->size - done,
                          on_bytes, &cb, &wrote, err);
        atomic_store(&p->completed, done + wrote);
        atomic_store(&p->inflight, 0);
        save_part(j, i);
        if (!rc || rc == COLA_ECANCELED || atomic_load(&j->x->cancel) || rc == COLA_ENOTFOUND ||
            strstr(err_msg(err), strerror(ENOSPC))) /* a full disk is not transient */
            return rc;
        log_warn("%s part %d: %s; retrying", j->digest, i, err_msg(err));
    }
    return rc;
}

static void *worker(void *arg)
{
    struct blob_job *j = arg;
    struct reg_client *cl = NULL;
    struct cola_err err = {0};
    int rc = reg_client_clone(j->x->client, &cl, &err);
    while (!rc) {
        const int i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n_parts)
            break;
        rc = fetch_part(j, cl, i, &err);
    }
    if (rc) {
        atomic_store(&j->x->cancel, 1); /* stop the other parts too */
        pthread_mutex_lock(&j->mu);
        if (!j->rc) {
            j->rc = rc;
            j->err = err;
        }
        pthread_mutex_unlock(&j->mu);
    }
    reg_client_free(cl);
    return NULL;
}

static uint64_t job_done(struct blob_job *j)
{
    uint64_t d = 0;
    for (int i = 0; i < j->n_parts; i++)
        d += atomic_load(&j->parts[i].completed) + atomic_load(&j->parts[i].inflight);
    return d;
}

/* Fetch one blob into its -partial file; reports "pulling <hex12>". */
static int download(struct xf *x, const struct manifest_layer *l, char *partial, size_t cap)
{
    char final[PATH_MAX - 16], status[40];
    int rc = store_blob_path(x->s, l->digest, final, sizeof(final), x->err);
    if (rc)
        return rc;
    snprintf(status, sizeof(status), "pulling %.12s", l->digest + 7);
    struct blob_job *j = calloc(1, sizeof(*j));
    if (!j)
        return err_set(x->err, COLA_ENOMEM, "out of memory");
    j->x = x;
    j->digest = l->digest;
    snprintf(j->partial, sizeof(j->partial), "%s-partial", final);
    snprintf(partial, cap, "%s", j->partial);
    pthread_mutex_init(&j->mu, NULL);
    j->fd = -1;
    uint64_t total = 0;
    if ((rc = prepare_parts(j, &total)))
        goto out;
    /* sparse, at its full size: the parts land at their offsets */
    j->fd = open(j->partial, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (j->fd < 0 || ftruncate(j->fd, (off_t)total) != 0) {
        rc = err_set(x->err, COLA_EIO, "%s: %s", j->partial, strerror(errno));
        goto out;
    }
    int nth = x->o && x->o->max_parallel > 0 ? x->o->max_parallel : 4;
    nth = nth > j->n_parts ? j->n_parts : nth;
    pthread_t th[16];
    nth = nth > 16 ? 16 : nth;
    int started = 0;
    for (; started < nth; started++)
        if (pthread_create(&th[started], NULL, worker, j) != 0)
            break;
    if (started == 0 && j->n_parts > 0)
        worker(j); /* no thread could start: fetch on this one */
    for (;;) {
        bool running = false;
        for (int i = 0; i < j->n_parts; i++)
            running |= atomic_load(&j->parts[i].completed) < j->parts[i].size;
        if (emit(x, status, l->digest, (int64_t)total, (int64_t)job_done(j)))
            rc = COLA_ECANCELED;
        if (!running || rc || j->rc || atomic_load(&x->cancel))
            break;
        sleep_ns(XF_TICK_NS);
    }
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (!rc && j->rc) {
        rc = j->rc;
        *x->err = j->err;
    }
    if (!rc && job_done(j) != total)
        rc = err_set(x->err, COLA_EIO, "%s: incomplete download", l->digest);
    if (!rc) {
        for (int i = 0; i < j->n_parts; i++) {
            char path[PATH_MAX + 32];
            part_path(j, i, path, sizeof(path));
            unlink(path);
        }
    }
out:
    if (j->fd >= 0)
        close(j->fd);
    pthread_mutex_destroy(&j->mu);
    free(j);
    return rc;
}

/* Hash a fetched blob; name it only if it matches. */
static int verify(struct xf *x, const char *digest, const char *partial)
{
    char got[DIGEST_STR_LEN + 1], final[PATH_MAX];
    int rc = sha256_file(partial, got, NULL, x->err);
    if (!rc)
        rc = store_blob_path(x->s, digest, final, sizeof(final), x->err);
    if (rc)
        return rc;
    if (strcmp(got, digest)) {
        unlink(partial);
        return err_set(x->err, COLA_EFORMAT,
                       "digest mismatch, file must be downloaded again: want %s, got %s", digest,
                       got);
    }
    if (rename(partial, final) != 0)
        return err_set(x->err, COLA_EIO, "rename %s: %s", partial, strerror(errno));
    fs_fsync_dir(x->s->blobs, NULL);
    return 0;
}

static int pull_blobs(struct xf *x, const struct manifest *m)
{
    const size_t n = m->n_layers + (m->has_config ? 1 : 0);
    char(*fetched)[PATH_MAX + 16] = calloc(n ? n : 1, sizeof(*fetched));
    const char **digests = calloc(n ? n : 1, sizeof(*digests));
    int rc = fetched && digests ? 0 : err_set(x->err, COLA_ENOMEM, "out of memory");
    size_t nf = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const struct manifest_layer *l = i < m->n_layers ? &m->layers[i] : &m->config;
        bool dup = false;
        for (size_t k = 0; k < nf; k++)
            dup |= !strcmp(digests[k], l->digest);
        if (dup)
            continue;
        char path[PATH_MAX];
        struct stat st;
        if (store_blob_path(x->s, l->digest, path, sizeof(path), NULL) == 0 &&
            stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            char status[40]; /* a cache hit reports the file's size, as Ollama */
            snprintf(status, sizeof(status), "pulling %.12s", l->digest + 7);
            rc = emit(x, status, l->digest, (int64_t)st.st_size, (int64_t)st.st_size);
            continue;
        }
        rc = download(x, l, fetched[nf], sizeof(fetched[nf]));
        digests[nf++] = l->digest;
    }
    if (!rc) /* announced even when every blob was a cache hit, as Ollama */
        rc = emit(x, "verifying sha256 digest", NULL, 0, 0);
    for (size_t k = 0; !rc && k < nf; k++)
        rc = verify(x, digests[k], fetched[k]);
    free(fetched);
    free(digests);
    return rc;
}

static bool manifest_has(const struct manifest *m, const char *digest)
{
    if (m->has_config && !strcmp(m->config.digest, digest))
        return true;
    for (size_t i = 0; i < m->n_layers; i++)
        if (!strcmp(m->layers[i].digest, digest))
            return true;
    return false;
}

/* Whether the replaced manifest old used a blob the new one m does not. */
static bool replaced_unused(const struct manifest *old, const struct manifest *m)
{
    if (old->has_config && !manifest_has(m, old->config.digest))
        return true;
    for (size_t i = 0; i < old->n_layers; i++)
        if (!manifest_has(m, old->layers[i].digest))
            return true;
    return false;
}

/* OLLAMA_NOPRUNE as envconfig.Bool reads it: spaces and quotes trimmed,
 * unset or empty → false, strconv.ParseBool's false words → false, any
 * other value (even unparsable) → true. */
static bool no_prune(void)
{
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    const char *v = getenv("OLLAMA_NOPRUNE");
    if (!v)
        return false;
    while (*v == ' ' || (*v >= '\t' && *v <= '\r'))
        v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || (v[n - 1] >= '\t' && v[n - 1] <= '\r')))
        n--;
    while (n && (*v == '"' || *v == '\''))
        v++, n--;
    while (n && (v[n - 1] == '"' || v[n - 1] == '\''))
        n--;
    if (n == 0)
        return false;
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (strlen(no[i]) == n && !strncmp(v, no[i], n))
            return false;
    return true;
}

int pull_model(const struct store *s, const char *name, const struct xfer_opts *o,
               xfer_progress_fn fn, void *user, struct cola_err *err)
{
    struct xf x = {.s = s, .o = o, .fn = fn, .user = user, .err = err};
    struct model_name n;
    char *body = NULL;
    size_t len = 0;
    struct manifest m = {0}, old = {0};
    bool parsed = false, had_old = false;
    int rc = open_repo(&x, name, &n);
    if (!rc)
        rc = emit(&x, "pulling manifest", NULL, 0, 0);
    if (!rc) {
        struct cola_err gerr = {0};
        rc = reg_manifest_get(x.client, &x.repo, n.tag, &body, &len, &gerr);
        if (rc)
            err_set(err, rc, "pull model manifest: %s", err_msg(&gerr));
    }
    if (!rc && !(rc = manifest_parse(body, len, &m, err)))
        parsed = true;
    if (!rc)
        rc = pull_blobs(&x, &m);
    if (!rc) {
        struct cola_err oerr = {0};
        had_old = store_manifest_load(s, &n, &old, NULL, &oerr) == 0;
        rc = emit(&x, "writing manifest", NULL, 0, 0);
    }
    if (!rc)
        rc = store_manifest_write(s, &n, body, len, err);
    if (!rc && had_old && replaced_unused(&old, &m) && !no_prune()) {
        rc = emit(&x, "removing unused layers", NULL, 0, 0);
        struct cola_err rerr = {0};
        if (!rc && store_release_blobs(s, &old, &rerr)) {
            char msg[COLA_ERR_MSG_MAX + 40];
            snprintf(msg, sizeof(msg), "couldn't remove unused layers: %s", err_msg(&rerr));
            rc = emit(&x, msg, NULL, 0, 0);
        }
    }
    if (!rc)
        rc = emit(&x, "success", NULL, 0, 0);
    if (had_old)
        manifest_free(&old);
    if (parsed)
        manifest_free(&m);
    free(body);
    reg_client_free(x.client);
    return rc;
}

/* ------------------------------------------------------------------ push */

struct push_cb {
    struct xf *x;
    const struct manifest_layer *l;
    const char *status;
    uint64_t off;            /* where the running part starts */
    struct timespec last;    /* of the last event */
};

/* Called by the registry client on this thread while a part goes out:
 * "pushing <hex12>" events every 60 ms, as Ollama's upload ticker. */
static int on_push_bytes(void *ud, uint64_t done)
{
    struct push_cb *c = ud;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    const long ns = (now.tv_sec - c->last.tv_sec) * 1000000000L + (now.tv_nsec - c->last.tv_nsec);
    if (ns >= XF_TICK_NS) {
        c->last = now;
        if (emit(c->x, c->status, c->l->digest, c->l->size, (int64_t)(c->off + done)))
            return 1;
    }
    return atomic_load(&c->x->cancel);
}

/* "ns/model" of the model a layer came FROM when it lives on the same
 * registry, for a cross-repository mount; else "". */
static void mount_source(const struct xf *x, const struct manifest_layer *l, char *out,
                         size_t cap)
{
    out[0] = '\0';
    if (!l->from)
        return;
    struct model_name f;
    name_parse(l->from, &f);
    if (name_valid(&f) && !strcasecmp(f.host, x->repo.host) &&
        (strcasecmp(f.ns, x->repo.ns) || strcasecmp(f.model, x->repo.model)))
        snprintf(out, cap, "%s/%s", f.ns, f.model);
}

static int upload(struct xf *x, const struct manifest_layer *l, const char *status)
{
    char path[PATH_MAX], from[200];
    int rc = store_blob_path(x->s, l->digest, path, sizeof(path), x->err);
    if (rc)
        return rc;
    mount_source(x, l, from, sizeof(from));
    bool mounted = false;
    char *url = NULL;
    if ((rc = reg_upload_start(x->client, &x->repo, l->digest, from[0] ? from : NULL, &mounted,
                               &url, x->err)))
        return rc;
    if (mounted)
        return emit(x, status, l->digest, l->size, l->size);
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        free(url);
        return err_set(x->err, COLA_EIO, "open %s: %s", path, strerror(errno));
    }
    const uint64_t total = (uint64_t)l->size, ps = part_size(x, total);
    for (uint64_t off = 0; !rc && off < total;) {
        const uint64_t len = total - off < ps ? total - off : ps;
        struct push_cb cb = {.x = x, .l = l, .status = status, .off = off};
        clock_gettime(CLOCK_MONOTONIC, &cb.last);
        char *next = NULL;
        rc = reg_upload_part(x->client, url, fd, off, len, on_push_bytes, &cb, &next, x->err);
        free(url);
        url = next;
        off += rc ? 0 : len;
        if (!rc)
            rc = emit(x, status, l->digest, l->size, (int64_t)off);
    }
    close(fd);
    if (!rc)
        rc = reg_upload_finish(x->client, url, l->digest, NULL, x->err);
    free(url);
    return rc;
}

int push_model(const struct store *s, const char *name, const struct xfer_opts *o,
               xfer_progress_fn fn, void *user, struct cola_err *err)
{
    struct xf x = {.s = s, .o = o, .fn = fn, .user = user, .err = err};
    struct model_name n;
    char *body = NULL;
    size_t len = 0;
    struct manifest m = {0};
    bool parsed = false;
    int rc = emit(&x, "retrieving manifest", NULL, 0, 0);
    if (!rc)
        rc = open_repo(&x, name, &n);
    if (!rc) {
        rc = store_manifest_read(s, &n, &body, &len, NULL, err);
        if (!rc && !(rc = manifest_parse(body, len, &m, err)))
            parsed = true;
        if (rc && rc != COLA_ECANCELED)
            emit(&x, "couldn't retrieve manifest", NULL, 0, 0);
    }
    const size_t nl = parsed ? m.n_layers + (m.has_config ? 1 : 0) : 0;
    for (size_t i = 0; !rc && i < nl; i++) {
        const struct manifest_layer *l = i < m.n_layers ? &m.layers[i] : &m.config;
        char status[40];
        snprintf(status, sizeof(status), "pushing %.12s", l->digest + 7);
        uint64_t size = 0;
        struct cola_err herr = {0};
        const int h = reg_blob_head(x.client, &x.repo, l->digest, &size, &herr);
        if (h == 0)
            rc = emit(&x, status, l->digest, l->size, l->size);
        else if (h == COLA_ENOTFOUND)
            rc = emit(&x, status, l->digest, l->size, 0) ? COLA_ECANCELED : upload(&x, l, status);
        else
            rc = err_set(err, h, "%s", err_msg(&herr));
    }
    if (!rc)
        rc = emit(&x, "pushing manifest", NULL, 0, 0);
    if (!rc)
        rc = reg_manifest_put(x.client, &x.repo, n.tag, body, len, err);
    if (!rc)
        rc = emit(&x, "success", NULL, 0, 0);
    if (parsed)
        manifest_free(&m);
    free(body);
    reg_client_free(x.client);
    return rc;
}
