/*
 * The client's STDIO transport: spawn the server command (uv_spawn), write newline-delimited
 * JSON-RPC to its stdin, read lines from its stdout, and pass its stderr through, capture the
 * last CAPTURE_MAX bytes of it, or discard it.
 *
 * - Lines are reassembled across reads; blank lines and a trailing \r are ignored. A line over
 *   the client's message limit ends the connection with MCP_ELIMIT (memory stays bounded).
 * - The connection ends when the server's stdout reaches EOF (it exited, or closed it): the exit
 *   status is waited for a moment so the message can say it. A failed write fails its request.
 * - close(): stdin is closed (a well-behaved server exits on EOF); after GRACE_MS it is sent
 *   SIGTERM, after as long again SIGKILL. The structure lives until every handle has closed and
 *   the child was reaped, also after the client is gone (destroy).
 */
#include "client/client.h"

#include <signal.h>

#define READ_CHUNK  (64 * 1024)
#define CAPTURE_MAX (64 * 1024)
#define GRACE_MS    2000
#define EXIT_WAIT   500 /* after EOF, how long to wait for the exit status */

typedef struct cstdio {
    mcp__ctransport base; /* first */
    uv_loop_t *loop;
    uv_process_t proc;
    uv_pipe_t in, out, err; /* the child's stdin (we write), stdout, stderr (captured) */
    uv_timer_t timer;       /* exit wait after EOF; the grace before signals */
    bool err_piped, exited, eof, reported, closing;
    int kills; /* signals sent so far by close() */
    int open_handles;
    int exit_status;
    char *line;
    size_t len, cap;
    char *captured; /* ring of the last CAPTURE_MAX bytes of stderr, kept linear */
    size_t clen;
    char rbuf[READ_CHUNK];
} cstdio;

typedef struct wreq {
    uv_write_t req;
    cstdio *st;
    char data[]; /* the message and its newline */
} wreq;

static void report_closed(cstdio *st, int status, const char *why)
{
    char text[300];
    if (st->reported || !st->base.client)
        return;
    st->reported = true;
    if (st->exited) {
        mcp__client_set_exit_status(st->base.client, st->exit_status);
        snprintf(text, sizeof text, "%s (exit status %d)", why, st->exit_status);
    } else {
        snprintf(text, sizeof text, "%s", why);
    }
    mcp__client_transport_closed(st->base.client, status, text);
}

/* ---- handles and the end ------------------------------------------------------------------ */

static void on_handle_closed(uv_handle_t *h)
{
    cstdio *st = h->data;
    if (--st->open_handles > 0)
        return;
    free(st->line);
    free(st->captured);
    free(st);
}

static void close_one(cstdio *st, uv_handle_t *h)
{
    if (h->loop && !uv_is_closing(h)) {
        st->open_handles++;
        uv_close(h, on_handle_closed);
    }
}

/* Everything closes once the child is reaped and the client no longer needs us. */
static void maybe_free(cstdio *st)
{
    if (!st->exited || st->base.client)
        return;
    st->open_handles++; /* hold */
    close_one(st, (uv_handle_t *)&st->in);
    close_one(st, (uv_handle_t *)&st->out);
    if (st->err_piped)
        close_one(st, (uv_handle_t *)&st->err);
    close_one(st, (uv_handle_t *)&st->timer);
    close_one(st, (uv_handle_t *)&st->proc);
    on_handle_closed((uv_handle_t *)&st->timer);
}

static void on_timer(uv_timer_t *t);

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
    cstdio *st = p->data;
    st->exited = true;
    st->exit_status = sig ? 128 + sig : (int)status;
    if (st->base.client)
        mcp__client_set_exit_status(st->base.client, st->exit_status);
    uv_timer_stop(&st->timer);
    if (st->eof)
        report_closed(st, MCP_EIO, "the server closed its output");
    else if (!st->closing) /* what it wrote before exiting may still be in the pipe */
        uv_timer_start(&st->timer, on_timer, EXIT_WAIT, 0);
    maybe_free(st);
}

static void on_timer(uv_timer_t *t)
{
    cstdio *st = t->data;
    if (!st->closing) { /* EOF without an exit, or an exit without EOF, for EXIT_WAIT */
        report_closed(st, MCP_EIO,
                      st->exited ? "the server exited" : "the server closed its output");
        return;
    }
    if (st->exited)
        return;
    uv_process_kill(&st->proc, st->kills++ == 0 ? SIGTERM : SIGKILL);
    if (st->kills < 2)
        uv_timer_start(&st->timer, on_timer, GRACE_MS, 0);
}

/* ---- reading --------------------------------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    cstdio *st = h->data;
    (void)suggested;
    *buf = uv_buf_init(st->rbuf, sizeof st->rbuf);
}

static void deliver(cstdio *st, const char *p, size_t n)
{
    if (n && p[n - 1] == '\r')
        n--;
    if (n == 0 || !st->base.client)
        return;
    mcp__client_receive(st->base.client, p, n);
}

static void too_long(cstdio *st)
{
    char why[120];
    uv_read_stop((uv_stream_t *)&st->out);
    snprintf(why, sizeof why, "the server sent a message over %zu bytes",
             st->base.client ? mcp__client_max_message(st->base.client) : (size_t)0);
    report_closed(st, MCP_ELIMIT, why);
}

static void feed(cstdio *st, const char *p, size_t n)
{
    size_t max = st->base.client ? mcp__client_max_message(st->base.client) : 0;
    while (n > 0 && !st->reported) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (st->len + take > max) {
            too_long(st);
            return;
        }
        if (nl && st->len == 0) {
            deliver(st, p, take); /* a whole line inside this read: no copy */
        } else {
            if (st->len + take > st->cap) {
                size_t cap = st->cap ? st->cap : 4096;
                char *np;
                while (cap < st->len + take)
                    cap *= 2;
                np = realloc(st->line, cap);
                if (!np) {
                    report_closed(st, MCP_ENOMEM, "out of memory reading from the server");
                    return;
                }
                st->line = np;
                st->cap = cap;
            }
            memcpy(st->line + st->len, p, take);
            st->len += take;
            if (nl) {
                size_t len = st->len;
                st->len = 0;
                deliver(st, st->line, len);
            }
        }
        if (!nl)
            return;
        p = nl + 1;
        n -= take + 1;
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    cstdio *st = s->data;
    if (nread > 0) {
        feed(st, buf->base, (size_t)nread);
        return;
    }
    if (nread == 0)
        return;
    uv_read_stop(s);
    st->eof = true;
    if (st->exited)
        report_closed(st, MCP_EIO, "the server closed its output");
    else if (!st->closing)
        uv_timer_start(&st->timer, on_timer, EXIT_WAIT, 0);
}

static void on_err_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    cstdio *st = s->data;
    size_t n;
    if (nread <= 0) {
        if (nread < 0)
            uv_read_stop(s);
        return;
    }
    n = (size_t)nread;
    if (!st->captured && !(st->captured = malloc(CAPTURE_MAX + 1)))
        return;
    if (n >= CAPTURE_MAX) {
        memcpy(st->captured, buf->base + n - CAPTURE_MAX, CAPTURE_MAX);
        st->clen = CAPTURE_MAX;
    } else {
        if (st->clen + n > CAPTURE_MAX) { /* keep the newest bytes */
            size_t drop = st->clen + n - CAPTURE_MAX;
            memmove(st->captured, st->captured + drop, st->clen - drop);
            st->clen -= drop;
        }
        memcpy(st->captured + st->clen, buf->base, n);
        st->clen += n;
    }
    st->captured[st->clen] = '\0';
}

/* ---- the vtable ---------------------------------------------------------------------------------
 */

static void on_written(uv_write_t *req, int status)
{
    wreq *w = (wreq *)req;
    (void)status; /* a failed write: the server is gone; EOF on its stdout reports it */
    free(w);
}

static int st_send(mcp__ctransport *t, json_t *msg, const mcp__csend *info)
{
    cstdio *st = (cstdio *)t;
    mcp__buf b = {0};
    wreq *w;
    uv_buf_t ub;
    (void)info;
    if (st->closing || st->reported)
        return MCP_EIO;
    if (mcp__json_write(&b, msg) != MCP_OK) {
        mcp__buf_free(&b);
        return MCP_ENOMEM;
    }
    w = malloc(sizeof *w + b.len + 1);
    if (!w) {
        mcp__buf_free(&b);
        return MCP_ENOMEM;
    }
    memcpy(w->data, b.data, b.len);
    w->data[b.len] = '\n';
    ub = uv_buf_init(w->data, (unsigned)(b.len + 1));
    w->st = st;
    mcp__buf_free(&b);
    if (uv_write(&w->req, (uv_stream_t *)&st->in, &ub, 1, on_written) != 0) {
        free(w);
        return MCP_EIO;
    }
    return MCP_OK;
}

static void on_stdin_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    free(req);
}

static void st_close(mcp__ctransport *t)
{
    cstdio *st = (cstdio *)t;
    uv_shutdown_t *sh;
    if (st->closing)
        return;
    st->closing = true;
    uv_read_stop((uv_stream_t *)&st->out);
    /* EOF on the server's stdin once pending writes are out */
    sh = malloc(sizeof *sh);
    if (!sh || uv_shutdown(sh, (uv_stream_t *)&st->in, on_stdin_shutdown) != 0) {
        free(sh);
        close_one(st, (uv_handle_t *)&st->in);
    }
    if (!st->exited) {
        if (st->reported) /* the connection failed (e.g. a message over the limit): we stopped
                             listening, so the server may be stuck writing; end it now */
            on_timer(&st->timer);
        else
            uv_timer_start(&st->timer, on_timer, GRACE_MS, 0);
    }
    report_closed(st, MCP_OK, "closed by the client");
}

static void st_destroy(mcp__ctransport *t)
{
    cstdio *st = (cstdio *)t;
    st->base.client = NULL;
    maybe_free(st); /* now, or when the child has been reaped */
}

static const mcp__ctransport_ops stdio_ops = {"stdio", st_send, NULL, st_close, st_destroy};

const char *mcp__cstdio_stderr_text(mcp__ctransport *t)
{
    cstdio *st = (cstdio *)t;
    if (!t || t->ops != &stdio_ops || !st->captured)
        return "";
    return st->captured;
}

const char *mcp_client_stderr_text(mcp_client_t *c)
{
    return c ? mcp__cstdio_stderr_text(c->transport) : "";
}

/* ---- connect
 * ------------------------------------------------------------------------------------- */

int mcp_client_connect_stdio(mcp_client_t *c, const char *const *argv,
                             const mcp_client_stdio_opts_t *opts)
{
    cstdio *st;
    uv_process_options_t po;
    uv_stdio_container_t io[3];
    mcp_client_stderr mode = opts ? opts->stderr_mode : MCP_CLIENT_STDERR_INHERIT;
    int rc;

    if (!c || !argv || !argv[0])
        return MCP_EINVAL;
    if (c->transport || c->freeing)
        return MCP_ESTATE;
    st = calloc(1, sizeof *st);
    if (!st)
        return MCP_ENOMEM;
    st->base.ops = &stdio_ops;
    st->loop = c->loop;
    signal(SIGPIPE, SIG_IGN); /* a server gone mid-write is EPIPE, never a fatal signal */

    uv_pipe_init(st->loop, &st->in, 0);
    uv_pipe_init(st->loop, &st->out, 0);
    uv_timer_init(st->loop, &st->timer);
    st->in.data = st->out.data = st->timer.data = st->proc.data = st;
    io[0].flags = UV_CREATE_PIPE | UV_READABLE_PIPE;
    io[0].data.stream = (uv_stream_t *)&st->in;
    io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
    io[1].data.stream = (uv_stream_t *)&st->out;
    if (mode == MCP_CLIENT_STDERR_CAPTURE) {
        uv_pipe_init(st->loop, &st->err, 0);
        st->err.data = st;
        st->err_piped = true;
        io[2].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
        io[2].data.stream = (uv_stream_t *)&st->err;
    } else if (mode == MCP_CLIENT_STDERR_DISCARD) {
        io[2].flags = UV_IGNORE;
    } else {
        io[2].flags = UV_INHERIT_FD;
        io[2].data.fd = 2;
    }
    memset(&po, 0, sizeof po);
    po.file = argv[0];
    po.args = (char **)argv;
    po.env = opts && opts->env ? (char **)opts->env : NULL;
    po.cwd = opts ? opts->cwd : NULL;
    po.stdio = io;
    po.stdio_count = 3;
    po.exit_cb = on_exit_cb;
    rc = uv_spawn(st->loop, &st->proc, &po);
    if (rc != 0) {
        mcp__client_set_error(c, "cannot start %s: %s", argv[0], uv_strerror(rc));
        /* no child: close what was opened and free once closed */
        st->exited = true;
        st->base.client = NULL;
        st->open_handles++;
        close_one(st, (uv_handle_t *)&st->in);
        close_one(st, (uv_handle_t *)&st->out);
        if (st->err_piped)
            close_one(st, (uv_handle_t *)&st->err);
        close_one(st, (uv_handle_t *)&st->timer);
        close_one(st, (uv_handle_t *)&st->proc);
        on_handle_closed((uv_handle_t *)&st->timer);
        return MCP_EIO;
    }
    uv_read_start((uv_stream_t *)&st->out, on_alloc, on_read);
    if (st->err_piped)
        uv_read_start((uv_stream_t *)&st->err, on_alloc, on_err_read);
    return mcp__client_attach(c, &st->base);
}
