/*
 * Content: the blocks a tool result, a resource read or a prompt message is made of (text,
 * image, audio, resource links, embedded resources, structured content), and the mcp_call_*
 * builders that append them to the call's result.
 */
#include "features/features.h"

#include <pthread.h>
#include <stdarg.h>

/* The "text" of every text block's "type": one string for the whole process, shared by
 * reference (jansson's reference counts are atomic, and nothing in libmcp changes a string in
 * place), instead of two allocations and two frees per block. */
static json_t *text_type;
static pthread_once_t text_type_once = PTHREAD_ONCE_INIT;

static void make_text_type(void)
{
    text_type = json_string_nocheck("text");
}

json_t *mcp__content_text(const char *text, size_t len)
{
    json_t *s = json_stringn(text, len), *block;
    if (!s)
        return NULL; /* also for invalid UTF-8 */
    block = json_object();
    if (!block) {
        json_decref(s);
        return NULL;
    }
    /* the hot path of every text reply: no format string to interpret */
    pthread_once(&text_type_once, make_text_type);
    json_object_set_new_nocheck(block, "type",
                                text_type ? json_incref(text_type) : json_string_nocheck("text"));
    json_object_set_new_nocheck(block, "text", s);
    return block;
}

json_t *mcp__content_binary(const char *type, const void *data, size_t len, const char *mime_type)
{
    char *enc = mcp__base64_encode(data, len, false);
    json_t *block;
    if (!enc || !mime_type) {
        free(enc);
        return NULL;
    }
    block = json_pack("{s:s, s:s, s:s}", "type", type, "data", enc, "mimeType", mime_type);
    free(enc);
    return block;
}

/* ---- builders --------------------------------------------------------------------------- */

/* Append a block to the call's content array, stealing it. `kind` says which result the builder
 * is for (a tool's content, a resource's contents, a prompt's messages). */
static int append(mcp_call_t *call, mcp__kind kind, json_t *block)
{
    if (!call || !call->content || call->builds != kind) {
        json_decref(block);
        return MCP_EINVAL;
    }
    if (!block)
        return MCP_ENOMEM;
    return json_array_append_new(call->content, block) == 0 ? MCP_OK : MCP_ENOMEM;
}

int mcp_call_textv(mcp_call_t *call, const char *fmt, va_list ap)
{
    char small[256], *buf;
    size_t n;
    int rc;
    if (!call || !fmt)
        return MCP_EINVAL;
    if (!(buf = mcp__vformat(small, sizeof small, &n, fmt, ap)))
        return MCP_ENOMEM;
    rc = mcp_call_text_n(call, buf, n);
    if (buf != small)
        free(buf);
    return rc;
}

int mcp_call_text(mcp_call_t *call, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = mcp_call_textv(call, fmt, ap);
    va_end(ap);
    return rc;
}

int mcp_call_text_n(mcp_call_t *call, const char *text, size_t len)
{
    json_t *block;
    if (!call || !text)
        return MCP_EINVAL;
    block = mcp__content_text(text, len);
    if (!block)
        return json_stringn(text, len) ? MCP_ENOMEM : MCP_EINVAL; /* invalid UTF-8 */
    return append(call, MCP__TOOL, block);
}

int mcp_call_image(mcp_call_t *call, const void *data, size_t len, const char *mime_type)
{
    if (!data && len)
        return MCP_EINVAL;
    return append(call, MCP__TOOL, mcp__content_binary("image", data, len, mime_type));
}

int mcp_call_audio(mcp_call_t *call, const void *data, size_t len, const char *mime_type)
{
    if (!data && len)
        return MCP_EINVAL;
    return append(call, MCP__TOOL, mcp__content_binary("audio", data, len, mime_type));
}

int mcp_call_resource_link(mcp_call_t *call, const char *uri, const char *name,
                           const char *mime_type)
{
    json_t *b;
    if (!uri || !name)
        return MCP_EINVAL;
    b = json_pack("{s:s, s:s, s:s}", "type", "resource_link", "uri", uri, "name", name);
    if (b && mime_type)
        json_object_set_new(b, "mimeType", json_string(mime_type));
    return append(call, MCP__TOOL, b);
}

static json_t *resource_contents(const char *uri, const char *mime_type, const char *text,
                                 const void *data, size_t len)
{
    json_t *r = json_pack("{s:s}", "uri", uri);
    if (!r)
        return NULL;
    if (mime_type)
        json_object_set_new(r, "mimeType", json_string(mime_type));
    if (text) {
        json_t *t = json_string(text);
        if (!t) {
            json_decref(r);
            return NULL;
        }
        json_object_set_new(r, "text", t);
    } else {
        char *enc = mcp__base64_encode(data, len, false);
        if (!enc) {
            json_decref(r);
            return NULL;
        }
        json_object_set_new(r, "blob", json_string(enc));
        free(enc);
    }
    return r;
}

int mcp_call_embedded_text(mcp_call_t *call, const char *uri, const char *mime_type,
                           const char *text)
{
    json_t *r;
    if (!uri || !text)
        return MCP_EINVAL;
    r = resource_contents(uri, mime_type, text, NULL, 0);
    return append(call, MCP__TOOL,
                  r ? json_pack("{s:s, s:o}", "type", "resource", "resource", r) : NULL);
}

int mcp_call_embedded_blob(mcp_call_t *call, const char *uri, const char *mime_type,
                           const void *data, size_t len)
{
    json_t *r;
    if (!uri || (!data && len))
        return MCP_EINVAL;
    r = resource_contents(uri, mime_type, NULL, data ? data : "", len);
    return append(call, MCP__TOOL,
                  r ? json_pack("{s:s, s:o}", "type", "resource", "resource", r) : NULL);
}

int mcp_call_content_new(mcp_call_t *call, json_t *block)
{
    if (!json_is_object(block)) {
        json_decref(block);
        return MCP_EINVAL;
    }
    return append(call, MCP__TOOL, block);
}

int mcp_call_structured_new(mcp_call_t *call, json_t *value)
{
    if (!call || !value || call->builds != MCP__TOOL) {
        json_decref(value);
        return MCP_EINVAL;
    }
    return json_object_set_new(call->result, "structuredContent", value) == 0 ? MCP_OK : MCP_ENOMEM;
}

int mcp_call_tool_error(mcp_call_t *call, const char *fmt, ...)
{
    va_list ap;
    int rc;
    if (!call || call->builds != MCP__TOOL)
        return MCP_EINVAL;
    json_object_set_new(call->result, "isError", json_true());
    va_start(ap, fmt);
    rc = mcp_call_textv(call, fmt, ap);
    va_end(ap);
    return rc;
}

int mcp_call_resource_text(mcp_call_t *call, const char *uri, const char *mime_type,
                           const char *text)
{
    if (!call || !uri || !text || !call->content)
        return MCP_EINVAL;
    return append(call, MCP__RESOURCE, resource_contents(uri, mime_type, text, NULL, 0));
}

int mcp_call_resource_blob(mcp_call_t *call, const char *uri, const char *mime_type,
                           const void *data, size_t len)
{
    if (!call || !uri || (!data && len) || !call->content)
        return MCP_EINVAL;
    return append(call, MCP__RESOURCE,
                  resource_contents(uri, mime_type, NULL, data ? data : "", len));
}

int mcp_call_prompt_message_new(mcp_call_t *call, const char *role, json_t *content)
{
    if (!role || (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0) ||
        !json_is_object(content)) {
        json_decref(content);
        return MCP_EINVAL;
    }
    return append(call, MCP__PROMPT, json_pack("{s:s, s:o}", "role", role, "content", content));
}

int mcp_call_prompt_text(mcp_call_t *call, const char *role, const char *fmt, ...)
{
    char small[256], *buf;
    size_t n;
    va_list ap;
    int rc;
    if (!call || !fmt)
        return MCP_EINVAL;
    va_start(ap, fmt);
    buf = mcp__vformat(small, sizeof small, &n, fmt, ap);
    va_end(ap);
    if (!buf)
        return MCP_ENOMEM;
    rc = mcp_call_prompt_message_new(call, role, mcp__content_text(buf, n));
    if (buf != small)
        free(buf);
    return rc;
}

int mcp_call_prompt_description(mcp_call_t *call, const char *description)
{
    if (!call || !description || call->builds != MCP__PROMPT)
        return MCP_EINVAL;
    return json_object_set_new(call->result, "description", json_string(description)) == 0
               ? MCP_OK
               : MCP_EINVAL;
}
