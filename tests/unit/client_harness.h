/*
 * The client unit tests' shared pieces (test_client.c, test_mount.c, test_mount_forward.c,
 * test_client_http.c, test_client_bad.c): tools a server under test offers, the client's answer
 * to its questions, an outcome recorder, initialize, a mounted server's set-up, and running /
 * closing a loop with a bound. No mocks: each test wires these to a real server and a real
 * client. Include after <cmocka.h>.
 */
#ifndef MCP_TEST_CLIENT_HARNESS_H
#define MCP_TEST_CLIENT_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mcp_client.h"
#include "mcp_mount.h"
#include <uv.h>

/* ---- tools --------------------------------------------------------------------------------- */

/* add {a, b}: the sum as text ("%g"). */
static inline int ch_add(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)ud;
    return mcp_call_text(call, "%g",
                         json_number_value(json_object_get(args, "a")) +
                             json_number_value(json_object_get(args, "b")));
}

/* A tool error, always: CH_FAILS_TEXT. */
#define CH_FAILS_TEXT "this tool always fails"
static inline int ch_fails(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_tool_error(call, CH_FAILS_TEXT);
}

/* A JSON-RPC error, always: code -32042, message "custom error", data {"why": 7}. */
static inline int ch_rpc_error(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_fail_new(call, -32042, json_pack("{s:i}", "why", 7), "custom error");
}

static inline void ch_elicited(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    (void)ud;
    if (status == MCP_ERETRY)
        return;
    if (status == MCP_OK)
        mcp_call_text(
            call, "name=%s action=%s",
            json_string_value(json_object_get(json_object_get(result, "content"), "name")),
            json_string_value(json_object_get(result, "action")));
    else
        mcp_call_tool_error(call, "no answer: %s", mcp_strerror(status));
    mcp_call_complete(call);
}

/* Asks the client "Your name?" (elicitation, a string `name`); the result is the text
 * "name=NAME action=ACTION", or a tool error "no answer: ..." / "cannot ask: ...". */
static inline int ch_ask(mcp_call_t *call, const json_t *args, void *ud)
{
    int rc;
    (void)args;
    (void)ud;
    rc = mcp_call_elicit_new(call,
                             json_pack("{s:s,s:{s:s,s:{s:{s:s}}}}", "message", "Your name?",
                                       "requestedSchema", "type", "object", "properties", "name",
                                       "type", "string"),
                             ch_elicited, NULL);
    if (rc != MCP_OK)
        return mcp_call_tool_error(call, "cannot ask: %s", mcp_strerror(rc));
    return MCP_PENDING;
}

/* A prompt handler: one user message "Hello NAME" (argument `name`). */
static inline int ch_greet(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)ud;
    return mcp_call_prompt_text(call, "user", "Hello %s",
                                json_string_value(json_object_get(args, "name")));
}

/* A completion handler: "alice" and "albert", those that start with what was typed. */
static inline int ch_complete_name(mcp_call_t *call, const char *arg, const char *value,
                                   const json_t *context, void *ud)
{
    (void)arg;
    (void)context;
    (void)ud;
    if (strncmp("alice", value, strlen(value)) == 0)
        mcp_call_add_completion(call, "alice");
    if (strncmp("albert", value, strlen(value)) == 0)
        mcp_call_add_completion(call, "albert");
    return MCP_OK;
}

/* Add a static resource to s: test://static ("static"), text/plain, CH_STATIC_TEXT. */
#define CH_STATIC_TEXT "static text"
static inline void ch_add_static(mcp_server_t *s)
{
    assert_int_equal(mcp_server_add_resource(s,
                                             &(mcp_resource_t){.uri = "test://static",
                                                               .name = "static",
                                                               .mime_type = "text/plain",
                                                               .text = CH_STATIC_TEXT},
                                             NULL),
                     MCP_OK);
}

/* ---- the client's side --------------------------------------------------------------------- */

/* An elicitation handler (mcp_client_on_ask) that accepts with {name: "Ada"}; counts the
 * questions in *(int *)ud when ud is not NULL. */
static inline void ch_answer_ada(mcp_client_t *c, mcp_client_ask_t *a, const char *method,
                                 const json_t *params, void *ud)
{
    (void)c;
    (void)params;
    assert_string_equal(method, "elicitation/create");
    if (ud)
        (*(int *)ud)++;
    mcp_client_ask_reply_new(
        a, json_pack("{s:s, s:{s:s}}", "action", "accept", "content", "name", "Ada"));
}

/* What a request ended with (an mcp_client_done_fn's userdata: ch_on_done). */
typedef struct ch_done {
    int n, status;  /* how many times it completed (must end at 1); its status */
    char text[256]; /* on MCP_OK the result's text ("" if none), otherwise the error message */
    bool keep;      /* set before the request: keep a copy of the result in `result` */
    json_t *result; /* with keep: the result (new reference, the test frees it) or NULL */
} ch_done;

static inline void ch_on_done(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    ch_done *d = ud;
    const char *text = o->status == MCP_OK ? mcp_client_result_text(o->result) : o->message;
    (void)c;
    d->n++;
    d->status = o->status;
    snprintf(d->text, sizeof d->text, "%s", text ? text : "");
    if (d->keep && o->result)
        d->result = json_deep_copy(o->result);
}

/* initialize (or server/discover) on c, failing the test with the client's message. */
static inline void ch_initialize(mcp_client_t *c)
{
    mcp_client_error_t err;
    if (mcp_client_initialize_sync(c, NULL, &err) != MCP_OK)
        fail_msg("initialize: %s", err.text);
}

/* ---- the loop ------------------------------------------------------------------------------ */

/* Run `loop` until *flag is set, 2000 turns at the most. */
static inline void ch_run_until(uv_loop_t *loop, const int *flag)
{
    int i;
    for (i = 0; i < 2000 && !*flag; i++)
        uv_run(loop, UV_RUN_ONCE);
}

/* Let what is closing on `loop` finish (200 turns at the most, none blocking). */
static inline void ch_drain(uv_loop_t *loop)
{
    int i;
    for (i = 0; i < 200 && uv_loop_alive(loop); i++)
        uv_run(loop, UV_RUN_NOWAIT);
}

/* Drain `loop`, then close it: nothing may be left on it. */
static inline void ch_loop_close(uv_loop_t *loop)
{
    ch_drain(loop);
    assert_int_equal(uv_loop_close(loop), 0);
}

/* ---- a mounted server ---------------------------------------------------------------------- */

/* inner <- the mount's client <- outer <- the real client: in-memory transports, one loop. */
typedef struct ch_mount {
    uv_loop_t loop;
    mcp_server_t *inner, *outer;
    mcp_client_t *c; /* the real client */
} ch_mount;

/* Set up m: its loop; `inner` (the test's server, m owns it from here) and a server "outer",
 * both attached to it; inner mounted on outer under the prefix "in" through a client speaking
 * `inner_protocol`; the real client connected to outer, speaking `outer_protocol` (NULL: each
 * negotiated). The test then sets the real client's handlers and calls ch_initialize(m->c). */
static inline void ch_mount_open(ch_mount *m, mcp_server_t *inner, const char *inner_protocol,
                                 const char *outer_protocol)
{
    mcp_client_t *mc;
    mcp_error_t err = {0};
    assert_non_null(inner);
    assert_int_equal(uv_loop_init(&m->loop), 0);
    m->inner = inner;
    m->outer = mcp_server_new("outer", "2.0");
    assert_non_null(m->outer);
    assert_int_equal(mcp_server_attach(m->inner, &m->loop), MCP_OK);
    assert_int_equal(mcp_server_attach(m->outer, &m->loop), MCP_OK);
    mc = mcp_client_new(&m->loop, "mounter", "1");
    assert_int_equal(mcp_client_connect_server(mc, m->inner), MCP_OK);
    if (inner_protocol)
        assert_int_equal(mcp_client_set_protocol(mc, inner_protocol), MCP_OK);
    assert_int_equal(mcp_server_mount(m->outer, mc, "in", &err), MCP_OK);
    m->c = mcp_client_new(&m->loop, "real", "1");
    assert_int_equal(mcp_client_connect_server(m->c, m->outer), MCP_OK);
    if (outer_protocol)
        assert_int_equal(mcp_client_set_protocol(m->c, outer_protocol), MCP_OK);
}

/* Free the real client, outer (which closes and frees the mount's client) and inner, then close
 * the loop: nothing may be left on it. */
static inline void ch_mount_close(ch_mount *m)
{
    mcp_client_free(m->c);
    mcp_server_free(m->outer);
    mcp_server_free(m->inner);
    ch_loop_close(&m->loop);
}

#endif
