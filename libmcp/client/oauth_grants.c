/*
 * The OAuth extensions of the client: private_key_jwt client assertions (RFC 7523), DPoP
 * proofs and nonces (RFC 9449). The keys and signatures are base/crypto.c's (libcrypto, loaded
 * on first use); the JWS is base/jwt.c's. See oauth_grants.h.
 */
#include "client/oauth_grants.h"

#include <time.h>

char *mcp__oauth_client_assertion(const mcp__pkey *key, mcp__sig_alg alg, const char *client_id,
                                  const char *audience)
{
    char jti[33];
    json_int_t now = (json_int_t)time(NULL);
    json_t *claims;
    char *jws;
    if (!client_id || !audience || mcp__random_id(jti) != 0)
        return NULL;
    claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", client_id, "sub", client_id, "aud",
                       audience, "jti", jti, "iat", now, "exp", now + MCP__OAUTH_ASSERTION_TTL);
    jws = claims ? mcp__jws_sign(key, alg, NULL, claims, NULL) : NULL;
    json_decref(claims);
    return jws;
}

int mcp__dpop_init(mcp__dpop *d)
{
    memset(d, 0, sizeof *d);
    if (!(d->key = mcp__pkey_generate_p256()) || !(d->jwk = mcp__pkey_jwk(d->key)) ||
        mcp__jwk_thumbprint(d->jwk, d->jkt) != MCP_OK) {
        mcp__dpop_clear(d);
        return MCP_EIO;
    }
    return MCP_OK;
}

void mcp__dpop_clear(mcp__dpop *d)
{
    mcp__pkey_free(d->key);
    json_decref(d->jwk);
    free(d->nonce_as);
    free(d->nonce_rs);
    memset(d, 0, sizeof *d);
}

char *mcp__dpop_proof(const mcp__dpop *d, const char *method, const char *url,
                      const char *access_token, const char *nonce)
{
    char jti[33], *out = NULL, *ath = NULL;
    size_t htu_len = url ? strcspn(url, "?#") : 0;
    json_t *head = NULL, *claims = NULL;
    unsigned char digest[32];
    if (!d->key || !method || !url || mcp__random_id(jti) != 0)
        return NULL;
    if (access_token && (mcp__sha256_once(access_token, strlen(access_token), digest) != MCP_OK ||
                         !(ath = mcp__base64_encode(digest, sizeof digest, true))))
        return NULL;
    head = json_pack("{s:s, s:O}", "typ", "dpop+jwt", "jwk", d->jwk);
    claims = json_pack("{s:s, s:s, s:s%, s:I}", "jti", jti, "htm", method, "htu", url, htu_len,
                       "iat", (json_int_t)time(NULL));
    if (head && claims && (!ath || json_object_set_new(claims, "ath", json_string(ath)) == 0) &&
        (!nonce || json_object_set_new(claims, "nonce", json_string(nonce)) == 0))
        out = mcp__jws_sign(d->key, MCP__SIG_ES256, head, claims, NULL);
    json_decref(head);
    json_decref(claims);
    free(ath);
    return out;
}

bool mcp__dpop_keep_nonce(char **slot, const char *value)
{
    size_t i, n = value ? strlen(value) : 0;
    char *copy;
    if (n == 0 || n > MCP__DPOP_NONCE_MAX)
        return false;
    for (i = 0; i < n; i++) { /* NQCHAR: %x21 / %x23-5B / %x5D-7E */
        unsigned char ch = (unsigned char)value[i];
        if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\')
            return false;
    }
    if (!(copy = strdup(value)))
        return false;
    free(*slot);
    *slot = copy;
    return true;
}
