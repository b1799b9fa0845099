#include "util/fsutil.h"

#include <errno.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_join(char *out, size_t cap, const char *a, const char *b, struct cola_err *err)
{
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/')
        la--;
    const int n = snprintf(out, cap, "%.*s/%s", (int)la, a, b);
    if (n < 0 || (size_t)n >= cap)
        return err_set(err, COLA_ERANGE, "path too long: %.*s/%s", (int)la, a, b);
    return 0;
}

int fs_mkdir_p(const char *dir, struct cola_err *err)
{
    char tmp[PATH_MAX];
    const size_t n = strlen(dir);
    if (n == 0 || n >= sizeof(tmp))
        return err_set(err, COLA_ERANGE, "invalid directory path");
    memcpy(tmp, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        const char saved = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return err_set(err, COLA_EIO, "mkdir %s: %s", tmp, strerror(errno));
        tmp[i] = saved;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_set(err, COLA_EIO, "%s: not a directory", dir);
    return 0;
}

int fs_fsync_dir(const char *dir, struct cola_err *err)
{
    const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return err_set(err, COLA_EIO, "open %s: %s", dir, strerror(errno));
    int rc = 0;
    if (fsync(fd) != 0 && errno != EINVAL)
        rc = err_set(err, COLA_EIO, "fsync %s: %s", dir, strerror(errno));
    close(fd);
    return rc;
}

static int write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        const ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Split path into its directory (into dir) and base name (returned). */
static const char *split_dir(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, cap, ".");
        return path;
    }
    const size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= cap)
        return NULL;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return slash + 1;
}

int fs_write_atomic(const char *path, const void *data, size_t n, mode_t mode,
                    struct cola_err *err)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    const char *base = split_dir(path, dir, sizeof(dir));
    if (!base || !*base)
        return err_set(err, COLA_EINVAL, "invalid file path: %s", path);
    const int len = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp-XXXXXX", dir, base);
    if (len < 0 || (size_t)len >= sizeof(tmp))
        return err_set(err, COLA_ERANGE, "path too long: %s", path);
    const int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return err_set(err, COLA_EIO, "create temp file in %s: %s", dir, strerror(errno));
    int rc = 0;
    if (write_all(fd, data, n) != 0 || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        rc = err_set(err, COLA_EIO, "write %s: %s", tmp, strerror(errno));
        close(fd);
        goto out;
    }
    if (close(fd) != 0) {
        rc = err_set(err, COLA_EIO, "close %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = err_set(err, COLA_EIO, "rename %s: %s", path, strerror(errno));
        goto out;
    }
    return fs_fsync_dir(dir, err);
out:
    unlink(tmp);
    return rc;
}

int fs_read_file(const char *path, size_t max, char **out, size_t *len,
                 struct cola_err *err)
{
    *out = NULL;
    *len = 0;
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return err_set(err, COLA_ENOTFOUND, "%s: no such file", path);
        return err_set(err, COLA_EIO, "open %s: %s", path, strerror(errno));
    }
    int rc = 0;
    char *data = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = err_set(err, COLA_EIO, "%s: not a regular file", path);
        goto out;
    }
    if ((uint64_t)st.st_size > max) {
        rc = err_set(err, COLA_ERANGE, "%s: file too large (%lld bytes, at most %zu)", path,
                     (long long)st.st_size, max);
        goto out;
    }
    /* Read up to max+1 bytes whatever the size said, in case it grew. */
    size_t cap = (size_t)st.st_size + 1, n = 0;
    data = malloc(cap + 1);
    if (!data) {
        rc = err_set(err, COLA_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                rc = err_set(err, COLA_ERANGE, "%s: file too large (at most %zu bytes)", path, max);
                goto out;
            }
            const size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *p = realloc(data, ncap + 1);
            if (!p) {
                rc = err_set(err, COLA_ENOMEM, "out of memory reading %s", path);
                goto out;
            }
            data = p;
            cap = ncap;
        }
        const ssize_t r = read(fd, data + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = err_set(err, COLA_EIO, "read %s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        rc = err_set(err, COLA_ERANGE, "%s: file too large (at most %zu bytes)", path, max);
        goto out;
    }
    data[n] = '\0';
    *out = data;
    *len = n;
    data = NULL;
out:
    free(data);
    close(fd);
    return rc;
}

int fs_prune_empty_dirs(const char *dir, const char *root, struct cola_err *err)
{
    char cur[PATH_MAX];
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    const size_t n = strlen(dir);
    if (n >= sizeof(cur) || n <= rl + 1 || strncmp(dir, root, rl) != 0 || dir[rl] != '/')
        return 0;
    memcpy(cur, dir, n + 1);
    for (;;) {
        size_t len = strlen(cur);
        while (len > rl + 1 && cur[len - 1] == '/')
            cur[--len] = '\0';
        if (len <= rl + 1)
            return 0;
        if (rmdir(cur) != 0) {
            if (errno == ENOTEMPTY || errno == EEXIST || errno == ENOENT)
                return 0;
            return err_set(err, COLA_EIO, "rmdir %s: %s", cur, strerror(errno));
        }
        char *slash = strrchr(cur, '/');
        if (!slash || (size_t)(slash - cur) <= rl)
            return 0;
        *slash = '\0';
    }
}

int fs_send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        const ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w, n -= (size_t)w;
    }
    return 0;
}
