/*
 * mcp-filesystem: glob patterns with the semantics the reference server gets from
 * minimatch(path, pattern, {dot: true}), for '/'-separated relative paths:
 *
 *   *        any run of characters inside one path segment (dot files included)
 *   ?        one character (not '/')
 *   [a-z] [!x] [^x] [[:alpha:]]   one character from a class
 *   **       as a whole segment: any number of segments (zero included, except at the end
 *            of the pattern, where it needs at least one: "a" followed by it matches
 *            paths below a, not a itself)
 *   {a,b}    alternatives (nested allowed; a group without ',' is literal)
 *   \x       the character x
 *   !pat     (leading) matches what pat does not
 *
 * Matching is case-sensitive. Extended globs such as +(a|b) are not supported (taken literally).
 * A match costs O(pattern length x path length) per brace expansion (at most MAX_EXPANSIONS), so
 * no pattern can make a search stall.
 */
#include "fs.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXPANSIONS   256
#define MAX_PATTERN_SEGS 128 /* segments looked at; the rest are ignored */
#define MAX_PATH_SEGS    256

/* ---- one segment -------------------------------------------------------------------------- */

/* Match a bracket expression at p (just after '['); sets *end after ']'. Returns -1 when the
 * bracket is not closed (then '[' is literal), else 1 on match, 0 on no match. */
static int match_class(const char *p, const char *pend, char c, const char **end)
{
    bool neg = false, ok = false;
    const char *q = p;
    if (q < pend && (*q == '!' || *q == '^')) {
        neg = true;
        q++;
    }
    if (q < pend && *q == ']') { /* a leading ']' is literal */
        ok |= c == ']';
        q++;
    }
    while (q < pend && *q != ']') {
        if (*q == '[' && q + 1 < pend && q[1] == ':') {
            static const struct {
                const char *name;
                int (*fn)(int);
            } classes[] = {{"alpha", isalpha}, {"digit", isdigit},  {"alnum", isalnum},
                           {"upper", isupper}, {"lower", islower},  {"space", isspace},
                           {"punct", ispunct}, {"xdigit", isxdigit}};
            const char *close = q + 2;
            size_t i, n;
            while (close + 1 < pend && !(close[0] == ':' && close[1] == ']'))
                close++;
            if (close + 1 < pend) {
                n = (size_t)(close - (q + 2));
                for (i = 0; i < sizeof classes / sizeof *classes; i++)
                    if (strlen(classes[i].name) == n && strncmp(classes[i].name, q + 2, n) == 0)
                        ok |= classes[i].fn((unsigned char)c) != 0;
                q = close + 2;
                continue;
            }
        }
        {
            char lo = *q, hi;
            if (lo == '\\' && q + 1 < pend)
                lo = *++q;
            hi = lo;
            if (q + 2 < pend && q[1] == '-' && q[2] != ']') {
                hi = q[2];
                if (hi == '\\' && q + 3 < pend) {
                    hi = q[3];
                    q++;
                }
                q += 2;
            }
            if ((unsigned char)c >= (unsigned char)lo && (unsigned char)c <= (unsigned char)hi)
                ok = true;
            q++;
        }
    }
    if (q >= pend)
        return -1;
    *end = q + 1;
    return ok != neg;
}

/* Match one pattern segment [p, pend) against one path segment [s, send). */
static bool match_segment(const char *p, const char *pend, const char *s, const char *send)
{
    const char *star_p = NULL, *star_s = NULL;
    while (s < send) {
        if (p < pend && *p == '*') {
            while (p < pend && *p == '*')
                p++;
            star_p = p;
            star_s = s;
            continue;
        }
        if (p < pend) {
            if (*p == '?') {
                p++;
                s++;
                continue;
            }
            if (*p == '[') {
                const char *end;
                int m = match_class(p + 1, pend, *s, &end);
                if (m == 1) {
                    p = end;
                    s++;
                    continue;
                }
                if (m == -1 && *s == '[') {
                    p++;
                    s++;
                    continue;
                }
            } else {
                const char *lit = p;
                if (*lit == '\\' && lit + 1 < pend)
                    lit++;
                if (*lit == *s) {
                    p = lit + 1;
                    s++;
                    continue;
                }
            }
        }
        if (!star_p)
            return false;
        p = star_p; /* backtrack: let the last '*' take one more character */
        s = ++star_s;
    }
    while (p < pend && *p == '*')
        p++;
    return p == pend;
}

/* ---- segments and globstar ---------------------------------------------------------------- */

typedef struct seg {
    const char *s, *e;
} seg_t;

static size_t split(const char *str, seg_t *out, size_t max)
{
    size_t n = 0;
    const char *p = str;
    for (;;) {
        const char *slash = strchr(p, '/');
        const char *e = slash ? slash : p + strlen(p);
        if (n < max && (e > p || !slash)) /* skip empty segments from "//" */
            out[n++] = (seg_t){p, e};
        if (!slash)
            break;
        p = slash + 1;
    }
    return n;
}

static bool is_globstar(seg_t g)
{
    return g.e - g.s == 2 && g.s[0] == '*' && g.s[1] == '*';
}

/* Follow the globstars in `on`: a "**" that is not the pattern's last segment may match no
 * segment, so where it is reached the segment after it is reached too. */
static void globstar_closure(const seg_t *pat, size_t np, bool *on)
{
    size_t i;
    for (i = 0; i + 1 < np; i++)
        if (on[i] && is_globstar(pat[i]))
            on[i + 1] = true;
}

/*
 * Match path segments against pattern segments in O(np x ns) segment matches: the set of pattern
 * positions the path prefix can have reached is carried along the path (an NFA run over the
 * pattern), instead of trying every way to split the path among the globstars. Position np means
 * the whole pattern matched. A "**" takes any segment and stays; a trailing "**" (after
 * collapsing "**" / "**") must take at least one segment, so taking one also reaches the end.
 */
static bool match_segs(const seg_t *pat, size_t np, const seg_t *path, size_t ns)
{
    bool a[MAX_PATTERN_SEGS + 1], b[MAX_PATTERN_SEGS + 1], *cur = a, *next = b, *t;
    size_t i, k;

    memset(a, 0, sizeof a);
    cur[0] = true;
    globstar_closure(pat, np, cur);
    for (k = 0; k < ns; k++) {
        bool any = false;
        memset(next, 0, (np + 1) * sizeof *next);
        for (i = 0; i < np; i++) {
            if (!cur[i])
                continue;
            if (is_globstar(pat[i])) {
                next[i] = true;
                if (i + 1 == np)
                    next[np] = true;
            } else if (match_segment(pat[i].s, pat[i].e, path[k].s, path[k].e)) {
                next[i + 1] = true;
            }
        }
        globstar_closure(pat, np, next);
        for (i = 0; i <= np && !any; i++)
            any = next[i];
        if (!any)
            return false;
        t = cur;
        cur = next;
        next = t;
    }
    return cur[np];
}

static bool match_one(const char *pattern, const char *path)
{
    seg_t pat[MAX_PATTERN_SEGS], segs[MAX_PATH_SEGS];
    size_t np = split(pattern, pat, MAX_PATTERN_SEGS), ns = split(path, segs, MAX_PATH_SEGS);
    return match_segs(pat, np, segs, ns);
}

/* ---- braces ------------------------------------------------------------------------------- */

/* Expand the first top-level {a,b} group of `p` and recurse; calls match_one on each result. */
static bool expand_match(const char *p, const char *path, int *budget)
{
    const char *open = NULL, *q;
    int depth = 0;
    bool comma = false;

    if (--*budget < 0)
        return false;
    for (q = p; *q; q++) {
        if (*q == '\\' && q[1]) {
            q++;
            continue;
        }
        if (*q == '{') {
            if (depth++ == 0) {
                open = q;
                comma = false;
            }
        } else if (*q == '}' && depth > 0) {
            if (--depth == 0) {
                if (comma)
                    break;
                open = NULL; /* "{x}" without a comma is literal */
            }
        } else if (*q == ',' && depth == 1) {
            comma = true;
        }
    }
    if (!open || !*q)
        return match_one(p, path);
    {
        const char *close = q, *alt = open + 1, *r;
        size_t pre = (size_t)(open - p), post = strlen(close + 1);
        depth = 0;
        for (r = open + 1; r <= close; r++) {
            if (*r == '\\' && r[1]) {
                r++;
                continue;
            }
            if (*r == '{')
                depth++;
            else if (*r == '}' && depth > 0)
                depth--;
            else if ((*r == ',' && depth == 0) || r == close) {
                size_t n = (size_t)(r - alt);
                char *cand = malloc(pre + n + post + 1);
                bool m;
                if (!cand)
                    return false;
                memcpy(cand, p, pre);
                memcpy(cand + pre, alt, n);
                memcpy(cand + pre + n, close + 1, post + 1);
                m = expand_match(cand, path, budget);
                free(cand);
                if (m)
                    return true;
                alt = r + 1;
            }
        }
    }
    return false;
}

bool glob_match(const char *pattern, const char *path)
{
    int budget = MAX_EXPANSIONS;
    bool neg = false;
    while (*pattern == '!') {
        neg = !neg;
        pattern++;
    }
    if (pattern[0] == '.' && pattern[1] == '/')
        pattern += 2;
    if (*pattern && pattern[strlen(pattern) - 1] == '/') /* names a directory "x/": paths here */
        return neg;                                      /* never end in '/' */
    return expand_match(pattern, path, &budget) != neg;
}
