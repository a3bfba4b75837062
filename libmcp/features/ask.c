/*
 * Asking the client (server->client requests): the era-neutral entry point, and the 2025-era
 * machinery behind it.
 *
 * 2025 era: the request goes to the client with a server-chosen integer id, related to the call
 * that asked (so Streamable HTTP puts it on that request's stream); the client's response is
 * routed back by id to the callback. Each request has a timeout, after which the client is sent
 * notifications/cancelled and the callback gets MCP_ETIMEDOUT. When the asking call ends first
 * (cancelled, or completed without waiting), its open requests are cancelled the same way.
 * 2026-07-28: see mrtr.c.
 *
 * Everything here runs on the loop thread; a blocking tool asking from the thread pool is
 * marshalled to the loop through the server's queue.
 */
#include "features/features.h"

struct mcp__outreq {
    mcp__post post; /* first: queued from another thread */
    json_int_t id;
    const char *method;
    json_t *params; /* owned until sent */
    mcp_call_t *call;
    mcp__session *sess;
    mcp_client_reply_fn cb;
    void *ud;
    uv_timer_t timer;
    bool done;
    mcp__outreq *prev, *next;
};

static void outreq_closed(uv_handle_t *h)
{
    free(h->data);
}

/* Unlink, stop the timer and free (after the timer handle closes). */
static void outreq_release(mcp__outreq *o)
{
    mcp__session *s = o->sess;
    if (o->prev)
        o->prev->next = o->next;
    else if (s->outreqs == o)
        s->outreqs = o->next;
    if (o->next)
        o->next->prev = o->prev;
    __atomic_sub_fetch(&o->call->outreqs, 1, __ATOMIC_RELAXED);
    json_decref(o->params);
    o->params = NULL;
    uv_timer_stop(&o->timer);
    uv_close((uv_handle_t *)&o->timer, outreq_closed);
    mcp__session_unref(s);
}

/* Finish a request with `status` and tell the callback, exactly once. */
static void outreq_finish(mcp__outreq *o, int status, const json_t *result, bool tell_client)
{
    mcp_call_t *call = o->call;
    mcp_client_reply_fn cb = o->cb;
    void *ud = o->ud;
    if (o->done)
        return;
    o->done = true;
    if (tell_client && !o->sess->closed) {
        json_t *n = mcp__jsonrpc_notification(
            "notifications/cancelled",
            json_pack("{s:I, s:s}", "requestId", o->id, "reason",
                      status == MCP_ETIMEDOUT ? "timed out" : "request no longer needed"));
        if (n)
            mcp__session_send(o->sess, n, call);
        json_decref(n);
    }
    outreq_release(o);
    cb(call, status, result, ud);
}

static void on_timeout(uv_timer_t *t)
{
    outreq_finish(t->data, MCP_ETIMEDOUT, NULL, true);
}

/* On the loop: register and send. */
static void outreq_start(mcp__post *p)
{
    mcp__outreq *o = (mcp__outreq *)p;
    mcp_call_t *call = o->call;
    mcp__session *s = call->sess;
    mcp_server_t *srv = call->srv;
    json_t *id, *msg;

    o->sess = s;
    mcp__session_ref(s);
    o->id = ++srv->next_out_id;
    o->next = s->outreqs;
    if (s->outreqs)
        s->outreqs->prev = o;
    s->outreqs = o;
    uv_timer_init(srv->loop, &o->timer);
    o->timer.data = o;
    if (call->state == MCP__CALL_DONE || mcp_call_is_cancelled(call) || s->closed) {
        outreq_finish(o, s->closed ? MCP_EIO : MCP_ECANCELLED, NULL, false);
        return;
    }
    id = json_integer(o->id);
    msg = mcp__jsonrpc_request(id, o->method, o->params);
    o->params = NULL;
    json_decref(id);
    if (!msg) {
        outreq_finish(o, MCP_ENOMEM, NULL, false);
        return;
    }
    uv_timer_start(&o->timer, on_timeout, srv->request_timeout_ms, 0);
    mcp__session_send(s, msg, call);
    json_decref(msg);
}

static void drop_call_questions(mcp_call_t *call);

static const mcp__call_questions ask_hooks = {NULL, NULL, drop_call_questions};

int mcp__ask_client(mcp_call_t *call, const char *method, json_t *params, mcp_client_reply_fn cb,
                    void *ud)
{
    mcp__outreq *o;
    if (!cb) {
        json_decref(params);
        return MCP_EINVAL;
    }
    if (call->ctx.stateless)
        return mcp__mrtr_ask(call, method, params, cb, ud);
    if (call->sess->ephemeral || call->sess->closed || !call->srv->loop) {
        json_decref(params);
        return MCP_ESTATE; /* nowhere to send it, or no way for the answer to come back */
    }
    o = calloc(1, sizeof *o);
    if (!o) {
        json_decref(params);
        return MCP_ENOMEM;
    }
    o->method = method;
    o->params = params;
    o->call = call;
    o->cb = cb;
    o->ud = ud;
    if (call->questions && call->questions != &ask_hooks)
        call->questions->end(call); /* a 2026 call turned task: its MRTR answers are spent */
    /* counted now (maybe on a pool thread): the call cannot finish before it is registered */
    __atomic_store_n(&call->questions, &ask_hooks, __ATOMIC_RELEASE);
    __atomic_add_fetch(&call->outreqs, 1, __ATOMIC_RELAXED);
    o->post.run = outreq_start;
    o->post.call = call;
    if (call->state == MCP__CALL_POOL) {
        /* asked by a blocking handler: sent once it returns, so that the answer can never race
         * with the handler still running on its pool thread */
        o->post.next = call->deferred;
        call->deferred = &o->post;
        return MCP_OK;
    }
    if (mcp__on_loop(call->srv)) {
        outreq_start(&o->post);
        return MCP_OK;
    }
    return mcp__loop_post(call->srv, &o->post);
}

bool mcp__session_awaits(const mcp__session *s, const json_t *id)
{
    const mcp__outreq *o;
    if (!json_is_integer(id))
        return false;
    if (s->ping_id && s->ping_id == json_integer_value(id))
        return true; /* the keep-alive's (keepalive.c): with a store, answered through any replica
                      */
    for (o = s->outreqs; o; o = o->next)
        if (o->id == json_integer_value(id))
            return true;
    return false;
}

void mcp__client_response(mcp__session *s, const mcp__msg *m)
{
    mcp__outreq *o;
    if (!json_is_integer(m->id) || mcp__keepalive_answer(s, m))
        return; /* not one of ours, or a keep-alive ping's answer */
    for (o = s->outreqs; o; o = o->next)
        if (o->id == json_integer_value(m->id))
            break;
    if (!o)
        return; /* unknown, late or duplicate: ignored */
    if (m->error)
        outreq_finish(o, MCP_ECLIENT, m->error, false);
    else
        outreq_finish(o, MCP_OK, m->result, false);
}

/* The call ends (its hook, installed by the first question): open questions are cancelled. */
static void drop_call_questions(mcp_call_t *call)
{
    mcp__session *s = call->sess;
    mcp__outreq *o, *next;
    if (__atomic_load_n(&call->outreqs, __ATOMIC_RELAXED) == 0)
        return;
    for (o = s->outreqs; o; o = next) {
        next = o->next;
        if (o->call == call)
            outreq_finish(o, MCP_ECANCELLED, NULL, true);
    }
}

void mcp__session_drop_questions(mcp__session *s)
{
    while (s->outreqs)
        outreq_finish(s->outreqs, MCP_EIO, NULL, false);
}

/* ---- the public askers --------------------------------------------------------------------- */

/* A 2025-era request served on its own (--stateless HTTP): no server->client request can reach
 * the client, whatever it declared; say so rather than blame its capabilities. */
static bool unreachable(mcp_call_t *call)
{
    if (call->ctx.stateless || !call->sess->ephemeral)
        return false;
    mcp__mrtr_forget_key(call);
    return true;
}

static const json_t *cap(const mcp_call_t *call, const char *name)
{
    const json_t *c = json_object_get(call->ctx.client_caps, name);
    return json_is_object(c) ? c : NULL;
}

int mcp_call_sample_new(mcp_call_t *call, json_t *params, mcp_client_reply_fn cb, void *userdata)
{
    const json_t *sampling;
    if (!call || !json_is_object(params)) {
        json_decref(params);
        return MCP_EINVAL;
    }
    if (unreachable(call)) {
        json_decref(params);
        return MCP_ENOTSUP;
    }
    sampling = cap(call, "sampling");
    if (!sampling || ((json_object_get(params, "tools") || json_object_get(params, "toolChoice")) &&
                      !json_is_object(json_object_get(sampling, "tools")))) {
        json_decref(params);
        mcp__mrtr_forget_key(call); /* a key named for this question does not carry over */
        return MCP_ESTATE;
    }
    return mcp__ask_client(call, "sampling/createMessage", params, cb, userdata);
}

/* ---- URL-mode elicitation: ids, completion, -32042 ------------------------------------------ */

#define MAX_ELICITATIONS 1000 /* ids remembered per session (the oldest is forgotten first) */

/* Remember that `id` went to the session's client, for mcp_server_elicitation_complete(). */
static void note_elicitation(mcp__session *s, const char *id)
{
    if (!s->elicitations && !(s->elicitations = json_object()))
        return;
    if (json_object_size(s->elicitations) >= MAX_ELICITATIONS)
        json_object_del(s->elicitations, json_object_iter_key(json_object_iter(s->elicitations)));
    json_object_set_new(s->elicitations, id, json_true());
}

int mcp_server_elicitation_complete(mcp_server_t *srv, const char *elicitation_id)
{
    mcp__session *s;
    int rc = MCP_ENOTFOUND;

    if (!srv || !elicitation_id)
        return MCP_EINVAL;
    for (s = srv->sessions; s; s = s->next) {
        json_t *msg;
        if (!json_object_get(s->elicitations, elicitation_id))
            continue;
        json_object_del(s->elicitations, elicitation_id);
        if (s->closed)
            continue;
        msg = mcp__jsonrpc_notification("notifications/elicitation/complete",
                                        json_pack("{s:s}", "elicitationId", elicitation_id));
        if (!msg)
            return MCP_ENOMEM;
        mcp__session_send(s, msg, NULL);
        json_decref(msg);
        rc = MCP_OK;
    }
    return rc;
}

int mcp_call_fail_url_elicitation(mcp_call_t *call, const char *elicitation_id, const char *url,
                                  const char *message)
{
    const json_t *el;
    json_t *data;

    if (!call || !elicitation_id || !url || !message)
        return MCP_EINVAL;
    el = cap(call, "elicitation");
    if (call->ctx.stateless || !mcp__version_ge(call->ctx.version, MCP_PROTOCOL_2025_11_25) ||
        !el || !json_is_object(json_object_get(el, "url")))
        return MCP_ESTATE;
    data = json_pack("{s:[{s:s, s:s, s:s, s:s}]}", "elicitations", "mode", "url", "elicitationId",
                     elicitation_id, "url", url, "message", message);
    if (!data)
        return MCP_ENOMEM;
    if (!call->sess->ephemeral)
        note_elicitation(call->sess, elicitation_id);
    return mcp_call_fail_new(call, MCP_ERROR_URL_ELICITATION_REQUIRED, data,
                             "URL elicitation required: %s", message);
}

int mcp_call_elicit_new(mcp_call_t *call, json_t *params, mcp_client_reply_fn cb, void *userdata)
{
    const json_t *elicitation, *mode;
    bool url;
    if (!call || !json_is_object(params)) {
        json_decref(params);
        return MCP_EINVAL;
    }
    if (unreachable(call)) {
        json_decref(params);
        return MCP_ENOTSUP;
    }
    elicitation = cap(call, "elicitation");
    mode = json_object_get(params, "mode");
    url = json_is_string(mode) && strcmp(json_string_value(mode), "url") == 0;
    /* `elicitation: {}` means form mode only; URL mode needs `elicitation.url`. */
    if (!elicitation || (url && !json_is_object(json_object_get(elicitation, "url"))) ||
        (!url && json_object_size(elicitation) > 0 &&
         !json_is_object(json_object_get(elicitation, "form")))) {
        json_decref(params);
        mcp__mrtr_forget_key(call);
        return MCP_ESTATE;
    }
    if (url && call->ctx.stateless) {
        json_object_del(params, "elicitationId"); /* 2026-07-28 removed it (and the completion) */
    } else if (url) {
        const json_t *id = json_object_get(params, "elicitationId");
        int rc;
        if (!json_is_string(id)) {
            json_decref(params);
            mcp__mrtr_forget_key(call);
            return MCP_EINVAL; /* 2025-11-25 requires one */
        }
        id = json_incref((json_t *)id);
        rc = mcp__ask_client(call, "elicitation/create", params, cb, userdata);
        if (rc == MCP_OK)
            note_elicitation(call->sess, json_string_value(id));
        json_decref((json_t *)id);
        return rc;
    }
    return mcp__ask_client(call, "elicitation/create", params, cb, userdata);
}

int mcp_call_list_roots(mcp_call_t *call, mcp_client_reply_fn cb, void *userdata)
{
    if (!call)
        return MCP_EINVAL;
    if (unreachable(call))
        return MCP_ENOTSUP;
    if (!cap(call, "roots")) {
        mcp__mrtr_forget_key(call);
        return MCP_ESTATE;
    }
    return mcp__ask_client(call, "roots/list", json_object(), cb, userdata);
}
