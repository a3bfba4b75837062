/*
 * The Redis store (mcp_store_redis(), include/mcp_store.h) on libhiredis's asynchronous API.
 *
 * libhiredis is loaded with dlopen on the first mcp_store_redis() (like libmicrohttpd and
 * PCRE2), so a server that uses no Redis never maps it; the SONAME loaded is the one of the
 * headers compiled against, so the structures read here match. Two connections run on the
 * server's libuv loop: one for commands (pipelined, answered in order) and one subscribed to the
 * channel. Each is watched by a uv_poll_t that this file drives through hiredis's event hooks
 * (the same hooks hiredis's own libuv adapter fills). A connection that drops is made again after
 * a backoff (100 ms doubling to 2 s); meanwhile operations answer MCP_STORE_DOWN at once, and a
 * command left unanswered for 3 s drops the connection (a hung server is a down one).
 */
#include "core/core.h"

#include "base/dl.h"

#include <pthread.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "mcp_store.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

static struct {
    redisAsyncContext *(*connect)(const char *ip, int port);
    int (*set_connect)(redisAsyncContext *ac, redisConnectCallback *fn);
    int (*set_disconnect)(redisAsyncContext *ac, redisDisconnectCallback *fn);
    void (*disconnect)(redisAsyncContext *ac);
    void (*free)(redisAsyncContext *ac);
    void (*handle_read)(redisAsyncContext *ac);
    void (*handle_write)(redisAsyncContext *ac);
    int (*command_argv)(redisAsyncContext *ac, redisCallbackFn *fn, void *privdata, int argc,
                        const char **argv, const size_t *argvlen);
} hr;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = -1;
static char load_why[200];
static _Thread_local const char *last_error;

#define LOAD(field, name) MCP__DL_LOAD(h, api.field, name, "libhiredis", load_why)

static void load(void)
{
    __typeof__(hr) api;
    static const char *const names[] = {"libhiredis.so." STR(HIREDIS_SONAME), NULL};
    void *h = mcp__dl_open(names, "libhiredis.so." STR(HIREDIS_SONAME), "libhiredis", load_why,
                           sizeof load_why);
    if (!h)
        return;
    LOAD(connect, "redisAsyncConnect");
    LOAD(set_connect, "redisAsyncSetConnectCallback");
    LOAD(set_disconnect, "redisAsyncSetDisconnectCallback");
    LOAD(disconnect, "redisAsyncDisconnect");
    LOAD(free, "redisAsyncFree");
    LOAD(handle_read, "redisAsyncHandleRead");
    LOAD(handle_write, "redisAsyncHandleWrite");
    LOAD(command_argv, "redisAsyncCommandArgv");
    hr = api; /* the handle stays open for the life of the process */
    load_rc = 0;
}

typedef struct rstore rstore;

/* The uv side of one hiredis connection: freed when its poll handle has closed. */
typedef struct rwatch {
    uv_poll_t poll;
    redisAsyncContext *ac; /* NULL once hiredis cleaned up */
    int events;
} rwatch;

typedef struct rconn {
    rstore *r;
    redisAsyncContext *ac; /* NULL: not connected (a reconnection may be scheduled) */
    bool up;               /* connected and ready for commands */
    bool sub;              /* the channel's connection */
    unsigned backoff_ms;
    uv_timer_t retry;
} rconn;

struct rstore {
    mcp_store_t *store; /* the wrapper (for the server's log) */
    char *host, *password, *prefix, *channel;
    int port, db;
    uv_loop_t *loop;
    rconn cmd, sub;
    uv_timer_t watchdog;
    size_t pending;         /* commands sent on `cmd` and not yet answered */
    uint64_t last_progress; /* loop time of the last answer (or of the first pending) */
    mcp_store_msg_cb fn;
    void *fn_ud;
    bool closing, was_up, auth_warned;
    int handles; /* uv handles still to close before freeing */
};

/* A pending command: who waits for it. */
typedef enum { R_GET, R_PUT, R_PUTNX, R_DONE, R_LIST } rkind;
typedef struct rreq {
    rkind kind;
    mcp_store_cb cb;
    void *ud;
} rreq;

static void rlog(rstore *r, mcp_log_level lvl, const char *what, const char *why)
{
    mcp_server_t *srv = r->store ? mcp__store_server(r->store) : NULL;
    if (srv)
        mcp_server_log(srv, lvl, "store: redis %s:%d: %s%s%s", r->host, r->port, what,
                       why ? ": " : "", why ? why : "");
}

/* ---- hiredis event hooks on a uv_poll_t --------------------------------------------------- */

static void on_poll(uv_poll_t *h, int status, int events)
{
    rwatch *w = h->data;
    if (status < 0)
        events = UV_READABLE | UV_WRITABLE; /* let hiredis see the error */
    if (w->ac && (events & UV_READABLE))
        hr.handle_read(w->ac);
    if (w->ac && (events & UV_WRITABLE))
        hr.handle_write(w->ac);
}

static void watch_set(rwatch *w, int events)
{
    w->events = events;
    if (events)
        uv_poll_start(&w->poll, events, on_poll);
    else
        uv_poll_stop(&w->poll);
}

static void add_read(void *p)
{
    rwatch *w = p;
    watch_set(w, w->events | UV_READABLE);
}

static void del_read(void *p)
{
    rwatch *w = p;
    watch_set(w, w->events & ~UV_READABLE);
}

static void add_write(void *p)
{
    rwatch *w = p;
    watch_set(w, w->events | UV_WRITABLE);
}

static void del_write(void *p)
{
    rwatch *w = p;
    watch_set(w, w->events & ~UV_WRITABLE);
}

static void watch_closed(uv_handle_t *h)
{
    free(h->data);
}

static void cleanup(void *p)
{
    rwatch *w = p;
    w->ac = NULL;
    uv_close((uv_handle_t *)&w->poll, watch_closed);
}

/* ---- connections ---------------------------------------------------------------------------- */

static void conn_start(rconn *c);

static void on_retry(uv_timer_t *t)
{
    conn_start(t->data);
}

static void schedule_retry(rconn *c)
{
    if (c->r->closing)
        return;
    c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : 100;
    if (c->backoff_ms > 2000)
        c->backoff_ms = 2000;
    uv_timer_start(&c->retry, on_retry, c->backoff_ms, 0);
}

static void on_message(redisAsyncContext *ac, void *reply, void *privdata);

/* AUTH refused: the connection is useless; say so once, then try again later (the password
 * may be changed on the server meanwhile). */
static void on_auth(redisAsyncContext *ac, void *reply, void *privdata)
{
    redisReply *rep = reply;
    rconn *c = privdata;
    if (!rep || rep->type != REDIS_REPLY_ERROR || !ac->data)
        return;
    if (!c->r->auth_warned)
        rlog(c->r, MCP_LOG_ERROR, "authentication refused (MCP_REDIS_PASSWORD)", rep->str);
    c->r->auth_warned = true;
    c->up = false;
    hr.disconnect(ac);
}

static void send_setup(rconn *c)
{
    rstore *r = c->r;
    char db[16];
    if (r->password) {
        const char *argv[] = {"AUTH", r->password};
        hr.command_argv(c->ac, on_auth, c, 2, argv, NULL);
    }
    if (r->db) {
        const char *argv[] = {"SELECT", db};
        snprintf(db, sizeof db, "%d", r->db);
        hr.command_argv(c->ac, NULL, NULL, 2, argv, NULL);
    }
    if (c->sub) {
        const char *argv[] = {"SUBSCRIBE", r->channel};
        hr.command_argv(c->ac, on_message, r, 2, argv, NULL);
    }
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    rconn *c = ac->data;
    if (!c)
        return;
    if (status != REDIS_OK) {
        c->ac = NULL; /* hiredis frees it after this callback */
        c->up = false;
        if (c->backoff_ms >= 2000 || !c->r->was_up)
            rlog(c->r, MCP_LOG_WARNING, "cannot connect", ac->errstr);
        schedule_retry(c);
        return;
    }
    c->up = true;
    c->backoff_ms = 0;
    if (!c->sub) {
        c->r->last_progress = uv_now(c->r->loop);
        rlog(c->r, c->r->was_up ? MCP_LOG_WARNING : MCP_LOG_INFO,
             c->r->was_up ? "reconnected" : "connected", NULL);
        c->r->was_up = true;
    }
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    rconn *c = ac->data;
    if (!c)
        return;
    c->ac = NULL; /* freed by hiredis after this callback */
    c->up = false;
    if (!c->sub)
        c->r->pending = 0; /* every pending callback ran (with no reply) before this */
    if (status != REDIS_OK || !c->r->closing) {
        if (!c->sub)
            rlog(c->r, MCP_LOG_WARNING, "connection lost", ac->errstr[0] ? ac->errstr : NULL);
        schedule_retry(c);
    }
}

static void conn_start(rconn *c)
{
    rstore *r = c->r;
    redisAsyncContext *ac;
    rwatch *w;
    if (r->closing || c->ac)
        return;
    ac = hr.connect(r->host, r->port);
    if (!ac) {
        schedule_retry(c);
        return;
    }
    if (ac->err || !(w = calloc(1, sizeof *w))) {
        if (!c->r->was_up)
            rlog(r, MCP_LOG_WARNING, "cannot connect", ac->errstr);
        ac->data = NULL;
        hr.free(ac); /* no callbacks set yet */
        schedule_retry(c);
        return;
    }
    if (uv_poll_init(r->loop, &w->poll, ac->c.fd) != 0) {
        free(w);
        ac->data = NULL;
        hr.free(ac);
        schedule_retry(c);
        return;
    }
    uv_unref((uv_handle_t *)&w->poll); /* the store never keeps a loop alive by itself */
    w->poll.data = w;
    w->ac = ac;
    ac->ev.data = w;
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->ev.cleanup = cleanup;
    ac->data = c;
    c->ac = ac;
    hr.set_connect(ac, on_connect);
    hr.set_disconnect(ac, on_disconnect);
    send_setup(c); /* queued: sent once connected, before anything else */
}

/* A command left unanswered too long: the server is hung or unreachable; drop the connection
 * (its callbacks then answer MCP_STORE_DOWN) and connect again. */
static void on_watchdog(uv_timer_t *t)
{
    rstore *r = t->data;
    if (r->cmd.ac && r->pending > 0 && uv_now(r->loop) - r->last_progress > 3000) {
        rlog(r, MCP_LOG_WARNING, "no answer for 3 s; reconnecting", NULL);
        hr.free(r->cmd.ac); /* pending callbacks answer MCP_STORE_DOWN, then on_disconnect */
    }
}

/* ---- commands ------------------------------------------------------------------------------- */

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    rreq *q = privdata;
    redisReply *rep = reply;
    rconn *c = ac->data;
    mcp_store_status st = rep && rep->type != REDIS_REPLY_ERROR ? MCP_STORE_OK : MCP_STORE_DOWN;
    size_t i;
    if (c && !c->sub && c->r->pending > 0) {
        c->r->pending--;
        c->r->last_progress = uv_now(c->r->loop);
    }
    if (rep && rep->type == REDIS_REPLY_ERROR && c)
        rlog(c->r, MCP_LOG_WARNING, "command refused", rep->str);
    if (!q)
        return;
    if (q->cb) {
        switch (q->kind) {
        case R_GET:
            if (st == MCP_STORE_OK && rep->type == REDIS_REPLY_STRING)
                q->cb(q->ud, st, rep->str, rep->len);
            else
                q->cb(q->ud, st, NULL, 0);
            break;
        case R_PUTNX:
            q->cb(q->ud, st == MCP_STORE_OK && rep->type == REDIS_REPLY_NIL ? MCP_STORE_EXISTS : st,
                  NULL, 0);
            break;
        case R_LIST:
            if (st == MCP_STORE_OK && rep->type == REDIS_REPLY_ARRAY)
                for (i = 0; i < rep->elements; i++)
                    if (rep->element[i]->type == REDIS_REPLY_STRING)
                        q->cb(q->ud, st, rep->element[i]->str, rep->element[i]->len);
            q->cb(q->ud, st, NULL, 0);
            break;
        default:
            q->cb(q->ud, st, NULL, 0);
            break;
        }
    }
    free(q);
}

/* Send one command on the command connection; `kind` says how to answer `cb`. */
static int command(rstore *r, rkind kind, mcp_store_cb cb, void *ud, int argc, const char **argv,
                   const size_t *lens)
{
    rreq *q = NULL;
    if (!r->cmd.up || !r->cmd.ac) {
        if (cb)
            cb(ud, MCP_STORE_DOWN, NULL, 0);
        return 0;
    }
    if (cb) {
        if (!(q = malloc(sizeof *q)))
            return -1;
        q->kind = kind;
        q->cb = cb;
        q->ud = ud;
    }
    if (hr.command_argv(r->cmd.ac, on_reply, q, argc, argv, lens) != REDIS_OK) {
        free(q);
        return -1;
    }
    if (r->pending++ == 0)
        r->last_progress = uv_now(r->loop);
    /* Write it now (a non-blocking write): what a request stores reaches Redis before the HTTP
     * answer, which libmicrohttpd writes before the loop would poll this socket, so the client's
     * next request, on any replica, finds it. */
    hr.handle_write(r->cmd.ac);
    return 0;
}

/* "<prefix>:<key>" in `buf` (or on the heap when longer; free it when != buf). */
static char *full_key(rstore *r, const char *key, char *buf, size_t n)
{
    size_t need = strlen(r->prefix) + 1 + strlen(key) + 1;
    char *k = need <= n ? buf : malloc(need);
    if (k)
        snprintf(k, need, "%s:%s", r->prefix, key);
    return k;
}

#define WITH_KEY(r, key, k)                                            \
    char k##buf_[200], *k = full_key(r, key, k##buf_, sizeof k##buf_); \
    if (!k)                                                            \
        return -1;

#define DONE_KEY(k)       \
    do {                  \
        if (k != k##buf_) \
            free(k);      \
    } while (0)

static int r_get(void *impl, const char *key, mcp_store_cb cb, void *ud)
{
    rstore *r = impl;
    int rc;
    WITH_KEY(r, key, k);
    {
        const char *argv[] = {"GET", k};
        rc = command(r, R_GET, cb, ud, 2, argv, NULL);
    }
    DONE_KEY(k);
    return rc;
}

static int r_put(void *impl, const char *key, const char *value, size_t len, uint64_t ttl_ms,
                 int only_new, mcp_store_cb cb, void *ud)
{
    rstore *r = impl;
    char ttl[24];
    const char *argv[6];
    size_t lens[6];
    int argc = 0, rc;
    WITH_KEY(r, key, k);
    argv[argc] = "SET", lens[argc++] = 3;
    argv[argc] = k, lens[argc++] = strlen(k);
    argv[argc] = value, lens[argc++] = len;
    if (ttl_ms) {
        snprintf(ttl, sizeof ttl, "%llu", (unsigned long long)ttl_ms);
        argv[argc] = "PX", lens[argc++] = 2;
        argv[argc] = ttl, lens[argc++] = strlen(ttl);
    }
    if (only_new)
        argv[argc] = "NX", lens[argc++] = 2;
    rc = command(r, only_new ? R_PUTNX : R_PUT, cb, ud, argc, argv, lens);
    DONE_KEY(k);
    return rc;
}

static int r_del(void *impl, const char *key, mcp_store_cb cb, void *ud)
{
    rstore *r = impl;
    int rc;
    WITH_KEY(r, key, k);
    {
        const char *argv[] = {"DEL", k};
        rc = command(r, R_DONE, cb, ud, 2, argv, NULL);
    }
    DONE_KEY(k);
    return rc;
}

static int r_push(void *impl, const char *key, const char *value, size_t len, uint64_t ttl_ms,
                  mcp_store_cb cb, void *ud)
{
    rstore *r = impl;
    char ttl[24];
    int rc;
    WITH_KEY(r, key, k);
    {
        const char *argv[] = {"RPUSH", k, value};
        size_t lens[] = {5, strlen(k), len};
        const char *eargv[] = {"PEXPIRE", k, ttl};
        snprintf(ttl, sizeof ttl, "%llu", (unsigned long long)(ttl_ms ? ttl_ms : 3600000));
        rc = command(r, R_DONE, NULL, NULL, 3, argv, lens);
        if (rc == 0)
            rc = command(r, R_DONE, cb, ud, 3, eargv, NULL);
    }
    DONE_KEY(k);
    return rc;
}

static int r_list(void *impl, const char *key, mcp_store_cb cb, void *ud)
{
    rstore *r = impl;
    int rc;
    WITH_KEY(r, key, k);
    {
        const char *argv[] = {"LRANGE", k, "0", "-1"};
        rc = command(r, R_LIST, cb, ud, 4, argv, NULL);
    }
    DONE_KEY(k);
    return rc;
}

static int r_publish(void *impl, const char *msg, size_t len)
{
    rstore *r = impl;
    const char *argv[] = {"PUBLISH", r->channel, msg};
    size_t lens[] = {7, strlen(r->channel), len};
    if (!r->cmd.up)
        return -1;
    return command(r, R_DONE, NULL, NULL, 3, argv, lens);
}

/* Every reply on the subscribed connection: the SUBSCRIBE confirmation, then ["message",
 * channel, data] for each message. */
static void on_message(redisAsyncContext *ac, void *reply, void *privdata)
{
    rstore *r = privdata;
    redisReply *rep = reply;
    (void)ac;
    if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 3 ||
        rep->element[0]->type != REDIS_REPLY_STRING || strcmp(rep->element[0]->str, "message") ||
        rep->element[2]->type != REDIS_REPLY_STRING)
        return;
    if (r->fn)
        r->fn(r->fn_ud, rep->element[2]->str, rep->element[2]->len);
}

static int r_subscribe(void *impl, mcp_store_msg_cb fn, void *ud)
{
    rstore *r = impl;
    r->fn = fn;
    r->fn_ud = ud;
    return 0;
}

static int r_up(void *impl)
{
    rstore *r = impl;
    return r->cmd.up;
}

static int r_start(void *impl, uv_loop_t *loop)
{
    rstore *r = impl;
    r->loop = loop;
    uv_timer_init(loop, &r->cmd.retry);
    uv_timer_init(loop, &r->sub.retry);
    uv_timer_init(loop, &r->watchdog);
    r->cmd.retry.data = &r->cmd;
    r->sub.retry.data = &r->sub;
    r->watchdog.data = r;
    uv_unref((uv_handle_t *)&r->cmd.retry);
    uv_unref((uv_handle_t *)&r->sub.retry);
    uv_unref((uv_handle_t *)&r->watchdog);
    uv_timer_start(&r->watchdog, on_watchdog, 500, 500);
    r->handles = 3;
    conn_start(&r->cmd);
    conn_start(&r->sub);
    return 0;
}

static void rstore_free(rstore *r)
{
    free(r->host);
    free(r->password);
    free(r->prefix);
    free(r->channel);
    free(r);
}

static void handle_closed(uv_handle_t *h)
{
    rstore *r = h->data;
    if (--r->handles == 0)
        rstore_free(r);
}

static void retry_closed(uv_handle_t *h)
{
    rstore *r = ((rconn *)h->data)->r;
    if (--r->handles == 0)
        rstore_free(r);
}

static void r_destroy(void *impl)
{
    rstore *r = impl;
    r->closing = true;
    r->store = NULL;
    if (r->cmd.ac) {
        r->cmd.ac->data = NULL; /* pending callbacks run now, with MCP_STORE_DOWN */
        hr.free(r->cmd.ac);
        r->cmd.ac = NULL;
    }
    if (r->sub.ac) {
        r->sub.ac->data = NULL;
        hr.free(r->sub.ac);
        r->sub.ac = NULL;
    }
    if (!r->loop) {
        rstore_free(r);
        return;
    }
    uv_close((uv_handle_t *)&r->cmd.retry, retry_closed);
    uv_close((uv_handle_t *)&r->sub.retry, retry_closed);
    uv_close((uv_handle_t *)&r->watchdog, handle_closed);
}

static const mcp_store_ops_t redis_ops = {r_start, r_get,     r_put,       r_del, r_push,
                                          r_list,  r_publish, r_subscribe, r_up,  r_destroy};

const char *mcp_store_error(void)
{
    return last_error ? last_error : "";
}

/* redis://HOST[:PORT][/DB] */
static int parse_url(rstore *r, const char *url)
{
    const char *h, *end, *colon;
    char *stop;
    long v;
    if (strncmp(url, "redis://", 8) != 0)
        return -1;
    h = url + 8;
    end = h + strcspn(h, "/");
    colon = memchr(h, ':', (size_t)(end - h));
    if (!colon)
        colon = end;
    if (colon == h || !(r->host = strndup(h, (size_t)(colon - h))))
        return -1;
    r->port = 6379;
    if (colon < end) {
        v = strtol(colon + 1, &stop, 10);
        if (stop != end || v < 1 || v > 65535)
            return -1;
        r->port = (int)v;
    }
    if (*end == '/' && end[1]) {
        v = strtol(end + 1, &stop, 10);
        if (*stop || v < 0 || v > 10000)
            return -1;
        r->db = (int)v;
    }
    return 0;
}

mcp_store_t *mcp_store_redis(const char *url, const char *password, const char *prefix)
{
    rstore *r;
    mcp_store_t *st;
    size_t n;
    last_error = NULL;
    if (!url) {
        last_error = "no URL";
        return NULL;
    }
    pthread_once(&once, load);
    if (load_rc != 0) {
        last_error = load_why;
        return NULL;
    }
    if (!(r = calloc(1, sizeof *r)))
        return NULL;
    r->cmd.r = r->sub.r = r;
    r->sub.sub = true;
    if (parse_url(r, url) != 0) {
        last_error = "the URL is not redis://HOST[:PORT][/DB]";
        rstore_free(r);
        return NULL;
    }
    if (!prefix || !*prefix)
        prefix = "mcp";
    n = strlen(prefix) + 5;
    r->prefix = strdup(prefix);
    r->channel = malloc(n);
    if (r->channel)
        snprintf(r->channel, n, "%s:bus", prefix);
    if ((password && *password && !(r->password = strdup(password))) || !r->prefix || !r->channel ||
        !(st = mcp_store_new(&redis_ops, r))) {
        rstore_free(r);
        return NULL;
    }
    r->store = st;
    return st;
}
