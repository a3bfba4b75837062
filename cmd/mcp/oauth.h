/*
 * The OAuth login options that mcp (cmd/mcp/) and mcp-proxy (cmd/mcp-proxy/, which links
 * cmd/mcp/oauth.c too) share, for a server reached by URL:
 *   --oauth                    log in when the server asks (401); implied by a saved login
 *   --client-id ID             a pre-registered client (else CIMD or dynamic registration)
 *   --client-secret-file F     its secret (first line of F); else $MCP_CLIENT_SECRET, never argv
 *   --client-metadata-url URL  this client's Client ID Metadata Document
 *   --scope S                  the scopes to ask for
 *   --redirect-port N          the loopback redirect listener's port (default: the saved
 *                              login's, else a free one)
 *   --no-browser               only print the authorization URL (on stderr)
 *   --client-credentials       the client_credentials grant (needs --client-id and a secret)
 *   --oauth-state FILE         where the login is kept (default: mcp_client_oauth_state_path())
 */
#ifndef MCP_CMD_OAUTH_H
#define MCP_CMD_OAUTH_H

#include <mcp_client.h>

typedef struct mcp_cli_oauth {
    int enabled; /* --oauth (or one of the options that only make sense with it) */
    int no_browser, client_credentials, redirect_port;
    const char *client_id, *secret_file, *metadata_url, *scope, *state_file;
    /* set by mcp_cli_oauth_setup() */
    char *secret;
    char path[4096];
    json_t *saved;
    mcp_client_login_t *login;
} mcp_cli_oauth;

/** The help text of the options above (for usage messages). */
extern const char mcp_cli_oauth_help[];

/**
 * If argv[*i] is one of the options above, take it (and its value: *i advances) and return 1;
 * 0 when it is not one; -1 after printing why (prefixed with `prog`) when its value is missing
 * or bad.
 */
int mcp_cli_oauth_option(mcp_cli_oauth *o, int argc, char **argv, int *i, const char *prog);

/**
 * Before mcp_client_connect_url(c, url): read the secret and the saved login, start the redirect
 * listener and call mcp_client_set_oauth() when --oauth was given or a login is saved for `url`.
 * 0 (also when OAuth is not wanted), or -1 after printing why (a usage problem).
 */
int mcp_cli_oauth_setup(mcp_cli_oauth *o, mcp_client_t *c, const char *url, const char *prog);

/** Release what setup made, before or after mcp_client_free() (the listener closes on the
 * client's loop: run it afterwards). */
void mcp_cli_oauth_free(mcp_cli_oauth *o);

/** Log out of `url`: revoke the saved login's tokens at its authorization server (RFC 7009,
 * best effort within `timeout_ms`, with o's client secret when the login has none; a failure is
 * said on stderr), then remove the saved login (o->state_file or the default). 0 removed or
 * none, -1 after printing (the file could not be removed). */
int mcp_cli_oauth_logout(const mcp_cli_oauth *o, const char *url, unsigned timeout_ms,
                         const char *prog);

#endif /* MCP_CMD_OAUTH_H */
