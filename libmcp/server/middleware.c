/*
 * Middleware (mcp_server_use): the chain of hooks that sees every request and notification.
 * dispatch.c runs the `request` hooks before the method handler (or, for a notification, before
 * acting on it); a request's `response` hooks run from core/call.c's answer() through the
 * call's `observe` hook, with the reply about to be sent.
 */
#include "server/server.h"

struct mcp__middleware {
    mcp_middleware_t mw;
    char *name;
    struct mcp__middleware *next;
};

int mcp_server_use(mcp_server_t *srv, const mcp_middleware_t *mw)
{
    struct mcp__middleware *m, **tail;

    if (!srv || !mw || (!mw->request && !mw->response))
        return MCP_EINVAL;
    m = calloc(1, sizeof *m);
    if (!m)
        return MCP_ENOMEM;
    m->mw = *mw;
    if (mw->name && !(m->name = strdup(mw->name))) {
        free(m);
        return MCP_ENOMEM;
    }
    m->mw.name = m->name;
    for (tail = &srv->middleware; *tail; tail = &(*tail)->next)
        ;
    *tail = m;
    return MCP_OK;
}

void mcp__middleware_free(mcp_server_t *srv)
{
    struct mcp__middleware *m = srv->middleware, *next;

    srv->middleware = NULL;
    for (; m; m = next) {
        next = m->next;
        if (m->mw.free_userdata)
            m->mw.free_userdata(m->mw.userdata);
        free(m->name);
        free(m);
    }
}

/* The info of a request or notification; `client` is written into `buf`. */
static void info_fill(mcp_request_info_t *info, mcp__session *s, const char *method,
                      const json_t *params, const char *version, mcp_call_t *call, char *buf,
                      size_t size)
{
    /* the request's own token (a 2025 session's latest, after a step-up), as
     * mcp_call_principal() answers, not the one the session began with */
    const json_t *principal = call              ? call->principal
                              : s->rx_principal ? s->rx_principal
                                                : s->principal;
    const json_t *sub = json_object_get(principal, "sub");
    const char *key = NULL;

    memset(info, 0, sizeof *info);
    info->method = method;
    info->params = params;
    info->principal = principal;
    info->protocol_version = version;
    info->call = call;
    if (strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0)
        key = "name";
    else if (strncmp(method, "resources/", 10) == 0 && strcmp(method, "resources/list") != 0)
        key = "uri";
    if (key && json_is_string(json_object_get(params, key)))
        info->name = json_string_value(json_object_get(params, key));
    if (json_is_string(sub))
        snprintf(buf, size, "sub:%s", json_string_value(sub));
    else if (s->client)
        snprintf(buf, size, "addr:%s", s->client);
    else
        snprintf(buf, size, "session:%llu", s->serial);
    info->client = buf;
}

/* The call's reply is about to go out (NULL: dropped): the response hooks, innermost first. */
static void observe(mcp_call_t *call, const json_t *reply)
{
    struct mcp__middleware *m;
    mcp_request_info_t info;
    mcp_outcome_t out = {0};
    const json_t *err = json_object_get(reply, "error");
    char client[160];
    unsigned n = call->mw_ran, i;

    call->observe = NULL; /* once */
    info_fill(&info, call->sess, call->method, call->params, call->ctx.version, call, client,
              sizeof client);
    out.duration_ms = (double)(uv_hrtime() - call->started) / 1e6;
    out.response = reply;
    out.cancelled = reply == NULL;
    if (err) {
        out.error_code = (int)json_integer_value(json_object_get(err, "code"));
        out.error_message = json_string_value(json_object_get(err, "message"));
    } else if (reply) {
        out.tool_error = json_is_true(json_object_get(json_object_get(reply, "result"), "isError"));
    }
    while (n-- > 0) { /* the n-th of the chain (chains are short) */
        for (m = call->srv->middleware, i = 0; m && i < n; m = m->next)
            i++;
        if (m && m->mw.response)
            m->mw.response(&info, &out, m->mw.userdata);
    }
}

int mcp__middleware_request(mcp_call_t *call)
{
    struct mcp__middleware *m;
    mcp_request_info_t info;
    char client[160];
    int rc = MCP_OK;

    if (!call->srv->middleware)
        return MCP_OK;
    info_fill(&info, call->sess, call->method, call->params, call->ctx.version, call, client,
              sizeof client);
    call->observe = observe;
    for (m = call->srv->middleware; m && rc == MCP_OK; m = m->next) {
        call->mw_ran++;
        if (m->mw.request)
            rc = m->mw.request(&info, m->mw.userdata);
    }
    if (rc < 0 && !call->error)
        mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: %s",
                            mcp_strerror(rc));
    return rc == MCP_OK ? MCP_OK : MCP_HANDLED;
}

bool mcp__middleware_notification(mcp__session *s, const mcp__msg *m)
{
    struct mcp__middleware *mw;
    mcp_request_info_t info;
    char client[160];
    const char *version = s->ctx.version;
    const json_t *meta = json_object_get(m->params, "_meta");
    const json_t *v = json_object_get(meta, "io.modelcontextprotocol/protocolVersion");

    if (!s->srv->middleware)
        return true;
    if (json_is_string(v))
        version = json_string_value(v);
    info_fill(&info, s, m->method, m->params, version, NULL, client, sizeof client);
    for (mw = s->srv->middleware; mw; mw = mw->next)
        if (mw->mw.request && mw->mw.request(&info, mw->mw.userdata) != MCP_OK)
            return false;
    return true;
}
