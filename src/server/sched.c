/* sched.c — runner processes and their lifetimes (sched.h). */
#include "server/sched.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "util/buf.h"
#include "util/gojson.h"
#include "util/gotime.h"
#include "util/fsutil.h"
#include "util/log.h"

#define SCHED_LINE_MAX ((size_t)64 << 20)

struct sched_runner {
    struct sched_runner *next;
    char *path, *name, *digest;
    json_t *details;
    int32_t num_ctx, num_batch, num_thread, parallel;
    pid_t pid;
    char sock[PATH_MAX];
    int refs;
    bool dead;
    int64_t keep_alive_ns;
    int64_t expires_ns;          /* realtime; INT64_MAX: never */
    uint64_t size;
    int err_fd;
    pthread_t log_th;
    bool log_started;
    pthread_mutex_t log_mu;
    char last_err[512];
};

struct sched {
    struct sched_conf c;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sched_runner *list;
    int waiting;
    bool loading, stop;
    unsigned seq;
    pthread_t reaper;
};

static int64_t now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---------------------------------------------------------------- runner processes */

/* Forward the runner's stderr to ours, keeping its last line for errors. */
static void *log_thread(void *arg)
{
    struct sched_runner *r = arg;
    char buf[4096], line[512];
    size_t ll = 0;
    ssize_t n;
    while ((n = read(r->err_fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
        if (n < 0)
            continue;
        fwrite(buf, 1, (size_t)n, stderr);
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                line[ll] = '\0';
                if (ll) {
                    pthread_mutex_lock(&r->log_mu);
                    snprintf(r->last_err, sizeof(r->last_err), "%s", line);
                    pthread_mutex_unlock(&r->log_mu);
                }
                ll = 0;
            } else if (ll + 1 < sizeof(line)) {
                line[ll++] = buf[i];
            }
        }
    }
    return NULL;
}

static void runner_free(struct sched_runner *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        int st;
        const int64_t t0 = now_mono();
        while (waitpid(r->pid, &st, WNOHANG) == 0) {
            if (now_mono() - t0 > 3000000000LL) {
                kill(r->pid, SIGKILL);
                waitpid(r->pid, &st, 0);
                break;
            }
            usleep(10000);
        }
    }
    if (r->log_started)
        pthread_join(r->log_th, NULL);
    if (r->err_fd >= 0)
        close(r->err_fd);
    if (r->sock[0])
        unlink(r->sock);
    pthread_mutex_destroy(&r->log_mu);
    free(r->path);
    free(r->name);
    free(r->digest);
    json_decref(r->details);
    free(r);
}

/* Wait for "ready\n" on fd; false on EOF, timeout or a dead child. */
static bool wait_ready(int fd, int64_t timeout_ns)
{
    char buf[64];
    size_t got = 0;
    const int64_t t0 = now_mono();
    for (;;) {
        int ms = -1;
        if (timeout_ns > 0) {
            const int64_t left = timeout_ns - (now_mono() - t0);
            if (left <= 0)
                return false;
            ms = (int)(left / 1000000 + 1);
        }
        struct pollfd p = {fd, POLLIN, 0};
        const int pr = poll(&p, 1, ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return false;
        const ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (n <= 0)
            return false;
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "ready\n"))
            return true;
        if (got == sizeof(buf) - 1)
            return false;
    }
}

static int spawn_runner(struct sched *s, struct sched_runner *r, struct cola_err *err)
{
    snprintf(r->sock, sizeof(r->sock), "%s/runner-%d-%u.sock", s->c.sock_dir, (int)getpid(),
             ++s->seq);
    char ctx[16], par[16], bat[16], thr[16];
    snprintf(ctx, sizeof(ctx), "%d", r->num_ctx);
    snprintf(par, sizeof(par), "%d", r->parallel);
    snprintf(bat, sizeof(bat), "%d", r->num_batch > 0 ? r->num_batch : 512);
    snprintf(thr, sizeof(thr), "%d", r->num_thread > 0 ? r->num_thread : 0);
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC))
        return err_set(err, COLA_EIO, "pipe: %s", strerror(errno));
    if (pipe2(errp, O_CLOEXEC)) {
        close(out[0]), close(out[1]);
        return err_set(err, COLA_EIO, "pipe: %s", strerror(errno));
    }
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(errp[1], STDERR_FILENO);
        execl(s->c.exe, s->c.exe, "runner", "--model", r->path, "--socket", r->sock, "--ctx", ctx,
              "--parallel", par, "--batch", bat, "--threads", thr, (char *)NULL);
        dprintf(STDERR_FILENO, "Error: exec %s: %s\n", s->c.exe, strerror(errno));
        _exit(127);
    }
    close(out[1]);
    close(errp[1]);
    if (pid < 0) {
        close(out[0]), close(errp[0]);
        return err_set(err, COLA_EIO, "fork: %s", strerror(errno));
    }
    r->pid = pid;
    r->err_fd = errp[0];
    if (pthread_create(&r->log_th, NULL, log_thread, r) == 0)
        r->log_started = true;
    const bool ok = wait_ready(out[0], s->c.load_timeout_ns);
    close(out[0]);
    if (ok)
        return 0;
    int st;
    const bool exited = waitpid(pid, &st, WNOHANG) == pid;
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    r->pid = -1;
    if (r->log_started) {
        pthread_join(r->log_th, NULL);
        r->log_started = false;
    }
    const char *e = r->last_err;
    if (!strncmp(e, "Error: ", 7))
        e += 7;
    return err_set(err, COLA_EIO, "%s", *e ? e : exited ? "the model runner exited while loading"
                                                        : "timed out waiting for the model to load");
}

/* ---------------------------------------------------------------- memory */

static uint64_t mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return (uint64_t)kb * 1024;
}

static void gib(uint64_t b, char *out, size_t cap)
{
    snprintf(out, cap, "%.1f GiB", (double)b / (1024.0 * 1024 * 1024));
}

/* Weights (the file) + the KV cache of every sequence + 10% for scratch. */
static int estimate(const struct sched_runner *r, uint64_t *out, struct cola_err *err)
{
    struct eng_model_params p;
    eng_model_params_default(&p);
    p.vocab_only = true;
    struct eng_model *m = NULL;
    struct stat st;
    if (stat(r->path, &st))
        return err_set(err, COLA_EIO, "%s: %s", r->path, strerror(errno));
    int rc = eng_model_load(r->path, &p, &m, err);
    if (rc)
        return rc;
    const struct eng_hparams *h = eng_model_hparams(m);
    const uint64_t kv = (uint64_t)h->n_layer * (uint64_t)r->num_ctx * (uint64_t)r->parallel *
                        (uint64_t)h->n_head_kv * (uint64_t)(h->head_dim_k + h->head_dim_v) * 2u;
    eng_model_free(m);
    *out = (uint64_t)st.st_size + kv;
    *out += *out / 10;
    return 0;
}

/* ---------------------------------------------------------------- scheduling */

static void unlink_runner(struct sched *s, struct sched_runner *r)
{
    for (struct sched_runner **p = &s->list; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            return;
        }
}

static int n_live(const struct sched *s)
{
    int n = 0;
    for (const struct sched_runner *r = s->list; r; r = r->next)
        n += !r->dead;
    return n;
}

/* Unload r now (idle). Called with the lock held; drops and retakes it. */
static void stop_runner(struct sched *s, struct sched_runner *r)
{
    unlink_runner(s, r);
    pthread_mutex_unlock(&s->mu);
    log_info("unloading model %s", r->name);
    runner_free(r);
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->cv);
}

static bool same_options(const struct sched_runner *r, const struct sched_model *m)
{
    return r->num_ctx == m->num_ctx && r->num_batch == m->num_batch &&
           r->num_thread == m->num_thread;
}

/* Make room for one more model: false while nothing can be unloaded yet. */
static bool make_room(struct sched *s)
{
    const int max = s->c.max_loaded > 0 ? s->c.max_loaded : 3;
    while (n_live(s) >= max) {
        struct sched_runner *victim = NULL;
        for (struct sched_runner *r = s->list; r; r = r->next)
            if (!r->dead && r->refs == 0 && (!victim || r->expires_ns < victim->expires_ns))
                victim = r;
        if (!victim)
            return false;
        stop_runner(s, victim);
    }
    return true;
}

static struct sched_runner *new_runner(const struct sched *s, const struct sched_model *m)
{
    struct sched_runner *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    pthread_mutex_init(&r->log_mu, NULL);
    r->err_fd = -1;
    r->pid = -1;
    r->path = strdup(m->path);
    r->name = strdup(m->name ? m->name : m->path);
    r->digest = strdup(m->digest ? m->digest : "");
    r->details = m->details ? json_deep_copy(m->details) : json_object();
    r->num_ctx = m->num_ctx, r->num_batch = m->num_batch, r->num_thread = m->num_thread;
    r->parallel = s->c.num_parallel > 0 ? s->c.num_parallel : 1;
    if (!r->path || !r->name || !r->digest || !r->details) {
        runner_free(r);
        return NULL;
    }
    return r;
}

static int load(struct sched *s, const struct sched_model *m, struct sched_runner **out,
                struct cola_err *err)
{
    struct sched_runner *r = new_runner(s, m);
    if (!r)
        return err_set(err, COLA_ENOMEM, "out of memory");
    s->loading = true;
    pthread_mutex_unlock(&s->mu);
    int rc = estimate(r, &r->size, err);
    const uint64_t avail = mem_available();
    if (!rc && !s->c.skip_mem_check && avail && r->size > avail) {
        char need[32], have[32];
        gib(r->size, need, sizeof(need));
        gib(avail, have, sizeof(have));
        rc = err_set(err, COLA_ENOMEM, "model requires more system memory (%s) than is available (%s)",
                     need, have);
    }
    if (!rc) {
        log_info("loading model %s (ctx %d x %d sequences)", r->name, r->num_ctx, r->parallel);
        rc = spawn_runner(s, r, err);
    }
    pthread_mutex_lock(&s->mu);
    s->loading = false;
    pthread_cond_broadcast(&s->cv);
    if (rc) {
        pthread_mutex_unlock(&s->mu);
        runner_free(r);
        pthread_mutex_lock(&s->mu);
        return rc;
    }
    r->next = s->list;
    s->list = r;
    *out = r;
    return 0;
}

int sched_acquire(struct sched *s, const struct sched_model *m, struct sched_runner **out,
                  int64_t *loaded_ns, struct cola_err *err)
{
    *out = NULL;
    *loaded_ns = 0;
    pthread_mutex_lock(&s->mu);
    const int max_queue = s->c.max_queue > 0 ? s->c.max_queue : 512;
    if (s->waiting >= max_queue) {
        pthread_mutex_unlock(&s->mu);
        return err_set(err, COLA_ERANGE, SCHED_BUSY_MSG);
    }
    s->waiting++;
    int rc = 0;
    for (;;) {
        struct sched_runner *r = s->list, *found = NULL;
        for (; r; r = r->next)
            if (!r->dead && !strcmp(r->path, m->path))
                break;
        if (r && same_options(r, m)) {
            found = r;
        } else if (r && r->refs == 0) {
            stop_runner(s, r);  /* load options changed: reload */
            continue;
        } else if (!r && !s->loading && make_room(s)) {
            const int64_t t0 = now_mono();
            rc = load(s, m, &found, err);
            if (rc)
                break;
            *loaded_ns = now_mono() - t0;
        }
        if (found) {
            found->refs++;
            *out = found;
            break;
        }
        pthread_cond_wait(&s->cv, &s->mu);
    }
    s->waiting--;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void sched_release(struct sched *s, struct sched_runner *r, int64_t keep_alive_ns)
{
    pthread_mutex_lock(&s->mu);
    r->refs--;
    r->keep_alive_ns = keep_alive_ns;
    if (r->refs == 0) {
        if (r->dead || keep_alive_ns == 0) {
            stop_runner(s, r);
        } else {
            r->expires_ns = keep_alive_ns < 0 || keep_alive_ns > INT64_MAX - now_real()
                                ? INT64_MAX
                                : now_real() + keep_alive_ns;
        }
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

bool sched_unload(struct sched *s, const char *path)
{
    bool found = false;
    pthread_mutex_lock(&s->mu);
    for (struct sched_runner *r = s->list; r; r = r->next) {
        if (strcmp(r->path, path))
            continue;
        found = true;
        if (r->refs == 0)
            stop_runner(s, r);
        else
            r->keep_alive_ns = 0;  /* unloaded when its requests end */
        break;
    }
    pthread_mutex_unlock(&s->mu);
    return found;
}

int32_t sched_runner_ctx(const struct sched_runner *r) { return r->num_ctx; }

json_t *sched_ps(struct sched *s)
{
    json_t *a = json_array();
    pthread_mutex_lock(&s->mu);
    for (struct sched_runner *r = s->list; r && a; r = r->next) {
        if (r->dead)
            continue;
        int64_t exp = r->expires_ns;
        if (r->refs > 0 || exp == 0)
            exp = r->keep_alive_ns < 0 ? INT64_MAX : now_real() + r->keep_alive_ns;
        struct timespec ts;
        if (exp == INT64_MAX) {  /* Go's time.Now().Add(math.MaxInt64): about year 2318 */
            const int64_t n = now_real();
            ts.tv_sec = (time_t)(n / 1000000000 + INT64_MAX / 1000000000);
            ts.tv_nsec = (long)(n % 1000000000);
        } else {
            ts.tv_sec = (time_t)(exp / 1000000000);
            ts.tv_nsec = (long)(exp % 1000000000);
        }
        char when[GOTIME_LEN];
        gotime_format(&ts, false, when);
        json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:s,s:O,s:s,s:I,s:i}", "name", r->name,
                                           "model", r->name, "size", (json_int_t)r->size, "digest",
                                           r->digest, "details", r->details, "expires_at", when,
                                           "size_vram", (json_int_t)0, "context_length",
                                           r->num_ctx));
    }
    pthread_mutex_unlock(&s->mu);
    return a;
}

/* ---------------------------------------------------------------- reaper */

static void *reaper(void *arg)
{
    struct sched *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200000000;
        if (ts.tv_nsec >= 1000000000)
            ts.tv_sec++, ts.tv_nsec -= 1000000000;
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        const int64_t now = now_real();
        for (struct sched_runner *r = s->list; r;) {
            struct sched_runner *next = r->next;
            int st;
            if (!r->dead && r->pid > 0 && waitpid(r->pid, &st, WNOHANG) == r->pid) {
                log_error("model runner for %s (pid %d) stopped: %s %d", r->name, (int)r->pid,
                          WIFSIGNALED(st) ? "signal" : "exit status",
                          WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
                r->dead = true;
                r->pid = -1;
                pthread_cond_broadcast(&s->cv);
            }
            if (r->refs == 0 && (r->dead || (r->expires_ns && now >= r->expires_ns))) {
                stop_runner(s, r);
                next = s->list;  /* the list may have changed while unlocked */
            }
            r = next;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int sched_new(const struct sched_conf *c, struct sched **out, struct cola_err *err)
{
    struct sched *s = calloc(1, sizeof(*s));
    if (!s)
        return err_set(err, COLA_ENOMEM, "out of memory");
    s->c = *c;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->reaper, NULL, reaper, s)) {
        free(s);
        return err_set(err, COLA_ENOMEM, "cannot start the scheduler thread");
    }
    *out = s;
    return 0;
}

void sched_free(struct sched *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->reaper, NULL);
    while (s->list) {
        struct sched_runner *r = s->list;
        s->list = r->next;
        runner_free(r);
    }
    free(s);
}

/* ---------------------------------------------------------------- calls */

static int connect_unix(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    const size_t n = strlen(path);
    if (n >= sizeof(a.sun_path))
        return -1;
    memcpy(a.sun_path, path, n + 1);
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
        close(fd);
        return -1;
    }
    return fd;
}

int sched_call(struct sched_runner *r, const json_t *req, sched_line_fn line, void *user,
               struct cola_err *err)
{
    const int fd = r->dead ? -1 : connect_unix(r->sock);
    if (fd < 0)
        return err_set(err, COLA_EIO, SCHED_DIED_MSG);
    struct buf b;
    buf_init(&b, SCHED_LINE_MAX);
    int rc = gojson_encode(req, GOJSON_NEWLINE, &b, err);
    if (!rc && fs_send_all(fd, b.data, b.len))
        rc = err_set(err, COLA_EIO, SCHED_DIED_MSG);
    buf_reset(&b);
    bool ended = false;
    char chunk[65536];
    while (!rc && !ended) {
        const ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = err_set(err, COLA_EIO, SCHED_DIED_MSG);
            break;
        }
        if (buf_append(&b, chunk, (size_t)n)) {
            rc = err_set(err, COLA_ENOMEM, "runner reply too long");
            break;
        }
        size_t start = 0;
        for (size_t i = 0; i < b.len && !ended; i++) {
            if (b.data[i] != '\n')
                continue;
            json_t *v = json_loadb(b.data + start, i - start, 0, NULL);
            start = i + 1;
            if (!v)
                continue;
            const bool last = json_object_get(v, "done") || json_object_get(v, "error") ||
                              !json_object_get(v, "content");
            const int stop = line(user, v);
            json_decref(v);
            if (stop || last)
                ended = true;
        }
        memmove(b.data, b.data + start, b.len - start);
        b.len -= start;
    }
    close(fd);
    buf_free(&b);
    return rc;
}
