/* progress.c — Ollama's progress lines (see progress.h): spinners and bars
 * kept under a mutex, redrawn by a thread every 100 ms on a terminal. */
#include "cli/progress.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "store/transfer.h"
#include "util/human.h"

#define PROG_MAX_LINES 512
#define PROG_MSG_MAX 160
#define PROG_BUCKETS 10       /* Ollama's maxBuckets */
#define PROG_WIDTH_MAX 1000   /* columns we draw at most */
#define PROG_TICK_NS 100000000L

static const char *const spin_frames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

struct bucket {
    double t;
    int64_t v;
};

struct line {
    bool is_bar;
    char key[96];                /* a bar's digest */
    char message[PROG_MSG_MAX];
    double started, stopped;     /* stopped == 0: running */
    int64_t max, initial, current;
    struct bucket buckets[PROG_BUCKETS];
    int nb;
    bool printed;                /* plain mode: the completed line was written */
};

struct prog {
    bool tty;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    bool th_started, done;
    struct line *lines;
    int n;
    int spinner;                 /* index of the running spinner, -1: none */
    int pos;                     /* lines drawn last time */
    char last_status[PROG_MSG_MAX];
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ------------------------------------------------------------ strings */

struct sb {
    char *p;
    size_t cap, len;
};

static void sb_add(struct sb *b, const char *s)
{
    for (; *s && b->len + 1 < b->cap; s++)
        b->p[b->len++] = *s;
    b->p[b->len < b->cap ? b->len : b->cap - 1] = '\0';
}

static void sb_rep(struct sb *b, const char *s, int n)
{
    for (int i = 0; i < n; i++)
        sb_add(b, s);
}

/* s right-aligned in 6 columns (Ollama pads with 6-len(s), never cuts) */
static void sb_pad6(struct sb *b, const char *s)
{
    sb_rep(b, " ", 6 - (int)strlen(s));
    sb_add(b, s);
}

void prog_duration(int64_t secs, char *out, size_t cap)
{
    if (secs < 0)
        secs = 0;
    if (secs >= 100 * 3600)
        snprintf(out, cap, "99h+");
    else if (secs >= 3600)
        snprintf(out, cap, "%lldh%lldm", (long long)(secs / 3600), (long long)(secs / 60 % 60));
    else if (secs >= 60)
        snprintf(out, cap, "%lldm%llds", (long long)(secs / 60), (long long)(secs % 60));
    else
        snprintf(out, cap, "%llds", (long long)secs);
}

/* message trimmed of surrounding white space (strings.TrimSpace) */
static void sb_trimmed(struct sb *b, const char *m)
{
    while (*m == ' ' || (*m >= '\t' && *m <= '\r'))
        m++;
    size_t n = strlen(m);
    while (n && (m[n - 1] == ' ' || (m[n - 1] >= '\t' && m[n - 1] <= '\r')))
        n--;
    for (size_t i = 0; i < n && b->len + 1 < b->cap; i++)
        b->p[b->len++] = m[i];
    b->p[b->len] = '\0';
}

void prog_bar_render(const struct prog_bar_state *b, int width, char *out, size_t cap)
{
    if (cap == 0)
        return;
    out[0] = '\0';
    char pre_s[PROG_MSG_MAX + 16], suf_s[64], tmp[32];
    struct sb pre = {pre_s, sizeof(pre_s), 0}, suf = {suf_s, sizeof(suf_s), 0};
    pre_s[0] = suf_s[0] = '\0';
    const double pct = b->max > 0 ? (double)b->current / (double)b->max * 100 : 0;
    if (b->message && b->message[0]) {
        sb_trimmed(&pre, b->message);
        sb_add(&pre, " ");
    }
    snprintf(tmp, sizeof(tmp), "%3.0f%%", pct);
    sb_add(&pre, tmp);

    const bool live = !b->stopped;
    if (live) {
        human_bytes(b->current, tmp, sizeof(tmp));
        sb_pad6(&suf, tmp);
        sb_add(&suf, "/");
    }
    human_bytes(b->max, tmp, sizeof(tmp));
    sb_pad6(&suf, tmp);
    if (!live)
        sb_rep(&suf, " ", 7);
    if (live && b->rate > 0) {
        sb_add(&suf, "  ");
        human_bytes((int64_t)b->rate, tmp, sizeof(tmp));
        sb_pad6(&suf, tmp);
        sb_add(&suf, "/s  ");
        prog_duration((int64_t)((double)(b->max - b->current) / b->rate), tmp, sizeof(tmp));
        sb_pad6(&suf, tmp);
    } else {
        sb_rep(&suf, " ", 18);
    }

    /* the bar takes what is left: 2 boundary characters and a space each side */
    const int f = width - (int)pre.len - (int)suf.len - 5;
    const int n = (int)((double)f * pct / 100);
    struct sb o = {out, cap, 0};
    sb_add(&o, pre_s);
    sb_add(&o, " ▕");
    sb_rep(&o, "█", n);
    sb_rep(&o, " ", f - n);
    sb_add(&o, "▏ ");
    sb_add(&o, suf_s);
}

/* ------------------------------------------------------------ lines */

/* Ollama's Bar.rate(): over the whole run once stopped, else between the
 * oldest and newest one-second buckets; durations rounded to seconds. */
static double bar_rate(const struct line *l)
{
    double num = 0, den = 0;
    if (l->stopped > 0) {
        num = (double)(l->current - l->initial);
        den = round(l->stopped - l->started);
    } else if (l->nb == 1) {
        num = (double)(l->buckets[0].v - l->initial);
        den = round(l->buckets[0].t - l->started);
    } else if (l->nb > 1) {
        num = (double)(l->buckets[l->nb - 1].v - l->buckets[0].v);
        den = round(l->buckets[l->nb - 1].t - l->buckets[0].t);
    }
    return den != 0 ? num / den : 0;
}

static void line_string(const struct line *l, double now, int width, char *out, size_t cap)
{
    if (l->is_bar) {
        const struct prog_bar_state st = {l->message, l->max, l->initial, l->current,
                                          l->stopped > 0, bar_rate(l)};
        prog_bar_render(&st, width, out, cap);
        return;
    }
    struct sb o = {out, cap, 0};
    out[0] = '\0';
    if (l->message[0]) {
        sb_trimmed(&o, l->message);
        sb_add(&o, " ");
    }
    if (l->stopped == 0) {
        const double t = now > l->started ? now - l->started : 0;
        sb_add(&o, spin_frames[(long)(t * 10) % 10]);
        sb_add(&o, " ");
    }
}

static void term_size(int *w, int *h)
{
    struct winsize ws;
    *w = 80, *h = 24; /* Ollama's defaults when the size is unknown */
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
        *w = ws.ws_col > PROG_WIDTH_MAX ? PROG_WIDTH_MAX : ws.ws_col;
        *h = ws.ws_row;
    }
}

/* Progress.render with p->mu held: back to the first line, every line
 * (the last terminal-height of them), each cleared to its end. */
static void render_locked(struct prog *p)
{
    int width, height;
    term_size(&width, &height);
    const size_t line_cap = (size_t)width * 4 + PROG_MSG_MAX + 128;
    const size_t cap = (size_t)(p->n + p->pos + 2) * (line_cap + 8) + 64;
    char *buf = malloc(cap), *line = malloc(line_cap);
    if (!buf || !line)
        goto out;
    struct sb o = {buf, cap, 0};
    buf[0] = '\0';
    sb_add(&o, "\033[?2026h\033[?25l");
    for (int i = 0; i < p->pos - 1; i++)
        sb_add(&o, "\033[A");
    sb_add(&o, "\033[1G");
    const int shown = p->n < height ? p->n : height;
    const double now = now_s();
    for (int i = p->n - shown; i < p->n; i++) {
        line_string(&p->lines[i], now, width, line, line_cap);
        sb_add(&o, line);
        sb_add(&o, "\033[K");
        if (i < p->n - 1)
            sb_add(&o, "\n");
    }
    p->pos = p->n;
    sb_add(&o, "\033[?25h\033[?2026l");
    fwrite(buf, 1, o.len, stderr);
    fflush(stderr);
out:
    free(buf);
    free(line);
}

static void *render_loop(void *arg)
{
    struct prog *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->done) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += PROG_TICK_NS;
        if (t.tv_nsec >= 1000000000L)
            t.tv_sec++, t.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&p->cv, &p->mu, &t);
        if (!p->done)
            render_locked(p);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct prog *prog_open(bool tty)
{
    struct prog *p = calloc(1, sizeof(*p));
    if (!p || !(p->lines = calloc(PROG_MAX_LINES, sizeof(*p->lines)))) {
        free(p);
        return NULL;
    }
    p->tty = tty;
    p->spinner = -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (tty)
        p->th_started = pthread_create(&p->th, NULL, render_loop, p) == 0;
    return p;
}

static void stop_spinner(struct prog *p, double now)
{
    if (p->spinner >= 0 && p->lines[p->spinner].stopped == 0)
        p->lines[p->spinner].stopped = now;
    p->spinner = -1;
}

void prog_status(struct prog *p, const char *status)
{
    if (!p || !status)
        return;
    pthread_mutex_lock(&p->mu);
    if (strcmp(p->last_status, status) != 0) {
        const double now = now_s();
        stop_spinner(p, now);
        snprintf(p->last_status, sizeof(p->last_status), "%s", status);
        if (p->n < PROG_MAX_LINES) {
            struct line *l = &p->lines[p->n];
            snprintf(l->message, sizeof(l->message), "%s", status);
            l->started = now;
            p->spinner = p->n++;
        }
        if (!p->tty) {
            fprintf(stderr, "%s\n", status);
            fflush(stderr);
        }
    }
    pthread_mutex_unlock(&p->mu);
}

void prog_status_set(struct prog *p, const char *message, bool final)
{
    if (!p || !message)
        return;
    pthread_mutex_lock(&p->mu);
    if (p->spinner < 0 && p->n < PROG_MAX_LINES) {
        struct line *l = &p->lines[p->n];
        l->started = now_s();
        p->spinner = p->n++;
    }
    if (p->spinner >= 0)
        snprintf(p->lines[p->spinner].message, sizeof(p->lines[p->spinner].message), "%s",
                 message);
    snprintf(p->last_status, sizeof(p->last_status), "%s", message);
    if (!p->tty && final) {
        fprintf(stderr, "%s\n", message);
        fflush(stderr);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Bar.Set: clamp, stop at the end, one rate bucket a second at most. */
static void bar_set(struct line *l, int64_t v, double now)
{
    if (v > l->max)
        v = l->max;
    l->current = v;
    if (l->current >= l->max && l->stopped == 0)
        l->stopped = now;
    if (l->nb == 0 || now - l->buckets[l->nb - 1].t > 1.0) {
        if (l->nb == PROG_BUCKETS) {
            memmove(l->buckets, l->buckets + 1, sizeof(l->buckets[0]) * (PROG_BUCKETS - 1));
            l->nb--;
        }
        l->buckets[l->nb++] = (struct bucket){now, v};
    }
}

void prog_bar(struct prog *p, const char *key, const char *message, int64_t total,
              int64_t completed)
{
    if (!p || !key)
        return;
    pthread_mutex_lock(&p->mu);
    const double now = now_s();
    stop_spinner(p, now);
    struct line *l = NULL;
    for (int i = 0; i < p->n && !l; i++)
        if (p->lines[i].is_bar && !strcmp(p->lines[i].key, key))
            l = &p->lines[i];
    if (!l && p->n < PROG_MAX_LINES) {
        l = &p->lines[p->n++];
        l->is_bar = true;
        snprintf(l->key, sizeof(l->key), "%s", key);
        snprintf(l->message, sizeof(l->message), "%s", message ? message : "");
        l->max = total;
        l->initial = l->current = completed;
        l->started = now;
        if (completed >= total)
            l->stopped = now;
    }
    if (l) {
        bar_set(l, completed, now);
        if (!p->tty && l->stopped > 0 && !l->printed) {
            char size[32];
            human_bytes(l->max, size, sizeof(size));
            fprintf(stderr, "%s 100%% %s\n", l->message, size);
            fflush(stderr);
            l->printed = true;
        }
    }
    pthread_mutex_unlock(&p->mu);
}

void prog_close(struct prog *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->done = true;
    stop_spinner(p, now_s());
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (p->th_started)
        pthread_join(p->th, NULL);
    if (p->tty && p->n > 0) {
        render_locked(p); /* the render thread has ended: no lock needed */
        fputc('\n', stderr);
        fflush(stderr);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->lines);
    free(p);
}

int prog_pull_event(void *user, const struct xfer_event *e)
{
    struct prog *p = user;
    if (!e->digest) {
        prog_status(p, e->status);
        return 0;
    }
    if (e->completed == 0)
        return 0; /* the "about to start" report: Ollama draws no 0% bar */
    char msg[48];
    const char *hex = strncmp(e->digest, "sha256:", 7) ? e->digest : e->digest + 7;
    snprintf(msg, sizeof(msg), "pulling %.12s:", hex);
    prog_bar(p, e->digest, msg, e->total, e->completed);
    return 0;
}
