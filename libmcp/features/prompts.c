/*
 * Prompts: registration, `prompts/list` and `prompts/get`.
 *
 * Arguments are declared in the compact schema form ("code 'The code', language? 'Its
 * language'"); prompts/list serves them as [{name, description, required}], and prompts/get
 * refuses a call that lacks a required argument (-32602) before the handler runs.
 */
#include "features/features.h"

int mcp_server_add_prompt(mcp_server_t *srv, const mcp_prompt_t *p, mcp_error_t *err)
{
    mcp__item *it;
    json_t *schema, *args, *icons = NULL, *meta = NULL, *props, *required, *prop;
    const char *name;
    char *scopes = NULL;
    int rc;

    if (!srv || !p)
        return mcp__error_set(err, MCP_EINVAL, "prompt: NULL argument");
    if (!p->name || !*p->name)
        return mcp__error_set(err, MCP_EINVAL, "prompt: a name is required");
    if (!p->handler)
        return mcp__error_set(err, MCP_EINVAL, "prompt '%s': no handler", p->name);
    if (mcp__registry_get(&srv->reg, MCP__PROMPT, p->name))
        return mcp__error_set(err, MCP_EEXIST, "prompt '%s' is already registered", p->name);
    if ((rc = mcp__item_scopes(p->scopes, "prompt", p->name, &scopes, err)) != MCP_OK)
        return rc;
    schema = mcp__schema_compact(p->arguments, err);
    if (!schema) {
        free(scopes);
        return MCP_ESCHEMA;
    }
    args = json_array();
    props = json_object_get(schema, "properties");
    required = json_object_get(schema, "required");
    json_object_foreach(props, name, prop)
    {
        json_t *a = json_pack("{s:s}", "name", name);
        json_t *desc = json_object_get(prop, "description");
        size_t i;
        json_t *r;
        bool req = false;
        json_array_foreach(required, i, r) if (strcmp(json_string_value(r), name) == 0) req = true;
        if (desc)
            json_object_set(a, "description", desc);
        json_object_set_new(a, "required", json_boolean(req));
        json_array_append_new(args, a);
    }
    icons = mcp__json_text(p->icons, "icons", JSON_ARRAY, err, &rc);
    if (rc == MCP_OK)
        meta = mcp__json_text(p->meta, "meta", JSON_OBJECT, err, &rc);
    if (rc != MCP_OK || !(it = mcp__item_new(MCP__PROMPT, p->name))) {
        json_decref(schema);
        json_decref(args);
        json_decref(icons);
        json_decref(meta);
        free(scopes);
        return rc != MCP_OK ? rc : mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    it->scopes = scopes;
    json_object_set_new(it->def, "name", json_string(p->name));
    if (p->title)
        json_object_set_new(it->def, "title", json_string(p->title));
    if (p->description)
        json_object_set_new(it->def, "description", json_string(p->description));
    if (json_array_size(args) > 0)
        json_object_set_new(it->def, "arguments", args);
    else
        json_decref(args);
    if (icons)
        json_object_set_new(it->def, "icons", icons);
    if (meta)
        json_object_set_new(it->def, "_meta", meta);
    it->input_schema = schema; /* owned by the item for prompts */
    it->fn.prompt = p->handler;
    it->complete = p->complete;
    it->disabled = p->disabled != 0;
    if ((rc = mcp__item_set_tags(it, p->tags, err)) != MCP_OK) {
        mcp__item_unref(it);
        return rc;
    }
    if (mcp__registry_add(&srv->reg, it) != MCP_OK) {
        mcp__item_unref(it);
        return mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    it->userdata = p->userdata;
    it->free_userdata = p->free_userdata;
    srv->offers[MCP__PROMPT] = true;
    srv->scoped[MCP__PROMPT] |= it->scopes != NULL;
    mcp__broadcast(srv, "notifications/prompts/list_changed", NULL);
    return MCP_OK;
}

int mcp_server_remove_prompt(mcp_server_t *srv, const char *name)
{
    int rc;
    if (!srv || !name)
        return MCP_EINVAL;
    rc = mcp__registry_remove(&srv->reg, MCP__PROMPT, name);
    if (rc == MCP_OK)
        mcp__broadcast(srv, "notifications/prompts/list_changed", NULL);
    return rc;
}

int mcp__prompts_list(mcp_call_t *call)
{
    return mcp__list_page(call, MCP__PROMPT, "prompts");
}

int mcp__prompts_get(mcp_call_t *call)
{
    const json_t *name = json_object_get(call->params, "name");
    json_t *args = json_object_get(call->params, "arguments");
    const json_t *required, *r, *v;
    const char *key;
    mcp__item *p;
    size_t i;

    if (!json_is_string(name)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"name\" must be a string");
        return MCP_OK;
    }
    p = mcp__registry_get(&call->srv->reg, MCP__PROMPT, json_string_value(name));
    if (p && !mcp__item_visible(&call->srv->reg, p, call->sess))
        p = NULL; /* disabled or hidden: unknown to this client */
    if (!p) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL, "Unknown prompt: %s",
                            json_string_value(name));
        return MCP_OK;
    }
    if (mcp__call_forbid(call, p, "prompt"))
        return MCP_OK; /* 403 insufficient_scope on HTTP */
    if (args && !json_is_object(args)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"arguments\" must be an object of strings");
        return MCP_OK;
    }
    json_object_foreach(args, key, v)
    {
        if (!json_is_string(v)) {
            mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                                "Invalid params: argument '%s' must be a string", key);
            return MCP_OK;
        }
    }
    required = json_object_get(p->input_schema, "required");
    json_array_foreach(required, i, r)
    {
        if (!json_object_get(args, json_string_value(r))) {
            mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                                "Invalid params: missing required argument '%s' for prompt '%s'",
                                json_string_value(r), p->key);
            return MCP_OK;
        }
    }
    if (!args) /* never added to params: a 2026 requestState is bound to them as sent */
        args = call->vars = json_object();
    call->item = mcp__item_ref(p);
    call->args = args;
    call->builds = MCP__PROMPT;
    call->content = json_array();
    json_object_set_new(call->result, "messages", call->content);
    if (p->def && json_object_get(p->def, "description"))
        json_object_set(call->result, "description", json_object_get(p->def, "description"));
    return p->fn.prompt(call, args, p->userdata);
}
