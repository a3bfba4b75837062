/*
 * Completion: `completion/complete` suggests values for a prompt argument (ref/prompt) or a
 * resource-template variable (ref/resource), with the other arguments chosen so far in
 * `context.arguments` (2025-06-18+). The capability `completions` is declared whenever the
 * server has a prompt or a template; one without a completion function answers with no values.
 */
#include "features/features.h"

#define MAX_VALUES 100

/* The result is {"completion":{"values":[...],"total"?:n,"hasMore"?:b}}; `content` points at
 * the values array. */
static int completion_finish(mcp_call_t *call)
{
    json_t *c = json_object_get(call->result, "completion");
    json_t *values = json_object_get(c, "values");
    if (json_array_size(values) > MAX_VALUES) {
        size_t n = json_array_size(values);
        while (json_array_size(values) > MAX_VALUES)
            json_array_remove(values, MAX_VALUES);
        if (!json_object_get(c, "total"))
            json_object_set_new(c, "total", json_integer((json_int_t)n));
        json_object_set_new(c, "hasMore", json_true());
    }
    return MCP_OK;
}

int mcp_call_add_completion(mcp_call_t *call, const char *value)
{
    json_t *v;
    if (!call || !value || call->builds != MCP__BUILDS_COMPLETION || !call->content)
        return MCP_EINVAL;
    v = json_string(value);
    if (!v)
        return MCP_EINVAL;
    return json_array_append_new(call->content, v) == 0 ? MCP_OK : MCP_ENOMEM;
}

int mcp_call_set_completion_total(mcp_call_t *call, long long total, int has_more)
{
    json_t *c;
    if (!call || call->builds != MCP__BUILDS_COMPLETION)
        return MCP_EINVAL;
    c = json_object_get(call->result, "completion");
    if (total >= 0)
        json_object_set_new(c, "total", json_integer(total));
    json_object_set_new(c, "hasMore", json_boolean(has_more));
    return MCP_OK;
}

int mcp__completion_complete(mcp_call_t *call)
{
    const json_t *ref = json_object_get(call->params, "ref");
    const json_t *arg = json_object_get(call->params, "argument");
    const json_t *ctx = json_object_get(json_object_get(call->params, "context"), "arguments");
    const char *type = json_string_value(json_object_get(ref, "type"));
    const json_t *aname = json_object_get(arg, "name"), *avalue = json_object_get(arg, "value");
    mcp__item *it = NULL;
    json_t *completion;

    if (!type || !json_is_string(aname) || !json_is_string(avalue) ||
        (ctx && !json_is_object(ctx))) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: expected ref {type, name|uri}, argument {name, value} "
                            "and optional context {arguments}");
        return MCP_OK;
    }
    if (strcmp(type, "ref/prompt") == 0) {
        it = mcp__registry_get(&call->srv->reg, MCP__PROMPT,
                               json_string_value(json_object_get(ref, "name")));
        if (it && !mcp__item_visible(&call->srv->reg, it, call->sess))
            it = NULL;
        if (!it) {
            mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL, "Unknown prompt: %s",
                                json_string_value(json_object_get(ref, "name")));
            return MCP_OK;
        }
    } else if (strcmp(type, "ref/resource") == 0) {
        it = mcp__registry_get(&call->srv->reg, MCP__TEMPLATE,
                               json_string_value(json_object_get(ref, "uri")));
        if (it && !mcp__item_visible(&call->srv->reg, it, call->sess))
            it = NULL;
        if (!it) {
            mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                                "Unknown resource template: %s",
                                json_string_value(json_object_get(ref, "uri")));
            return MCP_OK;
        }
    } else {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: unknown ref type '%s'", type);
        return MCP_OK;
    }
    if (mcp__call_forbid(call, it, it->kind == MCP__PROMPT ? "prompt" : "resource template"))
        return MCP_OK; /* completing what one may not use would reveal it: 403 on HTTP */
    completion = json_object();
    call->content = json_array();
    json_object_set_new(completion, "values", call->content);
    json_object_set_new(call->result, "completion", completion);
    call->builds = MCP__BUILDS_COMPLETION; /* only the completion builders apply */
    call->finish = completion_finish;
    call->item = mcp__item_ref(it);
    if (!it->complete) {
        mcp_call_set_completion_total(call, 0, 0);
        return MCP_OK;
    }
    if (!ctx)
        ctx = call->vars = json_object(); /* owned by the call */
    return it->complete(call, json_string_value(aname), json_string_value(avalue), ctx,
                        it->userdata);
}
