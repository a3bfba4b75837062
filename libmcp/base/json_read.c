/*
 * The JSON reader every inbound message goes through. It builds the jansson tree that
 * json_loadb(buf, len, JSON_REJECT_DUPLICATES, err) builds and refuses exactly what that refuses,
 * several times faster: jansson's lexer (a byte stream with a callback per character and a string
 * buffer per token) was about 60% of the time spent on each message.
 *
 * One pass over the contiguous buffer. Strings are scanned 16 bytes at a time (SSE2; elsewhere 8
 * at a time with SWAR on little-endian machines) for '"', '\\', control bytes and non-ASCII
 * bytes; a string without escapes goes to jansson straight from the input, an escaped one is
 * decoded into a scratch buffer that lives on the stack until it outgrows it. Integers are
 * converted by hand. A real is converted by hand when one correctly rounded IEEE operation
 * gives the exact answer (at most 19 significant digits, mantissa <= 2^53, a power of ten up to
 * 22), and otherwise by strtod() in the "C" locale (uselocale(), per thread), so the process
 * locale never changes a result. Nesting is followed with an explicit stack, never recursion.
 *
 * jansson's rules, all reproduced:
 *   - RFC 8259 grammar; whitespace is space, tab, CR, LF only;
 *   - the top-level value is an array or an object (no JSON_DECODE_ANY), followed only by
 *     whitespace; empty input is an error;
 *   - UTF-8 valid everywhere: no overlong forms, no encoded surrogates, nothing above U+10FFFF;
 *   - in strings no unescaped byte below 0x20; escapes \" \\ \/ \b \f \n \r \t \uXXXX only;
 *     \u surrogates must come as a high-low pair; \u0000 is refused (no JSON_ALLOW_NUL);
 *   - duplicate keys are refused;
 *   - a number without '.', 'e' or 'E' is an integer and must fit json_int_t ("-0" is the
 *     integer 0); a real must not overflow (underflow to zero or a subnormal is accepted);
 *   - every value, scalars included, is one level deeper than its container, the top level
 *     being 1, and no value may be deeper than JSON_PARSER_MAX_DEPTH (2048): 2048 nested empty
 *     arrays parse, 2048 nested arrays around a number do not.
 *   - one quirk: a single NUL byte right after a number or a literal is skipped (see
 *     after_token()), so "[1\0]" parses as [1].
 * Error texts and positions are this file's own: err->position is the offset of the offending
 * byte (the input's length when the input ended too early), line and column are 1-based, the
 * column counting characters; json_error_code() is set (when an input has two errors close
 * together, it may name a different one first than jansson does; accept/reject is always the same).
 */
#include "base/base.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>

#if defined(__SSE2__) && !defined(MCP_JSON_READ_NO_SSE2)
#include <emmintrin.h>
#define JR_SSE2 1
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    !defined(MCP_JSON_READ_NO_SWAR)
#define JR_SWAR 1
#endif

#ifndef JSON_PARSER_MAX_DEPTH
#define JSON_PARSER_MAX_DEPTH 2048
#endif

#if JSON_INTEGER_IS_LONG_LONG
#define JR_INT_MAX ((uint64_t)LLONG_MAX)
#else
#define JR_INT_MAX ((uint64_t)LONG_MAX)
#endif

/* Double arithmetic rounds once per operation (not so on x87, whose excess precision would round
 * twice): the hand conversion of reals relies on it. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define JR_EXACT_DOUBLE 1
#else
#define JR_EXACT_DOUBLE 0
#endif

#define JR_STACK   64  /* containers followed without a heap block */
#define JR_SCRATCH 256 /* bytes of decoded escaped string kept on the stack */

#define JR_COLD __attribute__((cold, noinline))

/* A scratch buffer for escaped strings: `small` until it outgrows it, then a heap block. */
typedef struct jr_buf {
    char *data;
    size_t len, cap;
    char small[JR_SCRATCH];
} jr_buf;

typedef struct reader {
    const unsigned char *start, *end;
    json_error_t *err;
    jr_buf key, val; /* a key and the string value after it are decoded at the same time */
} reader;

static inline size_t utf8_len(const unsigned char *p, const unsigned char *end);

/* ---- errors --------------------------------------------------------------------------------- */

JR_COLD __attribute__((format(printf, 4, 5))) static void
fail(reader *r, const unsigned char *at, enum json_error_code code, const char *fmt, ...)
{
    json_error_t *e = r->err;
    const unsigned char *q, *line_start = r->start;
    int line = 1, column = 1;
    va_list ap;
    size_t pos;

    if (!e)
        return;
    for (q = r->start; q < at; q++) {
        if (*q == '\n') {
            line++;
            line_start = q + 1;
        }
    }
    for (q = line_start; q < at; q++)
        if ((*q & 0xC0) != 0x80)
            column++;
    va_start(ap, fmt);
    vsnprintf(e->text, JSON_ERROR_TEXT_LENGTH - 1, fmt, ap);
    va_end(ap);
    e->text[JSON_ERROR_TEXT_LENGTH - 1] = (char)code; /* where json_error_code() looks */
    pos = (size_t)(at - r->start);
    e->position = pos > INT_MAX ? INT_MAX : (int)pos;
    e->line = line;
    e->column = column;
}

/* "'x'", "byte 0xNN" or "end of input": what was found where something else was expected. */
static const char *found(const unsigned char *p, const unsigned char *end, char tmp[16])
{
    if (p >= end)
        return "end of input";
    if (*p >= 0x20 && *p < 0x7F && *p != '\'')
        snprintf(tmp, 16, "'%c'", *p);
    else
        snprintf(tmp, 16, "byte 0x%02x", *p);
    return tmp;
}

JR_COLD static void fail_expected(reader *r, const unsigned char *p, const char *what)
{
    char tmp[16];
    enum json_error_code code = json_error_invalid_syntax;
    if (p >= r->end)
        code = json_error_premature_end_of_input;
    else if (*p >= 0x80 && !utf8_len(p, r->end))
        code = json_error_invalid_utf8;
    fail(r, p, code, "%s expected, found %s", what, found(p, r->end, tmp));
}

JR_COLD static void fail_oom(reader *r, const unsigned char *p)
{
    fail(r, p, json_error_out_of_memory, "out of memory");
}

JR_COLD static void fail_duplicate(reader *r, const unsigned char *at, const char *key, size_t n)
{
    size_t i;
    bool plain = n <= 64;
    for (i = 0; plain && i < n; i++)
        plain = key[i] >= 0x20 && key[i] < 0x7F && key[i] != '"' && key[i] != '\\';
    if (plain)
        fail(r, at, json_error_duplicate_key, "duplicate object key \"%.*s\"", (int)n, key);
    else
        fail(r, at, json_error_duplicate_key, "duplicate object key");
}

/* ---- strings -------------------------------------------------------------------------------- */

static int buf_grow(jr_buf *b, size_t more)
{
    size_t cap = b->cap * 2;
    char *d;
    while (cap < b->len + more)
        cap *= 2;
    if (b->data == b->small) {
        d = malloc(cap);
        if (d)
            memcpy(d, b->small, b->len);
    } else {
        d = realloc(b->data, cap);
    }
    if (!d)
        return -1;
    b->data = d;
    b->cap = cap;
    return 0;
}

static inline bool buf_room(jr_buf *b, size_t more)
{
    return b->cap - b->len >= more || buf_grow(b, more) == 0;
}

/* The first byte at or after p that is '"', '\\', below 0x20 or above 0x7F; `end` if none. */
static inline const unsigned char *scan_plain(const unsigned char *p, const unsigned char *end)
{
#if defined(JR_SSE2)
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed "less than 0x20" catches the control bytes and every byte >= 0x80 */
        __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                         _mm_cmplt_epi8(v, space));
        unsigned bits = (unsigned)_mm_movemask_epi8(hit);
        if (bits)
            return p + __builtin_ctz(bits);
        p += 16;
    }
#elif defined(JR_SWAR)
    /* Per-byte "is zero" / "is below" tests; a borrow can only flag bytes above a true hit, so
     * the lowest flagged byte (little-endian: the first) is exact. */
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (end - p >= 8) {
        uint64_t x, q, b, t;
        memcpy(&x, p, 8);
        q = x ^ (ones * '"');
        b = x ^ (ones * '\\');
        t = (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x) & highs;
        if (t)
            return p + (__builtin_ctzll(t) >> 3);
        p += 8;
    }
#endif
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
        p++;
    return p;
}

/* Length of the valid UTF-8 sequence at p (*p >= 0x80), or 0 when it is not one. */
static inline size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    size_t avail = (size_t)(end - p);
    if (c < 0xC2) /* a continuation byte, or the lead of an overlong 2-byte form */
        return 0;
    if (c < 0xE0)
        return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* U+D800..U+DFFF */
        return avail >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c < 0xF5) {
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
        return avail >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
                       (p[3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

static inline bool is_hex(unsigned c)
{
    return c - '0' < 10 || (c | 0x20) - 'a' < 6;
}

static inline int hex4(const unsigned char *p)
{
    int v = 0, i;
    for (i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c - '0' < 10)
            d = c - '0';
        else if ((c | 0x20) - 'a' < 6)
            d = (c | 0x20) - 'a' + 10;
        else
            return -1;
        v = v << 4 | (int)d;
    }
    return v;
}

/* p at a backslash; room for 4 bytes in b is guaranteed. Returns the byte after the escape. */
static const unsigned char *read_escape(reader *r, const unsigned char *p, jr_buf *b)
{
    const unsigned char *end = r->end;
    char *o = b->data + b->len;
    long cp, lo;
    size_t i;

    if (end - p < 2) {
        fail(r, end, json_error_premature_end_of_input, "unterminated string");
        return NULL;
    }
    switch (p[1]) {
    case '"':
    case '\\':
    case '/':
        *o = (char)p[1];
        break;
    case 'b':
        *o = '\b';
        break;
    case 'f':
        *o = '\f';
        break;
    case 'n':
        *o = '\n';
        break;
    case 'r':
        *o = '\r';
        break;
    case 't':
        *o = '\t';
        break;
    case 'u':
        if (end - p < 6 || (cp = hex4(p + 2)) < 0) {
            for (i = 2; i < 6 && p + i < end; i++)
                if (!is_hex(p[i]))
                    break;
            if (p + i >= end)
                fail(r, end, json_error_premature_end_of_input, "unterminated string");
            else
                fail(r, p, json_error_invalid_syntax, "invalid \\u escape");
            return NULL;
        }
        if (cp == 0) {
            fail(r, p, json_error_null_character, "\\u0000 is not allowed in strings");
            return NULL;
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            if (cp >= 0xDC00 || end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
                (lo = hex4(p + 8)) < 0xDC00 || lo > 0xDFFF) {
                fail(r, p, json_error_invalid_syntax, "invalid Unicode escape: lone surrogate");
                return NULL;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            o[0] = (char)(0xF0 | cp >> 18);
            o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
            o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
            o[3] = (char)(0x80 | (cp & 0x3F));
            b->len += 4;
            return p + 12;
        }
        if (cp < 0x80) {
            o[0] = (char)cp;
            b->len += 1;
        } else if (cp < 0x800) {
            o[0] = (char)(0xC0 | cp >> 6);
            o[1] = (char)(0x80 | (cp & 0x3F));
            b->len += 2;
        } else {
            o[0] = (char)(0xE0 | cp >> 12);
            o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
            o[2] = (char)(0x80 | (cp & 0x3F));
            b->len += 3;
        }
        return p + 6;
    default:
        fail(r, p, json_error_invalid_syntax, "invalid escape in string");
        return NULL;
    }
    b->len++;
    return p + 2;
}

/* p at the opening quote. Sets *s and *n to the string's bytes: in the input when it has no
 * escape, else decoded into b. Returns the byte after the closing quote, or NULL. */
static inline const unsigned char *read_string(reader *r, const unsigned char *p, jr_buf *b,
                                               const char **s, size_t *n)
{
    const unsigned char *end = r->end, *run = ++p;
    bool copied = false;

    for (;;) {
        unsigned c;
        p = scan_plain(p, end);
        if (p == end) {
            fail(r, end, json_error_premature_end_of_input, "unterminated string");
            return NULL;
        }
        c = *p;
        if (c == '"')
            break;
        if (c >= 0x80) {
            do {
                size_t k = utf8_len(p, end);
                if (!k) {
                    fail(r, p, json_error_invalid_utf8, "invalid UTF-8 byte 0x%02x in string", *p);
                    return NULL;
                }
                p += k;
            } while (p < end && *p >= 0x80);
            continue;
        }
        if (c != '\\') {
            fail(r, p, json_error_invalid_syntax, "control character 0x%02x in string", c);
            return NULL;
        }
        if (!copied) {
            b->len = 0;
            copied = true;
        }
        if (!buf_room(b, (size_t)(p - run) + 4)) {
            fail_oom(r, p);
            return NULL;
        }
        memcpy(b->data + b->len, run, (size_t)(p - run));
        b->len += (size_t)(p - run);
        p = read_escape(r, p, b);
        if (!p)
            return NULL;
        run = p;
    }
    if (!copied) {
        *s = (const char *)run;
        *n = (size_t)(p - run);
    } else {
        if (!buf_room(b, (size_t)(p - run))) {
            fail_oom(r, p);
            return NULL;
        }
        memcpy(b->data + b->len, run, (size_t)(p - run));
        b->len += (size_t)(p - run);
        *s = b->data;
        *n = b->len;
    }
    return p + 1;
}

/* ---- numbers -------------------------------------------------------------------------------- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* strtod() of the validated number text [s, e) in the "C" locale. Returns -1 when it does not
 * fit a double, -2 when out of memory. */
static int strtod_c(const unsigned char *s, const unsigned char *e, double *out)
{
    char small[64], *text = small, *stop;
    size_t n = (size_t)(e - s);
    locale_t old = (locale_t)0;
    int saved = errno, rc = 0;
    double d;

    if (n >= sizeof small && !(text = malloc(n + 1)))
        return -2;
    memcpy(text, s, n);
    text[n] = '\0';
    pthread_once(&c_locale_once, make_c_locale);
    if (c_locale)
        old = uselocale(c_locale);
    errno = 0;
    d = strtod(text, &stop);
    if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
        rc = -1;
    if (old)
        uselocale(old);
    /* No "C" locale object (out of memory) and a locale whose decimal point is not '.'. */
    if (rc == 0 && stop != text + n)
        rc = -2;
    if (text != small)
        free(text);
    errno = saved;
    *out = d;
    return rc;
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline bool is_digit(unsigned c)
{
    return c - '0' < 10;
}

/* p at '-' or a digit. */
static const unsigned char *read_number(reader *r, const unsigned char *p, json_t **out)
{
    const unsigned char *start = p, *end = r->end;
    uint64_t m = 0;  /* the significant digits, leading zeros dropped */
    int ndigits = 0; /* digits in m; 19 always fit */
    bool neg = false, lost = false, real = false;
    long exp10 = 0; /* value = m * 10^exp10 while !lost */
    double d;

    if (*p == '-') {
        neg = true;
        p++;
    }
    if (p < end && *p == '0') {
        p++;
        if (p < end && is_digit(*p)) {
            fail(r, p, json_error_invalid_syntax, "invalid number: leading zero");
            return NULL;
        }
    } else if (p < end && is_digit(*p)) {
        do {
            if (ndigits < 19) {
                m = m * 10 + (unsigned)(*p - '0');
                ndigits++;
            } else {
                lost = true;
            }
            p++;
        } while (p < end && is_digit(*p));
    } else {
        fail_expected(r, p, "digit");
        return NULL;
    }
    if (p < end && *p == '.') {
        real = true;
        p++;
        if (p >= end || !is_digit(*p)) {
            fail_expected(r, p, "digit after '.'");
            return NULL;
        }
        do {
            unsigned dgt = (unsigned)(*p - '0');
            if (m == 0 && dgt == 0) {
                exp10--;
            } else if (ndigits < 19) {
                m = m * 10 + dgt;
                ndigits++;
                exp10--;
            } else {
                lost = true;
            }
            p++;
        } while (p < end && is_digit(*p));
    }
    if (p < end && (*p | 0x20) == 'e') {
        long e = 0;
        bool eneg = false;
        real = true;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        if (p >= end || !is_digit(*p)) {
            fail_expected(r, p, "digit in exponent");
            return NULL;
        }
        do {
            if (e < 100000)
                e = e * 10 + (*p - '0');
            p++;
        } while (p < end && is_digit(*p));
        exp10 += eneg ? -e : e;
    }

    if (!real) {
        if (lost || m > JR_INT_MAX + (neg ? 1u : 0u)) {
            fail(r, start, json_error_numeric_overflow,
                 neg ? "too big negative integer" : "too big integer");
            return NULL;
        }
        *out = json_integer(neg ? (m ? -(json_int_t)(m - 1) - 1 : 0) : (json_int_t)m);
    } else {
        if (!lost && m == 0) {
            d = 0.0;
        } else if (JR_EXACT_DOUBLE && !lost && m <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
            d = (double)m; /* exact; one correctly rounded operation gives strtod's answer */
            if (exp10 < 0)
                d /= pow10_exact[-exp10];
            else
                d *= pow10_exact[exp10];
        } else {
            int rc = strtod_c(start, p, &d);
            if (rc == -1) {
                fail(r, start, json_error_numeric_overflow, "real number overflow");
                return NULL;
            }
            if (rc) {
                fail_oom(r, start);
                return NULL;
            }
            neg = false; /* the sign is in d */
        }
        *out = json_real(neg ? -d : d);
    }
    if (!*out) {
        fail_oom(r, start);
        return NULL;
    }
    return p;
}

/* ---- values --------------------------------------------------------------------------------- */

/* Where the next token starts after a number or a literal ending at p. jansson's lexer reads one
 * byte past such a token and puts it back; a NUL byte put back is lost (its lookahead buffer is
 * NUL-terminated), so exactly one NUL byte right after a number or a literal is skipped: jansson
 * accepts "[1\0]" and "[true\0,2]" but not "[\"a\"\0]" or "[1\0\0]". Reproduced. */
static inline const unsigned char *after_token(const unsigned char *p, const unsigned char *end)
{
    return p < end && *p == '\0' ? p + 1 : p;
}

/* A string, number, true, false or null at p (p < end). */
static inline const unsigned char *read_scalar(reader *r, const unsigned char *p, json_t **out)
{
    const char *s;
    size_t n;
    switch (*p) {
    case '"':
        p = read_string(r, p, &r->val, &s, &n);
        if (!p)
            return NULL;
        *out = json_stringn_nocheck(s, n);
        if (!*out) {
            fail_oom(r, p);
            return NULL;
        }
        return p;
    case 't':
        if (r->end - p >= 4 && memcmp(p, "true", 4) == 0) {
            *out = json_true();
            return after_token(p + 4, r->end);
        }
        break;
    case 'f':
        if (r->end - p >= 5 && memcmp(p, "false", 5) == 0) {
            *out = json_false();
            return after_token(p + 5, r->end);
        }
        break;
    case 'n':
        if (r->end - p >= 4 && memcmp(p, "null", 4) == 0) {
            *out = json_null();
            return after_token(p + 4, r->end);
        }
        break;
    default:
        if (*p == '-' || is_digit(*p)) {
            p = read_number(r, p, out);
            return p ? after_token(p, r->end) : NULL;
        }
    }
    fail_expected(r, p, "value");
    return NULL;
}

static inline const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* The "2.0" of a top-level "jsonrpc" member: one string for the whole process, shared by
 * reference (jansson's reference counts are atomic), instead of two allocations and two frees
 * per message. Only the top-level member shares it: handlers are given params and below, which
 * they may change in place; nothing changes the envelope's version string. New reference, or
 * NULL (out of memory: the caller reads the value as usual). */
static json_t *jsonrpc_version_value;
static pthread_once_t jsonrpc_version_once = PTHREAD_ONCE_INIT;

static void make_jsonrpc_version(void)
{
    jsonrpc_version_value = json_string_nocheck("2.0");
}

static json_t *jsonrpc_version(void)
{
    pthread_once(&jsonrpc_version_once, make_jsonrpc_version);
    return json_incref(jsonrpc_version_value);
}

json_t *mcp__json_parse(const char *buf, size_t len, json_error_t *err)
{
    size_t deepest;
    return mcp__json_parse_depth(buf, len, err, &deepest);
}

json_t *mcp__json_parse_depth(const char *buf, size_t len, json_error_t *err, size_t *deepest)
{
    reader r;
    json_t *small_stack[JR_STACK], **stack = small_stack;
    size_t depth, cap = JR_STACK; /* depth: containers open, the top-level one included */
    json_t *root = NULL, *cur, *v;
    const unsigned char *p, *end, *key_at;
    const char *key;
    size_t klen, before;
    unsigned c;

    if (err) {
        err->line = err->column = -1;
        err->position = 0;
        snprintf(err->source, sizeof err->source, "<buffer>");
        memset(err->text, 0, sizeof err->text);
    }
    *deepest = 0;
    r.err = err;
    r.start = p = buf ? (const unsigned char *)buf : (const unsigned char *)"";
    r.end = end = p + (buf ? len : 0);
    r.key.data = r.key.small;
    r.val.data = r.val.small;
    r.key.len = r.val.len = 0;
    r.key.cap = r.val.cap = JR_SCRATCH;
    if (!buf) {
        fail(&r, p, json_error_invalid_argument, "wrong arguments");
        return NULL;
    }

    p = skip_ws(p, end);
    if (p < end && *p == '{')
        root = json_object();
    else if (p < end && *p == '[')
        root = json_array();
    else {
        fail_expected(&r, p, "'[' or '{'");
        return NULL;
    }
    if (!root) {
        fail_oom(&r, p);
        return NULL;
    }
    cur = stack[0] = root;
    depth = *deepest = 1;
    c = *p++;
    if (c == '[')
        goto array_first;

object_first:
    p = skip_ws(p, end);
    if (p < end && *p == '}') {
        p++;
        goto close;
    }
object_member:
    if (p >= end || *p != '"') {
        fail_expected(&r, p, "string");
        goto error;
    }
    key_at = p;
    p = read_string(&r, p, &r.key, &key, &klen);
    if (!p)
        goto error;
    p = skip_ws(p, end);
    if (p >= end || *p != ':') {
        fail_expected(&r, p, "':'");
        goto error;
    }
    p = skip_ws(p + 1, end);
    if (p >= end) {
        fail_expected(&r, p, "value");
        goto error;
    }
    if (depth >= JSON_PARSER_MAX_DEPTH) {
        fail(&r, p, json_error_stack_overflow, "maximum parsing depth reached");
        goto error;
    }
    c = *p;
    if (c == '{' || c == '[') {
        v = c == '{' ? json_object() : json_array();
    } else if (depth == 1 && klen == 7 && memcmp(key, "jsonrpc", 7) == 0 && end - p >= 5 &&
               memcmp(p, "\"2.0\"", 5) == 0) {
        /* every message's "jsonrpc": "2.0" shares one string (see jsonrpc_version) */
        v = jsonrpc_version();
        p = v ? p + 5 : read_scalar(&r, p, &v); /* a string: no NUL skipped after it */
        if (!p)
            goto error;
    } else {
        p = read_scalar(&r, p, &v);
        if (!p)
            goto error;
    }
    if (!v) {
        fail_oom(&r, p);
        goto error;
    }
    before = json_object_size(cur);
    if (json_object_setn_new_nocheck(cur, key, klen, v) != 0) {
        fail_oom(&r, p);
        goto error;
    }
    if (json_object_size(cur) == before) { /* the key was there: replaced, not added */
        fail_duplicate(&r, key_at, key, klen);
        goto error;
    }
    if (c == '{' || c == '[')
        goto open;
object_next:
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
        p = skip_ws(p + 1, end);
        goto object_member;
    }
    if (p < end && *p == '}') {
        p++;
        goto close;
    }
    fail_expected(&r, p, "',' or '}'");
    goto error;

array_first:
    p = skip_ws(p, end);
    if (p < end && *p == ']') {
        p++;
        goto close;
    }
array_element:
    if (p >= end) {
        fail_expected(&r, p, "value");
        goto error;
    }
    if (depth >= JSON_PARSER_MAX_DEPTH) {
        fail(&r, p, json_error_stack_overflow, "maximum parsing depth reached");
        goto error;
    }
    c = *p;
    if (c == '{' || c == '[') {
        v = c == '{' ? json_object() : json_array();
        if (!v) {
            fail_oom(&r, p);
            goto error;
        }
    } else {
        p = read_scalar(&r, p, &v);
        if (!p)
            goto error;
    }
    if (json_array_append_new(cur, v) != 0) {
        fail_oom(&r, p);
        goto error;
    }
    if (c == '{' || c == '[')
        goto open;
array_next:
    p = skip_ws(p, end);
    if (p < end && *p == ',') {
        p = skip_ws(p + 1, end);
        goto array_element;
    }
    if (p < end && *p == ']') {
        p++;
        goto close;
    }
    fail_expected(&r, p, "',' or ']'");
    goto error;

open: /* v, just attached to cur, is an empty container starting at p */
    if (depth == cap) {
        json_t **bigger = malloc(JSON_PARSER_MAX_DEPTH * sizeof *bigger);
        if (!bigger) {
            fail_oom(&r, p);
            goto error;
        }
        memcpy(bigger, stack, depth * sizeof *stack);
        stack = bigger;
        cap = JSON_PARSER_MAX_DEPTH;
    }
    stack[depth++] = cur = v;
    if (depth > *deepest)
        *deepest = depth;
    p++;
    if (c == '{')
        goto object_first;
    goto array_first;

close:
    if (--depth > 0) {
        cur = stack[depth - 1];
        if (json_is_object(cur))
            goto object_next;
        goto array_next;
    }
    p = skip_ws(p, end);
    if (p < end) {
        char tmp[16];
        fail(&r, p,
             *p >= 0x80 && !utf8_len(p, end) ? json_error_invalid_utf8
                                             : json_error_end_of_input_expected,
             "end of input expected, found %s", found(p, end, tmp));
        goto error;
    }
    goto done;

error:
    json_decref(root);
    root = NULL;
done:
    if (stack != small_stack)
        free(stack);
    if (r.key.data != r.key.small)
        free(r.key.data);
    if (r.val.data != r.val.small)
        free(r.val.data);
    return root;
}
