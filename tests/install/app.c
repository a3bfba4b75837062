/*
 * An out-of-tree program built only from an installed libmcp (tests/install/run.sh compiles it
 * with `pkg-config --cflags --libs libmcp` against a DESTDIR install).
 */
#include <mcp.h>
#include <mcp_plugin.h> /* installed too; including it checks it compiles on its own */

static int add(mcp_call_t *call, const json_t *args, void *userdata)
{
    (void)userdata;
    return mcp_call_text(call, "%g",
                         json_number_value(json_object_get(args, "a")) +
                             json_number_value(json_object_get(args, "b")));
}

int main(int argc, char **argv)
{
    mcp_server_t *srv = mcp_server_new("installed-app", "1.0.0");
    if (!srv || mcp_server_add_tool(srv,
                                    &(mcp_tool_t){.name = "add",
                                                  .description = "a + b",
                                                  .input_schema = "a: number, b: number",
                                                  .handler = add},
                                    NULL) != MCP_OK)
        return 1;
    return mcp_server_main(srv, argc, argv);
}
