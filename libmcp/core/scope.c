/*
 * Required scopes (the `.scopes` of tools, resources, templates and prompts) and what a
 * principal grants, for HTTP servers with authorization on (the server as an OAuth 2.1
 * resource server).
 *
 * - A principal grants the scopes named by its "scope" claim (a space-separated string, RFC 8693
 *   §4.2 and RFC 9068 §2.2.3) or, when it has none, by an "scp" claim (an array of strings, or
 *   one string): the two forms access tokens and introspection answers carry.
 * - A call on a session with authorization on (s->scoped, set by the HTTP transports when a
 *   validator is installed) may use an item only when every scope the item names is granted by
 *   the call's principal: the claims of the token its own request carried (on a 2025 session the
 *   same caller as the session's, with its latest token, so a step-up counts at once). Without
 *   authorization (STDIO, HTTP without a validator) everything may be used: scopes do not apply.
 * - A refused call answers -32000 with data {"scope": "<needed>"} and is classed
 *   MCP__REPLY_FORBIDDEN, which Streamable HTTP turns into 403 with an insufficient_scope
 *   challenge naming the same scopes (transport/auth.c), so a client can step up.
 */
#include "core/core.h"

/* RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E. */
static bool scope_char(unsigned char ch)
{
    return ch >= 0x21 && ch <= 0x7e && ch != '"' && ch != '\\';
}

int mcp__scopes_parse(const char *text, char **out)
{
    size_t n = 0, i;
    char *s;
    *out = NULL;
    if (!text)
        return MCP_OK;
    if (!(s = malloc(strlen(text) + 1)))
        return MCP_ENOMEM;
    for (i = 0; text[i]; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == ' ' || ch == '\t') {
            if (n > 0 && s[n - 1] != ' ')
                s[n++] = ' ';
            continue;
        }
        if (!scope_char(ch)) {
            free(s);
            return MCP_EINVAL;
        }
        s[n++] = (char)ch;
    }
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (n == 0) {
        free(s);
        return MCP_OK;
    }
    s[n] = '\0';
    *out = s;
    return MCP_OK;
}

/* Is the token `scope` (n bytes) one of the space-separated tokens of `list`? */
static bool list_has(const char *list, const char *scope, size_t n)
{
    const char *p = list;
    while (*p) {
        size_t len;
        while (*p == ' ' || *p == '\t')
            p++;
        len = strcspn(p, " \t");
        if (len == n && len > 0 && memcmp(p, scope, n) == 0)
            return true;
        p += len;
    }
    return false;
}

bool mcp__principal_grants(const json_t *principal, const char *scope, size_t n)
{
    const json_t *v, *e;
    size_t i;
    if (!json_is_object(principal) || n == 0)
        return false;
    v = json_object_get(principal, "scope");
    if (json_is_string(v))
        return list_has(json_string_value(v), scope, n);
    v = json_object_get(principal, "scp");
    if (json_is_string(v))
        return list_has(json_string_value(v), scope, n);
    json_array_foreach(v, i, e)
    {
        if (json_is_string(e) && json_string_length(e) == n &&
            memcmp(json_string_value(e), scope, n) == 0)
            return true;
    }
    return false;
}

bool mcp__call_may(const mcp_call_t *call, const mcp__item *it)
{
    const char *p;
    if (!call->sess->scoped || !it->scopes)
        return true;
    for (p = it->scopes; *p;) {
        size_t len = strcspn(p, " ");
        if (!mcp__principal_grants(call->principal, p, len))
            return false;
        p += len;
        if (*p == ' ')
            p++;
    }
    return true;
}

bool mcp__scope_keep(const mcp__item *it, const void *ud)
{
    return mcp__call_may(ud, it);
}

bool mcp__call_forbid(mcp_call_t *call, const mcp__item *it, const char *what)
{
    if (mcp__call_may(call, it))
        return false;
    mcp__call_set_error(call, MCP__ERROR_SERVER, json_pack("{s:s}", "scope", it->scopes),
                        "Forbidden: %s '%.200s' needs scope '%.200s', which the access token "
                        "does not grant",
                        what, it->key, it->scopes);
    call->forbidden = true;
    return true;
}

/* ---- the public accessors --------------------------------------------------------------------
 */

int mcp_call_has_scope(const mcp_call_t *call, const char *scope)
{
    if (!call || !scope || !*scope)
        return 0;
    if (!call->sess->scoped)
        return 1; /* authorization off: scopes do not apply */
    return mcp__principal_grants(call->principal, scope, strlen(scope)) ? 1 : 0;
}

const char *mcp_call_subject(const mcp_call_t *call)
{
    return call ? json_string_value(json_object_get(call->principal, "sub")) : NULL;
}

const char *mcp_call_client_id(const mcp_call_t *call)
{
    const json_t *p = call ? call->principal : NULL;
    const char *id = json_string_value(json_object_get(p, "client_id"));
    return id ? id : json_string_value(json_object_get(p, "azp"));
}

json_t *mcp_call_scopes(const mcp_call_t *call)
{
    const json_t *p = call ? call->principal : NULL;
    const json_t *v = json_object_get(p, "scope"), *e;
    json_t *out = json_array();
    size_t i;
    if (!out)
        return NULL;
    if (!json_is_string(v) && !json_is_array(v = json_object_get(p, "scp")) && !json_is_string(v))
        return out;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        while (*s) {
            size_t len;
            while (*s == ' ' || *s == '\t')
                s++;
            len = strcspn(s, " \t");
            if (len > 0)
                json_array_append_new(out, json_stringn(s, len));
            s += len;
        }
        return out;
    }
    json_array_foreach(v, i, e)
    {
        if (json_is_string(e))
            json_array_append_new(out, json_stringn(json_string_value(e), json_string_length(e)));
    }
    return out;
}
