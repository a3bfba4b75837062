/* middleware — a server wrapped in middleware: a structured request log with timings (JSON lines
 * on stderr), per-client rate limiting, and a middleware of its own that answers some requests
 * itself (a maintenance switch).
 *
 * Run: build/examples/middleware [--http 127.0.0.1:8080]
 * RATE_LIMIT="N,B" sets the limit: N requests per second per client, bursts of B (default 20,40).
 * MAINTENANCE=1 makes every tools/call answer "under maintenance" without running the tool. */
#include <mcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(mcp_call_t *call, const json_t *args, void *userdata) {
    (void)userdata;
    return mcp_call_text(call, "%g", mcp_arg_number(args, "a", 0) + mcp_arg_number(args, "b", 0));
}

/* A middleware of one's own: while in maintenance, tools/call is answered here with a tool
 * result (isError, so the model knows), and the tool never runs. */
static int maintenance(const mcp_request_info_t *req, void *userdata) {
    (void)userdata;
    if (!req->call || strcmp(req->method, "tools/call") != 0)
        return MCP_OK;
    json_t *result = mcp_call_result(req->call);
    json_object_set_new(result, "content",
                        json_pack("[{s:s, s:s}]", "type", "text", "text",
                                  "The server is under maintenance; try again later."));
    json_object_set_new(result, "isError", json_true());
    return MCP_HANDLED;
}

int main(int argc, char **argv) {
    mcp_server_t *srv = mcp_server_new("middleware-demo", "1.0.0");
    double rate = 20;
    unsigned burst = 40;
    const char *limit = getenv("RATE_LIMIT");
    const char *maint = getenv("MAINTENANCE");
    if (!srv) return 1;
    if (limit && sscanf(limit, "%lf,%u", &rate, &burst) != 2) {
        fprintf(stderr, "middleware: RATE_LIMIT must be \"N,B\"\n");
        mcp_server_free(srv);
        return 2;
    }
    /* Registration order is the order requests pass through: the log is outermost, so it also
     * times and records what the rate limiter refuses. */
    int rc = mcp_server_use_request_log(srv, stderr, 1);
    if (rc == MCP_OK)
        rc = mcp_server_use_rate_limit(srv, rate, burst);
    if (rc == MCP_OK && maint && strcmp(maint, "1") == 0)
        rc = mcp_server_use(srv, &(mcp_middleware_t){.name = "maintenance", .request = maintenance});
    if (rc == MCP_OK)
        rc = mcp_server_add_tool(srv, &(mcp_tool_t){
            .name = "add", .description = "Add two numbers",
            .input_schema = "a: number, b: number", .handler = add}, NULL);
    if (rc != MCP_OK) {
        fprintf(stderr, "middleware: %s\n", mcp_strerror(rc));
        mcp_server_free(srv);
        return 1;
    }
    return mcp_server_main(srv, argc, argv);
}
