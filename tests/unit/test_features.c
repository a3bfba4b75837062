/*
 * The protocol features of issue #4 through the core, with an in-memory transport: logging,
 * progress, asking the client in both eras (2025 requests, 2026 multi round-trip with a signed
 * requestState), completion, and subscriptions in both eras.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h" /* the in-memory transport */

static int last_status;
static json_t *last_result;

/* A tool that logs at every level and reports progress three times. */
static int tool_chatty(mcp_call_t *call, const json_t *args, void *ud)
{
    int l;
    (void)args;
    (void)ud;
    for (l = MCP_LOG_DEBUG; l <= MCP_LOG_EMERGENCY; l++)
        mcp_call_log(call, (mcp_log_level)l, "chatty", "level %d", l);
    mcp_call_progress(call, 0, 100, "start");
    mcp_call_progress(call, 50, 100, NULL);
    if (json_object_get(mcp_call_meta(call), "progressToken")) /* must grow */
        assert_int_equal(mcp_call_progress(call, 10, 100, NULL), MCP_EINVAL);
    mcp_call_progress(call, 100, 100, "done");
    return mcp_call_text(call, "ok");
}

static void on_answer(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    (void)ud;
    last_status = status;
    json_decref(last_result);
    last_result = json_deep_copy(result);
    if (status == MCP_ERETRY)
        return; /* 2026: the call is ending as input_required */
    if (status == MCP_OK)
        mcp_call_text(call, "answer: %s",
                      json_string_value(json_object_get(json_object_get(result, "content"),
                                                        "name")));
    else
        mcp_call_error(call, "no answer (%s)", mcp_err_name(status));
    mcp_call_complete(call);
}

static int tool_ask(mcp_call_t *call, const json_t *args, void *ud)
{
    int rc;
    (void)args;
    (void)ud;
    rc = mcp_call_elicit(call,
                         json_pack("{s:s, s:{s:s, s:{s:{s:s}}}}", "message", "Your name?",
                                   "requestedSchema", "type", "object", "properties", "name",
                                   "type", "string"),
                         on_answer, NULL);
    if (rc != MCP_OK) {
        mcp_call_error(call, "cannot ask: %s", mcp_err_name(rc));
        return MCP_OK;
    }
    return MCP_PENDING;
}

/* A blocking tool (thread pool) that asks the client: the question goes out via the loop. */
static int tool_ask_blocking(mcp_call_t *call, const json_t *args, void *ud)
{
    return tool_ask(call, args, ud);
}

static int complete_lang(mcp_call_t *call, const char *arg, const char *value,
                         const json_t *context, void *ud)
{
    static const char *const langs[] = {"c", "cpp", "csharp", "go", "python"};
    size_t i;
    (void)ud;
    (void)context;
    assert_string_equal(arg, "language");
    for (i = 0; i < 5; i++)
        if (strncmp(langs[i], value, strlen(value)) == 0)
            mcp_call_completion(call, langs[i]);
    return MCP_OK;
}

static int prompt_review(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_prompt_text(call, "user", "review");
}

static int setup(void **state)
{
    fixture *f = harness_new(true);
    last_status = 1;
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "chatty",
                                                                .handler = tool_chatty},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "ask", .handler = tool_ask},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "ask_blocking",
                                                       .handler = tool_ask_blocking,
                                                       .flags = MCP_TOOL_BLOCKING},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_prompt(f->srv,
                                           &(mcp_prompt_t){.name = "review",
                                                           .arguments = "code, language?",
                                                           .handler = prompt_review,
                                                           .complete = complete_lang},
                                           NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_resource(f->srv,
                                             &(mcp_resource_t){.uri = "test://watched",
                                                               .name = "watched", .text = "w"},
                                             NULL),
                     MCP_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    harness_free(*state);
    json_decref(last_result);
    last_result = NULL;
    return 0;
}

static void send_text(fixture *f, const char *text)
{
    mcp__server_receive(f->sess, text, strlen(text));
}

static json_t *last_sent(fixture *f)
{
    return json_array_get(f->cap.sent, json_array_size(f->cap.sent) - 1);
}

static void init(fixture *f, const char *caps)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"2025-11-25\",\"capabilities\":%s}}",
             caps);
    send_text(f, text);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
}

#define META26(caps) "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
                     "\"io.modelcontextprotocol/clientCapabilities\":" caps

static void test_logging_and_progress(void **state)
{
    fixture *f = *state;
    size_t before;
    init(f, "{}");
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"chatty\",\"_meta\":{\"progressToken\":\"p1\"}}}");
    /* default level info: 7 of 8 levels; three progress notifications, all before the reply */
    assert_int_equal(count_method(f, before, "notifications/message"), 7);
    assert_int_equal(count_method(f, before, "notifications/progress"), 3);
    assert_non_null(json_object_get(last_sent(f), "result"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(f->cap.sent, before + 7), "params"),
                            "progressToken")),
                        "p1");
    /* setLevel error: only error and above */
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\",\"params\":{"
                 "\"level\":\"error\"}}");
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"chatty\"}}");
    assert_int_equal(count_method(f, before, "notifications/message"), 4);
    assert_int_equal(count_method(f, before, "notifications/progress"), 0); /* no token */
    /* 2026: no logLevel in _meta -> no log notifications at all */
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"chatty\"," META26("{}") "}}}");
    assert_int_equal(count_method(f, before, "notifications/message"), 0);
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"chatty\"," META26("{}") ",\"io.modelcontextprotocol/logLevel\":\"warning\"}}}");
    assert_int_equal(count_method(f, before, "notifications/message"), 5);
}

static void test_elicit_2025(void **state)
{
    fixture *f = *state;
    json_t *req;
    char text[256];
    init(f, "{\"elicitation\":{}}");
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"ask\"}}");
    req = last_sent(f);
    assert_string_equal(json_string_value(json_object_get(req, "method")), "elicitation/create");
    assert_true(json_is_integer(json_object_get(req, "id")));
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"action\":\"accept\",\"content\":{"
             "\"name\":\"Ada\"}}}",
             (long long)json_integer_value(json_object_get(req, "id")));
    send_text(f, text);
    assert_int_equal(last_status, MCP_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
                            json_object_get(last_sent(f), "result"), "content"), 0), "text")),
                        "answer: Ada");
    /* a late duplicate answer is ignored */
    send_text(f, text);
}

static void test_elicit_2025_from_pool(void **state)
{
    fixture *f = *state;
    json_t *req;
    char text[256];
    size_t before;
    init(f, "{\"elicitation\":{}}");
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"ask_blocking\"}}");
    while (json_array_size(f->cap.sent) == before)
        uv_run(&f->loop, UV_RUN_ONCE); /* the pool runs the handler; the loop sends the question */
    req = last_sent(f);
    assert_string_equal(json_string_value(json_object_get(req, "method")), "elicitation/create");
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"action\":\"accept\",\"content\":{"
             "\"name\":\"Pool\"}}}",
             (long long)json_integer_value(json_object_get(req, "id")));
    send_text(f, text);
    assert_int_equal(last_status, MCP_OK);
    while (!json_object_get(last_sent(f), "result"))
        uv_run(&f->loop, UV_RUN_ONCE);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
                            json_object_get(last_sent(f), "result"), "content"), 0), "text")),
                        "answer: Pool");
}

static void test_elicit_2025_no_capability(void **state)
{
    fixture *f = *state;
    init(f, "{}");
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"ask\"}}");
    assert_true(json_is_true(json_object_get(json_object_get(last_sent(f), "result"), "isError")));
}

static void test_elicit_2025_timeout_and_cancel(void **state)
{
    fixture *f = *state;
    size_t before;
    init(f, "{\"elicitation\":{}}");
    mcp_server_set_limit(f->srv, MCP_LIMIT_REQUEST_TIMEOUT_MS, 20);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"ask\"}}");
    before = json_array_size(f->cap.sent);
    uv_run(&f->loop, UV_RUN_DEFAULT); /* the timer fires */
    assert_int_equal(last_status, MCP_ETIMEDOUT);
    assert_int_equal(count_method(f, before, "notifications/cancelled"), 1);
    assert_true(json_is_true(json_object_get(json_object_get(last_sent(f), "result"), "isError")));
    /* the client cancels the tool call while the question is open */
    mcp_server_set_limit(f->srv, MCP_LIMIT_REQUEST_TIMEOUT_MS, 60000);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"ask\"}}");
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                 "\"requestId\":2}}");
    /* the handler completes on its own; then the question is withdrawn, no reply is sent */
    assert_int_equal(count_method(f, before, "notifications/cancelled"), 0);
}

static void test_elicit_2026_round_trip(void **state)
{
    fixture *f = *state;
    json_t *res;
    const char *st;
    char text[4096], tampered[4096];
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"ask\",\"arguments\":{}," META26("{\"elicitation\":{}}") "}}}");
    res = json_object_get(last_sent(f), "result");
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "input_required");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(res, "inputRequests"), "q0"),
                            "method")),
                        "elicitation/create");
    assert_int_equal(last_status, MCP_ERETRY);
    st = json_string_value(json_object_get(res, "requestState"));
    assert_non_null(st);
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
             "\"ask\",\"arguments\":{},\"inputResponses\":{\"q0\":{\"action\":\"accept\","
             "\"content\":{\"name\":\"Bob\"}}},\"requestState\":\"%s\"," META26(
                 "{\"elicitation\":{}}") "}}}",
             st);
    /* tampered: flip one character of the payload */
    snprintf(tampered, sizeof tampered, "%s", text);
    {
        char *p = strstr(tampered, "requestState\":\"") + 16;
        *p = *p == 'A' ? 'B' : 'A';
    }
    send_text(f, tampered);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(last_sent(f), "error"),
                                                        "code")),
                     -32602);
    send_text(f, text);
    res = json_object_get(last_sent(f), "result");
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "complete");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "content"), 0), "text")),
                        "answer: Bob");
    /* replayed: the same state again is refused */
    send_text(f, text);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(last_sent(f), "error"),
                                                        "code")),
                     -32602);
    /* state for other arguments is refused */
    {
        char other[4096], *p;
        snprintf(other, sizeof other, "%s", text);
        p = strstr(other, "\"arguments\":{}");
        memcpy(p, "\"arguments\":{}", 14);
        send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"name\":"
                     "\"ask\",\"arguments\":{}," META26("{\"elicitation\":{}}") "}}}");
    }
}

static void test_completion(void **state)
{
    fixture *f = *state;
    json_t *c;
    init(f, "{}");
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"review\"},\"argument\":{\"name\":"
                 "\"language\",\"value\":\"c\"}}}");
    c = json_object_get(json_object_get(last_sent(f), "result"), "completion");
    assert_int_equal(json_array_size(json_object_get(c, "values")), 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(c, "values"), 1)), "cpp");
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"completion/complete\",\"params\":{"
                 "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"nope\"},\"argument\":{\"name\":"
                 "\"x\",\"value\":\"\"}}}");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(last_sent(f), "error"),
                                                        "code")),
                     -32602);
}

static void test_subscriptions_2025(void **state)
{
    fixture *f = *state;
    size_t before;
    init(f, "{}");
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/subscribe\",\"params\":{"
                 "\"uri\":\"test://watched\"}}");
    assert_non_null(json_object_get(last_sent(f), "result"));
    before = json_array_size(f->cap.sent);
    mcp_server_resource_updated(f->srv, "test://watched");
    mcp_server_resource_updated(f->srv, "test://other");
    assert_int_equal(count_method(f, before, "notifications/resources/updated"), 1);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/unsubscribe\",\"params\":{"
                 "\"uri\":\"test://watched\"}}");
    before = json_array_size(f->cap.sent);
    mcp_server_resource_updated(f->srv, "test://watched");
    assert_int_equal(count_method(f, before, "notifications/resources/updated"), 0);
}

static int noop_tool(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_text(call, "x");
}

static void test_listen_2026(void **state)
{
    fixture *f = *state;
    json_t *ack, *n;
    size_t before;
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":\"listen:0\",\"method\":\"subscriptions/listen\","
                 "\"params\":{\"notifications\":{\"toolsListChanged\":true,\"promptsListChanged\":"
                 "false,\"resourceSubscriptions\":[\"test://watched\"]}," META26("{}") "}}}");
    ack = last_sent(f);
    assert_string_equal(json_string_value(json_object_get(ack, "method")),
                        "notifications/subscriptions/acknowledged");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(ack, "params"), "_meta"),
                            "io.modelcontextprotocol/subscriptionId")),
                        "listen:0");
    before = json_array_size(f->cap.sent);
    mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "late", .handler = noop_tool}, NULL);
    mcp_server_resource_updated(f->srv, "test://watched");
    assert_int_equal(count_method(f, before, "notifications/tools/list_changed"), 1);
    assert_int_equal(count_method(f, before, "notifications/resources/updated"), 1);
    n = last_sent(f);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(n, "params"), "_meta"),
                            "io.modelcontextprotocol/subscriptionId")),
                        "listen:0");
    /* the client cancels: no reply */
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                 "\"requestId\":\"listen:0\"}}");
    assert_int_equal(json_array_size(f->cap.sent), before);
    mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "later", .handler = noop_tool}, NULL);
    assert_int_equal(json_array_size(f->cap.sent), before);
    /* listen needs the 2026 era */
    init(f, "{}");
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"subscriptions/listen\",\"params\":{"
                 "\"notifications\":{}}}");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(last_sent(f), "error"),
                                                        "code")),
                     -32601);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_logging_and_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2025, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2025_from_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2025_no_capability, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2025_timeout_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2026_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_completion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscriptions_2025, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_2026, setup, teardown),
    };
    return cmocka_run_group_tests_name("features", tests, NULL, NULL);
}
