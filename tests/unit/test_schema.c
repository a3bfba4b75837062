/*
 * Unit tests for libmcp/base/schema/: the compact schema form and its errors, JSON schema text,
 * registration checks, and the validator (every keyword passing and failing, the exact messages
 * a model sees, patterns, $ref, recursion bounds and hostile schemas).
 *
 * Most tests are tables; a failing row is reported with its index and both messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <locale.h>
#include <time.h>

#include "server/server.h"

#define N_CASES(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers -------------------------------------------------------------------------------- */

static json_t *load(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!v)
        fail_msg("bad JSON in test: %s (%s)", text, jerr.text);
    return v;
}

static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* A validation case: msg NULL = must pass; "~text" = must fail with a message containing text;
 * anything else = must fail with exactly this message. */
struct vcase {
    const char *schema;
    const char *inst;
    const char *msg;
};

#define PASS NULL

static void run_vcases(const struct vcase *cases, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const struct vcase *c = &cases[i];
        json_t *s = load(c->schema), *x = load(c->inst);
        char msg[512];
        int rc;

        memset(msg, 'x', sizeof msg);
        rc = mcp_schema_validate(s, x, msg, sizeof msg);
        if (!c->msg) {
            if (rc != MCP_OK || msg[0])
                fail_msg("case %zu: %s with %s: want pass, got %d '%s'", i, c->schema, c->inst, rc,
                         msg);
        } else {
            bool match = c->msg[0] == '~' ? strstr(msg, c->msg + 1) != NULL
                                          : strcmp(msg, c->msg) == 0;
            if (rc != MCP_ESCHEMA || !match)
                fail_msg("case %zu: %s with %s:\n  got  %d '%s'\n  want '%s'", i, c->schema,
                         c->inst, rc, msg, c->msg);
            /* The message always fits in a JSON string. */
            json_t *js = json_string(msg);
            if (!js)
                fail_msg("case %zu: message is not valid UTF-8", i);
            json_decref(js);
        }
        json_decref(s);
        json_decref(x);
    }
}

/* Validate with a schema built from compact text. */
static int validate_compact(const char *compact, const char *inst, char *msg, size_t size)
{
    mcp_error_t err;
    json_t *s = mcp_schema_from_text(compact, &err), *x;
    int rc;
    if (!s)
        fail_msg("schema '%s' refused: %s", compact, err.text);
    x = load(inst);
    rc = mcp_schema_validate(s, x, msg, size);
    json_decref(s);
    json_decref(x);
    return rc;
}

/* ---- the compact form ----------------------------------------------------------------------- */

struct ccase {
    const char *text;
    const char *want; /* compact JSON of the schema (key order matters), or the error message */
};

static void test_compact_forms(void **state)
{
    static const struct ccase cases[] = {
        /* The example in mcp.h. */
        {"path: string 'File to read', head?: integer min=1 'First N lines only'",
         "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":"
         "\"File to read\"},\"head\":{\"type\":\"integer\",\"minimum\":1,\"description\":"
         "\"First N lines only\"}},\"required\":[\"path\"]}"},
        /* Prompt-style: no types. */
        {"code 'The code to review', language? 'Its language'",
         "{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"description\":"
         "\"The code to review\"},\"language\":{\"type\":\"string\",\"description\":"
         "\"Its language\"}},\"required\":[\"code\"]}"},
        {"a", "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},"
              "\"required\":[\"a\"]}"},
        {"a?", "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}}}"},
        /* Whitespace anywhere; order kept; trailing comma. */
        {"  zeta ? :  number   ,\n\talpha:boolean  ,",
         "{\"type\":\"object\",\"properties\":{\"zeta\":{\"type\":\"number\"},\"alpha\":"
         "{\"type\":\"boolean\"}},\"required\":[\"alpha\"]}"},
        {"n: number, i: integer, b: boolean, o: object, x: any",
         "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"number\"},\"i\":{\"type\":"
         "\"integer\"},\"b\":{\"type\":\"boolean\"},\"o\":{\"type\":\"object\"},\"x\":{}},"
         "\"required\":[\"n\",\"i\",\"b\",\"o\",\"x\"]}"},
        /* Arrays: minItems/maxItems on the array, element constraints on items. */
        {"tags?: string[] minItems=1 maxItems=5 maxLength=10 'Tags'",
         "{\"type\":\"object\",\"properties\":{\"tags\":{\"type\":\"array\",\"items\":{\"type\":"
         "\"string\",\"maxLength\":10},\"minItems\":1,\"maxItems\":5,\"description\":\"Tags\"}}}"},
        {"m?: integer[][] min=0",
         "{\"type\":\"object\",\"properties\":{\"m\":{\"type\":\"array\",\"items\":{\"type\":"
         "\"array\",\"items\":{\"type\":\"integer\",\"minimum\":0}}}}}"},
        {"x?: any[], y?: array maxItems=2",
         "{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"array\"},\"y\":{\"type\":"
         "\"array\",\"maxItems\":2}}}"},
        /* enum, typed by the property's type. */
        {"mode: string enum=fast|slow",
         "{\"type\":\"object\",\"properties\":{\"mode\":{\"type\":\"string\",\"enum\":"
         "[\"fast\",\"slow\"]}},\"required\":[\"mode\"]}"},
        {"l?: integer enum=1|2|-3, r?: number enum=0.5|1, f?: boolean enum=true|false",
         "{\"type\":\"object\",\"properties\":{\"l\":{\"type\":\"integer\",\"enum\":[1,2,-3]},"
         "\"r\":{\"type\":\"number\",\"enum\":[0.5,1]},\"f\":{\"type\":\"boolean\",\"enum\":"
         "[true,false]}}}"},
        {"q?: any enum=1|x|true|null|'2'",
         "{\"type\":\"object\",\"properties\":{\"q\":{\"enum\":[1,\"x\",true,null,\"2\"]}}}"},
        {"s?: string enum='a b'|'c,d'|''|it\\'s",
         "{\"type\":\"object\",\"properties\":{\"s\":{\"type\":\"string\",\"enum\":"
         "[\"a b\",\"c,d\",\"\",\"it's\"]}}}"},
        {"c?: string[] enum=red|green",
         "{\"type\":\"object\",\"properties\":{\"c\":{\"type\":\"array\",\"items\":{\"type\":"
         "\"string\",\"enum\":[\"red\",\"green\"]}}}}"},
        /* pattern: slashes, an escaped slash, a slash in a class, a comma inside. */
        {"name?: string pattern=/^[a-z]+$/ minLength=1 maxLength=8",
         "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"pattern\":"
         "\"^[a-z]+$\",\"minLength\":1,\"maxLength\":8}}}"},
        {"p?: string pattern=/^a\\/b[/]\\d{1,3}$/",
         "{\"type\":\"object\",\"properties\":{\"p\":{\"type\":\"string\",\"pattern\":"
         "\"^a/b[/]\\\\d{1,3}$\"}}}"},
        {"email?: string format=email",
         "{\"type\":\"object\",\"properties\":{\"email\":{\"type\":\"string\",\"format\":"
         "\"email\"}}}"},
        /* default, typed. */
        {"n?: integer default=5, s?: string default='hello, world', b?: boolean default=false",
         "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"default\":5},"
         "\"s\":{\"type\":\"string\",\"default\":\"hello, world\"},\"b\":{\"type\":\"boolean\","
         "\"default\":false}}}"},
        {"t?: string[] default='[\"a\",\"b\"]', o?: object default='{\"k\":1}', x?: number "
         "default=1.5",
         "{\"type\":\"object\",\"properties\":{\"t\":{\"type\":\"array\",\"items\":{\"type\":"
         "\"string\"},\"default\":[\"a\",\"b\"]},\"o\":{\"type\":\"object\",\"default\":"
         "{\"k\":1}},\"x\":{\"type\":\"number\",\"default\":1.5}}}"},
        /* Numbers: integers stay integers, the rest are reals. */
        {"t: number min=-0.5 max=1e3",
         "{\"type\":\"object\",\"properties\":{\"t\":{\"type\":\"number\",\"minimum\":-0.5,"
         "\"maximum\":1000.0}},\"required\":[\"t\"]}"},
        /* Descriptions: commas, escaped quotes and backslashes; before constraints. */
        {"a 'It\\'s a, b \\\\ c', b: integer 'count' min=1",
         "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"description\":"
         "\"It's a, b \\\\ c\"},\"b\":{\"type\":\"integer\",\"minimum\":1,\"description\":"
         "\"count\"}},\"required\":[\"a\",\"b\"]}"},
        /* Names: anything but the form's punctuation, UTF-8 too. */
        {"név: string, my-key.v2?: any, $x?: number",
         "{\"type\":\"object\",\"properties\":{\"név\":{\"type\":\"string\"},\"my-key.v2\":{},"
         "\"$x\":{\"type\":\"number\"}},\"required\":[\"név\"]}"},
        /* No arguments. */
        {"", "{\"type\":\"object\",\"properties\":{}}"},
        {"  \t\n ", "{\"type\":\"object\",\"properties\":{}}"},
    };
    size_t i;
    (void)state;

    for (i = 0; i < N_CASES(cases); i++) {
        mcp_error_t err = {0, ""};
        json_t *s = mcp__schema_compact(cases[i].text, &err);
        char *text;
        if (!s)
            fail_msg("case %zu '%s': refused: %s", i, cases[i].text, err.text);
        text = dump(s);
        if (strcmp(text, cases[i].want) != 0)
            fail_msg("case %zu '%s':\n  got  %s\n  want %s", i, cases[i].text, text,
                     cases[i].want);
        free(text);
        /* Every compact schema passes the registration check. */
        assert_int_equal(mcp__schema_check(s, &err), MCP_OK);
        json_decref(s);
    }

    /* NULL means no arguments. */
    {
        json_t *s = mcp__schema_compact(NULL, NULL);
        char *text = dump(s);
        assert_string_equal(text, "{\"type\":\"object\",\"properties\":{}}");
        free(text);
        json_decref(s);
    }
}

static void test_compact_errors(void **state)
{
    static const struct ccase cases[] = {
        {"a: string, b: nubmer", "compact schema: at 'b': unknown type 'nubmer'"},
        {"a, b, a", "compact schema: at 'a': duplicate property name"},
        {"a: integer min=x", "compact schema: at 'a': min= needs a number, got 'x'"},
        {"a: number min=1e999", "compact schema: at 'a': min= needs a number, got '1e999'"},
        {"a: string min=1", "compact schema: at 'a': min= applies to number and integer "
                            "properties (use minLength=/maxLength= for strings)"},
        {"a: boolean max=1", "compact schema: at 'a': max= applies to number and integer "
                             "properties"},
        {"a: integer minLength=1", "compact schema: at 'a': minLength= applies to string "
                                   "properties"},
        {"a: number pattern=/x/", "compact schema: at 'a': pattern= applies to string properties"},
        {"a: string minItems=1", "compact schema: at 'a': minItems= applies to array properties "
                                 "(T[])"},
        {"a: string[] maxItems=-1", "compact schema: at 'a': maxItems= needs a non-negative "
                                    "integer, got '-1'"},
        {"a: string maxLength=2.5", "compact schema: at 'a': maxLength= needs a non-negative "
                                    "integer, got '2.5'"},
        {"a: string foo=1", "compact schema: at 'a': unknown constraint 'foo='"},
        {"a: string 'unterminated", "compact schema: at 'a': unterminated quoted text (missing "
                                    "closing ')"},
        {"a: integer enum=1|x", "compact schema: at 'a': enum value 'x' is not an integer"},
        {"a: integer enum=1|2.5", "compact schema: at 'a': enum value '2.5' is not an integer"},
        {"a: number enum=1|two", "compact schema: at 'a': enum value 'two' is not a number"},
        {"a: string enum=a||b", "compact schema: at 'a': empty value in enum= (quote an empty "
                                "string: '')"},
        {"a: object enum=x", "compact schema: at 'a': enum= does not apply to object properties"},
        {"a: boolean default=yes", "compact schema: at 'a': default 'yes' is not true or false"},
        {"a: integer[] default=5", "compact schema: at 'a': default= must be a JSON array (quote "
                                   "it: default='...')"},
        {"a: object default='[1]'", "compact schema: at 'a': default= must be a JSON object "
                                    "(quote it: default='...')"},
        {"a: string pattern=abc", "compact schema: at 'a': pattern= must be written /regex/"},
        {"a: string pattern=/abc", "compact schema: at 'a': unterminated pattern (missing "
                                   "closing '/')"},
        {"a: string pattern=/(abc/", "compact schema: at 'a': invalid pattern /(abc/: missing "
                                     "closing parenthesis at offset 4"},
        {"a: string pattern=/a{2,1}/", "compact schema: at 'a': invalid pattern /a{2,1}/: "
                                       "numbers out of order in {} quantifier at offset 5"},
        {"a: string pattern=/abc/i", "compact schema: at 'a': unexpected text after the "
                                     "pattern's closing '/' (no flags allowed)"},
        {"a: integer? min=1", "compact schema: at 'a': '?' goes right after the name: "
                              "'a?: type'"},
        /* Long names are cut at 60 bytes, on a character boundary. */
        {"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
         "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
         "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9x: strin",
         "compact schema: at '\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
         "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
         "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9': unknown type 'strin'"},
        {"a: string format=", "compact schema: at 'a': format= needs a value"},
        {"a: integer min=1 min=2", "compact schema: at 'a': min= given twice"},
        {"a: string 'x' 'y'", "compact schema: at 'a': more than one description"},
        {", a", "compact schema: at position 1: expected a property name, got ','"},
        {"a,,b", "compact schema: at position 3: expected a property name, got ','"},
        {"a: ", "compact schema: at 'a': expected a type after ':', got the end of the text"},
        {"a: 'd'", "compact schema: at 'a': expected a type after ':', got '''"},
        {"a integer", "compact schema: at 'a': missing ':' before the type 'integer'"},
        {"a: string required", "compact schema: at 'a': expected a constraint (key=value) or a "
                               "'description', got 'required'"},
        {"a: string \"desc\"", "compact schema: at 'a': expected a constraint (key=value) or a "
                               "'description', got '\"' (quote descriptions with single "
                               "quotes)"},
        {"a: string[ ]", "compact schema: at 'a': expected '[]' after 'string'"},
        {"a: string[][][][][][][][][][][][][][][][][]",
         "compact schema: at 'a': arrays nested more than 16 levels"},
        {"a: string: integer", "compact schema: at 'a': expected a constraint (key=value) or a "
                               "'description', got ':'"},
        {"a\xff: string", "compact schema: the text is not valid UTF-8"},
    };
    size_t i;
    (void)state;

    for (i = 0; i < N_CASES(cases); i++) {
        mcp_error_t err = {0, ""};
        json_t *s = mcp__schema_compact(cases[i].text, &err);
        if (s) {
            char *text = dump(s);
            fail_msg("case %zu '%s': accepted as %s", i, cases[i].text, text);
        }
        if (err.code != MCP_ESCHEMA || strcmp(err.text, cases[i].want) != 0)
            fail_msg("case %zu '%s':\n  got  %d '%s'\n  want '%s'", i, cases[i].text, err.code,
                     err.text, cases[i].want);
        /* mcp_schema_from_text says the same. */
        memset(&err, 0, sizeof err);
        assert_null(mcp_schema_from_text(cases[i].text, &err));
        assert_int_equal(err.code, MCP_ESCHEMA);
        assert_string_equal(err.text, cases[i].want);
        /* A NULL error pointer is fine. */
        assert_null(mcp__schema_compact(cases[i].text, NULL));
    }
}

/* A compact schema at work. */
static void test_compact_validates(void **state)
{
    const char *schema = "path: string 'File', head?: integer min=1, mode?: string enum=fast|slow,"
                         " tags?: string[] maxItems=2 pattern=/^[a-z]+$/";
    char msg[256];
    (void)state;

    assert_int_equal(validate_compact(schema, "{\"path\":\"x\"}", msg, sizeof msg), MCP_OK);
    assert_int_equal(validate_compact(schema, "{\"path\":\"x\",\"head\":3,\"mode\":\"fast\","
                                              "\"tags\":[\"a\",\"b\"]}", msg, sizeof msg),
                     MCP_OK);
    assert_int_equal(validate_compact(schema, "{}", msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments: missing required property 'path'");
    assert_int_equal(validate_compact(schema, "{\"path\":\"x\",\"head\":0}", msg, sizeof msg),
                     MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.head: must be at least 1");
    assert_int_equal(validate_compact(schema, "{\"path\":\"x\",\"head\":1.5}", msg, sizeof msg),
                     MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.head: expected integer, got number");
    assert_int_equal(validate_compact(schema, "{\"path\":\"x\",\"mode\":\"medium\"}", msg,
                                      sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.mode: must be one of \"fast\", \"slow\"");
    assert_int_equal(validate_compact(schema, "{\"path\":\"x\",\"tags\":[\"a\",\"B\"]}", msg,
                                      sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.tags[1]: does not match pattern '^[a-z]+$'");
    assert_int_equal(validate_compact(schema, "{\"path\":\"x\",\"tags\":[\"a\",\"b\",\"c\"]}",
                                      msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.tags: must have at most 2 items");
    assert_int_equal(validate_compact(schema, "{\"path\":5}", msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.path: expected string, got number");
    /* Compact schemas leave additional properties open, like plain JSON Schema. */
    assert_int_equal(validate_compact(schema, "{\"path\":\"x\",\"other\":1}", msg, sizeof msg),
                     MCP_OK);
    /* integer accepts 3.0 */
    assert_int_equal(validate_compact("n: integer", "{\"n\":3.0}", msg, sizeof msg), MCP_OK);
    /* enum typed by number: 1.0 is the enum's 1 */
    assert_int_equal(validate_compact("n: number enum=1|2", "{\"n\":1.0}", msg, sizeof msg),
                     MCP_OK);
    assert_int_equal(validate_compact("b: boolean enum=true", "{\"b\":false}", msg, sizeof msg),
                     MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.b: must be one of true");
}

/* ---- JSON schema text and the registration check -------------------------------------------- */

static const char *const conformance_schema =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
    "\"$defs\":{\"address\":{\"type\":\"object\",\"properties\":{\"street\":{\"type\":"
    "\"string\"},\"city\":{\"type\":\"string\"}}}},\"properties\":{\"name\":{\"type\":"
    "\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"}},\"additionalProperties\":false}";

static void test_from_text_json(void **state)
{
    mcp_error_t err = {0, ""};
    json_t *want = load(conformance_schema), *s, *x;
    char msg[256], *text, padded[1024];
    (void)state;

    /* Verbatim: every keyword kept, same values, same order. */
    s = mcp_schema_from_text(conformance_schema, &err);
    assert_non_null(s);
    assert_true(json_equal(s, want));
    text = dump(s);
    assert_string_equal(text, conformance_schema);
    free(text);

    x = load("{\"name\":\"Ada\",\"address\":{\"street\":\"1 Main St\",\"city\":\"London\"}}");
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_OK);
    assert_string_equal(msg, "");
    json_decref(x);
    x = load("{\"name\":\"Ada\",\"address\":{\"city\":5}}");
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.address.city: expected string, got number");
    json_decref(x);
    x = load("{\"name\":\"Ada\",\"nickname\":\"A\"}");
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments: unexpected property 'nickname'");
    json_decref(x);
    x = load("{\"address\":\"London\"}");
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.address: expected object, got string");
    json_decref(x);
    x = load("[]");
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments: expected object, got array");
    json_decref(x);
    json_decref(s);

    /* Leading whitespace still means JSON. */
    snprintf(padded, sizeof padded, " \n\t%s", conformance_schema);
    s = mcp_schema_from_text(padded, &err);
    assert_non_null(s);
    assert_true(json_equal(s, want));
    json_decref(s);
    json_decref(want);

    /* Syntax errors give line and column. */
    assert_null(mcp_schema_from_text("{\"type\":\n  }", &err));
    assert_int_equal(err.code, MCP_ESCHEMA);
    assert_non_null(strstr(err.text, "schema JSON: line 2, column 3: "));
    assert_null(mcp_schema_from_text("{\"type\":\"object\"} trailing", &err));
    assert_int_equal(err.code, MCP_ESCHEMA);
    assert_non_null(strstr(err.text, "schema JSON: line 1, column "));
    /* Duplicate keys are refused. */
    assert_null(mcp_schema_from_text("{\"type\":\"object\",\"type\":\"string\"}", &err));
    assert_int_equal(err.code, MCP_ESCHEMA);
    assert_non_null(strstr(err.text, "duplicate"));
    /* The check runs on JSON text. */
    assert_null(mcp_schema_from_text("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":"
                                     "\"strng\"}}}", &err));
    assert_int_equal(err.code, MCP_ESCHEMA);
    assert_string_equal(err.text, "schema: at #/properties/a/type: unknown type 'strng'");
    /* NULL and blank text: no arguments. */
    s = mcp_schema_from_text(NULL, &err);
    text = dump(s);
    assert_string_equal(text, "{\"type\":\"object\",\"properties\":{}}");
    free(text);
    json_decref(s);
    s = mcp_schema_from_text("   ", NULL);
    text = dump(s);
    assert_string_equal(text, "{\"type\":\"object\",\"properties\":{}}");
    free(text);
    json_decref(s);
}

struct kcase {
    const char *schema;
    const char *err; /* NULL: accepted */
};

static void test_check(void **state)
{
    static const struct kcase cases[] = {
        {"{\"type\":\"nubmer\"}", "schema: at #/type: unknown type 'nubmer'"},
        {"{\"type\":[\"string\",\"nul\"]}", "schema: at #/type: unknown type 'nul'"},
        {"{\"type\":[]}", "schema: at #/type: must be a type name or a non-empty array of type "
                          "names"},
        {"{\"type\":5}", "schema: at #/type: must be a type name or a non-empty array of type "
                         "names"},
        {"{\"properties\":{\"a\":{\"minimum\":\"1\"}}}",
         "schema: at #/properties/a/minimum: must be a number"},
        {"{\"properties\":[]}", "schema: at #/properties: must be an object"},
        {"{\"properties\":{\"a\":5}}", "schema: at #/properties/a: a schema must be an object or "
                                       "a boolean"},
        {"{\"properties\":{\"a/b~c\":{\"type\":\"x\"}}}",
         "schema: at #/properties/a~1b~0c/type: unknown type 'x'"},
        {"{\"required\":\"a\"}", "schema: at #/required: must be an array of strings"},
        {"{\"required\":[\"a\",1]}", "schema: at #/required: must be an array of strings"},
        {"{\"enum\":5}", "schema: at #/enum: must be an array"},
        {"{\"minLength\":-1}", "schema: at #/minLength: must be a non-negative integer"},
        {"{\"maxItems\":1.5}", "schema: at #/maxItems: must be a non-negative integer"},
        {"{\"multipleOf\":0}", "schema: at #/multipleOf: must be a number greater than 0"},
        {"{\"uniqueItems\":1}", "schema: at #/uniqueItems: must be true or false"},
        /* PCRE2's own message and offset. */
        {"{\"pattern\":\"(a\"}", "schema: at #/pattern: '(a' is not a valid regular "
                                 "expression: missing closing parenthesis at offset 2"},
        {"{\"pattern\":\"[a\"}", "schema: at #/pattern: '[a' is not a valid regular "
                                 "expression: missing terminating ] for character class at "
                                 "offset 2"},
        {"{\"pattern\":\"*a\"}", "schema: at #/pattern: '*a' is not a valid regular "
                                 "expression: quantifier does not follow a repeatable item at "
                                 "offset 0"},
        {"{\"pattern\":\"[z-a]\"}", "schema: at #/pattern: '[z-a]' is not a valid regular "
                                    "expression: range out of order in character class at "
                                    "offset 3"},
        /* What PCRE2 cannot compile is refused, even where ECMA-262 would accept it. */
        {"{\"pattern\":\"^x{99999}$\"}", "schema: at #/pattern: '^x{99999}$' is not a valid "
                                         "regular expression: number too big in {} quantifier "
                                         "at offset 8"},
        {"{\"pattern\":\"(?<=a+)b\"}", "schema: at #/pattern: '(?<=a+)b' is not a valid "
                                       "regular expression: lookbehind assertion is not fixed "
                                       "length at offset 0"},
        {"{\"pattern\":5}", "schema: at #/pattern: must be a string"},
        {"{\"patternProperties\":{\"(\":{}}}", "schema: at #/patternProperties: '(' is not a "
                                               "valid regular expression: missing closing "
                                               "parenthesis at offset 1"},
        {"{\"items\":[{\"type\":\"string\"}]}", "schema: at #/items: must be a schema (for "
                                                "tuples use \"prefixItems\")"},
        {"{\"items\":5}", "schema: at #/items: a schema must be an object or a boolean"},
        {"{\"anyOf\":[]}", "schema: at #/anyOf: must be a non-empty array of schemas"},
        {"{\"oneOf\":{}}", "schema: at #/oneOf: must be a non-empty array of schemas"},
        {"{\"allOf\":[{},{\"type\":\"x\"}]}", "schema: at #/allOf/1/type: unknown type 'x'"},
        {"{\"prefixItems\":[true,5]}", "schema: at #/prefixItems/1: a schema must be an object "
                                       "or a boolean"},
        {"{\"not\":\"x\"}", "schema: at #/not: a schema must be an object or a boolean"},
        {"{\"dependentRequired\":{\"a\":[1]}}", "schema: at #/dependentRequired/a: must be an "
                                                "array of strings"},
        {"{\"$ref\":\"#/$defs/missing\"}", "schema: at #/$ref: '#/$defs/missing' does not "
                                           "resolve within this schema"},
        {"{\"$ref\":\"http://example.com/s.json\"}",
         "schema: at #/$ref: 'http://example.com/s.json': only local JSON pointers (\"#\", "
         "\"#/...\") are supported"},
        {"{\"$ref\":\"#anchor\"}", "schema: at #/$ref: '#anchor': only local JSON pointers "
                                   "(\"#\", \"#/...\") are supported"},
        {"{\"$ref\":5}", "schema: at #/$ref: must be a string"},
        {"{\"required\":[\"a\"],\"$ref\":\"#/required/0\"}",
         "schema: at #/$ref: '#/required/0' does not point to a schema"},
        {"{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"}}}", "schema: at #/$defs/a/$ref: "
                                                        "'#/$defs/b' does not resolve within "
                                                        "this schema"},
        /* Accepted. */
        {"{}", NULL},
        {"{\"x-vendor\":[1,2],\"format\":\"email\",\"title\":5,\"examples\":{}}", NULL},
        /* Lookaround, back-references, \\p{..}: accepted, and they really validate. */
        {"{\"pattern\":\"^(?=.*\\\\d)\\\\w+$\"}", NULL},
        {"{\"pattern\":\"(a)\\\\1\"}", NULL},
        {"{\"pattern\":\"\\\\p{L}+\"}", NULL},
        {"{\"$ref\":\"#\"}", NULL},
        {"{\"$defs\":{\"a/b\":{},\"c~d\":{},\"e f\":{},\"%\":{}},\"allOf\":[{\"$ref\":"
         "\"#/$defs/a~1b\"},{\"$ref\":\"#/$defs/c~0d\"},{\"$ref\":\"#/$defs/e%20f\"},{\"$ref\":"
         "\"#/$defs/%25\"}]}", NULL},
        {"{\"definitions\":{\"a\":true},\"properties\":{\"x\":{\"$ref\":\"#/definitions/a\"}}}",
         NULL},
        {"{\"prefixItems\":[{}],\"items\":{\"$ref\":\"#/prefixItems/0\"}}", NULL},
        {"{\"type\":[\"string\",\"null\"],\"minimum\":1.5,\"maxLength\":3.0,\"uniqueItems\":"
         "false,\"const\":null,\"enum\":[],\"dependentRequired\":{\"a\":[\"b\"]}}", NULL},
        {"{\"properties\":{\"a\":false,\"b\":true},\"additionalProperties\":false}", NULL},
    };
    size_t i;
    (void)state;

    for (i = 0; i < N_CASES(cases); i++) {
        mcp_error_t err = {0, ""};
        json_t *s = load(cases[i].schema);
        int rc = mcp__schema_check(s, &err);
        if (!cases[i].err) {
            if (rc != MCP_OK)
                fail_msg("case %zu %s: refused: %s", i, cases[i].schema, err.text);
        } else if (rc != MCP_ESCHEMA || err.code != MCP_ESCHEMA ||
                   strcmp(err.text, cases[i].err) != 0) {
            fail_msg("case %zu %s:\n  got  %d '%s'\n  want '%s'", i, cases[i].schema, rc,
                     err.text, cases[i].err);
        }
        assert_int_equal(mcp__schema_check(s, NULL), rc); /* err may be NULL */
        json_decref(s);
    }

    /* A long path is cut on a character boundary; the message survives. */
    {
        mcp_error_t err;
        json_t *sch = load("{\"properties\":{\"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                           "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                           "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                           "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                           "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                           "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                           "\u00e9\u00e9\":{\"type\":\"strin\"}}}");
        json_t *js;
        assert_int_equal(mcp__schema_check(sch, &err), MCP_ESCHEMA);
        assert_memory_equal(err.text, "schema: at #/properties/\u00e9", 26);
        assert_non_null(strstr(err.text, ": unknown type 'strin'"));
        js = json_string(err.text);
        assert_non_null(js);
        json_decref(js);
        json_decref(sch);
    }

    /* The root must be an object. */
    {
        mcp_error_t err;
        json_t *t = json_true();
        assert_int_equal(mcp__schema_check(t, &err), MCP_ESCHEMA);
        assert_string_equal(err.text, "schema: must be a JSON object");
        assert_int_equal(mcp__schema_check(NULL, &err), MCP_ESCHEMA);
        json_decref(t);
    }
}

/* Schemas nested past the bound are refused at registration. */
static void test_check_depth(void **state)
{
    mcp_error_t err;
    json_t *root = json_object(), *cur = root;
    int i;
    (void)state;

    for (i = 0; i < 70; i++) {
        json_t *next = json_object();
        json_object_set_new(cur, "not", next);
        cur = next;
    }
    assert_int_equal(mcp__schema_check(root, &err), MCP_ESCHEMA);
    assert_non_null(strstr(err.text, "schemas nested more than 64 levels"));
    json_decref(root);
}

/* ---- validation: keyword by keyword --------------------------------------------------------- */

static void test_types(void **state)
{
    static const struct vcase cases[] = {
        {"{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"number\"}}}", "{\"b\":\"x\"}",
         "arguments.b: expected number, got string"},
        {"{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"number\"}}}", "{\"b\":1.5}",
         PASS},
        {"{\"type\":\"number\"}", "7", PASS},
        {"{\"type\":\"integer\"}", "3", PASS},
        {"{\"type\":\"integer\"}", "3.0", PASS},
        {"{\"type\":\"integer\"}", "-0.0", PASS},
        {"{\"type\":\"integer\"}", "1e300", PASS},
        {"{\"type\":\"integer\"}", "3.5", "arguments: expected integer, got number"},
        {"{\"type\":\"integer\"}", "\"3\"", "arguments: expected integer, got string"},
        {"{\"type\":\"string\"}", "\"\"", PASS},
        {"{\"type\":\"string\"}", "null", "arguments: expected string, got null"},
        {"{\"type\":\"boolean\"}", "false", PASS},
        {"{\"type\":\"boolean\"}", "0", "arguments: expected boolean, got number"},
        {"{\"type\":\"null\"}", "null", PASS},
        {"{\"type\":\"null\"}", "false", "arguments: expected null, got boolean"},
        {"{\"type\":\"array\"}", "[]", PASS},
        {"{\"type\":\"array\"}", "{}", "arguments: expected array, got object"},
        {"{\"type\":\"object\"}", "{}", PASS},
        {"{\"type\":\"object\"}", "[]", "arguments: expected object, got array"},
        {"{\"type\":[\"string\",\"null\"]}", "null", PASS},
        {"{\"type\":[\"string\",\"null\"]}", "5", "arguments: expected string or null, got "
                                                  "number"},
        {"{\"type\":[\"string\",\"number\",\"null\"]}", "true",
         "arguments: expected string, number or null, got boolean"},
        {"{\"type\":[\"integer\"]}", "2.0", PASS},
        {"{}", "{\"anything\":[1,\"x\",null]}", PASS},
    };
    (void)state;
    run_vcases(cases, N_CASES(cases));
}

static void test_enum_const(void **state)
{
    static const struct vcase cases[] = {
        {"{\"properties\":{\"mode\":{\"enum\":[\"fast\",\"slow\"]}}}", "{\"mode\":\"fast\"}",
         PASS},
        {"{\"properties\":{\"mode\":{\"enum\":[\"fast\",\"slow\"]}}}", "{\"mode\":\"medium\"}",
         "arguments.mode: must be one of \"fast\", \"slow\""},
        {"{\"enum\":[1,2]}", "1.0", PASS},
        {"{\"enum\":[1.0]}", "1", PASS},
        {"{\"enum\":[1,2]}", "1.5", "arguments: must be one of 1, 2"},
        {"{\"enum\":[0.1,null,true]}", "false", "arguments: must be one of 0.1, null, true"},
        {"{\"enum\":[{\"a\":1,\"b\":[2]}]}", "{\"b\":[2.0],\"a\":1.0}", PASS},
        {"{\"enum\":[{\"a\":1}]}", "{\"a\":2}", "arguments: must be one of {\"a\":1}"},
        {"{\"enum\":[{\"a\":1}]}", "{\"a\":1,\"b\":2}", "~must be one of"},
        {"{\"enum\":[[1,2]]}", "[1,2,3]", "~must be one of"},
        {"{\"enum\":[\"a\"]}", "\"a\\u0000\"", "~must be one of"},
        {"{\"enum\":[]}", "1", "arguments: no value is allowed (empty enum)"},
        {"{\"enum\":[false]}", "0", "arguments: must be one of false"},
        {"{\"const\":1}", "1.0", PASS},
        {"{\"const\":1.0}", "1", PASS},
        {"{\"const\":9007199254740993}", "9007199254740992", "arguments: must be "
                                                             "9007199254740993"},
        {"{\"const\":\"x\"}", "\"y\"", "arguments: must be \"x\""},
        {"{\"const\":[1,{\"a\":null}]}", "[1.0,{\"a\":null}]", PASS},
        {"{\"const\":null}", "null", PASS},
        {"{\"const\":null}", "0", "arguments: must be null"},
        {"{\"const\":true}", "1", "arguments: must be true"},
    };
    (void)state;
    run_vcases(cases, N_CASES(cases));
}

static void test_numbers(void **state)
{
    static const struct vcase cases[] = {
        {"{\"minimum\":1}", "1", PASS},
        {"{\"minimum\":1}", "0", "arguments: must be at least 1"},
        {"{\"minimum\":1.5}", "1", "arguments: must be at least 1.5"},
        {"{\"minimum\":0.1}", "0.05", "arguments: must be at least 0.1"},
        {"{\"minimum\":1}", "\"0\"", PASS}, /* numeric keywords ignore non-numbers */
        {"{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\",\"items\":{"
         "\"type\":\"integer\",\"maximum\":10}}}}", "{\"items\":[1,2,11]}",
         "arguments.items[2]: must be at most 10"},
        {"{\"maximum\":10}", "10.0", PASS},
        {"{\"maximum\":-1}", "-0.5", "arguments: must be at most -1"},
        {"{\"exclusiveMinimum\":0}", "0", "arguments: must be greater than 0"},
        {"{\"exclusiveMinimum\":0}", "0.0001", PASS},
        {"{\"exclusiveMaximum\":10}", "10", "arguments: must be less than 10"},
        {"{\"exclusiveMaximum\":10}", "9.999", PASS},
        {"{\"multipleOf\":5}", "10", PASS},
        {"{\"multipleOf\":5}", "-15", PASS},
        {"{\"multipleOf\":5}", "7", "arguments: must be a multiple of 5"},
        {"{\"multipleOf\":5}", "10.0", PASS},
        {"{\"multipleOf\":0.1}", "0.3", PASS},
        {"{\"multipleOf\":0.1}", "0.35", "arguments: must be a multiple of 0.1"},
        {"{\"multipleOf\":0.0001}", "0.0075", PASS},
        {"{\"multipleOf\":0.0001}", "0.00751", "~must be a multiple of 0.0001"},
        {"{\"multipleOf\":0.123456789}", "1e308", "~must be a multiple of"},
        {"{\"multipleOf\":1}", "-9223372036854775808", PASS},
        {"{\"multipleOf\":2}", "-9223372036854775808", PASS},
        /* Large integers compare exactly. */
        {"{\"minimum\":9007199254740993}", "9007199254740992",
         "arguments: must be at least 9007199254740993"},
        {"{\"maximum\":9223372036854775807}", "9223372036854775807", PASS},
        {"{\"maximum\":9.3e18}", "9223372036854775807", PASS},
        {"{\"minimum\":9.2233720368547758e18}", "9223372036854775807",
         "~must be at least 9.22337203685477"},
        {"{\"maximum\":-9.3e18}", "-9223372036854775807", "~must be at most"},
    };
    (void)state;
    run_vcases(cases, N_CASES(cases));
}

static void test_strings(void **state)
{
    static const struct vcase cases[] = {
        {"{\"minLength\":2}", "\"ab\"", PASS},
        {"{\"minLength\":2}", "\"a\"", "arguments: must be at least 2 characters long"},
        {"{\"minLength\":2}", "\"\\u00e9\"", "arguments: must be at least 2 characters long"},
        {"{\"minLength\":2,\"maxLength\":2}", "\"\\u00e9\\u00e9\"", PASS}, /* 4 bytes */
        {"{\"maxLength\":2}", "\"\\u65e5\\u672c\\u8a9e\"", "arguments: must be at most 2 "
                                                           "characters long"},
        {"{\"maxLength\":2}", "\"\\ud83d\\ude00\\ud83d\\ude00\"", PASS}, /* 8 bytes, 2 emoji */
        {"{\"maxLength\":1}", "\"ab\"", "arguments: must be at most 1 character long"},
        {"{\"minLength\":1}", "\"\\u0000\"", PASS},
        {"{\"maxLength\":0}", "\"\"", PASS},
        {"{\"maxLength\":2.0}", "\"abc\"", "arguments: must be at most 2 characters long"},
        {"{\"minLength\":3}", "12", PASS},
        {"{\"properties\":{\"name\":{\"pattern\":\"^[a-z]+$\"}}}", "{\"name\":\"abc\"}", PASS},
        {"{\"properties\":{\"name\":{\"pattern\":\"^[a-z]+$\"}}}", "{\"name\":\"aBc\"}",
         "arguments.name: does not match pattern '^[a-z]+$'"},
        {"{\"format\":\"email\",\"title\":\"t\",\"description\":\"d\",\"default\":1,"
         "\"examples\":[],\"$comment\":\"c\",\"deprecated\":true,\"readOnly\":true}",
         "\"not an email\"", PASS},
    };
    (void)state;
    run_vcases(cases, N_CASES(cases));
}

/* Pattern translation, checked through validation. */
static const struct vcase pattern_cases[] = {
    /* Unanchored search, like ECMA's test(). */
    {"{\"pattern\":\"b\"}", "\"abc\"", PASS},
    {"{\"pattern\":\"b\"}", "\"xyz\"", "arguments: does not match pattern 'b'"},
    {"{\"pattern\":\"^b\"}", "\"abc\"", "~does not match"},
    {"{\"pattern\":\"c$\"}", "\"abc\"", PASS},
    {"{\"pattern\":\"\"}", "\"anything\"", PASS},
    /* Class escapes. */
    {"{\"pattern\":\"^\\\\d{3}-\\\\d{4}$\"}", "\"555-1234\"", PASS},
    {"{\"pattern\":\"^\\\\d{3}-\\\\d{4}$\"}", "\"55-1234\"", "~does not match"},
    {"{\"pattern\":\"^\\\\w+$\"}", "\"snake_case9\"", PASS},
    {"{\"pattern\":\"^\\\\w+$\"}", "\"kebab-case\"", "~does not match"},
    {"{\"pattern\":\"^a\\\\sb$\"}", "\"a\\tb\"", PASS},
    {"{\"pattern\":\"^\\\\S+$\"}", "\"a b\"", "~does not match"},
    {"{\"pattern\":\"^\\\\D+$\"}", "\"abc\"", PASS},
    {"{\"pattern\":\"^\\\\D+$\"}", "\"ab1\"", "~does not match"},
    {"{\"pattern\":\"^\\\\W$\"}", "\"-\"", PASS},
    {"{\"pattern\":\"^\\\\W$\"}", "\"_\"", "~does not match"},
    {"{\"pattern\":\"^[\\\\w.+-]+@[\\\\w-]+\\\\.[a-z]{2,}$\"}", "\"a.b+c@ex-ample.org\"", PASS},
    {"{\"pattern\":\"^[\\\\w.+-]+@[\\\\w-]+\\\\.[a-z]{2,}$\"}", "\"a@b.c\"", "~does not match"},
    {"{\"pattern\":\"^[^\\\\d\\\\s]+$\"}", "\"abc\"", PASS},
    {"{\"pattern\":\"^[^\\\\d\\\\s]+$\"}", "\"a c\"", "~does not match"},
    {"{\"pattern\":\"^[\\\\d-x]+$\"}", "\"1-x\"", PASS}, /* Annex B: \\d, '-' and 'x' */
    /* Literal metacharacters. */
    {"{\"pattern\":\"^\\\\$\\\\d+\\\\.\\\\d{2}$\"}", "\"$10.50\"", PASS},
    {"{\"pattern\":\"^\\\\$\\\\d+\\\\.\\\\d{2}$\"}", "\"$10x50\"", "~does not match"},
    {"{\"pattern\":\"^]}$\"}", "\"]}\"", PASS},
    {"{\"pattern\":\"^a{$\"}", "\"a{\"", PASS},
    {"{\"pattern\":\"^a{,2}$\"}", "\"a{,2}\"", PASS},
    {"{\"pattern\":\"^\\\\(\\\\)\\\\[\\\\]\\\\{\\\\}\\\\*\\\\+\\\\?\\\\|\\\\^\\\\/$\"}",
     "\"()[]{}*+?|^/\"", PASS},
    {"{\"pattern\":\"^[\\\\]a]+$\"}", "\"]a]\"", PASS},
    {"{\"pattern\":\"^[\\\\^]$\"}", "\"^\"", PASS},
    {"{\"pattern\":\"^[\\\\^-]+$\"}", "\"^-^\"", PASS},
    {"{\"pattern\":\"^[a^]+$\"}", "\"^a\"", PASS},
    {"{\"pattern\":\"^[-a]+$\"}", "\"-a\"", PASS},
    {"{\"pattern\":\"^[\\\\\\\\]$\"}", "\"\\\\\"", PASS},
    {"{\"pattern\":\"^[.]$\"}", "\"x\"", "~does not match"},
    {"{\"pattern\":\"^[[]$\"}", "\"[\"", PASS},
    {"{\"pattern\":\"^[^]]$\"}", "\"a]\"", PASS}, /* ECMA: [^] is any character */
    {"{\"pattern\":\"^[^]]$\"}", "\"a\"", "~does not match"},
    {"{\"pattern\":\"^[^\\\\]]$\"}", "\"a\"", PASS},
    {"{\"pattern\":\"^[^\\\\]]$\"}", "\"]\"", "~does not match"},
    {"{\"pattern\":\"^[^]$\"}", "\"\\n\"", PASS},
    /* Quantifiers, groups, alternation. */
    {"{\"pattern\":\"^(?:ab)+$\"}", "\"abab\"", PASS},
    {"{\"pattern\":\"^(?:ab)+$\"}", "\"aba\"", "~does not match"},
    {"{\"pattern\":\"^(?<year>\\\\d{4})-(?<m>\\\\d{2})$\"}", "\"2025-06\"", PASS},
    {"{\"pattern\":\"^(cat|dog)s?$\"}", "\"dogs\"", PASS},
    {"{\"pattern\":\"^(cat|dog)s?$\"}", "\"cow\"", "~does not match"},
    {"{\"pattern\":\"^a+?b*?c??$\"}", "\"aab\"", PASS},
    {"{\"pattern\":\"^x{2,3}?$\"}", "\"xxxx\"", "~does not match"},
    {"{\"pattern\":\"^x{2}$\"}", "\"xx\"", PASS},
    {"{\"pattern\":\"^x{2,}$\"}", "\"xxxxx\"", PASS},
    {"{\"pattern\":\"^(a|)$\"}", "\"\"", PASS},
    /* Escapes for characters. */
    {"{\"pattern\":\"^\\\\u00e9t\\\\u00E9$\"}", "\"\\u00e9t\\u00e9\"", PASS},
    {"{\"pattern\":\"^\\\\x41\\\\t$\"}", "\"A\\t\"", PASS},
    {"{\"pattern\":\"^\\\\ud83d\\\\ude00$\"}", "\"\\ud83d\\ude00\"", PASS},
    {"{\"pattern\":\"^\\\\cJ$\"}", "\"\\n\"", PASS},
    /* UTF-8: one '.' or negated class per character, not per byte. */
    {"{\"pattern\":\"^.{3}$\"}", "\"\\u65e5\\u672c\\u8a9e\"", PASS},
    {"{\"pattern\":\"^.{3}$\"}", "\"\\u65e5\\u672c\"", "~does not match"},
    {"{\"pattern\":\"^.$\"}", "\"\\ud83d\\ude00\"", PASS},
    {"{\"pattern\":\"^.$\"}", "\"\\n\"", "~does not match"},
    {"{\"pattern\":\"^[^a-z]{2}$\"}", "\"\\u00e9\\u00e9\"", PASS},
    {"{\"pattern\":\"^[^a-z]{2}$\"}", "\"a1\"", "~does not match"},
    {"{\"pattern\":\"^\\\\W$\"}", "\"\\u00e9\"", PASS},
    {"{\"pattern\":\"^caf\\u00e9+$\"}", "\"caf\\u00e9\\u00e9\"", PASS},
    {"{\"pattern\":\"^[\\u00e9\\u00e8a]+$\"}", "\"\\u00e8a\\u00e9\"", PASS},
    {"{\"pattern\":\"^[\\u00e9\\u00e8]+$\"}", "\"\\u00e8x\"", "~does not match"},
    /* Patterns apply to the whole string, NULs included. */
    {"{\"pattern\":\"^ab$\"}", "\"ab\\u0000c\"", "~does not match"},
    {"{\"pattern\":\"c$\"}", "\"ab\\u0000c\"", PASS},
    /* Once not checkable (they always passed); PCRE2 checks them. */
    {"{\"pattern\":\"^(?=.*\\\\d).+$\"}", "\"abc\"", "~does not match"},
    {"{\"pattern\":\"^(?=.*\\\\d).+$\"}", "\"ab1\"", PASS},
    {"{\"pattern\":\"^(?!.*\\\\s).+$\"}", "\"a b\"", "~does not match"},
    {"{\"pattern\":\"(?<!a)b\"}", "\"ab\"", "~does not match"},
    {"{\"pattern\":\"(?<!a)b\"}", "\"cb\"", PASS},
    {"{\"pattern\":\"^(a)\\\\1$\"}", "\"ab\"", "~does not match"},
    {"{\"pattern\":\"^(a)\\\\1$\"}", "\"aa\"", PASS},
    {"{\"pattern\":\"^(?<q>['\\\"]).*\\\\k<q>$\"}", "\"'x'\"", PASS},
    {"{\"pattern\":\"^(?<q>['\\\"]).*\\\\k<q>$\"}", "\"'x\\\"\"", "~does not match"},
    {"{\"pattern\":\"\\\\bfoo\\\\b\"}", "\"xfoox\"", "~does not match"},
    {"{\"pattern\":\"\\\\bfoo\\\\b\"}", "\"a foo.\"", PASS},
    {"{\"pattern\":\"\\\\Bfoo\"}", "\"foo\"", "~does not match"},
    {"{\"pattern\":\"^\\\\p{L}+$\"}", "\"123\"", "~does not match"},
    {"{\"pattern\":\"^\\\\p{L}+$\"}", "\"\\u00e9t\\u00e9\\u0416\"", PASS},
    {"{\"pattern\":\"^\\\\P{L}+$\"}", "\"12\"", PASS},
    {"{\"pattern\":\"^\\\\p{Lu}\"}", "\"abc\"", "~does not match"},
    {"{\"pattern\":\"^[\\u0400-\\u04ff]+$\"}", "\"abc\"", "~does not match"},
    {"{\"pattern\":\"^[\\u0400-\\u04ff]+$\"}", "\"\\u0416\\u0436\"", PASS},
    {"{\"pattern\":\"^(a{100}){100}$\"}", "\"a\"", "~does not match"},
    /* ECMA's \\d and \\w are ASCII. */
    {"{\"pattern\":\"^\\\\d$\"}", "\"\\u0663\"", "~does not match"},
    {"{\"pattern\":\"^\\\\w$\"}", "\"\\u00e9\"", "~does not match"},
    /* A malformed pattern (never in a registered schema: the check refuses it) is not
     * applicable, like any malformed keyword value. */
    {"{\"pattern\":\"^x{99999}$\"}", "\"x\"", PASS},
    {"{\"pattern\":\"(\"}", "\"x\"", PASS},
    /* Annex B identity escape. */
    {"{\"pattern\":\"^\\\\q$\"}", "\"q\"", PASS},
};

static void test_patterns(void **state)
{
    (void)state;
    run_vcases(pattern_cases, N_CASES(pattern_cases));
}

/* The same patterns in a UTF-8 locale, where regexec() works on characters. */
static void test_patterns_utf8_locale(void **state)
{
    const char *old = setlocale(LC_CTYPE, NULL);
    char saved[64];
    (void)state;

    snprintf(saved, sizeof saved, "%s", old ? old : "C");
    if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "en_US.UTF-8")) {
        skip();
        return;
    }
    assert_true(MB_CUR_MAX > 1);
    run_vcases(pattern_cases, N_CASES(pattern_cases));
    setlocale(LC_CTYPE, saved);
}

static void test_objects(void **state)
{
    static const struct vcase cases[] = {
        {"{\"required\":[\"a\"]}", "{\"a\":null}", PASS},
        {"{\"required\":[\"a\"]}", "{}", "arguments: missing required property 'a'"},
        {"{\"required\":[\"a\",\"b\"]}", "{\"a\":1}", "arguments: missing required property "
                                                      "'b'"},
        {"{\"required\":[\"a\"]}", "[]", PASS}, /* object keywords ignore non-objects */
        {"{\"properties\":{\"a\":{}},\"additionalProperties\":false}", "{\"a\":1}", PASS},
        {"{\"properties\":{\"a\":{}},\"additionalProperties\":false}", "{\"a\":1,\"x\":2}",
         "arguments: unexpected property 'x'"},
        {"{\"additionalProperties\":{\"type\":\"integer\"}}", "{\"q\":\"s\"}",
         "arguments.q: expected integer, got string"},
        {"{\"properties\":{\"a\":{\"type\":\"string\"}},\"additionalProperties\":{\"type\":"
         "\"integer\"}}", "{\"a\":\"s\",\"b\":2}", PASS},
        {"{\"patternProperties\":{\"^s_\":{\"type\":\"string\"}},\"additionalProperties\":"
         "false}", "{\"s_a\":\"x\"}", PASS},
        {"{\"patternProperties\":{\"^s_\":{\"type\":\"string\"}},\"additionalProperties\":"
         "false}", "{\"s_a\":1}", "arguments.s_a: expected string, got number"},
        {"{\"patternProperties\":{\"^s_\":{\"type\":\"string\"}},\"additionalProperties\":"
         "false}", "{\"n\":1}", "arguments: unexpected property 'n'"},
        /* properties and patternProperties both apply. */
        {"{\"properties\":{\"s_a\":{\"maxLength\":5}},\"patternProperties\":{\"a$\":{"
         "\"minLength\":2}}}", "{\"s_a\":\"x\"}", "arguments.s_a: must be at least 2 "
                                                  "characters long"},
        /* A lookahead pattern key (once not checkable: it neither applied nor made a property
         * additional) now applies where it matches. */
        {"{\"patternProperties\":{\"^(?=x)\":{\"type\":\"string\"}},\"additionalProperties\":"
         "false}", "{\"xy\":1}", "arguments.xy: expected string, got number"},
        {"{\"patternProperties\":{\"^(?=x)\":{\"type\":\"string\"}},\"additionalProperties\":"
         "false}", "{\"yx\":1}", "arguments: unexpected property 'yx'"},
        {"{\"propertyNames\":{\"pattern\":\"^[a-z]+$\"}}", "{\"abc\":1}", PASS},
        {"{\"propertyNames\":{\"pattern\":\"^[a-z]+$\"}}", "{\"abc\":1,\"Abc\":1}",
         "arguments: property name 'Abc' is not allowed by propertyNames"},
        {"{\"propertyNames\":{\"maxLength\":3}}", "{\"abcd\":1}", "~property name 'abcd'"},
        {"{\"propertyNames\":false}", "{}", PASS},
        {"{\"minProperties\":1}", "{}", "arguments: must have at least 1 property"},
        {"{\"minProperties\":2}", "{\"a\":1}", "arguments: must have at least 2 properties"},
        {"{\"maxProperties\":1}", "{\"a\":1,\"b\":2}", "arguments: must have at most 1 property"},
        {"{\"maxProperties\":1}", "{\"a\":1}", PASS},
        {"{\"dependentRequired\":{\"a\":[\"b\"]}}", "{\"a\":1}",
         "arguments: property 'b' is required when 'a' is present"},
        {"{\"dependentRequired\":{\"a\":[\"b\"]}}", "{\"a\":1,\"b\":2}", PASS},
        {"{\"dependentRequired\":{\"a\":[\"b\"]}}", "{\"b\":1}", PASS},
        {"{\"dependentSchemas\":{\"a\":{\"required\":[\"c\"]}}}", "{\"a\":1}",
         "arguments: missing required property 'c'"},
        {"{\"dependentSchemas\":{\"a\":{\"required\":[\"c\"]}}}", "{\"b\":1}", PASS},
        /* Paths: identifiers with '.', anything else quoted. */
        {"{\"properties\":{\"my key\":{\"type\":\"string\"}}}", "{\"my key\":1}",
         "arguments[\"my key\"]: expected string, got number"},
        {"{\"properties\":{\"a\":{\"properties\":{\"q\\\"\\\\\":{\"type\":\"string\"}}}}}",
         "{\"a\":{\"q\\\"\\\\\":1}}", "arguments.a[\"q\\\"\\\\\"]: expected string, got number"},
        {"{\"properties\":{\"$x_1\":{\"type\":\"string\"}}}", "{\"$x_1\":1}",
         "arguments.$x_1: expected string, got number"},
        {"{\"properties\":{\"a\":{\"properties\":{\"b\":{\"items\":{\"properties\":{\"c\":{"
         "\"type\":\"null\"}}}}}}}}", "{\"a\":{\"b\":[{},{\"c\":0}]}}",
         "arguments.a.b[1].c: expected null, got number"},
    };
    (void)state;
    run_vcases(cases, N_CASES(cases));
}

static void test_arrays(void **state)
{
    static const struct vcase cases[] = {
        {"{\"items\":{\"type\":\"string\"}}", "[\"a\",\"b\"]", PASS},
        {"{\"items\":{\"type\":\"string\"}}", "[\"a\",1]", "arguments[1]: expected string, got "
                                                           "number"},
        {"{\"items\":true}", "[1,\"a\"]", PASS},
        {"{\"items\":false}", "[]", PASS},
        {"{\"items\":false}", "[1]", "arguments: must have at most 0 items"},
        {"{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],\"items\":false}",
         "[\"a\",1]", PASS},
        {"{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],\"items\":false}",
         "[\"a\"]", PASS},
        {"{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],\"items\":false}",
         "[\"a\",1,2]", "arguments: must have at most 2 items"},
        {"{\"prefixItems\":[{\"type\":\"string\"},{\"type\":\"integer\"}],\"items\":false}",
         "[\"a\",\"b\"]", "arguments[1]: expected integer, got string"},
        {"{\"prefixItems\":[{\"type\":\"string\"}],\"items\":{\"type\":\"integer\"}}",
         "[\"a\",1,\"x\"]", "arguments[2]: expected integer, got string"},
        {"{\"minItems\":1}", "[]", "arguments: must have at least 1 item"},
        {"{\"minItems\":2}", "[1]", "arguments: must have at least 2 items"},
        {"{\"maxItems\":2}", "[1,2,3]", "arguments: must have at most 2 items"},
        {"{\"maxItems\":2}", "\"abc\"", PASS},
        {"{\"uniqueItems\":true}", "[1,2,3]", PASS},
        {"{\"uniqueItems\":true}", "[1,2,1.0]", "arguments: must not contain duplicates (items 0 "
                                                "and 2 are equal)"},
        {"{\"uniqueItems\":true}", "[{\"a\":[1]},{\"a\":[1.0]}]", "~items 0 and 1 are equal"},
        {"{\"uniqueItems\":true}", "[[1],[1,2],{\"a\":1},{\"a\":2},\"1\",1,true,false,null]",
         PASS},
        {"{\"uniqueItems\":false}", "[1,1]", PASS},
        {"{\"contains\":{\"type\":\"integer\"}}", "[\"a\",2]", PASS},
        {"{\"contains\":{\"type\":\"integer\"}}", "[\"a\"]",
         "arguments: must contain at least 1 item matching the \"contains\" schema"},
        {"{\"contains\":{\"type\":\"integer\"}}", "[]", "~must contain at least 1 item"},
        {"{\"contains\":{\"type\":\"integer\"},\"minContains\":2}", "[1,\"a\"]",
         "arguments: must contain at least 2 items matching the \"contains\" schema"},
        {"{\"contains\":{\"type\":\"integer\"},\"maxContains\":2}", "[1,2,3]",
         "arguments: must contain at most 2 items matching the \"contains\" schema"},
        {"{\"contains\":{\"type\":\"integer\"},\"maxContains\":2}", "[1,2,\"x\"]", PASS},
        {"{\"contains\":{\"type\":\"integer\"},\"minContains\":0}", "[]", PASS},
        {"{\"minContains\":5}", "[]", PASS}, /* without contains: nothing */
    };
    (void)state;
    run_vcases(cases, N_CASES(cases));
}

static void test_combinators(void **state)
{
    static const struct vcase cases[] = {
        {"{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "null", PASS},
        {"{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}]}", "5",
         "arguments: expected string or null, got number"},
        {"{\"anyOf\":[{\"type\":[\"string\",\"null\"]},{\"type\":[\"null\",\"array\"]}]}", "5",
         "arguments: expected string, null or array, got number"},
        /* One branch has the right type: its own message. */
        {"{\"anyOf\":[{\"type\":\"string\",\"maxLength\":3},{\"type\":\"null\"}]}", "\"abcd\"",
         "arguments: must be at most 3 characters long"},
        {"{\"anyOf\":[{\"minimum\":5},{\"maximum\":1}]}", "3",
         "arguments: must match at least one schema in anyOf"},
        {"{\"anyOf\":[{\"minimum\":5},{\"maximum\":1}]}", "7", PASS},
        {"{\"properties\":{\"x\":{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}}}",
         "{\"x\":5}", "arguments.x: must match exactly one schema in oneOf (matched 2)"},
        {"{\"properties\":{\"x\":{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}}}",
         "{\"x\":0.5}", PASS},
        {"{\"properties\":{\"x\":{\"oneOf\":[{\"type\":\"integer\"},{\"minimum\":0}]}}}",
         "{\"x\":-0.5}", "arguments.x: must be at least 0"}, /* the one branch that fits */
        {"{\"oneOf\":[{\"minimum\":5},{\"maximum\":1}]}", "3",
         "arguments: must match exactly one schema in oneOf (matched 0)"},
        {"{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"boolean\"}]}", "\"s\"",
         "arguments: expected integer or boolean, got string"},
        {"{\"oneOf\":[{\"type\":\"integer\",\"minimum\":3},{\"type\":\"boolean\"}]}", "1",
         "arguments: must be at least 3"},
        {"{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":3}]}", "4", PASS},
        {"{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":3}]}", "2",
         "arguments: must be at least 3"},
        {"{\"allOf\":[{\"type\":\"integer\"},{\"minimum\":3}]}", "2.5",
         "arguments: expected integer, got number"},
        {"{\"not\":{\"type\":\"string\"}}", "1", PASS},
        {"{\"not\":{\"type\":\"string\"}}", "\"a\"", "arguments: must not match the schema in "
                                                     "\"not\""},
        {"{\"not\":false}", "1", PASS},
        {"{\"not\":true}", "1", "arguments: must not match the schema in \"not\""},
        {"{\"if\":{\"properties\":{\"kind\":{\"const\":\"file\"}}},\"then\":{\"required\":"
         "[\"path\"]},\"else\":{\"required\":[\"url\"]}}", "{\"kind\":\"file\"}",
         "arguments: missing required property 'path'"},
        {"{\"if\":{\"properties\":{\"kind\":{\"const\":\"file\"}}},\"then\":{\"required\":"
         "[\"path\"]},\"else\":{\"required\":[\"url\"]}}", "{\"kind\":\"web\"}",
         "arguments: missing required property 'url'"},
        {"{\"if\":{\"properties\":{\"kind\":{\"const\":\"file\"}}},\"then\":{\"required\":"
         "[\"path\"]},\"else\":{\"required\":[\"url\"]}}", "{\"kind\":\"file\",\"path\":\"/\"}",
         PASS},
        {"{\"if\":{\"type\":\"string\"},\"then\":{\"minLength\":2}}", "5", PASS},
        {"{\"then\":false,\"else\":false}", "5", PASS}, /* no if: nothing */
        /* Nested combinators keep quiet until the outermost decides. */
        {"{\"anyOf\":[{\"allOf\":[{\"type\":\"string\"},{\"minLength\":2}]},{\"not\":{"
         "\"type\":\"string\"}}]}", "\"a\"", "arguments: must match at least one schema in "
                                            "anyOf"},
        {"{\"anyOf\":[{\"allOf\":[{\"type\":\"string\"},{\"minLength\":2}]},{\"not\":{"
         "\"type\":\"string\"}}]}", "3", PASS},
    };
    (void)state;
    run_vcases(cases, N_CASES(cases));
}

static void test_refs(void **state)
{
    static const struct vcase cases[] = {
        {"{\"$defs\":{\"pos\":{\"type\":\"integer\",\"minimum\":1}},\"properties\":{\"n\":{"
         "\"$ref\":\"#/$defs/pos\"}}}", "{\"n\":0}", "arguments.n: must be at least 1"},
        {"{\"definitions\":{\"s\":{\"type\":\"string\"}},\"items\":{\"$ref\":"
         "\"#/definitions/s\"}}", "[\"a\",2]", "arguments[1]: expected string, got number"},
        /* ~0 ~1 and percent-decoding. */
        {"{\"$defs\":{\"a/b\":{\"type\":\"string\"},\"c~d\":{\"minLength\":2},\"e f\":{"
         "\"maxLength\":3}},\"allOf\":[{\"$ref\":\"#/$defs/a~1b\"},{\"$ref\":\"#/$defs/c~0d\"},"
         "{\"$ref\":\"#/$defs/e%20f\"}]}", "\"abcd\"", "arguments: must be at most 3 characters "
                                                      "long"},
        {"{\"$defs\":{\"a/b\":{\"type\":\"string\"}},\"$ref\":\"#/$defs/a~1b\"}", "1",
         "arguments: expected string, got number"},
        /* Into an array by index. */
        {"{\"$defs\":{\"list\":[{\"type\":\"string\"},{\"type\":\"null\"}]},\"$ref\":"
         "\"#/$defs/list/1\"}", "1", "arguments: expected null, got number"},
        /* $ref applies alongside sibling keywords (2020-12). */
        {"{\"$defs\":{\"s\":{\"type\":\"string\"}},\"$ref\":\"#/$defs/s\",\"maxLength\":2}",
         "\"abc\"", "arguments: must be at most 2 characters long"},
        /* Recursive schema: a tree. */
        {"{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"children\":{"
         "\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}},\"required\":[\"name\"]}",
         "{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[{\"name\":\"c\"}]}]}",
         PASS},
        {"{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"children\":{"
         "\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}},\"required\":[\"name\"]}",
         "{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[{}]}]}",
         "arguments.children[0].children[0]: missing required property 'name'"},
        /* Cycles that never reach the instance stop with an error. */
        {"{\"$ref\":\"#\"}", "1", "arguments: too deeply nested ($ref chain longer than 64)"},
        {"{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":"
         "\"#/$defs/a\"}", "{}", "arguments: too deeply nested ($ref chain longer than 64)"},
        {"{\"anyOf\":[{\"$ref\":\"#\"}]}", "1", "~too deeply nested"},
        {"{\"not\":{\"$ref\":\"#\"}}", "1", "~too deeply nested"},
        {"{\"if\":{\"$ref\":\"#\"}}", "1", "~too deeply nested"},
        /* Unresolvable refs (an unchecked schema) are not applicable. */
        {"{\"$ref\":\"#/nope\"}", "1", PASS},
        {"{\"$ref\":\"#/$defs/~2\"}", "1", PASS},
        {"{\"$ref\":\"http://example.com/x\"}", "1", PASS},
        {"{\"$ref\":\"#/$defs/list/01\",\"$defs\":{\"list\":[false,false]}}", "1", PASS},
        {"{\"$ref\":\"#/type/x\",\"type\":\"integer\"}", "1", PASS},
        {"{\"$ref\":5}", "1", PASS},
    };
    (void)state;
    run_vcases(cases, N_CASES(cases));
}

static void test_boolean_schemas(void **state)
{
    static const struct vcase cases[] = {
        {"true", "{\"a\":[1,2,{}]}", PASS},
        {"false", "1", "arguments: no value is allowed here"},
        {"{\"properties\":{\"x\":false}}", "{\"x\":1}", "arguments.x: no value is allowed here"},
        {"{\"properties\":{\"x\":false}}", "{\"y\":1}", PASS},
        {"{\"properties\":{\"x\":true}}", "{\"x\":1}", PASS},
        {"{\"allOf\":[true,{\"type\":\"string\"}]}", "\"a\"", PASS},
        {"{\"anyOf\":[false,false]}", "1", "arguments: must match at least one schema in anyOf"},
    };
    (void)state;
    run_vcases(cases, N_CASES(cases));
}

/* ---- recursion bounds ----------------------------------------------------------------------- */

static json_t *nested_objects(int depth)
{
    json_t *v = json_object();
    int i;
    for (i = 0; i < depth; i++) {
        json_t *outer = json_object();
        json_object_set_new(outer, "a", v);
        v = outer;
    }
    return v;
}

static json_t *nested_arrays(int depth)
{
    json_t *v = json_array();
    int i;
    for (i = 0; i < depth; i++) {
        json_t *outer = json_array();
        json_array_append_new(outer, v);
        v = outer;
    }
    return v;
}

static void test_depth(void **state)
{
    json_t *objs = load("{\"type\":\"object\",\"additionalProperties\":{\"$ref\":\"#\"}}");
    json_t *arrs = load("{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}");
    json_t *open = load("{\"type\":\"object\"}");
    json_t *x;
    char msg[256];
    (void)state;

    /* 64 levels below the root are fine. */
    x = nested_objects(64);
    assert_int_equal(mcp_schema_validate(objs, x, msg, sizeof msg), MCP_OK);
    json_decref(x);
    x = nested_arrays(64);
    assert_int_equal(mcp_schema_validate(arrs, x, msg, sizeof msg), MCP_OK);
    json_decref(x);

    /* 65 and 100: an error, not a crash. */
    x = nested_objects(65);
    assert_int_equal(mcp_schema_validate(objs, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments: too deeply nested (more than 64 levels)");
    json_decref(x);
    x = nested_objects(100);
    assert_int_equal(mcp_schema_validate(objs, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments: too deeply nested (more than 64 levels)");
    /* Reported from inside anyOf too, and without a message buffer. */
    {
        json_t *any = load("{\"anyOf\":[{\"type\":\"object\",\"additionalProperties\":{\"$ref\":"
                           "\"#\"}}, {\"type\":\"string\"}]}");
        assert_int_equal(mcp_schema_validate(any, x, msg, sizeof msg), MCP_ESCHEMA);
        assert_string_equal(msg, "arguments: too deeply nested (more than 64 levels)");
        assert_int_equal(mcp_schema_validate(any, x, NULL, 0), MCP_ESCHEMA);
        json_decref(any);
    }
    /* A schema that does not descend does not look at deep content. */
    assert_int_equal(mcp_schema_validate(open, x, msg, sizeof msg), MCP_OK);
    json_decref(x);
    x = nested_arrays(100);
    assert_int_equal(mcp_schema_validate(arrs, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments: too deeply nested (more than 64 levels)");
    json_decref(x);

    /* Deep equality on deep values is bounded (and does not crash). */
    {
        json_t *e = json_pack("{s:[o]}", "enum", nested_arrays(1000));
        json_t *y = nested_arrays(1000);
        assert_int_equal(mcp_schema_validate(e, y, msg, sizeof msg), MCP_ESCHEMA);
        json_decref(y);
        y = nested_arrays(100);
        assert_int_equal(mcp_schema_validate(e, y, msg, sizeof msg), MCP_ESCHEMA);
        json_decref(y);
        json_decref(e);
    }

    json_decref(objs);
    json_decref(arrs);
    json_decref(open);
}

/* Hostile schema nesting: 1000 levels of allOf / not / anyOf without instance descent. */
static void test_deep_schemas(void **state)
{
    static const char *const keys[] = {"allOf", "not", "anyOf", "oneOf", "if"};
    char msg[256];
    size_t k;
    (void)state;

    for (k = 0; k < N_CASES(keys); k++) {
        json_t *root = json_object(), *cur = root, *x = json_integer(1);
        mcp_error_t err;
        int i;
        for (i = 0; i < 1000; i++) {
            json_t *next = json_object();
            if (strcmp(keys[k], "not") == 0 || strcmp(keys[k], "if") == 0) {
                json_object_set_new(cur, keys[k], next);
            } else {
                json_t *list = json_array();
                json_array_append_new(list, next);
                json_object_set_new(cur, keys[k], list);
            }
            cur = next;
        }
        assert_int_equal(mcp_schema_validate(root, x, msg, sizeof msg), MCP_ESCHEMA);
        assert_string_equal(msg, "arguments: too deeply nested (schema nesting over 256 levels)");
        assert_int_equal(mcp__schema_check(root, &err), MCP_ESCHEMA);
        json_decref(root);
        json_decref(x);
    }
}

/* Malformed keyword values: never a crash; treated as not applicable. */
static void test_hostile_schemas(void **state)
{
    static const char *const schemas[] = {
        "{\"type\":5}", "{\"type\":[\"nope\",7,null]}", "{\"type\":{}}", "{\"required\":\"a\"}",
        "{\"required\":[1,null,{}]}", "{\"properties\":[]}", "{\"properties\":{\"a\":5}}",
        "{\"properties\":{\"a\":\"x\"}}", "{\"minimum\":\"1\"}", "{\"maximum\":null}",
        "{\"exclusiveMinimum\":true}", "{\"exclusiveMaximum\":[]}", "{\"minLength\":-1}",
        "{\"minLength\":1.5}", "{\"maxLength\":\"2\"}", "{\"minItems\":-3}", "{\"maxItems\":{}}",
        "{\"minProperties\":1e300}", "{\"maxProperties\":-1e300}", "{\"pattern\":5}",
        "{\"pattern\":\"(unclosed\"}", "{\"pattern\":\"[z-a]\"}", "{\"pattern\":\"*\"}",
        "{\"pattern\":\"\\\\\"}", "{\"pattern\":\"a{99999999999999999999}\"}",
        "{\"pattern\":\"((((((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))))"
        ")\"}",
        "{\"items\":[{\"type\":\"string\"}]}", "{\"items\":5}", "{\"prefixItems\":{}}",
        "{\"prefixItems\":[5,\"x\"]}", "{\"anyOf\":{}}", "{\"anyOf\":[]}", "{\"anyOf\":[5]}",
        "{\"oneOf\":[5]}", "{\"oneOf\":\"x\"}", "{\"allOf\":[null,5]}", "{\"not\":5}",
        "{\"not\":[]}", "{\"$ref\":5}", "{\"$ref\":\"\"}", "{\"$ref\":\"http://x\"}",
        "{\"$ref\":\"#/nope\"}", "{\"$ref\":\"#/~2\"}", "{\"$ref\":\"#%\"}",
        "{\"$ref\":\"#/%zz\"}", "{\"enum\":5}", "{\"enum\":{}}",
        "{\"multipleOf\":0}", "{\"multipleOf\":-1}", "{\"multipleOf\":\"2\"}",
        "{\"multipleOf\":-1.5}", "{\"dependentRequired\":[]}", "{\"dependentRequired\":{\"a\":5}}",
        "{\"dependentRequired\":{\"a\":[5]}}", "{\"dependentSchemas\":{\"a\":5}}",
        "{\"dependentSchemas\":[]}", "{\"patternProperties\":{\"(\":{\"type\":\"string\"}}}",
        "{\"patternProperties\":[]}", "{\"patternProperties\":{\"a\":5}}",
        "{\"contains\":5,\"minContains\":\"x\"}", "{\"minContains\":-1,\"maxContains\":[]}",
        "{\"if\":5,\"then\":false}",
        "{\"if\":true,\"then\":5}", "{\"if\":false,\"else\":\"x\"}",
        "{\"additionalProperties\":5}", "{\"propertyNames\":5}", "{\"uniqueItems\":\"yes\"}",
        "{\"$defs\":5,\"definitions\":[]}", "{\"properties\":5,\"required\":5,"
                                            "\"additionalProperties\":\"no\"}",
    };
    static const char *const instances[] = {
        "{}", "{\"a\":1,\"b\":\"x\"}", "[]", "[1,\"a\",null,[1],{}]", "\"\"", "\"str\"", "0",
        "-1.5", "1e300", "true", "false", "null",
    };
    size_t i, j;
    char msg[128];
    (void)state;

    for (i = 0; i < N_CASES(schemas); i++) {
        json_t *s = load(schemas[i]);
        for (j = 0; j < N_CASES(instances); j++) {
            json_t *x = load(instances[j]);
            int rc = mcp_schema_validate(s, x, msg, sizeof msg);
            if (rc != MCP_OK)
                fail_msg("schema %s, instance %s: %s", schemas[i], instances[j], msg);
            json_decref(x);
        }
        json_decref(s);
    }

    /* Odd inputs to the API itself. */
    {
        json_t *x = json_integer(1), *s = load("{\"type\":\"string\"}");
        assert_int_equal(mcp_schema_validate(NULL, x, msg, sizeof msg), MCP_OK);
        assert_int_equal(mcp_schema_validate(s, NULL, msg, sizeof msg), MCP_ESCHEMA);
        assert_string_equal(msg, "arguments: missing");
        assert_int_equal(mcp_schema_validate(s, x, NULL, 0), MCP_ESCHEMA);
        assert_int_equal(mcp_schema_validate(s, x, msg, 0), MCP_ESCHEMA);
        json_decref(x);
        json_decref(s);
    }
}

/* ---- messages ------------------------------------------------------------------------------- */

static void test_message_buffer(void **state)
{
    json_t *s = load("{\"properties\":{\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\":{"
                     "\"type\":\"string\"}}}");
    json_t *x = load("{\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\":1}");
    char msg[64];
    size_t size;
    (void)state;

    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments[\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"]: "
                             "expected string, got number");
    /* Any buffer size: NUL-terminated, never a split UTF-8 sequence. */
    for (size = 1; size < sizeof msg; size++) {
        json_t *js;
        memset(msg, 'x', sizeof msg);
        assert_int_equal(mcp_schema_validate(s, x, msg, size), MCP_ESCHEMA);
        assert_true(strlen(msg) < size);
        js = json_string(msg);
        assert_non_null(js);
        json_decref(js);
    }
    /* Success clears the message. */
    json_decref(x);
    x = load("{}");
    memset(msg, 'x', sizeof msg);
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_OK);
    assert_string_equal(msg, "");
    json_decref(x);
    json_decref(s);

    /* A long enum is cut, not overflowed. */
    s = load("{\"enum\":[\"aaaaaaaaaa\",\"bbbbbbbbbb\",\"cccccccccc\",\"dddddddddd\","
             "\"eeeeeeeeee\",\"ffffffffff\"]}");
    x = load("\"z\"");
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_int_equal(strlen(msg), sizeof msg - 1);
    assert_memory_equal(msg, "arguments: must be one of \"aaaaaaaaaa\", ", 40);
    json_decref(x);
    json_decref(s);
}

/* Validation does not touch the schema or the instance. */
static void test_inputs_unchanged(void **state)
{
    json_t *s = load(conformance_schema), *copy = json_deep_copy(s);
    json_t *x = load("{\"name\":1}"), *xcopy = json_deep_copy(x);
    char msg[128];
    (void)state;

    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_true(json_equal(s, copy));
    assert_true(json_equal(x, xcopy));
    assert_int_equal(s->refcount, 1);
    assert_int_equal(x->refcount, 1);
    json_decref(s);
    json_decref(copy);
    json_decref(x);
    json_decref(xcopy);
}

/* More distinct patterns than the per-call cache holds. */
static void test_pattern_cache(void **state)
{
    json_t *s = json_object(), *props = json_object(), *x = json_object();
    char key[16], pat[32], msg[128];
    int i;
    (void)state;

    for (i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "k%d", i);
        snprintf(pat, sizeof pat, "^v%d$", i);
        json_object_set_new(props, key, json_pack("{s:s}", "pattern", pat));
        snprintf(pat, sizeof pat, "v%d", i);
        json_object_set_new(x, key, json_string(pat));
    }
    json_object_set_new(s, "properties", props);
    json_object_set_new(s, "items", json_pack("{s:s}", "pattern", "^k[0-9]+$"));
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_OK);
    json_object_set_new(x, "k19", json_string("v1"));
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.k19: does not match pattern '^v19$'");
    json_decref(x);

    /* patternProperties checked for each of many keys reuse one compiled pattern. */
    json_decref(s);
    s = load("{\"patternProperties\":{\"^k[0-9]+$\":{\"pattern\":\"^v\"}},"
             "\"additionalProperties\":false}");
    x = json_object();
    for (i = 0; i < 200; i++) {
        snprintf(key, sizeof key, "k%d", i);
        json_object_set_new(x, key, json_string("v"));
    }
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_OK);
    json_object_set_new(x, "zz", json_string("v"));
    assert_int_equal(mcp_schema_validate(s, x, msg, sizeof msg), MCP_ESCHEMA);
    assert_string_equal(msg, "arguments: unexpected property 'zz'");
    json_decref(x);
    json_decref(s);
}

/* ---- pattern cost (issue 9, defect 1) ------------------------------------------------------ */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* {"v": fill x n + tail} */
static json_t *big_args(char fill, size_t n, const char *tail)
{
    size_t k = strlen(tail);
    char *b = malloc(n + k + 1);
    json_t *x;

    assert_non_null(b);
    memset(b, fill, n);
    memcpy(b + n, tail, k + 1);
    x = json_pack("{s:s%}", "v", b, n + k);
    free(b);
    assert_non_null(x);
    return x;
}

/* The time bound of the pattern-cost tests: 2 s, times MCP_TEST_TIME_SCALE when a slower
 * runner (valgrind: tests/valgrind.sh sets it) says so. The bound guards against minutes, not
 * milliseconds; the step budget, not the clock, is what the library enforces. */
static double time_bound(void)
{
    const char *scale = getenv("MCP_TEST_TIME_SCALE");
    double k = scale ? atof(scale) : 1.0;
    return 2.0 * (k >= 1.0 ? k : 1.0);
}

/* Validate {"v": fill x n + tail} against a tool schema whose v has `pattern`, compiled as
 * registration compiles it; returns the seconds taken, the result and message in rc/msg. */
static double time_pattern(const char *pattern, char fill, size_t n, const char *tail, int *rc,
                           char *msg, size_t msg_size)
{
    mcp__schema_patterns *pats = NULL;
    mcp_error_t err;
    json_t *schema, *x = big_args(fill, n, tail);
    char *text = NULL;
    double t0, t1;

    schema = json_pack("{s:s,s:{s:{s:s,s:s}}}", "type", "object", "properties", "v", "type",
                       "string", "pattern", pattern);
    text = json_dumps(schema, JSON_COMPACT);
    json_decref(schema);
    schema = mcp__schema_load(text, &pats, &err);
    free(text);
    assert_non_null(schema);
    assert_non_null(pats);
    t0 = now_s();
    *rc = mcp__schema_validate(schema, pats, x, msg, msg_size);
    t1 = now_s();
    print_message("pattern /%s/ against %zu x '%c' + \"%s\": %.3f s, %s\n", pattern, n, fill, tail,
                  t1 - t0, *rc == MCP_OK ? "valid" : msg);
    json_decref(x);
    json_decref(schema);
    mcp__schema_patterns_free(pats);
    return t1 - t0;
}

#define MIB (1024u * 1024u)

/* The cases: before, glibc regexec() retried the whole unanchored pattern from every
 * offset on the loop thread (4 s for 40,000 characters, about 50 minutes for 1 MiB). */
static void test_pattern_cost_linear(void **state)
{
    char msg[256];
    int rc;
    (void)state;

    assert_true(time_pattern("[a-z]+@[a-z]+\\.[a-z]{2,}", 'a', MIB, "", &rc, msg, sizeof msg) <
                time_bound());
    assert_int_equal(rc, MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.v: does not match pattern '[a-z]+@[a-z]+\\.[a-z]{2,}'");
    assert_true(time_pattern("a+b", 'a', MIB, "", &rc, msg, sizeof msg) < time_bound());
    assert_int_equal(rc, MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.v: does not match pattern 'a+b'");
    /* A match at the end of 1 MiB. */
    assert_true(time_pattern("a+b", 'a', MIB, "b", &rc, msg, sizeof msg) < time_bound());
    assert_int_equal(rc, MCP_OK);
    assert_true(time_pattern("^[a-z]+@[a-z]+\\.[a-z]{2,}$", 'a', MIB, "@b.org", &rc, msg,
                             sizeof msg) < time_bound());
    assert_int_equal(rc, MCP_OK);
    /* Subjects that make a backtracking matcher quadratic: refused within the budget, either
     * way in bounded time. */
    assert_true(
        time_pattern("[a-z]+@[a-z]+\\.[a-z]{2,}", 'a', MIB, "@aaaa.1", &rc, msg, sizeof msg) < time_bound());
    assert_int_equal(rc, MCP_ESCHEMA);
    assert_true(time_pattern("a+b", 'a', MIB, "!b", &rc, msg, sizeof msg) < time_bound());
    assert_int_equal(rc, MCP_ESCHEMA);
    assert_string_equal(msg, "arguments.v: pattern 'a+b' is too costly to check against this "
                             "value");
    assert_true(time_pattern("(?:a|b)+c", 'a', MIB, "!c", &rc, msg, sizeof msg) < time_bound());
    assert_int_equal(rc, MCP_ESCHEMA);
}

/* Catastrophic backtracking: the budget message, not a hang; also under "not" and "anyOf"
 * (a pattern that could not be checked never lets a value through). */
static void test_pattern_cost_catastrophic(void **state)
{
    static const struct vcase cases[] = {
        {"{\"pattern\":\"(a+)+$\"}", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"",
         "arguments: pattern '(a+)+$' is too costly to check against this value"},
        {"{\"pattern\":\"^(a|aa)+$\"}", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"",
         "arguments: pattern '^(a|aa)+$' is too costly to check against this value"},
        {"{\"properties\":{\"s\":{\"not\":{\"pattern\":\"(a+)+$\"}}}}",
         "{\"s\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}",
         "arguments.s: pattern '(a+)+$' is too costly to check against this value"},
        {"{\"anyOf\":[{\"pattern\":\"(a+)+$\"},{\"type\":\"string\"}]}",
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"",
         "arguments: pattern '(a+)+$' is too costly to check against this value"},
        {"{\"patternProperties\":{\"(a+)+$\":{}}}", "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\":1}",
         "arguments: pattern '(a+)+$' is too costly to check against this property name"},
        /* The same patterns on short or matching values are fine. */
        {"{\"pattern\":\"(a+)+$\"}", "\"aaaa\"", PASS},
        {"{\"pattern\":\"^(a|aa)+$\"}", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
         PASS},
    };
    double t0 = now_s();
    (void)state;

    run_vcases(cases, N_CASES(cases));
    assert_true(now_s() - t0 < time_bound());
}

/* A pattern PCRE2 cannot compile is refused when the tool is registered, with PCRE2's message. */
static int noop_tool(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_text(call, "ok");
}

static void test_pattern_refused_at_registration(void **state)
{
    static const struct {
        const char *schema, *msg;
    } cases[] = {
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"(\"}}}",
         "schema: at #/properties/a/pattern: '(' is not a valid regular expression: missing "
         "closing parenthesis at offset 1"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"pattern\":\"[z-a]\"}}}",
         "schema: at #/properties/a/pattern: '[z-a]' is not a valid regular expression: range "
         "out of order in character class at offset 3"},
        {"a: string pattern=/[z-a]/", "compact schema: at 'a': invalid pattern /[z-a]/: range "
                                      "out of order in character class at offset 3"},
    };
    mcp_server_t *srv = mcp_server_new("t", "1");
    mcp_error_t err;
    size_t i;
    (void)state;

    for (i = 0; i < N_CASES(cases); i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(
            mcp_server_add_tool(
                srv,
                &(mcp_tool_t){.name = "t", .handler = noop_tool, .input_schema = cases[i].schema},
                &err),
            MCP_ESCHEMA);
        assert_string_equal(err.text, cases[i].msg);
        memset(&err, 0, sizeof err);
        assert_int_equal(
            mcp_server_add_tool(
                srv,
                &(mcp_tool_t){.name = "t", .handler = noop_tool, .output_schema = cases[i].schema},
                &err),
            MCP_ESCHEMA);
        assert_string_equal(err.text, cases[i].msg);
    }
    assert_int_equal(
        mcp_server_add_tool(srv,
                            &(mcp_tool_t){.name = "t",
                                          .handler = noop_tool,
                                          .input_schema = "a: string pattern=/^(?=.*\\d)\\w+$/",
                                          .output_schema = "{\"patternProperties\":{\"^x\":{}}}"},
                            &err),
        MCP_OK);
    mcp_server_free(srv);
}

/* Defaults are filled into a copy (the instance is untouched), through $ref and into nested
 * objects that are present; nothing to fill gives NULL; self-referencing $refs end. */
static void test_defaults(void **state)
{
    json_t *schema = json_loads(
        "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"default\":3},"
        "\"b\":{\"default\":[1]},\"o\":{\"$ref\":\"#/$defs/o\"},\"loop\":{\"$ref\":\"#/$defs/l\"}},"
        "\"$defs\":{\"o\":{\"properties\":{\"x\":{\"default\":\"y\"}}},\"l\":{\"$ref\":\"#/$defs/l\"}}}",
        0, NULL);
    json_t *in = json_loads("{\"b\":null,\"o\":{}}", 0, NULL);
    json_t *out, *want, *full;

    (void)state;
    assert_non_null(schema);
    out = mcp__schema_defaults(schema, in);
    want = json_loads("{\"a\":3,\"b\":null,\"o\":{\"x\":\"y\"}}", 0, NULL);
    assert_non_null(out);
    assert_true(json_equal(out, want));
    assert_int_equal(json_object_size(in), 2);
    assert_int_equal(json_object_size(json_object_get(in, "o")), 0);
    full = json_deep_copy(out);
    assert_null(mcp__schema_defaults(schema, full)); /* nothing left to fill */
    assert_null(mcp__schema_defaults(schema, json_object_get(in, "b")));
    assert_int_equal(mcp_arg_int(out, "a", 0), 3);
    assert_int_equal(mcp_arg_int(out, "o", 7), 7);
    assert_string_equal(mcp_arg_string(json_object_get(out, "o"), "x", NULL), "y");
    assert_null(mcp_arg_string(out, "a", NULL));
    assert_true(mcp_arg_number(out, "a", 0) == 3.0);
    assert_int_equal(mcp_arg_bool(out, "missing", 1), 1);
    assert_int_equal(mcp_arg_bool(NULL, "a", 0), 0);
    json_decref(full);
    json_decref(want);
    json_decref(out);
    json_decref(in);
    json_decref(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact_forms),
        cmocka_unit_test(test_compact_errors),
        cmocka_unit_test(test_compact_validates),
        cmocka_unit_test(test_from_text_json),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_check_depth),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_enum_const),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_pattern_cost_linear),
        cmocka_unit_test(test_pattern_cost_catastrophic),
        cmocka_unit_test(test_pattern_refused_at_registration),
        cmocka_unit_test(test_patterns_utf8_locale),
        cmocka_unit_test(test_objects),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_combinators),
        cmocka_unit_test(test_refs),
        cmocka_unit_test(test_boolean_schemas),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_deep_schemas),
        cmocka_unit_test(test_hostile_schemas),
        cmocka_unit_test(test_message_buffer),
        cmocka_unit_test(test_inputs_unchanged),
        cmocka_unit_test(test_pattern_cache),
        cmocka_unit_test(test_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
