/*
 * mcp-filesystem: the sandbox.
 *
 * Two layers, both always applied:
 *
 * 1. Checking (fspath_resolve): the requested path is made absolute, normalised, and refused
 *    when it lies outside the allowed directories; then every symlink is resolved (realpath) and
 *    the result is refused when it lies outside. For a path that does not exist yet (a file
 *    about to be written, a directory about to be made) the deepest existing ancestor is
 *    resolved instead; a dangling symlink on the way is refused, so nothing can be created at
 *    a symlink's target outside.
 *
 * 2. Using (fspath_open_parent / fspath_open): the checked real path is never handed to open()
 *    as a string. Each allowed directory is opened once, at start, and a checked path is opened
 *    by walking down from that descriptor one component at a time with openat(O_NOFOLLOW). The
 *    checked real path contains no symlinks, so meeting one during the walk means the tree
 *    changed between check and use (a directory or file swapped for a symlink): the walk fails
 *    with ELOOP/ENOTDIR and the tool refuses. Renaming the allowed directory itself does not
 *    matter either: its descriptor still names it.
 *
 * The set of allowed directories is immutable and reference-counted: replacing it (client roots)
 * swaps a pointer under a mutex, and calls in flight finish with the set they started with.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct roots {
    int refs; /* under `lock` */
    size_t n;
    char **paths; /* real, absolute, no trailing '/' (except "/") */
    int *fds;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static roots_t *current;

unsigned sandbox_test_delay_ms;

void sandbox_test_pause(void)
{
    if (sandbox_test_delay_ms) {
        struct timespec ts = {(time_t)(sandbox_test_delay_ms / 1000),
                              (long)(sandbox_test_delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}

/* ---- path strings ------------------------------------------------------------------------- */

static char *str_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *r = malloc(la + lb + 2);
    if (!r)
        return NULL;
    memcpy(r, a, la);
    r[la] = '/';
    memcpy(r + la + 1, b, lb + 1);
    return r;
}

/* Lexically normalise an absolute path, as Node's path.resolve() does: collapse "//" and ".",
 * apply ".." (never above "/"), drop a trailing '/'. In place; the result is never longer. */
static void normalize(char *path)
{
    char *out = path, *in = path;
    while (*in) {
        char *seg;
        size_t n;
        while (*in == '/')
            in++;
        if (!*in)
            break;
        seg = in;
        while (*in && *in != '/')
            in++;
        n = (size_t)(in - seg);
        if (n == 1 && seg[0] == '.')
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (out > path && *--out != '/')
                ;
            continue;
        }
        *out++ = '/';
        memmove(out, seg, n);
        out += n;
    }
    if (out == path)
        *out++ = '/';
    *out = '\0';
}

/* Is `path` the directory `dir` or below it? Both normalised. */
static bool within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Index of the deepest allowed directory containing `path`, or -1. */
static long containing_root(const roots_t *r, const char *path)
{
    long best = -1;
    size_t i, best_len = 0;
    for (i = 0; i < r->n; i++)
        if (within(path, r->paths[i]) && (best < 0 || strlen(r->paths[i]) > best_len)) {
            best = (long)i;
            best_len = strlen(r->paths[i]);
        }
    return best;
}

/* "~" and "~/x" name the home directory, as the reference server's expandHome() does. */
static char *expand_home(const char *p)
{
    const char *home = getenv("HOME");
    if (home && *home && p[0] == '~' && (p[1] == '\0' || p[1] == '/'))
        return p[1] ? join(home, p + 2) : str_dup(home);
    return str_dup(p);
}

static void dirs_list(const roots_t *r, char *out, size_t size)
{
    size_t i, len = 0;
    out[0] = '\0';
    for (i = 0; i < r->n && len < size; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%s", i ? ", " : "", r->paths[i]);
}

static int deny(const roots_t *r, char *err, size_t size, const char *what, const char *path)
{
    char dirs[2048];
    dirs_list(r, dirs, sizeof dirs);
    snprintf(err, size, "Access denied - %s: %s not in %s", what, path, dirs);
    return -1;
}

/* ---- the allowed directories -------------------------------------------------------------- */

roots_t *roots_new(const char *const *dirs, size_t n, char *err, size_t err_size)
{
    roots_t *r = calloc(1, sizeof *r);
    size_t i, j;

    if (!r || !(r->paths = calloc(n ? n : 1, sizeof *r->paths)) ||
        !(r->fds = calloc(n ? n : 1, sizeof *r->fds))) {
        snprintf(err, err_size, "out of memory");
        goto fail;
    }
    r->refs = 1;
    for (i = 0; i < n; i++) {
        char *abs = expand_home(dirs[i]), *real = NULL, cwd[PATH_MAX];
        struct stat st;
        int fd;

        if (abs && abs[0] != '/') {
            char *a = getcwd(cwd, sizeof cwd) ? join(cwd, abs) : NULL;
            free(abs);
            abs = a;
        }
        if (!abs) {
            snprintf(err, err_size, "%s: cannot resolve the path", dirs[i]);
            goto fail;
        }
        normalize(abs);
        real = realpath(abs, NULL);
        free(abs);
        if (!real) {
            snprintf(err, err_size, "%s: %s", dirs[i], strerror(errno));
            goto fail;
        }
        fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
            snprintf(err, err_size, "%s: %s", dirs[i],
                     fd < 0 ? strerror(errno) : "not a directory");
            if (fd >= 0)
                close(fd);
            free(real);
            goto fail;
        }
        for (j = 0; j < r->n && strcmp(r->paths[j], real) != 0; j++)
            ;
        if (j < r->n) { /* the same directory twice */
            close(fd);
            free(real);
            continue;
        }
        r->paths[r->n] = real;
        r->fds[r->n] = fd;
        r->n++;
    }
    return r;
fail:
    if (r) {
        r->refs = 1;
        roots_unref(r);
    }
    return NULL;
}

void roots_unref(roots_t *r)
{
    int left;
    size_t i;
    if (!r)
        return;
    pthread_mutex_lock(&lock);
    left = --r->refs;
    pthread_mutex_unlock(&lock);
    if (left > 0)
        return;
    for (i = 0; i < r->n; i++) {
        close(r->fds[i]);
        free(r->paths[i]);
    }
    free(r->paths);
    free(r->fds);
    free(r);
}

size_t roots_count(const roots_t *r)
{
    return r ? r->n : 0;
}

const char *roots_path(const roots_t *r, size_t i)
{
    return r && i < r->n ? r->paths[i] : NULL;
}

roots_t *sandbox_acquire(void)
{
    roots_t *r;
    pthread_mutex_lock(&lock);
    if ((r = current))
        r->refs++;
    pthread_mutex_unlock(&lock);
    return r;
}

void sandbox_replace(roots_t *r)
{
    roots_t *old;
    pthread_mutex_lock(&lock);
    old = current;
    current = r;
    pthread_mutex_unlock(&lock);
    roots_unref(old);
}

/* ---- checking ----------------------------------------------------------------------------- */

/* The requested path as an absolute, normalised path (the reference's resolution rules). */
static char *absolute_of(const roots_t *r, const char *requested)
{
    char *p = expand_home(requested), *abs;
    size_t i;
    if (!p)
        return NULL;
    if (p[0] == '/') {
        normalize(p);
        return p;
    }
    /* Relative: against the first allowed directory that keeps it inside, else the first. */
    for (i = 0; i < r->n; i++) {
        if (!(abs = join(r->paths[i], p)))
            break;
        normalize(abs);
        if (containing_root(r, abs) >= 0) {
            free(p);
            return abs;
        }
        free(abs);
    }
    abs = r->n ? join(r->paths[0], p) : NULL;
    free(p);
    if (abs)
        normalize(abs);
    return abs;
}

/* realpath() of a path that does not exist (completely): resolve the deepest existing ancestor,
 * component by component from the allowed directory, and append the missing rest. */
static int resolve_missing(const roots_t *r, const char *abs, char **out, size_t *existing,
                           char *err, size_t err_size)
{
    long root = containing_root(r, abs);
    const char *rest;
    char *cur;

    if (root < 0)
        return deny(r, err, err_size, "path outside allowed directories", abs);
    rest = abs + strlen(r->paths[root]);
    if (!(cur = str_dup(r->paths[root])))
        goto oom;
    while (*rest) {
        struct stat st;
        const char *end;
        char *comp, *next;
        while (*rest == '/')
            rest++;
        if (!*rest)
            break;
        end = strchr(rest, '/');
        if (!end)
            end = rest + strlen(rest);
        if (!(comp = strndup(rest, (size_t)(end - rest))))
            goto oom;
        next = join(strcmp(cur, "/") == 0 ? "" : cur, comp);
        free(comp);
        if (!next)
            goto oom;
        if (lstat(next, &st) != 0) {
            int e = errno;
            if (e == ENOENT) { /* from here on nothing exists: no symlink left to resolve */
                char *full = *end ? join(next, end + 1) : str_dup(next);
                *existing = strlen(cur);
                free(next);
                free(cur);
                if (!full)
                    goto oom;
                normalize(full);
                *out = full;
                return 0;
            }
            errno_text(err, err_size, e, "lstat", next);
            free(next);
            free(cur);
            return -1;
        }
        if (S_ISLNK(st.st_mode)) {
            char *real = realpath(next, NULL);
            if (!real) {
                char target[PATH_MAX];
                ssize_t n = readlink(next, target, sizeof target - 1);
                char *t;
                target[n > 0 ? n : 0] = '\0';
                /* Where the dangling link points, lexically, for the message. */
                t = target[0] == '/' ? str_dup(target) : join(cur, target);
                if (t)
                    normalize(t);
                if (t && containing_root(r, t) < 0)
                    deny(r, err, err_size, "symlink target outside allowed directories", t);
                else
                    snprintf(err, err_size, "Access denied - dangling symlink: %s -> %s", next,
                             target);
                free(t);
                free(next);
                free(cur);
                return -1;
            }
            if (containing_root(r, real) < 0) {
                deny(r, err, err_size, "symlink target outside allowed directories", real);
                free(real);
                free(next);
                free(cur);
                return -1;
            }
            free(next);
            next = real;
        }
        free(cur);
        cur = next;
        rest = end;
    }
    /* Everything existed after all (it appeared meanwhile). */
    *existing = strlen(cur);
    *out = cur;
    return 0;
oom:
    free(cur);
    snprintf(err, err_size, "out of memory");
    return -1;
}

int fspath_resolve(roots_t *r, const char *requested, fspath_t *out, char *err, size_t err_size)
{
    char *abs = NULL, *real = NULL;
    long root;
    size_t n, existing = 0;

    memset(out, 0, sizeof *out);
    if (!r || r->n == 0) {
        snprintf(err, err_size,
                 "Access denied - no allowed directories: start the server with "
                 "directories, or use a client that offers roots");
        return -1;
    }
    if (!(abs = absolute_of(r, requested))) {
        snprintf(err, err_size, "out of memory");
        return -1;
    }
    if (containing_root(r, abs) < 0) {
        deny(r, err, err_size, "path outside allowed directories", abs);
        free(abs);
        return -1;
    }
    if ((real = realpath(abs, NULL))) {
        if (containing_root(r, real) < 0) {
            deny(r, err, err_size, "symlink target outside allowed directories", real);
            goto fail;
        }
        out->exists = true;
    } else if (errno == ENOENT) {
        if (resolve_missing(r, abs, &real, &existing, err, err_size) != 0)
            goto fail;
        if (containing_root(r, real) < 0) {
            deny(r, err, err_size, "parent directory outside allowed directories", real);
            goto fail;
        }
    } else {
        errno_text(err, err_size, errno, "realpath", abs);
        goto fail;
    }
    root = containing_root(r, real);
    n = strlen(r->paths[root]);
    out->roots = r;
    out->root = (size_t)root;
    out->real = real;
    out->rel = real + (n == 1 ? 1 : n + (real[n] == '/'));
    if (out->exists)
        existing = strlen(real);
    out->existed = existing > (size_t)(out->rel - real) ? existing - (size_t)(out->rel - real) : 0;
    free(abs);
    return 0;
fail:
    free(abs);
    free(real);
    return -1;
}

void fspath_free(fspath_t *p)
{
    if (p) {
        free(p->real);
        memset(p, 0, sizeof *p);
    }
}

/* ---- using -------------------------------------------------------------------------------- */

bool fspath_existed(const fspath_t *p, size_t end)
{
    return p->exists || end <= p->existed;
}

int fspath_open_parent(const fspath_t *p, const char **leaf)
{
    const char *s = p->rel, *slash;
    int fd;

    sandbox_test_pause();
    fd = openat(p->roots->fds[p->root], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (!*s) {
        *leaf = ".";
        return fd;
    }
    while ((slash = strchr(s, '/'))) {
        char comp[NAME_MAX + 1];
        size_t n = (size_t)(slash - s);
        int next;
        if (n > NAME_MAX) {
            close(fd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(comp, s, n);
        comp[n] = '\0';
        next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            int e = errno;
            close(fd);
            /* The check saw a directory here: not one any more (a symlink meets O_NOFOLLOW |
             * O_DIRECTORY with ENOTDIR) means the tree changed. */
            errno = e == ENOTDIR && fspath_existed(p, (size_t)(slash - p->rel)) ? ELOOP : e;
            return -1;
        }
        close(fd);
        fd = next;
        s = slash + 1;
    }
    *leaf = s;
    return fd;
}

int fspath_root_fd(const fspath_t *p)
{
    return p->roots->fds[p->root];
}

int fspath_open(const fspath_t *p, int flags, mode_t mode)
{
    const char *leaf;
    int dir = fspath_open_parent(p, &leaf), fd, e;
    if (dir < 0)
        return -1;
    fd = openat(dir, leaf, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    e = errno;
    if (fd < 0 && e == ENOTDIR && (flags & O_DIRECTORY)) {
        struct stat st; /* a symlink now where the check found none: say so */
        if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            e = ELOOP;
    }
    close(dir);
    errno = e;
    return fd;
}

void fspath_open_error(const fspath_t *p, int err, const char *syscall, char *out, size_t size)
{
    /* The checked real path holds no symlink: meeting one now means the tree changed. */
    if (err == ELOOP)
        snprintf(out, size,
                 "Access denied - path changed during access (a symlink appeared): "
                 "%s",
                 p->real);
    else
        errno_text(out, size, err, syscall, p->real);
}
