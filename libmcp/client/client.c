/*
 * The client object: ids, the table of requests in flight, completion exactly once, timeouts,
 * and the routing of everything the server sends.
 *
 * Every request the client sends is a mcp_client_request_t linked on the client until it
 * completes. It completes exactly once, through complete(): with the server's answer, a JSON-RPC
 * error, a timeout, a cancellation, a transport failure or the end of the connection. After that
 * the request is unlinked at once (a late answer finds nothing and is dropped) and freed when its
 * timer handle has closed.
 *
 * What arrives is parsed with the library's reader and classified; nothing from the server is
 * trusted: malformed JSON, invalid messages, answers to unknown ids and results of the wrong type
 * are reported (mcp_client_last_error()) and dropped, or fail only the request they answer.
 */
#include "client/client.h"

#include <stdarg.h>

#define DEFAULT_TIMEOUT_MS  60000u
#define AUTH_WAIT_MS        MCP__CLIENT_AUTH_WAIT_MS
#define DEFAULT_MAX_MESSAGE (64u << 20)

/* ---- errors --------------------------------------------------------------------------------- */

void mcp__client_set_error(mcp_client_t *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->last_error, sizeof c->last_error, fmt, ap);
    va_end(ap);
}

const char *mcp_client_last_error(const mcp_client_t *c)
{
    return c ? c->last_error : "";
}

uv_loop_t *mcp__client_uvloop(mcp_client_t *c)
{
    return c->loop;
}

size_t mcp__client_max_message(const mcp_client_t *c)
{
    return c->max_message;
}

void mcp__client_set_exit_status(mcp_client_t *c, int status)
{
    c->exit_status = status;
}

int mcp_client_exit_status(const mcp_client_t *c)
{
    return c ? c->exit_status : -1;
}

/* ---- the object ------------------------------------------------------------------------------ */

mcp_client_t *mcp_client_new(uv_loop_t *loop, const char *name, const char *version)
{
    mcp_client_t *c;
    if (!name || !version || !*name)
        return NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->name = strdup(name);
    c->version = strdup(version);
    if (!c->name || !c->version)
        goto fail;
    if (!loop) {
        c->own_loop = malloc(sizeof *c->own_loop);
        if (!c->own_loop || uv_loop_init(c->own_loop) != 0) {
            free(c->own_loop);
            c->own_loop = NULL;
            goto fail;
        }
        loop = c->own_loop;
    }
    c->loop = loop;
    c->timeout_ms = DEFAULT_TIMEOUT_MS;
    c->max_message = DEFAULT_MAX_MESSAGE;
    c->next_id = 1;
    c->exit_status = -1;
    c->log_level = -1;
    return c;
fail:
    free(c->name);
    free(c->version);
    free(c);
    return NULL;
}

uv_loop_t *mcp_client_loop(mcp_client_t *c)
{
    return c ? c->loop : NULL;
}

void mcp_client_set_timeout(mcp_client_t *c, unsigned timeout_ms)
{
    if (c)
        c->timeout_ms = timeout_ms;
}

void mcp_client_set_max_message(mcp_client_t *c, size_t bytes)
{
    if (c && bytes > 0)
        c->max_message = bytes;
}

void mcp_client_on_closed(mcp_client_t *c, mcp_client_closed_fn cb, void *userdata)
{
    if (c) {
        c->on_closed = cb;
        c->on_closed_ud = userdata;
    }
}

void mcp_client_on_notification(mcp_client_t *c, mcp_client_notification_fn cb, void *userdata)
{
    if (c) {
        c->on_notification = cb;
        c->on_notification_ud = userdata;
    }
}

void mcp_client_on_log(mcp_client_t *c, mcp_client_log_fn cb, void *userdata)
{
    if (c) {
        c->on_log = cb;
        c->on_log_ud = userdata;
    }
}

int mcp_client_is_connected(const mcp_client_t *c)
{
    return c && c->transport && !c->closed;
}

int mcp__client_attach(mcp_client_t *c, mcp__ctransport *t)
{
    if (c->transport || c->freeing)
        return MCP_ESTATE;
    t->client = c;
    c->transport = t;
    c->closed = false;
    c->last_error[0] = '\0';
    return MCP_OK;
}

static void close_done_requests(mcp_client_t *c, int status, const char *why);

void mcp_client_free(mcp_client_t *c)
{
    mcp__ctransport *t;
    if (!c)
        return;
    c->freeing = true;
    close_done_requests(c, MCP_ECANCELLED, "the client was freed");
    mcp__client_asks_free(c);
    t = c->transport;
    if (t) {
        t->ops->close(t); /* also after the connection failed: a live child is ended */
        c->transport = NULL;
        t->client = NULL;
        t->ops->destroy(t);
    }
    if (c->login_detach) /* before a loop of our own closes: their handles are on it */
        c->login_detach(c);
    if (c->oauth) /* after the transport: it no longer waits for it */
        c->oauth_free(c->oauth);
    c->oauth = NULL;
    json_decref(c->server_caps);
    json_decref(c->server_info);
    json_decref(c->init_result);
    json_decref(c->roots);
    free(c->instructions);
    free(c->pinned);
    free(c->name);
    free(c->version);
    if (c->own_loop) {
        if (c->adopted && c->adopted_alive && c->adopted->loop == c->own_loop) {
            /* The in-memory server we attached to our loop outlives us: it takes the loop over
             * and closes it in mcp_server_free() (its own loop from now on). */
            c->adopted->own_loop = c->own_loop;
            uv_run(c->own_loop, UV_RUN_NOWAIT);
        } else {
            uv_run(c->own_loop, UV_RUN_DEFAULT); /* close callbacks, the child's exit */
            uv_loop_close(c->own_loop);
            free(c->own_loop);
        }
    }
    free(c);
}

mcp__oauth *mcp__client_oauth(mcp_client_t *c)
{
    return c->oauth;
}

void mcp__client_set_oauth_state(mcp_client_t *c, mcp__oauth *o, void (*free_fn)(mcp__oauth *))
{
    c->oauth = o;
    c->oauth_free = free_fn;
}

/* ---- requests ------------------------------------------------------------------------------- */

static void req_timer_closed(uv_handle_t *h)
{
    mcp_client_request_t *r = h->data;
    free(r);
}

/* Release a request that has completed (unlinked already). */
static void req_release(mcp_client_request_t *r)
{
    if (r->holds > 0) {
        r->release_pending = true;
        return;
    }
    json_decref(r->params);
    json_decref(r->answers);
    json_decref(r->extra_meta);
    free(r->state);
    free(r->method);
    free(r->name);
    if (r->timer_inited) {
        uv_timer_stop(&r->timer);
        uv_close((uv_handle_t *)&r->timer, req_timer_closed);
    } else {
        free(r);
    }
}

void mcp__client_req_unhold(mcp_client_request_t *r)
{
    if (--r->holds == 0 && r->release_pending)
        req_release(r);
}

static void req_unlink(mcp_client_t *c, mcp_client_request_t *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else if (c->reqs == r)
        c->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
    c->nreqs--;
}

mcp_client_request_t *mcp__client_find(mcp_client_t *c, json_int_t id)
{
    mcp_client_request_t *r;
    for (r = c->reqs; r; r = r->next)
        if (r->id == id)
            return r;
    return NULL;
}

void mcp__client_complete(mcp_client_t *c, mcp_client_request_t *r, int status,
                          const json_t *result, const json_t *error, const char *message)
{
    mcp_client_outcome_t o;
    char text[96];
    if (r->done)
        return;
    r->done = true;
    req_unlink(c, r);
    if (r->timer_inited)
        uv_timer_stop(&r->timer);
    mcp__client_asks_orphan(c, r);
    if (c->notif_req == r)
        c->notif_req = NULL;
    if (c->transport && c->transport->ops->request_done && !c->closed)
        c->transport->ops->request_done(c->transport, r->id);
    memset(&o, 0, sizeof o);
    o.status = status;
    o.result = status == MCP_OK ? result : NULL;
    o.error = status == MCP_EREMOTE ? error : NULL;
    if (o.error) {
        const json_t *m = json_object_get(error, "message");
        o.code = (int)json_integer_value(json_object_get(error, "code"));
        o.message = json_is_string(m) ? json_string_value(m) : "(no message)";
    } else if (message) {
        o.message = message;
    } else if (status == MCP_OK) {
        o.message = "ok";
    } else {
        snprintf(text, sizeof text, "%s", mcp_strerror(status));
        o.message = text;
    }
    if (r->internal)
        r->internal(c, r, &o);
    else if (r->cb)
        r->cb(c, &o, r->ud);
    req_release(r);
}

static void close_done_requests(mcp_client_t *c, int status, const char *why)
{
    /* Complete the oldest first; a callback may add new requests, which fail at once because the
     * connection is closed (or the client is being freed). Bounded: each pass removes one. */
    while (c->reqs)
        mcp__client_complete(c, c->reqs, status, NULL, NULL, why);
}

static void on_req_timeout(uv_timer_t *t)
{
    mcp_client_request_t *r = t->data;
    mcp_client_t *c = r->client;
    char why[160];
    snprintf(why, sizeof why, "no answer to %s within %u ms", r->method, r->timeout_ms);
    mcp__client_send_cancelled(c, r, "timeout");
    mcp__client_complete(c, r, MCP_ETIMEDOUT, NULL, NULL, why);
}

static void on_auth_wait_timeout(uv_timer_t *t)
{
    mcp_client_request_t *r = t->data;
    mcp_client_t *c = r->client;
    char why[160];
    snprintf(why, sizeof why, "%s: no authorization within %u s", r->method, AUTH_WAIT_MS / 1000u);
    mcp__client_send_cancelled(c, r, "timeout");
    mcp__client_complete(c, r, MCP_ETIMEDOUT, NULL, NULL, why);
}

void mcp__client_auth_wait(mcp_client_t *c, json_int_t id, bool waiting)
{
    mcp_client_request_t *r = id ? mcp__client_find(c, id) : NULL;
    if (!r || r->done || !r->timer_inited)
        return;
    if (waiting) /* a person may be at the browser: the authorization's bound, not the request's */
        uv_timer_start(&r->timer, on_auth_wait_timeout,
                       r->timeout_ms > AUTH_WAIT_MS ? r->timeout_ms : AUTH_WAIT_MS, 0);
    else /* sent again: its own time limit, afresh */
        uv_timer_start(&r->timer, on_req_timeout, r->timeout_ms, 0);
}

json_t *mcp__client_meta_envelope(mcp_client_t *c)
{
    json_t *meta = json_object();
    if (!meta)
        return NULL;
    json_object_set_new(meta, "io.modelcontextprotocol/protocolVersion",
                        json_string(c->protocol ? c->protocol : MCP_PROTOCOL_2026_07_28));
    json_object_set_new(meta, "io.modelcontextprotocol/clientCapabilities",
                        mcp__client_capabilities(c));
    json_object_set_new(meta, "io.modelcontextprotocol/clientInfo", mcp__client_info(c));
    if (c->log_level >= 0)
        json_object_set_new(meta, "io.modelcontextprotocol/logLevel",
                            json_string(mcp_log_level_name((mcp_log_level)c->log_level)));
    return meta;
}

/* Send `r` (a new id each time: first send and every 2026 retry). */
int mcp__client_send_request(mcp_client_t *c, mcp_client_request_t *r)
{
    json_t *params, *meta, *msg, *idv;
    mcp__csend info;
    int rc;

    r->id = c->next_id++;
    params = r->params ? json_deep_copy(r->params) : json_object();
    if (!params)
        return MCP_ENOMEM;
    if (r->progress || r->era == MCP__CERA_2026 || r->extra_meta) {
        meta = json_object_get(params, "_meta");
        if (!json_is_object(meta)) {
            meta = json_object();
            json_object_set_new(params, "_meta", meta);
        }
        if (r->era == MCP__CERA_2026) {
            json_t *env = mcp__client_meta_envelope(c);
            json_object_update(meta, env);
            json_decref(env);
            if (r->task)
                json_object_set_new(
                    json_object_get(meta, "io.modelcontextprotocol/clientCapabilities"),
                    "extensions", json_pack("{s{}}", "io.modelcontextprotocol/tasks"));
        }
        if (r->extra_meta)
            json_object_update(meta, r->extra_meta);
        if (r->progress)
            json_object_set_new(meta, "progressToken", json_integer(r->token));
    }
    if (r->answers) {
        json_object_set(params, "inputResponses", r->answers);
        if (r->state)
            json_object_set_new(params, "requestState", json_string(r->state));
    }
    idv = json_integer(r->id);
    msg = mcp__jsonrpc_request(idv, r->method, params);
    json_decref(idv);
    if (!msg)
        return MCP_ENOMEM;
    memset(&info, 0, sizeof info);
    info.method = r->method;
    info.name = r->name;
    info.id = r->id;
    info.protocol = r->era == MCP__CERA_2026 ? MCP_PROTOCOL_2026_07_28 : c->protocol;
    info.era = r->era;
    info.expects_reply = true;
    info.long_lived = r->long_lived;
    info.initialize_request = strcmp(r->method, "initialize") == 0;
    rc = c->transport->ops->send(c->transport, msg, &info);
    json_decref(msg);
    if (rc == MCP_OK && r->timer_inited)
        uv_timer_start(&r->timer, on_req_timeout, r->timeout_ms, 0);
    return rc;
}

int mcp__client_start(mcp_client_t *c, const char *method, json_t *params,
                      const mcp_client_call_opts_t *opts, const char *name, mcp__cera era,
                      mcp__creq_done internal, mcp_client_result_fn cb, void *userdata,
                      mcp_client_request_t **out)
{
    mcp_client_request_t *r;
    int rc;

    if (out)
        *out = NULL;
    if (!c || !method || (!cb && !internal) || (params && !json_is_object(params))) {
        json_decref(params);
        return MCP_EINVAL;
    }
    if (!c->transport || c->closed || c->freeing) {
        json_decref(params);
        return MCP_ESTATE;
    }
    r = calloc(1, sizeof *r);
    if (!r || !(r->method = strdup(method)) || (name && !(r->name = strdup(name)))) {
        if (r) {
            free(r->method);
            free(r);
        }
        json_decref(params);
        return MCP_ENOMEM;
    }
    r->client = c;
    r->params = params;
    r->era = era;
    r->internal = internal;
    r->cb = cb;
    r->ud = userdata;
    r->timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms : c->timeout_ms;
    if (opts && opts->progress) {
        r->progress = opts->progress;
        r->progress_ud = opts->progress_userdata;
        r->token = c->next_token++;
    }
    if (opts && json_is_object(opts->meta))
        r->extra_meta = json_deep_copy(opts->meta);
    /* the 2026 tasks extension is declared for calls that ask for a task and for tasks/ */
    r->task = (opts && opts->task) || (era == MCP__CERA_2026 && strncmp(method, "tasks/", 6) == 0);
    if (opts && opts->task && era != MCP__CERA_2026) {
        /* 2025-11-25: the task is asked for in params */
        if (!json_object_get(r->params, "task"))
            json_object_set_new(r->params, "task", json_object());
    }
    r->long_lived = strcmp(method, "subscriptions/listen") == 0;
    /* link first: an in-process answer may come back during send */
    r->next = c->reqs;
    if (c->reqs)
        c->reqs->prev = r;
    c->reqs = r;
    c->nreqs++;
    if (r->timeout_ms && !r->long_lived) {
        uv_timer_init(c->loop, &r->timer);
        r->timer.data = r;
        r->timer_inited = true;
    }
    rc = mcp__client_send_request(c, r);
    if (rc != MCP_OK) {
        req_unlink(c, r);
        r->done = true;
        req_release(r);
        return rc;
    }
    if (out)
        *out = r;
    return MCP_OK;
}

int mcp__client_send_notification(mcp_client_t *c, const char *method, json_t *params)
{
    json_t *msg;
    mcp__csend info;
    int rc;
    if (!c->transport || c->closed) {
        json_decref(params);
        return MCP_ESTATE;
    }
    msg = mcp__jsonrpc_notification(method, params);
    if (!msg)
        return MCP_ENOMEM;
    memset(&info, 0, sizeof info);
    info.method = method;
    info.protocol = c->protocol;
    info.era = c->era;
    rc = c->transport->ops->send(c->transport, msg, &info);
    json_decref(msg);
    return rc;
}

void mcp__client_send_cancelled(mcp_client_t *c, mcp_client_request_t *r, const char *reason)
{
    json_t *p = json_object();
    if (!p || c->closed || !c->transport)
        goto out;
    json_object_set_new(p, "requestId", json_integer(r->id));
    if (reason)
        json_object_set_new(p, "reason", json_string(reason));
    if (r->era == MCP__CERA_2026) {
        json_t *meta = mcp__client_meta_envelope(c);
        if (meta)
            json_object_set_new(p, "_meta", meta);
    }
    mcp__client_send_notification(c, "notifications/cancelled", p);
    return;
out:
    json_decref(p);
}

int mcp_client_cancel(mcp_client_t *c, mcp_client_request_t *req, const char *reason)
{
    mcp_client_request_t *r;
    if (!c || !req)
        return MCP_EINVAL;
    for (r = c->reqs; r && r != req; r = r->next)
        ;
    if (!r || r->done)
        return MCP_ESTATE;
    mcp__client_send_cancelled(c, r, reason);
    mcp__client_complete(c, r, MCP_ECANCELLED, NULL, NULL,
                         reason ? reason : "cancelled by the client");
    return MCP_OK;
}

void mcp__client_fail_request(mcp_client_t *c, json_int_t id, int status, const char *text)
{
    mcp_client_request_t *r = mcp__client_find(c, id);
    if (r)
        mcp__client_complete(c, r, status, NULL, NULL, text);
}

void mcp__client_transport_closed(mcp_client_t *c, int status, const char *why)
{
    if (c->closed)
        return;
    c->closed = true;
    if (why && status != MCP_OK && !c->last_error[0])
        mcp__client_set_error(c, "%s", why);
    close_done_requests(c, status == MCP_OK ? MCP_EIO : status,
                        why ? why : "the connection closed");
    mcp__client_asks_free(c);
    if (c->on_closed && !c->freeing) /* not from inside mcp_client_free() */
        c->on_closed(c, status, why ? why : "closed", c->on_closed_ud);
}

/* ---- what the client declares ---------------------------------------------------------------- */

json_t *mcp__client_info(mcp_client_t *c)
{
    return json_pack("{ssss}", "name", c->name, "version", c->version);
}

json_t *mcp__client_capabilities(mcp_client_t *c)
{
    json_t *caps = json_object();
    if (!caps)
        return NULL;
    if (c->handlers[MCP_CLIENT_ASK_SAMPLING].cb)
        json_object_set_new(caps, "sampling", json_object());
    if (c->handlers[MCP_CLIENT_ASK_ELICITATION].cb || c->handlers[MCP_CLIENT_ASK_ELICIT_URL].cb) {
        json_t *e = json_object();
        if (c->handlers[MCP_CLIENT_ASK_ELICITATION].cb)
            json_object_set_new(e, "form", json_object());
        if (c->handlers[MCP_CLIENT_ASK_ELICIT_URL].cb)
            json_object_set_new(e, "url", json_object());
        json_object_set_new(caps, "elicitation", e);
    }
    if (c->handlers[MCP_CLIENT_ASK_ROOTS].cb || c->roots)
        json_object_set_new(caps, "roots", json_pack("{sb}", "listChanged", 1));
    return caps;
}

/* ---- the list of open questions (ask.c answers them) ------------------------------------------
 */

mcp_client_ask_t *mcp__client_ask_new(mcp_client_t *c, int kind)
{
    mcp_client_ask_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->client = c;
    a->kind = (mcp_client_ask_kind)kind;
    a->next = c->asks;
    if (c->asks)
        c->asks->prev = a;
    c->asks = a;
    c->nasks++;
    return a;
}

void mcp__client_ask_free(mcp_client_ask_t *a)
{
    mcp_client_t *c = a->client;
    if (a->prev)
        a->prev->next = a->next;
    else if (c->asks == a)
        c->asks = a->next;
    if (a->next)
        a->next->prev = a->prev;
    c->nasks--;
    json_decref(a->id);
    free(a->key);
    free(a);
}

void mcp__client_asks_free(mcp_client_t *c)
{
    while (c->asks)
        mcp__client_ask_free(c->asks);
}

void mcp__client_asks_orphan(mcp_client_t *c, mcp_client_request_t *r)
{
    mcp_client_ask_t *a;
    for (a = c->asks; a; a = a->next)
        if (a->req == r)
            a->req = NULL;
        else if (a->related == r)
            a->related = NULL;
}
