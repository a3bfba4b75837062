/* Test plugin: registers a tool, then fails its init. Nothing of it may remain. */
#include <mcp_plugin.h>

static int noop(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_text(call, "never");
}

static int init(mcp_plugin_ctx_t *ctx, const json_t *config, void **state)
{
    (void)config;
    (void)state;
    mcp_plugin_add_tool(ctx, &(mcp_tool_t){.name = "half_loaded", .handler = noop}, NULL);
    return mcp_plugin_fail(ctx, MCP_EINVAL, "database 'x' is unreachable");
}

MCP_PLUGIN("fail_init", "1.0.0", "fails on purpose", init, NULL)
