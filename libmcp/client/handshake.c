/*
 * Negotiation across both eras.
 *
 * Unless a revision is pinned, the client first sends `server/discover` with the 2026-07-28
 * `_meta` envelope. A server that answers with a supportedVersions list containing 2026-07-28 is
 * used statelessly from then on: every request carries the envelope. Any other answer (an error
 * such as -32601 from a 2025-era server, or a list without a 2026 revision) leads to `initialize`
 * with the newest 2025 revision, whose answer fixes the session's revision; then
 * `notifications/initialized` is sent. A revision the client does not know ends the handshake
 * with MCP_EPARSE.
 */
#include "client/client.h"

typedef struct init_state {
    mcp_client_result_fn cb;
    void *ud;
} init_state;

int mcp_client_set_protocol(mcp_client_t *c, const char *version)
{
    const char *known;
    char *copy = NULL;
    if (!c)
        return MCP_EINVAL;
    if (c->initialized || c->initializing)
        return MCP_ESTATE;
    if (version) {
        known = mcp__version_find(version);
        if (!known)
            return MCP_EINVAL;
        if (!(copy = strdup(known)))
            return MCP_ENOMEM;
    }
    free(c->pinned);
    c->pinned = copy;
    return MCP_OK;
}

const char *mcp_client_protocol(const mcp_client_t *c)
{
    return c && c->initialized ? c->protocol : NULL;
}

int mcp_client_is_stateless(const mcp_client_t *c)
{
    return c && c->initialized && c->era == MCP__CERA_2026;
}

const json_t *mcp_client_server_capabilities(const mcp_client_t *c)
{
    return c && c->initialized ? c->server_caps : NULL;
}

const json_t *mcp_client_server_info(const mcp_client_t *c)
{
    return c && c->initialized ? c->server_info : NULL;
}

const char *mcp_client_server_instructions(const mcp_client_t *c)
{
    return c && c->initialized ? c->instructions : NULL;
}

/* Keep what the server said about itself. */
static void keep_server(mcp_client_t *c, const json_t *result, const json_t *info)
{
    const json_t *caps = json_object_get(result, "capabilities");
    const json_t *instr = json_object_get(result, "instructions");
    json_decref(c->server_caps);
    json_decref(c->server_info);
    json_decref(c->init_result);
    free(c->instructions);
    c->server_caps = json_is_object(caps) ? json_deep_copy(caps) : json_object();
    c->server_info = json_is_object(info) ? json_deep_copy(info) : json_object();
    c->init_result = json_deep_copy(result);
    c->instructions = json_is_string(instr) ? strdup(json_string_value(instr)) : NULL;
}

static void finish(mcp_client_t *c, init_state *st, const mcp_client_outcome_t *o)
{
    c->initializing = false;
    if (o->status == MCP_OK)
        c->initialized = true;
    if (st->cb)
        st->cb(c, o, st->ud);
    free(st);
}

static void fail(mcp_client_t *c, init_state *st, int status, const char *text)
{
    mcp_client_outcome_t o;
    memset(&o, 0, sizeof o);
    o.status = status;
    o.message = text;
    mcp__client_set_error(c, "%s", text);
    finish(c, st, &o);
}

static void on_initialize(mcp_client_t *c, mcp_client_request_t *r, const mcp_client_outcome_t *o)
{
    init_state *st = r->aux;
    const json_t *v;
    const char *known;
    char text[200];
    if (o->status != MCP_OK) {
        finish(c, st, o);
        return;
    }
    v = json_object_get(o->result, "protocolVersion");
    known = json_is_string(v) ? mcp__version_find(json_string_value(v)) : NULL;
    if (!known || mcp__version_stateless(known)) {
        snprintf(text, sizeof text,
                 "the server chose protocol revision %s, which this client "
                 "does not speak over initialize",
                 json_is_string(v) ? json_string_value(v) : "?");
        fail(c, st, MCP_EPARSE, text);
        return;
    }
    c->protocol = known;
    c->era = MCP__CERA_2025;
    keep_server(c, o->result, json_object_get(o->result, "serverInfo"));
    mcp__client_send_notification(c, "notifications/initialized", NULL);
    finish(c, st, o);
}

static int send_initialize(mcp_client_t *c, init_state *st, const char *version)
{
    json_t *p = json_object();
    if (!p)
        return MCP_ENOMEM;
    json_object_set_new(p, "protocolVersion", json_string(version));
    json_object_set_new(p, "capabilities", mcp__client_capabilities(c));
    json_object_set_new(p, "clientInfo", mcp__client_info(c));
    {
        mcp_client_request_t *r;
        int rc = mcp__client_start(c, "initialize", p, NULL, NULL, MCP__CERA_UNKNOWN, on_initialize,
                                   NULL, NULL, &r);
        if (rc == MCP_OK)
            r->aux = st;
        return rc;
    }
}

/* The newest 2025-era revision in a supportedVersions list that we know; NULL if none. */
static const char *newest_session_version(const json_t *list)
{
    const char *best = NULL;
    size_t i;
    for (i = 0; i < json_array_size(list); i++) {
        const json_t *v = json_array_get(list, i);
        const char *k = json_is_string(v) ? mcp__version_find(json_string_value(v)) : NULL;
        if (k && !mcp__version_stateless(k) && (!best || mcp__version_ge(k, best)))
            best = k;
    }
    return best;
}

static void on_discover(mcp_client_t *c, mcp_client_request_t *r, const mcp_client_outcome_t *o)
{
    init_state *st = r->aux;
    const json_t *list =
        o->status == MCP_OK ? json_object_get(o->result, "supportedVersions") : NULL;
    size_t i;
    bool has2026 = false;
    int rc;
    for (i = 0; i < json_array_size(list); i++)
        if (json_is_string(json_array_get(list, i)) &&
            strcmp(json_string_value(json_array_get(list, i)), MCP_PROTOCOL_2026_07_28) == 0)
            has2026 = true;
    if (has2026) {
        const json_t *meta = json_object_get(o->result, "_meta");
        c->protocol = MCP_PROTOCOL_2026_07_28;
        c->era = MCP__CERA_2026;
        keep_server(c, o->result, json_object_get(meta, "io.modelcontextprotocol/serverInfo"));
        finish(c, st, o);
        return;
    }
    if (c->pinned) { /* pinned to 2026: no fall-back */
        if (o->status != MCP_OK)
            finish(c, st, o);
        else
            fail(c, st, MCP_EPARSE, "the server does not support protocol revision 2026-07-28");
        return;
    }
    if (o->status != MCP_OK && o->status != MCP_EREMOTE && o->status != MCP_EPARSE) {
        finish(c, st, o); /* the connection failed or timed out: no point in initialize */
        return;
    }
    {
        const char *v = newest_session_version(list);
        rc = send_initialize(c, st, v ? v : MCP_PROTOCOL_LATEST_SESSION);
    }
    if (rc != MCP_OK)
        fail(c, st, rc, "could not send initialize");
}

int mcp_client_initialize(mcp_client_t *c, mcp_client_result_fn cb, void *userdata)
{
    init_state *st;
    mcp_client_request_t *r;
    int rc;
    if (!c)
        return MCP_EINVAL;
    if (!c->transport || c->closed || c->initialized || c->initializing)
        return MCP_ESTATE;
    st = calloc(1, sizeof *st);
    if (!st)
        return MCP_ENOMEM;
    st->cb = cb;
    st->ud = userdata;
    c->initializing = true;
    if (c->pinned && !mcp__version_stateless(c->pinned)) {
        rc = send_initialize(c, st, c->pinned);
    } else {
        rc = mcp__client_start(c, "server/discover", NULL, NULL, NULL, MCP__CERA_2026, on_discover,
                               NULL, NULL, &r);
        if (rc == MCP_OK)
            r->aux = st;
    }
    if (rc != MCP_OK) {
        c->initializing = false;
        free(st);
    }
    return rc;
}
