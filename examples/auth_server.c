/*
 * auth_server: bearer tokens checked by an `authorize` callback, each naming a principal that
 * handlers read with mcp_call_principal() (and the fixture of tests/http/auth.test.mjs).
 *
 *   build/examples/auth_server --http 127.0.0.1:8080             Streamable HTTP at /mcp
 *   build/examples/auth_server --http 8080 --sse 8081            plus legacy HTTP+SSE at :8081/sse
 *   curl -H 'Authorization: Bearer alice-7f3c9a1e' ...           (see the table below)
 *
 * The table stands in for a real validator: a JWT library checking the signature, issuer,
 * audience (this server's resource URI), expiry and not-before; or token introspection (RFC 7662)
 * with a cache. Fixed tokens are for this demo only. Tools: whoami (the caller's "sub"), and
 * whoami_task, the same after 300 ms as a task (2026-07-28 clients that declare the tasks
 * extension get a task id; a task answers only the principal that created it).
 * Required scopes (`.scopes`): the tool `write_note` needs "notes:write", the prompt `audit`,
 * the resource notes://secret and the template notes://private/{id} need "notes:admin"; tools/list
 * shows each principal only what its token's scopes allow, and a call without them gets 403
 * insufficient_scope naming the scope (step-up). gina's token carries its scopes as an "scp"
 * array and names its OAuth client in "azp"; the others carry a "scope" string and "client_id".
 * Protected Resource Metadata: GET /.well-known/oauth-protected-resource/mcp.
 */
/* libuv's header needs POSIX types: under plain -std=c11 ask for them before any #include. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <mcp.h>
#include <uv.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ISSUER   "https://auth.example.com"
#define AUDIENCE "urn:libmcp:auth-example"
#define SCOPE    "mcp:tools"

static const struct demo_token {
    const char *token, *sub, *aud, *scope;
    long exp_in, nbf_in; /* seconds from now */
} tokens[] = {
    {"alice-7f3c9a1e", "alice", AUDIENCE, SCOPE, 3600, 0},
    {"bob-52d0e8b4", "bob", AUDIENCE, SCOPE, 3600, 0},
    {"carol-noscope-1", "carol", AUDIENCE, "profile", 3600, 0},    /* 403: lacks mcp:tools */
    {"dave-otheraud-1", "dave", "https://other.example", SCOPE, 3600, 0}, /* 401: audience */
    {"erin-expired-1", "erin", AUDIENCE, SCOPE, -60, 0},            /* 401: expired */
    {"frank-notyet-1", "frank", AUDIENCE, SCOPE, 3600, 600},        /* 401: not valid yet */
    {"henry-writer-1", "henry", AUDIENCE, SCOPE " notes:write", 3600, 0}, /* write_note */
    {"alice-stepped-1", "alice", AUDIENCE, SCOPE " notes:write", 3600, 0}, /* alice, stepped up */
    {"gina-admin-1", "gina", AUDIENCE, SCOPE " notes:write notes:admin", 3600, 0}, /* all */
};

/* Equal strings, in time that does not depend on where they differ. */
static int same_secret(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b), i;
    unsigned char diff = (unsigned char)(na != nb);
    for (i = 0; i < na; i++)
        diff |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
    return diff == 0;
}

/* Does the space-separated list `have` contain `want`? */
static int has_scope(const char *have, const char *want)
{
    size_t n = strlen(want);
    const char *p = have;
    while ((p = strstr(p, want)) != NULL) {
        if ((p == have || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return 1;
        p += n;
    }
    return 0;
}

static int authorize(const char *token, const char *method_path, json_t **principal, void *ud)
{
    time_t now = time(NULL);
    const struct demo_token *t = NULL;
    size_t i;
    (void)method_path;
    (void)ud;
    for (i = 0; i < sizeof tokens / sizeof *tokens; i++)
        if (same_secret(token, tokens[i].token))
            t = &tokens[i];
    if (!t)
        return MCP_AUTH_INVALID_TOKEN;                 /* unknown (or bad signature) */
    if (strcmp(t->aud, AUDIENCE) != 0)                 /* issued for another resource */
        return MCP_AUTH_INVALID_TOKEN;
    if (t->exp_in <= 0 || t->nbf_in > 0)               /* expired, or not valid yet */
        return MCP_AUTH_INVALID_TOKEN;
    if (!has_scope(t->scope, SCOPE)) {
        *principal = json_string(SCOPE);               /* the scope the request needs */
        return MCP_AUTH_INSUFFICIENT_SCOPE;
    }
    if (strcmp(t->sub, "gina") == 0) { /* the "scp" array form, and "azp" for the client */
        json_t *scp = json_array();
        const char *p = t->scope;
        while (*p) {
            size_t n = strcspn(p, " ");
            json_array_append_new(scp, json_stringn(p, n));
            p += n + (p[n] == ' ');
        }
        *principal = json_pack("{s:s, s:s, s:o, s:s, s:I}", "sub", t->sub, "iss", ISSUER, "scp",
                               scp, "azp", "gina-console", "exp", (json_int_t)(now + t->exp_in));
    } else {
        *principal = json_pack("{s:s, s:s, s:s, s:s, s:I}", "sub", t->sub, "iss", ISSUER,
                               "scope", t->scope, "client_id", "demo-client", "exp",
                               (json_int_t)(now + t->exp_in));
    }
    return *principal ? 0 : MCP_AUTH_INVALID_TOKEN;
}

/* Needs "notes:write" (.scopes): only henry's and gina's tokens reach it. */
static int write_note(mcp_call_t *call, const json_t *args, void *ud)
{
    json_t *scopes = mcp_call_scopes(call);
    char *list = json_dumps(scopes, JSON_COMPACT);
    int rc;
    (void)ud;
    rc = mcp_call_text(call, "note '%s' written by %s (client %s, scopes %s, admin: %s)",
                       json_string_value(json_object_get(args, "text")), mcp_call_subject(call),
                       mcp_call_client_id(call), list ? list : "?",
                       mcp_call_has_scope(call, "notes:admin") ? "yes" : "no");
    free(list);
    json_decref(scopes);
    return rc;
}

static int audit(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    return mcp_call_prompt_text(call, "user", "Audit the notes of %s", mcp_call_subject(call));
}

static int read_private(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    (void)ud;
    return mcp_call_resource_text(call, uri, "text/plain",
                                  json_string_value(json_object_get(vars, "id")));
}

static int complete_id(mcp_call_t *call, const char *arg, const char *value, const json_t *ctx,
                       void *ud)
{
    (void)arg;
    (void)value;
    (void)ctx;
    (void)ud;
    return mcp_call_add_completion(call, "42");
}

static int whoami(mcp_call_t *call, const json_t *args, void *ud)
{
    const json_t *who = mcp_call_principal(call);
    const char *sub = json_string_value(json_object_get(who, "sub"));
    (void)args;
    (void)ud;
    return mcp_call_text(call, "%s", sub ? sub : "anonymous");
}

/* MCP_TOOL_BLOCKING: runs on the thread pool, so 2026 callers get a task at once. */
static int whoami_task(mcp_call_t *call, const json_t *args, void *ud)
{
    struct timespec nap = {0, 300000000};
    nanosleep(&nap, NULL);
    return whoami(call, args, ud);
}

/* [HOST:]PORT; HOST defaults to 127.0.0.1. */
static int hostport(const char *v, char *host, size_t size, unsigned *port)
{
    const char *colon = v ? strrchr(v, ':') : NULL;
    char *end;
    unsigned long p;
    if (!v)
        return -1;
    if (colon && (size_t)(colon - v) < size) {
        memcpy(host, v, (size_t)(colon - v));
        host[colon - v] = '\0';
        v = colon + 1;
    } else {
        snprintf(host, size, "127.0.0.1");
    }
    p = strtoul(v, &end, 10);
    if (end == v || *end || p > 65535)
        return -1;
    *port = (unsigned)p;
    return 0;
}

static void on_signal(uv_signal_t *sig, int signum)
{
    (void)signum;
    mcp_server_stop(sig->data);
}

int main(int argc, char **argv)
{
    char http_host[256] = "", sse_host[256] = "";
    unsigned http_port = 0, sse_port = 0, max_sessions_who = 0, max_streams_who = 0;
    int i, rc = 0;
    mcp_http_opts_t o;
    uv_signal_t sigint, sigterm;
    mcp_server_t *srv = mcp_server_new("auth-example", "1.0.0");
    if (!srv)
        return 1;

    for (i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--http") == 0 && hostport(v, http_host, sizeof http_host,
                                                         &http_port) == 0) {
            i++;
        } else if (strcmp(argv[i], "--sse") == 0 && hostport(v, sse_host, sizeof sse_host,
                                                               &sse_port) == 0) {
            i++;
        } else if (strcmp(argv[i], "--max-sessions-per-client") == 0 && v && atoi(v) > 0) {
            max_sessions_who = (unsigned)atoi(v); /* per principal (tests/http/quota.test.mjs) */
            i++;
        } else if (strcmp(argv[i], "--max-streams-per-client") == 0 && v && atoi(v) > 0) {
            max_streams_who = (unsigned)atoi(v);
            i++;
        } else if (strcmp(argv[i], "--log-level") == 0 && v && mcp_log_level_parse(v) >= 0) {
            mcp_server_set_log_level(srv, (mcp_log_level)mcp_log_level_parse(v));
            i++;
        } else {
            fprintf(stderr,
                    "usage: %s --http [HOST:]PORT [--sse [HOST:]PORT] [--log-level L]\n"
                    "       [--max-sessions-per-client N] [--max-streams-per-client N]\n",
                    argv[0]);
            mcp_server_free(srv);
            return 2;
        }
    }
    if (!http_host[0]) {
        fprintf(stderr, "%s: --http is required\n", argv[0]);
        mcp_server_free(srv);
        return 2;
    }

    if (mcp_server_add_tool(srv, &(mcp_tool_t){.name = "whoami",
                                               .description = "Who the bearer token names",
                                               .handler = whoami},
                            NULL) != MCP_OK ||
        mcp_server_add_tool(srv, &(mcp_tool_t){.name = "whoami_task",
                                               .description = "whoami, slowly, as a task",
                                               .handler = whoami_task,
                                               .flags = MCP_TOOL_BLOCKING | MCP_TOOL_TASK_OPTIONAL},
                            NULL) != MCP_OK ||
        mcp_server_add_tool(srv, &(mcp_tool_t){.name = "write_note",
                                               .description = "Write a note (needs notes:write)",
                                               .input_schema = "text: string",
                                               .handler = write_note,
                                               .scopes = "notes:write"},
                            NULL) != MCP_OK ||
        mcp_server_add_prompt(srv, &(mcp_prompt_t){.name = "audit",
                                                   .description = "Audit notes (notes:admin)",
                                                   .handler = audit,
                                                   .scopes = "notes:admin"},
                              NULL) != MCP_OK ||
        mcp_server_add_resource(srv, &(mcp_resource_t){.uri = "notes://public",
                                                       .name = "public",
                                                       .text = "for everyone"},
                                NULL) != MCP_OK ||
        mcp_server_add_resource(srv, &(mcp_resource_t){.uri = "notes://secret",
                                                       .name = "secret",
                                                       .text = "for admins",
                                                       .scopes = "notes:admin"},
                                NULL) != MCP_OK ||
        mcp_server_add_resource(srv, &(mcp_resource_t){.uri_template = "notes://private/{id}",
                                                       .name = "private",
                                                       .handler = read_private,
                                                       .complete = complete_id,
                                                       .scopes = "notes:admin"},
                                NULL) != MCP_OK) {
        mcp_server_free(srv);
        return 1;
    }

    memset(&o, 0, sizeof o);
    o.authorize = authorize;
    o.authorization_servers = ISSUER;
    o.scopes = SCOPE;
    o.host = http_host;
    o.port = http_port;
    o.max_sessions_per_principal = max_sessions_who;
    o.max_streams_per_principal = max_streams_who;
    if ((rc = mcp_server_listen_http(srv, &o)) != MCP_OK) {
        fprintf(stderr, "%s: cannot serve HTTP: %s\n", argv[0], mcp_strerror(rc));
        mcp_server_free(srv);
        return 1;
    }
    fprintf(stderr, "%s: Streamable HTTP on http://%s:%u/mcp\n", argv[0], http_host,
            mcp_server_http_port(srv, 0));
    if (sse_host[0]) {
        o.host = sse_host;
        o.port = sse_port;
        if ((rc = mcp_server_listen_sse(srv, &o)) != MCP_OK) {
            fprintf(stderr, "%s: cannot serve HTTP+SSE: %s\n", argv[0], mcp_strerror(rc));
            mcp_server_free(srv);
            return 1;
        }
        fprintf(stderr, "%s: HTTP+SSE on http://%s:%u/sse\n", argv[0], sse_host,
                mcp_server_http_port(srv, 1));
    }

    uv_signal_init(mcp_server_loop(srv), &sigint);
    uv_signal_init(mcp_server_loop(srv), &sigterm);
    sigint.data = sigterm.data = srv;
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_unref((uv_handle_t *)&sigint);
    uv_unref((uv_handle_t *)&sigterm);
    rc = mcp_server_run(srv);
    uv_close((uv_handle_t *)&sigint, NULL);
    uv_close((uv_handle_t *)&sigterm, NULL);
    mcp_server_free(srv);
    return rc == MCP_OK ? 0 : 1;
}
