/*
 * JSON Schema patterns, compiled and matched with PCRE2 (libpcre2-8).
 *
 * A pattern is an ECMA-262 regex. PCRE2 speaks nearly the same syntax; the compile options get
 * as close as it allows: UTF-8 subjects and patterns (PCRE2_UTF, invalid UTF-8 in a subject
 * never matches), \uXXXX and \u{X...} escapes (PCRE2_ALT_BSUX, PCRE2_EXTRA_ALT_BSUX), `$` only
 * at the very end (PCRE2_DOLLAR_ENDONLY), `.` stops at CR and LF (PCRE2_NEWLINE_ANYCRLF), `[]`
 * and `[^]` as in ECMA (PCRE2_ALLOW_EMPTY_CLASS). \d, \w and \b are ASCII as in ECMA (no
 * PCRE2_UCP); \p{..} works. A UTF-16 surrogate pair written as two \u escapes is joined into
 * one code point first. Lookaround, back-references, \b and \p{..} really validate. PCRE2
 * refuses what it cannot compile (a variable-length lookbehind, an unknown escape such as \q,
 * a repeat over 65535): the schema is refused at registration with PCRE2's message and offset.
 *
 * Matching is unanchored (a match anywhere, like ECMA's test()) and bounded. PCRE2's own match
 * limit counts per start position, so it cannot bound a whole search; instead every pattern is
 * compiled with automatic callouts and no automatic possessification, which makes PCRE2 call
 * rx_step() before each pattern item it tries, backtracking included, and rx_step() stops the
 * match once the budget for this subject is spent: RX_STEPS_BASE + RX_STEPS_PER_BYTE steps per
 * byte, so a match costs at most time linear in the subject for a fixed pattern. Memory for
 * backtracking is capped by a heap limit (RX_HEAP_KIB) and a depth limit. A match that runs out
 * reports RX_COSTLY and the value fails validation. PCRE2's start-of-match optimisations (a
 * required character absent from the subject, a fixed first character) still apply, so most
 * non-matching subjects are refused without trying a single start position. The JIT is not
 * used: with callouts it loses those optimisations, and without them nothing bounds a search.
 *
 * libpcre2-8 is loaded on first use (pcre_load.c). The rest of the schema code sees only
 * mcp__schema_regex_compile/_match/_free (schema.h).
 */
#include "schema.h"

#include "pcre_api.h"

#define RX_MAX_PATTERN    32768  /* bytes in a pattern */
#define RX_STEPS_BASE     100000 /* pattern steps any match may take ... */
#define RX_STEPS_PER_BYTE 8      /* ... plus this many per byte of the subject */
#define RX_HEAP_KIB       8192   /* backtracking memory of one match */
#define RX_DEPTH          100000 /* nested backtracking points of one match */

struct mcp__schema_regex {
    pcre2_code *code;
};

/* ---- surrogate pairs ---------------------------------------------------------------------- */

/* Four hex digits at p as a number, or -1. */
static long hex4(const char *p, size_t n)
{
    long v = 0;
    size_t i;

    if (n < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        int d = hex_value((unsigned char)p[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Is c a letter that ECMA-262 gives a meaning after a backslash? */
static bool ecma_escape_letter(char c)
{
    return c && strchr("bBcdDfknpPrsStuvwWx", c) != NULL;
}

static bool class_escape(const char *p, size_t n)
{
    return n >= 2 && p[0] == '\\' && p[1] && strchr("dDsSwW", p[1]) != NULL;
}

/* Copy pat[len] to out (at least 2 * len + 1 bytes) with what ECMA-262 (Annex B) reads differently
 * from PCRE2 rewritten: an escaped surrogate pair "\uD83D\uDE00" becomes "\u{1F600}" (one
 * character; PCRE2 in UTF mode refuses surrogates), "\q" and other escaped letters with no
 * meaning in ECMA become the letter itself (PCRE2 refuses some and gives others, like \e or
 * \h, a meaning), and in a class a '-' next to \d, \s or \w is a literal '-' ("[\d-x]").
 * Returns the new length. */
static size_t ecma_prepass(const char *pat, size_t len, char *out)
{
    size_t i = 0, o = 0;
    bool in_class = false, class_start = false;

    while (i < len) {
        char c = pat[i];
        bool was_start = class_start;

        class_start = false;
        if (c == '[' && !in_class) {
            in_class = class_start = true;
            out[o++] = pat[i++];
            if (i < len && pat[i] == '^')
                out[o++] = pat[i++];
            continue;
        }
        if (c == ']' && in_class) {
            in_class = false;
            out[o++] = pat[i++];
            continue;
        }
        if (c == '-' && in_class && !was_start && i + 1 < len && pat[i + 1] != ']' &&
            ((i >= 2 && class_escape(pat + i - 2, 2) && (i < 3 || pat[i - 3] != '\\')) ||
             class_escape(pat + i + 1, len - i - 1))) {
            out[o++] = '\\'; /* "\-" */
            out[o++] = pat[i++];
            continue;
        }
        if (c != '\\' || i + 1 >= len) {
            out[o++] = pat[i++];
            continue;
        }
        if (pat[i + 1] == 'u' && i + 12 <= len && pat[i + 6] == '\\' && pat[i + 7] == 'u') {
            long hi = hex4(pat + i + 2, len - i - 2), lo = hex4(pat + i + 8, len - i - 8);
            if (hi >= 0xD800 && hi <= 0xDBFF && lo >= 0xDC00 && lo <= 0xDFFF) {
                long cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                o += (size_t)snprintf(out + o, 10, "\\u{%lX}", cp); /* 9 bytes < 12 */
                i += 12;
                continue;
            }
        }
        if (is_alpha((unsigned char)pat[i + 1]) && !ecma_escape_letter(pat[i + 1])) {
            out[o++] = pat[i + 1]; /* Annex B identity escape */
            i += 2;
            continue;
        }
        out[o++] = pat[i++]; /* the backslash and what it escapes */
        out[o++] = pat[i++];
    }
    out[o] = '\0';
    return o;
}

/* ---- compiling ---------------------------------------------------------------------------- */

int mcp__schema_regex_compile(const char *pat, size_t len, mcp__schema_regex **out, char *why,
                              size_t why_size)
{
    pcre2_compile_context *cc;
    pcre2_code *code = NULL;
    char *text;
    size_t n;
    int errcode = 0;
    PCRE2_SIZE erroff = 0;
    PCRE2_UCHAR msg[120];

    *out = NULL;
    if (why && why_size)
        why[0] = '\0';
    if (mcp__pcre2_load(why, why_size) != MCP_OK)
        return RX_INVALID; /* the reason is in why */
    if (len > RX_MAX_PATTERN) {
        if (why && why_size)
            snprintf(why, why_size, "longer than %d bytes", RX_MAX_PATTERN);
        return RX_INVALID;
    }
    if (!(text = malloc(2 * len + 1)))
        goto nomem;
    n = ecma_prepass(pat, len, text);
    if (!(cc = pcre2_compile_context_create(NULL))) {
        free(text);
        goto nomem;
    }
    pcre2_set_newline(cc, PCRE2_NEWLINE_ANYCRLF);
    pcre2_set_compile_extra_options(cc, PCRE2_EXTRA_ALT_BSUX);
    code = pcre2_compile((PCRE2_SPTR)text, n,
                         PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_ALT_BSUX |
                             PCRE2_DOLLAR_ENDONLY | PCRE2_ALLOW_EMPTY_CLASS |
                             PCRE2_NEVER_BACKSLASH_C | PCRE2_AUTO_CALLOUT | PCRE2_NO_AUTO_POSSESS,
                         &errcode, &erroff, cc);
    pcre2_compile_context_free(cc);
    free(text);
    if (!code) {
        if (errcode == PCRE2_ERROR_HEAP_FAILED)
            goto nomem;
        if (why && why_size) {
            if (pcre2_get_error_message(errcode, msg, sizeof msg) < 0)
                snprintf((char *)msg, sizeof msg, "error %d", errcode);
            snprintf(why, why_size, "%s at offset %zu", (const char *)msg, (size_t)erroff);
        }
        return RX_INVALID;
    }
    if (!(*out = malloc(sizeof **out))) {
        pcre2_code_free(code);
        goto nomem;
    }
    (*out)->code = code;
    return RX_OK;
nomem:
    if (why && why_size)
        snprintf(why, why_size, "out of memory");
    return RX_NOMEM;
}

void mcp__schema_regex_free(mcp__schema_regex *re)
{
    if (!re)
        return;
    pcre2_code_free(re->code);
    free(re);
}

/* ---- matching ----------------------------------------------------------------------------- */

/* Called by PCRE2 before each pattern item it tries: spend one step of the budget. */
static int rx_step(pcre2_callout_block *cb, void *data)
{
    size_t *left = data;

    (void)cb;
    if (*left == 0)
        return PCRE2_ERROR_CALLOUT; /* abandons the whole match */
    --*left;
    return 0;
}

int mcp__schema_regex_match(const mcp__schema_regex *re, const char *s, size_t len)
{
    pcre2_match_context *mc;
    pcre2_match_data *md;
    size_t left = RX_STEPS_BASE;
    int rc;

    if (len > ((size_t)-1 - RX_STEPS_BASE) / RX_STEPS_PER_BYTE)
        return RX_COSTLY;
    left += len * RX_STEPS_PER_BYTE;
    if (!(mc = pcre2_match_context_create(NULL)))
        return RX_NOMEM;
    if (!(md = pcre2_match_data_create(1, NULL))) {
        pcre2_match_context_free(mc);
        return RX_NOMEM;
    }
    pcre2_set_callout(mc, rx_step, &left);
    pcre2_set_match_limit(mc, left > UINT32_MAX ? UINT32_MAX : (uint32_t)left);
    pcre2_set_depth_limit(mc, RX_DEPTH);
    pcre2_set_heap_limit(mc, RX_HEAP_KIB);
    rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, md, mc);
    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
    if (rc >= 0)
        return RX_MATCH;
    if (rc == PCRE2_ERROR_NOMATCH)
        return RX_NO_MATCH;
    if (rc == PCRE2_ERROR_NOMEMORY)
        return RX_NOMEM;
    return RX_COSTLY; /* the step budget, match, depth or heap limit */
}

int mcp__schema_pattern_check(const char *pat, size_t len, char *why, size_t why_size)
{
    mcp__schema_regex *re;
    int rc = mcp__schema_regex_compile(pat, len, &re, why, why_size);

    mcp__schema_regex_free(re);
    return rc == RX_OK ? MCP_OK : rc == RX_NOMEM ? MCP_ENOMEM : MCP_ESCHEMA;
}
