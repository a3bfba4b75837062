/*
 * MCP Apps (extension io.modelcontextprotocol/ui): app views as ui:// resources served as
 * text/html;profile=mcp-app with their `_meta.ui` (mcp_server_add_app, mcp_call_app_html), and
 * whether the client renders them (mcp_call_client_supports_apps). Tools name their view in
 * tools.c (mcp_tool_t.app_uri).
 */
#include "features/features.h"

int mcp_call_client_supports_apps(const mcp_call_t *call)
{
    const json_t *ui = mcp_call_client_extension(call, MCP_APP_EXTENSION);
    const json_t *types = json_object_get(ui, "mimeTypes");
    size_t i;
    json_t *t;

    json_array_foreach(types, i,
                       t) if (json_is_string(t) &&
                              strcmp(json_string_value(t), MCP_APP_MIME_TYPE) == 0) return 1;
    return 0;
}

typedef struct app_page {
    char *html;
} app_page;

static void app_page_free(void *ud)
{
    app_page *p = ud;
    if (p)
        free(p->html);
    free(p);
}

static int app_read(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    (void)vars;
    return mcp_call_app_html(call, uri, ((app_page *)ud)->html);
}

int mcp_call_app_html(mcp_call_t *call, const char *uri, const char *html)
{
    const json_t *ui;
    json_t *block;
    int rc;

    if (!call || !uri || !html)
        return MCP_EINVAL;
    rc = mcp_call_resource_text(call, uri, MCP_APP_MIME_TYPE, html);
    ui = call->item ? json_object_get(json_object_get(call->item->def, "_meta"), "ui") : NULL;
    block = json_array_get(call->content, json_array_size(call->content) - 1);
    if (rc == MCP_OK && json_is_object(ui) && block)
        rc = json_object_set_new(block, "_meta", json_pack("{s:O}", "ui", ui)) == 0 ? MCP_OK
                                                                                    : MCP_ENOMEM;
    return rc;
}

int mcp_server_add_app(mcp_server_t *srv, const mcp_app_t *app, mcp_error_t *err)
{
    json_t *ui = NULL, *meta = NULL;
    char *meta_text = NULL;
    app_page *page = NULL;
    int rc = MCP_OK;

    if (!srv || !app || !app->uri || strncmp(app->uri, "ui://", 5) != 0 || !app->uri[5])
        return mcp__error_set(err, MCP_EINVAL, "app '%s': the URI must start with ui://",
                              app && app->uri ? app->uri : "(null)");
    if (!app->html == !app->handler)
        return mcp__error_set(err, MCP_EINVAL, "app '%s': needs html or a handler (one)", app->uri);
    ui = mcp__json_text(app->ui_meta, "ui_meta", JSON_OBJECT, err, &rc);
    if (rc != MCP_OK)
        return rc;
    if (ui &&
        (!(meta = json_pack("{s:o}", "ui", ui)) || !(meta_text = json_dumps(meta, JSON_COMPACT)))) {
        json_decref(meta);
        return mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    json_decref(meta);
    if (app->html && (!(page = calloc(1, sizeof *page)) || !(page->html = strdup(app->html)))) {
        free(page);
        free(meta_text);
        return mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    rc = mcp_server_add_resource(
        srv,
        &(mcp_resource_t){.uri = app->uri,
                          .name = app->name,
                          .title = app->title,
                          .description = app->description,
                          .mime_type = MCP_APP_MIME_TYPE,
                          .handler = page ? app_read : app->handler,
                          .userdata = page ? (void *)page : app->userdata,
                          .free_userdata = page ? app_page_free : app->free_userdata,
                          .meta = meta_text},
        err);
    free(meta_text);
    if (rc != MCP_OK) {
        app_page_free(page); /* a failed registration never calls free_userdata */
        return rc;
    }
    return mcp_server_add_extension(srv, MCP_APP_EXTENSION, NULL);
}
