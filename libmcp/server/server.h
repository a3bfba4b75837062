/*
 * The server layer (libmcp/server/): the server object (server.c) and dispatch (dispatch.c),
 * the one entry every transport hands its messages to. It uses features, core and base.
 * Transports (libmcp/transport/) sit above it. Never installed.
 */
#ifndef MCP_SERVER_H
#define MCP_SERVER_H

#include "features/features.h"

/* ---- dispatch.c ----------------------------------------------------------------------------- */

/** Handle one inbound message buffer (one STDIO line / one HTTP body) for session `s`. */
MCP_HIDDEN void mcp__server_receive(mcp__session *s, const char *buf, size_t len);
/** The same for a message the transport already parsed (borrowed; may be modified). */
MCP_HIDDEN void mcp__server_receive_msg(mcp__session *s, json_t *msg);

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
