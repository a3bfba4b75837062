/*
 * 2026-07-28 multi round-trip requests (MRTR): how a stateless server asks the client.
 *
 * A handler that asks (mcp_call_elicit_new & co.) on a 2026 request gets its question recorded
 * under a key ("q0", "q1", ... in asking order); the call then ends with
 *     {"resultType":"input_required","inputRequests":{"q0":{"method":..,"params":..}},
 *      "requestState":"<payload>.<mac>"}
 * The client answers by retrying the same request with `inputResponses` (same keys) and the
 * requestState echoed. requestState carries the answers gathered so far, the keys it asks, the
 * method, a digest of the request's params, the principal's digest (when authenticated), an
 * expiry and a nonce, all HMAC-SHA256-signed with the server's key. On the retry the handler runs
 * again from the start; each ask now finds its answer and runs the callback at once. A state
 * whose MAC, digest, principal or expiry does not check out, or whose nonce was already used, is
 * refused with -32602. Answers count only together with the state that asked for them, and only
 * for the keys it asked: answers without a requestState are ignored (the questions are asked
 * again, as the spec says for missing answers).
 *
 * Single use: every nonce issued is kept until its state expires, and marked when used (a state
 * issued by another instance sharing the key is recorded at its use). The set is bounded
 * (MCP_LIMIT_REQUEST_STATES): when it is full no new state is issued (the call gets -32000) and
 * nothing is forgotten before it expires.
 */
#include "features/features.h"

#include <time.h>

#define STATE_TTL_S 600 /* unless srv->state_ttl_s says otherwise (tests) */

/* A 2026 call's questions and answers: hung on the call (call->qstate) by the first use. */
struct mcp__mrtr {
    json_t *requests;     /* questions for an input_required result (owned) */
    json_t *responses;    /* answers from requestState + inputResponses (owned) */
    unsigned seq;         /* questions asked so far in this run */
    char next_key[64];    /* the key for the next question ("" = "q<seq>") */
    mcp__waiter *waiters; /* callbacks of unanswered questions */
};

static bool mrtr_asking(const mcp_call_t *call);
static void mrtr_result(mcp_call_t *call);
static void mrtr_end(mcp_call_t *call);

static const mcp__call_questions mrtr_hooks = {mrtr_asking, mrtr_result, mrtr_end};

/* The call's MRTR state, created on first use (NULL: out of memory). */
static struct mcp__mrtr *state_of(mcp_call_t *call)
{
    if (!call->qstate) {
        if (!(call->qstate = calloc(1, sizeof(struct mcp__mrtr))))
            return NULL;
        call->questions = &mrtr_hooks;
    }
    return call->qstate;
}

static bool mrtr_asking(const mcp_call_t *call)
{
    const struct mcp__mrtr *q = call->qstate;
    return q && q->requests && json_object_size(q->requests) > 0;
}

void mcp__mrtr_forget_key(mcp_call_t *call)
{
    struct mcp__mrtr *q = call->questions == &mrtr_hooks ? call->qstate : NULL;
    if (q)
        q->next_key[0] = '\0';
}

bool mcp__mrtr_answered(const mcp_call_t *call, const char *key)
{
    const struct mcp__mrtr *q = call->questions == &mrtr_hooks ? call->qstate : NULL;
    return q && json_object_get(q->responses, key) != NULL;
}

/* ---- nonces issued and used ------------------------------------------------------------ */

typedef struct nonce_entry {
    char id[33];
    time_t expires; /* the state's "x": refused after it anyway, forgotten then */
    bool used;
    struct nonce_entry *hnext;
} nonce_entry;

/* A hash set of the nonces of unexpired states, and a min-heap of the same entries by expiry
 * (expiries are not in insertion order: the TTL may change, and states are used in any order). */
struct mcp__nonces {
    nonce_entry **buckets; /* nbuckets, a power of two */
    size_t nbuckets;
    nonce_entry **heap; /* count entries, earliest expiry first */
    size_t count, cap;
};

static size_t nonce_hash(const char *id)
{
    size_t h = 2166136261u;
    for (; *id; id++)
        h = (h ^ (unsigned char)*id) * 16777619u;
    return h;
}

static nonce_entry **nonce_slot(struct mcp__nonces *n, const char *id)
{
    nonce_entry **pp = &n->buckets[nonce_hash(id) & (n->nbuckets - 1)];
    while (*pp && strcmp((*pp)->id, id) != 0)
        pp = &(*pp)->hnext;
    return pp;
}

static void heap_down(struct mcp__nonces *n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        nonce_entry *tmp;
        if (l < n->count && n->heap[l]->expires < n->heap[m]->expires)
            m = l;
        if (l + 1 < n->count && n->heap[l + 1]->expires < n->heap[m]->expires)
            m = l + 1;
        if (m == i)
            return;
        tmp = n->heap[i];
        n->heap[i] = n->heap[m];
        n->heap[m] = tmp;
        i = m;
    }
}

/* Forget the nonces of states that expired (their states are refused for that already). */
static void nonces_prune(struct mcp__nonces *n, time_t now)
{
    while (n->count > 0 && n->heap[0]->expires < now) {
        nonce_entry *e = n->heap[0];
        *nonce_slot(n, e->id) = e->hnext;
        n->heap[0] = n->heap[--n->count];
        heap_down(n, 0);
        free(e);
    }
}

static bool nonces_grow(struct mcp__nonces *n)
{
    if (n->count == n->cap) {
        size_t cap = n->cap ? 2 * n->cap : 64;
        nonce_entry **h = realloc(n->heap, cap * sizeof *h);
        if (!h)
            return false;
        n->heap = h;
        n->cap = cap;
    }
    if (n->count >= n->nbuckets) { /* keep chains short: rehash into twice the buckets */
        size_t nb = n->nbuckets ? 2 * n->nbuckets : 64, i;
        nonce_entry **b = calloc(nb, sizeof *b);
        if (!b)
            return false;
        for (i = 0; i < n->nbuckets; i++) {
            nonce_entry *e = n->buckets[i], *next;
            for (; e; e = next) {
                next = e->hnext;
                e->hnext = b[nonce_hash(e->id) & (nb - 1)];
                b[nonce_hash(e->id) & (nb - 1)] = e;
            }
        }
        free(n->buckets);
        n->buckets = b;
        n->nbuckets = nb;
    }
    return true;
}

/* Record a nonce. MCP_OK, MCP_ELIMIT (the set is full) or MCP_ENOMEM. */
static int nonces_add(mcp_server_t *srv, const char *id, time_t expires, bool used)
{
    struct mcp__nonces *n = srv->nonces;
    nonce_entry *e;
    size_t i;
    if (n->count >= srv->max_request_states)
        return MCP_ELIMIT;
    if (!nonces_grow(n) || !(e = calloc(1, sizeof *e)))
        return MCP_ENOMEM;
    snprintf(e->id, sizeof e->id, "%s", id);
    e->expires = expires;
    e->used = used;
    e->hnext = *nonce_slot(n, id);
    *nonce_slot(n, id) = e;
    for (i = n->count++; i > 0 && n->heap[(i - 1) / 2]->expires > expires; i = (i - 1) / 2)
        n->heap[i] = n->heap[(i - 1) / 2];
    n->heap[i] = e;
    return MCP_OK;
}

/* The server's set with expired nonces forgotten, created on first use (NULL: out of memory). */
static struct mcp__nonces *nonces_of(mcp_server_t *srv)
{
    if (!srv->nonces && !(srv->nonces = calloc(1, sizeof *srv->nonces)))
        return NULL;
    nonces_prune(srv->nonces, time(NULL));
    return srv->nonces;
}

/* Use a nonce: MCP_OK the first time, MCP_EEXIST when it was used before, MCP_ELIMIT when it
 * cannot be remembered (a foreign state while the set is full), MCP_ENOMEM. */
static int nonce_use(mcp_server_t *srv, const char *id, time_t expires)
{
    struct mcp__nonces *n = nonces_of(srv);
    nonce_entry *e;
    if (!n)
        return MCP_ENOMEM;
    if (n->nbuckets && (e = *nonce_slot(n, id)) != NULL) {
        if (e->used)
            return MCP_EEXIST;
        e->used = true;
        return MCP_OK;
    }
    return nonces_add(srv, id, expires, true); /* issued elsewhere (or before a restart) */
}

void mcp__nonces_free(mcp_server_t *srv)
{
    struct mcp__nonces *n = srv->nonces;
    size_t i;
    if (!n)
        return;
    for (i = 0; i < n->count; i++)
        free(n->heap[i]);
    free(n->heap);
    free(n->buckets);
    free(n);
    srv->nonces = NULL;
}

int mcp_call_set_input_key(mcp_call_t *call, const char *key)
{
    struct mcp__mrtr *q;
    if (!call || !key || strlen(key) >= sizeof q->next_key)
        return MCP_EINVAL; /* "" clears a key set before */
    if (!call->ctx.stateless)
        return MCP_OK; /* keys name 2026 input requests only */
    if (!(q = state_of(call)))
        return MCP_ENOMEM;
    memcpy(q->next_key, key, strlen(key) + 1);
    return MCP_OK;
}

int mcp_server_set_state_key(mcp_server_t *srv, const void *key, size_t len)
{
    if (!srv || !key || len < 16)
        return MCP_EINVAL;
    if (mcp__hmac_sha256(key, len, "libmcp requestState", 19, srv->state_key) != MCP_OK)
        return MCP_EIO; /* libcrypto cannot be loaded (normalising the key needs HMAC) */
    srv->state_key_len = sizeof srv->state_key;
    return MCP_OK;
}

/* ---- encoding -------------------------------------------------------------------------- */

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Signing and checking a requestState needs libcrypto: without it the request fails, with the
 * reason, rather than using an unsigned or weaker state. */
static bool crypto_ok(mcp_call_t *call)
{
    char why[200];
    if (mcp__crypto_load(why, sizeof why) == MCP_OK)
        return true;
    mcp_server_log(call->srv, MCP_LOG_ERROR, "requestState: %s", why);
    mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL,
                        "Internal error: requestState needs libcrypto, which cannot be loaded");
    return false;
}

static void ensure_key(mcp_server_t *srv)
{
    if (srv->state_key_len == 0) {
        mcp__random_bytes(srv->state_key, sizeof srv->state_key);
        srv->state_key_len = sizeof srv->state_key;
    }
}

/* What the state is bound to: the method and the params other than the MRTR fields.
 * MCP_OK or MCP_EIO (no libcrypto). */
static int digest(const mcp_call_t *call, char out[65])
{
    json_t *p = json_deep_copy(call->params);
    unsigned char h[32];
    mcp__sha256 s;
    char *text;
    int rc;
    json_object_del(p, "_meta");
    json_object_del(p, "inputResponses");
    json_object_del(p, "requestState");
    text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    rc = mcp__sha256_init(&s);
    mcp__sha256_update(&s, call->method, strlen(call->method));
    mcp__sha256_update(&s, "\n", 1);
    if (text)
        mcp__sha256_update(&s, text, strlen(text));
    if (rc == MCP_OK)
        rc = mcp__sha256_final(&s, h);
    hex(h, 32, out);
    free(text);
    json_decref(p);
    return rc;
}

/* Who the state is for: a digest of the principal as mcp__principal_same() compares them ("sub"
 * and "iss" when "sub" is a string, else the whole value), or "" when unauthenticated. */
static int principal_digest(const mcp_call_t *call, char out[65])
{
    const json_t *p = call->sess->principal, *sub = json_object_get(p, "sub");
    json_t *id;
    char *text;
    unsigned char h[32];
    int rc;
    out[0] = '\0';
    if (!p)
        return MCP_OK;
    if (json_is_string(sub))
        id = json_pack("[s, O, O?]", "sub", sub, json_object_get(p, "iss"));
    else
        id = json_pack("[s, O]", "any", p);
    text = id ? json_dumps(id, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(id);
    if (!text)
        return MCP_ENOMEM;
    rc = mcp__sha256_once(text, strlen(text), h);
    hex(h, 32, out);
    free(text);
    return rc;
}

/* ---- the retry ------------------------------------------------------------------------- */

static int refuse(mcp_call_t *call, const char *why)
{
    mcp__call_set_error(call, MCP_JSONRPC_INVALID_PARAMS, NULL, "Invalid params: %s", why);
    return MCP_JSONRPC_INVALID_PARAMS;
}

int mcp__mrtr_begin(mcp_call_t *call)
{
    const json_t *state = json_object_get(call->params, "requestState");
    const json_t *answers = json_object_get(call->params, "inputResponses");
    mcp_server_t *srv = call->srv;
    const char *text, *dot, *p;
    unsigned char mac[32], *payload, *given;
    size_t plen, glen, i;
    json_t *st, *v;
    char d[65];
    int rc;
    struct mcp__mrtr *q;

    if (answers && !json_is_object(answers))
        return refuse(call, "\"inputResponses\" must be an object");
    if (!state)
        return 0; /* answers without the state that asked for them count for nothing: the
                     handler asks again and the client gets a fresh input_required */
    if (!json_is_string(state))
        return refuse(call, "\"requestState\" must be the string this server sent");
    text = json_string_value(state);
    dot = strchr(text, '.');
    if (!dot)
        return refuse(call, "malformed requestState");
    ensure_key(srv);
    if (!crypto_ok(call))
        return MCP_JSONRPC_INTERNAL_ERROR;
    mcp__hmac_sha256(srv->state_key, srv->state_key_len, text, (size_t)(dot - text), mac);
    given = mcp__base64_decode(dot + 1, strlen(dot + 1), true, &glen);
    if (!given || glen != 32 || !mcp__crypto_equal(mac, given, 32)) {
        free(given);
        return refuse(call, "requestState was not issued by this server or was altered");
    }
    free(given);
    payload = mcp__base64_decode(text, (size_t)(dot - text), true, &plen);
    st = payload ? json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(payload);
    if (digest(call, d) != MCP_OK)
        d[0] = '\0'; /* matches no state ("d" is never empty) */
    if (!json_is_object(st) || !json_is_string(json_object_get(st, "d")) ||
        strcmp(json_string_value(json_object_get(st, "d")), d) != 0) {
        json_decref(st);
        return refuse(call, "requestState belongs to a different request");
    }
    if (principal_digest(call, d) != MCP_OK) {
        json_decref(st);
        return refuse(call, "requestState could not be checked (out of memory)");
    }
    p = json_string_value(json_object_get(st, "p"));
    if (strcmp(p ? p : "", d) != 0) {
        json_decref(st);
        return refuse(call, "requestState was issued to another principal");
    }
    if (json_integer_value(json_object_get(st, "x")) < (json_int_t)time(NULL)) {
        json_decref(st);
        return refuse(call, "requestState has expired");
    }
    rc = json_is_string(json_object_get(st, "n"))
             ? nonce_use(srv, json_string_value(json_object_get(st, "n")),
                         (time_t)json_integer_value(json_object_get(st, "x")))
             : MCP_EEXIST;
    if (rc != MCP_OK) {
        json_decref(st);
        if (rc == MCP_EEXIST)
            return refuse(call, "requestState was already used");
        mcp__call_set_error(call, MCP__ERROR_SERVER, NULL,
                            "Server busy: too many requestStates outstanding; try again later");
        return MCP__ERROR_SERVER;
    }
    if (!(q = state_of(call))) {
        json_decref(st);
        return refuse(call, "out of memory");
    }
    q->responses = json_incref(json_object_get(st, "r"));
    if (!json_is_object(q->responses)) {
        json_decref(q->responses);
        q->responses = json_object();
    }
    /* only answers to what this state asked; a malformed answer counts as none (asked again) */
    json_array_foreach(json_object_get(st, "k"), i, v)
    {
        json_t *a = json_is_string(v) ? json_object_get(answers, json_string_value(v)) : NULL;
        if (json_is_object(a))
            json_object_set(q->responses, json_string_value(v), a);
    }
    json_decref(st);
    return 0;
}

/* The nonce and expiry of a requestState this server signed (a transport claims it in the shared
 * store before the request runs, so a state is single-use across replicas). */
int mcp__mrtr_state_nonce(mcp_server_t *srv, const char *text, char nonce[65], long long *expires)
{
    const char *dot = text ? strchr(text, '.') : NULL;
    unsigned char mac[32], *given, *payload;
    size_t glen, plen;
    json_t *st;
    const char *n;
    int rc = -1;
    if (!dot)
        return -1;
    ensure_key(srv);
    if (mcp__hmac_sha256(srv->state_key, srv->state_key_len, text, (size_t)(dot - text), mac) !=
        MCP_OK)
        return -1;
    given = mcp__base64_decode(dot + 1, strlen(dot + 1), true, &glen);
    if (!given || glen != 32 || !mcp__crypto_equal(mac, given, 32)) {
        free(given);
        return -1;
    }
    free(given);
    payload = mcp__base64_decode(text, (size_t)(dot - text), true, &plen);
    st = payload ? json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(payload);
    n = json_string_value(json_object_get(st, "n"));
    if (n && strlen(n) < 65 && json_is_integer(json_object_get(st, "x"))) {
        strcpy(nonce, n);
        *expires = (long long)json_integer_value(json_object_get(st, "x"));
        rc = 0;
    }
    json_decref(st);
    return rc;
}

/* ---- asking ---------------------------------------------------------------------------- */

int mcp__mrtr_ask(mcp_call_t *call, const char *method, json_t *params, mcp_client_reply_fn cb,
                  void *ud)
{
    char key[64];
    const json_t *answer;
    mcp__waiter *w;
    struct mcp__mrtr *q;

    if (strcmp(call->method, "tools/call") != 0 && strcmp(call->method, "prompts/get") != 0 &&
        strcmp(call->method, "resources/read") != 0) {
        json_decref(params);
        return MCP_ESTATE; /* input_required is only allowed on these three */
    }
    if (!(q = state_of(call))) {
        json_decref(params);
        return MCP_ENOMEM;
    }
    if (q->next_key[0])
        snprintf(key, sizeof key, "%s", q->next_key);
    else
        snprintf(key, sizeof key, "q%u", q->seq);
    q->seq++;
    q->next_key[0] = '\0';
    answer = json_object_get(q->responses, key);
    if (answer) {
        json_decref(params);
        cb(call, MCP_OK, answer, ud);
        return MCP_OK;
    }
    if (!q->requests && !(q->requests = json_object())) {
        json_decref(params);
        return MCP_ENOMEM;
    }
    w = malloc(sizeof *w);
    if (!w || json_object_set_new(q->requests, key,
                                  json_pack("{s:s, s:o}", "method", method, "params", params))) {
        free(w);
        return MCP_ENOMEM;
    }
    w->cb = cb;
    w->ud = ud;
    w->next = q->waiters;
    q->waiters = w;
    return MCP_OK;
}

static void mrtr_result(mcp_call_t *call)
{
    struct mcp__mrtr *q = call->qstate;
    mcp_server_t *srv = call->srv;
    unsigned char nonce[16], mac[32];
    char n[33], d[65], p[65], *payload_text, *p64, *m64, *state;
    json_t *payload, *keys;
    const char *k;
    json_t *v;
    size_t len;
    json_int_t ttl = srv->state_ttl_s ? srv->state_ttl_s : STATE_TTL_S;
    json_int_t expires = (json_int_t)time(NULL) + ttl;
    int rc;

    ensure_key(srv);
    if (!crypto_ok(call))
        return;
    mcp__random_bytes(nonce, sizeof nonce);
    hex(nonce, sizeof nonce, n);
    /* kept until it expires, so that its single use can be enforced; a full set issues none */
    rc = nonces_of(srv) ? nonces_add(srv, n, (time_t)expires, false) : MCP_ENOMEM;
    if (rc != MCP_OK) {
        if (rc == MCP_ELIMIT)
            mcp__call_set_error(call, MCP__ERROR_SERVER, NULL,
                                "Server busy: too many requestStates outstanding (at most %zu "
                                "within their lifetime); try again later",
                                srv->max_request_states);
        else
            mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL,
                                "Internal error: out of memory");
        return;
    }
    if (digest(call, d) != MCP_OK || principal_digest(call, p) != MCP_OK) {
        mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL,
                            "Internal error: cannot digest the requestState");
        return;
    }
    keys = json_array();
    json_object_foreach(q->requests, k, v) json_array_append_new(keys, json_string(k));
    payload = json_pack("{s:i, s:s, s:s, s:o, s:o, s:I, s:s}", "v", 1, "m", call->method, "d", d,
                        "r", q->responses ? json_incref(q->responses) : json_object(), "k", keys,
                        "x", expires, "n", n);
    if (payload && p[0])
        json_object_set_new(payload, "p", json_string(p));
    payload_text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    json_decref(payload);
    p64 = payload_text ? mcp__base64_encode(payload_text, strlen(payload_text), true) : NULL;
    free(payload_text);
    if (!p64) {
        mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL,
                            "Internal error: out of memory");
        return;
    }
    if (mcp__hmac_sha256(srv->state_key, srv->state_key_len, p64, strlen(p64), mac) != MCP_OK) {
        free(p64);
        mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL,
                            "Internal error: cannot sign the requestState");
        return;
    }
    m64 = mcp__base64_encode(mac, sizeof mac, true);
    len = strlen(p64) + 1 + (m64 ? strlen(m64) : 0) + 1;
    state = malloc(len);
    if (state && m64)
        snprintf(state, len, "%s.%s", p64, m64);
    json_decref(call->result);
    call->result = json_pack("{s:s, s:O, s:s}", "resultType", "input_required", "inputRequests",
                             q->requests, "requestState", state ? state : "");
    call->content = NULL;
    free(state);
    free(p64);
    free(m64);
}

static void mrtr_end(mcp_call_t *call)
{
    struct mcp__mrtr *q = call->qstate;
    while (q->waiters) {
        mcp__waiter *w = q->waiters;
        q->waiters = w->next;
        w->cb(call, MCP_ERETRY, NULL, w->ud);
        free(w);
    }
    json_decref(q->requests);
    json_decref(q->responses);
    free(q);
    call->qstate = NULL;
    call->questions = NULL;
}
