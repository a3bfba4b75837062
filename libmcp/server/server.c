/*
 * The server object: creation with its defaults, the list of started transports, what stopping
 * means (long-lived listen requests end, running tasks are cancelled, every transport stops
 * accepting and closes once its calls end), and freeing. What the author sets on a server is in
 * core/settings.c; how a message is routed is in dispatch.c.
 */
#include "server/server.h"

/* mcp_server_stop(), on the loop thread: stop gracefully. */
static void stopping(mcp_server_t *srv)
{
    mcp__transport *t, *next_t;
    mcp__listeners_end(srv, NULL); /* long-lived listen requests end gracefully */
    mcp__tasks_stop(srv);          /* running tasks are cancelled */
    mcp__keepalive_stop(srv);      /* no more pings */
    for (t = srv->transports; t; t = next_t) {
        next_t = t->next;
        t->stop(t);
    }
}

mcp_server_t *mcp_server_new(const char *name, const char *version)
{
    mcp_server_t *srv;
    if (!name || !version || !*name)
        return NULL;
    srv = calloc(1, sizeof *srv);
    if (!srv)
        return NULL;
    srv->name = strdup(name);
    srv->version = strdup(version);
    if (!srv->name || !srv->version) {
        free(srv->name);
        free(srv->version);
        free(srv);
        return NULL;
    }
    srv->page_size = 100;
    srv->max_message = 4u << 20;
    srv->max_depth = 64;
    srv->max_batch = 100;
    srv->max_inflight = 1024;
    srv->request_timeout_ms = 60000;
    srv->max_uri = 2048;
    srv->max_subscriptions = 1000;
    srv->max_tasks_per_client = 100;
    srv->max_request_states = 100000;
    srv->log_rate = 100;
    srv->log_burst = 200;
    srv->log_level = MCP_LOG_WARNING;
    mcp__registry_init(&srv->reg);
    srv->on_stop = stopping; /* run by the loop side (core/loop.c) */
    return srv;
}

void mcp__server_session_draining(mcp__session *s)
{
    if (s->srv)
        mcp__listeners_end(s->srv, s); /* listen requests end gracefully while they still can */
}

void mcp__server_session_end(mcp__session *s)
{
    mcp__session_close(s);          /* sends are dropped from now on */
    mcp__session_drop_questions(s); /* open questions fail with MCP_EIO */
    if (s->srv)
        mcp__listeners_end(s->srv, s);
}

void mcp__server_add_transport(mcp_server_t *srv, mcp__transport *t)
{
    t->next = srv->transports;
    srv->transports = t;
}

void mcp__server_remove_transport(mcp_server_t *srv, mcp__transport *t)
{
    mcp__transport **pp;
    for (pp = &srv->transports; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            t->next = NULL;
            break;
        }
    if (!srv->transports) { /* nobody is left to hear a call still waiting for a thread */
        mcp__calls_drop_waiting(srv);
        mcp__pool_orphaned(srv);
        if (srv->on_unserved)
            srv->on_unserved(srv);
    }
}

unsigned mcp_server_http_port(mcp_server_t *srv, int legacy)
{
    mcp__transport *t;
    mcp__transport_kind want = legacy ? MCP__TRANSPORT_SSE : MCP__TRANSPORT_HTTP;
    for (t = srv ? srv->transports : NULL; t; t = t->next)
        if (t->kind == want && t->port)
            return t->port;
    return 0;
}

int mcp_server_run(mcp_server_t *srv)
{
    if (!srv || !srv->own_loop || !srv->transports)
        return srv ? MCP_ESTATE : MCP_EINVAL;
    uv_run(srv->loop, UV_RUN_DEFAULT);
    return MCP_OK;
}

void mcp_server_free(mcp_server_t *srv)
{
    mcp__session *s;
    if (!srv)
        return;
    if (srv->on_unserved)
        srv->on_unserved(srv); /* mounted servers' connections end before the registry goes */
    while (srv->transports) {
        mcp__transport *t = srv->transports;
        srv->transports = t->next;
        t->next = NULL;
        t->free(t);
    }
    mcp__tasks_free(srv); /* tasks.c */
    mcp__keepalive_stop(srv);
    mcp__calls_drop_waiting(srv);
    mcp__pool_free(srv);
    mcp__store_free(srv); /* its handles close with the loop below */
    mcp__loop_close(srv); /* an own loop runs until the pool's running work came back */
    mcp__pool_detach(srv);
    for (s = srv->sessions; s; s = s->next)
        s->srv = NULL;
    mcp__registry_free(&srv->reg);
    mcp__middleware_free(srv);
    mcp__extensions_free(srv);
    mcp__methods_free(srv);
    mcp__nonces_free(srv);
    json_decref(srv->icons);
    json_decref(srv->info);
    json_decref(srv->reply_env);
    json_decref(srv->spare_result);
    free(srv->name);
    free(srv->version);
    free(srv->title);
    free(srv->description);
    free(srv->website_url);
    free(srv->instructions);
    free(srv);
}
