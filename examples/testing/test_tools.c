/* test_tools — testing an MCP server's tools with no process, no socket and no Node: build the
 * server in the test, connect libmcp's in-memory client to it, call tools, assert on results.
 *
 * The pattern: keep the function that builds your server (`weather_server_new()` here) apart
 * from main(), so both your binary and your tests can call it. Each test then is
 *
 *     mcp_server_t *srv = weather_server_new();
 *     mcp_client_t *c = mcp_client_new(NULL, "test", "1");   // a private loop
 *     mcp_client_connect_server(c, srv);                      // in memory, same loop
 *     mcp_client_initialize_sync(c, NULL, NULL);
 *     mcp_client_call_tool_sync(c, "forecast", args, &result, &err);
 *     ... assert on result ...
 *     mcp_client_free(c); mcp_server_free(srv);
 *
 * Messages still cross as JSON text through the server's real reader, schema validation and
 * dispatch, in whichever protocol era the test pins (mcp_client_set_protocol()) or negotiates.
 * Build: cc test_tools.c $(pkg-config --cflags --libs libmcp) -lcmocka (make builds and runs it
 * with the unit tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <mcp_client.h>

/* ---- the author's server (normally in its own file, shared with main()) -------------------- */

static int forecast(mcp_call_t *call, const json_t *args, void *userdata)
{
    const char *city = json_string_value(json_object_get(args, "city"));
    json_int_t days = json_integer_value(json_object_get(args, "days"));
    (void)userdata;
    if (strcmp(city, "Atlantis") == 0)
        return mcp_call_tool_error(call, "no forecast for %s", city);
    return mcp_call_text(call, "%s: sunny for %lld day(s)", city, (long long)days);
}

static mcp_server_t *weather_server_new(void)
{
    mcp_server_t *srv = mcp_server_new("weather", "1.0.0");
    if (srv && mcp_server_add_tool(srv,
                                   &(mcp_tool_t){.name = "forecast",
                                                 .description = "Weather forecast for a city",
                                                 .input_schema =
                                                     "city: string, days?: integer min=1 max=7",
                                                 .handler = forecast},
                                   NULL) != MCP_OK) {
        mcp_server_free(srv);
        srv = NULL;
    }
    return srv;
}

/* ---- the tests ----------------------------------------------------------------------------- */

typedef struct fixture {
    mcp_server_t *srv;
    mcp_client_t *c;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || !(f->srv = weather_server_new()) ||
        !(f->c = mcp_client_new(NULL, "weather-test", "1.0")) ||
        mcp_client_connect_server(f->c, f->srv) != MCP_OK ||
        mcp_client_initialize_sync(f->c, NULL, NULL) != MCP_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mcp_client_free(f->c); /* first the client, then the server it is connected to */
    mcp_server_free(f->srv);
    free(f);
    return 0;
}

static void test_forecast(void **state)
{
    fixture *f = *state;
    json_t *result = NULL;
    mcp_client_error_t err;
    int rc = mcp_client_call_tool_sync(f->c, "forecast",
                                       json_pack("{sssi}", "city", "Lisbon", "days", 3), &result,
                                       &err);
    assert_int_equal(rc, MCP_OK);
    assert_false(mcp_client_result_is_error(result));
    assert_string_equal(mcp_client_result_text(result), "Lisbon: sunny for 3 day(s)");
    json_decref(result);
}

static void test_tool_error(void **state)
{
    fixture *f = *state;
    json_t *result = NULL;
    assert_int_equal(mcp_client_call_tool_sync(f->c, "forecast",
                                               json_pack("{ss}", "city", "Atlantis"), &result,
                                               NULL),
                     MCP_OK);
    assert_true(mcp_client_result_is_error(result)); /* the model sees it: isError */
    assert_string_equal(mcp_client_result_text(result), "no forecast for Atlantis");
    json_decref(result);
}

static void test_schema_rejects_bad_arguments(void **state)
{
    fixture *f = *state;
    json_t *result = NULL;
    /* days must be 1..7: the server's validator answers before the handler runs */
    assert_int_equal(mcp_client_call_tool_sync(f->c, "forecast",
                                               json_pack("{sssi}", "city", "Oslo", "days", 30),
                                               &result, NULL),
                     MCP_OK);
    assert_true(mcp_client_result_is_error(result));
    json_decref(result);
}

static void test_listed(void **state)
{
    fixture *f = *state;
    json_t *tools = NULL;
    assert_int_equal(mcp_client_list_tools_sync(f->c, &tools, NULL), MCP_OK);
    assert_int_equal(json_array_size(tools), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tools, 0), "name")),
                        "forecast");
    json_decref(tools);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_forecast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tool_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_rejects_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
