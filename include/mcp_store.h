/*
 * libmcp state store: where a server keeps the state that outlives one request, so that several
 * replicas of one server can share it (any replica then serves any request).
 *
 * Without a store (the default) every piece of this state lives in the server's own memory, in
 * structures built for it (no store call is made on the request path): 2025-era sessions, the
 * event store behind Last-Event-ID, tasks, and the used-nonce set of 2026 requestState. With a
 * store set (mcp_server_set_store()), the server also writes that state to the store and reads
 * there what it does not hold itself:
 *
 *   key (after the store's prefix)  value                                          expires with
 *   s:<session id>                  the session: {"v": negotiated revision,        the session idle
 *                                   "caps": client capabilities, "info": client    timeout
 *                                   info, "lvl": log level, "p": principal,
 *                                   "who": quota key, "subs": [resource URIs],
 *                                   "tags": {tag: shown} (the session's own view)}
 *   e:<session id>:<stream>         list of "<seq> <event data>", then "end"; a    the event TTL
 *                                   GET stream's list starts with "get"
 *   t:<task id>                     the task: status, message, result, owner,      the task TTL
 *                                   the replica running it
 *   l:<task id>                     the lease of a running task ("1"), renewed by  the lease
 *                                   the replica running it
 *   tl:<session id>                 list of the session's 2025 task ids            the max task TTL
 *   n:<digest of a requestState>    "1": that state was used (SET if absent)       the state's life
 *
 * and sends {"o": replica id, "k": kind, ...} messages on one channel (pub/sub) so that the
 * replicas hear of list changes, resource updates, session updates and ends, events of streams
 * they resume, which replica holds a session's GET stream now (a GET stream resumed on another
 * replica is held there from then on), and task cancellations.
 *
 * The interface is a small asynchronous key/value store (mcp_store_ops_t) so a store can sit on
 * any engine: libmcp has a memory one (mcp_store_memory(): one process, for tests and for
 * embedding) and a Redis one (mcp_store_redis(): libhiredis, loaded with dlopen on first use and
 * driven from the server's libuv loop, so no Redis round trip ever blocks the loop).
 *
 * Threads: every function here and every callback runs on the server's loop thread (after
 * mcp_server_set_store(); before it, on the thread that owns the store).
 */
#ifndef MCP_STORE_H
#define MCP_STORE_H

#include "mcp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The outcome of one store operation. */
typedef enum mcp_store_status {
    MCP_STORE_OK = 0,     /* done; for get: `value` is the record, or NULL when absent */
    MCP_STORE_EXISTS = 1, /* put with only_new: the key was already there (nothing written) */
    MCP_STORE_DOWN = 2,   /* the store cannot be reached now: try again later */
} mcp_store_status;

/**
 * The answer to one operation: called exactly once, maybe before the operation's function
 * returns (a memory store answers at once). `value` (borrowed, valid during the call; `len`
 * bytes plus a NUL) is the record read by get, or one element of a list for each element of
 * `list` in order, then a last call with `value` NULL.
 */
typedef void (*mcp_store_cb)(void *ud, mcp_store_status status, const char *value, size_t len);

/** A message heard on the store's channel (borrowed text, `len` bytes plus a NUL). */
typedef void (*mcp_store_msg_cb)(void *ud, const char *msg, size_t len);

/**
 * What a store implements. `impl` is the implementation's own object. Keys are NUL-terminated
 * text (the server's keys above); values are bytes. An operation returns 0 once it has taken
 * the request (its callback, when given, then runs exactly once), or -1 when it could not take it
 * (the callback does not run). A NULL callback: nobody waits for the answer.
 */
typedef struct mcp_store_ops {
    /* Start on `loop` (the server's uv_loop_t); called once by mcp_server_set_store(). */
    int (*start)(void *impl, uv_loop_t *loop);
    /* Read one record. */
    int (*get)(void *impl, const char *key, mcp_store_cb cb, void *ud);
    /* Write one record expiring in ttl_ms (0: never); only_new: only when absent (an atomic
     * claim, MCP_STORE_EXISTS when it was there). */
    int (*put)(void *impl, const char *key, const char *value, size_t len, uint64_t ttl_ms,
               int only_new, mcp_store_cb cb, void *ud);
    /* Remove one record or list. */
    int (*del)(void *impl, const char *key, mcp_store_cb cb, void *ud);
    /* Append one element to a list and set the list to expire in ttl_ms. */
    int (*push)(void *impl, const char *key, const char *value, size_t len, uint64_t ttl_ms,
                mcp_store_cb cb, void *ud);
    /* Every element of a list, oldest first (an absent list has none). */
    int (*list)(void *impl, const char *key, mcp_store_cb cb, void *ud);
    /* Send a message to every subscriber of the channel (the sender's own included). */
    int (*publish)(void *impl, const char *msg, size_t len);
    /* Hear the channel: `fn` runs for each message, from now until the store is freed. */
    int (*subscribe)(void *impl, mcp_store_msg_cb fn, void *ud);
    /* 1 when the store can be reached now, else 0. */
    int (*up)(void *impl);
    /* Stop and free; callbacks still pending run first, with MCP_STORE_DOWN. */
    void (*destroy)(void *impl);
} mcp_store_ops_t;

typedef struct mcp_store mcp_store_t;

/**
 * A store over a custom implementation (`ops` must stay valid; `impl` is handed to each op and
 * to ops->destroy when the store is freed). NULL when out of memory.
 *
 * Ownership: the store owns `impl` (destroyed with it).
 */
MCP_API mcp_store_t *mcp_store_new(const mcp_store_ops_t *ops, void *impl);

/** The memory store: one process's records, lists and channel. NULL when out of memory. */
MCP_API mcp_store_t *mcp_store_memory(void);

/**
 * A Redis store on `url`: redis://HOST:PORT[/DB] (HOST a name or address, PORT default 6379,
 * DB default 0). `password` (may be NULL: none) is sent with AUTH on each connection: read it
 * from the environment or a file, never from the command line. `prefix` (NULL: "mcp") names
 * the keys and the channel: "<prefix>:<key>" and "<prefix>:bus"; replicas of one server share
 * it. libhiredis is loaded on the first call (NULL, with a log line on the server later, when it
 * cannot be; mcp_store_error() says why). The connection is made on the server's loop by
 * mcp_server_set_store(); when it drops, it is made again with a backoff (0.1 s doubling to 2 s),
 * and operations meanwhile answer MCP_STORE_DOWN at once.
 */
MCP_API mcp_store_t *mcp_store_redis(const char *url, const char *password, const char *prefix);

/** Why the last mcp_store_redis() on this thread returned NULL (static text). */
MCP_API const char *mcp_store_error(void);

/** Free a store that no server took (mcp_server_set_store() takes it). NULL is a no-op. */
MCP_API void mcp_store_free(mcp_store_t *store);

/**
 * Keep the server's shared state in `store` (see the top of this file) from now on. Call it
 * before starting the transports. MCP_OK, MCP_EINVAL (NULL arguments), MCP_ESTATE (a store is
 * already set, or transports started), or the error of starting the store.
 *
 * Ownership: steals `store` (even on failure); the server frees it in mcp_server_free().
 */
MCP_API int mcp_server_set_store(mcp_server_t *srv, mcp_store_t *store);

/** The server's store, or NULL (the default: memory only). Borrowed. */
MCP_API mcp_store_t *mcp_server_store(const mcp_server_t *srv);

/** Operations on a store (they forward to its ops; same contract). */
MCP_API int mcp_store_get(mcp_store_t *st, const char *key, mcp_store_cb cb, void *ud);
MCP_API int mcp_store_put(mcp_store_t *st, const char *key, const char *value, size_t len,
                          uint64_t ttl_ms, int only_new, mcp_store_cb cb, void *ud);
MCP_API int mcp_store_del(mcp_store_t *st, const char *key, mcp_store_cb cb, void *ud);
MCP_API int mcp_store_push(mcp_store_t *st, const char *key, const char *value, size_t len,
                           uint64_t ttl_ms, mcp_store_cb cb, void *ud);
MCP_API int mcp_store_list(mcp_store_t *st, const char *key, mcp_store_cb cb, void *ud);
MCP_API int mcp_store_publish(mcp_store_t *st, const char *msg, size_t len);
MCP_API int mcp_store_up(mcp_store_t *st);

#ifdef __cplusplus
}
#endif

#endif /* MCP_STORE_H */
