/*
 * The pure parts of the client's OAuth flow (libmcp/client/oauth.c): the WWW-Authenticate
 * challenge, the well-known URLs in the spec's order, PKCE S256, the redirect's query, the
 * https rule; and mcp_client_set_oauth() / mcp_client_oauth_redirect() refusing what they must.
 * The flow itself runs against the official conformance suite (tests/conformance/client/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "client/client.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_www),     cmocka_unit_test(test_wellknown),
        cmocka_unit_test(test_allowed), cmocka_unit_test(test_pkce),
        cmocka_unit_test(test_query),   cmocka_unit_test(test_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
