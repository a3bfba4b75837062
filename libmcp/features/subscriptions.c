/*
 * Subscriptions, both eras.
 *
 * 2025 era: `resources/subscribe` / `resources/unsubscribe` keep a per-session set of URIs;
 * mcp_server_resource_updated() sends `notifications/resources/updated` to each subscriber, and
 * list changes go to every initialized session (mcp__broadcast, below).
 *
 * 2026-07-28: `subscriptions/listen` is one long-lived request. The server first sends
 * `notifications/subscriptions/acknowledged` with the subset of the filter it honours, then every
 * matching notification, each carrying `_meta["io.modelcontextprotocol/subscriptionId"]` = the
 * listen request's id, related to that request (so Streamable HTTP puts it on its stream). The
 * request never answers until the client cancels it (no reply then) or the server stops (a
 * `complete` result ends the stream gracefully).
 *
 * A resource's `.scopes` apply to its updates as to resources/read: subscribing to a URI whose
 * resource or template the caller may not read is refused the same way (403 insufficient_scope
 * on Streamable HTTP with authorization).
 *
 * What a client makes the server keep is bounded (mcp_limit): a URI longer than
 * MCP_LIMIT_URI_BYTES is refused with -32602, and a session's subscriptions or one listen
 * filter's resourceSubscriptions past MCP_LIMIT_SUBSCRIPTIONS with -32000 (server error).
 */
#include "features/features.h"

#define SUB_ID    "io.modelcontextprotocol/subscriptionId"
#define EXT_TASKS "io.modelcontextprotocol/tasks"

typedef struct mcp__listener {
    mcp_call_t *call;
    json_t *filter; /* the honoured filter (owned) */
    struct mcp__listener *next;
} mcp__listener;

/* ---- limits ------------------------------------------------------------------------------ */

/* False (with -32602 set) when `uri` is longer than the server takes. */
static bool uri_fits(mcp_call_t *call, const json_t *uri)
{
    if (json_string_length(uri) <= call->srv->max_uri)
        return true;
    mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                        "Invalid params: \"uri\" is longer than %zu bytes", call->srv->max_uri);
    return false;
}

static void too_many(mcp_call_t *call, const char *what)
{
    mcp__call_set_error(call, MCP__ERROR_SERVER, NULL,
                        "Too many subscriptions: at most %zu %s; unsubscribe first",
                        call->srv->max_subscriptions, what);
}

/* True (with the refusal set: 403 insufficient_scope on HTTP) when the resource or template that
 * serves `uri` needs scopes the call's principal lacks: updates of what a caller may not read are
 * not for it either. A URI nothing serves (yet) needs no scope. */
static bool forbidden_uri(mcp_call_t *call, const json_t *uri)
{
    mcp__item *it =
        mcp__registry_find_uri(&call->srv->reg, json_string_value(uri), call->sess, NULL);
    return it &&
           mcp__call_forbid(call, it, it->kind == MCP__TEMPLATE ? "resource template" : "resource");
}

/* ---- 2025 era: resources/subscribe ------------------------------------------------------- */

static int set_subscription(mcp_call_t *call, bool on)
{
    const json_t *uri = json_object_get(call->params, "uri");
    mcp__session *s = call->sess;
    if (!json_is_string(uri)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"uri\" must be a string");
        return MCP_OK;
    }
    if (on) {
        if (!uri_fits(call, uri) || forbidden_uri(call, uri))
            return MCP_OK;
        if (json_object_size(s->subscriptions) >= call->srv->max_subscriptions &&
            !json_object_get(s->subscriptions, json_string_value(uri))) {
            too_many(call, "per session");
            return MCP_OK;
        }
        if (!s->subscriptions && !(s->subscriptions = json_object()))
            return MCP_ENOMEM;
        json_object_set_new(s->subscriptions, json_string_value(uri), json_true());
    } else {
        json_object_del(s->subscriptions, json_string_value(uri));
    }
    s->gen++; /* a shared store writes the session again */
    if (call->srv->on_subscribed)
        call->srv->on_subscribed(call->srv);
    return MCP_OK;
}

int mcp__resources_subscribe(mcp_call_t *call)
{
    return set_subscription(call, true);
}

int mcp__resources_unsubscribe(mcp_call_t *call)
{
    return set_subscription(call, false);
}

/* ---- 2026: subscriptions/listen ------------------------------------------------------------ */

static json_t *tagged(const char *method, const json_t *params, const json_t *sub_id)
{
    json_t *p = params ? json_deep_copy(params) : json_object();
    json_t *meta;
    if (!p)
        return NULL;
    meta = json_object_get(p, "_meta");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(p, "_meta", meta);
    }
    json_object_set(meta, SUB_ID, (json_t *)sub_id);
    return mcp__jsonrpc_notification(method, p);
}

static void unlink_listener(mcp_call_t *call)
{
    mcp__listener **pp;
    for (pp = &call->srv->listeners; *pp; pp = &(*pp)->next) {
        if ((*pp)->call == call) {
            mcp__listener *l = *pp;
            *pp = l->next;
            json_decref(l->filter);
            free(l);
            if (call->srv->on_subscribed)
                call->srv->on_subscribed(call->srv);
            return;
        }
    }
}

static void on_listen_cancelled(mcp_call_t *call, void *ud)
{
    (void)ud;
    unlink_listener(call);
    mcp_call_complete(call); /* cancelled: no reply goes out */
}

int mcp__subscriptions_listen(mcp_call_t *call)
{
    mcp_server_t *srv = call->srv;
    const json_t *want = json_object_get(call->params, "notifications");
    const json_t *uris, *tasks;
    json_t *honoured, *ack, *msg;
    mcp__listener *l;

    if (!json_is_object(want)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: 'notifications' is required and must be an object");
        return MCP_OK;
    }
    honoured = json_object();
    if (json_is_true(json_object_get(want, "toolsListChanged")) && srv->offers[MCP__TOOL])
        json_object_set_new(honoured, "toolsListChanged", json_true());
    if (json_is_true(json_object_get(want, "promptsListChanged")) && srv->offers[MCP__PROMPT])
        json_object_set_new(honoured, "promptsListChanged", json_true());
    if (srv->offers[MCP__RESOURCE] || srv->offers[MCP__TEMPLATE]) {
        if (json_is_true(json_object_get(want, "resourcesListChanged")))
            json_object_set_new(honoured, "resourcesListChanged", json_true());
        uris = json_object_get(want, "resourceSubscriptions");
        if (json_is_array(uris)) {
            json_t *keep = json_array(), *u;
            size_t i;
            json_object_set_new(honoured, "resourceSubscriptions", keep);
            if (json_array_size(uris) > srv->max_subscriptions) {
                json_decref(honoured);
                too_many(call, "in one listen request");
                return MCP_OK;
            }
            json_array_foreach(uris, i, u)
            {
                if (!json_is_string(u))
                    continue;
                if (!uri_fits(call, u) || forbidden_uri(call, u)) {
                    json_decref(honoured);
                    return MCP_OK;
                }
                json_array_append(keep, u);
            }
        }
    }
    tasks = json_object_get(want, "taskIds");
    if (tasks && !json_is_array(tasks)) {
        json_decref(honoured);
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: 'taskIds' must be an array of task ids");
        return MCP_OK;
    }
    if (tasks && !json_is_object(json_object_get(
                     json_object_get(call->ctx.client_caps, "extensions"), EXT_TASKS))) {
        json_decref(honoured);
        mcp__call_set_error(
            call, MCP_ERROR_MISSING_CAPABILITY,
            json_pack("{s:{s:{s:{}}}}", "requiredCapabilities", "extensions", EXT_TASKS),
            "Missing required client capability: %s (task notifications need it)", EXT_TASKS);
        return MCP_OK;
    }
    if (tasks) {
        json_t *keep = json_array(), *id;
        size_t i;
        if (json_array_size(tasks) > srv->max_subscriptions) {
            json_decref(keep);
            json_decref(honoured);
            too_many(call, "in one listen request");
            return MCP_OK;
        }
        json_object_set_new(honoured, "taskIds", keep);
        json_array_foreach(tasks, i, id) if (json_is_string(id) && json_string_length(id) <= 128)
            json_array_append(keep, id); /* a task it may not reach is never reported */
    }
    l = calloc(1, sizeof *l);
    if (!l) {
        json_decref(honoured);
        return MCP_ENOMEM;
    }
    l->call = call;
    l->filter = honoured;
    l->next = srv->listeners;
    srv->listeners = l;
    mcp_call_on_cancel(call, on_listen_cancelled, NULL);
    if (srv->on_subscribed)
        srv->on_subscribed(srv);

    ack = json_pack("{s:O}", "notifications", honoured);
    msg = tagged("notifications/subscriptions/acknowledged", ack, call->id);
    if (msg)
        mcp__session_send(call->sess, msg, call);
    json_decref(msg);
    json_decref(ack);
    return MCP_PENDING;
}

/* The filter key a broadcast method needs, or NULL. */
static const char *filter_key(const char *method)
{
    if (strcmp(method, "notifications/tools/list_changed") == 0)
        return "toolsListChanged";
    if (strcmp(method, "notifications/prompts/list_changed") == 0)
        return "promptsListChanged";
    if (strcmp(method, "notifications/resources/list_changed") == 0)
        return "resourcesListChanged";
    return NULL;
}

static void send_to_listener(mcp__listener *l, const char *method, const json_t *params)
{
    json_t *n = tagged(method, params, l->call->id);
    if (n)
        mcp__session_send(l->call->sess, n, l->call);
    json_decref(n);
}

void mcp__listeners_task(mcp_server_t *srv, const char *task_id, const json_t *task,
                         const json_t *principal, const mcp__session *owner)
{
    mcp__listener *l;
    size_t i;
    json_t *id;

    for (l = srv->listeners; l; l = l->next) {
        mcp_call_t *call = l->call;
        if ((owner && call->sess != owner) ||
            !mcp__principal_same(principal, call->sess->principal))
            continue;
        json_array_foreach(json_object_get(l->filter, "taskIds"), i, id)
        {
            if (strcmp(json_string_value(id), task_id) == 0) {
                send_to_listener(l, "notifications/tasks", task);
                break;
            }
        }
    }
}

void mcp__listeners_notify(mcp_server_t *srv, const char *method, const json_t *params)
{
    const char *key = filter_key(method);
    mcp__listener *l;
    if (!key)
        return;
    for (l = srv->listeners; l; l = l->next)
        if (json_is_true(json_object_get(l->filter, key)))
            send_to_listener(l, method, params);
}

static void broadcast_here(mcp_server_t *srv, const char *method, const json_t *params);
static void updated_here(mcp_server_t *srv, json_t *params);

/* Channel (with a store): another replica's list change or resource update reaches the sessions
 * and listen requests held here. */
static void on_broadcast_note(void *ud, const json_t *msg)
{
    const char *m = json_string_value(json_object_get(msg, "m"));
    const json_t *p = json_object_get(msg, "p"); /* null when the notification had no params */
    if (m && strncmp(m, "notifications/", 14) == 0)
        broadcast_here(ud, m, json_is_object(p) ? p : NULL);
}

static void on_updated_note(void *ud, const json_t *msg)
{
    const char *uri = json_string_value(json_object_get(msg, "u"));
    if (uri)
        updated_here(ud, json_pack("{s:s}", "uri", uri));
}

void mcp__subscriptions_share(mcp_server_t *srv)
{
    if (!srv->store)
        return;
    mcp__store_listen(srv, "bcast", on_broadcast_note, srv);
    mcp__store_listen(srv, "rupd", on_updated_note, srv);
}

/* A list change (or any server-wide notification): every ready 2025-era session, and the 2026
 * listeners that asked for it, here and (with a store) on every other replica. */
void mcp__broadcast(mcp_server_t *srv, const char *method, json_t *params)
{
    broadcast_here(srv, method, params);
    if (srv->store)
        mcp__store_send(srv, "bcast", json_pack("{s:s,s:O?}", "m", method, "p", params));
}

static void broadcast_here(mcp_server_t *srv, const char *method, const json_t *params)
{
    mcp__session *s;
    mcp__listeners_notify(srv, method, params);
    for (s = srv->sessions; s; s = s->next) {
        json_t *msg;
        if (s->closed || s->state != MCP__SESS_READY)
            continue;
        msg = mcp__jsonrpc_notification(method, params ? json_deep_copy(params) : NULL);
        if (msg)
            mcp__session_send(s, msg, NULL);
        json_decref(msg);
    }
}

int mcp_server_resource_updated(mcp_server_t *srv, const char *uri)
{
    json_t *params;
    if (!srv || !uri)
        return MCP_EINVAL;
    params = json_pack("{s:s}", "uri", uri);
    if (!params)
        return MCP_ENOMEM;
    if (srv->store)
        mcp__store_send(srv, "rupd", json_pack("{s:s}", "u", uri));
    updated_here(srv, params);
    return MCP_OK;
}

/* True when something serves `uri` but not to session `s` (disabled, or behind a tag hidden from
 * it): updates of a hidden resource are not sent, as reading it is not served. A URI nothing
 * serves is not hidden (the author may announce any URI). */
static bool updates_hidden(mcp_server_t *srv, const char *uri, const mcp__session *s)
{
    const mcp__table *templates = &srv->reg.t[MCP__TEMPLATE];
    bool served = mcp__registry_get(&srv->reg, MCP__RESOURCE, uri) != NULL;
    size_t i;
    if (mcp__registry_find_uri(&srv->reg, uri, s, NULL))
        return false;
    for (i = 0; !served && i < templates->count; i++) {
        json_t *vars = mcp__uritemplate_match(templates->items[i]->key, uri);
        served = vars != NULL;
        json_decref(vars);
    }
    return served;
}

/* Tell the subscribers of params.uri held here (steals params). */
static void updated_here(mcp_server_t *srv, json_t *params)
{
    mcp__session *s;
    mcp__listener *l;
    const char *uri = json_string_value(json_object_get(params, "uri"));
    if (!uri) {
        json_decref(params);
        return;
    }
    for (s = srv->sessions; s; s = s->next) {
        json_t *n;
        if (s->closed || s->state != MCP__SESS_READY || !json_object_get(s->subscriptions, uri) ||
            updates_hidden(srv, uri, s))
            continue;
        n = mcp__jsonrpc_notification("notifications/resources/updated", json_incref(params));
        if (n)
            mcp__session_send(s, n, NULL);
        json_decref(n);
    }
    for (l = srv->listeners; l; l = l->next) {
        const json_t *uris = json_object_get(l->filter, "resourceSubscriptions"), *u;
        size_t i;
        json_array_foreach(uris, i, u)
        {
            if (strcmp(json_string_value(u), uri) == 0) {
                if (!updates_hidden(srv, uri, l->call->sess))
                    send_to_listener(l, "notifications/resources/updated", params);
                break;
            }
        }
    }
    json_decref(params);
}

void mcp__listeners_end(mcp_server_t *srv, mcp__session *only)
{
    mcp__listener **pp = &srv->listeners;
    while (*pp) {
        mcp__listener *l = *pp;
        mcp_call_t *call = l->call;
        json_t *meta;
        if (only && call->sess != only) {
            pp = &l->next;
            continue;
        }
        *pp = l->next;
        json_decref(l->filter);
        free(l);
        /* a graceful end: a complete result carrying the subscription id */
        meta = json_object();
        json_object_set(meta, SUB_ID, call->id);
        json_object_set_new(call->result, "_meta", meta);
        mcp_call_on_cancel(call, NULL, NULL);
        mcp_call_complete(call);
    }
    if (srv->on_subscribed)
        srv->on_subscribed(srv);
}

json_t *mcp__subscribed_uris(mcp_server_t *srv)
{
    json_t *all = json_object();
    const mcp__session *s;
    const mcp__listener *l;
    const char *uri;
    json_t *v;
    size_t i;
    if (!all)
        return NULL;
    for (s = srv->sessions; s; s = s->next)
        if (!s->closed)
            json_object_foreach(s->subscriptions, uri, v)
                json_object_set_new(all, uri, json_true());
    for (l = srv->listeners; l; l = l->next)
        json_array_foreach(json_object_get(l->filter, "resourceSubscriptions"), i, v)
            json_object_set_new(all, json_string_value(v), json_true());
    return all;
}
