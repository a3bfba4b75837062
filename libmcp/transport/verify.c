/*
 * The built-in token validators of the authorization stage (auth.c): JWT access tokens checked
 * against a JWK Set (base/jwt.c), from a file or fetched from a URL, and RFC 7662 introspection
 * for opaque tokens. Both fetch on the server's loop through core/curl.c; a request that has to
 * wait for a fetch is parked (MCP__STAGE_LATER: the daemon suspends it) and finished from the
 * fetch's callback, so the loop never blocks.
 *
 * - Key set from a URL: fetched on first need, kept for its Cache-Control max-age (bounded to
 *   [1 min, 1 day]; 1 h without one), refreshed in the background once stale (the old keys serve
 *   meanwhile). A token naming an unknown `kid` refetches at once, at most once per
 *   `jwks_min_interval_s` (default 30 s); past that it is refused. From a file: read at start,
 *   and re-read under the same rule on an unknown `kid`.
 * - Fails closed: no key set (unreachable, not a JWK Set, no usable key), an introspection
 *   endpoint that times out, cannot be reached or answers other than 200 with JSON: 503 with
 *   Retry-After. The token may be good; the server cannot tell, so it neither accepts it nor calls
 *   it invalid.
 * - Verified tokens are cached by the SHA-256 of the audience and the token (never the token
 *   itself) until they expire (introspection results at most 5 min, so that revocation is
 *   seen), at most CACHE_MAX entries.
 * - Nothing logged ever contains the token; parked requests hold a copy only while they wait,
 *   wiped when freed.
 */
#include "transport/httpd.h"

#include <time.h>

#define CACHE_MAX        10000
#define JWKS_MAX_BYTES   (512 * 1024)
#define INTRO_MAX_BYTES  (64 * 1024)
#define FETCH_TIMEOUT_MS 10000
#define MAX_AGE_MIN      60
#define MAX_AGE_MAX      86400
#define MAX_AGE_DEFAULT  3600
#define INTRO_CACHE_MAX  300
#define INTRO_MAX_FLIGHT 64
#define MAX_WAITERS      1024

typedef struct waiter {
    struct waiter *next;
    mcp__hconn *c;
    char *token;
    size_t n;
    char *audience;
    struct mcp__verifier *v;
    mcp__curl_req *req; /* introspection: its own request */
    mcp__buf body;
} waiter;

struct mcp__verifier {
    mcp_server_t *srv;
    char *name;
    char *jwks_url, *jwks_file, *issuer, *audience;
    char *intro_url, *intro_auth; /* "Authorization: Basic ..." or NULL */
    long leeway_s;
    unsigned min_interval_s, intro_timeout_ms;
    mcp__verifier_done done;
    /* the key set */
    mcp__jwks *keys;
    double keys_expire;  /* wall time the URL's set goes stale */
    double last_fetch;   /* wall time of the last fetch or file read started */
    double last_failure; /* wall time the last fetch failed */
    mcp__curl *curl;
    mcp__curl_req *jwks_req;
    mcp__buf jwks_body;
    waiter *waiting; /* for the key set */
    size_t nwaiting, intro_flight;
    waiter *intro; /* introspections in flight */
    json_t *cache; /* hex SHA-256 of a token -> [expiry, principal] */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void wipe_free(char *p, size_t n)
{
    volatile char *v = p;
    size_t i;
    if (!p)
        return;
    for (i = 0; i < n; i++)
        v[i] = 0;
    free(p);
}

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

/* ---- the cache of verified tokens ---------------------------------------------------------- */

/* The cache key: SHA-256 of the audience the token was checked for and the token. */
static bool token_key(const char *tok, size_t n, const char *audience, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char h[32];
    mcp__sha256 s;
    size_t i;
    if (mcp__sha256_init(&s) != MCP_OK)
        return false;
    if (audience)
        mcp__sha256_update(&s, audience, strlen(audience) + 1);
    else
        mcp__sha256_update(&s, "", 1);
    mcp__sha256_update(&s, tok, n);
    if (mcp__sha256_final(&s, h) != MCP_OK)
        return false;
    for (i = 0; i < 32; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[64] = '\0';
    return true;
}

/* The cached principal for this token and audience (a new reference), or NULL. */
static json_t *cache_get(mcp__verifier *v, const char *key)
{
    json_t *e = json_object_get(v->cache, key);
    if (!e)
        return NULL;
    if (json_real_value(json_array_get(e, 0)) <= now_s()) {
        json_object_del(v->cache, key);
        return NULL;
    }
    return json_incref(json_array_get(e, 1));
}

static void cache_put(mcp__verifier *v, const char *key, double until, json_t *principal)
{
    if (json_object_size(v->cache) >= CACHE_MAX) {
        const char *k;
        json_t *e, *tmp;
        double now = now_s();
        json_object_foreach_safe(v->cache, tmp, k, e)
        {
            if (json_real_value(json_array_get(e, 0)) <= now)
                json_object_del(v->cache, k);
        }
        if (json_object_size(v->cache) >= CACHE_MAX)
            json_object_clear(v->cache); /* bounded: start over rather than grow */
    }
    json_object_set_new(v->cache, key, json_pack("[f, O]", until, principal));
}

/* ---- setup ---------------------------------------------------------------------------------- */

static int bad(mcp_server_t *srv, const char *name, const char *why)
{
    mcp_server_log(srv, MCP_LOG_ERROR, "%s: authorization: %s", name, why);
    return MCP_EINVAL;
}

static int load_file(mcp__verifier *v, bool at_start)
{
    FILE *f = fopen(v->jwks_file, "rb");
    char *buf = NULL, why[200];
    size_t n = 0;
    mcp__jwks *set;
    v->last_fetch = now_s();
    if (f) {
        buf = malloc(JWKS_MAX_BYTES + 1);
        n = buf ? fread(buf, 1, JWKS_MAX_BYTES + 1, f) : 0;
        fclose(f);
    }
    if (!buf || n > JWKS_MAX_BYTES) {
        free(buf);
        mcp_server_log(v->srv, MCP_LOG_ERROR, "%s: authorization: cannot read the JWK Set %s",
                       v->name, v->jwks_file);
        return MCP_EIO;
    }
    set = mcp__jwks_parse(buf, n, why, sizeof why);
    free(buf);
    if (!set) {
        mcp_server_log(v->srv, at_start ? MCP_LOG_ERROR : MCP_LOG_WARNING,
                       "%s: authorization: JWK Set %s: %s", v->name, v->jwks_file, why);
        return MCP_EIO;
    }
    mcp__jwks_free(v->keys);
    v->keys = set;
    return MCP_OK;
}

static char *basic_auth(const char *id, const char *secret)
{
    size_t n = strlen(id) + strlen(secret) + 2;
    char *pair = malloc(n), *b64 = NULL, *out = NULL;
    if (!pair)
        return NULL;
    /* RFC 6749 §2.3.1: each form-urlencoded first; client ids and secrets are usually plain */
    snprintf(pair, n, "%s:%s", id, secret);
    b64 = mcp__base64_encode(pair, strlen(pair), false);
    wipe_free(pair, n);
    if (b64 && (out = malloc(strlen(b64) + 24)))
        snprintf(out, strlen(b64) + 24, "Authorization: Basic %s", b64);
    if (b64)
        wipe_free(b64, strlen(b64));
    return out;
}

/* https, or plain http to this machine only: keys and token answers read over a network in the
 * clear could be forged on the way. */
static bool url_ok(const char *u)
{
    static const char *const local[] = {"localhost", "127.", "[::1]"};
    size_t i;
    if (strncmp(u, "https://", 8) == 0)
        return u[8] != '\0';
    if (strncmp(u, "http://", 7) != 0)
        return false;
    for (i = 0; i < sizeof local / sizeof local[0]; i++)
        if (strncmp(u + 7, local[i], strlen(local[i])) == 0) {
            const char *rest = u + 7 + strlen(local[i]);
            if (i == 1) /* 127.a.b.c */
                rest += strspn(rest, "0123456789.");
            return *rest == ':' || *rest == '/' || *rest == '\0';
        }
    return false;
}

int mcp__verifier_new(mcp_server_t *srv, const char *name, const mcp_http_opts_t *o,
                      mcp__verifier_done done, mcp__verifier **out)
{
    mcp__verifier *v;
    char why[200];
    int sources = !!(o->jwks_url && *o->jwks_url) + !!(o->jwks_file && *o->jwks_file) +
                  !!(o->introspection_url && *o->introspection_url);
    *out = NULL;
    if (sources == 0) {
        if ((o->issuer && *o->issuer) || (o->audience && *o->audience))
            return bad(srv, name,
                       "issuer and audience need jwks_url, jwks_file or "
                       "introspection_url");
        return MCP_OK;
    }
    if (sources > 1)
        return bad(srv, name, "set one of jwks_url, jwks_file and introspection_url");
    if (o->jwks_url && !url_ok(o->jwks_url))
        return bad(srv, name, "jwks_url must be an https URL (plain http only to a loopback host)");
    if (o->introspection_url && !url_ok(o->introspection_url))
        return bad(srv, name,
                   "introspection_url must be an https URL (plain http only to a loopback host)");
    if (!o->introspection_url && !(o->issuer && *o->issuer))
        return bad(srv, name, "a JWK Set needs the issuer its tokens must name (issuer)");
    if (o->introspection_url && (!o->introspection_client_id || !o->introspection_client_secret))
        return bad(srv, name,
                   "introspection needs client credentials "
                   "(introspection_client_id and introspection_client_secret)");
    if (mcp__crypto_load(why, sizeof why) != MCP_OK)
        return bad(srv, name, why);
    if (!(v = calloc(1, sizeof *v)))
        return MCP_ENOMEM;
    v->srv = srv;
    v->done = done;
    v->leeway_s = o->jwt_leeway_s ? (long)o->jwt_leeway_s : 60;
    v->min_interval_s = o->jwks_min_interval_s ? o->jwks_min_interval_s : 30;
    v->intro_timeout_ms = o->introspection_timeout_ms ? o->introspection_timeout_ms : 5000;
    v->name = strdup(name);
    v->jwks_url = dup_or_null(o->jwks_url);
    v->jwks_file = dup_or_null(o->jwks_file);
    v->intro_url = dup_or_null(o->introspection_url);
    v->issuer = dup_or_null(o->issuer);
    v->audience = dup_or_null(o->audience);
    v->cache = json_object();
    if (v->intro_url)
        v->intro_auth = basic_auth(o->introspection_client_id, o->introspection_client_secret);
    if (!v->name || !v->cache || (o->issuer && *o->issuer && !v->issuer) ||
        (v->intro_url && !v->intro_auth)) {
        mcp__verifier_free(v);
        return MCP_ENOMEM;
    }
    if (v->jwks_file && load_file(v, true) != MCP_OK) {
        mcp__verifier_free(v);
        return MCP_EINVAL;
    }
    *out = v;
    return MCP_OK;
}

const char *mcp__verifier_audience(const mcp__verifier *v)
{
    return v ? v->audience : NULL;
}

/* ---- checking ------------------------------------------------------------------------------- */

static int check_jwt(mcp__verifier *v, const char *tok, size_t n, const char *audience,
                     json_t **principal)
{
    mcp__jwt_rules r;
    const char *why = NULL;
    int rc;
    r.issuer = v->issuer;
    r.audience = audience;
    r.leeway_s = v->leeway_s;
    r.now = (long long)now_s();
    rc = mcp__jwt_verify(v->keys, tok, n, &r, principal, &why);
    if (rc != MCP__JWT_OK)
        mcp_server_log(v->srv, MCP_LOG_DEBUG, "%s: authorization: %s", v->name, why);
    return rc;
}

/* 0 with *principal, or the status: 401 or 503. */
static int finish_jwt(mcp__verifier *v, const char *tok, size_t n, const char *audience,
                      const char *key, json_t **principal)
{
    int rc;
    if (!v->keys)
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    rc = check_jwt(v, tok, n, audience, principal);
    if (rc != MCP__JWT_OK)
        return MHD_HTTP_UNAUTHORIZED;
    cache_put(v, key, json_number_value(json_object_get(*principal, "exp")) + (double)v->leeway_s,
              *principal);
    return 0;
}

static void finish_waiter(waiter *w, int status, json_t *principal)
{
    mcp__verifier_done done = w->v->done;
    mcp__hconn *c = w->c;
    wipe_free(w->token, w->n);
    free(w->audience);
    mcp__buf_free(&w->body);
    free(w);
    done(c, status, principal);
}

static void jwks_fetched(mcp__curl_req *r, const mcp__curl_result *res, void *ud);

static int jwks_body(mcp__curl_req *r, const char *data, size_t len, void *ud)
{
    mcp__verifier *v = ud;
    (void)r;
    if (v->jwks_body.len + len > JWKS_MAX_BYTES)
        return 1; /* too big: abort */
    mcp__buf_add(&v->jwks_body, data, len);
    return 0;
}

static bool start_jwks_fetch(mcp__verifier *v, uv_loop_t *loop)
{
    static const char *const headers[] = {"Accept: application/jwk-set+json, application/json",
                                          NULL};
    mcp__curl_opts o;
    char why[200];
    if (v->jwks_req)
        return true;
    v->last_fetch = now_s();
    if (!v->curl && !(v->curl = mcp__curl_engine(loop, why, sizeof why))) {
        mcp_server_log(v->srv, MCP_LOG_ERROR, "%s: authorization: cannot fetch the JWK Set: %s",
                       v->name, why);
        v->last_failure = now_s();
        return false;
    }
    memset(&o, 0, sizeof o);
    o.url = v->jwks_url;
    o.headers = headers;
    o.timeout_ms = FETCH_TIMEOUT_MS;
    o.on_body = jwks_body;
    o.on_done = jwks_fetched;
    o.ud = v;
    mcp__buf_free(&v->jwks_body);
    if (!(v->jwks_req = mcp__curl_start(v->curl, &o, why, sizeof why))) {
        mcp_server_log(v->srv, MCP_LOG_ERROR, "%s: authorization: cannot fetch the JWK Set: %s",
                       v->name, why);
        v->last_failure = now_s();
        return false;
    }
    return true;
}

/* Cache-Control max-age, bounded; the default without one. */
static double max_age(const char *cc)
{
    const char *p = cc ? strstr(cc, "max-age=") : NULL;
    long s;
    if (cc && (strstr(cc, "no-store") || strstr(cc, "no-cache")))
        return MAX_AGE_MIN;
    if (!p)
        return MAX_AGE_DEFAULT;
    s = strtol(p + 8, NULL, 10);
    return s < MAX_AGE_MIN ? MAX_AGE_MIN : s > MAX_AGE_MAX ? MAX_AGE_MAX : (double)s;
}

static void jwks_fetched(mcp__curl_req *r, const mcp__curl_result *res, void *ud)
{
    mcp__verifier *v = ud;
    char why[200] = "";
    mcp__jwks *set = NULL;
    waiter *w;
    v->jwks_req = NULL;
    if (res->err == MCP_ECANCELLED && !v->done) {
        mcp__buf_free(&v->jwks_body);
        return; /* the verifier is going away */
    }
    if (res->err != MCP_OK)
        snprintf(why, sizeof why, "%s", res->error && *res->error ? res->error : "fetch failed");
    else if (res->status != 200)
        snprintf(why, sizeof why, "HTTP status %ld", res->status);
    else
        set = mcp__jwks_parse(v->jwks_body.data ? v->jwks_body.data : "", v->jwks_body.len, why,
                              sizeof why);
    if (set) {
        mcp__jwks_free(v->keys);
        v->keys = set;
        v->keys_expire = now_s() + max_age(mcp__curl_header(r, "Cache-Control"));
        mcp_server_log(v->srv, MCP_LOG_INFO, "%s: authorization: JWK Set: %zu key(s)", v->name,
                       mcp__jwks_count(set));
    } else {
        v->last_failure = now_s();
        mcp_server_log(v->srv, MCP_LOG_ERROR, "%s: authorization: JWK Set %s: %s%s", v->name,
                       v->jwks_url, why, v->keys ? " (the previous keys stay in use)" : "");
    }
    mcp__buf_free(&v->jwks_body);
    /* Every parked request, checked with what there is now; none refetches again. */
    while ((w = v->waiting) != NULL) {
        json_t *principal = NULL;
        char key[65];
        int status;
        v->waiting = w->next;
        v->nwaiting--;
        status = token_key(w->token, w->n, w->audience, key)
                     ? finish_jwt(v, w->token, w->n, w->audience, key, &principal)
                     : MHD_HTTP_SERVICE_UNAVAILABLE;
        finish_waiter(w, status, principal);
    }
}

static waiter *park(mcp__verifier *v, mcp__hconn *c, const char *tok, size_t n,
                    const char *audience)
{
    waiter *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->c = c;
    w->v = v;
    w->n = n;
    w->token = malloc(n + 1);
    w->audience = audience ? strdup(audience) : NULL;
    if (!w->token || (audience && !w->audience)) {
        free(w->token);
        free(w->audience);
        free(w);
        return NULL;
    }
    memcpy(w->token, tok, n);
    w->token[n] = '\0';
    return w;
}

/* ---- introspection (RFC 7662) ---------------------------------------------------------------- */

static void intro_unlink(mcp__verifier *v, waiter *w)
{
    waiter **p;
    for (p = &v->intro; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            v->intro_flight--;
            return;
        }
}

static int intro_body(mcp__curl_req *r, const char *data, size_t len, void *ud)
{
    waiter *w = ud;
    (void)r;
    if (w->body.len + len > INTRO_MAX_BYTES)
        return 1;
    mcp__buf_add(&w->body, data, len);
    return 0;
}

/* The answer of the introspection endpoint: 0 with *principal, 401 or 503. */
static int intro_result(mcp__verifier *v, waiter *w, const mcp__curl_result *res,
                        json_t **principal)
{
    json_t *doc, *exp;
    const json_t *iss, *aud;
    double now = now_s(), until;
    char key[65];
    if (res->err != MCP_OK || res->status != 200) {
        mcp_server_log(v->srv, MCP_LOG_ERROR, "%s: authorization: introspection %s: %s", v->name,
                       v->intro_url,
                       res->err == MCP_ETIMEDOUT ? "timed out"
                       : res->err != MCP_OK      ? "failed"
                                                 : "answered with an error status");
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    doc = json_loadb(w->body.data ? w->body.data : "", w->body.len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(doc) || !json_is_boolean(json_object_get(doc, "active"))) {
        json_decref(doc);
        mcp_server_log(v->srv, MCP_LOG_ERROR,
                       "%s: authorization: introspection %s: not an RFC 7662 answer", v->name,
                       v->intro_url);
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    iss = json_object_get(doc, "iss");
    aud = json_object_get(doc, "aud");
    exp = json_object_get(doc, "exp");
    if (!json_is_true(json_object_get(doc, "active")) ||
        (exp && (!json_is_number(exp) || json_number_value(exp) + (double)v->leeway_s < now)) ||
        (v->issuer && iss && (!json_is_string(iss) || strcmp(json_string_value(iss), v->issuer))) ||
        (w->audience && aud && !mcp__jwt_aud_has(aud, w->audience))) {
        json_decref(doc);
        return MHD_HTTP_UNAUTHORIZED;
    }
    json_object_del(doc, "active");
    if (!json_is_string(json_object_get(doc, "scope")))
        json_object_del(doc, "scope");
    until = now + (exp ? json_number_value(exp) - now : 60);
    if (until > now + INTRO_CACHE_MAX)
        until = now + INTRO_CACHE_MAX;
    if (token_key(w->token, w->n, w->audience, key))
        cache_put(v, key, until, doc);
    *principal = doc;
    return 0;
}

static void intro_done(mcp__curl_req *r, const mcp__curl_result *res, void *ud)
{
    waiter *w = ud;
    mcp__verifier *v = w->v;
    json_t *principal = NULL;
    int status;
    (void)r;
    w->req = NULL;
    intro_unlink(v, w);
    if (!w->c) { /* its connection ended: nothing to answer */
        wipe_free(w->token, w->n);
        free(w->audience);
        mcp__buf_free(&w->body);
        free(w);
        return;
    }
    status = intro_result(v, w, res, &principal);
    finish_waiter(w, status, principal);
}

static int form_escape(mcp__buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            mcp__buf_add(b, &s[i], 1);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            mcp__buf_add(b, e, 3);
        }
    }
    return 0;
}

static int start_introspection(mcp__verifier *v, mcp__hconn *c, const char *tok, size_t n,
                               const char *audience)
{
    const char *headers[3];
    mcp__curl_opts o;
    mcp__buf form = {0};
    char why[200];
    waiter *w;
    if (v->intro_flight >= INTRO_MAX_FLIGHT) {
        mcp_server_log(v->srv, MCP_LOG_WARNING,
                       "%s: authorization: %d introspections in flight; refusing more", v->name,
                       INTRO_MAX_FLIGHT);
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    if (!v->curl && !(v->curl = mcp__curl_engine(c->d->loop, why, sizeof why))) {
        mcp_server_log(v->srv, MCP_LOG_ERROR, "%s: authorization: cannot introspect: %s", v->name,
                       why);
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    if (!(w = park(v, c, tok, n, audience)))
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    mcp__buf_add(&form, "token=", 6);
    form_escape(&form, tok, n);
    mcp__buf_add(&form, "&token_type_hint=access_token", 29);
    headers[0] = v->intro_auth;
    headers[1] = "Accept: application/json";
    headers[2] = NULL;
    memset(&o, 0, sizeof o);
    o.method = "POST";
    o.url = v->intro_url;
    o.headers = headers;
    o.body = form.data;
    o.body_len = form.len;
    o.timeout_ms = v->intro_timeout_ms;
    o.connect_timeout_ms = v->intro_timeout_ms;
    o.on_body = intro_body;
    o.on_done = intro_done;
    o.ud = w;
    w->next = v->intro;
    v->intro = w;
    v->intro_flight++;
    w->req = mcp__curl_start(v->curl, &o, why, sizeof why);
    if (form.data)
        wipe_free(form.data, form.cap);
    if (!w->req) {
        intro_unlink(v, w);
        wipe_free(w->token, w->n);
        free(w->audience);
        free(w);
        mcp_server_log(v->srv, MCP_LOG_ERROR, "%s: authorization: cannot introspect: %s", v->name,
                       why);
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    }
    return MCP__STAGE_LATER;
}

/* ---- the entry ------------------------------------------------------------------------------ */

int mcp__verifier_check(mcp__verifier *v, mcp__hconn *c, const char *tok, size_t n,
                        const char *audience, json_t **principal)
{
    char key[65];
    double now = now_s();
    int rc;
    waiter *w;

    *principal = NULL;
    if (!token_key(tok, n, audience, key))
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    if ((*principal = cache_get(v, key)) != NULL)
        return 0;
    if (v->intro_url)
        return start_introspection(v, c, tok, n, audience);
    if (v->jwks_url && v->keys && now >= v->keys_expire && !v->jwks_req &&
        now - v->last_failure >= v->min_interval_s)
        (void)start_jwks_fetch(v, c->d->loop); /* stale: refresh, the old keys serve meanwhile */
    if (v->keys) {
        rc = check_jwt(v, tok, n, audience, principal);
        if (rc == MCP__JWT_OK) {
            cache_put(v, key,
                      json_number_value(json_object_get(*principal, "exp")) + (double)v->leeway_s,
                      *principal);
            return 0;
        }
        if (rc != MCP__JWT_NO_KEY || now - v->last_fetch < v->min_interval_s)
            return MHD_HTTP_UNAUTHORIZED;
        if (v->jwks_file) { /* rotation of a file: read it again, once per interval */
            if (load_file(v, false) != MCP_OK)
                return MHD_HTTP_UNAUTHORIZED;
            return finish_jwt(v, tok, n, audience, key, principal);
        }
    } else if (!v->jwks_req && now - v->last_failure < v->min_interval_s) {
        return MHD_HTTP_SERVICE_UNAVAILABLE; /* failed just now: do not hammer the server */
    }
    /* No keys yet, or an unknown kid: fetch and wait. */
    if (v->nwaiting >= MAX_WAITERS)
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    if (!start_jwks_fetch(v, c->d->loop))
        return v->keys ? MHD_HTTP_UNAUTHORIZED : MHD_HTTP_SERVICE_UNAVAILABLE;
    if (!(w = park(v, c, tok, n, audience)))
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    w->next = v->waiting;
    v->waiting = w;
    v->nwaiting++;
    return MCP__STAGE_LATER;
}

void mcp__verifier_cancel(mcp__verifier *v, mcp__hconn *c)
{
    waiter **p, *w;
    if (!v)
        return;
    for (p = &v->waiting; (w = *p) != NULL;) {
        if (w->c == c) {
            *p = w->next;
            v->nwaiting--;
            wipe_free(w->token, w->n);
            free(w->audience);
            free(w);
        } else {
            p = &w->next;
        }
    }
    for (w = v->intro; w; w = w->next)
        if (w->c == c) {
            w->c = NULL; /* answered to no one when it ends */
            if (w->req)
                mcp__curl_cancel(w->req);
            break;
        }
}

void mcp__verifier_free(mcp__verifier *v)
{
    waiter *w;
    if (!v)
        return;
    v->done = NULL; /* callbacks from here on only clean up */
    while ((w = v->intro) != NULL) {
        w->c = NULL;
        if (w->req)
            mcp__curl_cancel(w->req); /* intro_done unlinks and frees it */
        else
            intro_unlink(v, w);
    }
    if (v->jwks_req)
        mcp__curl_cancel(v->jwks_req);
    while ((w = v->waiting) != NULL) {
        v->waiting = w->next;
        wipe_free(w->token, w->n);
        free(w->audience);
        free(w);
    }
    if (v->curl)
        mcp__curl_release(v->curl);
    mcp__buf_free(&v->jwks_body);
    mcp__jwks_free(v->keys);
    json_decref(v->cache);
    free(v->name);
    free(v->jwks_url);
    free(v->jwks_file);
    free(v->issuer);
    free(v->audience);
    free(v->intro_url);
    if (v->intro_auth)
        wipe_free(v->intro_auth, strlen(v->intro_auth));
    free(v);
}
