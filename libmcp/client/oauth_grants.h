/*
 * The OAuth extensions of the client (libmcp/client/oauth_grants.c), beside the core flow of
 * the client's authorization: the signed client assertion of private_key_jwt (RFC 7523 §2.2),
 * DPoP proofs and nonces (RFC 9449), the token exchange for an Identity Assertion JWT
 * Authorization Grant (RFC 8693, the enterprise-managed authorization extension), and the
 * state oauth.c keeps for them (mcp__grants: the key, the DPoP nonces, the jwt-bearer
 * assertion or the IdP to get one from; oauth.c sends the jwt-bearer grant itself). Only the token
 * exchange does I/O (through core/curl.c). Private to the client layer; never installed.
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
/** Put the P-256 private key of `pem` (a saved state's "dpop_key", mcp__pkey_to_pem()) in place
 * of `d`'s key: MCP_OK, or MCP_EINVAL (not a PEM private key, not P-256, no libcrypto) with `d`
 * unchanged. */
MCP_HIDDEN int mcp__dpop_restore(mcp__dpop *d, const char *pem);
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

/** An "Authorization: Basic" line for client_secret_basic (RFC 6749 §2.3.1: each part
 * form-urlencoded first): a new string (a secret: wipe it), or NULL when out of memory. */
MCP_HIDDEN char *mcp__oauth_basic_auth(const char *id, const char *secret);
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
    /* DPoP */
    bool use_dpop;
    mcp__dpop dpop;      /* the key and the nonces */
    bool bound;          /* the access token is DPoP-bound (token_type DPoP) */
    char *heard_nonce;   /* DPoP-Nonce of the last answer of the authorization server */
    char *grant_form;    /* the last token request's grant fields, to send it again */
    bool nonce_retried;  /* the token request was sent again with a nonce */
    char *rs_sent_nonce; /* the resource server nonce of the last proof sent to it */
} mcp__grants;

/** Check and copy `opts`' extension fields (and make the DPoP key): MCP_OK, MCP_EINVAL (a
 * private key that does not load, a signing_alg unknown or not fitting it, an IdP endpoint
 * without the client id or ID token, both assertion and IdP), MCP_EIO (no libcrypto) or
 * MCP_ENOMEM. `g` is cleared on error. */
MCP_HIDDEN int mcp__grants_init(mcp__grants *g, const mcp_client_oauth_opts_t *opts);
/** Cancel the exchange in flight (its callback runs with MCP_ECANCELLED) and free. */
MCP_HIDDEN void mcp__grants_clear(mcp__grants *g);
/** A DPoP-Nonce header heard in an answer of the authorization server (NULL: none). */
MCP_HIDDEN void mcp__grants_heard_nonce(mcp__grants *g, const char *value);
/** The extra headers of a token request: a "DPoP: ..." line for POST to `token_endpoint` (new
 * string) when DPoP is on; NULL otherwise or when it cannot be made (*failed set). */
MCP_HIDDEN char *mcp__grants_token_dpop(mcp__grants *g, const char *token_endpoint, bool *failed);
/** After a failed token request (`status`, the OAuth `error` or NULL): whether to send it once
 * more because the server asked for a DPoP nonce it has now given. */
MCP_HIDDEN bool mcp__grants_retry_token(mcp__grants *g, long status, const char *error);
/** The Authorization line for `token` ("DPoP" scheme when bound, else "Bearer"), and, when bound,
 * the DPoP proof line for `method` on `url` (*proof, or NULL). New strings; NULL: no memory. */
MCP_HIDDEN char *mcp__grants_auth_lines(mcp__grants *g, const char *token, const char *method,
                                        const char *url, char **proof);
/** A 401 from the resource server: whether it is a use_dpop_nonce challenge with a nonce that
 * the last proof did not carry (`nonce` from its DPoP-Nonce header): then it is kept and the
 * request should go again once. */
MCP_HIDDEN bool mcp__grants_rs_nonce(mcp__grants *g, const char *error, const char *nonce);

/** Whether the grant is the jwt-bearer one (an assertion given, or got from the IdP). */
MCP_HIDDEN bool mcp__grants_jwt_bearer(const mcp__grants *g);
/** Start the enterprise-managed exchange for `issuer` and `resource` (`scope` may be NULL):
 * MCP_OK (cb runs later, once), or an error with `why` filled. */
MCP_HIDDEN int mcp__grants_idjag(mcp__grants *g, uv_loop_t *loop, const char *issuer,
                                 const char *resource, const char *scope, mcp__idjag_fn cb,
                                 void *ud, char *why, size_t n);

#endif /* MCP_CLIENT_OAUTH_GRANTS_H */
