/*
 * libmcp client — talk to any MCP server from C: the same model as the server side (mcp.h).
 *
 * One libuv loop, no global state: a client lives on the loop given to mcp_client_new() (or a
 * private one), and every callback runs on that loop's thread. Any number of clients may live in
 * one process. Ownership of every json_t uses mcp.h's words ("new reference", "borrowed
 * reference", "steals").
 *
 * Shape of a session:
 *   mcp_client_t *c = mcp_client_new(NULL, "my-app", "1.0.0");    private loop
 *   mcp_client_connect_stdio(c, argv, NULL);   or _connect_server() / _connect_url()
 *   mcp_client_initialize_sync(c, NULL, &err); server/discover (2026) or initialize (2025)
 *   mcp_client_call_tool_sync(c, "add", args, &result, &err);
 *   mcp_client_free(c);
 *
 * Asynchronous use: every request function takes a callback that runs exactly once with the
 * outcome (mcp_client_outcome_t): the result, the server's JSON-RPC error, or a local status
 * (timeout, cancellation, connection lost). When a request function returns an error the
 * callback never runs. The *_sync functions run the client's loop (uv_run ONCE at a time) until
 * their own answer has arrived; use them from the loop's thread, outside any callback.
 *
 * Eras. With no protocol pinned (mcp_client_set_protocol()), mcp_client_initialize() first sends
 * `server/discover` (2026-07-28: stateless, each request then carries its `_meta` envelope of
 * protocol version, client info, capabilities and log level); a server that does not know it is
 * then sent `initialize` (2025 era: a session, negotiated once). Requests look the same to the
 * application in both eras. What servers ask (sampling, elicitation, roots) reaches the handlers
 * set with mcp_client_on_ask(): as a server->client request in the 2025 era, as an
 * `input_required` result in the 2026 era (the client then retries the request with the answers
 * and the server's requestState, invisibly to the caller), the same callback for both.
 */
#ifndef MCP_CLIENT_H
#define MCP_CLIENT_H

#include "mcp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mcp_client mcp_client_t;                 /* opaque */
typedef struct mcp_client_request mcp_client_request_t; /* one request in flight; opaque */
typedef struct mcp_client_ask mcp_client_ask_t;         /* one question from the server; opaque */

/* ------------------------------------------------------------------------------------------ */
/* Outcomes                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/**
 * How a request ended; passed (borrowed, with everything it points to) to the request's callback
 * and valid only during it.
 *   status MCP_OK:         `result` is the result object (for tools/call it may have
 *                          isError:true: a tool error, still a successful request);
 *   status MCP_EREMOTE:    the server answered with a JSON-RPC error: `code`, `message`, and
 *                          `error` (the whole error object, `data` included);
 *   status MCP_ECANCELLED: mcp_client_cancel() (the server was told), or mcp_client_free();
 *   status MCP_ETIMEDOUT:  no answer within the request's timeout (the server was told);
 *   status MCP_EIO:        the connection failed or closed before the answer;
 *   status MCP_EPARSE:     the answer was not a valid response (e.g. a result that is not an
 *                          object);
 *   other negatives:       MCP_ENOMEM, MCP_ELIMIT (a message over the size limit).
 * `message` is never NULL: the server's error message or a local description.
 */
typedef struct mcp_client_outcome {
    int status;
    const json_t *result; /* status MCP_OK: the result object; else NULL */
    const json_t *error;  /* status MCP_EREMOTE: the error object; else NULL */
    int code;             /* status MCP_EREMOTE: error.code; else 0 */
    const char *message;  /* never NULL */
} mcp_client_outcome_t;

/** Called exactly once per request that was accepted, on the loop thread. */
typedef void (*mcp_client_result_fn)(mcp_client_t *c, const mcp_client_outcome_t *outcome,
                                     void *userdata);

/** Detail of a failed *_sync call; pass NULL where it is not wanted. `code` is the JSON-RPC
 * error code when status is MCP_EREMOTE; `text` a copy of the outcome's message. */
typedef struct mcp_client_error {
    int status;
    int code;
    char text[256];
} mcp_client_error_t;

/* ------------------------------------------------------------------------------------------ */
/* The client object                                                                          */
/* ------------------------------------------------------------------------------------------ */

/**
 * Create a client named `name` at `version` (its clientInfo; both copied). `loop` is the loop it
 * lives on (the caller's; it must outlive the client), or NULL for a private loop the *_sync
 * functions run. No I/O happens. NULL when out of memory or name/version is NULL.
 */
MCP_API MCP_NODISCARD mcp_client_t *mcp_client_new(uv_loop_t *loop, const char *name,
                                                   const char *version);

/**
 * Close the connection, complete every request in flight with MCP_ECANCELLED (their callbacks
 * run inside this call), stop a spawned server (stdin closed, then SIGTERM after a grace), and
 * release everything. With the caller's loop, run it afterwards until libmcp's handles have
 * closed. Questions not yet answered (mcp_client_ask_t) are freed too. Not from inside one of
 * the client's callbacks. NULL is a no-op.
 */
MCP_API void mcp_client_free(mcp_client_t *c);

/** The loop the client runs on. */
MCP_API uv_loop_t *mcp_client_loop(mcp_client_t *c);

/**
 * Pin the protocol revision (one of the MCP_PROTOCOL_* strings; copied) instead of negotiating:
 * a 2026 revision skips the fall-back to `initialize`, a 2025 one skips `server/discover`.
 * NULL restores negotiation. Before mcp_client_initialize(). MCP_OK, MCP_EINVAL (unknown
 * revision) or MCP_ESTATE.
 */
MCP_API int mcp_client_set_protocol(mcp_client_t *c, const char *version);

/** Default timeout of each request in milliseconds (default 60000; 0 = none). A request
 * waiting for an OAuth authorization is bounded by 15 minutes instead meanwhile (see
 * "Authorization"). */
MCP_API void mcp_client_set_timeout(mcp_client_t *c, unsigned timeout_ms);

/** Longest message accepted from the server in bytes (default 64 MiB); a longer one fails the
 * connection with MCP_ELIMIT rather than grow memory without bound. */
MCP_API void mcp_client_set_max_message(mcp_client_t *c, size_t bytes);

/* ------------------------------------------------------------------------------------------ */
/* Transports                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** What happens to a spawned server's stderr. */
typedef enum mcp_client_stderr {
    MCP_CLIENT_STDERR_INHERIT, /* passed through to the client's own stderr (default) */
    MCP_CLIENT_STDERR_CAPTURE, /* kept (bounded, the last 64 KiB): mcp_client_stderr_text() */
    MCP_CLIENT_STDERR_DISCARD, /* /dev/null */
} mcp_client_stderr;

typedef struct mcp_client_stdio_opts {
    const char *const *env;        /* "K=V" list, NULL-terminated; NULL: inherit the environment */
    const char *cwd;               /* NULL: the current directory */
    mcp_client_stderr stderr_mode; /* default MCP_CLIENT_STDERR_INHERIT */
} mcp_client_stdio_opts_t;

/**
 * Spawn `argv[0]` (looked up in PATH) with `argv` (NULL-terminated; copied) and speak
 * newline-delimited JSON-RPC on its stdin/stdout. `opts` may be NULL. MCP_OK, MCP_EIO (the
 * program could not be started; the detail is in mcp_client_last_error()), MCP_ESTATE (already
 * connected), MCP_EINVAL or MCP_ENOMEM.
 */
MCP_API int mcp_client_connect_stdio(mcp_client_t *c, const char *const *argv,
                                     const mcp_client_stdio_opts_t *opts);

/** A spawned server's captured stderr (MCP_CLIENT_STDERR_CAPTURE), NUL-terminated; borrowed
 * until the next loop iteration. "" when nothing was captured. */
MCP_API const char *mcp_client_stderr_text(mcp_client_t *c);

/**
 * Connect to `srv` in this process, with no sockets and no threads: messages cross as JSON text
 * through the server's own reader and dispatch and back, drained from the loop (never inside
 * the sender's call). The server is attached to the client's loop if it has none; it must not
 * already run on another loop (MCP_EINVAL). Either may be freed first: freeing the server ends
 * the connection (requests in flight complete with MCP_EIO); freeing the client first is the
 * usual order, and when the server was attached to the client's private loop, the server takes
 * that loop over and closes it in mcp_server_free(). mcp_server_stop() ends the connection
 * once the server's calls in flight have answered. MCP_OK, MCP_ESTATE, MCP_EINVAL or
 * MCP_ENOMEM.
 */
MCP_API int mcp_client_connect_server(mcp_client_t *c, mcp_server_t *srv);

/** Options of a Streamable HTTP or legacy SSE connection. Zero/NULL fields are defaults. */
typedef struct mcp_client_http_opts {
    const char *bearer_token;    /* Authorization: Bearer ...; copied */
    const char *const *headers;  /* extra "Name: value" lines, NULL-terminated; copied */
    int legacy_sse;              /* 1: the 2024-11-05 HTTP+SSE transport (GET the SSE URL) */
    const char *ca_file;         /* TLS: a CA bundle instead of the system's */
    int insecure;                /* TLS: do not verify the peer (tests only) */
    unsigned connect_timeout_ms; /* default 10000 */
    void *reserved[4];           /* zero */
} mcp_client_http_opts_t;

/**
 * Connect to an MCP server at an http:// or https:// URL (Streamable HTTP, both eras; or legacy
 * SSE with opts->legacy_sse). libcurl is loaded on first use (dlopen), never linked. `opts` may
 * be NULL. MCP_OK, MCP_EINVAL (not an http(s) URL), MCP_EIO (libcurl cannot be loaded),
 * MCP_ESTATE or MCP_ENOMEM.
 */
MCP_API int mcp_client_connect_url(mcp_client_t *c, const char *url,
                                   const mcp_client_http_opts_t *opts);

/* ---- Authorization (OAuth 2.1, the MCP authorization spec) -------------------------------------
 *
 * With mcp_client_set_oauth() the Streamable HTTP transport answers a 401 (and a 403 with
 * error="insufficient_scope") by authorizing: it reads WWW-Authenticate (Bearer: resource_metadata,
 * scope, error), fetches the Protected Resource Metadata (RFC 9728: resource_metadata, else the
 * path-aware, then the root /.well-known/oauth-protected-resource URL) and checks that its
 * `resource` is the server's URL (same origin, a path prefix), takes its first authorization
 * server and fetches that server's metadata (RFC 8414 path-aware, then OpenID Connect discovery
 * with the path inserted, then appended), whose `issuer` must be that URL exactly. A server
 * without Protected Resource Metadata is a 2025-03-26 one: the metadata comes from its origin's
 * /.well-known/oauth-authorization-server, and without it the endpoints are the origin's
 * /authorize, /token and /register. The client's identity: a pre-registered client_id (and
 * secret), else client_metadata_url where the server says client_id_metadata_document_supported,
 * else dynamic registration (RFC 7591; application_type "native"). Then authorization code with
 * PKCE (S256; a server whose metadata does not list S256 is refused), `state`, `resource`
 * (RFC 8707) and the `iss` response parameter (RFC 9207: compared exactly when present, required
 * when advertised), or the client_credentials grant. The token endpoint's client authentication
 * is client_secret_basic, client_secret_post or none, from the registration and the metadata.
 * Scope: opts.scope, else WWW-Authenticate's, else the resource's scopes_supported, else none;
 * plus offline_access when the authorization server lists it. A 403 insufficient_scope asks
 * again for the union of the scopes so far and the challenged one (bounded: 3 authorizations per
 * request). A refresh token is tried before the browser. When the resource names another
 * authorization server, the registration and tokens of the old one are dropped.
 *
 * Requests that meet a 401 (or a 403 step-up) wait for the authorization and are sent again with
 * the new token, their time limit (mcp_client_set_timeout(), opts.timeout_ms) starting afresh;
 * while they wait (a person at the browser may take minutes, at a login later than the
 * handshake too) that limit is suspended and 15 minutes bound the wait instead (their own
 * timeout when longer; the desktop login gives up after 5 minutes by default);
 * when authorization fails they complete with MCP_EAUTH and a message saying why. The token is
 * only ever sent to the origin of the server it was obtained for; authorization server endpoints
 * must be https (http only for localhost, 127.0.0.1 and [::1]); each fetched document is at most
 * 64 KiB and one authorization at most 24 HTTP exchanges. The legacy HTTP+SSE transport
 * (legacy_sse) does not authorize: it sends opts.bearer_token only.
 *
 * The saved state (save(), opts.saved) is a JSON object: {"issuer", "client_id",
 * "client_secret", "token_endpoint_auth_method", "access_token", "refresh_token", "expires_at"
 * (Unix seconds), "scope", "resource"}; absent members are unknown. With opts.dpop it also holds
 * "dpop_key", the DPoP private key (unencrypted PKCS#8 PEM, P-256) that the tokens are bound to,
 * and "token_type": "DPoP" when the access token is bound: a client restored from the state signs
 * its proofs with that key and keeps using its tokens (a "dpop_key" that is not a P-256 private
 * key makes the state malformed; with opts.dpop, tokens saved without a key are dropped and the
 * first 401 authorizes anew). A state whose issuer differs from the one discovered later is
 * discarded then. */

/** Show the person `url` (the authorization server's authorization endpoint with the request);
 * when the browser has been redirected to the redirect URI, the application calls
 * mcp_client_oauth_redirect() with that whole URL (inside this callback or later, on the loop
 * thread). `url` is borrowed for the call. */
typedef void (*mcp_client_authorize_fn)(mcp_client_t *c, const char *url, void *userdata);

/** Persist `state` (borrowed, valid during the call): a JSON object with the client
 * registration, the issuer and the tokens, to be passed back as opts.saved next time. It
 * holds secrets: the application stores it privately (mode 0600). */
typedef void (*mcp_client_oauth_save_fn)(mcp_client_t *c, const json_t *state, void *userdata);

typedef struct mcp_client_oauth_opts {
    const char *client_id;           /* a pre-registered client; NULL: client_metadata_url where
                                        the AS supports CIMD, else dynamic registration (RFC 7591) */
    const char *client_secret;       /* a pre-registered confidential client's secret */
    const char *client_metadata_url; /* https URL of this client's Client ID Metadata Document */
    const char *redirect_uri;        /* e.g. http://127.0.0.1:PORT/callback; needed for the
                                        authorization code grant */
    const char *scope;               /* NULL: WWW-Authenticate's scope, else the resource's
                                        scopes_supported, else none */
    const char *client_name;         /* registration's client_name; NULL: the client's name */
    int client_credentials;          /* 1: the client_credentials grant, no browser */
    const char *private_key_pem;     /* client authentication with private_key_jwt (RFC 7523) */
    const char *signing_alg;         /* its JWS alg (ES256, RS256, EdDSA ...); NULL: from the key */
    mcp_client_authorize_fn authorize;
    void *authorize_userdata;
    const json_t *saved; /* a state given to save() before (borrowed; copied) */
    mcp_client_oauth_save_fn save;
    void *save_userdata;
    /* Extension grants instead of the authorization code (client_id needed, no browser): */
    const char *assertion;          /* the jwt-bearer grant (RFC 7523 §2.1) with this JWT, e.g. a
                                       workload identity token (workload identity federation) */
    const char *idp_token_endpoint; /* enterprise-managed authorization: exchange idp_id_token
                                       there (RFC 8693) for an ID-JAG for the authorization
                                       server, then the jwt-bearer grant with it */
    const char *idp_client_id;      /* this client at the IdP */
    const char *idp_client_secret;  /* its secret (client_secret_basic), or NULL */
    const char *idp_id_token;       /* the user's ID token from the IdP's single sign-on */
    int dpop;                       /* 1: DPoP-bound tokens (RFC 9449): a P-256 key made for this
                                       client signs a proof on each token request and each request
                                       to the server (Authorization: DPoP); a use_dpop_nonce answer
                                       is retried once with the server's nonce */
    void *reserved[2];              /* zero */
} mcp_client_oauth_opts_t;

/** Authorize this client's HTTP requests as the MCP authorization spec says (2025-03-26 ...
 * 2026-07-28): on 401 discover the protected resource metadata (RFC 9728) and the authorization
 * server (RFC 8414 / OpenID discovery), register (pre-registered, CIMD or RFC 7591), get a token
 * (authorization code + PKCE S256 with `resource` (RFC 8707), or client_credentials; or the
 * extensions below the struct's fields: jwt-bearer with `assertion`, the enterprise ID-JAG
 * exchange, private_key_jwt client authentication, DPoP-bound tokens), retry;
 * refresh before/when it expires; on 403 insufficient_scope step up (see above). Before
 * mcp_client_connect_url(); copies everything. MCP_OK, MCP_EINVAL (no authorize callback or
 * redirect_uri for the authorization code grant, no client_id for client_credentials or an
 * extension grant, a private key that does not load or does not fit signing_alg, an IdP
 * endpoint without idp_client_id and idp_id_token, a malformed saved state), MCP_EIO (DPoP or a
 * private key without libcrypto), MCP_ESTATE (already connected) or MCP_ENOMEM. */
MCP_API int mcp_client_set_oauth(mcp_client_t *c, const mcp_client_oauth_opts_t *opts);

/** The redirect the browser reached (whole URL with code and state, or error=...); NULL gives up
 * (requests waiting for authorization end with MCP_EAUTH). A redirect carrying an error, or an
 * `iss` that is not the issuer, ends the authorization the same way (MCP_OK is returned: the
 * redirect was this authorization's). MCP_OK, MCP_ESTATE (no authorization pending), MCP_EINVAL
 * (not a redirect of this authorization: wrong or missing state, no code). */
MCP_API int mcp_client_oauth_redirect(mcp_client_t *c, const char *redirect_url);

/** Set a callback for the end of the connection (the server exited, the socket closed, a
 * message over the size limit): `status` MCP_EIO or MCP_ELIMIT, `why` a text. It runs once, and
 * never from inside mcp_client_free(). */
typedef void (*mcp_client_closed_fn)(mcp_client_t *c, int status, const char *why, void *userdata);
MCP_API void mcp_client_on_closed(mcp_client_t *c, mcp_client_closed_fn cb, void *userdata);

/** The connection is usable (connected and not closed). */
MCP_API int mcp_client_is_connected(const mcp_client_t *c);

/** A text describing the last connection failure or protocol fault; "" when none. Borrowed. */
MCP_API const char *mcp_client_last_error(const mcp_client_t *c);

/** For a spawned server that has exited: its exit status, or 128+signal; -1 while running. */
MCP_API int mcp_client_exit_status(const mcp_client_t *c);

/* ------------------------------------------------------------------------------------------ */
/* Handshake                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/**
 * Negotiate (see "Eras" at the top). The callback's result is the `server/discover` or
 * `initialize` result; after it, mcp_client_protocol() and the server_* getters answer, and in
 * the 2025 era `notifications/initialized` has been sent. MCP_OK, MCP_ESTATE (not connected, or
 * already done).
 */
MCP_API int mcp_client_initialize(mcp_client_t *c, mcp_client_result_fn cb, void *userdata);
/** Blocking form; `*result` (may be NULL) gets a new reference to the result. */
MCP_API int mcp_client_initialize_sync(mcp_client_t *c, json_t **result, mcp_client_error_t *err);

/** The negotiated revision (static string), or NULL before. */
MCP_API const char *mcp_client_protocol(const mcp_client_t *c);
/** The negotiated revision is of the stateless 2026 era. */
MCP_API int mcp_client_is_stateless(const mcp_client_t *c);
/** The server's capabilities, serverInfo, and instructions (may be NULL); borrowed, valid until
 * mcp_client_free(). NULL before initialization. */
MCP_API const json_t *mcp_client_server_capabilities(const mcp_client_t *c);
MCP_API const json_t *mcp_client_server_info(const mcp_client_t *c);
MCP_API const char *mcp_client_server_instructions(const mcp_client_t *c);

/* ------------------------------------------------------------------------------------------ */
/* Requests                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** Progress of a request (notifications/progress with its token); `total` and `message` may be
 * absent (NAN, NULL). */
typedef void (*mcp_client_progress_fn)(mcp_client_t *c, double progress, double total,
                                       const char *message, void *userdata);

/** Per-request options; NULL means all defaults. */
typedef struct mcp_client_call_opts {
    unsigned timeout_ms;             /* 0: the client's default */
    mcp_client_progress_fn progress; /* asks for progress (a progressToken is sent) */
    void *progress_userdata;
    json_t *meta; /* extra _meta members (borrowed; copied into the request) */
    int task;     /* tools/call: ask for a task (2025-11-25 `task`; the 2026 extension) */
} mcp_client_call_opts_t;

/**
 * Send any request. `params` is stolen (NULL: no params). `*req` (may be NULL) receives a handle
 * for mcp_client_cancel(), valid until the callback returns. MCP_OK, MCP_ESTATE (not connected
 * or not initialized; `initialize`/`server/discover` are sent by mcp_client_initialize()),
 * MCP_EINVAL or MCP_ENOMEM.
 */
MCP_API int mcp_client_request_new(mcp_client_t *c, const char *method, json_t *params,
                                   const mcp_client_call_opts_t *opts, mcp_client_result_fn cb,
                                   void *userdata, mcp_client_request_t **req);

/**
 * Cancel a request in flight: the server is sent notifications/cancelled (both eras) and the
 * callback runs now with MCP_ECANCELLED. A late answer is dropped. `reason` may be NULL. MCP_OK,
 * or MCP_ESTATE when `req` is not in flight. Pass only a handle whose callback has not run yet
 * (after it, the handle is freed and its address may be reused).
 */
MCP_API int mcp_client_cancel(mcp_client_t *c, mcp_client_request_t *req, const char *reason);

/** Send a notification; `params` stolen. MCP_OK, MCP_ESTATE, MCP_ENOMEM. */
MCP_API int mcp_client_notify_new(mcp_client_t *c, const char *method, json_t *params);

/* The protocol's requests. `cursor` may be NULL (first page); `result` in the callback is the
 * page as the server sent it (`tools`, `nextCursor`, ...). Each returns as mcp_client_request_new.
 */
MCP_API int mcp_client_ping(mcp_client_t *c, mcp_client_result_fn cb, void *userdata);
MCP_API int mcp_client_list_tools(mcp_client_t *c, const char *cursor, mcp_client_result_fn cb,
                                  void *userdata);
/** tools/call `name` with `arguments` (an object, stolen; NULL = {}). */
MCP_API int mcp_client_call_tool_new(mcp_client_t *c, const char *name, json_t *arguments,
                                     const mcp_client_call_opts_t *opts, mcp_client_result_fn cb,
                                     void *userdata, mcp_client_request_t **req);
MCP_API int mcp_client_list_resources(mcp_client_t *c, const char *cursor, mcp_client_result_fn cb,
                                      void *userdata);
MCP_API int mcp_client_list_resource_templates(mcp_client_t *c, const char *cursor,
                                               mcp_client_result_fn cb, void *userdata);
MCP_API int mcp_client_read_resource(mcp_client_t *c, const char *uri, mcp_client_result_fn cb,
                                     void *userdata);
/** resources/subscribe (2025 era). In the 2026 era use mcp_client_listen_new(). */
MCP_API int mcp_client_subscribe(mcp_client_t *c, const char *uri, mcp_client_result_fn cb,
                                 void *userdata);
MCP_API int mcp_client_unsubscribe(mcp_client_t *c, const char *uri, mcp_client_result_fn cb,
                                   void *userdata);
/**
 * 2026 `subscriptions/listen` with `params` (stolen: {notifications:{toolsListChanged:true, ...,
 * resourceSubscriptions:[URI, ...]}}). The request stays open; the notifications it brings arrive
 * at the mcp_client_on_notification() handler; cancel it (`*req`) to stop listening.
 */
MCP_API int mcp_client_listen_new(mcp_client_t *c, json_t *params, mcp_client_result_fn cb,
                                  void *userdata, mcp_client_request_t **req);
MCP_API int mcp_client_list_prompts(mcp_client_t *c, const char *cursor, mcp_client_result_fn cb,
                                    void *userdata);
/** prompts/get `name` with `arguments` (an object of strings, stolen; NULL = none). */
MCP_API int mcp_client_get_prompt_new(mcp_client_t *c, const char *name, json_t *arguments,
                                      mcp_client_result_fn cb, void *userdata);
/**
 * completion/complete. `ref_type` "prompt" (ref_name a prompt name) or "resource" (ref_name a
 * URI template); the argument `arg_name` = `arg_value`; `context` (stolen, may be NULL) the
 * other arguments' values as {"arguments":{...}}.
 */
MCP_API int mcp_client_complete_new(mcp_client_t *c, const char *ref_type, const char *ref_name,
                                    const char *arg_name, const char *arg_value, json_t *context,
                                    mcp_client_result_fn cb, void *userdata);
/** logging/setLevel (2025 era). In the 2026 era the level rides in every request's _meta from
 * then on and the callback (required) runs at once, inside this call, with an empty result. */
MCP_API int mcp_client_set_log_level(mcp_client_t *c, mcp_log_level level, mcp_client_result_fn cb,
                                     void *userdata);

/* Tasks (a tools/call made with opts.task): poll, answer, cancel, fetch. The tools/call result is
 * then the task: {task: {taskId, status, ...}} in 2025-11-25, the task's fields inline with
 * resultType "task" in 2026-07-28 (where the server decides: a handler that answers at once
 * answers the call itself). In 2026 the tasks extension is declared on these requests. */
MCP_API int mcp_client_task_get(mcp_client_t *c, const char *task_id, mcp_client_result_fn cb,
                                void *userdata);
/** 2025-11-25: tasks/result (waits for the end). */
MCP_API int mcp_client_task_result(mcp_client_t *c, const char *task_id, mcp_client_result_fn cb,
                                   void *userdata);
MCP_API int mcp_client_task_cancel(mcp_client_t *c, const char *task_id, mcp_client_result_fn cb,
                                   void *userdata);
/** 2026: tasks/update with `input_responses` (stolen: {key: result, ...}). */
MCP_API int mcp_client_task_update_new(mcp_client_t *c, const char *task_id,
                                       json_t *input_responses, mcp_client_result_fn cb,
                                       void *userdata);

/* ------------------------------------------------------------------------------------------ */
/* Blocking forms (scripts and tests)                                                         */
/* ------------------------------------------------------------------------------------------ */
/*
 * Each runs the client's loop until its answer, and returns the outcome's status: MCP_OK with
 * `*result` a new reference to the result object (the caller json_decref()s it), or an error
 * with `*result` NULL and `err` (may be NULL) filled. A tool error (isError:true) is MCP_OK:
 * look at the result. Not from inside a callback.
 */
MCP_API int mcp_client_request_sync(mcp_client_t *c, const char *method, json_t *params,
                                    json_t **result, mcp_client_error_t *err);
MCP_API int mcp_client_call_tool_sync(mcp_client_t *c, const char *name, json_t *arguments,
                                      json_t **result, mcp_client_error_t *err);
/** tools/list, every page followed: `*tools` a new array of all tool definitions. */
MCP_API int mcp_client_list_tools_sync(mcp_client_t *c, json_t **tools, mcp_client_error_t *err);
MCP_API int mcp_client_list_resources_sync(mcp_client_t *c, json_t **resources,
                                           mcp_client_error_t *err);
MCP_API int mcp_client_list_resource_templates_sync(mcp_client_t *c, json_t **templates,
                                                    mcp_client_error_t *err);
MCP_API int mcp_client_list_prompts_sync(mcp_client_t *c, json_t **prompts,
                                         mcp_client_error_t *err);
MCP_API int mcp_client_read_resource_sync(mcp_client_t *c, const char *uri, json_t **result,
                                          mcp_client_error_t *err);
MCP_API int mcp_client_get_prompt_sync(mcp_client_t *c, const char *name, json_t *arguments,
                                       json_t **result, mcp_client_error_t *err);

/**
 * Run the client's loop until `*done` becomes non-zero, the connection closes, or `timeout_ms`
 * passes (0: no limit). MCP_OK when done, MCP_EIO when closed first, MCP_ETIMEDOUT.
 */
MCP_API int mcp_client_run_until(mcp_client_t *c, const volatile int *done, unsigned timeout_ms);

/** The first text content of a tools/call result (borrowed from `result`), or NULL. */
MCP_API const char *mcp_client_result_text(const json_t *result);
/** The result is a tool error (isError: true). */
MCP_API int mcp_client_result_is_error(const json_t *result);

/* ------------------------------------------------------------------------------------------ */
/* Extensions and skills                                                                      */
/* ------------------------------------------------------------------------------------------ */

/**
 * The settings the server declared for extension `id` (e.g. MCP_SKILLS_EXTENSION):
 * `capabilities.extensions[id]`, else `capabilities.experimental[id]` (where 2025-era servers
 * put it). Borrowed, valid until mcp_client_free(); NULL when not declared or before
 * initialization.
 */
MCP_API const json_t *mcp_client_server_extension(const mcp_client_t *c, const char *id);

/*
 * Skills (the io.modelcontextprotocol/skills extension, SEP-2640). A server that declares it
 * lists skills with `skills/list` and answers `skills/get`; each skill entry (a JSON object) is
 * {uri: its SKILL.md's URI, frontmatter: the SKILL.md's YAML frontmatter as JSON, resources: an
 * array of {uri, digest: "sha256:{hex}", size} for every file of the skill, or "dynamic"}. The
 * files are ordinary resources. A host lists, presents, and fetches a file only when it needs it
 * (never ahead of need): loading a skill is reading its SKILL.md with
 * mcp_client_read_skill_file(), which checks the bytes against the entry (size, then SHA-256
 * digest, then, for the SKILL.md, its frontmatter field by field) and never hands over content
 * that fails: the outcome is then MCP_EVERIFY with the reason in its message.
 */
/* MCP_SKILLS_EXTENSION and the limits MCP_SKILL_MAX_FILES, MCP_SKILL_MAX_BYTES are in mcp.h;
 * an entry over a limit is refused (MCP_ELIMIT) before anything is fetched. */

/**
 * Check a skill entry without I/O: an object whose `uri` ends in "/SKILL.md" after a skill path
 * whose final segment is `frontmatter.name`, a valid skill name (1-64 of a-z 0-9 '-'), a
 * `frontmatter` object with non-empty string `name` and `description`, and `resources` either
 * "dynamic" or an array of {uri, digest, size} in which every uri is the SKILL.md or a file
 * under the skill's directory (no "." or ".." segment), listed once, the SKILL.md included,
 * every digest "sha256:" and 64 lowercase hex digits, every size a non-negative integer.
 * `skill` is borrowed. MCP_OK; MCP_EPARSE (malformed entry) or MCP_ELIMIT (over
 * MCP_SKILL_MAX_FILES or MCP_SKILL_MAX_BYTES), with the reason in `why` (`n` bytes; may be NULL).
 */
MCP_API int mcp_skill_check(const json_t *skill, char *why, size_t n);

/**
 * Verify `len` bytes at `data` as the file `uri` of the skill entry `skill` (borrowed; checked
 * first as mcp_skill_check() does): the uri must be listed in `resources`, the length must be
 * its `size` and the bytes must hash to its `digest` (SHA-256 through libcrypto); when `uri` is
 * the skill's SKILL.md, its YAML frontmatter must also equal the entry's `frontmatter`, field by
 * field (numbers by value). For a "dynamic" skill nothing can be checked but the frontmatter, the
 * MCP_SKILL_MAX_BYTES bound and that `uri` is the SKILL.md or a file under its directory. MCP_OK;
 * MCP_EVERIFY (a mismatch, an unlisted file, or a frontmatter that cannot be read: a YAML construct
 * outside the subset libmcp reads, such as anchors or tags, counts as a mismatch), MCP_EPARSE or
 * MCP_ELIMIT (the entry), MCP_EIO (libcrypto cannot be loaded), MCP_EINVAL; the reason in `why`.
 */
MCP_API int mcp_skill_verify(const json_t *skill, const char *uri, const void *data, size_t len,
                             char *why, size_t n);

/**
 * skills/list (one page; `cursor` may be NULL) and skills/get for the skill whose SKILL.md is
 * `uri`. The result in the callback is the page ({skills: [...], nextCursor?}) or {skill: {...}}
 * as the server sent it: check an entry with mcp_skill_check() before relying on it. MCP_ESTATE
 * (also when the server did not declare MCP_SKILLS_EXTENSION: mcp_client_last_error() says so),
 * MCP_EINVAL, MCP_ENOMEM, else as mcp_client_request_new().
 */
MCP_API int mcp_client_list_skills(mcp_client_t *c, const char *cursor, mcp_client_result_fn cb,
                                   void *userdata);
MCP_API int mcp_client_get_skill(mcp_client_t *c, const char *uri, mcp_client_result_fn cb,
                                 void *userdata);

/**
 * Fetch one file of a skill and verify it: `skill` is the entry (borrowed; copied, so it may go
 * away after the call), `uri` the file (NULL: the skill's SKILL.md, that is, load the skill).
 * The entry is checked and the uri looked up in it first (an unlisted file, or for a "dynamic"
 * skill one outside its directory, is refused with MCP_EVERIFY before any request); then
 * `resources/read`, and mcp_skill_verify() on the content whose uri is `uri` (a text's UTF-8
 * bytes, or a blob's decoded bytes; a blob longer than the declared size allows is refused
 * undecoded). The callback's result is that content object
 * ({uri, mimeType, text|blob}) on success; on a mismatch its status is MCP_EVERIFY and the
 * message says what differed. The other content items of the read are never handed over.
 * Returns as mcp_client_request_new(), or the entry's error (mcp_client_last_error() has why).
 */
MCP_API int mcp_client_read_skill_file(mcp_client_t *c, const json_t *skill, const char *uri,
                                       mcp_client_result_fn cb, void *userdata);

/** skills/list, every page followed: `*skills` a new array of every entry as the server sent it.
 * Blocking forms: see "Blocking forms" above. */
MCP_API int mcp_client_list_skills_sync(mcp_client_t *c, json_t **skills, mcp_client_error_t *err);
/** skills/get: `*skill` a new reference to the result's `skill` object (MCP_EPARSE when the
 * result has none). */
MCP_API int mcp_client_get_skill_sync(mcp_client_t *c, const char *uri, json_t **skill,
                                      mcp_client_error_t *err);
/** mcp_client_read_skill_file(): `*content` a new reference to the verified content object. */
MCP_API int mcp_client_read_skill_file_sync(mcp_client_t *c, const json_t *skill, const char *uri,
                                            json_t **content, mcp_client_error_t *err);

/* ------------------------------------------------------------------------------------------ */
/* Notifications and what the server asks                                                    */
/* ------------------------------------------------------------------------------------------ */

/** Every notification from the server (method and params, borrowed for the call), after the
 * client's own handling (progress goes to its request's callback as well). */
typedef void (*mcp_client_notification_fn)(mcp_client_t *c, const char *method,
                                           const json_t *params, void *userdata);
MCP_API void mcp_client_on_notification(mcp_client_t *c, mcp_client_notification_fn cb,
                                        void *userdata);

/** notifications/message from the server: level, logger (may be NULL) and data (borrowed). */
typedef void (*mcp_client_log_fn)(mcp_client_t *c, mcp_log_level level, const char *logger,
                                  const json_t *data, void *userdata);
MCP_API void mcp_client_on_log(mcp_client_t *c, mcp_client_log_fn cb, void *userdata);
/**
 * Called from an mcp_client_on_log() or mcp_client_on_notification() handler (or a request's
 * progress callback): the request in flight the notification being delivered relates to, or NULL
 * when that is not known. Over Streamable HTTP, the request whose response stream carried it
 * (resumed streams too); in process (mcp_client_connect_server()), the call the server sent it
 * for (mcp_call_log(), mcp_call_progress()). STDIO, the HTTP GET stream and the legacy HTTP+SSE
 * transport do not tell, and a server's own log (mcp_server_log_clients()) relates to no request:
 * NULL. The pointer is borrowed (compare it with the `out` of mcp_client_request_new()); once that
 * request completes, and outside such a handler, this answers NULL. NULL `c`: NULL.
 */
MCP_API mcp_client_request_t *mcp_client_notification_request(const mcp_client_t *c);

/** What a server may ask the client. */
typedef enum mcp_client_ask_kind {
    MCP_CLIENT_ASK_SAMPLING,    /* sampling/createMessage */
    MCP_CLIENT_ASK_ELICITATION, /* elicitation/create, form mode */
    MCP_CLIENT_ASK_ELICIT_URL,  /* elicitation/create, URL mode (the same method) */
    MCP_CLIENT_ASK_ROOTS,       /* roots/list */
} mcp_client_ask_kind;

/**
 * Answer a question: `method` and `params` (borrowed for the call) as the server sent them. The
 * handler answers now or later, exactly once, with mcp_client_ask_reply_new() or
 * mcp_client_ask_fail(); `ask` stays valid until then. Setting a handler declares the matching
 * capability (sampling, elicitation.form / elicitation.url, roots) at the next initialization.
 * At most 1024 questions wait for answers at once; past that the server gets -32603.
 */
typedef void (*mcp_client_ask_fn)(mcp_client_t *c, mcp_client_ask_t *ask, const char *method,
                                  const json_t *params, void *userdata);
/** Set (or clear with NULL) the handler for one kind. MCP_OK or MCP_EINVAL. */
MCP_API int mcp_client_on_ask(mcp_client_t *c, mcp_client_ask_kind kind, mcp_client_ask_fn cb,
                              void *userdata);
/** Answer with `result` (stolen): e.g. {action:"accept", content:{...}} for elicitation. */
MCP_API int mcp_client_ask_reply_new(mcp_client_ask_t *ask, json_t *result);
/** Refuse with a JSON-RPC error (e.g. -32603 or a user's "declined"). */
MCP_API int mcp_client_ask_fail(mcp_client_ask_t *ask, int code, const char *message);
/**
 * The request in flight that `ask` belongs to, or NULL when that is not known. A 2026 question:
 * the request whose input_required asked it. A 2025 server->client request: the request whose
 * Streamable HTTP response stream carried it (a server sends a call's questions there; resumed
 * streams too), or, in process (mcp_client_connect_server()), the call the server asked it from.
 * STDIO, the HTTP GET stream and the legacy HTTP+SSE transport do not tell: NULL, and a client
 * with several requests in flight cannot know which one asked. The pointer is borrowed (compare
 * it with the `out` of mcp_client_request_new()); once that request completes this answers NULL.
 * NULL `ask`: NULL.
 */
MCP_API mcp_client_request_t *mcp_client_ask_request(const mcp_client_ask_t *ask);

/** Roots answered to roots/list when no MCP_CLIENT_ASK_ROOTS handler is set: `roots` (stolen)
 * an array of {uri, name}; declares the roots capability. Sends notifications/roots/list_changed
 * when already initialized (2025 era). */
MCP_API int mcp_client_set_roots_new(mcp_client_t *c, json_t *roots);

/* ------------------------------------------------------------------------------------------ */
/* Desktop login                                                                              */
/* ------------------------------------------------------------------------------------------ */
/*
 * What an application run by a person needs around mcp_client_set_oauth()'s authorization code
 * grant: a loopback redirect listener, a browser, and a private file that keeps the login
 * between runs. Typical use (errors not shown):
 *
 *   mcp_client_login_t *l = mcp_client_login_new(c, NULL);         listens on a free port
 *   char path[4096];
 *   json_t *saved = NULL;
 *   mcp_client_oauth_state_path(url, path, sizeof path);
 *   mcp_client_oauth_state_load(path, &saved);
 *   mcp_client_oauth_opts_t o = {0};
 *   o.redirect_uri = mcp_client_login_redirect_uri(l);
 *   o.authorize = mcp_client_login_authorize; o.authorize_userdata = l;
 *   o.saved = saved; o.save = mcp_client_oauth_state_save; o.save_userdata = path;
 *   mcp_client_set_oauth(c, &o);
 *   mcp_client_connect_url(c, url, NULL); ...
 *   mcp_client_login_free(l);          before or after mcp_client_free(c)
 */

typedef struct mcp_client_login mcp_client_login_t;

typedef struct mcp_client_login_opts {
    int port;            /* the listener's port on 127.0.0.1; 0: a free one */
    unsigned timeout_ms; /* how long to wait for the browser's redirect; 0: 300000 (5 min) */
    int no_browser;      /* 1: never start a browser (the address is printed anyway) */
    const char *browser; /* a command line to open the address with (the address is added as its
                            last argument); NULL: $BROWSER (its first ':'-separated entry), else
                            xdg-open (open on macOS) */
    const char *program; /* the name the messages on stderr start with; NULL: "libmcp" */
    void *reserved[4];   /* zero */
} mcp_client_login_opts_t;

/**
 * Listen for the authorization's redirect on 127.0.0.1 (opts may be NULL: defaults), on the
 * client's loop, until mcp_client_login_free(). Each browser request to /callback is handed,
 * as the whole URL, to mcp_client_oauth_redirect() and answered with a short page saying how it
 * went; other paths get 404, other methods 405, a request head over 8 KiB 431; at most 16
 * connections at once, each closed after 10 s. The listener alone does not keep the loop
 * running. NULL when the port cannot be bound (mcp_client_last_error() says why) or on a bad
 * argument or no memory.
 */
MCP_API mcp_client_login_t *mcp_client_login_new(mcp_client_t *c,
                                                 const mcp_client_login_opts_t *opts);
/** The redirect URI to register and use: "http://127.0.0.1:PORT/callback" (owned by `l`). */
MCP_API const char *mcp_client_login_redirect_uri(const mcp_client_login_t *l);
/**
 * A ready mcp_client_oauth_opts_t.authorize, with the login as its userdata: prints the
 * authorization URL on stderr (always; never on stdout, which may carry protocol or data),
 * starts the browser on it unless opts.no_browser, and gives the login up
 * (mcp_client_oauth_redirect(c, NULL): the waiting requests fail with MCP_EAUTH) when no
 * redirect has come within opts.timeout_ms. A browser that cannot start is reported on stderr.
 */
MCP_API void mcp_client_login_authorize(mcp_client_t *c, const char *url, void *login);
/** Stop listening and release the login (its handles close on the client's loop: run the
 * caller's loop afterwards). Before or after mcp_client_free() of its client: a client being
 * freed lets go of its logins (they stop listening and never reach it again; each is still
 * released by this call). NULL is a no-op. */
MCP_API void mcp_client_login_free(mcp_client_login_t *l);

/**
 * The default file for the login to `server_url` into `buf` (`size` bytes):
 * $XDG_STATE_HOME/mcp/oauth/HOST_PORT-HASH.json, or ~/.local/state/mcp/oauth/... when
 * XDG_STATE_HOME is unset or not absolute; HASH is the start of the SHA-256 of the whole URL,
 * so each server URL has its own file. MCP_OK, MCP_EINVAL (not a URL, no HOME), MCP_ELIMIT
 * (`size` too small) or MCP_EIO (no SHA-256: libcrypto missing).
 */
MCP_API int mcp_client_oauth_state_path(const char *server_url, char *buf, size_t size);
/**
 * Read a saved login: `*state` a new reference to the JSON object (the caller's to release), for
 * mcp_client_oauth_opts_t.saved. MCP_OK; MCP_ENOTFOUND when there is no file; MCP_EIO when it
 * cannot be read, is not a regular file, is a symbolic link, is larger than 1 MiB, is not the
 * user's own or can be read or written by others (mode beyond 0600: not trusted); MCP_EPARSE
 * when it is not a JSON object. `*state` is NULL on every error.
 */
MCP_API int mcp_client_oauth_state_load(const char *path, json_t **state);
/**
 * Write `state` (borrowed) to `path` atomically (a temporary file beside it, then rename) with
 * mode 0600, creating the missing directories with mode 0700. MCP_OK, MCP_EINVAL (not an
 * object), MCP_ENOMEM or MCP_EIO.
 */
MCP_API int mcp_client_oauth_state_store(const char *path, const json_t *state);
/** A ready mcp_client_oauth_opts_t.save: mcp_client_oauth_state_store() to the path given as
 * userdata (a NUL-terminated string that must outlive the client); a failure is reported on
 * stderr. */
MCP_API void mcp_client_oauth_state_save(mcp_client_t *c, const json_t *state, void *path);

/* ---- Revocation (logging out at the authorization server) -----------------------------------
 *
 * A saved login's tokens are revoked (RFC 7009) without an MCP connection: the state's issuer's
 * metadata (RFC 8414 path-aware, then OpenID discovery; its `issuer` must match) gives the
 * revocation_endpoint (https, or http to a loopback host), to which the refresh token and then
 * the access token are POSTed with their token_type_hint and the client's authentication: the
 * state's client_secret (or opts.client_secret) by the state's token_endpoint_auth_method
 * (client_secret_basic or client_secret_post; without one, Basic unless the server lists only
 * client_secret_post), else client_id alone (a public client). private_key_jwt and DPoP proofs
 * are not sent. Each answer is read up to 64 KiB; the whole is bounded by opts.timeout_ms.
 * Removing the saved state is the caller's: a failure to revoke should not keep a person
 * logged in locally. */
typedef struct mcp_client_oauth_revoke_opts {
    const char *client_secret; /* a pre-registered client's secret, when the state has none */
    unsigned timeout_ms;       /* the whole revocation: 0: 10000; at most 600000 */
    void *reserved[2];         /* zero */
} mcp_client_oauth_revoke_opts_t;

/** How a revocation ended: MCP_OK (every token the state held was revoked: the server answered
 * 200; or it answered unsupported_token_type, RFC 7009 §2.2.1, for one it cannot revoke, e.g. a
 * JWT access token, which then stays valid until it expires: `why` says so), MCP_ENOTSUP (the
 * server has no revocation_endpoint), MCP_EAUTH (a token refused, or the metadata unusable: `why`
 * says which and the server's error code), MCP_EIO (no answer, libcurl missing), MCP_ETIMEDOUT or
 * MCP_ENOMEM. A failure with the refresh token does not stop the access token's turn; `status` is
 * the first failure, `why` lists them all (borrowed, valid during the call). */
typedef void (*mcp_client_oauth_revoked_fn)(int status, const char *why, void *userdata);

/**
 * Revoke the tokens of `state` (borrowed; a saved state as mcp_client_oauth_state_load() reads
 * it) on `loop`; opts may be NULL (defaults). MCP_OK: `cb` runs exactly once, later, on the
 * loop thread, within opts.timeout_ms (run the loop until then). MCP_EINVAL (no loop or
 * callback, a state without issuer, client_id or any token, a malformed member, an issuer that
 * is not https, a timeout over the limit), MCP_EIO (libcurl missing) or MCP_ENOMEM: `cb` never
 * runs.
 */
MCP_API int mcp_client_oauth_revoke(uv_loop_t *loop, const json_t *state,
                                    const mcp_client_oauth_revoke_opts_t *opts,
                                    mcp_client_oauth_revoked_fn cb, void *userdata);
/**
 * The same on a loop of its own, waiting for the end (for `mcp logout`, or any program without
 * a loop): returns the status the callback would get, or mcp_client_oauth_revoke()'s own error;
 * `why` (`n` bytes; may be NULL) gets the text.
 */
MCP_API int mcp_client_oauth_revoke_sync(const json_t *state,
                                         const mcp_client_oauth_revoke_opts_t *opts, char *why,
                                         size_t n);

#ifdef __cplusplus
}
#endif

#endif /* MCP_CLIENT_H */
