/*
 * The STDIO transport: newline-delimited JSON-RPC on stdin/stdout, driven by libuv.
 *
 * - Any split of reads is reassembled; a line completely inside one read is handled in place
 *   with no copy. `\r\n` is accepted and blank lines are ignored.
 * - A line longer than the server's MCP_LIMIT_MESSAGE_BYTES gets one -32600 error (id null);
 *   the rest of it is skipped up to the next newline and the server keeps serving.
 * - stdout carries protocol messages only, guaranteed: at start the real stdout descriptor is
 *   duplicated privately for the protocol and descriptor 1 is pointed at stderr, so a stray
 *   printf() anywhere in the process lands on stderr.
 * - Replies produced while one read is being handled are written together (one write per read,
 *   not one per message).
 * - EOF on stdin: the requests in flight finish and their replies are flushed (for at most a grace
 *   period), then the transport closes and a private loop returns. A failed write (the client went
 *   away) closes the transport the same way; SIGPIPE is ignored so it can never kill the server.
 * - stdin may be a pipe, a socket, a terminal or a regular file (libuv needs a different handle
 *   for each; files are read with uv_fs_read).
 */
#include "server/server.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#define READ_CHUNK (64 * 1024)
#define GRACE_MS   5000

typedef struct mcp__stdio {
    mcp__transport base; /* first: the server's handle on this transport */
    mcp_server_t *srv;
    mcp__session *sess;
    uv_loop_t *loop;

    uv_handle_type in_type;
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_pipe_t pipe;
        uv_tty_t tty;
        uv_tcp_t tcp;
    } in;
    uv_fs_t fsreq; /* stdin is a file: chained uv_fs_read */
    bool fs_reading;
    int64_t fs_offset;

    int out_fd;      /* private duplicate of the real stdout */
    bool out_stream; /* out is a libuv stream (pipe/tty/socket) */
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_pipe_t pipe;
        uv_tty_t tty;
        uv_tcp_t tcp;
    } out;

    uv_timer_t grace; /* bounds the wait for calls in flight after EOF or stop */

    char *line; /* a line spanning reads */
    size_t len, cap;
    bool discarding; /* skipping the rest of an oversized line */

    char *obuf; /* replies waiting to be written */
    size_t olen, ocap;
    bool in_read;  /* handling a read: coalesce replies until it ends */
    size_t writes; /* uv_write requests in flight */

    bool in_open, out_open; /* libuv handles initialized */
    bool eof, stopping, closing, write_failed;
    int open_handles;
    char rbuf[READ_CHUNK];
} mcp__stdio;

static void maybe_close(mcp__stdio *st);

/* ---- output ----------------------------------------------------------------------------- */

typedef struct write_req {
    uv_write_t req;
    mcp__stdio *st;
    char *data;
} write_req;

static void on_written(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    mcp__stdio *st = w->st;
    free(w->data);
    free(w);
    st->writes--;
    if (status < 0 && !st->write_failed) {
        st->write_failed = true;
        mcp_server_log(st->srv, MCP_LOG_ERROR, "stdout write failed: %s", uv_strerror(status));
    }
    maybe_close(st);
}

static void flush_output(mcp__stdio *st)
{
    if (st->olen == 0)
        return;
    if (st->write_failed) {
        st->olen = 0;
        return;
    }
    if (st->out_stream) {
        write_req *w = malloc(sizeof *w);
        uv_buf_t b;
        if (!w) {
            st->olen = 0;
            return;
        }
        w->st = st;
        w->data = st->obuf;
        b = uv_buf_init(st->obuf, (unsigned)st->olen);
        st->obuf = NULL;
        st->olen = st->ocap = 0;
        if (uv_write(&w->req, &st->out.stream, &b, 1, on_written) != 0) {
            free(w->data);
            free(w);
            st->write_failed = true;
            return;
        }
        st->writes++;
    } else {
        /* A regular file or a character device: plain blocking writes. */
        size_t off = 0;
        while (off < st->olen) {
            ssize_t n = write(st->out_fd, st->obuf + off, st->olen - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                st->write_failed = true;
                break;
            }
            off += (size_t)n;
        }
        st->olen = 0;
    }
}

static void stdio_send(mcp__session *s, json_t *msg, mcp_call_t *related)
{
    mcp__stdio *st = s->transport;
    mcp__buf b;
    (void)related;
    if (!st || st->write_failed)
        return;
    /* serialize straight into the output buffer */
    b.data = st->obuf;
    b.len = st->olen;
    b.cap = st->ocap;
    if (mcp__json_write(&b, msg) == MCP_OK)
        mcp__buf_add(&b, "\n", 1);
    st->obuf = b.data;
    st->olen = b.len;
    st->ocap = b.cap;
    if (!st->in_read)
        flush_output(st);
}

static void stdio_idle(mcp__session *s)
{
    mcp__stdio *st = s->transport;
    if (st)
        maybe_close(st);
}

static const mcp__transport_ops stdio_ops = {stdio_send, stdio_idle, NULL, NULL, NULL};

/* ---- input ------------------------------------------------------------------------------ */

static void handle_line(mcp__stdio *st, const char *p, size_t n)
{
    size_t i;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    for (i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            break;
    if (i == n)
        return; /* blank line */
    mcp__server_receive(st->sess, p, n);
}

static void too_long(mcp__stdio *st)
{
    char text[160];
    json_t *err;
    snprintf(text, sizeof text, "Invalid Request: message exceeds the limit of %zu bytes",
             st->srv->max_message);
    err = mcp__jsonrpc_error(NULL, MCP_JSONRPC_INVALID_REQUEST, text, NULL);
    if (err)
        stdio_send(st->sess, err, NULL);
    json_decref(err);
}

/* Keep `n` bytes of a line that continues in a later read. */
static void keep_partial(mcp__stdio *st, const char *p, size_t n)
{
    if (st->discarding)
        return;
    if (st->len + n > st->srv->max_message) {
        too_long(st);
        st->discarding = true;
        st->len = 0;
        return;
    }
    if (st->len + n > st->cap) {
        size_t cap = st->cap ? st->cap : READ_CHUNK;
        char *nb;
        while (cap < st->len + n)
            cap *= 2;
        nb = realloc(st->line, cap);
        if (!nb) {
            st->discarding = true; /* cannot hold it: skip this line */
            st->len = 0;
            return;
        }
        st->line = nb;
        st->cap = cap;
    }
    memcpy(st->line + st->len, p, n);
    st->len += n;
}

static void feed(mcp__stdio *st, const char *p, size_t n)
{
    const char *end = p + n;
    st->in_read = true;
    while (p < end && !st->stopping) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            keep_partial(st, p, (size_t)(end - p));
            break;
        }
        if (st->discarding) {
            st->discarding = false; /* the oversized line ends here */
        } else if (st->len == 0) {
            if ((size_t)(nl - p) > st->srv->max_message)
                too_long(st);
            else
                handle_line(st, p, (size_t)(nl - p)); /* in place: no copy */
        } else {
            keep_partial(st, p, (size_t)(nl - p));
            if (!st->discarding)
                handle_line(st, st->line, st->len);
            st->discarding = false;
        }
        st->len = 0;
        p = nl + 1;
    }
    st->in_read = false;
    flush_output(st);
}

static void on_input_end(mcp__stdio *st)
{
    if (st->eof)
        return;
    st->eof = true;
    if (st->in_type != UV_FILE && st->in_type != UV_UNKNOWN_HANDLE)
        uv_read_stop(&st->in.stream);
    /* A last line without its newline (EOF mid-line) is still handled. */
    if (st->len > 0 && !st->discarding && !st->stopping) {
        st->in_read = true;
        handle_line(st, st->line, st->len);
        st->in_read = false;
        flush_output(st);
    }
    st->len = 0;
    mcp__server_session_draining(st->sess); /* nobody is listening any more */
    maybe_close(st);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    mcp__stdio *st = h->data;
    (void)suggested;
    *buf = uv_buf_init(st->rbuf, sizeof st->rbuf);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    mcp__stdio *st = s->data;
    if (nread > 0)
        feed(st, buf->base, (size_t)nread);
    else if (nread < 0)
        on_input_end(st); /* UV_EOF, or a read error: either way the client is gone */
}

static void file_read_next(mcp__stdio *st);

static void on_file_read(uv_fs_t *req)
{
    mcp__stdio *st = req->data;
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    st->fs_reading = false;
    if (n > 0) {
        st->fs_offset += n;
        feed(st, st->rbuf, (size_t)n);
        if (!st->stopping && !st->closing) {
            file_read_next(st);
            return;
        }
    }
    on_input_end(st);
    maybe_close(st);
}

static void file_read_next(mcp__stdio *st)
{
    uv_buf_t b = uv_buf_init(st->rbuf, sizeof st->rbuf);
    st->fsreq.data = st;
    if (uv_fs_read(st->loop, &st->fsreq, 0, &b, 1, -1, on_file_read) == 0)
        st->fs_reading = true;
    else
        on_input_end(st);
}

/* ---- closing ---------------------------------------------------------------------------- */

static void on_handle_closed(uv_handle_t *h)
{
    mcp__stdio *st = h->data;
    if (--st->open_handles > 0)
        return;
    if (st->out_fd >= 0)
        close(st->out_fd); /* a stream handle closes its fd itself; see close_all() */
    if (st->srv)
        mcp__server_remove_transport(st->srv, &st->base);
    free(st->line);
    free(st->obuf);
    free(st);
}

static void close_handle(mcp__stdio *st, uv_handle_t *h)
{
    if (!uv_is_closing(h)) {
        st->open_handles++;
        uv_close(h, on_handle_closed);
    }
}

static void close_all(mcp__stdio *st)
{
    if (st->closing)
        return;
    st->closing = true;
    mcp__server_session_end(st->sess);
    mcp__session_unref(st->sess);
    st->sess = NULL;
    st->open_handles++; /* hold until every close is requested */
    if (st->in_open)
        close_handle(st, &st->in.handle);
    if (st->out_open) {
        st->out.handle.data = st;
        close_handle(st, &st->out.handle);
        st->out_fd = -1; /* closed by libuv with the handle */
    }
    if (st->in_open)
        st->in.handle.data = st;
    close_handle(st, (uv_handle_t *)&st->grace);
    on_handle_closed((uv_handle_t *)&st->grace); /* drop the hold */
}

static void on_grace(uv_timer_t *t)
{
    mcp__stdio *st = t->data;
    mcp_server_log(st->srv, MCP_LOG_WARNING,
                   "%zu request(s) still in flight after %d ms; closing stdio anyway",
                   st->sess ? st->sess->ncalls : 0, GRACE_MS);
    if (st->fs_reading) {
        st->stopping = true;
        return;
    }
    flush_output(st);
    close_all(st);
}

static void maybe_close(mcp__stdio *st)
{
    if (st->closing || !(st->eof || st->stopping || st->write_failed))
        return;
    if (st->fs_reading)
        return; /* the read's callback comes back here */
    if (st->sess && st->sess->ncalls > 0 && !st->write_failed) {
        if (!uv_is_active((uv_handle_t *)&st->grace))
            uv_timer_start(&st->grace, on_grace, GRACE_MS, 0);
        return;
    }
    if (st->writes > 0)
        return; /* on_written comes back here */
    close_all(st);
}

static void stdio_stop(mcp__transport *t)
{
    mcp__stdio *st = (mcp__stdio *)t;
    if (st->closing)
        return;
    st->stopping = true;
    if (!st->eof && st->in_type != UV_FILE && st->in_type != UV_UNKNOWN_HANDLE)
        uv_read_stop(&st->in.stream);
    maybe_close(st);
}

/* mcp_server_free(): the server has already unlinked us. */
static void stdio_free(mcp__transport *t)
{
    mcp__stdio *st = (mcp__stdio *)t;
    st->srv = NULL;
    if (!st->closing) {
        flush_output(st);
        close_all(st);
    }
}

/* ---- start ------------------------------------------------------------------------------ */

/* Initialize a stream handle for `fd`; *inited says whether the handle needs closing. */
static int open_stream(uv_loop_t *loop, int fd, uv_handle_type type, void *u, bool readable,
                       bool *inited)
{
    switch (type) {
    case UV_TTY:
        *inited = uv_tty_init(loop, (uv_tty_t *)u, fd, readable) == 0;
        return *inited ? 0 : -1;
    case UV_TCP:
        if (uv_tcp_init(loop, (uv_tcp_t *)u) != 0)
            return -1;
        *inited = true;
        return uv_tcp_open((uv_tcp_t *)u, fd);
    case UV_NAMED_PIPE:
        if (uv_pipe_init(loop, (uv_pipe_t *)u, 0) != 0)
            return -1;
        *inited = true;
        return uv_pipe_open((uv_pipe_t *)u, fd);
    default:
        return -1;
    }
}

int mcp_server_listen_stdio(mcp_server_t *srv)
{
    mcp__stdio *st;
    uv_handle_type out_type;
    int rc;

    if (!srv || !srv->loop)
        return MCP_EINVAL;
    if (srv->stdio_started)
        return MCP_ESTATE;
    st = calloc(1, sizeof *st);
    if (!st)
        return MCP_ENOMEM;
    st->base.kind = MCP__TRANSPORT_STDIO;
    st->base.stop = stdio_stop;
    st->base.free = stdio_free;
    st->srv = srv;
    st->loop = srv->loop;
    st->out_fd = -1;

    /* Keep the real stdout for the protocol; point descriptor 1 at stderr. Anything a program
     * printf()ed before this and left in stdio's buffer is flushed later, to stderr. */
    st->out_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (st->out_fd < 0) {
        free(st);
        return MCP_EIO;
    }
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            close(devnull);
        }
    }
    /* A vanished client must surface as EPIPE on write, never as a fatal signal. */
    signal(SIGPIPE, SIG_IGN);

    st->sess = mcp__session_new(srv, &stdio_ops, st);
    if (!st->sess) {
        close(st->out_fd);
        free(st);
        return MCP_ENOMEM;
    }
    uv_timer_init(st->loop, &st->grace); /* active only while waiting for calls to end */
    st->grace.data = st;

    out_type = uv_guess_handle(st->out_fd);
    if (out_type == UV_NAMED_PIPE || out_type == UV_TTY || out_type == UV_TCP) {
        st->out.handle.data = st;
        if (open_stream(st->loop, st->out_fd, out_type, &st->out, false, &st->out_open) != 0) {
            rc = MCP_EIO;
            goto fail;
        }
        st->out.handle.data = st;
        st->out_stream = true;
    }

    st->in_type = uv_guess_handle(STDIN_FILENO);
    if (st->in_type == UV_NAMED_PIPE || st->in_type == UV_TTY || st->in_type == UV_TCP) {
        if (open_stream(st->loop, STDIN_FILENO, st->in_type, &st->in, true, &st->in_open) != 0) {
            rc = MCP_EIO;
            goto fail;
        }
        st->in.handle.data = st;
        if (uv_read_start(&st->in.stream, on_alloc, on_read) != 0) {
            rc = MCP_EIO;
            goto fail;
        }
    } else {
        st->in_type = st->in_type == UV_FILE ? UV_FILE : UV_UNKNOWN_HANDLE;
        file_read_next(st);
    }
    srv->stdio_started = true;
    mcp__server_add_transport(srv, &st->base);
    return MCP_OK;

fail:
    stdio_free(&st->base);
    return rc;
}

int mcp_server_run_stdio(mcp_server_t *srv)
{
    int rc;
    if (!srv)
        return MCP_EINVAL;
    if ((rc = mcp__server_ensure_loop(srv)) != MCP_OK)
        return rc;
    if ((rc = mcp_server_listen_stdio(srv)) != MCP_OK)
        return rc;
    uv_run(srv->loop, UV_RUN_DEFAULT);
    return MCP_OK;
}
