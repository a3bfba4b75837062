/*
 * Unit tests of mcp-filesystem's internals (cmocka): globs and unified diffs against cases
 * produced by minimatch and jsdiff (JSON files in tests/servers/data, as the reference server uses
 * those libraries), size/UTF-8 formatting, the sandbox's path checks, and client roots (which
 * only narrow the command-line directories).
 *
 * Run from the repository root (make test-servers does): reads tests/servers/data/.
 */
#define _XOPEN_SOURCE 700
#include "../../servers/filesystem/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static json_t *load(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j)
        fail_msg("%s: %s", path, e.text);
    return j;
}

static void test_glob_cases(void **state)
{
    json_t *cases = load("tests/servers/data/glob_cases.json"), *c;
    size_t i;
    (void)state;
    json_array_foreach(cases, i, c)
    {
        const char *pat = json_string_value(json_object_get(c, "pattern"));
        const char *path = json_string_value(json_object_get(c, "path"));
        bool want = json_is_true(json_object_get(c, "match"));
        if (glob_match(pat, path) != want)
            fail_msg("glob '%s' vs '%s': want %d", pat, path, want);
    }
    json_decref(cases);
}

/* Globstars are matched in O(pattern x path): the case that made the old split-point search
 * take C(40, 12) steps answers at once (SIGALRM ends the test if it does not). */
static void test_glob_linear(void **state)
{
    char pat[256] = "", path[256] = "";
    int i;
    (void)state;
    for (i = 0; i < 12; i++)
        strcat(pat, "**/a/");
    strcat(pat, "b");
    for (i = 0; i < 40; i++)
        strcat(path, "a/");
    alarm(10);
    path[strlen(path) - 1] = '\0'; /* a/a/.../a: no match, every split fails */
    assert_false(glob_match(pat, path));
    strcat(path, "/b");
    assert_true(glob_match(pat, path));
    strcat(pat, "/**");
    assert_false(glob_match(pat, path)); /* a trailing globstar needs a segment */
    strcat(path, "/c/d");
    assert_true(glob_match(pat, path));
    assert_true(glob_match("**/**/**/a/**/**/b/**/**", path));
    assert_false(glob_match("**/a/**/a/**/a/**/c", path)); /* "c" is not last */
    alarm(0);
}

static void test_diff_cases(void **state)
{
    json_t *cases = load("tests/servers/data/diff_cases.json"), *c;
    size_t i;
    (void)state;
    json_array_foreach(cases, i, c)
    {
        const json_t *a = json_object_get(c, "old"), *b = json_object_get(c, "new");
        const char *want = json_string_value(json_object_get(c, "patch"));
        buf_t out = {0};
        unified_diff(&out, "/p/f.txt", json_string_value(a), json_string_length(a),
                     json_string_value(b), json_string_length(b));
        assert_false(out.oom);
        if (strcmp(buf_str(&out), want) != 0)
            fail_msg("diff case %zu:\n--- got ---\n%s--- want ---\n%s", i, out.data, want);
        buf_free(&out);
    }
    json_decref(cases);
}

static void test_diff_large(void **state)
{
    /* Far apart changes in a long file, and a file rewritten completely (past the Myers
     * bound): both must produce a diff whose -/+ counts are right. */
    buf_t a = {0}, b = {0}, out = {0};
    size_t i, minus = 0, plus = 0;
    const char *p;
    (void)state;
    for (i = 0; i < 5000; i++) {
        buf_addf(&a, "line %zu\n", i);
        buf_addf(&b, "%s %zu\n", i % 1000 == 500 ? "changed" : "line", i);
    }
    unified_diff(&out, "f", a.data, a.len, b.data, b.len);
    for (p = buf_str(&out); (p = strchr(p, '\n')); p++) {
        minus += p[1] == '-' && p[2] != '-';
        plus += p[1] == '+' && p[2] != '+';
    }
    assert_int_equal(minus, 5);
    assert_int_equal(plus, 5);
    buf_free(&out);
    buf_free(&b);
    for (i = 0; i < 3000; i++)
        buf_addf(&b, "other %zu\n", i);
    unified_diff(&out, "f", a.data, a.len, b.data, b.len);
    assert_false(out.oom);
    assert_non_null(strstr(out.data, "@@ -1,5000 +1,3000 @@\n"));
    buf_free(&out);
    buf_free(&a);
    buf_free(&b);
}

static void test_format(void **state)
{
    char s[64];
    size_t n;
    char *r;
    (void)state;
    format_size(s, sizeof s, 0);
    assert_string_equal(s, "0 B");
    format_size(s, sizeof s, 1023);
    assert_string_equal(s, "1023 B");
    format_size(s, sizeof s, 1536);
    assert_string_equal(s, "1.50 KB");
    format_size(s, sizeof s, 5LL * 1024 * 1024 * 1024);
    assert_string_equal(s, "5.00 GB");
    r = utf8_repair("a\xff"
                    "b\xc3\xa9\xe2\x82",
                    7, &n);
    assert_int_equal(n, 10); /* a truncated sequence at the end is one U+FFFD */
    assert_memory_equal(r,
                        "a\xef\xbf\xbd"
                        "b\xc3\xa9\xef\xbf\xbd",
                        10);
    free(r);
    errno_text(s, sizeof s, 2, "open", "/x");
    assert_string_equal(s, "ENOENT: no such file or directory, open '/x'");
}

/* ---- the sandbox on a real tree ----------------------------------------------------------- */

static char base[256], allowed[300], outside[300];

static void sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

static int setup_tree(void **state)
{
    char tmpl[] = "/tmp/mcpfs-unit-XXXXXX", *d = mkdtemp(tmpl);
    (void)state;
    if (!d)
        return -1;
    snprintf(base, sizeof base, "%s", d);
    snprintf(allowed, sizeof allowed, "%s/allowed", base);
    snprintf(outside, sizeof outside, "%s/outside", base);
    sh("mkdir -p %s/sub %s && echo hi > %s/a.txt && echo secret > %s/secret.txt", allowed, outside,
       allowed, outside);
    sh("ln -s %s %s/out-link && ln -s a.txt %s/in-link && ln -s %s/new.txt %s/dangling-out && "
       "ln -s nowhere.txt %s/dangling-in",
       outside, allowed, allowed, outside, allowed, allowed);
    return 0;
}

static int teardown_tree(void **state)
{
    (void)state;
    sh("rm -rf %s", base);
    return 0;
}

static roots_t *make_roots(void)
{
    const char *dirs[] = {allowed};
    char err[512];
    roots_t *r = roots_new(dirs, 1, err, sizeof err);
    if (!r)
        fail_msg("roots_new: %s", err);
    return r;
}

static void expect_denied(roots_t *r, const char *path, const char *what)
{
    fspath_t p;
    char err[4096];
    if (fspath_resolve(r, path, &p, err, sizeof err) == 0)
        fail_msg("'%s' was allowed (real %s)", path, p.real);
    if (!strstr(err, what))
        fail_msg("'%s': message '%s' lacks '%s'", path, err, what);
}

static void test_sandbox_paths(void **state)
{
    roots_t *r = make_roots();
    fspath_t p;
    char err[4096], buf[600];
    int fd;
    (void)state;

    assert_int_equal(fspath_resolve(r, "a.txt", &p, err, sizeof err), 0);
    assert_true(p.exists);
    assert_string_equal(p.rel, "a.txt");
    fd = fspath_open(&p, O_RDONLY, 0);
    assert_true(fd >= 0);
    close(fd);
    fspath_free(&p);

    snprintf(buf, sizeof buf, "%s/sub/../in-link", allowed);
    assert_int_equal(fspath_resolve(r, buf, &p, err, sizeof err), 0);
    assert_string_equal(p.rel, "a.txt"); /* the symlink inside resolves to its target */
    fspath_free(&p);

    assert_int_equal(fspath_resolve(r, "sub/new/deeper.txt", &p, err, sizeof err), 0);
    assert_false(p.exists);
    assert_string_equal(p.rel, "sub/new/deeper.txt");
    fspath_free(&p);

    assert_int_equal(fspath_resolve(r, "", &p, err, sizeof err), 0);
    assert_string_equal(p.rel, "");
    fspath_free(&p);

    expect_denied(r, "../outside/secret.txt", "path outside allowed directories");
    snprintf(buf, sizeof buf, "%s/secret.txt", outside);
    expect_denied(r, buf, "path outside allowed directories");
    expect_denied(r, "/etc/passwd", "path outside allowed directories");
    expect_denied(r, "out-link/secret.txt", "symlink target outside allowed directories");
    expect_denied(r, "out-link", "symlink target outside allowed directories");
    expect_denied(r, "out-link/new-file.txt", "symlink target outside allowed directories");
    expect_denied(r, "dangling-out", "symlink target outside allowed directories");
    expect_denied(r, "dangling-in", "dangling symlink");
    snprintf(buf, sizeof buf, "%sX/a.txt", allowed); /* a sibling sharing the prefix */
    expect_denied(r, buf, "path outside allowed directories");
    roots_unref(r);
}

static void test_sandbox_swap(void **state)
{
    /* Checked, then the directory is swapped for a symlink out: the walk must refuse. */
    roots_t *r = make_roots();
    fspath_t p;
    char err[4096];
    int fd;
    (void)state;

    sh("mkdir -p %s/swap && echo x > %s/swap/f.txt && echo y > %s/f.txt", allowed, allowed,
       outside);
    assert_int_equal(fspath_resolve(r, "swap/f.txt", &p, err, sizeof err), 0);
    sh("rm -rf %s/swap && ln -s %s %s/swap", allowed, outside, allowed);
    fd = fspath_open(&p, O_RDONLY, 0);
    assert_int_equal(fd, -1);
    fspath_open_error(&p, errno, "open", err, sizeof err);
    assert_non_null(strstr(err, "Access denied - path changed during access"));
    fspath_free(&p);

    /* The file itself swapped for a symlink. */
    sh("rm %s/swap && mkdir %s/swap2 && echo x > %s/swap2/f.txt", allowed, allowed, allowed);
    assert_int_equal(fspath_resolve(r, "swap2/f.txt", &p, err, sizeof err), 0);
    sh("rm %s/swap2/f.txt && ln -s %s/f.txt %s/swap2/f.txt", allowed, outside, allowed);
    assert_int_equal(fspath_open(&p, O_RDONLY, 0), -1);
    assert_int_equal(errno, ELOOP);
    fspath_free(&p);
    roots_unref(r);
}

static void test_roots(void **state)
{
    json_t *roots;
    roots_t *cur;
    char err[512], *path;
    (void)state;

    path = fs_path_from_file_uri("file:///tmp/a%20b");
    assert_string_equal(path, "/tmp/a b");
    free(path);
    path = fs_path_from_file_uri("file://localhost/x");
    assert_string_equal(path, "/x");
    free(path);
    assert_null(fs_path_from_file_uri("https://example.com/"));
    assert_null(fs_path_from_file_uri("file://otherhost/x"));

    sandbox_replace(make_roots());
    roots = json_pack("[{s:s},{s:s+},{s:s}]", "uri", "https://x/", "uri", "file://", outside, "uri",
                      "file:///does/not/exist");
    assert_int_equal(fs_roots_apply(roots, err, sizeof err), 0);
    cur = sandbox_acquire();
    assert_int_equal(roots_count(cur), 1);
    assert_string_equal(roots_path(cur, 0), outside);
    roots_unref(cur);
    json_decref(roots);

    roots = json_pack("[{s:s}]", "uri", "file:///does/not/exist");
    assert_int_equal(fs_roots_apply(roots, err, sizeof err), -1); /* nothing valid: kept */
    cur = sandbox_acquire();
    assert_string_equal(roots_path(cur, 0), outside);
    roots_unref(cur);
    json_decref(roots);
    sandbox_replace(NULL);
}

/* Client roots only narrow the command-line directories (their intersection). */
static void test_roots_within(void **state)
{
    roots_t *cmdline = make_roots(), *got;
    char err[512], sub[320], sibling[320];
    const char *dirs[3];
    json_t *list;
    (void)state;

    snprintf(sub, sizeof sub, "%s/sub", allowed);
    snprintf(sibling, sizeof sibling, "%sX", allowed); /* shares the prefix, is not inside */
    sh("mkdir -p %s", sibling);

    dirs[0] = outside, dirs[1] = sub, dirs[2] = sibling;
    got = fs_roots_within(roots_new(dirs, 3, err, sizeof err), cmdline, err, sizeof err);
    assert_non_null(got);
    assert_int_equal(roots_count(got), 1);
    assert_string_equal(roots_path(got, 0), sub);
    roots_unref(got);

    dirs[0] = base; /* above: the command-line directory itself */
    got = fs_roots_within(roots_new(dirs, 1, err, sizeof err), cmdline, err, sizeof err);
    assert_int_equal(roots_count(got), 1);
    assert_string_equal(roots_path(got, 0), allowed);
    roots_unref(got);

    dirs[0] = outside, dirs[1] = sibling;
    got = fs_roots_within(roots_new(dirs, 2, err, sizeof err), cmdline, err, sizeof err);
    assert_non_null(got);
    assert_int_equal(roots_count(got), 0);
    roots_unref(got);

    /* fs_client_roots(): narrowed against the current set, unless allowed to replace it. */
    sandbox_replace(cmdline);
    list = json_pack("[{s:s+}]", "uri", "file://", outside);
    got = fs_client_roots(list, err, sizeof err);
    assert_int_equal(roots_count(got), 0);
    roots_unref(got);
    fs_allow_client_roots = true;
    got = fs_client_roots(list, err, sizeof err);
    assert_int_equal(roots_count(got), 1);
    assert_string_equal(roots_path(got, 0), outside);
    roots_unref(got);
    fs_allow_client_roots = false;
    sandbox_replace(NULL);
    got = fs_client_roots(list, err, sizeof err); /* no command-line directories */
    assert_int_equal(roots_count(got), 1);
    roots_unref(got);
    json_decref(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glob_cases),   cmocka_unit_test(test_glob_linear),
        cmocka_unit_test(test_diff_cases),   cmocka_unit_test(test_diff_large),
        cmocka_unit_test(test_format),       cmocka_unit_test(test_sandbox_paths),
        cmocka_unit_test(test_sandbox_swap), cmocka_unit_test(test_roots),
        cmocka_unit_test(test_roots_within),
    };
    return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
