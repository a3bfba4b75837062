/*
 * The legacy HTTP+SSE transport (protocol 2024-11-05 clients; deprecated by the spec but still
 * met in the wild).
 *
 * GET <path> (default /sse) opens a stream and creates a session; its first event is `endpoint`
 * whose data is the POST URL (`<message_path>?sessionId=<id>`). Each POST there carries one
 * message and is answered 202 "Accepted" at once; every server message (replies included) goes
 * out on the stream as `event: message`. The session ends when its stream closes. Origin/Host
 * checks, body limits and keep-alive are the daemon's (httpd.c), as for Streamable HTTP.
 */
#include "transport/httpd.h"

#define NBUCKETS 1024

typedef struct sse_tr sse_tr;
typedef struct lsess lsess;

struct lsess {
    char id[33];
    sse_tr *t;
    mcp__session *core;
    mcp__hconn *conn; /* the GET stream, until it closes */
    lsess *hnext, *aprev, *anext;
    bool registered;
    char who[68]; /* the principal (or address) that opened it: mcp__hconn.who */
};

struct sse_tr {
    mcp__transport base;
    mcp__httpd d;
    mcp_server_t *srv;
    char *path, *mpath;
    unsigned max_sessions, grace_ms;
    size_t max_queue; /* stream output queued past which POSTs get 503 */
    unsigned max_sessions_who;
    mcp__quota *sq; /* sessions per principal (lsess.who) */
    lsess *buckets[NBUCKETS];
    lsess *all;
    size_t nsess;
    uv_timer_t grace;
    int handles;
    bool stopping, closing, drained;
};

static unsigned bucket_of(const char *id)
{
    unsigned h = 2166136261u;
    while (*id)
        h = (h ^ (unsigned char)*id++) * 16777619u;
    return h % NBUCKETS;
}

static lsess *find(sse_tr *t, const char *id)
{
    lsess *ls;
    if (!id || strlen(id) != 32)
        return NULL;
    for (ls = t->buckets[bucket_of(id)]; ls; ls = ls->hnext)
        if (memcmp(ls->id, id, 32) == 0)
            return ls;
    return NULL;
}

/* The session the POST names, if the request's principal is the one that opened it (another
 * principal's session is as unknown as a missing one). */
static lsess *find_for(sse_tr *t, mcp__hconn *c)
{
    lsess *ls = find(t, mcp__hconn_arg(c, "sessionId"));
    return ls && mcp__auth_same(ls->core->principal, c->principal) ? ls : NULL;
}

static void unregister(lsess *ls)
{
    lsess **pp;
    if (!ls->registered)
        return;
    for (pp = &ls->t->buckets[bucket_of(ls->id)]; *pp; pp = &(*pp)->hnext)
        if (*pp == ls) {
            *pp = ls->hnext;
            break;
        }
    ls->registered = false;
    ls->t->nsess--;
    mcp__quota_add(ls->t->sq, ls->who, -1);
}

static void destroy(lsess *ls)
{
    sse_tr *t = ls->t;
    unregister(ls);
    if (ls->aprev)
        ls->aprev->anext = ls->anext;
    else if (t->all == ls)
        t->all = ls->anext;
    if (ls->anext)
        ls->anext->aprev = ls->aprev;
    if (ls->conn) {
        ls->conn->owner = NULL;
        mcp__hconn_end(ls->conn, false);
    }
    mcp__server_session_end(ls->core);
    mcp__session_unref(ls->core);
    free(ls);
}

/* ---- the core's callbacks ------------------------------------------------------------------ */

static void l_send(mcp__session *s, json_t *msg, mcp_call_t *related)
{
    lsess *ls = s->transport;
    size_t n;
    char *text;
    (void)related;
    if (!ls || !ls->conn || !(text = mcp__jsonrpc_dump(msg, &n)))
        return;
    mcp__hconn_event(ls->conn, NULL, "message", text, n);
    free(text);
}

static void l_idle(mcp__session *s)
{
    lsess *ls = s->transport;
    if (ls && !ls->conn)
        destroy(ls);
}

static const mcp__transport_ops sse_ops = {l_send, l_idle, NULL, NULL, NULL};

/* ---- requests -------------------------------------------------------------------------------- */

static void check_stopped(sse_tr *t);

static int on_headers(mcp__hconn *c)
{
    sse_tr *t = c->d->owner;
    lsess *ls;
    bool get = strcmp(c->method, "GET") == 0, post = strcmp(c->method, "POST") == 0;
    if (strcmp(c->url, t->path) == 0) {
        if (!get) {
            mcp__hconn_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, 0, "Method Not Allowed");
            return -1;
        }
        if (mcp__hconn_header(c, MHD_HTTP_HEADER_ACCEPT) &&
            !mcp__hconn_accepts(c, "text/event-stream")) {
            mcp__hconn_error(c, MHD_HTTP_NOT_ACCEPTABLE, 0,
                             "Not Acceptable: Accept must allow text/event-stream");
            return -1;
        }
        return 0;
    }
    if (strcmp(c->url, t->mpath) == 0) {
        if (!post) {
            mcp__hconn_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, 0, "Method Not Allowed");
            return -1;
        }
        if (!mcp__hconn_json_body(c)) {
            mcp__hconn_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, 0,
                             "Unsupported Media Type: Content-Type must be application/json");
            return -1;
        }
        if (!mcp__hconn_arg(c, "sessionId")) {
            mcp__hconn_error(c, MHD_HTTP_BAD_REQUEST, 0, "Bad Request: sessionId is required");
            return -1;
        }
        if (!(ls = find_for(t, c))) {
            mcp__hconn_error(c, MHD_HTTP_NOT_FOUND, 0, "Session not found");
            return -1;
        }
        if (ls->conn && mcp__hconn_queued(ls->conn) >= t->max_queue) {
            /* the client is not reading its stream: its replies would only pile up here */
            struct MHD_Response *r;
            char text[160];
            int n = snprintf(text, sizeof text,
                             "Service Unavailable: %zu bytes wait on this session's SSE stream; "
                             "read it, then retry",
                             mcp__hconn_queued(ls->conn));
            r = mcp__hconn_response(c, "text/plain", text, (size_t)n);
            if (r)
                MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
            mcp__hconn_respond(c, MHD_HTTP_SERVICE_UNAVAILABLE, r);
            return -1;
        }
        return 0;
    }
    mcp__hconn_error(c, MHD_HTTP_NOT_FOUND, 0, "Not Found");
    return -1;
}

static void open_stream(sse_tr *t, mcp__hconn *c)
{
    lsess *ls;
    char ev[160];
    int n;
    if (t->stopping) {
        mcp__hconn_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, 0, "Server shutting down");
        return;
    }
    if (t->nsess >= t->max_sessions || t->d.nsse >= 20000) {
        mcp__hconn_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, 0,
                         "Service Unavailable: too many sessions");
        return;
    }
    if (mcp__quota_get(t->sq, c->who) >= t->max_sessions_who || !mcp__hconn_stream_allowed(c)) {
        struct MHD_Response *r;
        static const char text[] = "Too Many Requests: this client has too many sessions open";
        r = mcp__hconn_response(c, "text/plain", text, sizeof text - 1);
        if (r)
            MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "5");
        mcp__hconn_respond(c, MHD_HTTP_TOO_MANY_REQUESTS, r);
        return;
    }
    ls = calloc(1, sizeof *ls);
    if (!ls || mcp__random_id(ls->id) != 0 ||
        !(ls->core = mcp__session_new(t->srv, &sse_ops, ls))) {
        free(ls);
        mcp__hconn_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, 0, "Internal Server Error");
        return;
    }
    ls->t = t;
    ls->core->principal = json_incref(c->principal); /* the session is bound to it */
    ls->core->scoped = c->d->cfg.stage != NULL;      /* authorization on: .scopes apply */
    ls->anext = t->all;
    if (t->all)
        t->all->aprev = ls;
    t->all = ls;
    if (mcp__hconn_sse(c, NULL, NULL) != 0) {
        destroy(ls);
        mcp__hconn_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, 0, "Internal Server Error");
        return;
    }
    ls->conn = c;
    c->owner = ls;
    ls->hnext = t->buckets[bucket_of(ls->id)];
    t->buckets[bucket_of(ls->id)] = ls;
    ls->registered = true;
    t->nsess++;
    memcpy(ls->who, c->who, sizeof ls->who);
    mcp__quota_add(t->sq, ls->who, 1);
    n = snprintf(ev, sizeof ev, "%s?sessionId=%s", t->mpath, ls->id);
    mcp__hconn_event(c, NULL, "endpoint", ev, (size_t)n);
}

static void post_message(sse_tr *t, mcp__hconn *c)
{
    lsess *ls = find_for(t, c);
    mcp__inbound in;
    if (!ls) { /* it ended while the body was read */
        mcp__hconn_error(c, MHD_HTTP_NOT_FOUND, 0, "Session not found");
        return;
    }
    if (mcp__inbound_read(&in, c->body ? c->body : "", c->len) != MCP_OK) {
        mcp__hconn_json(c, MHD_HTTP_BAD_REQUEST, in.error, NULL, NULL);
        mcp__inbound_clear(&in);
        return;
    }
    ls->core->rx_principal = c->principal; /* this POST's token: calls keep its claims */
    mcp__server_receive_inbound(ls->core, &in);
    ls->core->rx_principal = NULL;
    mcp__inbound_clear(&in);
    mcp__hconn_respond(c, MHD_HTTP_ACCEPTED, mcp__hconn_response(c, "text/plain", "Accepted", 8));
}

static void on_request(mcp__hconn *c)
{
    sse_tr *t = c->d->owner;
    if (c->method[0] == 'G')
        open_stream(t, c);
    else
        post_message(t, c);
}

static void on_closed(mcp__hconn *c)
{
    lsess *ls = c->owner;
    sse_tr *t = c->d->owner;
    if (ls) {
        c->owner = NULL;
        ls->conn = NULL;
        unregister(ls); /* the stream is the session */
        if (ls->core->ncalls == 0)
            destroy(ls);
    }
    check_stopped(t);
}

static const mcp__httpd_handler handler = {on_headers, on_request, on_closed, NULL};

/* ---- start / stop ---------------------------------------------------------------------------- */

static void tr_destroy(sse_tr *t)
{
    while (t->all)
        destroy(t->all);
    mcp__quota_free(t->sq);
    free(t->path);
    free(t->mpath);
    free(t);
}

static void handle_closed(uv_handle_t *h)
{
    sse_tr *t = h->data;
    if (--t->handles == 0)
        tr_destroy(t);
}

static void daemon_closed(mcp__httpd *d)
{
    sse_tr *t = d->owner;
    if (--t->handles == 0)
        tr_destroy(t);
}

static void tr_close(sse_tr *t)
{
    if (t->closing)
        return;
    t->closing = t->stopping = true;
    if (t->srv)
        mcp__server_remove_transport(t->srv, &t->base);
    t->handles = 2;
    uv_close((uv_handle_t *)&t->grace, handle_closed);
    mcp__httpd_close(&t->d, daemon_closed);
}

static void on_grace(uv_timer_t *timer)
{
    sse_tr *t = timer->data;
    if (!t->drained)
        mcp_server_log(t->srv, MCP_LOG_WARNING, "sse: grace period over; closing connections");
    tr_close(t);
}

static void check_stopped(sse_tr *t)
{
    lsess *ls;
    if (!t->stopping || t->closing)
        return;
    for (ls = t->all; ls; ls = ls->anext)
        if (ls->core->ncalls > 0)
            return;
    if (t->d.nconns > 0)
        return;
    t->drained = true;
    uv_timer_start(&t->grace, on_grace, 0, 0);
}

static void tr_stop(mcp__transport *base)
{
    sse_tr *t = (sse_tr *)base;
    lsess *ls;
    if (t->stopping)
        return;
    t->stopping = true;
    mcp__httpd_quiesce(&t->d);
    for (ls = t->all; ls; ls = ls->anext)
        if (ls->conn && ls->core->ncalls == 0)
            mcp__hconn_end(ls->conn, false);
    uv_timer_start(&t->grace, on_grace, t->grace_ms, 0);
    check_stopped(t);
}

static void tr_free(mcp__transport *base)
{
    sse_tr *t = (sse_tr *)base;
    t->srv = NULL;
    tr_close(t);
}

int mcp_server_listen_sse(mcp_server_t *srv, const mcp_http_opts_t *opts)
{
    static const mcp_http_opts_t defaults;
    mcp__httpd_config cfg;
    sse_tr *t;
    int rc;

    if (!srv)
        return MCP_EINVAL;
    if (!opts)
        opts = &defaults;
    if ((opts->path && opts->path[0] != '/') ||
        (opts->message_path && opts->message_path[0] != '/'))
        return MCP_EINVAL;
    if ((rc = mcp__server_ensure_loop(srv)) != MCP_OK)
        return rc;
    t = calloc(1, sizeof *t);
    if (!t)
        return MCP_ENOMEM;
    t->srv = srv;
    t->base.kind = MCP__TRANSPORT_SSE;
    t->base.stop = tr_stop;
    t->base.free = tr_free;
    t->path = strdup(opts->path ? opts->path : "/sse");
    t->mpath = strdup(opts->message_path ? opts->message_path : "/message");
    t->max_sessions = opts->max_sessions ? opts->max_sessions : 10000;
    t->grace_ms = opts->grace_ms ? opts->grace_ms : 5000;
    t->max_sessions_who =
        opts->max_sessions_per_principal ? opts->max_sessions_per_principal : 1000;
    t->sq = mcp__quota_new();
    if (!t->path || !t->mpath || !t->sq) {
        mcp__quota_free(t->sq);
        free(t->path);
        free(t->mpath);
        free(t);
        return MCP_ENOMEM;
    }
    memset(&cfg, 0, sizeof cfg);
    cfg.host = opts->host;
    cfg.port = opts->port;
    cfg.tls_cert_file = opts->tls_cert_file;
    cfg.tls_key_file = opts->tls_key_file;
    cfg.allowed_origins = opts->allowed_origins;
    cfg.cors = opts->cors != 0;
    cfg.max_body = opts->max_body_bytes ? opts->max_body_bytes : srv->max_message;
    cfg.max_connections = opts->max_connections;
    cfg.max_per_ip = opts->max_per_ip;
    cfg.connection_timeout_s = opts->connection_timeout_s;
    cfg.connection_memory = opts->connection_memory;
    cfg.keepalive_ms = opts->keepalive_ms;
    cfg.request_deadline_ms = opts->request_deadline_ms;
    t->max_queue = opts->max_stream_buffer ? opts->max_stream_buffer : (size_t)1 << 20;
    cfg.max_out = t->max_queue * 2; /* replies of calls accepted before the POSTs were refused */
    cfg.out_abort = true;           /* the session ends with its stream anyway */
    cfg.max_streams_who = opts->max_streams_per_principal ? opts->max_streams_per_principal : 256;
    cfg.name = "sse";
    cfg.endpoints[0] = t->path;
    cfg.endpoints[1] = t->mpath;
    if ((rc = mcp__auth_install(&cfg, srv, opts)) != MCP_OK) {
        mcp__quota_free(t->sq);
        free(t->path);
        free(t->mpath);
        free(t);
        return rc;
    }
    rc = mcp__httpd_start(&t->d, srv, &cfg, &handler, t);
    if (rc != MCP_OK) {
        mcp__httpd_close(&t->d, NULL);
        mcp__quota_free(t->sq);
        free(t->path);
        free(t->mpath);
        free(t);
        return rc;
    }
    uv_timer_init(srv->loop, &t->grace);
    t->grace.data = t;
    t->base.port = t->d.port;
    mcp__server_add_transport(srv, &t->base);
    mcp_server_log(srv, MCP_LOG_INFO, "serving MCP over HTTP+SSE (legacy) at http://%s:%u%s",
                   opts->host ? opts->host : "127.0.0.1", t->d.port, t->path);
    return MCP_OK;
}
