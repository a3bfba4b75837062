/*
 * mcp info, mcp ping: who the server is and whether it answers; mcp login, mcp logout: log in
 * to a server (OAuth) and keep the login, or forget it.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>
#include <uv.h>

static const char *str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int mcp_cmd_info(int argc, char **argv)
{
    mcp_cli cli;
    const json_t *info, *caps;
    int rc = mcp_cli_parse(&cli, argc, argv, "mcp info [--json] (--stdio CMD ARGS... | URL)", NULL,
                           NULL);
    if (rc == MCP_EXIT_OK)
        rc = mcp_cli_connect(&cli);
    if (rc != MCP_EXIT_OK) {
        mcp_cli_close(&cli);
        return rc;
    }
    info = mcp_client_server_info(cli.c);
    caps = mcp_client_server_capabilities(cli.c);
    if (cli.json) {
        json_t *out = json_pack("{s:s,s:b,s:O,s:O}", "protocolVersion", mcp_client_protocol(cli.c),
                                "stateless", mcp_client_is_stateless(cli.c), "serverInfo", info,
                                "capabilities", caps);
        if (out && mcp_client_server_instructions(cli.c))
            json_object_set_new(out, "instructions",
                                json_string(mcp_client_server_instructions(cli.c)));
        mcp_cli_print_json(out);
        json_decref(out);
    } else {
        const char *key;
        json_t *v;
        printf("server:       %s %s\n", str(info, "name") ? str(info, "name") : "(unnamed)",
               str(info, "version") ? str(info, "version") : "");
        if (str(info, "title"))
            printf("title:        %s\n", str(info, "title"));
        printf("protocol:     %s (%s)\n", mcp_client_protocol(cli.c),
               mcp_client_is_stateless(cli.c) ? "stateless, server/discover"
                                              : "session, initialize");
        printf("capabilities:");
        json_object_foreach((json_t *)caps, key, v)
        {
            printf(" %s", key);
            if (json_is_true(json_object_get(v, "listChanged")))
                printf("(listChanged)");
        }
        printf("\n");
        if (mcp_client_server_instructions(cli.c))
            printf("instructions: %s\n", mcp_client_server_instructions(cli.c));
    }
    mcp_cli_close(&cli);
    return MCP_EXIT_OK;
}

static void on_pong(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    int *st = ud;
    (void)c;
    st[0] = 1;
    st[1] = o->status;
}

int mcp_cmd_ping(int argc, char **argv)
{
    mcp_cli cli;
    volatile int st[2] = {0, 0};
    uint64_t t0;
    int rc = mcp_cli_parse(&cli, argc, argv, "mcp ping [--json] (--stdio CMD ARGS... | URL)", NULL,
                           NULL);
    if (rc == MCP_EXIT_OK)
        rc = mcp_cli_connect(&cli);
    if (rc != MCP_EXIT_OK) {
        mcp_cli_close(&cli);
        return rc;
    }
    t0 = uv_hrtime();
    rc = mcp_client_ping(cli.c, on_pong, (void *)st);
    if (rc == MCP_OK)
        rc = mcp_client_run_until(cli.c, &st[0], 0);
    if (rc == MCP_OK)
        rc = st[1];
    if (rc != MCP_OK) {
        rc = mcp_cli_fail(&cli, "ping", rc, NULL);
    } else {
        double ms = (double)(uv_hrtime() - t0) / 1e6;
        if (cli.json)
            printf("{\"ok\": true, \"ms\": %.3f}\n", ms);
        else
            printf("pong in %.3f ms\n", ms);
        rc = MCP_EXIT_OK;
    }
    mcp_cli_close(&cli);
    return rc;
}

int mcp_cmd_login(int argc, char **argv)
{
    mcp_cli cli;
    int rc = mcp_cli_parse(&cli, argc, argv, "mcp login [LOGIN OPTIONS] URL", NULL, NULL);
    if (rc == MCP_EXIT_OK && !cli.url) {
        fprintf(stderr, "%s: login takes the server's URL\n", cli.prog);
        rc = MCP_EXIT_USAGE;
    }
    if (rc == MCP_EXIT_OK) {
        cli.oauth.enabled = 1; /* --oauth */
        rc = mcp_cli_connect(&cli);
    }
    if (rc == MCP_EXIT_OK)
        fprintf(stderr, "%s: connected to %s%s%s\n", cli.prog, cli.url,
                cli.oauth.path[0] ? "; the login is kept in " : "",
                cli.oauth.path[0] ? cli.oauth.path : "");
    mcp_cli_close(&cli);
    return rc;
}

int mcp_cmd_logout(int argc, char **argv)
{
    mcp_cli cli;
    int rc = mcp_cli_parse(&cli, argc, argv,
                           "mcp logout [--oauth-state FILE] [--client-secret-file F] "
                           "[--timeout MS] URL",
                           NULL, NULL);
    if (rc == MCP_EXIT_OK && !cli.url) {
        fprintf(stderr, "%s: logout takes the server's URL\n", cli.prog);
        rc = MCP_EXIT_USAGE;
    }
    if (rc == MCP_EXIT_OK &&
        mcp_cli_oauth_logout(&cli.oauth, cli.url, cli.timeout_ms, cli.prog) != 0)
        rc = MCP_EXIT_CONNECTION;
    mcp_cli_close(&cli);
    return rc;
}
