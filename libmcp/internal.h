/*
 * Private declarations shared by libmcp's source files. Never installed.
 *
 * Naming: public symbols are mcp_*, cross-file internals are mcp__* (hidden by
 * -fvisibility=hidden, so they never reach libmcp.so's dynamic symbol table), file-local helpers
 * are static. Unit tests link build/lib/libmcp.a and may call mcp__* directly.
 */
#ifndef MCP_INTERNAL_H
#define MCP_INTERNAL_H

#include "mcp.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MCP_HIDDEN __attribute__((visibility("hidden")))

/* ---- error.c ---------------------------------------------------------------------------- */

/** Fill `err` (may be NULL) with `code` and a formatted message; returns `code`. */
MCP_HIDDEN int mcp__error_set(mcp_error_t *err, int code, const char *fmt, ...) MCP_PRINTF(3, 4);

/* ---- random.c ------------------------------------------------------------------------------- */

/** Fill `buf` with `len` bytes from the OS's random source. MCP_OK or MCP_EIO. */
MCP_HIDDEN int mcp__random_bytes(void *buf, size_t len);

/* ---- sha256.c ------------------------------------------------------------------------------- */

typedef struct mcp__sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t n;
} mcp__sha256;

MCP_HIDDEN void mcp__sha256_init(mcp__sha256 *s);
MCP_HIDDEN void mcp__sha256_update(mcp__sha256 *s, const void *data, size_t len);
MCP_HIDDEN void mcp__sha256_final(mcp__sha256 *s, unsigned char out[32]);
MCP_HIDDEN void mcp__hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                                 unsigned char out[32]);
/** Constant-time comparison of two MACs. */
MCP_HIDDEN bool mcp__hmac_equal(const unsigned char *a, const unsigned char *b, size_t n);

/* ---- schema.c --------------------------------------------------------------------------- */

/**
 * Parse the compact schema form (see include/mcp.h, "Schemas") into a JSON Schema object.
 * Returns a new reference, or NULL with `err` filled (MCP_ESCHEMA). NULL/"" gives
 * {"type":"object","properties":{}}.
 */
MCP_HIDDEN json_t *mcp__schema_compact(const char *text, mcp_error_t *err);

/**
 * Check that `schema` (borrowed) is usable as a tool input/output schema: a JSON object whose
 * keywords this validator understands have well-formed values (e.g. "required" is an array of
 * strings, "pattern" compiles, "$ref" targets exist). Unknown keywords are allowed (and kept).
 * Returns MCP_OK or MCP_ESCHEMA with `err` filled.
 */
MCP_HIDDEN int mcp__schema_check(const json_t *schema, mcp_error_t *err);

/* ---- uritemplate.c ---------------------------------------------------------------------- */

/** Check RFC 6570 template syntax (levels 1–4). MCP_OK or MCP_EINVAL with `err` filled. */
MCP_HIDDEN int mcp__uritemplate_check(const char *tmpl, mcp_error_t *err);

/**
 * Match `uri` against `tmpl`. Returns a new reference to an object of the variables (strings,
 * percent-decoded; arrays of strings for exploded list variables) or NULL when it does not match.
 * Time is linear in strlen(uri) * number of expressions (no backtracking blow-up).
 */
MCP_HIDDEN json_t *mcp__uritemplate_match(const char *tmpl, const char *uri);

/**
 * Expand `tmpl` with `vars` (borrowed object: string/number values, arrays, or objects).
 * Returns a malloc'd string the caller frees, or NULL on a bad template / out of memory.
 */
MCP_HIDDEN char *mcp__uritemplate_expand(const char *tmpl, const json_t *vars);

/* ---- json_write.c: a growable buffer and the compact JSON writer ---------------------------- */

typedef struct mcp__buf {
    char *data;
    size_t len, cap;
} mcp__buf;

MCP_HIDDEN int mcp__buf_reserve(mcp__buf *b, size_t more);
MCP_HIDDEN int mcp__buf_add(mcp__buf *b, const void *p, size_t n);
MCP_HIDDEN void mcp__buf_free(mcp__buf *b);
/** Append `v` as compact JSON (what json_dumps(JSON_COMPACT) writes). On failure nothing is
 * appended. */
MCP_HIDDEN int mcp__json_write(mcp__buf *b, const json_t *v);

/* ---- json_read.c: the JSON reader for inbound messages --------------------------------------- */

/** Parse `buf` exactly as json_loadb(buf, len, JSON_REJECT_DUPLICATES, err) does: the same inputs
 * accepted, with equal trees (same integer/real types, keys in input order), and the same ones
 * refused: NULL, with `err` (may be NULL) filled in its own words. Returns a new reference. */
MCP_HIDDEN json_t *mcp__json_parse(const char *buf, size_t len, json_error_t *err);

/* ---- jsonrpc.c ---------------------------------------------------------------------------- */

typedef enum mcp__msg_kind {
    MCP__MSG_INVALID,
    MCP__MSG_REQUEST,
    MCP__MSG_NOTIFICATION,
    MCP__MSG_RESPONSE,
} mcp__msg_kind;

/** A classified message; every json_t here is borrowed from `msg`. */
typedef struct mcp__msg {
    mcp__msg_kind kind;
    json_t *msg;
    json_t *id;           /* valid id, or NULL (notification, or unreadable id) */
    const char *method;   /* requests and notifications */
    json_t *params;       /* may be NULL */
    json_t *result;       /* responses */
    json_t *error;        /* error responses */
    int error_code;       /* MCP__MSG_INVALID: the JSON-RPC code to answer with */
    const char *error_text;
} mcp__msg;

/** Parse one message. Returns a new reference, or NULL with *error_out a new -32700 response. */
MCP_HIDDEN json_t *mcp__jsonrpc_parse(const char *buf, size_t len, json_t **error_out);
MCP_HIDDEN void mcp__jsonrpc_classify(const json_t *msg, mcp__msg *out);
MCP_HIDDEN bool mcp__jsonrpc_valid_id(const json_t *id);
/** True when `v` nests containers deeper than `limit` levels. Recursion bounded by limit. */
MCP_HIDDEN bool mcp__jsonrpc_too_deep(const json_t *v, size_t limit);
/* Builders: `id` borrowed (NULL gives "id": null); `result`, `data`, `params` stolen. */
MCP_HIDDEN json_t *mcp__jsonrpc_result(const json_t *id, json_t *result);
MCP_HIDDEN json_t *mcp__jsonrpc_error(const json_t *id, int code, const char *message, json_t *data);
MCP_HIDDEN json_t *mcp__jsonrpc_notification(const char *method, json_t *params);
MCP_HIDDEN json_t *mcp__jsonrpc_request(const json_t *id, const char *method, json_t *params);
/** Serialize compactly (one line). Returns malloc'd text; *len set. */
MCP_HIDDEN char *mcp__jsonrpc_dump(const json_t *msg, size_t *len);

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
    const char *version;  /* static string */
    json_t *client_caps;  /* owned reference; never NULL once set */
    json_t *client_info;  /* owned reference or NULL */
    int log_level;        /* mcp_log_level, or -1: send no log notifications */
    bool stateless;       /* served from the request's _meta (2026 era) */
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

typedef enum mcp__kind { MCP__TOOL, MCP__RESOURCE, MCP__TEMPLATE, MCP__PROMPT, MCP__KINDS } mcp__kind;
/* call->builds for completion/complete results (not a registry kind) */
#define MCP__BUILDS_COMPLETION ((mcp__kind)(MCP__KINDS + 1))

/** One registered tool, resource, template or prompt. Reference-counted so that removing it while
 * a call uses it is safe. */
typedef struct mcp__item {
    int refs;
    mcp__kind kind;
    unsigned long long seq;   /* registration order; cursors are built from it */
    char *key;                /* tool/prompt name, resource URI or template text */
    json_t *def;              /* the object the list methods serve (owned) */
    union {
        mcp_tool_fn tool;
        mcp_resource_fn resource;
        mcp_prompt_fn prompt;
    } fn;                     /* the author's handler (NULL for static resources) */
    mcp_complete_fn complete; /* prompts and templates: completion (optional) */
    void *userdata;
    void (*free_userdata)(void *);
    unsigned flags;
    json_t *input_schema;     /* tools: borrowed from def; prompts: argument schema (owned) */
    json_t *output_schema;    /* tools: borrowed from def or NULL */
    char *text;               /* static resources: contents */
    char *mime_type;
    struct mcp__item *hnext;  /* hash chain */
} mcp__item;

typedef struct mcp__table {
    mcp__item **items;        /* in registration order */
    size_t count, cap;
    unsigned long long last_seq; /* the highest seq this kind ever had (removal keeps it) */
    mcp__item **buckets;      /* hash by key */
    size_t nbuckets;
} mcp__table;

typedef struct mcp__registry {
    mcp__table t[MCP__KINDS];
    unsigned long long next_seq;
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
 */
MCP_HIDDEN int mcp__registry_page(const mcp__registry *reg, mcp__kind kind, const char *cursor,
                                  size_t page_size, json_t *result, const char *field);

/* ---- content.c ------------------------------------------------------------------------------ */

/** Base64 (standard alphabet, padded). Returns malloc'd NUL-terminated text. */
MCP_HIDDEN char *mcp__base64(const void *data, size_t len);
MCP_HIDDEN json_t *mcp__content_text(const char *text, size_t len);
/** printf into `small` (size bytes) when it fits, else into a malloc'd buffer; returns the text
 * (== small, or to be freed) with *len set, or NULL (bad format or out of memory). */
MCP_HIDDEN char *mcp__vformat(char *small, size_t size, size_t *len, const char *fmt, va_list ap);
MCP_HIDDEN json_t *mcp__content_binary(const char *type, const void *data, size_t len,
                                       const char *mime_type);
/** Parse optional JSON text of a given type ("object"/"array") for definitions. NULL text -> NULL
 * with MCP_OK in *rc. */
MCP_HIDDEN json_t *mcp__json_text(const char *text, const char *what, int want_type,
                                  mcp_error_t *err, int *rc);

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

typedef enum mcp__sess_state {
    MCP__SESS_NEW,          /* no initialize yet */
    MCP__SESS_INITIALIZING, /* initialize answered, notifications/initialized not yet seen */
    MCP__SESS_READY,
} mcp__sess_state;

struct mcp__session {
    mcp_server_t *srv;
    int refs;
    mcp__sess_state state;
    mcp__ctx ctx;                  /* 2025 era: negotiated at initialize */
    const mcp__transport_ops *ops;
    void *transport;               /* the transport's own data */
    mcp_call_t *calls;             /* in flight, doubly linked */
    struct mcp__outreq *outreqs;   /* server->client requests awaiting answers */
    bool ephemeral;                /* lives for one HTTP request: cannot carry server->client
                                      requests (stateless HTTP) */
    json_t *subscriptions;         /* 2025: resources/subscribe URIs (object as a set; owned) */
    json_t *principal;             /* HTTP authorization: who created the session (owned, may be
                                      NULL); see mcp_call_principal() */
    size_t ncalls;
    bool closed;                   /* the transport is gone: sends are dropped */
    void *rx;                      /* the transport's context for the message being received:
                                      calls created meanwhile copy it into call->tctx, and
                                      replies sent with related == NULL during
                                      mcp__server_receive() belong to it */
    mcp__session *prev, *next;     /* the server's session list */
};

MCP_HIDDEN mcp__session *mcp__session_new(mcp_server_t *srv, const mcp__transport_ops *ops,
                                          void *transport);
MCP_HIDDEN void mcp__session_ref(mcp__session *s);
MCP_HIDDEN void mcp__session_unref(mcp__session *s);
/** The transport is going away: mark closed, cancel nothing (calls still complete, replies drop). */
MCP_HIDDEN void mcp__session_close(mcp__session *s);
/** Send a message (borrowed) to the session's client. */
MCP_HIDDEN void mcp__session_send(mcp__session *s, json_t *msg, mcp_call_t *related);
/** Send a notification to every ready 2025-era session (params borrowed; copied per send). */
MCP_HIDDEN void mcp__server_broadcast(mcp_server_t *srv, const char *method, json_t *params);

/* ---- call.c --------------------------------------------------------------------------------- */

typedef struct mcp__batch mcp__batch;

/** An entry of the server's cross-thread queue: complete `call` (msg == NULL) or send `msg`
 * (owned) related to `call`. Drained in order on the loop thread. */
typedef struct mcp__post {
    mcp_call_t *call;
    json_t *msg;
    void (*run)(struct mcp__post *p); /* if set: run on the loop instead (owns p) */
    struct mcp__post *next;
} mcp__post;

/** A server->client request of the 2025 era awaiting the client's answer (client_requests.c). */
typedef struct mcp__outreq mcp__outreq;

/** A question of a 2026-07-28 call still unanswered: its callback gets MCP_ERETRY (mrtr.c). */
typedef struct mcp__waiter {
    mcp_client_reply_fn cb;
    void *ud;
    struct mcp__waiter *next;
} mcp__waiter;

typedef enum mcp__call_state {
    MCP__CALL_RUNNING,   /* the handler is running on the loop thread */
    MCP__CALL_POOL,      /* a blocking tool's handler is running on the thread pool */
    MCP__CALL_PENDING,   /* the handler returned MCP_PENDING */
    MCP__CALL_DONE,
} mcp__call_state;

struct mcp_call {
    mcp_server_t *srv;
    mcp__session *sess;           /* referenced */
    mcp_call_t *prev, *next;      /* the session's in-flight list */
    json_t *id;                   /* owned */
    json_t *params;               /* owned; an object (maybe empty) */
    const json_t *meta;           /* borrowed from params */
    const char *method;
    mcp__ctx ctx;
    json_t *result;               /* owned; the result being built */
    json_t *error;                /* owned; {code,message,data?} replaces the result */
    json_t *content;              /* borrowed: result's array that builders append to */
    mcp__kind builds;             /* which builders apply (MCP__KINDS: none) */
    mcp__item *item;              /* the tool/resource/prompt served (referenced) or NULL */
    const json_t *args;           /* borrowed: what the handler validates/reads */
    char *uri;                    /* resources/read: the URI read (owned) */
    json_t *vars;                 /* resources/read: matched template variables; completion:
                                     an empty context; tools/prompts: empty arguments when the
                                     client sent none (owned) */
    int (*finish)(mcp_call_t *call); /* method-specific work before the reply */
    mcp__call_state state;
    bool complete_requested;      /* completed while the handler was still running */
    int cancelled;                /* set on the loop thread, read anywhere (atomic access) */
    void (*cancel_cb)(mcp_call_t *, void *);
    void *cancel_ud;
    mcp__batch *batch;
    mcp__post complete_post;      /* its entry in the cross-thread queue when completed */
    mcp__post *deferred;          /* started when a blocking handler returns (questions asked
                                     on the pool thread) */
    uv_work_t work;               /* MCP_TOOL_BLOCKING */
    int status;                   /* handler's return value */
    void *tctx;                   /* transport's per-call data */
    bool progress_sent;           /* progress.c: monotonic check */
    double last_progress;
    unsigned outreqs;             /* 2025-era questions to the client still open (atomic) */
    json_t *input_requests;       /* 2026: questions for an input_required result (owned) */
    json_t *input_responses;      /* 2026: answers from requestState + inputResponses (owned) */
    unsigned mrtr_seq;            /* 2026: questions asked so far in this run */
    char next_key[64];            /* 2026: the key for the next question ("" = "q<seq>") */
    mcp__waiter *waiters;         /* 2026: callbacks of unanswered questions */
};

/** Create a call for request `m` on session `s` (params copied by reference). */
MCP_HIDDEN mcp_call_t *mcp__call_new(mcp__session *s, const mcp__msg *m);
/** Run `fn(call)` as the handler step and act on its status (reply now, wait, or error). */
MCP_HIDDEN void mcp__call_run(mcp_call_t *call, int (*fn)(mcp_call_t *));
/** Queue a tool handler on the thread pool; returns MCP_PENDING (or an error, call->error set). */
MCP_HIDDEN int mcp__call_run_blocking(mcp_call_t *call);
/** Send the reply (or drop it if cancelled) and free the call. Loop thread. */
MCP_HIDDEN void mcp__call_finish(mcp_call_t *call);
/** Hand work from another thread to the loop: `p` is queued (and freed there unless it is a
 * call's complete_post). Returns MCP_OK or MCP_ESTATE when the server has no loop. */
MCP_HIDDEN int mcp__loop_post(mcp_server_t *srv, mcp__post *p);
/** Run everything queued by other threads now (loop thread). */
MCP_HIDDEN void mcp__loop_drain(mcp_server_t *srv);
/** True when the caller is on the server's loop thread. */
MCP_HIDDEN bool mcp__on_loop(const mcp_server_t *srv);
/**
 * Send a message related to `call` from any thread: directly on the loop thread, through the
 * queue otherwise (ordered before the call's completion). Steals `msg`.
 */
MCP_HIDDEN int mcp__call_send(mcp_call_t *call, json_t *msg);
/** A batch of 2025-03-26 messages whose replies go out together. */
MCP_HIDDEN void mcp__batch_add(mcp__batch *b, json_t *reply, mcp_call_t *call);
MCP_HIDDEN void mcp__call_cancel(mcp_call_t *call);
/** Cancel every call in flight on `s` whose tctx is `tctx` (its stream went away, 2026-07-28).
 * Safe against cancel callbacks that complete calls on the spot. */
MCP_HIDDEN void mcp__calls_cancel_for(mcp__session *s, void *tctx);
/** Set a JSON-RPC error on the call (data stolen). */
MCP_HIDDEN void mcp__call_set_error(mcp_call_t *call, int code, json_t *data, const char *fmt,
                                    ...) MCP_PRINTF(4, 5);

/* ---- client_requests.c, mrtr.c: asking the client ----------------------------------------- */

/** Ask the client `method` with `params` (stolen) for `call`: a 2025-era request, or a 2026
 * input request. Capability checks are the caller's. */
MCP_HIDDEN int mcp__ask_client(mcp_call_t *call, const char *method, json_t *params,
                               mcp_client_reply_fn cb, void *ud);
/** A response from the client (dispatch). */
MCP_HIDDEN void mcp__client_response(mcp__session *s, const mcp__msg *m);
/** The call ends: its open 2025-era questions are cancelled (callbacks get MCP_ECANCELLED). */
MCP_HIDDEN void mcp__call_drop_questions(mcp_call_t *call);
/** The session's transport is gone: every open question fails with MCP_EIO. */
MCP_HIDDEN void mcp__session_drop_questions(mcp__session *s);
/** 2026: before running a retried request, verify requestState and gather the answers.
 * Returns 0, or -32602 with the error set on the call. */
MCP_HIDDEN int mcp__mrtr_begin(mcp_call_t *call);
/** 2026: ask (no answer yet: record the input request; answer known: run cb now). */
MCP_HIDDEN int mcp__mrtr_ask(mcp_call_t *call, const char *method, json_t *params,
                             mcp_client_reply_fn cb, void *ud);
/** 2026: turn the call's result into input_required (inputRequests + requestState). */
MCP_HIDDEN void mcp__mrtr_result(mcp_call_t *call);
/** Free the call's MRTR state, telling unanswered callbacks MCP_ERETRY. */
MCP_HIDDEN void mcp__mrtr_end(mcp_call_t *call);
MCP_HIDDEN void mcp__nonces_free(mcp_server_t *srv);

/* ---- server.c ------------------------------------------------------------------------------- */

/** A started transport, as the server sees it: hooks to stop it gracefully and to free it. */
typedef struct mcp__transport {
    void (*stop)(struct mcp__transport *t); /* stop accepting; close once calls end (loop) */
    void (*free)(struct mcp__transport *t); /* close everything now (mcp_server_free) */
    struct mcp__transport *next;
} mcp__transport;

/** Register / unregister a started transport (loop thread). */
MCP_HIDDEN void mcp__server_add_transport(mcp_server_t *srv, mcp__transport *t);
MCP_HIDDEN void mcp__server_remove_transport(mcp_server_t *srv, mcp__transport *t);

struct mcp_server {
    char *name, *version, *title, *description, *website_url, *instructions;
    json_t *icons;
    json_t *info;                 /* cached serverInfo */
    bool offers[MCP__KINDS];      /* something of this kind was ever registered */
    size_t page_size, max_message, max_depth, max_batch, max_inflight;
    mcp_log_level log_level;
    mcp__registry reg;
    uv_loop_t *loop;
    uv_loop_t *own_loop;          /* allocated by run_*(); NULL when attached */
    struct mcp__loopside *ls;     /* handles on the loop (own allocation, freed on close) */
    mcp__session *sessions;
    mcp__transport *transports;  /* started transports, for stop and free */
    uv_thread_t loop_thread;     /* the thread that runs the loop */
    size_t request_timeout_ms;   /* server->client requests */
    json_int_t next_out_id;      /* ids of server->client requests */
    unsigned char state_key[32]; /* signs 2026 requestState */
    size_t state_key_len;
    struct mcp__nonces *nonces;  /* requestStates already used (replay protection) */
    long state_ttl_s;            /* requestState lifetime in seconds; 0 = 600 (tests set it) */
    struct mcp__listener *listeners; /* 2026 subscriptions/listen calls in flight */
    struct mcp__tasks *tasks;    /* tasks.c: the task store, or NULL */
    bool stdio_started;
    int stopping;
};

/** Handle one inbound message buffer (one STDIO line / one HTTP body) for session `s`. */
MCP_HIDDEN void mcp__server_receive(mcp__session *s, const char *buf, size_t len);
/** The same for a message the transport already parsed (borrowed; may be modified). */
MCP_HIDDEN void mcp__server_receive_msg(mcp__session *s, json_t *msg);
/** Server capabilities for a context (new reference). */
MCP_HIDDEN json_t *mcp__server_capabilities(mcp_server_t *srv, const mcp__ctx *ctx);
/** serverInfo object (new reference). */
MCP_HIDDEN json_t *mcp__server_info(mcp_server_t *srv);
MCP_HIDDEN int mcp__server_ensure_loop(mcp_server_t *srv);

/* ---- method handlers (lifecycle.c, tools.c, resources.c, prompts.c, logging.c) --------------- */

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
/** Route a list_changed broadcast to the 2026 listeners that asked for it (params borrowed). */
MCP_HIDDEN void mcp__listeners_notify(mcp_server_t *srv, const char *method, const json_t *params);
/** End listen calls gracefully: all of them (only == NULL) or one session's. */
MCP_HIDDEN void mcp__listeners_end(mcp_server_t *srv, mcp__session *only);
/** 2026-07-28 list/read results carry ttlMs and cacheScope ("public" or "private"). */
MCP_HIDDEN void mcp__cacheable(mcp_call_t *call, const char *scope);
/** For list methods: the cursor param, validated (-32602 set on the call when not a string). */
MCP_HIDDEN int mcp__list_page(mcp_call_t *call, mcp__kind kind, const char *field);

/* ---- tasks.c: tasks, both eras (2025-11-25 `task` param; 2026-07-28 extension) ------------------ */

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
/** mcp_server_stop(): running tasks are cancelled. */
MCP_HIDDEN void mcp__tasks_stop(mcp_server_t *srv);
/** mcp_server_free(): every task goes (running calls are cancelled and cut off). */
MCP_HIDDEN void mcp__tasks_free(mcp_server_t *srv);
MCP_HIDDEN int mcp__tasks_get(mcp_call_t *call);
MCP_HIDDEN int mcp__tasks_result(mcp_call_t *call);
MCP_HIDDEN int mcp__tasks_list(mcp_call_t *call);
MCP_HIDDEN int mcp__tasks_cancel(mcp_call_t *call);
MCP_HIDDEN int mcp__tasks_update(mcp_call_t *call);

/* ---- logging.c ---------------------------------------------------------------------------------- */
MCP_HIDDEN void mcp__logv(mcp_server_t *srv, mcp_log_level level, const char *fmt, va_list ap);

/* ---- HTTP (http_cli.c; the transports' own declarations are in http_daemon.h) ---------------- */

/** mcp_server_main()'s HTTP flags (--http, --sse, ...), parsed into an opaque struct. */
struct mcp__http_cli;
/** Usage lines for the HTTP flags. */
MCP_HIDDEN extern const char *const mcp__http_cli_usage;
/** argv[*i] is an HTTP flag: 1 (consumed, *i advanced past its value), 0 (not one), -1 (bad; a
 * line was printed). *c is allocated on the first flag. */
MCP_HIDDEN int mcp__http_cli_flag(struct mcp__http_cli **c, int argc, char **argv, int *i,
                                  const char *argv0);
/** True when --http or --sse was given. */
MCP_HIDDEN bool mcp__http_cli_wanted(const struct mcp__http_cli *c);
/** Start the transports asked for (prints their URLs to stderr). MCP_OK or an error (printed). */
MCP_HIDDEN int mcp__http_cli_start(mcp_server_t *srv, struct mcp__http_cli *c, const char *argv0);
MCP_HIDDEN void mcp__http_cli_free(struct mcp__http_cli *c);

#endif /* MCP_INTERNAL_H */
