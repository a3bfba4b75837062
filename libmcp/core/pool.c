/*
 * The server's fair share of libuv's thread pool, and the deadlines of calls.
 *
 * Blocking calls (MCP_TOOL_BLOCKING) are not handed to uv_queue_work() first come first served.
 * Each waits in its client's queue; at most `size` calls (the pool's thread count:
 * UV_THREADPOOL_SIZE, else 4) are handed to libuv at a time, taken round-robin across the clients
 * that have calls waiting, and at most `per_client` of them from any one client, so one client
 * can never hold every thread. Who counts as one client is the caller's key (call.c).
 *
 * Deadlines: the calls that have one, in a list sorted by deadline, and one timer armed for the
 * first. When the server's last transport has closed while handlers still run on pool threads,
 * a short timer calls the server's on_pool_stuck hook (mcp_server_main() exits the process).
 *
 * This file keeps the data structures only. call.c hands it the work, after-work and expiry
 * callbacks, so nothing here calls back into call.c.
 */
#include "core/core.h"

#define NBUCKETS         64
#define MAX_POOL_THREADS 1024 /* libuv's own cap on UV_THREADPOOL_SIZE */
#define ORPHAN_SETTLE_MS 100  /* after the last transport closed: let close callbacks run */

typedef struct mcp__pclient {
    struct mcp__pool *pool;
    char *key;
    unsigned hash;
    size_t running;            /* handed to libuv, not yet back */
    mcp_call_t *qhead, *qtail; /* waiting, oldest first (call->qprev/qnext) */
    struct mcp__pclient *hnext;
    struct mcp__pclient *rprev, *rnext; /* the ring of clients that may start a call now */
    bool in_ring;
} pclient;

struct mcp__pool {
    mcp_server_t *srv; /* NULL once the server is gone */
    uv_loop_t *loop;
    size_t size, per_client, running;
    pclient *buckets[NBUCKETS];
    pclient *ring_head, *ring_tail;
    uv_work_cb work;
    uv_after_work_cb after;
    uv_timer_t timer;                 /* the first deadline */
    uv_timer_t orphan;                /* the last transport closed, handlers still running */
    mcp_call_t *dl_head, *dl_tail;    /* calls with a deadline, soonest first */
    void (*expire)(mcp_call_t *call); /* call.c: a deadline passed */
    int open_timers;                  /* closing: freed once both are closed and nothing runs */
    bool closing;
};

static size_t pool_threads(void)
{
    const char *v = getenv("UV_THREADPOOL_SIZE");
    long n;
    if (!v)
        return 4;
    n = strtol(v, NULL, 10); /* as libuv reads it: 0 means 1, more than its cap means the cap */
    if (n == 0)
        return 1;
    return n < 0 || n > MAX_POOL_THREADS ? MAX_POOL_THREADS : (size_t)n;
}

static mcp__pool *pool_get(mcp_server_t *srv)
{
    mcp__pool *p = srv->pool;
    if (p || !srv->loop)
        return p;
    if (!(p = calloc(1, sizeof *p)))
        return NULL;
    p->srv = srv;
    p->loop = srv->loop;
    p->size = pool_threads();
    uv_timer_init(p->loop, &p->timer);
    uv_timer_init(p->loop, &p->orphan);
    p->timer.data = p->orphan.data = p;
    uv_unref((uv_handle_t *)&p->timer); /* pool work keeps the loop alive, never these */
    uv_unref((uv_handle_t *)&p->orphan);
    srv->pool = p;
    return p;
}

size_t mcp__pool_cap(const mcp_server_t *srv)
{
    size_t k = srv->pool ? srv->pool->size : pool_threads();
    if (srv->pool_per_client)
        return srv->pool_per_client;
    return k / 2 > 1 ? k / 2 : 1;
}

static void pool_release(mcp__pool *p)
{
    if (p->open_timers > 0 || p->running > 0)
        return;
    if (p->srv)
        p->srv->pool = NULL;
    free(p);
}

/* ---- clients ------------------------------------------------------------------------------- */

static unsigned hash_key(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static pclient *client_get(mcp__pool *p, const char *key)
{
    unsigned h = hash_key(key);
    pclient *c;
    for (c = p->buckets[h % NBUCKETS]; c; c = c->hnext)
        if (c->hash == h && strcmp(c->key, key) == 0)
            return c;
    if (!(c = calloc(1, sizeof *c)) || !(c->key = strdup(key))) {
        free(c);
        return NULL;
    }
    c->pool = p;
    c->hash = h;
    c->hnext = p->buckets[h % NBUCKETS];
    p->buckets[h % NBUCKETS] = c;
    return c;
}

static void ring_remove(mcp__pool *p, pclient *c)
{
    if (!c->in_ring)
        return;
    if (c->rprev)
        c->rprev->rnext = c->rnext;
    else
        p->ring_head = c->rnext;
    if (c->rnext)
        c->rnext->rprev = c->rprev;
    else
        p->ring_tail = c->rprev;
    c->rprev = c->rnext = NULL;
    c->in_ring = false;
}

/* Put `c` at the back of the ring if it has a call waiting and room for one more, take it out
 * otherwise; free it once it has nothing left in the pool. */
static void client_update(mcp__pool *p, pclient *c)
{
    bool ready = c->qhead && p->srv && c->running < mcp__pool_cap(p->srv);
    if (ready && !c->in_ring) {
        c->rprev = p->ring_tail;
        if (p->ring_tail)
            p->ring_tail->rnext = c;
        else
            p->ring_head = c;
        p->ring_tail = c;
        c->in_ring = true;
    } else if (!ready) {
        ring_remove(p, c);
    }
    if (!c->qhead && c->running == 0) {
        pclient **pp = &p->buckets[c->hash % NBUCKETS];
        while (*pp != c)
            pp = &(*pp)->hnext;
        *pp = c->hnext;
        free(c->key);
        free(c);
    }
}

static void queue_remove(pclient *c, mcp_call_t *call)
{
    if (call->qprev)
        call->qprev->qnext = call->qnext;
    else
        c->qhead = call->qnext;
    if (call->qnext)
        call->qnext->qprev = call->qprev;
    else
        c->qtail = call->qprev;
    call->qprev = call->qnext = NULL;
    call->pool_waiting = false;
}

/* Hand waiting calls to libuv while threads are free: the client at the front of the ring
 * starts its oldest call and goes to the back. */
static void dispatch(mcp__pool *p)
{
    mcp_server_t *srv = p->srv;
    while (srv && !p->closing && p->running < p->size && p->ring_head) {
        pclient *c = p->ring_head;
        mcp_call_t *call = c->qhead;
        queue_remove(c, call);
        ring_remove(p, c);
        c->running++;
        p->running++;
        (void)uv_queue_work(p->loop, &call->work, p->work, p->after); /* fails only without cbs */
        client_update(p, c);
    }
}

int mcp__pool_submit(mcp_server_t *srv, mcp_call_t *call, const char *key, uv_work_cb work,
                     uv_after_work_cb after)
{
    mcp__pool *p = pool_get(srv);
    pclient *c;
    if (!p || p->closing)
        return p ? MCP_ESTATE : (srv->loop ? MCP_ENOMEM : MCP_ESTATE);
    if (!(c = client_get(p, key)))
        return MCP_ENOMEM;
    p->work = work;
    p->after = after;
    call->pclient = c;
    call->pool_waiting = true;
    call->qnext = NULL;
    call->qprev = c->qtail;
    if (c->qtail)
        c->qtail->qnext = call;
    else
        c->qhead = call;
    c->qtail = call;
    client_update(p, c);
    dispatch(p);
    return MCP_OK;
}

void mcp__pool_done(mcp_call_t *call)
{
    pclient *c = call->pclient;
    mcp__pool *p;
    if (!c)
        return;
    p = c->pool;
    call->pclient = NULL;
    c->running--;
    p->running--;
    client_update(p, c);
    if (p->closing) {
        pool_release(p);
        return;
    }
    dispatch(p);
}

bool mcp__pool_withdraw(mcp_call_t *call)
{
    pclient *c = call->pclient;
    if (!c || !call->pool_waiting)
        return false;
    queue_remove(c, call);
    call->pclient = NULL;
    client_update(c->pool, c);
    return true;
}

mcp_call_t *mcp__pool_first_waiting(mcp_server_t *srv)
{
    mcp__pool *p = srv->pool;
    size_t i;
    if (!p)
        return NULL;
    for (i = 0; i < NBUCKETS; i++) {
        pclient *c;
        for (c = p->buckets[i]; c; c = c->hnext)
            if (c->qhead)
                return c->qhead;
    }
    return NULL;
}

size_t mcp__pool_busy(const mcp_server_t *srv)
{
    return srv->pool ? srv->pool->running : 0;
}

/* ---- deadlines ----------------------------------------------------------------------------- */

static void on_deadline(uv_timer_t *t);

static void arm(mcp__pool *p)
{
    uint64_t now = uv_now(p->loop);
    if (!p->dl_head) {
        uv_timer_stop(&p->timer);
        return;
    }
    uv_timer_start(&p->timer, on_deadline,
                   p->dl_head->deadline > now ? p->dl_head->deadline - now : 0, 0);
}

static void dl_unlink(mcp__pool *p, mcp_call_t *call)
{
    if (call->dlprev)
        call->dlprev->dlnext = call->dlnext;
    else
        p->dl_head = call->dlnext;
    if (call->dlnext)
        call->dlnext->dlprev = call->dlprev;
    else
        p->dl_tail = call->dlprev;
    call->dlprev = call->dlnext = NULL;
    call->has_deadline = false;
}

static void on_deadline(uv_timer_t *t)
{
    mcp__pool *p = t->data;
    uint64_t now = uv_now(p->loop);
    while (p->dl_head && p->dl_head->deadline <= now) {
        mcp_call_t *call = p->dl_head;
        dl_unlink(p, call);
        p->expire(call); /* may end calls, and so take them off this list */
    }
    arm(p);
}

int mcp__pool_deadline(mcp_server_t *srv, mcp_call_t *call, uint64_t ms,
                       void (*expire)(mcp_call_t *call))
{
    mcp__pool *p = pool_get(srv);
    mcp_call_t *after;
    if (!p || p->closing)
        return MCP_ESTATE;
    if (call->has_deadline)
        dl_unlink(p, call);
    p->expire = expire;
    call->deadline = uv_now(p->loop) + ms;
    call->has_deadline = true;
    /* most calls share a timeout, so the new one usually goes last: search from the back */
    for (after = p->dl_tail; after && after->deadline > call->deadline; after = after->dlprev)
        ;
    call->dlprev = after;
    call->dlnext = after ? after->dlnext : p->dl_head;
    if (call->dlnext)
        call->dlnext->dlprev = call;
    else
        p->dl_tail = call;
    if (after)
        after->dlnext = call;
    else
        p->dl_head = call;
    if (p->dl_head == call)
        arm(p);
    return MCP_OK;
}

void mcp__pool_deadline_clear(mcp_call_t *call)
{
    mcp__pool *p;
    bool first;
    if (!call->has_deadline) /* first: a call may end after its server was freed */
        return;
    p = call->srv->pool;
    first = p->dl_head == call;
    dl_unlink(p, call);
    if (first)
        arm(p);
}

/* ---- the end ------------------------------------------------------------------------------- */

static void on_orphan(uv_timer_t *t)
{
    mcp__pool *p = t->data;
    mcp_server_t *srv = p->srv;
    if (!srv || p->running == 0)
        return;
    if (srv->on_pool_stuck)
        srv->on_pool_stuck(srv, p->running);
}

void mcp__pool_orphaned(mcp_server_t *srv)
{
    mcp__pool *p = srv->pool;
    if (!p || p->running == 0)
        return;
    if (!srv->on_pool_stuck) {
        mcp_server_log(srv, MCP_LOG_WARNING,
                       "%zu blocking tool call(s) still running on the thread pool: the loop "
                       "runs until they return (libuv cannot stop a running work item)",
                       p->running);
        return;
    }
    uv_timer_start(&p->orphan, on_orphan, ORPHAN_SETTLE_MS, 0);
}

static void timer_closed(uv_handle_t *h)
{
    mcp__pool *p = h->data;
    p->open_timers--;
    pool_release(p);
}

void mcp__pool_free(mcp_server_t *srv)
{
    mcp__pool *p = srv->pool;
    if (!p || p->closing)
        return;
    p->closing = true;
    while (p->dl_head) /* the calls left are past caring about deadlines */
        dl_unlink(p, p->dl_head);
    p->open_timers = 2;
    uv_close((uv_handle_t *)&p->timer, timer_closed);
    uv_close((uv_handle_t *)&p->orphan, timer_closed);
}

void mcp__pool_detach(mcp_server_t *srv)
{
    if (srv->pool)
        srv->pool->srv = NULL; /* it outlives the server until its handles close */
    srv->pool = NULL;
}
