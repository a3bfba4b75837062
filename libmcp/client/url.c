/*
 * mcp_client_connect_url(): the one entry for URLs. It checks the scheme and hands the URL to
 * the HTTP transports (Streamable HTTP in both eras, legacy HTTP+SSE), which load libcurl on
 * first use. mcp__client_http_connect() below is where they plug in: until the HTTP client
 * transport file is part of the build it reports that this build has none.
 */
#include "client/client.h"

#include <strings.h>

int mcp_client_connect_url(mcp_client_t *c, const char *url, const mcp_client_http_opts_t *opts)
{
    if (!c || !url)
        return MCP_EINVAL;
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
        mcp__client_set_error(c, "not an http:// or https:// URL: %.200s", url);
        return MCP_EINVAL;
    }
    if (c->transport || c->freeing)
        return MCP_ESTATE;
    return mcp__client_http_connect(c, url, opts);
}

/* Replaced by the HTTP client transport (libmcp/client/http*.c) when it is merged. */
int mcp__client_http_connect(mcp_client_t *c, const char *url, const mcp_client_http_opts_t *opts)
{
    (void)opts;
    mcp__client_set_error(c, "cannot connect to %.200s: this build has no HTTP client transport",
                          url);
    return MCP_EIO;
}
