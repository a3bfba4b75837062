/*
 * The 2025-era fixture contract of the official MCP conformance suite: every tool, resource and
 * prompt its server scenarios call, with the names, URIs, texts, MIME types and schemas its
 * checks look for (tests/conformance/README.md lists the scenarios). The suite's reference
 * fixture behaves the same way; these are our own implementations on the libmcp API.
 */
#include "everything.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- plain content ------------------------------------------------------------------------- */

static int simple_text(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return mcp_call_text(call, "This is a simple text response for testing.");
}

static int image_content(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return mcp_call_image(call, ev_png, ev_png_len, "image/png");
}

static int audio_content(mcp_call_t *call, const json_t *args, void *ud)
{
    size_t len;
    const unsigned char *wav = ev_wav(&len);
    (void)args, (void)ud;
    return mcp_call_audio(call, wav, len, "audio/wav");
}

static int embedded_resource(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return mcp_call_embedded_text(call, "test://embedded-resource", "text/plain",
                                  "This is an embedded resource content.");
}

static int multiple_content_types(mcp_call_t *call, const json_t *args, void *ud)
{
    int rc;
    (void)args, (void)ud;
    rc = mcp_call_text(call, "Multiple content types test:");
    if (rc == MCP_OK)
        rc = mcp_call_image(call, ev_png, ev_png_len, "image/png");
    if (rc == MCP_OK)
        rc = mcp_call_embedded_text(call, "test://mixed-content-resource", "application/json",
                                    "{\"test\":\"data\",\"value\":123}");
    return rc;
}

static int error_handling(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return mcp_call_tool_error(call, "This tool intentionally returns an error for testing");
}

/* ---- logging and progress: three steps ~50 ms apart on the loop ----------------------------- */

static const char *const log_steps[] = {"Tool execution started", "Tool processing data",
                                        "Tool execution completed"};

static void logging_step(mcp_call_t *call, void *ud)
{
    size_t step = (size_t)ud;
    mcp_call_log(call, MCP_LOG_INFO, "test_tool_with_logging", "%s", log_steps[step]);
    if (step + 1 < sizeof log_steps / sizeof log_steps[0] &&
        ev_after(call, 50, logging_step, (void *)(step + 1)) == MCP_OK)
        return;
    mcp_call_text(call, "Tool with logging executed successfully");
    mcp_call_complete(call);
}

static int tool_with_logging(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    mcp_call_log(call, MCP_LOG_INFO, "test_tool_with_logging", "%s", log_steps[0]);
    if (ev_after(call, 50, logging_step, (void *)(size_t)1) != MCP_OK)
        return MCP_ENOMEM;
    return MCP_PENDING;
}

static void progress_step(mcp_call_t *call, void *ud)
{
    size_t pct = (size_t)ud;
    char msg[64];
    snprintf(msg, sizeof msg, "Completed step %zu of 100", pct);
    mcp_call_progress(call, (double)pct, 100, msg);
    if (pct < 100 && ev_after(call, 50, progress_step, (void *)(pct + 50)) == MCP_OK)
        return;
    mcp_call_text(call, "Progress reported: 0, 50 and 100 of 100");
    mcp_call_complete(call);
}

static int tool_with_progress(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    mcp_call_progress(call, 0, 100, "Completed step 0 of 100");
    if (ev_after(call, 50, progress_step, (void *)(size_t)50) != MCP_OK)
        return MCP_ENOMEM;
    return MCP_PENDING;
}

/* ---- asking the client ----------------------------------------------------------------------- */

static void sampling_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    const json_t *r = ev_gather_answer(g, "llm");
    (void)ud;
    if (r)
        mcp_call_text(call, "LLM response: %s", ev_sample_text(r));
    else
        mcp_call_tool_error(call, "Sampling not supported or error: %s", ev_gather_failure(g, "llm"));
    mcp_call_complete(call);
}

static int sampling(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, sampling_done, NULL, NULL);
    (void)ud;
    ev_gather_sample(g, "llm",
                     json_pack("{s:[{s:s, s:{s:s, s:O}}], s:i}", "messages", "role", "user",
                               "content", "type", "text", "text", json_object_get(args, "prompt"),
                               "maxTokens", 100));
    return ev_gather_end(g);
}

/* "User response: action=accept, content={...}" for every elicitation fixture. */
static void elicitation_text(mcp_call_t *call, ev_gather *g, const char *prefix)
{
    const json_t *r = ev_gather_answer(g, "form");
    char *content;
    if (!r) {
        mcp_call_tool_error(call, "Elicitation not supported or error: %s",
                       ev_gather_failure(g, "form"));
        return;
    }
    content = json_object_get(r, "content")
                  ? json_dumps(json_object_get(r, "content"), JSON_COMPACT)
                  : NULL;
    mcp_call_text(call, "%s: action=%s, content=%s", prefix,
                  json_string_value(json_object_get(r, "action"))
                      ? json_string_value(json_object_get(r, "action"))
                      : "?",
                  content ? content : "{}");
    free(content);
}

static void elicitation_done(mcp_call_t *call, ev_gather *g, void *ud)
{
    elicitation_text(call, g, ud ? (const char *)ud : "User response");
    mcp_call_complete(call);
}

static int elicitation(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, elicitation_done, NULL, NULL);
    json_t *params =
        ev_json("{\"requestedSchema\":{\"type\":\"object\",\"properties\":{"
                "\"username\":{\"type\":\"string\",\"description\":\"User's response\"},"
                "\"email\":{\"type\":\"string\",\"description\":\"User's email address\"}},"
                "\"required\":[\"username\",\"email\"]}}");
    (void)ud;
    json_object_set(params, "message", json_object_get(args, "message"));
    ev_gather_elicit(g, "form", params);
    return ev_gather_end(g);
}

/* SEP-1034: a default for every primitive type. */
static const char sep1034_params[] =
    "{\"mode\":\"form\",\"message\":\"Please review and update the form fields with defaults\","
    "\"requestedSchema\":{\"type\":\"object\",\"properties\":{"
    "\"name\":{\"type\":\"string\",\"description\":\"User name\",\"default\":\"John Doe\"},"
    "\"age\":{\"type\":\"integer\",\"description\":\"User age\",\"default\":30},"
    "\"score\":{\"type\":\"number\",\"description\":\"User score\",\"default\":95.5},"
    "\"status\":{\"type\":\"string\",\"description\":\"User status\","
    "\"enum\":[\"active\",\"inactive\",\"pending\"],\"default\":\"active\"},"
    "\"verified\":{\"type\":\"boolean\",\"description\":\"Verification status\",\"default\":true}"
    "},\"required\":[]}}";

/* SEP-1330: the five enum forms (untitled / titled single, legacy enumNames, untitled / titled
 * multi-select). */
static const char sep1330_params[] =
    "{\"mode\":\"form\",\"message\":\"Please select options from the enum fields\","
    "\"requestedSchema\":{\"type\":\"object\",\"properties\":{"
    "\"untitledSingle\":{\"type\":\"string\",\"description\":\"Select one option\","
    "\"enum\":[\"option1\",\"option2\",\"option3\"]},"
    "\"titledSingle\":{\"type\":\"string\",\"description\":\"Select one option with titles\","
    "\"oneOf\":[{\"const\":\"value1\",\"title\":\"First Option\"},"
    "{\"const\":\"value2\",\"title\":\"Second Option\"},"
    "{\"const\":\"value3\",\"title\":\"Third Option\"}]},"
    "\"legacyEnum\":{\"type\":\"string\",\"description\":\"Select one option (legacy)\","
    "\"enum\":[\"opt1\",\"opt2\",\"opt3\"],"
    "\"enumNames\":[\"Option One\",\"Option Two\",\"Option Three\"]},"
    "\"untitledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options\","
    "\"minItems\":1,\"maxItems\":3,"
    "\"items\":{\"type\":\"string\",\"enum\":[\"option1\",\"option2\",\"option3\"]}},"
    "\"titledMulti\":{\"type\":\"array\",\"description\":\"Select multiple options with titles\","
    "\"minItems\":1,\"maxItems\":3,\"items\":{\"anyOf\":["
    "{\"const\":\"value1\",\"title\":\"First Choice\"},"
    "{\"const\":\"value2\",\"title\":\"Second Choice\"},"
    "{\"const\":\"value3\",\"title\":\"Third Choice\"}]}}"
    "},\"required\":[]}}";

static int elicitation_form(mcp_call_t *call, const json_t *args, void *ud)
{
    ev_gather *g = ev_gather_new(call, elicitation_done, "Elicitation completed", NULL);
    (void)args;
    ev_gather_elicit(g, "form", ev_json((const char *)ud));
    return ev_gather_end(g);
}

/* ---- JSON Schema 2020-12 served verbatim --------------------------------------------------------
 */

/* SEP-1613 ($schema, $defs, $ref, additionalProperties) and SEP-2106 ($anchor, allOf/anyOf,
 * if/then/else): none of it may be normalised away. */
static const char json_schema_2020_12[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"type\":\"object\","
    "\"$defs\":{\"address\":{\"$anchor\":\"addressDef\",\"type\":\"object\",\"properties\":{"
    "\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"}}}},"
    "\"properties\":{\"name\":{\"type\":\"string\"},\"address\":{\"$ref\":\"#/$defs/address\"},"
    "\"contactMethod\":{\"type\":\"string\",\"enum\":[\"phone\",\"email\"]},"
    "\"phone\":{\"type\":\"string\"},\"email\":{\"type\":\"string\"}},"
    "\"allOf\":[{\"anyOf\":[{\"required\":[\"phone\"]},{\"required\":[\"email\"]}]}],"
    "\"if\":{\"properties\":{\"contactMethod\":{\"const\":\"phone\"}},"
    "\"required\":[\"contactMethod\"]},"
    "\"then\":{\"required\":[\"phone\"]},\"else\":{\"required\":[\"email\"]},"
    "\"additionalProperties\":false}";

static int json_schema_tool(mcp_call_t *call, const json_t *args, void *ud)
{
    char *text = json_dumps(args, JSON_COMPACT);
    int rc;
    (void)ud;
    rc = mcp_call_text(call, "JSON Schema 2020-12 tool called with: %s", text ? text : "{}");
    free(text);
    return rc;
}

/* ---- SSE polling (SEP-1699)
 * ----------------------------------------------------------------------- */

static void reconnection_done(mcp_call_t *call, void *ud)
{
    (void)ud;
    mcp_call_text(call, "Reconnection test completed successfully. If you received this, the "
                        "client properly reconnected after stream closure.");
    mcp_call_complete(call);
}

/* SSE polling: the server closes the request's SSE stream right after its priming event
 * (mcp_call_close_stream) and answers ~100 ms later; the reply waits in the event store until
 * the client reconnects with GET + Last-Event-ID. Where there is no resumable stream (STDIO,
 * stateless HTTP, 2026-07-28) the reply simply arrives ~100 ms later. */
static int reconnection(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    mcp_call_close_stream(call); /* MCP_ESTATE where it does not apply: fine */
    return ev_after(call, 100, reconnection_done, NULL) == MCP_OK ? MCP_PENDING : MCP_ENOMEM;
}

/* ---- resources
 * ----------------------------------------------------------------------------------- */

static int static_binary(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    (void)vars, (void)ud;
    return mcp_call_resource_blob(call, uri, "image/png", ev_png, ev_png_len);
}

static int template_data(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    const char *id = json_string_value(json_object_get(vars, "id"));
    json_t *doc;
    char *text;
    int rc;
    (void)ud;
    if (!id)
        return mcp_call_fail_new(call, MCP_ERROR_RESOURCE_NOT_FOUND, json_pack("{s:s}", "uri", uri),
                             "Resource not found");
    doc = json_pack("{s:s, s:b, s:s+}", "id", id, "templateTest", 1, "data", "Data for ID: ", id);
    text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    rc = text ? mcp_call_resource_text(call, uri, "application/json", text) : MCP_ENOMEM;
    free(text);
    return rc;
}

static int template_complete(mcp_call_t *call, const char *argument, const char *value,
                             const json_t *context, void *ud)
{
    static const char *const ids[] = {"1", "2", "3", "42", "123", "1234"};
    size_t i, n = 0;
    (void)context, (void)ud;
    if (strcmp(argument, "id") != 0)
        return MCP_OK;
    for (i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (strncmp(ids[i], value, strlen(value)) == 0) {
            mcp_call_add_completion(call, ids[i]);
            n++;
        }
    return mcp_call_set_completion_total(call, (long long)n, 0);
}

static int watched(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    char text[96];
    (void)vars, (void)ud;
    snprintf(text, sizeof text, "Watched resource content (revision %u)", ev_watched_revision());
    return mcp_call_resource_text(call, uri, "text/plain", text);
}

/* ---- prompts
 * -------------------------------------------------------------------------------------- */

static int simple_prompt(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return mcp_call_prompt_text(call, "user", "This is a simple prompt for testing.");
}

static int prompt_with_arguments(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)ud;
    return mcp_call_prompt_text(call, "user", "Prompt with arguments: arg1='%s', arg2='%s'",
                                json_string_value(json_object_get(args, "arg1")),
                                json_string_value(json_object_get(args, "arg2")));
}

static int prompt_arguments_complete(mcp_call_t *call, const char *argument, const char *value,
                                     const json_t *context, void *ud)
{
    static const char *const arg1[] = {"paris", "park", "party", "test", "testValue1"};
    static const char *const arg2[] = {"testValue2", "value", "variant"};
    const char *const *list = strcmp(argument, "arg1") == 0 ? arg1 : arg2;
    size_t i, count = strcmp(argument, "arg1") == 0 ? sizeof arg1 / sizeof arg1[0]
                                                    : sizeof arg2 / sizeof arg2[0];
    long long n = 0;
    (void)context, (void)ud;
    if (strcmp(argument, "arg1") != 0 && strcmp(argument, "arg2") != 0)
        return MCP_OK;
    for (i = 0; i < count; i++)
        if (strncmp(list[i], value, strlen(value)) == 0) {
            mcp_call_add_completion(call, list[i]);
            n++;
        }
    return mcp_call_set_completion_total(call, n, 0);
}

static int prompt_with_embedded_resource(mcp_call_t *call, const json_t *args, void *ud)
{
    int rc;
    (void)ud;
    rc = mcp_call_prompt_message_new(
        call, "user",
        json_pack("{s:s, s:{s:O, s:s, s:s}}", "type", "resource", "resource", "uri",
                  json_object_get(args, "resourceUri"), "mimeType", "text/plain", "text",
                  "Embedded resource content for testing."));
    if (rc == MCP_OK)
        rc = mcp_call_prompt_text(call, "user", "Please process the embedded resource above.");
    return rc;
}

static int prompt_with_image(mcp_call_t *call, const json_t *args, void *ud)
{
    char *b64 = ev_base64(ev_png, ev_png_len);
    int rc;
    (void)args, (void)ud;
    if (!b64)
        return MCP_ENOMEM;
    rc = mcp_call_prompt_message_new(
        call, "user",
        json_pack("{s:s, s:s, s:s}", "type", "image", "data", b64, "mimeType", "image/png"));
    free(b64);
    if (rc == MCP_OK)
        rc = mcp_call_prompt_text(call, "user", "Please analyze the image above.");
    return rc;
}

/* ---- the items added 2 s after start ----------------------------------------------------------
 */

static int dynamic_tool(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return mcp_call_text(call, "This tool was registered 2 seconds after the server started.");
}

static int dynamic_prompt(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args, (void)ud;
    return mcp_call_prompt_text(call, "user",
                                "This prompt was registered 2 seconds after the server started.");
}

int ev_add_dynamic(mcp_server_t *srv)
{
    int rc = mcp_server_add_tool(
        srv,
        &(mcp_tool_t){.name = "test_dynamic_tool",
                      .title = "Dynamic Tool",
                      .description = "A tool registered at run time, 2 s after start (the "
                                     "server announced it with notifications/tools/list_changed)",
                      .handler = dynamic_tool,
                      .flags = MCP_TOOL_READ_ONLY},
        NULL);
    if (rc == MCP_OK || rc == MCP_EEXIST)
        rc = mcp_server_add_resource(
            srv,
            &(mcp_resource_t){.uri = "test://dynamic-resource",
                              .name = "dynamic-resource",
                              .title = "Dynamic Resource",
                              .description = "A resource registered at run time, 2 s after start",
                              .mime_type = "text/plain",
                              .text = "This resource was registered 2 seconds after the server "
                                      "started."},
            NULL);
    if (rc == MCP_OK || rc == MCP_EEXIST)
        rc = mcp_server_add_prompt(
            srv,
            &(mcp_prompt_t){.name = "test_dynamic_prompt",
                            .title = "Dynamic Prompt",
                            .description = "A prompt registered at run time, 2 s after start",
                            .handler = dynamic_prompt},
            NULL);
    return rc == MCP_EEXIST ? MCP_OK : rc;
}

/* ---- registration -----------------------------------------------------------------------------
 */

static const mcp_tool_t tools[] = {
    {.name = "test_simple_text",
     .description = "Tests simple text content response",
     .handler = simple_text,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "test_image_content",
     .description = "Tests image content response (a PNG)",
     .handler = image_content,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "test_audio_content",
     .description = "Tests audio content response (a WAV)",
     .handler = audio_content,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "test_embedded_resource",
     .description = "Tests embedded resource content response",
     .handler = embedded_resource,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "test_multiple_content_types",
     .description = "Tests response with multiple content types (text, image, resource)",
     .handler = multiple_content_types,
     .flags = MCP_TOOL_READ_ONLY},
    {.name = "test_tool_with_logging",
     .description = "Tests tool that emits log messages during execution",
     .handler = tool_with_logging},
    {.name = "test_tool_with_progress",
     .description = "Tests tool that reports progress notifications",
     .handler = tool_with_progress},
    {.name = "test_error_handling",
     .description = "Tests error response handling (the result has isError: true)",
     .handler = error_handling},
    {.name = "test_reconnection",
     .description = "Tests SSE stream disconnection and client reconnection (SEP-1699); the "
                    "result comes ~100 ms later",
     .handler = reconnection},
    {.name = "test_sampling",
     .description = "Tests server-initiated sampling (LLM completion request)",
     .input_schema = "prompt: string 'The prompt to send to the LLM'",
     .handler = sampling},
    {.name = "test_elicitation",
     .description = "Tests server-initiated elicitation (user input request)",
     .input_schema = "message: string 'The message to show the user'",
     .handler = elicitation},
    {.name = "test_elicitation_sep1034_defaults",
     .description = "Tests elicitation with default values per SEP-1034",
     .handler = elicitation_form,
     .userdata = (void *)sep1034_params},
    {.name = "test_elicitation_sep1330_enums",
     .description = "Tests elicitation with enum schema improvements per SEP-1330",
     .handler = elicitation_form,
     .userdata = (void *)sep1330_params},
    {.name = "json_schema_2020_12_tool",
     .description = "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613, "
                    "SEP-2106)",
     .input_schema = json_schema_2020_12,
     .handler = json_schema_tool},
};

int ev_add_fixtures(mcp_server_t *srv, mcp_error_t *err)
{
    size_t i;
    int rc = MCP_OK;

    for (i = 0; rc == MCP_OK && i < sizeof tools / sizeof tools[0]; i++)
        rc = mcp_server_add_tool(srv, &tools[i], err);
    if (rc == MCP_OK)
        rc = mcp_server_add_resource(
            srv,
            &(mcp_resource_t){.uri = "test://static-text",
                              .name = "static-text",
                              .title = "Static Text Resource",
                              .description = "A static text resource for testing",
                              .mime_type = "text/plain",
                              .text = "This is the content of the static text resource."},
            err);
    if (rc == MCP_OK)
        rc = mcp_server_add_resource(
            srv,
            &(mcp_resource_t){.uri = "test://static-binary",
                              .name = "static-binary",
                              .title = "Static Binary Resource",
                              .description = "A static binary resource (a PNG image) for testing",
                              .mime_type = "image/png",
                              .handler = static_binary,
                              .size = (long long)ev_png_len},
            err);
    if (rc == MCP_OK)
        rc = mcp_server_add_resource(
            srv,
            &(mcp_resource_t){.uri_template = "test://template/{id}/data",
                              .name = "template",
                              .title = "Resource Template",
                              .description = "A resource template with parameter substitution",
                              .mime_type = "application/json",
                              .handler = template_data,
                              .complete = template_complete},
            err);
    if (rc == MCP_OK)
        rc = mcp_server_add_resource(
            srv,
            &(mcp_resource_t){.uri = "test://watched-resource",
                              .name = "watched-resource",
                              .title = "Watched Resource",
                              .description = "A resource that changes every 3 seconds; subscribe "
                                             "to get notifications/resources/updated",
                              .mime_type = "text/plain",
                              .handler = watched},
            err);
    if (rc == MCP_OK)
        rc = mcp_server_add_prompt(
            srv,
            &(mcp_prompt_t){.name = "test_simple_prompt",
                            .title = "Simple Test Prompt",
                            .description = "A simple prompt without arguments",
                            .handler = simple_prompt},
            err);
    if (rc == MCP_OK)
        rc = mcp_server_add_prompt(
            srv,
            &(mcp_prompt_t){.name = "test_prompt_with_arguments",
                            .title = "Prompt With Arguments",
                            .description = "A prompt with required arguments (both complete)",
                            .arguments = "arg1 'First test argument', arg2 'Second test argument'",
                            .handler = prompt_with_arguments,
                            .complete = prompt_arguments_complete},
            err);
    if (rc == MCP_OK)
        rc = mcp_server_add_prompt(
            srv,
            &(mcp_prompt_t){.name = "test_prompt_with_embedded_resource",
                            .title = "Prompt With Embedded Resource",
                            .description = "A prompt that includes an embedded resource",
                            .arguments = "resourceUri 'URI of the resource to embed'",
                            .handler = prompt_with_embedded_resource},
            err);
    if (rc == MCP_OK)
        rc = mcp_server_add_prompt(srv,
                                   &(mcp_prompt_t){.name = "test_prompt_with_image",
                                                   .title = "Prompt With Image",
                                                   .description = "A prompt that includes image "
                                                                  "content",
                                                   .handler = prompt_with_image},
                                   err);
    return rc;
}
