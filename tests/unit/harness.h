/*
 * The unit tests' in-memory transport (test_dispatch.c, test_features.c, test_tasks.c): a server
 * and one session whose every outgoing message is appended to a JSON array, no sockets, no
 * threads of its own. Include after <cmocka.h>.
 */
#ifndef MCP_TEST_HARNESS_H
#define MCP_TEST_HARNESS_H

#include "server/server.h"

/* What a session sent; a test may make more sessions on cap_ops with a capture of its own. */
typedef struct capture {
    json_t *sent;     /* array of every message sent */
    int begun, ended; /* call_begin / call_end, to check that adopting a call ends it here */
} capture;

static inline void cap_send(mcp__session *s, json_t *msg, mcp_call_t *related)
{
    capture *c = s->transport;
    (void)related;
    json_array_append(c->sent, msg);
}

static inline void cap_begin(mcp__session *s, mcp_call_t *call)
{
    capture *c = s->transport;
    (void)call;
    c->begun++;
}

static inline void cap_end(mcp__session *s, mcp_call_t *call, bool replied)
{
    capture *c = s->transport;
    (void)call;
    (void)replied;
    c->ended++;
}

static const mcp__transport_ops cap_ops = {cap_send, NULL, cap_begin, cap_end, NULL};

typedef struct fixture {
    uv_loop_t loop; /* the server's loop when attached */
    bool attached;
    mcp_server_t *srv;
    mcp__session *sess;
    capture cap;
} fixture;

/* A new fixture: server "t" 1.0 and one session on cap_ops; with `attach`, the server runs on
 * f->loop (timers, blocking tools), otherwise it has no loop. */
static inline fixture *harness_new(bool attach)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->attached = attach;
    if (attach)
        uv_loop_init(&f->loop);
    f->srv = mcp_server_new("t", "1.0");
    if (attach)
        mcp_server_attach(f->srv, &f->loop);
    f->cap.sent = json_array();
    f->sess = mcp__session_new(f->srv, &cap_ops, &f->cap);
    return f;
}

/* Close the session, free the server, drain and close the loop (nothing may stay on it), free
 * the fixture. */
static inline void harness_free(fixture *f)
{
    mcp__server_session_end(f->sess);
    mcp__session_unref(f->sess);
    mcp_server_free(f->srv);
    if (f->attached) {
        uv_run(&f->loop, UV_RUN_DEFAULT);
        assert_int_equal(uv_loop_close(&f->loop), 0);
    }
    json_decref(f->cap.sent);
    free(f);
}

/* Send one line; return the single message it produced (new reference) or NULL for none. */
static inline json_t *roundtrip(fixture *f, const char *text)
{
    size_t before = json_array_size(f->cap.sent);
    mcp__server_receive(f->sess, text, strlen(text));
    if (json_array_size(f->cap.sent) == before)
        return NULL;
    assert_int_equal(json_array_size(f->cap.sent), before + 1);
    return json_incref(json_array_get(f->cap.sent, before));
}

/* How many messages with `method` the session sent at or after index `from`. */
static inline size_t count_method(fixture *f, size_t from, const char *method)
{
    size_t i, n = 0;
    for (i = from; i < json_array_size(f->cap.sent); i++) {
        const char *m =
            json_string_value(json_object_get(json_array_get(f->cap.sent, i), "method"));
        if (m && strcmp(m, method) == 0)
            n++;
    }
    return n;
}

#endif
