/*
 * Schema helpers shared by more than one of the schema files (see schema.h): UTF-8 decoding and
 * trimming, integral numbers and counts in keyword values, excerpts for messages, and local JSON
 * pointers for $ref.
 */
#include "schema.h"

/* ---- UTF-8 -------------------------------------------------------------------------------- */

/* Decode one UTF-8 sequence of at most `n` bytes: its length, or 0 if invalid or cut short. */
size_t mcp__schema_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c;
    size_t len, i;

    if (n == 0)
        return 0;
    c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Cut a NUL-terminated message at its first invalid byte, e.g. a sequence split by truncation,
 * so that it can always go into a JSON string. */
void mcp__schema_utf8_trim(char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, k;
    uint32_t cp;

    while (i < n) {
        if (!(k = mcp__schema_utf8_decode(p + i, n - i, &cp))) {
            s[i] = '\0';
            return;
        }
        i += k;
    }
}

/* ---- numbers ------------------------------------------------------------------------------ */

/* Finite and without a fractional part. */
bool mcp__schema_dbl_is_integral(double d)
{
    if (d != d || d - d != 0)
        return false; /* NaN or infinite */
    if (d >= 9007199254740992.0 || d <= -9007199254740992.0)
        return true; /* 2^53: every double this large is an integer */
    return (double)(long long)d == d;
}

/* A non-negative integer keyword value (3 or 3.0); false when absent or malformed. */
bool mcp__schema_get_count(const json_t *n, json_int_t *out)
{
    if (json_is_integer(n) && json_integer_value(n) >= 0) {
        *out = json_integer_value(n);
        return true;
    }
    if (json_is_real(n)) {
        double d = json_real_value(n);
        if (d >= 0 && d < 9.2e18 && mcp__schema_dbl_is_integral(d)) {
            *out = (json_int_t)d;
            return true;
        }
    }
    return false;
}

/* ---- messages ----------------------------------------------------------------------------- */

/* How much of a name or value to show in a message: at most 60 bytes, whole characters. */
int mcp__schema_show(const char *s, size_t n)
{
    if (n > 60) {
        n = 60;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return (int)n;
}

/* ---- local JSON pointers ($ref) ----------------------------------------------------------- */

/* Resolve "#", "#/a/b~1c/0" (URI fragment: percent-decoded, then ~0 ~1 unescaped) against
 * root. NULL when it is not a local pointer or does not resolve. */
const json_t *mcp__schema_ref_resolve(const json_t *root, const char *ref)
{
    char buf[512];
    size_t n = 0, i, start;
    const json_t *cur = root;

    if (ref[0] != '#')
        return NULL;
    for (ref++; *ref; ref++) { /* percent-decode the fragment */
        char c = *ref;
        if (c == '%' && hex_value((unsigned char)ref[1]) >= 0 &&
            hex_value((unsigned char)ref[2]) >= 0) {
            c = (char)(hex_value((unsigned char)ref[1]) * 16 + hex_value((unsigned char)ref[2]));
            ref += 2;
        }
        if (n + 1 >= sizeof buf)
            return NULL;
        buf[n++] = c;
    }
    if (n == 0)
        return root;
    if (buf[0] != '/')
        return NULL;
    for (i = 1; cur; i++) { /* one token per iteration */
        size_t len = 0;
        for (start = i; i < n && buf[i] != '/'; i++) {
            if (buf[i] == '~') {
                if (i + 1 >= n || (buf[i + 1] != '0' && buf[i + 1] != '1'))
                    return NULL;
                buf[start + len++] = buf[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                buf[start + len++] = buf[i];
            }
        }
        if (json_is_object(cur)) {
            cur = json_object_getn(cur, buf + start, len);
        } else if (json_is_array(cur)) {
            size_t k, idx = 0;
            if (len == 0 || (len > 1 && buf[start] == '0') || len > 9)
                return NULL;
            for (k = 0; k < len; k++) {
                if (!is_digit((unsigned char)buf[start + k]))
                    return NULL;
                idx = idx * 10 + (size_t)(buf[start + k] - '0');
            }
            cur = json_array_get(cur, idx);
        } else {
            return NULL;
        }
        if (i >= n)
            break;
    }
    return cur;
}
