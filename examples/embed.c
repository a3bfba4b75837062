/* embed — libmcp inside a program that already has a libuv loop.
 *
 * The program owns the loop and runs it; libmcp attaches to it and never calls uv_run() itself.
 * Here the host program keeps a counter ticking on a timer, and the MCP tool `ticks` reports it:
 * the tool reads program state directly because it runs on the same loop thread — no locks.
 *
 * Try it: build/examples/embed, then call tools/call {"name":"ticks"}. EOF on stdin or SIGTERM
 * ends it.
 */
/* libuv's header needs POSIX types: under plain -std=c11 ask for them before any #include. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <mcp.h>
#include <uv.h>
#include <stdio.h>

struct app {
    uv_loop_t loop;
    uv_timer_t timer;
    uv_signal_t sigterm;
    unsigned long ticks;
    mcp_server_t *srv;
};

static void on_tick(uv_timer_t *t) {
    struct app *app = t->data;
    app->ticks++;
}

static int ticks(mcp_call_t *call, const json_t *args, void *userdata) {
    struct app *app = userdata;
    (void)args;
    return mcp_call_text(call, "%lu", app->ticks);
}

static void on_sigterm(uv_signal_t *s, int signum) {
    struct app *app = s->data;
    (void)signum;
    mcp_server_stop(app->srv); /* libmcp finishes its calls and closes STDIO */
}

int main(void) {
    struct app app = {0};
    uv_loop_init(&app.loop);

    /* The host program's own work on its loop. */
    uv_timer_init(&app.loop, &app.timer);
    app.timer.data = &app;
    uv_timer_start(&app.timer, on_tick, 10, 10);
    uv_unref((uv_handle_t *)&app.timer); /* the timer alone does not keep the program alive */
    uv_signal_init(&app.loop, &app.sigterm);
    app.sigterm.data = &app;
    uv_signal_start(&app.sigterm, on_sigterm, SIGTERM);
    uv_unref((uv_handle_t *)&app.sigterm);

    /* The MCP server on the same loop. */
    app.srv = mcp_server_new("embed-example", "1.0.0");
    if (!app.srv ||
        mcp_server_add_tool(app.srv, &(mcp_tool_t){.name = "ticks",
                                                   .description = "Timer ticks of the host program",
                                                   .handler = ticks, .userdata = &app}, NULL) ||
        mcp_server_attach(app.srv, &app.loop) || mcp_server_listen_stdio(app.srv)) {
        fprintf(stderr, "embed: cannot start the MCP server\n");
        return 1;
    }

    uv_run(&app.loop, UV_RUN_DEFAULT); /* returns once stdin is closed and replies are flushed */

    mcp_server_free(app.srv);
    uv_close((uv_handle_t *)&app.timer, NULL);
    uv_close((uv_handle_t *)&app.sigterm, NULL);
    uv_run(&app.loop, UV_RUN_DEFAULT); /* let the close callbacks run */
    return uv_loop_close(&app.loop) == 0 ? 0 : 1;
}
