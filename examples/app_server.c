/* app_server — an MCP Apps server (extension io.modelcontextprotocol/ui): the weather tool's
 * result is rendered by hosts that support apps as an interactive HTML view (ui://weather/...),
 * and as plain text by every other client. A second tool is callable by the view only.
 *
 * Run: build/examples/app_server [--http 127.0.0.1:8080] */
#include <mcp.h>
#include <stdio.h>
#include <string.h>

#define VIEW_URI "ui://weather/dashboard.html"

/* The view: a sandboxed page the host renders; it talks to the host with postMessage (the MCP
 * Apps protocol: ui/initialize, then tool input and results arrive as notifications). */
static const char view_html[] =
    "<!doctype html><html><head><meta charset=\"utf-8\"><title>Weather</title></head><body>"
    "<h1 id=\"city\">Weather</h1><p id=\"reading\">Waiting for the tool result...</p>"
    "<button id=\"refresh\">Refresh</button><script>"
    "let id=0;const pending={};"
    "function send(method,params){const m={jsonrpc:'2.0',id:++id,method,params};"
    "window.parent.postMessage(m,'*');return new Promise(r=>pending[m.id]=r);}"
    "function show(r){const s=r&&r.structuredContent;if(!s)return;"
    "document.getElementById('city').textContent=s.city;"
    "document.getElementById('reading').textContent=s.temperature+' \\u00b0C, '+s.conditions;}"
    "window.addEventListener('message',e=>{const m=e.data||{};"
    "if(m.id&&pending[m.id]){pending[m.id](m.result);delete pending[m.id];}"
    "else if(m.method==='ui/notifications/tool-result')show(m.params);});"
    "document.getElementById('refresh').onclick=()=>send('tools/call',{name:'refresh_weather',"
    "arguments:{city:document.getElementById('city').textContent}}).then(show);"
    "send('ui/initialize',{appCapabilities:{},appInfo:{name:'weather-view',version:'1.0.0'},"
    "protocolVersion:'2026-01-26'}).then(()=>window.parent.postMessage("
    "{jsonrpc:'2.0',method:'ui/notifications/initialized'},'*'));"
    "</script></body></html>";

static int reading(mcp_call_t *call, const char *city) {
    unsigned h = 5381;
    for (const char *p = city; *p; p++) h = h * 33u + (unsigned char)*p;
    double t = (double)(h % 300) / 10.0;
    const char *sky = h % 2 ? "sunny" : "cloudy";
    int rc = mcp_call_structured_new(call, json_pack("{s:s, s:f, s:s}", "city", city,
                                                     "temperature", t, "conditions", sky));
    /* The text is what a host without apps shows (and what the model reads either way). */
    if (rc == MCP_OK)
        rc = mcp_call_text(call, "%s: %.1f \xc2\xb0" "C, %s%s", city, t, sky,
                           mcp_call_client_supports_apps(call) ? " (see the dashboard)" : "");
    return rc;
}

static int show_weather(mcp_call_t *call, const json_t *args, void *ud) {
    (void)ud;
    return reading(call, mcp_arg_string(args, "city", "Paris"));
}

int main(int argc, char **argv) {
    mcp_server_t *srv = mcp_server_new("weather-app", "1.0.0");
    mcp_error_t err = {0};
    if (!srv) return 1;
    int rc = mcp_server_add_app(srv, &(mcp_app_t){
        .uri = VIEW_URI, .name = "weather-dashboard", .title = "Weather dashboard",
        .description = "An interactive view of show_weather's result",
        .html = view_html,
        .ui_meta = "{\"csp\":{\"connectDomains\":[],\"resourceDomains\":"
                   "[\"https://cdn.example.com\"]},\"permissions\":{\"clipboardWrite\":{}},"
                   "\"prefersBorder\":true}"}, &err);
    if (rc == MCP_OK)
        rc = mcp_server_add_tool(srv, &(mcp_tool_t){
            .name = "show_weather", .description = "Show the weather in a city",
            .input_schema = "city: string 'City name'",
            .output_schema = "city: string, temperature: number, conditions: string",
            .handler = show_weather, .flags = MCP_TOOL_READ_ONLY,
            .app_uri = VIEW_URI}, &err);
    if (rc == MCP_OK) /* only the view calls this one (its Refresh button) */
        rc = mcp_server_add_tool(srv, &(mcp_tool_t){
            .name = "refresh_weather", .description = "Refresh the dashboard's reading",
            .input_schema = "city: string",
            .output_schema = "city: string, temperature: number, conditions: string",
            .handler = show_weather, .flags = MCP_TOOL_READ_ONLY,
            .app_uri = VIEW_URI, .app_visibility = MCP_APP_VISIBLE_APP}, &err);
    if (rc != MCP_OK) {
        fprintf(stderr, "app_server: %s\n", err.text[0] ? err.text : mcp_strerror(rc));
        mcp_server_free(srv);
        return 1;
    }
    return mcp_server_main(srv, argc, argv);
}
