/*
 * inmem_bench — tool calls per second through the in-memory client (include/mcp_client.h):
 * a libmcp server with the quickstart's `add` tool and a client connected to it in the same
 * process, no sockets. Two shapes, in each protocol era:
 *   sequential: one call at a time, the next sent from the previous one's callback;
 *   pipelined:  WINDOW calls kept in flight.
 * Every message still crosses as JSON text through the server's reader, schema validation and
 * dispatch, and the client's reader.
 *
 * usage: inmem_bench [CALLS]   (default 200000). Prints one line per shape and era.
 */
#include <mcp_client.h>
#include <uv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 64

static int add(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)ud;
    return mcp_call_text(call, "%g",
                         json_number_value(json_object_get(args, "a")) +
                             json_number_value(json_object_get(args, "b")));
}

typedef struct run {
    mcp_client_t *c;
    long total, sent, done, failed;
    volatile int finished;
} run;

static void on_result(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud);

static void send_one(run *r)
{
    if (r->sent >= r->total)
        return;
    r->sent++;
    if (mcp_client_call_tool_new(r->c, "add", json_pack("{sisi}", "a", 2, "b", 3), NULL, on_result,
                                 r, NULL) != MCP_OK) {
        r->failed++;
        r->done++;
    }
}

static void on_result(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    run *r = ud;
    const char *text = o->status == MCP_OK ? mcp_client_result_text(o->result) : NULL;
    (void)c;
    if (!text || strcmp(text, "5") != 0)
        r->failed++;
    if (++r->done == r->total)
        r->finished = 1;
    else
        send_one(r);
}

static int bench(const char *protocol, const char *label, long calls, int window)
{
    mcp_server_t *srv = mcp_server_new("bench", "1.0");
    mcp_client_t *c = mcp_client_new(NULL, "inmem_bench", "1.0");
    run r;
    uint64_t t0, t1;
    int i;
    mcp_server_add_tool(srv,
                        &(mcp_tool_t){.name = "add",
                                      .input_schema = "a: number, b: number",
                                      .handler = add},
                        NULL);
    mcp_server_set_limit(srv, MCP_LIMIT_LOG_RATE, 1000000);
    if (mcp_client_connect_server(c, srv) != MCP_OK)
        return 1;
    if (protocol)
        mcp_client_set_protocol(c, protocol);
    if (mcp_client_initialize_sync(c, NULL, NULL) != MCP_OK)
        return 1;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.total = calls;
    t0 = uv_hrtime();
    for (i = 0; i < window; i++)
        send_one(&r);
    mcp_client_run_until(c, &r.finished, 600000);
    t1 = uv_hrtime();
    printf("%-10s %-10s window %-3d %8ld calls  %9.0f calls/s  %6.2f us/call  failed %ld\n",
           mcp_client_protocol(c), label, window, r.done, (double)r.done * 1e9 / (double)(t1 - t0),
           (double)(t1 - t0) / 1e3 / (double)r.done, r.failed);
    mcp_client_free(c);
    mcp_server_free(srv);
    return r.failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 200000;
    int rc = 0;
    if (calls <= 0)
        calls = 200000;
    rc |= bench(MCP_PROTOCOL_2025_11_25, "sequential", calls, 1);
    rc |= bench(MCP_PROTOCOL_2025_11_25, "pipelined", calls, WINDOW);
    rc |= bench(NULL, "sequential", calls, 1);
    rc |= bench(NULL, "pipelined", calls, WINDOW);
    return rc;
}
