/*
 * mcp — the command's entry: the table of subcommands, help and version.
 */
#include "cmd.h"

#include <stdio.h>
#include <string.h>

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand commands[] = {
    {"info", mcp_cmd_info, "the server's name, version, protocol revision and capabilities"},
    {"ping", mcp_cmd_ping, "check that the server answers"},
    {"login", mcp_cmd_login, "log in to a server (OAuth) and keep the login: mcp login URL"},
    {"logout", mcp_cmd_logout, "forget the saved OAuth login to a server: mcp logout URL"},
    {"tools", mcp_cmd_tools, "list the tools and their arguments"},
    {"call", mcp_cmd_call, "call a tool: mcp call TOOL key=value... | --json '{...}'"},
    {"resources", mcp_cmd_resources, "list the resources and resource templates"},
    {"read", mcp_cmd_read, "read a resource: mcp read URI"},
    {"prompts", mcp_cmd_prompts, "list the prompts and their arguments"},
    {"prompt", mcp_cmd_prompt, "get a prompt: mcp prompt NAME key=value..."},
    {"complete", mcp_cmd_complete,
     "complete an argument: mcp complete prompt|resource REF ARG VALUE"},
    {"skills", mcp_cmd_skills, "list the skills (io.modelcontextprotocol/skills)"},
    {"skill", mcp_cmd_skill, "load a skill, verified: mcp skill NAME|URI [FILE]"},
    {"install", mcp_cmd_install,
     "add a server to a client's config: mcp install CLIENT NAME -- COMMAND ARGS..."},
    {"new", mcp_cmd_new, "start a server project: mcp new NAME (C file, Makefile, test, README)"},
    {"pack", mcp_cmd_pack, "bundle a server binary as an MCP Bundle: mcp pack BINARY (-o X.mcpb)"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    size_t i;
    fprintf(f, "usage: mcp COMMAND [OPTIONS] [ARGS] (--stdio CMD ARGS... | URL)\n\ncommands:\n");
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\noptions (every command that talks to a server):\n"
            "  --stdio CMD ARGS...  spawn the server CMD; the rest of the line is its own\n"
            "  URL                  an http(s):// server (Streamable HTTP); --sse: legacy "
            "HTTP+SSE\n"
            "  --json               machine-readable output on stdout\n"
            "  --json '{...}'       (call, prompt) the arguments as a JSON object, and JSON "
            "output\n"
            "  --timeout MS         per-request timeout (default 30000)\n"
            "  --protocol REV       pin a protocol revision instead of negotiating\n"
            "  --header 'K: V'      an extra HTTP header (repeatable); --bearer TOKEN\n"
            "  --log-level LEVEL    show the server's log messages from LEVEL up on stderr\n"
            "  --quiet              discard the spawned server's stderr\n"
            "\nlogin options (URLs):\n%s"
            "\nexit status: 0 ok, 1 tool error, 2 usage, 3 protocol error, 4 connection "
            "failure\n(also a failed login), 5 timeout\n"
            "see mcp(1)\n",
            mcp_cli_oauth_help);
}

int main(int argc, char **argv)
{
    size_t i;
    if (argc < 2) {
        usage(stderr);
        return MCP_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return MCP_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("mcp (libmcp) %s\n", mcp_version_string());
        return MCP_EXIT_OK;
    }
    for (i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "mcp: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return MCP_EXIT_USAGE;
}
