/*
 * Logging, both kinds: the server's own log (lines on stderr, never stdout: in STDIO mode stdout
 * is the protocol), and logging to clients: `notifications/message` from a handler (related to
 * its request, so over Streamable HTTP it travels on that request's stream) or from the server
 * to every session.
 *
 * Filtering follows each era: a 2025-era session's level is what `logging/setLevel` set (info
 * until then); a 2026-07-28 request carries its level in _meta and gets no log notifications
 * when it carries none. `logging/setLevel` itself lives in lifecycle.c.
 *
 * Rate limit (the spec: servers SHOULD rate-limit log messages): a token bucket per 2025
 * session (s->lograte) or per 2026 request (call->lograte), refilled at MCP_LIMIT_LOG_RATE a
 * second up to MCP_LIMIT_LOG_BURST. A message finding the bucket empty is dropped and counted;
 * the next one admitted is preceded by one notice saying how many were dropped. Handlers log from
 * any thread, so the buckets are read and written under one lock.
 */
#include "features/features.h"

#include <pthread.h>
#include <stdarg.h>

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;

/* Take a token from `r` for a message at `level`. True: send it, after a notice of *dropped
 * messages (at *dropped_level) when *dropped > 0. False: dropped (and counted). */
static bool admit(const mcp_server_t *srv, mcp__lograte *r, int level, unsigned long *dropped,
                  int *dropped_level)
{
    uint64_t now = uv_hrtime();
    double burst = (double)srv->log_burst;
    bool ok;
    pthread_mutex_lock(&rate_lock);
    if (r->last_ns == 0)
        r->tokens = burst;
    else
        r->tokens += (double)(now - r->last_ns) / 1e9 * (double)srv->log_rate;
    if (r->tokens > burst)
        r->tokens = burst;
    r->last_ns = now ? now : 1;
    ok = r->tokens >= 1.0;
    *dropped = 0;
    if (ok) {
        r->tokens -= 1.0;
        *dropped = r->dropped;
        *dropped_level = r->dropped_level;
        r->dropped = 0;
        r->dropped_level = 0;
    } else {
        if (r->dropped++ == 0 || level > r->dropped_level)
            r->dropped_level = level;
    }
    pthread_mutex_unlock(&rate_lock);
    return ok;
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

/* The notice that `dropped` messages (the worst at `level`) were dropped. */
static json_t *drop_notice(const mcp_server_t *srv, unsigned long dropped, int level)
{
    return message((mcp_log_level)level, "libmcp",
                   json_sprintf("%lu log message%s dropped: over the rate limit of %zu a second "
                                "(bursts of %zu)",
                                dropped, dropped == 1 ? "" : "s", srv->log_rate, srv->log_burst));
}

/* Does a message at `level` pass the client's level and the rate limit? When it does and
 * messages were dropped before, the notice of them is sent first. */
static bool call_admits(mcp_call_t *call, mcp_log_level level)
{
    int min = threshold(call), dropped_level = 0;
    unsigned long dropped;
    if (min < 0 || (int)level < min)
        return false; /* filtered out: not an error */
    if (!call->ctx.stateless && call->sess->ephemeral)
        return false; /* --stateless HTTP, 2025 era: logging is not offered there */
    if (!admit(call->srv, call->ctx.stateless ? &call->lograte : &call->sess->lograte, (int)level,
               &dropped, &dropped_level))
        return false;
    if (dropped)
        mcp__call_send(call, drop_notice(call->srv, dropped, dropped_level));
    return true;
}

int mcp_call_log_json_new(mcp_call_t *call, mcp_log_level level, const char *logger, json_t *data)
{
    if (!call || !data || !mcp_log_level_name(level)) {
        json_decref(data);
        return MCP_EINVAL;
    }
    if (!call_admits(call, level)) {
        json_decref(data);
        return MCP_OK; /* filtered out or over the rate: not an error */
    }
    return mcp__call_send(call, message(level, logger, data));
}

int mcp_call_log(mcp_call_t *call, mcp_log_level level, const char *logger, const char *fmt, ...)
{
    char small[512], *buf;
    size_t n;
    va_list ap;
    int rc;
    if (!call || !fmt || !mcp_log_level_name(level))
        return MCP_EINVAL;
    if (!call_admits(call, level))
        return MCP_OK; /* skip the formatting too */
    va_start(ap, fmt);
    buf = mcp__vformat(small, sizeof small, &n, fmt, ap);
    va_end(ap);
    if (!buf)
        return MCP_ENOMEM;
    rc = mcp__call_send(call, message(level, logger, json_stringn(buf, n)));
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
        unsigned long dropped;
        int dropped_level = 0;
        if (s->closed || s->state != MCP__SESS_READY || (int)level < s->ctx.log_level ||
            !admit(srv, &s->lograte, (int)level, &dropped, &dropped_level))
            continue;
        if (dropped && (msg = drop_notice(srv, dropped, dropped_level)) != NULL) {
            mcp__session_send(s, msg, NULL);
            json_decref(msg);
        }
        msg = message(level, logger, json_string(buf));
        if (msg)
            mcp__session_send(s, msg, NULL);
        json_decref(msg);
    }
    return MCP_OK;
}
