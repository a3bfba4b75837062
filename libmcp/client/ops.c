/*
 * The protocol's requests as functions, and their blocking forms.
 *
 * Each builds its params and goes through mcp__client_start() with the era negotiated. The
 * blocking forms run the client's loop one iteration at a time until their request completes;
 * the list forms follow nextCursor page by page (bounded: at most MAX_PAGES pages, and a cursor
 * that repeats ends the walk with MCP_EPARSE).
 */
#include "client/client.h"

#define MAX_PAGES 10000

static int start(mcp_client_t *c, const char *method, json_t *params,
                 const mcp_client_call_opts_t *opts, const char *name, mcp_client_result_fn cb,
                 void *ud, mcp_client_request_t **req)
{
    if (!c) {
        json_decref(params);
        return MCP_EINVAL;
    }
    if (!c->initialized) {
        json_decref(params);
        return MCP_ESTATE;
    }
    return mcp__client_start(c, method, params, opts, name, c->era, NULL, cb, ud, req);
}

int mcp_client_request_new(mcp_client_t *c, const char *method, json_t *params,
                           const mcp_client_call_opts_t *opts, mcp_client_result_fn cb,
                           void *userdata, mcp_client_request_t **req)
{
    return start(c, method, params, opts, NULL, cb, userdata, req);
}

int mcp_client_notify_new(mcp_client_t *c, const char *method, json_t *params)
{
    if (!c || !method) {
        json_decref(params);
        return MCP_EINVAL;
    }
    if (c->era == MCP__CERA_2026) {
        json_t *meta = mcp__client_meta_envelope(c);
        if (!params)
            params = json_object();
        if (json_is_object(params) && meta && !json_object_get(params, "_meta"))
            json_object_set_new(params, "_meta", meta);
        else
            json_decref(meta);
    }
    return mcp__client_send_notification(c, method, params);
}

static json_t *cursor_params(const char *cursor)
{
    return cursor ? json_pack("{ss}", "cursor", cursor) : NULL;
}

static json_t *one_string(const char *key, const char *value)
{
    return value ? json_pack("{ss}", key, value) : NULL;
}

/* ping: 2025 sessions have it; a 2026 server is asked server/discover, its liveness check */
int mcp_client_ping(mcp_client_t *c, mcp_client_result_fn cb, void *userdata)
{
    if (c && c->era == MCP__CERA_2026)
        return start(c, "server/discover", NULL, NULL, NULL, cb, userdata, NULL);
    return start(c, "ping", NULL, NULL, NULL, cb, userdata, NULL);
}

int mcp_client_list_tools(mcp_client_t *c, const char *cursor, mcp_client_result_fn cb,
                          void *userdata)
{
    return start(c, "tools/list", cursor_params(cursor), NULL, NULL, cb, userdata, NULL);
}

int mcp_client_call_tool_new(mcp_client_t *c, const char *name, json_t *arguments,
                             const mcp_client_call_opts_t *opts, mcp_client_result_fn cb,
                             void *userdata, mcp_client_request_t **req)
{
    json_t *p;
    if (!name || (arguments && !json_is_object(arguments))) {
        json_decref(arguments);
        return MCP_EINVAL;
    }
    p = json_object();
    if (!p) {
        json_decref(arguments);
        return MCP_ENOMEM;
    }
    json_object_set_new(p, "name", json_string(name));
    json_object_set_new(p, "arguments", arguments ? arguments : json_object());
    return start(c, "tools/call", p, opts, name, cb, userdata, req);
}

int mcp_client_list_resources(mcp_client_t *c, const char *cursor, mcp_client_result_fn cb,
                              void *userdata)
{
    return start(c, "resources/list", cursor_params(cursor), NULL, NULL, cb, userdata, NULL);
}

int mcp_client_list_resource_templates(mcp_client_t *c, const char *cursor, mcp_client_result_fn cb,
                                       void *userdata)
{
    return start(c, "resources/templates/list", cursor_params(cursor), NULL, NULL, cb, userdata,
                 NULL);
}

int mcp_client_read_resource(mcp_client_t *c, const char *uri, mcp_client_result_fn cb,
                             void *userdata)
{
    if (!uri)
        return MCP_EINVAL;
    return start(c, "resources/read", one_string("uri", uri), NULL, uri, cb, userdata, NULL);
}

int mcp_client_subscribe(mcp_client_t *c, const char *uri, mcp_client_result_fn cb, void *userdata)
{
    if (!uri)
        return MCP_EINVAL;
    return start(c, "resources/subscribe", one_string("uri", uri), NULL, uri, cb, userdata, NULL);
}

int mcp_client_unsubscribe(mcp_client_t *c, const char *uri, mcp_client_result_fn cb,
                           void *userdata)
{
    if (!uri)
        return MCP_EINVAL;
    return start(c, "resources/unsubscribe", one_string("uri", uri), NULL, uri, cb, userdata, NULL);
}

int mcp_client_listen_new(mcp_client_t *c, json_t *params, mcp_client_result_fn cb, void *userdata,
                          mcp_client_request_t **req)
{
    return start(c, "subscriptions/listen", params ? params : json_object(), NULL, NULL, cb,
                 userdata, req);
}

int mcp_client_list_prompts(mcp_client_t *c, const char *cursor, mcp_client_result_fn cb,
                            void *userdata)
{
    return start(c, "prompts/list", cursor_params(cursor), NULL, NULL, cb, userdata, NULL);
}

int mcp_client_get_prompt_new(mcp_client_t *c, const char *name, json_t *arguments,
                              mcp_client_result_fn cb, void *userdata)
{
    json_t *p;
    if (!name || (arguments && !json_is_object(arguments))) {
        json_decref(arguments);
        return MCP_EINVAL;
    }
    p = json_pack("{ss}", "name", name);
    if (!p) {
        json_decref(arguments);
        return MCP_ENOMEM;
    }
    if (arguments)
        json_object_set_new(p, "arguments", arguments);
    return start(c, "prompts/get", p, NULL, name, cb, userdata, NULL);
}

int mcp_client_complete_new(mcp_client_t *c, const char *ref_type, const char *ref_name,
                            const char *arg_name, const char *arg_value, json_t *context,
                            mcp_client_result_fn cb, void *userdata)
{
    json_t *p, *ref;
    bool prompt;
    if (!ref_type || !ref_name || !arg_name || !arg_value ||
        (strcmp(ref_type, "prompt") != 0 && strcmp(ref_type, "resource") != 0) ||
        (context && !json_is_object(context))) {
        json_decref(context);
        return MCP_EINVAL;
    }
    prompt = strcmp(ref_type, "prompt") == 0;
    ref = prompt ? json_pack("{ssss}", "type", "ref/prompt", "name", ref_name)
                 : json_pack("{ssss}", "type", "ref/resource", "uri", ref_name);
    p = json_pack("{s:o,s:{s:s,s:s}}", "ref", ref, "argument", "name", arg_name, "value",
                  arg_value);
    if (!p) {
        json_decref(context);
        return MCP_ENOMEM;
    }
    if (context)
        json_object_set_new(p, "context", context);
    return start(c, "completion/complete", p, NULL, NULL, cb, userdata, NULL);
}

/* 2026: the level rides in _meta; answer at once through an idle-free path: a completed
 * request needs no server, so the callback runs now. */
int mcp_client_set_log_level(mcp_client_t *c, mcp_log_level level, mcp_client_result_fn cb,
                             void *userdata)
{
    if (!c || !cb || (int)level < MCP_LOG_DEBUG || level > MCP_LOG_EMERGENCY)
        return MCP_EINVAL;
    if (!c->initialized)
        return MCP_ESTATE;
    c->log_level = (int)level;
    if (c->era == MCP__CERA_2026) {
        mcp_client_outcome_t o;
        json_t *empty = json_object();
        memset(&o, 0, sizeof o);
        o.status = MCP_OK;
        o.result = empty;
        o.message = "ok";
        cb(c, &o, userdata);
        json_decref(empty);
        return MCP_OK;
    }
    return start(c, "logging/setLevel", json_pack("{ss}", "level", mcp_log_level_name(level)), NULL,
                 NULL, cb, userdata, NULL);
}

int mcp_client_task_get(mcp_client_t *c, const char *task_id, mcp_client_result_fn cb,
                        void *userdata)
{
    if (!task_id)
        return MCP_EINVAL;
    return start(c, "tasks/get", one_string("taskId", task_id), NULL, NULL, cb, userdata, NULL);
}

int mcp_client_task_result(mcp_client_t *c, const char *task_id, mcp_client_result_fn cb,
                           void *userdata)
{
    if (!task_id)
        return MCP_EINVAL;
    return start(c, "tasks/result", one_string("taskId", task_id), NULL, NULL, cb, userdata, NULL);
}

int mcp_client_task_cancel(mcp_client_t *c, const char *task_id, mcp_client_result_fn cb,
                           void *userdata)
{
    if (!task_id)
        return MCP_EINVAL;
    return start(c, "tasks/cancel", one_string("taskId", task_id), NULL, NULL, cb, userdata, NULL);
}

int mcp_client_task_update_new(mcp_client_t *c, const char *task_id, json_t *input_responses,
                               mcp_client_result_fn cb, void *userdata)
{
    json_t *p;
    if (!task_id || !json_is_object(input_responses)) {
        json_decref(input_responses);
        return MCP_EINVAL;
    }
    p = json_pack("{s:s,s:o}", "taskId", task_id, "inputResponses", input_responses);
    if (!p)
        return MCP_ENOMEM;
    return start(c, "tasks/update", p, NULL, NULL, cb, userdata, NULL);
}

/* ---- blocking forms ----------------------------------------------------------------------------
 */

typedef mcp__csync sync_state;

void mcp__client_sync_cb(mcp_client_t *c, const mcp_client_outcome_t *o, void *ud)
{
    sync_state *s = ud;
    (void)c;
    s->status = o->status;
    s->result = o->status == MCP_OK ? json_incref((json_t *)o->result) : NULL;
    s->err.status = o->status;
    s->err.code = o->code;
    snprintf(s->err.text, sizeof s->err.text, "%s", o->message);
    s->done = 1;
}

static void deadline_passed(uv_timer_t *t)
{
    *(int *)t->data = 1;
}

int mcp_client_run_until(mcp_client_t *c, const volatile int *done, unsigned timeout_ms)
{
    uv_timer_t timer; /* wakes the loop at the deadline */
    int expired = 0, rc = MCP_OK;
    if (!c || !done)
        return MCP_EINVAL;
    if (timeout_ms) {
        uv_timer_init(c->loop, &timer);
        timer.data = &expired;
        uv_timer_start(&timer, deadline_passed, timeout_ms, 0);
    }
    while (!*done) {
        if (c->closed) {
            rc = MCP_EIO;
            break;
        }
        if (expired) {
            rc = MCP_ETIMEDOUT;
            break;
        }
        if (uv_run(c->loop, UV_RUN_ONCE) == 0 && !*done && !expired) {
            rc = c->closed ? MCP_EIO : MCP_ESTATE; /* nothing left that could finish it */
            break;
        }
    }
    if (*done)
        rc = MCP_OK;
    if (timeout_ms) {
        uv_close((uv_handle_t *)&timer, NULL);
        uv_run(c->loop, UV_RUN_NOWAIT); /* the close completes before `timer` goes away */
    }
    return rc;
}

/* Wait for a request started with sync_cb; fill the caller's outputs. */
int mcp__client_sync_wait(mcp_client_t *c, int rc, sync_state *s, json_t **result,
                          mcp_client_error_t *err)
{
    if (result)
        *result = NULL;
    if (rc == MCP_OK) {
        /* Requests always complete (their timeout, the connection's end); run until then. */
        while (!s->done)
            if (uv_run(c->loop, UV_RUN_ONCE) == 0 && !s->done) {
                s->status = MCP_ESTATE;
                s->err.status = MCP_ESTATE;
                snprintf(s->err.text, sizeof s->err.text, "the loop ran dry");
                break;
            }
        rc = s->status;
    } else {
        s->err.status = rc;
        snprintf(s->err.text, sizeof s->err.text, "%s%s%.200s", mcp_strerror(rc),
                 c && c->last_error[0] ? ": " : "", c ? c->last_error : "");
    }
    if (err)
        *err = s->err;
    if (result && rc == MCP_OK)
        *result = s->result;
    else
        json_decref(s->result);
    return rc;
}

int mcp_client_initialize_sync(mcp_client_t *c, json_t **result, mcp_client_error_t *err)
{
    sync_state s;
    memset(&s, 0, sizeof s);
    return mcp__client_sync_wait(c, mcp_client_initialize(c, mcp__client_sync_cb, &s), &s, result,
                                 err);
}

int mcp_client_request_sync(mcp_client_t *c, const char *method, json_t *params, json_t **result,
                            mcp_client_error_t *err)
{
    sync_state s;
    memset(&s, 0, sizeof s);
    return mcp__client_sync_wait(
        c, mcp_client_request_new(c, method, params, NULL, mcp__client_sync_cb, &s, NULL), &s,
        result, err);
}

int mcp_client_call_tool_sync(mcp_client_t *c, const char *name, json_t *arguments, json_t **result,
                              mcp_client_error_t *err)
{
    sync_state s;
    memset(&s, 0, sizeof s);
    return mcp__client_sync_wait(
        c, mcp_client_call_tool_new(c, name, arguments, NULL, mcp__client_sync_cb, &s, NULL), &s,
        result, err);
}

int mcp_client_read_resource_sync(mcp_client_t *c, const char *uri, json_t **result,
                                  mcp_client_error_t *err)
{
    sync_state s;
    memset(&s, 0, sizeof s);
    return mcp__client_sync_wait(c, mcp_client_read_resource(c, uri, mcp__client_sync_cb, &s), &s,
                                 result, err);
}

int mcp_client_get_prompt_sync(mcp_client_t *c, const char *name, json_t *arguments,
                               json_t **result, mcp_client_error_t *err)
{
    sync_state s;
    memset(&s, 0, sizeof s);
    return mcp__client_sync_wait(
        c, mcp_client_get_prompt_new(c, name, arguments, mcp__client_sync_cb, &s), &s, result, err);
}

/* Every page of a list method, concatenated. */
int mcp__client_list_all(mcp_client_t *c, const char *method, const char *key, json_t **items,
                         mcp_client_error_t *err)
{
    json_t *all = json_array(), *page = NULL;
    char *cursor = NULL;
    int rc = MCP_OK, n;
    if (items)
        *items = NULL;
    if (!all)
        return MCP_ENOMEM;
    for (n = 0; n < MAX_PAGES; n++) {
        const json_t *next, *arr;
        rc = mcp_client_request_sync(c, method, cursor_params(cursor), &page, err);
        if (rc != MCP_OK)
            break;
        arr = json_object_get(page, key);
        if (!json_is_array(arr)) {
            rc = MCP_EPARSE;
            if (err) {
                err->status = rc;
                err->code = 0;
                snprintf(err->text, sizeof err->text, "the %s result has no \"%s\" array", method,
                         key);
            }
            break;
        }
        json_array_extend(all, (json_t *)arr);
        next = json_object_get(page, "nextCursor");
        if (!json_is_string(next) || !*json_string_value(next))
            break;
        if (cursor && strcmp(cursor, json_string_value(next)) == 0) {
            rc = MCP_EPARSE;
            if (err) {
                err->status = rc;
                err->code = 0;
                snprintf(err->text, sizeof err->text, "the server repeated cursor \"%.100s\"",
                         cursor);
            }
            break;
        }
        free(cursor);
        cursor = strdup(json_string_value(next));
        json_decref(page);
        page = NULL;
        if (!cursor) {
            rc = MCP_ENOMEM;
            break;
        }
    }
    json_decref(page);
    free(cursor);
    if (rc == MCP_OK && items)
        *items = all;
    else
        json_decref(all);
    return rc;
}

int mcp_client_list_tools_sync(mcp_client_t *c, json_t **tools, mcp_client_error_t *err)
{
    return mcp__client_list_all(c, "tools/list", "tools", tools, err);
}

int mcp_client_list_resources_sync(mcp_client_t *c, json_t **resources, mcp_client_error_t *err)
{
    return mcp__client_list_all(c, "resources/list", "resources", resources, err);
}

int mcp_client_list_resource_templates_sync(mcp_client_t *c, json_t **templates,
                                            mcp_client_error_t *err)
{
    return mcp__client_list_all(c, "resources/templates/list", "resourceTemplates", templates, err);
}

int mcp_client_list_prompts_sync(mcp_client_t *c, json_t **prompts, mcp_client_error_t *err)
{
    return mcp__client_list_all(c, "prompts/list", "prompts", prompts, err);
}

/* ---- reading results ---------------------------------------------------------------------------
 */

const char *mcp_client_result_text(const json_t *result)
{
    const json_t *content = json_object_get(result, "content");
    size_t i;
    for (i = 0; i < json_array_size(content); i++) {
        const json_t *b = json_array_get(content, i);
        const json_t *t = json_object_get(b, "type");
        if (json_is_string(t) && strcmp(json_string_value(t), "text") == 0 &&
            json_is_string(json_object_get(b, "text")))
            return json_string_value(json_object_get(b, "text"));
    }
    return NULL;
}

int mcp_client_result_is_error(const json_t *result)
{
    return json_is_true(json_object_get(result, "isError"));
}
