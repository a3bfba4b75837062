/*
 * notes: a plugin with state, JSON configuration, an asynchronous tool, a resource and a prompt.
 *
 * Configuration (the "notes" entry of mcp-host's --config file), every key optional:
 *   { "max_notes": 100,            maximum number of notes kept (integer >= 1)
 *     "notes": ["first", "..."] }  notes present at start
 * A configuration that does not fit makes init() fail, and mcp-host refuses to start.
 *
 *   build/bin/mcp-host --plugin build/plugins/notes.so --config notes.json
 *
 * All handlers here run on the loop thread (no MCP_TOOL_BLOCKING), so the state needs no lock.
 */
/* libuv's header needs POSIX types: under plain -std=c11 ask for them before any #include. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <mcp_plugin.h>
#include <uv.h>

#include <stdlib.h>
#include <string.h>

typedef struct notes {
    char **items;
    size_t count, max;
} notes_t;

static char *copy(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

static int add(notes_t *st, const char *text)
{
    char *c;
    if (st->count == st->max)
        return MCP_ELIMIT;
    if (!(c = copy(text)))
        return MCP_ENOMEM;
    st->items[st->count++] = c;
    return MCP_OK;
}

static int add_note(mcp_call_t *call, const json_t *args, void *ud)
{
    notes_t *st = ud;
    int rc = add(st, json_string_value(json_object_get(args, "text")));
    if (rc == MCP_ELIMIT)
        return mcp_call_tool_error(call, "The notebook is full (%zu notes)", st->max);
    if (rc != MCP_OK)
        return rc;
    return mcp_call_text(call, "Saved note %zu of at most %zu", st->count, st->max);
}

static int list_notes(mcp_call_t *call, const json_t *args, void *ud)
{
    notes_t *st = ud;
    json_t *arr = json_array();
    size_t i;
    (void)args;
    if (!arr)
        return MCP_ENOMEM;
    for (i = 0; i < st->count; i++)
        json_array_append_new(arr, json_string(st->items[i]));
    return mcp_call_structured_new(call, json_pack("{s:o}", "notes", arr));
}

static int search(mcp_call_t *call, const json_t *args, void *ud)
{
    notes_t *st = ud;
    const char *q = json_string_value(json_object_get(args, "query"));
    size_t i, found = 0;
    for (i = 0; i < st->count; i++)
        if (strstr(st->items[i], q)) {
            mcp_call_text(call, "%zu: %s", i + 1, st->items[i]);
            found++;
        }
    if (!found)
        return mcp_call_text(call, "no note contains '%s'", q);
    return MCP_OK;
}

/* ---- an asynchronous tool: answers after a timer on the server's loop ---------------------- */

typedef struct later {
    uv_timer_t timer;
    mcp_call_t *call;
    notes_t *st;
} later_t;

static void later_closed(uv_handle_t *h)
{
    free(h->data);
}

static void later_fire(uv_timer_t *t)
{
    later_t *l = t->data;
    mcp_call_text(l->call, "%zu notes", l->st->count);
    mcp_call_complete(l->call);
    uv_close((uv_handle_t *)&l->timer, later_closed);
}

static void later_cancel(mcp_call_t *call, void *ud)
{
    later_t *l = ud;
    uv_timer_stop(&l->timer);
    mcp_call_tool_error(call, "cancelled");
    mcp_call_complete(call); /* the reply is dropped, as the protocol asks */
    uv_close((uv_handle_t *)&l->timer, later_closed);
}

static int count_later(mcp_call_t *call, const json_t *args, void *ud)
{
    json_int_t delay = json_integer_value(json_object_get(args, "delay_ms"));
    uv_loop_t *loop = mcp_server_loop(mcp_call_server(call));
    later_t *l = calloc(1, sizeof *l);

    if (!l || !loop) {
        free(l);
        return MCP_ENOMEM;
    }
    l->call = call;
    l->st = ud;
    uv_timer_init(loop, &l->timer);
    l->timer.data = l;
    uv_timer_start(&l->timer, later_fire, (uint64_t)delay, 0);
    mcp_call_on_cancel(call, later_cancel, l);
    return MCP_PENDING;
}

/* ---- a resource and a prompt -------------------------------------------------------------- */

static int read_all(mcp_call_t *call, const char *uri, const json_t *vars, void *ud)
{
    notes_t *st = ud;
    size_t i, len = 0;
    char *text, *p;
    int rc;
    (void)vars;
    for (i = 0; i < st->count; i++)
        len += strlen(st->items[i]) + 1;
    if (!(text = p = malloc(len + 1)))
        return MCP_ENOMEM;
    for (i = 0; i < st->count; i++) {
        size_t n = strlen(st->items[i]);
        memcpy(p, st->items[i], n);
        p[n] = '\n';
        p += n + 1;
    }
    *p = '\0';
    rc = mcp_call_resource_text(call, uri, "text/plain", text);
    free(text);
    return rc;
}

static int review(mcp_call_t *call, const json_t *args, void *ud)
{
    notes_t *st = ud;
    const char *focus = json_string_value(json_object_get(args, "focus"));
    return mcp_call_prompt_text(call, "user", "Review my %zu notes (resource notes://all)%s%s.",
                                st->count, focus ? ", focusing on " : "", focus ? focus : "");
}

/* ---- lifecycle ---------------------------------------------------------------------------- */

static void shutdown_notes(void *state)
{
    notes_t *st = state;
    size_t i;
    if (!st)
        return;
    for (i = 0; i < st->count; i++)
        free(st->items[i]);
    free(st->items);
    free(st);
}

static int init(mcp_plugin_ctx_t *ctx, const json_t *config, void **state)
{
    const json_t *max = json_object_get(config, "max_notes");
    const json_t *initial = json_object_get(config, "notes");
    const json_t *v;
    notes_t *st;
    size_t i;
    int rc = MCP_OK;

    if (max &&
        (!json_is_integer(max) || json_integer_value(max) < 1 || json_integer_value(max) > 1000000))
        return mcp_plugin_fail(ctx, MCP_EINVAL,
                               "config \"max_notes\" must be an integer from 1 "
                               "to 1000000");
    if (initial && !json_is_array(initial))
        return mcp_plugin_fail(ctx, MCP_EINVAL, "config \"notes\" must be an array of strings");
    if (!(st = calloc(1, sizeof *st)))
        return MCP_ENOMEM;
    st->max = max ? (size_t)json_integer_value(max) : 100;
    if (!(st->items = calloc(st->max, sizeof *st->items))) {
        free(st);
        return MCP_ENOMEM;
    }
    json_array_foreach(initial, i, v)
    {
        if (!json_is_string(v))
            rc = mcp_plugin_fail(ctx, MCP_EINVAL, "config \"notes\"[%zu] is not a string", i);
        else if ((rc = add(st, json_string_value(v))) == MCP_ELIMIT)
            rc = mcp_plugin_fail(ctx, MCP_ELIMIT,
                                 "config \"notes\" has more than max_notes "
                                 "(%zu) entries",
                                 st->max);
        if (rc != MCP_OK) {
            shutdown_notes(st);
            return rc;
        }
    }

#define TRY(x)                                                               \
    do {                                                                     \
        if ((rc = (x)) != MCP_OK) {                                          \
            shutdown_notes(st); /* the loader removes what was registered */ \
            return rc;                                                       \
        }                                                                    \
    } while (0)
    TRY(mcp_plugin_add_tool(
        ctx,
        &(mcp_tool_t){.name = "add_note",
                      .description = "Save a note",
                      .input_schema = "text: string minLength=1 'The note'",
                      .handler = add_note,
                      .userdata = st,
                      .flags = MCP_TOOL_NOT_DESTRUCTIVE | MCP_TOOL_CLOSED_WORLD},
        NULL));
    TRY(mcp_plugin_add_tool(ctx,
                            &(mcp_tool_t){.name = "list_notes",
                                          .description = "All notes, oldest first",
                                          .output_schema = "notes: string[]",
                                          .handler = list_notes,
                                          .userdata = st,
                                          .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_CLOSED_WORLD},
                            NULL));
    TRY(mcp_plugin_add_tool(ctx,
                            &(mcp_tool_t){.name = "search",
                                          .description = "Notes containing a substring",
                                          .input_schema = "query: string 'Substring to look for'",
                                          .handler = search,
                                          .userdata = st,
                                          .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_CLOSED_WORLD},
                            NULL));
    TRY(mcp_plugin_add_tool(
        ctx,
        &(mcp_tool_t){.name = "count_later",
                      .description =
                          "Count the notes after a delay (an asynchronous tool; cancellable)",
                      .input_schema = "delay_ms: integer min=0 max=10000 'How long to wait'",
                      .handler = count_later,
                      .userdata = st,
                      .flags = MCP_TOOL_READ_ONLY | MCP_TOOL_CLOSED_WORLD},
        NULL));
    TRY(mcp_plugin_add_resource(ctx,
                                &(mcp_resource_t){.uri = "notes://all",
                                                  .name = "all-notes",
                                                  .description = "Every note, one per line",
                                                  .mime_type = "text/plain",
                                                  .handler = read_all,
                                                  .userdata = st},
                                NULL));
    TRY(mcp_plugin_add_prompt(ctx,
                              &(mcp_prompt_t){.name = "review_notes",
                                              .description = "Ask the model to review the notes",
                                              .arguments = "focus? 'What to focus on'",
                                              .handler = review,
                                              .userdata = st},
                              NULL));
#undef TRY
    *state = st;
    return MCP_OK;
}

MCP_PLUGIN("notes", "1.0.0", "A notebook: add, list and search notes", init, shutdown_notes)
