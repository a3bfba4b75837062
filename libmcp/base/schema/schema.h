/*
 * Private declarations shared by the schema files in this folder, and by no other file.
 *
 * The folder holds one program per file:
 *
 *   util.c      helpers used by more than one of them (UTF-8, counts, message excerpts) and
 *               local JSON pointers for $ref
 *   compact.c   the compact schema form (mcp__schema_compact)
 *   regex.c     JSON Schema patterns with PCRE2 (ECMA-262 syntax as far as PCRE2 allows); its
 *               interface is compile one pattern, match one string within a step budget, free
 *   patterns.c  the compiled patterns of one schema, built once at registration
 *   pcre_load.c loading libpcre2-8 on first use (pcre_api.h, private to it and regex.c)
 *   check.c     registration-time checks (mcp__schema_check, mcp_schema_from_text) and the
 *               table of keywords the validator knows
 *   validate.c  the validator (mcp_schema_validate)
 *   defaults.c  schema defaults filled into a tool's arguments (mcp__schema_defaults)
 *
 * The only global state is pcre_load.c's table of PCRE2 functions, filled once.
 */
#ifndef MCP_SCHEMA_H
#define MCP_SCHEMA_H

#include "base/base.h"

#include <stdint.h>

#define MAX_DEPTH 64 /* instance nesting, $ref hops, schema nesting (checks) */

/* ---- character classes (ASCII) ------------------------------------------------------------ */

static inline bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ---- util.c ------------------------------------------------------------------------------- */

/* Decode one UTF-8 sequence of at most `n` bytes: its length, or 0 if invalid or cut short. */
MCP_HIDDEN size_t mcp__schema_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Cut a NUL-terminated message at its first invalid UTF-8 byte. */
MCP_HIDDEN void mcp__schema_utf8_trim(char *s);
/* Finite and without a fractional part. */
MCP_HIDDEN bool mcp__schema_dbl_is_integral(double d);
/* A non-negative integer keyword value (3 or 3.0); false when absent or malformed. */
MCP_HIDDEN bool mcp__schema_get_count(const json_t *n, json_int_t *out);
/* How much of s[n] to show in a message (a "%.*s" precision): at most 60 bytes, whole
 * characters. */
MCP_HIDDEN int mcp__schema_show(const char *s, size_t n);
/* Resolve a local JSON pointer ("#", "#/a/b") against root; NULL when it does not. */
MCP_HIDDEN const json_t *mcp__schema_ref_resolve(const json_t *root, const char *ref);

/* ---- regex.c ------------------------------------------------------------------------------ */

/* Results of compiling and of matching a pattern. */
enum { RX_OK, RX_INVALID, RX_NOMEM, RX_MATCH, RX_NO_MATCH, RX_COSTLY };

typedef struct mcp__schema_regex mcp__schema_regex;

/* Compile the ECMA-262 pattern pat[len]. RX_OK: *out is set (free it with
 * mcp__schema_regex_free); otherwise *out is NULL and the result is RX_INVALID (PCRE2 cannot
 * compile it) or RX_NOMEM, with the reason (PCRE2's message and offset) in why (may be NULL). */
MCP_HIDDEN int mcp__schema_regex_compile(const char *pat, size_t len, mcp__schema_regex **out,
                                         char *why, size_t why_size);
/* Does the pattern match anywhere in s[len] (like ECMA's test())? RX_MATCH, RX_NO_MATCH,
 * RX_COSTLY (the match ran out of its budget, which grows linearly with len) or RX_NOMEM.
 * Safe from several threads at once on one compiled pattern. */
MCP_HIDDEN int mcp__schema_regex_match(const mcp__schema_regex *re, const char *s, size_t len);
/* Free a compiled pattern (NULL is fine). */
MCP_HIDDEN void mcp__schema_regex_free(mcp__schema_regex *re);

/* ---- patterns.c (mcp__schema_patterns_new/_free are in base.h) ---------------------------- */

/* Compile pat[len] into the table unless it is there already: RX_OK, RX_INVALID or RX_NOMEM
 * with the reason in why (may be NULL). */
MCP_HIDDEN int mcp__schema_patterns_add(mcp__schema_patterns *p, const char *pat, size_t len,
                                        char *why, size_t why_size);
/* The compiled form of pat[len], or NULL when the table (may be NULL) does not have it. */
MCP_HIDDEN const mcp__schema_regex *mcp__schema_patterns_get(const mcp__schema_patterns *p,
                                                             const char *pat, size_t len);

/* ---- check.c ------------------------------------------------------------------------------ */

/* The keywords the validator knows, sorted by name (check.c's table follows this order;
 * mcp__schema_kw_lookup() finds them through a hash table built from it). */
enum kw {
    KW_DEFS,
    KW_REF,
    KW_ADDITIONAL_PROPERTIES,
    KW_ALL_OF,
    KW_ANY_OF,
    KW_CONST,
    KW_CONTAINS,
    KW_DEFINITIONS,
    KW_DEPENDENT_REQUIRED,
    KW_DEPENDENT_SCHEMAS,
    KW_ELSE,
    KW_ENUM,
    KW_EXCLUSIVE_MAXIMUM,
    KW_EXCLUSIVE_MINIMUM,
    KW_IF,
    KW_ITEMS,
    KW_MAX_CONTAINS,
    KW_MAX_ITEMS,
    KW_MAX_LENGTH,
    KW_MAX_PROPERTIES,
    KW_MAXIMUM,
    KW_MIN_CONTAINS,
    KW_MIN_ITEMS,
    KW_MIN_LENGTH,
    KW_MIN_PROPERTIES,
    KW_MINIMUM,
    KW_MULTIPLE_OF,
    KW_NOT,
    KW_ONE_OF,
    KW_PATTERN,
    KW_PATTERN_PROPERTIES,
    KW_PREFIX_ITEMS,
    KW_PROPERTIES,
    KW_PROPERTY_NAMES,
    KW_REQUIRED,
    KW_THEN,
    KW_TYPE,
    KW_UNIQUE_ITEMS,
    KW_COUNT
};

/* A keyword's enum kw value, or -1 for a keyword the validator does not know. */
MCP_HIDDEN int mcp__schema_kw_lookup(const char *name);

/* JSON type names as bits; integers are numbers too. */
enum {
    T_STRING = 1,
    T_NUMBER = 2,
    T_INTEGER = 4,
    T_BOOLEAN = 8,
    T_OBJECT = 16,
    T_ARRAY = 32,
    T_NULL = 64
};

/* The bit of a type name, or 0 when it is not one. */
MCP_HIDDEN unsigned mcp__schema_type_bit(const char *name);

/* Does PCRE2 compile `pat`? MCP_OK, or MCP_ESCHEMA (MCP_ENOMEM) with the reason in why. */
MCP_HIDDEN int mcp__schema_pattern_check(const char *pat, size_t len, char *why, size_t why_size);

#endif
