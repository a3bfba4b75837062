/* Test plugin: a descriptor from a future plugin ABI. mcp-host must refuse it before init. */
#include <mcp_plugin.h>

static int init(mcp_plugin_ctx_t *ctx, const json_t *config, void **state)
{
    (void)ctx;
    (void)config;
    (void)state;
    return MCP_OK;
}

MCP_PLUGIN_EXPORT extern const mcp_plugin_desc_t mcp_plugin_descriptor;
const mcp_plugin_desc_t mcp_plugin_descriptor = {
    MCP_PLUGIN_ABI_VERSION + 98, MCP_VERSION_HEX, "bad_abi", "1.0.0", "wrong ABI", init, NULL};
