/*
 * hello: the smallest useful plugin. Two stateless tools, no configuration.
 *
 *   make                                   # builds build/plugins/hello.so
 *   build/bin/mcp-host --plugin build/plugins/hello.so
 *
 * Out of tree:  cc -shared -fPIC -o hello.so hello.c $(pkg-config --cflags --libs libmcp)
 */
#include <mcp_plugin.h>

#include <string.h>

static int greet(mcp_call_t *call, const json_t *args, void *userdata)
{
    const char *who = json_string_value(json_object_get(args, "name"));
    (void)userdata;
    return mcp_call_text(call, "Hello, %s!", who);
}

/* A deliberately common name: another plugin defining `search` needs a prefix (--namespace). */
static int search(mcp_call_t *call, const json_t *args, void *userdata)
{
    static const char *const words[] = {"apple", "banana", "cherry", "date", "elderberry"};
    const char *q = json_string_value(json_object_get(args, "query"));
    size_t i, found = 0;
    (void)userdata;
    for (i = 0; i < sizeof words / sizeof *words; i++)
        if (strstr(words[i], q)) {
            mcp_call_text(call, "%s", words[i]);
            found++;
        }
    if (!found)
        return mcp_call_text(call, "no fruit matches '%s'", q);
    return MCP_OK;
}

static int init(mcp_plugin_ctx_t *ctx, const json_t *config, void **state)
{
    int rc;
    (void)config;
    (void)state;
    rc = mcp_plugin_add_tool(
        ctx,
        &(mcp_tool_t){
            .name = "greet",
            .description = "Say hello to someone",
            .input_schema = "name: string 'Who to greet'",
            .handler = greet,
            .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT | MCP_TOOL_CLOSED_WORLD,
        },
        NULL);
    if (rc != MCP_OK)
        return rc;
    return mcp_plugin_add_tool(
        ctx,
        &(mcp_tool_t){
            .name = "search",
            .description = "Find fruit names containing a substring (one text block per match)",
            .input_schema = "query: string 'Substring to look for'",
            .handler = search,
            .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT | MCP_TOOL_CLOSED_WORLD,
        },
        NULL);
}

MCP_PLUGIN("hello", "1.0.0", "Greets people and searches a fixed list of fruit", init, NULL)
