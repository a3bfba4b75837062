/*
 * Tasks: tool calls that answer at once with a handle and finish later, for the client to poll.
 *
 * Two wire forms share one store and one machine:
 *   - 2025-11-25 ("v1"): the client asks with `params.task` on tools/call; the server answers
 *     CreateTaskResult {task}, then serves tasks/get, tasks/result (waits for the end), tasks/list
 *     and tasks/cancel, and sends notifications/tasks/status. Tasks belong to the session that
 *     created them.
 *   - 2026-07-28 extension io.modelcontextprotocol/tasks ("v2"): the server decides (when the
 *     handler goes asynchronous, or asks for it with mcp_call_task_start()), answers a flat
 *     CreateTaskResult with resultType "task", and serves tasks/get (result, error or
 *     inputRequests inlined), tasks/update (answers to inputRequests) and tasks/cancel (an ack).
 *
 * How a call becomes a task: the request is answered with the CreateTaskResult on its own stream,
 * the transport is told the call ended (call_end), and the call moves to the task's own session
 * (a mcp__session with this file's ops). The author's handler keeps the same mcp_call_t and
 * finishes it as usual; mcp__call_finish() then "sends" the reply to the task's session, whose
 * send op stores it in the task. Everything else the handler sends arrives there too: a
 * server->client request (mcp_call_elicit_new & co., which take the 2025 path for every task call)
 * becomes an open question of the task (status input_required): v1 forwards it to the owning
 * session with _meta related-task (through a waiting tasks/result, queued until one comes) and
 * routes the client's response back (mcp__tasks_response); v2 lists it in inputRequests until
 * tasks/update brings the answer. v1 notifications (progress, logs) are forwarded with the same
 * _meta; v2 has no channel for them and drops them.
 *
 * Who may see a task: the principal that created it (mcp_call_principal(), the one the
 * session or request was authenticated as) and, for a task created on a lasting session (2025
 * sessions, STDIO), that session only. Anyone else's tasks/get, tasks/result, tasks/list,
 * tasks/cancel and tasks/update get exactly what an unknown id gets. A 2026 request without
 * authentication has no one to be bound to: there the task id (128 random bits) is the
 * capability.
 *
 * Quotas: the store keeps at most `max` tasks, and each client at most MCP_LIMIT_TASKS_PER_CLIENT
 * of them (its principal when authenticated, else its session; see same_client()).
 *
 * Lifetime: a task is kept for its TTL from creation, then removed (a running one is cancelled
 * first); so are the tasks of a session that closed. A removed task whose call still runs is
 * freed when the call ends. Everything here runs on the loop thread.
 */
#include "features/features.h"

#include <time.h>

#define EXT_TASKS      "io.modelcontextprotocol/tasks"
#define META_RELATED   "io.modelcontextprotocol/related-task"
#define META_SERVER    "io.modelcontextprotocol/serverInfo"
#define TASK_CANCELLED MCP__ERROR_SERVER /* v1 tasks/result of a cancelled task */
#define CURSOR_PREFIX  "task:"

#define DEFAULT_TTL_MS 3600000ULL  /* 1 hour */
#define MAX_TTL_MS     86400000ULL /* 24 hours */
#define MIN_TTL_MS     1000ULL
#define POLL_MS        1000u
#define MAX_TASKS      1000u
#define SWEEP_MS       1000u
#define LEASE_MS       3000u /* with a store: a running task's lease, renewed each sweep */
#define RESULT_POLL_MS 250u  /* with a store: a tasks/result for another replica's task polls */

enum { ST_WORKING, ST_INPUT, ST_COMPLETED, ST_FAILED, ST_CANCELLED };
static const char *const status_name[] = {"working", "input_required", "completed", "failed",
                                          "cancelled"};
#define TERMINAL(s) ((s) >= ST_COMPLETED)

typedef struct waiter {
    mcp_call_t *call; /* a v1 tasks/result waiting for the end */
    struct mcp__task *task;
    struct waiter *next;
} waiter;

struct mcp__task {
    mcp__tasks *store;
    char id[33];
    unsigned long long seq; /* creation order: tasks/list cursors */
    bool v2;
    bool removed; /* out of the store; freed once its call ends */
    int status;
    char *message;             /* statusMessage or NULL */
    uint64_t created, updated; /* wall clock, ms since the epoch */
    uint64_t expires;          /* monotonic ms */
    unsigned long long ttl;    /* ms */
    mcp__session *owner;       /* the session it belongs to (referenced), or NULL: anyone */
    json_t *principal;         /* who created it (mcp_call_principal; referenced), or NULL */
    char client[64];           /* the creating session's client address (mcp__session.client:
                                  requests with no session of their own), or "" */
    char own[33];              /* with a store: the owner's share_id, or "" */
    mcp__session *psess;       /* the task's own session, where its call lives (referenced) */
    mcp_call_t *call;          /* while it runs */
    json_t *result, *error;    /* the outcome (owned) */
    json_t *questions;         /* open questions, key -> {method, params} (owned) */
    json_t *queue;             /* v1: messages waiting for a tasks/result (owned array) */
    waiter *waiters;
    struct mcp__task *prev, *next;
};

typedef struct rtask rtask; /* a request about another replica's task (below) */
static void rtask_free(rtask *r);
static void rtask_done(rtask *r);
static void remote_release(mcp__tasks *st);

struct mcp__tasks {
    mcp_server_t *srv;
    mcp__task *head, *tail;
    size_t count;
    unsigned long long next_seq;
    unsigned long long default_ttl, max_ttl;
    unsigned poll;
    size_t max;
    bool offered;         /* a tool with a MCP_TOOL_TASK_* flag was registered */
    uv_timer_t *timer;    /* the sweep (unreferenced: never keeps a loop alive) */
    struct rtask *remote; /* with a store: requests about other replicas' tasks, waiting */
    bool shared;          /* the channel handlers are installed */
};

static bool offered(const mcp_server_t *srv)
{
    return srv->tasks && srv->tasks->offered;
}

static void psess_send(mcp__session *s, json_t *msg, mcp_call_t *related);
static void psess_call_end(mcp__session *s, mcp_call_t *call, bool replied);
static const mcp__transport_ops task_ops = {psess_send, NULL, NULL, psess_call_end, NULL};

/* ---- small helpers --------------------------------------------------------------------------- */

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t mono_ms(void)
{
    return uv_hrtime() / 1000000u;
}

/* ISO 8601 / RFC 3339 in UTC with milliseconds, e.g. 2025-11-25T10:30:00.123Z */
static json_t *iso_time(uint64_t ms)
{
    char buf[40];
    time_t secs = (time_t)(ms / 1000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, 24, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + strlen(buf), sizeof buf - strlen(buf), ".%03uZ", (unsigned)(ms % 1000u));
    return json_string(buf);
}

static mcp__task *task_of(const mcp_call_t *call)
{
    return call && call->sess && call->sess->ops == &task_ops ? call->sess->transport : NULL;
}

static unsigned tool_flags(const mcp_call_t *call)
{
    return call->item && call->item->kind == MCP__TOOL ? call->item->flags : 0;
}

#define TASK_FLAGS (MCP_TOOL_TASK_OPTIONAL | MCP_TOOL_TASK_REQUIRED)

/* The request declares the 2026 extension in its _meta client capabilities. */
static bool ext_declared(const mcp__ctx *ctx)
{
    const json_t *ext = json_object_get(ctx->client_caps, "extensions");
    return json_is_object(json_object_get(ext, EXT_TASKS));
}

/* A 2025-era context that knows tasks (2025-11-25 and later session revisions). */
static bool v1_ctx(const mcp__ctx *ctx)
{
    return !ctx->stateless && ctx->version &&
           mcp__version_ge(ctx->version, MCP_PROTOCOL_2025_11_25);
}

static void set_meta_related(json_t *obj, const char *id)
{
    json_t *meta = json_object_get(obj, "_meta");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(obj, "_meta", meta);
    }
    json_object_set_new(meta, META_RELATED, json_pack("{s:s}", "taskId", id));
}

static void missing_extension(mcp_call_t *call, const char *why)
{
    mcp__call_set_error(
        call, MCP_ERROR_MISSING_CAPABILITY,
        json_pack("{s:{s:{s:{}}}}", "requiredCapabilities", "extensions", EXT_TASKS),
        "Missing required client capability: %s (%s)", EXT_TASKS, why);
}

/* ---- the store ------------------------------------------------------------------------------- */

static mcp__tasks *store_get(mcp_server_t *srv)
{
    mcp__tasks *st = srv->tasks;
    if (st)
        return st;
    st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->srv = srv;
    st->default_ttl = DEFAULT_TTL_MS;
    st->max_ttl = MAX_TTL_MS;
    st->poll = POLL_MS;
    st->max = MAX_TASKS;
    srv->tasks = st;
    return st;
}

int mcp_server_set_task_limits(mcp_server_t *srv, unsigned long long default_ttl_ms,
                               unsigned long long max_ttl_ms, unsigned poll_interval_ms,
                               size_t max_tasks)
{
    mcp__tasks *st;
    if (!srv)
        return MCP_EINVAL;
    if (!(st = store_get(srv)))
        return MCP_ENOMEM;
    if (max_ttl_ms)
        st->max_ttl = max_ttl_ms < MIN_TTL_MS ? MIN_TTL_MS : max_ttl_ms;
    if (default_ttl_ms)
        st->default_ttl = default_ttl_ms < MIN_TTL_MS ? MIN_TTL_MS : default_ttl_ms;
    if (st->default_ttl > st->max_ttl)
        st->default_ttl = st->max_ttl;
    if (poll_interval_ms)
        st->poll = poll_interval_ms;
    if (max_tasks)
        st->max = max_tasks;
    return MCP_OK;
}

/* The task as the wire shows it. detailed (v2 tasks/get): inputRequests, result or error. */
static json_t *task_json(const mcp__task *t, bool detailed)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "taskId", json_string(t->id));
    json_object_set_new(o, "status", json_string(status_name[t->status]));
    if (t->message)
        json_object_set_new(o, "statusMessage", json_string(t->message));
    json_object_set_new(o, "createdAt", iso_time(t->created));
    json_object_set_new(o, "lastUpdatedAt", iso_time(t->updated));
    json_object_set_new(o, t->v2 ? "ttlMs" : "ttl", json_integer((json_int_t)t->ttl));
    json_object_set_new(o, t->v2 ? "pollIntervalMs" : "pollInterval",
                        json_integer((json_int_t)t->store->poll));
    if (!detailed)
        return o;
    if (t->status == ST_INPUT)
        json_object_set_new(o, "inputRequests", json_deep_copy(t->questions));
    else if (t->status == ST_COMPLETED && t->result)
        json_object_set_new(o, "result", json_deep_copy(t->result));
    else if (t->status == ST_FAILED && t->error)
        json_object_set_new(o, "error", json_deep_copy(t->error));
    return o;
}

/* Send a v1 message to the owning session: on the stream of a waiting tasks/result if any,
 * else related to the task's own call, which no request stream carries any more (Streamable
 * HTTP: the GET stream), never to whatever request happens to be arriving. */
static void to_owner(mcp__task *t, json_t *msg)
{
    if (!msg)
        return;
    if (t->owner && !t->owner->closed)
        mcp__session_send(t->owner, msg, t->waiters ? t->waiters->call : t->call);
    json_decref(msg);
}

static void notify_status(mcp__task *t)
{
    if (t->v2 && t->store->srv->listeners) {
        /* 2026: notifications/tasks to subscriptions/listen streams that named the task */
        json_t *full = task_json(t, true);
        if (full)
            mcp__listeners_task(t->store->srv, t->id, full, t->principal, t->owner);
        json_decref(full);
        return;
    }
    if (t->v2 || !t->owner || t->owner->state != MCP__SESS_READY)
        return;
    to_owner(t, mcp__jsonrpc_notification("notifications/tasks/status", task_json(t, false)));
}

static void task_share(mcp__task *t);

static void set_message(mcp__task *t, const char *message)
{
    free(t->message);
    t->message = message ? strdup(message) : NULL;
}

static void set_status(mcp__task *t, int status, const char *message)
{
    if (TERMINAL(t->status))
        return; /* terminal states never change */
    if (status == t->status && !message)
        return;
    t->status = status;
    if (message)
        set_message(t, message);
    t->updated = wall_ms();
    notify_status(t);
    task_share(t);
}

/* A v1 tasks/result gets what tools/call would have answered. */
static void answer_waiter(mcp__task *t, mcp_call_t *call)
{
    if (t->error) {
        json_decref(call->error);
        call->error = json_deep_copy(t->error);
    } else if (t->result) {
        json_decref(call->result);
        call->result = json_deep_copy(t->result);
        call->content = NULL;
        if (call->result)
            set_meta_related(call->result, t->id);
    } else {
        mcp__call_set_error(call, TASK_CANCELLED, json_pack("{s:s}", "taskId", t->id),
                            "Task %s was cancelled", t->id);
    }
}

/* Complete every waiting tasks/result: with the outcome, or with `why` (-32602). */
static void release_waiters(mcp__task *t, const char *why)
{
    while (t->waiters) {
        waiter *w = t->waiters;
        mcp_call_t *call = w->call;
        t->waiters = w->next;
        free(w);
        mcp_call_on_cancel(call, NULL, NULL);
        if (why)
            mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                                "Failed to retrieve task: %s", why);
        else
            answer_waiter(t, call);
        mcp_call_complete(call);
    }
}

static void task_destroy(mcp__task *t)
{
    if (t->psess) {
        t->psess->transport = NULL;
        mcp__session_drop_questions(t->psess);
        mcp__session_close(t->psess);
        mcp__session_unref(t->psess);
    }
    if (t->owner)
        mcp__session_unref(t->owner);
    json_decref(t->principal);
    free(t->message);
    json_decref(t->result);
    json_decref(t->error);
    json_decref(t->questions);
    json_decref(t->queue);
    free(t);
}

/* Take the task out of the store; cancel its call if it still runs (freed when it ends). */
static void task_remove(mcp__task *t, const char *why)
{
    mcp__tasks *st = t->store;
    mcp_call_t *call = t->call;
    if (t->removed)
        return;
    t->removed = true;
    if (t->prev)
        t->prev->next = t->next;
    else
        st->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        st->tail = t->prev;
    t->prev = t->next = NULL;
    st->count--;
    release_waiters(t, why);
    if (call) {
        mcp__call_cancel(call); /* the handler ends it; psess_call_end frees the task */
        return;
    }
    task_destroy(t);
}

static void sweep(mcp__tasks *st)
{
    uint64_t now = mono_ms();
    mcp__task *t, *next;
    for (t = st->head; t; t = next) {
        next = t->next;
        if (t->expires <= now)
            task_remove(t, "Task has expired");
        else if (t->owner && t->owner->closed)
            task_remove(t, "the session ended");
    }
}

static void renew_leases(mcp__tasks *st);

static void on_sweep(uv_timer_t *timer)
{
    mcp__tasks *st = timer->data;
    /* a removal may run handlers that send: `next` is read before each removal */
    sweep(st);
    renew_leases(st);
}

static void timer_closed(uv_handle_t *h)
{
    free(h);
}

static void start_sweep(mcp__tasks *st)
{
    mcp_server_t *srv = st->srv;
    if (st->timer || !srv->loop)
        return;
    st->timer = malloc(sizeof *st->timer);
    if (!st->timer)
        return;
    if (uv_timer_init(srv->loop, st->timer) != 0) {
        free(st->timer);
        st->timer = NULL;
        return;
    }
    st->timer->data = st;
    uv_timer_start(st->timer, on_sweep, SWEEP_MS, SWEEP_MS);
    uv_unref((uv_handle_t *)st->timer);
}

/* ---- becoming a task ------------------------------------------------------------------------- */

static json_t *create_result(mcp__task *t)
{
    json_t *task = task_json(t, false), *res;
    if (!t->v2)
        return task ? json_pack("{s:o}", "task", task) : NULL;
    res = task;
    if (res) {
        json_object_set_new(res, "resultType", json_string("task"));
        json_object_set_new(res, "_meta",
                            json_pack("{s:o}", META_SERVER, mcp__server_info(t->store->srv)));
    }
    return res;
}

/* Answer the request with the CreateTaskResult and move the call into the task. */
static void adopt(mcp__task *t, mcp_call_t *call)
{
    mcp__session *s = call->sess, *ps = t->psess;
    json_t *reply = mcp__jsonrpc_result(call->id, create_result(t));
    bool replied = reply != NULL;
    if (call->observe) /* middleware: the request's outcome is the task handle */
        call->observe(call, reply);
    if (reply)
        mcp__session_reply(s, reply, call, MCP__REPLY_OK); /* on the request's own stream */
    json_decref(reply);
    if (!s->closed && s->ops && s->ops->call_end)
        s->ops->call_end(s, call, replied);
    call->tctx = NULL;
    mcp__call_move(call, ps);
    call->ctx.stateless = false; /* questions now go to the task, never to input_required */
    t->call = call;
}

/* Does `t` count against the quota of the client making `call`? The client is its principal
 * when authenticated, else its address for requests with no lasting session (2026 HTTP,
 * --stateless: mcp__session.client), else its session;
 * requests with none of these are one client. */
static bool same_client(const mcp__task *t, const mcp_call_t *call)
{
    const mcp__session *s = call->sess;
    if (!mcp__principal_same(t->principal, s->principal))
        return false;
    if (s->principal)
        return true;
    if (s->client || t->client[0])
        return strcmp(s->client ? s->client : "", t->client) == 0;
    return t->owner == (s->ephemeral ? NULL : s);
}

/* True when the client making `call` may keep one more task. */
static bool quota_left(const mcp__tasks *st, const mcp_call_t *call)
{
    size_t n = 0;
    const mcp__task *t;
    for (t = st->head; t; t = t->next)
        if (same_client(t, call) && ++n >= st->srv->max_tasks_per_client)
            return false;
    return true;
}

/* Create a task for `call` and move the call into it. MCP_OK, MCP_ELIMIT or MCP_ENOMEM. */
static int start_task(mcp_call_t *call, bool v2, unsigned long long ttl)
{
    mcp_server_t *srv = call->srv;
    mcp__tasks *st = store_get(srv);
    mcp__task *t;
    unsigned char rnd[16];
    size_t i;

    if (!st)
        return MCP_ENOMEM;
    if (st->count >= st->max || !quota_left(st, call))
        sweep(st);
    if (st->count >= st->max || !quota_left(st, call))
        return MCP_ELIMIT;
    if (mcp__random_bytes(rnd, sizeof rnd) != MCP_OK)
        return MCP_ENOMEM;
    t = calloc(1, sizeof *t);
    if (!t)
        return MCP_ENOMEM;
    for (i = 0; i < sizeof rnd; i++)
        snprintf(t->id + 2 * i, 3, "%02x", rnd[i]);
    t->store = st;
    t->v2 = v2;
    t->status = ST_WORKING;
    t->ttl = ttl ? ttl : st->default_ttl;
    if (t->ttl > st->max_ttl)
        t->ttl = st->max_ttl;
    if (t->ttl < MIN_TTL_MS)
        t->ttl = MIN_TTL_MS;
    t->created = t->updated = wall_ms();
    t->expires = mono_ms() + t->ttl;
    t->questions = json_object();
    t->psess = mcp__session_new(srv, &task_ops, t);
    if (!t->questions || !t->psess) {
        json_decref(t->questions);
        if (t->psess)
            mcp__session_unref(t->psess);
        free(t);
        return MCP_ENOMEM;
    }
    /* never READY: broadcasts and server log notifications skip it */
    mcp__ctx_copy(&t->psess->ctx, &call->ctx);
    t->psess->ctx.stateless = false;
    if (!v2) /* logs are filtered on the way out, at the session's level of the moment */
        t->psess->ctx.log_level = MCP_LOG_DEBUG;
    if (!call->sess->ephemeral) {
        t->owner = call->sess;
        mcp__session_ref(t->owner);
    }
    /* bound to its creator; its call still answers mcp_call_principal() */
    t->principal = json_incref(call->sess->principal);
    snprintf(t->client, sizeof t->client, "%s", call->sess->client ? call->sess->client : "");
    t->psess->principal = json_incref(call->sess->principal);
    t->psess->scoped = call->sess->scoped; /* so are the scopes it was granted */
    t->seq = ++st->next_seq;
    t->prev = st->tail;
    if (st->tail)
        st->tail->next = t;
    else
        st->head = t;
    st->tail = t;
    st->count++;
    start_sweep(st);
    if (srv->store)
        snprintf(t->own, sizeof t->own, "%s", call->sess->share_id);
    task_share(t);                        /* before the client hears of it */
    if (srv->store && t->own[0] && !v2) { /* tasks/list on any replica finds it */
        char key[40];
        snprintf(key, sizeof key, "tl:%s", t->own);
        mcp_store_push(srv->store, key, t->id, strlen(t->id), st->max_ttl, NULL, NULL);
    }
    adopt(t, call);
    return MCP_OK;
}

/* ---- the task's session: what its call sends ------------------------------------------------- */

/* The call's reply: the outcome. */
static void finished(mcp__task *t, const json_t *msg)
{
    const json_t *error = json_object_get(msg, "error");
    const json_t *result = json_object_get(msg, "result");
    if (TERMINAL(t->status))
        return;
    if (json_is_object(error)) {
        t->error = json_incref((json_t *)error);
        set_status(t, ST_FAILED, json_string_value(json_object_get(error, "message")));
    } else if (json_is_object(result)) {
        bool tool_error = json_is_true(json_object_get(result, "isError"));
        t->result = json_incref((json_t *)result);
        /* 2025-11-25: a tool error fails the task; 2026-07-28: it completes with isError */
        set_status(t, tool_error && !t->v2 ? ST_FAILED : ST_COMPLETED,
                   tool_error && !t->v2 ? "The tool reported an error" : NULL);
    } else {
        return;
    }
    release_waiters(t, NULL);
}

static void question_key(const json_t *id, char key[32])
{
    if (json_is_integer(id))
        snprintf(key, 32, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
    else
        snprintf(key, 32, "%s", json_is_string(id) ? json_string_value(id) : "");
}

/* A copy of a message related to the task (v1 _meta related-task). */
static json_t *related_copy(const mcp__task *t, json_t *msg)
{
    json_t *copy = json_deep_copy(msg), *params;
    if (!copy)
        return NULL;
    params = json_object_get(copy, "params");
    if (!json_is_object(params)) {
        params = json_object();
        json_object_set_new(copy, "params", params);
    }
    set_meta_related(params, t->id);
    return copy;
}

static void asked(mcp__task *t, json_t *msg)
{
    char key[32];
    json_t *params = json_object_get(msg, "params");
    params = params ? json_incref(params) : json_object();
    question_key(json_object_get(msg, "id"), key);
    json_object_set_new(
        t->questions, key,
        json_pack("{s:O, s:o}", "method", json_object_get(msg, "method"), "params", params));
    if (t->status == ST_INPUT)
        task_share(t); /* one more question: set_status() below changes nothing */
    set_status(t, ST_INPUT, NULL);
    if (t->v2 || !t->owner)
        return;
    if (t->waiters) {
        to_owner(t, related_copy(t, msg));
    } else {
        if (!t->queue)
            t->queue = json_array();
        json_array_append_new(t->queue, related_copy(t, msg));
    }
}

/* A question ended without an answer (timeout, or the call ended). True if it was queued and
 * never sent: the client need not hear about it. */
static bool withdrawn(mcp__task *t, const json_t *msg)
{
    const json_t *rid = json_object_get(json_object_get(msg, "params"), "requestId");
    char key[32];
    size_t i;
    json_t *q;
    bool unsent = false;
    question_key(rid, key);
    json_object_del(t->questions, key);
    json_array_foreach(t->queue, i, q)
    {
        if (json_equal(json_object_get(q, "id"), (json_t *)rid)) {
            json_array_remove(t->queue, i);
            unsent = true;
            break;
        }
    }
    if (t->status == ST_INPUT && json_object_size(t->questions) == 0)
        set_status(t, ST_WORKING, NULL);
    else if (t->status == ST_INPUT)
        task_share(t); /* fewer questions open */
    return unsent;
}

static void psess_send(mcp__session *s, json_t *msg, mcp_call_t *related)
{
    mcp__task *t = s->transport;
    const char *method;
    (void)related;
    if (!t || t->removed || !json_is_object(msg))
        return;
    method = json_string_value(json_object_get(msg, "method"));
    if (!method) {
        finished(t, msg);
        return;
    }
    if (json_object_get(msg, "id")) {
        asked(t, msg);
        return;
    }
    if (strcmp(method, "notifications/cancelled") == 0 && withdrawn(t, msg))
        return;
    if (t->v2 || !t->owner)
        return; /* 2026: no channel for a task's notifications */
    if (strcmp(method, "notifications/message") == 0 &&
        mcp_log_level_parse(json_string_value(
            json_object_get(json_object_get(msg, "params"), "level"))) < t->owner->ctx.log_level)
        return;
    to_owner(t, related_copy(t, msg)); /* progress, logs, withdrawn questions */
}

static void psess_call_end(mcp__session *s, mcp_call_t *call, bool replied)
{
    mcp__task *t = s->transport;
    (void)call;
    if (!t)
        return;
    if (!t->removed && !replied && !TERMINAL(t->status)) {
        set_status(t, ST_CANCELLED, "The request was cancelled");
        release_waiters(t, NULL);
    }
    t->call = NULL;
    if (t->removed)
        task_destroy(t);
}

/* ---- hooks: tools -----------------------------------------------------------------------------
 */

void mcp__tasks_tool_def(mcp_server_t *srv, json_t *def, unsigned flags)
{
    const char *support = (flags & MCP_TOOL_TASK_REQUIRED)   ? "required"
                          : (flags & MCP_TOOL_TASK_OPTIONAL) ? "optional"
                                                             : NULL;
    if (!support)
        return;
    if (store_get(srv))
        srv->tasks->offered = true; /* the server now offers tasks */
    json_object_set_new(def, "execution", json_pack("{s:s}", "taskSupport", support));
}

int mcp__task_begin(mcp_call_t *call)
{
    unsigned flags = tool_flags(call);
    const json_t *task = json_object_get(call->params, "task");
    const char *name = call->item ? call->item->key : "";
    unsigned long long ttl = 0;

    if (call->ctx.stateless) {
        /* 2026: the server decides; a legacy `task` param is ignored */
        if (!(flags & TASK_FLAGS))
            return 0;
        if (!ext_declared(&call->ctx)) {
            if (!(flags & MCP_TOOL_TASK_REQUIRED))
                return 0;
            missing_extension(call, "this tool runs only as a task");
            return -1;
        }
        if ((flags & MCP_TOOL_BLOCKING) && !call->batch)
            start_task(call, true, 0); /* cannot tell later; on failure it runs as a request */
        return 0;
    }
    if (!offered(call->srv) || !v1_ctx(&call->ctx) || call->batch)
        return 0; /* no tasks on this session: a `task` param is ignored */
    if (json_is_null(task))
        task = NULL;
    if (!task) {
        if (!(flags & MCP_TOOL_TASK_REQUIRED))
            return 0;
        mcp__call_set_error(call, MCP_JSONRPC_METHOD_NOT_FOUND, NULL,
                            "Method not found: tool '%s' must be called as a task "
                            "(execution.taskSupport is \"required\")",
                            name);
        return -1;
    }
    if (!(flags & TASK_FLAGS)) {
        mcp__call_set_error(call, MCP_JSONRPC_METHOD_NOT_FOUND, NULL,
                            "Method not found: tool '%s' does not support task-augmented calls",
                            name);
        return -1;
    }
    if (!json_is_object(task) ||
        (json_object_get(task, "ttl") && !json_is_null(json_object_get(task, "ttl")) &&
         (!json_is_number(json_object_get(task, "ttl")) ||
          json_number_value(json_object_get(task, "ttl")) < 0))) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"task\" must be an object with an optional "
                            "non-negative \"ttl\" (milliseconds)");
        return -1;
    }
    if (json_is_number(json_object_get(task, "ttl")))
        ttl = (unsigned long long)json_number_value(json_object_get(task, "ttl"));
    switch (start_task(call, false, ttl)) {
    case MCP_OK:
        return 0;
    case MCP_ELIMIT:
        if (call->srv->tasks->count >= call->srv->tasks->max)
            mcp__call_set_error(call, MCP__ERROR_SERVER, NULL, "Server busy: too many tasks");
        else
            mcp__call_set_error(call, MCP__ERROR_SERVER, NULL,
                                "Server busy: too many tasks for this client (at most %zu kept, "
                                "finished ones until their ttl ends)",
                                call->srv->max_tasks_per_client);
        return -1;
    default:
        mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL,
                            "Internal error: out of memory");
        return -1;
    }
}

/* 2026: may this call become a task now? */
static bool may_escalate(const mcp_call_t *call)
{
    return call->ctx.stateless && (tool_flags(call) & TASK_FLAGS) && ext_declared(&call->ctx) &&
           !task_of(call) && !call->batch && call->state != MCP__CALL_DONE &&
           call->state != MCP__CALL_POOL && !call->complete_requested && !mcp__call_asking(call) &&
           !mcp_call_is_cancelled(call);
}

int mcp__task_pending(mcp_call_t *call, int status)
{
    if (status == MCP_PENDING && may_escalate(call))
        start_task(call, true, 0); /* on failure the call simply stays a pending request */
    return status;
}

/* ---- hooks: server ------------------------------------------------------------------------------
 */

void mcp__tasks_capabilities(mcp_server_t *srv, const mcp__ctx *ctx, json_t *caps)
{
    json_t *ext;
    if (!offered(srv) || !ctx || !caps)
        return;
    if (ctx->stateless) {
        ext = json_object_get(caps, "extensions");
        if (!json_is_object(ext)) {
            ext = json_object();
            json_object_set_new(caps, "extensions", ext);
        }
        json_object_set_new(ext, EXT_TASKS, json_object());
    } else if (v1_ctx(ctx)) {
        json_object_set_new(
            caps, "tasks",
            json_pack("{s:{}, s:{}, s:{s:{s:{}}}}", "list", "cancel", "requests", "tools", "call"));
    }
}

bool mcp__tasks_awaits(const mcp__session *s, const json_t *id)
{
    mcp__tasks *st = s->srv ? s->srv->tasks : NULL;
    const mcp__task *t;
    char key[32];
    if (!st || !json_is_integer(id))
        return false;
    question_key(id, key);
    for (t = st->head; t; t = t->next)
        if (!t->v2 && t->owner == s && json_object_get(t->questions, key))
            return true;
    return false;
}

bool mcp__tasks_response(mcp__session *s, const mcp__msg *m)
{
    mcp__tasks *st = s->srv ? s->srv->tasks : NULL;
    mcp__task *t;
    char key[32];
    if (!st || !json_is_integer(m->id))
        return false;
    question_key(m->id, key);
    for (t = st->head; t; t = t->next) {
        if (t->v2 || t->owner != s || !json_object_get(t->questions, key))
            continue;
        json_object_del(t->questions, key);
        if (t->status == ST_INPUT && json_object_size(t->questions) == 0)
            set_status(t, ST_WORKING, NULL);
        mcp__client_response(t->psess, m);
        return true;
    }
    return false;
}

void mcp__tasks_stop(mcp_server_t *srv)
{
    mcp__tasks *st = srv->tasks;
    mcp__task *t;
    if (!st)
        return;
    for (t = st->head; t; t = t->next)
        if (t->call && !TERMINAL(t->status)) {
            set_status(t, ST_CANCELLED, "The server is stopping");
            release_waiters(t, NULL);
            mcp__call_cancel(t->call);
        }
}

void mcp__tasks_free(mcp_server_t *srv)
{
    mcp__tasks *st = srv->tasks;
    if (!st)
        return;
    while (st->head) {
        mcp__task *t = st->head;
        st->head = t->next;
        t->removed = true;
        if (t->psess)
            t->psess->transport = NULL; /* a call still running can no longer reach it */
        release_waiters(t, "the server is shutting down");
        if (t->call)
            mcp__call_cancel(t->call);
        t->call = NULL;
        task_destroy(t);
    }
    if (st->timer) {
        uv_timer_stop(st->timer);
        uv_close((uv_handle_t *)st->timer, timer_closed);
    }
    remote_release(st);
    free(st);
    srv->tasks = NULL;
}

/* ---- tasks across replicas (with a store, include/mcp_store.h) ------------------------------
 *
 * Each task's record ("t:<id>": its detailed view, a v1 task's outcome for tasks/result, its
 * owner and principal, the replica running it) is written at creation and at every change, and
 * expires with the task. While it runs, its replica renews its lease ("l:<id>", LEASE_MS) at
 * each sweep. A replica asked about a task it does not hold reads the record: tasks/get answers
 * from it; tasks/result polls it until the task ends; tasks/cancel and tasks/update go to the
 * running replica on the channel ("tcancel", "tupdate"), and cancel also writes the record. A
 * task that is not finished and whose lease is gone lost its replica: the reader marks it
 * failed, with a message that says so.
 */

typedef enum { R_GET, R_RESULT, R_CANCEL, R_UPDATE, R_LIST } rop;

struct rtask {
    mcp__tasks *st;   /* NULL once the server is freeing the tasks */
    mcp_call_t *call; /* NULL once cancelled: the store's answer just frees this */
    rop op;
    char id[33];
    json_t *rec;           /* the record read, while its lease is checked */
    json_t *ids, *found;   /* tasks/list: the session's task ids, the visible tasks read */
    size_t pending, after; /* tasks/list: records still to come; the cursor's position */
    bool issuing;          /* tasks/list: still asking for records */
    uv_timer_t *timer;     /* tasks/result: the next poll */
    struct rtask *prev, *next;
};

static char *record_text(const mcp__task *t)
{
    json_t *rec = json_object(), *res = NULL;
    char *text;
    if (!rec)
        return NULL;
    if (!t->v2 && TERMINAL(t->status)) {
        if (t->error)
            res = json_pack("{s:O}", "error", t->error);
        else if (t->result)
            res = json_pack("{s:O}", "result", t->result);
    }
    json_object_set_new(rec, "v2", json_boolean(t->v2));
    json_object_set_new(rec, "task", task_json(t, true));
    if (res)
        json_object_set_new(rec, "res", res);
    json_object_set(rec, "p", t->principal ? t->principal : json_null());
    json_object_set_new(rec, "own", json_string(t->own));
    json_object_set_new(rec, "r", json_string(t->store->srv->replica));
    text = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    return text;
}

static uint64_t ttl_left(const mcp__task *t)
{
    uint64_t now = mono_ms();
    return t->expires > now ? t->expires - now : 1;
}

static void task_share(mcp__task *t)
{
    mcp_server_t *srv = t->store->srv;
    char key[40], *text;
    if (!srv->store || t->removed || !(text = record_text(t)))
        return;
    snprintf(key, sizeof key, "t:%s", t->id);
    mcp_store_put(srv->store, key, text, strlen(text), ttl_left(t), 0, NULL, NULL);
    free(text);
    snprintf(key, sizeof key, "l:%s", t->id);
    if (TERMINAL(t->status))
        mcp_store_del(srv->store, key, NULL, NULL);
    else
        mcp_store_put(srv->store, key, "1", 1, LEASE_MS, 0, NULL, NULL);
}

static void renew_leases(mcp__tasks *st)
{
    mcp_server_t *srv = st->srv;
    char key[40];
    mcp__task *t;
    if (!srv->store)
        return;
    for (t = st->head; t; t = t->next)
        if (t->call && !TERMINAL(t->status)) {
            snprintf(key, sizeof key, "l:%s", t->id);
            mcp_store_put(srv->store, key, "1", 1, LEASE_MS, 0, NULL, NULL);
        }
}

/* How long a record rewritten by another replica is kept: the task's TTL (either wire form). */
static uint64_t record_ttl(const json_t *task)
{
    json_int_t ttl = json_integer_value(json_object_get(task, "ttlMs")) +
                     json_integer_value(json_object_get(task, "ttl"));
    return ttl > 0 ? (uint64_t)ttl : DEFAULT_TTL_MS;
}

static int status_of(const char *name)
{
    int i;
    for (i = 0; i <= ST_CANCELLED; i++)
        if (name && strcmp(name, status_name[i]) == 0)
            return i;
    return -1;
}

static void rtask_free(rtask *r)
{
    if (r->st) {
        if (r->prev)
            r->prev->next = r->next;
        else
            r->st->remote = r->next;
        if (r->next)
            r->next->prev = r->prev;
    }
    if (r->timer) {
        uv_timer_stop(r->timer);
        uv_close((uv_handle_t *)r->timer, timer_closed);
    }
    json_decref(r->rec);
    json_decref(r->ids);
    json_decref(r->found);
    free(r);
}

static void rtask_cancelled(mcp_call_t *call, void *ud)
{
    rtask *r = ud;
    r->call = NULL;
    mcp_call_complete(call); /* cancelled: no reply */
}

/* Answer the waiting request and let go of it. */
static void rtask_done(rtask *r)
{
    mcp_call_t *call = r->call;
    r->call = NULL;
    mcp_call_on_cancel(call, NULL, NULL);
    mcp_call_complete(call);
}

static void rtask_not_found(rtask *r)
{
    mcp__call_set_error(r->call, MCP_JSONRPC_INVALID_PARAMS, json_pack("{s:s}", "taskId", r->id),
                        "Failed to retrieve task: Task not found");
}

static bool rtask_visible(const rtask *r, const json_t *rec)
{
    const mcp_call_t *call = r->call;
    const json_t *p = json_object_get(rec, "p");
    const char *own = json_string_value(json_object_get(rec, "own"));
    return json_is_object(json_object_get(rec, "task")) &&
           json_is_true(json_object_get(rec, "v2")) == call->ctx.stateless &&
           (!own || !*own || strcmp(own, call->sess->share_id) == 0) &&
           mcp__principal_same(json_is_null(p) ? NULL : p, call->sess->principal);
}

static int rtask_fetch(rtask *r);

static void on_poll_timer(uv_timer_t *timer)
{
    rtask *r = timer->data;
    if (!r->call) {
        rtask_free(r);
        return;
    }
    if (rtask_fetch(r) != 0) {
        mcp__call_set_error(r->call, MCP__ERROR_SERVER, NULL, "Internal error: out of memory");
        rtask_done(r);
        rtask_free(r);
    }
}

/* Serve the request from the record (its lease checked). */
static void rtask_serve(rtask *r, json_t *rec)
{
    mcp_call_t *call = r->call;
    mcp_server_t *srv = call->srv;
    json_t *task = json_object_get(rec, "task");
    int status = status_of(json_string_value(json_object_get(task, "status")));
    bool v2 = json_is_true(json_object_get(rec, "v2"));
    const char *k;
    json_t *v;
    if (status < 0) {
        rtask_not_found(r);
        rtask_done(r);
        return;
    }
    switch (r->op) {
    case R_GET:
        json_object_foreach(task, k, v)
        {
            if (!v2 && (!strcmp(k, "result") || !strcmp(k, "error") || !strcmp(k, "inputRequests")))
                continue;
            json_object_set(call->result, k, v);
        }
        break;
    case R_RESULT:
        if (status == ST_INPUT && !v2) /* its questions wait for a tasks/result: this one */
            mcp__store_send(srv, "tflush", json_pack("{s:s}", "t", r->id));
        if (!TERMINAL(status)) { /* poll again */
            if (!r->timer && (r->timer = malloc(sizeof *r->timer)) != NULL) {
                uv_timer_init(srv->loop, r->timer);
                r->timer->data = r;
            }
            if (r->timer) {
                uv_timer_start(r->timer, on_poll_timer, RESULT_POLL_MS, 0);
                return;
            }
            mcp__call_set_error(call, MCP__ERROR_SERVER, NULL, "Internal error: out of memory");
            break;
        }
        v = json_object_get(json_object_get(rec, "res"), "error");
        if (json_is_object(v)) {
            json_decref(call->error);
            call->error = json_deep_copy(v);
        } else if (json_is_object(v = json_object_get(json_object_get(rec, "res"), "result"))) {
            json_decref(call->result);
            call->result = json_deep_copy(v);
            call->content = NULL;
            if (call->result)
                set_meta_related(call->result, r->id);
        } else {
            mcp__call_set_error(call, TASK_CANCELLED, json_pack("{s:s}", "taskId", r->id),
                                "Task %s was cancelled", r->id);
        }
        break;
    case R_CANCEL:
        if (TERMINAL(status)) {
            if (!v2)
                mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                                    "Cannot cancel task: already in terminal status '%s'",
                                    status_name[status]);
            break;
        }
        mcp__store_send(srv, "tcancel", json_pack("{s:s}", "t", r->id));
        {
            char key[40], *text;
            json_object_set_new(task, "status", json_string("cancelled"));
            json_object_set_new(task, "statusMessage",
                                json_string("The task was cancelled by request"));
            json_object_set_new(task, "lastUpdatedAt", iso_time(wall_ms()));
            text = json_dumps(rec, JSON_COMPACT);
            snprintf(key, sizeof key, "t:%s", r->id);
            if (text)
                mcp_store_put(srv->store, key, text, strlen(text), record_ttl(task), 0, NULL, NULL);
            free(text);
        }
        if (!v2)
            json_object_foreach(task, k, v) if (strcmp(k, "result") && strcmp(k, "error") &&
                                                strcmp(k, "inputRequests"))
                json_object_set(call->result, k, v);
        break;
    case R_LIST: /* served by list_finish() */
        break;
    case R_UPDATE:
        if (!json_is_object(json_object_get(call->params, "inputResponses"))) {
            mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                                "Invalid params: \"inputResponses\" must be an object");
            break;
        }
        mcp__store_send(srv, "tupdate",
                        json_pack("{s:s,s:O}", "t", r->id, "a",
                                  json_object_get(call->params, "inputResponses")));
        break;
    }
    rtask_done(r);
    rtask_free(r);
}

/* The lease of a task whose record says it runs: gone means its replica is gone. */
static void on_lease(void *ud, mcp_store_status status, const char *value, size_t len)
{
    rtask *r = ud;
    json_t *rec = r->rec, *task = json_object_get(rec, "task");
    (void)len;
    r->rec = NULL;
    if (!r->call || !r->st) {
        json_decref(rec);
        rtask_free(r);
        return;
    }
    if (status == MCP_STORE_OK && !value) {
        mcp_server_t *srv = r->call->srv;
        const char *why = "Task failed: the server replica running it stopped (its lease expired)";
        char key[40], *text;
        json_t *err = json_pack("{s:i,s:s}", "code", MCP_JSONRPC_INTERNAL_ERROR, "message", why);
        json_object_set_new(task, "status", json_string("failed"));
        json_object_set_new(task, "statusMessage", json_string(why));
        json_object_set_new(task, "lastUpdatedAt", iso_time(wall_ms()));
        if (json_is_true(json_object_get(rec, "v2")))
            json_object_set(task, "error", err);
        else
            json_object_set_new(rec, "res", json_pack("{s:O}", "error", err));
        json_decref(err);
        text = json_dumps(rec, JSON_COMPACT);
        snprintf(key, sizeof key, "t:%s", r->id);
        if (text)
            mcp_store_put(srv->store, key, text, strlen(text), record_ttl(task), 0, NULL, NULL);
        free(text);
    }
    rtask_serve(r, rec);
    json_decref(rec);
}

static void on_record(void *ud, mcp_store_status status, const char *value, size_t len)
{
    rtask *r = ud;
    json_t *rec;
    char key[40];
    int st;
    if (!r->call || !r->st) {
        rtask_free(r);
        return;
    }
    if (status != MCP_STORE_OK) {
        mcp__call_set_error(r->call, MCP__ERROR_SERVER, NULL,
                            "Service unavailable: the task store cannot be reached; try again");
        rtask_done(r);
        rtask_free(r);
        return;
    }
    rec = value ? json_loadb(value, len, 0, NULL) : NULL;
    if (!json_is_object(rec) || !rtask_visible(r, rec)) {
        json_decref(rec);
        rtask_not_found(r);
        rtask_done(r);
        rtask_free(r);
        return;
    }
    st = status_of(json_string_value(json_object_get(json_object_get(rec, "task"), "status")));
    if (st >= 0 && !TERMINAL(st)) { /* does its replica still hold it? */
        r->rec = rec;
        snprintf(key, sizeof key, "l:%s", r->id);
        if (mcp_store_get(r->call->srv->store, key, on_lease, r) == 0)
            return;
        r->rec = NULL;
    }
    rtask_serve(r, rec);
    json_decref(rec);
}

static int rtask_fetch(rtask *r)
{
    char key[40];
    snprintf(key, sizeof key, "t:%s", r->id);
    return mcp_store_get(r->call->srv->store, key, on_record, r);
}

/* The request names a task this replica does not hold: ask the store. MCP_PENDING (answered
 * later), or MCP_ENOMEM. */
static int remote_task(mcp_call_t *call, rop op)
{
    mcp__tasks *st = store_get(call->srv);
    const char *id = json_string_value(json_object_get(call->params, "taskId"));
    rtask *r;
    if (!st || !(r = calloc(1, sizeof *r)))
        return MCP_ENOMEM;
    r->st = st;
    r->call = call;
    r->op = op;
    snprintf(r->id, sizeof r->id, "%s", id);
    r->next = st->remote;
    if (st->remote)
        st->remote->prev = r;
    st->remote = r;
    mcp_call_on_cancel(call, rtask_cancelled, r);
    if (rtask_fetch(r) != 0) {
        mcp_call_on_cancel(call, NULL, NULL);
        r->call = NULL;
        rtask_free(r);
        return MCP_ENOMEM;
    }
    return MCP_PENDING;
}

/* Does the request name a task that only the store may know? */
static bool elsewhere(mcp_call_t *call)
{
    const char *id = json_string_value(json_object_get(call->params, "taskId"));
    mcp__tasks *st = call->srv->tasks;
    mcp__task *t;
    if (!call->srv->store || !id || strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32)
        return false;
    for (t = st ? st->head : NULL; t; t = t->next)
        if (strcmp(t->id, id) == 0)
            return false;
    return true;
}

/* ---- tasks/list across replicas: the session's task ids ("tl:<session>"), then each record */

#define REMOTE_CURSOR CURSOR_PREFIX "r"

static int by_creation(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "createdAt"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "createdAt"));
    return strcmp(x ? x : "", y ? y : "");
}

static void list_finish(rtask *r)
{
    mcp_call_t *call = r->call;
    size_t n = json_array_size(r->found), i, page = call->srv->page_size;
    json_t **v = n ? malloc(n * sizeof *v) : NULL, *arr = json_array();
    if ((n && !v) || !arr) {
        free(v);
        json_decref(arr);
        mcp__call_set_error(call, MCP__ERROR_SERVER, NULL, "Internal error: out of memory");
        rtask_done(r);
        rtask_free(r);
        return;
    }
    for (i = 0; i < n; i++)
        v[i] = json_array_get(r->found, i);
    if (n)
        qsort(v, n, sizeof *v, by_creation);
    for (i = r->after; i < n && i < r->after + page; i++)
        json_array_append(arr, v[i]);
    if (i < n) {
        char buf[sizeof REMOTE_CURSOR + 20];
        snprintf(buf, sizeof buf, REMOTE_CURSOR "%zx", i);
        json_object_set_new(call->result, "nextCursor", json_string(buf));
    }
    json_object_set_new(call->result, "tasks", arr);
    free(v);
    rtask_done(r);
    rtask_free(r);
}

static void on_list_record(void *ud, mcp_store_status status, const char *value, size_t len)
{
    rtask *r = ud;
    json_t *rec =
        r->call && status == MCP_STORE_OK && value ? json_loadb(value, len, 0, NULL) : NULL;
    if (json_is_object(rec) && rtask_visible(r, rec)) {
        json_t *task = json_deep_copy(json_object_get(rec, "task"));
        json_object_del(task, "result");
        json_object_del(task, "error");
        json_object_del(task, "inputRequests");
        json_array_append_new(r->found, task);
    }
    json_decref(rec);
    if (--r->pending > 0 || r->issuing)
        return;
    if (!r->call || !r->st)
        rtask_free(r);
    else
        list_finish(r);
}

static void on_list_ids(void *ud, mcp_store_status status, const char *value, size_t len)
{
    rtask *r = ud;
    json_t *id;
    size_t i;
    char key[40];
    if (value) {
        if (len == 32)
            json_array_append_new(r->ids, json_stringn(value, len));
        return;
    }
    if (!r->call || !r->st) {
        rtask_free(r);
        return;
    }
    if (status != MCP_STORE_OK) {
        mcp__call_set_error(r->call, MCP__ERROR_SERVER, NULL,
                            "Service unavailable: the task store cannot be reached; try again");
        rtask_done(r);
        rtask_free(r);
        return;
    }
    r->issuing = true;
    json_array_foreach(r->ids, i, id)
    {
        snprintf(key, sizeof key, "t:%s", json_string_value(id));
        r->pending++;
        if (mcp_store_get(r->call ? r->call->srv->store : NULL, key, on_list_record, r) != 0)
            r->pending--;
    }
    r->issuing = false;
    if (r->pending > 0)
        return;
    if (!r->call || !r->st)
        rtask_free(r);
    else
        list_finish(r);
}

/* tasks/list of a 2025 session with a store: its tasks on every replica. MCP_PENDING, MCP_OK
 * (a bad cursor, the error set) or MCP_ENOMEM. */
static int remote_list(mcp_call_t *call)
{
    const json_t *cursor = json_object_get(call->params, "cursor");
    mcp__tasks *st = store_get(call->srv);
    size_t after = 0;
    char key[40];
    rtask *r;
    if (cursor && !json_is_null(cursor)) {
        const char *c = json_string_value(cursor);
        char *end = NULL;
        if (c && strncmp(c, REMOTE_CURSOR, strlen(REMOTE_CURSOR)) == 0)
            after = (size_t)strtoull(c + strlen(REMOTE_CURSOR), &end, 16);
        if (!c || !end || *end || end == c + strlen(REMOTE_CURSOR) || after > 1000000) {
            mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                                "Invalid params: invalid cursor");
            return MCP_OK;
        }
    }
    if (!st || !(r = calloc(1, sizeof *r)))
        return MCP_ENOMEM;
    r->st = st;
    r->call = call;
    r->op = R_LIST;
    r->after = after;
    r->ids = json_array();
    r->found = json_array();
    r->next = st->remote;
    if (st->remote)
        st->remote->prev = r;
    st->remote = r;
    snprintf(key, sizeof key, "tl:%s", call->sess->share_id);
    mcp_call_on_cancel(call, rtask_cancelled, r);
    if (!r->ids || !r->found || mcp_store_list(call->srv->store, key, on_list_ids, r) != 0) {
        mcp_call_on_cancel(call, NULL, NULL);
        r->call = NULL;
        rtask_free(r);
        return MCP_ENOMEM;
    }
    return MCP_PENDING;
}

static void cancel_task(mcp__task *t);
static void apply_answers(mcp__task *t, const json_t *answers);

/* Channel: another replica's tasks/cancel or tasks/update for a task that runs here. */
static mcp__task *local_task(mcp_server_t *srv, const json_t *msg)
{
    const char *id = json_string_value(json_object_get(msg, "t"));
    mcp__task *t;
    for (t = srv->tasks && id ? srv->tasks->head : NULL; t; t = t->next)
        if (strcmp(t->id, id) == 0)
            return t;
    return NULL;
}

static void on_cancel_note(void *ud, const json_t *msg)
{
    mcp__task *t = local_task(ud, msg);
    if (t && !TERMINAL(t->status))
        cancel_task(t);
}

/* Channel: a tasks/result waits on another replica for a 2025 task of ours that asks: its
 * queued questions go there ("tq"). */
static void on_flush_note(void *ud, const json_t *msg)
{
    mcp__task *t = local_task(ud, msg);
    json_t *q;
    size_t i;
    if (!t || t->v2 || t->waiters || json_array_size(t->queue) == 0)
        return;
    json_array_foreach(t->queue, i, q)
        mcp__store_send(t->store->srv, "tq", json_pack("{s:s,s:O}", "t", t->id, "m", q));
    json_array_clear(t->queue);
}

/* Channel: questions of another replica's task for a tasks/result waiting here. */
static void on_questions_note(void *ud, const json_t *msg)
{
    mcp_server_t *srv = ud;
    const char *id = json_string_value(json_object_get(msg, "t"));
    const json_t *m = json_object_get(msg, "m");
    rtask *r;
    for (r = srv->tasks && id ? srv->tasks->remote : NULL; r; r = r->next)
        if (r->call && r->op == R_RESULT && strcmp(r->id, id) == 0 && json_is_object(m)) {
            mcp__session_send(r->call->sess, (json_t *)m, r->call);
            return;
        }
}

static void on_update_note(void *ud, const json_t *msg)
{
    mcp__task *t = local_task(ud, msg);
    if (t && json_is_object(json_object_get(msg, "a")))
        apply_answers(t, json_object_get(msg, "a"));
}

/* mcp__tasks_free(): the requests still waiting are answered; store answers to come find nobody. */
static void remote_release(mcp__tasks *st)
{
    while (st->remote) { /* their store answers come later: they find nobody waiting */
        rtask *r = st->remote;
        st->remote = r->next;
        r->st = NULL;
        r->prev = r->next = NULL;
        if (r->call) {
            mcp__call_set_error(r->call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                                "Failed to retrieve task: the server is shutting down");
            rtask_done(r);
        }
        if (r->timer && uv_is_active((uv_handle_t *)r->timer))
            rtask_free(r); /* waiting for its next poll, not for the store: free it now */
    }
}

void mcp__tasks_share(mcp_server_t *srv)
{
    mcp__tasks *st;
    if (!srv->store || !(st = store_get(srv)) || st->shared)
        return;
    mcp__store_listen(srv, "tcancel", on_cancel_note, srv);
    mcp__store_listen(srv, "tupdate", on_update_note, srv);
    mcp__store_listen(srv, "tflush", on_flush_note, srv);
    mcp__store_listen(srv, "tq", on_questions_note, srv);
    st->shared = true;
}

/* ---- methods
 * -------------------------------------------------------------------------------------- */

typedef enum { FOR_V1 = 1, FOR_V2 = 2 } method_eras;

/* Method availability for this request; sets the error and returns false when refused. */
static bool method_allowed(mcp_call_t *call, unsigned eras)
{
    if (offered(call->srv)) {
        if (call->ctx.stateless && (eras & FOR_V2)) {
            if (ext_declared(&call->ctx))
                return true;
            missing_extension(call, "the client did not declare it");
            return false;
        }
        if (!call->ctx.stateless && (eras & FOR_V1) && v1_ctx(&call->ctx))
            return true;
    }
    mcp__call_set_error(call, MCP_JSONRPC_METHOD_NOT_FOUND, NULL, "Method not found: %s",
                        call->method);
    return false;
}

/* Another era's, another session's or another principal's task is as unknown as a missing one. */
static bool visible(const mcp__task *t, const mcp_call_t *call)
{
    return !t->removed && t->v2 == call->ctx.stateless && (!t->owner || t->owner == call->sess) &&
           mcp__principal_same(t->principal, call->sess->principal);
}

/* The task named by params.taskId, or NULL with -32602 set. */
static mcp__task *lookup(mcp_call_t *call)
{
    const json_t *id = json_object_get(call->params, "taskId");
    mcp__tasks *st = call->srv->tasks;
    mcp__task *t;
    if (!json_is_string(id)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"taskId\" must be a string");
        return NULL;
    }
    sweep(st);
    for (t = st->head; t; t = t->next)
        if (strcmp(t->id, json_string_value(id)) == 0 && visible(t, call))
            return t;
    mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, json_pack("{s:O}", "taskId", id),
                        "Failed to retrieve task: Task not found");
    return NULL;
}

int mcp__tasks_get(mcp_call_t *call)
{
    mcp__task *t;
    json_t *o;
    const char *k;
    json_t *v;
    if (!method_allowed(call, FOR_V1 | FOR_V2))
        return MCP_OK;
    if (elsewhere(call))
        return remote_task(call, R_GET);
    if (!(t = lookup(call)))
        return MCP_OK;
    o = task_json(t, t->v2);
    if (!o)
        return MCP_ENOMEM;
    json_object_foreach(o, k, v) json_object_set(call->result, k, v);
    json_decref(o);
    return MCP_OK;
}

static void waiter_cancelled(mcp_call_t *call, void *ud)
{
    waiter *w = ud, **pp;
    for (pp = &w->task->waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    free(w);
    mcp_call_complete(call); /* cancelled: no reply */
}

int mcp__tasks_result(mcp_call_t *call)
{
    mcp__task *t;
    waiter *w, **pp;
    size_t i;
    json_t *msg;
    if (!method_allowed(call, FOR_V1))
        return MCP_OK;
    if (elsewhere(call))
        return remote_task(call, R_RESULT);
    if (!(t = lookup(call)))
        return MCP_OK;
    if (TERMINAL(t->status)) {
        answer_waiter(t, call);
        return MCP_OK;
    }
    w = calloc(1, sizeof *w);
    if (!w)
        return MCP_ENOMEM;
    w->call = call;
    w->task = t;
    for (pp = &t->waiters; *pp; pp = &(*pp)->next)
        ;
    *pp = w;
    mcp_call_on_cancel(call, waiter_cancelled, w);
    /* questions that waited for a tasks/result go out on its stream now */
    json_array_foreach(t->queue, i, msg) if (t->owner && !t->owner->closed)
        mcp__session_send(t->owner, msg, t->waiters->call);
    json_array_clear(t->queue);
    return MCP_PENDING;
}

int mcp__tasks_list(mcp_call_t *call)
{
    const json_t *cursor = json_object_get(call->params, "cursor");
    mcp__tasks *st = call->srv->tasks;
    unsigned long long after = 0;
    size_t n = 0;
    mcp__task *t, *last = NULL;
    json_t *arr;
    if (!method_allowed(call, FOR_V1))
        return MCP_OK;
    if (call->srv->store && call->sess->share_id[0])
        return remote_list(call); /* the session's tasks on every replica */
    if (cursor && !json_is_null(cursor)) {
        const char *c = json_string_value(cursor);
        char *end = NULL;
        if (c && strncmp(c, CURSOR_PREFIX, strlen(CURSOR_PREFIX)) == 0)
            after = strtoull(c + strlen(CURSOR_PREFIX), &end, 16);
        if (!c || !end || *end || end == c + strlen(CURSOR_PREFIX) || after > st->next_seq) {
            mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                                "Invalid params: invalid cursor");
            return MCP_OK;
        }
    }
    sweep(st);
    arr = json_array();
    if (!arr)
        return MCP_ENOMEM;
    for (t = st->head; t; t = t->next) {
        /* a session-less request (stateless HTTP) cannot be scoped: it lists nothing */
        if (t->seq <= after || !visible(t, call) || !t->owner)
            continue;
        if (n == call->srv->page_size) {
            char buf[sizeof CURSOR_PREFIX + 20];
            snprintf(buf, sizeof buf, CURSOR_PREFIX "%llx", last->seq);
            json_object_set_new(call->result, "nextCursor", json_string(buf));
            break;
        }
        json_array_append_new(arr, task_json(t, false));
        last = t;
        n++;
    }
    json_object_set_new(call->result, "tasks", arr);
    return MCP_OK;
}

static void cancel_task(mcp__task *t)
{
    set_status(t, ST_CANCELLED, "The task was cancelled by request");
    release_waiters(t, NULL);
    if (t->call)
        mcp__call_cancel(t->call); /* the handler stops; what it builds is dropped */
}

int mcp__tasks_cancel(mcp_call_t *call)
{
    mcp__task *t;
    json_t *o;
    const char *k;
    json_t *v;
    if (!method_allowed(call, FOR_V1 | FOR_V2))
        return MCP_OK;
    if (elsewhere(call))
        return remote_task(call, R_CANCEL);
    if (!(t = lookup(call)))
        return MCP_OK;
    if (TERMINAL(t->status)) {
        if (t->v2)
            return MCP_OK; /* 2026: an idempotent ack */
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Cannot cancel task: already in terminal status '%s'",
                            status_name[t->status]);
        return MCP_OK;
    }
    cancel_task(t);
    if (t->v2)
        return MCP_OK; /* the ack is {} (resultType added for 2026) */
    o = task_json(t, false);
    if (!o)
        return MCP_ENOMEM;
    json_object_foreach(o, k, v) json_object_set(call->result, k, v);
    json_decref(o);
    return MCP_OK;
}

int mcp__tasks_update(mcp_call_t *call)
{
    const json_t *answers = json_object_get(call->params, "inputResponses");
    mcp__task *t;
    if (!method_allowed(call, FOR_V2))
        return MCP_OK;
    if (elsewhere(call))
        return remote_task(call, R_UPDATE);
    if (!(t = lookup(call)))
        return MCP_OK;
    if (!json_is_object(answers)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"inputResponses\" must be an object");
        return MCP_OK;
    }
    apply_answers(t, answers);
    return MCP_OK;
}

static void apply_answers(mcp__task *t, const json_t *answers)
{
    const char *key;
    json_t *answer, *ids;
    size_t i;
    /* Take every answer to an open question first (the status settles before the callbacks
     * run, which may ask again), then deliver them in asking order. Others are ignored. */
    ids = json_array();
    json_object_foreach((json_t *)answers, key, answer)
    {
        json_t *q = json_object_get(t->questions, key);
        char *end = NULL;
        long long id = strtoll(key, &end, 10);
        if (!q || !json_is_object(answer) || !end || *end)
            continue;
        json_array_append_new(ids, json_pack("[I, O]", (json_int_t)id, answer));
        json_object_del(t->questions, key);
    }
    if (t->status == ST_INPUT && json_object_size(t->questions) == 0)
        set_status(t, ST_WORKING, NULL);
    else if (t->status == ST_INPUT && json_array_size(ids) > 0)
        task_share(t); /* fewer questions open */
    json_array_foreach(ids, i, answer)
    {
        mcp__msg m;
        memset(&m, 0, sizeof m);
        m.kind = MCP__MSG_RESPONSE;
        m.id = json_array_get(answer, 0);
        m.result = json_array_get(answer, 1);
        if (!t->removed && t->psess)
            mcp__client_response(t->psess, &m);
    }
    json_decref(ids);
}

/* ---- the author's API -------------------------------------------------------------------------
 */

int mcp_call_task_start(mcp_call_t *call)
{
    if (!call)
        return MCP_EINVAL;
    if (task_of(call))
        return MCP_OK;
    if (!call->srv->loop || !mcp__on_loop(call->srv) || !may_escalate(call))
        return MCP_ESTATE;
    return start_task(call, true, 0);
}

const char *mcp_call_task_id(const mcp_call_t *call)
{
    mcp__task *t = task_of(call);
    return t ? t->id : NULL;
}

int mcp_call_task_message(mcp_call_t *call, const char *message)
{
    mcp__task *t = task_of(call);
    if (!t)
        return MCP_ESTATE;
    if (TERMINAL(t->status))
        return MCP_OK;
    set_message(t, message);
    if (message && !t->message)
        return MCP_ENOMEM;
    t->updated = wall_ms();
    notify_status(t);
    task_share(t);
    return MCP_OK;
}
