/*
 * stdio_bench — STDIO benchmark driver for MCP servers.
 *
 * Spawns a server command with pipes on stdin/stdout and measures, speaking newline-delimited
 * JSON-RPC as an MCP client would (protocolVersion 2025-11-25):
 *   cold_start_ms        spawn -> the `initialize` response line received      (median of -c runs)
 *   idle_rss_kib         VmRSS of the child 200 ms after notifications/initialized (same runs)
 *   pipelined_msgs_per_s -m `tools/call echo` requests written by a thread as fast as the pipe
 *                        takes them while this thread reads the responses (all checked once the
 *                        clock has stopped)                                    (median of -r runs)
 *   latency_p50_us       -l sequential echo calls, send -> response line        (median of -r runs)
 *   latency_p99_us       (same calls)
 * With -b BARE, every pipelined run of the server is followed by one of the program BARE in raw
 * mode (no MCP handshake: one line in, one line out, lines only counted; bench/bare_echo.c) with
 * -M messages (default 10 x -m, so that both runs last a comparable time), and
 *   bare_pipelined_msgs_per_s  BARE's figure                                   (median of -r runs)
 *   pct_of_bare          100 * server median / BARE median
 *   pct_of_bare_paired   median over runs of 100 * server / BARE of the same run
 * -R runs COMMAND itself in raw mode (phase p only), e.g. to see the ceiling alone.
 * Output: one `result server=NAME metric=M value=V` line per metric on stdout, plus `sample`
 * lines for every run. Exit status 0 only if every exchange was well-formed and on time.
 *
 * It uses nothing of libmcp: only POSIX, pthreads and jansson (for checking responses).
 * sched_setaffinity (-s/-d, to pin server and driver to separate cores) is Linux-only.
 */
#define _GNU_SOURCE /* sched_setaffinity / CPU_SET (Linux); everything else is POSIX 2008 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE (64u * 1024u * 1024u) /* a response line longer than this is a protocol error */
#define INIT_TIMEOUT_S 30.0          /* spawn -> initialize response, per run */
#define EXIT_GRACE_S 3.0             /* stdin closed -> the server must have exited */
#define SETTLE_NS 200000000L         /* 200 ms between initialized and reading VmRSS */
#define RAW_BLOCK 4096L              /* raw mode: requests built once and written repeatedly */

static const char *g_name = "server";
static volatile sig_atomic_t g_child = 0; /* the one live child, for the signal/exit cleanup */

/* ---------------------------------------------------------------------------------------- */
/* small helpers                                                                            */
/* ---------------------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void kill_child(void)
{
    pid_t pid = (pid_t)g_child;
    if (pid > 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        g_child = 0;
    }
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "stdio_bench: %s: ", g_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    kill_child();
    exit(1);
}

static void on_signal(int sig)
{
    pid_t pid = (pid_t)g_child;
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    _exit(128 + sig);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        fail("out of memory");
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n) (sorts v). */
static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Nearest-rank percentile of a sorted array. */
static double percentile(const double *sorted, size_t n, double p)
{
    size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999999);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

static void pin_to_cpu(pid_t pid, int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(pid, sizeof set, &set) != 0 && pid == 0)
        fprintf(stderr, "stdio_bench: cannot pin the driver to cpu %d: %s\n", cpu, strerror(errno));
}

/* ---------------------------------------------------------------------------------------- */
/* the server process                                                                       */
/* ---------------------------------------------------------------------------------------- */

typedef struct server {
    pid_t pid;
    int in;  /* write end: the server's stdin */
    int out; /* read end: the server's stdout */
} server_t;

/* fork + exec argv with fresh pipes; the child is pinned to `cpu` (if >= 0) before exec. */
static void server_spawn(server_t *s, char **argv, int cpu)
{
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0)
        fail("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        fail("fork: %s", strerror(errno));
    if (pid == 0) {
        /* child: only async-signal-safe calls until exec */
        if (cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            sched_setaffinity(0, sizeof set, &set);
        }
        if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0)
            _exit(126);
        close(to[0]);
        close(to[1]);
        close(from[0]);
        close(from[1]);
        execvp(argv[0], argv);
        static const char msg[] = "stdio_bench: exec of the server command failed\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        _exit(127);
    }
    g_child = pid;
    close(to[0]);
    close(from[1]);
    fcntl(to[1], F_SETFD, FD_CLOEXEC);
    fcntl(from[0], F_SETFD, FD_CLOEXEC);
    s->pid = pid;
    s->in = to[1];
    s->out = from[0];
}

/* Close the server's stdin and wait (bounded) for it to exit; kill it if it does not. */
static void server_close(server_t *s)
{
    if (s->in >= 0)
        close(s->in);
    s->in = -1;
    double deadline = now_s() + EXIT_GRACE_S;
    int reaped = 0;
    while (!reaped && now_s() < deadline) {
        pid_t r = waitpid(s->pid, NULL, WNOHANG);
        if (r == s->pid || (r < 0 && errno == ECHILD))
            reaped = 1;
        else {
            struct timespec ts = {0, 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (!reaped) {
        fprintf(stderr, "stdio_bench: %s: server did not exit %.0f s after stdin closed; killed\n",
                g_name, EXIT_GRACE_S);
        kill(s->pid, SIGKILL);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    g_child = 0;
    if (s->out >= 0)
        close(s->out);
    s->out = -1;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            fail("write to server: %s", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
}

/* VmRSS of a process in KiB, or -1. */
static long read_vmrss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}

/* ---------------------------------------------------------------------------------------- */
/* line reader: any chunking, bounded by a deadline                                         */
/* ---------------------------------------------------------------------------------------- */

/* Read at most `n` (> 0) bytes, waiting until `deadline`; returns how many (> 0). Fails the run
 * on EOF, a read error or the deadline. */
static size_t read_some(int fd, char *buf, size_t n, double deadline, const char *what)
{
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0)
            fail("%s: timed out", what);
        struct pollfd pfd = {fd, POLLIN, 0};
        int ms = left > 1.0 ? 1000 : (int)(left * 1000.0) + 1;
        int r = poll(&pfd, 1, ms);
        if (r < 0 && errno != EINTR)
            fail("%s: poll: %s", what, strerror(errno));
        if (r <= 0)
            continue;
        ssize_t got = read(fd, buf, n);
        if (got > 0)
            return (size_t)got;
        if (got == 0)
            fail("%s: server closed its stdout (exited?)", what);
        if (errno != EINTR && errno != EAGAIN)
            fail("%s: read: %s", what, strerror(errno));
    }
}

typedef struct linereader {
    int fd;
    char *buf;
    size_t cap, start, end, scanned; /* scanned: bytes after start already known to have no \n */
} linereader_t;

static void lr_init(linereader_t *lr, int fd)
{
    lr->fd = fd;
    lr->cap = 256 * 1024;
    lr->buf = xmalloc(lr->cap);
    lr->start = lr->end = lr->scanned = 0;
}

static void lr_free(linereader_t *lr)
{
    free(lr->buf);
    lr->buf = NULL;
}

/* Next non-empty line (without its \n or \r\n) into *line and *len; valid until the next call.
 * Fails the run on EOF, read error, an over-long line, or when `deadline` passes. */
static void lr_next(linereader_t *lr, double deadline, const char *what, char **line, size_t *len)
{
    for (;;) {
        char *base = lr->buf + lr->start;
        size_t avail = lr->end - lr->start;
        char *nl = memchr(base + lr->scanned, '\n', avail - lr->scanned);
        if (nl) {
            size_t n = (size_t)(nl - base);
            lr->start += n + 1;
            lr->scanned = 0;
            if (n > 0 && base[n - 1] == '\r')
                n--;
            if (n == 0)
                continue;
            *line = base;
            *len = n;
            return;
        }
        lr->scanned = avail;
        if (lr->start > 0) {
            memmove(lr->buf, base, avail);
            lr->start = 0;
            lr->end = avail;
        }
        if (lr->end == lr->cap) {
            if (lr->cap >= MAX_LINE)
                fail("%s: response line longer than %u bytes", what, MAX_LINE);
            lr->cap *= 2;
            char *nb = realloc(lr->buf, lr->cap);
            if (!nb)
                fail("out of memory");
            lr->buf = nb;
        }
        lr->end += read_some(lr->fd, lr->buf + lr->end, lr->cap - lr->end, deadline, what);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* JSON-RPC checks                                                                          */
/* ---------------------------------------------------------------------------------------- */

/* A line in an error message: at most 300 bytes, it need not be NUL-terminated. */
#define SHOW(line, len) (int)((len) < 300 ? (len) : 300), (line)

/* Parse one line. Returns a new reference to a response object and sets *id, or NULL for a
 * notification from the server (ignored). Anything else fails the run. */
static json_t *parse_response(const char *line, size_t len, const char *what, json_int_t *id)
{
    json_error_t err;
    json_t *msg = json_loadb(line, len, 0, &err);
    if (!msg)
        fail("%s: unparsable line (%s): %.*s", what, err.text, SHOW(line, len));
    if (!json_is_object(msg))
        fail("%s: line is not a JSON object: %.*s", what, SHOW(line, len));
    json_t *jid = json_object_get(msg, "id");
    if (json_object_get(msg, "method")) {
        if (jid)
            fail("%s: server sent a request, not expected here: %.*s", what, SHOW(line, len));
        json_decref(msg);
        return NULL;
    }
    if (!json_is_integer(jid))
        fail("%s: response without an integer id: %.*s", what, SHOW(line, len));
    json_t *error = json_object_get(msg, "error");
    if (error)
        fail("%s: JSON-RPC error response: %.*s", what, SHOW(line, len));
    if (!json_is_object(json_object_get(msg, "result")))
        fail("%s: response without a result object: %.*s", what, SHOW(line, len));
    *id = json_integer_value(jid);
    return msg;
}

/* The text of a tools/call result's single text content block, or NULL. */
static const char *tool_text(json_t *msg)
{
    json_t *result = json_object_get(msg, "result");
    if (json_is_true(json_object_get(result, "isError")))
        return NULL;
    json_t *content = json_object_get(result, "content");
    if (!json_is_array(content) || json_array_size(content) != 1)
        return NULL;
    json_t *block = json_array_get(content, 0);
    if (!json_is_string(json_object_get(block, "type")) ||
        strcmp(json_string_value(json_object_get(block, "type")), "text") != 0)
        return NULL;
    return json_string_value(json_object_get(block, "text"));
}

/* Read lines until the response to `want_id` arrives (skipping notifications); new reference. */
static json_t *await_response(linereader_t *lr, json_int_t want_id, double deadline, const char *what)
{
    for (;;) {
        char *line;
        size_t len;
        json_int_t id;
        lr_next(lr, deadline, what, &line, &len);
        json_t *msg = parse_response(line, len, what, &id);
        if (!msg)
            continue;
        if (id != want_id)
            fail("%s: response id %" JSON_INTEGER_FORMAT " while waiting for %" JSON_INTEGER_FORMAT,
                 what, id, want_id);
        return msg;
    }
}

static const char INIT_REQ[] =
    "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
    "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"stdio_bench\",\"version\":"
    "\"1.0.0\"}}}\n";
static const char INITIALIZED[] = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
#define ECHO_FMT                                                                                 \
    "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\","   \
    "\"arguments\":{\"text\":\"hello\"}}}\n"

/* Spawn the server and complete the handshake; returns seconds from spawn to the initialize
 * response. */
static double start_session(server_t *s, linereader_t *lr, char **argv, int cpu, int verbose)
{
    double t0 = now_s();
    server_spawn(s, argv, cpu);
    write_all(s->in, INIT_REQ, sizeof INIT_REQ - 1);
    lr_init(lr, s->out);
    json_t *msg = await_response(lr, 0, t0 + INIT_TIMEOUT_S, "initialize");
    double t1 = now_s();
    json_t *pv = json_object_get(json_object_get(msg, "result"), "protocolVersion");
    if (!json_is_string(pv))
        fail("initialize: result has no protocolVersion");
    if (verbose)
        printf("info server=%s protocolVersion=%s pid=%ld\n", g_name, json_string_value(pv),
               (long)s->pid);
    json_decref(msg);
    write_all(s->in, INITIALIZED, sizeof INITIALIZED - 1);
    return t1 - t0;
}

static void end_session(server_t *s, linereader_t *lr)
{
    server_close(s);
    lr_free(lr);
}

/* One `add` call to check the tool works (2 + 3 -> "2 + 3 = 5", the quickstart's sentence). */
static void smoke_add(server_t *s, linereader_t *lr)
{
    static const char req[] = "{\"jsonrpc\":\"2.0\",\"id\":2147483647,\"method\":\"tools/call\",\"params\":"
                              "{\"name\":\"add\",\"arguments\":{\"a\":2,\"b\":3}}}\n";
    write_all(s->in, req, sizeof req - 1);
    json_t *msg = await_response(lr, 2147483647, now_s() + INIT_TIMEOUT_S, "add");
    const char *text = tool_text(msg);
    if (!text || strcmp(text, "2 + 3 = 5") != 0)
        fail("add: 2 + 3 did not return the text \"2 + 3 = 5\"");
    json_decref(msg);
}

/* ---------------------------------------------------------------------------------------- */
/* pipelined throughput                                                                     */
/* ---------------------------------------------------------------------------------------- */

typedef struct writer {
    int fd;
    const char *data;
    size_t len;     /* data is written `repeat` times, then its first `tail` bytes */
    long repeat;
    size_t tail;
    double t_first; /* set before the first write */
    int err;        /* errno of a failed write, 0 if all was written */
} writer_t;

static void *writer_main(void *arg)
{
    writer_t *w = arg;
    const char *p = w->data;
    size_t left = w->len;
    long round = 1;
    w->t_first = now_s();
    for (;;) {
        if (left == 0) {
            if (round > w->repeat)
                break;
            left = round++ < w->repeat ? w->len : w->tail;
            p = w->data;
            continue;
        }
        size_t chunk = left < 65536 ? left : 65536;
        ssize_t n = write(w->fd, p, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            w->err = errno;
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    return NULL;
}

/* Raw mode (-b): spawn a program that answers every line with one line, with no handshake;
 * one request is answered before the clock starts, so the exec is not timed. */
static void start_raw(server_t *s, linereader_t *lr, char **argv, int cpu)
{
    server_spawn(s, argv, cpu);
    char req[256];
    int n = snprintf(req, sizeof req, ECHO_FMT, 0L);
    write_all(s->in, req, (size_t)n);
    lr_init(lr, s->out);
    char *line;
    size_t len;
    lr_next(lr, now_s() + INIT_TIMEOUT_S, "raw start", &line, &len);
}

/* Messages per second for `count` pipelined echo calls. raw: argv is a bare line answerer
 * (start_raw); its lines are only counted, not parsed. */
static double run_pipelined(char **argv, int cpu, long count, double timeout, int raw)
{
    /* all requests are built before the clock starts; in raw mode, where only lines are
     * counted, a block of RAW_BLOCK requests is written over and over, and output not kept */
    long block = raw && count > RAW_BLOCK ? RAW_BLOCK : count;
    size_t cap = (size_t)block * 128 + 1, len = 0, tail = 0;
    char *data = xmalloc(cap);
    for (long id = 1; id <= block; id++) {
        if (id - 1 == count % block)
            tail = len;
        len += (size_t)snprintf(data + len, cap - len, ECHO_FMT, id);
    }
    unsigned char *seen = calloc(raw ? 1 : (size_t)count + 1, 1);
    if (!seen)
        fail("out of memory");

    server_t s;
    linereader_t lr;
    if (raw)
        start_raw(&s, &lr, argv, cpu);
    else {
        start_session(&s, &lr, argv, cpu, 0);
        smoke_add(&s, &lr);
    }

    /* The timed loop only frames lines and counts responses (a line without "method"; raw: every
     * line); all output is kept and every response is checked once the clock has stopped, so the
     * driver's JSON parsing does not cap what a fast server can show. */
    size_t rcap = (size_t)block * 160 + 65536, rlen = lr.end - lr.start, line0 = 0;
    if (rcap < rlen)
        rcap = rlen + 65536;
    char *rbuf = xmalloc(rcap);
    memset(rbuf, 0, rcap); /* fault its pages in now, not while the clock runs */
    memcpy(rbuf, lr.buf + lr.start, rlen); /* anything already read past the add response */
    size_t scan = 0;
    long responses = 0;

    writer_t w = {s.in, data, len, count / block, tail, 0.0, 0};
    pthread_t th;
    if (pthread_create(&th, NULL, writer_main, &w) != 0)
        fail("pthread_create failed");
    double deadline = now_s() + timeout;
    for (;;) {
        char *nl;
        while (responses < count && (nl = memchr(rbuf + scan, '\n', rlen - scan)) != NULL) {
            size_t n = (size_t)(nl - (rbuf + line0));
            if (n > 0 && (raw || !memmem(rbuf + line0, n, "\"method\"", 8)))
                responses++;
            line0 = scan = (size_t)(nl - rbuf) + 1;
        }
        if (responses >= count)
            break;
        if (raw) { /* counted lines are not kept */
            rlen -= line0;
            memmove(rbuf, rbuf + line0, rlen);
            line0 = 0;
        }
        scan = rlen;
        if (rcap - rlen < 65536) {
            if (rcap > (size_t)count * 4096 + MAX_LINE)
                fail("pipelined: over 4 KiB of output per request; giving up");
            rcap *= 2;
            char *nb = realloc(rbuf, rcap);
            if (!nb)
                fail("out of memory");
            rbuf = nb;
        }
        rlen += read_some(s.out, rbuf + rlen, rcap - rlen, deadline, "pipelined");
    }
    double t_last = now_s();
    pthread_join(th, NULL);
    if (w.err)
        fail("pipelined: writer: %s", strerror(w.err));
    end_session(&s, &lr);

    /* now check every line: each id 1..count exactly once, each result the text "hello" (raw:
     * only the count, which the timed loop has reached) */
    long got = raw ? count : 0;
    for (size_t at = 0; !raw && at < line0;) {
        char *line = rbuf + at, *nl = memchr(line, '\n', line0 - at);
        size_t n = (size_t)(nl - line);
        at += n + 1;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        json_int_t id;
        json_t *msg = parse_response(line, n, "pipelined", &id);
        if (!msg)
            continue;
        if (id < 1 || id > count)
            fail("pipelined: unexpected response id %" JSON_INTEGER_FORMAT, id);
        if (seen[id])
            fail("pipelined: response id %" JSON_INTEGER_FORMAT " received twice", id);
        seen[id] = 1;
        const char *text = tool_text(msg);
        if (!text || strcmp(text, "hello") != 0)
            fail("pipelined: response %" JSON_INTEGER_FORMAT " is not the text \"hello\": %.*s",
                 id, SHOW(line, n));
        json_decref(msg);
        got++;
    }
    if (got != count)
        fail("pipelined: %ld valid responses for %ld requests", got, count);
    free(rbuf);
    free(seen);
    free(data);
    return (double)count / (t_last - w.t_first);
}

/* ---------------------------------------------------------------------------------------- */
/* one-at-a-time latency                                                                    */
/* ---------------------------------------------------------------------------------------- */

static void run_latency(char **argv, int cpu, long calls, long warmup, double timeout, double *p50,
                        double *p99)
{
    double *lat = xmalloc((size_t)calls * sizeof *lat);
    server_t s;
    linereader_t lr;
    start_session(&s, &lr, argv, cpu, 0);
    smoke_add(&s, &lr);
    double deadline = now_s() + timeout;
    char req[256];
    for (long i = 0; i < warmup + calls; i++) {
        long id = i + 1;
        int n = snprintf(req, sizeof req, ECHO_FMT, id);
        double t0 = now_s();
        write_all(s.in, req, (size_t)n);
        char *line;
        size_t len;
        json_int_t rid;
        json_t *msg;
        do {
            lr_next(&lr, deadline, "latency", &line, &len);
            msg = parse_response(line, len, "latency", &rid);
        } while (!msg);
        double t1 = now_s();
        if (rid != id)
            fail("latency: response id %" JSON_INTEGER_FORMAT ", expected %ld", rid, id);
        const char *text = tool_text(msg);
        if (!text || strcmp(text, "hello") != 0)
            fail("latency: response %ld is not the text \"hello\"", id);
        json_decref(msg);
        if (i >= warmup)
            lat[i - warmup] = (t1 - t0) * 1e6;
    }
    end_session(&s, &lr);
    qsort(lat, (size_t)calls, sizeof *lat, cmp_double);
    *p50 = percentile(lat, (size_t)calls, 50.0);
    *p99 = percentile(lat, (size_t)calls, 99.0);
    free(lat);
}

/* ---------------------------------------------------------------------------------------- */
/* -E: a null responder, to measure the floor of this harness (pipes, wakeups, the driver)   */
/* ---------------------------------------------------------------------------------------- */

/* Answers each request line by string matching alone: no JSON parsing, no MCP semantics. Only
 * fit for this driver's own requests. Output is written in one go whenever input runs dry. */
static int null_responder(void)
{
    size_t cap = 1 << 20, have = 0, ocap = 1 << 20, olen = 0;
    char *in = xmalloc(cap), *out = xmalloc(ocap);
    for (;;) {
        ssize_t n = read(0, in + have, cap - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        have += (size_t)n;
        char *p = in, *end = in + have, *nl;
        while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            *nl = '\0';
            char *idp = strstr(p, "\"id\":");
            if (idp) {
                long id = strtol(idp + 5, NULL, 10);
                const char *result =
                    strstr(p, "\"initialize\"")
                        ? "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"serverInfo\":"
                          "{\"name\":\"null\",\"version\":\"0\"}}"
                    : strstr(p, "\"add\"") ? "{\"content\":[{\"type\":\"text\",\"text\":\"2 + 3 = 5\"}]}"
                                          : "{\"content\":[{\"type\":\"text\",\"text\":\"hello\"}]}";
                if (ocap - olen < 512) {
                    write_all(1, out, olen);
                    olen = 0;
                }
                olen += (size_t)snprintf(out + olen, ocap - olen,
                                         "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"result\":%s}\n", id, result);
            }
            p = nl + 1;
        }
        have = (size_t)(end - p);
        memmove(in, p, have);
        if (have == cap)
            fail("null responder: line too long");
        if (olen) {
            write_all(1, out, olen);
            olen = 0;
        }
    }
    free(in);
    free(out);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [-n NAME] [-c COLD_RUNS] [-r RUNS] [-m MESSAGES] [-l LATENCY_CALLS]\n"
            "          [-w WARMUP_CALLS] [-t TIMEOUT_S] [-s SERVER_CPU] [-d DRIVER_CPU]\n"
            "          [-x PHASES] [-b BARE] [-M BARE_MESSAGES] [-R] -- COMMAND [ARG...]\n"
            "       %s -E   (be a null responder on stdin/stdout: the harness floor)\n"
            "defaults: -c 20 -r 5 -m 100000 -l 10000 -w 1000 -t 120 -x csl\n"
            "phases: c = cold start + idle RSS, p = pipelined throughput, l = latency\n"
            "-b BARE: after each pipelined run, one of the program BARE in raw mode (no handshake,\n"
            "         one line out per line in, counted only: bench/bare_echo.c) with -M messages\n"
            "         (default 10 x -m), and the ratio\n"
            "-R: COMMAND itself is such a raw program (only phase p)\n",
            argv0, argv0);
    exit(2);
}

static long num_arg(const char *s, const char *argv0, long min)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min)
        usage(argv0);
    return v;
}

static void emit(const char *metric, double value, int decimals)
{
    printf("result server=%s metric=%s value=%.*f\n", g_name, metric, decimals, value);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    long cold_runs = 20, runs = 5, messages = 100000, calls = 10000, warmup = 1000, bare_messages = 0;
    double timeout = 120.0;
    int server_cpu = -1, driver_cpu = -1;
    const char *phases = "cpl";
    char *bare = NULL;
    int raw = 0;
    int opt;
    while ((opt = getopt(argc, argv, "n:c:r:m:l:w:t:s:d:x:b:M:REh")) != -1) {
        switch (opt) {
        case 'n': g_name = optarg; break;
        case 'c': cold_runs = num_arg(optarg, argv[0], 1); break;
        case 'r': runs = num_arg(optarg, argv[0], 1); break;
        case 'm': messages = num_arg(optarg, argv[0], 1); break;
        case 'l': calls = num_arg(optarg, argv[0], 1); break;
        case 'w': warmup = num_arg(optarg, argv[0], 0); break;
        case 't': timeout = (double)num_arg(optarg, argv[0], 1); break;
        case 's': server_cpu = (int)num_arg(optarg, argv[0], 0); break;
        case 'd': driver_cpu = (int)num_arg(optarg, argv[0], 0); break;
        case 'x': phases = optarg; break;
        case 'b': bare = optarg; break;
        case 'R': raw = 1; break;
        case 'M': bare_messages = num_arg(optarg, argv[0], 1); break;
        case 'E': return null_responder();
        default: usage(argv[0]);
        }
    }
    if (optind >= argc)
        usage(argv[0]);
    char **cmd = argv + optind;
    if (bare_messages == 0)
        bare_messages = messages > LONG_MAX / 10 ? LONG_MAX : messages * 10;
    if (raw && (bare || strcmp(phases, "p") != 0)) {
        fprintf(stderr, "stdio_bench: -R needs -x p and no -b\n");
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL); /* a dead server shows up as EPIPE, not a dead driver */
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (driver_cpu >= 0)
        pin_to_cpu(0, driver_cpu);

    printf("config server=%s cold_runs=%ld runs=%ld messages=%ld latency_calls=%ld warmup=%ld "
           "timeout_s=%.0f server_cpu=%d driver_cpu=%d bare=%s bare_messages=%ld\n",
           g_name, cold_runs, runs, messages, calls, warmup, timeout, server_cpu, driver_cpu,
           bare ? bare : "none", bare_messages);

    if (strchr(phases, 'c')) {
        double *cold = xmalloc((size_t)cold_runs * sizeof *cold);
        double *rss = xmalloc((size_t)cold_runs * sizeof *rss);
        for (long i = 0; i < cold_runs; i++) {
            server_t s;
            linereader_t lr;
            cold[i] = start_session(&s, &lr, cmd, server_cpu, i == 0) * 1e3;
            struct timespec ts = {0, SETTLE_NS};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
            }
            if (waitpid(s.pid, NULL, WNOHANG) != 0)
                fail("server exited after initialize");
            long kib = read_vmrss_kib(s.pid);
            if (kib < 0)
                fail("cannot read VmRSS of pid %ld", (long)s.pid);
            rss[i] = (double)kib;
            end_session(&s, &lr);
            printf("sample server=%s metric=cold_start_ms run=%ld value=%.3f\n", g_name, i + 1, cold[i]);
            printf("sample server=%s metric=idle_rss_kib run=%ld value=%.0f\n", g_name, i + 1, rss[i]);
            fflush(stdout);
        }
        emit("cold_start_ms", median(cold, (size_t)cold_runs), 3);
        emit("idle_rss_kib", median(rss, (size_t)cold_runs), 0);
        free(cold);
        free(rss);
    }

    if (strchr(phases, 'p')) {
        double *tp = xmalloc((size_t)runs * sizeof *tp);
        double *btp = xmalloc((size_t)runs * sizeof *btp);
        double *pct = xmalloc((size_t)runs * sizeof *pct);
        char *bare_argv[] = {bare, NULL};
        for (long i = 0; i < runs; i++) {
            tp[i] = run_pipelined(cmd, server_cpu, messages, timeout, raw);
            printf("sample server=%s metric=pipelined_msgs_per_s run=%ld value=%.0f\n", g_name, i + 1,
                   tp[i]);
            if (bare) {
                btp[i] = run_pipelined(bare_argv, server_cpu, bare_messages, timeout, 1);
                pct[i] = 100.0 * tp[i] / btp[i];
                printf("sample server=%s metric=bare_pipelined_msgs_per_s run=%ld value=%.0f\n",
                       g_name, i + 1, btp[i]);
                printf("sample server=%s metric=pct_of_bare_paired run=%ld value=%.2f\n", g_name,
                       i + 1, pct[i]);
            }
            fflush(stdout);
        }
        double m = median(tp, (size_t)runs);
        emit("pipelined_msgs_per_s", m, 0);
        if (bare) {
            double bm = median(btp, (size_t)runs);
            emit("bare_pipelined_msgs_per_s", bm, 0);
            emit("pct_of_bare", 100.0 * m / bm, 2);
            emit("pct_of_bare_paired", median(pct, (size_t)runs), 2);
        }
        free(pct);
        free(btp);
        free(tp);
    }

    if (strchr(phases, 'l')) {
        double *p50 = xmalloc((size_t)runs * sizeof *p50);
        double *p99 = xmalloc((size_t)runs * sizeof *p99);
        for (long i = 0; i < runs; i++) {
            run_latency(cmd, server_cpu, calls, warmup, timeout, &p50[i], &p99[i]);
            printf("sample server=%s metric=latency_p50_us run=%ld value=%.1f\n", g_name, i + 1, p50[i]);
            printf("sample server=%s metric=latency_p99_us run=%ld value=%.1f\n", g_name, i + 1, p99[i]);
            fflush(stdout);
        }
        emit("latency_p50_us", median(p50, (size_t)runs), 1);
        emit("latency_p99_us", median(p99, (size_t)runs), 1);
        free(p50);
        free(p99);
    }
    return 0;
}
