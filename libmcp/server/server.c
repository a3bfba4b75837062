/*
 * The server object and dispatch: the method table, era detection, batches, and the loop side
 * (cross-thread completions and stop requests, marshalled with one uv_async_t).
 *
 * Every inbound buffer goes through mcp__server_receive(): parse, classify, and for a request
 * build its context (from the 2025-era session, or from the 2026-07-28 request's own _meta),
 * check it against the method table, and run the method handler as a call.
 */
#include "internal.h"

#include <pthread.h>

/* ---- method table ---------------------------------------------------------------------- */

#define M_ANYTIME (1u << 0) /* allowed before initialize */
#define M_SESSION (1u << 1) /* 2025 era only: not part of 2026-07-28 */
#define M_TOOLS   (1u << 2) /* needs the tools capability */
#define M_RES     (1u << 3) /* needs the resources capability */
#define M_PROMPTS (1u << 4) /* needs the prompts capability */
#define M_COMPLETE (1u << 5) /* needs the completions capability */
#define M_STATELESS (1u << 6) /* 2026-07-28 only */
#define M_MRTR (1u << 7)   /* may answer input_required and be retried with inputResponses */

typedef struct method {
    const char *name;
    int (*fn)(mcp_call_t *call);
    unsigned flags;
} method;

static const method methods[] = {
    {"tools/call", mcp__tools_call, M_TOOLS | M_MRTR},
    {"tools/list", mcp__tools_list, M_TOOLS},
    {"resources/read", mcp__resources_read, M_RES | M_MRTR},
    {"resources/list", mcp__resources_list, M_RES},
    {"resources/templates/list", mcp__resources_templates_list, M_RES},
    {"prompts/get", mcp__prompts_get, M_PROMPTS | M_MRTR},
    {"prompts/list", mcp__prompts_list, M_PROMPTS},
    {"initialize", mcp__initialize, M_ANYTIME | M_SESSION},
    {"ping", mcp__ping, M_ANYTIME | M_SESSION},
    {"server/discover", mcp__discover, M_ANYTIME},
    {"logging/setLevel", mcp__logging_set_level, M_SESSION},
    {"completion/complete", mcp__completion_complete, M_COMPLETE},
    {"resources/subscribe", mcp__resources_subscribe, M_RES | M_SESSION},
    {"resources/unsubscribe", mcp__resources_unsubscribe, M_RES | M_SESSION},
    {"subscriptions/listen", mcp__subscriptions_listen, M_STATELESS},
    /* tasks.c: each checks the era, the extension and whether tasks are offered */
    {"tasks/get", mcp__tasks_get, 0},
    {"tasks/result", mcp__tasks_result, 0},
    {"tasks/list", mcp__tasks_list, 0},
    {"tasks/cancel", mcp__tasks_cancel, 0},
    {"tasks/update", mcp__tasks_update, 0},
};

static const method *find_method(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(methods[i].name, name) == 0)
            return &methods[i];
    return NULL;
}

/* ---- server object --------------------------------------------------------------------- */

struct mcp__loopside {
    uv_async_t async;
    pthread_mutex_t lock;
    mcp__post *head, *tail;  /* queued by other threads */
    mcp_server_t *srv;       /* NULL once the server is gone */
    int stop;                /* set by mcp_server_stop() (atomic) */
};

mcp_server_t *mcp_server_new(const char *name, const char *version)
{
    mcp_server_t *srv;
    if (!name || !version || !*name)
        return NULL;
    srv = calloc(1, sizeof *srv);
    if (!srv)
        return NULL;
    srv->name = strdup(name);
    srv->version = strdup(version);
    if (!srv->name || !srv->version) {
        free(srv->name);
        free(srv->version);
        free(srv);
        return NULL;
    }
    srv->page_size = 100;
    srv->max_message = 4u << 20;
    srv->max_depth = 64;
    srv->max_batch = 100;
    srv->max_inflight = 1024;
    srv->request_timeout_ms = 60000;
    srv->log_level = MCP_LOG_WARNING;
    mcp__registry_init(&srv->reg);
    return srv;
}

static int set_string(mcp_server_t *srv, char **field, const char *value)
{
    char *copy = NULL;
    if (!srv)
        return MCP_EINVAL;
    if (value && !(copy = strdup(value)))
        return MCP_ENOMEM;
    free(*field);
    *field = copy;
    json_decref(srv->info);
    srv->info = NULL;
    return MCP_OK;
}

int mcp_server_set_title(mcp_server_t *srv, const char *title)
{
    return set_string(srv, srv ? &srv->title : NULL, title);
}

int mcp_server_set_description(mcp_server_t *srv, const char *description)
{
    return set_string(srv, srv ? &srv->description : NULL, description);
}

int mcp_server_set_website_url(mcp_server_t *srv, const char *url)
{
    return set_string(srv, srv ? &srv->website_url : NULL, url);
}

int mcp_server_set_instructions(mcp_server_t *srv, const char *instructions)
{
    return set_string(srv, srv ? &srv->instructions : NULL, instructions);
}

int mcp_server_set_icons(mcp_server_t *srv, const char *icons_json)
{
    int rc;
    json_t *icons;
    if (!srv)
        return MCP_EINVAL;
    icons = mcp__json_text(icons_json, "icons", JSON_ARRAY, NULL, &rc);
    if (rc != MCP_OK)
        return rc;
    json_decref(srv->icons);
    srv->icons = icons;
    json_decref(srv->info);
    srv->info = NULL;
    return MCP_OK;
}

int mcp_server_set_limit(mcp_server_t *srv, mcp_limit which, size_t value)
{
    if (!srv || value == 0)
        return MCP_EINVAL;
    switch (which) {
    case MCP_LIMIT_PAGE_SIZE:
        srv->page_size = value;
        return MCP_OK;
    case MCP_LIMIT_MESSAGE_BYTES:
        srv->max_message = value;
        return MCP_OK;
    case MCP_LIMIT_JSON_DEPTH:
        srv->max_depth = value;
        return MCP_OK;
    case MCP_LIMIT_BATCH_ITEMS:
        srv->max_batch = value;
        return MCP_OK;
    case MCP_LIMIT_INFLIGHT:
        srv->max_inflight = value;
        return MCP_OK;
    case MCP_LIMIT_REQUEST_TIMEOUT_MS:
        srv->request_timeout_ms = value;
        return MCP_OK;
    }
    return MCP_EINVAL;
}

json_t *mcp__server_info(mcp_server_t *srv)
{
    if (!srv->info) {
        json_t *i = json_pack("{s:s, s:s}", "name", srv->name, "version", srv->version);
        if (!i)
            return NULL;
        if (srv->title)
            json_object_set_new(i, "title", json_string(srv->title));
        if (srv->description)
            json_object_set_new(i, "description", json_string(srv->description));
        if (srv->website_url)
            json_object_set_new(i, "websiteUrl", json_string(srv->website_url));
        if (srv->icons)
            json_object_set(i, "icons", srv->icons);
        srv->info = i;
    }
    return json_incref(srv->info);
}

json_t *mcp__server_capabilities(mcp_server_t *srv, const mcp__ctx *ctx)
{
    json_t *caps = json_object();
    (void)ctx;
    if (!caps)
        return NULL;
    if (srv->offers[MCP__TOOL])
        json_object_set_new(caps, "tools", json_pack("{s:b}", "listChanged", 1));
    if (srv->offers[MCP__RESOURCE] || srv->offers[MCP__TEMPLATE])
        json_object_set_new(caps, "resources",
                            json_pack("{s:b, s:b}", "subscribe", 1, "listChanged", 1));
    if (srv->offers[MCP__PROMPT])
        json_object_set_new(caps, "prompts", json_pack("{s:b}", "listChanged", 1));
    json_object_set_new(caps, "logging", json_object());
    if (srv->offers[MCP__PROMPT] || srv->offers[MCP__TEMPLATE])
        json_object_set_new(caps, "completions", json_object());
    mcp__tasks_capabilities(srv, ctx, caps); /* tasks.c */
    return caps;
}

/* ---- replies outside of calls (dispatch errors), and batches ---------------------------- */

struct mcp__batch {
    mcp__session *sess;
    json_t *replies;
    size_t outstanding; /* calls still running, plus one while the batch is being dispatched */
};

/* The replies go out together, related to the call that completed the batch (NULL while the
 * batch is still being received). */
static void batch_flush(mcp__batch *b, mcp_call_t *last)
{
    if (json_array_size(b->replies) > 0)
        mcp__session_send(b->sess, b->replies, last);
    json_decref(b->replies);
    mcp__session_unref(b->sess);
    free(b);
}

void mcp__batch_add(mcp__batch *b, json_t *reply, mcp_call_t *call)
{
    if (reply)
        json_array_append(b->replies, reply);
    if (--b->outstanding == 0)
        batch_flush(b, call);
}

/* Send a reply built by dispatch itself (steals `reply`). */
static void reply(mcp__session *s, mcp__batch *b, json_t *msg)
{
    if (!msg)
        return;
    if (b)
        json_array_append(b->replies, msg);
    else
        mcp__session_send(s, msg, NULL);
    json_decref(msg);
}

static void reply_error(mcp__session *s, mcp__batch *b, const json_t *id, int code, json_t *data,
                        const char *fmt, ...) MCP_PRINTF(6, 7);

static void reply_error(mcp__session *s, mcp__batch *b, const json_t *id, int code, json_t *data,
                        const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    reply(s, b, mcp__jsonrpc_error(id, code, text, data));
}

/* ---- dispatch --------------------------------------------------------------------------- */

static bool offered(mcp_server_t *srv, unsigned flags)
{
    if (flags & M_TOOLS)
        return srv->offers[MCP__TOOL];
    if (flags & M_RES)
        return srv->offers[MCP__RESOURCE] || srv->offers[MCP__TEMPLATE];
    if (flags & M_PROMPTS)
        return srv->offers[MCP__PROMPT];
    if (flags & M_COMPLETE)
        return srv->offers[MCP__PROMPT] || srv->offers[MCP__TEMPLATE];
    return true;
}

static mcp_call_t *find_call(mcp__session *s, const json_t *id)
{
    mcp_call_t *c;
    for (c = s->calls; c; c = c->next)
        if (json_equal(c->id, (json_t *)id) && json_typeof(c->id) == json_typeof(id))
            return c;
    return NULL;
}

static void handle_request(mcp__session *s, const mcp__msg *m, mcp__batch *b)
{
    mcp_server_t *srv = s->srv;
    const method *me = find_method(m->method);
    const json_t *meta = json_object_get(m->params, "_meta");
    mcp__ctx ctx = {0};
    mcp_call_t *call;

    if (m->params && !json_is_object(m->params)) {
        reply_error(s, b, m->id, MCP_JSONRPC_INVALID_PARAMS, NULL,
                    "Invalid params: \"params\" must be an object");
        return;
    }
    if (json_is_object(meta) && json_object_get(meta, "io.modelcontextprotocol/protocolVersion")) {
        const char *why = NULL;
        json_t *data = NULL;
        int code = mcp__ctx_from_meta(&ctx, meta, &why, &data);
        if (code) {
            reply_error(s, b, m->id, code, data, "%s", why);
            return;
        }
    }
    if (!me || (ctx.stateless && (me->flags & M_SESSION)) ||
        (!ctx.stateless && (me->flags & M_STATELESS)) || !offered(srv, me ? me->flags : 0)) {
        mcp__ctx_clear(&ctx);
        reply_error(s, b, m->id, MCP_JSONRPC_METHOD_NOT_FOUND, NULL, "Method not found: %s",
                    m->method);
        return;
    }
    if (!ctx.stateless && !(me->flags & M_ANYTIME) && s->state == MCP__SESS_NEW) {
        reply_error(s, b, m->id, MCP_JSONRPC_INVALID_REQUEST, NULL,
                    "Invalid Request: server not initialized (send \"initialize\" first, or "
                    "carry the protocol version in _meta)");
        return;
    }
    if (find_call(s, m->id)) {
        mcp__ctx_clear(&ctx);
        reply_error(s, b, m->id, MCP_JSONRPC_INVALID_REQUEST, NULL,
                    "Invalid Request: a request with this id is already in flight");
        return;
    }
    if (s->ncalls >= srv->max_inflight) {
        mcp__ctx_clear(&ctx);
        reply_error(s, b, m->id, -32000, NULL, "Server busy: %zu requests already in flight",
                    s->ncalls);
        return;
    }
    if (m->params && mcp__jsonrpc_too_deep(m->params, srv->max_depth)) {
        mcp__ctx_clear(&ctx);
        reply_error(s, b, m->id, MCP_JSONRPC_INVALID_PARAMS, NULL,
                    "Invalid params: nested deeper than %zu levels", srv->max_depth);
        return;
    }
    call = mcp__call_new(s, m);
    if (!call) {
        mcp__ctx_clear(&ctx);
        reply_error(s, b, m->id, MCP_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: out of memory");
        return;
    }
    call->method = me->name; /* static: outlives the message */
    if (ctx.stateless)
        call->ctx = ctx; /* moved */
    else
        mcp__ctx_copy(&call->ctx, &s->ctx);
    if (b) {
        call->batch = b;
        b->outstanding++;
    }
    if (call->ctx.stateless && (me->flags & M_MRTR) && mcp__mrtr_begin(call) != 0) {
        mcp__call_finish(call); /* a bad requestState: the error is set */
        return;
    }
    mcp__call_run(call, me->fn);
}

static void handle_notification(mcp__session *s, const mcp__msg *m)
{
    if (strcmp(m->method, "notifications/initialized") == 0) {
        mcp__initialized(s, m);
    } else if (strcmp(m->method, "notifications/cancelled") == 0) {
        const json_t *rid = json_object_get(m->params, "requestId");
        mcp_call_t *call = mcp__jsonrpc_valid_id(rid) ? find_call(s, rid) : NULL;
        /* initialize cannot be cancelled; unknown or finished ids are ignored */
        if (call && strcmp(call->method, "initialize") != 0)
            mcp__call_cancel(call);
    }
    /* Every other notification is accepted and ignored; notifications are never answered. */
}

static void handle_message(mcp__session *s, const json_t *msg, mcp__batch *b)
{
    mcp__msg m;
    mcp__jsonrpc_classify(msg, &m);
    switch (m.kind) {
    case MCP__MSG_REQUEST:
        handle_request(s, &m, b);
        break;
    case MCP__MSG_NOTIFICATION:
        handle_notification(s, &m);
        break;
    case MCP__MSG_RESPONSE:
        if (!mcp__tasks_response(s, &m)) /* tasks.c: a question of one of its tasks */
            mcp__client_response(s, &m); /* an answer to one of our questions */
        break;
    case MCP__MSG_INVALID:
        reply_error(s, b, m.id, m.error_code, NULL, "%s", m.error_text);
        break;
    }
}

static void handle_batch(mcp__session *s, json_t *arr)
{
    mcp_server_t *srv = s->srv;
    mcp__batch *b;
    size_t i;
    json_t *elem;

    if (json_array_size(arr) == 0) {
        reply_error(s, NULL, NULL, MCP_JSONRPC_INVALID_REQUEST, NULL,
                    "Invalid Request: empty batch");
        return;
    }
    if (s->state == MCP__SESS_NEW || !s->ctx.version ||
        strcmp(s->ctx.version, MCP_PROTOCOL_2025_03_26) != 0) {
        reply_error(s, NULL, NULL, MCP_JSONRPC_INVALID_REQUEST, NULL,
                    "Invalid Request: JSON-RPC batches are only accepted on a session that "
                    "negotiated protocol revision 2025-03-26");
        return;
    }
    if (json_array_size(arr) > srv->max_batch) {
        reply_error(s, NULL, NULL, MCP_JSONRPC_INVALID_REQUEST, NULL,
                    "Invalid Request: batch of %zu messages exceeds the limit of %zu",
                    json_array_size(arr), srv->max_batch);
        return;
    }
    b = calloc(1, sizeof *b);
    if (!b || !(b->replies = json_array())) {
        free(b);
        reply_error(s, NULL, NULL, MCP_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: out of memory");
        return;
    }
    b->sess = s;
    mcp__session_ref(s);
    b->outstanding = 1;
    json_array_foreach(arr, i, elem) {
        const json_t *name = json_object_get(elem, "method");
        if (json_is_string(name) && strcmp(json_string_value(name), "initialize") == 0) {
            json_t *id = json_object_get(elem, "id");
            reply_error(s, b, mcp__jsonrpc_valid_id(id) ? id : NULL, MCP_JSONRPC_INVALID_REQUEST,
                        NULL, "Invalid Request: initialize must not be part of a batch");
            continue;
        }
        handle_message(s, elem, b);
    }
    mcp__batch_add(b, NULL, NULL);
}

void mcp__server_receive_msg(mcp__session *s, json_t *msg)
{
    mcp__session_ref(s); /* a handler may close the transport while we run */
    if (json_is_array(msg))
        handle_batch(s, msg);
    else
        handle_message(s, msg, NULL);
    mcp__session_unref(s);
}

void mcp__server_receive(mcp__session *s, const char *buf, size_t len)
{
    json_t *err = NULL;
    json_t *msg = mcp__jsonrpc_parse(buf, len, &err);
    if (!msg) {
        reply(s, NULL, err);
        return;
    }
    mcp__server_receive_msg(s, msg);
    json_decref(msg);
}

/* ---- the loop side ---------------------------------------------------------------------- */

static void loopside_closed(uv_handle_t *h)
{
    struct mcp__loopside *ls = h->data;
    pthread_mutex_destroy(&ls->lock);
    free(ls);
}

void mcp__loop_drain(mcp_server_t *srv)
{
    struct mcp__loopside *ls = srv->ls;
    mcp__post *p, *next;
    if (!ls)
        return;
    pthread_mutex_lock(&ls->lock);
    p = ls->head;
    ls->head = ls->tail = NULL;
    pthread_mutex_unlock(&ls->lock);
    for (; p; p = next) {
        mcp_call_t *call = p->call;
        next = p->next;
        p->next = NULL;
        if (p->run) {
            p->run(p); /* e.g. a question to the client asked from the thread pool */
        } else if (p->msg) {
            if (call->state != MCP__CALL_DONE)
                mcp__session_send(call->sess, p->msg, call);
            json_decref(p->msg);
            free(p);
        } else {
            mcp_call_complete(call);
        }
    }
}

static void loopside_wake(uv_async_t *a)
{
    struct mcp__loopside *ls = a->data;
    mcp_server_t *srv = ls->srv;
    if (!srv)
        return;
    mcp__loop_drain(srv);
    if (__atomic_load_n(&ls->stop, __ATOMIC_ACQUIRE) && !srv->stopping) {
        mcp__transport *t, *next_t;
        srv->stopping = 1;
        mcp__listeners_end(srv, NULL); /* long-lived listen requests end gracefully */
        mcp__tasks_stop(srv);          /* tasks.c: running tasks are cancelled */
        for (t = srv->transports; t; t = next_t) {
            next_t = t->next;
            t->stop(t);
        }
    }
}

void mcp__server_add_transport(mcp_server_t *srv, mcp__transport *t)
{
    t->next = srv->transports;
    srv->transports = t;
}

void mcp__server_remove_transport(mcp_server_t *srv, mcp__transport *t)
{
    mcp__transport **pp;
    for (pp = &srv->transports; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            t->next = NULL;
            return;
        }
}

int mcp__loop_post(mcp_server_t *srv, mcp__post *p)
{
    struct mcp__loopside *ls = srv->ls;
    if (!ls)
        return MCP_ESTATE;
    pthread_mutex_lock(&ls->lock);
    p->next = NULL;
    if (ls->tail)
        ls->tail->next = p;
    else
        ls->head = p;
    ls->tail = p;
    pthread_mutex_unlock(&ls->lock);
    uv_async_send(&ls->async);
    return MCP_OK;
}

bool mcp__on_loop(const mcp_server_t *srv)
{
    uv_thread_t self = uv_thread_self();
    return srv->loop && uv_thread_equal(&self, &srv->loop_thread);
}

static int loopside_start(mcp_server_t *srv)
{
    struct mcp__loopside *ls;
    if (srv->ls)
        return MCP_OK;
    ls = calloc(1, sizeof *ls);
    if (!ls)
        return MCP_ENOMEM;
    if (pthread_mutex_init(&ls->lock, NULL) != 0) {
        free(ls);
        return MCP_ENOMEM;
    }
    if (uv_async_init(srv->loop, &ls->async, loopside_wake) != 0) {
        pthread_mutex_destroy(&ls->lock);
        free(ls);
        return MCP_EIO;
    }
    ls->async.data = ls;
    ls->srv = srv;
    /* The async handle never keeps a loop alive by itself: transports and pool work do. */
    uv_unref((uv_handle_t *)&ls->async);
    srv->ls = ls;
    return MCP_OK;
}

int mcp_server_attach(mcp_server_t *srv, uv_loop_t *loop)
{
    if (!srv || !loop || srv->loop)
        return MCP_EINVAL;
    srv->loop = loop;
    srv->loop_thread = uv_thread_self(); /* the caller runs the loop */
    return loopside_start(srv);
}

uv_loop_t *mcp_server_loop(mcp_server_t *srv)
{
    return srv ? srv->loop : NULL;
}

int mcp__server_ensure_loop(mcp_server_t *srv)
{
    if (srv->loop)
        return MCP_OK;
    srv->own_loop = malloc(sizeof *srv->own_loop);
    if (!srv->own_loop)
        return MCP_ENOMEM;
    if (uv_loop_init(srv->own_loop) != 0) {
        free(srv->own_loop);
        srv->own_loop = NULL;
        return MCP_EIO;
    }
    srv->loop = srv->own_loop;
    srv->loop_thread = uv_thread_self();
    return loopside_start(srv);
}

void mcp_server_stop(mcp_server_t *srv)
{
    if (!srv)
        return;
    if (srv->ls) {
        __atomic_store_n(&srv->ls->stop, 1, __ATOMIC_RELEASE);
        uv_async_send(&srv->ls->async);
    }
}

int mcp_server_run_stdio(mcp_server_t *srv)
{
    int rc;
    if (!srv)
        return MCP_EINVAL;
    if ((rc = mcp__server_ensure_loop(srv)) != MCP_OK)
        return rc;
    if ((rc = mcp_server_listen_stdio(srv)) != MCP_OK)
        return rc;
    uv_run(srv->loop, UV_RUN_DEFAULT);
    return MCP_OK;
}

void mcp_server_free(mcp_server_t *srv)
{
    mcp__session *s;
    if (!srv)
        return;
    while (srv->transports) {
        mcp__transport *t = srv->transports;
        srv->transports = t->next;
        t->next = NULL;
        t->free(t);
    }
    mcp__tasks_free(srv); /* tasks.c */
    if (srv->ls) {
        srv->ls->srv = NULL;
        uv_close((uv_handle_t *)&srv->ls->async, loopside_closed);
        srv->ls = NULL;
    }
    if (srv->own_loop) {
        uv_run(srv->own_loop, UV_RUN_DEFAULT); /* run close callbacks and leftover work */
        uv_loop_close(srv->own_loop);
        free(srv->own_loop);
    }
    for (s = srv->sessions; s; s = s->next)
        s->srv = NULL;
    mcp__registry_free(&srv->reg);
    mcp__nonces_free(srv);
    json_decref(srv->icons);
    json_decref(srv->info);
    free(srv->name);
    free(srv->version);
    free(srv->title);
    free(srv->description);
    free(srv->website_url);
    free(srv->instructions);
    free(srv);
}
