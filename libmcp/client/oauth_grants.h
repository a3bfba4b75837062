/*
 * The OAuth extensions of the client (libmcp/client/oauth_grants.c), beside the core flow of
 * the client's authorization: the signed client assertion of private_key_jwt (RFC 7523 §2.2),
 * DPoP proofs and nonces (RFC 9449), and the request bodies of the jwt-bearer grant (RFC 7523
 * §2.1) and of the token exchange for an Identity Assertion JWT Authorization Grant (RFC 8693,
 * the enterprise-managed authorization extension). Everything here builds values; nothing does
 * I/O. Private to the client layer; never installed.
 */
#ifndef MCP_CLIENT_OAUTH_GRANTS_H
#define MCP_CLIENT_OAUTH_GRANTS_H

#include "client/client.h"

/* The values these grants put on the wire. */
#define MCP__OAUTH_ASSERTION_TYPE       "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define MCP__OAUTH_GRANT_JWT_BEARER     "urn:ietf:params:oauth:grant-type:jwt-bearer"
#define MCP__OAUTH_GRANT_TOKEN_EXCHANGE "urn:ietf:params:oauth:grant-type:token-exchange"
#define MCP__OAUTH_TOKEN_ID_TOKEN       "urn:ietf:params:oauth:token-type:id_token"
#define MCP__OAUTH_TOKEN_ID_JAG         "urn:ietf:params:oauth:token-type:id-jag"

/** How long a client assertion is valid (its "exp" after "iat"), seconds. */
#define MCP__OAUTH_ASSERTION_TTL 60
/** The longest DPoP nonce kept (a longer one is ignored, as if not sent). */
#define MCP__DPOP_NONCE_MAX 512

/** A private_key_jwt client assertion (RFC 7523 §3): iss and sub `client_id`, aud `audience`
 * (the authorization server's issuer identifier), a random jti, iat now, exp a minute later;
 * signed with `key` as `alg`. Returns malloc'd text, or NULL (`alg` does not fit the key, out
 * of memory, no libcrypto). */
MCP_HIDDEN char *mcp__oauth_client_assertion(const mcp__pkey *key, mcp__sig_alg alg,
                                             const char *client_id, const char *audience);

/** The DPoP state of one client: its key pair (every token it gets is bound to it), the key's
 * public JWK and thumbprint, and the last nonce the authorization server and the resource
 * server each gave. */
typedef struct mcp__dpop {
    mcp__pkey *key;
    json_t *jwk;  /* the public half, for the proofs' "jwk" header */
    char jkt[44]; /* its RFC 7638 thumbprint (dpop_jkt) */
    char *nonce_as;
    char *nonce_rs;
} mcp__dpop;

/** Make a fresh P-256 key pair. MCP_OK, or MCP_EIO (libcrypto unavailable or failing) with `d`
 * left cleared. */
MCP_HIDDEN int mcp__dpop_init(mcp__dpop *d);
MCP_HIDDEN void mcp__dpop_clear(mcp__dpop *d);
/** A DPoP proof (RFC 9449 §4.2) for `method` on `url` (its query and fragment left out of
 * "htu"), with "ath" when `access_token` is given (a request to the resource server) and
 * "nonce" when `nonce` is. Returns malloc'd text, or NULL (out of memory, cannot sign). */
MCP_HIDDEN char *mcp__dpop_proof(const mcp__dpop *d, const char *method, const char *url,
                                 const char *access_token, const char *nonce);
/** Keep `value` (a DPoP-Nonce header's value) in *slot when it is a well-formed nonce (1 to
 * MCP__DPOP_NONCE_MAX characters of NQCHAR); returns whether it was kept. */
MCP_HIDDEN bool mcp__dpop_keep_nonce(char **slot, const char *value);

#endif /* MCP_CLIENT_OAUTH_GRANTS_H */
