/*
 * The server's loop side: which libuv loop and thread own the server's state, and the one
 * cross-thread queue into it. Work from other threads (a completion, a message a blocking tool
 * sends, a question it asks) is queued as an mcp__post and run on the loop thread, in order,
 * after one uv_async_t wake-up. mcp_server_stop() travels the same way: the wake-up then calls
 * the stop hook the server object installed (srv->on_stop), so this file knows nothing of what
 * stopping involves.
 */
#include "core/core.h"

#include <pthread.h>

struct mcp__loopside {
    uv_async_t async;
    pthread_mutex_t lock;
    mcp__post *head, *tail; /* queued by other threads */
    mcp_server_t *srv;      /* NULL once the server is gone */
    int stop;               /* set by mcp_server_stop() (atomic) */
};

static void loopside_closed(uv_handle_t *h)
{
    struct mcp__loopside *ls = h->data;
    pthread_mutex_destroy(&ls->lock);
    free(ls);
}

void mcp__loop_drain(mcp_server_t *srv)
{
    struct mcp__loopside *ls = srv->ls;
    mcp__post *p, *next;
    if (!ls)
        return;
    pthread_mutex_lock(&ls->lock);
    p = ls->head;
    ls->head = ls->tail = NULL;
    pthread_mutex_unlock(&ls->lock);
    for (; p; p = next) {
        next = p->next;
        p->next = NULL;
        p->run(p); /* owns p from here */
    }
}

static void loopside_wake(uv_async_t *a)
{
    struct mcp__loopside *ls = a->data;
    mcp_server_t *srv = ls->srv;
    if (!srv)
        return;
    mcp__loop_drain(srv);
    if (__atomic_load_n(&ls->stop, __ATOMIC_ACQUIRE) && !srv->stopping) {
        srv->stopping = 1;
        if (srv->on_stop)
            srv->on_stop(srv);
    }
}

int mcp__loop_post(mcp_server_t *srv, mcp__post *p)
{
    struct mcp__loopside *ls = srv->ls;
    if (!ls)
        return MCP_ESTATE;
    pthread_mutex_lock(&ls->lock);
    p->next = NULL;
    if (ls->tail)
        ls->tail->next = p;
    else
        ls->head = p;
    ls->tail = p;
    pthread_mutex_unlock(&ls->lock);
    uv_async_send(&ls->async);
    return MCP_OK;
}

bool mcp__on_loop(const mcp_server_t *srv)
{
    uv_thread_t self = uv_thread_self();
    return srv->loop && uv_thread_equal(&self, &srv->loop_thread);
}

static int loopside_start(mcp_server_t *srv)
{
    struct mcp__loopside *ls;
    if (srv->ls)
        return MCP_OK;
    ls = calloc(1, sizeof *ls);
    if (!ls)
        return MCP_ENOMEM;
    if (pthread_mutex_init(&ls->lock, NULL) != 0) {
        free(ls);
        return MCP_ENOMEM;
    }
    if (uv_async_init(srv->loop, &ls->async, loopside_wake) != 0) {
        pthread_mutex_destroy(&ls->lock);
        free(ls);
        return MCP_EIO;
    }
    ls->async.data = ls;
    ls->srv = srv;
    /* The async handle never keeps a loop alive by itself: transports and pool work do. */
    uv_unref((uv_handle_t *)&ls->async);
    srv->ls = ls;
    return MCP_OK;
}

int mcp_server_attach(mcp_server_t *srv, uv_loop_t *loop)
{
    if (!srv || !loop || srv->loop)
        return MCP_EINVAL;
    srv->loop = loop;
    srv->loop_thread = uv_thread_self(); /* the caller runs the loop */
    return loopside_start(srv);
}

uv_loop_t *mcp_server_loop(mcp_server_t *srv)
{
    return srv ? srv->loop : NULL;
}

int mcp__server_ensure_loop(mcp_server_t *srv)
{
    if (srv->loop)
        return MCP_OK;
    srv->own_loop = malloc(sizeof *srv->own_loop);
    if (!srv->own_loop)
        return MCP_ENOMEM;
    if (uv_loop_init(srv->own_loop) != 0) {
        free(srv->own_loop);
        srv->own_loop = NULL;
        return MCP_EIO;
    }
    srv->loop = srv->own_loop;
    srv->loop_thread = uv_thread_self();
    return loopside_start(srv);
}

void mcp_server_stop(mcp_server_t *srv)
{
    if (!srv)
        return;
    if (srv->ls) {
        __atomic_store_n(&srv->ls->stop, 1, __ATOMIC_RELEASE);
        uv_async_send(&srv->ls->async);
    }
}

void mcp__loop_close(mcp_server_t *srv)
{
    if (srv->ls) {
        srv->ls->srv = NULL;
        uv_close((uv_handle_t *)&srv->ls->async, loopside_closed);
        srv->ls = NULL;
    }
    if (srv->own_loop) {
        uv_run(srv->own_loop, UV_RUN_DEFAULT); /* run close callbacks and leftover work */
        uv_loop_close(srv->own_loop);
        free(srv->own_loop);
        srv->own_loop = NULL;
    }
}
