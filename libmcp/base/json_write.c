/*
 * A compact JSON writer into a growable buffer: what every outgoing message goes through.
 *
 * It produces exactly what jansson's json_dumps(JSON_COMPACT) does (keys in insertion order, the
 * same string escapes, reals as "%.17g" with ".0" added when needed and the exponent trimmed;
 * tests/unit/test_json_write.c compares them) for trees at most 2049 levels deep whose strings
 * are valid UTF-8 (deeper ones are refused; unchecked bytes are copied as they are), but
 * appends straight into the transport's buffer with no allocation per message and a fast path for
 * plain strings and integers; serializing replies was a quarter of the time per message.
 */
#include "base/base.h"

#include <math.h>

int mcp__buf_reserve(mcp__buf *b, size_t more)
{
    size_t cap;
    char *d;
    if (b->len + more <= b->cap)
        return MCP_OK;
    cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    d = realloc(b->data, cap);
    if (!d)
        return MCP_ENOMEM;
    b->data = d;
    b->cap = cap;
    return MCP_OK;
}

int mcp__buf_add(mcp__buf *b, const void *p, size_t n)
{
    if (mcp__buf_reserve(b, n) != MCP_OK)
        return MCP_ENOMEM;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return MCP_OK;
}

void mcp__buf_free(mcp__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* One byte: the brackets, commas and colons between values. */
static inline int put_byte(mcp__buf *b, char c)
{
    if (b->len == b->cap && mcp__buf_reserve(b, 1) != MCP_OK)
        return MCP_ENOMEM;
    b->data[b->len++] = c;
    return MCP_OK;
}

static int write_string(mcp__buf *b, const char *s, size_t n)
{
    static const char hexd[] = "0123456789ABCDEF"; /* jansson writes \u001F */
    size_t i, run = 0;
    /* worst case every byte becomes \u00XX */
    if (mcp__buf_reserve(b, n * 6 + 2) != MCP_OK)
        return MCP_ENOMEM;
    b->data[b->len++] = '"';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        memcpy(b->data + b->len, s + run, i - run);
        b->len += i - run;
        run = i + 1;
        b->data[b->len++] = '\\';
        switch (c) {
        case '"':
        case '\\':
            b->data[b->len++] = (char)c;
            break;
        case '\b':
            b->data[b->len++] = 'b';
            break;
        case '\f':
            b->data[b->len++] = 'f';
            break;
        case '\n':
            b->data[b->len++] = 'n';
            break;
        case '\r':
            b->data[b->len++] = 'r';
            break;
        case '\t':
            b->data[b->len++] = 't';
            break;
        default:
            memcpy(b->data + b->len, "u00", 3);
            b->data[b->len + 3] = hexd[c >> 4];
            b->data[b->len + 4] = hexd[c & 15];
            b->len += 5;
        }
    }
    memcpy(b->data + b->len, s + run, n - run);
    b->len += n - run;
    b->data[b->len++] = '"';
    return MCP_OK;
}

static int write_integer(mcp__buf *b, json_int_t v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    return mcp__buf_add(b, p, (size_t)(tmp + sizeof tmp - p));
}

static int write_real(mcp__buf *b, double v)
{
    char tmp[40], *e, *start, *end;
    int n;
    if (!isfinite(v))
        return MCP_EINVAL;
    n = snprintf(tmp, sizeof tmp - 3, "%.17g", v);
    if (n < 0)
        return MCP_EINVAL;
    for (start = tmp; *start; start++)
        if (*start == ',')
            *start = '.'; /* a locale's decimal comma */
    if (!strchr(tmp, '.') && !strchr(tmp, 'e')) {
        memcpy(tmp + n, ".0", 3);
        n += 2;
    }
    e = strchr(tmp, 'e');
    if (e) { /* "1e+20" -> "1e20", "1e-05" -> "1e-5", as jansson writes them */
        start = e + 1;
        end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, strlen(end) + 1);
            n = (int)strlen(tmp);
        }
    }
    return mcp__buf_add(b, tmp, (size_t)n);
}

static int write_value(mcp__buf *b, const json_t *v, int depth)
{
    if (depth > 2048)
        return MCP_EINVAL;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        void *it;
        bool first = true;
        if (put_byte(b, '{'))
            return MCP_ENOMEM;
        /* the iterator itself, not json_object_foreach (which goes key -> iterator thrice);
         * keys by length: a key may hold a NUL (json_object_setn) */
        for (it = json_object_iter((json_t *)v); it; it = json_object_iter_next((json_t *)v, it)) {
            if ((!first && put_byte(b, ',')) ||
                write_string(b, json_object_iter_key(it), json_object_iter_key_len(it)) ||
                put_byte(b, ':') || write_value(b, json_object_iter_value(it), depth + 1))
                return MCP_ENOMEM;
            first = false;
        }
        return put_byte(b, '}');
    }
    case JSON_ARRAY: {
        size_t i, n = json_array_size(v);
        if (put_byte(b, '['))
            return MCP_ENOMEM;
        for (i = 0; i < n; i++) {
            if ((i && put_byte(b, ',')) || write_value(b, json_array_get(v, i), depth + 1))
                return MCP_ENOMEM;
        }
        return put_byte(b, ']');
    }
    case JSON_STRING:
        return write_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return write_integer(b, json_integer_value(v));
    case JSON_REAL:
        return write_real(b, json_real_value(v));
    case JSON_TRUE:
        return mcp__buf_add(b, "true", 4);
    case JSON_FALSE:
        return mcp__buf_add(b, "false", 5);
    case JSON_NULL:
        return mcp__buf_add(b, "null", 4);
    }
    return MCP_EINVAL;
}

int mcp__json_write(mcp__buf *b, const json_t *v)
{
    size_t mark = b->len;
    int rc = v ? write_value(b, v, 0) : MCP_EINVAL;
    if (rc != MCP_OK)
        b->len = mark; /* nothing half-written */
    return rc;
}
