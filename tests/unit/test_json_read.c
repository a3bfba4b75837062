/*
 * The JSON reader (libmcp/base/json_read.c) against jansson's json_loadb(JSON_REJECT_DUPLICATES),
 * the reference it must match: the same accept/reject decision on every input and, when accepted,
 * the same tree (same types, integer values, real bits, string bytes and key order).
 *
 * A hand-written table covers each class of input (JSONTestSuite-style y_/n_/i_ cases, written
 * here), then a deterministic differential fuzz loop runs ~200k generated inputs: valid
 * documents, mutations of them, random bytes, number grammar, long strings with escapes and
 * multibyte UTF-8, and nesting around the 2048-level limit. MCP_JSON_FUZZ_ITERS=N and
 * MCP_JSON_FUZZ_SEED=S override the count and the seed (longer runs); under valgrind the default
 * count is 20k.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "server/server.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* ---- comparing with json_loadb -------------------------------------------------------------- */

static bool same_tree(const json_t *a, const json_t *b)
{
    if (json_typeof(a) != json_typeof(b))
        return false;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);
        if (json_object_size(a) != json_object_size(b))
            return false;
        while (ia && ib) {
            size_t la = json_object_iter_key_len(ia), lb = json_object_iter_key_len(ib);
            if (la != lb || memcmp(json_object_iter_key(ia), json_object_iter_key(ib), la) != 0 ||
                !same_tree(json_object_iter_value(ia), json_object_iter_value(ib)))
                return false;
            ia = json_object_iter_next((json_t *)a, ia);
            ib = json_object_iter_next((json_t *)b, ib);
        }
        return !ia && !ib;
    }
    case JSON_ARRAY: {
        size_t i, n = json_array_size(a);
        if (n != json_array_size(b))
            return false;
        for (i = 0; i < n; i++)
            if (!same_tree(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_INTEGER:
        return json_integer_value(a) == json_integer_value(b);
    case JSON_REAL: {
        double x = json_real_value(a), y = json_real_value(b);
        return memcmp(&x, &y, sizeof x) == 0; /* bit for bit: -0.0 is not 0.0 here */
    }
    default:
        return true;
    }
}

static void show(const char *s, size_t n)
{
    size_t i;
    fprintf(stderr, "input (%zu bytes): ", n);
    for (i = 0; i < n && i < 400; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, "%s\n", n > 400 ? "..." : "");
}

static unsigned long n_accepted, n_rejected;

/* Parse with both; fail the test on any difference. Returns whether the input was accepted. */
static bool check_len(const char *s, size_t n)
{
    json_error_t je, me;
    json_t *a = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
    json_t *b = mcp__json_parse(s, n, &me);
    bool ok = a != NULL;

    if ((a != NULL) != (b != NULL)) {
        show(s, n);
        fail_msg("json_loadb %s (%s), mcp__json_parse %s (%s)", a ? "accepts" : "rejects",
                 a ? "" : je.text, b ? "accepts" : "rejects", b ? "" : me.text);
    }
    if (a && !same_tree(a, b)) {
        char *x = json_dumps(a, JSON_COMPACT), *y = json_dumps(b, JSON_COMPACT);
        show(s, n);
        fail_msg("trees differ:\n  json_loadb      %s\n  mcp__json_parse %s", x, y);
    }
    if (a) {
        n_accepted++;
        assert_string_equal(me.text, "");
    } else {
        json_t *text = json_string(me.text); /* it goes into a JSON-RPC error: valid UTF-8 */
        n_rejected++;
        assert_non_null(text);
        json_decref(text);
        assert_true(me.text[0] != '\0');
        assert_true(me.position >= 0 && (size_t)me.position <= n);
        assert_true(me.line >= 1 && me.column >= 1);
        assert_int_not_equal(json_error_code(&me), json_error_unknown);
    }
    json_decref(a);
    json_decref(b);
    return ok;
}

/* ---- the table ------------------------------------------------------------------------------ */

#include "json_cases.h"

static void test_table(void **state)
{
    size_t i, n = sizeof json_read_table / sizeof json_read_table[0];
    (void)state;
    assert_true(n >= 150);
    for (i = 0; i < n; i++) {
        bool ok = check_len(json_read_table[i].text, json_read_table[i].len);
        if (json_read_table[i].expect != 'i' && ok != (json_read_table[i].expect == 'y')) {
            show(json_read_table[i].text, json_read_table[i].len);
            fail_msg("table[%zu]: expected %s", i,
                     json_read_table[i].expect == 'y' ? "accept" : "reject");
        }
    }
}

/* ---- specific behaviour --------------------------------------------------------------------- */

static void test_types_and_order(void **state)
{
    const char *s = "{\"z\":1,\"y\":1.0,\"x\":-0,\"w\":1e2,\"v\":-0.0,\"u\":\"a\\u00e9\",\"t\":[]}";
    json_error_t e;
    json_t *v = mcp__json_parse(s, strlen(s), &e);
    const char *want[] = {"z", "y", "x", "w", "v", "u", "t"};
    void *it;
    size_t i = 0;
    (void)state;
    assert_non_null(v);
    for (it = json_object_iter(v); it; it = json_object_iter_next(v, it))
        assert_string_equal(json_object_iter_key(it), want[i++]);
    assert_int_equal(i, 7);
    assert_true(json_is_integer(json_object_get(v, "z")));
    assert_true(json_is_real(json_object_get(v, "y")));
    assert_true(json_is_integer(json_object_get(v, "x")));
    assert_int_equal(json_integer_value(json_object_get(v, "x")), 0);
    assert_true(json_is_real(json_object_get(v, "w")));
    assert_true(json_real_value(json_object_get(v, "w")) == 100.0);
    assert_true(signbit(json_real_value(json_object_get(v, "v"))));
    assert_string_equal(json_string_value(json_object_get(v, "u")), "a\xc3\xa9");
    json_decref(v);
}

static void test_errors(void **state)
{
    json_error_t e;
    (void)state;
    assert_null(mcp__json_parse("{} x", 4, &e));
    assert_int_equal(e.position, 3);
    assert_int_equal(json_error_code(&e), json_error_end_of_input_expected);
    assert_null(mcp__json_parse("[1,2", 4, &e));
    assert_int_equal(e.position, 4);
    assert_int_equal(json_error_code(&e), json_error_premature_end_of_input);
    assert_null(mcp__json_parse("{\"a\":1,\"a\":2}", 13, &e));
    assert_int_equal(e.position, 7);
    assert_int_equal(json_error_code(&e), json_error_duplicate_key);
    assert_non_null(strstr(e.text, "duplicate"));
    assert_null(mcp__json_parse("[9223372036854775808]", 21, &e));
    assert_string_equal(e.text, "too big integer");
    assert_int_equal(json_error_code(&e), json_error_numeric_overflow);
    assert_null(mcp__json_parse("[-9223372036854775809]", 22, &e));
    assert_string_equal(e.text, "too big negative integer");
    assert_null(mcp__json_parse("[1e400]", 7, &e));
    assert_string_equal(e.text, "real number overflow");
    assert_null(mcp__json_parse("[\"\\u0000\"]", 10, &e));
    assert_int_equal(json_error_code(&e), json_error_null_character);
    assert_null(mcp__json_parse("[\"\xc3\xa9\xff\"]", 6, &e));
    assert_int_equal(json_error_code(&e), json_error_invalid_utf8);
    assert_int_equal(e.position, 4);
    assert_int_equal(e.column, 4); /* characters, not bytes */
    assert_null(mcp__json_parse("\n\n  [x]", 7, &e));
    assert_int_equal(e.line, 3);
    assert_int_equal(e.column, 4);
    assert_int_equal(e.position, 5);
    assert_null(mcp__json_parse("", 0, &e));
    assert_int_equal(json_error_code(&e), json_error_premature_end_of_input);
    assert_null(mcp__json_parse("42", 2, &e));
    assert_int_equal(json_error_code(&e), json_error_invalid_syntax);
    assert_null(mcp__json_parse(NULL, 0, &e));
    assert_int_equal(json_error_code(&e), json_error_invalid_argument);
    assert_null(mcp__json_parse("[", 1, NULL)); /* err may be NULL */
    json_decref(mcp__json_parse("[1]", 3, NULL));
    /* Only `len` bytes are read. */
    json_t *v = mcp__json_parse("[1]garbage", 3, &e);
    assert_non_null(v);
    assert_string_equal(e.text, "");
    json_decref(v);
}

static void test_jsonrpc_parse_error(void **state)
{
    json_t *err = NULL, *v = mcp__jsonrpc_parse("{} x", 4, &err);
    const char *msg;
    (void)state;
    assert_null(v);
    assert_non_null(err);
    msg = json_string_value(json_object_get(json_object_get(err, "error"), "message"));
    assert_non_null(msg);
    assert_true(strncmp(msg, "Parse error: ", 13) == 0);
    assert_non_null(strstr(msg, "(at byte 3)"));
    json_decref(err);
    err = NULL;
    v = mcp__jsonrpc_parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", 40, &err);
    assert_non_null(v);
    assert_null(err);
    json_decref(v);
}

static char *nest(size_t depth, const char *inner, bool objects)
{
    size_t n = strlen(inner), i, o = 0;
    char *b = malloc(depth * 6 + n + 1);
    assert_non_null(b);
    for (i = 0; i < depth; i++) {
        if (objects && i % 2) {
            memcpy(b + o, "{\"k\":", 5);
            o += 5;
        } else {
            b[o++] = '[';
        }
    }
    memcpy(b + o, inner, n);
    o += n;
    for (i = depth; i-- > 0;)
        b[o++] = objects && i % 2 ? '}' : ']';
    b[o] = '\0';
    return b;
}

static void test_depth(void **state)
{
    static const char *inner[] = {"", "1", "\"s\"", "[]", "{}", "null", "[1]"};
    size_t d, k;
    (void)state;
    for (d = 2040; d <= 2052; d++) {
        for (k = 0; k < sizeof inner / sizeof inner[0]; k++) {
            char *a = nest(d, inner[k], false), *o = nest(d, inner[k], true);
            check_len(a, strlen(a));
            check_len(o, strlen(o));
            free(a);
            free(o);
        }
    }
    /* jansson's rule: every value counts, scalars too. */
    char *b = nest(2048, "", false);
    assert_true(check_len(b, strlen(b)));
    free(b);
    b = nest(2048, "0", false);
    assert_false(check_len(b, strlen(b)));
    free(b);
    b = nest(2047, "0", false);
    assert_true(check_len(b, strlen(b)));
    free(b);
    b = nest(100000, "", false);
    assert_false(check_len(b, strlen(b)));
    free(b);
}

static void test_long_strings(void **state)
{
    /* Escaped strings longer than the on-stack scratch buffer, as keys and values. */
    size_t sizes[] = {0, 1, 15, 16, 17, 255, 256, 257, 1000, 70000};
    size_t i, j;
    (void)state;
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        static const char *parts[] = {
            "a",    "\\n",         "\xc3\xa9", "\\u00e9", "\\uD83D\\uDE00", "\xf0\x9f\x98\x80",
            "\\\"", "xyzxyzxyzxyz"};
        size_t n = sizes[i], sl = 0, o;
        char *s = malloc(n * 12 + 1), *doc;
        assert_non_null(s);
        for (j = 0; j < n; j++) {
            const char *p = parts[(j * 7 + i) % 8];
            memcpy(s + sl, p, strlen(p));
            sl += strlen(p);
        }
        doc = malloc(3 * sl + 32);
        assert_non_null(doc);
        o = (size_t)sprintf(doc, "{\"%.*s\":\"%.*s\",\"k\":[\"%.*s\"]}", (int)sl, s, (int)sl, s,
                            (int)sl, s);
        assert_true(check_len(doc, o));
        free(doc);
        free(s);
    }
}

static void test_locale(void **state)
{
    /* jansson follows the thread's locale for its decimal point and converts; so must we,
     * without ever calling setlocale(). Skipped when no such locale is installed. */
    static const char *names[] = {"de_DE.UTF-8", "de_DE.utf8",  "fr_FR.UTF-8",
                                  "fr_FR.utf8",  "ru_RU.UTF-8", "nl_NL.UTF-8"};
    static const char *docs[] = {"[1.5,-0.25,3.141592653589793238462643383279,1e-5,2.5e300]",
                                 "[0.1,1234567890.0987654321e-3,1.7976931348623157e308]",
                                 "{\"a\":123456789012345678901234567890.5}"};
    locale_t loc = (locale_t)0, old;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof names / sizeof names[0] && !loc; i++)
        loc = newlocale(LC_NUMERIC_MASK, names[i], (locale_t)0);
    if (!loc)
        skip();
    old = uselocale(loc);
    for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_error_t e;
        json_t *v = mcp__json_parse(docs[i], strlen(docs[i]), &e);
        uselocale(old); /* the reference tree, read in the C locale */
        json_t *c = json_loadb(docs[i], strlen(docs[i]), 0, &e);
        uselocale(loc);
        assert_non_null(v);
        assert_non_null(c);
        assert_true(same_tree(v, c));
        check_len(docs[i], strlen(docs[i]));
        json_decref(v);
        json_decref(c);
    }
    uselocale(old);
    freelocale(loc);
}

/* ---- differential fuzzing ------------------------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned rn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

typedef struct sbuf {
    char *d;
    size_t len, cap;
} sbuf;

static void put(sbuf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap)
            b->cap = b->cap ? b->cap * 2 : 256;
        b->d = realloc(b->d, b->cap);
        assert_non_null(b->d);
    }
    memcpy(b->d + b->len, p, n);
    b->len += n;
}

static void puts_(sbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putc_(sbuf *b, int c)
{
    char ch = (char)c;
    put(b, &ch, 1);
}

static void put_utf8(sbuf *b, unsigned cp)
{
    char o[4];
    if (cp < 0x80) {
        o[0] = (char)cp;
        put(b, o, 1);
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        put(b, o, 2);
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        put(b, o, 3);
    } else {
        o[0] = (char)(0xF0 | cp >> 18);
        o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        put(b, o, 4);
    }
}

static void put_u_escape(sbuf *b, unsigned u)
{
    char t[8];
    snprintf(t, sizeof t, rn(2) ? "\\u%04X" : "\\u%04x", u);
    put(b, t, 6);
}

static void gen_ws(sbuf *b)
{
    static const char ws[] = " \t\r\n";
    if (rn(6) == 0) {
        unsigned i, n = 1 + rn(3);
        for (i = 0; i < n; i++)
            putc_(b, ws[rn(4)]);
    }
}

static unsigned random_scalar_cp(void)
{
    switch (rn(5)) {
    case 0:
        return 0x80 + rn(0x800 - 0x80);
    case 1:
        return 0x800 + rn(0xD800 - 0x800);
    case 2:
        return 0xE000 + rn(0x10000 - 0xE000);
    case 3:
        return 0x10000 + rn(0x110000 - 0x10000);
    default:
        return 1 + rn(0x7F);
    }
}

/* A string; `bad` allows (rare) invalid content. */
static void gen_string(sbuf *b, unsigned maxlen, bool bad)
{
    static const char simple[] = "\"\\/bfnrt";
    unsigned i, n = maxlen ? rn(maxlen + 1) : 0;
    putc_(b, '"');
    for (i = 0; i < n; i++) {
        unsigned k = rn(24);
        if (k < 12) {
            int c;
            do
                c = 0x20 + (int)rn(0x5F);
            while (c == '"' || c == '\\');
            putc_(b, c);
        } else if (k < 14) {
            putc_(b, '\\');
            putc_(b, simple[rn(8)]);
        } else if (k < 16) {
            unsigned u;
            do
                u = rn(3) ? 1 + rn(0x7FF) : 1 + rn(0xFFFF);
            while (u >= 0xD800 && u <= 0xDFFF);
            put_u_escape(b, u);
        } else if (k == 16) {
            unsigned cp = 0x10000 + rn(0x100000);
            put_u_escape(b, 0xD800 + ((cp - 0x10000) >> 10));
            put_u_escape(b, 0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else if (k < 22) {
            put_utf8(b, random_scalar_cp());
        } else if (bad && rn(40) == 0) {
            switch (rn(10)) {
            case 0:
                put_u_escape(b, 0xD800 + rn(0x800)); /* lone surrogate */
                break;
            case 1:
                put_u_escape(b, 0);
                break;
            case 2:
                putc_(b, (int)rn(0x20)); /* raw control */
                break;
            case 3:
                putc_(b, 0x80 + (int)rn(0x80)); /* stray byte */
                break;
            case 4: /* encoded surrogate */
                put_utf8(b, 0xD800 + rn(0x800));
                break;
            case 5: /* overlong */
                putc_(b, 0xC0 + (int)rn(2));
                putc_(b, 0x80 + (int)rn(0x40));
                break;
            case 6: /* above U+10FFFF */
                putc_(b, 0xF4 + (int)rn(4));
                putc_(b, 0x90 + (int)rn(0x30));
                putc_(b, 0x80);
                putc_(b, 0x80);
                break;
            case 7:
                putc_(b, '\\');
                putc_(b, "xaU'0 v"[rn(7)]);
                break;
            case 8: /* truncated multibyte */
                putc_(b, 0xE0 + (int)rn(16));
                putc_(b, 0x80 + (int)rn(0x20));
                break;
            default:
                put_u_escape(b, 0xDC00 + rn(0x400));
                put_u_escape(b, 0xD800 + rn(0x400));
            }
        } else {
            putc_(b, 'a' + (int)rn(26));
        }
    }
    putc_(b, '"');
}

static void gen_digits(sbuf *b, unsigned n, bool lead_nonzero)
{
    unsigned i;
    for (i = 0; i < n; i++)
        putc_(b, (i == 0 && lead_nonzero ? '1' + (int)rn(9) : '0' + (int)rn(10)));
}

static void gen_number(sbuf *b)
{
    /* clang-format off */
    static const char *edges[] = {
        "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "9223372036854775806", "-9223372036854775807",
        "18446744073709551615", "18446744073709551616", "99999999999999999999",
        "1000000000000000000", "-1000000000000000000", "9999999999999999999", "0", "-0",
        "1.7976931348623157e308", "1.7976931348623159e308", "4.9e-324", "2.4703282292062328e-324",
        "2.4703282292062327e-324", "2.2250738585072014e-308", "9007199254740993",
        "9007199254740993.0", "1e308", "1e309", "-1e309", "1e-324", "0.0", "-0.0", "1e22", "1e23",
        "5e-324", "9223372036854775807.0", "-9223372036854775808e0"};
    /* clang-format on */
    char t[64];
    switch (rn(8)) {
    case 0:
        puts_(b, edges[rn(sizeof edges / sizeof edges[0])]);
        return;
    case 1: /* near the int64 limits (one rn() per statement: argument order is unspecified) */
        if (rn(2))
            putc_(b, '-');
        snprintf(t, sizeof t, "92233720368547758%02u", rn(20));
        puts_(b, t);
        return;
    case 2: {
        unsigned shift = rn(64);
        uint64_t u = rnd() >> shift;
        snprintf(t, sizeof t, "%s%llu", rn(2) ? "-" : "", (unsigned long long)u);
        puts_(b, t);
        return;
    }
    case 3:
        snprintf(t, sizeof t, "%d", (int)rn(2000) - 1000);
        puts_(b, t);
        return;
    default: /* a real: digits, fraction, exponent */
        if (rn(2))
            putc_(b, '-');
        if (rn(4) == 0)
            putc_(b, '0');
        else
            gen_digits(b, 1 + rn(rn(4) ? 8 : 25), true);
        if (rn(3)) {
            putc_(b, '.');
            gen_digits(b, 1 + rn(rn(4) ? 8 : 30), false);
        }
        if (rn(2)) {
            unsigned e = rn(4) ? rn(30) : rn(4) ? rn(400) : rn(100000);
            putc_(b, rn(2) ? 'e' : 'E');
            if (rn(2))
                putc_(b, rn(2) ? '-' : '+');
            snprintf(t, sizeof t, "%s%u", rn(8) ? "" : "00", e);
            puts_(b, t);
        }
    }
}

static void gen_value(sbuf *b, unsigned depth, bool bad);

static void gen_key(sbuf *b, bool bad)
{
    static const char *pool[] = {"\"a\"",        "\"b\"",       "\"\\u0061\"", "\"\"", "\"id\"",
                                 "\"\xc3\xa9\"", "\"\\u00e9\"", "\"\\/\"",     "\"/\""};
    if (rn(6) == 0)
        puts_(b, pool[rn(sizeof pool / sizeof pool[0])]);
    else
        gen_string(b, 10, bad);
}

static void gen_value(sbuf *b, unsigned depth, bool bad)
{
    unsigned k = depth > 6 ? 2 + rn(6) : rn(8), i, n;
    gen_ws(b);
    switch (k) {
    case 0:
        putc_(b, '{');
        n = rn(5);
        gen_ws(b);
        for (i = 0; i < n; i++) {
            if (i)
                putc_(b, ',');
            gen_ws(b);
            gen_key(b, bad);
            gen_ws(b);
            putc_(b, ':');
            gen_value(b, depth + 1, bad);
        }
        gen_ws(b);
        putc_(b, '}');
        break;
    case 1:
        putc_(b, '[');
        n = rn(6);
        gen_ws(b);
        for (i = 0; i < n; i++) {
            if (i)
                putc_(b, ',');
            gen_value(b, depth + 1, bad);
        }
        gen_ws(b);
        putc_(b, ']');
        break;
    case 2:
    case 3:
        gen_string(b, 12, bad);
        break;
    case 4:
    case 5:
        gen_number(b);
        break;
    default:
        puts_(b, (const char *[]){"true", "false", "null"}[rn(3)]);
    }
    gen_ws(b);
}

static void gen_document(sbuf *b, bool bad)
{
    b->len = 0;
    gen_ws(b);
    if (rn(2)) {
        unsigned i, n = rn(6);
        putc_(b, '{');
        for (i = 0; i < n; i++) {
            if (i)
                putc_(b, ',');
            gen_key(b, bad);
            putc_(b, ':');
            gen_value(b, 1, bad);
        }
        putc_(b, '}');
    } else {
        unsigned i, n = rn(6);
        putc_(b, '[');
        for (i = 0; i < n; i++) {
            if (i)
                putc_(b, ',');
            gen_value(b, 1, bad);
        }
        putc_(b, ']');
    }
    gen_ws(b);
}

static const char interesting[] =
    "{}[],:\"\\0123456789-+.eEtrufalsnu \t\r\n/x"
    "\x00\x01\x1f\x7f\x80\xbf\xc0\xc2\xdf\xe0\xed\xef\xf0\xf4\xf5\xff";

static void mutate(sbuf *b)
{
    unsigned i, n = 1 + rn(4);
    for (i = 0; i < n; i++) {
        size_t at = b->len ? rn((unsigned)b->len) : 0;
        switch (rn(7)) {
        case 0: /* replace */
            if (b->len)
                b->d[at] = interesting[rn(sizeof interesting - 1)];
            break;
        case 1: /* insert */
            putc_(b, 0);
            memmove(b->d + at + 1, b->d + at, b->len - at - 1);
            b->d[at] = interesting[rn(sizeof interesting - 1)];
            break;
        case 2: { /* delete a range */
            size_t k = 1 + rn(4);
            if (at + k > b->len)
                k = b->len - at;
            memmove(b->d + at, b->d + at + k, b->len - at - k);
            b->len -= k;
            break;
        }
        case 3: /* truncate */
            b->len = at;
            break;
        case 4: { /* duplicate a slice */
            size_t k = 1 + rn(8), j;
            if (at + k > b->len)
                k = b->len - at;
            for (j = 0; j < k; j++)
                putc_(b, 0);
            memmove(b->d + at + k, b->d + at, b->len - at - k);
            break;
        }
        case 5: /* random byte */
            if (b->len)
                b->d[at] = (char)rn(256);
            break;
        default: /* flip a bit */
            if (b->len)
                b->d[at] ^= (char)(1u << rn(8));
        }
    }
}

static void gen_random(sbuf *b)
{
    unsigned i, n = rn(40);
    b->len = 0;
    if (rn(10) < 7)
        putc_(b, rn(2) ? '[' : '{');
    for (i = 0; i < n; i++)
        putc_(b, rn(5) ? interesting[rn(sizeof interesting - 1)] : (int)rn(256));
}

static void gen_number_doc(sbuf *b)
{
    static const char alphabet[] = "0123456789-+.eE";
    b->len = 0;
    puts_(b, rn(2) ? "[" : "{\"n\":");
    if (rn(3)) {
        gen_number(b);
    } else { /* number grammar at random */
        unsigned i, n = 1 + rn(8);
        for (i = 0; i < n; i++)
            putc_(b, alphabet[rn(sizeof alphabet - 1)]);
    }
    putc_(b, b->d[0] == '[' ? ']' : '}');
}

static void gen_long_string_doc(sbuf *b)
{
    b->len = 0;
    puts_(b, "{");
    gen_string(b, 200 + rn(3000), rn(4) == 0);
    puts_(b, ":[");
    gen_string(b, 100 + rn(3000), rn(4) == 0);
    puts_(b, ",");
    gen_string(b, rn(40), false);
    puts_(b, "]}");
}

static void gen_deep(sbuf *b)
{
    unsigned depth = 2030 + rn(30), i;
    char *closers = malloc(depth);
    assert_non_null(closers);
    b->len = 0;
    for (i = 0; i < depth; i++) {
        if (rn(3) == 0) {
            puts_(b, rn(8) ? "{\"k\":" : "{\"a\":1,\"b\":");
            closers[i] = '}';
        } else {
            puts_(b, rn(8) ? "[" : "[0,");
            closers[i] = ']';
        }
    }
    puts_(b, (const char *[]){"", "1", "[]", "{}", "\"x\"", "[1]", "{\"a\":2}"}[rn(7)]);
    if (b->d[b->len - 1] == ':')
        puts_(b, "null");
    for (i = depth; i-- > 0;)
        if (rn(500) || i == 0)
            putc_(b, closers[i]);
    free(closers);
}

static void test_fuzz(void **state)
{
    const char *env = getenv("MCP_JSON_FUZZ_ITERS"), *seed = getenv("MCP_JSON_FUZZ_SEED");
    /* ~1 s at -O2, ~10 s under ASan; a tenth of it under valgrind (a minute otherwise) */
    unsigned long iters = env ? strtoul(env, NULL, 10) : RUNNING_ON_VALGRIND ? 20000 : 200000;
    unsigned long i, valid_docs = 0;
    sbuf b = {0};
    (void)state;
    /* a fixed seed: the run is the same every time unless MCP_JSON_FUZZ_SEED says otherwise */
    rng = seed ? strtoull(seed, NULL, 0) : 0x6A736F6E5F726561ull;
    n_accepted = n_rejected = 0;
    for (i = 0; i < iters; i++) {
        unsigned k = rn(100);
        if (k < 30) {
            gen_document(&b, rn(10) == 0);
            valid_docs += check_len(b.d, b.len);
            continue;
        }
        if (k < 65) {
            gen_document(&b, false);
            mutate(&b);
        } else if (k < 80) {
            gen_random(&b);
        } else if (k < 95) {
            gen_number_doc(&b);
        } else if (k < 99) {
            gen_long_string_doc(&b);
        } else {
            gen_deep(&b);
        }
        check_len(b.d ? b.d : "", b.len);
    }
    free(b.d);
    printf("fuzz: %lu inputs, %lu accepted, %lu rejected (both parsers agree on all)\n", iters,
           n_accepted, n_rejected);
    if (iters >= 10000) { /* the generator must exercise both outcomes */
        assert_true(n_accepted > iters / 5);
        assert_true(n_rejected > iters / 5);
        assert_true(valid_docs > iters / 5);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),  cmocka_unit_test(test_types_and_order),
        cmocka_unit_test(test_errors), cmocka_unit_test(test_jsonrpc_parse_error),
        cmocka_unit_test(test_depth),  cmocka_unit_test(test_long_strings),
        cmocka_unit_test(test_locale), cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
