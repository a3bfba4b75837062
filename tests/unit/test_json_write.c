/*
 * The JSON writer (libmcp/base/json_write.c, mcp__json_write) against jansson's
 * json_dumps(JSON_COMPACT), which it must reproduce byte for byte (no other flag: no
 * JSON_ENSURE_ASCII, no JSON_ESCAPE_SLASH, the default real precision of 17 digits).
 *
 * The trees come from: every input of the JSON reader's table (json_cases.h) and every file of
 * the fuzz corpora and regressions under tests/fuzz/ (whole, and line by line, since several
 * targets take "<json>\n<json>"), each read with json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL);
 * hand-picked reals, integers, strings (every control byte, U+2028, the UTF-8 length
 * boundaries), containers, key order and nesting depth; a decimal-comma locale; and ~20k random
 * trees from a fixed seed. Paths are relative to the repository root (where `make unit` runs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "server/server.h"
#include "json_cases.h"

#include <dirent.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>

/* ---- comparing with json_dumps -------------------------------------------------------------- */

static unsigned long n_compared;

static void show(const char *what, const char *s, size_t n)
{
    size_t i;
    fprintf(stderr, "%s (%zu bytes): ", what, n);
    for (i = 0; i < n && i < 400; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, "%s\n", n > 400 ? "..." : "");
}

/* Write `v` with both, after a prefix already in the buffer; fail the test on any difference. */
static void check_value(const json_t *v)
{
    size_t flags = JSON_COMPACT | (json_is_array(v) || json_is_object(v) ? 0 : JSON_ENCODE_ANY);
    char *ref = json_dumps(v, flags);
    mcp__buf b = {0};
    size_t n;

    assert_non_null(ref);
    n = strlen(ref);
    assert_int_equal(mcp__buf_add(&b, "<>", 2), MCP_OK);
    assert_int_equal(mcp__json_write(&b, v), MCP_OK);
    if (b.len != n + 2 || memcmp(b.data, "<>", 2) != 0 || memcmp(b.data + 2, ref, n) != 0) {
        size_t i = 0;
        while (i < n && i + 2 < b.len && b.data[i + 2] == ref[i])
            i++;
        show("json_dumps     ", ref, n);
        show("mcp__json_write", b.data + 2, b.len - 2);
        fail_msg("outputs differ at byte %zu", i);
    }
    free(ref);
    mcp__buf_free(&b);
    n_compared++;
}

/* Read `s` with json_loadb (as permissive as it gets) and, when it parses, compare the writers.
 * Returns whether it parsed. */
static bool check_text(const char *s, size_t n)
{
    json_error_t e;
    json_t *v = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (!v)
        return false;
    check_value(v);
    json_decref(v);
    return true;
}

/* Steals `v`: compares it alone and inside an array and an object. */
static void check_new(json_t *v)
{
    json_t *a = json_array(), *o = json_object();
    assert_non_null(v);
    check_value(v);
    json_array_append(a, v);
    json_array_append(a, v);
    json_object_set(o, "k", v);
    check_value(a);
    check_value(o);
    json_decref(a);
    json_decref(o);
    json_decref(v);
}

/* ---- the reader's test inputs and the fuzz corpora ------------------------------------------ */

static void test_reader_table(void **state)
{
    size_t i, n = sizeof json_read_table / sizeof json_read_table[0], parsed = 0;
    (void)state;
    n_compared = 0;
    for (i = 0; i < n; i++) {
        bool ok = check_text(json_read_table[i].text, json_read_table[i].len);
        if (json_read_table[i].expect == 'y' && !ok) {
            show("input", json_read_table[i].text, json_read_table[i].len);
            fail_msg("table[%zu]: json_loadb refuses an input the reader's table accepts", i);
        }
        parsed += ok;
    }
    printf("reader table: %zu inputs, %zu written identically\n", n, parsed);
    assert_true(parsed >= 150);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *d = NULL;
    size_t cap = 0, n = 0, got;
    if (!f)
        return NULL;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            d = realloc(d, cap);
            assert_non_null(d);
        }
        got = fread(d + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return d;
}

/* Every regular file of every target directory under `root`: the whole file, then each line. */
static void corpus_dir(const char *root, size_t *files, size_t *parsed)
{
    DIR *top = opendir(root), *sub;
    struct dirent *t, *e;
    char dir[512], path[1024];
    if (!top)
        fail_msg("%s: cannot open (run from the repository root)", root);
    while ((t = readdir(top)) != NULL) {
        if (t->d_name[0] == '.')
            continue;
        snprintf(dir, sizeof dir, "%s/%s", root, t->d_name);
        if (!(sub = opendir(dir)))
            continue;
        while ((e = readdir(sub)) != NULL) {
            size_t len = 0, at = 0;
            char *text;
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (!(text = read_file(path, &len)))
                continue;
            (*files)++;
            *parsed += check_text(text, len);
            while (len && at < len) { /* each line, for "<json>\n<json>" inputs */
                const char *nl = memchr(text + at, '\n', len - at);
                size_t end = nl ? (size_t)(nl - text) : len;
                if (nl || at)
                    *parsed += check_text(text + at, end - at);
                at = end + 1;
            }
            free(text);
        }
        closedir(sub);
    }
    closedir(top);
}

static void test_fuzz_corpus(void **state)
{
    size_t files = 0, parsed = 0;
    (void)state;
    corpus_dir("tests/fuzz/corpus", &files, &parsed);
    corpus_dir("tests/fuzz/regressions", &files, &parsed);
    printf("fuzz corpus: %zu files, %zu documents written identically\n", files, parsed);
    assert_true(files >= 100);
    assert_true(parsed >= 100);
}

/* ---- numbers -------------------------------------------------------------------------------- */

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

/* A finite double: any bit pattern, or a short decimal, or a power of ten. */
static double random_real(void)
{
    uint64_t bits;
    double d;
    char t[48];
    switch (rn(3)) {
    case 0:
        do {
            bits = rnd();
            memcpy(&d, &bits, sizeof d);
        } while (!isfinite(d));
        return d;
    case 1:
        snprintf(t, sizeof t, "%s%u.%ue%d", rn(2) ? "-" : "", rn(100000), rn(1000),
                 (int)rn(60) - 30);
        return strtod(t, NULL);
    default:
        snprintf(t, sizeof t, "1e%d", (int)rn(617) - 308);
        return strtod(t, NULL);
    }
}

static void test_reals(void **state)
{
    /* clang-format off */
    static const double reals[] = {
        0.0, -0.0, 0.1, -0.1, 0.2, 0.3, 0.30000000000000004, 1.0, -1.0, 1.5, 2.5, 100.0, 1e300,
        -1e300, 1.5e-7, 1e-7, 1e-5, 1e-4, 1.2345e-4, 1e-300, 1e-320, 5e-324, 4.9e-324,
        2.2250738585072014e-308, 2.2250738585072011e-308, DBL_MAX, -DBL_MAX, DBL_MIN,
        DBL_EPSILON, 1e15, 1e16, 1e17, 1e21, 1e22, 1e23, 123456789.0, 1234567890123456789.0,
        9007199254740992.0, 9007199254740994.0, 9223372036854775807.0, 18446744073709551616.0,
        3.141592653589793, 2.718281828459045, 1.0 / 3.0, 2.0 / 3.0, 1e100, 1e-100, 0.5, 0.25,
        0.125, 1e10, 12345.678, -12345.678, 1e-10, 6.02214076e23, 1.602176634e-19};
    /* clang-format on */
    size_t i;
    (void)state;
    for (i = 0; i < sizeof reals / sizeof reals[0]; i++)
        check_new(json_real(reals[i]));
    for (i = 0; i < 2098; i++) { /* every power of two, and its neighbours */
        double p = ldexp(1.0, (int)i - 1074);
        check_new(json_real(p));
        check_new(json_real(-nextafter(p, 0.0)));
        check_new(json_real(nextafter(p, DBL_MAX)));
    }
    rng = 0x7265616c73ull;
    for (i = 0; i < 50000; i++)
        check_new(json_real(random_real()));
}

static void test_integers(void **state)
{
    json_int_t p = 1;
    size_t i;
    (void)state;
    check_new(json_integer(0));
    check_new(json_integer(INT64_MAX));
    check_new(json_integer(INT64_MIN));
    check_new(json_integer(INT64_MIN + 1));
    check_new(json_integer(INT64_MAX - 1));
    for (i = 0;; i++, p *= 10) { /* powers of ten up to 10^18 and their neighbours, both signs */
        check_new(json_integer(p));
        check_new(json_integer(p - 1));
        check_new(json_integer(p + 1));
        check_new(json_integer(-p));
        check_new(json_integer(-p + 1));
        check_new(json_integer(-p - 1));
        if (i == 18)
            break;
    }
    rng = 0x696e7473ull;
    for (i = 0; i < 20000; i++)
        check_new(json_integer((json_int_t)(rnd() >> rn(64))));
}

/* ---- strings -------------------------------------------------------------------------------- */

static void put_utf8(char *o, size_t *n, unsigned cp)
{
    if (cp < 0x80) {
        o[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        o[(*n)++] = (char)(0xC0 | cp >> 6);
        o[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        o[(*n)++] = (char)(0xE0 | cp >> 12);
        o[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        o[(*n)++] = (char)(0xF0 | cp >> 18);
        o[(*n)++] = (char)(0x80 | (cp >> 12 & 0x3F));
        o[(*n)++] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* A string as a value and as a key. */
static void check_string(const char *s, size_t n)
{
    json_t *o = json_object();
    check_new(json_stringn(s, n));
    assert_int_equal(json_object_setn_new(o, s, n, json_true()), 0);
    check_value(o);
    json_decref(o);
}

static void test_strings(void **state)
{
    /* clang-format off */
    static const unsigned cps[] = {
        0x7F, 0x80, 0xA0, 0xFF, 0x7FF, 0x800, 0xFFF, 0x1000, 0xD7FF, 0xE000, 0xFEFF, 0xFFFD,
        0xFFFE, 0xFFFF, 0x10000, 0x1F600, 0xFFFFF, 0x100000, 0x10FFFF, 0x2028, 0x2029, 0x200B,
        0x85, 0x2F, 0x5C, 0x22};
    /* bytes jansson's checked constructors refuse: they never reach a writer */
    static const char *const invalid[] = {
        "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xc2", "\xe0\x80\x80", "\xed\xa0\x80",
        "\xed\xbf\xbf", "\xf0\x80\x80\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xfe", "\xff",
        "a\xc3", "\xe2\x82"};
    /* clang-format on */
    char s[256], *big;
    size_t i, j, n;
    (void)state;
    check_string("", 0);
    for (i = 0; i < 0x80; i++) { /* every ASCII byte, NUL included, alone and in text */
        s[0] = (char)i;
        check_string(s, 1);
        memcpy(s, "abXcd", 5);
        s[2] = (char)i;
        check_string(s, 5);
    }
    for (i = 0; i < 0x80; i++)
        s[i] = (char)i;
    check_string(s, 0x80); /* all of them in one string */
    check_string(s + 1, 0x1F);
    for (i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        n = 0;
        put_utf8(s, &n, cps[i]);
        check_string(s, n);
        s[n++] = 'x';
        s[n++] = '\n';
        put_utf8(s, &n, cps[i]);
        check_string(s, n);
    }
    for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        assert_null(json_stringn(invalid[i], strlen(invalid[i])));
    /* an escape at every position of strings around the writer's run lengths */
    for (n = 1; n < 40; n++) {
        for (j = 0; j < n; j++) {
            memset(s, 'a', n);
            s[j] = "\"\\\n\x01\x1f\t/\x7f"[(n + j) % 8];
            check_string(s, n);
        }
    }
    /* a long string of everything */
    big = malloc(70000 * 4);
    assert_non_null(big);
    rng = 0x737472ull;
    for (n = 0; n < 70000 * 4 - 4;) {
        unsigned k = rn(10);
        put_utf8(big, &n,
                 k < 3   ? rn(0x20)
                 : k < 6 ? 0x20 + rn(0x60)
                 : k < 8 ? 0x80 + rn(0xD780)
                         : 0x10000 + rn(0x100000));
    }
    check_string(big, n);
    free(big);
}

/* Strings made without jansson's UTF-8 check are outside the claim: json_dumps refuses invalid
 * UTF-8, mcp__json_write copies the bytes (libmcp makes such strings only from checked text). */
static void test_unchecked_strings(void **state)
{
    json_t *a = json_pack("[o]", json_stringn_nocheck("\xff", 1));
    mcp__buf b = {0};
    (void)state;
    assert_null(json_dumps(a, JSON_COMPACT));
    assert_int_equal(mcp__json_write(&b, a), MCP_OK);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, "[\"\xff\"]", 5);
    mcp__buf_free(&b);
    json_decref(a);
    check_new(json_stringn_nocheck("valid \xc3\xa9", 8)); /* valid ones are in it */
}

/* ---- containers, key order, depth ----------------------------------------------------------- */

static void test_containers(void **state)
{
    json_t *o, *a;
    char key[32];
    size_t i;
    (void)state;
    check_new(json_array());
    check_new(json_object());
    check_new(json_pack("[[],{},[[]],[{}],{s:{}},{s:[]}]", "a", ""));
    check_new(json_pack("{s:[{s:[]}],s:n}", "a", "a", "b"));
    check_new(json_pack("[b,b,n,i,f,s]", 1, 0, 42, 1.5, "x"));
    /* insertion order, whatever the hash order */
    check_new(json_pack("{s:i,s:i,s:i,s:i}", "z", 1, "b", 2, "a", 3, "y", 4));
    o = json_object();
    for (i = 0; i < 1000; i++) { /* enough keys to resize the table several times */
        snprintf(key, sizeof key, "k%zu", (i * 7919) % 1000);
        json_object_set_new(o, key, json_integer((json_int_t)i));
    }
    check_value(o);
    json_object_set_new(o, "k500", json_string("replaced")); /* keeps its place */
    json_object_del(o, "k0");
    json_object_set_new(o, "k0", json_string("re-added")); /* goes last */
    check_value(o);
    a = json_pack("{s:i,s:i}", "k1", -1, "new", 1);
    json_object_update(o, a); /* replaces in place, then appends */
    json_decref(a);
    check_value(o);
    json_decref(o);
    /* keys: escapes, UTF-8, empty, and an embedded NUL (json_object_setn) */
    o = json_object();
    json_object_set_new(o, "", json_integer(0));
    json_object_set_new(o, "\"\\/\b\f\n\r\t\x01\x1f", json_integer(1));
    json_object_set_new(o, "\xe2\x80\xa8\xf0\x9f\x98\x80", json_integer(2));
    json_object_setn_new(o, "a\0b", 3, json_integer(3));
    json_object_setn_new(o, "a", 1, json_integer(4));
    check_value(o);
    a = json_pack("[O,O]", o, o); /* the same object twice is no cycle */
    check_value(a);
    json_decref(a);
    json_decref(o);
}

/* `depth` nested arrays (objects at odd levels when `objects`) around `inner` (may be NULL). */
static json_t *nest(size_t depth, json_t *inner, bool objects)
{
    json_t *v = inner;
    size_t i;
    for (i = depth; i-- > 0;) {
        json_t *c = objects && i % 2 ? json_object() : json_array();
        if (v && json_is_object(c))
            json_object_set_new(c, "k", v);
        else if (v)
            json_array_append_new(c, v);
        v = c;
    }
    return v;
}

static void test_depth(void **state)
{
    static const size_t depths[] = {1, 2, 3, 100, 1000, 2046, 2047, 2048};
    size_t i, k;
    mcp__buf b = {0};
    json_t *v;
    (void)state;
    for (i = 0; i < sizeof depths / sizeof depths[0]; i++) {
        for (k = 0; k < 2; k++) {
            v = nest(depths[i], NULL, k);
            check_value(v);
            json_decref(v);
            v = nest(depths[i], json_integer(7), k);
            check_value(v);
            json_decref(v);
        }
    }
    /* Every tree the reader builds (at most 2048 levels) is written; the writer stops at 2049
     * levels (2048 containers around a scalar, 2049 empty ones) where jansson goes on, and then
     * appends nothing (the error it returns is not pinned here). */
    v = nest(2049, NULL, false);
    check_value(v);
    json_decref(v);
    mcp__buf_add(&b, "x", 1);
    v = nest(2050, NULL, false);
    assert_int_not_equal(mcp__json_write(&b, v), MCP_OK);
    json_decref(v);
    v = nest(2049, json_null(), true);
    assert_int_not_equal(mcp__json_write(&b, v), MCP_OK);
    json_decref(v);
    assert_int_equal(b.len, 1);
    mcp__buf_free(&b);
    assert_int_equal(mcp__json_write(&b, NULL), MCP_EINVAL);
    assert_int_equal(b.len, 0);
}

/* ---- locale and random trees ---------------------------------------------------------------- */

static void test_locale(void **state)
{
    /* Both follow the thread's locale and write '.' whatever its decimal point. Skipped when no
     * decimal-comma locale is installed. */
    static const char *names[] = {"de_DE.UTF-8", "de_DE.utf8",  "fr_FR.UTF-8",
                                  "fr_FR.utf8",  "ru_RU.UTF-8", "nl_NL.UTF-8"};
    locale_t loc = (locale_t)0, old;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof names / sizeof names[0] && !loc; i++)
        loc = newlocale(LC_NUMERIC_MASK, names[i], (locale_t)0);
    if (!loc)
        skip();
    old = uselocale(loc);
    check_new(json_pack("[f,f,f,f,f]", 1.5, -0.25, 0.1, 1e-5, 2.5e300));
    rng = 0x6c6f63ull;
    for (i = 0; i < 2000; i++)
        check_new(json_real(random_real()));
    uselocale(old);
    freelocale(loc);
}

static json_t *random_string(unsigned maxlen)
{
    char s[4 * 40];
    size_t n = 0;
    unsigned i, len = rn(maxlen + 1);
    for (i = 0; i < len; i++) {
        unsigned k = rn(10);
        put_utf8(s, &n,
                 k < 2   ? rn(0x20)
                 : k < 7 ? 0x20 + rn(0x60)
                 : k < 9 ? 0x80 + rn(0xD780)
                         : 0xE000 + rn(0x102000));
    }
    return json_stringn(s, n);
}

static json_t *random_tree(unsigned depth)
{
    unsigned i, n;
    json_t *v;
    switch (depth > 5 ? 2 + rn(7) : rn(9)) {
    case 0:
        v = json_object();
        n = rn(6);
        for (i = 0; i < n; i++) {
            json_t *k = random_string(8);
            json_object_setn_new(v, json_string_value(k), json_string_length(k),
                                 random_tree(depth + 1));
            json_decref(k);
        }
        return v;
    case 1:
        v = json_array();
        n = rn(6);
        for (i = 0; i < n; i++)
            json_array_append_new(v, random_tree(depth + 1));
        return v;
    case 2:
    case 3:
        return random_string(30);
    case 4:
        return json_integer((json_int_t)(rnd() >> rn(64))); /* either sign */
    case 5:
    case 6:
        return json_real(random_real());
    case 7:
        return json_boolean(rn(2));
    default:
        return json_null();
    }
}

static void test_random_trees(void **state)
{
    unsigned long i, before = n_compared;
    (void)state;
    rng = 0x7472656573ull;
    for (i = 0; i < 20000; i++) {
        json_t *v = random_tree(0);
        assert_non_null(v);
        check_value(v);
        json_decref(v);
    }
    printf("random trees: %lu, all written identically\n", n_compared - before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_table), cmocka_unit_test(test_fuzz_corpus),
        cmocka_unit_test(test_reals),        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_strings),      cmocka_unit_test(test_unchecked_strings),
        cmocka_unit_test(test_containers),   cmocka_unit_test(test_depth),
        cmocka_unit_test(test_locale),       cmocka_unit_test(test_random_trees),
    };
    return cmocka_run_group_tests_name("json_write", tests, NULL, NULL);
}
