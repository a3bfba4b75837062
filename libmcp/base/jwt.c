/*
 * JWT access tokens (RFC 7519, RFC 9068) checked against a JWK Set (RFC 7517): the parsing and
 * every check, with no I/O. Where the key set comes from, and the caches, are the transport's
 * (transport/jwks.c); the signature itself is libcrypto's (base/crypto.c).
 *
 * What is accepted, and nothing else:
 * - a compact JWS of exactly three non-empty base64url segments (no padding, canonical);
 * - "alg" RS256, PS256 (RSA keys of 2048 bits or more), ES256 (P-256) or EdDSA (Ed25519), and
 *   only with a key of that type, whose own "alg" (when it has one) is the same. "none" and the
 *   HMAC algorithms are never accepted: a public key is public, so an HMAC "signed" with it
 *   proves nothing;
 * - "typ" absent, "JWT" or "at+jwt" (RFC 9068 §2.1; the "application/" prefix allowed); no "crit";
 * - "iss" equal to the configured issuer, "aud" (a string or an array) holding the audience,
 *   "exp" present and not past, "nbf" and "iat" (when present) not in the future, each with the
 *   leeway.
 * The claims become the principal, normalised so handlers find one shape: "scope" is a
 * space-separated string (from "scope", or from an array "scp"), and "client_id" is set from
 * "azp" when absent.
 *
 * The other way, for the client: mcp__jws_sign() builds a compact JWS from a header and claims
 * (private_key_jwt assertions, DPoP proofs), and mcp__jwk_thumbprint() names a public key
 * (RFC 7638).
 */
#include "base/base.h"

#include <strings.h>

#define MAX_KEYS 64

struct mcp__jwks_key {
    char *kid; /* or NULL */
    int kty;   /* 0 RSA, 1 EC P-256, 2 OKP Ed25519 */
    int alg;   /* the key's own "alg" as mcp__sig_alg, or -1 */
    mcp__pkey *pkey;
};

struct mcp__jwks {
    size_t n;
    struct mcp__jwks_key keys[MAX_KEYS];
};

enum { KTY_RSA, KTY_EC, KTY_OKP };

static void say(char *why, size_t n, const char *text)
{
    if (why && n)
        snprintf(why, n, "%s", text);
}

int mcp__sig_alg_of(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "RS256") == 0)
        return MCP__SIG_RS256;
    if (strcmp(s, "PS256") == 0)
        return MCP__SIG_PS256;
    if (strcmp(s, "ES256") == 0)
        return MCP__SIG_ES256;
    if (strcmp(s, "EdDSA") == 0)
        return MCP__SIG_EDDSA;
    return -1;
}

static int kty_for(int alg)
{
    return alg == MCP__SIG_ES256 ? KTY_EC : alg == MCP__SIG_EDDSA ? KTY_OKP : KTY_RSA;
}

/* A base64url member of `jwk`, decoded; NULL when absent or malformed. */
static unsigned char *member(const json_t *jwk, const char *name, size_t *len)
{
    const json_t *v = json_object_get(jwk, name);
    size_t n = json_string_length(v);
    if (!json_is_string(v) || n == 0 || n % 4 == 1)
        return NULL;
    return mcp__base64_decode(json_string_value(v), n, true, len);
}

/* One JWK to a key; false when the JWK is not one libmcp verifies with (skipped, not an error). */
static bool key_from(const json_t *jwk, struct mcp__jwks_key *k)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *use = json_string_value(json_object_get(jwk, "use"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    const json_t *alg = json_object_get(jwk, "alg"), *kid = json_object_get(jwk, "kid");
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;

    memset(k, 0, sizeof *k);
    if (!json_is_object(jwk) || !kty || (use && strcmp(use, "sig") != 0))
        return false;
    if (json_object_get(jwk, "d"))
        return false; /* a private key has no business in a published set */
    k->alg = -1;
    if (alg && (k->alg = mcp__sig_alg_of(json_string_value(alg))) < 0)
        return false; /* HS256, RS512, ...: not for us */
    if (strcmp(kty, "RSA") == 0) {
        k->kty = KTY_RSA;
        if ((a = member(jwk, "n", &alen)) && (b = member(jwk, "e", &blen)))
            k->pkey = mcp__pkey_rsa(a, alen, b, blen);
        if (k->pkey && mcp__pkey_bits(k->pkey) < 2048) {
            mcp__pkey_free(k->pkey);
            k->pkey = NULL;
        }
    } else if (strcmp(kty, "EC") == 0 && crv && strcmp(crv, "P-256") == 0) {
        k->kty = KTY_EC;
        if ((a = member(jwk, "x", &alen)) && (b = member(jwk, "y", &blen)) && alen == 32 &&
            blen == 32)
            k->pkey = mcp__pkey_p256(a, b);
    } else if (strcmp(kty, "OKP") == 0 && crv && strcmp(crv, "Ed25519") == 0) {
        k->kty = KTY_OKP;
        if ((a = member(jwk, "x", &alen)) && alen == 32)
            k->pkey = mcp__pkey_ed25519(a);
    }
    free(a);
    free(b);
    if (k->alg >= 0 && kty_for(k->alg) != k->kty) {
        mcp__pkey_free(k->pkey);
        k->pkey = NULL;
    }
    if (!k->pkey)
        return false;
    if (json_is_string(kid) && !(k->kid = strdup(json_string_value(kid)))) {
        mcp__pkey_free(k->pkey);
        k->pkey = NULL;
        return false;
    }
    return true;
}

mcp__jwks *mcp__jwks_parse(const char *text, size_t len, char *why, size_t n)
{
    json_t *doc, *keys;
    mcp__jwks *set;
    size_t i;
    char lwhy[200];

    if (mcp__crypto_load(lwhy, sizeof lwhy) != MCP_OK) {
        say(why, n, lwhy);
        return NULL;
    }
    doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    keys = json_object_get(doc, "keys");
    if (!json_is_array(keys)) {
        json_decref(doc);
        say(why, n, "not a JWK Set (a JSON object with a \"keys\" array)");
        return NULL;
    }
    if (!(set = calloc(1, sizeof *set))) {
        json_decref(doc);
        say(why, n, "out of memory");
        return NULL;
    }
    for (i = 0; i < json_array_size(keys) && set->n < MAX_KEYS; i++)
        if (key_from(json_array_get(keys, i), &set->keys[set->n]))
            set->n++;
    json_decref(doc);
    if (set->n == 0) {
        free(set);
        say(why, n,
            "the JWK Set holds no usable signing key (RSA >= 2048 bits, EC P-256 or Ed25519)");
        return NULL;
    }
    return set;
}

void mcp__jwks_free(mcp__jwks *set)
{
    size_t i;
    if (!set)
        return;
    for (i = 0; i < set->n; i++) {
        free(set->keys[i].kid);
        mcp__pkey_free(set->keys[i].pkey);
    }
    free(set);
}

size_t mcp__jwks_count(const mcp__jwks *set)
{
    return set ? set->n : 0;
}

/* ---- tokens --------------------------------------------------------------------------------- */

/* Decode one segment as a JSON object; NULL when it is not one. */
static json_t *segment_json(const char *s, size_t n)
{
    size_t len;
    unsigned char *raw;
    json_t *v;
    if (n == 0 || n % 4 == 1 || !(raw = mcp__base64_decode(s, n, true, &len)))
        return NULL;
    v = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
    free(raw);
    if (!json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* A base64url segment is canonical when re-encoding its bytes gives it back (no stray bits). */
static bool canonical(const char *s, size_t n, const unsigned char *raw, size_t len)
{
    char *again = mcp__base64_encode(raw, len, true);
    bool same = again && strlen(again) == n && memcmp(again, s, n) == 0;
    free(again);
    return same;
}

static bool typ_ok(const json_t *typ)
{
    const char *t;
    if (!typ)
        return true;
    if (!(t = json_string_value(typ)))
        return false;
    if (strncasecmp(t, "application/", 12) == 0)
        t += 12;
    return strcasecmp(t, "JWT") == 0 || strcasecmp(t, "at+jwt") == 0;
}

static bool number(const json_t *v, double *out)
{
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

bool mcp__jwt_aud_has(const json_t *aud, const char *want)
{
    size_t i;
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    for (i = 0; json_is_array(aud) && i < json_array_size(aud); i++)
        if (json_is_string(json_array_get(aud, i)) &&
            strcmp(json_string_value(json_array_get(aud, i)), want) == 0)
            return true;
    return false;
}

/* The one principal shape (see the top of this file). */
static void normalise(json_t *claims)
{
    const json_t *scp = json_object_get(claims, "scp");
    const json_t *scope = json_object_get(claims, "scope");
    if (!json_is_string(scope) && json_is_array(scp)) {
        mcp__buf b = {0};
        size_t i;
        for (i = 0; i < json_array_size(scp); i++) {
            const json_t *s = json_array_get(scp, i);
            if (!json_is_string(s))
                continue;
            if (b.len)
                mcp__buf_add(&b, " ", 1);
            mcp__buf_add(&b, json_string_value(s), json_string_length(s));
        }
        json_object_set_new(claims, "scope", json_stringn(b.data ? b.data : "", b.len));
        mcp__buf_free(&b);
    } else if (scope && !json_is_string(scope)) {
        json_object_del(claims, "scope"); /* not a scope list we can read: none */
    }
    if (!json_is_string(json_object_get(claims, "client_id")) &&
        json_is_string(json_object_get(claims, "azp")))
        json_object_set(claims, "client_id", json_object_get(claims, "azp"));
}

int mcp__jwt_verify(const mcp__jwks *set, const char *tok, size_t n, const mcp__jwt_rules *r,
                    json_t **claims, const char **why)
{
    const char *d1 = memchr(tok, '.', n), *d2, *kid;
    json_t *head = NULL, *body = NULL;
    unsigned char *sig = NULL;
    size_t slen = 0, i, tried = 0;
    int alg, rc = MCP__JWT_INVALID;
    double exp, t;
    bool verified = false;

    *claims = NULL;
    *why = "malformed token (want three base64url segments)";
    if (!d1 || !(d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - tok))) ||
        memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - tok)))
        return MCP__JWT_INVALID;
    if (!(head = segment_json(tok, (size_t)(d1 - tok))))
        goto out;
    *why = "malformed token header";
    alg = mcp__sig_alg_of(json_string_value(json_object_get(head, "alg")));
    if (alg < 0) {
        *why = "token algorithm not accepted (RS256, PS256, ES256 and EdDSA are)";
        goto out;
    }
    if (!typ_ok(json_object_get(head, "typ")) || json_object_get(head, "crit")) {
        *why = "token type or critical header not accepted";
        goto out;
    }
    kid = json_string_value(json_object_get(head, "kid"));
    if (json_object_get(head, "kid") && !kid)
        goto out;
    *why = "malformed token signature";
    if (n - (size_t)(d2 + 1 - tok) == 0 || (n - (size_t)(d2 + 1 - tok)) % 4 == 1 ||
        !(sig = mcp__base64_decode(d2 + 1, n - (size_t)(d2 + 1 - tok), true, &slen)) ||
        !canonical(d2 + 1, n - (size_t)(d2 + 1 - tok), sig, slen))
        goto out;
    for (i = 0; set && i < set->n && !verified; i++) {
        const struct mcp__jwks_key *k = &set->keys[i];
        if (kid && (!k->kid || strcmp(k->kid, kid) != 0))
            continue;
        if (k->kty != kty_for(alg) || (k->alg >= 0 && k->alg != alg))
            continue;
        tried++;
        verified = mcp__pkey_verify(k->pkey, (mcp__sig_alg)alg, tok, (size_t)(d2 - tok), sig, slen);
    }
    if (!verified) {
        bool named = false;
        for (i = 0; kid && set && i < set->n; i++)
            named = named || (set->keys[i].kid && strcmp(set->keys[i].kid, kid) == 0);
        if (kid && !named) {
            *why = "no key in the JWK Set has the token's kid";
            rc = MCP__JWT_NO_KEY;
        } else if (!tried) {
            *why = "no key in the JWK Set fits the token's algorithm";
            rc = kid ? MCP__JWT_INVALID : MCP__JWT_NO_KEY;
        } else {
            *why = "bad token signature";
        }
        goto out;
    }
    *why = "malformed token claims";
    if (!(body = segment_json(d1 + 1, (size_t)(d2 - d1 - 1))))
        goto out;
    if (r->issuer && (!json_is_string(json_object_get(body, "iss")) ||
                      strcmp(json_string_value(json_object_get(body, "iss")), r->issuer) != 0)) {
        *why = "token issuer not accepted";
        goto out;
    }
    if (r->audience && !mcp__jwt_aud_has(json_object_get(body, "aud"), r->audience)) {
        *why = "token audience is not this server";
        goto out;
    }
    if (!number(json_object_get(body, "exp"), &exp)) {
        *why = "token has no expiry (exp)";
        goto out;
    }
    if ((double)r->now > exp + (double)r->leeway_s) {
        *why = "token expired";
        goto out;
    }
    if (json_object_get(body, "nbf") &&
        (!number(json_object_get(body, "nbf"), &t) || t > (double)(r->now + r->leeway_s))) {
        *why = "token not yet valid (nbf)";
        goto out;
    }
    if (json_object_get(body, "iat") &&
        (!number(json_object_get(body, "iat"), &t) || t > (double)(r->now + r->leeway_s))) {
        *why = "token issued in the future (iat)";
        goto out;
    }
    normalise(body);
    *claims = body;
    body = NULL;
    *why = NULL;
    rc = MCP__JWT_OK;
out:
    json_decref(head);
    json_decref(body);
    free(sig);
    return rc;
}

/* ---- signing -------------------------------------------------------------------------------- */

const char *mcp__sig_alg_name(mcp__sig_alg alg)
{
    switch (alg) {
    case MCP__SIG_RS256:
        return "RS256";
    case MCP__SIG_PS256:
        return "PS256";
    case MCP__SIG_ES256:
        return "ES256";
    case MCP__SIG_EDDSA:
        return "EdDSA";
    }
    return "none";
}

/* `v` as compact JSON, base64url-encoded, appended to `b`. */
static int add_segment(mcp__buf *b, const json_t *v)
{
    mcp__buf json = {0};
    char *enc;
    int rc = mcp__json_write(&json, v);
    if (rc != MCP_OK) {
        mcp__buf_free(&json);
        return rc;
    }
    enc = mcp__base64_encode(json.data, json.len, true);
    mcp__buf_free(&json);
    if (!enc)
        return MCP_ENOMEM;
    rc = mcp__buf_add(b, enc, strlen(enc));
    free(enc);
    return rc;
}

char *mcp__jws_sign(const mcp__pkey *key, mcp__sig_alg alg, const json_t *header,
                    const json_t *claims, int *rc_out)
{
    json_t *head = header ? json_deep_copy(header) : json_object();
    mcp__buf b = {0};
    unsigned char *sig = NULL;
    size_t slen = 0;
    char *enc = NULL;
    int rc = MCP_ENOMEM;
    if (!head)
        goto out;
    rc = MCP_EINVAL;
    if (!json_is_object(head) || !json_is_object(claims) || !mcp__pkey_fits(key, alg))
        goto out;
    rc = MCP_ENOMEM;
    if (json_object_set_new(head, "alg", json_string(mcp__sig_alg_name(alg))) != 0)
        goto out;
    if ((rc = add_segment(&b, head)) != MCP_OK || (rc = mcp__buf_add(&b, ".", 1)) != MCP_OK ||
        (rc = add_segment(&b, claims)) != MCP_OK)
        goto out;
    if ((rc = mcp__pkey_sign(key, alg, b.data, b.len, &sig, &slen)) != MCP_OK)
        goto out;
    rc = MCP_ENOMEM;
    if (!(enc = mcp__base64_encode(sig, slen, true)) || mcp__buf_add(&b, ".", 1) != MCP_OK ||
        mcp__buf_add(&b, enc, strlen(enc) + 1) != MCP_OK) /* with the NUL */
        goto out;
    rc = MCP_OK;
out:
    json_decref(head);
    free(sig);
    free(enc);
    if (rc != MCP_OK)
        mcp__buf_free(&b);
    if (rc_out)
        *rc_out = rc;
    return rc == MCP_OK ? b.data : NULL;
}

/* The members RFC 7638 §3.2 requires, per kty, in lexicographic order. */
int mcp__jwk_thumbprint(const json_t *jwk, char out[44])
{
    static const char *const rsa[] = {"e", "kty", "n", NULL},
                             *const ec[] = {"crv", "kty", "x", "y", NULL},
                             *const okp[] = {"crv", "kty", "x", NULL};
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *const *names = NULL;
    json_t *canon;
    mcp__buf b = {0};
    unsigned char d[32];
    char *enc;
    size_t i;
    int rc = MCP_EINVAL;
    out[0] = '\0';
    if (!kty)
        return MCP_EINVAL;
    names = strcmp(kty, "RSA") == 0   ? rsa
            : strcmp(kty, "EC") == 0  ? ec
            : strcmp(kty, "OKP") == 0 ? okp
                                      : NULL;
    if (!names || !(canon = json_object()))
        return names ? MCP_ENOMEM : MCP_EINVAL;
    for (i = 0; names[i]; i++) {
        const json_t *v = json_object_get(jwk, names[i]);
        if (!json_is_string(v) || json_object_set(canon, names[i], (json_t *)v) != 0)
            goto out;
    }
    /* jansson writes members in insertion order, which is the order above */
    rc = mcp__json_write(&b, canon);
    if (rc == MCP_OK)
        rc = mcp__sha256_once(b.data, b.len, d);
    if (rc == MCP_OK) {
        if (!(enc = mcp__base64_encode(d, sizeof d, true)))
            rc = MCP_ENOMEM;
        else {
            memcpy(out, enc, 44); /* 43 characters and the NUL */
            free(enc);
        }
    }
out:
    json_decref(canon);
    mcp__buf_free(&b);
    return rc;
}
