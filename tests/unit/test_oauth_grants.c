/*
 * The client's OAuth extension values (libmcp/client/oauth_grants.c): private_key_jwt client
 * assertions checked by libmcp's own JWT verifier (base/jwt.c), DPoP proofs taken apart and their
 * signatures checked with the public key rebuilt from their "jwk" header, and the DPoP nonces
 * kept or refused, form bodies, and the token exchange's request and the IdP answers it accepts
 * or refuses. Token requests go over real sockets (libcurl) to a token endpoint written here on
 * libuv, which records each request and answers from a script: private_key_jwt with DPoP and a
 * use_dpop_nonce challenge answered once, client_secret_basic, and a second challenge refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "client/oauth_grants.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <time.h>

/* The JSON object in base64url segment `seg` (`n` characters) of a compact JWS. */
static json_t *segment(const char *seg, size_t n)
{
    size_t len = 0;
    unsigned char *raw = mcp__base64_decode(seg, n, true, &len);
    json_t *v;
    assert_non_null(raw);
    v = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    assert_true(json_is_object(v));
    return v;
}

static void test_client_assertion(void **state)
{
    mcp__pkey *k = mcp__pkey_generate_p256();
    json_t *jwk = mcp__pkey_jwk(k), *set = json_pack("{s:[O]}", "keys", jwk), *claims = NULL;
    char *text = json_dumps(set, JSON_COMPACT), why[200];
    mcp__jwks *jwks = mcp__jwks_parse(text, strlen(text), why, sizeof why);
    mcp__jwt_rules r = {"client-1", "https://as.test", 5, (long long)time(NULL)};
    const char *reason = NULL;
    char *a = mcp__oauth_client_assertion(k, MCP__SIG_ES256, "client-1", "https://as.test"), *b;
    double iat, exp;
    (void)state;
    assert_non_null(jwks);
    assert_non_null(a);
    assert_int_equal(mcp__jwt_verify(jwks, a, strlen(a), &r, &claims, &reason), MCP__JWT_OK);
    assert_string_equal(json_string_value(json_object_get(claims, "sub")), "client-1");
    iat = json_number_value(json_object_get(claims, "iat"));
    exp = json_number_value(json_object_get(claims, "exp"));
    assert_true(exp - iat == MCP__OAUTH_ASSERTION_TTL);
    assert_int_equal(strlen(json_string_value(json_object_get(claims, "jti"))), 32);
    /* another audience is another authorization server: refused */
    json_decref(claims);
    claims = NULL;
    r.audience = "https://other.test";
    assert_int_equal(mcp__jwt_verify(jwks, a, strlen(a), &r, &claims, &reason), MCP__JWT_INVALID);
    /* a new jti each time */
    b = mcp__oauth_client_assertion(k, MCP__SIG_ES256, "client-1", "https://as.test");
    assert_non_null(b);
    assert_string_not_equal(a, b);
    /* the key decides the algorithm; missing names make nothing */
    assert_null(mcp__oauth_client_assertion(k, MCP__SIG_RS256, "client-1", "https://as.test"));
    assert_null(mcp__oauth_client_assertion(k, MCP__SIG_ES256, NULL, "https://as.test"));
    assert_null(mcp__oauth_client_assertion(k, MCP__SIG_ES256, "client-1", NULL));
    free(a);
    free(b);
    free(text);
    mcp__jwks_free(jwks);
    json_decref(set);
    json_decref(jwk);
    mcp__pkey_free(k);
}

/* Take a proof apart: check its header and signature; return its claims. */
static json_t *open_proof(const mcp__dpop *d, const char *proof)
{
    const char *d1 = strchr(proof, '.'), *d2 = strrchr(proof, '.');
    json_t *head, *claims, *jwk;
    unsigned char *x, *y, *sig;
    size_t xl = 0, yl = 0, sl = 0;
    mcp__pkey *pub;
    assert_non_null(d1);
    assert_true(d2 > d1);
    head = segment(proof, (size_t)(d1 - proof));
    claims = segment(d1 + 1, (size_t)(d2 - d1 - 1));
    assert_string_equal(json_string_value(json_object_get(head, "typ")), "dpop+jwt");
    assert_string_equal(json_string_value(json_object_get(head, "alg")), "ES256");
    jwk = json_object_get(head, "jwk");
    assert_true(json_equal(jwk, d->jwk));
    assert_null(json_object_get(jwk, "d")); /* never the private key */
    x = mcp__base64_decode(json_string_value(json_object_get(jwk, "x")), 43, true, &xl);
    y = mcp__base64_decode(json_string_value(json_object_get(jwk, "y")), 43, true, &yl);
    sig = mcp__base64_decode(d2 + 1, strlen(d2 + 1), true, &sl);
    assert_non_null(x);
    assert_non_null(y);
    assert_non_null(sig);
    pub = mcp__pkey_p256(x, y);
    assert_non_null(pub);
    assert_true(mcp__pkey_verify(pub, MCP__SIG_ES256, proof, (size_t)(d2 - proof), sig, sl));
    mcp__pkey_free(pub);
    free(x);
    free(y);
    free(sig);
    json_decref(head);
    return claims;
}

static void test_dpop_proofs(void **state)
{
    mcp__dpop d;
    char *p1, *p2, ath[64], *enc;
    json_t *c1, *c2;
    unsigned char digest[32];
    long long now = (long long)time(NULL);
    (void)state;
    assert_int_equal(mcp__dpop_init(&d), MCP_OK);
    assert_int_equal(strlen(d.jkt), 43);
    /* to the token endpoint: no ath; the query and fragment are not part of htu */
    p1 = mcp__dpop_proof(&d, "POST", "https://as.test/token?x=1#f", NULL, NULL);
    assert_non_null(p1);
    c1 = open_proof(&d, p1);
    assert_string_equal(json_string_value(json_object_get(c1, "htm")), "POST");
    assert_string_equal(json_string_value(json_object_get(c1, "htu")), "https://as.test/token");
    assert_null(json_object_get(c1, "ath"));
    assert_null(json_object_get(c1, "nonce"));
    assert_true(json_integer_value(json_object_get(c1, "iat")) >= now - 1);
    assert_true(json_integer_value(json_object_get(c1, "iat")) <= now + 5);
    /* to the resource server: ath is the token's SHA-256, base64url; the nonce as given */
    p2 = mcp__dpop_proof(&d, "GET", "http://127.0.0.1:9/mcp", "tok-123", "n-1");
    assert_non_null(p2);
    c2 = open_proof(&d, p2);
    assert_int_equal(mcp__sha256_once("tok-123", 7, digest), MCP_OK);
    enc = mcp__base64_encode(digest, sizeof digest, true);
    snprintf(ath, sizeof ath, "%s", enc);
    free(enc);
    assert_string_equal(json_string_value(json_object_get(c2, "ath")), ath);
    assert_string_equal(json_string_value(json_object_get(c2, "nonce")), "n-1");
    assert_string_equal(json_string_value(json_object_get(c2, "htm")), "GET");
    /* a fresh jti on every proof */
    assert_string_not_equal(json_string_value(json_object_get(c1, "jti")),
                            json_string_value(json_object_get(c2, "jti")));
    assert_null(mcp__dpop_proof(&d, NULL, "https://as.test/token", NULL, NULL));
    json_decref(c1);
    json_decref(c2);
    free(p1);
    free(p2);
    mcp__dpop_clear(&d);
    assert_null(d.key);
    assert_null(mcp__dpop_proof(&d, "POST", "https://as.test/token", NULL, NULL));
}

static void test_dpop_nonces(void **state)
{
    char *slot = NULL, big[MCP__DPOP_NONCE_MAX + 2];
    (void)state;
    assert_true(mcp__dpop_keep_nonce(&slot, "eyJ7S_zG.eyJH0-Z.HX4w-7v"));
    assert_string_equal(slot, "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    /* refused: empty, a space, a quote, a backslash, a control, too long; the old one stays */
    assert_false(mcp__dpop_keep_nonce(&slot, ""));
    assert_false(mcp__dpop_keep_nonce(&slot, NULL));
    assert_false(mcp__dpop_keep_nonce(&slot, "a b"));
    assert_false(mcp__dpop_keep_nonce(&slot, "a\"b"));
    assert_false(mcp__dpop_keep_nonce(&slot, "a\\b"));
    assert_false(mcp__dpop_keep_nonce(&slot, "a\rb"));
    memset(big, 'n', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_false(mcp__dpop_keep_nonce(&slot, big));
    assert_string_equal(slot, "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    big[MCP__DPOP_NONCE_MAX] = '\0';
    assert_true(mcp__dpop_keep_nonce(&slot, big));
    assert_int_equal(strlen(slot), MCP__DPOP_NONCE_MAX);
    free(slot);
}

static void test_form(void **state)
{
    mcp__buf b = {0};
    (void)state;
    assert_int_equal(mcp__form_add(&b, "grant_type", "urn:a:b"), MCP_OK);
    assert_int_equal(mcp__form_add(&b, "x y", "1+2=3&é~._-"), MCP_OK);
    assert_int_equal(mcp__form_add(&b, "empty", NULL), MCP_OK);
    mcp__buf_add(&b, "", 1);
    assert_string_equal(b.data, "grant_type=urn%3Aa%3Ab&x%20y=1%2B2%3D3%26%C3%A9~._-&empty=");
    mcp__buf_free(&b);
}

static void test_idjag_exchange_values(void **state)
{
    mcp__idjag_opts o = {
        "https://idp.test/token", "idp-client",           NULL,         "ey.id.tok",
        "https://as.test",        "https://mcp.test/mcp", "read write", 0};
    char *body = mcp__idjag_body(&o), *jag = NULL, why[256];
    static const char ok[] = "{\"access_token\":\"ey.jag.x\",\"issued_token_type\":"
                             "\"urn:ietf:params:oauth:token-type:id-jag\",\"token_type\":\"N_A\"}";
    (void)state;
    assert_non_null(body);
    assert_string_equal(body, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
                              "&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid-"
                              "jag&audience=https%3A%2F%2Fas.test&resource=https%3A%2F%2Fmcp.test%"
                              "2Fmcp&scope=read%20write&subject_token=ey.id.tok&subject_token_type="
                              "urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token&client_id=idp-"
                              "client");
    free(body);
    /* a confidential client authenticates with Basic: no client_id in the body; no scope */
    o.client_secret = "s";
    o.scope = NULL;
    body = mcp__idjag_body(&o);
    assert_null(strstr(body, "client_id"));
    assert_null(strstr(body, "scope"));
    free(body);
    assert_int_equal(mcp__idjag_read(200, ok, strlen(ok), &jag, why, sizeof why), MCP_OK);
    assert_string_equal(jag, "ey.jag.x");
    free(jag);
#define REFUSED(status, text, reason)                                                        \
    do {                                                                                     \
        assert_int_equal(mcp__idjag_read(status, text, strlen(text), &jag, why, sizeof why), \
                         MCP_EAUTH);                                                         \
        assert_null(jag);                                                                    \
        assert_non_null(strstr(why, reason));                                                \
    } while (0)
    REFUSED(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid ID token\"}",
            "invalid_grant: Invalid ID token");
    REFUSED(500, "<html>", "HTTP status 500");
    REFUSED(200, "[1]", "not a JSON object");
    REFUSED(200, "{\"issued_token_type\":\"urn:ietf:params:oauth:token-type:id-jag\"}",
            "no access_token");
    REFUSED(200, "{\"access_token\":\"t\",\"issued_token_type\":\"urn:x\"}", "not an ID-JAG");
    REFUSED(200, "{\"access_token\":\"t\"}", "not an ID-JAG");
#undef REFUSED
}

/* ---- a scripted token endpoint on libuv ------------------------------------------------------ */

#define MAX_SEEN 4

static const char *script[MAX_SEEN]; /* the answers, in order */
static char *seen[MAX_SEEN];         /* the requests, whole */
static int nseen;

/* A request header's value (case-insensitive name), copied into `out`; NULL when absent. */
static const char *header_of(const char *req, const char *name, char *out, size_t n)
{
    const char *p = req, *end = strstr(req, "\r\n\r\n");
    size_t len = strlen(name);
    while ((p = strstr(p, "\r\n")) && p < end) {
        p += 2;
        if (strncasecmp(p, name, len) == 0 && p[len] == ':') {
            const char *v = p + len + 1, *e = strstr(v, "\r\n");
            while (*v == ' ')
                v++;
            snprintf(out, n, "%.*s", (int)(e - v), v);
            return out;
        }
    }
    return NULL;
}

/* A form field of the request's body, percent-decoded into `out`; NULL when absent. */
static const char *field_of(const char *req, const char *name, char *out, size_t n)
{
    const char *p = strstr(req, "\r\n\r\n") + 4;
    size_t len = strlen(name), o = 0;
    while (p && *p) {
        if (strncmp(p, name, len) == 0 && p[len] == '=') {
            for (p += len + 1; *p && *p != '&' && o + 1 < n; p++) {
                if (*p == '%' && p[1] && p[2]) {
                    char hex[3] = {p[1], p[2], 0};
                    out[o++] = (char)strtol(hex, NULL, 16);
                    p += 2;
                } else {
                    out[o++] = *p;
                }
            }
            out[o] = '\0';
            return out;
        }
        p = strchr(p, '&');
        p = p ? p + 1 : NULL;
    }
    return NULL;
}

/* An HTTP answer with `status` (e.g. "400 Bad Request"), extra header lines and a JSON body. */
static const char *answer(int slot, const char *status, const char *headers, const char *body)
{
    static char text[MAX_SEEN][1024];
    snprintf(text[slot], sizeof text[slot],
             "HTTP/1.1 %s\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n%s",
             status, headers, strlen(body), body);
    return text[slot];
}

typedef struct tconn {
    uv_tcp_t h; /* first */
    uv_write_t w;
    char buf[16384];
    size_t len;
    char *out;
} tconn;

static void tconn_closed(uv_handle_t *h)
{
    tconn *t = (tconn *)h;
    free(t->out);
    free(t);
}

static void tconn_written(uv_write_t *w, int status)
{
    (void)status;
    uv_close((uv_handle_t *)w->data, tconn_closed);
}

static void tconn_alloc(uv_handle_t *h, size_t n, uv_buf_t *b)
{
    tconn *t = (tconn *)h;
    (void)n;
    *b = uv_buf_init(t->buf + t->len, (unsigned)(sizeof t->buf - t->len - 1));
}

static void tconn_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    tconn *t = (tconn *)s;
    const char *body, *cl;
    char clen[32];
    uv_buf_t out;
    (void)b;
    if (n < 0) {
        uv_close((uv_handle_t *)s, tconn_closed);
        return;
    }
    t->len += (size_t)n;
    t->buf[t->len] = '\0';
    body = strstr(t->buf, "\r\n\r\n");
    cl = body ? header_of(t->buf, "Content-Length", clen, sizeof clen) : NULL;
    if (!body || !cl || strlen(body + 4) < strtoul(cl, NULL, 10))
        return; /* not whole yet */
    uv_read_stop(s);
    assert_true(nseen < MAX_SEEN && script[nseen]);
    seen[nseen] = strdup(t->buf);
    t->out = strdup(script[nseen++]);
    out = uv_buf_init(t->out, (unsigned)strlen(t->out));
    t->w.data = t;
    uv_write(&t->w, s, &out, 1, tconn_written);
}

static void tconn_accept(uv_stream_t *srv, int status)
{
    tconn *t = calloc(1, sizeof *t);
    assert_int_equal(status, 0);
    uv_tcp_init(srv->loop, &t->h);
    assert_int_equal(uv_accept(srv, (uv_stream_t *)&t->h), 0);
    uv_read_start((uv_stream_t *)&t->h, tconn_alloc, tconn_read);
}

typedef struct outcome {
    int done, status;
    char token[128], type[16], why[256];
} outcome;

static void on_token(void *ud, int status, const json_t *doc, const char *why)
{
    outcome *o = ud;
    o->done++;
    o->status = status;
    snprintf(o->token, sizeof o->token, "%s",
             doc ? json_string_value(json_object_get(doc, "access_token")) : "");
    snprintf(o->type, sizeof o->type, "%s",
             doc ? json_string_value(json_object_get(doc, "token_type")) : "");
    snprintf(o->why, sizeof o->why, "%s", why ? why : "");
}

/* Run one token request against the script, on a fresh loop and endpoint. */
static void run_token(mcp__token_opts *o, outcome *out)
{
    uv_loop_t loop;
    uv_tcp_t srv;
    struct sockaddr_in sa;
    int len = sizeof sa, i;
    char url[96], why[256];
    mcp__token_req *r;
    nseen = 0;
    memset(out, 0, sizeof *out);
    uv_loop_init(&loop);
    uv_tcp_init(&loop, &srv);
    uv_ip4_addr("127.0.0.1", 0, &sa);
    assert_int_equal(uv_tcp_bind(&srv, (const struct sockaddr *)&sa, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&srv, 8, tconn_accept), 0);
    uv_tcp_getsockname(&srv, (struct sockaddr *)&sa, &len);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/token", ntohs(sa.sin_port));
    o->token_endpoint = url;
    r = mcp__token_start(&loop, o, on_token, out, why, sizeof why);
    assert_non_null(r);
    for (i = 0; i < 2000 && !out->done; i++) /* bounded: each turn waits for an event */
        uv_run(&loop, UV_RUN_ONCE);
    assert_int_equal(out->done, 1);
    uv_close((uv_handle_t *)&srv, NULL);
    for (i = 0; i < 100 && uv_run(&loop, UV_RUN_NOWAIT); i++)
        ;
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void seen_free(void)
{
    int i;
    for (i = 0; i < nseen; i++) {
        free(seen[i]);
        seen[i] = NULL;
    }
}

/* The claims of the DPoP proof of a request (checked as open_proof does). */
static json_t *proof_of(const mcp__dpop *d, const char *req)
{
    char proof[2048];
    assert_non_null(header_of(req, "DPoP", proof, sizeof proof));
    return open_proof(d, proof);
}

static void test_token_private_key_jwt_dpop_nonce(void **state)
{
    mcp__pkey *k = mcp__pkey_generate_p256();
    json_t *jwk = mcp__pkey_jwk(k), *set = json_pack("{s:[O]}", "keys", jwk), *claims, *p;
    char *text = json_dumps(set, JSON_COMPACT), v[2048], why[200];
    mcp__jwks *jwks = mcp__jwks_parse(text, strlen(text), why, sizeof why);
    mcp__jwt_rules rules = {"cc-client", "http://as.test", 5, (long long)time(NULL)};
    const char *reason;
    mcp__dpop d;
    outcome out;
    mcp__token_opts o = {NULL,
                         "http://as.test",
                         "grant_type=client_credentials&scope=a%20b",
                         "cc-client",
                         NULL,
                         k,
                         MCP__SIG_ES256,
                         &d,
                         5000};
    int i;
    (void)state;
    assert_int_equal(mcp__dpop_init(&d), MCP_OK);
    script[0] =
        answer(0, "400 Bad Request", "DPoP-Nonce: n-1\r\n", "{\"error\":\"use_dpop_nonce\"}");
    script[1] = answer(1, "200 OK", "",
                       "{\"access_token\":\"at-1\",\"token_type\":\"DPoP\",\"expires_in\":60}");
    script[2] = NULL;
    run_token(&o, &out);
    assert_int_equal(out.status, MCP_OK);
    assert_string_equal(out.token, "at-1");
    assert_string_equal(out.type, "DPoP");
    assert_int_equal(nseen, 2); /* challenged once, resent once */
    assert_string_equal(d.nonce_as, "n-1");
    for (i = 0; i < 2; i++) {
        assert_string_equal(field_of(seen[i], "grant_type", v, sizeof v), "client_credentials");
        assert_string_equal(field_of(seen[i], "scope", v, sizeof v), "a b");
        assert_string_equal(field_of(seen[i], "client_id", v, sizeof v), "cc-client");
        assert_string_equal(field_of(seen[i], "client_assertion_type", v, sizeof v),
                            MCP__OAUTH_ASSERTION_TYPE);
        assert_null(header_of(seen[i], "Authorization", v, sizeof v));
        /* the assertion: signed with the key, iss = sub = the client, aud = the issuer */
        assert_non_null(field_of(seen[i], "client_assertion", v, sizeof v));
        claims = NULL;
        assert_int_equal(mcp__jwt_verify(jwks, v, strlen(v), &rules, &claims, &reason),
                         MCP__JWT_OK);
        assert_string_equal(json_string_value(json_object_get(claims, "sub")), "cc-client");
        json_decref(claims);
        /* the proof: POST to the token endpoint; the nonce only once it was given */
        p = proof_of(&d, seen[i]);
        assert_string_equal(json_string_value(json_object_get(p, "htm")), "POST");
        assert_non_null(strstr(json_string_value(json_object_get(p, "htu")), "/token"));
        if (i == 0)
            assert_null(json_object_get(p, "nonce"));
        else
            assert_string_equal(json_string_value(json_object_get(p, "nonce")), "n-1");
        assert_null(json_object_get(p, "ath"));
        json_decref(p);
    }
    seen_free();
    /* a second challenge is not answered again */
    free(d.nonce_as);
    d.nonce_as = NULL;
    script[1] = script[0];
    run_token(&o, &out);
    assert_int_equal(out.status, MCP_EAUTH);
    assert_non_null(strstr(out.why, "use_dpop_nonce"));
    assert_int_equal(nseen, 2);
    seen_free();
    mcp__dpop_clear(&d);
    mcp__jwks_free(jwks);
    free(text);
    json_decref(set);
    json_decref(jwk);
    mcp__pkey_free(k);
}

static void test_token_secret_basic(void **state)
{
    char v[512];
    outcome out;
    mcp__token_opts o = {NULL,
                         "http://as.test",
                         "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
                         "&assertion=ey.a.b",
                         "xaa client",
                         "s3cr:et",
                         NULL,
                         MCP__SIG_ES256,
                         NULL,
                         5000};
    (void)state;
    script[0] = answer(0, "401 Unauthorized", "",
                       "{\"error\":\"invalid_client\",\"error_description\":\"bad secret\"}");
    script[1] = NULL;
    run_token(&o, &out);
    assert_int_equal(out.status, MCP_EAUTH);
    assert_string_equal(out.why, "token request: invalid_client: bad secret");
    assert_int_equal(nseen, 1);
    /* Basic with each part form-encoded; no client_id, no assertion type, no proof */
    assert_string_equal(header_of(seen[0], "Authorization", v, sizeof v),
                        "Basic eGFhJTIwY2xpZW50OnMzY3IlM0FldA==");
    assert_null(field_of(seen[0], "client_id", v, sizeof v));
    assert_null(field_of(seen[0], "client_assertion_type", v, sizeof v));
    assert_null(header_of(seen[0], "DPoP", v, sizeof v));
    assert_string_equal(field_of(seen[0], "assertion", v, sizeof v), "ey.a.b");
    seen_free();
    /* an answer that is not a token */
    script[0] = answer(0, "200 OK", "", "{}");
    run_token(&o, &out);
    assert_int_equal(out.status, MCP_EAUTH);
    assert_non_null(strstr(out.why, "no access_token"));
    seen_free();
}

static void test_grants_options(void **state)
{
    mcp_client_oauth_opts_t o;
    mcp__grants g;
    mcp_client_t *c;
    (void)state;
    memset(&o, 0, sizeof o);
    /* nothing asked: nothing kept */
    assert_int_equal(mcp__grants_init(&g, &o), MCP_OK);
    assert_null(g.key);
    assert_false(mcp__grants_jwt_bearer(&g));
    mcp__grants_clear(&g);
    /* a key that is no key, an algorithm the key cannot make, an unknown algorithm */
    o.private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_EINVAL);
    assert_null(g.key);
    o.private_key_pem = NULL;
    /* the IdP without its client or the ID token; an assertion and an IdP at once */
    o.idp_token_endpoint = "http://127.0.0.1:9/token";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_EINVAL);
    o.idp_client_id = "idp-client";
    o.idp_id_token = "ey.id.tok";
    o.assertion = "ey.a.b";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_EINVAL);
    o.assertion = NULL;
    assert_int_equal(mcp__grants_init(&g, &o), MCP_OK);
    assert_true(mcp__grants_jwt_bearer(&g));
    assert_string_equal(g.idp_id_token, "ey.id.tok");
    mcp__grants_clear(&g);
    /* through the public call: the extension grants need a client_id, not a browser */
    c = mcp_client_new(NULL, "t", "1");
    assert_non_null(c);
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_EINVAL);
    o.client_id = "c1";
    o.signing_alg = "HS256";
    o.private_key_pem = "x";
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_EINVAL);
    o.signing_alg = NULL;
    o.private_key_pem = NULL;
    assert_int_equal(mcp_client_set_oauth(c, &o), MCP_OK);
    mcp_client_free(c);
}

static void test_grants_key_and_alg(void **state)
{
    mcp_client_oauth_opts_t o;
    mcp__grants g;
    (void)state;
    memset(&o, 0, sizeof o);
    /* the RFC 8037 Ed25519 key as PKCS#8 (see test_crypto.c): EdDSA by default, ES256 refused */
    o.private_key_pem = "-----BEGIN PRIVATE KEY-----\n"
                        "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                        "-----END PRIVATE KEY-----\n";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_OK);
    assert_non_null(g.key);
    assert_int_equal(g.alg, MCP__SIG_EDDSA);
    mcp__grants_clear(&g);
    o.signing_alg = "ES256";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_EINVAL);
    o.signing_alg = "EdDSA";
    assert_int_equal(mcp__grants_init(&g, &o), MCP_OK);
    mcp__grants_clear(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_assertion),
        cmocka_unit_test(test_dpop_proofs),
        cmocka_unit_test(test_dpop_nonces),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_idjag_exchange_values),
        cmocka_unit_test(test_token_private_key_jwt_dpop_nonce),
        cmocka_unit_test(test_token_secret_basic),
        cmocka_unit_test(test_grants_options),
        cmocka_unit_test(test_grants_key_and_alg),
    };
    return cmocka_run_group_tests_name("oauth_grants", tests, NULL, NULL);
}
