/*
 * The app layer (libmcp/app/): conveniences over the whole library — mcp_server_main()'s command
 * line (cli.c, cli_http.c) and the plugin loader (plugin.c). Never installed.
 */
#ifndef MCP_APP_H
#define MCP_APP_H

#include "client/client.h"

/* ---- cli_http.c: the HTTP flags of mcp_server_main() ---------------------------------------- */

/** mcp_server_main()'s HTTP flags (--http, --sse, ...), parsed into an opaque struct. */
struct mcp__http_cli;
/** Usage lines for the HTTP flags. */
MCP_HIDDEN extern const char *const mcp__http_cli_usage;
/** argv[*i] is an HTTP flag: 1 (consumed, *i advanced past its value), 0 (not one), -1 (bad; a
 * line was printed). *c is allocated on the first flag. */
MCP_HIDDEN int mcp__http_cli_flag(struct mcp__http_cli **c, int argc, char **argv, int *i,
                                  const char *argv0);
/** True when --http or --sse was given. */
MCP_HIDDEN bool mcp__http_cli_wanted(const struct mcp__http_cli *c);
/** Start the transports asked for (prints their URLs to stderr). MCP_OK or an error (printed). */
MCP_HIDDEN int mcp__http_cli_start(mcp_server_t *srv, struct mcp__http_cli *c, const char *argv0);
MCP_HIDDEN void mcp__http_cli_free(struct mcp__http_cli *c);

#endif /* MCP_APP_H */
