/*
 * JWT access tokens against a JWK Set (libmcp/base/jwt.c, signatures through base/crypto.c).
 * Every key is made here at run time with libcrypto (this test links it; libmcp dlopen()s it),
 * and every token is signed here: RS256, PS256, ES256, EdDSA accepted; each bad input refused
 * with the result the transport turns into a status (INVALID: 401; NO_KEY: refetch, then 401).
 * The other way: the same keys written as PEM (PKCS#8, SEC1, PKCS#1) are read by libmcp, which
 * signs tokens (mcp__jws_sign) that this verifier accepts; keys it must refuse are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/base.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#define NOW 1900000000LL

static EVP_PKEY *rsa, *rsa_small, *ec, *ed;
static mcp__jwks *set;
static mcp__jwt_rules rules = {"https://issuer.test", "https://mcp.test/mcp", 60, NOW};

static char *b64(const void *p, size_t n)
{
    char *s = mcp__base64_encode(p, n, true);
    assert_non_null(s);
    return s;
}

static char *bn_b64(EVP_PKEY *k, const char *name, size_t pad)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int n;
    assert_int_equal(EVP_PKEY_get_bn_param(k, name, &bn), 1);
    n = pad ? BN_bn2binpad(bn, buf, (int)pad) : BN_bn2bin(bn, buf);
    BN_free(bn);
    return b64(buf, (size_t)n);
}

static json_t *jwk_of(EVP_PKEY *k, const char *kid)
{
    json_t *j;
    char *a, *b;
    if (EVP_PKEY_is_a(k, "RSA")) {
        a = bn_b64(k, OSSL_PKEY_PARAM_RSA_N, 0);
        b = bn_b64(k, OSSL_PKEY_PARAM_RSA_E, 0);
        j = json_pack("{s:s, s:s, s:s, s:s}", "kty", "RSA", "kid", kid, "n", a, "e", b);
    } else if (EVP_PKEY_is_a(k, "EC")) {
        a = bn_b64(k, OSSL_PKEY_PARAM_EC_PUB_X, 32);
        b = bn_b64(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
        j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "kid", kid, "x", a,
                      "y", b);
    } else {
        unsigned char raw[32];
        size_t n = sizeof raw;
        assert_int_equal(EVP_PKEY_get_raw_public_key(k, raw, &n), 1);
        a = b64(raw, n);
        b = NULL;
        j = json_pack("{s:s, s:s, s:s, s:s}", "kty", "OKP", "crv", "Ed25519", "kid", kid, "x", a);
    }
    free(a);
    free(b);
    assert_non_null(j);
    return j;
}

/* A compact JWS of header and claims (JSON text), signed with `k` as `alg`. */
static char *sign(EVP_PKEY *k, const char *alg, const char *header, const char *claims)
{
    char *h = b64(header, strlen(header)), *c = b64(claims, strlen(claims)), *s, *out;
    size_t in_len = strlen(h) + 1 + strlen(c), slen = 0;
    char *input = malloc(in_len + 1);
    unsigned char sig[1024];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    snprintf(input, in_len + 1, "%s.%s", h, c);
    assert_int_equal(
        EVP_DigestSignInit(md, &pctx, strcmp(alg, "EdDSA") == 0 ? NULL : EVP_sha256(), NULL, k), 1);
    if (strcmp(alg, "PS256") == 0) {
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    }
    slen = sizeof sig;
    assert_int_equal(EVP_DigestSign(md, sig, &slen, (unsigned char *)input, in_len), 1);
    EVP_MD_CTX_free(md);
    if (strcmp(alg, "ES256") == 0) { /* DER to r || s */
        const unsigned char *p = sig;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)slen);
        assert_non_null(es);
        BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
        ECDSA_SIG_free(es);
        slen = 64;
    }
    s = b64(sig, slen);
    out = malloc(in_len + strlen(s) + 2);
    snprintf(out, in_len + strlen(s) + 2, "%s.%s", input, s);
    free(h);
    free(c);
    free(s);
    free(input);
    return out;
}

static char *header(const char *alg, const char *kid)
{
    static char h[200];
    snprintf(h, sizeof h, "{\"alg\":\"%s\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", alg, kid);
    return h;
}

static char *claims_text(const char *iss, const char *aud, long long exp, const char *extra)
{
    static char c[600];
    snprintf(c, sizeof c,
             "{\"iss\":\"%s\",\"aud\":%s,\"sub\":\"alice\",\"exp\":%lld,\"iat\":%lld%s%s}", iss,
             aud, exp, NOW - 10, extra ? "," : "", extra ? extra : "");
    return c;
}

static const char *good_claims(void)
{
    return claims_text("https://issuer.test", "\"https://mcp.test/mcp\"", NOW + 300, NULL);
}

static int check(const char *tok, json_t **claims)
{
    const char *why = NULL;
    json_t *c = NULL;
    int rc = mcp__jwt_verify(set, tok, strlen(tok), &rules, &c, &why);
    if (rc == MCP__JWT_OK)
        assert_null(why);
    else {
        assert_non_null(why);
        assert_null(c);
        /* no reason ever quotes the token */
        assert_null(strstr(tok, why));
    }
    if (claims)
        *claims = c;
    else
        json_decref(c);
    return rc;
}

static int setup(void **state)
{
    json_t *doc;
    char *text, why[200];
    (void)state;
    rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    rsa_small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!rsa || !rsa_small || !ec || !ed)
        return -1;
    doc = json_pack("{s:[o, o, o, o, {s:s, s:s, s:s}]}", "keys", jwk_of(rsa, "r1"),
                    jwk_of(rsa_small, "small"), jwk_of(ec, "e1"), jwk_of(ed, "d1"), "kty", "oct",
                    "kid", "h1", "k", "c2VjcmV0");
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    set = mcp__jwks_parse(text, strlen(text), why, sizeof why);
    free(text);
    return set ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mcp__jwks_free(set);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(rsa_small);
    EVP_PKEY_free(ec);
    EVP_PKEY_free(ed);
    return 0;
}

static void test_jwks_keeps_usable_keys(void **state)
{
    char why[200];
    (void)state;
    /* RSA 2048, EC and Ed25519; the 1024-bit RSA key and the symmetric one are skipped */
    assert_int_equal(mcp__jwks_count(set), 3);
    assert_null(mcp__jwks_parse("{\"keys\":", 8, why, sizeof why));
    assert_non_null(strstr(why, "not a JWK Set"));
    assert_null(mcp__jwks_parse("<html>", 6, why, sizeof why));
    assert_null(mcp__jwks_parse("{\"keys\":[]}", 11, why, sizeof why));
    assert_non_null(strstr(why, "no usable"));
    /* an EC point that is not on the curve */
    assert_null(mcp__jwks_parse("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
                                "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\","
                                "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE\"}]}",
                                150, why, sizeof why));
}

static void test_each_algorithm(void **state)
{
    static const struct {
        const char *alg, *kid;
        EVP_PKEY **k;
    } cases[] = {
        {"RS256", "r1", &rsa}, {"PS256", "r1", &rsa}, {"ES256", "e1", &ec}, {"EdDSA", "d1", &ed}};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *c = NULL;
        char *t = sign(*cases[i].k, cases[i].alg, header(cases[i].alg, cases[i].kid),
                       claims_text("https://issuer.test", "[\"x\",\"https://mcp.test/mcp\"]",
                                   NOW + 300, "\"azp\":\"app\",\"scp\":[\"read\",\"write\"]"));
        assert_int_equal(check(t, &c), MCP__JWT_OK);
        assert_string_equal(json_string_value(json_object_get(c, "sub")), "alice");
        assert_string_equal(json_string_value(json_object_get(c, "scope")), "read write");
        assert_string_equal(json_string_value(json_object_get(c, "client_id")), "app");
        json_decref(c);
        /* one bit of the signature changed */
        t[strlen(t) - 3] = t[strlen(t) - 3] == 'A' ? 'B' : 'A';
        assert_int_equal(check(t, NULL), MCP__JWT_INVALID);
        free(t);
    }
}

static void test_no_kid_tries_keys_of_the_type(void **state)
{
    char *t = sign(ec, "ES256", "{\"alg\":\"ES256\",\"typ\":\"JWT\"}", good_claims());
    (void)state;
    assert_int_equal(check(t, NULL), MCP__JWT_OK);
    free(t);
}

static void test_malformed(void **state)
{
    char *t = sign(rsa, "RS256", header("RS256", "r1"), good_claims()), *bad;
    const char *dot = strrchr(t, '.');
    size_t n = strlen(t);
    (void)state;
    assert_int_equal(check("not-a-jwt", NULL), MCP__JWT_INVALID);
    assert_int_equal(check("a.b", NULL), MCP__JWT_INVALID);
    assert_int_equal(check("a.b.c.d", NULL), MCP__JWT_INVALID);
    assert_int_equal(check("..", NULL), MCP__JWT_INVALID);
    /* four segments: the valid token with one more */
    bad = malloc(n + 8);
    snprintf(bad, n + 8, "%s.AAAA", t);
    assert_int_equal(check(bad, NULL), MCP__JWT_INVALID);
    /* two segments: the signature dropped */
    snprintf(bad, n + 8, "%.*s", (int)(dot - t), t);
    assert_int_equal(check(bad, NULL), MCP__JWT_INVALID);
    /* bad base64url: '+' and '/' are the other alphabet, '=' is padding */
    snprintf(bad, n + 8, "%s", t);
    bad[3] = '+';
    assert_int_equal(check(bad, NULL), MCP__JWT_INVALID);
    snprintf(bad, n + 8, "%s=", t);
    assert_int_equal(check(bad, NULL), MCP__JWT_INVALID);
    /* a header that is not JSON */
    free(bad);
    bad = sign(rsa, "RS256", "{\"alg\":\"RS256\"", good_claims());
    assert_int_equal(check(bad, NULL), MCP__JWT_INVALID);
    free(bad);
    free(t);
}

static void test_alg_none_and_hmac(void **state)
{
    char *h = b64("{\"alg\":\"none\"}", 14), *c = b64(good_claims(), strlen(good_claims()));
    char tok[2048], pubpem[4096];
    unsigned char mac[32];
    unsigned int mlen = 0;
    char *sig;
    BIO *bio = BIO_new(BIO_s_mem());
    int plen;
    (void)state;
    snprintf(tok, sizeof tok, "%s.%s.", h, c);
    assert_int_equal(check(tok, NULL), MCP__JWT_INVALID); /* empty signature */
    snprintf(tok, sizeof tok, "%s.%s.AAAA", h, c);
    assert_int_equal(check(tok, NULL), MCP__JWT_INVALID);
    free(h);
    /* HS256 "signed" with the RSA public key as the HMAC secret: the classic confusion */
    PEM_write_bio_PUBKEY(bio, rsa);
    plen = BIO_read(bio, pubpem, sizeof pubpem);
    BIO_free(bio);
    assert_true(plen > 0);
    h = b64("{\"alg\":\"HS256\",\"kid\":\"r1\"}", 26);
    snprintf(tok, sizeof tok, "%s.%s", h, c);
    HMAC(EVP_sha256(), pubpem, plen, (unsigned char *)tok, strlen(tok), mac, &mlen);
    sig = b64(mac, mlen);
    snprintf(tok + strlen(tok), sizeof tok - strlen(tok), ".%s", sig);
    assert_int_equal(check(tok, NULL), MCP__JWT_INVALID);
    free(sig);
    free(h);
    free(c);
}

static void test_claims(void **state)
{
    char *t;
    (void)state;
#define EXPECT(claims, want)                                   \
    do {                                                       \
        t = sign(rsa, "RS256", header("RS256", "r1"), claims); \
        assert_int_equal(check(t, NULL), want);                \
        free(t);                                               \
    } while (0)
    EXPECT(claims_text("https://evil.test", "\"https://mcp.test/mcp\"", NOW + 300, NULL),
           MCP__JWT_INVALID);
    EXPECT(claims_text("https://issuer.test", "\"https://other.test/mcp\"", NOW + 300, NULL),
           MCP__JWT_INVALID);
    EXPECT(claims_text("https://issuer.test", "[\"https://other.test/mcp\"]", NOW + 300, NULL),
           MCP__JWT_INVALID);
    /* expired, and expired but within the leeway */
    EXPECT(claims_text("https://issuer.test", "\"https://mcp.test/mcp\"", NOW - 61, NULL),
           MCP__JWT_INVALID);
    EXPECT(claims_text("https://issuer.test", "\"https://mcp.test/mcp\"", NOW - 30, NULL),
           MCP__JWT_OK);
    /* not yet valid; within the leeway it is */
    EXPECT(claims_text("https://issuer.test", "\"https://mcp.test/mcp\"", NOW + 300,
                       "\"nbf\":1900000100"),
           MCP__JWT_INVALID);
    EXPECT(claims_text("https://issuer.test", "\"https://mcp.test/mcp\"", NOW + 300,
                       "\"nbf\":1900000030"),
           MCP__JWT_OK);
    /* no exp at all */
    EXPECT("{\"iss\":\"https://issuer.test\",\"aud\":\"https://mcp.test/mcp\",\"sub\":\"a\"}",
           MCP__JWT_INVALID);
    /* exp of the wrong type */
    EXPECT("{\"iss\":\"https://issuer.test\",\"aud\":\"https://mcp.test/mcp\",\"exp\":\"soon\"}",
           MCP__JWT_INVALID);
    /* a duplicated claim */
    EXPECT("{\"iss\":\"https://issuer.test\",\"aud\":\"https://mcp.test/mcp\",\"exp\":1900000300,"
           "\"exp\":1900000300}",
           MCP__JWT_INVALID);
#undef EXPECT
}

static void test_header_rules(void **state)
{
    char *t;
    (void)state;
    /* an unknown kid: the caller refetches the set */
    t = sign(rsa, "RS256", header("RS256", "rotated"), good_claims());
    assert_int_equal(check(t, NULL), MCP__JWT_NO_KEY);
    free(t);
    /* the kid of an EC key on an RSA algorithm */
    t = sign(rsa, "RS256", header("RS256", "e1"), good_claims());
    assert_int_equal(check(t, NULL), MCP__JWT_INVALID);
    free(t);
    /* the 1024-bit key was not kept */
    t = sign(rsa_small, "RS256", header("RS256", "small"), good_claims());
    assert_int_equal(check(t, NULL), MCP__JWT_NO_KEY);
    free(t);
    t = sign(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"r1\",\"typ\":\"id_token\"}",
             good_claims());
    assert_int_equal(check(t, NULL), MCP__JWT_INVALID);
    free(t);
    t = sign(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"r1\",\"crit\":[\"exp\"]}", good_claims());
    assert_int_equal(check(t, NULL), MCP__JWT_INVALID);
    free(t);
    t = sign(rsa, "RS256", "{\"alg\":\"RS256\",\"kid\":\"r1\",\"typ\":\"application/at+jwt\"}",
             good_claims());
    assert_int_equal(check(t, NULL), MCP__JWT_OK);
    free(t);
}

/* `k` as PEM: PKCS#8, or (traditional) the SEC1 / PKCS#1 form of its type; with `pass`,
 * encrypted. Returns malloc'd text. */
static char *pem_of(EVP_PKEY *k, bool traditional, const char *pass)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data, *out;
    long n;
    int ok;
    if (traditional)
        ok = PEM_write_bio_PrivateKey_traditional(bio, k, NULL, NULL, 0, NULL, NULL);
    else if (pass)
        ok = PEM_write_bio_PrivateKey(bio, k, EVP_aes_256_cbc(), (const unsigned char *)pass,
                                      (int)strlen(pass), NULL, NULL);
    else
        ok = PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
    assert_int_equal(ok, 1);
    n = BIO_get_mem_data(bio, &data);
    out = malloc((size_t)n + 1);
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    BIO_free(bio);
    return out;
}

static void test_sign_with_pem_keys(void **state)
{
    static const struct {
        const char *alg, *kid, *begin;
        EVP_PKEY **k;
        bool traditional;
    } cases[] = {
        {"RS256", "r1", "-----BEGIN PRIVATE KEY-----", &rsa, false},
        {"PS256", "r1", "-----BEGIN RSA PRIVATE KEY-----", &rsa, true},
        {"ES256", "e1", "-----BEGIN PRIVATE KEY-----", &ec, false},
        {"ES256", "e1", "-----BEGIN EC PRIVATE KEY-----", &ec, true},
        {"EdDSA", "d1", "-----BEGIN PRIVATE KEY-----", &ed, false},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *pem = pem_of(*cases[i].k, cases[i].traditional, NULL), *tok, why[200];
        mcp__pkey *k;
        json_t *head, *claims, *got = NULL, *mine, *theirs;
        int alg = mcp__sig_alg_of(cases[i].alg), rc = -1;
        assert_non_null(strstr(pem, cases[i].begin));
        k = mcp__pkey_from_pem(pem, strlen(pem), why, sizeof why);
        assert_non_null(k);
        /* the public JWK libmcp exports is the key's own */
        mine = mcp__pkey_jwk(k);
        theirs = jwk_of(*cases[i].k, cases[i].kid);
        json_object_del(theirs, "kid");
        assert_true(json_equal(mine, theirs));
        head = json_pack("{s:s, s:s}", "typ", "at+jwt", "kid", cases[i].kid);
        claims = json_loads(good_claims(), 0, NULL);
        tok = mcp__jws_sign(k, (mcp__sig_alg)alg, head, claims, &rc);
        assert_int_equal(rc, MCP_OK);
        assert_int_equal(check(tok, &got), MCP__JWT_OK);
        assert_string_equal(json_string_value(json_object_get(got, "sub")), "alice");
        json_decref(got);
        free(tok);
        /* the key's type decides: no EdDSA with RSA, no RS256 with EC ... */
        assert_null(mcp__jws_sign(k, alg == MCP__SIG_EDDSA ? MCP__SIG_RS256 : MCP__SIG_EDDSA, head,
                                  claims, &rc));
        assert_int_equal(rc, MCP_EINVAL);
        json_decref(head);
        json_decref(claims);
        json_decref(mine);
        json_decref(theirs);
        mcp__pkey_free(k);
        free(pem);
    }
}

static void test_pem_keys_refused(void **state)
{
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    EVP_PKEY *x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    char *pem, why[200];
    (void)state;
    assert_non_null(p384);
    assert_non_null(x25519);
    /* an RSA key under 2048 bits */
    pem = pem_of(rsa_small, true, NULL);
    assert_null(mcp__pkey_from_pem(pem, strlen(pem), why, sizeof why));
    assert_non_null(strstr(why, "2048"));
    free(pem);
    /* another curve, and a key that does not sign */
    pem = pem_of(p384, false, NULL);
    assert_null(mcp__pkey_from_pem(pem, strlen(pem), why, sizeof why));
    assert_non_null(strstr(why, "unsupported key type"));
    free(pem);
    pem = pem_of(x25519, false, NULL);
    assert_null(mcp__pkey_from_pem(pem, strlen(pem), why, sizeof why));
    assert_non_null(strstr(why, "unsupported key type"));
    free(pem);
    /* encrypted: refused, never prompted for (stdin is not read) */
    pem = pem_of(ec, false, "secret");
    assert_non_null(strstr(pem, "ENCRYPTED"));
    assert_null(mcp__pkey_from_pem(pem, strlen(pem), why, sizeof why));
    assert_non_null(strstr(why, "unencrypted"));
    free(pem);
    EVP_PKEY_free(p384);
    EVP_PKEY_free(x25519);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jwks_keeps_usable_keys),
        cmocka_unit_test(test_each_algorithm),
        cmocka_unit_test(test_no_kid_tries_keys_of_the_type),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_alg_none_and_hmac),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_sign_with_pem_keys),
        cmocka_unit_test(test_pem_keys_refused),
    };
    return cmocka_run_group_tests_name("jwt", tests, setup, teardown);
}
