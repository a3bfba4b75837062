/*
 * Keep-alive pings (MCP_LIMIT_PING_INTERVAL_MS, 2025 era): one timer per server sends `ping` to
 * every initialized session that has none unanswered; the answer is matched by id in
 * mcp__client_response (ask.c). A ping left unanswered for MCP_LIMIT_REQUEST_TIMEOUT_MS is
 * logged and forgotten, and the next tick sends another.
 */
#include "features/features.h"

struct mcp__keepalive {
    uv_timer_t timer;
    mcp_server_t *srv;
};

static void tick(uv_timer_t *t)
{
    mcp__keepalive *ka = t->data;
    mcp_server_t *srv = ka->srv;
    uint64_t now = uv_now(srv->loop);
    mcp__session *s;

    for (s = srv->sessions; s; s = s->next) {
        json_t *id, *msg;
        if (s->closed || s->ephemeral || s->state != MCP__SESS_READY || s->ctx.stateless)
            continue;
        if (s->ping_id) {
            if (now - s->ping_sent < srv->request_timeout_ms)
                continue; /* still waiting */
            mcp_server_log(srv, MCP_LOG_WARNING,
                           "keep-alive: the client of session %llu left ping %lld unanswered "
                           "for %zu ms",
                           s->serial, (long long)s->ping_id, srv->request_timeout_ms);
        }
        s->ping_id = ++srv->next_out_id;
        s->ping_sent = now;
        id = json_integer(s->ping_id);
        msg = id ? mcp__jsonrpc_request(id, "ping", NULL) : NULL;
        json_decref(id);
        if (msg)
            mcp__session_send(s, msg, NULL);
        json_decref(msg);
    }
}

void mcp__keepalive_start(mcp_server_t *srv)
{
    mcp__keepalive *ka;

    if (!srv->ping_interval_ms || srv->keepalive || !srv->loop || srv->stopping)
        return;
    if (!(ka = calloc(1, sizeof *ka)))
        return;
    ka->srv = srv;
    uv_timer_init(srv->loop, &ka->timer);
    ka->timer.data = ka;
    uv_unref((uv_handle_t *)&ka->timer); /* never keeps the server alive */
    uv_timer_start(&ka->timer, tick, srv->ping_interval_ms, srv->ping_interval_ms);
    srv->keepalive = ka;
}

static void closed(uv_handle_t *h)
{
    free(h->data);
}

void mcp__keepalive_stop(mcp_server_t *srv)
{
    if (!srv->keepalive)
        return;
    uv_timer_stop(&srv->keepalive->timer);
    uv_close((uv_handle_t *)&srv->keepalive->timer, closed);
    srv->keepalive = NULL;
}

bool mcp__keepalive_answer(mcp__session *s, const mcp__msg *m)
{
    if (!s->ping_id || !json_is_integer(m->id) || json_integer_value(m->id) != s->ping_id)
        return false;
    s->ping_id = 0; /* answered (an error answer counts: the client is there) */
    return true;
}
