/*
 * Mounting another MCP server on a libmcp server (include/mcp_mount.h): its tools, resources,
 * templates and prompts registered here with forwarding handlers, its notifications and
 * questions passed on. Each mount holds one client; every item registered for it holds a
 * reference on the mount (free_userdata drops it), so the mount lives as long as any of them.
 */
#include "app/app.h"

#include "mcp_mount.h"

#include <strings.h>

typedef struct mount mount;

/* One request of a real client being served by the mounted server. */
typedef struct fwd {
    mount *m;
    mcp_call_t *call;
    mcp_client_request_t *req;
    int kind; /* MCP__TOOL, ... or -1 for completion */
    struct fwd *prev, *next;
} fwd;

struct mount {
    int refs;
    mcp_server_t *srv;
    mcp_client_t *client;         /* NULL once closed */
    char *prefix;                 /* "" for none */
    fwd *calls;                   /* in flight, newest first */
    json_t *names[MCP__KINDS];    /* {exposed name: original} of what is registered */
    int syncing[MCP__KINDS];      /* a list_changed re-read in progress */
    bool again[MCP__KINDS];       /* another list_changed came meanwhile */
    mcp_client_request_t *listen; /* 2026-07-28: the subscriptions/listen request, open */
    struct mount *next;           /* the server's mounts */
};

struct mcp__mounts {
    mount *list;
};

static const char *const list_method[MCP__KINDS] = {"tools/list", "resources/list",
                                                    "resources/templates/list", "prompts/list"};
static const char *const list_field[MCP__KINDS] = {"tools", "resources", "resourceTemplates",
                                                   "prompts"};
static const char *const key_field[MCP__KINDS] = {"name", "uri", "uriTemplate", "name"};

static void mount_unref(mount *m)
{
    int k;
    if (--m->refs > 0)
        return;
    if (m->client)
        mcp_client_free(m->client);
    for (k = 0; k < MCP__KINDS; k++)
        json_decref(m->names[k]);
    free(m->prefix);
    free(m);
}

/* The exposed name of an item: "P_name" for tools and prompts, "scheme://P/rest" for URIs. */
static char *exposed(const mount *m, mcp__kind kind, const char *key)
{
    const char *sep;
    size_t n;
    char *out;
    if (!m->prefix[0])
        return strdup(key);
    n = strlen(m->prefix) + strlen(key) + 3;
    if (!(out = malloc(n)))
        return NULL;
    if (kind == MCP__TOOL || kind == MCP__PROMPT)
        snprintf(out, n, "%s_%s", m->prefix, key);
    else if ((sep = strstr(key, "://")) != NULL)
        snprintf(out, n, "%.*s%s/%s", (int)(sep + 3 - key), key, m->prefix, sep + 3);
    else
        snprintf(out, n, "%s/%s", m->prefix, key);
    return out;
}

/* A resource URI asked for here, as the mounted server knows it (NULL: not one of ours). */
static char *original_uri(const mount *m, const char *uri)
{
    const char *sep;
    size_t p = strlen(m->prefix);
    if (!m->prefix[0])
        return strdup(uri);
    if ((sep = strstr(uri, "://")) != NULL) {
        const char *rest = sep + 3;
        char *out;
        if (strncmp(rest, m->prefix, p) != 0 || rest[p] != '/')
            return NULL;
        if (!(out = malloc(strlen(uri))))
            return NULL;
        snprintf(out, strlen(uri), "%.*s%s", (int)(rest - uri), uri, rest + p + 1);
        return out;
    }
    if (strncmp(uri, m->prefix, p) != 0 || uri[p] != '/')
        return NULL;
    return strdup(uri + p + 1);
}

/* ---- forwarding calls ----------------------------------------------------------------------- */

static fwd *fwd_new(mount *m, mcp_call_t *call, int kind)
{
    fwd *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->m = m;
    f->call = call;
    f->kind = kind;
    f->next = m->calls;
    if (m->calls)
        m->calls->prev = f;
    m->calls = f;
    m->refs++;
    return f;
}

static void fwd_free(fwd *f)
{
    mount *m = f->m;
    if (f->prev)
        f->prev->next = f->next;
    else
        m->calls = f->next;
    if (f->next)
        f->next->prev = f->prev;
    free(f);
    mount_unref(m);
}

static void on_cancel(mcp_call_t *call, void *ud)
{
    fwd *f = ud;
    (void)call;
    if (f->req && f->m->client)
        mcp_client_cancel(f->m->client, f->req, "cancelled by the client");
}

/* The mounted server answered (or the request failed): answer the real client the same way. */
static void on_result(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    fwd *f = ud;
    mcp_call_t *call = f->call;
    (void)c;
    f->req = NULL;
    if (o->status == MCP_OK && f->kind == -1) {
        const json_t *comp = json_object_get(o->result, "completion");
        const json_t *vals = json_object_get(comp, "values");
        const json_t *total = json_object_get(comp, "total");
        size_t i;
        for (i = 0; i < json_array_size(vals); i++)
            if (json_is_string(json_array_get(vals, i)))
                mcp_call_add_completion(call, json_string_value(json_array_get(vals, i)));
        if (json_is_integer(total) || json_is_true(json_object_get(comp, "hasMore")))
            mcp_call_set_completion_total(call,
                                          json_is_integer(total) ? json_integer_value(total) : -1,
                                          json_is_true(json_object_get(comp, "hasMore")));
    } else if (o->status == MCP_OK) {
        json_t *res = mcp_call_result(call);
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)o->result, k, v)
        {
            json_t *mine = json_object_get(res, k);
            /* the 2026 envelope is the real server's to write, for its own client's era */
            if (strcmp(k, "resultType") == 0 || strcmp(k, "ttlMs") == 0 ||
                strcmp(k, "cacheScope") == 0)
                continue;
            if (strcmp(k, "_meta") == 0 && json_is_object(v)) {
                json_t *meta = json_deep_copy(v);
                json_object_del(meta, "io.modelcontextprotocol/serverInfo");
                if (json_object_size(meta))
                    json_object_set_new(res, k, meta);
                else
                    json_decref(meta);
                continue;
            }
            if (json_is_array(mine) && json_is_array(v)) {
                /* the call's builders hold this array (content, contents, messages): fill it */
                json_array_clear(mine);
                json_array_extend(mine, v);
            } else {
                json_object_set(res, k, v);
            }
        }
    } else if (o->status == MCP_EREMOTE) {
        const json_t *data = json_object_get(o->error, "data");
        int code = o->code;
        /* "resource not found" is -32002 before 2026-07-28 and -32602 from it: say it in the
         * real client's revision (the server maps MCP_ERROR_RESOURCE_NOT_FOUND) */
        if (f->kind == MCP__RESOURCE && (code == MCP_ERROR_RESOURCE_NOT_FOUND ||
                                         (code == MCP_JSONRPC_INVALID_PARAMS && f->m->client &&
                                          mcp_client_is_stateless(f->m->client))))
            code = MCP_ERROR_RESOURCE_NOT_FOUND;
        mcp_call_fail_new(call, code, data ? json_deep_copy(data) : NULL, "%s", o->message);
    } else if (f->kind == MCP__TOOL && o->status != MCP_ECANCELLED) {
        mcp_call_tool_error(call, "The mounted server failed: %s", o->message);
    } else {
        mcp_call_fail_new(call, MCP_JSONRPC_INTERNAL_ERROR, NULL, "The mounted server failed: %s",
                          o->message);
    }
    fwd_free(f);
    mcp_call_complete(call);
}

static void on_progress(mcp_client_t *c, double progress, double total, const char *message,
                        void *ud)
{
    fwd *f = ud;
    (void)c;
    mcp_call_progress(f->call, progress, total == total ? total : 0, message);
}

/* Start forwarding `call`: MCP_PENDING, or an error status for the handler to return. */
static int forward(mount *m, mcp_call_t *call, int kind, const char *method, json_t *params)
{
    fwd *f;
    int rc;
    mcp_client_call_opts_t opts = {0};
    if (!m->client) {
        json_decref(params);
        if (kind == MCP__TOOL)
            return mcp_call_tool_error(call, "The mounted server is no longer connected");
        return mcp_call_fail_new(call, MCP_JSONRPC_INTERNAL_ERROR, NULL,
                                 "The mounted server is no longer connected");
    }
    if (!(f = fwd_new(m, call, kind))) {
        json_decref(params);
        return MCP_ENOMEM;
    }
    if (kind == MCP__TOOL) {
        opts.progress = on_progress;
        opts.progress_userdata = f;
    }
    opts.timeout_ms = 0; /* the real client's own timeout and cancellation rule */
    rc = mcp_client_request_new(m->client, method, params, &opts, on_result, f, &f->req);
    if (rc != MCP_OK) {
        fwd_free(f);
        if (kind == MCP__TOOL)
            return mcp_call_tool_error(call, "The mounted server cannot be reached: %s",
                                       mcp_strerror(rc));
        return rc;
    }
    mcp_call_on_cancel(call, on_cancel, f);
    return MCP_PENDING;
}

/* The userdata of each registered item: its mount and its name there. */
typedef struct item {
    mount *m;
    mcp__kind kind;
    char orig[]; /* tool or prompt name, resource URI, template text */
} item;

static void item_free(void *ud)
{
    item *it = ud;
    mount *m = it->m;
    free(it);
    mount_unref(m);
}

static int tool_handler(mcp_call_t *call, const json_t *args, void *ud)
{
    item *it = ud;
    json_t *params = json_pack("{s:s, s:O}", "name", it->orig, "arguments", (json_t *)args);
    return forward(it->m, call, MCP__TOOL, "tools/call", params);
}

static int resource_handler(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    item *it = ud;
    char *orig = it->kind == MCP__RESOURCE ? strdup(it->orig) : original_uri(it->m, uri);
    json_t *params;
    (void)vars;
    if (!orig)
        return mcp_call_fail_new(call, MCP_ERROR_RESOURCE_NOT_FOUND, NULL, "Resource not found");
    params = json_pack("{s:s}", "uri", orig);
    free(orig);
    return forward(it->m, call, MCP__RESOURCE, "resources/read", params);
}

static int prompt_handler(mcp_call_t *call, const json_t *args, void *ud)
{
    item *it = ud;
    json_t *params = json_pack("{s:s, s:O}", "name", it->orig, "arguments", (json_t *)args);
    return forward(it->m, call, MCP__PROMPT, "prompts/get", params);
}

static int complete_handler(mcp_call_t *call, const char *argument, const char *value,
                            const json_t *context, void *ud)
{
    item *it = ud;
    json_t *params;
    if (it->kind == MCP__PROMPT)
        params = json_pack("{s:{s:s, s:s}}", "ref", "type", "ref/prompt", "name", it->orig);
    else
        params = json_pack("{s:{s:s, s:s}}", "ref", "type", "ref/resource", "uri", it->orig);
    if (params)
        json_object_set_new(params, "argument",
                            json_pack("{s:s, s:s}", "name", argument, "value", value));
    if (params && json_object_size(context))
        json_object_set_new(params, "context", json_pack("{s:O}", "arguments", (json_t *)context));
    return forward(it->m, call, -1, "completion/complete", params);
}

/* ---- registering what the mounted server offers ---------------------------------------------- */

static char *dump(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static const char *str(const json_t *def, const char *field)
{
    return json_string_value(json_object_get(def, field));
}

/* A prompt's arguments in the compact form ("a 'desc', b? 'desc'"); a description that the form
 * cannot quote is left out. */
static char *prompt_args(const json_t *args)
{
    size_t i, n = 1;
    char *out, *p;
    for (i = 0; i < json_array_size(args); i++) {
        const json_t *a = json_array_get(args, i);
        n += strlen(str(a, "name") ? str(a, "name") : "") + 8 +
             (str(a, "description") ? strlen(str(a, "description")) : 0);
    }
    if (!(out = p = malloc(n)))
        return NULL;
    *p = '\0';
    for (i = 0; i < json_array_size(args); i++) {
        const json_t *a = json_array_get(args, i);
        const char *name = str(a, "name"), *desc = str(a, "description");
        if (!name)
            continue;
        p += sprintf(p, "%s%s%s", p == out ? "" : ", ", name,
                     json_is_true(json_object_get(a, "required")) ? "" : "?");
        if (desc && desc[0] && !strpbrk(desc, "'\\"))
            p += sprintf(p, " '%s'", desc);
    }
    return out;
}

static int add_item(mount *m, mcp__kind kind, const char *exp, const json_t *def)
{
    const char *key = str(def, key_field[kind]);
    item *it = malloc(sizeof *it + strlen(key) + 1);
    /* An in-process server's required scopes are kept here: its own session (the mount's
     * client) has no authorization, so without them anyone could call through the mount what
     * the mounted server reserves to some principals. Lists do not carry .scopes, so a STDIO or
     * remote server's are its own business (it checks the mount's credentials). */
    mcp_server_t *inner = mcp__client_memory_server(m->client);
    const mcp__item *src = inner ? mcp__registry_get(&inner->reg, kind, key) : NULL;
    const char *scopes = src ? src->scopes : NULL;
    char *in = NULL, *out = NULL, *ann = NULL, *icons = NULL, *meta = NULL, *args = NULL;
    mcp_error_t err = {0};
    int rc;
    if (!it)
        return MCP_ENOMEM;
    it->m = m;
    it->kind = kind;
    strcpy(it->orig, key);
    ann = dump(json_object_get(def, "annotations"));
    icons = dump(json_object_get(def, "icons"));
    meta = dump(json_object_get(def, "_meta"));
    if (kind == MCP__TOOL) {
        in = dump(json_object_get(def, "inputSchema"));
        out = dump(json_object_get(def, "outputSchema"));
        rc = mcp_server_add_tool(m->srv,
                                 &(mcp_tool_t){.name = exp,
                                               .title = str(def, "title"),
                                               .description = str(def, "description"),
                                               .input_schema = in,
                                               .output_schema = out,
                                               .handler = tool_handler,
                                               .userdata = it,
                                               .free_userdata = item_free,
                                               .annotations = ann,
                                               .icons = icons,
                                               .meta = meta,
                                               .scopes = scopes},
                                 &err);
    } else if (kind == MCP__PROMPT) {
        args = prompt_args(json_object_get(def, "arguments"));
        rc = mcp_server_add_prompt(m->srv,
                                   &(mcp_prompt_t){.name = exp,
                                                   .title = str(def, "title"),
                                                   .description = str(def, "description"),
                                                   .arguments = args,
                                                   .handler = prompt_handler,
                                                   .userdata = it,
                                                   .free_userdata = item_free,
                                                   .icons = icons,
                                                   .meta = meta,
                                                   .scopes = scopes,
                                                   .complete = complete_handler},
                                   &err);
    } else {
        const json_t *size = json_object_get(def, "size");
        rc = mcp_server_add_resource(
            m->srv,
            &(mcp_resource_t){.uri = kind == MCP__RESOURCE ? exp : NULL,
                              .uri_template = kind == MCP__TEMPLATE ? exp : NULL,
                              .name = str(def, "name") ? str(def, "name") : key,
                              .title = str(def, "title"),
                              .description = str(def, "description"),
                              .mime_type = str(def, "mimeType"),
                              .handler = resource_handler,
                              .userdata = it,
                              .free_userdata = item_free,
                              .annotations = ann,
                              .icons = icons,
                              .meta = meta,
                              .size = json_is_integer(size) ? json_integer_value(size) : 0,
                              .scopes = scopes,
                              .complete = kind == MCP__TEMPLATE ? complete_handler : NULL},
            &err);
    }
    free(in);
    free(out);
    free(ann);
    free(icons);
    free(meta);
    free(args);
    if (rc != MCP_OK) {
        free(it);
        mcp_server_log(m->srv, MCP_LOG_WARNING, "mount: skipping %s '%s': %s", list_field[kind],
                       key, err.text[0] ? err.text : mcp_strerror(rc));
        return rc;
    }
    m->refs++; /* the item's reference, dropped by item_free */
    return MCP_OK;
}

static void remove_item(mount *m, mcp__kind kind, const char *exp)
{
    if (kind == MCP__TOOL)
        mcp_server_remove_tool(m->srv, exp);
    else if (kind == MCP__PROMPT)
        mcp_server_remove_prompt(m->srv, exp);
    else
        mcp_server_remove_resource(m->srv, exp);
}

/* Make what is registered for `kind` match `defs` (borrowed array of definitions). */
static void apply(mount *m, mcp__kind kind, const json_t *defs)
{
    json_t *want = json_object(), *def;
    const char *name;
    void *tmp;
    size_t i;
    if (!want)
        return;
    for (i = 0; i < json_array_size(defs); i++) {
        const char *key;
        char *exp;
        def = json_array_get(defs, i);
        key = str(def, key_field[kind]);
        if (!key || !(exp = exposed(m, kind, key)))
            continue;
        json_object_set(want, exp, def);
        free(exp);
    }
    json_object_foreach_safe(m->names[kind], tmp, name, def)
    {
        const json_t *now = json_object_get(want, name);
        if (!now || !json_equal(now, def)) {
            remove_item(m, kind, name);
            json_object_del(m->names[kind], name);
        }
    }
    json_object_foreach(want, name, def)
    {
        if (!json_object_get(m->names[kind], name) && add_item(m, kind, name, def) == MCP_OK)
            json_object_set(m->names[kind], name, def);
    }
    json_decref(want);
}

/* ---- following list_changed: the lists read again, page by page ------------------------------ */

typedef struct lister {
    mount *m;
    mcp__kind kind;
    json_t *all;
    int pages;
} lister;

static void resync(mount *m, mcp__kind kind);

static void on_page(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    lister *l = ud;
    mount *m = l->m;
    const char *next = o->status == MCP_OK ? str(o->result, "nextCursor") : NULL;
    mcp__kind kind;
    if (o->status == MCP_OK)
        json_array_extend(l->all, json_object_get(o->result, list_field[l->kind]));
    if (next && ++l->pages < 1000 && m->client &&
        mcp_client_request_new(c, list_method[l->kind], json_pack("{s:s}", "cursor", next), NULL,
                               on_page, l, NULL) == MCP_OK)
        return;
    if (o->status == MCP_OK)
        apply(m, l->kind, l->all);
    else if (o->status != MCP_ECANCELLED)
        mcp_server_log(m->srv, MCP_LOG_WARNING, "mount: %s failed: %s", list_method[l->kind],
                       o->message);
    kind = l->kind;
    m->syncing[kind] = 0;
    json_decref(l->all);
    free(l);
    if (m->again[kind]) {
        m->again[kind] = false;
        resync(m, kind);
    }
    mount_unref(m);
}

static void resync(mount *m, mcp__kind kind)
{
    lister *l;
    if (!m->client)
        return;
    if (m->syncing[kind]) {
        m->again[kind] = true;
        return;
    }
    if (!(l = calloc(1, sizeof *l)) || !(l->all = json_array())) {
        free(l);
        return;
    }
    l->m = m;
    l->kind = kind;
    m->refs++;
    m->syncing[kind] = 1;
    if (mcp_client_request_new(m->client, list_method[kind], NULL, NULL, on_page, l, NULL) !=
        MCP_OK) {
        m->syncing[kind] = 0;
        json_decref(l->all);
        free(l);
        mount_unref(m);
    }
}

/* ---- what the mounted server sends and asks ------------------------------------------------- */

static void on_note(mcp_client_t *c, const char *method, const json_t *params, void *ud)
{
    mount *m = ud;
    (void)c;
    if (strcmp(method, "notifications/tools/list_changed") == 0) {
        resync(m, MCP__TOOL);
    } else if (strcmp(method, "notifications/prompts/list_changed") == 0) {
        resync(m, MCP__PROMPT);
    } else if (strcmp(method, "notifications/resources/list_changed") == 0) {
        resync(m, MCP__RESOURCE);
        resync(m, MCP__TEMPLATE);
    } else if (strcmp(method, "notifications/resources/updated") == 0 && str(params, "uri")) {
        char *exp = exposed(m, MCP__RESOURCE, str(params, "uri"));
        if (exp)
            mcp_server_resource_updated(m->srv, exp);
        free(exp);
    }
}

static void on_log(mcp_client_t *c, mcp_log_level level, const char *logger, const json_t *data,
                   void *ud)
{
    mount *m = ud;
    (void)c;
    if (m->calls) {
        mcp_call_log_json_new(m->calls->call, level, logger, json_deep_copy(data));
    } else {
        char *text = json_is_string(data) ? NULL : dump(data);
        mcp_server_log_clients(m->srv, level, logger, "%s",
                               text                      ? text
                               : json_string_value(data) ? json_string_value(data)
                                                         : "");
        free(text);
    }
}

static void on_answer(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    mcp_client_ask_t *ask = ud;
    (void)call;
    if (status == MCP_OK)
        mcp_client_ask_reply_new(ask, json_deep_copy(result));
    else if (status == MCP_ECLIENT)
        mcp_client_ask_fail(ask, (int)json_integer_value(json_object_get(result, "code")),
                            str(result, "message") ? str(result, "message") : "client error");
    else
        mcp_client_ask_fail(ask, MCP_JSONRPC_INTERNAL_ERROR,
                            status == MCP_ERETRY
                                ? "the real client answers by retrying its request (2026-07-28); "
                                  "a mounted server's question cannot wait for that"
                                : mcp_strerror(status));
}

/* A question of the mounted server goes to the real client through the call in progress. */
static void on_ask(mcp_client_t *c, mcp_client_ask_t *ask, const char *method, const json_t *params,
                   void *ud)
{
    mount *m = ud;
    mcp_call_t *call = m->calls ? m->calls->call : NULL;
    int rc;
    (void)c;
    if (!call) {
        mcp_client_ask_fail(ask, MCP_JSONRPC_INTERNAL_ERROR,
                            "no request of the real client is in progress to ask through");
        return;
    }
    if (mcp_call_protocol_version(call) &&
        strcmp(mcp_call_protocol_version(call), MCP_PROTOCOL_2026_07_28) >= 0) {
        /* A 2026 request gets its answers by ending with input_required and being retried,
         * while the mounted server waits inside this very request: it cannot be asked. */
        mcp_client_ask_fail(ask, MCP_JSONRPC_INTERNAL_ERROR,
                            "the mounted server's question cannot be forwarded to a 2026-07-28 "
                            "client (it answers by retrying its request)");
        return;
    }
    if (strcmp(method, "sampling/createMessage") == 0)
        rc = mcp_call_sample_new(call, json_deep_copy(params), on_answer, ask);
    else if (strcmp(method, "elicitation/create") == 0)
        rc = mcp_call_elicit_new(call, json_deep_copy(params), on_answer, ask);
    else if (strcmp(method, "roots/list") == 0)
        rc = mcp_call_list_roots(call, on_answer, ask);
    else
        rc = MCP_EINVAL;
    if (rc != MCP_OK)
        mcp_client_ask_fail(ask, MCP_JSONRPC_INTERNAL_ERROR,
                            rc == MCP_ESTATE ? "the real client does not offer this capability"
                                             : mcp_strerror(rc));
}

/* The 2026 listen request ended (the connection went, or the client was freed). */
static void on_listen_end(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    mount *m = ud;
    (void)c;
    m->listen = NULL;
    if (o->status != MCP_OK && o->status != MCP_ECANCELLED && m->client)
        mcp_server_log(m->srv, MCP_LOG_WARNING,
                       "mount: the mounted server's list changes are no longer followed: %s",
                       o->message);
    mount_unref(m);
}

/* 2026-07-28 servers announce list changes only on a subscriptions/listen stream. */
static void listen_changes(mount *m)
{
    json_t *params = json_pack("{s:{s:b, s:b, s:b}}", "notifications", "toolsListChanged", 1,
                               "promptsListChanged", 1, "resourcesListChanged", 1);
    m->refs++;
    if (mcp_client_listen_new(m->client, params, on_listen_end, m, &m->listen) != MCP_OK) {
        m->listen = NULL;
        m->refs--;
    }
}

/* ---- the mount's life ------------------------------------------------------------------------ */

/* The server stopped serving or is being freed: the mounted servers' connections end. */
static void unserved(mcp_server_t *srv)
{
    struct mcp__mounts *ms = srv->mounts;
    srv->mounts = NULL;
    srv->on_unserved = NULL;
    while (ms && ms->list) {
        mount *m = ms->list;
        mcp_client_t *c = m->client;
        ms->list = m->next;
        m->client = NULL;
        if (c) {
            mcp_client_on_closed(c, NULL, NULL); /* the application's callback: not any more */
            mcp_client_free(c);                  /* calls in flight complete (cancelled) inside */
        }
        mount_unref(m); /* the list's reference */
    }
    free(ms);
}

static int kind_offered(const json_t *caps, mcp__kind kind)
{
    const char *cap = kind == MCP__TOOL ? "tools" : kind == MCP__PROMPT ? "prompts" : "resources";
    return json_object_get(caps, cap) != NULL;
}

static int list_sync(mcp_client_t *c, mcp__kind kind, json_t **out, mcp_client_error_t *e)
{
    switch (kind) {
    case MCP__TOOL:
        return mcp_client_list_tools_sync(c, out, e);
    case MCP__RESOURCE:
        return mcp_client_list_resources_sync(c, out, e);
    case MCP__TEMPLATE:
        return mcp_client_list_resource_templates_sync(c, out, e);
    default:
        return mcp_client_list_prompts_sync(c, out, e);
    }
}

int mcp_server_mount(mcp_server_t *srv, mcp_client_t *client, const char *prefix, mcp_error_t *err)
{
    mount *m;
    mcp_client_error_t ce = {0};
    const json_t *caps;
    int rc, k;
    if (!srv || !client || !srv->loop || mcp_client_loop(client) != srv->loop)
        return mcp__error_set(err, MCP_EINVAL, "the client must live on the server's loop");
    if (!srv->mounts && !(srv->mounts = calloc(1, sizeof *srv->mounts)))
        return mcp__error_set(err, MCP_ENOMEM, "out of memory");
    srv->on_unserved = unserved; /* frees the list, even if this mount fails */
    if (!(m = calloc(1, sizeof *m)) || !(m->prefix = strdup(prefix ? prefix : ""))) {
        free(m);
        return mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    m->refs = 1;
    m->srv = srv;
    m->client = client;
    for (k = 0; k < MCP__KINDS; k++)
        m->names[k] = json_object();
    mcp_client_on_notification(client, on_note, m);
    mcp_client_on_log(client, on_log, m);
    mcp_client_on_ask(client, MCP_CLIENT_ASK_SAMPLING, on_ask, m);
    mcp_client_on_ask(client, MCP_CLIENT_ASK_ELICITATION, on_ask, m);
    mcp_client_on_ask(client, MCP_CLIENT_ASK_ELICIT_URL, on_ask, m);
    mcp_client_on_ask(client, MCP_CLIENT_ASK_ROOTS, on_ask, m);
    rc = mcp_client_initialize_sync(client, NULL, &ce);
    caps = mcp_client_server_capabilities(client);
    for (k = 0; rc == MCP_OK && k < MCP__KINDS; k++) {
        json_t *defs = NULL;
        if (!kind_offered(caps, (mcp__kind)k))
            continue;
        rc = list_sync(client, (mcp__kind)k, &defs, &ce);
        if (rc == MCP_OK)
            apply(m, (mcp__kind)k, defs);
        json_decref(defs);
    }
    if (rc != MCP_OK) {
        for (k = 0; k < MCP__KINDS; k++) /* what was registered goes again */
            apply(m, (mcp__kind)k, NULL);
        mcp_client_on_notification(client, NULL, NULL);
        mcp_client_on_log(client, NULL, NULL);
        mcp_client_on_ask(client, MCP_CLIENT_ASK_SAMPLING, NULL, NULL);
        mcp_client_on_ask(client, MCP_CLIENT_ASK_ELICITATION, NULL, NULL);
        mcp_client_on_ask(client, MCP_CLIENT_ASK_ELICIT_URL, NULL, NULL);
        mcp_client_on_ask(client, MCP_CLIENT_ASK_ROOTS, NULL, NULL);
        m->client = NULL; /* the caller keeps it */
        mount_unref(m);
        return mcp__error_set(err, rc, "mounting failed: %s", ce.text);
    }
    if (mcp_client_is_stateless(client))
        listen_changes(m);
    m->next = srv->mounts->list;
    srv->mounts->list = m;
    srv->on_unserved = unserved;
    return MCP_OK;
}
