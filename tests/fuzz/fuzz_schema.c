/*
 * F-6 fuzz_schema: a (schema, instance) pair for the JSON Schema subset (libmcp/base/schema.c).
 *
 * Input: "<schema>\n<instance>" (split at the first newline; no newline: the whole input is the
 * schema and the instance is {}). The schema is JSON (any value) or, when it does not parse as
 * JSON, compact-form text. The instance is JSON (any value) or, when it does not parse, the raw
 * text as a JSON string (if valid UTF-8).
 *
 * Oracle beyond "no crash, no leak, no UB": mcp__schema_check() and mcp_schema_validate() are
 * total and terminate in bounded time (run with -timeout=5); mcp_schema_validate() is called on
 * every schema, checked or not ("malformed keyword values in a schema that was never checked
 * are treated as not applicable"), gives the same verdict with and without a message buffer and
 * with a 1-byte one, writes a NUL-terminated message within the buffer, and an error message is
 * non-empty. The check is deterministic.
 */
#include "server/server.h"

#include <stdint.h>

#define FAIL(...)                                                                          \
    do {                                                                                   \
        fprintf(stderr, "fuzz_schema: " __VA_ARGS__);                                      \
        fputc('\n', stderr);                                                               \
        abort();                                                                           \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *parse_schema(const char *p, size_t n)
{
    json_t *v = json_loadb(p, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    char *text;
    if (v || memchr(p, '\0', n))
        return v;
    if (!(text = malloc(n + 1)))
        return NULL;
    memcpy(text, p, n);
    text[n] = '\0';
    v = mcp__schema_compact(text, NULL);
    free(text);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t slen = nl ? (size_t)(nl - s) : size;
    json_t *schema, *inst;
    mcp_error_t err;
    int checked, checked2, v1, v2, v3;
    char msg[512], tiny[1];

    schema = parse_schema(s, slen);
    if (!schema)
        return 0;
    if (nl) {
        const char *ip = nl + 1;
        size_t ilen = size - slen - 1;
        inst = json_loadb(ip, ilen, JSON_DECODE_ANY, NULL);
        if (!inst)
            inst = json_stringn(ip, ilen); /* NULL unless valid UTF-8 */
    } else {
        inst = json_object();
    }
    if (!inst) {
        json_decref(schema);
        return 0;
    }

    memset(&err, 0, sizeof err);
    checked = mcp__schema_check(schema, &err);
    if (checked != MCP_OK && checked != MCP_ESCHEMA && checked != MCP_ENOMEM)
        FAIL("mcp__schema_check returned %d", checked);
    if (checked != MCP_OK && memchr(err.text, '\0', sizeof err.text) == NULL)
        FAIL("check error text not NUL-terminated");
    checked2 = mcp__schema_check(schema, NULL);
    if (checked2 != checked)
        FAIL("mcp__schema_check not deterministic (%d then %d)", checked, checked2);

    memset(msg, 'X', sizeof msg);
    v1 = mcp_schema_validate(schema, inst, msg, sizeof msg);
    if (v1 != MCP_OK && v1 != MCP_ESCHEMA)
        FAIL("mcp_schema_validate returned %d", v1);
    if (memchr(msg, '\0', sizeof msg) == NULL)
        FAIL("validation message not NUL-terminated");
    if (v1 == MCP_ESCHEMA && msg[0] == '\0')
        FAIL("validation failed with an empty message");
    v2 = mcp_schema_validate(schema, inst, NULL, 0);
    tiny[0] = 'X';
    v3 = mcp_schema_validate(schema, inst, tiny, sizeof tiny);
    if (v2 != v1 || v3 != v1)
        FAIL("verdict depends on the message buffer (%d, %d, %d)", v1, v2, v3);
    if (tiny[0] != '\0')
        FAIL("1-byte message buffer not NUL-terminated");

    json_decref(inst);
    json_decref(schema);
    return 0;
}
