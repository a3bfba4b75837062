/*
 * mcp resources, mcp read: list resources and templates, read one.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

int mcp_cmd_resources(int argc, char **argv)
{
    mcp_cli cli;
    mcp_client_error_t err;
    json_t *res = NULL, *tmpl = NULL;
    size_t i;
    int rc = mcp_cli_parse(&cli, argc, argv, "mcp resources [--json] (--stdio CMD ARGS... | URL)",
                           NULL, NULL);
    if (rc == MCP_EXIT_OK)
        rc = mcp_cli_connect(&cli);
    if (rc == MCP_EXIT_OK) {
        int st = mcp_client_list_resources_sync(cli.c, &res, &err);
        if (st != MCP_OK)
            rc = mcp_cli_fail(&cli, "resources/list", st, &err);
    }
    if (rc == MCP_EXIT_OK) {
        int st = mcp_client_list_resource_templates_sync(cli.c, &tmpl, &err);
        if (st != MCP_OK)
            rc = mcp_cli_fail(&cli, "resources/templates/list", st, &err);
    }
    if (rc == MCP_EXIT_OK && cli.json) {
        json_t *out = json_pack("{s:O,s:O}", "resources", res, "resourceTemplates", tmpl);
        mcp_cli_print_json(out);
        json_decref(out);
    } else if (rc == MCP_EXIT_OK) {
        for (i = 0; i < json_array_size(res); i++) {
            const json_t *r = json_array_get(res, i);
            const json_t *mime = json_object_get(r, "mimeType");
            printf("%s  %s%s%s%s\n", json_string_value(json_object_get(r, "uri")),
                   json_string_value(json_object_get(r, "name")), json_is_string(mime) ? " (" : "",
                   json_is_string(mime) ? json_string_value(mime) : "",
                   json_is_string(mime) ? ")" : "");
        }
        for (i = 0; i < json_array_size(tmpl); i++) {
            const json_t *r = json_array_get(tmpl, i);
            printf("%s  %s (template)\n", json_string_value(json_object_get(r, "uriTemplate")),
                   json_string_value(json_object_get(r, "name")));
        }
        if (json_array_size(res) + json_array_size(tmpl) == 0)
            printf("(no resources)\n");
    }
    json_decref(res);
    json_decref(tmpl);
    mcp_cli_close(&cli);
    return rc;
}

int mcp_cmd_read(int argc, char **argv)
{
    mcp_cli cli;
    mcp_client_error_t err;
    json_t *res = NULL;
    size_t i;
    int rc = mcp_cli_parse(&cli, argc, argv, "mcp read URI [--json] (--stdio CMD ARGS... | URL)",
                           NULL, NULL);
    if (rc == MCP_EXIT_OK && cli.nargs != 1) {
        fprintf(stderr, "%s: give exactly one URI\n", cli.prog);
        rc = MCP_EXIT_USAGE;
    }
    if (rc == MCP_EXIT_OK)
        rc = mcp_cli_connect(&cli);
    if (rc == MCP_EXIT_OK) {
        int st = mcp_client_read_resource_sync(cli.c, cli.args[0], &res, &err);
        if (st != MCP_OK)
            rc = mcp_cli_fail(&cli, cli.args[0], st, &err);
    }
    if (rc == MCP_EXIT_OK && cli.json) {
        mcp_cli_print_json(res);
    } else if (rc == MCP_EXIT_OK) {
        const json_t *contents = json_object_get(res, "contents");
        for (i = 0; i < json_array_size(contents); i++) {
            const json_t *c = json_array_get(contents, i);
            const json_t *text = json_object_get(c, "text");
            if (json_is_string(text))
                fputs(json_string_value(text), stdout);
            else
                printf("[blob %s, %zu base64 characters: use --json]",
                       json_string_value(json_object_get(c, "mimeType")),
                       json_string_length(json_object_get(c, "blob")));
            if (!json_is_string(text) || json_string_length(text) == 0 ||
                json_string_value(text)[json_string_length(text) - 1] != '\n')
                fputc('\n', stdout);
        }
    }
    json_decref(res);
    mcp_cli_close(&cli);
    return rc;
}
