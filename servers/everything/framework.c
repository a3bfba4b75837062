/*
 * The framework around the protocol: what libmcp does for a tool author beyond the wire format
 * (output schema enforcement, schema defaults, ...), one small tool per feature.
 */
#include "everything.h"

#include <stdlib.h>
#include <string.h>

/* outputSchema enforcement: `mode` picks a matching result, a wrong one, or none at all; libmcp
 * turns the last two into a tool error naming the JSON path before anything is sent. */
static int checked_output(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *mode = json_string_value(json_object_get(args, "mode"));
    (void)ud;
    if (strcmp(mode, "missing") == 0)
        return mcp_call_text(call, "no structured content at all");
    if (strcmp(mode, "wrong") == 0)
        return mcp_call_structured_new(call,
                                       json_pack("{s:s, s:{s:s}}", "city", "Paris", "reading",
                                                 "celsius", "warm"));
    return mcp_call_structured_new(call, json_pack("{s:s, s:{s:f}}", "city", "Paris", "reading",
                                                   "celsius", 21.5));
}

/* Schema defaults: the handler sees `days`, `units` and `options.detail` filled in from the
 * input schema when the client leaves them out; the typed accessors read them in one line. */
static int forecast(mcp_call_t *call, const json_t *args, void *ud)
{
    const json_t *opts = json_object_get(args, "options");
    char *seen = json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS);
    int rc;
    (void)ud;
    rc = mcp_call_text(call, "%lld-day forecast for %s in %s units%s; arguments seen: %s",
                       mcp_arg_int(args, "days", 0), mcp_arg_string(args, "city", "?"),
                       mcp_arg_string(args, "units", "?"),
                       mcp_arg_bool(opts, "detail", 0) ? ", detailed" : "", seen ? seen : "?");
    free(seen);
    return rc;
}

/* URL elicitation required (-32042, 2025-11-25): without a finished connection the request is
 * refused with the URL the user must visit; the user "finishes" there 100 ms later (the demo
 * counts the id as connected at once), the server says so with
 * notifications/elicitation/complete, and the client retries with the id. */
static char connected[16][32]; /* ids whose out-of-band step finished (a ring) */
static unsigned nconnected;

static int connect_account(mcp_call_t *call, const json_t *args, void *ud)
{
    static unsigned seq;
    const char *id = mcp_arg_string(args, "elicitation_id", NULL);
    char fresh[32], url[96];
    unsigned i;
    int rc;
    (void)ud;
    for (i = 0; id && i < 16; i++)
        if (strcmp(connected[i], id) == 0)
            return mcp_call_text(call, "Account connected (%s).", id);
    snprintf(fresh, sizeof fresh, "account-%u", ++seq);
    snprintf(url, sizeof url, "https://example.com/connect?session=%s", fresh);
    rc = mcp_call_fail_url_elicitation(call, fresh, url, "Connect your example.com account");
    if (rc == MCP_ESTATE)
        return mcp_call_tool_error(call, "Connecting needs a 2025-11-25 client that supports URL "
                                         "elicitation");
    if (rc == MCP_OK) {
        snprintf(connected[nconnected++ % 16], sizeof connected[0], "%s", fresh);
        ev_elicitation_complete_later(mcp_call_server(call), fresh, 100);
    }
    return rc;
}

/* Visibility: beta_report carries the tag "beta", off server-wide; unlock_beta shows it to the
 * calling session alone (2025 era), and set_tool_enabled hides or shows any tool for everyone.
 * Each change sends the client notifications/tools/list_changed. */
static int beta_report(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_text(call, "Beta report: all systems nominal.");
}

static int unlock_beta(mcp_call_t *call, const json_t *args, void *ud)
{
    int on = mcp_arg_bool(args, "enabled", 1);
    int rc = mcp_call_session_enable_tag(call, "beta", on);
    (void)ud;
    if (rc == MCP_ENOTSUP)
        return mcp_call_tool_error(call, "Only a client with a session (2025 era) can unlock "
                                         "beta tools");
    if (rc != MCP_OK)
        return rc;
    return mcp_call_text(call, "Beta tools are now %s for this session.", on ? "shown" : "hidden");
}

static int set_tool_enabled(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *name = mcp_arg_string(args, "name", "");
    int on = mcp_arg_bool(args, "enabled", 1);
    (void)ud;
    if (mcp_server_enable_tool(mcp_call_server(call), name, on) != MCP_OK)
        return mcp_call_tool_error(call, "No tool named '%s'.", name);
    return mcp_call_text(call, "Tool '%s' is now %s for everyone.", name,
                         on ? "enabled" : "disabled");
}

/* Extensions and custom methods: the server declares "com.example/echo" and serves the request
 * method "example/echo", which answers with its params and what the client declared for the
 * extension (null when it did not). */
static int example_echo(mcp_call_t *call, const json_t *params, void *ud)
{
    json_t *copy = params ? json_deep_copy(params) : json_object();
    const json_t *ext = mcp_call_client_extension(call, "com.example/echo");
    (void)ud;
    json_object_del(copy, "_meta");
    json_object_set_new(mcp_call_result(call), "echoed", copy);
    json_object_set_new(mcp_call_result(call), "clientExtension",
                        ext ? json_deep_copy(ext) : json_null());
    return MCP_OK;
}

static const mcp_tool_t tools[] = {
    {.name = "beta_report",
     .description = "A beta feature: hidden until unlock_beta shows the \"beta\" tag",
     .tags = "beta",
     .handler = beta_report,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "unlock_beta",
     .description = "Show (or hide) the tools tagged \"beta\" to this session only",
     .input_schema = "enabled?: boolean default=true",
     .handler = unlock_beta},
    {.name = "set_tool_enabled",
     .description = "Enable or disable a tool for every client",
     .input_schema = "name: string, enabled: boolean",
     .handler = set_tool_enabled},
    {.name = "connect_account",
     .description = "Needs a connected account: answers -32042 (URL elicitation required) with "
                    "the URL, then notifications/elicitation/complete; retry with the id",
     .input_schema = "elicitation_id?: string 'The id from the URL elicitation, once complete'",
     .handler = connect_account},
    {.name = "forecast",
     .description = "A made-up forecast; shows the arguments as the handler sees them, with the "
                    "schema's defaults filled in",
     .input_schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
                     "\"days\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":7,\"default\":3},"
                     "\"units\":{\"enum\":[\"metric\",\"imperial\"],\"default\":\"metric\"},"
                     "\"options\":{\"$ref\":\"#/$defs/options\"}},\"required\":[\"city\"],"
                     "\"$defs\":{\"options\":{\"type\":\"object\",\"properties\":{\"detail\":"
                     "{\"type\":\"boolean\",\"default\":true}}}}}",
     .handler = forecast,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "checked_output",
     .description = "Returns structured output that matches its outputSchema (mode=ok), does not "
                    "(mode=wrong), or is missing (mode=missing); libmcp enforces the schema",
     .input_schema = "mode: string enum=ok|wrong|missing",
     .output_schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
                      "\"reading\":{\"type\":\"object\",\"properties\":{\"celsius\":"
                      "{\"type\":\"number\"}},\"required\":[\"celsius\"]}},"
                      "\"required\":[\"city\",\"reading\"]}",
     .handler = checked_output,
     .flags = MCP_TOOL_READ_ONLY},
};

int ev_add_framework(mcp_server_t *srv, mcp_error_t *err)
{
    size_t i;
    int rc = MCP_OK;

    for (i = 0; rc == MCP_OK && i < sizeof tools / sizeof tools[0]; i++)
        rc = mcp_server_add_tool(srv, &tools[i], err);
    if (rc == MCP_OK)
        rc = mcp_server_enable_tag(srv, "beta", 0);
    if (rc == MCP_OK)
        rc = mcp_server_add_extension(srv, "com.example/echo", "{\"version\":1}");
    if (rc == MCP_OK)
        rc = mcp_server_add_method(srv, "example/echo", example_echo, NULL, NULL);
    /* 2026-07-28 cache hints: the templates never change; the prompt list changes at run time
     * (the suite's dynamic items), so it stays fresh for a few seconds only */
    if (rc == MCP_OK)
        rc = mcp_server_set_cache(srv, MCP_CACHE_TEMPLATES_LIST, 600000, MCP_CACHE_PUBLIC);
    if (rc == MCP_OK)
        rc = mcp_server_set_cache(srv, MCP_CACHE_PROMPTS_LIST, 5000, MCP_CACHE_PUBLIC);
    return rc;
}
