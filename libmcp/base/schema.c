/*
 * Schemas: the compact schema form, registration-time checks of JSON Schemas, and the argument
 * validator that runs before every tools/call handler.
 *
 * The file reads top to bottom in six parts:
 *
 *   1. Small helpers: UTF-8, numbers, deep equality, a growable buffer, a bounded message
 *      writer.
 *   2. The compact form (mcp__schema_compact): comma-separated items
 *          name[?][: type] [constraint ...] ['description']
 *      turned into {"type":"object","properties":{...},"required":[...]}. Constraints and the
 *      description may come in any order. For `T[]`, minItems=, maxItems= and default= apply to
 *      the array and every other constraint to its items. Values may be 'quoted' (for spaces or
 *      commas); enum values are separated by '|'. `array` is accepted as `any[]`, and a trailing
 *      comma is allowed.
 *   3. Patterns. JSON Schema patterns are ECMA-262 regexes; they are translated to POSIX EREs
 *      for regcomp()/regexec() (REG_EXTENDED | REG_NOSUB, so lazy quantifiers and
 *      non-capturing groups need no special care, and regexec() already searches like ECMA's
 *      test()). In the C locale regexec() sees bytes, so `.` and negated classes are written to
 *      consume a whole UTF-8 sequence. Features with no ERE equivalent (lookaround,
 *      back-references, \b, Unicode property escapes, non-ASCII ranges in classes, very large
 *      repetitions) make a pattern "not checkable": it is accepted and always passes.
 *   4. Local JSON pointers for $ref.
 *   5. Checking (mcp__schema_check, mcp_schema_from_text): the keywords the validator knows must
 *      have well-formed values and every $ref must resolve, so mistakes surface when a tool is
 *      registered rather than on each call. Unknown keywords are kept and ignored.
 *   6. Validation (mcp_schema_validate): a JSON Schema 2020-12 subset. Validation stops at the
 *      first violation and reports it with its location, e.g. "arguments.items[2]: must be at
 *      most 10". Malformed keyword values (in a schema that was never checked) are treated as
 *      not applicable. Recursion is bounded: 64 levels of instance nesting, 64 $ref hops without
 *      descending into the instance, and MAX_NEST levels in all (hostile schemas).
 *
 * There is no global state. The validator allocates nothing on its common path; compiled
 * patterns live in a small per-call cache and are freed before it returns.
 */
#include "internal.h"

#include <errno.h>
#include <float.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>

#define MAX_DEPTH    64   /* instance nesting, $ref hops, schema nesting (checks) */
#define MAX_NEST     256  /* total validator recursion */
#define MAX_EQ_DEPTH 256  /* deep equality of enum/const/uniqueItems values */
#define MAX_DIMS     16   /* T[][]... in the compact form */
#define RX_CACHE     8    /* compiled patterns kept during one validation */
#define RX_MAX_COST  5000 /* estimated size of a translated pattern once regcomp expands it */
#define RX_MAX_GROUPS 32  /* nested groups in a pattern */

/* ============================================================================================ */
/* 1. Helpers                                                                                   */
/* ============================================================================================ */

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode one UTF-8 sequence of at most `n` bytes: its length, or 0 if invalid or cut short. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
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

static size_t utf8_encode(uint32_t c, char out[4])
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

static bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k;
    uint32_t cp;

    while (i < n) {
        if (!(k = utf8_decode(p + i, n - i, &cp)))
            return false;
        i += k;
    }
    return true;
}

/* Code points in valid UTF-8: every byte that is not a continuation byte starts one. */
static size_t utf8_length(const char *s, size_t n)
{
    size_t i, count = 0;
    for (i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* Cut a NUL-terminated message at its first invalid byte, e.g. a sequence split by truncation,
 * so that it can always go into a JSON string. */
static void utf8_trim(char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, k;
    uint32_t cp;

    while (i < n) {
        if (!(k = utf8_decode(p + i, n - i, &cp))) {
            s[i] = '\0';
            return;
        }
        i += k;
    }
}

/* ---- numbers ------------------------------------------------------------------------------ */

/* Finite and without a fractional part. */
static bool dbl_is_integral(double d)
{
    if (d != d || d - d != 0)
        return false; /* NaN or infinite */
    if (d >= 9007199254740992.0 || d <= -9007199254740992.0)
        return true; /* 2^53: every double this large is an integer */
    return (double)(long long)d == d;
}

/* Exact comparison of an integer with a double (no precision lost for large integers). */
static int int_dbl_cmp(json_int_t i, double d)
{
    double di = (double)i;
    json_int_t t;

    if (di < d)
        return -1;
    if (di > d)
        return 1;
    if (d >= 9223372036854775808.0)
        return -1; /* i rounded up to 2^63 */
    t = (json_int_t)d; /* d is integral and in range here */
    return (i > t) - (i < t);
}

/* Compare two JSON numbers: -1, 0 or 1. */
static int num_cmp(const json_t *a, const json_t *b)
{
    double x, y;

    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t i = json_integer_value(a), j = json_integer_value(b);
        return (i > j) - (i < j);
    }
    if (json_is_integer(a))
        return int_dbl_cmp(json_integer_value(a), json_real_value(b));
    if (json_is_integer(b))
        return -int_dbl_cmp(json_integer_value(b), json_real_value(a));
    x = json_real_value(a);
    y = json_real_value(b);
    return (x > y) - (x < y);
}

/* A non-negative integer keyword value (3 or 3.0); false when absent or malformed. */
static bool get_count(const json_t *n, json_int_t *out)
{
    if (json_is_integer(n) && json_integer_value(n) >= 0) {
        *out = json_integer_value(n);
        return true;
    }
    if (json_is_real(n)) {
        double d = json_real_value(n);
        if (d >= 0 && d < 9.2e18 && dbl_is_integral(d)) {
            *out = (json_int_t)d;
            return true;
        }
    }
    return false;
}

/* x is a multiple of m (m > 0; otherwise "not applicable"). Reals allow for rounding in x / m,
 * so that 0.3 is a multiple of 0.1. */
static bool multiple_of(const json_t *x, const json_t *m)
{
    double q, r, diff;

    if (json_is_integer(x) && json_is_integer(m)) {
        json_int_t d = json_integer_value(m);
        if (d <= 0)
            return true;
        return d == 1 || json_integer_value(x) % d == 0;
    }
    if (!(json_number_value(m) > 0))
        return true;
    q = json_number_value(x) / json_number_value(m);
    if (q != q || q - q != 0)
        return false; /* overflowed: cannot be a multiple */
    if (dbl_is_integral(q))
        return true;
    r = (double)(long long)(q < 0 ? q - 0.5 : q + 0.5); /* |q| < 2^53 here */
    diff = q > r ? q - r : r - q;
    return diff <= (q < 0 ? -q : q) * 8 * DBL_EPSILON;
}

/* A number for a message: integers exactly, reals in their shortest faithful form. */
static const char *fmt_num(const json_t *n, char *buf, size_t size)
{
    if (json_is_integer(n)) {
        snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(n));
    } else {
        double d = json_real_value(n);
        snprintf(buf, size, "%.15g", d);
        if (strtod(buf, NULL) != d)
            snprintf(buf, size, "%.17g", d);
    }
    return buf;
}

/* Deep equality where numbers compare by value, so 1 equals 1.0 (json_equal says otherwise). */
static bool json_equiv(const json_t *a, const json_t *b, int depth)
{
    size_t i, n;

    if (a == b)
        return true;
    if (!a || !b || depth > MAX_EQ_DEPTH)
        return false;
    if (json_is_number(a) && json_is_number(b))
        return num_cmp(a, b) == 0;
    if (json_typeof(a) != json_typeof(b))
        return false;
    switch (json_typeof(a)) {
    case JSON_STRING:
        n = json_string_length(a);
        return n == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), n) == 0;
    case JSON_ARRAY:
        n = json_array_size(a);
        if (n != json_array_size(b))
            return false;
        for (i = 0; i < n; i++)
            if (!json_equiv(json_array_get(a, i), json_array_get(b, i), depth + 1))
                return false;
        return true;
    case JSON_OBJECT: {
        void *it;
        if (json_object_size(a) != json_object_size(b))
            return false;
        for (it = json_object_iter((json_t *)a); it; it = json_object_iter_next((json_t *)a, it)) {
            const json_t *bv = json_object_getn(b, json_object_iter_key(it),
                                                json_object_iter_key_len(it));
            if (!json_equiv(json_object_iter_value(it), bv, depth + 1))
                return false;
        }
        return true;
    }
    default:
        return true; /* true, false, null: same type, same value */
    }
}

/* ---- a growable buffer (pattern translation) ---------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool oom;
    char small[256];
} sbuf;

static void sb_init(sbuf *b)
{
    b->p = b->small;
    b->len = 0;
    b->cap = sizeof b->small;
    b->oom = false;
    b->p[0] = '\0';
}

static void sb_free(sbuf *b)
{
    if (b->p != b->small)
        free(b->p);
    sb_init(b);
}

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap * 2;
        char *q;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (!(q = malloc(cap))) {
            b->oom = true;
            return;
        }
        memcpy(q, b->p, b->len);
        if (b->p != b->small)
            free(b->p);
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* ---- a bounded message writer (validation messages) --------------------------------------- */

typedef struct mw {
    char *p;
    size_t size, len; /* size >= 1; p[len] is always '\0' */
} mw;

static void mw_putn(mw *w, const char *s, size_t n)
{
    size_t room = w->size - 1 - w->len;
    if (n > room)
        n = room;
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

static void mw_puts(mw *w, const char *s)
{
    mw_putn(w, s, strlen(s));
}

static void mw_vprintf(mw *w, const char *fmt, va_list ap) MCP_PRINTF(2, 0);
static void mw_vprintf(mw *w, const char *fmt, va_list ap)
{
    size_t room = w->size - w->len;
    int r = vsnprintf(w->p + w->len, room, fmt, ap);
    if (r < 0)
        w->p[w->len] = '\0';
    else
        w->len += (size_t)r < room ? (size_t)r : room - 1;
}

static void mw_printf(mw *w, const char *fmt, ...) MCP_PRINTF(2, 3);
static void mw_printf(mw *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_vprintf(w, fmt, ap);
    va_end(ap);
}

/* A JSON value as compact JSON text (numbers as fmt_num() writes them). */
static void mw_json(mw *w, const json_t *val)
{
    char num[40], *text;

    if (json_is_number(val)) {
        mw_puts(w, fmt_num(val, num, sizeof num));
        return;
    }
    text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    if (text) {
        mw_puts(w, text);
        free(text);
    }
}

/* A string as a JSON string literal (for property names that are not identifiers). */
static void mw_quoted(mw *w, const char *s)
{
    mw_putn(w, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            mw_printf(w, "\\%c", c);
        else if (c < 0x20)
            mw_printf(w, "\\u%04x", c);
        else
            mw_putn(w, s, 1);
    }
    mw_putn(w, "\"", 1);
}

/* ============================================================================================ */
/* 2. The compact form                                                                          */
/* ============================================================================================ */

enum ctype { CT_STRING, CT_NUMBER, CT_INTEGER, CT_BOOLEAN, CT_OBJECT, CT_ANY, CT_COUNT };

static const char *const ctype_names[CT_COUNT] = {
    "string", "number", "integer", "boolean", "object", "any",
};

/* The constraints, by their compact name, and the keyword each one sets. */
enum ckey {
    CK_MIN, CK_MAX, CK_MIN_LENGTH, CK_MAX_LENGTH, CK_MIN_ITEMS, CK_MAX_ITEMS, CK_ENUM,
    CK_PATTERN, CK_FORMAT, CK_DEFAULT, CK_COUNT
};

static const struct {
    const char *name, *keyword;
} ckeys[CK_COUNT] = {
    [CK_MIN] = {"min", "minimum"},
    [CK_MAX] = {"max", "maximum"},
    [CK_MIN_LENGTH] = {"minLength", "minLength"},
    [CK_MAX_LENGTH] = {"maxLength", "maxLength"},
    [CK_MIN_ITEMS] = {"minItems", "minItems"},
    [CK_MAX_ITEMS] = {"maxItems", "maxItems"},
    [CK_ENUM] = {"enum", "enum"},
    [CK_PATTERN] = {"pattern", "pattern"},
    [CK_FORMAT] = {"format", "format"},
    [CK_DEFAULT] = {"default", "default"},
};

typedef struct cparse {
    const char *text;   /* the whole input, for positions in messages */
    const char *p;      /* cursor */
    const char *name;   /* the property being parsed (NULL before its name is read) */
    size_t name_len;
    char *buf;          /* scratch for one value: strlen(text) + 1 bytes */
    mcp_error_t *err;
} cparse;

/* The property being built. */
typedef struct cprop {
    enum ctype base;      /* the type, or the element type of an array */
    int dims;             /* how many [] follow it */
    bool typed;           /* ": type" was written */
    json_t *schema;       /* the property's schema (owned) */
    json_t *inner;        /* where element constraints go (borrowed from schema) */
    json_t *inner_parent; /* the array schema whose "items" is inner, or NULL */
    json_t *description;  /* owned, or NULL */
} cprop;

static int pattern_check(const char *pat, size_t len, char *why, size_t why_size);

/* How much of a name or value to show in a message: at most 60 bytes, whole characters. */
static int show(const char *s, size_t n)
{
    if (n > 60) {
        n = 60;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return (int)n;
}

static int cp_fail(cparse *cp, const char *fmt, ...) MCP_PRINTF(2, 3);
static int cp_fail(cparse *cp, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (cp->name)
        mcp__error_set(cp->err, MCP_ESCHEMA, "compact schema: at '%.*s': %s",
                       show(cp->name, cp->name_len), cp->name, what);
    else
        mcp__error_set(cp->err, MCP_ESCHEMA, "compact schema: at position %zu: %s",
                       (size_t)(cp->p - cp->text) + 1, what);
    if (cp->err)
        utf8_trim(cp->err->text);
    return MCP_ESCHEMA;
}

static int cp_nomem(cparse *cp)
{
    return mcp__error_set(cp->err, MCP_ENOMEM, "compact schema: out of memory");
}

static void cp_skip_space(cparse *cp)
{
    while (is_space(*cp->p))
        cp->p++;
}

/* Complain about the character at the cursor. */
static int cp_unexpected(cparse *cp, const char *expected)
{
    unsigned char c = (unsigned char)*cp->p;

    if (c == '"')
        return cp_fail(cp, "%s, got '\"' (quote descriptions with single quotes)", expected);
    if (c == '\0')
        return cp_fail(cp, "%s, got the end of the text", expected);
    if (c > ' ' && c < 0x7F)
        return cp_fail(cp, "%s, got '%c'", expected, c);
    return cp_fail(cp, "%s", expected);
}

/* Characters of a property name: anything but spaces, controls and the form's punctuation. */
static bool name_char(char c)
{
    return (unsigned char)c > ' ' && c != 0x7F && !strchr(":?,'\"=|", c);
}

static int type_lookup(const char *s, size_t n)
{
    int i;
    for (i = 0; i < CT_COUNT; i++)
        if (strlen(ctype_names[i]) == n && memcmp(ctype_names[i], s, n) == 0)
            return i;
    return -1;
}

/* ": type" — the cursor is just after the colon and spaces. */
static int parse_type(cparse *cp, cprop *pr)
{
    const char *word = cp->p;
    size_t n;
    int t;

    while (is_alpha(*cp->p) || is_digit(*cp->p) || *cp->p == '_')
        cp->p++;
    n = (size_t)(cp->p - word);
    if (n == 0)
        return cp_unexpected(cp, "expected a type after ':'");
    if ((t = type_lookup(word, n)) >= 0) {
        pr->base = (enum ctype)t;
    } else if (n == 5 && memcmp(word, "array", 5) == 0) {
        pr->base = CT_ANY;
        pr->dims = 1;
    } else {
        return cp_fail(cp, "unknown type '%.*s'", show(word, n), word);
    }
    while (cp->p[0] == '[' && cp->p[1] == ']') {
        cp->p += 2;
        if (++pr->dims > MAX_DIMS)
            return cp_fail(cp, "arrays nested more than %d levels", MAX_DIMS);
    }
    if (*cp->p == '[')
        return cp_fail(cp, "expected '[]' after '%.*s'", show(word, n), word);
    pr->typed = true;
    return MCP_OK;
}

/* The property's schema: {"type": T}, wrapped in {"type":"array","items":...} once per []. */
static int cprop_build(cparse *cp, cprop *pr)
{
    json_t *cur = json_object();
    int d;

    if (!cur)
        return cp_nomem(cp);
    if (pr->base != CT_ANY &&
        json_object_set_new(cur, "type", json_string(ctype_names[pr->base]))) {
        json_decref(cur);
        return cp_nomem(cp);
    }
    pr->inner = cur;
    for (d = 0; d < pr->dims; d++) {
        json_t *arr = json_object();
        if (!arr || json_object_set_new(arr, "type", json_string("array"))) {
            json_decref(arr);
            json_decref(cur);
            return cp_nomem(cp);
        }
        if (json_object_set_new(arr, "items", cur)) {
            json_decref(arr);
            return cp_nomem(cp);
        }
        if (d == 0)
            pr->inner_parent = arr;
        cur = arr;
    }
    pr->schema = cur;
    return MCP_OK;
}

/* A 'single-quoted' string at the cursor, appended to out[*n]. \' and \\ are escapes. */
static int read_quoted(cparse *cp, char *out, size_t *n)
{
    const char *p = cp->p + 1;

    for (;;) {
        if (*p == '\0')
            return cp_fail(cp, "unterminated quoted text (missing closing ')");
        if (*p == '\'')
            break;
        if (*p == '\\' && (p[1] == '\'' || p[1] == '\\'))
            p++;
        out[(*n)++] = *p++;
    }
    cp->p = p + 1;
    return MCP_OK;
}

/* A constraint value into cp->buf: bare characters (\' is a quote) and 'quoted' parts, up to a
 * space, a comma, the end, or (when bar_stops) an unquoted '|'. */
static int read_value(cparse *cp, bool bar_stops, size_t *len, bool *quoted)
{
    size_t n = 0;
    int rc;

    *quoted = false;
    while (*cp->p && !is_space(*cp->p) && *cp->p != ',' && !(bar_stops && *cp->p == '|')) {
        if (*cp->p == '\'') {
            if ((rc = read_quoted(cp, cp->buf, &n)) != MCP_OK)
                return rc;
            *quoted = true;
        } else if (cp->p[0] == '\\' && cp->p[1] == '\'') {
            cp->buf[n++] = '\'';
            cp->p += 2;
        } else {
            cp->buf[n++] = *cp->p++;
        }
    }
    cp->buf[n] = '\0';
    *len = n;
    return MCP_OK;
}

/* pattern=/regex/ into cp->buf, without the slashes ("\/" becomes "/"). A '/' inside a [class]
 * does not end the pattern. */
static int read_pattern(cparse *cp, size_t *len)
{
    const char *p = cp->p;
    size_t n = 0;
    bool in_class = false;

    if (*p != '/')
        return cp_fail(cp, "pattern= must be written /regex/");
    for (p++;; p++) {
        if (*p == '\0')
            return cp_fail(cp, "unterminated pattern (missing closing '/')");
        if (*p == '/' && !in_class)
            break;
        if (*p == '\\' && p[1]) {
            if (p[1] != '/')
                cp->buf[n++] = '\\';
            cp->buf[n++] = *++p;
            continue;
        }
        if (*p == '[')
            in_class = true;
        else if (*p == ']')
            in_class = false;
        cp->buf[n++] = *p;
    }
    cp->p = p + 1;
    cp->buf[n] = '\0';
    *len = n;
    if (*cp->p && !is_space(*cp->p) && *cp->p != ',')
        return cp_fail(cp, "unexpected text after the pattern's closing '/' (no flags allowed)");
    return MCP_OK;
}

/* A JSON-style number (no leading '+', no hex, no inf/nan): an integer when written as one. */
static json_t *parse_number(const char *s, size_t n)
{
    size_t i = 0;
    bool real = false;
    double d;

    if (i < n && s[i] == '-')
        i++;
    if (i == n || !is_digit(s[i]))
        return NULL;
    while (i < n && is_digit(s[i]))
        i++;
    if (i < n && s[i] == '.') {
        real = true;
        if (++i == n || !is_digit(s[i]))
            return NULL;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        real = true;
        if (++i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i == n || !is_digit(s[i]))
            return NULL;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i != n)
        return NULL;
    if (!real) {
        long long v;
        errno = 0;
        v = strtoll(s, NULL, 10);
        if (errno != ERANGE)
            return json_integer((json_int_t)v);
    }
    d = strtod(s, NULL);
    if (d - d != 0)
        return NULL; /* overflowed to infinity */
    return json_real(d);
}

/* A value in cp->buf typed by `t` ("1" is a number for numeric types, a string otherwise).
 * `what` names it in messages ("enum value", "default"). */
static int typed_value(cparse *cp, enum ctype t, size_t len, bool quoted, const char *what,
                       json_t **out)
{
    const char *s = cp->buf;

    *out = NULL;
    switch (t) {
    case CT_STRING:
        *out = json_stringn(s, len);
        break;
    case CT_INTEGER:
        *out = parse_number(s, len);
        if (!json_is_integer(*out)) {
            json_decref(*out);
            *out = NULL;
            return cp_fail(cp, "%s '%.*s' is not an integer", what, show(s, len), s);
        }
        break;
    case CT_NUMBER:
        if (!(*out = parse_number(s, len)))
            return cp_fail(cp, "%s '%.*s' is not a number", what, show(s, len), s);
        break;
    case CT_BOOLEAN:
        if (strcmp(s, "true") == 0)
            *out = json_true();
        else if (strcmp(s, "false") == 0)
            *out = json_false();
        else
            return cp_fail(cp, "%s '%.*s' is not true or false", what, show(s, len), s);
        break;
    case CT_ANY:
        if (quoted)
            *out = json_stringn(s, len);
        else if (strcmp(s, "true") == 0)
            *out = json_true();
        else if (strcmp(s, "false") == 0)
            *out = json_false();
        else if (strcmp(s, "null") == 0)
            *out = json_null();
        else if (!(*out = parse_number(s, len)))
            *out = json_stringn(s, len);
        break;
    default:
        return cp_fail(cp, "%s is not allowed for this type", what);
    }
    return *out ? MCP_OK : cp_nomem(cp);
}

/* default=V: typed like the property; JSON text for arrays and objects. */
static int parse_default(cparse *cp, const cprop *pr, size_t len, bool quoted, json_t **out)
{
    json_error_t jerr;
    bool want_array = pr->dims > 0;

    if (!want_array && pr->base != CT_OBJECT)
        return typed_value(cp, pr->base, len, quoted, "default", out);
    *out = json_loadb(cp->buf, len, 0, &jerr);
    if (want_array ? !json_is_array(*out) : !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return cp_fail(cp, "default= must be a JSON %s (quote it: default='...')",
                       want_array ? "array" : "object");
    }
    return MCP_OK;
}

/* enum=a|b|c, each value typed by the (element) type. */
static int parse_enum(cparse *cp, const cprop *pr, json_t **out)
{
    json_t *values = json_array(), *v;
    size_t len;
    bool quoted;
    int rc;

    if (!values)
        return cp_nomem(cp);
    for (;;) {
        if ((rc = read_value(cp, true, &len, &quoted)) != MCP_OK)
            break;
        if (len == 0 && !quoted) {
            rc = cp_fail(cp, "empty value in enum= (quote an empty string: '')");
            break;
        }
        if ((rc = typed_value(cp, pr->base, len, quoted, "enum value", &v)) != MCP_OK)
            break;
        if (json_array_append_new(values, v)) {
            rc = cp_nomem(cp);
            break;
        }
        if (*cp->p != '|') {
            *out = values;
            return MCP_OK;
        }
        cp->p++;
    }
    json_decref(values);
    return rc;
}

static bool base_is(const cprop *pr, enum ctype a, enum ctype b)
{
    return pr->base == a || pr->base == b || pr->base == CT_ANY;
}

/* One key=value constraint at the cursor. */
static int parse_constraint(cparse *cp, cprop *pr)
{
    const char *key = cp->p, *end;
    json_t *target, *val = NULL;
    size_t n, len;
    bool quoted;
    int k, rc;

    while (is_alpha(*cp->p))
        cp->p++;
    n = (size_t)(cp->p - key);
    if (*cp->p != '=') {
        if (n == 0 && *cp->p == '?')
            return cp_fail(cp, "'?' goes right after the name: '%.*s?: type'",
                           show(cp->name, cp->name_len), cp->name);
        if (n == 0)
            return cp_unexpected(cp, "expected a constraint (key=value) or a 'description'");
        for (end = cp->p; *end && !is_space(*end) && *end != ','; end++)
            ;
        cp->p = key;
        if (!pr->typed && type_lookup(key, n) >= 0 && end == key + n)
            return cp_fail(cp, "missing ':' before the type '%.*s'", show(key, n), key);
        return cp_fail(cp, "expected a constraint (key=value) or a 'description', got '%.*s'",
                       show(key, (size_t)(end - key)), key);
    }
    for (k = 0; k < CK_COUNT; k++)
        if (strlen(ckeys[k].name) == n && memcmp(ckeys[k].name, key, n) == 0)
            break;
    if (k == CK_COUNT)
        return cp_fail(cp, "unknown constraint '%.*s='", show(key, n), key);
    cp->p++; /* '=' */

    /* Where it goes, and whether it fits the type. */
    switch (k) {
    case CK_MIN:
    case CK_MAX:
        if (!base_is(pr, CT_NUMBER, CT_INTEGER))
            return cp_fail(cp, "%s= applies to number and integer properties%s", ckeys[k].name,
                           pr->base == CT_STRING ? " (use minLength=/maxLength= for strings)"
                                                 : "");
        break;
    case CK_MIN_LENGTH:
    case CK_MAX_LENGTH:
    case CK_PATTERN:
        if (!base_is(pr, CT_STRING, CT_STRING))
            return cp_fail(cp, "%s= applies to string properties", ckeys[k].name);
        break;
    case CK_MIN_ITEMS:
    case CK_MAX_ITEMS:
        if (pr->dims == 0)
            return cp_fail(cp, "%s= applies to array properties (T[])", ckeys[k].name);
        break;
    case CK_ENUM:
        if (pr->base == CT_OBJECT)
            return cp_fail(cp, "enum= does not apply to object properties");
        break;
    default:
        break;
    }
    target = (k == CK_MIN_ITEMS || k == CK_MAX_ITEMS || k == CK_DEFAULT) ? pr->schema : pr->inner;
    if (json_object_get(target, ckeys[k].keyword))
        return cp_fail(cp, "%s= given twice", ckeys[k].name);

    /* The value. */
    if (k == CK_ENUM) {
        rc = parse_enum(cp, pr, &val);
    } else if (k == CK_PATTERN) {
        char why[96];
        rc = read_pattern(cp, &len);
        if (rc == MCP_OK && pattern_check(cp->buf, len, why, sizeof why) != MCP_OK)
            rc = cp_fail(cp, "invalid pattern /%.*s/: %s", show(cp->buf, len), cp->buf, why);
        if (rc == MCP_OK && !(val = json_stringn(cp->buf, len)))
            rc = cp_nomem(cp);
    } else {
        rc = read_value(cp, false, &len, &quoted);
        if (rc == MCP_OK && len == 0 && !quoted)
            rc = cp_fail(cp, "%s= needs a value", ckeys[k].name);
        if (rc != MCP_OK)
            return rc;
        switch (k) {
        case CK_MIN:
        case CK_MAX:
            if (quoted || !(val = parse_number(cp->buf, len)))
                rc = cp_fail(cp, "%s= needs a number, got '%.*s'", ckeys[k].name,
                             show(cp->buf, len), cp->buf);
            break;
        case CK_DEFAULT:
            rc = parse_default(cp, pr, len, quoted, &val);
            break;
        case CK_FORMAT:
            if (!(val = json_stringn(cp->buf, len)))
                rc = cp_nomem(cp);
            break;
        default: /* the counts */
            val = quoted ? NULL : parse_number(cp->buf, len);
            if (!json_is_integer(val) || json_integer_value(val) < 0) {
                json_decref(val);
                val = NULL;
                rc = cp_fail(cp, "%s= needs a non-negative integer, got '%.*s'", ckeys[k].name,
                             show(cp->buf, len), cp->buf);
            }
            break;
        }
    }
    if (rc != MCP_OK)
        return rc;
    if (json_object_set_new(target, ckeys[k].keyword, val))
        return cp_nomem(cp);
    return MCP_OK;
}

static int parse_description(cparse *cp, cprop *pr)
{
    size_t n = 0;
    int rc;

    if (pr->description)
        return cp_fail(cp, "more than one description");
    if ((rc = read_quoted(cp, cp->buf, &n)) != MCP_OK)
        return rc;
    if (!(pr->description = json_stringn(cp->buf, n)))
        return cp_nomem(cp);
    return MCP_OK;
}

/* One property: its name, '?', ": type", then constraints and a description up to ',' or the
 * end. Adds it to props (and its name to required unless optional). */
static int parse_property(cparse *cp, json_t *props, json_t *required)
{
    cprop pr;
    const char *name = cp->p;
    size_t name_len;
    bool optional = false;
    int rc;

    memset(&pr, 0, sizeof pr);
    cp->name = NULL;
    while (name_char(*cp->p))
        cp->p++;
    if (cp->p == name)
        return cp_unexpected(cp, "expected a property name");
    name_len = (size_t)(cp->p - name);
    cp->name = name;
    cp->name_len = name_len;
    if (json_object_getn(props, name, name_len))
        return cp_fail(cp, "duplicate property name");
    cp_skip_space(cp);
    if (*cp->p == '?') {
        optional = true;
        cp->p++;
        cp_skip_space(cp);
    }
    if (*cp->p == ':') {
        cp->p++;
        cp_skip_space(cp);
        if ((rc = parse_type(cp, &pr)) != MCP_OK)
            return rc;
    }
    if ((rc = cprop_build(cp, &pr)) != MCP_OK)
        return rc;
    for (;;) {
        cp_skip_space(cp);
        if (*cp->p == '\0' || *cp->p == ',')
            break;
        if (*cp->p == '\'')
            rc = parse_description(cp, &pr);
        else
            rc = parse_constraint(cp, &pr);
        if (rc != MCP_OK)
            goto fail;
    }
    /* `any[]` with no element constraints needs no "items". */
    if (pr.inner_parent && json_object_size(pr.inner) == 0)
        json_object_del(pr.inner_parent, "items");
    if (pr.description) {
        rc = json_object_set_new(pr.schema, "description", pr.description);
        pr.description = NULL;
        if (rc)
            goto nomem;
    }
    rc = json_object_setn_new(props, name, name_len, pr.schema);
    pr.schema = NULL;
    if (rc)
        goto nomem;
    if (!optional && json_array_append_new(required, json_stringn(name, name_len)))
        goto nomem;
    return MCP_OK;
nomem:
    rc = cp_nomem(cp);
fail:
    json_decref(pr.schema);
    json_decref(pr.description);
    return rc;
}

json_t *mcp__schema_compact(const char *text, mcp_error_t *err)
{
    json_t *schema = json_object(), *props = json_object(), *required = json_array();
    cparse cp;
    int rc = MCP_OK;

    memset(&cp, 0, sizeof cp);
    cp.text = cp.p = text ? text : "";
    cp.err = err;
    if (!schema || !props || !required ||
        json_object_set_new(schema, "type", json_string("object")) ||
        json_object_set(schema, "properties", props)) {
        rc = cp_nomem(&cp);
    } else if (!utf8_valid(cp.text, strlen(cp.text))) {
        rc = mcp__error_set(err, MCP_ESCHEMA, "compact schema: the text is not valid UTF-8");
    } else if (!(cp.buf = malloc(strlen(cp.text) + 1))) {
        rc = cp_nomem(&cp);
    }
    while (rc == MCP_OK) {
        cp_skip_space(&cp);
        if (*cp.p == '\0')
            break;
        if ((rc = parse_property(&cp, props, required)) != MCP_OK)
            break;
        if (*cp.p == ',')
            cp.p++; /* parse_property stopped at ',' or the end; a trailing ',' is fine */
    }
    if (rc == MCP_OK && json_array_size(required) > 0 &&
        json_object_set(schema, "required", required))
        rc = cp_nomem(&cp);
    free(cp.buf);
    json_decref(props);
    json_decref(required);
    if (rc != MCP_OK) {
        json_decref(schema);
        return NULL;
    }
    return schema;
}

/* ============================================================================================ */
/* 3. Patterns: ECMA-262 regex -> POSIX ERE                                                     */
/* ============================================================================================ */

enum { RX_OK, RX_UNSUPPORTED, RX_INVALID };

#define RX_UNBOUNDED ((unsigned long)-1)

/* A set of ASCII characters (1..127). */
typedef struct rxset {
    uint32_t bits[4];
} rxset;

static void set_add(rxset *s, uint32_t c)
{
    if (c > 0 && c < 128)
        s->bits[c >> 5] |= 1u << (c & 31);
}

static void set_add_range(rxset *s, uint32_t lo, uint32_t hi)
{
    for (; lo <= hi && lo < 128; lo++)
        set_add(s, lo);
}

static bool set_has(const rxset *s, uint32_t c)
{
    return c < 128 && ((s->bits[c >> 5] >> (c & 31)) & 1u);
}

static bool set_empty(const rxset *s)
{
    return !(s->bits[0] | s->bits[1] | s->bits[2] | s->bits[3]);
}

/* \d, \w or \s (kind 'd', 'w', 's'). ECMA's \s also has Unicode spaces; only ASCII here. */
static void set_add_escape(rxset *s, int kind)
{
    switch (kind) {
    case 'd':
        set_add_range(s, '0', '9');
        break;
    case 'w':
        set_add_range(s, '0', '9');
        set_add_range(s, 'A', 'Z');
        set_add_range(s, 'a', 'z');
        set_add(s, '_');
        break;
    default:
        set_add(s, ' ');
        set_add_range(s, '\t', '\r'); /* \t \n \v \f \r */
        break;
    }
}

typedef struct rx {
    const char *s, *end;      /* the ECMA source still to read */
    sbuf *out;                /* the ERE */
    bool bytewise;            /* single-byte locale: regexec() sees bytes, not characters */
    const char *why;          /* the reason for RX_UNSUPPORTED / RX_INVALID */
    size_t atom;              /* cost of the last atom; 0 when nothing may be repeated */
    int depth;                /* open groups */
    size_t cost[RX_MAX_GROUPS + 1]; /* estimated size of each open group so far */
} rx;

static int rx_stop(rx *r, int code, const char *why)
{
    r->why = why;
    return code;
}

static void rx_puts(rx *r, const char *s)
{
    sb_putn(r->out, s, strlen(s));
}

static void rx_putc(rx *r, char c)
{
    sb_putn(r->out, &c, 1);
}

/* An atom was written: account for its size; it may now be repeated. */
static int rx_atom(rx *r, size_t cost)
{
    r->atom = cost;
    r->cost[r->depth] += cost;
    if (r->cost[r->depth] > RX_MAX_COST)
        return rx_stop(r, RX_UNSUPPORTED, "pattern too large");
    return RX_OK;
}

/* One literal character. */
static int rx_literal(rx *r, uint32_t c)
{
    char u[4];
    size_t n;

    if (c == 0)
        return rx_stop(r, RX_UNSUPPORTED, "NUL characters");
    if (c < 0x80) {
        char ch = (char)c;
        if (strchr(".[\\()*+?{|^$", ch)) {
            rx_putc(r, '\\');
            rx_putc(r, ch);
        } else if (ch == ']') {
            rx_puts(r, "[]]");
        } else if (ch == '}') {
            rx_puts(r, "[}]");
        } else {
            rx_putc(r, ch);
        }
    } else {
        /* A group, so that a quantifier applies to the whole character in the C locale. */
        n = utf8_encode(c, u);
        rx_putc(r, '(');
        sb_putn(r->out, u, n);
        rx_putc(r, ')');
    }
    return rx_atom(r, 1);
}

/* A bracket expression for an ASCII set. POSIX rules: ']' first, '-' last, '^' not first, and
 * no backslash escapes. `extra` (raw bytes) goes in before '^' and '-'. Ranges are only written
 * in the C locale, where they are plain byte ranges. */
static void rx_bracket(rx *r, const rxset *set, bool negate, const char *extra)
{
    bool close = set_has(set, ']'), dash = set_has(set, '-'), caret = set_has(set, '^');
    bool middle = false;
    uint32_t c, e;

    for (c = 1; c < 128 && !middle; c++)
        middle = set_has(set, c) && c != ']' && c != '-' && c != '^';
    if (!negate && !close && !middle && !extra) {
        rx_puts(r, caret && dash ? "[-^]" : caret ? "\\^" : "[-]");
        return;
    }
    rx_putc(r, '[');
    if (negate)
        rx_putc(r, '^');
    if (close)
        rx_putc(r, ']');
    for (c = 1; c < 128; c++) {
        if (!set_has(set, c) || c == ']' || c == '-' || c == '^')
            continue;
        e = c;
        if (r->bytewise)
            while (e + 1 < 128 && set_has(set, e + 1) && e + 1 != ']' && e + 1 != '-' &&
                   e + 1 != '^')
                e++;
        if (e - c >= 2) {
            rx_putc(r, (char)c);
            rx_putc(r, '-');
            rx_putc(r, (char)e);
            c = e;
        } else {
            rx_putc(r, (char)c);
        }
    }
    if (extra)
        rx_puts(r, extra);
    if (caret)
        rx_putc(r, '^');
    if (dash)
        rx_putc(r, '-');
    rx_putc(r, ']');
}

/* A character class: an ASCII set plus non-ASCII characters `alts` ("|x|y", may be empty). */
static int rx_class_emit(rx *r, const rxset *set, bool negate, const sbuf *alts)
{
    bool has_alts = alts && alts->len > 0;

    if (negate) {
        if (has_alts)
            return rx_stop(r, RX_UNSUPPORTED, "non-ASCII characters in a negated class");
        if (r->bytewise) {
            /* Any ASCII character outside the set, or a whole non-ASCII UTF-8 sequence. */
            rxset comp;
            uint32_t c;
            memset(&comp, 0, sizeof comp);
            for (c = 1; c < 128; c++)
                if (!set_has(set, c))
                    set_add(&comp, c);
            rx_putc(r, '(');
            rx_bracket(r, &comp, false, "\xc0-\xff");
            rx_puts(r, "[\x80-\xbf]*)");
            return rx_atom(r, 3);
        }
        if (set_empty(set))
            rx_putc(r, '.'); /* [^] matches anything, newlines too */
        else
            rx_bracket(r, set, true, NULL);
        return rx_atom(r, 1);
    }
    if (!has_alts) {
        if (set_empty(set))
            return rx_stop(r, RX_UNSUPPORTED, "an empty class");
        rx_bracket(r, set, false, NULL);
        return rx_atom(r, 1);
    }
    rx_putc(r, '(');
    if (!set_empty(set)) {
        rx_bracket(r, set, false, NULL);
        sb_putn(r->out, alts->p, alts->len);
    } else {
        sb_putn(r->out, alts->p + 1, alts->len - 1);
    }
    rx_putc(r, ')');
    return rx_atom(r, 2);
}

/* One UTF-8 character of the source. */
static int rx_char(rx *r, uint32_t *c)
{
    size_t n = utf8_decode((const unsigned char *)r->s, (size_t)(r->end - r->s), c);
    if (!n)
        return rx_stop(r, RX_INVALID, "invalid UTF-8");
    r->s += n;
    return RX_OK;
}

static bool hex4(const char *p, const char *end, uint32_t *v)
{
    int i, h;
    if (end - p < 4)
        return false;
    for (*v = 0, i = 0; i < 4; i++) {
        if ((h = hex_value((unsigned char)p[i])) < 0)
            return false;
        *v = *v * 16 + (uint32_t)h;
    }
    return true;
}

/* \uXXXX (and a surrogate pair \uD83D\uDE00); r->s is at the 'u'. */
static int rx_escape_u(rx *r, uint32_t *c)
{
    uint32_t lo;

    if (!hex4(r->s + 1, r->end, c)) {
        if (r->end - r->s >= 2 && r->s[1] == '{')
            return rx_stop(r, RX_UNSUPPORTED, "\\u{...} escapes");
        *c = 'u'; /* Annex B: an identity escape */
        r->s++;
        return RX_OK;
    }
    r->s += 5;
    if (*c >= 0xD800 && *c <= 0xDBFF && r->end - r->s >= 6 && r->s[0] == '\\' &&
        r->s[1] == 'u' && hex4(r->s + 2, r->end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
        *c = 0x10000 + ((*c - 0xD800) << 10) + (lo - 0xDC00);
        r->s += 6;
    }
    if (*c >= 0xD800 && *c <= 0xDFFF)
        return rx_stop(r, RX_UNSUPPORTED, "lone surrogates");
    return RX_OK;
}

/* A character escape; r->s is just after the backslash. Class escapes (\d...), assertions and
 * back-references are handled by the callers. */
static int rx_escape_char(rx *r, uint32_t *c)
{
    int h1, h2;

    switch (*r->s) {
    case 'n':
        *c = '\n';
        break;
    case 'r':
        *c = '\r';
        break;
    case 't':
        *c = '\t';
        break;
    case 'f':
        *c = '\f';
        break;
    case 'v':
        *c = '\v';
        break;
    case 'x':
        if (r->end - r->s >= 3 && (h1 = hex_value((unsigned char)r->s[1])) >= 0 &&
            (h2 = hex_value((unsigned char)r->s[2])) >= 0) {
            *c = (uint32_t)(h1 * 16 + h2);
            r->s += 3;
            return RX_OK;
        }
        *c = 'x'; /* Annex B */
        break;
    case 'u':
        return rx_escape_u(r, c);
    case 'c':
        if (r->end - r->s >= 2 && is_alpha((unsigned char)r->s[1])) {
            *c = (uint32_t)((unsigned char)r->s[1] % 32);
            r->s += 2;
            return RX_OK;
        }
        return rx_stop(r, RX_UNSUPPORTED, "\\c without a letter");
    case '0':
        if (r->end - r->s >= 2 && is_digit((unsigned char)r->s[1]))
            return rx_stop(r, RX_UNSUPPORTED, "octal escapes");
        *c = 0;
        break;
    default:
        if ((unsigned char)*r->s >= 0x80)
            return rx_char(r, c); /* an escaped non-ASCII character is itself */
        if (is_alpha((unsigned char)*r->s) || is_digit((unsigned char)*r->s))
            return rx_stop(r, RX_UNSUPPORTED, "an unknown escape");
        *c = (unsigned char)*r->s; /* escaped punctuation is itself */
        break;
    }
    r->s++;
    return RX_OK;
}

/* One member of a class: a character (*c) or a class escape (*kind = 'd', 'w' or 's'). */
static int rx_class_atom(rx *r, uint32_t *c, int *kind)
{
    *kind = 0;
    if (*r->s != '\\')
        return rx_char(r, c);
    if (++r->s == r->end)
        return rx_stop(r, RX_INVALID, "\\ at end of pattern");
    switch (*r->s) {
    case 'd':
    case 'w':
    case 's':
        *kind = *r->s++;
        return RX_OK;
    case 'D':
    case 'W':
    case 'S':
        return rx_stop(r, RX_UNSUPPORTED, "\\D, \\W or \\S inside a class");
    case 'b':
        r->s++;
        *c = '\b';
        return RX_OK;
    case '-':
        r->s++;
        *c = '-';
        return RX_OK;
    default:
        return rx_escape_char(r, c);
    }
}

static void class_add(rxset *set, sbuf *alts, uint32_t c, int kind)
{
    char u[5];

    if (kind) {
        set_add_escape(set, kind);
    } else if (c < 0x80) {
        set_add(set, c);
    } else {
        u[0] = '|';
        sb_putn(alts, u, 1 + utf8_encode(c, u + 1));
    }
}

/* [...] — r->s is at the '['. */
static int rx_class(rx *r)
{
    rxset set;
    sbuf alts;
    bool negate = false;
    uint32_t a, b;
    int ka, kb, rc = RX_OK;

    memset(&set, 0, sizeof set);
    sb_init(&alts);
    r->s++;
    if (r->s < r->end && *r->s == '^') {
        negate = true;
        r->s++;
    }
    for (;;) {
        if (r->s >= r->end) {
            rc = rx_stop(r, RX_INVALID, "missing ']'");
            break;
        }
        if (*r->s == ']') {
            r->s++;
            break;
        }
        if ((rc = rx_class_atom(r, &a, &ka)) != RX_OK)
            break;
        if (r->end - r->s >= 2 && r->s[0] == '-' && r->s[1] != ']') {
            r->s++;
            if ((rc = rx_class_atom(r, &b, &kb)) != RX_OK)
                break;
            if (ka || kb) { /* Annex B: [\d-z] is \d, '-' and 'z' */
                class_add(&set, &alts, a, ka);
                set_add(&set, '-');
                class_add(&set, &alts, b, kb);
            } else if (a > b) {
                rc = rx_stop(r, RX_INVALID, "range out of order in character class");
                break;
            } else if (b >= 0x80 && a != b) {
                rc = rx_stop(r, RX_UNSUPPORTED, "ranges of non-ASCII characters");
                break;
            } else if (b >= 0x80) {
                class_add(&set, &alts, a, 0);
            } else {
                set_add_range(&set, a, b);
            }
        } else {
            class_add(&set, &alts, a, ka);
        }
    }
    if (rc == RX_OK)
        rc = alts.oom ? rx_stop(r, RX_UNSUPPORTED, "out of memory")
                      : rx_class_emit(r, &set, negate, &alts);
    sb_free(&alts);
    return rc;
}

/* An escape outside a class; r->s is at the backslash. */
static int rx_escape(rx *r)
{
    rxset set;
    uint32_t c;
    int e, rc;

    if (++r->s == r->end)
        return rx_stop(r, RX_INVALID, "\\ at end of pattern");
    e = (unsigned char)*r->s;
    switch (e) {
    case 'd':
    case 'w':
    case 's':
    case 'D':
    case 'W':
    case 'S':
        memset(&set, 0, sizeof set);
        set_add_escape(&set, e | 0x20);
        r->s++;
        return rx_class_emit(r, &set, e < 'a', NULL);
    case 'b':
    case 'B':
        return rx_stop(r, RX_UNSUPPORTED, "word boundaries");
    case 'k':
        return rx_stop(r, RX_UNSUPPORTED, "back-references");
    case 'p':
    case 'P':
        return rx_stop(r, RX_UNSUPPORTED, "Unicode property escapes");
    default:
        if (e >= '1' && e <= '9')
            return rx_stop(r, RX_UNSUPPORTED, "back-references");
        if ((rc = rx_escape_char(r, &c)) != RX_OK)
            return rc;
        return rx_literal(r, c);
    }
}

/* Any character but a line terminator. ECMA also excludes U+2028/U+2029; not here. */
static int rx_dot(rx *r)
{
    r->s++;
    rx_puts(r, r->bytewise ? "([^\n\r\x80-\xbf][\x80-\xbf]*)" : "[^\n\r]");
    return rx_atom(r, 2);
}

/* A quantifier just read (written to the output as `text`). A lazy '?' after it changes nothing
 * for a yes/no match, so it is dropped. */
static int rx_quant(rx *r, unsigned long lo, unsigned long hi, const char *text)
{
    unsigned long copies;

    if (!r->atom)
        return rx_stop(r, RX_INVALID, "nothing to repeat");
    if (lo > hi)
        return rx_stop(r, RX_INVALID, "numbers out of order in {} quantifier");
    copies = hi == RX_UNBOUNDED ? lo + 1 : hi;
    if (copies > RX_MAX_COST)
        copies = RX_MAX_COST + 1;
    r->cost[r->depth] = r->cost[r->depth] - r->atom + r->atom * copies;
    r->atom = 0;
    rx_puts(r, text);
    if (r->s < r->end && *r->s == '?')
        r->s++;
    if (r->cost[r->depth] > RX_MAX_COST)
        return rx_stop(r, RX_UNSUPPORTED, "pattern too large");
    return RX_OK;
}

static bool rx_number(const char **p, const char *end, unsigned long *v)
{
    if (*p >= end || !is_digit((unsigned char)**p))
        return false;
    for (*v = 0; *p < end && is_digit((unsigned char)**p); (*p)++)
        if (*v < 1000000)
            *v = *v * 10 + (unsigned long)(**p - '0');
    return true;
}

/* '{': a {n}, {n,} or {n,m} quantifier, or else (Annex B) a literal '{'. */
static int rx_brace(rx *r)
{
    const char *p = r->s + 1;
    unsigned long lo, hi;
    char text[48];

    if (!rx_number(&p, r->end, &lo))
        goto literal;
    hi = lo;
    if (p < r->end && *p == ',') {
        p++;
        if (!rx_number(&p, r->end, &hi))
            hi = RX_UNBOUNDED;
    }
    if (p >= r->end || *p != '}')
        goto literal;
    r->s = p + 1;
    if (hi == lo)
        snprintf(text, sizeof text, "{%lu}", lo);
    else if (hi == RX_UNBOUNDED)
        snprintf(text, sizeof text, "{%lu,}", lo);
    else
        snprintf(text, sizeof text, "{%lu,%lu}", lo, hi);
    return rx_quant(r, lo, hi, text);
literal:
    r->s++;
    return rx_literal(r, '{');
}

/* '(' with its (?:...), (?<name>...) and lookaround forms. */
static int rx_open(rx *r)
{
    const char *q;

    r->s++;
    if (r->s < r->end && *r->s == '?') {
        q = r->s + 1;
        if (q < r->end && *q == ':') {
            r->s = q + 1;
        } else if (q < r->end && (*q == '=' || *q == '!')) {
            return rx_stop(r, RX_UNSUPPORTED, "lookahead");
        } else if (q < r->end && *q == '<') {
            q++;
            if (q < r->end && (*q == '=' || *q == '!'))
                return rx_stop(r, RX_UNSUPPORTED, "lookbehind");
            while (q < r->end && (is_alpha((unsigned char)*q) || is_digit((unsigned char)*q) ||
                                  *q == '_' || *q == '$'))
                q++;
            if (q == r->s + 2 || q >= r->end || *q != '>')
                return rx_stop(r, RX_INVALID, "invalid group name");
            r->s = q + 1;
        } else {
            return rx_stop(r, RX_INVALID, "invalid group");
        }
    }
    if (r->depth >= RX_MAX_GROUPS)
        return rx_stop(r, RX_UNSUPPORTED, "groups nested too deeply");
    r->depth++;
    r->cost[r->depth] = 0;
    r->atom = 0;
    rx_putc(r, '(');
    return RX_OK;
}

static int rx_close(rx *r)
{
    size_t cost;

    if (r->depth == 0)
        return rx_stop(r, RX_INVALID, "unmatched ')'");
    r->s++;
    rx_putc(r, ')');
    cost = r->cost[r->depth--];
    return rx_atom(r, cost ? cost : 1);
}

static int rx_translate(rx *r)
{
    int rc = RX_OK;
    uint32_t c;

    while (rc == RX_OK && r->s < r->end) {
        switch (*r->s) {
        case '(':
            rc = rx_open(r);
            break;
        case ')':
            rc = rx_close(r);
            break;
        case '|':
        case '^':
        case '$':
            rx_putc(r, *r->s++);
            r->atom = 0;
            break;
        case '.':
            rc = rx_dot(r);
            break;
        case '[':
            rc = rx_class(r);
            break;
        case '\\':
            rc = rx_escape(r);
            break;
        case '*':
            r->s++;
            rc = rx_quant(r, 0, RX_UNBOUNDED, "*");
            break;
        case '+':
            r->s++;
            rc = rx_quant(r, 1, RX_UNBOUNDED, "+");
            break;
        case '?':
            r->s++;
            rc = rx_quant(r, 0, 1, "?");
            break;
        case '{':
            rc = rx_brace(r);
            break;
        default:
            if ((rc = rx_char(r, &c)) == RX_OK)
                rc = rx_literal(r, c);
            break;
        }
        if (rc == RX_OK && r->out->oom)
            rc = rx_stop(r, RX_UNSUPPORTED, "out of memory");
    }
    if (rc == RX_OK && r->depth > 0)
        rc = rx_stop(r, RX_INVALID, "missing ')'");
    return rc;
}

/* Translate and compile an ECMA pattern. RX_OK: *re is ready (the caller regfree()s it);
 * otherwise RX_UNSUPPORTED or RX_INVALID with the reason in why (may be NULL). */
static int rx_compile(const char *pat, size_t len, regex_t *re, char *why, size_t why_size)
{
    sbuf out;
    rx r;
    int rc, e;

    sb_init(&out);
    memset(&r, 0, sizeof r);
    r.s = pat;
    r.end = pat + len;
    r.out = &out;
    r.bytewise = MB_CUR_MAX == 1;
    rc = rx_translate(&r);
    if (rc == RX_OK) {
        e = regcomp(re, out.p, REG_EXTENDED | REG_NOSUB);
        if (e == REG_ESPACE) {
            rc = rx_stop(&r, RX_UNSUPPORTED, "pattern too large");
        } else if (e != 0) {
            rc = RX_INVALID;
            r.why = NULL;
            if (why && why_size)
                regerror(e, re, why, why_size);
        }
    }
    if (rc != RX_OK && r.why && why && why_size)
        snprintf(why, why_size, "%s", r.why);
    sb_free(&out);
    return rc;
}

/* Is `pat` acceptable in a schema? Untranslatable-but-valid patterns are (they always pass);
 * syntax errors are not. MCP_OK or MCP_ESCHEMA with the reason in why. */
static int pattern_check(const char *pat, size_t len, char *why, size_t why_size)
{
    regex_t re;
    int rc = rx_compile(pat, len, &re, why, why_size);

    if (rc == RX_OK)
        regfree(&re);
    return rc == RX_INVALID ? MCP_ESCHEMA : MCP_OK;
}

/* ============================================================================================ */
/* 4. Local JSON pointers ($ref)                                                                */
/* ============================================================================================ */

/* Resolve "#", "#/a/b~1c/0" (URI fragment: percent-decoded, then ~0 ~1 unescaped) against
 * root. NULL when it is not a local pointer or does not resolve. */
static const json_t *ref_resolve(const json_t *root, const char *ref)
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

/* ============================================================================================ */
/* 5. Checking a schema                                                                         */
/* ============================================================================================ */

/* The keywords this validator knows, sorted by name (kw_lookup() searches them by halves). */
enum kw {
    KW_DEFS, KW_REF, KW_ADDITIONAL_PROPERTIES, KW_ALL_OF, KW_ANY_OF, KW_CONST, KW_CONTAINS,
    KW_DEFINITIONS, KW_DEPENDENT_REQUIRED, KW_DEPENDENT_SCHEMAS, KW_ELSE, KW_ENUM,
    KW_EXCLUSIVE_MAXIMUM, KW_EXCLUSIVE_MINIMUM, KW_IF, KW_ITEMS, KW_MAX_CONTAINS, KW_MAX_ITEMS,
    KW_MAX_LENGTH, KW_MAX_PROPERTIES, KW_MAXIMUM, KW_MIN_CONTAINS, KW_MIN_ITEMS, KW_MIN_LENGTH,
    KW_MIN_PROPERTIES, KW_MINIMUM, KW_MULTIPLE_OF, KW_NOT, KW_ONE_OF, KW_PATTERN,
    KW_PATTERN_PROPERTIES, KW_PREFIX_ITEMS, KW_PROPERTIES, KW_PROPERTY_NAMES, KW_REQUIRED,
    KW_THEN, KW_TYPE, KW_UNIQUE_ITEMS, KW_COUNT
};

/* What each keyword's value must be. */
enum kwval {
    V_ANY,          /* const */
    V_SCHEMA,       /* a schema: object or boolean */
    V_SCHEMA_MAP,   /* an object of schemas */
    V_SCHEMA_LIST,  /* a non-empty array of schemas */
    V_PATTERN_MAP,  /* an object of schemas keyed by patterns */
    V_TYPE,         /* a type name or a non-empty array of them */
    V_STRINGS,      /* an array of strings */
    V_ARRAY,        /* an array */
    V_NUMBER,       /* a number */
    V_COUNT,        /* a non-negative integer */
    V_POSITIVE,     /* a number > 0 */
    V_BOOL,         /* true or false */
    V_PATTERN,      /* a regex */
    V_REF,          /* a local JSON pointer that resolves */
    V_DEP_REQUIRED, /* an object of arrays of strings */
};

static const struct {
    const char *name;
    enum kwval value;
} keywords[KW_COUNT] = {
    [KW_DEFS] = {"$defs", V_SCHEMA_MAP},
    [KW_REF] = {"$ref", V_REF},
    [KW_ADDITIONAL_PROPERTIES] = {"additionalProperties", V_SCHEMA},
    [KW_ALL_OF] = {"allOf", V_SCHEMA_LIST},
    [KW_ANY_OF] = {"anyOf", V_SCHEMA_LIST},
    [KW_CONST] = {"const", V_ANY},
    [KW_CONTAINS] = {"contains", V_SCHEMA},
    [KW_DEFINITIONS] = {"definitions", V_SCHEMA_MAP},
    [KW_DEPENDENT_REQUIRED] = {"dependentRequired", V_DEP_REQUIRED},
    [KW_DEPENDENT_SCHEMAS] = {"dependentSchemas", V_SCHEMA_MAP},
    [KW_ELSE] = {"else", V_SCHEMA},
    [KW_ENUM] = {"enum", V_ARRAY},
    [KW_EXCLUSIVE_MAXIMUM] = {"exclusiveMaximum", V_NUMBER},
    [KW_EXCLUSIVE_MINIMUM] = {"exclusiveMinimum", V_NUMBER},
    [KW_IF] = {"if", V_SCHEMA},
    [KW_ITEMS] = {"items", V_SCHEMA},
    [KW_MAX_CONTAINS] = {"maxContains", V_COUNT},
    [KW_MAX_ITEMS] = {"maxItems", V_COUNT},
    [KW_MAX_LENGTH] = {"maxLength", V_COUNT},
    [KW_MAX_PROPERTIES] = {"maxProperties", V_COUNT},
    [KW_MAXIMUM] = {"maximum", V_NUMBER},
    [KW_MIN_CONTAINS] = {"minContains", V_COUNT},
    [KW_MIN_ITEMS] = {"minItems", V_COUNT},
    [KW_MIN_LENGTH] = {"minLength", V_COUNT},
    [KW_MIN_PROPERTIES] = {"minProperties", V_COUNT},
    [KW_MINIMUM] = {"minimum", V_NUMBER},
    [KW_MULTIPLE_OF] = {"multipleOf", V_POSITIVE},
    [KW_NOT] = {"not", V_SCHEMA},
    [KW_ONE_OF] = {"oneOf", V_SCHEMA_LIST},
    [KW_PATTERN] = {"pattern", V_PATTERN},
    [KW_PATTERN_PROPERTIES] = {"patternProperties", V_PATTERN_MAP},
    [KW_PREFIX_ITEMS] = {"prefixItems", V_SCHEMA_LIST},
    [KW_PROPERTIES] = {"properties", V_SCHEMA_MAP},
    [KW_PROPERTY_NAMES] = {"propertyNames", V_SCHEMA},
    [KW_REQUIRED] = {"required", V_STRINGS},
    [KW_THEN] = {"then", V_SCHEMA},
    [KW_TYPE] = {"type", V_TYPE},
    [KW_UNIQUE_ITEMS] = {"uniqueItems", V_BOOL},
};

static int kw_lookup(const char *name)
{
    int lo = 0, hi = KW_COUNT - 1;

    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        /* the first bytes decide most steps without a call (strcmp orders as unsigned char) */
        int c = (unsigned char)name[0] - (unsigned char)keywords[mid].name[0];
        if (c == 0)
            c = strcmp(name, keywords[mid].name);
        if (c == 0)
            return mid;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return -1;
}

/* JSON type names as bits; integers are numbers too. */
enum {
    T_STRING = 1, T_NUMBER = 2, T_INTEGER = 4, T_BOOLEAN = 8, T_OBJECT = 16, T_ARRAY = 32,
    T_NULL = 64
};

static unsigned type_bit(const char *name)
{
    static const char *const names[] = {"string", "number", "integer", "boolean",
                                        "object", "array", "null"};
    unsigned i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name[0] == names[i][0] && strcmp(name, names[i]) == 0) /* first bytes all differ */
            return 1u << i;
    return 0;
}

typedef struct chk {
    const json_t *root;
    mcp_error_t *err;
    char path[128]; /* JSON pointer of the value being checked */
    size_t plen;
} chk;

static int chk_fail(chk *c, const char *fmt, ...) MCP_PRINTF(2, 3);
static int chk_fail(chk *c, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    mcp__error_set(c->err, MCP_ESCHEMA, "schema: at #%s: %s", c->path, what);
    if (c->err)
        utf8_trim(c->err->text);
    return MCP_ESCHEMA;
}

/* Append "/token" (escaped) to the path, cut at a character boundary if it is too long;
 * returns the length to restore. */
static size_t chk_push(chk *c, const char *tok)
{
    size_t old = c->plen, n = c->plen, k;
    uint32_t cp;

    if (n + 1 < sizeof c->path)
        c->path[n++] = '/';
    while (*tok) {
        if (*tok == '~' || *tok == '/') {
            if (n + 3 > sizeof c->path)
                break;
            c->path[n++] = '~';
            c->path[n++] = *tok++ == '~' ? '0' : '1';
            continue;
        }
        k = utf8_decode((const unsigned char *)tok, strlen(tok), &cp);
        if (k == 0)
            k = 1;
        if (n + k + 1 > sizeof c->path)
            break;
        memcpy(c->path + n, tok, k);
        n += k;
        tok += k;
    }
    c->path[n] = '\0';
    c->plen = n;
    return old;
}

static size_t chk_push_index(chk *c, size_t i)
{
    char num[24];
    snprintf(num, sizeof num, "%zu", i);
    return chk_push(c, num);
}

static void chk_pop(chk *c, size_t old)
{
    c->plen = old;
    c->path[old] = '\0';
}

static int chk_schema(chk *c, const json_t *s, int depth);

static int chk_pattern(chk *c, const char *pat, size_t len)
{
    char why[96];
    if (pattern_check(pat, len, why, sizeof why) != MCP_OK)
        return chk_fail(c, "'%.*s' is not a valid regular expression: %s", show(pat, len), pat,
                        why);
    return MCP_OK;
}

static int chk_type(chk *c, const json_t *v)
{
    size_t i;
    const json_t *t;

    if (json_is_string(v)) {
        if (!type_bit(json_string_value(v)))
            return chk_fail(c, "unknown type '%s'", json_string_value(v));
        return MCP_OK;
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return chk_fail(c, "must be a type name or a non-empty array of type names");
    json_array_foreach(v, i, t) {
        if (!json_is_string(t))
            return chk_fail(c, "must be a type name or a non-empty array of type names");
        if (!type_bit(json_string_value(t)))
            return chk_fail(c, "unknown type '%s'", json_string_value(t));
    }
    return MCP_OK;
}

static int chk_strings(chk *c, const json_t *v)
{
    size_t i;
    const json_t *s;

    if (!json_is_array(v))
        return chk_fail(c, "must be an array of strings");
    json_array_foreach(v, i, s)
        if (!json_is_string(s))
            return chk_fail(c, "must be an array of strings");
    return MCP_OK;
}

static int chk_ref(chk *c, const json_t *v)
{
    const char *ref;
    const json_t *target;

    if (!json_is_string(v))
        return chk_fail(c, "must be a string");
    ref = json_string_value(v);
    if (ref[0] != '#' || (ref[1] != '\0' && ref[1] != '/'))
        return chk_fail(c, "'%s': only local JSON pointers (\"#\", \"#/...\") are supported",
                        ref);
    if (!(target = ref_resolve(c->root, ref)))
        return chk_fail(c, "'%s' does not resolve within this schema", ref);
    if (!json_is_object(target) && !json_is_boolean(target))
        return chk_fail(c, "'%s' does not point to a schema", ref);
    return MCP_OK;
}

/* The value of one known keyword; the path already ends with the keyword. */
static int chk_keyword(chk *c, enum kwval kind, const json_t *v, int depth)
{
    size_t i, old;
    const json_t *sub;
    const char *key;
    int rc = MCP_OK;

    switch (kind) {
    case V_ANY:
        return MCP_OK;
    case V_SCHEMA:
        return chk_schema(c, v, depth + 1);
    case V_SCHEMA_MAP:
    case V_PATTERN_MAP:
        if (!json_is_object(v))
            return chk_fail(c, "must be an object");
        json_object_foreach((json_t *)v, key, sub) {
            if (kind == V_PATTERN_MAP && (rc = chk_pattern(c, key, strlen(key))) != MCP_OK)
                return rc;
            old = chk_push(c, key);
            if ((rc = chk_schema(c, sub, depth + 1)) != MCP_OK)
                return rc;
            chk_pop(c, old);
        }
        return MCP_OK;
    case V_SCHEMA_LIST:
        if (!json_is_array(v) || json_array_size(v) == 0)
            return chk_fail(c, "must be a non-empty array of schemas");
        json_array_foreach(v, i, sub) {
            old = chk_push_index(c, i);
            if ((rc = chk_schema(c, sub, depth + 1)) != MCP_OK)
                return rc;
            chk_pop(c, old);
        }
        return MCP_OK;
    case V_TYPE:
        return chk_type(c, v);
    case V_STRINGS:
        return chk_strings(c, v);
    case V_ARRAY:
        return json_is_array(v) ? MCP_OK : chk_fail(c, "must be an array");
    case V_NUMBER:
        return json_is_number(v) ? MCP_OK : chk_fail(c, "must be a number");
    case V_COUNT: {
        json_int_t n;
        return get_count(v, &n) ? MCP_OK : chk_fail(c, "must be a non-negative integer");
    }
    case V_POSITIVE:
        return json_is_number(v) && json_number_value(v) > 0
                   ? MCP_OK
                   : chk_fail(c, "must be a number greater than 0");
    case V_BOOL:
        return json_is_boolean(v) ? MCP_OK : chk_fail(c, "must be true or false");
    case V_PATTERN:
        if (!json_is_string(v))
            return chk_fail(c, "must be a string");
        return chk_pattern(c, json_string_value(v), json_string_length(v));
    case V_REF:
        return chk_ref(c, v);
    case V_DEP_REQUIRED:
        if (!json_is_object(v))
            return chk_fail(c, "must be an object of arrays of strings");
        json_object_foreach((json_t *)v, key, sub) {
            old = chk_push(c, key);
            if ((rc = chk_strings(c, sub)) != MCP_OK)
                return rc;
            chk_pop(c, old);
        }
        return MCP_OK;
    }
    return MCP_OK;
}

static int chk_schema(chk *c, const json_t *s, int depth)
{
    const char *key;
    const json_t *v;
    size_t old;
    int k, rc;

    if (json_is_boolean(s))
        return MCP_OK;
    if (!json_is_object(s))
        return chk_fail(c, "a schema must be an object or a boolean");
    if (depth > MAX_DEPTH)
        return chk_fail(c, "schemas nested more than %d levels", MAX_DEPTH);
    json_object_foreach((json_t *)s, key, v) {
        if ((k = kw_lookup(key)) < 0)
            continue; /* unknown keywords are allowed */
        old = chk_push(c, key);
        if (k == KW_ITEMS && json_is_array(v))
            return chk_fail(c, "must be a schema (for tuples use \"prefixItems\")");
        if ((rc = chk_keyword(c, keywords[k].value, v, depth)) != MCP_OK)
            return rc;
        chk_pop(c, old);
    }
    return MCP_OK;
}

int mcp__schema_check(const json_t *schema, mcp_error_t *err)
{
    chk c;

    if (!json_is_object(schema))
        return mcp__error_set(err, MCP_ESCHEMA, "schema: must be a JSON object");
    c.root = schema;
    c.err = err;
    c.path[0] = '\0';
    c.plen = 0;
    return chk_schema(&c, schema, 0);
}

json_t *mcp_schema_from_text(const char *text, mcp_error_t *err)
{
    const char *p = text;
    json_t *schema;
    json_error_t jerr;

    while (p && is_space(*p))
        p++;
    if (p && *p == '{') {
        schema = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
        if (!schema) {
            mcp__error_set(err, MCP_ESCHEMA, "schema JSON: line %d, column %d: %s", jerr.line,
                           jerr.column, jerr.text);
            if (err)
                utf8_trim(err->text);
            return NULL;
        }
    } else if (!(schema = mcp__schema_compact(text, err))) {
        if (err)
            err->code = MCP_ESCHEMA;
        return NULL;
    }
    if (mcp__schema_check(schema, err) != MCP_OK) {
        json_decref(schema);
        return NULL;
    }
    return schema;
}

/* ============================================================================================ */
/* 6. Validation                                                                                */
/* ============================================================================================ */

typedef struct vseg {
    const char *key; /* a property name, or NULL for an array index */
    size_t index;
} vseg;

typedef struct vregex {
    const char *pat; /* identity: the schema's own string */
    int state;       /* RX_OK: re is compiled */
    regex_t re;
} vregex;

typedef struct vctx {
    const json_t *root;
    char *msg;
    size_t msg_size;
    int quiet;            /* > 0 while trying alternatives (anyOf, not, if...): no messages */
    bool fatal;           /* too deeply nested: stop everything, the message is written */
    int depth;            /* instance nesting = number of path segments */
    int refs;             /* $ref hops since the last step into the instance */
    int nest;             /* total recursion */
    size_t nrx, rx_next;  /* regex cache use, next slot to evict */
    vseg path[MAX_DEPTH];
    vregex rx[RX_CACHE];
} vctx;

static bool v_apply(vctx *v, const json_t *s, const json_t *x);

static bool ident(const char *k)
{
    if (!(is_alpha((unsigned char)*k) || *k == '_' || *k == '$'))
        return false;
    for (k++; *k; k++)
        if (!(is_alpha((unsigned char)*k) || is_digit((unsigned char)*k) || *k == '_' ||
              *k == '$'))
            return false;
    return true;
}

/* Start a message at the current location; false when none should be written. */
static bool v_begin(vctx *v, mw *w)
{
    int i;

    if (v->quiet || !v->msg || !v->msg_size)
        return false;
    w->p = v->msg;
    w->size = v->msg_size;
    w->len = 0;
    v->msg[0] = '\0';
    mw_puts(w, "arguments");
    for (i = 0; i < v->depth; i++) {
        const vseg *seg = &v->path[i];
        if (!seg->key) {
            mw_printf(w, "[%zu]", seg->index);
        } else if (ident(seg->key)) {
            mw_putn(w, ".", 1);
            mw_puts(w, seg->key);
        } else {
            mw_putn(w, "[", 1);
            mw_quoted(w, seg->key);
            mw_putn(w, "]", 1);
        }
    }
    mw_puts(w, ": ");
    return true;
}

static bool v_end(vctx *v)
{
    utf8_trim(v->msg);
    return false;
}

static bool v_fail(vctx *v, const char *fmt, ...) MCP_PRINTF(2, 3);
static bool v_fail(vctx *v, const char *fmt, ...)
{
    mw w;
    va_list ap;

    if (!v_begin(v, &w))
        return false;
    va_start(ap, fmt);
    mw_vprintf(&w, fmt, ap);
    va_end(ap);
    return v_end(v);
}

/* Recursion limit reached: fatal, reported even inside anyOf & co. */
static bool v_too_deep(vctx *v, const char *what)
{
    v->fatal = true;
    if (v->msg && v->msg_size)
        snprintf(v->msg, v->msg_size, "arguments: too deeply nested (%s)", what);
    return false;
}

static const char *plural(json_int_t n)
{
    return n == 1 ? "" : "s";
}

/* ---- type, enum, const ------------------------------------------------------------------- */

static unsigned inst_types(const json_t *x)
{
    switch (json_typeof(x)) {
    case JSON_STRING:
        return T_STRING;
    case JSON_INTEGER:
        return T_NUMBER | T_INTEGER;
    case JSON_REAL:
        return T_NUMBER | (dbl_is_integral(json_real_value(x)) ? T_INTEGER : 0);
    case JSON_TRUE:
    case JSON_FALSE:
        return T_BOOLEAN;
    case JSON_OBJECT:
        return T_OBJECT;
    case JSON_ARRAY:
        return T_ARRAY;
    default:
        return T_NULL;
    }
}

/* JSON's name for a value's type (integers are numbers). */
static const char *inst_type_name(const json_t *x)
{
    switch (json_typeof(x)) {
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    default:
        return "null";
    }
}

/* The types a "type" value admits (0: malformed, so not applicable). */
static unsigned type_want(const json_t *type)
{
    unsigned want = 0;
    size_t i;
    const json_t *t;

    if (json_is_string(type))
        return type_bit(json_string_value(type));
    json_array_foreach(type, i, t)
        if (json_is_string(t))
            want |= type_bit(json_string_value(t));
    return want;
}

/* "a", "a or b", "a, b or c" */
static void mw_or_list(mw *w, const char *const *names, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (i > 0)
            mw_puts(w, i + 1 == n ? " or " : ", ");
        mw_puts(w, names[i]);
    }
}

/* Add the known type names of a "type" value to names[] (no duplicates, at most `cap`). */
static size_t collect_types(const json_t *type, const char **names, size_t n, size_t cap)
{
    const json_t *one = json_is_string(type) ? type : NULL;
    size_t i = 0, j;

    for (;;) {
        const json_t *t = one ? one : json_array_get(type, i++);
        if (!t)
            break;
        if (json_is_string(t) && type_bit(json_string_value(t))) {
            for (j = 0; j < n && strcmp(names[j], json_string_value(t)) != 0; j++)
                ;
            if (j == n && n < cap)
                names[n++] = json_string_value(t);
        }
        if (one)
            break;
    }
    return n;
}

static bool v_type_fail(vctx *v, const char **names, size_t n, const json_t *x)
{
    mw w;
    if (!v_begin(v, &w))
        return false;
    mw_puts(&w, "expected ");
    mw_or_list(&w, names, n);
    mw_printf(&w, ", got %s", inst_type_name(x));
    return v_end(v);
}

static bool v_type(vctx *v, const json_t *type, const json_t *x)
{
    const char *names[8];
    unsigned want = type_want(type);

    if (!want || (want & inst_types(x)))
        return true;
    return v_type_fail(v, names, collect_types(type, names, 0, 8), x);
}

static bool v_enum(vctx *v, const json_t *e, const json_t *x)
{
    size_t i, n = json_array_size(e);
    mw w;

    if (!json_is_array(e))
        return true;
    for (i = 0; i < n; i++)
        if (json_equiv(json_array_get(e, i), x, 0))
            return true;
    if (!v_begin(v, &w))
        return false;
    if (n == 0)
        mw_puts(&w, "no value is allowed (empty enum)");
    else
        mw_puts(&w, "must be one of ");
    for (i = 0; i < n && w.len + 1 < w.size; i++) {
        if (i > 0)
            mw_puts(&w, ", ");
        mw_json(&w, json_array_get(e, i));
    }
    return v_end(v);
}

static bool v_const(vctx *v, const json_t *c, const json_t *x)
{
    mw w;

    if (json_equiv(c, x, 0))
        return true;
    if (!v_begin(v, &w))
        return false;
    mw_puts(&w, "must be ");
    mw_json(&w, c);
    return v_end(v);
}

/* ---- numbers and strings ------------------------------------------------------------------ */

static bool v_number(vctx *v, const json_t *const *kw, const json_t *x)
{
    const json_t *b;
    char num[40];

    if ((b = kw[KW_MINIMUM]) && json_is_number(b) && num_cmp(x, b) < 0)
        return v_fail(v, "must be at least %s", fmt_num(b, num, sizeof num));
    if ((b = kw[KW_MAXIMUM]) && json_is_number(b) && num_cmp(x, b) > 0)
        return v_fail(v, "must be at most %s", fmt_num(b, num, sizeof num));
    if ((b = kw[KW_EXCLUSIVE_MINIMUM]) && json_is_number(b) && num_cmp(x, b) <= 0)
        return v_fail(v, "must be greater than %s", fmt_num(b, num, sizeof num));
    if ((b = kw[KW_EXCLUSIVE_MAXIMUM]) && json_is_number(b) && num_cmp(x, b) >= 0)
        return v_fail(v, "must be less than %s", fmt_num(b, num, sizeof num));
    if ((b = kw[KW_MULTIPLE_OF]) && json_is_number(b) && !multiple_of(x, b))
        return v_fail(v, "must be a multiple of %s", fmt_num(b, num, sizeof num));
    return true;
}

/* Does the pattern match s? 1 yes, 0 no, -1 not checkable. Compiled once per call. */
static int v_match(vctx *v, const char *pat, size_t plen, const char *s, size_t slen)
{
    vregex *slot = NULL;
    size_t i;

    for (i = 0; i < v->nrx; i++) {
        if (v->rx[i].pat == pat) {
            slot = &v->rx[i];
            break;
        }
    }
    if (!slot) {
        if (v->nrx < RX_CACHE) {
            slot = &v->rx[v->nrx++];
        } else {
            slot = &v->rx[v->rx_next];
            v->rx_next = (v->rx_next + 1) % RX_CACHE;
            if (slot->state == RX_OK)
                regfree(&slot->re);
        }
        slot->pat = pat;
        slot->state = rx_compile(pat, plen, &slot->re, NULL, 0);
    }
    if (slot->state != RX_OK)
        return -1;
#ifdef REG_STARTEND
    {
        regmatch_t m[1];
        m[0].rm_so = 0;
        m[0].rm_eo = (regoff_t)slen;
        return regexec(&slot->re, s, 1, m, REG_STARTEND) == 0;
    }
#else
    (void)slen;
    return regexec(&slot->re, s, 0, NULL, 0) == 0;
#endif
}

static bool v_string(vctx *v, const json_t *const *kw, const json_t *x)
{
    const char *s = json_string_value(x);
    size_t n = json_string_length(x);
    const json_t *p;
    json_int_t lim;

    if (kw[KW_MIN_LENGTH] || kw[KW_MAX_LENGTH]) {
        unsigned long long len = utf8_length(s, n);
        if (get_count(kw[KW_MIN_LENGTH], &lim) && len < (unsigned long long)lim)
            return v_fail(v, "must be at least %" JSON_INTEGER_FORMAT " character%s long", lim,
                          plural(lim));
        if (get_count(kw[KW_MAX_LENGTH], &lim) && len > (unsigned long long)lim)
            return v_fail(v, "must be at most %" JSON_INTEGER_FORMAT " character%s long", lim,
                          plural(lim));
    }
    if ((p = kw[KW_PATTERN]) && json_is_string(p) &&
        v_match(v, json_string_value(p), json_string_length(p), s, n) == 0)
        return v_fail(v, "does not match pattern '%s'", json_string_value(p));
    return true;
}

/* ---- objects ------------------------------------------------------------------------------ */

/* Validate a member or item of the instance: one level deeper, with its path segment. */
static bool v_child(vctx *v, const json_t *s, const json_t *x, const char *key, size_t idx)
{
    int refs;
    bool ok;

    if (json_is_true(s))
        return true;
    if (v->depth >= MAX_DEPTH)
        return v_too_deep(v, "more than 64 levels");
    v->path[v->depth].key = key;
    v->path[v->depth].index = idx;
    v->depth++;
    refs = v->refs;
    v->refs = 0;
    ok = v_apply(v, s, x);
    v->refs = refs;
    v->depth--;
    return ok;
}

static bool is_schema(const json_t *s)
{
    return json_is_object(s) || json_is_boolean(s);
}

/* Each member against properties, patternProperties and additionalProperties. */
static bool v_members(vctx *v, const json_t *const *kw, const json_t *x)
{
    const json_t *props = kw[KW_PROPERTIES], *pp = kw[KW_PATTERN_PROPERTIES];
    const json_t *ap = kw[KW_ADDITIONAL_PROPERTIES], *sub;
    void *it, *pit;

    if (!json_is_object(props))
        props = NULL;
    if (!json_is_object(pp) || json_object_size(pp) == 0)
        pp = NULL;
    if (!is_schema(ap))
        ap = NULL;
    if (!props && !pp && !ap)
        return true;
    for (it = json_object_iter((json_t *)x); it; it = json_object_iter_next((json_t *)x, it)) {
        const char *key = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        const json_t *val = json_object_iter_value(it);
        bool seen = false;

        if (props && (sub = json_object_getn(props, key, klen))) {
            seen = true;
            if (!v_child(v, sub, val, key, 0))
                return false;
        }
        for (pit = pp ? json_object_iter((json_t *)pp) : NULL; pit;
             pit = json_object_iter_next((json_t *)pp, pit)) {
            const char *pat = json_object_iter_key(pit);
            int m = v_match(v, pat, json_object_iter_key_len(pit), key, klen);
            if (m < 0) {
                seen = true; /* not checkable: neither applied nor "additional" */
            } else if (m > 0) {
                seen = true;
                if (!v_child(v, json_object_iter_value(pit), val, key, 0))
                    return false;
            }
        }
        if (!seen && ap) {
            if (json_is_false(ap))
                return v_fail(v, "unexpected property '%s'", key);
            if (!v_child(v, ap, val, key, 0))
                return false;
        }
    }
    return true;
}

static bool v_property_names(vctx *v, const json_t *pn, const json_t *x)
{
    void *it;

    for (it = json_object_iter((json_t *)x); it; it = json_object_iter_next((json_t *)x, it)) {
        const char *key = json_object_iter_key(it);
        json_t *name = json_stringn_nocheck(key, json_object_iter_key_len(it));
        bool ok;

        if (!name)
            continue; /* out of memory: not checkable */
        v->quiet++;
        ok = v_apply(v, pn, name);
        v->quiet--;
        json_decref(name);
        if (v->fatal)
            return false;
        if (!ok)
            return v_fail(v, "property name '%s' is not allowed by propertyNames", key);
    }
    return true;
}

static bool v_object(vctx *v, const json_t *const *kw, const json_t *x)
{
    const json_t *k, *deps, *list, *d;
    const char *key;
    size_t i, n = json_object_size(x);
    json_int_t lim;

    if (json_is_array(kw[KW_REQUIRED])) {
        json_array_foreach(kw[KW_REQUIRED], i, k) {
            if (json_is_string(k) &&
                !json_object_getn(x, json_string_value(k), json_string_length(k)))
                return v_fail(v, "missing required property '%s'", json_string_value(k));
        }
    }
    if (!v_members(v, kw, x))
        return false;
    if (is_schema(kw[KW_PROPERTY_NAMES]) && !v_property_names(v, kw[KW_PROPERTY_NAMES], x))
        return false;
    if (get_count(kw[KW_MIN_PROPERTIES], &lim) && n < (unsigned long long)lim)
        return v_fail(v, "must have at least %" JSON_INTEGER_FORMAT " propert%s", lim,
                      lim == 1 ? "y" : "ies");
    if (get_count(kw[KW_MAX_PROPERTIES], &lim) && n > (unsigned long long)lim)
        return v_fail(v, "must have at most %" JSON_INTEGER_FORMAT " propert%s", lim,
                      lim == 1 ? "y" : "ies");
    if (json_is_object(deps = kw[KW_DEPENDENT_REQUIRED])) {
        json_object_foreach((json_t *)deps, key, list) {
            if (!json_object_get(x, key) || !json_is_array(list))
                continue;
            json_array_foreach(list, i, d) {
                if (json_is_string(d) && !json_object_get(x, json_string_value(d)))
                    return v_fail(v, "property '%s' is required when '%s' is present",
                                  json_string_value(d), key);
            }
        }
    }
    if (json_is_object(deps = kw[KW_DEPENDENT_SCHEMAS])) {
        json_object_foreach((json_t *)deps, key, d) {
            if (json_object_get(x, key) && !v_apply(v, d, x))
                return false;
        }
    }
    return true;
}

/* ---- arrays ------------------------------------------------------------------------------- */

static bool v_contains(vctx *v, const json_t *const *kw, const json_t *x)
{
    const json_t *c = kw[KW_CONTAINS];
    json_int_t min = 1, max = -1;
    size_t i, n = json_array_size(x);
    unsigned long long count = 0;
    bool ok;

    get_count(kw[KW_MIN_CONTAINS], &min);
    if (!get_count(kw[KW_MAX_CONTAINS], &max))
        max = -1;
    for (i = 0; i < n; i++) {
        if (max < 0 && count >= (unsigned long long)min)
            break; /* enough, and no upper bound to check */
        v->quiet++;
        ok = v_child(v, c, json_array_get(x, i), NULL, i);
        v->quiet--;
        if (v->fatal)
            return false;
        count += ok;
    }
    if (count < (unsigned long long)min)
        return v_fail(v, "must contain at least %" JSON_INTEGER_FORMAT
                      " item%s matching the \"contains\" schema", min, plural(min));
    if (max >= 0 && count > (unsigned long long)max)
        return v_fail(v, "must contain at most %" JSON_INTEGER_FORMAT
                      " item%s matching the \"contains\" schema", max, plural(max));
    return true;
}

static bool v_array(vctx *v, const json_t *const *kw, const json_t *x)
{
    const json_t *prefix = kw[KW_PREFIX_ITEMS], *items = kw[KW_ITEMS];
    size_t i, j, n = json_array_size(x), start = 0;
    json_int_t lim;

    if (get_count(kw[KW_MIN_ITEMS], &lim) && n < (unsigned long long)lim)
        return v_fail(v, "must have at least %" JSON_INTEGER_FORMAT " item%s", lim, plural(lim));
    if (get_count(kw[KW_MAX_ITEMS], &lim) && n > (unsigned long long)lim)
        return v_fail(v, "must have at most %" JSON_INTEGER_FORMAT " item%s", lim, plural(lim));
    if (json_is_array(prefix)) {
        start = json_array_size(prefix);
        for (i = 0; i < n && i < start; i++)
            if (!v_child(v, json_array_get(prefix, i), json_array_get(x, i), NULL, i))
                return false;
    }
    if (json_is_false(items) && n > start)
        return v_fail(v, "must have at most %zu item%s", start, start == 1 ? "" : "s");
    if (json_is_object(items))
        for (i = start; i < n; i++)
            if (!v_child(v, items, json_array_get(x, i), NULL, i))
                return false;
    if (json_is_true(kw[KW_UNIQUE_ITEMS]))
        for (i = 1; i < n; i++)
            for (j = 0; j < i; j++)
                if (json_equiv(json_array_get(x, j), json_array_get(x, i), 0))
                    return v_fail(v, "must not contain duplicates (items %zu and %zu are equal)",
                                  j, i);
    if (is_schema(kw[KW_CONTAINS]) && !v_contains(v, kw, x))
        return false;
    return true;
}

/* ---- combinators -------------------------------------------------------------------------- */

/* No branch of an anyOf/oneOf matched. When exactly one branch admits the instance's type, its
 * own error is the useful one; when every branch names types and none fits, list them. */
static bool v_no_branch(vctx *v, const json_t *list, const json_t *x, const char *generic)
{
    const char *names[8];
    size_t i, n = json_array_size(list), fits = 0, typed = 0, nnames = 0;
    const json_t *b, *t, *fit = NULL;

    if (v->quiet || !v->msg || !v->msg_size)
        return false;
    for (i = 0; i < n; i++) {
        b = json_array_get(list, i);
        t = json_is_object(b) ? json_object_get(b, "type") : NULL;
        if (t && type_want(t)) {
            typed++;
            nnames = collect_types(t, names, nnames, 8);
            if (!(type_want(t) & inst_types(x)))
                continue;
        }
        fits++;
        fit = b;
    }
    if (fits == 1 && !v_apply(v, fit, x))
        return false; /* it failed again, now with its own message */
    if (fits == 0 && typed == n)
        return v_type_fail(v, names, nnames, x);
    return v_fail(v, "%s", generic);
}

static bool v_any_of(vctx *v, const json_t *list, const json_t *x)
{
    size_t i, n = json_array_size(list);
    bool ok = false;

    v->quiet++;
    for (i = 0; i < n && !ok && !v->fatal; i++)
        ok = v_apply(v, json_array_get(list, i), x);
    v->quiet--;
    if (v->fatal)
        return false;
    return ok || v_no_branch(v, list, x, "must match at least one schema in anyOf");
}

static bool v_one_of(vctx *v, const json_t *list, const json_t *x)
{
    size_t i, n = json_array_size(list), matched = 0;

    v->quiet++;
    for (i = 0; i < n && !v->fatal; i++)
        matched += v_apply(v, json_array_get(list, i), x);
    v->quiet--;
    if (v->fatal)
        return false;
    if (matched == 1)
        return true;
    if (matched == 0)
        return v_no_branch(v, list, x, "must match exactly one schema in oneOf (matched 0)");
    return v_fail(v, "must match exactly one schema in oneOf (matched %zu)", matched);
}

static bool v_not(vctx *v, const json_t *s, const json_t *x)
{
    bool ok;

    v->quiet++;
    ok = v_apply(v, s, x);
    v->quiet--;
    if (v->fatal)
        return false;
    return !ok || v_fail(v, "must not match the schema in \"not\"");
}

static bool v_if(vctx *v, const json_t *const *kw, const json_t *x)
{
    const json_t *branch;
    bool ok;

    v->quiet++;
    ok = v_apply(v, kw[KW_IF], x);
    v->quiet--;
    if (v->fatal)
        return false;
    branch = ok ? kw[KW_THEN] : kw[KW_ELSE];
    return !is_schema(branch) || v_apply(v, branch, x);
}

static bool v_ref(vctx *v, const json_t *ref, const json_t *x)
{
    const json_t *target;
    bool ok;

    if (!json_is_string(ref) || !(target = ref_resolve(v->root, json_string_value(ref))))
        return true; /* not applicable */
    if (v->refs >= MAX_DEPTH)
        return v_too_deep(v, "$ref chain longer than 64");
    v->refs++;
    ok = v_apply(v, target, x);
    v->refs--;
    return ok;
}

/* ---- one schema object -------------------------------------------------------------------- */

static bool v_node(vctx *v, const json_t *s, const json_t *x)
{
    const json_t *kw[KW_COUNT], *list;
    void *it;
    size_t i, n;
    int k;

    memset(kw, 0, sizeof kw);
    for (it = json_object_iter((json_t *)s); it; it = json_object_iter_next((json_t *)s, it))
        if ((k = kw_lookup(json_object_iter_key(it))) >= 0)
            kw[k] = json_object_iter_value(it);

    if (kw[KW_TYPE] && !v_type(v, kw[KW_TYPE], x))
        return false;
    if (kw[KW_REF] && !v_ref(v, kw[KW_REF], x))
        return false;
    if (kw[KW_ENUM] && !v_enum(v, kw[KW_ENUM], x))
        return false;
    if (kw[KW_CONST] && !v_const(v, kw[KW_CONST], x))
        return false;
    switch (json_typeof(x)) {
    case JSON_INTEGER:
    case JSON_REAL:
        if (!v_number(v, kw, x))
            return false;
        break;
    case JSON_STRING:
        if (!v_string(v, kw, x))
            return false;
        break;
    case JSON_OBJECT:
        if (!v_object(v, kw, x))
            return false;
        break;
    case JSON_ARRAY:
        if (!v_array(v, kw, x))
            return false;
        break;
    default:
        break;
    }
    if (json_is_array(list = kw[KW_ALL_OF])) {
        n = json_array_size(list);
        for (i = 0; i < n; i++)
            if (!v_apply(v, json_array_get(list, i), x))
                return false;
    }
    if (json_is_array(list = kw[KW_ANY_OF]) && json_array_size(list) > 0 &&
        !v_any_of(v, list, x))
        return false;
    if (json_is_array(list = kw[KW_ONE_OF]) && json_array_size(list) > 0 &&
        !v_one_of(v, list, x))
        return false;
    if (is_schema(kw[KW_NOT]) && !v_not(v, kw[KW_NOT], x))
        return false;
    if (is_schema(kw[KW_IF]) && !v_if(v, kw, x))
        return false;
    return true;
}

/* A schema (object or boolean; anything else is not applicable) against a value. */
static bool v_apply(vctx *v, const json_t *s, const json_t *x)
{
    bool ok;

    if (v->fatal)
        return false;
    if (json_is_false(s))
        return v_fail(v, "no value is allowed here");
    if (!json_is_object(s))
        return true;
    if (v->nest >= MAX_NEST)
        return v_too_deep(v, "schema nesting over 256 levels");
    v->nest++;
    ok = v_node(v, s, x);
    v->nest--;
    return ok;
}

int mcp_schema_validate(const json_t *schema, const json_t *instance, char *msg, size_t msg_size)
{
    vctx v;
    size_t i;
    bool ok;

    if (msg && msg_size)
        msg[0] = '\0';
    if (!schema)
        return MCP_OK;
    if (!instance) {
        if (msg && msg_size)
            snprintf(msg, msg_size, "arguments: missing");
        return MCP_ESCHEMA;
    }
    v.root = schema;
    v.msg = msg;
    v.msg_size = msg ? msg_size : 0;
    v.quiet = 0;
    v.fatal = false;
    v.depth = v.refs = v.nest = 0;
    v.nrx = v.rx_next = 0;
    ok = v_apply(&v, schema, instance);
    for (i = 0; i < v.nrx; i++)
        if (v.rx[i].state == RX_OK)
            regfree(&v.rx[i].re);
    if (ok)
        return MCP_OK;
    if (msg && msg_size && !msg[0])
        snprintf(msg, msg_size, "arguments: invalid");
    return MCP_ESCHEMA;
}
