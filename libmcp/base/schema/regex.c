/*
 * JSON Schema patterns. They are ECMA-262 regexes; they are translated to POSIX EREs for
 * regcomp()/regexec() (REG_EXTENDED | REG_NOSUB, so lazy quantifiers and non-capturing groups
 * need no special care, and regexec() already searches like ECMA's test()). In the C locale
 * regexec() sees bytes, so `.` and negated classes are written to consume a whole UTF-8
 * sequence. Features with no ERE equivalent (lookaround, back-references, \b, Unicode property
 * escapes, non-ASCII ranges in classes, very large repetitions) make a pattern "not checkable":
 * it is accepted and always passes.
 *
 * The rest of the schema code sees only mcp__schema_regex_compile/_match/_free (schema.h).
 */
#include "schema.h"

#include <regex.h>

#define RX_MAX_COST   5000 /* estimated size of a translated pattern once regcomp expands it */
#define RX_MAX_GROUPS 32   /* nested groups in a pattern */
#define RX_UNBOUNDED  ((unsigned long)-1)

struct mcp__schema_regex {
    regex_t re; /* the translated pattern, compiled */
};

/* ---- UTF-8 output ------------------------------------------------------------------------- */

/* Code point c as UTF-8 in out: its length. */
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

/* ---- translation: ECMA-262 regex -> POSIX ERE --------------------------------------------- */

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
    const char *s, *end;            /* the ECMA source still to read */
    sbuf *out;                      /* the ERE */
    bool bytewise;                  /* single-byte locale: regexec() sees bytes, not characters */
    const char *why;                /* the reason for RX_UNSUPPORTED / RX_INVALID */
    size_t atom;                    /* cost of the last atom; 0 when nothing may be repeated */
    int depth;                      /* open groups */
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
    size_t n = mcp__schema_utf8_decode((const unsigned char *)r->s, (size_t)(r->end - r->s), c);
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
    if (*c >= 0xD800 && *c <= 0xDBFF && r->end - r->s >= 6 && r->s[0] == '\\' && r->s[1] == 'u' &&
        hex4(r->s + 2, r->end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
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

/* ---- compile, match, free ----------------------------------------------------------------- */

int mcp__schema_regex_compile(const char *pat, size_t len, mcp__schema_regex **out, char *why,
                              size_t why_size)
{
    mcp__schema_regex *re = NULL;
    sbuf ere;
    rx r;
    int rc, e;

    *out = NULL;
    sb_init(&ere);
    memset(&r, 0, sizeof r);
    r.s = pat;
    r.end = pat + len;
    r.out = &ere;
    r.bytewise = MB_CUR_MAX == 1;
    rc = rx_translate(&r);
    if (rc == RX_OK && !(re = malloc(sizeof *re)))
        rc = rx_stop(&r, RX_UNSUPPORTED, "out of memory");
    if (rc == RX_OK) {
        e = regcomp(&re->re, ere.p, REG_EXTENDED | REG_NOSUB);
        if (e == REG_ESPACE) {
            rc = rx_stop(&r, RX_UNSUPPORTED, "pattern too large");
        } else if (e != 0) {
            rc = RX_INVALID;
            r.why = NULL;
            if (why && why_size)
                regerror(e, &re->re, why, why_size);
        }
    }
    if (rc != RX_OK && r.why && why && why_size)
        snprintf(why, why_size, "%s", r.why);
    if (rc == RX_OK)
        *out = re;
    else
        free(re); /* regcomp() failed: nothing to regfree() */
    sb_free(&ere);
    return rc;
}

bool mcp__schema_regex_match(const mcp__schema_regex *re, const char *s, size_t len)
{
#ifdef REG_STARTEND
    regmatch_t m[1];
    m[0].rm_so = 0;
    m[0].rm_eo = (regoff_t)len;
    return regexec(&re->re, s, 1, m, REG_STARTEND) == 0;
#else
    (void)len;
    return regexec(&re->re, s, 0, NULL, 0) == 0;
#endif
}

void mcp__schema_regex_free(mcp__schema_regex *re)
{
    if (re) {
        regfree(&re->re);
        free(re);
    }
}

/* Is `pat` acceptable in a schema? Untranslatable-but-valid patterns are (they always pass);
 * syntax errors are not. MCP_OK or MCP_ESCHEMA with the reason in why. */
int mcp__schema_pattern_check(const char *pat, size_t len, char *why, size_t why_size)
{
    mcp__schema_regex *re;
    int rc = mcp__schema_regex_compile(pat, len, &re, why, why_size);

    mcp__schema_regex_free(re);
    return rc == RX_INVALID ? MCP_ESCHEMA : MCP_OK;
}
