/*
 * The HTTP transports' event store (resumability) and session ids: replay after an id, per-stream
 * and per-session separation, bounded memory with oldest-first eviction reported as a gap,
 * forget; 128-bit ids in visible ASCII with no repeats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "transport/httpd.h"

#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

typedef struct seen {
    uint64_t seqs[64];
    char last[64];
    size_t n;
} seen;

static void collect(void *ud, uint64_t seq, const char *data, size_t len)
{
    seen *s = ud;
    if (s->n < 64)
        s->seqs[s->n++] = seq;
    snprintf(s->last, sizeof s->last, "%.*s", (int)len, data);
}

static void test_replay_after(void **state)
{
    mcp__eventstore *es = mcp__eventstore_memory(1 << 20);
    seen s = {0};
    char buf[32];
    uint64_t i;
    (void)state;
    assert_non_null(es);
    for (i = 1; i <= 5; i++) {
        snprintf(buf, sizeof buf, "ev%llu", (unsigned long long)i);
        assert_int_equal(es->append(es, "sessA", 1, i, buf, strlen(buf)), 0);
    }
    assert_int_equal(es->append(es, "sessA", 2, 1, "other", 5), 0);
    assert_int_equal(es->append(es, "sessB", 1, 1, "b", 1), 0);
    assert_int_equal(es->replay(es, "sessA", 1, 3, collect, &s), 2);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.seqs[0], 4);
    assert_int_equal(s.seqs[1], 5);
    assert_string_equal(s.last, "ev5");
    memset(&s, 0, sizeof s);
    assert_int_equal(es->replay(es, "sessA", 1, 5, collect, &s), 0); /* nothing new */
    assert_int_equal(es->replay(es, "sessA", 2, 0, collect, &s), 1);  /* its own stream only */
    assert_string_equal(s.last, "other");
    assert_int_equal(es->replay(es, "nobody", 1, 0, collect, &s), 0);
    es->forget(es, "sessA", 1);
    memset(&s, 0, sizeof s);
    assert_int_equal(es->replay(es, "sessA", 1, 0, collect, &s), 0);
    assert_int_equal(es->replay(es, "sessA", 2, 0, collect, &s), 1);
    es->forget(es, "sessA", 0); /* the whole session */
    assert_int_equal(es->replay(es, "sessA", 2, 0, collect, &s), 0);
    assert_int_equal(es->replay(es, "sessB", 1, 0, collect, &s), 1);
    es->destroy(es);
}

static void test_bounded(void **state)
{
    /* Room for only a few 100-byte events: the oldest go first and the gap is reported. */
    mcp__eventstore *es = mcp__eventstore_memory(600);
    char big[100];
    seen s = {0};
    uint64_t i;
    (void)state;
    memset(big, 'x', sizeof big);
    for (i = 1; i <= 20; i++)
        assert_int_equal(es->append(es, "s", 1, i, big, sizeof big), 0);
    assert_int_equal(es->replay(es, "s", 1, 0, collect, &s), -1); /* events were lost */
    assert_true(s.n > 0 && s.n < 20);
    assert_int_equal(s.seqs[s.n - 1], 20); /* the newest survive */
    memset(&s, 0, sizeof s);
    assert_true(es->replay(es, "s", 1, 19, collect, &s) == 1); /* no gap after 19 */
    assert_int_equal(es->append(es, "s", 1, 21, big, 10000), -1); /* larger than the store */
    es->destroy(es);
}

static void test_session_ids(void **state)
{
    char ids[1000][33];
    size_t i, j;
    (void)state;
    for (i = 0; i < 1000; i++) {
        assert_int_equal(mcp__random_id(ids[i]), 0);
        assert_int_equal(strlen(ids[i]), 32);
        for (j = 0; j < 32; j++)
            assert_true(ids[i][j] >= 0x21 && ids[i][j] <= 0x7e);
    }
    for (i = 0; i < 1000; i++)
        for (j = i + 1; j < 1000; j++)
            assert_true(memcmp(ids[i], ids[j], 16) != 0); /* not even a 64-bit prefix repeats */
}

/* Start both HTTP transports on a private loop, accept a connection, then free the server
 * without stopping it first (the embedding case): nothing may leak or crash (ASan build). */
static void test_listen_and_free(void **state)
{
    mcp_server_t *srv = mcp_server_new("t", "1");
    mcp_http_opts_t o = {0};
    struct sockaddr_in sa;
    int fd, i;
    (void)state;
    assert_non_null(srv);
    o.port = 0;
    assert_int_equal(mcp_server_listen_http(srv, &o), MCP_OK);
    assert_int_equal(mcp_server_listen_sse(srv, &o), MCP_OK);
    assert_true(mcp_server_http_port(srv, 0) > 0);
    assert_true(mcp_server_http_port(srv, 1) > 0);
    assert_int_not_equal(mcp_server_http_port(srv, 0), mcp_server_http_port(srv, 1));
    o.path = "no-slash";
    assert_int_equal(mcp_server_listen_http(srv, &o), MCP_EINVAL);
    o.path = NULL;
    o.port = mcp_server_http_port(srv, 0); /* taken */
    assert_int_equal(mcp_server_listen_http(srv, &o), MCP_EIO);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)mcp_server_http_port(srv, 0));
    sa.sin_addr.s_addr = htonl(0x7f000001);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_true(write(fd, "GET /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n", 37) == 37); /* half a request */
    for (i = 0; i < 5; i++)
        uv_run(mcp_server_loop(srv), UV_RUN_NOWAIT);
    mcp_server_free(srv);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_after),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_session_ids),
        cmocka_unit_test(test_listen_and_free),
    };
    return cmocka_run_group_tests_name("http_eventstore", tests, NULL, NULL);
}
