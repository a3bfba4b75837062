/*
 * The client layer (libmcp/client/): the MCP client of include/mcp_client.h. It sits above
 * transport/ and below app/: the in-memory transport (memory.c) hands messages straight to the
 * server's dispatch (server/server.h). Never installed.
 *
 * Files: client.c (the object, ids, the pending-call table, completion exactly once, timeouts,
 * the list of open questions), receive.c (routing what arrives), handshake.c (server/discover and
 * initialize, the _meta envelope), ops.c (the protocol's requests and the blocking forms), ask.c
 * (what servers ask, both eras), stdio.c (spawned server), memory.c (in-process server), url.c
 * (mcp_client_connect_url(): the factory the HTTP transports register in).
 *
 * A transport is a struct that starts with mcp__ctransport and a vtable. The core calls it to
 * send; the transport calls the core back (mcp__client_receive*, mcp__client_transport_closed)
 * with what arrives. Every call in both directions is on the loop thread.
 */
#ifndef MCP_CLIENT_INTERNAL_H
#define MCP_CLIENT_INTERNAL_H

#include "transport/httpd.h"
#include "mcp_client.h"

/* ---- the transport interface --------------------------------------------------------------- */

typedef struct mcp__ctransport mcp__ctransport;

/** The era of the connection, as the core tells the transport on every send. */
typedef enum mcp__cera {
    MCP__CERA_UNKNOWN, /* before negotiation: server/discover or initialize is in flight */
    MCP__CERA_2025,    /* a session negotiated by initialize (Mcp-Session-Id over HTTP) */
    MCP__CERA_2026,    /* stateless: each request carries its _meta envelope */
} mcp__cera;

/** Everything a transport may need to know about one outgoing message besides its JSON. HTTP
 * uses it for per-request headers: MCP-Protocol-Version, Mcp-Method, Mcp-Name. */
typedef struct mcp__csend {
    const char *method;   /* request or notification method; NULL for a response */
    const char *name;     /* Mcp-Name: the tool or prompt name, or the resource URI; or NULL */
    json_int_t id;        /* the request's id (>= 1); 0 for a notification or a response */
    const char *protocol; /* the revision in use (pinned, negotiated or being tried); may be NULL
                             before negotiation (initialize) */
    mcp__cera era;
    bool expects_reply;      /* a request: a response with `id` will come (or fail_request) */
    bool long_lived;         /* subscriptions/listen: open until cancelled */
    bool initialize_request; /* the 2025 `initialize` (an HTTP transport starts a session) */
} mcp__csend;

typedef struct mcp__ctransport_ops {
    const char *name; /* "stdio", "memory", "http", "sse": for messages */
    /* Send one message (borrowed). MCP_OK, or an error: the core then fails the request at once
     * (the transport must not also call fail_request for it). */
    int (*send)(mcp__ctransport *t, json_t *msg, const mcp__csend *info);
    /* The core is done with a request (answered, cancelled, timed out): an HTTP transport may
     * abort its exchange. May be NULL. */
    void (*request_done)(mcp__ctransport *t, json_int_t id);
    /* Close: stop reading, end the peer gracefully (STDIO: close its stdin, SIGTERM after a
     * grace). The transport calls mcp__client_transport_closed() once, now or later, and frees
     * itself after that (or in destroy). */
    void (*close)(mcp__ctransport *t);
    /* The client is being freed: release everything now (handles close on the loop; their
     * callbacks must no longer reach the client). Called after close(). */
    void (*destroy)(mcp__ctransport *t);
} mcp__ctransport_ops;

struct mcp__ctransport {
    const mcp__ctransport_ops *ops;
    mcp_client_t *client; /* NULL once the client has let go (destroy) */
};

/* ---- what a transport calls in the core ------------------------------------------------------ */

/** Install `t` as the client's connection (the connect_* functions). MCP_OK or MCP_ESTATE. */
MCP_HIDDEN int mcp__client_attach(mcp_client_t *c, mcp__ctransport *t);
/** One complete JSON-RPC message's bytes arrived (a STDIO line, an HTTP body, an SSE event's
 * data): parsed, checked and routed. Malformed input is reported (last_error, stderr-free) and
 * dropped; it never ends the connection by itself. */
MCP_HIDDEN void mcp__client_receive(mcp_client_t *c, const char *buf, size_t len);
/** The same for a message already parsed (borrowed), e.g. by the in-memory transport. */
MCP_HIDDEN void mcp__client_receive_msg(mcp_client_t *c, json_t *msg);
/** mcp__client_receive() and mcp__client_receive_msg() for a message the transport knows to be
 * related to the request with id `related` (> 0): it came on that request's HTTP response stream,
 * or the in-process server sent it for that call. A server->client request so delivered is
 * linked to that request (mcp_client_ask_request()). 0: not known. */
MCP_HIDDEN void mcp__client_receive_related(mcp_client_t *c, const char *buf, size_t len,
                                            json_int_t related);
MCP_HIDDEN void mcp__client_receive_msg_related(mcp_client_t *c, json_t *msg, json_int_t related);
/** A request's exchange failed at the transport level (an HTTP status without a JSON-RPC body,
 * a stream cut mid-answer): complete it with `status` (MCP_EIO, MCP_EPARSE, ...) and `text`. */
MCP_HIDDEN void mcp__client_fail_request(mcp_client_t *c, json_int_t id, int status,
                                         const char *text);
/** The connection is gone: every request in flight completes with `status` (MCP_EIO, or MCP_OK
 * after close()), the closed callback runs. Called once per transport. */
MCP_HIDDEN void mcp__client_transport_closed(mcp_client_t *c, int status, const char *why);
/** Record a text for mcp_client_last_error() (printf-style). */
MCP_HIDDEN void mcp__client_set_error(mcp_client_t *c, const char *fmt, ...) MCP_PRINTF(2, 3);
/** The client's loop and its message size limit. */
MCP_HIDDEN uv_loop_t *mcp__client_uvloop(mcp_client_t *c);
MCP_HIDDEN size_t mcp__client_max_message(const mcp_client_t *c);
/** stdio.c: the spawned process's exit status, for mcp_client_exit_status(). */
MCP_HIDDEN void mcp__client_set_exit_status(mcp_client_t *c, int status);

/* ---- url.c: transports for URLs ---------------------------------------------------------------
 */

/** Open a Streamable HTTP (or, with opts->legacy_sse, HTTP+SSE) transport for the http(s) `url`
 * on `c` and attach it; mcp_client_connect_url() calls it after checking the scheme. The HTTP
 * client file(s) define it (libcurl via dlopen); until they exist url.c answers MCP_EIO. */
MCP_HIDDEN int mcp__client_http_connect(mcp_client_t *c, const char *url,
                                        const mcp_client_http_opts_t *opts);

/** memory.c: the server an in-memory client is connected to (mcp_client_connect_server()), or
 * NULL (another transport, or the server let go). Mounting reads the items' `.scopes` there. */
MCP_HIDDEN mcp_server_t *mcp__client_memory_server(const mcp_client_t *c);

/* ---- oauth.c: authorization of HTTP requests (mcp_client_set_oauth) ---------------------------
 *
 * The Streamable HTTP transport adds mcp__oauth_header() to each request, and hands a 401 or 403
 * answer to mcp__oauth_challenge(): it says whether the request waits for the authorization
 * under way (the transport parks it until the callback bound with mcp__oauth_bind() runs), is to
 * be sent again at once, or fails. */
typedef struct mcp__oauth mcp__oauth;

/** The authorization's outcome: MCP_OK (a new token: send the parked requests again) or an
 * error (MCP_EAUTH, MCP_ENOMEM) with `why`. */
typedef void (*mcp__oauth_ready_fn)(void *ud, int status, const char *why);

/** The client's authorization state, or NULL when mcp_client_set_oauth() was not called. */
MCP_HIDDEN mcp__oauth *mcp__client_oauth(mcp_client_t *c);
/** Install `o` on the client; mcp_client_free() frees it with free_fn. */
MCP_HIDDEN void mcp__client_set_oauth_state(mcp_client_t *c, mcp__oauth *o,
                                            void (*free_fn)(mcp__oauth *));
/** The transport that waits for the outcomes (NULL fn: none any more). */
MCP_HIDDEN void mcp__oauth_bind(mcp__oauth *o, mcp__oauth_ready_fn fn, void *ud);
/** "Authorization: Bearer ..." for a `method` request to `url` (new string), or NULL: no token,
 * or the token belongs to another origin. A DPoP-bound token gives "Authorization: DPoP ..." and
 * in *proof the "DPoP: ..." line to send with it (new string; else NULL). *gen: the token's
 * generation, for mcp__oauth_challenge. */
MCP_HIDDEN char *mcp__oauth_header(mcp__oauth *o, const char *method, const char *url,
                                   unsigned *gen, char **proof);
/** A request to `url` sent with token generation `gen` was answered `status` (401 or 403) with
 * WWW-Authenticate `www` (or NULL) and DPoP-Nonce `nonce` (or NULL). 0: wait for the bound
 * callback; 1: send it again now (a newer token exists, or a DPoP nonce to use, once);
 * 2: not an authorization matter (a 403 without insufficient_scope); an error (MCP_EAUTH,
 * MCP_ENOMEM) with `why`: fail it. */
MCP_HIDDEN int mcp__oauth_challenge(mcp__oauth *o, const char *url, long status, const char *www,
                                    unsigned gen, const char *nonce, char *why, size_t n);
/** The generation of the current token (bumps with each new one). */
MCP_HIDDEN unsigned mcp__oauth_generation(const mcp__oauth *o);
MCP_HIDDEN void mcp__oauth_free(mcp__oauth *o);

/* The pure parts, for the unit tests. */
/** Split an http(s) URL: its origin (scheme://authority) into `origin`, *path the rest (path,
 * query, fragment). MCP_OK or MCP_EINVAL. */
MCP_HIDDEN int mcp__oauth_url_split(const char *url, char *origin, size_t n, const char **path);
/** https, or http to a loopback host. */
MCP_HIDDEN bool mcp__oauth_url_allowed(const char *url);
/** The well-known URLs to try, in order, for the Protected Resource Metadata of resource `url`
 * (resource: path-aware, root) or the metadata of issuer `url` (RFC 8414 path-aware, OpenID
 * path-inserted, OpenID path-appended; without a path: RFC 8414, OpenID). Writes up to 3 new
 * strings into out (max >= 3); returns how many, 0 for a bad URL, -1 out of memory. */
MCP_HIDDEN int mcp__oauth_wellknown(const char *url, bool resource, char **out, int max);
/** The Bearer challenge's resource_metadata, scope and error (new strings or NULL). MCP_OK,
 * MCP_EINVAL (NULL or over 8 KiB), MCP_ENOMEM. */
MCP_HIDDEN int mcp__oauth_parse_www(const char *h, char **resource_metadata, char **scope,
                                    char **error);
/** A PKCE verifier (43 characters) and its S256 challenge. MCP_OK, MCP_EIO, MCP_ENOMEM. */
MCP_HIDDEN int mcp__oauth_pkce(char verifier[64], char challenge[64]);
/** The query parameters of `url` as {name: value} (percent-decoded; the first of a repeated
 * name), new reference; NULL for malformed escapes, %00, over 16 KiB or out of memory. */
MCP_HIDDEN json_t *mcp__oauth_parse_query(const char *url);

/* ---- stdio.c, memory.c: captured stderr -------------------------------------------------------
 */

MCP_HIDDEN const char *mcp__cstdio_stderr_text(mcp__ctransport *t);

/* ---- the client's own state (client.c and the files beside it) --------------------------------
 */

/** Run when an internal request (the handshake, a page of a *_sync list) completes, instead of
 * the application's callback. */
typedef void (*mcp__creq_done)(mcp_client_t *c, mcp_client_request_t *r,
                               const mcp_client_outcome_t *o);

struct mcp_client_request {
    mcp_client_t *client;
    json_int_t id; /* the id of the latest send (2026 retries get new ids) */
    char *method;
    char *name;     /* Mcp-Name value, or NULL */
    json_t *params; /* as the caller gave them, without _meta envelope (owned; kept for retries) */
    json_t *extra_meta; /* opts->meta (owned) */
    mcp__cera era;      /* the era the request was sent in */
    mcp__creq_done internal;
    mcp_client_result_fn cb;
    void *ud;
    mcp_client_progress_fn progress;
    void *progress_ud;
    json_int_t token; /* progressToken, when progress is wanted */
    unsigned timeout_ms;
    uv_timer_t timer;
    bool timer_inited, done, long_lived, task;
    /* 2026 multi round-trip: the answers gathered for the current round and the server's state */
    json_t *answers; /* {key: result} (owned) */
    char *state;     /* requestState to echo (owned) */
    unsigned rounds; /* input_required rounds so far (bounded) */
    unsigned asks_open;
    int holds;            /* code still reading the request after it may have completed */
    bool release_pending; /* completed while held: released by the last unhold */
    void *aux;            /* the *_sync helpers' state */
    mcp_client_request_t *prev, *next;
};

struct mcp_client_ask {
    mcp_client_t *client;
    mcp_client_ask_kind kind;
    json_t *id;                    /* 2025: the server's request id (owned); NULL in 2026 */
    mcp_client_request_t *req;     /* 2026: the request whose input_required asked; NULL if gone */
    mcp_client_request_t *related; /* 2025: the request in flight the transport says it came
                                      with (its HTTP response stream, the in-process server's
                                      call); NULL when unknown or once that request is over */
    char *key;                     /* 2026: the inputRequests key */
    bool cancelled;                /* 2025: the server cancelled it */
    mcp_client_ask_t *prev, *next;
};

typedef struct mcp__ask_handler {
    mcp_client_ask_fn cb;
    void *ud;
} mcp__ask_handler;

struct mcp_client {
    uv_loop_t *loop;
    uv_loop_t *own_loop; /* mcp_client_new(NULL, ...): ours to run and close */
    char *name, *version;
    mcp__ctransport *transport;
    bool closed, freeing;
    char last_error[256];
    int exit_status;
    unsigned timeout_ms;
    size_t max_message;
    unsigned long malformed; /* messages dropped as malformed JSON */

    /* negotiation */
    char *pinned;         /* mcp_client_set_protocol() (owned) */
    const char *protocol; /* the revision in use (static string); NULL before */
    mcp__cera era;
    bool initialized, initializing;
    json_t *server_caps, *server_info, *init_result; /* owned */
    char *instructions;
    int log_level; /* 2026: sent in _meta; -1 = not set */

    /* requests in flight */
    mcp_client_request_t *reqs;
    size_t nreqs;
    json_int_t next_id, next_token;

    /* what the server asks */
    mcp__ask_handler handlers[4];
    json_t *roots; /* mcp_client_set_roots_new() (owned) */
    mcp_client_ask_t *asks;
    size_t nasks;

    mcp_client_closed_fn on_closed;
    void *on_closed_ud;
    mcp_client_notification_fn on_notification;
    void *on_notification_ud;
    mcp_client_log_fn on_log;
    void *on_log_ud;
    /* receive.c: while a notification is delivered, the request it relates to (or NULL) */
    mcp_client_request_t *notif_req;

    struct mcp__oauth *oauth; /* mcp_client_set_oauth() (owned; freed by oauth_free, so that
                                 client.c does not call into oauth.c) */
    void (*oauth_free)(struct mcp__oauth *);
    /* login.c: the desktop logins made for this client, let go of by login_detach when the
       client is freed (so that a login may be freed after its client) */
    struct mcp_client_login *logins;
    void (*login_detach)(mcp_client_t *c);

    /* memory.c: a server attached to our private loop by mcp_client_connect_server() */
    mcp_server_t *adopted;
    bool adopted_alive;
};

/* client.c */
MCP_HIDDEN mcp_client_request_t *mcp__client_find(mcp_client_t *c, json_int_t id);
/** How long a request may wait for an authorization (a person at the browser) at the most. */
#define MCP__CLIENT_AUTH_WAIT_MS 900000u
/** The request `id` waits for an authorization (`waiting`): its time limit is suspended, bounded
 * by MCP__CLIENT_AUTH_WAIT_MS (or its own timeout when longer) instead; or it is sent again
 * (!waiting): its own time limit starts afresh. An unknown id or a request without time limit
 * is left alone. */
MCP_HIDDEN void mcp__client_auth_wait(mcp_client_t *c, json_int_t id, bool waiting);
/** Complete `r` exactly once: its callback (or internal hook) runs, then it is released. */
MCP_HIDDEN void mcp__client_complete(mcp_client_t *c, mcp_client_request_t *r, int status,
                                     const json_t *result, const json_t *error,
                                     const char *message);
/** Create, link and send a request; see mcp_client_request_new(). `params` stolen. */
MCP_HIDDEN int mcp__client_start(mcp_client_t *c, const char *method, json_t *params,
                                 const mcp_client_call_opts_t *opts, const char *name,
                                 mcp__cera era, mcp__creq_done internal, mcp_client_result_fn cb,
                                 void *userdata, mcp_client_request_t **out);
/** `r` completed: its open questions no longer lead anywhere. */
MCP_HIDDEN void mcp__client_asks_orphan(mcp_client_t *c, mcp_client_request_t *r);
/** Free every open question (the connection closed, or the client is freed). */
MCP_HIDDEN void mcp__client_asks_free(mcp_client_t *c);
/** Drop a hold on `r` (see holds); releases it if it completed meanwhile. */
MCP_HIDDEN void mcp__client_req_unhold(mcp_client_request_t *r);
/** (Re)send `r` under a new id; its timeout starts again. */
MCP_HIDDEN int mcp__client_send_request(mcp_client_t *c, mcp_client_request_t *r);
MCP_HIDDEN int mcp__client_send_notification(mcp_client_t *c, const char *method, json_t *params);
MCP_HIDDEN void mcp__client_send_cancelled(mcp_client_t *c, mcp_client_request_t *r,
                                           const char *reason);
/** The 2026 _meta envelope (new reference). */
MCP_HIDDEN json_t *mcp__client_meta_envelope(mcp_client_t *c);

/** The capabilities the client declares, from the handlers set (new reference). */
MCP_HIDDEN json_t *mcp__client_capabilities(mcp_client_t *c);
/** clientInfo (new reference). */
MCP_HIDDEN json_t *mcp__client_info(mcp_client_t *c);
/** Link a new open question of `kind` on the client; NULL when out of memory. */
MCP_HIDDEN mcp_client_ask_t *mcp__client_ask_new(mcp_client_t *c, int kind);
/** Unlink and free a question. */
MCP_HIDDEN void mcp__client_ask_free(mcp_client_ask_t *a);

/* ops.c: the blocking forms' plumbing, shared with skills.c */
typedef struct mcp__csync {
    volatile int done;
    int status;
    json_t *result; /* status MCP_OK: a new reference */
    mcp_client_error_t err;
} mcp__csync;
/** The callback of a request a *_sync function waits for; `ud` is a zeroed mcp__csync. */
MCP_HIDDEN void mcp__client_sync_cb(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud);
/** Run the loop until the request started (returning `rc`) with mcp__client_sync_cb completes;
 * then fill `*result` (new reference, or NULL) and `err` as the *_sync functions do. */
MCP_HIDDEN int mcp__client_sync_wait(mcp_client_t *c, int rc, mcp__csync *s, json_t **result,
                                     mcp_client_error_t *err);
/** Every page of the list `method` (the `key` array of each), concatenated into `*items` (a new
 * array), following nextCursor (bounded; a repeated cursor is MCP_EPARSE). */
MCP_HIDDEN int mcp__client_list_all(mcp_client_t *c, const char *method, const char *key,
                                    json_t **items, mcp_client_error_t *err);

/* ask.c (receive.c routes to it) */
/** A 2025 server->client request; `related`: the id of the request it came with, or 0. */
MCP_HIDDEN void mcp__client_ask_request(mcp_client_t *c, const mcp__msg *m, json_int_t related);
/** The server cancelled its request `id` (borrowed). */
MCP_HIDDEN void mcp__client_ask_cancelled(mcp_client_t *c, const json_t *id);
/** A 2026 result: when it is input_required, ask the handlers and return true (the request is
 * retried or failed later); else false. */
MCP_HIDDEN bool mcp__client_input_required(mcp_client_t *c, mcp_client_request_t *r,
                                           const json_t *result);

#endif /* MCP_CLIENT_INTERNAL_H */
