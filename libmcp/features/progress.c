/*
 * Progress: `notifications/progress` against the request's `_meta.progressToken`. Nothing is
 * sent when the client gave no token; progress must grow with each notification, so a value
 * lower than the previous one is refused. Safe from the thread that owns the call (a blocking
 * tool's pool thread included): messages from other threads are queued to the loop and always
 * go out before the call's reply.
 */
#include "features/features.h"

/* Hung on the call by its first report (call->progress); freed with the call. */
struct mcp__progress {
    double last; /* the progress last sent: the next may not be lower */
};

int mcp_call_progress(mcp_call_t *call, double progress, double total, const char *message)
{
    const json_t *token;
    json_t *params;
    if (!call)
        return MCP_EINVAL;
    token = json_object_get(call->meta, "progressToken");
    if (!token || !(json_is_string(token) || json_is_integer(token)))
        return MCP_OK; /* the client did not ask for progress */
    if (call->progress && progress < call->progress->last)
        return MCP_EINVAL;
    if (!call->progress && !(call->progress = malloc(sizeof *call->progress)))
        return MCP_ENOMEM;
    call->progress->last = progress;
    params = json_pack("{s:O, s:f}", "progressToken", token, "progress", progress);
    if (!params)
        return MCP_ENOMEM;
    if (total > 0)
        json_object_set_new(params, "total", json_real(total));
    if (message)
        json_object_set_new(params, "message", json_string(message));
    return mcp__call_send(call, mcp__jsonrpc_notification("notifications/progress", params));
}
