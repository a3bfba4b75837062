/*
 * The client's Server-Sent Events parser (libmcp/client/http_sse.c): the same events whatever
 * the split of the bytes (every split point, one byte at a time), CR / LF / CRLF line ends (a
 * CRLF split across feeds), a BOM, comments, multi-line data, ids and retry, unknown fields; an
 * event cut by the end of the stream is never delivered; a line or event over the bound stops
 * the parse with MCP_ELIMIT; the callback can stop it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "client/http.h"

typedef struct evs {
    char text[2048]; /* "type|data|id;" per event */
    size_t len;
    int n, stop_at;
} evs;

static int collect(void *ud, const char *event, const char *data, size_t len, const char *id)
{
    evs *e = ud;
    assert_int_equal(strlen(data), len);
    e->len +=
        (size_t)snprintf(e->text + e->len, sizeof e->text - e->len, "%s|%s|%s;", event, data, id);
    e->n++;
    return e->stop_at && e->n >= e->stop_at ? 7 : 0;
}

static const char stream[] = "\xEF\xBB\xBF"
                             ": keep-alive comment\r\n"
                             "retry: 2500\r\n"
                             "id: 1\r\n"
                             "data: {\"a\":1}\r\n"
                             "\r\n"
                             "event: endpoint\n"
                             "data: /messages?s=1\n"
                             "\n"
                             "data: line one\r"
                             "data:line two\r"
                             "unknown: field\r"
                             "data\r"
                             "id: 7\r"
                             "\r"
                             "id\n"
                             "data: no id\n"
                             "\n"
                             "\n" /* an empty dispatch: nothing */
                             "data: cut off";

static const char expect[] = "message|{\"a\":1}|1;"
                             "endpoint|/messages?s=1|1;"
                             "message|line one\nline two\n|7;"
                             "message|no id|;";

static void test_every_split(void **state)
{
    size_t len = sizeof stream - 1, cut;
    (void)state;
    for (cut = 0; cut <= len; cut++) {
        mcp__sse p;
        evs e = {0};
        mcp__sse_init(&p, 1024);
        assert_int_equal(mcp__sse_feed(&p, stream, cut, collect, &e), 0);
        assert_int_equal(mcp__sse_feed(&p, stream + cut, len - cut, collect, &e), 0);
        assert_string_equal(e.text, expect);
        assert_int_equal(p.retry_ms, 2500);
        mcp__sse_free(&p);
    }
}

static void test_byte_at_a_time(void **state)
{
    size_t i, len = sizeof stream - 1;
    mcp__sse p;
    evs e = {0};
    (void)state;
    mcp__sse_init(&p, 1024);
    for (i = 0; i < len; i++)
        assert_int_equal(mcp__sse_feed(&p, stream + i, 1, collect, &e), 0);
    assert_string_equal(e.text, expect);
    /* a new stream (resumption) forgets the cut event but keeps the last id */
    mcp__sse_restart(&p);
    assert_int_equal(mcp__sse_feed(&p, "data: x\n\n", 9, collect, &e), 0);
    assert_int_equal(e.n, 5);
    assert_non_null(strstr(e.text, "message|x|;"));
    mcp__sse_free(&p);
}

static void test_bounds_and_stop(void **state)
{
    mcp__sse p;
    evs e = {0};
    char big[400];
    (void)state;
    memset(big, 'x', sizeof big);
    /* one long line with no end: refused once past the bound, never buffered without limit */
    mcp__sse_init(&p, 100);
    assert_int_equal(mcp__sse_feed(&p, "data: ", 6, collect, &e), 0);
    assert_int_equal(mcp__sse_feed(&p, big, sizeof big, collect, &e), MCP_ELIMIT);
    mcp__sse_free(&p);
    /* many short data lines that add up past the bound */
    mcp__sse_init(&p, 100);
    {
        int i, rc = 0;
        for (i = 0; i < 50 && rc == 0; i++)
            rc = mcp__sse_feed(&p, "data: 0123456789\n", 17, collect, &e);
        assert_int_equal(rc, MCP_ELIMIT);
        assert_int_equal(i, 10); /* 9 lines of 11 bytes fit in 100 */
    }
    mcp__sse_free(&p);
    assert_int_equal(e.n, 0);
    /* the callback stops the feed: its value comes back, later events are not parsed */
    mcp__sse_init(&p, 100);
    e.stop_at = 1;
    assert_int_equal(mcp__sse_feed(&p, "data: a\n\ndata: b\n\n", 18, collect, &e), 7);
    assert_int_equal(e.n, 1);
    mcp__sse_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_byte_at_a_time),
        cmocka_unit_test(test_bounds_and_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
