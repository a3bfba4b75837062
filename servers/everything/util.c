/*
 * Helpers shared by the mcp-everything sources: media, delays on the loop, and a "gather" that
 * asks the client several questions and carries on when all are answered.
 */
#include "everything.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- media --------------------------------------------------------------------------------- */

/* A 16x16 RGB PNG: a teal gradient crossed by two white diagonals (made for this server). */
const unsigned char ev_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x91, 0x68,
    0x36, 0x00, 0x00, 0x01, 0xcd, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x35, 0x92, 0x2d, 0xce, 0xb5,
    0x30, 0x10, 0x46, 0xef, 0x22, 0xce, 0x22, 0xbe, 0x05, 0xb0, 0x00, 0x16, 0xc0, 0x02, 0x48, 0x75,
    0x35, 0x41, 0x22, 0x50, 0xa8, 0x8a, 0x4a, 0x82, 0x1e, 0xdd, 0x54, 0x22, 0xaa, 0x50, 0x15, 0xc8,
    0x06, 0x5d, 0x8d, 0xee, 0x0e, 0xee, 0xdb, 0xdb, 0xe4, 0xab, 0xea, 0xcc, 0x73, 0x4e, 0xd2, 0x9f,
    0xf9, 0x7c, 0xbf, 0x5f, 0x3a, 0x45, 0xaf, 0x18, 0x14, 0xa3, 0x42, 0x2b, 0x66, 0xc5, 0xaa, 0x30,
    0x8a, 0x5d, 0x21, 0x0a, 0xaf, 0x08, 0x8a, 0xa8, 0x48, 0xaa, 0xc2, 0x1f, 0xfe, 0xe9, 0x9f, 0xd3,
    0x6b, 0x06, 0xcd, 0xa8, 0xd1, 0x9a, 0x59, 0xb3, 0x6a, 0x8c, 0x66, 0xd7, 0x88, 0xc6, 0x6b, 0x82,
    0x26, 0x36, 0x2c, 0xeb, 0x2a, 0x4c, 0x74, 0xd3, 0xaf, 0x18, 0x26, 0xc6, 0x09, 0x3d, 0x31, 0x4f,
    0xac, 0x13, 0x66, 0x62, 0x9f, 0x90, 0x09, 0x3f, 0x11, 0x1a, 0x90, 0x26, 0xf2, 0x54, 0x85, 0x85,
    0x6e, 0xa1, 0x5f, 0x7e, 0xad, 0x71, 0x41, 0x2f, 0xcc, 0x0b, 0xeb, 0x82, 0x59, 0xd8, 0x17, 0x64,
    0xc1, 0xb7, 0x28, 0x2e, 0xa4, 0x85, 0xbc, 0x54, 0x61, 0xa3, 0xdb, 0xe8, 0x37, 0x86, 0xed, 0x17,
    0xe8, 0x8d, 0x79, 0x63, 0xdd, 0x30, 0x1b, 0xfb, 0x86, 0xb4, 0x66, 0xd8, 0x88, 0x1b, 0x69, 0x23,
    0x6f, 0x55, 0xb0, 0x74, 0x96, 0xde, 0x32, 0x58, 0x46, 0xfb, 0x8b, 0x67, 0xcb, 0x6a, 0x31, 0x96,
    0xbd, 0x95, 0xde, 0x12, 0x2c, 0xd1, 0x92, 0x2c, 0xd9, 0x56, 0xe1, 0xa0, 0x3b, 0xe8, 0x0f, 0x86,
    0x83, 0xf1, 0x40, 0x1f, 0x3f, 0x68, 0x3d, 0x30, 0x6d, 0x23, 0x07, 0xfe, 0x20, 0x1c, 0xc4, 0x83,
    0x74, 0x90, 0x8f, 0x2a, 0x08, 0x9d, 0xd0, 0x0b, 0x83, 0x30, 0x0a, 0x5a, 0x98, 0xe5, 0xdb, 0x16,
    0xbb, 0x20, 0x82, 0x17, 0x82, 0x10, 0x85, 0x24, 0x64, 0xa9, 0x82, 0xa3, 0x73, 0xf4, 0x8e, 0xc1,
    0x31, 0x3a, 0xb4, 0x63, 0x76, 0xff, 0x05, 0x87, 0x38, 0xbc, 0x23, 0x38, 0xa2, 0x23, 0x39, 0xb2,
    0xab, 0xc2, 0x49, 0x77, 0xd2, 0x9f, 0x0c, 0x27, 0xe3, 0x89, 0x3e, 0xdb, 0x91, 0x4e, 0x4c, 0xdb,
    0xc8, 0x89, 0x3f, 0x09, 0x27, 0xf1, 0x24, 0x9d, 0xe4, 0xb3, 0x0a, 0x17, 0xdd, 0x45, 0x7f, 0x31,
    0x5c, 0x8c, 0x57, 0xbb, 0xf4, 0xc5, 0x7a, 0x61, 0x2e, 0xf6, 0x56, 0xfa, 0x8b, 0x70, 0x11, 0x2f,
    0xd2, 0x45, 0xbe, 0xaa, 0x70, 0xd3, 0xdd, 0xf4, 0x37, 0xc3, 0xdd, 0x9e, 0xf5, 0x66, 0xbe, 0x59,
    0x6f, 0xcc, 0xcd, 0x7e, 0x23, 0xad, 0x19, 0x6e, 0xe2, 0x4d, 0xba, 0xc9, 0x77, 0x15, 0x1e, 0xba,
    0x87, 0xfe, 0x69, 0x1f, 0xf7, 0xa0, 0x1f, 0xe6, 0x87, 0xf5, 0xc1, 0x3c, 0xec, 0x0f, 0xf2, 0xe0,
    0x5b, 0x14, 0x1f, 0xd2, 0x43, 0x7e, 0xaa, 0x90, 0xe9, 0x72, 0x1b, 0x8d, 0xcc, 0x98, 0xd1, 0x99,
    0x39, 0xb3, 0x66, 0x4c, 0x66, 0xcf, 0x48, 0xc6, 0x67, 0x42, 0x03, 0x52, 0x26, 0xe7, 0x2a, 0xbc,
    0x6d, 0xf8, 0x5e, 0x86, 0x97, 0xf1, 0x45, 0xbf, 0xcc, 0x2f, 0xeb, 0x8b, 0x79, 0xd9, 0x5f, 0xe4,
    0xc5, 0xbf, 0x84, 0x97, 0xd8, 0xb0, 0xfc, 0x7e, 0xda, 0x78, 0x17, 0xfa, 0xc2, 0x50, 0x18, 0x0b,
    0xba, 0x30, 0x17, 0xd6, 0x82, 0x29, 0xec, 0x05, 0x29, 0xf8, 0x42, 0x28, 0xc4, 0x42, 0x2a, 0x15,
    0xfe, 0x03, 0xe8, 0xdf, 0x73, 0x50, 0x7e, 0xca, 0x62, 0xc4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};
const size_t ev_png_len = sizeof ev_png;

#define WAV_RATE    8000
#define WAV_SAMPLES 800 /* 0.1 s */

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void put32(unsigned char *p, unsigned long v)
{
    put16(p, (unsigned)(v & 0xffff));
    put16(p + 2, (unsigned)((v >> 16) & 0xffff));
}

const unsigned char *ev_wav(size_t *len)
{
    static unsigned char wav[44 + 2 * WAV_SAMPLES];
    static int built;
    const double pi = 3.14159265358979323846;
    int i;

    if (!built) {
        memcpy(wav, "RIFF", 4);
        put32(wav + 4, sizeof wav - 8);
        memcpy(wav + 8, "WAVEfmt ", 8);
        put32(wav + 16, 16);           /* fmt chunk size */
        put16(wav + 20, 1);            /* PCM */
        put16(wav + 22, 1);            /* mono */
        put32(wav + 24, WAV_RATE);     /* sample rate */
        put32(wav + 28, WAV_RATE * 2); /* byte rate */
        put16(wav + 32, 2);            /* block align */
        put16(wav + 34, 16);           /* bits per sample */
        memcpy(wav + 36, "data", 4);
        put32(wav + 40, 2 * WAV_SAMPLES);
        for (i = 0; i < WAV_SAMPLES; i++) {
            /* 440 Hz at a quarter of full scale, faded in and out to avoid clicks */
            double env = sin(pi * i / WAV_SAMPLES);
            long s = lround(8192.0 * env * sin(2.0 * pi * 440.0 * i / WAV_RATE));
            put16(wav + 44 + 2 * i, (unsigned)(s & 0xffff));
        }
        built = 1;
    }
    *len = sizeof wav;
    return wav;
}

char *ev_base64(const void *data, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    char *out = malloc(4 * ((len + 2) / 3) + 1), *o = out;
    size_t i;

    if (!out)
        return NULL;
    for (i = 0; i + 2 < len; i += 3) {
        *o++ = tab[p[i] >> 2];
        *o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
        *o++ = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
        *o++ = tab[p[i + 2] & 63];
    }
    if (i < len) {
        *o++ = tab[p[i] >> 2];
        if (i + 1 < len) {
            *o++ = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
            *o++ = tab[(p[i + 1] & 15) << 2];
        } else {
            *o++ = tab[(p[i] & 3) << 4];
            *o++ = '=';
        }
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

json_t *ev_json(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, 0, &e);
    if (!v) {
        fprintf(stderr, "mcp-everything: bad built-in JSON (%s) at %d: %s\n", e.text, e.position,
                text);
        abort();
    }
    return v;
}

const char *ev_sample_text(const json_t *result)
{
    const json_t *content = json_object_get(result, "content");
    size_t i;
    json_t *block;

    if (json_is_object(content)) {
        const char *t = json_string_value(json_object_get(content, "text"));
        return t ? t : "";
    }
    /* 2025-11-25: content may be an array of blocks */
    json_array_foreach(content, i, block)
    {
        const char *t = json_string_value(json_object_get(block, "text"));
        if (t)
            return t;
    }
    return "";
}

/* ---- delays -------------------------------------------------------------------------------- */

struct ev_delay {
    uv_timer_t timer;
    mcp_call_t *call;
    void (*fn)(mcp_call_t *call, void *ud);
    void *ud;
};

static void delay_closed(uv_handle_t *h)
{
    free(h->data);
}

static void delay_fired(uv_timer_t *t)
{
    struct ev_delay *d = t->data;
    d->fn(d->call, d->ud);
    uv_close((uv_handle_t *)&d->timer, delay_closed);
}

int ev_after(mcp_call_t *call, unsigned ms, void (*fn)(mcp_call_t *call, void *ud), void *ud)
{
    struct ev_delay *d = calloc(1, sizeof *d);
    if (!d)
        return MCP_ENOMEM;
    d->call = call;
    d->fn = fn;
    d->ud = ud;
    uv_timer_init(mcp_server_loop(mcp_call_server(call)), &d->timer);
    d->timer.data = d;
    uv_timer_start(&d->timer, delay_fired, ms, 0);
    return MCP_OK;
}

/* ---- asking several questions ---------------------------------------------------------------- */

struct ev_gather {
    mcp_call_t *call;
    ev_gather_done done;
    void *ud;
    void (*free_ud)(void *ud);
    int outstanding; /* questions in flight, plus one while the handler is still asking */
    int retry;       /* 2026: the call ended with input_required; it is gone */
    int missing;     /* questions the client lacks the capability for */
    json_t *answers; /* key -> the client's result */
    json_t *failed;  /* key -> why there is no answer */
};

struct ev_question {
    ev_gather *g;
    char key[64];
};

static void gather_release(ev_gather *g)
{
    if (--g->outstanding > 0)
        return;
    if (!g->retry)
        g->done(g->call, g, g->ud); /* completes the call (or asks again) */
    if (g->free_ud)
        g->free_ud(g->ud);
    json_decref(g->answers);
    json_decref(g->failed);
    free(g);
}

static void gather_fail(ev_gather *g, const char *key, const char *why)
{
    json_object_set_new(g->failed, key, json_string(why));
}

static void on_answer(mcp_call_t *call, int status, const json_t *result, void *ud)
{
    struct ev_question *q = ud;
    ev_gather *g = q->g;
    char why[300];
    (void)call;

    switch (status) {
    case MCP_OK:
        json_object_set(g->answers, q->key, (json_t *)result);
        break;
    case MCP_ERETRY: /* 2026-07-28: the question went back to the client in input_required */
        g->retry = 1;
        break;
    case MCP_ECLIENT:
        snprintf(why, sizeof why, "the client answered with an error: %s",
                 json_string_value(json_object_get(result, "message"))
                     ? json_string_value(json_object_get(result, "message"))
                     : "(no message)");
        gather_fail(g, q->key, why);
        break;
    default:
        gather_fail(g, q->key, mcp_strerror(status));
        break;
    }
    free(q);
    gather_release(g);
}

ev_gather *ev_gather_new(mcp_call_t *call, ev_gather_done done, void *ud, void (*free_ud)(void *))
{
    ev_gather *g = calloc(1, sizeof *g);
    if (!g) {
        if (free_ud)
            free_ud(ud);
        return NULL;
    }
    g->free_ud = free_ud;
    g->call = call;
    g->done = done;
    g->ud = ud;
    g->outstanding = 1;
    g->answers = json_object();
    g->failed = json_object();
    if (!g->answers || !g->failed) {
        if (free_ud)
            free_ud(ud);
        json_decref(g->answers);
        json_decref(g->failed);
        free(g);
        return NULL;
    }
    return g;
}

enum ask_kind { ASK_SAMPLE, ASK_ELICIT, ASK_ROOTS };

static int gather_ask(ev_gather *g, const char *key, enum ask_kind kind, json_t *params)
{
    struct ev_question *q;
    int rc;

    if (!g || !key || strlen(key) >= sizeof q->key) {
        json_decref(params);
        return g ? MCP_EINVAL : MCP_ENOMEM;
    }
    q = calloc(1, sizeof *q);
    if (!q) {
        json_decref(params);
        return MCP_ENOMEM;
    }
    q->g = g;
    snprintf(q->key, sizeof q->key, "%s", key);
    g->outstanding++;
    mcp_call_set_input_key(g->call, key); /* 2026-07-28: the key in inputRequests */
    if (kind == ASK_SAMPLE)
        rc = mcp_call_sample_new(g->call, params, on_answer, q);
    else if (kind == ASK_ELICIT)
        rc = mcp_call_elicit_new(g->call, params, on_answer, q);
    else
        rc = mcp_call_list_roots(g->call, on_answer, q);
    if (rc != MCP_OK) { /* the callback will never run */
        g->outstanding--;
        free(q);
        if (rc == MCP_ESTATE)
            g->missing++;
        gather_fail(g, key,
                    rc == MCP_ESTATE ? "the client did not declare the capability this needs"
                                     : mcp_strerror(rc));
    }
    return rc;
}

int ev_gather_sample(ev_gather *g, const char *key, json_t *params)
{
    return gather_ask(g, key, ASK_SAMPLE, params);
}

int ev_gather_elicit(ev_gather *g, const char *key, json_t *params)
{
    return gather_ask(g, key, ASK_ELICIT, params);
}

int ev_gather_roots(ev_gather *g, const char *key)
{
    return gather_ask(g, key, ASK_ROOTS, NULL);
}

int ev_gather_end(ev_gather *g)
{
    if (!g)
        return MCP_ENOMEM;
    gather_release(g);
    return MCP_PENDING;
}

const json_t *ev_gather_answer(const ev_gather *g, const char *key)
{
    return json_object_get(g->answers, key);
}

const char *ev_gather_failure(const ev_gather *g, const char *key)
{
    return json_string_value(json_object_get(g->failed, key));
}

int ev_gather_missing(const ev_gather *g)
{
    return g->missing;
}

/* ---- URL-mode elicitation: the out-of-band step finishing later ----------------------------- */

typedef struct later_complete {
    uv_timer_t timer;
    mcp_server_t *srv;
    char id[64];
} later_complete;

static void later_closed(uv_handle_t *h)
{
    free(h->data);
}

static void later_fire(uv_timer_t *t)
{
    later_complete *lc = t->data;
    mcp_server_elicitation_complete(lc->srv, lc->id); /* MCP_ENOTFOUND if the client left */
    uv_close((uv_handle_t *)t, later_closed);
}

int ev_elicitation_complete_later(mcp_server_t *srv, const char *id, unsigned ms)
{
    later_complete *lc = calloc(1, sizeof *lc);
    uv_loop_t *loop = mcp_server_loop(srv);

    if (!lc || !loop) {
        free(lc);
        return MCP_ENOMEM;
    }
    lc->srv = srv;
    snprintf(lc->id, sizeof lc->id, "%s", id);
    uv_timer_init(loop, &lc->timer);
    lc->timer.data = lc;
    uv_unref((uv_handle_t *)&lc->timer); /* never keeps the server alive */
    uv_timer_start(&lc->timer, later_fire, ms, 0);
    return MCP_OK;
}
