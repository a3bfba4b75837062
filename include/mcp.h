/*
 * libmcp — a framework for writing Model Context Protocol (MCP) servers in C.
 *
 * This header is the whole public API. Read it top to bottom once: every function says who owns
 * each json_t reference it takes or returns, using jansson's words:
 *   - "new reference":      the caller owns it and must json_decref() it;
 *   - "borrowed reference": valid for as long as stated; json_incref() it to keep it longer;
 *   - "steals":             the function takes over the caller's reference, also when it fails.
 * Strings passed in are copied unless a comment says otherwise.
 *
 * Threads. libmcp has no global state: any number of servers may live in one process, each used
 * from one thread at a time (the thread running its loop). Every handler runs on that thread,
 * except tools flagged MCP_TOOL_BLOCKING, which run on the libuv thread pool. The only functions
 * safe to call from other threads are mcp_server_stop() and mcp_call_complete_threadsafe() (plus
 * the mcp_call_* result builders on a call the calling thread owns, see "Calls"). libmcp never
 * calls json_set_alloc_funcs(), json_object_seed() or uv_default_loop(), and never writes to
 * stdout except as the STDIO transport.
 *
 * Errors. Functions that return int return MCP_OK (0) or a negative mcp_err value; the static text
 * of a code is mcp_strerror(code). Registration functions also fill an optional mcp_error_t with a
 * precise message.
 */
#ifndef MCP_H
#define MCP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* libuv's loop type, for mcp_server_attach() and mcp_server_loop() only. mcp.h does not include
 * <uv.h>: it needs POSIX types, so a program built with plain `-std=c11` could not include
 * mcp.h. A program that embeds libmcp in its own loop includes <uv.h> itself (with
 * _POSIX_C_SOURCE=200809L or _DEFAULT_SOURCE under -std=c11), before or after mcp.h: C11
 * allows this same typedef twice. */
#ifndef UV_H
typedef struct uv_loop_s uv_loop_t;
#endif

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MCP_API          __attribute__((visibility("default")))
#define MCP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MCP_NODISCARD    __attribute__((warn_unused_result))
#else
#define MCP_API
#define MCP_PRINTF(f, a)
#define MCP_NODISCARD
#endif

/* ------------------------------------------------------------------------------------------ */
/* Versions                                                                                   */
/* ------------------------------------------------------------------------------------------ */

#define MCP_VERSION_MAJOR  0
#define MCP_VERSION_MINOR  3
#define MCP_VERSION_PATCH  0
#define MCP_VERSION_STRING "0.3.0"
/* The shared library's ABI number: its SONAME is libmcp.so.<MCP_SOVERSION>. Raised whenever an
 * exported function or a public struct's layout changes (0.2.0 renamed the builders; 0.3.0 grew
 * mcp_tool_t, mcp_resource_t, mcp_prompt_t and mcp_http_opts_t: see the README's changes). */
#define MCP_SOVERSION   2
#define MCP_VERSION_HEX ((MCP_VERSION_MAJOR << 16) | (MCP_VERSION_MINOR << 8) | MCP_VERSION_PATCH)

/** The library version actually loaded (compare with MCP_VERSION_HEX). */
MCP_API unsigned mcp_version(void);
/** The library version as a static string, e.g. "0.1.0". */
MCP_API const char *mcp_version_string(void);

/* MCP protocol revisions this library speaks (never mixed with the library version). */
#define MCP_PROTOCOL_2024_11_05 "2024-11-05"
#define MCP_PROTOCOL_2025_03_26 "2025-03-26"
#define MCP_PROTOCOL_2025_06_18 "2025-06-18"
#define MCP_PROTOCOL_2025_11_25 "2025-11-25"
#define MCP_PROTOCOL_2026_07_28 "2026-07-28"
/** Latest revision negotiated through `initialize` (the 2025 era). */
#define MCP_PROTOCOL_LATEST_SESSION MCP_PROTOCOL_2025_11_25
/** Latest revision overall (the stateless 2026 era). */
#define MCP_PROTOCOL_LATEST MCP_PROTOCOL_2026_07_28

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* One list feeds the enum, mcp_err_name() and mcp_strerror(). Values are negative; 0 is MCP_OK. */
#define MCP_ERR_MAP(XX)                                                                       \
    XX(NOMEM, -1, "out of memory")                                                            \
    XX(INVAL, -2, "invalid argument")                                                         \
    XX(EXIST, -3, "name already registered")                                                  \
    XX(NOTFOUND, -4, "no such tool, resource or prompt")                                      \
    XX(PARSE, -5, "malformed JSON")                                                           \
    XX(SCHEMA, -6, "invalid schema, or a value does not match it")                            \
    XX(STATE, -7, "call not allowed in the current state")                                    \
    XX(IO, -8, "I/O error")                                                                   \
    XX(LIMIT, -9, "configured limit exceeded")                                                \
    XX(CANCELLED, -10, "request cancelled by the client")                                     \
    XX(TIMEDOUT, -11, "deadline exceeded")                                                    \
    XX(PLUGIN, -12, "plugin failed to load or has a wrong ABI")                               \
    XX(USAGE, -13, "bad command-line usage")                                                  \
    XX(RETRY, -14, "the client answers in a retried request (2026-07-28 multi round-trip)")   \
    XX(CLIENT, -15, "the client answered with an error")                                      \
    XX(REMOTE, -16, "the server answered with a JSON-RPC error")                              \
    XX(NOTSUP, -17, "the connection cannot carry server-to-client requests (stateless HTTP)") \
    XX(AUTH, -18, "authorization failed (OAuth)")

typedef enum mcp_err {
    MCP_OK = 0,
#define MCP__XX(name, val, msg) MCP_E##name = (val),
    MCP_ERR_MAP(MCP__XX)
#undef MCP__XX
} mcp_err;

/** Returned by a handler that will finish its call later (see mcp_call_complete()). */
#define MCP_PENDING 1

/** Static description of an error code; never NULL. */
MCP_API const char *mcp_strerror(int err);
/** Static name of an error code, e.g. "MCP_ENOMEM"; never NULL. */
MCP_API const char *mcp_err_name(int err);

/** Detail for a failed registration; pass NULL where it is not wanted. */
typedef struct mcp_error {
    int code;       /* an mcp_err value */
    char text[200]; /* human-readable, NUL-terminated */
} mcp_error_t;

/* JSON-RPC and MCP error codes that go on the wire. */
#define MCP_JSONRPC_PARSE_ERROR            (-32700)
#define MCP_JSONRPC_INVALID_REQUEST        (-32600)
#define MCP_JSONRPC_METHOD_NOT_FOUND       (-32601)
#define MCP_JSONRPC_INVALID_PARAMS         (-32602)
#define MCP_JSONRPC_INTERNAL_ERROR         (-32603)
#define MCP_ERROR_RESOURCE_NOT_FOUND       (-32002) /* 2025 era; 2026-07-28 uses -32602 */
#define MCP_ERROR_URL_ELICITATION_REQUIRED (-32042) /* 2025-11-25 only: data.elicitations */
#define MCP_ERROR_HEADER_MISMATCH          (-32020) /* 2026-07-28 */
#define MCP_ERROR_MISSING_CAPABILITY       (-32021) /* 2026-07-28: data.requiredCapabilities */
#define MCP_ERROR_UNSUPPORTED_VERSION      (-32022) /* 2026-07-28 */

/* ------------------------------------------------------------------------------------------ */
/* Server                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct mcp_server mcp_server_t; /* opaque */
typedef struct mcp_call mcp_call_t;     /* one in-flight request; opaque */

/**
 * Create a server named `name` (e.g. "weather") at `version` (e.g. "1.2.0"); both copied.
 * Nothing is started and no I/O happens. Returns NULL when out of memory or an argument is NULL.
 */
MCP_API MCP_NODISCARD mcp_server_t *mcp_server_new(const char *name, const char *version);

/** Stop every transport, call each registered free_userdata, release everything. NULL is a no-op.
 */
MCP_API void mcp_server_free(mcp_server_t *srv);

/* Optional identity shown to clients (serverInfo and the initialize result). Strings are copied;
 * NULL clears. Each returns MCP_OK, MCP_EINVAL or MCP_ENOMEM. */
MCP_API int mcp_server_set_title(mcp_server_t *srv, const char *title);
MCP_API int mcp_server_set_description(mcp_server_t *srv, const char *description);
MCP_API int mcp_server_set_website_url(mcp_server_t *srv, const char *url);
MCP_API int mcp_server_set_instructions(mcp_server_t *srv, const char *instructions);
/** `icons_json` is JSON text of an Icon array, e.g. `[{"src":"https://x/i.png"}]`; parsed here. */
MCP_API int mcp_server_set_icons(mcp_server_t *srv, const char *icons_json);

/** Limits and knobs, each per server, set before serving (see mcp_server_set_limit()). */
typedef enum mcp_limit {
    MCP_LIMIT_PAGE_SIZE,          /* items per list page (default 100) */
    MCP_LIMIT_MESSAGE_BYTES,      /* longest STDIO line / message body (default 4 MiB) */
    MCP_LIMIT_JSON_DEPTH,         /* deepest nesting accepted in a message (default 64) */
    MCP_LIMIT_BATCH_ITEMS,        /* most messages in one 2025-03-26 batch (default 100) */
    MCP_LIMIT_INFLIGHT,           /* most requests in flight per session (default 1024) */
    MCP_LIMIT_REQUEST_TIMEOUT_MS, /* server->client request timeout (default 60000) */
    MCP_LIMIT_URI_BYTES,          /* longest URI a client may subscribe to (default 2048): a longer
                                     one is refused with -32602 */
    MCP_LIMIT_SUBSCRIPTIONS,      /* resources/subscribe URIs per session, and URIs in one
                                     subscriptions/listen filter (default 1000): past it -32000 */
    MCP_LIMIT_TASKS_PER_CLIENT,   /* tasks kept at once per client (default 100): its authenticated
                                     principal, else its session (see "Tasks") */
    MCP_LIMIT_REQUEST_STATES,     /* 2026 requestStates remembered until they expire, to refuse
                                     replays (default 100000); when full no new one is issued
                                     (the asking call gets -32000) */
    MCP_LIMIT_LOG_RATE,           /* notifications/message per second per 2025 session or 2026
                                     request (default 100); more are dropped and counted */
    MCP_LIMIT_LOG_BURST,          /* ... with bursts of up to this many (default 200) */
    MCP_LIMIT_TOOL_TIMEOUT_MS,    /* execution time limit of a tool call whose tool sets none
                                     (mcp_tool_t.timeout_ms); 0 = none (the default) */
    MCP_LIMIT_POOL_PER_CLIENT,    /* most MCP_TOOL_BLOCKING calls one client may have on the
                                     thread pool at once (default: half the pool, at least 1) */
    MCP_LIMIT_PING_INTERVAL_MS,   /* keep-alive (2025 era, opt-in): every this many ms the
                                     server sends `ping` to each initialized session that has
                                     none unanswered; one unanswered after
                                     MCP_LIMIT_REQUEST_TIMEOUT_MS is logged (warning) and
                                     dropped. 0 = never (the default). 2026-07-28 has no ping */
} mcp_limit;

/** Set a limit; returns MCP_OK or MCP_EINVAL (unknown limit, or 0 where 0 is not allowed). */
MCP_API int mcp_server_set_limit(mcp_server_t *srv, mcp_limit which, size_t value);

/** Log levels (RFC 5424 order, as MCP uses them). */
typedef enum mcp_log_level {
    MCP_LOG_DEBUG,
    MCP_LOG_INFO,
    MCP_LOG_NOTICE,
    MCP_LOG_WARNING,
    MCP_LOG_ERROR,
    MCP_LOG_CRITICAL,
    MCP_LOG_ALERT,
    MCP_LOG_EMERGENCY,
} mcp_log_level;

/** The lowest level the server's own stderr logger prints (default MCP_LOG_WARNING). */
MCP_API void mcp_server_set_log_level(mcp_server_t *srv, mcp_log_level level);
/** Write a line to the server's stderr log if `level` passes the threshold. Never stdout. */
MCP_API void mcp_server_log(mcp_server_t *srv, mcp_log_level level, const char *fmt, ...)
    MCP_PRINTF(3, 4);
/** "debug", "info", … for a level; NULL for an out-of-range value. */
MCP_API const char *mcp_log_level_name(mcp_log_level level);
/** Parse a level name; returns the level or -1. */
MCP_API int mcp_log_level_parse(const char *name);

/* ------------------------------------------------------------------------------------------ */
/* Running                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/**
 * The one-call main: parse the standard flags, serve until the client goes away or a signal
 * arrives, then free the server. Takes ownership of `srv` (freed before returning, also on error).
 *
 * Flags: --stdio (default), --log-level LEVEL, --tool-timeout MS (MCP_LIMIT_TOOL_TIMEOUT_MS),
 * --version, --help, and the HTTP flags (see --help). Unknown flags print usage to stderr.
 * Returns a process exit status (0 success, 1 runtime error, 2 usage error). On EOF or a signal
 * it exits the process (status 0) once every transport has closed even if blocking handlers are
 * still running on pool threads (see mcp_server_stop()).
 */
MCP_API int mcp_server_main(mcp_server_t *srv, int argc, char **argv);

/** Serve over STDIO on a private loop until stdin reaches EOF or mcp_server_stop(). Blocking. */
MCP_API int mcp_server_run_stdio(mcp_server_t *srv);

/**
 * Embed: attach the server to a loop the caller owns and runs. libmcp never calls uv_run() on
 * it. Call once, before any mcp_server_listen_*(). The loop must outlive the server; after
 * mcp_server_stop() (or mcp_server_close()) run the loop until it has no more work from libmcp.
 */
MCP_API int mcp_server_attach(mcp_server_t *srv, uv_loop_t *loop);

/** The loop the server runs on (attached or private), or NULL before attach/run. */
MCP_API uv_loop_t *mcp_server_loop(mcp_server_t *srv);

/**
 * Start serving STDIO on the attached loop. The real stdout descriptor is kept privately for
 * protocol messages and descriptor 1 is pointed at stderr, so stray printf() output from tools
 * or libraries can never corrupt the stream. SIGPIPE is set to be ignored. These two are the
 * process-wide changes STDIO mode makes (the HTTP transports ignore SIGPIPE too).
 */
MCP_API int mcp_server_listen_stdio(mcp_server_t *srv);

/**
 * Ask the server to stop: transports close, calls in flight finish (their replies are flushed),
 * then the private loop of mcp_server_run_stdio()/mcp_server_main() returns.
 * Safe from any thread and from a signal handler.
 *
 * What is guaranteed: every transport stops accepting at once and closes within its grace period
 * (STDIO 5 s; HTTP mcp_http_opts_t.grace_ms), replies of calls that finish within it are sent,
 * and blocking calls still waiting for a pool thread are dropped unheard. An MCP_TOOL_BLOCKING
 * handler already running on a pool thread cannot be stopped (libuv has no way to): it is only
 * cancelled (mcp_call_is_cancelled()), and the loop keeps running until it returns. Then
 * mcp_server_run*() returns and mcp_server_free() may be called (mcp_server_free() itself waits
 * for it on a private loop). mcp_server_main() does not wait: once every transport has closed it
 * logs how many handlers it abandons and exits the process with status 0.
 */
MCP_API void mcp_server_stop(mcp_server_t *srv);

/* ------------------------------------------------------------------------------------------ */
/* Schemas                                                                                    */
/* ------------------------------------------------------------------------------------------ */
/*
 * Wherever a schema is taken as text (input_schema, output_schema), two forms are accepted:
 *
 * 1. JSON: text starting with '{' is parsed as a JSON Schema and served verbatim ($schema, $defs,
 *    $ref and every other keyword are kept).
 * 2. Compact: a comma-separated list of properties of an object, each
 *        name[?][: type] [constraint ...] ['description']
 *    `?` makes the property optional (otherwise it is required). Types: string (default),
 *    number, integer, boolean, object, any, and `T[]` for an array of T. Constraints:
 *        min=N max=N            numeric bounds (minimum/maximum)
 *        minLength=N maxLength=N  string length;   minItems=N maxItems=N  array length
 *        enum=a|b|c             allowed values (typed by the property's type)
 *        pattern=/regex/        ECMA-262 regex the string must match somewhere (PCRE2)
 *        format=email           passed through
 *        default=V              passed through, and filled into the handler's arguments
 *    Example: "path: string 'File to read', head?: integer min=1 'First N lines only'"
 *    gives {"type":"object","properties":{"path":{"type":"string","description":"File to read"},
 *    "head":{"type":"integer","minimum":1,"description":"First N lines
 * only"}},"required":["path"]}. An empty string or NULL means "no arguments":
 * {"type":"object","properties":{}}.
 */

/**
 * Turn schema text (either form) into a JSON Schema object.
 * Ownership: returns a new reference; NULL on error with `err` filled (MCP_ESCHEMA).
 */
MCP_API json_t *mcp_schema_from_text(const char *text, mcp_error_t *err);

/**
 * Validate `instance` against `schema` (the keywords listed in README "Argument validation").
 * Both borrowed. Returns MCP_OK or MCP_ESCHEMA with a message naming the offending location,
 * e.g. "arguments.b: expected number, got string", written to `msg` (may be NULL).
 *
 * Patterns ("pattern", "patternProperties") are ECMA-262 regexes run by PCRE2 (loaded on first
 * use), unanchored. A registered tool's patterns are compiled once, at registration (a pattern
 * PCRE2 cannot compile makes mcp_schema_from_text() and mcp_server_add_tool() fail with
 * MCP_ESCHEMA and PCRE2's message); this function, given a schema of the caller's, compiles
 * them for the call. Every match has a budget linear in the string's length: a value over it
 * fails with "pattern '...' is too costly to check against this value".
 */
MCP_API int mcp_schema_validate(const json_t *schema, const json_t *instance, char *msg,
                                size_t msg_size);

/* ------------------------------------------------------------------------------------------ */
/* Tools                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/**
 * A tool handler. Runs on the loop thread (on a pool thread with MCP_TOOL_BLOCKING).
 *
 * @param call  the request; build the result on it with mcp_call_text() & co.
 * @param args  borrowed reference to the validated arguments object (never NULL; {} when the
 *              client sent none), valid until the call is completed. Do not modify it. The
 *              `default` of each property the client left out is filled in (the input schema's
 *              `properties`, through local $refs, and inside nested objects the client sent;
 *              not inside anyOf/oneOf/if branches), after validation: with "days?: integer
 *              default=3" a call without `days` sees {"days":3}.
 * @param userdata the tool's userdata.
 * @return MCP_OK to reply with what was built now; MCP_PENDING to reply later with
 *         mcp_call_complete(); a negative mcp_err to answer with a JSON-RPC internal error.
 *         To report a failure the model should see, use mcp_call_tool_error() and return MCP_OK.
 */
typedef int (*mcp_tool_fn)(mcp_call_t *call, const json_t *args, void *userdata);

/*
 * Typed reads of one argument, for handlers: the member `name` of the object `args` (borrowed)
 * when it is present and of the type, else `fallback`. mcp_arg_int() takes an integral number
 * (3 or 3.0); mcp_arg_number() any number. The string is borrowed from `args` (valid as long as
 * it is). Any thread.
 */
MCP_API const char *mcp_arg_string(const json_t *args, const char *name, const char *fallback);
MCP_API long long mcp_arg_int(const json_t *args, const char *name, long long fallback);
MCP_API double mcp_arg_number(const json_t *args, const char *name, double fallback);
MCP_API int mcp_arg_bool(const json_t *args, const char *name, int fallback);

/* Tool flags. The hint flags set the matching `annotations` field explicitly. */
#define MCP_TOOL_BLOCKING        (1u << 0) /* run the handler on the libuv thread pool */
#define MCP_TOOL_READ_ONLY       (1u << 1) /* readOnlyHint: true */
#define MCP_TOOL_DESTRUCTIVE     (1u << 2) /* destructiveHint: true */
#define MCP_TOOL_NOT_DESTRUCTIVE (1u << 3) /* destructiveHint: false */
#define MCP_TOOL_IDEMPOTENT      (1u << 4) /* idempotentHint: true */
#define MCP_TOOL_OPEN_WORLD      (1u << 5) /* openWorldHint: true */
#define MCP_TOOL_CLOSED_WORLD    (1u << 6) /* openWorldHint: false */
#define MCP_TOOL_TASK_OPTIONAL   (1u << 7) /* may run as a task (see "Tasks") */
#define MCP_TOOL_TASK_REQUIRED   (1u << 8) /* runs only as a task (see "Tasks") */

/** A tool definition; copied by mcp_server_add_tool(), so it may live on the stack. */
typedef struct mcp_tool {
    const char *name;                      /* required; 1–128 of [A-Za-z0-9_.-] */
    const char *title;                     /* optional display name */
    const char *description;               /* what the tool does, for the model */
    const char *input_schema;              /* schema text (see "Schemas"); NULL = no arguments */
    const char *output_schema;             /* optional schema text for structuredContent:
                                              enforced before the result is sent. A result
                                              (not isError) with no structuredContent, or one
                                              that does not match, is replaced by a tool error
                                              naming the JSON path ("... does not match its
                                              outputSchema: structuredContent.temp: expected
                                              number, got string"), also logged as a warning */
    mcp_tool_fn handler;                   /* required */
    void *userdata;                        /* passed to handler */
    void (*free_userdata)(void *userdata); /* called when the tool is removed or the server freed */
    unsigned flags;                        /* MCP_TOOL_* */
    const char *annotations; /* optional JSON object text, merged under the flags' hints */
    const char *icons;       /* optional JSON array text of Icon objects */
    const char *meta;        /* optional JSON object text for the tool's _meta */
    unsigned timeout_ms;     /* execution time limit; 0 = the server's MCP_LIMIT_TOOL_TIMEOUT_MS.
                                Past it the client gets a tool result with isError: true,
                                "Tool 'NAME' timed out after N ms", at once, and the call is
                                cancelled (see "Blocking tools and time limits") */
    const char *scopes;      /* OAuth scopes a caller needs, space-separated (all of them), e.g.
                                "files:write"; NULL = none. See "Required scopes" */
    const char *tags;        /* optional comma-separated tags for grouping, e.g. "admin, beta" (each
                                1–64 of A-Z a-z 0-9 _ . : / -); see "Visibility" */
    int disabled;            /* registered hidden; mcp_server_enable_tool() shows it */
    /* MCP Apps (see "Extensions"): the ui:// resource that renders this tool's results, served
     * as _meta.ui.resourceUri (and the older _meta["ui/resourceUri"]), and who may call the
     * tool: MCP_APP_VISIBLE_MODEL | MCP_APP_VISIBLE_APP (0 = not said: both) */
    const char *app_uri;
    unsigned app_visibility;
} mcp_tool_t;

#define MCP_APP_VISIBLE_MODEL (1u << 0) /* the model may see and call the tool */
#define MCP_APP_VISIBLE_APP   (1u << 1) /* the app (the rendered view) may call it */

/**
 * Register a tool. Returns MCP_OK, MCP_EINVAL (bad name, no handler, bad JSON text),
 * MCP_ESCHEMA (bad schema), MCP_EEXIST (name taken) or MCP_ENOMEM; `err` (may be NULL) says why.
 * If registration fails, free_userdata is not called. Announces tools/list_changed to clients.
 */
MCP_API int mcp_server_add_tool(mcp_server_t *srv, const mcp_tool_t *tool, mcp_error_t *err);

/** Remove a tool by name (its free_userdata runs). MCP_OK or MCP_ENOTFOUND. */
MCP_API int mcp_server_remove_tool(mcp_server_t *srv, const char *name);

/* ------------------------------------------------------------------------------------------ */
/* Completion (argument autocompletion for prompts and resource templates)                    */
/* ------------------------------------------------------------------------------------------ */

/**
 * Suggest values for `argument` (a prompt argument or a template variable) given what the user
 * typed so far (`value`). Add suggestions with mcp_call_add_completion(); the server sends at most
 * 100. `context` is a borrowed object of the other arguments already chosen (empty if none).
 * Returns as a tool handler does (MCP_OK, MCP_PENDING, or an error).
 */
typedef int (*mcp_complete_fn)(mcp_call_t *call, const char *argument, const char *value,
                               const json_t *context, void *userdata);

/** Add one suggestion to a completion/complete result. */
MCP_API int mcp_call_add_completion(mcp_call_t *call, const char *value);
/** Say how many matches exist in all (`total`, -1 = unknown) and whether more exist than sent. */
MCP_API int mcp_call_set_completion_total(mcp_call_t *call, long long total, int has_more);

/* ------------------------------------------------------------------------------------------ */
/* Resources                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/**
 * A resource handler: add the contents of `uri` with mcp_call_resource_text()/_blob().
 *
 * @param vars for a template, borrowed object of the variables matched from the URI (string
 *             values; arrays for exploded variables); for a static resource an empty object.
 * @return as for mcp_tool_fn. Use mcp_call_fail_new(call, MCP_ERROR_RESOURCE_NOT_FOUND, ...) when
 * the URI names nothing (the server maps the code to the client's revision).
 */
typedef int (*mcp_resource_fn)(mcp_call_t *call, const char *uri, const json_t *vars,
                               void *userdata);

/** A resource or resource template; copied by mcp_server_add_resource(). */
typedef struct mcp_resource {
    const char *uri;          /* a static resource's URI ... */
    const char *uri_template; /* ... or an RFC 6570 template, e.g. "file:///logs/{date}" */
    const char *name;         /* required */
    const char *title;
    const char *description;
    const char *mime_type;
    const char *text;        /* static text contents: served without a handler */
    mcp_resource_fn handler; /* required unless `text` is set */
    void *userdata;
    void (*free_userdata)(void *userdata);
    const char *annotations;  /* optional JSON object text */
    const char *icons;        /* optional JSON array text */
    const char *meta;         /* optional JSON object text */
    long long size;           /* size in bytes if known and > 0; 0 = not given (a static
                                 `text` resource lists its length) */
    mcp_complete_fn complete; /* templates: suggest values for variables (optional) */
    const char *scopes;       /* OAuth scopes a reader needs, space-separated (all of them);
                                 NULL = none. See "Required scopes" */
    /* 2026-07-28 cache hints of this resource's resources/read results (see "Cache hints"):
     * ttlMs (0, the default: stale at once) and cacheScope (default private) */
    unsigned long long cache_ttl_ms;
    int cache_scope;  /* an mcp_cache_scope */
    const char *tags; /* as mcp_tool_t.tags */
    int disabled;     /* registered hidden; mcp_server_enable_resource() shows it */
} mcp_resource_t;

/** Register a resource (uri) or template (uri_template). Errors as mcp_server_add_tool(). */
MCP_API int mcp_server_add_resource(mcp_server_t *srv, const mcp_resource_t *res, mcp_error_t *err);
/** Remove by URI or template text. MCP_OK or MCP_ENOTFOUND. */
MCP_API int mcp_server_remove_resource(mcp_server_t *srv, const char *uri_or_template);

/**
 * Tell subscribers that the resource at `uri` changed: `notifications/resources/updated` to each
 * 2025-era session that called resources/subscribe for it, and to each 2026-07-28
 * subscriptions/listen stream that listed it. Loop thread.
 */
MCP_API int mcp_server_resource_updated(mcp_server_t *srv, const char *uri);

/* ------------------------------------------------------------------------------------------ */
/* Cache hints (2026-07-28)                                                                   */
/* ------------------------------------------------------------------------------------------ */
/*
 * 2026-07-28 list results (tools/list, resources/list, resources/templates/list, prompts/list),
 * resources/read and server/discover carry `ttlMs` (how long the client may treat the result as
 * fresh; 0 = stale at once) and `cacheScope` ("public": shareable across users, e.g. by a
 * gateway; "private": only within one authorization context). Defaults: ttlMs 0; lists and
 * discover public, reads private. A list that differs per principal must be private. Earlier
 * revisions have no such fields and never get them.
 */
typedef enum mcp_cache_scope {
    MCP_CACHE_DEFAULT = 0, /* keep the default scope of that result */
    MCP_CACHE_PUBLIC,
    MCP_CACHE_PRIVATE,
} mcp_cache_scope;

typedef enum mcp_cache_result {
    MCP_CACHE_TOOLS_LIST,
    MCP_CACHE_RESOURCES_LIST,
    MCP_CACHE_TEMPLATES_LIST,
    MCP_CACHE_PROMPTS_LIST,
    MCP_CACHE_DISCOVER,
} mcp_cache_result;

/** Set the cache hints of one kind of result. MCP_OK or MCP_EINVAL. Set before serving. */
MCP_API int mcp_server_set_cache(mcp_server_t *srv, mcp_cache_result which,
                                 unsigned long long ttl_ms, mcp_cache_scope scope);
/**
 * From a resource handler (or any handler of a cacheable 2026-07-28 result): override this
 * result's hints, e.g. a template whose reads differ in freshness. No effect (MCP_OK) on other
 * requests. MCP_OK or MCP_EINVAL. Thread: the one that owns the call.
 */
MCP_API int mcp_call_set_cache(mcp_call_t *call, unsigned long long ttl_ms, mcp_cache_scope scope);

/* ------------------------------------------------------------------------------------------ */
/* Prompts                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/**
 * A prompt handler: add messages with mcp_call_prompt_text() & co.
 * @param args borrowed object of string arguments; required ones are checked before the call.
 */
typedef int (*mcp_prompt_fn)(mcp_call_t *call, const json_t *args, void *userdata);

/** A prompt; copied by mcp_server_add_prompt(). */
typedef struct mcp_prompt {
    const char *name; /* required */
    const char *title;
    const char *description;
    /* Arguments in the compact form: "code 'The code to review', language? 'Its language'"
     * (`?` marks optional; types are ignored: prompt arguments are strings). */
    const char *arguments;
    mcp_prompt_fn handler; /* required */
    void *userdata;
    void (*free_userdata)(void *userdata);
    const char *icons;        /* optional JSON array text */
    const char *meta;         /* optional JSON object text */
    mcp_complete_fn complete; /* suggest argument values (optional) */
    const char *scopes;       /* OAuth scopes a caller needs, space-separated (all of them);
                                 NULL = none. See "Required scopes" */
    const char *tags;         /* as mcp_tool_t.tags */
    int disabled;             /* registered hidden; mcp_server_enable_prompt() shows it */
} mcp_prompt_t;

/** Register a prompt. Errors as mcp_server_add_tool() (MCP_ESCHEMA for bad `arguments` text).
 * Announces prompts/list_changed to clients. */
MCP_API int mcp_server_add_prompt(mcp_server_t *srv, const mcp_prompt_t *prompt, mcp_error_t *err);
/** Remove a prompt by name (its free_userdata runs). MCP_OK or MCP_ENOTFOUND. */
MCP_API int mcp_server_remove_prompt(mcp_server_t *srv, const char *name);

/* ------------------------------------------------------------------------------------------ */
/* Visibility: enabling, disabling and tags                                                   */
/* ------------------------------------------------------------------------------------------ */
/*
 * A tool, resource, template or prompt is offered to a client when it is enabled and each of
 * its tags is enabled for that client. A hidden one is neither listed nor served: calling it
 * gets exactly what an unknown name or URI gets (-32602 "Unknown tool", resource not found,
 * ...), so its existence does not leak; a hidden resource's updates are not sent to its
 * subscribers either. Tags are enabled unless mcp_server_enable_tag() turned
 * them off server-wide; a 2025-era session (STDIO, a Streamable HTTP session) may have its own
 * view of a tag (mcp_call_session_enable_tag()), which wins over the server's. Every change
 * that alters what a client sees sends it the kind's notifications/.../list_changed (2026-07-28:
 * to subscriptions/listen streams that asked). Loop thread. Each returns MCP_OK,
 * MCP_ENOTFOUND (no such item) or MCP_EINVAL.
 */
MCP_API int mcp_server_enable_tool(mcp_server_t *srv, const char *name, int enabled);
/** By URI or template text. */
MCP_API int mcp_server_enable_resource(mcp_server_t *srv, const char *uri_or_template, int enabled);
MCP_API int mcp_server_enable_prompt(mcp_server_t *srv, const char *name, int enabled);
/** Turn a tag on or off server-wide (items carrying it are hidden while it is off), whether or
 * not any item carries it yet. MCP_OK, MCP_EINVAL or MCP_ENOMEM. */
MCP_API int mcp_server_enable_tag(mcp_server_t *srv, const char *tag, int enabled);
/**
 * This call's session only (2025 era): show or hide the items carrying `tag`, over what the
 * server says, for the rest of the session, e.g. a "login" tool that reveals the "admin" tools
 * to this client alone. MCP_OK, MCP_ENOTSUP (a 2026-07-28 request or --stateless HTTP: no
 * lasting session), MCP_EINVAL or MCP_ENOMEM.
 */
MCP_API int mcp_call_session_enable_tag(mcp_call_t *call, const char *tag, int enabled);

/* ------------------------------------------------------------------------------------------ */
/* Calls: building results, replying later, the request context                              */
/* ------------------------------------------------------------------------------------------ */
/*
 * A call is one request being served. The handler owns it until it returns MCP_OK (the server
 * replies at once) or, after returning MCP_PENDING, until it calls mcp_call_complete() (loop
 * thread) or mcp_call_complete_threadsafe() (any thread). After completion the call is gone.
 * A thread that owns a pending call may use the mcp_call_* builders on it; the loop does not
 * touch the call's result until it is completed.
 *
 * Builders return MCP_OK, MCP_EINVAL or MCP_ENOMEM. Text is copied; `fmt` is printf-style.
 */

/* Content for tools/call (appended to `content` in order). */
MCP_API int mcp_call_text(mcp_call_t *call, const char *fmt, ...) MCP_PRINTF(2, 3);
MCP_API int mcp_call_textv(mcp_call_t *call, const char *fmt, va_list ap);
/** Append text of exactly `len` bytes (no formatting; may contain '%'). */
MCP_API int mcp_call_text_n(mcp_call_t *call, const char *text, size_t len);
/** Image/audio: raw bytes, base64-encoded here. */
MCP_API int mcp_call_image(mcp_call_t *call, const void *data, size_t len, const char *mime_type);
MCP_API int mcp_call_audio(mcp_call_t *call, const void *data, size_t len, const char *mime_type);
/** A resource_link content block (2025-06-18+); `mime_type` may be NULL. */
MCP_API int mcp_call_resource_link(mcp_call_t *call, const char *uri, const char *name,
                                   const char *mime_type);
/** An embedded text resource content block. */
MCP_API int mcp_call_embedded_text(mcp_call_t *call, const char *uri, const char *mime_type,
                                   const char *text);
/** An embedded binary resource content block (bytes base64-encoded here). */
MCP_API int mcp_call_embedded_blob(mcp_call_t *call, const char *uri, const char *mime_type,
                                   const void *data, size_t len);
/**
 * Append a content block built by the caller. Steals `block` (jansson's _new rule).
 */
MCP_API int mcp_call_content_new(mcp_call_t *call, json_t *block);
/**
 * Set `structuredContent`. Steals `value`, also on failure. When the tool has no text content
 * when it completes, the serialized JSON is added as a text block too (for older clients).
 */
MCP_API int mcp_call_structured_new(mcp_call_t *call, json_t *value);
/**
 * A tool execution error the model can act on: sets `isError: true` and appends the message as
 * text. Return MCP_OK afterwards.
 */
MCP_API int mcp_call_tool_error(mcp_call_t *call, const char *fmt, ...) MCP_PRINTF(2, 3);

/**
 * Answer the request with a JSON-RPC error instead of a result (e.g. MCP_JSONRPC_INVALID_PARAMS).
 * `data` may be NULL and is stolen. Replaces anything built so far. Return MCP_OK afterwards.
 */
MCP_API int mcp_call_fail_new(mcp_call_t *call, int code, json_t *data, const char *fmt, ...)
    MCP_PRINTF(4, 5);

/* Contents for resources/read. */
MCP_API int mcp_call_resource_text(mcp_call_t *call, const char *uri, const char *mime_type,
                                   const char *text);
MCP_API int mcp_call_resource_blob(mcp_call_t *call, const char *uri, const char *mime_type,
                                   const void *data, size_t len);

/* Messages for prompts/get. `role` is "user" or "assistant". */
MCP_API int mcp_call_prompt_text(mcp_call_t *call, const char *role, const char *fmt, ...)
    MCP_PRINTF(3, 4);
/** A message with any content block (text, image, audio, resource, resource_link). Steals. */
MCP_API int mcp_call_prompt_message_new(mcp_call_t *call, const char *role, json_t *content);
/** Set the prompt result's `description`. */
MCP_API int mcp_call_prompt_description(mcp_call_t *call, const char *description);

/**
 * The result object being built. Ownership: borrowed, valid until the call completes. Authors
 * may add fields (e.g. `_meta`) with json_object_set_new().
 */
MCP_API json_t *mcp_call_result(mcp_call_t *call);

/** Finish a pending call from the loop thread: the reply is sent and the call freed. */
MCP_API void mcp_call_complete(mcp_call_t *call);
/** Finish a pending call from any thread (marshalled to the loop; the call is freed there). */
MCP_API void mcp_call_complete_threadsafe(mcp_call_t *call);

/* The request context: the same for both protocol eras. */

/** Negotiated or per-request protocol revision, e.g. "2025-11-25". Static string. */
MCP_API const char *mcp_call_protocol_version(const mcp_call_t *call);
/** The client's capabilities. Borrowed, valid until completion; never NULL ({} if none). */
MCP_API const json_t *mcp_call_client_capabilities(const mcp_call_t *call);
/** The client's Implementation object ({name, version, ...}). Borrowed; NULL if unknown. */
MCP_API const json_t *mcp_call_client_info(const mcp_call_t *call);
/** The request's `params._meta`. Borrowed; NULL if absent. */
MCP_API const json_t *mcp_call_meta(const mcp_call_t *call);
/** The JSON-RPC method being served, e.g. "tools/call". Static or call-owned string. */
MCP_API const char *mcp_call_method(const mcp_call_t *call);
/** The server serving this call. */
MCP_API mcp_server_t *mcp_call_server(const mcp_call_t *call);

/**
 * SSE polling (Streamable HTTP, 2025-11-25 sessions): close the HTTP connection carrying this
 * call's stream now, after its priming event. The call goes on; what it sends meanwhile, its
 * reply included, is kept in the event store, and the client collects it by reconnecting with
 * GET and Last-Event-ID (after the stream's `retry` delay). Useful for long calls behind proxies
 * that cut idle connections. Loop thread. MCP_OK, or MCP_ESTATE where there is no resumable
 * stream (STDIO, stateless HTTP, 2026-07-28 requests).
 */
MCP_API int mcp_call_close_stream(mcp_call_t *call);

/** Non-zero once the client cancelled the request. Safe from the thread that owns the call. */
MCP_API int mcp_call_is_cancelled(const mcp_call_t *call);
/**
 * Run `cb(call, userdata)` on the loop thread when the client cancels this call. The handler must
 * still complete the call (the reply is then dropped, as the protocol asks).
 */
MCP_API void mcp_call_on_cancel(mcp_call_t *call, void (*cb)(mcp_call_t *call, void *userdata),
                                void *userdata);

/* ------------------------------------------------------------------------------------------ */
/* Extensions, custom methods and MCP Apps                                                    */
/* ------------------------------------------------------------------------------------------ */

/**
 * Declare an extension the server supports, e.g. "com.example/search" with `settings_json`
 * (JSON object text, NULL = {}; parsed here). 2026-07-28 results list it under
 * `capabilities.extensions`; 2025-era initialize results under `capabilities.experimental`
 * (the 2025 schema has no `extensions`). Declaring again replaces the settings. MCP_OK,
 * MCP_EINVAL (bad id or JSON) or MCP_ENOMEM.
 */
MCP_API int mcp_server_add_extension(mcp_server_t *srv, const char *id, const char *settings_json);

/**
 * The settings the client declared for extension `id`: `capabilities.extensions[id]`, else
 * `capabilities.experimental[id]`. Borrowed, valid as long as the call; NULL when the client did
 * not declare it.
 */
MCP_API const json_t *mcp_call_client_extension(const mcp_call_t *call, const char *id);

/**
 * A handler for a request method the library does not know (an extension's, e.g.
 * "com.example/search"). Fill the result object with mcp_call_result() (2026-07-28 results
 * get resultType and serverInfo added), or answer with mcp_call_fail_new(); return as a tool
 * handler does (MCP_OK, MCP_PENDING + mcp_call_complete(), or a negative mcp_err for -32603).
 * `params` is borrowed (the request's params, or NULL).
 */
typedef int (*mcp_method_fn)(mcp_call_t *call, const json_t *params, void *userdata);

/**
 * Register a request method, served in both eras (2025 sessions after initialization), through
 * middleware like every other. Notifications the library does not know reach middleware
 * (mcp_server_use()) only. MCP_OK, MCP_EINVAL (empty, over 128 bytes, or "notifications/..."),
 * MCP_EEXIST (a method the library or the author already serves) or MCP_ENOMEM; free_userdata
 * runs at mcp_server_free().
 */
MCP_API int mcp_server_add_method(mcp_server_t *srv, const char *method, mcp_method_fn fn,
                                  void *userdata, void (*free_userdata)(void *userdata));

/*
 * MCP Apps (extension "io.modelcontextprotocol/ui"): a tool's results rendered by the client as
 * an interactive HTML view. The view is a resource with a ui:// URI served as
 * "text/html;profile=mcp-app" with its sandbox policy in `_meta.ui` (McpUiResourceMeta: csp
 * {connectDomains, resourceDomains, frameDomains, baseUriDomains}, permissions {camera,
 * microphone, geolocation, clipboardWrite}, domain, prefersBorder); a tool names it with
 * mcp_tool_t.app_uri. Hosts that do not render apps ignore both, so a tool should check
 * mcp_call_client_supports_apps() and fall back to a useful text result.
 */
#define MCP_APP_EXTENSION "io.modelcontextprotocol/ui"
#define MCP_APP_MIME_TYPE "text/html;profile=mcp-app"

/** An app view; copied by mcp_server_add_app(). */
typedef struct mcp_app {
    const char *uri;         /* required: "ui://..." */
    const char *name;        /* required */
    const char *title;       /* optional */
    const char *description; /* optional */
    const char *html;        /* the page, served as is ... */
    mcp_resource_fn handler; /* ... or built per read: answer with mcp_call_app_html() */
    void *userdata;          /* the handler's */
    void (*free_userdata)(void *userdata);
    const char *ui_meta; /* optional JSON object text of McpUiResourceMeta, e.g.
                            {"csp":{"connectDomains":["https://api.example.com"]},
                             "permissions":{"clipboardWrite":{}},"prefersBorder":true};
                            served as `_meta.ui` in resources/list and on the read contents */
} mcp_app_t;

/**
 * Register an app view (a resource) and declare the extension. Returns as
 * mcp_server_add_resource(): MCP_EINVAL also for a URI that is not ui:// or bad ui_meta JSON.
 */
MCP_API int mcp_server_add_app(mcp_server_t *srv, const mcp_app_t *app, mcp_error_t *err);
/** From an app's handler: the page for `uri`, with the app's `_meta.ui`. Builder returns. */
MCP_API int mcp_call_app_html(mcp_call_t *call, const char *uri, const char *html);
/** 1 when the client renders apps (it declared the extension with mimeTypes including
 * MCP_APP_MIME_TYPE), else 0. */
MCP_API int mcp_call_client_supports_apps(const mcp_call_t *call);

/* ------------------------------------------------------------------------------------------ */
/* Middleware: code that sees every request and notification                                  */
/* ------------------------------------------------------------------------------------------ */
/*
 * A middleware wraps every request of every client, in both eras (initialize, tools/call,
 * 2026-07-28 requests, ...), and sees every notification from clients. Its `request` hook runs
 * after the protocol checks (a request the server refuses outright, e.g. an unknown method or a
 * malformed message, never reaches it) and before the method's handler; its `response` hook
 * runs with the outcome just before the reply is sent (for a tools/call that becomes a task: the
 * task handle the request is answered with). Hooks run on the loop thread, `request`
 * hooks in registration order and `response` hooks in the reverse order (the first registered
 * is the outermost), and only for the middleware whose `request` hook ran.
 *
 * `request` returns MCP_OK to pass the request on, or MCP_HANDLED when it answered the request
 * itself: with mcp_call_fail_new() (a JSON-RPC error) or by filling mcp_call_result(req->call)
 * (a result; for tools/call e.g. {"content":[...]}). The later middleware and the handler are
 * then skipped, and the reply goes out. The method's own checks (a hidden item is unknown, an
 * item's `.scopes`) are the handler's: a hook that answers a tools/call itself (a cache, say)
 * answers for hidden tools and callers without the scopes too, so it answers only what
 * req->call may use. A notification answered with MCP_HANDLED is dropped.
 * A negative mcp_err answers the request with -32603 (a notification is dropped).
 * Everything in the info structs is borrowed for the hook's duration.
 */

/** What a middleware sees of one inbound request or notification. */
typedef struct mcp_request_info {
    const char *method;           /* e.g. "tools/call", "notifications/initialized" */
    const char *name;             /* tools/call, prompts/get: params.name; resources/read,
                                     resources/subscribe, resources/unsubscribe: params.uri;
                                     else NULL */
    const json_t *params;         /* the request's params (NULL when it has none) */
    const json_t *principal;      /* who the bearer token names (mcp_call_principal()), or NULL */
    const char *client;           /* a key for per-client policies: "sub:<sub>" for an
                                     authenticated principal, else "addr:<peer address>" for a
                                     request served on its own (2026-07-28 HTTP, stateless), else
                                     "session:<n>" (one per session, STDIO included) */
    const char *protocol_version; /* the revision the request is served at */
    mcp_call_t *call;             /* the request's call (mcp_call_fail_new(), mcp_call_result(),
                                     mcp_call_meta(), ...); NULL for a notification */
} mcp_request_info_t;

/** What a `response` hook sees: how the request ended. */
typedef struct mcp_outcome {
    double duration_ms;        /* from arrival to the reply */
    int error_code;            /* the JSON-RPC error sent, or 0 for a result */
    const char *error_message; /* its message, or NULL */
    int tool_error;            /* a tools/call result with isError: true */
    int cancelled;             /* no reply is sent: the client cancelled the request */
    const json_t *response;    /* the whole JSON-RPC response, or NULL when cancelled */
} mcp_outcome_t;

/** Returned by a middleware's `request` hook that answered the request itself. */
#define MCP_HANDLED 2

typedef struct mcp_middleware {
    const char *name; /* for log lines; copied; may be NULL */
    /* May be NULL. MCP_OK, MCP_HANDLED or a negative mcp_err (see above). */
    int (*request)(const mcp_request_info_t *req, void *userdata);
    /* May be NULL. Requests only (notifications have no outcome). */
    void (*response)(const mcp_request_info_t *req, const mcp_outcome_t *out, void *userdata);
    void *userdata;
    void (*free_userdata)(void *userdata); /* called by mcp_server_free() */
} mcp_middleware_t;

/**
 * Append a middleware to the server's chain (copied; register before serving). Returns MCP_OK,
 * MCP_EINVAL (no hook at all) or MCP_ENOMEM (then free_userdata is not called). Loop thread.
 */
MCP_API int mcp_server_use(mcp_server_t *srv, const mcp_middleware_t *mw);

/**
 * Ready-made middleware 1: a structured request log. One JSON object per line for each request
 * (and, with `notifications` non-zero, each notification) written to `out` (NULL = stderr;
 * never stdout in STDIO mode), e.g.
 *   {"ts":"2026-12-02T10:00:00.123Z","method":"tools/call","name":"add","client":"session:1",
 *    "protocol":"2025-11-25","ms":0.084,"outcome":"ok"}
 * "outcome" is "ok", "tool_error", "error" (with "code" and "message") or "cancelled"; "sub" is
 * added for an authenticated principal. A failed write is ignored. MCP_OK or MCP_ENOMEM.
 */
MCP_API int mcp_server_use_request_log(mcp_server_t *srv, FILE *out, int notifications);

/**
 * Ready-made middleware 2: per-client rate limiting (a token bucket per
 * mcp_request_info_t.client: the authenticated principal, else the peer address or session).
 * Each request takes a token; the bucket refills at `per_second` up to `burst`. A request over
 * the limit is answered -32000 "Rate limit exceeded: this client may send N requests a second
 * (bursts of B); retry in M ms" with data {"retryAfterMs": M}. initialize, ping and
 * notifications are never limited. At most 100,000 clients are tracked (idle full buckets are
 * dropped first). MCP_OK, MCP_EINVAL (per_second <= 0 or burst 0) or MCP_ENOMEM.
 */
MCP_API int mcp_server_use_rate_limit(mcp_server_t *srv, double per_second, unsigned burst);

/* ------------------------------------------------------------------------------------------ */
/* Logging to the client and progress                                                         */
/* ------------------------------------------------------------------------------------------ */

/**
 * Send a `notifications/message` related to this call, if `level` passes the client's level
 * (2025 era: logging/setLevel, default info; 2026-07-28: the request's _meta logLevel, and
 * nothing at all when the request carries none). Returns MCP_OK also when filtered out.
 * `logger` (may be NULL) names the source. Safe from the thread that owns the call.
 * Rate-limited (the spec asks servers to): per 2025 session (a task's messages count per task)
 * or per 2026 request, MCP_LIMIT_LOG_RATE a second with bursts of MCP_LIMIT_LOG_BURST; a message
 * over the limit is dropped (still MCP_OK), and once the rate allows again one notice (logger
 * "libmcp", at the highest level dropped) says how many were.
 */
MCP_API int mcp_call_log(mcp_call_t *call, mcp_log_level level, const char *logger, const char *fmt,
                         ...) MCP_PRINTF(4, 5);
/** As mcp_call_log() with any JSON value as `data`. Steals `data`. */
MCP_API int mcp_call_log_json_new(mcp_call_t *call, mcp_log_level level, const char *logger,
                                  json_t *data);
/** Send a log notification to every initialized 2025-era session whose level passes. */
MCP_API int mcp_server_log_clients(mcp_server_t *srv, mcp_log_level level, const char *logger,
                                   const char *fmt, ...) MCP_PRINTF(4, 5);

/**
 * Report progress on this call (`notifications/progress`), if the client sent a progressToken;
 * otherwise nothing is sent and MCP_OK is returned. `progress` must not decrease from one call
 * to the next (MCP_EINVAL). `total` <= 0 means unknown; `message` may be NULL. Over Streamable
 * HTTP the notification travels on the request's own stream, before its reply. Safe from the
 * thread that owns the call.
 */
MCP_API int mcp_call_progress(mcp_call_t *call, double progress, double total, const char *message);

/* ------------------------------------------------------------------------------------------ */
/* Asking the client: sampling, elicitation, roots                                            */
/* ------------------------------------------------------------------------------------------ */
/*
 * One API for both eras. A handler asks, returns MCP_PENDING, and finishes the call from the
 * callback:
 *   - 2025 era: the server sends `sampling/createMessage`, `elicitation/create` or `roots/list`
 *     to the client (on the request's own stream over Streamable HTTP), routes the client's
 *     answer to the callback, and gives up after MCP_LIMIT_REQUEST_TIMEOUT_MS (status
 *     MCP_ETIMEDOUT; the client is sent notifications/cancelled).
 *   - 2026-07-28: there are no server->client requests. The call ends with
 *     `resultType: "input_required"`, the questions in `inputRequests` and an HMAC-signed
 *     `requestState`; the client retries the request with `inputResponses`, and the handler runs
 *     again from the start: this time each ask finds its answer and the callback runs at once,
 *     inside the ask. Handlers must therefore ask the same questions in the same order for the
 *     same arguments. Callbacks of questions still unanswered when the call ends this way get
 *     status MCP_ERETRY: free their userdata and nothing else. A tampered, expired or replayed
 *     requestState, or one issued to another principal (mcp_call_principal()), is refused with
 *     -32602; a state is single-use for its whole lifetime (10 minutes). Answers count only with
 *     the state that asked for them and for the keys it asked: `inputResponses` without a
 *     requestState are ignored and the questions are asked again. When
 *     MCP_LIMIT_REQUEST_STATES unexpired states are outstanding, asking fails the call with
 *     -32000 "Server busy" instead of forgetting which states were used.
 *
 * The callback runs on the loop thread. `result` is borrowed for the callback's duration: the
 * client's result object (status MCP_OK), its error object (MCP_ECLIENT), or NULL (any other
 * status: MCP_ETIMEDOUT, MCP_ECANCELLED when the call was cancelled or ended first, MCP_EIO when
 * the connection went away, MCP_ERETRY). Each function returns MCP_OK (asked; the callback will
 * run exactly once), MCP_ENOTSUP (the connection cannot carry server->client requests: a
 * 2025-era request over --stateless HTTP, whatever the client declared), MCP_ESTATE (the client
 * did not declare the capability, or it has gone away), MCP_EINVAL or MCP_ENOMEM; the callback
 * never runs on failure. `params` is stolen, also on failure.
 */
typedef void (*mcp_client_reply_fn)(mcp_call_t *call, int status, const json_t *result,
                                    void *userdata);

/** `sampling/createMessage` with `params` ({messages, maxTokens, ...}). Needs the client's
 * `sampling` capability (and `sampling.tools` when params has tools or toolChoice). */
MCP_API int mcp_call_sample_new(mcp_call_t *call, json_t *params, mcp_client_reply_fn cb,
                                void *userdata);
/** `elicitation/create` with `params` ({message, requestedSchema} or {mode:"url", ...}).
 * Needs the client's `elicitation` capability (`elicitation.url` for URL mode). URL mode: a
 * 2025-11-25 client needs `elicitationId` (a string the server chooses; MCP_EINVAL without
 * one), remembered for mcp_server_elicitation_complete(); on a 2026-07-28 request, which
 * removed it, `elicitationId` is taken out of `params` before it is sent. */
MCP_API int mcp_call_elicit_new(mcp_call_t *call, json_t *params, mcp_client_reply_fn cb,
                                void *userdata);

/**
 * URL-mode elicitation, 2025-11-25: tell the client that the out-of-band interaction of
 * `elicitation_id` (sent in a URL elicitation or a -32042 error on one of the server's sessions)
 * has finished, with `notifications/elicitation/complete`, e.g. from the web handler that the
 * URL led to. The id is forgotten afterwards. Loop thread. MCP_OK, MCP_ENOTFOUND (no session
 * that is still open was sent this id; ids are remembered per session, the last 1000),
 * MCP_EINVAL or MCP_ENOMEM. 2026-07-28 has no such notification (the client retries instead).
 */
MCP_API int mcp_server_elicitation_complete(mcp_server_t *srv, const char *elicitation_id);

/**
 * Answer the request with the -32042 "URL elicitation required" error (2025-11-25): the client
 * should open `url` for the user, then retry the request; data is {"elicitations":[{"mode":
 * "url","elicitationId","url","message"}]}. All strings copied. The id is remembered for
 * mcp_server_elicitation_complete(). MCP_OK (return MCP_OK from the handler afterwards),
 * MCP_ESTATE (the client did not declare `elicitation.url`, or the request is not 2025-11-25:
 * 2026-07-28 dropped the code; there ask with mcp_call_elicit_new() instead), MCP_EINVAL or
 * MCP_ENOMEM.
 */
MCP_API int mcp_call_fail_url_elicitation(mcp_call_t *call, const char *elicitation_id,
                                          const char *url, const char *message);
/** `roots/list`. Needs the client's `roots` capability. */
MCP_API int mcp_call_list_roots(mcp_call_t *call, mcp_client_reply_fn cb, void *userdata);

/**
 * Name the next question's key in a 2026-07-28 `inputRequests` map (default "q0", "q1", ... in
 * asking order), e.g. "user_name" when a client or a test expects a particular key. Copied; at
 * most 63 characters; "" clears it. It applies to the next ask only, and is dropped if that ask
 * fails. No effect on 2025-era sessions. MCP_OK or MCP_EINVAL.
 */
MCP_API int mcp_call_set_input_key(mcp_call_t *call, const char *key);

/**
 * Set the key that signs 2026-07-28 requestState (default: 32 random bytes per server). Give
 * every replica behind a load balancer the same key (mcp_server_main(): --state-key-file or
 * MCP_STATE_KEY, which ask for at least 32 bytes). Copied; `len` >= 16. Single use is
 * enforced per replica: a state used on one replica can still be used once on another within
 * its lifetime (route a client's retries to one replica where that matters). MCP_OK, MCP_EINVAL,
 * or MCP_EIO when libcrypto (loaded on first use) cannot be loaded.
 */
MCP_API int mcp_server_set_state_key(mcp_server_t *srv, const void *key, size_t len);

/* ------------------------------------------------------------------------------------------ */
/* Tasks: long-running tool calls the client polls                                            */
/* ------------------------------------------------------------------------------------------ */
/*
 * A tool flagged MCP_TOOL_TASK_OPTIONAL or MCP_TOOL_TASK_REQUIRED (its definition then says
 * `execution.taskSupport`) may run as a task: the tools/call request is answered at once with a
 * task handle, the handler carries on detached from the request, and the client polls for the
 * outcome. The handler is an ordinary tool handler — MCP_PENDING, MCP_TOOL_BLOCKING, progress
 * (the request's progressToken stays valid), logging and asking the client all work — and what
 * it completes the call with becomes the task's result.
 *
 * 2025-11-25 sessions (capability `tasks` with list, cancel and requests.tools.call): the client
 * decides, with `params.task` ({ttl}). A REQUIRED tool called without it, or an unflagged tool
 * called with it, gets -32601; older session revisions ignore `task`. Methods: tasks/get,
 * tasks/result (waits for the end, then answers exactly what tools/call would have, with
 * _meta["io.modelcontextprotocol/related-task"]), tasks/list (the session's own tasks),
 * tasks/cancel (-32602 on a finished task). The handler's questions (mcp_call_elicit_new & co.) go
 * to the client with the same _meta, on the stream of a waiting tasks/result (queued until one
 * arrives), and the task is `input_required` until they are answered; progress and log
 * notifications carry the _meta too; notifications/tasks/status reports every change. Tasks are
 * visible to the session that created them only (with --stateless HTTP, to whoever holds the
 * id: 128 random bits; tasks/list then lists nothing).
 *
 * 2026-07-28 requests declaring the extension "io.modelcontextprotocol/tasks" in their client
 * capabilities (the server lists it under capabilities.extensions): the server decides. The
 * call becomes a task when its handler returns MCP_PENDING without having asked anything, or
 * when the handler calls mcp_call_task_start(); a handler that answers at once answers the
 * request itself, and questions asked before the call is a task go back as input_required
 * (MRTR), so a tool can gather input first and then go asynchronous. Blocking tools become
 * tasks before they run. The client polls tasks/get (the result or error inlined at the end,
 * `inputRequests` while `input_required`), answers with tasks/update and cancels with
 * tasks/cancel (an ack, also on a finished task). A REQUIRED tool called without the extension
 * gets -32021; so do the tasks/ methods. There is no tasks/list and no tasks/result. A
 * subscriptions/listen request naming tasks in `notifications.taskIds` gets `notifications/tasks`
 * (the task as tasks/get shows it) at each change of a task it may reach (-32021 without the
 * extension).
 *
 * Status: working, input_required while questions are open, then completed, failed or
 * cancelled for good. A JSON-RPC error (mcp_call_fail_new(), a negative return) fails the task; a
 * tool error (mcp_call_tool_error()) fails it in 2025-11-25 and completes it (isError) in
 * 2026-07-28, as each revision says. Cancelling a task cancels its call (mcp_call_is_cancelled(),
 * the on-cancel callback); the handler must still complete it and what it built is dropped.
 * Questions keep MCP_LIMIT_REQUEST_TIMEOUT_MS. A task lives for its TTL from creation (the
 * client's ttl within [1 s, max], else the default), then is deleted, a running one cancelled
 * first; the tasks of a 2025 session that ended are cancelled and deleted; mcp_server_stop()
 * cancels every running task. Everything here is for the loop thread.
 *
 * Who may reach a task: the principal that created it (mcp_call_principal(), which the task's
 * handler keeps seeing) and, for a task created on a lasting session (2025 sessions, STDIO), that
 * session only. tasks/get, tasks/result, tasks/list, tasks/cancel and tasks/update from anyone
 * else are answered exactly as for an unknown id (-32602 "Task not found"). Without
 * authorization a 2026-07-28 HTTP request (and --stateless HTTP) has no one to bind the task to:
 * the task id (128 random bits) is then the capability, so hand it only to whoever may act on
 * the task, or enable authorization.
 */

/**
 * 2026-07-28: make this tools/call a task now (answering the request with the task handle), e.g.
 * before asking so that the question is answered through tasks/update. Returns MCP_OK (it is a
 * task now, or already was), MCP_ESTATE (cannot: not a flagged tool, the request did not
 * declare the extension, a 2025 client did not ask for a task, questions are pending as
 * input_required, not on the loop thread), MCP_ELIMIT (too many tasks) or MCP_ENOMEM.
 */
MCP_API int mcp_call_task_start(mcp_call_t *call);
/** The id of the task the call runs as, or NULL. Valid while the call is. */
MCP_API const char *mcp_call_task_id(const mcp_call_t *call);
/** Set the task's `statusMessage` (NULL clears it); 2025 clients get a status notification.
 * MCP_OK, MCP_ESTATE (the call is not a task) or MCP_ENOMEM. */
MCP_API int mcp_call_task_message(mcp_call_t *call, const char *message);
/**
 * Task limits; 0 keeps a value. Defaults: ttl 1 hour when the client names none, at most 24 hours
 * (at least 1 s), pollInterval 1000 ms, 1000 tasks kept at once (a 2025 task beyond that is
 * refused with -32000 "Server busy: too many tasks"; a 2026 call then stays an ordinary
 * request). The same happens to one client past MCP_LIMIT_TASKS_PER_CLIENT (default 100) tasks
 * kept at once, finished ones included until their TTL ends: a client is its authenticated
 * principal (all its sessions and requests), else its session; unauthenticated 2026 HTTP
 * requests, which have neither, share one quota. MCP_OK, MCP_EINVAL, MCP_ENOMEM.
 */
MCP_API int mcp_server_set_task_limits(mcp_server_t *srv, unsigned long long default_ttl_ms,
                                       unsigned long long max_ttl_ms, unsigned poll_interval_ms,
                                       size_t max_tasks);

/* ------------------------------------------------------------------------------------------ */
/* HTTP: Streamable HTTP (2025-03-26 and later, both eras on one endpoint) and legacy HTTP+SSE  */
/* ------------------------------------------------------------------------------------------ */
/*
 * Both run on libmicrohttpd driven from the server's loop: no thread of their own, every handler
 * still runs on the loop thread. Zero in any field of mcp_http_opts_t means its default, so
 * `mcp_http_opts_t o = {0}; o.port = 8080;` is a complete configuration. Strings are copied by
 * the listen functions; the struct may live on the stack. SIGPIPE is set to be ignored
 * (process-wide, as in STDIO mode).
 *
 * Safe defaults: bound to 127.0.0.1; a request whose Origin is present and not allowed gets 403
 * (allowed: http(s)://localhost, 127.0.0.1 and [::1] with any port, plus `allowed_origins`);
 * on a loopback bind a Host that is not loopback gets 403 (DNS rebinding); bodies over the limit
 * get 413 (from Content-Length before reading, or while reading a chunked body); idle connections
 * time out; a request trickled in too slowly is cut at `request_deadline_ms` (slowloris);
 * connections per client address and in total are capped; SSE streams get a keep-alive
 * comment at least every `keepalive_ms` so that dead ones are reaped (a reset or failed write
 * means the client is gone; a FIN after a complete request is a half-close and the reply is
 * still sent); sessions and SSE streams are capped per principal, and the output queued for a
 * client that reads slowly is capped per stream (max_stream_buffer). README.md "What is
 * bounded" lists every limit.
 *
 * Authorization (MCP 2025-06-18+: the server is an OAuth 2.1 resource server). Off unless
 * `bearer_token` or `authorize` is set; then every request (POST, GET, DELETE, both transports)
 * needs `Authorization: Bearer <token>`, checked after Origin/Host and before any session lookup
 * or body: none (or another scheme) -> 401 `WWW-Authenticate: Bearer resource_metadata="...",
 * scope="..."`; a token that does not validate -> 401 with error="invalid_token"; the validator
 * wants more scope -> 403 error="insufficient_scope"; a malformed header, several Authorization
 * headers or an `access_token` in the query string -> 400. With `authorization_servers` set, the
 * RFC 9728 Protected Resource Metadata is served (no token needed) at
 * /.well-known/oauth-protected-resource and /.well-known/oauth-protected-resource<path>.
 * A session is bound to the principal that created it: another principal's request naming it
 * gets 404, as for an unknown session. Tokens are never logged nor echoed in error bodies.
 * Setting authorization_servers, resource_metadata_url or scopes without a validator is refused
 * (MCP_EINVAL): advertising OAuth while letting everyone in helps no one.
 *
 * `authorize(token, method_path, &principal, userdata)` runs on the loop thread for each request,
 * before the body is read (keep it quick: cache introspection results). `token` is valid for the
 * call only; `method_path` is e.g. "POST /mcp". It MUST check that the token was issued for this
 * server (audience / RFC 8707 resource), is not expired and is already valid (nbf). Return 0 to
 * accept, with *principal set to a new reference naming the caller (e.g. {"sub":"alice",...}) or
 * left NULL; MCP_AUTH_INVALID_TOKEN for 401; MCP_AUTH_INSUFFICIENT_SCOPE for 403, where
 * *principal may be set to a JSON string of the scopes the request needs (for the challenge;
 * otherwise `scopes` is named). Sessions compare principals by "sub" (and "iss") when both have
 * a string "sub", else as whole JSON values.
 *
 * JWT and introspection, built in (instead of `authorize`, which may not be set with them):
 * `jwks_url` or `jwks_file` with `issuer` checks JWT access tokens (typ at+jwt or JWT) signed
 * RS256, PS256, ES256 or EdDSA (Ed25519) by a key of the JWK Set; "none" and HMAC are never
 * accepted. "iss" must equal `issuer`, "aud" hold `audience` (default: the resource URI, from
 * resource_metadata_url or else the request's origin and path), "exp" be present; exp, nbf and
 * iat are checked with `jwt_leeway_s`. The set is fetched on the server's loop (libcurl, loaded
 * on first use), cached for its Cache-Control max-age (1 min..1 day), refetched when a token
 * names an unknown kid (at most once per `jwks_min_interval_s`). `introspection_url` asks an RFC
 * 7662 endpoint about opaque tokens instead (HTTP Basic with the client credentials; an
 * inactive, expired, or other-audience token is refused). Requests waiting for a fetch are
 * suspended, never blocking the loop. Verified tokens are cached by their SHA-256 until they
 * expire (introspection answers 5 min at most). The principal is the token's claims ("scope" a
 * space-separated string; "client_id" from "azp" when absent). A token that does not verify: 401
 * invalid_token; keys or introspection unavailable (unreachable, timeout, not a JWK Set): 503 +
 * Retry-After (fail closed). Listening fails with MCP_EINVAL when the configuration is
 * incomplete, the JWK Set file has no usable key, or libcrypto cannot be loaded.
 */

/* What an `authorize` callback returns besides 0 (any other value also counts as 401). */
#define MCP_AUTH_INVALID_TOKEN      401 /* missing, malformed, expired, wrong audience: 401 */
#define MCP_AUTH_INSUFFICIENT_SCOPE 403 /* valid, but without the scope the request needs: 403 */

typedef struct mcp_http_opts {
    const char *host;         /* bind address (numeric or name); NULL = "127.0.0.1" */
    unsigned port;            /* TCP port; 0 = any free port (see mcp_server_http_port()) */
    const char *path;         /* Streamable HTTP endpoint (default "/mcp"); legacy: the SSE
                                 path (default "/sse") */
    const char *message_path; /* legacy only: the POST path (default "/message") */
    int stateless;            /* no sessions for 2025-era clients either: every POST is served
                                 on its own (MCP-Protocol-Version header, default 2025-03-26).
                                 What needs a lasting session is then not offered to them:
                                 initialize advertises no resources.subscribe, no listChanged
                                 and no logging; resources/subscribe, resources/unsubscribe and
                                 logging/setLevel get -32601, no log notifications are sent,
                                 and asking the client fails with MCP_ENOTSUP. 2026-07-28
                                 requests are stateless anyway and keep every feature */
    int json_response;        /* always answer a POST with application/json, never SSE (messages
                                 sent before the reply go to the GET stream or are dropped) */
    int disable_get;          /* 405 for GET: no standalone SSE stream */
    const char *const *allowed_origins; /* NULL-terminated extra Origin values ("*" = any) */
    int cors;                  /* answer CORS preflights, expose Mcp-Session-Id (off by default) */
    const char *tls_cert_file; /* PEM files: both set = HTTPS */
    const char *tls_key_file;
    size_t max_body_bytes;         /* default: the server's MCP_LIMIT_MESSAGE_BYTES (4 MiB) */
    unsigned max_sessions;         /* default 10000; when full the least recently active session is
                                      evicted if idle for session_evict_idle_ms, else initialize gets
                                      503 + Retry-After */
    unsigned session_timeout_ms;   /* idle sessions expire (default 30 min) */
    unsigned max_connections;      /* default 10000 */
    unsigned max_per_ip;           /* connections per client address (default 64) */
    unsigned connection_timeout_s; /* an idle non-SSE connection closes (default 10 s) */
    size_t connection_memory;      /* per-connection buffer: bounds request headers (431 past
                                      it) and each idle SSE stream's cost (default 16 KiB) */
    unsigned max_streams_per_session; /* open SSE GET streams per session (default 4; 409) */
    unsigned max_streams;             /* open SSE streams in total (default 20000; 503) */
    unsigned keepalive_ms;            /* SSE keep-alive period (default 15000) */
    unsigned retry_ms;                /* SSE `retry:` advice to clients (default 3000) */
    size_t event_store_bytes; /* resumability: events kept for Last-Event-ID (default 8 MiB) */
    unsigned grace_ms;        /* on stop, in-flight requests get this long (default 5000) */
    /* Authorization (see above); all NULL = none. */
    const char *bearer_token; /* a static shared secret (RFC 6750 token characters),
                                 compared in constant time; read it from the environment
                                 or a file, never from the command line */
    int (*authorize)(const char *token, const char *method_path, json_t **principal,
                     void *userdata);  /* a custom validator (see above), tried when
                                       bearer_token is unset or does not match */
    void *authorize_userdata;          /* its last argument */
    const char *resource_metadata_url; /* absolute URL of the Protected Resource Metadata as
                                      clients reach it (behind a proxy, the public one), e.g.
                                      https://mcp.example.com/.well-known/oauth-protected-resource
                                      /mcp; the resource URI is that URL without the well-known
                                      part (RFC 9728 §3.1). NULL: built from Host and `path` */
    const char *authorization_servers; /* comma-separated issuer URLs: serve the metadata
                                      (NULL: none served, 401s name no resource_metadata) */
    const char *scopes;                /* space-separated: scopes_supported, and the `scope` of
                                          challenges */
    unsigned request_deadline_ms;      /* a request's headers and body must all arrive within this
                                          (default 30000), counted from the connection's accept, or
                                          on a kept-alive connection from the previous response's
                                          end; past it: in the headers the connection is closed, in
                                          the body 408 + JSON-RPC error (plain HTTP; TLS: closed).
                                          Handling the request and SSE streams are not limited */
    size_t max_stream_buffer;       /* bytes queued for one SSE stream whose client reads too slowly
                                       (default 1 MiB; one event always fits an empty queue). Past it
                                       a Streamable HTTP stream is ended (its events stay in the
                                       event store: the client resumes with Last-Event-ID); a legacy
                                       SSE session's POSTs get 503 + Retry-After, and at twice the
                                       limit its stream is closed */
    unsigned session_evict_idle_ms; /* with max_sessions reached, only a session idle this long
                                       (and with no call or stream open) may be evicted to make
                                       room (default 60000) */
    /* Per principal: the one the bearer token names (authorize callback), else the client's
     * address (no authorization, or a static bearer_token). Past these: 429 + Retry-After. */
    unsigned max_sessions_per_principal; /* sessions (both transports; default 1000) */
    unsigned max_streams_per_principal;  /* open SSE streams (default 256); a POST whose reply
                                            would become a stream past it is answered with JSON */
    int reuse_port; /* Streamable HTTP only: bind with SO_REUSEPORT, so several processes of one
                       user listen on the same host and port and the kernel spreads new
                       connections over them (mcp_server_main()'s --workers uses it) */
    /* Built-in token validators (see "JWT and introspection" above); one of jwks_url, jwks_file
     * and introspection_url. Strings are copied. */
    const char *jwks_url;  /* the authorization server's JWK Set (https; http only to a
                              loopback host), fetched on the loop and cached (Cache-Control
                              max-age, 1 min..1 day) */
    const char *jwks_file; /* or a JWK Set file, read at start (and again on an unknown kid) */
    const char *issuer;    /* "iss" every token must name (required with a JWK Set) */
    const char *audience;  /* "aud" every token must hold; NULL: the resource URI (from
                              resource_metadata_url, else this request's origin and path) */
    unsigned jwt_leeway_s; /* clock skew allowed on exp/nbf/iat (default 60) */
    unsigned jwks_min_interval_s;            /* an unknown kid refetches the set at most this often
                                                (default 30) */
    const char *introspection_url;           /* RFC 7662 endpoint for opaque tokens (https;
                                                http only to a loopback host) */
    const char *introspection_client_id;     /* its client credentials (HTTP Basic) */
    const char *introspection_client_secret; /* read it from the environment, never argv */
    unsigned introspection_timeout_ms;       /* default 5000; past it: 503 */
} mcp_http_opts_t;

/**
 * Who the bearer token of the call's request names: the principal the validator returned (an
 * `authorize` callback's; the built-in verifiers' is the token's claims). On a 2025-era session
 * it is always the caller that created the session (a session is only served to that principal,
 * compared by "iss"/"sub"), as its latest token describes it: after a step-up the new token's
 * scopes count at once. A task's handler keeps the principal of the request that started it.
 * NULL without authorization, with a static bearer_token, or when the callback named no one.
 *
 * Ownership: borrowed reference, valid as long as the call. Thread: any (it never changes).
 */
MCP_API const json_t *mcp_call_principal(const mcp_call_t *call);

/*
 * Required scopes. A tool, resource, resource template or prompt may name the OAuth scopes a
 * caller needs (`.scopes`: space-separated scope tokens, every one required; checked at
 * registration, MCP_EINVAL for a character RFC 6749 does not allow). They apply only on HTTP
 * with authorization on (a validator: jwks_url, jwks_file, introspection_url, an `authorize`
 * callback, or bearer_token); over STDIO, and over HTTP without a validator, `.scopes` do not
 * apply and everything is served.
 *
 * The principal (mcp_call_principal()) grants the scopes of its "scope" claim (a space-separated
 * string, as JWT access tokens (RFC 9068) and introspection (RFC 7662) carry it) or, without one,
 * of its "scp" claim (an array of strings, or a string). A static `bearer_token` names no
 * principal and grants no scope (fail closed): an item with scopes is then served to no one.
 *
 * - tools/call, prompts/get, resources/read and completion/complete (for a scoped prompt or
 *   template) by a principal lacking a scope: Streamable HTTP answers 403 with
 *   `WWW-Authenticate: Bearer error="insufficient_scope", scope="<the item's scopes>",
 *   resource_metadata="<url>"` (MCP 2025-11-25 step-up: the client asks its authorization server
 *   for a token with those scopes and retries), in both eras; the body is the JSON-RPC error
 *   (-32000, data {"scope": "<the item's scopes>"}) with the request's id. Where no status can
 *   be chosen (legacy HTTP+SSE, a 2025-03-26 batch, a POST already answering as an SSE stream),
 *   the JSON-RPC error alone is sent.
 * - tools/list, resources/list, resources/templates/list and prompts/list show a principal only
 *   what it may use (hidden, not marked: a model is never offered a tool it cannot call); pages
 *   stay full and cursors stay valid. With scoped items such a 2026-07-28 list result has
 *   cacheScope "private". A client that steps up sees more after a new list call.
 */

/**
 * 1 when the call may use what needs `scope`: the principal grants it, or authorization is off
 * (STDIO, HTTP without a validator), where scopes do not apply (as for `.scopes`); else 0 (no
 * principal, a static bearer_token, a principal without the scope, NULL or empty `scope`).
 * Thread: any (like mcp_call_principal()).
 */
MCP_API int mcp_call_has_scope(const mcp_call_t *call, const char *scope);
/** The principal's "sub" claim (the subject), or NULL. Borrowed, valid as long as the call. */
MCP_API const char *mcp_call_subject(const mcp_call_t *call);
/** The principal's OAuth client: its "client_id" claim, else "azp", or NULL. Borrowed, valid as
 * long as the call. */
MCP_API const char *mcp_call_client_id(const mcp_call_t *call);
/**
 * The scopes the principal grants, as an array of strings (from "scope", else "scp"); empty
 * without a principal or scopes. Ownership: new reference (NULL only when out of memory).
 */
MCP_API json_t *mcp_call_scopes(const mcp_call_t *call);

/**
 * Serve Streamable HTTP (POST/GET/DELETE on one endpoint) on the server's loop (a private one is
 * created when none is attached). `opts` may be NULL (all defaults) and is copied. Call
 * mcp_server_run() (or run the attached loop) to serve. Returns MCP_OK, MCP_EINVAL (bad option,
 * unreadable TLS files, no TLS in libmicrohttpd), MCP_EIO (cannot bind; a line is logged) or
 * MCP_ENOMEM.
 */
MCP_API int mcp_server_listen_http(mcp_server_t *srv, const mcp_http_opts_t *opts);

/**
 * Serve the legacy HTTP+SSE transport (protocol 2024-11-05 clients): GET `path` opens a stream
 * whose first event names the POST URL; responses arrive on that stream. Same options and
 * returns as mcp_server_listen_http(); may run beside it on another port.
 */
MCP_API int mcp_server_listen_sse(mcp_server_t *srv, const mcp_http_opts_t *opts);

/** The TCP port a started HTTP (legacy == 0) or HTTP+SSE (legacy != 0) transport listens on,
 * or 0 when none is running. */
MCP_API unsigned mcp_server_http_port(mcp_server_t *srv, int legacy);

/**
 * Run the server's private loop for every transport started with mcp_server_listen_*() until
 * they all close (mcp_server_stop(), or STDIO's EOF). Blocking; loop thread = calling thread.
 * Returns MCP_OK, or MCP_ESTATE when nothing was started or the loop is attached (the caller
 * runs an attached loop itself).
 */
MCP_API int mcp_server_run(mcp_server_t *srv);

#ifdef __cplusplus
}
#endif
#endif /* MCP_H */
