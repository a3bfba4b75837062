/*
 * Visibility: enabling and disabling tools, resources, templates and prompts, and tags, server-
 * wide or for one session (mcp_server_enable_*, mcp_call_session_enable_tag). The registry
 * decides what is visible (core/registry.c mcp__item_visible); this file changes the switches
 * and tells clients their lists changed.
 */
#include "features/features.h"

static const char *changed_method(mcp__kind kind)
{
    return kind == MCP__TOOL     ? "notifications/tools/list_changed"
           : kind == MCP__PROMPT ? "notifications/prompts/list_changed"
                                 : "notifications/resources/list_changed";
}

static int enable_item(mcp_server_t *srv, mcp__kind kind, const char *key, int enabled)
{
    mcp__item *it;

    if (!srv || !key)
        return MCP_EINVAL;
    it = mcp__registry_get(&srv->reg, kind, key);
    if (!it && kind == MCP__RESOURCE) {
        kind = MCP__TEMPLATE;
        it = mcp__registry_get(&srv->reg, kind, key);
    }
    if (!it)
        return MCP_ENOTFOUND;
    if (it->disabled != !enabled) {
        it->disabled = !enabled;
        mcp__broadcast(srv, changed_method(kind), NULL);
    }
    return MCP_OK;
}

int mcp_server_enable_tool(mcp_server_t *srv, const char *name, int enabled)
{
    return enable_item(srv, MCP__TOOL, name, enabled);
}

int mcp_server_enable_resource(mcp_server_t *srv, const char *uri_or_template, int enabled)
{
    return enable_item(srv, MCP__RESOURCE, uri_or_template, enabled);
}

int mcp_server_enable_prompt(mcp_server_t *srv, const char *name, int enabled)
{
    return enable_item(srv, MCP__PROMPT, name, enabled);
}

/* Does a change of `tag` alter the list of `kind` (resources and templates: one list_changed,
 * sent for MCP__RESOURCE)? */
static bool tagged(const mcp__registry *reg, mcp__kind kind, const char *tag)
{
    if (kind == MCP__TEMPLATE)
        return false;
    return mcp__registry_has_tag(reg, kind, tag) ||
           (kind == MCP__RESOURCE && mcp__registry_has_tag(reg, MCP__TEMPLATE, tag));
}

static bool tag_ok(const char *tag)
{
    size_t n = tag ? strlen(tag) : 0;
    return n > 0 && n <= 64;
}

int mcp_server_enable_tag(mcp_server_t *srv, const char *tag, int enabled)
{
    bool was_off;
    int k;

    if (!srv || !tag_ok(tag))
        return MCP_EINVAL;
    was_off = json_object_get(srv->reg.tags_off, tag) != NULL;
    if (was_off == !enabled)
        return MCP_OK;
    if (enabled) {
        json_object_del(srv->reg.tags_off, tag);
    } else if ((!srv->reg.tags_off && !(srv->reg.tags_off = json_object())) ||
               json_object_set_new(srv->reg.tags_off, tag, json_true()) != 0) {
        return MCP_ENOMEM;
    }
    for (k = 0; k < MCP__KINDS; k++)
        if (tagged(&srv->reg, (mcp__kind)k, tag))
            mcp__broadcast(srv, changed_method((mcp__kind)k), NULL);
    return MCP_OK;
}

int mcp_call_session_enable_tag(mcp_call_t *call, const char *tag, int enabled)
{
    mcp__session *s;
    const json_t *before;
    bool was_on, now_on = enabled != 0;
    int k;

    if (!call || !tag_ok(tag))
        return MCP_EINVAL;
    s = call->sess;
    if (call->ctx.stateless || s->ephemeral)
        return MCP_ENOTSUP;
    before = json_object_get(s->tag_view, tag);
    was_on = before ? json_is_true(before) : !json_object_get(call->srv->reg.tags_off, tag);
    if ((!s->tag_view && !(s->tag_view = json_object())) ||
        json_object_set_new(s->tag_view, tag, json_boolean(now_on)) != 0)
        return MCP_ENOMEM;
    s->gen++; /* a shared store writes the session again: every replica sees this view */
    if (was_on == now_on || s->closed || s->state != MCP__SESS_READY)
        return MCP_OK;
    for (k = 0; k < MCP__KINDS; k++) {
        json_t *msg;
        if (!tagged(&call->srv->reg, (mcp__kind)k, tag))
            continue;
        msg = mcp__jsonrpc_notification(changed_method((mcp__kind)k), NULL);
        if (msg)
            mcp__session_send(s, msg, NULL);
        json_decref(msg);
    }
    return MCP_OK;
}
