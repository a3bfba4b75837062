/*
 * Tools the 2026-07-28 scenarios of the conformance suite call: multi round-trip requests
 * (input_required / inputResponses / requestState), the missing-capability error, per-request
 * logging, list changes seen on a subscriptions/listen stream, and a tool parameter mirrored into
 * an HTTP header (x-mcp-header). Every one also works on a 2025-era session, where the same
 * questions go to the client as ordinary server->client requests.
 *
 * Each asks through a gather (util.c), so the handler reads the same on both eras: ask, return
 * MCP_PENDING, and build the result in the `done` callback. The gather names each question
 * (mcp_call_set_input_key()), so a 2026-07-28 client sees the keys the suite expects
 * ("user_name", "capital_question", "client_roots", "step1", ...).
 */
#include "everything.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MissingRequiredClientCapabilityError (2026-07-28). */
#define EV_ERROR_MISSING_CAPABILITY (-32021)

static int modern(const mcp_call_t *call)
{
    const char *v = mcp_call_protocol_version(call);
    return v && strcmp(v, MCP_PROTOCOL_2026_07_28) == 0;
}

static json_t *ask_name(const char *message)
{
    json_t *p = ev_json("{\"requestedSchema\":{\"type\":\"object\",\"properties\":{"
                        "\"name\":{\"type\":\"string\"}},\"required\":[\"name\"]}}");
    json_object_set_new(p, "message", json_string(message));
    return p;
}

static json_t *ask_sampling(const char *text, int max_tokens)
{
    return json_pack("{s:[{s:s, s:{s:s, s:s}}], s:i}", "messages", "role", "user", "content",
                     "type", "text", "text", text, "maxTokens", max_tokens);
}

/* The accepted form content's `field` as text, or NULL when the user did not accept. */
static const char *accepted(const json_t *answer, const char *field, char *buf, size_t size)
{
    const json_t *v;
    const char *action = json_string_value(json_object_get(answer, "action"));
    if (!action || strcmp(action, "accept") != 0)
        return NULL;
    v = json_object_get(json_object_get(answer, "content"), field);
    if (json_is_string(v))
        snprintf(buf, size, "%s", json_string_value(v));
    else if (json_is_true(v) || json_is_false(v))
        snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
    else if (json_is_number(v))
        snprintf(buf, size, "%g", json_number_value(v));
    else
        return NULL;
    return buf;
}

static void roots_text(const json_t *answer, char *buf, size_t size)
{
    size_t i, used = 0;
    json_t *root;
    buf[0] = '\0';
    json_array_foreach(json_object_get(answer, "roots"), i, root)
    {
        const char *name = json_string_value(json_object_get(root, "name"));
        int n = snprintf(buf + used, size - used, "%s%s%s%s%s", i ? ", " : "",
                         json_string_value(json_object_get(root, "uri"))
                             ? json_string_value(json_object_get(root, "uri"))
                             : "?",
                         name ? " (" : "", name ? name : "", name ? ")" : "");
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    if (!buf[0])
        snprintf(buf, size, "(none)");
}

/* ---- the missing-capability error -------------------------------------------------------------
 */

static void missing_capability_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    const json_t *r = ev_gather_answer(g, "llm");
    (void)ud;
    if (r)
        mcp_call_text(call, "Sampling answered: %s", ev_sample_text(r));
    else if (ev_gather_missing(g) && modern(call))
        mcp_call_fail_new(call, EV_ERROR_MISSING_CAPABILITY,
                      json_pack("{s:{s:{}}}", "requiredCapabilities", "sampling"),
                      "Missing required client capability: sampling");
    else
        mcp_call_tool_error(call, "This tool needs sampling: %s", ev_gather_failure(g, "llm"));
    mcp_call_complete(call);
}

/* Needs the client's sampling capability: without it a 2026-07-28 request gets -32021. */
static int missing_capability(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, missing_capability_done, NULL, NULL);
    (void)args, (void)ud;
    ev_gather_sample(g, "llm", ask_sampling("Say hello.", 20));
    return ev_gather_end(g);
}

/* ---- logging and a question on the request's own stream ------------------------------------- */

static int logging_tool(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    /* 2026-07-28: sent only when the request carries _meta.../logLevel (libmcp filters). */
    mcp_call_log(call, MCP_LOG_DEBUG, "test_logging_tool", "debug message");
    mcp_call_log(call, MCP_LOG_INFO, "test_logging_tool", "info message");
    mcp_call_log(call, MCP_LOG_WARNING, "test_logging_tool", "warning message");
    return mcp_call_text(call, "Logged three messages (debug, info, warning).");
}

static void streaming_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    char buf[64];
    (void)ud;
    mcp_call_progress(call, 2, 2, "answered");
    if (ev_gather_answer(g, "confirm"))
        mcp_call_text(call, "Streaming elicitation answered: confirm=%s",
                      accepted(ev_gather_answer(g, "confirm"), "confirm", buf, sizeof buf)
                          ? buf
                          : "(declined)");
    else
        mcp_call_tool_error(call, "Elicitation failed: %s", ev_gather_failure(g, "confirm"));
    mcp_call_complete(call);
}

/* Progress and a log line, then an elicitation: on 2026-07-28 the stream carries only
 * notifications and the input_required result, never a server->client request. */
static int streaming_elicitation(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g;
    json_t *p = ev_json("{\"message\":\"Please confirm to continue\",\"requestedSchema\":{"
                        "\"type\":\"object\",\"properties\":{\"confirm\":{\"type\":\"boolean\","
                        "\"description\":\"Continue?\"}},\"required\":[\"confirm\"]}}");
    (void)args, (void)ud;
    mcp_call_log(call, MCP_LOG_INFO, "test_streaming_elicitation", "asking for confirmation");
    mcp_call_progress(call, 1, 2, "asking");
    g = ev_gather_new(call, streaming_done, NULL, NULL);
    ev_gather_elicit(g, "confirm", p);
    return ev_gather_end(g);
}

/* ---- list changes --------------------------------------------------------------------------- */

static int triggered_tool(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return mcp_call_text(call, "I come and go with test_trigger_tool_change.");
}

static int triggered_prompt(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return mcp_call_prompt_text(call, "user", "I come and go with test_trigger_prompt_change.");
}

/* Each call adds test_triggered_tool, or removes it when present: clients get
 * notifications/tools/list_changed (session, GET stream or subscriptions/listen). */
static int trigger_tool_change(mcp_call_t *call, const json_t *args, void *ud)
{
    mcp_server_t *srv = mcp_call_server(call);
    int rc;
    (void)args, (void)ud;
    if (mcp_server_remove_tool(srv, "test_triggered_tool") == MCP_OK)
        return mcp_call_text(call, "Removed test_triggered_tool; the tool list changed.");
    rc = mcp_server_add_tool(
        srv,
        &(mcp_tool_t){.name = "test_triggered_tool",
                      .description = "Added and removed by test_trigger_tool_change",
                      .handler = triggered_tool},
        NULL);
    return rc != MCP_OK ? rc
                        : mcp_call_text(call, "Added test_triggered_tool; the tool list changed.");
}

static int trigger_prompt_change(mcp_call_t *call, const json_t *args, void *ud)
{
    mcp_server_t *srv = mcp_call_server(call);
    int rc;
    (void)args, (void)ud;
    if (mcp_server_remove_prompt(srv, "test_triggered_prompt") == MCP_OK)
        return mcp_call_text(call, "Removed test_triggered_prompt; the prompt list changed.");
    rc = mcp_server_add_prompt(
        srv,
        &(mcp_prompt_t){.name = "test_triggered_prompt",
                        .description = "Added and removed by test_trigger_prompt_change",
                        .handler = triggered_prompt},
        NULL);
    return rc != MCP_OK
               ? rc
               : mcp_call_text(call, "Added test_triggered_prompt; the prompt list changed.");
}

/* ---- multi round-trip requests (SEP-2322) -----------------------------------------------------
 */

static void elicit_name_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    char buf[256];
    (void)ud;
    if (!ev_gather_answer(g, "user_name"))
        mcp_call_tool_error(call, "No name: %s", ev_gather_failure(g, "user_name"));
    else if (accepted(ev_gather_answer(g, "user_name"), "name", buf, sizeof buf))
        mcp_call_text(call, "Hello, %s!", buf);
    else
        mcp_call_text(call, "Hello, whoever you are (the question was declined)!");
    mcp_call_complete(call);
}

static int ir_elicitation(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, elicit_name_done, NULL, NULL);
    (void)args, (void)ud;
    ev_gather_elicit(g, "user_name", ask_name("What is your name?"));
    return ev_gather_end(g);
}

static void sampling_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    const json_t *r = ev_gather_answer(g, "capital_question");
    (void)ud;
    if (r)
        mcp_call_text(call, "The model answered: %s", ev_sample_text(r));
    else
        mcp_call_tool_error(call, "No answer: %s", ev_gather_failure(g, "capital_question"));
    mcp_call_complete(call);
}

static int ir_sampling(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, sampling_done, NULL, NULL);
    (void)args, (void)ud;
    ev_gather_sample(g, "capital_question", ask_sampling("What is the capital of France?", 100));
    return ev_gather_end(g);
}

static void roots_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    char buf[1024];
    (void)ud;
    if (ev_gather_answer(g, "client_roots")) {
        roots_text(ev_gather_answer(g, "client_roots"), buf, sizeof buf);
        mcp_call_text(call, "Client roots: %s", buf);
    } else {
        mcp_call_tool_error(call, "No roots: %s", ev_gather_failure(g, "client_roots"));
    }
    mcp_call_complete(call);
}

static int ir_list_roots(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, roots_done, NULL, NULL);
    (void)args, (void)ud;
    ev_gather_roots(g, "client_roots");
    return ev_gather_end(g);
}

static void confirm_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    char buf[16];
    (void)ud;
    if (!ev_gather_answer(g, "confirm"))
        mcp_call_tool_error(call, "No confirmation: %s", ev_gather_failure(g, "confirm"));
    else /* reaching here on 2026-07-28 means libmcp verified the signed requestState */
        mcp_call_text(call, "state-ok: confirmed=%s",
                      accepted(ev_gather_answer(g, "confirm"), "ok", buf, sizeof buf) ? buf : "no");
    mcp_call_complete(call);
}

static int ir_confirm(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, confirm_done, NULL, NULL);
    (void)args, (void)ud;
    ev_gather_elicit(g, "confirm",
                     ev_json("{\"message\":\"Please confirm\",\"requestedSchema\":{\"type\":"
                             "\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}},"
                             "\"required\":[\"ok\"]}}"));
    return ev_gather_end(g);
}

static void multiple_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    char name[128], roots[512];
    const json_t *greeting = ev_gather_answer(g, "greeting");
    (void)ud;
    if (ev_gather_answer(g, "client_roots"))
        roots_text(ev_gather_answer(g, "client_roots"), roots, sizeof roots);
    else
        snprintf(roots, sizeof roots, "(%s)", ev_gather_failure(g, "client_roots"));
    mcp_call_text(call, "name=%s; greeting=%s; roots=%s",
                  accepted(ev_gather_answer(g, "user_name"), "name", name, sizeof name) ? name
                                                                                        : "(none)",
                  greeting ? ev_sample_text(greeting) : "(none)", roots);
    mcp_call_complete(call);
}

/* Three questions in one round: elicitation, sampling and roots (each only if declared). */
static int ir_multiple(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, multiple_done, NULL, NULL);
    (void)args, (void)ud;
    ev_gather_elicit(g, "user_name", ask_name("What is your name?"));
    ev_gather_sample(g, "greeting", ask_sampling("Generate a greeting", 50));
    ev_gather_roots(g, "client_roots");
    return ev_gather_end(g);
}

static void step2_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    char color[128];
    char *name = ud;
    if (!accepted(ev_gather_answer(g, "step2"), "color", color, sizeof color))
        snprintf(color, sizeof color, "unknown");
    mcp_call_text(call, "%s's favorite color is %s.", name, color);
    mcp_call_complete(call);
}

static void step1_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    char name[128];
    char *copy;
    ev_gather *g2;
    (void)ud;
    if (!accepted(ev_gather_answer(g, "step1"), "name", name, sizeof name))
        snprintf(name, sizeof name, "Someone");
    /* round two depends on round one's answer: the second question is asked from here */
    copy = strdup(name);
    g2 = copy ? ev_gather_new(call, step2_done, copy, free) : NULL;
    if (!g2) {
        free(copy);
        mcp_call_fail_new(call, MCP_JSONRPC_INTERNAL_ERROR, NULL, "out of memory");
        mcp_call_complete(call);
        return;
    }
    ev_gather_elicit(g2, "step2",
                     ev_json("{\"message\":\"Step 2: What is your favorite color?\","
                             "\"requestedSchema\":{\"type\":\"object\",\"properties\":{"
                             "\"color\":{\"type\":\"string\"}},\"required\":[\"color\"]}}"));
    ev_gather_end(g2);
}

static int ir_multi_round(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, step1_done, NULL, NULL);
    (void)args, (void)ud;
    ev_gather_elicit(g, "step1", ask_name("Step 1: What is your name?"));
    return ev_gather_end(g);
}

static void capabilities_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    char name[128];
    const json_t *llm = ev_gather_answer(g, "llm");
    (void)ud;
    mcp_call_text(call, "elicitation: %s; sampling: %s",
                  ev_gather_answer(g, "user_name")
                      ? (accepted(ev_gather_answer(g, "user_name"), "name", name, sizeof name)
                             ? name
                             : "(declined)")
                      : ev_gather_failure(g, "user_name"),
                  llm ? ev_sample_text(llm) : ev_gather_failure(g, "llm"));
    mcp_call_complete(call);
}

/* Asks only what the client declared: libmcp refuses (MCP_ESTATE) the rest before sending. */
static int ir_capabilities(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, capabilities_done, NULL, NULL);
    (void)args, (void)ud;
    ev_gather_elicit(g, "user_name", ask_name("What is your name?"));
    ev_gather_sample(g, "llm", ask_sampling("Say hello.", 20));
    return ev_gather_end(g);
}

static void prompt_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    char context[512];
    (void)ud;
    if (!accepted(ev_gather_answer(g, "user_context"), "context", context, sizeof context))
        snprintf(context, sizeof context, "(no context given)");
    mcp_call_prompt_text(call, "user", "Answer using this context: %s", context);
    mcp_call_complete(call);
}

/* prompts/get may ask the client too. */
static int ir_prompt(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, prompt_done, NULL, NULL);
    json_t *p = ev_json("{\"message\":\"What context should the prompt use?\","
                        "\"requestedSchema\":{\"type\":\"object\",\"properties\":{"
                        "\"context\":{\"type\":\"string\"}},\"required\":[\"context\"]}}");
    (void)args, (void)ud;
    ev_gather_elicit(g, "user_context", p);
    return ev_gather_end(g);
}

/* ---- a parameter mirrored into an HTTP header (SEP-2243) --------------------------------------
 */

static int header_param(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)ud;
    return mcp_call_text(call, "region=%s", json_string_value(json_object_get(args, "region")));
}

/* ---- registration -------------------------------------------------------------------------------
 */

static const mcp_tool_t tools[] = {
    {.name = "test_missing_capability",
     .description = "Needs the client's sampling capability: a 2026-07-28 request without it "
                    "gets MissingRequiredClientCapability (-32021)",
     .handler = missing_capability},
    {.name = "test_logging_tool",
     .description = "Logs three messages; on 2026-07-28 only when the request sets a log level",
     .handler = logging_tool},
    {.name = "test_streaming_elicitation",
     .description = "Reports progress, logs, then asks the user to confirm (elicitation)",
     .handler = streaming_elicitation},
    {.name = "test_trigger_tool_change",
     .description = "Adds or removes test_triggered_tool, so the tool list changes",
     .handler = trigger_tool_change},
    {.name = "test_trigger_prompt_change",
     .description = "Adds or removes test_triggered_prompt, so the prompt list changes",
     .handler = trigger_prompt_change},
    {.name = "test_input_required_result_elicitation",
     .description = "Asks the user's name (elicitation), then greets them",
     .handler = ir_elicitation},
    {.name = "test_input_required_result_sampling",
     .description = "Asks the client's model the capital of France (sampling)",
     .handler = ir_sampling},
    {.name = "test_input_required_result_list_roots",
     .description = "Asks the client for its roots (roots/list) and lists them",
     .handler = ir_list_roots},
    {.name = "test_input_required_result_request_state",
     .description = "Asks for a confirmation; the answer comes back with the signed requestState",
     .handler = ir_confirm},
    {.name = "test_input_required_result_tampered_state",
     .description = "Asks for a confirmation; a retry with an altered requestState is refused",
     .handler = ir_confirm},
    {.name = "test_input_required_result_multiple_inputs",
     .description = "Asks three questions at once: elicitation, sampling and roots",
     .handler = ir_multiple},
    {.name = "test_input_required_result_multi_round",
     .description = "Asks a name, then (a second round) a favorite color",
     .handler = ir_multi_round},
    {.name = "test_input_required_result_capabilities",
     .description = "Asks by elicitation and sampling, but only what the client declared",
     .handler = ir_capabilities},
    {.name = "test_header_param",
     .description = "Echoes `region`, which Streamable HTTP clients mirror into the "
                    "Mcp-Param-Region header (x-mcp-header)",
     .input_schema = "{\"type\":\"object\",\"properties\":{\"region\":{\"type\":\"string\","
                     "\"description\":\"A region name\",\"x-mcp-header\":\"Region\"}},"
                     "\"required\":[\"region\"]}",
     .handler = header_param,
     .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_IDEMPOTENT},
};

int ev_add_modern(mcp_server_t *srv, mcp_error_t *err)
{
    size_t i;
    int rc = MCP_OK;

    for (i = 0; rc == MCP_OK && i < sizeof tools / sizeof tools[0]; i++)
        rc = mcp_server_add_tool(srv, &tools[i], err);
    if (rc == MCP_OK)
        rc = mcp_server_add_prompt(
            srv,
            &(mcp_prompt_t){.name = "test_input_required_result_prompt",
                            .title = "Prompt That Asks",
                            .description = "Asks the user for context (elicitation) before "
                                           "building its message",
                            .handler = ir_prompt},
            err);
    return rc;
}
