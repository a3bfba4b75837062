/*
 * Private to the HTTP files (httpd.c, http.c, sse.c, auth.c, eventstore.c) and app/app.h above
 * them: a libmicrohttpd daemon driven from the server's libuv loop, with the checks and plumbing
 * both HTTP transports share. Never installed.
 *
 * Threads: none of MHD's own. MHD runs in external-epoll mode: its epoll descriptor is watched by
 * a uv_poll_t, MHD_get_timeout() drives a uv_timer_t, and every callback below runs on the loop
 * thread inside MHD_run(). Connections waiting for a reply or for SSE data are suspended
 * (MHD_suspend_connection) and resumed from the loop when there is something to send.
 */
#ifndef MCP_HTTP_DAEMON_H
#define MCP_HTTP_DAEMON_H

#include "server/server.h"

#include <stdint.h>
#include <microhttpd.h>

#include "transport/mhd.h" /* every MHD_* call goes through the table loaded on first use */

typedef struct mcp__httpd mcp__httpd;
typedef struct mcp__hconn mcp__hconn;
typedef struct mcp__hsock mcp__hsock; /* one TCP connection (httpd.c) */

/** What a transport plugs into the daemon. */
typedef struct mcp__httpd_handler {
    /* Headers have arrived and passed the common checks (Origin, Host, CORS preflight). Return 0
     * to go on (the body is then read), or queue an error with mcp__hconn_error() and return -1. */
    int (*headers)(mcp__hconn *c);
    /* The whole request (headers and body) is here. Queue a response now with
     * mcp__hconn_respond()/mcp__hconn_sse(), or later (the connection waits, suspended). */
    void (*request)(mcp__hconn *c);
    /* The connection ended (response sent, client gone, or daemon stopping). `c->owner` is the
     * transport's; clear every pointer to `c` here: it is freed right after. */
    void (*closed)(mcp__hconn *c);
    /* Optional: the client of a request still waiting for its reply sent a FIN (it may only
     * have shut down its write side). The transport may turn the reply into an SSE stream
     * (mcp__hconn_sse) so that a probe write can tell a half-closed client from a gone one. */
    void (*half_closed)(mcp__hconn *c);
} mcp__httpd_handler;

/** One HTTP request (MHD's per-request context). */
struct mcp__hconn {
    mcp__httpd *d;
    struct MHD_Connection *mc;
    const char *method; /* MHD-owned, valid until `closed` */
    const char *url;    /* MHD-owned path (query string removed) */
    char *body;         /* request body (NUL-terminated), owned */
    size_t len, cap;
    void *owner;         /* the transport's object for this request */
    unsigned char state; /* internal */
    bool suspended, in_handler, too_big;
    bool staging;                     /* the stage answered MCP__STAGE_LATER and has not finished */
    bool staged;                      /* the stage finished later: continue on MHD's next call */
    bool expired;                     /* the request deadline passed: the connection is closing */
    bool store_looked;                /* http.c: its session was already looked up in the store, */
    bool store_events, store_claimed; /* its stream's events read, its requestState claimed */
    bool peer_fin;                    /* the client's FIN was seen (a probe write followed) */
    mcp__hsock *sock;                 /* its TCP connection (NULL once that is gone) */
    struct MHD_Response *ready;       /* a response to queue once resumed */
    unsigned ready_status;
    /* SSE output */
    bool sse, out_end, out_error;
    bool overflow; /* ended because its client did not read: more than cfg.max_out was queued */
    char *out;
    size_t olen, ooff, ocap;
    uint64_t last_write;       /* loop time (ms) of the last SSE write */
    mcp__hconn *sprev, *snext; /* the daemon's list of live requests (keep-alives, deadlines) */
    json_t *principal;         /* who the bearer token names (auth.c), owned; NULL: no auth,
                                  a static token, or a validator that names no one */
    char who[68]; /* the key quotas count by: "p:" + a hash of the principal, or "a:" + the
                     client's address when the request names no principal */
};

typedef struct mcp__httpd_config {
    const char *host; /* numeric or name; NULL = 127.0.0.1 */
    unsigned port;    /* 0 = any free port */
    const char *tls_cert_file, *tls_key_file;
    const char *const *allowed_origins; /* extra allowed Origin values (NULL-terminated) */
    bool cors;
    size_t max_body;
    unsigned max_connections, max_per_ip, connection_timeout_s;
    size_t connection_memory;
    unsigned keepalive_ms;
    unsigned request_deadline_ms; /* headers + body must arrive within this (0 = 30 s) */
    unsigned max_streams_who;     /* open SSE streams per principal/address (0 = no limit) */
    size_t max_out;               /* SSE output queued per stream (0 = no limit): past it the
                                     stream ends (flushed, then closed) or, with out_abort, is
                                     closed at once */
    bool out_abort;
    bool reuse_port;  /* SO_REUSEPORT on the listener (several processes share the port) */
    const char *name; /* for log lines: "http" or "sse" */
    /* A stage every request passes after the Origin/Host checks and before its body is read or
     * the transport sees it (the transports install authorization here: mcp__auth_install).
     * Returns 0 to go on, or -1 once it has queued the answer. NULL: none. The daemon owns
     * `stage_state` from mcp__httpd_start() on and frees it with stage_free when it closes.
     * MCP__STAGE_LATER: the stage needs to wait (a key set being fetched): the request is
     * suspended, without blocking the loop, until the stage calls mcp__hconn_stage_done(), having
     * queued its answer or not; stage_cancel is called instead if the connection ends first. */
    int (*stage)(mcp__hconn *c, void *stage_state);
    void *stage_state;
    void (*stage_free)(void *stage_state);
    void (*stage_cancel)(mcp__hconn *c, void *stage_state);
    const char *endpoints[3]; /* the transport's paths, NULL-terminated: metadata URLs and the
                                 resource URI are built from endpoints[0] */
} mcp__httpd_config;

struct mcp__httpd {
    mcp_server_t *srv;
    uv_loop_t *loop;
    struct MHD_Daemon *mhd;
    const mcp__httpd_handler *h;
    void *owner; /* the transport */
    mcp__httpd_config cfg;
    char **origins;           /* copied allowlist */
    bool loopback;            /* bound to a loopback address: check Host */
    unsigned port;            /* the port actually bound */
    char *tls_cert, *tls_key; /* PEM contents */
    int listen_fd;
    uv_poll_t poll;
    uv_timer_t timer; /* MHD_get_timeout() */
    uv_timer_t keepalive;
    uv_timer_t deadline;           /* the request deadline of the queue's head */
    mcp__hsock *dl_head, *dl_tail; /* connections whose request is still arriving, oldest
                                   deadline first */
    bool in_run, kick_pending, stopped, tls;
    int open_handles;
    void (*on_closed)(mcp__httpd *d); /* every uv handle closed: free the owner */
    mcp__hconn *sse;                  /* every live request (not only SSE streams): link_conn() */
    size_t nsse;
    size_t nconns;         /* live hconns */
    struct mcp__quota *sq; /* open SSE streams per c->who */
};

/* ---- quotas: counts per principal (mcp__hconn.who) ------------------------------------------ */

typedef struct mcp__quota mcp__quota;

/** An empty table (NULL when out of memory). */
MCP_HIDDEN mcp__quota *mcp__quota_new(void);
MCP_HIDDEN void mcp__quota_free(mcp__quota *q);
/** The count of `key` (0 when absent). */
MCP_HIDDEN unsigned mcp__quota_get(const mcp__quota *q, const char *key);
/** Add +1 or -1 to the count of `key`; an entry is freed at 0. -1 when out of memory. */
MCP_HIDDEN int mcp__quota_add(mcp__quota *q, const char *key, int delta);

/** Start a daemon (the listening socket is bound here). MCP_OK, MCP_EIO (with a log line),
 * MCP_EINVAL (bad host / TLS files) or MCP_ENOMEM. `d` is the caller's zeroed storage. */
/** Bind (never listen) an SO_REUSEPORT socket on host:*port so processes listening there with
 * reuse_port share it; *port 0 becomes the port found. Holding it keeps the port while those
 * processes come and go; it gets no connections. The socket, or -1 with `err` filled. */
MCP_HIDDEN int mcp__httpd_hold_port(const char *host, unsigned *port, char *err, size_t errsize);
MCP_HIDDEN int mcp__httpd_start(mcp__httpd *d, mcp_server_t *srv, const mcp__httpd_config *cfg,
                                const mcp__httpd_handler *h, void *owner);
/** Stop listening (new connections are refused); existing ones go on. */
MCP_HIDDEN void mcp__httpd_quiesce(mcp__httpd *d);
/** Close every connection and the daemon now; `on_closed` runs once the uv handles are closed,
 * or at once when none was open (a daemon whose start failed). */
MCP_HIDDEN void mcp__httpd_close(mcp__httpd *d, void (*on_closed)(mcp__httpd *d));
/** Milliseconds of loop time now. */
MCP_HIDDEN uint64_t mcp__httpd_now(mcp__httpd *d);

/** A request header (case-insensitive name) or NULL. */
MCP_HIDDEN const char *mcp__hconn_header(mcp__hconn *c, const char *name);
/** The client's IP address as text (new string, owned by the caller), or NULL. */
MCP_HIDDEN char *mcp__hconn_peer(mcp__hconn *c);
/** A query argument or NULL. */
MCP_HIDDEN const char *mcp__hconn_arg(mcp__hconn *c, const char *name);
/** True when the Accept header allows `type` ("application/json" or "text/event-stream");
 * `*` wildcards count. A missing header allows nothing. */
MCP_HIDDEN bool mcp__hconn_accepts(mcp__hconn *c, const char *type);
/** True when Content-Type is application/json (parameters allowed). */
MCP_HIDDEN bool mcp__hconn_json_body(mcp__hconn *c);

/** A response with a copy of `body` (may be NULL/0); common headers (CORS) added. */
MCP_HIDDEN struct MHD_Response *mcp__hconn_response(mcp__hconn *c, const char *ctype,
                                                    const char *body, size_t len);
/** Queue `r` with `status` (takes the reference), now or once the connection is resumed. */
MCP_HIDDEN void mcp__hconn_respond(mcp__hconn *c, unsigned status, struct MHD_Response *r);
/** Respond with a JSON-RPC error body (id null) — or no body when code is 0. */
MCP_HIDDEN void mcp__hconn_error(mcp__hconn *c, unsigned status, int code, const char *fmt, ...)
    MCP_PRINTF(4, 5);
/** Respond with a JSON value (borrowed) as the body. */
MCP_HIDDEN void mcp__hconn_json(mcp__hconn *c, unsigned status, const json_t *body, const char *h1,
                                const char *v1);
/** May c->who open one more SSE stream (cfg.max_streams_who)? */
MCP_HIDDEN bool mcp__hconn_stream_allowed(const mcp__hconn *c);
/** Start an SSE response (200, text/event-stream) with up to two extra headers (NULL = none).
 * -1 (nothing queued) when c->who already has cfg.max_streams_who streams open. */
MCP_HIDDEN int mcp__hconn_sse(mcp__hconn *c, const char *h1, const char *v1);
/** Append raw SSE text; resumes the connection. Past cfg.max_out the stream ends instead
 * (c->overflow; see out_reserve in httpd.c). */
MCP_HIDDEN void mcp__hconn_write(mcp__hconn *c, const char *data, size_t len);
/** Append one SSE event: optional id and event name, `data` on one line. */
MCP_HIDDEN void mcp__hconn_event(mcp__hconn *c, const char *id, const char *event, const char *data,
                                 size_t len);
/** Bytes of SSE output queued for the client and not yet taken by the socket. */
MCP_HIDDEN size_t mcp__hconn_queued(const mcp__hconn *c);
/** End the SSE stream once its data is flushed (error: abort the connection instead). */
MCP_HIDDEN void mcp__hconn_end(mcp__hconn *c, bool error);

#define MCP__STAGE_LATER 1
/** The stage that answered MCP__STAGE_LATER for `c` has finished: with an answer queued
 * (mcp__hconn_error & co.), or none to let the request go on. Call from the loop thread. */
MCP_HIDDEN void mcp__hconn_stage_done(mcp__hconn *c);

/* ---- authorization (auth.c) ---------------------------------------------------------------- */

typedef struct mcp__auth mcp__auth;

/** Install the authorization fields of `o` (may be NULL) as `cfg`'s stage: bearer tokens and the
 * RFC 9728 metadata document for cfg->endpoints. Nothing is installed when `o` asks for none.
 * MCP_OK, or MCP_EINVAL (bad configuration, logged) / MCP_ENOMEM. */
MCP_HIDDEN int mcp__auth_install(mcp__httpd_config *cfg, mcp_server_t *srv,
                                 const mcp_http_opts_t *o);
/** The stage itself (state: the mcp__auth): 0 to go on, -1 when it answered (401/403/400, the
 * metadata document). Sets c->principal on success. */
MCP_HIDDEN int mcp__auth_request(mcp__hconn *c, void *state);
/** Answer `reply` (borrowed: a JSON-RPC error the core classed MCP__REPLY_FORBIDDEN, whose
 * error.data.scope names the scopes needed) with 403 and a Bearer challenge: error=
 * "insufficient_scope", scope="...", resource_metadata="..." (MCP 2025-11-25 step-up). */
MCP_HIDDEN void mcp__auth_forbidden(mcp__hconn *c, const json_t *reply);
/** True when a request presented by `request` may use a session created by `session`. */
MCP_HIDDEN bool mcp__auth_same(const json_t *session, const json_t *request);

/* ---- built-in token validators (verify.c) ------------------------------------------------ */

typedef struct mcp__verifier mcp__verifier;
/** How a parked check ends: `status` 0 (accepted; `principal` a reference the callee takes),
 * 401 or 503. Runs on the loop thread, from a fetch's callback. */
typedef void (*mcp__verifier_done)(mcp__hconn *c, int status, json_t *principal);
/** The JWT (jwks_url / jwks_file) or introspection validator `o` asks for, in *out (NULL when
 * none). MCP_OK, MCP_EINVAL (bad configuration or unusable key set, logged), MCP_ENOMEM. */
MCP_HIDDEN int mcp__verifier_new(mcp_server_t *srv, const char *name, const mcp_http_opts_t *o,
                                 mcp__verifier_done done, mcp__verifier **out);
MCP_HIDDEN void mcp__verifier_free(mcp__verifier *v);
/** The configured audience, or NULL (then the resource URI is the audience). */
MCP_HIDDEN const char *mcp__verifier_audience(const mcp__verifier *v);
/** Check `tok` for `audience`: 0 with *principal (a new reference), 401, 503, or
 * MCP__STAGE_LATER (parked: `done` runs later for `c`). The token is never logged. */
MCP_HIDDEN int mcp__verifier_check(mcp__verifier *v, mcp__hconn *c, const char *tok, size_t n,
                                   const char *audience, json_t **principal);
/** Forget `c` (its connection ended while parked): `done` never runs for it. */
MCP_HIDDEN void mcp__verifier_cancel(mcp__verifier *v, mcp__hconn *c);

/* ---- event store (eventstore.c): resumability of SSE streams ------------------------------ */

/** One stored event handed back by replay (data borrowed for the callback's duration). */
typedef void (*mcp__es_replay_fn)(void *ud, uint64_t seq, const char *data, size_t len);

/**
 * Where SSE events wait for a client that reconnects with Last-Event-ID on this replica (with a
 * shared store, http.c also keeps them there for the other replicas). Keys are (session id, stream
 * number); sequence numbers grow by one per event within a stream.
 */
typedef struct mcp__eventstore {
    /* Keep a copy of one event. 0, or -1 when it cannot be kept (replay then ends short). */
    int (*append)(struct mcp__eventstore *es, const char *session, unsigned stream, uint64_t seq,
                  const char *data, size_t len);
    /* Call `fn` for each event of the stream with seq > after, in order. Returns the number
     * replayed, or -1 when events after `after` were lost (evicted). */
    long (*replay)(struct mcp__eventstore *es, const char *session, unsigned stream, uint64_t after,
                   mcp__es_replay_fn fn, void *ud);
    /* Forget one stream (stream != 0) or every stream of a session (stream == 0). */
    void (*forget)(struct mcp__eventstore *es, const char *session, unsigned stream);
    void (*destroy)(struct mcp__eventstore *es);
} mcp__eventstore;

/** The in-memory store: keeps at most `max_bytes` of event data, evicting oldest first. */
MCP_HIDDEN mcp__eventstore *mcp__eventstore_memory(size_t max_bytes);

#endif /* MCP_HTTP_DAEMON_H */
