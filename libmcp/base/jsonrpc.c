/*
 * JSON-RPC 2.0 envelopes: parse bytes, classify a message, build results, errors and
 * notifications. Pure functions: no I/O, no server state.
 *
 * MCP narrows JSON-RPC: ids are strings or integers (never null, never fractional), a
 * notification is never answered, and an error for a message whose id cannot be read carries
 * `"id": null`. Every inbound message is parsed with JSON_REJECT_DUPLICATES so that one message
 * can never mean two things ({"a":1,"a":2} is a parse error); the reader (json_read.c, which
 * accepts and refuses exactly what jansson's json_loadb does) refuses invalid UTF-8, NUL in keys,
 * integers beyond 64 bits and nesting beyond 2048 levels.
 */
#include "base/base.h"

/* mcp__jsonrpc_parse() that also says how deep the message nests (mcp__json_parse_depth). */
static json_t *parse_depth(const char *buf, size_t len, json_t **error_out, size_t *deepest)
{
    json_error_t jerr;
    json_t *msg = mcp__json_parse_depth(buf, len, &jerr, deepest);
    if (msg)
        return msg;
    if (error_out) {
        char text[300];
        snprintf(text, sizeof text, "Parse error: %s (at byte %d)", jerr.text, jerr.position);
        *error_out = mcp__jsonrpc_error(NULL, MCP_JSONRPC_PARSE_ERROR, text, NULL);
    }
    return NULL;
}

json_t *mcp__jsonrpc_parse(const char *buf, size_t len, json_t **error_out)
{
    size_t deepest;
    return parse_depth(buf, len, error_out, &deepest);
}

int mcp__inbound_read(mcp__inbound *in, const char *buf, size_t len)
{
    const json_t *meta;
    const char *method;
    size_t deepest;
    bool id;
    memset(in, 0, sizeof *in);
    if (!(in->json = parse_depth(buf, len, &in->error, &deepest)))
        return MCP_EINVAL;
    if (json_is_array(in->json)) {
        in->batch = true;
        return MCP_OK;
    }
    mcp__jsonrpc_classify(in->json, &in->msg);
    in->msg.depth = deepest;
    /* read from the message as sent, valid or not: the transport decides before the core
     * answers an invalid one (a valid request or notification was read by classify already) */
    if (in->msg.kind == MCP__MSG_REQUEST || in->msg.kind == MCP__MSG_NOTIFICATION) {
        meta = in->msg.meta;
        method = in->msg.method;
        id = in->msg.id != NULL;
    } else {
        meta = json_object_get(json_object_get(in->json, "params"), "_meta");
        method = json_string_value(json_object_get(in->json, "method"));
        id = json_object_get(in->json, "id") != NULL;
    }
    in->era2026 = json_is_object(meta) &&
                  json_object_get(meta, "io.modelcontextprotocol/protocolVersion") != NULL;
    in->initialize = method && strcmp(method, "initialize") == 0 && id;
    return MCP_OK;
}

void mcp__inbound_clear(mcp__inbound *in)
{
    json_decref(in->json);
    json_decref(in->error);
    in->json = in->error = NULL;
}

/* Depth of a JSON value, counting containers; stops counting past `limit`. */
static size_t depth_of(const json_t *v, size_t limit)
{
    size_t deepest = 0, d;
    if (limit == 0)
        return 1;
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        json_object_foreach((json_t *)v, key, child)
        {
            d = depth_of(child, limit - 1);
            if (d > deepest)
                deepest = d;
            if (deepest >= limit)
                break;
        }
        return deepest + 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *child;
        json_array_foreach(v, i, child)
        {
            d = depth_of(child, limit - 1);
            if (d > deepest)
                deepest = d;
            if (deepest >= limit)
                break;
        }
        return deepest + 1;
    }
    return 0;
}

bool mcp__jsonrpc_too_deep(const json_t *v, size_t limit)
{
    return depth_of(v, limit + 1) > limit;
}

bool mcp__jsonrpc_valid_id(const json_t *id)
{
    return id && (json_is_string(id) || json_is_integer(id));
}

static void invalid(mcp__msg *out, const json_t *id, const char *why)
{
    out->kind = MCP__MSG_INVALID;
    out->id = mcp__jsonrpc_valid_id(id) ? (json_t *)id : NULL;
    out->error_code = MCP_JSONRPC_INVALID_REQUEST;
    out->error_text = why;
}

void mcp__jsonrpc_classify(const json_t *msg, mcp__msg *out)
{
    json_t *version = NULL, *id = NULL, *method = NULL, *params = NULL, *result = NULL,
           *error = NULL;
    void *it;

    memset(out, 0, sizeof *out);
    out->msg = (json_t *)msg;
    if (!json_is_object(msg)) {
        invalid(out, NULL, "Invalid Request: a message must be a JSON object");
        return;
    }
    /* One walk over the members instead of six hash lookups (keys are unique, and compared
     * with their lengths as json_object_get() does). */
    for (it = json_object_iter((json_t *)msg); it; it = json_object_iter_next((json_t *)msg, it)) {
        const char *k = json_object_iter_key(it);
        json_t *v = json_object_iter_value(it);
        switch (json_object_iter_key_len(it)) {
        case 2:
            if (memcmp(k, "id", 2) == 0)
                id = v;
            break;
        case 5:
            if (memcmp(k, "error", 5) == 0)
                error = v;
            break;
        case 6:
            if (memcmp(k, "method", 6) == 0)
                method = v;
            else if (memcmp(k, "params", 6) == 0)
                params = v;
            else if (memcmp(k, "result", 6) == 0)
                result = v;
            break;
        case 7:
            if (memcmp(k, "jsonrpc", 7) == 0)
                version = v;
            break;
        default:
            break;
        }
    }

    if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") != 0) {
        invalid(out, id, "Invalid Request: \"jsonrpc\" must be \"2.0\"");
        return;
    }
    if (id && !mcp__jsonrpc_valid_id(id)) {
        invalid(out, NULL, "Invalid Request: \"id\" must be a string or an integer");
        return;
    }
    if (method) {
        if (!json_is_string(method) || json_string_length(method) == 0) {
            invalid(out, id, "Invalid Request: \"method\" must be a non-empty string");
            return;
        }
        if (params && !json_is_object(params) && !json_is_array(params)) {
            invalid(out, id, "Invalid Request: \"params\" must be an object");
            return;
        }
        if (result || error) {
            invalid(out, id, "Invalid Request: a request cannot carry \"result\" or \"error\"");
            return;
        }
        out->kind = id ? MCP__MSG_REQUEST : MCP__MSG_NOTIFICATION;
        out->id = id;
        out->method = json_string_value(method);
        out->params = params;
        out->meta = json_object_get(params, "_meta"); /* NULL for an array */
        return;
    }
    if (id && (result != NULL) != (error != NULL)) {
        if (error && (!json_is_object(error) || !json_is_integer(json_object_get(error, "code")))) {
            invalid(out, id, "Invalid Request: \"error\" must be an object with an integer code");
            return;
        }
        out->kind = MCP__MSG_RESPONSE;
        out->id = id;
        out->result = result;
        out->error = error;
        return;
    }
    invalid(out, id, "Invalid Request: not a request, notification or response");
}

json_t *mcp__jsonrpc_result(const json_t *id, json_t *result)
{
    json_t *msg = json_object();
    if (!msg) {
        json_decref(result);
        return NULL;
    }
    json_object_set_new_nocheck(msg, "jsonrpc", json_string_nocheck("2.0"));
    json_object_set_nocheck(msg, "id", (json_t *)id);
    json_object_set_new_nocheck(msg, "result", result ? result : json_object());
    return msg;
}

json_t *mcp__jsonrpc_error(const json_t *id, int code, const char *message, json_t *data)
{
    json_t *msg = json_object(), *err = json_object();
    if (!msg || !err) {
        json_decref(msg);
        json_decref(err);
        json_decref(data);
        return NULL;
    }
    json_object_set_new(err, "code", json_integer(code));
    json_object_set_new(err, "message", json_string(message ? message : "error"));
    if (data)
        json_object_set_new(err, "data", data);
    json_object_set_new(msg, "jsonrpc", json_string("2.0"));
    json_object_set_new(msg, "id", id ? json_incref((json_t *)id) : json_null());
    json_object_set_new(msg, "error", err);
    return msg;
}

json_t *mcp__jsonrpc_notification(const char *method, json_t *params)
{
    json_t *msg = json_object();
    if (!msg) {
        json_decref(params);
        return NULL;
    }
    json_object_set_new(msg, "jsonrpc", json_string("2.0"));
    json_object_set_new(msg, "method", json_string(method));
    if (params)
        json_object_set_new(msg, "params", params);
    return msg;
}

json_t *mcp__jsonrpc_request(const json_t *id, const char *method, json_t *params)
{
    json_t *msg = mcp__jsonrpc_notification(method, params);
    if (msg)
        json_object_set(msg, "id", (json_t *)id);
    return msg;
}

char *mcp__jsonrpc_dump(const json_t *msg, size_t *len)
{
    /* Compact, no embedded newlines (STDIO framing), keys in insertion order. */
    mcp__buf b = {0};
    if (mcp__json_write(&b, msg) != MCP_OK || mcp__buf_add(&b, "", 1) != MCP_OK) {
        mcp__buf_free(&b);
        return NULL;
    }
    if (len)
        *len = b.len - 1;
    return b.data;
}

mcp__reply_class mcp__reply_class_of(int code)
{
    switch (code) {
    case MCP_JSONRPC_PARSE_ERROR:
    case MCP_JSONRPC_INVALID_REQUEST:
    case MCP_ERROR_HEADER_MISMATCH:
    case MCP_ERROR_MISSING_CAPABILITY:
    case MCP_ERROR_UNSUPPORTED_VERSION:
        return MCP__REPLY_MALFORMED;
    case MCP_JSONRPC_METHOD_NOT_FOUND:
        return MCP__REPLY_NO_METHOD;
    default:
        return MCP__REPLY_OK;
    }
}
