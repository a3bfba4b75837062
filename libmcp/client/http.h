/*
 * The client's HTTP transports (libmcp/client/http*.c): Streamable HTTP for both eras (http.c),
 * the legacy HTTP+SSE transport (http_legacy.c), and the Server-Sent Events parser and header
 * helpers they share (http_sse.c). Requests go through core/curl.c (libcurl, loaded on first use).
 * Private to those files; never installed.
 */
#ifndef MCP_CLIENT_HTTP_H
#define MCP_CLIENT_HTTP_H

#include "client/client.h"

/* ---- http_sse.c: a Server-Sent Events parser ---------------------------------------------------
 *
 * Fed any split of the bytes of a text/event-stream (CR, LF or CRLF line ends, comments, a
 * leading BOM); hands each complete event to a callback. A line or an event's data longer than
 * `max` bytes stops the parse with MCP_ELIMIT rather than grow without bound. Bytes of an event
 * cut off by the end of the stream are never delivered. */
typedef struct mcp__sse {
    char *line; /* the current line (unterminated) */
    size_t line_len, line_cap;
    char *data; /* the current event's data lines, joined with \n */
    size_t data_len, data_cap;
    bool has_data;     /* a data field was seen in this event */
    char event[64];    /* the event type ("" = message) */
    char last_id[256]; /* the last event id seen (kept across events, as the spec says) */
    long retry_ms;     /* the last retry field, or -1 */
    size_t max;        /* bound of a line and of an event's data */
    bool cr;           /* the previous byte was CR (a CRLF split across feeds) */
    bool started;      /* past the optional BOM */
} mcp__sse;

/** One event: its type ("message" when none was given), its data (NUL-terminated, `len`
 * bytes) and its id ("" when none). Return 0 to go on, anything else to stop the feed (it is
 * returned by mcp__sse_feed). */
typedef int (*mcp__sse_event_fn)(void *ud, const char *event, const char *data, size_t len,
                                 const char *id);

MCP_HIDDEN void mcp__sse_init(mcp__sse *p, size_t max);
/** Feed bytes. 0, MCP_ELIMIT (a line or event over the bound), MCP_ENOMEM, or what the callback
 * returned. */
MCP_HIDDEN int mcp__sse_feed(mcp__sse *p, const char *buf, size_t len, mcp__sse_event_fn fn,
                             void *ud);
/** Forget a partial event (a new stream); last_id and retry_ms are kept. */
MCP_HIDDEN void mcp__sse_restart(mcp__sse *p);
MCP_HIDDEN void mcp__sse_free(mcp__sse *p);

/* ---- http_legacy.c -------------------------------------------------------------------------- */

/** The 2024-11-05 HTTP+SSE transport: GET `url` for the event stream, POST to the endpoint its
 * first event names. */
MCP_HIDDEN int mcp__client_legacy_connect(mcp_client_t *c, const char *url,
                                          const mcp_client_http_opts_t *opts);

/* ---- http_sse.c: helpers both transports use ------------------------------------------------- */

/** The request headers every exchange carries: the caller's extra lines and the bearer token
 * (new NULL-terminated array of copies, or NULL when out of memory). */
MCP_HIDDEN char **mcp__chttp_headers(const mcp_client_http_opts_t *opts);
MCP_HIDDEN void mcp__chttp_headers_free(char **h);
/** A new string made printf-style, or NULL when out of memory. */
MCP_HIDDEN char *mcp__chttp_dupf(const char *fmt, ...) MCP_PRINTF(1, 2);
/** Content-Type `ctype` is `type` (case-insensitive, parameters allowed). */
MCP_HIDDEN bool mcp__chttp_ctype_is(const char *ctype, const char *type);

#endif /* MCP_CLIENT_HTTP_H */
