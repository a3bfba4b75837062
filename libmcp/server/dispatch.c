/*
 * Dispatch: every inbound message of every transport comes through here. Parse, classify, and
 * for a request build its context (from the 2025-era session, or from the 2026-07-28 request's
 * own _meta), check it against the method table (era, capability, initialization, duplicate
 * ids, in-flight and depth limits), and run the method handler as a call. Notifications are
 * acted on or ignored, responses go to the question they answer, and 2025-03-26 batches are
 * dispatched element by element with their replies sent together.
 */
#include "server/server.h"

/* ---- method table ---------------------------------------------------------------------- */

#define M_ANYTIME   (1u << 0) /* allowed before initialize */
#define M_SESSION   (1u << 1) /* 2025 era only: not part of 2026-07-28 */
#define M_TOOLS     (1u << 2) /* needs the tools capability */
#define M_RES       (1u << 3) /* needs the resources capability */
#define M_PROMPTS   (1u << 4) /* needs the prompts capability */
#define M_COMPLETE  (1u << 5) /* needs the completions capability */
#define M_STATELESS (1u << 6) /* 2026-07-28 only */
#define M_MRTR      (1u << 7) /* may answer input_required and be retried with inputResponses */
#define M_LASTING   (1u << 8) /* needs a lasting session: not on 2025-era --stateless HTTP */

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
    {"logging/setLevel", mcp__logging_set_level, M_SESSION | M_LASTING},
    {"completion/complete", mcp__completion_complete, M_COMPLETE},
    {"resources/subscribe", mcp__resources_subscribe, M_RES | M_SESSION | M_LASTING},
    {"resources/unsubscribe", mcp__resources_unsubscribe, M_RES | M_SESSION | M_LASTING},
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

/* ---- methods the author adds (mcp_server_add_method) ------------------------------------- */

struct mcp__method {
    method m; /* m.name is the owned copy */
    mcp_method_fn fn;
    void *userdata;
    void (*free_userdata)(void *);
    struct mcp__method *next;
};

static struct mcp__method *find_custom(const mcp_server_t *srv, const char *name)
{
    struct mcp__method *cm;
    for (cm = srv->methods; cm; cm = cm->next)
        if (strcmp(cm->m.name, name) == 0)
            return cm;
    return NULL;
}

static int run_custom(mcp_call_t *call)
{
    struct mcp__method *cm = find_custom(call->srv, call->method);
    if (!cm)
        return MCP_ENOTFOUND;
    return cm->fn(call, call->params, cm->userdata);
}

int mcp_server_add_method(mcp_server_t *srv, const char *name, mcp_method_fn fn, void *userdata,
                          void (*free_userdata)(void *))
{
    struct mcp__method *cm;
    size_t n = name ? strlen(name) : 0;

    if (!srv || !fn || n == 0 || n > 128 || strncmp(name, "notifications/", 14) == 0)
        return MCP_EINVAL;
    if (find_method(name) || find_custom(srv, name))
        return MCP_EEXIST;
    if (!(cm = calloc(1, sizeof *cm)) || !(cm->m.name = strdup(name))) {
        free(cm);
        return MCP_ENOMEM;
    }
    cm->m.fn = run_custom;
    cm->fn = fn;
    cm->userdata = userdata;
    cm->free_userdata = free_userdata;
    cm->next = srv->methods;
    srv->methods = cm;
    return MCP_OK;
}

void mcp__methods_free(mcp_server_t *srv)
{
    struct mcp__method *cm, *next;
    for (cm = srv->methods; cm; cm = next) {
        next = cm->next;
        if (cm->free_userdata)
            cm->free_userdata(cm->userdata);
        free((char *)cm->m.name);
        free(cm);
    }
    srv->methods = NULL;
}

/* ---- replies outside of calls (dispatch errors) ------------------------------------------ */

/* Send a reply built by dispatch itself (steals `msg`). */
static void reply(mcp__session *s, mcp__batch *b, json_t *msg, mcp__reply_class cls)
{
    if (!msg)
        return;
    if (b)
        mcp__batch_reply(b, msg);
    else
        mcp__session_reply(s, msg, NULL, cls);
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
    reply(s, b, mcp__jsonrpc_error(id, code, text, data), mcp__reply_class_of(code));
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
    const json_t *meta = m->meta;
    struct mcp__method *cm = me ? NULL : find_custom(srv, m->method);
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
            char text[512];
            snprintf(text, sizeof text, "%s", why);
            reply(s, b, mcp__jsonrpc_error(m->id, code, text, data),
                  code == MCP_JSONRPC_INVALID_PARAMS ? MCP__REPLY_BAD_META
                                                     : mcp__reply_class_of(code));
            return;
        }
    }
    if (cm)
        me = &cm->m; /* an author's method: both eras, after initialization */
    if (!me || (ctx.stateless && (me->flags & M_SESSION)) ||
        (!ctx.stateless && (me->flags & M_STATELESS)) || !offered(srv, me ? me->flags : 0)) {
        mcp__ctx_clear(&ctx);
        reply_error(s, b, m->id, MCP_JSONRPC_METHOD_NOT_FOUND, NULL, "Method not found: %s",
                    m->method);
        return;
    }
    if (!ctx.stateless && (me->flags & M_LASTING) && s->ephemeral) {
        reply_error(s, b, m->id, MCP_JSONRPC_METHOD_NOT_FOUND, NULL,
                    "Method not found: %s (this server runs without sessions, so nothing "
                    "lasts between requests; it is not offered in initialize)",
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
        reply_error(s, b, m->id, MCP__ERROR_SERVER, NULL,
                    "Server busy: %zu requests already in flight", s->ncalls);
        return;
    }
    /* the reader counted the message's depth: params nest one level less, so the walk is
     * needed only when that could exceed the limit (or when the depth is not known) */
    if (m->params && (m->depth == 0 || m->depth - 1 > srv->max_depth) &&
        mcp__jsonrpc_too_deep(m->params, srv->max_depth)) {
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
    if (b)
        mcp__call_join_batch(call, b);
    if (mcp__middleware_request(call) != MCP_OK) {
        mcp__call_finish(call); /* a middleware answered */
        return;
    }
    if (call->ctx.stateless && (me->flags & M_MRTR) && mcp__mrtr_begin(call) != 0) {
        mcp__call_finish(call); /* a bad requestState: the error is set */
        return;
    }
    mcp__call_run(call, me->fn);
}

static void handle_notification(mcp__session *s, const mcp__msg *m)
{
    if (!mcp__middleware_notification(s, m))
        return; /* a middleware dropped it */
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

static void handle_message(mcp__session *s, const mcp__msg *m, mcp__batch *b)
{
    switch (m->kind) {
    case MCP__MSG_REQUEST:
        handle_request(s, m, b);
        break;
    case MCP__MSG_NOTIFICATION:
        handle_notification(s, m);
        break;
    case MCP__MSG_RESPONSE:
        if (!mcp__tasks_response(s, m)) /* tasks.c: a question of one of its tasks */
            mcp__client_response(s, m); /* an answer to one of our questions */
        break;
    case MCP__MSG_INVALID:
        reply_error(s, b, m->id, m->error_code, NULL, "%s", m->error_text);
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
    if (!(b = mcp__batch_new(s))) {
        reply_error(s, NULL, NULL, MCP_JSONRPC_INTERNAL_ERROR, NULL,
                    "Internal error: out of memory");
        return;
    }
    json_array_foreach(arr, i, elem)
    {
        const json_t *name = json_object_get(elem, "method");
        mcp__msg m;
        if (json_is_string(name) && strcmp(json_string_value(name), "initialize") == 0) {
            json_t *id = json_object_get(elem, "id");
            reply_error(s, b, mcp__jsonrpc_valid_id(id) ? id : NULL, MCP_JSONRPC_INVALID_REQUEST,
                        NULL, "Invalid Request: initialize must not be part of a batch");
            continue;
        }
        mcp__jsonrpc_classify(elem, &m);
        handle_message(s, &m, b);
    }
    mcp__batch_add(b, NULL, NULL);
}

void mcp__server_receive_inbound(mcp__session *s, const mcp__inbound *in)
{
    mcp__session_ref(s); /* a handler may close the transport while we run */
    if (!in->json)
        reply(s, NULL, json_incref(in->error), MCP__REPLY_MALFORMED);
    else if (in->batch)
        handle_batch(s, in->json);
    else
        handle_message(s, &in->msg, NULL);
    mcp__session_unref(s);
}

void mcp__server_receive(mcp__session *s, const char *buf, size_t len)
{
    mcp__inbound in;
    mcp__inbound_read(&in, buf, len);
    mcp__server_receive_inbound(s, &in);
    mcp__inbound_clear(&in);
}
