/*
 * The validator (mcp_schema_validate): a JSON Schema 2020-12 subset, run on the arguments
 * before every tools/call handler. Validation stops at the first violation and reports it with
 * its location, e.g. "arguments.items[2]: must be at most 10". Malformed keyword values (in a
 * schema that was never checked) are treated as not applicable. Recursion is bounded: 64 levels
 * of instance nesting, 64 $ref hops without descending into the instance, and MAX_NEST levels in
 * all (hostile schemas).
 *
 * The validator allocates nothing on its common path. Patterns come compiled from the schema's
 * table (patterns.c, built at registration); without one (mcp_schema_validate on a schema of the
 * caller's) they are compiled into a small per-call cache and freed before it returns. Each
 * match is bounded (regex.c): a pattern that cannot be checked against a value within its
 * budget fails the validation with a message saying so, wherever it appears (even under
 * "not"), so no value passes unchecked.
 */
#include "schema.h"

#include <float.h>
#include <stdarg.h>

#define MAX_NEST     256 /* total validator recursion */
#define MAX_EQ_DEPTH 256 /* deep equality of enum/const/uniqueItems values */
#define RX_CACHE     8   /* compiled patterns kept during one validation */

/* ---- strings ------------------------------------------------------------------------------ */

/* Code points in valid UTF-8: every byte that is not a continuation byte starts one. */
static size_t utf8_length(const char *s, size_t n)
{
    size_t i, count = 0;
    for (i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            count++;
    return count;
}

/* ---- numbers ------------------------------------------------------------------------------ */

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
        return -1;     /* i rounded up to 2^63 */
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
    if (mcp__schema_dbl_is_integral(q))
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
            const json_t *bv =
                json_object_getn(b, json_object_iter_key(it), json_object_iter_key_len(it));
            if (!json_equiv(json_object_iter_value(it), bv, depth + 1))
                return false;
        }
        return true;
    }
    default:
        return true; /* true, false, null: same type, same value */
    }
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

/* ---- the validation state ----------------------------------------------------------------- */

typedef struct vseg {
    const char *key; /* a property name, or NULL for an array index */
    size_t index;
} vseg;

typedef struct vregex {
    const char *pat;       /* identity: the schema's own string */
    mcp__schema_regex *re; /* NULL: did not compile */
    int rc;                /* what compiling it gave */
} vregex;

typedef struct vctx {
    const json_t *root;
    const mcp__schema_patterns *pats; /* compiled patterns of the schema, or NULL */
    const char *where;                /* the instance's name in messages ("arguments") */
    char *msg;
    size_t msg_size;
    int quiet;           /* > 0 while trying alternatives (anyOf, not, if...): no messages */
    bool fatal;          /* too deeply nested: stop everything, the message is written */
    int depth;           /* instance nesting = number of path segments */
    int refs;            /* $ref hops since the last step into the instance */
    int nest;            /* total recursion */
    size_t nrx, rx_next; /* regex cache use, next slot to evict */
    vseg path[MAX_DEPTH];
    vregex rx[RX_CACHE];
} vctx;

static bool v_apply(vctx *v, const json_t *s, const json_t *x);

static bool ident(const char *k)
{
    if (!(is_alpha((unsigned char)*k) || *k == '_' || *k == '$'))
        return false;
    for (k++; *k; k++)
        if (!(is_alpha((unsigned char)*k) || is_digit((unsigned char)*k) || *k == '_' || *k == '$'))
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
    mw_puts(w, v->where);
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
    mcp__schema_utf8_trim(v->msg);
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
        snprintf(v->msg, v->msg_size, "%s: too deeply nested (%s)", v->where, what);
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
        return T_NUMBER | (mcp__schema_dbl_is_integral(json_real_value(x)) ? T_INTEGER : 0);
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
        return mcp__schema_type_bit(json_string_value(type));
    json_array_foreach(type, i, t) if (json_is_string(t)) want |=
        mcp__schema_type_bit(json_string_value(t));
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
        if (json_is_string(t) && mcp__schema_type_bit(json_string_value(t))) {
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

/* Does the pattern match s? RX_MATCH, RX_NO_MATCH, RX_COSTLY, RX_INVALID or RX_NOMEM. A pattern
 * comes from the schema's compiled table; one missing from it (no table, or a $ref into a
 * place the registration check does not walk) is compiled once per call. */
static int v_match(vctx *v, const char *pat, size_t plen, const char *s, size_t slen)
{
    const mcp__schema_regex *re = mcp__schema_patterns_get(v->pats, pat, plen);
    vregex *slot = NULL;
    size_t i;

    if (re)
        return mcp__schema_regex_match(re, s, slen);
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
            mcp__schema_regex_free(slot->re);
        }
        slot->pat = pat;
        slot->rc = mcp__schema_regex_compile(pat, plen, &slot->re, NULL, 0);
    }
    if (!slot->re)
        return slot->rc;
    return mcp__schema_regex_match(slot->re, s, slen);
}

/* A valid pattern that could not be checked against a value (RX_COSTLY, RX_NOMEM): fatal, so
 * that no value passes unchecked, even inside "not" or "anyOf"; the message names the place. */
static bool v_pattern_error(vctx *v, const char *pat, int m, const char *what)
{
    int quiet = v->quiet;

    v->quiet = 0;
    if (m == RX_COSTLY)
        v_fail(v, "pattern '%s' is too costly to check against this %s", pat, what);
    else
        v_fail(v, "pattern '%s' could not be checked (out of memory)", pat);
    v->quiet = quiet;
    v->fatal = true;
    return false;
}

static bool v_string(vctx *v, const json_t *const *kw, const json_t *x)
{
    const char *s = json_string_value(x);
    size_t n = json_string_length(x);
    const json_t *p;
    json_int_t lim;

    if (kw[KW_MIN_LENGTH] || kw[KW_MAX_LENGTH]) {
        unsigned long long len = utf8_length(s, n);
        if (mcp__schema_get_count(kw[KW_MIN_LENGTH], &lim) && len < (unsigned long long)lim)
            return v_fail(v, "must be at least %" JSON_INTEGER_FORMAT " character%s long", lim,
                          plural(lim));
        if (mcp__schema_get_count(kw[KW_MAX_LENGTH], &lim) && len > (unsigned long long)lim)
            return v_fail(v, "must be at most %" JSON_INTEGER_FORMAT " character%s long", lim,
                          plural(lim));
    }
    if ((p = kw[KW_PATTERN]) && json_is_string(p)) {
        int m = v_match(v, json_string_value(p), json_string_length(p), s, n);
        if (m == RX_NO_MATCH)
            return v_fail(v, "does not match pattern '%s'", json_string_value(p));
        if (m != RX_MATCH && m != RX_INVALID) /* invalid: a malformed value, not applicable */
            return v_pattern_error(v, json_string_value(p), m, "value");
    }
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
            if (m == RX_INVALID) {
                seen = true; /* malformed: neither applied nor "additional" */
            } else if (m != RX_MATCH && m != RX_NO_MATCH) {
                return v_pattern_error(v, pat, m, "property name");
            } else if (m == RX_MATCH) {
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
        json_array_foreach(kw[KW_REQUIRED], i, k)
        {
            if (json_is_string(k) &&
                !json_object_getn(x, json_string_value(k), json_string_length(k)))
                return v_fail(v, "missing required property '%s'", json_string_value(k));
        }
    }
    if (!v_members(v, kw, x))
        return false;
    if (is_schema(kw[KW_PROPERTY_NAMES]) && !v_property_names(v, kw[KW_PROPERTY_NAMES], x))
        return false;
    if (mcp__schema_get_count(kw[KW_MIN_PROPERTIES], &lim) && n < (unsigned long long)lim)
        return v_fail(v, "must have at least %" JSON_INTEGER_FORMAT " propert%s", lim,
                      lim == 1 ? "y" : "ies");
    if (mcp__schema_get_count(kw[KW_MAX_PROPERTIES], &lim) && n > (unsigned long long)lim)
        return v_fail(v, "must have at most %" JSON_INTEGER_FORMAT " propert%s", lim,
                      lim == 1 ? "y" : "ies");
    if (json_is_object(deps = kw[KW_DEPENDENT_REQUIRED])) {
        json_object_foreach((json_t *)deps, key, list)
        {
            if (!json_object_get(x, key) || !json_is_array(list))
                continue;
            json_array_foreach(list, i, d)
            {
                if (json_is_string(d) && !json_object_get(x, json_string_value(d)))
                    return v_fail(v, "property '%s' is required when '%s' is present",
                                  json_string_value(d), key);
            }
        }
    }
    if (json_is_object(deps = kw[KW_DEPENDENT_SCHEMAS])) {
        json_object_foreach((json_t *)deps, key, d)
        {
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

    mcp__schema_get_count(kw[KW_MIN_CONTAINS], &min);
    if (!mcp__schema_get_count(kw[KW_MAX_CONTAINS], &max))
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
        return v_fail(v,
                      "must contain at least %" JSON_INTEGER_FORMAT
                      " item%s matching the \"contains\" schema",
                      min, plural(min));
    if (max >= 0 && count > (unsigned long long)max)
        return v_fail(v,
                      "must contain at most %" JSON_INTEGER_FORMAT
                      " item%s matching the \"contains\" schema",
                      max, plural(max));
    return true;
}

static bool v_array(vctx *v, const json_t *const *kw, const json_t *x)
{
    const json_t *prefix = kw[KW_PREFIX_ITEMS], *items = kw[KW_ITEMS];
    size_t i, j, n = json_array_size(x), start = 0;
    json_int_t lim;

    if (mcp__schema_get_count(kw[KW_MIN_ITEMS], &lim) && n < (unsigned long long)lim)
        return v_fail(v, "must have at least %" JSON_INTEGER_FORMAT " item%s", lim, plural(lim));
    if (mcp__schema_get_count(kw[KW_MAX_ITEMS], &lim) && n > (unsigned long long)lim)
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
                    return v_fail(v, "must not contain duplicates (items %zu and %zu are equal)", j,
                                  i);
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

    if (!json_is_string(ref) ||
        !(target = mcp__schema_ref_resolve(v->root, json_string_value(ref))))
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
        if ((k = mcp__schema_kw_lookup(json_object_iter_key(it))) >= 0)
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
    if (json_is_array(list = kw[KW_ANY_OF]) && json_array_size(list) > 0 && !v_any_of(v, list, x))
        return false;
    if (json_is_array(list = kw[KW_ONE_OF]) && json_array_size(list) > 0 && !v_one_of(v, list, x))
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
    return mcp__schema_validate(schema, NULL, instance, msg, msg_size);
}

int mcp__schema_validate(const json_t *schema, const mcp__schema_patterns *pats,
                         const json_t *instance, char *msg, size_t msg_size)
{
    return mcp__schema_validate_at(schema, pats, instance, "arguments", msg, msg_size);
}

int mcp__schema_validate_at(const json_t *schema, const mcp__schema_patterns *pats,
                            const json_t *instance, const char *where, char *msg, size_t msg_size)
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
            snprintf(msg, msg_size, "%s: missing", where);
        return MCP_ESCHEMA;
    }
    v.root = schema;
    v.pats = pats;
    v.where = where;
    v.msg = msg;
    v.msg_size = msg ? msg_size : 0;
    v.quiet = 0;
    v.fatal = false;
    v.depth = v.refs = v.nest = 0;
    v.nrx = v.rx_next = 0;
    ok = v_apply(&v, schema, instance);
    for (i = 0; i < v.nrx; i++)
        mcp__schema_regex_free(v.rx[i].re);
    if (ok)
        return MCP_OK;
    if (msg && msg_size && !msg[0])
        snprintf(msg, msg_size, "%s: invalid", where);
    return MCP_ESCHEMA;
}
