/*
 * A libmicrohttpd daemon on the server's libuv loop, shared by both HTTP transports.
 *
 * - MHD runs with no threads of its own (MHD_USE_EPOLL, external polling): its epoll descriptor
 *   is watched by a uv_poll_t and MHD_get_timeout() drives a uv_timer_t, so every MHD callback,
 *   and so all protocol state, stays on the loop thread.
 * - A request waiting for its reply, or an SSE stream with nothing to send, is suspended
 *   (MHD_suspend_connection) and resumed from the loop when there is something to send.
 * - Safe defaults (shared/RELIABILITY.md M4–M7): a connection timeout (MHD's default is none),
 *   total and per-address connection limits, Origin checked on every request (403), Host checked
 *   when bound to loopback (DNS rebinding, 403), the body limit enforced from Content-Length
 *   before reading and on a running count while reading (413), SIGPIPE ignored.
 * - A request must arrive whole (headers and body) within a wall-clock deadline, which MHD's
 *   inactivity timeout cannot give (M5: slowloris); see "request deadline" below.
 * - Suspended SSE streams are never timed out by MHD and a vanished client is not noticed (M7):
 *   one keep-alive timer writes `: ping` to idle streams and checks each suspended connection's
 *   socket: a reset ends it, a FIN (maybe only a half-close) gets a probe write (see
 *   on_keepalive), so dead streams are reaped within one keep-alive period.
 */
#include "transport/httpd.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum { HC_READING, HC_HANDLING, HC_RESPONDED };

#define SSE_BLOCK 4096
#define KEEPALIVE_TICK(d)                                           \
    ((d)->cfg.keepalive_ms / 2 == 0     ? 1                         \
     : (d)->cfg.keepalive_ms / 2 < 1000 ? (d)->cfg.keepalive_ms / 2 \
                                        : 1000)
#define DISCARD_MAX (16u << 20) /* body bytes read past the limit before closing instead */

/* ---- driving MHD from the loop ------------------------------------------------------------ */

uint64_t mcp__httpd_now(mcp__httpd *d)
{
    return uv_now(d->loop);
}

static void on_timer(uv_timer_t *t);

static void run(mcp__httpd *d)
{
    MHD_UNSIGNED_LONG_LONG to;
    if (!d->mhd)
        return;
    d->in_run = true;
    d->kick_pending = false;
    MHD_run(d->mhd);
    d->in_run = false;
    if (!d->mhd)
        return;
    if (d->kick_pending)
        uv_timer_start(&d->timer, on_timer, 0, 0);
    else if (MHD_get_timeout(d->mhd, &to) == MHD_YES)
        uv_timer_start(&d->timer, on_timer, to, 0);
    else
        uv_timer_stop(&d->timer);
}

static void kick(mcp__httpd *d)
{
    if (d->in_run)
        d->kick_pending = true;
    else if (d->mhd)
        uv_timer_start(&d->timer, on_timer, 0, 0);
}

static void on_timer(uv_timer_t *t)
{
    run(t->data);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    run(p->data);
}

/* ---- quotas ------------------------------------------------------------------------------ */

#define QUOTA_BUCKETS 1024

typedef struct quota_ent {
    struct quota_ent *next;
    unsigned n;
    char key[];
} quota_ent;

struct mcp__quota {
    quota_ent *b[QUOTA_BUCKETS];
};

static unsigned quota_hash(const char *k)
{
    unsigned h = 2166136261u;
    while (*k)
        h = (h ^ (unsigned char)*k++) * 16777619u;
    return h % QUOTA_BUCKETS;
}

mcp__quota *mcp__quota_new(void)
{
    return calloc(1, sizeof(mcp__quota));
}

void mcp__quota_free(mcp__quota *q)
{
    size_t i;
    if (!q)
        return;
    for (i = 0; i < QUOTA_BUCKETS; i++)
        while (q->b[i]) {
            quota_ent *e = q->b[i];
            q->b[i] = e->next;
            free(e);
        }
    free(q);
}

unsigned mcp__quota_get(const mcp__quota *q, const char *key)
{
    const quota_ent *e;
    if (!q)
        return 0;
    for (e = q->b[quota_hash(key)]; e; e = e->next)
        if (strcmp(e->key, key) == 0)
            return e->n;
    return 0;
}

int mcp__quota_add(mcp__quota *q, const char *key, int delta)
{
    quota_ent **pp, *e;
    if (!q)
        return 0;
    for (pp = &q->b[quota_hash(key)]; (e = *pp) != NULL; pp = &e->next)
        if (strcmp(e->key, key) == 0)
            break;
    if (!e) {
        size_t n = strlen(key) + 1;
        if (delta < 0)
            return 0;
        if (!(e = calloc(1, sizeof *e + n)))
            return -1;
        memcpy(e->key, key, n);
        *pp = e;
    }
    if (delta < 0 && e->n > 0)
        e->n--;
    else if (delta > 0)
        e->n++;
    if (e->n == 0) {
        *pp = e->next;
        free(e);
    }
    return 0;
}

/* The key quotas count `c` by: its principal (a hash of iss and sub when it has a string "sub",
 * else of the whole value, as mcp__auth_same compares them), or its client's address. */
static void set_who(mcp__hconn *c)
{
    static const char hex[] = "0123456789abcdef";
    const json_t *p = c->principal, *sub = json_object_get(p, "sub");
    const union MHD_ConnectionInfo *ci;
    unsigned char h[32];
    size_t i;

    if (p) {
        mcp__sha256 sh;
        char *text;
        /* Principals come only from auth.c, which loaded libcrypto when it was installed. */
        (void)mcp__sha256_init(&sh);
        if (json_is_string(sub)) {
            const char *iss = json_string_value(json_object_get(p, "iss"));
            mcp__sha256_update(&sh, "s", 1);
            if (iss)
                mcp__sha256_update(&sh, iss, strlen(iss));
            mcp__sha256_update(&sh, "", 1);
            mcp__sha256_update(&sh, json_string_value(sub), json_string_length(sub));
        } else if ((text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY))) {
            mcp__sha256_update(&sh, text, strlen(text));
            free(text);
        }
        (void)mcp__sha256_final(&sh, h);
        c->who[0] = 'p';
        c->who[1] = ':';
        for (i = 0; i < 32; i++) {
            c->who[2 + 2 * i] = hex[h[i] >> 4];
            c->who[3 + 2 * i] = hex[h[i] & 15];
        }
        c->who[66] = '\0';
        return;
    }
    snprintf(c->who, sizeof c->who, "a:?");
    ci = c->mc ? MHD_get_connection_info(c->mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                      c->who + 2, sizeof c->who - 2);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      c->who + 2, sizeof c->who - 2);
    }
}

/* ---- connections ------------------------------------------------------------------------- */

static void suspend(mcp__hconn *c)
{
    if (!c->suspended && c->mc) {
        MHD_suspend_connection(c->mc);
        c->suspended = true;
    }
}

static void resume(mcp__hconn *c)
{
    if (c->suspended && c->mc) {
        c->suspended = false;
        MHD_resume_connection(c->mc);
        kick(c->d);
    }
}

static void link_conn(mcp__httpd *d, mcp__hconn *c)
{
    c->snext = d->sse;
    if (d->sse)
        d->sse->sprev = c;
    d->sse = c;
    d->nconns++;
}

static void unlink_conn(mcp__httpd *d, mcp__hconn *c)
{
    if (c->sprev)
        c->sprev->snext = c->snext;
    else if (d->sse == c)
        d->sse = c->snext;
    if (c->snext)
        c->snext->sprev = c->sprev;
    c->sprev = c->snext = NULL;
    d->nconns--;
    if (c->sse) {
        d->nsse--;
        mcp__quota_add(d->sq, c->who, -1);
    }
}

const char *mcp__hconn_header(mcp__hconn *c, const char *name)
{
    return c->mc ? MHD_lookup_connection_value(c->mc, MHD_HEADER_KIND, name) : NULL;
}

const char *mcp__hconn_arg(mcp__hconn *c, const char *name)
{
    return c->mc ? MHD_lookup_connection_value(c->mc, MHD_GET_ARGUMENT_KIND, name) : NULL;
}

/* Is the qvalue [v, v + n) zero ("0", "0.", "0.0" ... "0.000")? */
static bool qvalue_zero(const char *v, size_t n)
{
    size_t i;
    if (n == 0 || v[0] != '0')
        return false;
    for (i = 1; i < n; i++)
        if (v[i] != (i == 1 ? '.' : '0'))
            return false;
    return true;
}

static bool is_ows(char ch)
{
    return ch == ' ' || ch == '\t';
}

/*
 * Does the Accept header allow `type` (RFC 9110 section 12.5.1)? The most specific media range
 * that matches it decides (the exact type, then its major type's wildcard, then the full
 * wildcard); a range with q=0 means "not acceptable". Parameters may come in any order around
 * q, with whitespace around ';' and '=', and quoted values may hold ',' and ';'.
 */
bool mcp__hconn_accepts(mcp__hconn *c, const char *type)
{
    const char *a = mcp__hconn_header(c, MHD_HTTP_HEADER_ACCEPT);
    size_t tlen = strlen(type), major = (size_t)(strchr(type, '/') - type);
    int best = 0;    /* specificity of the most specific range matching `type` so far */
    bool ok = false; /* a range of that specificity has q > 0 */

    if (!a)
        return false;
    while (*a) {
        const char *r;
        size_t n;
        int spec = 0;
        bool zero = false;
        while (is_ows(*a) || *a == ',')
            a++;
        if (!*a)
            break;
        for (r = a; *a && *a != ',' && *a != ';'; a++)
            ;
        for (n = (size_t)(a - r); n > 0 && is_ows(r[n - 1]); n--)
            ;
        if (n == tlen && strncasecmp(r, type, n) == 0)
            spec = 3;
        else if (n == major + 2 && strncasecmp(r, type, major + 1) == 0 && r[major + 1] == '*')
            spec = 2;
        else if (n == 3 && strncmp(r, "*/*", 3) == 0)
            spec = 1;
        while (*a == ';') { /* a parameter: name [= token | quoted-string] */
            const char *name, *val;
            size_t nn, vn = 0;
            for (a++; is_ows(*a); a++)
                ;
            for (name = a; *a && *a != '=' && *a != ';' && *a != ',' && !is_ows(*a); a++)
                ;
            nn = (size_t)(a - name);
            while (is_ows(*a))
                a++;
            val = a;
            if (*a == '=') {
                for (a++; is_ows(*a); a++)
                    ;
                if (*a == '"') {
                    for (val = ++a; *a && *a != '"'; a++)
                        if (*a == '\\' && a[1])
                            a++;
                    vn = (size_t)(a - val);
                    if (*a == '"')
                        a++;
                } else {
                    for (val = a; *a && *a != ';' && *a != ',' && !is_ows(*a); a++)
                        ;
                    vn = (size_t)(a - val);
                }
                while (is_ows(*a))
                    a++;
            }
            if (nn == 1 && (*name == 'q' || *name == 'Q'))
                zero = qvalue_zero(val, vn);
        }
        while (*a && *a != ',') /* anything malformed up to the next range */
            a++;
        if (spec > best) {
            best = spec;
            ok = !zero;
        } else if (spec > 0 && spec == best && !zero) {
            ok = true;
        }
    }
    return best > 0 && ok;
}

bool mcp__hconn_json_body(mcp__hconn *c)
{
    const char *t = mcp__hconn_header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t n = strlen("application/json");
    if (!t)
        return false;
    while (*t == ' ')
        t++;
    return strncasecmp(t, "application/json", n) == 0 &&
           (t[n] == '\0' || t[n] == ';' || t[n] == ' ');
}

/* ---- Origin and Host ------------------------------------------------------------------------ */

/* host[:port] where host is a loopback name; `n` bytes. */
static bool loopback_hostport(const char *h, size_t n)
{
    static const char *const names[] = {"localhost", "127.0.0.1", "[::1]"};
    size_t i, k;
    for (i = 0; i < 3; i++) {
        size_t l = strlen(names[i]);
        if (n < l || strncasecmp(h, names[i], l) != 0)
            continue;
        if (n == l)
            return true;
        if (h[l] != ':' || n == l + 1 || n - l - 1 > 5)
            continue;
        for (k = l + 1; k < n; k++)
            if (h[k] < '0' || h[k] > '9')
                break;
        if (k == n)
            return true;
    }
    return false;
}

static bool origin_allowed(mcp__httpd *d, const char *o)
{
    size_t i;
    for (i = 0; d->origins && d->origins[i]; i++)
        if (strcmp(d->origins[i], "*") == 0 || strcasecmp(d->origins[i], o) == 0)
            return true;
    if (strncasecmp(o, "http://", 7) == 0)
        return loopback_hostport(o + 7, strlen(o + 7));
    if (strncasecmp(o, "https://", 8) == 0)
        return loopback_hostport(o + 8, strlen(o + 8));
    return false;
}

static bool host_allowed(mcp__httpd *d, const char *h)
{
    if (!d->loopback)
        return true;
    if (!h)
        return true; /* HTTP/1.0 */
    return loopback_hostport(h, strlen(h));
}

/* ---- responses --------------------------------------------------------------------------- */

static void add_cors(mcp__hconn *c, struct MHD_Response *r)
{
    const char *o;
    if (!c->d->cfg.cors || !(o = mcp__hconn_header(c, "Origin")))
        return;
    MHD_add_response_header(r, "Access-Control-Allow-Origin", o);
    MHD_add_response_header(r, "Vary", "Origin");
    MHD_add_response_header(r, "Access-Control-Expose-Headers",
                            "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate");
}

struct MHD_Response *mcp__hconn_response(mcp__hconn *c, const char *ctype, const char *body,
                                         size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)(body ? body : ""), MHD_RESPMEM_MUST_COPY);
    if (!r)
        return NULL;
    if (ctype)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    add_cors(c, r);
    return r;
}

void mcp__hconn_respond(mcp__hconn *c, unsigned status, struct MHD_Response *r)
{
    if (!r)
        return;
    if (!c->mc || c->state == HC_RESPONDED || c->ready) {
        MHD_destroy_response(r);
        return;
    }
    if (c->in_handler) {
        MHD_queue_response(c->mc, status, r);
        MHD_destroy_response(r);
        c->state = HC_RESPONDED;
        return;
    }
    c->ready = r;
    c->ready_status = status;
    resume(c);
}

void mcp__hconn_json(mcp__hconn *c, unsigned status, const json_t *body, const char *h1,
                     const char *v1)
{
    size_t n = 0;
    char *text = body ? mcp__jsonrpc_dump(body, &n) : NULL;
    struct MHD_Response *r = mcp__hconn_response(c, body ? "application/json" : NULL, text, n);
    free(text);
    if (r && h1 && v1)
        MHD_add_response_header(r, h1, v1);
    mcp__hconn_respond(c, status, r);
}

void mcp__hconn_error(mcp__hconn *c, unsigned status, int code, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    json_t *msg = NULL;
    struct MHD_Response *r;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (code)
        msg = mcp__jsonrpc_error(NULL, code, text, NULL);
    if (msg) {
        mcp__hconn_json(c, status, msg, NULL, NULL);
        json_decref(msg);
        return;
    }
    r = mcp__hconn_response(c, "text/plain", text, strlen(text));
    if (r && status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, POST, DELETE");
    mcp__hconn_respond(c, status, r);
}

/* ---- SSE ----------------------------------------------------------------------------------- */

static ssize_t sse_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    mcp__hconn *c = cls;
    (void)pos;
    if (c->out_error) {
        /* MHD 0.9.75 in epoll mode only revisits a closed connection that has its own timeout
         * (or is the oldest): give it one, so the socket is closed on the next run instead of
         * lingering until the default timeout. */
        MHD_set_connection_option(c->mc, MHD_CONNECTION_OPTION_TIMEOUT, 1u);
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (c->ooff < c->olen) {
        size_t n = c->olen - c->ooff;
        if (n > max)
            n = max;
        memcpy(buf, c->out + c->ooff, n);
        c->ooff += n;
        if (c->ooff == c->olen)
            c->ooff = c->olen = 0;
        if (c->ocap > 65536 && c->olen == 0) { /* give back a burst's buffer */
            free(c->out);
            c->out = NULL;
            c->ocap = 0;
        }
        return (ssize_t)n;
    }
    if (c->out_end)
        return MHD_CONTENT_READER_END_OF_STREAM;
    suspend(c);
    return 0;
}

bool mcp__hconn_stream_allowed(const mcp__hconn *c)
{
    return !c->d->cfg.max_streams_who ||
           mcp__quota_get(c->d->sq, c->who) < c->d->cfg.max_streams_who;
}

int mcp__hconn_sse(mcp__hconn *c, const char *h1, const char *v1)
{
    struct MHD_Response *r;
    if (!c->mc || c->sse || !mcp__hconn_stream_allowed(c))
        return -1;
    if (mcp__quota_add(c->d->sq, c->who, 1) != 0)
        return -1;
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, sse_reader, c, NULL);
    if (!r) {
        mcp__quota_add(c->d->sq, c->who, -1);
        return -1;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, no-transform");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    if (h1 && v1)
        MHD_add_response_header(r, h1, v1);
    add_cors(c, r);
    c->sse = true;
    c->d->nsse++;
    c->last_write = mcp__httpd_now(c->d);
    mcp__hconn_respond(c, MHD_HTTP_OK, r);
    return 0;
}

/*
 * Make room for `len` more bytes of SSE output. What the client has already taken is dropped
 * first. A client that reads too slowly (or not at all) must not grow the server: when bytes are
 * still queued and `len` more would pass cfg.max_out, the stream is over (-1). An empty queue
 * always takes one event whatever its size, so every stream makes progress.
 */
static int out_reserve(mcp__hconn *c, size_t len)
{
    if (!c->mc || c->out_end)
        return -1;
    if (c->ooff > 0) {
        memmove(c->out, c->out + c->ooff, c->olen - c->ooff);
        c->olen -= c->ooff;
        c->ooff = 0;
    }
    if (c->olen > 0 && c->d->cfg.max_out && c->olen + len > c->d->cfg.max_out) {
        mcp_server_log(c->d->srv, MCP_LOG_INFO,
                       "%s: an SSE stream's client is not reading (%zu bytes queued, limit %zu); "
                       "%s it",
                       c->d->cfg.name, c->olen, c->d->cfg.max_out,
                       c->d->cfg.out_abort ? "closing" : "ending");
        c->overflow = true;
        mcp__hconn_end(c, c->d->cfg.out_abort);
        return -1;
    }
    if (c->olen + len > c->ocap) {
        size_t cap = c->ocap ? c->ocap : 1024;
        char *nb;
        while (cap < c->olen + len)
            cap *= 2;
        nb = realloc(c->out, cap);
        if (!nb) {
            mcp__hconn_end(c, true); /* cannot buffer: drop the stream rather than lose events */
            return -1;
        }
        c->out = nb;
        c->ocap = cap;
    }
    return 0;
}

static void out_append(mcp__hconn *c, const char *data, size_t len)
{
    memcpy(c->out + c->olen, data, len);
    c->olen += len;
}

void mcp__hconn_write(mcp__hconn *c, const char *data, size_t len)
{
    if (out_reserve(c, len) != 0)
        return;
    out_append(c, data, len);
    c->last_write = mcp__httpd_now(c->d);
    resume(c);
}

void mcp__hconn_event(mcp__hconn *c, const char *id, const char *event, const char *data,
                      size_t len)
{
    char head[128];
    int n = 0;
    if (id)
        n += snprintf(head + n, sizeof head - (size_t)n, "id: %s\n", id);
    if (event)
        n += snprintf(head + n, sizeof head - (size_t)n, "event: %s\n", event);
    n += snprintf(head + n, sizeof head - (size_t)n, "data: ");
    if (out_reserve(c, (size_t)n + len + 2) != 0) /* the whole event, or none of it */
        return;
    out_append(c, head, (size_t)n);
    out_append(c, data, len);
    out_append(c, "\n\n", 2);
    c->last_write = mcp__httpd_now(c->d);
    resume(c);
}

size_t mcp__hconn_queued(const mcp__hconn *c)
{
    return c->olen - c->ooff;
}

void mcp__hconn_end(mcp__hconn *c, bool error)
{
    if (error)
        c->out_error = true;
    c->out_end = true;
    resume(c);
}

/* ---- request deadline ------------------------------------------------------------------------ */

/*
 * MHD's connection timeout restarts on every read, so a client trickling one header line or one
 * body byte at a time would hold its connection (and its memory) forever (M5). Each request must
 * therefore arrive whole, headers and body, within cfg.request_deadline_ms of the earliest point
 * MHD 0.9.75 lets us see: the accept for a connection's first request
 * (MHD_OPTION_NOTIFY_CONNECTION), the end of the previous response for the next ones on a
 * kept-alive connection (the idle gap is counted; MHD's own timeout bounds it anyway). Once the
 * body is complete the connection leaves the queue: handling a request, and SSE streams, have no
 * deadline.
 *
 * Deadlines all have the same length and start at loop time "now", so appending keeps the queue
 * sorted; one timer is armed for its head. When a deadline passes the socket is shut down (MHD
 * reads EOF and closes the connection through its usual path). Still in the headers, that is all
 * HTTP allows; in the body, a 408 with a JSON-RPC error is written first. MHD 0.9.75 cannot queue
 * a response mid-upload, so the 408 goes straight to the socket — on plain HTTP only: under TLS
 * the connection is just closed.
 */
struct mcp__hsock {
    struct MHD_Connection *mc;
    mcp__hconn *req;         /* the current request once its headers are in, else NULL */
    uint64_t t0;             /* loop time its deadline counts from */
    mcp__hsock *prev, *next; /* the daemon's deadline queue */
    bool queued, expired;
};

static void on_deadline(uv_timer_t *t);

static void dl_unlink(mcp__httpd *d, mcp__hsock *s)
{
    if (!s->queued)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        d->dl_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        d->dl_tail = s->prev;
    s->prev = s->next = NULL;
    s->queued = false;
}

/* (Re)start the deadline of `s` now; it goes to the tail. */
static void dl_push(mcp__httpd *d, mcp__hsock *s)
{
    dl_unlink(d, s);
    if (s->expired || d->stopped)
        return;
    s->t0 = mcp__httpd_now(d);
    s->prev = d->dl_tail;
    if (d->dl_tail)
        d->dl_tail->next = s;
    else
        d->dl_head = s;
    d->dl_tail = s;
    s->queued = true;
    if (d->dl_head == s) /* the queue was empty: nothing is armed */
        uv_timer_start(&d->deadline, on_deadline, d->cfg.request_deadline_ms, 0);
}

static mcp__hsock *sock_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static int sock_fd(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    return ci ? ci->connect_fd : -1;
}

char *mcp__hconn_peer(mcp__hconn *c)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "";
    int fd = c->mc ? sock_fd(c->mc) : -1;
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
        return NULL;
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
    else if (ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host);
    return host[0] ? strdup(host) : NULL;
}

/* Write a 408 with a JSON-RPC error (id null) to a plain-HTTP socket, best effort: the send
 * buffer of a connection still uploading is empty, and the close follows anyway. */
static void send_408(mcp__httpd *d, mcp__hconn *c, int fd)
{
    char text[160], head[768];
    const char *o = d->cfg.cors ? mcp__hconn_header(c, "Origin") : NULL;
    json_t *msg;
    char *body = NULL;
    size_t blen = 0;
    int n;
    struct iovec iov[2];
    struct msghdr mh;

    snprintf(text, sizeof text, "Request Timeout: the request did not arrive within %u ms",
             d->cfg.request_deadline_ms);
    msg = mcp__jsonrpc_error(NULL, MCP_JSONRPC_INVALID_REQUEST, text, NULL);
    if (msg) {
        body = mcp__jsonrpc_dump(msg, &blen);
        json_decref(msg);
    }
    if (o && (strlen(o) > 256 || strpbrk(o, "\r\n")))
        o = NULL;
    n = snprintf(head, sizeof head,
                 "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                 "%s%s%s\r\n",
                 body ? blen : 0, o ? "Access-Control-Allow-Origin: " : "", o ? o : "",
                 o ? "\r\nVary: Origin\r\n" : "");
    if (n > 0 && (size_t)n < sizeof head) {
        iov[0].iov_base = head;
        iov[0].iov_len = (size_t)n;
        iov[1].iov_base = body;
        iov[1].iov_len = body ? blen : 0;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = iov;
        mh.msg_iovlen = 2;
        (void)!sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    free(body);
}

static void expire(mcp__httpd *d, mcp__hsock *s)
{
    mcp__hconn *c = s->req;
    int fd = sock_fd(s->mc);
    s->expired = true;
    if (c && c->sse)
        return; /* cannot happen (streams start after the body); never cut one */
    if (c)
        c->expired = true; /* from now on the access handler refuses (MHD closes) */
    if (c && c->staging)
        resume(c); /* MHD watches no suspended socket: let it see the close */
    mcp_server_log(d->srv, MCP_LOG_DEBUG, "%s: request deadline (%u ms) passed %s; closing",
                   d->cfg.name, d->cfg.request_deadline_ms,
                   !c                       ? "in the headers"
                   : c->state == HC_READING ? "in the body (408)"
                                            : "before the body was read");
    if (fd < 0)
        return;
    if (c && c->state == HC_READING && !d->tls)
        send_408(d, c, fd);
    shutdown(fd, SHUT_RDWR); /* MHD sees EOF/HUP and closes the connection on its next run */
    kick(d);
}

static void on_deadline(uv_timer_t *t)
{
    mcp__httpd *d = t->data;
    uint64_t now = mcp__httpd_now(d);
    mcp__hsock *s;
    while ((s = d->dl_head) != NULL && now - s->t0 >= d->cfg.request_deadline_ms) {
        dl_unlink(d, s);
        expire(d, s);
    }
    if (s)
        uv_timer_start(&d->deadline, on_deadline, s->t0 + d->cfg.request_deadline_ms - now, 0);
}

/* MHD_OPTION_NOTIFY_CONNECTION: a TCP connection starts (its first deadline too) or ends. */
static void notify_conn(void *cls, struct MHD_Connection *mc, void **socket_context,
                        enum MHD_ConnectionNotificationCode code)
{
    mcp__httpd *d = cls;
    mcp__hsock *s = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        s = calloc(1, sizeof *s);
        if (!s) { /* no deadline could be kept: refuse the connection */
            int fd = sock_fd(mc);
            if (fd >= 0)
                shutdown(fd, SHUT_RDWR);
            kick(d);
            return;
        }
        s->mc = mc;
        *socket_context = s;
        dl_push(d, s);
        return;
    }
    if (!s)
        return;
    dl_unlink(d, s);
    if (s->req)
        s->req->sock = NULL;
    *socket_context = NULL;
    free(s);
}

/* ---- MHD callbacks --------------------------------------------------------------------------- */

static void preflight(mcp__hconn *c)
{
    struct MHD_Response *r = mcp__hconn_response(c, NULL, NULL, 0);
    if (!r)
        return;
    MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
    MHD_add_response_header(r, "Access-Control-Allow-Headers",
                            "Content-Type, Accept, Authorization, Mcp-Session-Id, "
                            "MCP-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name");
    MHD_add_response_header(r, "Access-Control-Max-Age", "86400");
    mcp__hconn_respond(c, MHD_HTTP_NO_CONTENT, r);
}

static enum MHD_Result count_origin(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    (void)kind;
    (void)value;
    if (strcasecmp(key, "Origin") == 0)
        ++*(int *)cls;
    return MHD_YES;
}

static void after_stage(mcp__httpd *d, mcp__hconn *c);

static void first_call(mcp__httpd *d, mcp__hconn *c)
{
    const char *origin = mcp__hconn_header(c, "Origin");
    int origins = 0;

    if (origin)
        MHD_get_connection_values(c->mc, MHD_HEADER_KIND, count_origin, &origins);
    if (origin && (origins > 1 || !origin_allowed(d, origin))) {
        mcp__hconn_error(c, MHD_HTTP_FORBIDDEN, MCP_JSONRPC_INVALID_REQUEST,
                         "Forbidden: Origin '%.100s' is not allowed", origin);
        return;
    }
    if (!host_allowed(d, mcp__hconn_header(c, MHD_HTTP_HEADER_HOST))) {
        mcp__hconn_error(c, MHD_HTTP_FORBIDDEN, MCP_JSONRPC_INVALID_REQUEST,
                         "Forbidden: Host '%.100s' is not allowed on a loopback server",
                         mcp__hconn_header(c, MHD_HTTP_HEADER_HOST));
        return;
    }
    if (strcmp(c->method, "OPTIONS") == 0 && d->cfg.cors) {
        preflight(c);
        return;
    }
    /* Before any session lookup or body: the transport's stage (authorization: auth.c). */
    if (d->cfg.stage) {
        int rc = d->cfg.stage(c, d->cfg.stage_state);
        if (rc == MCP__STAGE_LATER && c->state != HC_RESPONDED) {
            /* Parked: MHD calls the handler again, as a first call, once resumed. */
            c->staging = true;
            suspend(c);
            return;
        }
        if (rc != 0)
            return;
    }
    after_stage(d, c);
}

void mcp__hconn_stage_done(mcp__hconn *c)
{
    if (!c->staging)
        return;
    c->staging = false;
    c->staged = true;
    resume(c);
    if (!c->suspended)
        kick(c->d);
}

/* What a request does once the stage let it through. */
static void after_stage(mcp__httpd *d, mcp__hconn *c)
{
    const char *cl = mcp__hconn_header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
    set_who(c); /* the principal is known now */
    if (cl) {
        char *end;
        unsigned long long n;
        errno = 0;
        n = strtoull(cl, &end, 10);
        if (errno || end == cl || n > d->cfg.max_body) {
            mcp__hconn_error(c, MHD_HTTP_CONTENT_TOO_LARGE, MCP_JSONRPC_INVALID_REQUEST,
                             "Payload Too Large: the body limit is %zu bytes", d->cfg.max_body);
            return;
        }
    }
    if (d->h->headers && d->h->headers(c) != 0 && c->state != HC_RESPONDED)
        mcp__hconn_error(c, MHD_HTTP_BAD_REQUEST, 0, "Bad Request");
}

static enum MHD_Result ahc(void *cls, struct MHD_Connection *mc, const char *url,
                           const char *method, const char *version, const char *upload,
                           size_t *upload_size, void **con_cls)
{
    mcp__httpd *d = cls;
    mcp__hconn *c = *con_cls;
    (void)version;

    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c)
            return MHD_NO;
        c->d = d;
        c->mc = mc;
        c->url = url;
        c->method = method;
        *con_cls = c;
        link_conn(d, c);
        if ((c->sock = sock_of(mc)) != NULL)
            c->sock->req = c; /* out of the headers: the body's deadline is the same one */
        c->in_handler = true;
        first_call(d, c);
        c->in_handler = false;
        return MHD_YES;
    }
    if (c->expired)
        return MHD_NO; /* the deadline passed (a 408 may be out already): close */
    if (c->staging) {
        if (c->out_end)
            return MHD_NO; /* ended while the stage waited (a reset seen by the keep-alive) */
        suspend(c);        /* resumed for another reason: the stage still waits */
        return MHD_YES;
    }
    if (c->staged) { /* the stage finished: this is the first call again, nothing read yet */
        c->staged = false;
        c->in_handler = true;
        if (c->ready) {
            struct MHD_Response *r = c->ready;
            c->ready = NULL;
            MHD_queue_response(mc, c->ready_status, r);
            MHD_destroy_response(r);
            c->state = HC_RESPONDED;
        } else {
            after_stage(d, c);
        }
        c->in_handler = false;
        return MHD_YES;
    }
    c->in_handler = true;
    if (*upload_size > 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (c->too_big) {
            /* MHD cannot answer mid-upload: discard the rest (bounded), then answer 413. */
            c->len += n;
            c->in_handler = false;
            return c->len > d->cfg.max_body + DISCARD_MAX ? MHD_NO : MHD_YES;
        }
        if (c->state == HC_READING) {
            if (c->len + n > d->cfg.max_body) {
                c->too_big = true;
                free(c->body);
                c->body = NULL;
                c->len += n;
                c->cap = 0;
                c->in_handler = false;
                return MHD_YES;
            }
            if (c->len + n + 1 > c->cap) {
                size_t cap = c->cap ? c->cap : 4096;
                char *nb;
                while (cap < c->len + n + 1)
                    cap *= 2;
                nb = realloc(c->body, cap);
                if (!nb) {
                    c->in_handler = false;
                    return MHD_NO;
                }
                c->body = nb;
                c->cap = cap;
            }
            memcpy(c->body + c->len, upload, n);
            c->len += n;
            c->body[c->len] = '\0';
        }
        c->in_handler = false;
        return MHD_YES;
    }
    if (c->state == HC_READING) {
        c->state = HC_HANDLING;
        if (c->sock)
            dl_unlink(d, c->sock); /* the request is whole: no deadline while it is handled */
        if (c->too_big)
            mcp__hconn_error(c, MHD_HTTP_CONTENT_TOO_LARGE, MCP_JSONRPC_INVALID_REQUEST,
                             "Payload Too Large: the body limit is %zu bytes", d->cfg.max_body);
        else
            d->h->request(c);
        if (c->state != HC_RESPONDED) {
            /* Suspend on the next call, not now: MHD 0.9.75 must first note that it reads nothing
             * more here. Suspended at once, it would read on resume, and a client that shut down
             * its write side after the request (a legal half-close) would be dropped. */
            c->in_handler = false;
            kick(d);
            return MHD_YES;
        }
    } else if (c->state == HC_HANDLING && !c->ready && c->out_end && !c->sse) {
        c->in_handler = false;
        return MHD_NO; /* the client went away while its reply was pending: close */
    } else if (c->state == HC_HANDLING && c->ready) {
        struct MHD_Response *r = c->ready;
        c->ready = NULL;
        MHD_queue_response(mc, c->ready_status, r);
        MHD_destroy_response(r);
        c->state = HC_RESPONDED;
    }
    if (c->state != HC_RESPONDED)
        suspend(c); /* the reply comes later */
    c->in_handler = false;
    return MHD_YES;
}

static void completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    mcp__httpd *d = cls;
    mcp__hconn *c = con_cls ? *con_cls : NULL;
    mcp__hsock *s = c ? c->sock : sock_of(mc);
    (void)toe;
    /* MHD closes the socket itself on its next run: make sure there is one soon. */
    d->kick_pending = true;
    if (s) { /* a kept-alive connection's next request: its deadline starts now */
        s->req = NULL;
        dl_push(d, s);
    }
    if (!c)
        return;
    *con_cls = NULL;
    c->mc = NULL;
    c->suspended = false;
    if (c->staging && d->cfg.stage_cancel)
        d->cfg.stage_cancel(c, d->cfg.stage_state); /* it must forget `c` */
    c->staging = false;
    unlink_conn(d, c);
    if (d->h->closed)
        d->h->closed(c);
    if (c->ready)
        MHD_destroy_response(c->ready);
    json_decref(c->principal);
    free(c->body);
    free(c->out);
    free(c);
}

static void mhd_log(void *cls, const char *fm, va_list ap)
{
    mcp__httpd *d = cls;
    char line[512];
    size_t n;
    vsnprintf(line, sizeof line, fm, ap);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    mcp_server_log(d->srv, MCP_LOG_INFO, "%s: libmicrohttpd: %s", d->cfg.name, line);
}

/* ---- keep-alive ------------------------------------------------------------------------------ */

/*
 * What the socket of a suspended connection shows (MHD does not watch it, M7): nothing new (0),
 * the peer's FIN (1), or a reset or other error (2). A FIN alone is not a vanished client: after
 * a complete request a client may shut down its write side and still read the reply (legal TCP).
 */
enum { PEER_OK, PEER_FIN, PEER_RESET };

static int peer_state(mcp__hconn *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c->mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    char b;
    ssize_t n;
    if (!ci)
        return PEER_OK;
    n = recv(ci->connect_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0)
        return PEER_FIN;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return PEER_RESET;
    return PEER_OK;
}

/*
 * Each tick checks every suspended connection. A reset ends it (for a POST parked for its reply
 * that is what lets a 2026-07-28 request be cancelled). A FIN only starts a probe: the transport
 * may turn a parked POST into an SSE stream (handler `half_closed`), and a stream gets a keep-alive
 * comment at once. A client that is really gone answers that write with a reset, seen on the
 * next tick (or by MHD as a failed write); a half-closed one reads its reply.
 */
static void on_keepalive(uv_timer_t *t)
{
    mcp__httpd *d = t->data;
    uint64_t now = mcp__httpd_now(d);
    mcp__hconn *c, *next;
    for (c = d->sse; c; c = next) {
        next = c->snext;
        if (!c->mc || c->out_end)
            continue;
        if (c->suspended) {
            int ps = peer_state(c);
            if (ps == PEER_RESET) {
                mcp__hconn_end(c, true);
                continue;
            }
            if (c->staging)
                continue; /* a FIN while the stage waits: the answer is still sent */
            if (ps == PEER_FIN && !c->peer_fin) {
                c->peer_fin = true;
                if (!c->sse && d->h->half_closed)
                    d->h->half_closed(c);
                if (c->sse && c->mc && !c->out_end && c->olen == 0) {
                    mcp__hconn_write(c, ": ping\n\n", 8); /* the probe */
                    continue;
                }
            }
        }
        if (c->sse && now - c->last_write + 5 >= d->cfg.keepalive_ms / 2 && c->olen == 0)
            mcp__hconn_write(c, ": ping\n\n", 8);
    }
}

/* ---- start / stop ---------------------------------------------------------------------------- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (16 << 20) &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
        }
    }
    fclose(f);
    return buf;
}

static int open_listener(mcp__httpd *d)
{
    struct addrinfo hints, *ai = NULL;
    char port[16];
    int fd, one = 1, rc;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    const char *host = d->cfg.host ? d->cfg.host : "127.0.0.1";

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof port, "%u", d->cfg.port);
    rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0 || !ai) {
        mcp_server_log(d->srv, MCP_LOG_ERROR, "%s: cannot resolve '%s': %s", d->cfg.name, host,
                       gai_strerror(rc));
        return -1;
    }
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(ai);
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        mcp_server_log(d->srv, MCP_LOG_ERROR, "%s: cannot listen on %s port %u: %s", d->cfg.name,
                       host, d->cfg.port, strerror(errno));
        close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            d->port = ntohs(s4->sin_port);
            d->loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            d->port = ntohs(s6->sin6_port);
            d->loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
        }
    }
    return fd;
}

int mcp__httpd_start(mcp__httpd *d, mcp_server_t *srv, const mcp__httpd_config *cfg,
                     const mcp__httpd_handler *h, void *owner)
{
    struct MHD_OptionItem opts[16];
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    const union MHD_DaemonInfo *info;
    size_t n = 0, i, norig = 0;
    char why[300];

    d->cfg = *cfg; /* from here on the daemon owns the stage's state (freed by close) */
    if (mcp__mhd_load(why, sizeof why) != MCP_OK) {
        mcp_server_log(srv, MCP_LOG_ERROR, "%s: %s", cfg->name, why);
        return MCP_EIO;
    }
    d->srv = srv;
    d->loop = srv->loop;
    d->h = h;
    d->owner = owner;
    d->cfg.allowed_origins = NULL;
    d->listen_fd = -1;
    if (!d->cfg.keepalive_ms)
        d->cfg.keepalive_ms = 15000;
    if (!d->cfg.request_deadline_ms)
        d->cfg.request_deadline_ms = 30000;
    if (!(d->sq = mcp__quota_new()))
        return MCP_ENOMEM;
    while (cfg->allowed_origins && cfg->allowed_origins[norig])
        norig++;
    if (norig) {
        d->origins = calloc(norig + 1, sizeof *d->origins);
        if (!d->origins)
            return MCP_ENOMEM;
        for (i = 0; i < norig; i++)
            if (!(d->origins[i] = strdup(cfg->allowed_origins[i])))
                return MCP_ENOMEM;
    }
    if (cfg->tls_cert_file || cfg->tls_key_file) {
        if (!cfg->tls_cert_file || !cfg->tls_key_file) {
            mcp_server_log(srv, MCP_LOG_ERROR, "%s: TLS needs both a certificate and a key",
                           cfg->name);
            return MCP_EINVAL;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            mcp_server_log(srv, MCP_LOG_ERROR, "%s: this libmicrohttpd has no TLS support",
                           cfg->name);
            return MCP_EINVAL;
        }
        d->tls_cert = read_file(cfg->tls_cert_file);
        d->tls_key = read_file(cfg->tls_key_file);
        if (!d->tls_cert || !d->tls_key) {
            mcp_server_log(srv, MCP_LOG_ERROR, "%s: cannot read %s", cfg->name,
                           d->tls_cert ? cfg->tls_key_file : cfg->tls_cert_file);
            return MCP_EINVAL;
        }
        flags |= MHD_USE_TLS;
        d->tls = true;
    }
    /* A vanished client must surface as EPIPE, never kill the process. */
    signal(SIGPIPE, SIG_IGN);

    d->listen_fd = open_listener(d);
    if (d->listen_fd < 0)
        return MCP_EIO;

#define OPT(o, v, p) \
    (opts[n].option = (o), opts[n].value = (intptr_t)(v), opts[n].ptr_value = (p), n++)
    OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, d); /* first, or MHD warns */
    OPT(MHD_OPTION_LISTEN_SOCKET, d->listen_fd, NULL);
    OPT(MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s ? cfg->connection_timeout_s : 10,
        NULL);
    OPT(MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections ? cfg->max_connections : 10000, NULL);
    OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_per_ip ? cfg->max_per_ip : 64, NULL);
    /* 16 KiB (MHD's default is 32): headers up to ~8 KiB (nginx's default), and half the
     * memory per idle SSE stream, which is what 10,000 streams in 256 MiB needs. */
    OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        cfg->connection_memory ? cfg->connection_memory : (size_t)16384, NULL);
    OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, d);
    OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)notify_conn, d); /* request deadlines */
    OPT(MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, NULL);
    OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL);
    if (d->tls_cert) {
        OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, d->tls_key);
        OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, d->tls_cert);
    }
    OPT(MHD_OPTION_END, 0, NULL);
#undef OPT

    d->mhd = MHD_start_daemon(flags, 0, NULL, NULL, ahc, d, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!d->mhd) {
        mcp_server_log(srv, MCP_LOG_ERROR, "%s: libmicrohttpd failed to start", cfg->name);
        close(d->listen_fd);
        d->listen_fd = -1;
        return MCP_EIO;
    }
    info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info || uv_poll_init(d->loop, &d->poll, info->epoll_fd) != 0) {
        MHD_stop_daemon(d->mhd);
        d->mhd = NULL;
        return MCP_EIO;
    }
    d->poll.data = d;
    uv_poll_start(&d->poll, UV_READABLE, on_poll);
    uv_timer_init(d->loop, &d->timer);
    d->timer.data = d;
    uv_timer_init(d->loop, &d->keepalive);
    d->keepalive.data = d;
    /* at least every second: that is also how soon a vanished client is noticed */
    uv_timer_start(&d->keepalive, on_keepalive, KEEPALIVE_TICK(d), KEEPALIVE_TICK(d));
    uv_timer_init(d->loop, &d->deadline);
    d->deadline.data = d;
    uv_unref((uv_handle_t *)&d->keepalive);
    uv_unref((uv_handle_t *)&d->timer);
    uv_unref((uv_handle_t *)&d->deadline);
    d->open_handles = 4;
    run(d);
    return MCP_OK;
}

void mcp__httpd_quiesce(mcp__httpd *d)
{
    if (d->mhd && d->listen_fd >= 0) {
        MHD_socket fd = MHD_quiesce_daemon(d->mhd);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
        d->listen_fd = -1;
    }
}

static void handle_closed(uv_handle_t *h)
{
    mcp__httpd *d = h->data;
    if (--d->open_handles == 0 && d->on_closed)
        d->on_closed(d);
}

void mcp__httpd_close(mcp__httpd *d, void (*on_closed)(mcp__httpd *d))
{
    mcp__hconn *c;
    size_t i;
    if (d->stopped)
        return;
    d->stopped = true;
    d->on_closed = on_closed;
    if (d->mhd) {
        for (c = d->sse; c; c = c->snext) {
            c->out_end = c->out_error = true;
            if (c->suspended) {
                c->suspended = false;
                MHD_resume_connection(c->mc);
            }
        }
        MHD_run(d->mhd);         /* let resumed connections be taken back before stopping */
        MHD_stop_daemon(d->mhd); /* closes the rest; `completed` runs for each */
        d->mhd = NULL;
        d->listen_fd = -1;
    } else if (d->listen_fd >= 0) {
        close(d->listen_fd);
        d->listen_fd = -1;
    }
    for (i = 0; d->origins && d->origins[i]; i++)
        free(d->origins[i]);
    free(d->origins);
    d->origins = NULL;
    free(d->tls_cert);
    free(d->tls_key);
    d->tls_cert = d->tls_key = NULL;
    mcp__quota_free(d->sq);
    d->sq = NULL;
    if (d->cfg.stage_free)
        d->cfg.stage_free(d->cfg.stage_state);
    d->cfg.stage = NULL;
    d->cfg.stage_state = NULL;
    d->cfg.stage_free = NULL;
    if (d->open_handles == 0) {
        if (on_closed)
            on_closed(d);
        return;
    }
    uv_close((uv_handle_t *)&d->poll, handle_closed);
    uv_close((uv_handle_t *)&d->timer, handle_closed);
    uv_close((uv_handle_t *)&d->keepalive, handle_closed);
    uv_close((uv_handle_t *)&d->deadline, handle_closed);
}
