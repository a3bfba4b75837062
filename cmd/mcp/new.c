/*
 * mcp new NAME [--dir DIR]: a new server project in DIR (default ./NAME), ready to build:
 *   NAME.c          one tool, one resource and one prompt, and main()
 *   Makefile        pkg-config libmcp; `make`, `make test`, `make bundle` (mcp pack)
 *   test_NAME.c     a cmocka test driving the server through the in-memory client
 *   manifest.json   the MCP Bundle manifest `make bundle` starts from
 *   README.md       building, testing, and the configurations of the common clients
 * Refuses a NAME that is not 1-64 of [a-z0-9-] starting with a letter, and a DIR that exists.
 */
#include "cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

/* Placeholders: @NAME@ the project name, @CNAME@ it as a C identifier (- becomes _), @PLATFORM@
 * the MCPB platform of this machine, @VERSION@ libmcp's version. */

static const char tpl_c[] =
    "/*\n"
    " * @NAME@ - an MCP server written with libmcp (https://modelcontextprotocol.io).\n"
    " * One tool, one resource and one prompt; server_setup() registers them, main() serves.\n"
    " * Build: make; test: make test; try it: mcp tools --stdio ./@NAME@\n"
    " */\n"
    "#include <mcp.h>\n"
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "\n"
    "int server_setup(mcp_server_t *srv, mcp_error_t *err);\n"
    "\n"
    "/* Tool: count the words of a text. Arguments arrive validated against the schema.\n"
    " * The answer is a sentence, not a bare number: some clients read text that is valid JSON\n"
    " * as JSON and refuse it. */\n"
    "static int count_words(mcp_call_t *call, const json_t *args, void *userdata)\n"
    "{\n"
    "    const char *text = json_string_value(json_object_get(args, \"text\"));\n"
    "    int words = 0, in_word = 0;\n"
    "    (void)userdata;\n"
    "    for (; *text; text++) {\n"
    "        int space = strchr(\" \\t\\r\\n\", *text) != NULL;\n"
    "        if (!space && !in_word)\n"
    "            words++;\n"
    "        in_word = !space;\n"
    "    }\n"
    "    return mcp_call_text(call, \"%d word%s\", words, words == 1 ? \"\" : \"s\");\n"
    "}\n"
    "\n"
    "/* Prompt: ask the model to summarize a text. */\n"
    "static int summarize(mcp_call_t *call, const json_t *args, void *userdata)\n"
    "{\n"
    "    (void)userdata;\n"
    "    return mcp_call_prompt_text(call, \"user\", \"Summarize this text in one sentence:\\n\\n%s\",\n"
    "                                json_string_value(json_object_get(args, \"text\")));\n"
    "}\n"
    "\n"
    "int server_setup(mcp_server_t *srv, mcp_error_t *err)\n"
    "{\n"
    "    int rc = mcp_server_add_tool(srv, &(mcp_tool_t){\n"
    "        .name = \"count_words\", .description = \"Count the words of a text\",\n"
    "        .input_schema = \"text: string 'The text'\", .flags = MCP_TOOL_READ_ONLY,\n"
    "        .handler = count_words}, err);\n"
    "    if (rc == MCP_OK) /* Resource: static text, served without a handler. */\n"
    "        rc = mcp_server_add_resource(srv, &(mcp_resource_t){\n"
    "            .uri = \"@NAME@://about\", .name = \"about\", .mime_type = \"text/plain\",\n"
    "            .text = \"@NAME@: an MCP server written with libmcp.\"}, err);\n"
    "    if (rc == MCP_OK)\n"
    "        rc = mcp_server_add_prompt(srv, &(mcp_prompt_t){\n"
    "            .name = \"summarize\", .description = \"Summarize a text in one sentence\",\n"
    "            .arguments = \"text 'The text to summarize'\", .handler = summarize}, err);\n"
    "    return rc;\n"
    "}\n"
    "\n"
    "#ifndef SERVER_NO_MAIN /* the test links server_setup() without main() */\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    mcp_error_t err = {0};\n"
    "    mcp_server_t *srv = mcp_server_new(\"@NAME@\", \"0.1.0\");\n"
    "    if (!srv)\n"
    "        return 1;\n"
    "    if (server_setup(srv, &err) != MCP_OK) {\n"
    "        fprintf(stderr, \"@NAME@: %s\\n\", err.text);\n"
    "        mcp_server_free(srv);\n"
    "        return 1;\n"
    "    }\n"
    "    return mcp_server_main(srv, argc, argv); /* --stdio (default), --http PORT, --help */\n"
    "}\n"
    "#endif\n";

static const char tpl_test[] =
    "/* The server's tool, resource and prompt, driven through libmcp's in-memory client: no\n"
    " * process, no socket, the real protocol. Run with `make test`. */\n"
    "#include <mcp.h>\n"
    "#include <mcp_client.h>\n"
    "#include <setjmp.h>\n"
    "#include <stdarg.h>\n"
    "#include <stddef.h>\n"
    "#include <stdint.h>\n"
    "#include <string.h>\n"
    "#include <cmocka.h>\n"
    "\n"
    "int server_setup(mcp_server_t *srv, mcp_error_t *err);\n"
    "\n"
    "typedef struct fixture {\n"
    "    mcp_server_t *srv;\n"
    "    mcp_client_t *c;\n"
    "} fixture;\n"
    "\n"
    "static int setup(void **state)\n"
    "{\n"
    "    static fixture f;\n"
    "    mcp_error_t err = {0};\n"
    "    mcp_client_error_t cerr;\n"
    "    json_t *init = NULL;\n"
    "    f.srv = mcp_server_new(\"@NAME@\", \"0.1.0\");\n"
    "    assert_non_null(f.srv);\n"
    "    assert_int_equal(server_setup(f.srv, &err), MCP_OK);\n"
    "    f.c = mcp_client_new(NULL, \"test_@CNAME@\", \"1.0\");\n"
    "    assert_non_null(f.c);\n"
    "    assert_int_equal(mcp_client_connect_server(f.c, f.srv), MCP_OK);\n"
    "    assert_int_equal(mcp_client_initialize_sync(f.c, &init, &cerr), MCP_OK);\n"
    "    json_decref(init);\n"
    "    *state = &f;\n"
    "    return 0;\n"
    "}\n"
    "\n"
    "static int teardown(void **state)\n"
    "{\n"
    "    fixture *f = *state;\n"
    "    mcp_client_free(f->c); /* the client goes first: the server must outlive it */\n"
    "    mcp_server_free(f->srv);\n"
    "    return 0;\n"
    "}\n"
    "\n"
    "static void lists_what_it_offers(void **state)\n"
    "{\n"
    "    fixture *f = *state;\n"
    "    mcp_client_error_t err;\n"
    "    json_t *tools = NULL, *resources = NULL, *prompts = NULL;\n"
    "    assert_int_equal(mcp_client_list_tools_sync(f->c, &tools, &err), MCP_OK);\n"
    "    assert_int_equal(json_array_size(tools), 1);\n"
    "    assert_string_equal(json_string_value(json_object_get(json_array_get(tools, 0), \"name\")),\n"
    "                        \"count_words\");\n"
    "    assert_int_equal(mcp_client_list_resources_sync(f->c, &resources, &err), MCP_OK);\n"
    "    assert_int_equal(json_array_size(resources), 1);\n"
    "    assert_int_equal(mcp_client_list_prompts_sync(f->c, &prompts, &err), MCP_OK);\n"
    "    assert_int_equal(json_array_size(prompts), 1);\n"
    "    json_decref(tools);\n"
    "    json_decref(resources);\n"
    "    json_decref(prompts);\n"
    "}\n"
    "\n"
    "static void counts_words(void **state)\n"
    "{\n"
    "    fixture *f = *state;\n"
    "    mcp_client_error_t err;\n"
    "    json_t *res = NULL;\n"
    "    assert_int_equal(mcp_client_call_tool_sync(f->c, \"count_words\",\n"
    "                                               json_pack(\"{s:s}\", \"text\", \"one two  three\"),\n"
    "                                               &res, &err),\n"
    "                     MCP_OK);\n"
    "    assert_false(mcp_client_result_is_error(res));\n"
    "    assert_string_equal(mcp_client_result_text(res), \"3 words\");\n"
    "    json_decref(res);\n"
    "    /* a wrong argument never reaches the handler: the model gets a tool error naming it */\n"
    "    assert_int_equal(mcp_client_call_tool_sync(f->c, \"count_words\",\n"
    "                                               json_pack(\"{s:i}\", \"text\", 3), &res, &err),\n"
    "                     MCP_OK);\n"
    "    assert_true(mcp_client_result_is_error(res));\n"
    "    assert_non_null(strstr(mcp_client_result_text(res), \"arguments.text\"));\n"
    "    json_decref(res);\n"
    "}\n"
    "\n"
    "static void reads_the_resource(void **state)\n"
    "{\n"
    "    fixture *f = *state;\n"
    "    mcp_client_error_t err;\n"
    "    json_t *res = NULL;\n"
    "    assert_int_equal(mcp_client_read_resource_sync(f->c, \"@NAME@://about\", &res, &err), MCP_OK);\n"
    "    assert_string_equal(\n"
    "        json_string_value(json_object_get(json_array_get(json_object_get(res, \"contents\"), 0),\n"
    "                                          \"text\")),\n"
    "        \"@NAME@: an MCP server written with libmcp.\");\n"
    "    json_decref(res);\n"
    "}\n"
    "\n"
    "static void gets_the_prompt(void **state)\n"
    "{\n"
    "    fixture *f = *state;\n"
    "    mcp_client_error_t err;\n"
    "    json_t *res = NULL, *msg;\n"
    "    assert_int_equal(mcp_client_get_prompt_sync(f->c, \"summarize\",\n"
    "                                                json_pack(\"{s:s}\", \"text\", \"Hello.\"), &res,\n"
    "                                                &err),\n"
    "                     MCP_OK);\n"
    "    msg = json_array_get(json_object_get(res, \"messages\"), 0);\n"
    "    assert_string_equal(json_string_value(json_object_get(msg, \"role\")), \"user\");\n"
    "    assert_non_null(strstr(\n"
    "        json_string_value(json_object_get(json_object_get(msg, \"content\"), \"text\")), \"Hello.\"));\n"
    "    json_decref(res);\n"
    "}\n"
    "\n"
    "int main(void)\n"
    "{\n"
    "    const struct CMUnitTest tests[] = {\n"
    "        cmocka_unit_test_setup_teardown(lists_what_it_offers, setup, teardown),\n"
    "        cmocka_unit_test_setup_teardown(counts_words, setup, teardown),\n"
    "        cmocka_unit_test_setup_teardown(reads_the_resource, setup, teardown),\n"
    "        cmocka_unit_test_setup_teardown(gets_the_prompt, setup, teardown),\n"
    "    };\n"
    "    return cmocka_run_group_tests(tests, NULL, NULL);\n"
    "}\n";

static const char tpl_make[] =
    "# @NAME@: `make` builds the server, `make test` runs its test, `make bundle` makes\n"
    "# @NAME@.mcpb (an MCP Bundle, with `mcp pack`). libmcp and cmocka come from pkg-config.\n"
    "NAME    = @NAME@\n"
    "CC     ?= cc\n"
    "CFLAGS ?= -O2 -g\n"
    "MCP    ?= mcp\n"
    "PKG_CONFIG ?= pkg-config\n"
    "ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra $(CFLAGS) \\\n"
    "             $(shell $(PKG_CONFIG) --cflags libmcp)\n"
    "LIBS   = $(shell $(PKG_CONFIG) --libs libmcp)\n"
    "\n"
    ".PHONY: all test bundle clean\n"
    "all: $(NAME)\n"
    "\n"
    "$(NAME): $(NAME).c\n"
    "\t$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS) $(LIBS)\n"
    "\n"
    "test_$(NAME): test_$(NAME).c $(NAME).c\n"
    "\t$(CC) $(ALL_CFLAGS) -DSERVER_NO_MAIN -o $@ test_$(NAME).c $(NAME).c $(LDFLAGS) $(LIBS) \\\n"
    "\t\t$(shell $(PKG_CONFIG) --libs cmocka)\n"
    "\n"
    "test: test_$(NAME)\n"
    "\t./test_$(NAME)\n"
    "\n"
    "bundle: $(NAME) manifest.json\n"
    "\t$(MCP) pack --manifest manifest.json -o $(NAME).mcpb ./$(NAME)\n"
    "\n"
    "clean:\n"
    "\trm -f $(NAME) test_$(NAME) $(NAME).mcpb\n";

static const char tpl_manifest[] =
    "{\n"
    "  \"manifest_version\": \"0.4\",\n"
    "  \"name\": \"@NAME@\",\n"
    "  \"display_name\": \"@NAME@\",\n"
    "  \"version\": \"0.1.0\",\n"
    "  \"description\": \"An MCP server written in C with libmcp\",\n"
    "  \"author\": {\n"
    "    \"name\": \"The @NAME@ authors\"\n"
    "  },\n"
    "  \"server\": {\n"
    "    \"type\": \"binary\",\n"
    "    \"entry_point\": \"server/@NAME@\",\n"
    "    \"mcp_config\": {\n"
    "      \"command\": \"${__dirname}/server/@NAME@\",\n"
    "      \"args\": []\n"
    "    }\n"
    "  },\n"
    "  \"compatibility\": {\n"
    "    \"platforms\": [\"@PLATFORM@\"]\n"
    "  },\n"
    "  \"tools\": [\n"
    "    {\"name\": \"count_words\", \"description\": \"Count the words of a text\"}\n"
    "  ],\n"
    "  \"prompts\": [\n"
    "    {\"name\": \"summarize\", \"description\": \"Summarize a text in one sentence\",\n"
    "     \"arguments\": [\"text\"],\n"
    "     \"text\": \"Summarize this text in one sentence:\\n\\n${arguments.text}\"}\n"
    "  ]\n"
    "}\n";

static const char tpl_readme[] =
    "# @NAME@\n"
    "\n"
    "An MCP server written in C with [libmcp](https://modelcontextprotocol.io): one tool\n"
    "(`count_words`), one resource (`@NAME@://about`) and one prompt (`summarize`), all in\n"
    "`@NAME@.c`.\n"
    "\n"
    "## Build, test, try\n"
    "\n"
    "Needs libmcp (`apt install libmcp-dev`, or `make install` from its source), cmocka\n"
    "(`libcmocka-dev`) and pkg-config.\n"
    "\n"
    "```sh\n"
    "make                                 # ./@NAME@\n"
    "make test                            # test_@NAME@.c: the in-memory client, no process\n"
    "mcp tools --stdio ./@NAME@           # list its tools with libmcp's mcp command\n"
    "mcp call count_words text='a b c' --stdio ./@NAME@\n"
    "./@NAME@ --http 8080                 # or serve Streamable HTTP on 127.0.0.1:8080/mcp\n"
    "make bundle                          # @NAME@.mcpb: an MCP Bundle for Claude Desktop\n"
    "```\n"
    "\n"
    "## Use it from a client\n"
    "\n"
    "`mcp install CLIENT @NAME@ -- \"$PWD/@NAME@\"` writes the entry for you (clients:\n"
    "claude-desktop, claude-code, cursor, gemini-cli, codex, vscode). By hand:\n"
    "\n"
    "Claude Desktop (`claude_desktop_config.json`), Cursor (`~/.cursor/mcp.json`), Gemini CLI\n"
    "(`~/.gemini/settings.json`):\n"
    "\n"
    "```json\n"
    "{\n"
    "  \"mcpServers\": {\n"
    "    \"@NAME@\": { \"command\": \"/absolute/path/to/@NAME@\", \"args\": [] }\n"
    "  }\n"
    "}\n"
    "```\n"
    "\n"
    "Claude Code: `claude mcp add @NAME@ -- /absolute/path/to/@NAME@`\n"
    "\n"
    "Codex (`~/.codex/config.toml`):\n"
    "\n"
    "```toml\n"
    "[mcp_servers.@NAME@]\n"
    "command = \"/absolute/path/to/@NAME@\"\n"
    "args = []\n"
    "```\n"
    "\n"
    "VS Code (`mcp.json`):\n"
    "\n"
    "```json\n"
    "{ \"servers\": { \"@NAME@\": { \"type\": \"stdio\", \"command\": \"/absolute/path/to/@NAME@\" } } }\n"
    "```\n"
    "\n"
    "Over HTTP (`./@NAME@ --http 8080`), clients that take a URL use\n"
    "`http://127.0.0.1:8080/mcp`.\n";

static const char tpl_gitignore[] = "/@NAME@\n/test_@NAME@\n/@NAME@.mcpb\n";

static int new_valid_name(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || n > 64 || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* Write `tpl` to DIR/FILE with the placeholders replaced. */
static int write_template(const char *dir, const char *file, const char *tpl, const char *name)
{
    char path[4096], cname[80], platform[16];
    struct utsname u;
    const char *p = tpl;
    size_t i;
    FILE *f;
    snprintf(cname, sizeof cname, "%s", name);
    for (i = 0; cname[i]; i++)
        if (cname[i] == '-')
            cname[i] = '_';
    snprintf(platform, sizeof platform, "%s",
             uname(&u) == 0 && strcmp(u.sysname, "Darwin") == 0 ? "darwin" : "linux");
    snprintf(path, sizeof path, "%s/%s", dir, file);
    f = fopen(path, "wx");
    if (!f) {
        fprintf(stderr, "mcp new: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (*p) {
        const char *at = strchr(p, '@');
        const char *val = NULL;
        size_t skip = 0;
        if (!at) {
            fputs(p, f);
            break;
        }
        fwrite(p, 1, (size_t)(at - p), f);
        if (strncmp(at, "@NAME@", 6) == 0)
            val = name, skip = 6;
        else if (strncmp(at, "@CNAME@", 7) == 0)
            val = cname, skip = 7;
        else if (strncmp(at, "@PLATFORM@", 10) == 0)
            val = platform, skip = 10;
        if (val) {
            fputs(val, f);
            p = at + skip;
        } else {
            fputc('@', f);
            p = at + 1;
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

int mcp_cmd_new(int argc, char **argv)
{
    const char *name = NULL, *dir = NULL;
    char file[160];
    int a;
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            printf("usage: mcp new NAME [--dir DIR]\n");
            return MCP_EXIT_OK;
        } else if (strcmp(argv[a], "--dir") == 0 && a + 1 < argc) {
            dir = argv[++a];
        } else if (!name && argv[a][0] != '-') {
            name = argv[a];
        } else {
            fprintf(stderr, "mcp new: unexpected '%s'\nusage: mcp new NAME [--dir DIR]\n",
                    argv[a]);
            return MCP_EXIT_USAGE;
        }
    }
    if (!name || !new_valid_name(name)) {
        fprintf(stderr, "mcp new: NAME must be 1-64 of a-z 0-9 - starting with a letter\n"
                        "usage: mcp new NAME [--dir DIR]\n");
        return MCP_EXIT_USAGE;
    }
    if (!dir)
        dir = name;
    if (mkdir(dir, 0755) != 0) {
        fprintf(stderr, "mcp new: cannot create %s: %s%s\n", dir, strerror(errno),
                errno == EEXIST ? " (not touching an existing folder)" : "");
        return MCP_EXIT_USAGE;
    }
    snprintf(file, sizeof file, "%s.c", name);
    if (write_template(dir, file, tpl_c, name) != 0)
        return MCP_EXIT_CONNECTION;
    snprintf(file, sizeof file, "test_%s.c", name);
    if (write_template(dir, file, tpl_test, name) != 0 ||
        write_template(dir, "Makefile", tpl_make, name) != 0 ||
        write_template(dir, "manifest.json", tpl_manifest, name) != 0 ||
        write_template(dir, "README.md", tpl_readme, name) != 0 ||
        write_template(dir, ".gitignore", tpl_gitignore, name) != 0)
        return MCP_EXIT_CONNECTION;
    printf("created %s/: %s.c, test_%s.c, Makefile, manifest.json, README.md\n"
           "next: cd %s && make && make test\n",
           dir, name, name, dir);
    return MCP_EXIT_OK;
}
