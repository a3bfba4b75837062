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
