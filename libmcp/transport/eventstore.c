/*
 * The in-memory event store behind SSE resumability (Last-Event-ID).
 *
 * Events are kept per (session id, stream number) in arrival order and, across all streams, in
 * one FIFO: when the bytes held exceed the bound the oldest events go first, and their stream
 * remembers the highest sequence number it lost so a replay can tell a gap from "nothing new".
 * It implements the mcp__eventstore interface (httpd.h). This replica's own resumptions are
 * served from here; with a shared store (include/mcp_store.h) http.c also pushes each event
 * there, so that another replica can resume the stream.
 */
#include "transport/httpd.h"

#define NBUCKETS 4096

typedef struct ev ev;
typedef struct rec rec;

struct ev {
    ev *gprev, *gnext; /* the store's FIFO */
    ev *snext;         /* the stream's list (oldest first) */
    rec *owner;
    uint64_t seq;
    size_t len;
    char data[];
};

struct rec {
    char session[40];
    unsigned stream;
    ev *head, *tail;
    uint64_t lost; /* highest seq evicted (0: none) */
    rec *next;     /* bucket chain */
};

typedef struct memstore {
    mcp__eventstore base;
    size_t max_bytes, bytes;
    ev *ghead, *gtail;
    rec *buckets[NBUCKETS];
} memstore;

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h % NBUCKETS;
}

static rec *find(memstore *m, const char *session, unsigned stream, bool create)
{
    unsigned b = hash(session);
    rec *r;
    for (r = m->buckets[b]; r; r = r->next)
        if (r->stream == stream && strcmp(r->session, session) == 0)
            return r;
    if (!create || strlen(session) >= sizeof r->session || !(r = calloc(1, sizeof *r)))
        return NULL;
    strcpy(r->session, session);
    r->stream = stream;
    r->next = m->buckets[b];
    m->buckets[b] = r;
    return r;
}

static void gunlink(memstore *m, ev *e)
{
    if (e->gprev)
        e->gprev->gnext = e->gnext;
    else
        m->ghead = e->gnext;
    if (e->gnext)
        e->gnext->gprev = e->gprev;
    else
        m->gtail = e->gprev;
    m->bytes -= e->len + sizeof *e;
}

static void evict_oldest(memstore *m)
{
    ev *e = m->ghead;
    rec *r = e->owner;
    gunlink(m, e);
    /* FIFO order holds within a stream too, so this is its head. */
    r->head = e->snext;
    if (!r->head)
        r->tail = NULL;
    r->lost = e->seq;
    free(e);
}

static int ms_append(mcp__eventstore *es, const char *session, unsigned stream, uint64_t seq,
                     const char *data, size_t len)
{
    memstore *m = (memstore *)es;
    rec *r;
    ev *e;
    if (len + sizeof *e > m->max_bytes)
        return -1;
    r = find(m, session, stream, true);
    if (!r || !(e = malloc(sizeof *e + len)))
        return -1;
    e->owner = r;
    e->seq = seq;
    e->len = len;
    memcpy(e->data, data, len);
    e->snext = NULL;
    if (r->tail)
        r->tail->snext = e;
    else
        r->head = e;
    r->tail = e;
    e->gnext = NULL;
    e->gprev = m->gtail;
    if (m->gtail)
        m->gtail->gnext = e;
    else
        m->ghead = e;
    m->gtail = e;
    m->bytes += len + sizeof *e;
    while (m->bytes > m->max_bytes && m->ghead)
        evict_oldest(m);
    return 0;
}

static long ms_replay(mcp__eventstore *es, const char *session, unsigned stream, uint64_t after,
                      mcp__es_replay_fn fn, void *ud)
{
    memstore *m = (memstore *)es;
    rec *r = find(m, session, stream, false);
    ev *e;
    long n = 0;
    if (!r)
        return 0;
    for (e = r->head; e; e = e->snext)
        if (e->seq > after) {
            fn(ud, e->seq, e->data, e->len);
            n++;
        }
    return r->lost > after ? -1 : n;
}

static void drop_rec(memstore *m, rec *r)
{
    ev *e, *next;
    for (e = r->head; e; e = next) {
        next = e->snext;
        gunlink(m, e);
        free(e);
    }
    free(r);
}

static void ms_forget(mcp__eventstore *es, const char *session, unsigned stream)
{
    memstore *m = (memstore *)es;
    rec **pp = &m->buckets[hash(session)], *r;
    while ((r = *pp) != NULL) {
        if ((stream == 0 || r->stream == stream) && strcmp(r->session, session) == 0) {
            *pp = r->next;
            drop_rec(m, r);
        } else {
            pp = &r->next;
        }
    }
}

static void ms_destroy(mcp__eventstore *es)
{
    memstore *m = (memstore *)es;
    size_t i;
    for (i = 0; i < NBUCKETS; i++) {
        rec *r, *next;
        for (r = m->buckets[i]; r; r = next) {
            next = r->next;
            drop_rec(m, r);
        }
    }
    free(m);
}

mcp__eventstore *mcp__eventstore_memory(size_t max_bytes)
{
    memstore *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->base.append = ms_append;
    m->base.replay = ms_replay;
    m->base.forget = ms_forget;
    m->base.destroy = ms_destroy;
    m->max_bytes = max_bytes;
    return &m->base;
}
