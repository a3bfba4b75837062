/*
 * fuzz_jwt: JWT access tokens against a JWK Set (libmcp/base/jwt.c, signatures through
 * base/crypto.c and libcrypto).
 *
 * Input: "<JWK Set JSON>\n<token>" (split at the first newline; no newline: the whole input is
 * the token, checked against the set of the seeds' RSA, EC and Ed25519 keys parsed once). The
 * token is an exact-size copy (so ASan sees reads past its end).
 *
 * Oracle beyond "no crash, no leak, no UB, bounded time":
 *   1. The result is one of MCP__JWT_OK, MCP__JWT_INVALID, MCP__JWT_NO_KEY.
 *   2. OK: the claims are an object whose "iss" is the issuer, whose "aud" holds the audience,
 *      whose "exp" is a number not past (with the leeway), and whose "scope", when present, is a
 *      string. Otherwise: no claims, and a reason (a fixed text, never a piece of the token).
 */
#include "server/server.h"

#include <stdint.h>

#define FAIL(...)                                  \
    do {                                           \
        fprintf(stderr, "fuzz_jwt: " __VA_ARGS__); \
        fputc('\n', stderr);                       \
        abort();                                   \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const mcp__jwt_rules rules = {"https://issuer.test", "https://mcp.test/mcp", 60,
                                     1900000000LL};

/* The Ed25519 key of the seeds (tests/fuzz/corpus/jwt/eddsa_default_set is a token it signed). */
static const char default_set[] =
    "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"d1\","
    "\"x\":\"Qcl0MSI8BxXKWhiEzPC9PlsZ6Oc5MhsoLHPxKO0i8f0\"}]}";

static void check(const mcp__jwks *set, const char *tok, size_t n)
{
    json_t *claims = NULL;
    const char *why = NULL;
    int rc = mcp__jwt_verify(set, tok, n, &rules, &claims, &why);
    if (rc == MCP__JWT_OK) {
        const json_t *exp = json_object_get(claims, "exp");
        const json_t *scope = json_object_get(claims, "scope");
        if (!json_is_object(claims) || why)
            FAIL("OK without claims, or with a reason");
        if (!json_is_string(json_object_get(claims, "iss")) ||
            strcmp(json_string_value(json_object_get(claims, "iss")), rules.issuer) != 0)
            FAIL("OK with another issuer");
        if (!mcp__jwt_aud_has(json_object_get(claims, "aud"), rules.audience))
            FAIL("OK without the audience");
        if (!json_is_number(exp) || json_number_value(exp) + (double)rules.leeway_s < rules.now)
            FAIL("OK with a bad or past exp");
        if (scope && !json_is_string(scope))
            FAIL("OK with a scope that is not a string");
    } else if (rc == MCP__JWT_INVALID || rc == MCP__JWT_NO_KEY) {
        if (claims || !why)
            FAIL("refused with claims or without a reason");
        if (why >= tok && why < tok + n)
            FAIL("the reason points into the token");
    } else {
        FAIL("unknown result %d", rc);
    }
    json_decref(claims);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mcp__jwks *fallback;
    const uint8_t *nl = memchr(data, '\n', size);
    mcp__jwks *set = NULL;
    char why[200] = "", *tok;
    size_t tlen = size;

    if (!fallback &&
        !(fallback = mcp__jwks_parse(default_set, strlen(default_set), why, sizeof why)))
        FAIL("the built-in key set does not parse: %s", why);
    if (nl) {
        why[0] = '\0';
        set = mcp__jwks_parse((const char *)data, (size_t)(nl - data), why, sizeof why);
        if (!set && !why[0])
            FAIL("a refused key set without a reason");
        tlen = size - (size_t)(nl - data) - 1;
        data = nl + 1;
    }
    if (!(tok = malloc(tlen ? tlen : 1)))
        return 0;
    memcpy(tok, data, tlen);
    check(set ? set : fallback, tok, tlen);
    free(tok);
    mcp__jwks_free(set);
    return 0;
}
