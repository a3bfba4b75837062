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
#include "internal.h"

#include <stdarg.h>

/* ---- level names and the stderr log ----------------------------------------------------- */

static const char *const level_names[] = {
    "debug", "info", "notice", "warning", "error", "critical", "alert", "emergency",
};

const char *mcp_log_level_name(mcp_log_level level)
{
    if ((int)level < 0 || (size_t)level >= sizeof level_names / sizeof level_names[0])
        return NULL;
    return level_names[level];
}

int mcp_log_level_parse(const char *name)
{
    size_t i;
    if (!name)
        return -1;
    for (i = 0; i < sizeof level_names / sizeof level_names[0]; i++)
        if (strcmp(name, level_names[i]) == 0)
            return (int)i;
    return -1;
}

void mcp_server_set_log_level(mcp_server_t *srv, mcp_log_level level)
{
    if (srv && mcp_log_level_name(level))
        srv->log_level = level;
}

void mcp__logv(mcp_server_t *srv, mcp_log_level level, const char *fmt, va_list ap)
{
    char line[1024];
    int n;
    if (!srv || level < srv->log_level)
        return;
    n = snprintf(line, sizeof line, "%s: %s: ", srv->name, mcp_log_level_name(level));
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    /* One fprintf per line keeps lines whole when several threads log. */
    fprintf(stderr, "%s\n", line);
}

void mcp_server_log(mcp_server_t *srv, mcp_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mcp__logv(srv, level, fmt, ap);
    va_end(ap);
}

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

int mcp_call_log_json(mcp_call_t *call, mcp_log_level level, const char *logger, json_t *data)
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
    rc = mcp_call_log_json(call, level, logger, json_stringn(buf, n));
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
