/*
 * The ready-made request log middleware (mcp_server_use_request_log): one JSON object per line
 * for each request, with its duration and outcome. Uses the public API only.
 */
#include "app/app.h"

#include <time.h>

typedef struct reqlog {
    FILE *out;
    int notifications;
} reqlog;

/* Fill the fields every line has; returns a new object (NULL when out of memory). */
static json_t *line_begin(const mcp_request_info_t *req)
{
    struct timespec ts;
    struct tm tm;
    char when[96];
    json_t *line = json_object();
    const json_t *sub = json_object_get(req->principal, "sub");

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (long)(ts.tv_nsec / 1000000) % 1000);
    if (!line)
        return NULL;
    json_object_set_new(line, "ts", json_string(when));
    json_object_set_new(line, "method", json_string(req->method));
    if (req->name)
        json_object_set_new(line, "name", json_string(req->name));
    json_object_set_new(line, "client", json_string(req->client));
    if (json_is_string(sub))
        json_object_set_new(line, "sub", json_incref((json_t *)sub));
    if (req->protocol_version)
        json_object_set_new(line, "protocol", json_string(req->protocol_version));
    return line;
}

static void line_end(reqlog *rl, json_t *line)
{
    char *text =
        line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4)) : NULL;
    if (text) {
        fprintf(rl->out ? rl->out : stderr, "%s\n", text);
        fflush(rl->out ? rl->out : stderr);
    }
    free(text);
    json_decref(line);
}

static int on_request(const mcp_request_info_t *req, void *ud)
{
    reqlog *rl = ud;
    json_t *line;

    if (req->call || !rl->notifications)
        return MCP_OK;
    line = line_begin(req);
    if (line)
        json_object_set_new(line, "outcome", json_string("notification"));
    line_end(rl, line);
    return MCP_OK;
}

static void on_response(const mcp_request_info_t *req, const mcp_outcome_t *out, void *ud)
{
    json_t *line = line_begin(req);
    const char *outcome = out->cancelled    ? "cancelled"
                          : out->error_code ? "error"
                          : out->tool_error ? "tool_error"
                                            : "ok";
    if (!line)
        return;
    json_object_set_new(line, "ms", json_real(out->duration_ms));
    json_object_set_new(line, "outcome", json_string(outcome));
    if (out->error_code) {
        json_object_set_new(line, "code", json_integer(out->error_code));
        if (out->error_message)
            json_object_set_new(line, "message", json_string(out->error_message));
    }
    line_end(ud, line);
}

int mcp_server_use_request_log(mcp_server_t *srv, FILE *out, int notifications)
{
    reqlog *rl = calloc(1, sizeof *rl);
    int rc;

    if (!rl)
        return MCP_ENOMEM;
    rl->out = out;
    rl->notifications = notifications;
    rc = mcp_server_use(srv, &(mcp_middleware_t){.name = "request-log",
                                                 .request = on_request,
                                                 .response = on_response,
                                                 .userdata = rl,
                                                 .free_userdata = free});
    if (rc != MCP_OK)
        free(rl);
    return rc;
}
