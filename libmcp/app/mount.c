/*
 * Mounting another MCP server on a libmcp server (include/mcp_mount.h): its tools, resources,
 * templates and prompts registered here with forwarding handlers, its notifications and
 * questions passed on, the real clients' resource subscriptions passed to it. Each mount holds
 * one client; every item registered for it holds a reference on the mount (free_userdata drops
 * it), so the mount lives as long as any of them.
 *
 * The file reads top to bottom: the four kinds in one table (kinds[]), names, forwarding a call,
 * the mounted server's questions (both eras of the real client), registering what it offers,
 * following its list changes, subscriptions, and the mount's life.
 */
#include "app/app.h"

#include "mcp_mount.h"

#include <strings.h>

/* 2025-era calls held for a 2026 retry, per mount, and how long one waits for it (defaults of
 * MCP_LIMIT_MOUNT_HELD and MCP_LIMIT_MOUNT_HELD_MS) */
#define HELD_MAX(srv)        ((srv)->mount_held ? (srv)->mount_held : 64)
#define HELD_TIMEOUT_MS(srv) ((uint64_t)((srv)->mount_held_ms ? (srv)->mount_held_ms : 120000))

typedef struct mount mount;
typedef struct question question;

/* One request of a real client being served by the mounted server. */
typedef struct fwd {
    mount *m;
    mcp_call_t *call; /* NULL while held (its request ended with input_required) */
    mcp_client_request_t *req;
    int kind;          /* MCP__TOOL, ... or -1 for completion */
    char *target;      /* the tool or prompt name, or URI, as exposed here */
    question *open;    /* 2026 real client: the mounted server's questions not answered yet */
    bool ending;       /* questions were put: the request ends with input_required */
    bool parked;       /* in m->held, waiting for the real client's retry */
    char id[34];       /* 2025-era mounted server: "h" + 32 hex digits, its question keys' prefix */
    unsigned asked;    /* ... and the questions numbered so far */
    uint64_t deadline; /* parked: when it is given up (uv_now) */
    struct fwd *prev, *next;
} fwd;

/* A question of the mounted server put to a 2026-era real client (an input request). */
struct question {
    fwd *f;
    mcp_client_ask_t *ask; /* the mounted server's question, answered when the real client is */
    char *method;
    json_t *params;
    char key[64]; /* its inputRequests key */
    int status;   /* answered while being put (stored answers of a retry): MCP_OK, ... */
    json_t *answer;
    question *next;
};

/* A 2026-07-28 subscriptions/listen request of the mount's client. */
typedef struct listener {
    mount *m;
    mcp_client_request_t *req;
} listener;

struct mount {
    int refs;
    mcp_server_t *srv;
    mcp_client_t *client;      /* NULL once closed */
    char *prefix;              /* "" for none */
    fwd *calls;                /* in flight, newest first */
    fwd *held;                 /* waiting for the real client's retry (2025-era mounted server) */
    size_t nheld;              /* calls with an id (held or about to be), at most HELD_MAX */
    uv_timer_t timer;          /* ends rounds of questions, gives up held calls */
    bool timer_on;             /* initialized (closed with the mount's connection) */
    json_t *names[MCP__KINDS]; /* {exposed name: original} of what is registered */
    int syncing[MCP__KINDS];   /* a list_changed re-read in progress */
    bool again[MCP__KINDS];    /* another list_changed came meanwhile */
    json_t *subs;              /* {original URI: true}: subscribed on the mounted server */
    listener *listen;          /* 2026-07-28: the subscriptions/listen request, open */
    struct mount *next;        /* the server's mounts */
};

struct mcp__mounts {
    mount *list;
};

/* ---- the four kinds ---------------------------------------------------------------------- */

typedef struct item item;

/* What every kind's definition carries, read once for the registration. */
typedef struct fields {
    const char *title, *description, *scopes;
    char *annotations, *icons, *meta; /* JSON text or NULL */
} fields;

static int add_tool(mount *m, item *it, const char *exp, const json_t *def, const fields *fl,
                    mcp_error_t *err);
static int add_resource(mount *m, item *it, const char *exp, const json_t *def, const fields *fl,
                        mcp_error_t *err);
static int add_prompt(mount *m, item *it, const char *exp, const json_t *def, const fields *fl,
                      mcp_error_t *err);

static const struct kind_ops {
    const char *cap;         /* the server capability that offers it */
    const char *list_method; /* how it is listed */
    const char *list_field;  /* the list result's array */
    const char *key_field;   /* what names an item */
    const char *call_method; /* how it is used */
    int (*list_sync)(mcp_client_t *c, json_t **out, mcp_client_error_t *e);
    int (*add)(mount *m, item *it, const char *exp, const json_t *def, const fields *fl,
               mcp_error_t *err);
    int (*remove)(mcp_server_t *srv, const char *exposed);
} kinds[MCP__KINDS] = {
    [MCP__TOOL] = {"tools", "tools/list", "tools", "name", "tools/call", mcp_client_list_tools_sync,
                   add_tool, mcp_server_remove_tool},
    [MCP__RESOURCE] = {"resources", "resources/list", "resources", "uri", "resources/read",
                       mcp_client_list_resources_sync, add_resource, mcp_server_remove_resource},
    [MCP__TEMPLATE] = {"resources", "resources/templates/list", "resourceTemplates", "uriTemplate",
                       "resources/read", mcp_client_list_resource_templates_sync, add_resource,
                       mcp_server_remove_resource},
    [MCP__PROMPT] = {"prompts", "prompts/list", "prompts", "name", "prompts/get",
                     mcp_client_list_prompts_sync, add_prompt, mcp_server_remove_prompt},
};

static char *dump(const json_t *v)
{
    return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static const char *str(const json_t *def, const char *field)
{
    return json_string_value(json_object_get(def, field));
}

static void mount_unref(mount *m)
{
    int k;
    if (--m->refs > 0)
        return;
    if (m->client)
        mcp_client_free(m->client);
    for (k = 0; k < MCP__KINDS; k++)
        json_decref(m->names[k]);
    json_decref(m->subs);
    free(m->prefix);
    free(m);
}

/* ---- names --------------------------------------------------------------------------------- */

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

/* True when the exposed `uri` is one of this mount's resources or matches one of its
 * templates. */
static bool serves_uri(const mount *m, const char *uri)
{
    const char *t;
    json_t *def;
    if (json_object_get(m->names[MCP__RESOURCE], uri))
        return true;
    json_object_foreach(m->names[MCP__TEMPLATE], t, def)
    {
        json_t *vars = mcp__uritemplate_match(t, uri);
        json_decref(vars);
        if (vars)
            return true;
    }
    (void)def;
    return false;
}

/* ---- forwarding calls ----------------------------------------------------------------------- */

static void question_free(question *q)
{
    free(q->method);
    json_decref(q->params);
    json_decref(q->answer);
    free(q);
}

static void unlink_fwd(fwd *f)
{
    mount *m = f->m;
    if (f->prev)
        f->prev->next = f->next;
    else if (f->parked)
        m->held = f->next;
    else
        m->calls = f->next;
    if (f->next)
        f->next->prev = f->prev;
    f->prev = f->next = NULL;
}

static void push_fwd(fwd **list, fwd *f)
{
    f->prev = NULL;
    f->next = *list;
    if (*list)
        (*list)->prev = f;
    *list = f;
}

static fwd *fwd_new(mount *m, mcp_call_t *call, int kind, const char *target)
{
    fwd *f = calloc(1, sizeof *f);
    if (!f || !(f->target = strdup(target ? target : ""))) {
        free(f);
        return NULL;
    }
    f->m = m;
    f->call = call;
    f->kind = kind;
    push_fwd(&m->calls, f);
    m->refs++;
    return f;
}

/* The forwarded request is over: its open questions are refused (unless the mount's connection
 * is going, which frees them). */
static void fwd_free(fwd *f)
{
    mount *m = f->m;
    unlink_fwd(f);
    if (f->id[0])
        m->nheld--;
    while (f->open) {
        question *q = f->open;
        f->open = q->next;
        if (m->client)
            mcp_client_ask_fail(q->ask, MCP_JSONRPC_INTERNAL_ERROR,
                                "the request that asked this is over");
        question_free(q);
    }
    free(f->target);
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

/* A completion's values, into the call's completion builder. */
static void copy_completion(mcp_call_t *call, const json_t *result)
{
    const json_t *comp = json_object_get(result, "completion");
    const json_t *vals = json_object_get(comp, "values");
    const json_t *total = json_object_get(comp, "total");
    size_t i;
    for (i = 0; i < json_array_size(vals); i++)
        if (json_is_string(json_array_get(vals, i)))
            mcp_call_add_completion(call, json_string_value(json_array_get(vals, i)));
    if (json_is_integer(total) || json_is_true(json_object_get(comp, "hasMore")))
        mcp_call_set_completion_total(call, json_is_integer(total) ? json_integer_value(total) : -1,
                                      json_is_true(json_object_get(comp, "hasMore")));
}

/* A result of the mounted server, field by field, into the call's result. */
static void copy_result(mcp_call_t *call, const json_t *result)
{
    json_t *res = mcp_call_result(call);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)result, k, v)
    {
        json_t *mine = json_object_get(res, k);
        /* the 2026 envelope is the real server's to write, for its own client's era */
        if (strcmp(k, "resultType") == 0 || strcmp(k, "ttlMs") == 0 || strcmp(k, "cacheScope") == 0)
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
}

/* The mounted server answered (or the request failed): answer the real client the same way. */
static void on_result(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    fwd *f = ud;
    mcp_call_t *call = f->call;
    (void)c;
    f->req = NULL;
    if (!call) { /* held, and the mounted server ended it meanwhile: nobody to tell */
        fwd_free(f);
        return;
    }
    f->ending = false;
    if (o->status == MCP_OK && f->kind == -1) {
        copy_completion(call, o->result);
    } else if (o->status == MCP_OK) {
        copy_result(call, o->result);
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
    if (f->call)
        mcp_call_progress(f->call, progress, total == total ? total : 0, message);
}

static int fail_call(mcp_call_t *call, int kind, const char *message)
{
    if (kind == MCP__TOOL)
        return mcp_call_tool_error(call, "%s", message);
    return mcp_call_fail_new(call, MCP_JSONRPC_INTERNAL_ERROR, NULL, "%s", message);
}

static bool resume_held(mount *m, mcp_call_t *call, int kind, const char *target, int *rc);

/* Start forwarding `call` as `method` (params stolen): MCP_PENDING, or an error status for the
 * handler to return. */
static int forward(mount *m, mcp_call_t *call, int kind, const char *method, const char *target,
                   json_t *params)
{
    fwd *f;
    int rc;
    mcp_client_call_opts_t opts = {0};
    if (!m->client) {
        json_decref(params);
        return fail_call(call, kind, "The mounted server is no longer connected");
    }
    if (kind != -1 && resume_held(m, call, kind, target, &rc)) {
        json_decref(params);
        return rc; /* a 2026 retry that answers a held call's questions */
    }
    if (!(f = fwd_new(m, call, kind, target))) {
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
struct item {
    mount *m;
    mcp__kind kind;
    char orig[]; /* tool or prompt name, resource URI, template text */
};

static void item_free(void *ud)
{
    item *it = ud;
    mount *m = it->m;
    free(it);
    mount_unref(m);
}

/* tools/call and prompts/get: a name and arguments. */
static int named_handler(mcp_call_t *call, const json_t *args, void *ud)
{
    item *it = ud;
    json_t *params = json_pack("{s:s, s:O}", "name", it->orig, "arguments", (json_t *)args);
    char *exp = exposed(it->m, it->kind, it->orig);
    int rc = forward(it->m, call, it->kind, kinds[it->kind].call_method, exp, params);
    free(exp);
    return rc;
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
    return forward(it->m, call, MCP__RESOURCE, "resources/read", uri, params);
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
    return forward(it->m, call, -1, "completion/complete", NULL, params);
}

/* ---- the mounted server's questions -------------------------------------------------------
 *
 * 2025-era real client: asked through the call in progress, answered in turn.
 * 2026-07-28 real client: the call ends with input_required carrying the questions, and the
 * real client retries it with the answers (features/mrtr.c signs and checks the requestState).
 *   - a 2026 mounted server asked through its own input_required: the retry runs afresh (on any
 *     replica), the mounted server asks the same questions again, and each finds its answer
 *     under its key "r<round>.<its key>";
 *   - a 2025 mounted server asked with a request of its own, inside a call that cannot run
 *     twice: that call is held here (at most HELD_MAX per mount, HELD_TIMEOUT_MS each), its
 *     questions keyed "h<id>.<n>", and the retry carrying those keys takes it up again. */

static void reply_ask(mcp_client_ask_t *ask, int status, const json_t *result)
{
    if (status == MCP_OK)
        mcp_client_ask_reply_new(ask, json_deep_copy(result));
    else if (status == MCP_ECLIENT)
        mcp_client_ask_fail(ask, (int)json_integer_value(json_object_get(result, "code")),
                            str(result, "message") ? str(result, "message") : "client error");
    else
        mcp_client_ask_fail(ask, MCP_JSONRPC_INTERNAL_ERROR, mcp_strerror(status));
}

/* 2025-era real client: its answer, to the mounted server. */
static void on_answer(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    (void)call;
    reply_ask(ud, status, result);
}

/* Ask `call` the question `method` (params stolen). */
static int ask_call(mcp_call_t *call, const char *method, json_t *params, mcp_client_reply_fn cb,
                    void *ud)
{
    if (strcmp(method, "sampling/createMessage") == 0)
        return mcp_call_sample_new(call, params, cb, ud);
    if (strcmp(method, "elicitation/create") == 0)
        return mcp_call_elicit_new(call, params, cb, ud);
    json_decref(params);
    if (strcmp(method, "roots/list") == 0)
        return mcp_call_list_roots(call, cb, ud);
    return MCP_EINVAL;
}

static void unlink_question(fwd *f, question *q)
{
    question **pp;
    for (pp = &f->open; *pp; pp = &(*pp)->next)
        if (*pp == q) {
            *pp = q->next;
            return;
        }
}

/* 2026 real client: the answer to an input request (or MCP_ERETRY: the round ended first). */
static void on_input(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    question *q = ud;
    fwd *f = q->f;
    (void)call;
    if (status == MCP_ERETRY && f->id[0])
        return; /* held: put again on the retry */
    if (status != MCP_ERETRY && !q->answer && q->status == -1) {
        q->status = status; /* answered while being put: put_question() replies */
        q->answer = result ? json_deep_copy(result) : json_null();
        return;
    }
    unlink_question(f, q);
    if (status == MCP_ERETRY) /* the mounted server asks again when the retry runs afresh */
        mcp_client_ask_fail(q->ask, MCP_JSONRPC_INTERNAL_ERROR,
                            "asked of the real client, who answers with a retry");
    else
        reply_ask(q->ask, status, result);
    question_free(q);
}

static void arm(mount *m, uint64_t ms);

/* Put `q` (in f->open) to f's call. Answered at once (a retry's stored answers): unlinked, and
 * returned in *ask and *status and *answer for the caller to pass on when it no longer needs `f`.
 */
static void put_question(fwd *f, question *q, mcp_client_ask_t **ask, int *status, json_t **answer)
{
    int rc;
    *ask = NULL;
    q->status = -1;
    mcp_call_set_input_key(f->call, q->key);
    rc = ask_call(f->call, q->method, json_incref(q->params), on_input, q);
    if (rc == MCP_OK && q->status == -1) {
        q->status = -2;   /* a later answer (a call turned task) takes the usual way */
        f->ending = true; /* the call ends with input_required on the next turn of the loop */
        arm(f->m, 0);
        return;
    }
    unlink_question(f, q);
    *ask = q->ask;
    *status = rc == MCP_OK ? q->status : rc == MCP_ESTATE ? MCP_ECLIENT : rc;
    *answer = rc == MCP_OK ? json_incref(q->answer)
              : rc == MCP_ESTATE
                  ? json_pack("{s:i, s:s}", "code", MCP_JSONRPC_INTERNAL_ERROR, "message",
                              "the real client cannot be asked this (a capability it did not "
                              "declare, or a request that cannot carry questions)")
                  : NULL;
    question_free(q);
}

/* The forwarded call (in progress or held) whose request to the mounted server is `r`, or NULL
 * (`r` is the mount's own request, or none of ours). */
static fwd *fwd_of(mount *m, const mcp_client_request_t *r)
{
    fwd *f;
    for (f = m->calls; f; f = f->next)
        if (f->req && f->req == r)
            return f;
    for (f = m->held; f; f = f->next)
        if (f->req && f->req == r)
            return f;
    return NULL;
}

/* The forwarded request a question of the mounted server belongs to, or NULL with *why.
 *   - known (mcp_client_ask_request(): a 2026 input_required, a 2025 question that came on a
 *     call's HTTP response stream or from an in-process server's call): exactly that one;
 *   - not known (STDIO, the GET stream, legacy SSE): the most recent call in progress (else the
 *     held one) only when that guess cannot be wrong: the only one, or all of them from the same
 *     session and none held. Calls of several sessions (or held ones, whose sessions are gone)
 *     would let one real client see, and answer, another's question: refused. */
static fwd *asking_fwd(mount *m, const mcp_client_ask_t *ask, const char **why)
{
    mcp_client_request_t *r = mcp_client_ask_request(ask);
    fwd *f, *pick = NULL;
    *why = "no request of the real client is in progress to ask through";
    if (r) {
        if ((f = fwd_of(m, r)))
            return f;
        *why = "the request that asked this is not a real client's request in progress";
        return NULL;
    }
    for (f = m->calls; f && !pick; f = f->next)
        pick = f->call ? f : NULL;
    if (!pick)
        pick = m->held;
    for (f = m->calls; f; f = f->next)
        if (f->call && f != pick && (!f->call->sess || f->call->sess != pick->call->sess))
            break;
    if (!f) /* a held call has no session left to compare: any other one makes it a guess */
        for (f = m->held; f && f == pick; f = f->next)
            ;
    if (f) {
        *why = "the mounted server's question cannot be matched to one of the calls in "
               "progress (several real clients'), so it is not asked";
        return NULL;
    }
    return pick;
}

/* A question of the mounted server goes to the real client through the call it belongs to. */
static void on_ask(mcp_client_t *c, mcp_client_ask_t *ask, const char *method, const json_t *params,
                   void *ud)
{
    mount *m = ud;
    const char *why;
    fwd *f = asking_fwd(m, ask, &why);
    question *q;
    mcp_client_ask_t *now;
    json_t *answer = NULL;
    int status = 0, rc;
    (void)c;
    if (!f) {
        mcp_client_ask_fail(ask, MCP_JSONRPC_INTERNAL_ERROR, why);
        return;
    }
    if (f->call && !f->call->ctx.stateless) {
        rc = ask_call(f->call, method, params ? json_deep_copy(params) : NULL, on_answer, ask);
        if (rc != MCP_OK)
            mcp_client_ask_fail(ask, MCP_JSONRPC_INTERNAL_ERROR,
                                rc == MCP_ESTATE ? "the real client does not offer this capability"
                                                 : mcp_strerror(rc));
        return;
    }
    if (!ask->req && !f->id[0]) { /* a 2025 mounted server: its call is to be held */
        unsigned char r[16];
        size_t i;
        if (m->nheld >= HELD_MAX(m->srv)) {
            mcp_client_ask_fail(ask, MCP__ERROR_SERVER,
                                "too many calls of the mounted server wait for a retry");
            return;
        }
        mcp__random_bytes(r, sizeof r);
        f->id[0] = 'h';
        for (i = 0; i < sizeof r; i++)
            snprintf(f->id + 1 + 2 * i, 3, "%02x", r[i]);
        m->nheld++;
    }
    if (!(q = calloc(1, sizeof *q)) || !(q->method = strdup(method)) ||
        !(q->params = params ? json_deep_copy(params) : json_object())) {
        if (q)
            question_free(q);
        mcp_client_ask_fail(ask, MCP_JSONRPC_INTERNAL_ERROR, "out of memory");
        return;
    }
    q->f = f;
    q->ask = ask;
    if (ask->req)
        rc = snprintf(q->key, sizeof q->key, "r%u.%s", ask->req->rounds, ask->key);
    else
        rc = snprintf(q->key, sizeof q->key, "%s.%u", f->id, f->asked++);
    if (rc < 0 || (size_t)rc >= sizeof q->key) {
        question_free(q);
        mcp_client_ask_fail(ask, MCP_JSONRPC_INTERNAL_ERROR, "input request key too long");
        return;
    }
    q->next = f->open;
    f->open = q;
    if (!f->call)
        return; /* held: put with the others on the retry */
    put_question(f, q, &now, &status, &answer);
    if (now)
        reply_ask(now, status, answer);
    json_decref(answer);
}

/* f's call is over (it answers input_required): f waits in m->held for the retry. */
static void park(fwd *f)
{
    mount *m = f->m;
    unlink_fwd(f);
    f->call = NULL;
    f->parked = true;
    f->deadline = uv_now(m->srv->loop) + HELD_TIMEOUT_MS(m->srv);
    push_fwd(&m->held, f);
    arm(m, HELD_TIMEOUT_MS(m->srv));
}

/* The round of questions ended: f's call answers input_required. A held call waits for the
 * retry; another one ends (its mounted server asks again when the retry runs). */
static void end_round(fwd *f)
{
    mcp_call_t *call = f->call;
    f->ending = false;
    if (f->id[0])
        park(f);
    else
        f->call = NULL;
    mcp_call_on_cancel(call, NULL, NULL);
    mcp_call_complete(call);
}

/* A 2026 retry of a held call (its answers keyed with the held call's id): the call is taken up
 * again, its questions put again (now answered). False when `call` is not such a retry. */
static bool resume_held(mount *m, mcp_call_t *call, int kind, const char *target, int *rc)
{
    const json_t *answers = json_object_get(call->params, "inputResponses");
    const char *key;
    json_t *v;
    fwd *f = NULL;
    question *list, *q, *next;
    mcp_client_ask_t **asks;
    json_t **results;
    int *statuses;
    size_t n = 0, i;
    if (!call->ctx.stateless || !json_is_string(json_object_get(call->params, "requestState")))
        return false; /* answers count only with the state that asked for them */
    json_object_foreach((json_t *)answers, key, v)
    {
        if (key[0] != 'h' || strlen(key) < 34 || key[33] != '.' || !mcp__mrtr_answered(call, key))
            continue; /* only a key its own (verified) requestState asked takes a call up */
        for (f = m->held; f; f = f->next)
            if (strncmp(f->id, key, 33) == 0 && f->kind == kind && strcmp(f->target, target) == 0)
                break;
        if (f)
            break;
        *rc = fail_call(call, kind,
                        "The mounted server's call that asked this is no longer held here: it "
                        "timed out, or the retry reached another replica; call again");
        return true;
    }
    if (!f)
        return false;
    for (list = f->open, q = list; q; q = q->next)
        n++;
    asks = calloc(n + 1, sizeof *asks);
    results = calloc(n + 1, sizeof *results);
    statuses = calloc(n + 1, sizeof *statuses);
    if (!asks || !results || !statuses) { /* before `f` is taken: it stays held, untouched */
        free(asks);
        free(results);
        free(statuses);
        *rc = MCP_ENOMEM;
        return true;
    }
    unlink_fwd(f);
    f->parked = false;
    f->call = call;
    push_fwd(&m->calls, f);
    mcp_call_on_cancel(call, on_cancel, f);
    for (q = list, i = 0; q; q = next, i++) {
        next = q->next;
        put_question(f, q, &asks[i], &statuses[i], &results[i]);
    }
    if (f->ending) { /* still unanswered: input_required again, the call stays held */
        f->ending = false;
        mcp_call_on_cancel(call, NULL, NULL);
        park(f);
    }
    /* the answers go to the mounted server last: one may end its call, and `f` with it */
    for (i = 0; i < n; i++) {
        if (asks[i])
            reply_ask(asks[i], statuses[i], results[i]);
        json_decref(results[i]);
    }
    free(asks);
    free(results);
    free(statuses);
    *rc = MCP_PENDING;
    return true;
}

static fwd *first_ending(mount *m)
{
    fwd *f;
    for (f = m->calls; f; f = f->next)
        if (f->ending && f->call)
            return f;
    return NULL;
}

static void on_timer(uv_timer_t *t)
{
    mount *m = t->data;
    uint64_t now = uv_now(t->loop), next = 0;
    fwd *f;
    while ((f = first_ending(m)) != NULL)
        end_round(f);
    for (f = m->held; f;) {
        fwd *after = f->next;
        if (f->deadline <= now && f->req && m->client) {
            f->deadline = UINT64_MAX; /* asked once; on_result frees it */
            mcp_client_cancel(m->client, f->req, "the real client did not retry in time");
            after = m->held; /* the list may have changed: look again */
        } else if (f->deadline != UINT64_MAX && (!next || f->deadline - now < next)) {
            next = f->deadline > now ? f->deadline - now : 1;
        }
        f = after;
    }
    if (next)
        uv_timer_start(&m->timer, on_timer, next, 0);
}

/* Run on_timer in `ms` (sooner if already due sooner). */
static void arm(mount *m, uint64_t ms)
{
    if (!m->client || !m->srv->loop)
        return;
    if (!m->timer_on) {
        uv_timer_init(m->srv->loop, &m->timer);
        m->timer.data = m;
        m->timer_on = true;
        m->refs++; /* the timer's, dropped once it is closed */
    }
    if (!uv_is_active((uv_handle_t *)&m->timer) || uv_timer_get_due_in(&m->timer) > ms)
        uv_timer_start(&m->timer, on_timer, ms, 0);
}

/* ---- registering what the mounted server offers ---------------------------------------------- */

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

static int add_tool(mount *m, item *it, const char *exp, const json_t *def, const fields *fl,
                    mcp_error_t *err)
{
    char *in = dump(json_object_get(def, "inputSchema"));
    char *out = dump(json_object_get(def, "outputSchema"));
    int rc = mcp_server_add_tool(m->srv,
                                 &(mcp_tool_t){.name = exp,
                                               .title = fl->title,
                                               .description = fl->description,
                                               .input_schema = in,
                                               .output_schema = out,
                                               .handler = named_handler,
                                               .userdata = it,
                                               .free_userdata = item_free,
                                               .annotations = fl->annotations,
                                               .icons = fl->icons,
                                               .meta = fl->meta,
                                               .scopes = fl->scopes},
                                 err);
    free(in);
    free(out);
    return rc;
}

static int add_prompt(mount *m, item *it, const char *exp, const json_t *def, const fields *fl,
                      mcp_error_t *err)
{
    char *args = prompt_args(json_object_get(def, "arguments"));
    int rc = mcp_server_add_prompt(m->srv,
                                   &(mcp_prompt_t){.name = exp,
                                                   .title = fl->title,
                                                   .description = fl->description,
                                                   .arguments = args,
                                                   .handler = named_handler,
                                                   .userdata = it,
                                                   .free_userdata = item_free,
                                                   .icons = fl->icons,
                                                   .meta = fl->meta,
                                                   .scopes = fl->scopes,
                                                   .complete = complete_handler},
                                   err);
    free(args);
    return rc;
}

/* A static resource or a template. */
static int add_resource(mount *m, item *it, const char *exp, const json_t *def, const fields *fl,
                        mcp_error_t *err)
{
    const json_t *size = json_object_get(def, "size");
    bool tmpl = it->kind == MCP__TEMPLATE;
    return mcp_server_add_resource(
        m->srv,
        &(mcp_resource_t){.uri = tmpl ? NULL : exp,
                          .uri_template = tmpl ? exp : NULL,
                          .name = str(def, "name") ? str(def, "name") : it->orig,
                          .title = fl->title,
                          .description = fl->description,
                          .mime_type = str(def, "mimeType"),
                          .handler = resource_handler,
                          .userdata = it,
                          .free_userdata = item_free,
                          .annotations = fl->annotations,
                          .icons = fl->icons,
                          .meta = fl->meta,
                          .size = json_is_integer(size) ? json_integer_value(size) : 0,
                          .scopes = fl->scopes,
                          .complete = tmpl ? complete_handler : NULL},
        err);
}

/* Register one definition of the mounted server's, of any kind, as `exp`. */
static int add_item(mount *m, mcp__kind kind, const char *exp, const json_t *def)
{
    const char *key = str(def, kinds[kind].key_field);
    item *it = malloc(sizeof *it + strlen(key) + 1);
    /* An in-process server's required scopes are kept here: its own session (the mount's
     * client) has no authorization, so without them anyone could call through the mount what
     * the mounted server reserves to some principals. Lists do not carry .scopes, so a STDIO or
     * remote server's are its own business (it checks the mount's credentials). */
    mcp_server_t *inner = mcp__client_memory_server(m->client);
    const mcp__item *src = inner ? mcp__registry_get(&inner->reg, kind, key) : NULL;
    fields fl = {.title = str(def, "title"),
                 .description = str(def, "description"),
                 .scopes = src ? src->scopes : NULL,
                 .annotations = dump(json_object_get(def, "annotations")),
                 .icons = dump(json_object_get(def, "icons")),
                 .meta = dump(json_object_get(def, "_meta"))};
    mcp_error_t err = {0};
    int rc = MCP_ENOMEM;
    if (it) {
        it->m = m;
        it->kind = kind;
        strcpy(it->orig, key);
        rc = kinds[kind].add(m, it, exp, def, &fl, &err);
    }
    free(fl.annotations);
    free(fl.icons);
    free(fl.meta);
    if (rc != MCP_OK) {
        free(it);
        mcp_server_log(m->srv, MCP_LOG_WARNING, "mount: skipping %s '%s': %s",
                       kinds[kind].list_field, key, err.text[0] ? err.text : mcp_strerror(rc));
        return rc;
    }
    m->refs++; /* the item's reference, dropped by item_free */
    return MCP_OK;
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
        key = str(def, kinds[kind].key_field);
        if (!key || !(exp = exposed(m, kind, key)))
            continue;
        json_object_set(want, exp, def);
        free(exp);
    }
    json_object_foreach_safe(m->names[kind], tmp, name, def)
    {
        const json_t *now = json_object_get(want, name);
        if (!now || !json_equal(now, def)) {
            kinds[kind].remove(m->srv, name);
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
        json_array_extend(l->all, json_object_get(o->result, kinds[l->kind].list_field));
    if (next && ++l->pages < 1000 && m->client &&
        mcp_client_request_new(c, kinds[l->kind].list_method, json_pack("{s:s}", "cursor", next),
                               NULL, on_page, l, NULL) == MCP_OK)
        return;
    if (o->status == MCP_OK)
        apply(m, l->kind, l->all);
    else if (o->status != MCP_ECANCELLED)
        mcp_server_log(m->srv, MCP_LOG_WARNING, "mount: %s failed: %s", kinds[l->kind].list_method,
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
    if (mcp_client_request_new(m->client, kinds[kind].list_method, NULL, NULL, on_page, l, NULL) !=
        MCP_OK) {
        m->syncing[kind] = 0;
        json_decref(l->all);
        free(l);
        mount_unref(m);
    }
}

/* ---- what the mounted server tells ------------------------------------------------------------
 */

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

/* With no link to a request (STDIO, legacy HTTP+SSE, the GET stream): the call in progress when
 * every call in progress is one session's, so a line can only reach the client that may have
 * caused it; NULL when calls of several sessions (or none) are in progress. */
static fwd *sole_call(mount *m)
{
    fwd *f, *pick = NULL;
    for (f = m->calls; f; f = f->next) {
        if (!f->call)
            continue;
        if (!pick)
            pick = f;
        else if (!f->call->sess || f->call->sess != pick->call->sess)
            return NULL;
    }
    return pick;
}

/* A log message of the mounted server. One the transport relates to a forwarded call
 * (mcp_client_notification_request()) goes to that call's real client only, and is dropped when
 * that call has none now (held for a retry, or ended); one related to no real client's call (the
 * mount's own requests, the server's own log, or a transport that does not tell) goes to the call
 * in progress when all of them are one session's (sole_call), else it is this server's log: to
 * every session whose level passes, never to a call of another session. */
static void on_log(mcp_client_t *c, mcp_log_level level, const char *logger, const json_t *data,
                   void *ud)
{
    mount *m = ud;
    mcp_client_request_t *r = mcp_client_notification_request(c);
    fwd *f = r ? fwd_of(m, r) : sole_call(m);
    if (f) {
        if (f->call)
            mcp_call_log_json_new(f->call, level, logger, json_deep_copy(data));
    } else {
        char *text = json_is_string(data) ? NULL : dump(data);
        mcp_server_log_clients(m->srv, level, logger, "%s",
                               text                      ? text
                               : json_string_value(data) ? json_string_value(data)
                                                         : "");
        free(text);
    }
}

/* ---- subscriptions: what the real clients subscribe to, subscribed on the mounted server ------
 *
 * 2025-era mounted server: resources/subscribe and resources/unsubscribe, URI by URI. 2026-07-28:
 * one subscriptions/listen request carries the list changes and the URIs; it is replaced when
 * the URIs change. Its notifications/resources/updated come back through on_note(). */

static void on_sub_done(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    mount *m = ud;
    (void)c;
    if (o->status != MCP_OK && o->status != MCP_ECANCELLED && m->client)
        mcp_server_log(m->srv, MCP_LOG_WARNING, "mount: a subscription failed: %s", o->message);
    mount_unref(m);
}

/* The 2026 listen request ended (replaced, the connection went, or the client was freed). */
static void on_listen_end(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    listener *l = ud;
    mount *m = l->m;
    (void)c;
    if (m->listen == l) {
        m->listen = NULL;
        if (o->status != MCP_OK && o->status != MCP_ECANCELLED && m->client)
            mcp_server_log(m->srv, MCP_LOG_WARNING,
                           "mount: the mounted server's changes are no longer followed: %s",
                           o->message);
    }
    free(l);
    mount_unref(m);
}

/* 2026-07-28 servers announce list changes and updates on a subscriptions/listen stream: open
 * one for the lists and m->subs, closing the one before. */
static void listen_changes(mount *m)
{
    json_t *want = json_pack("{s:b, s:b, s:b}", "toolsListChanged", 1, "promptsListChanged", 1,
                             "resourcesListChanged", 1);
    listener *old = m->listen, *l = calloc(1, sizeof *l);
    if (!want || !l) {
        json_decref(want);
        free(l);
        return;
    }
    if (json_object_size(m->subs)) {
        json_t *uris = json_array();
        const char *u;
        json_t *v;
        json_object_foreach(m->subs, u, v) json_array_append_new(uris, json_string(u));
        json_object_set_new(want, "resourceSubscriptions", uris);
    }
    l->m = m;
    m->refs++;
    m->listen = l;
    if (mcp_client_listen_new(m->client, json_pack("{s:o}", "notifications", want), on_listen_end,
                              l, &l->req) != MCP_OK) {
        m->listen = old;
        free(l);
        m->refs--;
        return;
    }
    if (old && old->req)
        mcp_client_cancel(m->client, old->req, "replaced");
}

static bool offers_subscribe(const mount *m)
{
    const json_t *res = json_object_get(mcp_client_server_capabilities(m->client), "resources");
    return json_is_true(json_object_get(res, "subscribe"));
}

/* The real clients' subscriptions changed (srv->on_subscribed): each mount subscribes to the URIs
 * of its own that someone here subscribes to, and drops the others. */
static void subscribed(mcp_server_t *srv)
{
    json_t *all = srv->mounts ? mcp__subscribed_uris(srv) : NULL;
    mount *m;
    for (m = srv->mounts ? srv->mounts->list : NULL; all && m; m = m->next) {
        json_t *want = json_object(), *v;
        const char *uri;
        void *tmp;
        bool changed = false;
        if (!want || !m->client || !offers_subscribe(m)) {
            json_decref(want);
            continue;
        }
        json_object_foreach(all, uri, v)
        {
            char *orig = serves_uri(m, uri) ? original_uri(m, uri) : NULL;
            if (orig)
                json_object_set_new(want, orig, json_true());
            free(orig);
        }
        json_object_foreach_safe(m->subs, tmp, uri, v)
        {
            if (json_object_get(want, uri))
                continue;
            changed = true;
            if (!mcp_client_is_stateless(m->client) &&
                mcp_client_unsubscribe(m->client, uri, on_sub_done, m) == MCP_OK)
                m->refs++;
            json_object_del(m->subs, uri);
        }
        json_object_foreach(want, uri, v)
        {
            if (json_object_get(m->subs, uri))
                continue;
            changed = true;
            if (!mcp_client_is_stateless(m->client) &&
                mcp_client_subscribe(m->client, uri, on_sub_done, m) == MCP_OK)
                m->refs++;
            json_object_set_new(m->subs, uri, json_true());
        }
        if (changed && mcp_client_is_stateless(m->client))
            listen_changes(m);
        json_decref(want);
    }
    json_decref(all);
}

/* ---- the mount's life ------------------------------------------------------------------------ */

static void on_timer_closed(uv_handle_t *h)
{
    mount_unref(h->data);
}

/* The server stopped serving or is being freed: the mounted servers' connections end. */
static void unserved(mcp_server_t *srv)
{
    struct mcp__mounts *ms = srv->mounts;
    srv->mounts = NULL;
    srv->on_unserved = NULL;
    srv->on_subscribed = NULL;
    while (ms && ms->list) {
        mount *m = ms->list;
        mcp_client_t *c = m->client;
        ms->list = m->next;
        m->client = NULL;
        if (c) {
            mcp_client_on_closed(c, NULL, NULL); /* the application's callback: not any more */
            mcp_client_free(c);                  /* calls in flight complete (cancelled) inside */
        }
        if (m->timer_on) {
            m->timer_on = false;
            uv_close((uv_handle_t *)&m->timer, on_timer_closed);
        }
        mount_unref(m); /* the list's reference */
    }
    free(ms);
}

static void handlers(mcp_client_t *client, mount *m)
{
    mcp_client_on_notification(client, m ? on_note : NULL, m);
    mcp_client_on_log(client, m ? on_log : NULL, m);
    mcp_client_on_ask(client, MCP_CLIENT_ASK_SAMPLING, m ? on_ask : NULL, m);
    mcp_client_on_ask(client, MCP_CLIENT_ASK_ELICITATION, m ? on_ask : NULL, m);
    mcp_client_on_ask(client, MCP_CLIENT_ASK_ELICIT_URL, m ? on_ask : NULL, m);
    mcp_client_on_ask(client, MCP_CLIENT_ASK_ROOTS, m ? on_ask : NULL, m);
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
    if (!(m = calloc(1, sizeof *m)) || !(m->prefix = strdup(prefix ? prefix : "")) ||
        !(m->subs = json_object())) {
        if (m)
            free(m->prefix);
        free(m);
        return mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    m->refs = 1;
    m->srv = srv;
    m->client = client;
    for (k = 0; k < MCP__KINDS; k++)
        m->names[k] = json_object();
    handlers(client, m);
    rc = mcp_client_initialize_sync(client, NULL, &ce);
    caps = mcp_client_server_capabilities(client);
    for (k = 0; rc == MCP_OK && k < MCP__KINDS; k++) {
        json_t *defs = NULL;
        if (!json_object_get(caps, kinds[k].cap))
            continue;
        rc = kinds[k].list_sync(client, &defs, &ce);
        if (rc == MCP_OK)
            apply(m, (mcp__kind)k, defs);
        json_decref(defs);
    }
    if (rc != MCP_OK) {
        for (k = 0; k < MCP__KINDS; k++) /* what was registered goes again */
            apply(m, (mcp__kind)k, NULL);
        handlers(client, NULL);
        m->client = NULL; /* the caller keeps it */
        mount_unref(m);
        return mcp__error_set(err, rc, "mounting failed: %s", ce.text);
    }
    if (mcp_client_is_stateless(client))
        listen_changes(m);
    m->next = srv->mounts->list;
    srv->mounts->list = m;
    srv->on_unserved = unserved;
    srv->on_subscribed = subscribed;
    subscribed(srv); /* what was subscribed before this mount */
    return MCP_OK;
}
