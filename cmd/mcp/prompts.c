/*
 * mcp prompts, mcp prompt, mcp complete: list prompts, get one, complete an argument.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

int mcp_cmd_prompts(int argc, char **argv)
{
    mcp_cli cli;
    mcp_client_error_t err;
    json_t *prompts = NULL;
    size_t i, j;
    int rc = mcp_cli_parse(&cli, argc, argv, "mcp prompts [--json] (--stdio CMD ARGS... | URL)",
                           NULL, NULL);
    if (rc == MCP_EXIT_OK)
        rc = mcp_cli_connect(&cli);
    if (rc == MCP_EXIT_OK) {
        int st = mcp_client_list_prompts_sync(cli.c, &prompts, &err);
        if (st != MCP_OK)
            rc = mcp_cli_fail(&cli, "prompts/list", st, &err);
    }
    if (rc == MCP_EXIT_OK && cli.json) {
        mcp_cli_print_json(prompts);
    } else if (rc == MCP_EXIT_OK) {
        for (i = 0; i < json_array_size(prompts); i++) {
            const json_t *p = json_array_get(prompts, i);
            const json_t *args = json_object_get(p, "arguments");
            const json_t *d = json_object_get(p, "description");
            printf("%s(", json_string_value(json_object_get(p, "name")));
            for (j = 0; j < json_array_size(args); j++) {
                const json_t *a = json_array_get(args, j);
                printf("%s%s%s", j ? ", " : "", json_string_value(json_object_get(a, "name")),
                       json_is_true(json_object_get(a, "required")) ? "" : "?");
            }
            printf(")\n");
            if (json_is_string(d))
                printf("    %s\n", json_string_value(d));
        }
        if (json_array_size(prompts) == 0)
            printf("(no prompts)\n");
    }
    json_decref(prompts);
    mcp_cli_close(&cli);
    return rc;
}

int mcp_cmd_prompt(int argc, char **argv)
{
    mcp_cli cli;
    mcp_client_error_t err;
    json_t *res = NULL, *args = NULL;
    size_t i;
    int rc = mcp_cli_parse(&cli, argc, argv,
                           "mcp prompt NAME [key=value ...] [--json ['{...}']] "
                           "(--stdio CMD ARGS... | URL)",
                           NULL, NULL);
    if (rc == MCP_EXIT_OK && cli.nargs < 1) {
        fprintf(stderr, "%s: which prompt? (mcp prompt NAME ...)\n", cli.prog);
        rc = MCP_EXIT_USAGE;
    }
    if (rc == MCP_EXIT_OK) {
        if (cli.json_args) {
            json_error_t jerr;
            args = json_loads(cli.json_args, 0, &jerr);
            if (!json_is_object(args) || cli.nargs > 1) {
                fprintf(stderr, "%s: the arguments must be one JSON object\n", cli.prog);
                rc = MCP_EXIT_USAGE;
            }
        } else {
            /* prompt arguments are strings */
            json_t *schema = json_pack("{s:{}}", "properties");
            for (i = 1; schema && i < (size_t)cli.nargs; i++) {
                char *eq = strchr(cli.args[i], '=');
                if (eq && eq > cli.args[i] && eq[-1] != ':') {
                    json_t *k = json_stringn(cli.args[i], (size_t)(eq - cli.args[i]));
                    if (k)
                        json_object_set_new(json_object_get(schema, "properties"),
                                            json_string_value(k),
                                            json_pack("{ss}", "type", "string"));
                    json_decref(k);
                }
            }
            args = mcp_cli_arguments(&cli, cli.args + 1, cli.nargs - 1, schema);
            json_decref(schema);
            if (!args)
                rc = MCP_EXIT_USAGE;
        }
    }
    if (rc == MCP_EXIT_OK)
        rc = mcp_cli_connect(&cli);
    if (rc == MCP_EXIT_OK) {
        int st = mcp_client_get_prompt_sync(cli.c, cli.args[0], args, &res, &err);
        args = NULL;
        if (st != MCP_OK)
            rc = mcp_cli_fail(&cli, cli.args[0], st, &err);
    }
    if (rc == MCP_EXIT_OK && cli.json) {
        mcp_cli_print_json(res);
    } else if (rc == MCP_EXIT_OK) {
        const json_t *msgs = json_object_get(res, "messages");
        const json_t *d = json_object_get(res, "description");
        if (json_is_string(d))
            printf("# %s\n", json_string_value(d));
        for (i = 0; i < json_array_size(msgs); i++) {
            const json_t *m = json_array_get(msgs, i);
            json_t *one = json_array();
            printf("%s: ", json_string_value(json_object_get(m, "role")));
            json_array_append(one, json_object_get(m, "content"));
            mcp_cli_print_content(one);
            json_decref(one);
        }
    }
    json_decref(args);
    json_decref(res);
    mcp_cli_close(&cli);
    return rc;
}

int mcp_cmd_complete(int argc, char **argv)
{
    mcp_cli cli;
    mcp_cli_outcome s;
    size_t i;
    int rc = mcp_cli_parse(&cli, argc, argv,
                           "mcp complete (prompt NAME | resource TEMPLATE) ARG VALUE [--json] "
                           "(--stdio CMD ARGS... | URL)",
                           NULL, NULL);
    memset(&s, 0, sizeof s);
    if (rc == MCP_EXIT_OK && (cli.nargs != 4 || (strcmp(cli.args[0], "prompt") != 0 &&
                                                 strcmp(cli.args[0], "resource") != 0))) {
        fprintf(stderr, "%s: usage: mcp complete (prompt NAME | resource TEMPLATE) ARG VALUE\n",
                cli.prog);
        rc = MCP_EXIT_USAGE;
    }
    if (rc == MCP_EXIT_OK)
        rc = mcp_cli_connect(&cli);
    if (rc == MCP_EXIT_OK) {
        int st = mcp_client_complete_new(cli.c, cli.args[0], cli.args[1], cli.args[2], cli.args[3],
                                         NULL, mcp_cli_on_outcome, &s);
        if (st == MCP_OK)
            st = mcp_client_run_until(cli.c, &s.done, 0);
        if (st == MCP_OK)
            st = s.status;
        if (st != MCP_OK)
            rc = mcp_cli_fail(&cli, "completion/complete", st, s.done ? &s.err : NULL);
    }
    if (rc == MCP_EXIT_OK && cli.json) {
        mcp_cli_print_json(json_object_get(s.result, "completion"));
    } else if (rc == MCP_EXIT_OK) {
        const json_t *values = json_object_get(json_object_get(s.result, "completion"), "values");
        for (i = 0; i < json_array_size(values); i++)
            printf("%s\n", json_string_value(json_array_get(values, i)));
    }
    json_decref(s.result);
    mcp_cli_close(&cli);
    return rc;
}
