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
 *   - the mounted server's log messages: one that belongs to a forwarded call (the transport
 *     tells: mcp_client_notification_request(), as for questions below) to that call's real
 *     client only (dropped while the call is held for a retry); one that nothing relates (the
 *     mounted server's own log, its log over STDIO or legacy HTTP+SSE, which do not tell) goes
 *     to the call in progress when every call in progress is one session's (a proxy's usual
 *     case), else it is this server's log, sent to every 2025-era session whose level passes
 *     (mcp_server_log_clients()), never to a call of another session. Progress goes by its
 *     call's progressToken, so to that call only;
 *   - the mounted server's questions (sampling, elicitation, roots), asked of the real client
 *     whose call caused them, answers returned. Which call that is, the transport tells
 *     (mcp_client_ask_request()): a 2026 mounted server's input_required answers that call; a
 *     2025 one's question comes on that call's Streamable HTTP response stream, or in process
 *     from that call. Over STDIO (or the HTTP GET stream, or legacy HTTP+SSE) nothing tells:
 *     the question goes to the call in progress only when there is no doubt (one call, or all
 *     of them from one session of the real clients; else one held call); with calls of several
 *     sessions in progress it is refused (-32603 to the mounted server, saying so) rather than
 *     shown to a client it may not belong to;
 *       a 2025-era real client gets them as requests of its own;
 *       a 2026-07-28 real client gets them in an `input_required` result and answers by retrying
 *       its request (inputResponses and the requestState this server signed). A 2026 mounted
 *       server's own input_required is relayed: each question under the key "r<round>.<its
 *       key>", and the retry runs the mounted server's request afresh, whose questions then find
 *       their answers (any replica can serve the retry: nothing is held). A 2025 mounted server
 *       asks inside a call that cannot run twice: that call is held here, its questions keyed
 *       "h<32 hex digits>.<n>", and the retry carrying those keys takes it up again (several
 *       rounds if it asks again). At most MCP_LIMIT_MOUNT_HELD (64) held calls per mount (past
 *       it the question is refused, and the mounted server decides what its call does), each for
 *       MCP_LIMIT_MOUNT_HELD_MS (2 min) before it is cancelled (the mounted server may give up
 *       sooner: a libmcp one waits MCP_LIMIT_REQUEST_TIMEOUT_MS). Only the process that holds the
 *       call can take it up: behind a load balancer, the retry must reach the same replica (or
 *       it fails with an error saying so; the requestState itself checks out on any replica
 *       sharing the key). The held id is 128 random bits known only to the client asked, and is
 *       taken only by a retry whose own requestState (signed for its principal) asked that key,
 *       for the same tool, prompt or resource;
 *   - resource subscriptions: a real client's resources/subscribe (2025) or the
 *     resourceSubscriptions of its subscriptions/listen (2026) naming a URI of a mounted
 *     resource or template subscribe on the mounted server (resources/subscribe there, or a
 *     subscriptions/listen request replaced when the URIs change), and unsubscribing, ending the
 *     listen request or closing the session drop it when no one else here wants it; its
 *     notifications/resources/updated reach the subscribers with the URI as exposed here. Only
 *     when the mounted server declares resources.subscribe. Each process follows its own
 *     sessions' subscriptions (replicas sharing a store each subscribe for theirs);
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
 * Limits: a relayed 2026 mounted server's request is sent again for each retry of the real
 * client (its handlers are meant to run again, as 2026-07-28 says); a 2025 mounted server's
 * question not answered by a retry within MCP_LIMIT_MOUNT_HELD_MS ends its call.
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
