/* Test plugin: exports mcp_plugin_descriptor as a 4-byte object, smaller than a descriptor.
 * mcp-host must refuse it without reading past the object. */
#include <mcp_plugin.h>

MCP_PLUGIN_EXPORT extern const int mcp_plugin_descriptor;
const int mcp_plugin_descriptor = 1;
