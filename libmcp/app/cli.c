/*
 * mcp_server_main(): the standard command line every libmcp server gets.
 *
 *   --stdio              serve over stdin/stdout (the default)
 *   --http [HOST:]PORT   serve Streamable HTTP; --sse [HOST:]PORT the legacy HTTP+SSE transport
 *                        (both may run at once; their options are in cli_http.c)
 *   --log-level LEVEL    stderr log threshold: debug, info, notice, warning (default), error, ...
 *   --limit NAME=N       set one mcp_limit (names in `limits` below), e.g. --limit
 * subscriptions=100
 *   --tool-timeout MS    execution time limit of tool calls whose tool sets none (0 = none)
 *   --state-key-file PATH, --workers N   replicas and worker processes (cli_scale.c)
 *   --page-size N        MCP_LIMIT_PAGE_SIZE;  --ping-interval MS  MCP_LIMIT_PING_INTERVAL_MS
 *   --version            print "<name> <version> (libmcp X.Y.Z)" and exit
 *   -h, --help           print usage and exit
 *
 * SIGINT and SIGTERM stop the server gracefully (calls in flight finish, replies are flushed).
 * EOF on stdin (STDIO) and a signal both end the process within the transport's grace period
 * even while a blocking tool is stuck: once every transport has closed, handlers still running
 * on pool threads (libuv cannot stop them) are abandoned and the process exits with status 0
 * after a warning line on stderr.
 */
#include "app/app.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* The names --limit takes, one per mcp_limit. */
static const struct {
    const char *name;
    mcp_limit which;
} limits[] = {
    {"page-size", MCP_LIMIT_PAGE_SIZE},
    {"message-bytes", MCP_LIMIT_MESSAGE_BYTES},
    {"json-depth", MCP_LIMIT_JSON_DEPTH},
    {"batch-items", MCP_LIMIT_BATCH_ITEMS},
    {"inflight", MCP_LIMIT_INFLIGHT},
    {"request-timeout-ms", MCP_LIMIT_REQUEST_TIMEOUT_MS},
    {"uri-bytes", MCP_LIMIT_URI_BYTES},
    {"subscriptions", MCP_LIMIT_SUBSCRIPTIONS},
    {"tasks-per-client", MCP_LIMIT_TASKS_PER_CLIENT},
    {"request-states", MCP_LIMIT_REQUEST_STATES},
    {"log-rate", MCP_LIMIT_LOG_RATE},
    {"log-burst", MCP_LIMIT_LOG_BURST},
    {"pool-per-client", MCP_LIMIT_POOL_PER_CLIENT},
    {"ping-interval-ms", MCP_LIMIT_PING_INTERVAL_MS}, /* one per line */
};

/* "NAME=N" -> the limit set; false when the name is unknown or N is not a positive integer. */
static bool set_limit_arg(mcp_server_t *srv, const char *arg)
{
    const char *eq = arg ? strchr(arg, '=') : NULL;
    char *end = NULL;
    unsigned long long v;
    size_t i;
    if (!eq || eq[1] < '0' || eq[1] > '9')
        return false;
    v = strtoull(eq + 1, &end, 10);
    if (*end || v == 0 || v > SIZE_MAX)
        return false;
    for (i = 0; i < sizeof limits / sizeof limits[0]; i++)
        if (strlen(limits[i].name) == (size_t)(eq - arg) &&
            strncmp(limits[i].name, arg, (size_t)(eq - arg)) == 0)
            return mcp_server_set_limit(srv, limits[i].which, (size_t)v) == MCP_OK;
    return false;
}

static void usage(mcp_server_t *srv, FILE *to, const char *argv0)
{
    fprintf(to,
            "Usage: %s [--stdio | --http [HOST:]PORT | --sse [HOST:]PORT] [HTTP options]\n"
            "          [--log-level LEVEL] [--limit NAME=N]... [--tool-timeout MS]\n"
            "          [--state-key-file PATH] [--workers N]\n"
            "          [--page-size N] [--ping-interval MS]\n"
            "          [--version] [--help]\n"
            "\n"
            "%s %s: a Model Context Protocol server built with libmcp %s.\n"
            "\n"
            "  --stdio            serve MCP over stdin/stdout (default)\n"
            "  --log-level LEVEL  stderr log threshold: debug, info, notice, warning (default),\n"
            "                     error, critical, alert, emergency\n"
            "  --limit NAME=N     set a per-client limit (repeatable); NAME is one of\n"
            "                     page-size, message-bytes, json-depth, batch-items, inflight,\n"
            "                     request-timeout-ms, uri-bytes (2048), subscriptions (1000),\n"
            "                     tasks-per-client (100), request-states (100000),\n"
            "                     log-rate (100 a second), log-burst (200),\n"
            "                     pool-per-client (half the thread pool), ping-interval-ms\n"
            "  --page-size N      items per tools/resources/prompts list page (default 100)\n"
            "  --ping-interval MS send a keep-alive ping to each 2025-era session every MS\n"
            "                     milliseconds; unanswered ones are logged (default 0: never)\n"
            "  --tool-timeout MS  answer a tool call still running after MS milliseconds with a\n"
            "                     timeout error and cancel it (tools may set their own; default\n"
            "                     0: no limit)\n"
            "  --version          print the version and exit\n"
            "  -h, --help         print this help and exit\n"
            "\n"
            "HTTP (stdio stays the default when neither --http nor --sse is given):\n"
            "%s%s",
            argv0, srv->name, srv->version, MCP_VERSION_STRING, mcp__http_cli_usage,
            mcp__scale_cli_usage);
}

/* A supervisor may start the server with fd 0, 1 or 2 closed. libuv would then get one of them
 * for its own descriptors (the loop's epoll fd, the signal pipe) and abort when closing it
 * (it asserts fd > STDERR_FILENO), so put /dev/null on each closed one before libuv runs.
 * open() returns the lowest free descriptor: taken in order, each lands on the closed one. */
static void fill_std_fds(void)
{
    int fd, got;
    for (fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (got >= 0 && got != fd)
            close(got); /* not the lowest free one after all: leave it */
    }
}

/* Every transport has closed, but blocking handlers still run on pool threads and would keep
 * the loop (and the process) alive until they return, which may be never. Nobody can hear them
 * any more: leave without them. stdout holds nothing of ours (STDIO writes its own descriptor,
 * already flushed and closed); stdio's buffers are flushed for the author's sake. */
static void pool_stuck(mcp_server_t *srv, size_t n)
{
    mcp_server_log(srv, MCP_LOG_WARNING,
                   "grace period over: %zu blocking tool call(s) still running on the thread "
                   "pool; exiting without them",
                   n);
    fflush(NULL);
    _exit(0);
}

static void on_signal(uv_signal_t *sig, int signum)
{
    mcp_server_t *srv = sig->data;
    (void)signum;
    mcp_server_stop(srv);
}

/* The signal handles live on the heap: on an attached loop their close callbacks run whenever
 * the caller next runs it, long after this function returned. */
static void free_handle(uv_handle_t *h)
{
    free(h);
}

int mcp_server_main(mcp_server_t *srv, int argc, char **argv)
{
    const char *argv0 = argc > 0 && argv[0] ? argv[0] : "mcp-server";
    uv_signal_t *sigint, *sigterm;
    int i, rc, hr;
    struct mcp__http_cli *hcli = NULL;
    struct mcp__scale_cli scale = {NULL, 0};

    if (!srv)
        return 1;
    fill_std_fds();
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--stdio") == 0) {
            continue;
        } else if ((hr = mcp__scale_cli_flag(&scale, argc, argv, &i, argv0)) != 0 ||
                   (hr = mcp__http_cli_flag(&hcli, argc, argv, &i, argv0)) != 0) {
            if (hr < 0) {
                mcp__http_cli_free(hcli);
                mcp_server_free(srv);
                return 2;
            }
        } else if (strcmp(a, "--log-level") == 0 || strncmp(a, "--log-level=", 12) == 0) {
            const char *v = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
            int level = mcp_log_level_parse(v);
            if (level < 0) {
                fprintf(stderr,
                        "%s: --log-level needs one of debug, info, notice, warning, "
                        "error, critical, alert, emergency\n",
                        argv0);
                mcp__http_cli_free(hcli);
                mcp_server_free(srv);
                return 2;
            }
            mcp_server_set_log_level(srv, (mcp_log_level)level);
        } else if (strcmp(a, "--limit") == 0 || strncmp(a, "--limit=", 8) == 0) {
            const char *v = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            if (!set_limit_arg(srv, v)) {
                fprintf(stderr,
                        "%s: --limit needs NAME=N with a known NAME and N >= 1 (see --help)\n",
                        argv0);
                mcp__http_cli_free(hcli);
                mcp_server_free(srv);
                return 2;
            }
        } else if (strcmp(a, "--page-size") == 0 || strncmp(a, "--page-size=", 12) == 0 ||
                   strcmp(a, "--ping-interval") == 0 || strncmp(a, "--ping-interval=", 16) == 0) {
            bool page = a[2] == 'p' && a[3] == 'a';
            size_t flen = page ? 11 : 15;
            const char *v = a[flen] == '=' ? a + flen + 1 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            unsigned long long n = v && *v >= '0' && *v <= '9' ? strtoull(v, &end, 10) : 0;
            if (!end || *end || (page && (n == 0 || n > 100000)) || n > 86400000ull) {
                fprintf(stderr,
                        page ? "%s: --page-size needs a number of items, 1 to 100000\n"
                             : "%s: --ping-interval needs milliseconds, 0 to 86400000\n",
                        argv0);
                mcp__http_cli_free(hcli);
                mcp_server_free(srv);
                return 2;
            }
            mcp_server_set_limit(srv, page ? MCP_LIMIT_PAGE_SIZE : MCP_LIMIT_PING_INTERVAL_MS,
                                 (size_t)n);
        } else if (strcmp(a, "--tool-timeout") == 0 || strncmp(a, "--tool-timeout=", 15) == 0) {
            const char *v = a[14] == '=' ? a + 15 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            unsigned long long ms = v && *v >= '0' && *v <= '9' ? strtoull(v, &end, 10) : 0;
            if (!end || *end || ms > 86400000ull) {
                fprintf(stderr, "%s: --tool-timeout needs milliseconds, 0 to 86400000\n", argv0);
                mcp__http_cli_free(hcli);
                mcp_server_free(srv);
                return 2;
            }
            mcp_server_set_limit(srv, MCP_LIMIT_TOOL_TIMEOUT_MS, (size_t)ms);
        } else if (strcmp(a, "--version") == 0) {
            fprintf(stdout, "%s %s (libmcp %s)\n", srv->name, srv->version, MCP_VERSION_STRING);
            mcp__http_cli_free(hcli);
            mcp_server_free(srv);
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(srv, stdout, argv0);
            mcp__http_cli_free(hcli);
            mcp_server_free(srv);
            return 0;
        } else {
            fprintf(stderr, "%s: unknown option '%s'\n\n", argv0, a);
            usage(srv, stderr, argv0);
            mcp__http_cli_free(hcli);
            mcp_server_free(srv);
            return 2;
        }
    }

    if (mcp__scale_cli_key(srv, &scale, argv0) != 0) {
        mcp__http_cli_free(hcli);
        mcp_server_free(srv);
        return 2;
    }
    if (scale.workers) {
        unsigned grace_ms = 0;
        int hold = mcp__http_cli_workers(hcli, scale.workers, &grace_ms, argv0);
        if (hold < 0) {
            mcp__http_cli_free(hcli);
            mcp_server_free(srv);
            return 2;
        }
        if ((rc = mcp__scale_cli_supervise(&scale, hold, grace_ms, argv0)) >= 0) {
            mcp__http_cli_free(hcli); /* the parent: every worker has stopped */
            mcp_server_free(srv);
            return rc;
        }
        /* a worker: a loop made before the fork (timers a server set up) needs its kernel
         * state made anew in this process */
        if (srv->loop && (rc = uv_loop_fork(srv->loop)) != 0) {
            fprintf(stderr, "%s: worker: cannot renew the event loop: %s\n", argv0,
                    uv_strerror(rc));
            mcp__http_cli_free(hcli);
            mcp_server_free(srv);
            return 1;
        }
    }
    srv->on_pool_stuck = pool_stuck;
    if ((rc = mcp__server_ensure_loop(srv)) != MCP_OK) {
        fprintf(stderr, "%s: cannot start the event loop: %s\n", argv0, mcp_strerror(rc));
        mcp__http_cli_free(hcli);
        mcp_server_free(srv);
        return 1;
    }
    sigint = malloc(sizeof *sigint);
    sigterm = malloc(sizeof *sigterm);
    if (!sigint || !sigterm) {
        free(sigint);
        free(sigterm);
        mcp__http_cli_free(hcli);
        mcp_server_free(srv);
        return 1;
    }
    uv_signal_init(srv->loop, sigint);
    uv_signal_init(srv->loop, sigterm);
    sigint->data = sigterm->data = srv;
    uv_signal_start(sigint, on_signal, SIGINT);
    uv_signal_start(sigterm, on_signal, SIGTERM);
    /* Signals must not keep the loop alive once the transports are done. */
    uv_unref((uv_handle_t *)sigint);
    uv_unref((uv_handle_t *)sigterm);

    if (mcp__http_cli_wanted(hcli)) {
        rc = mcp__http_cli_start(srv, hcli, argv0);
        if (rc == MCP_OK)
            uv_run(srv->loop, UV_RUN_DEFAULT);
    } else if ((rc = mcp_server_listen_stdio(srv)) != MCP_OK) {
        fprintf(stderr, "%s: cannot serve stdio: %s\n", argv0, mcp_strerror(rc));
    } else {
        mcp_server_log(srv, MCP_LOG_INFO, "serving MCP over stdio");
        uv_run(srv->loop, UV_RUN_DEFAULT);
    }
    uv_close((uv_handle_t *)sigint, free_handle);  /* finished by mcp_server_free (own loop) */
    uv_close((uv_handle_t *)sigterm, free_handle); /* or by the caller's next uv_run */
    mcp__http_cli_free(hcli);
    mcp_server_free(srv);
    return rc == MCP_OK ? 0 : 1;
}
