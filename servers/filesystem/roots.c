/*
 * mcp-filesystem: client roots.
 *
 * When the client declares the `roots` capability, the reference server asks it for its roots
 * (roots/list) after initialisation and whenever notifications/roots/list_changed arrives, and
 * the directories among them replace the allowed directories given on the command line. Here
 * they only narrow them (the sandbox is the intersection), so a client cannot reach beyond what
 * the operator allowed; --allow-client-roots (fs_allow_client_roots) restores the replacement,
 * and without directories on the command line the client's roots are the sandbox.
 *
 * This file turns a roots/list result into a set of allowed directories. tools.c asks for the
 * roots at each call of a client that offers them and runs the call with that set (see
 * dispatch() there); fs_roots_apply() instead replaces the process-wide set.
 */
#include "fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool fs_allow_client_roots;

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *fs_path_from_file_uri(const char *uri)
{
    const char *p;
    char *out, *w;
    if (!uri || strncmp(uri, "file://", 7) != 0)
        return NULL;
    p = uri + 7;
    if (strncmp(p, "localhost/", 10) == 0) /* file://localhost/x */
        p += 9;
    if (*p != '/') /* another host: not ours */
        return NULL;
    if (!(out = w = malloc(strlen(p) + 1)))
        return NULL;
    for (; *p && *p != '?' && *p != '#'; p++) {
        if (*p == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            char c = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            if (c == '\0') { /* an embedded NUL cannot be a path */
                free(out);
                return NULL;
            }
            *w++ = c;
            p += 2;
        } else {
            *w++ = *p;
        }
    }
    *w = '\0';
    return out;
}

roots_t *fs_roots_from_list(const json_t *roots, char *err, size_t err_size)
{
    const char **dirs;
    size_t i, n = 0;
    const json_t *r;
    roots_t *set = NULL;

    if (!json_is_array(roots)) {
        snprintf(err, err_size, "roots: expected an array");
        return NULL;
    }
    if (!(dirs = calloc(json_array_size(roots) + 1, sizeof *dirs))) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    /* Keep every root that is a usable local directory; skip the others, as the reference
     * server does. */
    json_array_foreach(roots, i, r)
    {
        char *path = fs_path_from_file_uri(json_string_value(json_object_get(r, "uri")));
        roots_t *one;
        char why[512];
        if (!path)
            continue;
        if ((one = roots_new((const char *const *)&path, 1, why, sizeof why))) {
            roots_unref(one);
            dirs[n++] = path;
        } else {
            free(path);
        }
    }
    if (n)
        set = roots_new(dirs, n, err, err_size);
    else
        snprintf(err, err_size, "no valid root directories provided by the client");
    for (i = 0; i < n; i++)
        free((char *)dirs[i]);
    free(dirs);
    return set;
}

/* Is the real path `path` the real path `dir` or below it? */
static bool path_within(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (strcmp(dir, "/") == 0)
        return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

roots_t *fs_roots_within(roots_t *client, const roots_t *allowed, char *err, size_t err_size)
{
    size_t nc = roots_count(client), na = roots_count(allowed), i, j, n = 0;
    const char **keep = calloc(nc * na + 1, sizeof *keep);
    roots_t *set = NULL;

    if (!keep) {
        snprintf(err, err_size, "out of memory");
        roots_unref(client);
        return NULL;
    }
    /* Both sets hold real paths, so "inside" is a prefix test. A client root inside an allowed
     * directory is kept; an allowed directory inside a client root is kept instead. */
    for (i = 0; i < nc; i++) {
        const char *c = roots_path(client, i);
        for (j = 0; j < na; j++) {
            const char *d = roots_path(allowed, j);
            if (path_within(c, d)) {
                keep[n++] = c;
                break;
            }
            if (path_within(d, c))
                keep[n++] = d;
        }
    }
    set = roots_new(keep, n, err, err_size); /* drops duplicates */
    free(keep);
    roots_unref(client);
    return set;
}

roots_t *fs_client_roots(const json_t *roots, char *err, size_t err_size)
{
    roots_t *set = fs_roots_from_list(roots, err, err_size), *cmdline;
    if (!set || fs_allow_client_roots)
        return set;
    cmdline = sandbox_acquire();
    if (cmdline && roots_count(cmdline) > 0)
        set = fs_roots_within(set, cmdline, err, err_size);
    roots_unref(cmdline);
    return set;
}

int fs_roots_apply(const json_t *roots, char *err, size_t err_size)
{
    roots_t *set = fs_roots_from_list(roots, err, err_size);
    if (!set)
        return -1;
    sandbox_replace(set);
    return 0;
}
