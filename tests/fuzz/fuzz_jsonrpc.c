/*
 * F-1 fuzz_jsonrpc: bytes -> mcp__server_receive() -> parse, classify, dispatch, handlers, reply,
 * on in-memory sessions of a server with 3 tools, 2 resource templates and 1 prompt (no sockets,
 * no threads; the server's own libuv loop only carries the timers of server->client requests).
 *
 * Each input is split at '\n' into at most MAX_LINES messages. Every input starts from the same
 * server state (see server_dirty()) and two new sessions:
 *   - session A (2025 era, stateful): every line as sent, in order (so a seed can initialize,
 *     send notifications/initialized, call tools and answer the server's elicitation/create);
 *   - session B (2026-07-28, stateless): every line turned into a 2026-07-28 request: a JSON
 *     object with a method keeps it (and its id; a request without a valid id gets one) and gets
 *     params._meta with io.modelcontextprotocol/protocolVersion "2026-07-28" (and
 *     clientCapabilities {"elicitation":{}} unless it carries an object); other JSON becomes
 *     the arguments of a tools/call; bytes that are no JSON become a resources/read URI, a
 *     completion value or a prompt argument.
 * FUZZ_TRACE=1 in the environment prints every message in and out (for writing seeds).
 * The text $STATE in a line is replaced by the last requestState the server returned in this
 * input (so a seed can retry a 2026 input_required call within one input), $TASK by the last
 * taskId. Before the sessions close, the server announces a resource update and logs to its
 * clients (the notifications a listen call or a subscription receives).
 *
 * Oracle beyond "no crash, no leak, no UB, bounded time":
 *   1. Every message the server sends is valid JSON-RPC: an object with "jsonrpc":"2.0" and
 *      either a non-empty string "method" (a notification, or a server->client request with a
 *      string/integer id) or an "id" with exactly one of "result" (an object) and "error"
 *      ({"code": integer, "message": string}). A batch reply is a non-empty array of such.
 *      Its serialization (mcp__jsonrpc_dump) parses back to an equal value.
 *   2. A response's id is null or the id of a message the client sent on that session, and no id
 *      is answered more often than the client sent it.
 *   3. A tool handler never runs with arguments that fail the tool's input schema: each handler
 *      re-validates its arguments with mcp_schema_validate(), and for every tools/call line whose
 *      arguments fail the schema (checked here before sending), the tool's run counter does not
 *      move. A prompt handler always gets its required argument; a resource handler gets the
 *      variables mcp__uritemplate_match() gives for its URI.
 *   4. After the session's listen calls are ended and the session closed, no call is left in
 *      flight, unless tasks exist (a tasks/result may wait until the task store's sweep timer
 *      removes the closed session's tasks): the server is then freed, which must end everything
 *      (LeakSanitizer checks).
 */
#include "server/server.h"

#include <stdint.h>

#define FAIL(...)                                                                          \
    do {                                                                                   \
        fprintf(stderr, "fuzz_jsonrpc: " __VA_ARGS__);                                     \
        fputc('\n', stderr);                                                               \
        abort();                                                                           \
    } while (0)

#define MAX_LINES 32
#define PV26 "2026-07-28"
#define META_VERSION "io.modelcontextprotocol/protocolVersion"
#define META_CAPS "io.modelcontextprotocol/clientCapabilities"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---- the server ------------------------------------------------------------------------- */

static bool trace; /* FUZZ_TRACE=1: print every message in and out (for writing seeds) */

typedef struct tool_def {
    const char *name;
    const char *input_schema;
    const char *output_schema;
    unsigned flags;
    json_t *schema; /* compiled once, for the oracle */
    unsigned runs;  /* handler runs in this input */
} tool_def;

static int tool_search(mcp_call_t *call, const json_t *args, void *ud);
static int tool_tag(mcp_call_t *call, const json_t *args, void *ud);
static int tool_deploy(mcp_call_t *call, const json_t *args, void *ud);

/* 1: arrays, enums, patterns, bounds, a nested object closed with additionalProperties */
static const char search_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"query\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":200,"
    "\"pattern\":\"^[^\\\\s].*$\"},"
    "\"mode\":{\"enum\":[\"fast\",\"deep\",null]},"
    "\"tags\":{\"type\":\"array\","
    "\"items\":{\"type\":\"string\",\"pattern\":\"^[a-z][a-z0-9-]*$\"},"
    "\"maxItems\":8,\"uniqueItems\":true},"
    "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,\"default\":10},"
    "\"score\":{\"type\":\"number\",\"exclusiveMinimum\":0,\"multipleOf\":0.5},"
    "\"filters\":{\"type\":\"object\",\"properties\":{"
    "\"after\":{\"type\":\"string\",\"format\":\"date\"},"
    "\"lang\":{\"type\":\"string\",\"pattern\":\"^[a-z]{2}(-[A-Z]{2})?$\"}},"
    "\"additionalProperties\":false}},"
    "\"required\":[\"query\"],\"additionalProperties\":false}";
static const char search_output[] =
    "{\"type\":\"object\",\"properties\":{\"hits\":{\"type\":\"integer\",\"minimum\":0}},"
    "\"required\":[\"hits\"]}";

/* 2: records (patternProperties, additionalProperties as a schema), oneOf, const, propertyNames */
static const char tag_schema[] =
    "{\"type\":\"object\",\"properties\":{"
    "\"labels\":{\"type\":\"object\",\"patternProperties\":{"
    "\"^[a-z][a-z0-9_.-]{0,62}$\":{\"type\":\"string\",\"maxLength\":64}},"
    "\"additionalProperties\":false,\"maxProperties\":16},"
    "\"counts\":{\"type\":\"object\",\"propertyNames\":{\"pattern\":\"^[A-Z]+$\"},"
    "\"additionalProperties\":{\"type\":\"integer\",\"minimum\":0}},"
    "\"target\":{\"oneOf\":[{\"type\":\"string\",\"pattern\":\"^urn:[a-z]+:\"},"
    "{\"type\":\"object\",\"properties\":{\"kind\":{\"const\":\"file\"},"
    "\"path\":{\"type\":\"string\",\"minLength\":1}},\"required\":[\"kind\",\"path\"],"
    "\"additionalProperties\":false}]}},"
    "\"required\":[\"labels\",\"target\"]}";

/* 3: nested objects, $ref into $defs, arrays of objects, prefixItems, enum, if/then */
static const char deploy_schema[] =
    "{\"type\":\"object\",\"$defs\":{\"service\":{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\",\"pattern\":\"^[a-z]+$\"},"
    "\"replicas\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":10},"
    "\"ports\":{\"type\":\"array\",\"items\":{\"type\":\"integer\",\"minimum\":1,"
    "\"maximum\":65535},\"minItems\":1}},\"required\":[\"name\"]}},"
    "\"properties\":{"
    "\"env\":{\"enum\":[\"dev\",\"staging\",\"prod\"]},"
    "\"services\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/service\"},"
    "\"minItems\":1,\"maxItems\":4},"
    "\"config\":{\"type\":\"object\",\"properties\":{"
    "\"db\":{\"type\":\"object\",\"properties\":{\"host\":{\"type\":\"string\"},"
    "\"port\":{\"type\":\"integer\"}},\"required\":[\"host\"]},"
    "\"flags\":{\"type\":\"array\",\"prefixItems\":[{\"type\":\"boolean\"},{\"type\":\"string\"}],"
    "\"items\":false}}},"
    "\"confirm\":{\"type\":\"boolean\"}},"
    "\"required\":[\"env\",\"services\"],"
    "\"if\":{\"properties\":{\"env\":{\"const\":\"prod\"}},\"required\":[\"env\"]},"
    "\"then\":{\"required\":[\"confirm\"]}}";

static tool_def tools[3] = {
    {"search", search_schema, search_output, MCP_TOOL_READ_ONLY, NULL, 0},
    {"tag", tag_schema, NULL, MCP_TOOL_IDEMPOTENT, NULL, 0},
    {"deploy", deploy_schema, NULL, MCP_TOOL_DESTRUCTIVE | MCP_TOOL_TASK_OPTIONAL, NULL, 0},
};
static mcp_tool_fn tool_fns[3] = {tool_search, tool_tag, tool_deploy};

static const char *const templates[2] = {"file:///logs/{date}{/path*}",
                                         "db://{table}/rows{?limit,offset}"};

static void check_args(tool_def *t, const json_t *args)
{
    char why[256];
    if (!json_is_object(args))
        FAIL("tool %s: handler got arguments that are not an object", t->name);
    if (mcp_schema_validate(t->schema, args, why, sizeof why) != MCP_OK) {
        char *a = json_dumps(args, JSON_COMPACT);
        FAIL("tool %s: handler ran with arguments failing its schema (%s): %.500s", t->name,
             why, a ? a : "?");
    }
    t->runs++;
}

static int tool_search(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *q;
    check_args(ud, args);
    q = json_string_value(json_object_get(args, "query"));
    mcp_call_progress(call, 0.5, 1.0, "searching");
    mcp_call_log(call, MCP_LOG_INFO, "search", "query %s", q ? q : "");
    if (q && strcmp(q, "bad output") == 0) /* structured content failing the output schema */
        return mcp_call_structured_new(call, json_pack("{s:s}", "hits", "many"));
    return mcp_call_structured_new(call,
                                   json_pack("{s:I}", "hits", (json_int_t)(q ? strlen(q) : 0)));
}

static int tool_tag(mcp_call_t *call, const json_t *args, void *ud)
{
    const json_t *target;
    check_args(ud, args);
    target = json_object_get(args, "target");
    if (json_is_object(target))
        mcp_call_resource_link(call, "file:///logs/today",
                               json_string_value(json_object_get(target, "path")), NULL);
    return mcp_call_text(call, "%zu labels", json_object_size(json_object_get(args, "labels")));
}

static void deploy_answer(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    (void)ud;
    if (status == MCP_ERETRY)
        return; /* 2026: the call ended with input_required; nothing to do */
    if (status == MCP_OK) {
        const char *action = json_string_value(json_object_get(result, "action"));
        mcp_call_text(call, "deploy: %s", action ? action : "?");
    } else {
        mcp_call_tool_error(call, "deploy: no answer (%d)", status);
    }
    mcp_call_complete(call);
}

/* deploy to staging answers later: the call is parked and completed at the end of the input
 * (a 2025-11-25 task-augmented call, or a 2026 one declaring the tasks extension, becomes a
 * task meanwhile; notifications/cancelled and tasks/cancel can reach it). */
#define MAX_PARKED 8
static struct parked {
    mcp_call_t *call;
    json_t *id;
} parked[MAX_PARKED];
static size_t nparked;

static bool still_parked(mcp_server_t *s, const struct parked *p)
{
    for (mcp__session *se = s->sessions; se; se = se->next)
        for (mcp_call_t *c = se->calls; c; c = c->next)
            if (c == p->call && c->state == MCP__CALL_PENDING && c->item &&
                c->item->fn.tool == tool_deploy && json_equal(c->id, p->id) && c->outreqs == 0)
                return true;
    return false;
}

static void complete_parked(mcp_server_t *s)
{
    for (size_t i = 0; i < nparked; i++) {
        if (still_parked(s, &parked[i]))
            mcp_call_complete(parked[i].call);
        json_decref(parked[i].id);
    }
    nparked = 0;
}

static int tool_deploy(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *env;
    check_args(ud, args);
    env = json_string_value(json_object_get(args, "env"));
    if (env && strcmp(env, "staging") == 0 && !json_is_true(json_object_get(args, "confirm")) &&
        nparked < MAX_PARKED) {
        parked[nparked].call = call;
        parked[nparked++].id = json_deep_copy(call->id);
        mcp_call_text(call, "staged");
        return MCP_PENDING;
    }
    if (json_is_true(json_object_get(args, "confirm"))) {
        json_t *q = json_pack("{s:s, s:{s:s, s:{s:{s:s}}}}", "message", "Deploy now?",
                              "requestedSchema", "type", "object", "properties", "ok", "type",
                              "boolean");
        int rc = mcp_call_elicit_new(call, q, deploy_answer, NULL);
        if (rc == MCP_OK)
            return MCP_PENDING;
        return mcp_call_tool_error(call, "cannot ask the client (%d)", rc);
    }
    mcp_call_log(call, MCP_LOG_DEBUG, "deploy", "env %s",
                 json_string_value(json_object_get(args, "env")));
    return mcp_call_text(call, "deployed %zu services",
                         json_array_size(json_object_get(args, "services")));
}

static int res_read(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    const char *tmpl = ud;
    json_t *m = mcp__uritemplate_match(tmpl, uri);
    const char *date;
    if (!m || !json_equal(m, (json_t *)vars))
        FAIL("resource handler of %s for %s got variables that match() does not give", tmpl, uri);
    json_decref(m);
    date = json_string_value(json_object_get(vars, "date"));
    if (date && strcmp(date, "missing") == 0)
        return mcp_call_fail_new(call, MCP_ERROR_RESOURCE_NOT_FOUND, NULL, "Resource not found: %s",
                             uri);
    if (tmpl == templates[1])
        return mcp_call_resource_blob(call, uri, "application/octet-stream", uri, strlen(uri));
    return mcp_call_resource_text(call, uri, "text/plain", "log line");
}

static int complete(mcp_call_t *call, const char *argument, const char *value,
                    const json_t *context, void *ud)
{
    static const char *const words[] = {"alpha", "beta", "gamma", "2026-01-01", "2026-07-28"};
    (void)argument;
    (void)ud;
    if (!json_is_object(context))
        FAIL("completion context is not an object");
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strncmp(words[i], value, strlen(value)) == 0)
            mcp_call_add_completion(call, words[i]);
    return mcp_call_set_completion_total(call, 5, 0);
}

static int prompt_review(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *code = json_string_value(json_object_get(args, "code"));
    const char *lang = json_string_value(json_object_get(args, "language"));
    (void)ud;
    if (!json_is_object(args) || !code)
        FAIL("prompt handler ran without its required string argument \"code\"");
    return mcp_call_prompt_text(call, "user", "Review this %s code:\n%s", lang ? lang : "", code);
}

static mcp_server_t *server_new(void)
{
    static const unsigned char key[32] = "fuzz_jsonrpc fixed state key...";
    mcp_server_t *srv = mcp_server_new("fuzz", "1.0");
    mcp_error_t err;
    if (!srv)
        return NULL;
    mcp_server_set_state_key(srv, key, sizeof key);
    mcp_server_set_limit(srv, MCP_LIMIT_PAGE_SIZE, 2); /* so that lists have cursors */
    for (int i = 0; i < 3; i++)
        if (mcp_server_add_tool(srv,
                                &(mcp_tool_t){.name = tools[i].name,
                                              .description = "a fuzzed tool",
                                              .input_schema = tools[i].input_schema,
                                              .output_schema = tools[i].output_schema,
                                              .handler = tool_fns[i],
                                              .userdata = &tools[i],
                                              .flags = tools[i].flags},
                                &err) != MCP_OK)
            FAIL("add tool %s: %s", tools[i].name, err.text);
    for (int i = 0; i < 2; i++)
        if (mcp_server_add_resource(srv,
                                    &(mcp_resource_t){.uri_template = templates[i],
                                                      .name = i ? "rows" : "logs",
                                                      .mime_type = "text/plain",
                                                      .handler = res_read,
                                                      .userdata = (void *)templates[i],
                                                      .complete = complete},
                                    &err) != MCP_OK)
            FAIL("add template %s: %s", templates[i], err.text);
    if (mcp_server_add_prompt(srv,
                              &(mcp_prompt_t){.name = "review",
                                              .description = "Review code",
                                              .arguments = "code 'The code to review', "
                                                           "language? 'Its language'",
                                              .handler = prompt_review,
                                              .complete = complete},
                              &err) != MCP_OK)
        FAIL("add prompt: %s", err.text);
    if (mcp__server_ensure_loop(srv) != MCP_OK) /* timers of server->client requests */
        FAIL("no loop");
    return srv;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    trace = getenv("FUZZ_TRACE") != NULL;
    for (int i = 0; i < 3; i++) {
        mcp_error_t err;
        if (!(tools[i].schema = mcp_schema_from_text(tools[i].input_schema, &err)))
            FAIL("schema of %s: %s", tools[i].name, err.text);
    }
    return 0;
}

/* ---- the in-memory transport and the oracle --------------------------------------------- */

typedef struct sink {
    const char *name;
    json_t *ids; /* id text (JSON) -> how many times the client sent it, minus answers */
} sink;

static char *last_state; /* the last requestState sent in this input */
static char *last_task;  /* the last taskId sent in this input */

static char *id_key(const json_t *id)
{
    return json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
}

static void count_id(sink *k, const json_t *msg)
{
    const json_t *id = json_object_get(msg, "id");
    char *key;
    if (!mcp__jsonrpc_valid_id(id) || !(key = id_key(id)))
        return;
    json_object_set_new(k->ids, key,
                        json_integer(json_integer_value(json_object_get(k->ids, key)) + 1));
    free(key);
}

/* Count the ids of a line the client sends (`v`: the line parsed, an object or a batch). */
static void count_ids(sink *k, const json_t *v)
{
    size_t i;
    json_t *e;
    if (json_is_object(v))
        count_id(k, v);
    else if (json_is_array(v))
        json_array_foreach(v, i, e) count_id(k, e);
}

static void check_one(sink *k, const json_t *m)
{
    const json_t *v = json_object_get(m, "jsonrpc"), *method = json_object_get(m, "method");
    const json_t *id = json_object_get(m, "id"), *res = json_object_get(m, "result");
    const json_t *err = json_object_get(m, "error");
    if (!json_is_object(m))
        FAIL("%s: sent a message that is not an object", k->name);
    if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0)
        FAIL("%s: sent a message without \"jsonrpc\":\"2.0\"", k->name);
    if (method) {
        const json_t *params = json_object_get(m, "params");
        if (!json_is_string(method) || json_string_length(method) == 0)
            FAIL("%s: sent a bad \"method\"", k->name);
        if (id && !mcp__jsonrpc_valid_id(id))
            FAIL("%s: sent a request with a bad id", k->name);
        if (res || err)
            FAIL("%s: sent a request/notification with result or error", k->name);
        if (params && !json_is_object(params))
            FAIL("%s: sent %s with params that are not an object", k->name,
                 json_string_value(method));
        return;
    }
    if (!id)
        FAIL("%s: sent a response without an id", k->name);
    if (!res == !err)
        FAIL("%s: sent a response without exactly one of result and error", k->name);
    if (res && !json_is_object(res))
        FAIL("%s: sent a result that is not an object", k->name);
    if (err && (!json_is_object(err) || !json_is_integer(json_object_get(err, "code")) ||
                !json_is_string(json_object_get(err, "message"))))
        FAIL("%s: sent a malformed error object", k->name);
    if (res && json_is_string(json_object_get(res, "requestState"))) {
        free(last_state);
        last_state = strdup(json_string_value(json_object_get(res, "requestState")));
    }
    if (res) { /* CreateTaskResult: {task:{taskId}} (2025-11-25) or {taskId} (2026) */
        const json_t *task = json_object_get(json_object_get(res, "task"), "taskId");
        if (!task)
            task = json_object_get(res, "taskId");
        if (json_is_string(task)) {
            free(last_task);
            last_task = strdup(json_string_value(task));
        }
    }
    if (!json_is_null(id)) {
        char *key = id_key(id);
        json_int_t n = json_integer_value(json_object_get(k->ids, key));
        if (!mcp__jsonrpc_valid_id(id))
            FAIL("%s: sent a response with an id that is neither null, string nor integer",
                 k->name);
        if (n <= 0)
            FAIL("%s: answered id %s, which the client did not send (or not that often)",
                 k->name, key);
        json_object_set_new(k->ids, key, json_integer(n - 1));
        free(key);
    }
}

static void fz_send(mcp__session *s, json_t *msg, mcp_call_t *related)
{
    sink *k = s->transport;
    size_t len = 0, i;
    char *text;
    json_t *back, *e;
    (void)related;
    if (trace) {
        char *t = json_dumps(msg, JSON_COMPACT);
        fprintf(stderr, "  %s <- %s\n", k->name, t ? t : "?");
        free(t);
    }
    if (json_is_array(msg)) {
        if (json_array_size(msg) == 0)
            FAIL("%s: sent an empty batch", k->name);
        json_array_foreach(msg, i, e) check_one(k, e);
    } else {
        check_one(k, msg);
    }
    text = mcp__jsonrpc_dump(msg, &len);
    if (!text)
        FAIL("%s: a message the server sends does not serialize", k->name);
    back = mcp__json_parse(text, len, NULL); /* fuzz_json_read checks it against jansson */
    if (!back || !json_equal(back, msg) || memchr(text, '\n', len))
        FAIL("%s: serialization does not read back as the same single line: %.300s", k->name,
             text);
    json_decref(back);
    free(text);
}

static const mcp__transport_ops fz_ops = {fz_send, NULL, NULL, NULL, NULL};

/* ---- input handling ------------------------------------------------------------------------ */

/* The line with every "$STATE" / "$TASK" replaced by the last requestState / taskId the server
 * sent (malloc'd, *len set). */
static char *substitute(const uint8_t *p, size_t n, size_t *len)
{
    const char *st = last_state ? last_state : "", *tk = last_task ? last_task : "";
    size_t cap = n + 1, o = 0;
    char *out;
    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(p + i, "$TASK", 5) == 0 || (i + 6 <= n && memcmp(p + i, "$STATE", 6) == 0))
            cap += strlen(st) + strlen(tk);
    if (!(out = malloc(cap)))
        return NULL;
    for (size_t i = 0; i < n;) {
        if (i + 6 <= n && memcmp(p + i, "$STATE", 6) == 0) {
            memcpy(out + o, st, strlen(st));
            o += strlen(st);
            i += 6;
        } else if (i + 5 <= n && memcmp(p + i, "$TASK", 5) == 0) {
            memcpy(out + o, tk, strlen(tk));
            o += strlen(tk);
            i += 5;
        } else {
            out[o++] = (char)p[i++];
        }
    }
    *len = o;
    return out;
}

static unsigned hash(const char *p, size_t n)
{
    unsigned h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

static json_t *meta26(json_t *params)
{
    json_t *meta = json_object_get(params, "_meta");
    if (!json_is_object(meta)) {
        meta = json_object();
        json_object_set_new(params, "_meta", meta);
    }
    json_object_set_new(meta, META_VERSION, json_string(PV26));
    if (!json_is_object(json_object_get(meta, META_CAPS)))
        json_object_set_new(meta, META_CAPS, json_pack("{s:{}}", "elicitation"));
    return params;
}

/* The 2026-07-28 request variant of a line (new reference). */
static json_t *variant26(const json_t *v, const char *buf, size_t len, int line)
{
    json_t *msg, *params;
    unsigned h = hash(buf, len);
    if (json_is_object(v) && json_is_string(json_object_get(v, "method"))) {
        const char *method = json_string_value(json_object_get(v, "method"));
        msg = json_deep_copy(v);
        json_object_set_new(msg, "jsonrpc", json_string("2.0"));
        if (!mcp__jsonrpc_valid_id(json_object_get(msg, "id")) &&
            !(strncmp(method, "notifications/", 14) == 0 && !json_object_get(msg, "id")))
            json_object_set_new(msg, "id", json_integer(1000 + line));
        params = json_object_get(msg, "params");
        if (!json_is_object(params)) {
            params = json_object();
            json_object_set_new(msg, "params", params);
        }
        meta26(params);
    } else if (v) {
        /* other JSON: the arguments of one of the tools */
        params = json_pack("{s:s, s:O}", "name", tools[h % 3].name, "arguments", (json_t *)v);
        msg = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", 1000 + line, "method",
                        "tools/call", "params", meta26(params));
    } else {
        json_t *s = json_stringn(buf, len); /* NULL unless valid UTF-8 without NUL */
        if (!s)
            return NULL;
        switch (h % 3) {
        case 0:
            params = json_pack("{s:o}", "uri", s);
            msg = json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", 1000 + line, "method",
                            "resources/read");
            break;
        case 1:
            params = json_pack("{s:{s:s, s:s}, s:{s:s, s:o}}", "ref", "type", "ref/resource",
                               "uri", templates[h / 3 % 2], "argument", "name", "date",
                               "value", s);
            msg = json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", 1000 + line, "method",
                            "completion/complete");
            break;
        default:
            params = json_pack("{s:s, s:{s:o}}", "name", "review", "arguments", "code", s);
            msg = json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", 1000 + line, "method",
                            "prompts/get");
            break;
        }
        json_object_set_new(msg, "params", meta26(params));
    }
    return msg;
}

/* The tool a tools/call message calls with arguments failing its schema, or NULL. */
static tool_def *bad_call(const json_t *msg)
{
    const json_t *params = json_object_get(msg, "params"), *args, *name;
    if (!json_is_object(msg) || !json_is_string(json_object_get(msg, "method")) ||
        strcmp(json_string_value(json_object_get(msg, "method")), "tools/call") != 0)
        return NULL;
    name = json_object_get(params, "name");
    args = json_object_get(params, "arguments");
    if (!json_is_string(name) || !args)
        return NULL;
    for (int i = 0; i < 3; i++)
        if (strcmp(json_string_value(name), tools[i].name) == 0)
            return (!json_is_object(args) ||
                    mcp_schema_validate(tools[i].schema, args, NULL, 0) != MCP_OK)
                       ? &tools[i]
                       : NULL;
    return NULL;
}

/* Send one line (exact-size copy; `v`: the line parsed, or NULL) to a session, checking the
 * handler-counter oracle. */
static void feed(mcp__session *s, sink *k, const json_t *v, const char *buf, size_t len)
{
    char *copy = malloc(len ? len : 1);
    tool_def *bad = bad_call(v);
    unsigned before = bad ? bad->runs : 0;
    if (!copy)
        return;
    memcpy(copy, buf, len);
    if (trace)
        fprintf(stderr, "%s -> %.*s\n", k->name, (int)len, buf);
    count_ids(k, v);
    mcp__server_receive(s, copy, len);
    if (bad && bad->runs != before)
        FAIL("%s: tool %s ran although its arguments fail the schema", k->name, bad->name);
    free(copy);
}

/* The server is kept from one input to the next while it holds nothing an input left behind:
 * after an input that created a task (its session stays on the server's list), used a
 * requestState (the nonce store) or left a listener, it is freed and rebuilt, so every input
 * starts from the same state (only the ids of server->client requests need resetting). */
static mcp_server_t *srv;

static bool server_dirty(const mcp__session *a, const mcp__session *b)
{
    for (const mcp__session *s = srv->sessions; s; s = s->next)
        if (s != a && s != b)
            return true;
    return srv->nonces || srv->listeners;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sink ka = {"2025 session", json_object()}, kb = {"2026 stateless", json_object()};
    mcp__session *a, *b;
    size_t start = 0;
    int line = 0;
    bool dirty;

    if (!srv && !(srv = server_new()))
        return 0;
    srv->next_out_id = 0;
    for (int i = 0; i < 3; i++)
        tools[i].runs = 0;
    a = mcp__session_new(srv, &fz_ops, &ka);
    b = mcp__session_new(srv, &fz_ops, &kb);

    while (start <= size && line < MAX_LINES) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t n = nl ? (size_t)(nl - (data + start)) : size - start, len;
        char *text = substitute(data + start, n, &len);
        json_t *v, *v26;
        if (!text)
            break;
        if (!nl && n == 0 && line > 0) { /* after a final newline */
            free(text);
            break;
        }
        v = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
        feed(a, &ka, v, text, len);
        if (!v) /* e.g. duplicate keys: the variant takes what jansson keeps */
            v = json_loadb(text, len, 0, NULL);
        if ((v26 = variant26(v, text, len, line))) {
            char *vt = json_dumps(v26, JSON_COMPACT);
            if (vt)
                feed(b, &kb, v26, vt, strlen(vt));
            free(vt);
            json_decref(v26);
        }
        json_decref(v);
        free(text);
        line++;
        if (!nl)
            break;
        start += n + 1;
    }

    complete_parked(srv);
    mcp_server_resource_updated(srv, "db://users/rows");
    mcp_server_log_clients(srv, MCP_LOG_ERROR, "fuzz", "end of input %d", line);
    /* End the sessions as a transport does: listen calls end gracefully (checked too), then
     * the session closes and its open questions fail. */
    mcp__server_session_draining(a);
    mcp__server_session_draining(b);
    mcp__server_session_end(a);
    mcp__server_session_end(b);
    uv_run(srv->loop, UV_RUN_NOWAIT);
    dirty = server_dirty(a, b);
    /* With tasks about, a tasks/result may wait for a task until the store's sweep timer removes
     * the closed session's tasks; freeing the server must then end everything (LSan checks). */
    if ((a->calls || b->calls) && !dirty)
        FAIL("a call is still in flight after the session closed (%s: %s)",
             a->calls ? "2025" : "2026", (a->calls ? a->calls : b->calls)->method);
    mcp__session_unref(a);
    mcp__session_unref(b);
    if (dirty) {
        mcp_server_free(srv);
        srv = NULL;
    }
    json_decref(ka.ids);
    json_decref(kb.ids);
    free(last_state);
    last_state = NULL;
    free(last_task);
    last_task = NULL;
    return 0;
}
