/*
 * Streamable HTTP (protocol 2025-03-26 and later; both eras on one endpoint).
 *
 * One endpoint (default /mcp) takes POST (one JSON-RPC message, or a batch where 2025-03-26
 * allows it), GET (the standalone SSE stream, or a resumed one with Last-Event-ID) and DELETE
 * (end a session). Each POST is an "exchange": the context (call->tctx, s->rx) through which
 * its calls' messages come back. A POST is answered with application/json when nothing is sent
 * for it before its reply, and becomes a text/event-stream as soon as something is (progress,
 * log, server->client request), carrying those messages and then the reply.
 *
 * - 2025-era clients get a session at `initialize` (Mcp-Session-Id, 128 random bits, hex), idle
 *   timeout, a cap with the oldest idle session evicted first, DELETE, a standalone GET stream.
 * - A 2026-07-28 request (protocol version in params._meta) is served on a temporary session for
 *   that POST alone, after the Mcp-Method / Mcp-Name / MCP-Protocol-Version headers are checked
 *   against the body (-32020); it never gets a session id. --stateless does the same for
 *   2025-era clients (version from the MCP-Protocol-Version header).
 * - Resumability: every event of a session's SSE stream has the id "<stream>-<seq>"; events are
 *   kept in a bounded event store (httpd.h) and replayed after Last-Event-ID on a GET.
 *   A POST stream whose connection dropped goes on: its later events (the reply included) wait
 *   in the store. Disconnecting is not cancelling (except for 2026-07-28, where it is).
 * - A client that shuts down its write side after its POST (a FIN) has not disconnected: its
 *   waiting POST becomes an SSE stream, so the daemon's probe write can tell (on_half_closed).
 * - With a shared store (include/mcp_store.h, --store): sessions, their streams' events and
 *   requestState claims are kept there too, so any replica serves any request (see "the shared
 *   store" below); a request that needs the store is parked until it answers.
 */
#include "transport/httpd.h"

#include <malloc.h> /* malloc_trim (glibc) */
#include <strings.h>

enum { TAG_EXCH = 1, TAG_STREAM = 2, TAG_WAIT = 3 };

typedef struct http_tr http_tr;
typedef struct hsess hsess;
typedef struct stream stream;
typedef struct exch exch;
typedef struct hwait hwait;

#define MAX_FINISHED_STREAMS 16 /* per session, kept for resumption */
#define NBUCKETS             8192

struct stream {
    int tag;
    hsess *hs; /* NULL: a stateless stream (no ids, no store) */
    unsigned no;
    uint64_t seq; /* last event number */
    bool standalone, finished;
    bool closing;     /* on_closed is cancelling its calls: it frees the stream itself */
    mcp__hconn *conn; /* attached connection, or NULL */
    exch *ex;         /* the POST still producing events, or NULL */
    stream *next;     /* the session's streams */
    bool remote;      /* with a store: another replica's stream, resumed here; its events come
                         from the store and the channel ("ev", "evend") */
    json_t *pending;  /* a remote stream's events heard while its stored ones are read */
};

struct hsess {
    char id[33];
    http_tr *t;
    mcp__session *core;
    uint64_t last_active;
    hsess *hnext;
    hsess *lprev, *lnext; /* LRU: head = least recently active */
    hsess *aprev, *anext; /* every session of the transport */
    stream *streams;
    unsigned nstreams, next_no, attached, busy;
    stream *standalone;
    bool registered, deleted;
    char who[68]; /* the principal (or address) that created it: mcp__hconn.who */
    char *saved;  /* with a store: the record last written there (owned) */
    uint64_t saved_at;
    unsigned saved_gen; /* core->gen when it was written */
};

struct exch {
    int tag;
    http_tr *t;
    mcp__hconn *conn; /* until the reply is sent, or the POST becomes a stream */
    hsess *hs;        /* the stateful session, or NULL */
    mcp__session *core;
    bool temp; /* core is this POST's own temporary session */
    bool receiving, finished, era2026, is_init;
    bool saving, saved, store_down; /* with a store: initialize waits for its session's record */
    mcp__reply_class reply_class;   /* of `reply`, as the core classed it */
    bool had_call; /* the POST carried a request (not only notifications/responses) */
    unsigned outstanding;
    json_t *reply;
    stream *st;
    exch *prev, *next;
};

struct http_tr {
    mcp__transport base;
    mcp__httpd d;
    mcp_server_t *srv;
    char *path;
    bool stateless, json_only, no_get;
    unsigned max_sessions, session_timeout_ms, max_streams_session, max_streams, retry_ms, grace_ms;
    unsigned evict_idle_ms, max_sessions_who;
    mcp__quota *sq; /* registered sessions per principal (hsess.who) */
    mcp__eventstore *es;
    hsess *buckets[NBUCKETS];
    size_t nsess;
    size_t nsess_high; /* most sessions open at once since the heap was last trimmed */
    hsess *lru_head, *lru_tail;
    hsess *all;
    exch *exchanges;
    uv_timer_t sweep, grace;
    int handles;
    bool stopping, closing, drained;
    mcp_store_t *store;      /* the server's shared store, or NULL */
    mcp_server_t *store_srv; /* where its channel handlers are installed */
    hwait *waits;            /* requests waiting for the store */
};

/* A request (or an initialize's answer) waiting for the store. Freed by the store's callback,
 * which always comes; `t` is NULL once the transport is gone, `c` once the client is. */
struct hwait {
    int tag; /* TAG_WAIT: c->owner while the request is parked */
    http_tr *t;
    mcp__hconn *c;
    exch *ex; /* an initialize waiting for its record to be written */
    hsess *hs;
    unsigned no; /* GET resumption: the stream and the last event seen */
    uint64_t after;
    bool finished;   /* the stored stream ended ("end") */
    bool standalone; /* the stored stream is a session's GET stream ("get") */
    json_t *evs;     /* the stored events read so far: [seq, data] each */
    hwait *prev, *next;
};

static const mcp__transport_ops http_ops;
static void check_stopped(http_tr *t);

/* ---- sessions ---------------------------------------------------------------------------------
 */

static unsigned bucket_of(const char *id)
{
    unsigned h = 2166136261u;
    while (*id)
        h = (h ^ (unsigned char)*id++) * 16777619u;
    return h % NBUCKETS;
}

static hsess *sess_find(http_tr *t, const char *id)
{
    hsess *hs;
    if (strlen(id) != 32)
        return NULL;
    for (hs = t->buckets[bucket_of(id)]; hs; hs = hs->hnext)
        if (memcmp(hs->id, id, 32) == 0)
            return hs;
    return NULL;
}

static void lru_unlink(http_tr *t, hsess *hs)
{
    if (hs->lprev)
        hs->lprev->lnext = hs->lnext;
    else if (t->lru_head == hs)
        t->lru_head = hs->lnext;
    if (hs->lnext)
        hs->lnext->lprev = hs->lprev;
    else if (t->lru_tail == hs)
        t->lru_tail = hs->lprev;
    hs->lprev = hs->lnext = NULL;
}

static void touch(hsess *hs)
{
    http_tr *t = hs->t;
    hs->last_active = mcp__httpd_now(&t->d);
    if (!hs->registered || t->lru_tail == hs)
        return;
    lru_unlink(t, hs);
    hs->lprev = t->lru_tail;
    if (t->lru_tail)
        t->lru_tail->lnext = hs;
    else
        t->lru_head = hs;
    t->lru_tail = hs;
}

static void sess_register(hsess *hs)
{
    http_tr *t = hs->t;
    unsigned b = bucket_of(hs->id);
    hs->hnext = t->buckets[b];
    t->buckets[b] = hs;
    hs->registered = true;
    memcpy(hs->core->share_id, hs->id, sizeof hs->id);
    if (++t->nsess > t->nsess_high)
        t->nsess_high = t->nsess;
    mcp__quota_add(t->sq, hs->who, 1);
    touch(hs);
}

static void sess_unregister(hsess *hs)
{
    http_tr *t = hs->t;
    hsess **pp;
    if (!hs->registered)
        return;
    for (pp = &t->buckets[bucket_of(hs->id)]; *pp; pp = &(*pp)->hnext)
        if (*pp == hs) {
            *pp = hs->hnext;
            break;
        }
    lru_unlink(t, hs);
    hs->registered = false;
    t->nsess--;
    mcp__quota_add(t->sq, hs->who, -1);
}

static void stream_free(stream *st)
{
    if (st->conn) {
        st->conn->owner = NULL;
        mcp__hconn_end(st->conn, false);
        if (st->hs && st->conn->method[0] == 'G')
            st->hs->attached--;
    }
    if (st->ex)
        st->ex->st = NULL;
    json_decref(st->pending);
    free(st);
}

static hsess *sess_new(http_tr *t)
{
    hsess *hs = calloc(1, sizeof *hs);
    if (!hs)
        return NULL;
    if (mcp__random_id(hs->id) != 0 || !(hs->core = mcp__session_new(t->srv, &http_ops, hs))) {
        free(hs);
        return NULL;
    }
    hs->t = t;
    if (t->store) { /* stream numbers must not collide with another replica's for this session */
        unsigned char r[3];
        mcp__random_bytes(r, sizeof r);
        hs->next_no = ((unsigned)r[0] << 16 | (unsigned)r[1] << 8 | r[2]) << 6;
    }
    hs->anext = t->all;
    if (t->all)
        t->all->aprev = hs;
    t->all = hs;
    return hs;
}

/* Free a session now (nothing may use it any more). */
static void sess_destroy(hsess *hs)
{
    http_tr *t = hs->t;
    stream *st, *next;
    sess_unregister(hs);
    if (hs->aprev)
        hs->aprev->anext = hs->anext;
    else if (t->all == hs)
        t->all = hs->anext;
    if (hs->anext)
        hs->anext->aprev = hs->aprev;
    for (st = hs->streams; st; st = next) {
        next = st->next;
        stream_free(st);
    }
    if (t->es)
        t->es->forget(t->es, hs->id, 0);
    mcp__server_session_end(hs->core);
    mcp__session_unref(hs->core);
    free(hs->saved);
    free(hs);
}

static bool sess_idle(hsess *hs)
{
    return hs->busy == 0 && hs->attached == 0 && hs->core->ncalls == 0;
}

/* End a session (DELETE, expiry, eviction): unknown from now on, freed once nothing uses it. */
static void sess_end(hsess *hs)
{
    stream *st;
    sess_unregister(hs);
    hs->deleted = true;
    for (st = hs->streams; st; st = st->next)
        if (st->conn && st->standalone)
            mcp__hconn_end(st->conn, false);
    if (hs->busy == 0 && hs->core->ncalls == 0)
        sess_destroy(hs);
}

/* glibc keeps the memory of freed sessions in its heap, so after a burst of sessions the
 * process would stay at the burst's size for good: once TRIM_DROP sessions fewer are open than
 * at the high-water mark, the free heap is handed back (malloc_trim; elsewhere nothing). */
#define TRIM_DROP 1024

static void trim_heap(http_tr *t)
{
    if (t->nsess + TRIM_DROP > t->nsess_high)
        return;
    t->nsess_high = t->nsess;
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

static int sess_save(hsess *hs, hwait *w, bool force);

static void on_sweep(uv_timer_t *timer)
{
    http_tr *t = timer->data;
    uint64_t now = mcp__httpd_now(&t->d);
    hsess *hs = t->lru_head;
    size_t guard = t->nsess;
    while (hs && guard-- > 0 && now - hs->last_active >= t->session_timeout_ms) {
        hsess *next = hs->lnext;
        if (sess_idle(hs)) {
            sess_end(hs);
        } else {
            touch(hs); /* busy or streaming: not idle */
            if (t->store)
                sess_save(hs, NULL, false); /* nor in the store */
        }
        hs = next;
    }
    trim_heap(t);
}

/* Make room for one more session: evict the least recently active idle one, if it has been idle
 * for evict_idle_ms (one client's flood of initialize calls must not end others' live sessions). */
static bool sess_make_room(http_tr *t)
{
    uint64_t now = mcp__httpd_now(&t->d);
    hsess *hs;
    if (t->nsess < t->max_sessions)
        return true;
    for (hs = t->lru_head; hs && now - hs->last_active >= t->evict_idle_ms; hs = hs->lnext)
        if (sess_idle(hs)) {
            sess_end(hs);
            return true;
        }
    return false;
}

/* Seconds until the least recently active session may be evicted (Retry-After). */
static unsigned sess_retry_after(http_tr *t)
{
    uint64_t now = mcp__httpd_now(&t->d), idle = t->lru_head ? now - t->lru_head->last_active : 0;
    uint64_t wait = idle < t->evict_idle_ms ? t->evict_idle_ms - idle : 0;
    return wait < 1000 ? 1 : (unsigned)((wait + 999) / 1000);
}

/* ---- the shared store: sessions across replicas ----------------------------------------------
 *
 * With a store (include/mcp_store.h), a session's record ("s:<id>") is written when initialize
 * succeeds (its answer waits for the write), and again when what it holds changed or a quarter
 * of the idle timeout passed, so it expires with the session. A replica that is asked for a
 * session it does not hold parks the request, reads the record and serves it from a local copy.
 * Updates and ends go to the other replicas on the channel ("sess", "sdel").
 */

static hwait *wait_new(http_tr *t, mcp__hconn *c)
{
    hwait *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->tag = TAG_WAIT;
    w->t = t;
    w->c = c;
    if (c)
        c->owner = w;
    w->next = t->waits;
    if (t->waits)
        t->waits->prev = w;
    t->waits = w;
    return w;
}

static void wait_free(hwait *w)
{
    if (w->t) {
        if (w->prev)
            w->prev->next = w->next;
        else
            w->t->waits = w->next;
        if (w->next)
            w->next->prev = w->prev;
    }
    if (w->c && w->c->owner == w)
        w->c->owner = NULL;
    json_decref(w->evs);
    free(w);
}

static char *sess_record(hsess *hs)
{
    mcp__session *s = hs->core;
    json_t *rec = json_object(), *subs = json_array();
    const char *uri;
    json_t *v;
    char *text;
    json_object_foreach(s->subscriptions, uri, v) json_array_append_new(subs, json_string(uri));
    json_object_set_new(rec, "v", json_string(s->ctx.version ? s->ctx.version : ""));
    json_object_set(rec, "caps", s->ctx.client_caps ? s->ctx.client_caps : json_null());
    json_object_set(rec, "info", s->ctx.client_info ? s->ctx.client_info : json_null());
    json_object_set_new(rec, "lvl", json_integer(s->ctx.log_level));
    json_object_set(rec, "p", s->principal ? s->principal : json_null());
    json_object_set_new(rec, "who", json_string(hs->who));
    json_object_set_new(rec, "subs", subs);
    if (s->tag_view) /* mcp_call_session_enable_tag(): what this session is shown or not */
        json_object_set(rec, "tags", s->tag_view);
    text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(rec);
    return text;
}

/* Take what a record says into the local copy of its session. */
static void sess_apply(hsess *hs, const json_t *rec)
{
    mcp__session *s = hs->core;
    const json_t *subs = json_object_get(rec, "subs"), *v;
    const char *ver = mcp__version_find(json_string_value(json_object_get(rec, "v")));
    size_t i;
    if (ver)
        s->ctx.version = ver;
    if (json_is_object(json_object_get(rec, "caps"))) {
        json_decref(s->ctx.client_caps);
        s->ctx.client_caps = json_incref(json_object_get(rec, "caps"));
    } else if (!s->ctx.client_caps) {
        s->ctx.client_caps = json_object();
    }
    if (json_is_object(json_object_get(rec, "info"))) {
        json_decref(s->ctx.client_info);
        s->ctx.client_info = json_incref(json_object_get(rec, "info"));
    }
    if (json_is_integer(json_object_get(rec, "lvl")))
        s->ctx.log_level = (int)json_integer_value(json_object_get(rec, "lvl"));
    json_decref(s->subscriptions);
    s->subscriptions = NULL;
    if (json_array_size(subs) > 0) {
        s->subscriptions = json_object();
        json_array_foreach(subs, i, v) if (json_is_string(v))
            json_object_set_new(s->subscriptions, json_string_value(v), json_true());
    }
    json_decref(s->tag_view);
    s->tag_view = NULL;
    if (json_object_size(json_object_get(rec, "tags")) > 0) {
        json_t *view = json_object_get(rec, "tags"), *on;
        const char *tag;
        s->tag_view = json_object();
        json_object_foreach(view, tag, on)
        {
            if (json_is_boolean(on) && s->tag_view)
                json_object_set(s->tag_view, tag, on);
        }
    }
    s->state = MCP__SESS_READY;
}

static void on_saved(void *ud, mcp_store_status status, const char *value, size_t len);

/* Write the session's record when it changed, or when a quarter of the idle timeout passed since
 * the last write (the record expires with the session). `w` (may be NULL) waits for the answer. */
static int sess_save(hsess *hs, hwait *w, bool force)
{
    http_tr *t = hs->t;
    uint64_t now = mcp__httpd_now(&t->d);
    char key[40], *text;
    json_t *note;
    if (!t->store || !hs->registered)
        return -1;
    if (!force && hs->saved_gen == hs->core->gen && now - hs->saved_at < t->session_timeout_ms / 4)
        return -1; /* nothing changed, and the record is fresh */
    if (!(text = sess_record(hs)))
        return -1;
    hs->saved_gen = hs->core->gen;
    snprintf(key, sizeof key, "s:%s", hs->id);
    if (hs->saved && strcmp(text, hs->saved) != 0) { /* the other replicas' copies change too */
        note = json_pack("{s:s,s:s}", "s", hs->id, "r", text);
        mcp__store_send(t->srv, "sess", note);
    }
    free(hs->saved);
    hs->saved = text;
    hs->saved_at = now;
    /* written again at most a quarter of the timeout later: kept that much longer */
    return mcp_store_put(t->store, key, text, strlen(text),
                         (uint64_t)t->session_timeout_ms + t->session_timeout_ms / 4, 0,
                         w ? on_saved : NULL, w);
}

/* initialize's record was written (or not): answer it. */
static void exch_finish(exch *ex);

static void on_saved(void *ud, mcp_store_status status, const char *value, size_t len)
{
    hwait *w = ud;
    exch *ex = w->ex;
    (void)value;
    (void)len;
    if (w->t && ex) {
        ex->saving = false;
        ex->saved = true;
        if (status != MCP_STORE_OK)
            ex->store_down = true;
        wait_free(w);
        exch_finish(ex);
        return;
    }
    wait_free(w);
}

static hsess *sess_new(http_tr *t);
static void sess_end(hsess *hs);
static void on_request(mcp__hconn *c);
static void reply_busy(mcp__hconn *c, unsigned status, const json_t *id, unsigned retry_s,
                       const char *text);

/* A session's record arrived for a parked request: make the local copy, then serve it. */
static void on_session_record(void *ud, mcp_store_status status, const char *value, size_t len)
{
    hwait *w = ud;
    http_tr *t = w->t;
    mcp__hconn *c = w->c;
    char sid[33];
    json_t *rec;
    hsess *hs;
    if (!t || !c) {
        wait_free(w);
        return;
    }
    wait_free(w);
    c->owner = NULL;
    if (status != MCP_STORE_OK) {
        reply_busy(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, 1,
                   "Service Unavailable: the session store cannot be reached");
        return;
    }
    snprintf(sid, sizeof sid, "%s", mcp__hconn_header(c, "Mcp-Session-Id"));
    rec = value ? json_loadb(value, len, 0, NULL) : NULL;
    if (json_is_object(rec) && !sess_find(t, sid) && !t->stopping && !sess_make_room(t)) {
        json_decref(rec);
        reply_busy(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, sess_retry_after(t),
                   "Service Unavailable: too many sessions, none idle long enough to evict");
        return;
    }
    if (json_is_object(rec) && !sess_find(t, sid) && !t->stopping && (hs = sess_new(t)) != NULL) {
        const json_t *p = json_object_get(rec, "p");
        const char *who = json_string_value(json_object_get(rec, "who"));
        memcpy(hs->id, sid, sizeof hs->id);
        hs->core->principal = json_is_null(p) ? NULL : json_incref((json_t *)p);
        hs->core->scoped = c->d->cfg.stage != NULL; /* as where it began: .scopes apply */
        snprintf(hs->who, sizeof hs->who, "%s", who ? who : "");
        sess_apply(hs, rec);
        hs->saved = strndup(value, len);
        hs->saved_at = mcp__httpd_now(&t->d);
        hs->saved_gen = hs->core->gen;
        sess_register(hs);
    }
    json_decref(rec);
    c->store_looked = 1; /* looked up once: unknown now means unknown */
    on_request(c);
}

/* The request names a session this replica does not hold: look for it in the store. True when
 * the request is parked (the answer comes from on_session_record). */
static bool sess_lookup(http_tr *t, mcp__hconn *c, const char *sid)
{
    char key[40];
    hwait *w;
    if (!t->store || c->store_looked || strlen(sid) != 32 || strspn(sid, "0123456789abcdef") != 32)
        return false;
    if (!(w = wait_new(t, c)))
        return false;
    snprintf(key, sizeof key, "s:%s", sid);
    if (mcp_store_get(t->store, key, on_session_record, w) != 0) {
        wait_free(w);
        return false;
    }
    return true;
}

/* Channel: another replica's session changed ("sess") or ended ("sdel"). */
static void on_sess_note(void *ud, const json_t *msg)
{
    http_tr *t = ud;
    const char *sid = json_string_value(json_object_get(msg, "s"));
    hsess *hs = sid ? sess_find(t, sid) : NULL;
    const char *text = json_string_value(json_object_get(msg, "r"));
    json_t *rec;
    if (!hs || !text)
        return;
    rec = json_loads(text, 0, NULL);
    if (json_is_object(rec)) {
        sess_apply(hs, rec);
        free(hs->saved);
        hs->saved = strdup(text);
    }
    json_decref(rec);
}

static void on_sess_del(void *ud, const json_t *msg)
{
    http_tr *t = ud;
    const char *sid = json_string_value(json_object_get(msg, "s"));
    hsess *hs = sid ? sess_find(t, sid) : NULL;
    if (hs)
        sess_end(hs);
}

/* ---- streams and events -----------------------------------------------------------------------
 */

static void stream_link(hsess *hs, stream *st)
{
    stream **pp, *old = NULL;
    unsigned finished = 0;
    st->hs = hs;
    st->no = ++hs->next_no;
    st->next = hs->streams;
    hs->streams = st;
    hs->nstreams++;
    /* Keep a bounded number of finished, detached streams for resumption. */
    for (pp = &hs->streams; *pp; pp = &(*pp)->next)
        if ((*pp)->finished && !(*pp)->conn && !(*pp)->ex)
            finished++;
    if (finished <= MAX_FINISHED_STREAMS)
        return;
    for (pp = &hs->streams; *pp; pp = &(*pp)->next)
        if ((*pp)->finished && !(*pp)->conn && !(*pp)->ex)
            old = *pp; /* the oldest is last */
    for (pp = &hs->streams; *pp; pp = &(*pp)->next)
        if (*pp == old) {
            *pp = old->next;
            hs->nstreams--;
            if (hs->t->es)
                hs->t->es->forget(hs->t->es, hs->id, old->no);
            free(old);
            return;
        }
}

static void stream_unlink(stream *st)
{
    hsess *hs = st->hs;
    stream **pp;
    if (!hs)
        return;
    for (pp = &hs->streams; *pp; pp = &(*pp)->next)
        if (*pp == st) {
            *pp = st->next;
            hs->nstreams--;
            break;
        }
    if (hs->standalone == st)
        hs->standalone = NULL;
    if (hs->t->es)
        hs->t->es->forget(hs->t->es, hs->id, st->no);
}

static void stream_write_event(stream *st, uint64_t seq, const char *data, size_t len)
{
    char id[48];
    if (!st->conn)
        return;
    if (st->hs) {
        snprintf(id, sizeof id, "%u-%llu", st->no, (unsigned long long)seq);
        mcp__hconn_event(st->conn, id, NULL, data, len);
    } else {
        mcp__hconn_event(st->conn, NULL, NULL, data, len);
    }
}

/* With a store: keep the event for a resumption on any replica, and tell the replica that may
 * follow this stream now ("ev"). `data` NULL: the stream ended ("end", "evend"). */
static void stream_share(stream *st, const char *data, size_t n)
{
    http_tr *t = st->hs->t;
    char key[64], *item;
    int len;
    snprintf(key, sizeof key, "e:%s:%u", st->hs->id, st->no);
    if (!data) {
        mcp_store_push(t->store, key, "end", 3, t->session_timeout_ms, NULL, NULL);
        mcp__store_send(t->srv, "evend", json_pack("{s:s,s:i}", "s", st->hs->id, "n", (int)st->no));
        return;
    }
    if (!(item = malloc(n + 24)))
        return;
    len = snprintf(item, 24, "%llu ", (unsigned long long)st->seq);
    memcpy(item + len, data, n);
    mcp_store_push(t->store, key, item, (size_t)len + n, t->session_timeout_ms, NULL, NULL);
    free(item);
    mcp__store_send(t->srv, "ev",
                    json_pack("{s:s,s:i,s:I,s:s%}", "s", st->hs->id, "n", (int)st->no, "q",
                              (json_int_t)st->seq, "d", data, n));
}

static void stream_emit(stream *st, const json_t *msg)
{
    size_t n;
    char *text = mcp__jsonrpc_dump(msg, &n);
    if (!text)
        return;
    st->seq++;
    if (st->hs && st->hs->t->es)
        st->hs->t->es->append(st->hs->t->es, st->hs->id, st->no, st->seq, text, n);
    if (st->hs && st->hs->t->store)
        stream_share(st, text, n);
    stream_write_event(st, st->seq, text, n);
    free(text);
}

/* The priming event (2025-11-25): an id and empty data, so the client can resume from here,
 * and the reconnection delay. Older revisions' clients get none. */
static void stream_prime(stream *st)
{
    char buf[96];
    int n;
    if (!st->hs || !st->conn || !st->hs->core->ctx.version ||
        !mcp__version_ge(st->hs->core->ctx.version, MCP_PROTOCOL_2025_11_25))
        return;
    n = snprintf(buf, sizeof buf, "id: %u-%llu\nretry: %u\ndata: \n\n", st->no,
                 (unsigned long long)st->seq, st->hs->t->retry_ms);
    mcp__hconn_write(st->conn, buf, (size_t)n);
}

/* A message every replica sends its own copies of the sessions (a list change, a resource
 * update: heard on the channel as "bcast"/"rupd"), so it is never sent on. */
static bool sent_everywhere(const json_t *msg)
{
    const char *m = json_string_value(json_object_get(msg, "method"));
    size_t n = m ? strlen(m) : 0;
    return m && ((n > 13 && strcmp(m + n - 13, "/list_changed") == 0) ||
                 strcmp(m, "notifications/resources/updated") == 0);
}

static void standalone_message(hsess *hs, const json_t *msg)
{
    http_tr *t = hs->t;
    if (hs->standalone)
        stream_emit(hs->standalone, msg);
    else if (t->store && hs->registered && !sent_everywhere(msg))
        /* the session's GET stream may be held by another replica ("smsg") */
        mcp__store_send(t->srv, "smsg", json_pack("{s:s,s:O}", "s", hs->id, "m", msg));
    /* no standalone stream anywhere: the message is not delivered (the spec's "MAY") */
}

/* Channel: a message for a session whose GET stream this replica may hold. */
static void on_session_message(void *ud, const json_t *msg)
{
    http_tr *t = ud;
    const char *sid = json_string_value(json_object_get(msg, "s"));
    hsess *hs = sid ? sess_find(t, sid) : NULL;
    const json_t *m = json_object_get(msg, "m");
    if (hs && hs->standalone && json_is_object(m))
        stream_emit(hs->standalone, m);
}

/* ---- exchanges (one POST each) ----------------------------------------------------------------
 */

static exch *exch_new(http_tr *t, mcp__hconn *c)
{
    exch *ex = calloc(1, sizeof *ex);
    if (!ex)
        return NULL;
    ex->tag = TAG_EXCH;
    ex->t = t;
    ex->conn = c;
    c->owner = ex;
    ex->next = t->exchanges;
    if (t->exchanges)
        t->exchanges->prev = ex;
    t->exchanges = ex;
    return ex;
}

static void exch_free(exch *ex)
{
    http_tr *t = ex->t;
    if (ex->prev)
        ex->prev->next = ex->next;
    else if (t->exchanges == ex)
        t->exchanges = ex->next;
    if (ex->next)
        ex->next->prev = ex->prev;
    if (ex->conn)
        ex->conn->owner = NULL;
    if (ex->st) {
        ex->st->ex = NULL;
        if (!ex->st->hs && !ex->st->conn)
            free(ex->st);
    }
    if (ex->temp && ex->core) {
        mcp__server_session_end(ex->core);
        mcp__session_unref(ex->core);
    }
    json_decref(ex->reply);
    free(ex);
    check_stopped(t);
}

static bool is_reply(const json_t *msg)
{
    return json_is_array(msg) || (json_object_get(msg, "id") && !json_object_get(msg, "method"));
}

/* Turn the POST into an SSE stream. */
static int exch_stream(exch *ex)
{
    http_tr *t = ex->t;
    stream *st;
    mcp__hconn *c = ex->conn;
    if (!c || t->json_only || t->d.nsse >= t->max_streams)
        return -1;
    st = calloc(1, sizeof *st);
    if (!st)
        return -1;
    st->tag = TAG_STREAM;
    if (mcp__hconn_sse(c, NULL, NULL) != 0) {
        free(st);
        return -1;
    }
    if (ex->hs)
        stream_link(ex->hs, st);
    st->ex = ex;
    st->conn = c;
    c->owner = st;
    ex->conn = NULL;
    ex->st = st;
    stream_prime(st);
    return 0;
}

/* Turn a POST still waiting for its answer into a stream; replies already buffered for a JSON
 * answer go out first, in order. */
static int exch_to_stream(exch *ex)
{
    if (ex->finished || exch_stream(ex) != 0)
        return -1;
    if (ex->reply) {
        stream_emit(ex->st, ex->reply);
        json_decref(ex->reply);
        ex->reply = NULL;
    }
    return 0;
}

static void exch_message(exch *ex, json_t *msg, mcp__reply_class cls)
{
    if (ex->st) {
        stream_emit(ex->st, msg);
        return;
    }
    if (is_reply(msg)) {
        if (!ex->reply) {
            ex->reply = json_incref(msg);
            ex->reply_class = cls;
        } else {
            ex->reply_class = MCP__REPLY_OK; /* several replies: an array, 200 */
            if (!json_is_array(ex->reply)) {
                json_t *a = json_array();
                json_array_append_new(a, ex->reply);
                ex->reply = a;
            }
            if (json_is_array(msg))
                json_array_extend(ex->reply, msg);
            else
                json_array_append(ex->reply, msg);
        }
        return;
    }
    if (exch_to_stream(ex) == 0) {
        stream_emit(ex->st, msg);
        return;
    }
    /* JSON-only: a server->client request may still reach the client on its GET stream. */
    if (ex->hs && json_object_get(msg, "id"))
        standalone_message(ex->hs, msg);
}

/* The status of a JSON answer, from the class the core gave its reply. */
static unsigned reply_status(const exch *ex)
{
    switch (ex->reply_class) {
    case MCP__REPLY_MALFORMED:
        return MHD_HTTP_BAD_REQUEST;
    case MCP__REPLY_NO_METHOD:
        return ex->era2026 ? MHD_HTTP_NOT_FOUND : MHD_HTTP_OK;
    case MCP__REPLY_BAD_META:
        return ex->era2026 ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_OK;
    default:
        return MHD_HTTP_OK;
    }
}

static void exch_finish(exch *ex)
{
    http_tr *t = ex->t;
    hsess *hs = ex->hs;
    if (ex->receiving || ex->outstanding > 0 || ex->finished || ex->saving)
        return;
    if (t->store && ex->is_init && hs && !hs->registered && !hs->deleted && !ex->saved &&
        json_is_object(json_object_get(ex->reply, "result")) && !t->stopping && sess_make_room(t)) {
        /* the session is known to every replica before its id reaches the client */
        hwait *w = wait_new(t, NULL);
        sess_register(hs);
        if (w) {
            w->ex = ex;
            ex->saving = true;
            if (sess_save(hs, w, true) == 0)
                return; /* on_saved (maybe already) finishes it */
            ex->saving = false;
            wait_free(w);
        }
        ex->store_down = true;
    }
    if (ex->store_down && hs && hs->registered) {
        json_t *down = mcp__jsonrpc_error(json_object_get(ex->reply, "id"), MCP__ERROR_SERVER,
                                          "Service Unavailable: the session store cannot be "
                                          "reached; try again",
                                          NULL);
        sess_unregister(hs);
        json_decref(ex->reply);
        ex->reply = down;
        ex->reply_class = MCP__REPLY_OK;
    }
    ex->finished = true;
    if (ex->is_init && hs && !hs->registered && !hs->deleted && !ex->store_down &&
        json_is_object(json_object_get(ex->reply, "result"))) {
        if (t->stopping || !sess_make_room(t)) {
            json_t *busy = mcp__jsonrpc_error(json_object_get(ex->reply, "id"), MCP__ERROR_SERVER,
                                              "Server busy: too many sessions", NULL);
            json_decref(ex->reply);
            ex->reply = busy;
            ex->reply_class = MCP__REPLY_OK;
        } else {
            sess_register(hs);
        }
    }
    if (ex->st) {
        stream *st = ex->st;
        st->finished = true;
        st->ex = NULL;
        ex->st = NULL;
        if (st->hs && t->store)
            stream_share(st, NULL, 0);
        if (st->conn)
            mcp__hconn_end(st->conn, false);
        else if (!st->hs && !st->closing)
            free(st);
    } else if (ex->conn) {
        if (!ex->reply && ex->had_call && exch_stream(ex) == 0) {
            /* a request whose reply was dropped (it was cancelled): a request gets JSON or an
             * event stream, never 202, so it gets an empty stream that ends at once */
            stream *st = ex->st;
            st->finished = true;
            st->ex = NULL;
            ex->st = NULL;
            mcp__hconn_end(st->conn, false);
        } else if (!ex->reply)
            mcp__hconn_respond(ex->conn, MHD_HTTP_ACCEPTED,
                               mcp__hconn_response(ex->conn, NULL, NULL, 0));
        else if (ex->store_down)
            mcp__hconn_json(ex->conn, MHD_HTTP_SERVICE_UNAVAILABLE, ex->reply,
                            MHD_HTTP_HEADER_RETRY_AFTER, "1");
        else if (ex->reply_class == MCP__REPLY_FORBIDDEN)
            mcp__auth_forbidden(ex->conn, ex->reply); /* 403 insufficient_scope: step up */
        else
            mcp__hconn_json(ex->conn, reply_status(ex), ex->reply,
                            hs && hs->registered && ex->is_init ? "Mcp-Session-Id" : NULL,
                            hs ? hs->id : NULL);
    }
    if (hs) {
        hs->busy--;
        if (!hs->registered && !hs->deleted) /* a failed initialize */
            hs->deleted = true;
        if (hs->deleted) {
            if (hs->busy == 0 && hs->core->ncalls == 0)
                sess_destroy(hs);
        } else {
            touch(hs);
            if (t->store && !ex->is_init)
                sess_save(hs, NULL, false);
        }
        ex->hs = NULL;
    }
    if (!ex->conn)
        exch_free(ex);
}

/* ---- the core's callbacks ----------------------------------------------------------------------
 */

static void h_send(mcp__session *s, json_t *msg, mcp_call_t *related)
{
    exch *ex = related ? related->tctx : s->rx;
    if (ex) {
        exch_message(ex, msg, s->reply_class);
        return;
    }
    if (s->transport) /* a stateful session: unrelated messages go to the GET stream */
        standalone_message(s->transport, msg);
}

static void h_idle(mcp__session *s)
{
    hsess *hs = s->transport;
    if (hs && hs->deleted && hs->busy == 0)
        sess_destroy(hs);
}

static void h_call_begin(mcp__session *s, mcp_call_t *call)
{
    exch *ex = call->tctx;
    (void)s;
    if (ex) {
        ex->outstanding++;
        ex->had_call = true;
    }
}

static void h_call_end(mcp__session *s, mcp_call_t *call, bool replied)
{
    exch *ex = call->tctx;
    (void)s;
    (void)replied;
    if (!ex)
        return;
    call->tctx = NULL;
    ex->outstanding--;
    exch_finish(ex);
}

/* SSE polling (2025-11-25): the server closes the POST's stream after its priming event; the
 * client comes back with GET + Last-Event-ID and gets what was stored meanwhile, the reply too. */
static int h_close_stream(mcp__session *s, mcp_call_t *call)
{
    exch *ex = call->tctx;
    stream *st;
    mcp__hconn *c;
    (void)s;
    if (!ex || ex->era2026 || !ex->hs || ex->finished)
        return MCP_ESTATE; /* only a session's streams can be resumed */
    if (!ex->st && exch_stream(ex) != 0)
        return MCP_ESTATE;
    st = ex->st;
    c = st->conn;
    if (c) {
        st->conn = NULL; /* on_closed then leaves the stream alone */
        mcp__hconn_end(c, false);
    }
    return MCP_OK;
}

static const mcp__transport_ops http_ops = {h_send, h_idle, h_call_begin, h_call_end,
                                            h_close_stream};

/* ---- 2026-07-28 header checks ------------------------------------------------------------------
 */

/* An error response carrying the request's id (NULL: unreadable), as 2026-07-28 asks. */
static void reply_error(mcp__hconn *c, unsigned status, const json_t *id, int code, json_t *data,
                        const char *fmt, ...) MCP_PRINTF(6, 7);

static void reply_error(mcp__hconn *c, unsigned status, const json_t *id, int code, json_t *data,
                        const char *fmt, ...)
{
    char text[400];
    va_list ap;
    json_t *msg;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    msg = mcp__jsonrpc_error(mcp__jsonrpc_valid_id(id) ? id : NULL, code, text, data);
    mcp__hconn_json(c, status, msg, NULL, NULL);
    json_decref(msg);
}

/* A 503/429 with Retry-After and a JSON-RPC error carrying the request's id. */
static void reply_busy(mcp__hconn *c, unsigned status, const json_t *id, unsigned retry_s,
                       const char *text)
{
    char v[16];
    json_t *msg =
        mcp__jsonrpc_error(mcp__jsonrpc_valid_id(id) ? id : NULL, MCP__ERROR_SERVER, text, NULL);
    snprintf(v, sizeof v, "%u", retry_s);
    mcp__hconn_json(c, status, msg, MHD_HTTP_HEADER_RETRY_AFTER, v);
    json_decref(msg);
}

/*
 * A header value as the body should read it: optional whitespace around it removed (RFC 9110
 * §5.5), and the `=?base64?...?=` form decoded (strict: padded, standard alphabet, no NUL).
 * Returns a malloc'd string, or NULL when the encoded form is malformed.
 */
static char *header_value(const char *v)
{
    size_t n, o = 0;
    char *out;
    while (*v == ' ' || *v == '\t')
        v++;
    n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n < 11 || strncasecmp(v, "=?base64?", 9) != 0 || v[n - 2] != '?' || v[n - 1] != '=') {
        out = malloc(n + 1);
        if (out) {
            memcpy(out, v, n);
            out[n] = '\0';
        }
        return out;
    }
    out = (char *)mcp__base64_decode(v + 9, n - 11, false, &o);
    if (out && memchr(out, '\0', o)) { /* a header value is text: no NUL inside */
        free(out);
        return NULL;
    }
    return out;
}

/* Does header value `h` (may be NULL) state exactly `want`? */
static bool header_is(const char *h, const char *want)
{
    char *v = h ? header_value(h) : NULL;
    bool ok = v && strcmp(v, want) == 0;
    free(v);
    return ok;
}

/* Mcp-Param-{X} headers mirror the tool arguments whose schema says "x-mcp-header": "X". */
static int check_param_headers(mcp__hconn *c, const json_t *id, const json_t *params)
{
    http_tr *t = c->d->owner;
    const char *name = json_string_value(json_object_get(params, "name"));
    const json_t *args = json_object_get(params, "arguments");
    mcp__item *tool = name ? mcp__registry_get(&t->srv->reg, MCP__TOOL, name) : NULL;
    const json_t *props = tool ? json_object_get(tool->input_schema, "properties") : NULL;
    const char *key;
    json_t *prop;

    json_object_foreach((json_t *)props, key, prop)
    {
        const char *x = json_string_value(json_object_get(prop, "x-mcp-header"));
        const json_t *v = json_object_get(args, key);
        char hname[160], num[64], *got;
        const char *raw;
        bool ok;
        if (!x || !v || json_is_null(v) || strlen(x) > 100)
            continue;
        snprintf(hname, sizeof hname, "Mcp-Param-%s", x);
        raw = mcp__hconn_header(c, hname);
        if (!raw) {
            reply_error(c, MHD_HTTP_BAD_REQUEST, id, MCP_ERROR_HEADER_MISMATCH, NULL,
                        "Header mismatch: %s header is required when arguments.%.60s is present",
                        hname, key);
            return -1;
        }
        if (!(got = header_value(raw))) {
            reply_error(c, MHD_HTTP_BAD_REQUEST, id, MCP_ERROR_HEADER_MISMATCH, NULL,
                        "Header mismatch: %s header is not valid (bad Base64 encoding)", hname);
            return -1;
        }
        if (json_is_string(v)) {
            ok = strcmp(got, json_string_value(v)) == 0;
        } else if (json_is_integer(v)) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            ok = strcmp(got, num) == 0;
        } else if (json_is_real(v)) {
            char *end;
            double d = strtod(got, &end);
            ok = *got && !*end && d == json_real_value(v);
        } else if (json_is_boolean(v)) {
            ok = strcmp(got, json_is_true(v) ? "true" : "false") == 0;
        } else {
            ok = true; /* objects and arrays are not mirrored */
        }
        free(got);
        if (!ok) {
            reply_error(c, MHD_HTTP_BAD_REQUEST, id, MCP_ERROR_HEADER_MISMATCH, NULL,
                        "Header mismatch: %s header does not match arguments.%.60s", hname, key);
            return -1;
        }
    }
    return 0;
}

/* 0, or an error response queued (400 + -32020, with the request's id). */
static int check_2026_headers(mcp__hconn *c, const json_t *msg)
{
    const json_t *params = json_object_get(msg, "params");
    const json_t *id = json_object_get(msg, "id");
    const json_t *mv = json_object_get(json_object_get(params, "_meta"),
                                       "io.modelcontextprotocol/protocolVersion");
    const char *method = json_string_value(json_object_get(msg, "method"));
    const char *hv = mcp__hconn_header(c, "MCP-Protocol-Version");
    const char *hm = mcp__hconn_header(c, "Mcp-Method");
    const char *hn = mcp__hconn_header(c, "Mcp-Name");
    const char *want = NULL, *field = NULL;
    bool request = id != NULL;

    if (!json_is_string(mv) || !header_is(hv, json_string_value(mv))) {
        reply_error(c, MHD_HTTP_BAD_REQUEST, id, MCP_ERROR_HEADER_MISMATCH, NULL,
                    "Header mismatch: MCP-Protocol-Version header '%.40s' does not match the "
                    "body's protocol version",
                    hv ? hv : "(missing)");
        return -1;
    }
    if (!method)
        return 0; /* a response or an invalid message: the core answers */
    if ((request || hm) && !header_is(hm, method)) {
        reply_error(c, MHD_HTTP_BAD_REQUEST, id, MCP_ERROR_HEADER_MISMATCH, NULL,
                    "Header mismatch: Mcp-Method header value '%.60s' does not match body value "
                    "'%.60s'",
                    hm ? hm : "(missing)", method);
        return -1;
    }
    if (strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0)
        field = "name";
    else if (strcmp(method, "resources/read") == 0)
        field = "uri";
    else if (strcmp(method, "tasks/get") == 0 || strcmp(method, "tasks/update") == 0 ||
             strcmp(method, "tasks/cancel") == 0)
        field = "taskId"; /* the tasks extension names the task in Mcp-Name */
    if (field && (want = json_string_value(json_object_get(params, field))) != NULL &&
        !header_is(hn, want)) {
        reply_error(c, MHD_HTTP_BAD_REQUEST, id, MCP_ERROR_HEADER_MISMATCH, NULL,
                    "Header mismatch: Mcp-Name header value '%.60s' does not match body value "
                    "'%.60s'",
                    hn ? hn : "(missing)", want);
        return -1;
    }
    if (strcmp(method, "tools/call") == 0)
        return check_param_headers(c, id, params);
    return 0;
}

/* ---- requests ----------------------------------------------------------------------------------
 */

static int on_headers(mcp__hconn *c)
{
    http_tr *t = c->d->owner;
    const char *m = c->method;
    const char *pv = mcp__hconn_header(c, "MCP-Protocol-Version");

    if (strcmp(c->url, t->path) != 0) {
        mcp__hconn_error(c, MHD_HTTP_NOT_FOUND, 0, "Not Found");
        return -1;
    }
    if (strcmp(m, "POST") != 0 && strcmp(m, "GET") != 0 && strcmp(m, "DELETE") != 0) {
        mcp__hconn_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, 0, "Method Not Allowed");
        return -1;
    }
    if (pv && !mcp__version_find(pv) && m[0] != 'P') { /* POST: checked with the body's id */
        reply_error(c, MHD_HTTP_BAD_REQUEST, NULL, MCP_ERROR_UNSUPPORTED_VERSION,
                    json_pack("{s:o, s:s}", "supported", mcp__version_list(), "requested", pv),
                    "Bad Request: unsupported MCP-Protocol-Version");
        return -1;
    }
    if (m[0] == 'P') {
        if (!mcp__hconn_accepts(c, "application/json") ||
            !mcp__hconn_accepts(c, "text/event-stream")) {
            mcp__hconn_error(c, MHD_HTTP_NOT_ACCEPTABLE, MCP__ERROR_SERVER,
                             "Not Acceptable: Accept must allow both application/json and "
                             "text/event-stream");
            return -1;
        }
        if (!mcp__hconn_json_body(c)) {
            mcp__hconn_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, MCP__ERROR_SERVER,
                             "Unsupported Media Type: Content-Type must be application/json");
            return -1;
        }
        return 0;
    }
    if (t->stateless || (pv && mcp__version_stateless(pv)) || (m[0] == 'G' && t->no_get)) {
        mcp__hconn_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, 0, "Method Not Allowed");
        return -1;
    }
    if (m[0] == 'G' && !mcp__hconn_accepts(c, "text/event-stream")) {
        mcp__hconn_error(c, MHD_HTTP_NOT_ACCEPTABLE, MCP__ERROR_SERVER,
                         "Not Acceptable: Accept must allow text/event-stream");
        return -1;
    }
    return 0;
}

/* The session named by Mcp-Session-Id; NULL with an error queued. */
static hsess *session_of(mcp__hconn *c, const json_t *id)
{
    http_tr *t = c->d->owner;
    const char *sid = mcp__hconn_header(c, "Mcp-Session-Id");
    hsess *hs;
    if (!sid) {
        reply_error(c, MHD_HTTP_BAD_REQUEST, id, MCP__ERROR_SERVER, NULL,
                    "Bad Request: Mcp-Session-Id header is required");
        return NULL;
    }
    if (!(hs = sess_find(t, sid)) && sess_lookup(t, c, sid))
        return NULL; /* parked: served again once the store answers */
    /* Another principal's session is as unknown as a missing one (nothing leaks). */
    if (!hs || !mcp__auth_same(hs->core->principal, c->principal)) {
        reply_error(c, MHD_HTTP_NOT_FOUND, id, MCP__ERROR_SESSION_NOT_FOUND, NULL,
                    "Session not found");
        return NULL;
    }
    return hs;
}

/* ---- requestState: single use across replicas (with a store) ------------------------------- */

static void on_state_claimed(void *ud, mcp_store_status status, const char *value, size_t len)
{
    hwait *w = ud;
    mcp__hconn *c = w->c;
    json_t *in, *id;
    (void)value;
    (void)len;
    if (!w->t || !c) {
        wait_free(w);
        return;
    }
    wait_free(w);
    c->owner = NULL;
    c->store_claimed = true;
    if (status == MCP_STORE_OK) {
        on_request(c); /* first use: served */
        return;
    }
    in = json_loadb(c->body ? c->body : "", c->len, 0, NULL);
    id = json_object_get(in, "id");
    if (status == MCP_STORE_EXISTS) {
        reply_error(c, MHD_HTTP_OK, id, MCP_JSONRPC_INVALID_PARAMS, NULL,
                    "Invalid params: requestState was already used");
    } else {
        reply_busy(c, MHD_HTTP_SERVICE_UNAVAILABLE, id, 1,
                   "Service Unavailable: the state store cannot be reached");
    }
    json_decref(in);
}

/* A 2026 request retrying with a requestState this server signed: claim its nonce in the store
 * (SET if absent, expiring with the state). True when parked. */
static bool state_claim(http_tr *t, mcp__hconn *c, const json_t *msg)
{
    const char *state =
        json_string_value(json_object_get(json_object_get(msg, "params"), "requestState"));
    char nonce[65], key[80];
    long long expires;
    time_t now = time(NULL);
    hwait *w;
    if (!state || c->store_claimed || mcp__mrtr_state_nonce(t->srv, state, nonce, &expires) != 0 ||
        expires < (long long)now)
        return false; /* mrtr.c refuses it, or it has no state */
    if (!(w = wait_new(t, c)))
        return false;
    snprintf(key, sizeof key, "n:%s", nonce);
    if (mcp_store_put(t->store, key, "1", 1, (uint64_t)(expires - (long long)now + 1) * 1000, 1,
                      on_state_claimed, w) != 0) {
        wait_free(w);
        return false;
    }
    return true;
}

/* ---- answers to another replica's questions (with a store) ---------------------------------- */

/* The client's answer to a server->client request this replica did not send: the replica that
 * asks hears it on the channel ("sresp"). True when it was sent on (and the POST answered 202). */
static bool answer_elsewhere(http_tr *t, mcp__hconn *c, hsess *hs, const json_t *msg)
{
    const json_t *id = json_object_get(msg, "id");
    if (!json_is_object(msg) || json_object_get(msg, "method") || !json_is_integer(id) ||
        (!json_object_get(msg, "result") && !json_object_get(msg, "error")) ||
        mcp__session_awaits(hs->core, id) || mcp__tasks_awaits(hs->core, id))
        return false;
    if (mcp__store_send(t->srv, "sresp", json_pack("{s:s,s:O}", "s", hs->id, "m", msg)) != 0) {
        reply_busy(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, 1,
                   "Service Unavailable: the session store cannot be reached");
        return true;
    }
    touch(hs);
    mcp__hconn_respond(c, MHD_HTTP_ACCEPTED, mcp__hconn_response(c, NULL, NULL, 0));
    return true;
}

static void on_answer_note(void *ud, const json_t *msg)
{
    http_tr *t = ud;
    const char *sid = json_string_value(json_object_get(msg, "s"));
    const json_t *m = json_object_get(msg, "m");
    hsess *hs = sid ? sess_find(t, sid) : NULL;
    char *text;
    if (!hs || !json_is_object(m) ||
        (!mcp__session_awaits(hs->core, json_object_get(m, "id")) &&
         !mcp__tasks_awaits(hs->core, json_object_get(m, "id"))) ||
        !(text = json_dumps(m, JSON_COMPACT)))
        return;
    mcp__server_receive(hs->core, text, strlen(text)); /* a response: nothing is sent back */
    free(text);
}

static void do_post(mcp__hconn *c)
{
    http_tr *t = c->d->owner;
    mcp__inbound in;
    json_t *msg;
    exch *ex;
    hsess *hs = NULL;
    mcp__session *core;
    void *prev_rx;
    const json_t *rid;
    const char *pv;
    bool temp = false, era2026 = false, init = false;

    if (t->stopping) {
        mcp__hconn_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, MCP__ERROR_SERVER,
                         "Server shutting down");
        return;
    }
    if (mcp__inbound_read(&in, c->body ? c->body : "", c->len) != MCP_OK) {
        mcp__hconn_json(c, MHD_HTTP_BAD_REQUEST, in.error, NULL, NULL);
        mcp__inbound_clear(&in);
        return;
    }
    msg = in.json; /* owned by `in` */
    rid = json_is_object(msg) ? json_object_get(msg, "id") : NULL;
    pv = mcp__hconn_header(c, "MCP-Protocol-Version");
    if (pv) {
        char *v = header_value(pv);
        const char *known = v ? mcp__version_find(v) : NULL;
        free(v);
        if (!known) {
            reply_error(c, MHD_HTTP_BAD_REQUEST, rid, MCP_ERROR_UNSUPPORTED_VERSION,
                        json_pack("{s:o, s:s}", "supported", mcp__version_list(), "requested", pv),
                        "Bad Request: unsupported MCP-Protocol-Version");
            mcp__inbound_clear(&in);
            return;
        }
        pv = known;
    }
    if (json_is_object(msg) && (in.era2026 || (pv && mcp__version_stateless(pv)))) {
        if (!in.era2026 && json_object_get(msg, "method")) {
            reply_error(c, MHD_HTTP_BAD_REQUEST, rid, MCP_JSONRPC_INVALID_PARAMS, NULL,
                        "Invalid params: the request is missing the required _meta envelope "
                        "(io.modelcontextprotocol/protocolVersion) for protocol revision %s",
                        pv);
            mcp__inbound_clear(&in);
            return;
        }
        if (check_2026_headers(c, msg) != 0) {
            mcp__inbound_clear(&in);
            return;
        }
        if (t->store && state_claim(t, c, msg)) {
            mcp__inbound_clear(&in);
            return; /* parked: on_state_claimed serves or refuses it */
        }
        era2026 = temp = true;
    } else if (t->stateless) {
        temp = true;
        init = in.initialize;
    } else if (mcp__hconn_header(c, "Mcp-Session-Id")) {
        if (!(hs = session_of(c, rid))) {
            mcp__inbound_clear(&in);
            return;
        }
    } else if (in.initialize) {
        if (mcp__quota_get(t->sq, c->who) >= t->max_sessions_who) {
            reply_busy(c, MHD_HTTP_TOO_MANY_REQUESTS, rid, sess_retry_after(t),
                       "Too Many Requests: this client has too many sessions; end one (DELETE)");
            mcp__inbound_clear(&in);
            return;
        }
        if (t->nsess >= t->max_sessions && !sess_make_room(t)) {
            reply_busy(c, MHD_HTTP_SERVICE_UNAVAILABLE, rid, sess_retry_after(t),
                       "Service Unavailable: too many sessions, none idle long enough to evict");
            mcp__inbound_clear(&in);
            return;
        }
        if (!(hs = sess_new(t))) {
            mcp__inbound_clear(&in);
            mcp__hconn_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, MCP_JSONRPC_INTERNAL_ERROR,
                             "Internal error: out of memory");
            return;
        }
        hs->core->principal = json_incref(c->principal); /* the session is bound to it */
        hs->core->scoped = c->d->cfg.stage != NULL;      /* authorization on: .scopes apply */
        memcpy(hs->who, c->who, sizeof hs->who);
        init = true;
    } else {
        reply_error(c, MHD_HTTP_BAD_REQUEST, json_is_object(msg) ? rid : NULL, MCP__ERROR_SERVER,
                    NULL, "Bad Request: Mcp-Session-Id header is required");
        mcp__inbound_clear(&in);
        return;
    }

    if (hs && t->store && answer_elsewhere(t, c, hs, msg)) {
        mcp__inbound_clear(&in);
        return; /* 202: the replica that asked has it */
    }
    if (temp) {
        core = mcp__session_new(t->srv, &http_ops, NULL);
        if (core) {
            core->ephemeral = true;
            core->principal = json_incref(c->principal);
            core->scoped = c->d->cfg.stage != NULL;
            /* one client for the pool's fair share is its address, not this one request */
            core->client = c->principal ? NULL : mcp__hconn_peer(c);
        }
        if (core && !era2026 && !init) {
            core->state = MCP__SESS_READY;
            core->ctx.version = pv ? pv : MCP_PROTOCOL_2025_03_26;
            core->ctx.client_caps = json_object();
        }
    } else {
        core = hs->core;
    }
    ex = core ? exch_new(t, c) : NULL;
    if (!ex) {
        if (temp && core) {
            mcp__server_session_end(core);
            mcp__session_unref(core);
        }
        if (hs && !hs->registered)
            sess_destroy(hs);
        mcp__hconn_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, MCP_JSONRPC_INTERNAL_ERROR,
                         "Internal error: out of memory");
        return;
    }
    ex->core = core;
    ex->temp = temp;
    ex->era2026 = era2026;
    ex->is_init = init;
    if (hs) {
        ex->hs = hs;
        hs->busy++;
        touch(hs);
    }
    ex->receiving = true;
    prev_rx = core->rx;
    core->rx = ex;
    core->rx_principal = c->principal;      /* this request's token: calls keep its claims */
    mcp__server_receive_inbound(core, &in); /* read once, above */
    mcp__inbound_clear(&in);
    core->rx_principal = NULL;
    core->rx = prev_rx;
    ex->receiving = false;
    exch_finish(ex); /* or later, when the last call ends */
}

/* ---- another replica's stream, resumed here (with a store) ------------------------------- */

static stream *remote_find(hsess *hs, unsigned no)
{
    stream *st;
    for (st = hs ? hs->streams : NULL; st; st = st->next)
        if (st->no == no && st->remote)
            return st;
    return NULL;
}

/* One "<seq> <data>" element as [seq, data] (NULL when malformed). */
static json_t *event_item(const char *v, size_t len)
{
    char *end;
    unsigned long long seq = strtoull(v, &end, 10);
    if (end == v || (size_t)(end - v) >= len || *end != ' ')
        return NULL;
    end++;
    return json_pack("[I,s%]", (json_int_t)seq, end, len - (size_t)(end - v));
}

static void on_stream_events(void *ud, mcp_store_status status, const char *value, size_t len)
{
    hwait *w = ud;
    mcp__hconn *c = w->c;
    http_tr *t = w->t;
    const char *sid;
    hsess *hs;
    stream *st;
    if (value) {
        if (len == 3 && memcmp(value, "end", 3) == 0)
            w->finished = true;
        else if (len == 3 && memcmp(value, "get", 3) == 0)
            w->standalone = true;
        else if (w->evs)
            json_array_append_new(w->evs, event_item(value, len));
        return;
    }
    sid = c ? mcp__hconn_header(c, "Mcp-Session-Id") : NULL;
    hs = t && sid ? sess_find(t, sid) : NULL;
    st = remote_find(hs, w->no);
    if (!t || !c || !st) {
        wait_free(w);
        if (c && t) {
            c->owner = NULL;
            mcp__hconn_error(c, MHD_HTTP_NOT_FOUND, MCP__ERROR_SESSION_NOT_FOUND,
                             "Session not found");
        }
        return;
    }
    c->owner = NULL;
    if (status != MCP_STORE_OK) {
        stream_unlink(st);
        stream_free(st);
        wait_free(w);
        reply_busy(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, 1,
                   "Service Unavailable: the event store cannot be reached");
        return;
    }
    /* the stored events first, then those heard meanwhile (older ones are skipped when sent) */
    json_array_extend(w->evs, st->pending);
    json_decref(st->pending);
    st->pending = json_incref(w->evs);
    if (w->finished)
        st->finished = true;
    st->standalone = w->standalone;
    wait_free(w);
    c->store_events = true;
    on_request(c); /* do_get finds the stream now */
}

/* GET with a Last-Event-ID naming a stream this replica does not have: read that stream's events
 * from the store (parked meanwhile). True when parked. */
static bool remote_fetch(http_tr *t, mcp__hconn *c, hsess *hs, unsigned no, uint64_t after)
{
    char key[64];
    stream *st;
    hwait *w;
    if (!t->store || c->store_events || !(st = calloc(1, sizeof *st)))
        return false;
    if (!(w = wait_new(t, c)) || !(w->evs = json_array()) || !(st->pending = json_array())) {
        if (w)
            wait_free(w);
        json_decref(st->pending);
        free(st);
        c->owner = NULL;
        return false;
    }
    st->tag = TAG_STREAM;
    st->remote = true;
    st->hs = hs;
    st->no = no;
    st->seq = after;
    st->next = hs->streams;
    hs->streams = st;
    hs->nstreams++;
    w->no = no;
    w->after = after;
    snprintf(key, sizeof key, "e:%s:%u", hs->id, no);
    if (mcp_store_list(t->store, key, on_stream_events, w) != 0) {
        stream_unlink(st);
        stream_free(st);
        wait_free(w);
        return false;
    }
    return true;
}

/* Write what a remote stream holds past `after`; end it when its replica ended it. */
static void remote_flush(stream *st)
{
    json_t *ev;
    size_t i;
    json_array_foreach(st->pending, i, ev)
    {
        uint64_t seq = (uint64_t)json_integer_value(json_array_get(ev, 0));
        const json_t *d = json_array_get(ev, 1);
        if (seq > st->seq && st->conn) {
            stream_write_event(st, seq, json_string_value(d), json_string_length(d));
            st->seq = seq;
        }
    }
    json_decref(st->pending);
    st->pending = NULL;
    if (st->finished && st->conn)
        mcp__hconn_end(st->conn, false);
}

/* Channel: an event of a stream ("ev") or its end ("evend") on another replica. */
static void on_event_note(void *ud, const json_t *msg)
{
    http_tr *t = ud;
    const char *sid = json_string_value(json_object_get(msg, "s"));
    stream *st = remote_find(sid ? sess_find(t, sid) : NULL,
                             (unsigned)json_integer_value(json_object_get(msg, "n")));
    const json_t *d = json_object_get(msg, "d");
    uint64_t seq = (uint64_t)json_integer_value(json_object_get(msg, "q"));
    if (!st)
        return;
    if (!d) {
        st->finished = true;
        if (st->conn && !st->pending)
            mcp__hconn_end(st->conn, false);
        return;
    }
    if (!json_is_string(d))
        return;
    if (st->pending) {
        if (json_array_size(st->pending) < 10000)
            json_array_append_new(st->pending, json_pack("[I,O]", (json_int_t)seq, d));
    } else if (st->conn && seq > st->seq) {
        stream_write_event(st, seq, json_string_value(d), json_string_length(d));
        st->seq = seq;
    }
}

/* With a store: this replica holds the session's GET stream from now on ("sget"); another
 * replica that held one drops it, so every later message for the session comes here (as "smsg",
 * or from each replica's own copy for list changes and resource updates) exactly once. */
static void standalone_announce(hsess *hs, stream *st)
{
    mcp__store_send(hs->t->srv, "sget", json_pack("{s:s,s:i}", "s", hs->id, "n", (int)st->no));
}

/* A GET stream of another replica (dead, or its client gone) resumed here: it goes on as this
 * replica's own stream, with the same number and the event numbers after the stored ones. */
static void standalone_take(hsess *hs, stream *st)
{
    if (hs->standalone && hs->standalone != st) {
        stream *old = hs->standalone;
        stream_unlink(old);
        stream_free(old);
    }
    st->remote = false;
    hs->standalone = st;
    standalone_announce(hs, st);
}

/* Channel: another replica holds this session's GET stream now ("sget"). */
static void on_standalone_note(void *ud, const json_t *msg)
{
    http_tr *t = ud;
    const char *sid = json_string_value(json_object_get(msg, "s"));
    hsess *hs = sid ? sess_find(t, sid) : NULL;
    stream *old = hs ? hs->standalone : NULL;
    if (!old)
        return;
    stream_unlink(old);
    stream_free(old);
}

struct replay_ctx {
    stream *st;
};

static void replay_one(void *ud, uint64_t seq, const char *data, size_t len)
{
    struct replay_ctx *r = ud;
    stream_write_event(r->st, seq, data, len);
}

static void do_get(mcp__hconn *c)
{
    http_tr *t = c->d->owner;
    hsess *hs = session_of(c, NULL);
    const char *last = mcp__hconn_header(c, MHD_HTTP_HEADER_LAST_EVENT_ID);
    stream *st = NULL;
    unsigned no = 0;
    unsigned long long seq = 0;

    if (!hs)
        return;
    if (t->stopping) {
        mcp__hconn_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, MCP__ERROR_SERVER,
                         "Server shutting down");
        return;
    }
    touch(hs);
    if (last && sscanf(last, "%u-%llu", &no, &seq) == 2) {
        for (st = hs->streams; st && st->no != no; st = st->next)
            ;
        if (!st && remote_fetch(t, c, hs, no, seq))
            return; /* another replica's stream: on_stream_events serves it */
    }
    if (!st && hs->standalone && hs->standalone->conn) {
        mcp__hconn_error(c, MHD_HTTP_CONFLICT, MCP__ERROR_SERVER,
                         "Conflict: only one standalone SSE stream is allowed per session");
        return;
    }
    if (hs->attached >= t->max_streams_session) {
        mcp__hconn_error(c, MHD_HTTP_CONFLICT, MCP__ERROR_SERVER,
                         "Conflict: too many SSE streams open on this session");
        return;
    }
    if (t->d.nsse >= t->max_streams) {
        mcp__hconn_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, MCP__ERROR_SERVER,
                         "Service Unavailable: too many SSE streams");
        return;
    }
    if (!mcp__hconn_stream_allowed(c)) {
        reply_busy(c, MHD_HTTP_TOO_MANY_REQUESTS, NULL, 5,
                   "Too Many Requests: this client has too many SSE streams open");
        return;
    }
    if (mcp__hconn_sse(c, NULL, NULL) != 0) {
        mcp__hconn_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, 0, "Internal Server Error");
        return;
    }
    if (st) { /* resume: replay what that stream missed, then go on live */
        struct replay_ctx r;
        if (st->conn) {
            mcp__hconn *old = st->conn;
            old->owner = NULL;
            if (old->method[0] == 'G')
                hs->attached--;
            mcp__hconn_end(old, false);
        }
        st->conn = c;
        c->owner = st;
        hs->attached++;
        r.st = st;
        if (st->remote) {
            remote_flush(st);
            if (st->standalone && !st->finished)
                standalone_take(hs, st);
            return;
        }
        if (t->es)
            t->es->replay(t->es, hs->id, st->no, seq, replay_one, &r);
        if (st->finished && !st->ex)
            mcp__hconn_end(c, false);
        return;
    }
    if (hs->standalone) {
        stream *old = hs->standalone;
        stream_unlink(old);
        stream_free(old);
    }
    st = calloc(1, sizeof *st);
    if (!st) {
        mcp__hconn_end(c, true);
        return;
    }
    st->tag = TAG_STREAM;
    st->standalone = true;
    stream_link(hs, st);
    hs->standalone = st;
    st->conn = c;
    c->owner = st;
    hs->attached++;
    if (t->store) { /* a resumption on another replica takes it over (standalone_take) */
        char key[64];
        snprintf(key, sizeof key, "e:%s:%u", hs->id, st->no);
        mcp_store_push(t->store, key, "get", 3, t->session_timeout_ms, NULL, NULL);
        standalone_announce(hs, st);
    }
    stream_prime(st);
}

static void do_delete(mcp__hconn *c)
{
    http_tr *t = c->d->owner;
    hsess *hs = session_of(c, NULL);
    if (!hs)
        return;
    if (t->store) { /* ended on every replica */
        char key[40];
        snprintf(key, sizeof key, "s:%s", hs->id);
        mcp_store_del(t->store, key, NULL, NULL);
        mcp__store_send(t->srv, "sdel", json_pack("{s:s}", "s", hs->id));
    }
    sess_end(hs);
    mcp__hconn_respond(c, MHD_HTTP_OK, mcp__hconn_response(c, NULL, NULL, 0));
}

static void on_request(mcp__hconn *c)
{
    switch (c->method[0]) {
    case 'P':
        do_post(c);
        break;
    case 'G':
        do_get(c);
        break;
    default:
        do_delete(c);
        break;
    }
}

static void on_closed(mcp__hconn *c)
{
    int *tag = c->owner;
    if (!tag)
        return;
    c->owner = NULL;
    if (*tag == TAG_WAIT) {
        ((hwait *)tag)->c = NULL; /* its store answer frees it */
    } else if (*tag == TAG_EXCH) {
        exch *ex = (exch *)tag;
        ex->conn = NULL;
        if (ex->finished)
            exch_free(ex);
        else if (ex->era2026 && ex->core) {
            /* 2026-07-28: closing the response stream cancels the request */
            mcp__calls_cancel_for(ex->core, ex);
        }
    } else {
        stream *st = (stream *)tag;
        if (st->conn != c)
            return;
        st->conn = NULL;
        if (st->hs && c->method[0] == 'G')
            st->hs->attached--;
        if (st->ex && st->ex->era2026 && st->ex->core) {
            st->closing = true; /* ending its calls may finish the exchange */
            mcp__calls_cancel_for(st->ex->core, st->ex);
            st->closing = false;
        }
        if (!st->hs && st->finished && !st->ex)
            free(st);
        else if (st->remote && !st->pending) { /* read again from the store next time */
            hsess *hs = st->hs;
            stream_unlink(st);
            free(st);
            touch(hs);
        } else if (st->hs)
            touch(st->hs);
    }
    check_stopped(c->d->owner);
}

/* The client sent a FIN while its POST waits for the reply: a half-close is legal, so the reply
 * is kept. As a stream, the daemon's probe write tells a gone client (reset) from one that still
 * reads; with --json-response the POST simply waits (a gone client is seen when the reply is
 * written). */
static void on_half_closed(mcp__hconn *c)
{
    int *tag = c->owner;
    if (tag && *tag == TAG_EXCH)
        (void)exch_to_stream((exch *)tag);
}

static const mcp__httpd_handler handler = {on_headers, on_request, on_closed, on_half_closed};

/* ---- start / stop -------------------------------------------------------------------------------
 */

static void tr_destroy(http_tr *t)
{
    size_t i;
    while (t->exchanges) {
        exch *ex = t->exchanges;
        ex->finished = true;
        if (ex->hs)
            ex->hs->busy--;
        ex->hs = NULL;
        t->exchanges = ex->next;
        if (ex->st) {
            ex->st->ex = NULL;
            if (!ex->st->hs)
                free(ex->st);
            ex->st = NULL;
        }
        if (ex->temp && ex->core) {
            mcp__server_session_end(ex->core);
            mcp__session_unref(ex->core);
        }
        json_decref(ex->reply);
        free(ex);
    }
    while (t->all)
        sess_destroy(t->all);
    while (t->waits) { /* their store answers come later, or at the store's end */
        hwait *w = t->waits;
        t->waits = w->next;
        w->t = NULL;
        w->ex = NULL;
        w->prev = w->next = NULL;
    }
    (void)i;
    mcp__quota_free(t->sq);
    if (t->es)
        t->es->destroy(t->es);
    free(t->path);
    free(t);
}

static void tr_handle_closed(uv_handle_t *h)
{
    http_tr *t = h->data;
    if (--t->handles == 0)
        tr_destroy(t);
}

static void daemon_closed(mcp__httpd *d)
{
    http_tr *t = d->owner;
    if (--t->handles == 0)
        tr_destroy(t);
}

static void tr_close(http_tr *t)
{
    if (t->closing)
        return;
    t->closing = true;
    t->stopping = true;
    if (t->store_srv)
        mcp__store_unlisten(t->store_srv, t);
    t->store_srv = NULL;
    if (t->srv)
        mcp__server_remove_transport(t->srv, &t->base);
    t->handles = 3;
    uv_close((uv_handle_t *)&t->sweep, tr_handle_closed);
    uv_close((uv_handle_t *)&t->grace, tr_handle_closed);
    mcp__httpd_close(&t->d, daemon_closed);
}

static void on_grace(uv_timer_t *timer);

static void check_stopped(http_tr *t)
{
    exch *ex;
    if (!t->stopping || t->closing)
        return;
    for (ex = t->exchanges; ex; ex = ex->next)
        if (!ex->finished)
            return;
    if (t->d.nsse > 0 || t->exchanges)
        return;
    /* Not from inside an MHD callback: close on the next loop turn. */
    t->drained = true;
    uv_timer_start(&t->grace, on_grace, 0, 0);
}

static void on_grace(uv_timer_t *timer)
{
    http_tr *t = timer->data;
    if (!t->drained)
        mcp_server_log(t->srv, MCP_LOG_WARNING, "http: grace period over; closing connections");
    tr_close(t);
}

static void tr_stop(mcp__transport *base)
{
    http_tr *t = (http_tr *)base;
    size_t i;
    if (t->stopping)
        return;
    t->stopping = true;
    mcp__httpd_quiesce(&t->d);
    /* Standalone streams carry nothing more; POST streams end with their replies. */
    for (i = 0; i < NBUCKETS; i++) {
        hsess *hs;
        for (hs = t->buckets[i]; hs; hs = hs->hnext) {
            stream *st;
            for (st = hs->streams; st; st = st->next)
                if (st->conn && !st->ex)
                    mcp__hconn_end(st->conn, false);
        }
    }
    uv_timer_start(&t->grace, on_grace, t->grace_ms, 0);
    check_stopped(t);
}

static void tr_free(mcp__transport *base)
{
    http_tr *t = (http_tr *)base;
    t->srv = NULL; /* already unlinked by mcp_server_free */
    tr_close(t);
}

int mcp_server_listen_http(mcp_server_t *srv, const mcp_http_opts_t *opts)
{
    static const mcp_http_opts_t defaults;
    mcp__httpd_config cfg;
    http_tr *t;
    int rc;

    if (!srv)
        return MCP_EINVAL;
    if (!opts)
        opts = &defaults;
    if (opts->path && opts->path[0] != '/')
        return MCP_EINVAL;
    if ((rc = mcp__server_ensure_loop(srv)) != MCP_OK)
        return rc;
    t = calloc(1, sizeof *t);
    if (!t)
        return MCP_ENOMEM;
    t->srv = srv;
    t->base.kind = MCP__TRANSPORT_HTTP;
    t->base.stop = tr_stop;
    t->base.free = tr_free;
    t->path = strdup(opts->path ? opts->path : "/mcp");
    t->stateless = opts->stateless != 0;
    t->json_only = opts->json_response != 0;
    t->no_get = opts->disable_get != 0;
    t->max_sessions = opts->max_sessions ? opts->max_sessions : 10000;
    t->session_timeout_ms = opts->session_timeout_ms ? opts->session_timeout_ms : 30 * 60 * 1000;
    t->max_streams_session = opts->max_streams_per_session ? opts->max_streams_per_session : 4;
    t->max_streams = opts->max_streams ? opts->max_streams : 20000;
    t->retry_ms = opts->retry_ms ? opts->retry_ms : 3000;
    t->grace_ms = opts->grace_ms ? opts->grace_ms : 5000;
    t->evict_idle_ms = opts->session_evict_idle_ms ? opts->session_evict_idle_ms : 60000;
    t->max_sessions_who =
        opts->max_sessions_per_principal ? opts->max_sessions_per_principal : 1000;
    t->es = mcp__eventstore_memory(opts->event_store_bytes ? opts->event_store_bytes : 8u << 20);
    t->store = srv->store;
    t->sq = mcp__quota_new();
    if (!t->path || !t->es || !t->sq) {
        if (t->es)
            t->es->destroy(t->es);
        mcp__quota_free(t->sq);
        free(t->path);
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
    cfg.max_out = opts->max_stream_buffer ? opts->max_stream_buffer : (size_t)1 << 20;
    cfg.max_streams_who = opts->max_streams_per_principal ? opts->max_streams_per_principal : 256;
    cfg.reuse_port = opts->reuse_port != 0;
    cfg.name = "http";
    cfg.endpoints[0] = t->path;
    if ((rc = mcp__auth_install(&cfg, srv, opts)) != MCP_OK) {
        t->es->destroy(t->es);
        mcp__quota_free(t->sq);
        free(t->path);
        free(t);
        return rc;
    }
    rc = mcp__httpd_start(&t->d, srv, &cfg, &handler, t);
    if (rc != MCP_OK) {
        t->d.on_closed = NULL;
        mcp__httpd_close(&t->d, NULL);
        t->es->destroy(t->es);
        mcp__quota_free(t->sq);
        free(t->path);
        free(t);
        return rc;
    }
    uv_timer_init(srv->loop, &t->sweep);
    t->sweep.data = t;
    {
        unsigned every = t->session_timeout_ms / 4;
        if (every < 50)
            every = 50;
        if (every > 10000)
            every = 10000;
        uv_timer_start(&t->sweep, on_sweep, every, every);
    }
    uv_unref((uv_handle_t *)&t->sweep);
    uv_timer_init(srv->loop, &t->grace);
    t->grace.data = t;
    t->base.port = t->d.port;
    mcp__subscriptions_share(srv);
    mcp__tasks_share(srv);
    if (t->store && !t->stateless) {
        mcp__store_listen(srv, "sess", on_sess_note, t);
        mcp__store_listen(srv, "sdel", on_sess_del, t);
        mcp__store_listen(srv, "ev", on_event_note, t);
        mcp__store_listen(srv, "sresp", on_answer_note, t);
        mcp__store_listen(srv, "smsg", on_session_message, t);
        mcp__store_listen(srv, "evend", on_event_note, t);
        mcp__store_listen(srv, "sget", on_standalone_note, t);
        t->store_srv = srv;
    }
    mcp__server_add_transport(srv, &t->base);
    mcp_server_log(srv, MCP_LOG_INFO, "serving MCP over Streamable HTTP at %s://%s%s%s:%u%s",
                   opts->tls_cert_file ? "https" : "http",
                   opts->host && strchr(opts->host, ':') ? "[" : "",
                   opts->host ? opts->host : "127.0.0.1",
                   opts->host && strchr(opts->host, ':') ? "]" : "", t->d.port, t->path);
    return MCP_OK;
}
