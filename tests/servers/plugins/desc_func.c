/* Test plugin: exports mcp_plugin_descriptor as a function, not a descriptor. mcp-host must
 * refuse it without reading the function's code as data. */
#include <mcp_plugin.h>

MCP_PLUGIN_EXPORT int mcp_plugin_descriptor(void);
int mcp_plugin_descriptor(void)
{
    return 42;
}
