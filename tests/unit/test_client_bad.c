/*
 * The client against a misbehaving server over STDIO (tests/fixtures/badserver.c, a real
 * process speaking raw lines): malformed JSON, unknown ids, responses to requests never sent,
 * huge and deeply nested messages, a result that is not an object, a server that dies
 * mid-call, one that never answers, one that stops mid-line. The client must report a clear
 * error, never crash or leak, and complete every request in flight exactly once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "client_harness.h"

static char fixture[4096]; /* build/fixtures/badserver, found from argv[0] */

static mcp_client_t *start(const char *mode, const char *arg)
{
    const char *argv[] = {fixture, mode, arg, NULL};
    mcp_client_t *c = mcp_client_new(NULL, "bad-input-test", "1");
    assert_non_null(c);
    mcp_client_set_timeout(c, 10000);
    assert_int_equal(mcp_client_connect_stdio(c, argv, NULL), MCP_OK);
    ch_initialize(c);
    /* it does not know server/discover: the client fell back to initialize */
    assert_string_equal(mcp_client_protocol(c), MCP_PROTOCOL_2025_11_25);
    return c;
}

/* Call the tool and wait for the outcome (bounded by the request timeout). */
static void call(mcp_client_t *c, ch_done *s)
{
    assert_int_equal(mcp_client_call_tool_new(c, "t", NULL, NULL, ch_on_done, s, NULL), MCP_OK);
    assert_int_equal(mcp_client_run_until(c, &s->n, 20000), MCP_OK);
}

/* A misbehaviour that one call of tool "t" meets, and what the call must end with. */
typedef struct bad_case {
    const char *name;
    const char *mode, *arg; /* the badserver fixture's arguments */
    size_t max_message;     /* 0, or the client's message limit */
    int status;             /* the call's outcome */
    const char *text;       /* on MCP_OK the result's text; otherwise NULL or a part of the error */
    const char *last_error; /* NULL, or a part of what mcp_client_last_error() reports */
    int connected;          /* whether the client is connected afterwards (-1: either) */
} bad_case;

static const bad_case bad_cases[] = {
    {"test_huge_message_over_limit", "huge", "3000000", 1 << 20, MCP_ELIMIT, "over", NULL, 0},
    {"test_huge_message_within_limit", "huge", "3000000", 0, MCP_OK, "ok", NULL, -1},
    {"test_result_not_object", "notobject", NULL, 0, MCP_EPARSE, NULL, NULL, 1},
    {"test_deep_nesting", "deep", NULL, 0, MCP_OK, "ok", NULL, -1},
    /* a batch holding the answer and one to a request never sent */
    {"test_batch_answer", "batch", NULL, 0, MCP_OK, "ok", "unknown request id 424242", -1},
    {"test_partial_line_then_exit", "partial", NULL, 0, MCP_EIO, NULL, NULL, -1},
    {"test_split_writes", "split", NULL, 0, MCP_OK, "ok", NULL, -1},
};

static void test_bad_case(void **state)
{
    const bad_case *bc = *state;
    mcp_client_t *c = start(bc->mode, bc->arg);
    ch_done s = {0};
    if (bc->max_message)
        mcp_client_set_max_message(c, bc->max_message);
    call(c, &s);
    assert_int_equal(s.status, bc->status);
    if (bc->status == MCP_OK)
        assert_string_equal(s.text, bc->text);
    else if (bc->text)
        assert_non_null(strstr(s.text, bc->text));
    if (bc->last_error)
        assert_non_null(strstr(mcp_client_last_error(c), bc->last_error));
    if (bc->connected >= 0)
        assert_int_equal(mcp_client_is_connected(c), bc->connected);
    mcp_client_free(c);
    assert_int_equal(s.n, 1);
}

static void test_garbage_then_answer(void **state)
{
    mcp_client_t *c = start("garbage", NULL);
    ch_done s = {0}, p = {0};
    (void)state;
    call(c, &s);
    assert_int_equal(s.status, MCP_OK);
    assert_string_equal(s.text, "ok");
    assert_true(mcp_client_last_error(c)[0] != '\0'); /* what was dropped was reported */
    assert_true(mcp_client_is_connected(c));
    assert_int_equal(mcp_client_ping(c, ch_on_done, &p), MCP_OK); /* and it still works */
    assert_int_equal(mcp_client_run_until(c, &p.n, 20000), MCP_OK);
    assert_int_equal(p.status, MCP_OK);
    mcp_client_free(c);
    assert_int_equal(s.n, 1);
    assert_int_equal(p.n, 1);
}

static void test_dies_mid_call(void **state)
{
    mcp_client_t *c = start("die", NULL);
    ch_done s[3];
    int i;
    (void)state;
    memset(s, 0, sizeof s);
    for (i = 0; i < 3; i++)
        assert_int_equal(mcp_client_call_tool_new(c, "t", NULL, NULL, ch_on_done, &s[i], NULL),
                         MCP_OK);
    assert_int_equal(mcp_client_run_until(c, &s[2].n, 20000), MCP_OK);
    for (i = 0; i < 3; i++) {
        assert_int_equal(s[i].n, 1);
        assert_int_equal(s[i].status, MCP_EIO);
        assert_non_null(strstr(s[i].text, "exit status 3"));
    }
    assert_int_equal(mcp_client_exit_status(c), 3);
    assert_false(mcp_client_is_connected(c));
    mcp_client_free(c);
    for (i = 0; i < 3; i++)
        assert_int_equal(s[i].n, 1);
}

static void test_never_answers(void **state)
{
    mcp_client_t *c = start("silent", NULL);
    ch_done s = {0}, later = {0};
    mcp_client_call_opts_t opts = {.timeout_ms = 100};
    (void)state;
    assert_int_equal(mcp_client_call_tool_new(c, "t", NULL, &opts, ch_on_done, &s, NULL), MCP_OK);
    assert_int_equal(mcp_client_run_until(c, &s.n, 20000), MCP_OK);
    assert_int_equal(s.status, MCP_ETIMEDOUT);
    /* one more in flight when the client is freed: cancelled, once */
    assert_int_equal(mcp_client_call_tool_new(c, "t", NULL, NULL, ch_on_done, &later, NULL),
                     MCP_OK);
    mcp_client_free(c);
    assert_int_equal(s.n, 1);
    assert_int_equal(later.n, 1);
    assert_int_equal(later.status, MCP_ECANCELLED);
}

static void never_answer(mcp_client_t *c, mcp_client_ask_t *ask, const char *method,
                         const json_t *params, void *ud)
{
    (void)c;
    (void)ask; /* left open: freed with the client */
    (void)method;
    (void)params;
    (*(int *)ud)++;
}

/* A server asking 2000 questions nobody answers: at most 1024 wait, the rest are refused, and
 * the open ones are freed with the client. */
static void test_question_flood(void **state)
{
    const char *argv[] = {fixture, "askflood", NULL};
    mcp_client_t *c = mcp_client_new(NULL, "bad-input-test", "1");
    ch_done s = {0};
    int asked = 0;
    (void)state;
    mcp_client_on_ask(c, MCP_CLIENT_ASK_ELICITATION, never_answer, &asked);
    assert_int_equal(mcp_client_connect_stdio(c, argv, NULL), MCP_OK);
    assert_int_equal(mcp_client_initialize_sync(c, NULL, NULL), MCP_OK);
    call(c, &s);
    assert_int_equal(s.status, MCP_OK);
    assert_int_equal(asked, 1024);
    mcp_client_free(c);
}

/* Captured stderr of a server that cannot start its real work. */
static void test_stderr_captured(void **state)
{
    const char *argv[] = {"sh", "-c", "echo 'fatal: no config' >&2; exit 7", NULL};
    mcp_client_stdio_opts_t o = {.stderr_mode = MCP_CLIENT_STDERR_CAPTURE};
    mcp_client_t *c = mcp_client_new(NULL, "t", "1");
    mcp_client_error_t err;
    (void)state;
    assert_int_equal(mcp_client_connect_stdio(c, argv, &o), MCP_OK);
    assert_int_equal(mcp_client_initialize_sync(c, NULL, &err), MCP_EIO);
    assert_non_null(strstr(err.text, "exit status 7"));
    assert_non_null(strstr(mcp_client_stderr_text(c), "fatal: no config"));
    mcp_client_free(c);
}

int main(int argc, char **argv)
{
#define BAD_CASE(i)                                                         \
    {                                                                       \
        bad_cases[i].name, test_bad_case, NULL, NULL, (void *)&bad_cases[i] \
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_then_answer),
        BAD_CASE(0),
        BAD_CASE(1),
        BAD_CASE(2),
        BAD_CASE(3),
        BAD_CASE(4),
        BAD_CASE(5),
        BAD_CASE(6),
        cmocka_unit_test(test_dies_mid_call),
        cmocka_unit_test(test_never_answers),
        cmocka_unit_test(test_question_flood),
        cmocka_unit_test(test_stderr_captured),
    };
    char self[4096];
    (void)argc;
    snprintf(self, sizeof self, "%s", argv[0]);
    /* build/tests/test_client_bad -> build/fixtures/badserver */
    snprintf(fixture, sizeof fixture, "%s/../fixtures/badserver", dirname(self));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
