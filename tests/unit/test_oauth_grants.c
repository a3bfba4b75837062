/*
 * The client's OAuth extension values (libmcp/client/oauth_grants.c): private_key_jwt client
 * assertions checked by libmcp's own JWT verifier (base/jwt.c), DPoP proofs taken apart and their
 * signatures checked with the public key rebuilt from their "jwk" header, and the DPoP nonces
 * kept or refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "client/oauth_grants.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_assertion),
        cmocka_unit_test(test_dpop_proofs),
        cmocka_unit_test(test_dpop_nonces),
    };
    return cmocka_run_group_tests_name("oauth_grants", tests, NULL, NULL);
}
