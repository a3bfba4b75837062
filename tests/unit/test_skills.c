/*
 * The skills extension (SEP-2640) on the client side: the SKILL.md frontmatter reader
 * (base/skill.c) on good and bad YAML, mcp_skill_check() on malformed entries, mcp_skill_verify()
 * on content that differs from its entry (size, digest, frontmatter, an unlisted file), and the
 * client against a real libmcp server in memory (both eras) that serves skills/list, skills/get
 * and the skill's files, some of them tampered with. The expected digests were computed with
 * sha256sum, not with the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "mcp_client.h"

#define SKILL_URI "skill://demo/SKILL.md"
#define REF_URI   "skill://demo/references/REF.md"
#define BIN_URI   "skill://demo/assets/data.bin"

static const char skill_md[] = "---\nname: demo\ndescription: A demo skill\nmetadata:\n"
                               "  version: 1.0\n---\n\nUse the tools.\n";
#define SKILL_DIGEST "sha256:637248b637e89f01126a39ca3d1c274a61fa40e1560459e740a369da6dbca88c"
/* the same file with another description (84 bytes) */
static const char evil_md[] = "---\nname: demo\ndescription: Exfiltrate\nmetadata:\n"
                              "  version: 1.0\n---\n\nUse the tools.\n";
#define EVIL_DIGEST "sha256:ad6520b16a4c46250c4ef1fb39e7b90c7a2a65e4678c053abdb33e88c548255b"
#define REF_DIGEST  "sha256:9edce758a6909e71f08949bd13ac70b207c72ed5b44c270e2608c8aec7c414b8"
static const unsigned char bin[] = {0, 1, 2, 'b', 'i', 'n', 'a', 'r', 'y'};
#define BIN_DIGEST "sha256:9731877356f0f905076ab2599539e76a9c8779543d5ee3689f29b7ee70c51ea9"

static json_t *entry(void)
{
    json_t *e = json_pack("{s:s, s:{s:s, s:s, s:{s:f}}, s:[{s:s,s:s,s:i},{s:s,s:s,s:i},"
                          "{s:s,s:s,s:i}]}",
                          "uri", SKILL_URI, "frontmatter", "name", "demo", "description",
                          "A demo skill", "metadata", "version", 1.0, "resources", "uri", SKILL_URI,
                          "digest", SKILL_DIGEST, "size", 86, "uri", REF_URI, "digest", REF_DIGEST,
                          "size", 9, "uri", BIN_URI, "digest", BIN_DIGEST, "size", 9);
    assert_non_null(e);
    return e;
}

/* ---- the frontmatter reader --------------------------------------------------------------- */

static json_t *fm_ok(const char *text)
{
    json_t *v = NULL;
    char why[200];
    size_t body = 0;
    int rc = mcp__frontmatter_parse(text, strlen(text), &v, &body, why, sizeof why);
    if (rc != MCP_OK)
        fail_msg("frontmatter refused: %s\n%s", why, text);
    assert_true(body > 0 && body <= strlen(text));
    return v;
}

static void fm_bad(const char *text, const char *why_part)
{
    json_t *v = NULL;
    char why[200];
    int rc = mcp__frontmatter_parse(text, strlen(text), &v, NULL, why, sizeof why);
    if (rc == MCP_OK) {
        char *s = json_dumps(v, 0);
        fail_msg("frontmatter accepted: %s\n-> %s", text, s);
    }
    assert_int_equal(rc, MCP_EPARSE);
    assert_null(v);
    if (!strstr(why, why_part))
        fail_msg("reason \"%s\" lacks \"%s\"", why, why_part);
}

static void expect_fm(const char *text, const char *json)
{
    json_t *v = fm_ok(text), *want = json_loads(json, 0, NULL);
    assert_non_null(want);
    if (!json_equal(v, want)) {
        char *got = json_dumps(v, JSON_SORT_KEYS);
        fail_msg("frontmatter\n%s\nread as %s, want %s", text, got, json);
    }
    json_decref(v);
    json_decref(want);
}

static void test_frontmatter_good(void **state)
{
    size_t body = 0;
    json_t *v = NULL;
    (void)state;
    assert_int_equal(mcp__frontmatter_parse(skill_md, strlen(skill_md), &v, &body, NULL, 0),
                     MCP_OK);
    assert_string_equal(skill_md + body, "\nUse the tools.\n");
    json_decref(v);
    expect_fm(skill_md, "{\"name\":\"demo\",\"description\":\"A demo skill\","
                        "\"metadata\":{\"version\":1.0}}");
    expect_fm("\xEF\xBB\xBF---\r\nname: a\r\ncount: 3\r\n---\r\n", "{\"name\":\"a\",\"count\":3}");
    expect_fm("---\n---\nbody", "{}");
    expect_fm(
        "---\n# a comment\nname: x # trailing\nempty:\nnull2: ~\nyes: true\nno: False\n"
        "hex: 0x1f\noct: 0o17\nneg: -12\nexp: 1e3\nplain: 1.2.3\nv: '007'\n---\n",
        "{\"name\":\"x\",\"empty\":null,\"null2\":null,\"yes\":true,\"no\":false,"
        "\"hex\":31,\"oct\":15,\"neg\":-12,\"exp\":1000.0,\"plain\":\"1.2.3\",\"v\":\"007\"}");
    expect_fm("---\ndescription: a long text\n  that wraps\n\n  and a paragraph\nnext: 1\n---\n",
              "{\"description\":\"a long text that wraps\\nand a paragraph\",\"next\":1}");
    expect_fm("---\nd: \"tab\\there \\u00e9 \\\"q\\\" \\x41\"\ns: 'it''s # not a comment'\n"
              "m: \"two\n  lines\"\n---\n",
              "{\"d\":\"tab\\there \\u00e9 \\\"q\\\" A\",\"s\":\"it's # not a comment\","
              "\"m\":\"two lines\"}");
    expect_fm("---\nlit: |\n  line 1\n    indented\n\n  line 3\nfold: >-\n  a\n  b\n\n  c\n"
              "keep: |+\n  k\n\nafter: x\n---\n",
              "{\"lit\":\"line 1\\n  indented\\n\\nline 3\\n\",\"fold\":\"a b\\nc\","
              "\"keep\":\"k\\n\\n\",\"after\":\"x\"}");
    expect_fm("---\nallowed-tools:\n  - Read\n  - \"Bash(git:*)\"\ntags: [a, 'b c', 3]\n"
              "same:\n- x\n- y\nobj: {k: v, n: 2}\nitems:\n  - name: one\n    size: 1\n"
              "  - name: two\nnested:\n  deep:\n    deeper: z\n---\n",
              "{\"allowed-tools\":[\"Read\",\"Bash(git:*)\"],\"tags\":[\"a\",\"b c\",3],"
              "\"same\":[\"x\",\"y\"],\"obj\":{\"k\":\"v\",\"n\":2},\"items\":[{\"name\":\"one\","
              "\"size\":1},{\"name\":\"two\"}],\"nested\":{\"deep\":{\"deeper\":\"z\"}}}");
}

static void test_frontmatter_bad(void **state)
{
    char deep[2048];
    size_t n = 0;
    int i;
    (void)state;
    fm_bad("", "does not begin");
    fm_bad("name: x\n", "does not begin");
    fm_bad("----\nname: x\n---\n", "does not begin");
    fm_bad("---\nname: x\n", "closing");
    fm_bad("---\nname: x\nname: y\n---\n", "duplicate key");
    fm_bad("---\nname: &a x\n---\n", "anchors");
    fm_bad("---\nname: *a\n---\n", "anchors");
    fm_bad("---\nname: !!str x\n---\n", "tags");
    fm_bad("---\n? complex\n---\n", "expected");
    fm_bad("---\nname: \"open\n---\n", "unterminated");
    fm_bad("---\nname: \"bad \\q escape\"\n---\n", "unknown escape");
    fm_bad("---\nname: 'x' trailing\n---\n", "unexpected text");
    fm_bad("---\n\tname: x\n---\n", "tab");
    fm_bad("---\n- a\n- b\n---\n", "not a mapping");
    fm_bad("---\njust text\n---\n", "expected");
    fm_bad("---\nname: x\n  bad: indent\n---\n", "not allowed");
    fm_bad("---\nname: a: b\n---\n", "not allowed");
    fm_bad("---\nname:\n  a: 1\n b: 2\n---\n", "indentation");
    fm_bad("---\nn: .inf\n---\n", "no JSON form");
    fm_bad("---\nn: [a, b\n---\n", "flow");
    fm_bad("---\nn: {a: 1, a: 2}\n---\n", "duplicate key");
    fm_bad("---\nn: \"\\ud800\"\n---\n", "unknown escape");
    /* deeper than the bound */
    n += (size_t)snprintf(deep + n, sizeof deep - n, "---\n");
    for (i = 0; i < 40; i++)
        n += (size_t)snprintf(deep + n, sizeof deep - n, "%*sk%d:\n", i, "", i);
    n += (size_t)snprintf(deep + n, sizeof deep - n, "%*sleaf: 1\n---\n", 40, "");
    fm_bad(deep, "deeper");
    {
        static const char nul[] = "---\nname: a\0b\n---\n";
        json_t *v = NULL;
        assert_int_equal(mcp__frontmatter_parse(nul, sizeof nul - 1, &v, NULL, NULL, 0),
                         MCP_EPARSE);
        assert_null(v);
    }
}

/* ---- entries ----------------------------------------------------------------------------------
 */

static void check_bad(json_t *e, int want, const char *why_part)
{
    char why[300] = "";
    int rc = mcp_skill_check(e, why, sizeof why);
    if (rc != want)
        fail_msg("mcp_skill_check: %s, want %s (%s)", mcp_err_name(rc), mcp_err_name(want), why);
    if (!strstr(why, why_part))
        fail_msg("reason \"%s\" lacks \"%s\"", why, why_part);
    json_decref(e);
}

static json_t *with(const char *key, json_t *value)
{
    json_t *e = entry();
    if (value)
        json_object_set_new(e, key, value);
    else
        json_object_del(e, key);
    return e;
}

static json_t *with_file(int i, const char *key, json_t *value)
{
    json_t *e = entry(), *file = json_array_get(json_object_get(e, "resources"), (size_t)i);
    if (value)
        json_object_set_new(file, key, value);
    else
        json_object_del(file, key);
    return e;
}

static void test_check_entry(void **state)
{
    json_t *e = entry(), *big;
    char why[300];
    int i;
    (void)state;
    assert_int_equal(mcp_skill_check(e, why, sizeof why), MCP_OK);
    json_decref(e);
    assert_int_equal(mcp_skill_check(NULL, NULL, 0), MCP_EPARSE);
    check_bad(json_array(), MCP_EPARSE, "not an object");
    check_bad(with("uri", json_integer(1)), MCP_EPARSE, "no uri");
    check_bad(with("uri", json_string("skill://demo/README.md")), MCP_EPARSE, "/SKILL.md");
    check_bad(with("uri", json_string("/SKILL.md")), MCP_EPARSE, "/SKILL.md");
    check_bad(with("uri", json_string("skill://other/SKILL.md")), MCP_EPARSE, "last segment");
    check_bad(with("frontmatter", json_string("x")), MCP_EPARSE, "frontmatter");
    check_bad(with("frontmatter", json_pack("{s:s}", "name", "demo")), MCP_EPARSE, "description");
    check_bad(with("frontmatter", json_pack("{s:s,s:s}", "name", "", "description", "d")),
              MCP_EPARSE, "description");
    e = entry();
    json_object_set_new(e, "uri", json_string("skill://Demo--x/SKILL.md"));
    json_object_set_new(json_object_get(e, "frontmatter"), "name", json_string("Demo--x"));
    check_bad(e, MCP_EPARSE, "not a valid skill name");
    check_bad(with("resources", NULL), MCP_EPARSE, "neither an array");
    check_bad(with("resources", json_string("static")), MCP_EPARSE, "neither an array");
    e = with("resources", json_string("dynamic"));
    assert_int_equal(mcp_skill_check(e, NULL, 0), MCP_OK);
    json_decref(e);
    check_bad(with_file(1, "uri", json_string("skill://other/REF.md")), MCP_EPARSE,
              "not a file of the skill");
    check_bad(with_file(1, "uri", json_string("skill://demo/../other/SKILL.md")), MCP_EPARSE,
              "not a file of the skill");
    check_bad(with_file(1, "uri", json_string("skill://demo//x")), MCP_EPARSE,
              "not a file of the skill");
    check_bad(with_file(1, "uri", json_string("skill://demoX/REF.md")), MCP_EPARSE,
              "not a file of the skill");
    check_bad(with_file(1, "uri", NULL), MCP_EPARSE, "has no uri");
    check_bad(with_file(1, "digest",
                        json_string("sha256:9EDCE758A6909E71F08949BD13AC70B207C72ED5"
                                    "B44C270E2608C8AEC7C414B8")),
              MCP_EPARSE, "digest");
    check_bad(with_file(1, "digest", json_string("md5:00")), MCP_EPARSE, "digest");
    check_bad(with_file(1, "size", json_integer(-1)), MCP_EPARSE, "size");
    check_bad(with_file(1, "size", json_real(9.0)), MCP_EPARSE, "size");
    check_bad(with_file(1, "uri", json_string(SKILL_URI)), MCP_EPARSE, "listed twice");
    check_bad(with_file(0, "uri", json_string("skill://demo/OTHER.md")), MCP_EPARSE,
              "does not list the SKILL.md");
    check_bad(with_file(1, "size", json_integer(16 * 1024 * 1024)), MCP_ELIMIT, "add up");
    e = entry();
    big = json_object_get(e, "resources");
    for (i = 0; i < MCP_SKILL_MAX_FILES; i++) {
        char u[64];
        snprintf(u, sizeof u, "skill://demo/f%d", i);
        json_array_append_new(
            big, json_pack("{s:s,s:s,s:i}", "uri", u, "digest", REF_DIGEST, "size", 1));
    }
    check_bad(e, MCP_ELIMIT, "more than the 512");
}

static void test_verify(void **state)
{
    json_t *e = entry(), *dyn;
    char why[300];
    char tampered[sizeof skill_md];
    (void)state;
    assert_int_equal(mcp_skill_verify(e, SKILL_URI, skill_md, strlen(skill_md), why, sizeof why),
                     MCP_OK);
    assert_int_equal(mcp_skill_verify(e, REF_URI, "ref text\n", 9, why, sizeof why), MCP_OK);
    assert_int_equal(mcp_skill_verify(e, BIN_URI, bin, sizeof bin, why, sizeof why), MCP_OK);
    /* size */
    assert_int_equal(mcp_skill_verify(e, REF_URI, "ref text\n!", 10, why, sizeof why), MCP_EVERIFY);
    assert_non_null(strstr(why, "is 10 bytes, the skill entry says 9"));
    /* digest: same length, one byte changed */
    assert_int_equal(mcp_skill_verify(e, REF_URI, "ref texT\n", 9, why, sizeof why), MCP_EVERIFY);
    assert_non_null(strstr(why, "digest"));
    memcpy(tampered, skill_md, sizeof skill_md);
    tampered[sizeof skill_md - 3] = 'X';
    assert_int_equal(mcp_skill_verify(e, SKILL_URI, tampered, strlen(tampered), why, sizeof why),
                     MCP_EVERIFY);
    /* unlisted */
    assert_int_equal(mcp_skill_verify(e, "skill://demo/extra.md", "x", 1, why, sizeof why),
                     MCP_EVERIFY);
    assert_non_null(strstr(why, "not listed"));
    /* the frontmatter: a SKILL.md whose digest and size match its entry, whose frontmatter does
     * not */
    json_object_set_new(json_array_get(json_object_get(e, "resources"), 0), "digest",
                        json_string(EVIL_DIGEST));
    json_object_set_new(json_array_get(json_object_get(e, "resources"), 0), "size",
                        json_integer(84));
    assert_int_equal(mcp_skill_verify(e, SKILL_URI, evil_md, strlen(evil_md), why, sizeof why),
                     MCP_EVERIFY);
    assert_non_null(strstr(why, "\"description\""));
    /* numbers compare by value: version 1 (integer) in the entry equals 1.0 in the file */
    dyn = entry();
    json_object_set_new(dyn, "resources", json_string("dynamic"));
    json_object_set_new(json_object_get(json_object_get(dyn, "frontmatter"), "metadata"), "version",
                        json_integer(1));
    assert_int_equal(mcp_skill_verify(dyn, SKILL_URI, skill_md, strlen(skill_md), why, sizeof why),
                     MCP_OK);
    /* a dynamic skill's SKILL.md is still compared; an extra field is a difference */
    json_object_set_new(json_object_get(dyn, "frontmatter"), "license", json_string("MIT"));
    assert_int_equal(mcp_skill_verify(dyn, SKILL_URI, skill_md, strlen(skill_md), why, sizeof why),
                     MCP_EVERIFY);
    assert_non_null(strstr(why, "license"));
    /* frontmatter that cannot be read is a mismatch */
    assert_int_equal(mcp_skill_verify(dyn, SKILL_URI, "no frontmatter", 14, why, sizeof why),
                     MCP_EVERIFY);
    assert_int_equal(mcp_skill_verify(dyn, REF_URI, "anything", 8, why, sizeof why), MCP_OK);
    assert_int_equal(mcp_skill_verify(dyn, "skill://other/x.md", "x", 1, why, sizeof why),
                     MCP_EVERIFY);
    assert_int_equal(mcp_skill_verify(dyn, "skill://demo/../x.md", "x", 1, why, sizeof why),
                     MCP_EVERIFY);
    assert_int_equal(mcp_skill_verify(NULL, SKILL_URI, "x", 1, why, sizeof why), MCP_EINVAL);
    assert_int_equal(mcp_skill_verify(e, NULL, "x", 1, why, sizeof why), MCP_EINVAL);
    assert_int_equal(mcp_skill_verify(e, SKILL_URI, NULL, 1, NULL, 0), MCP_EINVAL);
    json_decref(dyn);
    json_decref(e);
}

/* ---- a real server in memory ------------------------------------------------------------------
 */

typedef struct served {
    json_t *entry;
    const char *ref; /* what REF.md serves (tampered by some tests) */
    int reads;       /* resources/read calls of skill files */
} served;

static int list_skills(mcp_call_t *call, const json_t *params, void *ud)
{
    served *s = ud;
    (void)params;
    json_object_set_new(mcp_call_result(call), "skills", json_pack("[O]", s->entry));
    return MCP_OK;
}

static int get_skill(mcp_call_t *call, const json_t *params, void *ud)
{
    served *s = ud;
    const char *uri = json_string_value(json_object_get(params, "uri"));
    if (!uri || strcmp(uri, SKILL_URI) != 0)
        return mcp_call_fail_new(call, -32602, NULL, "No skill is served at %s",
                                 uri ? uri : "(none)");
    json_object_set(mcp_call_result(call), "skill", s->entry);
    return MCP_OK;
}

static int read_file(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    served *s = ud;
    (void)vars;
    s->reads++;
    if (strcmp(uri, SKILL_URI) == 0)
        return mcp_call_resource_text(call, uri, "text/markdown", skill_md);
    if (strcmp(uri, REF_URI) == 0)
        return mcp_call_resource_text(call, uri, "text/markdown", s->ref);
    return mcp_call_resource_blob(call, uri, "application/octet-stream", bin, sizeof bin);
}

static mcp_server_t *skills_server(served *s, int declare)
{
    mcp_server_t *srv = mcp_server_new("skills-test", "1.0");
    const char *uris[] = {SKILL_URI, REF_URI, BIN_URI, "skill://demo/extra.md"};
    size_t i;
    assert_non_null(srv);
    if (declare)
        assert_int_equal(mcp_server_add_extension(srv, MCP_SKILLS_EXTENSION, "{}"), MCP_OK);
    assert_int_equal(mcp_server_add_method(srv, "skills/list", list_skills, s, NULL), MCP_OK);
    assert_int_equal(mcp_server_add_method(srv, "skills/get", get_skill, s, NULL), MCP_OK);
    for (i = 0; i < 4; i++)
        assert_int_equal(mcp_server_add_resource(srv,
                                                 &(mcp_resource_t){.uri = uris[i],
                                                                   .name = uris[i] + 8,
                                                                   .handler = read_file,
                                                                   .userdata = s},
                                                 NULL),
                         MCP_OK);
    return srv;
}

static void client_skills(const char *protocol)
{
    served s = {entry(), "ref text\n", 0};
    mcp_server_t *srv = skills_server(&s, 1);
    mcp_client_t *c = mcp_client_new(NULL, "skills-client", "1.0");
    mcp_client_error_t err;
    json_t *list = NULL, *skill = NULL, *content = NULL;
    const json_t *one;

    assert_int_equal(mcp_client_connect_server(c, srv), MCP_OK);
    assert_int_equal(mcp_client_set_protocol(c, protocol), MCP_OK);
    /* before initialization: no capabilities, nothing to ask */
    assert_null(mcp_client_server_extension(c, MCP_SKILLS_EXTENSION));
    assert_int_equal(mcp_client_list_skills_sync(c, &list, &err), MCP_ESTATE);
    assert_null(list);
    assert_int_equal(mcp_client_initialize_sync(c, NULL, &err), MCP_OK);
    assert_non_null(mcp_client_server_extension(c, MCP_SKILLS_EXTENSION));
    assert_null(mcp_client_server_extension(c, "com.example/none"));
    assert_null(mcp_client_server_extension(c, NULL));

    /* listing and getting read no file */
    assert_int_equal(mcp_client_list_skills_sync(c, &list, &err), MCP_OK);
    assert_int_equal(json_array_size(list), 1);
    one = json_array_get(list, 0);
    assert_int_equal(mcp_skill_check(one, NULL, 0), MCP_OK);
    assert_int_equal(mcp_client_get_skill_sync(c, SKILL_URI, &skill, &err), MCP_OK);
    assert_true(json_equal(skill, one));
    assert_int_equal(mcp_client_get_skill_sync(c, "skill://nope/SKILL.md", &content, &err),
                     MCP_EREMOTE);
    assert_int_equal(err.code, -32602);
    assert_null(content);
    assert_int_equal(s.reads, 0);

    /* load the skill, then its files: each verified */
    assert_int_equal(mcp_client_read_skill_file_sync(c, skill, NULL, &content, &err), MCP_OK);
    assert_string_equal(json_string_value(json_object_get(content, "text")), skill_md);
    json_decref(content);
    assert_int_equal(mcp_client_read_skill_file_sync(c, skill, REF_URI, &content, &err), MCP_OK);
    json_decref(content);
    assert_int_equal(mcp_client_read_skill_file_sync(c, skill, BIN_URI, &content, &err), MCP_OK);
    assert_string_equal(json_string_value(json_object_get(content, "blob")), "AAECYmluYXJ5");
    json_decref(content);
    assert_int_equal(s.reads, 3);

    /* an unlisted file is refused before any request */
    content = skill; /* any pointer: the call sets it to NULL */
    assert_int_equal(
        mcp_client_read_skill_file_sync(c, skill, "skill://demo/extra.md", &content, &err),
        MCP_EVERIFY);
    assert_null(content);
    assert_non_null(strstr(err.text, "not listed"));
    assert_int_equal(s.reads, 3);

    /* a "dynamic" skill lists nothing: still only files under its directory are read */
    {
        json_t *dyn = json_deep_copy(skill);
        json_object_set_new(dyn, "resources", json_string("dynamic"));
        assert_int_equal(
            mcp_client_read_skill_file_sync(c, dyn, "skill://other/REF.md", &content, &err),
            MCP_EVERIFY);
        assert_non_null(strstr(err.text, "not a file of the skill"));
        assert_int_equal(s.reads, 3);
        assert_int_equal(mcp_client_read_skill_file_sync(c, dyn, REF_URI, &content, &err), MCP_OK);
        json_decref(content);
        assert_int_equal(s.reads, 4);
        json_decref(dyn);
    }
    /* the server now serves other bytes: refused, nothing handed over */
    s.ref = "ref text!\n";
    assert_int_equal(mcp_client_read_skill_file_sync(c, skill, REF_URI, &content, &err),
                     MCP_EVERIFY);
    assert_null(content);
    assert_int_equal(err.status, MCP_EVERIFY);
    assert_non_null(strstr(err.text, "10 bytes"));
    s.ref = "ref texT\n";
    assert_int_equal(mcp_client_read_skill_file_sync(c, skill, REF_URI, &content, &err),
                     MCP_EVERIFY);
    assert_non_null(strstr(err.text, "digest"));
    /* a blob longer than its declared size is refused undecoded */
    json_object_set_new(json_array_get(json_object_get(skill, "resources"), 2), "size",
                        json_integer(3));
    assert_int_equal(mcp_client_read_skill_file_sync(c, skill, BIN_URI, &content, &err),
                     MCP_EVERIFY);
    assert_non_null(strstr(err.text, "blob is longer"));
    /* a malformed entry is refused before any request */
    json_object_set_new(skill, "resources", json_string("static"));
    assert_int_equal(mcp_client_read_skill_file_sync(c, skill, NULL, &content, &err), MCP_EPARSE);
    assert_non_null(strstr(err.text, "neither an array"));
    assert_int_equal(mcp_client_read_skill_file(c, NULL, NULL, NULL, NULL), MCP_EINVAL);
    assert_int_equal(s.reads, 7);

    json_decref(skill);
    json_decref(list);
    mcp_client_free(c);
    mcp_server_free(srv);
    json_decref(s.entry);
}

static void test_client_2026(void **state)
{
    (void)state;
    client_skills(MCP_PROTOCOL_2026_07_28);
}

static void test_client_2025(void **state)
{
    (void)state;
    client_skills(MCP_PROTOCOL_2025_11_25);
}

/* A server that serves the methods without declaring the extension is not asked. */
static void test_not_declared(void **state)
{
    served s = {entry(), "ref text\n", 0};
    mcp_server_t *srv = skills_server(&s, 0);
    mcp_client_t *c = mcp_client_new(NULL, "skills-client", "1.0");
    mcp_client_error_t err;
    json_t *list = NULL, *skill = NULL;
    (void)state;
    assert_int_equal(mcp_client_connect_server(c, srv), MCP_OK);
    assert_int_equal(mcp_client_initialize_sync(c, NULL, &err), MCP_OK);
    assert_null(mcp_client_server_extension(c, MCP_SKILLS_EXTENSION));
    assert_int_equal(mcp_client_list_skills_sync(c, &list, &err), MCP_ESTATE);
    assert_non_null(strstr(err.text, MCP_SKILLS_EXTENSION));
    assert_int_equal(mcp_client_get_skill_sync(c, SKILL_URI, &skill, &err), MCP_ESTATE);
    assert_null(list);
    assert_null(skill);
    mcp_client_free(c);
    mcp_server_free(srv);
    json_decref(s.entry);
}

/* ---- the server side: mcp_server_add_skills() ---------------------------------------------- */

static const char tour_md[] = "---\nname: tour\ndescription: A tour\nmetadata:\n  v: 2\n---\nRead "
                              "references/A.md.\n";

static void add_bad(const mcp_skill_t *skills, size_t n, int want, const char *why_part)
{
    mcp_server_t *srv = mcp_server_new("bad-skills", "1.0");
    mcp_error_t err;
    int rc;
    memset(&err, 0, sizeof err);
    rc = mcp_server_add_skills(srv, skills, n, &err);
    if (rc != want)
        fail_msg("mcp_server_add_skills: %s, want %s (%s)", mcp_err_name(rc), mcp_err_name(want),
                 err.text);
    if (!strstr(err.text, why_part))
        fail_msg("reason \"%s\" lacks \"%s\"", err.text, why_part);
    mcp_server_free(srv);
}

static void test_server_add_bad(void **state)
{
    const mcp_skill_file_t dup[] = {{.path = "a.md", .data = "x", .len = 1},
                                    {.path = "a.md", .data = "y", .len = 1}};
    const mcp_skill_file_t dots[] = {{.path = "../a.md", .data = "x", .len = 1}};
    const mcp_skill_file_t md[] = {{.path = "SKILL.md", .data = "x", .len = 1}};
    const mcp_skill_file_t nodata[] = {{.path = "a.md", .data = NULL, .len = 3}};
    static mcp_skill_file_t many[MCP_SKILL_MAX_FILES];
    mcp_skill_file_t big = {.path = "big.bin", .len = MCP_SKILL_MAX_BYTES};
    size_t i;
    (void)state;
    add_bad(NULL, 1, MCP_EINVAL, "no skills");
    add_bad(&(mcp_skill_t){.path = "tour"}, 1, MCP_EINVAL, "SKILL.md");
    add_bad(&(mcp_skill_t){.path = "a//tour", .skill_md = tour_md}, 1, MCP_EINVAL, "clean path");
    add_bad(&(mcp_skill_t){.path = "../tour", .skill_md = tour_md}, 1, MCP_EINVAL, "clean path");
    add_bad(&(mcp_skill_t){.path = "other", .skill_md = tour_md}, 1, MCP_EINVAL, "end in its name");
    add_bad(&(mcp_skill_t){.path = "tour", .skill_md = "no frontmatter"}, 1, MCP_EINVAL,
            "does not begin");
    add_bad(&(mcp_skill_t){.path = "tour", .skill_md = "---\nname: tour\n---\n"}, 1, MCP_EINVAL,
            "description");
    add_bad(&(mcp_skill_t){.path = "Tour", .skill_md = "---\nname: Tour\ndescription: d\n---\n"}, 1,
            MCP_EINVAL, "not a valid skill name");
    add_bad(&(mcp_skill_t){.path = "tour", .skill_md = tour_md, .files = dup, .nfiles = 2}, 1,
            MCP_EINVAL, "given twice");
    add_bad(&(mcp_skill_t){.path = "tour", .skill_md = tour_md, .files = dots, .nfiles = 1}, 1,
            MCP_EINVAL, "clean path");
    add_bad(&(mcp_skill_t){.path = "tour", .skill_md = tour_md, .files = md, .nfiles = 1}, 1,
            MCP_EINVAL, "clean path");
    add_bad(&(mcp_skill_t){.path = "tour", .skill_md = tour_md, .files = nodata, .nfiles = 1}, 1,
            MCP_EINVAL, "no data");
    for (i = 0; i < MCP_SKILL_MAX_FILES; i++) {
        static char names[MCP_SKILL_MAX_FILES][16];
        snprintf(names[i], sizeof names[i], "f%zu", i);
        many[i].path = names[i];
        many[i].data = "x";
        many[i].len = 1;
    }
    add_bad(
        &(mcp_skill_t){
            .path = "tour", .skill_md = tour_md, .files = many, .nfiles = MCP_SKILL_MAX_FILES},
        1, MCP_ELIMIT, "more than 512");
    big.data = calloc(1, big.len);
    assert_non_null(big.data);
    add_bad(&(mcp_skill_t){.path = "tour", .skill_md = tour_md, .files = &big, .nfiles = 1}, 1,
            MCP_ELIMIT, "add up");
    free((void *)big.data);
    {
        const mcp_skill_t twice[] = {{.path = "tour", .skill_md = tour_md},
                                     {.path = "tour", .skill_md = tour_md}};
        add_bad(twice, 2, MCP_EEXIST, "given twice");
    }
}

static void test_server_serves(void **state)
{
    const mcp_skill_file_t files[] = {
        {.path = "references/A.md", .data = "# A\n", .len = 4},
        {.path = "references/deep/B.txt", .data = "b", .len = 1},
        {.path = "bin/data", .data = bin, .len = sizeof bin},
    };
    const mcp_skill_t skills[] = {
        {.path = "acme/tour", .skill_md = tour_md, .files = files, .nfiles = 3},
    };
    mcp_server_t *srv = mcp_server_new("skills-server", "1.0");
    mcp_client_t *c = mcp_client_new(NULL, "skills-client", "1.0");
    mcp_client_error_t err;
    mcp_error_t e;
    json_t *list = NULL, *content = NULL, *res = NULL;
    const json_t *skill, *f = NULL, *settings;
    size_t i;
    (void)state;

    assert_int_equal(mcp_server_add_skills(srv, skills, 1, &e), MCP_OK);
    assert_int_equal(mcp_server_add_skills(srv, skills, 1, &e), MCP_EEXIST);
    assert_int_equal(mcp_client_connect_server(c, srv), MCP_OK);
    assert_int_equal(mcp_client_initialize_sync(c, NULL, &err), MCP_OK);
    settings = mcp_client_server_extension(c, MCP_SKILLS_EXTENSION);
    assert_true(json_is_true(json_object_get(settings, "directoryRead")));
    assert_int_equal(mcp_client_list_skills_sync(c, &list, &err), MCP_OK);
    assert_int_equal(json_array_size(list), 1);
    skill = json_array_get(list, 0);
    assert_int_equal(mcp_skill_check(skill, NULL, 0), MCP_OK);
    assert_string_equal(json_string_value(json_object_get(skill, "uri")),
                        "skill://acme/tour/SKILL.md");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(skill, "frontmatter"), "metadata"), "v")),
                     2);
    assert_int_equal(json_array_size(json_object_get(skill, "resources")), 4);
    /* every file the server describes verifies, the SKILL.md (frontmatter) included */
    json_array_foreach(json_object_get(skill, "resources"), i, f)
    {
        const char *uri = json_string_value(json_object_get(f, "uri"));
        if (mcp_client_read_skill_file_sync(c, skill, uri, &content, &err) != MCP_OK)
            fail_msg("%s: %s", uri, err.text);
        json_decref(content);
    }
    /* the SKILL.md resource is named and described by its frontmatter */
    assert_int_equal(mcp_client_list_resources_sync(c, &res, &err), MCP_OK);
    json_array_foreach(res, i, f)
    {
        if (strcmp(json_string_value(json_object_get(f, "uri")), "skill://acme/tour/SKILL.md") == 0)
            break;
    }
    assert_true(i < json_array_size(res));
    assert_string_equal(json_string_value(json_object_get(f, "name")), "tour");
    assert_string_equal(json_string_value(json_object_get(f, "description")), "A tour");
    json_decref(res);
    /* directories */
    assert_int_equal(mcp_client_request_sync(c, "resources/directory/read",
                                             json_pack("{s:s}", "uri", "skill://acme/tour"), &res,
                                             &err),
                     MCP_OK);
    assert_int_equal(json_array_size(json_object_get(res, "resources")), 3); /* SKILL.md, 2 dirs */
    json_array_foreach(json_object_get(res, "resources"), i, f)
    {
        const char *uri = json_string_value(json_object_get(f, "uri"));
        const char *mime = json_string_value(json_object_get(f, "mimeType"));
        if (strcmp(uri, "skill://acme/tour/references") == 0 ||
            strcmp(uri, "skill://acme/tour/bin") == 0)
            assert_string_equal(mime, "inode/directory");
        else
            assert_string_equal(uri, "skill://acme/tour/SKILL.md");
    }
    json_decref(res);
    assert_int_equal(mcp_client_request_sync(
                         c, "resources/directory/read",
                         json_pack("{s:s}", "uri", "skill://acme/tour/references"), &res, &err),
                     MCP_OK);
    assert_int_equal(json_array_size(json_object_get(res, "resources")), 2); /* A.md, deep/ */
    json_decref(res);
    assert_int_equal(mcp_client_request_sync(
                         c, "resources/directory/read",
                         json_pack("{s:s}", "uri", "skill://acme/tour/SKILL.md"), &res, &err),
                     MCP_EREMOTE);
    assert_int_equal(err.code, -32602);
    assert_int_equal(
        mcp_client_request_sync(c, "resources/directory/read", json_object(), &res, &err),
        MCP_EREMOTE);
    assert_int_equal(err.code, -32602);
    assert_int_equal(
        mcp_client_request_sync(c, "skills/list", json_pack("{s:s}", "cursor", "x"), &res, &err),
        MCP_EREMOTE);
    assert_int_equal(err.code, -32602);
    assert_int_equal(mcp_client_get_skill_sync(c, "skill://acme/none/SKILL.md", &res, &err),
                     MCP_EREMOTE);
    assert_int_equal(err.code, -32602);
    assert_int_equal(mcp_client_request_sync(c, "skills/get", json_object(), &res, &err),
                     MCP_EREMOTE);
    assert_int_equal(err.code, -32602);
    assert_null(res);
    json_decref(list);
    mcp_client_free(c);
    mcp_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frontmatter_good), cmocka_unit_test(test_frontmatter_bad),
        cmocka_unit_test(test_check_entry),      cmocka_unit_test(test_verify),
        cmocka_unit_test(test_client_2026),      cmocka_unit_test(test_client_2025),
        cmocka_unit_test(test_not_declared),     cmocka_unit_test(test_server_add_bad),
        cmocka_unit_test(test_server_serves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
