/*
 * OAuth 2.1 authorization of the client's HTTP requests (mcp_client_set_oauth(), see
 * include/mcp_client.h "Authorization"). The Streamable HTTP transport (http.c) asks
 * mcp__oauth_challenge() what to do with a 401 / 403 and parks the request; this file discovers
 * the resource and authorization server metadata, registers, runs the grant and calls the
 * transport back (mcp__oauth_bind) with the outcome. One authorization at a time per client;
 * every HTTP exchange goes through core/curl.c on the client's loop.
 *
 * The pure parts (WWW-Authenticate, well-known URLs, PKCE, the redirect's query) are
 * mcp__oauth_* functions of their own, for tests/unit/test_oauth.c.
 */
#include "client/http.h"
#include "client/oauth_grants.h"

#include <strings.h>
#include <time.h>

#define DOC_MAX          (64u * 1024u) /* a fetched metadata document or token response */
#define STEPS_MAX        24            /* HTTP exchanges of one authorization */
#define FETCH_TIMEOUT_MS 15000
#define SCOPE_MAX        2048
#define REFRESH_EARLY_S  30 /* a token this close to its expiry is refreshed before use */

typedef void (*step_fn)(mcp__oauth *o);

struct mcp__oauth {
    mcp_client_t *c;
    /* the options (copies) */
    char *opt_client_id, *opt_client_secret, *cimd_url, *redirect_uri, *opt_scope, *client_name;
    char *private_key_pem, *signing_alg;
    mcp__grants grants; /* the extensions (oauth_grants.c): private_key_jwt, jwt-bearer, ID-JAG */
    bool client_credentials;
    mcp_client_authorize_fn authorize;
    void *authorize_ud;
    mcp_client_oauth_save_fn save;
    void *save_ud;

    /* what was learned (and saved) */
    char *issuer; /* of the authorization server in use */
    json_t *meta; /* its metadata (or {} on the 2025-03-26 fallback) */
    char *auth_ep, *token_ep, *reg_ep;
    char *client_id, *client_secret, *auth_method; /* the registration (for `issuer`) */
    char *access_token, *refresh_token, *granted_scope, *resource;
    char *token_origin; /* the only origin the token is sent to */
    long long expires_at;
    long long lifetime; /* expires_in of the token, 0 when unknown */
    unsigned gen;       /* bumps with each new token */

    /* the authorization in progress */
    bool running, in_challenge, awaiting_redirect, freeing, stepup, legacy, refreshing;
    bool free_pending; /* freed while a request of its could not end yet: its end frees it */
    int sync_status;
    char *server_url;
    char *www_rm, *www_scope;
    char *want_scope; /* requested */
    json_t *prm;
    char *cand[5];
    int ncand, ci, steps;
    char verifier[64], state[32];
    mcp__curl *eng;
    mcp__curl_req *req;
    char *buf;
    size_t len;
    bool over;
    long status;
    step_fn next;
    mcp__oauth_ready_fn ready;
    void *ready_ud;
    char why[300];
};

/* ---- strings ----------------------------------------------------------------------------------
 */

static char *dupn(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void setstr(char **dst, const char *s)
{
    char *n = dupn(s);
    free(*dst);
    *dst = n;
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static void sadd(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        char *p;
        while (cap < b->n + n + 1)
            cap *= 2;
        if (!(p = realloc(b->p, cap))) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sputs(sbuf *b, const char *s)
{
    sadd(b, s, strlen(s));
}

/* application/x-www-form-urlencoded / query component encoding (unreserved kept). */
static void senc(sbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        char e[3];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            sadd(b, (const char *)&ch, 1);
            continue;
        }
        e[0] = '%';
        e[1] = hex[ch >> 4];
        e[2] = hex[ch & 15];
        sadd(b, e, 3);
    }
}

/* "&key=value" (or "key=value" first), both encoded; NULL value: nothing. */
static void sparam(sbuf *b, const char *key, const char *value)
{
    if (!value)
        return;
    if (b->n)
        sputs(b, "&");
    senc(b, key);
    sputs(b, "=");
    senc(b, value);
}

/* ---- URLs ------------------------------------------------------------------------------------ */

int mcp__oauth_url_split(const char *url, char *origin, size_t n, const char **path)
{
    const char *p, *end;
    if (!url || (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0))
        return MCP_EINVAL;
    p = strstr(url, "://") + 3;
    end = p + strcspn(p, "/?#");
    if (end == p || (size_t)(end - url) >= n)
        return MCP_EINVAL;
    memcpy(origin, url, (size_t)(end - url));
    origin[end - url] = '\0';
    if (path)
        *path = end;
    return MCP_OK;
}

/* The path of `url` without query and fragment, trailing '/' dropped: into out. */
static void url_path(const char *url, char *out, size_t n)
{
    char origin[512];
    const char *p;
    size_t len;
    out[0] = '\0';
    if (mcp__oauth_url_split(url, origin, sizeof origin, &p) != MCP_OK)
        return;
    len = strcspn(p, "?#");
    while (len && p[len - 1] == '/')
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(out, p, len);
    out[len] = '\0';
}

static bool loopback_host(const char *origin)
{
    const char *h = strstr(origin, "://");
    size_t n;
    if (!h)
        return false;
    h += 3;
    if (strncmp(h, "[::1]", 5) == 0)
        return h[5] == '\0' || h[5] == ':';
    n = strcspn(h, ":");
    return (n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
           (n == 9 && strncmp(h, "127.0.0.1", 9) == 0);
}

bool mcp__oauth_url_allowed(const char *url)
{
    char origin[512];
    if (mcp__oauth_url_split(url, origin, sizeof origin, NULL) != MCP_OK)
        return false;
    return strncasecmp(url, "https://", 8) == 0 || loopback_host(origin);
}

int mcp__oauth_wellknown(const char *url, bool resource, char **out, int max)
{
    char origin[512], path[1024];
    int n = 0, i;
    if (mcp__oauth_url_split(url, origin, sizeof origin, NULL) != MCP_OK || max < 3)
        return 0;
    url_path(url, path, sizeof path);
    if (resource) {
        if (path[0])
            out[n++] = mcp__chttp_dupf("%s/.well-known/oauth-protected-resource%s", origin, path);
        out[n++] = mcp__chttp_dupf("%s/.well-known/oauth-protected-resource", origin);
    } else if (path[0]) {
        out[n++] = mcp__chttp_dupf("%s/.well-known/oauth-authorization-server%s", origin, path);
        out[n++] = mcp__chttp_dupf("%s/.well-known/openid-configuration%s", origin, path);
        out[n++] = mcp__chttp_dupf("%s%s/.well-known/openid-configuration", origin, path);
    } else {
        out[n++] = mcp__chttp_dupf("%s/.well-known/oauth-authorization-server", origin);
        out[n++] = mcp__chttp_dupf("%s/.well-known/openid-configuration", origin);
    }
    for (i = 0; i < n; i++)
        if (!out[i]) {
            while (n > 0)
                free(out[--n]);
            return -1;
        }
    return n;
}

/* The resource `prm_res` covers the server URL: same origin, and its path a prefix of the
 * server's at a segment boundary. */
static bool resource_matches(const char *prm_res, const char *server)
{
    char o1[512], o2[512], p1[1024], p2[1024];
    size_t n;
    if (mcp__oauth_url_split(prm_res, o1, sizeof o1, NULL) != MCP_OK ||
        mcp__oauth_url_split(server, o2, sizeof o2, NULL) != MCP_OK || strcasecmp(o1, o2) != 0)
        return false;
    url_path(prm_res, p1, sizeof p1);
    url_path(server, p2, sizeof p2);
    n = strlen(p1);
    return strncmp(p1, p2, n) == 0 && (p2[n] == '\0' || p2[n] == '/');
}

/* ---- WWW-Authenticate --------------------------------------------------------------------------
 */

int mcp__oauth_parse_www(const char *h, char **resource_metadata, char **scope, char **error)
{
    const char *p = h;
    bool bearer = false;
    *resource_metadata = *scope = *error = NULL;
    if (!h || strlen(h) > 8192)
        return MCP_EINVAL;
    while (*p) {
        const char *k, *v;
        size_t kl, vl;
        char *val;
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        k = p;
        while (*p && *p != '=' && *p != ' ' && *p != '\t' && *p != ',')
            p++;
        kl = (size_t)(p - k);
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '=') { /* a scheme name (token68 forms are not used by Bearer) */
            if (kl)
                bearer = (kl == 6 && strncasecmp(k, "Bearer", 6) == 0) ||
                         (kl == 4 && strncasecmp(k, "DPoP", 4) == 0);
            continue;
        }
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '"') {
            sbuf b = {0};
            p++;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1])
                    p++;
                sadd(&b, p, 1);
                p++;
            }
            if (*p != '"') {
                free(b.p);
                break; /* unterminated */
            }
            p++;
            val = b.oom ? NULL : b.p ? b.p : strdup("");
            if (b.oom)
                free(b.p);
        } else {
            v = p;
            while (*p && *p != ',' && *p != ' ' && *p != '\t')
                p++;
            vl = (size_t)(p - v);
            val = malloc(vl + 1);
            if (val) {
                memcpy(val, v, vl);
                val[vl] = '\0';
            }
        }
        if (!val)
            goto oom;
        if (bearer && kl == 17 && strncasecmp(k, "resource_metadata", 17) == 0 &&
            !*resource_metadata)
            *resource_metadata = val;
        else if (bearer && kl == 5 && strncasecmp(k, "scope", 5) == 0 && !*scope)
            *scope = val;
        else if (bearer && kl == 5 && strncasecmp(k, "error", 5) == 0 && !*error)
            *error = val;
        else
            free(val);
    }
    return MCP_OK;
oom:
    free(*resource_metadata);
    free(*scope);
    free(*error);
    *resource_metadata = *scope = *error = NULL;
    return MCP_ENOMEM;
}

/* ---- PKCE and the redirect ---------------------------------------------------------------------
 */

int mcp__oauth_pkce(char verifier[64], char challenge[64])
{
    unsigned char raw[32], dig[32];
    char *v, *ch;
    int rc = MCP_EIO;
    if (mcp__random_bytes(raw, sizeof raw) != MCP_OK)
        return MCP_EIO;
    if (!(v = mcp__base64_encode(raw, sizeof raw, true)))
        return MCP_ENOMEM;
    if (mcp__sha256_once(v, strlen(v), dig) == MCP_OK &&
        (ch = mcp__base64_encode(dig, sizeof dig, true))) {
        snprintf(verifier, 64, "%s", v);
        snprintf(challenge, 64, "%s", ch);
        free(ch);
        rc = MCP_OK;
    }
    free(v);
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

json_t *mcp__oauth_parse_query(const char *url)
{
    const char *q;
    json_t *out;
    if (!url || strlen(url) > 16384)
        return NULL;
    if (!(out = json_object()))
        return NULL;
    q = strchr(url, '?');
    if (!q)
        return out;
    q++;
    while (*q && *q != '#') {
        size_t n = strcspn(q, "&#");
        char *s = malloc(n + 1), *key, *val = NULL;
        size_t i, j = 0;
        bool bad = false;
        if (!s) {
            json_decref(out);
            return NULL;
        }
        key = s;
        for (i = 0; i < n; i++) {
            char ch = q[i];
            if (ch == '=' && !val) {
                s[j++] = '\0';
                val = s + j;
                continue;
            }
            if (ch == '+')
                ch = ' ';
            else if (ch == '%') {
                int hi = i + 2 < n ? hexval(q[i + 1]) : -1;
                int lo = hi >= 0 ? hexval(q[i + 2]) : -1;
                if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                    bad = true;
                    break;
                }
                ch = (char)(hi * 16 + lo);
                i += 2;
            }
            s[j++] = ch;
        }
        s[j] = '\0';
        if (bad) {
            free(s);
            json_decref(out);
            return NULL;
        }
        if (key[0] && !json_object_get(out, key)) /* the first of a repeated key counts */
            json_object_set_new(out, key, json_string(val ? val : ""));
        free(s);
        q += n;
        if (*q == '&')
            q++;
    }
    return out;
}

/* ---- scopes -----------------------------------------------------------------------------------
 */

static bool scope_has(const char *list, const char *one, size_t n)
{
    const char *p = list;
    while (p && *p) {
        size_t m;
        while (*p == ' ')
            p++;
        m = strcspn(p, " ");
        if (m == n && strncmp(p, one, n) == 0)
            return true;
        p += m;
    }
    return false;
}

/* Every scope of `b` is in `a`. */
static bool scope_covers(const char *a, const char *b)
{
    const char *p = b;
    while (p && *p) {
        size_t m;
        while (*p == ' ')
            p++;
        m = strcspn(p, " ");
        if (m && !scope_has(a, p, m))
            return false;
        p += m;
    }
    return true;
}

/* `a` plus the scopes of `b` it lacks (new string; NULL when both are empty). */
static char *scope_union(const char *a, const char *b)
{
    sbuf s = {0};
    const char *p = b;
    if (a && *a)
        sputs(&s, a);
    while (p && *p) {
        size_t m;
        while (*p == ' ')
            p++;
        m = strcspn(p, " ");
        if (m && !scope_has(s.p, p, m)) {
            if (s.n)
                sputs(&s, " ");
            sadd(&s, p, m);
        }
        p += m;
    }
    if (s.oom || s.n > SCOPE_MAX) {
        free(s.p);
        return NULL;
    }
    return s.p;
}

static bool json_list_has(const json_t *arr, const char *s)
{
    size_t i;
    for (i = 0; i < json_array_size(arr); i++)
        if (json_is_string(json_array_get(arr, i)) &&
            strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
            return true;
    return false;
}

/* ---- the state ------------------------------------------------------------------------------- */

static void drop_tokens(mcp__oauth *o)
{
    setstr(&o->access_token, NULL);
    setstr(&o->refresh_token, NULL);
    setstr(&o->granted_scope, NULL);
    o->expires_at = 0;
}

static void drop_registration(mcp__oauth *o)
{
    setstr(&o->client_id, NULL);
    setstr(&o->client_secret, NULL);
    setstr(&o->auth_method, NULL);
}

static void save_state(mcp__oauth *o)
{
    json_t *st;
    if (!o->save)
        return;
    st = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:s?, s:s?}", "issuer", o->issuer,
                   "client_id", o->client_id, "client_secret", o->client_secret,
                   "token_endpoint_auth_method", o->auth_method, "access_token", o->access_token,
                   "refresh_token", o->refresh_token, "expires_at", (json_int_t)o->expires_at,
                   "scope", o->granted_scope, "resource", o->resource);
    if (st && o->grants.use_dpop) {
        /* the key the tokens are bound to: without it they are of no use after a restart */
        char *pem = mcp__pkey_to_pem(o->grants.dpop.key);
        if (!pem || json_object_set_new(st, "dpop_key", json_string(pem)) != 0 ||
            (o->grants.bound && json_object_set_new(st, "token_type", json_string("DPoP")) != 0)) {
            json_decref(st);
            st = NULL;
        }
        if (pem)
            memset(pem, 0, strlen(pem));
        free(pem);
    }
    if (st)
        o->save(o->c, st, o->save_ud);
    json_decref(st);
}

/* ---- the HTTP exchanges ------------------------------------------------------------------------
 */

static void finish(mcp__oauth *o, int status, const char *fmt, ...) MCP_PRINTF(3, 4);

static void clear_run(mcp__oauth *o)
{
    int i;
    for (i = 0; i < 5; i++) {
        free(o->cand[i]);
        o->cand[i] = NULL;
    }
    o->ncand = o->ci = 0;
    o->refreshing = false;
    json_decref(o->prm);
    o->prm = NULL;
    free(o->buf);
    o->buf = NULL;
    o->len = 0;
    setstr(&o->www_rm, NULL);
    setstr(&o->www_scope, NULL);
}

static void finish(mcp__oauth *o, int status, const char *fmt, ...)
{
    va_list ap;
    o->why[0] = '\0';
    if (fmt) {
        va_start(ap, fmt);
        vsnprintf(o->why, sizeof o->why, fmt, ap);
        va_end(ap);
    }
    o->running = o->awaiting_redirect = false;
    clear_run(o);
    memset(o->verifier, 0, sizeof o->verifier);
    if (o->in_challenge) {
        o->sync_status = status;
        return;
    }
    if (o->ready && !o->freeing)
        o->ready(o->ready_ud, status, o->why);
}

static int f_headers(mcp__curl_req *r, long status, const char *ctype, void *ud)
{
    mcp__oauth *o = ud;
    (void)ctype;
    o->status = status;
    mcp__grants_heard_nonce(&o->grants, mcp__curl_header(r, "DPoP-Nonce"));
    return 0;
}

static int f_body(mcp__curl_req *r, const char *data, size_t len, void *ud)
{
    mcp__oauth *o = ud;
    char *b;
    (void)r;
    if (o->len + len > DOC_MAX) {
        o->over = true;
        return 1;
    }
    if (!(b = realloc(o->buf, o->len + len + 1)))
        return 1;
    o->buf = b;
    memcpy(o->buf + o->len, data, len);
    o->len += len;
    o->buf[o->len] = '\0';
    return 0;
}

static void oauth_release(mcp__oauth *o);

static void f_done(mcp__curl_req *r, const mcp__curl_result *res, void *ud)
{
    mcp__oauth *o = ud;
    (void)r;
    o->req = NULL;
    if (o->freeing) {
        if (o->free_pending && !o->grants.idjag)
            oauth_release(o);
        return;
    }
    if (o->over) {
        finish(o, MCP_EAUTH, "an authorization document exceeds %u bytes", DOC_MAX);
        return;
    }
    if (res->err != MCP_OK)
        o->status = 0; /* the step sees no answer */
    o->next(o);
}

/* Start an exchange; its outcome goes to `next` (o->status, o->buf). */
static void fetch(mcp__oauth *o, const char *method, const char *url, const char *const *headers,
                  const char *body, step_fn next)
{
    char why[200] = "";
    static const char *const json_accept[] = {"Accept: application/json", NULL};
    if (++o->steps > STEPS_MAX) {
        finish(o, MCP_EAUTH, "authorization took more than %d HTTP exchanges", STEPS_MAX);
        return;
    }
    if (!o->eng && !(o->eng = mcp__curl_engine(mcp__client_uvloop(o->c), why, sizeof why))) {
        finish(o, MCP_EAUTH, "authorization: %s", why);
        return;
    }
    free(o->buf);
    o->buf = NULL;
    o->len = 0;
    o->over = false;
    o->status = 0;
    o->next = next;
    o->req = mcp__curl_start(o->eng,
                             &(mcp__curl_opts){.method = method,
                                               .url = url,
                                               .headers = headers ? headers : json_accept,
                                               .body = body,
                                               .body_len = body ? strlen(body) : 0,
                                               .timeout_ms = FETCH_TIMEOUT_MS,
                                               .on_headers = f_headers,
                                               .on_body = f_body,
                                               .on_done = f_done,
                                               .ud = o},
                             why, sizeof why);
    if (!o->req)
        finish(o, MCP_EAUTH, "authorization: %s: %s", url, why);
}

/* The body as a JSON object (new reference) when the status is 2xx, else NULL. */
static json_t *answer_object(mcp__oauth *o)
{
    json_t *j;
    if (o->status < 200 || o->status >= 300 || !o->buf)
        return NULL;
    j = json_loadb(o->buf, o->len, JSON_REJECT_DUPLICATES, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* ---- the token endpoint ------------------------------------------------------------------------
 */

static const char *auth_method_for(mcp__oauth *o)
{
    const json_t *m = json_object_get(o->meta, "token_endpoint_auth_methods_supported");
    if (!o->client_secret)
        return "none";
    if (o->auth_method && strcmp(o->auth_method, "none") != 0)
        return o->auth_method;
    if (!json_is_array(m) || json_list_has(m, "client_secret_basic"))
        return "client_secret_basic";
    if (json_list_has(m, "client_secret_post"))
        return "client_secret_post";
    return "client_secret_basic";
}

static void token_done(mcp__oauth *o);

/*
 * The one place that builds a token endpoint request: the grant's own fields (`fields`, pairs
 * of name and value, NULL-terminated; a NULL value is left out), `resource` (RFC 8707) and the
 * client authentication the registration and the metadata call for (client_secret_basic,
 * client_secret_post or none). Further client authentication methods and grants go here.
 */
static void token_send(mcp__oauth *o);

static void token_request(mcp__oauth *o, const char *grant, const char *const *fields)
{
    sbuf form = {0};
    size_t i;
    sparam(&form, "grant_type", grant);
    for (i = 0; fields && fields[i]; i += 2)
        sparam(&form, fields[i], fields[i + 1]);
    sparam(&form, "resource", o->resource);
    if (form.oom) {
        free(form.p);
        finish(o, MCP_ENOMEM, "out of memory");
        return;
    }
    free(o->grants.grant_form); /* kept to send it again (a DPoP nonce) */
    o->grants.grant_form = form.p;
    o->grants.nonce_retried = false;
    token_send(o);
}

/* Send the kept grant fields with the client's authentication (a fresh assertion each time) and
 * a fresh DPoP proof. */
static void token_send(mcp__oauth *o)
{
    sbuf form = {0};
    char *basic = NULL, *dpop = NULL, *hdr[5] = {NULL};
    const char *method = auth_method_for(o);
    bool dpop_failed = false;
    size_t h = 2;
    sputs(&form, o->grants.grant_form);
    if (o->grants.key) { /* private_key_jwt (RFC 7523 §2.2): aud is the issuer */
        char *a =
            mcp__oauth_client_assertion(o->grants.key, o->grants.alg, o->client_id, o->issuer);
        sparam(&form, "client_id", o->client_id);
        sparam(&form, "client_assertion_type", MCP__OAUTH_ASSERTION_TYPE);
        sparam(&form, "client_assertion", a);
        if (!a)
            form.oom = true;
        free(a);
    } else if (strcmp(method, "client_secret_basic") == 0) {
        sbuf cred = {0};
        char *b64;
        senc(&cred, o->client_id);
        sputs(&cred, ":");
        senc(&cred, o->client_secret);
        b64 = cred.oom ? NULL : mcp__base64_encode(cred.p, cred.n, false);
        basic = b64 ? mcp__chttp_dupf("Authorization: Basic %s", b64) : NULL;
        free(b64);
        free(cred.p);
        if (!basic)
            form.oom = true;
    } else {
        sparam(&form, "client_id", o->client_id);
        if (strcmp(method, "client_secret_post") == 0)
            sparam(&form, "client_secret", o->client_secret);
    }
    hdr[0] = (char *)"Content-Type: application/x-www-form-urlencoded";
    hdr[1] = (char *)"Accept: application/json";
    if (basic)
        hdr[h++] = basic;
    if ((dpop = mcp__grants_token_dpop(&o->grants, o->token_ep, &dpop_failed)))
        hdr[h++] = dpop;
    if (form.oom || dpop_failed)
        finish(o, MCP_ENOMEM, "out of memory");
    else
        fetch(o, "POST", o->token_ep, (const char *const *)hdr, form.p, token_done);
    free(basic);
    free(dpop);
    free(form.p);
}

static void start_identity(mcp__oauth *o);

static void token_done(mcp__oauth *o)
{
    json_t *j = answer_object(o);
    const char *at = json_string_value(json_object_get(j, "access_token"));
    const char *tt = json_string_value(json_object_get(j, "token_type"));
    const json_t *exp = json_object_get(j, "expires_in");
    bool dpop_token = tt && o->grants.use_dpop && strcasecmp(tt, "DPoP") == 0;
    if (!at || !at[0] || strlen(at) > 8192 || strpbrk(at, "\r\n") ||
        (tt && strcasecmp(tt, "Bearer") != 0 && !dpop_token)) {
        char err[120] = "";
        const char *e = json_string_value(json_object_get(j, "error"));
        json_t *ej = j ? NULL : (o->buf ? json_loadb(o->buf, o->len, 0, NULL) : NULL);
        if (!e)
            e = json_string_value(json_object_get(ej, "error"));
        snprintf(err, sizeof err, "%s", e ? e : "");
        json_decref(ej);
        json_decref(j);
        if (mcp__grants_retry_token(&o->grants, o->status, err)) {
            token_send(o); /* once, with the nonce the server gave (RFC 9449 §8) */
            return;
        }
        if (o->refreshing) {
            /* a refresh that failed: forget it and authorize from the start */
            o->refreshing = false;
            drop_tokens(o);
            start_identity(o);
            return;
        }
        finish(o, MCP_EAUTH, "token endpoint: %s%s%s", o->status ? "no access token" : "no answer",
               err[0] ? ": " : "", err);
        return;
    }
    o->refreshing = false;
    o->grants.bound = dpop_token;
    setstr(&o->access_token, at);
    if (json_is_string(json_object_get(j, "refresh_token")))
        setstr(&o->refresh_token, json_string_value(json_object_get(j, "refresh_token")));
    if (json_is_string(json_object_get(j, "scope")))
        setstr(&o->granted_scope, json_string_value(json_object_get(j, "scope")));
    else if (o->want_scope)
        setstr(&o->granted_scope, o->want_scope);
    o->expires_at = json_is_integer(exp) && json_integer_value(exp) > 0
                        ? (long long)time(NULL) + (long long)json_integer_value(exp)
                        : 0;
    o->lifetime = o->expires_at ? (long long)json_integer_value(exp) : 0;
    json_decref(j);
    {
        char origin[512];
        if (mcp__oauth_url_split(o->server_url, origin, sizeof origin, NULL) == MCP_OK)
            setstr(&o->token_origin, origin);
    }
    o->gen++;
    if (!o->access_token || !o->token_origin) {
        finish(o, MCP_ENOMEM, "out of memory");
        return;
    }
    save_state(o);
    finish(o, MCP_OK, NULL);
}

/* ---- the authorization code grant -------------------------------------------------------------
 */

static void start_authorize(mcp__oauth *o)
{
    char challenge[64], raw[18];
    char *st;
    sbuf u = {0};
    const json_t *methods = json_object_get(o->meta, "code_challenge_methods_supported");
    if (!o->legacy && !json_list_has(methods, "S256")) {
        finish(o, MCP_EAUTH,
               "authorization server metadata: code_challenge_methods_supported lacks S256 "
               "(PKCE is required)");
        return;
    }
    if (!o->authorize || !o->redirect_uri) {
        finish(o, MCP_EAUTH, "authorization needs a browser: no authorize callback");
        return;
    }
    if (mcp__oauth_pkce(o->verifier, challenge) != MCP_OK ||
        mcp__random_bytes(raw, sizeof raw) != MCP_OK ||
        !(st = mcp__base64_encode(raw, sizeof raw, true))) {
        finish(o, MCP_EAUTH, "authorization: no randomness for PKCE");
        return;
    }
    snprintf(o->state, sizeof o->state, "%s", st);
    free(st);
    sputs(&u, o->auth_ep);
    sputs(&u, strchr(o->auth_ep, '?') ? "&" : "?");
    {
        size_t base = u.n;
        sbuf q = {0};
        sparam(&q, "response_type", "code");
        sparam(&q, "client_id", o->client_id);
        sparam(&q, "redirect_uri", o->redirect_uri);
        sparam(&q, "code_challenge", challenge);
        sparam(&q, "code_challenge_method", "S256");
        sparam(&q, "state", o->state);
        if (o->want_scope && o->want_scope[0])
            sparam(&q, "scope", o->want_scope);
        sparam(&q, "resource", o->resource);
        if (q.p)
            sputs(&u, q.p);
        if (q.oom)
            u.oom = true;
        free(q.p);
        (void)base;
    }
    if (u.oom) {
        free(u.p);
        finish(o, MCP_ENOMEM, "out of memory");
        return;
    }
    o->awaiting_redirect = true;
    o->authorize(o->c, u.p, o->authorize_ud);
    free(u.p);
}

int mcp_client_oauth_redirect(mcp_client_t *c, const char *redirect_url)
{
    mcp__oauth *o = c ? mcp__client_oauth(c) : NULL;
    json_t *q;
    const char *state, *code, *err, *iss;
    const json_t *adv;
    if (!o || !o->awaiting_redirect)
        return MCP_ESTATE;
    if (!redirect_url) {
        finish(o, MCP_EAUTH, "authorization abandoned");
        return MCP_OK;
    }
    if (!(q = mcp__oauth_parse_query(redirect_url)))
        return MCP_EINVAL;
    state = json_string_value(json_object_get(q, "state"));
    code = json_string_value(json_object_get(q, "code"));
    err = json_string_value(json_object_get(q, "error"));
    iss = json_string_value(json_object_get(q, "iss"));
    if (!state || strcmp(state, o->state) != 0 || (!code && !err)) {
        json_decref(q);
        return MCP_EINVAL;
    }
    o->awaiting_redirect = false;
    adv = json_object_get(o->meta, "authorization_response_iss_parameter_supported");
    if (err) {
        const char *d = json_string_value(json_object_get(q, "error_description"));
        finish(o, MCP_EAUTH, "authorization refused: %.60s%s%.120s", err, d ? ": " : "",
               d ? d : "");
    } else if (iss && (!o->issuer || strcmp(iss, o->issuer) != 0)) {
        finish(o, MCP_EAUTH, "authorization response: iss '%.100s' is not the issuer", iss);
    } else if (!iss && json_is_true(adv)) {
        finish(o, MCP_EAUTH,
               "authorization response: no iss although the authorization server "
               "advertises it (RFC 9207)");
    } else {
        const char *fields[] = {"code", code, "redirect_uri", o->redirect_uri, "code_verifier",
                                NULL,   NULL};
        char verifier[64];
        snprintf(verifier, sizeof verifier, "%s", o->verifier);
        fields[5] = verifier;
        token_request(o, "authorization_code", fields);
    }
    json_decref(q);
    return MCP_OK;
}

/* ---- registration ---------------------------------------------------------------------------- */

static void idjag_done(void *ud, int status, const char *id_jag, const char *why)
{
    mcp__oauth *o = ud;
    if (o->freeing) { /* the client is gone: nothing waits for it */
        if (o->free_pending && !o->req)
            oauth_release(o);
        return;
    }
    if (!o->running)
        return;
    if (status != MCP_OK) {
        finish(o, MCP_EAUTH, "%s", why);
        return;
    }
    {
        const char *fields[] = {"assertion", id_jag, "scope", o->want_scope, NULL};
        token_request(o, MCP__OAUTH_GRANT_JWT_BEARER, fields);
    }
}

static void grant(mcp__oauth *o)
{
    char why[256];
    if (o->grants.assertion) { /* jwt-bearer with the application's JWT */
        const char *fields[] = {"assertion", o->grants.assertion, "scope", o->want_scope, NULL};
        token_request(o, MCP__OAUTH_GRANT_JWT_BEARER, fields);
    } else if (o->grants.idp_token_endpoint) { /* enterprise-managed: the IdP first */
        if (mcp__grants_idjag(&o->grants, mcp__client_uvloop(o->c), o->issuer, o->resource,
                              o->want_scope, idjag_done, o, why, sizeof why) != MCP_OK)
            finish(o, MCP_EAUTH, "%s", why);
    } else if (o->client_credentials) {
        const char *fields[] = {"scope", o->want_scope, NULL};
        token_request(o, "client_credentials", fields);
    } else {
        start_authorize(o);
    }
}

static void reg_done(mcp__oauth *o)
{
    json_t *j = answer_object(o);
    const char *id = json_string_value(json_object_get(j, "client_id"));
    if (!id || !id[0]) {
        json_decref(j);
        finish(o, MCP_EAUTH, "dynamic client registration failed (HTTP %ld)", o->status);
        return;
    }
    setstr(&o->client_id, id);
    setstr(&o->client_secret, json_string_value(json_object_get(j, "client_secret")));
    setstr(&o->auth_method, json_string_value(json_object_get(j, "token_endpoint_auth_method")));
    json_decref(j);
    save_state(o);
    grant(o);
}

static void start_identity(mcp__oauth *o)
{
    const json_t *meta = o->meta;
    if (o->opt_client_id) {
        setstr(&o->client_id, o->opt_client_id);
        setstr(&o->client_secret, o->opt_client_secret);
        grant(o);
    } else if (o->client_id) { /* registered before with this issuer (or saved) */
        grant(o);
    } else if (o->cimd_url && json_is_true(json_object_get(meta, "client_id_metadata_document_"
                                                                 "supported"))) {
        setstr(&o->client_id, o->cimd_url);
        grant(o);
    } else if (o->reg_ep) {
        const json_t *m = json_object_get(meta, "token_endpoint_auth_methods_supported");
        json_t *req =
            json_pack("{s:s, s:[s?], s:[s, s], s:[s], s:s, s:s}", "client_name",
                      o->client_name ? o->client_name
                      : o->c->name   ? o->c->name
                                     : "libmcp client",
                      "redirect_uris", o->redirect_uri, "grant_types",
                      o->client_credentials ? "client_credentials" : "authorization_code",
                      "refresh_token", "response_types", "code", "token_endpoint_auth_method",
                      json_is_array(m) && !json_list_has(m, "none")
                          ? (json_list_has(m, "client_secret_basic") ? "client_secret_basic"
                                                                     : "client_secret_post")
                          : "none",
                      "application_type", "native");
        char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
        static const char *const hdr[] = {"Content-Type: application/json",
                                          "Accept: application/json", NULL};
        json_decref(req);
        if (!body) {
            finish(o, MCP_ENOMEM, "out of memory");
            return;
        }
        /* no `scope`: a server may restrict the client to it, and a step-up asks for more */
        fetch(o, "POST", o->reg_ep, hdr, body, reg_done);
        free(body);
    } else {
        finish(o, MCP_EAUTH,
               "no client identity: no client_id, the authorization server supports neither "
               "client ID metadata documents (or none was given) nor dynamic registration");
    }
}

/* ---- discovery --------------------------------------------------------------------------------
 */

static void choose_scope(mcp__oauth *o)
{
    char *s = NULL;
    const json_t *sup = json_object_get(o->prm, "scopes_supported");
    if (o->opt_scope)
        s = dupn(o->opt_scope);
    else if (o->www_scope)
        s = dupn(o->www_scope);
    else if (json_array_size(sup)) {
        sbuf b = {0};
        size_t i;
        for (i = 0; i < json_array_size(sup); i++) {
            const char *one = json_string_value(json_array_get(sup, i));
            if (one && one[0] && !strchr(one, ' ')) {
                if (b.n)
                    sputs(&b, " ");
                sputs(&b, one);
            }
        }
        s = b.oom ? NULL : b.p;
        if (b.oom)
            free(b.p);
    }
    if (o->stepup) { /* the union of what was asked and granted before and the challenge */
        char *before = scope_union(o->want_scope, o->granted_scope);
        char *u = scope_union(before, s);
        free(before);
        free(s);
        s = u;
    }
    if (!o->client_credentials &&
        json_list_has(json_object_get(o->meta, "scopes_supported"), "offline_access") &&
        !scope_has(s, "offline_access", 14)) {
        char *u = scope_union(s, "offline_access");
        free(s);
        s = u;
    }
    free(o->want_scope);
    o->want_scope = s;
}

static void after_discovery(mcp__oauth *o)
{
    choose_scope(o);
    if (o->refresh_token && !o->stepup && !o->client_credentials && o->client_id) {
        const char *fields[] = {"refresh_token", NULL, NULL};
        char *rt = dupn(o->refresh_token);
        o->verifier[0] = '\0';
        if (!rt) {
            finish(o, MCP_ENOMEM, "out of memory");
            return;
        }
        fields[1] = rt;
        o->refreshing = true;
        token_request(o, "refresh_token", fields);
        free(rt);
        return;
    }
    start_identity(o);
}

/* The metadata of authorization server `issuer` is known (or, on the 2025-03-26 fallback, the
 * endpoints are the origin's defaults): take the endpoints; another issuer than before drops the
 * registration and the tokens that belonged to it. */
static void use_issuer(mcp__oauth *o, const char *issuer, json_t *meta)
{
    const char *a = json_string_value(json_object_get(meta, "authorization_endpoint"));
    const char *t = json_string_value(json_object_get(meta, "token_endpoint"));
    const char *r = json_string_value(json_object_get(meta, "registration_endpoint"));
    char origin[512];
    bool fallback;
    if (o->issuer && strcmp(o->issuer, issuer) != 0) {
        drop_registration(o);
        drop_tokens(o);
    }
    setstr(&o->issuer, issuer);
    json_decref(o->meta);
    o->meta = meta;
    if (mcp__oauth_url_split(issuer, origin, sizeof origin, NULL) != MCP_OK) {
        finish(o, MCP_EAUTH, "authorization server: bad issuer URL");
        return;
    }
    free(o->auth_ep);
    free(o->token_ep);
    free(o->reg_ep);
    o->auth_ep = o->token_ep = o->reg_ep = NULL;
    fallback = o->legacy && json_object_size(meta) == 0; /* 2025-03-26, no metadata at all */
    if (!fallback && (!t || (!a && !o->client_credentials))) {
        finish(o, MCP_EAUTH, "authorization server metadata lacks the %s endpoint",
               t ? "authorization" : "token");
        return;
    }
    o->auth_ep = a ? strdup(a) : mcp__chttp_dupf("%s/authorize", origin);
    o->token_ep = t ? strdup(t) : mcp__chttp_dupf("%s/token", origin);
    o->reg_ep = r ? strdup(r) : fallback ? mcp__chttp_dupf("%s/register", origin) : NULL;
    if (!o->auth_ep || !o->token_ep || ((r || fallback) && !o->reg_ep)) {
        finish(o, MCP_ENOMEM, "out of memory");
        return;
    }
    if (!mcp__oauth_url_allowed(o->auth_ep) || !mcp__oauth_url_allowed(o->token_ep) ||
        (o->reg_ep && !mcp__oauth_url_allowed(o->reg_ep))) {
        finish(o, MCP_EAUTH, "authorization server endpoints must be https (or loopback http)");
        return;
    }
    after_discovery(o);
}

static void asm_done(mcp__oauth *o)
{
    json_t *j = answer_object(o);
    const char *expected = o->cand[o->ncand]; /* the issuer being discovered (kept past cands) */
    if (j) {
        const char *iss = json_string_value(json_object_get(j, "issuer"));
        char *want = dupn(expected);
        if (!want) {
            json_decref(j);
            finish(o, MCP_ENOMEM, "out of memory");
            return;
        }
        if (o->legacy && iss && mcp__oauth_url_allowed(iss)) {
            /* 2025-03-26: the metadata of the server's own origin; its issuer need not be the
             * origin (the spec of then did not tie them), it is recorded as stated */
            free(want);
            want = strdup(iss);
        } else if (!iss || strcmp(iss, want) != 0) {
            finish(o, MCP_EAUTH,
                   "authorization server metadata: issuer mismatch ('%.100s', expected "
                   "'%.100s')",
                   iss ? iss : "(none)", want);
            json_decref(j);
            free(want);
            return;
        }
        if (want)
            use_issuer(o, want, j);
        else {
            json_decref(j);
            finish(o, MCP_ENOMEM, "out of memory");
        }
        free(want);
        return;
    }
    if (++o->ci < o->ncand) {
        char *url = o->cand[o->ci];
        fetch(o, "GET", url, NULL, NULL, asm_done);
        return;
    }
    if (o->legacy) { /* 2025-03-26: the default endpoints at the server's origin */
        char *iss = dupn(expected);
        json_t *empty = json_object();
        if (!iss || !empty) {
            free(iss);
            json_decref(empty);
            finish(o, MCP_ENOMEM, "out of memory");
            return;
        }
        use_issuer(o, iss, empty);
        free(iss);
        return;
    }
    finish(o, MCP_EAUTH, "no authorization server metadata for %.200s", expected);
}

/* Discover the metadata of `issuer`: the well-known URLs in the spec's order. cand[ncand] keeps
 * the issuer itself. */
static void start_asm(mcp__oauth *o, const char *issuer)
{
    char *iss = dupn(issuer);
    int i, n;
    for (i = 0; i < o->ncand; i++)
        free(o->cand[i]);
    free(o->cand[o->ncand]);
    o->cand[o->ncand] = NULL;
    o->ncand = o->ci = 0;
    if (!iss) {
        finish(o, MCP_ENOMEM, "out of memory");
        return;
    }
    if (!mcp__oauth_url_allowed(iss)) {
        finish(o, MCP_EAUTH, "authorization server '%.200s' is not https", iss);
        free(iss);
        return;
    }
    n = mcp__oauth_wellknown(iss, false, o->cand, 4);
    if (n <= 0) {
        free(iss);
        finish(o, MCP_EAUTH, "authorization server: bad issuer URL");
        return;
    }
    if (o->legacy) { /* 2025-03-26: only RFC 8414 at the origin */
        for (i = 1; i < n; i++)
            free(o->cand[i]);
        n = 1;
    }
    o->ncand = n;
    o->cand[n] = iss;
    fetch(o, "GET", o->cand[0], NULL, NULL, asm_done);
}

static void prm_done(mcp__oauth *o)
{
    json_t *j = answer_object(o);
    if (j) {
        const char *res = json_string_value(json_object_get(j, "resource"));
        const char *as =
            json_string_value(json_array_get(json_object_get(j, "authorization_servers"), 0));
        if (res && !resource_matches(res, o->server_url)) {
            finish(o, MCP_EAUTH,
                   "protected resource metadata: resource '%.150s' does not match the server "
                   "URL",
                   res);
            json_decref(j);
            return;
        }
        if (!as) {
            json_decref(j);
            finish(o, MCP_EAUTH, "protected resource metadata names no authorization server");
            return;
        }
        setstr(&o->resource, res ? res : o->server_url);
        json_decref(o->prm);
        o->prm = j;
        o->legacy = false;
        {
            char *as_copy = dupn(as);
            if (!as_copy) {
                finish(o, MCP_ENOMEM, "out of memory");
                return;
            }
            start_asm(o, as_copy);
            free(as_copy);
        }
        return;
    }
    if (++o->ci < o->ncand) {
        fetch(o, "GET", o->cand[o->ci], NULL, NULL, prm_done);
        return;
    }
    { /* no protected resource metadata: a 2025-03-26 server is its own authorization server */
        char origin[512];
        o->legacy = true;
        setstr(&o->resource, o->server_url);
        if (mcp__oauth_url_split(o->server_url, origin, sizeof origin, NULL) != MCP_OK) {
            finish(o, MCP_EAUTH, "bad server URL");
            return;
        }
        start_asm(o, origin);
    }
}

static void start_run(mcp__oauth *o)
{
    int n = 0;
    o->steps = 0;
    if (o->www_rm) {
        if (!(o->cand[0] = strdup(o->www_rm))) {
            finish(o, MCP_ENOMEM, "out of memory");
            return;
        }
        n = 1;
    }
    {
        int m = mcp__oauth_wellknown(o->server_url, true, o->cand + n, 4 - n);
        if (m < 0) {
            finish(o, MCP_ENOMEM, "out of memory");
            return;
        }
        n += m;
    }
    o->ncand = n;
    o->ci = 0;
    if (!n) {
        finish(o, MCP_EAUTH, "bad server URL");
        return;
    }
    fetch(o, "GET", o->cand[0], NULL, NULL, prm_done);
}

/* ---- what the transport calls -----------------------------------------------------------------
 */

/* How long before its expiry a token is replaced: REFRESH_EARLY_S, or half of a shorter
 * lifetime (a token living under a minute is still used). */
static long long early(const mcp__oauth *o)
{
    return o->lifetime && o->lifetime / 2 < REFRESH_EARLY_S ? o->lifetime / 2 : REFRESH_EARLY_S;
}

char *mcp__oauth_header(mcp__oauth *o, const char *method, const char *url, unsigned *gen,
                        char **proof)
{
    char origin[512];
    *proof = NULL;
    if (gen)
        *gen = o->gen;
    if (!o->access_token || !o->token_origin ||
        (o->expires_at && (long long)time(NULL) >= o->expires_at - early(o) &&
         o->refresh_token) || /* about to expire: the 401 without it refreshes */
        mcp__oauth_url_split(url, origin, sizeof origin, NULL) != MCP_OK ||
        strcasecmp(origin, o->token_origin) != 0)
        return NULL;
    return mcp__grants_auth_lines(&o->grants, o->access_token, method, url, proof);
}

void mcp__oauth_bind(mcp__oauth *o, mcp__oauth_ready_fn fn, void *ud)
{
    o->ready = fn;
    o->ready_ud = ud;
}

int mcp__oauth_challenge(mcp__oauth *o, const char *url, long status, const char *www, unsigned gen,
                         const char *nonce, char *why, size_t n)
{
    char *rm = NULL, *scope = NULL, *err = NULL;
    bool stepup;
    int rc;
    why[0] = '\0';
    if (mcp__oauth_parse_www(www, &rm, &scope, &err) == MCP_ENOMEM) {
        snprintf(why, n, "out of memory");
        return MCP_ENOMEM;
    }
    stepup = status == 403;
    if (!stepup && gen == o->gen && mcp__grants_rs_nonce(&o->grants, err, nonce)) {
        free(rm); /* DPoP: the same token again, with the server's nonce (RFC 9449 §9) */
        free(scope);
        free(err);
        return 1;
    }
    if (stepup && (!err || strcmp(err, "insufficient_scope") != 0)) {
        free(rm);
        free(scope);
        free(err);
        return 2; /* not ours: a plain 403 */
    }
    if (o->running) { /* wait for the authorization under way */
        free(rm);
        free(scope);
        free(err);
        return 0;
    }
    if (o->access_token && gen != o->gen) { /* a newer token exists: try it */
        free(rm);
        free(scope);
        free(err);
        return 1;
    }
    if (stepup && scope &&
        ((o->want_scope && scope_covers(o->want_scope, scope)) ||
         (o->granted_scope && scope_covers(o->granted_scope, scope)))) {
        snprintf(why, n, "insufficient_scope although the token has the scope asked for (%.100s)",
                 scope);
        free(rm);
        free(scope);
        free(err);
        return MCP_EAUTH;
    }

    clear_run(o);
    o->www_rm = rm;
    o->www_scope = scope;
    free(err);
    o->stepup = stepup;
    if (!stepup && o->access_token && !o->refresh_token)
        drop_tokens(o); /* refused: it is of no more use */
    setstr(&o->server_url, url);
    if (!o->server_url) {
        snprintf(why, n, "out of memory");
        return MCP_ENOMEM;
    }
    o->running = true;
    o->in_challenge = true;
    o->sync_status = 1;
    start_run(o);
    o->in_challenge = false;
    if (o->sync_status != 1) { /* finished at once */
        snprintf(why, n, "%s", o->why);
        rc = o->sync_status == MCP_OK ? 1 : o->sync_status;
        return rc;
    }
    return 0;
}

unsigned mcp__oauth_generation(const mcp__oauth *o)
{
    return o->gen;
}

void mcp__oauth_free(mcp__oauth *o)
{
    if (!o)
        return;
    o->freeing = true;
    if (o->req)
        mcp__curl_cancel(o->req);
    if (o->grants.idjag)
        mcp__idjag_cancel(o->grants.idjag);
    if (o->req || o->grants.idjag) { /* cancelled from inside libcurl: they end later */
        o->free_pending = true;
        return;
    }
    oauth_release(o);
}

static void oauth_release(mcp__oauth *o)
{
    mcp__grants_clear(&o->grants);
    if (o->eng)
        mcp__curl_release(o->eng);
    clear_run(o);
    free(o->opt_client_id);
    free(o->opt_client_secret);
    free(o->cimd_url);
    free(o->redirect_uri);
    free(o->opt_scope);
    free(o->client_name);
    free(o->private_key_pem);
    free(o->signing_alg);
    free(o->issuer);
    json_decref(o->meta);
    free(o->auth_ep);
    free(o->token_ep);
    free(o->reg_ep);
    drop_registration(o);
    drop_tokens(o);
    free(o->resource);
    free(o->token_origin);
    free(o->server_url);
    free(o->want_scope);
    free(o);
}

/* ---- mcp_client_set_oauth ---------------------------------------------------------------------
 */

/* A saved "dpop_key" (and "token_type": "DPoP"): the tokens keep working with the key they are
 * bound to. With DPoP off the key is of no use and ignored. A token bound to a key that is not
 * in the state (a state of an older libmcp) cannot be presented: it is dropped, and the first
 * 401 authorizes anew. */
static int load_dpop(mcp__oauth *o, const json_t *s)
{
    const json_t *key = json_object_get(s, "dpop_key");
    const char *tt = json_string_value(json_object_get(s, "token_type"));
    if (!o->grants.use_dpop)
        return MCP_OK;
    if (key && !json_is_null(key)) {
        if (!json_is_string(key) || json_string_length(key) > 16384 ||
            mcp__dpop_restore(&o->grants.dpop, json_string_value(key)) != MCP_OK)
            return MCP_EINVAL;
        o->grants.bound = tt && strcasecmp(tt, "DPoP") == 0;
    } else if (o->access_token || o->refresh_token) {
        drop_tokens(o);
    }
    return MCP_OK;
}

static int load_saved(mcp__oauth *o, const json_t *s)
{
    const char *keys[] = {
        "issuer",       "client_id",     "client_secret", "token_endpoint_auth_method",
        "access_token", "refresh_token", "scope",         "resource"};
    char **dst[] = {&o->issuer,       &o->client_id,     &o->client_secret, &o->auth_method,
                    &o->access_token, &o->refresh_token, &o->granted_scope, &o->resource};
    size_t i;
    int rc;
    const json_t *exp = json_object_get(s, "expires_at");
    if (!json_is_object(s))
        return MCP_EINVAL;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const json_t *v = json_object_get(s, keys[i]);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v) || strlen(json_string_value(v)) > 8192 ||
            strpbrk(json_string_value(v), "\r\n"))
            return MCP_EINVAL;
        if (!(*dst[i] = strdup(json_string_value(v))))
            return MCP_ENOMEM;
    }
    if (json_is_integer(exp))
        o->expires_at = (long long)json_integer_value(exp);
    if ((rc = load_dpop(o, s)) != MCP_OK)
        return rc;
    if (o->access_token && o->resource) {
        char origin[512];
        if (mcp__oauth_url_split(o->resource, origin, sizeof origin, NULL) == MCP_OK &&
            !(o->token_origin = strdup(origin)))
            return MCP_ENOMEM;
        if (o->expires_at && o->expires_at < (long long)time(NULL) + REFRESH_EARLY_S)
            setstr(&o->access_token, NULL); /* expired: the first 401 refreshes */
        o->gen = 1;
    }
    if (o->client_id && o->issuer && !o->client_secret && !o->auth_method)
        return MCP_OK;
    return MCP_OK;
}

int mcp_client_set_oauth(mcp_client_t *c, const mcp_client_oauth_opts_t *opts)
{
    mcp__oauth *o;
    int rc;
    if (!c || !opts)
        return MCP_EINVAL;
    if (mcp__client_oauth(c) || mcp_client_is_connected(c))
        return MCP_ESTATE;
    if (opts->client_credentials || opts->assertion || opts->idp_token_endpoint
            ? !opts->client_id
            : (!opts->authorize || !opts->redirect_uri))
        return MCP_EINVAL;
    if (!(o = calloc(1, sizeof *o)))
        return MCP_ENOMEM;
    o->c = c;
    o->client_credentials = opts->client_credentials != 0;
    o->authorize = opts->authorize;
    o->authorize_ud = opts->authorize_userdata;
    o->save = opts->save;
    o->save_ud = opts->save_userdata;
#define COPY(dst, src)                   \
    if ((src) && !((dst) = strdup(src))) \
    goto oom
    COPY(o->opt_client_id, opts->client_id);
    COPY(o->opt_client_secret, opts->client_secret);
    COPY(o->cimd_url, opts->client_metadata_url);
    COPY(o->redirect_uri, opts->redirect_uri);
    COPY(o->opt_scope, opts->scope);
    COPY(o->client_name, opts->client_name);
    COPY(o->private_key_pem, opts->private_key_pem);
    COPY(o->signing_alg, opts->signing_alg);
#undef COPY
    if ((rc = mcp__grants_init(&o->grants, opts)) != MCP_OK ||
        (opts->saved && (rc = load_saved(o, opts->saved)) != MCP_OK)) {
        mcp__oauth_free(o);
        return rc;
    }
    if (o->cimd_url && strncmp(o->cimd_url, "https://", 8) != 0) {
        mcp__oauth_free(o);
        return MCP_EINVAL;
    }
    mcp__client_set_oauth_state(c, o, mcp__oauth_free);
    return MCP_OK;
oom:
    mcp__oauth_free(o);
    return MCP_ENOMEM;
}
