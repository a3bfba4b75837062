/*
 * The OAuth extensions of the client: private_key_jwt client assertions (RFC 7523), DPoP
 * proofs and nonces (RFC 9449), the token exchange at an enterprise IdP for an ID-JAG
 * (RFC 8693; its HTTP through core/curl.c), and the options and state of oauth.c's hooks. The keys
 * and signatures are base/crypto.c's (libcrypto, loaded on first use); the JWS is base/jwt.c's. See
 * oauth_grants.h.
 */
#include "client/oauth_grants.h"

#include "client/http.h"

#include <time.h>

char *mcp__oauth_client_assertion(const mcp__pkey *key, mcp__sig_alg alg, const char *client_id,
                                  const char *audience)
{
    char jti[33];
    json_int_t now = (json_int_t)time(NULL);
    json_t *claims;
    char *jws;
    if (!client_id || !audience || mcp__random_id(jti) != 0)
        return NULL;
    claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "iss", client_id, "sub", client_id, "aud",
                       audience, "jti", jti, "iat", now, "exp", now + MCP__OAUTH_ASSERTION_TTL);
    jws = claims ? mcp__jws_sign(key, alg, NULL, claims, NULL) : NULL;
    json_decref(claims);
    return jws;
}

int mcp__dpop_init(mcp__dpop *d)
{
    memset(d, 0, sizeof *d);
    if (!(d->key = mcp__pkey_generate_p256()) || !(d->jwk = mcp__pkey_jwk(d->key)) ||
        mcp__jwk_thumbprint(d->jwk, d->jkt) != MCP_OK) {
        mcp__dpop_clear(d);
        return MCP_EIO;
    }
    return MCP_OK;
}

int mcp__dpop_restore(mcp__dpop *d, const char *pem)
{
    mcp__pkey *k = pem ? mcp__pkey_from_pem(pem, strlen(pem), NULL, 0) : NULL;
    json_t *jwk = NULL;
    char jkt[sizeof d->jkt];
    if (!k || mcp__pkey_default_alg(k) != MCP__SIG_ES256 || !(jwk = mcp__pkey_jwk(k)) ||
        mcp__jwk_thumbprint(jwk, jkt) != MCP_OK) {
        mcp__pkey_free(k);
        json_decref(jwk);
        return MCP_EINVAL;
    }
    mcp__pkey_free(d->key);
    json_decref(d->jwk);
    d->key = k;
    d->jwk = jwk;
    memcpy(d->jkt, jkt, sizeof jkt);
    return MCP_OK;
}

void mcp__dpop_clear(mcp__dpop *d)
{
    mcp__pkey_free(d->key);
    json_decref(d->jwk);
    free(d->nonce_as);
    free(d->nonce_rs);
    memset(d, 0, sizeof *d);
}

char *mcp__dpop_proof(const mcp__dpop *d, const char *method, const char *url,
                      const char *access_token, const char *nonce)
{
    char jti[33], *out = NULL, *ath = NULL;
    size_t htu_len = url ? strcspn(url, "?#") : 0;
    json_t *head = NULL, *claims = NULL;
    unsigned char digest[32];
    if (!d->key || !method || !url || mcp__random_id(jti) != 0)
        return NULL;
    if (access_token && (mcp__sha256_once(access_token, strlen(access_token), digest) != MCP_OK ||
                         !(ath = mcp__base64_encode(digest, sizeof digest, true))))
        return NULL;
    head = json_pack("{s:s, s:O}", "typ", "dpop+jwt", "jwk", d->jwk);
    claims = json_pack("{s:s, s:s, s:s%, s:I}", "jti", jti, "htm", method, "htu", url, htu_len,
                       "iat", (json_int_t)time(NULL));
    if (head && claims && (!ath || json_object_set_new(claims, "ath", json_string(ath)) == 0) &&
        (!nonce || json_object_set_new(claims, "nonce", json_string(nonce)) == 0))
        out = mcp__jws_sign(d->key, MCP__SIG_ES256, head, claims, NULL);
    json_decref(head);
    json_decref(claims);
    free(ath);
    return out;
}

bool mcp__dpop_keep_nonce(char **slot, const char *value)
{
    size_t i, n = value ? strlen(value) : 0;
    char *copy;
    if (n == 0 || n > MCP__DPOP_NONCE_MAX)
        return false;
    for (i = 0; i < n; i++) { /* NQCHAR: %x21 / %x23-5B / %x5D-7E */
        unsigned char ch = (unsigned char)value[i];
        if (ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\')
            return false;
    }
    if (!(copy = strdup(value)))
        return false;
    free(*slot);
    *slot = copy;
    return true;
}

/* ---- forms and the enterprise-managed token exchange ----------------------------------------- */

static int form_escape(mcp__buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
        bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~';
        if (mcp__buf_add(b, plain ? s : e, plain ? 1 : 3) != MCP_OK)
            return MCP_ENOMEM;
    }
    return MCP_OK;
}

int mcp__form_add(mcp__buf *b, const char *name, const char *value)
{
    if ((b->len && mcp__buf_add(b, "&", 1) != MCP_OK) || form_escape(b, name) != MCP_OK ||
        mcp__buf_add(b, "=", 1) != MCP_OK || form_escape(b, value ? value : "") != MCP_OK)
        return MCP_ENOMEM;
    return MCP_OK;
}

char *mcp__idjag_body(const mcp__idjag_opts *o)
{
    mcp__buf b = {0};
    int rc = mcp__form_add(&b, "grant_type", MCP__OAUTH_GRANT_TOKEN_EXCHANGE);
    if (rc == MCP_OK)
        rc = mcp__form_add(&b, "requested_token_type", MCP__OAUTH_TOKEN_ID_JAG);
    if (rc == MCP_OK)
        rc = mcp__form_add(&b, "audience", o->audience);
    if (rc == MCP_OK)
        rc = mcp__form_add(&b, "resource", o->resource);
    if (rc == MCP_OK && o->scope && *o->scope)
        rc = mcp__form_add(&b, "scope", o->scope);
    if (rc == MCP_OK)
        rc = mcp__form_add(&b, "subject_token", o->id_token);
    if (rc == MCP_OK)
        rc = mcp__form_add(&b, "subject_token_type", MCP__OAUTH_TOKEN_ID_TOKEN);
    if (rc == MCP_OK && !o->client_secret)
        rc = mcp__form_add(&b, "client_id", o->client_id);
    if (rc == MCP_OK)
        rc = mcp__buf_add(&b, "", 1); /* the NUL */
    if (rc != MCP_OK) {
        mcp__buf_free(&b);
        return NULL;
    }
    return b.data;
}

int mcp__idjag_read(long status, const char *body, size_t len, char **id_jag, char *why, size_t n)
{
    json_t *doc = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, NULL);
    const char *err = json_string_value(json_object_get(doc, "error"));
    const char *desc = json_string_value(json_object_get(doc, "error_description"));
    const char *tok = json_string_value(json_object_get(doc, "access_token"));
    const char *type = json_string_value(json_object_get(doc, "issued_token_type"));
    int rc = MCP_EAUTH;
    *id_jag = NULL;
    if (status != 200 && err)
        snprintf(why, n, "token exchange at the IdP: %.64s%s%.160s", err, desc ? ": " : "",
                 desc ? desc : "");
    else if (status != 200)
        snprintf(why, n, "token exchange at the IdP: HTTP status %ld", status);
    else if (!json_is_object(doc))
        snprintf(why, n, "token exchange at the IdP: the answer is not a JSON object");
    else if (!tok || !*tok)
        snprintf(why, n, "token exchange at the IdP: no access_token in the answer");
    else if (!type || strcmp(type, MCP__OAUTH_TOKEN_ID_JAG) != 0)
        snprintf(why, n, "token exchange at the IdP: issued_token_type is not an ID-JAG");
    else if (!(*id_jag = strdup(tok)))
        rc = MCP_ENOMEM;
    else
        rc = MCP_OK;
    json_decref(doc);
    return rc;
}

/* ---- the exchange's HTTP (core/curl.c) ------------------------------------------------------ */

/** The most the IdP's answer may hold. */
#define ANSWER_MAX_BYTES (64 * 1024)

struct mcp__idjag_req {
    mcp__curl *eng;
    mcp__curl_req *req;
    mcp__buf body; /* the answer */
    bool too_big;
    mcp__idjag_fn cb;
    void *ud;
};

char *mcp__oauth_basic_auth(const char *id, const char *secret)
{
    mcp__buf pair = {0};
    char *b64 = NULL, *line = NULL;
    if (form_escape(&pair, id) == MCP_OK && mcp__buf_add(&pair, ":", 1) == MCP_OK &&
        form_escape(&pair, secret) == MCP_OK)
        b64 = mcp__base64_encode(pair.data, pair.len, false);
    if (pair.data)
        memset(pair.data, 0, pair.len);
    mcp__buf_free(&pair);
    if (b64) {
        line = mcp__chttp_dupf("Authorization: Basic %s", b64);
        memset(b64, 0, strlen(b64));
        free(b64);
    }
    return line;
}

static int idjag_body_in(mcp__curl_req *r, const char *data, size_t len, void *ud)
{
    mcp__idjag_req *x = ud;
    (void)r;
    if (x->body.len + len > ANSWER_MAX_BYTES || mcp__buf_add(&x->body, data, len) != MCP_OK) {
        x->too_big = true;
        return 1;
    }
    return 0;
}

static void idjag_done(mcp__curl_req *r, const mcp__curl_result *res, void *ud)
{
    mcp__idjag_req *x = ud;
    char why[256] = "", *jag = NULL;
    int rc = res->err;
    (void)r;
    x->req = NULL;
    if (rc == MCP_OK)
        rc = mcp__idjag_read(res->status, x->body.data, x->body.len, &jag, why, sizeof why);
    else if (x->too_big)
        snprintf(why, sizeof why, "token exchange at the IdP: the answer is too large");
    else
        snprintf(why, sizeof why, "token exchange at the IdP: %s",
                 res->error && *res->error ? res->error : "failed");
    x->cb(x->ud, rc, jag, why);
    if (jag)
        memset(jag, 0, strlen(jag));
    free(jag);
    mcp__buf_free(&x->body);
    mcp__curl_release(x->eng);
    free(x);
}

mcp__idjag_req *mcp__idjag_start(uv_loop_t *loop, const mcp__idjag_opts *o, mcp__idjag_fn cb,
                                 void *ud, char *why, size_t n)
{
    const char *headers[4] = {"Content-Type: application/x-www-form-urlencoded",
                              "Accept: application/json", NULL, NULL};
    mcp__idjag_req *x;
    char *body, *auth = NULL;
    mcp__curl_opts co = {0};
    if (!o->token_endpoint || !o->client_id || !o->id_token || !o->audience || !o->resource) {
        snprintf(why, n,
                 "token exchange: the IdP token endpoint, client id, ID token, "
                 "audience and resource are needed");
        return NULL;
    }
    x = calloc(1, sizeof *x);
    body = x ? mcp__idjag_body(o) : NULL;
    if (o->client_secret && body)
        auth = mcp__oauth_basic_auth(o->client_id, o->client_secret);
    if (!x || !body || (o->client_secret && !auth)) {
        snprintf(why, n, "out of memory");
        free(x);
        free(body);
        return NULL;
    }
    headers[2] = auth;
    x->cb = cb;
    x->ud = ud;
    co.method = "POST";
    co.url = o->token_endpoint;
    co.headers = headers;
    co.body = body;
    co.body_len = strlen(body);
    co.timeout_ms = o->timeout_ms ? o->timeout_ms : 30000;
    co.on_body = idjag_body_in;
    co.on_done = idjag_done;
    co.ud = x;
    if (!(x->eng = mcp__curl_engine(loop, why, n)) ||
        !(x->req = mcp__curl_start(x->eng, &co, why, n))) {
        if (x->eng)
            mcp__curl_release(x->eng);
        free(x);
        x = NULL;
    }
    memset(body, 0, strlen(body)); /* it holds the ID token */
    free(body);
    if (auth)
        memset(auth, 0, strlen(auth));
    free(auth);
    return x;
}

void mcp__idjag_cancel(mcp__idjag_req *r)
{
    if (r && r->req)
        mcp__curl_cancel(r->req);
}

/* ---- the client's extension options ---------------------------------------------------------- */

static int copy(char **dst, const char *src)
{
    return !src || (*dst = strdup(src)) ? MCP_OK : MCP_ENOMEM;
}

int mcp__grants_init(mcp__grants *g, const mcp_client_oauth_opts_t *opts)
{
    int rc = MCP_EINVAL;
    memset(g, 0, sizeof *g);
    if ((opts->private_key_pem || opts->dpop) && mcp__crypto_load(NULL, 0) != MCP_OK)
        return MCP_EIO; /* no libcrypto: nothing to sign with */
    if (opts->private_key_pem) {
        int alg;
        if (!(g->key = mcp__pkey_from_pem(opts->private_key_pem, strlen(opts->private_key_pem),
                                          NULL, 0)))
            goto fail;
        alg =
            opts->signing_alg ? mcp__sig_alg_of(opts->signing_alg) : mcp__pkey_default_alg(g->key);
        if (alg < 0 || !mcp__pkey_fits(g->key, (mcp__sig_alg)alg))
            goto fail;
        g->alg = (mcp__sig_alg)alg;
    }
    if (opts->dpop) {
        g->use_dpop = true;
        if (mcp__dpop_init(&g->dpop) != MCP_OK) {
            rc = MCP_EIO;
            goto fail;
        }
    }
    if ((opts->assertion && opts->idp_token_endpoint) ||
        (opts->idp_token_endpoint && (!opts->idp_client_id || !opts->idp_id_token)))
        goto fail;
    rc = MCP_ENOMEM;
    if (copy(&g->assertion, opts->assertion) != MCP_OK ||
        copy(&g->idp_token_endpoint, opts->idp_token_endpoint) != MCP_OK ||
        copy(&g->idp_client_id, opts->idp_client_id) != MCP_OK ||
        copy(&g->idp_client_secret, opts->idp_client_secret) != MCP_OK ||
        copy(&g->idp_id_token, opts->idp_id_token) != MCP_OK)
        goto fail;
    return MCP_OK;
fail:
    mcp__grants_clear(g);
    return rc;
}

static void wipe(char **s)
{
    if (*s)
        memset(*s, 0, strlen(*s));
    free(*s);
    *s = NULL;
}

void mcp__grants_clear(mcp__grants *g)
{
    if (g->idjag)
        mcp__idjag_cancel(g->idjag);
    mcp__pkey_free(g->key);
    wipe(&g->assertion);
    free(g->idp_token_endpoint);
    free(g->idp_client_id);
    wipe(&g->idp_client_secret);
    wipe(&g->idp_id_token);
    mcp__dpop_clear(&g->dpop);
    free(g->heard_nonce);
    wipe(&g->grant_form);
    free(g->rs_sent_nonce);
    memset(g, 0, sizeof *g);
}

void mcp__grants_heard_nonce(mcp__grants *g, const char *value)
{
    free(g->heard_nonce);
    g->heard_nonce = value && g->use_dpop ? strdup(value) : NULL;
}

char *mcp__grants_token_dpop(mcp__grants *g, const char *token_endpoint, bool *failed)
{
    char *proof, *line;
    *failed = false;
    if (!g->use_dpop)
        return NULL;
    proof = mcp__dpop_proof(&g->dpop, "POST", token_endpoint, NULL, g->dpop.nonce_as);
    line = proof ? mcp__chttp_dupf("DPoP: %s", proof) : NULL;
    free(proof);
    *failed = !line;
    return line;
}

bool mcp__grants_retry_token(mcp__grants *g, long status, const char *error)
{
    if (!g->use_dpop || g->nonce_retried || status != 400 || !error ||
        strcmp(error, "use_dpop_nonce") != 0 || !g->heard_nonce ||
        !mcp__dpop_keep_nonce(&g->dpop.nonce_as, g->heard_nonce))
        return false;
    g->nonce_retried = true;
    return true;
}

char *mcp__grants_auth_lines(mcp__grants *g, const char *token, const char *method, const char *url,
                             char **proof)
{
    char *p;
    *proof = NULL;
    if (!g->bound)
        return mcp__chttp_dupf("Authorization: Bearer %s", token);
    p = mcp__dpop_proof(&g->dpop, method, url, token, g->dpop.nonce_rs);
    *proof = p ? mcp__chttp_dupf("DPoP: %s", p) : NULL;
    free(p);
    free(g->rs_sent_nonce);
    g->rs_sent_nonce = g->dpop.nonce_rs ? strdup(g->dpop.nonce_rs) : NULL;
    if (!*proof)
        return NULL;
    return mcp__chttp_dupf("Authorization: DPoP %s", token);
}

bool mcp__grants_rs_nonce(mcp__grants *g, const char *error, const char *nonce)
{
    if (!g->bound || !error || strcmp(error, "use_dpop_nonce") != 0 || !nonce ||
        (g->rs_sent_nonce && strcmp(g->rs_sent_nonce, nonce) == 0))
        return false;
    return mcp__dpop_keep_nonce(&g->dpop.nonce_rs, nonce);
}

bool mcp__grants_jwt_bearer(const mcp__grants *g)
{
    return g->assertion || g->idp_token_endpoint;
}

/* The exchange ended: it is no longer in flight. */
static void grants_idjag_done(void *ud, int status, const char *id_jag, const char *why)
{
    mcp__grants *g = ud;
    g->idjag = NULL;
    g->idjag_cb(g->idjag_ud, status, id_jag, why);
}

int mcp__grants_idjag(mcp__grants *g, uv_loop_t *loop, const char *issuer, const char *resource,
                      const char *scope, mcp__idjag_fn cb, void *ud, char *why, size_t n)
{
    mcp__idjag_opts o = {g->idp_token_endpoint,
                         g->idp_client_id,
                         g->idp_client_secret,
                         g->idp_id_token,
                         issuer,
                         resource,
                         scope,
                         0};
    if (g->idjag) {
        snprintf(why, n, "token exchange: one is already under way");
        return MCP_ESTATE;
    }
    g->idjag_cb = cb;
    g->idjag_ud = ud;
    if (!(g->idjag = mcp__idjag_start(loop, &o, grants_idjag_done, g, why, n)))
        return MCP_EAUTH;
    return MCP_OK;
}
