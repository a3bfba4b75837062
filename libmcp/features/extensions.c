/*
 * Extensions: what the server declares (mcp_server_add_extension: `capabilities.extensions` for
 * 2026-07-28 requests, `experimental` for 2025-era sessions, whose schema has no `extensions`)
 * and what the client declared, as handlers see it (mcp_call_client_extension). The MCP Apps
 * helpers built on them are in apps.c.
 */
#include "features/features.h"

int mcp_server_add_extension(mcp_server_t *srv, const char *id, const char *settings_json)
{
    json_t *settings;
    int rc = MCP_OK;

    if (!srv || !id || !*id || strlen(id) > 200)
        return MCP_EINVAL;
    settings = settings_json ? mcp__json_text(settings_json, "settings", JSON_OBJECT, NULL, &rc)
                             : json_object();
    if (rc != MCP_OK || !settings)
        return rc != MCP_OK ? rc : MCP_ENOMEM;
    if (!srv->extensions && !(srv->extensions = json_object())) {
        json_decref(settings);
        return MCP_ENOMEM;
    }
    return json_object_set_new(srv->extensions, id, settings) == 0 ? MCP_OK : MCP_ENOMEM;
}

void mcp__extensions_capabilities(mcp_server_t *srv, const mcp__ctx *ctx, json_t *caps)
{
    const char *field = ctx && ctx->stateless ? "extensions" : "experimental";
    json_t *into, *settings;
    const char *id;

    if (!json_object_size(srv->extensions) || !caps)
        return;
    into = json_object_get(caps, field);
    if (!json_is_object(into)) {
        into = json_object();
        if (!into || json_object_set_new(caps, field, into) != 0)
            return;
    }
    json_object_foreach(srv->extensions, id, settings)
        json_object_set_new(into, id, json_deep_copy(settings));
}

void mcp__extensions_free(mcp_server_t *srv)
{
    json_decref(srv->extensions);
    srv->extensions = NULL;
}

const json_t *mcp_call_client_extension(const mcp_call_t *call, const char *id)
{
    const json_t *caps, *v;

    if (!call || !id)
        return NULL;
    caps = call->ctx.client_caps;
    v = json_object_get(json_object_get(caps, "extensions"), id);
    if (!json_is_object(v))
        v = json_object_get(json_object_get(caps, "experimental"), id);
    return json_is_object(v) ? v : NULL;
}
