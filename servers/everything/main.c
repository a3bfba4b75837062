/*
 * mcp-everything — a libmcp server with every MCP server feature, and the fixture the official
 * conformance suite runs against (tests/conformance/run.sh).
 *
 *   build/bin/mcp-everything [--stdio | --http [HOST:]PORT | --sse [HOST:]PORT] [--log-level L]
 *
 * Besides what the other files register, two timers run on the server's loop, both unref'd so
 * they never keep it alive: 2 s after start a tool, a resource and a prompt are added (clients
 * see list_changed), and every 3 s test://watched-resource changes (subscribers get
 * notifications/resources/updated).
 */
#include "everything.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DYNAMIC_AFTER_MS 2000
#define WATCH_PERIOD_MS  3000

static unsigned watched_revision = 1;

unsigned ev_watched_revision(void)
{
    return watched_revision;
}

void ev_watched_bump(void)
{
    watched_revision++;
}

struct timers {
    mcp_server_t *srv;
    uv_timer_t dynamic, watch;
};

static void on_dynamic(uv_timer_t *t)
{
    struct timers *tm = t->data;
    int rc = ev_add_dynamic(tm->srv);
    if (rc != MCP_OK)
        mcp_server_log(tm->srv, MCP_LOG_ERROR, "cannot add the dynamic items: %s",
                       mcp_strerror(rc));
}

static void on_watch(uv_timer_t *t)
{
    struct timers *tm = t->data;
    ev_watched_bump();
    mcp_server_resource_updated(tm->srv, "test://watched-resource");
}

static int set_identity(mcp_server_t *srv)
{
    /* 2026-07-28 results repeat serverInfo (icons included) in their _meta: keep it small */
    int rc = mcp_server_set_title(srv, "libmcp Everything Server");
    if (rc == MCP_OK)
        rc = mcp_server_set_description(
            srv, "Exercises every MCP server feature libmcp offers; the fixture of the official "
                 "MCP conformance suite");
    if (rc == MCP_OK)
        rc = mcp_server_set_instructions(
            srv, "Tools named test_* follow the MCP conformance suite's fixture contract; the "
                 "others (echo, add, get_weather, long_running_operation, slow_compute, ...) each "
                 "demonstrate one feature. Resources live under test:// and demo://.");
    if (rc == MCP_OK)
        rc = mcp_server_set_website_url(srv, "https://modelcontextprotocol.io");
    if (rc == MCP_OK)
        rc = mcp_server_set_icons(srv, "[{\"src\":\"https://modelcontextprotocol.io/favicon.ico\","
                                       "\"mimeType\":\"image/x-icon\",\"sizes\":[\"any\"]}]");
    return rc;
}

int main(int argc, char **argv)
{
    static uv_loop_t loop;
    static struct timers tm;
    mcp_error_t err = {0};
    mcp_server_t *srv;
    int rc;

    srv = mcp_server_new("mcp-everything", mcp_version_string());
    if (!srv) {
        fprintf(stderr, "mcp-everything: out of memory\n");
        return 1;
    }
    rc = set_identity(srv);
    if (rc == MCP_OK)
        rc = ev_add_fixtures(srv, &err);
    if (rc == MCP_OK)
        rc = ev_add_modern(srv, &err);
    if (rc == MCP_OK)
        rc = ev_add_demo(srv, &err);
    if (rc == MCP_OK)
        rc = ev_add_tasks(srv, &err);
    if (rc == MCP_OK)
        rc = ev_add_framework(srv, &err);
    if (rc == MCP_OK)
        rc = ev_add_skills(srv, &err);
    if (rc != MCP_OK) {
        fprintf(stderr, "mcp-everything: %s\n", err.text[0] ? err.text : mcp_strerror(rc));
        mcp_server_free(srv);
        return 1;
    }

    /* Our own loop, so the timers can be set up before mcp_server_main() serves on it. */
    if (uv_loop_init(&loop) != 0 || mcp_server_attach(srv, &loop) != MCP_OK) {
        fprintf(stderr, "mcp-everything: cannot set up the event loop\n");
        mcp_server_free(srv);
        return 1;
    }
    tm.srv = srv;
    uv_timer_init(&loop, &tm.dynamic);
    uv_timer_init(&loop, &tm.watch);
    tm.dynamic.data = tm.watch.data = &tm;
    uv_timer_start(&tm.dynamic, on_dynamic, DYNAMIC_AFTER_MS, 0);
    uv_timer_start(&tm.watch, on_watch, WATCH_PERIOD_MS, WATCH_PERIOD_MS);
    uv_unref((uv_handle_t *)&tm.dynamic); /* the timers never keep the server alive */
    uv_unref((uv_handle_t *)&tm.watch);

    /* Serves, then frees srv. The process ends right after, so the loop is not run again to
     * close what is left on it (the timers, and handles libmcp closed on its way out): both the
     * loop and the timers are static, hence still reachable at exit. */
    return mcp_server_main(srv, argc, argv);
}
