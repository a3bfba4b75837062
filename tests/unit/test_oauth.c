/*
 * The pure parts of the client's OAuth flow (libmcp/client/oauth.c): the WWW-Authenticate
 * challenge, the well-known URLs in the spec's order, PKCE S256, the redirect's query, the
 * https rule; mcp_client_set_oauth() / mcp_client_oauth_redirect() refusing what they must; and
 * the flow between libmcp's own HTTP server (authorize callback, RFC 9728 metadata) and a small
 * authorization server in this file, on one loop: registration, the code grant, the refresh
 * token tried before the browser, a wrong state, a token endpoint that refuses (MCP_EAUTH), and
 * no token ever sent to the authorization server, and a client freed (from another client's
 * callback, inside libcurl) while its authorization's request is pending; the DPoP key kept
 * across a restart in the saved state; revocation (RFC 7009) of a saved state's tokens; a
 * step-up login slower than the request timeout. The conformance suite covers the rest
 * (tests/conformance/client/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "client/client.h"

#include <uv.h>

static void test_www(void **state)
{
    char *rm, *scope, *err;
    (void)state;
    assert_int_equal(mcp__oauth_parse_www("Bearer resource_metadata=\"https://a.test/.well-known/"
                                          "oauth-protected-resource/mcp\", scope=\"x y\", "
                                          "error=insufficient_scope",
                                          &rm, &scope, &err),
                     MCP_OK);
    assert_string_equal(rm, "https://a.test/.well-known/oauth-protected-resource/mcp");
    assert_string_equal(scope, "x y");
    assert_string_equal(err, "insufficient_scope");
    free(rm);
    free(scope);
    free(err);
    /* another scheme's parameters are not Bearer's; escapes inside quotes */
    assert_int_equal(
        mcp__oauth_parse_www("Basic realm=\"r\", Bearer scope=\"a\\\"b\"", &rm, &scope, &err),
        MCP_OK);
    assert_null(rm);
    assert_null(err);
    assert_string_equal(scope, "a\"b");
    free(scope);
    assert_int_equal(mcp__oauth_parse_www("Basic scope=\"a\"", &rm, &scope, &err), MCP_OK);
    assert_null(scope);
    /* DPoP challenges carry the same parameters */
    assert_int_equal(mcp__oauth_parse_www("DPoP error=\"use_dpop_nonce\"", &rm, &scope, &err),
                     MCP_OK);
    assert_string_equal(err, "use_dpop_nonce");
    free(err);
    /* bad input: unterminated quote, garbage, NULL, over the bound */
    assert_int_equal(mcp__oauth_parse_www("Bearer scope=\"abc", &rm, &scope, &err), MCP_OK);
    assert_null(scope);
    assert_int_equal(mcp__oauth_parse_www("=,,= ==\"", &rm, &scope, &err), MCP_OK);
    assert_null(rm);
    assert_int_equal(mcp__oauth_parse_www(NULL, &rm, &scope, &err), MCP_EINVAL);
    {
        char *big = malloc(9000);
        assert_non_null(big);
        memset(big, 'a', 8999);
        big[8999] = '\0';
        assert_int_equal(mcp__oauth_parse_www(big, &rm, &scope, &err), MCP_EINVAL);
        free(big);
    }
}

static void expect_urls(const char *url, bool resource, int n, const char *a, const char *b,
                        const char *c)
{
    char *out[4] = {0};
    const char *want[3] = {a, b, c};
    int i;
    assert_int_equal(mcp__oauth_wellknown(url, resource, out, 4), n);
    for (i = 0; i < n; i++) {
        assert_string_equal(out[i], want[i]);
        free(out[i]);
    }
}

static void test_wellknown(void **state)
{
    char *out[4];
    (void)state;
    expect_urls("https://s.test/mcp", true, 2,
                "https://s.test/.well-known/oauth-protected-resource/mcp",
                "https://s.test/.well-known/oauth-protected-resource", NULL);
    expect_urls("http://127.0.0.1:8080/a/b/?q=1#f", true, 2,
                "http://127.0.0.1:8080/.well-known/oauth-protected-resource/a/b",
                "http://127.0.0.1:8080/.well-known/oauth-protected-resource", NULL);
    expect_urls("https://s.test", true, 1, "https://s.test/.well-known/oauth-protected-resource",
                NULL, NULL);
    expect_urls("https://as.test/tenant1", false, 3,
                "https://as.test/.well-known/oauth-authorization-server/tenant1",
                "https://as.test/.well-known/openid-configuration/tenant1",
                "https://as.test/tenant1/.well-known/openid-configuration");
    expect_urls("https://as.test/", false, 2,
                "https://as.test/.well-known/oauth-authorization-server",
                "https://as.test/.well-known/openid-configuration", NULL);
    assert_int_equal(mcp__oauth_wellknown("ftp://x/y", true, out, 4), 0);
    assert_int_equal(mcp__oauth_wellknown("https://", true, out, 4), 0);
    assert_int_equal(mcp__oauth_wellknown(NULL, false, out, 4), 0);
}

static void test_allowed(void **state)
{
    char origin[64];
    const char *path;
    (void)state;
    assert_true(mcp__oauth_url_allowed("https://as.test/token"));
    assert_true(mcp__oauth_url_allowed("http://localhost:9000/token"));
    assert_true(mcp__oauth_url_allowed("http://127.0.0.1/token"));
    assert_true(mcp__oauth_url_allowed("http://[::1]:80/token"));
    assert_false(mcp__oauth_url_allowed("http://as.test/token"));
    assert_false(mcp__oauth_url_allowed("http://localhost.evil.test/token"));
    assert_false(mcp__oauth_url_allowed("http://127.0.0.1.evil.test/token"));
    assert_false(mcp__oauth_url_allowed("javascript:alert(1)"));
    assert_int_equal(mcp__oauth_url_split("https://a.test:8443/p?q", origin, sizeof origin, &path),
                     MCP_OK);
    assert_string_equal(origin, "https://a.test:8443");
    assert_string_equal(path, "/p?q");
    assert_int_equal(mcp__oauth_url_split("https://a-very-long-host-name-that-does-not-fit-in-"
                                          "the-buffer.test/",
                                          origin, 32, &path),
                     MCP_EINVAL);
}

static void test_pkce(void **state)
{
    char v[64], c[64], v2[64], c2[64];
    unsigned char dig[32];
    char *enc;
    size_t i;
    (void)state;
    assert_int_equal(mcp__oauth_pkce(v, c), MCP_OK);
    assert_int_equal(strlen(v), 43); /* RFC 7636: 43..128 unreserved characters */
    for (i = 0; v[i]; i++)
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~", v[i]));
    assert_int_equal(mcp__sha256_once(v, strlen(v), dig), MCP_OK);
    enc = mcp__base64_encode(dig, sizeof dig, true);
    assert_non_null(enc);
    assert_string_equal(c, enc);
    free(enc);
    assert_int_equal(mcp__oauth_pkce(v2, c2), MCP_OK);
    assert_string_not_equal(v, v2);
}

static void test_query(void **state)
{
    json_t *q;
    (void)state;
    q = mcp__oauth_parse_query("http://localhost:3000/callback?code=a%2Bb+c&state=s1&iss="
                               "https%3A%2F%2Fas.test&state=second#frag=x");
    assert_non_null(q);
    assert_string_equal(json_string_value(json_object_get(q, "code")), "a+b c");
    assert_string_equal(json_string_value(json_object_get(q, "state")), "s1");
    assert_string_equal(json_string_value(json_object_get(q, "iss")), "https://as.test");
    assert_null(json_object_get(q, "frag"));
    json_decref(q);
    q = mcp__oauth_parse_query("http://x/cb?error=access_denied&flag&=v");
    assert_string_equal(json_string_value(json_object_get(q, "error")), "access_denied");
    assert_string_equal(json_string_value(json_object_get(q, "flag")), "");
    assert_int_equal(json_object_size(q), 2);
    json_decref(q);
    q = mcp__oauth_parse_query("http://x/cb");
    assert_int_equal(json_object_size(q), 0);
    json_decref(q);
    /* malformed escapes, NUL, truncated escapes */
    assert_null(mcp__oauth_parse_query("http://x/cb?code=%zz"));
    assert_null(mcp__oauth_parse_query("http://x/cb?code=%00"));
    assert_null(mcp__oauth_parse_query("http://x/cb?code=%4"));
    assert_null(mcp__oauth_parse_query("http://x/cb?code=%"));
    assert_null(mcp__oauth_parse_query(NULL));
}

static void authorize(mcp_client_t *c, const char *url, void *ud)
{
    (void)c;
    (void)url;
    (void)ud;
}

static void test_api(void **state)
{
    mcp_client_t *c = mcp_client_new(NULL, "t", "1");
    mcp_client_oauth_opts_t o = {0};
    json_t *bad;
    (void)state;
    assert_non_null(c);
    assert_int_equal(mcp_client_set_oauth(c, NULL), MCP_EINVAL);
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_EINVAL); /* no authorize, no redirect */
    o.authorize = authorize;
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_EINVAL);
    o.redirect_uri = "http://127.0.0.1:1/cb";
    o.client_metadata_url = "http://not-https.test/cimd.json";
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_EINVAL);
    o.client_metadata_url = NULL;
    bad = json_pack("{s:i}", "access_token", 5);
    o.saved = bad;
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_EINVAL);
    json_decref(bad);
    o.saved = NULL;
    assert_int_equal(mcp_client_oauth_redirect(c, "http://127.0.0.1:1/cb?code=x"), MCP_ESTATE);
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_OK);
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_ESTATE); /* once */
    assert_int_equal(mcp_client_oauth_redirect(c, "http://127.0.0.1:1/cb?code=x"), MCP_ESTATE);
    assert_int_equal(mcp_client_oauth_redirect(c, NULL), MCP_ESTATE);
    mcp_client_free(c);
    /* client_credentials needs a client_id */
    c = mcp_client_new(NULL, "t", "1");
    memset(&o, 0, sizeof o);
    o.client_credentials = 1;
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_EINVAL);
    o.client_id = "id";
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_OK);
    mcp_client_free(c);
    assert_string_equal(mcp_err_name(MCP_EAUTH), "MCP_EAUTH");
}

/* ---- a small authorization server (one request per connection) ----------------------------- */

typedef struct as_conn {
    uv_tcp_t tcp;
    char buf[8192];
    size_t len;
    uv_write_t wr;
    char *resp;
} as_conn;

static struct {
    uv_tcp_t listener;
    unsigned port;
    char issuer[64];
    int registers, code_grants, refresh_grants, refuse_tokens, bearer_seen;
    char valid[32]; /* the token the MCP server accepts */
    int authorizes;
    int next_token;
    int expires_in;       /* of the tokens issued (0: 3600) */
    char last_scope[128]; /* of the last authorization request */
    int stepup_mode;      /* the MCP server wants more scope from tok-1 */
    char dpop_jkt[44];    /* thumbprint of the key of the last token request's DPoP proof */
    int revocation;       /* the metadata names /revoke */
    int revoke_status;    /* its answer (0: 200) */
    char revoked[2][160]; /* the first two revocation request bodies */
    int revokes, revoke_basic;
    int unsupported_type; /* refused revocations: unsupported_token_type (else invalid_client) */
    int scoped;           /* tok-1 grants "mcp:tools", later tokens "mcp:tools mcp:admin" */
    int silent;           /* requests are read and never answered */
    int unanswered;       /* ... how many */
    as_conn *held[4];
} as;

static void conn_closed(uv_handle_t *h)
{
    as_conn *k = h->data;
    free(k->resp);
    free(k);
}

static void written(uv_write_t *w, int status)
{
    (void)status;
    uv_close((uv_handle_t *)w->data, conn_closed);
}

static void reply(as_conn *k, int status, const char *body)
{
    uv_buf_t b;
    k->resp = malloc(strlen(body) + 256);
    assert_non_null(k->resp);
    sprintf(k->resp,
            "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n%s",
            status, strlen(body), body);
    b = uv_buf_init(k->resp, (unsigned)strlen(k->resp));
    k->wr.data = &k->tcp;
    uv_write(&k->wr, (uv_stream_t *)&k->tcp, &b, 1, written);
}

/* The RFC 7638 thumbprint of the "jwk" in the header of the DPoP proof `p` (its compact JWS). */
static void proof_jkt(const char *p, char out[44])
{
    char seg[2048];
    unsigned char *raw;
    size_t n, rl = 0;
    json_t *h;
    n = strcspn(p, ".");
    assert_true(n < sizeof seg);
    memcpy(seg, p, n);
    seg[n] = '\0';
    raw = mcp__base64_decode(seg, n, true, &rl);
    assert_non_null(raw);
    h = json_loadb((const char *)raw, rl, 0, NULL);
    free(raw);
    assert_non_null(h);
    assert_int_equal(mcp__jwk_thumbprint(json_object_get(h, "jwk"), out), MCP_OK);
    json_decref(h);
}

static void handle(as_conn *k, const char *body)
{
    char out[1024];
    if (strstr(k->buf, "Bearer "))
        as.bearer_seen++;
    if (strncmp(k->buf, "GET /.well-known/oauth-authorization-server ", 44) == 0) {
        snprintf(out, sizeof out,
                 "{\"issuer\":\"%s\",\"authorization_endpoint\":\"%s/authorize\","
                 "\"token_endpoint\":\"%s/token\",\"registration_endpoint\":\"%s/register\","
                 "\"code_challenge_methods_supported\":[\"S256\"],"
                 "\"authorization_response_iss_parameter_supported\":true,"
                 "\"token_endpoint_auth_methods_supported\":[\"none\"]%s%s%s}",
                 as.issuer, as.issuer, as.issuer, as.issuer,
                 as.revocation ? ",\"revocation_endpoint\":\"" : "", as.revocation ? as.issuer : "",
                 as.revocation ? "/revoke\"" : "");
        reply(k, 200, out);
    } else if (strncmp(k->buf, "POST /revoke ", 13) == 0) {
        if (as.revokes < 2)
            snprintf(as.revoked[as.revokes], sizeof as.revoked[0], "%s", body);
        as.revokes++;
        /* base64("c-1:s-1") */
        as.revoke_basic += strstr(k->buf, "\r\nAuthorization: Basic Yy0xOnMtMQ==\r\n") != NULL;
        reply(k, as.revoke_status ? as.revoke_status : 200,
              !as.revoke_status     ? ""
              : as.unsupported_type ? "{\"error\":\"unsupported_token_type\"}"
                                    : "{\"error\":\"invalid_client\"}");
    } else if (strncmp(k->buf, "POST /register ", 15) == 0) {
        as.registers++;
        assert_non_null(strstr(body, "\"application_type\":\"native\""));
        reply(k, 201, "{\"client_id\":\"c-1\",\"token_endpoint_auth_method\":\"none\"}");
    } else if (strncmp(k->buf, "POST /token ", 12) == 0) {
        json_t *q;
        char url[2048];
        const char *grant;
        if (strstr(k->buf, "\r\nDPoP: "))
            proof_jkt(strstr(k->buf, "\r\nDPoP: ") + 8, as.dpop_jkt);
        snprintf(url, sizeof url, "x://y/?%s", body);
        q = mcp__oauth_parse_query(url);
        assert_non_null(q);
        grant = json_string_value(json_object_get(q, "grant_type"));
        assert_non_null(grant);
        assert_non_null(json_object_get(q, "resource"));
        assert_string_equal(json_string_value(json_object_get(q, "client_id")), "c-1");
        if (strcmp(grant, "authorization_code") == 0) {
            as.code_grants++;
            assert_string_equal(json_string_value(json_object_get(q, "code")), "the-code");
            assert_int_equal(strlen(json_string_value(json_object_get(q, "code_verifier"))), 43);
        } else {
            assert_string_equal(grant, "refresh_token");
            assert_string_equal(json_string_value(json_object_get(q, "refresh_token")), "r-1");
            as.refresh_grants++;
        }
        json_decref(q);
        if (as.refuse_tokens) {
            reply(k, 400, "{\"error\":\"invalid_grant\"}");
        } else {
            snprintf(out, sizeof out,
                     "{\"access_token\":\"tok-%d\",\"token_type\":\"Bearer\",\"expires_in\":%d,"
                     "\"refresh_token\":\"r-1\"}",
                     ++as.next_token, as.expires_in ? as.expires_in : 3600);
            reply(k, 200, out);
        }
    } else {
        reply(k, 404, "{}");
    }
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    as_conn *k = h->data;
    (void)hint;
    *b = uv_buf_init(k->buf + k->len, (unsigned)(sizeof k->buf - 1 - k->len));
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    as_conn *k = st->data;
    char *end;
    (void)b;
    if (n < 0) {
        uv_close((uv_handle_t *)st, conn_closed);
        return;
    }
    k->len += (size_t)n;
    k->buf[k->len] = '\0';
    if ((end = strstr(k->buf, "\r\n\r\n"))) {
        const char *cl = strstr(k->buf, "Content-Length:");
        size_t want = cl && cl < end ? (size_t)strtoul(cl + 15, NULL, 10) : 0;
        if (k->len >= (size_t)(end + 4 - k->buf) + want) {
            uv_read_stop(st);
            if (as.silent && as.unanswered < 4)
                as.held[as.unanswered++] = k;
            else
                handle(k, end + 4);
        }
    }
}

static void on_conn(uv_stream_t *l, int status)
{
    as_conn *k = calloc(1, sizeof *k);
    assert_int_equal(status, 0);
    assert_non_null(k);
    uv_tcp_init(l->loop, &k->tcp);
    k->tcp.data = k;
    assert_int_equal(uv_accept(l, (uv_stream_t *)&k->tcp), 0);
    uv_read_start((uv_stream_t *)&k->tcp, alloc_cb, read_cb);
}

/* The MCP server accepts only as.valid. */
static int check_token(const char *token, const char *method_path, json_t **principal, void *ud)
{
    (void)method_path;
    (void)ud;
    if (as.scoped && token && strncmp(token, "tok-", 4) == 0) {
        *principal = json_pack("{s:s}", "scope",
                               strcmp(token, "tok-1") == 0 ? "mcp:tools" : "mcp:tools mcp:admin");
        return 0;
    }
    if (as.stepup_mode && token && strcmp(token, "tok-1") == 0) {
        *principal = json_string("mcp:admin");
        return MCP_AUTH_INSUFFICIENT_SCOPE;
    }
    if (as.stepup_mode) /* any later token (a slow machine may refresh the short-lived one) */
        return token && strncmp(token, "tok-", 4) == 0 ? 0 : MCP_AUTH_INVALID_TOKEN;
    return token && strcmp(token, as.valid) == 0 ? 0 : MCP_AUTH_INVALID_TOKEN;
}

static int echo(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_text(call, "ok");
}

static char *saved_refresh;

static void on_save(mcp_client_t *c, const json_t *st, void *ud)
{
    (void)c;
    (void)ud;
    free(saved_refresh);
    {
        const char *rt = json_string_value(json_object_get(st, "refresh_token"));
        saved_refresh = strdup(rt ? rt : "");
    }
}

/* The browser: the authorization server approves at once. A wrong state first is refused. */
static void browser(mcp_client_t *c, const char *url, void *ud)
{
    json_t *q = mcp__oauth_parse_query(url);
    char redirect[512];
    (void)ud;
    as.authorizes++;
    assert_non_null(q);
    snprintf(as.last_scope, sizeof as.last_scope, "%s",
             json_string_value(json_object_get(q, "scope"))
                 ? json_string_value(json_object_get(q, "scope"))
                 : "");
    assert_string_equal(json_string_value(json_object_get(q, "code_challenge_method")), "S256");
    assert_string_equal(json_string_value(json_object_get(q, "client_id")), "c-1");
    assert_non_null(json_object_get(q, "resource"));
    assert_int_equal(mcp_client_oauth_redirect(c, "http://127.0.0.1:1/cb?code=x&state=wrong"),
                     MCP_EINVAL);
    assert_int_equal(mcp_client_oauth_redirect(c, "http://127.0.0.1:1/cb?state=%zz"), MCP_EINVAL);
    snprintf(redirect, sizeof redirect, "http://127.0.0.1:1/cb?code=the-code&state=%s&iss=%s",
             json_string_value(json_object_get(q, "state")), as.issuer);
    json_decref(q);
    assert_int_equal(mcp_client_oauth_redirect(c, redirect), MCP_OK);
}

/* A fresh `as` listening on `loop` (initialized here), its issuer set. */
static void as_start(uv_loop_t *loop)
{
    struct sockaddr_in sa;
    int len = sizeof sa;
    memset(&as, 0, sizeof as);
    uv_loop_init(loop);
    uv_tcp_init(loop, &as.listener);
    uv_ip4_addr("127.0.0.1", 0, &sa);
    assert_int_equal(uv_tcp_bind(&as.listener, (const struct sockaddr *)&sa, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&as.listener, 16, on_conn), 0);
    uv_tcp_getsockname(&as.listener, (struct sockaddr *)&sa, &len);
    as.port = ntohs(sa.sin_port);
    snprintf(as.issuer, sizeof as.issuer, "http://127.0.0.1:%u", as.port);
}

/* libmcp's HTTP server with the echo tool, its tokens checked by check_token() against `as`;
 * its MCP URL into `url` (96 bytes). */
static mcp_server_t *protected_server(uv_loop_t *loop, const char *scopes, char url[96])
{
    mcp_http_opts_t o = {0};
    mcp_server_t *srv = mcp_server_new("protected", "1");
    assert_int_equal(mcp_server_attach(srv, loop), MCP_OK);
    mcp_server_add_tool(srv, &(mcp_tool_t){.name = "echo", .handler = echo}, NULL);
    o.authorize = check_token;
    o.authorization_servers = as.issuer;
    o.scopes = scopes;
    assert_int_equal(mcp_server_listen_http(srv, &o), MCP_OK);
    snprintf(url, 96, "http://127.0.0.1:%u/mcp", mcp_server_http_port(srv, 0));
    return srv;
}

/* Close `as` and `srv`, and the loop (bounded). */
static void as_stop(uv_loop_t *loop, mcp_server_t *srv)
{
    int i;
    uv_close((uv_handle_t *)&as.listener, NULL);
    for (i = 0; i < 200 && uv_loop_alive(loop); i++)
        uv_run(loop, UV_RUN_NOWAIT);
    mcp_server_free(srv);
    for (i = 0; i < 200 && uv_loop_alive(loop); i++)
        uv_run(loop, UV_RUN_NOWAIT);
    assert_int_equal(uv_loop_close(loop), 0);
}

static void test_flow(void **state)
{
    uv_loop_t loop;
    mcp_server_t *srv;
    mcp_client_oauth_opts_t oo = {0};
    mcp_client_t *c;
    mcp_client_error_t err;
    json_t *res = NULL;
    char url[96];
    (void)state;
    as_start(&loop);
    snprintf(as.valid, sizeof as.valid, "tok-1");

    srv = protected_server(&loop, "mcp:tools", url);

    c = mcp_client_new(&loop, "oauth-test", "1");
    mcp_client_set_timeout(c, 20000);
    oo.redirect_uri = "http://127.0.0.1:1/cb";
    oo.authorize = browser;
    oo.save = on_save;
    assert_int_equal(mcp_client_set_oauth(c, &oo), MCP_OK);
    assert_int_equal(mcp_client_connect_url(c, url, NULL), MCP_OK);
    assert_int_equal(mcp_client_set_oauth(c, &oo), MCP_ESTATE);
    /* 401 -> discovery, registration, the browser, the code grant; then the request again */
    assert_int_equal(mcp_client_initialize_sync(c, NULL, &err), MCP_OK);
    assert_int_equal(as.registers, 1);
    assert_int_equal(as.authorizes, 1);
    assert_int_equal(as.code_grants, 1);
    assert_string_equal(saved_refresh, "r-1");
    assert_int_equal(mcp_client_call_tool_sync(c, "echo", json_object(), &res, &err), MCP_OK);
    json_decref(res);
    /* the server stops accepting the token: the refresh token, not the browser */
    snprintf(as.valid, sizeof as.valid, "tok-2");
    assert_int_equal(mcp_client_call_tool_sync(c, "echo", json_object(), &res, &err), MCP_OK);
    json_decref(res);
    assert_int_equal(as.refresh_grants, 1);
    assert_int_equal(as.authorizes, 1);
    assert_int_equal(as.registers, 1);
    /* the token endpoint refuses: refresh fails, the browser again, then MCP_EAUTH */
    snprintf(as.valid, sizeof as.valid, "tok-9");
    as.refuse_tokens = 1;
    assert_int_equal(mcp_client_call_tool_sync(c, "echo", json_object(), &res, &err), MCP_EAUTH);
    assert_int_equal(err.status, MCP_EAUTH);
    assert_non_null(strstr(err.text, "token endpoint"));
    assert_int_equal(as.refresh_grants, 2);
    assert_int_equal(as.authorizes, 2);
    assert_int_equal(as.bearer_seen, 0); /* the token never went to the authorization server */
    mcp_client_free(c);
    free(saved_refresh);
    saved_refresh = NULL;
    as_stop(&loop, srv);
}

/* A saved state (another process's registration and token, granted "mcp:tools"); the server
 * wants "mcp:admin" too: the step-up asks for the union, without registering again; the new
 * token lives 4 s and is still used (not taken for expired at once). */
static void test_stepup_saved(void **state)
{
    uv_loop_t loop;
    mcp_server_t *srv;
    mcp_client_oauth_opts_t oo = {0};
    mcp_client_t *c;
    mcp_client_error_t err;
    json_t *res = NULL, *saved;
    char url[96];
    (void)state;
    as_start(&loop);
    snprintf(as.valid, sizeof as.valid, "tok-2");
    as.next_token = 1; /* the next token issued is tok-2 */
    as.expires_in = 4;
    as.stepup_mode = 1;
    srv = protected_server(&loop, NULL, url);
    saved = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "issuer", as.issuer, "client_id", "c-1",
                      "access_token", "tok-1", "refresh_token", "r-1", "scope", "mcp:tools",
                      "resource", url);
    c = mcp_client_new(&loop, "oauth-test", "1");
    mcp_client_set_timeout(c, 20000);
    oo.redirect_uri = "http://127.0.0.1:1/cb";
    oo.authorize = browser;
    oo.saved = saved;
    assert_int_equal(mcp_client_set_oauth(c, &oo), MCP_OK);
    json_decref(saved);
    assert_int_equal(mcp_client_connect_url(c, url, NULL), MCP_OK);
    assert_int_equal(mcp_client_initialize_sync(c, NULL, &err), MCP_OK);
    assert_int_equal(as.registers, 0);
    assert_int_equal(as.authorizes, 1);
    assert_string_equal(as.last_scope, "mcp:tools mcp:admin");
    assert_int_equal(mcp_client_call_tool_sync(c, "echo", json_object(), &res, &err), MCP_OK);
    json_decref(res);
    assert_int_equal(as.code_grants, 1);
    mcp_client_free(c);
    as_stop(&loop, srv);
}

/* ---- DPoP across a restart --------------------------------------------------------------- */

static json_t *saved_whole;

static void save_whole(mcp_client_t *c, const json_t *st, void *ud)
{
    (void)c;
    (void)ud;
    json_decref(saved_whole);
    saved_whole = json_deep_copy(st);
}

/* A client with DPoP gets a token (its proofs signed by its key: the authorization server sees
 * the key's thumbprint); the saved state keeps that private key. A client made from the state
 * (the application restarted) presents the token bound to the same key: "Authorization: DPoP"
 * and proofs whose key has the thumbprint the authorization server bound the token to. A state
 * without the key has its bound token dropped; a state with a bad key is refused. */
static void test_dpop_restart(void **state)
{
    uv_loop_t loop;
    mcp_server_t *srv;
    mcp_client_oauth_opts_t oo = {0};
    mcp_client_t *c;
    mcp_client_error_t err;
    char url[96], jkt[44], first_jkt[44];
    char *auth, *proof = NULL;
    const char *pem;
    mcp__pkey *k;
    json_t *jwk, *st;
    (void)state;
    as_start(&loop);
    snprintf(as.valid, sizeof as.valid, "tok-1");
    srv = protected_server(&loop, NULL, url);

    /* the first run: the flow with DPoP proofs on the token requests */
    c = mcp_client_new(&loop, "oauth-test", "1");
    mcp_client_set_timeout(c, 20000);
    oo.redirect_uri = "http://127.0.0.1:1/cb";
    oo.authorize = browser;
    oo.save = save_whole;
    oo.dpop = 1;
    assert_int_equal(mcp_client_set_oauth(c, &oo), MCP_OK);
    assert_int_equal(mcp_client_connect_url(c, url, NULL), MCP_OK);
    assert_int_equal(mcp_client_initialize_sync(c, NULL, &err), MCP_OK);
    assert_int_equal(as.code_grants, 1);
    assert_int_equal(strlen(as.dpop_jkt), 43);
    memcpy(first_jkt, as.dpop_jkt, sizeof first_jkt);
    mcp_client_free(c);
    assert_non_null(saved_whole);
    assert_string_equal(json_string_value(json_object_get(saved_whole, "access_token")), "tok-1");
    assert_null(json_object_get(saved_whole, "token_type")); /* answered as a Bearer token */
    pem = json_string_value(json_object_get(saved_whole, "dpop_key"));
    assert_non_null(pem);
    assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
    k = mcp__pkey_from_pem(pem, strlen(pem), NULL, 0);
    assert_non_null(k);
    jwk = mcp__pkey_jwk(k);
    assert_int_equal(mcp__jwk_thumbprint(jwk, jkt), MCP_OK);
    assert_string_equal(jkt, first_jkt); /* the very key the token requests were signed with */
    json_decref(jwk);
    mcp__pkey_free(k);

    /* the restart, the token having been bound (token_type DPoP): the same key signs */
    st = json_deep_copy(saved_whole);
    json_object_set_new(st, "token_type", json_string("DPoP"));
    c = mcp_client_new(&loop, "oauth-test", "1");
    oo.saved = st;
    oo.save = NULL;
    assert_int_equal(mcp_client_set_oauth(c, &oo), MCP_OK);
    auth = mcp__oauth_header(mcp__client_oauth(c), "POST", url, NULL, &proof);
    assert_non_null(auth);
    assert_string_equal(auth, "Authorization: DPoP tok-1");
    assert_non_null(proof);
    assert_memory_equal(proof, "DPoP: ", 6);
    proof_jkt(proof + 6, jkt);
    assert_string_equal(jkt, first_jkt);
    free(auth);
    free(proof);
    mcp_client_free(c);

    /* a state without the key: its token cannot be presented, and is dropped */
    json_object_del(st, "dpop_key");
    c = mcp_client_new(&loop, "oauth-test", "1");
    assert_int_equal(mcp_client_set_oauth(c, &oo), MCP_OK);
    assert_null(mcp__oauth_header(mcp__client_oauth(c), "POST", url, NULL, &proof));
    mcp_client_free(c);
    /* a key that is not a P-256 private key: the state is refused */
    json_object_set_new(st, "dpop_key", json_string("-----BEGIN PRIVATE KEY-----\nAAAA\n"));
    c = mcp_client_new(&loop, "oauth-test", "1");
    assert_int_equal(mcp_client_set_oauth(c, &oo), MCP_EINVAL);
    json_object_set_new(st, "dpop_key", json_integer(1));
    assert_int_equal(mcp_client_set_oauth(c, &oo), MCP_EINVAL);
    mcp_client_free(c);
    json_decref(st);
    json_decref(saved_whole);
    saved_whole = NULL;

    as_stop(&loop, srv);
}

/* ---- revocation (RFC 7009) ----------------------------------------------------------------- */

static int revoke_status = -1;
static char revoke_why[400];

static void on_revoked(int status, const char *why, void *ud)
{
    (void)ud;
    revoke_status = status;
    snprintf(revoke_why, sizeof revoke_why, "%s", why);
}

/* Revoke `st` on `loop`, waiting (bounded) for the callback; its status. */
static int revoke_on(uv_loop_t *loop, const json_t *st, unsigned timeout_ms)
{
    mcp_client_oauth_revoke_opts_t ro = {0};
    int i;
    ro.timeout_ms = timeout_ms;
    revoke_status = -1;
    assert_int_equal(mcp_client_oauth_revoke(loop, st, &ro, on_revoked, NULL), MCP_OK);
    assert_int_equal(revoke_status, -1); /* never from inside the call */
    for (i = 0; i < 2000 && revoke_status == -1; i++)
        uv_run(loop, UV_RUN_ONCE);
    return revoke_status;
}

/* A saved state's tokens revoked at the in-test authorization server: the refresh token first,
 * then the access token, each with its hint and the client's secret (Basic); a refusal is
 * reported and the other token is still tried; no revocation endpoint, a server that does not
 * answer (the time limit) and a state without tokens. */
static void test_revoke(void **state)
{
    uv_loop_t loop;
    json_t *st, *bad;
    char why[400];
    int i;
    (void)state;
    as_start(&loop);
    as.revocation = 1;
    st = json_pack("{s:s, s:s, s:s, s:s, s:s}", "issuer", as.issuer, "client_id", "c-1",
                   "client_secret", "s-1", "access_token", "tok-1", "refresh_token", "r-1");
    assert_int_equal(revoke_on(&loop, st, 0), MCP_OK);
    assert_int_equal(as.revokes, 2);
    assert_string_equal(as.revoked[0], "token=r-1&token_type_hint=refresh_token");
    assert_string_equal(as.revoked[1], "token=tok-1&token_type_hint=access_token");
    assert_int_equal(as.revoke_basic, 2);
    /* refused: both tried, the first failure reported */
    as.revokes = 0;
    as.revoke_status = 400;
    assert_int_equal(revoke_on(&loop, st, 0), MCP_EAUTH);
    assert_int_equal(as.revokes, 2);
    assert_non_null(strstr(revoke_why, "refresh token: HTTP 400 invalid_client"));
    assert_non_null(strstr(revoke_why, "access token: HTTP 400 invalid_client"));
    /* an access token the server cannot revoke (RFC 7009 §2.2.1): said, not a failure */
    as.revokes = 0;
    as.revoke_status = 400;
    as.unsupported_type = 1;
    assert_int_equal(revoke_on(&loop, st, 0), MCP_OK);
    assert_int_equal(as.revokes, 2);
    assert_non_null(strstr(revoke_why, "access token: not revocable"));
    /* no revocation endpoint */
    as.revocation = 0;
    assert_int_equal(revoke_on(&loop, st, 0), MCP_ENOTSUP);
    assert_non_null(strstr(revoke_why, "no revocation endpoint"));
    /* a server that reads and never answers: the time limit */
    as.silent = 1;
    assert_int_equal(revoke_on(&loop, st, 300), MCP_ETIMEDOUT);
    for (i = 0; i < as.unanswered; i++)
        uv_close((uv_handle_t *)&as.held[i]->tcp, conn_closed);
    /* what cannot start: cb never runs */
    bad = json_pack("{s:s, s:s}", "issuer", as.issuer, "client_id", "c-1");
    assert_int_equal(mcp_client_oauth_revoke(&loop, bad, NULL, on_revoked, NULL), MCP_EINVAL);
    json_object_set_new(bad, "access_token", json_integer(1));
    assert_int_equal(mcp_client_oauth_revoke(&loop, bad, NULL, on_revoked, NULL), MCP_EINVAL);
    json_object_set_new(bad, "access_token", json_string("t"));
    json_object_set_new(bad, "issuer", json_string("http://as.example"));
    assert_int_equal(mcp_client_oauth_revoke(&loop, bad, NULL, on_revoked, NULL), MCP_EINVAL);
    assert_int_equal(mcp_client_oauth_revoke(&loop, st, NULL, NULL, NULL), MCP_EINVAL);
    assert_int_equal(
        mcp_client_oauth_revoke(&loop, st, &(mcp_client_oauth_revoke_opts_t){.timeout_ms = 600001},
                                on_revoked, NULL),
        MCP_EINVAL);
    json_decref(bad);
    /* the blocking form, to a port nobody listens on: no answer, MCP_EIO and why */
    bad = json_pack("{s:s, s:s, s:s}", "issuer", "http://127.0.0.1:1", "client_id", "c-1",
                    "refresh_token", "r-1");
    assert_int_equal(mcp_client_oauth_revoke_sync(bad, NULL, why, sizeof why), MCP_EIO);
    assert_non_null(strstr(why, "no authorization server metadata"));
    json_decref(bad);
    json_decref(st);
    as_stop(&loop, NULL);
}

/* ---- a login later than the handshake, slower than the request timeout -------------------- */

static struct {
    uv_timer_t timer;
    mcp_client_t *c;
    char url[2048];
} late;

/* The person approves after 800 ms. */
static void late_approve(uv_timer_t *t)
{
    json_t *q = mcp__oauth_parse_query(late.url);
    char redirect[512];
    (void)t;
    assert_non_null(q);
    snprintf(redirect, sizeof redirect, "http://127.0.0.1:1/cb?code=the-code&state=%s&iss=%s",
             json_string_value(json_object_get(q, "state")), as.issuer);
    json_decref(q);
    assert_int_equal(mcp_client_oauth_redirect(late.c, redirect), MCP_OK);
}

static void slow_browser(mcp_client_t *c, const char *url, void *ud)
{
    (void)ud;
    as.authorizes++;
    late.c = c;
    snprintf(late.url, sizeof late.url, "%s", url);
    uv_timer_start(&late.timer, late_approve, 800, 0);
}

/* After the handshake, a call needs more scope (403 insufficient_scope): the step-up waits for
 * a browser that takes 800 ms, longer than the client's 300 ms request timeout; the call waits
 * for the authorization instead of timing out, and is then answered. */
static void test_late_login(void **state)
{
    uv_loop_t loop;
    mcp_server_t *srv;
    mcp_client_oauth_opts_t oo = {0};
    mcp_client_t *c;
    mcp_client_error_t err;
    json_t *res = NULL, *saved;
    char url[96];
    (void)state;
    as_start(&loop);
    as.scoped = 1;
    as.next_token = 1; /* the next token issued is tok-2 */
    srv = protected_server(&loop, "mcp:tools", url);
    assert_int_equal(
        mcp_server_add_tool(
            srv, &(mcp_tool_t){.name = "admin", .handler = echo, .scopes = "mcp:admin"}, NULL),
        MCP_OK);
    uv_timer_init(&loop, &late.timer);
    saved = json_pack("{s:s, s:s, s:s, s:s, s:s}", "issuer", as.issuer, "client_id", "c-1",
                      "access_token", "tok-1", "scope", "mcp:tools", "resource", url);
    c = mcp_client_new(&loop, "oauth-test", "1");
    mcp_client_set_timeout(c, 300);
    oo.redirect_uri = "http://127.0.0.1:1/cb";
    oo.authorize = slow_browser;
    oo.saved = saved;
    assert_int_equal(mcp_client_set_oauth(c, &oo), MCP_OK);
    json_decref(saved);
    assert_int_equal(mcp_client_connect_url(c, url, NULL), MCP_OK);
    assert_int_equal(mcp_client_initialize_sync(c, NULL, &err), MCP_OK);
    assert_int_equal(as.authorizes, 0); /* the saved token */
    assert_int_equal(mcp_client_call_tool_sync(c, "admin", json_object(), &res, &err), MCP_OK);
    json_decref(res);
    assert_int_equal(as.authorizes, 1);
    assert_int_equal(as.code_grants, 1);
    /* sent again, the request has its own limit again: a plain call still works */
    assert_int_equal(mcp_client_call_tool_sync(c, "echo", json_object(), &res, &err), MCP_OK);
    json_decref(res);
    mcp_client_free(c);
    uv_close((uv_handle_t *)&late.timer, NULL);
    as_stop(&loop, srv);
}

/* ---- a client freed while its authorization waits for an answer ---------------------------- */

static mcp_client_t *to_free;
static int progressed;

static int half_way(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    mcp_call_progress(call, 1, 2, "half");
    return mcp_call_text(call, "done");
}

/* Another client's progress arrives inside libcurl's callbacks (the engine is shared per loop):
 * the application frees the authorizing client from there. */
static void on_progress(mcp_client_t *c, double progress, double total, const char *message,
                        void *ud)
{
    (void)c;
    (void)progress;
    (void)total;
    (void)message;
    (void)ud;
    progressed++;
    mcp_client_free(to_free);
    to_free = NULL;
}

static void count_done(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    (void)c;
    (void)o;
    ++*(int *)ud;
}

/* Client B authorizes (its metadata request waits at a silent authorization server) while
 * client A's tool call streams progress; A's progress callback frees B. B's pending request
 * ends after B is gone, and nothing of B is used then (ASan: make SAN=1). */
static void test_free_during_fetch(void **state)
{
    uv_loop_t loop;
    mcp_server_t *prot, *open;
    mcp_http_opts_t o = {0}, po = {0};
    mcp_client_oauth_opts_t oo = {0};
    mcp_client_t *a;
    mcp_client_call_opts_t co = {0};
    struct sockaddr_in sa;
    int len = sizeof sa, i, inits = 0, calls = 0;
    char url[96], open_url[96];
    (void)state;
    memset(&as, 0, sizeof as);
    progressed = 0;
    as.silent = 1;
    uv_loop_init(&loop);
    uv_tcp_init(&loop, &as.listener);
    uv_ip4_addr("127.0.0.1", 0, &sa);
    assert_int_equal(uv_tcp_bind(&as.listener, (const struct sockaddr *)&sa, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&as.listener, 16, on_conn), 0);
    uv_tcp_getsockname(&as.listener, (struct sockaddr *)&sa, &len);
    snprintf(as.issuer, sizeof as.issuer, "http://127.0.0.1:%u", ntohs(sa.sin_port));
    snprintf(as.valid, sizeof as.valid, "tok-1");

    prot = mcp_server_new("protected", "1");
    assert_int_equal(mcp_server_attach(prot, &loop), MCP_OK);
    o.authorize = check_token;
    o.authorization_servers = as.issuer;
    assert_int_equal(mcp_server_listen_http(prot, &o), MCP_OK);
    snprintf(url, sizeof url, "http://127.0.0.1:%u/mcp", mcp_server_http_port(prot, 0));
    open = mcp_server_new("open", "1");
    assert_int_equal(mcp_server_attach(open, &loop), MCP_OK);
    mcp_server_add_tool(open, &(mcp_tool_t){.name = "half", .handler = half_way}, NULL);
    assert_int_equal(mcp_server_listen_http(open, &po), MCP_OK);
    snprintf(open_url, sizeof open_url, "http://127.0.0.1:%u/mcp", mcp_server_http_port(open, 0));

    a = mcp_client_new(&loop, "a", "1");
    assert_int_equal(mcp_client_connect_url(a, open_url, NULL), MCP_OK);
    assert_int_equal(mcp_client_initialize_sync(a, NULL, NULL), MCP_OK);

    to_free = mcp_client_new(&loop, "b", "1");
    oo.redirect_uri = "http://127.0.0.1:1/cb";
    oo.authorize = browser;
    assert_int_equal(mcp_client_set_oauth(to_free, &oo), MCP_OK);
    assert_int_equal(mcp_client_connect_url(to_free, url, NULL), MCP_OK);
    assert_int_equal(mcp_client_initialize(to_free, count_done, &inits), MCP_OK);
    for (i = 0; i < 2000 && !as.unanswered; i++)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(as.unanswered, 1); /* B's authorization server metadata request */

    co.progress = on_progress;
    assert_int_equal(
        mcp_client_call_tool_new(a, "half", json_object(), &co, count_done, &calls, NULL), MCP_OK);
    for (i = 0; i < 2000 && !calls; i++)
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(calls, 1);
    assert_int_equal(progressed, 1);
    assert_null(to_free);
    assert_int_equal(inits, 1); /* B's initialize ended with B (cancelled) */

    mcp_client_free(a);
    for (i = 0; i < as.unanswered; i++)
        uv_close((uv_handle_t *)&as.held[i]->tcp, conn_closed);
    uv_close((uv_handle_t *)&as.listener, NULL);
    for (i = 0; i < 200 && uv_loop_alive(&loop); i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    mcp_server_free(prot);
    mcp_server_free(open);
    for (i = 0; i < 200 && uv_loop_alive(&loop); i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_www),          cmocka_unit_test(test_wellknown),
        cmocka_unit_test(test_allowed),      cmocka_unit_test(test_pkce),
        cmocka_unit_test(test_query),        cmocka_unit_test(test_api),
        cmocka_unit_test(test_flow),         cmocka_unit_test(test_stepup_saved),
        cmocka_unit_test(test_dpop_restart), cmocka_unit_test(test_revoke),
        cmocka_unit_test(test_late_login),   cmocka_unit_test(test_free_during_fetch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
