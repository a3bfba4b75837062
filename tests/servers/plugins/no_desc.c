/* Test plugin: a shared object without a plugin descriptor. */
#include <mcp_plugin.h>

MCP_PLUGIN_EXPORT int not_a_plugin(void);
int not_a_plugin(void)
{
    return 42;
}
