/*
 * The desktop login helpers of include/mcp_client.h on their own (the OAuth flow through them is
 * tests/auth/login.test.mjs): the loopback redirect listener answering real TCP requests on
 * 127.0.0.1 (no login waiting, wrong paths and methods, an oversized request head), the browser
 * command, the login timeout, a login freed after its client, and the state file (path per
 * server URL, atomic private writes, what load refuses).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcp_client.h"
#include <uv.h>

/* ---- one HTTP exchange with the listener, on the client's loop ------------------------------ */

typedef struct exchange {
    uv_tcp_t tcp;
    uv_connect_t conn;
    uv_write_t wr;
    char *request;
    size_t request_len;
    char answer[4096];
    size_t len;
    int closed;
} exchange;

static void ex_closed(uv_handle_t *h)
{
    ((exchange *)h->data)->closed = 1;
}

static void ex_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    exchange *x = h->data;
    (void)hint;
    *b = uv_buf_init(x->answer + x->len, (unsigned)(sizeof x->answer - 1 - x->len));
}

static void ex_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    exchange *x = s->data;
    (void)b;
    if (n > 0) {
        x->len += (size_t)n;
        x->answer[x->len] = '\0';
    } else if (n < 0) {
        uv_close((uv_handle_t *)s, ex_closed);
    }
}

static void ex_written(uv_write_t *w, int status)
{
    (void)w;
    (void)status;
}

static void ex_connected(uv_connect_t *c, int status)
{
    exchange *x = c->data;
    uv_buf_t b = uv_buf_init(x->request, (unsigned)x->request_len);
    if (status != 0) {
        uv_close((uv_handle_t *)&x->tcp, ex_closed);
        return;
    }
    uv_write(&x->wr, (uv_stream_t *)&x->tcp, &b, 1, ex_written);
    uv_read_start((uv_stream_t *)&x->tcp, ex_alloc, ex_read);
}

/* Send `request` to the listener of `l`; the whole answer (status line, headers, page). */
static const char *exchange_with(mcp_client_t *c, mcp_client_login_t *l, const char *request,
                                 exchange *x)
{
    struct sockaddr_in addr;
    int port = atoi(strrchr(mcp_client_login_redirect_uri(l), ':') + 1);
    uv_loop_t *loop = mcp_client_loop(c);
    memset(x, 0, sizeof *x);
    x->request = (char *)request;
    x->request_len = strlen(request);
    uv_tcp_init(loop, &x->tcp);
    x->tcp.data = x;
    x->conn.data = x;
    uv_ip4_addr("127.0.0.1", port, &addr);
    assert_int_equal(
        uv_tcp_connect(&x->conn, &x->tcp, (const struct sockaddr *)&addr, ex_connected), 0);
    while (!x->closed)
        uv_run(loop, UV_RUN_ONCE);
    return x->answer;
}

static void test_listener(void **state)
{
    mcp_client_t *c = mcp_client_new(NULL, "t", "1");
    mcp_client_login_opts_t o;
    mcp_client_login_t *l;
    exchange x;
    char big[10000];
    (void)state;
    memset(&o, 0, sizeof o);
    o.no_browser = 1;
    l = mcp_client_login_new(c, &o);
    assert_non_null(l);
    assert_int_equal(strncmp(mcp_client_login_redirect_uri(l), "http://127.0.0.1:", 17), 0);
    assert_non_null(strstr(mcp_client_login_redirect_uri(l), "/callback"));
    /* no authorization is waiting: the browser is told so, nothing else happens */
    assert_non_null(strstr(exchange_with(c, l, "GET /callback?code=x&state=y HTTP/1.1\r\n\r\n", &x),
                           "HTTP/1.1 409"));
    assert_non_null(strstr(x.answer, "No login waiting"));
    assert_non_null(strstr(x.answer, "Cache-Control: no-store"));
    assert_non_null(strstr(exchange_with(c, l, "GET /favicon.ico HTTP/1.1\r\n\r\n", &x), " 404 "));
    assert_non_null(strstr(exchange_with(c, l, "GET /callbackx HTTP/1.1\r\n\r\n", &x), " 404 "));
    assert_non_null(strstr(
        exchange_with(c, l, "POST /callback HTTP/1.1\r\nContent-Length: 0\r\n\r\n", &x), " 405 "));
    memset(big, 'a', sizeof big - 1);
    memcpy(big, "GET /callback?", 14);
    big[sizeof big - 1] = '\0';
    assert_non_null(strstr(exchange_with(c, l, big, &x), " 431 "));
    /* a second login on the same fixed port cannot bind */
    {
        mcp_client_login_opts_t same;
        memset(&same, 0, sizeof same);
        same.port = atoi(strrchr(mcp_client_login_redirect_uri(l), ':') + 1);
        assert_null(mcp_client_login_new(c, &same));
        assert_non_null(strstr(mcp_client_last_error(c), "cannot listen"));
    }
    mcp_client_login_free(l);
    mcp_client_login_free(NULL);
    mcp_client_free(c);
}

static void tick(uv_timer_t *t)
{
    uv_timer_stop(t);
}

static void probe_done(uv_connect_t *c, int status)
{
    *(int *)c->data = status;
}

/* authorize: the URL on stderr, the browser command run with it, the deadline gives up. */
static void test_authorize(void **state)
{
    char dir[] = "/tmp/libmcp-login-XXXXXX", cmd[300], out[100], got[200];
    mcp_client_t *c = mcp_client_new(NULL, "t", "1");
    mcp_client_login_opts_t o;
    mcp_client_login_t *l;
    uv_timer_t wait;
    FILE *f;
    int i;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(out, sizeof out, "%s/url", dir);
    snprintf(cmd, sizeof cmd, "printf %%s >%s", out);
    memset(&o, 0, sizeof o);
    o.browser = cmd;
    o.timeout_ms = 100;
    o.program = "test_login";
    l = mcp_client_login_new(c, &o);
    assert_non_null(l);
    mcp_client_login_authorize(c, "https://as.example/authorize?x=1&y=2", l);
    /* the deadline (100 ms) passes with no redirect: the login is given up (no crash, no
     * waiting request to fail here) */
    uv_timer_init(mcp_client_loop(c), &wait);
    for (i = 0; i < 40 && access(out, F_OK) != 0; i++) {
        uv_timer_start(&wait, tick, 50, 0);
        uv_run(mcp_client_loop(c), UV_RUN_ONCE);
    }
    uv_timer_start(&wait, tick, 200, 0);
    uv_run(mcp_client_loop(c), UV_RUN_ONCE);
    uv_close((uv_handle_t *)&wait, NULL);
    f = fopen(out, "r");
    assert_non_null(f);
    assert_non_null(fgets(got, sizeof got, f));
    fclose(f);
    assert_string_equal(got, "https://as.example/authorize?x=1&y=2");
    unlink(out);
    rmdir(dir);
    mcp_client_login_free(l);
    mcp_client_free(c);
}

/* A login freed after its client (mcp-proxy's order: the mount frees the client): the client let
 * go of it when freed, so its deadline never reaches the freed client and its port is closed. */
static void test_freed_after_client(void **state)
{
    uv_loop_t loop;
    uv_timer_t wait;
    mcp_client_t *c;
    mcp_client_login_opts_t o;
    mcp_client_login_t *l;
    uv_tcp_t probe;
    uv_connect_t conn;
    struct sockaddr_in addr;
    int port, connected = 1;
    (void)state;
    /* a client running its own loop: the login's handles close with it */
    c = mcp_client_new(NULL, "t", "1");
    l = mcp_client_login_new(c, NULL);
    assert_non_null(l);
    mcp_client_free(c);
    mcp_client_login_free(l);
    /* the caller's loop, an authorization waiting (its deadline armed) */
    assert_int_equal(uv_loop_init(&loop), 0);
    c = mcp_client_new(&loop, "t", "1");
    memset(&o, 0, sizeof o);
    o.no_browser = 1;
    o.timeout_ms = 30;
    o.program = "test_login";
    l = mcp_client_login_new(c, &o);
    assert_non_null(l);
    port = atoi(strrchr(mcp_client_login_redirect_uri(l), ':') + 1);
    mcp_client_login_authorize(c, "https://as.example/authorize", l);
    mcp_client_free(c);
    uv_timer_init(&loop, &wait);
    uv_timer_start(&wait, tick, 100, 0); /* past the login's deadline */
    uv_run(&loop, UV_RUN_DEFAULT);
    /* nothing listens any more */
    uv_tcp_init(&loop, &probe);
    probe.data = &connected;
    conn.data = &connected;
    uv_ip4_addr("127.0.0.1", port, &addr);
    assert_int_equal(uv_tcp_connect(&conn, &probe, (const struct sockaddr *)&addr, probe_done), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_true(connected < 0);
    mcp_client_login_free(l);
    uv_close((uv_handle_t *)&wait, NULL);
    uv_close((uv_handle_t *)&probe, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- the state file ----------------------------------------------------------------------- */

static void test_state_path(void **state)
{
    char a[512], b[512], small[16];
    (void)state;
    setenv("XDG_STATE_HOME", "/x/state", 1);
    assert_int_equal(mcp_client_oauth_state_path("https://mcp.example.com:8443/mcp", a, sizeof a),
                     MCP_OK);
    assert_int_equal(strncmp(a, "/x/state/mcp/oauth/mcp.example.com_8443-", 40), 0);
    assert_non_null(strstr(a, ".json"));
    assert_int_equal(mcp_client_oauth_state_path("https://mcp.example.com:8443/other", b, sizeof b),
                     MCP_OK);
    assert_string_not_equal(a, b); /* one file per server URL */
    assert_int_equal(mcp_client_oauth_state_path("https://mcp.example.com:8443/mcp", b, sizeof b),
                     MCP_OK);
    assert_string_equal(a, b);
    assert_int_equal(mcp_client_oauth_state_path("not a url", a, sizeof a), MCP_EINVAL);
    assert_int_equal(mcp_client_oauth_state_path("https://h/", small, sizeof small), MCP_ELIMIT);
    setenv("XDG_STATE_HOME", "relative", 1); /* not absolute: ignored */
    setenv("HOME", "/home/u", 1);
    assert_int_equal(mcp_client_oauth_state_path("http://127.0.0.1:1/mcp", a, sizeof a), MCP_OK);
    assert_int_equal(strncmp(a, "/home/u/.local/state/mcp/oauth/127.0.0.1_1-", 43), 0);
    unsetenv("XDG_STATE_HOME");
}

static void test_state_file(void **state)
{
    char dir[] = "/tmp/libmcp-state-XXXXXX", path[300], sub[256], link[256];
    json_t *s = json_pack("{s:s,s:{s:s}}", "issuer", "https://as", "tokens", "access_token", "t");
    json_t *back = NULL;
    struct stat st;
    FILE *f;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/mcp/oauth", dir);
    snprintf(path, sizeof path, "%s/srv.json", sub);
    assert_int_equal(mcp_client_oauth_state_load(path, &back), MCP_ENOTFOUND);
    assert_null(back);
    assert_int_equal(mcp_client_oauth_state_store(path, s), MCP_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(mcp_client_oauth_state_load(path, &back), MCP_OK);
    assert_true(json_equal(back, s));
    json_decref(back);
    /* stored again (a refresh): replaced whole */
    json_object_set_new(json_object_get(s, "tokens"), "access_token", json_string("t2"));
    mcp_client_oauth_state_save(NULL, s, path);
    assert_int_equal(mcp_client_oauth_state_load(path, &back), MCP_OK);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(back, "tokens"), "access_token")), "t2");
    json_decref(back);
    /* readable by others: not trusted */
    chmod(path, 0644);
    assert_int_equal(mcp_client_oauth_state_load(path, &back), MCP_EIO);
    assert_null(back);
    chmod(path, 0600);
    /* a symbolic link: not followed */
    snprintf(link, sizeof link, "%s/link.json", dir);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(mcp_client_oauth_state_load(link, &back), MCP_EIO);
    unlink(link);
    /* not a JSON object */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("[1, 2", f);
    fclose(f);
    assert_int_equal(mcp_client_oauth_state_load(path, &back), MCP_EPARSE);
    assert_null(back);
    assert_int_equal(mcp_client_oauth_state_store(path, json_object_get(s, "issuer")), MCP_EINVAL);
    assert_int_equal(mcp_client_oauth_state_load(NULL, &back), MCP_EINVAL);
    unlink(path);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/mcp", dir);
    rmdir(sub);
    assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
    json_decref(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listener),
        cmocka_unit_test(test_authorize),
        cmocka_unit_test(test_freed_after_client),
        cmocka_unit_test(test_state_path),
        cmocka_unit_test(test_state_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
