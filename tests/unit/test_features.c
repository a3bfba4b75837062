/*
 * The protocol features through the core, with an in-memory transport: logging,
 * progress, asking the client in both eras (2025 requests, 2026 multi round-trip with a signed
 * requestState), completion, and subscriptions in both eras. Most tests speak raw JSON-RPC to
 * see the wire; the ones marked "client" go through libmcp's in-memory client instead
 * (include/mcp_client.h), as a server author's tests would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <cmocka.h>

#include "harness.h" /* the in-memory transport */
#include "mcp_client.h"

static int last_status;
static json_t *last_result;

/* A tool that logs at every level and reports progress three times. */
static int tool_chatty(mcp_call_t *call, const json_t *args, void *ud)
{
    int l;
    (void)args;
    (void)ud;
    for (l = MCP_LOG_DEBUG; l <= MCP_LOG_EMERGENCY; l++)
        mcp_call_log(call, (mcp_log_level)l, "chatty", "level %d", l);
    mcp_call_progress(call, 0, 100, "start");
    mcp_call_progress(call, 50, 100, NULL);
    if (json_object_get(mcp_call_meta(call), "progressToken")) /* must grow */
        assert_int_equal(mcp_call_progress(call, 10, 100, NULL), MCP_EINVAL);
    mcp_call_progress(call, 100, 100, "done");
    return mcp_call_text(call, "ok");
}

static void on_answer(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    (void)ud;
    last_status = status;
    json_decref(last_result);
    last_result = json_deep_copy(result);
    if (status == MCP_ERETRY)
        return; /* 2026: the call is ending as input_required */
    if (status == MCP_OK)
        mcp_call_text(call, "answer: %s",
                      json_string_value(json_object_get(json_object_get(result, "content"),
                                                        "name")));
    else
        mcp_call_tool_error(call, "no answer (%s)", mcp_err_name(status));
    mcp_call_complete(call);
}

static int tool_ask(mcp_call_t *call, const json_t *args, void *ud)
{
    int rc;
    (void)args;
    (void)ud;
    rc = mcp_call_elicit_new(call,
                         json_pack("{s:s, s:{s:s, s:{s:{s:s}}}}", "message", "Your name?",
                                   "requestedSchema", "type", "object", "properties", "name",
                                   "type", "string"),
                         on_answer, NULL);
    if (rc != MCP_OK) {
        mcp_call_tool_error(call, "cannot ask: %s", mcp_err_name(rc));
        return MCP_OK;
    }
    return MCP_PENDING;
}

/* A blocking tool (thread pool) that asks the client: the question goes out via the loop. */
static int tool_ask_blocking(mcp_call_t *call, const json_t *args, void *ud)
{
    return tool_ask(call, args, ud);
}

static int complete_lang(mcp_call_t *call, const char *arg, const char *value,
                         const json_t *context, void *ud)
{
    static const char *const langs[] = {"c", "cpp", "csharp", "go", "python"};
    size_t i;
    (void)ud;
    (void)context;
    assert_string_equal(arg, "language");
    for (i = 0; i < 5; i++)
        if (strncmp(langs[i], value, strlen(value)) == 0)
            mcp_call_add_completion(call, langs[i]);
    return MCP_OK;
}

static int prompt_review(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_prompt_text(call, "user", "review");
}

/* Logs args.n info messages (default 1000) in one go. */
static int tool_flood(mcp_call_t *call, const json_t *args, void *ud)
{
    json_int_t i, n = json_integer_value(json_object_get(args, "n"));
    (void)ud;
    for (i = 0; i < (n ? n : 1000); i++)
        mcp_call_log(call, MCP_LOG_INFO, "flood", "message %d", (int)i);
    return mcp_call_text(call, "flooded");
}

static int setup(void **state)
{
    fixture *f = harness_new(true);
    last_status = 1;
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "chatty",
                                                                .handler = tool_chatty},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "ask", .handler = tool_ask},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "ask_too",
                                                                .handler = tool_ask},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "ask_blocking",
                                                       .handler = tool_ask_blocking,
                                                       .flags = MCP_TOOL_BLOCKING},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_prompt(f->srv,
                                           &(mcp_prompt_t){.name = "review",
                                                           .arguments = "code, language?",
                                                           .handler = prompt_review,
                                                           .complete = complete_lang},
                                           NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "flood",
                                                                .handler = tool_flood},
                                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_resource(f->srv,
                                             &(mcp_resource_t){.uri = "test://watched",
                                                               .name = "watched", .text = "w"},
                                             NULL),
                     MCP_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    harness_free(*state);
    json_decref(last_result);
    last_result = NULL;
    return 0;
}

static void send_text(fixture *f, const char *text)
{
    mcp__server_receive(f->sess, text, strlen(text));
}

static json_t *last_sent(fixture *f)
{
    return json_array_get(f->cap.sent, json_array_size(f->cap.sent) - 1);
}

static void init(fixture *f, const char *caps)
{
    char text[512];
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
             "\"protocolVersion\":\"2025-11-25\",\"capabilities\":%s}}",
             caps);
    send_text(f, text);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
}

/* The client way: an in-memory client on the fixture's loop, connected to its server, pinned to
 * `protocol`, answering elicitation with {name: `name`} when `name` is not NULL. */
static void answer_elicitation(mcp_client_t *c, mcp_client_ask_t *ask, const char *method,
                               const json_t *params, void *ud)
{
    (void)c;
    (void)params;
    assert_string_equal(method, "elicitation/create");
    mcp_client_ask_reply_new(ask, json_pack("{s:s,s:{s:s}}", "action", "accept", "content", "name",
                                            (const char *)ud));
}

static mcp_client_t *client_for(fixture *f, const char *protocol, const char *name)
{
    mcp_client_t *c = mcp_client_new(&f->loop, "features-test", "1");
    mcp_client_error_t err;
    assert_non_null(c);
    assert_int_equal(mcp_client_connect_server(c, f->srv), MCP_OK);
    assert_int_equal(mcp_client_set_protocol(c, protocol), MCP_OK);
    if (name)
        mcp_client_on_ask(c, MCP_CLIENT_ASK_ELICITATION, answer_elicitation, (void *)name);
    if (mcp_client_initialize_sync(c, NULL, &err) != MCP_OK)
        fail_msg("initialize: %s", err.text);
    return c;
}

/* Free the client and let the loop close its handles. */
static void client_done(fixture *f, mcp_client_t *c)
{
    mcp_client_free(c);
    uv_run(&f->loop, UV_RUN_NOWAIT);
}

#define META26(caps) "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"," \
                     "\"io.modelcontextprotocol/clientCapabilities\":" caps

static void test_logging_and_progress(void **state)
{
    fixture *f = *state;
    size_t before;
    init(f, "{}");
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"chatty\",\"_meta\":{\"progressToken\":\"p1\"}}}");
    /* default level info: 7 of 8 levels; three progress notifications, all before the reply */
    assert_int_equal(count_method(f, before, "notifications/message"), 7);
    assert_int_equal(count_method(f, before, "notifications/progress"), 3);
    assert_non_null(json_object_get(last_sent(f), "result"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(f->cap.sent, before + 7), "params"),
                            "progressToken")),
                        "p1");
    /* setLevel error: only error and above */
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"logging/setLevel\",\"params\":{"
                 "\"level\":\"error\"}}");
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"chatty\"}}");
    assert_int_equal(count_method(f, before, "notifications/message"), 4);
    assert_int_equal(count_method(f, before, "notifications/progress"), 0); /* no token */
    /* 2026: no logLevel in _meta -> no log notifications at all */
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"chatty\"," META26("{}") "}}}");
    assert_int_equal(count_method(f, before, "notifications/message"), 0);
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"chatty\"," META26("{}") ",\"io.modelcontextprotocol/logLevel\":\"warning\"}}}");
    assert_int_equal(count_method(f, before, "notifications/message"), 5);
}

static void test_elicit_2025(void **state)
{
    fixture *f = *state;
    json_t *req;
    char text[256];
    init(f, "{\"elicitation\":{}}");
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"ask\"}}");
    req = last_sent(f);
    assert_string_equal(json_string_value(json_object_get(req, "method")), "elicitation/create");
    assert_true(json_is_integer(json_object_get(req, "id")));
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"action\":\"accept\",\"content\":{"
             "\"name\":\"Ada\"}}}",
             (long long)json_integer_value(json_object_get(req, "id")));
    send_text(f, text);
    assert_int_equal(last_status, MCP_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
                            json_object_get(last_sent(f), "result"), "content"), 0), "text")),
                        "answer: Ada");
    /* a late duplicate answer is ignored */
    send_text(f, text);
}

/* client: a blocking tool (thread pool) asks; the question goes out through the loop */
static void test_elicit_2025_from_pool(void **state)
{
    fixture *f = *state;
    mcp_client_t *c = client_for(f, MCP_PROTOCOL_2025_11_25, "Pool");
    json_t *res = NULL;
    mcp_client_error_t err;
    assert_int_equal(mcp_client_call_tool_sync(c, "ask_blocking", NULL, &res, &err), MCP_OK);
    assert_int_equal(last_status, MCP_OK);
    assert_string_equal(mcp_client_result_text(res), "answer: Pool");
    json_decref(res);
    client_done(f, c);
}

/* client: without the capability declared, the tool cannot ask (a tool error) */
static void test_elicit_2025_no_capability(void **state)
{
    fixture *f = *state;
    mcp_client_t *c = client_for(f, MCP_PROTOCOL_2025_11_25, NULL);
    json_t *res = NULL;
    assert_int_equal(mcp_client_call_tool_sync(c, "ask", NULL, &res, NULL), MCP_OK);
    assert_true(mcp_client_result_is_error(res));
    assert_string_equal(mcp_client_result_text(res), "cannot ask: MCP_ESTATE");
    json_decref(res);
    client_done(f, c);
}

/* client: the same handler answers the 2026 input_required round trip */
static void test_elicit_2026_via_client(void **state)
{
    fixture *f = *state;
    mcp_client_t *c = client_for(f, MCP_PROTOCOL_2026_07_28, "Eve");
    json_t *res = NULL;
    mcp_client_error_t err;
    assert_int_equal(mcp_client_call_tool_sync(c, "ask", NULL, &res, &err), MCP_OK);
    assert_string_equal(mcp_client_result_text(res), "answer: Eve");
    json_decref(res);
    client_done(f, c);
}

static void test_elicit_2025_timeout_and_cancel(void **state)
{
    fixture *f = *state;
    size_t before;
    init(f, "{\"elicitation\":{}}");
    mcp_server_set_limit(f->srv, MCP_LIMIT_REQUEST_TIMEOUT_MS, 20);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"ask\"}}");
    before = json_array_size(f->cap.sent);
    uv_run(&f->loop, UV_RUN_DEFAULT); /* the timer fires */
    assert_int_equal(last_status, MCP_ETIMEDOUT);
    assert_int_equal(count_method(f, before, "notifications/cancelled"), 1);
    assert_true(json_is_true(json_object_get(json_object_get(last_sent(f), "result"), "isError")));
    /* the client cancels the tool call while the question is open */
    mcp_server_set_limit(f->srv, MCP_LIMIT_REQUEST_TIMEOUT_MS, 60000);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"ask\"}}");
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                 "\"requestId\":2}}");
    /* the handler completes on its own; then the question is withdrawn, no reply is sent */
    assert_int_equal(count_method(f, before, "notifications/cancelled"), 0);
}

/* ---- 2026 requestState integrity ------------------------------------------------------- */

#define ANSWER_BOB "{\"q0\":{\"action\":\"accept\",\"content\":{\"name\":\"Bob\"}}}"

/* A 2026 request `method` naming `tool` with `args` (JSON text); `extra` is spliced into params
 * (the MRTR fields, or ""). The reply is last_sent(f). */
static void call26(fixture *f, int id, const char *method, const char *tool, const char *args,
                   const char *extra)
{
    char text[8192];
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":{\"name\":\"%s\","
             "\"arguments\":%s,%s" META26("{\"elicitation\":{}}") "}}}",
             id, method, tool, args, extra);
    send_text(f, text);
}

/* Ask `tool` with `args`: the reply must be input_required; returns its requestState (malloc'd). */
static char *ask_state(fixture *f, int id, const char *tool, const char *args)
{
    json_t *res;
    const char *st;
    call26(f, id, "tools/call", tool, args, "");
    res = json_object_get(last_sent(f), "result");
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "input_required");
    st = json_string_value(json_object_get(res, "requestState"));
    assert_non_null(st);
    assert_non_null(strchr(st, '.'));
    return strdup(st);
}

/* Retry `tool` with `args`, the answers (JSON text, or NULL for none) and `st`. */
static void retry26(fixture *f, int id, const char *method, const char *tool, const char *args,
                    const char *answers, const char *st)
{
    char extra[4096];
    if (answers)
        snprintf(extra, sizeof extra, "\"inputResponses\":%s,\"requestState\":\"%s\",", answers,
                 st);
    else
        snprintf(extra, sizeof extra, "\"requestState\":\"%s\",", st);
    call26(f, id, method, tool, args, extra);
}

/* The last reply is -32602 whose message contains `why` (the documented refusal). */
static void assert_refused(fixture *f, const char *why)
{
    const json_t *err = json_object_get(last_sent(f), "error");
    const char *msg = json_string_value(json_object_get(err, "message"));
    if (!err || !msg || !strstr(msg, why))
        fail_msg("expected -32602 \"...%s...\", got %s", why,
                 json_dumps(last_sent(f), JSON_COMPACT)); /* leaks only on failure */
    assert_int_equal(json_integer_value(json_object_get(err, "code")), -32602);
}

/* The last reply completed the ask with "answer: <name>". */
static void assert_answered(fixture *f, const char *name)
{
    const json_t *res = json_object_get(last_sent(f), "result");
    char want[64];
    snprintf(want, sizeof want, "answer: %s", name);
    if (!res)
        fail_msg("expected a result, got %s", json_dumps(last_sent(f), JSON_COMPACT));
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "complete");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(res, "content"), 0), "text")),
                        want);
}

static const char b64u_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding, the requestState encoding; malloc'd. */
static char *b64u_encode(const unsigned char *in, size_t n)
{
    char *out = malloc(n / 3 * 4 + 5), *o = out;
    size_t i;
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        *o++ = b64u_digits[v >> 18];
        *o++ = b64u_digits[v >> 12 & 63];
        *o++ = b64u_digits[v >> 6 & 63];
        *o++ = b64u_digits[v & 63];
    }
    if (n - i == 1) {
        *o++ = b64u_digits[in[i] >> 2];
        *o++ = b64u_digits[(in[i] & 3) << 4];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 8 | in[i + 1];
        *o++ = b64u_digits[v >> 10];
        *o++ = b64u_digits[v >> 4 & 63];
        *o++ = b64u_digits[(v & 15) << 2];
    }
    *o = '\0';
    return out;
}

/* The decoded payload of a requestState (new reference). */
static json_t *state_payload(const char *st)
{
    size_t n = (size_t)(strchr(st, '.') - st), i, o = 0;
    unsigned char *buf = malloc(n);
    unsigned v = 0;
    int bits = 0;
    json_t *j;
    for (i = 0; i < n; i++) {
        v = v << 6 | (unsigned)(strchr(b64u_digits, st[i]) - b64u_digits);
        if ((bits += 6) >= 8)
            buf[o++] = (unsigned char)(v >> (bits -= 8));
    }
    j = json_loadb((const char *)buf, o, 0, NULL);
    free(buf);
    assert_non_null(j);
    return j;
}

/* "<payload>.<mac>" from a payload object and a 32-byte MAC; malloc'd. */
static char *state_join(const json_t *payload, const unsigned char mac[32])
{
    char *text = json_dumps(payload, JSON_COMPACT), *p = b64u_encode((unsigned char *)text,
                                                                     strlen(text));
    char *m = b64u_encode(mac, 32), *out = malloc(strlen(p) + strlen(m) + 2);
    sprintf(out, "%s.%s", p, m);
    free(text);
    free(p);
    free(m);
    return out;
}

static void test_elicit_2026_round_trip(void **state)
{
    fixture *f = *state;
    json_t *res;
    char *st, *bad;
    call26(f, 1, "tools/call", "ask", "{}", "");
    res = json_object_get(last_sent(f), "result");
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "input_required");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(res, "inputRequests"), "q0"),
                            "method")),
                        "elicitation/create");
    assert_int_equal(last_status, MCP_ERETRY);
    st = strdup(json_string_value(json_object_get(res, "requestState")));
    bad = strdup(st);
    /* tampered signature: flip the first character of the MAC (a whole 6 bits of byte 0) */
    {
        char *p = strchr(bad, '.') + 1;
        *p = *p == 'A' ? 'B' : 'A';
    }
    retry26(f, 2, "tools/call", "ask", "{}", ANSWER_BOB, bad);
    assert_refused(f, "requestState was not issued by this server or was altered");
    /* tampered payload: flip its first character, the MAC left as issued */
    snprintf(bad, strlen(st) + 1, "%s", st);
    bad[0] = bad[0] == 'A' ? 'B' : 'A';
    retry26(f, 3, "tools/call", "ask", "{}", ANSWER_BOB, bad);
    assert_refused(f, "requestState was not issued by this server or was altered");
    /* the refusals did not use the state up: the genuine retry completes */
    retry26(f, 4, "tools/call", "ask", "{}", ANSWER_BOB, st);
    assert_answered(f, "Bob");
    /* replayed: the same state again is refused */
    retry26(f, 5, "tools/call", "ask", "{}", ANSWER_BOB, st);
    assert_refused(f, "requestState was already used");
    free(bad);
    free(st);
}

/* A payload rewritten to carry an answer the client never gave, under MACs that look right:
 * another genuine state's MAC, 32 zero bytes, an HMAC under a guessed key. All refused. */
static void test_elicit_2026_forged(void **state)
{
    fixture *f = *state;
    char *st1 = ask_state(f, 1, "ask", "{}"), *st2 = ask_state(f, 2, "ask", "{}"), *forged;
    json_t *p = state_payload(st1);
    unsigned char mac[32];

    /* the payload is what mrtr.c documents: method, digest, answers, expiry, nonce */
    assert_string_equal(json_string_value(json_object_get(p, "m")), "tools/call");
    assert_true(json_is_string(json_object_get(p, "d")));
    assert_true(json_is_integer(json_object_get(p, "x")));
    assert_true(json_is_string(json_object_get(p, "n")));
    /* answers carried in the state: the retry needs no inputResponses if the state is believed */
    json_object_set_new(p, "r", json_pack("{s:{s:s, s:{s:s}}}", "q0", "action", "accept",
                                          "content", "name", "Mallory"));

    /* 1. the MAC of another state this server issued for the same request */
    memset(mac, 0, sizeof mac);
    forged = state_join(p, mac);
    memcpy(strchr(forged, '.') + 1, strchr(st2, '.') + 1, 43); /* 32 bytes = 43 characters */
    retry26(f, 3, "tools/call", "ask", "{}", NULL, forged);
    assert_refused(f, "requestState was not issued by this server or was altered");
    free(forged);
    /* 2. a MAC of 32 zero bytes */
    memset(mac, 0, sizeof mac);
    forged = state_join(p, mac);
    retry26(f, 4, "tools/call", "ask", "{}", NULL, forged);
    assert_refused(f, "requestState was not issued by this server or was altered");
    free(forged);
    /* 3. HMAC-SHA256 of the forged payload under a guessed key (all zero) */
    {
        char *text = json_dumps(p, JSON_COMPACT);
        char *enc = b64u_encode((unsigned char *)text, strlen(text));
        unsigned char key[32] = {0};
        mcp__hmac_sha256(key, sizeof key, enc, strlen(enc), mac);
        forged = state_join(p, mac);
        free(text);
        free(enc);
    }
    retry26(f, 5, "tools/call", "ask", "{}", NULL, forged);
    assert_refused(f, "requestState was not issued by this server or was altered");
    free(forged);
    /* 4. the genuine payload with a zero MAC */
    json_decref(p);
    p = state_payload(st1);
    memset(mac, 0, sizeof mac);
    forged = state_join(p, mac);
    retry26(f, 6, "tools/call", "ask", "{}", ANSWER_BOB, forged);
    assert_refused(f, "requestState was not issued by this server or was altered");
    free(forged);
    /* 5. the genuine state with its MAC cut short */
    forged = strdup(st1);
    forged[strlen(forged) - 4] = '\0';
    retry26(f, 7, "tools/call", "ask", "{}", ANSWER_BOB, forged);
    assert_refused(f, "requestState was not issued by this server or was altered");
    free(forged);
    /* the genuine states still work, once each */
    retry26(f, 8, "tools/call", "ask", "{}", ANSWER_BOB, st1);
    assert_answered(f, "Bob");
    retry26(f, 9, "tools/call", "ask", "{}", ANSWER_BOB, st2);
    assert_answered(f, "Bob");
    json_decref(p);
    free(st1);
    free(st2);
}

/* A state is bound to its method and params: replaying it for another tool, other arguments or
 * another method is refused; it stays good for its own request. */
static void test_elicit_2026_bound_to_request(void **state)
{
    fixture *f = *state;
    char *st = ask_state(f, 1, "ask", "{\"topic\":\"a\"}");
    retry26(f, 2, "tools/call", "ask_too", "{\"topic\":\"a\"}", ANSWER_BOB, st);
    assert_refused(f, "requestState belongs to a different request");
    retry26(f, 3, "tools/call", "ask", "{\"topic\":\"b\"}", ANSWER_BOB, st);
    assert_refused(f, "requestState belongs to a different request");
    retry26(f, 4, "tools/call", "ask", "{\"topic\":\"a\",\"more\":1}", ANSWER_BOB, st);
    assert_refused(f, "requestState belongs to a different request");
    retry26(f, 5, "tools/call", "ask", "{}", ANSWER_BOB, st);
    assert_refused(f, "requestState belongs to a different request");
    /* same params, another method that may be retried (prompts/get) */
    retry26(f, 6, "prompts/get", "ask", "{\"topic\":\"a\"}", ANSWER_BOB, st);
    assert_refused(f, "requestState belongs to a different request");
    /* its own request: accepted */
    retry26(f, 7, "tools/call", "ask", "{\"topic\":\"a\"}", ANSWER_BOB, st);
    assert_answered(f, "Bob");
    free(st);
}

/* A state past its expiry is refused (the lifetime is shortened through the server's internal
 * field; the default is 600 s). */
static void test_elicit_2026_expired(void **state)
{
    fixture *f = *state;
    char *st;
    f->srv->state_ttl_s = -1; /* issued already expired */
    st = ask_state(f, 1, "ask", "{}");
    retry26(f, 2, "tools/call", "ask", "{}", ANSWER_BOB, st);
    assert_refused(f, "requestState has expired");
    free(st);
    f->srv->state_ttl_s = 60;
    st = ask_state(f, 3, "ask", "{}");
    retry26(f, 4, "tools/call", "ask", "{}", ANSWER_BOB, st);
    assert_answered(f, "Bob");
    free(st);
}

/* A used requestState stays refused however many states are issued and used after it (the old
 * ring forgot it after 4,096), and answers without any requestState are not taken: the question
 * is asked again. */
static void test_elicit_2026_replay_window(void **state)
{
    fixture *f = *state;
    char *first = ask_state(f, 1, "ask", "{}"), *st;
    json_t *res;
    int i;
    retry26(f, 2, "tools/call", "ask", "{}", ANSWER_BOB, first);
    assert_answered(f, "Bob");
    for (i = 0; i < 4200; i++) {
        st = ask_state(f, 10, "ask", "{}");
        retry26(f, 11, "tools/call", "ask", "{}", ANSWER_BOB, st);
        free(st);
    }
    assert_answered(f, "Bob");
    retry26(f, 3, "tools/call", "ask", "{}", ANSWER_BOB, first);
    assert_refused(f, "requestState was already used");
    free(first);
    /* inputResponses alone: ignored, the question comes back with a fresh state */
    call26(f, 4, "tools/call", "ask", "{}", "\"inputResponses\":" ANSWER_BOB ",");
    res = json_object_get(last_sent(f), "result");
    assert_non_null(res);
    assert_string_equal(json_string_value(json_object_get(res, "resultType")), "input_required");
    assert_non_null(json_object_get(json_object_get(res, "inputRequests"), "q0"));
    assert_non_null(json_string_value(json_object_get(res, "requestState")));
}

/* The set of states is bounded (MCP_LIMIT_REQUEST_STATES): when full no new state is issued
 * (-32000), and used states are not forgotten to make room. A state is also bound to its
 * principal, and answers count only for the keys its state asked. */
static void test_elicit_2026_states_bounded(void **state)
{
    fixture *f = *state;
    char *a, *b, *c;
    const json_t *err;
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_REQUEST_STATES, 3), MCP_OK);
    a = ask_state(f, 1, "ask", "{}");
    b = ask_state(f, 2, "ask", "{}");
    c = ask_state(f, 3, "ask", "{}");
    call26(f, 4, "tools/call", "ask", "{}", "");
    err = json_object_get(last_sent(f), "error");
    assert_int_equal(json_integer_value(json_object_get(err, "code")), -32000);
    assert_non_null(strstr(json_string_value(json_object_get(err, "message")), "requestState"));
    /* the issued ones still work once, and stay refused after */
    retry26(f, 5, "tools/call", "ask", "{}", ANSWER_BOB, a);
    assert_answered(f, "Bob");
    retry26(f, 6, "tools/call", "ask", "{}", ANSWER_BOB, a);
    assert_refused(f, "requestState was already used");
    /* answers to keys the state did not ask are ignored: the question comes back */
    retry26(f, 7, "tools/call", "ask", "{}", "{\"q9\":{\"action\":\"accept\"}}", b);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(last_sent(f), "error"),
                                                        "code")),
                     -32000); /* it would ask again, but the set is still full */
    /* another principal cannot use a state */
    f->sess->principal = json_pack("{s:s}", "sub", "mallory");
    retry26(f, 8, "tools/call", "ask", "{}", ANSWER_BOB, c);
    assert_refused(f, "requestState was issued to another principal");
    free(a);
    free(b);
    free(c);
    /* with room, a principal's state works for that principal only */
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_REQUEST_STATES, 100), MCP_OK);
    a = ask_state(f, 9, "ask", "{}");
    json_decref(f->sess->principal);
    f->sess->principal = json_pack("{s:s}", "sub", "alice");
    retry26(f, 10, "tools/call", "ask", "{}", ANSWER_BOB, a);
    assert_refused(f, "requestState was issued to another principal");
    json_decref(f->sess->principal);
    f->sess->principal = json_pack("{s:s, s:s}", "sub", "mallory", "scope", "x");
    retry26(f, 11, "tools/call", "ask", "{}", ANSWER_BOB, a);
    assert_answered(f, "Bob");
    free(a);
}

static void nap_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* The data of the last notifications/message sent at or after `from`, or NULL. */
static const char *last_log_text(fixture *f, size_t from)
{
    const char *text = NULL;
    size_t i;
    for (i = from; i < json_array_size(f->cap.sent); i++) {
        json_t *m = json_array_get(f->cap.sent, i);
        const char *method = json_string_value(json_object_get(m, "method"));
        if (method && strcmp(method, "notifications/message") == 0)
            text = json_string_value(json_object_get(json_object_get(m, "params"), "data"));
    }
    return text;
}

/* notifications/message is rate-limited (default 100 a second, bursts of 200): per session in
 * the 2025 era, per request in 2026; what is over the limit is dropped and counted, and one
 * notice says how many once the rate allows again. */
static void test_log_rate_limit(void **state)
{
    fixture *f = *state;
    size_t before, n, i;
    json_t *notice = NULL;
    init(f, "{}");
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"flood\"}}");
    n = count_method(f, before, "notifications/message");
    if (n < 200 || n > 210)
        fail_msg("expected about 200 log notifications (the burst), got %zu", n);
    assert_non_null(json_object_get(last_sent(f), "result")); /* the call itself is answered */
    /* the same session, 50 ms later: a notice of what was dropped, then the message */
    nap_ms(50);
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"flood\",\"arguments\":{\"n\":1}}}");
    for (i = before; i < json_array_size(f->cap.sent); i++) {
        json_t *m = json_array_get(f->cap.sent, i);
        const char *d = json_string_value(json_object_get(json_object_get(m, "params"), "data"));
        if (d && strstr(d, "dropped")) {
            notice = m;
            break;
        }
    }
    assert_non_null(notice);
    assert_string_equal(json_string_value(json_object_get(json_object_get(notice, "params"),
                                                          "level")),
                        "info");
    assert_int_equal(count_method(f, before, "notifications/message"), 2);
    assert_string_equal(last_log_text(f, before), "message 0");
    /* 2026: each request has its own allowance */
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"flood\"," META26("{}") ",\"io.modelcontextprotocol/logLevel\":\"info\"}}}");
    n = count_method(f, before, "notifications/message");
    if (n < 200 || n > 210)
        fail_msg("expected about 200 log notifications (the burst), got %zu", n);
    /* the limits are the server's to set */
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_LOG_BURST, 10), MCP_OK);
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_LOG_RATE, 1), MCP_OK);
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":"
                 "\"flood\"," META26("{}") ",\"io.modelcontextprotocol/logLevel\":\"info\"}}}");
    assert_int_equal(count_method(f, before, "notifications/message"), 10);
}

/* client: completion of a prompt argument, and of a prompt that does not exist */
static void test_completion(void **state)
{
    fixture *f = *state;
    mcp_client_t *c = client_for(f, MCP_PROTOCOL_2025_11_25, NULL);
    json_t *res = NULL, *values;
    mcp_client_error_t err;
    assert_int_equal(mcp_client_request_sync(c, "completion/complete",
                                             json_pack("{s:{s:s,s:s},s:{s:s,s:s}}", "ref", "type",
                                                       "ref/prompt", "name", "review", "argument",
                                                       "name", "language", "value", "c"),
                                             &res, &err),
                     MCP_OK);
    values = json_object_get(json_object_get(res, "completion"), "values");
    assert_int_equal(json_array_size(values), 3);
    assert_string_equal(json_string_value(json_array_get(values, 1)), "cpp");
    json_decref(res);
    assert_int_equal(mcp_client_request_sync(c, "completion/complete",
                                             json_pack("{s:{s:s,s:s},s:{s:s,s:s}}", "ref", "type",
                                                       "ref/prompt", "name", "nope", "argument",
                                                       "name", "x", "value", ""),
                                             &res, &err),
                     MCP_EREMOTE);
    assert_int_equal(err.code, -32602);
    client_done(f, c);
}

/* resources/subscribe to `uri` (a 2025 session), answered with a result. */
static void subscribe(fixture *f, int id, const char *uri)
{
    char text[200];
    snprintf(text, sizeof text,
             "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"resources/subscribe\",\"params\":{"
             "\"uri\":\"%s\"}}",
             id, uri);
    send_text(f, text);
    assert_non_null(json_object_get(last_sent(f), "result"));
}

static void test_subscriptions_2025(void **state)
{
    fixture *f = *state;
    size_t before;
    init(f, "{}");
    subscribe(f, 1, "test://watched");
    before = json_array_size(f->cap.sent);
    mcp_server_resource_updated(f->srv, "test://watched");
    mcp_server_resource_updated(f->srv, "test://other");
    assert_int_equal(count_method(f, before, "notifications/resources/updated"), 1);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"resources/unsubscribe\",\"params\":{"
                 "\"uri\":\"test://watched\"}}");
    before = json_array_size(f->cap.sent);
    mcp_server_resource_updated(f->srv, "test://watched");
    assert_int_equal(count_method(f, before, "notifications/resources/updated"), 0);
}

/* A resource hidden after the subscription (disabled here; a tag turned off hides the same way)
 * gets no updates in either era, as it is not served; shown again, its updates flow. */
static void test_hidden_resource_updates(void **state)
{
    fixture *f = *state;
    size_t before;
    init(f, "{}");
    subscribe(f, 1, "test://watched");
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":\"listen:1\",\"method\":\"subscriptions/listen\","
                 "\"params\":{\"notifications\":{\"resourceSubscriptions\":[\"test://watched\"]},"
                 META26("{}") "}}}");
    assert_int_equal(mcp_server_enable_resource(f->srv, "test://watched", 0), MCP_OK);
    subscribe(f, 2, "test://unserved");
    before = json_array_size(f->cap.sent);
    mcp_server_resource_updated(f->srv, "test://watched");
    assert_int_equal(count_method(f, before, "notifications/resources/updated"), 0);
    mcp_server_resource_updated(f->srv, "test://unserved"); /* nothing serves it: not hidden */
    assert_int_equal(count_method(f, before, "notifications/resources/updated"), 1);
    assert_int_equal(mcp_server_enable_resource(f->srv, "test://watched", 1), MCP_OK);
    before = json_array_size(f->cap.sent);
    mcp_server_resource_updated(f->srv, "test://watched");
    assert_int_equal(count_method(f, before, "notifications/resources/updated"), 2);
}

static int noop_tool(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_text(call, "x");
}

static void test_listen_2026(void **state)
{
    fixture *f = *state;
    json_t *ack, *n;
    size_t before;
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":\"listen:0\",\"method\":\"subscriptions/listen\","
                 "\"params\":{\"notifications\":{\"toolsListChanged\":true,\"promptsListChanged\":"
                 "false,\"resourceSubscriptions\":[\"test://watched\"]}," META26("{}") "}}}");
    ack = last_sent(f);
    assert_string_equal(json_string_value(json_object_get(ack, "method")),
                        "notifications/subscriptions/acknowledged");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(ack, "params"), "_meta"),
                            "io.modelcontextprotocol/subscriptionId")),
                        "listen:0");
    before = json_array_size(f->cap.sent);
    mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "late", .handler = noop_tool}, NULL);
    mcp_server_resource_updated(f->srv, "test://watched");
    assert_int_equal(count_method(f, before, "notifications/tools/list_changed"), 1);
    assert_int_equal(count_method(f, before, "notifications/resources/updated"), 1);
    n = last_sent(f);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(n, "params"), "_meta"),
                            "io.modelcontextprotocol/subscriptionId")),
                        "listen:0");
    /* the client cancels: no reply */
    before = json_array_size(f->cap.sent);
    send_text(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                 "\"requestId\":\"listen:0\"}}");
    assert_int_equal(json_array_size(f->cap.sent), before);
    mcp_server_add_tool(f->srv, &(mcp_tool_t){.name = "later", .handler = noop_tool}, NULL);
    assert_int_equal(json_array_size(f->cap.sent), before);
    /* listen needs the 2026 era */
    init(f, "{}");
    send_text(f, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"subscriptions/listen\",\"params\":{"
                 "\"notifications\":{}}}");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(last_sent(f), "error"),
                                                        "code")),
                     -32601);
}

/* The error code of the last reply, or 0 for a result. */
static json_int_t last_code(fixture *f)
{
    return json_integer_value(json_object_get(json_object_get(last_sent(f), "error"), "code"));
}

/* A subscribe (or unsubscribe) request for "test://" followed by `n` x's then `tail`. */
static void subscribe_len(fixture *f, int id, const char *method, size_t n, const char *tail)
{
    size_t cap = n + 256;
    char *text = malloc(cap), *p;
    int k = snprintf(text, cap,
                     "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":{\"uri\":\""
                     "test://",
                     id, method);
    p = text + k;
    memset(p, 'x', n);
    snprintf(p + n, cap - (size_t)k - n, "%s\"}}", tail);
    send_text(f, text);
    free(text);
}

/* resources/subscribe: a URI longer than the limit is -32602, more subscriptions than the limit
 * per session -32000 (defaults 2,048 bytes and 1,000); re-subscribing costs nothing, and
 * unsubscribing makes room. */
static void test_subscription_limits(void **state)
{
    fixture *f = *state;
    int i;
    init(f, "{}");
    subscribe_len(f, 1, "resources/subscribe", 2048 - 7, ""); /* exactly 2,048 bytes */
    assert_int_equal(last_code(f), 0);
    subscribe_len(f, 2, "resources/subscribe", 2048 - 7 + 1, "");
    assert_int_equal(last_code(f), -32602);
    subscribe_len(f, 3, "resources/subscribe", 1u << 20, "");
    assert_int_equal(last_code(f), -32602);
    for (i = 1; i < 1000; i++) {
        char tail[16];
        snprintf(tail, sizeof tail, "%d", i);
        subscribe_len(f, 10 + i, "resources/subscribe", 1, tail);
        assert_int_equal(last_code(f), 0);
    }
    subscribe_len(f, 5000, "resources/subscribe", 1, "one-more");
    assert_int_equal(last_code(f), -32000);
    assert_non_null(strstr(
        json_string_value(json_object_get(json_object_get(last_sent(f), "error"), "message")),
        "subscriptions"));
    subscribe_len(f, 5001, "resources/subscribe", 1, "7"); /* already held: no growth */
    assert_int_equal(last_code(f), 0);
    subscribe_len(f, 5002, "resources/unsubscribe", 1, "7");
    assert_int_equal(last_code(f), 0);
    subscribe_len(f, 5003, "resources/subscribe", 1, "one-more");
    assert_int_equal(last_code(f), 0);
    /* the session keeps serving */
    mcp_server_resource_updated(f->srv, "test://xone-more");
    assert_string_equal(json_string_value(json_object_get(last_sent(f), "method")),
                        "notifications/resources/updated");
}

/* The limits are the server's to set. */
static void test_subscription_limits_set(void **state)
{
    fixture *f = *state;
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_URI_BYTES, 0), MCP_EINVAL);
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_URI_BYTES, 10), MCP_OK);
    assert_int_equal(mcp_server_set_limit(f->srv, MCP_LIMIT_SUBSCRIPTIONS, 2), MCP_OK);
    init(f, "{}");
    subscribe_len(f, 1, "resources/subscribe", 4, ""); /* test://xxxx: 11 bytes */
    assert_int_equal(last_code(f), -32602);
    subscribe_len(f, 2, "resources/subscribe", 1, "a");
    assert_int_equal(last_code(f), 0);
    subscribe_len(f, 3, "resources/subscribe", 1, "b");
    assert_int_equal(last_code(f), 0);
    subscribe_len(f, 4, "resources/subscribe", 1, "c");
    assert_int_equal(last_code(f), -32000);
}

/* subscriptions/listen: the same limits on resourceSubscriptions. */
static void test_listen_limits(void **state)
{
    fixture *f = *state;
    json_t *msg = json_pack("{s:s, s:s, s:s, s:{s:{}}}", "jsonrpc", "2.0", "id", "l1", "method",
                            "subscriptions/listen", "params", "notifications");
    json_t *params = json_object_get(msg, "params"), *uris = json_array();
    char *text, *big = malloc(2050);
    int i;
    json_object_set_new(params, "_meta",
                        json_pack("{s:s, s:{}}", "io.modelcontextprotocol/protocolVersion",
                                  "2026-07-28", "io.modelcontextprotocol/clientCapabilities"));
    json_object_set_new(json_object_get(params, "notifications"), "resourceSubscriptions", uris);
    /* one URI of 2,049 bytes */
    memset(big, 'x', 2049);
    big[2049] = '\0';
    json_array_append_new(uris, json_string(big));
    text = json_dumps(msg, JSON_COMPACT);
    send_text(f, text);
    free(text);
    assert_int_equal(last_code(f), -32602);
    /* 1,001 URIs */
    json_array_clear(uris);
    for (i = 0; i < 1001; i++)
        json_array_append_new(uris, json_sprintf("test://%d", i));
    json_object_set_new(msg, "id", json_string("l2"));
    text = json_dumps(msg, JSON_COMPACT);
    send_text(f, text);
    free(text);
    assert_int_equal(last_code(f), -32000);
    /* 1,000 are honoured */
    json_array_remove(uris, 0);
    json_object_set_new(msg, "id", json_string("l3"));
    text = json_dumps(msg, JSON_COMPACT);
    send_text(f, text);
    free(text);
    assert_string_equal(json_string_value(json_object_get(last_sent(f), "method")),
                        "notifications/subscriptions/acknowledged");
    send_text(f, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{"
                 "\"requestId\":\"l3\"}}"); /* the listen ends */
    json_decref(msg);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_logging_and_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_log_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2025, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2025_from_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2025_no_capability, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2025_timeout_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2026_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2026_via_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2026_forged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2026_bound_to_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2026_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2026_replay_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_elicit_2026_states_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_completion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscriptions_2025, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hidden_resource_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_2026, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscription_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscription_limits_set, setup, teardown),
    };
    return cmocka_run_group_tests_name("features", tests, NULL, NULL);
}
