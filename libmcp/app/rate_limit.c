/*
 * The ready-made rate limit middleware (mcp_server_use_rate_limit): a token bucket per client
 * (mcp_request_info_t.client), refused requests answered -32000 with the time to wait. Uses the
 * public API only (and libuv's clock).
 */
#include "app/app.h"

#include <math.h>

#define MAX_CLIENTS 100000

typedef struct bucket {
    double tokens;
    uint64_t at; /* uv_hrtime() of the last refill */
} bucket;

typedef struct limiter {
    double rate; /* tokens per second */
    double burst;
    json_t *buckets; /* client key -> integer holding a bucket pointer (owned here) */
    bucket overflow; /* shared by new clients while MAX_CLIENTS are tracked */
} limiter;

static bucket *bucket_of(const json_t *v)
{
    return (bucket *)(uintptr_t)json_integer_value(v);
}

static void refill(limiter *l, bucket *b, uint64_t now)
{
    b->tokens += (double)(now - b->at) / 1e9 * l->rate;
    if (b->tokens > l->burst)
        b->tokens = l->burst;
    b->at = now;
}

/* At the cap: forget every client whose bucket is full again (it would start full anyway). */
static void sweep(limiter *l, uint64_t now)
{
    const char *key;
    json_t *v, *tmp;

    json_object_foreach_safe(l->buckets, tmp, key, v)
    {
        bucket *b = bucket_of(v);
        refill(l, b, now);
        if (b->tokens >= l->burst) {
            free(b);
            json_object_del(l->buckets, key);
        }
    }
}

static bucket *find(limiter *l, const char *client, uint64_t now)
{
    json_t *v = json_object_get(l->buckets, client);
    bucket *b;

    if (v)
        return bucket_of(v);
    if (json_object_size(l->buckets) >= MAX_CLIENTS)
        sweep(l, now);
    if (json_object_size(l->buckets) >= MAX_CLIENTS || !(b = malloc(sizeof *b)))
        return &l->overflow;
    b->tokens = l->burst;
    b->at = now;
    if (json_object_set_new(l->buckets, client, json_integer((json_int_t)(uintptr_t)b)) != 0) {
        free(b);
        return &l->overflow;
    }
    return b;
}

static int on_request(const mcp_request_info_t *req, void *ud)
{
    limiter *l = ud;
    uint64_t now = uv_hrtime();
    bucket *b;
    long long wait_ms;

    if (!req->call || strcmp(req->method, "initialize") == 0 || strcmp(req->method, "ping") == 0)
        return MCP_OK;
    b = find(l, req->client, now);
    refill(l, b, now);
    if (b->tokens >= 1) {
        b->tokens -= 1;
        return MCP_OK;
    }
    wait_ms = (long long)ceil((1 - b->tokens) / l->rate * 1000);
    mcp_call_fail_new(req->call, -32000, json_pack("{s:I}", "retryAfterMs", (json_int_t)wait_ms),
                      "Rate limit exceeded: this client may send %g requests a second (bursts "
                      "of %g); retry in %lld ms",
                      l->rate, l->burst, wait_ms);
    return MCP_HANDLED;
}

static void limiter_free(void *ud)
{
    limiter *l = ud;
    const char *key;
    json_t *v;

    json_object_foreach(l->buckets, key, v) free(bucket_of(v));
    json_decref(l->buckets);
    free(l);
}

int mcp_server_use_rate_limit(mcp_server_t *srv, double per_second, unsigned burst)
{
    limiter *l;
    int rc;

    if (!(per_second > 0) || burst == 0)
        return MCP_EINVAL;
    if (!(l = calloc(1, sizeof *l)) || !(l->buckets = json_object())) {
        free(l);
        return MCP_ENOMEM;
    }
    l->rate = per_second;
    l->burst = burst;
    l->overflow.tokens = burst;
    l->overflow.at = uv_hrtime();
    rc = mcp_server_use(srv, &(mcp_middleware_t){.name = "rate-limit",
                                                 .request = on_request,
                                                 .userdata = l,
                                                 .free_userdata = limiter_free});
    if (rc != MCP_OK)
        limiter_free(l);
    return rc;
}
