/*
 * F-3 fuzz_uritemplate: RFC 6570 templates (libmcp/base/uritemplate.c): check, expand and match.
 *
 * Input: "<template>\n<uri>" (split at the first newline; no newline: the URI is empty). Both
 * are NUL-terminated copies of exactly their own size (so ASan sees reads past the end); a NUL
 * byte inside the template or URI ends it early.
 *
 * Oracle beyond "no crash, no leak, no UB, bounded time (-timeout=5)":
 *   1. A template that fails mcp__uritemplate_check() neither expands nor matches (every entry
 *      point scans first). A match result is an object of strings or arrays of strings.
 *   2. When the URI part parses as a JSON object, expanding the template with it terminates.
 *   3. Round trip, for a template that checks out: every variable gets a non-empty value made of
 *      RFC 3986 unreserved characters that occur nowhere in the template (taken from the URI
 *      part's bytes). Then u = expand(t, vars) exists, and when each variable occurs once,
 *      match(t, u) succeeds; when in addition the split is unambiguous (every expression is
 *      followed by the end or by a literal whose first byte no expansion can contain; see
 *      scan()), match(t, u) == vars exactly, with a prefix ({x:3}) truncating the value and an
 *      explode ({x*}) giving a one-string list.
 */
#include "server/server.h"

#include <stdint.h>

#define FAIL(...)                                                                          \
    do {                                                                                   \
        fprintf(stderr, "fuzz_uritemplate: " __VA_ARGS__);                                 \
        fputc('\n', stderr);                                                               \
        abort();                                                                           \
    } while (0)

#define MAX_VARS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct var {
    char name[128];
    int prefix;   /* 0: none */
    bool explode;
    int uses;
} var;

static const char unreserved[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~";

static char *dup_n(const uint8_t *p, size_t n)
{
    size_t len = 0;
    char *s;
    while (len < n && p[len] != 0)
        len++;
    if (!(s = malloc(len + 1)))
        return NULL;
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

static var *find_var(var *vars, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
            return &vars[i];
    return NULL;
}

/* Scan a template that passed the check: its variables, and whether the round trip is
 * ambiguous. Returns the number of variables, or -1 to skip the round trip (too many
 * variables, over-long names). */
static int scan(const char *t, var *vars, bool *ambiguous)
{
    size_t n = 0;
    bool in_expr[256] = {false}, structural[256] = {false};
    unsigned char follow[256]; /* the byte after each expression ('\0': the end) */
    size_t nexpr = 0;
    const char *start = t;

    *ambiguous = false;
    structural[(unsigned char)','] = true; /* list separators, and "name=value" */
    structural[(unsigned char)'='] = true;
    structural[(unsigned char)'&'] = true;
    while (*t) {
        const char *end;
        char op;
        if (*t != '{') {
            t++;
            continue;
        }
        end = strchr(t, '}');
        if (!end)
            return -1;
        for (const char *c = t; c <= end; c++)
            in_expr[(unsigned char)*c] = true;
        t++;
        op = strchr("+#./;?&", *t) ? *t++ : '\0';
        if (op)
            structural[(unsigned char)op] = true;
        while (t < end) {
            const char *name = t;
            size_t len;
            int prefix = 0;
            bool explode = false;
            var *v;
            while (t < end && *t != ',' && *t != ':' && *t != '*')
                t++;
            len = (size_t)(t - name);
            if (*t == ':') {
                t++;
                while (t < end && *t >= '0' && *t <= '9')
                    prefix = prefix * 10 + (*t++ - '0');
            } else if (*t == '*') {
                explode = true;
                t++;
            }
            if (*t == ',')
                t++;
            if (len == 0 || len >= sizeof vars[0].name)
                return -1;
            v = find_var(vars, n, name, len);
            if (!v) {
                if (n == MAX_VARS)
                    return -1;
                v = &vars[n++];
                memcpy(v->name, name, len);
                v->name[len] = '\0';
                v->prefix = prefix;
                v->explode = explode;
                v->uses = 0;
            }
            v->uses++;
        }
        t = end + 1;
        if (nexpr == sizeof follow)
            return -1;
        follow[nexpr++] = (unsigned char)*t;
    }
    /* Unambiguous when every expression is followed by the end of the template or by a literal
     * whose first byte occurs in no expression's expansion: not in any value (values avoid
     * every byte of the template), not a name or operator (no byte inside braces), not a
     * separator. Otherwise a lenient expression may legitimately take a different split
     * ("{name}{.ext}" on "a.b.c", or "{?a}{&b}={c*}" where {c*} may hold '&' and '='). */
    for (size_t i = 0; i < nexpr; i++)
        if (follow[i] && (follow[i] == '{' || in_expr[follow[i]] || structural[follow[i]]))
            *ambiguous = true;
    (void)start;
    return (int)n;
}

static void check_match_shape(const json_t *m, const char *t, const char *u)
{
    const char *key;
    json_t *val;
    if (!json_is_object(m))
        FAIL("match(%s, %s) is not an object", t, u);
    json_object_foreach((json_t *)m, key, val) {
        if (json_is_array(val)) {
            size_t i;
            json_t *e;
            json_array_foreach(val, i, e) {
                if (!json_is_string(e))
                    FAIL("match(%s, %s): %s has a non-string element", t, u, key);
            }
        } else if (!json_is_string(val)) {
            FAIL("match(%s, %s): %s is neither a string nor a list", t, u, key);
        }
    }
}

static int hexv(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* True when the template's %XX triplets (a run of consecutive ones decoded together) do not
 * spell valid UTF-8 without NUL, e.g. "%AF" or "{&%b2}". The matcher reads values as UTF-8 and
 * only starts parts on whole characters, so a URI holding such bytes may fail to match its own
 * template (findings U-1 and U-2, tests/fuzz/regressions/uritemplate/). Such templates are left
 * out of the round trip until that is settled, so that the fuzzer looks for other failures;
 * FUZZ_STRICT=1 in the environment keeps them in (the saved reproducers then fail). */
static bool strict;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    strict = getenv("FUZZ_STRICT") != NULL;
    return 0;
}

static bool pct_not_utf8(const char *t)
{
    for (const char *p = t; *p; p++) {
        unsigned char run[256];
        size_t n = 0, i = 0;
        while (p[0] == '%' && hexv(p[1]) >= 0 && hexv(p[2]) >= 0 && n < sizeof run) {
            run[n++] = (unsigned char)(hexv(p[1]) * 16 + hexv(p[2]));
            p += 3;
        }
        while (i < n) {
            unsigned char c = run[i];
            size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                                      : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
            if (c == 0 || len == 0 || i + len > n)
                return true;
            for (size_t k = 1; k < len; k++)
                if ((run[i + k] & 0xc0) != 0x80)
                    return true;
            if ((c == 0xe0 && run[i + 1] < 0xa0) || (c == 0xed && run[i + 1] > 0x9f) ||
                (c == 0xf0 && run[i + 1] < 0x90) || (c == 0xf4 && run[i + 1] > 0x8f))
                return true;
            i += len;
        }
        if (!*p)
            break;
    }
    return false;
}

static void round_trip(const char *t, const uint8_t *src, size_t srclen)
{
    var vars[MAX_VARS];
    bool ambiguous, once = true;
    char alphabet[sizeof unreserved];
    size_t na = 0, pos = 0;
    int n = scan(t, vars, &ambiguous);
    json_t *in, *want, *got;
    char *u;

    if (n < 0 || (!strict && pct_not_utf8(t)))
        return;
    for (const char *c = unreserved; *c; c++)
        if (!strchr(t, *c))
            alphabet[na++] = *c;
    if (na == 0)
        return;
    in = json_object();
    want = json_object();
    for (int i = 0; i < n; i++) {
        char value[9];
        size_t len = 1 + (srclen ? src[pos % srclen] % 8 : (size_t)i % 8), k;
        for (k = 0; k < len; k++, pos++)
            value[k] = alphabet[(srclen ? src[pos % srclen] : pos) % na];
        value[len] = '\0';
        json_object_set_new(in, vars[i].name, json_string(value));
        if (vars[i].explode)
            json_object_set_new(want, vars[i].name, json_pack("[s]", value));
        else if (vars[i].prefix > 0 && (size_t)vars[i].prefix < len)
            json_object_set_new(want, vars[i].name, json_stringn(value, (size_t)vars[i].prefix));
        else
            json_object_set_new(want, vars[i].name, json_string(value));
        if (vars[i].uses > 1)
            once = false;
    }
    u = mcp__uritemplate_expand(t, in);
    if (!u)
        FAIL("template %s checks out but does not expand", t);
    if (once) {
        got = mcp__uritemplate_match(t, u);
        if (!got) {
            char *vs = json_dumps(in, JSON_COMPACT);
            FAIL("match(%s, expand(%s) = %s) failed", t, vs ? vs : "?", u);
        }
        check_match_shape(got, t, u);
        if (!ambiguous && !json_equal(got, want)) {
            char *ws = json_dumps(want, JSON_COMPACT), *gs = json_dumps(got, JSON_COMPACT);
            FAIL("round trip of %s via %s: want %s, got %s", t, u, ws ? ws : "?", gs ? gs : "?");
        }
        json_decref(got);
    }
    free(u);
    json_decref(in);
    json_decref(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t tlen = nl ? (size_t)(nl - data) : size;
    const uint8_t *up = nl ? nl + 1 : data + size;
    size_t ulen = nl ? size - tlen - 1 : 0;
    char *t = dup_n(data, tlen), *u = dup_n(up, ulen), *x;
    mcp_error_t err;
    json_t *m, *obj;
    int ok;

    if (!t || !u) {
        free(t);
        free(u);
        return 0;
    }
    memset(&err, 0, sizeof err);
    ok = mcp__uritemplate_check(t, &err) == MCP_OK;
    if (!ok && memchr(err.text, '\0', sizeof err.text) == NULL)
        FAIL("check error text not NUL-terminated");

    m = mcp__uritemplate_match(t, u);
    if (m && !ok)
        FAIL("template %s fails the check but matches %s", t, u);
    if (m)
        check_match_shape(m, t, u);
    json_decref(m);

    obj = json_loadb((const char *)up, ulen, 0, NULL);
    if (json_is_object(obj)) {
        x = mcp__uritemplate_expand(t, obj);
        if (x && !ok)
            FAIL("template %s fails the check but expands", t);
        free(x);
    }
    json_decref(obj);
    obj = json_object();
    x = mcp__uritemplate_expand(t, obj);
    if (x && !ok)
        FAIL("template %s fails the check but expands", t);
    free(x);
    json_decref(obj);

    if (ok)
        round_trip(t, up, ulen);
    free(t);
    free(u);
    return 0;
}
