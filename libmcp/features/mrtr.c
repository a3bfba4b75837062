/*
 * 2026-07-28 multi round-trip requests (MRTR): how a stateless server asks the client.
 *
 * A handler that asks (mcp_call_elicit_new & co.) on a 2026 request gets its question recorded
 * under a key ("q0", "q1", ... in asking order); the call then ends with
 *     {"resultType":"input_required","inputRequests":{"q0":{"method":..,"params":..}},
 *      "requestState":"<payload>.<mac>"}
 * The client answers by retrying the same request with `inputResponses` (same keys) and the
 * requestState echoed. The server keeps nothing in between: requestState carries the answers
 * gathered so far, the method, a digest of the request's params, an expiry and a nonce, all
 * HMAC-SHA256-signed with the server's key. On the retry the handler runs again from the start;
 * each ask now finds its answer and runs the callback at once. A state whose MAC, digest or
 * expiry does not check out, or whose nonce was already used, is refused with -32602.
 */
#include "features/features.h"

#include <time.h>

#define STATE_TTL_S 600 /* unless srv->state_ttl_s says otherwise (tests) */
#define NONCE_SLOTS 4096

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

/* ---- nonces already used --------------------------------------------------------------- */

struct mcp__nonces {
    char nonce[NONCE_SLOTS][33];
    time_t expires[NONCE_SLOTS];
    size_t next;
};

/* True (and remembered) if `nonce` was not used before. */
static bool nonce_fresh(mcp_server_t *srv, const char *nonce, time_t expires)
{
    struct mcp__nonces *n = srv->nonces;
    time_t now = time(NULL);
    size_t i;
    if (!n && !(n = srv->nonces = calloc(1, sizeof *n)))
        return false;
    for (i = 0; i < NONCE_SLOTS; i++)
        if (n->expires[i] > now && strcmp(n->nonce[i], nonce) == 0)
            return false;
    /* the oldest slot goes; states expire long before 4096 newer ones push them out in
     * practice, and an expired state is refused anyway */
    snprintf(n->nonce[n->next], sizeof n->nonce[0], "%s", nonce);
    n->expires[n->next] = expires;
    n->next = (n->next + 1) % NONCE_SLOTS;
    return true;
}

void mcp__nonces_free(mcp_server_t *srv)
{
    free(srv->nonces);
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
    mcp__hmac_sha256(key, len, "libmcp requestState", 19, srv->state_key); /* normalise */
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

static void ensure_key(mcp_server_t *srv)
{
    if (srv->state_key_len == 0) {
        mcp__random_bytes(srv->state_key, sizeof srv->state_key);
        srv->state_key_len = sizeof srv->state_key;
    }
}

/* What the state is bound to: the method and the params other than the MRTR fields. */
static void digest(const mcp_call_t *call, char out[65])
{
    json_t *p = json_deep_copy(call->params);
    unsigned char h[32];
    mcp__sha256 s;
    char *text;
    json_object_del(p, "_meta");
    json_object_del(p, "inputResponses");
    json_object_del(p, "requestState");
    text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    mcp__sha256_init(&s);
    mcp__sha256_update(&s, call->method, strlen(call->method));
    mcp__sha256_update(&s, "\n", 1);
    if (text)
        mcp__sha256_update(&s, text, strlen(text));
    mcp__sha256_final(&s, h);
    hex(h, 32, out);
    free(text);
    json_decref(p);
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
    const char *text, *dot;
    unsigned char mac[32], *payload, *given;
    size_t plen, glen;
    json_t *st;
    char d[65];
    const char *key;
    json_t *v;
    struct mcp__mrtr *q;

    if (!state && !answers)
        return 0;
    if (answers && !json_is_object(answers))
        return refuse(call, "\"inputResponses\" must be an object");
    if (!state) {
        /* Answers without a state: nothing of ours to verify (the answers are the client's
         * word either way); the handler finds them by key. */
        if (!(q = state_of(call)) || !(q->responses = json_object()))
            return refuse(call, "out of memory");
        json_object_foreach((json_t *)answers, key, v) if (json_is_object(v))
            json_object_set(q->responses, key, v);
        return 0;
    }
    if (!json_is_string(state))
        return refuse(call, "\"requestState\" must be the string this server sent");
    text = json_string_value(state);
    dot = strchr(text, '.');
    if (!dot)
        return refuse(call, "malformed requestState");
    ensure_key(srv);
    mcp__hmac_sha256(srv->state_key, srv->state_key_len, text, (size_t)(dot - text), mac);
    given = mcp__base64_decode(dot + 1, strlen(dot + 1), true, &glen);
    if (!given || glen != 32 || !mcp__hmac_equal(mac, given, 32)) {
        free(given);
        return refuse(call, "requestState was not issued by this server or was altered");
    }
    free(given);
    payload = mcp__base64_decode(text, (size_t)(dot - text), true, &plen);
    st = payload ? json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(payload);
    digest(call, d);
    if (!json_is_object(st) || !json_is_string(json_object_get(st, "d")) ||
        strcmp(json_string_value(json_object_get(st, "d")), d) != 0) {
        json_decref(st);
        return refuse(call, "requestState belongs to a different request");
    }
    if (json_integer_value(json_object_get(st, "x")) < (json_int_t)time(NULL)) {
        json_decref(st);
        return refuse(call, "requestState has expired");
    }
    if (!json_is_string(json_object_get(st, "n")) ||
        !nonce_fresh(srv, json_string_value(json_object_get(st, "n")),
                     (time_t)json_integer_value(json_object_get(st, "x")))) {
        json_decref(st);
        return refuse(call, "requestState was already used");
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
    json_object_foreach((json_t *)answers, key,
                        v) if (json_is_object(v)) /* a malformed answer counts as none: the question
                                                     is asked again */
        json_object_set(q->responses, key, v);
    json_decref(st);
    return 0;
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
    char n[33], d[65], *payload_text, *p64, *m64, *state;
    json_t *payload;
    size_t len;
    json_int_t ttl = srv->state_ttl_s ? srv->state_ttl_s : STATE_TTL_S;

    ensure_key(srv);
    mcp__random_bytes(nonce, sizeof nonce);
    hex(nonce, sizeof nonce, n);
    digest(call, d);
    payload = json_pack("{s:i, s:s, s:s, s:o, s:I, s:s}", "v", 1, "m", call->method, "d", d, "r",
                        q->responses ? json_incref(q->responses) : json_object(), "x",
                        (json_int_t)time(NULL) + ttl, "n", n);
    payload_text = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
    json_decref(payload);
    p64 = payload_text ? mcp__base64_encode(payload_text, strlen(payload_text), true) : NULL;
    free(payload_text);
    if (!p64) {
        mcp__call_set_error(call, MCP_JSONRPC_INTERNAL_ERROR, NULL,
                            "Internal error: out of memory");
        return;
    }
    mcp__hmac_sha256(srv->state_key, srv->state_key_len, p64, strlen(p64), mac);
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
