/*
 * Registration-time checks (mcp__schema_check, mcp_schema_from_text, mcp__schema_load): the
 * keywords the validator knows must have well-formed values, every pattern must compile and
 * every $ref must resolve, so mistakes surface when a tool is registered rather than on each
 * call. Unknown keywords are kept and ignored. mcp__schema_load also keeps each compiled pattern
 * (patterns.c) for the validator.
 *
 * The table of known keywords lives here too, with what each one's value must be; the validator
 * looks keywords up in it (mcp__schema_kw_lookup).
 */
#include "schema.h"

#include <pthread.h>
#include <stdarg.h>

/* ---- the known keywords ------------------------------------------------------------------- */

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

/* The validator looks up every key of every schema object it visits, on every call: an
 * open-addressing table by length and end bytes (one strcmp on a hit) instead of a binary
 * search, built once. Keys are compared as C strings, as before. */
#define KW_SLOTS 128 /* a power of two, over three times KW_COUNT */

static unsigned char kw_slots[KW_SLOTS]; /* keyword index + 1; 0: empty */
static pthread_once_t kw_once = PTHREAD_ONCE_INIT;

static unsigned kw_hash(const char *name, size_t n)
{
    return (unsigned)(n * 31u + (unsigned char)name[0] * 7u + (unsigned char)name[n - 1]) &
           (KW_SLOTS - 1);
}

static void kw_build(void)
{
    int i;
    for (i = 0; i < KW_COUNT; i++) {
        unsigned h = kw_hash(keywords[i].name, strlen(keywords[i].name));
        while (kw_slots[h])
            h = (h + 1) & (KW_SLOTS - 1);
        kw_slots[h] = (unsigned char)(i + 1);
    }
}

int mcp__schema_kw_lookup(const char *name)
{
    size_t n = strlen(name);
    unsigned h;

    if (n == 0)
        return -1;
    pthread_once(&kw_once, kw_build);
    for (h = kw_hash(name, n); kw_slots[h]; h = (h + 1) & (KW_SLOTS - 1))
        if (strcmp(name, keywords[kw_slots[h] - 1].name) == 0)
            return kw_slots[h] - 1;
    return -1;
}

/* ---- type names --------------------------------------------------------------------------- */

unsigned mcp__schema_type_bit(const char *name)
{
    static const char *const names[] = {"string", "number", "integer", "boolean",
                                        "object", "array",  "null"};
    unsigned i;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (name[0] == names[i][0] && strcmp(name, names[i]) == 0) /* first bytes all differ */
            return 1u << i;
    return 0;
}

/* ---- checking ----------------------------------------------------------------------------- */

typedef struct chk {
    const json_t *root;
    mcp_error_t *err;
    mcp__schema_patterns *pats; /* where compiled patterns go; NULL: compile, check, free */
    char path[128];             /* JSON pointer of the value being checked */
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
        mcp__schema_utf8_trim(c->err->text);
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
        k = mcp__schema_utf8_decode((const unsigned char *)tok, strlen(tok), &cp);
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
    mcp__schema_regex *re;
    int rc;

    if (c->pats) {
        rc = mcp__schema_patterns_add(c->pats, pat, len, why, sizeof why);
    } else {
        rc = mcp__schema_regex_compile(pat, len, &re, why, sizeof why);
        mcp__schema_regex_free(re);
    }
    if (rc == RX_NOMEM)
        return mcp__error_set(c->err, MCP_ENOMEM, "out of memory");
    if (rc != RX_OK)
        return chk_fail(c, "'%.*s' is not a valid regular expression: %s",
                        mcp__schema_show(pat, len), pat, why);
    return MCP_OK;
}

static int chk_type(chk *c, const json_t *v)
{
    size_t i;
    const json_t *t;

    if (json_is_string(v)) {
        if (!mcp__schema_type_bit(json_string_value(v)))
            return chk_fail(c, "unknown type '%s'", json_string_value(v));
        return MCP_OK;
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return chk_fail(c, "must be a type name or a non-empty array of type names");
    json_array_foreach(v, i, t)
    {
        if (!json_is_string(t))
            return chk_fail(c, "must be a type name or a non-empty array of type names");
        if (!mcp__schema_type_bit(json_string_value(t)))
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
    json_array_foreach(v, i,
                       s) if (!json_is_string(s)) return chk_fail(c, "must be an array of strings");
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
        return chk_fail(c, "'%s': only local JSON pointers (\"#\", \"#/...\") are supported", ref);
    if (!(target = mcp__schema_ref_resolve(c->root, ref)))
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
        json_object_foreach((json_t *)v, key, sub)
        {
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
        json_array_foreach(v, i, sub)
        {
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
        return mcp__schema_get_count(v, &n) ? MCP_OK
                                            : chk_fail(c, "must be a non-negative integer");
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
        json_object_foreach((json_t *)v, key, sub)
        {
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
    json_object_foreach((json_t *)s, key, v)
    {
        if ((k = mcp__schema_kw_lookup(key)) < 0)
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

static int check(const json_t *schema, mcp__schema_patterns *pats, mcp_error_t *err)
{
    chk c;

    if (!json_is_object(schema))
        return mcp__error_set(err, MCP_ESCHEMA, "schema: must be a JSON object");
    c.root = schema;
    c.err = err;
    c.pats = pats;
    c.path[0] = '\0';
    c.plen = 0;
    return chk_schema(&c, schema, 0);
}

int mcp__schema_check(const json_t *schema, mcp_error_t *err)
{
    return check(schema, NULL, err);
}

json_t *mcp__schema_load(const char *text, mcp__schema_patterns **pats, mcp_error_t *err)
{
    const char *p = text;
    json_t *schema;
    json_error_t jerr;

    if (pats && !(*pats = mcp__schema_patterns_new())) {
        mcp__error_set(err, MCP_ENOMEM, "out of memory");
        return NULL;
    }
    while (p && is_space(*p))
        p++;
    if (p && *p == '{') {
        schema = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
        if (!schema) {
            mcp__error_set(err, MCP_ESCHEMA, "schema JSON: line %d, column %d: %s", jerr.line,
                           jerr.column, jerr.text);
            if (err)
                mcp__schema_utf8_trim(err->text);
            goto fail;
        }
    } else if (!(schema = mcp__schema_compact(text, err))) {
        if (err)
            err->code = MCP_ESCHEMA;
        goto fail;
    }
    if (check(schema, pats ? *pats : NULL, err) != MCP_OK) {
        json_decref(schema);
        goto fail;
    }
    return schema;
fail:
    if (pats) {
        mcp__schema_patterns_free(*pats);
        *pats = NULL;
    }
    return NULL;
}

json_t *mcp_schema_from_text(const char *text, mcp_error_t *err)
{
    return mcp__schema_load(text, NULL, err);
}
