/*
 * Sessions: one client connection's state. For a 2025-era client it holds what `initialize`
 * negotiated (revision, client capabilities and info, log level); for every client it holds the
 * requests in flight (for cancellation and duplicate-id checks) and the transport to send through.
 * A 2026-07-28 request uses the session only as a return path: its context comes from _meta.
 */
#include "core/core.h"

mcp__session *mcp__session_new(mcp_server_t *srv, const mcp__transport_ops *ops, void *transport)
{
    mcp__session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->srv = srv;
    s->refs = 1;
    s->ops = ops;
    s->transport = transport;
    s->state = MCP__SESS_NEW;
    s->ctx.log_level = MCP_LOG_INFO;
    s->serial = ++srv->next_session_serial;
    s->next = srv->sessions;
    if (srv->sessions)
        srv->sessions->prev = s;
    srv->sessions = s;
    return s;
}

void mcp__session_ref(mcp__session *s)
{
    s->refs++;
}

static void unlink_session(mcp__session *s)
{
    mcp_server_t *srv = s->srv;
    if (!srv)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else if (srv->sessions == s)
        srv->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    s->srv = NULL;
    if (json_object_size(s->subscriptions) && srv->on_subscribed)
        srv->on_subscribed(srv); /* what it subscribed to, nobody may need any more */
}

void mcp__session_unref(mcp__session *s)
{
    if (!s || --s->refs > 0)
        return;
    unlink_session(s);
    mcp__ctx_clear(&s->ctx);
    json_decref(s->subscriptions);
    json_decref(s->elicitations);
    json_decref(s->tag_view);
    json_decref(s->principal);
    free(s->client);
    free(s);
}

void mcp__session_close(mcp__session *s)
{
    s->closed = true;
    s->ops = NULL;
    s->transport = NULL;
}

bool mcp__principal_same(const json_t *a, const json_t *b)
{
    const json_t *s1, *s2;
    if (!a || !b)
        return a == b;
    s1 = json_object_get(a, "sub");
    s2 = json_object_get(b, "sub");
    if (json_is_string(s1) && json_is_string(s2)) {
        const json_t *i1 = json_object_get(a, "iss"), *i2 = json_object_get(b, "iss");
        return json_equal(s1, s2) && (i1 == i2 || (i1 && i2 && json_equal(i1, i2)));
    }
    return json_equal(a, b);
}

void mcp__session_send(mcp__session *s, json_t *msg, mcp_call_t *related)
{
    if (!s->closed && s->ops && s->ops->send)
        s->ops->send(s, msg, related);
}

void mcp__session_reply(mcp__session *s, json_t *msg, mcp_call_t *related, mcp__reply_class cls)
{
    s->reply_class = cls;
    mcp__session_send(s, msg, related);
    s->reply_class = MCP__REPLY_NONE;
}
