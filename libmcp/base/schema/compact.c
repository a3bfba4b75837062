/*
 * The compact schema form (mcp__schema_compact): comma-separated items
 *     name[?][: type] [constraint ...] ['description']
 * turned into {"type":"object","properties":{...},"required":[...]}. Constraints and the
 * description may come in any order. For `T[]`, minItems=, maxItems= and default= apply to the
 * array and every other constraint to its items. Values may be 'quoted' (for spaces or commas);
 * enum values are separated by '|'. `array` is accepted as `any[]`, and a trailing comma is
 * allowed. pattern= values are checked as registration checks them (mcp__schema_pattern_check,
 * regex.c).
 */
#include "schema.h"

#include <errno.h>
#include <stdarg.h>

#define MAX_DIMS 16 /* T[][]... */

enum ctype { CT_STRING, CT_NUMBER, CT_INTEGER, CT_BOOLEAN, CT_OBJECT, CT_ANY, CT_COUNT };

static const char *const ctype_names[CT_COUNT] = {
    "string", "number", "integer", "boolean", "object", "any",
};

/* The constraints, by their compact name, and the keyword each one sets. */
enum ckey {
    CK_MIN,
    CK_MAX,
    CK_MIN_LENGTH,
    CK_MAX_LENGTH,
    CK_MIN_ITEMS,
    CK_MAX_ITEMS,
    CK_ENUM,
    CK_PATTERN,
    CK_FORMAT,
    CK_DEFAULT,
    CK_COUNT
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
    const char *text; /* the whole input, for positions in messages */
    const char *p;    /* cursor */
    const char *name; /* the property being parsed (NULL before its name is read) */
    size_t name_len;
    char *buf; /* scratch for one value: strlen(text) + 1 bytes */
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
                       mcp__schema_show(cp->name, cp->name_len), cp->name, what);
    else
        mcp__error_set(cp->err, MCP_ESCHEMA, "compact schema: at position %zu: %s",
                       (size_t)(cp->p - cp->text) + 1, what);
    if (cp->err)
        mcp__schema_utf8_trim(cp->err->text);
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
        return cp_fail(cp, "unknown type '%.*s'", mcp__schema_show(word, n), word);
    }
    while (cp->p[0] == '[' && cp->p[1] == ']') {
        cp->p += 2;
        if (++pr->dims > MAX_DIMS)
            return cp_fail(cp, "arrays nested more than %d levels", MAX_DIMS);
    }
    if (*cp->p == '[')
        return cp_fail(cp, "expected '[]' after '%.*s'", mcp__schema_show(word, n), word);
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
            return cp_fail(cp, "%s '%.*s' is not an integer", what, mcp__schema_show(s, len), s);
        }
        break;
    case CT_NUMBER:
        if (!(*out = parse_number(s, len)))
            return cp_fail(cp, "%s '%.*s' is not a number", what, mcp__schema_show(s, len), s);
        break;
    case CT_BOOLEAN:
        if (strcmp(s, "true") == 0)
            *out = json_true();
        else if (strcmp(s, "false") == 0)
            *out = json_false();
        else
            return cp_fail(cp, "%s '%.*s' is not true or false", what, mcp__schema_show(s, len), s);
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
                           mcp__schema_show(cp->name, cp->name_len), cp->name);
        if (n == 0)
            return cp_unexpected(cp, "expected a constraint (key=value) or a 'description'");
        for (end = cp->p; *end && !is_space(*end) && *end != ','; end++)
            ;
        cp->p = key;
        if (!pr->typed && type_lookup(key, n) >= 0 && end == key + n)
            return cp_fail(cp, "missing ':' before the type '%.*s'", mcp__schema_show(key, n), key);
        return cp_fail(cp, "expected a constraint (key=value) or a 'description', got '%.*s'",
                       mcp__schema_show(key, (size_t)(end - key)), key);
    }
    for (k = 0; k < CK_COUNT; k++)
        if (strlen(ckeys[k].name) == n && memcmp(ckeys[k].name, key, n) == 0)
            break;
    if (k == CK_COUNT)
        return cp_fail(cp, "unknown constraint '%.*s='", mcp__schema_show(key, n), key);
    cp->p++; /* '=' */

    /* Where it goes, and whether it fits the type. */
    switch (k) {
    case CK_MIN:
    case CK_MAX:
        if (!base_is(pr, CT_NUMBER, CT_INTEGER))
            return cp_fail(cp, "%s= applies to number and integer properties%s", ckeys[k].name,
                           pr->base == CT_STRING ? " (use minLength=/maxLength= for strings)" : "");
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
        if (rc == MCP_OK && mcp__schema_pattern_check(cp->buf, len, why, sizeof why) != MCP_OK)
            rc = cp_fail(cp, "invalid pattern /%.*s/: %s", mcp__schema_show(cp->buf, len), cp->buf,
                         why);
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
                             mcp__schema_show(cp->buf, len), cp->buf);
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
                             mcp__schema_show(cp->buf, len), cp->buf);
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

/* The whole text is valid UTF-8. */
static bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, k;
    uint32_t cp;

    while (i < n) {
        if (!(k = mcp__schema_utf8_decode(p + i, n - i, &cp)))
            return false;
        i += k;
    }
    return true;
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
