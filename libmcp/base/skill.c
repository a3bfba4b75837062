/*
 * Agent Skills primitives for the skills extension (SEP-2640), shared by its client side
 * (client/skills.c) and anything that builds entries: a SKILL.md's YAML frontmatter read into a
 * JSON object, the skill-name rule, `sha256:{hex}` digests (libcrypto through crypto.c), and a
 * JSON comparison in which numbers compare by value.
 *
 * The frontmatter reader takes the YAML a frontmatter block is written in, not all of YAML: block
 * mappings and sequences by indentation (a sequence may sit at its key's indentation, and a
 * `- key: value` item opens a mapping), plain scalars (continued on more-indented lines, folded
 * with spaces), single- and double-quoted scalars (continued lines folded), literal `|` and
 * folded `>` block scalars with `-`/`+` chomping, flow sequences and mappings `[a, b]` `{k: v}`
 * written on one line, comments. Plain scalars are typed by YAML 1.2's core schema (null, true,
 * false, integers, decimals; .inf and .nan have no JSON form and are refused). Anchors, aliases,
 * tags, directives, complex keys and duplicate keys are refused with a reason: a frontmatter that
 * cannot be read exactly cannot be verified. Nesting is bounded (FM_MAX_DEPTH).
 */
#include "base/base.h"
#include "base/schema/schema.h" /* hex_value() */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>

#define FM_MAX_DEPTH 32

typedef struct fm_line {
    const char *s; /* the text after the indentation */
    size_t len;    /* without the line break */
    int indent;    /* leading spaces */
    bool blank;    /* empty or only a comment */
} fm_line;

typedef struct fm {
    fm_line *lines;
    size_t n;
    char *why;
    size_t why_n;
    bool failed;
} fm;

static void fm_fail(fm *p, size_t line, const char *fmt, ...) MCP_PRINTF(3, 4);
static void fm_fail(fm *p, size_t line, const char *fmt, ...)
{
    va_list ap;
    size_t k;
    if (p->failed)
        return;
    p->failed = true;
    if (!p->why || !p->why_n)
        return;
    k = (size_t)snprintf(p->why, p->why_n, "frontmatter line %zu: ", line + 2);
    if (k >= p->why_n)
        return;
    va_start(ap, fmt);
    vsnprintf(p->why + k, p->why_n - k, fmt, ap);
    va_end(ap);
}

static size_t skip_blank(const fm *p, size_t i)
{
    while (i < p->n && p->lines[i].blank)
        i++;
    return i;
}

/* Length of `s` without a trailing comment (" #...") and trailing spaces; quotes are the
 * caller's business (this is for plain text). */
static size_t plain_len(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
            len = i;
            break;
        }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    return len;
}

/* Plain text may not hold ": " (or end in ':'): YAML reads that as a mapping. */
static bool colon_in_plain(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (s[i] == ':' && (i + 1 == len || s[i + 1] == ' ' || s[i + 1] == '\t'))
            return true;
    return false;
}

static bool is_seq_item(const fm_line *l)
{
    return l->len >= 1 && l->s[0] == '-' && (l->len == 1 || l->s[1] == ' ');
}

/* A plain scalar's JSON value by the core schema. */
static json_t *plain_value(fm *p, size_t line, const char *s, size_t len)
{
    char buf[64], *end;
    size_t i = 0;
    bool digits = false, dot = false, exp = false;

    if (len == 0 || (len == 1 && s[0] == '~') ||
        (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4))))
        return json_null();
    if (len == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4)))
        return json_true();
    if (len == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5)))
        return json_false();
    if (len < sizeof buf) {
        const char *t = s;
        size_t tl = len;
        if (*t == '-' || *t == '+')
            t++, tl--;
        if (tl && t[0] == '.' && tl >= 4 &&
            (!strncmp(t, ".inf", 4) || !strncmp(t, ".Inf", 4) || !strncmp(t, ".INF", 4) ||
             !strncmp(t, ".nan", 4) || !strncmp(t, ".NaN", 4) || !strncmp(t, ".NAN", 4)) &&
            tl == 4) {
            fm_fail(p, line, "%.*s has no JSON form", (int)len, s);
            return NULL;
        }
        if (tl > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'o') && s == t) {
            int base = t[1] == 'x' ? 16 : 8;
            long long v;
            memcpy(buf, t + 2, tl - 2);
            buf[tl - 2] = '\0';
            errno = 0;
            v = strtoll(buf, &end, base);
            if (*end == '\0' && errno == 0 && hex_value(buf[0]) >= 0 && hex_value(buf[0]) < base)
                return json_integer((json_int_t)v);
            return json_stringn(s, len);
        }
        for (i = 0; i < tl; i++) {
            char ch = t[i];
            if (isdigit((unsigned char)ch))
                digits = true;
            else if (ch == '.' && !dot && !exp)
                dot = true;
            else if ((ch == 'e' || ch == 'E') && digits && !exp && i + 1 < tl) {
                exp = true;
                if (t[i + 1] == '-' || t[i + 1] == '+')
                    i++;
                if (i + 1 >= tl)
                    break;
            } else
                break;
        }
        if (i == tl && digits) {
            memcpy(buf, s, len);
            buf[len] = '\0';
            errno = 0;
            if (!dot && !exp) {
                long long v = strtoll(buf, &end, 10);
                if (*end == '\0' && errno == 0)
                    return json_integer((json_int_t)v);
            }
            errno = 0;
            {
                double d = strtod(buf, &end);
                if (*end == '\0' && isfinite(d))
                    return json_real(d);
            }
        }
    }
    return json_stringn(s, len);
}

/* Append `len` bytes to the growing string *out (*n long, *cap allocated). */
static bool sb_add(char **out, size_t *n, size_t *cap, const char *s, size_t len)
{
    if (*n + len + 1 > *cap) {
        size_t c = *cap ? *cap : 64;
        char *t;
        while (c < *n + len + 1)
            c *= 2;
        t = realloc(*out, c);
        if (!t)
            return false;
        *out = t;
        *cap = c;
    }
    memcpy(*out + *n, s, len);
    *n += len;
    (*out)[*n] = '\0';
    return true;
}

static bool add_utf8(char **o, size_t *n, size_t *cap, unsigned long cp)
{
    char b[4];
    size_t k;
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return false;
    if (cp < 0x80) {
        b[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        k = 3;
    } else if (cp <= 0x10FFFF) {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        k = 4;
    } else {
        return false;
    }
    return sb_add(o, n, cap, b, k);
}

/*
 * A quoted scalar starting at lines[*i].s + *pos (the quote). It may continue on the following
 * lines: a line break folds to a space, each empty line between is a "\n". On return *i and
 * *pos point just after the closing quote. NULL after fm_fail.
 */
static json_t *quoted(fm *p, size_t *i, size_t *pos)
{
    const char q = p->lines[*i].s[*pos];
    char *o = NULL;
    size_t on = 0, cap = 0, k = *pos + 1, li = *i;
    bool ok = true;
    json_t *v;

    while (ok) {
        const fm_line *l = &p->lines[li];
        if (k >= l->len) { /* a line break inside the quotes */
            size_t empties = 0;
            while (on && (o[on - 1] == ' ' || o[on - 1] == '\t'))
                on--;
            for (li++; li < p->n && p->lines[li].len == 0; li++)
                empties++;
            if (li >= p->n) {
                fm_fail(p, *i, "unterminated %s-quoted string", q == '"' ? "double" : "single");
                free(o);
                return NULL;
            }
            if (!empties)
                ok = sb_add(&o, &on, &cap, " ", 1);
            while (empties-- > 0 && ok)
                ok = sb_add(&o, &on, &cap, "\n", 1);
            k = 0;
            continue;
        }
        if (l->s[k] == q) {
            if (q == '\'' && k + 1 < l->len && l->s[k + 1] == '\'') {
                ok = sb_add(&o, &on, &cap, "'", 1);
                k += 2;
                continue;
            }
            k++;
            break;
        }
        if (q == '"' && l->s[k] == '\\') {
            static const char map[] = "0\0a\ab\bt\tn\nv\vf\fr\re\033 \040\"\"//\\\\";
            char e;
            size_t m;
            if (k + 1 >= l->len) { /* an escaped line break: the next line joins with no space */
                if (++li >= p->n) {
                    fm_fail(p, *i, "unterminated double-quoted string");
                    free(o);
                    return NULL;
                }
                k = 0;
                continue;
            }
            e = l->s[k + 1];
            for (m = 0; m + 1 < sizeof map; m += 2)
                if (map[m] == e)
                    break;
            if (m + 1 < sizeof map) {
                ok = sb_add(&o, &on, &cap, &map[m + 1], 1);
                k += 2;
                continue;
            }
            if (e == 'x' || e == 'u' || e == 'U') {
                size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8, d;
                unsigned long cp = 0;
                for (d = 0; d < digits; d++) {
                    int h = k + 2 + d < l->len ? hex_value(l->s[k + 2 + d]) : -1;
                    if (h < 0)
                        break;
                    cp = cp * 16 + (unsigned long)h;
                }
                if (d == digits && add_utf8(&o, &on, &cap, cp)) {
                    k += 2 + digits;
                    continue;
                }
            }
            fm_fail(p, li, "unknown escape \\%c in a double-quoted string", e);
            free(o);
            return NULL;
        }
        ok = sb_add(&o, &on, &cap, &l->s[k], 1);
        k++;
    }
    if (!ok) {
        fm_fail(p, li, "out of memory");
        free(o);
        return NULL;
    }
    v = json_stringn(o ? o : "", on);
    free(o);
    if (!v)
        fm_fail(p, li, "not UTF-8");
    *i = li;
    *pos = k;
    return v;
}

/* The rest of line `i` after `pos` must be empty or a comment. */
static bool rest_empty(fm *p, size_t i, size_t pos)
{
    const fm_line *l = &p->lines[i];
    while (pos < l->len && (l->s[pos] == ' ' || l->s[pos] == '\t'))
        pos++;
    if (pos < l->len && l->s[pos] != '#') {
        fm_fail(p, i, "unexpected text after a quoted value: %.*s", (int)(l->len - pos),
                l->s + pos);
        return false;
    }
    return true;
}

/* ---- flow collections ([a, b], {k: v}) on one line ------------------------------------------ */

static json_t *flow_value(fm *p, size_t line, const char *s, size_t len, size_t *k, int depth);

static void flow_ws(const char *s, size_t len, size_t *k)
{
    while (*k < len && (s[*k] == ' ' || s[*k] == '\t'))
        (*k)++;
}

static json_t *flow_scalar(fm *p, size_t line, const char *s, size_t len, size_t *k, bool key)
{
    size_t st = *k, e;
    if (s[st] == '"' || s[st] == '\'') { /* one-line quoted: reuse quoted() on a view */
        fm_line one = {s, len, 0, false};
        fm sub = {&one, 1, p->why, p->why_n, false};
        size_t li = 0, pos = st;
        json_t *v = quoted(&sub, &li, &pos);
        if (!v)
            p->failed = true;
        *k = pos;
        return v;
    }
    while (*k < len && s[*k] != ',' && s[*k] != ']' && s[*k] != '}' &&
           !(key && s[*k] == ':' && (*k + 1 >= len || s[*k + 1] == ' ')))
        (*k)++;
    e = *k;
    while (e > st && (s[e - 1] == ' ' || s[e - 1] == '\t'))
        e--;
    return key ? json_stringn(s + st, e - st) : plain_value(p, line, s + st, e - st);
}

static json_t *flow_value(fm *p, size_t line, const char *s, size_t len, size_t *k, int depth)
{
    char open, close;
    json_t *v;
    flow_ws(s, len, k);
    if (*k >= len) {
        fm_fail(p, line, "unterminated flow collection");
        return NULL;
    }
    if (s[*k] != '[' && s[*k] != '{')
        return flow_scalar(p, line, s, len, k, false);
    if (depth >= FM_MAX_DEPTH) {
        fm_fail(p, line, "nested deeper than %d levels", FM_MAX_DEPTH);
        return NULL;
    }
    open = s[*k];
    close = open == '[' ? ']' : '}';
    v = open == '[' ? json_array() : json_object();
    (*k)++;
    for (;;) {
        json_t *key = NULL, *item;
        flow_ws(s, len, k);
        if (*k < len && s[*k] == close) {
            (*k)++;
            return v;
        }
        if (*k >= len)
            break;
        if (open == '{') {
            key = flow_scalar(p, line, s, len, k, true);
            flow_ws(s, len, k);
            if (!key || *k >= len || s[*k] != ':') {
                json_decref(key);
                break;
            }
            (*k)++;
            flow_ws(s, len, k);
            if (*k < len && (s[*k] == ',' || s[*k] == '}'))
                item = json_null();
            else
                item = flow_value(p, line, s, len, k, depth + 1);
            if (!item || json_object_get(v, json_string_value(key))) {
                if (item)
                    fm_fail(p, line, "duplicate key %s", json_string_value(key));
                json_decref(item);
                json_decref(key);
                json_decref(v);
                return NULL;
            }
            json_object_set_new(v, json_string_value(key), item);
            json_decref(key);
        } else {
            item = flow_value(p, line, s, len, k, depth + 1);
            if (!item) {
                json_decref(v);
                return NULL;
            }
            json_array_append_new(v, item);
        }
        flow_ws(s, len, k);
        if (*k < len && s[*k] == ',') {
            (*k)++;
            continue;
        }
        if (*k < len && s[*k] == close) {
            (*k)++;
            return v;
        }
        break;
    }
    json_decref(v);
    fm_fail(p, line, "malformed flow collection (it must open and close on one line)");
    return NULL;
}

/* ---- block structure --------------------------------------------------------------------------
 */

static json_t *block(fm *p, size_t *i, int min_indent, int depth);

/* A block scalar (| or >, header at line *i after `pos`) whose lines are indented more than
 * `parent`. */
static json_t *block_scalar(fm *p, size_t *i, size_t pos, int parent)
{
    const fm_line *h = &p->lines[*i];
    char style = h->s[pos], chomp = 'c';
    int ind = -1;
    size_t k = pos + 1, li, last_text = 0, n = 0, cap = 0;
    char *o = NULL;
    bool have_text = false, prev_more = false, ok = true;
    json_t *v;

    for (; k < h->len && h->s[k] != ' ' && h->s[k] != '#'; k++) {
        if (h->s[k] == '-' || h->s[k] == '+')
            chomp = h->s[k];
        else if (h->s[k] >= '1' && h->s[k] <= '9')
            ind = parent + (h->s[k] - '0');
        else {
            fm_fail(p, *i, "bad block scalar header");
            return NULL;
        }
    }
    if (!rest_empty(p, *i, k))
        return NULL;
    for (li = *i + 1; li < p->n && ok; li++) {
        const fm_line *l = &p->lines[li];
        bool more;
        int extra;
        if (l->len == 0) {
            ok = sb_add(&o, &n, &cap, "\n", 1);
            continue;
        }
        if (ind < 0 && l->indent > parent)
            ind = l->indent;
        if (ind < 0 || l->indent < ind)
            break;
        more = l->indent > ind;
        if (style == '>' && have_text && !more && !prev_more) {
            if (n == last_text + 1)
                o[n - 1] = ' '; /* a single line break between two lines folds to a space */
            else {              /* line breaks before empty lines: the first one goes */
                memmove(o + last_text, o + last_text + 1, n - last_text - 1);
                n--;
            }
        }
        for (extra = l->indent - ind; extra > 0 && ok; extra--)
            ok = sb_add(&o, &n, &cap, " ", 1);
        ok = ok && sb_add(&o, &n, &cap, l->s, l->len);
        last_text = n;
        ok = ok && sb_add(&o, &n, &cap, "\n", 1);
        have_text = true;
        prev_more = more;
    }
    *i = li;
    if (!ok) {
        free(o);
        fm_fail(p, li - 1, "out of memory");
        return NULL;
    }
    if (chomp == '-')
        while (n && o[n - 1] == '\n')
            n--;
    if (chomp == 'c')
        n = have_text ? last_text + 1 : 0;
    v = json_stringn(o ? o : "", n);
    free(o);
    if (!v)
        fm_fail(p, li - 1, "not UTF-8");
    return v;
}

/*
 * The value that follows a key's ':' (or a sequence item's '-') at column `pos` of line *i, for
 * a node indented `indent`. On return *i is the next line to read.
 */
static json_t *node_value(fm *p, size_t *i, size_t pos, int indent, int depth, bool in_map)
{
    const fm_line *l = &p->lines[*i];
    size_t len = plain_len(l->s, l->len);
    char c;

    while (pos < len && (l->s[pos] == ' ' || l->s[pos] == '\t'))
        pos++;
    if (pos >= len) { /* the value is on the following lines, or null */
        size_t j = skip_blank(p, *i + 1);
        (*i)++;
        if (j < p->n && p->lines[j].indent > indent)
            return block(p, i, indent + 1, depth + 1);
        if (j < p->n && in_map && p->lines[j].indent == indent && is_seq_item(&p->lines[j]))
            return block(p, i, indent, depth + 1); /* a sequence at its key's indentation */
        return json_null();
    }
    c = l->s[pos];
    if (c == '&' || c == '*' || c == '!' || c == '%' || c == '@' || c == '`' || c == '?') {
        fm_fail(p, *i, "anchors, aliases, tags and directives are not supported");
        return NULL;
    }
    if (c == '|' || c == '>')
        return block_scalar(p, i, pos, indent);
    if (c == '"' || c == '\'') {
        json_t *v = quoted(p, i, &pos);
        if (v && !rest_empty(p, *i, pos)) {
            json_decref(v);
            return NULL;
        }
        (*i)++;
        return v;
    }
    if (c == '[' || c == '{') {
        size_t k = pos;
        json_t *v = flow_value(p, *i, l->s, len, &k, depth);
        if (v && k != len) {
            fm_fail(p, *i, "unexpected text after a flow collection");
            json_decref(v);
            return NULL;
        }
        (*i)++;
        return v;
    }
    {
        /* a plain scalar, continued on more-indented lines (folded with spaces; an empty line
         * between them is a line break) */
        size_t j = *i + 1, n = 0, cap = 0;
        char *o = NULL;
        json_t *v;
        int pending_breaks = 0;
        bool multi = false;
        if (colon_in_plain(l->s + pos, len - pos)) {
            fm_fail(p, *i, "a mapping is not allowed in a plain value (quote it)");
            return NULL;
        }
        sb_add(&o, &n, &cap, l->s + pos, len - pos);
        for (;;) {
            const fm_line *m;
            if (j >= p->n)
                break;
            m = &p->lines[j];
            if (m->len == 0) {
                pending_breaks++;
                j++;
                continue;
            }
            if (m->blank || m->indent <= indent)
                break;
            {
                size_t ml = plain_len(m->s, m->len);
                if (colon_in_plain(m->s, ml)) {
                    fm_fail(p, j, "a mapping is not allowed in a plain value (quote it)");
                    free(o);
                    return NULL;
                }
                if (pending_breaks)
                    while (pending_breaks-- > 0)
                        sb_add(&o, &n, &cap, "\n", 1);
                else
                    sb_add(&o, &n, &cap, " ", 1);
                pending_breaks = 0;
                sb_add(&o, &n, &cap, m->s, ml);
                multi = true;
            }
            j++;
        }
        *i = multi ? j : *i + 1;
        if (!o) {
            fm_fail(p, *i, "out of memory");
            return NULL;
        }
        v = multi ? json_stringn(o, n) : plain_value(p, *i - 1, o, n);
        free(o);
        if (!v && !p->failed)
            fm_fail(p, *i - 1, "not UTF-8");
        return v;
    }
}

/* Where the key of line `l` ends (the ':' position), or (size_t)-1; a quoted key is read. */
static size_t key_end(const fm_line *l)
{
    size_t k = 0;
    if (l->len && (l->s[0] == '"' || l->s[0] == '\'')) {
        char q = l->s[0];
        for (k = 1; k < l->len; k++) {
            if (l->s[k] == '\\' && q == '"') {
                k++;
                continue;
            }
            if (l->s[k] == q) {
                if (q == '\'' && k + 1 < l->len && l->s[k + 1] == '\'') {
                    k++;
                    continue;
                }
                break;
            }
        }
        k++;
        while (k < l->len && l->s[k] == ' ')
            k++;
        return k < l->len && l->s[k] == ':' && (k + 1 == l->len || l->s[k + 1] == ' ') ? k
                                                                                       : (size_t)-1;
    }
    for (k = 0; k < l->len; k++) {
        if (l->s[k] == '#' && (k == 0 || l->s[k - 1] == ' '))
            break;
        if (l->s[k] == ':' && (k + 1 == l->len || l->s[k + 1] == ' ' || l->s[k + 1] == '\t'))
            return k;
    }
    return (size_t)-1;
}

static json_t *mapping(fm *p, size_t *i, int indent, int depth)
{
    json_t *map = json_object();
    while (!p->failed) {
        size_t j = skip_blank(p, *i), ke, kl;
        const fm_line *l;
        json_t *key, *val;
        if (j >= p->n || p->lines[j].indent < indent)
            break;
        *i = j;
        l = &p->lines[j];
        if (l->indent > indent) {
            fm_fail(p, j, "unexpected indentation");
            break;
        }
        if (is_seq_item(l))
            break; /* a sequence at its key's indentation ends here */
        ke = key_end(l);
        if (ke == (size_t)-1) {
            fm_fail(p, j, "expected 'key: value'");
            break;
        }
        if (l->s[0] == '"' || l->s[0] == '\'') {
            size_t li = j, pos = 0;
            key = quoted(p, &li, &pos);
        } else {
            kl = ke;
            while (kl && l->s[kl - 1] == ' ')
                kl--;
            if (kl && strchr("&*!%@`?[]{}", l->s[0])) {
                fm_fail(p, j, "unsupported key %.*s", (int)kl, l->s);
                break;
            }
            key = json_stringn(l->s, kl);
        }
        if (!key) {
            fm_fail(p, j, "bad key");
            break;
        }
        if (json_object_get(map, json_string_value(key))) {
            fm_fail(p, j, "duplicate key %s", json_string_value(key));
            json_decref(key);
            break;
        }
        val = node_value(p, i, ke + 1, indent, depth, true);
        if (val)
            json_object_set_new(map, json_string_value(key), val);
        json_decref(key);
    }
    if (p->failed) {
        json_decref(map);
        return NULL;
    }
    return map;
}

static json_t *sequence(fm *p, size_t *i, int indent, int depth)
{
    json_t *seq = json_array();
    while (!p->failed) {
        size_t j = skip_blank(p, *i), pos = 1;
        fm_line *l;
        json_t *val;
        if (j >= p->n || p->lines[j].indent < indent)
            break;
        *i = j;
        l = &p->lines[j];
        if (l->indent > indent || !is_seq_item(l)) {
            if (l->indent == indent)
                break; /* the parent mapping's next key */
            fm_fail(p, j, "unexpected indentation in a sequence");
            break;
        }
        while (pos < l->len && l->s[pos] == ' ')
            pos++;
        if (pos < l->len && l->s[pos] != '#') {
            fm_line item = {l->s + pos, l->len - pos, l->indent + (int)pos, false};
            if (key_end(&item) != (size_t)-1 || is_seq_item(&item)) {
                /* "- key: value" (or "- - x"): the item is a block starting at this column */
                *l = item;
                val = block(p, i, l->indent, depth + 1);
            } else {
                val = node_value(p, i, pos, indent, depth, false);
            }
        } else {
            val = node_value(p, i, pos, indent, depth, false);
        }
        if (val)
            json_array_append_new(seq, val);
    }
    if (p->failed) {
        json_decref(seq);
        return NULL;
    }
    return seq;
}

/* A block node whose first line (after blanks) is indented at least `min_indent`. */
static json_t *block(fm *p, size_t *i, int min_indent, int depth)
{
    size_t j = skip_blank(p, *i);
    if (depth > FM_MAX_DEPTH) {
        fm_fail(p, j < p->n ? j : p->n - 1, "nested deeper than %d levels", FM_MAX_DEPTH);
        return NULL;
    }
    if (j >= p->n || p->lines[j].indent < min_indent)
        return json_null();
    *i = j;
    if (is_seq_item(&p->lines[j]))
        return sequence(p, i, p->lines[j].indent, depth);
    return mapping(p, i, p->lines[j].indent, depth);
}

int mcp__frontmatter_parse(const char *text, size_t len, json_t **out, size_t *body, char *why,
                           size_t why_n)
{
    const char *s = text, *e = text + len, *start, *close = NULL;
    fm p;
    size_t nl = 0, k;
    json_t *v;

    *out = NULL;
    if (why && why_n)
        why[0] = '\0';
    if (len >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
        (unsigned char)s[2] == 0xBF)
        s += 3;
    if (e - s < 3 || memcmp(s, "---", 3) != 0)
        goto nofm;
    s += 3;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    if (s < e && *s == '\r')
        s++;
    if (s >= e || *s != '\n')
        goto nofm;
    start = ++s;
    /* the closing "---" line */
    while (s < e) {
        const char *eol = memchr(s, '\n', (size_t)(e - s));
        const char *le = eol ? eol : e, *t = s + 3;
        if (le - s >= 3 && memcmp(s, "---", 3) == 0) {
            while (t < le && (*t == ' ' || *t == '\t' || *t == '\r'))
                t++;
            if (t == le) {
                close = s;
                if (body)
                    *body = (size_t)((eol ? eol + 1 : e) - text);
                break;
            }
        }
        nl++;
        s = eol ? eol + 1 : e;
    }
    if (!close) {
        if (why && why_n)
            snprintf(why, why_n, "the frontmatter's closing --- line is missing");
        return MCP_EPARSE;
    }
    if (memchr(start, '\0', (size_t)(close - start))) {
        if (why && why_n)
            snprintf(why, why_n, "the frontmatter contains a NUL byte");
        return MCP_EPARSE;
    }
    memset(&p, 0, sizeof p);
    p.why = why;
    p.why_n = why_n;
    p.lines = calloc(nl ? nl : 1, sizeof *p.lines);
    if (!p.lines)
        return MCP_ENOMEM;
    for (s = start, k = 0; s < close; k++) {
        const char *eol = memchr(s, '\n', (size_t)(close - s));
        fm_line *l = &p.lines[k];
        size_t ll = (size_t)(eol - s);
        if (ll && s[ll - 1] == '\r')
            ll--;
        while (l->indent < (int)ll && s[l->indent] == ' ')
            l->indent++;
        if (l->indent < (int)ll && s[l->indent] == '\t') {
            fm_fail(&p, k, "a tab in indentation");
            break;
        }
        l->s = s + l->indent;
        l->len = ll - (size_t)l->indent;
        l->blank = l->len == 0 || l->s[0] == '#';
        s = eol + 1;
    }
    p.n = nl;
    v = NULL;
    if (!p.failed) {
        size_t i = 0, j;
        v = block(&p, &i, 0, 0);
        j = skip_blank(&p, i);
        if (!p.failed && j < p.n)
            fm_fail(&p, j, "unexpected text");
        if (!p.failed && v && json_is_null(v)) {
            json_decref(v);
            v = json_object(); /* an empty frontmatter */
        }
        if (!p.failed && v && !json_is_object(v))
            fm_fail(&p, 0, "the frontmatter is not a mapping");
    }
    free(p.lines);
    if (p.failed || !v) {
        json_decref(v);
        if (!p.failed && why && why_n)
            snprintf(why, why_n, "out of memory");
        return p.failed ? MCP_EPARSE : MCP_ENOMEM;
    }
    *out = v;
    return MCP_OK;
nofm:
    if (why && why_n)
        snprintf(why, why_n, "the file does not begin with a --- frontmatter line");
    return MCP_EPARSE;
}

bool mcp__skill_name_ok(const char *name, size_t len)
{
    size_t i;
    if (len < 1 || len > 64 || name[0] == '-' || name[len - 1] == '-')
        return false;
    for (i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
        if (c == '-' && i + 1 < len && name[i + 1] == '-')
            return false;
    }
    return true;
}

bool mcp__skill_path_ok(const char *path)
{
    for (;;) {
        const char *e = strchr(path, '/');
        size_t len = e ? (size_t)(e - path) : strlen(path);
        if (len == 0 || (len == 1 && path[0] == '.') ||
            (len == 2 && path[0] == '.' && path[1] == '.'))
            return false;
        if (!e)
            return true;
        path = e + 1;
    }
}

int mcp__skill_digest(const void *data, size_t len, char out[MCP__SKILL_DIGEST_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    size_t i;
    int rc = mcp__sha256_once(data, len, md);
    if (rc != MCP_OK)
        return rc;
    memcpy(out, "sha256:", 7);
    for (i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[8 + 2 * i] = hex[md[i] & 15];
    }
    out[MCP__SKILL_DIGEST_LEN] = '\0';
    return MCP_OK;
}

bool mcp__skill_digest_ok(const char *s)
{
    size_t i;
    if (!s || strncmp(s, "sha256:", 7) != 0 || strlen(s) != MCP__SKILL_DIGEST_LEN)
        return false;
    for (i = 7; i < MCP__SKILL_DIGEST_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

bool mcp__json_same(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b) &&
               (!json_is_integer(a) || !json_is_integer(b) ||
                json_integer_value(a) == json_integer_value(b));
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        if (json_object_size(a) != json_object_size(b))
            return false;
        json_object_foreach((json_t *)a, k, v)
        {
            if (!mcp__json_same(v, json_object_get(b, k)))
                return false;
        }
        return true;
    }
    if (json_is_array(a) && json_is_array(b)) {
        size_t i;
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (i = 0; i < json_array_size(a); i++)
            if (!mcp__json_same(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    return json_equal((json_t *)a, (json_t *)b) == 1;
}
