/*
 * What the author sets on a server: its identity (name, version, title, description, website,
 * icons, instructions) and the serverInfo object built from it, the limits (mcp_limit), and the
 * server's own log, which goes to stderr (never stdout: in STDIO mode stdout is the protocol).
 */
#include "core/core.h"

#include <stdarg.h>

static int set_string(mcp_server_t *srv, char **field, const char *value)
{
    char *copy = NULL;
    if (!srv)
        return MCP_EINVAL;
    if (value && !(copy = strdup(value)))
        return MCP_ENOMEM;
    free(*field);
    *field = copy;
    json_decref(srv->info);
    srv->info = NULL;
    return MCP_OK;
}

int mcp_server_set_title(mcp_server_t *srv, const char *title)
{
    return set_string(srv, srv ? &srv->title : NULL, title);
}

int mcp_server_set_description(mcp_server_t *srv, const char *description)
{
    return set_string(srv, srv ? &srv->description : NULL, description);
}

int mcp_server_set_website_url(mcp_server_t *srv, const char *url)
{
    return set_string(srv, srv ? &srv->website_url : NULL, url);
}

int mcp_server_set_instructions(mcp_server_t *srv, const char *instructions)
{
    return set_string(srv, srv ? &srv->instructions : NULL, instructions);
}

int mcp_server_set_icons(mcp_server_t *srv, const char *icons_json)
{
    int rc;
    json_t *icons;
    if (!srv)
        return MCP_EINVAL;
    icons = mcp__json_text(icons_json, "icons", JSON_ARRAY, NULL, &rc);
    if (rc != MCP_OK)
        return rc;
    json_decref(srv->icons);
    srv->icons = icons;
    json_decref(srv->info);
    srv->info = NULL;
    return MCP_OK;
}

int mcp_server_set_limit(mcp_server_t *srv, mcp_limit which, size_t value)
{
    if (!srv ||
        (value == 0 && which != MCP_LIMIT_TOOL_TIMEOUT_MS && which != MCP_LIMIT_PING_INTERVAL_MS))
        return MCP_EINVAL;
    switch (which) {
    case MCP_LIMIT_PAGE_SIZE:
        srv->page_size = value;
        return MCP_OK;
    case MCP_LIMIT_MESSAGE_BYTES:
        srv->max_message = value;
        return MCP_OK;
    case MCP_LIMIT_JSON_DEPTH:
        srv->max_depth = value;
        return MCP_OK;
    case MCP_LIMIT_BATCH_ITEMS:
        srv->max_batch = value;
        return MCP_OK;
    case MCP_LIMIT_INFLIGHT:
        srv->max_inflight = value;
        return MCP_OK;
    case MCP_LIMIT_REQUEST_TIMEOUT_MS:
        srv->request_timeout_ms = value;
        return MCP_OK;
    case MCP_LIMIT_URI_BYTES:
        srv->max_uri = value;
        return MCP_OK;
    case MCP_LIMIT_SUBSCRIPTIONS:
        srv->max_subscriptions = value;
        return MCP_OK;
    case MCP_LIMIT_TASKS_PER_CLIENT:
        srv->max_tasks_per_client = value;
        return MCP_OK;
    case MCP_LIMIT_REQUEST_STATES:
        srv->max_request_states = value;
        return MCP_OK;
    case MCP_LIMIT_LOG_RATE:
        srv->log_rate = value;
        return MCP_OK;
    case MCP_LIMIT_LOG_BURST:
        srv->log_burst = value;
        return MCP_OK;
    case MCP_LIMIT_TOOL_TIMEOUT_MS:
        srv->tool_timeout_ms = value;
        return MCP_OK;
    case MCP_LIMIT_POOL_PER_CLIENT:
        srv->pool_per_client = value;
        return MCP_OK;
    case MCP_LIMIT_PING_INTERVAL_MS:
        srv->ping_interval_ms = value;
        return MCP_OK;
    case MCP_LIMIT_MOUNT_HELD:
        srv->mount_held = value;
        return MCP_OK;
    case MCP_LIMIT_MOUNT_HELD_MS:
        srv->mount_held_ms = value;
        return MCP_OK;
    }
    return MCP_EINVAL;
}

json_t *mcp__server_info(mcp_server_t *srv)
{
    if (!srv->info) {
        json_t *i = json_pack("{s:s, s:s}", "name", srv->name, "version", srv->version);
        if (!i)
            return NULL;
        if (srv->title)
            json_object_set_new(i, "title", json_string(srv->title));
        if (srv->description)
            json_object_set_new(i, "description", json_string(srv->description));
        if (srv->website_url)
            json_object_set_new(i, "websiteUrl", json_string(srv->website_url));
        if (srv->icons)
            json_object_set(i, "icons", srv->icons);
        srv->info = i;
    }
    return json_incref(srv->info);
}

void mcp_server_set_log_level(mcp_server_t *srv, mcp_log_level level)
{
    if (srv && mcp_log_level_name(level))
        srv->log_level = level;
}

void mcp__logv(mcp_server_t *srv, mcp_log_level level, const char *fmt, va_list ap)
{
    char line[1024];
    int n;
    if (!srv || level < srv->log_level)
        return;
    n = snprintf(line, sizeof line, "%s: %s: ", srv->name, mcp_log_level_name(level));
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    /* One fprintf per line keeps lines whole when several threads log. */
    fprintf(stderr, "%s\n", line);
}

void mcp_server_log(mcp_server_t *srv, mcp_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mcp__logv(srv, level, fmt, ap);
    va_end(ap);
}
