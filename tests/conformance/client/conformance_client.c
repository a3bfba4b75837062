/*
 * The client that the official conformance suite's `client` scenarios drive: a small program on
 * libmcp's client library (mcp_client.h). The suite runs it as `conformance-client URL` with the
 * scenario's name in MCP_CONFORMANCE_SCENARIO and, for some scenarios, the calls to make in
 * MCP_CONFORMANCE_CONTEXT ({"toolCalls":[{name, arguments}]}).
 *
 * One behaviour for every scenario, as an MCP host would act: connect (Streamable HTTP),
 * negotiate (server/discover, else initialize), list the tools and call each of them (with the
 * context's arguments when given, else arguments made from the tool's input schema; a tool
 * named json_schema_echo is given the other tool's inputSchema back), read every resource and
 * get every prompt the server offers, list its skills (loading them, verified, only in the
 * sep-2640-client-verify-* scenarios); answer elicitation by accepting with the schema's
 * defaults, sampling with a fixed text, roots with one root. Exit 0 when the handshake worked.
 *
 * The auth scenarios (auth/...): the client authorizes (mcp_client_set_oauth) with the context's
 * client_id / client_secret when given (pre-registration, client credentials), else CIMD with a
 * fixed metadata URL where the authorization server supports it, else dynamic registration. The
 * browser is a plain HTTP GET of the authorization URL whose redirect (the test authorization
 * server approves at once) is not followed but handed to mcp_client_oauth_redirect().
 */
#include <mcp.h>
#include <mcp_client.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* The browser: GET `url` (http only: the test authorization server) and return the Location of
 * its redirect (new string), or NULL. Blocking, bounded (5 s per read, 64 KiB). */
static char *get_location(const char *url)
{
    char host[256], port[16] = "80", req[4096], *resp, *loc = NULL, *p;
    const char *h, *path;
    size_t n = 0, hl;
    struct addrinfo hints = {0}, *ai = NULL;
    struct timeval tv = {5, 0};
    int fd = -1;
    ssize_t got;
    if (strncmp(url, "http://", 7) != 0)
        return NULL;
    h = url + 7;
    path = h + strcspn(h, "/?");
    hl = strcspn(h, ":/?");
    if (hl == 0 || hl >= sizeof host)
        return NULL;
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (h[hl] == ':')
        snprintf(port, sizeof port, "%.*s", (int)(path - h - hl - 1), h + hl + 1);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return NULL;
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return NULL;
    }
    freeaddrinfo(ai);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    snprintf(req, sizeof req, "GET %s%s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n",
             *path == '/' ? "" : "/", path, host, port);
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) || !(resp = malloc(65536))) {
        close(fd);
        return NULL;
    }
    while (n < 65535 && (got = read(fd, resp + n, 65535 - n)) > 0)
        n += (size_t)got;
    close(fd);
    resp[n] = '\0';
    for (p = resp; (p = strstr(p, "\r\n")) && p[2] != '\r'; p += 2)
        if (strncasecmp(p + 2, "Location:", 9) == 0) {
            p += 11;
            while (*p == ' ')
                p++;
            loc = strndup(p, strcspn(p, "\r\n"));
            break;
        }
    free(resp);
    return loc;
}

static void on_authorize(mcp_client_t *c, const char *url, void *ud)
{
    char *loc = get_location(url);
    (void)ud;
    fprintf(stderr, "conformance-client: authorize -> %s\n", loc ? loc : "(no redirect)");
    mcp_client_oauth_redirect(c, loc); /* NULL gives up */
    free(loc);
}

/* A value for a schema: its default, else one of its enum, else a plain value of its type. */
static json_t *value_for(const json_t *schema)
{
    const json_t *def = json_object_get(schema, "default");
    const json_t *en = json_object_get(schema, "enum");
    const char *type = json_string_value(json_object_get(schema, "type"));
    if (def)
        return json_deep_copy(def);
    if (json_array_size(en))
        return json_deep_copy(json_array_get(en, 0));
    if (!type || strcmp(type, "string") == 0)
        return json_string("x");
    if (strcmp(type, "integer") == 0 || strcmp(type, "number") == 0)
        return json_integer(1);
    if (strcmp(type, "boolean") == 0)
        return json_true();
    if (strcmp(type, "array") == 0)
        return json_array();
    if (strcmp(type, "null") == 0)
        return json_null();
    return json_object();
}

/* Arguments for an object schema: every required property, and every one with a default. */
static json_t *args_for(const json_t *schema)
{
    const json_t *props = json_object_get(schema, "properties");
    const json_t *req = json_object_get(schema, "required");
    json_t *args = json_object(), *p;
    const char *key;
    size_t i;
    for (i = 0; i < json_array_size(req); i++) {
        const char *k = json_string_value(json_array_get(req, i));
        if (k)
            json_object_set_new(args, k, value_for(json_object_get(props, k)));
    }
    json_object_foreach((json_t *)props, key, p)
    {
        if (json_object_get(p, "default") && !json_object_get(args, key))
            json_object_set_new(args, key, json_deep_copy(json_object_get(p, "default")));
    }
    return args;
}

static void on_ask(mcp_client_t *c, mcp_client_ask_t *ask, const char *method, const json_t *params,
                   void *ud)
{
    (void)c;
    (void)ud;
    if (strcmp(method, "elicitation/create") == 0) {
        const json_t *schema = json_object_get(params, "requestedSchema");
        if (json_is_string(json_object_get(params, "url")))
            mcp_client_ask_reply_new(ask, json_pack("{s:s}", "action", "accept"));
        else
            mcp_client_ask_reply_new(
                ask, json_pack("{s:s, s:o}", "action", "accept", "content", args_for(schema)));
    } else if (strcmp(method, "sampling/createMessage") == 0) {
        mcp_client_ask_reply_new(
            ask, json_pack("{s:s, s:s, s:{s:s, s:s}, s:s}", "role", "assistant", "model",
                           "conformance-client", "content", "type", "text", "text",
                           "A reply from the conformance client.", "stopReason", "endTurn"));
    } else if (strcmp(method, "roots/list") == 0) {
        mcp_client_ask_reply_new(ask, json_pack("{s:[{s:s, s:s}]}", "roots", "uri",
                                                "file:///tmp/conformance", "name", "tmp"));
    } else {
        mcp_client_ask_fail(ask, -32601, "not supported");
    }
}

static void call(mcp_client_t *c, const char *name, json_t *args)
{
    json_t *res = NULL;
    mcp_client_error_t err;
    int rc = mcp_client_call_tool_sync(c, name, args, &res, &err);
    fprintf(stderr, "conformance-client: tools/call %s: %s%s%s\n", name,
            rc == MCP_OK ? "ok" : mcp_err_name(rc), rc == MCP_OK ? "" : ": ",
            rc == MCP_OK ? "" : err.text);
    json_decref(res);
}

/*
 * The skills extension (SEP-2640 scenarios): list the server's skills and fetch nothing more,
 * except in the sep-2640-client-verify-* scenarios, where the host loads each skill: its
 * SKILL.md verified against the entry, then its other files only if that passed.
 */
static void skills(mcp_client_t *c, const char *scenario)
{
    json_t *list = NULL;
    mcp_client_error_t err;
    int load = scenario && strncmp(scenario, "sep-2640-client-verify-", 23) == 0;
    size_t i, j;

    if (!mcp_client_server_extension(c, MCP_SKILLS_EXTENSION))
        return;
    if (mcp_client_list_skills_sync(c, &list, &err) != MCP_OK) {
        fprintf(stderr, "conformance-client: skills/list: %s\n", err.text);
        return;
    }
    for (i = 0; i < json_array_size(list); i++) {
        const json_t *skill = json_array_get(list, i);
        const json_t *files = json_object_get(skill, "resources");
        const char *uri = json_string_value(json_object_get(skill, "uri"));
        json_t *content = NULL;
        char why[256];
        if (mcp_skill_check(skill, why, sizeof why) != MCP_OK) {
            fprintf(stderr, "conformance-client: skill entry refused: %s\n", why);
            continue;
        }
        fprintf(stderr, "conformance-client: skill %s\n", uri);
        if (!load)
            continue;
        if (mcp_client_read_skill_file_sync(c, skill, NULL, &content, &err) != MCP_OK) {
            fprintf(stderr, "conformance-client: skill %s not loaded: %s: %s\n", uri,
                    mcp_err_name(err.status), err.text);
            continue;
        }
        json_decref(content);
        for (j = 0; j < json_array_size(files); j++) {
            const char *f = json_string_value(json_object_get(json_array_get(files, j), "uri"));
            if (!f || strcmp(f, uri) == 0)
                continue;
            content = NULL;
            if (mcp_client_read_skill_file_sync(c, skill, f, &content, &err) != MCP_OK)
                fprintf(stderr, "conformance-client: skill file %s: %s: %s\n", f,
                        mcp_err_name(err.status), err.text);
            json_decref(content);
        }
    }
    json_decref(list);
}

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[argc - 1] : NULL;
    const char *ctx_text = getenv("MCP_CONFORMANCE_CONTEXT");
    const char *scenario = getenv("MCP_CONFORMANCE_SCENARIO");
    json_t *ctx = ctx_text ? json_loads(ctx_text, 0, NULL) : NULL;
    const json_t *calls = json_object_get(ctx, "toolCalls");
    mcp_client_t *c;
    mcp_client_error_t err;
    json_t *tools = NULL, *list = NULL;
    const json_t *caps;
    size_t i;
    int rc = MCP_OK;

    memset(&err, 0, sizeof err);
    if (!url) {
        fprintf(stderr, "usage: conformance-client URL\n");
        return 2;
    }
    c = mcp_client_new(NULL, "libmcp-conformance-client", mcp_version_string());
    if (!c)
        return 1;
    mcp_client_set_timeout(c, 10000);
    mcp_client_on_ask(c, MCP_CLIENT_ASK_ELICITATION, on_ask, NULL);
    mcp_client_on_ask(c, MCP_CLIENT_ASK_SAMPLING, on_ask, NULL);
    mcp_client_on_ask(c, MCP_CLIENT_ASK_ROOTS, on_ask, NULL);
    if (scenario && strncmp(scenario, "auth/", 5) == 0) {
        mcp_client_oauth_opts_t o = {0};
        o.client_id = json_string_value(json_object_get(ctx, "client_id"));
        o.client_secret = json_string_value(json_object_get(ctx, "client_secret"));
        o.private_key_pem = json_string_value(json_object_get(ctx, "private_key_pem"));
        o.signing_alg = json_string_value(json_object_get(ctx, "signing_algorithm"));
        o.client_credentials = strncmp(scenario, "auth/client-credentials", 23) == 0;
        /* the extension grants: a workload's JWT (jwt-bearer), or an enterprise IdP's ID token
         * to exchange for an ID-JAG first */
        o.assertion = json_string_value(json_object_get(ctx, "valid_jwt"));
        o.idp_token_endpoint = json_string_value(json_object_get(ctx, "idp_token_endpoint"));
        o.idp_client_id = json_string_value(json_object_get(ctx, "idp_client_id"));
        o.idp_id_token = json_string_value(json_object_get(ctx, "idp_id_token"));
        o.dpop = strncmp(scenario, "auth/dpop", 9) == 0; /* DPoP-bound tokens (RFC 9449) */
        o.client_metadata_url = "https://conformance-test.local/client-metadata.json";
        o.redirect_uri = "http://localhost:3000/callback";
        o.authorize = on_authorize;
        if ((rc = mcp_client_set_oauth(c, &o)) != MCP_OK) {
            fprintf(stderr, "conformance-client: mcp_client_set_oauth: %s\n", mcp_err_name(rc));
            mcp_client_free(c);
            json_decref(ctx);
            return 1;
        }
    }
    if (mcp_client_connect_url(c, url, NULL) != MCP_OK ||
        (rc = mcp_client_initialize_sync(c, NULL, &err)) != MCP_OK) {
        fprintf(stderr, "conformance-client: cannot connect to %s: %s\n", url,
                rc != MCP_OK && err.text[0] ? err.text : mcp_client_last_error(c));
        mcp_client_free(c);
        json_decref(ctx);
        return 1;
    }
    fprintf(stderr, "conformance-client: connected, protocol %s\n", mcp_client_protocol(c));
    caps = mcp_client_server_capabilities(c);

    if (mcp_client_list_tools_sync(c, &tools, &err) != MCP_OK)
        fprintf(stderr, "conformance-client: tools/list: %s\n", err.text);
    if (json_array_size(calls)) { /* the scenario says what to call */
        for (i = 0; i < json_array_size(calls); i++) {
            const json_t *tc = json_array_get(calls, i);
            const json_t *a = json_object_get(tc, "arguments");
            call(c, json_string_value(json_object_get(tc, "name")),
                 a ? json_deep_copy(a) : json_object());
        }
    } else {
        for (i = 0; i < json_array_size(tools); i++) {
            const json_t *t = json_array_get(tools, i);
            const char *name = json_string_value(json_object_get(t, "name"));
            json_t *args;
            if (!name)
                continue;
            if (strcmp(name, "json_schema_echo") == 0) { /* hand the other schema back */
                size_t j;
                const json_t *other = NULL;
                for (j = 0; j < json_array_size(tools); j++)
                    if (j != i)
                        other = json_object_get(json_array_get(tools, j), "inputSchema");
                args = json_pack("{s:O?}", "schema", (json_t *)other);
            } else {
                args = args_for(json_object_get(t, "inputSchema"));
            }
            call(c, name, args);
        }
    }
    if (json_object_get(caps, "resources") &&
        mcp_client_list_resources_sync(c, &list, &err) == MCP_OK) {
        for (i = 0; i < json_array_size(list); i++) {
            const char *uri = json_string_value(json_object_get(json_array_get(list, i), "uri"));
            json_t *res = NULL;
            if (uri && mcp_client_read_resource_sync(c, uri, &res, &err) != MCP_OK)
                fprintf(stderr, "conformance-client: resources/read %s: %s\n", uri, err.text);
            json_decref(res);
        }
    }
    json_decref(list);
    list = NULL;
    if (json_object_get(caps, "prompts") &&
        mcp_client_list_prompts_sync(c, &list, &err) == MCP_OK) {
        for (i = 0; i < json_array_size(list); i++) {
            const json_t *p = json_array_get(list, i);
            const char *name = json_string_value(json_object_get(p, "name"));
            json_t *args = json_object(), *res = NULL;
            const json_t *pa = json_object_get(p, "arguments");
            size_t j;
            for (j = 0; j < json_array_size(pa); j++) {
                const char *an = json_string_value(json_object_get(json_array_get(pa, j), "name"));
                if (an)
                    json_object_set_new(args, an, json_string("x"));
            }
            if (name && mcp_client_get_prompt_sync(c, name, args, &res, &err) != MCP_OK)
                fprintf(stderr, "conformance-client: prompts/get %s: %s\n", name, err.text);
            if (!name)
                json_decref(args);
            json_decref(res);
        }
    }
    json_decref(list);
    skills(c, getenv("MCP_CONFORMANCE_SCENARIO"));
    json_decref(tools);
    json_decref(ctx);
    mcp_client_free(c);
    return 0;
}
