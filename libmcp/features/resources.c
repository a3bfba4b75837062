/*
 * Resources: registration of static resources and RFC 6570 resource templates,
 * `resources/list`, `resources/templates/list` and `resources/read`.
 *
 * A read looks the URI up among static resources first (O(1)), then tries each template in
 * registration order; the first match wins and its variables reach the handler. A URI that names
 * nothing is -32002 "Resource not found" in the 2025 era and -32602 in 2026-07-28.
 */
#include "features/features.h"

#include <ctype.h>

/* RFC 3986: scheme ":" ... with scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static bool looks_like_uri(const char *uri)
{
    const char *p = uri;
    if (!isalpha((unsigned char)*p))
        return false;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return *p == ':';
}

int mcp_server_add_resource(mcp_server_t *srv, const mcp_resource_t *r, mcp_error_t *err)
{
    mcp__kind kind;
    const char *key;
    mcp__item *it;
    json_t *ann = NULL, *icons = NULL, *meta = NULL;
    char *scopes = NULL;
    int rc;

    if (!srv || !r)
        return mcp__error_set(err, MCP_EINVAL, "resource: NULL argument");
    if (!r->uri == !r->uri_template)
        return mcp__error_set(err, MCP_EINVAL, "resource: set exactly one of uri and uri_template");
    key = r->uri ? r->uri : r->uri_template;
    kind = r->uri ? MCP__RESOURCE : MCP__TEMPLATE;
    if (!r->name || !*r->name)
        return mcp__error_set(err, MCP_EINVAL, "resource '%s': a name is required", key);
    if (!r->handler && !(r->text && r->uri))
        return mcp__error_set(err, MCP_EINVAL, "resource '%s': needs a handler%s", key,
                              r->uri ? " or static text" : "");
    if (r->cache_scope < MCP_CACHE_DEFAULT || r->cache_scope > MCP_CACHE_PRIVATE)
        return mcp__error_set(err, MCP_EINVAL,
                              "resource '%s': cache_scope is not an "
                              "mcp_cache_scope",
                              key);
    if (r->uri && !looks_like_uri(r->uri))
        return mcp__error_set(err, MCP_EINVAL, "resource '%s': not an absolute URI", key);
    if (r->uri_template && mcp__uritemplate_check(r->uri_template, err) != MCP_OK)
        return MCP_EINVAL;
    if (mcp__registry_get(&srv->reg, kind, key))
        return mcp__error_set(err, MCP_EEXIST, "resource '%s' is already registered", key);
    if ((rc = mcp__item_scopes(r->scopes, "resource", key, &scopes, err)) != MCP_OK)
        return rc;

    ann = mcp__json_text(r->annotations, "annotations", JSON_OBJECT, err, &rc);
    if (rc == MCP_OK)
        icons = mcp__json_text(r->icons, "icons", JSON_ARRAY, err, &rc);
    if (rc == MCP_OK)
        meta = mcp__json_text(r->meta, "meta", JSON_OBJECT, err, &rc);
    if (rc != MCP_OK || !(it = mcp__item_new(kind, key))) {
        json_decref(ann);
        json_decref(icons);
        json_decref(meta);
        free(scopes);
        return rc != MCP_OK ? rc : mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    it->scopes = scopes;
    json_object_set_new(it->def, r->uri ? "uri" : "uriTemplate", json_string(key));
    json_object_set_new(it->def, "name", json_string(r->name));
    if (r->title)
        json_object_set_new(it->def, "title", json_string(r->title));
    if (r->description)
        json_object_set_new(it->def, "description", json_string(r->description));
    if (r->mime_type)
        json_object_set_new(it->def, "mimeType", json_string(r->mime_type));
    if (r->uri && r->size > 0)
        json_object_set_new(it->def, "size", json_integer(r->size));
    else if (r->uri && r->text && !r->handler)
        json_object_set_new(it->def, "size", json_integer((json_int_t)strlen(r->text)));
    if (ann)
        json_object_set_new(it->def, "annotations", ann);
    if (icons)
        json_object_set_new(it->def, "icons", icons);
    if (meta)
        json_object_set_new(it->def, "_meta", meta);
    it->fn.resource = r->handler;
    it->complete = r->complete;
    it->cache_ttl_ms = r->cache_ttl_ms;
    it->cache_scope = r->cache_scope;
    it->disabled = r->disabled != 0;
    if ((rc = mcp__item_set_tags(it, r->tags, err)) != MCP_OK) {
        mcp__item_unref(it);
        return rc;
    }
    if ((r->text && !(it->text = strdup(r->text))) ||
        (r->mime_type && !(it->mime_type = strdup(r->mime_type))) ||
        mcp__registry_add(&srv->reg, it) != MCP_OK) {
        mcp__item_unref(it);
        return mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    it->userdata = r->userdata;
    it->free_userdata = r->free_userdata;
    srv->offers[kind] = true;
    srv->scoped[kind] |= it->scopes != NULL;
    mcp__broadcast(srv, "notifications/resources/list_changed", NULL);
    return MCP_OK;
}

int mcp_server_remove_resource(mcp_server_t *srv, const char *uri_or_template)
{
    int rc;
    if (!srv || !uri_or_template)
        return MCP_EINVAL;
    rc = mcp__registry_remove(&srv->reg, MCP__RESOURCE, uri_or_template);
    if (rc == MCP_ENOTFOUND)
        rc = mcp__registry_remove(&srv->reg, MCP__TEMPLATE, uri_or_template);
    if (rc == MCP_OK)
        mcp__broadcast(srv, "notifications/resources/list_changed", NULL);
    return rc;
}

int mcp__resources_list(mcp_call_t *call)
{
    return mcp__list_page(call, MCP__RESOURCE, "resources");
}

int mcp__resources_templates_list(mcp_call_t *call)
{
    return mcp__list_page(call, MCP__TEMPLATE, "resourceTemplates");
}

int mcp__resources_read(mcp_call_t *call)
{
    const json_t *uri = json_object_get(call->params, "uri");
    mcp__item *it;
    json_t *vars = NULL;

    if (!json_is_string(uri)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"uri\" must be a string");
        return MCP_OK;
    }
    it = mcp__registry_find_uri(&call->srv->reg, json_string_value(uri), call->sess, &vars);
    if (!it) {
        mcp__call_set_error(call, MCP_ERROR_RESOURCE_NOT_FOUND, json_pack("{s:O}", "uri", uri),
                            "Resource not found: %s", json_string_value(uri));
        return MCP_OK;
    }
    if (mcp__call_forbid(call, it, it->kind == MCP__TEMPLATE ? "resource template" : "resource")) {
        json_decref(vars);
        return MCP_OK; /* 403 insufficient_scope on HTTP */
    }
    call->item = mcp__item_ref(it);
    call->uri = strdup(json_string_value(uri));
    call->vars = vars ? vars : json_object();
    call->builds = MCP__RESOURCE;
    call->content = json_array();
    json_object_set_new(call->result, "contents", call->content);
    mcp__cacheable(call, it->cache_ttl_ms, it->cache_scope, MCP_CACHE_PRIVATE);
    if (!call->uri || !call->vars || !call->content)
        return MCP_ENOMEM;
    if (!it->fn.resource)
        return mcp_call_resource_text(call, call->uri, it->mime_type, it->text);
    return it->fn.resource(call, call->uri, call->vars, it->userdata);
}
