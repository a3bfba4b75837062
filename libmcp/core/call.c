/*
 * Calls: one request being served, from dispatch to reply.
 *
 * A method handler (tools/call, resources/read, ...) runs with the call; the author's handler
 * builds the result on it and returns MCP_OK (reply now), MCP_PENDING (reply later, from the
 * loop with mcp_call_complete() or from any thread with mcp_call_complete_threadsafe()), or an
 * error. Tools flagged MCP_TOOL_BLOCKING run on the libuv thread pool, handed out fairly by
 * pool.c. Whatever the path, the reply is built and sent on the loop thread by
 * mcp__call_finish(), exactly once; a cancelled call's reply is dropped, as the protocol asks.
 * A tool call past its execution time limit is answered at once with a timeout error and
 * cancelled; the call itself lives on until its handler lets go of it.
 */
#include "core/core.h"

#include <pthread.h>
#include <stdarg.h>

/* Take the call off its session's in-flight list. */
static void unlink_call(mcp_call_t *call)
{
    mcp__session *s = call->sess;
    if (call->prev)
        call->prev->next = call->next;
    else if (s->calls == call)
        s->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    call->prev = call->next = NULL;
    s->ncalls--;
}

static void link_call(mcp_call_t *call, mcp__session *s)
{
    call->sess = s;
    call->next = s->calls;
    if (s->calls)
        s->calls->prev = call;
    s->calls = call;
    s->ncalls++;
}

/* Who counts as one client for the pool's fair share (pool.c): the principal when the request
 * was authenticated, else the peer address of a per-request session, else the session. Owned. */
static char *client_key(const mcp__session *s)
{
    char *text = NULL, *key;
    int n;
    if (s->principal)
        text = json_dumps(s->principal, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (text)
        n = snprintf(NULL, 0, "p:%s", text);
    else if (s->client)
        n = snprintf(NULL, 0, "a:%s", s->client);
    else
        n = snprintf(NULL, 0, "s:%p", (const void *)s);
    key = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (key && text)
        snprintf(key, (size_t)n + 1, "p:%s", text);
    else if (key && s->client)
        snprintf(key, (size_t)n + 1, "a:%s", s->client);
    else if (key)
        snprintf(key, (size_t)n + 1, "s:%p", (const void *)s);
    free(text);
    return key;
}

void mcp__call_move(mcp_call_t *call, mcp__session *to)
{
    mcp__session *from = call->sess;
    if (!call->client) /* a task's session is no client: keep counting the one that asked */
        call->client = client_key(from);
    unlink_call(call);
    mcp__session_ref(to);
    link_call(call, to);
    if (from->ncalls == 0 && from->ops && from->ops->idle)
        from->ops->idle(from);
    mcp__session_unref(from);
}

mcp_call_t *mcp__call_new(mcp__session *s, const mcp__msg *m)
{
    mcp_call_t *call = calloc(1, sizeof *call);
    if (!call)
        return NULL;
    call->result = s->srv->spare_result ? s->srv->spare_result : json_object();
    s->srv->spare_result = NULL;
    call->params = m->params ? json_incref(m->params) : json_object();
    if (!call->result || !call->params) {
        json_decref(call->result);
        json_decref(call->params);
        free(call);
        return NULL;
    }
    call->srv = s->srv;
    mcp__session_ref(s);
    call->id = json_incref(m->id);
    call->method = m->method;
    call->meta = m->params ? m->meta : NULL; /* classify read params._meta already */
    call->builds = MCP__KINDS;
    call->state = MCP__CALL_RUNNING;
    call->tctx = s->rx;
    call->principal = json_incref(s->rx_principal ? s->rx_principal : s->principal);
    call->started = uv_hrtime();
    link_call(call, s);
    if (s->ops && s->ops->call_begin)
        s->ops->call_begin(s, call);
    return call;
}

void mcp__call_set_error(mcp_call_t *call, int code, json_t *data, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_decref(call->error);
    call->error = json_pack("{s:i, s:s}", "code", code, "message", msg);
    if (call->error && data)
        json_object_set_new(call->error, "data", data);
    else
        json_decref(data);
}

int mcp_call_fail_new(mcp_call_t *call, int code, json_t *data, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    if (!call || !fmt) {
        json_decref(data);
        return MCP_EINVAL;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mcp__call_set_error(call, code, data, "%s", msg);
    return call->error ? MCP_OK : MCP_ENOMEM;
}

/* 2026-07-28 results say what kind of result they are and who served them. */
static void decorate_stateless(mcp_call_t *call)
{
    json_t *meta;
    if (!json_object_get(call->result, "resultType"))
        json_object_set_new(call->result, "resultType", json_string("complete"));
    meta = json_object_get(call->result, "_meta");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(call->result, "_meta", meta);
    }
    json_object_set_new(meta, "io.modelcontextprotocol/serverInfo", mcp__server_info(call->srv));
}

bool mcp__call_asking(const mcp_call_t *call)
{
    return call->questions && call->questions->asking && call->questions->asking(call);
}

static json_t *result_envelope(mcp_call_t *call);

static json_t *build_reply(mcp_call_t *call, mcp__reply_class *cls)
{
    if (!call->error && mcp__call_asking(call))
        call->questions->reply(call); /* 2026: the questions go back as input_required */
    else if (!call->error && call->finish)
        call->finish(call);
    if (call->error) {
        json_t *code = json_object_get(call->error, "code");
        json_t *msg = json_object_get(call->error, "message");
        json_t *data = json_object_get(call->error, "data");
        int c = (int)json_integer_value(code);
        if (c == MCP_ERROR_RESOURCE_NOT_FOUND && !data && call->uri) {
            data = json_pack("{s:s}", "uri", call->uri); /* say which URI, always */
            json_object_set_new(call->error, "data", data);
        }
        /* 2026-07-28 retired -32002: resource not found is invalid params there. */
        if (c == MCP_ERROR_RESOURCE_NOT_FOUND && call->ctx.stateless)
            c = MCP_JSONRPC_INVALID_PARAMS;
        *cls = call->forbidden ? MCP__REPLY_FORBIDDEN : mcp__reply_class_of(c);
        return mcp__jsonrpc_error(call->id, c, json_string_value(msg), json_incref(data));
    }
    if (call->ctx.stateless)
        decorate_stateless(call);
    *cls = MCP__REPLY_OK;
    return result_envelope(call);
}

/* The {"jsonrpc", "id", "result"} envelope of a result: the server's spare one when it has it
 * (new reference). Building a fresh object cost a hash table, three members and a string on
 * every reply; the spare one only has its id and result replaced. Calls end on the loop
 * thread only, so the spare needs no lock. */
static json_t *result_envelope(mcp_call_t *call)
{
    json_t *env = call->srv->reply_env;
    if (!env)
        return mcp__jsonrpc_result(call->id, json_incref(call->result));
    call->srv->reply_env = NULL;
    if (json_object_set_nocheck(env, "id", call->id) != 0 ||
        json_object_set_nocheck(env, "result", call->result) != 0) {
        json_decref(env);
        return NULL;
    }
    return env;
}

/* Keep a sent result envelope as the spare when nothing else holds it (a transport, a batch or
 * an observer may have kept a reference: then it is theirs); steals `env`. */
static void recycle_envelope(mcp_server_t *srv, json_t *env)
{
    if (env && !srv->reply_env && env->refcount == 1 &&
        json_object_set_nocheck(env, "id", json_null()) == 0 &&
        json_object_set_nocheck(env, "result", json_null()) == 0) {
        srv->reply_env = env;
        return;
    }
    json_decref(env);
}

/* Answer the call: send `reply` (stolen), or with `build` the reply built from the call unless
 * it was cancelled; the call leaves its session's in-flight list and the transport ends it. */
static void answer(mcp_call_t *call, json_t *reply, bool build)
{
    mcp__session *s = call->sess;
    mcp__reply_class cls = MCP__REPLY_OK;

    call->answered = true;
    unlink_call(call);
    if (build && !__atomic_load_n(&call->cancelled, __ATOMIC_ACQUIRE))
        reply = build_reply(call, &cls);
    if (call->observe)
        call->observe(call, reply);
    if (call->batch)
        mcp__batch_add(call->batch, reply, call); /* NULL (cancelled) just counts down */
    else if (reply)
        mcp__session_reply(s, reply, call, cls);
    if (!s->closed && s->ops && s->ops->call_end)
        s->ops->call_end(s, call, reply != NULL);
    if (build && cls == MCP__REPLY_OK && !call->error && call->srv)
        recycle_envelope(call->srv, reply);
    else
        json_decref(reply);
}

void mcp__call_finish(mcp_call_t *call)
{
    mcp__session *s = call->sess;
    bool early = call->answered; /* timed out: answered and ended at the transport already */

    if (call->state == MCP__CALL_DONE)
        return;
    call->state = MCP__CALL_DONE;
    mcp__pool_deadline_clear(call);
    if (!early)
        answer(call, NULL, true);
    if (call->questions) /* 2025: open questions are cancelled; 2026: callbacks get MCP_ERETRY */
        call->questions->end(call);

    json_decref(call->id);
    json_decref(call->params);
    /* the result object, emptied, serves the next call unless something else holds it */
    if (call->srv && !call->srv->spare_result && call->result && call->result->refcount == 1 &&
        json_object_clear(call->result) == 0)
        call->srv->spare_result = call->result;
    else
        json_decref(call->result);
    json_decref(call->error);
    json_decref(call->principal);
    mcp__ctx_clear(&call->ctx);
    mcp__item_unref(call->item);
    free(call->uri);
    json_decref(call->vars);
    free(call->progress);
    free(call->client);
    free(call);
    if (!early && s->ncalls == 0 && s->ops && s->ops->idle)
        s->ops->idle(s);
    mcp__session_unref(s);
}

void mcp__call_run(mcp_call_t *call, int (*fn)(mcp_call_t *))
{
    int st = fn(call);
    if (st == MCP_PENDING) {
        if (call->state == MCP__CALL_POOL)
            return; /* the thread pool's after-work step takes over */
        if (call->complete_requested || mcp__call_asking(call)) {
            mcp__call_finish(call);
            return;
        }
        call->state = MCP__CALL_PENDING;
        return;
    }
    if (st < 0 && !call->error)
        mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: %s",
                            mcp_strerror(st));
    mcp__call_finish(call);
}

/* ---- 2025-03-26 batches: replies go out together ------------------------------------- */

struct mcp__batch {
    mcp__session *sess;
    json_t *replies;
    size_t outstanding; /* calls still running, plus one while the batch is being dispatched */
};

/* The replies go out together, related to the call that completed the batch (NULL while the
 * batch is still being received). */
static void batch_flush(mcp__batch *b, mcp_call_t *last)
{
    if (json_array_size(b->replies) > 0)
        mcp__session_reply(b->sess, b->replies, last, MCP__REPLY_OK);
    json_decref(b->replies);
    mcp__session_unref(b->sess);
    free(b);
}

void mcp__batch_add(mcp__batch *b, json_t *reply, mcp_call_t *call)
{
    if (reply)
        json_array_append(b->replies, reply);
    if (--b->outstanding == 0)
        batch_flush(b, call);
}

mcp__batch *mcp__batch_new(mcp__session *s)
{
    mcp__batch *b = calloc(1, sizeof *b);
    if (!b || !(b->replies = json_array())) {
        free(b);
        return NULL;
    }
    b->sess = s;
    mcp__session_ref(s);
    b->outstanding =
        1; /* the dispatch of the batch itself: mcp__batch_add(b, NULL, NULL) ends it */
    return b;
}

void mcp__batch_reply(mcp__batch *b, json_t *reply)
{
    json_array_append(b->replies, reply);
}

void mcp__call_join_batch(mcp_call_t *call, mcp__batch *b)
{
    call->batch = b;
    b->outstanding++;
}

/* ---- blocking tools on the libuv thread pool ------------------------------------------- */

static void pool_work(uv_work_t *w)
{
    mcp_call_t *call = w->data;
    call->status = call->item->fn.tool(call, call->args, call->item->userdata);
}

static void pool_after(uv_work_t *w, int status)
{
    mcp_call_t *call = w->data;
    (void)status;               /* UV_ECANCELED cannot happen: libmcp never cancels queued work */
    mcp__pool_done(call);       /* its thread is free: the next waiting call may start */
    mcp__loop_drain(call->srv); /* what the handler sent goes out before its reply */
    call->state = MCP__CALL_RUNNING;
    while (call->deferred) { /* questions it asked, in order */
        mcp__post *p = call->deferred, **pp = &call->deferred;
        while (p->next) {
            pp = &p->next;
            p = p->next;
        }
        *pp = NULL;
        p->run(p);
    }
    if (call->status == MCP_PENDING) {
        if (call->complete_requested || mcp__call_asking(call))
            mcp__call_finish(call);
        else
            call->state = MCP__CALL_PENDING;
        return;
    }
    if (call->status < 0 && !call->error)
        mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL, "Internal error: %s",
                            mcp_strerror(call->status));
    mcp__call_finish(call);
}

/* Not to libuv directly: pool.c queues the call behind its client and starts it when a thread
 * is free and its client has fewer than its share running. */
int mcp__call_run_blocking(mcp_call_t *call)
{
    char *key = call->client ? NULL : client_key(call->sess);
    int rc = MCP_ENOMEM;
    call->work.data = call;
    call->state = MCP__CALL_POOL; /* before a pool thread can see the call */
    if (call->client || key)
        rc = mcp__pool_submit(call->srv, call, call->client ? call->client : key, pool_work,
                              pool_after);
    free(key);
    if (rc != MCP_OK) {
        call->state = MCP__CALL_RUNNING;
        mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL,
                            "Internal error: could not queue blocking tool");
        return MCP_EIO;
    }
    return MCP_PENDING;
}

void mcp__calls_drop_waiting(mcp_server_t *srv)
{
    mcp_call_t *call;
    while ((call = mcp__pool_first_waiting(srv)) != NULL)
        mcp__call_cancel(call); /* never started: ends here, its reply dropped */
}

/* ---- execution time limit --------------------------------------------------------------- */

/* The deadline passed: answer now with a tool execution error (isError: true, which the model
 * sees; the request itself was valid), then cancel the call. A handler still running keeps the
 * call until it returns or completes; what it builds or sends after this is dropped. */
static void call_expired(mcp_call_t *call)
{
    mcp__session *s = call->sess;
    const char *name = call->item ? call->item->key : call->method;
    bool waiting;
    char text[256];
    json_t *res;

    if (call->state == MCP__CALL_DONE || call->answered ||
        __atomic_load_n(&call->cancelled, __ATOMIC_ACQUIRE))
        return; /* a cancelled call's reply is dropped anyway */
    waiting = mcp__pool_withdraw(call);
    snprintf(text, sizeof text, "Tool '%s' timed out after %zu ms", name, call->timeout_ms);
    mcp_server_log(call->srv, MCP_LOG_WARNING, "%s%s; the call is cancelled", text,
                   waiting ? " waiting for a pool thread" : "");
    res = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text, "isError", 1);
    if (res && call->ctx.stateless) {
        json_object_set_new(res, "resultType", json_string("complete"));
        json_object_set_new(
            res, "_meta",
            json_pack("{s:o}", "io.modelcontextprotocol/serverInfo", mcp__server_info(call->srv)));
    }
    mcp__session_ref(s); /* idle may end the transport's hold on the session */
    answer(call, res ? mcp__jsonrpc_result(call->id, res) : NULL, false);
    if (s->ncalls == 0 && s->ops && s->ops->idle)
        s->ops->idle(s);
    if (waiting) { /* the handler never ran: nothing holds the call */
        __atomic_store_n(&call->cancelled, 1, __ATOMIC_RELEASE);
        call->state = MCP__CALL_RUNNING;
        mcp__call_finish(call);
    } else {
        mcp__call_cancel(call); /* the handler sees it; its cancel callback runs */
    }
    mcp__session_unref(s);
}

void mcp__call_set_timeout(mcp_call_t *call, size_t ms)
{
    if (ms == 0 || call->state == MCP__CALL_DONE)
        return;
    call->timeout_ms = ms;
    mcp__pool_deadline(call->srv, call, ms, call_expired);
}

/* ---- completion ------------------------------------------------------------------------- */

void mcp_call_complete(mcp_call_t *call)
{
    if (!call)
        return;
    if (call->state == MCP__CALL_PENDING)
        mcp__call_finish(call);
    else if (call->state != MCP__CALL_DONE)
        call->complete_requested = true; /* the handler has not returned yet */
}

static void complete_run(mcp__post *p)
{
    mcp_call_complete(p->call);
}

void mcp_call_complete_threadsafe(mcp_call_t *call)
{
    if (!call)
        return;
    call->complete_post.call = call;
    call->complete_post.msg = NULL;
    call->complete_post.run = complete_run;
    if (mcp__loop_post(call->srv, &call->complete_post) != MCP_OK)
        mcp_call_complete(call); /* no loop yet: the caller is the only thread */
}

/* A message a call sent from another thread, on the loop now (unless the call ended first). */
static void send_run(mcp__post *p)
{
    if (p->call->state != MCP__CALL_DONE && !p->call->answered)
        mcp__session_send(p->call->sess, p->msg, p->call);
    json_decref(p->msg);
    free(p);
}

int mcp__call_send(mcp_call_t *call, json_t *msg)
{
    mcp__post *p;
    if (!msg)
        return MCP_ENOMEM;
    if (mcp__on_loop(call->srv) || !call->srv->ls) {
        if (!call->answered) /* timed out: its messages go nowhere now */
            mcp__session_send(call->sess, msg, call);
        json_decref(msg);
        return MCP_OK;
    }
    p = calloc(1, sizeof *p);
    if (!p) {
        json_decref(msg);
        return MCP_ENOMEM;
    }
    p->call = call;
    p->msg = msg;
    p->run = send_run;
    return mcp__loop_post(call->srv, p);
}

void mcp__calls_cancel_for(mcp__session *s, void *tctx)
{
    mcp_call_t *c, **found = NULL;
    size_t n = 0, i;
    for (c = s->calls; c; c = c->next)
        if (c->tctx == tctx)
            n++;
    if (n == 0 || !(found = malloc(n * sizeof *found)))
        return;
    n = 0;
    for (c = s->calls; c; c = c->next)
        if (c->tctx == tctx)
            found[n++] = c;
    mcp__session_ref(s); /* a cancel callback may end the last call and the transport's data */
    for (i = 0; i < n; i++) {
        /* an earlier callback may have completed (freed) this call: cancel it only if it is
         * still in flight */
        for (c = s->calls; c && c != found[i]; c = c->next)
            ;
        if (c && !mcp_call_is_cancelled(c))
            mcp__call_cancel(c);
    }
    mcp__session_unref(s);
    free(found);
}

void mcp__call_cancel(mcp_call_t *call)
{
    __atomic_store_n(&call->cancelled, 1, __ATOMIC_RELEASE);
    if (mcp__pool_withdraw(call)) { /* still waiting for a pool thread: it never runs */
        call->state = MCP__CALL_RUNNING;
        mcp__call_finish(call);
        return;
    }
    if (call->cancel_cb) {
        void (*cb)(mcp_call_t *, void *) = call->cancel_cb;
        call->cancel_cb = NULL;
        cb(call, call->cancel_ud);
    }
}

/* ---- the request context ---------------------------------------------------------------- */

json_t *mcp_call_result(mcp_call_t *call)
{
    return call ? call->result : NULL;
}

const char *mcp_call_protocol_version(const mcp_call_t *call)
{
    return call ? call->ctx.version : NULL;
}

const json_t *mcp_call_client_capabilities(const mcp_call_t *call)
{
    return call ? call->ctx.client_caps : NULL;
}

const json_t *mcp_call_client_info(const mcp_call_t *call)
{
    return call ? call->ctx.client_info : NULL;
}

const json_t *mcp_call_meta(const mcp_call_t *call)
{
    return call ? call->meta : NULL;
}

const char *mcp_call_method(const mcp_call_t *call)
{
    return call ? call->method : NULL;
}

mcp_server_t *mcp_call_server(const mcp_call_t *call)
{
    return call ? call->srv : NULL;
}

int mcp_call_is_cancelled(const mcp_call_t *call)
{
    return call ? __atomic_load_n(&call->cancelled, __ATOMIC_ACQUIRE) : 0;
}

int mcp_call_close_stream(mcp_call_t *call)
{
    mcp__session *s;
    if (!call)
        return MCP_EINVAL;
    s = call->sess;
    if (s->closed || !s->ops || !s->ops->close_stream || call->state == MCP__CALL_DONE ||
        call->answered)
        return MCP_ESTATE;
    return s->ops->close_stream(s, call);
}

void mcp_call_on_cancel(mcp_call_t *call, void (*cb)(mcp_call_t *call, void *userdata),
                        void *userdata)
{
    if (!call)
        return;
    call->cancel_cb = cb;
    call->cancel_ud = userdata;
}
