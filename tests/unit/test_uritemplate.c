/*
 * Unit tests for libmcp/base/uritemplate.c: RFC 6570 syntax checks, expansion (every example of
 * RFC 6570 sections 1.2 and 3.2), matching, round trips and matching time on hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server/server.h"

struct case_ {
    const char *tmpl;
    const char *want; /* expansion, JSON of the match (NULL = no match), or error text */
};

#define N_CASES(a) (sizeof(a) / sizeof((a)[0]))

/* The variables of RFC 6570 sections 1.2 and 3.2 (x, y as numbers, the rest as in the RFC). */
static json_t *rfc_vars(void)
{
    json_error_t jerr;
    json_t *v = json_loads("{"
                           "\"count\": [\"one\", \"two\", \"three\"],"
                           "\"dom\": [\"example\", \"com\"],"
                           "\"dub\": \"me/too\","
                           "\"hello\": \"Hello World!\","
                           "\"half\": \"50%\","
                           "\"var\": \"value\","
                           "\"who\": \"fred\","
                           "\"base\": \"http://example.com/home/\","
                           "\"path\": \"/foo/bar\","
                           "\"list\": [\"red\", \"green\", \"blue\"],"
                           "\"keys\": {\"semi\": \";\", \"dot\": \".\", \"comma\": \",\"},"
                           "\"v\": \"6\","
                           "\"x\": 1024,"
                           "\"y\": 768,"
                           "\"empty\": \"\","
                           "\"empty_keys\": {},"
                           "\"undef\": null"
                           "}",
                           0, &jerr);
    assert_non_null(v);
    return v;
}

/* The exploded maps under named operators used below ("keys" and "m" are objects). */
static bool named_map_explode(const char *tmpl)
{
    static const char *const maps[] = {";keys*", "?keys*", "&keys*", ";m*", "?m*"};
    for (size_t i = 0; i < N_CASES(maps); i++)
        if (strstr(tmpl, maps[i]))
            return true;
    return false;
}

/*
 * Expand each case; each expansion must also match its template again, except exploded maps
 * under a named operator ({;keys*}), whose keys are not the template's variable names.
 */
static void expand_all(const struct case_ *cases, size_t n, const json_t *vars)
{
    for (size_t i = 0; i < n; i++) {
        char *got = mcp__uritemplate_expand(cases[i].tmpl, vars);
        json_t *back;
        if (!got || strcmp(got, cases[i].want) != 0) {
            print_error("expand %s: want \"%s\", got \"%s\"\n", cases[i].tmpl, cases[i].want,
                        got ? got : "(null)");
            free(got);
            fail();
        }
        free(got);
        if (named_map_explode(cases[i].tmpl))
            continue;
        back = mcp__uritemplate_match(cases[i].tmpl, cases[i].want);
        if (!back) {
            print_error("match %s against its expansion %s failed\n", cases[i].tmpl,
                        cases[i].want);
            fail();
        }
        json_decref(back);
    }
}

static void expand_rfc(const struct case_ *cases, size_t n)
{
    json_t *vars = rfc_vars();
    expand_all(cases, n, vars);
    json_decref(vars);
}

/* ---- expansion: RFC 6570 section 1.2 (levels 1-4) ------------------------------------- */

static void test_expand_levels(void **state)
{
    static const struct case_ cases[] = {
        /* level 1 */
        {"{var}", "value"},
        {"{hello}", "Hello%20World%21"},
        /* level 2 */
        {"{+var}", "value"},
        {"{+hello}", "Hello%20World!"},
        {"{+path}/here", "/foo/bar/here"},
        {"here?ref={+path}", "here?ref=/foo/bar"},
        {"X{#var}", "X#value"},
        {"X{#hello}", "X#Hello%20World!"},
        /* level 3 */
        {"map?{x,y}", "map?1024,768"},
        {"{x,hello,y}", "1024,Hello%20World%21,768"},
        {"{+x,hello,y}", "1024,Hello%20World!,768"},
        {"{+path,x}/here", "/foo/bar,1024/here"},
        {"{#x,hello,y}", "#1024,Hello%20World!,768"},
        {"{#path,x}/here", "#/foo/bar,1024/here"},
        {"X{.var}", "X.value"},
        {"X{.x,y}", "X.1024.768"},
        {"{/var}", "/value"},
        {"{/var,x}/here", "/value/1024/here"},
        {"{;x,y}", ";x=1024;y=768"},
        {"{;x,y,empty}", ";x=1024;y=768;empty"},
        {"{?x,y}", "?x=1024&y=768"},
        {"{?x,y,empty}", "?x=1024&y=768&empty="},
        {"?fixed=yes{&x}", "?fixed=yes&x=1024"},
        {"{&x,y,empty}", "&x=1024&y=768&empty="},
        /* level 4 */
        {"{var:3}", "val"},
        {"{var:30}", "value"},
        {"{list}", "red,green,blue"},
        {"{list*}", "red,green,blue"},
        {"{keys}", "semi,%3B,dot,.,comma,%2C"},
        {"{keys*}", "semi=%3B,dot=.,comma=%2C"},
        {"{+path:6}/here", "/foo/b/here"},
        {"{+list}", "red,green,blue"},
        {"{+list*}", "red,green,blue"},
        {"{+keys}", "semi,;,dot,.,comma,,"},
        {"{+keys*}", "semi=;,dot=.,comma=,"},
        {"{#path:6}/here", "#/foo/b/here"},
        {"{#list}", "#red,green,blue"},
        {"{#list*}", "#red,green,blue"},
        {"{#keys}", "#semi,;,dot,.,comma,,"},
        {"{#keys*}", "#semi=;,dot=.,comma=,"},
        {"X{.var:3}", "X.val"},
        {"X{.list}", "X.red,green,blue"},
        {"X{.list*}", "X.red.green.blue"},
        {"X{.keys}", "X.semi,%3B,dot,.,comma,%2C"},
        {"X{.keys*}", "X.semi=%3B.dot=..comma=%2C"},
        {"{/var:1,var}", "/v/value"},
        {"{/list}", "/red,green,blue"},
        {"{/list*}", "/red/green/blue"},
        {"{/list*,path:4}", "/red/green/blue/%2Ffoo"},
        {"{/keys}", "/semi,%3B,dot,.,comma,%2C"},
        {"{/keys*}", "/semi=%3B/dot=./comma=%2C"},
        {"{;hello:5}", ";hello=Hello"},
        {"{;list}", ";list=red,green,blue"},
        {"{;list*}", ";list=red;list=green;list=blue"},
        {"{;keys}", ";keys=semi,%3B,dot,.,comma,%2C"},
        {"{;keys*}", ";semi=%3B;dot=.;comma=%2C"},
        {"{?var:3}", "?var=val"},
        {"{?list}", "?list=red,green,blue"},
        {"{?list*}", "?list=red&list=green&list=blue"},
        {"{?keys}", "?keys=semi,%3B,dot,.,comma,%2C"},
        {"{?keys*}", "?semi=%3B&dot=.&comma=%2C"},
        {"{&var:3}", "&var=val"},
        {"{&list}", "&list=red,green,blue"},
        {"{&list*}", "&list=red&list=green&list=blue"},
        {"{&keys}", "&keys=semi,%3B,dot,.,comma,%2C"},
        {"{&keys*}", "&semi=%3B&dot=.&comma=%2C"},
    };
    (void)state;
    expand_rfc(cases, N_CASES(cases));
}

/* ---- expansion: RFC 6570 section 3.2 ---------------------------------------------------- */

static void test_expand_3_2_1_variables(void **state)
{
    static const struct case_ cases[] = {
        {"{count}", "one,two,three"},
        {"{count*}", "one,two,three"},
        {"{/count}", "/one,two,three"},
        {"{/count*}", "/one/two/three"},
        {"{;count}", ";count=one,two,three"},
        {"{;count*}", ";count=one;count=two;count=three"},
        {"{?count}", "?count=one,two,three"},
        {"{?count*}", "?count=one&count=two&count=three"},
        {"{&count*}", "&count=one&count=two&count=three"},
    };
    (void)state;
    expand_rfc(cases, N_CASES(cases));
}

static void test_expand_3_2_2_simple(void **state)
{
    static const struct case_ cases[] = {
        {"{var}", "value"},
        {"{hello}", "Hello%20World%21"},
        {"{half}", "50%25"},
        {"O{empty}X", "OX"},
        {"O{undef}X", "OX"},
        {"{x,y}", "1024,768"},
        {"{x,hello,y}", "1024,Hello%20World%21,768"},
        {"?{x,empty}", "?1024,"},
        {"?{x,undef}", "?1024"},
        {"?{undef,y}", "?768"},
        {"{var:3}", "val"},
        {"{var:30}", "value"},
        {"{list}", "red,green,blue"},
        {"{list*}", "red,green,blue"},
        {"{keys}", "semi,%3B,dot,.,comma,%2C"},
        {"{keys*}", "semi=%3B,dot=.,comma=%2C"},
    };
    (void)state;
    expand_rfc(cases, N_CASES(cases));
}

static void test_expand_3_2_3_reserved(void **state)
{
    static const struct case_ cases[] = {
        {"{+var}", "value"},
        {"{+hello}", "Hello%20World!"},
        {"{+half}", "50%25"},
        {"{base}index", "http%3A%2F%2Fexample.com%2Fhome%2Findex"},
        {"{+base}index", "http://example.com/home/index"},
        {"O{+empty}X", "OX"},
        {"O{+undef}X", "OX"},
        {"{+path}/here", "/foo/bar/here"},
        {"here?ref={+path}", "here?ref=/foo/bar"},
        {"up{+path}{var}/here", "up/foo/barvalue/here"},
        {"{+x,hello,y}", "1024,Hello%20World!,768"},
        {"{+path,x}/here", "/foo/bar,1024/here"},
        {"{+path:6}/here", "/foo/b/here"},
        {"{+list}", "red,green,blue"},
        {"{+list*}", "red,green,blue"},
        {"{+keys}", "semi,;,dot,.,comma,,"},
        {"{+keys*}", "semi=;,dot=.,comma=,"},
    };
    (void)state;
    expand_rfc(cases, N_CASES(cases));
}

static void test_expand_3_2_4_fragment(void **state)
{
    static const struct case_ cases[] = {
        {"{#var}", "#value"},
        {"{#hello}", "#Hello%20World!"},
        {"{#half}", "#50%25"},
        {"foo{#empty}", "foo#"},
        {"foo{#undef}", "foo"},
        {"{#x,hello,y}", "#1024,Hello%20World!,768"},
        {"{#path,x}/here", "#/foo/bar,1024/here"},
        {"{#path:6}/here", "#/foo/b/here"},
        {"{#list}", "#red,green,blue"},
        {"{#list*}", "#red,green,blue"},
        {"{#keys}", "#semi,;,dot,.,comma,,"},
        {"{#keys*}", "#semi=;,dot=.,comma=,"},
    };
    (void)state;
    expand_rfc(cases, N_CASES(cases));
}

static void test_expand_3_2_5_label(void **state)
{
    static const struct case_ cases[] = {
        {"{.who}", ".fred"},
        {"{.who,who}", ".fred.fred"},
        {"{.half,who}", ".50%25.fred"},
        {"www{.dom*}", "www.example.com"},
        {"X{.var}", "X.value"},
        {"X{.empty}", "X."},
        {"X{.undef}", "X"},
        {"X{.var:3}", "X.val"},
        {"X{.list}", "X.red,green,blue"},
        {"X{.list*}", "X.red.green.blue"},
        {"X{.keys}", "X.semi,%3B,dot,.,comma,%2C"},
        {"X{.keys*}", "X.semi=%3B.dot=..comma=%2C"},
        {"X{.empty_keys}", "X"},
        {"X{.empty_keys*}", "X"},
    };
    (void)state;
    expand_rfc(cases, N_CASES(cases));
}

static void test_expand_3_2_6_path(void **state)
{
    static const struct case_ cases[] = {
        {"{/who}", "/fred"},
        {"{/who,who}", "/fred/fred"},
        {"{/half,who}", "/50%25/fred"},
        {"{/who,dub}", "/fred/me%2Ftoo"},
        {"{/var}", "/value"},
        {"{/var,empty}", "/value/"},
        {"{/var,undef}", "/value"},
        {"{/var,x}/here", "/value/1024/here"},
        {"{/var:1,var}", "/v/value"},
        {"{/list}", "/red,green,blue"},
        {"{/list*}", "/red/green/blue"},
        {"{/list*,path:4}", "/red/green/blue/%2Ffoo"},
        {"{/keys}", "/semi,%3B,dot,.,comma,%2C"},
        {"{/keys*}", "/semi=%3B/dot=./comma=%2C"},
    };
    (void)state;
    expand_rfc(cases, N_CASES(cases));
}

static void test_expand_3_2_7_path_params(void **state)
{
    static const struct case_ cases[] = {
        {"{;who}", ";who=fred"},
        {"{;half}", ";half=50%25"},
        {"{;empty}", ";empty"},
        {"{;v,empty,who}", ";v=6;empty;who=fred"},
        {"{;v,bar,who}", ";v=6;who=fred"},
        {"{;x,y}", ";x=1024;y=768"},
        {"{;x,y,empty}", ";x=1024;y=768;empty"},
        {"{;x,y,undef}", ";x=1024;y=768"},
        {"{;hello:5}", ";hello=Hello"},
        {"{;list}", ";list=red,green,blue"},
        {"{;list*}", ";list=red;list=green;list=blue"},
        {"{;keys}", ";keys=semi,%3B,dot,.,comma,%2C"},
        {"{;keys*}", ";semi=%3B;dot=.;comma=%2C"},
    };
    (void)state;
    expand_rfc(cases, N_CASES(cases));
}

static void test_expand_3_2_8_query(void **state)
{
    static const struct case_ cases[] = {
        {"{?who}", "?who=fred"},
        {"{?half}", "?half=50%25"},
        {"{?x,y}", "?x=1024&y=768"},
        {"{?x,y,empty}", "?x=1024&y=768&empty="},
        {"{?x,y,undef}", "?x=1024&y=768"},
        {"{?var:3}", "?var=val"},
        {"{?list}", "?list=red,green,blue"},
        {"{?list*}", "?list=red&list=green&list=blue"},
        {"{?keys}", "?keys=semi,%3B,dot,.,comma,%2C"},
        {"{?keys*}", "?semi=%3B&dot=.&comma=%2C"},
    };
    (void)state;
    expand_rfc(cases, N_CASES(cases));
}

static void test_expand_3_2_9_continuation(void **state)
{
    static const struct case_ cases[] = {
        {"{&who}", "&who=fred"},
        {"{&half}", "&half=50%25"},
        {"?fixed=yes{&x}", "?fixed=yes&x=1024"},
        {"{&x,y,empty}", "&x=1024&y=768&empty="},
        {"{&var:3}", "&var=val"},
        {"{&list}", "&list=red,green,blue"},
        {"{&list*}", "&list=red&list=green&list=blue"},
        {"{&keys}", "&keys=semi,%3B,dot,.,comma,%2C"},
        {"{&keys*}", "&semi=%3B&dot=.&comma=%2C"},
    };
    (void)state;
    expand_rfc(cases, N_CASES(cases));
}

/* ---- expansion: value types, Unicode, edge cases ---------------------------------------- */

static void test_expand_types(void **state)
{
    static const struct case_ cases[] = {
        {"{t,f}", "true,false"},
        {"{neg}", "-42"},
        {"{half_real}", "0.5"},
        {"{tenth}", "0.1"},
        {"{big}", "1e%2B300"},
        {"{+big}", "1e+300"},
        {"{n}", ""},
        {"X{.n}", "X"},
        {"{mixed}", "a,1,true"},     /* null and nested members are skipped */
        {"{?mixed*}", "?mixed=a&mixed=1&mixed=true"},
        {"{nested}", ""},            /* only nested values: undefined */
        {"{/empty_list}", ""},
        {"{?empty_map*}", ""},
        {"{;m*}", ";k;j=2"},         /* empty map value: name only for ';' */
        {"{?m*}", "?k=&j=2"},
        {"{cafe}", "caf%C3%A9"},
        {"{cafe:4}", "caf%C3%A9"},   /* prefix counts code points, not bytes */
        {"{cafe:3}", "caf"},
        {"{emoji:1}", "%F0%9F%98%80"},
        {"{+pct}", "a%20b%25zz"},    /* reserved: triplets kept, bare '%' encoded */
        {"{pct}", "a%2520b%25zz"},
        {"{+gen}", ":/?#[]@!$&'()*+,;="},
        {"{gen}", "%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D"},
        {"{unr}", "AZaz09-._~"},
        {"caf\xc3\xa9/{unr}", "caf%C3%A9/AZaz09-._~"},  /* non-ASCII literal encoded */
        {"no/expressions?a=1&b=%20", "no/expressions?a=1&b=%20"},
        {"", ""},
        {"{%41b}", "pct-name"},      /* varname with a pct-encoded char, looked up as spelled */
        {"{a.b}", "dotted"},
    };
    json_error_t jerr;
    json_t *vars = json_loads("{\"t\": true, \"f\": false, \"neg\": -42, \"half_real\": 0.5,"
                              "\"tenth\": 0.1, \"big\": 1e300, \"n\": null,"
                              "\"mixed\": [\"a\", null, 1, [\"x\"], {\"y\": 1}, true],"
                              "\"nested\": [[\"x\"], {\"y\": 1}, null],"
                              "\"empty_list\": [], \"empty_map\": {},"
                              "\"m\": {\"k\": \"\", \"j\": 2, \"z\": null},"
                              "\"cafe\": \"caf\\u00e9\", \"emoji\": \"\\ud83d\\ude00x\","
                              "\"pct\": \"a%20b%zz\", \"gen\": \":/?#[]@!$&'()*+,;=\","
                              "\"unr\": \"AZaz09-._~\", \"%41b\": \"pct-name\","
                              "\"a.b\": \"dotted\"}",
                              0, &jerr);
    (void)state;
    assert_non_null(vars);
    expand_all(cases, N_CASES(cases), vars);
    json_decref(vars);
}

static void test_expand_bad_input(void **state)
{
    json_t *vars = json_object();
    json_t *arr = json_array();
    (void)state;
    assert_null(mcp__uritemplate_expand(NULL, vars));
    assert_null(mcp__uritemplate_expand("{x}", NULL));
    assert_null(mcp__uritemplate_expand("{x}", arr));
    assert_null(mcp__uritemplate_expand("{x", vars));
    assert_null(mcp__uritemplate_expand("a b", vars));
    assert_null(mcp__uritemplate_expand("{=x}", vars));
    json_decref(vars);
    json_decref(arr);
}

/* ---- syntax ----------------------------------------------------------------------------- */

static void test_check_valid(void **state)
{
    static const char *const ok[] = {
        "",
        "plain",
        "http://example.com/~user/a-b_c.d?q=1&r=2#frag",
        "{var}",
        "{+var}{#var}{.var}{/var}{;var}{?var}{&var}",
        "{a,b,c}",
        "{var:1}",
        "{var:9999}",
        "{list*}",
        "{/a*,b:3,c}",
        "{a.b.c}",
        "{_a1}",
        "{%41B}",
        "{a%2Eb.c}",
        "%20literal%7E",
        "caf\xc3\xa9/{x}",
        "\xf0\x9f\x98\x80{x}",
        "file:///{+path}",
        "test://template/{id}/data",
        "search://{?q,lang}",
        "!$&()*+,;=:@[]/?#",
    };
    mcp_error_t err;
    (void)state;
    for (size_t i = 0; i < N_CASES(ok); i++) {
        memset(&err, 0, sizeof err);
        if (mcp__uritemplate_check(ok[i], &err) != MCP_OK) {
            print_error("check \"%s\": %s\n", ok[i], err.text);
            fail();
        }
    }
}

static void test_check_errors(void **state)
{
    static const struct case_ bad[] = {
        {"{var", "column 1: unclosed expression"},
        {"abc{var,", "column 4: unclosed expression"},
        {"{var:3", "column 1: unclosed expression"},
        {"{", "column 1: unclosed expression"},
        {"{+", "column 1: unclosed expression"},
        {"x{}", "column 2: empty expression"},
        {"{+}", "column 1: empty expression"},
        {"{=var}", "column 2: reserved operator ('=')"},
        {"{,var}", "column 2: reserved operator (',')"},
        {"{!var}", "column 2: reserved operator ('!')"},
        {"{@var}", "column 2: reserved operator ('@')"},
        {"{|var}", "column 2: reserved operator ('|')"},
        {"{var:0}", "column 6: prefix length must be 1 to 9999"},
        {"{var:10000}", "column 6: prefix length must be 1 to 9999"},
        {"{var:}", "column 6: prefix length must be 1 to 9999"},
        {"{var:x}", "column 6: prefix length must be 1 to 9999"},
        {"{var:3*}", "column 7: unexpected character in expression ('*')"},
        {"{var*:3}", "column 6: unexpected character in expression (':')"},
        {"{.a.}", "column 4: unexpected character in expression ('.')"},
        {"{a..b}", "column 3: unexpected character in expression ('.')"},
        {"{.}", "column 1: empty expression"},
        {"{..a}", "column 3: expected a variable name ('.')"},
        {"{a,}", "column 4: expected a variable name ('}')"},
        {"{a,,b}", "column 4: expected a variable name (',')"},
        {"{a b}", "column 3: unexpected character in expression"},
        {"{a-b}", "column 3: unexpected character in expression ('-')"},
        {"{a%2}", "column 3: unexpected character in expression ('%')"},
        {"{caf\xc3\xa9}", "column 5: unexpected character in expression (byte 0xC3)"},
        {"{a{b}}", "column 3: unexpected character in expression ('{')"},
        {"a b", "column 2: character not allowed in a URI template"},
        {"a\"b", "column 2: character not allowed in a URI template ('\"')"},
        {"a'b", "column 2: character not allowed in a URI template ('''"},
        {"a<b", "column 2: character not allowed"},
        {"a>b", "column 2: character not allowed"},
        {"a\\b", "column 2: character not allowed"},
        {"a^b", "column 2: character not allowed"},
        {"a`b", "column 2: character not allowed"},
        {"a|b", "column 2: character not allowed"},
        {"a\tb", "column 2: character not allowed in a URI template (byte 0x09)"},
        {"a\x7f", "column 2: character not allowed"},
        {"{x}}", "column 4: '}' without a matching '{'"},
        {"}", "column 1: '}' without a matching '{'"},
        {"50%", "column 3: invalid percent-encoding"},
        {"%zz", "column 1: invalid percent-encoding"},
        {"caf\xc3", "column 4: invalid UTF-8"},
        {"\xc0\xaf", "column 1: invalid UTF-8"},
        {"\xed\xa0\x80", "column 1: invalid UTF-8"},
        {"\xe2\x82\xac\xe2\x82\xac x", "column 3: character not allowed"}, /* columns count chars */
    };
    mcp_error_t err;
    (void)state;
    for (size_t i = 0; i < N_CASES(bad); i++) {
        int rc;
        memset(&err, 0, sizeof err);
        rc = mcp__uritemplate_check(bad[i].tmpl, &err);
        if (rc != MCP_EINVAL || err.code != MCP_EINVAL || !strstr(err.text, bad[i].want)) {
            print_error("check \"%s\": rc %d, \"%s\", want \"%s\"\n", bad[i].tmpl, rc, err.text,
                        bad[i].want);
            fail();
        }
    }
    assert_int_equal(mcp__uritemplate_check(NULL, &err), MCP_EINVAL);
    assert_int_equal(mcp__uritemplate_check(NULL, NULL), MCP_EINVAL);
    assert_int_equal(mcp__uritemplate_check("{x", NULL), MCP_EINVAL);
}

/* ---- matching --------------------------------------------------------------------------- */

struct match_case {
    const char *tmpl;
    const char *uri;
    const char *want; /* JSON object text, or NULL for no match */
};

static void match_all(const struct match_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *got = mcp__uritemplate_match(cases[i].tmpl, cases[i].uri);
        json_t *want = cases[i].want ? json_loads(cases[i].want, 0, NULL) : NULL;
        bool same = (!got && !want) || (got && want && json_equal(got, want));
        if (!same) {
            char *text = got ? json_dumps(got, JSON_SORT_KEYS) : NULL;
            print_error("match %s against %s: want %s, got %s\n", cases[i].tmpl, cases[i].uri,
                        cases[i].want ? cases[i].want : "(no match)", text ? text : "(no match)");
            free(text);
        }
        assert_true(cases[i].want == NULL || want != NULL);
        json_decref(got);
        json_decref(want);
        assert_true(same);
    }
}

static void test_match_basic(void **state)
{
    static const struct match_case cases[] = {
        {"test://template/{id}/data", "test://template/123/data", "{\"id\": \"123\"}"},
        {"file:///{+path}", "file:///a/b/c.txt", "{\"path\": \"a/b/c.txt\"}"},
        {"users://{user}/profile", "users://alice/profile", "{\"user\": \"alice\"}"},
        {"users://{user}/profile", "users://a%20b/profile", "{\"user\": \"a b\"}"},
        {"users://{user}/profile", "users://x/y/profile", NULL}, /* '/' not in {user} */
        {"search://{?q,lang}", "search://?q=cats&lang=en", "{\"q\": \"cats\", \"lang\": \"en\"}"},
        {"search://{?q,lang}", "search://?lang=en&q=cats", "{\"q\": \"cats\", \"lang\": \"en\"}"},
        {"search://{?q,lang}", "search://?q=a%20b", "{\"q\": \"a b\"}"},
        {"search://{?q,lang}", "search://", "{}"},
        {"search://{?q,lang}", "search://?q=", "{\"q\": \"\"}"},
        {"search://{?q,lang}", "search://?q", "{\"q\": \"\"}"},
        {"search://{?q,lang}", "search://?other=1", NULL}, /* unknown parameter */
        {"search://{?q,lang}", "search://?q=1&q=2", NULL}, /* one value, two different */
        {"search://{?q,lang}", "search://?q=1&", NULL},
        {"test://template/{id}/data", "test://other/123/data", NULL},
        {"test://template/{id}/data", "test://template/123/data/more", NULL},
        {"test://template/{id}/data", "test://template/123/dat", NULL},
        {"test://template/{id}/data", "test://template/a%20b/data", "{\"id\": \"a b\"}"},
        {"test://template/{id}/data", "test://template/a%2Fb/data", "{\"id\": \"a/b\"}"},
        {"test://template/{id}/data", "test://template/a%2/data", NULL},
        {"test://template/{id}/data", "test://template/a%zz/data", NULL},
        {"test://template/{id}/data", "test://template/%/data", NULL},
        {"test://template/{id}/data", "test://template/a%00b/data", NULL},
        {"test://template/{id}/data", "test://template/%C3%A9/data", "{\"id\": \"\\u00e9\"}"},
        {"test://template/{id}/data", "test://template/%C3/data", NULL}, /* bad UTF-8 */
        {"test://template/{id}/data", "test://template/caf\xc3\xa9/data",
         "{\"id\": \"caf\\u00e9\"}"},
        {"test://template/{id}/data", "test://template//data", "{\"id\": \"\"}"},
        {"plain://literal", "plain://literal", "{}"},
        {"plain://literal", "plain://literal2", NULL},
        {"plain://literal", "plain://litera", NULL},
        {"", "", "{}"},
        {"", "x", NULL},
        {"{x}", "", "{\"x\": \"\"}"},
        {"{x", "x", NULL},   /* bad template */
        {"a b", "a b", NULL},
    };
    (void)state;
    match_all(cases, N_CASES(cases));
}

static void test_match_operators(void **state)
{
    static const struct match_case cases[] = {
        {"api{/ids*}", "api/1/2/3", "{\"ids\": [\"1\", \"2\", \"3\"]}"},
        {"api{/ids*}", "api/1", "{\"ids\": [\"1\"]}"},
        {"api{/ids*}", "api", "{}"},
        {"api{/ids*}", "api/a%2Fb/", "{\"ids\": [\"a/b\", \"\"]}"},
        {"api{/a}", "api/x", "{\"a\": \"x\"}"},
        {"api{/a}", "api/x/y", NULL},
        {"api{/a,b}", "api/x/y", "{\"a\": \"x\", \"b\": \"y\"}"},
        {"api{/a,b}", "api/x", "{\"a\": \"x\"}"},
        {"api{/a,b}", "api/x/y/z", NULL},
        {"api{/a*,b}", "api/1/2/3", "{\"a\": [\"1\", \"2\"], \"b\": \"3\"}"},
        {"api{/a}{/b}", "api/x/y", "{\"a\": \"x\", \"b\": \"y\"}"},
        {"x{?tags*}", "x?tags=a&tags=b%21", "{\"tags\": [\"a\", \"b!\"]}"},
        {"x{?tags*,n}", "x?tags=a&n=5&tags=b", "{\"tags\": [\"a\", \"b\"], \"n\": \"5\"}"},
        {"x?fixed=1{&page,size}", "x?fixed=1&size=10", "{\"size\": \"10\"}"},
        {"x?fixed=1{&page,size}", "x?fixed=1", "{}"},
        {"x?fixed=1{&page,size}", "x?fixed=2&size=10", NULL},
        {"x{?a}{&b}", "x?a=1&b=2", "{\"a\": \"1\", \"b\": \"2\"}"},
        {"file{.ext}", "file.txt", "{\"ext\": \"txt\"}"},
        {"file{.ext}", "file.tar.gz", "{\"ext\": \"tar.gz\"}"},
        {"file{.ext}", "file", "{}"},
        {"file{.ext}", "file.", "{\"ext\": \"\"}"},
        {"file{.ext}", "file.a/b", NULL},
        {"www{.dom*}", "www.example.com", "{\"dom\": [\"example\", \"com\"]}"},
        {"{name}{.ext}", "a.b.c", "{\"name\": \"a\", \"ext\": \"b.c\"}"}, /* shortest first */
        {"p{;x,y}", "p;y=2;x=1", "{\"x\": \"1\", \"y\": \"2\"}"},
        {"p{;x,empty}", "p;x=1;empty", "{\"x\": \"1\", \"empty\": \"\"}"},
        {"p{;list*}", "p;list=a;list=b", "{\"list\": [\"a\", \"b\"]}"},
        {"p{;x}", "p;x=a/b", NULL},
        {"doc{#frag}", "doc#sec%201/2", "{\"frag\": \"sec 1/2\"}"},
        {"doc{#frag}", "doc", "{}"},
        {"doc{#frag}", "docx", NULL},
        {"{+base}{#frag}", "a/b#c#d", "{\"base\": \"a/b\", \"frag\": \"c#d\"}"},
        {"{x,y}", "1024,768", "{\"x\": \"1024\", \"y\": \"768\"}"},
        {"{x,y}", "1024", "{\"x\": \"1024\"}"},
        {"{x,y}", "1,2,3", "{\"x\": \"1\", \"y\": \"2,3\"}"},
        {"{list}", "red,green,blue", "{\"list\": \"red,green,blue\"}"},
        {"{list*}", "red,green,blue", "{\"list\": [\"red\", \"green\", \"blue\"]}"},
        {"{a}-{b}", "x-y-z", "{\"a\": \"x\", \"b\": \"y-z\"}"},
        {"{a}{b}", "xyz", "{\"a\": \"x\", \"b\": \"yz\"}"}, /* shortest non-empty */
        {"{/a}{/b}", "/x", "{\"a\": \"x\"}"},
        {"{/a}{/b*}", "/x/y/z", "{\"a\": \"x\", \"b\": [\"y\", \"z\"]}"},
        {"{a}/{a}", "x/x", "{\"a\": \"x\"}"},
        {"{a}/{a}", "x/y", NULL},
        {"{/var:1,var}", "/v/value", "{\"var\": \"value\"}"}, /* prefix of the full value */
        {"{/var:1,var}", "/x/value", NULL},
        {"{var:3}/{var:2}", "val/va", "{\"var\": \"val\"}"},
        {"{var:3}/{var:2}", "val/xa", NULL},
        {"{hello:3}", "Hel", "{\"hello\": \"Hel\"}"},
        {"{a}{+b}", "%C3%A9%C3%A9", "{\"a\": \"\u00e9\", \"b\": \"\u00e9\"}"},
        {"{+dir}/{name}", "a/b/c.txt", "{\"dir\": \"a/b\", \"name\": \"c.txt\"}"},
        {"{+path}{?q}", "a/b?q=1", "{\"path\": \"a/b\", \"q\": \"1\"}"},
        {"{+path}{?q}", "a/b?x=1", "{\"path\": \"a/b?x=1\"}"},
        {"x/{id}", "x/%41%4", NULL},
        {"{a}%41", "x%41", "{\"a\": \"x\"}"},
        {"{a}A", "x%4A", NULL}, /* never split a %XX triplet */
        {"{a}\xc3\xa9", "x\xc3\xa9", "{\"a\": \"x\"}"},
        {"{a}\xc3\xa9", "x%C3%a9", "{\"a\": \"x\"}"},  /* non-ASCII literal, encoded */
        {"caf\xc3\xa9/{a}", "caf\xc3%A9/x", "{\"a\": \"x\"}"},
        {"caf\xc3\xa9/{a}", "caf%C3%A8/x", NULL},
        {"a%2Fb/{x}", "a%2fb/1", "{\"x\": \"1\"}"},       /* %XX in either case */
        {"a%2Fb/{x}", "a/b/1", NULL},
    };
    (void)state;
    match_all(cases, N_CASES(cases));
}

static void test_match_null(void **state)
{
    (void)state;
    assert_null(mcp__uritemplate_match(NULL, "x"));
    assert_null(mcp__uritemplate_match("x", NULL));
    assert_null(mcp__uritemplate_match(NULL, NULL));
}

/* match(expand(vars)) gives vars back. */
static void test_round_trip(void **state)
{
    static const struct match_case cases[] = {
        {"test://template/{id}/data", NULL, "{\"id\": \"a b/c?d#e%f\"}"},
        {"file:///{+path}", NULL, "{\"path\": \"dir/sub dir/f.txt\"}"},
        {"search://{?q,lang}", NULL, "{\"q\": \"a&b=c d\", \"lang\": \"\\u65e5\\u672c\"}"},
        {"api{/ver}{/ids*}{?tags*}{&page}{#frag}", NULL,
         "{\"ver\": \"v1\", \"ids\": [\"1\", \"a/b\", \"\"], \"tags\": [\"x\", \"y&z\"],"
         " \"page\": \"2\", \"frag\": \"top,1\"}"},
        {"api{/ver}{/ids*}{?tags*}{&page}{#frag}", NULL, "{\"ver\": \"v2\", \"frag\": \"\"}"},
        {"p{;a,b,c}", NULL, "{\"a\": \"1;2\", \"c\": \"\"}"},
        {"f{.base}", NULL, "{\"base\": \"a.b\"}"},
        {"www{.dom*}", NULL, "{\"dom\": [\"example\", \"com\"]}"},
        {"{x,y}", NULL, "{\"x\": \"1,2\", \"y\": \"3\"}"},
        {"users://{user}/profile", NULL, "{\"user\": \"\\u00e9l\\u00e8ve\"}"},
        {"{a}/{b}/{c}", NULL, "{\"a\": \"1\", \"b\": \"2\", \"c\": \"3\"}"},
        {"{/list*}{?q}", NULL, "{\"list\": [\"r\", \"g\", \"b\"], \"q\": \"?\"}"},
    };
    (void)state;
    for (size_t i = 0; i < N_CASES(cases); i++) {
        json_t *vars = json_loads(cases[i].want, 0, NULL);
        char *uri = mcp__uritemplate_expand(cases[i].tmpl, vars);
        json_t *back = uri ? mcp__uritemplate_match(cases[i].tmpl, uri) : NULL;
        if (!back || !json_equal(back, vars)) {
            char *text = back ? json_dumps(back, JSON_SORT_KEYS) : NULL;
            print_error("round trip %s via %s: got %s\n", cases[i].tmpl, uri ? uri : "(null)",
                        text ? text : "(no match)");
            free(text);
        }
        assert_non_null(back);
        assert_true(json_equal(back, vars));
        free(uri);
        json_decref(back);
        json_decref(vars);
    }
}

/* lead "1" sep "2" sep ... "n" tail */
static char *join_numbers(size_t n, const char *lead, const char *sep, const char *tail)
{
    size_t cap = strlen(lead) + n * (6 + strlen(sep)) + strlen(tail) + 1, len;
    char *s = malloc(cap);

    assert_non_null(s);
    len = (size_t)snprintf(s, cap, "%s", lead);
    for (size_t i = 1; i <= n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%zu", i > 1 ? sep : "", i);
    snprintf(s + len, cap - len, "%s", tail);
    return s;
}

/* Hostile inputs must take linear time; the harness timeout catches a blow-up. */
static void test_match_linear(void **state)
{
    static const char *const hostile_tmpls[] = {
        "{a}{b}{c}{d}{e}X", "{+a}{+b}{+c}{+d}Y", "{a,b,c}{d*}{e*}Z", "{/a*}{/b*}{/c*}?",
        "{?q*}{&r*}#", "{.a*}{.b*}{.c*}/", "{a}{a}{a}{a}{a}{a}{a}{a}-",
    };
    char *ids = join_numbers(10000, "ids:/", "/", "");
    char *ids_bad = join_numbers(10000, "ids:/", "/", "/x?");
    char *csv_bad = join_numbers(10000, "", ",", "X");
    char *big = malloc(64 * 1024 + 2);
    json_t *got;
    (void)state;

    got = mcp__uritemplate_match("ids:{/ids*}", ids);
    assert_non_null(got);
    assert_int_equal(json_array_size(json_object_get(got, "ids")), 10000);
    assert_string_equal(json_string_value(json_array_get(json_object_get(got, "ids"), 9999)),
                        "10000");
    json_decref(got);
    assert_null(mcp__uritemplate_match("ids:{/ids*}", ids_bad));
    assert_null(mcp__uritemplate_match("ids:{/ids*}/end", ids_bad));
    assert_null(mcp__uritemplate_match("{ids*}{more*}Y", csv_bad));
    assert_null(mcp__uritemplate_match("{a}{b}{c*}Y", csv_bad));

    assert_non_null(big);
    memset(big, 'a', 64 * 1024);
    big[64 * 1024] = '\0';
    for (size_t i = 0; i < N_CASES(hostile_tmpls); i++)
        assert_null(mcp__uritemplate_match(hostile_tmpls[i], big));
    got = mcp__uritemplate_match("{a}{b}{c}", big);
    assert_non_null(got);
    assert_int_equal(json_string_length(json_object_get(got, "c")), 64 * 1024 - 2);
    json_decref(got);
    big[64 * 1024] = 'X';
    big[64 * 1024 + 1] = '\0';
    got = mcp__uritemplate_match("{+a}{b}X", big);
    assert_non_null(got);
    assert_int_equal(json_string_length(json_object_get(got, "b")), 64 * 1024 - 1);
    json_decref(got);

    free(ids);
    free(ids_bad);
    free(csv_bad);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand_levels),
        cmocka_unit_test(test_expand_3_2_1_variables),
        cmocka_unit_test(test_expand_3_2_2_simple),
        cmocka_unit_test(test_expand_3_2_3_reserved),
        cmocka_unit_test(test_expand_3_2_4_fragment),
        cmocka_unit_test(test_expand_3_2_5_label),
        cmocka_unit_test(test_expand_3_2_6_path),
        cmocka_unit_test(test_expand_3_2_7_path_params),
        cmocka_unit_test(test_expand_3_2_8_query),
        cmocka_unit_test(test_expand_3_2_9_continuation),
        cmocka_unit_test(test_expand_types),
        cmocka_unit_test(test_expand_bad_input),
        cmocka_unit_test(test_check_valid),
        cmocka_unit_test(test_check_errors),
        cmocka_unit_test(test_match_basic),
        cmocka_unit_test(test_match_operators),
        cmocka_unit_test(test_match_null),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_match_linear),
    };
    return cmocka_run_group_tests_name("uritemplate", tests, NULL, NULL);
}
