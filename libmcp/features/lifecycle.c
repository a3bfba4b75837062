/*
 * Lifecycle: `initialize` / `notifications/initialized` (2025 era), `ping`, and `server/discover`
 * (2026-07-28, answered in either era, before anything else).
 *
 * Version negotiation (2025 era): a client asking for a revision we speak gets it echoed; any
 * other request gets our latest session revision, and the client decides whether to go on.
 */
#include "features/features.h"

/* The server capabilities for a client context (new reference). `lasting` is false for a
 * 2025-era client served without a session (--stateless HTTP): nothing can reach it between
 * its requests, so subscriptions, list changes and logging are not offered. */
static json_t *capabilities(mcp_server_t *srv, const mcp__ctx *ctx, bool lasting)
{
    json_t *caps = json_object();
    int live = lasting ? 1 : 0;
    if (!caps)
        return NULL;
    if (srv->offers[MCP__TOOL])
        json_object_set_new(caps, "tools", json_pack("{s:b}", "listChanged", live));
    if (srv->offers[MCP__RESOURCE] || srv->offers[MCP__TEMPLATE])
        json_object_set_new(caps, "resources",
                            json_pack("{s:b, s:b}", "subscribe", live, "listChanged", live));
    if (srv->offers[MCP__PROMPT])
        json_object_set_new(caps, "prompts", json_pack("{s:b}", "listChanged", live));
    if (lasting)
        json_object_set_new(caps, "logging", json_object());
    if (srv->offers[MCP__PROMPT] || srv->offers[MCP__TEMPLATE])
        json_object_set_new(caps, "completions", json_object());
    mcp__tasks_capabilities(srv, ctx, caps);      /* tasks.c */
    mcp__extensions_capabilities(srv, ctx, caps); /* extensions.c */
    return caps;
}

int mcp__initialize(mcp_call_t *call)
{
    mcp__session *s = call->sess;
    mcp_server_t *srv = call->srv;
    const json_t *p = call->params;
    const json_t *ver = json_object_get(p, "protocolVersion");
    const json_t *caps = json_object_get(p, "capabilities");
    const json_t *info = json_object_get(p, "clientInfo");
    const char *negotiated;

    if (s->state != MCP__SESS_NEW) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_REQUEST, NULL,
                            "Invalid Request: the session is already initialized");
        return MCP_OK;
    }
    if (!json_is_string(ver)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"protocolVersion\" must be a string");
        return MCP_OK;
    }
    if (caps && !json_is_object(caps)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"capabilities\" must be an object");
        return MCP_OK;
    }
    if (info && !json_is_object(info)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"clientInfo\" must be an object");
        return MCP_OK;
    }
    negotiated = mcp__version_find(json_string_value(ver));
    if (!negotiated || mcp__version_stateless(negotiated))
        negotiated = MCP_PROTOCOL_LATEST_SESSION;

    mcp__ctx_clear(&s->ctx);
    s->ctx.version = negotiated;
    s->ctx.client_caps = caps ? json_incref((json_t *)caps) : json_object();
    s->ctx.client_info = json_incref((json_t *)info);
    s->ctx.log_level = MCP_LOG_INFO;
    s->ctx.stateless = false;
    s->state = MCP__SESS_INITIALIZING;

    json_object_set_new(call->result, "protocolVersion", json_string(negotiated));
    json_object_set_new(call->result, "capabilities", capabilities(srv, &s->ctx, !s->ephemeral));
    json_object_set_new(call->result, "serverInfo", mcp__server_info(srv));
    if (srv->instructions)
        json_object_set_new(call->result, "instructions", json_string(srv->instructions));
    return MCP_OK;
}

void mcp__initialized(mcp__session *s, const mcp__msg *m)
{
    (void)m;
    if (s->state == MCP__SESS_INITIALIZING) {
        s->state = MCP__SESS_READY;
        if (!s->ephemeral)
            mcp__keepalive_start(s->srv); /* MCP_LIMIT_PING_INTERVAL_MS */
    }
}

int mcp__ping(mcp_call_t *call)
{
    (void)call; /* the result is {} */
    return MCP_OK;
}

void mcp__cacheable(mcp_call_t *call, unsigned long long ttl_ms, int scope,
                    mcp_cache_scope fallback)
{
    if (!call->ctx.stateless)
        return;
    if (scope != MCP_CACHE_PUBLIC && scope != MCP_CACHE_PRIVATE)
        scope = fallback;
    json_object_set_new(call->result, "ttlMs",
                        json_integer(ttl_ms > (unsigned long long)INT64_MAX / 2
                                         ? (json_int_t)(INT64_MAX / 2)
                                         : (json_int_t)ttl_ms));
    json_object_set_new(call->result, "cacheScope",
                        json_string(scope == MCP_CACHE_PRIVATE ? "private" : "public"));
}

int mcp_server_set_cache(mcp_server_t *srv, mcp_cache_result which, unsigned long long ttl_ms,
                         mcp_cache_scope scope)
{
    if (!srv || (int)which < 0 || which > MCP_CACHE_DISCOVER || (int)scope < 0 ||
        scope > MCP_CACHE_PRIVATE)
        return MCP_EINVAL;
    srv->cache_ttl[which] = ttl_ms;
    srv->cache_scope[which] = scope;
    return MCP_OK;
}

int mcp_call_set_cache(mcp_call_t *call, unsigned long long ttl_ms, mcp_cache_scope scope)
{
    const json_t *old;
    if (!call || (int)scope < 0 || scope > MCP_CACHE_PRIVATE)
        return MCP_EINVAL;
    if (!json_object_get(call->result, "ttlMs"))
        return MCP_OK; /* not a cacheable 2026-07-28 result */
    old = json_object_get(call->result, "cacheScope");
    mcp__cacheable(call, ttl_ms, scope,
                   json_is_string(old) && strcmp(json_string_value(old), "private") == 0
                       ? MCP_CACHE_PRIVATE
                       : MCP_CACHE_PUBLIC);
    return MCP_OK;
}

int mcp__discover(mcp_call_t *call)
{
    mcp_server_t *srv = call->srv;
    json_t *meta;
    json_object_set_new(call->result, "resultType", json_string("complete"));
    json_object_set_new(call->result, "supportedVersions", mcp__version_list());
    json_object_set_new(
        call->result, "capabilities",
        capabilities(srv, &call->ctx, call->ctx.stateless || !call->sess->ephemeral));
    if (srv->instructions)
        json_object_set_new(call->result, "instructions", json_string(srv->instructions));
    json_object_set_new(call->result, "ttlMs", json_integer(0));
    json_object_set_new(call->result, "cacheScope", json_string("public"));
    if (call->ctx.stateless)
        mcp__cacheable(call, srv->cache_ttl[MCP_CACHE_DISCOVER],
                       srv->cache_scope[MCP_CACHE_DISCOVER], MCP_CACHE_PUBLIC);
    meta = json_object();
    json_object_set_new(meta, "io.modelcontextprotocol/serverInfo", mcp__server_info(srv));
    json_object_set_new(call->result, "_meta", meta);
    return MCP_OK;
}

int mcp__logging_set_level(mcp_call_t *call)
{
    const json_t *level = json_object_get(call->params, "level");
    int l = json_is_string(level) ? mcp_log_level_parse(json_string_value(level)) : -1;
    if (l < 0) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"level\" must be one of debug, info, notice, "
                            "warning, error, critical, alert, emergency");
        return MCP_OK;
    }
    call->sess->ctx.log_level = l;
    call->sess->gen++; /* a shared store writes the session again */
    return MCP_OK;
}
