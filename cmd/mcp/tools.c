/*
 * mcp tools, mcp call: list the tools, call one.
 */
#include "cmd.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* "a: number*, b: number" from an input schema; required properties get a star. */
static void print_arguments(const json_t *schema)
{
    const json_t *props = json_object_get(schema, "properties");
    const json_t *req = json_object_get(schema, "required");
    const char *key;
    json_t *p;
    int first = 1;
    json_object_foreach((json_t *)props, key, p)
    {
        const json_t *t = json_object_get(p, "type");
        size_t i;
        int required = 0;
        for (i = 0; i < json_array_size(req); i++)
            if (json_is_string(json_array_get(req, i)) &&
                strcmp(json_string_value(json_array_get(req, i)), key) == 0)
                required = 1;
        printf("%s%s%s: %s", first ? "" : ", ", key, required ? "" : "?",
               json_is_string(t) ? json_string_value(t) : "any");
        first = 0;
    }
}

int mcp_cmd_tools(int argc, char **argv)
{
    mcp_cli cli;
    mcp_client_error_t err;
    json_t *tools = NULL;
    size_t i;
    int rc = mcp_cli_parse(&cli, argc, argv, "mcp tools [--json] (--stdio CMD ARGS... | URL)", NULL,
                           NULL);
    if (rc == MCP_EXIT_OK)
        rc = mcp_cli_connect(&cli);
    if (rc == MCP_EXIT_OK) {
        int st = mcp_client_list_tools_sync(cli.c, &tools, &err);
        if (st != MCP_OK)
            rc = mcp_cli_fail(&cli, "tools/list", st, &err);
    }
    if (rc == MCP_EXIT_OK && cli.json) {
        mcp_cli_print_json(tools);
    } else if (rc == MCP_EXIT_OK) {
        for (i = 0; i < json_array_size(tools); i++) {
            const json_t *t = json_array_get(tools, i);
            const json_t *d = json_object_get(t, "description");
            printf("%s(", json_string_value(json_object_get(t, "name")));
            print_arguments(json_object_get(t, "inputSchema"));
            printf(")\n");
            if (json_is_string(d))
                printf("    %s\n", json_string_value(d));
        }
        if (json_array_size(tools) == 0)
            printf("(no tools)\n");
    }
    json_decref(tools);
    mcp_cli_close(&cli);
    return rc;
}

static void on_progress(mcp_client_t *c, double p, double total, const char *msg, void *ud)
{
    (void)c;
    (void)ud;
    if (isnan(total))
        fprintf(stderr, "progress: %g%s%s\n", p, msg ? " " : "", msg ? msg : "");
    else
        fprintf(stderr, "progress: %g/%g%s%s\n", p, total, msg ? " " : "", msg ? msg : "");
}

int mcp_cmd_call(int argc, char **argv)
{
    mcp_cli cli;
    mcp_client_error_t err;
    mcp_client_call_opts_t opts = {0};
    mcp_cli_outcome s;
    json_t *tools = NULL, *args = NULL;
    const json_t *schema = NULL;
    const char *name;
    size_t i;
    int rc = mcp_cli_parse(&cli, argc, argv,
                           "mcp call TOOL [key=value | key:=JSON ...] [--json ['{...}']] "
                           "(--stdio CMD ARGS... | URL)",
                           NULL, NULL);
    memset(&s, 0, sizeof s);
    if (rc == MCP_EXIT_OK && cli.nargs < 1) {
        fprintf(stderr, "%s: which tool? (mcp call TOOL ...)\n", cli.prog);
        rc = MCP_EXIT_USAGE;
    }
    if (rc != MCP_EXIT_OK) {
        mcp_cli_close(&cli);
        return rc;
    }
    name = cli.args[0];
    if (cli.json_args || (cli.nargs == 2 && cli.args[1][0] == '{')) {
        json_error_t jerr;
        if (cli.nargs > (cli.json_args ? 1 : 2)) {
            fprintf(stderr, "%s: give the arguments either as JSON or as key=value\n", cli.prog);
            mcp_cli_close(&cli);
            return MCP_EXIT_USAGE;
        }
        args = json_loads(cli.json_args ? cli.json_args : cli.args[1], 0, &jerr);
        if (!json_is_object(args)) {
            fprintf(stderr, "%s: the arguments must be a JSON object: %s\n", cli.prog,
                    args ? "not an object" : jerr.text);
            json_decref(args);
            mcp_cli_close(&cli);
            return MCP_EXIT_USAGE;
        }
    }
    rc = mcp_cli_connect(&cli);
    if (rc == MCP_EXIT_OK && !args) {
        /* key=value words are typed by the tool's input schema */
        if (cli.nargs > 1) {
            int st = mcp_client_list_tools_sync(cli.c, &tools, &err);
            if (st != MCP_OK)
                rc = mcp_cli_fail(&cli, "tools/list", st, &err);
            for (i = 0; i < json_array_size(tools); i++)
                if (strcmp(json_string_value(json_object_get(json_array_get(tools, i), "name")),
                           name) == 0)
                    schema = json_object_get(json_array_get(tools, i), "inputSchema");
        }
        if (rc == MCP_EXIT_OK &&
            !(args = mcp_cli_arguments(&cli, cli.args + 1, cli.nargs - 1, schema)))
            rc = MCP_EXIT_USAGE;
    }
    if (rc == MCP_EXIT_OK) {
        int st;
        opts.progress = on_progress;
        st = mcp_client_call_tool_new(cli.c, name, args, &opts, mcp_cli_on_outcome, &s, NULL);
        args = NULL;
        if (st == MCP_OK)
            st = mcp_client_run_until(cli.c, &s.done, 0);
        if (st == MCP_OK)
            st = s.status;
        if (st != MCP_OK) {
            rc = mcp_cli_fail(&cli, name, st, s.done ? &s.err : NULL);
        } else {
            int is_error = mcp_client_result_is_error(s.result);
            if (cli.json) {
                mcp_cli_print_json(s.result);
            } else {
                const json_t *content = json_object_get(s.result, "content");
                mcp_cli_print_content(content);
                if (json_array_size(content) == 0 && json_object_get(s.result, "structuredContent"))
                    mcp_cli_print_json(json_object_get(s.result, "structuredContent"));
            }
            if (is_error)
                fprintf(stderr, "%s: the tool reported an error\n", cli.prog);
            rc = is_error ? MCP_EXIT_TOOL_ERROR : MCP_EXIT_OK;
        }
    }
    json_decref(args);
    json_decref(tools);
    json_decref(s.result);
    mcp_cli_close(&cli);
    return rc;
}
