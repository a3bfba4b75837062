/*
 * mcp install CLIENT NAME [--env K=V]... [--config FILE] (-- COMMAND ARGS... | --url URL)
 *
 * Adds (or replaces) the server NAME in the configuration file of an MCP client, in the format
 * that client documents, keeping every other entry and setting:
 *
 *   claude-desktop  $XDG_CONFIG_HOME/Claude/claude_desktop_config.json (macOS: ~/Library/
 *                   Application Support/Claude/...): mcpServers.NAME = {command, args, env};
 *                   a --url server goes through `npx -y mcp-remote URL` (the file has no URL form)
 *   claude-code     ~/.claude.json (user scope): mcpServers.NAME = {type: "stdio", command, args,
 *                   env} or {type: "http", url}
 *   cursor          ~/.cursor/mcp.json: mcpServers.NAME = {command, args, env} or {url}
 *   gemini-cli      ~/.gemini/settings.json: mcpServers.NAME = {command, args, env} or {httpUrl}
 *   codex           $CODEX_HOME/config.toml (default ~/.codex): a [mcp_servers.NAME] table with
 *                   command, args, env (inline table) or url
 *   vscode          $XDG_CONFIG_HOME/Code/User/mcp.json (macOS: ~/Library/Application Support/
 *                   Code/User/mcp.json): servers.NAME = {type: "stdio", command, args, env} or
 *                   {type: "http", url}
 *
 * A missing file (and its folder) is created. An existing one is first copied to FILE.bak, then
 * replaced atomically (a temporary file renamed over it, its mode kept). Running the same
 * install twice changes nothing the second time. A file that is a symlink, is not writable (or
 * read-only by its mode), is not JSON (not TOML for codex), or whose top level or server table
 * is not an object, is refused with a message and left as it was.
 */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INSTALL_USAGE                                                                             \
    "mcp install CLIENT NAME [--env K=V]... [--config FILE] (-- COMMAND ARGS... | --url URL)\n" \
    "  CLIENT: claude-desktop, claude-code, cursor, gemini-cli, codex, vscode"
#define MAX_CONFIG_BYTES (16u << 20)

typedef enum { FMT_JSON, FMT_TOML } cfg_format;

typedef struct client_def {
    const char *name;
    cfg_format format;
    const char *servers_key; /* JSON: the object holding the servers */
} client_def;

static const client_def clients[] = {
    {"claude-desktop", FMT_JSON, "mcpServers"}, {"claude-code", FMT_JSON, "mcpServers"},
    {"cursor", FMT_JSON, "mcpServers"},         {"gemini-cli", FMT_JSON, "mcpServers"},
    {"codex", FMT_TOML, "mcp_servers"},         {"vscode", FMT_JSON, "servers"},
};

typedef struct install_req {
    const client_def *client;
    const char *name;
    const char *url;
    char **argv; /* COMMAND ARGS..., NULL-terminated */
    int argc;
    const char *env[64]; /* "K=V" */
    int nenv;
    char command[PATH_MAX]; /* argv[0], absolute when it names a file */
} install_req;

/* ---- where each client keeps its file -------------------------------------------------------- */

static int config_path(const client_def *c, char *out, size_t n)
{
    const char *home = getenv("HOME");
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *codex = getenv("CODEX_HOME");
    char base[PATH_MAX];
    int r;
    if (!home || !*home) {
        fprintf(stderr, "mcp install: HOME is not set\n");
        return -1;
    }
#ifdef __APPLE__
    snprintf(base, sizeof base, "%s/Library/Application Support", home);
    (void)xdg;
#else
    if (xdg && xdg[0] == '/')
        snprintf(base, sizeof base, "%s", xdg);
    else
        snprintf(base, sizeof base, "%s/.config", home);
#endif
    if (strcmp(c->name, "claude-desktop") == 0)
        r = snprintf(out, n, "%s/Claude/claude_desktop_config.json", base);
    else if (strcmp(c->name, "claude-code") == 0)
        r = snprintf(out, n, "%s/.claude.json", home);
    else if (strcmp(c->name, "cursor") == 0)
        r = snprintf(out, n, "%s/.cursor/mcp.json", home);
    else if (strcmp(c->name, "gemini-cli") == 0)
        r = snprintf(out, n, "%s/.gemini/settings.json", home);
    else if (strcmp(c->name, "codex") == 0)
        r = codex && *codex ? snprintf(out, n, "%s/config.toml", codex)
                            : snprintf(out, n, "%s/.codex/config.toml", home);
    else
        r = snprintf(out, n, "%s/Code/User/mcp.json", base);
    if (r < 0 || (size_t)r >= n) {
        fprintf(stderr, "mcp install: the configuration path is too long\n");
        return -1;
    }
    return 0;
}

/* ---- reading and writing the file safely ---------------------------------------------------- */

/* Check the file may be edited and read it (NULL data and 0 length when it does not exist).
 * Prints why and returns -1 when it must be left alone. */
static int read_config(const char *path, char **data, size_t *len, mode_t *mode)
{
    struct stat st;
    FILE *f;
    *data = NULL;
    *len = 0;
    *mode = 0600;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "mcp install: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (S_ISLNK(st.st_mode)) {
        fprintf(stderr,
                "mcp install: %s is a symbolic link; not changing it (edit the file it points "
                "to, or replace the link with a file)\n",
                path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "mcp install: %s is not a regular file; not changing it\n", path);
        return -1;
    }
    if (!(st.st_mode & 0222) || access(path, W_OK) != 0) {
        fprintf(stderr, "mcp install: %s is not writable (mode %03o); not changing it\n", path,
                (unsigned)(st.st_mode & 0777));
        return -1;
    }
    if ((unsigned long long)st.st_size > MAX_CONFIG_BYTES) {
        fprintf(stderr, "mcp install: %s is over %u bytes; not changing it\n", path,
                MAX_CONFIG_BYTES);
        return -1;
    }
    *mode = st.st_mode & 07777;
    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mcp install: %s: %s\n", path, strerror(errno));
        return -1;
    }
    *data = malloc((size_t)st.st_size + 1);
    if (!*data) {
        fclose(f);
        return -1;
    }
    *len = fread(*data, 1, (size_t)st.st_size, f);
    (*data)[*len] = '\0';
    if (ferror(f) || *len != (size_t)st.st_size) {
        fprintf(stderr, "mcp install: %s: read error\n", path);
        fclose(f);
        free(*data);
        *data = NULL;
        return -1;
    }
    fclose(f);
    return 1;
}

/* mkdir -p of the folder holding `path`. */
static int make_parent(const char *path)
{
    char dir[PATH_MAX];
    char *p;
    snprintf(dir, sizeof dir, "%s", path);
    p = strrchr(dir, '/');
    if (!p || p == dir)
        return 0;
    *p = '\0';
    for (p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    return access(dir, W_OK);
}

static int write_file(const char *path, const char *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
    size_t off = 0;
    if (fd < 0)
        return -1;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    if (fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/* Keep the old contents in FILE.bak, then put the new ones in place with a rename, so a reader
 * (or a crash) sees the old file or the new one, never half of one. */
static int replace_config(const char *path, const char *old, size_t old_len, const char *data,
                          size_t len, mode_t mode)
{
    char tmp[PATH_MAX + 16], bak[PATH_MAX + 8];
    if (make_parent(path) != 0) {
        fprintf(stderr, "mcp install: cannot create or write the folder of %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    if (old) {
        snprintf(bak, sizeof bak, "%s.bak", path);
        unlink(bak); /* never write through a symlink planted there */
        if (write_file(bak, old, old_len, mode) != 0) {
            fprintf(stderr, "mcp install: cannot write the backup %s: %s; nothing changed\n", bak,
                    strerror(errno));
            return -1;
        }
    }
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    unlink(tmp);
    if (write_file(tmp, data, len, mode) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "mcp install: cannot write %s: %s; nothing changed\n", path,
                strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---- JSON clients --------------------------------------------------------------------------- */

/* The entry for NAME, as its client documents it. A new reference. */
static json_t *json_entry(const install_req *r)
{
    const char *client = r->client->name;
    json_t *e = json_object(), *args, *env;
    int i;
    if (!e)
        return NULL;
    if (r->url) {
        if (strcmp(client, "claude-desktop") == 0) {
            /* Its file describes local servers only: reach a remote one through mcp-remote. */
            json_object_set_new(e, "command", json_string("npx"));
            json_object_set_new(e, "args", json_pack("[sss]", "-y", "mcp-remote", r->url));
        } else if (strcmp(client, "gemini-cli") == 0) {
            json_object_set_new(e, "httpUrl", json_string(r->url));
        } else if (strcmp(client, "cursor") == 0) {
            json_object_set_new(e, "url", json_string(r->url));
        } else { /* claude-code, vscode */
            json_object_set_new(e, "type", json_string("http"));
            json_object_set_new(e, "url", json_string(r->url));
        }
        return e;
    }
    if (strcmp(client, "claude-code") == 0 || strcmp(client, "vscode") == 0)
        json_object_set_new(e, "type", json_string("stdio"));
    json_object_set_new(e, "command", json_string(r->command));
    args = json_array();
    for (i = 1; i < r->argc; i++)
        json_array_append_new(args, json_string(r->argv[i]));
    json_object_set_new(e, "args", args);
    if (r->nenv) {
        env = json_object();
        for (i = 0; i < r->nenv; i++) {
            const char *eq = strchr(r->env[i], '=');
            char key[256];
            snprintf(key, sizeof key, "%.*s", (int)(eq - r->env[i]), r->env[i]);
            json_object_set_new(env, key, json_string(eq + 1));
        }
        json_object_set_new(e, "env", env);
    }
    return e;
}

/* The new file text in *out (malloc'd), or NULL when nothing changes; -1 to refuse. */
static int json_merge(const install_req *r, const char *path, const char *old, size_t old_len,
                      char **out)
{
    json_t *root, *servers, *entry;
    json_error_t jerr;
    int rc = -1;
    *out = NULL;
    if (!old || strspn(old, " \t\r\n") == old_len) {
        root = json_object();
    } else {
        root = json_loadb(old, old_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
            fprintf(stderr,
                    "mcp install: %s is not valid JSON (line %d, column %d: %s); not changing "
                    "it\n",
                    path, jerr.line, jerr.column, jerr.text);
            return -1;
        }
    }
    if (!json_is_object(root)) {
        fprintf(stderr, "mcp install: %s does not hold a JSON object; not changing it\n", path);
        goto done;
    }
    servers = json_object_get(root, r->client->servers_key);
    if (!servers) {
        servers = json_object();
        json_object_set_new(root, r->client->servers_key, servers);
    } else if (!json_is_object(servers)) {
        fprintf(stderr, "mcp install: in %s, \"%s\" is not an object; not changing it\n", path,
                r->client->servers_key);
        goto done;
    }
    entry = json_entry(r);
    if (!entry)
        goto done;
    if (json_equal(json_object_get(servers, r->name), entry)) {
        json_decref(entry);
        rc = 0; /* already there: idempotent */
        goto done;
    }
    json_object_set_new(servers, r->name, entry);
    {
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        size_t n = text ? strlen(text) : 0;
        if (!text)
            goto done;
        *out = malloc(n + 2);
        if (*out) {
            memcpy(*out, text, n);
            (*out)[n] = '\n';
            (*out)[n + 1] = '\0';
            rc = 0;
        }
        free(text);
    }
done:
    json_decref(root);
    return rc;
}

/* ---- TOML (codex) --------------------------------------------------------------------------- */
/*
 * Not a TOML library: a scanner that finds the logical lines of the file (strings, multi-line
 * strings, arrays and inline tables spanning lines are followed), checks each is a table header
 * or a `key = value`, and gives the key path of each header. That is enough to refuse what is not
 * TOML, to replace the tables of [mcp_servers.NAME] and to keep every other byte as it was.
 */

typedef struct toml_line {
    size_t start, end; /* [start, end) including the newline */
    int header;        /* a [table] or [[array]] header */
    char key0[128], key1[128];
    int nkeys;
} toml_line;

/* Parse a dotted key at *p (bare or quoted parts); the first two parts go to k0, k1. Returns the
 * number of parts, -1 when it is not a key. */
static int toml_key(const char **p, const char *end, char *k0, char *k1)
{
    int n = 0;
    for (;;) {
        char part[128];
        size_t len = 0;
        while (*p < end && (**p == ' ' || **p == '\t'))
            (*p)++;
        if (*p < end && (**p == '"' || **p == '\'')) {
            char q = *(*p)++;
            while (*p < end && **p != q && **p != '\n') {
                if (q == '"' && **p == '\\' && *p + 1 < end)
                    (*p)++;
                if (len + 1 < sizeof part)
                    part[len++] = **p;
                (*p)++;
            }
            if (*p >= end || **p != q)
                return -1;
            (*p)++;
        } else {
            while (*p < end && ((**p >= 'A' && **p <= 'Z') || (**p >= 'a' && **p <= 'z') ||
                                (**p >= '0' && **p <= '9') || **p == '_' || **p == '-')) {
                if (len + 1 < sizeof part)
                    part[len++] = **p;
                (*p)++;
            }
            if (len == 0)
                return -1;
        }
        part[len] = '\0';
        if (n == 0)
            snprintf(k0, 128, "%s", part);
        else if (n == 1)
            snprintf(k1, 128, "%s", part);
        n++;
        while (*p < end && (**p == ' ' || **p == '\t'))
            (*p)++;
        if (*p < end && **p == '.') {
            (*p)++;
            continue;
        }
        return n;
    }
}

/* Split `s` into logical lines; -1 (with the line number in *bad) when it is not TOML. */
static int toml_scan(const char *s, size_t len, toml_line **out, size_t *nout, int *bad)
{
    size_t i = 0, cap = 64, n = 0;
    int lineno = 1;
    toml_line *lines = malloc(cap * sizeof *lines);
    if (!lines)
        return -1;
    while (i < len) {
        size_t start = i;
        int depth = 0, first_line = lineno;
        toml_line *L;
        const char *p, *e;
        /* to the end of the logical line: a newline outside strings, arrays, inline tables */
        while (i < len) {
            char ch = s[i];
            if (ch == '\n') {
                lineno++;
                i++;
                if (depth == 0)
                    break;
                continue;
            }
            if (ch == '#') {
                while (i < len && s[i] != '\n')
                    i++;
                continue;
            }
            if (ch == '"' || ch == '\'') {
                int ml = i + 2 < len && s[i + 1] == ch && s[i + 2] == ch;
                i += ml ? 3 : 1;
                for (;;) {
                    if (i >= len) {
                        *bad = first_line;
                        free(lines);
                        return -1; /* unterminated string */
                    }
                    if (ch == '"' && s[i] == '\\') {
                        i += 2;
                        continue;
                    }
                    if (s[i] == '\n') {
                        if (!ml) {
                            *bad = lineno;
                            free(lines);
                            return -1;
                        }
                        lineno++;
                    }
                    if (s[i] == ch && (!ml || (i + 2 < len && s[i + 1] == ch && s[i + 2] == ch))) {
                        i += ml ? 3 : 1;
                        while (ml && i < len && s[i] == ch) /* """a"""" ends with a quote */
                            i++;
                        break;
                    }
                    i++;
                }
                continue;
            }
            if (ch == '[' || ch == '{')
                depth++;
            else if (ch == ']' || ch == '}')
                depth--;
            if (depth < 0) {
                *bad = lineno;
                free(lines);
                return -1;
            }
            i++;
        }
        if (n == cap) {
            toml_line *grown = realloc(lines, 2 * cap * sizeof *lines);
            if (!grown) {
                free(lines);
                return -1;
            }
            lines = grown;
            cap *= 2;
        }
        L = &lines[n++];
        memset(L, 0, sizeof *L);
        L->start = start;
        L->end = i;
        p = s + start;
        e = s + i;
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        if (p == e || *p == '\n' || *p == '#')
            continue; /* blank or comment */
        if (*p == '[') {
            int arr = p + 1 < e && p[1] == '[';
            p += arr ? 2 : 1;
            L->header = 1;
            L->nkeys = toml_key(&p, e, L->key0, L->key1);
            if (L->nkeys < 0 || p >= e || *p != ']' || (arr && (p + 1 >= e || p[1] != ']'))) {
                *bad = first_line;
                free(lines);
                return -1;
            }
            p += arr ? 2 : 1;
        } else {
            L->nkeys = toml_key(&p, e, L->key0, L->key1);
            if (L->nkeys < 0 || p >= e || *p != '=') {
                *bad = first_line;
                free(lines);
                return -1;
            }
            p++;
            while (p < e && (*p == ' ' || *p == '\t'))
                p++;
            if (p >= e || *p == '\n' || *p == '#' || *p == '\r') {
                *bad = first_line; /* a key with no value */
                free(lines);
                return -1;
            }
            continue;
        }
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
            p++;
        if (p < e && *p != '\n' && *p != '#') {
            *bad = first_line; /* text after a header */
            free(lines);
            return -1;
        }
    }
    *out = lines;
    *nout = n;
    return 0;
}

static void toml_string(char *out, size_t n, const char *s)
{
    size_t o = 0;
    out[o++] = '"';
    for (; *s && o + 8 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else if (ch == '\t') {
            out[o++] = '\\';
            out[o++] = 't';
        } else if (ch < 0x20 || ch == 0x7f) {
            o += (size_t)snprintf(out + o, n - o, "\\u%04x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* Append printf-style text to a growing buffer. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void toml_block(sbuf *b, const install_req *r)
{
    char q[PATH_MAX * 2 + 16];
    int i;
    sb_str(b, "[mcp_servers.");
    sb_str(b, r->name);
    sb_str(b, "]\n");
    if (r->url) {
        toml_string(q, sizeof q, r->url);
        sb_str(b, "url = ");
        sb_str(b, q);
        sb_str(b, "\n");
        return;
    }
    toml_string(q, sizeof q, r->command);
    sb_str(b, "command = ");
    sb_str(b, q);
    sb_str(b, "\nargs = [");
    for (i = 1; i < r->argc; i++) {
        toml_string(q, sizeof q, r->argv[i]);
        sb_str(b, i > 1 ? ", " : "");
        sb_str(b, q);
    }
    sb_str(b, "]\n");
    if (r->nenv) {
        sb_str(b, "env = { ");
        for (i = 0; i < r->nenv; i++) {
            const char *eq = strchr(r->env[i], '=');
            char key[256];
            snprintf(key, sizeof key, "%.*s", (int)(eq - r->env[i]), r->env[i]);
            toml_string(q, sizeof q, key);
            sb_str(b, i ? ", " : "");
            sb_str(b, q);
            sb_str(b, " = ");
            toml_string(q, sizeof q, eq + 1);
            sb_str(b, q);
        }
        sb_str(b, " }\n");
    }
}

static int toml_merge(const install_req *r, const char *path, const char *old, size_t old_len,
                      char **out)
{
    toml_line *lines = NULL;
    size_t n = 0, k, at = (size_t)-1;
    int bad = 0, ours = 0, in_servers = 0;
    sbuf b = {0}, block = {0};
    *out = NULL;
    if (old && toml_scan(old, old_len, &lines, &n, &bad) != 0) {
        fprintf(stderr, "mcp install: %s is not valid TOML (line %d); not changing it\n", path,
                bad);
        return -1;
    }
    toml_block(&block, r);
    /* Keep every line except the tables [mcp_servers.NAME] and [mcp_servers.NAME.*]. A key that
     * defines the server another way (dotted keys, an inline table) is refused: replacing a
     * table beside it would define the server twice. */
    for (k = 0; k < n; k++) {
        toml_line *L = &lines[k];
        if (L->header) {
            ours = L->nkeys >= 2 && strcmp(L->key0, "mcp_servers") == 0 &&
                   strcmp(L->key1, r->name) == 0;
            in_servers = L->nkeys == 1 && strcmp(L->key0, "mcp_servers") == 0;
            if (ours && at == (size_t)-1)
                at = b.len;
        } else if (!ours && L->nkeys > 0 &&
                   ((in_servers && strcmp(L->key0, r->name) == 0) ||
                    (L->nkeys >= 2 && strcmp(L->key0, "mcp_servers") == 0 &&
                     strcmp(L->key1, r->name) == 0))) {
            fprintf(stderr,
                    "mcp install: %s defines mcp_servers.%s with dotted keys or an inline table; "
                    "not changing it (edit it by hand)\n",
                    path, r->name);
            free(lines);
            free(block.p);
            free(b.p);
            return -1;
        }
        if (!ours)
            sb_add(&b, old + L->start, L->end - L->start);
    }
    if (at == (size_t)-1) { /* a new table, at the end after a blank line */
        if (b.len && b.p[b.len - 1] != '\n')
            sb_str(&b, "\n");
        if (b.len && !(b.len >= 2 && b.p[b.len - 1] == '\n' && b.p[b.len - 2] == '\n'))
            sb_str(&b, "\n");
        sb_add(&b, block.p, block.len);
    } else { /* where the old one was */
        sbuf merged = {0};
        sb_add(&merged, b.p, at);
        sb_add(&merged, block.p, block.len);
        if (at < b.len) {
            sb_str(&merged, "\n");
            sb_add(&merged, b.p + at, b.len - at);
        }
        free(b.p);
        b = merged;
    }
    free(lines);
    free(block.p);
    if (b.failed) {
        free(b.p);
        return -1;
    }
    if (old && b.len == old_len && memcmp(b.p, old, old_len) == 0) {
        free(b.p); /* already there: idempotent */
        return 0;
    }
    *out = b.p;
    return 0;
}

/* ---- the command ---------------------------------------------------------------------------- */

static int install_usage(const char *why)
{
    fprintf(stderr, "mcp install: %s\nusage: %s\n", why, INSTALL_USAGE);
    return MCP_EXIT_USAGE;
}

static int valid_name(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

int mcp_cmd_install(int argc, char **argv)
{
    install_req r;
    const char *config = NULL;
    char path[PATH_MAX];
    char *old = NULL, *text = NULL;
    size_t old_len = 0, i;
    mode_t mode;
    int a, rc, existed;
    memset(&r, 0, sizeof r);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: %s\n", INSTALL_USAGE);
        return MCP_EXIT_OK;
    }
    if (argc < 3)
        return install_usage("a client and a server name are needed");
    for (i = 0; i < sizeof clients / sizeof clients[0]; i++)
        if (strcmp(argv[1], clients[i].name) == 0)
            r.client = &clients[i];
    if (!r.client)
        return install_usage("unknown client");
    r.name = argv[2];
    if (!valid_name(r.name))
        return install_usage("the name must be 1-64 of A-Z a-z 0-9 _ -");
    for (a = 3; a < argc; a++) {
        if (strcmp(argv[a], "--") == 0) {
            r.argv = argv + a + 1;
            r.argc = argc - a - 1;
            break;
        } else if (strcmp(argv[a], "--env") == 0 && a + 1 < argc) {
            const char *kv = argv[++a];
            const char *eq = strchr(kv, '=');
            if (!eq || eq == kv || eq - kv > 200)
                return install_usage("--env takes KEY=VALUE");
            if (r.nenv == (int)(sizeof r.env / sizeof r.env[0]))
                return install_usage("too many --env");
            r.env[r.nenv++] = kv;
        } else if (strcmp(argv[a], "--url") == 0 && a + 1 < argc) {
            r.url = argv[++a];
        } else if (strcmp(argv[a], "--config") == 0 && a + 1 < argc) {
            config = argv[++a];
        } else {
            return install_usage("unknown option");
        }
    }
    if (!!r.url == (r.argc > 0))
        return install_usage("give either -- COMMAND ARGS... or --url URL");
    if (r.url && strncmp(r.url, "http://", 7) != 0 && strncmp(r.url, "https://", 8) != 0)
        return install_usage("--url takes an http:// or https:// URL");
    if (r.url && r.nenv)
        return install_usage("--env sets the environment of a command, not of a --url server");
    if (r.argc > 0) {
        /* A path is made absolute: the client starts the server from its own folder. */
        if (strchr(r.argv[0], '/')) {
            if (!realpath(r.argv[0], r.command)) {
                fprintf(stderr, "mcp install: %s: %s\n", r.argv[0], strerror(errno));
                return MCP_EXIT_USAGE;
            }
        } else {
            snprintf(r.command, sizeof r.command, "%s", r.argv[0]);
        }
    }
    if (config)
        snprintf(path, sizeof path, "%s", config);
    else if (config_path(r.client, path, sizeof path) != 0)
        return MCP_EXIT_USAGE;

    existed = read_config(path, &old, &old_len, &mode);
    if (existed < 0)
        return MCP_EXIT_USAGE;
    if (!existed && access(path, F_OK) != 0 && errno != ENOENT) { /* unreachable folder */
        fprintf(stderr, "mcp install: %s: %s; not changing it\n", path, strerror(errno));
        return MCP_EXIT_USAGE;
    }
    rc = r.client->format == FMT_TOML ? toml_merge(&r, path, old, old_len, &text)
                                      : json_merge(&r, path, old, old_len, &text);
    if (rc != 0) {
        free(old);
        return MCP_EXIT_USAGE;
    }
    if (!text) {
        printf("%s: '%s' is already installed in %s; nothing changed\n", r.client->name, r.name,
               path);
        free(old);
        return MCP_EXIT_OK;
    }
    rc = replace_config(path, old, old_len, text, strlen(text), mode);
    if (rc == 0) {
        if (old)
            printf("%s: installed '%s' in %s (previous file kept in %s.bak)\n", r.client->name,
                   r.name, path, path);
        else
            printf("%s: installed '%s' in %s (new file)\n", r.client->name, r.name, path);
    }
    free(old);
    free(text);
    return rc == 0 ? MCP_EXIT_OK : MCP_EXIT_CONNECTION;
}
