/*
 * Logging, both kinds: the server's own log (lines on stderr, never stdout: in STDIO mode stdout
 * is the protocol), and logging to clients: `notifications/message` from a handler (related to
 * its request, so over Streamable HTTP it travels on that request's stream) or from the server
 * to every session.
 *
 * Filtering follows each era: a 2025-era session's level is what `logging/setLevel` set (info
 * until then); a 2026-07-28 request carries its level in _meta and gets no log notifications
 * when it carries none. `logging/setLevel` itself lives in lifecycle.c.
 */
#include "features/features.h"

#include <stdarg.h>

/* ---- notifications/message ------------------------------------------------------------- */

static int threshold(const mcp_call_t *call)
{
    if (call->ctx.stateless)
        return call->ctx.log_level;
    return call->sess->ctx.log_level;
}

static json_t *message(mcp_log_level level, const char *logger, json_t *data)
{
    json_t *params = json_pack("{s:s}", "level", mcp_log_level_name(level));
    if (!params) {
        json_decref(data);
        return NULL;
    }
    if (logger)
        json_object_set_new(params, "logger", json_string(logger));
    json_object_set_new(params, "data", data);
    return mcp__jsonrpc_notification("notifications/message", params);
}

int mcp_call_log_json_new(mcp_call_t *call, mcp_log_level level, const char *logger, json_t *data)
{
    int min;
    if (!call || !data || !mcp_log_level_name(level)) {
        json_decref(data);
        return MCP_EINVAL;
    }
    min = threshold(call);
    if (min < 0 || (int)level < min) {
        json_decref(data);
        return MCP_OK; /* filtered out: not an error */
    }
    return mcp__call_send(call, message(level, logger, data));
}

int mcp_call_log(mcp_call_t *call, mcp_log_level level, const char *logger, const char *fmt, ...)
{
    char small[512], *buf;
    size_t n;
    va_list ap;
    int rc;
    if (!call || !fmt)
        return MCP_EINVAL;
    if (threshold(call) < 0 || (int)level < threshold(call))
        return MCP_OK; /* skip the formatting too */
    va_start(ap, fmt);
    buf = mcp__vformat(small, sizeof small, &n, fmt, ap);
    va_end(ap);
    if (!buf)
        return MCP_ENOMEM;
    rc = mcp_call_log_json_new(call, level, logger, json_stringn(buf, n));
    if (buf != small)
        free(buf);
    return rc;
}

int mcp_server_log_clients(mcp_server_t *srv, mcp_log_level level, const char *logger,
                           const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    mcp__session *s;
    if (!srv || !fmt || !mcp_log_level_name(level))
        return MCP_EINVAL;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (s = srv->sessions; s; s = s->next) {
        json_t *msg;
        if (s->closed || s->state != MCP__SESS_READY || (int)level < s->ctx.log_level)
            continue;
        msg = message(level, logger, json_string(buf));
        if (msg)
            mcp__session_send(s, msg, NULL);
        json_decref(msg);
    }
    return MCP_OK;
}
