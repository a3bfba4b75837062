/*
 * Protocol revisions and the request context.
 *
 * Every request is served with a context: protocol revision, client capabilities, client info and
 * log level. A 2025-era session fills it once at `initialize`; a 2026-07-28 request carries it in
 * its own params._meta. Handlers see only the context, never the era.
 */
#include "core/core.h"

/* Newest first. The first stateless revision starts the 2026 era. */
static const char *const versions[] = {
    MCP_PROTOCOL_2026_07_28, MCP_PROTOCOL_2025_11_25, MCP_PROTOCOL_2025_06_18,
    MCP_PROTOCOL_2025_03_26, MCP_PROTOCOL_2024_11_05,
};
#define NVERSIONS (sizeof versions / sizeof versions[0])

#define META_VERSION "io.modelcontextprotocol/protocolVersion"
#define META_CAPS    "io.modelcontextprotocol/clientCapabilities"
#define META_INFO    "io.modelcontextprotocol/clientInfo"
#define META_LEVEL   "io.modelcontextprotocol/logLevel"

const char *mcp__version_find(const char *v)
{
    size_t i;
    if (!v)
        return NULL;
    for (i = 0; i < NVERSIONS; i++)
        if (strcmp(v, versions[i]) == 0)
            return versions[i];
    return NULL;
}

bool mcp__version_ge(const char *a, const char *b)
{
    return strcmp(a, b) >= 0;
}

bool mcp__version_stateless(const char *v)
{
    return v && mcp__version_ge(v, MCP_PROTOCOL_2026_07_28);
}

json_t *mcp__version_list(void)
{
    json_t *a = json_array();
    size_t i;
    for (i = 0; a && i < NVERSIONS; i++)
        json_array_append_new(a, json_string(versions[i]));
    return a;
}

void mcp__ctx_copy(mcp__ctx *dst, const mcp__ctx *src)
{
    *dst = *src;
    json_incref(dst->client_caps);
    json_incref(dst->client_info);
}

void mcp__ctx_clear(mcp__ctx *ctx)
{
    json_decref(ctx->client_caps);
    json_decref(ctx->client_info);
    memset(ctx, 0, sizeof *ctx);
}

int mcp__ctx_from_meta(mcp__ctx *ctx, const json_t *meta, const char **message, json_t **error_data)
{
    const json_t *v = json_object_get(meta, META_VERSION);
    const json_t *caps = json_object_get(meta, META_CAPS);
    const json_t *info = json_object_get(meta, META_INFO);
    const json_t *level = json_object_get(meta, META_LEVEL);
    const char *found;

    *error_data = NULL;
    if (!json_is_string(v)) {
        *message = "Invalid _meta envelope: \"" META_VERSION "\" must be a string";
        return MCP_JSONRPC_INVALID_PARAMS;
    }
    found = mcp__version_find(json_string_value(v));
    if (!found || !mcp__version_stateless(found)) {
        json_t *supported = json_array();
        size_t i;
        for (i = 0; i < NVERSIONS; i++)
            if (mcp__version_stateless(versions[i]))
                json_array_append_new(supported, json_string(versions[i]));
        *error_data = json_pack("{s:o, s:O}", "supported", supported, "requested", v);
        *message = "Unsupported protocol version";
        return MCP_ERROR_UNSUPPORTED_VERSION;
    }
    if (!json_is_object(caps)) {
        *message = "Invalid _meta envelope: \"" META_CAPS "\" is required and must be an object";
        return MCP_JSONRPC_INVALID_PARAMS;
    }
    if (info && !json_is_object(info)) {
        *message = "Invalid _meta envelope: \"" META_INFO "\" must be an object";
        return MCP_JSONRPC_INVALID_PARAMS;
    }
    ctx->log_level = -1; /* no logLevel: the server sends no log notifications */
    if (level) {
        int l = json_is_string(level) ? mcp_log_level_parse(json_string_value(level)) : -1;
        if (l < 0) {
            *message = "Invalid _meta envelope: unknown \"" META_LEVEL "\"";
            return MCP_JSONRPC_INVALID_PARAMS;
        }
        ctx->log_level = l;
    }
    ctx->version = found;
    ctx->client_caps = json_incref((json_t *)caps);
    ctx->client_info = json_incref((json_t *)info);
    ctx->stateless = true;
    return 0;
}
