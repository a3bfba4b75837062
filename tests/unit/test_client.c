/*
 * The client library (include/mcp_client.h) against a real libmcp server in the same process,
 * through the in-memory transport: both eras (2025 initialize, 2026 server/discover), tools,
 * resources, prompts, completion, logging, progress, cancellation, timeouts, what the server asks
 * (elicitation as a 2025 server->client request and as a 2026 input_required retry, through the
 * same handler), and the end of the connection with calls in flight (each completes once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "client_harness.h"

/* ---- the server under test ------------------------------------------------------------------ */

typedef struct held {
    mcp_call_t *call;     /* the latest call the "hold" tool keeps pending */
    mcp_call_t *calls[4]; /* the first four, for tests that finish them */
    int n, cancelled;
} held;

static int progress(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    mcp_call_log(call, MCP_LOG_INFO, "progress-tool", "starting");
    mcp_call_progress(call, 1, 2, "half");
    mcp_call_progress(call, 2, 2, "done");
    return mcp_call_text(call, "finished");
}

static void hold_cancelled(mcp_call_t *call, void *ud)
{
    held *h = ud;
    int i;
    h->cancelled++;
    h->call = NULL;
    for (i = 0; i < 4; i++)
        if (h->calls[i] == call)
            h->calls[i] = NULL;
    mcp_call_complete(call);
}

static int hold(mcp_call_t *call, const json_t *args, void *ud)
{
    held *h = ud;
    (void)args;
    h->call = call;
    if (h->n < 4)
        h->calls[h->n++] = call;
    mcp_call_on_cancel(call, hold_cancelled, h);
    return MCP_PENDING;
}

static int tasked(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_text(call, "done as a task");
}

typedef struct fx {
    mcp_server_t *srv;
    mcp_client_t *c;
    held h;
} fx;

static mcp_server_t *build_server(held *h)
{
    mcp_server_t *srv = mcp_server_new("under-test", "1.2.3");
    mcp_error_t err = {0};
    assert_non_null(srv);
    assert_int_equal(mcp_server_add_tool(srv,
                                         &(mcp_tool_t){.name = "add",
                                                       .description = "Add",
                                                       .input_schema = "a: number, b: number",
                                                       .handler = ch_add},
                                         &err),
                     MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(srv, &(mcp_tool_t){.name = "fails", .handler = ch_fails}, &err),
        MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(srv, &(mcp_tool_t){.name = "progress", .handler = progress}, &err),
        MCP_OK);
    assert_int_equal(mcp_server_add_tool(
                         srv, &(mcp_tool_t){.name = "hold", .handler = hold, .userdata = h}, &err),
                     MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(srv, &(mcp_tool_t){.name = "ask", .handler = ch_ask}, &err), MCP_OK);
    assert_int_equal(mcp_server_add_tool(srv,
                                         &(mcp_tool_t){.name = "hold_task",
                                                       .handler = hold,
                                                       .userdata = h,
                                                       .flags = MCP_TOOL_TASK_OPTIONAL},
                                         &err),
                     MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(
            srv,
            &(mcp_tool_t){.name = "tasked", .handler = tasked, .flags = MCP_TOOL_TASK_OPTIONAL},
            &err),
        MCP_OK);
    assert_int_equal(mcp_server_add_resource(srv,
                                             &(mcp_resource_t){.uri = "mem://about",
                                                               .name = "about",
                                                               .mime_type = "text/plain",
                                                               .text = "about text"},
                                             &err),
                     MCP_OK);
    assert_int_equal(mcp_server_add_prompt(srv,
                                           &(mcp_prompt_t){.name = "greet",
                                                           .arguments = "name 'Who'",
                                                           .handler = ch_greet,
                                                           .complete = ch_complete_name},
                                           &err),
                     MCP_OK);
    mcp_server_set_instructions(srv, "be kind");
    return srv;
}

/* A fixture pinned to `protocol` (NULL: negotiate, which gives 2026 with a libmcp server). */
static fx *fx_new(const char *protocol)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->srv = build_server(&f->h);
    f->c = mcp_client_new(NULL, "test-client", "0.1");
    assert_non_null(f->c);
    assert_int_equal(mcp_client_connect_server(f->c, f->srv), MCP_OK);
    if (protocol)
        assert_int_equal(mcp_client_set_protocol(f->c, protocol), MCP_OK);
    return f;
}

static void fx_init(fx *f)
{
    mcp_client_error_t err;
    json_t *res = NULL;
    int rc = mcp_client_initialize_sync(f->c, &res, &err);
    if (rc != MCP_OK)
        fail_msg("initialize: %s", err.text);
    assert_non_null(res);
    json_decref(res);
}

static void fx_free(fx *f)
{
    mcp_client_free(f->c);
    mcp_server_free(f->srv);
    free(f);
}

/* ---- tests ------------------------------------------------------------------------------------
 */

static void check_basics(fx *f)
{
    json_t *tools = NULL, *res = NULL, *list = NULL;
    mcp_client_error_t err;

    assert_string_equal(json_string_value(json_object_get(mcp_client_server_info(f->c), "name")),
                        "under-test");
    assert_string_equal(mcp_client_server_instructions(f->c), "be kind");
    assert_non_null(json_object_get(mcp_client_server_capabilities(f->c), "tools"));

    assert_int_equal(mcp_client_list_tools_sync(f->c, &tools, &err), MCP_OK);
    assert_int_equal(json_array_size(tools), 7);
    json_decref(tools);

    assert_int_equal(
        mcp_client_call_tool_sync(f->c, "add", json_pack("{sisi}", "a", 2, "b", 3), &res, &err),
        MCP_OK);
    assert_string_equal(mcp_client_result_text(res), "5");
    assert_false(mcp_client_result_is_error(res));
    json_decref(res);

    /* a tool error is a successful request whose result says isError */
    if (mcp_client_call_tool_sync(f->c, "fails", NULL, &res, &err) != MCP_OK)
        fail_msg("fails: %s", err.text);
    assert_true(mcp_client_result_is_error(res));
    json_decref(res);

    /* a protocol error: unknown tool, bad arguments */
    assert_int_equal(mcp_client_call_tool_sync(f->c, "nope", NULL, &res, &err), MCP_EREMOTE);
    assert_null(res);
    assert_int_equal(err.code, MCP_JSONRPC_INVALID_PARAMS);
    /* arguments that do not match the schema: a tool error the model can act on */
    assert_int_equal(
        mcp_client_call_tool_sync(f->c, "add", json_pack("{ss}", "a", "x"), &res, &err), MCP_OK);
    assert_true(mcp_client_result_is_error(res));
    json_decref(res);

    assert_int_equal(mcp_client_read_resource_sync(f->c, "mem://about", &res, &err), MCP_OK);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "contents"), 0), "text")),
                        "about text");
    json_decref(res);
    assert_int_equal(mcp_client_list_resources_sync(f->c, &list, &err), MCP_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    assert_int_equal(mcp_client_list_prompts_sync(f->c, &list, &err), MCP_OK);
    assert_int_equal(json_array_size(list), 1);
    json_decref(list);
    assert_int_equal(
        mcp_client_get_prompt_sync(f->c, "greet", json_pack("{ss}", "name", "Ann"), &res, &err),
        MCP_OK);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(res, "messages"), 0), "content"),
            "text")),
        "Hello Ann");
    json_decref(res);
}

static void test_2025_session(void **state)
{
    fx *f = fx_new(MCP_PROTOCOL_2025_11_25);
    (void)state;
    fx_init(f);
    assert_string_equal(mcp_client_protocol(f->c), MCP_PROTOCOL_2025_11_25);
    assert_false(mcp_client_is_stateless(f->c));
    check_basics(f);
    fx_free(f);
}

static void test_2026_negotiated(void **state)
{
    fx *f = fx_new(NULL);
    (void)state;
    fx_init(f);
    assert_string_equal(mcp_client_protocol(f->c), MCP_PROTOCOL_2026_07_28);
    assert_true(mcp_client_is_stateless(f->c));
    check_basics(f);
    fx_free(f);
}

static void test_older_revision(void **state)
{
    fx *f = fx_new(MCP_PROTOCOL_2025_03_26);
    json_t *res = NULL;
    (void)state;
    fx_init(f);
    assert_string_equal(mcp_client_protocol(f->c), MCP_PROTOCOL_2025_03_26);
    assert_int_equal(
        mcp_client_call_tool_sync(f->c, "add", json_pack("{sisi}", "a", 1, "b", 1), &res, NULL),
        MCP_OK);
    assert_string_equal(mcp_client_result_text(res), "2");
    json_decref(res);
    fx_free(f);
}

/* ---- progress and logs --------------------------------------------------------------------- */

typedef struct seen {
    int progress, logs, done, status;
    double last;
    char text[64];
} seen;

static void on_progress(mcp_client_t *c, double p, double total, const char *msg, void *ud)
{
    seen *s = ud;
    (void)c;
    assert_true(total == 2);
    assert_non_null(msg);
    s->progress++;
    s->last = p;
}

static void on_log(mcp_client_t *c, mcp_log_level level, const char *logger, const json_t *data,
                   void *ud)
{
    seen *s = ud;
    (void)c;
    assert_int_equal(level, MCP_LOG_INFO);
    assert_string_equal(logger, "progress-tool");
    assert_string_equal(json_string_value(data), "starting");
    s->logs++;
}

static void on_done(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    seen *s = ud;
    (void)c;
    s->done++;
    s->status = o->status;
    if (o->status == MCP_OK && mcp_client_result_text(o->result))
        snprintf(s->text, sizeof s->text, "%s", mcp_client_result_text(o->result));
    else
        snprintf(s->text, sizeof s->text, "%s", o->message);
}

static void progress_and_log(const char *protocol)
{
    fx *f = fx_new(protocol);
    seen s = {0};
    mcp_client_call_opts_t opts = {0};
    fx_init(f);
    mcp_client_on_log(f->c, on_log, &s);
    assert_int_equal(mcp_client_set_log_level(f->c, MCP_LOG_DEBUG, on_done, &s), MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 5000), MCP_OK);
    assert_int_equal(s.status, MCP_OK);
    s.done = 0;
    opts.progress = on_progress;
    opts.progress_userdata = &s;
    assert_int_equal(mcp_client_call_tool_new(f->c, "progress", NULL, &opts, on_done, &s, NULL),
                     MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 5000), MCP_OK);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.status, MCP_OK);
    assert_string_equal(s.text, "finished");
    assert_int_equal(s.progress, 2);
    assert_true(s.last == 2);
    assert_int_equal(s.logs, 1);
    fx_free(f);
}

static void test_progress_log_2025(void **state)
{
    (void)state;
    progress_and_log(MCP_PROTOCOL_2025_11_25);
}

static void test_progress_log_2026(void **state)
{
    (void)state;
    progress_and_log(NULL);
}

/* ---- cancellation, timeouts, the end of the connection ----------------------------------------
 */

static void cancel_in_flight(const char *protocol)
{
    fx *f = fx_new(protocol);
    seen s = {0};
    mcp_client_request_t *req = NULL;
    fx_init(f);
    assert_int_equal(mcp_client_call_tool_new(f->c, "hold", NULL, NULL, on_done, &s, &req), MCP_OK);
    assert_non_null(req);
    /* let the server start the call */
    while (!f->h.call)
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    assert_int_equal(mcp_client_cancel(f->c, req, "changed my mind"), MCP_OK);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.status, MCP_ECANCELLED);
    assert_string_equal(s.text, "changed my mind");
    /* the server hears it: its call is cancelled; a second cancel is refused */
    while (!f->h.cancelled)
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    assert_int_equal(s.done, 1);
    fx_free(f);
}

static void test_cancel_2025(void **state)
{
    (void)state;
    cancel_in_flight(MCP_PROTOCOL_2025_11_25);
}

static void test_cancel_2026(void **state)
{
    (void)state;
    cancel_in_flight(NULL);
}

static void test_timeout(void **state)
{
    fx *f = fx_new(MCP_PROTOCOL_2025_11_25);
    seen s = {0};
    mcp_client_call_opts_t opts = {.timeout_ms = 50};
    (void)state;
    fx_init(f);
    assert_int_equal(mcp_client_call_tool_new(f->c, "hold", NULL, &opts, on_done, &s, NULL),
                     MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 5000), MCP_OK);
    assert_int_equal(s.status, MCP_ETIMEDOUT);
    while (!f->h.cancelled) /* the server was told */
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    assert_int_equal(s.done, 1);
    fx_free(f);
}

typedef struct closed_seen {
    int closed, status;
} closed_seen;

static void on_closed(mcp_client_t *c, int status, const char *why, void *ud)
{
    closed_seen *cs = ud;
    (void)c;
    assert_non_null(why);
    cs->closed++;
    cs->status = status;
}

/* The server stops with three calls in flight: they still answer (the handler finishes them),
 * each completes exactly once with its result, and then the client hears the end of the
 * connection. */
static void test_server_stops_mid_call(void **state)
{
    fx *f = fx_new(MCP_PROTOCOL_2025_11_25);
    seen s[3];
    closed_seen cs = {0};
    int i, rc;
    (void)state;
    memset(s, 0, sizeof s);
    fx_init(f);
    mcp_client_on_closed(f->c, on_closed, &cs);
    for (i = 0; i < 3; i++)
        assert_int_equal(mcp_client_call_tool_new(f->c, "hold", NULL, NULL, on_done, &s[i], NULL),
                         MCP_OK);
    for (i = 0; i < 1000 && f->h.n < 3; i++)
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    assert_int_equal(f->h.n, 3);
    mcp_server_stop(f->srv);
    for (i = 0; i < 10; i++) /* the stop arrives; the connection waits for the calls */
        uv_run(mcp_client_loop(f->c), UV_RUN_NOWAIT);
    assert_int_equal(cs.closed, 0);
    for (i = 0; i < 3; i++) {
        mcp_call_text(f->h.calls[i], "finished %d", i);
        mcp_call_complete(f->h.calls[i]);
    }
    for (i = 0; i < 1000 && !cs.closed; i++)
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    for (i = 0; i < 3; i++) {
        assert_int_equal(s[i].done, 1);
        assert_int_equal(s[i].status, MCP_OK);
        assert_non_null(strstr(s[i].text, "finished"));
    }
    assert_int_equal(f->h.cancelled, 0);
    assert_int_equal(cs.closed, 1);
    assert_int_equal(cs.status, MCP_EIO);
    assert_false(mcp_client_is_connected(f->c));
    rc = mcp_client_call_tool_new(f->c, "add", NULL, NULL, on_done, &s[0], NULL);
    assert_int_equal(rc, MCP_ESTATE);
    assert_int_equal(s[0].done, 1); /* a refused request never calls back */
    fx_free(f);
}

/* A call that never answers after mcp_server_stop(): the connection still ends, after the
 * transport's grace period (5 s), and the request completes once, with MCP_EIO. */
static void test_server_stop_grace(void **state)
{
    fx *f = fx_new(NULL);
    seen s = {0};
    closed_seen cs = {0};
    uint64_t t0;
    int i;
    (void)state;
    fx_init(f);
    mcp_client_on_closed(f->c, on_closed, &cs);
    assert_int_equal(mcp_client_call_tool_new(f->c, "hold", NULL, NULL, on_done, &s, NULL), MCP_OK);
    for (i = 0; i < 1000 && f->h.n < 1; i++)
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    t0 = uv_hrtime();
    mcp_server_stop(f->srv);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 20000), MCP_OK);
    assert_int_equal(s.status, MCP_EIO);
    assert_int_equal(cs.closed, 1);
    assert_true(uv_hrtime() - t0 >= 4000000000ull); /* it waited for the call first */
    mcp_call_complete(f->h.calls[0]);               /* finishes unheard */
    fx_free(f);
}

/* The server is freed (no call in flight): the client hears MCP_EIO; freeing it afterwards is
 * safe (its loop was never handed over). */
static void test_server_freed(void **state)
{
    fx *f = fx_new(NULL);
    closed_seen cs = {0};
    seen s = {0};
    (void)state;
    fx_init(f);
    mcp_client_on_closed(f->c, on_closed, &cs);
    mcp_server_free(f->srv);
    f->srv = NULL;
    assert_int_equal(cs.closed, 1);
    assert_int_equal(cs.status, MCP_EIO);
    assert_int_equal(mcp_client_list_tools(f->c, NULL, on_done, &s), MCP_ESTATE);
    fx_free(f);
}

/* Freeing the client completes what is in flight with MCP_ECANCELLED, once. */
static void test_free_with_calls_in_flight(void **state)
{
    fx *f = fx_new(NULL);
    seen s = {0};
    mcp_client_t *c;
    (void)state;
    fx_init(f);
    assert_int_equal(mcp_client_call_tool_new(f->c, "hold", NULL, NULL, on_done, &s, NULL), MCP_OK);
    while (!f->h.call)
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    c = f->c;
    f->c = NULL;
    mcp_client_free(c); /* the server keeps its (adopted) loop */
    assert_int_equal(s.done, 1);
    assert_int_equal(s.status, MCP_ECANCELLED);
    if (f->h.call) /* the server's call ends unheard */
        mcp_call_complete(f->h.call);
    fx_free(f);
}

/* ---- what the server asks, in both eras, through one handler -------------------------------- */

static void answer_name(mcp_client_t *c, mcp_client_ask_t *a, const char *method,
                        const json_t *params, void *ud)
{
    int *asked = ud;
    (void)c;
    assert_string_equal(method, "elicitation/create");
    assert_string_equal(json_string_value(json_object_get(params, "message")), "Your name?");
    (*asked)++;
    assert_int_equal(mcp_client_ask_reply_new(a, json_pack("{s:s,s:{s:s}}", "action", "accept",
                                                           "content", "name", "Zoe")),
                     MCP_OK);
}

static void elicitation(const char *protocol)
{
    fx *f = fx_new(protocol);
    json_t *res = NULL;
    mcp_client_error_t err;
    int asked = 0;
    assert_int_equal(mcp_client_on_ask(f->c, MCP_CLIENT_ASK_ELICITATION, answer_name, &asked),
                     MCP_OK);
    fx_init(f);
    assert_int_equal(mcp_client_call_tool_sync(f->c, "ask", NULL, &res, &err), MCP_OK);
    assert_string_equal(mcp_client_result_text(res), "name=Zoe action=accept");
    assert_int_equal(asked, 1);
    json_decref(res);
    fx_free(f);
}

static void test_elicit_2025(void **state)
{
    (void)state;
    elicitation(MCP_PROTOCOL_2025_11_25);
}

static void test_elicit_2026(void **state)
{
    (void)state;
    elicitation(NULL);
}

/* With no handler the capability is not declared: the tool says it cannot ask. */
static void test_elicit_without_handler(void **state)
{
    fx *f = fx_new(MCP_PROTOCOL_2025_11_25);
    json_t *res = NULL;
    (void)state;
    fx_init(f);
    assert_int_equal(mcp_client_call_tool_sync(f->c, "ask", NULL, &res, NULL), MCP_OK);
    assert_true(mcp_client_result_is_error(res));
    json_decref(res);
    fx_free(f);
}

static void test_completion(void **state)
{
    fx *f = fx_new(NULL);
    seen s = {0};
    (void)state;
    fx_init(f);
    assert_int_equal(
        mcp_client_complete_new(f->c, "prompt", "greet", "name", "al", NULL, on_done, &s), MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 5000), MCP_OK);
    assert_int_equal(s.status, MCP_OK);
    fx_free(f);
}

/* ---- subscriptions in both eras ------------------------------------------------------------- */

typedef struct notes {
    int updated, acked;
    char uri[64];
} notes;

static void on_note(mcp_client_t *c, const char *method, const json_t *params, void *ud)
{
    notes *n = ud;
    (void)c;
    if (strcmp(method, "notifications/resources/updated") == 0) {
        n->updated++;
        snprintf(n->uri, sizeof n->uri, "%s", json_string_value(json_object_get(params, "uri")));
    } else if (strcmp(method, "notifications/subscriptions/acknowledged") == 0) {
        n->acked++;
    }
}

static void test_subscribe_2025(void **state)
{
    fx *f = fx_new(MCP_PROTOCOL_2025_11_25);
    notes n = {0};
    seen s = {0};
    int i;
    (void)state;
    fx_init(f);
    mcp_client_on_notification(f->c, on_note, &n);
    assert_int_equal(mcp_client_subscribe(f->c, "mem://about", on_done, &s), MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 5000), MCP_OK);
    assert_int_equal(s.status, MCP_OK);
    assert_int_equal(mcp_server_resource_updated(f->srv, "mem://about"), MCP_OK);
    for (i = 0; i < 100 && !n.updated; i++)
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    assert_int_equal(n.updated, 1);
    assert_string_equal(n.uri, "mem://about");
    s.done = 0;
    assert_int_equal(mcp_client_unsubscribe(f->c, "mem://about", on_done, &s), MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 5000), MCP_OK);
    assert_int_equal(s.status, MCP_OK);
    fx_free(f);
}

static void test_listen_2026(void **state)
{
    fx *f = fx_new(NULL);
    notes n = {0};
    seen s = {0};
    mcp_client_request_t *listen = NULL;
    int i;
    (void)state;
    fx_init(f);
    mcp_client_on_notification(f->c, on_note, &n);
    assert_int_equal(mcp_client_listen_new(f->c,
                                           json_pack("{s:{s:[s]}}", "notifications",
                                                     "resourceSubscriptions", "mem://about"),
                                           on_done, &s, &listen),
                     MCP_OK);
    for (i = 0; i < 100 && !n.acked; i++)
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    assert_int_equal(n.acked, 1);
    assert_int_equal(mcp_server_resource_updated(f->srv, "mem://about"), MCP_OK);
    for (i = 0; i < 100 && !n.updated; i++)
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    assert_int_equal(n.updated, 1);
    assert_int_equal(s.done, 0); /* still listening */
    assert_int_equal(mcp_client_cancel(f->c, listen, NULL), MCP_OK);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.status, MCP_ECANCELLED);
    fx_free(f);
}

/* 2025-11-25 tasks: the call answers with a task handle; poll it, fetch its result. */
static void test_tasks_2025(void **state)
{
    fx *f = fx_new(MCP_PROTOCOL_2025_11_25);
    mcp_client_call_opts_t opts = {.task = 1};
    seen s = {0};
    json_t *created = NULL;
    const char *id;
    char task_id[64];
    (void)state;
    fx_init(f);
    assert_int_equal(mcp_client_call_tool_new(f->c, "tasked", NULL, &opts, on_done, &s, NULL),
                     MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 5000), MCP_OK);
    assert_int_equal(s.status, MCP_OK);
    assert_int_equal(mcp_client_request_sync(f->c, "tasks/list", NULL, &created, NULL), MCP_OK);
    id = json_string_value(
        json_object_get(json_array_get(json_object_get(created, "tasks"), 0), "taskId"));
    assert_non_null(id);
    snprintf(task_id, sizeof task_id, "%s", id);
    json_decref(created);
    s.done = 0;
    assert_int_equal(mcp_client_task_get(f->c, task_id, on_done, &s), MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 5000), MCP_OK);
    assert_int_equal(s.status, MCP_OK);
    s.done = 0;
    assert_int_equal(mcp_client_task_result(f->c, task_id, on_done, &s), MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 5000), MCP_OK);
    assert_int_equal(s.status, MCP_OK);
    assert_string_equal(s.text, "done as a task");
    s.done = 0;
    assert_int_equal(mcp_client_task_cancel(f->c, task_id, on_done, &s), MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &s.done, 5000), MCP_OK);
    assert_int_equal(s.status, MCP_EREMOTE); /* a finished task cannot be cancelled */
    fx_free(f);
}

typedef struct kept {
    int done, status;
    json_t *result;
} kept;

static void keep_result(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    kept *k = ud;
    (void)c;
    k->done++;
    k->status = o->status;
    json_decref(k->result);
    k->result = o->result ? json_deep_copy(o->result) : NULL;
}

/* 2026 tasks: with the extension declared, a pending handler becomes a task the client polls,
 * then cancels. */
static void test_tasks_2026(void **state)
{
    fx *f = fx_new(NULL);
    mcp_client_call_opts_t opts = {.task = 1};
    kept k = {0};
    char task_id[80];
    const json_t *task;
    int i;
    (void)state;
    fx_init(f);
    assert_int_equal(
        mcp_client_call_tool_new(f->c, "hold_task", NULL, &opts, keep_result, &k, NULL), MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &k.done, 5000), MCP_OK);
    assert_int_equal(k.status, MCP_OK);
    /* 2026-07-28 inlines the task in the result (resultType "task") */
    assert_string_equal(json_string_value(json_object_get(k.result, "resultType")), "task");
    task = k.result;
    assert_true(json_is_string(json_object_get(task, "taskId")));
    snprintf(task_id, sizeof task_id, "%s", json_string_value(json_object_get(task, "taskId")));
    k.done = 0;
    assert_int_equal(mcp_client_task_get(f->c, task_id, keep_result, &k), MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &k.done, 5000), MCP_OK);
    assert_int_equal(k.status, MCP_OK);
    assert_string_equal(json_string_value(json_object_get(k.result, "status")), "working");
    k.done = 0;
    assert_int_equal(mcp_client_task_cancel(f->c, task_id, keep_result, &k), MCP_OK);
    assert_int_equal(mcp_client_run_until(f->c, &k.done, 5000), MCP_OK);
    assert_int_equal(k.status, MCP_OK);
    for (i = 0; i < 100 && !f->h.cancelled; i++)
        uv_run(mcp_client_loop(f->c), UV_RUN_ONCE);
    assert_int_equal(f->h.cancelled, 1);
    json_decref(k.result);
    fx_free(f);
}

static void test_bad_use(void **state)
{
    mcp_client_t *c = mcp_client_new(NULL, "x", "1");
    seen s = {0};
    const char *argv[] = {"/nonexistent/mcp-server-binary", NULL};
    (void)state;
    assert_null(mcp_client_new(NULL, NULL, "1"));
    assert_int_equal(mcp_client_list_tools(c, NULL, on_done, &s), MCP_ESTATE);
    assert_int_equal(mcp_client_initialize(c, on_done, &s), MCP_ESTATE);
    assert_int_equal(mcp_client_set_protocol(c, "1999-01-01"), MCP_EINVAL);
    assert_int_equal(mcp_client_connect_url(c, "ftp://x", NULL), MCP_EINVAL);
    assert_int_equal(mcp_client_connect_stdio(c, argv, NULL), MCP_EIO);
    assert_non_null(strstr(mcp_client_last_error(c), "cannot start"));
    assert_int_equal(s.done, 0);
    mcp_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_2025_session),
        cmocka_unit_test(test_2026_negotiated),
        cmocka_unit_test(test_older_revision),
        cmocka_unit_test(test_progress_log_2025),
        cmocka_unit_test(test_progress_log_2026),
        cmocka_unit_test(test_cancel_2025),
        cmocka_unit_test(test_cancel_2026),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_server_stops_mid_call),
        cmocka_unit_test(test_server_stop_grace),
        cmocka_unit_test(test_server_freed),
        cmocka_unit_test(test_free_with_calls_in_flight),
        cmocka_unit_test(test_elicit_2025),
        cmocka_unit_test(test_elicit_2026),
        cmocka_unit_test(test_elicit_without_handler),
        cmocka_unit_test(test_completion),
        cmocka_unit_test(test_subscribe_2025),
        cmocka_unit_test(test_listen_2026),
        cmocka_unit_test(test_tasks_2025),
        cmocka_unit_test(test_tasks_2026),
        cmocka_unit_test(test_bad_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
