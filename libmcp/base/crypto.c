/*
 * The one crypto implementation libmcp uses: OpenSSL 3's libcrypto, loaded with dlopen() on first
 * use. SHA-256 and HMAC-SHA256 (the signed 2026 requestState, the static bearer token compared
 * as digests, the per-principal quota key, the token caches), constant-time comparison
 * (CRYPTO_memcmp), and the signature checks of JWT access tokens (RS256, PS256, ES256, EdDSA
 * with Ed25519; public keys built from JWK members with EVP_PKEY_fromdata), and the client's
 * signatures: private keys read from PEM or generated (P-256, for DPoP proofs), signing in the
 * same four algorithms, and a key's public half as a JWK.
 *
 * libmcp does not link libcrypto: a STDIO server that never signs a requestState nor checks a
 * token never loads it, so it keeps its resident size and start-up time. Each function here
 * loads it on its first call; when it cannot be loaded the function fails (MCP_EIO, NULL or
 * false) and the caller refuses what needed it: nothing falls back to a weaker check.
 */
#include "base/base.h"
#include "base/dl.h"

#include <pthread.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

static struct {
    __typeof__(EVP_MD_CTX_new) *md_ctx_new;
    __typeof__(EVP_MD_CTX_free) *md_ctx_free;
    __typeof__(EVP_DigestInit_ex) *digest_init;
    __typeof__(EVP_DigestUpdate) *digest_update;
    __typeof__(EVP_DigestFinal_ex) *digest_final;
    __typeof__(EVP_sha256) *sha256;
    __typeof__(HMAC) *hmac;
    __typeof__(CRYPTO_memcmp) *memcmp;
    __typeof__(EVP_DigestVerifyInit) *verify_init;
    __typeof__(EVP_DigestVerify) *verify;
    __typeof__(EVP_PKEY_CTX_set_rsa_padding) *set_rsa_padding;
    __typeof__(EVP_PKEY_CTX_set_rsa_pss_saltlen) *set_pss_saltlen;
    __typeof__(EVP_PKEY_free) *pkey_free;
    __typeof__(EVP_PKEY_get_bits) *pkey_bits;
    __typeof__(EVP_PKEY_CTX_new_from_name) *ctx_from_name;
    __typeof__(EVP_PKEY_CTX_free) *ctx_free;
    __typeof__(EVP_PKEY_fromdata_init) *fromdata_init;
    __typeof__(EVP_PKEY_fromdata) *fromdata;
    __typeof__(OSSL_PARAM_BLD_new) *bld_new;
    __typeof__(OSSL_PARAM_BLD_push_BN) *bld_push_bn;
    __typeof__(OSSL_PARAM_BLD_push_utf8_string) *bld_push_utf8;
    __typeof__(OSSL_PARAM_BLD_push_octet_string) *bld_push_octets;
    __typeof__(OSSL_PARAM_BLD_to_param) *bld_to_param;
    __typeof__(OSSL_PARAM_BLD_free) *bld_free;
    __typeof__(OSSL_PARAM_free) *param_free;
    __typeof__(BN_bin2bn) *bn_bin2bn;
    __typeof__(BN_free) *bn_free;
    __typeof__(ECDSA_SIG_new) *ecdsa_new;
    __typeof__(ECDSA_SIG_set0) *ecdsa_set0;
    __typeof__(ECDSA_SIG_free) *ecdsa_free;
    __typeof__(i2d_ECDSA_SIG) *ecdsa_der;
    __typeof__(ERR_clear_error) *err_clear;
    __typeof__(BIO_new_mem_buf) *bio_mem;
    __typeof__(BIO_free) *bio_free;
    __typeof__(PEM_read_bio_PrivateKey) *read_pem;
    __typeof__(PEM_write_bio_PrivateKey) *write_pem;
    __typeof__(BIO_new) *bio_new;
    __typeof__(BIO_s_mem) *bio_s_mem;
    __typeof__(BIO_ctrl) *bio_ctrl;
    __typeof__(EVP_PKEY_is_a) *pkey_is_a;
    __typeof__(EVP_PKEY_get_utf8_string_param) *pkey_get_utf8;
    __typeof__(EVP_PKEY_get_bn_param) *pkey_get_bn;
    __typeof__(EVP_PKEY_get_raw_public_key) *pkey_raw_pub;
    __typeof__(EVP_PKEY_Q_keygen) *keygen;
    __typeof__(EVP_DigestSignInit) *sign_init;
    __typeof__(EVP_DigestSign) *sign;
    __typeof__(BN_bn2binpad) *bn_bin;
    __typeof__(BN_num_bits) *bn_bits;
    __typeof__(d2i_ECDSA_SIG) *ecdsa_from_der;
    __typeof__(ECDSA_SIG_get0_r) *ecdsa_r;
    __typeof__(ECDSA_SIG_get0_s) *ecdsa_s;
} C; /* filled once under pthread_once, read-only after */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int load_rc = MCP_EIO;
static char load_why[200];

#define LOAD(field, name) MCP__DL_LOAD(h, C.field, name, "libcrypto", load_why)

static void load(void)
{
    static const char *const names[] = {"libcrypto.so.3", NULL};
    void *h = mcp__dl_open(names, "OpenSSL 3's libcrypto", "libssl3", load_why, sizeof load_why);
    if (!h)
        return;
    LOAD(md_ctx_new, "EVP_MD_CTX_new");
    LOAD(md_ctx_free, "EVP_MD_CTX_free");
    LOAD(digest_init, "EVP_DigestInit_ex");
    LOAD(digest_update, "EVP_DigestUpdate");
    LOAD(digest_final, "EVP_DigestFinal_ex");
    LOAD(sha256, "EVP_sha256");
    LOAD(hmac, "HMAC");
    LOAD(memcmp, "CRYPTO_memcmp");
    LOAD(verify_init, "EVP_DigestVerifyInit");
    LOAD(verify, "EVP_DigestVerify");
    LOAD(set_rsa_padding, "EVP_PKEY_CTX_set_rsa_padding");
    LOAD(set_pss_saltlen, "EVP_PKEY_CTX_set_rsa_pss_saltlen");
    LOAD(pkey_free, "EVP_PKEY_free");
    LOAD(pkey_bits, "EVP_PKEY_get_bits");
    LOAD(ctx_from_name, "EVP_PKEY_CTX_new_from_name");
    LOAD(ctx_free, "EVP_PKEY_CTX_free");
    LOAD(fromdata_init, "EVP_PKEY_fromdata_init");
    LOAD(fromdata, "EVP_PKEY_fromdata");
    LOAD(bld_new, "OSSL_PARAM_BLD_new");
    LOAD(bld_push_bn, "OSSL_PARAM_BLD_push_BN");
    LOAD(bld_push_utf8, "OSSL_PARAM_BLD_push_utf8_string");
    LOAD(bld_push_octets, "OSSL_PARAM_BLD_push_octet_string");
    LOAD(bld_to_param, "OSSL_PARAM_BLD_to_param");
    LOAD(bld_free, "OSSL_PARAM_BLD_free");
    LOAD(param_free, "OSSL_PARAM_free");
    LOAD(bn_bin2bn, "BN_bin2bn");
    LOAD(bn_free, "BN_free");
    LOAD(ecdsa_new, "ECDSA_SIG_new");
    LOAD(ecdsa_set0, "ECDSA_SIG_set0");
    LOAD(ecdsa_free, "ECDSA_SIG_free");
    LOAD(ecdsa_der, "i2d_ECDSA_SIG");
    LOAD(err_clear, "ERR_clear_error");
    LOAD(bio_mem, "BIO_new_mem_buf");
    LOAD(bio_free, "BIO_free");
    LOAD(read_pem, "PEM_read_bio_PrivateKey");
    LOAD(write_pem, "PEM_write_bio_PrivateKey");
    LOAD(bio_new, "BIO_new");
    LOAD(bio_s_mem, "BIO_s_mem");
    LOAD(bio_ctrl, "BIO_ctrl");
    LOAD(pkey_is_a, "EVP_PKEY_is_a");
    LOAD(pkey_get_utf8, "EVP_PKEY_get_utf8_string_param");
    LOAD(pkey_get_bn, "EVP_PKEY_get_bn_param");
    LOAD(pkey_raw_pub, "EVP_PKEY_get_raw_public_key");
    LOAD(keygen, "EVP_PKEY_Q_keygen");
    LOAD(sign_init, "EVP_DigestSignInit");
    LOAD(sign, "EVP_DigestSign");
    LOAD(bn_bin, "BN_bn2binpad");
    LOAD(bn_bits, "BN_num_bits");
    LOAD(ecdsa_from_der, "d2i_ECDSA_SIG");
    LOAD(ecdsa_r, "ECDSA_SIG_get0_r");
    LOAD(ecdsa_s, "ECDSA_SIG_get0_s");
    load_rc = MCP_OK; /* the handle stays open for the life of the process */
}

int mcp__crypto_load(char *why, size_t n)
{
    pthread_once(&once, load);
    if (load_rc != MCP_OK && why && n)
        snprintf(why, n, "%s", load_why);
    return load_rc;
}

static bool ready(void)
{
    return mcp__crypto_load(NULL, 0) == MCP_OK;
}

/* ---- digests ------------------------------------------------------------------------------- */

int mcp__sha256_init(mcp__sha256 *s)
{
    s->ctx = NULL;
    s->failed = true;
    if (!ready() || !(s->ctx = C.md_ctx_new()))
        return MCP_EIO;
    if (C.digest_init(s->ctx, C.sha256(), NULL) != 1) {
        C.md_ctx_free(s->ctx);
        s->ctx = NULL;
        return MCP_EIO;
    }
    s->failed = false;
    return MCP_OK;
}

void mcp__sha256_update(mcp__sha256 *s, const void *data, size_t len)
{
    if (!s->failed && C.digest_update(s->ctx, data, len) != 1)
        s->failed = true;
}

int mcp__sha256_final(mcp__sha256 *s, unsigned char out[32])
{
    unsigned int n = 0;
    bool ok = !s->failed && s->ctx && C.digest_final(s->ctx, out, &n) == 1 && n == 32;
    if (s->ctx)
        C.md_ctx_free(s->ctx);
    s->ctx = NULL;
    s->failed = true;
    if (!ok)
        memset(out, 0, 32);
    return ok ? MCP_OK : MCP_EIO;
}

int mcp__sha256_once(const void *data, size_t len, unsigned char out[32])
{
    mcp__sha256 s;
    if (mcp__sha256_init(&s) != MCP_OK) {
        memset(out, 0, 32);
        return MCP_EIO;
    }
    mcp__sha256_update(&s, data, len);
    return mcp__sha256_final(&s, out);
}

int mcp__hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                     unsigned char out[32])
{
    unsigned int n = 0;
    if (ready() && key_len <= 0x7fffffff &&
        C.hmac(C.sha256(), key, (int)key_len, data, len, out, &n) && n == 32)
        return MCP_OK;
    memset(out, 0, 32);
    return MCP_EIO;
}

bool mcp__crypto_equal(const void *a, const void *b, size_t n)
{
    return ready() && C.memcmp(a, b, n) == 0;
}

/* ---- public keys ---------------------------------------------------------------------------- */

/* Build a public key of type `type` from what `b` holds. */
static mcp__pkey *from_params(const char *type, OSSL_PARAM_BLD *b)
{
    OSSL_PARAM *params = C.bld_to_param(b);
    EVP_PKEY_CTX *ctx = params ? C.ctx_from_name(NULL, type, NULL) : NULL;
    EVP_PKEY *k = NULL;
    if (!ctx || C.fromdata_init(ctx) != 1 || C.fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
        k = NULL;
    C.ctx_free(ctx);
    C.param_free(params);
    C.err_clear();
    return (mcp__pkey *)k;
}

mcp__pkey *mcp__pkey_rsa(const unsigned char *n, size_t nlen, const unsigned char *e, size_t elen)
{
    OSSL_PARAM_BLD *b;
    BIGNUM *bn = NULL, *be = NULL;
    mcp__pkey *k = NULL;
    if (!ready() || nlen > 2048 || elen > 16 || !(b = C.bld_new()))
        return NULL;
    bn = C.bn_bin2bn(n, (int)nlen, NULL);
    be = C.bn_bin2bn(e, (int)elen, NULL);
    if (bn && be && C.bld_push_bn(b, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
        C.bld_push_bn(b, OSSL_PKEY_PARAM_RSA_E, be) == 1)
        k = from_params("RSA", b);
    C.bn_free(bn);
    C.bn_free(be);
    C.bld_free(b);
    return k;
}

mcp__pkey *mcp__pkey_p256(const unsigned char x[32], const unsigned char y[32])
{
    unsigned char point[65];
    OSSL_PARAM_BLD *b;
    mcp__pkey *k = NULL;
    if (!ready() || !(b = C.bld_new()))
        return NULL;
    point[0] = 0x04; /* uncompressed: x then y; libcrypto checks it lies on the curve */
    memcpy(point + 1, x, 32);
    memcpy(point + 33, y, 32);
    if (C.bld_push_utf8(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
        C.bld_push_octets(b, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) == 1)
        k = from_params("EC", b);
    C.bld_free(b);
    return k;
}

mcp__pkey *mcp__pkey_ed25519(const unsigned char x[32])
{
    OSSL_PARAM_BLD *b;
    mcp__pkey *k = NULL;
    if (!ready() || !(b = C.bld_new()))
        return NULL;
    if (C.bld_push_octets(b, OSSL_PKEY_PARAM_PUB_KEY, x, 32) == 1)
        k = from_params("ED25519", b);
    C.bld_free(b);
    return k;
}

void mcp__pkey_free(mcp__pkey *k)
{
    if (k)
        C.pkey_free((EVP_PKEY *)k);
}

int mcp__pkey_bits(const mcp__pkey *k)
{
    return k ? C.pkey_bits((const EVP_PKEY *)k) : 0;
}

/* A JWS ES256 signature is r || s (32 bytes each); libcrypto verifies DER. */
static unsigned char *es256_der(const unsigned char *sig, size_t *len)
{
    ECDSA_SIG *es = C.ecdsa_new();
    BIGNUM *r = C.bn_bin2bn(sig, 32, NULL), *s = C.bn_bin2bn(sig + 32, 32, NULL);
    unsigned char *der = NULL, *p;
    int n;
    if (!es || !r || !s || C.ecdsa_set0(es, r, s) != 1) {
        C.bn_free(r);
        C.bn_free(s);
        if (es)
            C.ecdsa_free(es);
        return NULL;
    }
    n = C.ecdsa_der(es, NULL);
    if (n > 0 && (der = malloc((size_t)n))) {
        p = der;
        if (C.ecdsa_der(es, &p) != n) {
            free(der);
            der = NULL;
        }
        *len = (size_t)n;
    }
    C.ecdsa_free(es); /* frees r and s */
    return der;
}

bool mcp__pkey_verify(const mcp__pkey *key, mcp__sig_alg alg, const void *data, size_t len,
                      const unsigned char *sig, size_t slen)
{
    EVP_PKEY *k = (EVP_PKEY *)key;
    EVP_MD_CTX *md;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *der = NULL;
    bool ok = false;
    if (!ready() || !k || !(md = C.md_ctx_new()))
        return false;
    if (alg == MCP__SIG_ES256) {
        if (slen != 64 || !(der = es256_der(sig, &slen)))
            goto out;
        sig = der;
    }
    if (C.verify_init(md, &pctx, alg == MCP__SIG_EDDSA ? NULL : C.sha256(), NULL, k) != 1)
        goto out;
    if (alg == MCP__SIG_PS256 && (C.set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                  C.set_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
        goto out;
    ok = C.verify(md, sig, slen, data, len) == 1;
out:
    C.md_ctx_free(md);
    free(der);
    C.err_clear();
    return ok;
}

/* ---- private keys and signing ---------------------------------------------------------------- */

/* What a key is, for the JWS algorithms: 0 RSA, 1 EC P-256, 2 Ed25519, -1 anything else (an
 * other curve, DSA, X25519 ...). */
static int kind(const EVP_PKEY *k)
{
    char group[64];
    size_t n = 0;
    if (C.pkey_is_a(k, "RSA"))
        return 0;
    if (C.pkey_is_a(k, "ED25519"))
        return 2;
    if (C.pkey_is_a(k, "EC") &&
        C.pkey_get_utf8(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &n) == 1 &&
        strcmp(group, "prime256v1") == 0)
        return 1;
    return -1;
}

/* PEM_read_bio_PrivateKey's passphrase callback: there is none, so an encrypted key fails
 * instead of prompting on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

mcp__pkey *mcp__pkey_from_pem(const char *pem, size_t len, char *why, size_t n)
{
    BIO *bio;
    EVP_PKEY *k = NULL;
    char lwhy[200];
    const char *bad = NULL;
    if (mcp__crypto_load(lwhy, sizeof lwhy) != MCP_OK) {
        if (why && n)
            snprintf(why, n, "%s", lwhy);
        return NULL;
    }
    if (!pem || len == 0 || len > 64 * 1024 || !(bio = C.bio_mem(pem, (int)len)))
        bad = "not a PEM private key";
    else {
        k = C.read_pem(bio, NULL, no_passphrase, NULL);
        C.bio_free(bio);
        if (!k)
            bad = "not a PEM private key (PKCS#8, SEC1 or PKCS#1; unencrypted)";
        else if (kind(k) < 0)
            bad = "unsupported key type (RSA, EC P-256 or Ed25519)";
        else if (kind(k) == 0 && C.pkey_bits(k) < 2048)
            bad = "RSA key shorter than 2048 bits";
    }
    C.err_clear();
    if (bad) {
        if (k)
            C.pkey_free(k);
        if (why && n)
            snprintf(why, n, "%s", bad);
        return NULL;
    }
    return (mcp__pkey *)k;
}

char *mcp__pkey_to_pem(const mcp__pkey *k)
{
    BIO *bio;
    char *data = NULL, *out = NULL;
    long len = 0;
    if (!k || !ready() || !(bio = C.bio_new(C.bio_s_mem())))
        return NULL;
    /* unencrypted PKCS#8; BIO_get_mem_data() is this BIO_ctrl() */
    if (C.write_pem(bio, (EVP_PKEY *)k, NULL, NULL, 0, NULL, NULL) == 1 &&
        (len = C.bio_ctrl(bio, BIO_CTRL_INFO, 0, (char *)&data)) > 0 && data &&
        (out = malloc((size_t)len + 1))) {
        memcpy(out, data, (size_t)len);
        out[len] = '\0';
    }
    if (data && len > 0)
        memset(data, 0, (size_t)len); /* the private key does not linger in the BIO's memory */
    C.bio_free(bio);
    C.err_clear();
    return out;
}

mcp__pkey *mcp__pkey_generate_p256(void)
{
    EVP_PKEY *k;
    if (!ready())
        return NULL;
    k = C.keygen(NULL, NULL, "EC", "P-256");
    C.err_clear();
    return (mcp__pkey *)k;
}

int mcp__pkey_default_alg(const mcp__pkey *k)
{
    static const int alg[] = {MCP__SIG_RS256, MCP__SIG_ES256, MCP__SIG_EDDSA};
    int t = k && ready() ? kind((const EVP_PKEY *)k) : -1;
    return t < 0 ? -1 : alg[t];
}

bool mcp__pkey_fits(const mcp__pkey *k, mcp__sig_alg alg)
{
    int t = k && ready() ? kind((const EVP_PKEY *)k) : -1;
    switch (alg) {
    case MCP__SIG_RS256:
    case MCP__SIG_PS256:
        return t == 0;
    case MCP__SIG_ES256:
        return t == 1;
    case MCP__SIG_EDDSA:
        return t == 2;
    }
    return false;
}

/* libcrypto's DER ECDSA signature to the JWS form r || s (32 bytes each, RFC 7518 §3.4). */
static bool es256_raw(const unsigned char *der, size_t len, unsigned char out[64])
{
    const unsigned char *p = der;
    ECDSA_SIG *es = C.ecdsa_from_der(NULL, &p, (long)len);
    bool ok = es && C.bn_bits(C.ecdsa_r(es)) <= 256 && C.bn_bits(C.ecdsa_s(es)) <= 256 &&
              C.bn_bin(C.ecdsa_r(es), out, 32) == 32 && C.bn_bin(C.ecdsa_s(es), out + 32, 32) == 32;
    if (es)
        C.ecdsa_free(es);
    return ok;
}

int mcp__pkey_sign(const mcp__pkey *key, mcp__sig_alg alg, const void *data, size_t len,
                   unsigned char **sig, size_t *slen)
{
    EVP_PKEY *k = (EVP_PKEY *)key;
    EVP_MD_CTX *md;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *out = NULL;
    size_t n = 0;
    int rc = MCP_EIO;
    *sig = NULL;
    *slen = 0;
    if (!ready())
        return MCP_EIO;
    if (!mcp__pkey_fits(key, alg))
        return MCP_EINVAL;
    if (!(md = C.md_ctx_new()))
        return MCP_ENOMEM;
    if (C.sign_init(md, &pctx, alg == MCP__SIG_EDDSA ? NULL : C.sha256(), NULL, k) != 1)
        goto out; /* e.g. a public key: nothing to sign with */
    if (alg == MCP__SIG_PS256 && (C.set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
                                  C.set_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
        goto out;
    if (C.sign(md, NULL, &n, data, len) != 1 || n == 0 || n > 1024 ||
        !(out = malloc(n < 64 ? 64 : n))) { /* room for r || s however short the DER */
        rc = n ? MCP_ENOMEM : MCP_EIO;
        goto out;
    }
    if (C.sign(md, out, &n, data, len) != 1)
        goto out;
    if (alg == MCP__SIG_ES256) {
        unsigned char raw[64];
        if (!es256_raw(out, n, raw))
            goto out;
        memcpy(out, raw, sizeof raw);
        n = sizeof raw;
    }
    *sig = out;
    *slen = n;
    out = NULL;
    rc = MCP_OK;
out:
    free(out);
    C.md_ctx_free(md);
    C.err_clear();
    return rc;
}

/* A big-number parameter of `k` as base64url: `pad` bytes wide, or its own length (pad 0). */
static char *bn_b64url(const EVP_PKEY *k, const char *name, size_t pad)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    char *s = NULL;
    int n;
    if (C.pkey_get_bn(k, name, &bn) != 1 || !bn)
        return NULL;
    n = pad ? (int)pad : (C.bn_bits(bn) + 7) / 8;
    if (n > 0 && (size_t)n <= sizeof buf && C.bn_bin(bn, buf, n) == n)
        s = mcp__base64_encode(buf, (size_t)n, true);
    C.bn_free(bn);
    return s;
}

json_t *mcp__pkey_jwk(const mcp__pkey *key)
{
    const EVP_PKEY *k = (const EVP_PKEY *)key;
    json_t *j = NULL;
    char *a = NULL, *b = NULL;
    int t = k && ready() ? kind(k) : -1;
    if (t == 0 && (a = bn_b64url(k, OSSL_PKEY_PARAM_RSA_E, 0)) &&
        (b = bn_b64url(k, OSSL_PKEY_PARAM_RSA_N, 0)))
        j = json_pack("{s:s, s:s, s:s}", "kty", "RSA", "e", a, "n", b);
    else if (t == 1 && (a = bn_b64url(k, OSSL_PKEY_PARAM_EC_PUB_X, 32)) &&
             (b = bn_b64url(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32)))
        j = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256", "x", a, "y", b);
    else if (t == 2) {
        unsigned char raw[32];
        size_t n = sizeof raw;
        if (C.pkey_raw_pub(k, raw, &n) == 1 && n == 32 && (a = mcp__base64_encode(raw, n, true)))
            j = json_pack("{s:s, s:s, s:s}", "kty", "OKP", "crv", "Ed25519", "x", a);
    }
    free(a);
    free(b);
    if (ready())
        C.err_clear();
    return j;
}
