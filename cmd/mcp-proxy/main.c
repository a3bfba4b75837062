/*
 * mcp-proxy — bridge MCP transports: serve, over STDIO or Streamable HTTP (or legacy SSE), a
 * server that is reached over Streamable HTTP, legacy SSE or STDIO. Built on mounting
 * (mcp_mount.h): the proxy is a libmcp server with the upstream server mounted under no prefix,
 * so calls, progress, cancellation, logs, questions (both eras), resource subscriptions and
 * list changes pass both ways.
 *
 *   mcp-proxy https://example.com/mcp                        STDIO here, remote there
 *   mcp-proxy --header 'X-Team: a' --bearer-env TOKEN URL    headers and a token for the remote
 *   mcp-proxy --http 8080 -- node server.js                  a STDIO server exposed over HTTP
 *   mcp-proxy --oauth https://example.com/mcp                log in (OAuth) to the remote
 *
 * Every option the upstream side does not take goes to mcp_server_main() for the downstream
 * side (--http, --sse, --stateless, --log-level, --allow-origin, ...).
 */
#include <mcp.h>
#include <mcp_client.h>
#include <mcp_mount.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "../mcp/oauth.h" /* the login options, shared with mcp */

#define MAX_HEADERS 64

static int upstream_lost; /* the upstream connection ended while serving */

/* The upstream went away (a spawned server exited, a legacy SSE stream ended): stop serving,
 * so that the downstream client sees the end too rather than calls that can only fail. */
static void on_upstream_closed(mcp_client_t *c, int status, const char *why, void *userdata)
{
    (void)c;
    if (status == MCP_OK)
        return; /* closed by us */
    fprintf(stderr, "mcp-proxy: the upstream server went away: %s\n", why);
    upstream_lost = 1;
    mcp_server_stop(userdata);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: mcp-proxy [OPTIONS] URL [SERVER OPTIONS]\n"
            "       mcp-proxy [OPTIONS] [SERVER OPTIONS] -- CMD ARGS...\n"
            "\n"
            "Serve the MCP server at URL (Streamable HTTP, or --upstream-sse for legacy\n"
            "HTTP+SSE) or the STDIO server CMD over STDIO (default) or HTTP (--http PORT).\n"
            "\n"
            "upstream options:\n"
            "  --header 'K: V'      an HTTP header for every request upstream (repeatable)\n"
            "  --bearer-env VAR     send 'Authorization: Bearer $VAR' upstream (the token is\n"
            "                       read from the environment, never from the command line)\n"
            "  --upstream-sse       URL is a legacy HTTP+SSE endpoint (2024-11-05)\n"
            "  --protocol REV       pin the upstream protocol revision\n"
            "  --prefix P           expose tools and prompts as P_name, URIs as scheme://P/...\n"
            "  --ca-file FILE       trust this CA bundle for https:// (default: the system's)\n"
            "  --insecure           do not verify the upstream TLS certificate (tests only)\n"
            "  --timeout MS         upstream handshake timeout (default 30000)\n"
            "\n"
            "upstream login (OAuth; messages and the login address go to stderr):\n"
            "%s"
            "\n"
            "server options (the downstream side): see mcp_server_main, e.g.\n"
            "  --stdio (default)  --http [HOST:]PORT  --sse [HOST:]PORT  --stateless\n"
            "  --log-level LEVEL  --allow-origin ORIGIN  --tls-cert FILE --tls-key FILE\n"
            "\n"
            "see mcp-proxy(1)\n",
            mcp_cli_oauth_help);
}

typedef struct opts {
    const char *url;
    char **cmd; /* NULL-terminated, after "--" */
    const char *headers[MAX_HEADERS + 2];
    size_t nheaders;
    const char *bearer;
    int legacy, insecure;
    const char *protocol, *prefix, *ca_file;
    unsigned timeout_ms;
    char **rest; /* argv for mcp_server_main */
    int nrest;
    mcp_cli_oauth oauth;
} opts;

static int want_value(int argc, char **argv, int i)
{
    if (i + 1 >= argc) {
        fprintf(stderr, "mcp-proxy: %s needs a value\n", argv[i]);
        return 0;
    }
    return 1;
}

/* 0 ok, 2 usage error, 1 --help/--version handled */
static int parse(int argc, char **argv, opts *o)
{
    int i;
    o->rest = calloc((size_t)argc + 1, sizeof *o->rest);
    if (!o->rest)
        return 2;
    o->rest[o->nrest++] = argv[0];
    o->timeout_ms = 30000;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int taken = mcp_cli_oauth_option(&o->oauth, argc, argv, &i, "mcp-proxy");
        if (taken < 0)
            return 2;
        if (taken)
            continue;
        if (strcmp(a, "--") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "mcp-proxy: '--' must be followed by a command\n");
                return 2;
            }
            o->cmd = argv + i + 1;
            break;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--version") == 0) {
            printf("mcp-proxy (libmcp) %s\n", mcp_version_string());
            return 1;
        } else if (strcmp(a, "--header") == 0) {
            if (!want_value(argc, argv, i))
                return 2;
            if (o->nheaders >= MAX_HEADERS || !strchr(argv[i + 1], ':')) {
                fprintf(stderr, "mcp-proxy: --header wants 'Name: value' (at most %d)\n",
                        MAX_HEADERS);
                return 2;
            }
            o->headers[o->nheaders++] = argv[++i];
        } else if (strcmp(a, "--bearer-env") == 0) {
            if (!want_value(argc, argv, i))
                return 2;
            o->bearer = getenv(argv[++i]);
            if (!o->bearer || !o->bearer[0]) {
                fprintf(stderr, "mcp-proxy: the environment variable %s is not set\n", argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--upstream-sse") == 0) {
            o->legacy = 1;
        } else if (strcmp(a, "--insecure") == 0) {
            o->insecure = 1;
        } else if (strcmp(a, "--protocol") == 0 || strcmp(a, "--prefix") == 0 ||
                   strcmp(a, "--ca-file") == 0 || strcmp(a, "--timeout") == 0) {
            if (!want_value(argc, argv, i))
                return 2;
            if (a[2] == 'p' && a[3] == 'r' && a[4] == 'o')
                o->protocol = argv[++i];
            else if (a[2] == 'p')
                o->prefix = argv[++i];
            else if (a[2] == 'c')
                o->ca_file = argv[++i];
            else {
                char *end;
                unsigned long v = strtoul(argv[++i], &end, 10);
                if (*end || v == 0 || v > 3600000) {
                    fprintf(stderr, "mcp-proxy: --timeout wants milliseconds (1..3600000)\n");
                    return 2;
                }
                o->timeout_ms = (unsigned)v;
            }
        } else if (!o->url &&
                   (strncasecmp(a, "http://", 7) == 0 || strncasecmp(a, "https://", 8) == 0)) {
            o->url = a;
        } else {
            o->rest[o->nrest++] = argv[i]; /* the downstream server's option */
        }
    }
    if (!o->url == !o->cmd) {
        fprintf(stderr, "mcp-proxy: give exactly one upstream: a URL, or -- CMD ARGS...\n\n");
        usage(stderr);
        return 2;
    }
    if (o->cmd && (o->oauth.enabled || o->oauth.state_file)) {
        fprintf(stderr, "mcp-proxy: the login options (--oauth ...) are for a URL upstream\n");
        return 2;
    }
    if (o->legacy && o->oauth.enabled) {
        fprintf(stderr, "mcp-proxy: --upstream-sse does not log in: use --bearer-env\n");
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts o;
    uv_loop_t loop;
    mcp_server_t *srv;
    mcp_client_t *c;
    mcp_error_t err = {0};
    const json_t *info;
    int rc;

    memset(&o, 0, sizeof o);
    rc = parse(argc, argv, &o);
    if (rc != 0) {
        free(o.rest);
        return rc == 1 ? 0 : 2;
    }
    uv_loop_init(&loop);
    srv = mcp_server_new("mcp-proxy", mcp_version_string());
    c = mcp_client_new(&loop, "mcp-proxy", mcp_version_string());
    if (!srv || !c || mcp_server_attach(srv, &loop) != MCP_OK) {
        fprintf(stderr, "mcp-proxy: out of memory\n");
        return 1;
    }
    mcp_client_set_timeout(c, o.timeout_ms);
    if (o.protocol && mcp_client_set_protocol(c, o.protocol) != MCP_OK) {
        fprintf(stderr, "mcp-proxy: unknown protocol revision '%s'\n", o.protocol);
        rc = 2;
        goto out;
    }
    if (o.url) {
        mcp_client_http_opts_t h;
        memset(&h, 0, sizeof h);
        o.headers[o.nheaders] = NULL;
        h.headers = o.headers;
        h.bearer_token = o.bearer;
        h.legacy_sse = o.legacy;
        h.ca_file = o.ca_file;
        h.insecure = o.insecure;
        if (mcp_cli_oauth_setup(&o.oauth, c, o.url, "mcp-proxy") != 0) {
            rc = 2;
            goto out;
        }
        /* a request waiting for the browser is not held to the timeout (mcp_client.h) */
        rc = mcp_client_connect_url(c, o.url, &h);
    } else {
        rc = mcp_client_connect_stdio(c, (const char *const *)o.cmd, NULL);
    }
    if (rc != MCP_OK) {
        fprintf(stderr, "mcp-proxy: cannot connect upstream: %s\n", mcp_client_last_error(c));
        rc = 1;
        goto out;
    }
    if ((rc = mcp_server_mount(srv, c, o.prefix, &err)) != MCP_OK) {
        fprintf(stderr, "mcp-proxy: %s\n", err.text);
        rc = 1;
        goto out;
    }
    /* forwarded requests follow the downstream client's own timeouts and cancellation */
    mcp_client_set_timeout(c, 0);
    info = mcp_client_server_info(c);
    if (json_is_string(json_object_get(info, "title")) ||
        json_is_string(json_object_get(info, "name")))
        mcp_server_set_title(srv, json_string_value(json_is_string(json_object_get(info, "title"))
                                                        ? json_object_get(info, "title")
                                                        : json_object_get(info, "name")));
    if (mcp_client_server_instructions(c))
        mcp_server_set_instructions(srv, mcp_client_server_instructions(c));
    mcp_client_on_closed(c, on_upstream_closed, srv);
    c = NULL;                                   /* the server owns it now */
    rc = mcp_server_main(srv, o.nrest, o.rest); /* frees srv, which ends the upstream link */
    srv = NULL;
    if (upstream_lost && rc == 0)
        rc = 1;
out:
    if (c)
        mcp_client_free(c);
    if (srv)
        mcp_server_free(srv);
    /* after the client (the mount frees it inside mcp_server_main): the login must outlive every
     * authorization the client may start; a freed client has let go of it */
    mcp_cli_oauth_free(&o.oauth);
    uv_run(&loop, UV_RUN_DEFAULT); /* the upstream connection's handles close */
    uv_loop_close(&loop);
    free(o.rest);
    return rc;
}
