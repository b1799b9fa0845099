#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tu_shared_dir(void)
{
    const char *d = getenv("COLA_SHARED");
    if (d && *d)
        return d;
    return COLA_SHARED_DIR_DEFAULT;
}

const char *tu_shared_path(const char *rel)
{
    static _Thread_local char path[4096];
    snprintf(path, sizeof(path), "%s/%s", tu_shared_dir(), rel);
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "SKIP: %s absent (shared test data not found)\n", path);
        return NULL;
    }
    return path;
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}

char *tu_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof(tmpl), "%s/cola-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpl))
        return NULL;
    return strdup(tmpl);
}

void tu_rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char sub[4096];
                snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
                tu_rm_rf(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

int tu_vocab_cases_load(const char *base, struct tu_vocab_cases *out)
{
    static const char sep[] = "\n__ggml_vocab_test__\n";
    char path[4096];
    memset(out, 0, sizeof(*out));
    snprintf(path, sizeof(path), "%s.inp", base);
    size_t inp_len;
    out->inp = tu_read_file(path, &inp_len);
    snprintf(path, sizeof(path), "%s.out", base);
    size_t out_len;
    char *ids_txt = tu_read_file(path, &out_len);
    if (!out->inp || !ids_txt) {
        fprintf(stderr, "tu_vocab_cases_load: cannot read %s.inp/.out\n", base);
        free(ids_txt);
        tu_vocab_cases_free(out);
        return -1;
    }
    /* count and split the inputs in place */
    size_t cap = 16;
    out->cases = calloc(cap, sizeof(*out->cases));
    char *p = out->inp, *end = out->inp + inp_len;
    while (p < end) {
        char *s = memmem(p, (size_t)(end - p), sep, sizeof(sep) - 1);
        if (!s)
            break;
        if (out->n == cap) {
            cap *= 2;
            out->cases = realloc(out->cases, cap * sizeof(*out->cases));
        }
        out->cases[out->n].text = p;
        out->cases[out->n].len = (size_t)(s - p);
        *s = '\0';
        out->n++;
        p = s + sizeof(sep) - 1;
    }
    /* one line of ids per input */
    char *line = ids_txt;
    for (size_t i = 0; i < out->n; i++) {
        char *nl = strchr(line, '\n');
        if (!nl) {
            fprintf(stderr, "tu_vocab_cases_load: %s.out has fewer lines than inputs\n", base);
            free(ids_txt);
            tu_vocab_cases_free(out);
            return -1;
        }
        *nl = '\0';
        size_t n = 0, icap = 8;
        int32_t *ids = malloc(icap * sizeof(*ids));
        char *q = line;
        for (;;) {
            while (*q == ' ')
                q++;
            if (!*q)
                break;
            char *e;
            long v = strtol(q, &e, 10);
            if (e == q) {
                fprintf(stderr, "tu_vocab_cases_load: bad id in %s.out line %zu\n", base, i + 1);
                free(ids);
                free(ids_txt);
                tu_vocab_cases_free(out);
                return -1;
            }
            if (n == icap) {
                icap *= 2;
                ids = realloc(ids, icap * sizeof(*ids));
            }
            ids[n++] = (int32_t)v;
            q = e;
        }
        out->cases[i].ids = ids;
        out->cases[i].n_ids = n;
        line = nl + 1;
    }
    free(ids_txt);
    return 0;
}

void tu_vocab_cases_free(struct tu_vocab_cases *c)
{
    if (c->cases)
        for (size_t i = 0; i < c->n; i++)
            free(c->cases[i].ids);
    free(c->cases);
    free(c->inp);
    memset(c, 0, sizeof(*c));
}
