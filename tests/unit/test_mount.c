/*
 * Mounting (include/mcp_mount.h, libmcp/app/mount.c), all in one process on one loop: an inner
 * server mounted on an outer one under a prefix through the in-memory client transport, and a
 * client of the outer server. Prefixed names and URIs, tools (results, tool errors, JSON-RPC
 * errors, progress), resources and templates, prompts, completion, the inner server's
 * questions (elicitation) answered by the real client, logs, cancellation by the real client,
 * list changes followed in both eras, and the end of everything with nothing leaked (ASan,
 * valgrind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "client_harness.h"

/* ---- the inner server --------------------------------------------------------------------- */

static mcp_call_t *held;
static int held_cancelled;

static int progress(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    mcp_call_log(call, MCP_LOG_WARNING, "inner", "working");
    mcp_call_progress(call, 1, 2, "half");
    mcp_call_progress(call, 2, 2, "done");
    mcp_call_structured_new(call, json_pack("{s:i}", "steps", 2));
    return MCP_OK;
}

static void hold_cancelled(mcp_call_t *call, void *ud)
{
    (void)ud;
    held_cancelled++;
    held = NULL;
    mcp_call_complete(call);
}

static int hold(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    held = call;
    mcp_call_on_cancel(call, hold_cancelled, NULL);
    return MCP_PENDING;
}

static int read_item(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    char text[64];
    (void)ud;
    snprintf(text, sizeof text, "item %s", json_string_value(json_object_get(vars, "id")));
    return mcp_call_resource_text(call, uri, "text/plain", text);
}

static mcp_server_t *inner_new(void)
{
    mcp_server_t *s = mcp_server_new("inner", "1.0");
    assert_non_null(s);
    assert_int_equal(mcp_server_add_tool(s,
                                         &(mcp_tool_t){.name = "add",
                                                       .description = "Add",
                                                       .input_schema = "a: number, b: number",
                                                       .handler = ch_add},
                                         NULL),
                     MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(s, &(mcp_tool_t){.name = "fails", .handler = ch_fails}, NULL), MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(s, &(mcp_tool_t){.name = "rpc_error", .handler = ch_rpc_error}, NULL),
        MCP_OK);
    assert_int_equal(mcp_server_add_tool(s,
                                         &(mcp_tool_t){.name = "progress",
                                                       .output_schema = "steps: integer",
                                                       .handler = progress},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(s, &(mcp_tool_t){.name = "hold", .handler = hold}, NULL),
                     MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(s, &(mcp_tool_t){.name = "ask_name", .handler = ch_ask}, NULL), MCP_OK);
    ch_add_static(s);
    assert_int_equal(mcp_server_add_resource(s,
                                             &(mcp_resource_t){.uri_template = "test://item/{id}",
                                                               .name = "item",
                                                               .handler = read_item},
                                             NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_prompt(s,
                                           &(mcp_prompt_t){.name = "greet",
                                                           .description = "Greet someone",
                                                           .arguments = "name 'Who to greet'",
                                                           .handler = ch_greet,
                                                           .complete = ch_complete_name},
                                           NULL),
                     MCP_OK);
    return s;
}

/* ---- the set-up: inner <- mount client <- outer <- real client, one loop ----------------------
 */

typedef struct fix {
    ch_mount m;
    int progress_seen, logs_seen, asked;
} fix;

static void on_log(mcp_client_t *c, mcp_log_level level, const char *logger, const json_t *data,
                   void *ud)
{
    fix *f = ud;
    (void)c;
    (void)data;
    if (level == MCP_LOG_WARNING && logger && strcmp(logger, "inner") == 0)
        f->logs_seen++;
}

static fix *fix_new(const char *inner_protocol, const char *outer_protocol)
{
    fix *f = calloc(1, sizeof *f);
    assert_non_null(f);
    ch_mount_open(&f->m, inner_new(), inner_protocol, outer_protocol);
    mcp_client_on_ask(f->m.c, MCP_CLIENT_ASK_ELICITATION, ch_answer_ada, &f->asked);
    mcp_client_on_log(f->m.c, on_log, f);
    ch_initialize(f->m.c);
    return f;
}

static void fix_free(fix *f)
{
    ch_mount_close(&f->m);
    free(f);
}

static bool has(const json_t *list, const char *field, const char *value)
{
    size_t i;
    for (i = 0; i < json_array_size(list); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(list, i), field)), value) == 0)
            return true;
    return false;
}

/* ---- tests ------------------------------------------------------------------------------------
 */

static void check_lists(fix *f)
{
    json_t *tools = NULL, *res = NULL, *tpl = NULL, *prompts = NULL;
    assert_int_equal(mcp_client_list_tools_sync(f->m.c, &tools, NULL), MCP_OK);
    assert_int_equal(json_array_size(tools), 6);
    assert_true(has(tools, "name", "in_add"));
    assert_true(has(tools, "name", "in_progress"));
    assert_int_equal(mcp_client_list_resources_sync(f->m.c, &res, NULL), MCP_OK);
    assert_true(has(res, "uri", "test://in/static"));
    assert_int_equal(mcp_client_list_resource_templates_sync(f->m.c, &tpl, NULL), MCP_OK);
    assert_true(has(tpl, "uriTemplate", "test://in/item/{id}"));
    assert_int_equal(mcp_client_list_prompts_sync(f->m.c, &prompts, NULL), MCP_OK);
    assert_true(has(prompts, "name", "in_greet"));
    json_decref(tools);
    json_decref(res);
    json_decref(tpl);
    json_decref(prompts);
}

static void on_progress(mcp_client_t *c, double p, double total, const char *msg, void *ud)
{
    fix *f = ud;
    (void)c;
    (void)msg;
    assert_true(p >= 1 && total == 2);
    f->progress_seen++;
}

static void check_calls(fix *f)
{
    json_t *res = NULL;
    mcp_client_error_t err;
    ch_done d = {.keep = true};
    mcp_client_request_t *req = NULL;

    assert_int_equal(mcp_client_call_tool_sync(f->m.c, "in_add",
                                               json_pack("{s:i, s:i}", "a", 2, "b", 3), &res, NULL),
                     MCP_OK);
    assert_string_equal(mcp_client_result_text(res), "5");
    { /* the inner server's 2026 envelope does not leak through */
        const json_t *si =
            json_object_get(json_object_get(res, "_meta"), "io.modelcontextprotocol/serverInfo");
        if (si)
            assert_string_equal(json_string_value(json_object_get(si, "name")), "outer");
    }
    json_decref(res);
    /* argument validation happens at the outer server too */
    assert_int_equal(
        mcp_client_call_tool_sync(f->m.c, "in_add", json_pack("{s:s}", "a", "x"), &res, NULL),
        MCP_OK);
    assert_true(mcp_client_result_is_error(res));
    json_decref(res);
    assert_int_equal(mcp_client_call_tool_sync(f->m.c, "in_fails", NULL, &res, NULL), MCP_OK);
    assert_true(mcp_client_result_is_error(res));
    assert_string_equal(mcp_client_result_text(res), CH_FAILS_TEXT);
    json_decref(res);
    assert_int_equal(mcp_client_call_tool_sync(f->m.c, "in_rpc_error", NULL, &res, &err),
                     MCP_EREMOTE);
    assert_int_equal(err.code, -32042);
    assert_non_null(strstr(err.text, "custom error"));

    /* progress and logs of the inner call reach the real client; structuredContent passes */
    assert_int_equal(mcp_client_call_tool_new(
                         f->m.c, "in_progress", NULL,
                         &(mcp_client_call_opts_t){.progress = on_progress, .progress_userdata = f},
                         ch_on_done, &d, NULL),
                     MCP_OK);
    ch_run_until(&f->m.loop, &d.n);
    assert_int_equal(d.status, MCP_OK);
    assert_int_equal(f->progress_seen, 2);
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(d.result, "structuredContent"), "steps")),
                     2);
    json_decref(d.result);

    /* cancellation by the real client reaches the inner handler */
    memset(&d, 0, sizeof d);
    held = NULL;
    held_cancelled = 0;
    assert_int_equal(mcp_client_call_tool_new(f->m.c, "in_hold", NULL, NULL, ch_on_done, &d, &req),
                     MCP_OK);
    {
        int i;
        for (i = 0; i < 100 && !held; i++)
            uv_run(&f->m.loop, UV_RUN_ONCE);
    }
    assert_non_null(held);
    assert_int_equal(mcp_client_cancel(f->m.c, req, "enough"), MCP_OK);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.status, MCP_ECANCELLED);
    ch_run_until(&f->m.loop, &held_cancelled);
    assert_int_equal(held_cancelled, 1);
}

static void check_resources_prompts(fix *f)
{
    json_t *res = NULL;
    ch_done d = {.keep = true};
    assert_int_equal(mcp_client_read_resource_sync(f->m.c, "test://in/static", &res, NULL), MCP_OK);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "contents"), 0), "text")),
                        CH_STATIC_TEXT);
    json_decref(res);
    assert_int_equal(mcp_client_read_resource_sync(f->m.c, "test://in/item/42", &res, NULL),
                     MCP_OK);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "contents"), 0), "text")),
                        "item 42");
    json_decref(res);
    assert_int_equal(mcp_client_get_prompt_sync(f->m.c, "in_greet",
                                                json_pack("{s:s}", "name", "Bob"), &res, NULL),
                     MCP_OK);
    {
        char *dump = json_dumps(res, 0);
        assert_non_null(strstr(dump, "Hello Bob"));
        free(dump);
    }
    json_decref(res);
    assert_int_equal(
        mcp_client_complete_new(f->m.c, "prompt", "in_greet", "name", "al", NULL, ch_on_done, &d),
        MCP_OK);
    ch_run_until(&f->m.loop, &d.n);
    assert_int_equal(d.status, MCP_OK);
    assert_int_equal(
        json_array_size(json_object_get(json_object_get(d.result, "completion"), "values")), 2);
    json_decref(d.result);
}

/* A tool added to or removed from the inner server shows up at the outer one. */
static void check_list_changed(fix *f)
{
    json_t *tools = NULL;
    int i;
    assert_int_equal(
        mcp_server_add_tool(f->m.inner, &(mcp_tool_t){.name = "late", .handler = ch_add}, NULL),
        MCP_OK);
    assert_int_equal(mcp_server_remove_tool(f->m.inner, "fails"), MCP_OK);
    for (i = 0; i < 200; i++) {
        uv_run(&f->m.loop, UV_RUN_NOWAIT);
        json_decref(tools);
        tools = NULL;
        assert_int_equal(mcp_client_list_tools_sync(f->m.c, &tools, NULL), MCP_OK);
        if (has(tools, "name", "in_late") && !has(tools, "name", "in_fails"))
            break;
    }
    assert_true(has(tools, "name", "in_late"));
    assert_false(has(tools, "name", "in_fails"));
    json_decref(tools);
}

static void test_2025_everywhere(void **state)
{
    fix *f = fix_new(MCP_PROTOCOL_2025_11_25, MCP_PROTOCOL_2025_11_25);
    json_t *res = NULL;
    (void)state;
    check_lists(f);
    check_calls(f);
    assert_true(f->logs_seen >= 1);
    check_resources_prompts(f);
    /* the inner server's question goes to the real client through the call in progress */
    assert_int_equal(mcp_client_call_tool_sync(f->m.c, "in_ask_name", NULL, &res, NULL), MCP_OK);
    assert_string_equal(mcp_client_result_text(res), "name=Ada action=accept");
    assert_int_equal(f->asked, 1);
    json_decref(res);
    check_list_changed(f);
    fix_free(f);
}

static void test_2026_everywhere(void **state)
{
    fix *f = fix_new(NULL, NULL); /* negotiated: 2026-07-28 on both links */
    json_t *res = NULL;
    (void)state;
    check_lists(f);
    check_calls(f);
    check_resources_prompts(f);
    /* the inner server's question reaches the real client through input_required and the
     * retry (more in test_mount_forward.c) */
    assert_int_equal(mcp_client_call_tool_sync(f->m.c, "in_ask_name", NULL, &res, NULL), MCP_OK);
    assert_string_equal(mcp_client_result_text(res), "name=Ada action=accept");
    assert_int_equal(f->asked, 1);
    json_decref(res);
    check_list_changed(f); /* through subscriptions/listen */
    fix_free(f);
}

/* The outer server goes away while a forwarded call is in flight: it ends, nothing leaks. */
static void test_free_with_call_in_flight(void **state)
{
    fix *f = fix_new(MCP_PROTOCOL_2025_11_25, NULL);
    ch_done d = {0};
    int i;
    (void)state;
    held = NULL;
    assert_int_equal(mcp_client_call_tool_new(f->m.c, "in_hold", NULL, NULL, ch_on_done, &d, NULL),
                     MCP_OK);
    for (i = 0; i < 100 && !held; i++)
        uv_run(&f->m.loop, UV_RUN_ONCE);
    assert_non_null(held);
    mcp_client_free(f->m.c);
    f->m.c = mcp_client_new(&f->m.loop, "again", "1");
    assert_int_equal(d.n, 1);
    mcp_server_free(f->m.outer);
    f->m.outer = mcp_server_new("outer", "2.0");
    assert_int_equal(mcp_server_attach(f->m.outer, &f->m.loop), MCP_OK);
    if (held) {
        mcp_call_complete(held);
        held = NULL;
    }
    fix_free(f);
}

static void test_bad_arguments(void **state)
{
    mcp_server_t *s = mcp_server_new("s", "1");
    uv_loop_t other;
    mcp_client_t *c;
    mcp_error_t err = {0};
    (void)state;
    uv_loop_init(&other);
    assert_int_equal(mcp_server_mount(NULL, NULL, NULL, &err), MCP_EINVAL);
    c = mcp_client_new(&other, "x", "1");
    assert_int_equal(mcp_server_mount(s, c, "p", &err), MCP_EINVAL); /* the server has no loop */
    mcp_client_free(c);
    mcp_server_free(s);
    uv_run(&other, UV_RUN_NOWAIT);
    assert_int_equal(uv_loop_close(&other), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_2025_everywhere),
        cmocka_unit_test(test_2026_everywhere),
        cmocka_unit_test(test_free_with_call_in_flight),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
