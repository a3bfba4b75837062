/*
 * Tasks: the tools the tasks-* scenarios of the conformance suite (the 2026-07-28 extension
 * io.modelcontextprotocol/tasks) expect, which also show the 2025-11-25 task form (the client
 * sends `task` on tools/call). A tool flagged MCP_TOOL_TASK_OPTIONAL or _REQUIRED becomes a
 * task when its handler goes asynchronous (returns MCP_PENDING) or calls mcp_call_task_start();
 * what it completes the call with becomes the task's result.
 */
#include "everything.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sync only: a plain tool next to the task ones. */
static int greet(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)ud;
    return mcp_call_text(call, "Hello, %s!", json_string_value(json_object_get(args, "name")));
}

/* ---- slow_compute: a timer, cancellable ---------------------------------------------------- */

struct compute {
    uv_timer_t timer;
    mcp_call_t *call;
    double seconds;
    char label[64];
};

static void compute_closed(uv_handle_t *h)
{
    free(h->data);
}

static void compute_end(struct compute *c, int cancelled)
{
    if (cancelled)
        mcp_call_text(c->call, "Cancelled: %s", c->label); /* dropped by libmcp */
    else
        mcp_call_text(c->call, "Computed %s in %g s.", c->label, c->seconds);
    mcp_call_complete(c->call);
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, compute_closed);
}

static void compute_done(uv_timer_t *t)
{
    compute_end(t->data, 0);
}

static void compute_cancelled(mcp_call_t *call, void *ud)
{
    (void)call;
    compute_end(ud, 1);
}

/* Sleeps `seconds` on a timer. With the tasks extension (or a 2025 `task` request) the call
 * becomes a task as soon as the handler returns MCP_PENDING; without, it is an ordinary request
 * answered when the timer fires. tasks/cancel settles it as cancelled. */
static int slow_compute(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *label = json_string_value(json_object_get(args, "label"));
    struct compute *c = calloc(1, sizeof *c);
    (void)ud;
    if (!c)
        return MCP_ENOMEM;
    c->call = call;
    c->seconds = json_number_value(json_object_get(args, "seconds"));
    snprintf(c->label, sizeof c->label, "%s", label ? label : "job");
    uv_timer_init(mcp_server_loop(mcp_call_server(call)), &c->timer);
    c->timer.data = c;
    uv_timer_start(&c->timer, compute_done, (uint64_t)(c->seconds * 1000.0), 0);
    mcp_call_on_cancel(call, compute_cancelled, c);
    mcp_call_task_message(call, "computing"); /* MCP_ESTATE when not a task yet: fine */
    return MCP_PENDING;
}

/* ---- failures: a tool error and a protocol error --------------------------------------------- */

static void failing_done(mcp_call_t *call, void *ud)
{
    (void)ud;
    mcp_call_tool_error(call, "The job failed after 1 s, as it always does.");
    mcp_call_complete(call);
}

/* Task required: a tool error (isError), which completes a 2026-07-28 task and fails a 2025 one. */
static int failing_job(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return ev_after(call, 1000, failing_done, NULL) == MCP_OK ? MCP_PENDING : MCP_ENOMEM;
}

static void protocol_error_done(mcp_call_t *call, void *ud)
{
    (void)ud;
    mcp_call_fail_new(call, MCP_JSONRPC_INTERNAL_ERROR, json_pack("{s:s}", "reason", "simulated crash"),
                  "Internal error: the job crashed");
    mcp_call_complete(call);
}

/* A JSON-RPC error: the task ends `failed` with the error inlined. */
static int protocol_error_job(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return ev_after(call, 200, protocol_error_done, NULL) == MCP_OK ? MCP_PENDING : MCP_ENOMEM;
}

/* ---- asking from inside a task ------------------------------------------------------------------
 */

static json_t *ask_confirm(const char *message)
{
    json_t *p = ev_json("{\"requestedSchema\":{\"type\":\"object\",\"properties\":{"
                        "\"confirm\":{\"type\":\"boolean\",\"description\":\"Go ahead?\"}},"
                        "\"required\":[\"confirm\"]}}");
    json_object_set_new(p, "message", json_string(message));
    return p;
}

static int confirmed(const json_t *answer)
{
    const char *action = json_string_value(json_object_get(answer, "action"));
    return action && strcmp(action, "accept") == 0 &&
           json_is_true(json_object_get(json_object_get(answer, "content"), "confirm"));
}

static void delete_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    const char *file = ud;
    if (!ev_gather_answer(g, "confirm"))
        mcp_call_tool_error(call, "No confirmation: %s", ev_gather_failure(g, "confirm"));
    else
        mcp_call_text(call,
                      confirmed(ev_gather_answer(g, "confirm")) ? "Deleted %s (not really)."
                                                                : "Kept %s.",
                      file);
    mcp_call_complete(call);
}

/* Becomes a task first, then asks: the task shows `input_required` with the question until the
 * client answers (tasks/update in 2026-07-28, the elicitation response in 2025). */
static int confirm_delete(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *file = json_string_value(json_object_get(args, "filename"));
    char msg[300], *copy = strdup(file ? file : "");
    ev_gather *g;
    (void)ud;
    mcp_call_task_start(call); /* MCP_ESTATE when tasks are not in play: then a plain call */
    g = copy ? ev_gather_new(call, delete_done, copy, free) : NULL;
    snprintf(msg, sizeof msg, "Delete %s?", file ? file : "the file");
    ev_gather_elicit(g, "confirm", ask_confirm(msg));
    return ev_gather_end(g);
}

static void multi_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    (void)ud;
    mcp_call_text(call, "first=%s, second=%s",
                  confirmed(ev_gather_answer(g, "first")) ? "yes" : "no",
                  confirmed(ev_gather_answer(g, "second")) ? "yes" : "no");
    mcp_call_complete(call);
}

/* Two questions at once: the task waits until both are answered (one at a time is fine). */
static int multi_input(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g;
    (void)args, (void)ud;
    mcp_call_task_start(call);
    g = ev_gather_new(call, multi_done, NULL, NULL);
    ev_gather_elicit(g, "first", ask_confirm("First question: proceed?"));
    ev_gather_elicit(g, "second", ask_confirm("Second question: really proceed?"));
    return ev_gather_end(g);
}

/* ---- input first, then a task (MRTR, then CreateTaskResult) -----------------------------------
 */

static void with_task_finish(mcp_call_t *call, void *ud)
{
    mcp_call_text(call, "Hello, %s! (finished as a task)", (char *)ud);
    free(ud);
    mcp_call_complete(call);
}

static void with_task_asked(mcp_call_t *call, ev_gather *g, void *ud)
{
    const json_t *a = ev_gather_answer(g, "user_name");
    const json_t *name = json_object_get(json_object_get(a, "content"), "name");
    char *copy = strdup(json_is_string(name) ? json_string_value(name) : "stranger");
    (void)ud;
    if (!copy || ev_after(call, 300, with_task_finish, copy) != MCP_OK) {
        free(copy);
        mcp_call_fail_new(call, MCP_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: out of memory");
        mcp_call_complete(call);
        return;
    }
    mcp_call_task_start(call); /* answered: go asynchronous now */
}

/* Task required. 2026-07-28: the first round asks the name (input_required); the retry carries
 * the answer, and the call turns into a task whose result greets by that name. */
static int tool_with_task(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, with_task_asked, NULL, NULL);
    json_t *p = ev_json("{\"message\":\"What is your name?\",\"requestedSchema\":{\"type\":"
                        "\"object\",\"properties\":{\"name\":{\"type\":\"string\"}},"
                        "\"required\":[\"name\"]}}");
    (void)args, (void)ud;
    ev_gather_elicit(g, "user_name", p);
    return ev_gather_end(g);
}

static const mcp_tool_t tools[] = {
    {.name = "greet",
     .description = "Says hello (an ordinary tool, never a task)",
     .input_schema = "name: string 'Who to greet'",
     .handler = greet,
     .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT},
    {.name = "slow_compute",
     .description = "Waits `seconds`, then answers; may run as a task, and can be cancelled",
     .input_schema = "seconds: number min=0 max=3600 'How long to work', "
                     "label?: string 'A name for the job'",
     .handler = slow_compute,
     .flags = MCP_TOOL_TASK_OPTIONAL | MCP_TOOL_READ_ONLY},
    {.name = "failing_job",
     .description = "Runs only as a task and always ends with a tool error after ~1 s",
     .handler = failing_job,
     .flags = MCP_TOOL_TASK_REQUIRED},
    {.name = "protocol_error_job",
     .description = "May run as a task; ends with a JSON-RPC internal error (the task fails)",
     .handler = protocol_error_job,
     .flags = MCP_TOOL_TASK_OPTIONAL},
    {.name = "confirm_delete",
     .description = "Runs as a task that asks for a confirmation (elicitation) before "
                    "pretending to delete the file",
     .input_schema = "filename: string 'The file to delete'",
     .handler = confirm_delete,
     .flags = MCP_TOOL_TASK_OPTIONAL | MCP_TOOL_DESTRUCTIVE},
    {.name = "multi_input",
     .description = "Runs as a task that asks two questions at once",
     .handler = multi_input,
     .flags = MCP_TOOL_TASK_OPTIONAL},
    {.name = "test_tool_with_task",
     .description = "Asks a name (input_required), then finishes as a task greeting that name",
     .handler = tool_with_task,
     .flags = MCP_TOOL_TASK_REQUIRED},
};

int ev_add_tasks(mcp_server_t *srv, mcp_error_t *err)
{
    size_t i;
    int rc = MCP_OK;
    for (i = 0; rc == MCP_OK && i < sizeof tools / sizeof tools[0]; i++)
        rc = mcp_server_add_tool(srv, &tools[i], err);
    return rc;
}
