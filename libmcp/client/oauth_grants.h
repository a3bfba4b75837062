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

/* ---- forms and the enterprise-managed token exchange ----------------------------------------- */

/** Append `name=value` to an application/x-www-form-urlencoded body (with "&" before it when
 * the body is not empty), both escaped. MCP_OK or MCP_ENOMEM. */
MCP_HIDDEN int mcp__form_add(mcp__buf *b, const char *name, const char *value);

/** The token exchange (RFC 8693) at the enterprise IdP that turns the user's ID token into an
 * Identity Assertion JWT Authorization Grant (ID-JAG) for one authorization server. */
typedef struct mcp__idjag_opts {
    const char *token_endpoint; /* the IdP's */
    const char *client_id;      /* this client at the IdP */
    const char *client_secret;  /* NULL: a public client (client_id in the body) */
    const char *id_token;       /* the subject token */
    const char *audience;       /* the authorization server's issuer */
    const char *resource;       /* the MCP server's resource identifier */
    const char *scope;          /* or NULL */
    unsigned timeout_ms;        /* 0: 30 s */
} mcp__idjag_opts;

/** The request body of the exchange (malloc'd), or NULL when out of memory. */
MCP_HIDDEN char *mcp__idjag_body(const mcp__idjag_opts *o);
/** Read the IdP's answer (`status`, `len` bytes of body): MCP_OK with *id_jag (malloc'd), or
 * MCP_EAUTH with the reason in `why` (an OAuth error, not JSON, no access_token, another
 * issued_token_type). */
MCP_HIDDEN int mcp__idjag_read(long status, const char *body, size_t len, char **id_jag, char *why,
                               size_t n);

/** When the exchange ends: MCP_OK with the ID-JAG (borrowed, valid during the call), or an
 * error (MCP_EAUTH, MCP_EIO, MCP_ETIMEDOUT, MCP_ECANCELLED) with the reason. */
typedef void (*mcp__idjag_fn)(void *ud, int status, const char *id_jag, const char *why);
typedef struct mcp__idjag_req mcp__idjag_req;
/** POST the exchange on `loop`; `cb` runs exactly once, never from inside this call. NULL (no
 * callback) with `why` filled when it cannot start. Strings are copied. */
MCP_HIDDEN mcp__idjag_req *mcp__idjag_start(uv_loop_t *loop, const mcp__idjag_opts *o,
                                            mcp__idjag_fn cb, void *ud, char *why, size_t n);
/** Stop an exchange whose callback has not run: it runs now with MCP_ECANCELLED. */
MCP_HIDDEN void mcp__idjag_cancel(mcp__idjag_req *r);

/* ---- token requests with the extensions ------------------------------------------------------ */

/** One token request (RFC 6749 §3.2) with the extensions: client authentication by
 * private_key_jwt (`key`), client_secret_basic (`client_secret`) or none (client_id in the
 * body); a DPoP proof when `dpop` is set, resent once with the server's nonce when it answers
 * use_dpop_nonce (RFC 9449 §8). */
typedef struct mcp__token_opts {
    const char *token_endpoint;
    const char *issuer;        /* the authorization server's issuer: the assertion's aud */
    const char *grant;         /* the grant's own form fields: "grant_type=...&..." */
    const char *client_id;     /* required */
    const char *client_secret; /* client_secret_basic, when no key */
    const mcp__pkey *key;      /* private_key_jwt: sign the client assertion with it */
    mcp__sig_alg alg;          /* its algorithm */
    mcp__dpop *dpop;           /* DPoP (borrowed; its nonce_as is kept up to date) or NULL */
    unsigned timeout_ms;       /* 0: 30 s */
} mcp__token_opts;

/** When a token request ends: MCP_OK with the token response (borrowed, valid during the call:
 * access_token is a non-empty string, token_type "Bearer" or, with DPoP, "DPoP"), or an error
 * (MCP_EAUTH: the server's OAuth error or an unusable answer; MCP_EIO, MCP_ETIMEDOUT,
 * MCP_ECANCELLED) with the reason, never quoting a secret. */
typedef void (*mcp__token_fn)(void *ud, int status, const json_t *response, const char *why);
typedef struct mcp__token_req mcp__token_req;
/** POST it on `loop`; `cb` runs exactly once, never from inside this call. NULL (no callback)
 * with `why` filled when it cannot start. Everything is copied. */
MCP_HIDDEN mcp__token_req *mcp__token_start(uv_loop_t *loop, const mcp__token_opts *o,
                                            mcp__token_fn cb, void *ud, char *why, size_t n);
/** Stop a token request whose callback has not run: it runs now with MCP_ECANCELLED. */
MCP_HIDDEN void mcp__token_cancel(mcp__token_req *r);
/** Read a token endpoint's answer: MCP_OK with *doc (new reference), or MCP_EAUTH with `why`.
 * With `dpop`, token_type must be "DPoP" (a server that ignored the proof and issued a Bearer
 * token is accepted too: the token is then used as a bearer token). */
MCP_HIDDEN int mcp__token_read(long status, const char *body, size_t len, json_t **doc, char *why,
                               size_t n);

/* ---- the client's extension options (oauth.c holds one) -------------------------------------- */

/** What mcp_client_set_oauth()'s extension options asked for, checked and copied. */
typedef struct mcp__grants {
    mcp__pkey *key; /* private_key_jwt client authentication, or NULL */
    mcp__sig_alg alg;
    char *assertion; /* the jwt-bearer grant with this JWT */
    char *idp_token_endpoint, *idp_client_id, *idp_client_secret, *idp_id_token;
    mcp__idjag_req *idjag; /* the exchange in flight */
    mcp__idjag_fn idjag_cb;
    void *idjag_ud;
} mcp__grants;

/** Check and copy `opts`' extension fields: MCP_OK, MCP_EINVAL (a private key that does not
 * load, a signing_alg unknown or not fitting it, an IdP endpoint without the client id or ID
 * token, both assertion and IdP) or MCP_ENOMEM. `g` is cleared on error. */
MCP_HIDDEN int mcp__grants_init(mcp__grants *g, const mcp_client_oauth_opts_t *opts);
/** Cancel the exchange in flight (its callback runs with MCP_ECANCELLED) and free. */
MCP_HIDDEN void mcp__grants_clear(mcp__grants *g);
/** Whether the grant is the jwt-bearer one (an assertion given, or got from the IdP). */
MCP_HIDDEN bool mcp__grants_jwt_bearer(const mcp__grants *g);
/** Start the enterprise-managed exchange for `issuer` and `resource` (`scope` may be NULL):
 * MCP_OK (cb runs later, once), or an error with `why` filled. */
MCP_HIDDEN int mcp__grants_idjag(mcp__grants *g, uv_loop_t *loop, const char *issuer,
                                 const char *resource, const char *scope, mcp__idjag_fn cb,
                                 void *ud, char *why, size_t n);

#endif /* MCP_CLIENT_OAUTH_GRANTS_H */
