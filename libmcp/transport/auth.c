/*
 * Authorization for the HTTP transports: the server as an OAuth 2.1 resource server (MCP
 * 2025-06-18 and later), and RFC 9728 Protected Resource Metadata.
 *
 * Order on every request (httpd.c, first_call): Origin and Host checks, CORS preflight,
 * then mcp__auth_request() here (the stage the transports install with mcp__auth_install()),
 * then the transport (path, session lookup, body). So an
 * unauthenticated request never reaches a session or has its body read.
 *
 * - The token comes from `Authorization: Bearer <token>` only (RFC 6750 §2.1). A token in the
 *   query string (`access_token`) is refused with 400, as are a malformed header and several
 *   Authorization headers. No header, or another scheme: 401 with a challenge and no error code
 *   (RFC 6750 §3.1). A token that does not validate: 401 error="invalid_token". The validator
 *   asking for more scope: 403 error="insufficient_scope". A built-in validator (verify.c: JWT
 *   against a JWK Set, or introspection) that cannot check the token now (keys or endpoint
 *   unavailable): 503 + Retry-After, fail closed; one that must wait for a fetch parks the
 *   request (MCP__STAGE_LATER) and answers from parked_done().
 * - A static shared secret is compared as SHA-256 digests in constant time (libcrypto's
 *   CRYPTO_memcmp; libcrypto is loaded when authorization is configured): the time taken
 *   depends only on the presented token's length, never on how much of it matches.
 * - The token is never logged, copied into an error body, or kept after the check.
 * - The principal a validator returns is kept on the request (mcp__hconn) and bound to the
 *   sessions it creates; a session presented with another principal is treated as unknown.
 */
#include "transport/httpd.h"

#include <strings.h>

#define WELL_KNOWN    "/.well-known/oauth-protected-resource"
#define MAX_ENDPOINTS 2

struct mcp__auth {
    bool has_secret;
    unsigned char secret[32]; /* SHA-256 of the static bearer token */
    int (*authorize)(const char *token, const char *method_path, json_t **principal, void *ud);
    void *ud;
    char *metadata_url; /* configured, or NULL (built per request) */
    char *resource;     /* canonical resource URI from metadata_url, or NULL */
    json_t *servers;    /* authorization_servers (array), NULL: no metadata served */
    json_t *scopes;     /* scopes_supported (array) or NULL */
    char *scope_text;   /* the same, space-separated, or NULL */
    char *endpoints[MAX_ENDPOINTS + 1];
    mcp__verifier *verifier; /* JWT or introspection (verify.c), or NULL */
};

/* ---- configuration ------------------------------------------------------------------------- */

/* An absolute http(s) URL that fits in a quoted-string and a JSON string unescaped. */
static bool url_ok(const char *u, size_t n)
{
    size_t i;
    if (!((n > 7 && strncasecmp(u, "http://", 7) == 0) ||
          (n > 8 && strncasecmp(u, "https://", 8) == 0)))
        return false;
    for (i = 0; i < n; i++)
        if ((unsigned char)u[i] <= 0x20 || u[i] == '"' || u[i] == '\\' || u[i] == ',' ||
            (unsigned char)u[i] >= 0x7f)
            return false;
    return true;
}

/* RFC 6749 scope-token: %x21 / %x23-5B / %x5D-7E. */
static bool scope_char(unsigned char ch)
{
    return ch >= 0x21 && ch <= 0x7e && ch != '"' && ch != '\\';
}

/* RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static size_t b64token_len(const char *s)
{
    size_t n = 0;
    while ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
           (s[n] >= '0' && s[n] <= '9') || s[n] == '-' || s[n] == '.' || s[n] == '_' ||
           s[n] == '~' || s[n] == '+' || s[n] == '/')
        n++;
    if (n == 0)
        return 0;
    while (s[n] == '=')
        n++;
    return n;
}

/* memset that the compiler may not drop before a free(). */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

static int bad(mcp_server_t *srv, const char *name, const char *why)
{
    mcp_server_log(srv, MCP_LOG_ERROR, "%s: authorization: %s", name, why);
    return MCP_EINVAL;
}

static void auth_free(void *state)
{
    mcp__auth *a = state;
    size_t i;
    if (!a)
        return;
    free(a->metadata_url);
    free(a->resource);
    json_decref(a->servers);
    json_decref(a->scopes);
    free(a->scope_text);
    mcp__verifier_free(a->verifier);
    for (i = 0; i < MAX_ENDPOINTS; i++)
        free(a->endpoints[i]);
    wipe(a, sizeof *a);
    free(a);
}

static int parse_opts(mcp__auth *a, mcp_server_t *srv, const char *name, const mcp_http_opts_t *o)
{
    const char *p;
    if (o->bearer_token) {
        size_t n = strlen(o->bearer_token);
        if (n == 0 || b64token_len(o->bearer_token) != n)
            return bad(srv, name,
                       "bearer_token must be a non-empty RFC 6750 token "
                       "(letters, digits and -._~+/ then optional '=')");
        if (mcp__sha256_once(o->bearer_token, n, a->secret) != MCP_OK)
            return MCP_EIO;
        a->has_secret = true;
    }
    a->authorize = o->authorize;
    a->ud = o->authorize_userdata;
    if (o->resource_metadata_url) {
        const char *u = o->resource_metadata_url, *wk;
        if (!url_ok(u, strlen(u)))
            return bad(srv, name, "resource_metadata_url must be an absolute http(s) URL");
        if (!(a->metadata_url = strdup(u)))
            return MCP_ENOMEM;
        /* RFC 9728 §3.1: the metadata URL is the resource URI with the well-known path inserted
         * after the authority; take it back out to get the resource. */
        wk = strstr(u, WELL_KNOWN);
        if (wk && (wk[strlen(WELL_KNOWN)] == '\0' || wk[strlen(WELL_KNOWN)] == '/')) {
            size_t head = (size_t)(wk - u), tail = strlen(wk + strlen(WELL_KNOWN));
            if (!(a->resource = malloc(head + tail + 1)))
                return MCP_ENOMEM;
            memcpy(a->resource, u, head);
            memcpy(a->resource + head, wk + strlen(WELL_KNOWN), tail + 1);
        }
    }
    for (p = o->authorization_servers; p && *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n > 0 && (*p == ' ' || *p == '\t'))
            p++, n--;
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n > 0) {
            if (!url_ok(p, n))
                return bad(srv, name,
                           "authorization_servers must be absolute http(s) URLs, "
                           "separated by commas");
            if (!a->servers && !(a->servers = json_array()))
                return MCP_ENOMEM;
            if (json_array_append_new(a->servers, json_stringn(p, n)) != 0)
                return MCP_ENOMEM;
        }
        p = end ? end + 1 : NULL;
    }
    for (p = o->scopes; p && *p;) {
        size_t n = 0;
        while (*p == ' ')
            p++;
        while (p[n] && p[n] != ' ') {
            if (!scope_char((unsigned char)p[n]))
                return bad(srv, name, "scopes: a scope may not contain '\"', '\\' or controls");
            n++;
        }
        if (n > 0) {
            if (!a->scopes && !(a->scopes = json_array()))
                return MCP_ENOMEM;
            if (json_array_append_new(a->scopes, json_stringn(p, n)) != 0)
                return MCP_ENOMEM;
        }
        p += n;
    }
    if (a->scopes) {
        size_t i, len = 0;
        for (i = 0; i < json_array_size(a->scopes); i++)
            len += json_string_length(json_array_get(a->scopes, i)) + 1;
        if (!(a->scope_text = malloc(len)))
            return MCP_ENOMEM;
        len = 0;
        for (i = 0; i < json_array_size(a->scopes); i++) {
            const json_t *s = json_array_get(a->scopes, i);
            if (i)
                a->scope_text[len++] = ' ';
            memcpy(a->scope_text + len, json_string_value(s), json_string_length(s));
            len += json_string_length(s);
        }
        a->scope_text[len] = '\0';
    }
    return MCP_OK;
}

static void parked_done(mcp__hconn *c, int status, json_t *principal);

static int auth_new(mcp_server_t *srv, const char *name, const mcp_http_opts_t *o,
                    const char *const *endpoints, mcp__auth **out)
{
    mcp__auth *a;
    mcp__verifier *v = NULL;
    size_t i;
    int rc;
    *out = NULL;
    if (!o)
        return MCP_OK;
    if ((rc = mcp__verifier_new(srv, name, o, parked_done, &v)) != MCP_OK)
        return rc;
    if (v && o->authorize) {
        mcp__verifier_free(v);
        return bad(srv, name,
                   "authorize and a built-in validator (jwks_url, jwks_file, "
                   "introspection_url) exclude each other");
    }
    if ((o->bearer_token || o->authorize) && !v && mcp__crypto_load(NULL, 0) != MCP_OK) {
        /* a static token is compared as SHA-256 digests, and principals are counted by one */
        char why[200];
        mcp__crypto_load(why, sizeof why);
        return bad(srv, name, why);
    }
    if (!o->bearer_token && !o->authorize && !v) {
        /* Advertising OAuth while letting everyone in would be worse than either alone. */
        if ((o->authorization_servers && *o->authorization_servers) || o->resource_metadata_url ||
            (o->scopes && *o->scopes))
            return bad(srv, name,
                       "authorization_servers, resource_metadata_url and scopes need "
                       "a token validator (bearer_token or authorize)");
        return MCP_OK;
    }
    if (!(a = calloc(1, sizeof *a))) {
        mcp__verifier_free(v);
        return MCP_ENOMEM;
    }
    a->verifier = v;
    for (i = 0; endpoints && endpoints[i] && i < MAX_ENDPOINTS; i++)
        if (!(a->endpoints[i] = strdup(endpoints[i]))) {
            auth_free(a);
            return MCP_ENOMEM;
        }
    if ((rc = parse_opts(a, srv, name, o)) != MCP_OK) {
        auth_free(a);
        return rc;
    }
    *out = a;
    return MCP_OK;
}

/* ---- URLs ------------------------------------------------------------------------------------ */

/* scheme://authority of this request: from Host when it looks like one, else localhost and the
 * bound port (HTTP/1.0 without Host). Set resource_metadata_url behind a proxy. */
static void origin_of(mcp__httpd *d, mcp__hconn *c, char *out, size_t size)
{
    const char *host = mcp__hconn_header(c, MHD_HTTP_HEADER_HOST);
    const char *scheme = d->tls_cert ? "https" : "http";
    size_t i, n = host ? strlen(host) : 0;
    bool ok = n > 0 && n < 256;
    for (i = 0; ok && i < n; i++) {
        char ch = host[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '.' || ch == '-' || ch == ':' || ch == '[' || ch == ']';
    }
    if (ok)
        snprintf(out, size, "%s://%s", scheme, host);
    else
        snprintf(out, size, "%s://localhost:%u", scheme, d->port);
}

/* The metadata URL for challenges (malloc'd), or NULL when none is known. */
static char *metadata_url(mcp__httpd *d, mcp__hconn *c)
{
    mcp__auth *a = d->cfg.stage_state;
    char origin[320], *u;
    size_t n;
    if (a->metadata_url)
        return strdup(a->metadata_url);
    if (!a->servers)
        return NULL; /* nothing served here: a challenge without resource_metadata */
    origin_of(d, c, origin, sizeof origin);
    n = strlen(origin) + strlen(WELL_KNOWN) + strlen(a->endpoints[0] ? a->endpoints[0] : "") + 1;
    if ((u = malloc(n)))
        snprintf(u, n, "%s%s%s", origin, WELL_KNOWN, a->endpoints[0] ? a->endpoints[0] : "");
    return u;
}

/* Is `url` one of the metadata paths (the root one, or one per endpoint)? */
static bool is_metadata_path(mcp__auth *a, const char *url)
{
    size_t i, n = strlen(WELL_KNOWN);
    if (strncmp(url, WELL_KNOWN, n) != 0)
        return false;
    if (url[n] == '\0')
        return true;
    for (i = 0; a->endpoints[i]; i++)
        if (strcmp(url + n, a->endpoints[i]) == 0)
            return true;
    return false;
}

static void serve_metadata(mcp__httpd *d, mcp__hconn *c)
{
    mcp__auth *a = d->cfg.stage_state;
    char origin[320];
    json_t *doc;
    origin_of(d, c, origin, sizeof origin);
    doc = json_object();
    if (a->resource)
        json_object_set_new(doc, "resource", json_string(a->resource));
    else
        json_object_set_new(doc, "resource",
                            json_sprintf("%s%s", origin, a->endpoints[0] ? a->endpoints[0] : ""));
    json_object_set(doc, "authorization_servers", a->servers);
    if (a->scopes)
        json_object_set(doc, "scopes_supported", a->scopes);
    json_object_set_new(doc, "bearer_methods_supported", json_pack("[s]", "header"));
    if (!doc || !json_is_string(json_object_get(doc, "resource"))) {
        json_decref(doc);
        mcp__hconn_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, 0, "Internal Server Error");
        return;
    }
    mcp__hconn_json(c, MHD_HTTP_OK, doc, MHD_HTTP_HEADER_CACHE_CONTROL, "max-age=3600");
    json_decref(doc);
}

/* ---- challenges --------------------------------------------------------------------------------
 */

/* The Bearer challenge (RFC 6750 §3): `error` is the RFC 6750 code or NULL, `description` its
 * error_description or NULL, `scope` the scopes to name or NULL. NUL-terminated in h->data, or
 * h->data NULL when out of memory. Never carries the token. */
static void challenge_header(mcp__httpd *d, mcp__hconn *c, mcp__buf *h, const char *error,
                             const char *description, const char *scope)
{
    char *rm = metadata_url(d, c);
    bool first = true;

#define PARAM(k, v)                                         \
    do {                                                    \
        mcp__buf_add(h, first ? " " : ", ", first ? 1 : 2); \
        mcp__buf_add(h, k "=\"", strlen(k) + 2);            \
        mcp__buf_add(h, v, strlen(v));                      \
        mcp__buf_add(h, "\"", 1);                           \
        first = false;                                      \
    } while (0)
    mcp__buf_add(h, "Bearer", 6);
    if (error)
        PARAM("error", error);
    if (description)
        PARAM("error_description", description);
    if (scope && *scope)
        PARAM("scope", scope);
    if (rm)
        PARAM("resource_metadata", rm);
#undef PARAM
    mcp__buf_add(h, "", 1);
    free(rm);
    if (h->data && h->data[h->len - 1] != '\0')
        mcp__buf_free(h);
}

/*
 * Answer `status` with a JSON-RPC error body (id null) and a Bearer challenge. `error` is the
 * RFC 6750 code or NULL; `scope` the scopes to name or NULL. Neither the body nor the header
 * ever carries the token.
 */
static void challenge(mcp__httpd *d, mcp__hconn *c, unsigned status, const char *error,
                      const char *scope, const char *message)
{
    mcp__buf h = {0};
    json_t *body;

    challenge_header(d, c, &h, error, error && status == MHD_HTTP_BAD_REQUEST ? message : NULL,
                     scope);
    body = mcp__jsonrpc_error(NULL, MCP__ERROR_SERVER, message, NULL);
    if (h.data)
        mcp__hconn_json(c, status, body, MHD_HTTP_HEADER_WWW_AUTHENTICATE, h.data);
    else
        mcp__hconn_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, 0, "Internal Server Error");
    json_decref(body);
    mcp__buf_free(&h);
    mcp_server_log(d->srv, MCP_LOG_DEBUG, "%s: %u for %s %.200s: %s", d->cfg.name, status,
                   c->method, c->url, message);
}

void mcp__auth_forbidden(mcp__hconn *c, const json_t *reply)
{
    mcp__httpd *d = c->d;
    const json_t *data = json_object_get(json_object_get(reply, "error"), "data");
    const char *scope = json_string_value(json_object_get(data, "scope"));
    mcp__buf h = {0};

    challenge_header(d, c, &h, "insufficient_scope", NULL, scope);
    if (h.data)
        mcp__hconn_json(c, MHD_HTTP_FORBIDDEN, reply, MHD_HTTP_HEADER_WWW_AUTHENTICATE, h.data);
    else
        mcp__hconn_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, 0, "Internal Server Error");
    mcp__buf_free(&h);
    mcp_server_log(d->srv, MCP_LOG_DEBUG, "%s: 403 for %s %.200s: insufficient scope (needs %s)",
                   d->cfg.name, c->method, c->url, scope ? scope : "?");
}

/* ---- the check ---------------------------------------------------------------------------------
 */

static enum MHD_Result count_authorization(void *cls, enum MHD_ValueKind kind, const char *key,
                                           const char *value)
{
    (void)kind;
    (void)value;
    if (strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0)
        ++*(int *)cls;
    return MHD_YES;
}

/* The audience tokens must name here: the configured one, else the resource URI (RFC 8707). */
static char *audience_of(mcp__httpd *d, mcp__hconn *c)
{
    mcp__auth *a = d->cfg.stage_state;
    const char *fixed = mcp__verifier_audience(a->verifier);
    char origin[320];
    if (fixed || a->resource)
        return strdup(fixed ? fixed : a->resource);
    char *u;
    size_t n;
    origin_of(d, c, origin, sizeof origin);
    n = strlen(origin) + strlen(a->endpoints[0] ? a->endpoints[0] : "") + 1;
    if ((u = malloc(n)))
        snprintf(u, n, "%s%s", origin, a->endpoints[0] ? a->endpoints[0] : "");
    return u;
}

/* Run the validators on a well-formed token of `n` bytes. 0, 401, 403, 503 or MCP__STAGE_LATER;
 * *principal set on 0 (a new reference or NULL) and on 403 (a string of the scopes needed, or
 * NULL). */
static int validate(mcp__httpd *d, mcp__hconn *c, const char *token, size_t n, json_t **principal)
{
    mcp__auth *a = d->cfg.stage_state;
    unsigned char got[32];
    char *copy, *mp;
    size_t mlen;
    int rc;

    *principal = NULL;
    if (a->has_secret) {
        bool same;
        same = mcp__sha256_once(token, n, got) == MCP_OK &&
               mcp__crypto_equal(got, a->secret, sizeof got);
        wipe(got, sizeof got);
        if (same)
            return 0;
    }
    if (a->verifier) {
        char *aud = audience_of(d, c);
        if (!aud)
            return MHD_HTTP_SERVICE_UNAVAILABLE;
        rc = mcp__verifier_check(a->verifier, c, token, n, aud, principal);
        free(aud);
        return rc;
    }
    if (!a->authorize)
        return MHD_HTTP_UNAUTHORIZED;
    mlen = strlen(c->method) + strlen(c->url) + 2;
    copy = malloc(n + 1);
    mp = malloc(mlen);
    if (!copy || !mp) {
        free(copy);
        free(mp);
        return MHD_HTTP_UNAUTHORIZED; /* fail closed */
    }
    memcpy(copy, token, n);
    copy[n] = '\0';
    snprintf(mp, mlen, "%s %s", c->method, c->url);
    rc = a->authorize(copy, mp, principal, a->ud);
    wipe(copy, n);
    free(copy);
    free(mp);
    if (rc == 0)
        return 0;
    if (rc != MCP_AUTH_INSUFFICIENT_SCOPE || !json_is_string(*principal)) {
        json_decref(*principal);
        *principal = NULL;
    }
    return rc == MCP_AUTH_INSUFFICIENT_SCOPE ? MHD_HTTP_FORBIDDEN : MHD_HTTP_UNAUTHORIZED;
}

static void auth_cancel(mcp__hconn *c, void *state)
{
    mcp__auth *a = state;
    mcp__verifier_cancel(a->verifier, c);
}

int mcp__auth_install(mcp__httpd_config *cfg, mcp_server_t *srv, const mcp_http_opts_t *o)
{
    mcp__auth *a = NULL;
    int rc = auth_new(srv, cfg->name, o, cfg->endpoints, &a);
    if (rc != MCP_OK || !a)
        return rc;
    cfg->stage = mcp__auth_request;
    cfg->stage_state = a;
    cfg->stage_free = auth_free;
    cfg->stage_cancel = auth_cancel;
    return MCP_OK;
}

static int outcome(mcp__hconn *c, int rc, json_t *principal);

static void parked_done(mcp__hconn *c, int status, json_t *principal)
{
    (void)outcome(c, status, principal);
    mcp__hconn_stage_done(c);
}

int mcp__auth_request(mcp__hconn *c, void *state)
{
    mcp__httpd *d = c->d;
    mcp__auth *a = state;
    const char *h, *tok;
    json_t *principal = NULL;
    int count = 0, rc;
    size_t n;

    if (!a)
        return 0;
    if (is_metadata_path(a, c->url)) {
        if (a->servers && strcmp(c->method, "GET") == 0) {
            serve_metadata(d, c);
        } else if (!a->servers) {
            mcp__hconn_error(c, MHD_HTTP_NOT_FOUND, 0, "Not Found");
        } else {
            struct MHD_Response *r = mcp__hconn_response(c, "text/plain", "Method Not Allowed", 18);
            if (r)
                MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET");
            mcp__hconn_respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
        }
        return -1;
    }
    if (mcp__hconn_arg(c, "access_token")) {
        challenge(d, c, MHD_HTTP_BAD_REQUEST, "invalid_request", NULL,
                  "Bad Request: access tokens are accepted in the Authorization header only, "
                  "never in the query string");
        return -1;
    }
    MHD_get_connection_values(c->mc, MHD_HEADER_KIND, count_authorization, &count);
    h = mcp__hconn_header(c, MHD_HTTP_HEADER_AUTHORIZATION);
    if (count > 1) {
        challenge(d, c, MHD_HTTP_BAD_REQUEST, "invalid_request", NULL,
                  "Bad Request: more than one Authorization header");
        return -1;
    }
    while (h && (*h == ' ' || *h == '\t'))
        h++;
    if (!h || strncasecmp(h, "Bearer", 6) != 0 || (h[6] != '\0' && h[6] != ' ' && h[6] != '\t')) {
        /* No credentials, or another scheme: a plain challenge (RFC 6750 §3.1). */
        challenge(d, c, MHD_HTTP_UNAUTHORIZED, NULL, a->scope_text,
                  "Unauthorized: a bearer token is required");
        return -1;
    }
    tok = h + 6;
    while (*tok == ' ' || *tok == '\t')
        tok++;
    n = b64token_len(tok);
    if (n == 0 || tok[n + strspn(tok + n, " \t")] != '\0') {
        challenge(d, c, MHD_HTTP_BAD_REQUEST, "invalid_request", NULL,
                  "Bad Request: malformed Authorization header (want 'Bearer <token>')");
        return -1;
    }
    rc = validate(d, c, tok, n, &principal);
    if (rc == MCP__STAGE_LATER)
        return MCP__STAGE_LATER; /* parked_done() answers */
    return outcome(c, rc, principal);
}

/* Answer for the validators' verdict `rc` (0, 401, 403, 503), or let the request go on (0). */
static int outcome(mcp__hconn *c, int rc, json_t *principal)
{
    mcp__httpd *d = c->d;
    mcp__auth *a = d->cfg.stage_state;
    const char *scope;
    if (rc == MHD_HTTP_SERVICE_UNAVAILABLE) {
        json_t *body = mcp__jsonrpc_error(
            NULL, MCP__ERROR_SERVER,
            "Service Unavailable: the access token cannot be checked now (the authorization "
            "server's keys or introspection endpoint are unavailable); try again later",
            NULL);
        json_decref(principal);
        mcp__hconn_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, body, MHD_HTTP_HEADER_RETRY_AFTER, "5");
        json_decref(body);
        mcp_server_log(d->srv, MCP_LOG_DEBUG, "%s: 503 for %s %.200s: token not checkable",
                       d->cfg.name, c->method, c->url);
        return -1;
    }
    if (rc == MHD_HTTP_FORBIDDEN) {
        scope = json_is_string(principal) ? json_string_value(principal) : a->scope_text;
        challenge(d, c, MHD_HTTP_FORBIDDEN, "insufficient_scope", scope,
                  "Forbidden: the access token lacks the scope this request needs");
        json_decref(principal);
        return -1;
    }
    if (rc != 0) {
        json_decref(principal);
        challenge(d, c, MHD_HTTP_UNAUTHORIZED, "invalid_token", a->scope_text,
                  "Unauthorized: the access token is invalid or expired");
        return -1;
    }
    json_decref(c->principal);
    c->principal = principal;
    return 0;
}

/* ---- principals ---------------------------------------------------------------------------- */

bool mcp__auth_same(const json_t *session, const json_t *request)
{
    return mcp__principal_same(session, request); /* one rule for sessions, tasks and listeners */
}

const json_t *mcp_call_principal(const mcp_call_t *call)
{
    return call ? call->principal : NULL;
}
