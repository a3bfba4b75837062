/*
 * The HTTP part of mcp_server_main()'s command line (cli.c calls in here): --http, --sse and
 * their options. Kept apart so the STDIO-only command line stays small.
 */
#include "app/app.h"

#include <errno.h>

#define MAX_ORIGINS 32

struct mcp__http_cli {
    bool http, sse;
    char http_host[256], sse_host[256];
    unsigned http_port, sse_port;
    mcp_http_opts_t o;
    const char *origins[MAX_ORIGINS + 1];
    size_t norigins;
    char *token;                      /* --bearer-token-env's value (copied, wiped on free) */
    char *servers;                    /* --auth-server values, comma-separated */
    char *metadata_url;               /* from --resource-url */
    const char *store, *store_prefix; /* --store URL, --store-prefix P */
};

const char *const mcp__http_cli_usage =
    "  --http [HOST:]PORT serve Streamable HTTP (default host 127.0.0.1; PORT 0 = any free)\n"
    "  --sse [HOST:]PORT  serve the legacy HTTP+SSE transport (GET /sse, POST /message)\n"
    "  --path PATH        Streamable HTTP endpoint path (default /mcp)\n"
    "  --stateless        no sessions: every POST is served on its own (2025-era clients\n"
    "                     are then offered no subscriptions, list changes or logging)\n"
    "  --json-response    answer POSTs with JSON only, never an SSE stream\n"
    "  --no-get           no standalone GET stream (405)\n"
    "  --allow-origin O   also allow this Origin (repeatable; '*' = any); loopback origins\n"
    "                     are always allowed, others get 403\n"
    "  --cors             answer CORS preflights and expose Mcp-Session-Id to browsers\n"
    "  --tls-cert FILE    serve HTTPS with this PEM certificate (needs --tls-key)\n"
    "  --tls-key FILE     the certificate's PEM private key\n"
    "  --max-sessions N   sessions kept at once (default 10000); when full, the least\n"
    "                     recently active one is evicted if idle for --evict-idle, else\n"
    "                     initialize gets 503 + Retry-After\n"
    "  --evict-idle T     idle time that makes a session evictable (default 60s)\n"
    "  --max-sessions-per-client N  sessions per principal, or per address without\n"
    "                     authorization (default 1000; 429 past it)\n"
    "  --max-streams-per-client N  open SSE streams per principal/address (default 256)\n"
    "  --session-timeout T  an idle session expires after T (default 30m; e.g. 90, 2s, 500ms)\n"
    "  --max-body BYTES   request body limit (default 4 MiB)\n"
    "  --max-connections N  open connections in total (default 10000)\n"
    "  --max-per-ip N     open connections per client address (default 64)\n"
    "  --connection-timeout T  idle non-streaming connections close after T (default 10s)\n"
    "  --request-deadline T  a request's headers and body must arrive within T (default 30s;\n"
    "                     past it: closed in the headers, 408 in the body)\n"
    "  --connection-memory BYTES  per-connection buffer, bounds header size (default 16k)\n"
    "  --max-streams N    SSE GET streams per session (default 4)\n"
    "  --keepalive T      SSE keep-alive comment period (default 15s)\n"
    "  --event-store BYTES  events kept for Last-Event-ID resumption (default 8 MiB)\n"
    "  --max-stream-buffer BYTES  output queued per SSE stream for a slow reader (default\n"
    "                     1M): past it the stream ends (resume with Last-Event-ID); legacy\n"
    "                     SSE POSTs get 503 + Retry-After\n"
    "  --grace T          on SIGINT/SIGTERM, time left to requests in flight (default 5s)\n"
    "Replicas (any replica serves any request; see include/mcp_store.h):\n"
    "  --store redis://HOST[:PORT][/DB]  keep sessions, events, tasks and used requestStates\n"
    "                     in Redis (password from $MCP_REDIS_PASSWORD, never the command line)\n"
    "  --store-prefix P   namespace of the keys and channel (default mcp); one per server\n"
    "Authorization (OAuth 2.1 resource server; both transports; the secret never goes on the\n"
    "command line). A non-loopback bind without it is allowed (e.g. behind an authenticating\n"
    "proxy) but prints a warning:\n"
    "  --bearer-token-env VAR  require 'Authorization: Bearer <token>' equal to $VAR\n"
    "  --auth-server URL  an OAuth authorization server for the RFC 9728 metadata served at\n"
    "                     /.well-known/oauth-protected-resource (repeatable)\n"
    "  --scopes \"A B\"     scopes: scopes_supported and the scope of 401/403 challenges\n"
    "  --resource-url URL the canonical URI of the --http endpoint as clients reach it\n"
    "                     (default: from the Host header), e.g. https://mcp.example.com/mcp\n"
    "  --jwks-url URL     accept JWT access tokens signed by a key of this JWK Set\n"
    "                     (RS256, PS256, ES256, EdDSA), fetched and cached\n"
    "  --jwks-file PATH   the same from a file (read again when a token names a new kid)\n"
    "  --issuer URL       the 'iss' tokens must name (required with a JWK Set)\n"
    "  --audience URI     the 'aud' tokens must hold (default: the resource URI, RFC 8707)\n"
    "  --jwt-leeway T     clock skew allowed on exp/nbf/iat (default 60s)\n"
    "  --jwks-min-interval T  an unknown kid refetches the JWK Set at most this often\n"
    "                     (default 30s)\n"
    "  --introspection-url URL  check opaque tokens with RFC 7662 introspection, as the\n"
    "                     client $MCP_INTROSPECTION_CLIENT_ID / $MCP_INTROSPECTION_CLIENT_SECRET\n"
    "  --introspection-timeout T  past it the request gets 503 (default 5s)\n";

/* "90", "2s", "500ms", "30m", "1.5" -> milliseconds; 0 on error. */
static unsigned long duration_ms(const char *v)
{
    char *end;
    double x;
    if (!v)
        return 0;
    errno = 0;
    x = strtod(v, &end);
    if (errno || end == v || x <= 0)
        return 0;
    if (strcmp(end, "ms") == 0)
        ;
    else if (*end == '\0' || strcmp(end, "s") == 0)
        x *= 1000;
    else if (strcmp(end, "m") == 0)
        x *= 60000;
    else if (strcmp(end, "h") == 0)
        x *= 3600000;
    else
        return 0;
    if (x < 1 || x > 4e9)
        return 0;
    return (unsigned long)x;
}

static unsigned long long number(const char *v)
{
    char *end;
    unsigned long long n;
    if (!v || *v == '-')
        return 0;
    errno = 0;
    n = strtoull(v, &end, 10);
    if (errno || end == v)
        return 0;
    if (*end == 'k' || *end == 'K')
        n <<= 10, end++;
    else if (*end == 'M')
        n <<= 20, end++;
    return *end ? 0 : n;
}

/* [HOST:]PORT, HOST may be [v6]. */
static int hostport(const char *v, char *host, size_t hsize, unsigned *port)
{
    const char *colon;
    char *end;
    unsigned long p;
    if (!v || !*v)
        return -1;
    colon = strrchr(v, ':');
    if (v[0] == '[') {
        const char *close = strchr(v, ']');
        if (!close || close[1] != ':' || (size_t)(close - v - 1) >= hsize)
            return -1;
        memcpy(host, v + 1, (size_t)(close - v - 1));
        host[close - v - 1] = '\0';
        colon = close + 1;
    } else if (colon) {
        if ((size_t)(colon - v) >= hsize || colon == v)
            return -1;
        memcpy(host, v, (size_t)(colon - v));
        host[colon - v] = '\0';
    } else {
        snprintf(host, hsize, "127.0.0.1");
    }
    v = colon ? colon + 1 : v;
    errno = 0;
    p = strtoul(v, &end, 10);
    if (errno || end == v || *end || p > 65535)
        return -1;
    *port = (unsigned)p;
    return 0;
}

static bool flag(const char *a, const char *name, const char **inline_value)
{
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return false;
    if (a[n] == '\0') {
        *inline_value = NULL;
        return true;
    }
    if (a[n] == '=') {
        *inline_value = a + n + 1;
        return true;
    }
    return false;
}

int mcp__http_cli_flag(struct mcp__http_cli **pc, int argc, char **argv, int *i, const char *argv0)
{
    static const char *const with_value[] = {"--http",
                                             "--sse",
                                             "--path",
                                             "--allow-origin",
                                             "--tls-cert",
                                             "--tls-key",
                                             "--max-sessions",
                                             "--session-timeout",
                                             "--max-body",
                                             "--max-connections",
                                             "--max-per-ip",
                                             "--connection-timeout",
                                             "--max-streams",
                                             "--keepalive",
                                             "--event-store",
                                             "--grace",
                                             "--connection-memory",
                                             "--bearer-token-env",
                                             "--auth-server",
                                             "--scopes",
                                             "--resource-url",
                                             "--request-deadline",
                                             "--max-stream-buffer",
                                             "--evict-idle",
                                             "--max-sessions-per-client",
                                             "--max-streams-per-client",
                                             "--store",
                                             "--store-prefix",
                                             "--jwks-url",
                                             "--jwks-file",
                                             "--issuer",
                                             "--audience",
                                             "--jwt-leeway",
                                             "--jwks-min-interval",
                                             "--introspection-url",
                                             "--introspection-timeout"};
    static const char *const bare[] = {"--stateless", "--json-response", "--cors", "--no-get"};
    const char *a = argv[*i], *v = NULL, *name = NULL;
    struct mcp__http_cli *c = *pc;
    size_t k;
    bool has_value = false;
    unsigned long long n = 0;

    for (k = 0; k < sizeof with_value / sizeof *with_value && !name; k++)
        if (flag(a, with_value[k], &v)) {
            name = with_value[k];
            has_value = true;
        }
    for (k = 0; k < sizeof bare / sizeof *bare && !name; k++)
        if (strcmp(a, bare[k]) == 0)
            name = bare[k];
    if (!name)
        return 0;
    if (has_value && !v) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", argv0, name);
            return -1;
        }
        v = argv[++*i];
    }
    if (!c && !(c = *pc = calloc(1, sizeof *c)))
        return -1;

#define BAD()                                                                     \
    do {                                                                          \
        fprintf(stderr, "%s: bad value for %s: '%s'\n", argv0, name, v ? v : ""); \
        return -1;                                                                \
    } while (0)
    if (strcmp(name, "--http") == 0) {
        if (hostport(v, c->http_host, sizeof c->http_host, &c->http_port) != 0)
            BAD();
        c->http = true;
    } else if (strcmp(name, "--sse") == 0) {
        if (hostport(v, c->sse_host, sizeof c->sse_host, &c->sse_port) != 0)
            BAD();
        c->sse = true;
    } else if (strcmp(name, "--path") == 0) {
        if (v[0] != '/')
            BAD();
        c->o.path = v;
    } else if (strcmp(name, "--allow-origin") == 0) {
        if (c->norigins >= MAX_ORIGINS)
            BAD();
        c->origins[c->norigins++] = v;
    } else if (strcmp(name, "--bearer-token-env") == 0) {
        const char *secret = getenv(v);
        if (!secret || !*secret) {
            fprintf(stderr, "%s: %s: environment variable '%s' is not set or empty\n", argv0, name,
                    v);
            return -1;
        }
        free(c->token);
        if (!(c->token = strdup(secret)))
            return -1;
    } else if (strcmp(name, "--auth-server") == 0) {
        size_t have = c->servers ? strlen(c->servers) : 0, vlen = strlen(v);
        char *nb;
        if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0)
            BAD();
        if (!(nb = realloc(c->servers, have + vlen + 2)))
            return -1;
        c->servers = nb;
        if (have)
            nb[have++] = ',';
        memcpy(nb + have, v, vlen + 1);
        c->o.authorization_servers = c->servers;
    } else if (strcmp(name, "--scopes") == 0) {
        c->o.scopes = v;
    } else if (strcmp(name, "--jwks-url") == 0 || strcmp(name, "--introspection-url") == 0) {
        if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0)
            BAD();
        if (strcmp(name, "--jwks-url") == 0)
            c->o.jwks_url = v;
        else
            c->o.introspection_url = v;
    } else if (strcmp(name, "--jwks-file") == 0) {
        c->o.jwks_file = v;
    } else if (strcmp(name, "--issuer") == 0) {
        c->o.issuer = v;
    } else if (strcmp(name, "--audience") == 0) {
        c->o.audience = v;
    } else if (strcmp(name, "--jwt-leeway") == 0 || strcmp(name, "--jwks-min-interval") == 0) {
        unsigned long ms = duration_ms(v);
        if (!ms)
            BAD();
        if (strcmp(name, "--jwt-leeway") == 0)
            c->o.jwt_leeway_s = (unsigned)((ms + 999) / 1000);
        else
            c->o.jwks_min_interval_s = (unsigned)((ms + 999) / 1000);
    } else if (strcmp(name, "--introspection-timeout") == 0) {
        if (!(c->o.introspection_timeout_ms = (unsigned)duration_ms(v)))
            BAD();
    } else if (strcmp(name, "--resource-url") == 0) {
        /* scheme://authority/path -> scheme://authority/.well-known/oauth-protected-resource/path
         */
        const char *auth = strstr(v, "://"), *path;
        size_t ulen;
        if (!auth || strpbrk(v, "?#") ||
            (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0))
            BAD();
        path = strchr(auth + 3, '/');
        if (!path)
            path = v + strlen(v);
        if (path == auth + 3)
            BAD();
        ulen = strlen(v) + sizeof "/.well-known/oauth-protected-resource";
        free(c->metadata_url);
        if (!(c->metadata_url = malloc(ulen)))
            return -1;
        snprintf(c->metadata_url, ulen, "%.*s/.well-known/oauth-protected-resource%s",
                 (int)(path - v), v, strcmp(path, "/") == 0 ? "" : path);
    } else if (strcmp(name, "--store") == 0) {
        if (strncmp(v, "redis://", 8) != 0)
            BAD();
        c->store = v;
    } else if (strcmp(name, "--store-prefix") == 0) {
        if (!*v || strpbrk(v, " \t\r\n"))
            BAD();
        c->store_prefix = v;
    } else if (strcmp(name, "--tls-cert") == 0) {
        c->o.tls_cert_file = v;
    } else if (strcmp(name, "--tls-key") == 0) {
        c->o.tls_key_file = v;
    } else if (strcmp(name, "--stateless") == 0) {
        c->o.stateless = 1;
    } else if (strcmp(name, "--json-response") == 0) {
        c->o.json_response = 1;
    } else if (strcmp(name, "--cors") == 0) {
        c->o.cors = 1;
    } else if (strcmp(name, "--no-get") == 0) {
        c->o.disable_get = 1;
    } else if (strcmp(name, "--session-timeout") == 0) {
        if (!(c->o.session_timeout_ms = (unsigned)duration_ms(v)))
            BAD();
    } else if (strcmp(name, "--keepalive") == 0) {
        if (!(c->o.keepalive_ms = (unsigned)duration_ms(v)))
            BAD();
    } else if (strcmp(name, "--request-deadline") == 0) {
        if (!(c->o.request_deadline_ms = (unsigned)duration_ms(v)))
            BAD();
    } else if (strcmp(name, "--evict-idle") == 0) {
        if (!(c->o.session_evict_idle_ms = (unsigned)duration_ms(v)))
            BAD();
    } else if (strcmp(name, "--grace") == 0) {
        if (!(c->o.grace_ms = (unsigned)duration_ms(v)))
            BAD();
    } else if (strcmp(name, "--connection-timeout") == 0) {
        unsigned long ms = duration_ms(v);
        if (!ms)
            BAD();
        c->o.connection_timeout_s = (unsigned)((ms + 999) / 1000);
    } else {
        if (!(n = number(v)) || n > 0xffffffffull)
            BAD();
        if (strcmp(name, "--max-sessions") == 0)
            c->o.max_sessions = (unsigned)n;
        else if (strcmp(name, "--max-body") == 0)
            c->o.max_body_bytes = (size_t)n;
        else if (strcmp(name, "--max-connections") == 0)
            c->o.max_connections = (unsigned)n;
        else if (strcmp(name, "--max-per-ip") == 0)
            c->o.max_per_ip = (unsigned)n;
        else if (strcmp(name, "--max-streams") == 0)
            c->o.max_streams_per_session = (unsigned)n;
        else if (strcmp(name, "--event-store") == 0)
            c->o.event_store_bytes = (size_t)n;
        else if (strcmp(name, "--connection-memory") == 0)
            c->o.connection_memory = (size_t)n;
        else if (strcmp(name, "--max-stream-buffer") == 0)
            c->o.max_stream_buffer = (size_t)n;
        else if (strcmp(name, "--max-sessions-per-client") == 0)
            c->o.max_sessions_per_principal = (unsigned)n;
        else if (strcmp(name, "--max-streams-per-client") == 0)
            c->o.max_streams_per_principal = (unsigned)n;
    }
#undef BAD
    return 1;
}

bool mcp__http_cli_wanted(const struct mcp__http_cli *c)
{
    return c && (c->http || c->sse);
}

/* A numeric or named loopback address? ("localhost", 127.0.0.0/8, ::1) */
static bool loopback_name(const char *h)
{
    return strcmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0;
}

/* Serving beyond this machine with no authorization is allowed (a reverse proxy may do it),
 * but never silently. */
static void warn_open(const char *argv0, const char *flag, const char *host, bool auth)
{
    if (auth || loopback_name(host))
        return;
    fprintf(stderr,
            "%s: WARNING: %s binds %s, reachable from other machines, with NO AUTHORIZATION:\n"
            "%s: WARNING: anyone who can connect can call every tool. Use --bearer-token-env\n"
            "%s: WARNING: (or an authorize callback), bind 127.0.0.1, or put an authenticating\n"
            "%s: WARNING: proxy in front.\n",
            argv0, flag, host, argv0, argv0, argv0);
}

int mcp__http_cli_start(mcp_server_t *srv, struct mcp__http_cli *c, const char *argv0)
{
    int rc;
    bool auth;
    c->origins[c->norigins] = NULL;
    c->o.allowed_origins = c->norigins ? c->origins : NULL;
    c->o.bearer_token = c->token;
    if (c->o.introspection_url) {
        /* the credentials come from the environment, never from the command line */
        c->o.introspection_client_id = getenv("MCP_INTROSPECTION_CLIENT_ID");
        c->o.introspection_client_secret = getenv("MCP_INTROSPECTION_CLIENT_SECRET");
        if (!c->o.introspection_client_id || !*c->o.introspection_client_id ||
            !c->o.introspection_client_secret) {
            fprintf(stderr,
                    "%s: --introspection-url needs MCP_INTROSPECTION_CLIENT_ID and "
                    "MCP_INTROSPECTION_CLIENT_SECRET in the environment\n",
                    argv0);
            return MCP_EINVAL;
        }
    }
    auth = c->o.bearer_token || c->o.authorize || c->o.jwks_url || c->o.jwks_file ||
           c->o.introspection_url;
    if (c->store) {
        mcp_store_t *st = mcp_store_redis(c->store, getenv("MCP_REDIS_PASSWORD"), c->store_prefix);
        if (!st) {
            fprintf(stderr, "%s: --store %s: %s\n", argv0, c->store, mcp_store_error());
            return MCP_EINVAL;
        }
        if ((rc = mcp_server_set_store(srv, st)) != MCP_OK) {
            fprintf(stderr, "%s: --store: %s\n", argv0, mcp_strerror(rc));
            return rc;
        }
    }
    if (c->http) {
        mcp_http_opts_t o = c->o;
        o.host = c->http_host;
        o.port = c->http_port;
        o.resource_metadata_url = c->metadata_url;
        warn_open(argv0, "--http", o.host, auth);
        if ((rc = mcp_server_listen_http(srv, &o)) != MCP_OK) {
            fprintf(stderr, "%s: cannot serve HTTP on %s:%u: %s\n", argv0, c->http_host,
                    c->http_port, mcp_strerror(rc));
            return rc;
        }
        fprintf(stderr, "%s: Streamable HTTP on %s://%s%s%s:%u%s\n", argv0,
                o.tls_cert_file ? "https" : "http", strchr(o.host, ':') ? "[" : "", o.host,
                strchr(o.host, ':') ? "]" : "", mcp_server_http_port(srv, 0),
                o.path ? o.path : "/mcp");
    }
    if (c->sse) {
        mcp_http_opts_t o = c->o;
        o.host = c->sse_host;
        o.port = c->sse_port;
        o.path = NULL;
        warn_open(argv0, "--sse", o.host, auth);
        if ((rc = mcp_server_listen_sse(srv, &o)) != MCP_OK) {
            fprintf(stderr, "%s: cannot serve HTTP+SSE on %s:%u: %s\n", argv0, c->sse_host,
                    c->sse_port, mcp_strerror(rc));
            return rc;
        }
        fprintf(stderr, "%s: HTTP+SSE on %s://%s%s%s:%u/sse\n", argv0,
                o.tls_cert_file ? "https" : "http", strchr(o.host, ':') ? "[" : "", o.host,
                strchr(o.host, ':') ? "]" : "", mcp_server_http_port(srv, 1));
    }
    return MCP_OK;
}

int mcp__http_cli_workers(struct mcp__http_cli *c, unsigned workers, unsigned *grace_ms,
                          const char *argv0)
{
    char err[256];
    int fd;

    if (!c || !c->http || c->sse) {
        fprintf(stderr, "%s: --workers needs --http%s\n", argv0,
                c && c->sse ? " and no --sse (a legacy HTTP+SSE session lives in one process)"
                            : "");
        return -1;
    }
    /* without a shared store a 2025-era session lives in the process that created it, and the
     * kernel hands the client's next connection to any worker */
    if (!c->o.stateless && !c->store)
        fprintf(stderr,
                "%s: --workers %u without --store: 2025-era sessions would live in one process "
                "while the kernel spreads connections over all, so 2025-era clients are served "
                "stateless (as with --stateless); 2026-07-28 clients are not affected\n",
                argv0, workers);
    if (!c->store)
        c->o.stateless = 1;
    c->o.reuse_port = 1;
    *grace_ms = c->o.grace_ms ? c->o.grace_ms : 5000;

    /* bound, never listening: holds the port (and fixes "port 0") while workers come and go */
    if ((fd = mcp__httpd_hold_port(c->http_host, &c->http_port, err, sizeof err)) < 0)
        fprintf(stderr, "%s: cannot serve HTTP on %s:%u: %s\n", argv0, c->http_host, c->http_port,
                err);
    return fd;
}

void mcp__http_cli_free(struct mcp__http_cli *c)
{
    if (!c)
        return;
    if (c->token) {
        volatile char *p = c->token;
        while (*p)
            *p++ = 0;
        free(c->token);
    }
    free(c->servers);
    free(c->metadata_url);
    free(c);
}
