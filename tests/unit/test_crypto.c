/* SHA-256 (FIPS 180-4 examples), HMAC-SHA256 (RFC 4231 test cases), the constant-time
 * comparison, and the client's signing (private keys, JWS, JWK thumbprints: RFC 7638, RFC 8037
 * known answers, round trips through the verifier, tokens signed by Node's node:crypto) through
 * libmcp/base/crypto.c and jwt.c (OpenSSL 3 libcrypto, loaded on first use; this test does not
 * link it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "server/server.h"

static void hex(const unsigned char *in, size_t n, char *out)
{
    size_t i;
    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

static void check_sha(const char *msg, size_t len, const char *want)
{
    mcp__sha256 s;
    unsigned char d[32];
    char h[65];
    assert_int_equal(mcp__sha256_init(&s), MCP_OK);
    mcp__sha256_update(&s, msg, len);
    assert_int_equal(mcp__sha256_final(&s, d), MCP_OK);
    hex(d, 32, h);
    assert_string_equal(h, want);
}

static void test_sha256(void **state)
{
    char *million;
    mcp__sha256 s;
    unsigned char d[32];
    char h[65];
    size_t i;
    (void)state;
    check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a', fed in odd-sized pieces */
    million = malloc(1000000);
    memset(million, 'a', 1000000);
    assert_int_equal(mcp__sha256_init(&s), MCP_OK);
    for (i = 0; i < 1000000; i += 997)
        mcp__sha256_update(&s, million + i, 1000000 - i < 997 ? 1000000 - i : 997);
    assert_int_equal(mcp__sha256_final(&s, d), MCP_OK);
    hex(d, 32, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

static void check_hmac(const void *key, size_t klen, const void *data, size_t dlen,
                       const char *want)
{
    unsigned char d[32];
    char h[65];
    assert_int_equal(mcp__hmac_sha256(key, klen, data, dlen, d), MCP_OK);
    hex(d, 32, h);
    assert_string_equal(h, want);
}

static void test_hmac_rfc4231(void **state)
{
    unsigned char key[131], data[50];
    (void)state;
    memset(key, 0x0b, 20);
    check_hmac(key, 20, "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, 20);
    memset(data, 0xdd, 50);
    check_hmac(key, 20, data, 50,
               "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    memset(key, 0xaa, 131); /* a key longer than the block size is hashed first */
    check_hmac(key, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_hmac_equal(void **state)
{
    unsigned char a[32] = {1}, b[32] = {1};
    (void)state;
    assert_true(mcp__crypto_equal(a, b, 32));
    b[31] = 2;
    assert_false(mcp__crypto_equal(a, b, 32));
}

/* ---- signing -------------------------------------------------------------------------------- */

/* RFC 8037 appendix A: the Ed25519 key (d is the seed, x the public key) and its JWS over
 * "Example of Ed25519 signing" with the header {"alg":"EdDSA"} (Ed25519 is deterministic). */
#define RFC8037_D     "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
#define RFC8037_X     "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define RFC8037_INPUT "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
#define RFC8037_SIG \
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"

/* The RFC 8037 key as a PKCS#8 PEM: the fixed DER prefix of an Ed25519 PrivateKeyInfo, then
 * the 32-byte seed. */
static char *rfc8037_pem(void)
{
    static const unsigned char prefix[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                             0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    unsigned char der[48], *seed;
    size_t n = 0;
    char *b64, *pem;
    seed = mcp__base64_decode(RFC8037_D, strlen(RFC8037_D), true, &n);
    assert_non_null(seed);
    assert_int_equal(n, 32);
    memcpy(der, prefix, 16);
    memcpy(der + 16, seed, 32);
    free(seed);
    b64 = mcp__base64_encode(der, sizeof der, false);
    assert_non_null(b64);
    pem = malloc(200);
    snprintf(pem, 200, "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n", b64);
    free(b64);
    return pem;
}

static void test_thumbprint_known_answers(void **state)
{
    char t[44];
    json_t *jwk;
    (void)state;
    /* RFC 7638 §3.1: the RSA key, with members the thumbprint leaves out */
    jwk = json_pack(
        "{s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "n",
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
        "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
        "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
        "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e", "AQAB", "alg", "RS256", "kid", "2011-04-29");
    assert_int_equal(mcp__jwk_thumbprint(jwk, t), MCP_OK);
    assert_string_equal(t, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    json_decref(jwk);
    /* an EC P-256 key (the example of the jose library's calculateJwkThumbprint), members out of
     * order */
    jwk = json_pack("{s:s, s:s, s:s, s:s}", "y", "nhI6iD5eFXgBTLt_1p3aip-5VbZeMhxeFSpjfEAf7Ww", "x",
                    "jJ6Flys3zK9jUhnOHf6G49Dyp5hah6CNP84-gY-n9eo", "kty", "EC", "crv", "P-256");
    assert_int_equal(mcp__jwk_thumbprint(jwk, t), MCP_OK);
    assert_string_equal(t, "w9eYdC6_s_tLQ8lH6PUpc0mddazaqtPgeC2IgWDiqY8");
    /* a member missing, or not a string */
    json_object_del(jwk, "y");
    assert_int_equal(mcp__jwk_thumbprint(jwk, t), MCP_EINVAL);
    json_object_set_new(jwk, "y", json_integer(1));
    assert_int_equal(mcp__jwk_thumbprint(jwk, t), MCP_EINVAL);
    json_decref(jwk);
    /* RFC 8037 §A.3: the Ed25519 key */
    jwk = json_pack("{s:s, s:s, s:s}", "kty", "OKP", "crv", "Ed25519", "x", RFC8037_X);
    assert_int_equal(mcp__jwk_thumbprint(jwk, t), MCP_OK);
    assert_string_equal(t, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    json_decref(jwk);
    /* a symmetric key, or no kty at all */
    jwk = json_pack("{s:s, s:s}", "kty", "oct", "k", "c2VjcmV0");
    assert_int_equal(mcp__jwk_thumbprint(jwk, t), MCP_EINVAL);
    json_decref(jwk);
    assert_int_equal(mcp__jwk_thumbprint(NULL, t), MCP_EINVAL);
}

static void test_ed25519_known_answer(void **state)
{
    char *pem = rfc8037_pem(), *sig64, t[44], why[200];
    mcp__pkey *k = mcp__pkey_from_pem(pem, strlen(pem), why, sizeof why);
    unsigned char *sig = NULL;
    size_t slen = 0;
    json_t *jwk;
    (void)state;
    assert_non_null(k);
    assert_int_equal(mcp__pkey_default_alg(k), MCP__SIG_EDDSA);
    /* the public half, and its thumbprint */
    jwk = mcp__pkey_jwk(k);
    assert_non_null(jwk);
    assert_string_equal(json_string_value(json_object_get(jwk, "x")), RFC8037_X);
    assert_null(json_object_get(jwk, "d"));
    assert_int_equal(mcp__jwk_thumbprint(jwk, t), MCP_OK);
    assert_string_equal(t, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    json_decref(jwk);
    /* the RFC's signature, byte for byte */
    assert_int_equal(
        mcp__pkey_sign(k, MCP__SIG_EDDSA, RFC8037_INPUT, strlen(RFC8037_INPUT), &sig, &slen),
        MCP_OK);
    assert_int_equal(slen, 64);
    sig64 = mcp__base64_encode(sig, slen, true);
    assert_string_equal(sig64, RFC8037_SIG);
    free(sig64);
    free(sig);
    mcp__pkey_free(k);
    free(pem);
}

static int verify_with(const json_t *jwk, const char *tok, json_t **claims)
{
    json_t *set = json_pack("{s:[O]}", "keys", jwk);
    char *text = json_dumps(set, JSON_COMPACT), why[200];
    mcp__jwks *jwks = mcp__jwks_parse(text, strlen(text), why, sizeof why);
    mcp__jwt_rules r = {"https://issuer.test", "https://mcp.test/mcp", 60, 1900000000LL};
    const char *reason = NULL;
    int rc;
    assert_non_null(jwks);
    rc = mcp__jwt_verify(jwks, tok, strlen(tok), &r, claims, &reason);
    mcp__jwks_free(jwks);
    free(text);
    json_decref(set);
    return rc;
}

static void test_p256_generate_sign_verify(void **state)
{
    mcp__pkey *k = mcp__pkey_generate_p256(), *pub;
    json_t *jwk, *head, *claims, *got = NULL;
    unsigned char *sig = NULL, *x = NULL, *y = NULL;
    size_t slen = 0, xl = 0, yl = 0;
    char *tok, t[44];
    int rc = MCP_OK;
    (void)state;
    assert_non_null(k);
    assert_int_equal(mcp__pkey_default_alg(k), MCP__SIG_ES256);
    jwk = mcp__pkey_jwk(k);
    assert_non_null(jwk);
    assert_string_equal(json_string_value(json_object_get(jwk, "kty")), "EC");
    assert_string_equal(json_string_value(json_object_get(jwk, "crv")), "P-256");
    assert_null(json_object_get(jwk, "d"));
    assert_int_equal(mcp__jwk_thumbprint(jwk, t), MCP_OK);
    assert_int_equal(strlen(t), 43);
    /* the raw signature checks against the public key rebuilt from the JWK */
    x = mcp__base64_decode(json_string_value(json_object_get(jwk, "x")), 43, true, &xl);
    y = mcp__base64_decode(json_string_value(json_object_get(jwk, "y")), 43, true, &yl);
    assert_int_equal(xl, 32);
    assert_int_equal(yl, 32);
    pub = mcp__pkey_p256(x, y);
    assert_non_null(pub);
    assert_int_equal(mcp__pkey_sign(k, MCP__SIG_ES256, "abc", 3, &sig, &slen), MCP_OK);
    assert_int_equal(slen, 64);
    assert_true(mcp__pkey_verify(pub, MCP__SIG_ES256, "abc", 3, sig, slen));
    assert_false(mcp__pkey_verify(pub, MCP__SIG_ES256, "abd", 3, sig, slen));
    sig[10] ^= 1;
    assert_false(mcp__pkey_verify(pub, MCP__SIG_ES256, "abc", 3, sig, slen));
    free(sig);
    /* a public key has nothing to sign with */
    assert_int_equal(mcp__pkey_sign(pub, MCP__SIG_ES256, "abc", 3, &sig, &slen), MCP_EIO);
    assert_null(sig);
    /* a compact JWS the existing verifier accepts; "alg" is set from the argument */
    head = json_pack("{s:s, s:s, s:s}", "typ", "JWT", "kid", "gen", "alg", "RS256");
    claims = json_pack("{s:s, s:s, s:s, s:I}", "iss", "https://issuer.test", "aud",
                       "https://mcp.test/mcp", "sub", "bob", "exp", (json_int_t)1900000300);
    json_object_set_new(jwk, "kid", json_string("gen"));
    tok = mcp__jws_sign(k, MCP__SIG_ES256, head, claims, &rc);
    assert_non_null(tok);
    assert_int_equal(rc, MCP_OK);
    assert_string_equal(json_string_value(json_object_get(head, "alg")), "RS256"); /* borrowed */
    assert_int_equal(verify_with(jwk, tok, &got), MCP__JWT_OK);
    assert_string_equal(json_string_value(json_object_get(got, "sub")), "bob");
    json_decref(got);
    free(tok);
    /* no header at all: {"alg":"ES256"} */
    tok = mcp__jws_sign(k, MCP__SIG_ES256, NULL, claims, NULL);
    assert_non_null(tok);
    assert_memory_equal(tok, "eyJhbGciOiJFUzI1NiJ9.", 21);
    free(tok);
    json_decref(head);
    json_decref(claims);
    json_decref(jwk);
    free(x);
    free(y);
    mcp__pkey_free(pub);
    mcp__pkey_free(k);
}

static void test_wrong_alg_for_key(void **state)
{
    mcp__pkey *k = mcp__pkey_generate_p256();
    json_t *claims = json_pack("{s:s}", "sub", "x");
    unsigned char *sig = (unsigned char *)"untouched";
    size_t slen = 1;
    int rc = MCP_OK;
    (void)state;
    assert_non_null(k);
    assert_false(mcp__pkey_fits(k, MCP__SIG_RS256));
    assert_false(mcp__pkey_fits(k, MCP__SIG_PS256));
    assert_false(mcp__pkey_fits(k, MCP__SIG_EDDSA));
    assert_true(mcp__pkey_fits(k, MCP__SIG_ES256));
    assert_int_equal(mcp__pkey_sign(k, MCP__SIG_RS256, "a", 1, &sig, &slen), MCP_EINVAL);
    assert_null(sig);
    assert_int_equal(slen, 0);
    assert_int_equal(mcp__pkey_sign(k, MCP__SIG_EDDSA, "a", 1, &sig, &slen), MCP_EINVAL);
    assert_null(mcp__jws_sign(k, MCP__SIG_PS256, NULL, claims, &rc));
    assert_int_equal(rc, MCP_EINVAL);
    /* claims that are not an object */
    assert_null(mcp__jws_sign(k, MCP__SIG_ES256, NULL, json_object_get(claims, "sub"), &rc));
    assert_int_equal(rc, MCP_EINVAL);
    assert_null(mcp__jws_sign(NULL, MCP__SIG_ES256, NULL, claims, &rc));
    assert_int_equal(rc, MCP_EINVAL);
    assert_false(mcp__pkey_fits(NULL, MCP__SIG_ES256));
    assert_int_equal(mcp__pkey_default_alg(NULL), -1);
    assert_null(mcp__pkey_jwk(NULL));
    assert_int_equal(mcp__sig_alg_of("HS256"), -1);
    assert_int_equal(mcp__sig_alg_of(NULL), -1);
    assert_string_equal(mcp__sig_alg_name(MCP__SIG_PS256), "PS256");
    assert_int_equal(mcp__sig_alg_of(mcp__sig_alg_name(MCP__SIG_EDDSA)), MCP__SIG_EDDSA);
    json_decref(claims);
    mcp__pkey_free(k);
}

static void test_bad_pem(void **state)
{
    static const char *const bad[] = {
        "",
        "not a key",
        "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE "
        "KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMc\n",
        "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
        /* the RFC 8037 public key (SubjectPublicKeyInfo): no private half */
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
        "-----END PUBLIC KEY-----\n",
    };
    char why[200], *pem = rfc8037_pem(), *big;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        assert_null(mcp__pkey_from_pem(bad[i], strlen(bad[i]), why, sizeof why));
        assert_non_null(strstr(why, "PEM private key"));
    }
    assert_null(mcp__pkey_from_pem(NULL, 0, NULL, 0));
    /* one byte changed inside the key: the DER no longer parses */
    pem[40] = pem[40] == 'A' ? 'B' : 'A';
    pem[30] = '*';
    assert_null(mcp__pkey_from_pem(pem, strlen(pem), why, sizeof why));
    /* over the 64 KiB limit */
    big = calloc(1, 70 * 1024);
    memset(big, 'A', 70 * 1024 - 1);
    assert_null(mcp__pkey_from_pem(big, strlen(big), why, sizeof why));
    free(big);
    free(pem);
}

/* Tokens signed by Node 20's node:crypto (crypto.sign: ES256 as ieee-p1363 r || s, PS256 with a
 * 32-byte salt, Ed25519), with the public JWKs it exported; verified here by libmcp. */
static void test_node_signatures(void **state)
{
    static const struct {
        const char *jwk, *tok;
    } cases[] = {
        {"{\"kty\":\"EC\",\"x\":\"L86edlY6uKokJ2iveyaq01RmeHb3dA0xGDZP_ypL4Dw\",\"y\":"
         "\"e9fDLdlEi3q-2ntpG6Sw2gexDipCz87DQWIttP8ANRA\",\"crv\":\"P-256\",\"kid\":\"node-"
         "ES256\"}",
         "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Im5vZGUtRVMyNTYifQ."
         "eyJpc3MiOiJodHRwczovL25vZGUudGVzdCIsImF1ZCI6Imh0dHBzOi8vbWNwLnRlc3QvbWNwIiwic3ViIjoibm9kZ"
         "SIsImV4cCI6MTkwMDAwMDMwMCwiaWF0IjoxODk5OTk5OTkwfQ.I2t-PtI1y7aCS5WcfArG29E1PQly9lkX2aMEdfN"
         "JdXINTZT2VrD0r95WWKRfNguciSE0iMZfTQaQiCw5drBh-Q"},
        {"{\"kty\":\"RSA\",\"n\":\"zg55PsStMvmbU9wT2D4UICv_p5LqggcJ-"
         "BWezckwh1kaSeKE3FCE5zzB9oX51-zpnPMBYyv9Ey8uH9EFDhQK3usRBdr0g2OXsl-C_"
         "pSM4e3UbTw7950S6sNhrL3JrIUxIsZxojiNfWxUcaY00jgwYAOehs_fqis5LaazLYHfoFs6pRVN1Ujcy0xZIM_"
         "K2hiJFuClrj3PhaZ2KS78P0ieeg-qELGodZ-bDOVJ6J_Jdlgjt1QbubiELGXo7RfoY3V71lkHl7LfO0lDVKJR0BRS"
         "bdC3aK8CK6xuANlmt0oJLhkgFPVIh_AZyZZLz1gNmYlstpIp7i733-kVNR2PCN7YpQ\",\"e\":\"AQAB\","
         "\"kid\":\"node-PS256\"}",
         "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Im5vZGUtUFMyNTYifQ."
         "eyJpc3MiOiJodHRwczovL25vZGUudGVzdCIsImF1ZCI6Imh0dHBzOi8vbWNwLnRlc3QvbWNwIiwic3ViIjoibm9kZ"
         "SIsImV4cCI6MTkwMDAwMDMwMCwiaWF0IjoxODk5OTk5OTkwfQ.EMTByY8qPxxuOSSyCoqJDfqkumCCAyVqij9Vnof"
         "0rtqj8QO_9XW66rmaoL7hF4vSufCA65YNC_axrQ3GevZvtbLqp8x0Udr_HYMQSyS3bjd2VbCUKqD-"
         "c4SHBM0CEJq5PI2iDyBl-pzUB6gF4mpVe24iW__5Y9jd4DqFwWoQCd_lFvB5KeMjN9ZaE9Bu_"
         "JiGui9DF8Z2rR49hHWD3a-ITZhdreCcHG-hYNkxI56MDDpYf5RhjG5JxBUXwD7Vra-1bs--"
         "S448m5KHHEcS54FxMe6DKtI-gtqb01qhtyaeMsPVOPKLrVU4ApwshcDTRSx4WLX9XADmYne2pxhLbtssNg"},
        {"{\"crv\":\"Ed25519\",\"x\":\"ynYa22rN9kiCDpyoxKOc46h41gSrT87clKgOIFB5S3w\",\"kty\":"
         "\"OKP\",\"kid\":\"node-EdDSA\"}",
         "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6Im5vZGUtRWREU0EifQ."
         "eyJpc3MiOiJodHRwczovL25vZGUudGVzdCIsImF1ZCI6Imh0dHBzOi8vbWNwLnRlc3QvbWNwIiwic3ViIjoibm9kZ"
         "SIsImV4cCI6MTkwMDAwMDMwMCwiaWF0IjoxODk5OTk5OTkwfQ.eYhfjBzmGaRJr-"
         "iiKCr-GAhCJl5nmDniUrA7Uv7A5cvhe40gO89D6vRfPc_oh164StwHP-26zwbN36aecELYAA"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *jwk = json_loads(cases[i].jwk, 0, NULL), *claims = NULL;
        mcp__jwks *set;
        char *text = malloc(strlen(cases[i].jwk) + 20), *tok = strdup(cases[i].tok), why[200];
        mcp__jwt_rules r = {"https://node.test", "https://mcp.test/mcp", 60, 1900000000LL};
        const char *reason = NULL;
        assert_non_null(jwk);
        sprintf(text, "{\"keys\":[%s]}", cases[i].jwk);
        set = mcp__jwks_parse(text, strlen(text), why, sizeof why);
        assert_non_null(set);
        assert_int_equal(mcp__jwt_verify(set, tok, strlen(tok), &r, &claims, &reason), MCP__JWT_OK);
        assert_string_equal(json_string_value(json_object_get(claims, "sub")), "node");
        json_decref(claims);
        claims = NULL;
        tok[strlen(tok) - 5] ^= 1; /* one bit of the signature */
        assert_int_equal(mcp__jwt_verify(set, tok, strlen(tok), &r, &claims, &reason),
                         MCP__JWT_INVALID);
        mcp__jwks_free(set);
        json_decref(jwk);
        free(text);
        free(tok);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_hmac_equal),
        cmocka_unit_test(test_thumbprint_known_answers),
        cmocka_unit_test(test_ed25519_known_answer),
        cmocka_unit_test(test_p256_generate_sign_verify),
        cmocka_unit_test(test_wrong_alg_for_key),
        cmocka_unit_test(test_bad_pem),
        cmocka_unit_test(test_node_signatures),
    };
    return cmocka_run_group_tests_name("crypto", tests, NULL, NULL);
}
