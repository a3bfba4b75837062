/*
 * What both HTTP client transports share (see http.h): a Server-Sent Events parser (the WHATWG
 * event-stream format), bounded, and the request headers and content types.
 */
#include "client/http.h"

#include <strings.h>

void mcp__sse_init(mcp__sse *p, size_t max)
{
    memset(p, 0, sizeof *p);
    p->retry_ms = -1;
    p->max = max ? max : 1;
}

void mcp__sse_restart(mcp__sse *p)
{
    p->line_len = 0;
    p->data_len = 0;
    p->has_data = false;
    p->event[0] = '\0';
    p->cr = false;
    p->started = false;
}

void mcp__sse_free(mcp__sse *p)
{
    free(p->line);
    free(p->data);
    p->line = p->data = NULL;
    p->line_cap = p->data_cap = 0;
}

static int grow(char **buf, size_t *cap, size_t need)
{
    size_t n = *cap ? *cap : 256;
    char *b;
    if (need <= *cap)
        return 0;
    while (n < need)
        n *= 2;
    b = realloc(*buf, n);
    if (!b)
        return MCP_ENOMEM;
    *buf = b;
    *cap = n;
    return 0;
}

/* One complete line (without its end). */
static int line(mcp__sse *p, const char *s, size_t n, mcp__sse_event_fn fn, void *ud)
{
    const char *colon, *v;
    size_t flen, vlen;
    if (n == 0) { /* blank line: dispatch */
        int rc = 0;
        if (p->has_data) {
            if (p->data_len && p->data[p->data_len - 1] == '\n')
                p->data_len--;
            p->data[p->data_len] = '\0';
            rc = fn(ud, p->event[0] ? p->event : "message", p->data, p->data_len, p->last_id);
        }
        p->data_len = 0;
        p->has_data = false;
        p->event[0] = '\0';
        return rc;
    }
    if (s[0] == ':')
        return 0; /* a comment (keep-alive) */
    colon = memchr(s, ':', n);
    flen = colon ? (size_t)(colon - s) : n;
    v = colon ? colon + 1 : s + n;
    vlen = colon ? n - flen - 1 : 0;
    if (vlen && v[0] == ' ') {
        v++;
        vlen--;
    }
    if (flen == 4 && memcmp(s, "data", 4) == 0) {
        if (p->data_len + vlen + 1 > p->max)
            return MCP_ELIMIT;
        if (grow(&p->data, &p->data_cap, p->data_len + vlen + 2))
            return MCP_ENOMEM;
        memcpy(p->data + p->data_len, v, vlen);
        p->data_len += vlen;
        p->data[p->data_len++] = '\n';
        p->has_data = true;
    } else if (flen == 5 && memcmp(s, "event", 5) == 0) {
        snprintf(p->event, sizeof p->event, "%.*s", (int)vlen, v);
    } else if (flen == 2 && memcmp(s, "id", 2) == 0) {
        if (!memchr(v, '\0', vlen))
            snprintf(p->last_id, sizeof p->last_id, "%.*s", (int)vlen, v);
    } else if (flen == 5 && memcmp(s, "retry", 5) == 0) {
        size_t i;
        long ms = 0;
        for (i = 0; i < vlen && v[i] >= '0' && v[i] <= '9' && ms < 100000000; i++)
            ms = ms * 10 + (v[i] - '0');
        if (vlen && i == vlen)
            p->retry_ms = ms;
    }
    return 0; /* other fields are ignored */
}

int mcp__sse_feed(mcp__sse *p, const char *buf, size_t len, mcp__sse_event_fn fn, void *ud)
{
    size_t i = 0;
    if (!p->started) {
        /* a UTF-8 BOM may open the stream; wait for three bytes to know */
        static const char bom[] = "\xEF\xBB\xBF";
        while (i < len && p->line_len < 3 &&
               (unsigned char)buf[i] == (unsigned char)bom[p->line_len]) {
            if (grow(&p->line, &p->line_cap, 4))
                return MCP_ENOMEM;
            p->line[p->line_len++] = buf[i++];
        }
        if (p->line_len == 3)
            p->line_len = 0; /* a BOM: dropped */
        else if (i == len && p->line_len > 0)
            return 0; /* could still be a BOM */
        p->started = true;
    }
    while (i < len) {
        const char *s = buf + i;
        size_t n = len - i, k;
        int rc;
        if (p->cr && s[0] == '\n') { /* the LF of a CRLF whose CR ended the last feed */
            p->cr = false;
            i++;
            continue;
        }
        p->cr = false;
        for (k = 0; k < n && s[k] != '\n' && s[k] != '\r'; k++)
            ;
        if (k == n) { /* no line end yet: keep the bytes */
            if (p->line_len + n > p->max + 64)
                return MCP_ELIMIT;
            if (grow(&p->line, &p->line_cap, p->line_len + n + 1))
                return MCP_ENOMEM;
            memcpy(p->line + p->line_len, s, n);
            p->line_len += n;
            return 0;
        }
        i += k + 1;
        if (s[k] == '\r') {
            if (k + 1 < n && s[k + 1] == '\n')
                i++;
            else if (k + 1 == n)
                p->cr = true;
        }
        if (p->line_len) { /* finish the kept line */
            size_t ll = p->line_len + k;
            if (ll > p->max + 64)
                return MCP_ELIMIT;
            if (grow(&p->line, &p->line_cap, ll + 1))
                return MCP_ENOMEM;
            memcpy(p->line + p->line_len, s, k);
            p->line_len = 0;
            rc = line(p, p->line, ll, fn, ud);
        } else {
            if (k > p->max + 64)
                return MCP_ELIMIT;
            rc = line(p, s, k, fn, ud);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- headers and content types -------------------------------------------------------------- */

char *mcp__chttp_dupf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(s = malloc((size_t)n + 1)))
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char **mcp__chttp_headers(const mcp_client_http_opts_t *opts)
{
    size_t n = 0, i, k = 0;
    char **h;
    for (i = 0; opts && opts->headers && opts->headers[i]; i++)
        n++;
    h = calloc(n + 2, sizeof *h);
    if (!h)
        return NULL;
    for (i = 0; i < n; i++)
        if (!strpbrk(opts->headers[i], "\r\n") && !(h[k++] = strdup(opts->headers[i])))
            goto fail;
    if (opts && opts->bearer_token && !strpbrk(opts->bearer_token, "\r\n") &&
        !(h[k++] = mcp__chttp_dupf("Authorization: Bearer %s", opts->bearer_token)))
        goto fail;
    return h;
fail:
    mcp__chttp_headers_free(h);
    return NULL;
}

void mcp__chttp_headers_free(char **h)
{
    size_t i;
    for (i = 0; h && h[i]; i++)
        free(h[i]);
    free(h);
}

bool mcp__chttp_ctype_is(const char *ctype, const char *type)
{
    size_t n = strlen(type);
    if (!ctype)
        return false;
    while (*ctype == ' ')
        ctype++;
    return strncasecmp(ctype, type, n) == 0 &&
           (ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ');
}
