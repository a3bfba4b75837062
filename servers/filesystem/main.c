/*
 * mcp-filesystem: a sandboxed filesystem MCP server.
 *
 *   mcp-filesystem [--allow-client-roots] [transport and common options] DIR [DIR ...]
 *
 * Serves only the given directories (and everything below them). Options are those of every
 * libmcp server (mcp_server_main(): --stdio, --log-level, the HTTP transports' flags ...) and
 * --allow-client-roots; every other argument is an allowed directory. "--" ends the options.
 *
 * Client roots: when the client offers roots, they narrow these directories for its calls (see
 * fs_client_roots() in roots.c); with --allow-client-roots they replace them, as in the
 * reference server. Without directories on the command line the server serves only clients
 * that offer roots, and their roots are the sandbox.
 */
#include "fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "mcp-filesystem"

/* Options of mcp_server_main() that take a value as the next argument. */
static const char *const value_opts[] = {"--log-level",
                                         "--limit",
                                         "--http",
                                         "--sse",
                                         "--path",
                                         "--allow-origin",
                                         "--tls-cert",
                                         "--tls-key",
                                         "--max-sessions",
                                         "--session-timeout",
                                         "--max-body",
                                         "--max-connections",
                                         "--max-per-ip",
                                         "--connection-timeout",
                                         "--max-streams",
                                         "--keepalive",
                                         "--event-store",
                                         "--grace",
                                         "--connection-memory",
                                         "--request-deadline",
                                         "--bearer-token-env",
                                         "--auth-server",
                                         "--scopes",
                                         "--resource-url",
                                         "--tool-timeout",
                                         "--evict-idle",
                                         "--max-sessions-per-client",
                                         "--max-streams-per-client",
                                         "--max-stream-buffer",
                                         NULL};

static int takes_value(const char *a)
{
    size_t i;
    if (strchr(a, '='))
        return 0;
    for (i = 0; value_opts[i]; i++)
        if (strcmp(a, value_opts[i]) == 0)
            return 1;
    return 0;
}

static void usage(FILE *to)
{
    fprintf(to, "Usage: " PROG " [options] DIR [DIR ...]\n"
                "\n"
                "A Model Context Protocol server that reads, writes and searches files below the\n"
                "given directories, and nowhere else (symlinks, '..' and absolute paths that lead\n"
                "outside are refused).\n"
                "\n"
                "  --allow-client-roots  let a client's roots replace the directories given here\n"
                "                        (by default they can only narrow them)\n"
                "\n"
                "The other options are the standard libmcp server options:\n"
                "\n");
}

int main(int argc, char **argv)
{
    const char **dirs = calloc((size_t)argc + 1, sizeof *dirs);
    char **pass = calloc((size_t)argc + 1, sizeof *pass);
    size_t ndirs = 0;
    int npass = 0, i, help = 0, rc;
    const char *delay = getenv("MCP_FILESYSTEM_TEST_DELAY_MS");
    mcp_server_t *srv;
    mcp_error_t err = {0, ""};
    char why[1024];
    roots_t *roots;

    if (!dirs || !pass) {
        fprintf(stderr, PROG ": out of memory\n");
        return 1;
    }
    pass[npass++] = argv[0];
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (++i < argc)
                dirs[ndirs++] = argv[i];
            break;
        }
        if (strcmp(a, "--allow-client-roots") == 0) {
            fs_allow_client_roots = true;
            continue;
        }
        if (a[0] == '-' && a[1] != '\0') {
            if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "--version") == 0)
                help = 1;
            pass[npass++] = argv[i];
            if (takes_value(a) && i + 1 < argc)
                pass[npass++] = argv[++i];
        } else {
            dirs[ndirs++] = a;
        }
    }
    if (help && strcmp(pass[npass - 1], "--version") != 0)
        usage(stdout);
    if (!help && ndirs == 0)
        fprintf(stderr, PROG ": no directory given: only clients that offer roots can use this "
                             "server\n");
    if (!help) {
        if (!(roots = roots_new(dirs, ndirs, why, sizeof why))) {
            fprintf(stderr, PROG ": error: %s\n", why);
            free(dirs);
            free(pass);
            return 1;
        }
        sandbox_replace(roots);
    }
    if (delay)
        sandbox_test_delay_ms = (unsigned)strtoul(delay, NULL, 10);

    if (!(srv = mcp_server_new(PROG, MCP_VERSION_STRING))) {
        fprintf(stderr, PROG ": out of memory\n");
        rc = 1;
        goto out;
    }
    mcp_server_set_title(srv, "Filesystem (libmcp)");
    mcp_server_set_instructions(
        srv, "Files are reachable only inside the allowed directories: call "
             "list_allowed_directories first. Relative paths resolve against them.");
    if ((rc = fs_register_tools(srv, &err)) != MCP_OK) {
        fprintf(stderr, PROG ": error: %s\n", err.text);
        mcp_server_free(srv);
        rc = 1;
        goto out;
    }
    rc = mcp_server_main(srv, npass, pass); /* frees srv */
out:
    sandbox_replace(NULL);
    free(dirs);
    free(pass);
    return rc;
}
