/*
 * Base64, the one codec of the library (RFC 4648): the standard alphabet with padding (binary
 * content blocks, `=?base64?...?=` header values) and the URL alphabet without padding (the
 * 2026-07-28 requestState). Decoding is strict: a character outside the alphabet, misplaced
 * padding, or a length no encoder produces is refused.
 */
#include "base/base.h"

#include <stdint.h>

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *mcp__base64_encode(const void *data, size_t len, bool url)
{
    const char *a = url ? url_alphabet : std_alphabet;
    const unsigned char *p = data;
    size_t i, o = 0;
    char *out;
    if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
        return NULL;
    out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    for (i = 0; i + 2 < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        out[o++] = a[(v >> 6) & 63];
        out[o++] = a[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0);
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        if (i + 1 < len)
            out[o++] = a[(v >> 6) & 63];
        if (!url) {
            if (i + 1 >= len)
                out[o++] = '=';
            out[o++] = '=';
        }
    }
    out[o] = '\0';
    return out;
}

static int value(int c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

unsigned char *mcp__base64_decode(const char *s, size_t n, bool url, size_t *len)
{
    size_t i, o = 0, end = n;
    unsigned acc = 0;
    int bits = 0;
    unsigned char *out;
    if (!url) { /* padded: whole quanta, at most two '=' and only at the end */
        if (n % 4 != 0)
            return NULL;
        if (end > 0 && s[end - 1] == '=')
            end--;
        if (end > 0 && s[end - 1] == '=')
            end--;
    }
    if (!(out = malloc(end / 4 * 3 + 4)))
        return NULL;
    for (i = 0; i < end; i++) {
        int x = value((unsigned char)s[i], url);
        if (x < 0) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (unsigned)x;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    out[o] = '\0'; /* callers that expect text may use it as a string */
    *len = o;
    return out;
}
