/*
 * The core layer (libmcp/core/): the objects a request lives in — the server's state and loop
 * side, the request context, sessions, the registry of what the server offers, and calls. It
 * uses only the base layer. Features hang their own state on these objects behind pointers to
 * types they define (tasks, nonces, listeners on the server; questions on a call), and learn
 * of a call's end through the hooks they install (mcp__call_questions, call->finish), so core
 * never calls up. Never installed.
 */
#ifndef MCP_CORE_H
#define MCP_CORE_H

#include "base/base.h"
#include "mcp_store.h"

/* ---- context.c: protocol revisions and the per-request context ------------------------------ */

/** The supported revision equal to `v` (a static string), or NULL. */
MCP_HIDDEN const char *mcp__version_find(const char *v);
/** True for revisions of the stateless era (2026-07-28 and later). */
MCP_HIDDEN bool mcp__version_stateless(const char *v);
/** New reference: array of every supported revision, newest first. */
MCP_HIDDEN json_t *mcp__version_list(void);
/** `a` >= `b` (revision strings compare as dates). */
MCP_HIDDEN bool mcp__version_ge(const char *a, const char *b);

/** What a handler may know about the client: the same shape for both eras. */
typedef struct mcp__ctx {
    const char *version; /* static string */
    json_t *client_caps; /* owned reference; never NULL once set */
    json_t *client_info; /* owned reference or NULL */
    int log_level;       /* mcp_log_level, or -1: send no log notifications */
    bool stateless;      /* served from the request's _meta (2026 era) */
} mcp__ctx;

MCP_HIDDEN void mcp__ctx_copy(mcp__ctx *dst, const mcp__ctx *src);
MCP_HIDDEN void mcp__ctx_clear(mcp__ctx *ctx);
/**
 * Fill `ctx` from a 2026-era request's params._meta. Returns 0, or a JSON-RPC error code with
 * *error_data (new reference or NULL) and *message set: -32602 for a malformed envelope, -32022
 * for an unsupported revision.
 */
MCP_HIDDEN int mcp__ctx_from_meta(mcp__ctx *ctx, const json_t *meta, const char **message,
                                  json_t **error_data);

/* ---- registry.c: what the server offers ---------------------------------------------------- */

typedef enum mcp__kind {
    MCP__TOOL,
    MCP__RESOURCE,
    MCP__TEMPLATE,
    MCP__PROMPT,
    MCP__KINDS
} mcp__kind;
/* call->builds for completion/complete results (not a registry kind) */
#define MCP__BUILDS_COMPLETION ((mcp__kind)(MCP__KINDS + 1))

/** One registered tool, resource, template or prompt. Reference-counted so that removing it while
 * a call uses it is safe. */
typedef struct mcp__item {
    int refs;
    mcp__kind kind;
    unsigned long long seq; /* registration order; cursors are built from it */
    char *key;              /* tool/prompt name, resource URI or template text */
    json_t *def;            /* the object the list methods serve (owned) */
    union {
        mcp_tool_fn tool;
        mcp_resource_fn resource;
        mcp_prompt_fn prompt;
    } fn;                     /* the author's handler (NULL for static resources) */
    mcp_complete_fn complete; /* prompts and templates: completion (optional) */
    void *userdata;
    void (*free_userdata)(void *);
    unsigned flags;
    unsigned timeout_ms;   /* tools: execution time limit (0: the server's) */
    json_t *input_schema;  /* tools: borrowed from def; prompts: argument schema (owned) */
    json_t *output_schema; /* tools: borrowed from def or NULL */
    mcp__schema_patterns *input_patterns;  /* tools: input_schema's compiled patterns (owned) */
    mcp__schema_patterns *output_patterns; /* tools: output_schema's, or NULL (owned) */
    char *text;                            /* static resources: contents */
    bool disabled;                         /* mcp_server_enable_*(..., 0): hidden from all */
    bool input_defaults;                   /* tools: input_schema has a "default" somewhere */
    json_t *tags;                          /* array of tag strings, or NULL (owned) */
    unsigned long long cache_ttl_ms;       /* resources: 2026 read results' ttlMs */
    int cache_scope;                       /* ... and cacheScope (an mcp_cache_scope) */
    char *mime_type;
    char *scopes; /* the scopes a caller needs (.scopes, normalized: single spaces), or NULL */
    struct mcp__item *hnext; /* hash chain */
} mcp__item;

typedef struct mcp__table {
    mcp__item **items; /* in registration order */
    size_t count, cap;
    unsigned long long last_seq; /* the highest seq this kind ever had (removal keeps it) */
    mcp__item **buckets;         /* hash by key */
    size_t nbuckets;
} mcp__table;

struct mcp__session; /* below */

typedef struct mcp__registry {
    mcp__table t[MCP__KINDS];
    unsigned long long next_seq;
    json_t *tags_off; /* tags disabled server-wide (object as a set; owned, may be NULL) */
} mcp__registry;

MCP_HIDDEN void mcp__registry_init(mcp__registry *reg);
MCP_HIDDEN void mcp__registry_free(mcp__registry *reg);
/** Add `item` (takes the caller's reference). MCP_EEXIST if the key is taken. */
MCP_HIDDEN int mcp__registry_add(mcp__registry *reg, mcp__item *item);
/** Find by key; borrowed (incref with mcp__item_ref to keep). */
MCP_HIDDEN mcp__item *mcp__registry_get(const mcp__registry *reg, mcp__kind kind, const char *key);
/** Remove by key and drop the registry's reference. MCP_OK or MCP_ENOTFOUND. */
MCP_HIDDEN int mcp__registry_remove(mcp__registry *reg, mcp__kind kind, const char *key);
MCP_HIDDEN mcp__item *mcp__item_new(mcp__kind kind, const char *key);
MCP_HIDDEN mcp__item *mcp__item_ref(mcp__item *item);
MCP_HIDDEN void mcp__item_unref(mcp__item *item);
/**
 * One page of a list: sets result[field] to an array of the items' defs after `cursor` (NULL =
 * from the start) and nextCursor when more remain. Returns 0 or -32602 for an invalid cursor.
 * `keep` (may be NULL: every item) leaves out the items it says no to; a page still holds up to
 * page_size items, and nextCursor is set only when a later item would be kept.
 */
MCP_HIDDEN int mcp__registry_page(const mcp__registry *reg, mcp__kind kind, const char *cursor,
                                  size_t page_size, json_t *result, const char *field,
                                  const struct mcp__session *s,
                                  bool (*keep)(const mcp__item *it, const void *ud),
                                  const void *ud);
/**
 * Whether `it` is offered to session `s` (may be NULL): it is not disabled, and each of its tags
 * is enabled, as the session says (mcp_call_session_enable_tag) or else the server
 * (mcp_server_enable_tag). Hidden items are neither listed nor served (unknown to the client).
 */
MCP_HIDDEN bool mcp__item_visible(const mcp__registry *reg, const mcp__item *it,
                                  const struct mcp__session *s);
/** Set an item's tags from the author's text ("a, b"; NULL or "" = none). MCP_OK, MCP_EINVAL
 * (a tag is empty, over 64 bytes or not of [A-Za-z0-9_.:/-]; `err` says which) or MCP_ENOMEM. */
MCP_HIDDEN int mcp__item_set_tags(mcp__item *it, const char *text, mcp_error_t *err);
/** True when some item of `kind` carries `tag`. */
/** The resource or template that serves `uri` for session `s` (disabled and hidden items
 * skipped: a static resource first, then the templates in order), or NULL. With a template,
 * *vars (when not NULL) receives its variables (new reference), else NULL. resources/read and
 * both subscription forms use it, so the item's `.scopes` apply to all three. */
MCP_HIDDEN mcp__item *mcp__registry_find_uri(const mcp__registry *reg, const char *uri,
                                             const struct mcp__session *s, json_t **vars);
MCP_HIDDEN bool mcp__registry_has_tag(const mcp__registry *reg, mcp__kind kind, const char *tag);

/* ---- session.c ------------------------------------------------------------------------------ */

typedef struct mcp__session mcp__session;

/** How a transport receives what the core sends. Every member may be NULL except send. */
typedef struct mcp__transport_ops {
    /* Deliver one outgoing message (borrowed). `related` is the call it belongs to; NULL means
     * "no call": during mcp__server_receive() that is the message being received (s->rx),
     * otherwise a message unrelated to any request (e.g. list_changed). */
    void (*send)(mcp__session *s, json_t *msg, mcp_call_t *related);
    /* The session's last call finished (a transport waiting to close may do so now). */
    void (*idle)(mcp__session *s);
    /* A call was created for a request of the message being received (call->tctx = s->rx). */
    void (*call_begin)(mcp__session *s, mcp_call_t *call);
    /* A call ended: its reply (if any, `replied`) was sent just before. Called before it is
     * freed; a transport counting a POST's outstanding requests finishes the POST here. */
    void (*call_end)(mcp__session *s, mcp_call_t *call, bool replied);
    /* Close the connection carrying `call`'s messages now; they go on being kept for the
     * client's resumption (Streamable HTTP SSE polling). MCP_OK or MCP_ESTATE. May be NULL. */
    int (*close_stream)(mcp__session *s, mcp_call_t *call);
} mcp__transport_ops;

/** A token bucket for notifications/message (features/logging.c fills and reads it, under its
 * lock). Zero is a full bucket not yet started. */
typedef struct mcp__lograte {
    double tokens;
    uint64_t last_ns;      /* uv_hrtime() of the last refill; 0: not started */
    unsigned long dropped; /* messages dropped since the last one sent */
    int dropped_level;     /* the highest level among them */
} mcp__lograte;

typedef enum mcp__sess_state {
    MCP__SESS_NEW,          /* no initialize yet */
    MCP__SESS_INITIALIZING, /* initialize answered, notifications/initialized not yet seen */
    MCP__SESS_READY,
} mcp__sess_state;

struct mcp__session {
    mcp_server_t *srv;
    int refs;
    mcp__sess_state state;
    mcp__ctx ctx; /* 2025 era: negotiated at initialize */
    const mcp__transport_ops *ops;
    void *transport;             /* the transport's own data */
    mcp_call_t *calls;           /* in flight, doubly linked */
    struct mcp__outreq *outreqs; /* server->client requests awaiting answers */
    bool ephemeral;              /* lives for one HTTP request: cannot carry server->client
                                    requests (stateless HTTP) */
    json_t *subscriptions;       /* 2025: resources/subscribe URIs (object as a set; owned) */
    json_int_t ping_id;          /* keep-alive: the id of the unanswered ping, or 0 */
    uint64_t ping_sent;          /* ... and when it went (uv_now, ms) */
    json_t *tag_view;            /* 2025: this session's own view of tags, tag -> true/false
                                    (mcp_call_session_enable_tag; owned, may be NULL) */
    json_t *elicitations;        /* 2025: URL-mode elicitation ids sent to the client, until
                                    completed (object as a set, insertion order; owned) */
    json_t *principal;           /* HTTP authorization: who created the session (owned, may be
                                    NULL); see mcp_call_principal() */
    bool scoped;                 /* HTTP with authorization on: required scopes (.scopes) apply,
                                    granted by the principal's claims (scope.c) */
    json_t *rx_principal;        /* borrowed, while a message is received: the principal of
                                    this request's token, when it may differ from the session's
                                    (HTTP: the same caller, its latest token, e.g. after a
                                    step-up); NULL: the session's. Calls keep a reference */
    mcp__lograte lograte;        /* 2025 era: log notifications sent to this session */
    char *client;                /* who the session's client is when it is not the session
                                    itself: the peer address of a session that lives for one
                                    HTTP request (owned, may be NULL); the pool's fair share
                                    (pool.c) counts by principal, then this, then the session */
    unsigned long long serial;   /* 1, 2, ... per server: names the session in
                                    mcp_request_info_t.client */
    size_t ncalls;
    mcp__reply_class reply_class; /* while a reply is being sent (mcp__session_reply): its
                                     class; MCP__REPLY_NONE otherwise */
    bool closed;                  /* the transport is gone: sends are dropped */
    void *rx;                     /* the transport's context for the message being received:
                                     calls created meanwhile copy it into call->tctx, and
                                     replies sent with related == NULL during
                                     mcp__server_receive() belong to it */
    mcp__session *prev, *next;    /* the server's session list */
    char share_id[33];            /* with a store: the id every replica knows the session by
                                     (Streamable HTTP's Mcp-Session-Id), or "" */
    unsigned gen;                 /* counts changes of what a store keeps of the session (log
                                     level, subscriptions) */
};

MCP_HIDDEN mcp__session *mcp__session_new(mcp_server_t *srv, const mcp__transport_ops *ops,
                                          void *transport);
MCP_HIDDEN void mcp__session_ref(mcp__session *s);
MCP_HIDDEN void mcp__session_unref(mcp__session *s);
/** The transport is going away: mark closed, cancel nothing (calls still complete, replies drop).
 */
MCP_HIDDEN void mcp__session_close(mcp__session *s);
/** Send a message (borrowed) to the session's client. */
MCP_HIDDEN void mcp__session_send(mcp__session *s, json_t *msg, mcp_call_t *related);
/** Send a reply (borrowed): the same, with s->reply_class set to `cls` while the transport
 * takes it. */
MCP_HIDDEN void mcp__session_reply(mcp__session *s, json_t *msg, mcp_call_t *related,
                                   mcp__reply_class cls);
/** Two principals (either may be NULL) name the same caller: by "sub" (and "iss") when both have
 * a string "sub", else as whole JSON values; NULL matches only NULL. */
MCP_HIDDEN bool mcp__principal_same(const json_t *a, const json_t *b);

/* ---- call.c --------------------------------------------------------------------------------- */

typedef struct mcp__batch mcp__batch;
typedef struct mcp__post mcp__post;

/** An entry of the server's cross-thread queue (loop.c): `run` is called on the loop thread, in
 * queue order, and owns the entry from then on. `call` and `msg` are for its use. */
struct mcp__post {
    void (*run)(struct mcp__post *p);
    mcp_call_t *call;
    json_t *msg;
    struct mcp__post *next;
};

/** What a feature that asks the client hangs on a call (ask.c for the 2025 era, mrtr.c for
 * 2026-07-28), so that the call's end reaches it without call.c naming it. */
typedef struct mcp__call_questions {
    /* 2026: questions are waiting for answers: the reply must carry them (may be NULL) */
    bool (*asking)(const mcp_call_t *call);
    /* build that reply (input_required) in place of the result */
    void (*reply)(mcp_call_t *call);
    /* the call ends: release the questions (their callbacks learn how they ended) */
    void (*end)(mcp_call_t *call);
} mcp__call_questions;

/** A server->client request of the 2025 era awaiting the client's answer (features/ask.c). */
typedef struct mcp__outreq mcp__outreq;

typedef enum mcp__call_state {
    MCP__CALL_RUNNING, /* the handler is running on the loop thread */
    MCP__CALL_POOL,    /* a blocking tool's handler is running on the thread pool */
    MCP__CALL_PENDING, /* the handler returned MCP_PENDING */
    MCP__CALL_DONE,
} mcp__call_state;

struct mcp_call {
    mcp_server_t *srv;
    mcp__session *sess;      /* referenced */
    mcp_call_t *prev, *next; /* the session's in-flight list */
    json_t *id;              /* owned */
    json_t *params;          /* owned; an object (maybe empty) */
    const json_t *meta;      /* borrowed from params */
    const char *method;
    mcp__ctx ctx;
    json_t *result;                  /* owned; the result being built */
    json_t *error;                   /* owned; {code,message,data?} replaces the result */
    json_t *content;                 /* borrowed: result's array that builders append to */
    mcp__kind builds;                /* which builders apply (MCP__KINDS: none) */
    mcp__item *item;                 /* the tool/resource/prompt served (referenced) or NULL */
    const json_t *args;              /* borrowed: what the handler validates/reads */
    char *uri;                       /* resources/read: the URI read (owned) */
    json_t *vars;                    /* resources/read: matched template variables; completion:
                                        an empty context; tools/prompts: empty arguments when the
                                        client sent none (owned) */
    int (*finish)(mcp_call_t *call); /* method-specific work before the reply */
    mcp__call_state state;
    bool complete_requested; /* completed while the handler was still running */
    int cancelled;           /* set on the loop thread, read anywhere (atomic access) */
    void (*cancel_cb)(mcp_call_t *, void *);
    void *cancel_ud;
    mcp__batch *batch;
    mcp__post complete_post;        /* its entry in the cross-thread queue when completed */
    mcp__post *deferred;            /* started when a blocking handler returns (questions asked
                                       on the pool thread) */
    uv_work_t work;                 /* MCP_TOOL_BLOCKING */
    int status;                     /* handler's return value */
    void *tctx;                     /* transport's per-call data */
    struct mcp__progress *progress; /* progress.c's state, from the first report (owned;
                                       plain memory: freed with the call) */
    unsigned outreqs;               /* 2025-era questions to the client still open (atomic) */
    const mcp__call_questions *questions; /* set by the first question asked, or NULL */
    void *qstate;         /* that feature's state (2026: struct mcp__mrtr, mrtr.c) */
    mcp__lograte lograte; /* 2026: log notifications of this request */
    /* the thread pool (pool.c) and the execution deadline */
    char *client;                 /* its client's key once moved off its first session (owned) */
    struct mcp__pclient *pclient; /* its client in the pool while waiting or running there */
    mcp_call_t *qprev, *qnext;    /* its client's queue, while waiting */
    bool pool_waiting;            /* waiting for a pool thread (not yet handed to libuv) */
    bool has_deadline;            /* on the pool's deadline list */
    json_t *principal;            /* who made this request (a reference: s->rx_principal, else
                                     the session's, when the call was made) or NULL; what
                                     mcp_call_principal() returns and scopes are checked on */
    bool forbidden;               /* refused for want of scopes: its reply is classed
                                     MCP__REPLY_FORBIDDEN (error.data.scope names them) */
    bool answered;                /* replied to early (timed out): the reply is sent and the
                                     transport has ended it, but the handler still holds the
                                     call; whatever it sends or completes later is dropped */
    uint64_t deadline;            /* loop time (ms) */
    mcp_call_t *dlprev, *dlnext;  /* the deadline list */
    size_t timeout_ms;            /* its execution time limit (for the message) */
    uint64_t started;             /* uv_hrtime() when the request arrived */
    /* installed by the middleware (server/middleware.c): sees the reply just before it is sent
     * (NULL: none is sent, the call was cancelled) */
    void (*observe)(mcp_call_t *call, const json_t *reply);
    unsigned mw_ran; /* how many middleware request hooks ran (their response hooks run) */
};

/** Create a call for request `m` on session `s` (params copied by reference). */
MCP_HIDDEN mcp_call_t *mcp__call_new(mcp__session *s, const mcp__msg *m);
/** Run `fn(call)` as the handler step and act on its status (reply now, wait, or error). */
MCP_HIDDEN void mcp__call_run(mcp_call_t *call, int (*fn)(mcp_call_t *));
/** Queue a tool handler on the thread pool; returns MCP_PENDING (or an error, call->error set). */
MCP_HIDDEN int mcp__call_run_blocking(mcp_call_t *call);
/** Send the reply (or drop it if cancelled) and free the call. Loop thread. */
MCP_HIDDEN void mcp__call_finish(mcp_call_t *call);
/** Move a call (in flight) to another session: tasks.c adopts a call this way. */
MCP_HIDDEN void mcp__call_move(mcp_call_t *call, mcp__session *to);
/** True when the call's questions must go back to the client in its reply (2026). */
MCP_HIDDEN bool mcp__call_asking(const mcp_call_t *call);
/**
 * Send a message related to `call` from any thread: directly on the loop thread, through the
 * queue otherwise (ordered before the call's completion). Steals `msg`.
 */
MCP_HIDDEN int mcp__call_send(mcp_call_t *call, json_t *msg);
/** A batch of 2025-03-26 messages whose replies go out together: created while one is
 * dispatched (counting one for the dispatch itself), joined by each call of it, and counted down
 * by mcp__batch_add() (reply borrowed, may be NULL) until the last one sends every reply. */
MCP_HIDDEN mcp__batch *mcp__batch_new(mcp__session *s);
MCP_HIDDEN void mcp__batch_add(mcp__batch *b, json_t *reply, mcp_call_t *call);
/** A reply dispatch itself built for one element (borrowed). */
MCP_HIDDEN void mcp__batch_reply(mcp__batch *b, json_t *reply);
MCP_HIDDEN void mcp__call_join_batch(mcp_call_t *call, mcp__batch *b);
MCP_HIDDEN void mcp__call_cancel(mcp_call_t *call);
/** Cancel every call in flight on `s` whose tctx is `tctx` (its stream went away, 2026-07-28).
 * Safe against cancel callbacks that complete calls on the spot. */
MCP_HIDDEN void mcp__calls_cancel_for(mcp__session *s, void *tctx);
/** Arm the call's execution deadline (tools.c): `ms` from now it is answered with a timeout
 * error and cancelled. No-op for 0 or without a loop. */
MCP_HIDDEN void mcp__call_set_timeout(mcp_call_t *call, size_t ms);
/** End every blocking call still waiting for a pool thread, unheard (the transports are gone). */
MCP_HIDDEN void mcp__calls_drop_waiting(mcp_server_t *srv);
/** Set a JSON-RPC error on the call (data stolen). */
MCP_HIDDEN void mcp__call_set_error(mcp_call_t *call, int code, json_t *data, const char *fmt, ...)
    MCP_PRINTF(4, 5);

/* ---- the server object's state (created and freed by server/server.c) -------------------- */

/** What kind of transport a started one is (mcp_server_http_port() looks for one). */
typedef enum mcp__transport_kind {
    MCP__TRANSPORT_STDIO,
    MCP__TRANSPORT_HTTP,   /* Streamable HTTP */
    MCP__TRANSPORT_SSE,    /* legacy HTTP+SSE */
    MCP__TRANSPORT_MEMORY, /* an in-process client (libmcp/client/memory.c) */
} mcp__transport_kind;

/** A started transport, as the server sees it: hooks to stop it gracefully and to free it. */
typedef struct mcp__transport {
    mcp__transport_kind kind;
    unsigned port;                          /* HTTP transports: the bound TCP port */
    void (*stop)(struct mcp__transport *t); /* stop accepting; close once calls end (loop) */
    void (*free)(struct mcp__transport *t); /* close everything now (mcp_server_free) */
    struct mcp__transport *next;
} mcp__transport;

#define MCP__STORE_HANDLERS 16

struct mcp_server {
    char *name, *version, *title, *description, *website_url, *instructions;
    json_t *icons;
    json_t *info;            /* cached serverInfo */
    json_t *reply_env;       /* call.c: a spare result envelope (owned, or NULL) */
    json_t *spare_result;    /* call.c: an empty result object for the next call (owned) */
    bool offers[MCP__KINDS]; /* something of this kind was ever registered */
    bool scoped[MCP__KINDS]; /* ... with required scopes: its list depends on the caller */
    size_t page_size, max_message, max_depth, max_batch, max_inflight;
    size_t max_uri, max_subscriptions; /* subscriptions.c: per URI, per session or listen */
    size_t max_tasks_per_client;       /* tasks.c: per principal, else per client address, else
                                          per session */
    size_t max_request_states;         /* mrtr.c: nonces kept until their states expire */
    size_t log_rate, log_burst;        /* logging.c: notifications/message per second, burst */
    mcp_log_level log_level;
    mcp__registry reg;
    uv_loop_t *loop;
    uv_loop_t *own_loop;                /* allocated by run_*(); NULL when attached */
    struct mcp__loopside *ls;           /* handles on the loop (own allocation, freed on close) */
    void (*on_stop)(mcp_server_t *srv); /* installed by server.c: what mcp_server_stop() does */
    mcp__session *sessions;
    mcp__transport *transports;  /* started transports, for stop and free */
    uv_thread_t loop_thread;     /* the thread that runs the loop */
    size_t request_timeout_ms;   /* server->client requests */
    json_int_t next_out_id;      /* ids of server->client requests */
    unsigned char state_key[32]; /* signs 2026 requestState */
    size_t state_key_len;
    struct mcp__nonces *nonces;      /* requestStates already used (replay protection; mrtr.c) */
    long state_ttl_s;                /* requestState lifetime in seconds; 0 = 600 (tests set it) */
    struct mcp__listener *listeners; /* 2026 subscriptions/listen calls in flight */
    struct mcp__tasks *tasks;        /* tasks.c: the task store, or NULL */
    struct mcp__pool *pool;          /* pool.c: the fair queue and deadlines, or NULL */
    size_t pool_per_client;          /* MCP_LIMIT_POOL_PER_CLIENT; 0 = half the pool, at least 1 */
    size_t tool_timeout_ms;          /* MCP_LIMIT_TOOL_TIMEOUT_MS; 0 = none */
    /* the last transport closed while blocking handlers still run on pool threads that libuv
     * cannot stop (`n` of them): mcp_server_main() installs one that exits the process */
    void (*on_pool_stuck)(mcp_server_t *srv, size_t n);
    /* app/mount.c: the servers mounted here (its own type), and what to do when this server no
     * longer serves (its last transport closed, or mcp_server_free()): end their connections */
    struct mcp__mounts *mounts;
    void (*on_unserved)(mcp_server_t *srv);
    /* app/mount.c: the real clients' resource subscriptions changed (a subscribe, unsubscribe,
     * listen request begun or ended, a subscribed session gone); NULL when nothing follows them */
    void (*on_subscribed)(mcp_server_t *srv);
    size_t mount_held;    /* MCP_LIMIT_MOUNT_HELD; 0 = 64 */
    size_t mount_held_ms; /* MCP_LIMIT_MOUNT_HELD_MS; 0 = 120000 */
    bool stdio_started;
    int stopping;
    /* store.c: the shared state store (include/mcp_store.h), or NULL: memory only */
    struct mcp_store *store;
    char replica[33]; /* this replica's id on the store's channel (random hex) */
    struct {
        const char *kind; /* static */
        void (*fn)(void *ud, const json_t *msg);
        void *ud;
    } store_h[MCP__STORE_HANDLERS];
    unsigned long long next_session_serial;
    size_t ping_interval_ms;          /* MCP_LIMIT_PING_INTERVAL_MS; 0 = no keep-alive pings */
    struct mcp__keepalive *keepalive; /* features/keepalive.c: its timer, or NULL */
    json_t *extensions;               /* features/extensions.c: id -> settings (owned, or NULL) */
    struct mcp__method *methods;      /* server/dispatch.c: mcp_server_add_method() (or NULL) */
    unsigned long long cache_ttl[MCP_CACHE_DISCOVER + 1]; /* mcp_server_set_cache() */
    int cache_scope[MCP_CACHE_DISCOVER + 1];
    struct mcp__middleware *middleware; /* middleware.c: the mcp_server_use() chain, or NULL */
};

/* ---- store.c: the shared state store (include/mcp_store.h) ---------------------------------- */

/** Hear the channel's messages of `kind` (a static string) sent by other replicas: `fn` gets the
 * message (borrowed). One handler per kind (a second replaces the first). MCP_OK or MCP_ELIMIT. */
MCP_HIDDEN int mcp__store_listen(mcp_server_t *srv, const char *kind,
                                 void (*fn)(void *ud, const json_t *msg), void *ud);
/** Stop hearing every kind whose handler was given `ud`. */
MCP_HIDDEN void mcp__store_unlisten(mcp_server_t *srv, void *ud);
/** Send `msg` (stolen; "o" and "k" are added) to the other replicas. 0, or -1 (no store, down). */
MCP_HIDDEN int mcp__store_send(mcp_server_t *srv, const char *kind, json_t *msg);
/** The server a store was given to (NULL before mcp_server_set_store()). */
MCP_HIDDEN mcp_server_t *mcp__store_server(const struct mcp_store *st);
/** mcp_server_free(): free the store (before the loop closes). */
MCP_HIDDEN void mcp__store_free(mcp_server_t *srv);

/* ---- loop.c: the loop side ------------------------------------------------------------------ */

/** The server's loop: the caller's (mcp_server_attach) or its own, made on first need. */
MCP_HIDDEN int mcp__server_ensure_loop(mcp_server_t *srv);
/** Hand work from another thread to the loop: `p` is queued and p->run(p) runs there. Returns
 * MCP_OK or MCP_ESTATE when the server has no loop. */
MCP_HIDDEN int mcp__loop_post(mcp_server_t *srv, mcp__post *p);
/** Run everything queued by other threads now (loop thread). */
MCP_HIDDEN void mcp__loop_drain(mcp_server_t *srv);
/** True when the caller is on the server's loop thread. */
MCP_HIDDEN bool mcp__on_loop(const mcp_server_t *srv);
/** mcp_server_free(): close the loop side (and run and close the server's own loop). */
MCP_HIDDEN void mcp__loop_close(mcp_server_t *srv);

/* ---- pool.c: the fair share of the thread pool, deadlines ------------------------------------ */

typedef struct mcp__pool mcp__pool;

/** Queue a blocking call behind its client (`key`, copied) and hand calls to uv_queue_work()
 * fairly (`work`/`after` are call.c's). MCP_OK, MCP_ENOMEM or MCP_ESTATE (no loop, freeing). */
MCP_HIDDEN int mcp__pool_submit(mcp_server_t *srv, mcp_call_t *call, const char *key,
                                uv_work_cb work, uv_after_work_cb after);
/** The call's work came back (its after-work step): free its slot, start the next call. */
MCP_HIDDEN void mcp__pool_done(mcp_call_t *call);
/** Take a call that is still waiting off its queue: true if it was waiting (it never ran). */
MCP_HIDDEN bool mcp__pool_withdraw(mcp_call_t *call);
/** Some call still waiting for a thread, or NULL. */
MCP_HIDDEN mcp_call_t *mcp__pool_first_waiting(mcp_server_t *srv);
/** Calls handed to libuv and not yet back. */
MCP_HIDDEN size_t mcp__pool_busy(const mcp_server_t *srv);
/** The most pool threads one client may hold at once. */
MCP_HIDDEN size_t mcp__pool_cap(const mcp_server_t *srv);
/** `expire(call)` runs on the loop `ms` from now unless cleared first. MCP_OK or MCP_ESTATE. */
MCP_HIDDEN int mcp__pool_deadline(mcp_server_t *srv, mcp_call_t *call, uint64_t ms,
                                  void (*expire)(mcp_call_t *call));
MCP_HIDDEN void mcp__pool_deadline_clear(mcp_call_t *call);
/** The server's last transport closed: if handlers still run, call srv->on_pool_stuck soon. */
MCP_HIDDEN void mcp__pool_orphaned(mcp_server_t *srv);
/** mcp_server_free(): close the timers (nothing waits any more); the pool's memory goes once
 * its handles closed and its running work came back. mcp__pool_detach() after the loop ran. */
MCP_HIDDEN void mcp__pool_free(mcp_server_t *srv);
MCP_HIDDEN void mcp__pool_detach(mcp_server_t *srv);

/* ---- scope.c: required scopes and what a principal grants ------------------------------------ */

/** Check and normalize a `.scopes` text (space-separated RFC 6749 scope tokens) into *out (a new
 * string with single spaces, or NULL when the text names none). MCP_OK, MCP_EINVAL (a character
 * outside %x21 / %x23-5B / %x5D-7E), MCP_ENOMEM. */
MCP_HIDDEN int mcp__scopes_parse(const char *text, char **out);
/** Does `principal` grant scope `scope` (n bytes)? Its "scope" claim (space-separated string) or
 * "scp" claim (array of strings, or a string) names it. NULL grants nothing. */
MCP_HIDDEN bool mcp__principal_grants(const json_t *principal, const char *scope, size_t n);
/** May `call` use `it`? Always when authorization is off (!call->sess->scoped) or the item needs
 * no scope; otherwise the call's principal must grant every scope it needs. */
MCP_HIDDEN bool mcp__call_may(const mcp_call_t *call, const mcp__item *it);
/** The registry_page filter for call `ud` (mcp__call_may). */
MCP_HIDDEN bool mcp__scope_keep(const mcp__item *it, const void *ud);
/** Refuse the call for want of `it`'s scopes when its session may not use it: the error is set
 * (-32000, data {"scope": "<needed>"}) and the reply classed MCP__REPLY_FORBIDDEN (HTTP 403 with
 * an insufficient_scope challenge). Returns true when refused. */
MCP_HIDDEN bool mcp__call_forbid(mcp_call_t *call, const mcp__item *it, const char *what);

/* ---- settings.c: identity, limits, the server's own log ---------------------------------------
 */

/** serverInfo object (new reference). */
MCP_HIDDEN json_t *mcp__server_info(mcp_server_t *srv);
/** A line on stderr when `level` reaches the server's log level. */
MCP_HIDDEN void mcp__logv(mcp_server_t *srv, mcp_log_level level, const char *fmt, va_list ap);

/* ---- curl.c: HTTP requests on a libuv loop (libcurl, loaded on first use) ---------------------
 *
 * The HTTP client engine behind the client transports and JWKS fetches. libmcp does not link
 * libcurl: the first mcp__curl_engine() dlopen()s it (libcurl.so.4, Debian libcurl4), so a
 * program that never makes an HTTP request never loads it or its TLS stack. One engine per
 * libuv loop, shared by everything on that loop: libcurl's multi socket API driven by a
 * uv_poll_t per socket and one uv_timer_t, so every callback below runs on the loop thread and
 * connections are reused across requests. Loop thread only (mcp__curl_engine itself is
 * thread-safe). */

typedef struct mcp__curl mcp__curl;         /* the engine of one loop */
typedef struct mcp__curl_req mcp__curl_req; /* one request in flight */

/** How a request ended, passed to on_done. */
typedef struct mcp__curl_result {
    int err;           /* MCP_OK (a response arrived, whatever its status), MCP_ETIMEDOUT,
                          MCP_ECANCELLED (mcp__curl_cancel or a callback returned nonzero),
                          MCP_ENOMEM, or MCP_EIO (connection, DNS, TLS, protocol failures) */
    int curl_code;     /* libcurl's CURLcode (0 = CURLE_OK) */
    long status;       /* the final HTTP status, 0 when no response header arrived */
    const char *error; /* what went wrong, for people ("" on success); valid during on_done */
} mcp__curl_result;

typedef struct mcp__curl_opts {
    const char *method;         /* "GET" (default; "POST" when body is set), "POST", "DELETE",
                                   any other token */
    const char *url;            /* http:// or https:// (required; other schemes refused) */
    const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
    const char *body;           /* request body (copied), or NULL */
    size_t body_len;
    unsigned timeout_ms;         /* whole request; 0 = none (streams) */
    unsigned connect_timeout_ms; /* 0 = 10 s */
    const char *ca_file;         /* PEM bundle to trust instead of the system CAs, or NULL */
    bool insecure;               /* do not verify the server's certificate (tests only) */
    /* Called once, when the final response's headers are complete (never for 1xx). `ctype` is
     * the Content-Type value or NULL. Return 0 to go on, nonzero to abort the request (on_done
     * then reports MCP_ECANCELLED). mcp__curl_header() reads any other header meanwhile. */
    int (*on_headers)(mcp__curl_req *r, long status, const char *ctype, void *ud);
    /* Body bytes as they arrive (any split). Return 0 to go on, nonzero to abort as above. */
    int (*on_body)(mcp__curl_req *r, const char *data, size_t len, void *ud);
    /* Exactly once per started request, last; `r` is freed when it returns. Never called from
     * inside mcp__curl_start. */
    void (*on_done)(mcp__curl_req *r, const mcp__curl_result *res, void *ud);
    void *ud;
} mcp__curl_opts;

/**
 * The engine of `loop`, made (and libcurl loaded) on first use; each call takes a reference
 * that mcp__curl_release() drops. NULL with the reason in `why` (libcurl missing, no memory).
 */
MCP_HIDDEN mcp__curl *mcp__curl_engine(uv_loop_t *loop, char *why, size_t n);
/** Drop a reference. The engine goes once no reference and no request is left; its libuv
 * handles close on the loop (run the loop once more before uv_loop_close). */
MCP_HIDDEN void mcp__curl_release(mcp__curl *eng);
/**
 * Start a request (strings and body are copied). Returns the request, whose on_done will run
 * exactly once, or NULL (no callback) with `why` filled: bad options or no memory. TLS peer and
 * host verification are on unless `insecure`; the response header section is bounded (64 KiB).
 */
MCP_HIDDEN mcp__curl_req *mcp__curl_start(mcp__curl *eng, const mcp__curl_opts *o, char *why,
                                          size_t n);
/** Abort a request whose on_done has not run yet: no more on_headers/on_body; on_done runs
 * with MCP_ECANCELLED, before this returns or (when called from inside a libcurl callback)
 * right after that callback. */
MCP_HIDDEN void mcp__curl_cancel(mcp__curl_req *r);
/** A header of the final response (case-insensitive name), valid until on_done returns; NULL
 * when absent or before on_headers. Leading and trailing blanks are trimmed. */
MCP_HIDDEN const char *mcp__curl_header(const mcp__curl_req *r, const char *name);

#endif /* MCP_CORE_H */
