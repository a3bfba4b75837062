/*
 * Required scopes (.scopes) through the protocol core (libmcp/core/scope.c, the list filter in
 * core/registry.c, the checks in features/tools.c, prompts.c, resources.c, completion.c): what a
 * principal grants ("scope" string, "scp" array), registration checks, lists filtered with full
 * pages and valid cursors, refused calls classed MCP__REPLY_FORBIDDEN with the scope in
 * error.data, the accessors, and that nothing applies when authorization is off (STDIO).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h" /* the in-memory transport */
#include "mcp_client.h"
#include "mcp_mount.h"

/* The class of each reply the session was sent, in order (a transport records it). */
static mcp__reply_class classes[64];
static size_t nclasses;

static void class_send(mcp__session *s, json_t *msg, mcp_call_t *related)
{
    if (nclasses < 64)
        classes[nclasses++] = s->reply_class;
    cap_send(s, msg, related);
}

static const mcp__transport_ops class_ops = {class_send, NULL, cap_begin, cap_end, NULL};

static int tool_who(mcp_call_t *call, const json_t *args, void *ud)
{
    json_t *scopes = mcp_call_scopes(call);
    char *list = json_dumps(scopes, JSON_COMPACT);
    int rc;
    (void)args;
    (void)ud;
    rc = mcp_call_text(call, "%s/%s/%s/%d", mcp_call_subject(call) ? mcp_call_subject(call) : "-",
                       mcp_call_client_id(call) ? mcp_call_client_id(call) : "-", list,
                       mcp_call_has_scope(call, "b"));
    free(list);
    json_decref(scopes);
    return rc;
}

static int prompt_p(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_prompt_text(call, "user", "hi");
}

static int read_t(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    (void)vars;
    (void)ud;
    return mcp_call_resource_text(call, uri, "text/plain", "t");
}

/* Tools t0..t6: t1 and t3 need "b", t4 needs "a b", t6 needs "z", the others nothing. */
static int setup(void **state)
{
    fixture *f = harness_new(false);
    static const char *const needs[] = {NULL, "b", NULL, "b", " a   b ", NULL, "z"};
    char name[8];
    size_t i;
    mcp__server_session_end(f->sess); /* replaced by one that records reply classes */
    mcp__session_unref(f->sess);
    f->sess = mcp__session_new(f->srv, &class_ops, &f->cap);
    nclasses = 0;
    for (i = 0; i < 7; i++) {
        snprintf(name, sizeof name, "t%zu", i);
        assert_int_equal(mcp_server_add_tool(f->srv,
                                             &(mcp_tool_t){.name = name,
                                                           .handler = tool_who,
                                                           .scopes = needs[i]},
                                             NULL),
                         MCP_OK);
    }
    assert_int_equal(mcp_server_add_prompt(
                         f->srv, &(mcp_prompt_t){.name = "p", .handler = prompt_p, .scopes = "c"},
                         NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_resource(f->srv,
                                             &(mcp_resource_t){.uri = "x://s",
                                                               .name = "s",
                                                               .text = "secret",
                                                               .scopes = "c"},
                                             NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_add_resource(f->srv,
                                             &(mcp_resource_t){.uri_template = "x://t/{id}",
                                                               .name = "t",
                                                               .handler = read_t,
                                                               .scopes = "c"},
                                             NULL),
                     MCP_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    harness_free(*state);
    return 0;
}

#define META26                                                                       \
    "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","         \
    "\"io.modelcontextprotocol/clientCapabilities\":{}}"

/* Authorization on, with `principal` (JSON text, or NULL for none). */
static void authorize(fixture *f, const char *principal)
{
    f->sess->scoped = true;
    json_decref(f->sess->principal);
    f->sess->principal = principal ? json_loads(principal, 0, NULL) : NULL;
}

/* The names of tools/list, every page followed (page size 2), as "t0,t2,". */
static void list_names(fixture *f, char *out, size_t size, int *pages)
{
    char text[300], cursor[64] = "";
    size_t n = 0;
    *pages = 0;
    out[0] = '\0';
    for (;;) {
        json_t *r, *res, *t;
        size_t i;
        const char *next;
        snprintf(text, sizeof text,
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{%s%s%s" META26
                 "}}",
                 cursor[0] ? "\"cursor\":\"" : "", cursor, cursor[0] ? "\"," : "");
        r = roundtrip(f, text);
        res = json_object_get(r, "result");
        assert_non_null(res);
        assert_true(json_array_size(json_object_get(res, "tools")) > 0); /* never an empty page */
        json_array_foreach(json_object_get(res, "tools"), i, t)
        {
            n += (size_t)snprintf(out + n, size - n, "%s,",
                                  json_string_value(json_object_get(t, "name")));
        }
        ++*pages;
        next = json_string_value(json_object_get(res, "nextCursor"));
        if (next)
            snprintf(cursor, sizeof cursor, "%s", next);
        json_decref(r);
        if (!next || *pages > 10)
            break;
    }
}

static void test_grants(void **state)
{
    json_t *p = json_loads("{\"scope\":\"a  b\\tc\"}", 0, NULL);
    json_t *q = json_loads("{\"scp\":[\"a\",7,\"bb\"]}", 0, NULL);
    json_t *r = json_loads("{\"scp\":\"x y\"}", 0, NULL);
    json_t *both = json_loads("{\"scope\":\"a\",\"scp\":[\"b\"]}", 0, NULL);
    char *s;
    (void)state;
    assert_true(mcp__principal_grants(p, "b", 1));
    assert_true(mcp__principal_grants(p, "c", 1));
    assert_false(mcp__principal_grants(p, "ab", 2));
    assert_false(mcp__principal_grants(p, "a  b", 4));
    assert_true(mcp__principal_grants(q, "bb", 2));
    assert_false(mcp__principal_grants(q, "b", 1));
    assert_true(mcp__principal_grants(r, "y", 1));
    assert_false(mcp__principal_grants(both, "b", 1)); /* "scope" wins when present */
    assert_false(mcp__principal_grants(NULL, "a", 1));
    assert_false(mcp__principal_grants(p, "", 0));
    json_decref(p);
    json_decref(q);
    json_decref(r);
    json_decref(both);

    assert_int_equal(mcp__scopes_parse("  files:read\t files:write  ", &s), MCP_OK);
    assert_string_equal(s, "files:read files:write");
    free(s);
    assert_int_equal(mcp__scopes_parse("   ", &s), MCP_OK);
    assert_null(s);
    assert_int_equal(mcp__scopes_parse("a\"b", &s), MCP_EINVAL);
    assert_int_equal(mcp__scopes_parse("a\\b", &s), MCP_EINVAL);
    assert_int_equal(mcp__scopes_parse("a\nb", &s), MCP_EINVAL);
    assert_int_equal(mcp__scopes_parse("caf\xc3\xa9", &s), MCP_EINVAL);
}

static void test_registration_refuses_bad_scopes(void **state)
{
    fixture *f = *state;
    mcp_error_t err;
    assert_int_equal(mcp_server_add_tool(f->srv,
                                         &(mcp_tool_t){.name = "bad",
                                                       .handler = tool_who,
                                                       .scopes = "ok \"quoted\""},
                                         &err),
                     MCP_EINVAL);
    assert_non_null(strstr(err.text, "tool 'bad': scopes"));
    assert_int_equal(mcp_server_add_prompt(
                         f->srv, &(mcp_prompt_t){.name = "bp", .handler = prompt_p, .scopes = "\x01"},
                         &err),
                     MCP_EINVAL);
    assert_int_equal(mcp_server_add_resource(f->srv,
                                             &(mcp_resource_t){.uri = "x://b",
                                                               .name = "b",
                                                               .text = "b",
                                                               .scopes = "a\\b"},
                                             &err),
                     MCP_EINVAL);
}

static void test_lists_filtered_pages_full(void **state)
{
    fixture *f = *state;
    char names[200];
    int pages;
    mcp_server_set_limit(f->srv, MCP_LIMIT_PAGE_SIZE, 2);

    list_names(f, names, sizeof names, &pages); /* authorization off: everything */
    assert_string_equal(names, "t0,t1,t2,t3,t4,t5,t6,");
    assert_int_equal(pages, 4);

    authorize(f, "{\"sub\":\"u\",\"scope\":\"a\"}");
    list_names(f, names, sizeof names, &pages);
    assert_string_equal(names, "t0,t2,t5,");
    assert_int_equal(pages, 2);

    authorize(f, "{\"sub\":\"u\",\"scope\":\"b\"}");
    list_names(f, names, sizeof names, &pages);
    assert_string_equal(names, "t0,t1,t2,t3,t5,"); /* t4 needs a and b */
    assert_int_equal(pages, 3);

    authorize(f, NULL); /* authorization on, no principal (a static token): no scope */
    list_names(f, names, sizeof names, &pages);
    assert_string_equal(names, "t0,t2,t5,");

    authorize(f, "{\"sub\":\"u\",\"scp\":[\"a\",\"b\"]}");
    list_names(f, names, sizeof names, &pages);
    assert_string_equal(names, "t0,t1,t2,t3,t4,t5,");
    assert_int_equal(pages, 3); /* t6, hidden, makes no empty last page */

    authorize(f, "{\"sub\":\"u\",\"scope\":\"a\"}");
    mcp_server_set_limit(f->srv, MCP_LIMIT_PAGE_SIZE, 3);
    list_names(f, names, sizeof names, &pages);
    assert_string_equal(names, "t0,t2,t5,");
    assert_int_equal(pages, 1); /* a full page and nothing kept after it: no nextCursor */
}

static void test_list_cache_scope(void **state)
{
    fixture *f = *state;
    json_t *r;
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" META26
                     "}}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "result"),
                                                          "cacheScope")),
                        "public");
    json_decref(r);
    authorize(f, "{\"sub\":\"u\",\"scope\":\"a\"}");
    r = roundtrip(f, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{" META26
                     "}}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "result"),
                                                          "cacheScope")),
                        "private");
    json_decref(r);
}

/* A refused request: -32000, data.scope, classed MCP__REPLY_FORBIDDEN. */
static void expect_forbidden(fixture *f, const char *text, const char *scope)
{
    json_t *r = roundtrip(f, text), *e = json_object_get(r, "error");
    assert_non_null(e);
    assert_int_equal(json_integer_value(json_object_get(e, "code")), -32000);
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "data"), "scope")),
                        scope);
    assert_int_equal(classes[nclasses - 1], MCP__REPLY_FORBIDDEN);
    json_decref(r);
}

static void expect_result(fixture *f, const char *text)
{
    json_t *r = roundtrip(f, text);
    assert_non_null(json_object_get(r, "result"));
    assert_int_equal(classes[nclasses - 1], MCP__REPLY_OK);
    json_decref(r);
}

#define REQ(method, params) \
    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"" method "\",\"params\":{" params "," META26 "}}"

static void test_calls_refused_and_served(void **state)
{
    fixture *f = *state;
    static const char *const reqs[] = {
        REQ("prompts/get", "\"name\":\"p\""),
        REQ("resources/read", "\"uri\":\"x://s\""),
        REQ("resources/read", "\"uri\":\"x://t/1\""),
        REQ("completion/complete", "\"ref\":{\"type\":\"ref/prompt\",\"name\":\"p\"},"
                                   "\"argument\":{\"name\":\"a\",\"value\":\"\"}"),
        REQ("completion/complete", "\"ref\":{\"type\":\"ref/resource\",\"uri\":\"x://t/{id}\"},"
                                   "\"argument\":{\"name\":\"id\",\"value\":\"\"}"),
    };
    size_t i;
    json_t *r;

    for (i = 0; i < 5; i++) /* authorization off (STDIO): .scopes do not apply */
        expect_result(f, reqs[i]);
    expect_result(f, REQ("tools/call", "\"name\":\"t4\""));

    authorize(f, "{\"sub\":\"u\",\"scope\":\"a\"}");
    expect_forbidden(f, REQ("tools/call", "\"name\":\"t4\""), "a b");
    expect_forbidden(f, REQ("tools/call", "\"name\":\"t1\",\"arguments\":7"), "b"); /* first */
    for (i = 0; i < 5; i++)
        expect_forbidden(f, reqs[i], "c");
    r = roundtrip(f, REQ("tools/call", "\"name\":\"nope\""));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "error"), "code")),
                     MCP_JSONRPC_INVALID_PARAMS); /* unknown stays unknown */
    assert_int_equal(classes[nclasses - 1], MCP__REPLY_OK);
    json_decref(r);

    authorize(f, "{\"sub\":\"u\",\"scope\":\"a b c\",\"azp\":\"app\"}");
    for (i = 0; i < 5; i++)
        expect_result(f, reqs[i]);
    r = roundtrip(f, REQ("tools/call", "\"name\":\"t4\""));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(json_object_get(r, "result"), "content"),
                                           0),
                            "text")),
                        "u/app/[\"a\",\"b\",\"c\"]/1");
    json_decref(r);
}

/* Visibility wins over scopes: a hidden item (disabled, or behind a tag turned off) is unknown,
 * never 403 naming the scope it needs (that would tell the caller it exists); shown again, the
 * scope check applies as before. subscriptions/listen on a resource the caller may not read is
 * refused like resources/read. */
static void test_hidden_before_scopes(void **state)
{
    fixture *f = *state;
    static const char *const hidden[] = {
        REQ("tools/call", "\"name\":\"t1\""),
        REQ("tools/call", "\"name\":\"tagged\""),
        REQ("resources/read", "\"uri\":\"x://s\""),
        REQ("resources/read", "\"uri\":\"x://t/1\""),
    };
    size_t i;
    json_t *r;

    assert_int_equal(
        mcp_server_add_tool(
            f->srv,
            &(mcp_tool_t){.name = "tagged", .handler = tool_who, .scopes = "b", .tags = "admin"},
            NULL),
        MCP_OK);
    authorize(f, "{\"sub\":\"u\",\"scope\":\"a\"}");
    expect_forbidden(f, REQ("tools/call", "\"name\":\"t1\""), "b");
    expect_forbidden(f, REQ("tools/call", "\"name\":\"tagged\""), "b");
    expect_forbidden(
        f,
        REQ("subscriptions/listen", "\"notifications\":{\"resourceSubscriptions\":[\"x://t/1\"]}"),
        "c");

    assert_int_equal(mcp_server_enable_tool(f->srv, "t1", 0), MCP_OK);
    assert_int_equal(mcp_server_enable_tag(f->srv, "admin", 0), MCP_OK);
    assert_int_equal(mcp_server_enable_resource(f->srv, "x://s", 0), MCP_OK);
    assert_int_equal(mcp_server_enable_resource(f->srv, "x://t/{id}", 0), MCP_OK);
    for (i = 0; i < 4; i++) {
        json_t *e;
        r = roundtrip(f, hidden[i]);
        e = json_object_get(r, "error");
        assert_non_null(e);
        assert_int_not_equal(json_integer_value(json_object_get(e, "code")), -32000);
        assert_null(json_object_get(json_object_get(e, "data"), "scope")); /* unknown */
        assert_int_equal(classes[nclasses - 1], MCP__REPLY_OK);
        json_decref(r);
    }

    assert_int_equal(mcp_server_enable_tool(f->srv, "t1", 1), MCP_OK);
    assert_int_equal(mcp_server_enable_tag(f->srv, "admin", 1), MCP_OK);
    expect_forbidden(f, REQ("tools/call", "\"name\":\"t1\""), "b");
    expect_forbidden(f, REQ("tools/call", "\"name\":\"tagged\""), "b");
    authorize(f, "{\"sub\":\"u\",\"scope\":\"a b\"}");
    expect_result(f, REQ("tools/call", "\"name\":\"tagged\""));
}

/* A server mounted in-process (app/mount.c) keeps its items' .scopes on the outer server: its
 * own session has no authorization, so the outer one must refuse what the caller may not use. */
static void test_mounted_scopes(void **state)
{
    fixture *f = harness_new(true);
    mcp_server_t *inner = mcp_server_new("inner", "1.0");
    mcp_client_t *mc;
    mcp_error_t err = {0};
    char names[64];
    int pages, i;
    json_t *r;
    size_t before;
    (void)state;

    mcp__server_session_end(f->sess); /* replaced by one that records reply classes */
    mcp__session_unref(f->sess);
    f->sess = mcp__session_new(f->srv, &class_ops, &f->cap);
    nclasses = 0;
    assert_int_equal(mcp_server_add_tool(inner,
                                         &(mcp_tool_t){.name = "open", .handler = tool_who},
                                         NULL),
                     MCP_OK);
    assert_int_equal(
        mcp_server_add_tool(
            inner, &(mcp_tool_t){.name = "secret", .handler = tool_who, .scopes = "admin"}, NULL),
        MCP_OK);
    assert_int_equal(mcp_server_add_resource(inner,
                                             &(mcp_resource_t){.uri = "x://s",
                                                               .name = "s",
                                                               .text = "secret",
                                                               .scopes = "admin"},
                                             NULL),
                     MCP_OK);
    assert_int_equal(mcp_server_attach(inner, &f->loop), MCP_OK);
    mc = mcp_client_new(&f->loop, "mounter", "1");
    assert_int_equal(mcp_client_connect_server(mc, inner), MCP_OK);
    assert_int_equal(mcp_server_mount(f->srv, mc, "in", &err), MCP_OK);

    authorize(f, "{\"sub\":\"u\",\"scope\":\"a\"}");
    list_names(f, names, sizeof names, &pages);
    assert_string_equal(names, "in_open,");
    expect_forbidden(f, REQ("tools/call", "\"name\":\"in_secret\""), "admin");
    expect_forbidden(f, REQ("resources/read", "\"uri\":\"x://in/s\""), "admin");

    authorize(f, "{\"sub\":\"u\",\"scope\":\"a admin\"}");
    list_names(f, names, sizeof names, &pages);
    assert_string_equal(names, "in_open,in_secret,");
    before = json_array_size(f->cap.sent); /* forwarded: the answer comes through the loop */
    mcp__server_receive(f->sess, REQ("tools/call", "\"name\":\"in_secret\""),
                        strlen(REQ("tools/call", "\"name\":\"in_secret\"")));
    for (i = 0; i < 200 && json_array_size(f->cap.sent) == before; i++)
        uv_run(&f->loop, UV_RUN_ONCE);
    r = json_array_get(f->cap.sent, json_array_size(f->cap.sent) - 1);
    assert_non_null(json_object_get(r, "result"));
    assert_int_equal(classes[nclasses - 1], MCP__REPLY_OK);

    mcp__server_session_end(f->sess);
    mcp__session_unref(f->sess);
    mcp_server_free(f->srv); /* closes and frees the mount's client */
    mcp_server_free(inner);
    for (i = 0; i < 50 && uv_loop_alive(&f->loop); i++)
        uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(uv_loop_close(&f->loop), 0);
    json_decref(f->cap.sent);
    free(f);
}

/* Middleware sees the request's principal (mcp_call_principal()): on a 2025 session after a
 * step-up, the new token's claims, not those the session began with. */
static char seen_scope[64];

static int mw_record(const mcp_request_info_t *req, void *ud)
{
    (void)ud;
    snprintf(seen_scope, sizeof seen_scope, "%s",
             json_string_value(json_object_get(req->principal, "scope"))
                 ? json_string_value(json_object_get(req->principal, "scope"))
                 : "-");
    return MCP_OK;
}

static void test_middleware_request_principal(void **state)
{
    fixture *f = *state;
    json_t *stepped = json_loads("{\"sub\":\"u\",\"scope\":\"a b\"}", 0, NULL);
    assert_int_equal(mcp_server_use(f->srv, &(mcp_middleware_t){.request = mw_record}), MCP_OK);
    authorize(f, "{\"sub\":\"u\",\"scope\":\"a\"}"); /* the session's first token */
    expect_forbidden(f, REQ("tools/call", "\"name\":\"t1\""), "b");
    assert_string_equal(seen_scope, "a");
    f->sess->rx_principal = stepped; /* what HTTP sets while it hands over a request */
    expect_result(f, REQ("tools/call", "\"name\":\"t1\""));
    f->sess->rx_principal = NULL;
    assert_string_equal(seen_scope, "a b");
    json_decref(stepped);
}

static void test_accessors(void **state)
{
    fixture *f = *state;
    json_t *r;
    const char *text;
    /* authorization off: no principal, has_scope says yes (scopes do not apply) */
    r = roundtrip(f, REQ("tools/call", "\"name\":\"t0\""));
    text = json_string_value(json_object_get(
        json_array_get(json_object_get(json_object_get(r, "result"), "content"), 0), "text"));
    assert_string_equal(text, "-/-/[]/1");
    json_decref(r);
    /* on, a principal with client_id and without "b" */
    authorize(f, "{\"sub\":\"s\",\"client_id\":\"cid\",\"azp\":\"other\",\"scp\":[\"a\"]}");
    r = roundtrip(f, REQ("tools/call", "\"name\":\"t0\""));
    text = json_string_value(json_object_get(
        json_array_get(json_object_get(json_object_get(r, "result"), "content"), 0), "text"));
    assert_string_equal(text, "s/cid/[\"a\"]/0");
    json_decref(r);
    /* NULL and empty arguments */
    assert_int_equal(mcp_call_has_scope(NULL, "a"), 0);
    assert_null(mcp_call_subject(NULL));
    assert_null(mcp_call_client_id(NULL));
    r = mcp_call_scopes(NULL);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grants),
        cmocka_unit_test_setup_teardown(test_registration_refuses_bad_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists_filtered_pages_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_cache_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_calls_refused_and_served, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hidden_before_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accessors, setup, teardown),
        cmocka_unit_test(test_mounted_scopes),
        cmocka_unit_test_setup_teardown(test_middleware_request_principal, setup, teardown),
    };
    return cmocka_run_group_tests_name("scopes", tests, NULL, NULL);
}
