/*
 * RFC 6570 URI templates (levels 1-4): syntax check, expansion, and matching (the inverse of
 * expansion, used to route resources/read to a resource template).
 *
 * A template is scanned into parts: literal runs and expressions (an operator plus a list of
 * varspecs). Every entry point scans first, so a bad template never expands or matches.
 *
 * Expansion follows RFC 6570 appendix A. Numbers and booleans become text, JSON arrays are lists,
 * objects are associative arrays; null, missing, empty lists and empty objects are undefined, and
 * so are null or nested members of a list or map.
 *
 * Matching never backtracks. Every part is compiled into a small NFA over bytes. A literal
 * matches byte for byte, except that %XX matches in either case and a non-ASCII byte also matches
 * its %XX form. An expression is lenient: a value may hold any byte its operator does not use as
 * structure ({var}, {.var}, {/var}: not '/', '?', '#'; {;var}: not ';', '/', '?', '#';
 * {?var}, {&var}: not '&', '#'; {+var}, {#var}: anything). A backward pass computes, for every
 * part i and URI offset p, whether parts i.. can match uri[p..]; a forward pass gives each
 * expression the shortest non-empty span that lets the rest match (the empty span only when
 * nothing else does), and the values are then read out of that span. Time is
 * O(strlen(uri) * template length), memory one bit per (part, offset) pair.
 */
#include "base/base.h"

#include <limits.h>
#include <locale.h>
#include <stdint.h>

/* ---- characters ------------------------------------------------------------------------ */

static bool is_alpha(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

static int hex_value(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return c - 'a' + 10;
}

/* RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~" */
static bool is_unreserved(unsigned char c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 reserved: gen-delims / sub-delims */
static bool is_reserved(unsigned char c)
{
    return c != '\0' && strchr(":/?#[]@!$&'()*+,;=", c) != NULL;
}

/* ASCII characters RFC 6570 allows in a template literal ('%' is handled separately). */
static bool is_literal_ascii(unsigned char c)
{
    return c > 0x20 && c < 0x7f && strchr("\"'%<>\\^`{|}", c) == NULL;
}

/* Length of the well-formed UTF-8 sequence starting at `s` (a non-ASCII lead byte), or 0. */
static size_t utf8_len(const unsigned char *s)
{
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;

    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4;
    else
        return 0;
    if (s[0] == 0xe0)
        lo = 0xa0; /* overlong */
    else if (s[0] == 0xed)
        hi = 0x9f; /* surrogates */
    else if (s[0] == 0xf0)
        lo = 0x90; /* overlong */
    else if (s[0] == 0xf4)
        hi = 0x8f; /* above U+10FFFF */
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

/* ---- operators ------------------------------------------------------------------------- */

/* One row of RFC 6570 appendix A's table. */
struct ut_op {
    char op;       /* '\0' for a simple expression */
    char first;    /* written before the first defined value; '\0' for none */
    char sep;      /* between values */
    bool named;    /* name=value pairs */
    bool empty_eq; /* "name=" (rather than "name") for an empty value */
    bool reserved; /* reserved characters and pct-encoded triplets pass unencoded */
};

static const struct ut_op ut_ops[] = {
    {'\0', '\0', ',', false, false, false}, {'+', '\0', ',', false, false, true},
    {'#', '#', ',', false, false, true},    {'.', '.', '.', false, false, false},
    {'/', '/', '/', false, false, false},   {';', ';', ';', true, false, false},
    {'?', '?', '&', true, true, false},     {'&', '&', '&', true, true, false},
};

static const struct ut_op *op_for(char c)
{
    for (size_t i = 1; i < sizeof ut_ops / sizeof ut_ops[0]; i++)
        if (ut_ops[i].op == c)
            return &ut_ops[i];
    return &ut_ops[0];
}

/* ---- scanning -------------------------------------------------------------------------- */

struct ut_var {
    const char *name; /* points into the template; not NUL-terminated */
    size_t len;
    unsigned prefix; /* 0 = no prefix modifier */
    bool explode;
};

/* A literal run (op == NULL) or an expression (vars[first_var .. first_var + nvars)). */
struct ut_part {
    const struct ut_op *op;
    const char *text;
    size_t len;
    size_t first_var, nvars;
};

/* With parts/vars NULL, scan() only checks and counts. */
struct ut_tmpl {
    struct ut_part *parts;
    struct ut_var *vars;
    size_t nparts, nvars;
};

/* 1-based column of `at`, counted in characters. */
static size_t column(const char *tmpl, const char *at)
{
    size_t col = 1;
    for (const char *p = tmpl; p < at; p++)
        if (((unsigned char)*p & 0xc0) != 0x80)
            col++;
    return col;
}

static int scan_error(mcp_error_t *err, const char *tmpl, const char *at, const char *what)
{
    unsigned char c = (unsigned char)*at;

    if (c > 0x20 && c < 0x7f)
        return mcp__error_set(err, MCP_EINVAL, "uri template column %zu: %s ('%c')",
                              column(tmpl, at), what, c);
    if (c != '\0')
        return mcp__error_set(err, MCP_EINVAL, "uri template column %zu: %s (byte 0x%02X)",
                              column(tmpl, at), what, c);
    return mcp__error_set(err, MCP_EINVAL, "uri template column %zu: %s", column(tmpl, at), what);
}

/* Bytes of one literal character at `s`, or 0 when it may not appear in a literal. */
static size_t literal_char(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    if (u[0] == '%')
        return is_hex(u[1]) && is_hex(u[2]) ? 3 : 0;
    if (u[0] >= 0x80)
        return utf8_len(u);
    return is_literal_ascii(u[0]) ? 1 : 0;
}

/* Bytes of one varchar (ALPHA / DIGIT / "_" / pct-encoded) at `s`, or 0. */
static size_t varchar_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    if (is_alpha(u[0]) || is_digit(u[0]) || u[0] == '_')
        return 1;
    if (u[0] == '%' && is_hex(u[1]) && is_hex(u[2]))
        return 3;
    return 0;
}

static void add_part(struct ut_tmpl *t, const struct ut_op *op, const char *text, size_t len,
                     size_t first_var)
{
    if (t->parts)
        t->parts[t->nparts] = (struct ut_part){op, text, len, first_var, t->nvars - first_var};
    t->nparts++;
}

/* Scan the varspec at *pp (in the expression opened at `open`); advance *pp to ',' or '}'. */
static int scan_varspec(const char *tmpl, const char *open, const char **pp, struct ut_tmpl *t,
                        mcp_error_t *err)
{
    const char *p = *pp, *name = p;
    struct ut_var var = {name, 0, 0, false};

    if (*p == '\0')
        return scan_error(err, tmpl, open, "unclosed expression");
    if (!varchar_len(p))
        return scan_error(err, tmpl, p, "expected a variable name");
    do {
        p += varchar_len(p);
        if (*p == '.' && varchar_len(p + 1))
            p++;
    } while (varchar_len(p));
    var.len = (size_t)(p - name);

    if (*p == ':') {
        const char *digits = ++p;
        if (*p < '1' || *p > '9')
            return scan_error(err, tmpl, digits, "prefix length must be 1 to 9999");
        while (is_digit((unsigned char)*p) && p - digits < 4)
            var.prefix = var.prefix * 10 + (unsigned)(*p++ - '0');
        if (is_digit((unsigned char)*p))
            return scan_error(err, tmpl, digits, "prefix length must be 1 to 9999");
    } else if (*p == '*') {
        var.explode = true;
        p++;
    }
    if (*p == '\0')
        return scan_error(err, tmpl, open, "unclosed expression");
    if (*p != ',' && *p != '}')
        return scan_error(err, tmpl, p, "unexpected character in expression");
    if (t->vars)
        t->vars[t->nvars] = var;
    t->nvars++;
    *pp = p;
    return MCP_OK;
}

/* Scan the expression whose '{' is at *pp; on success advance *pp past its '}'. */
static int scan_expr(const char *tmpl, const char **pp, struct ut_tmpl *t, mcp_error_t *err)
{
    const char *open = *pp, *p = open + 1;
    const struct ut_op *op = op_for(*p);
    size_t first_var = t->nvars;

    if (op->op)
        p++;
    else if (*p && strchr("=,!@|", *p))
        return scan_error(err, tmpl, p, "reserved operator");
    if (*p == '}' || *p == '\0')
        return scan_error(err, tmpl, open, *p ? "empty expression" : "unclosed expression");
    for (;;) {
        int rc = scan_varspec(tmpl, open, &p, t, err);
        if (rc != MCP_OK)
            return rc;
        if (*p++ == '}')
            break;
    }
    add_part(t, op, open, (size_t)(p - open), first_var);
    *pp = p;
    return MCP_OK;
}

static int scan(const char *tmpl, struct ut_tmpl *t, mcp_error_t *err)
{
    const char *p = tmpl;

    t->nparts = t->nvars = 0;
    while (*p) {
        const char *start = p;
        if (*p == '{') {
            int rc = scan_expr(tmpl, &p, t, err);
            if (rc != MCP_OK)
                return rc;
            continue;
        }
        while (*p && *p != '{') {
            size_t n = literal_char(p);
            if (n == 0) {
                unsigned char c = (unsigned char)*p;
                return scan_error(err, tmpl, p,
                                  c == '}'    ? "'}' without a matching '{'"
                                  : c == '%'  ? "invalid percent-encoding"
                                  : c >= 0x80 ? "invalid UTF-8"
                                              : "character not allowed in a URI template");
            }
            p += n;
        }
        add_part(t, NULL, start, (size_t)(p - start), t->nvars);
    }
    return MCP_OK;
}

static void tmpl_free(struct ut_tmpl *t)
{
    free(t->parts);
    free(t->vars);
}

/* Check and parse `tmpl` into `t` (freed with tmpl_free). */
static int tmpl_parse(const char *tmpl, struct ut_tmpl *t, mcp_error_t *err)
{
    int rc;

    *t = (struct ut_tmpl){NULL, NULL, 0, 0};
    if (!tmpl)
        return mcp__error_set(err, MCP_EINVAL, "uri template is NULL");
    rc = scan(tmpl, t, err);
    if (rc != MCP_OK)
        return rc;
    t->parts = calloc(t->nparts + 1, sizeof *t->parts);
    t->vars = calloc(t->nvars + 1, sizeof *t->vars);
    if (!t->parts || !t->vars) {
        tmpl_free(t);
        return mcp__error_set(err, MCP_ENOMEM, "out of memory");
    }
    return scan(tmpl, t, err);
}

int mcp__uritemplate_check(const char *tmpl, mcp_error_t *err)
{
    struct ut_tmpl t = {NULL, NULL, 0, 0};

    if (!tmpl)
        return mcp__error_set(err, MCP_EINVAL, "uri template is NULL");
    return scan(tmpl, &t, err);
}

/* ---- expansion ------------------------------------------------------------------------- */

struct sbuf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (n >= b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 64;
        char *np;
        while (n >= cap - b->len) {
            if (cap > SIZE_MAX / 2) {
                b->failed = true;
                return;
            }
            cap *= 2;
        }
        np = realloc(b->p, cap);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_putc(struct sbuf *b, char c)
{
    sb_putn(b, &c, 1);
}

/* Append `s` with every byte outside the operator's allowed set percent-encoded. */
static void sb_encode(struct sbuf *b, const char *s, size_t len, bool reserved)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_unreserved(c) || (reserved && is_reserved(c))) {
            sb_putc(b, (char)c);
        } else if (reserved && c == '%' && i + 2 < len && is_hex((unsigned char)s[i + 1]) &&
                   is_hex((unsigned char)s[i + 2])) {
            sb_putn(b, s + i, 3);
            i += 2;
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            sb_putn(b, esc, 3);
        }
    }
}

/* Text of a scalar JSON value; `s` may point into `buf`. */
struct scalar {
    const char *s;
    size_t len;
    char buf[48];
};

/* Shortest "%g" text that reads back as `d`, with '.' whatever the locale. */
static void real_text(double d, char *buf, size_t size)
{
    const char *dp = localeconv()->decimal_point;
    size_t dplen = dp ? strlen(dp) : 0;
    char *at;

    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (dplen && strcmp(dp, ".") != 0 && (at = strstr(buf, dp)) != NULL) {
        *at = '.';
        memmove(at + 1, at + dplen, strlen(at + dplen) + 1);
    }
}

/* Fill `out` for a string, number or boolean; false for null, arrays and objects. */
static bool scalar_of(const json_t *v, struct scalar *out)
{
    out->s = out->buf;
    switch (json_typeof(v)) {
    case JSON_STRING:
        out->s = json_string_value(v);
        out->len = json_string_length(v);
        return true;
    case JSON_INTEGER:
        snprintf(out->buf, sizeof out->buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        real_text(json_real_value(v), out->buf, sizeof out->buf);
        break;
    case JSON_TRUE:
        strcpy(out->buf, "true");
        break;
    case JSON_FALSE:
        strcpy(out->buf, "false");
        break;
    default:
        return false;
    }
    out->len = strlen(out->buf);
    return true;
}

/* Defined per RFC 6570: not null, and a list or map with at least one scalar member. */
static bool is_defined(const json_t *v)
{
    struct scalar sc;
    const char *key;
    size_t i;
    json_t *item;

    if (!v)
        return false;
    if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            if (scalar_of(item, &sc))
                return true;
        }
        return false;
    }
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, item)
        {
            if (scalar_of(item, &sc))
                return true;
        }
        return false;
    }
    return scalar_of(v, &sc);
}

/* Bytes taken by the first `max` characters (code points) of UTF-8 `s`. */
static size_t prefix_bytes(const char *s, size_t len, unsigned max)
{
    size_t i = 0;

    for (unsigned n = 0; i < len && n < max; n++) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
            i++;
    }
    return i;
}

/* "name=value", "name" or "name=" for one value of a named operator. */
static void put_named(struct sbuf *b, const struct ut_op *op, const char *name, size_t nlen,
                      bool name_is_key, const struct scalar *sc)
{
    if (name_is_key)
        sb_encode(b, name, nlen, op->reserved);
    else
        sb_putn(b, name, nlen);
    if (sc->len > 0 || op->empty_eq)
        sb_putc(b, '=');
    sb_encode(b, sc->s, sc->len, op->reserved);
}

/* A list or map variable: joined with ',' or, exploded, with the operator's separator. */
static void expand_composite(struct sbuf *b, const struct ut_op *op, const struct ut_var *var,
                             const json_t *v)
{
    bool first = true, is_map = json_is_object(v);
    char sep = var->explode ? op->sep : ',';
    const char *key;
    size_t i;
    json_t *item;
    struct scalar sc;

    if (op->named && !var->explode) {
        sb_putn(b, var->name, var->len);
        sb_putc(b, '=');
    }
    if (is_map) {
        json_object_foreach((json_t *)v, key, item)
        {
            if (!scalar_of(item, &sc))
                continue;
            if (!first)
                sb_putc(b, sep);
            first = false;
            if (var->explode && op->named) {
                put_named(b, op, key, strlen(key), true, &sc);
                continue;
            }
            sb_encode(b, key, strlen(key), op->reserved);
            sb_putc(b, var->explode ? '=' : ',');
            sb_encode(b, sc.s, sc.len, op->reserved);
        }
        return;
    }
    json_array_foreach(v, i, item)
    {
        if (!scalar_of(item, &sc))
            continue;
        if (!first)
            sb_putc(b, sep);
        first = false;
        if (var->explode && op->named)
            put_named(b, op, var->name, var->len, false, &sc);
        else
            sb_encode(b, sc.s, sc.len, op->reserved);
    }
}

static void expand_expr(struct sbuf *b, const struct ut_op *op, const struct ut_var *vars,
                        size_t nvars, const json_t *values)
{
    bool first = true;

    for (size_t i = 0; i < nvars; i++) {
        const struct ut_var *var = &vars[i];
        const json_t *v = json_object_getn(values, var->name, var->len);
        struct scalar sc;

        if (!is_defined(v))
            continue;
        if (!first)
            sb_putc(b, op->sep);
        else if (op->first)
            sb_putc(b, op->first);
        first = false;
        if (!scalar_of(v, &sc)) {
            expand_composite(b, op, var, v); /* prefixes do not apply to composites */
            continue;
        }
        if (var->prefix)
            sc.len = prefix_bytes(sc.s, sc.len, var->prefix);
        if (op->named)
            put_named(b, op, var->name, var->len, false, &sc);
        else
            sb_encode(b, sc.s, sc.len, op->reserved);
    }
}

char *mcp__uritemplate_expand(const char *tmpl, const json_t *vars)
{
    struct ut_tmpl t;
    struct sbuf b = {NULL, 0, 0, false};

    if (!json_is_object(vars) || tmpl_parse(tmpl, &t, NULL) != MCP_OK)
        return NULL;
    sb_putn(&b, "", 0);
    for (size_t i = 0; i < t.nparts; i++) {
        const struct ut_part *part = &t.parts[i];
        if (part->op)
            expand_expr(&b, part->op, t.vars + part->first_var, part->nvars, vars);
        else /* ASCII literals are all unreserved, reserved or %XX: only non-ASCII changes */
            sb_encode(&b, part->text, part->len, true);
    }
    tmpl_free(&t);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- matching: automata ---------------------------------------------------------------- */

/* Byte classes on NFA edges. */
enum {
    CLS_CHAR,    /* exactly edge.ch */
    CLS_HEX,     /* hex digit edge.ch (stored upper case), either case */
    CLS_ANY,     /* any byte ({+var}, {#var}) */
    CLS_SEGMENT, /* not '/', '?', '#' ({var}, {.var}, {/var}) */
    CLS_PARAM,   /* not ';', '/', '?', '#' ({;var} values) */
    CLS_QUERY,   /* not '&', '#' ({?var}, {&var} values) */
};

struct nfa_edge {
    unsigned from, to;
    int cls;
    unsigned char ch;
};

/* A part's language; state 0 is the start. */
struct nfa {
    bool *accept;
    struct nfa_edge *edges;
    unsigned nstates, nedges;
    /* Filled by nfa_index(): edges leaving state q are out_edges[out_start[q] ..
     * out_start[q + 1]) (indexes into edges), edges entering it likewise in in_edges. */
    unsigned *out_start, *out_edges, *in_start, *in_edges;
    unsigned *accepting, naccepting; /* the accepting states */
};

static bool edge_takes(const struct nfa_edge *e, unsigned char c)
{
    switch (e->cls) {
    case CLS_CHAR:
        return c == e->ch;
    case CLS_HEX:
        return c == e->ch || (e->ch >= 'A' && e->ch <= 'F' && c == e->ch + ('a' - 'A'));
    case CLS_ANY:
        return true;
    case CLS_SEGMENT:
        return c != '/' && c != '?' && c != '#';
    case CLS_PARAM:
        return c != ';' && c != '/' && c != '?' && c != '#';
    default:
        return c != '&' && c != '#';
    }
}

static bool nfa_alloc(struct nfa *a, size_t max_states, size_t max_edges)
{
    a->nstates = a->nedges = 0;
    if (max_states > UINT_MAX || max_edges > UINT_MAX)
        return false;
    a->accept = calloc(max_states, sizeof *a->accept);
    a->edges = calloc(max_edges, sizeof *a->edges);
    return a->accept && a->edges; /* the caller frees either way */
}

static unsigned nfa_state(struct nfa *a, bool accepting)
{
    a->accept[a->nstates] = accepting;
    return a->nstates++;
}

static void nfa_edge(struct nfa *a, unsigned from, unsigned to, int cls, char ch)
{
    a->edges[a->nedges++] = (struct nfa_edge){from, to, cls, (unsigned char)ch};
}

static void nfa_free(struct nfa *a)
{
    free(a->accept);
    free(a->edges);
    free(a->out_start);
    free(a->out_edges);
    free(a->in_start);
    free(a->in_edges);
    free(a->accepting);
}

/* List edge indexes grouped by source (by_from) or target state: a counting sort. */
static void nfa_group(const struct nfa *a, bool by_from, unsigned *start, unsigned *list)
{
    for (unsigned k = 0; k < a->nedges; k++)
        start[(by_from ? a->edges[k].from : a->edges[k].to) + 1]++;
    for (unsigned q = 0; q < a->nstates; q++)
        start[q + 1] += start[q];
    for (unsigned k = 0; k < a->nedges; k++) {
        unsigned q = by_from ? a->edges[k].from : a->edges[k].to;
        list[start[q]++] = k;
    }
    for (unsigned q = a->nstates; q > 0; q--) /* shift back: start[q] is now the end of q */
        start[q] = start[q - 1];
    start[0] = 0;
}

/* Build the adjacency lists once every state and edge is in. */
static bool nfa_index(struct nfa *a)
{
    a->out_start = calloc((size_t)a->nstates + 1, sizeof *a->out_start);
    a->in_start = calloc((size_t)a->nstates + 1, sizeof *a->in_start);
    a->out_edges = calloc((size_t)a->nedges + 1, sizeof *a->out_edges);
    a->in_edges = calloc((size_t)a->nedges + 1, sizeof *a->in_edges);
    a->accepting = calloc((size_t)a->nstates + 1, sizeof *a->accepting);
    if (!a->out_start || !a->in_start || !a->out_edges || !a->in_edges || !a->accepting)
        return false;
    nfa_group(a, true, a->out_start, a->out_edges);
    nfa_group(a, false, a->in_start, a->in_edges);
    a->naccepting = 0;
    for (unsigned q = 0; q < a->nstates; q++)
        if (a->accept[q])
            a->accepting[a->naccepting++] = q;
    return true;
}

/* A path from `at` to `to` spelling byte `c` as %XX, hex digits in either case. */
static void nfa_triplet(struct nfa *a, unsigned at, unsigned char c, unsigned to)
{
    static const char hex[] = "0123456789ABCDEF";
    unsigned pct = nfa_state(a, false), hi = nfa_state(a, false);

    nfa_edge(a, at, pct, CLS_CHAR, '%');
    nfa_edge(a, pct, hi, CLS_HEX, hex[c >> 4]);
    nfa_edge(a, hi, to, CLS_HEX, hex[c & 15]);
}

/*
 * A literal: its bytes, with %XX matching in either case, and a non-ASCII byte matching itself
 * or its %XX form (expansion percent-encodes non-ASCII literals).
 */
static bool nfa_literal(struct nfa *a, const char *text, size_t len)
{
    unsigned at;

    if (len > UINT_MAX / 4 || !nfa_alloc(a, 3 * len + 1, 4 * len + 1))
        return false;
    at = nfa_state(a, false);
    for (size_t j = 0; j < len; j++) {
        unsigned char c = (unsigned char)text[j];
        unsigned next = nfa_state(a, false);
        if (c == '%') { /* a valid triplet: the scan checked */
            c = (unsigned char)(hex_value((unsigned char)text[j + 1]) * 16 +
                                hex_value((unsigned char)text[j + 2]));
            nfa_triplet(a, at, c, next);
            j += 2;
        } else {
            nfa_edge(a, at, next, CLS_CHAR, (char)c);
            if (c >= 0x80)
                nfa_triplet(a, at, c, next);
        }
        at = next;
    }
    a->accept[at] = true;
    return nfa_index(a);
}

/*
 * Build the automaton of one expression. Every language includes "" (all variables undefined).
 *   {var} {+var}      value*                      (',' inside splits the variables)
 *   {#var} {.var}     ( first value* )?
 *   {/a,b}            ( "/" seg* ){0,nvars}, unbounded with an exploded variable
 *   {;a} {?a} {&a}    ( first item ( sep item )* )?   item = name ( "=" value* )?
 */
static bool nfa_expr(struct nfa *a, const struct ut_op *op, const struct ut_var *vars, size_t nvars)
{
    size_t names = 0;
    bool explode = false;
    unsigned start, body = 0;

    for (size_t i = 0; i < nvars; i++) {
        names += vars[i].len;
        explode |= vars[i].explode;
    }
    if (nvars > UINT_MAX / 8 || names > UINT_MAX / 8 ||
        !nfa_alloc(a, names + nvars + 4, names + 4 * nvars + 8))
        return false;

    start = nfa_state(a, true);
    switch (op->op) {
    case '\0':
        nfa_edge(a, start, start, CLS_SEGMENT, 0);
        break;
    case '+':
        nfa_edge(a, start, start, CLS_ANY, 0);
        break;
    case '#':
    case '.':
        body = nfa_state(a, true);
        nfa_edge(a, start, body, CLS_CHAR, op->first);
        nfa_edge(a, body, body, op->op == '#' ? CLS_ANY : CLS_SEGMENT, 0);
        break;
    case '/': {
        unsigned prev = start, segs = explode ? 1 : (unsigned)nvars;
        for (unsigned i = 0; i < segs; i++) {
            body = nfa_state(a, true);
            nfa_edge(a, prev, body, CLS_CHAR, '/');
            nfa_edge(a, body, body, CLS_SEGMENT, 0);
            prev = body;
        }
        if (explode)
            nfa_edge(a, body, body, CLS_CHAR, '/');
        break;
    }
    default: { /* named: one chain of states per variable name */
        unsigned name0 = nfa_state(a, false), value = nfa_state(a, true);
        int cls = op->op == ';' ? CLS_PARAM : CLS_QUERY;
        nfa_edge(a, start, name0, CLS_CHAR, op->first);
        nfa_edge(a, value, value, cls, 0);
        nfa_edge(a, value, name0, CLS_CHAR, op->sep);
        for (size_t i = 0; i < nvars; i++) {
            unsigned at = name0;
            for (size_t j = 0; j < vars[i].len; j++) {
                unsigned next = nfa_state(a, j + 1 == vars[i].len);
                nfa_edge(a, at, next, CLS_CHAR, vars[i].name[j]);
                at = next;
            }
            nfa_edge(a, at, value, CLS_CHAR, '=');
            nfa_edge(a, at, name0, CLS_CHAR, op->sep);
        }
        break;
    }
    }
    return nfa_index(a);
}

/* ---- matching: reachability ------------------------------------------------------------ */

/*
 * ok[i] is a bitset over offsets 0..n: bit p set when parts i.. match uri[p..n) exactly and p
 * is a place a part may start (not inside a %XX triplet or a UTF-8 sequence).
 */
struct matcher {
    const struct ut_tmpl *t;
    const char *uri;
    size_t n;
    size_t words; /* per bitset */
    uint64_t *ok; /* (t->nparts + 1) bitsets */
    json_t *out;  /* the variables found */
    json_t *pre;  /* values of prefixed occurrences ({var:3}), merged into out at the end */
};

static uint64_t *ok_row(const struct matcher *m, size_t part)
{
    return m->ok + part * m->words;
}

static bool bit_get(const uint64_t *bits, size_t p)
{
    return (bits[p / 64] >> (p % 64)) & 1;
}

static void bit_set(uint64_t *bits, size_t p)
{
    bits[p / 64] |= (uint64_t)1 << (p % 64);
}

/* Parts start and end only on whole characters: not inside %XX or a (decoded) UTF-8 sequence. */
static bool boundary_ok(const struct matcher *m, size_t p)
{
    const unsigned char *u = (const unsigned char *)m->uri;

    if (p < m->n && (u[p] & 0xc0) == 0x80)
        return false;
    if (p < m->n && u[p] == '%' && (hex_value(u[p + 1]) & 0xc) == 0x8)
        return false; /* %80..%BF: a continuation byte once decoded */
    return !(p >= 1 && u[p - 1] == '%') && !(p >= 2 && u[p - 2] == '%');
}

/* A set of NFA states: membership flags plus a list of the members. */
struct stateset {
    bool *in;
    unsigned *list;
    unsigned n;
};

static bool set_init(struct stateset *set, unsigned nstates)
{
    set->in = calloc((size_t)nstates + 1, sizeof *set->in);
    set->list = calloc((size_t)nstates + 1, sizeof *set->list);
    set->n = 0;
    return set->in && set->list;
}

static void set_free(struct stateset *set)
{
    free(set->in);
    free(set->list);
}

static void set_add(struct stateset *set, unsigned q)
{
    if (!set->in[q]) {
        set->in[q] = true;
        set->list[set->n++] = q;
    }
}

static void set_clear(struct stateset *set)
{
    for (unsigned j = 0; j < set->n; j++)
        set->in[set->list[j]] = false;
    set->n = 0;
}

static void set_swap(struct stateset *a, struct stateset *b)
{
    struct stateset tmp = *a;
    *a = *b;
    *b = tmp;
}

/*
 * Backward pass for part i. Sweeping p down from the end, `cur` holds the states from which, at
 * offset p, the part can finish at some offset e where parts i+1.. match uri[e..]; `nxt` is the
 * same set for p + 1. Row i gets whether the start state is in it. Only live states are visited.
 */
static bool reach_part(struct matcher *m, size_t i, const struct nfa *a)
{
    const uint64_t *next = ok_row(m, i + 1);
    uint64_t *row = ok_row(m, i);
    struct stateset cur = {NULL, NULL, 0}, nxt = {NULL, NULL, 0};
    bool ok = set_init(&cur, a->nstates) && set_init(&nxt, a->nstates);

    for (size_t p = m->n + 1; ok && p-- > 0;) {
        set_clear(&cur);
        if (bit_get(next, p))
            for (unsigned j = 0; j < a->naccepting; j++)
                set_add(&cur, a->accepting[j]);
        for (unsigned j = 0; p < m->n && j < nxt.n; j++) {
            unsigned q = nxt.list[j];
            for (unsigned k = a->in_start[q]; k < a->in_start[q + 1]; k++) {
                const struct nfa_edge *e = &a->edges[a->in_edges[k]];
                if (edge_takes(e, (unsigned char)m->uri[p]))
                    set_add(&cur, e->from);
            }
        }
        if (cur.in[0] && boundary_ok(m, p))
            bit_set(row, p);
        set_swap(&cur, &nxt);
    }
    set_free(&cur);
    set_free(&nxt);
    return ok;
}

/*
 * Forward pass: where part i, starting at `start`, ends. An expression takes the shortest
 * non-empty span that lets the rest match, or else the empty span, so an optional expression
 * binds rather than leaving its text to the next one.
 */
static bool choose_end(const struct matcher *m, size_t i, const struct nfa *a, size_t start,
                       size_t *end)
{
    const uint64_t *next = ok_row(m, i + 1);
    struct stateset cur = {NULL, NULL, 0}, nxt = {NULL, NULL, 0};
    bool ok = set_init(&cur, a->nstates) && set_init(&nxt, a->nstates);

    *end = start;
    if (ok)
        set_add(&cur, 0);
    for (size_t p = start; ok && p < m->n && cur.n > 0 && *end == start; p++) {
        set_clear(&nxt);
        for (unsigned j = 0; j < cur.n; j++) {
            unsigned q = cur.list[j];
            for (unsigned k = a->out_start[q]; k < a->out_start[q + 1]; k++) {
                const struct nfa_edge *e = &a->edges[a->out_edges[k]];
                if (edge_takes(e, (unsigned char)m->uri[p]))
                    set_add(&nxt, e->to);
            }
        }
        for (unsigned j = 0; j < nxt.n && bit_get(next, p + 1); j++)
            if (a->accept[nxt.list[j]])
                *end = p + 1;
        set_swap(&cur, &nxt);
    }
    set_free(&cur);
    set_free(&nxt);
    return ok && (*end > start || (a->accept[0] && bit_get(next, start)));
}

/* ---- matching: values ------------------------------------------------------------------ */

/* Percent-decode uri[from, to) into a JSON string; NULL for "%00", bad UTF-8 or no memory. */
static json_t *decode(const char *uri, size_t from, size_t to)
{
    char *buf = malloc(to - from + 1);
    size_t len = 0;
    json_t *s = NULL;

    if (!buf)
        return NULL;
    for (size_t p = from; p < to; p++) {
        if (uri[p] == '%') { /* triplets were validated up front */
            buf[len] = (char)(hex_value((unsigned char)uri[p + 1]) * 16 +
                              hex_value((unsigned char)uri[p + 2]));
            p += 2;
            if (buf[len] == '\0')
                goto out;
            len++;
        } else {
            buf[len++] = uri[p];
        }
    }
    s = json_stringn(buf, len);
out:
    free(buf);
    return s;
}

/* Both strings, and `s` begins with `head`. */
static bool starts_with(const json_t *s, const json_t *head)
{
    return json_is_string(s) && json_is_string(head) &&
           json_string_length(s) >= json_string_length(head) &&
           memcmp(json_string_value(s), json_string_value(head), json_string_length(head)) == 0;
}

/*
 * Store `value` (stolen) as variable `var`. A variable seen twice must have equal values, except
 * that a prefixed occurrence only has to be a prefix of the other values.
 */
static bool set_var(struct matcher *m, const struct ut_var *var, json_t *value)
{
    json_t *into = var->prefix ? m->pre : m->out, *old;
    bool ok;

    if (!value)
        return false;
    old = json_object_getn(into, var->name, var->len);
    if (!old || (var->prefix && starts_with(value, old))) /* new, or a longer prefix */
        return json_object_setn_new(into, var->name, var->len, value) == 0;
    ok = json_equal(old, value) || (var->prefix && starts_with(old, value));
    json_decref(value);
    return ok;
}

/* Fold the prefixed values into the result once every expression has been read. */
static bool merge_prefixed(struct matcher *m)
{
    const char *key;
    size_t klen;
    json_t *value;

    json_object_keylen_foreach(m->pre, key, klen, value)
    {
        json_t *full = json_object_getn(m->out, key, klen);
        if (!full && json_object_setn(m->out, key, klen, value) != 0)
            return false;
        if (full && !json_equal(full, value) && !starts_with(full, value))
            return false;
    }
    return true;
}

/* Decoded uri[from, to) split at `sep`: a JSON array of strings. */
static json_t *decode_list(const char *uri, size_t from, size_t to, char sep)
{
    json_t *list = json_array();
    size_t at = from;

    for (size_t p = from; list && p <= to; p++) {
        if (p < to && uri[p] != sep)
            continue;
        if (json_array_append_new(list, decode(uri, at, p)) != 0) {
            json_decref(list);
            list = NULL;
        }
        at = p + 1;
    }
    return list;
}

/*
 * Values of an unnamed expression from its span: pieces split at the separator are handed out
 * left to right, one per plain variable; an exploded variable takes all pieces the variables
 * after it leave over; extra pieces stay with the last variable.
 */
static bool extract_unnamed(struct matcher *m, const struct ut_part *part, size_t from, size_t to)
{
    const struct ut_op *op = part->op;
    const struct ut_var *vars = m->t->vars + part->first_var;
    char sep = op->sep;
    size_t pieces = 1, at;

    if (op->first) {
        if (from == to)
            return true; /* all undefined */
        from++;
    }
    for (size_t p = from; p < to; p++)
        pieces += m->uri[p] == sep;
    at = from;
    for (size_t i = 0; i < part->nvars && pieces > 0; i++) {
        size_t take = 1, end = at;
        if (vars[i].explode && pieces > part->nvars - 1 - i)
            take = pieces - (part->nvars - 1 - i);
        if (i + 1 == part->nvars)
            take = pieces;
        for (size_t k = 0; k < take; k++) {
            while (end < to && m->uri[end] != sep)
                end++;
            if (k + 1 < take)
                end++;
        }
        if (!set_var(m, &vars[i],
                     vars[i].explode ? decode_list(m->uri, at, end, sep) : decode(m->uri, at, end)))
            return false;
        pieces -= take;
        at = end + 1;
    }
    return true;
}

/* Values of a named expression: "name=value" items in any order; exploded ones collect. */
static bool extract_named(struct matcher *m, const struct ut_part *part, size_t from, size_t to)
{
    const struct ut_var *vars = m->t->vars + part->first_var;
    json_t **lists = calloc(part->nvars + 1, sizeof *lists);
    bool ok = lists != NULL;

    for (size_t p = from + 1; ok && from < to && p <= to;) {
        size_t name = p, eq, end = p, i;
        while (end < to && m->uri[end] != part->op->sep)
            end++;
        for (eq = name; eq < end && m->uri[eq] != '='; eq++)
            ;
        for (i = 0; i < part->nvars; i++)
            if (vars[i].len == eq - name && memcmp(vars[i].name, m->uri + name, eq - name) == 0)
                break;
        if (i == part->nvars) {
            ok = false; /* the automaton only admits known names */
        } else if (vars[i].explode) {
            if (!lists[i])
                lists[i] = json_array();
            ok = lists[i] &&
                 json_array_append_new(lists[i], decode(m->uri, eq + (eq < end), end)) == 0;
        } else {
            ok = set_var(m, &vars[i], decode(m->uri, eq + (eq < end), end));
        }
        p = end + 1;
    }
    for (size_t i = 0; i < part->nvars; i++) {
        if (lists && lists[i] && ok)
            ok = set_var(m, &vars[i], lists[i]);
        else if (lists)
            json_decref(lists[i]);
    }
    free(lists);
    return ok;
}

/* Every '%' must start a %XX triplet. */
static bool escapes_valid(const char *uri, size_t n)
{
    for (size_t p = 0; p < n; p++)
        if (uri[p] == '%' &&
            !(is_hex((unsigned char)uri[p + 1]) && is_hex((unsigned char)uri[p + 2])))
            return false;
    return true;
}

/* Backward pass over every part, then the forward pass that reads the values. */
static json_t *match_parts(struct matcher *m)
{
    const struct ut_tmpl *t = m->t;
    struct nfa *nfas = calloc(t->nparts + 1, sizeof *nfas);
    bool ok = false;
    size_t i, pos = 0;

    if (!nfas)
        return NULL;
    for (i = 0; i < t->nparts; i++) {
        const struct ut_part *part = &t->parts[i];
        if (!(part->op ? nfa_expr(&nfas[i], part->op, t->vars + part->first_var, part->nvars)
                       : nfa_literal(&nfas[i], part->text, part->len)))
            goto done;
    }
    bit_set(ok_row(m, t->nparts), m->n);
    for (i = t->nparts; i-- > 0;)
        if (!reach_part(m, i, &nfas[i]))
            goto done;
    if (!bit_get(ok_row(m, 0), 0) || !(m->out = json_object()) || !(m->pre = json_object()))
        goto done;
    for (i = 0; i < t->nparts; i++) {
        const struct ut_part *part = &t->parts[i];
        size_t end;
        if (!choose_end(m, i, &nfas[i], pos, &end))
            goto done;
        if (part->op && !(part->op->named ? extract_named(m, part, pos, end)
                                          : extract_unnamed(m, part, pos, end)))
            goto done;
        pos = end;
    }
    ok = merge_prefixed(m);
done:
    for (i = 0; i < t->nparts; i++)
        nfa_free(&nfas[i]);
    free(nfas);
    json_decref(m->pre);
    if (!ok) {
        json_decref(m->out);
        return NULL;
    }
    return m->out;
}

json_t *mcp__uritemplate_match(const char *tmpl, const char *uri)
{
    struct ut_tmpl t;
    struct matcher m;
    json_t *out;

    if (!uri || tmpl_parse(tmpl, &t, NULL) != MCP_OK)
        return NULL;
    m = (struct matcher){&t, uri, strlen(uri), 0, NULL, NULL, NULL};
    m.words = m.n / 64 + 1;
    if (escapes_valid(uri, m.n) && t.nparts < SIZE_MAX / sizeof *m.ok / m.words - 1)
        m.ok = calloc((t.nparts + 1) * m.words, sizeof *m.ok);
    out = m.ok ? match_parts(&m) : NULL;
    free(m.ok);
    tmpl_free(&t);
    return out;
}
