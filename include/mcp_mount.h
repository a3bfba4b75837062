/*
 * libmcp mounting: re-expose another MCP server's tools, resources, templates and prompts on a
 * libmcp server, the way FastMCP's mount() and a proxy do. The other server is reached with an
 * mcp_client_t (mcp_client.h): in the same process (mcp_client_connect_server()), a spawned
 * STDIO program (mcp_client_connect_stdio()) or a URL (mcp_client_connect_url()).
 *
 *   uv_loop_t *loop = ...;                       one loop for both
 *   mcp_server_t *srv = mcp_server_new("gateway", "1.0");
 *   mcp_server_attach(srv, loop);
 *   mcp_client_t *c = mcp_client_new(loop, "gateway", "1.0");
 *   mcp_client_connect_url(c, "https://example.com/mcp", NULL);
 *   mcp_server_mount(srv, c, "weather", NULL);    tools appear as weather_<name>
 *
 * What is forwarded, both ways:
 *   - calls: tools/call, resources/read (static resources and templates), prompts/get and
 *     completion/complete go to the mounted server; its results come back verbatim (content,
 *     structuredContent, isError, _meta); its JSON-RPC errors come back as errors;
 *   - progress of a call, and cancellation of a call by the real client;
 *   - the mounted server's log messages: to the call in progress, else to every session;
 *   - the mounted server's questions (sampling, elicitation, roots): asked of the real client
 *     through the call in progress (its most recent one when several run), answers returned;
 *   - notifications/{tools,resources,prompts}/list_changed from the mounted server: the
 *     re-exposed lists are read again and the differences added and removed (the real clients
 *     are told in turn).
 * Names: with a prefix P, tools and prompts are exposed as "P_name" and resource URIs and
 * templates as "scheme://P/rest" (a URI without "://" as "P/uri"); with an empty or NULL prefix
 * they are exposed unchanged (a proxy). Items that libmcp cannot register (a name or schema it
 * refuses) are skipped with a line in the server's log.
 *
 * Authorization: the real client's principal does not reach the mounted server (its handlers
 * see none, and mcp_call_has_scope() answers 1 there). The required scopes (`.scopes`) of an
 * in-process server's items are registered with the re-exposed items, so this server lists and
 * refuses them exactly as its own; a STDIO or remote server's lists carry no scopes: it checks
 * the credentials of the mount's own client.
 *
 * Limits: questions are forwarded through calls of 2025-era sessions (a 2026-07-28 request
 * cannot wait for a question of the mounted server: it ends with an error saying so);
 * resource subscriptions are not forwarded.
 */
#ifndef MCP_MOUNT_H
#define MCP_MOUNT_H

#include "mcp.h"
#include "mcp_client.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Mount the server `client` is connected to on `srv` under `prefix` (copied; NULL or "" for
 * none). `client` must be connected, not yet initialized, and live on the server's loop
 * (mcp_server_attach() first, then mcp_client_new(mcp_server_loop(srv), ...)). The call blocks:
 * it initializes the client and reads every list, running the loop (call it before serving, and
 * never from a callback). On success the server owns `client`: it is closed when the server
 * stops serving (its last transport closed) and freed with the server; do not free it yourself.
 * On failure the caller still owns it. Returns MCP_OK, MCP_EINVAL (NULL argument, another
 * loop), MCP_EIO / MCP_ETIMEDOUT / MCP_EREMOTE (the handshake or a list failed; `err` says why)
 * or MCP_ENOMEM. `err` may be NULL.
 */
MCP_API int mcp_server_mount(mcp_server_t *srv, mcp_client_t *client, const char *prefix,
                             mcp_error_t *err);

#ifdef __cplusplus
}
#endif

#endif /* MCP_MOUNT_H */
