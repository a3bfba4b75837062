/*
 * The HTTP client engine (libmcp/core/curl.c) against a real HTTP server: libmcp's own
 * Streamable HTTP transport on 127.0.0.1, on the same libuv loop. JSON and SSE replies, response
 * headers, statuses, many requests at once on one engine, a refused connection, a timeout,
 * cancellation before the response and from inside a body callback, a server that goes away
 * mid-stream; every request completes exactly once and the engine frees everything (ASan,
 * valgrind).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"

#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

typedef struct got {
    int headers, done, body_calls;
    long status, done_status;
    int err;
    char ctype[128];
    char session[64];
    char body[8192];
    size_t body_len;
    char error[256];
    bool cancel_in_body; /* cancel the request from on_body */
    mcp__curl_req *req;
} got;

static int g_headers(mcp__curl_req *r, long status, const char *ctype, void *ud)
{
    got *g = ud;
    const char *sid = mcp__curl_header(r, "mcp-session-id");
    g->headers++;
    g->status = status;
    snprintf(g->ctype, sizeof g->ctype, "%s", ctype ? ctype : "");
    snprintf(g->session, sizeof g->session, "%s", sid ? sid : "");
    return 0;
}

static int g_body(mcp__curl_req *r, const char *data, size_t len, void *ud)
{
    got *g = ud;
    size_t room = sizeof g->body - 1 - g->body_len;
    g->body_calls++;
    memcpy(g->body + g->body_len, data, len < room ? len : room);
    g->body_len += len < room ? len : room;
    g->body[g->body_len] = '\0';
    if (g->cancel_in_body)
        mcp__curl_cancel(r);
    return 0;
}

static void g_done(mcp__curl_req *r, const mcp__curl_result *res, void *ud)
{
    got *g = ud;
    (void)r;
    g->done++;
    g->err = res->err;
    g->done_status = res->status;
    snprintf(g->error, sizeof g->error, "%s", res->error);
    g->req = NULL;
}

/* Run the loop until every `n` request is done, for at most `ms`. */
static void run_until(uv_loop_t *loop, got *g, size_t n, unsigned ms)
{
    uint64_t end = uv_hrtime() + (uint64_t)ms * 1000000u * 4; /* slack for ASan, valgrind */
    for (;;) {
        size_t i, left = 0;
        for (i = 0; i < n; i++)
            left += g[i].done == 0;
        if (!left || uv_hrtime() > end)
            return;
        uv_run(loop, UV_RUN_ONCE);
    }
}

/* A tool whose reply never comes until the test ends it: it reports progress first, so the
 * POST turns into an SSE stream and the client sees headers and an event. */
static mcp_call_t *held[8];
static size_t nheld;
static int hang(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    mcp_call_progress(call, 1, 2, "half");
    assert_true(nheld < 8);
    held[nheld++] = call;
    return MCP_PENDING;
}

typedef struct env {
    uv_loop_t loop;
    mcp_server_t *srv;
    mcp__curl *eng;
    char url[64];
} env;

static env *env_new(void)
{
    env *e = calloc(1, sizeof *e);
    mcp_http_opts_t o = {0};
    char why[256] = "";
    assert_non_null(e);
    uv_loop_init(&e->loop);
    e->srv = mcp_server_new("t", "1.0");
    assert_int_equal(mcp_server_attach(e->srv, &e->loop), MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(e->srv, &(mcp_tool_t){.name = "hang", .handler = hang}, NULL), MCP_OK);
    o.port = 0;
    assert_int_equal(mcp_server_listen_http(e->srv, &o), MCP_OK);
    snprintf(e->url, sizeof e->url, "http://127.0.0.1:%u/mcp", mcp_server_http_port(e->srv, 0));
    e->eng = mcp__curl_engine(&e->loop, why, sizeof why);
    assert_non_null(e->eng);
    return e;
}

static void env_free(env *e)
{
    int i;
    mcp__curl_release(e->eng);
    while (nheld > 0)
        mcp_call_complete(held[--nheld]);
    mcp_server_free(e->srv);
    for (i = 0; i < 10; i++)
        uv_run(&e->loop, UV_RUN_NOWAIT);
    assert_int_equal(uv_loop_close(&e->loop), 0);
    free(e);
}

static const char *const json_headers[] = {"Content-Type: application/json",
                                           "Accept: application/json, text/event-stream",
                                           "MCP-Protocol-Version: 2025-11-25", NULL};

#define INIT_BODY                                                                              \
    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":" \
    "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}}"

static mcp__curl_req *post(env *e, got *g, const char *body, const char *const *headers)
{
    char why[256] = "";
    mcp__curl_req *r = mcp__curl_start(e->eng,
                                       &(mcp__curl_opts){.url = e->url,
                                                         .headers = headers,
                                                         .body = body,
                                                         .body_len = strlen(body),
                                                         .timeout_ms = 10000,
                                                         .on_headers = g_headers,
                                                         .on_body = g_body,
                                                         .on_done = g_done,
                                                         .ud = g},
                                       why, sizeof why);
    assert_non_null(r);
    g->req = r;
    return r;
}

/* initialize over 2025: JSON reply, the session header readable, completion once. */
static void test_post_json(void **state)
{
    env *e = env_new();
    got g = {0};
    (void)state;
    post(e, &g, INIT_BODY, json_headers);
    run_until(&e->loop, &g, 1, 5000);
    assert_int_equal(g.done, 1);
    assert_int_equal(g.headers, 1);
    assert_int_equal(g.err, MCP_OK);
    assert_int_equal(g.status, 200);
    assert_int_equal(g.done_status, 200);
    assert_non_null(strstr(g.ctype, "application/json"));
    assert_true(strlen(g.session) >= 16);
    assert_non_null(strstr(g.body, "\"protocolVersion\":\"2025-11-25\""));
    assert_string_equal(g.error, "");
    env_free(e);
}

/* Statuses come back as results, not errors: 404 (wrong path), 415 (wrong content type), and
 * a DELETE of an unknown session; 60 requests in flight at once on one engine (the server
 * allows 64 connections per address). */
static void test_statuses_and_many(void **state)
{
    env *e = env_new();
    got g[60];
    char why[256], bad_url[96];
    static const char *const text_headers[] = {"Content-Type: text/plain",
                                               "Accept: application/json, text/event-stream", NULL};
    static const char *const del_headers[] = {"Mcp-Session-Id: nope", NULL};
    int i;
    (void)state;
    memset(g, 0, sizeof g);
    snprintf(bad_url, sizeof bad_url, "%.*s/elsewhere", (int)(strlen(e->url) - 4), e->url);
    assert_non_null(mcp__curl_start(e->eng,
                                    &(mcp__curl_opts){.url = bad_url,
                                                      .on_headers = g_headers,
                                                      .on_body = g_body,
                                                      .on_done = g_done,
                                                      .ud = &g[0]},
                                    why, sizeof why));
    post(e, &g[1], INIT_BODY, text_headers);
    assert_non_null(mcp__curl_start(e->eng,
                                    &(mcp__curl_opts){.url = e->url,
                                                      .method = "DELETE",
                                                      .headers = del_headers,
                                                      .on_headers = g_headers,
                                                      .on_done = g_done,
                                                      .ud = &g[2]},
                                    why, sizeof why));
    for (i = 3; i < 60; i++)
        post(e, &g[i], INIT_BODY, json_headers);
    run_until(&e->loop, g, 60, 10000);
    for (i = 0; i < 60; i++) {
        if (g[i].err)
            fprintf(stderr, "request %d: %s\n", i, g[i].error);
        assert_int_equal(g[i].done, 1);
        assert_int_equal(g[i].err, MCP_OK);
    }
    assert_int_equal(g[0].status, 404);
    assert_int_equal(g[1].status, 415);
    assert_int_equal(g[2].done_status, 404);
    for (i = 3; i < 60; i++)
        assert_int_equal(g[i].status, 200);
    env_free(e);
}

/* Nothing listens: a clear error, status 0, once. Bad options: NULL with a reason. */
static void test_refused_and_bad_options(void **state)
{
    env *e = env_new();
    got g = {0};
    char why[256] = "", url[64];
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    (void)state;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(0x7f000001);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd); /* a port nobody listens on */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/mcp", ntohs(sa.sin_port));
    assert_non_null(mcp__curl_start(
        e->eng, &(mcp__curl_opts){.url = url, .on_headers = g_headers, .on_done = g_done, .ud = &g},
        why, sizeof why));
    run_until(&e->loop, &g, 1, 5000);
    assert_int_equal(g.done, 1);
    assert_int_equal(g.headers, 0);
    assert_int_equal(g.err, MCP_EIO);
    assert_int_equal(g.done_status, 0);
    assert_true(strlen(g.error) > 0);

    assert_null(mcp__curl_start(e->eng, &(mcp__curl_opts){.url = "ftp://x/", .on_done = g_done},
                                why, sizeof why));
    assert_non_null(strstr(why, "http"));
    assert_null(mcp__curl_start(e->eng, &(mcp__curl_opts){.url = e->url}, why, sizeof why));
    assert_null(mcp__curl_start(
        e->eng, &(mcp__curl_opts){.url = e->url, .method = "G T", .on_done = g_done}, why,
        sizeof why));
    assert_int_equal(g.done, 1);
    env_free(e);
}

static void session_of(env *e, char sid[64])
{
    got g = {0};
    post(e, &g, INIT_BODY, json_headers);
    run_until(&e->loop, &g, 1, 5000);
    assert_int_equal(g.status, 200);
    snprintf(sid, 64, "%s", g.session);
}

#define CALL_HANG_ID(id)                                                                           \
    "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"tools/call\",\"params\":{\"name\":\"hang\"," \
    "\"arguments\":{},\"_meta\":{\"progressToken\":7}}}"

/* An SSE reply streams: headers, then the progress event while the call still runs. Cancelled
 * from inside on_body: no more callbacks, on_done once with MCP_ECANCELLED. Then a second one
 * times out, and a third is cancelled from outside before the server answers. */
static void test_stream_cancel_timeout(void **state)
{
    env *e = env_new();
    char sid[64], hsid[100], why[256];
    const char *hdrs[5];
    got g = {0}, t = {0}, c = {0};
    (void)state;
    session_of(e, sid);
    snprintf(hsid, sizeof hsid, "Mcp-Session-Id: %s", sid);
    hdrs[0] = json_headers[0];
    hdrs[1] = json_headers[1];
    hdrs[2] = json_headers[2];
    hdrs[3] = hsid;
    hdrs[4] = NULL;
    g.cancel_in_body = true;
    post(e, &g, CALL_HANG_ID(2), hdrs);
    run_until(&e->loop, &g, 1, 5000);
    assert_int_equal(g.done, 1);
    assert_int_equal(g.headers, 1);
    assert_int_equal(g.status, 200);
    assert_non_null(strstr(g.ctype, "text/event-stream"));
    assert_non_null(strstr(g.body, "notifications/progress"));
    assert_int_equal(g.body_calls, 1);
    assert_int_equal(g.err, MCP_ECANCELLED);

    assert_non_null(mcp__curl_start(e->eng,
                                    &(mcp__curl_opts){.url = e->url,
                                                      .headers = hdrs,
                                                      .body = CALL_HANG_ID(3),
                                                      .body_len = strlen(CALL_HANG_ID(3)),
                                                      .timeout_ms = 300,
                                                      .on_headers = g_headers,
                                                      .on_body = g_body,
                                                      .on_done = g_done,
                                                      .ud = &t},
                                    why, sizeof why));
    run_until(&e->loop, &t, 1, 5000);
    assert_int_equal(t.done, 1);
    assert_int_equal(t.err, MCP_ETIMEDOUT);
    assert_int_equal(t.status, 200); /* the stream had begun */
    assert_true(strlen(t.error) > 0);

    post(e, &c, CALL_HANG_ID(4), hdrs);
    mcp__curl_cancel(c.req); /* before anything arrived */
    assert_int_equal(c.done, 1);
    assert_int_equal(c.err, MCP_ECANCELLED);
    assert_int_equal(c.headers, 0);
    env_free(e);
}

/* A raw HTTP peer on the loop for what a good server never does: it answers every connection
 * with `canned` (after reading the request's first bytes) and closes it. */
typedef struct raw {
    uv_tcp_t srv, conn;
    const char *canned;
    size_t canned_len;
    bool accepted;
    uv_write_t w;
    char rbuf[4096];
} raw;

static void raw_alloc(uv_handle_t *h, size_t n, uv_buf_t *b)
{
    raw *p = h->data;
    (void)n;
    *b = uv_buf_init(p->rbuf, sizeof p->rbuf);
}

static void raw_written(uv_write_t *w, int status)
{
    raw *p = w->data;
    (void)status;
    uv_close((uv_handle_t *)&p->conn, NULL);
}

static void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    raw *p = s->data;
    uv_buf_t out = uv_buf_init((char *)p->canned, (unsigned)p->canned_len);
    (void)b;
    if (n <= 0)
        return;
    uv_read_stop(s);
    p->w.data = p;
    uv_write(&p->w, s, &out, 1, raw_written);
}

static void raw_accept(uv_stream_t *s, int status)
{
    raw *p = s->data;
    assert_int_equal(status, 0);
    assert_false(p->accepted);
    p->accepted = true;
    uv_tcp_init(s->loop, &p->conn);
    p->conn.data = p;
    assert_int_equal(uv_accept(s, (uv_stream_t *)&p->conn), 0);
    uv_read_start((uv_stream_t *)&p->conn, raw_alloc, raw_read);
}

static void raw_url(uv_loop_t *loop, raw *p, char *url, size_t n)
{
    struct sockaddr_in sa;
    int len = sizeof sa;
    p->srv.data = p;
    uv_tcp_init(loop, &p->srv);
    uv_ip4_addr("127.0.0.1", 0, &sa);
    assert_int_equal(uv_tcp_bind(&p->srv, (struct sockaddr *)&sa, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&p->srv, 4, raw_accept), 0);
    assert_int_equal(uv_tcp_getsockname(&p->srv, (struct sockaddr *)&sa, &len), 0);
    snprintf(url, n, "http://127.0.0.1:%u/mcp", ntohs(sa.sin_port));
}

static void raw_get(env *e, const char *canned, size_t canned_len, got *g)
{
    raw *p = calloc(1, sizeof *p);
    char url[64], why[128];
    assert_non_null(p);
    p->canned = canned;
    p->canned_len = canned_len;
    raw_url(&e->loop, p, url, sizeof url);
    assert_non_null(mcp__curl_start(e->eng,
                                    &(mcp__curl_opts){.url = url,
                                                      .timeout_ms = 5000,
                                                      .on_headers = g_headers,
                                                      .on_body = g_body,
                                                      .on_done = g_done,
                                                      .ud = g},
                                    why, sizeof why));
    run_until(&e->loop, g, 1, 5000);
    uv_close((uv_handle_t *)&p->srv, NULL);
    uv_run(&e->loop, UV_RUN_NOWAIT);
    free(p);
}

/* The peer dies mid-stream (a chunked SSE body cut inside an event): completion once, MCP_EIO,
 * with the bytes that arrived delivered. A header section past 64 KiB: refused, MCP_EIO. */
static void test_peer_dies_and_huge_headers(void **state)
{
    env *e = env_new();
    got g = {0}, h = {0};
    static const char cut[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"
                              "10\r\ndata: {\"jsonrpc\":";
    size_t i, big_len = 100000;
    char *big = malloc(big_len);
    (void)state;
    assert_non_null(big);
    raw_get(e, cut, sizeof cut - 1, &g);
    assert_int_equal(g.done, 1);
    assert_int_equal(g.headers, 1);
    assert_int_equal(g.status, 200);
    assert_string_equal(g.ctype, "text/event-stream");
    assert_int_equal(g.err, MCP_EIO);
    assert_true(strlen(g.error) > 0);

    i = (size_t)snprintf(big, big_len, "HTTP/1.1 200 OK\r\n");
    while (i + 40 < big_len)
        i += (size_t)snprintf(big + i, big_len - i, "X-Filler-%zu: %s\r\n", i, "aaaaaaaaaaaa");
    raw_get(e, big, i, &h);
    assert_int_equal(h.done, 1);
    assert_int_equal(h.headers, 0);
    assert_int_equal(h.err, MCP_EIO);
    assert_non_null(strstr(h.error, "headers"));
    free(big);
    env_free(e);
}

/* Two users of one loop share one engine; it lives until the last one lets go. */
static void test_one_engine_per_loop(void **state)
{
    env *e = env_new();
    char why[64];
    mcp__curl *again = mcp__curl_engine(&e->loop, why, sizeof why);
    (void)state;
    assert_ptr_equal(again, e->eng);
    mcp__curl_release(again);
    assert_null(mcp__curl_engine(NULL, why, sizeof why));
    env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_json),
        cmocka_unit_test(test_statuses_and_many),
        cmocka_unit_test(test_refused_and_bad_options),
        cmocka_unit_test(test_stream_cancel_timeout),
        cmocka_unit_test(test_peer_dies_and_huge_headers),
        cmocka_unit_test(test_one_engine_per_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
