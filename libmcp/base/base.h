/*
 * The base layer (libmcp/base/): primitives that know nothing of servers, sessions or calls —
 * errors, randomness, crypto (libcrypto, loaded on use), base64, text helpers, the JSON reader and
 * writer, JSON-RPC envelopes, JSON Schema and URI templates. Files here include only this header
 * (and mcp.h through it). Never installed.
 *
 * Naming: public symbols are mcp_*, cross-file internals are mcp__* (hidden by
 * -fvisibility=hidden, so they never reach libmcp.so's dynamic symbol table), file-local helpers
 * are static. Unit tests link build/lib/libmcp.a and may call mcp__* directly.
 * Layers, lowest first: base < core < features < server < transport < app; a file may call only
 * its own layer and the ones below (tests/check-layers.sh checks it on every `make test`).
 */
#ifndef MCP_BASE_H
#define MCP_BASE_H

#include "mcp.h"

#include <uv.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MCP_HIDDEN __attribute__((visibility("hidden")))

/* Wire error codes of the JSON-RPC "server error" range that mcp.h does not name. */
#define MCP__ERROR_SERVER                                                                      \
    (-32000)                                  /* refused by the server: busy, a limit reached, \
                                                 shutting down, or a transport-level refusal */
#define MCP__ERROR_SESSION_NOT_FOUND (-32001) /* Streamable HTTP: unknown Mcp-Session-Id */

/* ---- error.c, log.c ----------------------------------------------------------------------------
 */

/** Fill `err` (may be NULL) with `code` and a formatted message; returns `code`. */
MCP_HIDDEN int mcp__error_set(mcp_error_t *err, int code, const char *fmt, ...) MCP_PRINTF(3, 4);

/* ---- random.c ------------------------------------------------------------------------------- */

/** Fill `buf` with `len` bytes from the OS's random source. MCP_OK or MCP_EIO. */
MCP_HIDDEN int mcp__random_bytes(void *buf, size_t len);
/** A fresh id: 32 lowercase hex characters (128 bits) + NUL. 0, or -1 (no randomness). */
MCP_HIDDEN int mcp__random_id(char out[33]);

/* ---- crypto.c: OpenSSL 3's libcrypto, loaded on first use ------------------------------------ */

/** Load libcrypto now (every function below does on its first call). MCP_OK, or MCP_EIO with the
 * reason in `why` (may be NULL). Thread-safe. A feature that needs crypto calls this when it is
 * configured, so that it fails at once, with the reason, instead of on each request. */
MCP_HIDDEN int mcp__crypto_load(char *why, size_t n);

/** SHA-256 in pieces (EVP). init and final return MCP_OK, or MCP_EIO (libcrypto unavailable or
 * failing: the digest is then all zeros and must not be used). final releases the context. */
typedef struct mcp__sha256 {
    void *ctx;
    bool failed;
} mcp__sha256;

MCP_HIDDEN int mcp__sha256_init(mcp__sha256 *s);
MCP_HIDDEN void mcp__sha256_update(mcp__sha256 *s, const void *data, size_t len);
MCP_HIDDEN int mcp__sha256_final(mcp__sha256 *s, unsigned char out[32]);
/** One-shot SHA-256. MCP_OK or MCP_EIO. */
MCP_HIDDEN int mcp__sha256_once(const void *data, size_t len, unsigned char out[32]);
/** HMAC-SHA256. MCP_OK or MCP_EIO. */
MCP_HIDDEN int mcp__hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                                unsigned char out[32]);
/** Constant-time comparison (CRYPTO_memcmp): true when equal; false when not, or when libcrypto
 * is unavailable. */
MCP_HIDDEN bool mcp__crypto_equal(const void *a, const void *b, size_t n);

/** A public key (an EVP_PKEY), built from the members of a JWK. NULL: malformed (e.g. an EC point
 * off the curve), out of memory, or libcrypto unavailable. */
typedef struct mcp__pkey mcp__pkey;
MCP_HIDDEN mcp__pkey *mcp__pkey_rsa(const unsigned char *n, size_t nlen, const unsigned char *e,
                                    size_t elen);
MCP_HIDDEN mcp__pkey *mcp__pkey_p256(const unsigned char x[32], const unsigned char y[32]);
MCP_HIDDEN mcp__pkey *mcp__pkey_ed25519(const unsigned char x[32]);
MCP_HIDDEN void mcp__pkey_free(mcp__pkey *k);
MCP_HIDDEN int mcp__pkey_bits(const mcp__pkey *k);

/** The JWS algorithms libmcp verifies (RFC 7518, RFC 8037). No HMAC, never "none". */
typedef enum mcp__sig_alg {
    MCP__SIG_RS256,
    MCP__SIG_PS256,
    MCP__SIG_ES256,
    MCP__SIG_EDDSA
} mcp__sig_alg;
/** Check `sig` (the JWS form: r||s for ES256) over `data` with `key`. */
MCP_HIDDEN bool mcp__pkey_verify(const mcp__pkey *key, mcp__sig_alg alg, const void *data,
                                 size_t len, const unsigned char *sig, size_t slen);

/* Private keys (the same mcp__pkey, with its private half) and signing, for the client's
 * assertions and proofs. Each loads libcrypto on first use and fails when it cannot. */

/** A private key from PEM text (`len` bytes, at most 64 KiB): PKCS#8 ("PRIVATE KEY"), SEC1
 * ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY"), unencrypted (an encrypted one is refused,
 * never prompted for); RSA of 2048 bits or more, EC P-256 or Ed25519. NULL with the reason in
 * `why` (never quoting the key). Free with mcp__pkey_free(). */
MCP_HIDDEN mcp__pkey *mcp__pkey_from_pem(const char *pem, size_t len, char *why, size_t n);
/** The private key `k` as unencrypted PKCS#8 PEM text ("-----BEGIN PRIVATE KEY-----"), which
 * mcp__pkey_from_pem() reads back: malloc'd, for a secret store (the caller wipes it). NULL for
 * a public key, without libcrypto, or out of memory. */
MCP_HIDDEN char *mcp__pkey_to_pem(const mcp__pkey *k);
/** A fresh EC P-256 key pair (DPoP proofs, RFC 9449). NULL when libcrypto fails or is absent. */
MCP_HIDDEN mcp__pkey *mcp__pkey_generate_p256(void);
/** The algorithm a key signs with when none is named: RS256 (RSA), ES256 (P-256), EdDSA
 * (Ed25519); -1 for any other key or NULL. */
MCP_HIDDEN int mcp__pkey_default_alg(const mcp__pkey *k);
/** Whether `alg` is one `k` can make or check: RS256/PS256 need RSA, ES256 P-256, EdDSA Ed25519. */
MCP_HIDDEN bool mcp__pkey_fits(const mcp__pkey *k, mcp__sig_alg alg);
/** Sign `data` with the private key `k`: *sig (malloc'd, the JWS form: r || s for ES256, 64
 * bytes) and *slen. MCP_OK; MCP_EINVAL when `alg` does not fit the key; MCP_EIO when it cannot
 * sign (a public key only, libcrypto absent); MCP_ENOMEM. */
MCP_HIDDEN int mcp__pkey_sign(const mcp__pkey *k, mcp__sig_alg alg, const void *data, size_t len,
                              unsigned char **sig, size_t *slen);
/** The public half of `k` as a JWK (new reference): {kty:"RSA", e, n}, {kty:"EC", crv:"P-256",
 * x, y} or {kty:"OKP", crv:"Ed25519", x}; never a private member. NULL for another key. */
MCP_HIDDEN json_t *mcp__pkey_jwk(const mcp__pkey *k);

/* ---- jwt.c: JWT access tokens checked against a JWK Set ----------------------------------------
 */

typedef struct mcp__jwks mcp__jwks;
/** Parse a JWK Set document: the signing keys libmcp verifies with (RSA >= 2048 bits, EC P-256,
 * OKP Ed25519; "use" absent or "sig"; at most 64) are kept, others skipped. NULL with the reason
 * in `why` when the text is not a JWK Set, holds no usable key, or libcrypto is unavailable. */
MCP_HIDDEN mcp__jwks *mcp__jwks_parse(const char *text, size_t len, char *why, size_t n);
MCP_HIDDEN void mcp__jwks_free(mcp__jwks *set);
MCP_HIDDEN size_t mcp__jwks_count(const mcp__jwks *set);

typedef struct mcp__jwt_rules {
    const char *issuer;   /* "iss" must equal it (NULL: not checked) */
    const char *audience; /* "aud" must hold it (NULL: not checked) */
    long leeway_s;        /* clock skew allowed on exp, nbf, iat */
    long long now;        /* seconds since the epoch */
} mcp__jwt_rules;

enum { MCP__JWT_OK = 0, MCP__JWT_INVALID = 1, MCP__JWT_NO_KEY = 2 };
/**
 * Check the compact JWT `tok` (`n` bytes) against `set` and `r`. MCP__JWT_OK with *claims a new
 * reference (the normalised claims: "scope" a space-separated string, "client_id" from "azp"
 * when absent); MCP__JWT_NO_KEY when no key of `set` is the one the token names (refetch the set
 * and try again); MCP__JWT_INVALID otherwise. *why: a short reason that never quotes the token.
 */
/** Does an "aud" claim (a string, or an array of strings) hold `want`? */
MCP_HIDDEN bool mcp__jwt_aud_has(const json_t *aud, const char *want);
MCP_HIDDEN int mcp__jwt_verify(const mcp__jwks *set, const char *tok, size_t n,
                               const mcp__jwt_rules *r, json_t **claims, const char **why);

/** An algorithm's JWS name ("RS256" ...), and back: mcp__sig_alg_of() gives -1 for any other
 * name (NULL included). */
MCP_HIDDEN const char *mcp__sig_alg_name(mcp__sig_alg alg);
MCP_HIDDEN int mcp__sig_alg_of(const char *name);
/** A compact JWS (RFC 7515): `header` (borrowed, an object or NULL; copied, with "alg" set to
 * `alg`) and `claims` (borrowed, an object) as compact JSON, base64url-encoded, signed with the
 * private key `k`. Returns malloc'd text, or NULL with *rc (may be NULL) MCP_EINVAL (not
 * objects, or `alg` does not fit `k`), MCP_EIO (cannot sign) or MCP_ENOMEM. */
MCP_HIDDEN char *mcp__jws_sign(const mcp__pkey *k, mcp__sig_alg alg, const json_t *header,
                               const json_t *claims, int *rc);
/** The RFC 7638 SHA-256 thumbprint of a public JWK (borrowed; its required members: e, kty, n
 * for RSA; crv, kty, x, y for EC; crv, kty, x for OKP), base64url: 43 characters and a NUL in
 * `out`. MCP_OK, MCP_EINVAL (another kty, or a member missing or not a string), MCP_EIO,
 * MCP_ENOMEM. */
MCP_HIDDEN int mcp__jwk_thumbprint(const json_t *jwk, char out[44]);

/* ---- schema --------------------------------------------------------------------------- */

/**
 * Parse the compact schema form (see include/mcp.h, "Schemas") into a JSON Schema object.
 * Returns a new reference, or NULL with `err` filled (MCP_ESCHEMA). NULL/"" gives
 * {"type":"object","properties":{}}.
 */
MCP_HIDDEN json_t *mcp__schema_compact(const char *text, mcp_error_t *err);

/**
 * Check that `schema` (borrowed) is usable as a tool input/output schema: a JSON object whose
 * keywords this validator understands have well-formed values (e.g. "required" is an array of
 * strings, "pattern" compiles, "$ref" targets exist). Unknown keywords are allowed (and kept).
 * Returns MCP_OK or MCP_ESCHEMA with `err` filled.
 */
MCP_HIDDEN int mcp__schema_check(const json_t *schema, mcp_error_t *err);

/** The compiled patterns ("pattern", "patternProperties") of one schema (base/schema). */
typedef struct mcp__schema_patterns mcp__schema_patterns;

/**
 * mcp_schema_from_text() that also compiles every pattern of the schema, once: *pats is set
 * to a new table (free it with mcp__schema_patterns_free() when the schema goes) that
 * mcp__schema_validate() uses so that validation never compiles. NULL with `err` filled
 * (MCP_ESCHEMA or MCP_ENOMEM) and *pats NULL on error.
 */
MCP_HIDDEN json_t *mcp__schema_load(const char *text, mcp__schema_patterns **pats,
                                    mcp_error_t *err);
/** An empty table (NULL when out of memory). */
MCP_HIDDEN mcp__schema_patterns *mcp__schema_patterns_new(void);
/** Free a table and its compiled patterns (NULL is fine). */
MCP_HIDDEN void mcp__schema_patterns_free(mcp__schema_patterns *p);

/**
 * mcp_schema_validate() with the schema's compiled patterns (borrowed; NULL: compile as
 * needed during this call, as mcp_schema_validate() does).
 */
MCP_HIDDEN int mcp__schema_validate(const json_t *schema, const mcp__schema_patterns *pats,
                                    const json_t *instance, char *msg, size_t msg_size);
/**
 * The instance with the `default` of every absent property filled in (schema `properties`,
 * through local $refs, into nested objects present in the instance). Returns a new reference
 * to a filled deep copy, or NULL when nothing needs filling (or out of memory): then use
 * `instance` as it is. Both arguments borrowed.
 */
MCP_HIDDEN json_t *mcp__schema_defaults(const json_t *schema, const json_t *instance);
/** Whether `schema` (borrowed) has a "default" key anywhere: without one,
 * mcp__schema_defaults() never fills anything, so a caller may check this once, at
 * registration, instead of walking the schema on every call. Bounded by the reader's depth. */
MCP_HIDDEN bool mcp__schema_has_defaults(const json_t *schema);
/** mcp__schema_validate() naming the instance `where` in messages instead of "arguments"
 * (e.g. "structuredContent.temp: expected number, got string"). */
MCP_HIDDEN int mcp__schema_validate_at(const json_t *schema, const mcp__schema_patterns *pats,
                                       const json_t *instance, const char *where, char *msg,
                                       size_t msg_size);

/* ---- uritemplate.c ---------------------------------------------------------------------- */

/** Check RFC 6570 template syntax (levels 1–4). MCP_OK or MCP_EINVAL with `err` filled. */
MCP_HIDDEN int mcp__uritemplate_check(const char *tmpl, mcp_error_t *err);

/**
 * Match `uri` against `tmpl`. Returns a new reference to an object of the variables (strings,
 * percent-decoded; arrays of strings for exploded list variables) or NULL when it does not match.
 * Time is linear in strlen(uri) * number of expressions (no backtracking blow-up).
 */
MCP_HIDDEN json_t *mcp__uritemplate_match(const char *tmpl, const char *uri);

/**
 * Expand `tmpl` with `vars` (borrowed object: string/number values, arrays, or objects).
 * Returns a malloc'd string the caller frees, or NULL on a bad template / out of memory.
 */
MCP_HIDDEN char *mcp__uritemplate_expand(const char *tmpl, const json_t *vars);

/* ---- json_write.c: a growable buffer and the compact JSON writer ---------------------------- */

typedef struct mcp__buf {
    char *data;
    size_t len, cap;
} mcp__buf;

MCP_HIDDEN int mcp__buf_reserve(mcp__buf *b, size_t more);
MCP_HIDDEN int mcp__buf_add(mcp__buf *b, const void *p, size_t n);
MCP_HIDDEN void mcp__buf_free(mcp__buf *b);
/** Append `v` as compact JSON (what json_dumps(JSON_COMPACT) writes). On failure nothing is
 * appended. */
MCP_HIDDEN int mcp__json_write(mcp__buf *b, const json_t *v);

/* ---- json_read.c: the JSON reader for inbound messages --------------------------------------- */

/** Parse `buf` exactly as json_loadb(buf, len, JSON_REJECT_DUPLICATES, err) does: the same inputs
 * accepted, with equal trees (same integer/real types, keys in input order), and the same ones
 * refused: NULL, with `err` (may be NULL) filled in its own words. Returns a new reference. */
MCP_HIDDEN json_t *mcp__json_parse(const char *buf, size_t len, json_error_t *err);
/** mcp__json_parse() that also stores in `*deepest` how many containers the value nests, itself
 * included (1 for {"a":1}), so a caller need not walk the tree again to bound its depth. */
MCP_HIDDEN json_t *mcp__json_parse_depth(const char *buf, size_t len, json_error_t *err,
                                         size_t *deepest);

/* ---- jsonrpc.c ---------------------------------------------------------------------------- */

typedef enum mcp__msg_kind {
    MCP__MSG_INVALID,
    MCP__MSG_REQUEST,
    MCP__MSG_NOTIFICATION,
    MCP__MSG_RESPONSE,
} mcp__msg_kind;

/** A classified message; every json_t here is borrowed from `msg`. */
typedef struct mcp__msg {
    mcp__msg_kind kind;
    json_t *msg;
    json_t *id;         /* valid id, or NULL (notification, or unreadable id) */
    const char *method; /* requests and notifications */
    json_t *params;     /* may be NULL */
    json_t *meta;       /* requests and notifications: params._meta as sent (any type), or NULL */
    size_t depth;       /* containers nested in msg, itself included, when the reader counted
                           them (mcp__inbound_read); 0: not known */
    json_t *result;     /* responses */
    json_t *error;      /* error responses */
    int error_code;     /* MCP__MSG_INVALID: the JSON-RPC code to answer with */
    const char *error_text;
} mcp__msg;

/** How a reply answers its request, for transports with a status of their own (HTTP maps it to
 * a status code). Set by the core on every reply it sends (mcp__session_reply); never derived
 * from the reply's text. */
typedef enum mcp__reply_class {
    MCP__REPLY_NONE,      /* not a reply: a notification, or a request to the client */
    MCP__REPLY_OK,        /* a result, or an error about what the request asked for */
    MCP__REPLY_MALFORMED, /* the message cannot be served as sent: parse error, invalid request,
                             header mismatch, missing client capability, unsupported revision */
    MCP__REPLY_BAD_META,  /* 2026-07-28: the request's _meta envelope is malformed (-32602) */
    MCP__REPLY_NO_METHOD, /* no such method (here, or in this era) */
    MCP__REPLY_FORBIDDEN, /* HTTP authorization: the principal lacks the scopes the tool, resource
                             or prompt needs (error.data.scope names them) */
} mcp__reply_class;

/** The class of a reply carrying JSON-RPC error `code` (0: a result). */
MCP_HIDDEN mcp__reply_class mcp__reply_class_of(int code);
/** Parse one message. Returns a new reference, or NULL with *error_out a new -32700 response. */
MCP_HIDDEN json_t *mcp__jsonrpc_parse(const char *buf, size_t len, json_t **error_out);

/**
 * One inbound buffer (a STDIO line, an HTTP body), read once for every transport: parsed,
 * classified, and what a transport must know before dispatch (the era, initialize) worked out.
 * The core dispatches it as it is (mcp__server_receive_inbound); nothing is parsed twice.
 */
typedef struct mcp__inbound {
    json_t *json;    /* owned: the message or batch; NULL when the bytes are not JSON */
    json_t *error;   /* owned: then, the -32700 reply to send */
    bool batch;      /* a JSON array (2025-03-26 batch) */
    mcp__msg msg;    /* not a batch: the message, classified (borrows from json) */
    bool era2026;    /* its params._meta names a protocol revision (the stateless era) */
    bool initialize; /* an initialize request */
} mcp__inbound;

/** Read `len` bytes. MCP_OK, or MCP_EINVAL (not JSON: in->error set). Clear with
 * mcp__inbound_clear() either way. */
MCP_HIDDEN int mcp__inbound_read(mcp__inbound *in, const char *buf, size_t len);
MCP_HIDDEN void mcp__inbound_clear(mcp__inbound *in);
MCP_HIDDEN void mcp__jsonrpc_classify(const json_t *msg, mcp__msg *out);
MCP_HIDDEN bool mcp__jsonrpc_valid_id(const json_t *id);
/** True when `v` nests containers deeper than `limit` levels. Recursion bounded by limit. */
MCP_HIDDEN bool mcp__jsonrpc_too_deep(const json_t *v, size_t limit);
/* Builders: `id` borrowed (NULL gives "id": null); `result`, `data`, `params` stolen. */
MCP_HIDDEN json_t *mcp__jsonrpc_result(const json_t *id, json_t *result);
MCP_HIDDEN json_t *mcp__jsonrpc_error(const json_t *id, int code, const char *message,
                                      json_t *data);
MCP_HIDDEN json_t *mcp__jsonrpc_notification(const char *method, json_t *params);
MCP_HIDDEN json_t *mcp__jsonrpc_request(const json_t *id, const char *method, json_t *params);
/** Serialize compactly (one line). Returns malloc'd text; *len set. */
MCP_HIDDEN char *mcp__jsonrpc_dump(const json_t *msg, size_t *len);

/* ---- skill.c: Agent Skills primitives (the skills extension, SEP-2640) ---------------------- */

/** Length of a "sha256:{64 lowercase hex}" digest, without the NUL. */
#define MCP__SKILL_DIGEST_LEN 71
/**
 * Read the YAML frontmatter at the start of a SKILL.md (`len` bytes; an optional UTF-8 BOM, a
 * "---" line, the block, a closing "---" line) into `*out`, a new JSON object. `*body` (may be
 * NULL) gets the offset of the text after the closing line. The YAML subset and what is refused
 * are described at the top of skill.c. MCP_OK; MCP_EPARSE with the reason in `why`; MCP_ENOMEM.
 */
MCP_HIDDEN int mcp__frontmatter_parse(const char *text, size_t len, json_t **out, size_t *body,
                                      char *why, size_t why_n);
/** The Agent Skills naming rule: 1-64 of a-z 0-9 '-', no leading, trailing or double '-'. */
MCP_HIDDEN bool mcp__skill_name_ok(const char *name, size_t len);
/** A '/'-separated relative path with no empty, "." or ".." segment. */
MCP_HIDDEN bool mcp__skill_path_ok(const char *path);
/** "sha256:{hex}" of `len` bytes into `out`. MCP_OK, or MCP_EIO (libcrypto unavailable). */
MCP_HIDDEN int mcp__skill_digest(const void *data, size_t len, char out[MCP__SKILL_DIGEST_LEN + 1]);
/** `s` is a well-formed "sha256:{64 lowercase hex}". */
MCP_HIDDEN bool mcp__skill_digest_ok(const char *s);
/** Deep equality in which numbers compare by value (1 equals 1.0), as JSON and YAML readers
 * may type the same number differently. */
MCP_HIDDEN bool mcp__json_same(const json_t *a, const json_t *b);

/* ---- base64.c ----------------------------------------------------------------------------- */

/** Encode `len` bytes: standard alphabet with padding, or (url) the URL alphabet without padding.
 * Returns malloc'd NUL-terminated text, or NULL (out of memory). */
MCP_HIDDEN char *mcp__base64_encode(const void *data, size_t len, bool url);
/** Decode `n` characters of the same form, strictly (NULL when malformed or out of memory).
 * Returns malloc'd bytes followed by a NUL not counted in *len. */
MCP_HIDDEN unsigned char *mcp__base64_decode(const char *s, size_t n, bool url, size_t *len);

/* ---- text.c --------------------------------------------------------------------------------- */

/** printf into `small` (size bytes) when it fits, else into a malloc'd buffer; returns the text
 * (== small, or to be freed) with *len set, or NULL (bad format or out of memory). */
MCP_HIDDEN char *mcp__vformat(char *small, size_t size, size_t *len, const char *fmt, va_list ap);
/** Parse optional JSON text of a given type ("object"/"array") for definitions. NULL text -> NULL
 * with MCP_OK in *rc. */
MCP_HIDDEN json_t *mcp__json_text(const char *text, const char *what, int want_type,
                                  mcp_error_t *err, int *rc);

#endif /* MCP_BASE_H */
