/*
 * Tools: registration, `tools/list` and `tools/call`.
 *
 * A tool's definition (the object tools/list serves) is built once at registration. Its input
 * schema is compiled from JSON or the compact form and checked; every call's arguments are
 * validated against it before the handler runs, and a violation reaches the model as a tool
 * execution error (isError: true) naming the argument, as 2025-11-25 asks.
 */
#include "features/features.h"

static bool valid_tool_name(const char *name)
{
    size_t n = 0;
    const char *p;
    if (!name)
        return false;
    for (p = name; *p; p++, n++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return n >= 1 && n <= 128;
}

/* annotations = the JSON text, then each hint flag on top. */
static json_t *build_annotations(const mcp_tool_t *t, mcp_error_t *err, int *rc)
{
    json_t *a = mcp__json_text(t->annotations, "annotations", JSON_OBJECT, err, rc);
    unsigned f = t->flags;
    if (*rc != MCP_OK)
        return NULL;
    if (!(f & (MCP_TOOL_READ_ONLY | MCP_TOOL_DESTRUCTIVE | MCP_TOOL_NOT_DESTRUCTIVE |
               MCP_TOOL_IDEMPOTENT | MCP_TOOL_OPEN_WORLD | MCP_TOOL_CLOSED_WORLD)))
        return a;
    if (!a && !(a = json_object())) {
        *rc = MCP_ENOMEM;
        return NULL;
    }
    if (f & MCP_TOOL_READ_ONLY)
        json_object_set_new(a, "readOnlyHint", json_true());
    if (f & MCP_TOOL_DESTRUCTIVE)
        json_object_set_new(a, "destructiveHint", json_true());
    if (f & MCP_TOOL_NOT_DESTRUCTIVE)
        json_object_set_new(a, "destructiveHint", json_false());
    if (f & MCP_TOOL_IDEMPOTENT)
        json_object_set_new(a, "idempotentHint", json_true());
    if (f & MCP_TOOL_OPEN_WORLD)
        json_object_set_new(a, "openWorldHint", json_true());
    if (f & MCP_TOOL_CLOSED_WORLD)
        json_object_set_new(a, "openWorldHint", json_false());
    return a;
}

static int root_is_object(const json_t *schema)
{
    const json_t *type = json_object_get(schema, "type");
    return json_is_string(type) && strcmp(json_string_value(type), "object") == 0;
}

int mcp_server_add_tool(mcp_server_t *srv, const mcp_tool_t *t, mcp_error_t *err)
{
    mcp__item *it;
    json_t *in = NULL, *out = NULL, *ann = NULL, *icons = NULL, *meta = NULL;
    mcp__schema_patterns *in_pats = NULL, *out_pats = NULL; /* compiled once, here */
    char *scopes = NULL;
    int rc;

    if (!srv || !t)
        return mcp__error_set(err, MCP_EINVAL, "tool: NULL argument");
    if (!valid_tool_name(t->name))
        return mcp__error_set(err, MCP_EINVAL,
                              "tool '%s': names are 1-128 characters of A-Z a-z 0-9 _ - .",
                              t->name ? t->name : "(null)");
    if (!t->handler)
        return mcp__error_set(err, MCP_EINVAL, "tool '%s': no handler", t->name);
    if (mcp__registry_get(&srv->reg, MCP__TOOL, t->name))
        return mcp__error_set(err, MCP_EEXIST, "tool '%s' is already registered", t->name);
    if ((rc = mcp__item_scopes(t->scopes, "tool", t->name, &scopes, err)) != MCP_OK)
        return rc;

    in = mcp__schema_load(t->input_schema ? t->input_schema : "", &in_pats, err);
    if (!in) {
        free(scopes);
        return err ? err->code : MCP_ESCHEMA;
    }
    if (!root_is_object(in)) {
        json_decref(in);
        mcp__schema_patterns_free(in_pats);
        free(scopes);
        return mcp__error_set(err, MCP_ESCHEMA,
                              "tool '%s': inputSchema must have \"type\": "
                              "\"object\" at its root",
                              t->name);
    }
    if (t->output_schema && !(out = mcp__schema_load(t->output_schema, &out_pats, err))) {
        json_decref(in);
        mcp__schema_patterns_free(in_pats);
        free(scopes);
        return err ? err->code : MCP_ESCHEMA;
    }
    ann = build_annotations(t, err, &rc);
    if (rc == MCP_OK)
        icons = mcp__json_text(t->icons, "icons", JSON_ARRAY, err, &rc);
    if (rc == MCP_OK)
        meta = mcp__json_text(t->meta, "meta", JSON_OBJECT, err, &rc);
    if (rc != MCP_OK || !(it = mcp__item_new(MCP__TOOL, t->name))) {
        json_decref(in);
        json_decref(out);
        mcp__schema_patterns_free(in_pats);
        mcp__schema_patterns_free(out_pats);
        json_decref(ann);
        json_decref(icons);
        json_decref(meta);
        free(scopes);
        return rc != MCP_OK ? rc : mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    it->scopes = scopes;
    json_object_set_new(it->def, "name", json_string(t->name));
    if (t->title)
        json_object_set_new(it->def, "title", json_string(t->title));
    if (t->description)
        json_object_set_new(it->def, "description", json_string(t->description));
    json_object_set_new(it->def, "inputSchema", in);
    if (out)
        json_object_set_new(it->def, "outputSchema", out);
    if (ann)
        json_object_set_new(it->def, "annotations", ann);
    if (icons)
        json_object_set_new(it->def, "icons", icons);
    if (rc == MCP_OK && t->app_uri) { /* MCP Apps: _meta.ui (and the older flat key) */
        json_t *ui = json_pack("{s:s}", "resourceUri", t->app_uri);
        if (!meta)
            meta = json_object();
        if (ui && (t->app_visibility & (MCP_APP_VISIBLE_MODEL | MCP_APP_VISIBLE_APP)))
            json_object_set_new(
                ui, "visibility",
                json_pack("[s*s*]", (t->app_visibility & MCP_APP_VISIBLE_MODEL) ? "model" : NULL,
                          (t->app_visibility & MCP_APP_VISIBLE_APP) ? "app" : NULL));
        json_object_set_new(meta, "ui", ui);
        json_object_set_new(meta, "ui/resourceUri", json_string(t->app_uri));
    }
    if (meta)
        json_object_set_new(it->def, "_meta", meta);
    mcp__tasks_tool_def(srv, it->def, t->flags); /* tasks.c: execution.taskSupport */
    it->input_schema = in;
    it->output_schema = out;
    it->input_patterns = in_pats;
    it->input_defaults = mcp__schema_has_defaults(in); /* no walk per call when there are none */
    it->output_patterns = out_pats;
    it->fn.tool = t->handler;
    it->flags = t->flags;
    it->timeout_ms = t->timeout_ms;
    it->disabled = t->disabled != 0;
    if ((rc = mcp__item_set_tags(it, t->tags, err)) != MCP_OK) {
        mcp__item_unref(it);
        return rc;
    }
    if (mcp__registry_add(&srv->reg, it) != MCP_OK) {
        mcp__item_unref(it); /* free_userdata is not set yet: not called */
        return mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    it->userdata = t->userdata;
    it->free_userdata = t->free_userdata;
    srv->offers[MCP__TOOL] = true;
    srv->scoped[MCP__TOOL] |= it->scopes != NULL;
    mcp__broadcast(srv, "notifications/tools/list_changed", NULL);
    return MCP_OK;
}

int mcp_server_remove_tool(mcp_server_t *srv, const char *name)
{
    int rc;
    if (!srv || !name)
        return MCP_EINVAL;
    rc = mcp__registry_remove(&srv->reg, MCP__TOOL, name);
    if (rc == MCP_OK)
        mcp__broadcast(srv, "notifications/tools/list_changed", NULL);
    return rc;
}

int mcp__list_page(mcp_call_t *call, mcp__kind kind, const char *field)
{
    const json_t *cursor = json_object_get(call->params, "cursor");
    mcp_cache_result which;
    if (cursor && !json_is_string(cursor)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"cursor\" must be a string");
        return MCP_OK;
    }
    /* With authorization on, a principal sees only what it may use (scope.c). */
    if (mcp__registry_page(&call->srv->reg, kind, json_string_value(cursor), call->srv->page_size,
                           call->result, field, call->sess,
                           call->sess->scoped ? mcp__scope_keep : NULL, call) != 0) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: invalid cursor");
        return MCP_OK;
    }
    which = kind == MCP__TOOL       ? MCP_CACHE_TOOLS_LIST
            : kind == MCP__RESOURCE ? MCP_CACHE_RESOURCES_LIST
            : kind == MCP__TEMPLATE ? MCP_CACHE_TEMPLATES_LIST
                                    : MCP_CACHE_PROMPTS_LIST;
    /* a list that depends on who asks may not be shared between callers, whatever the author set */
    mcp__cacheable(call, call->srv->cache_ttl[which],
                   call->sess->scoped && call->srv->scoped[kind] ? MCP_CACHE_PRIVATE
                                                                 : call->srv->cache_scope[which],
                   MCP_CACHE_PUBLIC);
    return MCP_OK;
}

int mcp__item_scopes(const char *text, const char *what, const char *name, char **out,
                     mcp_error_t *err)
{
    int rc = mcp__scopes_parse(text, out);
    if (rc == MCP_EINVAL)
        return mcp__error_set(err, MCP_EINVAL,
                              "%s '%s': scopes are space-separated OAuth scope tokens "
                              "(printable ASCII except '\"' and '\\')",
                              what, name);
    if (rc != MCP_OK)
        return mcp__error_set(err, rc, "out of memory");
    return MCP_OK;
}

int mcp__tools_list(mcp_call_t *call)
{
    return mcp__list_page(call, MCP__TOOL, "tools");
}

/* A tool declaring an outputSchema returned no structuredContent, or one that does not match:
 * what was built is replaced by a tool error naming the JSON path, so that the model and the
 * author both see it (a client would otherwise reject the whole result). */
static void output_mismatch(mcp_call_t *call, const char *why)
{
    mcp_server_log(call->srv, MCP_LOG_WARNING,
                   "tool '%s': output does not match its outputSchema: %s", call->item->key, why);
    json_object_del(call->result, "structuredContent");
    json_array_clear(call->content);
    mcp_call_tool_error(call, "Tool '%s' returned output that does not match its outputSchema: %s",
                        call->item->key, why);
}

/* After the handler: enforce the tool's output schema (unless the result is a tool error), and
 * give older clients a text form of structured content. */
static int tool_finish(mcp_call_t *call)
{
    json_t *sc = NULL, *is_error = NULL, *block;
    size_t i;
    bool has_text = false;
    void *it;

    /* one walk over the result's few members (usually just content) instead of two lookups */
    for (it = json_object_iter(call->result); it; it = json_object_iter_next(call->result, it)) {
        size_t n = json_object_iter_key_len(it);
        if (n == 17 && memcmp(json_object_iter_key(it), "structuredContent", 17) == 0)
            sc = json_object_iter_value(it);
        else if (n == 7 && memcmp(json_object_iter_key(it), "isError", 7) == 0)
            is_error = json_object_iter_value(it);
    }
    if (call->item->output_schema && !json_is_true(is_error)) {
        char why[400];
        if (!sc) {
            output_mismatch(call, "structuredContent: missing");
            return MCP_OK;
        }
        if (mcp__schema_validate_at(call->item->output_schema, call->item->output_patterns, sc,
                                    "structuredContent", why, sizeof why) != MCP_OK) {
            output_mismatch(call, why);
            return MCP_OK;
        }
    }
    if (!sc)
        return MCP_OK;
    json_array_foreach(call->content, i, block)
    {
        const json_t *type = json_object_get(block, "type");
        if (json_is_string(type) && strcmp(json_string_value(type), "text") == 0)
            has_text = true;
    }
    if (!has_text) {
        char *text = json_dumps(sc, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text) {
            json_array_append_new(call->content, mcp__content_text(text, strlen(text)));
            free(text);
        }
    }
    return MCP_OK;
}

/* params' name, arguments and task in one walk over its members instead of three hash
 * lookups (keys are unique and compared with their lengths, as json_object_get() does). */
static void read_params(const json_t *params, const json_t **name, json_t **args,
                        const json_t **task)
{
    void *it;
    *name = *task = NULL;
    *args = NULL;
    for (it = json_object_iter((json_t *)params); it;
         it = json_object_iter_next((json_t *)params, it)) {
        const char *k = json_object_iter_key(it);
        size_t n = json_object_iter_key_len(it);
        if (n == 4 && memcmp(k, "name", 4) == 0)
            *name = json_object_iter_value(it);
        else if (n == 9 && memcmp(k, "arguments", 9) == 0)
            *args = json_object_iter_value(it);
        else if (n == 4 && memcmp(k, "task", 4) == 0)
            *task = json_object_iter_value(it);
    }
}

int mcp__tools_call(mcp_call_t *call)
{
    const json_t *name, *task;
    json_t *args, *filled;
    mcp__item *tool;
    char why[512];
    bool tasky;
    size_t limit;
    int st;

    read_params(call->params, &name, &args, &task);
    if (!json_is_string(name)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"name\" must be a string");
        return MCP_OK;
    }
    tool = mcp__registry_get(&call->srv->reg, MCP__TOOL, json_string_value(name));
    if (tool && !mcp__item_visible(&call->srv->reg, tool, call->sess))
        tool = NULL; /* disabled or hidden: unknown to this client */
    if (!tool) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL, "Unknown tool: %s",
                            json_string_value(name));
        return MCP_OK;
    }
    if (mcp__call_forbid(call, tool, "tool"))
        return MCP_OK; /* 403 insufficient_scope on HTTP */
    if (args && !json_is_object(args)) {
        mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL,
                            "Invalid params: \"arguments\" must be an object");
        return MCP_OK;
    }
    if (!args) /* never added to params: a 2026 requestState is bound to them as sent */
        args = call->vars = json_object();
    call->item = mcp__item_ref(tool);
    call->args = args;
    call->builds = MCP__TOOL;
    call->content = json_array();
    json_object_set_new(call->result, "content", call->content);
    call->finish = tool_finish;
    /* tasks.c only for a tool that offers tasks or a request that asks for one */
    tasky = (tool->flags & (MCP_TOOL_TASK_OPTIONAL | MCP_TOOL_TASK_REQUIRED)) || task;
    if (tasky && mcp__task_begin(call) != 0)
        return MCP_OK; /* tasks.c refused the call: the error is set */

    if (mcp__schema_validate(tool->input_schema, tool->input_patterns, args, why, sizeof why) !=
        MCP_OK) {
        mcp_call_tool_error(call, "Invalid arguments for tool '%s': %s", tool->key, why);
        return MCP_OK;
    }
    filled = tool->input_defaults ? mcp__schema_defaults(tool->input_schema, args)
                                  : NULL; /* NULL: nothing to fill */
    if (filled) {
        json_decref(call->vars); /* the empty object made above, if any */
        args = call->vars = filled;
        call->args = args;
    }
    limit = tool->timeout_ms ? tool->timeout_ms : call->srv->tool_timeout_ms;
    if (tool->flags & MCP_TOOL_BLOCKING) {
        st = mcp__call_run_blocking(call);
        if (st == MCP_PENDING)
            mcp__call_set_timeout(call, limit); /* counted from now, waiting included */
        return st;
    }
    st = tool->fn.tool(call, args, tool->userdata);
    st = tasky ? mcp__task_pending(call, st) : st; /* tasks.c: may become a task now */
    if (st == MCP_PENDING && !call->complete_requested)
        mcp__call_set_timeout(call, limit); /* it replies later: bound how much later */
    return st;
}
