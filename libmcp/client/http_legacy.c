/*
 * The legacy HTTP+SSE client transport (protocol 2024-11-05): one long GET whose first event,
 * `endpoint`, names the URL to POST messages to; every message from the server, responses
 * included, arrives as a `message` event on that stream. Messages sent before the endpoint is
 * known wait for it (bounded). The stream ending ends the connection: every request in flight
 * fails once (the core does that in mcp__client_transport_closed).
 */
#include "client/http.h"

#include <strings.h>

#define QUEUE_MAX 256 /* messages waiting for the endpoint */

typedef struct legacy legacy;

typedef struct lpost {
    legacy *t;
    mcp__curl_req *req;
    json_int_t id; /* a request (its answer comes on the stream), or 0 */
    long status;
    bool released;
    char *body;                /* queued before the endpoint is known */
    struct lpost *prev, *next; /* in flight (t->posts) or queued (t->queue) */
} lpost;

struct legacy {
    mcp__ctransport base;
    mcp__curl *eng;
    char *url;      /* the SSE stream */
    char *endpoint; /* where to POST, once known */
    char **headers;
    char *ca_file;
    bool insecure;
    unsigned connect_timeout_ms;
    mcp__curl_req *get;
    mcp__sse parser;
    long get_status;
    int get_fail;
    char get_why[200];
    lpost *posts, *queue;
    size_t queued;
    bool closing, closed, gone;
    size_t max;
};

static void list_add(lpost **head, lpost *p)
{
    p->prev = NULL;
    p->next = *head;
    if (*head)
        (*head)->prev = p;
    *head = p;
}

static void list_del(lpost **head, lpost *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else if (*head == p)
        *head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    p->prev = p->next = NULL;
}

static void maybe_free(legacy *t)
{
    if (!t->gone || t->get || t->posts)
        return;
    mcp__curl_release(t->eng);
    mcp__sse_free(&t->parser);
    mcp__chttp_headers_free(t->headers);
    free(t->url);
    free(t->endpoint);
    free(t->ca_file);
    free(t);
}

static void closed(legacy *t, int status, const char *why)
{
    if (t->closed)
        return;
    t->closed = true;
    if (t->base.client)
        mcp__client_transport_closed(t->base.client, status, why);
}

/* ---- the endpoint --------------------------------------------------------------------------- */

/* Length of "scheme://authority" at the start of `url`. */
static size_t origin_len(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return 0;
    p += 3;
    p += strcspn(p, "/?#");
    return (size_t)(p - url);
}

/* The endpoint event's URI resolved against the stream's URL; only the same origin is
 * accepted (a server must not send our messages elsewhere). NULL when refused. */
static char *resolve(const char *base, const char *ref)
{
    size_t o = origin_len(base), n;
    char *out;
    if (strncasecmp(ref, "http://", 7) == 0 || strncasecmp(ref, "https://", 8) == 0) {
        size_t ro = origin_len(ref);
        if (ro != o || strncasecmp(ref, base, o) != 0)
            return NULL;
        return strdup(ref);
    }
    if (ref[0] == '/' && ref[1] != '/') {
        n = o;
    } else if (ref[0] != '/') { /* relative to the stream's path */
        const char *q = base + o + strcspn(base + o, "?#");
        n = (size_t)(q - base);
        while (n > o && base[n - 1] != '/')
            n--;
        if (n == o) { /* no path: "/" */
            if (!(out = malloc(o + 2 + strlen(ref))))
                return NULL;
            sprintf(out, "%.*s/%s", (int)o, base, ref);
            return out;
        }
    } else {
        return NULL; /* "//host": another origin */
    }
    if (!(out = malloc(n + strlen(ref) + 1)))
        return NULL;
    memcpy(out, base, n);
    strcpy(out + n, ref);
    return out;
}

/* ---- POSTs ---------------------------------------------------------------------------------- */

static int post_headers(mcp__curl_req *r, long status, const char *ctype, void *ud)
{
    lpost *p = ud;
    (void)r;
    (void)ctype;
    p->status = status;
    return p->released;
}

static int post_body(mcp__curl_req *r, const char *data, size_t len, void *ud)
{
    lpost *p = ud;
    (void)r;
    (void)data;
    (void)len;
    return p->released; /* the answer comes on the stream; the body is only "Accepted" */
}

static void post_done(mcp__curl_req *r, const mcp__curl_result *res, void *ud)
{
    lpost *p = ud;
    legacy *t = p->t;
    json_int_t id = p->id;
    bool report = !p->released && t->base.client && id;
    long status = p->status;
    char why[300];
    (void)r;
    list_del(&t->posts, p);
    free(p);
    if (report && (res->err != MCP_OK || status >= 300)) {
        if (res->err != MCP_OK)
            snprintf(why, sizeof why, "HTTP request failed: %s", res->error);
        else
            snprintf(why, sizeof why, "HTTP %ld from the message endpoint", status);
        mcp__client_fail_request(t->base.client, id, res->err != MCP_OK ? res->err : MCP_EIO, why);
    }
    maybe_free(t);
}

static int post_start(legacy *t, lpost *p, const char *body)
{
    char why[200] = "";
    const char *hv[40];
    size_t i, n = 0;
    for (i = 0; t->headers[i] && n < 37; i++)
        hv[n++] = t->headers[i];
    hv[n++] = "Content-Type: application/json";
    hv[n++] = "Accept: application/json, text/event-stream";
    hv[n] = NULL;
    p->req = mcp__curl_start(t->eng,
                             &(mcp__curl_opts){.url = t->endpoint,
                                               .headers = hv,
                                               .body = body,
                                               .body_len = strlen(body),
                                               .timeout_ms = 60000,
                                               .connect_timeout_ms = t->connect_timeout_ms,
                                               .ca_file = t->ca_file,
                                               .insecure = t->insecure,
                                               .on_headers = post_headers,
                                               .on_body = post_body,
                                               .on_done = post_done,
                                               .ud = p},
                             why, sizeof why);
    if (!p->req) {
        if (t->base.client)
            mcp__client_set_error(t->base.client, "HTTP request failed: %s", why);
        return MCP_EIO;
    }
    list_add(&t->posts, p);
    return MCP_OK;
}

static void flush_queue(legacy *t)
{
    lpost *last;
    /* oldest first: the queue is newest-first */
    while (t->queue) {
        for (last = t->queue; last->next; last = last->next)
            ;
        list_del(&t->queue, last);
        t->queued--;
        if (post_start(t, last, last->body) != MCP_OK) {
            json_int_t id = last->id;
            free(last->body);
            free(last);
            if (id && t->base.client)
                mcp__client_fail_request(t->base.client, id, MCP_EIO, "cannot POST the message");
            continue;
        }
        free(last->body);
        last->body = NULL;
    }
}

/* ---- the stream ----------------------------------------------------------------------------- */

static int on_event(void *ud, const char *event, const char *data, size_t len, const char *id)
{
    legacy *t = ud;
    (void)id;
    if (strcmp(event, "endpoint") == 0) {
        char *ep = t->endpoint ? NULL : resolve(t->url, data);
        if (!t->endpoint && !ep) {
            snprintf(t->get_why, sizeof t->get_why,
                     "the server named an endpoint on another origin: %.100s", data);
            t->get_fail = MCP_EIO;
            return 1;
        }
        if (ep) {
            t->endpoint = ep;
            flush_queue(t);
        }
        return 0;
    }
    if (strcmp(event, "message") == 0 && len && t->base.client)
        mcp__client_receive(t->base.client, data, len);
    return 0;
}

static int get_headers(mcp__curl_req *r, long status, const char *ctype, void *ud)
{
    legacy *t = ud;
    (void)r;
    t->get_status = status;
    if (t->closing)
        return 1;
    if (status != 200) {
        t->get_fail = MCP_EIO;
        snprintf(t->get_why, sizeof t->get_why, "HTTP %ld from the SSE endpoint", status);
        return 1;
    }
    if (!mcp__chttp_ctype_is(ctype, "text/event-stream")) {
        t->get_fail = MCP_EIO;
        snprintf(t->get_why, sizeof t->get_why,
                 "the SSE endpoint answered with content type '%.60s'", ctype ? ctype : "(none)");
        return 1;
    }
    return 0;
}

static int get_body(mcp__curl_req *r, const char *data, size_t len, void *ud)
{
    legacy *t = ud;
    int rc;
    (void)r;
    if (t->closing)
        return 1;
    rc = mcp__sse_feed(&t->parser, data, len, on_event, t);
    if (rc == MCP_ELIMIT && !t->get_fail) {
        t->get_fail = MCP_ELIMIT;
        snprintf(t->get_why, sizeof t->get_why,
                 "an SSE event exceeds the message limit (%zu bytes)", t->max);
    }
    return rc != 0 || t->closing;
}

static void get_done(mcp__curl_req *r, const mcp__curl_result *res, void *ud)
{
    legacy *t = ud;
    char why[300];
    (void)r;
    t->get = NULL;
    if (!t->closing) {
        if (t->get_fail)
            snprintf(why, sizeof why, "%s", t->get_why);
        else if (res->err != MCP_OK)
            snprintf(why, sizeof why, "HTTP request failed: %s", res->error);
        else
            snprintf(why, sizeof why, "the server closed the SSE stream");
        if (t->base.client)
            mcp__client_set_error(t->base.client, "%s", why);
        t->closing = true;
        /* queued messages never went out: their requests fail with the connection */
        while (t->queue) {
            lpost *p = t->queue;
            list_del(&t->queue, p);
            free(p->body);
            free(p);
        }
        t->queued = 0;
        closed(t, t->get_fail == MCP_ELIMIT ? MCP_ELIMIT : MCP_EIO, why);
    }
    maybe_free(t);
}

/* ---- the transport's operations ------------------------------------------------------------- */

static int l_send(mcp__ctransport *base, json_t *msg, const mcp__csend *info)
{
    legacy *t = (legacy *)base;
    lpost *p;
    char *body;
    if (t->closing)
        return MCP_ESTATE;
    if (!t->endpoint && t->queued >= QUEUE_MAX)
        return MCP_ELIMIT;
    if (!(body = json_dumps(msg, JSON_COMPACT)))
        return MCP_ENOMEM;
    if (!(p = calloc(1, sizeof *p))) {
        free(body);
        return MCP_ENOMEM;
    }
    p->t = t;
    p->id = info->expects_reply ? info->id : 0;
    if (!t->endpoint) {
        p->body = body;
        list_add(&t->queue, p);
        t->queued++;
        return MCP_OK;
    }
    if (post_start(t, p, body) != MCP_OK) {
        free(body);
        free(p);
        return MCP_EIO;
    }
    free(body);
    return MCP_OK;
}

static void drop_all(legacy *t)
{
    lpost *p, *next;
    while (t->queue) {
        p = t->queue;
        list_del(&t->queue, p);
        free(p->body);
        free(p);
    }
    t->queued = 0;
    for (p = t->posts; p; p = next) {
        next = p->next;
        p->released = true;
        mcp__curl_cancel(p->req); /* may free p */
    }
    if (t->get)
        mcp__curl_cancel(t->get);
}

static void l_close(mcp__ctransport *base)
{
    legacy *t = (legacy *)base;
    if (t->closing && t->closed)
        return;
    t->closing = true;
    drop_all(t);
    closed(t, MCP_OK, "closed");
}

static void l_destroy(mcp__ctransport *base)
{
    legacy *t = (legacy *)base;
    t->base.client = NULL;
    t->closing = true;
    drop_all(t);
    t->gone = true;
    maybe_free(t);
}

static const mcp__ctransport_ops legacy_ops = {"sse", l_send, NULL, l_close, l_destroy};

int mcp__client_legacy_connect(mcp_client_t *c, const char *url, const mcp_client_http_opts_t *opts)
{
    legacy *t = calloc(1, sizeof *t);
    char why[256];
    const char *hv[40];
    size_t i, n = 0;
    int rc;
    if (!t)
        return MCP_ENOMEM;
    t->base.ops = &legacy_ops;
    t->base.client = c;
    t->max = mcp__client_max_message(c);
    mcp__sse_init(&t->parser, t->max);
    t->url = strdup(url);
    t->headers = mcp__chttp_headers(opts);
    t->insecure = opts && opts->insecure;
    t->connect_timeout_ms = opts ? opts->connect_timeout_ms : 0;
    if (opts && opts->ca_file)
        t->ca_file = strdup(opts->ca_file);
    if (!t->url || !t->headers || (opts && opts->ca_file && !t->ca_file) ||
        !(t->eng = mcp__curl_engine(mcp__client_uvloop(c), why, sizeof why))) {
        if (t->url && t->headers)
            mcp__client_set_error(c, "%s", why);
        rc = t->url && t->headers ? MCP_EIO : MCP_ENOMEM;
        goto fail;
    }
    for (i = 0; t->headers[i] && n < 38; i++)
        hv[n++] = t->headers[i];
    hv[n++] = "Accept: text/event-stream";
    hv[n] = NULL;
    t->get = mcp__curl_start(t->eng,
                             &(mcp__curl_opts){.url = t->url,
                                               .headers = hv,
                                               .connect_timeout_ms = t->connect_timeout_ms,
                                               .ca_file = t->ca_file,
                                               .insecure = t->insecure,
                                               .on_headers = get_headers,
                                               .on_body = get_body,
                                               .on_done = get_done,
                                               .ud = t},
                             why, sizeof why);
    if (!t->get) {
        mcp__client_set_error(c, "HTTP request failed: %s", why);
        rc = MCP_EIO;
        goto fail;
    }
    rc = mcp__client_attach(c, &t->base);
    if (rc != MCP_OK) {
        t->base.client = NULL;
        t->closing = true;
        mcp__curl_cancel(t->get);
        t->gone = true;
        maybe_free(t);
    }
    return rc;
fail:
    if (t->eng)
        mcp__curl_release(t->eng);
    mcp__sse_free(&t->parser);
    mcp__chttp_headers_free(t->headers);
    free(t->url);
    free(t->ca_file);
    free(t);
    return rc;
}
