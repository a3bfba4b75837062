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

#include "mcp_client.h"

static char fixture[4096]; /* build/fixtures/badserver, found from argv[0] */

typedef struct seen {
    int done, status;
    char text[256];
} seen;

static void on_done(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    seen *s = ud;
    (void)c;
    s->done++;
    s->status = o->status;
    if (o->status == MCP_OK)
        snprintf(s->text, sizeof s->text, "%s",
                 mcp_client_result_text(o->result) ? mcp_client_result_text(o->result) : "");
    else
        snprintf(s->text, sizeof s->text, "%s", o->message);
}

static mcp_client_t *start(const char *mode, const char *arg)
{
    const char *argv[] = {fixture, mode, arg, NULL};
    mcp_client_t *c = mcp_client_new(NULL, "bad-input-test", "1");
    mcp_client_error_t err;
    assert_non_null(c);
    mcp_client_set_timeout(c, 10000);
    assert_int_equal(mcp_client_connect_stdio(c, argv, NULL), MCP_OK);
    if (mcp_client_initialize_sync(c, NULL, &err) != MCP_OK)
        fail_msg("initialize: %s", err.text);
    /* it does not know server/discover: the client fell back to initialize */
    assert_string_equal(mcp_client_protocol(c), MCP_PROTOCOL_2025_11_25);
    return c;
}

/* Call the tool and wait for the outcome (bounded by the request timeout). */
static void call(mcp_client_t *c, seen *s)
{
    assert_int_equal(mcp_client_call_tool_new(c, "t", NULL, NULL, on_done, s, NULL), MCP_OK);
    assert_int_equal(mcp_client_run_until(c, &s->done, 20000), MCP_OK);
}

static void test_garbage_then_answer(void **state)
{
    mcp_client_t *c = start("garbage", NULL);
    seen s = {0}, p = {0};
    (void)state;
    call(c, &s);
    assert_int_equal(s.status, MCP_OK);
    assert_string_equal(s.text, "ok");
    assert_true(mcp_client_last_error(c)[0] != '\0'); /* what was dropped was reported */
    assert_true(mcp_client_is_connected(c));
    assert_int_equal(mcp_client_ping(c, on_done, &p), MCP_OK); /* and it still works */
    assert_int_equal(mcp_client_run_until(c, &p.done, 20000), MCP_OK);
    assert_int_equal(p.status, MCP_OK);
    mcp_client_free(c);
    assert_int_equal(s.done, 1);
    assert_int_equal(p.done, 1);
}

static void test_huge_message_over_limit(void **state)
{
    mcp_client_t *c = start("huge", "3000000");
    seen s = {0};
    (void)state;
    mcp_client_set_max_message(c, 1 << 20);
    call(c, &s);
    assert_int_equal(s.status, MCP_ELIMIT);
    assert_non_null(strstr(s.text, "over"));
    assert_false(mcp_client_is_connected(c));
    mcp_client_free(c);
    assert_int_equal(s.done, 1);
}

static void test_huge_message_within_limit(void **state)
{
    mcp_client_t *c = start("huge", "3000000");
    seen s = {0};
    (void)state;
    call(c, &s);
    assert_int_equal(s.status, MCP_OK);
    assert_string_equal(s.text, "ok");
    mcp_client_free(c);
}

static void test_dies_mid_call(void **state)
{
    mcp_client_t *c = start("die", NULL);
    seen s[3];
    int i;
    (void)state;
    memset(s, 0, sizeof s);
    for (i = 0; i < 3; i++)
        assert_int_equal(mcp_client_call_tool_new(c, "t", NULL, NULL, on_done, &s[i], NULL),
                         MCP_OK);
    assert_int_equal(mcp_client_run_until(c, &s[2].done, 20000), MCP_OK);
    for (i = 0; i < 3; i++) {
        assert_int_equal(s[i].done, 1);
        assert_int_equal(s[i].status, MCP_EIO);
        assert_non_null(strstr(s[i].text, "exit status 3"));
    }
    assert_int_equal(mcp_client_exit_status(c), 3);
    assert_false(mcp_client_is_connected(c));
    mcp_client_free(c);
    for (i = 0; i < 3; i++)
        assert_int_equal(s[i].done, 1);
}

static void test_never_answers(void **state)
{
    mcp_client_t *c = start("silent", NULL);
    seen s = {0}, later = {0};
    mcp_client_call_opts_t opts = {.timeout_ms = 100};
    (void)state;
    assert_int_equal(mcp_client_call_tool_new(c, "t", NULL, &opts, on_done, &s, NULL), MCP_OK);
    assert_int_equal(mcp_client_run_until(c, &s.done, 20000), MCP_OK);
    assert_int_equal(s.status, MCP_ETIMEDOUT);
    /* one more in flight when the client is freed: cancelled, once */
    assert_int_equal(mcp_client_call_tool_new(c, "t", NULL, NULL, on_done, &later, NULL), MCP_OK);
    mcp_client_free(c);
    assert_int_equal(s.done, 1);
    assert_int_equal(later.done, 1);
    assert_int_equal(later.status, MCP_ECANCELLED);
}

static void test_result_not_object(void **state)
{
    mcp_client_t *c = start("notobject", NULL);
    seen s = {0};
    (void)state;
    call(c, &s);
    assert_int_equal(s.status, MCP_EPARSE);
    assert_true(mcp_client_is_connected(c));
    mcp_client_free(c);
}

static void test_deep_nesting(void **state)
{
    mcp_client_t *c = start("deep", NULL);
    seen s = {0};
    (void)state;
    call(c, &s);
    assert_int_equal(s.status, MCP_OK);
    assert_string_equal(s.text, "ok");
    mcp_client_free(c);
}

static void test_batch_answer(void **state)
{
    mcp_client_t *c = start("batch", NULL);
    seen s = {0};
    (void)state;
    call(c, &s);
    assert_int_equal(s.status, MCP_OK);
    assert_string_equal(s.text, "ok");
    assert_non_null(strstr(mcp_client_last_error(c), "unknown request id 424242"));
    mcp_client_free(c);
}

static void test_partial_line_then_exit(void **state)
{
    mcp_client_t *c = start("partial", NULL);
    seen s = {0};
    (void)state;
    call(c, &s);
    assert_int_equal(s.status, MCP_EIO);
    mcp_client_free(c);
    assert_int_equal(s.done, 1);
}

static void test_split_writes(void **state)
{
    mcp_client_t *c = start("split", NULL);
    seen s = {0};
    (void)state;
    call(c, &s);
    assert_int_equal(s.status, MCP_OK);
    assert_string_equal(s.text, "ok");
    mcp_client_free(c);
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
    seen s = {0};
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
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_then_answer),
        cmocka_unit_test(test_huge_message_over_limit),
        cmocka_unit_test(test_huge_message_within_limit),
        cmocka_unit_test(test_dies_mid_call),
        cmocka_unit_test(test_never_answers),
        cmocka_unit_test(test_result_not_object),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_batch_answer),
        cmocka_unit_test(test_partial_line_then_exit),
        cmocka_unit_test(test_split_writes),
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
