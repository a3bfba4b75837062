/*
 * mcp skills, mcp skill: list a server's skills (the io.modelcontextprotocol/skills extension)
 * and load one: its SKILL.md, or one of its files, verified against the skill's entry.
 */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print one entry for people: name, URI, description, and its files or why it is refused. */
static void print_skill(const json_t *skill)
{
    const json_t *fm = json_object_get(skill, "frontmatter");
    const json_t *files = json_object_get(skill, "resources"), *f;
    const char *uri = json_string_value(json_object_get(skill, "uri"));
    const char *desc = json_string_value(json_object_get(fm, "description"));
    const char *name = json_string_value(json_object_get(fm, "name"));
    char why[300];
    json_int_t bytes = 0;
    size_t i;

    printf("%s  %s\n", name ? name : "(no name)", uri ? uri : "(no uri)");
    if (desc)
        printf("    %s\n", desc);
    if (mcp_skill_check(skill, why, sizeof why) != MCP_OK) {
        printf("    (refused: %s)\n", why);
        return;
    }
    if (json_is_string(files)) {
        printf("    files: dynamic (not verifiable)\n");
        return;
    }
    json_array_foreach(files, i, f)
    {
        bytes += json_integer_value(json_object_get(f, "size"));
    }
    printf("    %zu file%s, %lld bytes\n", json_array_size(files),
           json_array_size(files) == 1 ? "" : "s", (long long)bytes);
}

int mcp_cmd_skills(int argc, char **argv)
{
    mcp_cli cli;
    mcp_client_error_t err;
    json_t *list = NULL;
    size_t i;
    int rc = mcp_cli_parse(&cli, argc, argv, "mcp skills [--json] (--stdio CMD ARGS... | URL)",
                           NULL, NULL);
    if (rc == MCP_EXIT_OK)
        rc = mcp_cli_connect(&cli);
    if (rc == MCP_EXIT_OK && mcp_client_server_extension(cli.c, MCP_SKILLS_EXTENSION)) {
        int st = mcp_client_list_skills_sync(cli.c, &list, &err);
        if (st != MCP_OK)
            rc = mcp_cli_fail(&cli, "skills/list", st, &err);
    }
    if (rc == MCP_EXIT_OK && cli.json) {
        json_t *out = json_pack("{s:o}", "skills", list ? json_incref(list) : json_array());
        mcp_cli_print_json(out);
        json_decref(out);
    } else if (rc == MCP_EXIT_OK) {
        if (!mcp_client_server_extension(cli.c, MCP_SKILLS_EXTENSION))
            printf("(no skills: the server does not declare %s)\n", MCP_SKILLS_EXTENSION);
        else if (json_array_size(list) == 0)
            printf("(no skills listed)\n");
        for (i = 0; i < json_array_size(list); i++)
            print_skill(json_array_get(list, i));
    }
    json_decref(list);
    mcp_cli_close(&cli);
    return rc;
}

/*
 * The entry for NAME: the listed skill of that name (several: refused, naming their URIs), or,
 * for a URI, the listed one or skills/get's answer. A new reference, or NULL after printing why
 * (*rc set).
 */
static json_t *find_skill(mcp_cli *cli, const char *name, int *rc)
{
    mcp_client_error_t err;
    json_t *list = NULL, *found = NULL;
    const int is_uri = strstr(name, "://") != NULL;
    size_t i, n = 0;
    int st;

    if (!mcp_client_server_extension(cli->c, MCP_SKILLS_EXTENSION)) {
        fprintf(stderr, "%s: the server does not declare the %s extension\n", cli->prog,
                MCP_SKILLS_EXTENSION);
        *rc = MCP_EXIT_PROTOCOL;
        return NULL;
    }
    st = mcp_client_list_skills_sync(cli->c, &list, &err);
    if (st != MCP_OK) {
        *rc = mcp_cli_fail(cli, "skills/list", st, &err);
        return NULL;
    }
    for (i = 0; i < json_array_size(list); i++) {
        const json_t *s = json_array_get(list, i);
        const char *key =
            is_uri ? json_string_value(json_object_get(s, "uri"))
                   : json_string_value(json_object_get(json_object_get(s, "frontmatter"), "name"));
        if (key && strcmp(key, name) == 0 && n++ == 0)
            found = json_incref((json_t *)s);
    }
    if (n > 1) { /* names are labels, not identifiers: the user picks by URI */
        fprintf(stderr, "%s: %zu skills are named %s; give one's URI:\n", cli->prog, n, name);
        for (i = 0; i < json_array_size(list); i++) {
            const json_t *s = json_array_get(list, i);
            const char *nm =
                json_string_value(json_object_get(json_object_get(s, "frontmatter"), "name"));
            if (nm && strcmp(nm, name) == 0)
                fprintf(stderr, "  %s\n", json_string_value(json_object_get(s, "uri")));
        }
        json_decref(found);
        found = NULL;
        *rc = MCP_EXIT_USAGE;
    } else if (!found && is_uri) { /* a listing may be partial: ask for the one skill */
        st = mcp_client_get_skill_sync(cli->c, name, &found, &err);
        if (st != MCP_OK)
            *rc = mcp_cli_fail(cli, name, st, &err);
    } else if (!found) {
        fprintf(stderr, "%s: no skill named %s (mcp skills lists them)\n", cli->prog, name);
        *rc = MCP_EXIT_PROTOCOL;
    }
    json_decref(list);
    return found;
}

int mcp_cmd_skill(int argc, char **argv)
{
    mcp_cli cli;
    mcp_client_error_t err;
    json_t *skill = NULL, *content = NULL;
    char *file = NULL;
    int rc =
        mcp_cli_parse(&cli, argc, argv,
                      "mcp skill NAME|URI [FILE] [--json] (--stdio CMD ARGS... | URL)", NULL, NULL);
    if (rc == MCP_EXIT_OK && (cli.nargs < 1 || cli.nargs > 2)) {
        fprintf(stderr, "%s: give a skill's name or URI, and optionally one of its files\n",
                cli.prog);
        rc = MCP_EXIT_USAGE;
    }
    if (rc == MCP_EXIT_OK)
        rc = mcp_cli_connect(&cli);
    if (rc == MCP_EXIT_OK)
        skill = find_skill(&cli, cli.args[0], &rc);
    if (rc == MCP_EXIT_OK && cli.nargs == 2 && !strstr(cli.args[1], "://")) {
        /* a path relative to the skill's directory */
        const char *uri = json_string_value(json_object_get(skill, "uri"));
        size_t dir = uri && strlen(uri) > 9 ? strlen(uri) - 9 : 0;
        size_t len = dir + 1 + strlen(cli.args[1]) + 1;
        file = malloc(len);
        if (file)
            snprintf(file, len, "%.*s/%s", (int)dir, uri ? uri : "", cli.args[1]);
    } else if (rc == MCP_EXIT_OK && cli.nargs == 2) {
        file = strdup(cli.args[1]);
    }
    if (rc == MCP_EXIT_OK) {
        int st = mcp_client_read_skill_file_sync(cli.c, skill, file, &content, &err);
        if (st != MCP_OK)
            rc = mcp_cli_fail(&cli, file ? file : json_string_value(json_object_get(skill, "uri")),
                              st, &err);
    }
    if (rc == MCP_EXIT_OK && cli.json) {
        mcp_cli_print_json(content);
    } else if (rc == MCP_EXIT_OK) {
        const json_t *text = json_object_get(content, "text");
        if (json_is_string(text)) {
            fputs(json_string_value(text), stdout);
            if (json_string_length(text) == 0 ||
                json_string_value(text)[json_string_length(text) - 1] != '\n')
                fputc('\n', stdout);
        } else {
            const char *mime = json_string_value(json_object_get(content, "mimeType"));
            printf("[blob %s, %zu base64 characters: use --json]\n", mime ? mime : "",
                   json_string_length(json_object_get(content, "blob")));
        }
    }
    free(file);
    json_decref(content);
    json_decref(skill);
    mcp_cli_close(&cli);
    return rc;
}
