/*
 * Small text helpers of the library: printf into a stack buffer that grows to the heap only when
 * the text does not fit, and optional JSON text from the author (icons, meta, schemas) parsed
 * into the type it must have.
 */
#include "base/base.h"

#include <stdarg.h>

json_t *mcp__json_text(const char *text, const char *what, int want_type, mcp_error_t *err, int *rc)
{
    json_error_t jerr;
    json_t *v;
    *rc = MCP_OK;
    if (!text)
        return NULL;
    v = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
        *rc = mcp__error_set(err, MCP_EINVAL, "%s: invalid JSON at line %d, column %d: %s", what,
                             jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if ((int)json_typeof(v) != want_type) {
        json_decref(v);
        *rc = mcp__error_set(err, MCP_EINVAL, "%s: must be a JSON %s", what,
                             want_type == JSON_OBJECT ? "object" : "array");
        return NULL;
    }
    return v;
}

char *mcp__vformat(char *small, size_t size, size_t *len, const char *fmt, va_list ap)
{
    va_list cp;
    char *buf;
    int n;
    va_copy(cp, ap);
    n = vsnprintf(small, size, fmt, cp);
    va_end(cp);
    if (n < 0)
        return NULL;
    *len = (size_t)n;
    if ((size_t)n < size)
        return small;
    buf = malloc((size_t)n + 1);
    if (buf)
        vsnprintf(buf, (size_t)n + 1, fmt, ap);
    return buf;
}
