/*
 * The state store interface (include/mcp_store.h) against the memory store: records, claims
 * (put only_new), expiry, lists in order, delete, the channel between replicas (a replica never
 * hears itself), the server's rules for setting a store, and the Redis store's refusals that
 * need no server (bad URLs; operations before it is started answer MCP_STORE_DOWN).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"

#include <time.h>

typedef struct answers {
    int n;
    mcp_store_status status;
    char value[256];
    bool present;
    char items[8][64];
    int nitems;
    bool ended;
} answers;

static void on_answer(void *ud, mcp_store_status status, const char *value, size_t len)
{
    answers *a = ud;
    a->n++;
    a->status = status;
    a->present = value != NULL;
    if (value)
        snprintf(a->value, sizeof a->value, "%.*s", (int)len, value);
}

static void on_item(void *ud, mcp_store_status status, const char *value, size_t len)
{
    answers *a = ud;
    a->status = status;
    if (!value) {
        a->ended = true;
        return;
    }
    if (a->nitems < 8)
        snprintf(a->items[a->nitems++], sizeof a->items[0], "%.*s", (int)len, value);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_records(void **state)
{
    mcp_store_t *st = mcp_store_memory();
    answers a = {0};
    (void)state;
    assert_non_null(st);
    assert_int_equal(mcp_store_up(st), 1);
    assert_int_equal(mcp_store_get(st, "s:1", on_answer, &a), 0);
    assert_int_equal(a.n, 1); /* answered at once */
    assert_int_equal(a.status, MCP_STORE_OK);
    assert_false(a.present);
    assert_int_equal(mcp_store_put(st, "s:1", "{\"v\":1}", 7, 0, 0, on_answer, &a), 0);
    assert_int_equal(a.status, MCP_STORE_OK);
    assert_int_equal(mcp_store_get(st, "s:1", on_answer, &a), 0);
    assert_true(a.present);
    assert_string_equal(a.value, "{\"v\":1}");
    /* bytes, NUL included */
    assert_int_equal(mcp_store_put(st, "b", "a\0b", 3, 0, 0, NULL, NULL), 0);
    memset(&a, 0, sizeof a);
    assert_int_equal(mcp_store_get(st, "b", on_answer, &a), 0);
    assert_true(a.present);
    assert_int_equal(a.value[0], 'a');
    /* delete */
    assert_int_equal(mcp_store_del(st, "s:1", on_answer, &a), 0);
    assert_int_equal(mcp_store_get(st, "s:1", on_answer, &a), 0);
    assert_false(a.present);
    /* bad arguments are refused, and nobody is called */
    a.n = 0;
    assert_int_equal(mcp_store_get(NULL, "x", on_answer, &a), -1);
    assert_int_equal(mcp_store_get(st, NULL, on_answer, &a), -1);
    assert_int_equal(mcp_store_list(st, "x", NULL, NULL), -1);
    assert_int_equal(a.n, 0);
    mcp_store_free(st);
}

static void test_claim_and_expiry(void **state)
{
    mcp_store_t *st = mcp_store_memory();
    answers a = {0};
    (void)state;
    assert_int_equal(mcp_store_put(st, "n:abc", "1", 1, 40, 1, on_answer, &a), 0);
    assert_int_equal(a.status, MCP_STORE_OK); /* first claim wins */
    assert_int_equal(mcp_store_put(st, "n:abc", "1", 1, 40, 1, on_answer, &a), 0);
    assert_int_equal(a.status, MCP_STORE_EXISTS); /* the second is refused */
    sleep_ms(60);
    assert_int_equal(mcp_store_get(st, "n:abc", on_answer, &a), 0);
    assert_false(a.present); /* expired with its lifetime */
    assert_int_equal(mcp_store_put(st, "n:abc", "1", 1, 40, 1, on_answer, &a), 0);
    assert_int_equal(a.status, MCP_STORE_OK); /* and may be claimed again */
    /* a plain put replaces a record and its expiry */
    assert_int_equal(mcp_store_put(st, "n:abc", "2", 1, 0, 0, NULL, NULL), 0);
    sleep_ms(60);
    assert_int_equal(mcp_store_get(st, "n:abc", on_answer, &a), 0);
    assert_true(a.present);
    assert_string_equal(a.value, "2");
    mcp_store_free(st);
}

static void test_lists(void **state)
{
    mcp_store_t *st = mcp_store_memory();
    answers a = {0};
    (void)state;
    assert_int_equal(mcp_store_list(st, "e:s:1", on_item, &a), 0);
    assert_true(a.ended);
    assert_int_equal(a.nitems, 0);
    assert_int_equal(mcp_store_push(st, "e:s:1", "1 first", 7, 1000, NULL, NULL), 0);
    assert_int_equal(mcp_store_push(st, "e:s:1", "2 second", 8, 1000, NULL, NULL), 0);
    assert_int_equal(mcp_store_push(st, "e:s:1", "end", 3, 1000, NULL, NULL), 0);
    assert_int_equal(mcp_store_push(st, "e:s:2", "other", 5, 1000, NULL, NULL), 0);
    memset(&a, 0, sizeof a);
    assert_int_equal(mcp_store_list(st, "e:s:1", on_item, &a), 0);
    assert_true(a.ended);
    assert_int_equal(a.nitems, 3);
    assert_string_equal(a.items[0], "1 first");
    assert_string_equal(a.items[1], "2 second");
    assert_string_equal(a.items[2], "end");
    /* a record is not a list */
    assert_int_equal(mcp_store_put(st, "r", "x", 1, 0, 0, NULL, NULL), 0);
    assert_int_equal(mcp_store_push(st, "r", "y", 1, 0, NULL, NULL), -1);
    /* lists expire as a whole */
    assert_int_equal(mcp_store_push(st, "short", "a", 1, 30, NULL, NULL), 0);
    sleep_ms(50);
    memset(&a, 0, sizeof a);
    assert_int_equal(mcp_store_list(st, "short", on_item, &a), 0);
    assert_int_equal(a.nitems, 0);
    mcp_store_free(st);
}

static int heard;

static void on_note(void *ud, const json_t *msg)
{
    (void)ud;
    if (json_integer_value(json_object_get(msg, "x")) == 7)
        heard++;
}

static void test_channel_and_server(void **state)
{
    mcp_server_t *srv = mcp_server_new("t", "1");
    mcp_store_t *st = mcp_store_memory(), *st2 = mcp_store_memory();
    const char *other = "{\"o\":\"another-replica\",\"k\":\"note\",\"x\":7}";
    (void)state;
    assert_int_equal(mcp_server_set_store(NULL, mcp_store_memory()), MCP_EINVAL);
    assert_int_equal(mcp_server_set_store(srv, NULL), MCP_EINVAL);
    assert_int_equal(mcp_server_set_store(srv, st), MCP_OK);
    assert_ptr_equal(mcp_server_store(srv), st);
    assert_int_equal(mcp_server_set_store(srv, st2), MCP_ESTATE); /* freed: stolen */
    assert_int_equal(strlen(srv->replica), 32);
    assert_int_equal(mcp__store_listen(srv, "note", on_note, NULL), MCP_OK);
    heard = 0;
    assert_int_equal(mcp_store_publish(st, other, strlen(other)), 0);
    assert_int_equal(heard, 1);                                   /* another replica's */
    assert_int_equal(mcp__store_send(srv, "note", json_pack("{s:i}", "x", 7)), 0);
    assert_int_equal(heard, 1);                                   /* its own: never heard */
    assert_int_equal(mcp_store_publish(st, "not json", 8), 0);    /* ignored */
    assert_int_equal(mcp_store_publish(st, "{\"k\":\"note\"}", 12), 0); /* no origin: ignored */
    assert_int_equal(heard, 1);
    mcp__store_unlisten(srv, NULL);
    assert_int_equal(mcp_store_publish(st, other, strlen(other)), 0);
    assert_int_equal(heard, 1);
    mcp_server_free(srv); /* frees the store */
}

static void test_custom_and_redis_refusals(void **state)
{
    static const mcp_store_ops_t none;
    mcp_store_t *r;
    answers a = {0};
    (void)state;
    assert_null(mcp_store_new(&none, NULL)); /* every operation is required */
    assert_null(mcp_store_new(NULL, NULL));
    assert_null(mcp_store_redis(NULL, NULL, NULL));
    assert_null(mcp_store_redis("http://127.0.0.1:6379", NULL, NULL));
    assert_string_not_equal(mcp_store_error(), "");
    assert_null(mcp_store_redis("redis://:6379", NULL, NULL));
    assert_null(mcp_store_redis("redis://127.0.0.1:99999", NULL, NULL));
    assert_null(mcp_store_redis("redis://127.0.0.1:6379/x", NULL, NULL));
    r = mcp_store_redis("redis://127.0.0.1:1/3", "secret", "p");
    assert_non_null(r); /* libhiredis is installed where the tests run */
    assert_int_equal(mcp_store_up(r), 0);
    assert_int_equal(mcp_store_get(r, "s:1", on_answer, &a), 0);
    assert_int_equal(a.n, 1); /* not started: answered at once */
    assert_int_equal(a.status, MCP_STORE_DOWN);
    assert_int_equal(mcp_store_publish(r, "x", 1), -1);
    mcp_store_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_claim_and_expiry),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_channel_and_server),
        cmocka_unit_test(test_custom_and_redis_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
