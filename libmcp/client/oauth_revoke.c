/*
 * Token revocation (RFC 7009) for a saved login (include/mcp_client.h,
 * mcp_client_oauth_revoke): the authorization server's metadata from the state's issuer (RFC
 * 8414, then OpenID discovery), its revocation_endpoint, then the refresh token and the access
 * token POSTed there with the client's authentication (client_secret_basic, client_secret_post or
 * the client_id alone), each with its token_type_hint. Needs no MCP connection: only a loop and
 * the state. Bounded by one timer over the whole; every answer is read up to REVOKE_DOC_MAX.
 */
#include "client/client.h"
#include "client/oauth_grants.h"

#include <stdarg.h>
#include <string.h>

#define REVOKE_DOC_MAX        (64u * 1024u)
#define REVOKE_TIMEOUT_MS     10000u
#define REVOKE_TIMEOUT_MAX_MS 600000u
#define REVOKE_FIELD_MAX      8192u

typedef struct revocation revocation;
typedef void (*rstep_fn)(revocation *x, const mcp__curl_result *res);

struct revocation {
    uv_loop_t *loop;
    mcp__curl *eng;
    mcp__curl_req *req;
    uv_timer_t timer;
    char *issuer, *client_id, *client_secret, *auth_method;
    char *tokens[2]; /* the refresh token, then the access token (either may be NULL) */
    int next_token;
    char *cand[4];
    int ncand, ci;
    char *endpoint; /* revocation_endpoint */
    bool post_secret;
    mcp__buf body;
    bool over;
    long status;
    rstep_fn next;
    int status_out; /* the first failure, MCP_OK so far */
    char why[400];
    bool timed_out, done;
    mcp_client_oauth_revoked_fn cb;
    void *ud;
};

static void wipe(char **s)
{
    if (*s)
        memset(*s, 0, strlen(*s));
    free(*s);
    *s = NULL;
}

static void timer_closed(uv_handle_t *h)
{
    revocation *x = h->data;
    int i;
    for (i = 0; i < 4; i++)
        free(x->cand[i]);
    free(x->issuer);
    free(x->client_id);
    wipe(&x->client_secret);
    free(x->auth_method);
    wipe(&x->tokens[0]);
    wipe(&x->tokens[1]);
    free(x->endpoint);
    mcp__buf_free(&x->body);
    free(x);
}

/* Say how it went (once) and let go of everything. */
static void finish(revocation *x)
{
    x->done = true;
    uv_timer_stop(&x->timer);
    x->cb(x->status_out, x->why, x->ud);
    if (x->eng)
        mcp__curl_release(x->eng);
    x->eng = NULL;
    uv_close((uv_handle_t *)&x->timer, timer_closed);
}

/* Keep the first failure (MCP_OK: a note only); every text is added to `why`. */
static void fail(revocation *x, int status, const char *fmt, ...) MCP_PRINTF(3, 4);
static void fail(revocation *x, int status, const char *fmt, ...)
{
    va_list ap;
    size_t n = strlen(x->why);
    if (x->status_out == MCP_OK)
        x->status_out = status;
    if (n && n + 2 < sizeof x->why) {
        memcpy(x->why + n, "; ", 3);
        n += 2;
    }
    va_start(ap, fmt);
    vsnprintf(x->why + n, sizeof x->why - n, fmt, ap);
    va_end(ap);
}

static int r_body(mcp__curl_req *r, const char *data, size_t len, void *ud)
{
    revocation *x = ud;
    (void)r;
    if (x->body.len + len > REVOKE_DOC_MAX || mcp__buf_add(&x->body, data, len) != MCP_OK) {
        x->over = true;
        return 1;
    }
    return 0;
}

static int r_headers(mcp__curl_req *r, long status, const char *ctype, void *ud)
{
    revocation *x = ud;
    (void)r;
    (void)ctype;
    x->status = status;
    return 0;
}

static void r_done(mcp__curl_req *r, const mcp__curl_result *res, void *ud)
{
    revocation *x = ud;
    (void)r;
    x->req = NULL;
    if (x->timed_out) {
        fail(x, MCP_ETIMEDOUT, "no end within the time limit");
        finish(x);
        return;
    }
    x->next(x, res);
}

/* Start an exchange whose outcome goes to `next`; false (with the failure kept) when it cannot
 * start: the caller finishes. */
static bool send_req(revocation *x, const char *method, const char *url, const char *const *headers,
                     const char *body, rstep_fn next)
{
    static const char *const accept[] = {"Accept: application/json", NULL};
    char why[200] = "";
    mcp__curl_opts co = {0};
    mcp__buf_free(&x->body);
    x->over = false;
    x->status = 0;
    x->next = next;
    co.method = method;
    co.url = url;
    co.headers = headers ? headers : accept;
    co.body = body;
    co.body_len = body ? strlen(body) : 0;
    co.timeout_ms = REVOKE_TIMEOUT_MAX_MS; /* the timer ends it sooner */
    co.on_headers = r_headers;
    co.on_body = r_body;
    co.on_done = r_done;
    co.ud = x;
    if ((!x->eng && !(x->eng = mcp__curl_engine(x->loop, why, sizeof why))) ||
        !(x->req = mcp__curl_start(x->eng, &co, why, sizeof why))) {
        fail(x, MCP_EIO, "%.200s: %.150s", url, why);
        return false;
    }
    return true;
}

/* The answer as a JSON object when 2xx (new reference), else NULL. */
static json_t *answer(revocation *x, const mcp__curl_result *res)
{
    json_t *j;
    if (res->err != MCP_OK || x->over || x->status < 200 || x->status >= 300 || !x->body.data)
        return NULL;
    j = json_loadb(x->body.data, x->body.len, JSON_REJECT_DUPLICATES, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

static void revoke_next(revocation *x);

static void revoked(revocation *x, const mcp__curl_result *res)
{
    const char *what = x->next_token == 1 ? "refresh token" : "access token";
    if (res->err != MCP_OK) {
        fail(x, res->err == MCP_ETIMEDOUT ? MCP_ETIMEDOUT : MCP_EIO, "%s: %.150s", what,
             res->error && res->error[0] ? res->error : mcp_strerror(res->err));
    } else if (x->status != 200) {
        json_t *j =
            x->over || !x->body.data ? NULL : json_loadb(x->body.data, x->body.len, 0, NULL);
        const char *e = json_string_value(json_object_get(j, "error"));
        if (e && strcmp(e, "unsupported_token_type") == 0) /* RFC 7009 §2.2.1: not a failure */
            fail(x, MCP_OK, "%s: not revocable at this server (it stays valid until it expires)",
                 what);
        else
            fail(x, MCP_EAUTH, "%s: HTTP %ld%s%.100s", what, x->status, e ? " " : "", e ? e : "");
        json_decref(j);
    }
    revoke_next(x);
}

/* POST the next token (RFC 7009 §2.1), or finish. */
static void revoke_next(revocation *x)
{
    static const char *const hints[2] = {"refresh_token", "access_token"};
    const char *hdr[4] = {"Content-Type: application/x-www-form-urlencoded",
                          "Accept: application/json", NULL, NULL};
    mcp__buf form = {0};
    char *basic = NULL;
    int rc = MCP_OK, k;
    while (x->next_token < 2 && !x->tokens[x->next_token])
        x->next_token++;
    if (x->next_token >= 2) {
        finish(x);
        return;
    }
    k = x->next_token++;
    rc = mcp__form_add(&form, "token", x->tokens[k]);
    if (rc == MCP_OK)
        rc = mcp__form_add(&form, "token_type_hint", hints[k]);
    if (rc == MCP_OK && (!x->client_secret || x->post_secret))
        rc = mcp__form_add(&form, "client_id", x->client_id);
    if (rc == MCP_OK && x->client_secret && x->post_secret)
        rc = mcp__form_add(&form, "client_secret", x->client_secret);
    if (rc == MCP_OK && x->client_secret && !x->post_secret &&
        !(basic = mcp__oauth_basic_auth(x->client_id, x->client_secret)))
        rc = MCP_ENOMEM;
    if (rc == MCP_OK)
        rc = mcp__buf_add(&form, "", 1);
    hdr[2] = basic;
    if (rc != MCP_OK) {
        fail(x, MCP_ENOMEM, "out of memory");
        finish(x);
    } else if (!send_req(x, "POST", x->endpoint, hdr, form.data, revoked)) {
        finish(x);
    }
    if (form.data)
        memset(form.data, 0, form.len);
    mcp__buf_free(&form);
    wipe(&basic);
}

/* How the client authenticates: the state's method, else Basic unless the server lists only
 * client_secret_post for the revocation endpoint (or, without that list, the token endpoint). */
static void choose_auth(revocation *x, const json_t *meta)
{
    const json_t *m = json_object_get(meta, "revocation_endpoint_auth_methods_supported");
    size_t i;
    const json_t *v;
    bool basic = false, post = false;
    if (!x->client_secret)
        return;
    if (x->auth_method && strcmp(x->auth_method, "client_secret_post") == 0) {
        x->post_secret = true;
        return;
    }
    if (x->auth_method && strcmp(x->auth_method, "client_secret_basic") == 0)
        return;
    if (!json_is_array(m))
        m = json_object_get(meta, "token_endpoint_auth_methods_supported");
    json_array_foreach(m, i, v)
    {
        basic = basic ||
                (json_string_value(v) && strcmp(json_string_value(v), "client_secret_basic") == 0);
        post = post ||
               (json_string_value(v) && strcmp(json_string_value(v), "client_secret_post") == 0);
    }
    x->post_secret = post && !basic;
}

static void meta_done(revocation *x, const mcp__curl_result *res)
{
    json_t *j = answer(x, res);
    if (j) {
        const char *iss = json_string_value(json_object_get(j, "issuer"));
        const char *ep = json_string_value(json_object_get(j, "revocation_endpoint"));
        if (!iss || strcmp(iss, x->issuer) != 0)
            fail(x, MCP_EAUTH, "authorization server metadata: issuer mismatch");
        else if (!ep)
            fail(x, MCP_ENOTSUP, "the authorization server %.200s has no revocation endpoint",
                 x->issuer);
        else if (strlen(ep) > REVOKE_FIELD_MAX || !mcp__oauth_url_allowed(ep))
            fail(x, MCP_EAUTH, "the revocation endpoint is not an https URL");
        else if (!(x->endpoint = strdup(ep)))
            fail(x, MCP_ENOMEM, "out of memory");
        else
            choose_auth(x, j);
        json_decref(j);
        if (x->status_out != MCP_OK)
            finish(x);
        else
            revoke_next(x);
        return;
    }
    if (++x->ci < x->ncand) {
        if (!send_req(x, "GET", x->cand[x->ci], NULL, NULL, meta_done))
            finish(x);
        return;
    }
    fail(x,
         res->err == MCP_OK          ? MCP_EAUTH
         : res->err == MCP_ETIMEDOUT ? MCP_ETIMEDOUT
                                     : MCP_EIO,
         "no authorization server metadata for %.200s", x->issuer);
    finish(x);
}

static void on_timer(uv_timer_t *t)
{
    revocation *x = t->data;
    x->timed_out = true;
    if (x->req) {
        mcp__curl_cancel(x->req); /* r_done finishes */
    } else if (!x->done) {
        fail(x, MCP_ETIMEDOUT, "no end within the time limit");
        finish(x);
    }
}

/* The state's string member `key` copied into *dst (absent or null: left NULL). */
static int take(const json_t *state, const char *key, char **dst)
{
    const json_t *v = json_object_get(state, key);
    if (!v || json_is_null(v))
        return MCP_OK;
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) > REVOKE_FIELD_MAX || strpbrk(json_string_value(v), "\r\n"))
        return MCP_EINVAL;
    return (*dst = strdup(json_string_value(v))) ? MCP_OK : MCP_ENOMEM;
}

int mcp_client_oauth_revoke(uv_loop_t *loop, const json_t *state,
                            const mcp_client_oauth_revoke_opts_t *opts,
                            mcp_client_oauth_revoked_fn cb, void *userdata)
{
    revocation *x;
    int rc;
    unsigned ms = opts && opts->timeout_ms ? opts->timeout_ms : REVOKE_TIMEOUT_MS;
    if (!loop || !json_is_object(state) || !cb || ms > REVOKE_TIMEOUT_MAX_MS)
        return MCP_EINVAL;
    if (!(x = calloc(1, sizeof *x)))
        return MCP_ENOMEM;
    x->loop = loop;
    x->cb = cb;
    x->ud = userdata;
    x->timer.data = x;
    if ((rc = take(state, "issuer", &x->issuer)) != MCP_OK ||
        (rc = take(state, "client_id", &x->client_id)) != MCP_OK ||
        (rc = take(state, "client_secret", &x->client_secret)) != MCP_OK ||
        (rc = take(state, "token_endpoint_auth_method", &x->auth_method)) != MCP_OK ||
        (rc = take(state, "refresh_token", &x->tokens[0])) != MCP_OK ||
        (rc = take(state, "access_token", &x->tokens[1])) != MCP_OK)
        goto out;
    rc = MCP_EINVAL;
    if (!x->issuer || !x->client_id || (!x->tokens[0] && !x->tokens[1]) ||
        !mcp__oauth_url_allowed(x->issuer))
        goto out;
    rc = MCP_ENOMEM;
    if (!x->client_secret && opts && opts->client_secret &&
        !(x->client_secret = strdup(opts->client_secret)))
        goto out;
    if ((x->ncand = mcp__oauth_wellknown(x->issuer, false, x->cand, 4)) <= 0) {
        rc = x->ncand < 0 ? MCP_ENOMEM : MCP_EINVAL;
        x->ncand = 0;
        goto out;
    }
    if (!send_req(x, "GET", x->cand[0], NULL, NULL, meta_done)) {
        rc = x->status_out;
        goto out;
    }
    uv_timer_init(loop, &x->timer); /* cannot fail */
    uv_timer_start(&x->timer, on_timer, ms, 0);
    return MCP_OK;
out:
    if (x->eng)
        mcp__curl_release(x->eng);
    timer_closed((uv_handle_t *)&x->timer);
    return rc;
}

/* ---- the blocking form -------------------------------------------------------------------- */

typedef struct {
    bool done;
    int status;
    char *why;
    size_t n;
} sync_wait;

static void sync_done(int status, const char *why, void *ud)
{
    sync_wait *w = ud;
    w->done = true;
    w->status = status;
    if (w->why && w->n)
        snprintf(w->why, w->n, "%s", why ? why : "");
}

int mcp_client_oauth_revoke_sync(const json_t *state, const mcp_client_oauth_revoke_opts_t *opts,
                                 char *why, size_t n)
{
    uv_loop_t loop;
    sync_wait w = {false, MCP_EIO, why, n};
    int rc, i;
    if (why && n)
        why[0] = '\0';
    if (uv_loop_init(&loop) != 0)
        return MCP_EIO;
    rc = mcp_client_oauth_revoke(&loop, state, opts, sync_done, &w);
    /* bounded: the revocation's timer ends it; then its handles close */
    while (rc == MCP_OK && !w.done && uv_run(&loop, UV_RUN_ONCE))
        ;
    for (i = 0; i < 1000 && uv_loop_alive(&loop); i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    if (uv_loop_close(&loop) != 0 && rc == MCP_OK && !w.done)
        w.status = MCP_EIO;
    return rc != MCP_OK ? rc : w.status;
}
