/*
 * HTTP requests on a libuv loop: libcurl's multi socket API, loaded with dlopen on first use
 * (see core.h). One engine per loop: a uv_poll_t for each socket libcurl asks about and one
 * uv_timer_t for its timeouts, so transfers progress only from the loop and every callback runs
 * on the loop thread.
 *
 * libcurl forbids adding or removing transfers from inside its own callbacks. Those run inside
 * curl_multi_socket_action, which this file calls with `busy` raised; a request started or
 * cancelled meanwhile is queued and handled by settle() once libcurl has returned. Completion is
 * delivered from settle() too, so on_done never runs inside a libcurl callback either.
 */
#include "core/core.h"

#include "base/dl.h"

#include <pthread.h>
#include <stddef.h>
#include <strings.h>

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#define HEADER_BYTES_MAX (64u * 1024u)

/* ---- loading libcurl ------------------------------------------------------------------------- */

struct curl_api {
    CURLcode (*global_init)(long flags);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *m);
    CURLMcode (*multi_setopt)(CURLM *m, CURLMoption opt, ...);
    CURLMcode (*multi_socket_action)(CURLM *m, curl_socket_t s, int ev, int *running);
    CURLMcode (*multi_assign)(CURLM *m, curl_socket_t s, void *p);
    CURLMsg *(*multi_info_read)(CURLM *m, int *left);
    CURLMcode (*multi_add_handle)(CURLM *m, CURL *e);
    CURLMcode (*multi_remove_handle)(CURLM *m, CURL *e);
    const char *(*multi_strerror)(CURLMcode c);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *e);
    CURLcode (*easy_setopt)(CURL *e, CURLoption opt, ...);
    CURLcode (*easy_getinfo)(CURL *e, CURLINFO info, ...);
    const char *(*easy_strerror)(CURLcode c);
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
};
static struct curl_api C;

/* Where each entry point goes in the table: POSIX lets dlsym's object pointer be copied into
 * a function pointer of the same size. */
#define SYM(field, name)                       \
    {                                          \
        name, offsetof(struct curl_api, field) \
    }
static const struct {
    const char *name;
    size_t off;
} syms[] = {
    SYM(global_init, "curl_global_init"),
    SYM(multi_init, "curl_multi_init"),
    SYM(multi_cleanup, "curl_multi_cleanup"),
    SYM(multi_setopt, "curl_multi_setopt"),
    SYM(multi_socket_action, "curl_multi_socket_action"),
    SYM(multi_assign, "curl_multi_assign"),
    SYM(multi_info_read, "curl_multi_info_read"),
    SYM(multi_add_handle, "curl_multi_add_handle"),
    SYM(multi_remove_handle, "curl_multi_remove_handle"),
    SYM(multi_strerror, "curl_multi_strerror"),
    SYM(easy_init, "curl_easy_init"),
    SYM(easy_cleanup, "curl_easy_cleanup"),
    SYM(easy_setopt, "curl_easy_setopt"),
    SYM(easy_getinfo, "curl_easy_getinfo"),
    SYM(easy_strerror, "curl_easy_strerror"),
    SYM(slist_append, "curl_slist_append"),
    SYM(slist_free_all, "curl_slist_free_all"),
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_rc = MCP_EIO;
static char load_why[256];

/* Debian's libcurl4 (OpenSSL), else its GnuTLS flavour, else whatever a plain name finds. */
static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so", NULL};

static void load(void)
{
    void *h = mcp__dl_open(sonames, "libcurl", "libcurl4", load_why, sizeof load_why);
    size_t i;
    if (!h)
        return;
    for (i = 0; i < sizeof syms / sizeof syms[0]; i++)
        if (!mcp__dl_sym(h, syms[i].name, (char *)&C + syms[i].off, "libcurl", load_why,
                         sizeof load_why))
            return;
    if (C.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_why, sizeof load_why, "curl_global_init failed");
        return;
    }
    load_rc = MCP_OK; /* the handle stays open for the life of the process */
}

/* ---- the engine and its requests ------------------------------------------------------------- */

typedef struct sock_ctx {
    uv_poll_t h;
    mcp__curl *eng;
    curl_socket_t fd;
    int events; /* what libcurl asked for (UV_READABLE, UV_WRITABLE) */
    struct sock_ctx *prev, *next;
} sock_ctx;

struct mcp__curl {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    int refs;     /* users and requests */
    int handles;  /* libuv handles not yet closed (timer, polls) */
    int busy;     /* inside libcurl: no adding or removing transfers now */
    bool closing; /* refs reached 0: handles are closing */
    sock_ctx *socks;
    mcp__curl_req *to_add;    /* started while busy */
    mcp__curl_req *to_cancel; /* cancelled while busy */
    mcp__curl *next;          /* the engines of every loop */
};

struct mcp__curl_req {
    mcp__curl *eng;
    CURL *easy;
    struct curl_slist *hdrs;
    char *body;
    int (*on_headers)(mcp__curl_req *r, long status, const char *ctype, void *ud);
    int (*on_body)(mcp__curl_req *r, const char *data, size_t len, void *ud);
    void (*on_done)(mcp__curl_req *r, const mcp__curl_result *res, void *ud);
    void *ud;
    long status;
    char *hbuf; /* the final response's headers: "name\0value\0" ... */
    size_t hlen, hcap;
    bool headers_done, in_multi, queued_add, queued_cancel;
    int abort_err; /* set when we stopped the transfer: the error on_done reports */
    char abort_why[96];
    mcp__curl_req *qnext; /* to_add or to_cancel */
    char errbuf[CURL_ERROR_SIZE];
};

static pthread_mutex_t engines_lock = PTHREAD_MUTEX_INITIALIZER;
static mcp__curl *engines;

static void engine_unref(mcp__curl *e);

static void handle_closed(uv_handle_t *h)
{
    mcp__curl *e = h->data;
    if (h->type == UV_POLL)
        free(h); /* the sock_ctx: the handle is its first member */
    if (--e->handles == 0 && e->closing)
        free(e);
}

static void sock_close(mcp__curl *e, sock_ctx *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        e->socks = s->next;
    if (s->next)
        s->next->prev = s->prev;
    uv_poll_stop(&s->h);
    uv_close((uv_handle_t *)&s->h, handle_closed);
}

/* ---- completion ------------------------------------------------------------------------------ */

static void unqueue(mcp__curl_req **list, mcp__curl_req *r)
{
    for (; *list; list = &(*list)->qnext)
        if (*list == r) {
            *list = r->qnext;
            return;
        }
}

/* Deliver on_done and free `r`. Never inside a libcurl callback. */
static void finish(mcp__curl_req *r, CURLcode code)
{
    mcp__curl *e = r->eng;
    mcp__curl_result res;
    if (r->queued_cancel)
        unqueue(&e->to_cancel, r);
    if (r->queued_add)
        unqueue(&e->to_add, r);
    if (r->in_multi)
        C.multi_remove_handle(e->multi, r->easy);
    r->in_multi = false;
    memset(&res, 0, sizeof res);
    res.curl_code = (int)code;
    res.status = r->headers_done ? r->status : 0;
    if (r->abort_err) {
        res.err = r->abort_err;
        res.error = r->abort_why;
    } else if (code == CURLE_OK) {
        res.err = MCP_OK;
        res.error = "";
    } else {
        res.err = code == CURLE_OPERATION_TIMEDOUT ? MCP_ETIMEDOUT
                  : code == CURLE_OUT_OF_MEMORY    ? MCP_ENOMEM
                                                   : MCP_EIO;
        res.error = r->errbuf[0] ? r->errbuf : C.easy_strerror(code);
    }
    r->on_done(r, &res, r->ud);
    C.easy_cleanup(r->easy);
    C.slist_free_all(r->hdrs);
    free(r->body);
    free(r->hbuf);
    free(r);
    engine_unref(e);
}

static void add_now(mcp__curl_req *r)
{
    CURLMcode mc = C.multi_add_handle(r->eng->multi, r->easy);
    if (mc != CURLM_OK) {
        r->abort_err = mc == CURLM_OUT_OF_MEMORY ? MCP_ENOMEM : MCP_EIO;
        snprintf(r->abort_why, sizeof r->abort_why, "cannot start the request: %s",
                 C.multi_strerror(mc));
        finish(r, CURLE_FAILED_INIT);
        return;
    }
    r->in_multi = true;
}

/* After libcurl returned: start what was queued, end what was cancelled, report what finished. */
static void settle(mcp__curl *e)
{
    bool progress = true;
    if (e->busy)
        return;
    e->refs++; /* on_done may drop the last other reference */
    while (progress) {
        mcp__curl_req *r;
        CURLMsg *m;
        int left;
        progress = false;
        while ((r = e->to_add)) {
            e->to_add = r->qnext;
            r->queued_add = false;
            if (r->abort_err)
                finish(r, CURLE_ABORTED_BY_CALLBACK);
            else
                add_now(r);
            progress = true;
        }
        while ((r = e->to_cancel)) {
            finish(r, CURLE_ABORTED_BY_CALLBACK);
            progress = true;
        }
        while ((m = C.multi_info_read(e->multi, &left))) {
            char *p = NULL;
            CURLcode code = m->data.result;
            if (m->msg != CURLMSG_DONE)
                continue;
            C.easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
            finish((mcp__curl_req *)(void *)p, code);
            progress = true;
        }
    }
    engine_unref(e);
}

static void drive(mcp__curl *e, curl_socket_t s, int ev)
{
    int running = 0;
    e->busy++;
    C.multi_socket_action(e->multi, s, ev, &running);
    e->busy--;
    settle(e);
}

/* ---- libcurl's socket and timer callbacks --------------------------------------------------- */

static void on_poll(uv_poll_t *h, int status, int events)
{
    sock_ctx *s = (sock_ctx *)h;
    int ev = 0;
    if (status < 0) { /* libuv stopped the handle: let libcurl read the socket's own error */
        ev = CURL_CSELECT_IN | CURL_CSELECT_OUT;
        uv_poll_start(&s->h, s->events, on_poll);
    } else {
        if (events & UV_READABLE)
            ev |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            ev |= CURL_CSELECT_OUT;
    }
    drive(s->eng, s->fd, ev);
}

static int sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    mcp__curl *e = userp;
    sock_ctx *s = socketp;
    int ev = 0;
    (void)easy;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            C.multi_assign(e->multi, fd, NULL);
            sock_close(e, s);
        }
        return 0;
    }
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return -1;
        if (uv_poll_init_socket(e->loop, &s->h, fd) != 0) {
            free(s);
            return -1;
        }
        s->h.data = e;
        s->eng = e;
        s->fd = fd;
        s->next = e->socks;
        if (e->socks)
            e->socks->prev = s;
        e->socks = s;
        e->handles++;
        C.multi_assign(e->multi, fd, s);
    }
    if (what & CURL_POLL_IN)
        ev |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        ev |= UV_WRITABLE;
    s->events = ev;
    uv_poll_start(&s->h, ev, on_poll);
    return 0;
}

static void on_timer(uv_timer_t *t)
{
    drive(t->data, CURL_SOCKET_TIMEOUT, 0);
}

static int timer_cb(CURLM *m, long ms, void *userp)
{
    mcp__curl *e = userp;
    (void)m;
    if (e->closing)
        return 0;
    if (ms < 0)
        uv_timer_stop(&e->timer);
    else
        uv_timer_start(&e->timer, on_timer, (uint64_t)ms, 0);
    return 0;
}

/* ---- the engine's life ---------------------------------------------------------------------- */

mcp__curl *mcp__curl_engine(uv_loop_t *loop, char *why, size_t n)
{
    mcp__curl *e;
    if (!loop) {
        if (why && n)
            snprintf(why, n, "no loop");
        return NULL;
    }
    pthread_once(&load_once, load);
    if (load_rc != MCP_OK) {
        if (why && n)
            snprintf(why, n, "%s", load_why);
        return NULL;
    }
    pthread_mutex_lock(&engines_lock);
    for (e = engines; e; e = e->next)
        if (e->loop == loop && !e->closing) {
            e->refs++;
            pthread_mutex_unlock(&engines_lock);
            return e;
        }
    pthread_mutex_unlock(&engines_lock);
    e = calloc(1, sizeof *e);
    if (!e || !(e->multi = C.multi_init())) {
        free(e);
        if (why && n)
            snprintf(why, n, "out of memory");
        return NULL;
    }
    e->loop = loop;
    e->refs = 1;
    uv_timer_init(loop, &e->timer);
    e->timer.data = e;
    e->handles = 1;
    C.multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
    C.multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
    C.multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
    C.multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
    pthread_mutex_lock(&engines_lock);
    e->next = engines;
    engines = e;
    pthread_mutex_unlock(&engines_lock);
    return e;
}

static void engine_unref(mcp__curl *e)
{
    mcp__curl **pp;
    if (--e->refs > 0)
        return;
    /* No user and no request is left (each request holds a reference). */
    pthread_mutex_lock(&engines_lock);
    for (pp = &engines; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    pthread_mutex_unlock(&engines_lock);
    e->closing = true;
    C.multi_cleanup(e->multi); /* closes the cached connections */
    e->multi = NULL;
    while (e->socks)
        sock_close(e, e->socks);
    uv_timer_stop(&e->timer);
    uv_close((uv_handle_t *)&e->timer, handle_closed);
}

void mcp__curl_release(mcp__curl *e)
{
    if (e)
        engine_unref(e);
}

/* ---- one request ---------------------------------------------------------------------------- */

static size_t on_header_line(char *data, size_t size, size_t nitems, void *ud)
{
    mcp__curl_req *r = ud;
    size_t len = size * nitems, nlen, vstart, vend;
    const char *colon;
    if (r->abort_err)
        return 0;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) { /* a new response (1xx, or the final one) */
        const char *sp = memchr(data, ' ', len);
        r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        r->hlen = 0;
        return len;
    }
    if (len <= 2 && (data[0] == '\r' || data[0] == '\n')) { /* end of a header section */
        if (r->status >= 200 && !r->headers_done) {
            r->headers_done = true;
            if (r->on_headers &&
                r->on_headers(r, r->status, mcp__curl_header(r, "content-type"), r->ud) != 0) {
                if (!r->abort_err) {
                    r->abort_err = MCP_ECANCELLED;
                    snprintf(r->abort_why, sizeof r->abort_why, "request cancelled");
                }
                return 0;
            }
        }
        return len;
    }
    colon = memchr(data, ':', len);
    if (!colon || r->headers_done)
        return len; /* a folded line or a trailer: not kept */
    nlen = (size_t)(colon - data);
    vstart = nlen + 1;
    vend = len;
    while (vstart < vend && (data[vstart] == ' ' || data[vstart] == '\t'))
        vstart++;
    while (vend > vstart && (data[vend - 1] == '\r' || data[vend - 1] == '\n' ||
                             data[vend - 1] == ' ' || data[vend - 1] == '\t'))
        vend--;
    if (r->hlen + nlen + (vend - vstart) + 2 > HEADER_BYTES_MAX) {
        r->abort_err = MCP_EIO;
        snprintf(r->abort_why, sizeof r->abort_why, "response headers exceed %u bytes",
                 HEADER_BYTES_MAX);
        return 0;
    }
    if (r->hlen + nlen + (vend - vstart) + 2 > r->hcap) {
        size_t cap = r->hcap ? r->hcap * 2 : 1024;
        char *p;
        while (cap < r->hlen + nlen + (vend - vstart) + 2)
            cap *= 2;
        p = realloc(r->hbuf, cap);
        if (!p) {
            r->abort_err = MCP_ENOMEM;
            snprintf(r->abort_why, sizeof r->abort_why, "out of memory");
            return 0;
        }
        r->hbuf = p;
        r->hcap = cap;
    }
    memcpy(r->hbuf + r->hlen, data, nlen);
    r->hbuf[r->hlen + nlen] = '\0';
    r->hlen += nlen + 1;
    memcpy(r->hbuf + r->hlen, data + vstart, vend - vstart);
    r->hbuf[r->hlen + (vend - vstart)] = '\0';
    r->hlen += vend - vstart + 1;
    return len;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
    mcp__curl_req *r = ud;
    size_t len = size * nmemb;
    if (r->abort_err)
        return 0;
    if (!r->headers_done) { /* no header section seen (should not happen over HTTP/1.x, 2) */
        r->headers_done = true;
        if (r->on_headers && r->on_headers(r, r->status, NULL, r->ud) != 0)
            goto cancelled;
        if (r->abort_err)
            return 0;
    }
    if (r->on_body && len && r->on_body(r, data, len, r->ud) != 0)
        goto cancelled;
    return r->abort_err ? 0 : len;
cancelled:
    if (!r->abort_err) {
        r->abort_err = MCP_ECANCELLED;
        snprintf(r->abort_why, sizeof r->abort_why, "request cancelled");
    }
    return 0;
}

const char *mcp__curl_header(const mcp__curl_req *r, const char *name)
{
    size_t i = 0;
    if (!r || !r->headers_done || !name)
        return NULL;
    while (i < r->hlen) {
        const char *n = r->hbuf + i, *v = n + strlen(n) + 1;
        if (strcasecmp(n, name) == 0)
            return v;
        i = (size_t)(v - r->hbuf) + strlen(v) + 1;
    }
    return NULL;
}

static int fail(char *why, size_t n, const char *msg)
{
    if (why && n)
        snprintf(why, n, "%s", msg);
    return 0;
}

mcp__curl_req *mcp__curl_start(mcp__curl *e, const mcp__curl_opts *o, char *why, size_t n)
{
    mcp__curl_req *r;
    const char *method;
    size_t i;
    bool ok = true;
    if (!e || e->closing || !o || !o->url || !o->on_done)
        return fail(why, n, "invalid request options"), NULL;
    if (strncasecmp(o->url, "http://", 7) != 0 && strncasecmp(o->url, "https://", 8) != 0)
        return fail(why, n, "only http:// and https:// URLs are supported"), NULL;
    method = o->method ? o->method : o->body ? "POST" : "GET";
    for (i = 0; method[i]; i++)
        if (!(method[i] >= 'A' && method[i] <= 'Z'))
            return fail(why, n, "invalid HTTP method"), NULL;
    r = calloc(1, sizeof *r);
    if (!r || !(r->easy = C.easy_init()))
        goto nomem;
    r->eng = e;
    r->on_headers = o->on_headers;
    r->on_body = o->on_body;
    r->on_done = o->on_done;
    r->ud = o->ud;
    for (i = 0; o->headers && o->headers[i]; i++)
        if (!(r->hdrs = C.slist_append(r->hdrs, o->headers[i])))
            goto nomem;
    /* no "Expect: 100-continue" round trip before a large body */
    if (!(r->hdrs = C.slist_append(r->hdrs, "Expect:")))
        goto nomem;
    ok &= C.easy_setopt(r->easy, CURLOPT_URL, o->url) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_PRIVATE, (char *)(void *)r) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, on_header_line) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_HEADERDATA, r) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_write) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_WRITEDATA, r) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS,
                        (long)(o->connect_timeout_ms ? o->connect_timeout_ms : 10000)) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
    /* libcurl before 7.85 lacks the option; the scheme was checked above anyway */
    (void)C.easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    ok &= C.easy_setopt(r->easy, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L) == CURLE_OK;
    ok &= C.easy_setopt(r->easy, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L) == CURLE_OK;
    if (o->ca_file)
        ok &= C.easy_setopt(r->easy, CURLOPT_CAINFO, o->ca_file) == CURLE_OK;
    if (o->body) {
        if (!(r->body = malloc(o->body_len ? o->body_len : 1)))
            goto nomem;
        memcpy(r->body, o->body, o->body_len);
        ok &= C.easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len) ==
              CURLE_OK;
        ok &= C.easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body) == CURLE_OK;
    } else if (strcmp(method, "GET") == 0) {
        ok &= C.easy_setopt(r->easy, CURLOPT_HTTPGET, 1L) == CURLE_OK;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        ok &= C.easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
    else if (strcmp(method, "POST") == 0 && !o->body) {
        ok &= C.easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0) == CURLE_OK;
        ok &= C.easy_setopt(r->easy, CURLOPT_POSTFIELDS, "") == CURLE_OK;
    }
    if (!ok) {
        fail(why, n, "libcurl refused an option (unsupported URL or CA file?)");
        goto drop;
    }
    e->refs++;
    if (e->busy) {
        r->queued_add = true;
        r->qnext = e->to_add;
        e->to_add = r;
        return r;
    }
    {
        CURLMcode mc = C.multi_add_handle(e->multi, r->easy);
        if (mc != CURLM_OK) {
            e->refs--;
            fail(why, n, C.multi_strerror(mc));
            goto drop;
        }
    }
    r->in_multi = true;
    return r;
nomem:
    fail(why, n, "out of memory");
drop:
    if (r) {
        if (r->easy)
            C.easy_cleanup(r->easy);
        C.slist_free_all(r->hdrs);
        free(r->body);
        free(r);
    }
    return NULL;
}

void mcp__curl_cancel(mcp__curl_req *r)
{
    mcp__curl *e;
    if (!r)
        return;
    e = r->eng;
    r->abort_err = MCP_ECANCELLED;
    snprintf(r->abort_why, sizeof r->abort_why, "request cancelled");
    if (!e->busy) {
        finish(r, CURLE_ABORTED_BY_CALLBACK);
        return;
    }
    if (!r->queued_cancel && !r->queued_add) {
        r->queued_cancel = true;
        r->qnext = e->to_cancel;
        e->to_cancel = r;
    }
}
