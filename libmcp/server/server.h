/*
 * The server layer (libmcp/server/): the server object (server.c) and dispatch (dispatch.c),
 * the one entry every transport hands its messages to. It uses features, core and base.
 * Transports (libmcp/transport/) sit above it. Never installed.
 */
#ifndef MCP_SERVER_H
#define MCP_SERVER_H

#include "features/features.h"

/* ---- dispatch.c ----------------------------------------------------------------------------- */

/** Dispatch one inbound buffer that mcp__inbound_read() read (borrowed): its -32700 reply when
 * it is not JSON, a batch element by element, or the one message. Replies go to `s`. */
MCP_HIDDEN void mcp__server_receive_inbound(mcp__session *s, const mcp__inbound *in);
/** Read and dispatch one buffer (one STDIO line): mcp__inbound_read + the above. */
MCP_HIDDEN void mcp__server_receive(mcp__session *s, const char *buf, size_t len);

/* ---- middleware.c -------------------------------------------------------------------------- */

/** Run the request hooks on a new call (before mrtr and the handler). MCP_OK: go on;
 * MCP_HANDLED: a middleware answered (or failed: call->error set), finish the call now. */
MCP_HIDDEN int mcp__middleware_request(mcp_call_t *call);
/** Run the request hooks on a notification: false when a middleware dropped it. */
MCP_HIDDEN bool mcp__middleware_notification(mcp__session *s, const mcp__msg *m);
/** mcp_server_free(): release the chain (free_userdata of each). */
MCP_HIDDEN void mcp__middleware_free(mcp_server_t *srv);

/* ---- dispatch.c: the author's methods ---------------------------------------------------- */

/** mcp_server_free(): release the methods added with mcp_server_add_method(). */
MCP_HIDDEN void mcp__methods_free(mcp_server_t *srv);

/* ---- server.c ------------------------------------------------------------------------------- */

/** Register / unregister a started transport (loop thread). */
MCP_HIDDEN void mcp__server_add_transport(mcp_server_t *srv, mcp__transport *t);
MCP_HIDDEN void mcp__server_remove_transport(mcp_server_t *srv, mcp__transport *t);
/** The client will send nothing more on `s` (STDIO end of input): requests that only the client
 * could end (2026 subscriptions/listen) end gracefully now. */
MCP_HIDDEN void mcp__server_session_draining(mcp__session *s);
/** The session's transport is gone: the one clean-up entry. Sends are dropped from now on, open
 * questions fail with MCP_EIO, listen requests end; calls still running finish unheard. */
MCP_HIDDEN void mcp__server_session_end(mcp__session *s);

#endif /* MCP_SERVER_H */
