/*
 * The state store (include/mcp_store.h): the public wrapper over a store's operations, the
 * memory store, and the server's side of it — mcp_server_set_store(), the replica id, and the
 * channel: messages from other replicas are handed to the handlers the higher layers install
 * (mcp__store_listen), so core never calls up.
 */
#include "core/core.h"

#include "mcp_store.h"

struct mcp_store {
    const mcp_store_ops_t *ops;
    void *impl;
    mcp_server_t *srv;
    bool started;
};

mcp_store_t *mcp_store_new(const mcp_store_ops_t *ops, void *impl)
{
    mcp_store_t *st;
    if (!ops || !ops->get || !ops->put || !ops->del || !ops->push || !ops->list || !ops->publish ||
        !ops->subscribe || !ops->up || !ops->destroy)
        return NULL;
    st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->ops = ops;
    st->impl = impl;
    return st;
}

void mcp_store_free(mcp_store_t *st)
{
    if (!st)
        return;
    st->ops->destroy(st->impl);
    free(st);
}

int mcp_store_get(mcp_store_t *st, const char *key, mcp_store_cb cb, void *ud)
{
    return st && key ? st->ops->get(st->impl, key, cb, ud) : -1;
}

int mcp_store_put(mcp_store_t *st, const char *key, const char *value, size_t len, uint64_t ttl_ms,
                  int only_new, mcp_store_cb cb, void *ud)
{
    return st && key && (value || !len)
               ? st->ops->put(st->impl, key, value ? value : "", len, ttl_ms, only_new, cb, ud)
               : -1;
}

int mcp_store_del(mcp_store_t *st, const char *key, mcp_store_cb cb, void *ud)
{
    return st && key ? st->ops->del(st->impl, key, cb, ud) : -1;
}

int mcp_store_push(mcp_store_t *st, const char *key, const char *value, size_t len, uint64_t ttl_ms,
                   mcp_store_cb cb, void *ud)
{
    return st && key && (value || !len)
               ? st->ops->push(st->impl, key, value ? value : "", len, ttl_ms, cb, ud)
               : -1;
}

int mcp_store_list(mcp_store_t *st, const char *key, mcp_store_cb cb, void *ud)
{
    return st && key && cb ? st->ops->list(st->impl, key, cb, ud) : -1;
}

int mcp_store_publish(mcp_store_t *st, const char *msg, size_t len)
{
    return st && msg ? st->ops->publish(st->impl, msg, len) : -1;
}

int mcp_store_up(mcp_store_t *st)
{
    return st ? st->ops->up(st->impl) : 0;
}

/* ---- the memory store --------------------------------------------------------------------- */

/* Records are JSON strings and lists JSON arrays of strings, in one object by key; `exp` holds
 * each key's expiry (ms of uv_hrtime). A one-process store: clarity over speed. */
typedef struct memstore {
    json_t *data, *exp;
    mcp_store_msg_cb fn;
    void *fn_ud;
} memstore;

static uint64_t now_ms(void)
{
    return uv_hrtime() / 1000000u;
}

static json_t *mem_find(memstore *m, const char *key)
{
    json_t *e = json_object_get(m->exp, key);
    if (e && (uint64_t)json_integer_value(e) <= now_ms()) {
        json_object_del(m->data, key);
        json_object_del(m->exp, key);
        return NULL;
    }
    return json_object_get(m->data, key);
}

static void mem_expire(memstore *m, const char *key, uint64_t ttl_ms)
{
    if (ttl_ms)
        json_object_set_new(m->exp, key, json_integer((json_int_t)(now_ms() + ttl_ms)));
    else
        json_object_del(m->exp, key);
}

static void answer(mcp_store_cb cb, void *ud, mcp_store_status status, const json_t *v)
{
    if (cb)
        cb(ud, status, v ? json_string_value(v) : NULL, v ? json_string_length(v) : 0);
}

static int mem_get(void *impl, const char *key, mcp_store_cb cb, void *ud)
{
    json_t *v = mem_find(impl, key);
    answer(cb, ud, MCP_STORE_OK, json_is_string(v) ? v : NULL);
    return 0;
}

static int mem_put(void *impl, const char *key, const char *value, size_t len, uint64_t ttl_ms,
                   int only_new, mcp_store_cb cb, void *ud)
{
    memstore *m = impl;
    json_t *v;
    if (only_new && mem_find(m, key)) {
        answer(cb, ud, MCP_STORE_EXISTS, NULL);
        return 0;
    }
    if (!(v = json_stringn_nocheck(value, len)) || json_object_set_new(m->data, key, v) != 0)
        return -1;
    mem_expire(m, key, ttl_ms);
    answer(cb, ud, MCP_STORE_OK, NULL);
    return 0;
}

static int mem_del(void *impl, const char *key, mcp_store_cb cb, void *ud)
{
    memstore *m = impl;
    json_object_del(m->data, key);
    json_object_del(m->exp, key);
    answer(cb, ud, MCP_STORE_OK, NULL);
    return 0;
}

static int mem_push(void *impl, const char *key, const char *value, size_t len, uint64_t ttl_ms,
                    mcp_store_cb cb, void *ud)
{
    memstore *m = impl;
    json_t *l = mem_find(m, key);
    if (l && !json_is_array(l))
        return -1;
    if (!l) {
        if (!(l = json_array()) || json_object_set_new(m->data, key, l) != 0)
            return -1;
    }
    if (json_array_append_new(l, json_stringn_nocheck(value, len)) != 0)
        return -1;
    mem_expire(m, key, ttl_ms);
    answer(cb, ud, MCP_STORE_OK, NULL);
    return 0;
}

static int mem_list(void *impl, const char *key, mcp_store_cb cb, void *ud)
{
    json_t *l = mem_find(impl, key), *v;
    size_t i;
    if (l && !json_is_array(l))
        return -1;
    json_incref(l); /* the callback may change the store */
    json_array_foreach(l, i, v) answer(cb, ud, MCP_STORE_OK, v);
    json_decref(l);
    answer(cb, ud, MCP_STORE_OK, NULL);
    return 0;
}

static int mem_publish(void *impl, const char *msg, size_t len)
{
    memstore *m = impl;
    if (m->fn)
        m->fn(m->fn_ud, msg, len);
    return 0;
}

static int mem_subscribe(void *impl, mcp_store_msg_cb fn, void *ud)
{
    memstore *m = impl;
    m->fn = fn;
    m->fn_ud = ud;
    return 0;
}

static int mem_up(void *impl)
{
    (void)impl;
    return 1;
}

static void mem_destroy(void *impl)
{
    memstore *m = impl;
    json_decref(m->data);
    json_decref(m->exp);
    free(m);
}

static const mcp_store_ops_t mem_ops = {NULL,     mem_get,     mem_put,       mem_del, mem_push,
                                        mem_list, mem_publish, mem_subscribe, mem_up,  mem_destroy};

mcp_store_t *mcp_store_memory(void)
{
    memstore *m = calloc(1, sizeof *m);
    mcp_store_t *st;
    if (!m)
        return NULL;
    m->data = json_object();
    m->exp = json_object();
    if (!m->data || !m->exp || !(st = mcp_store_new(&mem_ops, m))) {
        mem_destroy(m);
        return NULL;
    }
    return st;
}

/* ---- the server's side ---------------------------------------------------------------------- */

/* A message on the channel: {"o": origin, "k": kind, ...}. Messages a replica sent itself are
 * dropped here; the others go to the handler installed for their kind. */
static void on_bus(void *ud, const char *text, size_t len)
{
    mcp_server_t *srv = ud;
    json_t *msg = json_loadb(text, len, 0, NULL);
    const char *o = json_string_value(json_object_get(msg, "o"));
    const char *k = json_string_value(json_object_get(msg, "k"));
    size_t i;
    if (o && k && strcmp(o, srv->replica) != 0)
        for (i = 0; i < MCP__STORE_HANDLERS; i++)
            if (srv->store_h[i].kind && strcmp(srv->store_h[i].kind, k) == 0)
                srv->store_h[i].fn(srv->store_h[i].ud, msg);
    json_decref(msg);
}

int mcp_server_set_store(mcp_server_t *srv, mcp_store_t *store)
{
    int rc;
    if (!srv || !store) {
        mcp_store_free(store);
        return MCP_EINVAL;
    }
    if (srv->store || srv->transports) {
        mcp_store_free(store);
        return MCP_ESTATE;
    }
    if ((rc = mcp__server_ensure_loop(srv)) != MCP_OK) {
        mcp_store_free(store);
        return rc;
    }
    if (mcp__random_id(srv->replica) != 0 ||
        (store->ops->start && store->ops->start(store->impl, srv->loop) != 0) ||
        store->ops->subscribe(store->impl, on_bus, srv) != 0) {
        mcp_store_free(store);
        return MCP_EIO;
    }
    store->srv = srv;
    store->started = true;
    srv->store = store;
    return MCP_OK;
}

mcp_store_t *mcp_server_store(const mcp_server_t *srv)
{
    return srv ? srv->store : NULL;
}

int mcp__store_listen(mcp_server_t *srv, const char *kind, void (*fn)(void *ud, const json_t *msg),
                      void *ud)
{
    size_t i;
    for (i = 0; i < MCP__STORE_HANDLERS; i++)
        if (!srv->store_h[i].kind || strcmp(srv->store_h[i].kind, kind) == 0) {
            srv->store_h[i].kind = kind;
            srv->store_h[i].fn = fn;
            srv->store_h[i].ud = ud;
            return MCP_OK;
        }
    return MCP_ELIMIT;
}

void mcp__store_unlisten(mcp_server_t *srv, void *ud)
{
    size_t i;
    for (i = 0; i < MCP__STORE_HANDLERS; i++)
        if (srv->store_h[i].kind && srv->store_h[i].ud == ud)
            srv->store_h[i].kind = NULL;
}

int mcp__store_send(mcp_server_t *srv, const char *kind, json_t *msg)
{
    char *text;
    int rc;
    if (!srv->store || !msg) {
        json_decref(msg);
        return -1;
    }
    json_object_set_new(msg, "o", json_string(srv->replica));
    json_object_set_new(msg, "k", json_string(kind));
    text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        return -1;
    rc = srv->store->ops->publish(srv->store->impl, text, strlen(text));
    free(text);
    return rc;
}

mcp_server_t *mcp__store_server(const mcp_store_t *st)
{
    return st->srv;
}

void mcp__store_free(mcp_server_t *srv)
{
    mcp_store_free(srv->store);
    srv->store = NULL;
}
