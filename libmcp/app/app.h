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
/** --workers: check the HTTP flags allow it (--http, no --sse), imply --stateless for 2025-era
 * clients (a line on stderr says so), set reuse_port, and hold the port with a bound SO_REUSEPORT
 * socket (port 0 becomes the one found). Returns that socket, or -1 (a line was printed).
 * *grace_ms: the workers' --grace. */
MCP_HIDDEN int mcp__http_cli_workers(struct mcp__http_cli *c, unsigned workers, unsigned *grace_ms,
                                     const char *argv0);

/* ---- cli_scale.c: the signing key and --workers ------------------------------------------- */

#define MCP__MAX_WORKERS 64

struct mcp__scale_cli {
    const char *key_file; /* --state-key-file */
    unsigned workers;     /* --workers (0: none) */
};
/** Usage lines for --state-key-file and --workers. */
MCP_HIDDEN extern const char *const mcp__scale_cli_usage;
/** argv[*i] is --state-key-file or --workers: 1 (consumed), 0 (not one), -1 (bad; printed). */
MCP_HIDDEN int mcp__scale_cli_flag(struct mcp__scale_cli *c, int argc, char **argv, int *i,
                                   const char *argv0);
/** Set the requestState key from --state-key-file, else MCP_STATE_KEY (removed from the
 * environment), else with --workers a random one shared by all workers. 0, or -1 (printed). */
MCP_HIDDEN int mcp__scale_cli_key(mcp_server_t *srv, const struct mcp__scale_cli *c,
                                  const char *argv0);
/** Fork the workers and supervise them. Returns -1 in each worker (go on serving), or in the
 * parent once every worker has stopped: its exit status (0 clean, 1 otherwise). Call before the
 * server has an event loop. */
MCP_HIDDEN int mcp__scale_cli_supervise(const struct mcp__scale_cli *c, int hold_fd,
                                        unsigned grace_ms, const char *argv0);

#endif /* MCP_APP_H */
