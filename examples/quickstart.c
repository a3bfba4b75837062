/* quickstart — the smallest useful libmcp server: two tools, one resource, one prompt.
 * Build: make, then run build/examples/quickstart (it speaks MCP over stdin/stdout). */
#include <mcp.h>
#include <stdio.h>

/* Arguments arrive already validated against input_schema, so "a" and "b" are numbers.
 * The result is a sentence, not a bare number: some clients (Gemini CLI) parse a text block that
 * is valid JSON as JSON and then reject it, since structured content must be an object. Text
 * that is not JSON ("2 + 3 = 5") reaches every client and the model as it is. */
static int add(mcp_call_t *call, const json_t *args, void *userdata) {
    (void)userdata;
    double a = json_number_value(json_object_get(args, "a"));
    double b = json_number_value(json_object_get(args, "b"));
    return mcp_call_text(call, "%g + %g = %g", a, b, a + b);
}

static int echo(mcp_call_t *call, const json_t *args, void *userdata) {
    (void)userdata;
    const json_t *text = json_object_get(args, "text");
    return mcp_call_text_n(call, json_string_value(text), json_string_length(text));
}

static int greet(mcp_call_t *call, const json_t *args, void *userdata) {
    (void)userdata;
    const char *name = json_string_value(json_object_get(args, "name"));
    return mcp_call_prompt_text(call, "user", "Please write a short, friendly greeting for %s.", name);
}

int main(int argc, char **argv) {
    mcp_server_t *srv = mcp_server_new("quickstart", "1.0.0");
    if (!srv) return 1;
    mcp_error_t err = {0};
    int rc = mcp_server_add_tool(srv, &(mcp_tool_t){
        .name = "add", .description = "Add two numbers",
        .input_schema = "a: number 'First number', b: number 'Second number'",
        .handler = add}, &err);
    if (rc == MCP_OK)
        rc = mcp_server_add_tool(srv, &(mcp_tool_t){
            .name = "echo", .description = "Echo the text back",
            .input_schema = "text: string 'Text to echo back'", .handler = echo}, &err);
    if (rc == MCP_OK)
        rc = mcp_server_add_resource(srv, &(mcp_resource_t){
            .uri = "docs://quickstart/about", .name = "about", .mime_type = "text/plain",
            .text = "libmcp quickstart: tools add and echo, one resource, one prompt."}, &err);
    if (rc == MCP_OK)
        rc = mcp_server_add_prompt(srv, &(mcp_prompt_t){
            .name = "greet", .description = "Greet someone by name",
            .arguments = "name 'Who to greet'", .handler = greet}, &err);
    if (rc != MCP_OK) {
        fprintf(stderr, "quickstart: %s\n", err.text);
        mcp_server_free(srv);
        return 1;
    }
    return mcp_server_main(srv, argc, argv); /* serves STDIO; takes ownership of srv */
}
