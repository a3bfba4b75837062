/*
 * The feature demo: what the conformance suite does not call but libmcp offers, one small tool,
 * resource or prompt per feature (see each function's comment).
 */
#include "everything.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- plain tools ----------------------------------------------------------------------------- */

static int echo(mcp_call_t *call, const json_t *args, void *ud)
{
    const json_t *m = json_object_get(args, "message");
    (void)ud;
    return mcp_call_text(call, "Echo: %s", json_string_value(m));
}

/* Needs the scope "everything:admin" (.scopes) when served over HTTP with authorization on:
 * a caller without it does not see it in tools/list and gets 403 insufficient_scope (step-up). */
static int whoami_admin(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *sub = mcp_call_subject(call), *client = mcp_call_client_id(call);
    (void)args;
    (void)ud;
    return mcp_call_text(call, "admin: subject %s, client %s", sub ? sub : "(none)",
                         client ? client : "(none)");
}

static int add(mcp_call_t *call, const json_t *args, void *ud)
{
    double a = json_number_value(json_object_get(args, "a"));
    double b = json_number_value(json_object_get(args, "b"));
    (void)ud;
    return mcp_call_text(call, "The sum of %g and %g is %g.", a, b, a + b);
}

/* A tool error the model can act on (isError: true) versus a protocol error (-32602). */
static int divide(mcp_call_t *call, const json_t *args, void *ud)
{
    double a = json_number_value(json_object_get(args, "dividend"));
    double b = json_number_value(json_object_get(args, "divisor"));
    (void)ud;
    if (!isfinite(a) || !isfinite(b))
        return mcp_call_fail_new(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                             "Invalid params: numbers must be finite");
    if (b == 0)
        return mcp_call_tool_error(call, "Cannot divide %g by zero; pick another divisor.", a);
    return mcp_call_text(call, "%g", a / b);
}

/* Structured output: outputSchema + structuredContent (libmcp adds the JSON text block). */
static int get_weather(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *city = json_string_value(json_object_get(args, "city"));
    unsigned h = 5381;
    const char *p;
    static const char *const sky[] = {"sunny", "cloudy", "rainy", "windy", "snowy"};
    (void)ud;
    for (p = city; *p; p++)
        h = h * 33u + (unsigned char)*p; /* made-up but stable weather per city */
    return mcp_call_structured_new(call,
                                   json_pack("{s:s, s:f, s:s, s:i}", "city", city, "temperature",
                                             (double)(h % 350) / 10.0 - 5.0, "conditions",
                                             sky[h % 5], "humidity", (int)(30 + h % 60)));
}

/* What the request looks like from inside a handler: the same on both eras. */
static int request_context(mcp_call_t *call, const json_t *args, void *ud)
{
    const json_t *info = mcp_call_client_info(call);
    const json_t *meta = mcp_call_meta(call);
    char *caps = json_dumps(mcp_call_client_capabilities(call), JSON_COMPACT);
    char *client = info ? json_dumps(info, JSON_COMPACT) : NULL;
    char *m = meta ? json_dumps(meta, JSON_COMPACT) : NULL;
    int rc;
    (void)args, (void)ud;
    rc = mcp_call_text(call, "method=%s protocol=%s client=%s capabilities=%s _meta=%s",
                       mcp_call_method(call), mcp_call_protocol_version(call),
                       client ? client : "(unknown)", caps ? caps : "{}", m ? m : "(none)");
    free(caps);
    free(client);
    free(m);
    return rc;
}

/* ---- content blocks: resource links, annotations --------------------------------------------- */

static int resource_links(mcp_call_t *call, const json_t *args, void *ud)
{
    static const char *const uris[][3] = {
        {"test://static-text", "static-text", "text/plain"},
        {"test://static-binary", "static-binary", "image/png"},
        {"test://watched-resource", "watched-resource", "text/plain"},
        {"test://template/7/data", "template-7", "application/json"},
        {"demo://readme", "readme", "text/markdown"},
    };
    json_int_t n = json_is_integer(json_object_get(args, "count"))
                       ? json_integer_value(json_object_get(args, "count"))
                       : 3;
    json_int_t i;
    int rc;
    (void)ud;
    rc = mcp_call_text(call, "Here are %d resource links:", (int)n);
    for (i = 0; rc == MCP_OK && i < n && i < 5; i++)
        rc = mcp_call_resource_link(call, uris[i][0], uris[i][1], uris[i][2]);
    return rc;
}

static int annotated_message(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *kind = json_string_value(json_object_get(args, "messageType"));
    int image = json_is_true(json_object_get(args, "includeImage"));
    json_t *block;
    int rc;
    (void)ud;
    if (strcmp(kind, "error") == 0)
        block = json_pack("{s:s, s:s, s:{s:[s, s], s:f}}", "type", "text", "text",
                          "Error: operation failed", "annotations", "audience", "user", "assistant",
                          "priority", 1.0);
    else if (strcmp(kind, "success") == 0)
        block = json_pack("{s:s, s:s, s:{s:[s], s:f}}", "type", "text", "text",
                          "Operation completed successfully", "annotations", "audience", "user",
                          "priority", 0.7);
    else
        block = json_pack("{s:s, s:s, s:{s:[s], s:f}}", "type", "text", "text",
                          "Debug: cache hit ratio 0.95, latency 150 ms", "annotations", "audience",
                          "assistant", "priority", 0.3);
    rc = mcp_call_content_new(call, block);
    if (rc == MCP_OK && image) {
        char *b64 = ev_base64(ev_png, ev_png_len);
        rc = b64 ? mcp_call_content_new(call,
                                        json_pack("{s:s, s:s, s:s, s:{s:[s], s:f, s:s}}", "type",
                                                  "image", "data", b64, "mimeType", "image/png",
                                                  "annotations", "audience", "user", "priority",
                                                  0.5, "lastModified", "2025-01-01T00:00:00Z"))
                 : MCP_ENOMEM;
        free(b64);
    }
    return rc;
}

/* ---- logging -----------------------------------------------------------------------------------
 */

/* One notification per level; the client's logging/setLevel decides which arrive. */
static int log_all_levels(mcp_call_t *call, const json_t *args, void *ud)
{
    int level;
    (void)args, (void)ud;
    for (level = MCP_LOG_DEBUG; level <= MCP_LOG_EMERGENCY; level++)
        mcp_call_log_json_new(
            call, (mcp_log_level)level, "log_all_levels",
            json_pack("{s:s, s:i}", "message", "a message at this level", "level", level));
    return mcp_call_text(call, "Sent one log message per level (debug .. emergency).");
}

/* To every initialized 2025-era session, not just this call's client. */
static int broadcast_log(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *m = json_string_value(json_object_get(args, "message"));
    (void)ud;
    mcp_server_log_clients(mcp_call_server(call), MCP_LOG_NOTICE, "broadcast", "%s", m);
    return mcp_call_text(call, "Broadcast: %s", m);
}

static int notify_updated(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *uri = json_string_value(json_object_get(args, "uri"));
    int rc = mcp_server_resource_updated(mcp_call_server(call), uri);
    (void)ud;
    if (rc != MCP_OK)
        return mcp_call_tool_error(call, "Could not notify: %s", mcp_strerror(rc));
    return mcp_call_text(call, "Subscribers of %s were told it changed.", uri);
}

/* ---- slow work: a blocking tool on the pool, a cancellable one on the loop ---------------------
 */

/* Plain blocking code (MCP_TOOL_BLOCKING runs it on the libuv thread pool), polling for
 * cancellation between slices. */
static int blocking_sleep(mcp_call_t *call, const json_t *args, void *ud)
{
    json_int_t ms = json_integer_value(json_object_get(args, "ms")), done = 0;
    (void)ud;
    while (done < ms && !mcp_call_is_cancelled(call)) {
        json_int_t slice = ms - done < 10 ? ms - done : 10;
        struct timespec ts = {0, (long)slice * 1000000L};
        nanosleep(&ts, NULL);
        done += slice;
        if (done % 100 == 0)
            mcp_call_progress(call, (double)done, (double)ms, NULL);
    }
    if (mcp_call_is_cancelled(call))
        return mcp_call_text(call, "Cancelled after %lld ms.", (long long)done);
    return mcp_call_text(call, "Slept %lld ms on a pool thread.", (long long)done);
}

struct long_op {
    uv_timer_t timer;
    mcp_call_t *call;
    int step, steps;
    int cancelled;
};

static void long_op_closed(uv_handle_t *h)
{
    free(h->data);
}

static void long_op_finish(struct long_op *op)
{
    if (op->cancelled)
        mcp_call_text(op->call, "Cancelled at step %d of %d.", op->step, op->steps);
    else
        mcp_call_text(op->call, "Long running operation completed: %d steps.", op->steps);
    mcp_call_complete(op->call); /* a cancelled call's reply is dropped by libmcp */
    uv_timer_stop(&op->timer);
    uv_close((uv_handle_t *)&op->timer, long_op_closed);
}

static void long_op_tick(uv_timer_t *t)
{
    struct long_op *op = t->data;
    char msg[64];
    op->step++;
    snprintf(msg, sizeof msg, "Step %d of %d", op->step, op->steps);
    mcp_call_progress(op->call, op->step, op->steps, msg);
    if (op->step >= op->steps)
        long_op_finish(op);
}

static void long_op_cancel(mcp_call_t *call, void *ud)
{
    struct long_op *op = ud;
    (void)call;
    op->cancelled = 1;
    long_op_finish(op);
}

static int long_running(mcp_call_t *call, const json_t *args, void *ud)
{
    double duration = json_is_number(json_object_get(args, "duration"))
                          ? json_number_value(json_object_get(args, "duration"))
                          : 5;
    int steps = json_is_integer(json_object_get(args, "steps"))
                    ? (int)json_integer_value(json_object_get(args, "steps"))
                    : 5;
    struct long_op *op = calloc(1, sizeof *op);
    uint64_t period;
    (void)ud;
    if (!op)
        return MCP_ENOMEM;
    op->call = call;
    op->steps = steps;
    period = (uint64_t)(duration * 1000.0 / steps);
    if (period == 0)
        period = 1; /* a repeat of 0 would mean "fire once" */
    uv_timer_init(mcp_server_loop(mcp_call_server(call)), &op->timer);
    op->timer.data = op;
    uv_timer_start(&op->timer, long_op_tick, period, period);
    mcp_call_on_cancel(call, long_op_cancel, op);
    return MCP_PENDING;
}

/* ---- asking the client: roots, sampling (with tools), URL elicitation --------------------------
 */

static void roots_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    const json_t *r = ev_gather_answer(g, "roots");
    size_t i;
    json_t *root;
    (void)ud;
    if (!r) {
        mcp_call_tool_error(call, "Could not list roots: %s", ev_gather_failure(g, "roots"));
    } else {
        mcp_call_text(
            call, "The client shares %zu root(s):", json_array_size(json_object_get(r, "roots")));
        json_array_foreach(json_object_get(r, "roots"), i, root)
            mcp_call_resource_link(call, json_string_value(json_object_get(root, "uri")),
                                   json_string_value(json_object_get(root, "name"))
                                       ? json_string_value(json_object_get(root, "name"))
                                       : "root",
                                   NULL);
    }
    mcp_call_complete(call);
}

static int list_roots(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, roots_done, NULL, NULL);
    (void)args, (void)ud;
    ev_gather_roots(g, "roots");
    return ev_gather_end(g);
}

static void sample_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    const json_t *r = ev_gather_answer(g, "llm");
    (void)ud;
    if (!r)
        mcp_call_tool_error(call, "Sampling failed: %s", ev_gather_failure(g, "llm"));
    else
        mcp_call_text(call, "The client's model (%s) said: %s (stop reason: %s)",
                      json_string_value(json_object_get(r, "model"))
                          ? json_string_value(json_object_get(r, "model"))
                          : "?",
                      ev_sample_text(r),
                      json_string_value(json_object_get(r, "stopReason"))
                          ? json_string_value(json_object_get(r, "stopReason"))
                          : "none");
    mcp_call_complete(call);
}

static int sample_llm(mcp_call_t *call, const json_t *args, void *ud)
{
    const json_t *max = json_object_get(args, "maxTokens");
    ev_gather *g = ev_gather_new(call, sample_done, NULL, NULL);
    (void)ud;
    ev_gather_sample(g, "llm",
                     json_pack("{s:[{s:s, s:{s:s, s:O}}], s:s, s:{s:[{s:s}], s:f, s:f, s:f}, s:I}",
                               "messages", "role", "user", "content", "type", "text", "text",
                               json_object_get(args, "prompt"), "systemPrompt",
                               "You are a helpful assistant.", "modelPreferences", "hints", "name",
                               "claude", "costPriority", 0.3, "speedPriority", 0.5,
                               "intelligencePriority", 0.8, "maxTokens",
                               json_is_integer(max) ? json_integer_value(max) : (json_int_t)100));
    return ev_gather_end(g);
}

/* 2025-11-25 sampling with tools: needs the client's sampling.tools capability. */
static int sample_with_tools(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, sample_done, NULL, NULL);
    json_t *p =
        ev_json("{\"maxTokens\":200,\"toolChoice\":{\"mode\":\"auto\"},\"tools\":[{\"name\":"
                "\"get_time\",\"description\":\"The current UTC time\",\"inputSchema\":{\"type\":"
                "\"object\",\"properties\":{}}}]}");
    (void)ud;
    json_object_set_new(p, "messages",
                        json_pack("[{s:s, s:{s:s, s:O}}]", "role", "user", "content", "type",
                                  "text", "text", json_object_get(args, "prompt")));
    ev_gather_sample(g, "llm", p);
    return ev_gather_end(g);
}

static void url_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    const json_t *r = ev_gather_answer(g, "url");
    const char *action = json_string_value(json_object_get(r, "action"));
    if (!r) {
        mcp_call_tool_error(call, "URL elicitation failed: %s", ev_gather_failure(g, "url"));
    } else {
        mcp_call_text(call, "The user's answer to the URL request: %s", action ? action : "?");
        /* 2025-11-25: once the user is done in the browser, the server says so */
        if (ud && action && strcmp(action, "accept") == 0)
            ev_elicitation_complete_later(mcp_call_server(call), ud, 50);
    }
    mcp_call_complete(call);
}

/* URL-mode elicitation: the user completes something out of band in a browser. A 2025-11-25
 * request names it with an elicitationId, and the server announces its end with
 * notifications/elicitation/complete; 2026-07-28 removed both (the client simply retries). */
static int elicit_url(mcp_call_t *call, const json_t *args, void *ud)
{
    static unsigned seq;
    char id[32];
    const json_t *url = json_object_get(args, "url");
    bool modern = strcmp(mcp_call_protocol_version(call), MCP_PROTOCOL_2026_07_28) == 0;
    char *keep = NULL;
    json_t *p = json_pack("{s:s, s:s, s:s}", "mode", "url", "message",
                          "Please open this page to authorize the demo.", "url",
                          json_is_string(url) ? json_string_value(url)
                                              : "https://example.com/authorize");
    ev_gather *g;
    (void)ud;
    if (!modern) {
        snprintf(id, sizeof id, "everything-%u", ++seq);
        json_object_set_new(p, "elicitationId", json_string(id));
        keep = strdup(id);
    }
    g = ev_gather_new(call, url_done, keep, free);
    ev_gather_elicit(g, "url", p);
    return ev_gather_end(g);
}

/* ---- resources and prompts ---------------------------------------------------------------------
 */

static const char readme[] =
    "# mcp-everything\n\n"
    "A libmcp server exercising every MCP server feature: tools (text, image, audio, embedded\n"
    "resources, resource links, structured output, errors, progress, logging, cancellation),\n"
    "resources (static, binary, templates, subscriptions), prompts (arguments, completion,\n"
    "embedded content) and asking the client (sampling, elicitation, roots) on both protocol\n"
    "eras: 2025 sessions and 2026-07-28 stateless requests.\n";

static int greeting(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    char text[300];
    (void)ud;
    snprintf(text, sizeof text, "Hello, %s!", json_string_value(json_object_get(vars, "name")));
    mcp_call_set_cache(call, 60000, MCP_CACHE_PUBLIC); /* 2026-07-28: fresh for a minute */
    return mcp_call_resource_text(call, uri, "text/plain", text);
}

static int name_complete(mcp_call_t *call, const char *argument, const char *value,
                         const json_t *context, void *ud)
{
    static const char *const names[] = {"Ada", "Alan", "Alice", "Bob", "Grace", "Linus"};
    size_t i;
    (void)argument, (void)context, (void)ud;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strncmp(names[i], value, strlen(value)) == 0)
            mcp_call_add_completion(call, names[i]);
    return MCP_OK;
}

static int code_review(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *lang = json_string_value(json_object_get(args, "language"));
    int rc;
    (void)ud;
    mcp_call_prompt_description(call, "Review a piece of code");
    rc = mcp_call_prompt_text(call, "user", "Please review this %s code:\n\n%s", lang ? lang : "",
                              json_string_value(json_object_get(args, "code")));
    if (rc == MCP_OK)
        rc = mcp_call_prompt_text(call, "assistant",
                                  "Sure. I will look at correctness first, then style.");
    if (rc == MCP_OK)
        rc = mcp_call_prompt_message_new(call, "user",
                                         json_pack("{s:s, s:s, s:s, s:s}", "type", "resource_link",
                                                   "uri", "demo://readme", "name", "readme",
                                                   "mimeType", "text/markdown"));
    return rc;
}

/* Completion with context: the suggestions for `language` depend on nothing, those for `code`
 * on the language already chosen (context.arguments). */
static int code_review_complete(mcp_call_t *call, const char *argument, const char *value,
                                const json_t *context, void *ud)
{
    static const char *const langs[] = {"c", "cpp", "go", "javascript", "python", "rust"};
    size_t i;
    (void)ud;
    if (strcmp(argument, "language") == 0) {
        for (i = 0; i < sizeof langs / sizeof langs[0]; i++)
            if (strncmp(langs[i], value, strlen(value)) == 0)
                mcp_call_add_completion(call, langs[i]);
    } else if (strcmp(argument, "code") == 0) {
        const char *lang = json_string_value(json_object_get(context, "language"));
        if (lang && strcmp(lang, "c") == 0)
            mcp_call_add_completion(call, "int main(void) { return 0; }");
        else if (lang && strcmp(lang, "python") == 0)
            mcp_call_add_completion(call, "print('hello')");
    }
    return MCP_OK;
}

/* ---- registration ------------------------------------------------------------------------------
 */

static const char icon_json[] =
    "[{\"src\":\"https://modelcontextprotocol.io/favicon.ico\",\"mimeType\":\"image/x-icon\","
    "\"sizes\":[\"any\"]}]";

static const mcp_tool_t tools[] = {
    {.name = "echo",
     .title = "Echo",
     .description = "Echoes back the message",
     .input_schema = "message: string 'The message to echo'",
     .handler = echo,
     .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT | MCP_TOOL_CLOSED_WORLD},
    {.name = "whoami_admin",
     .title = "Who am I (admin)",
     .description = "The caller's subject and OAuth client; needs the scope everything:admin "
                    "when authorization is on",
     .handler = whoami_admin,
     .flags = MCP_TOOL_READ_ONLY,
     .scopes = "everything:admin"},
    {.name = "add",
     .title = "Add",
     .description = "Adds two numbers",
     .input_schema = "a: number 'First number', b: number 'Second number'",
     .handler = add,
     .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT | MCP_TOOL_CLOSED_WORLD},
    {.name = "divide",
     .title = "Divide",
     .description = "Divides two numbers; dividing by zero is a tool error the model can fix",
     .input_schema = "dividend: number 'The number to divide', divisor: number 'What to divide by'",
     .handler = divide,
     .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT},
    {.name = "get_weather",
     .title = "Weather (made up)",
     .description = "Structured output: made-up but stable weather for a city",
     .input_schema = "city: string minLength=1 'City name'",
     .output_schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
                      "\"temperature\":{\"type\":\"number\",\"description\":\"Celsius\"},"
                      "\"conditions\":{\"type\":\"string\"},\"humidity\":{\"type\":\"integer\","
                      "\"minimum\":0,\"maximum\":100}},"
                      "\"required\":[\"city\",\"temperature\",\"conditions\",\"humidity\"]}",
     .handler = get_weather,
     .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT | MCP_TOOL_CLOSED_WORLD,
     .annotations = "{\"title\":\"Weather\"}",
     .icons = icon_json,
     .meta = "{\"io.github.libmcp/demo\":true}"},
    {.name = "request_context",
     .description = "Shows the request as a handler sees it: method, protocol revision, client "
                    "info, capabilities and _meta",
     .handler = request_context,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "get_resource_links",
     .description = "Returns resource_link content blocks pointing at this server's resources",
     .input_schema = "count?: integer min=1 max=5 default=3 'How many links (1-5)'",
     .handler = resource_links,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "annotated_message",
     .description = "Content blocks with annotations (audience, priority, lastModified)",
     .input_schema = "messageType: string enum=error|success|debug 'Kind of message', "
                     "includeImage?: boolean 'Add an annotated image'",
     .handler = annotated_message,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "log_all_levels",
     .description = "Sends one log notification per level; logging/setLevel filters them",
     .handler = log_all_levels},
    {.name = "broadcast_log",
     .description = "Sends a log notification to every connected session",
     .input_schema = "message: string 'What to log'",
     .handler = broadcast_log},
    {.name = "notify_resource_updated",
     .description = "Tells the subscribers of a resource that it changed",
     .input_schema = "uri: string 'The resource URI'",
     .handler = notify_updated},
    {.name = "blocking_sleep",
     .description = "Blocking code run on the thread pool (MCP_TOOL_BLOCKING); cancellable",
     .input_schema = "ms: integer min=0 max=60000 'How long to sleep, in milliseconds'",
     .handler = blocking_sleep,
     .flags = MCP_TOOL_BLOCKING | MCP_TOOL_READ_ONLY},
    {.name = "long_running_operation",
     .title = "Long Running Operation",
     .description = "Reports progress step by step from a timer; stops when cancelled",
     .input_schema = "duration?: number min=0 max=600 default=5 'Seconds in all', "
                     "steps?: integer min=1 max=1000 default=5 'Number of steps'",
     .handler = long_running},
    {.name = "list_roots",
     .description = "Asks the client for its roots (roots/list)",
     .handler = list_roots,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "sample_llm",
     .description = "Asks the client's model (sampling/createMessage) with model preferences",
     .input_schema = "prompt: string 'The prompt', maxTokens?: integer min=1 default=100 "
                     "'Most tokens to generate'",
     .handler = sample_llm},
    {.name = "sample_with_tools",
     .description = "Sampling that offers the model a tool (needs the client's sampling.tools)",
     .input_schema = "prompt: string 'The prompt'",
     .handler = sample_with_tools},
    {.name = "elicit_url",
     .description = "URL-mode elicitation: asks the user to complete a step in their browser",
     .input_schema = "url?: string format=uri 'The page to open'",
     .handler = elicit_url},
};

int ev_add_demo(mcp_server_t *srv, mcp_error_t *err)
{
    size_t i;
    int rc = MCP_OK;
    char *b64 = ev_base64(ev_png, ev_png_len), *png_icon;
    size_t len = b64 ? strlen(b64) + 96 : 0;

    /* an icon carried inline, as a data: URI */
    png_icon = b64 ? malloc(len) : NULL;
    if (!png_icon) {
        free(b64);
        return MCP_ENOMEM;
    }
    snprintf(png_icon, len,
             "[{\"src\":\"data:image/png;base64,%s\",\"mimeType\":\"image/png\","
             "\"sizes\":[\"16x16\"]}]",
             b64);
    free(b64);

    for (i = 0; rc == MCP_OK && i < sizeof tools / sizeof tools[0]; i++)
        rc = mcp_server_add_tool(srv, &tools[i], err);
    if (rc == MCP_OK)
        rc = mcp_server_add_resource(
            srv,
            &(mcp_resource_t){.uri = "demo://readme",
                              .name = "readme",
                              .title = "About mcp-everything",
                              .description = "What this server demonstrates",
                              .mime_type = "text/markdown",
                              .text = readme,
                              .annotations = "{\"audience\":[\"user\",\"assistant\"],"
                                             "\"priority\":0.8,"
                                             "\"lastModified\":\"2025-11-25T00:00:00Z\"}",
                              .icons = png_icon,
                              .size = (long long)(sizeof readme - 1),
                              /* 2026-07-28 cache hints: it never changes, and is the same
                               * for everyone */
                              .cache_ttl_ms = 3600000,
                              .cache_scope = MCP_CACHE_PUBLIC},
            err);
    if (rc == MCP_OK)
        rc = mcp_server_add_resource(
            srv,
            &(mcp_resource_t){.uri_template = "demo://greeting/{name}",
                              .name = "greeting",
                              .title = "Greeting",
                              .description = "A greeting for anyone (the name completes)",
                              .mime_type = "text/plain",
                              .handler = greeting,
                              .complete = name_complete},
            err);
    if (rc == MCP_OK)
        rc = mcp_server_add_prompt(
            srv,
            &(mcp_prompt_t){.name = "code_review",
                            .title = "Code Review",
                            .description = "Asks for a review of some code (arguments complete)",
                            .arguments = "code 'The code to review', language? 'Its language'",
                            .handler = code_review,
                            .icons = icon_json,
                            .complete = code_review_complete},
            err);
    free(png_icon);
    return rc;
}
