/*
 * The client layer (libmcp/client/): the MCP client of include/mcp_client.h. It sits above
 * transport/ and below app/: the in-memory transport (memory.c) hands messages straight to the
 * server's dispatch (server/server.h). Never installed.
 *
 * Files: client.c (the object, ids, the pending-call table, completion exactly once, timeouts,
 * incoming messages), handshake.c (server/discover and initialize, the _meta envelope), ops.c
 * (the protocol's requests and the blocking forms), ask.c (what servers ask, both eras),
 * stdio.c (spawned server), memory.c (in-process server), url.c (mcp_client_connect_url(): the
 * factory the HTTP transports register in).
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
/** stdio.c: the spawned process's exit status and captured stderr, for the public getters. */
MCP_HIDDEN void mcp__client_set_exit_status(mcp_client_t *c, int status);

/* ---- url.c: transports for URLs ---------------------------------------------------------------
 */

/** Open a Streamable HTTP (or, with opts->legacy_sse, HTTP+SSE) transport for the http(s) `url`
 * on `c` and attach it; mcp_client_connect_url() calls it after checking the scheme. The HTTP
 * client file(s) define it (libcurl via dlopen); until they exist url.c answers MCP_EIO. */
MCP_HIDDEN int mcp__client_http_connect(mcp_client_t *c, const char *url,
                                        const mcp_client_http_opts_t *opts);

/* ---- stdio.c, memory.c: captured stderr -------------------------------------------------------
 */

MCP_HIDDEN const char *mcp__cstdio_stderr_text(mcp__ctransport *t);

#endif /* MCP_CLIENT_INTERNAL_H */
