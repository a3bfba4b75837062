/*
 * fuzz_compact: the compact schema form (libmcp/base/schema.c, mcp__schema_compact) on
 * arbitrary text,
 *     name[?][: type] [constraint ...] ['description'], ...
 *
 * Oracle beyond "no crash, no leak, no UB":
 *   - the result is either a schema object or NULL with `err` filled (code MCP_ESCHEMA or
 *     MCP_ENOMEM, a NUL-terminated message);
 *   - a schema it returns is {"type":"object","properties":{...}} and passes mcp__schema_check()
 *     (the compact form must never produce a schema the registration check refuses);
 *   - mcp_schema_from_text() agrees (same accept/refuse, equal schema) unless the text starts
 *     with '{' (then it is parsed as JSON instead);
 *   - validating {} and an object of one string per declared property against it terminates.
 * The text is the input up to its first NUL byte, in a buffer of exactly that size.
 */
#include "server/server.h"

#include <stdint.h>

#define FAIL(...)                                                                          \
    do {                                                                                   \
        fprintf(stderr, "fuzz_compact: " __VA_ARGS__);                                     \
        fputc('\n', stderr);                                                               \
        abort();                                                                           \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0;
    char *text;
    mcp_error_t err, err2;
    json_t *schema, *again;
    const char *p;

    while (n < size && data[n] != 0)
        n++;
    if (!(text = malloc(n + 1)))
        return 0;
    memcpy(text, data, n);
    text[n] = '\0';

    memset(&err, 0, sizeof err);
    schema = mcp__schema_compact(text, &err);
    if (!schema) {
        if (err.code != MCP_ESCHEMA && err.code != MCP_ENOMEM)
            FAIL("refused with code %d: %s", err.code, err.text);
        if (memchr(err.text, '\0', sizeof err.text) == NULL)
            FAIL("error text not NUL-terminated");
    } else {
        const json_t *props = json_object_get(schema, "properties");
        const char *key;
        json_t *value, *inst;
        char msg[256];

        if (!json_is_object(schema) ||
            strcmp(json_string_value(json_object_get(schema, "type")) ?
                       json_string_value(json_object_get(schema, "type")) : "",
                   "object") != 0 ||
            !json_is_object(props))
            FAIL("result is not {\"type\":\"object\",\"properties\":{...}}");
        memset(&err2, 0, sizeof err2);
        if (mcp__schema_check(schema, &err2) != MCP_OK) {
            char *dump = json_dumps(schema, JSON_COMPACT);
            FAIL("compact text gave a schema the check refuses: %s\n text: %.300s\n schema: %.600s",
                 err2.text, text, dump ? dump : "?");
        }
        inst = json_object();
        mcp_schema_validate(schema, inst, msg, sizeof msg);
        json_object_foreach((json_t *)props, key, value) {
            json_object_set_new(inst, key, json_string(key));
        }
        mcp_schema_validate(schema, inst, msg, sizeof msg);
        mcp_schema_validate(schema, inst, msg, 1);
        json_decref(inst);
    }

    for (p = text; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
                   *p == '\v';
         p++)
        ;
    if (*p != '{') {
        again = mcp_schema_from_text(text, &err2);
        if (!again != !schema)
            FAIL("mcp_schema_from_text %s what mcp__schema_compact %s",
                 again ? "accepts" : "refuses", schema ? "accepts" : "refuses");
        if (schema && !json_equal(schema, again))
            FAIL("mcp_schema_from_text and mcp__schema_compact disagree on the schema");
        json_decref(again);
    }
    json_decref(schema);
    free(text);
    return 0;
}
