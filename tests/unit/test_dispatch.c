/*
 * Dispatch, lifecycle and the core features through the protocol core, with an in-memory
 * transport that records what the server sends (libmcp/server/dispatch.c, features/lifecycle.c,
 * features/tools.c, ...).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h" /* the in-memory transport */

static int calls_seen;
static mcp_call_t *parked;

static int tool_add(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)ud;
    calls_seen++;
    return mcp_call_text(call, "%g",
                         json_number_value(json_object_get(args, "a")) +
                             json_number_value(json_object_get(args, "b")));
}

static int tool_park(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    parked = call;
    return MCP_PENDING;
}

static int tool_structured(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)ud;
    return mcp_call_structured_new(call, json_pack("{s:f}", "double",
                                                   2 * json_number_value(
                                                           json_object_get(args, "x"))));
}

static int tool_internal(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)call;
    (void)args;
    (void)ud;
    return MCP_EIO;
}

static int res_item(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    const char *id = json_string_value(json_object_get(vars, "id"));
    (void)ud;
    if (strcmp(id, "missing") == 0)
        return mcp_call_fail_new(call, MCP_ERROR_RESOURCE_NOT_FOUND, NULL, "Resource not found: %s",
                             uri);
    return mcp_call_resource_text(call, uri, "application/json", "{}");
}

static int prompt_greet(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)ud;
    return mcp_call_prompt_text(call, "user", "Hello %s",
                                json_string_value(json_object_get(args, "name")));
}

static int setup(void **state)
{
    fixture *f = harness_new(false);
    mcp_error_t err;
    calls_seen = 0;
    parked = NULL;
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "add",
                                                                .description = "Add",
                                                                .input_schema = "a: number, b: number",
                                                                .handler = tool_add},
                                         &err),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "park", .handler = tool_park},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "structured",
                                                       .input_schema = "x: number",
                                                       .output_schema = "double: number",
                                                       .handler = tool_structured},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "internal", .handler = tool_internal},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_resource(f->srv,
                                             &(mcp_resource_t){.uri = "test://static",
                                                               .name = "static",
                                                               .mime_type = "text/plain",
                                                               .text = "hello"},
                                             NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_resource(f->srv,
                                             &(mcp_resource_t){.uri_template = "test://items/{id}",
                                                               .name = "item",
                                                               .handler = res_item},
                                             NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_prompt(f->srv,
                                           &(mcp_prompt_t){.name = "greet",
                                                           .arguments = "name 'Who'",
                                                           .handler = prompt_greet},
                                           NULL),
                     MCP_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    harness_free(*state);
    return 0;
}

static int error_code(const json_t *reply)
{
    return (int)json_integer_value(json_object_get(json_object_get(reply, "error"), "code"));
}

static void init(fixture *f, const char *version)
{
    char text[256];
    json_t *r;
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"%s\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\","
             "\"version\":\"1\"}}}",
             version);
    r = roundtrip(f, text);
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
    assert_null(roundtrip(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
}

#define META26 "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
               "\"io.modelcontextprotocol/clientCapabilities\":{}}"

/* ---- tests --------------------------------------------------------------------------- */

static void test_before_initialize(void **state)
{
    fixture *f = *state;
    json_t *r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}");
    assert_true(json_is_object(json_object_get(r, "result")));
    assert_int_equal(json_object_size(json_object_get(r, "result")), 0);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"}");
    assert_int_equal(error_code(r), -32600);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 5);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"nope\"}");
    assert_int_equal(error_code(r), -32601);
    json_decref(r);
    assert_null(roundtrip(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}"));
}

static void test_initialize(void **state)
{
    fixture *f = *state;
    json_t *r, *res;
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"1999-01-01\",\"capabilities\":{}}}");
    res = json_object_get(r, "result");
    assert_string_equal(json_string_value(json_object_get(res, "protocolVersion")), "2025-11-25");
    assert_string_equal(json_string_value(json_object_get(json_object_get(res, "serverInfo"),
                                                          "name")),
                        "t");
    assert_non_null(json_object_get(json_object_get(res, "capabilities"), "tools"));
    assert_non_null(json_object_get(json_object_get(res, "capabilities"), "resources"));
    assert_non_null(json_object_get(json_object_get(res, "capabilities"), "prompts"));
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"initialize\",\"params\":{"
                     "\"protocolVersion\":\"2025-03-26\",\"capabilities\":{}}}");
    assert_int_equal(error_code(r), -32600);
    json_decref(r);
}

static void test_version_echo(void **state)
{
    fixture *f = *state;
    const char *v[] = {"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"};
    size_t i;
    (void)f;
    for (i = 0; i < 4; i++) {
        fixture *g;
        char text[256];
        json_t *r;
        setup((void **)&g);
        snprintf(text, sizeof text,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
                 "\"protocolVersion\":\"%s\",\"capabilities\":{}}}",
                 v[i]);
        r = roundtrip(g, text);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(r, "result"), "protocolVersion")),
            v[i]);
        json_decref(r);
        teardown((void **)&g);
    }
}

static void test_tools_call(void **state)
{
    fixture *f = *state;
    json_t *r, *res;
    init(f, "2025-11-25");
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":3.5}}}");
    res = json_object_get(r, "result");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "content"), 0), "text")),
                        "5.5");
    assert_null(json_object_get(res, "resultType")); /* 2025 era: no 2026 fields */
    json_decref(r);
    /* invalid arguments: a tool execution error, the handler never runs */
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"add\",\"arguments\":{\"a\":\"x\",\"b\":1}}}");
    res = json_object_get(r, "result");
    assert_true(json_is_true(json_object_get(res, "isError")));
    assert_non_null(strstr(json_string_value(json_object_get(
                               json_array_get(json_object_get(res, "content"), 0), "text")),
                           "a"));
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"add\",\"arguments\":{\"a\":1}}}");
    assert_true(json_is_true(json_object_get(json_object_get(r, "result"), "isError")));
    json_decref(r);
    assert_int_equal(calls_seen, 1);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"nope\"}}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"add\",\"arguments\":[1,2]}}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"internal\"}}");
    assert_int_equal(error_code(r), -32603);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"structured\",\"arguments\":{\"x\":3}}}");
    res = json_object_get(r, "result");
    assert_true(json_real_value(json_object_get(json_object_get(res, "structuredContent"),
                                                "double")) == 6.0);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "content"), 0), "text")),
                        "{\"double\":6.0}");
    json_decref(r);
}

static void test_pending_cancel_duplicate(void **state)
{
    fixture *f = *state;
    json_t *r;
    init(f, "2025-11-25");
    assert_null(roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{"
                             "\"name\":\"park\"}}"));
    assert_non_null(parked);
    /* the same id while the first is in flight */
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}");
    assert_int_equal(error_code(r), -32600);
    json_decref(r);
    /* "9" is a different id from 9 */
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":\"9\",\"method\":\"ping\"}");
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
    mcp_call_text(parked, "late");
    r = json_incref(json_array_get(f->cap.sent, json_array_size(f->cap.sent) - 1));
    mcp_call_complete(parked);
    json_decref(r);
    r = json_array_get(f->cap.sent, json_array_size(f->cap.sent) - 1);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 9);
    /* cancelled: no reply at all */
    parked = NULL;
    assert_null(roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\","
                             "\"params\":{\"name\":\"park\"}}"));
    assert_null(roundtrip(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                             "\"params\":{\"requestId\":10}}"));
    assert_true(mcp_call_is_cancelled(parked));
    {
        size_t before = json_array_size(f->cap.sent);
        mcp_call_complete(parked);
        assert_int_equal(json_array_size(f->cap.sent), before);
    }
    /* the id is free again */
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\"}");
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
}

static void test_pagination(void **state)
{
    fixture *f = *state;
    json_t *r, *res;
    const char *cursor;
    char text[256];
    mcp_server_set_limit(f->srv, MCP_LIMIT_PAGE_SIZE, 3);
    init(f, "2025-11-25");
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    res = json_object_get(r, "result");
    assert_int_equal(json_array_size(json_object_get(res, "tools")), 3);
    cursor = json_string_value(json_object_get(res, "nextCursor"));
    assert_non_null(cursor);
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{\"cursor\":\"%s\"}}",
             cursor);
    json_decref(r);
    r = roundtrip(f, text);
    res = json_object_get(r, "result");
    assert_int_equal(json_array_size(json_object_get(res, "tools")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "tools"), 0), "name")),
                        "internal");
    assert_null(json_object_get(res, "nextCursor"));
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{"
                     "\"cursor\":\"garbage\"}}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\",\"params\":{"
                     "\"cursor\":5}}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    /* Cursors beyond the end of the list: the last tool's own seq (4: no cursor ever names it,
     * nothing follows it), a later item of another kind (7, the prompt), one never issued. */
    {
        static const char *const beyond[][2] = {
            {"tools/list", "mcp1.4"}, {"tools/list", "mcp1.7"}, {"tools/list", "mcp1.ffff"},
            {"prompts/list", "mcp1.7"}, {"resources/list", "mcp1.5"},
        };
        size_t i;
        for (i = 0; i < sizeof beyond / sizeof beyond[0]; i++) {
            snprintf(text, sizeof text,
                     "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"%s\",\"params\":{"
                     "\"cursor\":\"%s\"}}",
                     beyond[i][0], beyond[i][1]);
            r = roundtrip(f, text);
            if (error_code(r) != -32602)
                fail_msg("%s with cursor %s: expected -32602, got %s", beyond[i][0],
                         beyond[i][1], json_dumps(r, JSON_COMPACT));
            assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"),
                                                                  "message")),
                                "Invalid params: invalid cursor");
            json_decref(r);
        }
    }
    /* a cursor stays valid when the items after it go: the list just ends there */
    assert_int_equal(mcp_server_remove_tool(f->srv, "internal"), MCP_OK);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/list\",\"params\":{"
                     "\"cursor\":\"mcp1.3\"}}");
    res = json_object_get(r, "result");
    assert_non_null(res);
    assert_int_equal(json_array_size(json_object_get(res, "tools")), 0);
    assert_null(json_object_get(res, "nextCursor"));
    json_decref(r);
}

static void test_resources_prompts(void **state)
{
    fixture *f = *state;
    json_t *r, *res;
    init(f, "2025-06-18");
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"resources/read\",\"params\":{"
                     "\"uri\":\"test://static\"}}");
    res = json_array_get(json_object_get(json_object_get(r, "result"), "contents"), 0);
    assert_string_equal(json_string_value(json_object_get(res, "text")), "hello");
    assert_string_equal(json_string_value(json_object_get(res, "mimeType")), "text/plain");
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{"
                     "\"uri\":\"test://items/7\"}}");
    res = json_array_get(json_object_get(json_object_get(r, "result"), "contents"), 0);
    assert_string_equal(json_string_value(json_object_get(res, "uri")), "test://items/7");
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"resources/read\",\"params\":{"
                     "\"uri\":\"test://items/missing\"}}");
    assert_int_equal(error_code(r), -32002);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{"
                     "\"uri\":\"other://x\"}}");
    assert_int_equal(error_code(r), -32002);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(r, "error"), "data"), "uri")),
                        "other://x");
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"prompts/get\",\"params\":{"
                     "\"name\":\"greet\"}}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/get\",\"params\":{"
                     "\"name\":\"greet\",\"arguments\":{\"name\":\"Ada\"}}}");
    res = json_array_get(json_object_get(json_object_get(r, "result"), "messages"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(res, "content"), "text")),
                        "Hello Ada");
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"prompts/list\"}");
    res = json_array_get(json_object_get(json_object_get(r, "result"), "prompts"), 0);
    assert_true(json_is_true(json_object_get(
        json_array_get(json_object_get(res, "arguments"), 0), "required")));
    json_decref(r);
}

static void test_stateless(void **state)
{
    fixture *f = *state;
    json_t *r, *res;
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" META26
                     "}}");
    res = json_object_get(r, "result");
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "complete");
    assert_int_equal(json_integer_value(json_object_get(res, "ttlMs")), 0);
    assert_string_equal(json_string_value(json_object_get(res, "cacheScope")), "public");
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(res, "_meta"), "io.modelcontextprotocol/serverInfo"),
            "name")),
        "t");
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{"
                     "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2099-01-01\","
                     "\"io.modelcontextprotocol/clientCapabilities\":{}}}}");
    assert_int_equal(error_code(r), -32022);
    res = json_object_get(json_object_get(r, "error"), "data");
    assert_string_equal(json_string_value(json_array_get(json_object_get(res, "supported"), 0)),
                        "2026-07-28");
    assert_string_equal(json_string_value(json_object_get(res, "requested")), "2099-01-01");
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\",\"params\":{"
                     "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"}}}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"ping\",\"params\":{" META26 "}}");
    assert_int_equal(error_code(r), -32601);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"resources/read\",\"params\":{"
                     "\"uri\":\"nope://x\"," META26 "}}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"server/discover\",\"params\":{" META26
                     "}}");
    res = json_object_get(r, "result");
    assert_string_equal(json_string_value(json_array_get(json_object_get(res, "supportedVersions"),
                                                         0)),
                        "2026-07-28");
    assert_non_null(json_object_get(res, "capabilities"));
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "complete");
    json_decref(r);
    /* the session itself stays uninitialized */
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/list\"}");
    assert_int_equal(error_code(r), -32600);
    json_decref(r);
}

static void test_batches(void **state)
{
    fixture *f = *state;
    json_t *r;
    r = roundtrip(f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
    assert_int_equal(error_code(r), -32600); /* not initialized: no batches */
    json_decref(r);
    init(f, "2025-03-26");
    r = roundtrip(f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},"
                     "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"},"
                     "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}]");
    assert_true(json_is_array(r));
    assert_int_equal(json_array_size(r), 2);
    json_decref(r);
    r = roundtrip(f, "[]");
    assert_int_equal(error_code(r), -32600);
    json_decref(r);
    assert_null(roundtrip(f, "[{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}]"));
    r = roundtrip(f, "[{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"initialize\",\"params\":{}}]");
    assert_int_equal(json_array_size(r), 1);
    assert_int_equal(error_code(json_array_get(r, 0)), -32600);
    json_decref(r);
}

/* The batch cap (MCP_LIMIT_BATCH_ITEMS, default 100): 100 messages are served, 101 refused. */
static void test_batch_cap(void **state)
{
    fixture *f = *state;
    json_t *batch = json_array(), *r;
    char *text;
    int i;
    init(f, "2025-03-26");
    for (i = 0; i < 100; i++)
        json_array_append_new(batch, json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", i,
                                               "method", "ping"));
    text = json_dumps(batch, JSON_COMPACT);
    r = roundtrip(f, text);
    free(text);
    assert_true(json_is_array(r));
    assert_int_equal(json_array_size(r), 100);
    json_decref(r);
    json_array_append_new(batch, json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", 100,
                                           "method", "ping"));
    text = json_dumps(batch, JSON_COMPACT);
    r = roundtrip(f, text);
    free(text);
    assert_int_equal(error_code(r), -32600);
    assert_true(json_is_null(json_object_get(r, "id")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
                        "Invalid Request: batch of 101 messages exceeds the limit of 100");
    json_decref(r);
    json_decref(batch);
}

static mcp_call_t *held[1100];
static size_t nheld;

static int tool_hold(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    held[nheld++] = call;
    return MCP_PENDING;
}

/* The in-flight cap per session (MCP_LIMIT_INFLIGHT, default 1,024): the 1,025th request is
 * refused with -32000 while 1,024 are pending; one finishing frees a slot. */
static void test_inflight_cap(void **state)
{
    fixture *f = *state;
    char text[160];
    json_t *r;
    size_t i;
    nheld = 0;
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "hold", .handler = tool_hold},
                                         NULL),
                     MCP_OK);
    init(f, "2025-11-25");
    for (i = 0; i < 1024; i++) {
        snprintf(text, sizeof text,
                 "{\"jsonrpc\":\"2.0\",\"id\":%zu,\"method\":\"tools/call\",\"params\":{"
                 "\"name\":\"hold\"}}",
                 i);
        assert_null(roundtrip(f, text)); /* pending: no reply yet */
    }
    assert_int_equal(nheld, 1024);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":\"one-too-many\",\"method\":\"ping\"}");
    assert_int_equal(error_code(r), -32000);
    assert_string_equal(json_string_value(json_object_get(r, "id")), "one-too-many");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "error"), "message")),
                        "Server busy: 1024 requests already in flight");
    json_decref(r);
    assert_int_equal(nheld, 1024);
    /* one finishes: the next request is served */
    mcp_call_text(held[0], "done");
    mcp_call_complete(held[0]);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":\"next\",\"method\":\"ping\"}");
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
    for (i = 1; i < nheld; i++)
        mcp_call_complete(held[i]);
}

static void test_batch_refused_after_2025_06_18(void **state)
{
    fixture *f = *state;
    json_t *r;
    init(f, "2025-06-18");
    r = roundtrip(f, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]");
    assert_int_equal(error_code(r), -32600);
    assert_true(json_is_null(json_object_get(r, "id")));
    json_decref(r);
}

static void test_list_changed(void **state)
{
    fixture *f = *state;
    size_t before;
    json_t *last;
    init(f, "2025-11-25");
    before = json_array_size(f->cap.sent);
    assert_int_equal(mcp_server_remove_tool(f->srv, "internal"), MCP_OK);
    assert_int_equal(json_array_size(f->cap.sent), before + 1);
    last = json_array_get(f->cap.sent, before);
    assert_string_equal(json_string_value(json_object_get(last, "method")),
                        "notifications/tools/list_changed");
    assert_int_equal(mcp_server_remove_tool(f->srv, "internal"), MCP_ENOTFOUND);
}

static void test_registration_errors(void **state)
{
    fixture *f = *state;
    mcp_error_t err;
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "add", .handler = tool_add},
                                         &err),
                     MCP_EEXIST);
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "bad name",
                                                                .handler = tool_add},
                                         &err),
                     MCP_EINVAL);
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "nohandler"}, &err),
                     MCP_EINVAL);
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "badschema",
                                                       .input_schema = "{\"type\":\"array\"}",
                                                       .handler = tool_add},
                                         &err),
                     MCP_ESCHEMA);
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "badjson", .input_schema = "{x",
                                                       .handler = tool_add},
                                         &err),
                     MCP_ESCHEMA);
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "badann", .annotations = "[1]",
                                                       .handler = tool_add},
                                         &err),
                     MCP_EINVAL);
    assert_int_equal(mcp_server_add_resource(f->srv,
                                             &(mcp_resource_t){.uri = "no scheme", .name = "x",
                                                               .text = "t"},
                                             &err),
                     MCP_EINVAL);
    assert_int_equal(mcp_server_add_resource(f->srv,
                                             &(mcp_resource_t){.uri_template = "x://{a", .name = "x",
                                                               .handler = res_item},
                                             &err),
                     MCP_EINVAL);
    assert_int_equal(mcp_server_add_prompt(f->srv, &(mcp_prompt_t){.name = "greet",
                                                                   .handler = prompt_greet},
                                           &err),
                     MCP_EEXIST);
}

static void test_params_checks(void **state)
{
    fixture *f = *state;
    json_t *r;
    char deep[512];
    int i, n = 0;
    init(f, "2025-11-25");
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":[1]}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    n += snprintf(deep + n, sizeof deep - (size_t)n,
                  "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
                  "\"add\",\"arguments\":{\"a\":");
    for (i = 0; i < 80; i++)
        deep[n++] = '[';
    for (i = 0; i < 80; i++)
        deep[n++] = ']';
    n += snprintf(deep + n, sizeof deep - (size_t)n, "}}}");
    r = roundtrip(f, deep);
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"logging/setLevel\",\"params\":{"
                     "\"level\":\"loud\"}}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"logging/setLevel\",\"params\":{"
                     "\"level\":\"error\"}}");
    assert_int_equal(json_object_size(json_object_get(r, "result")), 0);
    json_decref(r);
}

/* No global state: two servers in one process, same tool names, different answers. */
static int tool_name_a(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    return mcp_call_text(call, "%s", (const char *)ud);
}

static void test_two_servers(void **state)
{
    fixture *f = *state, *g;
    json_t *r1, *r2;
    const char *call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                       "\"name\":\"who\"," META26 "}}";
    setup((void **)&g);
    mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "who", .handler = tool_name_a,
                                              .userdata = "first"},
                        NULL);
    mcp_server_add_tool(g->srv, &(mcp_tool_t){.name = "who", .handler = tool_name_a,
                                              .userdata = "second"},
                        NULL);
    r1 = roundtrip(f, call);
    r2 = roundtrip(g, call);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
                            json_object_get(r1, "result"), "content"), 0), "text")),
                        "first");
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
                            json_object_get(r2, "result"), "content"), 0), "text")),
                        "second");
    json_decref(r1);
    json_decref(r2);
    teardown((void **)&g);
}

/* ---- middleware ------------------------------------------------------------------------ */

typedef struct mwlog {
    char trail[512]; /* "A>tools/call B>tools/call <B <A ..." */
    double last_ms;
    int last_code, last_tool_error, freed;
} mwlog;

static void mw_note(mwlog *l, const char *fmt, ...) MCP_PRINTF(2, 3);
static void mw_note(mwlog *l, const char *fmt, ...)
{
    size_t n = strlen(l->trail);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->trail + n, sizeof l->trail - n, fmt, ap);
    va_end(ap);
}

static mwlog mw_log;

static int mw_a(const mcp_request_info_t *req, void *ud)
{
    (void)ud;
    mw_note(&mw_log, "A>%s%s%s[%s] ", req->method, req->name ? ":" : "",
            req->name ? req->name : "", req->client);
    if (strcmp(req->method, "notifications/roots/list_changed") == 0)
        return MCP_HANDLED; /* dropped */
    return MCP_OK;
}

static void mw_a_done(const mcp_request_info_t *req, const mcp_outcome_t *out, void *ud)
{
    (void)ud;
    mw_note(&mw_log, "<A:%s ", req->method);
    mw_log.last_ms = out->duration_ms;
    mw_log.last_code = out->error_code;
    mw_log.last_tool_error = out->tool_error;
}

static int mw_b(const mcp_request_info_t *req, void *ud)
{
    (void)ud;
    mw_note(&mw_log, "B>%s ", req->method);
    if (req->name && strcmp(req->name, "blocked") == 0)
        return mcp_call_fail_new(req->call, -32001, NULL, "blocked by B") == MCP_OK ? MCP_HANDLED
                                                                                   : MCP_ENOMEM;
    if (req->name && strcmp(req->name, "answered") == 0) {
        json_object_set_new(mcp_call_result(req->call), "content", json_array());
        json_object_set_new(mcp_call_result(req->call), "isError", json_true());
        return MCP_HANDLED;
    }
    if (req->name && strcmp(req->name, "broken") == 0)
        return MCP_ENOMEM;
    return MCP_OK;
}

static void mw_b_done(const mcp_request_info_t *req, const mcp_outcome_t *out, void *ud)
{
    (void)out;
    (void)ud;
    mw_note(&mw_log, "<B:%s ", req->method);
}

static void mw_free(void *ud)
{
    ((mwlog *)ud)->freed++;
}

static void test_middleware(void **state)
{
    fixture *f = *state;
    json_t *r;
    int before = calls_seen;

    memset(&mw_log, 0, sizeof mw_log);
    assert_int_equal(mcp_server_use(f->srv, &(mcp_middleware_t){0}), MCP_EINVAL);
    assert_int_equal(mcp_server_use(f->srv, &(mcp_middleware_t){.name = "A",
                                                                .request = mw_a,
                                                                .response = mw_a_done,
                                                                .userdata = &mw_log,
                                                                .free_userdata = mw_free}),
                     MCP_OK);
    assert_int_equal(mcp_server_use(f->srv, &(mcp_middleware_t){.name = "B",
                                                                .request = mw_b,
                                                                .response = mw_b_done}),
                     MCP_OK);
    init(f, "2025-11-25");
    assert_string_equal(mw_log.trail, "A>initialize[session:1] B>initialize <B:initialize "
                                      "<A:initialize A>notifications/initialized[session:1] "
                                      "B>notifications/initialized ");
    mw_log.trail[0] = '\0';
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":3}}}");
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
    assert_string_equal(mw_log.trail, "A>tools/call:add[session:1] B>tools/call <B:tools/call "
                                      "<A:tools/call ");
    assert_true(mw_log.last_ms >= 0 && mw_log.last_ms < 1000);
    assert_int_equal(calls_seen, before + 1);
    /* B answers with an error: the handler does not run, both response hooks see it */
    mw_log.trail[0] = '\0';
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"blocked\"}}");
    assert_int_equal(error_code(r), -32001);
    json_decref(r);
    assert_int_equal(mw_log.last_code, -32001);
    assert_string_equal(mw_log.trail, "A>tools/call:blocked[session:1] B>tools/call "
                                      "<B:tools/call <A:tools/call ");
    /* B answers with a result */
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"answered\"}}");
    assert_true(json_is_true(json_object_get(json_object_get(r, "result"), "isError")));
    json_decref(r);
    assert_int_equal(mw_log.last_tool_error, 1);
    /* a failing middleware: -32603 */
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"broken\"}}");
    assert_int_equal(error_code(r), -32603);
    json_decref(r);
    assert_int_equal(calls_seen, before + 1);
    /* a dropped notification; an unknown method never reaches the chain */
    mw_log.trail[0] = '\0';
    assert_null(roundtrip(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/roots/list_changed\"}"));
    assert_string_equal(mw_log.trail, "A>notifications/roots/list_changed[session:1] ");
    mw_log.trail[0] = '\0';
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"nope/nope\"}");
    assert_int_equal(error_code(r), -32601);
    json_decref(r);
    assert_string_equal(mw_log.trail, "");
    /* a 2026 request */
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"resources/read\",\"params\":{"
                     "\"uri\":\"test://static\"," META26 "}}");
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
    assert_non_null(strstr(mw_log.trail, "A>resources/read:test://static[session:1]"));
    assert_int_equal(mw_log.freed, 0);
}

static void test_middleware_rate_limit(void **state)
{
    fixture *f = *state;
    json_t *r;
    int i, refused = 0;

    assert_int_equal(mcp_server_use_rate_limit(f->srv, 0, 1), MCP_EINVAL);
    assert_int_equal(mcp_server_use_rate_limit(f->srv, 0.001, 2), MCP_OK);
    init(f, "2025-11-25");
    for (i = 0; i < 4; i++) {
        r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{"
                         "\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":3}}}");
        if (error_code(r) == -32000) {
            refused++;
            assert_non_null(strstr(json_string_value(json_object_get(
                                       json_object_get(r, "error"), "message")),
                                   "Rate limit exceeded"));
            assert_true(json_integer_value(json_object_get(
                            json_object_get(json_object_get(r, "error"), "data"),
                            "retryAfterMs")) > 0);
        }
        json_decref(r);
    }
    assert_int_equal(refused, 2);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}"); /* never limited */
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
}

/* Hidden items: skipped by pages (which still hold page_size visible ones), unknown to calls;
 * a session's view of a tag is its own. */
static void test_visibility(void **state)
{
    fixture *f = *state;
    capture other = {0};
    mcp__session *s2;
    json_t *r, *res;
    mcp_error_t err;
    mcp_call_t fake;

    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "secret",
                                                       .tags = "admin, beta",
                                                       .handler = tool_add},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "bad", .tags = "a b", .handler = tool_add},
                                         &err),
                     MCP_EINVAL);
    assert_non_null(strstr(err.text, "tag 'a b'"));
    assert_int_equal(mcp_server_enable_tool(f->srv, "nope", 0), MCP_ENOTFOUND);
    assert_int_equal(mcp_server_enable_tag(f->srv, "admin", 0), MCP_OK);
    assert_int_equal(mcp_server_enable_tool(f->srv, "park", 0), MCP_OK);
    mcp_server_set_limit(f->srv, MCP_LIMIT_PAGE_SIZE, 2);
    init(f, "2025-11-25");
    /* add park structured internal secret: visible add structured internal -> pages of 2, 1 */
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
    res = json_object_get(r, "result");
    assert_int_equal(json_array_size(json_object_get(res, "tools")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "tools"), 1), "name")),
                        "structured");
    assert_non_null(json_object_get(res, "nextCursor"));
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{"
                     "\"cursor\":\"mcp1.3\"}}");
    res = json_object_get(r, "result");
    assert_int_equal(json_array_size(json_object_get(res, "tools")), 1);
    assert_null(json_object_get(res, "nextCursor")); /* only hidden ones follow */
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"secret\"}}");
    assert_int_equal(error_code(r), -32602);
    json_decref(r);
    /* this session shows "admin": still hidden by "beta"? no: beta is on server-wide */
    memset(&fake, 0, sizeof fake);
    fake.srv = f->srv;
    fake.sess = f->sess;
    assert_int_equal(mcp_call_session_enable_tag(&fake, "admin", 1), MCP_OK);
    assert_int_equal(count_method(f, 0, "notifications/tools/list_changed"), 1);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"secret\",\"arguments\":{\"a\":1,\"b\":2}}}");
    assert_non_null(json_object_get(r, "result"));
    json_decref(r);
    /* another session still does not see it */
    other.sent = json_array();
    s2 = mcp__session_new(f->srv, &cap_ops, &other);
    s2->state = MCP__SESS_READY;
    s2->ctx.version = MCP_PROTOCOL_2025_11_25;
    s2->ctx.client_caps = json_object();
    mcp__server_receive(s2, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{"
                            "\"name\":\"secret\"}}",
                        strlen("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{"
                               "\"name\":\"secret\"}}"));
    assert_int_equal(error_code(json_array_get(other.sent, 0)), -32602);
    mcp__server_session_end(s2);
    mcp__session_unref(s2);
    json_decref(other.sent);
    /* enabling back for everyone: broadcast */
    assert_int_equal(mcp_server_enable_tool(f->srv, "park", 1), MCP_OK);
    assert_int_equal(count_method(f, 0, "notifications/tools/list_changed"), 2);
    assert_int_equal(mcp_server_enable_tool(f->srv, "park", 1), MCP_OK); /* no change: silent */
    assert_int_equal(count_method(f, 0, "notifications/tools/list_changed"), 2);
}

static int tool_cache_hint(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    assert_int_equal(mcp_call_set_cache(call, 5000, MCP_CACHE_PUBLIC), MCP_OK); /* no effect */
    return mcp_call_text(call, "ok");
}

/* Cache hints: set per list and per resource, only on 2026-07-28 cacheable results. */
static void test_cache_hints(void **state)
{
    fixture *f = *state;
    json_t *r, *res;

    assert_int_equal(mcp_server_set_cache(f->srv, MCP_CACHE_TOOLS_LIST, 60000, MCP_CACHE_PRIVATE),
                     MCP_OK);
    assert_int_equal(mcp_server_set_cache(f->srv, (mcp_cache_result)99, 1, MCP_CACHE_PUBLIC),
                     MCP_EINVAL);
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "hinted", .handler = tool_cache_hint},
                                         NULL),
                     MCP_OK);
    assert_int_equal(
        mcp_server_add_resource(f->srv,
                                &(mcp_resource_t){.uri = "test://cached",
                                                  .name = "cached",
                                                  .text = "c",
                                                  .cache_ttl_ms = 1000,
                                                  .cache_scope = MCP_CACHE_PUBLIC},
                                NULL),
        MCP_OK);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" META26
                     "}}");
    res = json_object_get(r, "result");
    assert_int_equal(json_integer_value(json_object_get(res, "ttlMs")), 60000);
    assert_string_equal(json_string_value(json_object_get(res, "cacheScope")), "private");
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/read\",\"params\":{"
                     "\"uri\":\"test://cached\"," META26 "}}");
    res = json_object_get(r, "result");
    assert_int_equal(json_integer_value(json_object_get(res, "ttlMs")), 1000);
    assert_string_equal(json_string_value(json_object_get(res, "cacheScope")), "public");
    json_decref(r);
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{"
                     "\"name\":\"hinted\"," META26 "}}");
    res = json_object_get(r, "result");
    assert_non_null(res);
    assert_null(json_object_get(res, "ttlMs"));
    assert_null(json_object_get(res, "cacheScope"));
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_before_initialize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_initialize, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tools_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_cancel_duplicate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pagination, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resources_prompts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stateless, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inflight_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_refused_after_2025_06_18, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registration_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_params_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visibility, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_hints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_middleware, setup, teardown),
        cmocka_unit_test_setup_teardown(test_middleware_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_servers, setup, teardown),
    };
    return cmocka_run_group_tests_name("dispatch", tests, NULL, NULL);
}
