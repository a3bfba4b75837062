/*
 * http_server: a small MCP server to host over HTTP (and the fixture of tests/http/).
 *
 *   build/examples/http_server --http 127.0.0.1:8080           Streamable HTTP at /mcp
 *   build/examples/http_server --http 8080 --sse 8081          plus legacy HTTP+SSE at :8081/sse
 *   build/examples/http_server --http 0 --stateless            any free port, no sessions
 *
 * Tools: echo {message}, add {a, b}, slow {ms?, steps?} (reports progress and logs while it
 * waits on a libuv timer, then answers), ask {question} (asks the user through the client:
 * elicitation), fail (a tool error). Resources: info://server (static)
 * and greeting://{name} (template). Prompt: greet {name}.
 */
/* libuv's header needs POSIX types: under plain -std=c11 ask for them before any #include. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <mcp.h>
#include <uv.h>

#include <stdio.h>
#include <stdlib.h>

static int echo(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *m = json_string_value(json_object_get(args, "message"));
    (void)ud;
    return mcp_call_text(call, "%s", m ? m : "");
}

static int add(mcp_call_t *call, const json_t *args, void *ud)
{
    double a = json_number_value(json_object_get(args, "a"));
    double b = json_number_value(json_object_get(args, "b"));
    (void)ud;
    return mcp_call_text(call, "%g", a + b);
}

static int fail(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_tool_error(call, "this tool always fails");
}

/* slow: a pending call finished from a timer, with progress on the way. */
typedef struct slow_job {
    uv_timer_t timer;
    mcp_call_t *call;
    int step, steps;
} slow_job;

static void slow_closed(uv_handle_t *h)
{
    free(h->data);
}

static void slow_tick(uv_timer_t *t)
{
    slow_job *j = t->data;
    j->step++;
    if (j->step < j->steps && !mcp_call_is_cancelled(j->call)) {
        mcp_call_progress(j->call, j->step, j->steps, "working");
        mcp_call_log(j->call, MCP_LOG_INFO, "slow", "step %d of %d", j->step, j->steps);
        return;
    }
    uv_timer_stop(t);
    mcp_call_text(j->call, "done after %d steps", j->step);
    mcp_call_complete(j->call);
    uv_close((uv_handle_t *)t, slow_closed);
}

static int slow(mcp_call_t *call, const json_t *args, void *ud)
{
    json_int_t ms = json_integer_value(json_object_get(args, "ms"));
    json_int_t steps = json_integer_value(json_object_get(args, "steps"));
    slow_job *j = calloc(1, sizeof *j);
    (void)ud;
    if (!j)
        return MCP_ENOMEM;
    if (ms <= 0 || ms > 60000)
        ms = 200;
    if (steps <= 0 || steps > 1000)
        steps = 3;
    j->call = call;
    j->steps = (int)steps;
    j->timer.data = j;
    uv_timer_init(mcp_server_loop(mcp_call_server(call)), &j->timer);
    uv_timer_start(&j->timer, slow_tick, (uint64_t)(ms / steps), (uint64_t)(ms / steps));
    mcp_call_progress(call, 0, (double)steps, "started");
    return MCP_PENDING;
}

/* ask: elicitation/create, answered from the client's reply. */
static void asked(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    const char *action = json_string_value(json_object_get(result, "action"));
    const char *name = json_string_value(json_object_get(json_object_get(result, "content"), "name"));
    (void)ud;
    if (status == MCP_ERETRY)
        return; /* 2026-07-28: the client retries the request with the answer */
    if (status != MCP_OK)
        mcp_call_tool_error(call, "no answer: %s", mcp_strerror(status));
    else
        mcp_call_text(call, "%s: %s", action ? action : "?", name ? name : "");
    mcp_call_complete(call);
}

static int ask(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *q = json_string_value(json_object_get(args, "question"));
    int rc;
    (void)ud;
    rc = mcp_call_elicit_new(call, json_pack("{s:s, s:{s:s, s:{s:{s:s}}, s:[s]}}", "message", q ? q : "?",
                                         "requestedSchema", "type", "object", "properties", "name",
                                         "type", "string", "required", "name"),
                         asked, NULL);
    if (rc != MCP_OK)
        return mcp_call_tool_error(call, "cannot ask the client: %s", mcp_strerror(rc));
    return MCP_PENDING;
}

static int greeting(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    const char *name = json_string_value(json_object_get(vars, "name"));
    (void)ud;
    return mcp_call_resource_text(call, uri, "text/plain", name ? name : "nobody");
}

static int greet(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *name = json_string_value(json_object_get(args, "name"));
    (void)ud;
    return mcp_call_prompt_text(call, "user", "Say hello to %s.", name ? name : "someone");
}

int main(int argc, char **argv)
{
    mcp_server_t *srv = mcp_server_new("http-example", "1.0.0");
    mcp_error_t err;
    if (!srv)
        return 1;
    if (mcp_server_add_tool(srv, &(mcp_tool_t){
            .name = "echo", .description = "Echo the message back",
            .input_schema = "message: string 'Text to echo'", .handler = echo}, &err) ||
        mcp_server_add_tool(srv, &(mcp_tool_t){
            .name = "add", .description = "Add two numbers",
            .input_schema = "a: number 'First', b: number 'Second'", .handler = add}, &err) ||
        mcp_server_add_tool(srv, &(mcp_tool_t){
            .name = "slow", .description = "Wait, reporting progress, then answer",
            .input_schema = "ms?: integer min=1 'Total time', steps?: integer min=1 'Steps'",
            .handler = slow}, &err) ||
        mcp_server_add_tool(srv, &(mcp_tool_t){
            .name = "ask", .description = "Ask the user a question (elicitation)",
            .input_schema = "question: string 'What to ask'", .handler = ask}, &err) ||
        mcp_server_add_tool(srv, &(mcp_tool_t){
            .name = "fail", .description = "Always fails (a tool error)", .handler = fail},
                            &err) ||
        mcp_server_add_resource(srv, &(mcp_resource_t){
            .uri = "info://server", .name = "info", .description = "About this server",
            .mime_type = "text/plain", .text = "libmcp HTTP example"}, &err) ||
        mcp_server_add_resource(srv, &(mcp_resource_t){
            .uri_template = "greeting://{name}", .name = "greeting",
            .description = "A greeting for {name}", .mime_type = "text/plain",
            .handler = greeting}, &err) ||
        mcp_server_add_prompt(srv, &(mcp_prompt_t){
            .name = "greet", .description = "Greet someone",
            .arguments = "name 'Who to greet'", .handler = greet}, &err)) {
        fprintf(stderr, "http_server: %s\n", err.text);
        mcp_server_free(srv);
        return 1;
    }
    return mcp_server_main(srv, argc, argv);
}
