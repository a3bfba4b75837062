/*
 * OAuth login for mcp and mcp-proxy (cmd/mcp/oauth.h): options, the secret, the saved login, the
 * loopback redirect listener and the browser (libmcp's "Desktop login", include/mcp_client.h).
 */
#include "oauth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET_MAX 4096

const char mcp_cli_oauth_help[] =
    "  --oauth              log in when the server asks (OAuth); implied by a saved login\n"
    "  --client-id ID       a pre-registered OAuth client (default: registration)\n"
    "  --client-secret-file F  its secret, from F (else $MCP_CLIENT_SECRET)\n"
    "  --client-metadata-url URL  this client's Client ID Metadata Document\n"
    "  --scope S            the scopes to ask for (default: what the server names)\n"
    "  --redirect-port N    the login's loopback redirect port (default: the saved one,\n"
    "                       else a free one)\n"
    "  --no-browser         do not start a browser; the login address is printed on stderr\n"
    "  --client-credentials log in as the client itself (no browser; needs --client-id)\n"
    "  --oauth-state FILE   keep the login in FILE (default ~/.local/state/mcp/oauth/...)\n";

int mcp_cli_oauth_option(mcp_cli_oauth *o, int argc, char **argv, int *i, const char *prog)
{
    const char *a = argv[*i];
    static const char *const valued[] = {
        "--client-id", "--client-secret-file", "--client-metadata-url",
        "--scope",     "--redirect-port",      "--oauth-state",
        NULL};
    int k;
    if (strcmp(a, "--oauth") == 0) {
        o->enabled = 1;
        return 1;
    }
    if (strcmp(a, "--no-browser") == 0) {
        o->no_browser = 1;
        return 1;
    }
    if (strcmp(a, "--client-credentials") == 0) {
        o->enabled = o->client_credentials = 1;
        return 1;
    }
    for (k = 0; valued[k] && strcmp(a, valued[k]) != 0; k++)
        ;
    if (!valued[k])
        return 0;
    if (*i + 1 >= argc || !argv[*i + 1][0]) {
        fprintf(stderr, "%s: %s needs a value\n", prog, a);
        return -1;
    }
    a = argv[++*i];
    switch (k) {
    case 0:
        o->client_id = a;
        o->enabled = 1;
        break;
    case 1:
        o->secret_file = a;
        o->enabled = 1;
        break;
    case 2:
        if (strncmp(a, "https://", 8) != 0) {
            fprintf(stderr, "%s: --client-metadata-url must be an https:// URL\n", prog);
            return -1;
        }
        o->metadata_url = a;
        o->enabled = 1;
        break;
    case 3:
        o->scope = a;
        break;
    case 4: {
        char *end;
        long port = strtol(a, &end, 10);
        if (*end || port < 1 || port > 65535) {
            fprintf(stderr, "%s: --redirect-port takes a port number (1..65535)\n", prog);
            return -1;
        }
        o->redirect_port = (int)port;
        break;
    }
    default:
        o->state_file = a;
        break;
    }
    return 1;
}

/* The first line of `file`, at most SECRET_MAX bytes; NULL after printing why. */
static char *read_secret(const char *file, const char *prog)
{
    char *buf = malloc(SECRET_MAX + 2);
    FILE *f = fopen(file, "r");
    size_t n;
    if (!buf || !f) {
        fprintf(stderr, "%s: cannot read the client secret from %s: %s\n", prog, file,
                strerror(errno));
        free(buf);
        if (f)
            fclose(f);
        return NULL;
    }
    n = fread(buf, 1, SECRET_MAX + 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (n > SECRET_MAX || !buf[0]) {
        fprintf(stderr, "%s: %s: the client secret must be one line of 1..%d bytes\n", prog, file,
                SECRET_MAX);
        free(buf);
        return NULL;
    }
    return buf;
}

/* save(): the library's state plus the redirect URI the client was registered with, so that the
 * next run listens on the same port (an authorization server may hold a registered client to its
 * exact redirect URI). */
static void save_state(mcp_client_t *c, const json_t *state, void *ud)
{
    mcp_cli_oauth *o = ud;
    json_t *copy = json_deep_copy(state);
    if (copy && o->login)
        json_object_set_new(copy, "redirect_uri",
                            json_string(mcp_client_login_redirect_uri(o->login)));
    mcp_client_oauth_state_save(c, copy ? copy : state, o->path);
    json_decref(copy);
}

/* The port of a saved "http://127.0.0.1:PORT/callback", or 0. */
static int saved_port(const json_t *saved)
{
    const char *uri = json_string_value(json_object_get(saved, "redirect_uri"));
    char *end;
    long port;
    if (!uri || strncmp(uri, "http://127.0.0.1:", 17) != 0)
        return 0;
    port = strtol(uri + 17, &end, 10);
    return strcmp(end, "/callback") == 0 && port > 0 && port <= 65535 ? (int)port : 0;
}

int mcp_cli_oauth_setup(mcp_cli_oauth *o, mcp_client_t *c, const char *url, const char *prog)
{
    mcp_client_oauth_opts_t opts;
    const char *env = getenv("MCP_CLIENT_SECRET");
    int rc;
    if (o->state_file)
        snprintf(o->path, sizeof o->path, "%s", o->state_file);
    else if ((rc = mcp_client_oauth_state_path(url, o->path, sizeof o->path)) != MCP_OK)
        o->path[0] = '\0'; /* no HOME: the login is not kept */
    if (o->path[0]) {
        rc = mcp_client_oauth_state_load(o->path, &o->saved);
        if (rc == MCP_OK)
            o->enabled = 1; /* a saved login implies --oauth */
        else if (rc != MCP_ENOTFOUND)
            fprintf(stderr, "%s: ignoring the saved login %s: %s (mode must be 0600, owner you)\n",
                    prog, o->path, mcp_strerror(rc));
    }
    if (!o->enabled)
        return 0;
    if (o->secret_file && !(o->secret = read_secret(o->secret_file, prog)))
        return -1;
    if (!o->secret && env && env[0] && !(o->secret = strdup(env)))
        return -1;
    if (o->client_credentials && (!o->client_id || !o->secret)) {
        fprintf(stderr,
                "%s: --client-credentials needs --client-id and a secret "
                "($MCP_CLIENT_SECRET or --client-secret-file)\n",
                prog);
        return -1;
    }
    memset(&opts, 0, sizeof opts);
    if (!o->client_credentials) {
        mcp_client_login_opts_t lo;
        memset(&lo, 0, sizeof lo);
        lo.port = o->redirect_port ? o->redirect_port : saved_port(o->saved);
        lo.no_browser = o->no_browser;
        lo.program = prog;
        o->login = mcp_client_login_new(c, &lo);
        if (!o->login && !o->redirect_port && lo.port) { /* the saved port is taken */
            fprintf(stderr, "%s: port %d of the saved login is in use: another one instead\n", prog,
                    lo.port);
            lo.port = 0;
            o->login = mcp_client_login_new(c, &lo);
        }
        if (!o->login) {
            fprintf(stderr, "%s: %s\n", prog, mcp_client_last_error(c));
            return -1;
        }
        opts.redirect_uri = mcp_client_login_redirect_uri(o->login);
        opts.authorize = mcp_client_login_authorize;
        opts.authorize_userdata = o->login;
    }
    opts.client_id = o->client_id;
    opts.client_secret = o->secret;
    opts.client_metadata_url = o->metadata_url;
    opts.scope = o->scope;
    opts.client_credentials = o->client_credentials;
    opts.saved = o->saved;
    if (o->path[0]) {
        opts.save = save_state;
        opts.save_userdata = o;
    }
    rc = mcp_client_set_oauth(c, &opts);
    if (rc == MCP_EINVAL && opts.saved) { /* a saved login this version cannot use: log in anew */
        fprintf(stderr, "%s: ignoring the saved login %s: not usable\n", prog, o->path);
        opts.saved = NULL;
        rc = mcp_client_set_oauth(c, &opts);
    }
    if (rc != MCP_OK) {
        fprintf(stderr, "%s: OAuth: %s\n", prog,
                mcp_client_last_error(c)[0] ? mcp_client_last_error(c) : mcp_strerror(rc));
        return -1;
    }
    return 0;
}

void mcp_cli_oauth_free(mcp_cli_oauth *o)
{
    mcp_client_login_free(o->login);
    o->login = NULL;
    json_decref(o->saved);
    o->saved = NULL;
    if (o->secret) {
        memset(o->secret, 0, strlen(o->secret));
        free(o->secret);
        o->secret = NULL;
    }
}

/* Revoke the saved login's tokens at its authorization server (best effort, within
 * `timeout_ms`): what happened is said on stderr. */
static void revoke_saved(const mcp_cli_oauth *o, const char *path, unsigned timeout_ms,
                         const char *prog)
{
    json_t *state = NULL;
    char why[400] = "", *secret = NULL;
    const char *env = getenv("MCP_CLIENT_SECRET");
    mcp_client_oauth_revoke_opts_t ro;
    int rc = mcp_client_oauth_state_load(path, &state);
    if (rc != MCP_OK) {
        fprintf(stderr, "%s: the tokens are not revoked: cannot use %s: %s\n", prog, path,
                mcp_strerror(rc));
        return;
    }
    if (!json_object_get(state, "access_token") && !json_object_get(state, "refresh_token")) {
        json_decref(state);
        return; /* nothing to revoke */
    }
    memset(&ro, 0, sizeof ro);
    if (o->secret_file)
        secret = read_secret(o->secret_file, prog); /* on failure said why; go on without */
    else if (env && env[0])
        secret = strdup(env);
    ro.client_secret = secret;
    ro.timeout_ms = timeout_ms > 600000u ? 600000u : timeout_ms;
    rc = mcp_client_oauth_revoke_sync(state, &ro, why, sizeof why);
    if (rc == MCP_OK)
        fprintf(stderr, "%s: revoked the tokens at %s%s%s\n", prog,
                json_string_value(json_object_get(state, "issuer")), why[0] ? "; " : "", why);
    else
        fprintf(stderr, "%s: the tokens could not be revoked (%s)%s%s\n", prog, mcp_strerror(rc),
                why[0] ? ": " : "", why);
    if (secret) {
        memset(secret, 0, strlen(secret));
        free(secret);
    }
    json_decref(state);
}

int mcp_cli_oauth_logout(const mcp_cli_oauth *o, const char *url, unsigned timeout_ms,
                         const char *prog)
{
    char path[4096];
    int rc;
    if (o->state_file)
        snprintf(path, sizeof path, "%s", o->state_file);
    else if ((rc = mcp_client_oauth_state_path(url, path, sizeof path)) != MCP_OK) {
        fprintf(stderr, "%s: no login file for %s: %s\n", prog, url, mcp_strerror(rc));
        return -1;
    }
    if (access(path, F_OK) == 0)
        revoke_saved(o, path, timeout_ms, prog);
    if (unlink(path) != 0) {
        if (errno == ENOENT) {
            fprintf(stderr, "%s: not logged in to %s (no %s)\n", prog, url, path);
            return 0;
        }
        fprintf(stderr, "%s: cannot remove %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    fprintf(stderr, "%s: logged out of %s (removed %s)\n", prog, url, path);
    return 0;
}
