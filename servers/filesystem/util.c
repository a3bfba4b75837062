/*
 * mcp-filesystem: small helpers. Growable buffers, UTF-8 repair, and the reference server's
 * number, date and error formats (so results read the same as the reference server's).
 */
#include "fs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffers ------------------------------------------------------------------------------ */

static bool buf_grow(buf_t *b, size_t extra)
{
    size_t want;
    char *p;
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    want = b->cap ? b->cap : 256;
    while (want < b->len + extra + 1) {
        if (want > ((size_t)-1) / 2) {
            b->oom = true;
            return false;
        }
        want *= 2;
    }
    if (!(p = realloc(b->data, want))) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = want;
    return true;
}

void buf_add(buf_t *b, const void *data, size_t len)
{
    if (!len || !buf_grow(b, len))
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void buf_adds(buf_t *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addc(buf_t *b, char c)
{
    buf_add(b, &c, 1);
}

void buf_addf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !buf_grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *buf_str(buf_t *b)
{
    if (!buf_grow(b, 0))
        return NULL;
    b->data[b->len] = '\0';
    return b->data;
}

void buf_free(buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- UTF-8 -------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not valid there. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

/* Bytes at s that start a valid sequence but stop short of completing it (at least 1). */
static size_t utf8_prefix(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xbf;
    size_t need, k;
    if (c >= 0xc2 && c <= 0xdf)
        need = 2;
    else if (c >= 0xe0 && c <= 0xef)
        need = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 4;
    else
        return 1;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    for (k = 1; k < need && k < n; k++) {
        if (s[k] < (k == 1 ? lo : 0x80) || s[k] > (k == 1 ? hi : 0xbf))
            break;
    }
    return k;
}

char *utf8_repair(const char *s, size_t len, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)s;
    buf_t b = {0};
    size_t i = 0, start = 0;

    while (i < len) {
        size_t k = utf8_seq(p + i, len - i);
        if (k) {
            i += k;
            continue;
        }
        /* One U+FFFD for the longest prefix of a valid sequence (the WHATWG decoder's rule,
         * which Node follows), or for a single bad byte. */
        buf_add(&b, s + start, i - start);
        buf_add(&b, "\xef\xbf\xbd", 3);
        i += utf8_prefix(p + i, len - i);
        start = i;
    }
    if (start == 0) { /* valid already: one copy */
        char *c = malloc(len + 1);
        if (c) {
            memcpy(c, s, len);
            c[len] = '\0';
            *out_len = len;
        }
        return c;
    }
    buf_add(&b, s + start, len - start);
    if (!buf_str(&b)) {
        buf_free(&b);
        return NULL;
    }
    *out_len = b.len;
    return b.data;
}

/* ---- formats ------------------------------------------------------------------------------ */

void format_size(char *out, size_t size, long long bytes)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)bytes;
    int i = 0;
    if (bytes <= 0) {
        snprintf(out, size, "0 B");
        return;
    }
    while (i < 4 && v >= 1024.0) {
        v /= 1024.0;
        i++;
    }
    if (i == 0)
        snprintf(out, size, "%lld B", bytes);
    else
        snprintf(out, size, "%.2f %s", v, units[i]);
}

void format_js_date(char *out, size_t size, time_t t)
{
    struct tm tm;
    char when[64], zone[16], abbr[64];
    const char *name;

    if (!localtime_r(&t, &tm)) {
        snprintf(out, size, "Invalid Date");
        return;
    }
    strftime(when, sizeof when, "%a %b %d %Y %H:%M:%S", &tm);
    strftime(zone, sizeof zone, "%z", &tm); /* +0100 */
    strftime(abbr, sizeof abbr, "%Z", &tm);
    /* JavaScript prints the zone's long name; the C library knows only the abbreviation. */
    name =
        strcmp(abbr, "UTC") == 0 || strcmp(abbr, "GMT") == 0 ? "Coordinated Universal Time" : abbr;
    snprintf(out, size, "%s GMT%s (%s)", when, zone, name);
}

void errno_text(char *out, size_t size, int err, const char *syscall, const char *path)
{
    static const struct {
        int err;
        const char *code, *text;
    } map[] = {
        {ENOENT, "ENOENT", "no such file or directory"},
        {EACCES, "EACCES", "permission denied"},
        {EPERM, "EPERM", "operation not permitted"},
        {EEXIST, "EEXIST", "file already exists"},
        {ENOTDIR, "ENOTDIR", "not a directory"},
        {EISDIR, "EISDIR", "illegal operation on a directory"},
        {ELOOP, "ELOOP", "too many symbolic links encountered"},
        {ENOTEMPTY, "ENOTEMPTY", "directory not empty"},
        {EXDEV, "EXDEV", "cross-device link not permitted"},
        {ENOSPC, "ENOSPC", "no space left on device"},
        {EROFS, "EROFS", "read-only file system"},
        {ENAMETOOLONG, "ENAMETOOLONG", "name too long"},
        {EINVAL, "EINVAL", "invalid argument"},
        {EBUSY, "EBUSY", "resource busy or locked"},
        {EFBIG, "EFBIG", "file too large"},
        {EMFILE, "EMFILE", "too many open files"},
        {ENOMEM, "ENOMEM", "not enough memory"},
        {EIO, "EIO", "i/o error"},
    };
    size_t i;
    for (i = 0; i < sizeof map / sizeof *map; i++)
        if (map[i].err == err) {
            snprintf(out, size, "%s: %s, %s '%s'", map[i].code, map[i].text, syscall, path);
            return;
        }
    snprintf(out, size, "E%d: %s, %s '%s'", err, strerror(err), syscall, path);
}
