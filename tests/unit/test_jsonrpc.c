/* JSON-RPC envelopes: parsing, classification and builders (libmcp/base/jsonrpc.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "server/server.h"

static json_t *load(const char *text)
{
    json_t *err = NULL;
    json_t *v = mcp__jsonrpc_parse(text, strlen(text), &err);
    json_decref(err);
    return v;
}

static int parse_error_code(const char *text)
{
    json_t *err = NULL;
    json_t *v = mcp__jsonrpc_parse(text, strlen(text), &err);
    int code = 0;
    if (!v) {
        assert_non_null(err);
        assert_true(json_is_null(json_object_get(err, "id")));
        code = (int)json_integer_value(json_object_get(json_object_get(err, "error"), "code"));
    }
    json_decref(v);
    json_decref(err);
    return code;
}

static void test_parse_errors(void **state)
{
    (void)state;
    assert_int_equal(parse_error_code("{\"jsonrpc\":"), -32700);
    assert_int_equal(parse_error_code("{]"), -32700);
    assert_int_equal(parse_error_code("{} x"), -32700);
    assert_int_equal(parse_error_code("{}{}"), -32700);
    assert_int_equal(parse_error_code("{\"a\":1,\"a\":2}"), -32700); /* duplicate keys */
    assert_int_equal(parse_error_code("{\"a\\u0000\":1}"), -32700);   /* NUL in a key */
    assert_int_equal(parse_error_code("{\"a\":\"\xff\xfe\"}"), -32700); /* invalid UTF-8 */
    assert_int_equal(parse_error_code("{\"id\":9223372036854775808}"), -32700);
    assert_int_equal(parse_error_code("42"), -32700); /* bare scalars are not messages */
    assert_int_equal(parse_error_code(""), -32700);
    assert_int_equal(parse_error_code("{\"ok\":true}"), 0);
    assert_int_equal(parse_error_code("[1,2]"), 0);
}

static void classify_text(const char *text, mcp__msg *m, json_t **keep)
{
    *keep = load(text);
    assert_non_null(*keep);
    mcp__jsonrpc_classify(*keep, m);
}

static void test_classify_kinds(void **state)
{
    mcp__msg m;
    json_t *v;
    (void)state;
    classify_text("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &m, &v);
    assert_int_equal(m.kind, MCP__MSG_REQUEST);
    assert_string_equal(m.method, "ping");
    assert_int_equal(json_integer_value(m.id), 1);
    json_decref(v);

    classify_text("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"x\",\"params\":{}}", &m, &v);
    assert_int_equal(m.kind, MCP__MSG_REQUEST);
    assert_string_equal(json_string_value(m.id), "a");
    assert_true(json_is_object(m.params));
    json_decref(v);

    classify_text("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &m, &v);
    assert_int_equal(m.kind, MCP__MSG_NOTIFICATION);
    assert_null(m.id);
    json_decref(v);

    classify_text("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}", &m, &v);
    assert_int_equal(m.kind, MCP__MSG_RESPONSE);
    json_decref(v);

    classify_text("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-1,\"message\":\"x\"}}", &m,
                  &v);
    assert_int_equal(m.kind, MCP__MSG_RESPONSE);
    assert_non_null(m.error);
    json_decref(v);
}

static void expect_invalid(const char *text, bool id_kept)
{
    mcp__msg m;
    json_t *v;
    classify_text(text, &m, &v);
    assert_int_equal(m.kind, MCP__MSG_INVALID);
    assert_int_equal(m.error_code, -32600);
    assert_non_null(m.error_text);
    if (id_kept)
        assert_non_null(m.id);
    else
        assert_null(m.id);
    json_decref(v);
}

static void test_classify_invalid(void **state)
{
    (void)state;
    expect_invalid("[]", false);
    expect_invalid("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}", true);
    expect_invalid("{\"id\":1,\"method\":\"ping\"}", true);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", false);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}", false);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", false);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", false);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":[],\"method\":\"ping\"}", false);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}", true);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", true);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":3}", true);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1}", true);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{\"code\":1}}", true);
    expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"message\":\"no code\"}}", true);
    expect_invalid("{\"jsonrpc\":\"2.0\"}", false);
}

static void test_ids_exact(void **state)
{
    const char *ids[] = {"1", "\"1\"", "0", "-1", "9007199254740991", "9223372036854775807",
                         "\"\""};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char text[128], *out;
        mcp__msg m;
        json_t *v, *reply;
        snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}", ids[i]);
        classify_text(text, &m, &v);
        assert_int_equal(m.kind, MCP__MSG_REQUEST);
        reply = mcp__jsonrpc_result(m.id, json_object());
        out = mcp__jsonrpc_dump(reply, NULL);
        snprintf(text, sizeof text, "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{}}", ids[i]);
        assert_string_equal(out, text);
        free(out);
        json_decref(reply);
        json_decref(v);
    }
}

static void test_builders(void **state)
{
    json_t *id = json_integer(7), *e;
    char *s;
    (void)state;
    e = mcp__jsonrpc_error(id, -32601, "Method not found: x", json_pack("{s:s}", "k", "v"));
    s = mcp__jsonrpc_dump(e, NULL);
    assert_string_equal(s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32601,\"message\":"
                           "\"Method not found: x\",\"data\":{\"k\":\"v\"}}}");
    free(s);
    json_decref(e);
    e = mcp__jsonrpc_error(NULL, -32700, "Parse error", NULL);
    s = mcp__jsonrpc_dump(e, NULL);
    assert_string_equal(s, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
                           "\"message\":\"Parse error\"}}");
    free(s);
    json_decref(e);
    e = mcp__jsonrpc_notification("notifications/tools/list_changed", NULL);
    s = mcp__jsonrpc_dump(e, NULL);
    assert_string_equal(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}");
    free(s);
    json_decref(e);
    /* No embedded newline ever: STDIO framing depends on it. */
    e = mcp__jsonrpc_result(id, json_pack("{s:s}", "t", "a\nb\r\n"));
    s = mcp__jsonrpc_dump(e, NULL);
    assert_null(strchr(s, '\n'));
    free(s);
    json_decref(e);
    json_decref(id);
}

static void test_depth(void **state)
{
    char deep[300];
    json_t *v;
    int i;
    (void)state;
    for (i = 0; i < 100; i++)
        deep[i] = '[';
    for (i = 0; i < 100; i++)
        deep[100 + i] = ']';
    deep[200] = '\0';
    v = load(deep);
    assert_non_null(v);
    assert_true(mcp__jsonrpc_too_deep(v, 64));
    assert_false(mcp__jsonrpc_too_deep(v, 100));
    assert_true(mcp__jsonrpc_too_deep(v, 99));
    json_decref(v);
    v = load("{\"a\":{\"b\":[1,{\"c\":2}]}}");
    assert_false(mcp__jsonrpc_too_deep(v, 4));
    assert_true(mcp__jsonrpc_too_deep(v, 3));
    json_decref(v);
}

static void test_errors_table(void **state)
{
    (void)state;
    assert_string_equal(mcp_strerror(MCP_OK), "success");
    assert_string_equal(mcp_strerror(MCP_ENOMEM), "out of memory");
    assert_string_equal(mcp_err_name(MCP_ESCHEMA), "MCP_ESCHEMA");
    assert_string_equal(mcp_strerror(-999), "unknown error");
    assert_int_equal(mcp_version(), MCP_VERSION_HEX);
    assert_string_equal(mcp_version_string(), MCP_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),    cmocka_unit_test(test_classify_kinds),
        cmocka_unit_test(test_classify_invalid), cmocka_unit_test(test_ids_exact),
        cmocka_unit_test(test_builders),        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_errors_table),
    };
    return cmocka_run_group_tests_name("jsonrpc", tests, NULL, NULL);
}
