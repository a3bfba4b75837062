/*
 * The Streamable HTTP client transport, both eras (mcp__client_http_connect).
 *
 * Every message is one POST (an "exchange"). Its answer is JSON or an SSE stream that may carry
 * progress, logs and questions before the response; 202 for notifications and responses.
 * - 2026-07-28: stateless; each POST carries MCP-Protocol-Version, Mcp-Method and Mcp-Name
 *   (Base64-encoded in the `=?base64?...?=` form when not plain visible ASCII).
 * - 2025 era: `initialize` opens a session (Mcp-Session-Id, sent on every later request and
 *   with MCP-Protocol-Version), a standalone GET stream brings what the server sends unasked,
 *   a stream cut before its response is resumed with GET + Last-Event-ID after the server's
 *   `retry` delay (bounded attempts), and closing DELETEs the session.
 * Every request the core sent completes exactly once: by its response, by a JSON-RPC error the
 * server sent with the HTTP error, or by mcp__client_fail_request with what went wrong (status,
 * content type, a stream cut, a body over the message limit, a dead server).
 */
#include "client/http.h"

#include <strings.h>

#define RESUME_ATTEMPTS   3     /* a POST stream cut before its response */
#define GET_FAILURES_MAX  5     /* the standalone stream gives up after this many in a row */
#define RETRY_DEFAULT_MS  1000  /* SSE reconnection delay when the server named none */
#define RETRY_MAX_MS      30000 /* a server's `retry` is honoured up to this */
#define DELETE_TIMEOUT_MS 2000  /* closing a session does not hang on a dead server */
#define NOTIFY_TIMEOUT_MS 30000 /* a notification's or response's POST, answered 202 */
#define ERROR_BODY_MAX    (64u * 1024u) /* what is kept of a GET's error body */
#define AUTH_ROUNDS_MAX   3 /* authorizations one request may wait for (401, then step-ups) */

typedef struct chttp chttp;

typedef enum xkind { X_POST, X_GET, X_RESUME, X_DELETE } xkind;

typedef struct exch {
    chttp *t;
    mcp__curl_req *req;
    xkind kind;
    json_int_t id;   /* the request whose answer this exchange carries; 0 for none */
    bool initialize; /* the 2025 initialize: its answer names the session */
    bool tools_list; /* tools/list: its tools' x-mcp-header annotations are read */
    bool answered;   /* the response for `id` arrived */
    bool released;   /* the core is done with `id`: report nothing more */
    bool sse;        /* the body is an event stream */
    bool waiting;    /* on t->resume_wait, between a cut stream and its resumption */
    long status;
    char *body; /* a JSON body, gathered */
    size_t len, cap;
    mcp__sse parser;
    int resumes;  /* GET + Last-Event-ID attempts so far (X_RESUME carries them on) */
    uint64_t due; /* waiting to resume: loop time (ms) of the attempt */
    int fail;     /* a failure found while receiving: status for the core */
    char why[200];
    /* authorization (mcp_client_set_oauth): what is needed to send the POST again */
    json_t *msg;     /* the message (owned) */
    mcp__csend info; /* its send info; the strings below are owned copies */
    char *i_method, *i_name, *i_protocol;
    unsigned gen;     /* the token generation it was sent with */
    int auth_rounds;  /* authorizations waited for */
    long auth_status; /* 401 or 403 answered: an authorization matter */
    char *www;        /* that answer's WWW-Authenticate */
    char *dpop_nonce; /* and its DPoP-Nonce (a DPoP-bound token's server wants it in the proof) */
    bool parked;      /* on t->parked, waiting for the authorization */
    struct exch *prev, *next;
} exch;

struct chttp {
    mcp__ctransport base;
    mcp__curl *eng;
    char *url;
    char **headers; /* the caller's extra lines and the bearer token */
    char *ca_file;
    bool insecure;
    unsigned connect_timeout_ms;
    char *session;      /* Mcp-Session-Id (2025 era) */
    json_t *params_map; /* {tool: {argument: header name}} from x-mcp-header (2026) */
    char protocol[32];
    exch *list;
    exch *get;        /* the standalone GET stream, when open */
    uv_timer_t timer; /* reopening the GET stream, resuming POST streams */
    int get_failures;
    bool get_wanted;  /* 2025 session established: keep a GET stream */
    bool get_refused; /* the server answered the GET with 405: it offers none */
    char get_last_id[256];
    long get_retry_ms;
    uint64_t get_due;  /* loop time (ms) to reopen the GET stream; 0: not waiting */
    exch *resume_wait; /* exchanges waiting for the timer to resume (linked by next) */
    exch *parked;      /* POSTs waiting for an authorization (linked by next) */
    mcp__oauth *oauth; /* the client's, or NULL */
    bool closing, closed;
    bool gone; /* the client let go and the timer closed: free once no exchange is left */
    size_t max;
};

static void maybe_free(chttp *t);

/* ---- headers -------------------------------------------------------------------------------- */

/* "Name: value", the value Base64-encoded when it is not plain visible ASCII (2026 headers). */
static char *mirror_header(const char *name, const char *v)
{
    size_t i, n = strlen(v);
    bool plain = n > 0 && v[0] != ' ' && v[n - 1] != ' ';
    char *b64, *line;
    for (i = 0; plain && i < n; i++)
        plain = (unsigned char)v[i] >= 0x20 && (unsigned char)v[i] < 0x7f;
    if (n == 0)
        return mcp__chttp_dupf("%s;", name); /* libcurl's form for a header with an empty value */
    if (plain)
        return mcp__chttp_dupf("%s: %s", name, v);
    if (!(b64 = mcp__base64_encode(v, n, false)))
        return NULL;
    line = mcp__chttp_dupf("%s: =?base64?%s?=", name, b64);
    free(b64);
    return line;
}

typedef struct hlist {
    char *v[48];
    size_t n;
    bool oom;
} hlist;

static void hadd(hlist *l, char *line)
{
    if (!line)
        l->oom = true;
    else if (l->n + 1 < sizeof l->v / sizeof l->v[0])
        l->v[l->n++] = line;
    else
        free(line);
}

static void hclear(hlist *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        free(l->v[i]);
    l->n = 0;
}

/* The headers of every exchange: the caller's, the session, the protocol version. */
static void base_headers(chttp *t, hlist *l, const char *protocol, const char *method)
{
    size_t i;
    for (i = 0; t->headers[i]; i++)
        hadd(l, strdup(t->headers[i]));
    if (t->session)
        hadd(l, mcp__chttp_dupf("Mcp-Session-Id: %s", t->session));
    if (protocol && protocol[0])
        hadd(l, mcp__chttp_dupf("MCP-Protocol-Version: %s", protocol));
    if (t->oauth) {
        char *proof = NULL, *auth = mcp__oauth_header(t->oauth, method, t->url, NULL, &proof);
        if (auth)
            hadd(l, auth);
        if (proof)
            hadd(l, proof);
    }
}

/* ---- exchanges ------------------------------------------------------------------------------ */

static void on_done(mcp__curl_req *r, const mcp__curl_result *res, void *ud);
static int on_headers(mcp__curl_req *r, long status, const char *ctype, void *ud);
static int on_body(mcp__curl_req *r, const char *data, size_t len, void *ud);

static exch *exch_new(chttp *t, xkind kind, json_int_t id)
{
    exch *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->t = t;
    x->kind = kind;
    x->id = id;
    mcp__sse_init(&x->parser, t->max);
    x->next = t->list;
    if (t->list)
        t->list->prev = x;
    t->list = x;
    return x;
}

/* Free an exchange that is on no list. */
static void exch_mem_free(exch *x)
{
    mcp__sse_free(&x->parser);
    free(x->body);
    json_decref(x->msg);
    free(x->i_method);
    free(x->i_name);
    free(x->i_protocol);
    free(x->www);
    free(x->dpop_nonce);
    free(x);
}

static void exch_free(exch *x)
{
    chttp *t = x->t;
    if (x->prev)
        x->prev->next = x->next;
    else if (t->list == x)
        t->list = x->next;
    if (x->next)
        x->next->prev = x->prev;
    if (t->get == x)
        t->get = NULL;
    exch_mem_free(x);
}

static int start(chttp *t, exch *x, const char *method, const char *const *headers,
                 const char *body, size_t len, unsigned timeout_ms)
{
    char why[200] = "";
    x->req = mcp__curl_start(t->eng,
                             &(mcp__curl_opts){.method = method,
                                               .url = t->url,
                                               .headers = headers,
                                               .body = body,
                                               .body_len = len,
                                               .timeout_ms = timeout_ms,
                                               .connect_timeout_ms = t->connect_timeout_ms,
                                               .ca_file = t->ca_file,
                                               .insecure = t->insecure,
                                               .on_headers = on_headers,
                                               .on_body = on_body,
                                               .on_done = on_done,
                                               .ud = x},
                             why, sizeof why);
    if (!x->req) {
        if (t->base.client)
            mcp__client_set_error(t->base.client, "HTTP request failed: %s", why);
        return MCP_EIO;
    }
    return MCP_OK;
}

/* Was `msg` the response to x->id? */
static bool answers(const exch *x, const json_t *msg)
{
    const json_t *id = json_object_get(msg, "id");
    return x->id && json_is_integer(id) && json_integer_value(id) == x->id &&
           !json_object_get(msg, "method") &&
           (json_object_get(msg, "result") || json_object_get(msg, "error"));
}

/* ---- x-mcp-header: tool arguments mirrored in Mcp-Param-{Name} headers (2026-07-28) ---------- */

/* A header name: an RFC 9110 token (visible ASCII, no separators). */
static bool token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
            strchr("\"(),/:;<=>?@[\\]{}", *s))
            return false;
    return true;
}

/* The {argument: header} map of one tool, NULL when it has none; *bad when an annotation is
 * invalid (empty, not a token, on a non-primitive or number property, duplicated). */
static json_t *tool_params(const json_t *tool, bool *bad)
{
    const json_t *props = json_object_get(json_object_get(tool, "inputSchema"), "properties");
    const char *key;
    json_t *prop, *map = NULL;
    *bad = false;
    json_object_foreach((json_t *)props, key, prop)
    {
        const json_t *h = json_object_get(prop, "x-mcp-header");
        const char *type = json_string_value(json_object_get(prop, "type"));
        const char *hk;
        json_t *hv;
        if (!h)
            continue;
        if (!json_is_string(h) || !token(json_string_value(h)) || !type ||
            (strcmp(type, "string") != 0 && strcmp(type, "integer") != 0 &&
             strcmp(type, "boolean") != 0)) {
            *bad = true;
            break;
        }
        json_object_foreach(map, hk, hv) if (strcasecmp(json_string_value(hv),
                                                        json_string_value(h)) == 0) *bad = true;
        if (*bad)
            break;
        if (!map)
            map = json_object();
        json_object_set(map, key, (json_t *)h);
    }
    if (*bad) {
        json_decref(map);
        return NULL;
    }
    return map;
}

/* A tools/list page: drop the tools whose annotations are invalid (a client MUST NOT call
 * them), remember the others' header maps. */
static void read_tools(chttp *t, json_t *msg)
{
    json_t *tools = json_object_get(json_object_get(msg, "result"), "tools");
    size_t i = 0;
    if (!json_is_array(tools))
        return;
    if (!t->params_map)
        t->params_map = json_object();
    while (i < json_array_size(tools)) {
        json_t *tool = json_array_get(tools, i);
        const char *name = json_string_value(json_object_get(tool, "name"));
        bool bad;
        json_t *map = tool_params(tool, &bad);
        if (bad) {
            json_array_remove(tools, i);
            continue;
        }
        if (name && map)
            json_object_set_new(t->params_map, name, map);
        else if (name)
            json_object_del(t->params_map, name);
        i++;
    }
}

/* Mcp-Param-{Name} headers for a tools/call's arguments (absent and null ones omitted). */
static void param_headers(chttp *t, hlist *h, const json_t *msg)
{
    const json_t *params = json_object_get(msg, "params");
    const json_t *args = json_object_get(params, "arguments");
    const json_t *map =
        json_object_get(t->params_map, json_string_value(json_object_get(params, "name")));
    const char *key;
    json_t *hname;
    json_object_foreach((json_t *)map, key, hname)
    {
        const json_t *v = json_object_get(args, key);
        char name[160], num[40];
        snprintf(name, sizeof name, "Mcp-Param-%s", json_string_value(hname));
        if (json_is_string(v))
            hadd(h, mirror_header(name, json_string_value(v)));
        else if (json_is_boolean(v))
            hadd(h, mcp__chttp_dupf("%s: %s", name, json_is_true(v) ? "true" : "false"));
        else if (json_is_integer(v)) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            hadd(h, mcp__chttp_dupf("%s: %s", name, num));
        } else if (json_is_real(v)) {
            snprintf(num, sizeof num, "%.17g", json_real_value(v));
            hadd(h, mcp__chttp_dupf("%s: %s", name, num));
        }
    }
}

/* Hand one message's bytes to the core. */
static int deliver(exch *x, const char *data, size_t len)
{
    chttp *t = x->t;
    json_error_t jerr;
    json_t *msg;
    if (!t->base.client)
        return 0;
    msg = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!msg) {
        mcp__client_receive(t->base.client, data, len); /* the core reports it */
        return 0;
    }
    if (answers(x, msg)) {
        x->answered = true;
        if (x->tools_list)
            read_tools(t, msg);
    }
    if (x->initialize && x->answered && json_object_get(msg, "result"))
        t->get_wanted = true; /* a 2025 session: open the GET stream after `initialized` */
    /* what a request's response stream carries before its answer relates to that request (a
     * server's question inside a tools/call), resumed or not; the GET stream's relate to none */
    mcp__client_receive_msg_related(t->base.client, msg, x->kind != X_GET ? x->id : 0);
    json_decref(msg);
    return 0;
}

static int on_event(void *ud, const char *event, const char *data, size_t len, const char *id)
{
    exch *x = ud;
    chttp *t = x->t;
    (void)id;
    if (x->kind == X_GET) {
        snprintf(t->get_last_id, sizeof t->get_last_id, "%s", x->parser.last_id);
        t->get_failures = 0;
    }
    if (strcmp(event, "message") != 0 || len == 0)
        return 0; /* other event types are not MCP messages; an empty event primes a stream */
    return deliver(x, data, len);
}

static void set_fail(exch *x, int status, const char *fmt, ...) MCP_PRINTF(3, 4);
static void set_fail(exch *x, int status, const char *fmt, ...)
{
    va_list ap;
    if (x->fail)
        return;
    x->fail = status;
    va_start(ap, fmt);
    vsnprintf(x->why, sizeof x->why, fmt, ap);
    va_end(ap);
}

static int on_headers(mcp__curl_req *r, long status, const char *ctype, void *ud)
{
    exch *x = ud;
    chttp *t = x->t;
    x->status = status;
    if (x->released)
        return 1;
    if (x->kind == X_DELETE)
        return 0;
    if (t->oauth && x->kind == X_POST && (status == 401 || status == 403)) {
        const char *www = mcp__curl_header(r, "WWW-Authenticate");
        x->auth_status = status;
        free(x->www);
        x->www = www && strlen(www) <= 8192 ? strdup(www) : NULL;
        www = mcp__curl_header(r, "DPoP-Nonce");
        free(x->dpop_nonce);
        x->dpop_nonce = www && strlen(www) <= 8192 ? strdup(www) : NULL;
        return 0;
    }
    if (status >= 200 && status < 300 && x->initialize) {
        const char *sid = mcp__curl_header(r, "Mcp-Session-Id");
        if (sid && sid[0] && strlen(sid) < 1024 && !strpbrk(sid, "\r\n")) {
            free(t->session);
            t->session = strdup(sid);
        }
    }
    if (status == 202 || status == 204)
        return 0;
    if (status >= 200 && status < 300) {
        if (mcp__chttp_ctype_is(ctype, "text/event-stream")) {
            x->sse = true;
            return 0;
        }
        if (x->kind == X_POST && mcp__chttp_ctype_is(ctype, "application/json"))
            return 0;
        set_fail(x, MCP_EIO, "HTTP %ld with an unexpected content type '%.60s'", status,
                 ctype ? ctype : "(none)");
        return 1;
    }
    return 0; /* an error status: its body may be a JSON-RPC error; read it (bounded) */
}

static int on_body(mcp__curl_req *r, const char *data, size_t len, void *ud)
{
    exch *x = ud;
    chttp *t = x->t;
    (void)r;
    if (x->released || x->kind == X_DELETE)
        return x->released;
    if (x->sse) {
        int rc = mcp__sse_feed(&x->parser, data, len, on_event, x);
        if (rc == MCP_ELIMIT)
            set_fail(x, MCP_ELIMIT, "an SSE event exceeds the message limit (%zu bytes)", t->max);
        else if (rc == MCP_ENOMEM)
            set_fail(x, MCP_ENOMEM, "out of memory");
        return rc != 0 || x->released;
    }
    if (x->kind != X_POST && x->len + len > ERROR_BODY_MAX)
        return 0; /* a GET's error page: its start is enough */
    if (x->len + len > t->max) {
        set_fail(x, MCP_ELIMIT, "the HTTP response exceeds the message limit (%zu bytes)", t->max);
        return 1;
    }
    if (x->len + len + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 1024;
        char *b;
        while (cap < x->len + len + 1)
            cap *= 2;
        if (!(b = realloc(x->body, cap))) {
            set_fail(x, MCP_ENOMEM, "out of memory");
            return 1;
        }
        x->body = b;
        x->cap = cap;
    }
    memcpy(x->body + x->len, data, len);
    x->len += len;
    x->body[x->len] = '\0';
    return 0;
}

/* A JSON body after an HTTP error or a JSON reply: the response, or an error object with a
 * null id that stands for this request (servers answer so when they cannot read the id). */
static void json_reply(exch *x)
{
    chttp *t = x->t;
    json_error_t jerr;
    json_t *msg = x->len ? json_loadb(x->body, x->len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (msg && json_is_object(msg) && x->id && json_is_null(json_object_get(msg, "id")) &&
        json_is_object(json_object_get(msg, "error")))
        json_object_set_new(msg, "id", json_integer(x->id));
    if (msg && (x->status < 300 || answers(x, msg))) {
        if (answers(x, msg)) {
            x->answered = true;
            if (x->tools_list)
                read_tools(t, msg);
        }
        if (x->initialize && x->answered && json_object_get(msg, "result"))
            t->get_wanted = true;
        if (t->base.client)
            mcp__client_receive_msg(t->base.client, msg);
    } else if (!msg && x->status < 300 && x->len) {
        set_fail(x, MCP_EPARSE, "malformed JSON in the HTTP response: %s", jerr.text);
    }
    json_decref(msg);
    /* A 4xx without a JSON-RPC answer: the server refused the request (it is not a connection
     * failure), so the caller gets an error response: -32600 with the status and the body. */
    if (x->id && !x->answered && !x->fail && x->status >= 400 && x->status < 500 &&
        !(x->status == 404 && t->session && !x->initialize) && t->base.client) {
        char text[300];
        size_t i, n = x->len < 160 ? x->len : 160;
        for (i = 0; i < n; i++) /* the body as plain text, for people */
            if ((unsigned char)x->body[i] < 0x20)
                x->body[i] = ' ';
        snprintf(text, sizeof text, "HTTP %ld%s%.*s", x->status, n ? ": " : "", (int)n,
                 n ? x->body : "");
        msg = json_pack("{s:s, s:I, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", (json_int_t)x->id,
                        "error", "code", -32600, "message", text);
        if (msg) {
            x->answered = true;
            mcp__client_receive_msg(t->base.client, msg);
            json_decref(msg);
        }
    }
}

static void schedule(chttp *t, exch *x, long ms);
static int exch_post(chttp *t, exch *x);

/* Take `x` off the list, make it ready to be sent again. */
static void exch_unlink(chttp *t, exch *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else if (t->list == x)
        t->list = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
}

static void exch_reset(exch *x)
{
    x->status = 0;
    x->auth_status = 0;
    x->sse = false;
    x->answered = false;
    x->fail = 0;
    x->len = 0;
    x->why[0] = '\0';
    mcp__sse_restart(&x->parser);
}

/* Put `x` back on the list and POST it again; on failure it is freed and its request failed. */
static void exch_repost(chttp *t, exch *x)
{
    mcp_client_t *c = t->base.client;
    json_int_t id = x->id;
    exch_reset(x);
    x->parked = false;
    x->next = t->list;
    if (t->list)
        t->list->prev = x;
    t->list = x;
    if (exch_post(t, x) != MCP_OK) {
        exch_free(x);
        if (id && c)
            mcp__client_fail_request(c, id, MCP_EIO, "HTTP request failed");
    }
}

/* Fail a request (whose exchange is gone) for want of authorization. */
static void auth_fail(mcp_client_t *c, json_int_t id, int status, const char *why)
{
    char text[360];
    snprintf(text, sizeof text, "authorization failed: %s", why && why[0] ? why : "unknown");
    if (c && id)
        mcp__client_fail_request(c, id, status == MCP_ENOMEM ? MCP_ENOMEM : MCP_EAUTH, text);
    else if (c)
        mcp__client_set_error(c, "%s", text);
}

/* A 401 or 403 answered `x` (res OK): ask the authorization what to do. true: handled (the
 * exchange waits, went out again, or failed and is gone). */
static bool authorize(chttp *t, exch *x)
{
    char why[300];
    int rc;
    mcp_client_t *c = t->base.client;
    json_int_t id = x->id;
    if (x->auth_rounds >= AUTH_ROUNDS_MAX) {
        exch_free(x);
        auth_fail(c, id, MCP_EAUTH, "the server still refuses after the authorizations");
        return true;
    }
    rc = mcp__oauth_challenge(t->oauth, t->url, x->auth_status, x->www, x->gen, x->dpop_nonce, why,
                              sizeof why);
    if (rc == 2)
        return false; /* a 403 of another kind: the usual reply */
    if (rc < 0) {
        exch_free(x);
        auth_fail(c, id, rc, why);
        return true;
    }
    x->auth_rounds++;
    exch_unlink(t, x);
    if (rc == 1) {
        exch_repost(t, x);
        return true;
    }
    x->parked = true;
    x->next = t->parked;
    t->parked = x;
    if (c)
        mcp__client_auth_wait(c, id, true);
    return true;
}

/* The authorization ended: send the parked requests again, or fail them. */
static void on_authorized(void *ud, int status, const char *why)
{
    chttp *t = ud;
    exch *x;
    /* one at a time off t->parked, so that a request completed meanwhile is found there */
    while ((x = t->parked)) {
        t->parked = x->next;
        x->next = NULL;
        if (status == MCP_OK && !t->closing && t->base.client) {
            mcp__client_auth_wait(t->base.client, x->id, false);
            exch_repost(t, x);
        } else {
            json_int_t id = x->id;
            exch_mem_free(x);
            auth_fail(t->base.client, id, status, why);
        }
    }
}

/* The exchange is over (curl's on_done): report what the core still waits for, free it. */
static void exch_done(mcp__curl_req *r, const mcp__curl_result *res, void *ud)
{
    exch *x = ud;
    chttp *t = x->t;
    mcp_client_t *c = t->base.client;
    (void)r;
    x->req = NULL;
    if (x->released || !c || x->kind == X_DELETE) {
        if (x->kind == X_DELETE && t->closing && !t->closed) {
            t->closed = true;
            exch_free(x);
            if (c)
                mcp__client_transport_closed(c, MCP_OK, "closed");
            return;
        }
        exch_free(x);
        return;
    }
    if (x->auth_status && res->err == MCP_OK && authorize(t, x))
        return;
    if (!x->sse && res->err == MCP_OK && x->kind == X_POST && x->status != 202)
        json_reply(x);
    if (x->kind == X_GET) {
        /* the standalone stream ended: reopen after the server's retry, within bounds */
        if (x->status == 405 || (x->status >= 400 && x->status < 500))
            t->get_refused = x->status == 405 || x->status == 404 || t->get_refused;
        if (res->err != MCP_OK || x->status != 200)
            t->get_failures++;
        if (x->parser.retry_ms >= 0)
            t->get_retry_ms = x->parser.retry_ms;
        exch_free(x);
        if (!t->closing && !t->get_refused && t->get_failures < GET_FAILURES_MAX)
            schedule(t, NULL, t->get_retry_ms);
        return;
    }
    if (x->id && !x->answered) {
        int status = x->fail ? x->fail : res->err != MCP_OK ? res->err : MCP_EIO;
        char why[300];
        /* A 2025 stream that carried event ids and ended before the response: resume it. */
        if (x->sse && t->session && x->parser.last_id[0] && !x->fail && !t->closing &&
            x->resumes < RESUME_ATTEMPTS && res->err != MCP_ECANCELLED) {
            long ms = x->parser.retry_ms >= 0 ? x->parser.retry_ms : RETRY_DEFAULT_MS;
            x->kind = X_RESUME;
            x->resumes++;
            x->status = 0;
            x->sse = false;
            mcp__sse_restart(&x->parser);
            /* off the list while waiting; the timer puts it back */
            if (x->prev)
                x->prev->next = x->next;
            else
                t->list = x->next;
            if (x->next)
                x->next->prev = x->prev;
            x->prev = NULL;
            x->next = t->resume_wait;
            t->resume_wait = x;
            x->waiting = true;
            schedule(t, x, ms);
            return;
        }
        if (x->fail)
            snprintf(why, sizeof why, "%s", x->why);
        else if (res->err != MCP_OK)
            snprintf(why, sizeof why, "HTTP request failed: %s", res->error);
        else if (x->status >= 300)
            snprintf(why, sizeof why, "HTTP %ld%s%.*s", x->status, x->len ? ": " : "",
                     (int)(x->len < 200 ? x->len : 200), x->body ? x->body : "");
        else if (x->status == 202)
            snprintf(why, sizeof why, "HTTP 202 Accepted without a response");
        else
            snprintf(why, sizeof why, "the server ended the %s before the response",
                     x->sse ? "SSE stream" : "HTTP response");
        if (x->status == 404 && t->session && !x->initialize) {
            /* The server ended the 2025 session: every request fails, and the connection is
             * over (a new one must initialize again), rather than each later request failing. */
            exch_free(x);
            if (!t->closed) {
                t->closed = true;
                mcp__client_transport_closed(c, MCP_EIO,
                                             "HTTP 404: the server ended the session (it expired "
                                             "or the server restarted)");
            }
            return;
        }
        {
            json_int_t id = x->id;
            exch_free(x);
            mcp__client_fail_request(c, id, status, why);
        }
        return;
    }
    if (!x->id && x->status >= 300)
        mcp__client_set_error(c, "HTTP %ld for a notification or response", x->status);
    exch_free(x);
}

static void on_done(mcp__curl_req *r, const mcp__curl_result *res, void *ud)
{
    chttp *t = ((exch *)ud)->t;
    exch_done(r, res, ud);
    maybe_free(t); /* the last exchange of a transport the client let go of */
}

/* ---- the standalone GET stream and resumption ------------------------------------------------ */

static void open_get(chttp *t)
{
    hlist h = {0};
    exch *x;
    if (t->get || t->closing || !t->session || t->get_refused)
        return;
    if (!(x = exch_new(t, X_GET, 0)))
        return;
    base_headers(t, &h, t->protocol, "GET");
    hadd(&h, strdup("Accept: text/event-stream"));
    if (t->get_last_id[0])
        hadd(&h, mcp__chttp_dupf("Last-Event-ID: %s", t->get_last_id));
    h.v[h.n] = NULL;
    if (h.oom || start(t, x, "GET", (const char *const *)h.v, NULL, 0, 0) != MCP_OK) {
        t->get_failures++;
        exch_free(x);
    } else {
        t->get = x;
    }
    hclear(&h);
}

static void resume(chttp *t, exch *x)
{
    hlist h = {0};
    mcp_client_t *c = t->base.client;
    x->waiting = false;
    x->next = t->list;
    x->prev = NULL;
    if (t->list)
        t->list->prev = x;
    t->list = x;
    base_headers(t, &h, t->protocol, "GET");
    hadd(&h, strdup("Accept: text/event-stream"));
    hadd(&h, mcp__chttp_dupf("Last-Event-ID: %s", x->parser.last_id));
    h.v[h.n] = NULL;
    if (h.oom || start(t, x, "GET", (const char *const *)h.v, NULL, 0, 0) != MCP_OK) {
        json_int_t id = x->id;
        exch_free(x);
        if (c)
            mcp__client_fail_request(c, id, MCP_EIO,
                                     "the SSE stream ended before the response and could not "
                                     "be resumed");
    }
    hclear(&h);
}

static void on_timer(uv_timer_t *tm);

static void rearm(chttp *t)
{
    uint64_t now = uv_now(t->timer.loop), next = t->get_due;
    exch *x;
    for (x = t->resume_wait; x; x = x->next)
        if (!next || x->due < next)
            next = x->due;
    if (!next || t->closing) {
        uv_timer_stop(&t->timer);
        return;
    }
    uv_timer_start(&t->timer, on_timer, next > now ? next - now : 0, 0);
}

/* Each attempt waits its own delay (a stream's `retry`), never less. */
static void on_timer(uv_timer_t *tm)
{
    chttp *t = tm->data;
    uint64_t now = uv_now(tm->loop);
    exch **pp = &t->resume_wait;
    while (*pp) {
        exch *x = *pp;
        if (x->due <= now) {
            *pp = x->next;
            resume(t, x);
        } else {
            pp = &x->next;
        }
    }
    if (t->get_due && t->get_due <= now) {
        t->get_due = 0;
        if (t->get_wanted && !t->get)
            open_get(t);
    }
    rearm(t);
}

/* Resume `x` (or, with x NULL, reopen the GET stream) `ms` from now. */
static void schedule(chttp *t, exch *x, long ms)
{
    uint64_t due;
    if (ms < 0)
        ms = RETRY_DEFAULT_MS;
    if (ms > RETRY_MAX_MS)
        ms = RETRY_MAX_MS;
    if (t->closing)
        return;
    due = uv_now(t->timer.loop) + (uint64_t)ms;
    if (x)
        x->due = due ? due : 1;
    else
        t->get_due = due ? due : 1;
    rearm(t);
}

/* ---- the transport's operations ------------------------------------------------------------- */

/* What Mcp-Name carries for a method: the tool or prompt name, the URI, the task id. */
static const char *name_of(const char *method, const json_t *msg)
{
    const json_t *params = json_object_get(msg, "params");
    const char *field = NULL;
    if (strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0)
        field = "name";
    else if (strcmp(method, "resources/read") == 0)
        field = "uri";
    else if (strncmp(method, "tasks/", 6) == 0)
        field = "taskId";
    return field ? json_string_value(json_object_get(params, field)) : NULL;
}

/* POST x->msg as x->info says (the first time, or again after an authorization). */
static int exch_post(chttp *t, exch *x)
{
    const mcp__csend *info = &x->info;
    const json_t *msg = x->msg;
    hlist h = {0};
    char *body;
    int rc;
    if (!(body = json_dumps(msg, JSON_COMPACT)))
        return MCP_ENOMEM;
    if (x->initialize) { /* a new session starts */
        free(t->session);
        t->session = NULL;
        t->get_wanted = false;
    }
    if (t->oauth)
        x->gen = mcp__oauth_generation(t->oauth);
    base_headers(t, &h, info->initialize_request ? NULL : info->protocol, "POST");
    hadd(&h, strdup("Content-Type: application/json"));
    hadd(&h, strdup("Accept: application/json, text/event-stream"));
    if (info->method && (info->era == MCP__CERA_2026 ||
                         (info->era == MCP__CERA_UNKNOWN && !info->initialize_request &&
                          info->protocol && mcp__version_stateless(info->protocol)))) {
        hadd(&h, mirror_header("Mcp-Method", info->method));
        const char *name = info->name ? info->name : name_of(info->method, msg);
        if (name)
            hadd(&h, mirror_header("Mcp-Name", name));
        if (strcmp(info->method, "tools/call") == 0)
            param_headers(t, &h, msg);
    }
    h.v[h.n] = NULL;
    /* a request's time limit is the core's (it cancels through request_done); a notification
     * or a response only waits for its 202 */
    rc = h.oom ? MCP_ENOMEM
               : start(t, x, "POST", (const char *const *)h.v, body, strlen(body),
                       x->id ? 0 : NOTIFY_TIMEOUT_MS);
    hclear(&h);
    free(body);
    return rc;
}

static int h_send(mcp__ctransport *base, json_t *msg, const mcp__csend *info)
{
    chttp *t = (chttp *)base;
    exch *x;
    int rc;
    if (t->closing)
        return MCP_ESTATE;
    if (info->protocol && strlen(info->protocol) < sizeof t->protocol &&
        (info->era != MCP__CERA_UNKNOWN || !info->initialize_request))
        snprintf(t->protocol, sizeof t->protocol, "%s", info->protocol);
    x = exch_new(t, X_POST, info->expects_reply ? info->id : 0);
    if (!x)
        return MCP_ENOMEM;
    x->initialize = info->initialize_request;
    x->tools_list = info->method && strcmp(info->method, "tools/list") == 0;
    x->msg = json_incref(msg);
    x->info = *info;
    x->info.method = x->i_method = info->method ? strdup(info->method) : NULL;
    x->info.name = x->i_name = info->name ? strdup(info->name) : NULL;
    x->info.protocol = x->i_protocol = info->protocol ? strdup(info->protocol) : NULL;
    if ((info->method && !x->i_method) || (info->name && !x->i_name) ||
        (info->protocol && !x->i_protocol)) {
        exch_free(x);
        return MCP_ENOMEM;
    }
    rc = exch_post(t, x);
    if (rc != MCP_OK) {
        exch_free(x);
        return rc;
    }
    /* A 2025 session is established once `initialized` goes out: open the GET stream. */
    if (t->get_wanted && !t->get && info->method &&
        strcmp(info->method, "notifications/initialized") == 0)
        open_get(t);
    return MCP_OK;
}

static exch *find(chttp *t, json_int_t id)
{
    exch *x;
    for (x = t->list; x; x = x->next)
        if (x->id == id && !x->released)
            return x;
    for (x = t->resume_wait; x; x = x->next)
        if (x->id == id && !x->released)
            return x;
    for (x = t->parked; x; x = x->next)
        if (x->id == id && !x->released)
            return x;
    return NULL;
}

static void unwait(chttp *t, exch *x)
{
    exch **pp;
    for (pp = &t->resume_wait; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            x->next = x->prev = NULL;
            return;
        }
}

static void h_request_done(mcp__ctransport *base, json_int_t id)
{
    chttp *t = (chttp *)base;
    exch *x;
    if (!id || !(x = find(t, id)))
        return;
    x->released = true;
    if (x->waiting) {
        unwait(t, x);
        exch_mem_free(x);
        return;
    }
    if (x->parked) {
        exch **pp;
        for (pp = &t->parked; *pp; pp = &(*pp)->next)
            if (*pp == x) {
                *pp = x->next;
                break;
            }
        exch_mem_free(x);
        return;
    }
    if (!x->answered && x->req)
        mcp__curl_cancel(x->req); /* may free x */
}

/* End every exchange: their on_done runs (reporting nothing: released). */
static void cancel_all(chttp *t, bool keep_delete)
{
    exch *x, *next;
    uv_timer_stop(&t->timer);
    t->get_due = 0;
    while (t->resume_wait) {
        x = t->resume_wait;
        t->resume_wait = x->next;
        exch_mem_free(x);
    }
    while (t->parked) {
        x = t->parked;
        t->parked = x->next;
        exch_mem_free(x);
    }
    for (x = t->list; x; x = next) {
        next = x->next;
        if (keep_delete && x->kind == X_DELETE)
            continue;
        x->released = true;
        if (x->req)
            mcp__curl_cancel(x->req); /* frees x now: we are not inside libcurl */
    }
}

static void h_close(mcp__ctransport *base)
{
    chttp *t = (chttp *)base;
    hlist h = {0};
    exch *x;
    if (t->closing)
        return;
    t->closing = true;
    cancel_all(t, false);
    /* 2025 session: DELETE it (bounded); closed once that is answered */
    if (t->session && (x = exch_new(t, X_DELETE, 0))) {
        base_headers(t, &h, t->protocol, "DELETE");
        h.v[h.n] = NULL;
        if (!h.oom &&
            start(t, x, "DELETE", (const char *const *)h.v, NULL, 0, DELETE_TIMEOUT_MS) == MCP_OK) {
            hclear(&h);
            return;
        }
        hclear(&h);
        exch_free(x);
    }
    t->closed = true;
    if (t->base.client)
        mcp__client_transport_closed(t->base.client, MCP_OK, "closed");
}

static void maybe_free(chttp *t)
{
    if (!t->gone || t->list)
        return;
    mcp__curl_release(t->eng);
    mcp__chttp_headers_free(t->headers);
    free(t->url);
    free(t->ca_file);
    free(t->session);
    json_decref(t->params_map);
    free(t);
}

/* An exchange cancelled from inside libcurl ends later: the transport waits for it. */
static void timer_closed(uv_handle_t *h)
{
    chttp *t = h->data;
    t->gone = true;
    maybe_free(t);
}

static void h_destroy(mcp__ctransport *base)
{
    chttp *t = (chttp *)base;
    t->base.client = NULL;
    t->closing = true;
    if (t->oauth)
        mcp__oauth_bind(t->oauth, NULL, NULL);
    cancel_all(t, true); /* a session's DELETE still goes out (bounded); the rest ends now */
    uv_close((uv_handle_t *)&t->timer, timer_closed);
}

static const mcp__ctransport_ops http_ops = {"http", h_send, h_request_done, h_close, h_destroy};

int mcp__client_http_connect(mcp_client_t *c, const char *url, const mcp_client_http_opts_t *opts)
{
    chttp *t;
    char why[256];
    int rc;
    if (opts && opts->legacy_sse)
        return mcp__client_legacy_connect(c, url, opts);
    t = calloc(1, sizeof *t);
    if (!t)
        return MCP_ENOMEM;
    t->base.ops = &http_ops;
    t->base.client = c;
    t->max = mcp__client_max_message(c);
    t->get_retry_ms = RETRY_DEFAULT_MS;
    t->url = strdup(url);
    t->headers = mcp__chttp_headers(opts);
    t->insecure = opts && opts->insecure;
    t->connect_timeout_ms = opts ? opts->connect_timeout_ms : 0;
    if (opts && opts->ca_file)
        t->ca_file = strdup(opts->ca_file);
    if (!t->url || !t->headers || (opts && opts->ca_file && !t->ca_file)) {
        mcp__chttp_headers_free(t->headers);
        free(t->url);
        free(t->ca_file);
        free(t);
        return MCP_ENOMEM;
    }
    t->eng = mcp__curl_engine(mcp__client_uvloop(c), why, sizeof why);
    if (!t->eng) {
        mcp__client_set_error(c, "%s", why);
        mcp__chttp_headers_free(t->headers);
        free(t->url);
        free(t->ca_file);
        free(t);
        return MCP_EIO;
    }
    uv_timer_init(mcp__client_uvloop(c), &t->timer);
    t->timer.data = t;
    if ((t->oauth = mcp__client_oauth(c)))
        mcp__oauth_bind(t->oauth, on_authorized, t);
    rc = mcp__client_attach(c, &t->base);
    if (rc != MCP_OK) {
        t->base.client = NULL;
        uv_close((uv_handle_t *)&t->timer, timer_closed);
    }
    return rc;
}
