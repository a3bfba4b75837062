/*
 * mcp — a command for people and scripts to talk to any MCP server (docs/man/mcp.1).
 *
 * main.c holds the table of subcommands; each is `int mcp_cmd_<name>(int argc, char **argv)`
 * (argv[0] is the subcommand's name) in a file of its group, and returns the process's exit
 * status (MCP_EXIT_*). A new subcommand is one function and one row in main.c's table.
 *
 * Subcommands that talk to a server share the connection options parsed by mcp_cli_parse():
 *   --stdio CMD ARGS...   spawn CMD (everything after --stdio is its command line)
 *   URL                   an http(s):// server (Streamable HTTP; --sse for legacy HTTP+SSE)
 *   --json [OBJECT]       JSON output; with an object: the call's or prompt's arguments too
 *   --args OBJECT --timeout MS --protocol REV --header 'K: V' --bearer TOKEN --quiet
 *   --log-level LEVEL     ask the server for its log messages from LEVEL up (stderr)
 *   --oauth and the other login options of oauth.h (URLs only)
 */
#ifndef MCP_CMD_H
#define MCP_CMD_H

#include <mcp_client.h>

#include "oauth.h"

/* Exit statuses (documented in docs/man/mcp.1). */
#define MCP_EXIT_OK         0 /* done */
#define MCP_EXIT_TOOL_ERROR 1 /* the tool ran and reported an error (isError: true) */
#define MCP_EXIT_USAGE      2 /* bad command line */
#define MCP_EXIT_PROTOCOL   3 /* the server answered with a JSON-RPC error, or an invalid answer */
/* 4: could not connect or start the server, the connection ended, or the authorization failed */
#define MCP_EXIT_CONNECTION 4
#define MCP_EXIT_TIMEOUT    5 /* no answer in time */

typedef struct mcp_cli {
    const char *prog; /* "mcp tools" for messages */
    int json;         /* --json: machine output on stdout */
    int quiet;        /* --quiet: the server's stderr is discarded */
    int legacy_sse;   /* --sse */
    unsigned timeout_ms;
    const char *protocol;
    const char *url;
    const char *json_args; /* --json '{...}' or --args '{...}': call/prompt arguments as JSON */
    const char *bearer;
    const char *headers[32];
    int nheaders;
    int log_level; /* -1: not set */
    char **stdio_argv;
    char **args; /* positional arguments (not options), NULL-terminated */
    int nargs;
    mcp_cli_oauth oauth; /* --oauth ... */
    mcp_client_t *c;
} mcp_cli;

/**
 * Parse argv (argv[0] is the subcommand): the connection options above; `extra` lists the
 * subcommand's own flags taking no value ("--all"), whose presence is counted in `seen[i]`.
 * Positional arguments go to cli->args. Prints usage and returns MCP_EXIT_USAGE on error,
 * else MCP_EXIT_OK. `usage` is the subcommand's synopsis line.
 */
int mcp_cli_parse(mcp_cli *cli, int argc, char **argv, const char *usage, const char *const *extra,
                  int *seen);
/** Connect and initialize; on failure prints why and returns the exit status. */
int mcp_cli_connect(mcp_cli *cli);
/** Close and free everything. */
void mcp_cli_close(mcp_cli *cli);
/** The exit status of a failed request (status, and the error text printed to stderr). */
int mcp_cli_fail(mcp_cli *cli, const char *what, int status, const mcp_client_error_t *err);
/** The outcome of one request a subcommand waits for (mcp_cli_on_outcome fills it; `result` is
 * a new reference or NULL, the caller's to release). */
typedef struct mcp_cli_outcome {
    volatile int done;
    int status;
    json_t *result;
    mcp_client_error_t err;
} mcp_cli_outcome;
/** A request callback that fills the mcp_cli_outcome given as `ud`. */
void mcp_cli_on_outcome(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud);
/** Print a content array (tool results, prompt messages) for people: text as it is, other
 * blocks as a one-line summary. */
void mcp_cli_print_content(const json_t *content);
/** Print `v` as pretty JSON on stdout. */
void mcp_cli_print_json(const json_t *v);
/**
 * Build an arguments object from `key=value` words (a value is typed by `schema`'s property
 * type when known: numbers, booleans, objects and arrays are parsed as JSON, strings kept as
 * they are; unknown properties: JSON when it parses, else a string) and `key:=JSON` words (raw
 * JSON). A new reference, or NULL after printing why.
 */
json_t *mcp_cli_arguments(mcp_cli *cli, char **words, int n, const json_t *schema);

/* The subcommands: one group per file. */
int mcp_cmd_info(int argc, char **argv);      /* info.c */
int mcp_cmd_login(int argc, char **argv);     /* info.c */
int mcp_cmd_logout(int argc, char **argv);    /* info.c */
int mcp_cmd_ping(int argc, char **argv);      /* info.c */
int mcp_cmd_tools(int argc, char **argv);     /* tools.c */
int mcp_cmd_call(int argc, char **argv);      /* tools.c */
int mcp_cmd_resources(int argc, char **argv); /* resources.c */
int mcp_cmd_read(int argc, char **argv);      /* resources.c */
int mcp_cmd_prompts(int argc, char **argv);   /* prompts.c */
int mcp_cmd_prompt(int argc, char **argv);    /* prompts.c */
int mcp_cmd_complete(int argc, char **argv);  /* prompts.c */
int mcp_cmd_skills(int argc, char **argv);    /* skills.c */
int mcp_cmd_skill(int argc, char **argv);     /* skills.c */
int mcp_cmd_install(int argc, char **argv);   /* install.c */
int mcp_cmd_new(int argc, char **argv);       /* new.c */
int mcp_cmd_pack(int argc, char **argv);      /* pack.c */

#endif /* MCP_CMD_H */
