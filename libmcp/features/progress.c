/*
 * Progress: `notifications/progress` against the request's `_meta.progressToken`. Nothing is
 * sent when the client gave no token; progress must grow with each notification, so a value
 * lower than the previous one is refused. Safe from the thread that owns the call (a blocking
 * tool's pool thread included): messages from other threads are queued to the loop and always
 * go out before the call's reply.
 */
#include "features/features.h"

int mcp_call_progress(mcp_call_t *call, double progress, double total, const char *message)
{
    const json_t *token;
    json_t *params;
    if (!call)
        return MCP_EINVAL;
    token = json_object_get(call->meta, "progressToken");
    if (!token || !(json_is_string(token) || json_is_integer(token)))
        return MCP_OK; /* the client did not ask for progress */
    if (call->progress_sent && progress < call->last_progress)
        return MCP_EINVAL;
    call->progress_sent = true;
    call->last_progress = progress;
    params = json_pack("{s:O, s:f}", "progressToken", token, "progress", progress);
    if (!params)
        return MCP_ENOMEM;
    if (total > 0)
        json_object_set_new(params, "total", json_real(total));
    if (message)
        json_object_set_new(params, "message", json_string(message));
    return mcp__call_send(call, mcp__jsonrpc_notification("notifications/progress", params));
}
