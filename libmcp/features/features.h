/*
 * The features layer (libmcp/features/): one protocol area per file — its method handlers and
 * the mcp_call_* / mcp_server_* API that goes with it. Features use core and base, and each
 * other where one builds on another (tasks on tools, ask on mrtr); dispatch (server/) calls
 * the handlers declared here. Never installed.
 */
#ifndef MCP_FEATURES_H
#define MCP_FEATURES_H

#include "core/core.h"

/* ---- content.c ------------------------------------------------------------------------------ */

MCP_HIDDEN json_t *mcp__content_text(const char *text, size_t len);
MCP_HIDDEN json_t *mcp__content_binary(const char *type, const void *data, size_t len,
                                       const char *mime_type);

/* ---- ask.c, mrtr.c: asking the client ------------------------------------------------------- */

/** Ask the client `method` with `params` (stolen) for `call`: a 2025-era request, or a 2026
 * input request. Capability checks are the caller's. */
MCP_HIDDEN int mcp__ask_client(mcp_call_t *call, const char *method, json_t *params,
                               mcp_client_reply_fn cb, void *ud);
/** A response from the client (dispatch). */
MCP_HIDDEN void mcp__client_response(mcp__session *s, const mcp__msg *m);
/** Does `s` wait for the client's answer to request `id` (ask.c's questions and the keep-alive
 * ping; a 2025 task's questions: mcp__tasks_awaits)? With a store, an answer that arrives at
 * another replica goes on to it. */
MCP_HIDDEN bool mcp__session_awaits(const mcp__session *s, const json_t *id);
/** The session's transport is gone: every open question fails with MCP_EIO. */
MCP_HIDDEN void mcp__session_drop_questions(mcp__session *s);
/** A question of a 2026-07-28 call still unanswered: its callback gets MCP_ERETRY (mrtr.c). */
typedef struct mcp__waiter {
    mcp_client_reply_fn cb;
    void *ud;
    struct mcp__waiter *next;
} mcp__waiter;
/** 2026: before running a retried request, verify requestState and gather the answers.
 * Returns 0, or -32602 with the error set on the call. */
MCP_HIDDEN int mcp__mrtr_begin(mcp_call_t *call);
/** The nonce (hex) and expiry (time_t) of a requestState `text` this server signed: 0, or -1
 * when it is not one (mrtr.c). */
MCP_HIDDEN int mcp__mrtr_state_nonce(mcp_server_t *srv, const char *text, char nonce[65],
                                     long long *expires);
/** With a store: hear the other replicas' tasks/cancel and tasks/update (tasks.c; a transport
 * calls it when it starts). */
MCP_HIDDEN void mcp__tasks_share(mcp_server_t *srv);
/** With a store: hear the list changes and resource updates of the other replicas
 * (subscriptions.c; a transport calls it when it starts). */
MCP_HIDDEN void mcp__subscriptions_share(mcp_server_t *srv);
/** 2026: ask (no answer yet: record the input request; answer known: run cb now). */
MCP_HIDDEN int mcp__mrtr_ask(mcp_call_t *call, const char *method, json_t *params,
                             mcp_client_reply_fn cb, void *ud);
/** 2026: a question was refused before it was asked: a key named for it does not carry over. */
MCP_HIDDEN void mcp__mrtr_forget_key(mcp_call_t *call);
/** 2026: the verified requestState of this retry asked `key` (or carried its answer) and the
 * answer is known. */
MCP_HIDDEN bool mcp__mrtr_answered(const mcp_call_t *call, const char *key);
MCP_HIDDEN void mcp__nonces_free(mcp_server_t *srv);

/* ---- subscriptions.c: notifications to many ------------------------------------------------- */

/** Send a notification to every ready 2025-era session and to the 2026 listeners that asked for
 * it (params borrowed; copied per send). */
MCP_HIDDEN void mcp__broadcast(mcp_server_t *srv, const char *method, json_t *params);

/* ---- method handlers (lifecycle.c, tools.c, resources.c, prompts.c, completion.c,
 * subscriptions.c) */

MCP_HIDDEN int mcp__initialize(mcp_call_t *call);
MCP_HIDDEN int mcp__ping(mcp_call_t *call);
MCP_HIDDEN int mcp__discover(mcp_call_t *call);
MCP_HIDDEN void mcp__initialized(mcp__session *s, const mcp__msg *m);
MCP_HIDDEN int mcp__tools_list(mcp_call_t *call);
MCP_HIDDEN int mcp__tools_call(mcp_call_t *call);
MCP_HIDDEN int mcp__resources_list(mcp_call_t *call);
MCP_HIDDEN int mcp__resources_templates_list(mcp_call_t *call);
MCP_HIDDEN int mcp__resources_read(mcp_call_t *call);
MCP_HIDDEN int mcp__prompts_list(mcp_call_t *call);
MCP_HIDDEN int mcp__prompts_get(mcp_call_t *call);
MCP_HIDDEN int mcp__logging_set_level(mcp_call_t *call);
MCP_HIDDEN int mcp__completion_complete(mcp_call_t *call);
MCP_HIDDEN int mcp__resources_subscribe(mcp_call_t *call);
MCP_HIDDEN int mcp__resources_unsubscribe(mcp_call_t *call);
MCP_HIDDEN int mcp__subscriptions_listen(mcp_call_t *call);
/** Every URI a session here subscribed to or a listen request names: {uri: true} (new
 * reference; NULL when out of memory). */
MCP_HIDDEN json_t *mcp__subscribed_uris(mcp_server_t *srv);
/** Route a list_changed broadcast to the 2026 listeners that asked for it (params borrowed). */
MCP_HIDDEN void mcp__listeners_notify(mcp_server_t *srv, const char *method, const json_t *params);
/** End listen calls gracefully: all of them (only == NULL) or one session's. */
MCP_HIDDEN void mcp__listeners_end(mcp_server_t *srv, mcp__session *only);
/** 2026 tasks extension: send `notifications/tasks` with `task` (the DetailedTask, borrowed) to
 * the listeners that named `task_id` in taskIds and may reach the task: the same principal, and
 * the owning session when the task has one (`owner` may be NULL). */
MCP_HIDDEN void mcp__listeners_task(mcp_server_t *srv, const char *task_id, const json_t *task,
                                    const json_t *principal, const mcp__session *owner);
/* ---- extensions.c -------------------------------------------------------------------------- */

/** Capabilities: the declared extensions under `extensions` (2026) or `experimental` (2025). */
MCP_HIDDEN void mcp__extensions_capabilities(mcp_server_t *srv, const mcp__ctx *ctx, json_t *caps);
/** mcp_server_free(). */
MCP_HIDDEN void mcp__extensions_free(mcp_server_t *srv);

/* ---- keepalive.c --------------------------------------------------------------------------- */

typedef struct mcp__keepalive mcp__keepalive;
/** Start the keep-alive timer if MCP_LIMIT_PING_INTERVAL_MS is set and it is not running yet
 * (a session became ready). */
MCP_HIDDEN void mcp__keepalive_start(mcp_server_t *srv);
/** Stop it (the server stops or is freed). */
MCP_HIDDEN void mcp__keepalive_stop(mcp_server_t *srv);
/** A response from the client: true when it answers the session's keep-alive ping. */
MCP_HIDDEN bool mcp__keepalive_answer(mcp__session *s, const mcp__msg *m);

/** 2026-07-28 list/read results carry ttlMs and cacheScope: set them on the call's result
 * (no-op in the 2025 era). `scope` MCP_CACHE_DEFAULT means `fallback`. */
MCP_HIDDEN void mcp__cacheable(mcp_call_t *call, unsigned long long ttl_ms, int scope,
                               mcp_cache_scope fallback);
/** For list methods: the cursor param, validated (-32602 set on the call when not a string). */
MCP_HIDDEN int mcp__list_page(mcp_call_t *call, mcp__kind kind, const char *field);
/** Registration: check and normalize an item's `.scopes` text into *out (NULL: none); `what`
 * and `name` make the message. MCP_OK or MCP_EINVAL / MCP_ENOMEM with `err` filled. */
MCP_HIDDEN int mcp__item_scopes(const char *text, const char *what, const char *name, char **out,
                                mcp_error_t *err);

/* ---- tasks.c: tasks, both eras (2025-11-25 `task` param; 2026-07-28 extension) ------------------
 */

typedef struct mcp__task mcp__task;
typedef struct mcp__tasks mcp__tasks;

/** Registration: set def.execution.taskSupport from MCP_TOOL_TASK_* (the server offers tasks). */
MCP_HIDDEN void mcp__tasks_tool_def(mcp_server_t *srv, json_t *def, unsigned flags);
/** tools/call, once the tool is known (call->item): refuse (-32601 / -32021 / -32602 set on the
 * call; returns -1) or, for a 2025-11-25 task-augmented call, answer CreateTaskResult and move
 * the call into a new task (returns 0; the handler then runs as usual). */
MCP_HIDDEN int mcp__task_begin(mcp_call_t *call);
/** tools/call, after the handler returned `status`: a 2026 call going asynchronous becomes a
 * task (when the request declared the extension). Returns `status`. */
MCP_HIDDEN int mcp__task_pending(mcp_call_t *call, int status);
/** Capabilities: `tasks` (2025-11-25 sessions) or extensions["io.modelcontextprotocol/tasks"]. */
MCP_HIDDEN void mcp__tasks_capabilities(mcp_server_t *srv, const mcp__ctx *ctx, json_t *caps);
/** A client response on `s` answering a question of one of its tasks: routed, returns true. */
MCP_HIDDEN bool mcp__tasks_response(mcp__session *s, const mcp__msg *m);
/** Does a 2025 task of session `s` wait for the answer to request `id`? */
MCP_HIDDEN bool mcp__tasks_awaits(const mcp__session *s, const json_t *id);
/** mcp_server_stop(): running tasks are cancelled. */
MCP_HIDDEN void mcp__tasks_stop(mcp_server_t *srv);
/** mcp_server_free(): every task goes (running calls are cancelled and cut off). */
MCP_HIDDEN void mcp__tasks_free(mcp_server_t *srv);
MCP_HIDDEN int mcp__tasks_get(mcp_call_t *call);
MCP_HIDDEN int mcp__tasks_result(mcp_call_t *call);
MCP_HIDDEN int mcp__tasks_list(mcp_call_t *call);
MCP_HIDDEN int mcp__tasks_cancel(mcp_call_t *call);
MCP_HIDDEN int mcp__tasks_update(mcp_call_t *call);

#endif /* MCP_FEATURES_H */
