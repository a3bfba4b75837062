/*
 * The in-memory transport: a client connected to an mcp_server_t of the same process, on the
 * same loop, with no sockets and no threads.
 *
 * Messages cross as JSON text, exactly what a wire would carry, so the server reads them with
 * its own reader and limits (mcp__server_receive) and the client with its own: a test through
 * this transport exercises the real paths. Each direction is a queue drained from a uv_idle
 * handle, never from inside the sender's call stack, so a callback that sends again cannot
 * recurse (at most DRAIN_MAX messages per loop iteration, so other handles get their turn).
 *
 * Two owners: the client (close, destroy) and the server (the mcp__transport registered with
 * it: stop, free). The structure lives until both have let go. The server side's session ends
 * when the client closes; the client hears MCP_EIO when the server is freed, or when it stops
 * (once its calls in flight have answered, for at most GRACE_MS, as STDIO waits).
 */
#include "client/client.h"

#include <stddef.h>

#define DRAIN_MAX 4096
#define GRACE_MS  5000 /* after mcp_server_stop(), how long calls in flight may still answer */

typedef struct qmsg {
    struct qmsg *next;
    json_int_t related; /* to the client: the id of the call the server sent it for, or 0 */
    size_t len;
    char data[];
} qmsg;

typedef struct queue {
    qmsg *head, *tail;
} queue;

typedef struct cmem {
    mcp__ctransport base; /* first: the client's handle */
    mcp__transport st;    /* the server's handle on this transport */
    mcp_server_t *srv;    /* NULL once the server let go */
    mcp__session *sess;   /* NULL once the session ended */
    uv_idle_t idle;
    uv_timer_t grace; /* bounds the wait for calls in flight once the server stops */
    queue to_server, to_client;
    bool registered; /* st is on the server's list */
    bool stopping;   /* the server is stopping: close once its calls end */
    bool idle_closed;
    bool stop_pending; /* stopped: end once the replies already queued reach the client */
    int open_handles;  /* idle and grace, until both have closed */
} cmem;

#define FROM_ST(t) ((cmem *)((char *)(t)-offsetof(cmem, st)))

static void q_push(queue *q, qmsg *m)
{
    m->next = NULL;
    if (q->tail)
        q->tail->next = m;
    else
        q->head = m;
    q->tail = m;
}

static qmsg *q_pop(queue *q)
{
    qmsg *m = q->head;
    if (m && !(q->head = m->next))
        q->tail = NULL;
    return m;
}

static void q_clear(queue *q)
{
    qmsg *m;
    while ((m = q_pop(q)))
        free(m);
}

static void on_idle(uv_idle_t *h);
static void stop_now(cmem *m);

/* Serialize `msg` onto `q` and make sure the idle handle will drain it. */
static int enqueue(cmem *m, queue *q, const json_t *msg, json_int_t related)
{
    mcp__buf b = {0};
    qmsg *e;
    if (mcp__json_write(&b, msg) != MCP_OK) {
        mcp__buf_free(&b);
        return MCP_ENOMEM;
    }
    e = malloc(sizeof *e + b.len);
    if (!e) {
        mcp__buf_free(&b);
        return MCP_ENOMEM;
    }
    memcpy(e->data, b.data, b.len);
    e->len = b.len;
    e->related = related;
    mcp__buf_free(&b);
    q_push(q, e);
    if (!m->idle_closed && !uv_is_active((uv_handle_t *)&m->idle))
        uv_idle_start(&m->idle, on_idle);
    return MCP_OK;
}

static void handle_closed(uv_handle_t *h)
{
    cmem *m = h->data;
    if (--m->open_handles > 0)
        return;
    q_clear(&m->to_server);
    q_clear(&m->to_client);
    free(m);
}

/* Free once neither side holds the structure. */
static void maybe_free(cmem *m)
{
    if (m->base.client || m->registered || m->idle_closed)
        return;
    m->idle_closed = true;
    m->open_handles = 2;
    uv_close((uv_handle_t *)&m->idle, handle_closed);
    uv_close((uv_handle_t *)&m->grace, handle_closed);
}

/* The server-side session ends (the client closed, or the server stops / is freed). */
static void end_session(cmem *m)
{
    mcp__session *s = m->sess;
    if (!s)
        return;
    m->sess = NULL;
    mcp__server_session_draining(s);
    mcp__server_session_end(s);
    mcp__session_unref(s);
}

static void tell_client(cmem *m, const char *why)
{
    mcp_client_t *c = m->base.client;
    if (!c)
        return;
    c->adopted_alive = m->srv != NULL;
    mcp__client_transport_closed(c, MCP_EIO, why);
}

static void on_idle(uv_idle_t *h)
{
    cmem *m = h->data;
    unsigned n = 0;
    qmsg *e;
    while (n < DRAIN_MAX && (m->to_server.head || m->to_client.head)) {
        if ((e = q_pop(&m->to_server))) {
            if (m->sess)
                mcp__server_receive(m->sess, e->data, e->len);
            free(e);
            n++;
        }
        if ((e = q_pop(&m->to_client))) {
            if (m->base.client)
                mcp__client_receive_related(m->base.client, e->data, e->len, e->related);
            free(e);
            n++;
        }
    }
    if (!m->to_server.head && !m->to_client.head) {
        uv_idle_stop(h);
        if (m->stop_pending)
            stop_now(m); /* may free m (its handles close) */
    }
}

/* ---- the server's side -------------------------------------------------------------------- */

static void srv_send(mcp__session *s, json_t *msg, mcp_call_t *related)
{
    cmem *m = s->transport;
    /* the server knows which call a message belongs to: the client's request with that id */
    json_int_t rel = related && json_is_integer(related->id) ? json_integer_value(related->id) : 0;
    if (m->base.client && !m->idle_closed)
        enqueue(m, &m->to_client, msg, rel);
}

static void unregister(cmem *m)
{
    if (m->registered && m->srv) {
        m->registered = false;
        mcp__server_remove_transport(m->srv, &m->st);
    }
    m->registered = false;
}

/* Stopping: end once the calls in flight have answered (or the grace period is over) and what
 * they answered has reached the client: the idle handle finishes it after draining. */
static void stop_now(cmem *m)
{
    m->stop_pending = false;
    end_session(m);
    unregister(m);
    tell_client(m, "the in-process server stopped");
    maybe_free(m);
}

static void stopped(cmem *m)
{
    uv_timer_stop(&m->grace);
    m->stop_pending = true;
    if (!m->idle_closed)
        uv_idle_start(&m->idle, on_idle);
}

static void srv_idle(mcp__session *s)
{
    cmem *m = s->transport;
    if (!m->stopping || m->sess != s)
        return;
    stopped(m);
}

static void on_grace(uv_timer_t *t)
{
    cmem *m = t->data;
    if (m->srv)
        mcp_server_log(m->srv, MCP_LOG_WARNING,
                       "%zu request(s) still in flight after %d ms; closing the in-memory "
                       "connection anyway",
                       m->sess ? m->sess->ncalls : 0, GRACE_MS);
    stopped(m);
}

static const mcp__transport_ops mem_ops = {srv_send, srv_idle, NULL, NULL, NULL};

static void st_stop(mcp__transport *t)
{
    cmem *m = FROM_ST(t);
    m->stopping = true;
    if (m->sess && m->sess->ncalls > 0) {
        uv_timer_start(&m->grace, on_grace, GRACE_MS, 0);
        return; /* srv_idle or on_grace comes back */
    }
    stopped(m);
}

/* mcp_server_free(): the server has already unlinked us. */
static void st_free(mcp__transport *t)
{
    cmem *m = FROM_ST(t);
    m->registered = false;
    end_session(m);
    m->srv = NULL;
    if (m->base.client)
        m->base.client->adopted_alive = false;
    tell_client(m, "the in-process server was freed");
    maybe_free(m);
}

/* ---- the client's side ---------------------------------------------------------------------- */

static int c_send(mcp__ctransport *t, json_t *msg, const mcp__csend *info)
{
    cmem *m = (cmem *)t;
    (void)info;
    if (!m->sess)
        return MCP_EIO;
    return enqueue(m, &m->to_server, msg, 0);
}

static void c_close(mcp__ctransport *t)
{
    cmem *m = (cmem *)t;
    /* The session ends; the registration stays until the server stops or is freed, so that a
     * client freed later still knows whether the server is alive (its loop hand-over). */
    end_session(m);
    q_clear(&m->to_server);
    if (m->base.client)
        mcp__client_transport_closed(m->base.client, MCP_OK, "closed by the client");
}

static void c_destroy(mcp__ctransport *t)
{
    cmem *m = (cmem *)t;
    m->base.client = NULL;
    q_clear(&m->to_client);
    if (m->srv && m->registered && !m->stopping) {
        unregister(m); /* nobody is left to tell */
    }
    maybe_free(m);
}

static const mcp__ctransport_ops memory_ops = {"memory", c_send, NULL, c_close, c_destroy};

mcp_server_t *mcp__client_memory_server(const mcp_client_t *c)
{
    if (!c || !c->transport || c->transport->ops != &memory_ops)
        return NULL;
    return ((const cmem *)c->transport)->srv;
}

int mcp_client_connect_server(mcp_client_t *c, mcp_server_t *srv)
{
    cmem *m;
    int rc;
    if (!c || !srv)
        return MCP_EINVAL;
    if (c->transport || c->freeing)
        return MCP_ESTATE;
    if (srv->loop && srv->loop != c->loop)
        return MCP_EINVAL;
    if (!srv->loop && (rc = mcp_server_attach(srv, c->loop)) != MCP_OK)
        return rc;
    m = calloc(1, sizeof *m);
    if (!m)
        return MCP_ENOMEM;
    m->base.ops = &memory_ops;
    m->st.kind = MCP__TRANSPORT_MEMORY;
    m->st.stop = st_stop;
    m->st.free = st_free;
    m->srv = srv;
    m->sess = mcp__session_new(srv, &mem_ops, m);
    if (!m->sess) {
        free(m);
        return MCP_ENOMEM;
    }
    uv_idle_init(c->loop, &m->idle);
    m->idle.data = m;
    uv_timer_init(c->loop, &m->grace);
    m->grace.data = m;
    mcp__server_add_transport(srv, &m->st);
    m->registered = true;
    if (c->own_loop && srv->loop == c->own_loop) {
        c->adopted = srv;
        c->adopted_alive = true;
    }
    return mcp__client_attach(c, &m->base);
}
