/*
 * Mounting (include/mcp_mount.h): a gateway server that re-exposes other MCP servers under
 * prefixes. Here the mounted server lives in the same process (a "weather" server reached
 * through the in-memory client); a spawned program or a URL mounts the same way, with
 * mcp_client_connect_stdio() or mcp_client_connect_url() instead.
 *
 *   build/examples/mount                 STDIO: tools "weather_forecast" and "ping"
 *   build/examples/mount --http 8080     the same over Streamable HTTP
 */
#include <mcp.h>
#include <mcp_client.h>
#include <mcp_mount.h>

#include <stdio.h>
#include <uv.h>

static int forecast(mcp_call_t *call, const json_t *args, void *userdata)
{
    (void)userdata;
    return mcp_call_text(call, "Sunny in %s", json_string_value(json_object_get(args, "city")));
}

static int ping(mcp_call_t *call, const json_t *args, void *userdata)
{
    (void)args;
    (void)userdata;
    return mcp_call_text(call, "pong");
}

int main(int argc, char **argv)
{
    static uv_loop_t loop; /* one loop for the gateway and what it mounts */
    mcp_server_t *gateway, *weather;
    mcp_client_t *link;
    mcp_error_t err = {0};
    int rc;

    uv_loop_init(&loop);
    weather = mcp_server_new("weather", "1.0.0");
    mcp_server_attach(weather, &loop);
    mcp_server_add_tool(weather,
                        &(mcp_tool_t){.name = "forecast",
                                      .description = "Tomorrow's weather in a city",
                                      .input_schema = "city: string 'The city'",
                                      .handler = forecast},
                        NULL);

    gateway = mcp_server_new("gateway", "1.0.0");
    mcp_server_attach(gateway, &loop);
    mcp_server_add_tool(gateway, &(mcp_tool_t){.name = "ping", .handler = ping}, NULL);

    link = mcp_client_new(&loop, "gateway", "1.0.0");
    if (mcp_client_connect_server(link, weather) != MCP_OK ||
        mcp_server_mount(gateway, link, "weather", &err) != MCP_OK) {
        fprintf(stderr, "mount: %s\n", err.text[0] ? err.text : mcp_client_last_error(link));
        return 1;
    }
    rc = mcp_server_main(gateway, argc, argv); /* serves, then frees the gateway and the link */
    mcp_server_free(weather);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return rc;
}
