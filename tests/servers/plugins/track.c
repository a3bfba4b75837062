/* Test plugin: appends "init <name>" / "shutdown <name>" to the file named by its config
 * ("log"), so a test can see that a plugin loaded before a failing one is shut down again. With
 * "dup": true it also registers `greet` (hello's tool) and ignores the failure. */
#include <mcp_plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void note(const char *path, const char *what)
{
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "%s\n", what);
        fclose(f);
    }
}

static int tracked(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    return mcp_call_text(call, "tracked by %s", (const char *)ud ? "track" : "?");
}

static void shutdown_track(void *state)
{
    note(state, "shutdown");
    free(state);
}

static int init(mcp_plugin_ctx_t *ctx, const json_t *config, void **state)
{
    const char *log = json_string_value(json_object_get(config, "log"));
    char *copy = log ? strdup(log) : NULL;
    int rc;
    note(copy, "init");
    *state = copy;
    rc = mcp_plugin_add_tool(
        ctx, &(mcp_tool_t){.name = "tracked", .handler = tracked, .userdata = copy}, NULL);
    if (rc != MCP_OK) {
        free(copy);
        *state = NULL;
        return rc;
    }
    if (json_is_true(json_object_get(config, "dup")))
        (void)mcp_plugin_add_tool(ctx, &(mcp_tool_t){.name = "greet", .handler = tracked}, NULL);
    return MCP_OK;
}

MCP_PLUGIN("track", "1.0.0", "records its lifecycle", init, shutdown_track)
