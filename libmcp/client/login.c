/*
 * Desktop login for OAuth (include/mcp_client.h, "Desktop login"): what an application run by a
 * person needs around mcp_client_set_oauth() — a loopback redirect listener on 127.0.0.1 that
 * answers the browser and hands the redirect to mcp_client_oauth_redirect(), a browser opener
 * (the URL always printed on stderr too), and a private per-server state file for the login.
 *
 * The listener is a tiny HTTP/1.x server on the client's loop: one GET per connection, at most
 * LOGIN_MAX_REQUEST bytes of request head, LOGIN_MAX_CONNS connections at once, each closed after
 * LOGIN_CONN_MS; the whole login is abandoned (mcp_client_oauth_redirect(c, NULL)) when the
 * browser has not come back within the timeout.
 */
#include "client.h"

#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOGIN_MAX_REQUEST 8192 /* bytes of request line + headers */
#define LOGIN_MAX_CONNS   16
#define LOGIN_CONN_MS     10000
#define LOGIN_TIMEOUT_MS  300000u
#define STATE_MAX_BYTES   (1u << 20)

typedef struct login_conn login_conn;

struct mcp_client_login {
    mcp_client_t *c;
    uv_tcp_t server;
    uv_timer_t timer; /* the browser's deadline, armed by authorize */
    int open_handles; /* freed when the last one has closed after mcp_client_login_free() */
    int freed;
    int closing; /* the listener is closing: freed, or its client went (c NULL) */
    mcp_client_login_t *next_login; /* the client's other logins (c->logins) */
    int no_browser;
    unsigned timeout_ms;
    char *browser;
    char *program;
    int port;
    char redirect_uri[64];
    login_conn *conns;
    int nconns;
};

struct login_conn {
    mcp_client_login_t *l;
    login_conn *next;
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t wr;
    int open_handles;
    int answered;
    size_t len;
    char buf[LOGIN_MAX_REQUEST + 1];
    char *reply;
};

static void login_maybe_free(mcp_client_login_t *l)
{
    if (l->open_handles == 0 && l->freed) {
        free(l->browser);
        free(l->program);
        free(l);
    }
}

static void login_release(mcp_client_login_t *l)
{
    l->open_handles--;
    login_maybe_free(l);
}

static void login_handle_closed(uv_handle_t *h)
{
    login_release(h->data);
}

/* ---- one browser connection --------------------------------------------------------------------
 */

static void conn_handle_closed(uv_handle_t *h)
{
    login_conn *k = h->data;
    if (--k->open_handles > 0)
        return;
    free(k->reply);
    login_release(k->l);
    free(k);
}

static void conn_close(login_conn *k)
{
    mcp_client_login_t *l = k->l;
    login_conn **p;
    for (p = &l->conns; *p; p = &(*p)->next)
        if (*p == k) {
            *p = k->next;
            l->nconns--;
            break;
        }
    if (!uv_is_closing((uv_handle_t *)&k->tcp))
        uv_close((uv_handle_t *)&k->tcp, conn_handle_closed);
    if (!uv_is_closing((uv_handle_t *)&k->timer))
        uv_close((uv_handle_t *)&k->timer, conn_handle_closed);
}

static void conn_written(uv_write_t *w, int status)
{
    (void)status;
    conn_close(w->data);
}

static void conn_reply(login_conn *k, int code, const char *title, const char *text)
{
    static const char page[] =
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>%s</title>"
        "</head><body><h1>%s</h1><p>%s</p></body></html>\n";
    const char *reason = code == 200   ? "OK"
                         : code == 400 ? "Bad Request"
                         : code == 404 ? "Not Found"
                         : code == 405 ? "Method Not Allowed"
                         : code == 409 ? "Conflict"
                                       : "Request Header Fields Too Large";
    size_t body = strlen(page) + 2 * strlen(title) + strlen(text);
    size_t cap = body + 256;
    int n;
    uv_buf_t b;
    k->answered = 1;
    uv_read_stop((uv_stream_t *)&k->tcp);
    k->reply = malloc(cap);
    if (!k->reply) {
        conn_close(k);
        return;
    }
    n = snprintf(k->reply, cap,
                 "HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
                 "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
                 "Connection: close\r\n\r\n",
                 code, reason);
    n += snprintf(k->reply + n, cap - (size_t)n, page, title, title, text);
    b = uv_buf_init(k->reply, (unsigned)n);
    k->wr.data = k;
    if (uv_write(&k->wr, (uv_stream_t *)&k->tcp, &b, 1, conn_written) != 0)
        conn_close(k);
}

/* A whole request head is in k->buf: answer it. */
static void conn_request(login_conn *k)
{
    mcp_client_login_t *l = k->l;
    char *target, *end, url[LOGIN_MAX_REQUEST + 64];
    int st;
    if (strncmp(k->buf, "GET ", 4) != 0) {
        conn_reply(k, 405, "Not allowed", "This address only takes the login's redirect.");
        return;
    }
    target = k->buf + 4;
    end = strpbrk(target, " \r\n");
    if (!end) {
        conn_reply(k, 400, "Bad request", "The request line is malformed.");
        return;
    }
    *end = '\0';
    if (strncmp(target, "/callback", 9) != 0 || (target[9] != '\0' && target[9] != '?')) {
        conn_reply(k, 404, "Not found", "This address only takes the login's redirect.");
        return;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", l->port, target);
    st = l->c ? mcp_client_oauth_redirect(l->c, url) : MCP_ESTATE;
    if (st == MCP_OK) {
        uv_timer_stop(&l->timer);
        if (strstr(target, "?error=") || strstr(target, "&error="))
            conn_reply(k, 200, "Login refused",
                       "The authorization server did not grant access. You may close this window "
                       "and look at the terminal.");
        else
            conn_reply(k, 200, "Logged in",
                       "The application has received the authorization. You may close this "
                       "window.");
    } else if (st == MCP_ESTATE) {
        conn_reply(k, 409, "No login waiting",
                   "The application is not waiting for a login (it has finished or given up).");
    } else {
        conn_reply(k, 400, "Not this login",
                   "This redirect does not belong to the login the application is waiting for.");
    }
}

static void conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    login_conn *k = h->data;
    (void)hint;
    *b = uv_buf_init(k->buf + k->len, (unsigned)(LOGIN_MAX_REQUEST - k->len));
}

static void conn_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    login_conn *k = s->data;
    (void)b;
    if (n < 0) {
        conn_close(k);
        return;
    }
    k->len += (size_t)n;
    k->buf[k->len] = '\0';
    if (strstr(k->buf, "\r\n\r\n") || strstr(k->buf, "\n\n"))
        conn_request(k);
    else if (k->len >= LOGIN_MAX_REQUEST)
        conn_reply(k, 431, "Request too large", "The request head is too large.");
}

static void conn_timeout(uv_timer_t *t)
{
    login_conn *k = t->data;
    conn_close(k);
}

static void on_connection(uv_stream_t *server, int status)
{
    mcp_client_login_t *l = server->data;
    login_conn *k;
    if (status < 0 || l->freed)
        return;
    k = calloc(1, sizeof *k);
    if (!k)
        return;
    k->l = l;
    k->tcp.data = k;
    k->timer.data = k;
    uv_tcp_init(server->loop, &k->tcp);
    uv_timer_init(server->loop, &k->timer);
    k->open_handles = 2;
    l->open_handles++;
    k->next = l->conns;
    l->conns = k;
    l->nconns++;
    if (uv_accept(server, (uv_stream_t *)&k->tcp) != 0 || l->nconns > LOGIN_MAX_CONNS) {
        conn_close(k);
        return;
    }
    uv_timer_start(&k->timer, conn_timeout, LOGIN_CONN_MS, 0);
    if (uv_read_start((uv_stream_t *)&k->tcp, conn_alloc, conn_read) != 0)
        conn_close(k);
}

/* ---- the login ----------------------------------------------------------------------------------
 */

static void logins_detach(mcp_client_t *c);

mcp_client_login_t *mcp_client_login_new(mcp_client_t *c, const mcp_client_login_opts_t *opts)
{
    mcp_client_login_t *l;
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int len = (int)sizeof bound, rc;
    uv_loop_t *loop;
    if (!c || (opts && (opts->port < 0 || opts->port > 65535)))
        return NULL;
    loop = mcp_client_loop(c);
    l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->c = c;
    l->timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms : LOGIN_TIMEOUT_MS;
    l->no_browser = opts ? opts->no_browser : 0;
    l->program = strdup(opts && opts->program ? opts->program : "libmcp");
    l->browser = opts && opts->browser ? strdup(opts->browser) : NULL;
    if (!l->program || (opts && opts->browser && !l->browser)) {
        free(l->program);
        free(l->browser);
        free(l);
        return NULL;
    }
    uv_tcp_init(loop, &l->server);
    uv_timer_init(loop, &l->timer);
    l->server.data = l;
    l->timer.data = l;
    l->open_handles = 2;
    uv_ip4_addr("127.0.0.1", opts ? opts->port : 0, &addr);
    rc = uv_tcp_bind(&l->server, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&l->server, 8, on_connection);
    if (rc == 0)
        rc = uv_tcp_getsockname(&l->server, (struct sockaddr *)&bound, &len);
    if (rc != 0) {
        mcp__client_set_error(c, "login: cannot listen on 127.0.0.1:%d: %s", opts ? opts->port : 0,
                              uv_strerror(rc));
        mcp_client_login_free(l);
        return NULL;
    }
    l->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    snprintf(l->redirect_uri, sizeof l->redirect_uri, "http://127.0.0.1:%d/callback", l->port);
    uv_unref((uv_handle_t *)&l->server); /* a waiting listener alone does not keep a loop alive */
    l->next_login = c->logins;
    c->logins = l;
    c->login_detach = logins_detach;
    return l;
}

const char *mcp_client_login_redirect_uri(const mcp_client_login_t *l)
{
    return l ? l->redirect_uri : NULL;
}

/* Stop listening: the connections, the listener and the timer close (once). */
static void login_close(mcp_client_login_t *l)
{
    login_conn *k;
    if (l->closing)
        return;
    l->closing = 1;
    while ((k = l->conns) != NULL)
        conn_close(k);
    uv_close((uv_handle_t *)&l->server, login_handle_closed);
    uv_close((uv_handle_t *)&l->timer, login_handle_closed);
}

/* mcp_client_free(): the client's logins let go of it and stop listening, their handles closing
 * on its loop while it still runs; each is released by its own mcp_client_login_free(). */
static void logins_detach(mcp_client_t *c)
{
    mcp_client_login_t *l;
    while ((l = c->logins) != NULL) {
        c->logins = l->next_login;
        l->next_login = NULL;
        l->c = NULL;
        login_close(l);
    }
}

void mcp_client_login_free(mcp_client_login_t *l)
{
    mcp_client_login_t **p;
    if (!l)
        return;
    for (p = l->c ? &l->c->logins : NULL; p && *p; p = &(*p)->next_login)
        if (*p == l) {
            *p = l->next_login;
            break;
        }
    l->c = NULL;
    l->freed = 1;
    login_close(l);
    login_maybe_free(l); /* its handles closed already (its client went first) */
}

static void login_timeout(uv_timer_t *t)
{
    mcp_client_login_t *l = t->data;
    fprintf(stderr, "%s: no redirect from the browser within %u ms: login abandoned\n", l->program,
            l->timeout_ms);
    if (l->c)
        mcp_client_oauth_redirect(l->c, NULL);
}

static void free_handle(uv_handle_t *h)
{
    free(h);
}

static void browser_exited(uv_process_t *p, int64_t status, int sig)
{
    (void)status;
    (void)sig;
    uv_close((uv_handle_t *)p, free_handle);
}

/* Start the browser on `url`, detached, with no stdin/stdout/stderr of ours. 0 or a uv error. */
static int open_browser(mcp_client_login_t *l, const char *url)
{
    const char *env = getenv("BROWSER");
    char *cmd = NULL;
    char *args[6];
    uv_process_options_t o;
    uv_stdio_container_t io[3];
    uv_process_t *p;
    int rc;
    if (l->browser) {
        cmd = strdup(l->browser);
    } else if (env && env[0]) {
        cmd = strdup(env);
        if (cmd && strchr(cmd, ':')) /* $BROWSER may list several: the first */
            *strchr(cmd, ':') = '\0';
    }
    memset(&o, 0, sizeof o);
    memset(io, 0, sizeof io);
    if (cmd) { /* a command line, the URL as its last argument */
        args[0] = "/bin/sh";
        args[1] = "-c";
        args[2] = "eval \"$0 \\\"\\$1\\\"\"";
        args[3] = cmd;
        args[4] = (char *)url;
        args[5] = NULL;
    } else {
#ifdef __APPLE__
        args[0] = "open";
#else
        args[0] = "xdg-open";
#endif
        args[1] = (char *)url;
        args[2] = NULL;
    }
    io[0].flags = io[1].flags = io[2].flags = UV_IGNORE;
    o.file = args[0];
    o.args = args;
    o.stdio = io;
    o.stdio_count = 3;
    o.flags = UV_PROCESS_DETACHED;
    o.exit_cb = browser_exited;
    p = calloc(1, sizeof *p);
    if (!p) {
        free(cmd);
        return UV_ENOMEM;
    }
    rc = uv_spawn(mcp_client_loop(l->c), p, &o);
    free(cmd);
    if (rc != 0) {
        uv_close((uv_handle_t *)p, free_handle);
        return rc;
    }
    uv_unref((uv_handle_t *)p);
    return 0;
}

void mcp_client_login_authorize(mcp_client_t *c, const char *url, void *login)
{
    mcp_client_login_t *l = login;
    (void)c;
    if (!l || !url)
        return;
    fprintf(stderr,
            "%s: to log in, open this address in a browser (waiting %u s for its redirect):\n"
            "    %s\n",
            l->program, (l->timeout_ms + 999) / 1000, url);
    if (!l->no_browser) {
        int rc = open_browser(l, url);
        if (rc != 0)
            fprintf(stderr, "%s: could not start a browser (%s): open the address yourself\n",
                    l->program, uv_strerror(rc));
    }
    uv_timer_start(&l->timer, login_timeout, l->timeout_ms, 0);
    uv_unref((uv_handle_t *)&l->timer); /* the waiting request keeps the loop running */
}

/* ---- the state file -----------------------------------------------------------------------------
 */

int mcp_client_oauth_state_path(const char *server_url, char *buf, size_t size)
{
    const char *base = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    const char *host, *p;
    unsigned char md[32];
    char name[96];
    size_t i, n = 0;
    int w;
    if (!server_url || !buf || size == 0)
        return MCP_EINVAL;
    host = strstr(server_url, "://");
    if (!host)
        return MCP_EINVAL;
    /* a readable prefix (host and port), then a hash of the whole URL: one file per server */
    for (p = host + 3; *p && *p != '/' && *p != '?' && *p != '#' && n < 40; p++)
        name[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                                   (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'
                               ? *p
                               : '_');
    if (mcp__sha256_once(server_url, strlen(server_url), md) != MCP_OK)
        return MCP_EIO;
    name[n++] = '-';
    for (i = 0; i < 12; i++)
        n += (size_t)snprintf(name + n, sizeof name - n, "%02x", md[i]);
    if (base && base[0] == '/')
        w = snprintf(buf, size, "%s/mcp/oauth/%s.json", base, name);
    else if (home && home[0])
        w = snprintf(buf, size, "%s/.local/state/mcp/oauth/%s.json", home, name);
    else
        return MCP_EINVAL;
    return w < 0 || (size_t)w >= size ? MCP_ELIMIT : MCP_OK;
}

int mcp_client_oauth_state_load(const char *path, json_t **state)
{
    json_error_t jerr;
    struct stat st;
    int fd;
    if (!path || !state)
        return MCP_EINVAL;
    *state = NULL;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? MCP_ENOTFOUND : MCP_EIO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)STATE_MAX_BYTES ||
        (st.st_mode & 077) || st.st_uid != geteuid()) {
        close(fd); /* not ours alone: not trusted */
        return MCP_EIO;
    }
    *state = json_loadfd(fd, 0, &jerr);
    close(fd);
    if (!json_is_object(*state)) {
        json_decref(*state);
        *state = NULL;
        return MCP_EPARSE;
    }
    return MCP_OK;
}

/* mkdir -p the directory of `path`, the last two levels (mcp/oauth) 0700. */
static int make_dirs(char *dir)
{
    char *s;
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : -1;
    s = strrchr(dir, '/');
    if (s && s != dir) {
        *s = '\0';
        if (make_dirs(dir) != 0) {
            *s = '/';
            return -1;
        }
        *s = '/';
    }
    return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

int mcp_client_oauth_state_store(const char *path, const json_t *state)
{
    char *dir, *tmp, *text;
    size_t plen, tlen;
    int fd, ok;
    if (!path || !path[0] || !json_is_object(state))
        return MCP_EINVAL;
    plen = strlen(path);
    dir = strdup(path);
    tmp = malloc(plen + 16);
    text = json_dumps(state, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!dir || !tmp || !text) {
        free(dir);
        free(tmp);
        free(text);
        return MCP_ENOMEM;
    }
    if (strrchr(dir, '/') && strrchr(dir, '/') != dir) {
        *strrchr(dir, '/') = '\0';
        if (make_dirs(dir) != 0) {
            free(dir);
            free(tmp);
            free(text);
            return MCP_EIO;
        }
    }
    free(dir);
    /* a private temporary file beside it, then rename: readers see the old or the new state */
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    fd = mkstemp(tmp); /* mode 0600 */
    if (fd < 0) {
        free(tmp);
        free(text);
        return MCP_EIO;
    }
    tlen = strlen(text);
    ok = fchmod(fd, 0600) == 0 && write(fd, text, tlen) == (ssize_t)tlen &&
         write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    free(tmp);
    free(text);
    return ok ? MCP_OK : MCP_EIO;
}

void mcp_client_oauth_state_save(mcp_client_t *c, const json_t *state, void *path)
{
    int rc = mcp_client_oauth_state_store(path, state);
    if (rc != MCP_OK)
        fprintf(stderr, "%s: cannot save the login to %s: %s\n", c ? c->name : "libmcp",
                (const char *)path, mcp_strerror(rc));
}
