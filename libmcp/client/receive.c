/*
 * Everything the server sends, routed: responses to their requests (an unknown id is dropped and
 * reported), progress to its request's callback, log messages and other notifications to the
 * application's handlers, server->client requests to ask.c. Nothing from the server is trusted:
 * malformed JSON and invalid messages are reported (mcp_client_last_error()) and dropped.
 */
#include "client/client.h"

#include <math.h>

/* ---- what arrives ---------------------------------------------------------------------------- */

static void handle_response(mcp_client_t *c, const mcp__msg *m)
{
    mcp_client_request_t *r;
    if (!json_is_integer(m->id) || !(r = mcp__client_find(c, json_integer_value(m->id)))) {
        char *id = json_dumps(m->id, JSON_ENCODE_ANY);
        mcp__client_set_error(c, "dropped a response to an unknown request id %s", id ? id : "?");
        free(id);
        return;
    }
    if (m->error) {
        mcp__client_complete(c, r, MCP_EREMOTE, NULL, m->error, NULL);
        return;
    }
    if (!json_is_object(m->result)) {
        mcp__client_complete(c, r, MCP_EPARSE, NULL, NULL,
                             "the server's result is not a JSON object");
        return;
    }
    if (mcp__client_input_required(c, r, m->result))
        return; /* 2026: the questions are being answered; the request will be retried */
    mcp__client_complete(c, r, MCP_OK, m->result, NULL, NULL);
}

static double num_or_nan(const json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* `related`: the id of the request the transport says the notification belongs to, or 0
 * (mcp_client_notification_request() during its handlers). */
static void handle_notification(mcp_client_t *c, const mcp__msg *m, json_int_t related)
{
    const json_t *p = m->params;
    c->notif_req = related > 0 ? mcp__client_find(c, related) : NULL;
    if (strcmp(m->method, "notifications/progress") == 0) {
        const json_t *tok = json_object_get(p, "progressToken");
        mcp_client_request_t *r;
        for (r = c->reqs; r && json_is_integer(tok); r = r->next)
            if (r->progress && r->token == json_integer_value(tok)) {
                const json_t *msg = json_object_get(p, "message");
                r->progress(c, num_or_nan(json_object_get(p, "progress")),
                            num_or_nan(json_object_get(p, "total")),
                            json_is_string(msg) ? json_string_value(msg) : NULL, r->progress_ud);
                break;
            }
    } else if (strcmp(m->method, "notifications/message") == 0 && c->on_log) {
        const json_t *lv = json_object_get(p, "level"), *lg = json_object_get(p, "logger");
        int level = json_is_string(lv) ? mcp_log_level_parse(json_string_value(lv)) : -1;
        c->on_log(c, level < 0 ? MCP_LOG_INFO : (mcp_log_level)level,
                  json_is_string(lg) ? json_string_value(lg) : NULL, json_object_get(p, "data"),
                  c->on_log_ud);
    } else if (strcmp(m->method, "notifications/cancelled") == 0) {
        mcp__client_ask_cancelled(c, json_object_get(p, "requestId"));
    }
    if (c->on_notification)
        c->on_notification(c, m->method, p, c->on_notification_ud);
    c->notif_req = NULL;
}

mcp_client_request_t *mcp_client_notification_request(const mcp_client_t *c)
{
    return c ? c->notif_req : NULL;
}

static void handle_one(mcp_client_t *c, json_t *msg, json_int_t related)
{
    mcp__msg m;
    mcp__jsonrpc_classify(msg, &m);
    switch (m.kind) {
    case MCP__MSG_RESPONSE:
        handle_response(c, &m);
        break;
    case MCP__MSG_NOTIFICATION:
        handle_notification(c, &m, related);
        break;
    case MCP__MSG_REQUEST:
        mcp__client_ask_request(c, &m, related);
        break;
    default:
        if (m.error && !m.id) /* an error about something we sent, with id null */
            mcp__client_set_error(c, "the server reported an error with no id: %s",
                                  json_string_value(json_object_get(m.error, "message")));
        else
            mcp__client_set_error(c, "dropped an invalid message from the server (%s)",
                                  m.error_text ? m.error_text : "invalid");
        break;
    }
}

void mcp__client_receive_msg(mcp_client_t *c, json_t *msg)
{
    mcp__client_receive_msg_related(c, msg, 0);
}

void mcp__client_receive_msg_related(mcp_client_t *c, json_t *msg, json_int_t related)
{
    if (c->freeing || c->closed)
        return;
    if (json_is_array(msg)) { /* a 2025-03-26 batch of responses or requests */
        size_t i;
        json_incref(msg); /* a callback may free the client's references meanwhile */
        for (i = 0; i < json_array_size(msg) && !c->closed && !c->freeing; i++)
            handle_one(c, json_array_get(msg, i), related);
        json_decref(msg);
        return;
    }
    handle_one(c, msg, related);
}

void mcp__client_receive(mcp_client_t *c, const char *buf, size_t len)
{
    mcp__client_receive_related(c, buf, len, 0);
}

void mcp__client_receive_related(mcp_client_t *c, const char *buf, size_t len, json_int_t related)
{
    json_error_t jerr;
    json_t *msg;
    if (c->freeing || c->closed)
        return;
    msg = mcp__json_parse(buf, len, &jerr);
    if (!msg) {
        mcp__client_set_error(c, "dropped malformed JSON from the server (%zu bytes): %s", len,
                              jerr.text);
        c->malformed++;
        return;
    }
    if (mcp__jsonrpc_too_deep(msg, 128)) {
        mcp__client_set_error(c, "dropped a message nested over 128 levels");
        json_decref(msg);
        return;
    }
    mcp__client_receive_msg_related(c, msg, related);
    json_decref(msg);
}
