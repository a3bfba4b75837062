/*
 * mcp-filesystem: the tools.
 *
 * Names, parameters, result texts and annotations follow the widely used reference filesystem
 * server, so prompts and clients written for it work unchanged. Every tool runs on the libuv
 * thread pool (see dispatch() below, which also applies the client's roots) and touches the disk
 * only through the sandbox (fspath_resolve, then descriptors opened from the allowed directory
 * with O_NOFOLLOW). The walks (search_files, directory_tree, every directory read) and
 * read_multiple_files stop once the client cancels the call, so a cancelled call gives its pool
 * thread back at once.
 *
 * Where this server differs from the reference, on purpose:
 *   - read_media_file returns files that are neither images nor audio as an embedded resource
 *     (the reference uses a "blob" content type that MCP does not define and clients reject);
 *   - list_directory_with_sizes reports a symlink's own size instead of its target's (a target
 *     outside the allowed directories must not leak its size), and structured results always
 *     match the declared output schema ({"content": "<text>"});
 *   - a file is read whole only up to FS_MAX_READ_BYTES; head/tail stream any size.
 */
#define _GNU_SOURCE /* statx (birth time), renameat2 (RENAME_NOREPLACE) */
#include "fs.h"

#include <uv.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ERRLEN 2560

/* ---- results ------------------------------------------------------------------------------ */

/* A text result: one text block plus structuredContent {"content": text}. */
static int reply(mcp_call_t *call, const char *text, size_t len)
{
    size_t n;
    char *ok = utf8_repair(text, len, &n); /* file names and contents need not be UTF-8 */
    int rc;
    if (!ok)
        return MCP_ENOMEM;
    rc = mcp_call_text_n(call, ok, n);
    if (rc == MCP_OK)
        rc = mcp_call_structured_new(call, json_pack("{s:s%}", "content", ok, n));
    free(ok);
    return rc;
}

static int reply_buf(mcp_call_t *call, buf_t *b)
{
    int rc;
    if (b->oom || !buf_str(b)) {
        buf_free(b);
        return MCP_ENOMEM;
    }
    rc = reply(call, b->data, b->len);
    buf_free(b);
    return rc;
}

/* A failure the model sees (isError: true), as the reference reports thrown errors. */
static int fail(mcp_call_t *call, const char *msg)
{
    size_t n;
    char *ok = utf8_repair(msg, strlen(msg), &n);
    int rc = mcp_call_tool_error(call, "%s", ok ? ok : "error");
    free(ok);
    return rc;
}

static const char *arg_str(const json_t *args, const char *key)
{
    return json_string_value(json_object_get(args, key));
}

/* ---- reading ------------------------------------------------------------------------------ */

static int read_all_fd(int fd, const char *path, char **out, size_t *len, char *err)
{
    struct stat st;
    buf_t b = {0};
    char chunk[65536];
    ssize_t n;

    if (fstat(fd, &st) != 0) {
        errno_text(err, ERRLEN, errno, "fstat", path);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        errno_text(err, ERRLEN, EISDIR, "read", path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) { /* a FIFO, socket or device: never block a pool thread on it */
        snprintf(err, ERRLEN, "Not a regular file: %s", path);
        return -1;
    }
    if (st.st_size > (off_t)FS_MAX_READ_BYTES) {
        snprintf(err, ERRLEN,
                 "File too large to read whole: %s is %lld bytes (limit %u); use "
                 "head or tail",
                 path, (long long)st.st_size, FS_MAX_READ_BYTES);
        return -1;
    }
    for (;;) {
        n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            errno_text(err, ERRLEN, errno, "read", path);
            buf_free(&b);
            return -1;
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > FS_MAX_READ_BYTES) {
            snprintf(err, ERRLEN, "File too large to read whole: %s (limit %u bytes)", path,
                     FS_MAX_READ_BYTES);
            buf_free(&b);
            return -1;
        }
        buf_add(&b, chunk, (size_t)n);
    }
    if (b.oom || !buf_str(&b)) {
        snprintf(err, ERRLEN, "out of memory");
        buf_free(&b);
        return -1;
    }
    *out = b.data;
    *len = b.len;
    return 0;
}

/* Resolve `requested` and read it whole. */
static int read_path(roots_t *roots, const char *requested, char **out, size_t *len, char *err,
                     char **real)
{
    fspath_t p;
    int fd, rc;
    if (fspath_resolve(roots, requested, &p, err, ERRLEN) != 0)
        return -1;
    fd = fspath_open(&p, O_RDONLY | O_NONBLOCK, 0);
    if (fd < 0) {
        fspath_open_error(&p, errno, "open", err, ERRLEN);
        fspath_free(&p);
        return -1;
    }
    rc = read_all_fd(fd, p.real, out, len, err);
    close(fd);
    if (rc == 0 && real) {
        *real = p.real;
        p.real = NULL;
    }
    fspath_free(&p);
    return rc;
}

static ssize_t pread_full(int fd, char *buf, size_t n, off_t at)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, at + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* The first `lines` lines, streamed: stops reading at the lines-th newline. */
static int head_fd(int fd, const char *path, long long lines, buf_t *out, char *err)
{
    char chunk[65536];
    long long seen = 0;
    off_t at = 0;
    for (;;) {
        ssize_t n = pread_full(fd, chunk, sizeof chunk, at), i;
        if (n < 0) {
            errno_text(err, ERRLEN, errno, "read", path);
            return -1;
        }
        if (n == 0)
            break;
        for (i = 0; i < n; i++)
            if (chunk[i] == '\n' && ++seen == lines) {
                buf_add(out, chunk, (size_t)i);
                return 0;
            }
        buf_add(out, chunk, (size_t)n);
        if (out->len > FS_MAX_READ_BYTES) {
            snprintf(err, ERRLEN, "Too much text: the first %lld lines of %s exceed %u bytes",
                     lines, path, FS_MAX_READ_BYTES);
            return -1;
        }
        at += n;
    }
    /* End of file before `lines` newlines: a final newline ends the last line, it does not
     * start an empty one. */
    if (out->len && out->data[out->len - 1] == '\n')
        out->len--;
    return 0;
}

/* The last `lines` lines (the file's text split at '\n', the last `lines` pieces joined again),
 * streamed: scan backwards for the lines-th newline from the end, then read from there. */
static int tail_fd(int fd, const char *path, long long lines, buf_t *out, char *err)
{
    struct stat st;
    char chunk[65536];
    off_t pos, start = 0;
    long long seen = 0;
    size_t i, w;

    if (fstat(fd, &st) != 0) {
        errno_text(err, ERRLEN, errno, "fstat", path);
        return -1;
    }
    pos = st.st_size;
    while (pos > 0) {
        size_t n = pos < (off_t)sizeof chunk ? (size_t)pos : sizeof chunk;
        ssize_t r;
        pos -= (off_t)n;
        if ((r = pread_full(fd, chunk, n, pos)) != (ssize_t)n) {
            errno_text(err, ERRLEN, r < 0 ? errno : EIO, "read", path);
            return -1;
        }
        for (i = n; i-- > 0;)
            if (chunk[i] == '\n' && ++seen == lines) {
                start = pos + (off_t)i + 1;
                goto found;
            }
    }
found:
    if (st.st_size - start > (off_t)FS_MAX_READ_BYTES) {
        snprintf(err, ERRLEN, "Too much text: the last %lld lines of %s exceed %u bytes", lines,
                 path, FS_MAX_READ_BYTES);
        return -1;
    }
    for (pos = start; pos < st.st_size;) {
        ssize_t r = pread_full(fd, chunk, sizeof chunk, pos);
        if (r < 0) {
            errno_text(err, ERRLEN, errno, "read", path);
            return -1;
        }
        if (r == 0)
            break;
        buf_add(out, chunk, (size_t)r);
        pos += r;
    }
    /* CRLF -> LF, as the reference normalises tails. */
    for (i = 0, w = 0; i < out->len; i++)
        if (!(out->data[i] == '\r' && i + 1 < out->len && out->data[i + 1] == '\n'))
            out->data[w++] = out->data[i];
    out->len = w;
    return 0;
}

static int t_read_text_file(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    const json_t *jh = json_object_get(args, "head"), *jt = json_object_get(args, "tail");
    double head = jh ? json_number_value(jh) : 0, tail = jt ? json_number_value(jt) : 0;
    char err[ERRLEN];
    fspath_t p;
    buf_t b = {0};
    int fd, rc;

    if (head != 0 && tail != 0)
        return fail(call, "Cannot specify both head and tail parameters simultaneously");
    if (fspath_resolve(roots, arg_str(args, "path"), &p, err, sizeof err) != 0) {
        return fail(call, err);
    }
    if ((fd = fspath_open(&p, O_RDONLY | O_NONBLOCK, 0)) < 0) {
        fspath_open_error(&p, errno, "open", err, sizeof err);
        rc = -1;
    } else {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            errno_text(err, sizeof err, EISDIR, "read", p.real);
            rc = -1;
        } else if (!S_ISREG(st.st_mode)) {
            snprintf(err, sizeof err, "Not a regular file: %s", p.real);
            rc = -1;
        } else if (tail != 0) {
            rc = tail > 0 ? tail_fd(fd, p.real, (long long)tail, &b, err) : 0;
        } else if (head != 0) {
            rc = head > 0 ? head_fd(fd, p.real, (long long)head, &b, err) : 0;
        } else {
            char *data;
            size_t len;
            rc = read_all_fd(fd, p.real, &data, &len, err);
            if (rc == 0) {
                b.data = data;
                b.len = b.cap = len;
            }
        }
        close(fd);
    }
    fspath_free(&p);
    if (rc != 0) {
        buf_free(&b);
        return fail(call, err);
    }
    return reply_buf(call, &b);
}

static const char *media_type(const char *path)
{
    static const struct {
        const char *ext, *mime;
    } map[] = {{".png", "image/png"},     {".jpg", "image/jpeg"},  {".jpeg", "image/jpeg"},
               {".gif", "image/gif"},     {".webp", "image/webp"}, {".bmp", "image/bmp"},
               {".svg", "image/svg+xml"}, {".mp3", "audio/mpeg"},  {".wav", "audio/wav"},
               {".ogg", "audio/ogg"},     {".flac", "audio/flac"}};
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    size_t i;
    if (dot && (!slash || dot > slash + 1))
        for (i = 0; i < sizeof map / sizeof *map; i++)
            if (strcasecmp(dot, map[i].ext) == 0)
                return map[i].mime;
    return "application/octet-stream";
}

static int t_read_media_file(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    char err[ERRLEN], *data = NULL, *real = NULL;
    size_t len = 0;
    const char *mime;
    int rc = read_path(roots, arg_str(args, "path"), &data, &len, err, &real);
    if (rc != 0)
        return fail(call, err);
    mime = media_type(real);
    if (strncmp(mime, "image/", 6) == 0) {
        rc = mcp_call_image(call, data, len, mime);
    } else if (strncmp(mime, "audio/", 6) == 0) {
        rc = mcp_call_audio(call, data, len, mime);
    } else {
        buf_t uri = {0};
        buf_addf(&uri, "file://%s", real);
        rc = buf_str(&uri) ? mcp_call_embedded_blob(call, uri.data, mime, data, len) : MCP_ENOMEM;
        buf_free(&uri);
    }
    free(data);
    free(real);
    return rc;
}

static int t_read_multiple_files(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    const json_t *paths = json_object_get(args, "paths"), *v;
    buf_t b = {0};
    size_t i;

    json_array_foreach(paths, i, v)
    {
        const char *path = json_string_value(v);
        char err[ERRLEN], *data;
        size_t len;
        if (mcp_call_is_cancelled(call)) { /* nobody waits for the rest */
            buf_free(&b);
            return fail(call, "cancelled");
        }
        if (i)
            buf_adds(&b, "\n---\n");
        if (read_path(roots, path, &data, &len, err, NULL) == 0) {
            buf_addf(&b, "%s:\n", path);
            buf_add(&b, data, len);
            buf_addc(&b, '\n');
            free(data);
        } else {
            buf_addf(&b, "%s: Error - %s", path, err);
        }
        if (b.len > 2 * (size_t)FS_MAX_READ_BYTES) {
            buf_free(&b);
            return fail(call, "The files together are too large to return at once");
        }
    }
    return reply_buf(call, &b);
}

/* ---- writing ------------------------------------------------------------------------------ */

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Replace `leaf` in `dir` atomically: write a temporary file beside it, give it `mode`, rename
 * it over the old one. rename() replaces the directory entry and never follows a symlink, so a
 * link swapped in at `leaf` is replaced, not written through. */
static int replace_file(int dir, const char *leaf, const char *data, size_t len, mode_t mode)
{
    char tmp[NAME_MAX + 64];
    unsigned char rnd[16];
    int fd, e, i;
    FILE *ur = fopen("/dev/urandom", "rb");
    size_t got = ur ? fread(rnd, 1, sizeof rnd, ur) : 0;
    if (ur)
        fclose(ur);
    for (i = (int)got; i < (int)sizeof rnd; i++)
        rnd[i] = (unsigned char)(rand() ^ (int)getpid());
    if (strlen(leaf) > NAME_MAX - 38) { /* keep the temporary name within NAME_MAX */
        errno = ENAMETOOLONG;
        return -1;
    }
    i = snprintf(tmp, sizeof tmp, "%s.", leaf);
    for (got = 0; got < sizeof rnd; got++)
        i += snprintf(tmp + i, sizeof tmp - (size_t)i, "%02x", rnd[got]);
    snprintf(tmp + i, sizeof tmp - (size_t)i, ".tmp");

    fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    if (write_all(fd, data, len) != 0 || fchmod(fd, mode & 07777) != 0 || close(fd) != 0) {
        e = errno;
        unlinkat(dir, tmp, 0);
        errno = e;
        return -1;
    }
    if (renameat(dir, tmp, dir, leaf) != 0) {
        e = errno;
        unlinkat(dir, tmp, 0);
        errno = e;
        return -1;
    }
    return 0;
}

/* Write `data` to the checked path: create it exclusively, or replace an existing file
 * (keeping its permission bits). */
static int write_path(const fspath_t *p, const char *data, size_t len, char *err)
{
    const char *leaf;
    struct stat st;
    int dir = fspath_open_parent(p, &leaf), fd, e;

    if (dir < 0) {
        fspath_open_error(p, errno, "open", err, ERRLEN);
        return -1;
    }
    fd = openat(dir, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
        if (write_all(fd, data, len) != 0 || close(fd) != 0) {
            errno_text(err, ERRLEN, errno, "write", p->real);
            close(dir);
            return -1;
        }
        close(dir);
        return 0;
    }
    if (errno != EEXIST) {
        fspath_open_error(p, errno, "open", err, ERRLEN);
        close(dir);
        return -1;
    }
    if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        fspath_open_error(p, errno, "stat", err, ERRLEN);
        close(dir);
        return -1;
    }
    if (S_ISLNK(st.st_mode)) { /* not there when the path was checked */
        fspath_open_error(p, ELOOP, "open", err, ERRLEN);
        close(dir);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        errno_text(err, ERRLEN, EISDIR, "open", p->real);
        close(dir);
        return -1;
    }
    if (replace_file(dir, leaf, data, len, st.st_mode) != 0) {
        e = errno;
        errno_text(err, ERRLEN, e, "rename", p->real);
        close(dir);
        return -1;
    }
    close(dir);
    return 0;
}

static int t_write_file(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    const char *path = arg_str(args, "path");
    const json_t *content = json_object_get(args, "content");
    char err[ERRLEN];
    fspath_t p;
    int rc;

    if (fspath_resolve(roots, path, &p, err, sizeof err) != 0) {
        return fail(call, err);
    }
    rc = write_path(&p, json_string_value(content), json_string_length(content), err);
    fspath_free(&p);
    if (rc != 0)
        return fail(call, err);
    {
        buf_t b = {0};
        buf_addf(&b, "Successfully wrote to %s", path);
        return reply_buf(call, &b);
    }
}

/* ---- edit_file ---------------------------------------------------------------------------- */

/* CRLF -> LF into a new string. */
static char *lf_only(const char *s, size_t len, size_t *out_len)
{
    char *d = malloc(len + 1);
    size_t i, w = 0;
    if (!d)
        return NULL;
    for (i = 0; i < len; i++)
        if (!(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
            d[w++] = s[i];
    d[w] = '\0';
    *out_len = w;
    return d;
}

typedef struct span {
    const char *s;
    size_t n;
} span_t;

static span_t *split_nl(const char *s, size_t len, size_t *count)
{
    size_t n = 1, i, k = 0, start = 0;
    span_t *v;
    for (i = 0; i < len; i++)
        n += s[i] == '\n';
    if (!(v = malloc(n * sizeof *v)))
        return NULL;
    for (i = 0; i <= len; i++)
        if (i == len || s[i] == '\n') {
            v[k++] = (span_t){s + start, i - start};
            start = i + 1;
        }
    *count = n;
    return v;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static span_t trim(span_t x)
{
    while (x.n && is_ws(x.s[0])) {
        x.s++;
        x.n--;
    }
    while (x.n && is_ws(x.s[x.n - 1]))
        x.n--;
    return x;
}

static size_t indent_of(span_t x)
{
    size_t i = 0;
    while (i < x.n && is_ws(x.s[i]))
        i++;
    return i;
}

static bool span_eq(span_t a, span_t b)
{
    return a.n == b.n && memcmp(a.s, b.s, a.n) == 0;
}

/* Apply one edit to `text` (replaced by the result). Exact first occurrence, else a run of
 * lines equal after trimming, re-indented as the reference server does. */
static int apply_edit(char **text, size_t *len, const char *old_raw, size_t old_raw_len,
                      const char *new_raw, size_t new_raw_len, char *err)
{
    size_t ol, nl, ncl = 0, nol = 0, nnl = 0, i, j;
    char *old = lf_only(old_raw, old_raw_len, &ol), *neu = lf_only(new_raw, new_raw_len, &nl);
    span_t *cl = NULL, *olines = NULL, *nlines = NULL;
    buf_t out = {0};
    int rc = -1;
    const char *hit;

    if (!old || !neu)
        goto oom;
    hit = ol == 0 ? *text : memmem(*text, *len, old, ol);
    if (hit) {
        size_t at = (size_t)(hit - *text);
        buf_add(&out, *text, at);
        buf_add(&out, neu, nl);
        buf_add(&out, *text + at + ol, *len - at - ol);
        goto done;
    }
    if (!(cl = split_nl(*text, *len, &ncl)) || !(olines = split_nl(old, ol, &nol)) ||
        !(nlines = split_nl(neu, nl, &nnl)))
        goto oom;
    for (i = 0; i + nol <= ncl; i++) {
        for (j = 0; j < nol && span_eq(trim(olines[j]), trim(cl[i + j])); j++)
            ;
        if (j < nol)
            continue;
        {
            size_t ind = indent_of(cl[i]), k;
            for (k = 0; k < i; k++) {
                buf_add(&out, cl[k].s, cl[k].n);
                buf_addc(&out, '\n');
            }
            for (k = 0; k < nnl; k++) {
                span_t line = nlines[k];
                size_t li = indent_of(line);
                if (k)
                    buf_addc(&out, '\n');
                if (k == 0) {
                    buf_add(&out, cl[i].s, ind);
                    buf_add(&out, line.s + li, line.n - li);
                } else {
                    size_t oi = k < nol ? indent_of(olines[k]) : 0;
                    if (oi && li) {
                        size_t extra = li > oi ? li - oi : 0, e;
                        buf_add(&out, cl[i].s, ind);
                        for (e = 0; e < extra; e++)
                            buf_addc(&out, ' ');
                        buf_add(&out, line.s + li, line.n - li);
                    } else {
                        buf_add(&out, line.s, line.n);
                    }
                }
            }
            for (k = i + nol; k < ncl; k++) {
                buf_addc(&out, '\n');
                buf_add(&out, cl[k].s, cl[k].n);
            }
        }
        goto done;
    }
    snprintf(err, ERRLEN, "Could not find exact match for edit:\n%.*s", (int)old_raw_len, old_raw);
    goto out;
done:
    if (out.oom || !buf_str(&out))
        goto oom;
    free(*text);
    *text = out.data;
    *len = out.len;
    out.data = NULL;
    rc = 0;
    goto out;
oom:
    snprintf(err, ERRLEN, "out of memory");
out:
    buf_free(&out);
    free(old);
    free(neu);
    free(cl);
    free(olines);
    free(nlines);
    return rc;
}

static int t_edit_file(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    const json_t *edits = json_object_get(args, "edits"), *e;
    bool dry = json_is_true(json_object_get(args, "dryRun"));
    char err[ERRLEN], *raw = NULL, *text = NULL;
    size_t rawlen, len, i, run = 0, longest = 0, ticks;
    buf_t diff = {0}, out = {0};
    fspath_t p;
    struct stat st;
    int fd, rc = -1;

    if (fspath_resolve(roots, arg_str(args, "path"), &p, err, sizeof err) != 0) {
        return fail(call, err);
    }
    if ((fd = fspath_open(&p, O_RDONLY | O_NONBLOCK, 0)) < 0) {
        fspath_open_error(&p, errno, "open", err, sizeof err);
        goto out;
    }
    rc = fstat(fd, &st) == 0 ? read_all_fd(fd, p.real, &raw, &rawlen, err) : -1;
    close(fd);
    if (rc != 0)
        goto out;
    rc = -1;
    if (!(text = lf_only(raw, rawlen, &len)))
        goto oom;
    json_array_foreach(edits, i, e)
    {
        const json_t *o = json_object_get(e, "oldText"), *n = json_object_get(e, "newText");
        if (apply_edit(&text, &len, json_string_value(o), json_string_length(o),
                       json_string_value(n), json_string_length(n), err) != 0)
            goto out;
    }
    {
        char *orig;
        size_t origlen;
        if (!(orig = lf_only(raw, rawlen, &origlen)))
            goto oom;
        unified_diff(&diff, p.real, orig, origlen, text, len);
        free(orig);
    }
    if (diff.oom || !buf_str(&diff))
        goto oom;
    for (i = 0; i < diff.len; i++) { /* fence with more backticks than the diff contains */
        run = diff.data[i] == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    ticks = longest >= 3 ? longest + 1 : 3;
    for (i = 0; i < ticks; i++)
        buf_addc(&out, '`');
    buf_adds(&out, "diff\n");
    buf_add(&out, diff.data, diff.len);
    for (i = 0; i < ticks; i++)
        buf_addc(&out, '`');
    buf_adds(&out, "\n\n");
    if (!dry) {
        const char *leaf;
        int dir = fspath_open_parent(&p, &leaf);
        if (dir < 0) {
            fspath_open_error(&p, errno, "open", err, sizeof err);
            goto out;
        }
        if (replace_file(dir, leaf, text, len, st.st_mode) != 0) {
            errno_text(err, sizeof err, errno, "rename", p.real);
            close(dir);
            goto out;
        }
        close(dir);
    }
    rc = 0;
    goto out;
oom:
    snprintf(err, sizeof err, "out of memory");
out:
    free(raw);
    free(text);
    buf_free(&diff);
    fspath_free(&p);
    if (rc != 0) {
        buf_free(&out);
        return fail(call, err);
    }
    return reply_buf(call, &out);
}

/* ---- directories -------------------------------------------------------------------------- */

static int t_create_directory(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    const char *path = arg_str(args, "path");
    char err[ERRLEN];
    fspath_t p;
    const char *s;
    int fd;

    if (fspath_resolve(roots, path, &p, err, sizeof err) != 0) {
        return fail(call, err);
    }
    sandbox_test_pause();
    /* mkdir -p, one component at a time from the allowed directory, never following a link. */
    fd = openat(fspath_root_fd(&p), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (s = p.rel; fd >= 0 && *s;) {
        char comp[NAME_MAX + 1];
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        int next = -1, tries;
        if (n > NAME_MAX) {
            close(fd);
            fd = -1;
            errno = ENAMETOOLONG;
            break;
        }
        memcpy(comp, s, n);
        comp[n] = '\0';
        for (tries = 0; tries < 3 && next < 0; tries++) {
            next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (next >= 0 || errno != ENOENT)
                break;
            if (mkdirat(fd, comp, 0777) != 0 && errno != EEXIST)
                break;
        }
        if (next < 0) {
            int e = errno;
            close(fd);
            fd = -1;
            /* ENOTDIR: a directory the check saw is no longer one (a symlink was swapped in),
             * or else a file is in the way, which mkdir -p reports as EEXIST. */
            if (e == ENOTDIR)
                e = fspath_existed(&p, (size_t)(s - p.rel) + n) ? ELOOP : EEXIST;
            errno = e;
            break;
        }
        close(fd);
        fd = next;
        s += n + (slash != NULL);
    }
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            fspath_open_error(&p, e, "mkdir", err, sizeof err);
        else
            errno_text(err, sizeof err, e, "mkdir", p.real);
        fspath_free(&p);
        return fail(call, err);
    }
    close(fd);
    fspath_free(&p);
    {
        buf_t b = {0};
        buf_addf(&b, "Successfully created directory %s", path);
        return reply_buf(call, &b);
    }
}

typedef struct entry {
    char *name;
    bool dir, link;
    long long size;
} entry_t;

static void free_entries(entry_t *v, size_t n)
{
    while (n)
        free(v[--n].name);
    free(v);
}

static int cmp_strcmp(const void *a, const void *b)
{
    return strcmp(((const entry_t *)a)->name, ((const entry_t *)b)->name);
}

/* Read a directory from an open descriptor (consumed): entries sorted by name (strcmp, the
 * order Node's readdir returns on POSIX). `sizes` fills sizes (lstat). Stops with ECANCELED
 * once the client cancelled `call`. */
static entry_t *read_dir(const mcp_call_t *call, int fd, size_t *count, bool sizes)
{
    DIR *d = fdopendir(fd);
    struct dirent *de;
    entry_t *v = NULL;
    size_t n = 0, cap = 0;

    if (!d) {
        close(fd);
        return NULL;
    }
    while ((de = readdir(d))) {
        struct stat st;
        entry_t e = {0};
        bool need_stat;
        if (mcp_call_is_cancelled(call))
            goto cancelled;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        need_stat = sizes || de->d_type == DT_UNKNOWN;
        if (need_stat && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            e.dir = S_ISDIR(st.st_mode);
            e.link = S_ISLNK(st.st_mode);
            e.size = (long long)st.st_size;
        } else {
            e.dir = de->d_type == DT_DIR;
            e.link = de->d_type == DT_LNK;
        }
        if (n == cap) {
            entry_t *w = realloc(v, (cap = cap ? cap * 2 : 32) * sizeof *v);
            if (!w)
                goto oom;
            v = w;
        }
        if (!(e.name = strdup(de->d_name)))
            goto oom;
        v[n++] = e;
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof *v, cmp_strcmp);
    *count = n;
    return v ? v : calloc(1, sizeof *v);
cancelled:
    closedir(d);
    free_entries(v, n);
    errno = ECANCELED;
    return NULL;
oom:
    closedir(d);
    free_entries(v, n);
    errno = ENOMEM;
    return NULL;
}

/* Open the checked path as a directory and read it. */
static entry_t *list_path(const mcp_call_t *call, roots_t *roots, const char *requested, size_t *n,
                          bool sizes, char *err, char **real)
{
    fspath_t p;
    entry_t *v;
    int fd;
    if (fspath_resolve(roots, requested, &p, err, ERRLEN) != 0)
        return NULL;
    if ((fd = fspath_open(&p, O_RDONLY | O_DIRECTORY, 0)) < 0) {
        fspath_open_error(&p, errno, "scandir", err, ERRLEN);
        fspath_free(&p);
        return NULL;
    }
    if (!(v = read_dir(call, fd, n, sizes)))
        errno_text(err, ERRLEN, errno, "scandir", p.real);
    if (real) {
        *real = p.real;
        p.real = NULL;
    }
    fspath_free(&p);
    return v;
}

static int t_list_directory(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    char err[ERRLEN];
    size_t n, i;
    entry_t *v = list_path(call, roots, arg_str(args, "path"), &n, false, err, NULL);
    buf_t b = {0};
    if (!v)
        return fail(call, err);
    for (i = 0; i < n; i++)
        buf_addf(&b, "%s%s %s", i ? "\n" : "", v[i].dir ? "[DIR]" : "[FILE]", v[i].name);
    free_entries(v, n);
    return reply_buf(call, &b);
}

/* Characters (code points) in a UTF-8 string, for padding like String.padEnd. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* localeCompare-like order for names: case-insensitive first, then lower case first. */
static int cmp_locale(const void *pa, const void *pb)
{
    const entry_t *a = pa, *b = pb;
    int c = strcasecmp(a->name, b->name);
    if (c)
        return c;
    return -strcmp(a->name, b->name);
}

static int cmp_size(const void *pa, const void *pb)
{
    const entry_t *a = pa, *b = pb;
    if (a->size != b->size)
        return a->size < b->size ? 1 : -1; /* largest first */
    return strcmp(a->name, b->name);       /* ties keep directory order */
}

static int t_list_directory_with_sizes(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    const char *sort = arg_str(args, "sortBy");
    char err[ERRLEN], size[32];
    size_t n, i, files = 0, dirs = 0;
    long long total = 0;
    entry_t *v = list_path(call, roots, arg_str(args, "path"), &n, true, err, NULL);
    buf_t b = {0};
    if (!v)
        return fail(call, err);
    qsort(v, n, sizeof *v, sort && strcmp(sort, "size") == 0 ? cmp_size : cmp_locale);
    for (i = 0; i < n; i++) {
        size_t c = chars(v[i].name);
        buf_addf(&b, "%s %s", v[i].dir ? "[DIR]" : "[FILE]", v[i].name);
        for (; c < 30; c++)
            buf_addc(&b, ' ');
        buf_addc(&b, ' ');
        if (!v[i].dir) {
            format_size(size, sizeof size, v[i].size);
            buf_addf(&b, "%10s", size);
            files++;
            total += v[i].size;
        } else {
            dirs++;
        }
        buf_addc(&b, '\n');
    }
    format_size(size, sizeof size, total);
    buf_addf(&b, "\nTotal: %zu files, %zu directories\nCombined size: %s", files, dirs, size);
    free_entries(v, n);
    return reply_buf(call, &b);
}

/* ---- directory_tree ----------------------------------------------------------------------- */

static bool tree_excluded(const json_t *patterns, const char *rel)
{
    const json_t *v;
    size_t i;
    json_array_foreach(patterns, i, v)
    {
        const char *pat = json_string_value(v);
        buf_t a = {0}, b = {0};
        bool hit;
        if (!pat)
            continue;
        if (strchr(pat, '*')) {
            if (glob_match(pat, rel))
                return true;
            continue;
        }
        /* A plain name excludes that path, that name anywhere, and everything below it. */
        buf_addf(&a, "**/%s", pat);
        buf_addf(&b, "**/%s/**", pat);
        hit = glob_match(pat, rel) || (buf_str(&a) && glob_match(a.data, rel)) ||
              (buf_str(&b) && glob_match(b.data, rel));
        buf_free(&a);
        buf_free(&b);
        if (hit)
            return true;
    }
    return false;
}

/* Build the tree below the directory open at `fd` (consumed). `rel` is the path of that
 * directory relative to the tree's root ("" for the root). Stops once `call` is cancelled. */
static json_t *tree(const mcp_call_t *call, int fd, const char *rel, const json_t *excludes,
                    int depth, char *err, const char *real)
{
    size_t n = 0, i;
    int keep = dup(fd); /* read_dir consumes fd; subdirectories open relative to `keep` */
    entry_t *v = keep >= 0 ? read_dir(call, fd, &n, false) : NULL;
    json_t *arr = NULL;

    if (keep < 0)
        close(fd);
    if (!v) {
        errno_text(err, ERRLEN, errno, "scandir", real);
        if (keep >= 0)
            close(keep);
        return NULL;
    }
    if (!(arr = json_array()))
        goto oom;
    for (i = 0; i < n; i++) {
        buf_t path = {0};
        json_t *node;
        size_t nl;
        char *name;

        if (mcp_call_is_cancelled(call)) {
            snprintf(err, ERRLEN, "cancelled");
            goto fail;
        }
        if (*rel)
            buf_addf(&path, "%s/%s", rel, v[i].name);
        else
            buf_adds(&path, v[i].name);
        if (!buf_str(&path))
            goto oom;
        if (tree_excluded(excludes, path.data)) {
            buf_free(&path);
            continue;
        }
        name = utf8_repair(v[i].name, strlen(v[i].name), &nl);
        node = name ? json_pack("{s:s%,s:s}", "name", name, nl, "type",
                                v[i].dir ? "directory" : "file")
                    : NULL;
        free(name);
        if (node && v[i].dir) {
            /* Symlinks are never descended (they are listed as files). O_NOFOLLOW: a directory
             * swapped for a link meanwhile is refused. */
            int sub;
            json_t *kids;
            sandbox_test_pause();
            sub = depth < 512
                      ? openat(keep, v[i].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                      : -1;
            if (sub < 0) {
                buf_t where = {0};
                int e = depth < 512 ? errno : ELOOP;
                buf_addf(&where, "%s/%s", real, path.data);
                if (e == ELOOP)
                    snprintf(err, ERRLEN,
                             "Access denied - path changed during access (a "
                             "symlink appeared): %s",
                             buf_str(&where) ? where.data : "");
                else
                    errno_text(err, ERRLEN, e, "scandir", buf_str(&where) ? where.data : "");
                buf_free(&where);
                buf_free(&path);
                json_decref(node);
                goto fail;
            }
            kids = tree(call, sub, path.data, excludes, depth + 1, err, real);
            if (!kids) {
                buf_free(&path);
                json_decref(node);
                goto fail;
            }
            json_object_set_new(node, "children", kids);
        }
        buf_free(&path);
        if (!node || json_array_append_new(arr, node) != 0)
            goto oom;
    }
    free_entries(v, n);
    close(keep);
    return arr;
oom:
    snprintf(err, ERRLEN, "out of memory");
fail:
    json_decref(arr);
    free_entries(v, n);
    close(keep);
    return NULL;
}

static int t_directory_tree(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    const json_t *excludes = json_object_get(args, "excludePatterns");
    char err[ERRLEN], *text;
    json_t *t = NULL;
    fspath_t p;
    int fd, rc;

    if (fspath_resolve(roots, arg_str(args, "path"), &p, err, sizeof err) != 0) {
        return fail(call, err);
    }
    if ((fd = fspath_open(&p, O_RDONLY | O_DIRECTORY, 0)) < 0)
        fspath_open_error(&p, errno, "scandir", err, sizeof err);
    else
        t = tree(call, fd, "", excludes, 0, err, p.real);
    fspath_free(&p);
    if (!t)
        return fail(call, err);
    /* JSON.stringify(tree, null, 2) */
    text = json_dumps(t, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(t);
    if (!text)
        return MCP_ENOMEM;
    rc = reply(call, text, strlen(text));
    free(text);
    return rc;
}

/* ---- search_files ------------------------------------------------------------------------- */

typedef struct search {
    const mcp_call_t *call; /* the walk stops once it is cancelled */
    roots_t *roots;
    const char *pattern;
    const json_t *excludes;
    const char *base; /* real path of the search root */
    buf_t out;
    size_t found;
    char *err;
} search_t;

static bool search_excluded(const search_t *s, const char *rel)
{
    const json_t *v;
    size_t i;
    json_array_foreach(s->excludes, i, v) if (json_string_value(v) &&
                                              glob_match(json_string_value(v), rel)) return true;
    return false;
}

/* Walk the directory open at `fd` (consumed); `rel` as in tree(). 0, or -1 when out of memory or
 * cancelled. */
static int search_dir(search_t *s, int fd, const char *rel, int depth)
{
    size_t n = 0, i;
    int keep = dup(fd), rc = 0;
    entry_t *v = keep >= 0 ? read_dir(s->call, fd, &n, false) : NULL;

    if (keep < 0)
        close(fd);
    if (!v) { /* an unreadable directory is skipped, as the reference does */
        if (keep >= 0)
            close(keep);
        return 0;
    }
    for (i = 0; i < n && rc == 0; i++) {
        buf_t path = {0}, full = {0};
        if (mcp_call_is_cancelled(s->call)) {
            rc = -1;
            break;
        }
        if (*rel)
            buf_addf(&path, "%s/%s", rel, v[i].name);
        else
            buf_adds(&path, v[i].name);
        buf_addf(&full, "%s%s%s", s->base, strcmp(s->base, "/") ? "/" : "",
                 buf_str(&path) ? path.data : "");
        if (!buf_str(&path) || !buf_str(&full)) {
            rc = -1;
        } else if (v[i].link) {
            /* A symlink counts only when it resolves inside the allowed directories. */
            char e[ERRLEN];
            fspath_t chk;
            if (fspath_resolve(s->roots, full.data, &chk, e, sizeof e) == 0 && chk.exists &&
                !search_excluded(s, path.data) && glob_match(s->pattern, path.data)) {
                buf_addf(&s->out, "%s%s", s->found++ ? "\n" : "", full.data);
            }
            if (chk.real)
                fspath_free(&chk);
        } else if (!search_excluded(s, path.data)) {
            if (glob_match(s->pattern, path.data))
                buf_addf(&s->out, "%s%s", s->found++ ? "\n" : "", full.data);
            if (v[i].dir && depth < 512) {
                int sub;
                sandbox_test_pause();
                sub = openat(keep, v[i].name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0)
                    rc = search_dir(s, sub, path.data, depth + 1);
            }
        }
        buf_free(&path);
        buf_free(&full);
        if (s->out.oom)
            rc = -1;
    }
    free_entries(v, n);
    close(keep);
    return rc;
}

static int t_search_files(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    char err[ERRLEN];
    search_t s = {0};
    fspath_t p;
    int fd, rc = -1;

    s.call = call;
    s.roots = roots;
    s.pattern = arg_str(args, "pattern");
    s.excludes = json_object_get(args, "excludePatterns");
    s.err = err;
    if (fspath_resolve(s.roots, arg_str(args, "path"), &p, err, sizeof err) != 0) {
        return fail(call, err);
    }
    if ((fd = fspath_open(&p, O_RDONLY | O_DIRECTORY, 0)) < 0) {
        fspath_open_error(&p, errno, "scandir", err, sizeof err);
    } else {
        s.base = p.real;
        rc = search_dir(&s, fd, "", 0);
        if (rc != 0)
            snprintf(err, sizeof err, "%s",
                     mcp_call_is_cancelled(call) ? "cancelled" : "out of memory");
    }
    fspath_free(&p);
    if (rc != 0) {
        buf_free(&s.out);
        return fail(call, err);
    }
    if (!s.found)
        buf_adds(&s.out, "No matches found");
    return reply_buf(call, &s.out);
}

/* ---- get_file_info, move_file, list_allowed_directories ----------------------------------- */

static int t_get_file_info(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    char err[ERRLEN], created[96], modified[96], accessed[96];
    const char *leaf;
    struct stat st;
    time_t birth;
    fspath_t p;
    buf_t b = {0};
    int dir;

    if (fspath_resolve(roots, arg_str(args, "path"), &p, err, sizeof err) != 0) {
        return fail(call, err);
    }
    dir = fspath_open_parent(&p, &leaf);
    if (dir < 0 || fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        fspath_open_error(&p, errno, "stat", err, sizeof err);
        if (dir >= 0)
            close(dir);
        fspath_free(&p);
        return fail(call, err);
    }
    birth = st.st_ctime;
#ifdef STATX_BTIME
    {
        struct statx sx;
        if (statx(dir, leaf, AT_SYMLINK_NOFOLLOW, STATX_BTIME, &sx) == 0 &&
            (sx.stx_mask & STATX_BTIME))
            birth = (time_t)sx.stx_btime.tv_sec;
    }
#endif
    close(dir);
    fspath_free(&p);
    format_js_date(created, sizeof created, birth);
    format_js_date(modified, sizeof modified, st.st_mtime);
    format_js_date(accessed, sizeof accessed, st.st_atime);
    buf_addf(&b,
             "size: %lld\ncreated: %s\nmodified: %s\naccessed: %s\nisDirectory: %s\n"
             "isFile: %s\npermissions: %03o",
             (long long)st.st_size, created, modified, accessed,
             S_ISDIR(st.st_mode) ? "true" : "false", S_ISREG(st.st_mode) ? "true" : "false",
             (unsigned)(st.st_mode & 0777));
    return reply_buf(call, &b);
}

static int t_move_file(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    const char *src = arg_str(args, "source"), *dst = arg_str(args, "destination");
    const char *sleaf, *dleaf;
    char err[ERRLEN];
    fspath_t ps, pd;
    struct stat st;
    int sdir = -1, ddir = -1, rc = -1;

    if (fspath_resolve(roots, src, &ps, err, sizeof err) != 0) {
        return fail(call, err);
    }
    if (fspath_resolve(roots, dst, &pd, err, sizeof err) != 0) {
        fspath_free(&ps);
        return fail(call, err);
    }
    if ((sdir = fspath_open_parent(&ps, &sleaf)) < 0) {
        fspath_open_error(&ps, errno, "rename", err, sizeof err);
    } else if ((ddir = fspath_open_parent(&pd, &dleaf)) < 0) {
        fspath_open_error(&pd, errno, "rename", err, sizeof err);
    } else if (fstatat(ddir, dleaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        snprintf(err, sizeof err, "Destination already exists: %s", pd.real);
    } else if (errno != ENOENT) {
        fspath_open_error(&pd, errno, "rename", err, sizeof err);
    } else {
#ifdef RENAME_NOREPLACE
        /* Refuse to replace, even something that appeared since the check above. */
        rc = renameat2(sdir, sleaf, ddir, dleaf, RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS))
            rc = renameat(sdir, sleaf, ddir, dleaf);
#else
        rc = renameat(sdir, sleaf, ddir, dleaf);
#endif
        if (rc != 0) {
            if (errno == EEXIST)
                snprintf(err, sizeof err, "Destination already exists: %s", pd.real);
            else {
                char a[ERRLEN / 2];
                errno_text(a, sizeof a, errno, "rename", ps.real);
                snprintf(err, sizeof err, "%s -> '%s'", a, pd.real);
            }
        }
    }
    if (sdir >= 0)
        close(sdir);
    if (ddir >= 0)
        close(ddir);
    fspath_free(&ps);
    fspath_free(&pd);
    if (rc != 0)
        return fail(call, err);
    {
        buf_t b = {0};
        buf_addf(&b, "Successfully moved %s to %s", src, dst);
        return reply_buf(call, &b);
    }
}

static int t_list_allowed_directories(mcp_call_t *call, const json_t *args, roots_t *roots)
{
    buf_t b = {0};
    size_t i;
    (void)args;
    buf_adds(&b, "Allowed directories:");
    for (i = 0; i < roots_count(roots); i++)
        buf_addf(&b, "\n%s", roots_path(roots, i));
    return reply_buf(call, &b);
}

/* ---- dispatch: client roots, then the tool on the thread pool ------------------------------ */

/*
 * Every tool is registered with dispatch() as its handler. When the client offers roots, the
 * reference server replaces its allowed directories with them; here they narrow the
 * command-line directories (replace them only with --allow-client-roots or when there are none,
 * see fs_client_roots()), and that is done per call, so the set is always current (no need to
 * watch notifications/roots/list_changed) and one client's roots never apply to another client's
 * calls (several clients may share a server over HTTP):
 *
 *   - dispatch() asks the client for roots/list. When the client has no roots capability (or
 *     the transport cannot carry the request) the tool runs with the directories from the
 *     command line.
 *   - The answer may arrive during the ask (2026-07-28: the client retried the call with the
 *     answer) or later, on the loop thread (2025 era); then on_roots() starts the tool.
 *   - Roots that name no usable local directory leave the command-line directories in force,
 *     as in the reference server; roots none of which lies inside them leave nothing (the call
 *     is refused, see run_with()).
 *
 * The tools do blocking file I/O, so they run on the libuv thread pool. With FS_TOOL_BLOCKING
 * they are MCP_TOOL_BLOCKING tools and dispatch() itself runs on the pool; without it (the
 * default) dispatch() runs on the loop thread and queues the tool on the same pool with
 * uv_queue_work(). The default exists because libmcp 0.1.0 drops a server->client request made
 * from a pool thread (the call completes at once, empty): asking from the loop thread avoids it.
 */
#ifndef FS_TOOL_BLOCKING
#define FS_TOOL_BLOCKING 0
#endif

typedef int (*impl_fn)(mcp_call_t *call, const json_t *args, roots_t *roots);
typedef struct impl {
    impl_fn fn;
} impl_t;

#define IMPL(f) static const impl_t impl_##f = {f};
IMPL(t_read_text_file)
IMPL(t_read_media_file)
IMPL(t_read_multiple_files)
IMPL(t_write_file)
IMPL(t_edit_file)
IMPL(t_create_directory)
IMPL(t_list_directory)
IMPL(t_list_directory_with_sizes)
IMPL(t_directory_tree)
IMPL(t_move_file)
IMPL(t_search_files)
IMPL(t_get_file_info)
IMPL(t_list_allowed_directories)

typedef struct job {
    uv_work_t work;
    mcp_call_t *call;
    const json_t *args;
    const impl_t *impl;
    pthread_mutex_t lock;
    bool in_handler; /* dispatch() is still inside the ask */
    bool answered;   /* the callback ran while dispatch() was inside the ask */
    int status;      /* of the roots request */
    roots_t *roots;  /* the client's, or NULL for the command line's */
    int rc;
} job_t;

static int run_with(mcp_call_t *call, const json_t *args, const impl_t *impl, roots_t *client)
{
    roots_t *roots = client ? client : sandbox_acquire();
    int rc;
    if (client && roots_count(client) == 0) /* see fs_client_roots() */
        return fail(call, "Access denied - none of the client's roots lies inside the server's "
                          "allowed directories (client roots can only narrow them)");
    if (!roots) /* never configured: an empty set */
        roots = roots_new(NULL, 0, NULL, 0);
    rc = impl->fn(call, args, roots);
    if (!client)
        roots_unref(roots);
    return rc;
}

static void job_free(job_t *job)
{
    roots_unref(job->roots);
    pthread_mutex_destroy(&job->lock);
    free(job);
}

static void job_work(uv_work_t *w)
{
    job_t *job = w->data;
    job->rc = run_with(job->call, job->args, job->impl, job->roots);
}

static void job_after(uv_work_t *w, int status)
{
    job_t *job = w->data;
    (void)status;
    if (job->rc < 0)
        mcp_call_fail_new(job->call, MCP_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: %s",
                      mcp_strerror(job->rc));
    mcp_call_complete(job->call);
    job_free(job);
}

/* On the loop thread: run the job on the pool; the call completes when it is done. */
static int queue_job(job_t *job)
{
    job->work.data = job;
    if (uv_queue_work(mcp_server_loop(mcp_call_server(job->call)), &job->work, job_work,
                      job_after) != 0) {
        job_free(job);
        return MCP_EIO;
    }
    return MCP_PENDING;
}

/* The job may run: at once on this pool thread (FS_TOOL_BLOCKING), or queued from the loop. */
static int start_job(job_t *job)
{
    int rc;
    if (!FS_TOOL_BLOCKING)
        return queue_job(job);
    rc = run_with(job->call, job->args, job->impl, job->roots);
    job_free(job);
    return rc;
}

static void on_roots(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    job_t *job = ud;
    char err[512];
    bool inside;

    if (status == MCP_OK)
        job->roots = fs_client_roots(json_object_get(result, "roots"), err, sizeof err);
    pthread_mutex_lock(&job->lock);
    job->status = status;
    inside = job->in_handler;
    if (inside)
        job->answered = true;
    pthread_mutex_unlock(&job->lock);
    if (inside) /* dispatch() takes it from here */
        return;
    if (status == MCP_ERETRY) { /* 2026-07-28: the call ended asking; a retry runs anew */
        job_free(job);
        return;
    }
    if (status == MCP_ECANCELLED || status == MCP_EIO) { /* nobody waits for the answer */
        job_free(job);
        mcp_call_tool_error(call, "cancelled");
        mcp_call_complete(call);
        return;
    }
    /* The loop thread, always (the answer came in a later message). */
    if (queue_job(job) != MCP_PENDING) {
        mcp_call_fail_new(call, MCP_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: cannot queue");
        mcp_call_complete(call);
    }
}

static int dispatch(mcp_call_t *call, const json_t *args, void *ud)
{
    job_t *job = calloc(1, sizeof *job);
    int rc, status;
    bool answered;

    if (!job)
        return MCP_ENOMEM;
    job->call = call;
    job->args = args;
    job->impl = ud;
    job->in_handler = true;
    pthread_mutex_init(&job->lock, NULL);
    if (mcp_call_list_roots(call, on_roots, job) != MCP_OK) /* no roots: the command line's */
        return start_job(job);
    pthread_mutex_lock(&job->lock);
    job->in_handler = false;
    answered = job->answered;
    status = job->status;
    pthread_mutex_unlock(&job->lock);
    if (!answered)
        return MCP_PENDING; /* on_roots() owns the job now */
    if (status == MCP_ERETRY) {
        job_free(job);
        return MCP_PENDING; /* the call ends asking the client (input_required) */
    }
    if (status == MCP_ECANCELLED || status == MCP_EIO) {
        job_free(job);
        rc = mcp_call_tool_error(call, "cancelled");
        return rc;
    }
    return start_job(job);
}

/* ---- registration ------------------------------------------------------------------------- */

#define PATH_ONLY                                                           \
    "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}," \
    "\"required\":[\"path\"]}"
#define TEXT_OUT                                                               \
    "{\"type\":\"object\",\"properties\":{\"content\":{\"type\":\"string\"}}," \
    "\"required\":[\"content\"]}"
#define DISPATCH  (FS_TOOL_BLOCKING ? MCP_TOOL_BLOCKING : 0u)
#define READ      (DISPATCH | MCP_TOOL_READ_ONLY | MCP_TOOL_CLOSED_WORLD)
#define WRITE     (DISPATCH | MCP_TOOL_CLOSED_WORLD)
#define NOT_RO    "{\"readOnlyHint\":false,\"idempotentHint\":false}"
#define NOT_RO_ID "{\"readOnlyHint\":false}"

static const mcp_tool_t tools[] = {
    {.name = "read_text_file",
     .title = "Read Text File",
     .description =
         "Return a file's text. For long files pass 'head' to get only its first N lines, "
         "or 'tail' to get only its last N lines (not both); those read just the part they "
         "need. Any file is read as UTF-8 text whatever its extension. The path must lie "
         "inside one of the allowed directories.",
     .input_schema =
         "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
         "\"tail\":{\"type\":\"number\",\"description\":\"Return only the last N lines\"},"
         "\"head\":{\"type\":\"number\",\"description\":\"Return only the first N lines\"}},"
         "\"required\":[\"path\"]}",
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_read_text_file,
     .flags = READ},
    {.name = "read_media_file",
     .title = "Read Media File",
     .description =
         "Return an image or audio file as base64 data with its MIME type (other files "
         "come back as an embedded binary resource). The path must lie inside one of the "
         "allowed directories.",
     .input_schema = PATH_ONLY,
     .handler = dispatch,
     .userdata = (void *)&impl_t_read_media_file,
     .flags = READ},
    {.name = "read_multiple_files",
     .title = "Read Multiple Files",
     .description =
         "Read several files in one call and return them together, each under its path and "
         "separated by '---'. A file that cannot be read reports its error in place and "
         "does not stop the others. Every path must lie inside one of the allowed "
         "directories.",
     .input_schema =
         "{\"type\":\"object\",\"properties\":{\"paths\":{\"type\":\"array\",\"items\":"
         "{\"type\":\"string\"},\"minItems\":1,\"description\":\"Files to read, each inside "
         "the allowed directories\"}},"
         "\"required\":[\"paths\"]}",
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_read_multiple_files,
     .flags = READ},
    {.name = "write_file",
     .title = "Write File",
     .description =
         "Write text to a file, creating it or replacing all of its contents. An existing "
         "file is overwritten without asking, so check first when that matters. The path "
         "must lie inside one of the allowed directories.",
     .input_schema = "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
                     "\"content\":{\"type\":\"string\"}},\"required\":[\"path\",\"content\"]}",
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_write_file,
     .flags = WRITE | MCP_TOOL_DESTRUCTIVE | MCP_TOOL_IDEMPOTENT,
     .annotations = NOT_RO_ID},
    {.name = "edit_file",
     .title = "Edit File",
     .description =
         "Change a text file by replacing text: each edit's oldText must match the file "
         "exactly (or line by line, ignoring indentation) and is replaced by newText, in "
         "order. Returns the change as a unified diff; with dryRun the file is left "
         "untouched and only the diff is returned. The path must lie inside one of the "
         "allowed directories.",
     .input_schema =
         "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
         "\"edits\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":"
         "{\"oldText\":{\"type\":\"string\",\"description\":\"Text to find (exact match)\"},"
         "\"newText\":{\"type\":\"string\",\"description\":\"Text to put in its place\"}},"
         "\"required\":[\"oldText\",\"newText\"]}},"
         "\"dryRun\":{\"type\":\"boolean\",\"default\":false,\"description\":\"Only return "
         "the diff; leave the file unchanged\"}},\"required\":[\"path\",\"edits\"]}",
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_edit_file,
     .flags = WRITE | MCP_TOOL_DESTRUCTIVE,
     .annotations = NOT_RO},
    {.name = "create_directory",
     .title = "Create Directory",
     .description = "Make a directory, including any missing parent directories. Succeeds without "
                    "change when the directory already exists. The path must lie inside one of the "
                    "allowed directories.",
     .input_schema = PATH_ONLY,
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_create_directory,
     .flags = WRITE | MCP_TOOL_NOT_DESTRUCTIVE | MCP_TOOL_IDEMPOTENT,
     .annotations = NOT_RO_ID},
    {.name = "list_directory",
     .title = "List Directory",
     .description =
         "List the entries of a directory, one per line, each marked [DIR] or [FILE]. The "
         "path must lie inside one of the allowed directories.",
     .input_schema = PATH_ONLY,
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_list_directory,
     .flags = READ},
    {.name = "list_directory_with_sizes",
     .title = "List Directory with Sizes",
     .description =
         "List the entries of a directory with file sizes, marked [DIR] or [FILE], sorted "
         "by name or by size, followed by totals. The path must lie inside one of the "
         "allowed directories.",
     .input_schema =
         "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
         "\"sortBy\":{\"type\":\"string\",\"enum\":[\"name\",\"size\"],\"default\":\"name\","
         "\"description\":\"Order of the entries: by name, or largest "
         "first\"}},\"required\":[\"path\"]}",
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_list_directory_with_sizes,
     .flags = READ},
    {.name = "directory_tree",
     .title = "Directory Tree",
     .description =
         "Return the whole tree below a directory as indented JSON: an array of entries "
         "with 'name' and 'type' ('file' or 'directory'); directories also have a "
         "'children' array, possibly empty. excludePatterns (globs, or plain names) leave "
         "matching entries out. The path must lie inside one of the allowed directories.",
     .input_schema = "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
                     "\"excludePatterns\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},"
                     "\"default\":[]}},\"required\":[\"path\"]}",
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_directory_tree,
     .flags = READ},
    {.name = "move_file",
     .title = "Move File",
     .description =
         "Move or rename a file or directory. Fails when something already exists at the "
         "destination. Source and destination must both lie inside the allowed "
         "directories.",
     .input_schema = "{\"type\":\"object\",\"properties\":{\"source\":{\"type\":\"string\"},"
                     "\"destination\":{\"type\":\"string\"}},"
                     "\"required\":[\"source\",\"destination\"]}",
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_move_file,
     .flags = WRITE | MCP_TOOL_NOT_DESTRUCTIVE,
     .annotations = NOT_RO},
    {.name = "search_files",
     .title = "Search Files",
     .description =
         "Find files and directories below a path whose path relative to it matches a glob "
         "pattern: '*.c' matches at the top level only, '**/*.c' at any depth. "
         "excludePatterns (globs) skip entries and whole subtrees. Returns the full path "
         "of each match, one per line. Searches only inside the allowed directories.",
     .input_schema =
         "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
         "\"pattern\":{\"type\":\"string\"},\"excludePatterns\":{\"type\":\"array\","
         "\"items\":{\"type\":\"string\"},\"default\":[]}},\"required\":[\"path\",\"pattern\"]}",
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_search_files,
     .flags = READ},
    {.name = "get_file_info",
     .title = "Get File Info",
     .description = "Return metadata of a file or directory without reading it: size, creation, "
                    "modification and access times, whether it is a directory or a file, and its "
                    "permission bits. The path must lie inside one of the allowed directories.",
     .input_schema = PATH_ONLY,
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_get_file_info,
     .flags = READ},
    {.name = "list_allowed_directories",
     .title = "List Allowed Directories",
     .description =
         "List the directories this server may access (everything below them is accessible "
         "too). Call it first to learn where paths may point.",
     .output_schema = TEXT_OUT,
     .handler = dispatch,
     .userdata = (void *)&impl_t_list_allowed_directories,
     .flags = READ},
};

int fs_register_tools(mcp_server_t *srv, mcp_error_t *err)
{
    size_t i;
    for (i = 0; i < sizeof tools / sizeof *tools; i++) {
        int rc = mcp_server_add_tool(srv, &tools[i], err);
        if (rc != MCP_OK)
            return rc;
    }
    return MCP_OK;
}
