/*
 * Mounting (include/mcp_mount.h): what a mount forwards beyond calls, all in one process on one
 * loop (inner server <- mount's client <- outer server <- real client, in-memory transports).
 *   - a mounted server's questions reaching a 2026-07-28 real client, which answers by retrying
 *     its request: a 2026 mounted server re-run with the answers (its own input_required
 *     relayed), a 2025 one held until the retry (run once), several rounds, a refusal, the
 *     limit on held calls and their timeout, and a held call taken up only by a retry whose own
 *     requestState asked its key (not by another client naming it);
 *   - with two real clients' calls in flight at once (in process and over Streamable HTTP): a
 *     2025 mounted server's questions, log lines and progress reach only the client whose call
 *     caused them; its own log (of no call) reaches every session as a server log; over legacy
 *     HTTP+SSE, which does not tell, questions are refused rather than guessed;
 *   - resource subscriptions: resources/subscribe (2025) and subscriptions/listen (2026) on a
 *     mounted resource subscribe on the mounted server, its updates come back under the outer
 *     URI, unsubscribing and ending the listen request stop them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "client_harness.h"

/* ---- the inner server ------------------------------------------------------------------------ */

static int runs; /* how many times the inner asking tools started */

static json_t *name_question(const char *message)
{
    return json_pack("{s:s, s:{s:s, s:{s:{s:s}}}}", "message", message, "requestedSchema", "type",
                     "object", "properties", "name", "type", "string");
}

static const char *answered(const json_t *result)
{
    const char *action = json_string_value(json_object_get(result, "action"));
    if (!action || strcmp(action, "accept") != 0)
        return NULL;
    return json_string_value(json_object_get(json_object_get(result, "content"), "name"));
}

static void on_name(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    (void)ud;
    if (status == MCP_ERETRY)
        return; /* 2026: asked again when the retry runs */
    if (status == MCP_OK && answered(result))
        mcp_call_text(call, "hello %s", answered(result));
    else if (status == MCP_OK)
        mcp_call_text(call, "declined");
    else
        mcp_call_tool_error(call, "no answer: %s", mcp_strerror(status));
    mcp_call_complete(call);
}

static int ask_name(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    runs++;
    if (mcp_call_elicit_new(call, name_question("Your name?"), on_name, NULL) != MCP_OK)
        return mcp_call_tool_error(call, "cannot ask");
    return MCP_PENDING;
}

/* Two questions, the second asked once the first is answered. */
static void on_color(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    char *name = ud;
    if (status == MCP_ERETRY) {
        free(name);
        return;
    }
    if (status == MCP_OK && answered(result))
        mcp_call_text(call, "%s likes %s", name, answered(result));
    else
        mcp_call_tool_error(call, "no color");
    free(name);
    mcp_call_complete(call);
}

static void on_first(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    char *name;
    (void)ud;
    if (status == MCP_ERETRY)
        return;
    if (status != MCP_OK || !answered(result)) {
        mcp_call_tool_error(call, "no name");
        mcp_call_complete(call);
        return;
    }
    name = strdup(answered(result));
    if (mcp_call_elicit_new(call, name_question("Your color?"), on_color, name) != MCP_OK) {
        free(name);
        mcp_call_tool_error(call, "cannot ask");
        mcp_call_complete(call);
    }
}

static int ask_twice(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    runs++;
    if (mcp_call_elicit_new(call, name_question("Your name?"), on_first, NULL) != MCP_OK)
        return mcp_call_tool_error(call, "cannot ask");
    return MCP_PENDING;
}

static mcp_server_t *inner_new(void)
{
    mcp_server_t *s = mcp_server_new("inner", "1.0");
    assert_non_null(s);
    assert_int_equal(
        mcp_server_add_tool(s, &(mcp_tool_t){.name = "ask_name", .handler = ask_name}, NULL),
        MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(s, &(mcp_tool_t){.name = "ask_twice", .handler = ask_twice}, NULL),
        MCP_OK);
    ch_add_static(s);
    return s;
}

/* ---- the set-up ------------------------------------------------------------------------------ */

typedef struct fix {
    ch_mount m;
    int asked;    /* questions that reached it */
    bool decline; /* it declines them */
    bool keep;    /* it keeps them unanswered (in `kept`) */
    mcp_client_ask_t *kept[4];
    int nkept;
    json_t *updates; /* URIs of the notifications/resources/updated it got */
} fix;

static const char *const colors[] = {"Ada", "blue"};

static void real_ask(mcp_client_t *c, mcp_client_ask_t *ask, const char *method,
                     const json_t *params, void *ud)
{
    fix *f = ud;
    const char *msg = json_string_value(json_object_get(params, "message"));
    (void)c;
    assert_string_equal(method, "elicitation/create");
    f->asked++;
    if (f->keep && f->nkept < 4) {
        f->kept[f->nkept++] = ask;
        return;
    }
    if (f->decline)
        mcp_client_ask_reply_new(ask, json_pack("{s:s}", "action", "decline"));
    else
        mcp_client_ask_reply_new(ask,
                                 json_pack("{s:s, s:{s:s}}", "action", "accept", "content", "name",
                                           colors[msg && strstr(msg, "color") ? 1 : 0]));
}

static void real_note(mcp_client_t *c, const char *method, const json_t *params, void *ud)
{
    fix *f = ud;
    (void)c;
    if (strcmp(method, "notifications/resources/updated") == 0)
        json_array_append(f->updates, json_object_get(params, "uri"));
}

static fix *fix_new(const char *inner_protocol, const char *outer_protocol)
{
    fix *f = calloc(1, sizeof *f);
    assert_non_null(f);
    runs = 0;
    f->updates = json_array();
    ch_mount_open(&f->m, inner_new(), inner_protocol, outer_protocol);
    mcp_client_on_ask(f->m.c, MCP_CLIENT_ASK_ELICITATION, real_ask, f);
    mcp_client_on_notification(f->m.c, real_note, f);
    ch_initialize(f->m.c);
    return f;
}

static void fix_free(fix *f)
{
    ch_mount_close(&f->m);
    json_decref(f->updates);
    free(f);
}

static void run_for(fix *f, int turns)
{
    int i;
    for (i = 0; i < turns; i++)
        uv_run(&f->m.loop, UV_RUN_NOWAIT);
}

/* Call `tool` on the real client and return its first text (static buffer). */
static const char *call_text(fix *f, const char *tool, bool *is_error)
{
    static char text[256];
    json_t *res = NULL;
    const char *t;
    assert_int_equal(mcp_client_call_tool_sync(f->m.c, tool, NULL, &res, NULL), MCP_OK);
    t = mcp_client_result_text(res);
    snprintf(text, sizeof text, "%s", t ? t : "");
    if (is_error)
        *is_error = mcp_client_result_is_error(res);
    json_decref(res);
    return text;
}

/* ---- questions of the mounted server, 2026-07-28 real client ----------------------------------
 */

/* A 2025 mounted server asks inside its call: the call is held, the real client's retry carries
 * the answer to it, and the inner tool ran once. */
static void test_held_2025_inner(void **state)
{
    fix *f = fix_new(MCP_PROTOCOL_2025_11_25, NULL);
    (void)state;
    assert_string_equal(call_text(f, "in_ask_name", NULL), "hello Ada");
    assert_int_equal(f->asked, 1);
    assert_int_equal(runs, 1);
    /* two rounds: each question its own input_required, the same held call throughout */
    assert_string_equal(call_text(f, "in_ask_twice", NULL), "Ada likes blue");
    assert_int_equal(f->asked, 3);
    assert_int_equal(runs, 2);
    /* a refusal goes back as the answer */
    f->decline = true;
    assert_string_equal(call_text(f, "in_ask_name", NULL), "declined");
    fix_free(f);
}

/* A 2026 mounted server asks with its own input_required: the real client's retry runs the
 * call again, and the inner server's retry finds its answers. */
static void test_relayed_2026_inner(void **state)
{
    fix *f = fix_new(NULL, NULL);
    (void)state;
    assert_string_equal(call_text(f, "in_ask_name", NULL), "hello Ada");
    assert_int_equal(f->asked, 1);
    /* a stateless handler runs again: asked (1); the real client's retry runs the inner call
     * afresh (2), whose input_required the mount answers from the retry, and the inner retry (3) */
    assert_int_equal(runs, 3);
    assert_string_equal(call_text(f, "in_ask_twice", NULL), "Ada likes blue");
    assert_int_equal(f->asked, 3);
    f->decline = true;
    assert_string_equal(call_text(f, "in_ask_name", NULL), "declined");
    fix_free(f);
}

/* A 2025 real client still gets the questions as requests of its own, either inner era. */
static void test_2025_client(void **state)
{
    fix *f = fix_new(NULL, MCP_PROTOCOL_2025_11_25);
    (void)state;
    assert_string_equal(call_text(f, "in_ask_twice", NULL), "Ada likes blue");
    fix_free(f);
    f = fix_new(MCP_PROTOCOL_2025_11_25, MCP_PROTOCOL_2025_11_25);
    assert_string_equal(call_text(f, "in_ask_twice", NULL), "Ada likes blue");
    assert_int_equal(runs, 1);
    fix_free(f);
}

/* At most MCP_LIMIT_MOUNT_HELD calls wait for a retry: one more gets its question refused. */
static void test_held_limit(void **state)
{
    fix *f = fix_new(MCP_PROTOCOL_2025_11_25, NULL);
    ch_done a = {.keep = true}, b = {.keep = true};
    bool err = false;
    (void)state;
    assert_int_equal(mcp_server_set_limit(f->m.outer, MCP_LIMIT_MOUNT_HELD, 1), MCP_OK);
    f->keep = true;
    assert_int_equal(
        mcp_client_call_tool_new(f->m.c, "in_ask_name", NULL, NULL, ch_on_done, &a, NULL), MCP_OK);
    ch_run_until(&f->m.loop, &f->asked);
    assert_int_equal(f->nkept, 1); /* the first is held, its question with the real client */
    assert_int_equal(
        mcp_client_call_tool_new(f->m.c, "in_ask_name", NULL, NULL, ch_on_done, &b, NULL), MCP_OK);
    ch_run_until(&f->m.loop, &b.n);
    assert_int_equal(b.status, MCP_OK);
    assert_true(mcp_client_result_is_error(b.result));
    assert_non_null(strstr(b.text, "no answer"));
    assert_int_equal(f->nkept, 1);
    /* the first one's answer still gets through */
    mcp_client_ask_reply_new(
        f->kept[0], json_pack("{s:s, s:{s:s}}", "action", "accept", "content", "name", "Bo"));
    ch_run_until(&f->m.loop, &a.n);
    assert_int_equal(a.status, MCP_OK);
    assert_string_equal(a.text, "hello Bo");
    /* and the slot is free again */
    f->keep = false;
    assert_string_equal(call_text(f, "in_ask_name", &err), "hello Ada");
    assert_false(err);
    json_decref(a.result);
    json_decref(b.result);
    fix_free(f);
}

/* A held call not taken up within MCP_LIMIT_MOUNT_HELD_MS is cancelled; the late retry is told
 * so. */
static void test_held_timeout(void **state)
{
    fix *f = fix_new(MCP_PROTOCOL_2025_11_25, NULL);
    ch_done a = {.keep = true};
    uint64_t until;
    int turns = 0;
    (void)state;
    assert_int_equal(mcp_server_set_limit(f->m.outer, MCP_LIMIT_MOUNT_HELD_MS, 30), MCP_OK);
    f->keep = true;
    assert_int_equal(
        mcp_client_call_tool_new(f->m.c, "in_ask_name", NULL, NULL, ch_on_done, &a, NULL), MCP_OK);
    ch_run_until(&f->m.loop, &f->asked);
    assert_int_equal(f->nkept, 1);
    uv_update_time(&f->m.loop);
    until = uv_now(&f->m.loop) + 200;
    while (uv_now(&f->m.loop) < until && turns++ < 1000) {
        uv_run(&f->m.loop, UV_RUN_NOWAIT);
        uv_sleep(2);
        uv_update_time(&f->m.loop);
    }
    mcp_client_ask_reply_new(
        f->kept[0], json_pack("{s:s, s:{s:s}}", "action", "accept", "content", "name", "Bo"));
    ch_run_until(&f->m.loop, &a.n);
    assert_int_equal(a.status, MCP_OK);
    assert_true(mcp_client_result_is_error(a.result));
    assert_non_null(strstr(a.text, "no longer held"));
    json_decref(a.result);
    fix_free(f);
}

/* ---- a held call belongs to the request that asked -------------------------------------------
 */

/* The outer server's middleware plays a second real client that puts another call's held key
 * into the answers of its own retry (its own requestState, which never asked that key). */
static struct {
    char victim[64]; /* the first held key sent out in an input_required */
    int rewrites;
} forge;

static void forge_response(const mcp_request_info_t *req, const mcp_outcome_t *out, void *ud)
{
    const json_t *asked =
        json_object_get(json_object_get(out->response, "result"), "inputRequests");
    const char *key;
    json_t *v;
    (void)req;
    (void)ud;
    if (!forge.victim[0])
        json_object_foreach((json_t *)asked, key, v)
        {
            snprintf(forge.victim, sizeof forge.victim, "%s", key);
            break;
        }
}

static int forge_request(const mcp_request_info_t *req, void *ud)
{
    json_t *answers = json_object_get(req->params, "inputResponses"), *v;
    const char *key, *own = NULL;
    (void)ud;
    if (strcmp(req->method, "tools/call") != 0 || !forge.victim[0] || forge.rewrites)
        return MCP_OK;
    json_object_foreach(answers, key, v)
    {
        if (key[0] == 'h' && strncmp(key, forge.victim, 33) != 0)
            own = key;
    }
    if (own) {
        v = json_incref(json_object_get(answers, own));
        json_object_del(answers, own);
        json_object_set_new(answers, forge.victim, v);
        forge.rewrites++;
    }
    return MCP_OK;
}

static void other_ask(mcp_client_t *c, mcp_client_ask_t *ask, const char *method,
                      const json_t *params, void *ud)
{
    (void)c;
    (void)method;
    (void)params;
    ++*(int *)ud;
    mcp_client_ask_reply_new(
        ask, json_pack("{s:s, s:{s:s}}", "action", "accept", "content", "name", "Eve"));
}

/* A retry whose requestState did not ask a held call's key does not take that call up: the
 * call stays with the client it asked, and the other retry runs its own call. */
static void test_held_not_taken_by_another(void **state)
{
    fix *f = fix_new(MCP_PROTOCOL_2025_11_25, NULL);
    mcp_client_t *other = mcp_client_new(&f->m.loop, "other", "1");
    ch_done a = {.keep = true}, b = {.keep = true};
    int other_asked = 0;
    (void)state;
    memset(&forge, 0, sizeof forge);
    assert_int_equal(mcp_server_use(f->m.outer, &(mcp_middleware_t){.name = "forge",
                                                                    .request = forge_request,
                                                                    .response = forge_response}),
                     MCP_OK);
    assert_int_equal(mcp_client_connect_server(other, f->m.outer), MCP_OK);
    mcp_client_on_ask(other, MCP_CLIENT_ASK_ELICITATION, other_ask, &other_asked);
    assert_int_equal(mcp_client_initialize_sync(other, NULL, NULL), MCP_OK);
    f->keep = true;
    assert_int_equal(
        mcp_client_call_tool_new(f->m.c, "in_ask_name", NULL, NULL, ch_on_done, &a, NULL), MCP_OK);
    ch_run_until(&f->m.loop, &f->asked);
    assert_int_equal(f->nkept, 1);
    assert_int_equal(forge.victim[0], 'h');
    assert_int_equal(
        mcp_client_call_tool_new(other, "in_ask_name", NULL, NULL, ch_on_done, &b, NULL), MCP_OK);
    ch_run_until(&f->m.loop, &b.n);
    assert_int_equal(forge.rewrites, 1);
    assert_int_equal(b.status, MCP_OK);
    assert_string_equal(mcp_client_result_text(b.result), "hello Eve");
    /* the first client's call is still held for it, its question never shown to the other */
    mcp_client_ask_reply_new(
        f->kept[0], json_pack("{s:s, s:{s:s}}", "action", "accept", "content", "name", "Bo"));
    ch_run_until(&f->m.loop, &a.n);
    assert_int_equal(a.status, MCP_OK);
    assert_false(mcp_client_result_is_error(a.result));
    assert_string_equal(mcp_client_result_text(a.result), "hello Bo");
    json_decref(a.result);
    json_decref(b.result);
    mcp_client_free(other);
    fix_free(f);
}

/* ---- subscriptions ----------------------------------------------------------------------------
 */

/* Updates the inner server announces until `n` reached the real client (bounded). */
static void wait_updates(fix *f, size_t n)
{
    int i;
    for (i = 0; i < 200 && json_array_size(f->updates) < n; i++)
        uv_run(&f->m.loop, UV_RUN_NOWAIT);
}

static void test_subscribe_2025(void **state)
{
    fix *f = fix_new(MCP_PROTOCOL_2025_11_25, MCP_PROTOCOL_2025_11_25);
    ch_done d = {0}, u = {0};
    (void)state;
    assert_int_equal(mcp_client_subscribe(f->m.c, "test://in/static", ch_on_done, &d), MCP_OK);
    ch_run_until(&f->m.loop, &d.n);
    assert_int_equal(d.status, MCP_OK);
    run_for(f, 20); /* the mount's own resources/subscribe reaches the inner server */
    assert_int_equal(mcp_server_resource_updated(f->m.inner, "test://static"), MCP_OK);
    wait_updates(f, 1);
    assert_int_equal(json_array_size(f->updates), 1);
    assert_string_equal(json_string_value(json_array_get(f->updates, 0)), "test://in/static");
    assert_int_equal(mcp_client_unsubscribe(f->m.c, "test://in/static", ch_on_done, &u), MCP_OK);
    ch_run_until(&f->m.loop, &u.n);
    run_for(f, 20);
    /* the mounted server is no longer subscribed: its update goes nowhere */
    assert_int_equal(mcp_server_resource_updated(f->m.inner, "test://static"), MCP_OK);
    run_for(f, 50);
    assert_int_equal(json_array_size(f->updates), 1);
    fix_free(f);
}

static void test_listen_2026(void **state)
{
    fix *f = fix_new(NULL, NULL);
    mcp_client_request_t *listen = NULL;
    ch_done d = {0};
    (void)state;
    assert_int_equal(mcp_client_listen_new(f->m.c,
                                           json_pack("{s:{s:[s]}}", "notifications",
                                                     "resourceSubscriptions", "test://in/static"),
                                           ch_on_done, &d, &listen),
                     MCP_OK);
    run_for(f, 50); /* acknowledged; the mount listens again, now with the URI */
    assert_int_equal(mcp_server_resource_updated(f->m.inner, "test://static"), MCP_OK);
    wait_updates(f, 1);
    assert_int_equal(json_array_size(f->updates), 1);
    assert_string_equal(json_string_value(json_array_get(f->updates, 0)), "test://in/static");
    /* an update of the outer server's own, unrelated URI is not the mount's business */
    assert_int_equal(mcp_client_cancel(f->m.c, listen, "done"), MCP_OK);
    ch_run_until(&f->m.loop, &d.n);
    run_for(f, 50);
    assert_int_equal(mcp_server_resource_updated(f->m.inner, "test://static"), MCP_OK);
    run_for(f, 50);
    assert_int_equal(json_array_size(f->updates), 1);
    fix_free(f);
}

/* ---- a 2025 mounted server's questions reach the real client whose call asked -------------------
 *
 * Two real clients (two sessions of the outer server) call the inner tool "ask_pair" at once.
 * The inner server holds both calls until the second arrives, then asks the FIRST call's
 * question: the most recent call in flight is the second one's, so a mount that guessed would
 * show the first client's question to the second. */

static mcp_call_t *pair[2];
static char pair_who[2][8];
static int npair, arrived;

static void on_pair(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    const char *msg = json_string_value(json_object_get(result, "message"));
    (void)ud;
    if (status == MCP_OK && answered(result))
        mcp_call_text(call, "hello %s", answered(result));
    else
        mcp_call_tool_error(call, "no answer: %s", msg ? msg : mcp_strerror(status));
    mcp_call_complete(call);
}

/* Keep `call` (naming args' "who") as one of the pair: are both in now? */
static bool pair_in(mcp_call_t *call, const json_t *args)
{
    const char *who = json_string_value(json_object_get(args, "who"));
    arrived++;
    snprintf(pair_who[npair], sizeof pair_who[npair], "%s", who ? who : "?");
    pair[npair++] = call;
    return npair == 2;
}

static int ask_pair(mcp_call_t *call, const json_t *args, void *ud)
{
    int i;
    (void)ud;
    if (!pair_in(call, args))
        return MCP_PENDING;
    for (i = 0; i < 2; i++) { /* the first one first */
        char text[64];
        snprintf(text, sizeof text, "Your name, %s?", pair_who[i]);
        if (mcp_call_elicit_new(pair[i], name_question(text), on_pair, NULL) != MCP_OK) {
            mcp_call_tool_error(pair[i], "cannot ask");
            mcp_call_complete(pair[i]);
        }
    }
    npair = 0;
    return MCP_PENDING;
}

/* Once both calls are in: logs the first call's line first (when a mount sent logs to the most
 * recent call, the second client saw it) and reports each call's progress; the test then logs a
 * line of the server's own, related to no call, and completes both. */
static int log_pair(mcp_call_t *call, const json_t *args, void *ud)
{
    int i;
    (void)ud;
    if (!pair_in(call, args))
        return MCP_PENDING;
    for (i = 0; i < 2; i++) {
        assert_int_equal(mcp_call_log(pair[i], MCP_LOG_INFO, "inner", "line for %s", pair_who[i]),
                         MCP_OK);
        assert_int_equal(mcp_call_progress(pair[i], 1, 2, pair_who[i]), MCP_OK);
    }
    return MCP_PENDING;
}

/* How the outer server reaches the inner one. */
enum { VIA_MEMORY, VIA_HTTP, VIA_SSE };

typedef struct duo {
    uv_loop_t loop;
    mcp_server_t *inner, *outer;
    mcp_client_t *c[2]; /* the real clients */
    char tag[2][4];     /* "A", "B": what each one's questions must name */
    int asked[2], wrong[2];
    mcp_client_ask_t *kept[2][2];
    mcp_client_request_t *req[2]; /* each real client's call in flight (log_pair) */
    int own[2], progress[2];      /* its call's log lines and progress, with that call named */
    int server[2];                /* the mounted server's own log line, as a server log */
} duo;

/* A real client's log line: its own call's (naming its tag, related to its call), or the mounted
 * server's own line (related to no call); anything else (another client's line) is wrong. */
static void duo_log(mcp_client_t *c, mcp_log_level level, const char *logger, const json_t *data,
                    void *ud)
{
    duo *d = ud;
    int i = c == d->c[0] ? 0 : 1;
    const char *text = json_string_value(data);
    char want[32];
    mcp_client_request_t *r = mcp_client_notification_request(c);
    snprintf(want, sizeof want, "line for %s", d->tag[i]);
    if (text && strcmp(text, want) == 0 && r && r == d->req[i] && level == MCP_LOG_INFO)
        d->own[i]++;
    else if (text && strcmp(text, "unrelated") == 0 && !r && level == MCP_LOG_NOTICE && logger &&
             strcmp(logger, "inner") == 0)
        d->server[i]++;
    else
        d->wrong[i]++;
}

static void duo_progress(mcp_client_t *c, double progress, double total, const char *message,
                         void *ud)
{
    duo *d = ud;
    int i = c == d->c[0] ? 0 : 1;
    if (message && strcmp(message, d->tag[i]) == 0 && progress == 1 && total == 2 &&
        mcp_client_notification_request(c) == d->req[i])
        d->progress[i]++;
    else
        d->wrong[i]++;
}

static void duo_ask(mcp_client_t *c, mcp_client_ask_t *ask, const char *method,
                    const json_t *params, void *ud)
{
    duo *d = ud;
    int i = c == d->c[0] ? 0 : 1;
    const char *msg = json_string_value(json_object_get(params, "message"));
    char want[64];
    (void)method;
    snprintf(want, sizeof want, ", %s", d->tag[i]);
    if (!msg || !strstr(msg, want))
        d->wrong[i]++; /* another client's question */
    if (d->asked[i] < 2)
        d->kept[i][d->asked[i]] = ask;
    else
        mcp_client_ask_fail(ask, MCP_JSONRPC_INTERNAL_ERROR, "too many");
    d->asked[i]++;
}

/* inner (ask_pair) mounted on outer under "in", reached `via`; `outer_protocol` for both real
 * clients (NULL: negotiated). */
static duo *duo_new(int via, const char *outer_protocol)
{
    duo *d = calloc(1, sizeof *d);
    mcp_client_t *mc;
    mcp_error_t err = {0};
    int i;
    assert_non_null(d);
    npair = arrived = 0;
    assert_int_equal(uv_loop_init(&d->loop), 0);
    d->inner = mcp_server_new("inner", "1.0");
    d->outer = mcp_server_new("outer", "2.0");
    assert_int_equal(
        mcp_server_add_tool(d->inner, &(mcp_tool_t){.name = "ask_pair", .handler = ask_pair}, NULL),
        MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(d->inner, &(mcp_tool_t){.name = "log_pair", .handler = log_pair}, NULL),
        MCP_OK);
    assert_int_equal(mcp_server_attach(d->inner, &d->loop), MCP_OK);
    assert_int_equal(mcp_server_attach(d->outer, &d->loop), MCP_OK);
    mc = mcp_client_new(&d->loop, "mounter", "1");
    assert_int_equal(mcp_client_set_protocol(mc, MCP_PROTOCOL_2025_11_25), MCP_OK);
    if (via == VIA_MEMORY) {
        assert_int_equal(mcp_client_connect_server(mc, d->inner), MCP_OK);
    } else {
        mcp_http_opts_t o = {0};
        mcp_client_http_opts_t co = {0};
        char url[128];
        o.port = 0;
        if (via == VIA_SSE) {
            assert_int_equal(mcp_server_listen_sse(d->inner, &o), MCP_OK);
            snprintf(url, sizeof url, "http://127.0.0.1:%u/sse", mcp_server_http_port(d->inner, 1));
        } else {
            assert_int_equal(mcp_server_listen_http(d->inner, &o), MCP_OK);
            snprintf(url, sizeof url, "http://127.0.0.1:%u/mcp", mcp_server_http_port(d->inner, 0));
        }
        co.legacy_sse = via == VIA_SSE;
        assert_int_equal(mcp_client_connect_url(mc, url, &co), MCP_OK);
    }
    assert_int_equal(mcp_server_mount(d->outer, mc, "in", &err), MCP_OK);
    for (i = 0; i < 2; i++) {
        snprintf(d->tag[i], sizeof d->tag[i], "%c", 'A' + i);
        d->c[i] = mcp_client_new(&d->loop, "real", "1");
        assert_int_equal(mcp_client_connect_server(d->c[i], d->outer), MCP_OK);
        if (outer_protocol)
            assert_int_equal(mcp_client_set_protocol(d->c[i], outer_protocol), MCP_OK);
        mcp_client_on_ask(d->c[i], MCP_CLIENT_ASK_ELICITATION, duo_ask, d);
        mcp_client_on_log(d->c[i], duo_log, d);
        ch_initialize(d->c[i]);
    }
    return d;
}

static void duo_free(duo *d)
{
    mcp_client_free(d->c[0]);
    mcp_client_free(d->c[1]);
    ch_drain(&d->loop);
    mcp_server_free(d->outer); /* frees the mount's client */
    ch_drain(&d->loop);
    mcp_server_free(d->inner);
    ch_loop_close(&d->loop);
    free(d);
}

/* Client `i` calls in_ask_pair naming `who`; run until the inner server has had `n` calls. */
static void duo_call(duo *d, int i, const char *who, ch_done *out, int n)
{
    int turns;
    assert_int_equal(mcp_client_call_tool_new(d->c[i], "in_ask_pair",
                                              json_pack("{s:s}", "who", who), NULL, ch_on_done, out,
                                              NULL),
                     MCP_OK);
    for (turns = 0; turns < 2000 && arrived < n; turns++)
        uv_run(&d->loop, UV_RUN_ONCE);
    assert_int_equal(arrived, n);
}

static void duo_answer(mcp_client_ask_t *ask, const char *name)
{
    mcp_client_ask_reply_new(
        ask, json_pack("{s:s, s:{s:s}}", "action", "accept", "content", "name", name));
}

/* Both questions asked while both calls are in flight: each reaches only its own client, and
 * each answer only its own call. */
static void routed(int via, const char *outer_protocol)
{
    duo *d = duo_new(via, outer_protocol);
    ch_done a = {0}, b = {0};
    int turns, both;
    duo_call(d, 0, "A", &a, 1);
    assert_int_equal(npair, 1);
    duo_call(d, 1, "B", &b, 2);
    for (turns = 0; turns < 2000 && d->asked[0] + d->asked[1] < 2; turns++)
        uv_run(&d->loop, UV_RUN_ONCE);
    assert_int_equal(d->asked[0], 1);
    assert_int_equal(d->asked[1], 1);
    assert_int_equal(d->wrong[0], 0);
    assert_int_equal(d->wrong[1], 0);
    assert_int_equal(a.n + b.n, 0);
    duo_answer(d->kept[1][0], "Bea"); /* in the other order */
    duo_answer(d->kept[0][0], "Ada");
    for (turns = 0, both = 0; turns < 2000 && !both; turns++) {
        uv_run(&d->loop, UV_RUN_ONCE);
        both = a.n && b.n;
    }
    assert_int_equal(a.status, MCP_OK);
    assert_int_equal(b.status, MCP_OK);
    assert_string_equal(a.text, "hello Ada");
    assert_string_equal(b.text, "hello Bea");
    duo_free(d);
}

static void test_routed_memory(void **state)
{
    (void)state;
    routed(VIA_MEMORY, MCP_PROTOCOL_2025_11_25);
    routed(VIA_MEMORY, NULL); /* 2026 real clients: both calls held, each for its own retry */
}

static void test_routed_http(void **state)
{
    (void)state;
    routed(VIA_HTTP, MCP_PROTOCOL_2025_11_25);
}

/* ---- a mounted server's log lines and progress reach only the real client whose call caused
 * them; its own log (of no call) reaches every session as a server log ----------------------- */

static void tick(uv_timer_t *t)
{
    (void)t;
}

static void logged(int via)
{
    duo *d = duo_new(via, MCP_PROTOCOL_2025_11_25);
    ch_done done[2] = {{0}};
    mcp_client_call_opts_t o = {0};
    uv_timer_t ticker; /* a turn of the loop waits 10 ms at most: every wait below is bounded */
    int i, turns;
    assert_int_equal(uv_timer_init(&d->loop, &ticker), 0);
    assert_int_equal(uv_timer_start(&ticker, tick, 10, 10), 0);
    o.progress = duo_progress;
    o.progress_userdata = d;
    for (i = 0; i < 2; i++) {
        assert_int_equal(mcp_client_call_tool_new(d->c[i], "in_log_pair",
                                                  json_pack("{s:s}", "who", d->tag[i]), &o,
                                                  ch_on_done, &done[i], &d->req[i]),
                         MCP_OK);
        for (turns = 0; turns < 2000 && arrived < i + 1; turns++)
            uv_run(&d->loop, UV_RUN_ONCE);
        assert_int_equal(arrived, i + 1);
    }
    for (turns = 0; turns < 2000 && d->own[0] + d->own[1] + d->progress[0] + d->progress[1] < 4;
         turns++)
        uv_run(&d->loop, UV_RUN_ONCE);
    /* the server's own line, while both calls are in flight (not from a request's handler: that
     * would travel on the request's HTTP response stream, and so relate to that request) */
    assert_int_equal(mcp_server_log_clients(d->inner, MCP_LOG_NOTICE, "inner", "unrelated"),
                     MCP_OK);
    for (turns = 0; turns < 2000 && d->server[0] + d->server[1] < 2; turns++)
        uv_run(&d->loop, UV_RUN_ONCE);
    assert_int_equal(done[0].n + done[1].n, 0);
    for (i = 0; i < 2; i++) {
        mcp_call_text(pair[i], "done %s", pair_who[i]);
        mcp_call_complete(pair[i]);
    }
    npair = 0;
    for (turns = 0; turns < 2000 && !(done[0].n && done[1].n); turns++)
        uv_run(&d->loop, UV_RUN_ONCE);
    for (i = 0; i < 2; i++) {
        assert_int_equal(done[i].n, 1);
        assert_int_equal(done[i].status, MCP_OK);
        assert_string_equal(done[i].text, i ? "done B" : "done A");
        assert_int_equal(d->own[i], 1);
        assert_int_equal(d->progress[i], 1);
        assert_int_equal(d->server[i], 1);
        assert_int_equal(d->wrong[i], 0);
    }
    uv_close((uv_handle_t *)&ticker, NULL);
    duo_free(d);
}

static void test_logs_memory(void **state)
{
    (void)state;
    logged(VIA_MEMORY);
}

static void test_logs_http(void **state)
{
    (void)state;
    logged(VIA_HTTP);
}

/* Legacy HTTP+SSE (like STDIO) does not tell which call a question belongs to: with calls of two
 * sessions in flight, the questions are refused, not guessed; one session's calls still get
 * theirs. */
static void test_unlinked(void **state)
{
    duo *d = duo_new(VIA_SSE, MCP_PROTOCOL_2025_11_25);
    ch_done a = {0}, b = {0};
    int turns;
    (void)state;
    duo_call(d, 0, "A", &a, 1);
    duo_call(d, 1, "B", &b, 2);
    for (turns = 0; turns < 2000 && !(a.n && b.n); turns++)
        uv_run(&d->loop, UV_RUN_ONCE);
    assert_int_equal(d->asked[0] + d->asked[1], 0);
    assert_int_equal(a.status, MCP_OK);
    assert_int_equal(b.status, MCP_OK);
    assert_non_null(strstr(a.text, "no answer: "));
    assert_non_null(strstr(a.text, "cannot be matched"));
    assert_non_null(strstr(b.text, "cannot be matched"));
    /* both calls from one session: no doubt, both asked of it */
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    snprintf(d->tag[0], sizeof d->tag[0], "A");
    duo_call(d, 0, "A", &a, 3);
    duo_call(d, 0, "A", &b, 4);
    for (turns = 0; turns < 2000 && d->asked[0] < 2; turns++)
        uv_run(&d->loop, UV_RUN_ONCE);
    assert_int_equal(d->asked[0], 2);
    assert_int_equal(d->wrong[0], 0);
    duo_answer(d->kept[0][0], "Ada");
    duo_answer(d->kept[0][1], "Al");
    for (turns = 0; turns < 2000 && !(a.n && b.n); turns++)
        uv_run(&d->loop, UV_RUN_ONCE);
    assert_int_equal(a.status, MCP_OK);
    assert_int_equal(b.status, MCP_OK);
    assert_string_equal(a.text, "hello Ada");
    assert_string_equal(b.text, "hello Al");
    duo_free(d);
}

/* Over legacy HTTP+SSE (like STDIO) nothing tells which call a log line belongs to: with every
 * call in progress one session's, the lines still reach that session's calls (a proxy's usual
 * case), not only the sessions that set a log level. */
static void unlinked_log(mcp_client_t *c, mcp_log_level level, const char *logger,
                         const json_t *data, void *ud)
{
    const char *text = json_string_value(data);
    (void)logger;
    if (text && strcmp(text, "line for A") == 0 && level == MCP_LOG_INFO &&
        mcp_client_notification_request(c))
        ++*(int *)ud;
}

static void test_logs_unlinked(void **state)
{
    duo *d = duo_new(VIA_SSE, MCP_PROTOCOL_2025_11_25);
    ch_done done[2] = {{0}};
    uv_timer_t ticker; /* a turn of the loop waits 10 ms at most: every wait is bounded */
    int i, turns, lines = 0;
    (void)state;
    assert_int_equal(uv_timer_init(&d->loop, &ticker), 0);
    assert_int_equal(uv_timer_start(&ticker, tick, 10, 10), 0);
    mcp_client_on_log(d->c[0], unlinked_log, &lines);
    for (i = 0; i < 2; i++) {
        assert_int_equal(mcp_client_call_tool_new(d->c[0], "in_log_pair",
                                                  json_pack("{s:s}", "who", "A"), NULL, ch_on_done,
                                                  &done[i], NULL),
                         MCP_OK);
        for (turns = 0; turns < 2000 && arrived < i + 1; turns++)
            uv_run(&d->loop, UV_RUN_ONCE);
        assert_int_equal(arrived, i + 1);
    }
    for (turns = 0; turns < 2000 && lines < 2; turns++)
        uv_run(&d->loop, UV_RUN_ONCE);
    assert_int_equal(lines, 2);
    for (i = 0; i < 2; i++) {
        mcp_call_text(pair[i], "done %s", pair_who[i]);
        mcp_call_complete(pair[i]);
    }
    npair = 0;
    for (turns = 0; turns < 2000 && !(done[0].n && done[1].n); turns++)
        uv_run(&d->loop, UV_RUN_ONCE);
    assert_int_equal(done[0].status, MCP_OK);
    assert_int_equal(done[1].status, MCP_OK);
    uv_close((uv_handle_t *)&ticker, NULL);
    duo_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_2025_inner), cmocka_unit_test(test_relayed_2026_inner),
        cmocka_unit_test(test_2025_client),     cmocka_unit_test(test_held_limit),
        cmocka_unit_test(test_held_timeout),    cmocka_unit_test(test_held_not_taken_by_another),
        cmocka_unit_test(test_subscribe_2025),  cmocka_unit_test(test_listen_2026),
        cmocka_unit_test(test_routed_memory),   cmocka_unit_test(test_routed_http),
        cmocka_unit_test(test_unlinked),        cmocka_unit_test(test_logs_memory),
        cmocka_unit_test(test_logs_unlinked),   cmocka_unit_test(test_logs_http),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
