/*
 * Tasks through the core, with an in-memory transport: the 2025-11-25 form (task-augmented
 * tools/call, tasks/get, tasks/result, tasks/list, tasks/cancel, notifications/tasks/status,
 * related-task _meta, questions through tasks/result) and the 2026-07-28 extension
 * io.modelcontextprotocol/tasks (server-directed creation, tasks/get with the outcome inlined,
 * tasks/update, ack-only tasks/cancel, -32021 gating, MRTR then task), plus TTL expiry, session
 * scoping, stop and free with tasks running.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <cmocka.h>

#include "harness.h" /* the in-memory transport */

#define EXT     "io.modelcontextprotocol/tasks"
#define RELATED "io.modelcontextprotocol/related-task"

/* ---- tools ----------------------------------------------------------------------------------- */

static mcp_call_t *pending; /* the last call a pending tool left open */
static int cancels;
static char names[128];
static int answers_left;

static void on_cancel(mcp_call_t *call, void *ud)
{
    (void)ud;
    cancels++;
    if (pending == call)
        pending = NULL;
    mcp_call_complete(call);
}

/* Goes asynchronous; the test completes it (finish_pending). Reports progress first. */
static int tool_slow(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    mcp_call_progress(call, 1, 10, "started");
    mcp_call_log(call, MCP_LOG_INFO, "slow", "working");
    pending = call;
    mcp_call_on_cancel(call, on_cancel, NULL);
    return MCP_PENDING;
}

static int tool_instant(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_text(call, "instant");
}

static void on_answer(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    (void)ud;
    if (status == MCP_ERETRY)
        return;
    if (status == MCP_OK) {
        const char *n =
            json_string_value(json_object_get(json_object_get(result, "content"), "name"));
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", len ? "+" : "", n ? n : "?");
    } else {
        snprintf(names, sizeof names, "(%s)", mcp_err_name(status));
    }
    if (--answers_left > 0)
        return;
    if (status == MCP_OK)
        mcp_call_text(call, "answer: %s", names);
    else
        mcp_call_tool_error(call, "no answer %s", names);
    mcp_call_complete(call);
}

static json_t *question(const char *text)
{
    return json_pack("{s:s, s:{s:s, s:{s:{s:s}}}}", "message", text, "requestedSchema", "type",
                     "object", "properties", "name", "type", "string");
}

/* Asks once (ud == NULL) or twice at once (ud != NULL); in 2026 it becomes a task first, so
 * that the questions are answered through tasks/update. */
static int tool_ask(mcp_call_t *call, const json_t *args, void *ud)
{
    int n = ud ? 2 : 1, i, rc;
    (void)args;
    mcp_call_task_start(call); /* 2025: already a task (MCP_OK); without a task: MCP_ESTATE */
    names[0] = '\0';
    answers_left = n;
    for (i = 0; i < n; i++) {
        rc = mcp_call_elicit_new(call, question(i ? "Second?" : "First?"), on_answer, NULL);
        if (rc != MCP_OK) {
            mcp_call_tool_error(call, "cannot ask: %s", mcp_err_name(rc));
            return MCP_OK;
        }
    }
    return MCP_PENDING;
}

/* Gathers a name through input_required (MRTR), then goes on as a task. */
static void on_mrtr_answer(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    (void)ud;
    if (status == MCP_ERETRY)
        return; /* round 1 ends as input_required */
    if (status != MCP_OK) {
        mcp_call_tool_error(call, "no answer");
        mcp_call_complete(call);
        return;
    }
    snprintf(names, sizeof names, "%s",
             json_string_value(json_object_get(json_object_get(result, "content"), "name")));
    assert_int_equal(mcp_call_task_start(call), MCP_OK);
    assert_non_null(mcp_call_task_id(call));
    pending = call;
}

static int tool_mrtr_then_task(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    if (mcp_call_elicit_new(call, question("Your name?"), on_mrtr_answer, NULL) != MCP_OK) {
        mcp_call_tool_error(call, "cannot ask");
        return MCP_OK;
    }
    return MCP_PENDING;
}

static int tool_blocking(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    nanosleep(&(struct timespec){0, 20000000}, NULL);
    return mcp_call_text(call, "blocked %s", mcp_call_task_id(call) ? "as a task" : "plainly");
}

static void add(fixture *f, const char *name, mcp_tool_fn fn, unsigned flags, void *ud)
{
    assert_int_equal(mcp_server_add_tool(
                         f->srv,
                         &(mcp_tool_t){.name = name, .handler = fn, .flags = flags, .userdata = ud},
                         NULL),
                     MCP_OK);
}

static int setup(void **state)
{
    fixture *f = harness_new(true);
    static int two = 2;
    pending = NULL;
    cancels = 0;
    names[0] = '\0';
    add(f, "slow", tool_slow, MCP_TOOL_TASK_OPTIONAL, NULL);
    add(f, "must", tool_slow, MCP_TOOL_TASK_REQUIRED, NULL);
    add(f, "plain", tool_slow, 0, NULL);
    add(f, "instant", tool_instant, MCP_TOOL_TASK_OPTIONAL, NULL);
    add(f, "ask", tool_ask, MCP_TOOL_TASK_OPTIONAL, NULL);
    add(f, "ask2", tool_ask, MCP_TOOL_TASK_OPTIONAL, &two);
    add(f, "gather", tool_mrtr_then_task, MCP_TOOL_TASK_REQUIRED, NULL);
    add(f, "block", tool_blocking, MCP_TOOL_TASK_OPTIONAL | MCP_TOOL_BLOCKING, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    harness_free(*state);
    return 0;
}

/* ---- helpers --------------------------------------------------------------------------------- */

static void sendf(fixture *f, mcp__session *s, const char *fmt, ...) MCP_PRINTF(3, 4);

static void sendf(fixture *f, mcp__session *s, const char *fmt, ...)
{
    char text[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    mcp__server_receive(s ? s : f->sess, text, strlen(text));
}

#define META26(caps)                                                         \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
    "\"io.modelcontextprotocol/clientCapabilities\":" caps "}"
#define WITH_EXT "{\"elicitation\":{},\"extensions\":{\"" EXT "\":{}}}"

/* The reply to request `id` (the last one sent), or NULL. */
static json_t *reply_for(fixture *f, json_int_t id)
{
    size_t i = json_array_size(f->cap.sent);
    while (i-- > 0) {
        json_t *m = json_array_get(f->cap.sent, i);
        json_t *mid = json_object_get(m, "id");
        if (json_is_integer(mid) && json_integer_value(mid) == id && !json_object_get(m, "method"))
            return m;
    }
    return NULL;
}

static json_t *result_of(fixture *f, json_int_t id)
{
    json_t *r = reply_for(f, id);
    assert_non_null(r);
    assert_null(json_object_get(r, "error"));
    return json_object_get(r, "result");
}

static json_int_t error_of(fixture *f, json_int_t id)
{
    json_t *r = reply_for(f, id);
    assert_non_null(r);
    assert_non_null(json_object_get(r, "error"));
    return json_integer_value(json_object_get(json_object_get(r, "error"), "code"));
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The last message with `method` sent at or after `from`, or NULL. */
static json_t *last_method(fixture *f, size_t from, const char *method)
{
    size_t i = json_array_size(f->cap.sent);
    while (i-- > from) {
        json_t *m = json_array_get(f->cap.sent, i);
        if (str(m, "method") && strcmp(str(m, "method"), method) == 0)
            return m;
    }
    return NULL;
}

static void init(fixture *f, mcp__session *s, const char *version, const char *caps)
{
    sendf(f, s,
          "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
          "\"protocolVersion\":\"%s\",\"capabilities\":%s,\"clientInfo\":{\"name\":\"c\","
          "\"version\":\"1\"}}}",
          version, caps);
    sendf(f, s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
}

static const char *related_task(const json_t *obj)
{
    return str(json_object_get(json_object_get(obj, "_meta"), RELATED), "taskId");
}

/* Finish the pending call: "ok" text, a tool error, or a protocol error. */
static void finish_pending(const char *how)
{
    mcp_call_t *call = pending;
    assert_non_null(call);
    pending = NULL;
    mcp_call_on_cancel(call, NULL, NULL);
    if (strcmp(how, "ok") == 0)
        mcp_call_text(call, "done%s%s", names[0] ? " " : "", names);
    else if (strcmp(how, "tool") == 0)
        mcp_call_tool_error(call, "it broke");
    else
        mcp_call_fail_new(call, MCP_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: exploded");
    mcp_call_complete(call);
}

/* ---- 2025-11-25 ------------------------------------------------------------------------------ */

static void test_v1_capabilities_and_defs(void **state)
{
    fixture *f = *state;
    json_t *caps, *tools, *t;
    size_t i;
    const char *support[3] = {NULL, NULL, NULL};
    init(f, NULL, "2025-11-25", "{}");
    caps = json_object_get(result_of(f, 0), "capabilities");
    assert_non_null(json_object_get(json_object_get(caps, "tasks"), "list"));
    assert_non_null(json_object_get(json_object_get(caps, "tasks"), "cancel"));
    assert_non_null(json_object_get(
        json_object_get(json_object_get(json_object_get(caps, "tasks"), "requests"), "tools"),
        "call"));
    assert_null(json_object_get(caps, "extensions"));
    sendf(f, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    tools = json_object_get(result_of(f, 1), "tools");
    json_array_foreach(tools, i, t)
    {
        const char *s = str(json_object_get(t, "execution"), "taskSupport");
        if (strcmp(str(t, "name"), "slow") == 0)
            support[0] = s;
        else if (strcmp(str(t, "name"), "must") == 0)
            support[1] = s;
        else if (strcmp(str(t, "name"), "plain") == 0)
            support[2] = s ? s : "absent";
    }
    assert_string_equal(support[0], "optional");
    assert_string_equal(support[1], "required");
    assert_string_equal(support[2], "absent");
    /* an older session revision has no tasks: the capability is absent, `task` is ignored */
    {
        capture c2 = {json_array(), 0, 0};
        mcp__session *s2 = mcp__session_new(f->srv, &cap_ops, &c2);
        json_t *r;
        init(f, s2, "2025-06-18", "{}");
        r = json_object_get(json_array_get(c2.sent, 0), "result");
        assert_string_equal(str(r, "protocolVersion"), "2025-06-18");
        assert_null(json_object_get(json_object_get(r, "capabilities"), "tasks"));
        sendf(f, s2,
              "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
              "\"name\":\"instant\",\"task\":{\"ttl\":1000}}}");
        r = json_object_get(json_array_get(c2.sent, json_array_size(c2.sent) - 1), "result");
        assert_string_equal(str(json_array_get(json_object_get(r, "content"), 0), "text"),
                            "instant");
        sendf(f, s2,
              "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/get\",\"params\":{"
              "\"taskId\":\"x\"}}");
        r = json_object_get(json_array_get(c2.sent, json_array_size(c2.sent) - 1), "error");
        assert_int_equal(json_integer_value(json_object_get(r, "code")), -32601);
        mcp__server_session_end(s2);
        mcp__session_unref(s2);
        json_decref(c2.sent);
    }
}

static void test_v1_lifecycle(void **state)
{
    fixture *f = *state;
    json_t *task, *r, *n;
    char id[64];
    size_t before;
    init(f, NULL, "2025-11-25", "{}");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"task\":{\"ttl\":60000},\"_meta\":{\"progressToken\":\"tok\"}}}");
    task = json_object_get(result_of(f, 1), "task");
    assert_non_null(task);
    assert_null(json_object_get(result_of(f, 1), "content"));
    snprintf(id, sizeof id, "%s", str(task, "taskId"));
    assert_int_equal(strlen(id), 32);
    assert_string_equal(str(task, "status"), "working");
    assert_int_equal(json_integer_value(json_object_get(task, "ttl")), 60000);
    assert_true(json_is_integer(json_object_get(task, "pollInterval")));
    assert_non_null(str(task, "createdAt"));
    assert_non_null(str(task, "lastUpdatedAt"));
    assert_int_equal(f->cap.begun, f->cap.ended + 0); /* the request ended at once */
    /* the handler's progress and log come with the related-task _meta, token unchanged */
    n = last_method(f, 0, "notifications/progress");
    assert_non_null(n);
    assert_string_equal(str(json_object_get(n, "params"), "progressToken"), "tok");
    assert_string_equal(related_task(json_object_get(n, "params")), id);
    assert_string_equal(
        related_task(json_object_get(last_method(f, 0, "notifications/message"), "params")), id);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"}}",
          id);
    r = result_of(f, 2);
    assert_string_equal(str(r, "taskId"), id);
    assert_string_equal(str(r, "status"), "working");
    assert_null(related_task(r));
    sendf(f, NULL, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/list\"}");
    assert_int_equal(json_array_size(json_object_get(result_of(f, 3), "tasks")), 1);
    /* progress stays valid for the task's lifetime */
    assert_int_equal(mcp_call_progress(pending, 5, 10, NULL), MCP_OK);
    assert_int_equal(mcp_call_task_message(pending, "half way"), MCP_OK);
    n = last_method(f, 0, "notifications/tasks/status");
    assert_string_equal(str(json_object_get(n, "params"), "statusMessage"), "half way");
    /* logs follow the session's level of the moment */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"logging/setLevel\",\"params\":{"
          "\"level\":\"debug\"}}");
    before = json_array_size(f->cap.sent);
    mcp_call_log(pending, MCP_LOG_DEBUG, "slow", "detail");
    assert_int_equal(count_method(f, before, "notifications/message"), 1);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":21,\"method\":\"logging/setLevel\",\"params\":{"
          "\"level\":\"error\"}}");
    before = json_array_size(f->cap.sent);
    mcp_call_log(pending, MCP_LOG_WARNING, "slow", "filtered");
    assert_int_equal(count_method(f, before, "notifications/message"), 0);
    before = json_array_size(f->cap.sent);
    finish_pending("ok");
    n = last_method(f, before, "notifications/tasks/status");
    assert_non_null(n);
    assert_string_equal(str(json_object_get(n, "params"), "status"), "completed");
    assert_null(related_task(json_object_get(n, "params")));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"}}",
          id);
    assert_string_equal(str(result_of(f, 4), "status"), "completed");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    r = result_of(f, 5);
    assert_string_equal(str(json_array_get(json_object_get(r, "content"), 0), "text"), "done");
    assert_string_equal(related_task(r), id);
    /* terminal: cancel is refused; the task stays completed */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tasks/cancel\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    assert_int_equal(error_of(f, 6), -32602);
    /* unknown ids */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"nope\"}}");
    assert_int_equal(error_of(f, 7), -32602);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"nope\"}}");
    assert_int_equal(error_of(f, 8), -32602);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tasks/cancel\",\"params\":{"
          "\"taskId\":\"nope\"}}");
    assert_int_equal(error_of(f, 9), -32602);
    sendf(f, NULL, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tasks/get\",\"params\":{}}");
    assert_int_equal(error_of(f, 10), -32602);
    /* 2026-only method */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tasks/update\",\"params\":{"
          "\"taskId\":\"%s\",\"inputResponses\":{}}}",
          id);
    assert_int_equal(error_of(f, 11), -32601);
    assert_int_equal(f->cap.begun, f->cap.ended);
}

static void test_v1_refusals(void **state)
{
    fixture *f = *state;
    init(f, NULL, "2025-11-25", "{}");
    /* required tool without a task */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"must\"}}");
    assert_int_equal(error_of(f, 1), -32601);
    /* a tool that does not support tasks, asked for one */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"plain\",\"task\":{}}}");
    assert_int_equal(error_of(f, 2), -32601);
    assert_null(pending);
    /* malformed task params */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"task\":5}}");
    assert_int_equal(error_of(f, 3), -32602);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"task\":{\"ttl\":\"long\"}}}");
    assert_int_equal(error_of(f, 4), -32602);
    /* optional tool without a task: an ordinary call */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"instant\"}}");
    assert_string_equal(str(json_array_get(json_object_get(result_of(f, 5), "content"), 0), "text"),
                        "instant");
    /* a 2025 client decides: the handler cannot turn the call into a task */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"}}");
    assert_non_null(pending);
    assert_int_equal(mcp_call_task_start(pending), MCP_ESTATE);
    assert_null(mcp_call_task_id(pending));
    assert_int_equal(mcp_call_task_message(pending, "x"), MCP_ESTATE);
    finish_pending("ok");
    assert_string_equal(str(json_array_get(json_object_get(result_of(f, 6), "content"), 0), "text"),
                        "done");
    /* tasks/list with a bad cursor */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tasks/list\",\"params\":{"
          "\"cursor\":\"zzz\"}}");
    assert_int_equal(error_of(f, 7), -32602);
}

static void test_v1_result_waits(void **state)
{
    fixture *f = *state;
    char id[64];
    json_t *r;
    init(f, NULL, "2025-11-25", "{}");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"must\",\"task\":{}}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(result_of(f, 1), "task"), "taskId"));
    /* ttl defaults to the server's */
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(result_of(f, 1), "task"), "ttl")),
        3600000);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    assert_null(reply_for(f, 2)); /* blocks until the end */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    finish_pending("tool");
    r = result_of(f, 2);
    assert_true(json_is_true(json_object_get(r, "isError")));
    assert_string_equal(related_task(r), id);
    assert_non_null(reply_for(f, 3));
    /* 2025-11-25: a tool error fails the task */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"}}",
          id);
    assert_string_equal(str(result_of(f, 4), "status"), "failed");

    /* a protocol error: tasks/result answers with the same JSON-RPC error */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"task\":{}}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(result_of(f, 5), "task"), "taskId"));
    finish_pending("protocol");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    assert_int_equal(error_of(f, 6), MCP_JSONRPC_INTERNAL_ERROR);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"}}",
          id);
    assert_string_equal(str(result_of(f, 7), "status"), "failed");
    assert_string_equal(str(result_of(f, 7), "statusMessage"), "Internal error: exploded");

    /* a waiting tasks/result the client cancels gets no reply and stops waiting */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"task\":{}}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(result_of(f, 8), "task"), "taskId"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
          "\"requestId\":9}}");
    finish_pending("ok");
    assert_null(reply_for(f, 9));
    /* cancelling the original request id does not cancel the task */
    assert_int_equal(cancels, 0);
}

static void test_v1_cancel(void **state)
{
    fixture *f = *state;
    char id[64];
    json_t *r;
    size_t before;
    init(f, NULL, "2025-11-25", "{}");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"task\":{\"ttl\":5000}}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(result_of(f, 1), "task"), "taskId"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    before = json_array_size(f->cap.sent);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/cancel\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    r = result_of(f, 3);
    assert_string_equal(str(r, "status"), "cancelled");
    assert_string_equal(str(r, "taskId"), id);
    assert_int_equal(cancels, 1); /* the handler was told */
    assert_int_equal(count_method(f, before, "notifications/tasks/status"), 1);
    /* the waiting tasks/result ends with an error */
    assert_int_equal(error_of(f, 2), -32000);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"}}",
          id);
    assert_string_equal(str(result_of(f, 4), "status"), "cancelled");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tasks/cancel\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    assert_int_equal(error_of(f, 5), -32602);
}

static void test_v1_input_required(void **state)
{
    fixture *f = *state;
    char id[64];
    json_t *req, *r;
    size_t before;
    init(f, NULL, "2025-11-25", "{\"elicitation\":{}}");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"ask\",\"task\":{}}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(result_of(f, 1), "task"), "taskId"));
    /* the question waits for a tasks/result; the task says input_required */
    assert_null(last_method(f, 0, "elicitation/create"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"}}",
          id);
    assert_string_equal(str(result_of(f, 2), "status"), "input_required");
    before = json_array_size(f->cap.sent);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    req = last_method(f, before, "elicitation/create");
    assert_non_null(req);
    assert_string_equal(related_task(json_object_get(req, "params")), id);
    assert_null(reply_for(f, 3));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"action\":\"accept\",\"content\":"
          "{\"name\":\"Ada\"}}}",
          (long long)json_integer_value(json_object_get(req, "id")));
    r = result_of(f, 3);
    assert_string_equal(str(json_array_get(json_object_get(r, "content"), 0), "text"),
                        "answer: Ada");
    assert_string_equal(related_task(r), id);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"}}",
          id);
    assert_string_equal(str(result_of(f, 4), "status"), "completed");
    /* a question times out: the client hears of it (related to the task); the task goes on */
    mcp_server_set_limit(f->srv, MCP_LIMIT_REQUEST_TIMEOUT_MS, 10);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"ask\",\"task\":{}}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(result_of(f, 5), "task"), "taskId"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    before = json_array_size(f->cap.sent);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_string_equal(
        related_task(json_object_get(last_method(f, before, "notifications/cancelled"), "params")),
        id);
    assert_true(json_is_true(json_object_get(result_of(f, 6), "isError")));
}

static void test_v1_scoping_and_session_end(void **state)
{
    fixture *f = *state;
    capture c2 = {json_array(), 0, 0};
    mcp__session *s2 = mcp__session_new(f->srv, &cap_ops, &c2);
    char id[64];
    json_t *r;
    init(f, NULL, "2025-11-25", "{}");
    init(f, s2, "2025-11-25", "{}");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"task\":{}}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(result_of(f, 1), "task"), "taskId"));
    /* another session sees nothing */
    sendf(f, s2,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"}}",
          id);
    r = json_array_get(c2.sent, json_array_size(c2.sent) - 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     -32602);
    sendf(f, s2, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/list\"}");
    r = json_array_get(c2.sent, json_array_size(c2.sent) - 1);
    assert_int_equal(json_array_size(json_object_get(json_object_get(r, "result"), "tasks")), 0);
    /* the owning session ends: its running task is cancelled and deleted */
    mcp__server_session_end(f->sess);
    sendf(f, s2, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/list\"}");
    assert_int_equal(cancels, 1);
    assert_null(pending);
    mcp__server_session_end(s2);
    mcp__session_unref(s2);
    json_decref(c2.sent);
}

static void test_v1_list_pages(void **state)
{
    fixture *f = *state;
    json_t *r;
    int i;
    const char *cursor;
    char cur[64];
    init(f, NULL, "2025-11-25", "{}");
    mcp_server_set_limit(f->srv, MCP_LIMIT_PAGE_SIZE, 2);
    for (i = 0; i < 3; i++)
        sendf(f, NULL,
              "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{"
              "\"name\":\"instant\",\"task\":{}}}",
              10 + i);
    sendf(f, NULL, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tasks/list\"}");
    r = result_of(f, 1);
    assert_int_equal(json_array_size(json_object_get(r, "tasks")), 2);
    cursor = str(r, "nextCursor");
    assert_non_null(cursor);
    snprintf(cur, sizeof cur, "%s", cursor);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/list\",\"params\":{"
          "\"cursor\":\"%s\"}}",
          cur);
    r = result_of(f, 2);
    assert_int_equal(json_array_size(json_object_get(r, "tasks")), 1);
    assert_null(json_object_get(r, "nextCursor"));
    assert_string_equal(str(json_array_get(json_object_get(r, "tasks"), 0), "status"), "completed");
}

/* ---- 2026-07-28 ------------------------------------------------------------------------------ */

static void test_v2_discover_and_gating(void **state)
{
    fixture *f = *state;
    json_t *caps, *err;
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"server/discover\",\"params\":{" META26(
              "{}") "}}");
    caps = json_object_get(result_of(f, 1), "capabilities");
    assert_non_null(json_object_get(json_object_get(caps, "extensions"), EXT));
    assert_null(json_object_get(caps, "tasks"));
    /* without the extension: the tasks methods and required tools get -32021 */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"gate\"," META26("{}") "}}");
    assert_int_equal(error_of(f, 2), -32021);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/update\",\"params\":{"
          "\"taskId\":\"gate\",\"inputResponses\":{}," META26("{}") "}}");
    assert_int_equal(error_of(f, 3), -32021);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/cancel\",\"params\":{"
          "\"taskId\":\"gate\"," META26("{}") "}}");
    assert_int_equal(error_of(f, 4), -32021);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"must\"," META26("{}") "}}");
    assert_int_equal(error_of(f, 5), -32021);
    err = json_object_get(reply_for(f, 5), "error");
    assert_non_null(json_object_get(
        json_object_get(json_object_get(json_object_get(err, "data"), "requiredCapabilities"),
                        "extensions"),
        EXT));
    assert_null(pending);
    /* an optional tool runs as an ordinary request, even when it goes asynchronous */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26("{}") "}}");
    assert_null(reply_for(f, 6));
    finish_pending("ok");
    assert_string_equal(str(result_of(f, 6), "resultType"), "complete");
    assert_null(json_object_get(result_of(f, 6), "taskId"));
    /* removed methods */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"x\"," META26(WITH_EXT) "}}");
    assert_int_equal(error_of(f, 7), -32601);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tasks/list\",\"params\":{" META26(
              WITH_EXT) "}}");
    assert_int_equal(error_of(f, 8), -32601);
    /* unknown ids */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"tasks-conformance-nonexistent-12345\"," META26(WITH_EXT) "}}");
    assert_int_equal(error_of(f, 9), -32602);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tasks/cancel\",\"params\":{"
          "\"taskId\":\"nope\"," META26(WITH_EXT) "}}");
    assert_int_equal(error_of(f, 10), -32602);
}

static void test_v2_lifecycle(void **state)
{
    fixture *f = *state;
    json_t *r, *res;
    char id[64];
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"arguments\":{}," META26(WITH_EXT) "}}");
    r = result_of(f, 1);
    assert_string_equal(str(r, "resultType"), "task");
    assert_null(json_object_get(r, "task"));
    assert_null(json_object_get(r, "ttl"));
    assert_null(json_object_get(r, "pollInterval"));
    assert_null(json_object_get(r, "requestState"));
    assert_null(json_object_get(r, "result"));
    assert_string_equal(str(r, "status"), "working");
    assert_true(json_integer_value(json_object_get(r, "ttlMs")) > 0);
    assert_true(json_integer_value(json_object_get(r, "pollIntervalMs")) > 0);
    assert_non_null(str(r, "createdAt"));
    snprintf(id, sizeof id, "%s", str(r, "taskId"));
    assert_int_equal(f->cap.begun, f->cap.ended);
    /* 2026: no channel for the task's notifications; no status notifications */
    assert_int_equal(count_method(f, 0, "notifications/tasks/status"), 0);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 2);
    assert_string_equal(str(r, "resultType"), "complete");
    assert_string_equal(str(r, "status"), "working");
    assert_null(json_object_get(r, "result"));
    finish_pending("ok");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 3);
    assert_string_equal(str(r, "status"), "completed");
    res = json_object_get(r, "result");
    assert_string_equal(str(json_array_get(json_object_get(res, "content"), 0), "text"), "done");
    assert_null(related_task(res));
    assert_null(json_object_get(r, "requestState"));
    /* cancel on a finished task: the same ack */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/cancel\",\"params\":{"
          "\"taskId\":\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 4);
    assert_string_equal(str(r, "resultType"), "complete");
    assert_null(json_object_get(r, "taskId"));
    assert_null(json_object_get(r, "status"));
    /* an immediate answer stays an ordinary result; so does an unflagged tool with a legacy
     * `task` param */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"instant\"," META26(WITH_EXT) "}}");
    assert_string_equal(str(result_of(f, 5), "resultType"), "complete");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"plain\",\"task\":{\"ttl\":60000,\"pollInterval\":100}," META26(WITH_EXT) "}}");
    assert_null(reply_for(f, 6));
    finish_pending("ok");
    assert_string_equal(str(result_of(f, 6), "resultType"), "complete");
    assert_null(json_object_get(result_of(f, 6), "taskId"));
}

static void test_v2_outcomes_and_cancel(void **state)
{
    fixture *f = *state;
    json_t *r;
    char id[64];
    /* a tool error: completed, result.isError */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"must\"," META26(WITH_EXT) "}}");
    snprintf(id, sizeof id, "%s", str(result_of(f, 1), "taskId"));
    finish_pending("tool");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 2);
    assert_string_equal(str(r, "status"), "completed");
    assert_true(json_is_true(json_object_get(json_object_get(r, "result"), "isError")));
    /* a protocol error: failed, error inlined, no result */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    snprintf(id, sizeof id, "%s", str(result_of(f, 3), "taskId"));
    finish_pending("protocol");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 4);
    assert_string_equal(str(r, "status"), "failed");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     MCP_JSONRPC_INTERNAL_ERROR);
    assert_non_null(str(json_object_get(r, "error"), "message"));
    assert_null(json_object_get(r, "result"));
    /* cancel while running: an ack, then cancelled */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    snprintf(id, sizeof id, "%s", str(result_of(f, 5), "taskId"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tasks/cancel\",\"params\":{"
          "\"taskId\":\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 6);
    assert_string_equal(str(r, "resultType"), "complete");
    assert_null(json_object_get(r, "status"));
    assert_int_equal(cancels, 1);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    assert_string_equal(str(result_of(f, 7), "status"), "cancelled");
}

static void test_v2_input_and_update(void **state)
{
    fixture *f = *state;
    json_t *r, *reqs;
    char id[64], k1[32], k2[32];
    void *it;
    /* one question */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"ask\"," META26(WITH_EXT) "}}");
    r = result_of(f, 1);
    assert_string_equal(str(r, "resultType"), "task");
    assert_null(json_object_get(r, "inputRequests"));
    snprintf(id, sizeof id, "%s", str(r, "taskId"));
    assert_null(last_method(f, 0, "elicitation/create")); /* never sent as a request */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 2);
    assert_string_equal(str(r, "status"), "input_required");
    reqs = json_object_get(r, "inputRequests");
    assert_int_equal(json_object_size(reqs), 1);
    it = json_object_iter(reqs);
    snprintf(k1, sizeof k1, "%s", json_object_iter_key(it));
    assert_string_equal(str(json_object_iter_value(it), "method"), "elicitation/create");
    /* unknown keys are ignored, and acked */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/update\",\"params\":{"
          "\"taskId\":\"%s\",\"inputResponses\":{\"unknown-key\":{\"ignored\":true}}," META26(
              WITH_EXT) "}}",
          id);
    assert_string_equal(str(result_of(f, 3), "resultType"), "complete");
    assert_null(json_object_get(result_of(f, 3), "status"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/update\",\"params\":{"
          "\"taskId\":\"%s\",\"inputResponses\":{\"%s\":{\"action\":\"accept\","
          "\"content\":{\"name\":\"Bob\"}}}," META26(WITH_EXT) "}}",
          id, k1);
    assert_string_equal(str(result_of(f, 4), "resultType"), "complete");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 5);
    assert_string_equal(str(r, "status"), "completed");
    assert_string_equal(
        str(json_array_get(json_object_get(json_object_get(r, "result"), "content"), 0), "text"),
        "answer: Bob");
    /* two questions at once, answered one at a time */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"ask2\"," META26(WITH_EXT) "}}");
    snprintf(id, sizeof id, "%s", str(result_of(f, 6), "taskId"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    reqs = json_object_get(result_of(f, 7), "inputRequests");
    assert_int_equal(json_object_size(reqs), 2);
    it = json_object_iter(reqs);
    snprintf(k1, sizeof k1, "%s", json_object_iter_key(it));
    snprintf(k2, sizeof k2, "%s", json_object_iter_key(json_object_iter_next(reqs, it)));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tasks/update\",\"params\":{"
          "\"taskId\":\"%s\",\"inputResponses\":{\"%s\":{\"action\":\"accept\","
          "\"content\":{\"name\":\"p1\"}}}," META26(WITH_EXT) "}}",
          id, k1);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 9);
    assert_string_equal(str(r, "status"), "input_required");
    assert_int_equal(json_object_size(json_object_get(r, "inputRequests")), 1);
    assert_non_null(json_object_get(json_object_get(r, "inputRequests"), k2));
    /* answering an already answered key again changes nothing */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tasks/update\",\"params\":{"
          "\"taskId\":\"%s\",\"inputResponses\":{\"%s\":{\"action\":\"accept\","
          "\"content\":{\"name\":\"again\"}}}," META26(WITH_EXT) "}}",
          id, k1);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tasks/update\",\"params\":{"
          "\"taskId\":\"%s\",\"inputResponses\":{\"%s\":{\"action\":\"accept\","
          "\"content\":{\"name\":\"p2\"}}}," META26(WITH_EXT) "}}",
          id, k2);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 12);
    assert_string_equal(str(r, "status"), "completed");
    assert_string_equal(
        str(json_array_get(json_object_get(json_object_get(r, "result"), "content"), 0), "text"),
        "answer: p1+p2");
    /* bad params */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"tasks/update\",\"params\":{"
          "\"taskId\":\"%s\"," META26(WITH_EXT) "}}",
          id);
    assert_int_equal(error_of(f, 13), -32602);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"tasks/update\",\"params\":{"
          "\"taskId\":\"nope\",\"inputResponses\":{}," META26(WITH_EXT) "}}");
    assert_int_equal(error_of(f, 14), -32602);
    /* without the extension the same tool asks through input_required (no task) */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":15,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"ask\"," META26("{\"elicitation\":{}}") "}}");
    assert_string_equal(str(result_of(f, 15), "resultType"), "input_required");
}

static void test_v2_mrtr_then_task(void **state)
{
    fixture *f = *state;
    json_t *r;
    char id[64], st[4096], key[32];
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"gather\",\"arguments\":{}," META26(WITH_EXT) "}}");
    r = result_of(f, 1);
    assert_string_equal(str(r, "resultType"), "input_required");
    assert_null(json_object_get(r, "taskId"));
    snprintf(key, sizeof key, "%s",
             json_object_iter_key(json_object_iter(json_object_get(r, "inputRequests"))));
    snprintf(st, sizeof st, "%s", str(r, "requestState"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"gather\",\"arguments\":{},\"inputResponses\":{\"%s\":{\"action\":\"accept\","
          "\"content\":{\"name\":\"Alice\"}}},\"requestState\":\"%s\"," META26(WITH_EXT) "}}",
          key, st);
    r = result_of(f, 2);
    assert_string_equal(str(r, "resultType"), "task");
    assert_null(json_object_get(r, "requestState"));
    assert_null(json_object_get(r, "inputRequests"));
    snprintf(id, sizeof id, "%s", str(r, "taskId"));
    finish_pending("ok");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 3);
    assert_string_equal(str(r, "status"), "completed");
    assert_string_equal(
        str(json_array_get(json_object_get(json_object_get(r, "result"), "content"), 0), "text"),
        "done Alice");
}

static void test_v2_blocking(void **state)
{
    fixture *f = *state;
    json_t *r;
    char id[64];
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"block\"," META26(WITH_EXT) "}}");
    r = result_of(f, 1);
    assert_string_equal(str(r, "resultType"), "task");
    snprintf(id, sizeof id, "%s", str(r, "taskId"));
    uv_run(&f->loop, UV_RUN_DEFAULT); /* the pool work ends */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = result_of(f, 2);
    assert_string_equal(str(r, "status"), "completed");
    assert_string_equal(
        str(json_array_get(json_object_get(json_object_get(r, "result"), "content"), 0), "text"),
        "blocked as a task");
    /* 2025: blocking tools run as tasks too */
    init(f, NULL, "2025-11-25", "{}");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"block\",\"task\":{}}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(result_of(f, 3), "task"), "taskId"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_string_equal(str(json_array_get(json_object_get(result_of(f, 4), "content"), 0), "text"),
                        "blocked as a task");
}

static void test_v2_unscoped_on_ephemeral(void **state)
{
    fixture *f = *state;
    capture c2 = {json_array(), 0, 0};
    mcp__session *s2 = mcp__session_new(f->srv, &cap_ops, &c2);
    json_t *r;
    char id[64];
    f->sess->ephemeral = true; /* e.g. a 2026 HTTP POST's own session */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    snprintf(id, sizeof id, "%s", str(result_of(f, 1), "taskId"));
    mcp__server_session_end(f->sess); /* the POST is over: the task lives on */
    sendf(f, s2,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = json_object_get(json_array_get(c2.sent, json_array_size(c2.sent) - 1), "result");
    assert_string_equal(str(r, "status"), "working");
    finish_pending("ok");
    sendf(f, s2,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          id);
    r = json_object_get(json_array_get(c2.sent, json_array_size(c2.sent) - 1), "result");
    assert_string_equal(str(r, "status"), "completed");
    /* a 2025 session does not see 2026 tasks */
    init(f, s2, "2025-11-25", "{}");
    sendf(f, s2,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"}}",
          id);
    r = json_object_get(json_array_get(c2.sent, json_array_size(c2.sent) - 1), "error");
    assert_int_equal(json_integer_value(json_object_get(r, "code")), -32602);
    mcp__server_session_end(s2);
    mcp__session_unref(s2);
    json_decref(c2.sent);
}

/* A new ephemeral session (one 2026 HTTP POST) of `principal` (stolen; NULL: none). */
static mcp__session *post_session(fixture *f, capture *c, json_t *principal)
{
    mcp__session *s = mcp__session_new(f->srv, &cap_ops, c);
    (void)f;
    s->ephemeral = true;
    s->principal = principal;
    return s;
}

static void end_session(mcp__session *s)
{
    mcp__session_close(s);
    mcp__session_unref(s);
}

/* The last message `c` captured. */
static json_t *last_of(capture *c)
{
    return json_array_get(c->sent, json_array_size(c->sent) - 1);
}

/* The reply to request `id` that `c` captured, or NULL. */
static json_t *reply_in(capture *c, json_int_t id)
{
    size_t i = json_array_size(c->sent);
    while (i-- > 0) {
        json_t *m = json_array_get(c->sent, i), *mid = json_object_get(m, "id");
        if (json_is_integer(mid) && json_integer_value(mid) == id && !json_object_get(m, "method"))
            return m;
    }
    return NULL;
}

/* `method` on `taskId` from session `s` (capture `c`): the error object of the reply, or NULL
 * for a result. */
static json_t *task_call_as(fixture *f, mcp__session *s, capture *c, int id, const char *method,
                            const char *task_id, const char *extra)
{
    sendf(
        f, s,
        "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":{\"taskId\":\"%s\"%s," META26(
            WITH_EXT) "}}",
        id, method, task_id, extra);
    return json_object_get(last_of(c), "error");
}

/* 2026 tasks are bound to the authenticated principal that created them: another principal's
 * tasks/get, tasks/update and tasks/cancel are answered exactly as for an unknown id; the
 * creator reaches its task from any request. The handler sees its principal as a task too. */
static void test_v2_bound_to_principal(void **state)
{
    fixture *f = *state;
    capture ca = {json_array(), 0, 0}, cb = {json_array(), 0, 0};
    mcp__session *alice = post_session(f, &ca, json_pack("{s:s}", "sub", "alice"));
    mcp__session *bob;
    json_t *err, *unknown;
    char id[64];
    const char *methods[3] = {"tasks/get", "tasks/update", "tasks/cancel"};
    int i;
    sendf(f, alice,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(last_of(&ca), "result"), "taskId"));
    assert_int_equal(strlen(id), 32);
    assert_non_null(pending);
    assert_non_null(mcp_call_principal(pending));
    assert_string_equal(str(mcp_call_principal(pending), "sub"), "alice");
    end_session(alice); /* that POST is over */
    bob = post_session(f, &cb, json_pack("{s:s}", "sub", "bob"));
    for (i = 0; i < 3; i++) {
        const char *extra = i == 1 ? ",\"inputResponses\":{}" : "";
        err = task_call_as(f, bob, &cb, 10 + i, methods[i], id, extra);
        assert_non_null(err);
        err = json_deep_copy(err);
        unknown = task_call_as(f, bob, &cb, 20 + i, methods[i], "0123456789abcdef0123456789abcdef",
                               extra);
        assert_non_null(unknown);
        assert_int_equal(json_integer_value(json_object_get(err, "code")),
                         json_integer_value(json_object_get(unknown, "code")));
        assert_string_equal(str(err, "message"), str(unknown, "message"));
        assert_string_equal(str(json_object_get(err, "data"), "taskId"), id);
        json_decref(err);
    }
    /* no authenticated principal at all: not alice either */
    end_session(bob);
    bob = post_session(f, &cb, NULL);
    assert_non_null(task_call_as(f, bob, &cb, 30, "tasks/get", id, ""));
    end_session(bob);
    /* alice, on another POST: still working (bob's cancel did nothing), then cancelled */
    alice = post_session(f, &ca, json_pack("{s:s, s:s}", "sub", "alice", "scope", "other"));
    assert_null(task_call_as(f, alice, &ca, 40, "tasks/get", id, ""));
    assert_string_equal(str(json_object_get(last_of(&ca), "result"), "status"), "working");
    assert_null(task_call_as(f, alice, &ca, 41, "tasks/cancel", id, ""));
    assert_int_equal(cancels, 1);
    end_session(alice);
    json_decref(ca.sent);
    json_decref(cb.sent);
}

/* 2025-11-25: a task stays with its session, and the session with its principal. */
static void test_v1_principal(void **state)
{
    fixture *f = *state;
    json_t *alice = json_pack("{s:s}", "sub", "alice");
    f->sess->principal = alice;
    init(f, NULL, "2025-11-25", "{}");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"task\":{}}}");
    assert_non_null(json_object_get(result_of(f, 1), "task"));
    assert_non_null(pending);
    assert_ptr_equal(
        mcp_call_principal(pending) ? json_equal(mcp_call_principal(pending), alice) : 0, 1);
}

/* Per-client task quotas (default 100): one client's full quota refuses only that client, as
 * the global limit does (-32000 "Server busy: too many tasks"); a client is its principal when
 * authenticated (over all its sessions and requests), else its session. */
static void test_quota_per_client(void **state)
{
    fixture *f = *state;
    capture c2 = {json_array(), 0, 0}, c3 = {json_array(), 0, 0}, ca = {json_array(), 0, 0};
    mcp__session *s2 = mcp__session_new(f->srv, &cap_ops, &c2), *s3, *a2;
    const char *msg;
    int i;
    init(f, NULL, "2025-11-25", "{}");
    init(f, s2, "2025-11-25", "{}");
    for (i = 0; i < 100; i++) {
        sendf(f, NULL,
              "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"instant\",\"task\":{}}}",
              100 + i);
        assert_non_null(json_object_get(result_of(f, 100 + i), "task"));
    }
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"instant\",\"task\":{}}}");
    assert_int_equal(error_of(f, 1), -32000);
    msg = str(json_object_get(reply_for(f, 1), "error"), "message");
    assert_non_null(strstr(msg, "Server busy: too many tasks"));
    /* another session is not refused */
    sendf(f, s2,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"instant\",\"task\":{}}}");
    assert_non_null(json_object_get(json_object_get(reply_in(&c2, 2), "result"), "task"));
    mcp__session_close(s2);
    mcp__session_unref(s2);
    /* a principal's quota spans its sessions and 2026 requests */
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_TASKS_PER_CLIENT, 2), MCP_OK);
    s3 = mcp__session_new(f->srv, &cap_ops, &c3);
    s3->principal = json_pack("{s:s}", "sub", "carol");
    init(f, s3, "2025-11-25", "{}");
    sendf(f, s3,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"instant\",\"task\":{}}}");
    assert_non_null(json_object_get(json_object_get(reply_in(&c3, 3), "result"), "task"));
    a2 = post_session(f, &ca, json_pack("{s:s}", "sub", "carol"));
    sendf(f, a2,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    assert_string_equal(str(json_object_get(reply_in(&ca, 4), "result"), "resultType"), "task");
    end_session(a2);
    sendf(f, s3,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"instant\",\"task\":{}}}");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(reply_in(&c3, 5), "error"), "code")),
        -32000);
    /* 2026 over quota: the call stays an ordinary request */
    a2 = post_session(f, &ca, json_pack("{s:s}", "sub", "carol"));
    sendf(f, a2,
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"instant\"," META26(WITH_EXT) "}}");
    assert_string_equal(str(json_object_get(reply_in(&ca, 6), "result"), "resultType"), "complete");
    /* dave is someone else */
    json_decref(a2->principal);
    a2->principal = json_pack("{s:s}", "sub", "dave");
    sendf(f, a2,
          "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    assert_string_equal(str(json_object_get(reply_in(&ca, 7), "result"), "resultType"), "task");
    end_session(a2);
    mcp__session_close(s3);
    mcp__session_unref(s3);
    json_decref(c2.sent);
    json_decref(c3.sent);
    json_decref(ca.sent);
}

/* Unauthenticated 2026 requests over HTTP: one quota per client address (the transport's
 * client key), not one for every unauthenticated caller together. */
static void test_quota_per_address(void **state)
{
    fixture *f = *state;
    capture ca = {json_array(), 0, 0};
    mcp__session *a;
    int i;
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_TASKS_PER_CLIENT, 2), MCP_OK);
    for (i = 0; i < 3; i++) { /* 127.0.0.2: two tasks, then no more */
        a = post_session(f, &ca, NULL);
        a->client = strdup("127.0.0.2");
        sendf(f, a,
              "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":"
              "\"slow\"," META26(WITH_EXT) "}}",
              10 + i);
        if (i < 2)
            assert_string_equal(str(json_object_get(reply_in(&ca, 10 + i), "result"), "resultType"),
                                "task");
        else { /* over the quota: an ordinary request, still running (no task answer) */
            assert_null(reply_in(&ca, 10 + i));
            finish_pending("ok"); /* ... which then answers as a request */
            assert_string_equal(
                str(json_object_get(reply_in(&ca, 10 + i), "result"), "resultType"), "complete");
        }
        end_session(a);
    }
    /* another address still has its own quota */
    a = post_session(f, &ca, NULL);
    a->client = strdup("127.0.0.3");
    sendf(f, a,
          "{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    assert_string_equal(str(json_object_get(reply_in(&ca, 20), "result"), "resultType"), "task");
    end_session(a);
    json_decref(ca.sent);
}

/* ---- lifetime -------------------------------------------------------------------------------- */

static void wake(uv_timer_t *t)
{
    (void)t;
}

static void sleep_loop(fixture *f, unsigned ms)
{
    uv_timer_t t;
    uv_timer_init(&f->loop, &t);
    uv_timer_start(&t, wake, ms, 0);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
}

static void test_ttl(void **state)
{
    fixture *f = *state;
    char done_id[64], run_id[64];
    assert_int_equal(mcp_server_set_task_limits(f->srv, 1000, 0, 250, 0), MCP_OK);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    snprintf(done_id, sizeof done_id, "%s", str(result_of(f, 1), "taskId"));
    assert_int_equal(json_integer_value(json_object_get(result_of(f, 1), "ttlMs")), 1000);
    assert_int_equal(json_integer_value(json_object_get(result_of(f, 1), "pollIntervalMs")), 250);
    finish_pending("ok");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    snprintf(run_id, sizeof run_id, "%s", str(result_of(f, 2), "taskId"));
    sleep_loop(f, 500); /* not before its TTL */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          done_id);
    assert_string_equal(str(result_of(f, 3), "status"), "completed");
    sleep_loop(f, 700); /* past it: both go, the running one cancelled first */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          done_id);
    assert_int_equal(error_of(f, 4), -32602);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"," META26(WITH_EXT) "}}",
          run_id);
    assert_int_equal(error_of(f, 5), -32602);
    assert_int_equal(cancels, 1);
    /* 2025: the client's ttl is honoured within the limits (at least 1 s) */
    init(f, NULL, "2025-11-25", "{}");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"instant\",\"task\":{\"ttl\":10}}}");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(result_of(f, 6), "task"), "ttl")), 1000);
}

static void test_limits(void **state)
{
    fixture *f = *state;
    assert_int_equal(mcp_server_set_task_limits(NULL, 0, 0, 0, 0), MCP_EINVAL);
    assert_int_equal(mcp_server_set_task_limits(f->srv, 0, 0, 0, 1), MCP_OK);
    init(f, NULL, "2025-11-25", "{}");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"task\":{}}}");
    assert_non_null(json_object_get(result_of(f, 1), "task"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"instant\",\"task\":{}}}");
    assert_int_equal(error_of(f, 2), -32000);
    /* 2026: over the limit the call stays an ordinary request */
    finish_pending("ok");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    assert_null(reply_for(f, 3));
    finish_pending("ok");
    assert_string_equal(str(result_of(f, 3), "resultType"), "complete");
}

static void test_stop_and_free_with_tasks_running(void **state)
{
    fixture *f = *state;
    char id[64];
    init(f, NULL, "2025-11-25", "{\"elicitation\":{}}");
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"task\":{}}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(result_of(f, 1), "task"), "taskId"));
    mcp_server_stop(f->srv);
    sleep_loop(f, 10); /* the loop sees the stop request */
    assert_int_equal(cancels, 1);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tasks/get\",\"params\":{\"taskId\":"
          "\"%s\"}}",
          id);
    assert_string_equal(str(result_of(f, 2), "status"), "cancelled");
    /* left running at free: a task with an open question, a waiting tasks/result, and a 2026
     * task whose handler ignores nothing (cancelled, completes) */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"ask\",\"task\":{}}}");
    snprintf(id, sizeof id, "%s", str(json_object_get(result_of(f, 3), "task"), "taskId"));
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/result\",\"params\":{"
          "\"taskId\":\"%s\"}}",
          id);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\"," META26(WITH_EXT) "}}");
    assert_non_null(pending);
    /* teardown frees the server with all of this in flight (ASan/valgrind check the rest) */
}

static int mw_outcomes;
static char mw_seen[64];

static void mw_response(const mcp_request_info_t *req, const mcp_outcome_t *out, void *ud)
{
    const json_t *r = json_object_get(out->response, "result");
    (void)ud;
    if (strcmp(req->method, "tools/call") != 0)
        return;
    mw_outcomes++;
    snprintf(mw_seen, sizeof mw_seen, "%s", json_string_value(json_object_get(r, "resultType")));
}

/* 2026: notifications/tasks on a listen stream that named the task; middleware sees the task
 * handle as the tools/call outcome, once. */
static void test_v2_listen_notifications(void **state)
{
    fixture *f = *state;
    json_t *r, *n;
    char id[64];
    size_t mark;

    mw_outcomes = 0;
    mw_seen[0] = '\0';
    assert_int_equal(mcp_server_use(f->srv, &(mcp_middleware_t){.response = mw_response}),
                     MCP_OK);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
          "\"slow\",\"arguments\":{}," META26(WITH_EXT) "}}");
    r = result_of(f, 1);
    snprintf(id, sizeof id, "%s", str(r, "taskId"));
    assert_int_equal(mw_outcomes, 1);
    assert_string_equal(mw_seen, "task");
    /* without the extension: -32021 */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"subscriptions/listen\",\"params\":{"
          "\"notifications\":{\"taskIds\":[\"%s\"]}," META26("{}") "}}",
          id);
    assert_int_equal(error_of(f, 2), MCP_ERROR_MISSING_CAPABILITY);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"subscriptions/listen\",\"params\":{"
          "\"notifications\":{\"taskIds\":\"%s\"}," META26(WITH_EXT) "}}",
          id);
    assert_int_equal(error_of(f, 3), MCP_JSONRPC_INVALID_PARAMS);
    mark = json_array_size(f->cap.sent);
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"subscriptions/listen\",\"params\":{"
          "\"notifications\":{\"taskIds\":[\"%s\",7]}," META26(WITH_EXT) "}}",
          id);
    n = last_method(f, mark, "notifications/subscriptions/acknowledged");
    assert_non_null(n);
    r = json_object_get(json_object_get(json_object_get(n, "params"), "notifications"), "taskIds");
    assert_int_equal(json_array_size(r), 1);
    assert_string_equal(json_string_value(json_array_get(r, 0)), id);
    finish_pending("ok");
    n = last_method(f, mark, "notifications/tasks");
    assert_non_null(n);
    r = json_object_get(n, "params");
    assert_string_equal(str(r, "taskId"), id);
    assert_string_equal(str(r, "status"), "completed");
    assert_string_equal(
        str(json_array_get(json_object_get(json_object_get(r, "result"), "content"), 0), "text"),
        "done");
    assert_non_null(json_object_get(json_object_get(r, "_meta"),
                                    "io.modelcontextprotocol/subscriptionId"));
    assert_int_equal(mw_outcomes, 1); /* the task's end is not a second outcome */
    /* end the listen stream: a cancel */
    sendf(f, NULL,
          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
          "\"requestId\":4}}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_v1_capabilities_and_defs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_result_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_input_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_scoping_and_session_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_list_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_discover_and_gating, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_listen_notifications, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_outcomes_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_input_and_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_mrtr_then_task, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_unscoped_on_ephemeral, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_bound_to_principal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_principal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota_per_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quota_per_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_and_free_with_tasks_running, setup, teardown),
    };
    return cmocka_run_group_tests_name("tasks", tests, NULL, NULL);
}
