/*
 * The client's OAuth extension values (libmcp/client/oauth_grants.c): private_key_jwt client
 * assertions checked by libmcp's own JWT verifier (base/jwt.c), DPoP proofs taken apart and their
 * signatures checked with the public key rebuilt from their "jwk" header, and the DPoP nonces
 * kept or refused, form bodies, and the token exchange's request and the IdP answers it accepts
 * or refuses; the extension options of mcp_client_set_oauth() checked, and the DPoP state the
 * flow keeps (the token request's proof, the nonce retry allowed once, the resource server's
 * Authorization and DPoP lines). The flows themselves run against the official conformance
 * suite (tests/conformance/client/run.sh: client-credentials-jwt, dpop, dpop-nonce, ...).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "client/oauth_grants.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <time.h>

/* The JSON object in base64url segment `seg` (`n` characters) of a compact JWS. */
static json_t *segment(const char *seg, size_t n)
{
    size_t len = 0;
    unsigned char *raw = mcp__base64_decode(seg, n, true, &len);
    json_t *v;
    assert_non_null(raw);
    v = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    assert_true(json_is_object(v));
    return v;
}

static void test_client_assertion(void **state)
{
    mcp__pkey *k = mcp__pkey_generate_p256();
    json_t *jwk = mcp__pkey_jwk(k), *set = json_pack("{s:[O]}", "keys", jwk), *claims = NULL;
    char *text = json_dumps(set, JSON_COMPACT), why[200];
    mcp__jwks *jwks = mcp__jwks_parse(text, strlen(text), why, sizeof why);
    mcp__jwt_rules r = {"client-1", "https://as.test", 5, (long long)time(NULL)};
    const char *reason = NULL;
    char *a = mcp__oauth_client_assertion(k, MCP__SIG_ES256, "client-1", "https://as.test"), *b;
    double iat, exp;
    (void)state;
    assert_non_null(jwks);
    assert_non_null(a);
    assert_int_equal(mcp__jwt_verify(jwks, a, strlen(a), &r, &claims, &reason), MCP__JWT_OK);
    assert_string_equal(json_string_value(json_object_get(claims, "sub")), "client-1");
    iat = json_number_value(json_object_get(claims, "iat"));
    exp = json_number_value(json_object_get(claims, "exp"));
    assert_true(exp - iat == MCP__OAUTH_ASSERTION_TTL);
    assert_int_equal(strlen(json_string_value(json_object_get(claims, "jti"))), 32);
    /* another audience is another authorization server: refused */
    json_decref(claims);
    claims = NULL;
    r.audience = "https://other.test";
    assert_int_equal(mcp__jwt_verify(jwks, a, strlen(a), &r, &claims, &reason), MCP__JWT_INVALID);
    /* a new jti each time */
    b = mcp__oauth_client_assertion(k, MCP__SIG_ES256, "client-1", "https://as.test");
    assert_non_null(b);
    assert_string_not_equal(a, b);
    /* the key decides the algorithm; missing names make nothing */
    assert_null(mcp__oauth_client_assertion(k, MCP__SIG_RS256, "client-1", "https://as.test"));
    assert_null(mcp__oauth_client_assertion(k, MCP__SIG_ES256, NULL, "https://as.test"));
    assert_null(mcp__oauth_client_assertion(k, MCP__SIG_ES256, "client-1", NULL));
    free(a);
    free(b);
    free(text);
    mcp__jwks_free(jwks);
    json_decref(set);
    json_decref(jwk);
    mcp__pkey_free(k);
}

/* Take a proof apart: check its header and signature; return its claims. */
static json_t *open_proof(const mcp__dpop *d, const char *proof)
{
    const char *d1 = strchr(proof, '.'), *d2 = strrchr(proof, '.');
    json_t *head, *claims, *jwk;
    unsigned char *x, *y, *sig;
    size_t xl = 0, yl = 0, sl = 0;
    mcp__pkey *pub;
    assert_non_null(d1);
    assert_true(d2 > d1);
    head = segment(proof, (size_t)(d1 - proof));
    claims = segment(d1 + 1, (size_t)(d2 - d1 - 1));
    assert_string_equal(json_string_value(json_object_get(head, "typ")), "dpop+jwt");
    assert_string_equal(json_string_value(json_object_get(head, "alg")), "ES256");
    jwk = json_object_get(head, "jwk");
    assert_true(json_equal(jwk, d->jwk));
    assert_null(json_object_get(jwk, "d")); /* never the private key */
    x = mcp__base64_decode(json_string_value(json_object_get(jwk, "x")), 43, true, &xl);
    y = mcp__base64_decode(json_string_value(json_object_get(jwk, "y")), 43, true, &yl);
    sig = mcp__base64_decode(d2 + 1, strlen(d2 + 1), true, &sl);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(sig);
    pub = mcp__pkey_p256(x, y);
    assert_non_null(pub);
    assert_true(mcp__pkey_verify(pub, MCP__SIG_ES256, proof, (size_t)(d2 - proof), sig, sl));
    mcp__pkey_free(pub);
    free(x);
    free(y);
    free(sig);
    json_decref(head);
    return claims;
}

static void test_dpop_proofs(void **state)
{
    mcp__dpop d;
    char *p1, *p2, ath[64], *enc;
    json_t *c1, *c2;
    unsigned char digest[32];
    long long now = (long long)time(NULL);
    (void)state;
    assert_int_equal(mcp__dpop_init(&d), MCP_OK);
    assert_int_equal(strlen(d.jkt), 43);
    /* to the token endpoint: no ath; the query and fragment are not part of htu */
    p1 = mcp__dpop_proof(&d, "POST", "https://as.test/token?x=1#f", NULL, NULL);
    assert_non_null(p1);
    c1 = open_proof(&d, p1);
    assert_string_equal(json_string_value(json_object_get(c1, "htm")), "POST");
    assert_string_equal(json_string_value(json_object_get(c1, "htu")), "https://as.test/token");
    assert_null(json_object_get(c1, "ath"));
    assert_null(json_object_get(c1, "nonce"));
    assert_true(json_integer_value(json_object_get(c1, "iat")) >= now - 1);
    assert_true(json_integer_value(json_object_get(c1, "iat")) <= now + 5);
    /* to the resource server: ath is the token's SHA-256, base64url; the nonce as given */
    p2 = mcp__dpop_proof(&d, "GET", "http://127.0.0.1:9/mcp", "tok-123", "n-1");
    assert_non_null(p2);
    c2 = open_proof(&d, p2);
    assert_int_equal(mcp__sha256_once("tok-123", 7, digest), MCP_OK);
    enc = mcp__base64_encode(digest, sizeof digest, true);
    snprintf(ath, sizeof ath, "%s", enc);
    free(enc);
    assert_string_equal(json_string_value(json_object_get(c2, "ath")), ath);
    assert_string_equal(json_string_value(json_object_get(c2, "nonce")), "n-1");
    assert_string_equal(json_string_value(json_object_get(c2, "htm")), "GET");
    /* a fresh jti on every proof */
    assert_string_not_equal(json_string_value(json_object_get(c1, "jti")),
                            json_string_value(json_object_get(c2, "jti")));
    assert_null(mcp__dpop_proof(&d, NULL, "https://as.test/token", NULL, NULL));
    json_decref(c1);
    json_decref(c2);
    free(p1);
    free(p2);
    mcp__dpop_clear(&d);
    assert_null(d.key);
    assert_null(mcp__dpop_proof(&d, "POST", "https://as.test/token", NULL, NULL));
}

static void test_dpop_nonces(void **state)
{
    char *slot = NULL, big[MCP__DPOP_NONCE_MAX + 2];
    (void)state;
    assert_true(mcp__dpop_keep_nonce(&slot, "eyJ7S_zG.eyJH0-Z.HX4w-7v"));
    assert_string_equal(slot, "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    /* refused: empty, a space, a quote, a backslash, a control, too long; the old one stays */
    assert_false(mcp__dpop_keep_nonce(&slot, ""));
    assert_false(mcp__dpop_keep_nonce(&slot, NULL));
    assert_false(mcp__dpop_keep_nonce(&slot, "a b"));
    assert_false(mcp__dpop_keep_nonce(&slot, "a\"b"));
    assert_false(mcp__dpop_keep_nonce(&slot, "a\\b"));
    assert_false(mcp__dpop_keep_nonce(&slot, "a\rb"));
    memset(big, 'n', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_false(mcp__dpop_keep_nonce(&slot, big));
    assert_string_equal(slot, "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    big[MCP__DPOP_NONCE_MAX] = '\0';
    assert_true(mcp__dpop_keep_nonce(&slot, big));
    assert_int_equal(strlen(slot), MCP__DPOP_NONCE_MAX);
    free(slot);
}

static void test_form(void **state)
{
    mcp__buf b = {0};
    (void)state;
    assert_int_equal(mcp__form_add(&b, "grant_type", "urn:a:b"), MCP_OK);
    assert_int_equal(mcp__form_add(&b, "x y", "1+2=3&é~._-"), MCP_OK);
    assert_int_equal(mcp__form_add(&b, "empty", NULL), MCP_OK);
    mcp__buf_add(&b, "", 1);
    assert_string_equal(b.data, "grant_type=urn%3Aa%3Ab&x%20y=1%2B2%3D3%26%C3%A9~._-&empty=");
    mcp__buf_free(&b);
}

static void test_idjag_exchange_values(void **state)
{
    mcp__idjag_opts o = {
        "https://idp.test/token", "idp-client",           NULL,         "ey.id.tok",
        "https://as.test",        "https://mcp.test/mcp", "read write", 0};
    char *body = mcp__idjag_body(&o), *jag = NULL, why[256];
    static const char ok[] = "{\"access_token\":\"ey.jag.x\",\"issued_token_type\":"
                             "\"urn:ietf:params:oauth:token-type:id-jag\",\"token_type\":\"N_A\"}";
    (void)state;
    assert_non_null(body);
    assert_string_equal(body, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
                              "&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid-"
                              "jag&audience=https%3A%2F%2Fas.test&resource=https%3A%2F%2Fmcp.test%"
                              "2Fmcp&scope=read%20write&subject_token=ey.id.tok&subject_token_type="
                              "urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token&client_id=idp-"
                              "client");
    free(body);
    /* a confidential client authenticates with Basic: no client_id in the body; no scope */
    o.client_secret = "s";
    o.scope = NULL;
    body = mcp__idjag_body(&o);
    assert_null(strstr(body, "client_id"));
    assert_null(strstr(body, "scope"));
    free(body);
    assert_int_equal(mcp__idjag_read(200, ok, strlen(ok), &jag, why, sizeof why), MCP_OK);
    assert_string_equal(jag, "ey.jag.x");
    free(jag);
#define REFUSED(status, text, reason)                                                        \
    do {                                                                                     \
        assert_int_equal(mcp__idjag_read(status, text, strlen(text), &jag, why, sizeof why), \
                         MCP_EAUTH);                                                         \
        assert_null(jag);                                                                    \
        assert_non_null(strstr(why, reason));                                                \
    } while (0)
    REFUSED(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid ID token\"}",
            "invalid_grant: Invalid ID token");
    REFUSED(500, "<html>", "HTTP status 500");
    REFUSED(200, "[1]", "not a JSON object");
    REFUSED(200, "{\"issued_token_type\":\"urn:ietf:params:oauth:token-type:id-jag\"}",
            "no access_token");
    REFUSED(200, "{\"access_token\":\"t\",\"issued_token_type\":\"urn:x\"}", "not an ID-JAG");
    REFUSED(200, "{\"access_token\":\"t\"}", "not an ID-JAG");
#undef REFUSED
}

static void test_grants_options(void **state)
{
    mcp_client_oauth_opts_t o;
    mcp__grants g;
    mcp_client_t *c;
    (void)state;
    memset(&o, 0, sizeof o);
    /* nothing asked: nothing kept */
    assert_int_equal(mcp__grants_init(&g, &o), MCP_OK);
    assert_null(g.key);
    assert_false(mcp__grants_jwt_bearer(&g));
    mcp__grants_clear(&g);
    /* a key that is no key, an algorithm the key cannot make, an unknown algorithm */
    o.private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_EINVAL);
    assert_null(g.key);
    o.private_key_pem = NULL;
    /* the IdP without its client or the ID token; an assertion and an IdP at once */
    o.idp_token_endpoint = "http://127.0.0.1:9/token";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_EINVAL);
    o.idp_client_id = "idp-client";
    o.idp_id_token = "ey.id.tok";
    o.assertion = "ey.a.b";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_EINVAL);
    o.assertion = NULL;
    assert_int_equal(mcp__grants_init(&g, &o), MCP_OK);
    assert_true(mcp__grants_jwt_bearer(&g));
    assert_string_equal(g.idp_id_token, "ey.id.tok");
    mcp__grants_clear(&g);
    /* through the public call: the extension grants need a client_id, not a browser */
    c = mcp_client_new(NULL, "t", "1");
    assert_non_null(c);
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_EINVAL);
    o.client_id = "c1";
    o.signing_alg = "HS256";
    o.private_key_pem = "x";
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_EINVAL);
    o.signing_alg = NULL;
    o.private_key_pem = NULL;
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_OK);
    mcp_client_free(c);
}

static void test_grants_key_and_alg(void **state)
{
    mcp_client_oauth_opts_t o;
    mcp__grants g;
    (void)state;
    memset(&o, 0, sizeof o);
    /* the RFC 8037 Ed25519 key as PKCS#8 (see test_crypto.c): EdDSA by default, ES256 refused */
    o.private_key_pem = "-----BEGIN PRIVATE KEY-----\n"
                        "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                        "-----END PRIVATE KEY-----\n";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_OK);
    assert_non_null(g.key);
    assert_int_equal(g.alg, MCP__SIG_EDDSA);
    mcp__grants_clear(&g);
    o.signing_alg = "ES256";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_EINVAL);
    o.signing_alg = "EdDSA";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_OK);
    mcp__grants_clear(&g);
}

static void test_grants_dpop(void **state)
{
    mcp_client_oauth_opts_t o;
    mcp__grants g;
    bool failed = true;
    char *line, *proof = NULL, *auth;
    json_t *c;
    (void)state;
    memset(&o, 0, sizeof o);
    /* off: no proof, a Bearer token */
    assert_int_equal(mcp__grants_init(&g, &o), MCP_OK);
    assert_null(mcp__grants_token_dpop(&g, "https://as.test/token", &failed));
    assert_false(failed);
    auth = mcp__grants_auth_lines(&g, "tok", "POST", "https://mcp.test/mcp", &proof);
    assert_string_equal(auth, "Authorization: Bearer tok");
    assert_null(proof);
    free(auth);
    mcp__grants_clear(&g);
    /* on: a proof for the token endpoint; a use_dpop_nonce answer is retried once, with it */
    o.dpop = 1;
    assert_int_equal(mcp__grants_init(&g, &o), MCP_OK);
    line = mcp__grants_token_dpop(&g, "https://as.test/token", &failed);
    assert_non_null(line);
    assert_memory_equal(line, "DPoP: ", 6);
    c = open_proof(&g.dpop, line + 6);
    assert_null(json_object_get(c, "nonce"));
    json_decref(c);
    free(line);
    assert_false(mcp__grants_retry_token(&g, 400, "use_dpop_nonce")); /* no nonce heard */
    mcp__grants_heard_nonce(&g, "as-n");
    assert_false(mcp__grants_retry_token(&g, 400, "invalid_grant"));
    assert_false(mcp__grants_retry_token(&g, 401, "use_dpop_nonce"));
    assert_true(mcp__grants_retry_token(&g, 400, "use_dpop_nonce"));
    assert_false(mcp__grants_retry_token(&g, 400, "use_dpop_nonce")); /* once */
    line = mcp__grants_token_dpop(&g, "https://as.test/token", &failed);
    c = open_proof(&g.dpop, line + 6);
    assert_string_equal(json_string_value(json_object_get(c, "nonce")), "as-n");
    json_decref(c);
    free(line);
    /* a bound token: Authorization: DPoP and a proof with ath; a resource server nonce once */
    g.bound = true;
    auth = mcp__grants_auth_lines(&g, "tok", "POST", "https://mcp.test/mcp?x", &proof);
    assert_string_equal(auth, "Authorization: DPoP tok");
    c = open_proof(&g.dpop, proof + 6);
    assert_string_equal(json_string_value(json_object_get(c, "htu")), "https://mcp.test/mcp");
    assert_non_null(json_object_get(c, "ath"));
    assert_null(json_object_get(c, "nonce"));
    json_decref(c);
    free(auth);
    free(proof);
    assert_false(mcp__grants_rs_nonce(&g, "invalid_token", "rs-n"));
    assert_false(mcp__grants_rs_nonce(&g, "use_dpop_nonce", NULL));
    assert_true(mcp__grants_rs_nonce(&g, "use_dpop_nonce", "rs-n"));
    auth = mcp__grants_auth_lines(&g, "tok", "GET", "https://mcp.test/mcp", &proof);
    c = open_proof(&g.dpop, proof + 6);
    assert_string_equal(json_string_value(json_object_get(c, "nonce")), "rs-n");
    assert_string_equal(json_string_value(json_object_get(c, "htm")), "GET");
    json_decref(c);
    free(auth);
    free(proof);
    /* the proof carried that nonce already: a second challenge with it is not retried */
    assert_false(mcp__grants_rs_nonce(&g, "use_dpop_nonce", "rs-n"));
    mcp__grants_clear(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_assertion),      cmocka_unit_test(test_dpop_proofs),
        cmocka_unit_test(test_dpop_nonces),           cmocka_unit_test(test_form),
        cmocka_unit_test(test_idjag_exchange_values), cmocka_unit_test(test_grants_options),
        cmocka_unit_test(test_grants_key_and_alg),    cmocka_unit_test(test_grants_dpop),
    };
    return cmocka_run_group_tests_name("oauth_grants", tests, NULL, NULL);
}
