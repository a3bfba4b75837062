/*
 * What servers ask the client — sampling, elicitation (form and URL), roots — routed to the
 * application's handlers the same way in both eras:
 *   - 2025: a server->client request. The handler's answer becomes the response with the
 *     server's id; a method without a handler gets -32601; ping is answered here.
 *   - 2026: a result with resultType "input_required" and `inputRequests` {key: {method,
 *     params}}. Each question goes to its handler; when all are answered the client retries the
 *     original request (new id) with `inputResponses` {key: result} and the `requestState`
 *     echoed. At most MAX_ROUNDS rounds; a question with no handler, or a handler's refusal,
 *     fails the request with MCP_ECLIENT.
 * An ask stays valid until answered; answering one whose request is gone, or that the server
 * cancelled, is accepted and dropped.
 */
#include "client/client.h"

#define MAX_ROUNDS 16
#define MAX_OPEN   1024 /* 2025 questions waiting for the application at once */

int mcp_client_on_ask(mcp_client_t *c, mcp_client_ask_kind kind, mcp_client_ask_fn cb,
                      void *userdata)
{
    if (!c || (int)kind < 0 || kind > MCP_CLIENT_ASK_ROOTS)
        return MCP_EINVAL;
    c->handlers[kind].cb = cb;
    c->handlers[kind].ud = userdata;
    return MCP_OK;
}

int mcp_client_set_roots_new(mcp_client_t *c, json_t *roots)
{
    if (!c || !json_is_array(roots)) {
        json_decref(roots);
        return MCP_EINVAL;
    }
    json_decref(c->roots);
    c->roots = roots;
    if (c->initialized && c->era == MCP__CERA_2025)
        mcp__client_send_notification(c, "notifications/roots/list_changed", NULL);
    return MCP_OK;
}

/* Which handler a method goes to; -1 for none. */
static int kind_of(const char *method, const json_t *params)
{
    if (strcmp(method, "sampling/createMessage") == 0)
        return MCP_CLIENT_ASK_SAMPLING;
    if (strcmp(method, "roots/list") == 0)
        return MCP_CLIENT_ASK_ROOTS;
    if (strcmp(method, "elicitation/create") == 0) {
        const json_t *mode = json_object_get(params, "mode");
        return json_is_string(mode) && strcmp(json_string_value(mode), "url") == 0
                   ? MCP_CLIENT_ASK_ELICIT_URL
                   : MCP_CLIENT_ASK_ELICITATION;
    }
    return -1;
}

void mcp__client_ask_cancelled(mcp_client_t *c, const json_t *id)
{
    mcp_client_ask_t *a;
    for (a = c->asks; a && id; a = a->next)
        if (a->id && json_equal(a->id, (json_t *)id))
            a->cancelled = true;
}

/* 2025: send the response to the server's request. */
static void respond(mcp_client_t *c, const json_t *id, json_t *result, int code, const char *msg)
{
    json_t *m = result ? mcp__jsonrpc_result(id, result) : mcp__jsonrpc_error(id, code, msg, NULL);
    mcp__csend info;
    if (!m || !c->transport || c->closed) {
        json_decref(m);
        return;
    }
    memset(&info, 0, sizeof info);
    info.protocol = c->protocol;
    info.era = c->era;
    c->transport->ops->send(c->transport, m, &info);
    json_decref(m);
}

void mcp__client_ask_request(mcp_client_t *c, const mcp__msg *m, json_int_t related)
{
    int kind = kind_of(m->method, m->params);
    mcp_client_ask_t *a;
    if (strcmp(m->method, "ping") == 0) {
        respond(c, m->id, json_object(), 0, NULL);
        return;
    }
    if (kind == MCP_CLIENT_ASK_ROOTS && !c->handlers[kind].cb && c->roots) {
        respond(c, m->id, json_pack("{sO}", "roots", c->roots), 0, NULL);
        return;
    }
    if (kind < 0 || !c->handlers[kind].cb) {
        respond(c, m->id, NULL, MCP_JSONRPC_METHOD_NOT_FOUND, "Method not found");
        return;
    }
    if (c->nasks >= MAX_OPEN) { /* a server asking faster than anyone answers: bounded */
        respond(c, m->id, NULL, MCP_JSONRPC_INTERNAL_ERROR, "too many questions open");
        return;
    }
    a = mcp__client_ask_new(c, kind);
    if (!a) {
        respond(c, m->id, NULL, MCP_JSONRPC_INTERNAL_ERROR, "out of memory");
        return;
    }
    a->id = json_incref(m->id);
    a->related = related > 0 ? mcp__client_find(c, related) : NULL;
    c->handlers[kind].cb(c, a, m->method, m->params, c->handlers[kind].ud);
}

/* 2026: a question of `r` was answered (result stolen) or refused (result NULL). */
static void round_answer(mcp_client_t *c, mcp_client_request_t *r, const char *key, json_t *result,
                         const char *refusal)
{
    char text[300];
    if (!result) {
        snprintf(text, sizeof text, "the client did not answer the server's question: %s",
                 refusal ? refusal : "refused");
        mcp__client_complete(c, r, MCP_ECLIENT, NULL, NULL, text);
        return;
    }
    json_object_set_new(r->answers, key, result);
    if (--r->asks_open > 0)
        return;
    if (mcp__client_send_request(c, r) != MCP_OK)
        mcp__client_complete(c, r, MCP_EIO, NULL, NULL, "could not retry the request");
}

mcp_client_request_t *mcp_client_ask_request(const mcp_client_ask_t *ask)
{
    if (!ask)
        return NULL;
    return ask->req ? ask->req : ask->related;
}

int mcp_client_ask_reply_new(mcp_client_ask_t *ask, json_t *result)
{
    mcp_client_t *c;
    if (!ask || !json_is_object(result)) {
        json_decref(result);
        return MCP_EINVAL;
    }
    c = ask->client;
    if (ask->id) {
        if (!ask->cancelled)
            respond(c, ask->id, result, 0, NULL);
        else
            json_decref(result);
    } else if (ask->req) {
        round_answer(c, ask->req, ask->key, result, NULL);
    } else {
        json_decref(result);
    }
    mcp__client_ask_free(ask);
    return MCP_OK;
}

int mcp_client_ask_fail(mcp_client_ask_t *ask, int code, const char *message)
{
    mcp_client_t *c;
    if (!ask)
        return MCP_EINVAL;
    c = ask->client;
    if (!message)
        message = "refused";
    if (ask->id) {
        if (!ask->cancelled)
            respond(c, ask->id, NULL, code, message);
    } else if (ask->req) {
        round_answer(c, ask->req, ask->key, NULL, message);
    }
    mcp__client_ask_free(ask);
    return MCP_OK;
}

bool mcp__client_input_required(mcp_client_t *c, mcp_client_request_t *r, const json_t *result)
{
    const json_t *type = json_object_get(result, "resultType");
    const json_t *reqs = json_object_get(result, "inputRequests");
    const json_t *state = json_object_get(result, "requestState");
    const char *key;
    json_t *q;
    size_t n = 0;

    if (!json_is_string(type) || strcmp(json_string_value(type), "input_required") != 0)
        return false;
    /* a tasks/get answer in input_required is the application's to handle (task_update) */
    if (strcmp(r->method, "tasks/get") == 0)
        return false;
    if (!json_is_object(reqs) || json_object_size(reqs) == 0 || (state && !json_is_string(state))) {
        mcp__client_complete(c, r, MCP_EPARSE, NULL, NULL,
                             "input_required without a valid inputRequests object");
        return true;
    }
    if (++r->rounds > MAX_ROUNDS) {
        mcp__client_complete(c, r, MCP_ELIMIT, NULL, NULL,
                             "the server asked for input too many times");
        return true;
    }
    json_object_foreach((json_t *)reqs, key, q)
    {
        const json_t *method = json_object_get(q, "method");
        int kind = json_is_string(method)
                       ? kind_of(json_string_value(method), json_object_get(q, "params"))
                       : -1;
        bool roots_static = kind == MCP_CLIENT_ASK_ROOTS && c->roots;
        if (kind < 0 || (!c->handlers[kind].cb && !roots_static)) {
            char text[200];
            snprintf(text, sizeof text, "the server asked %.80s, which this client cannot answer",
                     json_is_string(method) ? json_string_value(method) : "(no method)");
            mcp__client_complete(c, r, MCP_ECLIENT, NULL, NULL, text);
            return true;
        }
        n++;
    }
    json_decref(r->answers);
    r->answers = json_object();
    free(r->state);
    r->state = state ? strdup(json_string_value(state)) : NULL;
    r->asks_open = (unsigned)n;
    if (!r->answers || (state && !r->state)) {
        mcp__client_complete(c, r, MCP_ENOMEM, NULL, NULL, NULL);
        return true;
    }
    r->holds++; /* a handler answering at once may complete r: keep it readable here */
    json_incref((json_t *)reqs); /* the result may go away while handlers run */
    json_object_foreach((json_t *)reqs, key, q)
    {
        const char *method = json_string_value(json_object_get(q, "method"));
        const json_t *params = json_object_get(q, "params");
        int kind = kind_of(method, params);
        mcp_client_ask_t *a;
        if (r->done)
            break;
        if (kind == MCP_CLIENT_ASK_ROOTS && !c->handlers[kind].cb) {
            round_answer(c, r, key, json_pack("{sO}", "roots", c->roots), NULL);
            continue;
        }
        a = mcp__client_ask_new(c, kind);
        if (!a || !(a->key = strdup(key))) {
            if (a)
                mcp__client_ask_free(a);
            mcp__client_complete(c, r, MCP_ENOMEM, NULL, NULL, NULL);
            break;
        }
        a->req = r;
        c->handlers[kind].cb(c, a, method, params, c->handlers[kind].ud);
    }
    json_decref((json_t *)reqs);
    mcp__client_req_unhold(r);
    return true;
}
