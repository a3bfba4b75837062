/*
 * fuzz_http_head: bytes -> one HTTP/1.1 request over a loopback socket -> the Streamable HTTP
 * transport (libmicrohttpd driven by transport/httpd.c, transport/http.c, transport/auth.c):
 * request line and method, Host and Origin, Accept, Content-Type, Content-Length and the body,
 * Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method / Mcp-Name, Authorization, Last-Event-ID.
 *
 * Two servers share one libuv loop, started once in LLVMFuzzerInitialize and kept across inputs
 * (as a real server lives through many requests), each on 127.0.0.1 with a free port:
 *   - "open": stateful, SSE answers allowed, a 16 KiB body limit, at most 64 sessions;
 *   - "auth": an `authorize` callback (Bearer alice / bob: two principals, Bearer scope:
 *     insufficient scope, anything else: invalid token), Protected Resource Metadata served,
 *     JSON answers only, CORS on, one extra allowed Origin (https://app.example).
 * Every input goes to both, as it is, after two substitutions (so that seeds stay meaningful
 * under mutation):
 *   - $SID becomes the id of a live session on that server (created with `initialize` when
 *     there is none; forgotten after a DELETE or a 404 naming it);
 *   - $LEN becomes the number of bytes after the first blank line (the body), so that a seed's
 *     Content-Length stays right while its body is mutated.
 * The harness writes the request, runs the loop until the answer's head has arrived, the server
 * closed the connection, or nothing has happened for IDLE_MS once everything was written (a
 * request still waiting for body bytes), then closes its socket.
 *
 * Oracle beyond "no crash, no leak, no UB, bounded time":
 *   1. Whatever comes back starts with a well-formed status line, "HTTP/1.x NNN " (100..599)
 *      ending in CRLF, and its head is complete (CRLF CRLF) unless the harness stopped reading
 *      early; a connection closed without a byte is fine (e.g. a request line MHD refuses).
 *   2. No 500: every failure the transport can see is a 4xx (or 503 when full).
 *   3. The server keeps serving: after every input, a well-formed 2026-07-28 server/discover
 *      POST on a new connection gets 200 with a JSON-RPC result, on both servers.
 * FUZZ_TRACE=1 prints each request's first line and the status line that came back.
 */
#include "mcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <uv.h>

#define FAIL(...)                                        \
    do {                                                 \
        fprintf(stderr, "fuzz_http_head: " __VA_ARGS__); \
        fputc('\n', stderr);                             \
        abort();                                         \
    } while (0)

#define IDLE_MS                                                                               \
    2                    /* everything written, no event and no timer due for this long: the  \
                            server waits for more bytes (every step of an answer is driven by \
                            an event on the loop's descriptor or a due timer) */
#define HARD_MS     3000 /* the server busy for longer than this with one request: a failure */
#define REPLY_MAX   16384
#define REQUEST_MAX (128 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

typedef struct target {
    const char *name;
    mcp_server_t *srv;
    unsigned port;
    const char *auth; /* the Authorization header line of the harness's own requests, or "" */
    char sid[80];     /* a live session for $SID, or "" */
} target;

typedef struct reply {
    char buf[REPLY_MAX + 1];
    size_t len;
    bool closed; /* the server closed (or reset) the connection */
    bool idle;   /* stopped waiting: everything written and nothing happened for IDLE_MS */
} reply;

static uv_loop_t loop;
static target targets[2] = {{"open", NULL, 0, "", ""},
                            {"auth", NULL, 0, "Authorization: Bearer alice\r\n", ""}};
static bool trace;

/* ---- the servers -------------------------------------------------------------------------- */

static int tool_echo(mcp_call_t *call, const json_t *args, void *ud)
{
    const char *m = json_string_value(json_object_get(args, "message"));
    (void)ud;
    return mcp_call_text(call, "%s", m ? m : "");
}

/* Sends a log message and progress first: the POST's answer becomes an event stream. */
static int tool_chatty(mcp_call_t *call, const json_t *args, void *ud)
{
    (void)args;
    (void)ud;
    mcp_call_log(call, MCP_LOG_ERROR, "fuzz", "working");
    mcp_call_progress(call, 0.5, 1.0, "half way");
    return mcp_call_text(call, "done");
}

static int authorize(const char *token, const char *method_path, json_t **principal, void *ud)
{
    (void)method_path;
    (void)ud;
    if (strcmp(token, "alice") == 0 || strcmp(token, "bob") == 0) {
        *principal = json_pack("{s:s, s:s}", "sub", token, "iss", "https://as.example");
        return 0;
    }
    if (strcmp(token, "scope") == 0) {
        *principal = json_string("mcp:admin");
        return MCP_AUTH_INSUFFICIENT_SCOPE;
    }
    return MCP_AUTH_INVALID_TOKEN;
}

static mcp_server_t *new_server(const char *name)
{
    mcp_server_t *srv = mcp_server_new(name, "1.0");
    mcp_tool_t echo = {.name = "echo",
                       .description = "Echo a message",
                       .input_schema = "{\"type\":\"object\",\"properties\":{\"message\":"
                                       "{\"type\":\"string\"}},\"required\":[\"message\"]}",
                       .handler = tool_echo};
    mcp_tool_t chatty = {
        .name = "chatty", .description = "Log, progress, answer", .handler = tool_chatty};
    if (!srv || mcp_server_attach(srv, &loop) != MCP_OK ||
        mcp_server_add_tool(srv, &echo, NULL) != MCP_OK ||
        mcp_server_add_tool(srv, &chatty, NULL) != MCP_OK)
        FAIL("cannot set up server %s", name);
    return srv;
}

static const char *const extra_origins[] = {"https://app.example", NULL};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    mcp_http_opts_t open = {0}, auth = {0};
    (void)argc;
    (void)argv;
    trace = getenv("FUZZ_TRACE") && strcmp(getenv("FUZZ_TRACE"), "1") == 0;
    if (uv_loop_init(&loop) != 0)
        FAIL("uv_loop_init");

    targets[0].srv = new_server("open");
    open.max_body_bytes = 16384;
    open.max_sessions = 64;
    open.session_evict_idle_ms = 1; /* inputs open sessions: a full table evicts idle ones */
    open.max_per_ip = 1000;
    open.connection_timeout_s = 2;
    open.keepalive_ms = 1000;
    if (mcp_server_listen_http(targets[0].srv, &open) != MCP_OK)
        FAIL("cannot listen (open)");

    targets[1].srv = new_server("auth");
    auth.json_response = 1;
    auth.cors = 1;
    auth.allowed_origins = extra_origins;
    auth.authorize = authorize;
    auth.authorization_servers = "https://as.example";
    auth.scopes = "mcp:read mcp:admin";
    auth.max_sessions = 64;
    auth.session_evict_idle_ms = 1;
    auth.max_per_ip = 1000;
    auth.connection_timeout_s = 2;
    if (mcp_server_listen_http(targets[1].srv, &auth) != MCP_OK)
        FAIL("cannot listen (auth)");

    for (int i = 0; i < 2; i++)
        if (!(targets[i].port = mcp_server_http_port(targets[i].srv, 0)))
            FAIL("no port (%s)", targets[i].name);
    return 0;
}

/* ---- one exchange over a loopback socket --------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Where the first blank line (CRLF CRLF) starts in p[0..n), or NULL. */
static const char *blank_line(const void *p, size_t n)
{
    const char *c = p;
    for (size_t i = 0; i + 4 <= n; i++)
        if (c[i] == '\r' && memcmp(c + i, "\r\n\r\n", 4) == 0)
            return c + i;
    return NULL;
}

static bool head_complete(const reply *r)
{
    return blank_line(r->buf, r->len) != NULL;
}

/* Write `req`, drive the loop, read the answer's head (or up to REPLY_MAX bytes of it). With
 * `whole`, read until the server closes (the harness's own Connection: close requests). */
static void exchange(const target *t, const char *req, size_t n, bool whole, reply *r)
{
    struct sockaddr_in sa = {0};
    size_t sent = 0;
    uint64_t start = now_ms();
    unsigned quiet = 0; /* ms waited in poll with nothing happening */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    r->len = 0;
    r->buf[0] = '\0';
    r->closed = r->idle = false;
    if (fd < 0)
        FAIL("socket: %s", strerror(errno));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)t->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* loopback: the kernel completes the handshake from the listen backlog, no accept needed;
     * libFuzzer's timer signal may interrupt it (EINTR: the connection still goes on) */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        struct pollfd w = {fd, POLLOUT, 0};
        int err = 0;
        socklen_t el = sizeof err;
        if (errno != EINPROGRESS && errno != EINTR)
            FAIL("connect to %s: %s", t->name, strerror(errno));
        while (poll(&w, 1, HARD_MS) < 0 && errno == EINTR)
            ;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0)
            FAIL("connect to %s: %s", t->name, strerror(err ? err : errno));
    }

    for (;;) {
        bool moved = false;
        struct pollfd p[2];
        int timeout;
        ssize_t k;

        if (sent < n) {
            k = send(fd, req + sent, n - sent, MSG_NOSIGNAL);
            if (k > 0) {
                sent += (size_t)k;
                moved = true;
            } else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                sent = n; /* the server closed: read what it said */
            }
        }
        uv_run(&loop, UV_RUN_NOWAIT);
        k = recv(fd, r->buf + r->len, REPLY_MAX - r->len, 0);
        if (k > 0) {
            r->len += (size_t)k;
            r->buf[r->len] = '\0';
            moved = true;
            if (r->len == REPLY_MAX || (!whole && head_complete(r)))
                break;
        } else if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            r->closed = true;
            break;
        }
        if (moved)
            quiet = 0;
        else if (sent == n && quiet >= IDLE_MS) {
            r->idle = true;
            break;
        }
        if (now_ms() - start > HARD_MS)
            FAIL("%s: no end after %d ms (%zu of %zu bytes written, %zu read)", t->name, HARD_MS,
                 sent, n, r->len);
        if (moved)
            continue;
        p[0].fd = fd;
        p[0].events = (short)(POLLIN | (sent < n ? POLLOUT : 0));
        p[1].fd = uv_backend_fd(&loop);
        p[1].events = POLLIN;
        timeout = uv_backend_timeout(&loop);
        if (timeout >= 0 && timeout <= IDLE_MS) {
            poll(p, 2, timeout); /* a timer falls due: not quiet, whatever happens */
            continue;
        }
        if (poll(p, 2, IDLE_MS) == 0)
            quiet += IDLE_MS;
        else
            quiet = 0;
    }
    close(fd);
    uv_run(&loop, UV_RUN_NOWAIT); /* let the server see the close */
}

/* The status code of a well-formed status line at the start of r, or 0 (and *why) if not. */
static int status_of(const reply *r, const char **why)
{
    const char *b = r->buf;
    const char *eol;
    int code;
    if (r->len < 13 || (strncmp(b, "HTTP/1.1 ", 9) != 0 && strncmp(b, "HTTP/1.0 ", 9) != 0)) {
        *why = "no HTTP/1.x status line";
        return 0;
    }
    if (b[9] < '1' || b[9] > '5' || b[10] < '0' || b[10] > '9' || b[11] < '0' || b[11] > '9' ||
        b[12] != ' ') {
        *why = "bad status code";
        return 0;
    }
    code = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
    eol = strstr(b, "\r\n");
    if (!eol) {
        *why = "status line not ended by CRLF";
        return 0;
    }
    for (const char *c = b + 13; c < eol; c++)
        if ((unsigned char)*c < 0x20 && *c != '\t') {
            *why = "control byte in the reason phrase";
            return 0;
        }
    return code;
}

static const char *header_value(const char *head, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l && l[2] != '\r'; l = strstr(l + 2, "\r\n")) {
        const char *h = l + 2;
        if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
            const char *v = h + nl + 1, *e;
            while (*v == ' ')
                v++;
            e = strstr(v, "\r\n");
            *len = e ? (size_t)(e - v) : strlen(v);
            return v;
        }
    }
    return NULL;
}

/* The harness's own requests: well-formed, Connection: close, read to the end. */
static int own_post(target *t, const char *session, const char *headers, const char *body, reply *r)
{
    char req[2048];
    const char *why = "";
    int n = snprintf(req, sizeof req,
                     "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\n"
                     "Accept: application/json, text/event-stream\r\n%s%s%s%s%s"
                     "Content-Length: %zu\r\n\r\n%s",
                     t->port, t->auth, session ? "Mcp-Session-Id: " : "", session ? session : "",
                     session ? "\r\n" : "", headers, strlen(body), body);
    if (n < 0 || (size_t)n >= sizeof req)
        FAIL("own request too long");
    exchange(t, req, (size_t)n, true, r);
    return status_of(r, &why);
}

static void alive(target *t)
{
    reply r;
    int code =
        own_post(t, NULL, "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: server/discover\r\n",
                 "{\"jsonrpc\":\"2.0\",\"id\":\"alive\",\"method\":\"server/discover\","
                 "\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":"
                 "\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}}}",
                 &r);
    if (code != 200 || !strstr(r.buf, "\"result\""))
        FAIL("%s: not serving any more: server/discover got %.300s", t->name, r.buf);
}

static void open_session(target *t)
{
    reply r;
    size_t len;
    const char *v;
    int code = own_post(t, NULL, "",
                        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
                        "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
                        "\"clientInfo\":{\"name\":\"fuzz\",\"version\":\"1\"}}}",
                        &r);
    v = header_value(r.buf, "Mcp-Session-Id", &len);
    if (code != 200 || !v || len == 0 || len >= sizeof t->sid)
        FAIL("%s: initialize got no session: %.300s", t->name, r.buf);
    memcpy(t->sid, v, len);
    t->sid[len] = '\0';
    own_post(t, t->sid, "MCP-Protocol-Version: 2025-11-25\r\n",
             "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", &r);
}

/* ---- the input ---------------------------------------------------------------------------- */

/* `data` with $SID and $LEN replaced ($LEN only in the head); NULL when out of memory. */
static char *substitute(target *t, const uint8_t *data, size_t size, size_t *out_len,
                        bool *used_sid)
{
    const uint8_t *blank = (const uint8_t *)blank_line(data, size);
    size_t head_end = blank ? (size_t)(blank - data) : size, o = 0, len_at = 0;
    bool has_len = false;
    char *out = malloc(REQUEST_MAX + 1);
    *used_sid = false;
    if (!out)
        return NULL;
    for (size_t i = 0; i < size && o < REQUEST_MAX - 80;) {
        if (size - i >= 4 && memcmp(data + i, "$SID", 4) == 0) {
            size_t sl;
            if (!t->sid[0])
                open_session(t);
            sl = strlen(t->sid);
            memcpy(out + o, t->sid, sl);
            o += sl;
            i += 4;
            *used_sid = true;
        } else if (size - i >= 4 && memcmp(data + i, "$LEN", 4) == 0 && i < head_end && !has_len) {
            has_len = true; /* 20 columns reserved, filled in once the body is known */
            len_at = o;
            memset(out + o, ' ', 20);
            o += 20;
            i += 4;
        } else {
            out[o++] = (char)data[i++];
        }
    }
    out[o] = '\0';
    if (has_len) {
        char num[24];
        const char *b = blank_line(out, o);
        size_t body = b ? o - (size_t)(b + 4 - out) : 0;
        size_t nl = (size_t)snprintf(num, sizeof num, "%zu", body);
        memcpy(out + len_at, num, nl); /* the number replaces the 20 columns */
        memmove(out + len_at + nl, out + len_at + 20, o - (len_at + 20) + 1);
        o -= 20 - nl;
    }
    *out_len = o;
    return out;
}

static void one(target *t, const uint8_t *data, size_t size)
{
    reply r;
    size_t n;
    bool used_sid;
    const char *why = "";
    int code;
    char *req = substitute(t, data, size, &n, &used_sid);
    if (!req)
        return;
    exchange(t, req, n, false, &r);
    code = status_of(&r, &why);
    if (trace)
        fprintf(stderr, "%s: %.*s -> %.*s%s\n", t->name, (int)strcspn(req, "\r\n"), req,
                (int)strcspn(r.buf, "\r\n"), r.buf,
                r.len ? "" : (r.closed ? "(closed)" : "(no answer yet)"));
    if (r.len > 0) {
        if (!code)
            FAIL("%s: malformed answer (%s): %.300s", t->name, why, r.buf);
        if (!head_complete(&r) && r.len < REPLY_MAX && !r.idle)
            FAIL("%s: connection closed inside the answer's head: %.300s", t->name, r.buf);
        if (code == 500)
            FAIL("%s: 500 for %.300s\n--- answer: %.300s", t->name, req, r.buf);
    }
    /* the session named may be gone: make a new one next time */
    if (used_sid && (code == 404 || strncmp(req, "DELETE", 6) == 0))
        t->sid[0] = '\0';
    free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int i = 0; i < 2; i++) {
        one(&targets[i], data, size);
        alive(&targets[i]);
    }
    return 0;
}
