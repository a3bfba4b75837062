/*
 * The client's HTTP transports (libmcp/client/http*.c) against libmcp's own HTTP servers in the
 * same process, on one loop, so that ASan and valgrind see both sides: Streamable HTTP in the
 * 2026 era and in a 2025 session (session id, the GET stream, DELETE on close), --stateless,
 * legacy HTTP+SSE; progress, tool errors, JSON-RPC errors, an elicitation answered through a
 * 2025 POST stream; a wrong path (404), a peer that dies mid-answer (each call in flight fails
 * once), and a client freed with calls in flight.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "client_harness.h"

static mcp_call_t *held[4];
static int nheld;

static int echo(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)ud;
    return mcp_call_text(call, "%s", json_string_value(json_object_get(args, "text")));
}

static int steps(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    mcp_call_progress(call, 1, 2, "one");
    mcp_call_progress(call, 2, 2, "two");
    return mcp_call_text(call, "stepped");
}

static int hold(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    mcp_call_progress(call, 1, 0, "holding"); /* an SSE stream is open from here on */
    if (nheld < 4)
        held[nheld++] = call;
    return MCP_PENDING;
}

typedef struct env {
    uv_loop_t loop;
    mcp_server_t *srv;
    mcp_client_t *c;
    char url[96];
    int progress;
} env;

/* kind: 0 Streamable HTTP, 1 --stateless, 2 legacy HTTP+SSE */
static env *env_new(int kind, const char *protocol)
{
    env *e = calloc(1, sizeof *e);
    mcp_http_opts_t o = {0};
    mcp_client_http_opts_t co = {0};
    static const char *const extra[] = {"X-Test: 1", NULL};
    assert_non_null(e);
    uv_loop_init(&e->loop);
    nheld = 0;
    e->srv = mcp_server_new("httpd", "1.0");
    assert_int_equal(mcp_server_attach(e->srv, &e->loop), MCP_OK);
    mcp_server_add_tool(
        e->srv, &(mcp_tool_t){.name = "echo", .input_schema = "text", .handler = echo}, NULL);
    mcp_server_add_tool(e->srv, &(mcp_tool_t){.name = "steps", .handler = steps}, NULL);
    mcp_server_add_tool(e->srv, &(mcp_tool_t){.name = "rpc_error", .handler = ch_rpc_error}, NULL);
    mcp_server_add_tool(e->srv, &(mcp_tool_t){.name = "hold", .handler = hold}, NULL);
    mcp_server_add_tool(e->srv, &(mcp_tool_t){.name = "ask", .handler = ch_ask}, NULL);
    o.port = 0;
    o.stateless = kind == 1;
    if (kind == 2) {
        assert_int_equal(mcp_server_listen_sse(e->srv, &o), MCP_OK);
        snprintf(e->url, sizeof e->url, "http://127.0.0.1:%u/sse", mcp_server_http_port(e->srv, 1));
    } else {
        assert_int_equal(mcp_server_listen_http(e->srv, &o), MCP_OK);
        snprintf(e->url, sizeof e->url, "http://127.0.0.1:%u/mcp", mcp_server_http_port(e->srv, 0));
    }
    e->c = mcp_client_new(&e->loop, "http-test", "1");
    mcp_client_set_timeout(e->c, 20000);
    mcp_client_on_ask(e->c, MCP_CLIENT_ASK_ELICITATION, ch_answer_ada, NULL);
    if (protocol)
        assert_int_equal(mcp_client_set_protocol(e->c, protocol), MCP_OK);
    co.headers = extra;
    co.bearer_token = "not-checked";
    co.legacy_sse = kind == 2;
    assert_int_equal(mcp_client_connect_url(e->c, e->url, &co), MCP_OK);
    assert_int_equal(mcp_client_initialize_sync(e->c, NULL, NULL), MCP_OK);
    return e;
}

static void env_free(env *e)
{
    if (e->c)
        mcp_client_free(e->c);
    ch_drain(&e->loop); /* the DELETE, handles closing */
    while (nheld > 0)
        mcp_call_complete(held[--nheld]);
    if (e->srv)
        mcp_server_free(e->srv);
    ch_loop_close(&e->loop);
    free(e);
}

static void on_progress(mcp_client_t *c, double p, double total, const char *msg, void *ud)
{
    env *e = ud;
    (void)c;
    (void)p;
    (void)total;
    (void)msg;
    e->progress++;
}

static void exercise(env *e, bool can_ask, bool streams)
{
    json_t *res = NULL, *tools = NULL;
    mcp_client_error_t err;
    ch_done d = {0};
    assert_int_equal(mcp_client_list_tools_sync(e->c, &tools, NULL), MCP_OK);
    assert_int_equal(json_array_size(tools), 5);
    json_decref(tools);
    assert_int_equal(mcp_client_call_tool_sync(
                         e->c, "echo", json_pack("{s:s}", "text", "héllo — 日本"), &res, NULL),
                     MCP_OK);
    assert_string_equal(mcp_client_result_text(res), "héllo — 日本");
    json_decref(res);
    assert_int_equal(
        mcp_client_call_tool_sync(e->c, "echo", json_pack("{s:i}", "text", 1), &res, NULL), MCP_OK);
    assert_true(mcp_client_result_is_error(res));
    json_decref(res);
    assert_int_equal(mcp_client_call_tool_sync(e->c, "rpc_error", NULL, &res, &err), MCP_EREMOTE);
    assert_int_equal(err.code, -32042);
    assert_int_equal(mcp_client_call_tool_new(
                         e->c, "steps", NULL,
                         &(mcp_client_call_opts_t){.progress = on_progress, .progress_userdata = e},
                         ch_on_done, &d, NULL),
                     MCP_OK);
    ch_run_until(&e->loop, &d.n);
    assert_int_equal(d.status, MCP_OK);
    assert_int_equal(e->progress, streams ? 2 : 0);
    if (can_ask) {
        assert_int_equal(mcp_client_call_tool_sync(e->c, "ask", NULL, &res, NULL), MCP_OK);
        assert_string_equal(mcp_client_result_text(res), "name=Ada action=accept");
        json_decref(res);
    }
}

static void test_2026(void **state)
{
    env *e = env_new(0, NULL);
    (void)state;
    assert_true(mcp_client_is_stateless(e->c));
    exercise(e, true, true); /* the question comes back as input_required, retried */
    env_free(e);
}

static void test_2025_session(void **state)
{
    env *e = env_new(0, MCP_PROTOCOL_2025_11_25);
    (void)state;
    assert_false(mcp_client_is_stateless(e->c));
    exercise(e, true, true); /* the question arrives on the POST's SSE stream */
    env_free(e);             /* DELETE ends the session */
}

static void test_2025_stateless_server(void **state)
{
    env *e = env_new(1, MCP_PROTOCOL_2025_06_18);
    (void)state;
    exercise(e, false, true);
    env_free(e);
}

static void test_legacy_sse_2024(void **state)
{
    env *e = env_new(2, MCP_PROTOCOL_2024_11_05);
    (void)state;
    assert_string_equal(mcp_client_protocol(e->c), MCP_PROTOCOL_2024_11_05);
    exercise(e, false, true); /* 2024-11-05 has no elicitation */
    env_free(e);
}

static void test_legacy_sse(void **state)
{
    env *e = env_new(2, NULL);
    (void)state;
    assert_non_null(mcp_client_protocol(e->c)); /* libmcp answers server/discover there too */
    exercise(e, true, true);
    env_free(e);
}

/* ---- a raw peer that answers server/discover, then cuts every other answer mid-event -------- */

typedef struct rconn {
    uv_tcp_t h;
    char buf[8192];
    size_t len;
    uv_write_t w;
    char *out;
} rconn;

static int cut_mode; /* 0: SSE cut mid-event; 1: connection reset after the headers */

static void rconn_closed(uv_handle_t *h)
{
    rconn *r = (rconn *)h;
    free(r->out);
    free(r);
}

static void rconn_written(uv_write_t *w, int status)
{
    (void)status;
    uv_close((uv_handle_t *)w->data, rconn_closed);
}

static void rconn_alloc(uv_handle_t *h, size_t n, uv_buf_t *b)
{
    rconn *r = (rconn *)h;
    (void)n;
    *b = uv_buf_init(r->buf + r->len, (unsigned)(sizeof r->buf - r->len - 1));
}

static void rconn_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    rconn *r = (rconn *)s;
    const char *body, *cl;
    uv_buf_t out;
    (void)b;
    if (n < 0) {
        uv_close((uv_handle_t *)s, rconn_closed);
        return;
    }
    r->len += (size_t)n;
    r->buf[r->len] = '\0';
    body = strstr(r->buf, "\r\n\r\n");
    cl = strstr(r->buf, "Content-Length: ");
    if (!body || !cl || strlen(body + 4) < strtoul(cl + 16, NULL, 10))
        return; /* not whole yet */
    uv_read_stop(s);
    if (strstr(body, "server/discover")) {
        const char *id = strstr(body, "\"id\":");
        char msg[512];
        int len = snprintf(msg, sizeof msg,
                           "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":{\"resultType\":"
                           "\"complete\",\"supportedVersions\":[\"2026-07-28\"],\"capabilities\":"
                           "{\"tools\":{}},\"serverInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}",
                           id ? strtol(id + 5, NULL, 10) : 0L);
        r->out = malloc(1024);
        snprintf(r->out, 1024,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                 "Connection: close\r\n\r\n%s",
                 len, msg);
    } else if (cut_mode == 0) {
        r->out = strdup("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                        "Connection: close\r\n\r\nevent: message\ndata: {\"jsonrpc\":\"2.0\",");
    } else {
        r->out = strdup("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        "Content-Length: 100000\r\nConnection: close\r\n\r\n{\"jsonrpc\"");
    }
    out = uv_buf_init(r->out, (unsigned)strlen(r->out));
    r->w.data = r;
    uv_write(&r->w, s, &out, 1, rconn_written);
}

static void raw_accept(uv_stream_t *srv, int status)
{
    rconn *r = calloc(1, sizeof *r);
    assert_int_equal(status, 0);
    uv_tcp_init(srv->loop, &r->h);
    assert_int_equal(uv_accept(srv, (uv_stream_t *)&r->h), 0);
    uv_read_start((uv_stream_t *)&r->h, rconn_alloc, rconn_read);
}

/* The peer dies mid-answer (an SSE event cut, a JSON body cut short): each call fails once. */
static void test_peer_dies_mid_call(void **state)
{
    uv_loop_t loop;
    uv_tcp_t srv;
    struct sockaddr_in sa;
    int len = sizeof sa, i;
    char url[64];
    (void)state;
    uv_loop_init(&loop);
    uv_tcp_init(&loop, &srv);
    uv_ip4_addr("127.0.0.1", 0, &sa);
    assert_int_equal(uv_tcp_bind(&srv, (struct sockaddr *)&sa, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&srv, 16, raw_accept), 0);
    assert_int_equal(uv_tcp_getsockname(&srv, (struct sockaddr *)&sa, &len), 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/mcp", ntohs(sa.sin_port));
    for (cut_mode = 0; cut_mode < 2; cut_mode++) {
        mcp_client_t *c = mcp_client_new(&loop, "x", "1");
        mcp_client_error_t err;
        ch_done a = {0}, b = {0};
        assert_int_equal(mcp_client_connect_url(c, url, NULL), MCP_OK);
        assert_int_equal(mcp_client_initialize_sync(c, NULL, &err), MCP_OK);
        assert_int_equal(mcp_client_call_tool_new(c, "x", NULL, NULL, ch_on_done, &a, NULL),
                         MCP_OK);
        assert_int_equal(mcp_client_call_tool_new(c, "y", NULL, NULL, ch_on_done, &b, NULL),
                         MCP_OK);
        for (i = 0; i < 2000 && !(a.n && b.n); i++)
            uv_run(&loop, UV_RUN_ONCE);
        assert_int_equal(a.n, 1);
        assert_int_equal(b.n, 1);
        assert_int_equal(a.status, MCP_EIO);
        assert_int_equal(b.status, MCP_EIO);
        assert_true(strlen(a.text) > 0);
        mcp_client_free(c);
        for (i = 0; i < 100; i++)
            uv_run(&loop, UV_RUN_NOWAIT);
    }
    uv_close((uv_handle_t *)&srv, NULL);
    ch_loop_close(&loop);
}

/* The client goes away with a call in flight: its callback runs once, cancelled. */
static void test_client_freed_mid_call(void **state)
{
    env *e = env_new(0, MCP_PROTOCOL_2025_11_25);
    ch_done a = {0};
    (void)state;
    assert_int_equal(mcp_client_call_tool_new(e->c, "hold", NULL, NULL, ch_on_done, &a, NULL),
                     MCP_OK);
    ch_run_until(&e->loop, &nheld);
    mcp_client_free(e->c);
    e->c = NULL;
    assert_int_equal(a.n, 1);
    assert_int_equal(a.status, MCP_ECANCELLED);
    env_free(e);
}

/* A URL nobody serves MCP on: the handshake fails with a clear error, nothing hangs. */
static void test_wrong_path(void **state)
{
    env *e = env_new(0, NULL);
    mcp_client_t *c = mcp_client_new(&e->loop, "x", "1");
    char url[128];
    mcp_client_error_t err;
    (void)state;
    snprintf(url, sizeof url, "%.*s/nothing", (int)(strlen(e->url) - 4), e->url);
    assert_int_equal(mcp_client_connect_url(c, url, NULL), MCP_OK);
    assert_int_not_equal(mcp_client_initialize_sync(c, NULL, &err), MCP_OK);
    assert_non_null(strstr(err.text, "404"));
    mcp_client_free(c);
    assert_int_equal(mcp_client_connect_url(e->c, "ftp://x", NULL), MCP_EINVAL);
    env_free(e);
}

/* A server that wants a bearer token: refused without it or with another (HTTP 401, reported
 * as an error carrying the status), served with it, in both eras. */
static void test_bearer_token(void **state)
{
    uv_loop_t loop;
    mcp_server_t *srv;
    mcp_http_opts_t o = {0};
    char url[96];
    int era;
    (void)state;
    uv_loop_init(&loop);
    srv = mcp_server_new("auth", "1");
    assert_int_equal(mcp_server_attach(srv, &loop), MCP_OK);
    mcp_server_add_tool(srv, &(mcp_tool_t){.name = "echo", .input_schema = "text", .handler = echo},
                        NULL);
    o.bearer_token = "s3cret-token";
    assert_int_equal(mcp_server_listen_http(srv, &o), MCP_OK);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/mcp", mcp_server_http_port(srv, 0));
    for (era = 0; era < 2; era++) {
        static const char *const tokens[] = {NULL, "wrong", "s3cret-token"};
        size_t k;
        for (k = 0; k < 3; k++) {
            mcp_client_t *c = mcp_client_new(&loop, "x", "1");
            mcp_client_error_t err;
            json_t *res = NULL;
            int rc;
            if (era == 1)
                mcp_client_set_protocol(c, MCP_PROTOCOL_2025_11_25);
            assert_int_equal(mcp_client_connect_url(
                                 c, url, &(mcp_client_http_opts_t){.bearer_token = tokens[k]}),
                             MCP_OK);
            rc = mcp_client_initialize_sync(c, NULL, &err);
            if (k < 2) {
                assert_int_not_equal(rc, MCP_OK);
                if (!strstr(err.text, "401") && !strstr(err.text, "Unauthorized"))
                    fail_msg("era %d token %zu: %s", era, k, err.text);
            } else {
                assert_int_equal(rc, MCP_OK);
                assert_int_equal(mcp_client_call_tool_sync(
                                     c, "echo", json_pack("{s:s}", "text", "ok"), &res, NULL),
                                 MCP_OK);
                assert_string_equal(mcp_client_result_text(res), "ok");
                json_decref(res);
            }
            mcp_client_free(c);
        }
    }
    ch_drain(&loop);
    mcp_server_free(srv);
    ch_loop_close(&loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_2026),
        cmocka_unit_test(test_2025_session),
        cmocka_unit_test(test_2025_stateless_server),
        cmocka_unit_test(test_legacy_sse),
        cmocka_unit_test(test_legacy_sse_2024),
        cmocka_unit_test(test_peer_dies_mid_call),
        cmocka_unit_test(test_client_freed_mid_call),
        cmocka_unit_test(test_wrong_path),
        cmocka_unit_test(test_bearer_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
