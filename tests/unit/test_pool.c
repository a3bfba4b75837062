/*
 * Unit tests: the fair share of the thread pool and tool execution time limits (core/pool.c,
 * core/call.c), on the in-memory harness with a real loop and real pool threads.
 *
 * - One client's many blocking calls cannot delay another client's call by more than a slot,
 *   and one client never holds more than its share of the threads.
 * - A tool past its time limit is answered at once with an isError result, its handler sees the
 *   cancellation, its late result is dropped, and the server keeps serving; a call still
 *   waiting for a thread when its time is up never runs; one cancelled while waiting never runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"

#define POOL 4

static int running_a, max_running_a; /* handlers of client "a" on pool threads (atomic) */
static int started, returned;        /* handler runs (atomic) */
static int saw_cancel;               /* a handler noticed the cancellation (atomic) */
static int cancel_cb_ran;

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* sleep: MCP_TOOL_BLOCKING; sleeps args.ms in 5 ms steps, stopping early when cancelled. */
static int tool_sleep(mcp_call_t *call, const json_t *args, void *ud)
{
    long ms = (long)json_integer_value(json_object_get(args, "ms"));
    const char *who = json_string_value(json_object_get(args, "who"));
    bool a = who && strcmp(who, "a") == 0;
    long slept;
    (void)ud;
    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
    if (a) {
        int now = __atomic_add_fetch(&running_a, 1, __ATOMIC_SEQ_CST), max;
        while ((max = __atomic_load_n(&max_running_a, __ATOMIC_SEQ_CST)) < now &&
               !__atomic_compare_exchange_n(&max_running_a, &max, now, false, __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST))
            ;
    }
    for (slept = 0; slept < ms; slept += 5) {
        if (mcp_call_is_cancelled(call)) {
            __atomic_store_n(&saw_cancel, 1, __ATOMIC_SEQ_CST);
            break;
        }
        nap_ms(5);
    }
    if (a)
        __atomic_sub_fetch(&running_a, 1, __ATOMIC_SEQ_CST);
    mcp_call_text(call, "slept");
    __atomic_add_fetch(&returned, 1, __ATOMIC_SEQ_CST);
    return MCP_OK;
}

/* later: replies only when cancelled (its cancel callback completes it). */
static void later_cancelled(mcp_call_t *call, void *ud)
{
    (void)ud;
    cancel_cb_ran++;
    mcp_call_text(call, "late");
    mcp_call_complete(call);
}

static int tool_later(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    mcp_call_on_cancel(call, later_cancelled, NULL);
    return MCP_PENDING;
}

static int tool_quick(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_text(call, "quick");
}

static int setup(void **state)
{
    fixture *f = harness_new(true);
    running_a = max_running_a = started = returned = saw_cancel = cancel_cb_ran = 0;
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "sleep",
                                                       .input_schema = "ms: integer, who?: string",
                                                       .handler = tool_sleep,
                                                       .flags = MCP_TOOL_BLOCKING},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "stuck",
                                                       .input_schema = "ms: integer",
                                                       .handler = tool_sleep,
                                                       .flags = MCP_TOOL_BLOCKING,
                                                       .timeout_ms = 100},
                                         NULL),
                     MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "later", .handler = tool_later}, NULL),
        MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "quick", .handler = tool_quick}, NULL),
        MCP_OK);
    *state = f;
    return 0;
}

/* Run the loop until every handler that started has returned and its work came back. */
static int teardown(void **state)
{
    fixture *f = *state;
    while (__atomic_load_n(&returned, __ATOMIC_SEQ_CST) <
               __atomic_load_n(&started, __ATOMIC_SEQ_CST) ||
           mcp__pool_busy(f->srv) > 0)
        uv_run(&f->loop, UV_RUN_ONCE);
    harness_free(f);
    return 0;
}

static void init(mcp__session *s)
{
    static const char init_msg[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
                                   "\"params\":{\"protocolVersion\":\"2025-11-25\","
                                   "\"capabilities\":{}}}";
    static const char ready[] = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";
    mcp__server_receive(s, init_msg, strlen(init_msg));
    mcp__server_receive(s, ready, strlen(ready));
}

static void call_tool(mcp__session *s, int id, const char *name, const char *args)
{
    char text[256];
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":{\"name\":\"%s\","
             "\"arguments\":%s}}",
             id, name, args);
    mcp__server_receive(s, text, strlen(text));
}

/* The reply with `id` that `c` captured, or NULL. */
static json_t *reply_to(const capture *c, int id)
{
    size_t i;
    json_t *m;
    json_array_foreach(c->sent, i, m)
    {
        if (json_integer_value(json_object_get(m, "id")) == id && !json_object_get(m, "method"))
            return m;
    }
    return NULL;
}

static size_t replies_to(const capture *c, int id)
{
    size_t i, n = 0;
    json_t *m;
    json_array_foreach(c->sent, i, m)
    {
        if (json_integer_value(json_object_get(m, "id")) == id && !json_object_get(m, "method"))
            n++;
    }
    return n;
}

static const char *reply_text(const json_t *reply)
{
    return json_string_value(json_object_get(
        json_array_get(json_object_get(json_object_get(reply, "result"), "content"), 0), "text"));
}

static double ms_since(uint64_t t0)
{
    return (double)(uv_hrtime() - t0) / 1e6;
}

static void tick(uv_timer_t *t)
{
    (void)t;
}

/* Run the loop until `c` has the reply to `id`, at most `limit_ms`. A 1 ms ticker keeps the loop
 * alive as a transport would (the library's own timers never do). */
static json_t *await_reply(fixture *f, const capture *c, int id, double limit_ms)
{
    uint64_t t0 = uv_hrtime();
    uv_timer_t ticker;
    json_t *r;
    uv_timer_init(&f->loop, &ticker);
    uv_timer_start(&ticker, tick, 1, 1);
    while (!(r = reply_to(c, id)) && ms_since(t0) < limit_ms)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&ticker, NULL);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    return r;
}

static void test_fair_share(void **state)
{
    fixture *f = *state;
    capture cb = {json_array(), 0, 0};
    mcp__session *b = mcp__session_new(f->srv, &cap_ops, &cb);
    uint64_t t0;
    double waited;
    int i;

    init(f->sess);
    init(b);
    assert_int_equal(mcp__pool_cap(f->srv), POOL / 2);
    for (i = 1; i <= 8; i++) /* client A: eight 300 ms calls */
        call_tool(f->sess, i, "sleep", "{\"ms\":300,\"who\":\"a\"}");
    t0 = uv_hrtime();
    call_tool(b, 100, "sleep", "{\"ms\":10,\"who\":\"b\"}"); /* client B: one 10 ms call */
    assert_non_null(await_reply(f, &cb, 100, 5000));
    waited = ms_since(t0);
    /* first come first served, B's call would start once A's first four ended (300 ms), or
     * after all eight (600 ms) */
    if (waited >= 200)
        fail_msg("client B's 10 ms call waited %.0f ms behind client A's eight blocking calls",
                 waited);
    for (i = 1; i <= 8; i++)
        assert_non_null(await_reply(f, &f->cap, i, 5000));
    assert_int_equal(max_running_a, POOL / 2); /* never more than its share of the threads */
    assert_string_equal(reply_text(reply_to(&cb, 100)), "slept");
    mcp__session_close(b);
    mcp__session_unref(b);
    json_decref(cb.sent);
}

static void test_timeout_blocking(void **state)
{
    fixture *f = *state;
    uint64_t t0;
    double took;
    json_t *r;

    init(f->sess);
    t0 = uv_hrtime();
    call_tool(f->sess, 1, "stuck", "{\"ms\":3000}"); /* its own limit: 100 ms */
    r = await_reply(f, &f->cap, 1, 5000);
    took = ms_since(t0);
    assert_non_null(r);
    if (took < 90 || took > 1000)
        fail_msg("the timeout answer came after %.0f ms (limit 100 ms)", took);
    assert_true(json_is_true(json_object_get(json_object_get(r, "result"), "isError")));
    assert_string_equal(reply_text(r), "Tool 'stuck' timed out after 100 ms");
    /* the handler sees the cancellation and returns; its result is dropped */
    while (__atomic_load_n(&returned, __ATOMIC_SEQ_CST) < 1 || mcp__pool_busy(f->srv) > 0)
        uv_run(&f->loop, UV_RUN_ONCE);
    assert_int_equal(saw_cancel, 1);
    assert_int_equal(replies_to(&f->cap, 1), 1);
    assert_int_equal(f->sess->ncalls, 0);
    /* the server keeps serving */
    call_tool(f->sess, 2, "quick", "{}");
    assert_string_equal(reply_text(reply_to(&f->cap, 2)), "quick");
    call_tool(f->sess, 3, "sleep", "{\"ms\":10}");
    assert_string_equal(reply_text(await_reply(f, &f->cap, 3, 5000)), "slept");
}

static void test_timeout_pending_server_default(void **state)
{
    fixture *f = *state;
    json_t *r;
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_TOOL_TIMEOUT_MS, 50), MCP_OK);
    init(f->sess);
    call_tool(f->sess, 1, "later", "{}");
    r = await_reply(f, &f->cap, 1, 5000);
    assert_non_null(r);
    assert_string_equal(reply_text(r), "Tool 'later' timed out after 50 ms");
    assert_int_equal(cancel_cb_ran, 1); /* it completed the call from its cancel callback */
    assert_int_equal(replies_to(&f->cap, 1), 1); /* that late reply was dropped */
    assert_int_equal(f->sess->ncalls, 0);
    /* 0 turns the server default off again */
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_TOOL_TIMEOUT_MS, 0), MCP_OK);
    call_tool(f->sess, 2, "quick", "{}");
    assert_string_equal(reply_text(reply_to(&f->cap, 2)), "quick");
}

static void test_waiting_calls(void **state)
{
    fixture *f = *state;
    const char cancel[] = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                          "\"params\":{\"requestId\":3}}";
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_POOL_PER_CLIENT, 1), MCP_OK);
    init(f->sess);
    call_tool(f->sess, 1, "stuck", "{\"ms\":3000}"); /* runs, times out at 100 ms */
    call_tool(f->sess, 2, "stuck", "{\"ms\":3000}"); /* waits behind it, times out waiting */
    call_tool(f->sess, 3, "sleep", "{\"ms\":3000}"); /* waits; cancelled by the client */
    mcp__server_receive(f->sess, cancel, strlen(cancel));
    assert_int_equal(f->sess->ncalls, 2);
    assert_non_null(await_reply(f, &f->cap, 1, 5000));
    assert_non_null(await_reply(f, &f->cap, 2, 5000));
    assert_string_equal(reply_text(reply_to(&f->cap, 2)), "Tool 'stuck' timed out after 100 ms");
    while (__atomic_load_n(&returned, __ATOMIC_SEQ_CST) < 1 || mcp__pool_busy(f->srv) > 0)
        uv_run(&f->loop, UV_RUN_ONCE);
    assert_int_equal(started, 1); /* calls 2 and 3 never ran */
    assert_null(reply_to(&f->cap, 3));
    assert_int_equal(f->sess->ncalls, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fair_share, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_pending_server_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_waiting_calls, setup, teardown),
    };
    setenv("UV_THREADPOOL_SIZE", "4", 1); /* before libuv starts its pool */
    return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
